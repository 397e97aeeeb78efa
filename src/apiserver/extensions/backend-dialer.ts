/**
 * How the API server opens a TCP connection to a proxy backend (a pod IP, a node address).
 *
 * As k3s does in its default egress-selector mode "agent", an address that belongs to a node —
 * the node a pod or endpoint names, else the node whose pod CIDR or address holds the IP — is
 * dialled by that node's agent, through the connection the API server already holds to its
 * kubelet (a CONNECT stream over the agent's tunnel, or the embedded agent's in-process link;
 * see src/kubelet/server/tcp-dial.ts). The server so needs no route to other nodes' pod
 * networks, and behind NAT an agent's pods stay reachable. Addresses of the server's own node
 * (the embedded agent's pods, the cluster DNS on the node IP) are dialled directly, as k3s does
 * for its local node: the host routes to its pod bridge, and the DNS answers even while the
 * embedded agent waits for Docker. An address of no node (a selector-less Service pointing
 * outside the cluster) is dialled directly too, as k3s falls back to.
 *
 * Failures are Errors whose message reads like Go's dialer (`dial tcp 10.42.0.5:80: connect:
 * connection refused`); the proxy answers them as 503 "error trying to reach service: …". Every
 * dial is bounded (`timeoutMs`), so an unreachable backend never hangs the request.
 */
import type { Duplex } from 'node:stream';
import { duplexOverStream } from '../../tunnel/stream-duplex.js';
import type { KubeObject } from '../../api/object.js';
import { isJsonObject } from '../../api/object.js';
import { dialTcp } from '../../kubelet/server/pod-dialer.js';
import type { KubeletConnections, KubeletStream } from '../../tunnel/kubelet-connection.js';
import type { Clock } from '../../util/clock.js';
import { parseCidr, parseIpv4 } from '../../util/ipv4.js';

export interface DialTarget {
  readonly host: string;
  readonly port: number;
  /** The node the address belongs to, when the caller knows it (a pod's node, an endpoint's nodeName). */
  readonly node?: string;
}

export interface BackendDialer {
  dial(target: DialTarget, signal: AbortSignal): Promise<Duplex>;
}

/** The label simulated nodes carry (src/simulator/sim-node.ts): they run no containers. */
export const SIMULATED_NODE_LABEL = 'lite.dev/simulated';

export function isSimulatedNode(node: KubeObject | undefined): boolean {
  return node?.metadata.labels?.[SIMULATED_NODE_LABEL] === 'true';
}

export class ProxyDialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyDialError';
  }
}

export interface AgentDialerConfig {
  readonly kubelets: KubeletConnections;
  /** Reads nodes: one by name (undefined if missing), or all (a dial without a known node). */
  readonly nodes: { get(name: string): Promise<KubeObject | undefined>; list(): Promise<readonly KubeObject[]> };
  readonly clock: Clock;
  /** Bound on a dial, through an agent or direct (default 10 s). */
  readonly timeoutMs?: number;
  /** The server's own node (the embedded agent's): its addresses are dialled directly. */
  readonly localNode?: string;
  /** The direct dial (tests replace it). */
  readonly directDial?: (host: string, port: number, signal: AbortSignal) => Promise<Duplex>;
}

/** The node whose pod CIDR or addresses hold `ip`. */
export function nodeForAddress(nodes: readonly KubeObject[], ip: string): KubeObject | undefined {
  const n = parseIpv4(ip);
  for (const node of nodes) {
    const status = isJsonObject(node.status) ? node.status : {};
    const addresses = Array.isArray(status.addresses) ? status.addresses : [];
    if (addresses.some((a) => isJsonObject(a) && a.address === ip)) return node;
    if (n === undefined) continue;
    const spec = isJsonObject(node.spec) ? node.spec : {};
    const cidrs = [...(Array.isArray(spec.podCIDRs) ? spec.podCIDRs : []), spec.podCIDR].filter((c): c is string => typeof c === 'string' && c !== '');
    for (const c of cidrs) {
      try {
        const r = parseCidr(c);
        if (n >= r.base && n < r.base + r.size) return node;
      } catch {
        // not an IPv4 CIDR
      }
    }
  }
  return undefined;
}

export class AgentDialer implements BackendDialer {
  readonly #config: AgentDialerConfig;
  readonly #timeoutMs: number;

  constructor(config: AgentDialerConfig) {
    this.#config = config;
    this.#timeoutMs = config.timeoutMs ?? 10_000;
  }

  async dial(target: DialTarget, signal: AbortSignal): Promise<Duplex> {
    const node = target.node ? await this.#config.nodes.get(target.node) : nodeForAddress(await this.#config.nodes.list(), target.host);
    const nodeName = target.node ?? node?.metadata.name;
    const address = `${target.host}:${target.port}`;
    if (nodeName === undefined || nodeName === this.#config.localNode) {
      const direct = this.#config.directDial ?? ((h, p, s) => dialTcp(h, p, s, this.#config.clock, this.#timeoutMs));
      return direct(target.host, target.port, signal);
    }
    if (isSimulatedNode(node)) {
      throw new ProxyDialError(`dial tcp ${address}: node "${nodeName}" is a simulated node: its pods run no containers and have no network to reach`);
    }
    const connection = this.#config.kubelets.forNode(nodeName);
    if (!connection) {
      throw new ProxyDialError(`dial tcp ${address}: node "${nodeName}" has no connected agent (is "lite agent" running there and able to reach this server?)`);
    }
    const stream = connection.open({ method: 'CONNECT', path: '/dial', query: new URLSearchParams({ host: target.host, port: String(target.port) }).toString(), headers: {} });
    const head = await withDeadline(stream, signal, this.#config.clock, this.#timeoutMs + 5_000, `dial tcp ${address}: i/o timeout (node "${nodeName}"'s agent did not answer)`);
    if (head.status !== 200) throw new ProxyDialError(await errorText(stream, head.status));
    return kubeletStreamDuplex(stream);
  }
}

async function withDeadline(stream: KubeletStream, signal: AbortSignal, clock: Clock, ms: number, timeoutMessage: string) {
  let cancel: () => void = () => undefined;
  let onAbort: () => void = () => undefined;
  try {
    return await Promise.race([
      stream.head,
      new Promise<never>((_, reject) => {
        cancel = clock.setTimer(ms, () => reject(new ProxyDialError(timeoutMessage)));
        onAbort = () => reject(new ProxyDialError('the client went away'));
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } catch (e) {
    stream.close(e instanceof Error ? e.message : String(e));
    if (e instanceof ProxyDialError) throw e;
    throw new ProxyDialError(`error dialing backend: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    cancel();
    signal.removeEventListener('abort', onAbort);
  }
}

/** The message of a Status the kubelet answered (its text otherwise). */
async function errorText(stream: KubeletStream, status: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of stream.data) {
      if (size < 16 * 1024) chunks.push(Buffer.from(c));
      size += c.byteLength;
    }
  } catch {
    // keep what arrived
  }
  stream.close();
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const s = JSON.parse(text) as { message?: unknown };
    if (typeof s.message === 'string') return s.message;
  } catch {
    // not a Status
  }
  return text.trim() || `the agent refused the dial (${status})`;
}

/**
 * A Node Duplex over the API server's end of a kubelet stream (the bytes of a dialled TCP
 * connection): reads what the kubelet sends, writes with the stream's backpressure, ends the
 * kubelet's side on end(), tears the stream down on destroy().
 */
export function kubeletStreamDuplex(stream: KubeletStream): Duplex {
  return duplexOverStream(stream, (err) => stream.close(err?.message ?? 'closed by the API server'));
}
