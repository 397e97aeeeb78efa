/**
 * Job and pod predicates shared by the Job, CronJob and TTL-after-finished controllers, with
 * upstream's semantics (pkg/controller/job/util, pkg/controller/controller_utils.go).
 */
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { Job, JobCondition, Pod } from './job-types.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** spec.managedBy of Jobs this controller reconciles (unset means the same). */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export const UNKNOWN_COMPLETION_INDEX = -1;

/** Parses an RFC 3339 timestamp; undefined when absent or malformed. */
export function parseTime(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

export function findCondition(conditions: readonly JobCondition[] | undefined, type: string): JobCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The terminal condition type of a finished Job (Complete or Failed with status True). */
export function finishedConditionType(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

export function isJobFinished(job: Job): boolean {
  return finishedConditionType(job) !== undefined;
}

export function isJobSucceeded(job: Job): boolean {
  return finishedConditionType(job) === 'Complete';
}

/** The controlling owner reference, if any. */
export function controllerRefOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** controller.FilterActivePods: not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && pod.metadata.deletionTimestamp === undefined;
}

/** controller.FilterTerminatingPods: being deleted and not terminal yet. */
export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && !isPodTerminal(pod);
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function hasTrackingFinalizer(o: KubeObject): boolean {
  return o.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** The pod's completion index from its annotation, or UNKNOWN_COMPLETION_INDEX. */
export function completionIndexOf(pod: KubeObject): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return UNKNOWN_COMPLETION_INDEX;
  const i = Number.parseInt(v, 10);
  return i < 0 || !Number.isSafeInteger(i) ? UNKNOWN_COMPLETION_INDEX : i;
}

/** An int32 annotation; 0 when absent, malformed or out of range (as upstream's parseInt32). */
export function int32Annotation(pod: KubeObject, key: string): number {
  const v = pod.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number.parseInt(v, 10);
  return n < 0 || n > 2147483647 ? 0 : n;
}

/**
 * When a pod finished (backoff_utils getFinishedTime): the latest container finish time when
 * every container terminated; else the Ready=False transition; else deletionTimestamp minus
 * grace; else its creation time.
 */
export function podFinishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let allTerminated = statuses.length > 0;
  for (const cs of statuses) {
    const t = parseTime(cs.state?.terminated?.finishedAt ?? undefined);
    if (!cs.state?.terminated || t === undefined) {
      allTerminated = false;
      break;
    }
    if (latest === undefined || t > latest) latest = t;
  }
  if (allTerminated && latest !== undefined) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const readyFalse = ready && ready.status === 'False' ? parseTime(ready.lastTransitionTime) : undefined;
  if (readyFalse !== undefined) return readyFalse;
  const deletion = parseTime(pod.metadata.deletionTimestamp);
  if (deletion !== undefined) return deletion - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return parseTime(pod.metadata.creationTimestamp ?? undefined) ?? 0;
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(pod: Pod): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  return c ? parseTime(c.lastTransitionTime) : undefined;
}

function restarts(pod: Pod): number {
  let max = 0;
  for (const cs of pod.status?.containerStatuses ?? []) max = Math.max(max, cs.restartCount ?? 0);
  return max;
}

/**
 * controller.ActivePods ordering: pods earlier in their life sort first, so the cheapest to lose
 * are deleted first — unscheduled < scheduled, Pending < Unknown < Running, not ready < ready,
 * ready for less time < longer, more restarts < fewer, newer < older.
 */
export function compareActivePods(a: Pod, b: Pod): number {
  const an = a.spec.nodeName ?? '';
  const bn = b.spec.nodeName ?? '';
  if (an !== bn && (an === '' || bn === '')) return an === '' ? -1 : 1;
  const ap = PHASE_RANK[a.status?.phase ?? ''] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? ''] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a);
  const br = isPodReady(b);
  if (ar !== br) return ar ? 1 : -1;
  if (ar && br) {
    const at = readySince(a);
    const bt = readySince(b);
    if (at !== bt) {
      if (at === undefined) return -1;
      if (bt === undefined) return 1;
      return bt - at;
    }
  }
  const ra = restarts(a);
  const rb = restarts(b);
  if (ra !== rb) return rb - ra;
  const ca = parseTime(a.metadata.creationTimestamp ?? undefined);
  const cb = parseTime(b.metadata.creationTimestamp ?? undefined);
  if (ca !== cb) {
    if (ca === undefined) return -1;
    if (cb === undefined) return 1;
    return cb - ca;
  }
  return 0;
}
