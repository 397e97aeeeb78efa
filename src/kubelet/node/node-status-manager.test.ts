import { afterEach, describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, type TestApi } from '../../controllers/testing/test-api.js';
import { RuntimeError } from '../../runtime/container-runtime.js';
import { SimRuntime } from '../../runtime/sim/sim-runtime.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import type { HostFacts, HostProbe, HostUsage } from './host-info.js';
import { NODE_LEASE_NAMESPACE, NodeStatusManager, type NodeStatusManagerConfig } from './node-status-manager.js';

const GiB = 2 ** 30;

const facts: HostFacts = {
  hostname: 'box',
  cpus: 4,
  memoryBytes: 8 * GiB,
  ephemeralStorageBytes: 100 * GiB,
  pidMax: 4_194_304,
  os: 'linux',
  arch: 'amd64',
  kernelVersion: '6.1.0-test',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  machineID: 'abc',
  systemUUID: 'uuid-1',
  bootID: 'boot-1',
};

function probe(usage: Partial<HostUsage> = {}): HostProbe & { usageNow: HostUsage } {
  const p = {
    usageNow: { memoryAvailableBytes: 4 * GiB, fsAvailableBytes: 50 * GiB, fsCapacityBytes: 100 * GiB, fsInodesFree: 900, fsInodes: 1000, processes: 300, ...usage },
    facts: () => facts,
    usage: () => p.usageNow,
  };
  return p;
}

const conditions = (n: KubeObject) => Object.fromEntries(((isJsonObject(n.status) ? n.status.conditions : []) as JsonObject[]).map((c) => [c.type, c.status]));

/** Lets the loops run their pending promise chains without advancing time. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

describe('NodeStatusManager', () => {
  let api: TestApi | undefined;
  const stops: AbortController[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) s.abort();
    await api?.stop();
    api = undefined;
  });

  async function start(extra: Partial<NodeStatusManagerConfig> = {}, runtime = new SimRuntime({ nodeName: 'n1' })) {
    const clock = new FakeClock();
    api = await startTestApi({ clock });
    const mgr = new NodeStatusManager({
      client: api.client,
      runtime,
      nodeName: 'n1',
      nodeIp: '10.0.0.5',
      host: probe(),
      kubeletVersion: 'v1.32.0+lite',
      clock,
      logger: silentLogger,
      ...extra,
    });
    const stop = new AbortController();
    stops.push(stop);
    const running = mgr.run(stop.signal);
    await mgr.whenRegistered(stop.signal);
    await settle();
    return { mgr, clock, api, running, stop, runtime };
  }

  it('registers the Node with labels, taints, capacity, allocatable, addresses, nodeInfo and Ready conditions', async () => {
    const { api } = await start({ labels: { zone: 'a' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], controlPlane: true });
    const node = await api.client.get(resources.nodes, undefined, 'n1');
    expect(node.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': 'n1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node-role.kubernetes.io/control-plane': 'true',
      zone: 'a',
    });
    expect((node.spec as JsonObject).taints).toEqual(expect.arrayContaining([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]));
    const status = node.status as JsonObject;
    expect(status.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' });
    // allocatable = capacity − hard eviction thresholds (100Mi memory, 10% nodefs)
    expect(status.allocatable).toMatchObject({ cpu: '4', memory: `${8 * 1024 - 100}Mi`, pods: '110', 'ephemeral-storage': String(Math.floor(100 * GiB * 0.9)) });
    expect(status.addresses).toEqual([
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'n1' },
    ]);
    expect(status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0+lite', containerRuntimeVersion: expect.stringMatching(/^sim:\/\//), osImage: facts.osImage, kernelVersion: facts.kernelVersion, operatingSystem: 'linux', architecture: 'amd64' });
    expect(conditions(node)).toEqual({ MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False', Ready: 'True' });
    const lease = await api.client.get(resources.leases, NODE_LEASE_NAMESPACE, 'n1');
    expect(lease.spec).toMatchObject({ holderIdentity: 'n1', leaseDurationSeconds: 40 });
    expect(lease.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'n1', uid: node.metadata.uid });
  });

  it('renews the Lease every 10 s', async () => {
    const { mgr, clock } = await start();
    const first = mgr.heartbeats.leases;
    await clock.advance(10_000);
    await settle();
    expect(mgr.heartbeats.leases).toBe(first + 1);
    await clock.advance(9_000);
    await settle();
    expect(mgr.heartbeats.leases).toBe(first + 1);
    await clock.advance(1_000);
    await settle();
    expect(mgr.heartbeats.leases).toBe(first + 2);
  });

  it('retries a failed lease renewal after 200 ms, doubling, instead of waiting 10 s', async () => {
    const clock = new FakeClock();
    api = await startTestApi({ clock });
    let failLeases = 0;
    const client = new Proxy(api.client, {
      get(target, prop, receiver) {
        if (prop === 'update') {
          return async (...args: Parameters<typeof target.update>) => {
            if (args[0].resource === 'leases' && failLeases > 0) {
              failLeases--;
              throw new Error('connection reset');
            }
            return target.update(...args);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const mgr = new NodeStatusManager({ client, runtime: new SimRuntime({ nodeName: 'n1' }), nodeName: 'n1', nodeIp: '10.0.0.5', host: probe(), kubeletVersion: 'v1', clock, logger: silentLogger });
    const stop = new AbortController();
    stops.push(stop);
    void mgr.run(stop.signal);
    await mgr.whenRegistered(stop.signal);
    await settle();
    const ok = mgr.heartbeats.leases;
    failLeases = 2;
    await clock.advance(10_000); // fails
    await settle();
    await clock.advance(200); // fails again
    await settle();
    expect(mgr.heartbeats.leases).toBe(ok);
    await clock.advance(400); // succeeds
    await settle();
    expect(mgr.heartbeats.leases).toBe(ok + 1);
    expect(mgr.heartbeats.failures).toBe(2);
  });

  it('posts status only on change or after the 5 minute report interval', async () => {
    const { mgr, clock, runtime } = await start({}, new SimRuntime({ nodeName: 'n1' }));
    const posts = () => mgr.heartbeats.statusPosts;
    const base = posts();
    for (let i = 0; i < 5; i++) {
      await clock.advance(10_000);
      await settle();
    }
    expect(posts()).toBe(base);
    // the runtime goes away → NotReady is posted at the next check
    runtime.failNext('version', new RuntimeError('Cannot connect to the Docker daemon'), 1000);
    await clock.advance(10_000);
    await settle();
    expect(posts()).toBe(base + 1);
    const node = await api!.client.get(resources.nodes, undefined, 'n1');
    expect(conditions(node).Ready).toBe('False');
    const ready = ((node.status as JsonObject).conditions as JsonObject[]).find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ reason: 'KubeletNotReady', message: expect.stringContaining('container runtime is down') });
  });

  it('reports again at least every 5 minutes with fresh heartbeat times', async () => {
    const { mgr, clock } = await start();
    const base = mgr.heartbeats.statusPosts;
    for (let i = 0; i < 30; i++) {
      await clock.advance(10_000);
      await settle();
    }
    expect(mgr.heartbeats.statusPosts).toBe(base + 1);
  });

  it('overwrites a Ready=Unknown set by the node lifecycle controller at its next check', async () => {
    const { clock, api } = await start();
    const node = await api.client.get(resources.nodes, undefined, 'n1');
    const conds = ((node.status as JsonObject).conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    await api.client.patch(resources.nodes, undefined, 'n1', 'merge', { status: { conditions: conds } }, { subresource: 'status' });
    await clock.advance(10_000);
    await settle();
    expect(conditions(await api.client.get(resources.nodes, undefined, 'n1')).Ready).toBe('True');
  });

  it('reports MemoryPressure while available memory is under 100Mi and for the transition period after', async () => {
    const host = probe();
    const { clock, api } = await start({ host });
    host.usageNow = { ...host.usageNow, memoryAvailableBytes: 50 * 2 ** 20 };
    await clock.advance(10_000);
    await settle();
    expect(conditions(await api.client.get(resources.nodes, undefined, 'n1')).MemoryPressure).toBe('True');
    host.usageNow = { ...host.usageNow, memoryAvailableBytes: 4 * GiB };
    await clock.advance(60_000);
    await settle();
    expect(conditions(await api.client.get(resources.nodes, undefined, 'n1')).MemoryPressure).toBe('True');
    await clock.advance(5 * 60_000);
    await settle();
    expect(conditions(await api.client.get(resources.nodes, undefined, 'n1')).MemoryPressure).toBe('False');
  });

  it('adopts an existing Node on restart and keeps its uid, adding missing labels', async () => {
    const first = await start();
    const uid = (await first.api.client.get(resources.nodes, undefined, 'n1')).metadata.uid;
    first.stop.abort();
    await first.running;
    const again = new NodeStatusManager({ client: first.api.client, runtime: first.runtime, nodeName: 'n1', nodeIp: '10.0.0.5', host: probe(), labels: { extra: 'yes' }, kubeletVersion: 'v1.32.0+lite', clock: first.clock, logger: silentLogger });
    const stop = new AbortController();
    stops.push(stop);
    void again.run(stop.signal);
    await again.whenRegistered(stop.signal);
    const node = await first.api.client.get(resources.nodes, undefined, 'n1');
    expect(node.metadata.uid).toBe(uid);
    expect(node.metadata.labels?.extra).toBe('yes');
  });

  it('does not re-register a Node deleted through the API (as upstream) and keeps running', async () => {
    const { mgr, api } = await start();
    await api.client.delete(resources.nodes, undefined, 'n1');
    const posts = mgr.heartbeats.statusPosts;
    await expect(mgr.syncStatus()).resolves.toBe(false);
    await expect(mgr.syncStatus()).resolves.toBe(false);
    expect(mgr.heartbeats.statusPosts).toBe(posts);
    await expect(api.client.get(resources.nodes, undefined, 'n1')).rejects.toMatchObject({ code: 404 });
  });

  it('retries registration until the API accepts it', async () => {
    const clock = new FakeClock();
    api = await startTestApi({ clock });
    let calls = 0;
    const flaky = new Proxy(api.client, {
      get(target, prop, receiver) {
        if (prop === 'create') {
          return async (...args: Parameters<typeof target.create>) => {
            if (args[0].resource === 'nodes' && ++calls <= 2) throw new Error('connection refused');
            return target.create(...args);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const mgr = new NodeStatusManager({ client: flaky, runtime: new SimRuntime({ nodeName: 'n1' }), nodeName: 'n1', nodeIp: '10.0.0.5', host: probe(), kubeletVersion: 'v1', clock, logger: silentLogger });
    const stop = new AbortController();
    stops.push(stop);
    void mgr.run(stop.signal);
    await settle();
    expect(mgr.registered).toBe(false);
    for (let i = 0; i < 5 && !mgr.registered; i++) {
      await clock.advance(1000);
      await settle();
    }
    expect(mgr.registered).toBe(true);
    expect(calls).toBe(3);
  });
});
