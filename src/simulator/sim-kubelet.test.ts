import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { Summary } from '../kubelet/server/stats-summary.js';
import type { KubeletRequest, KubeletStream } from '../tunnel/kubelet-connection.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { PodWatchers, SimKubelet, statusContainer } from './sim-kubelet.js';
import { SIM_USAGE_ANNOTATIONS } from './sim-stats.js';

const NODE = 'sim-node-0';

function pod(containerStatus: Record<string, unknown>, extra: { uid?: string; node?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: extra.uid ?? 'u1' },
    spec: { nodeName: extra.node ?? NODE, containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', ...containerStatus }] },
  };
}

const running = (id = 'lite-sim://1') => ({ containerID: id, state: { running: { startedAt: '2026-01-01T00:00:00Z' } }, lastState: {} });

const NODE_OBJECT: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, status: { capacity: { memory: '1Gi' }, allocatable: { memory: '1Gi' } } };

function setup(initial: KubeObject | undefined) {
  const pods = new Map<string, KubeObject>();
  if (initial) pods.set('ns/p', initial);
  const watchers = new PodWatchers();
  let stopped: string | undefined;
  const clock = new FakeClock();
  const startedAt = clock.now();
  const kubelet = new SimKubelet({ nodeName: NODE, getPod: (k) => pods.get(k), listPods: () => [...pods.values()], getNode: () => NODE_OBJECT, startedAt, watchers, unreachable: () => stopped, clock, logger: silentLogger });
  return {
    kubelet,
    watchers,
    clock,
    set(p: KubeObject | undefined) {
      if (p) pods.set('ns/p', p);
      else pods.delete('ns/p');
      watchers.notify('ns/p');
    },
    stop(reason: string) {
      stopped = reason;
      watchers.notifyAll();
    },
  };
}

function logs(query = ''): KubeletRequest {
  return { method: 'GET', path: '/containerLogs/ns/p/c', query, headers: {} };
}

async function body(stream: KubeletStream): Promise<string> {
  let s = '';
  for await (const c of stream.data) s += Buffer.from(c).toString('utf8');
  return s;
}

describe('SimKubelet container logs', () => {
  it('a running container has an empty log, whatever the options', async () => {
    const { kubelet } = setup(pod(running()));
    for (const q of ['', 'timestamps=true&tailLines=5', 'limitBytes=10', 'sinceSeconds=5', 'podUID=u1']) {
      const s = kubelet.open(logs(q));
      expect((await s.head).status).toBe(200);
      expect(await body(s)).toBe('');
    }
  });

  it('answers as a kubelet for a container waiting to start, --previous without a restart, another pod uid', async () => {
    const { kubelet } = setup(pod({ state: { waiting: { reason: 'ContainerCreating' } } }));
    const waiting = kubelet.open(logs());
    expect((await waiting.head).status).toBe(400);
    expect(JSON.parse(await body(waiting)).message).toBe('container "c" in pod "p" is waiting to start: ContainerCreating');
    const other = setup(pod(running())).kubelet;
    const previous = other.open(logs('previous=true'));
    expect((await previous.head).status).toBe(400);
    expect(JSON.parse(await body(previous)).message).toBe('previous terminated container "c" in pod "p" not found');
    const stale = other.open(logs('podUID=other'));
    expect((await stale.head).status).toBe(400);
  });

  it('a crash-looping container: its previous instance and its current log are empty', async () => {
    const { kubelet } = setup(pod({ containerID: 'lite-sim://2', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, containerID: 'lite-sim://2' } } }));
    for (const q of ['', 'previous=true']) {
      const s = kubelet.open(logs(q));
      expect((await s.head).status).toBe(200);
      expect(await body(s)).toBe('');
    }
  });

  it('follow ends when the container instance stops running, restarts or the pod goes away', async () => {
    for (const next of [pod({ containerID: 'lite-sim://1', state: { terminated: { exitCode: 0, containerID: 'lite-sim://1' } } }), pod(running('lite-sim://9')), undefined]) {
      const t = setup(pod(running()));
      const s = t.kubelet.open(logs('follow=true'));
      expect((await s.head).status).toBe(200);
      let done = false;
      const read = body(s).then((b) => ((done = true), b));
      await new Promise((r) => setTimeout(r, 10));
      t.set(pod(running()));
      await new Promise((r) => setTimeout(r, 10));
      expect(done).toBe(false);
      t.set(next);
      expect(await read).toBe('');
      expect(t.watchers.size).toBe(0);
    }
  });

  it('follow ends when the client goes away or the kubelet stops', async () => {
    const a = setup(pod(running()));
    const s = a.kubelet.open(logs('follow=true'));
    await s.head;
    s.close('client gone');
    await expect(body(s)).rejects.toThrow('client gone');
    await new Promise((r) => setTimeout(r, 0));
    expect(a.watchers.size).toBe(0);

    const b = setup(pod(running()));
    const f = b.kubelet.open(logs('follow=true'));
    await f.head;
    b.stop('stopped');
    expect(await body(f)).toBe('');
    expect(b.watchers.size).toBe(0);
  });

  it('a stopped kubelet is unreachable: the stream fails before an answer', async () => {
    const t = setup(pod(running()));
    t.stop(`the kubelet of simulated node "${NODE}" is stopped`);
    await expect(t.kubelet.open(logs()).head).rejects.toThrow(`the kubelet of simulated node "${NODE}" is stopped`);
  });
});

describe('SimKubelet exec, attach, port-forward', () => {
  it('refuses them up front with a 400 naming the node', () => {
    const { kubelet } = setup(pod(running()));
    const ask = (path: string) => kubelet.refuse({ method: 'GET', path, query: '', headers: {} });
    expect(ask('/exec/ns/p/c')?.toStatus()).toMatchObject({ code: 400, reason: 'BadRequest', message: `pod p runs on simulated node "${NODE}" (lite server --simulate-nodes): its containers are simulated, with no processes to exec into` });
    expect(ask('/attach/ns/p/c')?.message).toMatch(/no processes to attach to$/);
    expect(ask('/portForward/ns/p')?.message).toMatch(/no ports to forward to$/);
    expect(ask('/containerLogs/ns/p/c')).toBeUndefined();
  });

  it('answers the same if asked on a stream anyway', async () => {
    const { kubelet } = setup(pod(running()));
    const s = kubelet.open({ method: 'GET', path: '/exec/ns/p/c', query: 'command=ls', headers: {}, websocket: { protocols: ['v5.channel.k8s.io'] } });
    expect((await s.head).status).toBe(400);
    expect(JSON.parse(await body(s)).message).toMatch(/no processes to exec into$/);
  });
});

describe('statusContainer', () => {
  it('reads init and ephemeral container statuses too', () => {
    const p: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      status: {
        initContainerStatuses: [{ name: 'init', containerID: 'i', state: { terminated: { exitCode: 0, containerID: 'i' } } }],
        ephemeralContainerStatuses: [{ name: 'debugger', containerID: 'e', state: { running: {} } }],
      },
    };
    expect(statusContainer(p, 'init')).toEqual({ name: 'init', current: { id: 'i', running: false } });
    expect(statusContainer(p, 'debugger')).toEqual({ name: 'debugger', current: { id: 'e', running: true } });
    expect(statusContainer(p, 'none')).toBeUndefined();
  });
});

describe('SimKubelet /stats/summary', () => {
  const summaryRequest = (method: KubeletRequest['method'] = 'GET'): KubeletRequest => ({ method, path: '/stats/summary', query: '', headers: {} });
  const annotated = (annotations: Record<string, string>) => {
    const p = pod({ containerID: 'lite-sim://1', state: { running: { startedAt: '2025-01-01T00:00:00Z' } } });
    p.metadata.annotations = annotations;
    return p;
  };

  it('answers GET with the Summary as JSON: annotated usage, cumulative CPU growing with the clock', async () => {
    const t = setup(annotated({ [SIM_USAGE_ANNOTATIONS.cpu]: '500m', [SIM_USAGE_ANNOTATIONS.memory]: '128Mi' }));
    const get = async (): Promise<Summary> => {
      const s = t.kubelet.open(summaryRequest());
      const head = await s.head;
      expect(head.status).toBe(200);
      expect(head.headers['Content-Type']).toBe('application/json');
      return JSON.parse(await body(s)) as Summary;
    };
    t.clock.advance(2000);
    const first = await get();
    expect(first.pods[0]?.containers[0]?.cpu).toEqual({ time: '2025-01-01T00:00:02.000Z', usageNanoCores: 500_000_000, usageCoreNanoSeconds: 1_000_000_000 });
    expect(first.node).toEqual({
      nodeName: NODE,
      startTime: '2025-01-01T00:00:00.000Z',
      cpu: { time: '2025-01-01T00:00:02.000Z', usageNanoCores: 500_000_000, usageCoreNanoSeconds: 1_000_000_000 },
      memory: { time: '2025-01-01T00:00:02.000Z', usageBytes: 128 * 1024 * 1024, workingSetBytes: 128 * 1024 * 1024, availableBytes: 896 * 1024 * 1024 },
    });
    t.clock.advance(8000);
    expect((await get()).node.cpu.usageCoreNanoSeconds).toBe(5_000_000_000);
  });

  it('a pod without annotations, or with a malformed one, uses nothing', async () => {
    const cases: Record<string, string>[] = [{}, { [SIM_USAGE_ANNOTATIONS.cpu]: 'fast', [SIM_USAGE_ANNOTATIONS.memory]: '12 parsecs' }];
    for (const annotations of cases) {
      const t = setup(annotated(annotations));
      t.clock.advance(5000);
      const s = t.kubelet.open(summaryRequest());
      expect((await s.head).status).toBe(200);
      const summary = JSON.parse(await body(s)) as Summary;
      expect(summary.pods[0]?.cpu).toMatchObject({ usageNanoCores: 0, usageCoreNanoSeconds: 0 });
      expect(summary.pods[0]?.memory).toMatchObject({ usageBytes: 0, workingSetBytes: 0 });
      expect(summary.node.memory.availableBytes).toBe(1024 * 1024 * 1024);
    }
  });

  it('other methods are a 405 and other stats paths a 404, as on the real kubelet', async () => {
    const { kubelet } = setup(undefined);
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const s = kubelet.open(summaryRequest(method));
      expect((await s.head).status).toBe(405);
      expect(JSON.parse(await body(s))).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
    }
    const other = kubelet.open({ method: 'GET', path: '/stats/container', query: '', headers: {} });
    expect((await other.head).status).toBe(404);
  });

  it('a stopped kubelet is unreachable for stats too', async () => {
    const t = setup(undefined);
    t.stop('stopped');
    await expect(t.kubelet.open(summaryRequest()).head).rejects.toThrow('stopped');
  });
});
