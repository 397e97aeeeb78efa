/**
 * Node helpers of the node lifecycle controller (upstream pkg/controller/util/node and the taint
 * helpers of pkg/controller): condition lookup, zone keys, and taint changes written with
 * optimistic concurrency (first try from the informer's copy, then from fresh reads).
 */
import { ApiError } from '../../api/errors.js';
import { objsAt, strAt } from '../../api/json-access.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources, type Client } from '../../client/client.js';
import { matchTaint, nodeTaints, type Taint } from '../taint-eviction/tolerations.js';

export interface NodeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastHeartbeatTime?: string;
  readonly lastTransitionTime?: string;
}

/** A condition of a node's status, or undefined. */
export function nodeCondition(node: KubeObject, type: string): NodeCondition | undefined {
  const status = isJsonObject(node.status) ? node.status : undefined;
  const c = objsAt(status, 'conditions').find((x) => x.type === type);
  if (!c) return undefined;
  return {
    type,
    status: strAt(c, 'status'),
    reason: strAt(c, 'reason') || undefined,
    message: strAt(c, 'message') || undefined,
    lastHeartbeatTime: strAt(c, 'lastHeartbeatTime') || undefined,
    lastTransitionTime: strAt(c, 'lastTransitionTime') || undefined,
  };
}

const LABEL_ZONE = 'topology.kubernetes.io/zone';
const LABEL_REGION = 'topology.kubernetes.io/region';
const LABEL_ZONE_BETA = 'failure-domain.beta.kubernetes.io/zone';
const LABEL_REGION_BETA = 'failure-domain.beta.kubernetes.io/region';

/** The zone a node is in (k8s.io/component-helpers/node/topology GetZoneKey); '' when unlabelled. */
export function zoneKey(node: KubeObject): string {
  const labels = node.metadata.labels ?? {};
  const zone = labels[LABEL_ZONE] || labels[LABEL_ZONE_BETA] || '';
  const region = labels[LABEL_REGION] || labels[LABEL_REGION_BETA] || '';
  if (zone === '' && region === '') return '';
  return `${region}:\x00:${zone}`;
}

export function taintExists(node: KubeObject, taint: { key: string; effect: string }): boolean {
  return nodeTaints(node).some((t) => matchTaint(t, taint));
}

function taintJson(t: Taint): JsonObject {
  const out: JsonObject = { key: t.key, effect: t.effect };
  if (t.value) out.value = t.value;
  if (t.timeAdded) out.timeAdded = t.timeAdded;
  return out;
}

const TAINT_UPDATE_ATTEMPTS = 5;

/**
 * Adds (or replaces, matched by key and effect) and removes taints on a node in one write, as
 * upstream's SwapNodeControllerTaint does in two (AddOrUpdateTaintOnNode, RemoveTaintOffNode).
 * `node` is the caller's (informer) copy, used for the first attempt; conflicts re-read the node.
 * Returns false when the node is gone.
 */
export async function swapNodeTaints(client: Client, node: KubeObject, add: readonly Taint[], remove: readonly { key: string; effect: string }[], fieldManager: string): Promise<boolean> {
  const name = node.metadata.name ?? '';
  let current: KubeObject = node;
  for (let attempt = 0; ; attempt++) {
    const taints = nodeTaints(current);
    let next = taints.filter((t) => !remove.some((r) => matchTaint(t, r)));
    let changed = next.length !== taints.length;
    for (const a of add) {
      const i = next.findIndex((t) => matchTaint(t, a));
      if (i < 0) {
        next = [...next, a];
        changed = true;
      } else if (next[i].value !== a.value || next[i].timeAdded !== a.timeAdded) {
        next = next.map((t, j) => (j === i ? a : t));
        changed = true;
      }
    }
    if (!changed) return true;
    const spec: JsonObject = { ...(isJsonObject(current.spec) ? current.spec : {}) };
    if (next.length > 0) spec.taints = next.map(taintJson);
    else delete spec.taints;
    try {
      await client.update(resources.nodes, undefined, { ...current, spec }, { fieldManager });
      return true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === 404) return false;
      if (e.code !== 409 || attempt + 1 >= TAINT_UPDATE_ATTEMPTS) throw e;
    }
    try {
      current = await client.get(resources.nodes, undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  }
}

/** Runs fn over items with at most `workers` in flight (upstream workqueue.ParallelizeUntil). */
export async function parallelize<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, workers), items.length) }, worker));
}
