import { afterEach, describe, expect, it } from 'vitest';
import { isJsonObject, type KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, until, type TestApi, createReadyNode } from '../controllers/testing/test-api.js';
import { priorityClassesResource } from '../admission/priority.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import type { PluginFactory } from './framework/framework.js';
import { Status } from './framework/status.js';
import { defaultBinderPlugin } from './plugins/default-binder.js';
import { defaultProfile } from './plugins/default-profile.js';
import { makeNode, makePod, podAffinityTerm, type NodeFixture, type PodFixture } from './testing/fixtures.js';

let api: TestApi;
let scheduler: Scheduler;

async function start(options: SchedulerOptions = {}): Promise<void> {
  api = await startTestApi();
  scheduler = new Scheduler(api.context, { leaderElection: false, ...options });
  void scheduler.run(api.signal);
}

afterEach(async () => {
  await api?.stop();
});

function strip(o: KubeObject): KubeObject {
  const { uid: _u, creationTimestamp: _c, ...meta } = o.metadata;
  return { ...o, metadata: meta };
}

/** Creates a node with its status, as a registered and Ready kubelet's node. */
async function node(name: string, f: NodeFixture = {}): Promise<void> {
  await createReadyNode(api.client, strip(makeNode(name, f)));
}

async function pod(name: string, f: PodFixture = {}): Promise<void> {
  await api.client.create(resources.pods, f.namespace ?? 'default', strip(makePod(name, f)));
}

/**
 * PriorityClasses for the preemption tests. Pods name their class and carry the matching
 * priority, so the tests hold with or without the Priority admission plugin in the API.
 */
async function priorityClasses(): Promise<void> {
  const pc = (name: string, value: number, preemptionPolicy = 'PreemptLowerPriority'): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, preemptionPolicy });
  for (const c of [pc('low', 10), pc('high', 1000), pc('polite', 1000, 'Never')]) await api.client.create(priorityClassesResource, undefined, c);
}

/** A ReplicaSet with no replicas (no controller runs here): only its selector matters. */
async function replicaSet(name: string, labels: Record<string, string>): Promise<void> {
  await api.client.create({ group: 'apps', version: 'v1', resource: 'replicasets' }, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
}

async function get(name: string, ns = 'default'): Promise<KubeObject> {
  return api.client.get(resources.pods, ns, name);
}

function nodeOf(p: KubeObject): string {
  return isJsonObject(p.spec) && typeof p.spec.nodeName === 'string' ? p.spec.nodeName : '';
}

async function boundTo(name: string, ns = 'default'): Promise<string> {
  return nodeOf(await get(name, ns));
}

async function waitBound(names: string[], what = 'pods bound'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await until(async () => {
    for (const n of names) out[n] = await boundTo(n);
    return names.every((n) => out[n] !== '');
  }, what);
  return out;
}

function condition(p: KubeObject, type: string): Record<string, unknown> | undefined {
  const conds = isJsonObject(p.status) && Array.isArray(p.status.conditions) ? p.status.conditions : [];
  return conds.find((c) => isJsonObject(c) && c.type === type) as Record<string, unknown> | undefined;
}

async function eventsFor(name: string, reason: string): Promise<KubeObject[]> {
  return (await api.events()).filter((e) => isJsonObject(e.involvedObject) && e.involvedObject.name === name && e.reason === reason);
}

/** Waits for the scheduler to have made `n` attempts in total (no timing involved). */
async function waitAttempts(n: number): Promise<void> {
  await until(() => scheduler.stats().attempts >= n && scheduler.stats().bindingsInFlight === 0, `${n} scheduling attempts`);
}

describe('Scheduler', () => {
  it('spreads pods over equal nodes and records Scheduled events', async () => {
    await start();
    for (const n of ['n1', 'n2', 'n3']) await node(n);
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    for (const n of names) await pod(n, { cpu: '500m', memory: '256Mi' });
    const bound = await waitBound(names);
    const perNode: Record<string, number> = {};
    for (const n of Object.values(bound)) perNode[n] = (perNode[n] ?? 0) + 1;
    expect(perNode).toEqual({ n1: 2, n2: 2, n3: 2 });
    const p1 = await get('p1');
    expect(condition(p1, 'PodScheduled')).toMatchObject({ status: 'True' });
    // As upstream, binding adds no managed-fields entry (BindingREST writes to storage directly).
    expect(p1.metadata.managedFields?.map((f) => f.manager)).not.toContain('kube-scheduler');
    const ev = await eventsFor('p1', 'Scheduled');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'Normal', message: `Successfully assigned default/p1 to ${bound.p1}`, source: { component: 'default-scheduler' } });
    expect(scheduler.stats()).toMatchObject({ scheduled: 6, unschedulable: 0 });
  });

  it('reports an unsatisfiable pod with kube-scheduler’s message and the Unschedulable condition', async () => {
    await start();
    await node('cp', { cpu: '8', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
    await node('w1', { cpu: '1' });
    await node('w2', { cpu: '1' });
    await pod('big', { cpu: '2' });
    const message = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
    await until(async () => condition(await get('big'), 'PodScheduled') !== undefined, 'PodScheduled condition');
    expect(condition(await get('big'), 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    const ev = await eventsFor('big', 'FailedScheduling');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'Warning', message });
  });

  it('counts every reason of a node and sorts the histogram as strings', async () => {
    await start();
    await node('a', { cpu: '1', memory: '1Gi' });
    await node('b', { cpu: '1', memory: '1Gi' });
    await pod('fat', { cpu: '1500m', memory: '2Gi' });
    await until(async () => condition(await get('fat'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('fat'), 'PodScheduled')?.message).toBe(
      '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..',
    );
  });

  it('says when there are no nodes, and schedules once a node is added', async () => {
    await start();
    await pod('p', { cpu: '100m' });
    await until(async () => condition(await get('p'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('p'), 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods' });
    await node('n1');
    await until(async () => {
      api.clock.advance(1000);
      return (await boundTo('p')) === 'n1';
    }, 'bound after the node was added');
  });

  it('moves a pod rejected for resources back when a fitting node is added', async () => {
    await start();
    await node('small', { cpu: '1' });
    await pod('p', { cpu: '2' });
    await until(async () => condition(await get('p'), 'PodScheduled')?.reason === 'Unschedulable', 'unschedulable');
    expect(scheduler.stats().queue.unschedulable).toBe(1);
    // A node too small for the pod does not wake it (NodeResourcesFit's queueing hint).
    await node('small2', { cpu: '1' });
    await until(() => scheduler.stats().nodes === 2, 'second node cached');
    expect(scheduler.stats().queue.unschedulable).toBe(1);
    await node('large', { cpu: '4' });
    await until(async () => {
      api.clock.advance(1000);
      return (await boundTo('p')) === 'large';
    }, 'bound to the new node');
  });

  it('leaves a pod unschedulable on unrelated node changes, and retries it after 5 minutes', async () => {
    await start();
    await node('small', { cpu: '1' });
    await pod('p', { cpu: '2' });
    await waitAttempts(1);
    await until(() => scheduler.stats().queue.unschedulable === 1, 'parked');
    // A label change does not concern NodeResourcesFit.
    const n = await api.client.get(resources.nodes, undefined, 'small');
    await api.client.update(resources.nodes, undefined, { ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, x: 'y' } } });
    api.clock.advance(10_000);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(scheduler.stats().attempts).toBe(1);
    // Checked every 30 s; the pod must have waited longer than 5 minutes.
    api.clock.advance(320_000);
    await waitAttempts(2);
  });

  it('ignores pods for other schedulers', async () => {
    await start();
    await node('n1');
    await pod('mine');
    await pod('theirs', { schedulerName: 'other-scheduler' });
    await waitBound(['mine']);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const theirs = await get('theirs');
    expect(nodeOf(theirs)).toBe('');
    expect(condition(theirs, 'PodScheduled')).toBeUndefined();
    expect(await eventsFor('theirs', 'FailedScheduling')).toHaveLength(0);
  });

  it('honours nodeSelector and required node affinity', async () => {
    await start();
    await node('a', { labels: { disk: 'ssd', zone: 'z1' } });
    await node('b', { labels: { disk: 'hdd', zone: 'z2' } });
    await pod('sel', { nodeSelector: { disk: 'hdd' } });
    await pod('aff', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } },
    });
    await pod('none', { nodeSelector: { disk: 'nvme' } });
    expect(await waitBound(['sel', 'aff'])).toEqual({ sel: 'b', aff: 'a' });
    await until(async () => condition(await get('none'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('none'), 'PodScheduled')?.message).toBe(
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..",
    );
  });

  it('prefers nodes matching preferred node affinity', async () => {
    await start({ random: () => 0 });
    await node('a', { labels: { tier: 'cold' } });
    await node('b', { labels: { tier: 'hot' } });
    await pod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['hot'] }] } }] } } });
    expect(await waitBound(['p'])).toEqual({ p: 'b' });
  });

  it('keeps pods off tainted nodes unless they tolerate the taint', async () => {
    await start();
    await node('tainted', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await pod('plain');
    await pod('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
    expect(await waitBound(['tolerant'])).toEqual({ tolerant: 'tainted' });
    await until(async () => condition(await get('plain'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('plain'), 'PodScheduled')?.message).toBe(
      '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..',
    );
  });

  it('does not schedule onto cordoned nodes', async () => {
    await start();
    await node('cordoned', { unschedulable: true });
    await pod('p');
    await until(async () => condition(await get('p'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('p'), 'PodScheduled')?.message).toBe(
      '0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..',
    );
    const n = await api.client.get(resources.nodes, undefined, 'cordoned');
    await api.client.update(resources.nodes, undefined, { ...n, spec: {} });
    await until(async () => {
      api.clock.advance(1000);
      return (await boundTo('p')) === 'cordoned';
    }, 'bound after uncordon');
  });

  it('separates pods with required anti-affinity and reports the third', async () => {
    await start();
    await node('a');
    await node('b');
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'db' }, 'kubernetes.io/hostname')] } };
    await pod('db1', { labels: { app: 'db' }, affinity: anti });
    await pod('db2', { labels: { app: 'db' }, affinity: anti });
    const bound = await waitBound(['db1', 'db2']);
    expect(new Set(Object.values(bound)).size).toBe(2);
    await pod('db3', { labels: { app: 'db' }, affinity: anti });
    await until(async () => condition(await get('db3'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('db3'), 'PodScheduled')?.message).toBe(
      "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..",
    );
    // Existing pods' anti-affinity also keeps other matching pods away.
    await pod('other', { labels: { app: 'db' } });
    await until(async () => condition(await get('other'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('other'), 'PodScheduled')?.message).toContain("2 node(s) didn't satisfy existing pods anti-affinity rules");
  });

  it('co-locates pods with required affinity in the same zone', async () => {
    await start();
    await node('a1', { labels: { zone: 'a' } });
    await node('a2', { labels: { zone: 'a' } });
    await node('b1', { labels: { zone: 'b' } });
    await pod('web', { labels: { app: 'web' }, nodeName: undefined, nodeSelector: { zone: 'b' } });
    await waitBound(['web']);
    const aff = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'web' }, 'zone')] } };
    await pod('cache', { affinity: aff });
    expect(await waitBound(['cache'])).toEqual({ cache: 'b1' });
    // The first pod of a group with affinity to itself may go anywhere.
    await pod('self', { labels: { app: 'solo' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'solo' }, 'zone')] } } });
    await waitBound(['self']);
  });

  it('spreads pods over zones with a DoNotSchedule topology spread constraint', async () => {
    await start();
    await node('a1', { labels: { zone: 'a' } });
    await node('a2', { labels: { zone: 'a' } });
    await node('a3', { labels: { zone: 'a' } });
    await node('b1', { labels: { zone: 'b' } });
    const tsc = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }];
    const names = ['s1', 's2', 's3', 's4'];
    for (const n of names) await pod(n, { labels: { app: 's' }, topologySpreadConstraints: tsc });
    const bound = await waitBound(names);
    const zones = Object.values(bound).map((n) => (n === 'b1' ? 'b' : 'a'));
    expect(zones.filter((z) => z === 'a')).toHaveLength(2);
    expect(zones.filter((z) => z === 'b')).toHaveLength(2);
  });

  it('reports nodes without the topology key', async () => {
    await start();
    await node('n1');
    await pod('s', { labels: { app: 's' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }] });
    await until(async () => condition(await get('s'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('s'), 'PodScheduled')?.message).toBe(
      "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
    );
  });

  it('keeps gated pods pending as SchedulingGated until the gates are removed', async () => {
    await start();
    await node('n1');
    await pod('gated', { schedulingGates: ['example.com/wait'] });
    // The API server sets the condition at creation (pod strategy), not the scheduler.
    const created = await get('gated');
    expect(condition(created, 'PodScheduled')).toMatchObject({ status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates', lastTransitionTime: created.metadata.creationTimestamp });
    await until(() => scheduler.stats().queue.gated === 1, 'pod held at PreEnqueue');
    expect(scheduler.stats().attempts).toBe(0);
    expect((await get('gated')).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const p = await get('gated');
    await api.client.update(resources.pods, 'default', { ...p, spec: { ...(p.spec as object), schedulingGates: [] } });
    expect(await waitBound(['gated'])).toEqual({ gated: 'n1' });
  });

  it('spreads a ReplicaSet’s pods over equal nodes by the default topology spread constraints', async () => {
    await start();
    // Big nodes (the simulator's default size): the resource scores hardly tell them apart.
    for (const n of ['n1', 'n2', 'n3']) await node(n, { cpu: '32', memory: '256Gi' });
    await replicaSet('web-1', { app: 'web' });
    const counts = async (names: string[]) => Object.values(await waitBound(names)).reduce<Record<string, number>>((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});
    const first = ['w0', 'w1', 'w2', 'w3', 'w4'];
    for (const n of first) await pod(n, { labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'web-1' } });
    expect(Object.values(await counts(first)).sort()).toEqual([1, 2, 2]);
    const more = ['w5', 'w6', 'w7', 'w8', 'w9'];
    for (const n of more) await pod(n, { labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'web-1' } });
    expect(Object.values(await counts([...first, ...more])).sort()).toEqual([3, 3, 4]);
  });

  it('spreads pods selected by a Service', async () => {
    await start();
    for (const n of ['n1', 'n2', 'n3']) await node(n, { cpu: '32', memory: '256Gi' });
    await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432 }] } });
    await until(async () => (await api.client.list(resources.services, 'default')).items.some((s) => s.metadata.name === 'db'), 'service');
    const names = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
    for (const n of names) await pod(n, { labels: { app: 'db' } });
    const perNode: Record<string, number> = {};
    for (const n of Object.values(await waitBound(names))) perNode[n] = (perNode[n] ?? 0) + 1;
    expect(perNode).toEqual({ n1: 2, n2: 2, n3: 2 });
  });

  it('binds pods whose host ports are free and rejects conflicts', async () => {
    await start();
    await node('n1');
    await pod('web1', { hostPort: 8080 });
    await waitBound(['web1']);
    await pod('web2', { hostPort: 8080 });
    await until(async () => condition(await get('web2'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('web2'), 'PodScheduled')?.message).toBe(
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..",
    );
  });

  it('frees a finished pod’s room', async () => {
    await start();
    await node('n1', { cpu: '1' });
    await pod('job', { cpu: '800m' });
    await waitBound(['job']);
    await pod('next', { cpu: '800m' });
    await until(async () => condition(await get('next'), 'PodScheduled')?.reason === 'Unschedulable', 'unschedulable');
    await api.client.patch(resources.pods, 'default', 'job', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    await until(async () => {
      api.clock.advance(1000);
      return (await boundTo('next')) === 'n1';
    }, 'bound after the first pod finished');
  });

  it('preempts lower-priority pods and binds the preemptor once they are gone', async () => {
    await start();
    await priorityClasses();
    await node('n1', { cpu: '1' });
    await pod('low', { cpu: '800m', priorityClassName: 'low', priority: 10, labels: { app: 'low' } });
    await waitBound(['low']);
    await pod('high', { cpu: '800m', priorityClassName: 'high', priority: 1000 });
    await until(async () => (await get('low')).metadata.deletionTimestamp !== undefined, 'victim deleted');
    const low = await get('low');
    expect(condition(low, 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' });
    const high = await get('high');
    await until(async () => (await get('high')).status !== undefined && isJsonObject((await get('high')).status) && ((await get('high')).status as Record<string, unknown>).nominatedNodeName === 'n1', 'nominated');
    const preempted = await eventsFor('low', 'Preempted');
    expect(preempted).toHaveLength(1);
    expect(preempted[0].message).toBe(`Preempted by pod ${high.metadata.uid ?? ''} on node n1`);
    expect(condition(await get('high'), 'PodScheduled')?.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    // Retried while the victim terminates (here: after the 5-minute flush), the preemptor waits
    // for it rather than preempting again.
    api.clock.advance(330_000);
    await until(async () => ((condition(await get('high'), 'PodScheduled')?.message as string) ?? '').includes('terminating'), 'retried');
    expect(condition(await get('high'), 'PodScheduled')?.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node..');
    expect(scheduler.stats().preemptions).toBe(1);
    // The kubelet finishes the victim.
    await api.client.delete(resources.pods, 'default', 'low', { gracePeriodSeconds: 0 });
    await until(async () => {
      api.clock.advance(1000);
      return (await boundTo('high')) === 'n1';
    }, 'preemptor bound');
  });

  it('does not preempt for pods with preemptionPolicy Never', async () => {
    await start();
    await priorityClasses();
    await node('n1', { cpu: '1' });
    await pod('low', { cpu: '800m', priorityClassName: 'low', priority: 10 });
    await waitBound(['low']);
    await pod('polite', { cpu: '800m', priorityClassName: 'polite', priority: 1000, preemptionPolicy: 'Never' });
    await until(async () => condition(await get('polite'), 'PodScheduled') !== undefined, 'condition');
    expect(condition(await get('polite'), 'PodScheduled')?.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
    expect((await get('low')).metadata.deletionTimestamp).toBeUndefined();
  });

  it('forgets a pod whose binding failed and retries it after backoff', async () => {
    let failures = 1;
    const base = defaultProfile();
    const flaky: PluginFactory = (h) => {
      const binder = defaultBinderPlugin(h);
      return {
        name: 'FlakyBinder',
        async bind(state, pod, nodeName, signal) {
          if (failures-- > 0) return Status.error('binding refused for the test');
          return binder.bind?.(state, pod, nodeName, signal) ?? null;
        },
      };
    };
    await start({ profile: { plugins: [...base.plugins.slice(0, -1), flaky], scoreWeights: base.scoreWeights } });
    await node('n1', { cpu: '1' });
    await pod('p', { cpu: '800m' });
    await until(async () => condition(await get('p'), 'PodScheduled')?.reason === 'SchedulerError', 'SchedulerError condition');
    expect(condition(await get('p'), 'PodScheduled')?.message).toBe('binding refused for the test');
    expect((await eventsFor('p', 'FailedScheduling'))[0]?.message).toBe('binding refused for the test');
    // The assumed room was released; after its backoff the pod is tried again and bound.
    await until(async () => {
      api.clock.advance(1000);
      return (await boundTo('p')) === 'n1';
    }, 'bound on retry');
    expect(scheduler.stats()).toMatchObject({ scheduled: 1, errors: 1 });
  });

  it('runs scheduling cycles back to back within a slice, and one per event-loop turn with schedulingSliceMs 0', async () => {
    /** The most scheduling attempts made between two consecutive event-loop turns, for 20 queued pods. */
    const mostCyclesPerTurn = async (schedulingSliceMs: number): Promise<number> => {
      api = await startTestApi();
      await node('n1', { cpu: '100' });
      for (let i = 0; i < 20; i++) await pod(`p${i}`, { cpu: '10m' });
      scheduler = new Scheduler(api.context, { leaderElection: false, schedulingSliceMs });
      let most = 0;
      let last = 0;
      const done = new Promise<void>((resolve) => {
        const tick = () => {
          const attempts = scheduler.stats().attempts;
          most = Math.max(most, attempts - last);
          last = attempts;
          if (attempts >= 20) resolve();
          else setImmediate(tick);
        };
        setImmediate(tick);
      });
      void scheduler.run(api.signal);
      await done;
      await waitBound(Array.from({ length: 20 }, (_, i) => `p${i}`));
      await api.stop();
      return most;
    };
    expect(await mostCyclesPerTurn(60_000)).toBe(20);
    expect(await mostCyclesPerTurn(0)).toBeLessThanOrEqual(2);
  });

  it('runs only while holding the kube-scheduler lease when leader election is on', async () => {
    await start({ leaderElection: true, identity: 'sched-1' });
    await node('n1');
    await pod('p');
    await waitBound(['p']);
    const lease = await api.client.get(resources.leases, 'kube-system', 'kube-scheduler');
    expect(lease.spec).toMatchObject({ holderIdentity: 'sched-1' });
  });
});
