import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, rfc3339, rfc3339Micro, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';

let api: TestApi;

beforeEach(async () => {
  api = await startTestApi();
});
afterEach(() => api.stop());

async function startController(): Promise<NodeLifecycleController> {
  const c = new NodeLifecycleController(api.context);
  void c.run(api.signal);
  await api.informers.waitForCacheSync(api.signal);
  await flush();
  return c;
}

/** Yields to the event loop: informer deliveries, reconciles and the monitor's writes run. */
async function flush(turns = 100): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

function conditions(ready: 'True' | 'False'): JsonObject[] {
  const now = rfc3339(api.clock.now());
  const c = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: now, lastTransitionTime: now });
  return [c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), c('PIDPressure', 'False', 'KubeletHasSufficientPID'), c('Ready', ready, ready === 'True' ? 'KubeletReady' : 'KubeletNotReady')];
}

/** Registers a node as a kubelet would (spec, then status, then its Lease). */
async function registerNode(name: string, opts: { ready?: 'True' | 'False'; taints?: JsonObject[]; labels?: Record<string, string> } = {}): Promise<void> {
  const created = await api.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: opts.labels ?? {} }, spec: opts.taints ? { taints: opts.taints } : {} });
  await api.client.update(resources.nodes, undefined, { ...created, status: { conditions: conditions(opts.ready ?? 'True') } }, { subresource: 'status' });
  await renewLease(name);
}

async function renewLease(name: string): Promise<void> {
  await api.client.update(resources.leases, 'kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(api.clock.now()) },
  });
}

async function postReady(name: string, ready: 'True' | 'False'): Promise<void> {
  await api.client.patch(resources.nodes, undefined, name, 'merge', { status: { conditions: conditions(ready) } }, { subresource: 'status' });
}

/** Advances time in 5 s steps (the monitor period); the named nodes keep their leases fresh. */
async function advance(ms: number, healthy: readonly string[] = []): Promise<void> {
  for (let t = 0; t < ms; t += 5000) {
    api.clock.advance(Math.min(5000, ms - t));
    for (const n of healthy) await renewLease(n);
    await flush();
  }
}

async function getNode(name: string): Promise<KubeObject> {
  return api.client.get(resources.nodes, undefined, name);
}

function condition(node: KubeObject, type: string): JsonObject | undefined {
  const st = isJsonObject(node.status) ? node.status : {};
  return (Array.isArray(st.conditions) ? st.conditions : []).find((c): c is JsonObject => isJsonObject(c) && c.type === type);
}

function taintKeys(node: KubeObject): string[] {
  const spec = isJsonObject(node.spec) ? node.spec : {};
  return (Array.isArray(spec.taints) ? spec.taints : []).filter(isJsonObject).map((t) => `${String(t.key)}:${String(t.effect)}`).sort();
}

async function boundPod(name: string, nodeName: string): Promise<void> {
  const p = await api.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }] } });
  const now = rfc3339(api.clock.now());
  await api.client.update(resources.pods, 'default', { ...p, status: { ...(p.status as JsonObject), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: now }] } }, { subresource: 'status' });
}

describe('NodeLifecycleController', () => {
  it('keeps nodes with fresh leases Ready and records RegisteredNode', async () => {
    await registerNode('a');
    await registerNode('b');
    await startController();
    await advance(120_000, ['a', 'b']);
    expect(condition(await getNode('a'), 'Ready')?.status).toBe('True');
    expect(taintKeys(await getNode('a'))).toEqual([]);
    const events = await api.events();
    expect(events.filter((e) => e.reason === 'RegisteredNode').map((e) => e.message).sort()).toEqual(['Node a event: Registered Node a in Controller', 'Node b event: Registered Node b in Controller']);
    expect(events.find((e) => e.reason === 'RegisteredNode')?.source).toEqual({ component: 'node-controller' });
  });

  it('marks a silent node Unknown after the grace period, taints it, marks its pods not ready; recovery undoes it', async () => {
    await registerNode('a');
    await registerNode('b');
    await boundPod('p', 'b');
    await startController();
    // 50 s grace (upstream 1.32 default) from the last renewal the monitor saw.
    await advance(50_000, ['a']);
    expect(condition(await getNode('b'), 'Ready')?.status).toBe('True');
    // Unknown on the next pass, tainted on the one after.
    await advance(10_000, ['a']);
    const b = await getNode('b');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(condition(b, type)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    }
    await until(async () => taintKeys(await getNode('b')).length === 2, 'b tainted');
    expect(taintKeys(await getNode('b'))).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const nx = ((await getNode('b')).spec as JsonObject).taints as JsonObject[];
    expect(nx.every((t) => typeof t.timeAdded === 'string')).toBe(true);
    expect(taintKeys(await getNode('a'))).toEqual([]);
    const p = await api.client.get(resources.pods, 'default', 'p');
    expect(((p.status as JsonObject).conditions as JsonObject[]).find((c) => c.type === 'Ready')?.status).toBe('False');
    const events = await api.events();
    expect(events.some((e) => e.reason === 'NodeNotReady' && e.message === 'Node b status is now: NodeNotReady')).toBe(true);
    expect(events.some((e) => e.reason === 'NodeNotReady' && e.type === 'Warning' && e.message === 'Node is not ready' && (e.involvedObject as JsonObject).name === 'p')).toBe(true);

    // The kubelet comes back.
    await postReady('b', 'True');
    await renewLease('b');
    await advance(10_000, ['a', 'b']);
    await until(async () => taintKeys(await getNode('b')).length === 0, 'b untainted');
    expect(condition(await getNode('b'), 'Ready')?.status).toBe('True');
  });

  it('taints not-ready nodes with not-ready, and swaps to unreachable when they go silent', async () => {
    await registerNode('a');
    await registerNode('b');
    await startController();
    await postReady('b', 'False');
    await advance(10_000, ['a', 'b']);
    await until(async () => taintKeys(await getNode('b')).length === 2, 'b tainted not-ready');
    expect(taintKeys(await getNode('b'))).toEqual(['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
    await advance(70_000, ['a']);
    await until(async () => taintKeys(await getNode('b')).includes('node.kubernetes.io/unreachable:NoExecute'), 'b tainted unreachable');
    expect(taintKeys(await getNode('b'))).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  });

  it('does not taint NoExecute when every node is down (master disruption mode)', async () => {
    await registerNode('only');
    await startController();
    await advance(60_000);
    expect(condition(await getNode('only'), 'Ready')?.status).toBe('Unknown');
    await advance(30_000);
    expect(taintKeys(await getNode('only'))).toEqual(['node.kubernetes.io/unreachable:NoSchedule']);
  });

  it('paces NoExecute tainting per zone (0.1 per second)', async () => {
    const zone = { 'topology.kubernetes.io/zone': 'z1' };
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) await registerNode(n, { labels: zone });
    await startController();
    await advance(60_000, ['a', 'b', 'c', 'd', 'e']);
    // f and g went silent together: one is tainted at once, the other about 10 s later.
    const noExecute = async () => (await Promise.all(['f', 'g'].map(getNode))).filter((n) => taintKeys(n).includes('node.kubernetes.io/unreachable:NoExecute')).length;
    await until(async () => (await noExecute()) === 1, 'first node tainted');
    await advance(5_000, ['a', 'b', 'c', 'd', 'e']);
    expect(await noExecute()).toBe(1);
    await advance(10_000, ['a', 'b', 'c', 'd', 'e']);
    await until(async () => (await noExecute()) === 2, 'second node tainted');
  });

  it('mirrors spec.unschedulable and removes the registration not-ready taint once Ready', async () => {
    await registerNode('a', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' } });
    await registerNode('b');
    await startController();
    await until(async () => taintKeys(await getNode('a')).length === 0, 'registration taint removed');
    const a = await getNode('a');
    await until(async () => (await getNode('a')).metadata.labels?.['beta.kubernetes.io/arch'] === 'arm64', 'beta labels');
    expect((await getNode('a')).metadata.labels?.['beta.kubernetes.io/os']).toBe('linux');
    await api.client.patch(resources.nodes, undefined, 'a', 'merge', { spec: { unschedulable: true } });
    await until(async () => taintKeys(await getNode('a')).includes('node.kubernetes.io/unschedulable:NoSchedule'), 'cordon taint');
    await api.client.patch(resources.nodes, undefined, 'a', 'merge', { spec: { unschedulable: null } });
    await until(async () => taintKeys(await getNode('a')).length === 0, 'uncordon');
    expect(a.metadata.name).toBe('a');
  });

  it('records RemovingNode when a node goes away', async () => {
    await registerNode('a');
    await registerNode('b');
    await startController();
    await api.client.delete(resources.nodes, undefined, 'b');
    await flush();
    await advance(5_000, ['a']);
    await until(async () => (await api.events()).some((e) => e.reason === 'RemovingNode' && e.message === 'Node b event: Removing Node b from Controller'), 'RemovingNode event');
  });
});
