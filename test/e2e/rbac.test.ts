/**
 * RBAC with the real kubectl 1.32: what a cluster admin does to give people access, and what
 * those people then see (`--as` impersonates them, as an admin checks access on any cluster).
 */
import { webcrypto } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '../../src/pki/x509.js';
import { describe, expect, test } from 'vitest';
import { uniqueName, useCluster } from './support/cluster.js';
import { Kubectl, runProgram } from './support/kubectl.js';
import { LITE_BIN } from './support/lite-process.js';
import { eventually } from './support/wait.js';

const ctx = useCluster();

describe('RBAC with kubectl', () => {
  test('a new user can do nothing until bound, then exactly what the role grants', async () => {
    const ns = uniqueName('rbac');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const denied = await ctx.kubectl.fails(['get', 'pods', '-n', ns, '--as', 'jane']);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "${ns}"`);
    expect((await ctx.kubectl.run(['auth', 'can-i', 'list', 'pods', '-n', ns, '--as', 'jane'])).stdout.trim()).toBe('no');

    await ctx.kubectl.ok(['create', 'rolebinding', 'jane-edit', '--clusterrole=edit', '--user=jane', '-n', ns]);
    await eventually(async () => (await ctx.kubectl.run(['auth', 'can-i', 'list', 'pods', '-n', ns, '--as', 'jane'])).stdout.trim() === 'yes', { what: 'jane can list pods' });
    await ctx.kubectl.ok(['create', 'deployment', 'web', '--image=example/web', '-n', ns, '--as', 'jane']);
    expect(await ctx.kubectl.ok(['get', 'deployments', '-n', ns, '--as', 'jane', '-o', 'name'])).toBe('deployment.apps/web\n');
    // edit does not let her read other namespaces, nodes, or change RBAC.
    expect((await ctx.kubectl.fails(['get', 'nodes', '--as', 'jane'])).stderr).toContain('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
    expect((await ctx.kubectl.fails(['get', 'pods', '-n', 'default', '--as', 'jane'])).stderr).toContain('cannot list resource "pods"');
    expect((await ctx.kubectl.fails(['create', 'rolebinding', 'root', '--clusterrole=cluster-admin', '--user=jane', '-n', ns, '--as', 'jane'])).stderr).toContain(
      'cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io"',
    );
    const list = await ctx.kubectl.ok(['auth', 'can-i', '--list', '-n', ns, '--as', 'jane']);
    expect(list).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update get list watch\]/m);
  });

  test('a namespace admin cannot grant more than she holds', async () => {
    const ns = uniqueName('rbac');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['create', 'rolebinding', 'ann-admin', '--clusterrole=admin', '--user=ann', '-n', ns]);
    await eventually(async () => (await ctx.kubectl.run(['auth', 'can-i', 'create', 'rolebindings', '-n', ns, '--as', 'ann'])).stdout.trim() === 'yes', { what: 'ann is admin' });
    await ctx.kubectl.ok(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', ns, '--as', 'ann']);
    const escalation = await ctx.kubectl.fails(['create', 'rolebinding', 'ann-root', '--clusterrole=cluster-admin', '--user=ann', '-n', ns, '--as', 'ann']);
    expect(escalation.stderr).toContain('user "ann" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    expect((await ctx.kubectl.fails(['create', 'role', 'nodes', '--verb=get', '--resource=nodes', '-n', ns, '--as', 'ann'])).stderr).toContain('{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}');
  });

  test('kubectl auth reconcile applies roles and bindings; aggregated roles pick up labelled rules', async () => {
    const ns = uniqueName('rbac');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const file = join(ctx.tmp, `${ns}.yaml`);
    writeFileSync(
      file,
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata:',
        `  name: ${ns}-gizmos`,
        '  labels:',
        '    rbac.authorization.k8s.io/aggregate-to-view: "true"',
        'rules:',
        '- apiGroups: ["example.com"]',
        '  resources: ["gizmos"]',
        '  verbs: ["get", "list", "watch"]',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: RoleBinding',
        'metadata:',
        '  name: readers',
        `  namespace: ${ns}`,
        'roleRef:',
        '  apiGroup: rbac.authorization.k8s.io',
        '  kind: ClusterRole',
        '  name: view',
        'subjects:',
        '- kind: Group',
        '  name: readers',
        '  apiGroup: rbac.authorization.k8s.io',
        '',
      ].join('\n'),
    );
    // kubectl reports what it reconciled on stderr ("reconciliation required create …").
    const reconciled = await ctx.kubectl.run(['auth', 'reconcile', '-f', file]);
    expect(reconciled.code).toBe(0);
    expect(reconciled.stderr).not.toMatch(/error|warning/i);
    const out = reconciled.stdout;
    expect(out).toContain(`clusterrole.rbac.authorization.k8s.io/${ns}-gizmos reconciled`);
    expect(out).toContain('rolebinding.rbac.authorization.k8s.io/readers reconciled');
    await eventually(async () => (await ctx.kubectl.ok(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}'])).includes('gizmos'), { what: 'view aggregates gizmos' });
    await eventually(async () => (await ctx.kubectl.run(['auth', 'can-i', 'list', 'configmaps', '-n', ns, '--as', 'sam', '--as-group', 'readers'])).stdout.trim() === 'yes', { what: 'group readers can read' });
    expect((await ctx.kubectl.run(['auth', 'can-i', 'delete', 'configmaps', '-n', ns, '--as', 'sam', '--as-group', 'readers'])).stdout.trim()).toBe('no');
  });

  test('the default roles are there, as on any cluster', async () => {
    const roles = await ctx.kubectl.ok(['get', 'clusterroles', '-o', 'name']);
    for (const r of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:node', 'system:aggregate-to-view']) expect(roles).toContain(`clusterrole.rbac.authorization.k8s.io/${r}\n`);
    expect(await ctx.kubectl.ok(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'jsonpath={.subjects[0].name}'])).toBe('system:masters');
    expect((await ctx.kubectl.ok(['auth', 'whoami', '--as', 'jane', '--as-group', 'devs', '-o', 'jsonpath={.status.userInfo.groups}'])).trim()).toBe('["devs","system:authenticated"]');
  });

  test('lite kubeconfig create gives a person a certificate; RBAC decides what it may do', async () => {
    const ns = uniqueName('rbac');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const file = join(ctx.tmp, `${ns}-dana.kubeconfig`);
    const made = await runProgram(process.execPath, [LITE_BIN, 'kubeconfig', 'create', 'dana', '--group', 'testers', '--data-dir', ctx.server.dataDir, '--output', file]);
    expect(made.code, made.stderr).toBe(0);
    const dana = new Kubectl({ kubeconfig: file, cacheDir: join(ctx.tmp, 'dana-cache') });
    expect(await dana.ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'])).toBe('dana ["testers","system:authenticated"]');
    expect((await dana.fails(['get', 'pods', '-n', ns])).stderr).toContain('User "dana" cannot list resource "pods"');
    await ctx.kubectl.ok(['create', 'rolebinding', 'testers-edit', '--clusterrole=edit', '--group=testers', '-n', ns]);
    await eventually(async () => (await dana.run(['get', 'pods', '-n', ns])).code === 0, { what: 'dana can list pods' });
    await dana.ok(['create', 'configmap', 'c1', '--from-literal=a=b', '-n', ns]);
    const reserved = await runProgram(process.execPath, [LITE_BIN, 'kubeconfig', 'create', 'system:admin', '--data-dir', ctx.server.dataDir]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain('reserved name');
  });

  test('the CertificateSigningRequest flow: a user\'s request, kubectl certificate approve, and the issued certificate signs her in', async () => {
    const ns = uniqueName('rbac');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const name = `${ns}-erin`;
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=erin, O=reviewers', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } }, webcrypto as unknown as NonNullable<Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[1]>);
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
    const manifest = join(ctx.tmp, `${name}.yaml`);
    writeFileSync(
      manifest,
      [
        'apiVersion: certificates.k8s.io/v1',
        'kind: CertificateSigningRequest',
        'metadata:',
        `  name: ${name}`,
        'spec:',
        `  request: ${Buffer.from(csr.toString('pem')).toString('base64')}`,
        '  signerName: kubernetes.io/kube-apiserver-client',
        '  expirationSeconds: 86400',
        '  usages: ["client auth"]',
        '',
      ].join('\n'),
    );
    expect(await ctx.kubectl.ok(['apply', '-f', manifest])).toBe(`certificatesigningrequest.certificates.k8s.io/${name} created\n`);
    expect(await ctx.kubectl.ok(['get', 'csr', name, '--no-headers'])).toMatch(new RegExp(`^${name}\\s+\\S+\\s+kubernetes.io/kube-apiserver-client\\s+system:admin\\s+24h\\s+Pending\\s*$`));
    expect(await ctx.kubectl.ok(['certificate', 'approve', name])).toBe(`certificatesigningrequest.certificates.k8s.io/${name} approved\n`);
    const issued = await eventually(async () => (await ctx.kubectl.ok(['get', 'csr', name, '-o', 'jsonpath={.status.certificate}'])) || undefined, { what: 'the certificate is issued' });
    expect(await ctx.kubectl.ok(['get', 'csr', name, '-o', 'jsonpath={.status.conditions[*].type}'])).toBe('Approved');
    const certFile = join(ctx.tmp, `${name}.crt`);
    const keyFile = join(ctx.tmp, `${name}.key`);
    writeFileSync(certFile, Buffer.from(issued, 'base64'));
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    const kubeconfig = join(ctx.tmp, `${name}.kubeconfig`);
    writeFileSync(kubeconfig, readFileSync(ctx.kubectl.kubeconfig));
    const erin = new Kubectl({ kubeconfig, cacheDir: join(ctx.tmp, `${name}-cache`) });
    await erin.ok(['config', 'set-credentials', 'erin', `--client-certificate=${certFile}`, `--client-key=${keyFile}`, '--embed-certs']);
    await erin.ok(['config', 'set-context', '--current', '--user=erin']);
    expect(await erin.ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'])).toBe('erin ["reviewers","system:authenticated"]');
    expect((await erin.fails(['get', 'pods', '-n', ns])).stderr).toContain('User "erin" cannot list resource "pods"');
    // Without the approve verb on the signer, a user cannot approve even if she may update requests.
    expect((await erin.fails(['certificate', 'approve', name])).stderr).toContain('cannot get resource "certificatesigningrequests"');
  });
});
