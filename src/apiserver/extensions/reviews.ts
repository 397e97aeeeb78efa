/**
 * The create-only review kinds: nothing is stored, the request is answered with its status
 * filled in (notes §15).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import type { Authorizer } from '../../auth/authorizer.js';
import type { UserInfo } from '../../registry/context.js';
import type { HandlerResult, ResourceRequest } from '../resource-handler.js';

export interface ReviewDeps {
  readonly authorizer: Authorizer;
  /**
   * Authenticates a bearer token for TokenReview, for the audiences the review names (empty: the
   * API server's own audiences).
   */
  readonly reviewToken: (token: string, audiences: readonly string[]) => Promise<TokenReviewAnswer>;
}

type Handler = (req: ResourceRequest) => Promise<HandlerResult>;

export type TokenReviewAnswer = { readonly authenticated: true; readonly user: UserInfo; readonly audiences: readonly string[] } | { readonly authenticated: false; readonly error: string };

function spec(obj: KubeObject): JsonObject {
  return isJsonObject(obj.spec) ? obj.spec : {};
}

function answer(req: ResourceRequest, obj: KubeObject, status: JsonObject): HandlerResult {
  const { status: _ignored, ...rest } = obj;
  return { status: 201, body: { ...rest, apiVersion: req.resource.apiVersion, kind: req.resource.def.kind, metadata: { ...(obj.metadata ?? {}), creationTimestamp: null }, status } };
}

function userInfoJson(u: UserInfo): JsonObject {
  const out: JsonObject = { username: u.username, groups: [...u.groups] };
  if (u.uid) out.uid = u.uid;
  if (u.extra) out.extra = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
  return out;
}

function accessStatus(authorizer: Authorizer, user: UserInfo, s: JsonObject, namespaceOverride?: string): JsonObject {
  const ra = isJsonObject(s.resourceAttributes) ? s.resourceAttributes : undefined;
  const nra = isJsonObject(s.nonResourceAttributes) ? s.nonResourceAttributes : undefined;
  if (!ra && !nra) throw ApiError.invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', [{ type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const decision = ra
    ? authorizer.authorize({ user, verb: str(ra.verb) ?? '', namespace: namespaceOverride ?? str(ra.namespace), group: str(ra.group), resource: str(ra.resource), subresource: str(ra.subresource), name: str(ra.name) })
    : authorizer.authorize({ user, verb: str(nra?.verb) ?? '', path: str(nra?.path) });
  // lite's authorizers allow or have no opinion; none denies explicitly, so `denied` stays unset.
  return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
}

function userFromSpec(s: JsonObject): UserInfo {
  const groups = Array.isArray(s.groups) ? s.groups.filter((g): g is string => typeof g === 'string') : [];
  const user = typeof s.user === 'string' ? s.user : '';
  if (!user && groups.length === 0) {
    throw ApiError.invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', [{ type: 'FieldValueRequired', field: 'spec.user', detail: 'at least one of user or group must be specified' }]);
  }
  return { username: user, groups, ...(typeof s.uid === 'string' ? { uid: s.uid } : {}) };
}

export function reviewHandlers(deps: ReviewDeps): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  handlers.set('authorization.k8s.io/selfsubjectaccessreviews', async (req) => {
    const obj = await req.body();
    req.resource.checkTypeMeta(obj);
    return answer(req, obj, accessStatus(deps.authorizer, req.ctx.user, spec(obj)));
  });
  handlers.set('authorization.k8s.io/subjectaccessreviews', async (req) => {
    const obj = await req.body();
    req.resource.checkTypeMeta(obj);
    const s = spec(obj);
    return answer(req, obj, accessStatus(deps.authorizer, userFromSpec(s), s));
  });
  handlers.set('authorization.k8s.io/localsubjectaccessreviews', async (req) => {
    const obj = await req.body();
    req.resource.checkTypeMeta(obj);
    const s = spec(obj);
    const ra = isJsonObject(s.resourceAttributes) ? s.resourceAttributes : undefined;
    if (ra && ra.namespace !== undefined && ra.namespace !== '' && ra.namespace !== req.namespace) {
      throw ApiError.invalid({ group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview' }, '', [{ type: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', value: ra.namespace, detail: 'must match metadata.namespace' }]);
    }
    return answer(req, obj, accessStatus(deps.authorizer, userFromSpec(s), s, req.namespace));
  });
  handlers.set('authorization.k8s.io/selfsubjectrulesreviews', async (req) => {
    const obj = await req.body();
    req.resource.checkTypeMeta(obj);
    const ns = typeof spec(obj).namespace === 'string' ? (spec(obj).namespace as string) : '';
    const rules = deps.authorizer.rulesFor(req.ctx.user, ns);
    return answer(req, obj, { resourceRules: rules.resourceRules as unknown as JsonObject[], nonResourceRules: rules.nonResourceRules as unknown as JsonObject[], incomplete: rules.incomplete });
  });
  handlers.set('authentication.k8s.io/selfsubjectreviews', async (req) => {
    const obj = await req.body();
    req.resource.checkTypeMeta(obj);
    return answer(req, obj, { userInfo: userInfoJson(req.ctx.user) });
  });
  handlers.set('authentication.k8s.io/tokenreviews', async (req) => {
    const obj = await req.body();
    req.resource.checkTypeMeta(obj);
    const token = spec(obj).token;
    if (typeof token !== 'string' || token === '') {
      throw ApiError.invalid({ group: 'authentication.k8s.io', kind: 'TokenReview' }, '', [{ type: 'FieldValueRequired', field: 'spec.token', detail: 'token must not be empty' }]);
    }
    const auds = spec(obj).audiences;
    const audiences = Array.isArray(auds) ? auds.filter((a): a is string => typeof a === 'string') : [];
    const r = await deps.reviewToken(token, audiences);
    return answer(req, obj, r.authenticated ? { authenticated: true, user: userInfoJson(r.user), audiences: [...r.audiences] } : { authenticated: false, error: r.error });
  });
  return handlers;
}

/** A fake request carrying only an Authorization header, for token authentication. */
export function tokenRequest(token: string): IncomingMessage {
  return { headers: { authorization: `Bearer ${token}` }, socket: {} } as unknown as IncomingMessage;
}
