/**
 * Pod predicates and orderings shared by the workload controllers, with upstream's semantics
 * (k8s.io/kubernetes pkg/api/v1/pod and pkg/controller/controller_utils.go at 1.32, with the
 * PodDeletionCost and LogarithmicScaleDown features on, as they are by default).
 */
import type { OwnerReference } from '../../api/object.js';
import { timeMs, type Pod, type PodCondition } from './workload-types.js';

/** The annotation that tells a ReplicaSet which of its pods to delete first (lower cost first). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  const conditions = pod.status?.conditions;
  if (!conditions) return undefined;
  for (const c of conditions) if (c.type === 'Ready') return c;
  return undefined;
}

/** Ready=True (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds (strictly, at the
 * Ready condition's second-precision lastTransitionTime).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = podReadyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = timeMs(ready.lastTransitionTime);
  return since !== 0 && since + minReadySeconds * 1000 < nowMs;
}

/** Not Succeeded, not Failed, not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

export function filterActivePods(pods: readonly Pod[]): Pod[] {
  return pods.filter(isPodActive);
}

/** `namespace/name`, the key expectations track deletions by (controller.PodKey). */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

export function controllerRefOf(o: { metadata: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  const refs = o.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller === true) return r;
  return undefined;
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: { apiVersion?: string; kind?: string; metadata: { name?: string; uid?: string } }, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: Pod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
}

function podReadyTimeMs(pod: Pod): number {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? timeMs(c.lastTransitionTime) : 0;
}

function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** helper.GetDeletionCostFromPodAnnotations: an int32, 0 when absent or invalid. */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/** afterOrZero: zero times sort first, then later times. */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** floor(log2(now − t)) in nanoseconds, as upstream buckets durations (−1 for t ≥ now). */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

function uidLess(a: Pod, b: Pod): boolean {
  return (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
}

/**
 * controller.ActivePodsWithRanks.Less: true when pod `a` should be deleted before `b`.
 * Unassigned < assigned; Pending < Unknown < Running; not ready < ready; lower deletion cost
 * first; more co-located related pods (rank) first; ready for less time first; more restarts
 * first; newer first — time comparisons in logarithmic buckets, ties broken by uid.
 */
export function deletionLess(a: Pod, rankA: number, b: Pod, rankB: number, nowMs: number): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  if (ra && rb) {
    const ta = podReadyTimeMs(a);
    const tb = podReadyTimeMs(b);
    if (ta !== tb) {
      if (ta === 0 || tb === 0) return afterOrZero(ta, tb);
      const diff = logRank(ta, nowMs) - logRank(tb, nowMs);
      return diff === 0 ? uidLess(a, b) : diff < 0;
    }
  }
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xa > xb;
  const cta = timeMs(a.metadata.creationTimestamp);
  const ctb = timeMs(b.metadata.creationTimestamp);
  if (cta !== ctb) {
    if (cta === 0 || ctb === 0) return afterOrZero(cta, ctb);
    const diff = logRank(cta, nowMs) - logRank(ctb, nowMs);
    return diff === 0 ? uidLess(a, b) : diff < 0;
  }
  return false;
}

/**
 * The `count` pods to delete first among `pods` (getPodsToDelete): ranked by how many active
 * related pods (`related`, e.g. of sibling ReplicaSets) share each pod's node.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, nowMs: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => (deletionLess(x.pod, x.rank, y.pod, y.rank, nowMs) ? -1 : deletionLess(y.pod, y.rank, x.pod, x.rank, nowMs) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
