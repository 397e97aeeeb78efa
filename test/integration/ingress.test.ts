/**
 * The ingress controller of the in-process server (on free loopback ports): Ingresses created
 * through the API route HTTP and HTTPS requests to Service endpoints — pods on node n1, reached
 * through n1's kubelet CONNECT /dial (startLoopbackNode: loopback HTTP servers stand in for the pods).
 */
import { createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/issue-certificate.js';
import { systemClock } from '../../src/util/clock.js';
import { startLoopbackNode, startTestServer, waitFor, type TestServer } from './helpers.js';

const NS = 'shop';
const INGRESSES = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
/** Pod IP → the loopback server standing in for the pod (port 8080). */
const pods = new Map<string, { server: Server; port: number }>();

let ts: TestServer;
let unregister: () => void = () => undefined;
let caPem = '';

async function podServer(ip: string, name: string): Promise<void> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name} ${req.url} ${req.headers.host} ${req.headers['x-forwarded-proto']}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  pods.set(ip, { server, port: (server.address() as AddressInfo).port });
}

function get(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ts.server.ingress?.httpPort, path, headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function service(name: string, endpoints: string[], port: { name: string; port: number }): Promise<void> {
  await ts.server.client.create(resources.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: port.name, port: port.port, targetPort: 8080, protocol: 'TCP' }] } });
  await ts.server.client.create(resources.endpointslices, NS, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-manual`, namespace: NS, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'lite.test' } },
    addressType: 'IPv4',
    ports: [{ name: port.name, port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'n1' })),
  });
}

async function ingress(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Promise<KubeObject> {
  return ts.server.client.create(INGRESSES, NS, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) }, spec });
}

const rule = (host: string | undefined, paths: { path: string; svc: string; port: number | string; pathType?: string }[]) => ({
  ...(host ? { host } : {}),
  http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: p.svc, port: typeof p.port === 'number' ? { number: p.port } : { name: p.port } } } })) },
});

beforeAll(async () => {
  ts = await startTestServer({ ingress: true });
  await ts.server.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await podServer('10.42.7.11', 'web-1');
  await podServer('10.42.7.12', 'web-2');
  await podServer('10.42.7.21', 'api');
  unregister = await startLoopbackNode(ts, { name: 'n1', podCidr: '10.42.7.0/24', nodeIp: '10.99.0.1', route: (host, port) => (port === 8080 ? pods.get(host)?.port : undefined) });
  await service('web', ['10.42.7.11', '10.42.7.12'], { name: 'http', port: 80 });
  await service('api', ['10.42.7.21'], { name: 'http', port: 8000 });
  await service('dead', ['10.42.7.99'], { name: 'http', port: 80 });
  const ca = await createCertificateAuthority({ commonName: 'shop-ca', validDays: 1, clock: systemClock });
  caPem = ca.certPem;
  const leaf = await issueCertificate({ usage: 'server', commonName: 'shop.example.com', dnsNames: ['shop.example.com'], validDays: 1, clock: systemClock, issuer: ca });
  await ts.server.client.create(SECRETS, NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-tls', namespace: NS }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(leaf.certPem).toString('base64'), 'tls.key': Buffer.from(leaf.keyPem).toString('base64') } });
});

afterAll(async () => {
  unregister();
  await ts?.stop();
  for (const p of pods.values()) await new Promise<void>((r) => p.server.close(() => r()));
});

describe('the ingress controller', () => {
  it('creates the default lite IngressClass, which class-less Ingresses get on create', async () => {
    const cls = await waitFor('the lite IngressClass', () => ts.server.client.get({ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' }, undefined, 'lite').catch(() => undefined));
    expect(cls.spec).toEqual({ controller: 'lite.dev/ingress-controller' });
    expect(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class']).toBe('true');
    const created = await ingress('shop', { rules: [rule('shop.example.com', [{ path: '/', svc: 'web', port: 80 }, { path: '/api', svc: 'api', port: 'http' }])], tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] });
    expect((created.spec as { ingressClassName?: string }).ingressClassName).toBe('lite');
  });

  it('routes by host and path, round-robin over ready endpoints, and writes its address into the status', async () => {
    const first = await waitFor('the route', async () => {
      const r = await get('shop.example.com', '/cart');
      return r.status === 200 ? r : undefined;
    });
    const second = await get('shop.example.com', '/cart');
    expect([first.body, second.body].sort()).toEqual(['web-1 /cart shop.example.com http', 'web-2 /cart shop.example.com http']);
    expect((await get('shop.example.com', '/api/items?x=1')).body).toBe('api /api/items?x=1 shop.example.com http');
    expect(await get('elsewhere.example.com', '/')).toEqual({ status: 404, body: '404 page not found\n' });
    const withStatus = await waitFor('the Ingress status', async () => {
      const i = await ts.server.client.get(INGRESSES, NS, 'shop');
      return (i.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress?.length ? i : undefined;
    });
    expect((withStatus.status as { loadBalancer: { ingress: { ip: string }[] } }).loadBalancer.ingress).toHaveLength(1);
  });

  it('serves HTTPS with the Ingress’s TLS Secret for its host', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: ts.server.ingress?.httpsPort, servername: 'shop.example.com', path: '/secure', headers: { host: 'shop.example.com' }, ca: caPem, agent: false }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^web-\d \/secure shop\.example\.com https$/);
  });

  it('ignores Ingresses of other classes; answers 503 without endpoints and 502 for unreachable ones; follows changes', async () => {
    await ingress('nginx-only', { ingressClassName: 'nginx', rules: [rule('nginx.example.com', [{ path: '/', svc: 'web', port: 80 }])] });
    await ingress('legacy', { rules: [rule('legacy.example.com', [{ path: '/', svc: 'web', port: 80 }])] }, { 'kubernetes.io/ingress.class': 'nginx' });
    await ingress('broken', { rules: [rule('broken.example.com', [{ path: '/none', svc: 'missing', port: 80 }, { path: '/dead', svc: 'dead', port: 80 }])] });
    await waitFor('the broken Ingress to be served', async () => (await get('broken.example.com', '/none')).status === 503);
    expect((await get('nginx.example.com', '/')).status).toBe(404);
    expect((await get('legacy.example.com', '/')).status).toBe(404);
    expect(await get('broken.example.com', '/dead')).toEqual({ status: 502, body: 'Bad Gateway' });

    // A new path on the existing Ingress, then the Ingress's deletion.
    const current = await ts.server.client.get(INGRESSES, NS, 'broken');
    await ts.server.client.update(INGRESSES, NS, { ...current, spec: { rules: [rule('broken.example.com', [{ path: '/fixed', pathType: 'Exact', svc: 'api', port: 8000 }])] } });
    await waitFor('the updated route', async () => (await get('broken.example.com', '/fixed')).status === 200);
    expect((await get('broken.example.com', '/fixed/more')).status).toBe(404);
    await ts.server.client.delete(INGRESSES, NS, 'broken');
    await waitFor('the route to go', async () => (await get('broken.example.com', '/fixed')).status === 404);
  });
});
