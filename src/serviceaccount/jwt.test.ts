import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { boundClaims, DEFAULT_ISSUER, legacyClaims, type TokenObjectGetter } from './claims.js';
import { ServiceAccountTokenAuthenticator, TokenSigner } from './jwt.js';
import { ensureServiceAccountKey } from './signing-key.js';

const dir = mkdtempSync(join(tmpdir(), 'lite-sa-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = ensureServiceAccountKey(dir);

const obj = (kind: string, name: string, uid: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'ns', uid }, ...extra });

/** A mutable object store standing in for the API. */
function store(objects: KubeObject[]) {
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const getter: TokenObjectGetter = {
    serviceAccount: async (_ns, name) => find('ServiceAccount', name),
    pod: async (_ns, name) => find('Pod', name),
    secret: async (_ns, name) => find('Secret', name),
    node: async (name) => find('Node', name),
  };
  return { objects, getter };
}

function setup(objects: KubeObject[]) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const s = store(objects);
  const auth = new ServiceAccountTokenAuthenticator({ publicKeyPems: [key.publicKeyPem], issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], getter: s.getter, clock, logger: silentLogger });
  const signer = new TokenSigner(key);
  const nowSec = () => Math.floor(clock.now() / 1000);
  return { clock, s, auth, signer, nowSec };
}

const sa = obj('ServiceAccount', 'robot', 'sa-uid');
const pod = obj('Pod', 'p', 'pod-uid', { spec: { serviceAccountName: 'robot', nodeName: 'n1' } });
const node = obj('Node', 'n1', 'node-uid');
const secret = obj('Secret', 's', 'secret-uid');

describe('signing key', () => {
  it('is created once (0600) and reused; the key id is the SHA-256 of the public key', () => {
    expect(key.generated).toBe(true);
    expect(statSync(join(dir, 'service.key')).mode & 0o777).toBe(0o600);
    const again = ensureServiceAccountKey(dir);
    expect(again.generated).toBe(false);
    expect(again.keyId).toBe(key.keyId);
    expect(key.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('replaces an unusable key file', () => {
    const other = mkdtempSync(join(tmpdir(), 'lite-sa-key-'));
    try {
      writeFileSync(join(other, 'service.key'), 'garbage');
      const k = ensureServiceAccountKey(other);
      expect(k.generated).toBe(true);
      expect(readFileSync(join(other, 'service.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('bound tokens', () => {
  it('carry upstream claims and authenticate as the service account with pod and node extras', async () => {
    const { auth, signer, nowSec } = setup([sa, pod, node]);
    const claims = boundClaims({ issuer: DEFAULT_ISSUER, serviceAccount: sa, pod, node, audiences: [DEFAULT_ISSUER], now: nowSec(), expirationSeconds: 3600, warnAfterSeconds: 0, jti: 'j1' });
    expect(claims).toEqual({
      iss: DEFAULT_ISSUER,
      sub: 'system:serviceaccount:ns:robot',
      aud: [DEFAULT_ISSUER],
      iat: nowSec(),
      nbf: nowSec(),
      exp: nowSec() + 3600,
      jti: 'j1',
      'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'robot', uid: 'sa-uid' }, pod: { name: 'p', uid: 'pod-uid' }, node: { name: 'n1', uid: 'node-uid' } },
    });
    const token = await signer.sign(claims);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'RS256', kid: key.keyId });
    const r = await auth.review(token);
    expect(r).toEqual({
      authenticated: true,
      audiences: [DEFAULT_ISSUER],
      user: {
        username: 'system:serviceaccount:ns:robot',
        uid: 'sa-uid',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['p'],
          'authentication.kubernetes.io/pod-uid': ['pod-uid'],
          'authentication.kubernetes.io/credential-id': ['JTI=j1'],
          'authentication.kubernetes.io/node-name': ['n1'],
          'authentication.kubernetes.io/node-uid': ['node-uid'],
        },
      },
    });
  });

  it('expire (with a minute of leeway)', async () => {
    const { auth, signer, nowSec, clock } = setup([sa]);
    const token = await signer.sign(boundClaims({ issuer: DEFAULT_ISSUER, serviceAccount: sa, audiences: [DEFAULT_ISSUER], now: nowSec(), expirationSeconds: 600, warnAfterSeconds: 0, jti: 'j' }));
    clock.advance(650_000);
    expect((await auth.review(token))?.authenticated).toBe(true);
    clock.advance(20_000);
    expect(await auth.review(token)).toEqual({ authenticated: false, error: 'service account token has expired' });
  });

  it('die with their service account, pod, secret or node, or when those are recreated', async () => {
    const { auth, signer, nowSec, s } = setup([sa, pod, secret, node]);
    const sign = (o: { pod?: KubeObject; secret?: KubeObject; node?: KubeObject }) =>
      signer.sign(boundClaims({ issuer: DEFAULT_ISSUER, serviceAccount: sa, ...o, audiences: [DEFAULT_ISSUER], now: nowSec(), expirationSeconds: 3600, warnAfterSeconds: 0, jti: 'j' }));
    const podToken = await sign({ pod });
    const secretToken = await sign({ secret });
    const nodeToken = await sign({ node });
    for (const t of [podToken, secretToken, nodeToken]) expect((await auth.review(t))?.authenticated).toBe(true);

    s.objects.splice(s.objects.indexOf(pod), 1, { ...pod, metadata: { ...pod.metadata, uid: 'pod-uid-2' } });
    expect(await auth.review(podToken)).toEqual({ authenticated: false, error: 'pod UID (pod-uid-2) does not match service account pod ref claim (pod-uid)' });
    s.objects.splice(s.objects.findIndex((o) => o.kind === 'Pod'), 1);
    expect(await auth.review(podToken)).toEqual({ authenticated: false, error: 'service account token has been invalidated' });
    s.objects.splice(s.objects.indexOf(secret), 1);
    expect(await auth.review(secretToken)).toEqual({ authenticated: false, error: 'service account token has been invalidated' });
    s.objects.splice(s.objects.indexOf(node), 1, { ...node, metadata: { ...node.metadata, uid: 'other' } });
    expect(await auth.review(nodeToken)).toEqual({ authenticated: false, error: 'node UID (other) does not match service account node ref claim (node-uid)' });
    s.objects.splice(s.objects.indexOf(sa), 1);
    expect(await auth.review(await sign({}))).toEqual({ authenticated: false, error: 'serviceaccounts "robot" not found' });
  });

  it('a pod that is being deleted keeps its token valid for the leeway only', async () => {
    const { auth, signer, nowSec, s, clock } = setup([sa]);
    const deleting = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(clock.now()).toISOString() } };
    s.objects.push(deleting);
    const token = await signer.sign(boundClaims({ issuer: DEFAULT_ISSUER, serviceAccount: sa, pod: deleting, audiences: [DEFAULT_ISSUER], now: nowSec(), expirationSeconds: 3600, warnAfterSeconds: 0, jti: 'j' }));
    expect((await auth.review(token))?.authenticated).toBe(true);
    clock.advance(61_000);
    expect(await auth.review(token)).toEqual({ authenticated: false, error: 'service account token has been invalidated' });
  });

  it('must be meant for the requested audience', async () => {
    const { auth, signer, nowSec } = setup([sa]);
    const token = await signer.sign(boundClaims({ issuer: DEFAULT_ISSUER, serviceAccount: sa, audiences: ['vault'], now: nowSec(), expirationSeconds: 3600, warnAfterSeconds: 0, jti: 'j' }));
    expect(await auth.review(token)).toEqual({ authenticated: false, error: `token audiences ["vault"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]` });
    expect(await auth.review(token, ['vault'])).toMatchObject({ authenticated: true, audiences: ['vault'] });
  });

  it('signed by another key are refused; tokens of other issuers and non-JWTs are not ours', async () => {
    const { auth, nowSec } = setup([sa]);
    const otherDir = mkdtempSync(join(tmpdir(), 'lite-sa-key-'));
    try {
      const other = new TokenSigner(ensureServiceAccountKey(otherDir));
      const forged = await other.sign(boundClaims({ issuer: DEFAULT_ISSUER, serviceAccount: sa, audiences: [DEFAULT_ISSUER], now: nowSec(), expirationSeconds: 3600, warnAfterSeconds: 0, jti: 'j' }));
      expect(await auth.review(forged)).toEqual({ authenticated: false, error: 'token signature is invalid' });
      const foreign = await other.sign(boundClaims({ issuer: 'https://elsewhere', serviceAccount: sa, audiences: [DEFAULT_ISSUER], now: nowSec(), expirationSeconds: 3600, warnAfterSeconds: 0, jti: 'j' }));
      expect(await auth.review(foreign)).toBeUndefined();
      expect(await auth.review('0123456789abcdef')).toBeUndefined();
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

describe('legacy secret tokens', () => {
  it('are valid while the secret holds the very token and the service account keeps its uid', async () => {
    const { auth, signer, s } = setup([sa]);
    const tokenSecret = obj('Secret', 'robot-token', 'st-uid', { type: 'kubernetes.io/service-account-token' });
    const token = await signer.sign(legacyClaims(sa, tokenSecret));
    s.objects.push({ ...tokenSecret, data: { token: Buffer.from(token).toString('base64') } });
    expect(await auth.review(token)).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:ns:robot', uid: 'sa-uid' } });
    s.objects[1] = { ...tokenSecret, data: { token: Buffer.from('something else').toString('base64') } };
    expect(await auth.review(token)).toEqual({ authenticated: false, error: "token does not match server's copy" });
    s.objects.pop();
    expect(await auth.review(token)).toEqual({ authenticated: false, error: 'token has been invalidated' });
  });
});
