import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { silentLogger } from '../../util/log.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { NamespaceController } from './namespace-controller.js';

describe('NamespaceController', () => {
  let api: TestApi;
  let discovery: () => readonly ResourceRef[];
  beforeEach(async () => {
    api = await startTestApi();
    const all = api.core.registry
      .storageResources()
      .filter((r) => r.def.namespaced)
      .map((r) => ({ group: r.def.group, version: r.def.version, resource: r.def.plural }));
    discovery = () => all;
    // Processing at once keeps these tests about deletion itself; the default delay has its own test.
    void new NamespaceController(api.context, { namespacedResources: () => discovery(), deletionDelayMs: 0 }).run(api.signal);
  });
  afterEach(() => api.stop());

  const getNs = async (name: string): Promise<KubeObject | undefined> => {
    try {
      return await api.client.get(resources.namespaces, undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  const condition = (ns: KubeObject | undefined, type: string) => {
    const conds = isJsonObject(ns?.status) && Array.isArray(ns.status.conditions) ? ns.status.conditions : [];
    return conds.find((c) => isJsonObject(c) && c.type === type) as { status: string; reason: string; message: string } | undefined;
  };
  const createNs = (name: string) => api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const pod = (name: string, nodeName?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(nodeName ? { nodeName } : {}) },
  });

  it('finalizes an empty namespace', async () => {
    await createNs('empty');
    const pending = await api.client.delete(resources.namespaces, undefined, 'empty');
    expect(pending?.metadata.deletionTimestamp).toBeDefined();
    await until(async () => (await getNs('empty')) === undefined, 'namespace gone');
  });

  it('deletes the content, waits for graceful pods, then finalizes', async () => {
    await createNs('team');
    await api.client.create(resources.configmaps, 'team', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } });
    await api.client.create(resources.pods, 'team', pod('pending'));
    await api.client.create(resources.pods, 'team', pod('running-1', 'node-1'));
    await api.client.create(resources.pods, 'team', pod('running-2', 'node-1'));
    await api.client.delete(resources.namespaces, undefined, 'team');

    await until(async () => condition(await getNs('team'), 'NamespaceContentRemaining')?.status === 'True', 'content remaining reported');
    const ns = await getNs('team');
    expect(isJsonObject(ns?.status) && ns.status.phase).toBe('Terminating');
    expect(condition(ns, 'NamespaceContentRemaining')).toMatchObject({ reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 2 resource instances' });
    expect(condition(ns, 'NamespaceFinalizersRemaining')).toMatchObject({ status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' });
    expect(condition(ns, 'NamespaceDeletionDiscoveryFailure')).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' });
    expect(condition(ns, 'NamespaceDeletionGroupVersionParsingFailure')).toMatchObject({ status: 'False', reason: 'ParsedGroupVersions' });
    expect(condition(ns, 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect((await api.client.list(resources.configmaps, 'team')).items).toHaveLength(0);
    const pods = (await api.client.list(resources.pods, 'team')).items;
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['running-1', 'running-2']);
    expect(pods.every((p) => p.metadata.deletionTimestamp !== undefined)).toBe(true);
    expect(await getNs('team')).toBeDefined();

    // The kubelet finishes the pods; the namespace goes without waiting for its retry timer.
    for (const p of pods) await api.client.delete(resources.pods, 'team', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await until(async () => (await getNs('team')) === undefined, 'namespace gone after its pods');
  });

  it('reports content held by finalizers and finishes once they are removed', async () => {
    await createNs('held');
    await api.client.create(resources.configmaps, 'held', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', finalizers: ['example.com/hold'] } });
    await api.client.delete(resources.namespaces, undefined, 'held');
    await until(async () => condition(await getNs('held'), 'NamespaceFinalizersRemaining')?.status === 'True', 'finalizers reported');
    const ns = await getNs('held');
    expect(condition(ns, 'NamespaceFinalizersRemaining')).toMatchObject({
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect(condition(ns, 'NamespaceContentRemaining')?.message).toBe('Some resources are remaining: configmaps. has 1 resource instances');

    // The retry timer (estimate/2+1 = 8 s) is not needed: the deletion re-queues the namespace.
    await api.client.patch(resources.configmaps, 'held', 'cfg', 'merge', { metadata: { finalizers: null } });
    await until(async () => (await getNs('held')) === undefined, 'namespace gone after the finalizer');
  });

  it('reports leftovers nothing explains as a content deletion failure', async () => {
    await createNs('stuck');
    await api.client.create(resources.pods, 'stuck', pod('running', 'node-1'));
    await api.client.delete(resources.namespaces, undefined, 'stuck');
    await until(async () => condition(await getNs('stuck'), 'NamespaceContentRemaining')?.status === 'True', 'content remaining');
    // No kubelet: the pod outlives its 30 s grace period.
    await until(async () => {
      api.clock.advance(5000);
      return condition(await getNs('stuck'), 'NamespaceDeletionContentFailure')?.status === 'True';
    }, 'content failure reported');
    expect(condition(await getNs('stuck'), 'NamespaceDeletionContentFailure')).toMatchObject({
      reason: 'ContentDeletionFailed',
      message: 'Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: stuck for gvr: { v1 pods}',
    });
    expect(await getNs('stuck')).toBeDefined();
  });

  it('reports a discovery failure and keeps the namespace', async () => {
    await createNs('blind');
    discovery = () => {
      throw new Error('Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery');
    };
    await api.client.delete(resources.namespaces, undefined, 'blind');
    await until(async () => condition(await getNs('blind'), 'NamespaceDeletionDiscoveryFailure')?.status === 'True', 'discovery failure reported');
    expect(condition(await getNs('blind'), 'NamespaceDeletionDiscoveryFailure')).toMatchObject({ reason: 'DiscoveryFailed' });
  });
});

describe('NamespaceController (legacy configuration)', () => {
  let api: TestApi;
  afterEach(() => api.stop());

  it('runs its own informers when built from the old config object', async () => {
    api = await startTestApi();
    const controller = new NamespaceController({ client: api.client, namespacedResources: () => [resources.configmaps], clock: api.clock, logger: silentLogger, deletionDelayMs: 0 });
    void controller.run(api.signal);
    await api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old' } });
    await api.client.create(resources.configmaps, 'old', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } });
    await api.client.delete(resources.namespaces, undefined, 'old');
    await until(async () => {
      try {
        await api.client.get(resources.namespaces, undefined, 'old');
        return false;
      } catch (e) {
        return e instanceof ApiError && e.code === 404;
      }
    }, 'namespace gone');
  });
});

describe('NamespaceController (default deletion delay)', () => {
  let api: TestApi;
  afterEach(() => api.stop());

  it("leaves a deleted namespace's content alone for 5 s, as upstream, so clients can delete it themselves", async () => {
    api = await startTestApi();
    void new NamespaceController(api.context, { namespacedResources: () => [resources.configmaps] }).run(api.signal);
    await api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
    await api.client.create(resources.configmaps, 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    await api.client.create(resources.configmaps, 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    await api.client.delete(resources.namespaces, undefined, 'app');
    // `kubectl delete -f` order: the namespace first, then each object in it.
    await new Promise((r) => setTimeout(r, 50));
    await api.client.delete(resources.configmaps, 'app', 'a');
    api.clock.advance(4_900);
    await new Promise((r) => setTimeout(r, 50));
    expect((await api.client.list(resources.configmaps, 'app')).items.map((c) => c.metadata.name)).toEqual(['b']);
    api.clock.advance(200);
    await until(async () => (await api.client.list(resources.namespaces, undefined)).items.every((n) => n.metadata.name !== 'app'), 'namespace gone after the delay');
  });
});
