/**
 * Completing a WebSocket handshake inside a request handler. The HTTPS listener routes upgrade
 * requests through the hono app like any other request (with a response bound to the raw
 * socket), so authentication, routing and Status errors stay in one place; a handler that
 * accepts the upgrade takes over the socket here and answers `'sent'`.
 *
 * kubectl port-forward offers the subprotocol `SPDY/3.1+portforward.k8s.io`, which is not an
 * RFC 7230 token: `ws` refuses such a header outright. The chosen protocol is therefore handed
 * to `ws` under an alias and its real name restored in the 101 response (notes §10.3).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ALIAS = 'lite-subprotocol-alias';

/** A valid WebSocket opening handshake (GET, `Upgrade: websocket`, key and version 13). */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  if (req.method !== 'GET' || typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') return false;
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  return typeof key === 'string' && KEY.test(key) && (version === '13' || version === '8');
}

/** Any `Connection: Upgrade` request (WebSocket or the legacy SPDY upgrade kubectl falls back to). */
export function isUpgradeRequest(req: IncomingMessage): boolean {
  const connection = req.headers.connection;
  return typeof req.headers.upgrade === 'string' && typeof connection === 'string' && connection.toLowerCase().split(',').some((t) => t.trim() === 'upgrade');
}

/** The subprotocols the client offered, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : [raw];
  return values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
}

export interface AcceptOptions {
  /** Largest message accepted from the client (default 32 MiB). */
  readonly maxPayload?: number;
}

export class UpgradeAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpgradeAbortedError';
  }
}

/**
 * Answers `101 Switching Protocols` with `protocol` (or none) and returns the WebSocket. Call only
 * after `isWebSocketRequest(req)`. Rejects if the client went away before the handshake.
 */
export function acceptWebSocket(req: IncomingMessage, protocol: string | undefined, options: AcceptOptions = {}): Promise<WebSocket> {
  const socket = req.socket as Duplex;
  const alias = protocol !== undefined && !TOKEN.test(protocol) ? ALIAS : protocol;
  // Only the chosen protocol is shown to `ws` (the others may not even be tokens).
  if (alias !== undefined) req.headers['sec-websocket-protocol'] = alias;
  else delete req.headers['sec-websocket-protocol'];
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: options.maxPayload ?? 32 * 1024 * 1024,
    handleProtocols: () => alias ?? false,
  });
  if (alias !== protocol && protocol !== undefined) {
    wss.on('headers', (headers: string[]) => {
      const i = headers.findIndex((h) => h.toLowerCase().startsWith('sec-websocket-protocol:'));
      if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${protocol}`;
    });
  }
  return new Promise<WebSocket>((resolve, reject) => {
    if (socket.destroyed || !socket.writable) return reject(new UpgradeAbortedError('the client went away before the WebSocket handshake'));
    const onClose = () => reject(new UpgradeAbortedError('the client went away before the WebSocket handshake'));
    socket.once('close', onClose);
    wss.on('wsClientError', (err: Error, s: Duplex) => {
      socket.off('close', onClose);
      s.destroy();
      reject(new UpgradeAbortedError(`WebSocket handshake failed: ${err.message}`));
    });
    wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => {
      socket.off('close', onClose);
      resolve(ws);
    });
  });
}
