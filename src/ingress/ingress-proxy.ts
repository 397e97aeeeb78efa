/**
 * The data path of lite's ingress controller: an HTTP and an HTTPS listener that send each
 * request to the Service endpoint its Ingress route names, as Traefik (k3s' bundled ingress) does:
 *
 *  - the request goes out with its method, path, query and headers (Host kept), less hop-by-hop
 *    headers, plus X-Forwarded-For / -Host / -Port / -Proto and X-Real-Ip; the answer streams
 *    back as it arrives;
 *  - `Connection: Upgrade` requests (WebSockets) are relayed byte for byte in both directions;
 *  - endpoints are picked round-robin among the ready ones and dialled through the agent of their
 *    node (the API server's proxy dialer), so the server needs no route to the pod network;
 *  - no route: 404 `404 page not found`; a Service without ready endpoints: 503 `no available
 *    server`; an endpoint that cannot be reached: 502 `Bad Gateway` (Traefik's answers);
 *  - HTTPS picks its certificate by SNI from the Ingresses' TLS Secrets, else a self-signed
 *    default certificate.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { DialTarget } from '../apiserver/extensions/backend-dialer.js';
import { HOP_BY_HOP } from '../apiserver/extensions/proxy.js';
import type { IngressBackend } from './ingress-routes.js';

/** Where a route's Service port leads: its ready endpoints, or why there are none. */
export type BackendEndpoints = { readonly endpoints: readonly DialTarget[] } | { readonly unavailable: string };

export interface IngressProxyConfig {
  /** The backend of a request (undefined: no route). */
  route(host: string | undefined, path: string): IngressBackend | undefined;
  /** The ready endpoints of a route's Service port. */
  endpoints(backend: IngressBackend): BackendEndpoints;
  /** Opens a TCP connection to an endpoint (through its node's agent). */
  dial(target: DialTarget, signal: AbortSignal): Promise<Duplex>;
  /** The TLS context for an SNI name (undefined: the default certificate). */
  secureContext(serverName: string): SecureContext | undefined;
  readonly defaultCertificate: { readonly certPem: string; readonly keyPem: string };
  readonly bindAddress: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly logger: Logger;
}

export interface IngressProxy {
  readonly httpPort: number;
  readonly httpsPort: number;
  close(): Promise<void>;
}


function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** The headers sent to the backend: the client's, less hop-by-hop ones, plus X-Forwarded-*. */
export function forwardedHeaders(req: IncomingMessage, scheme: 'http' | 'https', localPort: number, upgrade: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = String(req.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value === undefined || HOP_BY_HOP.includes(name) || connectionTokens.includes(name)) continue;
    out[name] = value;
  }
  if (upgrade) {
    out.connection = 'Upgrade';
    if (req.headers.upgrade) out.upgrade = req.headers.upgrade;
  }
  const client = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-port'] = String(localPort);
  out['x-forwarded-proto'] = scheme;
  out['x-real-ip'] = client;
  return out;
}

export async function startIngressProxy(config: IngressProxyConfig): Promise<IngressProxy> {
  const log = config.logger;
  const roundRobin = new Map<string, number>();

  /** Picks the next ready endpoint of the request's route, or answers the request itself. */
  function pick(req: IncomingMessage): { target: DialTarget; backend: IngressBackend } | { status: number; text: string } {
    const backend = config.route(req.headers.host, req.url ?? '/');
    if (!backend) return { status: 404, text: '404 page not found\n' };
    const found = config.endpoints(backend);
    if ('unavailable' in found || found.endpoints.length === 0) {
      log.debug({ ingress: backend.ingress, service: `${backend.namespace}/${backend.service}`, why: 'unavailable' in found ? found.unavailable : 'no endpoints' }, 'no available server');
      return { status: 503, text: 'no available server\n' };
    }
    const key = `${backend.namespace}/${backend.service}:${backend.port}`;
    const n = roundRobin.get(key) ?? 0;
    roundRobin.set(key, n + 1);
    return { target: found.endpoints[n % found.endpoints.length], backend };
  }

  function handler(scheme: 'http' | 'https', localPort: () => number) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      const chosen = pick(req);
      if ('status' in chosen) return plain(res, chosen.status, chosen.text);
      const aborted = new AbortController();
      res.on('close', () => aborted.abort());
      config.dial(chosen.target, aborted.signal).then(
        (socket) => {
          const out = httpRequest({
            method: req.method,
            path: req.url,
            headers: forwardedHeaders(req, scheme, localPort(), false),
            createConnection: () => socket as Socket,
          });
          out.on('response', (answer) => {
            const headers: OutgoingHttpHeaders = {};
            for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.includes(name)) headers[name] = value;
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
            answer.pipe(res);
            answer.on('error', () => res.destroy());
          });
          out.on('error', (e) => {
            log.debug({ err: e, ingress: chosen.backend.ingress }, 'ingress backend request failed');
            plain(res, 502, 'Bad Gateway');
          });
          req.pipe(out);
          res.on('close', () => {
            if (!res.writableFinished) out.destroy();
          });
        },
        (e: unknown) => {
          log.debug({ err: e, ingress: chosen.backend.ingress, target: `${chosen.target.host}:${chosen.target.port}` }, 'ingress backend unreachable');
          plain(res, 502, 'Bad Gateway');
        },
      );
    };
  }

  /** `Connection: Upgrade` (WebSockets): the request head goes out, then bytes flow both ways. */
  function upgrader(scheme: 'http' | 'https', localPort: () => number) {
    return (req: IncomingMessage, client: Duplex, head: Buffer): void => {
      client.on('error', () => undefined);
      const chosen = pick(req);
      if ('status' in chosen) {
        client.end(`HTTP/1.1 ${chosen.status} ${chosen.status === 404 ? 'Not Found' : 'Service Unavailable'}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(chosen.text)}\r\nconnection: close\r\n\r\n${chosen.text}`);
        return;
      }
      const aborted = new AbortController();
      client.on('close', () => aborted.abort());
      config.dial(chosen.target, aborted.signal).then(
        (backend) => {
          backend.on('error', () => client.destroy());
          client.on('error', () => backend.destroy());
          const headers = forwardedHeaders(req, scheme, localPort(), true);
          let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
          for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${String(v)}\r\n`;
          backend.write(`${text}\r\n`);
          if (head.length) backend.write(head);
          backend.pipe(client);
          client.pipe(backend);
          backend.on('close', () => client.destroy());
          client.on('close', () => backend.destroy());
        },
        () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Gateway'),
      );
    };
  }

  const http: Server = createHttpServer();
  const https = createHttpsServer({
    cert: config.defaultCertificate.certPem,
    key: config.defaultCertificate.keyPem,
    SNICallback: (name, done) => done(null, config.secureContext(name)),
  });
  const port = (s: Server) => () => (s.address() as AddressInfo | null)?.port ?? 0;
  http.on('request', handler('http', port(http)));
  http.on('upgrade', upgrader('http', port(http)));
  https.on('request', handler('https', port(https)));
  https.on('upgrade', upgrader('https', port(https)));
  for (const s of [http, https]) s.on('clientError', (_e, socket: Duplex) => socket.destroy());
  const listen = (s: Server, p: number) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, config.bindAddress, () => {
        s.off('error', reject);
        resolve((s.address() as AddressInfo).port);
      });
    });
  const httpPort = await listen(http, config.httpPort);
  let httpsPort: number;
  try {
    httpsPort = await listen(https, config.httpsPort);
  } catch (e) {
    http.close();
    throw e;
  }
  log.info({ address: config.bindAddress, httpPort, httpsPort }, 'ingress controller listening');
  return {
    httpPort,
    httpsPort,
    async close() {
      await Promise.all(
        [http, https].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
