/**
 * certificates.k8s.io/v1 CertificateSigningRequests on an in-process server: who the requester
 * is, approval through /approval (and who may approve), what /status and plain updates may
 * change, the built-in client signers' rules, and that an issued certificate signs its subject in.
 */
import { webcrypto } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as x509 from '../../src/pki/x509.js';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const as = (user: string, groups: string[] = []) => ({ 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups.join(',') } : {}) });

async function newRequest(subject: string): Promise<{ request: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: subject, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } },
    webcrypto as unknown as NonNullable<Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[1]>,
  );
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { request: Buffer.from(csr.toString('pem')).toString('base64'), keyPem: `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n` };
}

function csrBody(name: string, request: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], username: 'forged', groups: ['system:masters'], ...extra },
  });
}

async function approve(name: string, headers: Record<string, string> = {}) {
  const current = (await rawRequest(ts.server, { path: `${CSRS}/${name}` })).json;
  current.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'approved by the test' }] };
  return rawRequest(ts.server, { path: `${CSRS}/${name}/approval`, method: 'PUT', body: JSON.stringify(current), headers });
}

describe('CertificateSigningRequests', () => {
  it('records the requester from the request, ignoring the body; approval issues a certificate that authenticates its subject', async () => {
    const { request, keyPem } = await newRequest('CN=jane, O=devs');
    // As on any cluster, people may request certificates only once RBAC lets them.
    await rawRequest(ts.server, { path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', method: 'POST', body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'csr-requester' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create'] }] }) });
    await rawRequest(ts.server, { path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', method: 'POST', body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'csr-requester' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-requester' }, subjects: [{ kind: 'Group', name: 'requesters', apiGroup: 'rbac.authorization.k8s.io' }] }) });
    const created = await waitFor('RBAC lets requesters create', async () => {
      const r = await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('jane', request), headers: as('jane-requester', ['requesters']) });
      return r.status === 201 ? r : undefined;
    });
    expect(created.json.spec).toMatchObject({ username: 'jane-requester', groups: ['requesters', 'system:authenticated'] });
    expect(created.json.status).toBeUndefined();

    const approved = await approve('jane');
    expect(approved.status).toBe(200);
    const viaApproval = await rawRequest(ts.server, { path: `${CSRS}/jane/approval` });
    expect(viaApproval.status).toBe(200);
    expect(viaApproval.json).toMatchObject({ kind: 'CertificateSigningRequest', metadata: { name: 'jane' } });
    // PATCH works on /approval as on /status (a merge patch of the conditions).
    const patched = await rawRequest(ts.server, {
      path: `${CSRS}/jane/approval`,
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { via: 'approval' } }, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Patched', message: 'approved again' }] } }),
    });
    expect(patched.status).toBe(200);
    expect(patched.json.status.conditions[0].reason).toBe('Patched');
    // Upstream's approval strategy keeps the request's metadata changes, unlike /status.
    expect(patched.json.metadata.labels).toEqual({ via: 'approval' });
    expect(approved.json.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'Test' });
    expect(approved.json.status.conditions[0].lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const issued = await waitFor('the certificate', async () => (await rawRequest(ts.server, { path: `${CSRS}/jane` })).json.status?.certificate as string | undefined);
    const certPem = Buffer.from(issued, 'base64').toString();
    const cert = new x509.X509Certificate(certPem);
    expect(cert.subject).toBe('CN=jane, O=devs');
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    expect(eku?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);

    // The certificate signs jane in (the API server trusts the client CA that signed it).
    const whoami = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      const r = httpsRequest(
        { host: '127.0.0.1', port: ts.server.port, path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', method: 'POST', ca: ts.server.caCertPem, cert: certPem, key: keyPem, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
    expect(whoami.status).toBe(201);
    expect(JSON.parse(whoami.body).status.userInfo).toMatchObject({ username: 'jane', groups: ['devs', 'system:authenticated'] });
  });

  it('approving needs the approve verb on the signer, besides update on /approval', async () => {
    const { request } = await newRequest('CN=kim');
    expect((await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('kim', request) })).status).toBe(201);
    const role = (name: string, rules: unknown[]) => rawRequest(ts.server, { path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', method: 'POST', body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules }) });
    const bind = (name: string) => rawRequest(ts.server, { path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', method: 'POST', body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [{ kind: 'User', name: 'rita', apiGroup: 'rbac.authorization.k8s.io' }] }) });
    await role('csr-updater', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'], verbs: ['get', 'update'] }]);
    await bind('csr-updater');
    const refused = await waitFor('RBAC lets rita update /approval', async () => {
      const r = await approve('kim', as('rita'));
      return r.json?.message?.includes('user not permitted') ? r : undefined;
    });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe('certificatesigningrequests.certificates.k8s.io "kim" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');

    await role('client-signer-approver', [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/*'], verbs: ['approve'] }]);
    await bind('client-signer-approver');
    await waitFor('rita may approve', async () => (await approve('kim', as('rita'))).status === 200 || undefined);
  });

  it('a plain update keeps the spec; /status cannot withdraw an approval; a request for system:masters is refused', async () => {
    // A signer lite does not serve, so no controller writes the request while the test does.
    const { request } = await newRequest('CN=lee');
    await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('lee', request, { signerName: 'example.com/lee' }) });
    await approve('lee');
    const current = (await rawRequest(ts.server, { path: `${CSRS}/lee` })).json;
    const relabeled = await rawRequest(ts.server, { path: `${CSRS}/lee`, method: 'PUT', body: JSON.stringify({ ...current, metadata: { ...current.metadata, labels: { team: 'a' } }, spec: { ...current.spec, usages: ['server auth'] } }) });
    expect(relabeled.status).toBe(200);
    expect(relabeled.json.metadata.labels).toEqual({ team: 'a' });
    expect(relabeled.json.spec.usages).toEqual(['client auth']);

    const latest = (await rawRequest(ts.server, { path: `${CSRS}/lee` })).json;
    const statusWrite = await rawRequest(ts.server, { path: `${CSRS}/lee/status`, method: 'PUT', body: JSON.stringify({ ...latest, status: { ...latest.status, conditions: [] } }) });
    expect(statusWrite.status).toBe(200);
    expect(statusWrite.json.status.conditions.map((c: { type: string }) => c.type)).toContain('Approved');

    const masters = await newRequest('CN=mallory, O=system:masters');
    const refused = await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('mallory', masters.request) });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe('certificatesigningrequests.certificates.k8s.io "mallory" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  });

  it('the client signers refuse what their rules forbid with a Failed condition; other signers are left pending', async () => {
    const server = await newRequest('CN=web');
    await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('web', server.request, { usages: ['server auth'] }) });
    await approve('web');
    const failed = await waitFor('the Failed condition', async () => (await rawRequest(ts.server, { path: `${CSRS}/web` })).json.status.conditions.find((c: { type: string }) => c.type === 'Failed'));
    expect(failed).toMatchObject({ status: 'True', reason: 'SignerValidationFailure', message: 'invalid usage for client certificate: server auth' });

    const node = await newRequest('CN=worker-1, O=system:nodes');
    await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('node', node.request, { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' }) });
    await approve('node');
    const nodeFailed = await waitFor('the kubelet signer refuses', async () => (await rawRequest(ts.server, { path: `${CSRS}/node` })).json.status.conditions.find((c: { type: string }) => c.type === 'Failed'));
    expect(nodeFailed.message).toBe("subject common name does not begin with 'system:node:'");

    const other = await newRequest('CN=thing');
    await rawRequest(ts.server, { path: CSRS, method: 'POST', body: csrBody('other', other.request, { signerName: 'example.com/custom' }) });
    await approve('other');
    await new Promise((r) => setTimeout(r, 300));
    const after = (await rawRequest(ts.server, { path: `${CSRS}/other` })).json.status;
    expect(after.certificate).toBeUndefined();
    expect(after.conditions.map((c: { type: string }) => c.type)).toEqual(['Approved']);
  });

  it('bad requests get a Status with the right code and every problem named, and nothing is stored', async () => {
    const post = (body: string) => rawRequest(ts.server, { path: CSRS, method: 'POST', body });
    const invalid = await post(csrBody('bad', Buffer.from('hello').toString('base64'), { signerName: 'nodomain', usages: ['client auth', 'flying'], expirationSeconds: 60 }));
    expect(invalid.status).toBe(422);
    expect(invalid.json).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { name: 'bad', group: 'certificates.k8s.io', kind: 'CertificateSigningRequest' } });
    expect(invalid.json.details.causes.map((c: { field: string }) => c.field)).toEqual(['spec.request', 'spec.signerName', 'spec.usages[1]', 'spec.expirationSeconds']);
    expect(invalid.json.message).toContain('spec.request: Invalid value: "<request data>": PEM block type must be CERTIFICATE REQUEST');

    const notBase64 = await post(csrBody('b64', 'not base64!!'));
    expect(notBase64.status).toBe(400);
    expect(notBase64.json).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(notBase64.json.message).toContain('illegal base64 data');

    const wrongType = await post(JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'typed' }, spec: { request: 'aGk=', signerName: 'example.com/x', usages: 'client auth' } }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.reason).toBe('BadRequest');

    for (const name of ['bad', 'b64', 'typed']) expect((await rawRequest(ts.server, { path: `${CSRS}/${name}` })).status).toBe(404);
    const approvalOfMissing = await rawRequest(ts.server, { path: `${CSRS}/nothere/approval`, method: 'PUT', body: csrBody('nothere', 'aGk=') });
    expect(approvalOfMissing.status).toBe(404);
    expect(approvalOfMissing.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'certificatesigningrequests.certificates.k8s.io "nothere" not found' });
  });
});
