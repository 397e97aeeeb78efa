import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { GarbageCollector } from './garbage-collector.js';
import { gcResourcesFromRegistry } from './registry-resources.js';

const deployments: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };
const replicasets: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets' };
const clusterroles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

const labels = { app: 'web' };
const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

function ref(owner: KubeObject, opts: { controller?: boolean; block?: boolean } = {}): OwnerReference {
  const r: OwnerReference = { apiVersion: owner.apiVersion ?? '', kind: owner.kind ?? '', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '' };
  if (opts.controller !== undefined) r.controller = opts.controller;
  if (opts.block !== undefined) r.blockOwnerDeletion = opts.block;
  return r;
}

describe('GarbageCollector', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    const gc = new GarbageCollector(api.context, { resources: () => gcResourcesFromRegistry(api.core.registry) });
    void gc.run(api.signal);
  });
  afterEach(() => api.stop());

  const exists = async (r: ResourceRef, ns: string | undefined, name: string): Promise<KubeObject | undefined> => {
    try {
      return await api.client.get(r, ns, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  const gone = async (r: ResourceRef, ns: string | undefined, name: string) => (await exists(r, ns, name)) === undefined;

  /** Deployment → ReplicaSet → pods, wired with controller references as the workload controllers do. */
  async function chain(opts: { podsOnNode?: boolean } = {}) {
    const d = await api.client.create(deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: labels }, template },
    });
    const rs = await api.client.create(replicasets, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', ownerReferences: [ref(d, { controller: true, block: true })] },
      spec: { replicas: 2, selector: { matchLabels: labels }, template },
    });
    const pods: KubeObject[] = [];
    for (const name of ['web-abc-1', 'web-abc-2']) {
      pods.push(
        await api.client.create(resources.pods, 'default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels, ownerReferences: [ref(rs, { controller: true, block: true })] },
          spec: { ...template.spec, ...(opts.podsOnNode ? { nodeName: 'node-1' } : {}) },
        }),
      );
    }
    return { d, rs, pods };
  }

  it('background deletion removes the whole chain', async () => {
    await chain();
    expect(await api.client.delete(deployments, 'default', 'web')).toBeUndefined();
    await until(async () => (await gone(replicasets, 'default', 'web-abc')) && (await api.client.list(resources.pods, 'default')).items.length === 0, 'replicaset and pods collected');
  });

  it('orphan deletion removes the owner references and keeps the dependents', async () => {
    await chain();
    const pending = await api.client.delete(deployments, 'default', 'web', { propagationPolicy: 'Orphan' });
    expect(pending?.metadata.finalizers).toEqual(['orphan']);
    await until(() => gone(deployments, 'default', 'web'), 'deployment gone after orphaning');
    const rs = await exists(replicasets, 'default', 'web-abc');
    expect(rs?.metadata.ownerReferences).toBeUndefined();
    // The pods still belong to the surviving ReplicaSet.
    const pods = (await api.client.list(resources.pods, 'default')).items;
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs?.metadata.uid)).toBe(true);
  });

  it('foreground deletion waits for the dependents, deepest first', async () => {
    const { rs } = await chain({ podsOnNode: true });
    await api.client.delete(deployments, 'default', 'web', { propagationPolicy: 'Foreground' });
    // The ReplicaSet is deleted in the foreground too, and its pods get their grace period.
    await until(async () => {
      const pods = (await api.client.list(resources.pods, 'default')).items;
      return pods.length === 2 && pods.every((p) => p.metadata.deletionTimestamp !== undefined);
    }, 'pods terminating');
    const rsNow = await exists(replicasets, 'default', 'web-abc');
    expect(rsNow?.metadata.deletionTimestamp).toBeDefined();
    expect(rsNow?.metadata.finalizers).toEqual(['foregroundDeletion']);
    const d = await exists(deployments, 'default', 'web');
    expect(d?.metadata.finalizers).toEqual(['foregroundDeletion']);
    // The kubelet finishes the pods.
    for (const p of ['web-abc-1', 'web-abc-2']) await api.client.delete(resources.pods, 'default', p, { gracePeriodSeconds: 0 });
    await until(async () => (await gone(replicasets, 'default', 'web-abc')) && (await gone(deployments, 'default', 'web')), 'chain gone');
    expect(rs.metadata.uid).toBeDefined();
  });

  it('deletes objects whose owner reference names another uid (dangling)', async () => {
    const owner = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await api.client.create(resources.configmaps, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'stale', ownerReferences: [{ ...ref(owner), uid: 'not-the-owner-uid' }] },
    });
    await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good', ownerReferences: [ref(owner)] } });
    await until(() => gone(resources.configmaps, 'default', 'stale'), 'dangling dependent collected');
    expect(await exists(resources.configmaps, 'default', 'good')).toBeDefined();
    expect(await exists(resources.configmaps, 'default', 'owner')).toBeDefined();
  });

  it('keeps a dependent with a surviving owner and drops the dead reference', async () => {
    const a = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const b = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dep', ownerReferences: [ref(a), ref(b)] } });
    await api.client.delete(resources.configmaps, 'default', 'a');
    await until(async () => (await exists(resources.configmaps, 'default', 'dep'))?.metadata.ownerReferences?.length === 1, 'dead reference removed');
    const dep = await exists(resources.configmaps, 'default', 'dep');
    expect(dep?.metadata.ownerReferences?.[0]?.uid).toBe(b.metadata.uid);
  });

  it('blockOwnerDeletion: only blocking dependents hold a foreground deletion', async () => {
    const owner = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    // A blocking dependent that stays while its own (custom) finalizer is present.
    await api.client.create(resources.configmaps, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'blocking', finalizers: ['example.com/hold'], ownerReferences: [ref(owner, { block: true })] },
    });
    await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free', ownerReferences: [ref(owner)] } });
    await api.client.delete(resources.configmaps, 'default', 'owner', { propagationPolicy: 'Foreground' });
    await until(async () => (await gone(resources.configmaps, 'default', 'free')) && (await exists(resources.configmaps, 'default', 'blocking'))?.metadata.deletionTimestamp !== undefined, 'dependents deleted');
    expect((await exists(resources.configmaps, 'default', 'owner'))?.metadata.finalizers).toEqual(['foregroundDeletion']);
    // Releasing the blocking dependent lets the owner go.
    await api.client.patch(resources.configmaps, 'default', 'blocking', 'merge', { metadata: { finalizers: null } });
    await until(() => gone(resources.configmaps, 'default', 'owner'), 'owner gone once the blocking dependent is gone');
  });

  it('a non-blocking dependent does not hold its owner', async () => {
    const owner = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await api.client.create(resources.configmaps, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', finalizers: ['example.com/hold'], ownerReferences: [ref(owner, { block: false })] },
    });
    await api.client.delete(resources.configmaps, 'default', 'owner', { propagationPolicy: 'Foreground' });
    await until(() => gone(resources.configmaps, 'default', 'owner'), 'owner gone while a non-blocking dependent terminates');
    expect((await exists(resources.configmaps, 'default', 'held'))?.metadata.deletionTimestamp).toBeDefined();
  });

  it('reports owner references across namespaces and from cluster-scoped objects', async () => {
    await api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const owner = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    // A namespaced dependent in another namespace: the owner is absent there, so it is collected.
    await api.client.create(resources.configmaps, 'other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cross', ownerReferences: [ref(owner)] } });
    // A cluster-scoped dependent of a namespaced kind: never resolvable, never collected.
    await api.client.create(clusterroles, undefined, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-dep', ownerReferences: [ref(owner)] } });
    await until(() => gone(resources.configmaps, 'other', 'cross'), 'cross-namespace dependent collected');
    let events: KubeObject[] = [];
    await until(async () => {
      events = (await api.events()).filter((e) => e.reason === 'OwnerRefInvalidNamespace');
      return events.length === 2;
    }, 'two OwnerRefInvalidNamespace events');
    const byName = new Map(events.map((e) => [(e.involvedObject as { name: string }).name, e]));
    expect(byName.get('cross')?.message).toBe(`ownerRef [v1/ConfigMap, namespace: other, name: owner, uid: ${owner.metadata.uid ?? ''}] does not exist in namespace "other"`);
    expect(byName.get('cluster-dep')?.message).toBe(`ownerRef [v1/ConfigMap, namespace: , name: owner, uid: ${owner.metadata.uid ?? ''}] does not exist in namespace ""`);
    expect(byName.get('cluster-dep')?.type).toBe('Warning');
    expect(await exists(clusterroles, undefined, 'cluster-dep')).toBeDefined();
  });

  it('monitors resources that appear later (CRDs) after the next resource resync', async () => {
    await api.stop();
    api = await startTestApi();
    let withConfigMaps = false;
    const gc = new GarbageCollector(api.context, {
      resources: () => gcResourcesFromRegistry(api.core.registry).filter((r) => withConfigMaps || r.resource !== 'configmaps'),
      resourceResyncMs: 30_000,
    });
    void gc.run(api.signal);
    const owner = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dep', ownerReferences: [ref(owner)] } });
    await api.client.delete(resources.configmaps, 'default', 'owner');
    await until(() => gc.hasSynced(), 'synced');
    expect(await exists(resources.configmaps, 'default', 'dep')).toBeDefined();
    withConfigMaps = true;
    api.clock.advance(30_000);
    await until(() => gone(resources.configmaps, 'default', 'dep'), 'dependent collected once configmaps are monitored');
  });

  it('collects dependents of an owner deleted before the collector started', async () => {
    await api.stop();
    api = await startTestApi();
    const owner = await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dep', ownerReferences: [ref(owner)] } });
    await api.client.delete(resources.configmaps, 'default', 'owner');
    void new GarbageCollector(api.context, { resources: () => gcResourcesFromRegistry(api.core.registry) }).run(api.signal);
    await until(() => gone(resources.configmaps, 'default', 'dep'), 'leftover dependent collected at start');
  });
});
