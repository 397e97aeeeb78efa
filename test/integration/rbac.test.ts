/**
 * RBAC enforcement through the HTTPS API: requests are decided by the authorizer chain, denials
 * are 403 Status objects worded as kube-apiserver's, bindings take effect as they are written,
 * escalation is refused, aggregated roles follow their sources, and impersonation is checked.
 * Non-admin callers are the admin impersonating them (as `kubectl --as` does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let t: TestServer;
const ns = 'rbac-it';

beforeAll(async () => {
  t = await startTestServer();
  await rawRequest(t.server, { method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
});

afterAll(async () => {
  await t?.stop();
});

const as = (user: string, groups: string[] = []) => ({ 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups.join(',') } : {}) });
const post = (path: string, body: object, headers: Record<string, string> = {}) => rawRequest(t.server, { method: 'POST', path, headers, body: JSON.stringify(body) });
const binding = (name: string, roleKind: string, role: string, subject: object) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
  subjects: [subject],
});

describe('RBAC', () => {
  it('denies what no binding allows, with a Forbidden Status, and allows it once bound', async () => {
    const denied = await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/pods`, headers: as('alice') });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
      details: { kind: 'pods' },
    });
    expect((await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding('alice-view', 'ClusterRole', 'view', { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }))).status).toBe(201);
    await waitFor('alice can list pods', async () => (await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/pods`, headers: as('alice') })).status === 200);
    // view does not reach other namespaces, secrets or writes.
    expect((await rawRequest(t.server, { path: '/api/v1/namespaces/default/pods', headers: as('alice') })).status).toBe(403);
    expect((await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/secrets`, headers: as('alice') })).status).toBe(403);
    const write = await post(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, as('alice'));
    expect(write.status).toBe(403);
    // Discovery and self-reviews are every authenticated user's.
    expect((await rawRequest(t.server, { path: '/apis', headers: as('alice') })).status).toBe(200);
    const review = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: ns, verb: 'list', resource: 'pods' } } }, as('alice'));
    expect(review.status).toBe(201);
    expect(review.json.status).toMatchObject({ allowed: true, reason: `RBAC: allowed by RoleBinding "alice-view" of ClusterRole "view" to User "alice"` });
  });

  it('refuses bindings and roles that grant more than the writer holds', async () => {
    await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding('bob-admin', 'ClusterRole', 'admin', { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }));
    await waitFor('bob is admin', async () => (await rawRequest(t.server, { path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, headers: as('bob') })).status === 200);
    const escalate = await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding('bob-root', 'ClusterRole', 'cluster-admin', { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }), as('bob'));
    expect(escalate.status).toBe(403);
    expect(escalate.json.message).toContain('rolebindings.rbac.authorization.k8s.io "bob-root" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
    const role = (rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `r${rules.length}` }, rules });
    expect((await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, role([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]), as('bob'))).status).toBe(403);
    expect((await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }]), as('bob'))).status).toBe(201);
    // Binding a role one holds entirely is fine.
    expect((await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding('carol-edit', 'ClusterRole', 'edit', { kind: 'User', name: 'carol', apiGroup: 'rbac.authorization.k8s.io' }), as('bob'))).status).toBe(201);
  });

  it('aggregates labelled ClusterRoles into view, edit and admin', async () => {
    const res = await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(res.status).toBe(201);
    for (const role of ['view', 'edit', 'admin']) {
      await waitFor(`${role} has widgets`, async () => JSON.stringify((await rawRequest(t.server, { path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}` })).json.rules).includes('widgets'));
    }
  });

  it('gives kubelets their node rules and nothing more', async () => {
    const node = as('system:node:w1', ['system:nodes']);
    expect((await rawRequest(t.server, { path: '/api/v1/nodes', headers: node })).status).toBe(200);
    expect((await rawRequest(t.server, { path: `/apis/apps/v1/namespaces/${ns}/deployments`, headers: node })).status).toBe(403);
  });

  it('checks the right to impersonate', async () => {
    await waitFor('alice bound', async () => (await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/pods`, headers: as('alice') })).status === 200);
    // alice (view) may not impersonate anyone: her token is the admin's, so ask as alice impersonating via SAR instead.
    const sar = await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'alice', resourceAttributes: { verb: 'impersonate', resource: 'users', name: 'root' } },
    });
    expect(sar.json.status).toEqual({ allowed: false });
    const bad = await rawRequest(t.server, { path: '/api/v1/namespaces', headers: { 'Impersonate-Group': 'x' } });
    expect(bad.status).toBe(400);
  });
});
