/**
 * API aggregation in process: the automanaged local APIServices, the trust ConfigMap, and an
 * extension API server (src/aggregator/testing) on a non-loopback address of this host behind a
 * selector-less Service — availability, discovery, the proxy with front-proxy headers, RBAC
 * before proxying, broken backends, and CRD groups' APIServices.
 */
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAddressForBackends, startExtensionApiServer, type TestExtensionApiServer } from '../../src/aggregator/testing/extension-apiserver.js';
import { rawRequest, startTestServer, waitFor, type RawResponse, type TestServer } from './helpers.js';

const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const NS = 'wardle';
const APISERVICES = '/apis/apiregistration.k8s.io/v1/apiservices';
const FLUNDERS = `/apis/wardle.example.com/v1alpha1/namespaces/${NS}/flunders`;

let t: TestServer;
let ext: TestExtensionApiServer | undefined;

async function post(path: string, body: unknown): Promise<RawResponse> {
  return rawRequest(t.server, { method: 'POST', path, body: JSON.stringify(body) });
}

function available(res: RawResponse): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = (res.json?.status?.conditions ?? []) as { type: string; status: string; reason: string; message: string }[];
  return conditions.find((c) => c.type === 'Available');
}

async function waitForAvailable(name: string, status: string, reason: string): Promise<{ message?: string }> {
  return waitFor(`APIService ${name} Available=${status} (${reason})`, async () => {
    const c = available(await rawRequest(t.server, { path: `${APISERVICES}/${name}` }));
    return c && c.status === status && c.reason === reason ? c : undefined;
  }, 20_000);
}

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await ext?.close();
  await t?.stop();
});

describe('local APIServices', () => {
  it('lists every served group version as a Local, available APIService', async () => {
    const local = await waitForAvailable('v1.apps', 'True', 'Local');
    expect(local.message).toBe('Local APIServices are always available');
    const core = (await rawRequest(t.server, { path: `${APISERVICES}/v1.` })).json;
    expect(core.spec).toMatchObject({ version: 'v1' });
    expect(core.spec.service ?? null).toBeNull();
    expect(core.metadata.labels['kube-aggregator.kubernetes.io/automanaged']).toBe('onstart');
  });

  it('publishes the front proxy trust in kube-system/extension-apiserver-authentication', async () => {
    const cm = (await rawRequest(t.server, { path: '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication' })).json;
    expect(cm.data['requestheader-client-ca-file']).toContain('BEGIN CERTIFICATE');
    expect(cm.data['client-ca-file']).toContain('BEGIN CERTIFICATE');
    expect(JSON.parse(cm.data['requestheader-allowed-names'])).toEqual(['system:auth-proxy']);
    expect(JSON.parse(cm.data['requestheader-username-headers'])).toEqual(['X-Remote-User']);
    const role = await rawRequest(t.server, { path: '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader' });
    expect(role.status).toBe(200);
  });

  it('gives a CRD group an automanaged APIService that goes with the CRD', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.toys.example.com' },
      spec: {
        group: 'toys.example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    expect((await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    await waitForAvailable('v1.toys.example.com', 'True', 'Local');
    const svc = (await rawRequest(t.server, { path: `${APISERVICES}/v1.toys.example.com` })).json;
    expect(svc.metadata.labels['kube-aggregator.kubernetes.io/automanaged']).toBe('true');
    expect(svc.spec).toMatchObject({ group: 'toys.example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 });
    // Kept in line continuously: an edit is undone.
    const edited = await rawRequest(t.server, { method: 'PUT', path: `${APISERVICES}/v1.toys.example.com`, body: JSON.stringify({ ...svc, spec: { ...svc.spec, versionPriority: 1 } }) });
    expect(edited.status).toBe(200);
    await waitFor('the edit to be undone', async () => (await rawRequest(t.server, { path: `${APISERVICES}/v1.toys.example.com` })).json.spec.versionPriority === 100);
    await rawRequest(t.server, { method: 'DELETE', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.toys.example.com' });
    await waitFor('the CRD group APIService to go', async () => (await rawRequest(t.server, { path: `${APISERVICES}/v1.toys.example.com` })).status === 404, 20_000);
  });
});

describe('an APIService behind a Service', () => {
  beforeAll(async () => {
    const cm = (await rawRequest(t.server, { path: '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication' })).json;
    ext = await startExtensionApiServer({ requestHeaderCaPem: cm.data['requestheader-client-ca-file'], serverNames: [`wardle-api.${NS}.svc`] });
    expect((await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status).toBe(201);
    expect((await post(`/api/v1/namespaces/${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wardle-api' }, spec: { ports: [{ port: 443, targetPort: ext.port }] } })).status).toBe(201);
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'wardle-api-1', labels: { 'kubernetes.io/service-name': 'wardle-api' } }, addressType: 'IPv4', endpoints: [{ addresses: [hostAddressForBackends()] }], ports: [{ name: '', port: ext.port, protocol: 'TCP' }] };
    expect((await post(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, slice)).status).toBe(201);
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1alpha1.wardle.example.com' },
      spec: { group: 'wardle.example.com', version: 'v1alpha1', service: { namespace: NS, name: 'wardle-api', port: 443 }, caBundle: ext.caBundle, groupPriorityMinimum: 1000, versionPriority: 15 },
    };
    expect((await post(APISERVICES, apiService)).status).toBe(201);
  });

  it('becomes Available once the discovery check passes', async () => {
    const c = await waitForAvailable('v1alpha1.wardle.example.com', 'True', 'Passed');
    expect(c.message).toBe('all checks passed');
    const check = ext?.requests.find((r) => r.path === '/apis/wardle.example.com/v1alpha1');
    expect(check).toMatchObject({ user: 'system:kube-aggregator', clientCommonName: 'system:auth-proxy' });
    expect(check?.groups).toContain('system:masters');
  });

  it('lists the backend group in legacy and aggregated discovery', async () => {
    const apis = await waitFor('wardle in /apis', async () => {
      const r = await rawRequest(t.server, { path: '/apis' });
      return (r.json.groups as { name: string }[]).some((g) => g.name === 'wardle.example.com') ? r : undefined;
    });
    expect((apis.json.groups as { name: string; preferredVersion: { groupVersion: string } }[]).find((g) => g.name === 'wardle.example.com')?.preferredVersion.groupVersion).toBe('wardle.example.com/v1alpha1');
    const group = await rawRequest(t.server, { path: '/apis/wardle.example.com' });
    expect(group.json).toMatchObject({ kind: 'APIGroup', name: 'wardle.example.com' });
    const aggregated = await rawRequest(t.server, { path: '/apis', headers: { Accept: AGGREGATED_V2 } });
    const item = (aggregated.json.items as { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string; scope: string }[] }[] }[]).find((i) => i.metadata.name === 'wardle.example.com');
    expect(item?.versions[0]).toMatchObject({ version: 'v1alpha1', freshness: 'Current' });
    expect(item?.versions[0].resources.map((r) => r.resource)).toContain('flunders');
    const resourceList = await rawRequest(t.server, { path: '/apis/wardle.example.com/v1alpha1' });
    expect(resourceList.json).toMatchObject({ kind: 'APIResourceList', groupVersion: 'wardle.example.com/v1alpha1' });
  });

  it('serves the backend OpenAPI v3 document of the group version in /openapi/v3', async () => {
    const url = await waitFor('wardle in the OpenAPI v3 index', async () => (await rawRequest(t.server, { path: '/openapi/v3' })).json.paths['apis/wardle.example.com/v1alpha1']?.serverRelativeURL as string | undefined);
    expect(url).toMatch(/^\/openapi\/v3\/apis\/wardle\.example\.com\/v1alpha1\?hash=[0-9A-F]{64}$/);
    const doc = await rawRequest(t.server, { path: url });
    expect(doc.status).toBe(200);
    expect(doc.json.components.schemas['com.example.wardle.v1alpha1.Flunder']['x-kubernetes-group-version-kind']).toEqual([{ group: 'wardle.example.com', kind: 'Flunder', version: 'v1alpha1' }]);
    expect(doc.headers.etag).toBe(`"${url.split('hash=')[1]}"`);
  });

  it('proxies requests with the user in the front-proxy headers, never the caller credentials', async () => {
    const created = await post(FLUNDERS, { apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name: 'one' } });
    expect(created.status).toBe(201);
    const seen = ext?.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/flunders')).at(-1);
    expect(seen?.user).toBe(created.json.metadata.annotations['wardle.example.com/created-by']);
    expect(seen?.groups).toContain('system:masters');
    expect(seen?.authorization).toBe(false);
    expect(seen?.clientCommonName).toBe('system:auth-proxy');
    const got = await rawRequest(t.server, { path: `${FLUNDERS}/one` });
    expect(got.status).toBe(200);
    expect(got.json.metadata.name).toBe('one');
    const missing = await rawRequest(t.server, { path: `${FLUNDERS}/none` });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('relays a connection upgrade to the backend, with the front-proxy headers', async () => {
    let received = '';
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1',
        port: t.server.port,
        path: `${FLUNDERS}/one/echo`,
        headers: { Authorization: `Bearer ${t.server.adminToken}`, Connection: 'Upgrade', Upgrade: 'echo-test' },
        ca: t.server.caCertPem,
        agent: false,
      });
      req.on('upgrade', (res, upgraded, head: Buffer) => {
        // Bytes that came with the 101 answer.
        received += head.toString('utf8');
        if (res.statusCode === 101) resolve(upgraded);
        else reject(new Error(`status ${res.statusCode}`));
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    try {
      socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
      const seen = ext?.requests.at(-1);
      expect(seen).toMatchObject({ path: `${FLUNDERS}/one/echo`, clientCommonName: 'system:auth-proxy', authorization: false, status: 101 });
      await waitFor('the greeting', () => received.startsWith(`hello ${seen?.user ?? ''}\n`));
      socket.write('ping\n');
      await waitFor('the echo', () => received.endsWith('ping\n'));
    } finally {
      socket.destroy();
    }
  });

  it('authorizes before proxying: a user without RBAC never reaches the backend', async () => {
    const before = ext?.requests.length ?? 0;
    const res = await rawRequest(t.server, { path: FLUNDERS, headers: { 'Impersonate-User': 'jane' } });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe(`flunders.wardle.example.com is forbidden: User "jane" cannot list resource "flunders" in API group "wardle.example.com" in the namespace "${NS}"`);
    expect(ext?.requests.length).toBe(before);
  });

  it('answers 503 while the Service has no endpoints', async () => {
    expect((await rawRequest(t.server, { method: 'DELETE', path: `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices/wardle-api-1` })).status).toBe(200);
    const c = await waitForAvailable('v1alpha1.wardle.example.com', 'False', 'EndpointsNotFound');
    expect(c.message).toBe(`cannot find endpoints for service/wardle-api in "${NS}"`);
    const res = await rawRequest(t.server, { path: FLUNDERS });
    expect(res.status).toBe(503);
    expect(res.text).toBe('service unavailable\n');
  });

  it('reports a Service that does not exist', async () => {
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.nowhere.example.com' },
      spec: { group: 'nowhere.example.com', version: 'v1beta1', service: { namespace: NS, name: 'absent' }, insecureSkipTLSVerify: true, groupPriorityMinimum: 1000, versionPriority: 15 },
    };
    expect((await post(APISERVICES, apiService)).status).toBe(201);
    const c = await waitForAvailable('v1beta1.nowhere.example.com', 'False', 'ServiceNotFound');
    expect(c.message).toBe(`service/absent in "${NS}" is not present`);
  });

  it('stops serving the group once the APIService is deleted', async () => {
    expect((await rawRequest(t.server, { method: 'DELETE', path: `${APISERVICES}/v1alpha1.wardle.example.com` })).status).toBe(200);
    await waitFor('the group to leave /apis', async () => {
      const r = await rawRequest(t.server, { path: '/apis' });
      return !(r.json.groups as { name: string }[]).some((g) => g.name === 'wardle.example.com');
    });
    expect((await rawRequest(t.server, { path: FLUNDERS })).status).toBe(404);
  });
});
