/**
 * The HTTPS listener in front of the hono app. Client certificates are requested but not
 * required (bearer tokens work too); Node verifies them against the client CA and the
 * authenticator reads the result. Stopping closes idle keep-alive connections and ends
 * long-running watches so the port is released at once.
 *
 * The port speaks only TLS. A plain-HTTP request gets Go's answer at once (`400 Client sent an
 * HTTP request to an HTTPS server.`) instead of a stalled handshake, which would make kubectl
 * retry for tens of seconds: the first byte of each connection is looked at before TLS starts.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';

export interface HttpsListenerConfig {
  /** The app's fetch handler (`app.fetch` of the hono app). */
  readonly fetch: Parameters<typeof getRequestListener>[0];
  readonly host: string;
  readonly port: number;
  readonly certPem: string;
  readonly keyPem: string;
  readonly clientCaPem: string;
  readonly logger: Logger;
}

export interface HttpsListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** First byte of a TLS handshake record. */
const TLS_HANDSHAKE = 0x16;
const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

export async function listenHttps(config: HttpsListenerConfig): Promise<HttpsListener> {
  const listener = getRequestListener(config.fetch, { overrideGlobalObjects: false, autoCleanupIncoming: false });
  const server = createServer(
    { cert: config.certPem, key: config.keyPem, ca: config.clientCaPem, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    (req, res) => void listener(req, res),
  );
  // Upgrade requests (WebSocket: exec, attach, port-forward, the agent tunnel; kubectl's SPDY
  // fallback) go through the same app, with a response bound to the raw socket: handlers that
  // accept the upgrade take the socket over and answer 'sent'; every other answer (a Status
  // error) is written as a normal response and the connection closed.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (head.length) socket.unshift(head);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    void listener(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0; // watches and log streams are long-lived
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err) => config.logger.debug({ err: err.message }, 'TLS handshake failed'));
  const raw = new Set<Socket>();
  const front = createTcpServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    raw.add(socket);
    socket.on('close', () => raw.delete(socket));
    socket.on('error', () => socket.destroy());
    const first = (chunk: Buffer) => {
      socket.pause();
      socket.off('data', first);
      if (chunk[0] === TLS_HANDSHAKE) {
        socket.unshift(chunk);
        server.emit('connection', socket);
      } else {
        socket.end(PLAIN_HTTP_ANSWER);
      }
    };
    socket.on('data', first);
    socket.resume();
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(config.port, config.host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        server.closeIdleConnections();
        // Watches never go idle; end them so close() completes.
        for (const s of sockets) s.destroy();
        for (const s of raw) s.destroy();
      }),
  };
}
