import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { FakeClock } from '../util/clock.js';
import { DEFAULT_ISSUER } from './claims.js';
import { TokenSigner } from './jwt.js';
import { ensureServiceAccountKey } from './signing-key.js';
import { TokenRequestService, type BoundObjectGetter } from './token-request.js';

const dir = mkdtempSync(join(tmpdir(), 'lite-sa-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const signer = new TokenSigner(ensureServiceAccountKey(dir));

const objects: Record<string, KubeObject> = {
  'serviceaccounts/robot': { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'ns', uid: 'sa-uid' } },
  'pods/p': { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'pod-uid' }, spec: { serviceAccountName: 'robot', nodeName: 'gone' } },
  'pods/other': { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'ns', uid: 'o-uid' }, spec: { serviceAccountName: 'default' } },
};
const get: BoundObjectGetter = async (resource, _ns, name) => {
  const o = objects[`${resource}/${name}`];
  if (!o) throw ApiError.notFound({ group: '', resource }, name);
  return o;
};

function service(max?: number) {
  const clock = new FakeClock(Date.parse('2026-03-01T00:00:00Z'));
  return { clock, svc: new TokenRequestService({ signer, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], get, clock, ...(max ? { maxExpirationSeconds: max } : {}) }) };
}

const payload = (tr: KubeObject) => JSON.parse(Buffer.from(String((tr.status as { token: string }).token).split('.')[1], 'base64url').toString());
const req = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec });

describe('TokenRequest', () => {
  it('extends pod-bound 3607 s tokens to a year, reporting them stale after 3607 s', async () => {
    const { svc, clock } = service();
    const now = clock.now() / 1000;
    const tr = await svc.create('ns', 'robot', req({ expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }));
    expect(tr.status).toMatchObject({ expirationTimestamp: new Date((now + 3607) * 1000).toISOString().replace('.000', '') });
    const p = payload(tr);
    expect(p.exp).toBe(now + 365 * 24 * 3600);
    expect(p['kubernetes.io'].warnafter).toBe(now + 3607);
    // The node of the pod is gone: the token simply does not name it.
    expect(p['kubernetes.io'].node).toBeUndefined();
    expect(tr.metadata).toMatchObject({ name: 'robot', namespace: 'ns' });
  });

  it('does not extend other tokens', async () => {
    const { svc, clock } = service();
    const now = clock.now() / 1000;
    expect(payload(await svc.create('ns', 'robot', req({ expirationSeconds: 3607 }))).exp).toBe(now + 3607);
    expect(payload(await svc.create('ns', 'robot', req({ expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }))).exp).toBe(now + 3607);
  });

  it('shortens to the maximum with a warning', async () => {
    const { svc } = service(7200);
    const warnings: string[] = [];
    const tr = await svc.create('ns', 'robot', req({ expirationSeconds: 86400 }), warnings);
    expect((tr.spec as { expirationSeconds: number }).expirationSeconds).toBe(7200);
    expect(warnings).toEqual(['requested expiration of 86400 seconds shortened to 7200 seconds']);
  });

  it('refuses what upstream refuses', async () => {
    const { svc } = service();
    await expect(svc.create('ns', 'robot', req({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } }))).rejects.toMatchObject({
      code: 400,
      message: 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.',
    });
    await expect(svc.create('ns', 'robot', { ...req({}), metadata: { name: 'x' } })).rejects.toMatchObject({ code: 422 });
    await expect(svc.create('ns', 'robot', req({ expirationSeconds: 599 }))).rejects.toMatchObject({ code: 422, message: expect.stringContaining('may not specify a duration less than 10 minutes') });
    await expect(svc.create('ns', 'robot', req({ expirationSeconds: 2 ** 33 }))).rejects.toMatchObject({ code: 422, message: expect.stringContaining('may not specify a duration larger than 2^32 seconds') });
    await expect(svc.create('ns', 'robot', req({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'missing' } }))).rejects.toMatchObject({ code: 404, message: 'pods "missing" not found' });
    await expect(svc.create('ns', 'robot', req({ boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' } }))).rejects.toMatchObject({
      code: 400,
      message: 'cannot bind token for serviceaccount "robot" to object of type apps/v1, Kind=Deployment',
    });
  });
});
