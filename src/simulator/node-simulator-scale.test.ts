/**
 * Scale smoke test: 500 simulated nodes and 5000 pods over the real in-process API with a fake
 * clock. Shows that heartbeats and pod transitions share one timer (the clock's pending timers
 * stay few however many nodes there are) and that every pod gets going.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { NodeSimulator } from './node-simulator.js';

const NODES = 500;
const PODS = 5000;

let api: TestApi;
let sim: NodeSimulator;

beforeAll(async () => {
  api = await startTestApi();
  sim = new NodeSimulator({ client: api.client, clock: api.clock, logger: api.context.logger, informers: api.informers, count: NODES, events: false, concurrency: 64 });
  void sim.run(api.signal);
  await sim.whenRegistered();
  await settle();
}, 60_000);
afterAll(() => api.stop());

async function settle(): Promise<void> {
  let quiet = 0;
  await until(() => {
    quiet = sim.pendingWork() === 0 ? quiet + 1 : 0;
    return quiet >= 5;
  }, 'simulator to settle', 1_000_000);
}

async function advance(ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    api.clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

describe('NodeSimulator at scale', () => {
  it('runs 500 nodes and 5000 pods from one timer heap', { timeout: 120_000 }, async () => {
    expect(sim.stats()).toMatchObject({ nodes: NODES, registered: NODES });
    // Every node has a lease and a status heartbeat queued, on the one heap …
    expect(sim.stats().timers).toBeGreaterThanOrEqual(2 * NODES);
    // … and the clock carries a handful of timers, not one per node.
    expect(api.clock.pendingTimers).toBeLessThan(20);

    const names = sim.nodeNames();
    for (let i = 0; i < PODS; i += 250) {
      await Promise.all(
        Array.from({ length: Math.min(250, PODS - i) }, (_, j) => {
          const n = i + j;
          const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${n}`, namespace: 'default' }, spec: { nodeName: names[n % NODES], containers: [{ name: 'app', image: 'nginx' }] } };
          return api.client.create(resources.pods, 'default', pod);
        }),
      );
    }
    await until(() => sim.stats().pods === PODS, 'all pods taken', 1_000_000);
    expect(api.clock.pendingTimers).toBeLessThan(20);
    await advance(2000, 500);
    expect(sim.stats().runningPods).toBe(PODS);
    const pods = (await api.client.list(resources.pods, 'default')).items;
    expect(pods.filter((p) => (p.status as { phase?: string }).phase === 'Running')).toHaveLength(PODS);
    expect(new Set(pods.map((p) => (p.status as { podIP?: string }).podIP)).size).toBe(PODS);

    const renewals = sim.stats().leaseRenewals;
    await advance(30_000, 2000);
    // Each node renewed about three times in 30 s, spread over the interval.
    const done = sim.stats().leaseRenewals - renewals;
    expect(done).toBeGreaterThanOrEqual(3 * NODES - NODES / 10);
    expect(done).toBeLessThanOrEqual(3 * NODES + NODES / 10);
    expect(sim.stats().errors).toBe(0);
    expect(api.clock.pendingTimers).toBeLessThan(20);
  });
});
