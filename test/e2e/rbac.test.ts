/**
 * RBAC with the real kubectl 1.32: what a cluster admin does to give people access, and what
 * those people then see (`--as` impersonates them, as an admin checks access on any cluster).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
