/**
 * The `local-path` StorageClass that k3s deploys from its local-storage manifest: the default
 * class, provisioner rancher.io/local-path, WaitForFirstConsumer, reclaim policy Delete.
 *
 * k3s applies its packaged manifests through Addon objects that remember what was applied: an
 * unchanged manifest is not re-applied, so changes users make to the deployed objects (editing
 * the class, removing its default annotation, deleting it) survive restarts; the way to opt out
 * up front is `--disable local-storage`. lite does the same with one record in the datastore,
 * the ConfigMap kube-system/lite-addons: the class is created when the record does not say
 * it was, and the record is written then. Afterwards the class is the user's: lite never
 * recreates or corrects it (a cluster whose record is deleted gets a missing class back at
 * the next start, as deleting a k3s Addon does).
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import { ANN_DEFAULT_STORAGE_CLASS, storageClassesResource } from '../controllers/persistentvolume/volume-util.js';
import { LOCAL_PATH_PROVISIONER } from '../controllers/local-path-provisioner/local-path-provisioner.js';

export const LOCAL_PATH_STORAGE_CLASS = 'local-path';
export const ADDONS_CONFIGMAP = 'lite-addons';
const ADDON_KEY = 'local-storage';

export function localPathStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_STORAGE_CLASS, annotations: { [ANN_DEFAULT_STORAGE_CLASS]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
  };
}

async function getOrUndefined(client: Client, ref: Parameters<Client['get']>[0], namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref, namespace, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return undefined;
    throw e;
  }
}

/** Creates the local-path class once per cluster (see the file comment). Returns whether it did. */
export async function ensureLocalStorageClass(client: Client): Promise<boolean> {
  const record = await getOrUndefined(client, resources.configmaps, 'kube-system', ADDONS_CONFIGMAP);
  const data = record && typeof record.data === 'object' && record.data !== null ? (record.data as Record<string, string>) : {};
  if (data[ADDON_KEY] !== undefined) return false;
  let created = false;
  if (!(await getOrUndefined(client, storageClassesResource, undefined, LOCAL_PATH_STORAGE_CLASS))) {
    try {
      await client.create(storageClassesResource, undefined, localPathStorageClass());
      created = true;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }
  const applied = { ...data, [ADDON_KEY]: `StorageClass/${LOCAL_PATH_STORAGE_CLASS}` };
  try {
    if (record) await client.update(resources.configmaps, 'kube-system', { ...record, data: applied });
    else await client.create(resources.configmaps, 'kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ADDONS_CONFIGMAP, namespace: 'kube-system' }, data: applied });
  } catch (e) {
    // Another server recorded it at the same moment.
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
  return created;
}
