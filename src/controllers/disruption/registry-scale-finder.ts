/**
 * A ScaleFinder over the API's own table of served kinds: reads a controller's replica count the
 * way its /scale subresource does (the kind's specReplicasPath), so PodDisruptionBudgets with a
 * percentage or maxUnavailable work for pods of custom workload resources too. The composition
 * root builds it from the registry and the in-process client.
 */
import { ApiError } from '../../api/errors.js';
import { parseApiVersion, type KubeObject } from '../../api/object.js';
import type { ScalePaths } from '../../api/resource.js';
import type { Client } from '../../client/client.js';
import type { ScaleFinder } from './disruption-controller.js';

/** The slice of the registry the finder reads (Registry satisfies it). */
export interface ServedKinds {
  findByKind(group: string, kind: string): { readonly def: { readonly group: string; readonly version: string; readonly plural: string; readonly scale?: ScalePaths } } | undefined;
}

export function registryScaleFinder(kinds: ServedKinds, client: Client): ScaleFinder {
  return async (owner, namespace) => {
    const { group, version } = parseApiVersion(owner.apiVersion);
    const served = kinds.findByKind(group, owner.kind);
    if (!served) throw new Error(`no matches for kind ${JSON.stringify(owner.kind)} in version ${JSON.stringify(owner.apiVersion || version)}`);
    const { def } = served;
    const resource = group ? `${def.plural}.${group}` : def.plural;
    if (!def.scale) throw new Error(`${resource} does not implement the scale subresource`);
    let controller: KubeObject;
    try {
      controller = await client.get({ group: def.group, version: def.version, resource: def.plural }, namespace, owner.name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
    if (controller.metadata.uid !== owner.uid) return undefined;
    return { uid: owner.uid, replicas: replicasAt(controller, def.scale.specReplicasPath) };
  };
}

/** The integer at a `.spec.replicas`-style path; an absent value reads 0, as an unset Scale.spec.replicas. */
function replicasAt(o: KubeObject, path: string): number {
  let cur: unknown = o;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return 0;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'number' ? Math.trunc(cur) : 0;
}
