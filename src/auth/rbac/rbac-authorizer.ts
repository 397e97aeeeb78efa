/**
 * The RBAC authorizer (upstream plugin/pkg/auth/authorizer/rbac): a request is allowed when a
 * ClusterRoleBinding, or a RoleBinding in the request's namespace, binds the user (by name,
 * group or service account) to a role with a rule that allows it. RBAC only ever allows; a
 * request no rule allows gets "no opinion" and is denied by the chain.
 *
 * Roles and bindings come from a RbacSource (the server's informers), so a decision is a few
 * in-memory lookups and never waits for the store.
 */
import type { KubeObject } from '../../api/object.js';
import type { UserInfo } from '../../registry/context.js';
import type { AuthorizationAttributes, NonResourceRule, ResourceRule } from '../authorizer.js';
import { ruleAllows, rulesOf, type PolicyRule } from './policy-rule.js';

export interface RbacSource {
  /** False until the first list of every kind arrived; decisions are then incomplete. */
  synced(): boolean;
  clusterRoleBindings(): readonly KubeObject[];
  roleBindings(namespace: string): readonly KubeObject[];
  clusterRole(name: string): KubeObject | undefined;
  role(namespace: string, name: string): KubeObject | undefined;
}

interface Subject {
  readonly kind?: unknown;
  readonly name?: unknown;
  readonly namespace?: unknown;
}

interface RoleRef {
  readonly kind: string;
  readonly name: string;
}

const SA_PREFIX = 'system:serviceaccount:';

/** Whether a binding subject names this user (upstream's appliesToUser). */
export function subjectAppliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  const name = typeof subject.name === 'string' ? subject.name : '';
  switch (subject.kind) {
    case 'User':
      return user.username === name;
    case 'Group':
      return user.groups.includes(name);
    case 'ServiceAccount': {
      const ns = typeof subject.namespace === 'string' && subject.namespace !== '' ? subject.namespace : bindingNamespace;
      if (ns === '') return false;
      return user.username === `${SA_PREFIX}${ns}:${name}`;
    }
    default:
      return false;
  }
}

function roleRefOf(binding: KubeObject): RoleRef | undefined {
  const ref = binding.roleRef as { kind?: unknown; name?: unknown } | undefined;
  if (!ref || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return undefined;
  return { kind: ref.kind, name: ref.name };
}

function subjectsOf(binding: KubeObject): Subject[] {
  return Array.isArray(binding.subjects) ? (binding.subjects as Subject[]).filter((s) => typeof s === 'object' && s !== null) : [];
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${String(s.name)}/${String(s.namespace || bindingNamespace)}"`;
  return `${String(s.kind)} "${String(s.name)}"`;
}

export interface RbacDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

export class RbacAuthorizer {
  readonly #source: RbacSource;

  constructor(source: RbacSource) {
    this.#source = source;
  }

  get synced(): boolean {
    return this.#source.synced();
  }

  authorize(a: AuthorizationAttributes): RbacDecision {
    let reason = '';
    this.#visitRules(a.user, a.namespace ?? '', (rules, source) => {
      for (const rule of rules) {
        if (ruleAllows(a, rule)) {
          reason = `RBAC: allowed by ${source}`;
          return false;
        }
      }
      return true;
    });
    return reason ? { allowed: true, reason } : { allowed: false, reason: '' };
  }

  /** Every rule that applies to the user in the namespace ('' = cluster-wide bindings only). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const all: PolicyRule[] = [];
    this.#visitRules(user, namespace, (rules) => {
      all.push(...rules);
      return true;
    });
    return all;
  }

  /** Calls `visit` with the rules of each binding that applies; stops when it returns false. */
  #visitRules(user: UserInfo, namespace: string, visit: (rules: readonly PolicyRule[], source: string) => boolean): void {
    for (const binding of this.#source.clusterRoleBindings()) {
      const ref = roleRefOf(binding);
      if (!ref || ref.kind !== 'ClusterRole') continue;
      const subject = subjectsOf(binding).find((s) => subjectAppliesTo(s, user, ''));
      if (!subject) continue;
      const role = this.#source.clusterRole(ref.name);
      if (!role) continue;
      if (!visit(rulesOf(role), `ClusterRoleBinding "${binding.metadata.name ?? ''}" of ClusterRole "${ref.name}" to ${describeSubject(subject, '')}`)) return;
    }
    if (namespace === '') return;
    for (const binding of this.#source.roleBindings(namespace)) {
      const ref = roleRefOf(binding);
      if (!ref) continue;
      const subject = subjectsOf(binding).find((s) => subjectAppliesTo(s, user, namespace));
      if (!subject) continue;
      const role = ref.kind === 'ClusterRole' ? this.#source.clusterRole(ref.name) : ref.kind === 'Role' ? this.#source.role(namespace, ref.name) : undefined;
      if (!role) continue;
      const source = `RoleBinding "${binding.metadata.name ?? ''}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, namespace)}`;
      if (!visit(rulesOf(role), source)) return;
    }
  }
}

/** Rules in the shape of SelfSubjectRulesReview's status. */
export function toReviewRules(rules: readonly PolicyRule[]): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[] } {
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  for (const r of rules) {
    if ((r.resources ?? []).length > 0) {
      resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
    }
    if ((r.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] });
  }
  return { resourceRules, nonResourceRules };
}
