/**
 * The Job controller (upstream pkg/controller/job, 1.32 semantics): runs a Job's pods to
 * completion and keeps `status` in step with them.
 *
 * Pod accounting uses the `batch.kubernetes.io/job-tracking` finalizer, as upstream does since
 * 1.26: every pod is created with it; a finished pod is first recorded by uid in
 * `status.uncountedTerminatedPods`, then its finalizer is removed, then it is moved into the
 * `succeeded`/`failed` counters. So a pod is counted exactly once even if it is deleted right
 * after finishing, and a crash between the steps loses nothing.
 *
 * Terminal conditions go through the 1.31+ two-step: `FailureTarget` (or `SuccessCriteriaMet`)
 * is written first, remaining pods are terminated, and `Failed` (or `Complete`) follows once no
 * pod is left terminating — what `kubectl wait --for=condition=complete` waits for.
 *
 * Level-based: a Job key is synced on Job events (at once for create and spec changes) and on pod
 * events (batched by `syncBatchPeriodMs`, as upstream batches them by 1 s), and again when a
 * deadline or a failure backoff expires. Writes that the informer has not shown yet are covered
 * by expectations (pod creations/deletions, finalizer removals) and by remembering the last
 * status this controller wrote, so a sync never acts on a cache older than its own writes.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { deepCopy, rfc3339, type OwnerReference } from '../../api/object.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/index.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { byControllerUid, INDEX } from '../../informer/indexers.js';
import { objectKey, type IndexFunc, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop, TerminalError } from '../framework/controller.js';
import { BackoffStore, remainingBackoff, type BackoffDelays, type BackoffRecord } from './backoff.js';
import { ControllerExpectations } from '../podcontrol/expectations.js';
import { UidExpectations } from './expectations.js';
import {
  absoluteFailureCount,
  addCompletionIndexEnv,
  completionsOf,
  duplicatedIndexPods,
  failedIndexes,
  firstPendingIndexes,
  indexFailureCounts,
  matchSuccessPolicy,
  podGenerateNameWithIndex,
  podsWithDelayedDeletionPerIndex,
  succeededIndexes,
} from './indexed-job.js';
import {
  ensureCondition,
  hasBackoffLimitPerIndex,
  isIndexedJob,
  isPodFailed,
  isSuspended,
  isTrue,
  managedByOther,
  MESSAGE,
  newCondition,
  onlyReplaceFailedPods,
  REASON,
  statusForWrite,
  successCriteriaMet,
} from './job-status.js';
import { jobsResource, podsResource, type Job, type JobCondition, type JobStatus, type Pod } from './job-types.js';
import {
  compareActivePods,
  completionIndexOf,
  controllerRefOf,
  findCondition,
  hasTrackingFinalizer,
  isJobFinished,
  isPodActive,
  isPodReady,
  isPodTerminating,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_CONTROLLER_UID_LABEL,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  parseTime,
  podFinishedTime,
  UNKNOWN_COMPLETION_INDEX,
} from './job-utils.js';
import { formatIntervals, hasIndex, totalOf, withIndexes, type Interval } from './ordered-intervals.js';
import { LatestWrites } from './latest-writes.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

export interface JobControllerOptions {
  /** Concurrent Job syncs (kube-controller-manager --concurrent-job-syncs: 5). */
  readonly workers?: number;
  /** Delay that batches the syncs pod events trigger (upstream: 1 s). */
  readonly syncBatchPeriodMs?: number;
  /** Pod recreation backoff after failures (upstream: 10 s doubling, capped at 10 min). */
  readonly podFailureBackoff?: Partial<BackoffDelays>;
  /** Retry delays of a failed sync (upstream: 1 s doubling up to 1 min). */
  readonly apiRetry?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number };
}

const FIELD_MANAGER = KUBE_CONTROLLER_MANAGER;
/** Keeps `status.uncountedTerminatedPods` small (~20 KB) and one sync from starving others. */
const MAX_UNCOUNTED_PODS = 500;
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Pods not owned by any controller, indexed by their `namespace/<controller-uid label>`, for adoption. */
const ORPHAN_INDEX = 'job-controller/orphans-by-controller-uid';

const orphansByControllerUid: IndexFunc = (o) => {
  if (controllerRefOf(o)) return [];
  const uid = o.metadata.labels?.[JOB_CONTROLLER_UID_LABEL];
  return uid === undefined ? [] : [`${o.metadata.namespace ?? ''}/${uid}`];
};

/** The working state of one sync (upstream syncJobCtx). */
interface SyncState {
  job: Job;
  readonly key: string;
  readonly now: number;
  readonly pods: readonly Pod[];
  readonly activePods: readonly Pod[];
  finishedCondition: JobCondition | undefined;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  failedIndexes: Interval[] | undefined;
  newBackoffRecord: BackoffRecord;
  readonly expectedRmFinalizers: ReadonlySet<string>;
  readonly uncounted: { readonly succeeded: ReadonlySet<string>; readonly failed: ReadonlySet<string> };
  podsWithDelayedDeletionPerIndex: Map<number, Pod>;
  terminating: number;
  ready: number;
}

interface DeleteResult {
  deleted: number;
  deletedReady: number;
  error?: unknown;
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

function namespaceTerminating(e: unknown): boolean {
  return (
    e instanceof ApiError &&
    (e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') === true || (e.code === 403 && e.message.includes('because it is being terminated')))
  );
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class JobController implements Controller {
  readonly name = 'job-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #jobs: SharedInformer<Job>;
  readonly #pods: SharedInformer<Pod>;
  readonly #queue: WorkQueue<string>;
  /** Pods with the tracking finalizer whose Job is gone or finished. */
  readonly #orphanQueue: WorkQueue<string>;
  readonly #expectations: ControllerExpectations;
  readonly #finalizerExpectations = new UidExpectations();
  readonly #backoff = new BackoffStore();
  /** The last status this controller wrote per Job key, until the informer shows it. */
  readonly #written = new LatestWrites<Job>();
  readonly #selectors = new WeakMap<Job, LabelSelector | null>();
  readonly #workers: number;
  readonly #batchMs: number;
  readonly #delays: BackoffDelays;

  constructor(ctx: ControllerContext, options: JobControllerOptions = {}) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder(this.name);
    this.#workers = Math.max(1, options.workers ?? 5);
    this.#batchMs = Math.max(0, options.syncBatchPeriodMs ?? 1000);
    this.#delays = { baseMs: options.podFailureBackoff?.baseMs ?? 10_000, maxMs: options.podFailureBackoff?.maxMs ?? 600_000 };
    const retry = { baseDelayMs: options.apiRetry?.baseDelayMs ?? 1000, maxDelayMs: options.apiRetry?.maxDelayMs ?? 60_000 };
    this.#queue = newQueue(ctx.clock, retry);
    this.#orphanQueue = newQueue(ctx.clock, retry);
    this.#expectations = new ControllerExpectations({ clock: ctx.clock });
    this.#jobs = ctx.informers.informer<Job>(jobsResource);
    this.#pods = ctx.informers.informer<Pod>(podsResource);
    this.#pods.addIndexers({ [INDEX.controllerUid]: byControllerUid, [ORPHAN_INDEX]: orphansByControllerUid });
    this.#jobs.addEventHandler({
      onAdd: (j) => this.#queue.add(objectKey(j)),
      onUpdate: (o, n) => this.#updateJob(o, n),
      onDelete: (j) => this.#deleteJob(j),
    });
    this.#pods.addEventHandler({
      onAdd: (p) => this.#addPod(p),
      onUpdate: (o, n) => this.#updatePod(o, n),
      onDelete: (p) => this.#deletePod(p, true),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#jobs.waitForSync(signal), this.#pods.waitForSync(signal)]);
    if (signal.aborted) return;
    // One listener on the caller's signal; the workers wait on a signal of their own.
    const local = new AbortController();
    const stop = () => local.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all([
        runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), workers: this.#workers, logger: this.#log }, local.signal),
        runReconcileLoop({ name: `${this.name}-orphan-pods`, queue: this.#orphanQueue, reconcile: (key) => this.#syncOrphanPod(key), workers: 1, logger: this.#log }, local.signal),
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  // ---- event handlers --------------------------------------------------------------------------

  #enqueueBatched(key: string, delayMs = 0): void {
    this.#queue.addAfter(key, Math.max(delayMs, this.#batchMs));
  }

  #resolveJob(namespace: string | undefined, ref: OwnerReference): Job | undefined {
    if (ref.kind !== 'Job') return undefined;
    const job = this.#jobs.lister.get(namespace, ref.name);
    return job && job.metadata.uid === ref.uid ? job : undefined;
  }

  #selectorOf(job: Job): LabelSelector | null {
    let s = this.#selectors.get(job);
    if (s === undefined) {
      try {
        s = labelSelectorFromObject(job.spec.selector);
      } catch {
        s = null;
      }
      this.#selectors.set(job, s);
    }
    return s;
  }

  /** Jobs whose selector matches an orphan pod (they may adopt it). */
  #podJobs(pod: Pod): Job[] {
    const out: Job[] = [];
    for (const job of this.#jobs.lister.list(pod.metadata.namespace)) {
      const s = this.#selectorOf(job);
      if (s && !s.isEmpty() && s.matches(pod.metadata.labels)) out.push(job);
    }
    return out;
  }

  #addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp !== undefined) {
      // A pod already being deleted when first seen (controller restart): not a creation.
      this.#deletePod(pod, false);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const job = this.#resolveJob(pod.metadata.namespace, ref);
      if (!job) return;
      const key = objectKey(job);
      this.#expectations.creationObserved(key);
      this.#enqueueBatched(key);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.#orphanQueue.add(objectKey(pod));
    for (const job of this.#podJobs(pod)) this.#enqueueBatched(objectKey(job));
  }

  #updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp !== undefined) {
      // Graceful deletion shows first as an update; the Job may replace the pod right away.
      this.#deletePod(cur, false);
      return;
    }
    const finalizerRemoved = !hasTrackingFinalizer(cur);
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid || curRef?.name !== oldRef?.name || curRef?.kind !== oldRef?.kind;
    if (refChanged && oldRef) {
      const job = this.#resolveJob(old.metadata.namespace, oldRef);
      if (job) {
        if (finalizerRemoved) this.#finalizerExpectations.observed(objectKey(job), cur.metadata.uid ?? '');
        this.#enqueueBatched(objectKey(job));
      }
    }
    if (curRef) {
      const job = this.#resolveJob(cur.metadata.namespace, curRef);
      if (!job) return;
      if (finalizerRemoved) this.#finalizerExpectations.observed(objectKey(job), cur.metadata.uid ?? '');
      this.#enqueueBatched(objectKey(job));
      return;
    }
    if (hasTrackingFinalizer(cur)) this.#orphanQueue.add(objectKey(cur));
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const job of this.#podJobs(cur)) this.#enqueueBatched(objectKey(job));
  }

  /** `final`: the pod is gone (a delete event), not just marked for deletion. */
  #deletePod(pod: Pod, final: boolean): void {
    const ref = controllerRefOf(pod);
    const hasFinalizer = hasTrackingFinalizer(pod);
    if (!ref) {
      if (hasFinalizer && !final) this.#orphanQueue.add(objectKey(pod));
      return;
    }
    const job = this.#resolveJob(pod.metadata.namespace, ref);
    if (!job || isJobFinished(job)) {
      if (hasFinalizer && !final) this.#orphanQueue.add(objectKey(pod));
      return;
    }
    const key = objectKey(job);
    this.#expectations.deletionObserved(key);
    if (final || !hasFinalizer) this.#finalizerExpectations.observed(key, pod.metadata.uid ?? '');
    this.#enqueueBatched(key);
  }

  #updateJob(old: Job, cur: Job): void {
    const key = objectKey(cur);
    this.#written.observed(key, cur);
    // Spec changes sync at once; status updates (mostly our own) are batched like pod events.
    if (cur.metadata.generation === old.metadata.generation) this.#enqueueBatched(key);
    else this.#queue.add(key);
    // Backup path: a finished Job must not keep finalizers on its pods.
    if (isJobFinished(cur)) this.#cleanupPodFinalizers(cur);
    const start = parseTime(cur.status?.startTime);
    const ads = cur.spec.activeDeadlineSeconds;
    if (start !== undefined && ads !== undefined && ads !== null && ads !== old.spec.activeDeadlineSeconds) {
      this.#queue.addAfter(key, ads * 1000 - (this.#ctx.clock.now() - start));
    }
  }

  #deleteJob(job: Job): void {
    this.#queue.add(objectKey(job));
    this.#cleanupPodFinalizers(job);
  }

  #cleanupPodFinalizers(job: Job): void {
    for (const pod of this.#pods.lister.byIndex(INDEX.controllerUid, job.metadata.uid ?? '')) {
      if (hasTrackingFinalizer(pod)) this.#orphanQueue.add(objectKey(pod));
    }
  }

  // ---- orphan pods -----------------------------------------------------------------------------

  /** Removes the tracking finalizer from a pod no unfinished Job of this controller owns. */
  async #syncOrphanPod(key: string): Promise<void> {
    const pod = this.#pods.lister.getByKey(key);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      // Pods of other kinds of owners keep whatever finalizers they carry.
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.#resolveJob(pod.metadata.namespace, ref);
      if (job && managedByOther(job)) return;
      // Adopted by a running Job: that Job accounts for it.
      if (job && !isJobFinished(job)) return;
    }
    await this.#removeFinalizerPatch(pod).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  #removeFinalizerPatch(pod: Pod): Promise<unknown> {
    return this.#ctx.client.patch(podsResource, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, { fieldManager: FIELD_MANAGER });
  }

  // ---- sync ------------------------------------------------------------------------------------

  async #sync(key: string): Promise<void> {
    // The cache, or this controller's own newer write.
    const shared = this.#written.current(key, this.#jobs.lister.getByKey(key));
    if (!shared) {
      this.#expectations.delete(key);
      this.#finalizerExpectations.delete(key);
      this.#backoff.remove(key);
      this.#written.delete(key);
      return;
    }
    if (managedByOther(shared)) return;
    if (isJobFinished(shared)) {
      this.#backoff.remove(key);
      return;
    }
    const mode = shared.spec.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.#recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const now = this.#ctx.clock.now();
    const job = deepCopy(shared);
    const status = (job.status ??= {});
    status.uncountedTerminatedPods ??= {};
    // Checked before listing pods: a pod arriving in between only defers the work to the next sync.
    const satisfied = this.#expectations.satisfied(key);
    const pods = await this.#claimPods(job);
    const activePods = pods.filter(isPodActive);
    const s: SyncState = {
      job,
      key,
      now,
      pods,
      activePods,
      finishedCondition: undefined,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: [],
      succeededIndexes: [],
      failedIndexes: undefined,
      newBackoffRecord: { key, failuresAfterLastSuccess: 0, lastFailureTime: undefined },
      expectedRmFinalizers: this.#finalizerExpectations.get(key),
      uncounted: { succeeded: new Set(status.uncountedTerminatedPods.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods.failed ?? []) },
      podsWithDelayedDeletionPerIndex: new Map(),
      terminating: pods.filter(isPodTerminating).length,
      ready: activePods.filter(isPodReady).length,
    };
    let active = activePods.length;
    const newSucceeded = this.#newFinishedPods(s, s.uncounted.succeeded, (p) => p.status?.phase === 'Succeeded');
    const newFailed = this.#newFinishedPods(s, s.uncounted.failed, (p) => isPodFailed(p, job));
    s.succeeded = (status.succeeded ?? 0) + newSucceeded.length + s.uncounted.succeeded.size;
    s.failed = (status.failed ?? 0) + nonIgnoredFailedCount(job, newFailed) + s.uncounted.failed.size;

    // First start; a Job created suspended starts when resumed.
    if (status.startTime === undefined && !isSuspended(job)) status.startTime = rfc3339(now);
    s.newBackoffRecord = this.#backoff.newRecord(key, newSucceeded, newFailed);

    const exceedsBackoffLimit = s.failed > (job.spec.backoffLimit ?? 6);
    // Once SuccessCriteriaMet is recorded the outcome is decided; the pod failure policy no longer applies.
    s.finishedCondition = successCriteriaMet(job);
    if (!s.finishedCondition) {
      const target = findCondition(status.conditions, 'FailureTarget');
      if (isTrue(target)) s.finishedCondition = newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', now);
      else {
        const message = failJobMessage(job, pods);
        if (message !== undefined) s.finishedCondition = newCondition('FailureTarget', 'True', REASON.podFailurePolicy, message, now);
      }
    }
    if (!s.finishedCondition) {
      const ads = job.spec.activeDeadlineSeconds;
      if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        s.finishedCondition = newCondition('FailureTarget', 'True', REASON.backoffLimitExceeded, MESSAGE.backoffLimitExceeded, now);
      } else if (pastActiveDeadline(job, now)) {
        s.finishedCondition = newCondition('FailureTarget', 'True', REASON.deadlineExceeded, MESSAGE.deadlineExceeded, now);
      } else if (ads !== undefined && ads !== null && !isSuspended(job)) {
        const start = parseTime(status.startTime) ?? now;
        this.#queue.addAfter(key, ads * 1000 - (this.#ctx.clock.now() - start));
      }
    }

    if (isIndexedJob(job)) {
      const { prev, current } = succeededIndexes(job, pods);
      s.prevSucceededIndexes = prev;
      s.succeededIndexes = current;
      s.succeeded = totalOf(current);
      if (hasBackoffLimitPerIndex(job)) {
        s.failedIndexes = failedIndexes(job, pods);
        if (!s.finishedCondition) {
          const failedCount = totalOf(s.failedIndexes);
          const max = job.spec.maxFailedIndexes;
          if (max !== undefined && max !== null && failedCount > max) {
            s.finishedCondition = newCondition('FailureTarget', 'True', REASON.maxFailedIndexesExceeded, MESSAGE.maxFailedIndexesExceeded, now);
          } else if (failedCount > 0 && failedCount + totalOf(s.succeededIndexes) >= completionsOf(job)) {
            s.finishedCondition = newCondition('FailureTarget', 'True', REASON.failedIndexes, MESSAGE.failedIndexes, now);
          }
        }
        s.podsWithDelayedDeletionPerIndex = podsWithDelayedDeletionPerIndex(job, pods, activePods, s.expectedRmFinalizers, s.succeededIndexes, s.failedIndexes);
      }
      if (!s.finishedCondition) {
        const message = matchSuccessPolicy(job, s.succeededIndexes);
        if (message !== undefined) s.finishedCondition = newCondition('SuccessCriteriaMet', 'True', REASON.successPolicy, message, now);
      }
    }

    let suspendChanged = false;
    let manageError: unknown;
    if (s.finishedCondition) {
      // Terminate what still runs; the Job is declared finished only once nothing is left.
      const r = await this.#deleteActivePods(job, activePods);
      if (r.deleted !== active || !satisfied) s.finishedCondition = undefined;
      active -= r.deleted;
      s.terminating += r.deleted;
      s.ready -= r.deletedReady;
      manageError = r.error;
    } else {
      let managed = false;
      if (satisfied && job.metadata.deletionTimestamp === undefined) {
        const r = await this.#manageJob(s);
        active = r.active;
        manageError = r.error;
        managed = true;
      }
      const completions = job.spec.completions;
      // Without completions, any success completes the Job once the other pods have stopped.
      const complete = completions === undefined || completions === null ? s.succeeded > 0 && active === 0 : s.succeeded >= completions && active === 0;
      if (complete) {
        s.finishedCondition = newCondition('SuccessCriteriaMet', 'True', REASON.completionsReached, MESSAGE.completionsReached, now);
      } else if (managed) {
        // Conditions and events only from the sync that acted on the pods.
        if (isSuspended(job)) {
          if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendChanged = true;
            this.#recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
          suspendChanged = true;
          this.#recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts continuous activity: it restarts on resume.
          status.startTime = rfc3339(now);
        }
      }
    }

    const needsStatusUpdate = suspendChanged || active !== (status.active ?? 0) || s.ready !== status.ready || s.terminating !== status.terminating;
    status.active = active;
    status.ready = s.ready;
    status.terminating = s.terminating;
    await this.#trackStatusAndRemoveFinalizers(s, needsStatusUpdate);
    if (manageError !== undefined) throw manageError;
  }

  /** Finished pods not accounted yet: carrying the finalizer, not already uncounted, with a valid index. */
  #newFinishedPods(s: SyncState, uncounted: ReadonlySet<string>, filter: (p: Pod) => boolean): Pod[] {
    const indexed = isIndexedJob(s.job);
    const completions = completionsOf(s.job);
    const out: Pod[] = [];
    for (const p of s.pods) {
      const uid = p.metadata.uid ?? '';
      if (!hasTrackingFinalizer(p) || uncounted.has(uid) || s.expectedRmFinalizers.has(uid)) continue;
      if (indexed) {
        const ix = completionIndexOf(p);
        if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) continue;
      }
      if (filter(p)) out.push(p);
    }
    return out;
  }

  // ---- pods of a Job: ownership ----------------------------------------------------------------

  /**
   * The pods the Job controls (ControllerRefManager.ClaimPods): owned pods matching the selector,
   * plus matching orphans it adopts (ownerReference and tracking finalizer added); owned pods
   * that stopped matching are released.
   */
  async #claimPods(job: Job): Promise<Pod[]> {
    const uid = job.metadata.uid ?? '';
    const ns = job.metadata.namespace;
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(job.spec.selector);
    } catch (e) {
      throw new TerminalError(`couldn't convert Job selector: ${errorText(e)}`, { cause: e });
    }
    const out: Pod[] = [];
    for (const pod of this.#pods.lister.byIndex(INDEX.controllerUid, uid)) {
      if (pod.metadata.namespace !== ns) continue;
      if (selector.matches(pod.metadata.labels)) out.push(pod);
      else if (job.metadata.deletionTimestamp === undefined) await this.#releasePod(job, pod);
    }
    if (job.metadata.deletionTimestamp !== undefined || selector.isEmpty()) return out;
    const selectedUid = job.spec.selector?.matchLabels?.[JOB_CONTROLLER_UID_LABEL];
    const candidates = selectedUid !== undefined ? this.#pods.lister.byIndex(ORPHAN_INDEX, `${ns ?? ''}/${selectedUid}`) : this.#pods.lister.list(ns).filter((p) => !controllerRefOf(p));
    let checkedFresh = false;
    for (const pod of candidates) {
      if (controllerRefOf(pod) || pod.metadata.deletionTimestamp !== undefined || !selector.matches(pod.metadata.labels)) continue;
      if (!checkedFresh) {
        // Recheck with a live read that the Job is not being deleted before adopting (upstream #42639).
        const fresh = await this.#ctx.client.get(jobsResource, ns, job.metadata.name ?? '');
        if (fresh.metadata.uid !== uid) throw new Error(`original Job ${ns ?? ''}/${job.metadata.name ?? ''} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${uid}`);
        if (fresh.metadata.deletionTimestamp !== undefined) return out;
        checkedFresh = true;
      }
      const adopted = await this.#adoptPod(job, pod);
      if (adopted) out.push(adopted);
    }
    return out;
  }

  async #adoptPod(job: Job, pod: Pod): Promise<Pod | undefined> {
    const patch = {
      metadata: {
        ownerReferences: [this.#controllerRef(job)],
        uid: pod.metadata.uid,
        finalizers: [JOB_TRACKING_FINALIZER],
      },
    };
    try {
      await this.#ctx.client.patch(podsResource, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', patch, { fieldManager: FIELD_MANAGER });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    // Counted from now on as carrying the finalizer, as the patch just added it.
    const copy = deepCopy(pod);
    copy.metadata.ownerReferences = [...(copy.metadata.ownerReferences ?? []), this.#controllerRef(job)];
    if (!hasTrackingFinalizer(copy)) copy.metadata.finalizers = [...(copy.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
    return copy;
  }

  async #releasePod(job: Job, pod: Pod): Promise<void> {
    const patch = {
      metadata: {
        ownerReferences: [{ $patch: 'delete', uid: job.metadata.uid }],
        uid: pod.metadata.uid,
        [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER],
      },
    };
    try {
      await this.#ctx.client.patch(podsResource, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', patch, { fieldManager: FIELD_MANAGER });
    } catch (e) {
      // Gone, or already changed (uid mismatch → invalid): nothing to release.
      if (isNotFound(e) || (e instanceof ApiError && e.code === 422)) return;
      throw e;
    }
  }

  #controllerRef(job: Job): OwnerReference {
    return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
  }

  // ---- pods of a Job: creating and deleting ----------------------------------------------------

  /**
   * Brings the number of active pods to what the Job wants (upstream manageJob). Returns the new
   * active count and the first write error (the sync retries after recording status).
   */
  async #manageJob(s: SyncState): Promise<{ active: number; error?: unknown }> {
    const { job, key } = s;
    let active = s.activePods.length;
    const parallelism = job.spec.parallelism ?? 1;
    if (isSuspended(job)) {
      const victims = activePodsForRemoval(job, s.activePods, active);
      this.#expectations.expectDeletions(key, victims.length);
      const r = await this.#deleteJobPods(key, job, victims);
      s.terminating += r.deleted;
      s.ready -= r.deletedReady;
      return { active: active - r.deleted, error: r.error };
    }
    const completions = job.spec.completions;
    let wantActive: number;
    if (completions === undefined || completions === null) {
      // Once a pod succeeded, leave running what runs; start nothing new.
      wantActive = s.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - s.succeeded, parallelism));
    }
    const victims = activePodsForRemoval(job, s.activePods, Math.max(0, active - wantActive)).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (victims.length > 0) {
      // Deletion and creation are never mixed in one sync; deletion first.
      this.#expectations.expectDeletions(key, victims.length);
      const r = await this.#deleteJobPods(key, job, victims);
      s.terminating += r.deleted;
      s.ready -= r.deletedReady;
      return { active: active - r.deleted, error: r.error };
    }
    const terminating = onlyReplaceFailedPods(job) ? s.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return { active };

    const indexed = isIndexedJob(job);
    const perIndex = hasBackoffLimitPerIndex(job);
    if (!perIndex) {
      const wait = remainingBackoff(this.#ctx.clock.now(), this.#delays, s.newBackoffRecord.failuresAfterLastSuccess, s.newBackoffRecord.lastFailureTime);
      if (wait > 0) {
        this.#enqueueBatched(key, wait);
        // Upstream reports 0 active while it waits out the backoff; so does this.
        return { active: 0 };
      }
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (indexed) {
      indexes = firstPendingIndexes(job, s.pods, s.activePods, s.succeededIndexes, s.failedIndexes, diff);
      if (perIndex) {
        const r = this.#indexesReadyForCreation(indexes, s.podsWithDelayedDeletionPerIndex, this.#ctx.clock.now());
        indexes = r.indexes;
        if (r.wait > 0) {
          this.#enqueueBatched(key, r.wait);
          return { active: 0 };
        }
      }
      diff = indexes.length;
    }
    if (diff <= 0) return { active };

    this.#expectations.expectCreations(key, diff);
    active += diff;
    const template = deepCopy(job.spec.template);
    if (indexed) addCompletionIndexEnv(template);
    const meta = (template.metadata ??= {});
    if (!meta.finalizers?.includes(JOB_TRACKING_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER];
    const errors: unknown[] = [];
    // Slow start: batches of 1, 2, 4 … so a systematic failure (quota, admission) costs few calls.
    let remaining = diff;
    for (let batch = Math.min(remaining, 1); remaining > 0; batch = Math.min(2 * batch, remaining)) {
      const before = errors.length;
      const batchIndexes = indexes.splice(0, indexed ? batch : 0);
      await Promise.all(
        Array.from({ length: batch }, async (_, i) => {
          const ix = indexed ? batchIndexes[i] : UNKNOWN_COMPLETION_INDEX;
          const outcome = await this.#createPod(job, template, ix, s.podsWithDelayedDeletionPerIndex.get(ix));
          if (outcome === 'created') return;
          this.#expectations.creationObserved(key);
          active--;
          if (outcome !== 'skipped') errors.push(outcome.error);
        }),
      );
      const skipped = remaining - batch;
      if (errors.length > before && skipped > 0) {
        active -= skipped;
        for (let i = 0; i < skipped; i++) this.#expectations.creationObserved(key);
        break;
      }
      remaining -= batch;
    }
    return { active, error: errors[0] };
  }

  #indexesReadyForCreation(indexes: readonly number[], delayed: ReadonlyMap<number, Pod>, now: number): { indexes: number[]; wait: number } {
    const ready: number[] = [];
    let minWait: number | undefined;
    for (const ix of indexes) {
      const last = delayed.get(ix);
      const wait = last ? remainingBackoff(now, this.#delays, absoluteFailureCount(last) + 1, podFinishedTime(last)) : 0;
      if (wait === 0) ready.push(ix);
      else if (minWait === undefined || wait < minWait) minWait = wait;
    }
    return ready.length > 0 ? { indexes: ready, wait: 0 } : { indexes: [], wait: minWait ?? 0 };
  }

  async #createPod(job: Job, template: Job['spec']['template'], ix: number, replaced: Pod | undefined): Promise<'created' | 'skipped' | { error: unknown }> {
    const meta = template.metadata ?? {};
    const labels = { ...(meta.labels ?? {}) };
    const annotations = { ...(meta.annotations ?? {}) };
    let spec = template.spec;
    let generateName = `${job.metadata.name ?? ''}-`;
    if (ix !== UNKNOWN_COMPLETION_INDEX) {
      annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(ix);
      labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(ix);
      spec = { ...spec, hostname: `${job.metadata.name ?? ''}-${ix}` };
      generateName = podGenerateNameWithIndex(job.metadata.name ?? '', ix);
      if (hasBackoffLimitPerIndex(job)) {
        const counts = indexFailureCounts(job, replaced);
        annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(counts.failed);
        if (counts.ignored > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(counts.ignored);
      }
    }
    if (Object.keys(labels).length === 0) {
      const error = new Error('unable to create pods, no labels');
      this.#recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${error.message}`);
      return { error };
    }
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName,
        namespace: job.metadata.namespace,
        labels,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        finalizers: meta.finalizers,
        ownerReferences: [this.#controllerRef(job)],
      },
      spec,
    };
    try {
      const created = await this.#ctx.client.create(podsResource, job.metadata.namespace, pod, { fieldManager: FIELD_MANAGER });
      this.#recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
      return 'created';
    } catch (e) {
      // Nothing can be created in a namespace being torn down; not worth a retry.
      if (namespaceTerminating(e)) return 'skipped';
      this.#recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorText(e)}`);
      this.#log.debug({ job: objectKey(job), err: errorText(e) }, 'pod creation failed');
      return { error: e };
    }
  }

  /** Deletes a pod on behalf of the Job, recording the event RealPodControl records. */
  async #deletePodOf(job: Job, pod: Pod): Promise<void> {
    try {
      await this.#ctx.client.delete(podsResource, pod.metadata.namespace, pod.metadata.name ?? '');
    } catch (e) {
      if (!isNotFound(e)) this.#recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errorText(e)}`);
      throw e;
    }
    this.#recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
  }

  /** Scale-down / suspend: drop the tracking finalizer (these pods are not counted), then delete. */
  async #deleteJobPods(key: string, job: Job, pods: readonly Pod[]): Promise<DeleteResult> {
    const r: DeleteResult = { deleted: pods.length, deletedReady: 0 };
    const fail = (e: unknown) => {
      // No event will show this deletion.
      this.#expectations.deletionObserved(key);
      if (isNotFound(e)) return;
      r.deleted--;
      r.error ??= e;
    };
    await Promise.all(
      pods.map(async (pod) => {
        if (hasTrackingFinalizer(pod)) {
          try {
            await this.#removeFinalizerPatch(pod);
          } catch (e) {
            fail(e);
            return;
          }
        }
        try {
          await this.#deletePodOf(job, pod);
        } catch (e) {
          fail(e);
          if (!isNotFound(e)) return;
        }
        if (isPodReady(pod)) r.deletedReady++;
      }),
    );
    return r;
  }

  /** A finishing Job's active pods: deleted with their finalizers, which the status tracking removes. */
  async #deleteActivePods(job: Job, pods: readonly Pod[]): Promise<DeleteResult> {
    const r: DeleteResult = { deleted: pods.length, deletedReady: 0 };
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.#deletePodOf(job, pod);
        } catch (e) {
          if (!isNotFound(e)) {
            r.deleted--;
            r.error ??= e;
            return;
          }
        }
        if (isPodReady(pod)) r.deletedReady++;
      }),
    );
    return r;
  }

  // ---- status ----------------------------------------------------------------------------------

  /**
   * upstream trackJobStatusAndRemoveFinalizers:
   *  1. record finished pods in uncountedTerminatedPods (or completedIndexes) and flush;
   *  2. remove their finalizers;
   *  3. move the pods whose finalizer is gone into the counters;
   *  4. add the terminal condition once nothing is uncounted or terminating.
   */
  async #trackStatusAndRemoveFinalizers(s: SyncState, needsFlushIn: boolean): Promise<void> {
    let needsFlush = needsFlushIn;
    const job = s.job;
    const status = job.status as JobStatus;
    const indexed = isIndexedJob(job);
    const completions = completionsOf(job);
    const uncounted = status.uncountedTerminatedPods ?? {};
    uncounted.succeeded ??= [];
    uncounted.failed ??= [];
    status.uncountedTerminatedPods = uncounted;
    const pods = indexed ? [...s.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : s.pods;
    const withFinalizer = new Set<string>();
    for (const p of pods) {
      const uid = p.metadata.uid ?? '';
      if (hasTrackingFinalizer(p) && !s.expectedRmFinalizers.has(uid)) withFinalizer.add(uid);
    }
    if (countUncountedWithoutFinalizer(status, withFinalizer)) needsFlush = true;
    const toRemove: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      // Processed by an earlier sync.
      if (!hasTrackingFinalizer(pod) || s.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      if (!this.#canRemoveFinalizer(s, pod, failed)) continue;
      toRemove.push(pod);
      if (pod.status?.phase === 'Succeeded' && !s.uncounted.failed.has(uid)) {
        if (indexed) {
          // The completion index is enough to avoid counting a success twice.
          const ix = completionIndexOf(pod);
          if (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions && !hasIndex(s.prevSucceededIndexes, ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!s.uncounted.succeeded.has(uid)) {
          needsFlush = true;
          uncounted.succeeded.push(uid);
        }
      } else if (failed || (s.finishedCondition !== undefined && !(s.finishedCondition.type === 'SuccessCriteriaMet' && s.finishedCondition.status === 'True'))) {
        // When the Job fails, every pod not yet terminated counts as failed.
        const ix = completionIndexOf(pod);
        if (!s.uncounted.failed.has(uid) && (!indexed || (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions))) {
          if (!job.spec.podFailurePolicy || matchPodFailurePolicy(job.spec, pod).countFailed) {
            needsFlush = true;
            uncounted.failed.push(uid);
          }
        }
      }
      if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
        // The rest waits for the next sync, which the status and pod updates trigger.
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      s.succeededIndexes = withIndexes(s.succeededIndexes, [...new Set(newSucceededIndexes)].sort((a, b) => a - b));
      const completed = formatIntervals(s.succeededIndexes);
      if (completed !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = totalOf(s.succeededIndexes);
      status.completedIndexes = completed;
      const failedStr = s.failedIndexes ? formatIntervals(s.failedIndexes) : undefined;
      if (status.failedIndexes !== failedStr) {
        status.failedIndexes = failedStr;
        needsFlush = true;
      }
    }
    if (s.finishedCondition?.type === 'FailureTarget') {
      // Recorded before the finalizers go, so the reason survives a crash; Failed follows.
      (status.conditions ??= []).push(s.finishedCondition);
      needsFlush = true;
      s.finishedCondition = newCondition('Failed', 'True', s.finishedCondition.reason ?? '', s.finishedCondition.message ?? '', s.now);
    }
    if (s.finishedCondition?.type === 'SuccessCriteriaMet' && s.finishedCondition.status === 'True') {
      if (!successCriteriaMet(job)) {
        (status.conditions ??= []).push(s.finishedCondition);
        needsFlush = true;
      }
      s.finishedCondition = newCondition('Complete', 'True', s.finishedCondition.reason ?? '', s.finishedCondition.message ?? '', s.now);
    }
    needsFlush = await this.#flushUncountedAndRemoveFinalizers(s, toRemove, withFinalizer, needsFlush);
    const finished = !reachedMax && this.#enactJobFinished(s);
    if (finished) needsFlush = true;
    if (needsFlush) {
      await this.#updateStatus(s);
      if (finished && s.finishedCondition) this.#recordJobFinished(s.job, s.finishedCondition);
    }
  }

  #canRemoveFinalizer(s: SyncState, pod: Pod, failed: boolean): boolean {
    if (s.job.metadata.deletionTimestamp !== undefined || s.finishedCondition !== undefined || pod.status?.phase === 'Succeeded') return true;
    if (!failed) return false;
    if (hasBackoffLimitPerIndex(s.job)) {
      // The last failed pod of an index stays until its replacement exists (it carries the failure count).
      const ix = completionIndexOf(pod);
      if (ix !== UNKNOWN_COMPLETION_INDEX && s.podsWithDelayedDeletionPerIndex.get(ix)?.metadata.uid === pod.metadata.uid) return false;
    }
    return true;
  }

  /** Returns whether status changes remain to be written. */
  async #flushUncountedAndRemoveFinalizers(s: SyncState, toRemove: readonly Pod[], withFinalizer: Set<string>, needsFlushIn: boolean): Promise<boolean> {
    let needsFlush = needsFlushIn;
    if (needsFlush) {
      await this.#updateStatus(s);
      this.#backoff.update(s.newBackoffRecord);
      needsFlush = false;
    }
    let rmError: unknown;
    if (toRemove.length > 0) {
      const uids = toRemove.map((p) => p.metadata.uid ?? '');
      this.#finalizerExpectations.expect(s.key, uids);
      await Promise.all(
        toRemove.map(async (pod) => {
          const uid = pod.metadata.uid ?? '';
          try {
            await this.#removeFinalizerPatch(pod);
          } catch (e) {
            // No update will show this removal.
            this.#finalizerExpectations.observed(s.key, uid);
            if (!isNotFound(e)) {
              rmError ??= e;
              return;
            }
          }
          withFinalizer.delete(uid);
        }),
      );
    }
    if (countUncountedWithoutFinalizer(s.job.status as JobStatus, withFinalizer)) needsFlush = true;
    if (rmError !== undefined) {
      // Record the partial progress before retrying.
      if (needsFlush) await this.#updateStatus(s);
      throw rmError;
    }
    return needsFlush;
  }

  #enactJobFinished(s: SyncState): boolean {
    const cond = s.finishedCondition;
    if (!cond) return false;
    const status = s.job.status as JobStatus;
    const u = status.uncountedTerminatedPods;
    if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
    if (s.terminating > 0) return false;
    ensureCondition(status, cond.type, cond.status, cond.reason ?? '', cond.message ?? '', s.now);
    if (cond.type === 'Complete') status.completionTime = findCondition(status.conditions, 'Complete')?.lastTransitionTime ?? rfc3339(s.now);
    return true;
  }

  #recordJobFinished(job: Job, cond: JobCondition): void {
    if (cond.type === 'Complete') {
      const completions = job.spec.completions;
      if (completions !== undefined && completions !== null && (job.status?.succeeded ?? 0) > completions) {
        this.#recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      this.#recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      this.#recorder.event(job, 'Warning', cond.reason ?? '', cond.message ?? '');
    }
  }

  /** PUT /status with the working copy; the result (a fresh copy) becomes the working copy. */
  async #updateStatus(s: SyncState): Promise<void> {
    const body: Job = { ...s.job, status: statusForWrite(s.job.status ?? {}) };
    const updated = (await this.#ctx.client.update(jobsResource, s.job.metadata.namespace, body, { subresource: 'status', fieldManager: FIELD_MANAGER })) as Job;
    this.#written.set(s.key, updated);
    const next = deepCopy(updated);
    const status = (next.status ??= {});
    const u = (status.uncountedTerminatedPods ??= {});
    u.succeeded ??= [];
    u.failed ??= [];
    status.active ??= 0;
    s.job = next;
  }
}

/**
 * Moves uids of uncountedTerminatedPods whose pod no longer carries the finalizer into the
 * succeeded/failed counters. Returns whether anything moved.
 */
function countUncountedWithoutFinalizer(status: JobStatus, withFinalizer: ReadonlySet<string>): boolean {
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const succeeded = (u.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
  if (succeeded.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - succeeded.length;
    u.succeeded = succeeded;
    changed = true;
  }
  const failed = (u.failed ?? []).filter((uid) => withFinalizer.has(uid));
  if (failed.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - failed.length;
    u.failed = failed;
    changed = true;
  }
  return changed;
}

function nonIgnoredFailedCount(job: Job, failed: readonly Pod[]): number {
  if (!job.spec.podFailurePolicy) return failed.length;
  let n = 0;
  for (const p of failed) if (matchPodFailurePolicy(job.spec, p).countFailed) n++;
  return n;
}

/** The message of the first FailJob rule a failed pod matches. */
function failJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  if (!job.spec.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec, p);
    if (m.failJobMessage !== undefined) return m.failJobMessage;
  }
  return undefined;
}

/** restartPolicy OnFailure: container restarts of live pods count against backoffLimit. */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const cs of p.status?.initContainerStatuses ?? []) restarts += cs.restartCount ?? 0;
    for (const cs of p.status?.containerStatuses ?? []) restarts += cs.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function pastActiveDeadline(job: Job, now: number): boolean {
  const ads = job.spec.activeDeadlineSeconds;
  const start = parseTime(job.status?.startTime);
  if (ads === undefined || ads === null || start === undefined || isSuspended(job)) return false;
  return now - start >= ads * 1000;
}

/**
 * Active pods to remove: (Indexed) duplicates and out-of-range indexes first, then the least
 * advanced pods until at least `rmAtLeast` are chosen.
 */
function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  let rm: Pod[] = [];
  let left: Pod[];
  if (isIndexedJob(job)) ({ rm, left } = duplicatedIndexPods(pods, completionsOf(job)));
  else left = [...pods];
  if (rm.length < rmAtLeast) {
    left.sort(compareActivePods);
    rm = rm.concat(left.slice(0, rmAtLeast - rm.length));
  }
  return rm;
}
