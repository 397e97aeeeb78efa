/**
 * Glue between a `ws` WebSocket and a TunnelMux: messages in, frames out, and a liveness check
 * (a ping every `pingIntervalMs`; no pong by the next one and the socket is terminated, so a
 * silently dropped NAT mapping is noticed by both ends).
 */
import type { RawData, WebSocket } from 'ws';
import type { Clock } from '../util/clock.js';
import type { FrameLink, TunnelMux } from './tunnel-mux.js';

/** The slice of a `ws` WebSocket the tunnel uses. */
export type TunnelSocket = Pick<WebSocket, 'send' | 'close' | 'terminate' | 'ping' | 'on' | 'off' | 'readyState'>;

export function rawToBytes(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}

/** A FrameLink over a WebSocket. */
export function webSocketLink(ws: TunnelSocket): FrameLink {
  return {
    send(message, flushed) {
      if (ws.readyState !== 1 /* OPEN */) {
        flushed();
        return;
      }
      ws.send(message, { binary: true }, () => flushed());
    },
    close(reason) {
      // Close reasons are limited to 123 bytes.
      ws.close(1002, Buffer.from(reason).subarray(0, 120).toString());
    },
  };
}

export interface WireOptions {
  readonly clock: Clock;
  readonly pingIntervalMs: number;
  /** Called once when the socket is closed (by either end), with a reason fit for logs. */
  readonly onClose: (reason: string) => void;
}

/** Feeds the socket's messages into the mux and shuts the mux down when the socket closes. */
export function wireSocket(ws: TunnelSocket, mux: TunnelMux, options: WireOptions): void {
  let alive = true;
  let cancelPing: () => void = () => undefined;
  const schedulePing = () => {
    cancelPing = options.clock.setTimer(options.pingIntervalMs, () => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      try {
        ws.ping();
      } catch {
        // closing already
      }
      schedulePing();
    });
  };
  schedulePing();
  ws.on('pong', () => (alive = true));
  ws.on('message', (data: RawData) => {
    alive = true;
    mux.receive(rawToBytes(data));
  });
  ws.on('error', () => undefined); // 'close' follows
  ws.on('close', (code: number, reason: Buffer) => {
    cancelPing();
    const text = reason.length ? `${code} ${reason.toString('utf8')}` : String(code);
    mux.shutdown(`tunnel closed (${text})`);
    options.onClose(text);
  });
}
