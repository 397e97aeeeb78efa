/**
 * Namespace lifecycle: admission against missing and terminating namespaces, deletion of a
 * namespace with content (Terminating, content removed, then gone), and the namespaces that can
 * never be deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiError, rawRequest, startTestServer, uniqueName, waitFor, type TestServer } from './helpers.js';

let t: TestServer;
let core: CoreV1Api;
let apps: AppsV1Api;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeAll(async () => {
  t = await startTestServer();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
});

afterAll(async () => {
  await t?.stop();
});

const notFound = async (p: Promise<unknown>) => (await apiError(p)).code === 404;

describe('namespace lifecycle', () => {
  it('creating in a namespace that does not exist is 404 for the namespace', async () => {
    const err = await apiError(core.createNamespacedConfigMap({ namespace: 'does-not-exist', body: { metadata: { name: 'x' } } }));
    expect(err.code).toBe(404);
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "does-not-exist" not found',
      reason: 'NotFound',
      details: { name: 'does-not-exist', kind: 'namespaces' },
      code: 404,
    });
    const dep = await apiError(apps.createNamespacedDeployment({ namespace: 'does-not-exist', body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } }));
    expect(dep.code).toBe(404);
    expect(dep.status.details).toEqual({ name: 'does-not-exist', kind: 'namespaces' });
  });

  it('deleting a namespace with content: Terminating, creation refused (403), content removed, namespace gone', async () => {
    const ns = uniqueName('doomed');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'plain' } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' }, stringData: { a: 'b' } } });
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } } });
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } },
    });
    // A finalizer nobody removes holds the namespace in Terminating until the test releases it.
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });

    // Upstream answers the DELETE with the namespace itself, now Terminating.
    const deleting = await rawRequest(t.server, { method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
    expect(deleting.status).toBe(200);
    expect(deleting.json).toMatchObject({ kind: 'Namespace', metadata: { name: ns }, status: { phase: 'Terminating' } });
    expect(deleting.json.metadata.deletionTimestamp).toBeDefined();
    const terminating = await core.readNamespace({ name: ns });
    expect(terminating.status?.phase).toBe('Terminating');
    expect(terminating.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(terminating.spec?.finalizers).toEqual(['kubernetes']);

    // No new content while terminating.
    const refused = await apiError(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } }));
    expect(refused.code).toBe(403);
    expect(refused.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, details: { name: 'late', kind: 'configmaps' } });
    expect(refused.status.message).toBe(`configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);

    // Everything else is removed; the held object is marked for deletion.
    await waitFor('namespace content removed', async () => {
      const [cms, secrets, pods, svcs, deps] = await Promise.all([
        core.listNamespacedConfigMap({ namespace: ns }),
        core.listNamespacedSecret({ namespace: ns }),
        core.listNamespacedPod({ namespace: ns }),
        core.listNamespacedService({ namespace: ns }),
        apps.listNamespacedDeployment({ namespace: ns }),
      ]);
      return cms.items.length === 1 && cms.items[0].metadata?.name === 'held' && cms.items[0].metadata.deletionTimestamp && secrets.items.length === 0 && pods.items.length === 0 && svcs.items.length === 0 && deps.items.length === 0;
    });
    // Still there, still Terminating, while content remains.
    expect((await core.readNamespace({ name: ns })).status?.phase).toBe('Terminating');

    // Updates (not creates) are still allowed in a terminating namespace: release the finalizer.
    await core.patchNamespacedConfigMap({ name: 'held', namespace: ns, body: { metadata: { finalizers: null } } }, merge);
    await waitFor('namespace gone', () => notFound(core.readNamespace({ name: ns })), 15_000);
    expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).not.toContain(ns);
    // The name can be used again.
    const again = await core.createNamespace({ body: { metadata: { name: ns } } });
    expect(again.status?.phase).toBe('Active');
  });

  it('an empty namespace is deleted promptly', async () => {
    const ns = uniqueName('empty');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.deleteNamespace({ name: ns });
    await waitFor('namespace gone', () => notFound(core.readNamespace({ name: ns })));
  });

  it('default, kube-system and kube-public cannot be deleted (403)', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const err = await apiError(core.deleteNamespace({ name }));
      expect(err.code, name).toBe(403);
      expect(err.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, details: { name, kind: 'namespaces' } });
      expect(err.status.message).toBe(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
      const still = await core.readNamespace({ name });
      expect(still.metadata?.deletionTimestamp).toBeUndefined();
      expect(still.status?.phase).toBe('Active');
    }
  });

  it('the kubernetes finalizer can only be removed through /finalize', async () => {
    const ns = uniqueName('fin');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const live = await core.readNamespace({ name: ns });
    // spec.finalizers is ignored on a normal update or patch (upstream namespaceStrategy
    // PrepareForUpdate copies them from the old object); only /finalize changes them.
    const updated = await core.replaceNamespace({ name: ns, body: { ...live, spec: { finalizers: [] } } });
    expect(updated.spec?.finalizers).toEqual(['kubernetes']);
    const patched = await core.patchNamespace({ name: ns, body: { spec: { finalizers: ['example.com/other'] } } }, merge);
    expect(patched.spec?.finalizers).toEqual(['kubernetes']);
    const finalized = await core.replaceNamespaceFinalize({ name: ns, body: { ...updated, spec: { finalizers: [] } } });
    expect(finalized.spec?.finalizers ?? []).toEqual([]);
    await core.deleteNamespace({ name: ns });
    await waitFor('namespace gone', () => notFound(core.readNamespace({ name: ns })));
  });
});
