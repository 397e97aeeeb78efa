/**
 * The kubelet's streaming API (upstream pkg/kubelet/server/server.go, the parts `kubectl logs`,
 * `exec`, `attach`, `cp` and `port-forward` reach), served on streams the API server opens:
 *
 *   GET       /containerLogs/<ns>/<pod>/<container>
 *   GET|POST  /exec/<ns>/<pod>[/<uid>]/<container>?command=…&stdin=1&stdout=1&stderr=1&tty=1
 *   GET|POST  /attach/<ns>/<pod>[/<uid>]/<container>?stdin=1&stdout=1&stderr=1&tty=1
 *   GET|POST  /portForward/<ns>/<pod>[/<uid>][?port=80,443]
 *   GET       /stats/summary
 *   GET       /healthz, /pods
 *   CONNECT   /dial?host=<ip>&port=<n>   (lite's: a TCP connection to a pod on this node; tcp-dial.ts)
 *
 * nodes/proxy reaches every one of these paths with the client's method (upstream's kubelet
 * answers 405 to methods a path does not serve, and 404 to paths it does not know).
 *
 * Authorisation: the API is never exposed on a port. Its only callers are the streams of the
 * tunnel the agent itself dialed to the server (verifying the server against the cluster CA it
 * pinned at join) or of the embedded agent's in-process link, so only the API server can call
 * it; the API server authorises the user's request (pods/exec …) before it opens a stream.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { KubeletRequestHandler, KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { serveContainerLogs } from './container-logs.js';
import { pathSegments, respondError } from './http.js';
import { dialTcp, runtimePodDialer, type PodDialer } from './pod-dialer.js';
import type { StreamingPod, StreamingPodLookup } from './pod-lookup.js';
import { negotiatePortForwardProtocol, parsePorts, serveChannelPortForward, serveSpdyPortForward, SPDY_PORT_FORWARD_PROTOCOL } from './port-forward.js';
import { negotiateChannelProtocol, refuseNonWebSocket, remoteCommandOptions, serveRemoteCommand } from './remote-command.js';
import { StatsSummaryProvider, type HostStats } from './stats-summary.js';
import { serveDial, type DialScope, type TcpDialer } from './tcp-dial.js';

export interface KubeletServerConfig {
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly pods: StreamingPodLookup;
  /** How port-forward reaches a pod's port (default: the sandbox IP, or 127.0.0.1 for host-network pods). */
  readonly dialer?: PodDialer;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Host CPU/memory for /stats/summary (default: the OS's). */
  readonly hostStats?: HostStats;
  /** The node's addresses and pod CIDR: what CONNECT /dial may reach (besides its pods' IPs). */
  readonly dialScope?: { readonly nodeIps: readonly string[]; readonly podCidrs: readonly string[] };
  /** How CONNECT /dial opens TCP connections (default: a plain dial with a 10 s timeout). */
  readonly tcpDialer?: TcpDialer;
}

export class KubeletServer implements KubeletRequestHandler {
  readonly #runtime: ContainerRuntime;
  readonly #pods: StreamingPodLookup;
  readonly #dial: PodDialer;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #stats: StatsSummaryProvider;
  readonly #dialScope: DialScope;
  readonly #tcpDialer: TcpDialer;

  constructor(config: KubeletServerConfig) {
    if (!config.nodeName) throw new Error('KubeletServer: nodeName is required');
    this.#runtime = config.runtime;
    this.#pods = config.pods;
    this.#clock = config.clock ?? systemClock;
    this.#dial = config.dialer ?? runtimePodDialer(config.runtime, this.#clock);
    this.#log = (config.logger ?? silentLogger).child({ component: 'kubelet-server', node: config.nodeName });
    const scope = config.dialScope ?? { nodeIps: [], podCidrs: [] };
    this.#dialScope = { ...scope, podIps: () => this.#podIps() };
    this.#tcpDialer = config.tcpDialer ?? ((host, port, signal) => dialTcp(host, port, signal, this.#clock));
    this.#stats = new StatsSummaryProvider({ runtime: config.runtime, pods: config.pods, clock: this.#clock, nodeName: config.nodeName, ...(config.hostStats ? { host: config.hostStats } : {}) });
  }

  handle(stream: KubeletStreamServer): void {
    const { method, path } = stream.request;
    this.#log.debug({ method, path, websocket: stream.request.websocket?.protocols }, 'request');
    this.#serve(stream).catch((e: unknown) => {
      if (e instanceof ApiError) return respondError(stream, e);
      this.#log.error({ err: e, path }, 'kubelet request failed');
      respondError(stream, ApiError.internal(e instanceof Error ? e.message : String(e), e));
    });
  }

  async #serve(stream: KubeletStreamServer): Promise<void> {
    const req = stream.request;
    const query = new URLSearchParams(req.query);
    if (req.method === 'CONNECT') {
      if (req.path !== '/dial') throw ApiError.methodNotAllowed(`method CONNECT is not allowed on ${req.path}`);
      return serveDial(stream, query, { scope: this.#dialScope, dial: this.#tcpDialer, logger: this.#log });
    }
    const seg = pathSegments(req.path);
    const [root] = seg;
    const known = ['containerLogs', 'exec', 'attach', 'portForward', 'stats', 'healthz', 'pods'];
    if (!known.includes(root ?? '')) throw ApiError.pathNotFound(`the kubelet has no endpoint ${req.path}`);
    const streaming = root === 'exec' || root === 'attach' || root === 'portForward';
    if (streaming ? req.method !== 'GET' && req.method !== 'POST' : req.method !== 'GET' && !(req.method === 'HEAD' && (root === 'healthz' || root === 'pods'))) {
      throw ApiError.methodNotAllowed(`method ${req.method} is not allowed on ${req.path}`);
    }
    if (root === 'healthz' && seg.length === 1) {
      stream.respond({ status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      if (req.method !== 'HEAD') stream.send(Buffer.from('ok'));
      stream.end();
      return;
    }
    if (root === 'pods' && seg.length === 1) {
      const items = (await this.#pods.listPodObjects?.()) ?? [];
      stream.respond({ status: 200, headers: { 'Content-Type': 'application/json' } });
      if (req.method !== 'HEAD') stream.send(Buffer.from(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items })));
      stream.end();
      return;
    }
    if (root === 'containerLogs' && seg.length === 4) {
      return serveContainerLogs(stream, seg[1], seg[2], seg[3], { runtime: this.#runtime, pods: this.#pods, clock: this.#clock, logger: this.#log });
    }
    if ((root === 'exec' || root === 'attach') && (seg.length === 4 || seg.length === 5)) {
      const [, ns, podName] = seg;
      const uid = seg.length === 5 ? seg[3] : (query.get('podUID') ?? undefined);
      return this.#remoteCommand(stream, root, ns, podName, uid, seg[seg.length - 1], query);
    }
    if (root === 'portForward' && (seg.length === 3 || seg.length === 4)) {
      const uid = seg.length === 4 ? seg[3] : (query.get('podUID') ?? undefined);
      return this.#portForward(stream, seg[1], seg[2], uid, query);
    }
    if (root === 'stats' && seg.length === 2 && seg[1] === 'summary') {
      const summary = await this.#stats.summary();
      stream.respond({ status: 200, headers: { 'Content-Type': 'application/json' } });
      stream.send(Buffer.from(JSON.stringify(summary)));
      stream.end();
      return;
    }
    throw ApiError.pathNotFound(`the kubelet has no endpoint ${req.path}`);
  }

  async #podIps(): Promise<string[]> {
    const ips: string[] = [];
    for (const pod of await this.#pods.listPods()) {
      if (pod.hostNetwork || !pod.sandboxId) continue;
      try {
        const status = await this.#runtime.podSandboxStatus(pod.sandboxId);
        if (status.ip) ips.push(status.ip);
      } catch {
        // the sandbox is gone
      }
    }
    return ips;
  }

  async #findPod(namespace: string, name: string, uid: string | undefined): Promise<StreamingPod | undefined> {
    const pod = await this.#pods.getPod(namespace, name);
    return pod && (!uid || pod.uid === uid) ? pod : undefined;
  }

  async #remoteCommand(stream: KubeletStreamServer, kind: 'exec' | 'attach', namespace: string, podName: string, uid: string | undefined, container: string, query: URLSearchParams): Promise<void> {
    const options = remoteCommandOptions(query);
    const command = query.getAll('command');
    // upstream findContainer: only running containers of running pods qualify.
    const pod = await this.#findPod(namespace, podName, uid);
    const current = pod?.containers.find((c) => c.name === container)?.current;
    if (!current || !current.running) throw new ApiError(404, 'NotFound', `container not found (${JSON.stringify(container)})`);
    const ws = stream.request.websocket;
    if (!ws) return refuseNonWebSocket(stream, kind);
    const protocol = negotiateChannelProtocol(ws.protocols);
    stream.respond({ status: 101, headers: {}, ...(protocol ? { protocol } : {}) });
    await serveRemoteCommand(stream, { kind, containerId: current.id, command, options, protocol }, { runtime: this.#runtime, logger: this.#log });
  }

  async #portForward(stream: KubeletStreamServer, namespace: string, podName: string, uid: string | undefined, query: URLSearchParams): Promise<void> {
    const pod = await this.#findPod(namespace, podName, uid);
    if (!pod) throw new ApiError(404, 'NotFound', `pod not found (${JSON.stringify(`${podName}_${namespace}`)})`);
    const ws = stream.request.websocket;
    if (!ws) return refuseNonWebSocket(stream, 'port-forward');
    const protocol = negotiatePortForwardProtocol(ws.protocols);
    const ctx = { dial: this.#dial, clock: this.#clock, logger: this.#log };
    if (protocol === SPDY_PORT_FORWARD_PROTOCOL) {
      stream.respond({ status: 101, headers: {}, protocol });
      await serveSpdyPortForward(stream, pod, ctx);
      return;
    }
    const ports = parsePorts(query);
    stream.respond({ status: 101, headers: {}, ...(protocol ? { protocol } : {}) });
    await serveChannelPortForward(stream, pod, ports, ctx);
  }
}
