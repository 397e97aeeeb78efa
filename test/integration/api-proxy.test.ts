/**
 * pods/proxy, services/proxy and nodes/proxy through the in-process server: node n1's kubelet is
 * a KubeletServer on the simulated runtime, registered as n1's in-process connection (as the
 * embedded agent does). Its CONNECT /dial is the real code path; only its TCP dialer is
 * replaced, mapping the pod IP 10.42.7.5:8080 to a loopback HTTP server standing in for the pod
 * (a pod IP of 127.0.0.1 is refused by the API, as upstream's "address not allowed").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { createCertificateAuthority } from '../../src/pki/issue-certificate.js';
import { systemClock } from '../../src/util/clock.js';
import { rawRequest, startLoopbackNode, startTestServer, type RawRequest, type TestServer } from './helpers.js';

let ts: TestServer;
let backend: Server;
let backendPort = 0;
let tlsBackend: Server;
let tlsPort = 0;
let unregister: () => void = () => undefined;
const NS = 'proxy';
const POD_IP = '10.42.7.5';
const dials: string[] = [];
/** Requests the backend saw, newest last. */
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let streamGone: Promise<void> = Promise.resolve();
let releaseStream: () => void = () => undefined;

function backendHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const url = req.url ?? '';
    if (url === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*', 'X-Backend': 'yes' });
      res.end('hello from the pod\n');
    } else if (url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<html><body><a href="/docs/">docs</a> <a href="rel.html">rel</a> <img src="http://elsewhere.example/x.png"><script>var s = "<a href=\'/no\'>";</script></body></html>');
    } else if (url === '/gz.html') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
      res.end(gzipSync('<a href="/zipped">z</a>'));
    } else if (url === '/big.html') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<a href="/big">b</a>${'x'.repeat(17 * 1024 * 1024)}`);
    } else if (url === '/redirect') {
      res.writeHead(302, { Location: '/target?x=1' });
      res.end();
    } else if (url.startsWith('/echo')) {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url, body }));
    } else if (url === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first\n');
      streamGone = new Promise<void>((resolve) => res.once('close', () => resolve()));
      releaseStream = () => res.end('last\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('no such page\n');
    }
  });
}

function get(path: string, extra: Partial<RawRequest> = {}) {
  return rawRequest(ts.server, { path, headers: { Accept: '*/*' }, ...extra });
}

async function createNode(name: string, podCidr: string, labels: Record<string, string> = {}): Promise<void> {
  const node = await ts.server.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { podCIDR: podCidr, podCIDRs: [podCidr] } });
  await ts.server.client.update(resources.nodes, undefined, { ...node, status: { addresses: [{ type: 'InternalIP', address: `10.99.0.${name === 'n1' ? 1 : 2}` }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } }, { subresource: 'status' });
}

async function createPod(name: string, node: string, ip: string | undefined, ports: number[] = [8080]): Promise<KubeObject> {
  const pod = await ts.server.client.create(resources.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox', ports: ports.map((p) => ({ containerPort: p, name: p === 8080 ? 'web' : `p${p}` })) }] },
  });
  if (!ip) return pod;
  return ts.server.client.update(resources.pods, NS, { ...pod, status: { ...(pod.status as object), phase: 'Running', podIP: ip, podIPs: [{ ip }] } }, { subresource: 'status' });
}

async function createService(name: string, endpoints: { ip: string; node: string }[] | undefined, port: { name: string; port: number; targetPort: number }): Promise<void> {
  await ts.server.client.create(resources.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: port.name, port: port.port, targetPort: port.targetPort, protocol: 'TCP' }] } });
  if (!endpoints) return;
  await ts.server.client.create(resources.endpointslices, NS, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-manual`, namespace: NS, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'lite.test' } },
    addressType: 'IPv4',
    ports: [{ name: port.name, port: port.targetPort, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true }, nodeName: e.node })),
  });
}

beforeAll(async () => {
  backend = createServer(backendHandler);
  const wss = new WebSocketServer({ noServer: true });
  backend.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo: ${m.toString()}`)));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  backendPort = (backend.address() as AddressInfo).port;
  // An HTTPS port of the same pod (self-signed: upstream's proxy does not verify pod certificates).
  const cert = await createCertificateAuthority({ commonName: 'pod', validDays: 1, clock: systemClock });
  tlsBackend = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, backendHandler);
  await new Promise<void>((r) => tlsBackend.listen(0, '127.0.0.1', () => r()));
  tlsPort = (tlsBackend.address() as AddressInfo).port;

  ts = await startTestServer();
  await ts.server.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await createNode('sim1', '10.42.8.0/24', { 'lite.dev/simulated': 'true' });
  unregister = await startLoopbackNode(ts, {
    name: 'n1',
    podCidr: '10.42.7.0/24',
    nodeIp: '10.99.0.1',
    route: (host, port) => {
      dials.push(`${host}:${port}`);
      if (host !== POD_IP || (port !== 8080 && port !== 8443)) return undefined;
      return port === 8443 ? tlsPort : backendPort;
    },
  });
  await createPod('web', 'n1', POD_IP);
  await createPod('pending', 'n1', undefined);
  await createPod('simpod', 'sim1', '10.42.8.5');
  await createPod('lonely', 'n2', '10.42.9.5');
  await createService('web', [{ ip: POD_IP, node: 'n1' }], { name: 'http', port: 80, targetPort: 8080 });
  await createService('empty', [], { name: 'http', port: 80, targetPort: 8080 });
  await createService('selectorless', undefined, { name: 'http', port: 80, targetPort: 8080 });
});

afterAll(async () => {
  unregister();
  await ts?.stop();
  await new Promise<void>((r) => backend?.close(() => r()));
  await new Promise<void>((r) => tlsBackend?.close(() => r()));
});

const SVC = `/api/v1/namespaces/${NS}/services`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

describe('services/proxy', () => {
  it('reaches a ready endpoint by port number and by port name; headers pass, CORS and hop-by-hop do not', async () => {
    for (const id of ['web:80', 'web:http', 'http:web:80']) {
      const res = await get(`${SVC}/${id}/proxy/index.html`);
      expect(res.status, id).toBe(200);
      expect(res.text).toBe('hello from the pod\n');
      expect(res.headers['x-backend']).toBe('yes');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const last = seen[seen.length - 1];
    expect(last.url).toBe('/index.html');
    expect(last.headers.authorization).toBeUndefined();
    expect(last.headers['x-forwarded-uri']).toBe(`${SVC}/http:web:80/proxy/index.html`);
    expect(last.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(dials.every((d) => d === `${POD_IP}:8080`)).toBe(true);
  });

  it('redirects .../proxy without a trailing slash (GET, HEAD), keeping the query', async () => {
    const res = await get(`${SVC}/web:80/proxy?a=b`);
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`${SVC}/web:80/proxy/?a=b`);
  });

  it('passes methods, bodies and queries through', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await get(`${SVC}/web:80/proxy/echo?q=1&q=2`, { method, body: `body of ${method}`, headers: { 'Content-Type': 'text/plain' } });
      expect(res.status).toBe(201);
      expect(res.json).toEqual({ method, url: '/echo?q=1&q=2', body: `body of ${method}` });
    }
    const head = await get(`${SVC}/web:80/proxy/index.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const options = await get(`${SVC}/web:80/proxy/echo`, { method: 'OPTIONS' });
    expect(options.json.method).toBe('OPTIONS');
  });

  it('answers the backend status (404) as it is', async () => {
    const res = await get(`${SVC}/web:80/proxy/missing`);
    expect(res.status).toBe(404);
    expect(res.text).toBe('no such page\n');
  });

  it('rewrites a redirect on the backend host under the proxy prefix', async () => {
    const res = await get(`${SVC}/web:80/proxy/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${SVC}/web:80/proxy/target?x=1`);
  });

  it('rewrites absolute links of an HTML page, not relative or foreign ones, nor script text', async () => {
    const res = await get(`${SVC}/web:80/proxy/`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<a href="${SVC}/web:80/proxy/docs/">`);
    expect(res.text).toContain('<a href="rel.html">');
    expect(res.text).toContain('<img src="http://elsewhere.example/x.png">');
    expect(res.text).toContain(`var s = "<a href='/no'>";`);
  });

  it('rewrites gzipped HTML, and passes pages too large to hold through unchanged', async () => {
    const { request } = await import('node:https');
    const raw = await new Promise<{ headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: ts.server.port, path: `${SVC}/web:80/proxy/gz.html`, ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe(`<a href="${SVC}/web:80/proxy/zipped">z</a>`);
    const big = await get(`${SVC}/web:80/proxy/big.html`);
    expect(big.status).toBe(200);
    expect(big.text.length).toBe(17 * 1024 * 1024 + '<a href="/big">b</a>'.length);
    expect(big.text.startsWith('<a href="/big">b</a>xxx')).toBe(true);
  });

  it('streams the answer as it comes and aborts the backend when the client goes away', async () => {
    const { request } = await import('node:https');
    const first = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: ts.server.port, path: `${SVC}/web:80/proxy/stream`, ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` }, agent: false },
        (res) => {
          res.setEncoding('utf8');
          res.once('data', (d: string) => {
            resolve(d);
            req.destroy();
          });
        },
      );
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      req.end();
    });
    expect(first).toBe('first\n');
    await streamGone;
    releaseStream();
  });

  it('relays a WebSocket upgrade', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${ts.server.port}${SVC}/web:80/proxy/ws`, { ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` } });
    const answer = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (m) => resolve(m.toString()));
      ws.once('error', reject);
    });
    expect(answer).toBe('echo: ping');
    ws.close();
  });

  it('answers the upstream errors', async () => {
    const noEndpoints = await get(`${SVC}/empty/proxy/`);
    expect(noEndpoints.status).toBe(503);
    expect(noEndpoints.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', message: 'no endpoints available for service "empty"' });
    const badPortName = await get(`${SVC}/web:nope/proxy/`);
    expect(badPortName.status).toBe(503);
    expect(badPortName.json.message).toBe('no endpoints available for service "web:nope"');
    const badPort = await get(`${SVC}/web:81/proxy/`);
    expect(badPort.status).toBe(503);
    expect(badPort.json.message).toBe('no service port 81 found for service "web"');
    const invalid = await get(`${SVC}/ftp:web:80/proxy/`);
    expect(invalid.status).toBe(400);
    expect(invalid.json.message).toBe('invalid service request "ftp:web:80"');
    const missing = await get(`${SVC}/nosuch:80/proxy/`);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('services "nosuch" not found');
    // Neither pods nor slices: upstream finds no Endpoints object at all.
    const selectorless = await get(`${SVC}/selectorless:80/proxy/`);
    expect(selectorless.status).toBe(404);
    expect(selectorless.json.message).toBe('endpoints "selectorless" not found');
    const missingByName = await get(`${SVC}/nosuch/proxy/`);
    expect(missingByName.status).toBe(404);
    expect(missingByName.json.message).toBe('endpoints "nosuch" not found');
  });
});

describe('pods/proxy', () => {
  it('reaches the pod IP at the given port, or the first declared container port', async () => {
    for (const id of ['web:8080', 'web', 'web:web', 'http:web:8080']) {
      const res = await get(`${PODS}/${id}/proxy/index.html`);
      expect(res.status, id).toBe(200);
      expect(res.text).toBe('hello from the pod\n');
    }
  });

  it('speaks TLS to the pod for the https scheme', async () => {
    const res = await get(`${PODS}/https:web:8443/proxy/index.html`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello from the pod\n');
  });

  it('answers 503 with the dial error of a closed port, and the upstream errors', async () => {
    const refused = await get(`${PODS}/web:9999/proxy/`);
    expect(refused.status).toBe(503);
    expect(refused.json.message).toBe(`error trying to reach service: dial tcp ${POD_IP}:9999: connect: connection refused`);
    const noIp = await get(`${PODS}/pending/proxy/`);
    expect(noIp.status).toBe(400);
    expect(noIp.json.message).toBe('address not allowed');
    const missing = await get(`${PODS}/nosuch/proxy/`);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('pods "nosuch" not found');
    const invalid = await get(`${PODS}/a:b:c:d/proxy/`);
    expect(invalid.status).toBe(400);
    expect(invalid.json.message).toBe('invalid pod request "a:b:c:d"');
  });

  it('answers a clear 503 for pods on simulated nodes and on nodes without an agent', async () => {
    const sim = await get(`${PODS}/simpod:80/proxy/`);
    expect(sim.status).toBe(503);
    expect(sim.json.message).toMatch(/^error trying to reach service: dial tcp 10\.42\.8\.5:80: node "sim1" is a simulated node/);
    const lonely = await get(`${PODS}/lonely:80/proxy/`);
    expect(lonely.status).toBe(503);
    expect(lonely.json.message).toMatch(/node "n2" has no connected agent/);
  });
});

describe('nodes/proxy', () => {
  it("reaches the kubelet's API over the node's connection", async () => {
    const healthz = await get('/api/v1/nodes/n1/proxy/healthz');
    expect(healthz.status).toBe(200);
    expect(healthz.text).toBe('ok');
    const withPort = await get('/api/v1/nodes/https:n1:10250/proxy/healthz');
    expect(withPort.text).toBe('ok');
    const pods = await get('/api/v1/nodes/n1/proxy/pods');
    expect(pods.json).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    const stats = await get('/api/v1/nodes/n1/proxy/stats/summary');
    expect(stats.json.node.nodeName).toBe('n1');
    const unknown = await get('/api/v1/nodes/n1/proxy/nothing-here');
    expect(unknown.status).toBe(404);
    const post = await get('/api/v1/nodes/n1/proxy/healthz', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    const redirect = await get('/api/v1/nodes/n1/proxy');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/api/v1/nodes/n1/proxy/');
  });

  it('answers 404 for a missing node and 503 for a simulated one', async () => {
    const missing = await get('/api/v1/nodes/nosuch/proxy/healthz');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('nodes "nosuch" not found');
    const sim = await get('/api/v1/nodes/sim1/proxy/healthz');
    expect(sim.status).toBe(503);
    expect(sim.json.message).toBe('error trying to reach service: node "sim1" is a simulated node: it has no kubelet API to proxy to');
  });

  it("dials another port at the node's address through its agent", async () => {
    dials.length = 0;
    const res = await get('/api/v1/nodes/n1:9100/proxy/metrics');
    expect(res.status).toBe(503);
    expect(res.json.message).toBe('error trying to reach service: dial tcp 10.99.0.1:9100: connect: connection refused');
    expect(dials).toEqual(['10.99.0.1:9100']);
  });
});

describe('OpenAPI', () => {
  it('has the connect operations of the proxy subresources, with and without a path (v3 and v2)', async () => {
    const index = (await get('/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> };
    const v3 = (await get(index.paths['api/v1'].serverRelativeURL)).json as { paths: Record<string, Record<string, { 'x-kubernetes-action'?: string; 'x-kubernetes-group-version-kind'?: { kind: string } }>> };
    for (const [path, kind] of [
      ['/api/v1/namespaces/{namespace}/pods/{name}/proxy', 'PodProxyOptions'],
      ['/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}', 'PodProxyOptions'],
      ['/api/v1/namespaces/{namespace}/services/{name}/proxy/{path}', 'ServiceProxyOptions'],
      ['/api/v1/nodes/{name}/proxy', 'NodeProxyOptions'],
    ] as const) {
      const item = v3.paths[path];
      expect(Object.keys(item).filter((k) => k !== 'parameters').sort(), path).toEqual(['delete', 'get', 'head', 'options', 'patch', 'post', 'put']);
      expect(item.get['x-kubernetes-action']).toBe('connect');
      expect(item.get['x-kubernetes-group-version-kind']?.kind).toBe(kind);
    }
    const v2 = (await get('/openapi/v2', { headers: { Accept: 'application/json' } })).json as { paths: Record<string, object> };
    expect(Object.keys(v2.paths)).toContain('/api/v1/nodes/{name}/proxy/{path}');
  });
});

describe('discovery', () => {
  it('lists pods/proxy, services/proxy and nodes/proxy as kube-apiserver does', async () => {
    const list = (await get('/api/v1')).json as { resources: { name: string; kind: string; verbs: string[]; namespaced: boolean }[] };
    const byName = new Map(list.resources.map((r) => [r.name, r]));
    expect(byName.get('pods/proxy')).toMatchObject({ kind: 'PodProxyOptions', namespaced: true, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
    expect(byName.get('services/proxy')).toMatchObject({ kind: 'ServiceProxyOptions', namespaced: true, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
    expect(byName.get('nodes/proxy')).toMatchObject({ kind: 'NodeProxyOptions', namespaced: false, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
  });
});

