/**
 * The agent's end of the tunnel: dials `wss://<server>/v1-lite/connect` with the node client
 * certificate (trusting only the cluster CA it pinned at join), serves the streams the server
 * opens with the kubelet's handler, and dials again with exponential backoff whenever the
 * connection drops. Streams in flight when it drops are cancelled (their handlers' signals
 * abort). The node's readiness is not tied to the tunnel: that is the Lease's job.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { TUNNEL_PROTOCOL, TUNNEL_PROTOCOL_V2 } from './frames.js';
import type { KubeletRequestHandler } from './kubelet-connection.js';
import { TUNNEL_PATH } from './kubelet-tunnels.js';
import { TunnelMux } from './tunnel-mux.js';
import { webSocketLink, wireSocket, type TunnelSocket } from './ws-link.js';

export type TunnelState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface TunnelDialOptions {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Opens the WebSocket (injectable for tests that fake the network). */
export type TunnelDialer = (url: string, protocols: readonly string[], tls: TunnelDialOptions) => TunnelSocket & Pick<WebSocket, 'once'>;

export interface TunnelClientConfig {
  /** The server, e.g. `https://10.0.0.1:6443`. */
  readonly serverUrl: string;
  readonly tls: { readonly caPem: string; readonly certPem: string; readonly keyPem: string };
  readonly handler: KubeletRequestHandler;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Reconnect delays: from `initialMs` (default 500 ms) doubling to `maxMs` (default 30 s), ±20 % jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Ping period; a server silent for two periods is given up on (default 15 s). */
  readonly pingIntervalMs?: number;
  /** Per-stream window (default 256 KiB). */
  readonly window?: number;
  readonly random?: () => number;
  readonly dial?: TunnelDialer;
  readonly onStateChange?: (state: TunnelState) => void;
}

const defaultDial: TunnelDialer = (url, protocols, tls) =>
  new WebSocket(url, [...protocols], { ca: tls.ca, cert: tls.cert, key: tls.key, perMessageDeflate: false, handshakeTimeout: 10_000, maxPayload: 64 * 1024 * 1024 });

export class TunnelClient {
  readonly #config: TunnelClientConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #url: string;
  #state: TunnelState = 'disconnected';
  #connectedWaiters: (() => void)[] = [];

  constructor(config: TunnelClientConfig) {
    const u = new URL(config.serverUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'wss:') throw new Error(`TunnelClient: the server URL must be https:// (got ${config.serverUrl})`);
    this.#config = config;
    this.#clock = config.clock ?? systemClock;
    this.#log = (config.logger ?? silentLogger).child({ component: 'tunnel-client' });
    this.#url = `wss://${u.host}${TUNNEL_PATH}`;
  }

  get state(): TunnelState {
    return this.#state;
  }

  /** Resolves when the tunnel is (or next becomes) connected; rejects if `signal` aborts first. */
  whenConnected(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#connectedWaiters = this.#connectedWaiters.filter((w) => w !== done);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#connectedWaiters.push(done);
    });
  }

  /** Keeps the tunnel up until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const initial = this.#config.backoff?.initialMs ?? 500;
    const max = this.#config.backoff?.maxMs ?? 30_000;
    const random = this.#config.random ?? Math.random;
    let delay = initial;
    let failures = 0;
    while (!signal.aborted) {
      this.#setState('connecting');
      const outcome = await this.#connectOnce(signal);
      if (signal.aborted) break;
      this.#setState('disconnected');
      if (outcome.connected) {
        delay = initial;
        failures = 0;
        this.#log.warn({ reason: outcome.reason }, 'tunnel to the server lost; reconnecting');
      } else {
        failures++;
        // Log the first failure and then every tenth, so a long outage does not flood the log.
        if (failures === 1 || failures % 10 === 0) this.#log.warn({ reason: outcome.reason, failures }, 'cannot open the tunnel to the server; retrying');
      }
      const wait = Math.round(delay * (0.8 + 0.4 * random()));
      try {
        await this.#clock.sleep(wait, signal);
      } catch {
        break;
      }
      delay = Math.min(max, delay * 2);
    }
    this.#setState('stopped');
  }

  #setState(state: TunnelState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state === 'connected') {
      const waiters = this.#connectedWaiters;
      this.#connectedWaiters = [];
      for (const w of waiters) w();
    }
    this.#config.onStateChange?.(state);
  }

  /** One connection: resolves when it could not be opened or, once open, when it closed. */
  #connectOnce(signal: AbortSignal): Promise<{ connected: boolean; reason: string }> {
    const dial = this.#config.dial ?? defaultDial;
    const tls = this.#config.tls;
    return new Promise((resolve) => {
      let ws: ReturnType<TunnelDialer>;
      try {
        ws = dial(this.#url, [TUNNEL_PROTOCOL_V2, TUNNEL_PROTOCOL], { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem });
      } catch (e) {
        resolve({ connected: false, reason: e instanceof Error ? e.message : String(e) });
        return;
      }
      let opened = false;
      let settled = false;
      let failure = '';
      const finish = (reason: string) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ connected: opened, reason });
      };
      const onAbort = () => {
        ws.close(1001, 'agent stopping');
        // Do not wait for the close handshake of a server that may be gone.
        this.#clock.setTimer(1000, () => ws.terminate());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.once('unexpected-response', (_req: unknown, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          failure = `server answered ${res.statusCode}: ${statusMessage(Buffer.concat(chunks).toString('utf8'))}`;
          ws.terminate();
        });
        res.on('error', () => ws.terminate());
      });
      ws.on('error', (err: Error) => {
        if (!opened && !failure) failure = err.message;
      });
      ws.once('open', () => {
        opened = true;
        const mux = new TunnelMux({ role: 'agent', link: webSocketLink(ws), handler: this.#config.handler, logger: this.#log, ...(this.#config.window ? { window: this.#config.window } : {}) });
        wireSocket(ws, mux, {
          clock: this.#clock,
          pingIntervalMs: this.#config.pingIntervalMs ?? 15_000,
          onClose: (reason) => finish(reason),
        });
        this.#log.info({ url: this.#url }, 'tunnel to the server open');
        this.#setState('connected');
      });
      ws.once('close', () => {
        if (!opened) finish(failure || 'connection closed during the handshake');
      });
    });
  }
}

function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: unknown };
    if (typeof s.message === 'string') return s.message;
  } catch {
    // not a Status
  }
  return body.slice(0, 200) || '(no body)';
}
