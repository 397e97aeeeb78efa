/**
 * The ReplicaSet controller (upstream pkg/controller/replicaset), and — the same loop over a
 * different kind — the ReplicationController manager (pkg/controller/replication).
 *
 * For each ReplicaSet key:
 *  1. claim pods: active pods it controls that still match its selector, plus matching orphans,
 *     which it adopts; controlled pods that no longer match are released (controller-ref.ts);
 *  2. unless creations/deletions it made are still unobserved (expectations), create or delete
 *     pods towards spec.replicas — creations in slow-start batches (1, 2, 4 …, at most
 *     `burstReplicas` per pass), deletions choosing pods as upstream does (unscheduled, pending,
 *     not ready, doubled-up, recently ready, restarted, young first);
 *  3. write status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
 *     observedGeneration, ReplicaFailure condition) when it changed.
 * A ReplicaSet with minReadySeconds is looked at again when its pods can have become available.
 *
 * Pods are found through informer indexes (by controller uid, and orphans by namespace), never
 * by scanning a namespace's pods, so one pass costs O(pods of this ReplicaSet + orphans).
 */
import { ApiError } from '../../api/errors.js';
import { jsonEqual, type KubeObject, type OwnerReference } from '../../api/object.js';
import { labelSelectorFromObject, labelSelectorFromSet, type LabelSelector } from '../../api/selectors/index.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { byControllerUid, INDEX } from '../../informer/indexers.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { RateLimiterConfig } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { claimObjects, ORPHAN_INDEX, orphansByNamespace, recheckDeletionTimestamp } from '../podcontrol/controller-ref.js';
import { ControllerExpectations } from '../podcontrol/expectations.js';
import { isNamespaceTerminating, PodControl } from '../podcontrol/pod-control.js';
import { controllerRefOf, isPodActive, isPodReady, newControllerRef, podKey, podReadyCondition, podsToDelete } from '../podcontrol/pod-utils.js';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../podcontrol/slow-start.js';
import { specReplicas, type Pod, type ReplicaSet, type ReplicaSetStatus } from '../podcontrol/workload-types.js';
import { calculateStatus, statusUpToDate } from './replicaset-status.js';

export const replicaSetsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets' };
export const replicationControllersResource: ResourceRef = { group: '', version: 'v1', resource: 'replicationcontrollers' };

/** What differs between ReplicaSets and ReplicationControllers. */
export interface ReplicaSetKind {
  /** Controller name: field manager, event source component, logs. */
  readonly controllerName: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly resource: ResourceRef;
  /** The pod selector; throws (ApiError 400) when it is invalid. */
  selector(rs: ReplicaSet): LabelSelector;
}

export const REPLICA_SET_KIND: ReplicaSetKind = {
  controllerName: 'replicaset-controller',
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  resource: replicaSetsResource,
  selector: (rs) => labelSelectorFromObject(rs.spec?.selector),
};

export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind = {
  controllerName: 'replication-controller',
  kind: 'ReplicationController',
  apiVersion: 'v1',
  resource: replicationControllersResource,
  // A plain label map; SelectorFromSet of an empty map selects everything (defaulting fills it).
  selector: (rc) => labelSelectorFromSet(rc.spec?.selector as Record<string, string> | undefined),
};

export interface ReplicaSetControllerOptions {
  /** Concurrent reconciles (kube-controller-manager --concurrent-replicaset-syncs: 5). */
  readonly workers?: number;
  /** Most pods created or deleted in one pass (upstream BurstReplicas: 500). */
  readonly burstReplicas?: number;
  /** Retry backoff of failed reconciles. */
  readonly rateLimiter?: Partial<RateLimiterConfig>;
  /** The kind managed: ReplicaSets (default) or ReplicationControllers. */
  readonly kind?: ReplicaSetKind;
  /**
   * Pod changes that only affect status counts (phase, readiness) are batched per ReplicaSet
   * over this many milliseconds (default 100; 0 = a pass per change, as upstream).
   */
  readonly statusBatchMs?: number;
}

export class ReplicaSetController implements Controller {
  readonly name: string;
  readonly #ctx: ControllerContext;
  readonly #kind: ReplicaSetKind;
  readonly #burst: number;
  readonly #statusBatchMs: number;
  readonly #workers: number;
  readonly #queue;
  readonly #owners: SharedInformer<ReplicaSet>;
  readonly #pods: SharedInformer<Pod>;
  readonly #expectations: ControllerExpectations;
  readonly #recorder: EventRecorder;
  readonly #podControl: PodControl;

  constructor(ctx: ControllerContext, options: ReplicaSetControllerOptions = {}) {
    this.#ctx = ctx;
    this.#kind = options.kind ?? REPLICA_SET_KIND;
    this.name = this.#kind.controllerName;
    this.#burst = options.burstReplicas ?? 500;
    this.#statusBatchMs = options.statusBatchMs ?? 100;
    this.#workers = options.workers ?? 5;
    this.#queue = newQueue(ctx.clock, options.rateLimiter);
    this.#expectations = new ControllerExpectations({ clock: ctx.clock });
    this.#recorder = ctx.recorder(this.#kind.controllerName);
    this.#podControl = new PodControl({ client: ctx.client, recorder: this.#recorder, fieldManager: KUBE_CONTROLLER_MANAGER });
    this.#owners = ctx.informers.informer<ReplicaSet>(this.#kind.resource);
    this.#owners.addIndexers({ [INDEX.controllerUid]: byControllerUid });
    this.#pods = ctx.informers.informer<Pod>(resources.pods);
    this.#pods.addIndexers({ [INDEX.controllerUid]: byControllerUid, [ORPHAN_INDEX]: orphansByNamespace });

    this.#owners.addEventHandler({
      onAdd: (rs) => this.#queue.add(objectKey(rs)),
      onUpdate: (old, rs) => {
        // Our own status writes come back as updates; a pass for them would find nothing to do.
        if (old.metadata.resourceVersion !== rs.metadata.resourceVersion && onlyStatusChanged(old, rs)) return;
        if (old.metadata.uid !== rs.metadata.uid) this.#expectations.delete(objectKey(rs));
        this.#queue.add(objectKey(rs));
      },
      onDelete: (rs) => {
        const key = objectKey(rs);
        this.#expectations.delete(key);
        this.#queue.add(key);
      },
    });
    this.#pods.addEventHandler({
      onAdd: (pod) => this.#podAdded(pod),
      onUpdate: (old, pod) => this.#podUpdated(old, pod),
      onDelete: (pod) => this.#podDeleted(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#owners.waitForSync(signal), this.#pods.waitForSync(signal)]);
    if (signal.aborted) return;
    // Workers listen on a signal of their own: one listener on the caller's, however many workers.
    const inner = new AbortController();
    const stop = () => inner.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), workers: this.#workers, logger: this.#ctx.logger }, inner.signal);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  // ---- event handlers ----------------------------------------------------------------------------

  /** The ReplicaSet a controller reference names, if it exists with that uid. */
  #resolve(namespace: string | undefined, ref: OwnerReference | undefined): ReplicaSet | undefined {
    if (!ref || ref.kind !== this.#kind.kind) return undefined;
    const rs = this.#owners.lister.get(namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose (non-empty) selector matches an orphan pod's labels. */
  #matchingOwners(pod: Pod): ReplicaSet[] {
    const out: ReplicaSet[] = [];
    for (const rs of this.#owners.lister.list(pod.metadata.namespace ?? '')) {
      let selector: LabelSelector;
      try {
        selector = this.#kind.selector(rs);
      } catch {
        continue;
      }
      if (selector.isEmpty() || !selector.matches(pod.metadata.labels)) continue;
      out.push(rs);
    }
    return out;
  }

  #podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp !== undefined) {
      // Seen for the first time already being deleted (e.g. after a restart).
      this.#podDeleted(pod);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const rs = this.#resolve(pod.metadata.namespace, ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.#expectations.creationObserved(key);
      this.#queue.add(key);
      return;
    }
    for (const rs of this.#matchingOwners(pod)) this.#queue.add(objectKey(rs));
  }

  #podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return; // resync
    const labelsChanged = !jsonEqual(old.metadata.labels ?? {}, pod.metadata.labels ?? {});
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (old.metadata.deletionTimestamp === undefined || labelsChanged) {
        // A graceful deletion started: replace the pod now rather than when the kubelet is done.
        this.#podDeleted(pod);
        if (labelsChanged) this.#podDeleted(old);
      } else this.#enqueueStatusOnly(this.#resolve(pod.metadata.namespace, controllerRefOf(pod)));
      return;
    }
    const curRef = controllerRefOf(pod);
    const oldRef = controllerRefOf(old);
    const refChanged = !jsonEqual(curRef ?? null, oldRef ?? null);
    if (refChanged && oldRef) {
      const rs = this.#resolve(old.metadata.namespace, oldRef);
      if (rs) this.#queue.add(objectKey(rs));
    }
    if (curRef) {
      const rs = this.#resolve(pod.metadata.namespace, curRef);
      if (!rs) return;
      const key = objectKey(rs);
      if (labelsChanged || refChanged) this.#queue.add(key);
      else if (statusRelevantChange(old, pod)) this.#enqueueStatusOnly(rs);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      // Availability is time based: look again once the pod has been ready for minReadySeconds.
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.#queue.addAfter(key, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.#matchingOwners(pod)) this.#queue.add(objectKey(rs));
  }

  /**
   * A pod change that can only move the owner's status counts (phase, readiness): batched, so a
   * ReplicaSet whose pods start by the thousand is looked at every `statusBatchMs`, not per pod.
   */
  #enqueueStatusOnly(rs: ReplicaSet | undefined): void {
    if (!rs) return;
    if (this.#statusBatchMs > 0) this.#queue.addAfter(objectKey(rs), this.#statusBatchMs);
    else this.#queue.add(objectKey(rs));
  }

  #podDeleted(pod: Pod): void {
    const rs = this.#resolve(pod.metadata.namespace, controllerRefOf(pod));
    if (!rs) return;
    const key = objectKey(rs);
    this.#expectations.deletionObserved(key, podKey(pod));
    this.#queue.add(key);
  }

  // ---- reconcile ---------------------------------------------------------------------------------

  async #sync(key: string): Promise<ReconcileResult> {
    const rs = this.#owners.lister.getByKey(key);
    if (!rs) {
      this.#expectations.delete(key);
      return;
    }
    const needsSync = this.#expectations.satisfied(key);
    let selector: LabelSelector;
    try {
      selector = this.#kind.selector(rs);
    } catch (e) {
      this.#ctx.logger.warn({ controller: this.name, key, err: e instanceof Error ? e.message : String(e) }, 'invalid selector; ignoring');
      return;
    }
    const pods = await this.#claimPods(rs, selector);
    let manageError: unknown;
    if (needsSync && rs.metadata.deletionTimestamp === undefined) {
      try {
        await this.#manageReplicas(key, rs, pods);
      } catch (e) {
        manageError = e;
      }
    }
    const status = calculateStatus(rs, pods, manageError, this.#ctx.clock.now());
    const updated = await this.#updateStatus(rs, status);
    if (manageError !== undefined) throw manageError;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const st = updated.status;
    // Last line of defence for availability (upstream resyncs after minReadySeconds too).
    if (minReady > 0 && (st?.readyReplicas ?? 0) === specReplicas(updated) && (st?.availableReplicas ?? 0) !== specReplicas(updated)) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  /** Active pods this ReplicaSet owns after adopting matching orphans and releasing strays. */
  async #claimPods(rs: ReplicaSet, selector: LabelSelector): Promise<Pod[]> {
    // Fast path for the common case — pods we control that still match — without the claim machinery.
    const claimed: Pod[] = [];
    const contested: Pod[] = [];
    for (const pod of this.#pods.lister.byIndex(INDEX.controllerUid, rs.metadata.uid ?? '')) {
      if (!isPodActive(pod)) continue;
      if (selector.matches(pod.metadata.labels)) claimed.push(pod);
      else contested.push(pod);
    }
    for (const pod of this.#pods.lister.byIndex(ORPHAN_INDEX, rs.metadata.namespace ?? '')) if (isPodActive(pod)) contested.push(pod);
    if (contested.length === 0) return claimed;
    const { claimed: more, errors } = await claimObjects<Pod>(
      {
        client: this.#ctx.client,
        fieldManager: KUBE_CONTROLLER_MANAGER,
        resource: resources.pods,
        owner: rs,
        ownerApiVersion: this.#kind.apiVersion,
        ownerKind: this.#kind.kind,
        matches: (labels) => selector.matches(labels),
        canAdopt: recheckDeletionTimestamp(this.#ctx.client, this.#kind.resource, rs, this.#kind.kind),
      },
      contested,
    );
    if (errors.length) throw errors[0];
    for (const pod of more) claimed.push(pod);
    return claimed;
  }

  async #manageReplicas(key: string, rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const namespace = rs.metadata.namespace ?? '';
    const diff = pods.length - specReplicas(rs);
    if (diff < 0) {
      const count = Math.min(-diff, this.#burst);
      const template = rs.spec?.template ?? {};
      const ref = newControllerRef(rs, this.#kind.apiVersion, this.#kind.kind);
      // Expect before creating: the informer may report a pod before its create call returns.
      this.#expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.#podControl.createPod(namespace, template, rs, ref);
        } catch (e) {
          // Every creation fails in a namespace being deleted; nothing to report or retry.
          if (isNamespaceTerminating(e)) return;
          throw e;
        }
      });
      // Pods never attempted will not be observed: stop expecting them.
      for (let i = successes; i < count; i++) this.#expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.#burst);
      const victims = podsToDelete(pods, this.#relatedPods(rs), count, this.#ctx.clock.now());
      this.#expectations.expectDeletions(key, victims.map(podKey));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.#podControl.deletePod(namespace, pod.metadata.name ?? '', rs);
          } catch (e) {
            // This deletion will not be observed.
            this.#expectations.deletionObserved(key, podKey(pod));
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }),
      );
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    }
  }

  /** Pods of every ReplicaSet with the same controller (siblings in a Deployment), for ranking deletions. */
  #relatedPods(rs: ReplicaSet): Pod[] {
    const ref = controllerRefOf(rs);
    if (!ref) return [];
    const out: Pod[] = [];
    const seen = new Set<string>();
    for (const sibling of this.#owners.lister.byIndex(INDEX.controllerUid, ref.uid)) {
      for (const pod of this.#pods.lister.byIndex(INDEX.controllerUid, sibling.metadata.uid ?? '')) {
        const uid = pod.metadata.uid ?? '';
        if (seen.has(uid)) continue;
        seen.add(uid);
        out.push(pod);
      }
    }
    return out;
  }

  /** Writes the status if it changed, with one re-read and retry on failure (as upstream). */
  async #updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    if (statusUpToDate(rs, status)) return rs;
    const generation = rs.metadata.generation;
    const next: ReplicaSetStatus = { ...status };
    if (generation) next.observedGeneration = generation;
    else delete next.observedGeneration;
    let current: KubeObject = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.#ctx.client.update(this.#kind.resource, rs.metadata.namespace, { ...current, status: next }, { fieldManager: KUBE_CONTROLLER_MANAGER, subresource: 'status' })) as ReplicaSet;
      } catch (e) {
        if (attempt >= 1) throw e;
        current = await this.#ctx.client.get(this.#kind.resource, rs.metadata.namespace, rs.metadata.name ?? '');
      }
    }
  }
}

/** Phase or readiness (status, or when it became ready) differ: the owner's counts may change. */
function statusRelevantChange(old: Pod, pod: Pod): boolean {
  if (old.status?.phase !== pod.status?.phase) return true;
  const a = podReadyCondition(old);
  const b = podReadyCondition(pod);
  return a?.status !== b?.status || a?.lastTransitionTime !== b?.lastTransitionTime;
}

/** Same spec (generation), identity and metadata the controller reads: only status moved. */
function onlyStatusChanged(old: ReplicaSet, rs: ReplicaSet): boolean {
  const a = old.metadata;
  const b = rs.metadata;
  return (
    a.uid === b.uid &&
    a.generation === b.generation &&
    a.deletionTimestamp === b.deletionTimestamp &&
    jsonEqual(a.ownerReferences ?? [], b.ownerReferences ?? []) &&
    jsonEqual(a.labels ?? {}, b.labels ?? {}) &&
    jsonEqual(a.annotations ?? {}, b.annotations ?? {})
  );
}

/** The ReplicationController manager: the ReplicaSet controller over core/v1 ReplicationControllers. */
export class ReplicationManager extends ReplicaSetController {
  constructor(ctx: ControllerContext, options: Omit<ReplicaSetControllerOptions, 'kind'> = {}) {
    super(ctx, { ...options, kind: REPLICATION_CONTROLLER_KIND });
  }
}
