import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createCertificateAuthority, issueCertificate } from '../pki/issue-certificate.js';
import { systemClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { startIngressProxy, type BackendEndpoints, type IngressProxy } from './ingress-proxy.js';
import type { IngressBackend } from './ingress-routes.js';

let backend: Server;
let backendPort = 0;
let proxy: IngressProxy;
let caPem = '';
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
/** Route by Host: web → the backend; empty → a Service without endpoints; down → a closed port. */
const backends: Record<string, IngressBackend> = {
  web: { namespace: 'd', service: 'web', port: 80, ingress: 'd/web' },
  empty: { namespace: 'd', service: 'empty', port: 80, ingress: 'd/empty' },
  down: { namespace: 'd', service: 'down', port: 80, ingress: 'd/down' },
};

beforeAll(async () => {
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain', 'x-backend': 'yes', connection: 'keep-alive' });
      res.end(`hello ${req.method} ${req.url}`);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  backend.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo ${m.toString()}`))));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  backendPort = (backend.address() as AddressInfo).port;
  const ca = await createCertificateAuthority({ commonName: 'test-ca', validDays: 1, clock: systemClock });
  caPem = ca.certPem;
  const webCert = await issueCertificate({ usage: 'server', commonName: 'web.example.com', dnsNames: ['web.example.com'], validDays: 1, clock: systemClock, issuer: ca });
  const defaultCertificate = await issueCertificate({ usage: 'server', commonName: 'default', dnsNames: ['lite-ingress.invalid'], validDays: 1, clock: systemClock });
  proxy = await startIngressProxy({
    route: (host) => backends[(host ?? '').split('.')[0].split(':')[0]],
    endpoints: (b): BackendEndpoints => (b.service === 'empty' ? { endpoints: [] } : { endpoints: [{ host: '10.42.0.9', port: b.service === 'down' ? 1 : 8080, node: 'n1' }] }),
    // The "agent" dial: the pod IP maps to the loopback backend (port 1 stays closed).
    dial: (target) =>
      new Promise((resolve, reject) => {
        const s = connect(target.port === 1 ? 1 : backendPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      }),
    secureContext: (name) => (name === 'web.example.com' ? createSecureContext({ cert: webCert.certPem, key: webCert.keyPem }) : undefined),
    defaultCertificate,
    bindAddress: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    logger: silentLogger,
  });
});

afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((r) => backend?.close(() => r()));
});

function get(host: string, path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxy.httpPort, path, method: options.method ?? 'GET', headers: { host, ...(options.headers ?? {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the ingress proxy', () => {
  it('forwards method, path, query, body and Host, adds X-Forwarded-*, drops hop-by-hop headers both ways', async () => {
    const res = await get('web.example.com', '/a/b?x=1', { method: 'POST', body: 'payload', headers: { 'x-custom': 'kept', 'keep-alive': 'timeout=5', 'x-forwarded-for': '203.0.113.7' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello POST /a/b?x=1');
    expect(res.headers['x-backend']).toBe('yes');
    const sent = seen.at(-1);
    expect(sent?.body).toBe('payload');
    expect(sent?.headers).toMatchObject({ host: 'web.example.com', 'x-custom': 'kept', 'x-forwarded-for': '203.0.113.7, 127.0.0.1', 'x-forwarded-host': 'web.example.com', 'x-forwarded-proto': 'http', 'x-forwarded-port': String(proxy.httpPort), 'x-real-ip': '127.0.0.1' });
    expect(sent?.headers['keep-alive']).toBeUndefined();
    // The backend's own status passes through.
    expect((await get('web.example.com', '/missing')).status).toBe(404);
  });

  it('answers as Traefik does without a route (404), without endpoints (503) and with an unreachable endpoint (502)', async () => {
    expect(await get('nothing.example.com', '/')).toMatchObject({ status: 404, body: '404 page not found\n' });
    expect(await get('empty.example.com', '/')).toMatchObject({ status: 503, body: 'no available server\n' });
    expect(await get('down.example.com', '/')).toMatchObject({ status: 502, body: 'Bad Gateway' });
  });

  it('relays WebSockets', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.httpPort}/socket`, { headers: { host: 'web.example.com' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('ping'));
      ws.on('message', (m) => resolve(m.toString()));
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toBe('echo ping');
  });

  it('serves HTTPS with the certificate an Ingress names for the SNI host, else the default one', async () => {
    const tlsGet = (servername: string, ca: string | undefined) =>
      new Promise<{ status: number; body: string; subject: string }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: proxy.httpsPort, path: '/secure', servername, headers: { host: servername }, ...(ca ? { ca } : { rejectUnauthorized: false }), agent: false }, (res) => {
          const chunks: Buffer[] = [];
          const subject = (res.socket as unknown as { getPeerCertificate(): { subject: { CN: string } } }).getPeerCertificate().subject.CN;
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), subject }));
        });
        req.on('error', reject);
        req.end();
      });
    const secure = await tlsGet('web.example.com', caPem);
    expect(secure).toEqual({ status: 200, body: 'hello GET /secure', subject: 'web.example.com' });
    expect(seen.at(-1)?.headers['x-forwarded-proto']).toBe('https');
    expect((await tlsGet('nothing.example.com', undefined)).subject).toBe('default');
  });
});
