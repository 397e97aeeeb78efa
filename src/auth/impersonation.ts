/**
 * Impersonation (`kubectl --as=jane --as-group=dev`): the Impersonate-User, Impersonate-Group,
 * Impersonate-Uid and Impersonate-Extra-<key> headers, as upstream's WithImpersonation filter
 * (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go). The caller needs the `impersonate`
 * verb on each thing it asks for: users, groups, serviceaccounts (for
 * system:serviceaccount:<ns>:<name>), authentication.k8s.io uids and userextras/<key>. The
 * request then runs as the impersonated user, who is also system:authenticated.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../api/errors.js';
import type { UserInfo } from '../registry/context.js';
import type { AuthorizationAttributes, Authorizer } from './authorizer.js';
import { forbiddenError } from './request-attributes.js';

const SA_PREFIX = 'system:serviceaccount:';

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => (name === 'impersonate-group' ? x.split(',').map((s) => s.trim()) : [x])).filter((x) => x !== '');
}

/** Whether the request asks to impersonate anyone. */
export function wantsImpersonation(headers: IncomingHttpHeaders): boolean {
  for (const k of Object.keys(headers)) if (k.startsWith('impersonate-')) return true;
  return false;
}

/** The user the request runs as; throws 403 when the caller may not impersonate, 400 on a malformed request. */
export function impersonate(caller: UserInfo, headers: IncomingHttpHeaders, authorizer: Authorizer): UserInfo {
  const users = headerValues(headers, 'impersonate-user');
  const groups = headerValues(headers, 'impersonate-group');
  const uids = headerValues(headers, 'impersonate-uid');
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith('impersonate-extra-') || v === undefined) continue;
    let key = k.slice('impersonate-extra-'.length);
    try {
      key = decodeURIComponent(key);
    } catch {
      throw ApiError.badRequest(`the impersonation header ${k} is not valid: malformed percent-encoding`);
    }
    extra[key] = [...(extra[key] ?? []), ...(Array.isArray(v) ? v : [v])];
  }
  if (users.length === 0) {
    if (groups.length || uids.length || Object.keys(extra).length) throw ApiError.badRequest('requested impersonation of groups, uid or extra fields without impersonating a user (Impersonate-User)');
    return caller;
  }
  if (users.length > 1) throw ApiError.badRequest('only one Impersonate-User header may be given');
  if (uids.length > 1) throw ApiError.badRequest('only one Impersonate-Uid header may be given');
  const username = users[0];
  const check = (a: Omit<AuthorizationAttributes, 'user' | 'verb'>) => {
    const attrs = { ...a, user: caller, verb: 'impersonate' };
    const d = authorizer.authorize(attrs);
    if (!d.allowed) throw forbiddenError(caller, attrs, d.reason);
  };
  const impliedGroups: string[] = [];
  if (username.startsWith(SA_PREFIX)) {
    const [namespace, name] = username.slice(SA_PREFIX.length).split(':');
    if (!namespace || !name) throw ApiError.badRequest(`the impersonated user "${username}" is not a valid service account name`);
    check({ group: '', resource: 'serviceaccounts', namespace, name });
    impliedGroups.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`);
  } else {
    check({ group: '', resource: 'users', name: username });
  }
  for (const g of groups) check({ group: '', resource: 'groups', name: g });
  for (const u of uids) check({ group: 'authentication.k8s.io', resource: 'uids', name: u });
  for (const [k, values] of Object.entries(extra)) for (const v of values) check({ group: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  const allGroups = [...new Set([...groups, ...impliedGroups])];
  if (username === 'system:anonymous') {
    if (!allGroups.includes('system:unauthenticated')) allGroups.push('system:unauthenticated');
  } else if (!allGroups.includes('system:authenticated')) allGroups.push('system:authenticated');
  return { username, groups: allGroups, ...(uids[0] ? { uid: uids[0] } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
