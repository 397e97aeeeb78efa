/**
 * The other client the cluster must accept: @kubernetes/client-node 2.x, with the kubeconfig that
 * `lite server` writes (client certificate auth), for the calls a Node program makes first:
 * version, list, create, patch, watch, delete.
 */
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, VersionApi, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { uniqueName, useCluster } from './support/cluster.js';
import { eventually, withTimeout } from './support/wait.js';

const ctx = useCluster();

function config(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(ctx.server.kubeconfigPath);
  expect(kc.getCurrentCluster()?.server).toBe(ctx.server.url);
  return kc;
}

describe('@kubernetes/client-node', () => {
  test('version, list namespaces, create / read / patch / delete a ConfigMap', async () => {
    const kc = config();
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.major).toBe('1');
    expect(version.minor).toBe('32');

    const core = kc.makeApiClient(CoreV1Api);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));

    const ns = uniqueName('clientnode');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings', labels: { app: 'demo' } }, data: { a: '1' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: ns });
    expect(read.data).toEqual({ a: '1' });

    const patched = await core.patchNamespacedConfigMap({ name: 'settings', namespace: ns, body: { data: { b: '2' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const selected = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=demo' });
    expect(selected.items.map((i) => i.metadata?.name)).toEqual(['settings']);

    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: ns });
    const err = await core.readNamespacedConfigMap({ name: 'settings', namespace: ns }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(404);
  });

  test('typed apps/v1 objects and server-side apply', async () => {
    const kc = config();
    const ns = uniqueName('clientapps');
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const apps = kc.makeApiClient(AppsV1Api);
    const body = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    };
    const applied = await apps.patchNamespacedDeployment({ name: 'web', namespace: ns, body, fieldManager: 'client-node-e2e', force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
    expect(applied.spec?.replicas).toBe(2);
    expect(applied.metadata?.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toEqual(['client-node-e2e/Apply']);
    const list = await apps.listNamespacedDeployment({ namespace: ns });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(['web']);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: ns });
    expect(scale.spec?.replicas).toBe(2);
  });

  test('Watch delivers ADDED, MODIFIED and DELETED events', async () => {
    const kc = config();
    const core = kc.makeApiClient(CoreV1Api);
    const ns = uniqueName('clientwatch');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    // The root-CA publisher puts kube-root-ca.crt in every new namespace; once it is there, a watch
    // without a resourceVersion starts with it as existing state.
    await eventually(() => core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: ns }).then(() => true), { what: `kube-root-ca.crt in ${ns}` });
    const events: string[] = [];
    let wake: (() => void) | undefined;
    const watch = new Watch(kc);
    let ended: unknown = 'open';
    const req = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      {},
      (type: string, obj: { metadata?: { name?: string } }) => {
        events.push(`${type} ${obj.metadata?.name ?? ''}`);
        wake?.();
      },
      (err: unknown) => {
        ended = err ?? null;
        wake?.();
      },
    );
    const waitFor = async (n: number) =>
      withTimeout(
        (async () => {
          for (let i = 0; i < 200 && events.length < n; i++) await new Promise<void>((r) => ((wake = r), setTimeout(r, 100)));
        })(),
        20_000,
        `${n} watch events (have ${JSON.stringify(events)})`,
      );
    try {
      await waitFor(1);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w' } } });
      await waitFor(2);
      await core.patchNamespacedConfigMap({ name: 'w', namespace: ns, body: { data: { x: 'y' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await waitFor(3);
      await core.deleteNamespacedConfigMap({ name: 'w', namespace: ns });
      await waitFor(4);
      expect(events).toEqual(['ADDED kube-root-ca.crt', 'ADDED w', 'MODIFIED w', 'DELETED w']);
      expect(ended).toBe('open');
    } finally {
      req.abort();
    }
  });
});
