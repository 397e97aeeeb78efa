/**
 * Service-account tokens end to end in-process, over HTTPS: TokenRequest (serviceaccounts/token)
 * issues a JWT that authenticates as the ServiceAccount; bound tokens die with their pod or
 * secret; TokenReview; the ServiceAccount admission plugin; kube-root-ca.crt in every namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, uniqueName, waitFor, type TestServer } from './helpers.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

async function requestToken(ns: string, sa: string, spec: Record<string, unknown> = {}) {
  return rawRequest(t.server, {
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec }),
  });
}

async function whoami(token: string) {
  return rawRequest(t.server, {
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    token,
  });
}

async function createNamespace(name: string) {
  const r = await rawRequest(t.server, { method: 'POST', path: '/api/v1/namespaces', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
  expect(r.status).toBe(201);
}

function pod(name: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } });
}

async function createPod(ns: string, name: string, extra: Record<string, unknown> = {}) {
  return rawRequest(t.server, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, headers: { 'Content-Type': 'application/json' }, body: pod(name, extra) });
}

describe('TokenRequest and service-account authentication', () => {
  it('issues a token for the default ServiceAccount that authenticates as it', async () => {
    await waitFor('default ServiceAccount', async () => (await rawRequest(t.server, { path: '/api/v1/namespaces/default/serviceaccounts/default' })).status === 200 || undefined);
    const r = await requestToken('default', 'default');
    expect(r.status).toBe(201);
    expect(r.json.kind).toBe('TokenRequest');
    expect(r.json.spec.expirationSeconds).toBe(3600);
    expect(r.json.spec.audiences).toEqual(['https://kubernetes.default.svc.cluster.local']);
    const exp = Date.parse(r.json.status.expirationTimestamp);
    expect(exp - Date.now()).toBeGreaterThan(3500_000);
    const token: string = r.json.status.token;
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.iss).toBe('https://kubernetes.default.svc.cluster.local');
    expect(payload.sub).toBe('system:serviceaccount:default:default');
    expect(payload['kubernetes.io'].namespace).toBe('default');

    const who = await whoami(token);
    expect(who.status).toBe(201);
    const sa = (await rawRequest(t.server, { path: '/api/v1/namespaces/default/serviceaccounts/default' })).json;
    expect(who.json.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:default',
      uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    expect(who.json.status.userInfo.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^JTI=/);
    // Authenticated, then authorized by RBAC like any user: nothing until a role is bound.
    const denied = await rawRequest(t.server, { path: '/api/v1/namespaces/default/pods', token });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe('pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"');
    await bindView('default', 'default');
    await waitFor('the token reads pods', async () => (await rawRequest(t.server, { path: '/api/v1/namespaces/default/pods', token })).status === 200 || undefined);
  });

  it('validates expirationSeconds and the service account', async () => {
    const short = await requestToken('default', 'default', { expirationSeconds: 10 });
    expect(short.status).toBe(422);
    expect(short.json.message).toContain('may not specify a duration less than 10 minutes');
    const missing = await requestToken('default', 'nobody');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('serviceaccounts "nobody" not found');
    const custom = await requestToken('default', 'default', { expirationSeconds: 7200, audiences: ['vault'] });
    expect(custom.status).toBe(201);
    expect(Date.parse(custom.json.status.expirationTimestamp) - Date.now()).toBeGreaterThan(7100_000);
    // A token for another audience is not good for the API server.
    expect((await whoami(custom.json.status.token)).status).toBe(401);
  });

  it('binds a token to a pod: valid while the pod exists', async () => {
    const ns = uniqueName('tok');
    await createNamespace(ns);
    const created = await createPod(ns, 'p');
    expect(created.status).toBe(201);
    expect(created.json.spec.serviceAccountName).toBe('default');
    const r = await requestToken(ns, 'default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } });
    expect(r.status).toBe(201);
    const token = r.json.status.token;
    const who = await whoami(token);
    expect(who.status).toBe(201);
    expect(who.json.status.userInfo.extra['authentication.kubernetes.io/pod-name']).toEqual(['p']);
    expect(who.json.status.userInfo.extra['authentication.kubernetes.io/pod-uid']).toEqual([created.json.metadata.uid]);

    const wrongUid = await requestToken(ns, 'default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'not-it' } });
    expect(wrongUid.status).toBe(409);
    const badKind = await requestToken(ns, 'default', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } });
    expect(badKind.status).toBe(400);

    // Unscheduled pods are deleted at once.
    expect((await rawRequest(t.server, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/p` })).status).toBe(200);
    expect((await whoami(token)).status).toBe(401);
    const review = await rawRequest(t.server, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
    });
    expect(review.json.status).toMatchObject({ authenticated: false, error: 'service account token has been invalidated' });
  });

  it('a token dies with its ServiceAccount; TokenReview reports users and audiences', async () => {
    const ns = uniqueName('tok');
    await createNamespace(ns);
    const sa = await rawRequest(t.server, { method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }) });
    expect(sa.status).toBe(201);
    const token = (await requestToken(ns, 'robot')).json.status.token;
    const review = await rawRequest(t.server, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
    });
    expect(review.json.status).toMatchObject({ authenticated: true, user: { username: `system:serviceaccount:${ns}:robot` }, audiences: ['https://kubernetes.default.svc.cluster.local'] });
    expect((await rawRequest(t.server, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/serviceaccounts/robot` })).status).toBe(200);
    expect((await whoami(token)).status).toBe(401);
  });
});

/** Binds the `view` ClusterRole to a service account in its namespace (idempotent). */
async function bindView(namespace: string, serviceAccount: string): Promise<void> {
  const name = `${serviceAccount}-view`;
  const res = await rawRequest(t.server, {
    method: 'POST',
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`,
    body: JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    }),
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`binding view: HTTP ${res.status} ${res.text}`);
}

describe('in-cluster client configuration', () => {
  it("client-node's loadFromCluster works with a pod's token, ca.crt and namespace files", async () => {
    const { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { AuthenticationV1Api, CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
    const root = mkdtempSync(join(tmpdir(), 'lite-incluster-'));
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    try {
      const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'token'), (await requestToken('default', 'default')).json.status.token);
      writeFileSync(join(dir, 'ca.crt'), (await rawRequest(t.server, { path: '/api/v1/namespaces/default/configmaps/kube-root-ca.crt' })).json.data['ca.crt']);
      writeFileSync(join(dir, 'namespace'), 'default');
      process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
      process.env.KUBERNETES_SERVICE_PORT = String(t.server.port);
      const kc = new KubeConfig();
      kc.loadFromCluster(root);
      await bindView('default', 'default');
      await waitFor('the service account may list pods', async () => (await rawRequest(t.server, { path: '/api/v1/namespaces/default/pods', token: readFileSync(join(dir, 'token'), 'utf8') })).status === 200 || undefined);
      const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: kc.getContextObject(kc.getCurrentContext())?.namespace ?? '' });
      expect(pods.kind ?? 'PodList').toBe('PodList');
      const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
      expect(review.status?.userInfo?.username).toBe('system:serviceaccount:default:default');
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('legacy token Secrets', () => {
  it('a hand-made kubernetes.io/service-account-token Secret gets a token that authenticates until the Secret goes', async () => {
    const ns = uniqueName('legacy');
    await createNamespace(ns);
    await waitFor('default ServiceAccount', async () => (await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/serviceaccounts/default` })).status === 200 || undefined);
    const created = await rawRequest(t.server, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'default-token', annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' }),
    });
    expect(created.status).toBe(201);
    const path = `/api/v1/namespaces/${ns}/secrets/default-token`;
    const secret = await waitFor('the token filled in', async () => {
      const r = await rawRequest(t.server, { path });
      return r.json?.data?.token ? r.json : undefined;
    });
    expect(Buffer.from(secret.data['ca.crt'], 'base64').toString()).toBe(t.server.caCertPem);
    const token = Buffer.from(secret.data.token, 'base64').toString();
    const who = await whoami(token);
    expect(who.status).toBe(201);
    expect(who.json.status.userInfo.username).toBe(`system:serviceaccount:${ns}:default`);
    expect((await rawRequest(t.server, { method: 'DELETE', path })).status).toBe(200);
    expect((await whoami(token)).status).toBe(401);
  });
});

describe('ServiceAccount admission', () => {
  it('mounts the kube-api-access volume and refuses unknown service accounts', async () => {
    const ns = uniqueName('adm');
    await createNamespace(ns);
    const created = await createPod(ns, 'p', { initContainers: [{ name: 'i', image: 'busybox' }] });
    expect(created.status).toBe(201);
    const spec = created.json.spec;
    const vol = spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    expect(vol.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(vol.projected.sources[0]).toEqual({ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.volumeMounts).toContainEqual({ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
    }
    const off = await createPod(ns, 'q', { automountServiceAccountToken: false });
    expect(off.status).toBe(201);
    expect(off.json.spec.volumes ?? []).toEqual([]);
    const bad = await createPod(ns, 'r', { serviceAccountName: 'ghost' });
    expect(bad.status).toBe(403);
    expect(bad.json.message).toBe(`pods "r" is forbidden: error looking up service account ${ns}/ghost: serviceaccount "ghost" not found`);
  });
});

describe('kube-root-ca.crt', () => {
  it('is published in every namespace, recreated when deleted and restored when changed', async () => {
    const ns = uniqueName('ca');
    await createNamespace(ns);
    const path = `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`;
    const cm = await waitFor('kube-root-ca.crt', async () => {
      const r = await rawRequest(t.server, { path });
      return r.status === 200 ? r.json : undefined;
    });
    expect(cm.data['ca.crt']).toBe(t.server.caCertPem);
    expect((await rawRequest(t.server, { method: 'DELETE', path })).status).toBe(200);
    await waitFor('recreated', async () => (await rawRequest(t.server, { path })).status === 200 || undefined);
    const patched = await rawRequest(t.server, { method: 'PATCH', path, headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ data: { 'ca.crt': 'tampered' } }) });
    expect(patched.status).toBe(200);
    await waitFor('restored', async () => (await rawRequest(t.server, { path })).json.data['ca.crt'] === t.server.caCertPem || undefined);
  });
});

describe('service-account issuer discovery', () => {
  it('serves the OIDC configuration and the JWKS that verifies issued tokens', async () => {
    const conf = await rawRequest(t.server, { path: '/.well-known/openid-configuration' });
    expect(conf.status).toBe(200);
    expect(conf.json).toEqual({
      issuer: 'https://kubernetes.default.svc.cluster.local',
      jwks_uri: 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = await rawRequest(t.server, { path: '/openid/v1/jwks' });
    expect(jwks.headers['content-type']).toBe('application/jwk-set+json');
    const token: string = (await requestToken('default', 'default')).json.status.token;
    const kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
    const jwk = jwks.json.keys.find((k: { kid: string }) => k.kid === kid);
    expect(jwk).toMatchObject({ use: 'sig', kty: 'RSA', alg: 'RS256' });
    const { createPublicKey, verify } = await import('node:crypto');
    const [h, p, sig] = token.split('.');
    expect(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(sig, 'base64url'))).toBe(true);
    expect((await rawRequest(t.server, { path: '/openid/v1/jwks', token: null })).status).toBe(401);
  });
});

describe('discovery', () => {
  it('lists serviceaccounts/token as TokenRequest and OpenAPI has its path', async () => {
    const list = await rawRequest(t.server, { path: '/api/v1' });
    const token = list.json.resources.find((r: { name: string }) => r.name === 'serviceaccounts/token');
    expect(token).toMatchObject({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'], namespaced: true });
    const doc = await rawRequest(t.server, { path: '/openapi/v3/api/v1' });
    expect(doc.json.paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token'].post['x-kubernetes-group-version-kind']).toEqual({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
  });
});

describe('pod updates', () => {
  it('a PUT that leaves out the deprecated serviceAccount field is no spec change', async () => {
    const ns = uniqueName('upd');
    await createNamespace(ns);
    const created = await createPod(ns, 'p');
    expect(created.json.spec.serviceAccount).toBe('default');
    // The scheduler may have written the status meanwhile: PUT over the current version.
    const current = (await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/pods/p` })).json;
    const { serviceAccount: _dropped, ...spec } = current.spec;
    const body = { ...current, metadata: { ...current.metadata, labels: { x: 'y' } }, spec };
    const put = await rawRequest(t.server, { method: 'PUT', path: `/api/v1/namespaces/${ns}/pods/p`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(put.status).toBe(200);
    expect(put.json.metadata.labels).toEqual({ x: 'y' });
  });
});
