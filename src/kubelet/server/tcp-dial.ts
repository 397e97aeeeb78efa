/**
 * `CONNECT /dial?host=<ip>&port=<n>`: a TCP connection from this node to a pod IP (or the
 * node's own address), carried by the stream the API server opened — how pods/proxy,
 * services/proxy and nodes/proxy (other than the kubelet port) reach backends on this node, as
 * k3s' agents dial pod IPs for the API server over their tunnel (egress-selector mode "agent",
 * remotedialer). The API server never needs a route to the pod network of remote nodes.
 *
 * Only addresses of this node are dialled (its node IPs, its pod CIDR, or the sandbox IP of a pod
 * it runs), as k3s' agent authorizes tunnel dials against the node's own CIDRs: the tunnel must
 * not become a way into the agent's wider network. A refused or failed dial answers a Status
 * (503 with Go's dial wording, which the API server relays as "error trying to reach service").
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import { parseCidr, parseIpv4 } from '../../util/ipv4.js';
import { respondError } from './http.js';
import { streamDuplex } from './stream-duplex.js';

/** Opens a TCP connection (the seam tests replace to reach a loopback backend). */
export type TcpDialer = (host: string, port: number, signal: AbortSignal) => Promise<Socket | Duplex>;

/** Which addresses this node's tunnel may dial. */
export interface DialScope {
  /** The node's own addresses (host-network pods, NodePorts, the cluster DNS). */
  readonly nodeIps: readonly string[];
  /** The node's pod CIDR(s). */
  readonly podCidrs: readonly string[];
  /** Sandbox IPs of pods this node runs (pods on Docker's default bridge when there is no IPAM). */
  podIps(): Promise<readonly string[]>;
}

export async function dialAllowed(scope: DialScope, host: string): Promise<boolean> {
  if (scope.nodeIps.includes(host)) return true;
  const ip = parseIpv4(host);
  if (ip !== undefined) {
    for (const c of scope.podCidrs) {
      try {
        const r = parseCidr(c);
        if (ip >= r.base && ip < r.base + r.size) return true;
      } catch {
        // not an IPv4 CIDR lite understands
      }
    }
  }
  return (await scope.podIps()).includes(host);
}

export async function serveDial(stream: KubeletStreamServer, query: URLSearchParams, ctx: { scope: DialScope; dial: TcpDialer; logger: Logger }): Promise<void> {
  const host = query.get('host') ?? '';
  const portText = query.get('port') ?? '';
  const port = Number(portText);
  if (!host || !/^\d+$/.test(portText) || port < 1 || port > 65535) throw ApiError.badRequest(`dial needs host and a port between 1 and 65535 (got ${JSON.stringify(`${host}:${portText}`)})`);
  if (!(await dialAllowed(ctx.scope, host))) {
    throw new ApiError(403, 'Forbidden', `dial tcp ${host}:${port}: the address is neither this node's nor one of its pods'`);
  }
  let socket: Socket | Duplex;
  try {
    socket = await ctx.dial(host, port, stream.signal);
  } catch (e) {
    return respondError(stream, new ApiError(503, 'ServiceUnavailable', e instanceof Error ? e.message : String(e)));
  }
  stream.respond({ status: 200, headers: {} });
  const duplex = streamDuplex(stream);
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = (err?: Error | null) => {
      if (err) ctx.logger.debug({ err: err.message, host, port }, 'dialled connection failed');
      if (done) return;
      done = true;
      socket.destroy();
      duplex.destroy();
      resolve();
    };
    socket.on('error', finish);
    duplex.on('error', finish);
    socket.on('close', () => {
      // The backend closed: whatever it sent is already written to the stream.
      if (!duplex.writableEnded) duplex.end();
      duplex.once('finish', () => finish());
      if (duplex.writableFinished) finish();
    });
    duplex.on('close', () => finish());
    socket.pipe(duplex, { end: false });
    duplex.pipe(socket);
  });
}
