import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { NodeSimulator, type NodeSimulatorConfig } from './node-simulator.js';

let api: TestApi;
let sim: NodeSimulator;

async function startSim(config: Partial<NodeSimulatorConfig> = {}): Promise<NodeSimulator> {
  sim = new NodeSimulator({ client: api.client, clock: api.clock, logger: api.context.logger, informers: api.informers, count: 3, ...config });
  void sim.run(api.signal);
  await sim.whenRegistered();
  await settle();
  return sim;
}

/** Lets in-flight API calls, informer deliveries and pod syncs finish (event-loop turns, no sleeping). */
async function settle(): Promise<void> {
  let quiet = 0;
  await until(() => {
    quiet = sim.pendingWork() === 0 ? quiet + 1 : 0;
    return quiet >= 5;
  }, 'simulator to settle', 20_000);
}

/** Advances the fake clock in steps, settling after each. */
async function advance(ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    api.clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

function pod(name: string, node: string, extra: { annotations?: Record<string, string>; spec?: JsonObject } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'nginx' }], ...(extra.spec ?? {}) },
  };
}

/** Creates pods and waits until the simulator tracks them (so their start delay counts from now). */
async function createPods(...pods: KubeObject[]): Promise<void> {
  const before = sim.stats().pods;
  for (const p of pods) await api.client.create(resources.pods, 'default', p);
  await until(() => sim.stats().pods === before + pods.length, 'simulator to take the pods');
  await settle();
}

async function getPod(name: string): Promise<KubeObject | undefined> {
  try {
    return await api.client.get(resources.pods, 'default', name);
  } catch {
    return undefined;
  }
}

function status(o: KubeObject | undefined): JsonObject {
  return o && isJsonObject(o.status) ? o.status : {};
}

function condition(o: KubeObject | undefined, type: string): JsonObject | undefined {
  const conds = status(o).conditions;
  return Array.isArray(conds) ? (conds.find((c) => isJsonObject(c) && c.type === type) as JsonObject | undefined) : undefined;
}

beforeEach(async () => {
  api = await startTestApi();
});
afterEach(() => api.stop());

describe('NodeSimulator nodes', () => {
  it('registers nodes with kubelet-like status, labels and leases', async () => {
    await startSim({ labels: { 'topology.kubernetes.io/zone': 'z1' } });
    const nodes = (await api.client.list(resources.nodes, undefined)).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['sim-node-0', 'sim-node-1', 'sim-node-2']);
    const n0 = nodes.find((n) => n.metadata.name === 'sim-node-0') as KubeObject;
    expect(n0.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'sim-node-0', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', 'topology.kubernetes.io/zone': 'z1' });
    expect(n0.spec).toEqual({ taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
    const st = status(n0);
    expect(st.addresses).toEqual([
      { type: 'InternalIP', address: '10.200.0.1' },
      { type: 'Hostname', address: 'sim-node-0' },
    ]);
    expect(st.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'lite-sim://0.1', operatingSystem: 'linux', architecture: 'amd64' });
    expect(st.capacity).toEqual({ cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' });
    expect(condition(n0, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    expect(condition(n0, 'MemoryPressure')).toMatchObject({ status: 'False', reason: 'KubeletHasSufficientMemory' });
    const lease = await api.client.get(resources.leases, 'kube-node-lease', 'sim-node-0');
    expect(lease.spec).toMatchObject({ holderIdentity: 'sim-node-0', leaseDurationSeconds: 40 });
    expect(lease.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'sim-node-0', uid: n0.metadata.uid });
    const events = await api.events();
    expect(events.filter((e) => e.reason === 'Starting' && (e.involvedObject as JsonObject).name === 'sim-node-1')).toHaveLength(1);
    expect(events.some((e) => e.reason === 'NodeReady' && e.message === 'Node sim-node-0 status is now: NodeReady')).toBe(true);
  });

  it('renews leases every 10 s and posts status every 5 minutes, spread out, from one timer', async () => {
    await startSim({ count: 20, events: false });
    const renewTimes = async () => new Map((await api.client.list(resources.leases, 'kube-node-lease')).items.map((l) => [l.metadata.name, (l.spec as JsonObject).renewTime]));
    const before = await renewTimes();
    const renewalsBefore = sim.stats().leaseRenewals;
    // The simulator's heap arms one clock timer (plus the informers' and queues' own).
    expect(api.clock.pendingTimers).toBeLessThan(10);
    await advance(10_000, 1000);
    const after = await renewTimes();
    expect([...after.keys()].every((k) => after.get(k) !== before.get(k))).toBe(true);
    expect(sim.stats().leaseRenewals - renewalsBefore).toBeGreaterThanOrEqual(20);
    // Spread: renewals land at different times.
    expect(new Set(after.values()).size).toBeGreaterThan(5);
    // Node status goes out every 5 minutes (nodeStatusReportFrequency), spread over the interval.
    const posts = sim.stats().nodeStatusPosts;
    await advance(60_000, 2000);
    expect(sim.stats().nodeStatusPosts - posts).toBeLessThanOrEqual(8);
    await advance(240_000, 2000);
    expect(sim.stats().nodeStatusPosts - posts).toBeGreaterThanOrEqual(20);
    expect(sim.stats().nodeStatusPosts - posts).toBeLessThanOrEqual(40);
  });

  it('stop() ends heartbeats and resume() restarts them; setNodeReady reports Ready=False', async () => {
    await startSim({ events: false });
    sim.stop('sim-node-1');
    const lease = async () => String(((await api.client.get(resources.leases, 'kube-node-lease', 'sim-node-1')).spec as JsonObject).renewTime);
    const frozen = await lease();
    await advance(30_000, 1000);
    expect(await lease()).toBe(frozen);
    expect(sim.stats().stopped).toBe(1);
    sim.resume('sim-node-1');
    await settle();
    expect(await lease()).not.toBe(frozen);
    sim.setNodeReady('sim-node-2', false);
    await settle();
    const n2 = await api.client.get(resources.nodes, undefined, 'sim-node-2');
    expect(condition(n2, 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
  });

  it('stops and resumes a kubelet by the lite.dev/sim-heartbeat annotation on its Node', async () => {
    await startSim({ events: false });
    const lease = async () => String(((await api.client.get(resources.leases, 'kube-node-lease', 'sim-node-1')).spec as JsonObject).renewTime);
    await api.client.patch(resources.nodes, undefined, 'sim-node-1', 'merge', { metadata: { annotations: { 'lite.dev/sim-heartbeat': 'stopped' } } });
    await until(() => sim.stats().stopped === 1, 'kubelet stopped');
    const frozen = await lease();
    await advance(30_000, 1000);
    expect(await lease()).toBe(frozen);
    // Other annotation changes leave it stopped; removing ours resumes it.
    await api.client.patch(resources.nodes, undefined, 'sim-node-1', 'merge', { metadata: { annotations: { unrelated: 'x' } } });
    await settle();
    expect(sim.stats().stopped).toBe(1);
    await api.client.patch(resources.nodes, undefined, 'sim-node-1', 'merge', { metadata: { annotations: { 'lite.dev/sim-heartbeat': null } } });
    await until(() => sim.stats().stopped === 0, 'kubelet resumed');
    await settle();
    expect(await lease()).not.toBe(frozen);
  });

  it('posts status within 10 s when the API shows a Ready condition it did not report', async () => {
    await startSim({ events: false });
    const n = await api.client.get(resources.nodes, undefined, 'sim-node-0');
    const st = status(n);
    const unknown = (st.conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    await api.client.update(resources.nodes, undefined, { ...n, status: { ...st, conditions: unknown } }, { subresource: 'status' });
    await until(async () => condition(await api.client.get(resources.nodes, undefined, 'sim-node-0'), 'Ready')?.status === 'Unknown', 'Unknown seen');
    await settle();
    await advance(10_000, 1000);
    expect(condition(await api.client.get(resources.nodes, undefined, 'sim-node-0'), 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
  });

  it('stops the kubelet of a Node someone else deleted', async () => {
    await startSim({ events: false });
    await api.client.delete(resources.nodes, undefined, 'sim-node-2');
    await until(() => sim.stats().nodes === 2, 'node forgotten');
    await advance(70_000, 5000);
    expect((await api.client.list(resources.nodes, undefined)).items.map((x) => x.metadata.name).sort()).toEqual(['sim-node-0', 'sim-node-1']);
  });

  it('deleteNode removes the node; addNodes registers more', async () => {
    await startSim({ events: false });
    await sim.deleteNode('sim-node-0');
    expect((await api.client.list(resources.nodes, undefined)).items.map((n) => n.metadata.name).sort()).toEqual(['sim-node-1', 'sim-node-2']);
    expect(await sim.addNodes(2)).toEqual(['sim-node-3', 'sim-node-4']);
    await settle();
    expect((await api.client.list(resources.nodes, undefined)).items).toHaveLength(4);
    expect(sim.nodeNames()).toEqual(['sim-node-1', 'sim-node-2', 'sim-node-3', 'sim-node-4']);
  });

  it('adopts nodes that already exist (a restarted simulator)', async () => {
    await startSim({ count: 2, events: false });
    const uid = (await api.client.get(resources.nodes, undefined, 'sim-node-0')).metadata.uid;
    const second = new NodeSimulator({ client: api.client, clock: api.clock, logger: api.context.logger, informers: api.informers, count: 2, events: false });
    void second.run(api.signal);
    await second.whenRegistered();
    expect(second.stats().registered).toBe(2);
    expect((await api.client.get(resources.nodes, undefined, 'sim-node-0')).metadata.uid).toBe(uid);
  });

  it('validates its configuration', () => {
    const base = { client: api.client, clock: api.clock, logger: api.context.logger };
    expect(() => new NodeSimulator({ ...base, count: -1 })).toThrow(/count/);
    expect(() => new NodeSimulator({ ...base, count: 40_000 })).toThrow(/count/);
    expect(() => new NodeSimulator({ ...base, namePrefix: 'Bad_' })).toThrow(/prefix/);
    expect(() => new NodeSimulator({ ...base, podStartDelayMs: [5, 1] })).toThrow(/podStartDelayMs/);
  });
});

describe('NodeSimulator pods', () => {
  it('reports ephemeral containers added through pods/ephemeralcontainers as running, each once', async () => {
    await startSim({ events: false });
    await createPods(pod('dbg', 'sim-node-0'));
    await advance(1000);
    expect(status(await getPod('dbg')).phase).toBe('Running');
    const add = async (name: string) => {
      const current = (await getPod('dbg')) as KubeObject;
      const list = (((current.spec as JsonObject).ephemeralContainers ?? []) as JsonObject[]).map((c) => ({ name: c.name }));
      await api.client.patch(resources.pods, 'default', 'dbg', 'strategic', { spec: { '$setElementOrder/ephemeralContainers': [...list, { name }], ephemeralContainers: [{ name, image: 'busybox', command: ['sh'], stdin: true, tty: true }] } }, { subresource: 'ephemeralcontainers' });
      await settle();
    };
    await add('debugger-1');
    const first = (status(await getPod('dbg')).ephemeralContainerStatuses ?? []) as JsonObject[];
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ name: 'debugger-1', ready: false, restartCount: 0, started: true, image: 'docker.io/library/busybox:latest' });
    const startedAt = ((first[0].state as JsonObject).running as JsonObject).startedAt;
    expect(startedAt).toBeTypeOf('string');

    await advance(5000, 1000);
    await add('debugger-2');
    const st = status(await getPod('dbg'));
    const both = st.ephemeralContainerStatuses as JsonObject[];
    expect(both.map((c) => c.name)).toEqual(['debugger-1', 'debugger-2']);
    // The first keeps its start time; the pod is unaffected.
    expect(((both[0].state as JsonObject).running as JsonObject).startedAt).toBe(startedAt);
    expect((both[1].state as JsonObject).running).toBeDefined();
    expect(st.phase).toBe('Running');
    expect((st.containerStatuses as JsonObject[])[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0 });
  });

  it('moves a bound pod to Running and Ready after the start delay', async () => {
    await startSim();
    await createPods(pod('web', 'sim-node-0'));
    const pending = (await getPod('web')) as KubeObject;
    expect(status(pending).phase).toBe('Pending');
    await advance(1000);
    const p = (await getPod('web')) as KubeObject;
    const st = status(p);
    expect(st.phase).toBe('Running');
    // The status write changed the status only.
    expect(p.spec).toEqual(pending.spec);
    expect(p.metadata.labels).toEqual(pending.metadata.labels);
    expect(p.metadata.managedFields?.map((f) => `${f.manager ?? ''}/${f.subresource ?? ''}`)).toContain('kubelet/status');
    expect(st.hostIP).toBe('10.200.0.1');
    expect(st.hostIPs).toEqual([{ ip: '10.200.0.1' }]);
    expect(String(st.podIP)).toMatch(/^10\.64\.1\.\d+$/);
    expect(st.startTime).toBeTypeOf('string');
    const types = (st.conditions as JsonObject[]).map((c) => `${String(c.type)}=${String(c.status)}`);
    expect(types).toEqual(['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    const cs = (st.containerStatuses as JsonObject[])[0];
    expect(cs).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:latest' });
    expect(String(cs.containerID)).toMatch(/^lite-sim:\/\/[0-9a-f]{64}$/);
    expect(String(cs.imageID)).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect((cs.state as JsonObject).running).toBeDefined();
    const events = (await api.events()).filter((e) => (e.involvedObject as JsonObject).name === 'web').map((e) => `${String(e.reason)}: ${String(e.message)}`);
    expect(events.sort()).toEqual(['Created: Created container app', 'Pulled: Container image "nginx" already present on machine', 'Started: Started container app']);
  });

  it('ignores pods bound to other nodes and unscheduled pods', async () => {
    await startSim({ events: false });
    await api.client.create(resources.pods, 'default', pod('elsewhere', 'real-node'));
    await api.client.create(resources.pods, 'default', { ...pod('unbound', ''), spec: { containers: [{ name: 'app', image: 'nginx' }] } });
    await advance(2000);
    expect(status(await getPod('elsewhere')).phase).toBe('Pending');
    expect(status(await getPod('unbound')).phase).toBe('Pending');
  });

  it('completes init containers first, and holds readiness for the probe delay', async () => {
    await startSim({ events: false, podStartDelayMs: [1000, 1000] });
    await createPods(
      pod('init', 'sim-node-1', {
        spec: {
          initContainers: [{ name: 'setup', image: 'busybox' }],
          containers: [{ name: 'app', image: 'nginx', readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5 } }],
        },
      }),
    );
    await advance(1000);
    let st = status(await getPod('init'));
    expect(st.phase).toBe('Pending');
    expect((st.initContainerStatuses as JsonObject[])[0].state).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
    expect((st.containerStatuses as JsonObject[])[0].state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(condition(await getPod('init'), 'Initialized')?.status).toBe('True');
    await advance(1000);
    st = status(await getPod('init'));
    expect(st.phase).toBe('Running');
    expect(condition(await getPod('init'), 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    await advance(5000);
    expect(condition(await getPod('init'), 'Ready')?.status).toBe('True');
  });

  it('completes Job-style pods, by default and per annotations', async () => {
    await startSim({ events: false, jobDurationMs: 2000, podStartDelayMs: [500, 500] });
    await createPods(
      pod('quick', 'sim-node-0', { spec: { restartPolicy: 'Never' } }),
      pod('slow', 'sim-node-0', { spec: { restartPolicy: 'Never' }, annotations: { 'lite.dev/sim-duration': '5s' } }),
      pod('fails', 'sim-node-1', { spec: { restartPolicy: 'Never' }, annotations: { 'lite.dev/sim-duration': '3s', 'lite.dev/sim-exit-code': '1' } }),
    );
    await advance(4000);
    expect(status(await getPod('quick')).phase).toBe('Succeeded');
    expect(status(await getPod('slow')).phase).toBe('Running');
    const failed = status(await getPod('fails'));
    expect(failed.phase).toBe('Failed');
    expect((failed.containerStatuses as JsonObject[])[0].state).toMatchObject({ terminated: { exitCode: 1, reason: 'Error' } });
    expect(condition(await getPod('quick'), 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    await advance(3000);
    const slow = status(await getPod('slow'));
    expect(slow.phase).toBe('Succeeded');
    expect((slow.containerStatuses as JsonObject[])[0].state).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
    // Finished pods are forgotten.
    expect(sim.stats().pods).toBe(0);
  });

  it('restarts failing OnFailure containers with a crash-loop back-off', async () => {
    await startSim({ podStartDelayMs: [0, 0] });
    await createPods(pod('crash', 'sim-node-0', { spec: { restartPolicy: 'OnFailure' }, annotations: { 'lite.dev/sim-duration': '1s', 'lite.dev/sim-exit-code': '2' } }));
    await advance(1500);
    let cs = (status(await getPod('crash')).containerStatuses as JsonObject[])[0];
    expect(cs.restartCount).toBe(1);
    expect((cs.lastState as JsonObject).terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    await advance(1000);
    cs = (status(await getPod('crash')).containerStatuses as JsonObject[])[0];
    expect(status(await getPod('crash')).phase).toBe('Running');
    expect((cs.state as JsonObject).waiting).toMatchObject({ reason: 'CrashLoopBackOff' });
    expect(String(((cs.state as JsonObject).waiting as JsonObject).message)).toMatch(/^back-off 10s restarting failed container=app pod=crash_default\(/);
    await advance(10_000);
    cs = (status(await getPod('crash')).containerStatuses as JsonObject[])[0];
    expect(cs.restartCount).toBe(2);
    expect((cs.state as JsonObject).running).toBeDefined();
    expect((await api.events()).some((e) => e.reason === 'BackOff' && e.type === 'Warning')).toBe(true);
  });

  it('stops deleted pods after their grace (capped) and deletes them with grace 0', async () => {
    await startSim({ podStopDelayMs: 2000 });
    await createPods(pod('gone', 'sim-node-2'), pod('quickstop', 'sim-node-2', { spec: { terminationGracePeriodSeconds: 1 } }));
    await advance(1000);
    expect(status(await getPod('gone')).phase).toBe('Running');
    await api.client.delete(resources.pods, 'default', 'gone');
    await api.client.delete(resources.pods, 'default', 'quickstop');
    await until(async () => (await getPod('quickstop'))?.metadata.deletionTimestamp !== undefined, 'deletion seen');
    await settle();
    expect((await getPod('gone'))?.metadata.deletionTimestamp).toBeDefined();
    await advance(1000);
    expect(await getPod('quickstop')).toBeUndefined();
    expect(await getPod('gone')).toBeDefined();
    await advance(1000);
    expect(await getPod('gone')).toBeUndefined();
    expect(sim.stats().podDeletions).toBe(2);
    expect((await api.events()).some((e) => e.reason === 'Killing' && e.message === 'Stopping container app')).toBe(true);
    // The pod IPs went back to the node's range.
    expect(sim.stats().pods).toBe(0);
  });

  it('does nothing for pods of a stopped node until it resumes', async () => {
    await startSim({ events: false });
    sim.stop('sim-node-0');
    await api.client.create(resources.pods, 'default', pod('waiting', 'sim-node-0'));
    await advance(3000);
    expect(sim.stats().pods).toBe(0);
    expect(status(await getPod('waiting')).phase).toBe('Pending');
    sim.resume('sim-node-0');
    await until(() => sim.stats().pods === 1, 'pod taken after resume');
    await advance(1000);
    expect(status(await getPod('waiting')).phase).toBe('Running');
  });

  it('re-marks pods Ready when something else set them not ready, and honours readiness gates', async () => {
    await startSim({ events: false });
    await createPods(pod('gated', 'sim-node-0', { spec: { readinessGates: [{ conditionType: 'example.com/lb' }] } }));
    await advance(1000);
    let p = await getPod('gated');
    expect(condition(p, 'ContainersReady')?.status).toBe('True');
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.' });
    const st = status(p);
    await api.client.update(resources.pods, 'default', { ...(p as KubeObject), status: { ...st, conditions: [...(st.conditions as JsonObject[]), { type: 'example.com/lb', status: 'True' }] } }, { subresource: 'status' });
    await until(async () => condition(await getPod('gated'), 'Ready')?.status === 'True', 'Ready once the gate holds');
    p = await getPod('gated');
    expect(condition(p, 'example.com/lb')?.status).toBe('True');
    // The node lifecycle controller marks pods of lost nodes not ready; a live kubelet undoes it.
    const cur = status(p);
    const flipped = (cur.conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    await api.client.update(resources.pods, 'default', { ...(p as KubeObject), status: { ...cur, conditions: flipped } }, { subresource: 'status' });
    await until(async () => condition(await getPod('gated'), 'Ready')?.status === 'False', 'flipped');
    await until(async () => condition(await getPod('gated'), 'Ready')?.status === 'True', 'Ready again');
  });
});
