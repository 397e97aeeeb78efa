/**
 * The streaming API of a simulated node's kubelet: what `kubectl logs`, `exec`, `attach`, `cp`
 * and `port-forward` get for a pod on a simulated node. The simulator registers one resolver with
 * the server's kubelet registry that makes one of these per request for any of its nodes, so the
 * API server reaches a simulated kubelet exactly as it reaches a real one, and thousands of
 * simulated nodes cost nothing until a request names one.
 *
 * A simulated container is not a process: it writes nothing and there is nothing to enter.
 *  - `GET /containerLogs/<ns>/<pod>/<container>`: an empty log, after the checks a kubelet makes
 *    (upstream validateContainerLogStatus: a container still waiting to start, or `--previous` of
 *    a container that never terminated, is a 400 with the kubelet's words). `follow` keeps the
 *    (empty) stream open while the container instance runs, as a kubelet follows a live
 *    container, and ends it once that instance terminates, restarts, or the pod is gone — so
 *    `kubectl logs -f` returns when the pod is deleted. `tailLines`, `limitBytes`, `since*` and
 *    `timestamps` select from nothing.
 *  - exec, attach and port-forward are refused before any stream opens (`refuse`) with a 400
 *    that names the simulated node: kwok, without Exec/PortForward configuration for a pod,
 *    fails these too ("no exec found for container …"), and a clear request error beats a
 *    half-opened stream.
 *  - `GET /stats/summary`: the Summary API (sim-stats.ts) with the usage the pods declare in
 *    their lite.dev/sim-cpu-usage and lite.dev/sim-memory-usage annotations (0 without), so
 *    lite's metrics scraper serves `kubectl top` for simulated nodes too. Other methods are a
 *    405, as on the real kubelet (src/kubelet/server/kubelet-server.ts).
 *  - A stopped kubelet (NodeSimulator.stop, or the node annotation lite.dev/sim-heartbeat=stopped)
 *    is unreachable, as a real one would be: the stream fails before it is answered and the API
 *    server reports "error dialing backend".
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject, type KubeObject } from '../api/object.js';
import { logContainerId, parseLogQuery } from '../kubelet/server/container-logs.js';
import { pathSegments, respondError } from '../kubelet/server/http.js';
import type { StreamingContainer } from '../kubelet/server/pod-lookup.js';
import { streamPair, type KubeletConnection, type KubeletRequest, type KubeletStream, type KubeletStreamServer } from '../tunnel/kubelet-connection.js';
import type { Clock } from '../util/clock.js';
import { nodeMemoryBytes, simulatedSummary } from './sim-stats.js';

/**
 * Tells interested parties that a pod (by `namespace/name` key) changed or went away. The
 * simulator feeds it from its pod informer; only keys someone watches cost anything.
 */
export class PodWatchers {
  readonly #byKey = new Map<string, Set<() => void>>();

  /** Calls `fn` on every change of the pod `key` until the returned function is called. */
  watch(key: string, fn: () => void): () => void {
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.#byKey.get(key) === set) this.#byKey.delete(key);
    };
  }

  notify(key: string): void {
    if (this.#byKey.size === 0) return;
    const set = this.#byKey.get(key);
    if (set) for (const fn of [...set]) fn();
  }

  /** Every watcher (a kubelet stopped: its followers re-check and end). */
  notifyAll(): void {
    for (const set of [...this.#byKey.values()]) for (const fn of [...set]) fn();
  }

  get size(): number {
    return this.#byKey.size;
  }
}

export interface SimKubeletConfig {
  readonly nodeName: string;
  /** The pod as the API has it (the simulator's informer cache), by `namespace/name`. */
  readonly getPod: (key: string) => KubeObject | undefined;
  /** The pods bound to this node, as the API has them (for /stats/summary). */
  readonly listPods: () => readonly KubeObject[];
  /** The Node as the API has it, or undefined (its allocatable memory bounds availableBytes). */
  readonly getNode: () => KubeObject | undefined;
  /** When the simulated node started (ms since the epoch): the summary's node startTime. */
  readonly startedAt: number;
  readonly watchers: PodWatchers;
  /** Why the kubelet cannot be reached now (stopped), or undefined when it runs. */
  readonly unreachable: () => string | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

type StatusList = 'initContainerStatuses' | 'containerStatuses' | 'ephemeralContainerStatuses';
const STATUS_LISTS: readonly StatusList[] = ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'];

/**
 * The container as the kubelet knows it, read from the status the simulator wrote: `state` →
 * the current instance (running, or terminated and not restarted), `lastState.terminated` → the
 * previous one, `state.waiting.reason` while there is no current instance.
 */
export function statusContainer(pod: KubeObject, name: string): StreamingContainer | undefined {
  const status = isJsonObject(pod.status) ? pod.status : {};
  for (const list of STATUS_LISTS) {
    const entries = status[list];
    if (!Array.isArray(entries)) continue;
    for (const cs of entries) {
      if (!isJsonObject(cs) || cs.name !== name) continue;
      const id = typeof cs.containerID === 'string' ? cs.containerID : '';
      const state = isJsonObject(cs.state) ? cs.state : {};
      const last = isJsonObject(cs.lastState) && isJsonObject(cs.lastState.terminated) ? cs.lastState.terminated : undefined;
      const previousId = last && typeof last.containerID === 'string' && last.containerID ? last.containerID : undefined;
      const waiting = isJsonObject(state.waiting) ? state.waiting : undefined;
      const current = isJsonObject(state.running) ? { id: id || `${name}-running`, running: true } : isJsonObject(state.terminated) ? { id: (typeof state.terminated.containerID === 'string' && state.terminated.containerID) || id || `${name}-terminated`, running: false } : undefined;
      return {
        name,
        ...(current ? { current } : {}),
        ...(previousId ? { previous: { id: previousId } } : {}),
        ...(!current && waiting && typeof waiting.reason === 'string' ? { waitingReason: waiting.reason } : {}),
      };
    }
  }
  return undefined;
}

/** One simulated node's kubelet, as a connection the API server opens streams on. */
export class SimKubelet implements KubeletConnection {
  readonly #c: SimKubeletConfig;
  /** Made on first use: thousands of simulated nodes should not cost thousands of loggers. */
  #logger: Logger | undefined;

  constructor(config: SimKubeletConfig) {
    this.#c = config;
  }

  get #log(): Logger {
    this.#logger ??= this.#c.logger.child({ component: 'sim-kubelet', node: this.#c.nodeName });
    return this.#logger;
  }

  refuse(request: KubeletRequest): ApiError | undefined {
    let seg: string[];
    try {
      seg = pathSegments(request.path);
    } catch {
      return undefined;
    }
    const [root, , podName] = seg;
    const what = root === 'exec' ? 'no processes to exec into' : root === 'attach' ? 'no processes to attach to' : root === 'portForward' ? 'no ports to forward to' : undefined;
    if (!what || !podName) return undefined;
    return ApiError.badRequest(`pod ${podName} runs on simulated node "${this.#c.nodeName}" (lite server --simulate-nodes): its containers are simulated, with ${what}`);
  }

  open(request: KubeletRequest): KubeletStream {
    const { client, server } = streamPair(request);
    const down = this.#c.unreachable();
    if (down) {
      client.close(down);
      return client;
    }
    this.#serve(server).catch((e: unknown) => {
      if (e instanceof ApiError) return respondError(server, e);
      this.#log.error({ err: e, path: request.path }, 'simulated kubelet request failed');
      respondError(server, ApiError.internal(e instanceof Error ? e.message : String(e), e));
    });
    return client;
  }

  async #serve(stream: KubeletStreamServer): Promise<void> {
    const req = stream.request;
    const seg = pathSegments(req.path);
    const refused = this.refuse(req);
    if (refused) throw refused;
    if (seg[0] === 'containerLogs' && seg.length === 4) {
      if (req.method !== 'GET') throw ApiError.methodNotAllowed(`method ${req.method} is not allowed on ${req.path}`);
      return this.#containerLogs(stream, seg[1], seg[2], seg[3]);
    }
    if (seg[0] === 'stats') {
      // As the real kubelet: a method the path does not serve is a 405 before the path is looked at.
      if (req.method !== 'GET') throw ApiError.methodNotAllowed(`method ${req.method} is not allowed on ${req.path}`);
      if (seg.length === 2 && seg[1] === 'summary') return this.#statsSummary(stream);
    }
    throw ApiError.pathNotFound(`the simulated kubelet of node "${this.#c.nodeName}" has no endpoint ${req.path}`);
  }

  #statsSummary(stream: KubeletStreamServer): void {
    const summary = simulatedSummary({ nodeName: this.#c.nodeName, nodeStartTime: this.#c.startedAt, memoryBytes: nodeMemoryBytes(this.#c.getNode()), pods: this.#c.listPods(), now: this.#c.clock.now() });
    stream.respond({ status: 200, headers: { 'Content-Type': 'application/json' } });
    stream.send(Buffer.from(JSON.stringify(summary)));
    stream.end();
  }

  /** The pod if it is the one asked for (`podUID`), on this node. */
  #pod(key: string, uid: string | null): KubeObject | undefined {
    const pod = this.#c.getPod(key);
    if (!pod || (uid && pod.metadata.uid !== uid)) return undefined;
    const node = isJsonObject(pod.spec) ? pod.spec.nodeName : undefined;
    return node === this.#c.nodeName ? pod : undefined;
  }

  async #containerLogs(stream: KubeletStreamServer, namespace: string, podName: string, container: string): Promise<void> {
    const query = new URLSearchParams(stream.request.query);
    const opts = parseLogQuery(query, this.#c.clock.now());
    const key = `${namespace}/${podName}`;
    const uid = query.get('podUID');
    const pod = this.#pod(key, uid);
    const c = pod ? statusContainer(pod, container) : undefined;
    const id = logContainerId(podName, container, c, opts.previous);
    stream.respond({ status: 200, headers: { 'Content-Type': 'text/plain' } });
    if (opts.follow && !opts.previous && c?.current?.running && c.current.id === id) {
      await this.#whileRunning(stream.signal, key, uid ?? pod?.metadata.uid ?? null, container, id);
    }
    stream.end();
  }

  /** Resolves once container instance `id` no longer runs (or the client went away). */
  #whileRunning(signal: AbortSignal, key: string, uid: string | null, container: string, id: string): Promise<void> {
    return new Promise<void>((resolve) => {
      let unwatch: () => void = () => {};
      const done = () => {
        unwatch();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (signal.aborted || this.#c.unreachable()) return done();
        const pod = this.#pod(key, uid);
        const c = pod ? statusContainer(pod, container) : undefined;
        if (!c?.current?.running || c.current.id !== id) done();
      };
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', done, { once: true });
      unwatch = this.#c.watchers.watch(key, check);
      check();
    });
  }
}
