import { webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as x509 from '../../pki/x509.js';
import type { KubeObject } from '../object.js';
import {
  prepareCertificateSigningRequestApproval,
  prepareCertificateSigningRequestCreate,
  prepareCertificateSigningRequestStatus,
  validateCertificateSigningRequest,
  validateCertificateSigningRequestUpdate,
} from './certificates.js';

let request = '';
beforeAll(async () => {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: 'CN=jane, O=devs', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } },
    webcrypto as unknown as NonNullable<Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[1]>,
  );
  request = Buffer.from(csr.toString('pem')).toString('base64');
});

const csr = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'jane' },
  spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec },
  ...(status ? { status } : {}),
});
const fields = (errs: { field?: string; type: string }[]) => errs.map((e) => `${e.field} ${e.type}`);

describe('CertificateSigningRequest validation', () => {
  it('accepts a well-formed request', () => {
    expect(validateCertificateSigningRequest(csr())).toEqual([]);
  });

  it('names every problem of a bad request as upstream does', () => {
    const errs = validateCertificateSigningRequest(csr({ request: Buffer.from('hello').toString('base64'), signerName: 'nodomain', usages: ['client auth', 'client auth', 'flying'], expirationSeconds: 599 }));
    expect(fields(errs)).toEqual([
      'spec.request FieldValueInvalid',
      'spec.signerName FieldValueInvalid',
      'spec.usages[1] FieldValueDuplicate',
      'spec.usages[2] FieldValueNotSupported',
      'spec.expirationSeconds FieldValueInvalid',
    ]);
    expect(errs[0].detail).toBe('PEM block type must be CERTIFICATE REQUEST');
    expect(errs[4].detail).toBe('may not specify a duration less than 600 seconds (10 minutes)');
    expect(fields(validateCertificateSigningRequest(csr({ request: undefined, signerName: undefined, usages: [] })))).toEqual([
      'spec.request FieldValueRequired',
      'spec.signerName FieldValueRequired',
      'spec.usages FieldValueRequired',
    ]);
  });

  it('refuses Approved together with Denied, approvals that are not True, and duplicate types', () => {
    const errs = validateCertificateSigningRequest(
      csr({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'False' }, { type: 'Approved', status: 'True' }] }),
    );
    expect(fields(errs)).toEqual([
      'status.conditions[1].status FieldValueNotSupported',
      'status.conditions[1].type FieldValueInvalid',
      'status.conditions[2].type FieldValueDuplicate',
      'status.conditions[2].type FieldValueInvalid',
    ]);
  });

  it('never lets an update withdraw an approval or change an issued certificate', () => {
    const cert = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
    const old = csr({}, { conditions: [{ type: 'Approved', status: 'True' }], certificate: cert });
    const errs = validateCertificateSigningRequestUpdate(csr({}, { certificate: Buffer.from('other').toString('base64') }), old);
    expect(errs.map((e) => e.detail)).toContain('updates may not remove a condition of type "Approved"');
    expect(errs.map((e) => e.detail)).toContain('updates may not modify existing certificate content');
  });
});

describe('CertificateSigningRequest strategies', () => {
  it('create takes the requester from the request\'s user, never from the body, and drops status', () => {
    const o = csr({ username: 'admin', groups: ['system:masters'] }, { certificate: 'x' });
    prepareCertificateSigningRequestCreate(o, { username: 'jane', uid: 'u1', groups: ['devs', 'system:authenticated'] });
    expect(o.spec).toMatchObject({ username: 'jane', uid: 'u1', groups: ['devs', 'system:authenticated'] });
    expect(o.status).toBeUndefined();
  });

  it('/status keeps the stored approval and the spec; /approval changes only the conditions and stamps them', () => {
    const old = csr({}, { conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: 't0', lastTransitionTime: 't0' }] });
    const next = csr({ signerName: 'example.com/other' }, { conditions: [{ type: 'Failed', status: 'True' }], certificate: 'Y2VydA==' });
    prepareCertificateSigningRequestStatus(next, old, 't1');
    expect(next.spec).toBe(old.spec);
    expect(next.status).toEqual({
      certificate: 'Y2VydA==',
      conditions: [
        { type: 'Approved', status: 'True', lastUpdateTime: 't0', lastTransitionTime: 't0' },
        { type: 'Failed', status: 'True', lastUpdateTime: 't1', lastTransitionTime: 't1' },
      ],
    });
    const approved = prepareCertificateSigningRequestApproval(csr({ usages: ['server auth'] }, { conditions: [{ type: 'Denied' }], certificate: 'eA==' }), csr(), 't2');
    expect(approved.spec).toMatchObject({ usages: ['client auth'] });
    expect(approved.status).toEqual({ conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: 't2', lastTransitionTime: 't2' }] });
  });
});
