/**
 * Reads and writes the scale of an HPA's target the way its /scale subresource does (upstream's
 * scale client): replicas at the kind's specReplicasPath / statusReplicasPath, the selector of
 * the built-in workloads from spec.selector (as their scale REST storage formats it) and of
 * custom resources from labelSelectorPath. Writes update the target object read by `get`, so a
 * change in between fails with a conflict, as a Scale update carrying its resourceVersion does.
 */
import { ApiError } from '../../api/errors.js';
import { at, isNil, obj } from '../../api/json-access.js';
import { deepCopy, parseApiVersion, type KubeObject } from '../../api/object.js';
import { labelSelectorFromObject, labelSelectorFromSet } from '../../api/selectors/index.js';
import type { Client, ResourceRef } from '../../client/client.js';
import { getPath, setPath } from '../../registry/served-resource.js';
import type { ServedKinds } from '../disruption/registry-scale-finder.js';

export interface ScaleTargetRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

export interface TargetScale {
  /** spec.replicas of the Scale. */
  readonly specReplicas: number;
  /** status.replicas of the Scale. */
  readonly statusReplicas: number;
  /** status.selector of the Scale (label selector string form), '' when the kind reports none. */
  readonly selector: string;
}

/** How the controller reaches targets (fakes in tests). */
export interface ScaleTargets {
  /** Rejects with the API's error (404 …) or "no matches for kind …" for unknown kinds. */
  get(namespace: string, ref: ScaleTargetRef): Promise<TargetScale>;
  /** Sets spec.replicas of the scale `get` returned. */
  update(namespace: string, ref: ScaleTargetRef, scale: TargetScale, replicas: number): Promise<void>;
}

/** Kinds whose scale selector upstream derives from spec.selector. */
const SPEC_SELECTOR_KINDS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'extensions/Deployment', 'extensions/ReplicaSet']);

interface Resolved {
  readonly ref: ResourceRef;
  readonly specPath: string;
  readonly statusPath: string;
  readonly selectorPath: string | undefined;
  readonly group: string;
}

/** Scale targets over the API's table of served kinds and the in-process client. */
export function registryScaleTargets(kinds: ServedKinds, client: Client): ScaleTargets {
  const objects = new WeakMap<TargetScale, KubeObject>();
  const resolve = (ref: ScaleTargetRef): Resolved => {
    const { group } = parseApiVersion(ref.apiVersion);
    const served = kinds.findByKind(group, ref.kind);
    if (!served) throw new Error(`no matches for kind ${JSON.stringify(ref.kind)} in group ${JSON.stringify(group)}`);
    const { def } = served;
    // A kind without /scale: what the scale client gets back from the API.
    if (!def.scale) throw ApiError.notFound({ group: def.group, resource: `${def.plural}/scale` }, ref.name);
    return { ref: { group: def.group, version: def.version, resource: def.plural }, specPath: def.scale.specReplicasPath, statusPath: def.scale.statusReplicasPath, selectorPath: def.scale.labelSelectorPath, group };
  };
  return {
    async get(namespace, ref) {
      const r = resolve(ref);
      const target = await client.get(r.ref, namespace, ref.name);
      const num = (v: unknown) => (typeof v === 'number' ? Math.trunc(v) : 0);
      let selector = '';
      if (ref.kind === 'ReplicationController' && r.group === '') {
        const set = obj(at(target.spec, 'selector'));
        if (set) selector = labelSelectorFromSet(set as Record<string, string>).toString();
      } else if (SPEC_SELECTOR_KINDS.has(`${r.group}/${ref.kind}`)) {
        const sel = at(target.spec, 'selector');
        if (!isNil(sel)) selector = labelSelectorFromObject(sel).toString();
      } else if (r.selectorPath) {
        const v = getPath(target, r.selectorPath);
        if (typeof v === 'string') selector = v;
      }
      const scale: TargetScale = { specReplicas: num(getPath(target, r.specPath)), statusReplicas: num(getPath(target, r.statusPath)), selector };
      objects.set(scale, target);
      return scale;
    },
    async update(namespace, ref, scale, replicas) {
      const r = resolve(ref);
      const read = objects.get(scale) ?? (await client.get(r.ref, namespace, ref.name));
      const next = deepCopy(read);
      setPath(next, r.specPath, replicas);
      await client.update(r.ref, namespace, next);
    },
  };
}
