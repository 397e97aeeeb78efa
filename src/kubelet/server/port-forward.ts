/**
 * `/portForward/<ns>/<pod>` over WebSocket, in the two protocols clients speak (notes §10.3):
 *
 *  - `SPDY/3.1+portforward.k8s.io` (kubectl 1.30+): the WebSocket carries a raw SPDY/3.1
 *    session. Per local connection kubectl opens an error stream and a data stream (headers
 *    `streamtype`, `port`, `requestid`); the kubelet replies to each, pipes the data stream to
 *    the pod's port, and writes a failure's text on the error stream (kubelet
 *    pkg/kubelet/cri/streaming/portforward/httpstream.go). SPDY itself is spdy-transport's.
 *  - `v4.channel.k8s.io` (client-node, and clients that offer no protocol): channel framing as
 *    exec's; channels 2i (data) and 2i+1 (error) for the i-th port of `?port=`, each opened by
 *    the port number as uint16 little-endian (portforward/websocket.go).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import spdyTransport, { type SpdyConnection, type SpdyStream } from 'spdy-transport';
import { ApiError } from '../../api/errors.js';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import type { Clock } from '../../util/clock.js';
import type { PodDialer } from './pod-dialer.js';
import type { StreamingPod } from './pod-lookup.js';
import { streamDuplex } from './stream-duplex.js';

export const SPDY_PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const V4_CHANNEL_PROTOCOL = 'v4.channel.k8s.io';

export interface PortForwardContext {
  readonly dial: PodDialer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a data stream waits for its error stream (and back) (default 30 s, as upstream). */
  readonly streamCreationTimeoutMs?: number;
}

/** Picks the protocol: SPDY tunnelling if offered, else v4 channels (or none offered). */
export function negotiatePortForwardProtocol(offered: readonly string[]): typeof SPDY_PORT_FORWARD_PROTOCOL | typeof V4_CHANNEL_PROTOCOL | '' {
  if (offered.length === 0) return '';
  for (const p of offered) {
    if (p === SPDY_PORT_FORWARD_PROTOCOL) return SPDY_PORT_FORWARD_PROTOCOL;
    if (p === V4_CHANNEL_PROTOCOL) return V4_CHANNEL_PROTOCOL;
  }
  throw ApiError.badRequest(`unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${SPDY_PORT_FORWARD_PROTOCOL} ${V4_CHANNEL_PROTOCOL}]`);
}

/** The `port` query parameter(s) of the channel protocol (upstream NewV4Options). */
export function parsePorts(query: URLSearchParams): number[] {
  const values = query.getAll('port');
  if (values.length === 0) throw ApiError.badRequest('query parameter "port" is required');
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') throw ApiError.badRequest('query parameter "port" cannot be empty');
    for (const p of v.split(',')) {
      if (!/^\d+$/.test(p) || Number(p) > 65535) throw ApiError.badRequest(`unable to parse "${v}" as a port: strconv.ParseUint: parsing "${p}": invalid syntax`);
      if (Number(p) < 1) throw ApiError.badRequest(`port "${v}" must be > 0`);
      ports.push(Number(p));
    }
  }
  return ports;
}

function forwardError(pod: StreamingPod, port: number, err: unknown): string {
  return `error forwarding port ${port} to pod ${pod.namespace}/${pod.name}, uid ${pod.uid}: ${err instanceof Error ? err.message : String(err)}`;
}

// ---------------------------------------------------------------------------------------------
// SPDY inside the WebSocket

/**
 * spdy-transport's parser insists on HTTP/2-style `:method`/`:path` in every SYN_STREAM;
 * port-forward streams carry neither. Supply placeholders on this connection's parser only.
 */
function acceptPortForwardStreams(conn: SpdyConnection): void {
  const parser = conn._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buffer, callback) =>
    parseKVs(buffer, (err, headers) => {
      if (!err && headers && headers.streamtype !== undefined) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(err, headers);
    });
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  cancelTimer: () => void;
}

export function serveSpdyPortForward(stream: KubeletStreamServer, pod: StreamingPod, ctx: PortForwardContext): Promise<void> {
  const log = ctx.logger.child({ pod: `${pod.namespace}/${pod.name}`, protocol: 'spdy' });
  const duplex = streamDuplex(stream);
  const conn = spdyTransport.connection.create(duplex, { protocol: 'spdy', isServer: true });
  acceptPortForwardStreams(conn);
  conn.start(3.1);
  const pairs = new Map<string, StreamPair>();
  const sockets = new Set<Duplex>();
  const timeout = ctx.streamCreationTimeoutMs ?? 30_000;

  conn.on('error', (err: Error) => log.debug({ err: err.message }, 'spdy connection error'));
  conn.on('stream', (s: SpdyStream) => {
    const type = s.headers.streamtype;
    const requestId = s.headers.requestid ?? '';
    const portText = s.headers.port ?? '';
    s.on('error', () => undefined);
    s.respond(200, {});
    if (type !== 'data' && type !== 'error') {
      log.debug({ type }, 'unknown port-forward stream type');
      s.abort();
      return;
    }
    let pair = pairs.get(requestId);
    if (!pair) {
      const p: StreamPair = {
        cancelTimer: ctx.clock.setTimer(timeout, () => {
          pairs.delete(requestId);
          log.debug({ requestId }, 'timed out waiting for the other stream of a port-forward request');
          p.data?.abort();
          p.error?.abort();
        }),
      };
      pairs.set(requestId, (pair = p));
    }
    if (type === 'data') pair.data = s;
    else pair.error = s;
    if (!pair.data || !pair.error) return;
    pair.cancelTimer();
    pairs.delete(requestId);
    void forward(pair.data, pair.error, portText);
  });

  const forward = async (data: SpdyStream, errorStream: SpdyStream, portText: string) => {
    // The client half-closes the error stream at once; drain it so its end is seen.
    errorStream.resume();
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      errorStream.end(`invalid port "${portText}"`);
      data.end();
      return;
    }
    let socket: Socket | Duplex;
    try {
      socket = await ctx.dial(pod, port, stream.signal);
    } catch (e) {
      log.debug({ port, err: e }, 'port-forward dial failed');
      errorStream.end(forwardError(pod, port, e));
      data.end();
      return;
    }
    sockets.add(socket);
    socket.on('error', (err: Error) => log.debug({ port, err: err.message }, 'port-forward connection error'));
    data.on('error', () => socket.destroy());
    data.once('close', () => {
      // A reset stream (the client went away) ends the pod connection too.
      if (!data.readableEnded) socket.destroy();
    });
    socket.once('close', () => {
      sockets.delete(socket);
      if (!data.writableEnded) data.end();
      if (!errorStream.writableEnded) errorStream.end();
    });
    data.pipe(socket);
    socket.pipe(data);
  };

  return new Promise<void>((resolve) => {
    const done = () => {
      for (const p of pairs.values()) p.cancelTimer();
      pairs.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
      resolve();
    };
    conn.once('close', done);
    duplex.once('close', done);
    stream.signal.addEventListener('abort', done, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// v4 channel protocol

function channelFrame(channel: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(payload.byteLength + 1);
  b[0] = channel;
  b.set(payload, 1);
  return b;
}

export async function serveChannelPortForward(stream: KubeletStreamServer, pod: StreamingPod, ports: readonly number[], ctx: PortForwardContext): Promise<void> {
  const log = ctx.logger.child({ pod: `${pod.namespace}/${pod.name}`, protocol: 'channel' });
  const signal = stream.signal;
  for (let i = 0; i < ports.length; i++) {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(ports[i], 0);
    stream.send(channelFrame(2 * i, portBytes));
    stream.send(channelFrame(2 * i + 1, portBytes));
  }
  const sockets: Promise<Duplex | undefined>[] = ports.map(async (port, i) => {
    try {
      return await ctx.dial(pod, port, signal);
    } catch (e) {
      log.debug({ port, err: e }, 'port-forward dial failed');
      stream.send(channelFrame(2 * i + 1, Buffer.from(forwardError(pod, port, e))));
      return undefined;
    }
  });

  // client → pod: data channels only.
  const input = (async () => {
    try {
      for await (const message of stream.data) {
        if (message.byteLength < 1) continue;
        const channel = message[0];
        if (channel % 2 !== 0 || channel / 2 >= ports.length) continue;
        const socket = await sockets[channel / 2];
        if (!socket || socket.destroyed) continue;
        const payload = Buffer.from(message.buffer, message.byteOffset + 1, message.byteLength - 1);
        if (!socket.write(payload)) await new Promise<void>((r) => socket.once('drain', () => r()));
      }
      for (const p of sockets) void p.then((s) => s?.end());
    } catch {
      // stream closed
    }
  })();

  // pod → client, until every port's connection has ended.
  await Promise.all(
    sockets.map(async (pending, i) => {
      const socket = await pending;
      if (!socket) return;
      const onAbort = () => socket.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err: Error) => log.debug({ port: ports[i], err: err.message }, 'port-forward connection error'));
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          if (!stream.send(channelFrame(2 * i, chunk))) {
            socket.pause();
            void stream.writable().then(() => socket.resume());
          }
        });
        socket.once('close', () => resolve());
      });
      signal.removeEventListener('abort', onAbort);
    }),
  );
  void input;
  stream.end();
}
