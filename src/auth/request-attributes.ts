/**
 * What an HTTP request asks to do, in authorizer terms: upstream's RequestInfoFactory
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go). Resource requests are
 * /api/v1/... and /apis/<group>/<version>/...; everything else is a non-resource path.
 *
 * Verbs: GET/HEAD on a collection is `list` (`watch` with ?watch=true or the legacy /watch/
 * prefix), on a named object `get`; POST `create`; PUT `update`; PATCH `patch`; DELETE on a
 * named object `delete`, on a collection `deletecollection`. A list or watch whose field
 * selector pins `metadata.name` is authorized for that name, as upstream does.
 */
import { ApiError } from '../api/errors.js';
import type { AuthorizationAttributes } from './authorizer.js';
import type { UserInfo } from '../registry/context.js';

/** The request's attributes without the user. */
export type RequestAttributes = Omit<AuthorizationAttributes, 'user'>;

const SPECIAL_VERBS = new Set(['proxy', 'redirect', 'watch']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * `upgrade`: the request asks for a connection upgrade (WebSocket). An upgrade of pods/exec,
 * attach or portforward is authorized as `create`, as kube-apiserver does since 1.31
 * (AuthorizePodWebsocketUpgradeCreatePermission), so read-only roles cannot open a shell.
 */
export function requestAttributes(method: string, path: string, query: URLSearchParams, upgrade = false): RequestAttributes {
  const lowerMethod = method.toLowerCase();
  const nonResource = (): RequestAttributes => ({ verb: httpVerb(lowerMethod), path });
  const segs = path.split('/').filter((p) => p !== '');
  let group: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1];
    rest = segs.slice(3);
  } else {
    return nonResource();
  }
  let parts: string[];
  try {
    parts = rest.map((s) => decodeURIComponent(s));
  } catch {
    parts = rest;
  }
  let verb = httpVerb(lowerMethod);
  // /api/v1/watch/... and /api/v1/proxy/... (deprecated prefixes) name the verb.
  if (parts.length > 0 && SPECIAL_VERBS.has(parts[0])) {
    if (verb !== 'get') return nonResource();
    verb = parts[0];
    parts = parts.slice(1);
  }
  // The group-version's discovery document is a non-resource request.
  if (parts.length === 0) return nonResource();
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    // /namespaces/{ns}/{resource}…, unless the third part is a namespace subresource.
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  const resource = parts[0];
  const name = parts.length >= 2 ? parts[1] : undefined;
  const subresource = parts.length >= 3 ? parts[2] : undefined;
  if (upgrade && verb === 'get' && resource === 'pods' && subresource !== undefined && STREAMING_SUBRESOURCES.has(subresource)) verb = 'create';
  const watching = query.get('watch') === 'true' || query.get('watch') === '1';
  let attributedName = name;
  if (name === undefined) {
    if (verb === 'get') verb = watching ? 'watch' : 'list';
    if (verb === 'delete') verb = 'deletecollection';
    if (verb === 'list' || verb === 'watch') attributedName = nameFromFieldSelector(query.get('fieldSelector'));
  } else if (verb === 'get' && watching) {
    verb = 'watch';
  }
  return {
    verb,
    group,
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    ...(attributedName !== undefined ? { name: attributedName } : {}),
  };
}

function httpVerb(method: string): string {
  switch (method) {
    case 'get':
    case 'head':
      return 'get';
    case 'post':
      return 'create';
    case 'put':
      return 'update';
    case 'patch':
      return 'patch';
    case 'delete':
      return 'delete';
    default:
      return method;
  }
}

/** `metadata.name=x` (or `==`) as the only term of a field selector names the object. */
function nameFromFieldSelector(selector: string | null): string | undefined {
  if (!selector) return undefined;
  const terms = selector.split(',').map((t) => t.trim());
  if (terms.length !== 1) return undefined;
  const m = /^metadata\.name==?(.*)$/.exec(terms[0]);
  return m && m[1] !== '' ? m[1] : undefined;
}

/** Why a request is denied, worded as kube-apiserver's authorization filter words it. */
function deniedText(user: UserInfo, a: RequestAttributes, reason: string): string {
  const who = `User "${user.username}"`;
  let text: string;
  if (a.resource === undefined) text = `${who} cannot ${a.verb} path "${a.path ?? ''}"`;
  else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    text = `${who} cannot ${a.verb} resource "${resource}" in API group "${a.group ?? ''}" ${scope}`;
  }
  return reason ? `${text}: ${reason}` : text;
}

/**
 * The 403 Status of a denied request, as apierrors.NewForbidden builds it: the group-qualified
 * resource (without subresource) and name, then why.
 */
export function forbiddenError(user: UserInfo, a: RequestAttributes, reason: string): ApiError {
  if (a.resource === undefined) return new ApiError(403, 'Forbidden', `forbidden: ${deniedText(user, a, reason)}`);
  return ApiError.forbidden({ group: a.group ?? '', resource: a.resource }, a.name ?? '', deniedText(user, a, reason));
}
