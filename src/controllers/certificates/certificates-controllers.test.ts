import { webcrypto } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { createCertificateAuthority } from '../../pki/issue-certificate.js';
import * as x509 from '../../pki/x509.js';
import { FakeClock } from '../../util/clock.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { csrCleanupReason, CsrCleanerController } from './csr-cleaner-controller.js';
import { csrResource, CsrSigningController } from './csr-signing-controller.js';

async function pkcs10(subject: string): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: subject, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } },
    webcrypto as unknown as NonNullable<Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[1]>,
  );
  return Buffer.from(csr.toString('pem')).toString('base64');
}

const csr = (name: string, request: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], ...spec },
});

describe('CsrSigningController', () => {
  let api: TestApi;
  const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
  beforeEach(async () => {
    api = await startTestApi({ clock });
    const clientCa = await createCertificateAuthority({ commonName: 'test-client-ca', validDays: 3650, clock });
    const serverCa = await createCertificateAuthority({ commonName: 'test-server-ca', validDays: 3650, clock });
    void new CsrSigningController(api.context, { clientCa, serverCa }).run(api.signal);
  });
  afterEach(() => api.stop());

  const approve = async (name: string) => {
    const current = await api.client.get(csrResource, undefined, name);
    await api.client.update(csrResource, undefined, { ...current, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } }, { subresource: 'approval' });
  };
  const statusOf = async (name: string) => (await api.client.get(csrResource, undefined, name)).status as { certificate?: string; conditions?: { type: string; reason?: string; message?: string }[] } | undefined;

  it('leaves a pending request alone and signs it once approved, for the requested duration, backdated 5 minutes', async () => {
    await api.client.create(csrResource, undefined, csr('jane', await pkcs10('CN=jane, O=devs'), { expirationSeconds: 3600 }));
    await new Promise((r) => setTimeout(r, 50));
    expect((await statusOf('jane'))?.certificate).toBeUndefined();
    await approve('jane');
    await until(async () => (await statusOf('jane'))?.certificate !== undefined, 'signed');
    const cert = new x509.X509Certificate(Buffer.from((await statusOf('jane'))?.certificate ?? '', 'base64').toString());
    expect(cert.subject).toBe('CN=jane, O=devs');
    expect(cert.issuer).toBe('CN=test-client-ca');
    expect(cert.notBefore.toISOString()).toBe('2026-06-01T11:55:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('2026-06-01T13:00:00.000Z');
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
  });

  it('marks a request that breaks its signer\'s rules Failed instead of signing it', async () => {
    await api.client.create(csrResource, undefined, csr('kubelet', await pkcs10('CN=worker, O=system:nodes'), { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' }));
    await approve('kubelet');
    await until(async () => (await statusOf('kubelet'))?.conditions?.some((c) => c.type === 'Failed') === true, 'failed');
    const failed = (await statusOf('kubelet'))?.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ reason: 'SignerValidationFailure', message: "subject common name does not begin with 'system:node:'" });
    expect((await statusOf('kubelet'))?.certificate).toBeUndefined();
  });
});

describe('CsrSigningController: kubelet-serving', () => {
  it('signs a node\'s serving request with the server CA, keeping its names; refuses one without names', async () => {
    const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
    const api = await startTestApi({ clock });
    try {
      const clientCa = await createCertificateAuthority({ commonName: 'test-client-ca', validDays: 3650, clock });
      const serverCa = await createCertificateAuthority({ commonName: 'test-server-ca', validDays: 3650, clock });
      void new CsrSigningController(api.context, { clientCa, serverCa }).run(api.signal);
      const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const request = await x509.Pkcs10CertificateRequestGenerator.create(
        {
          name: 'CN=system:node:worker-1, O=system:nodes',
          keys,
          signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
          extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'worker-1' }, { type: 'ip', value: '10.0.0.7' }])],
        },
        webcrypto as unknown as NonNullable<Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[1]>,
      );
      const serving = { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] };
      await api.client.create(csrResource, undefined, csr('serving', Buffer.from(request.toString('pem')).toString('base64'), serving));
      await api.client.create(csrResource, undefined, csr('nameless', await pkcs10('CN=system:node:worker-1, O=system:nodes'), serving));
      for (const name of ['serving', 'nameless']) {
        const current = await api.client.get(csrResource, undefined, name);
        await api.client.update(csrResource, undefined, { ...current, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } }, { subresource: 'approval' });
      }
      const statusOf = async (name: string) => (await api.client.get(csrResource, undefined, name)).status as { certificate?: string; conditions?: { type: string; message?: string }[] };
      await until(async () => (await statusOf('serving')).certificate !== undefined, 'serving certificate issued');
      const cert = new x509.X509Certificate(Buffer.from((await statusOf('serving')).certificate ?? '', 'base64').toString());
      expect(cert.issuer).toBe('CN=test-server-ca');
      expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([{ type: 'dns', value: 'worker-1' }, { type: 'ip', value: '10.0.0.7' }]);
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
      await until(async () => (await statusOf('nameless')).conditions?.some((c) => c.type === 'Failed') === true, 'nameless refused');
      expect((await statusOf('nameless')).conditions?.find((c) => c.type === 'Failed')?.message).toBe('DNS or IP subjectAltName is required');
    } finally {
      await api.stop();
    }
  });
});

describe('CsrCleanerController', () => {
  const hour = 60 * 60 * 1000;
  const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const t0 = Date.parse('2026-06-01T00:00:00Z');
  const withStatus = (status: Record<string, unknown>, created = t0): KubeObject => ({ ...csr('x', ''), metadata: { name: 'x', creationTimestamp: at(created) }, status });

  it('decides as upstream\'s csrcleaner: issued, denied or failed for an hour, pending for a day', () => {
    const approved = { type: 'Approved', status: 'True', lastUpdateTime: at(t0) };
    expect(csrCleanupReason(withStatus({ conditions: [approved], certificate: 'Y2VydA==' }), t0 + hour / 2)).toBeUndefined();
    expect(csrCleanupReason(withStatus({ conditions: [approved], certificate: 'Y2VydA==' }), t0 + 2 * hour)).toBe('issued more than 1h ago');
    expect(csrCleanupReason(withStatus({ conditions: [approved] }), t0 + 48 * hour)).toBeUndefined();
    expect(csrCleanupReason(withStatus({ conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: at(t0) }] }), t0 + 2 * hour)).toBe('denied more than 1h ago');
    expect(csrCleanupReason(withStatus({ conditions: [{ type: 'Failed', status: 'True', lastUpdateTime: at(t0) }] }), t0 + 2 * hour)).toBe('failed more than 1h ago');
    expect(csrCleanupReason(withStatus({}), t0 + 23 * hour)).toBeUndefined();
    expect(csrCleanupReason(withStatus({}), t0 + 25 * hour)).toBe('pending for more than 24h');
  });

  it('deletes what is due on each pass', async () => {
    const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
    const api = await startTestApi({ clock });
    try {
      const cleaner = new CsrCleanerController(api.context);
      void cleaner.run(api.signal);
      await api.client.create(csrResource, undefined, csr('old', await pkcs10('CN=old')));
      await until(async () => (await api.client.list(csrResource, undefined)).items.length === 1, 'created');
      clock.advance(25 * hour);
      await until(async () => {
        await cleaner.clean();
        return (await api.client.list(csrResource, undefined)).items.length === 0;
      }, 'pending request deleted after a day');
    } finally {
      await api.stop();
    }
  });
});
