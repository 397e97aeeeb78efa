/**
 * Forwarding of names outside the cluster zone to upstream resolvers (CoreDNS `forward .
 * /etc/resolv.conf`):
 *  - the query goes out as the client sent it (same id, same flags), over the client's transport
 *    (UDP stays UDP, so a truncated upstream answer reaches the client, which retries over TCP);
 *  - upstreams are tried in order, each with its own timeout; the first answer wins;
 *  - when none answers, the caller answers SERVFAIL.
 *
 * Default upstreams come from the host's /etc/resolv.conf. A nameserver that is this DNS server
 * itself (same address and port, or loopback while listening on a wildcard address) would make a
 * forwarding loop and is skipped; when /etc/resolv.conf names only loopback resolvers (a
 * systemd-resolved stub), k3s reads /run/systemd/resolve/resolv.conf instead and so do we.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { decode, encode, RECURSION_DESIRED, type Answer } from 'dns-packet';
import type { Clock } from '../util/clock.js';

export interface UpstreamAddress {
  readonly address: string;
  readonly port: number;
}

export interface ListenAddress {
  readonly address: string;
  readonly port: number;
}

/** `nameserver` lines of a resolv.conf text (no parsing beyond that line format). */
export function nameserversFromResolvConf(text: string): UpstreamAddress[] {
  const out: UpstreamAddress[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)$/.exec(line);
    if (!m) continue;
    // IPv6 link-local with a zone (fe80::1%eth0) cannot be used without the interface; skip.
    if (m[1].includes('%')) continue;
    out.push({ address: m[1], port: 53 });
  }
  return out;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

/**
 * Drops upstreams that are this server (see the module comment): same address and port, or — when
 * listening on a wildcard address — the port on a loopback or local interface address.
 */
export function withoutSelf(upstreams: readonly UpstreamAddress[], listen: readonly ListenAddress[], localAddresses: readonly string[] = interfaceAddresses()): UpstreamAddress[] {
  return upstreams.filter(
    (u) => !listen.some((l) => l.port === u.port && (l.address === u.address || (isWildcard(l.address) && (isLoopback(u.address) || localAddresses.includes(u.address))))),
  );
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/**
 * The host's resolvers: /etc/resolv.conf, or systemd-resolved's upstream list when that file
 * names only loopback stubs. `read` is injectable for tests.
 */
export function hostUpstreams(read: (path: string) => string | undefined = readTextFile): UpstreamAddress[] {
  const primary = nameserversFromResolvConf(read('/etc/resolv.conf') ?? '');
  if (primary.length > 0 && primary.every((u) => isLoopback(u.address))) {
    const resolved = nameserversFromResolvConf(read('/run/systemd/resolve/resolv.conf') ?? '');
    if (resolved.length > 0) return resolved;
  }
  return primary;
}

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface ForwarderConfig {
  readonly upstreams: readonly UpstreamAddress[];
  /** Per-upstream timeout (default 2000 ms). */
  readonly timeoutMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type Transport = 'udp' | 'tcp';

export class Forwarder {
  readonly #c: ForwarderConfig;
  readonly #timeoutMs: number;
  #nextId = Math.floor(Math.random() * 65536);

  constructor(config: ForwarderConfig) {
    this.#c = config;
    this.#timeoutMs = config.timeoutMs ?? 2000;
  }

  get upstreams(): readonly UpstreamAddress[] {
    return this.#c.upstreams;
  }

  /** Sends a raw query upstream; the raw response of the first upstream that answers, or undefined. */
  async forward(query: Buffer, transport: Transport, signal?: AbortSignal): Promise<Buffer | undefined> {
    if (query.length < 12) return undefined;
    const id = query.readUInt16BE(0);
    for (const u of this.#c.upstreams) {
      if (signal?.aborted) return undefined;
      try {
        const response = transport === 'udp' ? await this.#udp(u, query, signal) : await this.#tcp(u, query, signal);
        if (response.length >= 12 && response.readUInt16BE(0) === id) return response;
        this.#c.logger.debug({ upstream: `${u.address}:${u.port}` }, 'upstream answered with a mismatched id');
      } catch (e) {
        this.#c.logger.debug({ upstream: `${u.address}:${u.port}`, transport, err: e instanceof Error ? e.message : String(e) }, 'upstream failed');
      }
    }
    return undefined;
  }

  /** Resolves a name upstream (ExternalName targets): the answer records, or undefined on failure. */
  async lookup(name: string, type: 'A' | 'AAAA', signal?: AbortSignal): Promise<Answer[] | undefined> {
    this.#nextId = (this.#nextId + 1) & 0xffff;
    const query = encode({ type: 'query', id: this.#nextId, flags: RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
    let raw = await this.forward(query, 'udp', signal);
    if (raw && (raw.readUInt16BE(2) & 0x0200) !== 0) raw = await this.forward(query, 'tcp', signal);
    if (!raw) return undefined;
    try {
      const response = decode(raw);
      if ((raw.readUInt16BE(2) & 0x000f) !== 0) return undefined;
      return response.answers ?? [];
    } catch {
      return undefined;
    }
  }

  /**
   * One exchange with an upstream over `open`'s socket: settles once, with the answer, an error,
   * the timeout or the abort, and always releases the socket and the timer.
   */
  #exchange(signal: AbortSignal | undefined, open: (finish: (err: Error | undefined, answer?: Buffer) => void) => { release(): void }): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let release: (() => void) | undefined;
      const finish = (err: Error | undefined, answer?: Buffer) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        release?.();
        if (err) reject(err);
        else resolve(answer as Buffer);
      };
      const onAbort = () => finish(new Error('aborted'));
      const cancelTimer = this.#c.clock.setTimer(this.#timeoutMs, () => finish(new Error(`no answer within ${this.#timeoutMs} ms`)));
      signal?.addEventListener('abort', onAbort, { once: true });
      const socket = open(finish);
      if (settled) socket.release();
      else release = () => socket.release();
    });
  }

  #udp(u: UpstreamAddress, query: Buffer, signal?: AbortSignal): Promise<Buffer> {
    return this.#exchange(signal, (finish) => {
      const socket = createSocket(u.address.includes(':') ? 'udp6' : 'udp4');
      const id = query.readUInt16BE(0);
      socket.on('error', (e) => finish(e));
      socket.on('message', (msg, rinfo) => {
        // Only the upstream's answer to this query counts (not a stray or spoofed datagram).
        if (rinfo.port !== u.port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        finish(undefined, msg);
      });
      socket.send(query, u.port, u.address, (e) => {
        if (e) finish(e);
      });
      return { release: () => socket.close() };
    });
  }

  #tcp(u: UpstreamAddress, query: Buffer, signal?: AbortSignal): Promise<Buffer> {
    return this.#exchange(signal, (finish) => {
      const socket = connect({ host: u.address, port: u.port });
      let buffered = Buffer.alloc(0);
      socket.on('error', (e) => finish(e));
      socket.on('close', () => finish(new Error('connection closed before an answer')));
      socket.on('connect', () => {
        const frame = Buffer.alloc(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        socket.write(frame);
      });
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length > 2 + 65535) return finish(new Error('oversized answer'));
        if (buffered.length < 2) return;
        const len = buffered.readUInt16BE(0);
        if (buffered.length >= 2 + len) finish(undefined, buffered.subarray(2, 2 + len));
      });
      return { release: () => socket.destroy() };
    });
  }
}
