/**
 * Persistent volumes end to end in-process: `startServer` with simulated nodes, driven over HTTPS
 * by @kubernetes/client-node. The default `local-path` class exists from bootstrap (once: a class
 * deleted by the user stays deleted across restarts); a StatefulSet's volumeClaimTemplates
 * claims are provisioned on the nodes the scheduler picks, bound, and its pods run; deleting a
 * claim (reclaim policy Delete) deletes its volume once the simulated kubelet let go of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, KubeConfig, StorageV1Api } from '@kubernetes/client-node';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { uniqueName, waitFor } from './helpers.js';

let server: RunningServer | undefined;
let dataDir = '';
let core: CoreV1Api;
let apps: AppsV1Api;
let storage: StorageV1Api;

async function start(): Promise<void> {
  server = await startServer({
    dataDir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    tlsSans: [],
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    serviceCidr: '10.43.0.0/16',
    nodePortRange: [30000, 32767],
    datastore: 'sqlite',
    simulatedNodes: { count: 3, podStartDelayMs: [20, 60] },
  });
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  storage = kc.makeApiClient(StorageV1Api);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lite-it-pv-'));
  await start();
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('persistent volumes on simulated nodes', () => {
  it('has the default local-path StorageClass', async () => {
    const sc = await storage.readStorageClass({ name: 'local-path' });
    expect(sc.provisioner).toBe('rancher.io/local-path');
    expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(sc.reclaimPolicy).toBe('Delete');
    expect(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('true');
  });

  it('binds a StatefulSet\'s claims and runs its pods; deleting a claim deletes its volume', async () => {
    const namespace = uniqueName('pv');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 3,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'example/db', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      },
    });
    const pods = await waitFor('three Running pods', async () => {
      const list = await core.listNamespacedPod({ namespace });
      return list.items.length === 3 && list.items.every((p) => p.status?.phase === 'Running') ? list.items : undefined;
    }, 30_000);
    const claims = await waitFor('three Bound claims', async () => {
      const list = await core.listNamespacedPersistentVolumeClaim({ namespace });
      return list.items.length === 3 && list.items.every((c) => c.status?.phase === 'Bound') ? list.items : undefined;
    });
    expect(claims.map((c) => c.metadata?.name).sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    for (const c of claims) {
      expect(c.spec?.storageClassName).toBe('local-path');
      expect(c.metadata?.finalizers).toContain('kubernetes.io/pvc-protection');
      const pv = await core.readPersistentVolume({ name: c.spec?.volumeName ?? '' });
      expect(pv.status?.phase).toBe('Bound');
      expect(pv.spec?.hostPath?.path).toBe(join(dataDir, 'storage', `pvc-${c.metadata?.uid}_${namespace}_${c.metadata?.name}`));
      // Each volume is pinned to the node its pod runs on.
      const pod = pods.find((p) => `data-${p.metadata?.name}` === c.metadata?.name);
      expect(c.metadata?.annotations?.['volume.kubernetes.io/selected-node']).toBe(pod?.spec?.nodeName);
      expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values).toEqual([pod?.spec?.nodeName]);
    }

    // Scale down, then delete the freed claim: its volume (reclaim Delete) goes too.
    await apps.patchNamespacedStatefulSet({ namespace, name: 'db', body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] });
    await waitFor('db-2 gone', async () => ((await core.listNamespacedPod({ namespace })).items.some((p) => p.metadata?.name === 'db-2') ? undefined : true), 30_000);
    const victim = claims.find((c) => c.metadata?.name === 'data-db-2');
    const pvName = victim?.spec?.volumeName ?? '';
    await core.deleteNamespacedPersistentVolumeClaim({ namespace, name: 'data-db-2' });
    await waitFor('the volume deleted', async () => ((await core.listPersistentVolume()).items.some((v) => v.metadata?.name === pvName) ? undefined : true), 30_000);
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace })).items.map((c) => c.metadata?.name).sort()).toEqual(['data-db-0', 'data-db-1']);
  });

  it('respects the user deleting the default class: it is not recreated at restart', async () => {
    await storage.deleteStorageClass({ name: 'local-path' });
    await server?.stop();
    server = undefined;
    await start();
    const names = (await storage.listStorageClass()).items.map((c) => c.metadata?.name);
    expect(names).not.toContain('local-path');
  });
});
