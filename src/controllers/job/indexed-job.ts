/**
 * Indexed completion mode (pkg/controller/job/indexed_job_utils.go and success_policy.go):
 * which indexes succeeded or failed, which are pending, which pods hold duplicate indexes, and
 * what a new pod of an index looks like.
 */
import type { Job, Pod, PodTemplateSpec } from './job-types.js';
import {
  compareActivePods,
  completionIndexOf,
  hasTrackingFinalizer,
  int32Annotation,
  isPodTerminating,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  podFinishedTime,
  UNKNOWN_COMPLETION_INDEX,
} from './job-utils.js';
import { hasIndex, matchesIndexesRule, mergeIntervals, parseIntervals, totalOf, withIndexes, firstIndexesNotIn, type Interval, type OrderedIntervals } from './ordered-intervals.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { isPodFailed, onlyReplaceFailedPods } from './job-status.js';

const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** names.MaxGeneratedNameLength: the API appends 5 random characters to a generateName. */
const MAX_GENERATED_NAME_LENGTH = 58;

export function completionsOf(job: Job): number {
  return job.spec.completions ?? 0;
}

function validIndex(pod: Pod, completions: number): number {
  const ix = completionIndexOf(pod);
  return ix !== UNKNOWN_COMPLETION_INDEX && ix < completions ? ix : UNKNOWN_COMPLETION_INDEX;
}

function sortedUnique(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** The indexes of `pods` (pods without a valid index are skipped). */
export function indexesOf(pods: readonly Pod[]): Set<number> {
  const out = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix !== UNKNOWN_COMPLETION_INDEX) out.add(ix);
  }
  return out;
}

/**
 * `status.completedIndexes` as parsed (prev) and with the indexes of succeeded pods whose
 * finalizer is still on (not counted yet) added (current).
 */
export function succeededIndexes(job: Job, pods: readonly Pod[]): { prev: Interval[]; current: Interval[] } {
  const completions = completionsOf(job);
  const prev = parseIntervals(job.status?.completedIndexes, completions);
  const fresh: number[] = [];
  for (const p of pods) {
    const ix = validIndex(p, completions);
    if (p.status?.phase === 'Succeeded' && ix !== UNKNOWN_COMPLETION_INDEX && hasTrackingFinalizer(p)) fresh.push(ix);
  }
  return { prev, current: withIndexes(prev, sortedUnique(fresh)) };
}

/** Failure count of the index a pod ran for, from its annotations (failed + ignored failures). */
export function absoluteFailureCount(pod: Pod): number {
  return int32Annotation(pod, JOB_INDEX_FAILURE_COUNT_ANNOTATION) + int32Annotation(pod, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
}

/** An index fails for good when a FailIndex rule matched, or its counted failures reach backoffLimitPerIndex. */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  let counted = false;
  if (isPodFailed(pod, job)) {
    if (job.spec.podFailurePolicy) {
      const m = matchPodFailurePolicy(job.spec, pod);
      if (m.action === 'FailIndex') return true;
      counted = m.countFailed;
    } else counted = true;
  }
  return counted && int32Annotation(pod, JOB_INDEX_FAILURE_COUNT_ANNOTATION) >= (job.spec.backoffLimitPerIndex ?? 0);
}

/** `status.failedIndexes` with the indexes that failed since the last sync added. */
export function failedIndexes(job: Job, pods: readonly Pod[]): Interval[] {
  const completions = completionsOf(job);
  const prev = job.status?.failedIndexes !== undefined ? parseIntervals(job.status.failedIndexes, completions) : [];
  const fresh: number[] = [];
  for (const p of pods) {
    const ix = validIndex(p, completions);
    if (ix !== UNKNOWN_COMPLETION_INDEX && hasTrackingFinalizer(p) && isIndexFailed(job, p)) fresh.push(ix);
  }
  return withIndexes(prev, sortedUnique(fresh));
}

/**
 * For backoffLimitPerIndex: per index still to be retried, the last failed pod, whose removal
 * waits until its replacement exists (the replacement inherits its failure count).
 */
export function podsWithDelayedDeletionPerIndex(job: Job, pods: readonly Pod[], activePods: readonly Pod[], expectedRmFinalizers: ReadonlySet<string>, succeeded: OrderedIntervals, failed: OrderedIntervals | undefined): Map<number, Pod> {
  const completions = completionsOf(job);
  const active = indexesOf(activePods);
  const out = new Map<number, Pod>();
  for (const p of pods) {
    if (!hasTrackingFinalizer(p) || expectedRmFinalizers.has(p.metadata.uid ?? '')) continue;
    const ix = validIndex(p, completions);
    if (ix === UNKNOWN_COMPLETION_INDEX || !isPodFailed(p, job)) continue;
    if (hasIndex(succeeded, ix) || hasIndex(failed, ix) || active.has(ix)) continue;
    const last = out.get(ix);
    if (!last || (absoluteFailureCount(last) <= absoluteFailureCount(p) && podFinishedTime(p) >= podFinishedTime(last))) out.set(ix, p);
  }
  return out;
}

/** The first `count` indexes that have no active, succeeded, failed (or, when only failed pods are replaced, terminating) pod. */
export function firstPendingIndexes(job: Job, pods: readonly Pod[], activePods: readonly Pod[], succeeded: OrderedIntervals, failed: OrderedIntervals | undefined, count: number): number[] {
  if (count <= 0) return [];
  let taken = withIndexes(succeeded, sortedUnique(indexesOf(activePods)));
  if (onlyReplaceFailedPods(job)) taken = withIndexes(taken, sortedUnique(indexesOf(pods.filter(isPodTerminating))));
  if (failed) taken = mergeIntervals(taken, failed);
  return firstIndexesNotIn(taken, count, completionsOf(job));
}

/**
 * Active pods to remove because they repeat an index (all but the most advanced of each), have
 * no index or one beyond completions; the rest is returned as `left`.
 */
export function duplicatedIndexPods(pods: readonly Pod[], completions: number): { rm: Pod[]; left: Pod[] } {
  const rm: Pod[] = [];
  const left: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) {
      rm.push(p);
      continue;
    }
    const group = byIndex.get(ix);
    if (group) group.push(p);
    else byIndex.set(ix, [p]);
  }
  for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
    const group = byIndex.get(ix) ?? [];
    if (group.length === 1) {
      left.push(group[0]);
      continue;
    }
    group.sort(compareActivePods);
    rm.push(...group.slice(0, -1));
    left.push(group[group.length - 1]);
  }
  return { rm, left };
}

/** JOB_COMPLETION_INDEX from the pod's index label (downward API), unless the container sets it. */
export function addCompletionIndexEnv(template: PodTemplateSpec): void {
  const add = (c: { env?: { name: string; valueFrom?: unknown }[] }) => {
    if (c.env?.some((e) => e.name === COMPLETION_INDEX_ENV)) return;
    (c.env ??= []).push({ name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } });
  };
  for (const c of template.spec.initContainers ?? []) add(c);
  for (const c of template.spec.containers) add(c);
}

/** `<job>-<index>-`, the job name shortened so the API's random suffix still fits. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? jobName.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}

/** The failure-count annotations of the pod replacing `replaced` in its index. */
export function indexFailureCounts(job: Job, replaced: Pod | undefined): { failed: number; ignored: number } {
  if (!replaced) return { failed: 0, ignored: 0 };
  let failed = int32Annotation(replaced, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
  let ignored = int32Annotation(replaced, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
  if (job.spec.podFailurePolicy) {
    if (matchPodFailurePolicy(job.spec, replaced).countFailed) failed++;
    else ignored++;
  } else failed++;
  return { failed, ignored };
}

/** The successPolicy rule the succeeded indexes satisfy, as the SuccessCriteriaMet message. */
export function matchSuccessPolicy(job: Job, succeeded: OrderedIntervals): string | undefined {
  const rules = job.spec.successPolicy?.rules;
  if (!rules || succeeded.length === 0) return undefined;
  const completions = completionsOf(job);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const count = rule.succeededCount ?? undefined;
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchesIndexesRule(required, succeeded, count)) return `Matched rules at index ${i}`;
    } else if (count !== undefined && totalOf(succeeded) >= count) return `Matched rules at index ${i}`;
  }
  return undefined;
}
