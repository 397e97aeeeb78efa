/**
 * The SQLite datastore across restarts: objects, certificates and the admin token survive stop()
 * and a new startServer on the same data dir; resourceVersions keep increasing; allocations and
 * watch history carry over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { apiError, EventLog, ROOT_CA_CONFIGMAP, startTestServer, waitForRootCaConfigMap, type TestServer } from './helpers.js';

const ns = 'persist';
let first: TestServer;
let second: TestServer;
let core: CoreV1Api;
let apps: AppsV1Api;

interface FirstRun {
  caCertPem: string;
  adminToken: string;
  url: string;
  cmUid: string;
  cmRv: string;
  deployUid: string;
  deployGeneration: number;
  serviceIp: string;
  listRv: string;
  rvBeforeLastWrites: string;
  rootCaUid: string;
}
const run1 = {} as FirstRun;

beforeAll(async () => {
  first = await startTestServer({ datastore: 'sqlite' });
  const c1 = first.kc.makeApiClient(CoreV1Api);
  const a1 = first.kc.makeApiClient(AppsV1Api);
  await c1.createNamespace({ body: { metadata: { name: ns, labels: { team: 'a' } } } });
  const cm = await c1.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg', labels: { k: 'v' } }, data: { greeting: 'hello', multi: 'line1\nline2' } } });
  await c1.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'sec' }, stringData: { password: 's3cret' } } });
  const d = await a1.createNamespacedDeployment({
    namespace: ns,
    body: { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } },
  });
  const scaled = await a1.replaceNamespacedDeploymentScale({ name: 'web', namespace: ns, body: { metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } } });
  expect(scaled.spec?.replicas).toBe(3);
  const svc = await c1.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  run1.rvBeforeLastWrites = (await c1.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
  await c1.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } });
  await c1.deleteNamespacedSecret({ name: 'sec', namespace: ns });
  // The root-CA publisher's ConfigMap is part of the namespace's state that must survive.
  await waitForRootCaConfigMap(first.server, ns);
  const rootCa = await c1.readNamespacedConfigMap({ name: ROOT_CA_CONFIGMAP, namespace: ns });
  const list = await c1.listNamespacedConfigMap({ namespace: ns });
  Object.assign(run1, {
    rootCaUid: rootCa.metadata!.uid!,
    caCertPem: first.server.caCertPem,
    adminToken: first.server.adminToken,
    url: first.server.url,
    cmUid: cm.metadata!.uid!,
    cmRv: cm.metadata!.resourceVersion!,
    deployUid: d.metadata!.uid!,
    deployGeneration: 2,
    serviceIp: svc.spec!.clusterIP!,
    listRv: list.metadata!.resourceVersion!,
  });
  await first.stop({ keepDataDir: true });

  second = await startTestServer({ datastore: 'sqlite', dataDir: first.dataDir });
  core = second.kc.makeApiClient(CoreV1Api);
  apps = second.kc.makeApiClient(AppsV1Api);
}, 120_000);

afterAll(async () => {
  await first?.stop({ keepDataDir: true });
  await second?.stop();
});

describe('restart on the same data dir (sqlite)', () => {
  it('reuses the CA, the serving certificate chain and the admin token', async () => {
    expect(second.server.caCertPem).toBe(run1.caCertPem);
    expect(second.server.adminToken).toBe(run1.adminToken);
    // A kubeconfig written by the first run still works against the second (same CA and token).
    const old = new KubeConfig();
    old.loadFromOptions({
      clusters: [{ name: 'c', server: second.server.url, caData: Buffer.from(run1.caCertPem).toString('base64') }],
      users: [{ name: 'u', token: run1.adminToken }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const names = (await old.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toContain(ns);
  });

  it('objects survive with their uid, resourceVersion and content', async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'cfg', namespace: ns });
    expect(cm.metadata?.uid).toBe(run1.cmUid);
    expect(cm.metadata?.resourceVersion).toBe(run1.cmRv);
    expect(cm.data).toEqual({ greeting: 'hello', multi: 'line1\nline2' });
    expect(cm.metadata?.labels).toEqual({ k: 'v' });
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(d.metadata?.uid).toBe(run1.deployUid);
    expect(d.spec?.replicas).toBe(3);
    expect(d.metadata?.generation).toBe(run1.deployGeneration);
    expect((await core.readNamespace({ name: ns })).metadata?.labels?.team).toBe('a');
    // The delete of the first run is durable too.
    expect((await apiError(core.readNamespacedSecret({ name: 'sec', namespace: ns }))).code).toBe(404);
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items.map((i) => i.metadata?.name).sort()).toEqual(['cfg', ROOT_CA_CONFIGMAP, 'late']);
    // Same CA after the restart: the publisher keeps the ConfigMap it made, it does not recreate it.
    expect((await core.readNamespacedConfigMap({ name: ROOT_CA_CONFIGMAP, namespace: ns })).metadata?.uid).toBe(run1.rootCaUid);
  });

  it('bootstrap objects are not duplicated and the kubernetes endpoints follow the new port', async () => {
    const nsNames = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(nsNames.filter((n) => n === 'default')).toHaveLength(1);
    const k = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    expect(k.spec?.clusterIP).toBe('10.43.0.1');
    const ep = await core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
    expect(ep.subsets?.[0].ports?.[0].port).toBe(second.server.port);
  });

  it('resourceVersions keep increasing after the restart', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(run1.listRv));
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-restart' } } });
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(Number(run1.listRv));
    const cm = await core.readNamespacedConfigMap({ name: 'cfg', namespace: ns });
    const updated = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { ...cm, data: { greeting: 'bye' } } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    // A stale resourceVersion from the first run is still a conflict.
    const stale = await apiError(core.replaceNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { ...cm, metadata: { ...cm.metadata, resourceVersion: run1.cmRv }, data: { greeting: 'stale' } } }));
    expect(stale.code).toBe(409);
  });

  it('a watch from a resourceVersion of the first run replays what happened after it', async () => {
    const log = new EventLog<string>();
    const controller = await new Watch(second.kc).watch(
      `/api/v1/namespaces/${ns}/secrets`,
      { resourceVersion: run1.rvBeforeLastWrites },
      (type, obj) => log.push(`${type} ${obj?.metadata?.name}`),
      () => undefined,
    );
    try {
      await log.until('DELETED sec', (i) => i.includes('DELETED sec'));
      expect(log.items).toEqual(['DELETED sec']);
    } finally {
      controller.abort();
    }
  });

  it('service allocations are restored: the first run\'s ClusterIP is still taken', async () => {
    const err = await apiError(core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'clash' }, spec: { clusterIP: run1.serviceIp, ports: [{ port: 80 }] } } }));
    expect(err.code).toBe(422);
    expect(err.status.details.causes[0].message).toContain('provided IP is already allocated');
    const fresh = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'fresh' }, spec: { ports: [{ port: 80 }] } } });
    expect(fresh.spec?.clusterIP).not.toBe(run1.serviceIp);
  });

  it('survives a second restart as well', async () => {
    const before = await core.listNamespacedConfigMap({ namespace: ns });
    await second.stop({ keepDataDir: true });
    second = await startTestServer({ datastore: 'sqlite', dataDir: first.dataDir });
    core = second.kc.makeApiClient(CoreV1Api);
    const after = await core.listNamespacedConfigMap({ namespace: ns });
    expect(after.items.map((i) => `${i.metadata?.name}@${i.metadata?.resourceVersion}`).sort()).toEqual(before.items.map((i) => `${i.metadata?.name}@${i.metadata?.resourceVersion}`).sort());
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(before.metadata?.resourceVersion));
    expect((await core.readNamespacedConfigMap({ name: 'cfg', namespace: ns })).data).toEqual({ greeting: 'bye' });
  });
});
