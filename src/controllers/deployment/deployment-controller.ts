/**
 * The Deployment controller (upstream pkg/controller/deployment at 1.32). For each Deployment key:
 *
 *  1. claim ReplicaSets: those it controls that still match its selector, plus matching orphans
 *     (adopted); controlled ones that stopped matching are released;
 *  2. paused → only scale proportionally and clean up; a scaling event (an active ReplicaSet's
 *     desired-replicas annotation differs from spec.replicas) → scale proportionally;
 *     otherwise roll out: RollingUpdate (new ReplicaSet up within maxSurge, old ones down within
 *     maxUnavailable) or Recreate (old ones to zero, wait until their pods are gone, then the new
 *     one to full size);
 *  3. the new ReplicaSet is `<name>-<pod-template-hash>`; revisions go on ReplicaSets and the
 *     Deployment (`deployment.kubernetes.io/revision`), a reused ReplicaSet (rollout undo) gets
 *     the next revision and keeps its old ones in revision-history; old ReplicaSets beyond
 *     revisionHistoryLimit are deleted once empty;
 *  4. status (replicas, updated/ready/available/unavailable, observedGeneration, collisionCount)
 *     and the Available/Progressing/ReplicaFailure conditions with upstream reasons and
 *     messages, which `kubectl rollout status`, `describe` and `wait` read. A rollout without
 *     progress for progressDeadlineSeconds gets Progressing=False/ProgressDeadlineExceeded (the
 *     key is requeued for the moment the deadline passes).
 *
 * Events on the Deployment: ScalingReplicaSet ("Scaled up replica set web-6d4cf56db6 from 0 to 3"),
 * ReplicaSetCreateError, SelectingAll — texts as upstream.
 *
 * Writes: ReplicaSets by update (resourceVersion-checked, like upstream), Deployment status by
 * update of /status. The revision annotation on the Deployment is written with a metadata patch
 * (upstream piggybacks it on the status update, which lite's registry confines to .status).
 */
import { ApiError } from '../../api/errors.js';
import { deepCopy, jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/index.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { byControllerUid, INDEX } from '../../informer/indexers.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { RateLimiterConfig } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { claimObjects, ORPHAN_INDEX, orphansByNamespace, recheckDeletionTimestamp } from '../podcontrol/controller-ref.js';
import { errorText, isNamespaceTerminating } from '../podcontrol/pod-control.js';
import { controllerRefOf, newControllerRef } from '../podcontrol/pod-utils.js';
import { POD_TEMPLATE_HASH_LABEL, specReplicas, type Deployment, type DeploymentStatus, type Pod, type ReplicaSet } from '../podcontrol/workload-types.js';
import { replicaSetsResource } from '../replicaset/replicaset-controller.js';
import {
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  DEPLOYMENT_AVAILABLE,
  DEPLOYMENT_PROGRESSING,
  DEPLOYMENT_REPLICA_FAILURE,
  desiredReplicasAnnotation,
  FAILED_RS_CREATE_REASON,
  filterActiveReplicaSets,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  FOUND_NEW_RS_REASON,
  getDeploymentCondition,
  getProportion,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  newDeploymentCondition,
  NEW_REPLICA_SET_REASON,
  NEW_RS_AVAILABLE_REASON,
  newRSNewReplicas,
  PAUSED_DEPLOY_REASON,
  removeDeploymentCondition,
  replicasAnnotationsNeedUpdate,
  replicaSetToDeploymentCondition,
  REPLICA_SET_UPDATED_REASON,
  RESUMED_DEPLOY_REASON,
  REVISION_ANNOTATION,
  setDeploymentCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumSpecReplicas,
  sumStatus,
  templateWithHash,
  TIMED_OUT_REASON,
} from './deployment-util.js';
import { computeHash } from './pod-template-hash.js';

export const deploymentsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };

export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';

export interface DeploymentControllerOptions {
  /** Concurrent reconciles (kube-controller-manager --concurrent-deployment-syncs: 5). */
  readonly workers?: number;
  /** Retry backoff of failed reconciles. */
  readonly rateLimiter?: Partial<RateLimiterConfig>;
}

/**
 * What one reconcile of a Deployment works on. `d` is a private copy that follows every write
 * this pass makes (so later writes carry the latest resourceVersion); `rsList` likewise holds
 * the latest version of each ReplicaSet written.
 */
interface SyncState {
  d: Deployment;
  /** deployment.kubernetes.io/revision as last stored on the Deployment. */
  storedRevision: string | undefined;
  rsList: ReplicaSet[];
  /** Pods of each claimed ReplicaSet (by uid), inactive ones included; only Recreate needs them. */
  podMap: () => Map<string, Pod[]>;
  requeueAfterMs?: number;
}

export class DeploymentController implements Controller {
  readonly name = DEPLOYMENT_CONTROLLER_NAME;
  readonly #ctx: ControllerContext;
  readonly #workers: number;
  readonly #queue;
  readonly #deployments: SharedInformer<Deployment>;
  readonly #replicaSets: SharedInformer<ReplicaSet>;
  readonly #pods: SharedInformer<Pod>;
  readonly #recorder: EventRecorder;

  constructor(ctx: ControllerContext, options: DeploymentControllerOptions = {}) {
    this.#ctx = ctx;
    this.#workers = options.workers ?? 5;
    this.#queue = newQueue(ctx.clock, options.rateLimiter);
    this.#recorder = ctx.recorder(DEPLOYMENT_CONTROLLER_NAME);
    this.#deployments = ctx.informers.informer<Deployment>(deploymentsResource);
    this.#replicaSets = ctx.informers.informer<ReplicaSet>(replicaSetsResource);
    this.#replicaSets.addIndexers({ [INDEX.controllerUid]: byControllerUid, [ORPHAN_INDEX]: orphansByNamespace });
    this.#pods = ctx.informers.informer<Pod>(resources.pods);
    this.#pods.addIndexers({ [INDEX.controllerUid]: byControllerUid });

    this.#deployments.addEventHandler({
      onAdd: (d) => this.#queue.add(objectKey(d)),
      onUpdate: (_old, d) => this.#queue.add(objectKey(d)),
      onDelete: (d) => this.#queue.add(objectKey(d)),
    });
    this.#replicaSets.addEventHandler({
      onAdd: (rs) => this.#replicaSetAdded(rs),
      onUpdate: (old, rs) => this.#replicaSetUpdated(old, rs),
      onDelete: (rs) => this.#replicaSetDeleted(rs),
    });
    this.#pods.addEventHandler({ onDelete: (pod) => this.#podDeleted(pod) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#deployments.waitForSync(signal), this.#replicaSets.waitForSync(signal), this.#pods.waitForSync(signal)]);
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

  #resolve(namespace: string | undefined, ref: { kind: string; name: string; uid: string } | undefined): Deployment | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.#deployments.lister.get(namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose (non-empty) selector matches an orphan ReplicaSet's labels. */
  #deploymentsFor(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const out: Deployment[] = [];
    for (const d of this.#deployments.lister.list(rs.metadata.namespace ?? '')) {
      let selector: LabelSelector;
      try {
        selector = labelSelectorFromObject(d.spec?.selector);
      } catch {
        continue;
      }
      if (selector.isEmpty() || !selector.matches(labels)) continue;
      out.push(d);
    }
    return out;
  }

  #replicaSetAdded(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp !== undefined) {
      this.#replicaSetDeleted(rs);
      return;
    }
    const ref = controllerRefOf(rs);
    if (ref) {
      const d = this.#resolve(rs.metadata.namespace, ref);
      if (d) this.#queue.add(objectKey(d));
      return;
    }
    for (const d of this.#deploymentsFor(rs)) this.#queue.add(objectKey(d));
  }

  #replicaSetUpdated(old: ReplicaSet, rs: ReplicaSet): void {
    if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return; // resync
    const curRef = controllerRefOf(rs);
    const oldRef = controllerRefOf(old);
    const refChanged = !jsonEqual(curRef ?? null, oldRef ?? null);
    if (refChanged && oldRef) {
      const d = this.#resolve(old.metadata.namespace, oldRef);
      if (d) this.#queue.add(objectKey(d));
    }
    if (curRef) {
      const d = this.#resolve(rs.metadata.namespace, curRef);
      if (d) this.#queue.add(objectKey(d));
      return;
    }
    const labelsChanged = !jsonEqual(old.metadata.labels ?? {}, rs.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.#deploymentsFor(rs)) this.#queue.add(objectKey(d));
  }

  #replicaSetDeleted(rs: ReplicaSet): void {
    const d = this.#resolve(rs.metadata.namespace, controllerRefOf(rs));
    if (d) this.#queue.add(objectKey(d));
  }

  /**
   * A Recreate rollout waits for old pods to be gone: look again when one goes. (Upstream first
   * counts the Deployment's remaining pods; here a pass that finds old pods left is cheap, and
   * passes for one key collapse in the queue, so counting would cost more than it saves.)
   */
  #podDeleted(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.#replicaSets.lister.get(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.#resolve(rs.metadata.namespace, controllerRefOf(rs));
    if (d && d.spec?.strategy?.type === 'Recreate') this.#queue.add(objectKey(d));
  }

  // ---- reconcile ---------------------------------------------------------------------------------

  async #sync(key: string): Promise<ReconcileResult> {
    const cached = this.#deployments.lister.getByKey(key);
    if (!cached) return;
    const d = deepCopy(cached);
    const sel = d.spec?.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      this.#recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.#ctx.client.update(deploymentsResource, d.metadata.namespace, { ...d, status: { ...(d.status ?? {}), observedGeneration: d.metadata.generation } }, { fieldManager: KUBE_CONTROLLER_MANAGER, subresource: 'status' });
      }
      return;
    }
    const rsList = await this.#claimReplicaSets(d);
    let podMap: Map<string, Pod[]> | undefined;
    const state: SyncState = { d, storedRevision: d.metadata.annotations?.[REVISION_ANNOTATION], rsList, podMap: () => (podMap ??= this.#podMap(d, rsList)) };

    if (d.metadata.deletionTimestamp !== undefined) {
      await this.#syncStatusOnly(state);
      return this.#result(state);
    }
    await this.#checkPausedConditions(state);
    if (state.d.spec?.paused) {
      await this.#syncScaling(state);
      return this.#result(state);
    }
    if (await this.#isScalingEvent(state)) {
      await this.#syncScaling(state);
      return this.#result(state);
    }
    const strategy = state.d.spec?.strategy?.type;
    if (strategy === 'Recreate') await this.#rolloutRecreate(state);
    else if (strategy === 'RollingUpdate') await this.#rolloutRolling(state);
    else throw new Error(`unexpected deployment strategy type: ${strategy ?? ''}`);
    return this.#result(state);
  }

  #result(state: SyncState): ReconcileResult {
    return state.requeueAfterMs !== undefined ? { requeueAfterMs: state.requeueAfterMs } : undefined;
  }

  /** getReplicaSetsForDeployment: owned ReplicaSets after adoption and release. */
  async #claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(d.spec?.selector);
    } catch (e) {
      throw new Error(`deployment ${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''} has invalid label selector: ${errorText(e)}`);
    }
    const owned = this.#replicaSets.lister.byIndex(INDEX.controllerUid, d.metadata.uid ?? '');
    const orphans = this.#replicaSets.lister.byIndex(ORPHAN_INDEX, d.metadata.namespace ?? '');
    const { claimed, errors } = await claimObjects<ReplicaSet>(
      {
        client: this.#ctx.client,
        fieldManager: KUBE_CONTROLLER_MANAGER,
        resource: replicaSetsResource,
        owner: d,
        ownerApiVersion: 'apps/v1',
        ownerKind: 'Deployment',
        matches: (labels) => selector.matches(labels),
        canAdopt: recheckDeletionTimestamp(this.#ctx.client, deploymentsResource, d, 'Deployment'),
      },
      orphans.length ? [...owned, ...orphans] : owned,
    );
    if (errors.length) throw errors[0];
    return claimed;
  }

  /** Pods selected by the Deployment, grouped by the claimed ReplicaSet that controls them. */
  #podMap(d: Deployment, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    let selector: LabelSelector | undefined;
    try {
      selector = labelSelectorFromObject(d.spec?.selector);
    } catch {
      selector = undefined;
    }
    for (const rs of rsList) {
      const uid = rs.metadata.uid ?? '';
      map.set(uid, this.#pods.lister.byIndex(INDEX.controllerUid, uid).filter((p) => selector?.matches(p.metadata.labels) ?? false));
    }
    return map;
  }

  // ---- writes ------------------------------------------------------------------------------------

  /** Updates a ReplicaSet (spec/annotations) and remembers the result for the rest of the pass. */
  async #updateReplicaSet(state: SyncState, rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = (await this.#ctx.client.update(replicaSetsResource, rs.metadata.namespace, rs, { fieldManager: KUBE_CONTROLLER_MANAGER })) as ReplicaSet;
    const i = state.rsList.findIndex((x) => x.metadata.uid === updated.metadata.uid);
    if (i >= 0) state.rsList[i] = updated;
    else state.rsList.push(updated);
    return updated;
  }

  /**
   * Persists the working copy's revision annotation (if it changed) and status. The revision is
   * written by a resourceVersion-checked metadata patch, the status through /status.
   */
  async #writeDeployment(state: SyncState): Promise<void> {
    const { d } = state;
    const revision = d.metadata.annotations?.[REVISION_ANNOTATION];
    if (revision !== undefined && revision !== state.storedRevision) {
      const patched = (await this.#ctx.client.patch(
        deploymentsResource,
        d.metadata.namespace,
        d.metadata.name ?? '',
        'merge',
        { metadata: { resourceVersion: d.metadata.resourceVersion, annotations: { [REVISION_ANNOTATION]: revision } } },
        { fieldManager: KUBE_CONTROLLER_MANAGER },
      )) as Deployment;
      state.storedRevision = revision;
      d.metadata.resourceVersion = patched.metadata.resourceVersion;
    }
    state.d = (await this.#ctx.client.update(deploymentsResource, d.metadata.namespace, d, { fieldManager: KUBE_CONTROLLER_MANAGER, subresource: 'status' })) as Deployment;
  }

  // ---- revisions and the new ReplicaSet -----------------------------------------------------------

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and missing) with
   * its revision brought up to date, and every old one.
   */
  async #allReplicaSetsAndSyncRevision(state: SyncState, create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const { all } = findOldReplicaSets(state.d, state.rsList);
    const newRS = await this.#getNewReplicaSet(state, all, create);
    // The pass may have replaced ReplicaSets in rsList: hand out the current versions.
    const oldUids = new Set(all.map((rs) => rs.metadata.uid));
    return { newRS, oldRSs: state.rsList.filter((rs) => oldUids.has(rs.metadata.uid)) };
  }

  async #getNewReplicaSet(state: SyncState, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const existing = findNewReplicaSet(state.d, state.rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    const now = this.#ctx.clock.now();

    if (existing) {
      const rsCopy = deepCopy(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(state.d, rsCopy, newRevision, true);
      const minReady = state.d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (rsCopy.spec?.minReadySeconds ?? 0) !== minReady) {
        const spec = (rsCopy.spec ??= {});
        if (minReady) spec.minReadySeconds = minReady;
        else delete spec.minReadySeconds;
        return this.#updateReplicaSet(state, rsCopy);
      }
      let needsUpdate = setDeploymentRevision(state.d, rsCopy.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      // Older Deployments may lack a Progressing condition: start measuring progress now.
      if (hasProgressDeadline(state.d) && !getDeploymentCondition(state.d.status, DEPLOYMENT_PROGRESSING)) {
        const status = (state.d.status ??= {});
        setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'True', FOUND_NEW_RS_REASON, `Found new replica set "${rsCopy.metadata.name ?? ''}"`, now));
        needsUpdate = true;
      }
      if (needsUpdate) await this.#writeDeployment(state);
      return rsCopy;
    }
    if (!create) return undefined;

    const d = state.d;
    const hash = computeHash(d.spec?.template ?? {}, d.status?.collisionCount);
    const template = templateWithHash(d, hash);
    const selector = deepCopy(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata.name ?? ''}-${hash}`;
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}), selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    (newRS.spec ??= {}).replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = (await this.#ctx.client.create(replicaSetsResource, d.metadata.namespace, newRS, { fieldManager: KUBE_CONTROLLER_MANAGER })) as ReplicaSet;
    } catch (e) {
      if (e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists') {
        // A slow cache, or a hash collision with a ReplicaSet that is not ours.
        const rs = (this.#replicaSets.lister.get(d.metadata.namespace, name) ?? (await this.#ctx.client.get(replicaSetsResource, d.metadata.namespace, name))) as ReplicaSet;
        const ref = controllerRefOf(rs);
        if (ref?.uid === d.metadata.uid && findNewReplicaSet(d, [rs]) !== undefined) {
          created = rs;
          alreadyExists = true;
        } else {
          const status = (d.status ??= {});
          const before = status.collisionCount ?? 0;
          status.collisionCount = before + 1;
          await this.#writeDeployment(state).then(
            () => this.#ctx.logger.info({ deployment: objectKey(d), oldCollisionCount: before, newCollisionCount: before + 1 }, 'found a hash collision for deployment; bumping collisionCount to resolve it'),
            () => undefined,
          );
          throw e;
        }
      } else if (isNamespaceTerminating(e)) {
        throw e;
      } else {
        const msg = `Failed to create new replica set "${name}": ${errorText(e)}`;
        if (hasProgressDeadline(d)) {
          setDeploymentCondition((d.status ??= {}), newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg, now));
          await this.#writeDeployment(state).catch(() => undefined);
        }
        this.#recorder.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw e;
      }
    }
    if (!alreadyExists) {
      state.rsList.push(created);
      if (replicas > 0) this.#recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name ?? ''} from 0 to ${replicas}`);
    } else if (!state.rsList.some((x) => x.metadata.uid === created.metadata.uid)) state.rsList.push(created);

    let needsUpdate = setDeploymentRevision(state.d, newRevision);
    if (!alreadyExists && hasProgressDeadline(state.d)) {
      setDeploymentCondition((state.d.status ??= {}), newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_REPLICA_SET_REASON, `Created new replica set "${created.metadata.name ?? ''}"`, now));
      needsUpdate = true;
    }
    if (needsUpdate) await this.#writeDeployment(state);
    return created;
  }

  // ---- scaling ----------------------------------------------------------------------------------

  /** sync(): scaling events and paused Deployments — proportional scaling, cleanup, status. */
  async #syncScaling(state: SyncState): Promise<void> {
    const { newRS, oldRSs } = await this.#allReplicaSetsAndSyncRevision(state, false);
    await this.#scale(state, newRS, oldRSs);
    // The scale step may have replaced ReplicaSets: use the current versions from here on.
    const cur = this.#current(state, newRS, oldRSs);
    if (state.d.spec?.paused) await this.#cleanupDeployment(state, cur.oldRSs);
    await this.#syncDeploymentStatus(state, [...cur.oldRSs, cur.newRS], cur.newRS);
  }

  #current(state: SyncState, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const byUid = new Map(state.rsList.map((rs) => [rs.metadata.uid, rs] as const));
    return { newRS: newRS && (byUid.get(newRS.metadata.uid) ?? newRS), oldRSs: oldRSs.map((rs) => byUid.get(rs.metadata.uid) ?? rs) };
  }

  /**
   * scale(): brings the total to spec.replicas (+ surge) — all of it on the only active
   * ReplicaSet if there is one, all old ones to zero once the new one is saturated, otherwise
   * spread over the active ReplicaSets in proportion to their size (RollingUpdate only).
   */
  async #scale(state: SyncState, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = state.d;
    const want = specReplicas(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) === want) return;
      await this.#scaleReplicaSetAndRecordEvent(state, activeOrLatest, want);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActiveReplicaSets(oldRSs)) await this.#scaleReplicaSetAndRecordEvent(state, old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allRSs = filterActiveReplicaSets([...oldRSs, newRS]);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - sumSpecReplicas(allRSs);
    let operation = '';
    if (toAdd > 0) {
      allRSs.sort(bySizeNewer);
      operation = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(bySizeOlder);
      operation = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of allRSs) {
      const name = rs.metadata.name ?? '';
      if (toAdd !== 0) {
        const proportion = getProportion(rs, d, toAdd, added);
        sizes.set(name, specReplicas(rs) + proportion);
        added += proportion;
      } else sizes.set(name, specReplicas(rs));
    }
    for (let i = 0; i < allRSs.length; i++) {
      const rs = allRSs[i];
      const name = rs.metadata.name ?? '';
      // Leftovers go to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
      await this.#scaleReplicaSet(state, rs, sizes.get(name) ?? 0, operation);
    }
  }

  async #scaleReplicaSetAndRecordEvent(state: SyncState, rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.#scaleReplicaSet(state, rs, newScale, specReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** Sets a ReplicaSet's size and desired/max-replicas annotations; records ScalingReplicaSet. */
  async #scaleReplicaSet(state: SyncState, rs: ReplicaSet, newScale: number, operation: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = state.d;
    const desired = specReplicas(d);
    const max = desired + maxSurge(d);
    const sizeNeedsUpdate = specReplicas(rs) !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = specReplicas(rs);
    const copy = deepCopy(rs);
    (copy.spec ??= {}).replicas = newScale;
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.#updateReplicaSet(state, copy);
    if (sizeNeedsUpdate) {
      this.#recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${updated.metadata.name ?? ''} from ${oldScale} to ${newScale}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** isScalingEvent: an active ReplicaSet was sized for a different spec.replicas. */
  async #isScalingEvent(state: SyncState): Promise<boolean> {
    const { newRS, oldRSs } = await this.#allReplicaSetsAndSyncRevision(state, false);
    const want = specReplicas(state.d);
    for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== want) return true;
    }
    return false;
  }

  // ---- rollouts ---------------------------------------------------------------------------------

  async #rolloutRolling(state: SyncState): Promise<void> {
    const found = await this.#allReplicaSetsAndSyncRevision(state, true);
    if (!found.newRS) throw new Error('deployment has no new replica set');
    const scaledUp = await this.#reconcileNewReplicaSet(state, [...found.oldRSs, found.newRS], found.newRS);
    let cur = this.#current(state, found.newRS, found.oldRSs);
    if (!scaledUp) {
      const newRS = cur.newRS as ReplicaSet;
      const scaledDown = await this.#reconcileOldReplicaSets(state, [...cur.oldRSs, newRS], filterActiveReplicaSets(cur.oldRSs), newRS);
      cur = this.#current(state, newRS, cur.oldRSs);
      if (!scaledDown && deploymentComplete(state.d, state.d.status ?? {})) await this.#cleanupDeployment(state, cur.oldRSs);
    }
    await this.#syncRolloutStatus(state, [...cur.oldRSs, cur.newRS], cur.newRS);
  }

  async #reconcileNewReplicaSet(state: SyncState, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const want = specReplicas(state.d);
    if (specReplicas(newRS) === want) return false;
    if (specReplicas(newRS) > want) return (await this.#scaleReplicaSetAndRecordEvent(state, newRS, want)).scaled;
    const count = newRSNewReplicas(state.d, allRSs, newRS);
    return (await this.#scaleReplicaSetAndRecordEvent(state, newRS, count)).scaled;
  }

  /**
   * reconcileOldReplicaSets: scales old ReplicaSets down as far as availability allows — first
   * their unhealthy replicas, then healthy ones while at least spec.replicas − maxUnavailable
   * pods stay available.
   */
  async #reconcileOldReplicaSets(state: SyncState, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const d = state.d;
    const oldPods = sumSpecReplicas(oldRSs);
    if (oldPods === 0) return false;
    const allPods = sumSpecReplicas(allRSs);
    const minAvailable = specReplicas(d) - maxUnavailable(d);
    const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned: { oldRSs: ReplicaSet[]; count: number };
    try {
      cleaned = await this.#cleanupUnhealthyReplicas(state, oldRSs, maxScaledDown);
    } catch (e) {
      // Upstream swallows this error and lets the next pass retry.
      this.#ctx.logger.debug({ deployment: objectKey(d), err: errorText(e) }, 'cleaning up unhealthy replicas failed');
      return false;
    }
    let scaledDown: number;
    try {
      scaledDown = await this.#scaleDownOldReplicaSetsForRollingUpdate(state, [...cleaned.oldRSs, newRS], cleaned.oldRSs);
    } catch (e) {
      this.#ctx.logger.debug({ deployment: objectKey(d), err: errorText(e) }, 'scaling down old replica sets failed');
      return false;
    }
    return cleaned.count + scaledDown > 0;
  }

  async #cleanupUnhealthyReplicas(state: SyncState, oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
    const sorted = [...oldRSs].sort(byCreation);
    let total = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (total >= maxCleanup) break;
      const rs = sorted[i];
      const replicas = specReplicas(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanup - total, replicas - available);
      const next = replicas - count;
      if (next > replicas) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace ?? ''}/${rs.metadata.name ?? ''} ${replicas} -> ${next}`);
      const { rs: updated } = await this.#scaleReplicaSetAndRecordEvent(state, rs, next);
      total += count;
      sorted[i] = updated;
    }
    return { oldRSs: sorted, count: total };
  }

  async #scaleDownOldReplicaSetsForRollingUpdate(state: SyncState, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
    const d = state.d;
    const minAvailable = specReplicas(d) - maxUnavailable(d);
    const available = sumStatus(allRSs, 'availableReplicas');
    if (available <= minAvailable) return 0;
    const sorted = [...oldRSs].sort(byCreation);
    let total = 0;
    const target = available - minAvailable;
    for (const rs of sorted) {
      if (total >= target) break;
      const replicas = specReplicas(rs);
      if (replicas === 0) continue;
      const count = Math.min(replicas, target - total);
      const next = replicas - count;
      if (next > replicas) throw new Error(`when scaling down old RS, got invalid request to scale down ${rs.metadata.namespace ?? ''}/${rs.metadata.name ?? ''} ${replicas} -> ${next}`);
      await this.#scaleReplicaSetAndRecordEvent(state, rs, next);
      total += count;
    }
    return total;
  }

  /** Recreate: old ReplicaSets to zero, wait for every old pod to be gone, then the new one up. */
  async #rolloutRecreate(state: SyncState): Promise<void> {
    let { newRS, oldRSs } = await this.#allReplicaSetsAndSyncRevision(state, false);
    let scaledDown = false;
    for (const rs of filterActiveReplicaSets(oldRSs)) {
      if ((await this.#scaleReplicaSetAndRecordEvent(state, rs, 0)).scaled) scaledDown = true;
    }
    ({ newRS, oldRSs } = this.#current(state, newRS, oldRSs));
    if (scaledDown || this.#oldPodsRunning(state, newRS, oldRSs)) {
      await this.#syncRolloutStatus(state, [...oldRSs, newRS], newRS);
      return;
    }
    if (!newRS) ({ newRS, oldRSs } = await this.#allReplicaSetsAndSyncRevision(state, true));
    if (newRS) await this.#scaleReplicaSetAndRecordEvent(state, newRS, specReplicas(state.d));
    ({ newRS, oldRSs } = this.#current(state, newRS, oldRSs));
    if (deploymentComplete(state.d, state.d.status ?? {})) await this.#cleanupDeployment(state, oldRSs);
    await this.#syncRolloutStatus(state, [...oldRSs, newRS], newRS);
  }

  /** Old ReplicaSets still report pods, or some old pod is not finished (terminating ones count). */
  #oldPodsRunning(state: SyncState, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    for (const [uid, pods] of state.podMap()) {
      if (newRS && newRS.metadata.uid === uid) continue;
      for (const pod of pods) {
        const phase = pod.status?.phase;
        if (phase !== 'Failed' && phase !== 'Succeeded') return true;
      }
    }
    return false;
  }

  /** Deletes the oldest empty ReplicaSets beyond spec.revisionHistoryLimit. */
  async #cleanupDeployment(state: SyncState, oldRSs: readonly ReplicaSet[]): Promise<void> {
    const d = state.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.#ctx.client.delete(replicaSetsResource, rs.metadata.namespace, rs.metadata.name ?? '');
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }

  // ---- status -----------------------------------------------------------------------------------

  async #syncStatusOnly(state: SyncState): Promise<void> {
    const { newRS, oldRSs } = await this.#allReplicaSetsAndSyncRevision(state, false);
    await this.#syncDeploymentStatus(state, [...oldRSs, newRS], newRS);
  }

  async #syncDeploymentStatus(state: SyncState, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = this.#calculateStatus(state.d, allRSs, newRS);
    if (jsonEqual(state.d.status ?? {}, status)) return;
    state.d.status = status;
    await this.#writeDeployment(state);
  }

  #calculateStatus(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const available = sumStatus(allRSs, 'availableReplicas');
    const unavailable = Math.max(0, sumSpecReplicas(allRSs) - available);
    const status: DeploymentStatus = {};
    const set = (k: 'observedGeneration' | 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas' | 'unavailableReplicas', v: number) => {
      if (v) status[k] = v;
    };
    set('observedGeneration', d.metadata.generation ?? 0);
    set('replicas', sumStatus(allRSs, 'replicas'));
    set('updatedReplicas', sumStatus([newRS], 'replicas'));
    set('readyReplicas', sumStatus(allRSs, 'readyReplicas'));
    set('availableReplicas', available);
    set('unavailableReplicas', unavailable);
    if (d.status?.conditions?.length) status.conditions = [...d.status.conditions];
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    const now = this.#ctx.clock.now();
    if (available >= specReplicas(d) - maxUnavailable(d)) {
      setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
    } else {
      setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
    }
    return status;
  }

  /**
   * syncRolloutStatus: status plus the Progressing condition — NewReplicaSetAvailable when
   * complete, ReplicaSetUpdated (lastUpdateTime refreshed) on progress, ProgressDeadlineExceeded
   * once the deadline passed without progress — and ReplicaFailure from the ReplicaSets.
   */
  async #syncRolloutStatus(state: SyncState, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = state.d;
    const status = this.#calculateStatus(d, allRSs, newRS);
    const now = this.#ctx.clock.now();
    if (!hasProgressDeadline(d)) removeDeploymentCondition(status, DEPLOYMENT_PROGRESSING);
    const current = getDeploymentCondition(d.status, DEPLOYMENT_PROGRESSING);
    const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !complete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata.name ?? ''}"` : `Deployment "${d.metadata.name ?? ''}"`;
      if (deploymentComplete(d, status)) {
        setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, `${subject} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, status)) {
        const cond = newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'True', REPLICA_SET_UPDATED_REASON, `${subject} is progressing.`, now);
        // Same reason, new lastUpdateTime: progress restarts the deadline clock.
        if (current) {
          if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
          removeDeploymentCondition(status, DEPLOYMENT_PROGRESSING);
        }
        setDeploymentCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now)) {
        setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'False', TIMED_OUT_REASON, `${subject} has timed out progressing.`, now));
      }
    }
    const failures = this.#replicaFailures(allRSs, newRS);
    if (failures) setDeploymentCondition(status, failures);
    else removeDeploymentCondition(status, DEPLOYMENT_REPLICA_FAILURE);

    if (jsonEqual(d.status ?? {}, status)) {
      this.#requeueStuckDeployment(state, status, now);
      return;
    }
    d.status = status;
    await this.#writeDeployment(state);
  }

  #replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
    const fromNew = newRS?.status?.conditions?.find((c) => c.type === DEPLOYMENT_REPLICA_FAILURE);
    if (fromNew) return replicaSetToDeploymentCondition(fromNew);
    for (const rs of allRSs) {
      const c = rs?.status?.conditions?.find((x) => x.type === DEPLOYMENT_REPLICA_FAILURE);
      if (c) return replicaSetToDeploymentCondition(c);
    }
    return undefined;
  }

  /** Looks again when the progress deadline can have passed (requeueStuckDeployment). */
  #requeueStuckDeployment(state: SyncState, status: DeploymentStatus, now: number): void {
    const d = state.d;
    const current = getDeploymentCondition(d.status, DEPLOYMENT_PROGRESSING);
    if (!hasProgressDeadline(d) || !current) return;
    if (deploymentComplete(d, status) || current.reason === TIMED_OUT_REASON) return;
    const lastUpdate = Date.parse(current.lastUpdateTime ?? '') || 0;
    const after = lastUpdate + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
    // A second more, so the deadline has strictly passed at second precision.
    state.requeueAfterMs = Math.max(after, 0) + 1000;
  }

  /** Progressing=Unknown DeploymentPaused / DeploymentResumed, so a pause does not count against the deadline. */
  async #checkPausedConditions(state: SyncState): Promise<void> {
    const d = state.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getDeploymentCondition(d.status, DEPLOYMENT_PROGRESSING);
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
    const now = this.#ctx.clock.now();
    const status = (d.status ??= {});
    if (d.spec?.paused && !pausedCondExists) {
      setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', now));
    } else if (!d.spec?.paused && pausedCondExists) {
      setDeploymentCondition(status, newDeploymentCondition(DEPLOYMENT_PROGRESSING, 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', now));
    } else return;
    await this.#writeDeployment(state);
  }
}
