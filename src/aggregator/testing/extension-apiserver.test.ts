/**
 * The test extension API server on its own: a client holding a front-proxy certificate from a test
 * request-header CA, as lite's aggregator will, gets discovery and the flunders REST verbs; anyone
 * else gets 401. The serving certificate is checked for the Service name, as the aggregator must.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCertificateAuthority, issueClientCertificate, type CertificateAndKey } from '../../pki/issue-certificate.js';
import { FakeClock, systemClock } from '../../util/clock.js';
import { CREATED_BY_ANNOTATION, startExtensionApiServer, type TestExtensionApiServer } from './extension-apiserver.js';

const SERVICE_NAME = 'wardle-api.test.svc';
const FLUNDERS = '/apis/wardle.example.com/v1alpha1/namespaces/team/flunders';
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  json(): Record<string, unknown>;
}

interface CallOptions {
  readonly method?: string;
  readonly cert?: CertificateAndKey;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: unknown;
  readonly servername?: string;
  /** Default: the server of this file. */
  readonly target?: TestExtensionApiServer;
}

describe('test extension API server', () => {
  const clock = new FakeClock(Date.parse('2025-03-01T10:00:00Z'));
  let requestHeaderCa: CertificateAndKey;
  let proxyCert: CertificateAndKey;
  let server: TestExtensionApiServer;

  /** One HTTPS request on its own connection (so each carries the certificate given). */
  function call(path: string, options: CallOptions = {}): Promise<Reply> {
    const target = options.target ?? server;
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: target.port,
          path,
          method: options.method ?? 'GET',
          ca: target.caPem,
          servername: options.servername ?? SERVICE_NAME,
          agent: false,
          ...(options.cert ? { cert: options.cert.certPem, key: options.cert.keyPem } : {}),
          headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
          timeout: 5000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text, json: () => JSON.parse(text) as Record<string, unknown> }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out: ${path}`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** As the aggregator sends a user's request. */
  const asUser = (user: string, groups: string[] = ['system:authenticated']): CallOptions['headers'] => ({ 'X-Remote-User': user, 'X-Remote-Group': groups });

  beforeAll(async () => {
    requestHeaderCa = await createCertificateAuthority({ commonName: 'front-proxy-ca', validDays: 1, clock: systemClock });
    proxyCert = await issueClientCertificate({ ca: requestHeaderCa, commonName: 'system:auth-proxy', ttlDays: 1, clock: systemClock });
    server = await startExtensionApiServer({ requestHeaderCaPem: requestHeaderCa.certPem, host: '127.0.0.1', serverNames: [SERVICE_NAME], clock });
  });

  afterAll(async () => {
    await server?.close();
  });

  test('discovery: the group list, aggregated discovery, the group and its resources', async () => {
    const opts = { cert: proxyCert, headers: asUser('system:kube-aggregator', ['system:masters']) };
    const legacy = await call('/apis', opts);
    expect(legacy.status).toBe(200);
    const gv = { groupVersion: 'wardle.example.com/v1alpha1', version: 'v1alpha1' };
    expect(legacy.json()).toEqual({ kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'wardle.example.com', versions: [gv], preferredVersion: gv }] });

    const aggregated = await call('/apis', { ...opts, headers: { ...opts.headers, Accept: AGGREGATED_ACCEPT } });
    expect(aggregated.status).toBe(200);
    expect(aggregated.contentType).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(aggregated.json()).toMatchObject({
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      items: [
        {
          metadata: { name: 'wardle.example.com' },
          versions: [
            {
              version: 'v1alpha1',
              freshness: 'Current',
              resources: [{ resource: 'flunders', singularResource: 'flunder', scope: 'Namespaced', responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' } }],
            },
          ],
        },
      ],
    });

    expect((await call('/apis/wardle.example.com', opts)).json()).toMatchObject({ kind: 'APIGroup', name: 'wardle.example.com', preferredVersion: gv });
    const resources = (await call('/apis/wardle.example.com/v1alpha1', opts)).json();
    expect(resources).toMatchObject({ kind: 'APIResourceList', groupVersion: 'wardle.example.com/v1alpha1', resources: [{ name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder' }] });
    expect((resources.resources as { verbs: string[] }[])[0].verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'watch']));

    const health = await call('/healthz', opts);
    expect([health.status, health.text]).toEqual([200, 'ok']);
  });

  test('flunders are created, read, listed (also as a Table), patched and deleted, in upstream words', async () => {
    const opts = { cert: proxyCert, headers: asUser('alice', ['devs', 'system:authenticated']) };
    const flunder = { apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name: 'one', labels: { app: 'x' } }, spec: { reference: 'two' } };
    const created = await call(FLUNDERS, { ...opts, method: 'POST', body: flunder });
    expect(created.status).toBe(201);
    const obj = created.json() as { metadata: Record<string, unknown> };
    expect(obj).toMatchObject({ apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', spec: { reference: 'two' } });
    expect(obj.metadata).toMatchObject({ name: 'one', namespace: 'team', labels: { app: 'x' }, creationTimestamp: '2025-03-01T10:00:00Z', annotations: { [CREATED_BY_ANNOTATION]: 'alice' } });
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(obj.metadata.resourceVersion).toMatch(/^\d+$/);

    const again = await call(FLUNDERS, { ...opts, method: 'POST', body: flunder });
    expect(again.status).toBe(409);
    expect(again.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'flunders.wardle.example.com "one" already exists',
      reason: 'AlreadyExists',
      details: { name: 'one', group: 'wardle.example.com', kind: 'flunders' },
      code: 409,
    });

    const got = await call(`${FLUNDERS}/one`, opts);
    expect(got.status).toBe(200);
    expect(got.json()).toEqual(obj);

    const list = await call(FLUNDERS, opts);
    expect(list.json()).toMatchObject({ kind: 'FlunderList', apiVersion: 'wardle.example.com/v1alpha1', items: [{ metadata: { name: 'one' } }] });
    expect((await call('/apis/wardle.example.com/v1alpha1/namespaces/other/flunders', opts)).json()).toMatchObject({ items: [] });
    expect((await call(`${FLUNDERS}?labelSelector=app%3Dy`, opts)).json()).toMatchObject({ items: [] });
    expect((await call(`${FLUNDERS}?fieldSelector=metadata.name%3Done`, opts)).json()).toMatchObject({ items: [{ metadata: { name: 'one' } }] });
    expect((await call('/apis/wardle.example.com/v1alpha1/flunders', opts)).json()).toMatchObject({ items: [{ metadata: { name: 'one', namespace: 'team' } }] });

    clock.advance(5 * 60_000);
    const table = await call(FLUNDERS, { ...opts, headers: { ...opts.headers, Accept: TABLE_ACCEPT } });
    expect(table.json()).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      columnDefinitions: [
        { name: 'Name', type: 'string', format: 'name' },
        { name: 'Age', type: 'string' },
      ],
      rows: [{ cells: ['one', '5m'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'one' } } }],
    });

    const patched = await call(`${FLUNDERS}/one`, { ...opts, method: 'PATCH', headers: { ...opts.headers, 'content-type': 'application/merge-patch+json' }, body: { metadata: { labels: { tier: 'gold' } } } });
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({ metadata: { labels: { app: 'x', tier: 'gold' }, uid: obj.metadata.uid } });
    const stale = await call(`${FLUNDERS}/one`, { ...opts, method: 'PUT', body: { ...flunder, metadata: { ...flunder.metadata, resourceVersion: obj.metadata.resourceVersion } } });
    expect(stale.status).toBe(409);
    expect(stale.json()).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on flunders.wardle.example.com "one": the object has been modified; please apply your changes to the latest version and try again' });

    const deleted = await call(`${FLUNDERS}/one`, { ...opts, method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'one', group: 'wardle.example.com', kind: 'flunders', uid: obj.metadata.uid } });
    const missing = await call(`${FLUNDERS}/one`, opts);
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'flunders.wardle.example.com "one" not found', code: 404 });
    expect((await call(`${FLUNDERS}/one`, { ...opts, method: 'DELETE' })).status).toBe(404);

    const invalid = await call(FLUNDERS, { ...opts, method: 'POST', body: { ...flunder, metadata: { name: 'Not_Valid' } } });
    expect(invalid.status).toBe(422);
    expect(invalid.json()).toMatchObject({ reason: 'Invalid', message: expect.stringMatching(/^Flunder\.wardle\.example\.com "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain/) });
  });

  test('a watch sees the objects its selector picks, added and deleted', async () => {
    const opts = { cert: proxyCert, headers: asUser('bob') };
    const events: { type: string; name: string }[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: `${FLUNDERS}?watch=true&fieldSelector=metadata.name%3Dw1`, ca: server.caPem, servername: SERVICE_NAME, agent: false, cert: proxyCert.certPem, key: proxyCert.keyPem, headers: opts.headers },
        (res) => {
          let buf = '';
          res.setEncoding('utf8').on('data', (d: string) => {
            buf += d;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const e = JSON.parse(buf.slice(0, nl)) as { type: string; object: { metadata: { name: string } } };
              events.push({ type: e.type, name: e.object.metadata.name });
              buf = buf.slice(nl + 1);
              if (e.type === 'DELETED') req.destroy();
            }
          });
          res.on('close', () => resolve());
        },
      );
      req.on('error', (e) => (events.some((x) => x.type === 'DELETED') ? resolve() : reject(e)));
      req.end();
    });
    // The watch is registered once its request has been recorded and answered with 200.
    for (let i = 0; i < 100 && !server.requests.some((r) => r.query.startsWith('watch=true') && r.status === 200); i++) await new Promise((r) => setTimeout(r, 10));
    for (const name of ['w1', 'w2']) expect((await call(FLUNDERS, { ...opts, method: 'POST', body: { apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name } } })).status).toBe(201);
    expect((await call(`${FLUNDERS}/w2`, { ...opts, method: 'DELETE' })).status).toBe(200);
    expect((await call(`${FLUNDERS}/w1`, { ...opts, method: 'DELETE' })).status).toBe(200);
    await ended;
    expect(events).toEqual([
      { type: 'ADDED', name: 'w1' },
      { type: 'DELETED', name: 'w1' },
    ]);
  });

  test('what the server received is recorded: identity headers, extras, an Authorization header', async () => {
    await call(FLUNDERS, { cert: proxyCert, headers: { 'X-Remote-User': 'carol', 'X-Remote-Group': ['a', 'b'], 'X-Remote-Extra-Scopes': ['read', 'write'], 'X-Remote-Extra-Acme.com%2Fproject': 'p1', Authorization: 'Bearer leaked' } });
    expect(server.requests.at(-1)).toEqual({
      method: 'GET',
      path: FLUNDERS,
      query: '',
      accept: '',
      clientCommonName: 'system:auth-proxy',
      user: 'carol',
      groups: ['a', 'b'],
      extra: { scopes: ['read', 'write'], 'acme.com/project': ['p1'] },
      authorization: true,
      status: 200,
    });
  });

  test('without a front-proxy certificate with an allowed CN, or without a user, requests get 401', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'other-ca', validDays: 1, clock: systemClock });
    const wrongCn = await issueClientCertificate({ ca: requestHeaderCa, commonName: 'mallory', ttlDays: 1, clock: systemClock });
    const foreign = await issueClientCertificate({ ca: otherCa, commonName: 'system:auth-proxy', ttlDays: 1, clock: systemClock });
    const unauthorized = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
    const cases: [string, CallOptions][] = [
      ['no certificate', { headers: asUser('alice') }],
      ['no certificate, a bearer token', { headers: { ...asUser('alice'), Authorization: 'Bearer abc' } }],
      ['a CN that is not allowed', { cert: wrongCn, headers: asUser('alice') }],
      ['a certificate from another CA', { cert: foreign, headers: asUser('alice') }],
      ['no X-Remote-User', { cert: proxyCert }],
    ];
    for (const [what, opts] of cases) {
      for (const path of ['/apis', FLUNDERS, '/healthz']) {
        const r = await call(path, opts);
        expect({ what, path, status: r.status, body: r.json() }).toEqual({ what, path, status: 401, body: unauthorized });
      }
    }
    const created = await call(FLUNDERS, { headers: asUser('alice'), method: 'POST', body: { apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name: 'sneaky' } } });
    expect(created.status).toBe(401);
    expect((await call(`${FLUNDERS}/sneaky`, { cert: proxyCert, headers: asUser('alice') })).status).toBe(404);
    expect(server.requests.filter((r) => r.status === 401).map((r) => r.clientCommonName)).toContain('mallory');
  });

  test('an empty allowedNames accepts any CN the request-header CA signed', async () => {
    const open = await startExtensionApiServer({ requestHeaderCaPem: requestHeaderCa.certPem, allowedNames: [], host: '127.0.0.1', serverNames: [SERVICE_NAME] });
    try {
      const anyCn = await issueClientCertificate({ ca: requestHeaderCa, commonName: 'front-proxy-client', ttlDays: 1, clock: systemClock });
      expect((await call('/apis', { cert: anyCn, headers: asUser('alice'), target: open })).status).toBe(200);
      expect((await call('/apis', { cert: anyCn, headers: asUser('alice') })).status).toBe(401);
    } finally {
      await open.close();
    }
  });

  test('the serving certificate is valid for the Service name only', async () => {
    await expect(call('/healthz', { cert: proxyCert, headers: asUser('alice'), servername: 'wardle-api.elsewhere.svc' })).rejects.toThrow(/does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});
