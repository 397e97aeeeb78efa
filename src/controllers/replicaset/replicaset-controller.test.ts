import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { resources, type Client } from '../../client/client.js';
import { eventually, livePods, listPods, makeAllReady, makePodReady, quiesce } from '../podcontrol/workload-test-kit.js';
import type { ReplicaSet } from '../podcontrol/workload-types.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { ReplicaSetController, ReplicationManager, replicaSetsResource, replicationControllersResource } from './replicaset-controller.js';

const NS = 'default';

function replicaSet(name: string, replicas: number, extra: { minReadySeconds?: number; labels?: Record<string, string> } = {}): ReplicaSet {
  const labels = extra.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      ...(extra.minReadySeconds ? { minReadySeconds: extra.minReadySeconds } : {}),
      selector: { matchLabels: labels },
      template: { metadata: { labels: { ...labels, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

describe('ReplicaSetController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new ReplicaSetController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const getRs = async (name: string) => (await api.client.get(replicaSetsResource, NS, name)) as ReplicaSet;

  it('creates pods named after the ReplicaSet, owned by it, and reports status', async () => {
    const rs = (await api.client.create(replicaSetsResource, NS, replicaSet('web', 3))) as ReplicaSet;
    await eventually(api, async () => (await livePods(api, NS)).length === 3, '3 pods');
    const pods = await livePods(api, NS);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.metadata.labels).toEqual({ app: 'web', tier: 'web' });
    }
    await eventually(api, async () => (await getRs('web')).status?.replicas === 3, 'status.replicas=3');
    let st = (await getRs('web')).status;
    expect(st).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    expect(st?.readyReplicas).toBeUndefined();

    await makeAllReady(api, NS);
    await eventually(api, async () => (await getRs('web')).status?.availableReplicas === 3, 'available');
    st = (await getRs('web')).status;
    expect(st).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });

    await eventually(api, async () => (await api.events()).filter((e) => e.reason === 'SuccessfulCreate').length === 3, 'events');
    const events = (await api.events()).filter((e) => e.reason === 'SuccessfulCreate');
    expect(events.map((e) => e.message).sort()).toEqual(pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
    expect(events[0]).toMatchObject({ type: 'Normal', source: { component: 'replicaset-controller' }, involvedObject: { kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid } });
  });

  it('creates in slow-start batches without double-creating before the informer catches up', async () => {
    await api.client.create(replicaSetsResource, NS, replicaSet('big', 40));
    await eventually(api, async () => (await getRs('big')).status?.replicas === 40, '40 replicas');
    await quiesce();
    expect(await listPods(api, NS)).toHaveLength(40);
  });

  it('scales down, deleting not-ready pods before ready ones and recording SuccessfulDelete', async () => {
    await api.client.create(replicaSetsResource, NS, replicaSet('web', 4));
    await eventually(api, async () => (await livePods(api, NS)).length === 4, '4 pods');
    const pods = await livePods(api, NS);
    await makePodReady(api, pods[0]);
    await makePodReady(api, pods[1]);
    await api.client.patch(replicaSetsResource, NS, 'web', 'merge', { spec: { replicas: 2 } });
    await eventually(api, async () => (await livePods(api, NS)).length === 2, '2 pods');
    const left = (await livePods(api, NS)).map((p) => p.metadata.name).sort();
    expect(left).toEqual([pods[0].metadata.name, pods[1].metadata.name].sort());
    await eventually(api, async () => (await getRs('web')).status?.replicas === 2 && (await getRs('web')).status?.observedGeneration === 2, 'status');
    const deleted = (await api.events()).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    expect(deleted.sort()).toEqual([`Deleted pod: ${pods[2].metadata.name}`, `Deleted pod: ${pods[3].metadata.name}`].sort());
  });

  it('replaces a deleted pod', async () => {
    await api.client.create(replicaSetsResource, NS, replicaSet('web', 2));
    await eventually(api, async () => (await livePods(api, NS)).length === 2, '2 pods');
    const [victim] = await livePods(api, NS);
    await api.client.delete(resources.pods, NS, victim.metadata.name ?? '');
    await eventually(api, async () => {
      const names = (await livePods(api, NS)).map((p) => p.metadata.name);
      return names.length === 2 && !names.includes(victim.metadata.name);
    }, 'replacement');
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    await api.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: NS, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const rs = (await api.client.create(replicaSetsResource, NS, replicaSet('web', 2))) as ReplicaSet;
    await eventually(api, async () => (await getRs('web')).status?.replicas === 2, 'status 2');
    const orphan = await api.client.get(resources.pods, NS, 'orphan');
    expect(orphan.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(await livePods(api, NS)).toHaveLength(2);
    // The adopted pod lacks the template's tier label: not fully labeled.
    expect((await getRs('web')).status?.fullyLabeledReplicas).toBe(1);

    await api.client.patch(resources.pods, NS, 'orphan', 'merge', { metadata: { labels: { app: 'other' } } });
    await eventually(api, async () => (await api.client.get(resources.pods, NS, 'orphan')).metadata.ownerReferences === undefined, 'released');
    await eventually(api, async () => (await livePods(api, NS, 'app=web')).length === 2 && (await getRs('web')).status?.fullyLabeledReplicas === 2, 'replaced');
  });

  it('counts availability after minReadySeconds', async () => {
    await api.client.create(replicaSetsResource, NS, replicaSet('slow', 1, { minReadySeconds: 30 }));
    await eventually(api, async () => (await livePods(api, NS)).length === 1, 'pod');
    await makeAllReady(api, NS);
    await eventually(api, async () => (await getRs('slow')).status?.readyReplicas === 1, 'ready');
    expect((await getRs('slow')).status?.availableReplicas).toBeUndefined();
    api.clock.advance(32_000);
    await eventually(api, async () => (await getRs('slow')).status?.availableReplicas === 1, 'available');
  });

});

describe('ReplicaSetController with failing pod creation', () => {
  let api: TestApi;
  let failCreates = true;
  beforeEach(async () => {
    api = await startTestApi();
    failCreates = true;
    // A client that refuses pod creations while `failCreates` is set, as a quota would.
    const real = api.client;
    const client: Client = {
      get: (...a) => real.get(...a),
      list: (...a) => real.list(...a),
      watch: (...a) => real.watch(...a),
      update: (...a) => real.update(...a),
      patch: (...a) => real.patch(...a),
      delete: (...a) => real.delete(...a),
      createSubresource: (...a) => real.createSubresource(...a),
      createToken: (...a) => real.createToken(...a),
      create: (ref, ns, obj, o) => {
        if (failCreates && ref.resource === 'pods') return Promise.reject(ApiError.forbidden({ group: '', resource: 'pods' }, `${obj.metadata.generateName ?? ''}`, 'exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0'));
        return real.create(ref, ns, obj, o);
      },
    };
    void new ReplicaSetController({ ...api.context, client }).run(api.signal);
  });
  afterEach(() => api.stop());

  it('reports ReplicaFailure (FailedCreate) and a FailedCreate event, one per slow-start batch, then recovers', async () => {
    await api.client.create(replicaSetsResource, NS, replicaSet('web', 5));
    const rs = async () => (await api.client.get(replicaSetsResource, NS, 'web')) as ReplicaSet;
    await eventually(api, async () => ((await rs()).status?.conditions ?? []).some((c) => c.type === 'ReplicaFailure'), 'ReplicaFailure');
    expect((await rs()).status?.conditions?.find((c) => c.type === 'ReplicaFailure')).toEqual({
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: expect.any(String),
      reason: 'FailedCreate',
      message: 'pods "web-" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0',
    });
    const failed = (await api.events()).filter((e) => e.reason === 'FailedCreate');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: 'Warning', message: 'Error creating: pods "web-" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0' });

    failCreates = false;
    await eventually(api, async () => (await livePods(api, NS)).length === 5 && !((await rs()).status?.conditions ?? []).length, 'recovered', { stepMs: 100 });
  });
});

describe('ReplicationManager', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new ReplicationManager(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  it('manages pods of a ReplicationController', async () => {
    const rc = await api.client.create(replicationControllersResource, NS, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: NS },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await eventually(api, async () => (await livePods(api, NS)).length === 2, '2 pods');
    for (const p of await livePods(api, NS)) {
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: rc.metadata.uid, controller: true });
    }
    await makeAllReady(api, NS);
    await eventually(api, async () => ((await api.client.get(replicationControllersResource, NS, 'legacy')) as ReplicaSet).status?.readyReplicas === 2, 'ready');
    const events = (await api.events()).filter((e) => e.reason === 'SuccessfulCreate');
    expect(events[0]).toMatchObject({ source: { component: 'replication-controller' }, involvedObject: { kind: 'ReplicationController' } });
  });
});
