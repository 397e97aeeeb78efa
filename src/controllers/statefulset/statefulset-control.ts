/**
 * One sync of a StatefulSet, after upstream's defaultStatefulSetControl
 * (pkg/controller/statefulset/stateful_set_control.go):
 *
 *  1. current and update ControllerRevisions (the update revision records the template now in
 *     spec; an equal older revision is reused with a new revision number — a rollback);
 *  2. pods split into replicas (ordinals start..start+replicas-1) and condemned (the rest);
 *  3. replicas processed in ordinal order: failed/succeeded pods deleted, missing pods created
 *     (claims first), identity/storage/claim ownership repaired. With OrderedReady (monotonic),
 *     the pass stops at the first pod created, terminating, or not Running+Ready+Available;
 *     with Parallel every pod is handled at once;
 *  4. condemned pods deleted from the highest ordinal, one at a time when monotonic, after their
 *     claims got the retention policy's ownership;
 *  5. RollingUpdate: the highest-ordinal pod not at the update revision (down to the partition)
 *     is deleted, one at a time waiting for health (or up to maxUnavailable when it is set);
 *     OnDelete: nothing;
 *  6. status written when it changed (a complete rollout makes the update revision current);
 *  7. revisions beyond revisionHistoryLimit that no pod uses are deleted.
 */
import type { Logger } from 'pino';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { int, strAt } from '../../api/json-access.js';
import type { LabelSelector } from '../../api/selectors/index.js';
import type { Client, ResourceRef } from '../../client/client.js';
import type { Clock } from '../../util/clock.js';
import { ControllerHistory, equalRevision, findEqualRevisions, nextRevision, revisionsBeyondLimit, sortControllerRevisions } from '../history/controller-history.js';
import { aggregate, isConflict, isNotFound, slowStartBatch } from '../history/workload-helpers.js';
import type { StatefulPodControl } from './stateful-pod-control.js';
import {
  allowsBurst,
  applyRevision,
  completeRollingUpdate,
  countReplicas,
  getEndOrdinal,
  getMaxUnavailable,
  getOrdinal,
  getPodRevision,
  getStartOrdinal,
  identityMatches,
  inconsistentStatus,
  isCreated,
  isFailed,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  isUnavailable,
  minReadySeconds,
  newRevision,
  newVersionedStatefulSetPod,
  rollingUpdateOf,
  setStatus,
  specReplicas,
  storageMatches,
  updateStrategyType,
  type StatefulSetStatusValue,
} from './statefulset-utils.js';

export const statefulSetsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'statefulsets' };

const MAX_STATUS_RETRIES = 5;

export interface StatefulSetControlConfig {
  readonly client: Client;
  readonly history: ControllerHistory;
  readonly podControl: StatefulPodControl;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fieldManager: string;
}

interface Revisions {
  readonly current: KubeObject;
  readonly update: KubeObject;
  readonly collisionCount: number;
}

export class StatefulSetControl {
  readonly #c: StatefulSetControlConfig;

  constructor(config: StatefulSetControlConfig) {
    this.#c = config;
  }

  /** The revisions of `set` (owned or orphaned, matching the selector), sorted. */
  listRevisions(set: KubeObject, selector: LabelSelector): KubeObject[] {
    return sortControllerRevisions(this.#c.history.listControllerRevisions(set, selector));
  }

  /**
   * Syncs the set with its pods; returns the status it computed (and wrote, if it changed).
   * Throws after writing status when a pod or claim operation failed.
   */
  async updateStatefulSet(set: KubeObject, selector: LabelSelector, pods: readonly KubeObject[]): Promise<StatefulSetStatusValue> {
    const revisions = this.listRevisions(set, selector);
    let revs: Revisions | undefined;
    try {
      revs = await this.#getStatefulSetRevisions(set, revisions);
      const { status, error } = await this.#updateStatefulSet(set, revs, pods);
      try {
        await this.#updateStatefulSetStatus(set, status);
      } catch (statusError) {
        // The pod failure, if any, is the more useful error to retry on.
        if (!error) throw statusError;
        this.#c.logger.warn({ statefulSet: `${set.metadata.namespace}/${set.metadata.name}`, err: String(statusError) }, 'could not update status');
      }
      if (error) throw error;
      await this.#truncateHistory(set, pods, revisions, revs);
      return status;
    } catch (e) {
      // Keep history in bounds even when the sync failed (as upstream).
      try {
        await this.#truncateHistory(set, pods, revisions, revs);
      } catch (te) {
        throw aggregate([e, te]);
      }
      throw e;
    }
  }

  async #getStatefulSetRevisions(set: KubeObject, revisions: KubeObject[]): Promise<Revisions> {
    const collisionCount = { value: int(setStatus(set).collisionCount) };
    let update = newRevision(set, nextRevision(revisions), collisionCount.value);
    const equal = findEqualRevisions(revisions, update);
    if (equal.length > 0 && equalRevision(revisions[revisions.length - 1], equal[equal.length - 1])) {
      // The latest revision already records this template.
      update = revisions[revisions.length - 1];
    } else if (equal.length > 0) {
      // An older revision records it: roll back by renumbering that revision.
      update = await this.#c.history.updateControllerRevision(equal[equal.length - 1], int(update.revision));
    } else {
      update = await this.#c.history.createControllerRevision(set, update, collisionCount);
    }
    const currentName = strAt(setStatus(set), 'currentRevision');
    const current = revisions.find((r) => r.metadata.name === currentName) ?? update;
    return { current, update, collisionCount: collisionCount.value };
  }

  /** The core of a sync; returns the status to record and the first failure, if any. */
  async #updateStatefulSet(set: KubeObject, revs: Revisions, pods: readonly KubeObject[]): Promise<{ status: StatefulSetStatusValue; error?: unknown }> {
    const now = this.#c.clock.now();
    const minReady = minReadySeconds(set);
    const currentSet = applyRevision(set, revs.current);
    const updateSet = applyRevision(set, revs.update);
    const currentName = revs.current.metadata.name ?? '';
    const updateName = revs.update.metadata.name ?? '';
    const status: StatefulSetStatusValue = {
      observedGeneration: set.metadata.generation ?? 0,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount: revs.collisionCount,
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
    };
    countReplicas(status, minReady, now, currentName, updateName, pods);

    const start = getStartOrdinal(set);
    const end = getEndOrdinal(set);
    const replicas: KubeObject[] = new Array<KubeObject>(Math.max(0, specReplicas(set)));
    const condemned: KubeObject[] = [];
    for (const pod of pods) {
      const ord = getOrdinal(pod);
      if (ord >= start && ord <= end) replicas[ord - start] = pod;
      else if (ord >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= end; ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, ord);
    }
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));

    let firstUnavailable: KubeObject | undefined;
    for (const pod of replicas) {
      if (isUnavailable(pod, minReady, now)) {
        firstUnavailable = pod;
        break;
      }
    }
    if (!firstUnavailable) {
      for (let i = condemned.length - 1; i >= 0; i--) {
        if (isUnavailable(condemned[i], minReady, now)) {
          firstUnavailable = condemned[i];
          break;
        }
      }
    }

    // A set being deleted only gets its status updated.
    if (set.metadata.deletionTimestamp) return { status };

    const monotonic = !allowsBurst(set);
    const recount = () => countReplicas(status, minReady, now, currentName, updateName, replicas, condemned);
    const pc = this.#c.podControl;

    const processReplica = async (i: number): Promise<boolean> => {
      const pod = replicas[i];
      // Failed or succeeded pods are deleted and made again on a later sync.
      if (isFailed(pod) || isSucceeded(pod)) {
        if (!isTerminating(pod)) await pc.deleteStatefulPod(set, pod);
        return true;
      }
      if (!isCreated(pod)) {
        // A claim still owned by a previous pod of this name must be collected first.
        if (pc.podClaimIsStale(set, pod)) return true;
        await pc.createStatefulPod(set, pod);
        if (monotonic) return true;
      }
      if (isPending(pod)) await pc.createMissingPersistentVolumeClaims(set, pod);
      if (isTerminating(pod) && monotonic) return true;
      if (!isRunningAndReady(pod) && monotonic) return true;
      if (!isRunningAndAvailable(pod, minReady, now) && monotonic) return true;
      if (!isCreated(pod)) return false;
      if (identityMatches(set, pod) && storageMatches(set, pod) && pc.claimsMatchRetentionPolicy(updateSet, pod)) return false;
      await pc.updateStatefulPod(updateSet, pod);
      return false;
    };

    const fixPodClaim = async (i: number): Promise<boolean> => {
      if (!pc.claimsMatchRetentionPolicy(updateSet, condemned[i])) await pc.updatePodClaimForRetentionPolicy(updateSet, condemned[i]);
      return false;
    };

    const processCondemned = async (i: number): Promise<boolean> => {
      const pod = condemned[i];
      if (isTerminating(pod)) return monotonic;
      if (!isRunningAndReady(pod) && monotonic && pod !== firstUnavailable) return true;
      if (!isRunningAndAvailable(pod, minReady, now) && monotonic && pod !== firstUnavailable) return true;
      await pc.deleteStatefulPod(set, pod);
      return true;
    };

    for (const [list, fn] of [
      [replicas, processReplica],
      [condemned, fixPodClaim],
      [condemned, processCondemned],
    ] as const) {
      const { exit, error } = await runForAll(list.length, fn, monotonic);
      if (exit || error) {
        recount();
        return { status, error };
      }
    }
    recount();

    if (updateStrategyType(set) === 'OnDelete') return { status };

    const updateMin = int(rollingUpdateOf(set)?.partition);
    const maxUnavailable = getMaxUnavailable(set);
    try {
      if (maxUnavailable === undefined) {
        // One pod at a time from the highest ordinal, waiting for each to be healthy again.
        for (let target = replicas.length - 1; target >= updateMin; target--) {
          const pod = replicas[target];
          if (getPodRevision(pod) !== updateName && !isTerminating(pod)) {
            await this.#deleteForUpdate(set, pod);
            status.currentReplicas--;
            return { status };
          }
          if (isUnavailable(pod, minReady, now)) return { status };
        }
        return { status };
      }
      // maxUnavailable: replace up to maxUnavailable - unavailable pods at once, highest first.
      let unavailable = 0;
      for (const pod of replicas) if (isUnavailable(pod, minReady, now)) unavailable++;
      if (unavailable > maxUnavailable) return { status };
      let toDelete = maxUnavailable - unavailable;
      for (let target = replicas.length - 1; target >= updateMin && toDelete > 0; target--) {
        const pod = replicas[target];
        if (getPodRevision(pod) !== updateName && !isTerminating(pod)) {
          await this.#deleteForUpdate(set, pod);
          toDelete--;
          status.currentReplicas--;
        }
      }
    } catch (error) {
      return { status, error };
    }
    return { status };
  }

  async #deleteForUpdate(set: KubeObject, pod: KubeObject): Promise<void> {
    this.#c.logger.debug({ statefulSet: `${set.metadata.namespace}/${set.metadata.name}`, pod: pod.metadata.name }, 'terminating pod for update');
    try {
      await this.#c.podControl.deleteStatefulPod(set, pod);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Writes status when it differs from the stored one (retrying conflicts on a fresh read). */
  async #updateStatefulSetStatus(set: KubeObject, status: StatefulSetStatusValue): Promise<void> {
    completeRollingUpdate(set, status);
    if (!inconsistentStatus(set, status)) return;
    let target = set;
    for (let attempt = 0; ; attempt++) {
      const body: KubeObject = { ...target, status: statusObject(status, target) };
      try {
        await this.#c.client.update(statefulSetsResource, target.metadata.namespace, body, { fieldManager: this.#c.fieldManager, subresource: 'status' });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt >= MAX_STATUS_RETRIES) throw e;
        target = await this.#c.client.get(statefulSetsResource, set.metadata.namespace, set.metadata.name ?? '');
        if (target.metadata.uid !== set.metadata.uid) return;
      }
    }
  }

  /** Deletes the oldest revisions beyond the history limit that no live pod or status names. */
  async #truncateHistory(set: KubeObject, pods: readonly KubeObject[], revisions: readonly KubeObject[], revs: Revisions | undefined): Promise<void> {
    const live = new Set<string>();
    if (revs) {
      live.add(revs.current.metadata.name ?? '');
      live.add(revs.update.metadata.name ?? '');
    }
    for (const pod of pods) live.add(getPodRevision(pod));
    const limit = isJsonObject(set.spec) && typeof set.spec.revisionHistoryLimit === 'number' ? set.spec.revisionHistoryLimit : 10;
    for (const r of revisionsBeyondLimit(revisions, live, limit)) await this.#c.history.deleteControllerRevision(r);
  }
}

/** The status object as the API stores it (conditions the controller does not own are kept). */
function statusObject(s: StatefulSetStatusValue, set: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {
    observedGeneration: s.observedGeneration,
    replicas: s.replicas,
    readyReplicas: s.readyReplicas,
    currentReplicas: s.currentReplicas,
    updatedReplicas: s.updatedReplicas,
    currentRevision: s.currentRevision,
    updateRevision: s.updateRevision,
    collisionCount: s.collisionCount,
    availableReplicas: s.availableReplicas,
  };
  const conditions = setStatus(set).conditions;
  if (Array.isArray(conditions) && conditions.length > 0) out.conditions = conditions;
  return out;
}

/**
 * runForAll: in monotonic mode, items in order until one asks to stop or fails; otherwise all of
 * them in slow-start batches (a batch with a failure ends the pass).
 */
async function runForAll(count: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<{ exit: boolean; error?: unknown }> {
  if (monotonic) {
    for (let i = 0; i < count; i++) {
      try {
        if (await fn(i)) return { exit: true };
      } catch (error) {
        return { exit: true, error };
      }
    }
    return { exit: false };
  }
  const { errors } = await slowStartBatch(count, 1, async (i) => {
    await fn(i);
  });
  const error = aggregate(errors);
  return error ? { exit: true, error } : { exit: false };
}

