/**
 * DNS over UDP and TCP on each listen address (RFC 1035 §4.2; TCP messages carry a two-byte
 * length prefix, several may be pipelined on one connection, RFC 7766).
 *
 *  - UDP and TCP share the port; with port 0 the UDP socket picks one and TCP takes the same.
 *  - Work is bounded: at most `maxInFlight` UDP queries being answered (more are dropped, the
 *    client retries), at most `maxTcpConnections` connections, each closed after `tcpIdleMs`
 *    without a query.
 *  - Everything closes when the signal aborts; `closed` resolves once it has.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { ListenAddress, Transport } from './upstream.js';

export type DnsMessageHandler = (query: Buffer, transport: Transport, signal: AbortSignal) => Promise<Buffer | undefined>;

export interface DnsServerConfig {
  readonly listen: readonly ListenAddress[];
  readonly handler: DnsMessageHandler;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tcpIdleMs?: number;
  readonly maxTcpConnections?: number;
  readonly maxInFlight?: number;
}

export interface RunningDnsServer {
  /** The bound addresses (ports resolved when 0 was asked for); UDP and TCP on each. */
  readonly addresses: readonly ListenAddress[];
  /** Resolves when every socket has closed after the signal aborted. */
  readonly closed: Promise<void>;
}

export async function startDnsServer(config: DnsServerConfig, signal: AbortSignal): Promise<RunningDnsServer> {
  const log = config.logger;
  const udpSockets: UdpSocket[] = [];
  const tcpServers: Server[] = [];
  const connections = new Set<Socket>();
  const addresses: ListenAddress[] = [];
  const maxInFlight = config.maxInFlight ?? 1024;
  const maxConnections = config.maxTcpConnections ?? 256;
  const idleMs = config.tcpIdleMs ?? 10_000;
  let inFlight = 0;

  const closeAll = async () => {
    for (const c of connections) c.destroy();
    await Promise.all([
      ...udpSockets.map((s) => new Promise<void>((r) => s.close(() => r()))),
      ...tcpServers.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
  };

  const onUdp = (socket: UdpSocket) => (msg: Buffer, rinfo: { address: string; port: number }) => {
    if (inFlight >= maxInFlight) return;
    inFlight++;
    config
      .handler(msg, 'udp', signal)
      .then((resp) => {
        if (resp && !signal.aborted) socket.send(resp, rinfo.port, rinfo.address, (e) => e && log.debug({ err: e.message }, 'udp send failed'));
      })
      .catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'udp query failed'))
      .finally(() => inFlight--);
  };

  const onTcp = (conn: Socket) => {
    if (connections.size >= maxConnections || signal.aborted) {
      conn.destroy();
      return;
    }
    connections.add(conn);
    let buffered = Buffer.alloc(0);
    let cancelIdle = config.clock.setTimer(idleMs, () => conn.destroy());
    const resetIdle = () => {
      cancelIdle();
      cancelIdle = config.clock.setTimer(idleMs, () => conn.destroy());
    };
    conn.on('error', () => conn.destroy());
    conn.on('close', () => {
      cancelIdle();
      connections.delete(conn);
    });
    conn.on('data', (chunk: Buffer) => {
      resetIdle();
      buffered = Buffer.concat([buffered, chunk]);
      for (let i = 0; i < 64 && buffered.length >= 2; i++) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const query = Buffer.from(buffered.subarray(2, 2 + len));
        buffered = buffered.subarray(2 + len);
        config
          .handler(query, 'tcp', signal)
          .then((resp) => {
            if (!resp || conn.destroyed) return;
            const frame = Buffer.alloc(2 + resp.length);
            frame.writeUInt16BE(resp.length, 0);
            resp.copy(frame, 2);
            conn.write(frame);
          })
          .catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'tcp query failed'));
      }
      if (buffered.length > 2 + 65535) conn.destroy();
    });
  };

  try {
    for (const l of config.listen) {
      const bound = await bindPair(l, onUdp, onTcp);
      udpSockets.push(bound.udp);
      tcpServers.push(bound.tcp);
      addresses.push({ address: l.address, port: bound.port });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  log.info({ addresses: addresses.map((a) => `${a.address}:${a.port}`) }, 'cluster DNS listening (udp+tcp)');

  const closed = new Promise<void>((resolve) => {
    const stop = () => void closeAll().then(resolve);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  return { addresses, closed };
}

async function bindPair(
  l: ListenAddress,
  onUdp: (s: UdpSocket) => (msg: Buffer, rinfo: { address: string; port: number }) => void,
  onTcp: (c: Socket) => void,
): Promise<{ udp: UdpSocket; tcp: Server; port: number }> {
  // With port 0 the TCP port the UDP socket got may be taken; try a few ports.
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket({ type: l.address.includes(':') ? 'udp6' : 'udp4' });
    udp.on('message', onUdp(udp));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(l.port, l.address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', () => undefined);
    const port = udp.address().port;
    const tcp = createServer(onTcp);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, l.address, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, tcp, port };
    } catch (e) {
      await new Promise<void>((r) => udp.close(() => r()));
      if (l.port !== 0 || attempt >= 4) throw e;
    }
  }
}
