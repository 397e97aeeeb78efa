/**
 * Authorization seam: the API server asks an Authorizer about every request (and about the
 * access reviews). The server's chain is ClusterAuthorizer (privileged group, Node, RBAC).
 */
import type { UserInfo } from '../registry/context.js';

export interface AuthorizationAttributes {
  readonly user: UserInfo;
  readonly verb: string;
  /** Resource requests. */
  readonly namespace?: string;
  readonly group?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
  /** Non-resource requests (e.g. /healthz). */
  readonly path?: string;
}

export interface AuthorizationDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): AuthorizationDecision;
  /** The rules a user holds in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean };
}

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}
