/**
 * Bad input gets a clear error, never a 500 or a hang (acceptance item 7): malformed bodies,
 * oversized bodies (413), unknown resources (404), invalid names (422, DNS-1123 texts), invalid
 * selectors (400), and a sweep of other malformed requests over raw HTTPS.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scratchDir, uniqueName, useCluster } from './support/cluster.js';
import { AdminHttpsClient, type RawRequest } from './support/https-client.js';

const ctx = useCluster();
let http: AdminHttpsClient | undefined;

beforeAll(() => {
  http = new AdminHttpsClient(ctx.server.credentials());
});
afterAll(() => {
  http?.close();
});

function client(): AdminHttpsClient {
  if (!http) throw new Error('no HTTPS client (see beforeAll)');
  return http;
}

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { name?: string; kind?: string; causes?: { reason: string; field?: string; message: string }[] };
}

/** Sends a request and insists on a well-formed Status answer with this code. */
async function expectStatus(req: RawRequest, code: number, reason: string): Promise<Status> {
  const res = await client().json<Status>(req);
  expect(res.status, `${req.method ?? 'GET'} ${req.path}: ${JSON.stringify(res.body)}`).toBe(code);
  expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect(typeof res.body.message).toBe('string');
  return res.body;
}

const MiB = 1024 * 1024;

describe('malformed bodies', () => {
  test('malformed JSON via kubectl create --raw → 400 BadRequest', async () => {
    const ns = uniqueName('badjson');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const dir = scratchDir(ctx, 'badjson');
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"');
    const r = await ctx.kubectl.fails(['create', '--raw', `/api/v1/namespaces/${ns}/configmaps`, '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error from server \(BadRequest\): .*\n$/);

    const s = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: '{"apiVersion":"v1",' }, 400, 'BadRequest');
    expect(s.message.length).toBeGreaterThan(0);
    await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: '[]' }, 400, 'BadRequest');
    await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: 'null' }, 400, 'BadRequest');
    const typed = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":1}}' }, 400, 'BadRequest');
    expect(typed.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
  });

  test('broken YAML: kubectl apply of a broken file, and a YAML body the server cannot parse', async () => {
    const dir = scratchDir(ctx, 'badyaml');
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n');
    const r = await ctx.kubectl.fails(['apply', '-f', file]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: error parsing ${file}: error converting YAML to JSON: yaml: line 4: did not find expected ',' or ']'\n`);

    const ns = uniqueName('badyaml');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n', headers: { 'Content-Type': 'application/yaml' } }, 400, 'BadRequest');
    // Well-formed YAML bodies are accepted (as upstream).
    const ok = await client().json({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n', headers: { 'Content-Type': 'application/yaml' } });
    expect(ok.status).toBe(201);
  });

  test('a body over 3 MiB is refused with 413', async () => {
    const ns = uniqueName('huge');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const dir = scratchDir(ctx, 'huge');
    const file = join(dir, 'huge.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge', namespace: ns }, data: { big: 'x'.repeat(3.5 * MiB) } }));
    const started = Date.now();
    const r = await ctx.kubectl.fails(['create', '-f', file]);
    expect(Date.now() - started).toBeLessThan(15_000);
    // Upstream (apiserver handlers/rest.go limitedReadBody): NewRequestEntityTooLargeError("limit is 3145728").
    expect(r.stderr).toBe(`Error from server (RequestEntityTooLarge): error when creating "${file}": Request entity too large: limit is 3145728\n`);

    const s = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: Buffer.alloc(3 * MiB + 1, 0x20), timeoutMs: 15_000 }, 413, 'RequestEntityTooLarge');
    expect(s.message).toBe('Request entity too large: limit is 3145728');
    // Exactly at the limit it is read (and refused for what it says, not for its size).
    const atLimit = await client().json<Status>({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: Buffer.alloc(3 * MiB, 0x20), timeoutMs: 15_000 });
    expect(atLimit.status).toBe(400);

    // A ConfigMap over its own 1 MiB limit but under the body limit: 422.
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { big: 'x'.repeat(MiB + 10) } });
    const tooLong = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: big, timeoutMs: 15_000 }, 422, 'Invalid');
    expect(tooLong.message).toMatch(/^ConfigMap "big" is invalid: /);
    expect(tooLong.message).toContain('1048576');
  });
});

describe('unknown resources and invalid requests', () => {
  test('an unknown resource is 404 (kubectl: no such resource type)', async () => {
    const r = await ctx.kubectl.fails(['get', 'frobnicators']);
    expect(r.stderr).toBe('error: the server doesn\'t have a resource type "frobnicators"\n');
    for (const path of ['/api/v1/frobnicators', '/api/v1/namespaces/default/frobnicators', '/apis/nope.example.com/v1/things', '/apis/apps/v9/deployments', '/nonsense']) {
      const s = await expectStatus({ path }, 404, 'NotFound');
      expect(s.message).toBe('the server could not find the requested resource');
    }
    const raw = await ctx.kubectl.fails(['get', '--raw', '/apis/nope.example.com/v1/things']);
    expect(raw.stderr).toBe('Error from server (NotFound): the server could not find the requested resource\n');
  });

  test('invalid names are refused with 422 and the DNS-1123 / DNS-1035 messages', async () => {
    const ns = uniqueName('names');
    await ctx.kubectl.ok(['create', 'namespace', ns]);

    const cm = await ctx.kubectl.fails(['create', 'configmap', 'Bad_Name', '-n', ns]);
    expect(cm.stderr).toBe(
      'error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')\n',
    );
    const nsBad = await ctx.kubectl.fails(['create', 'namespace', 'Bad.Name']);
    expect(nsBad.stderr).toBe(
      'The Namespace "Bad.Name" is invalid: metadata.name: Invalid value: "Bad.Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')\n',
    );
    const svc = await ctx.kubectl.fails(['create', 'service', 'clusterip', '1svc', '-n', ns, '--tcp=80:80']);
    expect(svc.stderr).toBe(
      'error: failed to create ClusterIP service: Service "1svc" is invalid: metadata.name: Invalid value: "1svc": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')\n',
    );

    const s = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }) }, 422, 'Invalid');
    expect(s.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap' });
    expect(s.details?.causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' })]);
    const long = 'a'.repeat(254);
    const tooLong = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: long } }) }, 422, 'Invalid');
    expect(tooLong.message).toContain('must be no more than 253 characters');
    const noName = await expectStatus({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }) }, 422, 'Invalid');
    expect(noName.message).toContain('metadata.name: Required value: name or generateName is required');
  });

  test('an invalid workload spec lists every field error (422)', async () => {
    const ns = uniqueName('invalid');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
  namespace: ${ns}
spec:
  replicas: -1
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers:
        - name: web
`;
    const r = await ctx.kubectl.fails(['apply', '-f', '-'], { input: bad });
    expect(r.stderr).toBe(
      'The Deployment "bad" is invalid: \n* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n* spec.template.spec.containers[0].image: Required value\n',
    );
  });

  test('an invalid label selector is 400; an invalid field selector is 400', async () => {
    const r = await ctx.kubectl.fails(['get', 'pods', '-n', 'default', '-l', 'app in (web']);
    expect(r.stderr).toMatch(/^Error from server \(BadRequest\): Unable to find "\/v1, Resource=pods" that match label selector "app in \(web", field selector "": unable to parse requirement: .+\n$/);
    await expectStatus({ path: '/api/v1/namespaces/default/pods?labelSelector=' + encodeURIComponent('app in (web') }, 400, 'BadRequest');
    await expectStatus({ path: '/api/v1/namespaces/default/pods?labelSelector=' + encodeURIComponent('a=b=c') }, 400, 'BadRequest');
    await expectStatus({ path: '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name' }, 400, 'BadRequest');
    const f = await ctx.kubectl.fails(['get', 'configmaps', '-n', 'default', '--field-selector', 'metadata.name']);
    expect(f.stderr).toMatch(/^Error from server \(BadRequest\): /);
  });

  test('a sweep of malformed requests: each gets a Status with a 4xx code, promptly, never a 500', async () => {
    const ns = uniqueName('sweep');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['create', 'configmap', 'target', '-n', ns]);
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const cases: [RawRequest, number, string][] = [
      [{ method: 'POST', path: base, body: 'x', headers: { 'Content-Type': 'text/plain' } }, 415, 'UnsupportedMediaType'],
      [{ method: 'PUT', path: base, body: '{}' }, 405, 'MethodNotAllowed'],
      [{ method: 'PUT', path: `${base}/target`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }) }, 400, 'BadRequest'],
      [{ method: 'POST', path: base, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } }) }, 400, 'BadRequest'],
      [{ method: 'POST', path: base, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }) }, 400, 'BadRequest'],
      [{ method: 'POST', path: `/api/v1/namespaces/${uniqueName('missing')}/configmaps`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) }, 404, 'NotFound'],
      [{ path: `${base}?resourceVersion=abc` }, 400, 'BadRequest'],
      [{ path: `${base}?limit=-1` }, 400, 'BadRequest'],
      [{ path: `${base}?watch=1&timeoutSeconds=abc` }, 400, 'BadRequest'],
      [{ method: 'PATCH', path: `${base}/target`, body: '{bad', headers: { 'Content-Type': 'application/merge-patch+json' } }, 400, 'BadRequest'],
      [{ method: 'PATCH', path: `${base}/target`, body: '{}', headers: { 'Content-Type': 'application/json' } }, 415, 'UnsupportedMediaType'],
      // Upstream decodes JSON patches leniently and fails them when applying: 422.
      [{ method: 'PATCH', path: `${base}/target`, body: '[{"op":"frobnicate","path":"/data"}]', headers: { 'Content-Type': 'application/json-patch+json' } }, 422, 'Invalid'],
      [{ method: 'PATCH', path: `${base}/target`, body: '{"not":"a list"}', headers: { 'Content-Type': 'application/json-patch+json' } }, 400, 'BadRequest'],
      [{ method: 'PATCH', path: `${base}/nope`, body: '{}', headers: { 'Content-Type': 'application/merge-patch+json' } }, 404, 'NotFound'],
      [{ method: 'DELETE', path: `${base}/nope` }, 404, 'NotFound'],
      [{ method: 'DELETE', path: `${base}/target`, body: '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Sideways"}' }, 422, 'Invalid'],
      [{ method: 'POST', path: `${base}?dryRun=Maybe`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) }, 400, 'BadRequest'],
      [{ method: 'POST', path: `${base}?fieldValidation=Loose`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) }, 400, 'BadRequest'],
      [{ method: 'POST', path: base, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' } }) }, 409, 'AlreadyExists'],
      [{ method: 'PUT', path: `${base}/target`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target', resourceVersion: '1' } }) }, 409, 'Conflict'],
    ];
    for (const [req, code, reason] of cases) await expectStatus({ ...req, timeoutMs: 5_000 }, code, reason);
    // The target survived all of that.
    expect(await ctx.kubectl.ok(['get', 'configmap', 'target', '-n', ns, '-o', 'name'])).toBe('configmap/target\n');
  });
});
