/**
 * Deployment arithmetic and bookkeeping, after upstream pkg/controller/deployment/util
 * (deployment_util.go) at 1.32: revisions and the annotations a Deployment keeps on its
 * ReplicaSets, maxSurge/maxUnavailable resolution, proportional scaling, the new/old ReplicaSet
 * split, progress and completeness tests, and the Deployment conditions with upstream's
 * reasons. Pure functions over plain objects; the controller does all I/O.
 */
import { deepCopy, jsonEqual, rfc3339 } from '../../api/object.js';
import { POD_TEMPLATE_HASH_LABEL, specReplicas, timeMs, type Deployment, type DeploymentCondition, type DeploymentStatus, type PodTemplateSpec, type ReplicaSet, type ReplicaSetCondition } from '../podcontrol/workload-types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';

/** Progressing reasons. */
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_REPLICA_SET_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
/** Available reasons. */
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';

export const DEPLOYMENT_AVAILABLE = 'Available';
export const DEPLOYMENT_PROGRESSING = 'Progressing';
export const DEPLOYMENT_REPLICA_FAILURE = 'ReplicaFailure';

/** Upstream caps revision-history at this many characters. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

const MAX_INT32 = 2147483647;

// ---- conditions ----------------------------------------------------------------------------------

export function newDeploymentCondition(type: string, status: string, reason: string, message: string, nowMs: number): DeploymentCondition {
  const now = rfc3339(nowMs);
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getDeploymentCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: no change when a condition of the type with the same status and reason
 * exists; lastTransitionTime kept when only the reason changes.
 */
export function setDeploymentCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getDeploymentCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), orderCondition(next)];
}

export function removeDeploymentCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  const rest = status.conditions.filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** Member order of Go's DeploymentCondition (omitempty members left out when empty). */
function orderCondition(c: DeploymentCondition): DeploymentCondition {
  const out: DeploymentCondition = { type: c.type, status: c.status };
  if (c.lastUpdateTime) out.lastUpdateTime = c.lastUpdateTime;
  if (c.lastTransitionTime) out.lastTransitionTime = c.lastTransitionTime;
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

/** A ReplicaSet's ReplicaFailure condition as a Deployment condition. */
export function replicaSetToDeploymentCondition(c: ReplicaSetCondition): DeploymentCondition {
  return { type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
}

// ---- revisions and annotations -------------------------------------------------------------------

/** The revision annotation as a number (0 when absent, NaN when unparsable). */
export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : Number.NaN;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

const SKIPPED_ANNOTATIONS = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

/** Copies the Deployment's annotations (but apply/revision/replica bookkeeping) to the ReplicaSet. */
function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  const annotations = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the revision to
 * `newRevision` (recording the previous one in revision-history when an old ReplicaSet is
 * reused, i.e. a rollback), and for a ReplicaSet about to be created sets desired/max replicas.
 * Mutates `rs`; returns whether its annotations changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: string, exists: boolean, revHistoryLimitInChars = MAX_REV_HISTORY_LENGTH_IN_CHARS): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = (rs.metadata.annotations ??= {});
  const oldRevision = annotations[REVISION_ANNOTATION];
  const had = oldRevision !== undefined;
  let oldRevisionInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldRevisionInt = Number(oldRevision);
  }
  if (!/^[+-]?\d+$/.test(newRevision)) return false;
  const newRevisionInt = Number(newRevision);
  if (oldRevisionInt < newRevisionInt) {
    annotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  if (had && oldRevisionInt < newRevisionInt) {
    const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
    const old = history.split(',');
    if (old[0].length === 0) annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > revHistoryLimitInChars && start < old.length) {
        total -= old[start].length + 1;
        start++;
      }
      if (total <= revHistoryLimitInChars) annotations[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Sets deployment.kubernetes.io/revision on the Deployment; returns whether it changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const annotations = (d.metadata.annotations ??= {});
  if (annotations[REVISION_ANNOTATION] === revision) return false;
  annotations[REVISION_ANNOTATION] = revision;
  return true;
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return a?.[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a?.[MAX_REPLICAS_ANNOTATION] !== String(max);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

// ---- surge and unavailability --------------------------------------------------------------------

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec?.strategy?.type === 'RollingUpdate';
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is; "N%" of `total`, rounded up or down.
 * Anything else is an error (validation keeps such values out).
 */
export function valueFromIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable down; if both come to zero,
 * maxUnavailable becomes 1 so a rollout can still make progress.
 */
export function resolveFenceposts(maxSurgeV: number | string | undefined, maxUnavailableV: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = valueFromIntOrPercent(maxSurgeV ?? 0, desired, true);
  let unavailable = valueFromIntOrPercent(maxUnavailableV ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxUnavailable(d: Deployment): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const { unavailable } = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, specReplicas(d)).surge;
}

// ---- replica sets --------------------------------------------------------------------------------

function replicas(rs: ReplicaSet): number {
  return specReplicas(rs);
}

/** ReplicaSetsByCreationTimestamp: oldest first, names breaking ties. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = timeMs(a.metadata.creationTimestamp);
  const tb = timeMs(b.metadata.creationTimestamp);
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first; among equals, older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return replicas(b) - replicas(a) || byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: larger first; among equals, newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return replicas(b) - replicas(a) || byCreation(b, a);
}

/** ReplicaSetsByRevision: lowest revision first, then oldest. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  const va = Number.isNaN(ra) ? 0 : ra;
  const vb = Number.isNaN(rb) ? 0 : rb;
  return va !== vb ? va - vb : byCreation(a, b);
}

export function filterActiveReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && replicas(rs) > 0);
}

/** EqualIgnoreHash: templates semantically equal apart from the pod-template-hash label. */
export function equalIgnoreHash(t1: PodTemplateSpec | undefined, t2: PodTemplateSpec | undefined): boolean {
  return jsonEqual(withoutHash(t1), withoutHash(t2));
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  if (!t) return {};
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return normalizeTemplate(t);
  const rest = { ...labels };
  delete rest[POD_TEMPLATE_HASH_LABEL];
  return normalizeTemplate({ ...t, metadata: { ...t.metadata, labels: rest } });
}

/** Semantic equality treats an empty label/annotation map like an absent one. */
function normalizeTemplate(t: PodTemplateSpec): unknown {
  const meta = t.metadata;
  if (!meta) return t;
  const m: Record<string, unknown> = { ...meta };
  if (meta.labels && Object.keys(meta.labels).length === 0) delete m.labels;
  if (meta.annotations && Object.keys(meta.annotations).length === 0) delete m.annotations;
  return { ...t, metadata: m };
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  let found: ReplicaSet | undefined;
  for (const rs of rsList) {
    if (!equalIgnoreHash(rs.spec?.template, d.spec?.template)) continue;
    if (!found || byCreation(rs, found) < 0) found = rs;
  }
  return found;
}

/** FindOldReplicaSets: every other ReplicaSet (all), and those of them with replicas (active). */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[], newRS = findNewReplicaSet(d, rsList)): { active: ReplicaSet[]; all: ReplicaSet[] } {
  const all: ReplicaSet[] = [];
  const active: ReplicaSet[] = [];
  for (const rs of rsList) {
    if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
    all.push(rs);
    if (replicas(rs) !== 0) active.push(rs);
  }
  return { active, all };
}

/**
 * FindActiveOrLatest: the only ReplicaSet with replicas, or the newest one when none has any;
 * undefined when several are active (they are scaled proportionally).
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActiveReplicaSets([...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  return active.length === 1 ? active[0] : undefined;
}

export function sumSpecReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += replicas(rs);
  return n;
}

export function sumStatus(rss: readonly (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.[field] ?? 0;
  return n;
}

/** Go's math.Round (half away from zero) to an integer. */
function goRound(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * GetProportion: how many replicas `rs` gains (or loses) when `toAdd` replicas are spread over
 * the active ReplicaSets in proportion to their size, `added` being handed out already.
 */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || replicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = getReplicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function getReplicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (specReplicas(d) === 0) return -replicas(rs);
  const deploymentReplicas = specReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
  // Never scale up proportionally from nothing (upstream divides by zero here).
  if (annotated === 0) return 0;
  return goRound((replicas(rs) * deploymentReplicas) / annotated) - replicas(rs);
}

/**
 * NewRSNewReplicas: the size the new ReplicaSet may have now — up to maxSurge above
 * spec.replicas in total for RollingUpdate, spec.replicas at once for Recreate.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const strategy = d.spec?.strategy?.type;
  if (strategy === 'RollingUpdate') {
    const surge = valueFromIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge, specReplicas(d), true);
    const current = sumSpecReplicas(allRSs);
    const maxTotal = specReplicas(d) + surge;
    if (current >= maxTotal) return replicas(newRS);
    const scaleUp = Math.min(maxTotal - current, specReplicas(d) - replicas(newRS));
    return replicas(newRS) + scaleUp;
  }
  if (strategy === 'Recreate') return specReplicas(d);
  throw new Error(`deployment type ${strategy ?? ''} isn't supported`);
}

/** IsSaturated: the new ReplicaSet has, wants and runs available every desired replica. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = specReplicas(d);
  return replicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

// ---- progress --------------------------------------------------------------------------------------

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== MAX_INT32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== MAX_INT32;
}

/** DeploymentComplete: every desired replica updated and available, no old ones, generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = specReplicas(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available replicas than before. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * DeploymentTimedOut: the Progressing condition was last updated more than
 * progressDeadlineSeconds ago (or already says ProgressDeadlineExceeded), unless it records a
 * completed rollout.
 */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getDeploymentCondition(s, DEPLOYMENT_PROGRESSING);
  if (!c) return false;
  if (c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  const from = timeMs(c.lastUpdateTime);
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

// ---- new ReplicaSet ---------------------------------------------------------------------------------

/** A copy of the Deployment's template labelled with the hash (GetNewReplicaSetTemplate). */
export function templateWithHash(d: Deployment, hash: string): PodTemplateSpec {
  const t = deepCopy(d.spec?.template ?? {});
  const meta = (t.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return t;
}
