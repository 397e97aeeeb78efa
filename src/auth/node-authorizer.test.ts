import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { podReferences } from '../api/pod-references.js';
import { ClusterAuthorizer } from './cluster-authorizer.js';
import type { AuthorizationAttributes } from './authorizer.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './rbac/bootstrap-policy.js';
import { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import { inMemoryRbacSource as source } from './rbac/testing/in-memory-rbac-source.js';

const pod = (name: string, node: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'team', uid: name },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], ...spec } as KubeObject['spec'],
});

const web = pod('web', 'w1', {
  serviceAccountName: 'web-sa',
  volumes: [
    { name: 'cfg', configMap: { name: 'web-config' } },
    { name: 'tls', secret: { secretName: 'web-tls' } },
    { name: 'token', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }, { secret: { name: 'projected-secret' } }] } },
    { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
    { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
  ],
  containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: 'env-secret' } }], env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'env-config', key: 'a' } } }] }],
  initContainers: [{ name: 'i', image: 'x', env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'b' } } }] }],
  imagePullSecrets: [{ name: 'registry' }],
});
const other = pod('db', 'w2', { volumes: [{ name: 's', secret: { secretName: 'db-password' } }] });

describe('podReferences (the node graph edges of a pod)', () => {
  it('finds every Secret, ConfigMap and claim a pod uses, and its service account', () => {
    const refs = podReferences(web);
    expect([...refs.secrets].sort()).toEqual(['env-secret', 'init-secret', 'projected-secret', 'registry', 'web-tls']);
    expect([...refs.configMaps].sort()).toEqual(['env-config', 'kube-root-ca.crt', 'web-config']);
    expect([...refs.persistentVolumeClaims].sort()).toEqual(['web-data', 'web-scratch']);
    expect(refs.serviceAccount).toBe('web-sa');
    expect(podReferences(other).serviceAccount).toBe('default');
  });
});

describe('the Node authorizer graph', () => {
  const pods = [web, other];
  const authorizer = new ClusterAuthorizer(new RbacAuthorizer(source([...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()])), {
    podsOn: (node) => pods.filter((p) => (p.spec as { nodeName?: string }).nodeName === node),
  });
  const node = { username: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'] };
  const ask = (a: Omit<AuthorizationAttributes, 'user'>) => authorizer.authorize({ user: node, ...a });

  it('lets a kubelet read the Secrets and ConfigMaps of its pods, by name', () => {
    expect(ask({ verb: 'get', group: '', resource: 'secrets', namespace: 'team', name: 'web-tls' }).allowed).toBe(true);
    expect(ask({ verb: 'watch', group: '', resource: 'configmaps', namespace: 'team', name: 'kube-root-ca.crt' }).allowed).toBe(true);
    expect(ask({ verb: 'list', group: '', resource: 'secrets', namespace: 'team', name: 'registry' }).allowed).toBe(true);
  });

  it("refuses another node's Secrets with upstream's reason", () => {
    const d = ask({ verb: 'get', group: '', resource: 'secrets', namespace: 'team', name: 'db-password' });
    expect(d).toEqual({ allowed: false, reason: "no relationship found between node 'w1' and this object" });
    expect(ask({ verb: 'get', group: '', resource: 'secrets', namespace: 'other', name: 'web-tls' }).allowed).toBe(false);
  });

  it('refuses listing and watching without a name, and writing', () => {
    expect(ask({ verb: 'list', group: '', resource: 'secrets', namespace: 'team' })).toEqual({ allowed: false, reason: 'No Object name found' });
    expect(ask({ verb: 'watch', group: '', resource: 'configmaps' })).toEqual({ allowed: false, reason: 'can only read namespaced object of this type' });
    expect(ask({ verb: 'update', group: '', resource: 'secrets', namespace: 'team', name: 'web-tls' })).toEqual({ allowed: false, reason: 'can only read resources of this type' });
  });

  it('issues tokens only for the service accounts of its pods', () => {
    expect(ask({ verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: 'team', name: 'web-sa' }).allowed).toBe(true);
    expect(ask({ verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: 'team', name: 'default' }).allowed).toBe(false);
  });

  it('keeps the other node rules, and says the rules it lists are incomplete', () => {
    expect(ask({ verb: 'patch', group: '', resource: 'nodes', subresource: 'status', name: 'w1' }).allowed).toBe(true);
    expect(ask({ verb: 'list', group: '', resource: 'pods' }).allowed).toBe(true);
    const rules = authorizer.rulesFor(node, 'team');
    expect(rules.incomplete).toBe(true);
    expect(rules.resourceRules.some((r) => r.resources.includes('secrets'))).toBe(false);
  });
});
