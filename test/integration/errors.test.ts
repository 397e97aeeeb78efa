/**
 * Error responses are Kubernetes Status objects with the upstream code and reason, and bad input
 * never produces a 500 (notes §7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { apiError, rawRequest, startTestServer, type RawResponse, type TestServer } from './helpers.js';

let t: TestServer;
let core: CoreV1Api;
const ns = 'errors';

beforeAll(async () => {
  t = await startTestServer();
  core = t.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'exists' }, data: { a: 'b' } } });
});

afterAll(async () => {
  await t?.stop();
});

function expectStatus(res: RawResponse, code: number, reason: string): any {
  expect(res.status, res.text.slice(0, 500)).toBe(code);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason });
  expect(typeof res.json.message).toBe('string');
  return res.json;
}

const cmPath = `/api/v1/namespaces/${ns}/configmaps`;

describe('Status errors', () => {
  it('malformed JSON → 400 BadRequest', async () => {
    expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: '{"metadata": {"name": "x"' }), 400, 'BadRequest');
    expectStatus(await rawRequest(t.server, { method: 'PUT', path: `${cmPath}/exists`, body: 'not json at all' }), 400, 'BadRequest');
    expectStatus(await rawRequest(t.server, { method: 'PATCH', path: `${cmPath}/exists`, headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{oops' }), 400, 'BadRequest');
  });

  it('unknown resource or group → 404 NotFound', async () => {
    expectStatus(await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/widgets` }), 404, 'NotFound');
    expectStatus(await rawRequest(t.server, { path: '/apis/nope.example.com/v1/things' }), 404, 'NotFound');
    expectStatus(await rawRequest(t.server, { path: '/apis/apps/v1/namespaces/x/deployments/y/nosuchsub' }), 404, 'NotFound');
    expectStatus(await rawRequest(t.server, { path: '/no/such/path' }), 404, 'NotFound');
    const missing = expectStatus(await rawRequest(t.server, { path: `${cmPath}/nope` }), 404, 'NotFound');
    expect(missing).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'configmaps' }, code: 404 });
  });

  it('wrong apiVersion or kind in the body → 400 BadRequest', async () => {
    const wrongKind = expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } }) }), 400, 'BadRequest');
    expect(wrongKind.message).toContain('Secret');
    const wrongVersion = expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'k' } }) }), 400, 'BadRequest');
    expect(wrongVersion.message).toContain('apps/v1');
    // The name in the body must match the URL on update.
    expectStatus(await rawRequest(t.server, { method: 'PUT', path: `${cmPath}/exists`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }) }), 400, 'BadRequest');
    // And the namespace.
    expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: JSON.stringify({ metadata: { name: 'k', namespace: 'default' } }) }), 400, 'BadRequest');
  });

  it('invalid object → 422 Invalid with causes', async () => {
    const s = expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: JSON.stringify({ metadata: { name: 'Bad_Name', labels: { 'bad key!': 'v' } }, data: { 'bad/key': 'x' } }) }), 422, 'Invalid');
    expect(s.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap' });
    const fields = (s.details.causes as { field: string; reason: string }[]).map((c) => `${c.reason} ${c.field}`);
    expect(fields).toEqual(expect.arrayContaining(['FieldValueInvalid metadata.name', 'FieldValueInvalid metadata.labels', 'FieldValueInvalid data[bad/key]']));
    expect(s.message).toMatch(/^ConfigMap "Bad_Name" is invalid: \[/);
    // Through client-node, a pod without containers.
    const err = await apiError(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'empty' }, spec: { containers: [] } } }));
    expect(err.code).toBe(422);
    expect(err.status.details.causes).toContainEqual(expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.containers' }));
  });

  it('body over 3 MiB → 413 RequestEntityTooLarge', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) } });
    const s = expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: big }), 413, 'RequestEntityTooLarge');
    expect(s.message).toContain('3145728');
    // Just under the limit but over the ConfigMap size limit (1 MiB) is a validation error instead.
    const mid = JSON.stringify({ metadata: { name: 'mid' }, data: { x: 'a'.repeat(1024 * 1024 + 10) } });
    expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: mid }), 422, 'Invalid');
    // The server still works afterwards.
    expect((await rawRequest(t.server, { path: `${cmPath}/exists` })).status).toBe(200);
  });

  it('unsupported media type → 415', async () => {
    const patch = expectStatus(
      await rawRequest(t.server, { method: 'PATCH', path: `${cmPath}/exists`, headers: { 'Content-Type': 'text/plain' }, body: '{"data":{"a":"c"}}' }),
      415,
      'UnsupportedMediaType',
    );
    expect(patch.message).toContain('application/merge-patch+json');
    expectStatus(await rawRequest(t.server, { method: 'PATCH', path: `${cmPath}/exists`, headers: { 'Content-Type': 'application/json' }, body: '{"data":{"a":"c"}}' }), 415, 'UnsupportedMediaType');
    expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, headers: { 'Content-Type': 'application/xml' }, body: '<ConfigMap/>' }), 415, 'UnsupportedMediaType');
  });

  it('method not allowed → 405 MethodNotAllowed', async () => {
    expectStatus(await rawRequest(t.server, { method: 'PUT', path: cmPath, body: '{}' }), 405, 'MethodNotAllowed');
    expectStatus(await rawRequest(t.server, { method: 'POST', path: `${cmPath}/exists`, body: '{}' }), 405, 'MethodNotAllowed');
    // Namespaces have no deletecollection.
    expectStatus(await rawRequest(t.server, { method: 'DELETE', path: '/api/v1/namespaces' }), 405, 'MethodNotAllowed');
  });

  it('bad label or field selector → 400 BadRequest', async () => {
    expectStatus(await rawRequest(t.server, { path: `${cmPath}?labelSelector=${encodeURIComponent('a in (b')}` }), 400, 'BadRequest');
    expectStatus(await rawRequest(t.server, { path: `${cmPath}?labelSelector=${encodeURIComponent('!!x')}` }), 400, 'BadRequest');
    expectStatus(await rawRequest(t.server, { path: `${cmPath}?labelSelector=${encodeURIComponent('a=b c')}` }), 400, 'BadRequest');
    expectStatus(await rawRequest(t.server, { path: `${cmPath}?fieldSelector=${encodeURIComponent('metadata.name')}` }), 400, 'BadRequest');
    const viaClient = await apiError(core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'in (a)' }));
    expect(viaClient.code).toBe(400);
    // The same for watches.
    expectStatus(await rawRequest(t.server, { path: `${cmPath}?watch=true&labelSelector=${encodeURIComponent('a in (b')}` }), 400, 'BadRequest');
  });

  it('no credentials → 401 Unauthorized; a wrong bearer token → 401', async () => {
    const none = expectStatus(await rawRequest(t.server, { path: cmPath, token: null }), 401, 'Unauthorized');
    expect(none.message).toBe('Unauthorized');
    expectStatus(await rawRequest(t.server, { path: cmPath, token: 'not-the-token' }), 401, 'Unauthorized');
    expectStatus(await rawRequest(t.server, { path: '/api', token: `${t.server.adminToken}x` }), 401, 'Unauthorized');
    expectStatus(await rawRequest(t.server, { path: '/apis', headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' }, token: null }), 401, 'Unauthorized');
    // client-node with a kubeconfig whose token is wrong.
    const bad = new KubeConfig();
    bad.loadFromOptions({
      clusters: [{ name: 'c', server: t.server.url, caData: Buffer.from(t.server.caCertPem).toString('base64') }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = await apiError(bad.makeApiClient(CoreV1Api).listNamespace());
    expect(err.code).toBe(401);
  });

  it('a conflict on create → 409 AlreadyExists; the 404 for a missing namespace', async () => {
    const dup = expectStatus(await rawRequest(t.server, { method: 'POST', path: cmPath, body: JSON.stringify({ metadata: { name: 'exists' } }) }), 409, 'AlreadyExists');
    expect(dup.details).toEqual({ name: 'exists', kind: 'configmaps' });
  });
});

describe('no 500 for bad input', () => {
  const cases: { name: string; method?: string; path: string; body?: string; headers?: Record<string, string> }[] = [
    { name: 'JSON array body', method: 'POST', path: cmPath, body: '[1,2,3]' },
    { name: 'JSON null body', method: 'POST', path: cmPath, body: 'null' },
    { name: 'JSON number body', method: 'POST', path: cmPath, body: '42' },
    { name: 'JSON string body', method: 'POST', path: cmPath, body: '"configmap"' },
    { name: 'empty body', method: 'POST', path: cmPath, body: '' },
    { name: 'metadata is a string', method: 'POST', path: cmPath, body: '{"metadata":"x"}' },
    { name: 'name is a number', method: 'POST', path: cmPath, body: '{"metadata":{"name":5}}' },
    { name: 'labels is a list', method: 'POST', path: cmPath, body: '{"metadata":{"name":"l","labels":["a"]}}' },
    { name: 'data values are objects', method: 'POST', path: cmPath, body: '{"metadata":{"name":"d"},"data":{"a":{"b":1}}}' },
    { name: 'pod spec is a list', method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: '{"metadata":{"name":"p"},"spec":[]}' },
    { name: 'containers is an object', method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: '{"metadata":{"name":"p"},"spec":{"containers":{"name":"x"}}}' },
    { name: 'deployment replicas is a string', method: 'POST', path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: '{"metadata":{"name":"d"},"spec":{"replicas":"three"}}' },
    { name: 'deeply nested JSON', method: 'POST', path: cmPath, body: `{"metadata":{"name":"n"},"x":${'['.repeat(5000)}${']'.repeat(5000)}}` },
    { name: 'invalid UTF-8', method: 'POST', path: cmPath, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]).toString('latin1') },
    { name: 'JSON patch not a list', method: 'PATCH', path: `${cmPath}/exists`, body: '{"op":"add"}', headers: { 'Content-Type': 'application/json-patch+json' } },
    { name: 'JSON patch bad op', method: 'PATCH', path: `${cmPath}/exists`, body: '[{"op":"frobnicate","path":"/data"}]', headers: { 'Content-Type': 'application/json-patch+json' } },
    { name: 'JSON patch bad pointer', method: 'PATCH', path: `${cmPath}/exists`, body: '[{"op":"add","path":"data/x","value":"y"}]', headers: { 'Content-Type': 'application/json-patch+json' } },
    { name: 'merge patch making data a number', method: 'PATCH', path: `${cmPath}/exists`, body: '{"data":7}', headers: { 'Content-Type': 'application/merge-patch+json' } },
    // Upstream answers this one with 500 (strategicpatch.ErrBadPatchType is not mapped to a 4xx in
    // interpretStrategicMergePatchError); lite copies that, which this suite treats as a bug.
    { name: 'SMP with a bad directive', method: 'PATCH', path: `${cmPath}/exists`, body: '{"$patch":"explode"}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'SMP $retainKeys not a list', method: 'PATCH', path: `${cmPath}/exists`, body: '{"data":{"$retainKeys":"a"}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'SMP $setElementOrder not a list', method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/exists`, body: '{"metadata":{"$setElementOrder/finalizers":"x"}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'SMP $deleteFromPrimitiveList not a list', method: 'PATCH', path: `${cmPath}/exists`, body: '{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'SMP list where a map is expected', method: 'PATCH', path: `${cmPath}/exists`, body: '{"metadata":{"labels":["a"]}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'SMP map where a list is expected', method: 'PATCH', path: `${cmPath}/exists`, body: '{"metadata":{"finalizers":{"a":"b"}}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'SMP patch body is a list', method: 'PATCH', path: `${cmPath}/exists`, body: '[{"a":1}]', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } },
    { name: 'merge patch body is a string', method: 'PATCH', path: `${cmPath}/exists`, body: '"x"', headers: { 'Content-Type': 'application/merge-patch+json' } },
    { name: 'JSON patch move from a missing path', method: 'PATCH', path: `${cmPath}/exists`, body: '[{"op":"move","from":"/data/nope","path":"/data/x"}]', headers: { 'Content-Type': 'application/json-patch+json' } },
    { name: 'JSON patch replacing metadata with a string', method: 'PATCH', path: `${cmPath}/exists`, body: '[{"op":"replace","path":"/metadata","value":"x"}]', headers: { 'Content-Type': 'application/json-patch+json' } },
    { name: 'JSON patch removing the root', method: 'PATCH', path: `${cmPath}/exists`, body: '[{"op":"remove","path":""}]', headers: { 'Content-Type': 'application/json-patch+json' } },
    { name: 'apply patch with data as a list', method: 'PATCH', path: `${cmPath}/exists?fieldManager=m`, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: exists\ndata: [1, 2]\n', headers: { 'Content-Type': 'application/apply-patch+yaml' } },
    { name: 'apply patch for another kind', method: 'PATCH', path: `${cmPath}/exists?fieldManager=m`, body: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: exists\n', headers: { 'Content-Type': 'application/apply-patch+yaml' } },
    { name: 'apply patch with force on a non-apply patch', method: 'PATCH', path: `${cmPath}/exists?force=true`, body: '{}', headers: { 'Content-Type': 'application/merge-patch+json' } },
    { name: 'deployment scale with a string', method: 'PUT', path: `/apis/apps/v1/namespaces/${ns}/deployments/none/scale`, body: '{"spec":{"replicas":"x"}}' },
    { name: 'status update of a missing object', method: 'PUT', path: `${cmPath}/none/status`, body: '{"metadata":{"name":"none"}}' },
    { name: 'binding for a missing pod', method: 'POST', path: `/api/v1/namespaces/${ns}/pods/none/binding`, body: '{"metadata":{"name":"none"},"target":{"kind":"Node","name":"n1"}}' },
    { name: 'eviction body is nonsense', method: 'POST', path: `/api/v1/namespaces/${ns}/pods/none/eviction`, body: '{"deleteOptions":7}' },
    { name: 'watch on a single-object path', path: `${cmPath}/exists?watch=true&timeoutSeconds=1` },
    { name: 'limit on a watch', path: `${cmPath}?watch=true&limit=1&timeoutSeconds=1` },
    { name: 'sendInitialEvents without resourceVersionMatch', path: `${cmPath}?watch=true&sendInitialEvents=true` },
    { name: 'namespace with uppercase in the path', method: 'POST', path: '/api/v1/namespaces/UPPER/configmaps', body: '{"metadata":{"name":"x"}}' },
    { name: 'Accept that cannot be satisfied', path: cmPath, headers: { Accept: 'application/xml' } },
    { name: 'apply patch of invalid YAML', method: 'PATCH', path: `${cmPath}/exists?fieldManager=m`, body: 'a: [b\n  - : :', headers: { 'Content-Type': 'application/apply-patch+yaml' } },
    { name: 'apply patch of a YAML list', method: 'PATCH', path: `${cmPath}/exists?fieldManager=m`, body: '- a\n- b\n', headers: { 'Content-Type': 'application/apply-patch+yaml' } },
    { name: 'limit is not a number', path: `${cmPath}?limit=abc` },
    { name: 'negative limit', path: `${cmPath}?limit=-5` },
    { name: 'resourceVersion is not a number', path: `${cmPath}?resourceVersion=abc&resourceVersionMatch=Exact` },
    { name: 'watch with a non-numeric resourceVersion', path: `${cmPath}?watch=true&resourceVersion=abc` },
    { name: 'timeoutSeconds is negative', path: `${cmPath}?watch=true&timeoutSeconds=-1` },
    { name: 'bad resourceVersionMatch', path: `${cmPath}?resourceVersion=1&resourceVersionMatch=Sometimes` },
    { name: 'bad propagationPolicy', method: 'DELETE', path: `${cmPath}/exists?propagationPolicy=Sideways` },
    { name: 'bad dryRun', method: 'POST', path: `${cmPath}?dryRun=Maybe`, body: '{"metadata":{"name":"dr"}}' },
    { name: 'bad fieldValidation', method: 'POST', path: `${cmPath}?fieldValidation=Loose`, body: '{"metadata":{"name":"fv"}}' },
    { name: 'bad percent-encoding in the path', path: `/api/v1/namespaces/${ns}/configmaps/%ZZ` },
    { name: 'name too long in the path', path: `${cmPath}/${'a'.repeat(300)}` },
    { name: 'huge continue token', path: `${cmPath}?limit=1&continue=${'A'.repeat(5000)}` },
    { name: 'table accept on a bad path', path: '/api/v1/namespaces/x/nothings', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } },
    { name: 'protobuf body garbage', method: 'POST', path: cmPath, body: 'k8s\u0000garbage', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } },
    { name: 'delete options body malformed', method: 'DELETE', path: `${cmPath}/exists`, body: '{"gracePeriodSeconds":"soon"' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const res = await rawRequest(t.server, { method: c.method, path: c.path, body: c.body, headers: c.headers });
      expect(res.status, `${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.json, res.text.slice(0, 300)).toMatchObject({ kind: 'Status', status: 'Failure', code: res.status });
      }
    });
  }

  it('the configmap the cases aimed at is intact', async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'exists', namespace: ns });
    expect(cm.data).toEqual({ a: 'b' });
  });
});
