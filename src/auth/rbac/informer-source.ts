/** RBAC objects for the authorizer, from the server's shared informers. */
import type { KubeObject } from '../../api/object.js';
import type { InformerFactory } from '../../informer/informer-factory.js';
import type { RbacSource } from './rbac-authorizer.js';
import { rbacResources } from './reconcile-policy.js';

export function informerRbacSource(informers: InformerFactory): RbacSource {
  const clusterRoles = informers.informer(rbacResources.clusterroles);
  const clusterRoleBindings = informers.informer(rbacResources.clusterrolebindings);
  const roles = informers.informer(rbacResources.roles);
  const roleBindings = informers.informer(rbacResources.rolebindings);
  const all = [clusterRoles, clusterRoleBindings, roles, roleBindings];
  return {
    synced: () => all.every((i) => i.hasSynced()),
    clusterRoleBindings: (): readonly KubeObject[] => clusterRoleBindings.lister.list(),
    roleBindings: (namespace) => roleBindings.lister.list(namespace),
    clusterRole: (name) => clusterRoles.lister.get(undefined, name),
    role: (namespace, name) => roles.lister.get(namespace, name),
  };
}
