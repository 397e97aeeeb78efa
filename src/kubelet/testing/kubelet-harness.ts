/**
 * A kubelet under test: the in-process API (memory storage, FakeClock), a registered Node, a
 * SimRuntime on the same clock, and startKubeletWith() over them, with probes reaching the
 * simulated pods' listeners. Tests advance the clock instead of sleeping; every wait is bounded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { createReadyNode, startTestApi, type TestApi } from '../../controllers/testing/test-api.js';
import type { SimBehaviour, SimBehaviourContext, SimImage } from '../../runtime/sim/sim-runtime.js';
import { SimRuntime, SimWorld } from '../../runtime/sim/sim-runtime.js';
import type { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { startKubeletWith, type Kubelet, type KubeletInternals } from '../kubelet.js';
import type { ProbeNetwork } from '../prober/probe-network.js';

export const NODE_NAME = 'node-1';
export const NODE_IP = '192.168.50.10';

/** Images present on the simulated node. */
export const SIM_IMAGES: readonly SimImage[] = [
  { name: 'lite-test/busybox:1', cmd: ['sh'], files: { '/www/index.html': 'lite-test busybox\n' } },
  { name: 'app:1', files: { '/www/index.html': 'app v1\n' } },
  { name: 'app:2', files: { '/www/index.html': 'app v2\n' } },
];

/** Probes and hooks over the simulated pod network (httpd listeners of SimRuntime pods). */
export function simProbeNetwork(world: SimWorld): ProbeNetwork {
  const target = (host: string, port: number) => world.pods.get(host)?.get(port);
  return {
    async httpGet(url) {
      const port = Number(url.port || 80);
      const serve = target(url.hostname, port);
      if (!serve) throw new Error(`Get ${JSON.stringify(url.toString())}: dial tcp ${url.hostname}:${port}: connect: connection refused`);
      const body = await serve(url.pathname);
      return body === undefined ? { status: 404, body: '404 Not Found\n' } : { status: 200, body };
    },
    async tcpConnect(host, port) {
      if (!target(host, port)) throw new Error(`dial tcp ${host}:${port}: connect: connection refused`);
    },
  };
}

export interface HarnessOptions {
  /** Per container name: what the simulated process does (default: its command, interpreted). */
  readonly behaviour?: (ctx: SimBehaviourContext) => SimBehaviour | undefined;
  readonly registry?: readonly SimImage[] | 'any';
  readonly internals?: KubeletInternals;
  readonly clusterDns?: readonly string[];
  readonly staticPodDir?: string;
  /** TokenRequest, ServiceAccount admission and `default` ServiceAccounts in the API. */
  readonly serviceAccounts?: boolean;
}

export interface Harness {
  readonly api: TestApi;
  readonly clock: FakeClock;
  readonly runtime: SimRuntime;
  readonly world: SimWorld;
  readonly dataDir: string;
  kubelet: Kubelet;
  createPod(pod: KubeObject): Promise<KubeObject>;
  getPod(name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Polls `cond`, advancing the clock by `stepMs` between polls; fails after `maxSteps`. */
  until(cond: () => boolean | Promise<boolean>, what: string, opts?: { stepMs?: number; maxSteps?: number }): Promise<void>;
  /** Advances the clock by `ms` in steps of `stepMs`, letting work run in between. */
  advance(ms: number, stepMs?: number): Promise<void>;
  events(): Promise<KubeObject[]>;
  /** Stops the kubelet (containers keep running) and starts a new one over the same runtime and data dir. */
  restartKubelet(internals?: KubeletInternals): Promise<void>;
  stop(): Promise<void>;
}

const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const api = await startTestApi({ serviceAccounts: opts.serviceAccounts === true });
  const clock = api.clock;
  const world = new SimWorld();
  const runtime = new SimRuntime({ nodeName: NODE_NAME, clock, images: SIM_IMAGES, world, podCIDR: '10.42.1.0/24', ...(opts.registry ? { registry: opts.registry } : {}), ...(opts.behaviour ? { behaviour: opts.behaviour } : {}) });
  const dataDir = await mkdtemp(join(tmpdir(), 'lite-kubelet-'));
  await createReadyNode(api.client, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME } },
    status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  });
  const stopping = new AbortController();
  const baseInternals: KubeletInternals = {
    probeNetwork: simProbeNetwork(world),
    mounter: null,
    nodeHostsFile: '127.0.0.1\tlocalhost\n',
    nodeResolvConf: 'nameserver 10.0.0.2\nsearch corp.example\n',
    ...(opts.internals ?? {}),
  };
  const start = (internals: KubeletInternals) =>
    startKubeletWith(
      {
        client: api.client,
        runtime,
        nodeName: NODE_NAME,
        dataDir,
        nodeIp: NODE_IP,
        clock,
        logger: silentLogger,
        clusterDns: opts.clusterDns ?? ['10.43.0.10'],
        ...(opts.staticPodDir ? { staticPodDir: opts.staticPodDir } : {}),
      },
      stopping.signal,
      internals,
    );
  /**
   * Lets the work a clock step made due run before the next step, so a loaded machine does not see
   * several steps pass in one go. The relist a step starts never waits for the clock, so it is awaited
   * (bounded); a sync may itself wait for the clock, so waiting for the syncs is bounded tightly.
   */
  const settle = async () => {
    await realSleep(2);
    await Promise.race([h.kubelet.relisted(), realSleep(1000)]);
    for (let i = 0; i < 2; i++) {
      await realSleep(2);
      await Promise.race([h.kubelet.idle(), realSleep(25)]);
    }
  };
  const h: Harness = {
    api,
    clock,
    runtime,
    world,
    dataDir,
    kubelet: await start(baseInternals),
    createPod: (pod) => api.client.create(resources.pods, pod.metadata.namespace ?? 'default', pod),
    async getPod(name, namespace = 'default') {
      try {
        return await api.client.get(resources.pods, namespace, name);
      } catch {
        return undefined;
      }
    },
    async until(cond, what, o = {}) {
      // Without clock steps only real work is awaited: allow for a loaded machine.
      const max = o.maxSteps ?? (o.stepMs ? 400 : 1500);
      for (let i = 0; i < max; i++) {
        if (await cond()) return;
        if (o.stepMs) {
          clock.advance(o.stepMs);
          await settle();
        } else await realSleep(2);
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async advance(ms, stepMs = 1000) {
      for (let done = 0; done < ms; done += stepMs) {
        clock.advance(Math.min(stepMs, ms - done));
        await settle();
      }
    },
    async events() {
      await h.kubelet.flushEvents();
      return (await api.client.list(resources.events, undefined)).items;
    },
    async restartKubelet(internals) {
      await h.kubelet.stop();
      h.kubelet = await start({ ...baseInternals, ...(internals ?? {}) });
    },
    async stop() {
      stopping.abort();
      await h.kubelet.stop();
      await api.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** A pod bound to the harness node. */
export function boundPod(name: string, spec: JsonObject, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...meta }, spec: { nodeName: NODE_NAME, ...spec } };
}

export function statusOf(pod: KubeObject | undefined): JsonObject {
  return pod && typeof pod.status === 'object' && pod.status !== null ? (pod.status as JsonObject) : {};
}

export function condition(pod: KubeObject | undefined, type: string): JsonObject | undefined {
  const conds = statusOf(pod).conditions;
  return Array.isArray(conds) ? (conds.find((c) => typeof c === 'object' && c !== null && (c as JsonObject).type === type) as JsonObject | undefined) : undefined;
}

export function containerStatus(pod: KubeObject | undefined, name: string, init = false): JsonObject | undefined {
  const list = statusOf(pod)[init ? 'initContainerStatuses' : 'containerStatuses'];
  return Array.isArray(list) ? (list.find((c) => typeof c === 'object' && c !== null && (c as JsonObject).name === name) as JsonObject | undefined) : undefined;
}
