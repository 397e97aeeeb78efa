import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isGlobalUnicastV4, nodeLocation, podLocation, serviceLocation, splitSchemeNamePort, type ProxyObjects } from './proxy-location.js';
import { rewriteHtml, rewriteUrl } from './proxy.js';

function objects(o: { pods?: KubeObject[]; services?: KubeObject[]; slices?: KubeObject[]; nodes?: KubeObject[] }): ProxyObjects {
  const find = (list: KubeObject[] | undefined, resource: string, name: string) => {
    const found = list?.find((x) => x.metadata.name === name);
    if (!found) throw ApiError.notFound({ group: '', resource }, name);
    return Promise.resolve(found);
  };
  return {
    getPod: (_ns, name) => find(o.pods, 'pods', name),
    getService: (_ns, name) => find(o.services, 'services', name),
    getNode: (name) => find(o.nodes, 'nodes', name),
    serviceSlices: async (_ns, svc) => (o.slices ?? []).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc),
  };
}

async function error(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an ApiError');
}

const pod = (name: string, ip: string | undefined, ports: number[] = [], node = 'n1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: node, containers: [{ name: 'a' }, { name: 'b', ports: ports.map((p, i) => ({ containerPort: p, name: `port${i}` })) }] },
  status: ip ? { podIP: ip } : {},
});

const service = (name: string, ports: { name?: string; port: number }[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports } });

const slice = (svc: string, ports: { name?: string; port: number }[], endpoints: { ip: string; ready?: boolean; node?: string }[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports,
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: e.ready === undefined ? {} : { ready: e.ready }, ...(e.node ? { nodeName: e.node } : {}) })),
});

describe('splitSchemeNamePort', () => {
  it('accepts name, name:port and scheme:name:port with scheme http or https', () => {
    expect(splitSchemeNamePort('web')).toEqual({ scheme: '', name: 'web', port: '' });
    expect(splitSchemeNamePort('web:80')).toEqual({ scheme: '', name: 'web', port: '80' });
    expect(splitSchemeNamePort('https:web:443')).toEqual({ scheme: 'https', name: 'web', port: '443' });
    expect(splitSchemeNamePort('http:web:')).toEqual({ scheme: 'http', name: 'web', port: '' });
    expect(splitSchemeNamePort('ftp:web:21')).toBeUndefined();
    expect(splitSchemeNamePort(':80')).toBeUndefined();
    expect(splitSchemeNamePort('a:b:c:d')).toBeUndefined();
  });
});

describe('isGlobalUnicastV4', () => {
  it('refuses loopback, unspecified, link-local, multicast and broadcast addresses (Go IsGlobalUnicast)', () => {
    expect(isGlobalUnicastV4('10.42.0.5')).toBe(true);
    expect(isGlobalUnicastV4('192.168.1.1')).toBe(true);
    for (const ip of ['127.0.0.1', '0.0.0.0', '169.254.1.1', '224.0.0.1', '255.255.255.255', '', 'fe80::1', 'web']) expect(isGlobalUnicastV4(ip), ip).toBe(false);
  });
});

describe('podLocation', () => {
  const o = objects({ pods: [pod('web', '10.42.0.5', [8080, 9090]), pod('bare', '10.42.0.6'), pod('noip', undefined), pod('local', '127.0.0.1', [80])] });
  it('takes the given port, else the first declared container port, else the scheme default', async () => {
    expect(await podLocation(o, 'default', 'web:81')).toEqual({ kind: 'backend', scheme: 'http', host: '10.42.0.5', port: 81, node: 'n1' });
    expect(await podLocation(o, 'default', 'web')).toMatchObject({ port: 8080 });
    expect(await podLocation(o, 'default', 'https:web:')).toMatchObject({ scheme: 'https', port: 8080 });
    expect(await podLocation(o, 'default', 'bare')).toMatchObject({ scheme: 'http', port: 80 });
    expect(await podLocation(o, 'default', 'https:bare:')).toMatchObject({ scheme: 'https', port: 443 });
    expect(await podLocation(o, 'default', 'web:port1')).toMatchObject({ port: 9090 });
  });
  it('answers the upstream errors', async () => {
    expect(await error(podLocation(o, 'default', 'noip'))).toEqual({ code: 400, message: 'address not allowed' });
    expect(await error(podLocation(o, 'default', 'local'))).toEqual({ code: 400, message: 'address not allowed' });
    expect(await error(podLocation(o, 'default', 'gone'))).toEqual({ code: 404, message: 'pods "gone" not found' });
    expect(await error(podLocation(o, 'default', 'x:y:z:w'))).toEqual({ code: 400, message: 'invalid pod request "x:y:z:w"' });
    expect(await error(podLocation(o, 'default', 'web:nosuch'))).toEqual({ code: 503, message: 'error trying to reach service: dial tcp: lookup tcp/nosuch: unknown port' });
  });
});

describe('serviceLocation', () => {
  const o = objects({
    services: [service('web', [{ name: 'http', port: 80 }, { name: 'admin', port: 9000 }]), service('plain', [{ port: 80 }]), service('empty', [{ name: 'http', port: 80 }]), service('notready', [{ name: 'http', port: 80 }]), service('noslices', [{ port: 80 }])],
    slices: [
      slice('empty', [], []),
      slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.42.0.5', node: 'n1' }, { ip: '10.42.1.5', node: 'n2' }, { ip: '10.42.2.5', ready: false, node: 'n3' }]),
      slice('plain', [{ port: 8080 }], [{ ip: '10.42.0.7' }]),
      slice('notready', [{ name: 'http', port: 8080 }], [{ ip: '10.42.0.8', ready: false }]),
    ],
  });
  it('maps a port number to its name and picks among ready endpoints', async () => {
    expect(await serviceLocation(o, 'default', 'web:80', () => 0)).toEqual({ kind: 'backend', scheme: 'http', host: '10.42.0.5', port: 8080, node: 'n1' });
    expect(await serviceLocation(o, 'default', 'https:web:http', () => 1)).toEqual({ kind: 'backend', scheme: 'https', host: '10.42.1.5', port: 8080, node: 'n2' });
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(((await serviceLocation(o, 'default', 'web:http')) as { host: string }).host);
    expect([...seen].sort()).toEqual(['10.42.0.5', '10.42.1.5']);
    expect(await serviceLocation(o, 'default', 'plain')).toMatchObject({ host: '10.42.0.7', port: 8080 });
  });
  it('answers the upstream errors', async () => {
    expect(await error(serviceLocation(o, 'default', 'empty'))).toEqual({ code: 503, message: 'no endpoints available for service "empty"' });
    expect(await error(serviceLocation(o, 'default', 'notready:http'))).toEqual({ code: 503, message: 'no endpoints available for service "notready:http"' });
    expect(await error(serviceLocation(o, 'default', 'web:admin'))).toEqual({ code: 503, message: 'no endpoints available for service "web:admin"' });
    expect(await error(serviceLocation(o, 'default', 'web:81'))).toEqual({ code: 503, message: 'no service port 81 found for service "web"' });
    expect(await error(serviceLocation(o, 'default', 'gone:80'))).toEqual({ code: 404, message: 'services "gone" not found' });
    expect(await error(serviceLocation(o, 'default', 'gone'))).toEqual({ code: 404, message: 'endpoints "gone" not found' });
    expect(await error(serviceLocation(o, 'default', 'noslices:80'))).toEqual({ code: 404, message: 'endpoints "noslices" not found' });
    expect(await error(serviceLocation(o, 'default', 'tcp:web:80'))).toEqual({ code: 400, message: 'invalid service request "tcp:web:80"' });
  });
});

describe('nodeLocation', () => {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: { addresses: [{ type: 'Hostname', address: 'host1' }, { type: 'InternalIP', address: '192.168.5.10' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } },
  };
  const loop: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'loop' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } };
  const o = objects({ nodes: [node, loop, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' }, status: {} }] });
  it('is the kubelet for no port or the kubelet port, else the node address', async () => {
    expect(await nodeLocation(o, 'n1')).toEqual({ kind: 'kubelet', node: 'n1' });
    expect(await nodeLocation(o, 'https:n1:10250')).toEqual({ kind: 'kubelet', node: 'n1' });
    expect(await nodeLocation(o, 'n1:9100')).toEqual({ kind: 'backend', scheme: 'http', host: '192.168.5.10', port: 9100, node: 'n1' });
  });
  it('answers the upstream errors', async () => {
    expect(await error(nodeLocation(o, 'gone'))).toEqual({ code: 404, message: 'nodes "gone" not found' });
    expect(await error(nodeLocation(o, 'a:b:c:d'))).toEqual({ code: 400, message: 'invalid node request "a:b:c:d"' });
    expect((await error(nodeLocation(o, 'bare:9100'))).code).toBe(503);
    // upstream IsProxyableIP: not the node's loopback (its kubelet, reached over the agent connection, is fine).
    expect(await error(nodeLocation(o, 'loop:9100'))).toEqual({ code: 400, message: 'address not allowed' });
    expect(await nodeLocation(o, 'loop')).toEqual({ kind: 'kubelet', node: 'loop' });
  });
});

describe('rewriteUrl (upstream Transport.rewriteURL)', () => {
  const prefix = '/api/v1/namespaces/default/services/web:80/proxy';
  it('moves absolute paths on the backend or request host under the prefix, dropping scheme and host', () => {
    expect(rewriteUrl('/target?x=1#f', prefix, '10.42.0.5:8080', 'localhost:8001')).toBe(`${prefix}/target?x=1#f`);
    expect(rewriteUrl('http://10.42.0.5:8080/a/', prefix, '10.42.0.5:8080', 'localhost:8001')).toBe(`${prefix}/a/`);
    expect(rewriteUrl('http://localhost:8001/a', prefix, '10.42.0.5:8080', 'localhost:8001')).toBe(`${prefix}/a`);
    expect(rewriteUrl(`${prefix}/already`, prefix, '10.42.0.5:8080', undefined)).toBe(`${prefix}/already`);
  });
  it('leaves relative references and other hosts alone', () => {
    expect(rewriteUrl('page.html', prefix, '10.42.0.5:8080', undefined)).toBe('page.html');
    expect(rewriteUrl('https://example.com/x', prefix, '10.42.0.5:8080', undefined)).toBe('https://example.com/x');
  });
});

describe('rewriteHtml', () => {
  it('rewrites URL attributes of known tags only, quoted or not', () => {
    const r = (u: string) => (u.startsWith('/') ? `/p${u}` : u);
    expect(rewriteHtml('<a class="x" href="/a">a</a><img src=/i.png alt="/not"><div href="/no"></div><link href=\'/s.css\'>', r)).toBe(
      '<a class="x" href="/p/a">a</a><img src=/p/i.png alt="/not"><div href="/no"></div><link href=\'/p/s.css\'>',
    );
  });
  it('leaves comments and script text alone but rewrites a script src', () => {
    const r = (u: string) => `/p${u}`;
    expect(rewriteHtml('<!-- <a href="/c"> --><script src="/j.js">document.write("<a href=\'/x\'>")</script><a href="/y">', r)).toBe(
      '<!-- <a href="/c"> --><script src="/p/j.js">document.write("<a href=\'/x\'>")</script><a href="/p/y">',
    );
  });
});
