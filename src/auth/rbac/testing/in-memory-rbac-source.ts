/** An RbacSource over plain Role, ClusterRole and binding objects (for authorizer tests). */
import type { KubeObject } from '../../../api/object.js';
import type { RbacSource } from '../rbac-authorizer.js';

export function inMemoryRbacSource(objects: readonly KubeObject[], synced = true): RbacSource {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    synced: () => synced,
    clusterRoleBindings: () => of('ClusterRoleBinding'),
    roleBindings: (ns) => of('RoleBinding').filter((b) => b.metadata.namespace === ns),
    clusterRole: (name) => of('ClusterRole').find((r) => r.metadata.name === name),
    role: (ns, name) => of('Role').find((r) => r.metadata.namespace === ns && r.metadata.name === name),
  };
}
