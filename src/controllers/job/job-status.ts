/**
 * Job conditions and the status as the controller writes it (pkg/controller/job: newCondition,
 * ensureJobConditionStatus), plus the predicates on a Job's spec the sync consults.
 */
import { rfc3339 } from '../../api/object.js';
import type { Job, JobCondition, JobStatus, Pod } from './job-types.js';
import { findCondition, JOB_CONTROLLER_NAME } from './job-utils.js';

export const REASON = {
  podFailurePolicy: 'PodFailurePolicy',
  backoffLimitExceeded: 'BackoffLimitExceeded',
  deadlineExceeded: 'DeadlineExceeded',
  maxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  failedIndexes: 'FailedIndexes',
  successPolicy: 'SuccessPolicy',
  completionsReached: 'CompletionsReached',
} as const;

export const MESSAGE = {
  backoffLimitExceeded: 'Job has reached the specified backoff limit',
  deadlineExceeded: 'Job was active longer than specified deadline',
  maxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  failedIndexes: 'Job has failed indexes',
  completionsReached: 'Reached expected number of succeeded pods',
} as const;

export function newCondition(type: string, status: JobCondition['status'], reason: string, message: string, now: number): JobCondition {
  const ts = rfc3339(now);
  const c: JobCondition = { type, status, lastProbeTime: ts, lastTransitionTime: ts };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * Sets a condition of `type` to the given status/reason/message (replacing it, with new
 * timestamps, when any differs); a missing condition is only added when not False, since
 * nothing → False says nothing. Returns whether the list changed.
 */
export function ensureCondition(status: JobStatus, type: string, st: JobCondition['status'], reason: string, message: string, now: number): boolean {
  const list = (status.conditions ??= []);
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i];
    if (c.status !== st || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      list[i] = newCondition(type, st, reason, message, now);
      return true;
    }
    return false;
  }
  if (st === 'False') return false;
  list.push(newCondition(type, st, reason, message, now));
  return true;
}

export function isTrue(c: JobCondition | undefined): c is JobCondition {
  return c !== undefined && c.status === 'True';
}

export function successCriteriaMet(job: Job): JobCondition | undefined {
  const c = findCondition(job.status?.conditions, 'SuccessCriteriaMet');
  return isTrue(c) ? c : undefined;
}

export function isIndexedJob(job: Job): boolean {
  return job.spec.completionMode === 'Indexed';
}

export function hasBackoffLimitPerIndex(job: Job): boolean {
  return job.spec.backoffLimitPerIndex !== undefined && job.spec.backoffLimitPerIndex !== null;
}

export function isSuspended(job: Job): boolean {
  return job.spec.suspend === true;
}

/** Pods are replaced only once Failed (not while terminating): podReplacementPolicy Failed, or any podFailurePolicy. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || (job.spec.podFailurePolicy !== undefined && job.spec.podFailurePolicy !== null);
}

/** A Job whose spec.managedBy names another controller is left alone. */
export function managedByOther(job: Job): boolean {
  const m = job.spec.managedBy;
  return m !== undefined && m !== null && m !== JOB_CONTROLLER_NAME;
}

/**
 * isPodFailed: Failed pods; and, unless only failed pods are replaced, pods being deleted that
 * did not succeed (orphans that never reach a terminal phase must count too).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

/**
 * The status as Go's encoder writes it: zero-valued `omitempty` counters and empty lists are
 * left out; pointer fields (ready, terminating, uncountedTerminatedPods, failedIndexes) stay.
 */
export function statusForWrite(status: JobStatus): JobStatus {
  const out: JobStatus = { ...status };
  for (const k of ['active', 'succeeded', 'failed'] as const) if (!out[k]) delete out[k];
  if (!out.completedIndexes) delete out.completedIndexes;
  if (out.conditions && out.conditions.length === 0) delete out.conditions;
  if (out.failedIndexes === undefined) delete out.failedIndexes;
  const u = out.uncountedTerminatedPods ?? {};
  const uncounted: JobStatus['uncountedTerminatedPods'] = {};
  if (u.succeeded?.length) uncounted.succeeded = [...u.succeeded];
  if (u.failed?.length) uncounted.failed = [...u.failed];
  out.uncountedTerminatedPods = uncounted;
  for (const k of Object.keys(out) as (keyof JobStatus)[]) if (out[k] === undefined) delete out[k];
  return out;
}
