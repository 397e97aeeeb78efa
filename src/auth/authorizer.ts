/**
 * Authorization seam. lite does not enforce RBAC yet (a later issue): the only authorizer allows
 * every authenticated user and says so in its reason, so `kubectl auth can-i` tells the truth.
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

export class AllowAllAuthorizer implements Authorizer {
  authorize(): AuthorizationDecision {
    return { allowed: true, reason: 'lite allows every authenticated user: RBAC is not enforced yet' };
  }

  rulesFor(): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean } {
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  }
}
