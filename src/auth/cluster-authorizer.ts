/**
 * The server's authorizer chain, in kube-apiserver's order for `--authorization-mode=Node,RBAC`
 * plus its privileged group:
 *  1. members of `system:masters` may do anything (never subject to RBAC, so a cluster can
 *     always be repaired with the admin credentials);
 *  2. the Node authorizer: kubelets (user `system:node:<name>` in group `system:nodes`) get the
 *     node rules (upstream NodeRules) and, because lite's agents run kube-proxy under the same
 *     identity, the node-proxier rules. Upstream further narrows secrets, configmaps, volumes and
 *     pods to those of pods bound to the node (its graph); lite does not build that graph yet;
 *  3. RBAC.
 * Whatever none of them allows is denied, with upstream's empty reason.
 */
import type { UserInfo } from '../registry/context.js';
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer, NonResourceRule, ResourceRule } from './authorizer.js';
import { NODE_PROXIER_RULES, NODE_RULES } from './rbac/bootstrap-policy.js';
import { ruleAllows, type PolicyRule } from './rbac/policy-rule.js';
import { toReviewRules, type RbacAuthorizer } from './rbac/rbac-authorizer.js';

export const PRIVILEGED_GROUP = 'system:masters';
const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
const KUBELET_RULES: readonly PolicyRule[] = [...NODE_RULES, ...NODE_PROXIER_RULES];

export function isNodeUser(user: UserInfo): boolean {
  return user.groups.includes(NODES_GROUP) && user.username.startsWith(NODE_USER_PREFIX) && user.username.length > NODE_USER_PREFIX.length;
}

export class ClusterAuthorizer implements Authorizer {
  readonly #rbac: RbacAuthorizer;

  constructor(rbac: RbacAuthorizer) {
    this.#rbac = rbac;
  }

  authorize(a: AuthorizationAttributes): AuthorizationDecision {
    if (a.user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: '' };
    if (isNodeUser(a.user) && KUBELET_RULES.some((r) => ruleAllows(a, r))) return { allowed: true, reason: '' };
    const decision = this.#rbac.authorize(a);
    if (decision.allowed) return decision;
    return { allowed: false, reason: this.#rbac.synced ? '' : 'RBAC: the authorizer has not loaded the roles and bindings yet; retry shortly' };
  }

  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean } {
    const rules = [...(isNodeUser(user) ? KUBELET_RULES : []), ...this.#rbac.rulesFor(user, namespace)];
    return { ...toReviewRules(rules), incomplete: !this.#rbac.synced };
  }
}
