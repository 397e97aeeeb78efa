/**
 * RBAC escalation prevention (upstream pkg/registry/rbac/{role,clusterrole,rolebinding,
 * clusterrolebinding}/policybased): nobody can grant permissions they do not hold.
 *  - Writing a Role/ClusterRole is allowed to members of system:masters, to users the authorizer
 *    allows `escalate` on it, and otherwise only if the user's own rules (in the object's
 *    namespace) cover every rule of it. An update that leaves the rules unchanged passes.
 *    An aggregationRule needs escalate (or system:masters).
 *  - Writing a RoleBinding/ClusterRoleBinding is allowed to system:masters, to users the
 *    authorizer allows `bind` on the referenced role, when the roleRef is unchanged, or when the
 *    user's rules cover the referenced role's rules.
 * The authorizer is set once the API server exists; in-process components act as
 * system:masters and always pass.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Authorizer } from '../auth/authorizer.js';
import { PRIVILEGED_GROUP } from '../auth/cluster-authorizer.js';
import { describeRule, rulesOf, uncoveredRules, type PolicyRule } from '../auth/rbac/policy-rule.js';
import type { UserInfo } from '../registry/context.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLE_KINDS = new Set(['Role', 'ClusterRole']);
const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/** Looks up a role's rules for binding checks. */
export type RoleRulesLookup = (kind: 'Role' | 'ClusterRole', namespace: string | undefined, name: string) => Promise<readonly PolicyRule[] | undefined>;

export class RbacEscalationPlugin implements AdmissionPlugin {
  readonly name = 'RBACEscalation';
  #authorizer: Authorizer | undefined;
  readonly #roleRules: RoleRulesLookup;

  constructor(roleRules: RoleRulesLookup) {
    this.#roleRules = roleRules;
  }

  setAuthorizer(authorizer: Authorizer): void {
    this.#authorizer = authorizer;
  }

  handles(def: ResourceDef): boolean {
    return def.group === RBAC_GROUP && (ROLE_KINDS.has(def.kind) || BINDING_KINDS.has(def.kind));
  }

  async admit(req: AdmissionRequest): Promise<void> {
    const authorizer = this.#authorizer;
    if (!authorizer || req.operation === 'delete') return;
    const user = req.ctx.user;
    if (user.groups.includes(PRIVILEGED_GROUP)) return;
    const namespace = req.def.namespaced ? req.object.metadata.namespace : undefined;
    const name = req.object.metadata.name ?? '';
    const gr = { group: RBAC_GROUP, resource: req.def.plural };
    const allowedVerb = (verb: string, resource: string, resourceName: string) =>
      authorizer.authorize({ user, verb, group: RBAC_GROUP, resource, name: resourceName, ...(namespace ? { namespace } : {}) }).allowed;

    if (ROLE_KINDS.has(req.def.kind)) {
      const rules = rulesOf(req.object);
      if (req.old && JSON.stringify(rulesOf(req.old)) === JSON.stringify(rules) && JSON.stringify(req.old.aggregationRule) === JSON.stringify(req.object.aggregationRule)) return;
      if (allowedVerb('escalate', req.def.plural, name)) return;
      if (req.object.aggregationRule !== undefined && JSON.stringify(req.old?.aggregationRule) !== JSON.stringify(req.object.aggregationRule)) {
        throw ApiError.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
      this.#confirmNoEscalation(authorizer, user, namespace, rules, gr, name);
      return;
    }
    const ref = roleRefOf(req.object);
    if (!ref) return; // validation rejects it
    if (req.old && JSON.stringify(roleRefOf(req.old)) === JSON.stringify(ref)) return;
    const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (authorizer.authorize({ user, verb: 'bind', group: RBAC_GROUP, resource: refResource, name: ref.name, ...(ref.kind === 'Role' && namespace ? { namespace } : {}) }).allowed) return;
    const rules = await this.#roleRules(ref.kind, ref.kind === 'Role' ? namespace : undefined, ref.name);
    if (rules === undefined) {
      throw ApiError.forbidden(gr, name, `user "${user.username}" (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held: ${ref.kind.toLowerCase()}s.${RBAC_GROUP} "${ref.name}" not found`);
    }
    this.#confirmNoEscalation(authorizer, user, namespace, rules, gr, name);
  }

  #confirmNoEscalation(authorizer: Authorizer, user: UserInfo, namespace: string | undefined, rules: readonly PolicyRule[], gr: { group: string; resource: string }, name: string): void {
    const held = authorizer.rulesFor(user, namespace ?? '');
    const owner: PolicyRule[] = [...held.resourceRules.map((r) => ({ ...r })), ...held.nonResourceRules.map((r) => ({ ...r }))];
    const missing = uncoveredRules(owner, rules);
    if (missing.length === 0) return;
    throw ApiError.forbidden(gr, name, `user "${user.username}" (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(describeRule).join('\n')}`);
  }
}

function roleRefOf(obj: KubeObject): { kind: 'Role' | 'ClusterRole'; name: string } | undefined {
  const ref = obj.roleRef as { kind?: unknown; name?: unknown } | undefined;
  if (!ref || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') || typeof ref.name !== 'string') return undefined;
  return { kind: ref.kind, name: ref.name };
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
