import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { TokenSigner } from '../../serviceaccount/jwt.js';
import { generateServiceAccountKey } from '../../serviceaccount/signing-key.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { TokensController } from './tokens-controller.js';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('TokensController (legacy service-account token Secrets)', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new TokensController(api.context, { signer: new TokenSigner(generateServiceAccountKey()), rootCaPem: PEM }).run(api.signal);
  });
  afterEach(() => api.stop());

  const secret = (name: string, sa: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, annotations: { 'kubernetes.io/service-account.name': sa } }, type: 'kubernetes.io/service-account-token' });
  const get = async (name: string) => api.client.get(SECRETS, 'default', name).catch(() => undefined);

  it('fills token, ca.crt and namespace of a hand-made token Secret and records the uid', async () => {
    const sa = await api.client.create(resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    await api.client.create(SECRETS, 'default', secret('robot-token', 'robot'));
    await until(async () => Boolean(((await get('robot-token'))?.data as Record<string, string> | undefined)?.token), 'the token');
    const s = (await get('robot-token')) as KubeObject;
    const data = s.data as Record<string, string>;
    expect(Buffer.from(data['ca.crt'] ?? '', 'base64').toString()).toBe(PEM);
    expect(Buffer.from(data.namespace ?? '', 'base64').toString()).toBe('default');
    const claims = JSON.parse(Buffer.from(Buffer.from(data.token ?? '', 'base64').toString().split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toEqual({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:default:robot',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'robot-token',
      'kubernetes.io/serviceaccount/service-account.name': 'robot',
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
    });
    expect(s.metadata.annotations?.['kubernetes.io/service-account.uid']).toBe(sa.metadata.uid);

    // Deleting the ServiceAccount deletes its token Secrets.
    await api.client.delete(resources.serviceaccounts, 'default', 'robot');
    await until(async () => (await get('robot-token')) === undefined, 'the secret deleted');
  });

  it('deletes a token Secret whose ServiceAccount does not exist', async () => {
    await api.client.create(SECRETS, 'default', secret('orphan', 'nobody'));
    await until(async () => (await get('orphan')) === undefined, 'the orphan deleted');
  });
});
