/**
 * ReplicaSet (and ReplicationController) status, as upstream's replica_set_utils.go computes it:
 * replicas = active pods the controller owns, fullyLabeledReplicas = those carrying every label
 * of the template, readyReplicas = Ready=True, availableReplicas = ready for minReadySeconds, and
 * a ReplicaFailure condition (reason FailedCreate / FailedDelete, message = the error) while pod
 * management fails. Zero counts are omitted, as Go's omitempty does (except `replicas`).
 */
import { jsonEqual, rfc3339 } from '../../api/object.js';
import { isPodAvailable, isPodReady } from '../podcontrol/pod-utils.js';
import { specReplicas, type Pod, type ReplicaSet, type ReplicaSetCondition, type ReplicaSetStatus } from '../podcontrol/workload-types.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

function matchesAll(template: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!template) return true;
  for (const k in template) if (labels?.[k] !== template[k]) return false;
  return true;
}

/** The status the ReplicaSet should have given the pods it owns and the outcome of managing them. */
export function calculateStatus(rs: ReplicaSet, pods: readonly Pod[], manageError: unknown, nowMs: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (matchesAll(templateLabels, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  let conditions = rs.status?.conditions ?? [];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined && !failure) {
    const diff = pods.length - specReplicas(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: ReplicaSetCondition = { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(nowMs), message: manageError instanceof Error ? manageError.message : String(manageError) };
    if (reason) cond.reason = reason;
    conditions = [...conditions.filter((c) => c.type !== REPLICA_FAILURE), orderCondition(cond)];
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaSetStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  const observed = rs.status?.observedGeneration;
  if (observed) status.observedGeneration = observed;
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** Field order as Go serialises ReplicaSetCondition. */
function orderCondition(c: ReplicaSetCondition): ReplicaSetCondition {
  const out: ReplicaSetCondition = { type: c.type, status: c.status };
  if (c.lastTransitionTime) out.lastTransitionTime = c.lastTransitionTime;
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

/**
 * True when the stored status already says this (upstream skips the write then, unless the
 * generation has not been observed yet).
 */
export function statusUpToDate(rs: ReplicaSet, status: ReplicaSetStatus): boolean {
  const cur = rs.status;
  return (
    (cur?.replicas ?? 0) === status.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
    (cur?.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
    (cur?.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
    (rs.metadata.generation ?? 0) === (cur?.observedGeneration ?? 0) &&
    jsonEqual(cur?.conditions ?? [], status.conditions ?? [])
  );
}
