/**
 * Service-account tokens with the real bin/lite (server + embedded Docker agent) and kubectl 1.32:
 *  - `kubectl create token default` (plain, `--duration`, `--bound-object-kind Pod`) and
 *    `kubectl --token … auth whoami` printing the ServiceAccount user;
 *  - a busybox pod gets the kube-api-access volume (token, ca.crt, namespace at
 *    /var/run/secrets/kubernetes.io/serviceaccount) and KUBERNETES_SERVICE_HOST/PORT; from inside
 *    the pod, kubernetes.default.svc resolves and its ClusterIP reaches the API server's TLS port
 *    (busybox's wget cannot finish the handshake: it offers RSA signatures only); the authenticated
 *    call to /api/v1/namespaces/<ns>/pods is made from the host with the pod's token and ca.crt,
 *    verifying kubernetes.default.svc and the ClusterIP against the serving certificate;
 *  - a pod-bound token stops working once its pod is deleted.
 */
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { describeResult } from './support/kubectl.js';
import { eventually } from './support/wait.js';

// A pod range of its own: a leftover Docker network of another cluster on 10.42.0.0/24 does not block it.
// Listening on every address: the pod reaches the server at the host's address (the endpoint of
// the kubernetes Service); kubectl keeps using 127.0.0.1.
const ctx = useCluster({ agent: true, bindAddress: '0.0.0.0', args: ['--cluster-cidr', '10.78.0.0/16'] });
const ns = uniqueName('satok');

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number; exp: number; sub: string; 'kubernetes.io': { pod?: { name: string } } };

beforeAll(async () => {
  await ensureE2eImages();
  await ctx.kubectl.ok(['create', 'namespace', ns]);
}, 120_000);

afterAll(async () => {
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
}, 80_000);

async function createToken(args: readonly string[] = []): Promise<string> {
  // The serviceaccounts controller creates `default` just after the namespace.
  for (let i = 0; ; i++) {
    const r = await ctx.kubectl.run(['create', 'token', 'default', '-n', ns, ...args]);
    if (r.code === 0 && r.stderr === '') return r.stdout.trim();
    if (i >= 20 || !r.stderr.includes('not found')) throw new Error(describeResult(r));
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe('kubectl create token', () => {
  test('a token for the default ServiceAccount authenticates as it', async () => {
    const token = await createToken();
    const c = claims(token);
    expect(c.sub).toBe(`system:serviceaccount:${ns}:default`);
    expect(c.exp - c.iat).toBe(3600);
    const uid = await ctx.kubectl.ok(['get', 'sa', 'default', '-n', ns, '-o', 'jsonpath={.metadata.uid}']);
    const who = parseTable(await ctx.kubectl.ok(['--token', token, 'auth', 'whoami']));
    expect(who.slice(0, 3)).toEqual([
      { ATTRIBUTE: 'Username', VALUE: `system:serviceaccount:${ns}:default` },
      { ATTRIBUTE: 'UID', VALUE: uid },
      { ATTRIBUTE: 'Groups', VALUE: `[system:serviceaccounts system:serviceaccounts:${ns} system:authenticated]` },
    ]);
    expect(who[3]?.ATTRIBUTE).toBe('Extra: authentication.kubernetes.io/credential-id');
    // RBAC decides what the token may do: nothing until a role is bound to the ServiceAccount.
    const denied = await ctx.kubectl.fails(['--token', token, 'get', 'sa', '-n', ns, '-o', 'name']);
    expect(denied.stderr).toContain(`serviceaccounts is forbidden: User "system:serviceaccount:${ns}:default" cannot list resource "serviceaccounts" in API group "" in the namespace "${ns}"`);
    await ctx.kubectl.ok(['create', 'rolebinding', 'default-view', '--clusterrole=view', `--serviceaccount=${ns}:default`, '-n', ns]);
    await eventually(async () => (await ctx.kubectl.run(['--token', token, 'get', 'sa', '-n', ns, '-o', 'name'])).stdout === 'serviceaccount/default\n', { what: 'the token may list service accounts' });
  });

  test('--duration sets the lifetime; under 10 minutes is refused by the server', async () => {
    const c = claims(await createToken(['--duration', '2h']));
    expect(c.exp - c.iat).toBe(7200);
    const r = await ctx.kubectl.fails(['create', 'token', 'default', '-n', ns, '--duration', '5m']);
    expect(r.stderr).toContain('spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
  });

  test('a wrong token is Unauthorized', async () => {
    const r = await ctx.kubectl.fails(['--token', 'not-a-token', 'auth', 'whoami']);
    expect(r.stderr).toContain('Unauthorized');
  });
});

describe('in-cluster access from a pod', () => {
  const POD = 'client';

  test('the pod gets kube-api-access, the kubernetes Service env, and calls the API with its token', async () => {
    await ctx.kubectl.ok(['run', POD, '-n', ns, `--image=${TEST_IMAGES.busybox}`, '--restart=Never', '--', 'sleep', '3600']);
    await ctx.kubectl.ok(['wait', '-n', ns, `pod/${POD}`, '--for=condition=Ready', '--timeout=90s'], { timeoutMs: 100_000 });
    const vol = await ctx.kubectl.ok(['get', 'pod', POD, '-n', ns, '-o', 'jsonpath={.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath} {.spec.serviceAccountName}']);
    expect(vol).toMatch(/^kube-api-access-[a-z0-9]{5} \/var\/run\/secrets\/kubernetes\.io\/serviceaccount default$/);

    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect(await ctx.kubectl.ok(['exec', '-n', ns, POD, '--', 'ls', dir])).toBe('ca.crt\nnamespace\ntoken\n');
    expect(await ctx.kubectl.ok(['exec', '-n', ns, POD, '--', 'cat', `${dir}/namespace`])).toBe(ns);
    expect(await ctx.kubectl.ok(['exec', '-n', ns, POD, '--', 'cat', `${dir}/ca.crt`])).toBe(await ctx.kubectl.ok(['get', 'cm', 'kube-root-ca.crt', '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}']));
    const token = await ctx.kubectl.ok(['exec', '-n', ns, POD, '--', 'cat', `${dir}/token`]);
    expect(claims(token)['kubernetes.io'].pod?.name).toBe(POD);
    const env = await ctx.kubectl.ok(['exec', '-n', ns, POD, '--', 'env']);
    expect(env).toContain('KUBERNETES_SERVICE_HOST=10.43.0.1\n');
    expect(env).toContain('KUBERNETES_SERVICE_PORT=443\n');
    // In the pod, the cluster DNS resolves kubernetes.default.svc and the kubernetes Service's
    // ClusterIP leads to the API server: busybox's wget gets as far as the TLS handshake, which the
    // server then refuses, because busybox's TLS offers only RSA signatures and lite's serving
    // certificate is ECDSA P-256 (as k3s'). So the authenticated call itself is made from the host
    // below, with exactly what the pod holds: its token and its ca.crt, verifying the name
    // kubernetes.default.svc and the ClusterIP against the certificate.
    const script = `wget -q -O - --header "Authorization: Bearer $(cat ${dir}/token)" https://kubernetes.default.svc/api/v1/namespaces/$(cat ${dir}/namespace)/pods`;
    const inPod = await ctx.kubectl.run(['exec', '-n', ns, POD, '--', 'sh', '-c', script], { timeoutMs: 30_000 });
    expect(inPod.stderr).toContain('wget: TLS error from peer (alert code 40): handshake failure');
    expect(inPod.stderr).not.toContain("can't connect");

    const ca = await ctx.kubectl.ok(['exec', '-n', ns, POD, '--', 'cat', `${dir}/ca.crt`]);
    const sanErrors: (Error | undefined)[] = [];
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: ctx.server.port,
          path: `/api/v1/namespaces/${ns}/pods`,
          servername: 'kubernetes.default.svc',
          ca,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
          checkServerIdentity: (_host, cert) => {
            sanErrors.push(checkServerIdentity('kubernetes.default.svc', cert), checkServerIdentity('kubernetes.default.svc.cluster.local', cert), checkServerIdentity('10.43.0.1', cert));
            return checkServerIdentity('kubernetes.default.svc', cert);
          },
          timeout: 10_000,
        },
        (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
    expect(sanErrors).toEqual([undefined, undefined, undefined]);
    expect(res.status).toBe(200);
    const list = JSON.parse(res.body) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata.name)).toEqual([POD]);
    // The pod's token authenticates as its ServiceAccount, bound to the pod.
    const who = parseTable(await ctx.kubectl.ok(['--token', token, 'auth', 'whoami']));
    expect(who[0]).toEqual({ ATTRIBUTE: 'Username', VALUE: `system:serviceaccount:${ns}:default` });
    expect(who.find((r) => r.ATTRIBUTE === 'Extra: authentication.kubernetes.io/pod-name')?.VALUE).toBe(`[${POD}]`);
  }, 150_000);

  test('a token bound to a pod stops working when the pod is deleted', async () => {
    await ctx.kubectl.ok(['run', 'short', '-n', ns, `--image=${TEST_IMAGES.busybox}`, '--restart=Never', '--', 'sleep', '3600']);
    const token = await createToken(['--bound-object-kind', 'Pod', '--bound-object-name', 'short']);
    expect(claims(token)['kubernetes.io'].pod?.name).toBe('short');
    expect(parseTable(await ctx.kubectl.ok(['--token', token, 'auth', 'whoami']))[0]?.VALUE).toBe(`system:serviceaccount:${ns}:default`);
    // --force prints kubectl's own warning on stderr.
    const del = await ctx.kubectl.run(['delete', 'pod', 'short', '-n', ns, '--grace-period=0', '--force']);
    expect(del.code, describeResult(del)).toBe(0);
    await ctx.kubectl.run(['wait', '-n', ns, 'pod/short', '--for=delete', '--timeout=60s'], { timeoutMs: 70_000 });
    const r = await ctx.kubectl.fails(['--token', token, 'auth', 'whoami']);
    expect(r.stderr).toContain('Unauthorized');
  }, 120_000);
});
