/**
 * The node-failure path end to end, in-process: simulated kubelets, the node lifecycle controller
 * and the taint-eviction controller over the real API with a fake clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle/node-lifecycle-controller.js';
import { TaintEvictionController } from '../controllers/taint-eviction/taint-eviction-controller.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { NodeSimulator } from './node-simulator.js';

let api: TestApi;
let sim: NodeSimulator;

beforeEach(async () => {
  api = await startTestApi();
  sim = new NodeSimulator({ client: api.client, clock: api.clock, logger: api.context.logger, informers: api.informers, count: 3, events: false });
  void sim.run(api.signal);
  void new NodeLifecycleController(api.context).run(api.signal);
  void new TaintEvictionController(api.context).run(api.signal);
  await sim.whenRegistered();
  await settle();
});
afterEach(() => api.stop());

async function settle(): Promise<void> {
  let quiet = 0;
  await until(() => {
    quiet = sim.pendingWork() === 0 ? quiet + 1 : 0;
    return quiet >= 20;
  }, 'quiet', 20_000);
}

async function advance(ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    api.clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

async function getNode(name: string): Promise<KubeObject> {
  return api.client.get(resources.nodes, undefined, name);
}

function ready(o: KubeObject): string | undefined {
  const st = isJsonObject(o.status) ? o.status : {};
  const c = (Array.isArray(st.conditions) ? st.conditions : []).find((x) => isJsonObject(x) && x.type === 'Ready');
  return isJsonObject(c) ? String(c.status) : undefined;
}

function taints(o: KubeObject): string[] {
  const spec = isJsonObject(o.spec) ? o.spec : {};
  return (Array.isArray(spec.taints) ? spec.taints : []).filter(isJsonObject).map((t) => `${String(t.key)}:${String(t.effect)}`).sort();
}

/** A pod bound to a node; the API's DefaultTolerationSeconds adds the 300 s tolerations it lacks. */
async function createPod(name: string, node: string, tolerationSeconds?: number): Promise<void> {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'app', image: 'nginx' }] } };
  if (tolerationSeconds !== undefined) {
    (pod.spec as JsonObject).tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }];
  }
  const created = await api.client.create(resources.pods, 'default', pod);
  const tolerations = (created.spec as JsonObject).tolerations as JsonObject[];
  expect(tolerations.find((t) => t.key === 'node.kubernetes.io/unreachable')?.tolerationSeconds).toBe(tolerationSeconds ?? 300);
}

async function podState(name: string): Promise<{ phase: string; deleting: boolean } | undefined> {
  try {
    const p = await api.client.get(resources.pods, 'default', name);
    return { phase: String((p.status as JsonObject).phase), deleting: p.metadata.deletionTimestamp !== undefined };
  } catch {
    return undefined;
  }
}

describe('node failure', () => {
  it('heartbeats keep simulated nodes Ready and the registration taint goes away', async () => {
    await until(async () => taints(await getNode('sim-node-0')).length === 0, 'not-ready:NoSchedule removed');
    await advance(120_000, 5000);
    for (const n of ['sim-node-0', 'sim-node-1', 'sim-node-2']) {
      const node = await getNode(n);
      expect(ready(node)).toBe('True');
      expect(taints(node)).toEqual([]);
    }
  });

  it('a stopped kubelet: Unknown after the grace period, tainted, pods evicted after tolerationSeconds; recovery cleans up', async () => {
    await createPod('short', 'sim-node-1', 30);
    await createPod('default-300', 'sim-node-1');
    await createPod('elsewhere', 'sim-node-0', 30);
    await advance(2000);
    expect((await podState('short'))?.phase).toBe('Running');

    sim.stop('sim-node-1');
    await advance(45_000);
    expect(ready(await getNode('sim-node-1'))).toBe('True');
    // 50 s grace after the last renewal the monitor saw (it looks every 5 s), then one more
    // monitor pass to taint.
    await advance(15_000);
    expect(ready(await getNode('sim-node-1'))).toBe('Unknown');
    for (let i = 0; i < 10 && !taints(await getNode('sim-node-1')).includes('node.kubernetes.io/unreachable:NoExecute'); i++) await advance(1000);
    const lost = await getNode('sim-node-1');
    expect(ready(lost)).toBe('Unknown');
    expect(taints(lost)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const taintedAt = Date.parse(String(((lost.spec as JsonObject).taints as JsonObject[]).find((t) => t.effect === 'NoExecute')?.timeAdded));
    const now = api.clock.now();
    // Not yet: the pod tolerates the taint for 30 s from when it was noticed.
    await advance(taintedAt + 29_000 - now);
    expect((await podState('short'))?.deleting).toBe(false);
    await advance(2000);
    expect((await podState('short'))?.deleting).toBe(true);
    // Its kubelet is gone, so the pod stays Terminating; the one with the default 300 s stays.
    expect((await podState('default-300'))?.deleting).toBe(false);
    expect((await podState('elsewhere'))?.deleting).toBe(false);
    expect(ready(await getNode('sim-node-0'))).toBe('True');

    sim.resume('sim-node-1');
    await advance(10_000);
    expect(ready(await getNode('sim-node-1'))).toBe('True');
    await until(async () => taints(await getNode('sim-node-1')).length === 0, 'taints removed on recovery');
    // The kubelet finishes the deletion it missed; the other pod keeps running.
    await until(async () => (await podState('short')) === undefined, 'evicted pod gone');
    expect(await podState('default-300')).toMatchObject({ phase: 'Running', deleting: false });
    await advance(600_000, 10_000);
    expect(await podState('default-300')).toMatchObject({ phase: 'Running', deleting: false });
  });
});
