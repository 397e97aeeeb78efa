/**
 * The objects service-account tokens are bound to, read straight from the registry: always
 * current (a token must stop working the moment its pod is gone), and a storage read is cheap next
 * to the request the token authenticates.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Registry } from '../registry/registry.js';
import type { TokenObjectGetter } from './claims.js';
import type { BoundObjectGetter } from './token-request.js';

export function registryBoundObjectGetter(registry: Registry): BoundObjectGetter {
  return (resource, namespace, name) => {
    const r = registry.get('', 'v1', resource);
    if (!r) throw ApiError.pathNotFound();
    return r.get(namespace, name);
  };
}

export function tokenObjectGetter(get: BoundObjectGetter): TokenObjectGetter {
  const orUndefined = async (p: Promise<KubeObject>): Promise<KubeObject | undefined> => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  return {
    serviceAccount: (ns, name) => orUndefined(get('serviceaccounts', ns, name)),
    pod: (ns, name) => orUndefined(get('pods', ns, name)),
    secret: (ns, name) => orUndefined(get('secrets', ns, name)),
    node: (name) => orUndefined(get('nodes', undefined, name)),
  };
}
