/**
 * StatefulSet identities, storage and revisions, after upstream
 * pkg/controller/statefulset/stateful_set_utils.go:
 *  - pod `<set>-<ordinal>`, ordinals start..start+replicas-1 (`spec.ordinals.start`);
 *  - labels `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
 *    `controller-revision-hash` (the revision name); hostname = pod name, subdomain = serviceName;
 *  - claims `<template>-<set>-<ordinal>` from volumeClaimTemplates, mounted under the template name;
 *  - retention policy (`whenDeleted`/`whenScaled`) realised as ownerReferences on claims;
 *  - revisions record `{"spec":{"template":{…,"$patch":"replace"}}}`.
 * Everything here is pure; objects passed in are never mutated.
 */
import { deepCopy, isJsonObject, type JsonObject, type KubeObject, type OwnerReference } from '../../api/object.js';
import { at, int, intOrStrAt, objAt, objs, optNumAt, str, strAt, strMap } from '../../api/json-access.js';
import { POD_REVISION_LABEL, newControllerRevision } from '../history/controller-history.js';
import { isPodAvailable, isPodReady, newControllerRef, podFromTemplate, podPhase, scaledValueFromIntOrPercent, type OwnerKind } from '../history/workload-helpers.js';

export const STATEFULSET_KIND: OwnerKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const POD_KIND: OwnerKind = { apiVersion: 'v1', kind: 'Pod' };

/** apps.StatefulSetPodNameLabel */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (PodIndexLabel feature, on in 1.32) */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type RetentionPolicyType = 'Retain' | 'Delete';
export interface RetentionPolicy {
  readonly whenDeleted: RetentionPolicyType;
  readonly whenScaled: RetentionPolicyType;
}

// ---- spec access ----------------------------------------------------------------------------------

export function setSpec(set: KubeObject): JsonObject {
  return isJsonObject(set.spec) ? set.spec : {};
}

export function setStatus(set: KubeObject): JsonObject {
  return isJsonObject(set.status) ? set.status : {};
}

export function specReplicas(set: KubeObject): number {
  return optNumAt(setSpec(set), 'replicas') ?? 1;
}

export function minReadySeconds(set: KubeObject): number {
  return int(setSpec(set).minReadySeconds);
}

export function getStartOrdinal(set: KubeObject): number {
  return int(at(set, 'spec', 'ordinals', 'start'));
}

export function getEndOrdinal(set: KubeObject): number {
  return getStartOrdinal(set) + specReplicas(set) - 1;
}

export function updateStrategyType(set: KubeObject): string {
  return strAt(objAt(setSpec(set), 'updateStrategy'), 'type') || 'RollingUpdate';
}

export function rollingUpdateOf(set: KubeObject): JsonObject | undefined {
  return objAt(objAt(setSpec(set), 'updateStrategy'), 'rollingUpdate');
}

export function allowsBurst(set: KubeObject): boolean {
  return strAt(setSpec(set), 'podManagementPolicy') === 'Parallel';
}

export function volumeClaimTemplates(set: KubeObject): JsonObject[] {
  return objs(setSpec(set).volumeClaimTemplates);
}

export function templateName(claim: JsonObject): string {
  return strAt(objAt(claim, 'metadata'), 'name');
}

export function getRetentionPolicy(set: KubeObject): RetentionPolicy {
  const p = objAt(setSpec(set), 'persistentVolumeClaimRetentionPolicy');
  return { whenDeleted: strAt(p, 'whenDeleted') === 'Delete' ? 'Delete' : 'Retain', whenScaled: strAt(p, 'whenScaled') === 'Delete' ? 'Delete' : 'Retain' };
}

/**
 * getStatefulSetMaxUnavailable: maxUnavailable scaled against replicas (rounded down, at least
 * 1); undefined when the field is unset (the classic one-at-a-time update).
 */
export function getMaxUnavailable(set: KubeObject): number | undefined {
  const v = intOrStrAt(rollingUpdateOf(set), 'maxUnavailable');
  if (v === undefined) return undefined;
  return Math.max(1, scaledValueFromIntOrPercent(v, specReplicas(set), false, 1));
}

// ---- names and ordinals ---------------------------------------------------------------------------

const STATEFUL_POD_RE = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: the set name and ordinal from a pod name; ordinal -1 if none. */
export function parentNameAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = STATEFUL_POD_RE.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1], ordinal: Number.isSafeInteger(n) && n <= 2147483647 ? n : -1 };
}

export function getOrdinal(pod: KubeObject): number {
  return parentNameAndOrdinal(pod.metadata.name ?? '').ordinal;
}

export function podName(set: KubeObject, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(set: KubeObject, claim: JsonObject, ordinal: number): string {
  return `${templateName(claim)}-${set.metadata.name}-${ordinal}`;
}

export function isMemberOf(set: KubeObject, pod: KubeObject): boolean {
  return parentNameAndOrdinal(pod.metadata.name ?? '').parent === set.metadata.name;
}

export function podInOrdinalRange(pod: KubeObject, set: KubeObject): boolean {
  const ord = getOrdinal(pod);
  return ord >= getStartOrdinal(set) && ord <= getEndOrdinal(set);
}

// ---- pod state ------------------------------------------------------------------------------------

export function isCreated(pod: KubeObject): boolean {
  return podPhase(pod) !== '';
}

export function isPending(pod: KubeObject): boolean {
  return podPhase(pod) === 'Pending';
}

export function isFailed(pod: KubeObject): boolean {
  return podPhase(pod) === 'Failed';
}

export function isSucceeded(pod: KubeObject): boolean {
  return podPhase(pod) === 'Succeeded';
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export function isRunningAndReady(pod: KubeObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: KubeObject, minReady: number, nowMs: number): boolean {
  return isPodAvailable(pod, minReady, nowMs);
}

/** Not available, or terminating. */
export function isUnavailable(pod: KubeObject, minReady: number, nowMs: number): boolean {
  return !isRunningAndAvailable(pod, minReady, nowMs) || isTerminating(pod);
}

export function getPodRevision(pod: KubeObject): string {
  return pod.metadata.labels?.[POD_REVISION_LABEL] ?? '';
}

// ---- identity and storage -------------------------------------------------------------------------

/** identityMatches: name, namespace and pod-name label agree with the set. */
export function identityMatches(set: KubeObject, pod: KubeObject): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod.metadata.name ?? '');
  return (
    ordinal >= 0 &&
    set.metadata.name === parent &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

/** storageMatches: every claim template is mounted from the pod's own claim. */
export function storageMatches(set: KubeObject, pod: KubeObject): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map(objs(at(pod, 'spec', 'volumes')).map((v) => [strAt(v, 'name'), v]));
  for (const claim of volumeClaimTemplates(set)) {
    const v = volumes.get(templateName(claim));
    if (!v || str(at(v, 'persistentVolumeClaim', 'claimName')) !== claimName(set, claim, ordinal)) return false;
  }
  return true;
}

/**
 * getPersistentVolumeClaims: the claims of the pod with `ordinal`, keyed by template name,
 * labelled with the template labels plus the set's selector matchLabels.
 */
export function persistentVolumeClaims(set: KubeObject, ordinal: number): Map<string, KubeObject> {
  const matchLabels = strMap(at(set, 'spec', 'selector', 'matchLabels'));
  const out = new Map<string, KubeObject>();
  for (const claim of volumeClaimTemplates(set)) {
    const meta = objAt(claim, 'metadata') ?? {};
    const { creationTimestamp: _ct, ...rest } = meta;
    const labels = { ...strMap(meta.labels), ...matchLabels };
    const spec = objAt(claim, 'spec');
    out.set(templateName(claim), {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { ...(rest as KubeObject['metadata']), name: claimName(set, claim, ordinal), namespace: set.metadata.namespace, labels },
      spec: spec ? deepCopy(spec) : {},
    });
  }
  return out;
}

/** updateStorage: the pod's volumes with one claim volume per template, first. Mutates `pod`. */
export function updateStorage(set: KubeObject, pod: KubeObject): void {
  const spec = ensureSpec(pod);
  const claims = persistentVolumeClaims(set, getOrdinal(pod));
  const volumes: JsonObject[] = [];
  for (const [name, claim] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name } });
  for (const v of objs(spec.volumes)) if (!claims.has(strAt(v, 'name'))) volumes.push(v);
  spec.volumes = volumes;
}

/** updateIdentity: name, namespace and identity labels. Mutates `pod`. */
export function updateIdentity(set: KubeObject, pod: KubeObject): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

function ensureSpec(pod: KubeObject): JsonObject {
  if (!isJsonObject(pod.spec)) pod.spec = {};
  return pod.spec as JsonObject;
}

/** newStatefulSetPod: the pod with `ordinal` of `set` (its template, identity and storage). */
export function newStatefulSetPod(set: KubeObject, ordinal: number): KubeObject {
  const pod = podFromTemplate(at(set, 'spec', 'template'), set, newControllerRef(set, STATEFULSET_KIND));
  pod.metadata.name = podName(set, ordinal);
  updateIdentity(set, pod);
  const spec = ensureSpec(pod);
  // Set only at creation: hostname and subdomain are immutable.
  spec.hostname = pod.metadata.name;
  const serviceName = strAt(setSpec(set), 'serviceName');
  if (serviceName) spec.subdomain = serviceName;
  updateStorage(set, pod);
  return pod;
}

/**
 * newVersionedStatefulSetPod: a missing pod is made at the current revision when its ordinal is
 * below the partition (or, without rollingUpdate, below the current replicas), else at the update
 * revision.
 */
export function newVersionedStatefulSetPod(currentSet: KubeObject, updateSet: KubeObject, currentRevision: string, updateRevision: string, ordinal: number): KubeObject {
  const start = getStartOrdinal(currentSet);
  const ru = rollingUpdateOf(currentSet);
  const atCurrent =
    (updateStrategyType(currentSet) === 'RollingUpdate' && ru === undefined && ordinal < start + int(setStatus(currentSet).currentReplicas)) ||
    (ru !== undefined && ordinal < start + int(ru.partition));
  const pod = newStatefulSetPod(atCurrent ? currentSet : updateSet, ordinal);
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_REVISION_LABEL]: atCurrent ? currentRevision : updateRevision };
  return pod;
}

// ---- revisions ------------------------------------------------------------------------------------

/** getPatch: the revision data restoring the set's pod template. */
export function revisionPatch(set: KubeObject): JsonObject {
  const template = objAt(setSpec(set), 'template') ?? {};
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** newRevision: the revision recording the set's current template. */
export function newRevision(set: KubeObject, revision: number, collisionCount: number): KubeObject {
  const templateLabels = strMap(at(set, 'spec', 'template', 'metadata', 'labels'));
  const cr = newControllerRevision(set, STATEFULSET_KIND, templateLabels, revisionPatch(set), revision, collisionCount);
  const annotations = set.metadata.annotations;
  if (annotations && Object.keys(annotations).length > 0) cr.metadata.annotations = { ...annotations };
  return cr;
}

/** ApplyRevision: the set with the template recorded in `revision`. */
export function applyRevision(set: KubeObject, revision: KubeObject): KubeObject {
  const template = objAt(objAt(isJsonObject(revision.data) ? revision.data : undefined, 'spec'), 'template');
  if (!template) throw new Error(`ControllerRevision ${revision.metadata.namespace}/${revision.metadata.name} holds no pod template`);
  const { $patch: _directive, ...restored } = template;
  return { ...set, spec: { ...setSpec(set), template: restored } };
}

// ---- claim retention (ownerReferences on claims) --------------------------------------------------

function matchesRef(ref: OwnerReference, obj: KubeObject, kind: OwnerKind): boolean {
  return ref.apiVersion === kind.apiVersion && ref.kind === kind.kind && ref.name === obj.metadata.name;
}

function hasOwnerRef(target: KubeObject, owner: KubeObject): boolean {
  return (target.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

/** A reference to an object of this name and kind but another uid (a previous incarnation). */
export function hasStaleOwnerRef(target: KubeObject, obj: KubeObject, kind: OwnerKind): boolean {
  const ref = (target.metadata.ownerReferences ?? []).find((r) => matchesRef(r, obj, kind));
  return ref !== undefined && ref.uid !== obj.metadata.uid;
}

function hasUnexpectedController(claim: KubeObject, set: KubeObject, pod: KubeObject): boolean {
  const policy = getRetentionPolicy(set);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return false;
  for (const ref of claim.metadata.ownerReferences ?? []) {
    if (matchesRef(ref, set, STATEFULSET_KIND)) {
      if (ref.uid !== set.metadata.uid) return true;
      continue;
    }
    if (matchesRef(ref, pod, POD_KIND)) {
      if (ref.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: KubeObject, set: KubeObject, pod: KubeObject): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && r.controller !== true);
}

/**
 * isClaimOwnerUpToDate: whether the claim's ownerReferences realise the retention policy:
 * Retain/Retain no reference; whenDeleted=Delete a reference to the set; whenScaled=Delete a
 * reference to the pod once it is scaled away (and then none to the set). Claims with stale
 * references or another controller are left alone.
 */
export function isClaimOwnerUpToDate(claim: KubeObject, set: KubeObject, pod: KubeObject): boolean {
  if (hasStaleOwnerRef(claim, set, STATEFULSET_KIND) || hasStaleOwnerRef(claim, pod, POD_KIND)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const policy = getRetentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
  if (policy.whenScaled === 'Retain') return hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
  if (policy.whenDeleted === 'Retain') return !hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  return scaledDown !== hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
}

/**
 * updateClaimOwnerRefForSetAndPod: the claim's ownerReferences rewritten for the policy (our
 * references scrubbed, then the wanted controller references added). Returns the new list.
 */
export function claimOwnerRefsForPolicy(claim: KubeObject, set: KubeObject, pod: KubeObject): OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let refs = (claim.metadata.ownerReferences ?? []).filter((r) => !matchesRef(r, set, STATEFULSET_KIND) && !matchesRef(r, pod, POD_KIND));
  if (unexpected) return refs;
  const add = (owner: KubeObject, kind: OwnerKind) => {
    if (!refs.some((r) => r.uid === owner.metadata.uid)) refs = [...refs, newControllerRef(owner, kind)];
  };
  const policy = getRetentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (policy.whenDeleted === 'Delete' && (policy.whenScaled === 'Retain' || !scaledDown)) add(set, STATEFULSET_KIND);
  if (policy.whenScaled === 'Delete' && scaledDown) add(pod, POD_KIND);
  return refs;
}

// ---- status ---------------------------------------------------------------------------------------

export interface StatefulSetStatusValue {
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

/** updateStatus: recount replicas over the pod lists (pods not yet created count nowhere). */
export function countReplicas(status: StatefulSetStatusValue, minReady: number, nowMs: number, currentRevision: string, updateRevision: string, ...podLists: ReadonlyArray<readonly KubeObject[]>): void {
  status.replicas = 0;
  status.readyReplicas = 0;
  status.availableReplicas = 0;
  status.currentReplicas = 0;
  status.updatedReplicas = 0;
  for (const list of podLists) {
    for (const pod of list) {
      const created = isCreated(pod);
      if (created) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isRunningAndAvailable(pod, minReady, nowMs)) status.availableReplicas++;
      }
      if (created && !isTerminating(pod)) {
        const rev = getPodRevision(pod);
        if (rev === currentRevision) status.currentReplicas++;
        if (rev === updateRevision) status.updatedReplicas++;
      }
    }
  }
}

/** completeRollingUpdate: once every replica is updated and ready, the update revision is current. */
export function completeRollingUpdate(set: KubeObject, status: StatefulSetStatusValue): void {
  const replicas = specReplicas(set);
  if (updateStrategyType(set) === 'RollingUpdate' && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** inconsistentStatus: whether the computed status differs from the stored one. */
export function inconsistentStatus(set: KubeObject, status: StatefulSetStatusValue): boolean {
  const s = setStatus(set);
  return (
    status.observedGeneration > int(s.observedGeneration) ||
    status.replicas !== int(s.replicas) ||
    status.currentReplicas !== int(s.currentReplicas) ||
    status.readyReplicas !== int(s.readyReplicas) ||
    status.updatedReplicas !== int(s.updatedReplicas) ||
    status.currentRevision !== str(s.currentRevision) ||
    status.availableReplicas !== int(s.availableReplicas) ||
    status.updateRevision !== str(s.updateRevision) ||
    status.collisionCount !== int(s.collisionCount)
  );
}
