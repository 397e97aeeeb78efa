/**
 * Brings the bootstrap RBAC policy into the store at every start (kube-apiserver's
 * rbac/bootstrap-roles post-start hook): creates missing default roles and bindings; for those
 * still annotated `rbac.authorization.kubernetes.io/autoupdate: "true"`, adds back rules and
 * subjects that were removed. Objects a user set to autoupdate "false" are left alone; nothing
 * a user added is ever taken away.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { Client, ResourceRef } from '../../client/client.js';
import type { Logger } from '../../util/log.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { rulesOf, uncoveredRules } from './policy-rule.js';

export const rbacResources = {
  clusterroles: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' },
  clusterrolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' },
  rolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' },
} as const satisfies Record<string, ResourceRef>;

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

async function getOrUndefined(client: Client, ref: ResourceRef, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref, undefined, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return undefined;
    throw e;
  }
}

function subjectKey(s: unknown): string {
  const o = (s ?? {}) as Record<string, unknown>;
  return `${String(o.kind)}/${String(o.namespace ?? '')}/${String(o.name)}`;
}

async function reconcileOne(client: Client, ref: ResourceRef, wanted: KubeObject, merge: (current: KubeObject) => KubeObject | undefined, log: Logger): Promise<void> {
  const name = wanted.metadata.name ?? '';
  const current = await getOrUndefined(client, ref, name);
  if (!current) {
    try {
      await client.create(ref, undefined, wanted);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
    return;
  }
  if (current.metadata.annotations?.[AUTOUPDATE] === 'false') return;
  const updated = merge(current);
  if (!updated) return;
  try {
    await client.update(ref, undefined, updated);
    log.info({ kind: wanted.kind, name }, 'restored bootstrap RBAC policy');
  } catch (e) {
    // Someone else (another server) reconciled it at the same time; the next start checks again.
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

export async function reconcileBootstrapPolicy(client: Client, log: Logger): Promise<void> {
  for (const role of bootstrapClusterRoles()) {
    await reconcileOne(
      client,
      rbacResources.clusterroles,
      role,
      (current) => {
        // Aggregated roles get their rules from the aggregation controller.
        if (role.aggregationRule) return current.aggregationRule ? undefined : { ...current, aggregationRule: role.aggregationRule };
        const missing = uncoveredRules(rulesOf(current), rulesOf(role));
        if (missing.length === 0) return undefined;
        return { ...current, rules: [...(Array.isArray(current.rules) ? current.rules : []), ...missing] };
      },
      log,
    );
  }
  for (const binding of bootstrapClusterRoleBindings()) {
    await reconcileOne(
      client,
      rbacResources.clusterrolebindings,
      binding,
      (current) => {
        const have = new Set((Array.isArray(current.subjects) ? current.subjects : []).map(subjectKey));
        const missing = (Array.isArray(binding.subjects) ? binding.subjects : []).filter((s) => !have.has(subjectKey(s)));
        if (missing.length === 0) return undefined;
        return { ...current, subjects: [...(Array.isArray(current.subjects) ? current.subjects : []), ...missing] };
      },
      log,
    );
  }
}
