/**
 * core/v1 Event ↔ events.k8s.io/v1 Event. Both are served from one storage location (core/v1),
 * as upstream does; the newer API renames several fields (pkg/apis/events/v1/conversion.go).
 */
import type { KubeObject } from '../object.js';

/** [core/v1 name, events.k8s.io/v1 name] */
const RENAMES: readonly (readonly [string, string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function rename(obj: KubeObject, from: 0 | 1, apiVersion: string): KubeObject {
  const to = from === 0 ? 1 : 0;
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: obj.metadata };
  const renamed = new Map(RENAMES.map((r) => [r[from], r[to]]));
  // A member named like the other version's field is no field of this version; typed conversion
  // would never see it, so it must not overwrite the renamed one.
  const foreign = new Set(RENAMES.map((r) => r[to]));
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || v === undefined) continue;
    const target = renamed.get(k);
    if (target !== undefined) out[target] = v;
    else if (!foreign.has(k)) out[k] = v;
  }
  return out;
}

/** events.k8s.io/v1 → core/v1 (the storage form). */
export function eventsV1ToCore(obj: KubeObject): KubeObject {
  const core = rename(obj, 1, 'v1');
  // Upstream requires one of the two timestamps; old clients read firstTimestamp.
  return core;
}

/** core/v1 → events.k8s.io/v1. */
export function coreToEventsV1(obj: KubeObject): KubeObject {
  return rename(obj, 0, 'events.k8s.io/v1');
}
