import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { podSubresourceHandlers } from '../../apiserver/extensions/pods.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { SYSTEM_USER } from '../../registry/context.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { DisruptionController, PDB_RESOURCE, goLabelSelectorString, scaledValue } from './disruption-controller.js';

const RS: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets' };
const DEPLOY: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };
const NS = 'default';
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

describe('DisruptionController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new DisruptionController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const createRs = async (name: string, replicas: number, owner?: KubeObject): Promise<KubeObject> =>
    api.client.create(RS, NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true }] } : {}),
      },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template },
    });

  /** A running pod owned by `owner` (or unmanaged), Ready or not. */
  const createPod = async (name: string, ready: boolean, owner?: KubeObject): Promise<KubeObject> => {
    const pod = await api.client.create(resources.pods, NS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { app: 'web' },
        ...(owner ? { ownerReferences: [{ apiVersion: owner.apiVersion ?? '', kind: owner.kind ?? '', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true }] } : {}),
      },
      spec: template.spec,
    });
    const now = rfc3339(api.clock.now());
    return api.client.update(resources.pods, NS, { ...pod, status: { ...(pod.status as JsonObject), phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] } }, { subresource: 'status' });
  };

  const createPdb = (name: string, spec: JsonObject) =>
    api.client.create(PDB_RESOURCE, NS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });

  const status = async (name: string): Promise<JsonObject> => ((await api.client.get(PDB_RESOURCE, NS, name)).status ?? {}) as JsonObject;
  const observed = async (name: string) => {
    const pdb = await api.client.get(PDB_RESOURCE, NS, name);
    return ((pdb.status as JsonObject | undefined)?.observedGeneration ?? 0) === pdb.metadata.generation;
  };
  const condition = (s: JsonObject) => (s.conditions as JsonObject[] | undefined)?.find((c) => c.type === 'DisruptionAllowed');

  const evict = async (pod: string): Promise<void> => {
    const handler = podSubresourceHandlers({ registry: api.core.registry, now: () => api.clock.now(), selectorFromObject: api.core.modules.labelSelectorFromObject }).get('/pods/eviction');
    const resource = api.core.registry.get('', 'v1', 'pods');
    if (!handler || !resource) throw new Error('no eviction handler');
    await handler({
      method: 'POST',
      resource,
      namespace: NS,
      name: pod,
      subresource: 'eviction',
      subpath: [],
      query: new URLSearchParams(),
      ctx: { user: SYSTEM_USER, fieldManager: 'kubectl', warnings: [] },
      incoming: {} as IncomingMessage,
      outgoing: {} as ServerResponse,
      body: async () => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS } }),
    });
  };
  const evictionError = async (pod: string): Promise<ApiError | undefined> => {
    try {
      await evict(pod);
      return undefined;
    } catch (e) {
      if (e instanceof ApiError) return e;
      throw e;
    }
  };

  it('computes status for minAvailable over ready and unready pods of a ReplicaSet', async () => {
    const rs = await createRs('web', 4);
    await createPod('web-a', true, rs);
    await createPod('web-b', true, rs);
    await createPod('web-c', true, rs);
    await createPod('web-d', false, rs);
    await createPdb('web', { minAvailable: 2 });
    await until(async () => (await status('web')).currentHealthy === 3, 'currentHealthy 3');
    const s = await status('web');
    // An integer minAvailable counts the matching pods, not the controller's scale.
    expect(s).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1, observedGeneration: 1 });
    expect(condition(s)).toMatchObject({ status: 'True', reason: 'SufficientPods', observedGeneration: 1 });

    // Losing a ready pod's readiness uses up the budget.
    const a = await api.client.get(resources.pods, NS, 'web-a');
    await api.client.update(resources.pods, NS, { ...a, status: { ...(a.status as JsonObject), phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339(api.clock.now()) }] } }, { subresource: 'status' });
    await until(async () => (await status('web')).currentHealthy === 2, 'currentHealthy 2');
    const s2 = await status('web');
    expect(s2.disruptionsAllowed).toBe(0);
    expect(condition(s2)).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('derives maxUnavailable and percentages from the controllers’ scale', async () => {
    const rs = await createRs('web', 4);
    for (const [i, ready] of [true, true, true, false].entries()) await createPod(`web-${i}`, ready, rs);
    await createPdb('max', { maxUnavailable: '50%' });
    await until(async () => (await status('max')).expectedPods === 4, 'expectedPods');
    // ceil(50% of 4) = 2 may be unavailable → 2 must be healthy; 3 are.
    expect(await status('max')).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });

    // Scaling the ReplicaSet up raises the expectation even before the pods exist.
    const cur = await api.client.get(RS, NS, 'web');
    await api.client.update(RS, NS, { ...cur, spec: { ...(cur.spec as JsonObject), replicas: 8 } });
    await api.client.patch(PDB_RESOURCE, NS, 'max', 'merge', { metadata: { labels: { touch: 'x' } } });
    await until(async () => (await status('max')).expectedPods === 8, 'expectedPods 8');
    expect(await status('max')).toMatchObject({ desiredHealthy: 4, currentHealthy: 3, disruptionsAllowed: 0 });
  });

  it('uses the Deployment’s scale for pods of its ReplicaSets', async () => {
    const deploy = await api.client.create(DEPLOY, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 5, selector: { matchLabels: { app: 'web' } }, template },
    });
    const rs = await createRs('web-123', 2, deploy);
    await createPod('web-123-a', true, rs);
    await createPod('web-123-b', true, rs);
    await createPdb('web', { minAvailable: '60%' });
    await until(async () => (await status('web')).expectedPods === 5, 'expectedPods from the deployment');
    expect(await status('web')).toMatchObject({ desiredHealthy: 3, currentHealthy: 2, disruptionsAllowed: 0 });
  });

  it('reports unmanaged pods and fails safe when a controller cannot be found', async () => {
    await createPod('loner', true);
    await createPdb('pct', { minAvailable: '50%' });
    await until(async () => (await api.events()).some((e) => e.reason === 'UnmanagedPods'), 'UnmanagedPods event');
    const ev = (await api.events()).find((e) => e.reason === 'UnmanagedPods');
    expect(ev?.message).toBe(
      'Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    );
    await until(async () => (await observed('pct')), 'pct observed');
    expect(await status('pct')).toMatchObject({ expectedPods: 0, disruptionsAllowed: 0 });

    await createPod('orphan', true, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'gone', uid: 'no-such-uid' } });
    await until(async () => condition(await status('pct'))?.reason === 'SyncFailed', 'SyncFailed');
    expect(condition(await status('pct'))).toMatchObject({ status: 'False', message: 'found no controllers for pod "orphan"' });
    expect((await status('pct')).disruptionsAllowed).toBe(0);
    const failed = (await api.events()).find((e) => e.reason === 'CalculateExpectedPodCountFailed');
    expect(failed).toMatchObject({ type: 'Warning', message: 'Failed to calculate the number of expected pods: found no controllers for pod "orphan"' });
    expect(failed?.source).toMatchObject({ component: 'controllermanager' });
  });

  it('counts a pod in every budget that selects it and warns about the overlap', async () => {
    const rs = await createRs('web', 2);
    await createPdb('first', { minAvailable: 1 });
    await createPdb('second', { maxUnavailable: 1 });
    await createPod('web-a', true, rs);
    await createPod('web-b', true, rs);
    await until(async () => (await status('first')).currentHealthy === 2 && (await status('second')).currentHealthy === 2, 'both budgets');
    expect(await status('second')).toMatchObject({ expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    await until(async () => (await api.events()).some((e) => e.reason === 'MultiplePodDisruptionBudgets'), 'overlap event');
    const ev = (await api.events()).find((e) => e.reason === 'MultiplePodDisruptionBudgets' && (e.involvedObject as JsonObject).name === 'web-a');
    expect(ev).toMatchObject({ type: 'Warning', message: 'Pod "default"/"web-a" matches multiple PodDisruptionBudgets.  Chose "first" arbitrarily.' });
  });

  it('records NoPods for a budget that matches nothing', async () => {
    await createPdb('empty', { minAvailable: 1 });
    await until(async () => (await api.events()).some((e) => e.reason === 'NoPods'), 'NoPods');
    expect((await api.events()).find((e) => e.reason === 'NoPods')).toMatchObject({ type: 'Normal', message: 'No matching pods found' });
    await until(() => observed('empty'), 'observed');
    expect(await status('empty')).toMatchObject({ expectedPods: 0, currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 });
  });

  it('lets the eviction subresource refuse, then allow, as the budget changes', async () => {
    const rs = await createRs('web', 3);
    for (const n of ['a', 'b', 'c']) await createPod(`web-${n}`, true, rs);
    await createPdb('web', { minAvailable: 3 });
    await until(async () => (await status('web')).currentHealthy === 3, 'synced');

    const refused = await evictionError('web-a');
    expect(refused?.code).toBe(429);
    expect(refused?.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(refused?.details?.causes?.[0]?.message).toBe('The disruption budget web needs 3 healthy pods and has 3 currently');

    // Relaxing the budget: a new generation, recomputed by the controller.
    await api.client.patch(PDB_RESOURCE, NS, 'web', 'merge', { spec: { minAvailable: 2 } });
    await until(async () => (await observed('web')) && (await status('web')).disruptionsAllowed === 1, 'budget of 1');
    await evict('web-a');
    await expect(api.client.get(resources.pods, NS, 'web-a')).rejects.toMatchObject({ code: 404 });

    // The budget is spent: the controller settles at 2 healthy of 2 desired.
    await until(async () => {
      const s = await status('web');
      return s.currentHealthy === 2 && s.disruptedPods === undefined;
    }, 'recomputed after eviction');
    expect(await status('web')).toMatchObject({ expectedPods: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
    expect((await evictionError('web-b'))?.code).toBe(429);
  });

  it('counts evicted pods as disrupted until they are deleted or 2 minutes pass', async () => {
    const rs = await createRs('web', 3);
    for (const n of ['a', 'b', 'c']) await createPod(`web-${n}`, true, rs);
    await createPdb('web', { minAvailable: 1 });
    await until(async () => (await status('web')).disruptionsAllowed === 2, 'budget 2');

    // An eviction recorded for a pod whose deletion never happens.
    const pdb = await api.client.get(PDB_RESOURCE, NS, 'web');
    await api.client.update(PDB_RESOURCE, NS, { ...pdb, status: { ...(pdb.status as JsonObject), disruptedPods: { 'web-a': rfc3339(api.clock.now()) } } }, { subresource: 'status' });
    await until(async () => (await status('web')).currentHealthy === 2, 'web-a counted as disrupted');
    expect(await status('web')).toMatchObject({ disruptionsAllowed: 1, disruptedPods: { 'web-a': rfc3339(api.clock.now()) } });

    api.clock.advance(2 * 60_000 + 1000);
    await until(async () => (await status('web')).currentHealthy === 3, 'entry expired');
    const s = await status('web');
    expect(s.disruptedPods).toBeUndefined();
    expect(s.disruptionsAllowed).toBe(2);
    const ev = (await api.events()).find((e) => e.reason === 'NotDeleted');
    expect(ev).toMatchObject({ type: 'Warning', message: "Pod was expected by PDB default/default to be deleted but it wasn't" });
  });

  it('resets a stale DisruptionTarget condition on a pod that was not deleted', async () => {
    const pod = await createPod('victim', true);
    const conditions = [...((pod.status as JsonObject).conditions as JsonObject[]), { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'x', lastTransitionTime: rfc3339(api.clock.now()) }];
    await api.client.update(resources.pods, NS, { ...pod, status: { ...(pod.status as JsonObject), conditions } }, { subresource: 'status' });
    const target = async () => ((await api.client.get(resources.pods, NS, 'victim')).status as { conditions: JsonObject[] }).conditions.find((c) => c.type === 'DisruptionTarget');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect((await target())?.status).toBe('True');
    api.clock.advance(2 * 60_000);
    await until(async () => (await target())?.status === 'False', 'condition reset');
  });
});

describe('disruption helpers', () => {
  it('scales percentages up, as upstream', () => {
    expect(scaledValue(2, 10)).toBe(2);
    expect(scaledValue('50%', 3)).toBe(2);
    expect(scaledValue('0%', 3)).toBe(0);
    expect(() => scaledValue('5', 3)).toThrow('string is not a percentage');
  });

  it('prints selectors as Go prints a *metav1.LabelSelector', () => {
    expect(goLabelSelectorString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] })).toBe(
      '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}',
    );
  });
});
