/**
 * /version, legacy and aggregated discovery, and OpenAPI v3 through raw HTTPS requests that trust
 * only the server's CA (notes §2, §3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const KUBECTL_DISCOVERY_ACCEPT = `${AGGREGATED_V2},application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json`;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

/** Parses a media type into type and parameters (order-independent, like mime.ParseMediaType). */
function mediaType(v: unknown): { type: string; params: Record<string, string> } {
  const [type, ...rest] = String(v).split(';').map((s) => s.trim());
  const params: Record<string, string> = {};
  for (const p of rest) {
    const [k, val] = p.split('=');
    params[k.toLowerCase()] = val;
  }
  return { type: type.toLowerCase(), params };
}

describe('/version', () => {
  it('reports Kubernetes 1.32, without authentication', async () => {
    const res = await rawRequest(t.server, { path: '/version', token: null });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({ major: '1', minor: '32' });
    expect(res.json.gitVersion).toMatch(/^v1\.32\.\d+/);
    for (const k of ['gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']) expect(typeof res.json[k]).toBe('string');
  });

  it('the TLS certificate is valid for 127.0.0.1 and chains to the advertised CA', async () => {
    // rawRequest verifies the chain against server.caCertPem and the host name 127.0.0.1.
    const res = await rawRequest(t.server, { path: '/healthz', token: null });
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    const ready = await rawRequest(t.server, { path: '/readyz?verbose', token: null });
    expect(ready.status).toBe(200);
    expect(ready.text).toContain('[+]bootstrap-objects ok');
  });
});

describe('legacy discovery', () => {
  it('/api is APIVersions with v1', async () => {
    const res = await rawRequest(t.server, { path: '/api' });
    expect(res.status).toBe(200);
    expect(mediaType(res.headers['content-type']).type).toBe('application/json');
    expect(res.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(res.json.serverAddressByClientCIDRs[0]).toMatchObject({ clientCIDR: '0.0.0.0/0' });
  });

  it('/apis is an APIGroupList with apps/v1 preferred', async () => {
    const res = await rawRequest(t.server, { path: '/apis' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'APIGroupList', apiVersion: 'v1' });
    const apps = res.json.groups.find((g: any) => g.name === 'apps');
    expect(apps).toEqual({ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
    const names = res.json.groups.map((g: any) => g.name);
    expect(names).toEqual(expect.arrayContaining(['apps', 'batch', 'apiextensions.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'authorization.k8s.io', 'authentication.k8s.io']));
    expect(names).not.toContain('');
  });

  it('/apis/apps is an APIGroup', async () => {
    const res = await rawRequest(t.server, { path: '/apis/apps' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'APIGroup', apiVersion: 'v1', name: 'apps', preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
    expect((await rawRequest(t.server, { path: '/apis/nope.example.com' })).status).toBe(404);
  });

  it('/api/v1 lists core resources with verbs, short names and subresources', async () => {
    const res = await rawRequest(t.server, { path: '/api/v1' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    const byName = new Map<string, any>(res.json.resources.map((r: any) => [r.name, r]));
    expect(byName.get('pods')).toMatchObject({ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] });
    expect([...byName.get('pods').verbs].sort()).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    // pods/log, exec, attach and portforward need the node agent, which does not exist yet; only
    // the subresources the server implements today are checked.
    for (const sub of ['pods/status', 'pods/binding', 'pods/eviction']) expect(byName.has(sub), sub).toBe(true);
    expect(byName.get('pods/status')).toMatchObject({ kind: 'Pod', namespaced: true });
    expect(byName.get('pods/eviction')).toMatchObject({ group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    expect(byName.get('pods/ephemeralcontainers')).toEqual({ name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(byName.get('namespaces')).toMatchObject({ namespaced: false, kind: 'Namespace', shortNames: ['ns'] });
    expect(byName.get('namespaces').verbs).not.toContain('deletecollection');
    expect(byName.has('namespaces/finalize')).toBe(true);
    expect(byName.get('nodes')).toMatchObject({ namespaced: false, kind: 'Node', shortNames: ['no'] });
    expect(byName.get('services')).toMatchObject({ shortNames: ['svc'], namespaced: true });
    for (const r of ['configmaps', 'secrets', 'endpoints', 'events', 'serviceaccounts']) expect(byName.has(r), r).toBe(true);
  });

  it('/apis/apps/v1 lists workloads with scale and status subresources', async () => {
    const res = await rawRequest(t.server, { path: '/apis/apps/v1' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'APIResourceList', groupVersion: 'apps/v1' });
    const byName = new Map<string, any>(res.json.resources.map((r: any) => [r.name, r]));
    expect(byName.get('deployments')).toMatchObject({ kind: 'Deployment', namespaced: true, singularName: 'deployment', shortNames: ['deploy'], categories: ['all'] });
    expect(byName.get('deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect([...byName.get('deployments/scale').verbs].sort()).toEqual(['get', 'patch', 'update']);
    expect(byName.get('deployments/status')).toMatchObject({ kind: 'Deployment' });
    expect(byName.get('deployments/status')).not.toHaveProperty('group');
    for (const r of ['replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'controllerrevisions']) expect(byName.has(r), r).toBe(true);
    expect((await rawRequest(t.server, { path: '/apis/apps/v9' })).status).toBe(404);
  });
});

describe('aggregated discovery', () => {
  it('/apis with the v2 Accept echoes the media type and lists groups with resources', async () => {
    const res = await rawRequest(t.server, { path: '/apis', headers: { Accept: KUBECTL_DISCOVERY_ACCEPT } });
    expect(res.status).toBe(200);
    const ct = mediaType(res.headers['content-type']);
    expect(ct.type).toBe('application/json');
    expect(ct.params).toMatchObject({ g: 'apidiscovery.k8s.io', v: 'v2', as: 'APIGroupDiscoveryList' });
    expect(res.json).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const apps = res.json.items.find((i: any) => i.metadata.name === 'apps');
    const v1 = apps.versions[0];
    expect(v1).toMatchObject({ version: 'v1', freshness: 'Current' });
    const dep = v1.resources.find((r: any) => r.resource === 'deployments');
    expect(dep).toMatchObject({ responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'], categories: ['all'] });
    const subs = new Map<string, any>(dep.subresources.map((s: any) => [s.subresource, s]));
    expect(subs.get('scale')).toMatchObject({ responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } });
    expect([...subs.get('scale').verbs].sort()).toEqual(['get', 'patch', 'update']);
    expect(subs.get('status')).toMatchObject({ responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' } });
    // Every resource carries a responseKind (clients drop those without).
    for (const item of res.json.items) for (const v of item.versions) for (const r of v.resources) expect(r.responseKind?.kind, `${item.metadata.name}/${v.version}/${r.resource}`).toBeTruthy();
    expect(res.json.items.some((i: any) => i.metadata.name === '')).toBe(false);
  });

  it('/api with the v2 Accept returns only the core group, in either parameter order', async () => {
    const res = await rawRequest(t.server, { path: '/api', headers: { Accept: 'application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io' } });
    expect(res.status).toBe(200);
    expect(mediaType(res.headers['content-type']).params).toMatchObject({ g: 'apidiscovery.k8s.io', v: 'v2', as: 'APIGroupDiscoveryList' });
    expect(res.json.items).toHaveLength(1);
    expect(res.json.items[0].metadata.name).toBe('');
    const core = res.json.items[0].versions[0];
    expect(core.version).toBe('v1');
    const pods = core.resources.find((r: any) => r.resource === 'pods');
    expect(pods).toMatchObject({ responseKind: { group: '', version: 'v1', kind: 'Pod' }, scope: 'Namespaced', shortNames: ['po'] });
    expect(pods.subresources.map((s: any) => s.subresource)).toEqual(expect.arrayContaining(['status', 'binding', 'eviction', 'ephemeralcontainers']));
    expect(pods.subresources.find((s: any) => s.subresource === 'ephemeralcontainers')).toEqual({ subresource: 'ephemeralcontainers', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] });
    const ns = core.resources.find((r: any) => r.resource === 'namespaces');
    expect(ns.scope).toBe('Cluster');
  });

  it('v2beta1 is served when only it is accepted; plain JSON gets the legacy shape', async () => {
    const beta = await rawRequest(t.server, { path: '/apis', headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList' } });
    expect(beta.status).toBe(200);
    expect(mediaType(beta.headers['content-type']).params.v).toBe('v2beta1');
    expect(beta.json.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    const plain = await rawRequest(t.server, { path: '/apis', headers: { Accept: 'application/json, */*' } });
    expect(mediaType(plain.headers['content-type']).type).toBe('application/json');
    expect(mediaType(plain.headers['content-type']).params.as).toBeUndefined();
    expect(plain.json.kind).toBe('APIGroupList');
  });
});

describe('OpenAPI v3', () => {
  it('the index lists group-version documents with hashes', async () => {
    const res = await rawRequest(t.server, { path: '/openapi/v3' });
    expect(res.status).toBe(200);
    const paths = res.json.paths as Record<string, { serverRelativeURL: string }>;
    expect(paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-Za-z]+$/);
    expect(paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-Za-z]+$/);
  });

  it('apps/v1 has the Deployment schema with its GVK and fieldValidation on PATCH', async () => {
    const index = await rawRequest(t.server, { path: '/openapi/v3' });
    const url = index.json.paths['apis/apps/v1'].serverRelativeURL as string;
    const res = await rawRequest(t.server, { path: url });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(String(res.headers['cache-control'])).toContain('immutable');
    expect(res.headers.etag).toBeDefined();
    const doc = res.json;
    expect(doc.openapi).toMatch(/^3\./);
    const schemas = doc.components.schemas as Record<string, any>;
    const depKey = Object.keys(schemas).find((k) => schemas[k]['x-kubernetes-group-version-kind']?.some?.((g: any) => g.group === 'apps' && g.version === 'v1' && g.kind === 'Deployment'));
    expect(depKey, 'a schema tagged with apps/v1 Deployment').toBeDefined();
    const dep = schemas[depKey!];
    expect(dep.properties).toHaveProperty('spec');
    expect(dep.properties).toHaveProperty('status');
    expect(dep.properties).toHaveProperty('metadata');

    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(item).toBeDefined();
    const patch = item.patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch['x-kubernetes-action']).toBe('patch');
    const params = [...(patch.parameters ?? []), ...(item.parameters ?? [])].map((p: any) => (p.$ref ? resolveRef(doc, p.$ref) : p));
    expect(params).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    expect(params).toContainEqual(expect.objectContaining({ name: 'fieldManager', in: 'query' }));
    expect(Object.keys(patch.requestBody.content)).toEqual(expect.arrayContaining(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']));
  });

  it('api/v1 documents core kinds; an unknown group-version is 404', async () => {
    const res = await rawRequest(t.server, { path: '/openapi/v3/api/v1' });
    expect(res.status).toBe(200);
    const pod = Object.values(res.json.components.schemas as Record<string, any>).find((s) => s['x-kubernetes-group-version-kind']?.some?.((g: any) => g.group === '' && g.kind === 'Pod'));
    expect(pod).toBeDefined();
    const ephemeral = res.json.paths['/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers'];
    expect(Object.keys(ephemeral).sort()).toEqual(['get', 'parameters', 'patch', 'put']);
    expect(ephemeral.patch.requestBody.content).toHaveProperty('application/strategic-merge-patch+json');
    expect(ephemeral.get['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    const missing = await rawRequest(t.server, { path: '/openapi/v3/apis/nope.example.com/v1' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', code: 404 });
  });
});

function resolveRef(doc: any, ref: string): any {
  let cur = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) cur = cur?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

describe('OpenAPI v2', () => {
  it('/openapi/v2 is Swagger 2.0 with a definition, tagged with its GVK, for every kind discovery lists', async () => {
    const res = await rawRequest(t.server, { path: '/openapi/v2' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(String(res.headers.vary)).toContain('Accept');
    expect(res.headers.etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(res.json.swagger).toBe('2.0');
    const gvks = new Set(
      Object.values(res.json.definitions as Record<string, any>).flatMap((d) => (d['x-kubernetes-group-version-kind'] ?? []).map((g: any) => `${g.group}/${g.version}/${g.kind}`)),
    );
    const groups = (await rawRequest(t.server, { path: '/apis' })).json.groups as { versions: { groupVersion: string }[] }[];
    const gvs = ['v1', ...groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const missing: string[] = [];
    for (const gv of gvs) {
      const list = (await rawRequest(t.server, { path: gv === 'v1' ? '/api/v1' : `/apis/${gv}` })).json;
      const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
      for (const r of list.resources as { name: string; kind: string }[]) {
        if (r.name.includes('/')) continue;
        if (!gvks.has(`${group}/${version}/${r.kind}`)) missing.push(`${gv} ${r.kind}`);
      }
    }
    expect(missing).toEqual([]);
    const ephemeral = res.json.paths['/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers'];
    expect(Object.keys(ephemeral).sort()).toEqual(['get', 'parameters', 'patch', 'put']);
    expect(ephemeral.patch.consumes).toEqual(expect.arrayContaining(['application/strategic-merge-patch+json', 'application/json-patch+json', 'application/merge-patch+json']));
    expect((await rawRequest(t.server, { path: '/openapi/v2', token: null })).status).toBe(401);
    const head = await rawRequest(t.server, { method: 'HEAD', path: '/openapi/v2' });
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(res.headers.etag);
    expect(head.text).toBe('');
  });
});
