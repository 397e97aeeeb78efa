/**
 * Fixtures for storage tests (PV controller, provisioner, protection controllers, VolumeBinding):
 * PV / PVC / StorageClass manifests and small readers over a TestApi.
 */
import { ApiError } from '../../api/errors.js';
import type { JsonObject, KubeObject } from '../../api/object.js';
import type { TestApi } from '../testing/test-api.js';
import { pvcsResource, pvsResource, storageClassesResource } from './volume-util.js';

export function pvManifest(name: string, size: string, extra: { modes?: string[]; cls?: string; labels?: Record<string, string>; claimRef?: JsonObject; reclaim?: string; node?: string; spec?: JsonObject } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      capacity: { storage: size },
      accessModes: extra.modes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: extra.reclaim ?? 'Retain',
      hostPath: { path: `/tmp/${name}` },
      ...(extra.cls !== undefined ? { storageClassName: extra.cls } : {}),
      ...(extra.claimRef ? { claimRef: extra.claimRef } : {}),
      ...(extra.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [extra.node] }] }] } } } : {}),
      ...extra.spec,
    },
  };
}

export function pvcManifest(name: string, size: string, extra: { modes?: string[]; cls?: string | null; selector?: JsonObject; volumeName?: string; annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      accessModes: extra.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(extra.cls !== undefined && extra.cls !== null ? { storageClassName: extra.cls } : {}),
      ...(extra.selector ? { selector: extra.selector } : {}),
      ...(extra.volumeName ? { volumeName: extra.volumeName } : {}),
    },
  };
}

export function storageClassManifest(name: string, extra: { provisioner?: string; mode?: 'Immediate' | 'WaitForFirstConsumer'; reclaim?: string; isDefault?: boolean; allowedTopologies?: unknown[] } = {}): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, ...(extra.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    provisioner: extra.provisioner ?? 'kubernetes.io/no-provisioner',
    volumeBindingMode: extra.mode ?? 'Immediate',
    reclaimPolicy: extra.reclaim ?? 'Delete',
    ...(extra.allowedTopologies ? { allowedTopologies: extra.allowedTopologies } : {}),
  };
}

export function volumeKit(api: TestApi) {
  const orUndefined = async (p: Promise<KubeObject>) => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  return {
    createPv: (pv: KubeObject) => api.client.create(pvsResource, undefined, pv),
    createPvc: (pvc: KubeObject) => api.client.create(pvcsResource, 'default', pvc),
    createClass: (sc: KubeObject) => api.client.create(storageClassesResource, undefined, sc),
    pv: (name: string) => orUndefined(api.client.get(pvsResource, undefined, name)),
    pvc: (name: string) => orUndefined(api.client.get(pvcsResource, 'default', name)),
    deletePvc: (name: string) => api.client.delete(pvcsResource, 'default', name),
    /** "type reason message" of the events about an object. */
    eventsOf: async (name: string) => (await api.events()).filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => `${String(e.type)} ${String(e.reason)} ${String(e.message)}`),
  };
}

export const phaseOf = (o: KubeObject | undefined): string => ((o?.status as { phase?: string } | undefined)?.phase ?? '');
export const specOf = (o: KubeObject | undefined): JsonObject => ((o?.spec as JsonObject | undefined) ?? {});
