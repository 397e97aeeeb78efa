import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { ClusterAuthorizer } from '../cluster-authorizer.js';
import { impersonate } from '../impersonation.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { inMemoryRbacSource } from './testing/in-memory-rbac-source.js';

const source = inMemoryRbacSource;

const rb = (ns: string, name: string, roleKind: string, role: string, subjects: object[]): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
  subjects,
});
const podReader: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] };
const jane = { username: 'jane', groups: ['devs', 'system:authenticated'] };

describe('RbacAuthorizer', () => {
  const objects = [
    ...bootstrapClusterRoles(),
    ...bootstrapClusterRoleBindings(),
    podReader,
    rb('team', 'jane-reads', 'Role', 'pod-reader', [{ kind: 'User', name: 'jane' }]),
    rb('team', 'devs-cm', 'ClusterRole', 'system:aggregate-to-view', [{ kind: 'Group', name: 'devs' }]),
    rb('team', 'sa', 'Role', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder' }]),
  ];
  const rbac = new RbacAuthorizer(source(objects));

  it('allows what a binding grants, naming the binding in the reason', () => {
    const d = rbac.authorize({ user: jane, verb: 'list', group: '', resource: 'pods', namespace: 'team' });
    expect(d).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-reads" of Role "pod-reader" to User "jane"' });
    expect(rbac.authorize({ user: jane, verb: 'get', group: '', resource: 'configmaps', namespace: 'team', name: 'x' }).allowed).toBe(true);
    expect(rbac.authorize({ user: jane, verb: 'list', group: '', resource: 'pods', namespace: 'other' }).allowed).toBe(false);
    expect(rbac.authorize({ user: jane, verb: 'delete', group: '', resource: 'pods', namespace: 'team', name: 'p' })).toEqual({ allowed: false, reason: '' });
  });

  it('binds service accounts by namespace (the binding namespace when the subject has none)', () => {
    const sa = { username: 'system:serviceaccount:team:builder', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(rbac.authorize({ user: sa, verb: 'get', group: '', resource: 'pods', namespace: 'team', name: 'p' }).allowed).toBe(true);
    const other = { username: 'system:serviceaccount:other:builder', groups: ['system:authenticated'] };
    expect(rbac.authorize({ user: other, verb: 'get', group: '', resource: 'pods', namespace: 'team', name: 'p' }).allowed).toBe(false);
  });

  it('gives every authenticated user discovery and self reviews, and cluster-admin to system:masters', () => {
    expect(rbac.authorize({ user: jane, verb: 'get', path: '/apis/apps/v1' }).allowed).toBe(true);
    expect(rbac.authorize({ user: jane, verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }).allowed).toBe(true);
    expect(rbac.authorize({ user: jane, verb: 'get', path: '/metrics' }).allowed).toBe(false);
    const admin = { username: 'root', groups: ['system:masters', 'system:authenticated'] };
    expect(rbac.authorize({ user: admin, verb: 'delete', group: 'x', resource: 'y', name: 'z' }).reason).toBe('RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"');
  });

  it('lists the rules that apply in a namespace', () => {
    const rules = rbac.rulesFor(jane, 'team');
    expect(rules.some((r) => r.resources?.includes('pods') && r.verbs.includes('list'))).toBe(true);
    expect(rbac.rulesFor(jane, 'other').some((r) => r.resources?.includes('pods'))).toBe(false);
  });
});

describe('ClusterAuthorizer', () => {
  const authorizer = new ClusterAuthorizer(new RbacAuthorizer(source([...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()])));

  it('lets system:masters do anything, even with no RBAC objects at all', () => {
    const bare = new ClusterAuthorizer(new RbacAuthorizer(source([])));
    expect(bare.authorize({ user: { username: 'admin', groups: ['system:masters'] }, verb: 'delete', group: '', resource: 'nodes', name: 'n' }).allowed).toBe(true);
  });

  it('gives kubelets the node and node-proxier rules and nothing more', () => {
    const node = { username: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'] };
    expect(authorizer.authorize({ user: node, verb: 'patch', group: '', resource: 'nodes', subresource: 'status', name: 'w1' }).allowed).toBe(true);
    expect(authorizer.authorize({ user: node, verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'w1' }).allowed).toBe(true);
    expect(authorizer.authorize({ user: node, verb: 'watch', group: 'discovery.k8s.io', resource: 'endpointslices' }).allowed).toBe(true);
    expect(authorizer.authorize({ user: node, verb: 'create', group: 'apps', resource: 'deployments', namespace: 'x' }).allowed).toBe(false);
    expect(authorizer.authorize({ user: node, verb: 'delete', group: '', resource: 'secrets', namespace: 'x', name: 's' }).allowed).toBe(false);
    // Everything the agent's informers list and watch (kubelet, kube-proxy, overlay).
    const watched: [string, string][] = [['', 'pods'], ['', 'nodes'], ['', 'services'], ['', 'configmaps'], ['', 'secrets'], ['', 'persistentvolumeclaims'], ['', 'persistentvolumes'], ['discovery.k8s.io', 'endpointslices']];
    for (const [group, resource] of watched) {
      for (const verb of ['list', 'watch']) expect(authorizer.authorize({ user: node, verb, group, resource }).allowed, `${verb} ${resource}`).toBe(true);
    }
    // The name alone does not make a node: the group is needed too.
    expect(authorizer.authorize({ user: { username: 'system:node:w1', groups: [] }, verb: 'get', group: '', resource: 'pods', namespace: 'x', name: 'p' }).allowed).toBe(false);
  });

  it('says when RBAC has not loaded yet', () => {
    const cold = new ClusterAuthorizer(new RbacAuthorizer(source([], false)));
    const d = cold.authorize({ user: jane, verb: 'get', path: '/api' });
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/not loaded/);
    expect(cold.rulesFor(jane, 'x').incomplete).toBe(true);
  });

  it('checks the impersonate verb for users, groups and service accounts', () => {
    const admin = { username: 'admin', groups: ['system:masters'] };
    expect(impersonate(admin, { 'impersonate-user': 'bob', 'impersonate-group': ['a', 'b'] }, authorizer)).toEqual({ username: 'bob', groups: ['a', 'b', 'system:authenticated'] });
    expect(impersonate(admin, { 'impersonate-user': 'system:serviceaccount:ns1:sa' }, authorizer).groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
    expect(() => impersonate(jane, { 'impersonate-user': 'bob' }, authorizer)).toThrow('users "bob" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    expect(() => impersonate(admin, { 'impersonate-group': 'a' }, authorizer)).toThrow(/without impersonating a user/);
    expect(impersonate(jane, {}, authorizer)).toBe(jane);
  });
});
