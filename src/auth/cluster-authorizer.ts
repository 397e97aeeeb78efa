/**
 * The server's authorizer chain, in kube-apiserver's order for `--authorization-mode=Node,RBAC`
 * plus its privileged group:
 *  1. members of `system:masters` may do anything (never subject to RBAC, so a cluster can
 *     always be repaired with the admin credentials);
 *  2. the Node authorizer: kubelets (user `system:node:<name>` in group `system:nodes`) get the
 *     node rules (upstream NodeRules) and, because lite's agents run kube-proxy under the same
 *     identity, the node-proxier rules; Secrets, ConfigMaps and ServiceAccount tokens only as the
 *     graph of pods bound to the node allows (node-authorizer.ts). Upstream narrows volumes
 *     (PersistentVolumeClaims, PersistentVolumes) the same way; lite's kubelet lists them, so
 *     they keep the static rules;
 *  3. RBAC.
 * Whatever none of them allows is denied, with upstream's empty reason.
 */
import type { UserInfo } from '../registry/context.js';
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer, NonResourceRule, ResourceRule } from './authorizer.js';
import { authorizeNodeRequest, isNodeGraphResource, type NodePods } from './node-authorizer.js';
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

/** The node rules without what the graph decides (Secrets, ConfigMaps, ServiceAccount tokens). */
const KUBELET_RULES_WITH_GRAPH: readonly PolicyRule[] = KUBELET_RULES.map((r) => ({
  ...r,
  resources: r.resources?.filter((res) => res !== 'secrets' && res !== 'configmaps' && res !== 'serviceaccounts/token'),
})).filter((r) => r.resources === undefined || r.resources.length > 0);

export class ClusterAuthorizer implements Authorizer {
  readonly #rbac: RbacAuthorizer;
  readonly #nodePods: NodePods | undefined;

  /** Without `nodePods` (tests of RBAC alone) kubelets get the node rules with no graph. */
  constructor(rbac: RbacAuthorizer, nodePods?: NodePods) {
    this.#rbac = rbac;
    this.#nodePods = nodePods;
  }

  authorize(a: AuthorizationAttributes): AuthorizationDecision {
    if (a.user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: '' };
    let nodeReason = '';
    if (isNodeUser(a.user)) {
      if (this.#nodePods && isNodeGraphResource(a)) {
        const d = authorizeNodeRequest(a.user.username.slice(NODE_USER_PREFIX.length), a, this.#nodePods);
        if (d.allowed) return { allowed: true, reason: '' };
        nodeReason = d.reason;
      } else if (KUBELET_RULES.some((r) => ruleAllows(a, r))) return { allowed: true, reason: '' };
    }
    const decision = this.#rbac.authorize(a);
    if (decision.allowed) return decision;
    if (!this.#rbac.synced) return { allowed: false, reason: 'RBAC: the authorizer has not loaded the roles and bindings yet; retry shortly' };
    // As upstream's union authorizer: the reasons of the authorizers without an opinion.
    return { allowed: false, reason: nodeReason };
  }

  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean } {
    const nodeRules = isNodeUser(user) ? (this.#nodePods ? KUBELET_RULES_WITH_GRAPH : KUBELET_RULES) : [];
    const rules = [...nodeRules, ...this.#rbac.rulesFor(user, namespace)];
    // The graph's grants depend on the object, so a node's list is incomplete, as upstream says.
    return { ...toReviewRules(rules), incomplete: !this.#rbac.synced || (isNodeUser(user) && this.#nodePods !== undefined) };
  }
}
