/**
 * The DaemonSet controller (upstream pkg/controller/daemon): one daemon pod on every node the
 * pod template fits (nodeSelector, required node affinity, taints against tolerations), rolled
 * through ControllerRevisions, with the status `kubectl rollout status ds/x` reads
 * (observedGeneration, desiredNumberScheduled, updatedNumberScheduled, numberAvailable …).
 *
 * Pods are created with generateName `<ds>-`, pinned to their node by a required node affinity
 * `matchFields metadata.name In [<node>]` (the scheduler binds them, as upstream since 1.12), and
 * carry the standard DaemonSet tolerations and `controller-revision-hash`. Events on the
 * DaemonSet are upstream's pod-control ones: SuccessfulCreate "Created pod: <name>",
 * SuccessfulDelete "Deleted pod: <name>", FailedCreate "Error creating: …", FailedDelete
 * "Error deleting: …", plus FailedDaemonPod / SucceededDaemonPod and SelectingAll.
 *
 * A sync:
 *  1. constructs history: the revision whose template equals the DaemonSet's is current
 *     (renumbered to the newest if it was older: a rollback), otherwise a new one is made;
 *  2. unless creates/deletes of the previous sync are still unobserved (expectations), manages
 *     nodes: creates missing pods, deletes pods on nodes that no longer fit, failed or
 *     succeeded pods (failed ones with a backoff), and excess pods;
 *  3. rolls pods to the current revision (RollingUpdate): without surge, deletes old pods while
 *     at most maxUnavailable nodes lack an available pod; with surge, creates new pods beside
 *     up to maxSurge old ones and deletes each old pod once its replacement is available;
 *  4. deletes revisions beyond revisionHistoryLimit that no pod runs;
 *  5. writes status.
 *
 * Event sources (shared informers): DaemonSets; pods (owner by controllerRef, or matching sets
 * for orphans; counts expectations); nodes (sets whose placement answer changed; node deletions
 * too); ControllerRevisions (owner, or matching sets for orphans).
 */
import { jsonEqual, type JsonObject, type KubeObject } from '../../api/object.js';
import { at, int, isNil, objAt, objs } from '../../api/json-access.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/index.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { objectKey } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { addClaimIndexers, claimCandidates, claimObjects, recheckOwner } from '../history/controller-ref-manager.js';
import { controllerRevisionName, controllerRevisionsResource, POD_REVISION_LABEL, revisionNumber } from '../history/controller-history.js';
import { computeTemplateHash } from '../history/hash.js';
import { isNamespaceTerminating, PodControl } from '../podcontrol/pod-control.js';
import type { PodTemplateSpec } from '../podcontrol/workload-types.js';
import { aggregate, controllerRefOf, errorMessage, isAlreadyExists, isConflict, isNotFound, isPodAvailable, isPodReady, newControllerRef, podPhase, type OwnerKind } from '../history/workload-helpers.js';
import {
  allowsSurge,
  createPodTemplate,
  daemonPodTolerations,
  daemonSetRevisionPatch,
  dsSpec,
  dsStatus,
  isOnDelete,
  isPodUpdated,
  replaceNodeNameAffinity,
  surgeCount,
  targetNodeName,
  templateGeneration,
  templateSpec,
  unavailableCount,
} from './daemonset-util.js';
import { ControllerExpectations } from '../podcontrol/expectations.js';
import { Backoff } from './expectations.js';
import { nodeShouldRunDaemonPod, placementInputsChanged, placementOf, type DaemonPodPlacement, type ShouldRun } from './node-predicates.js';

export const DAEMONSET_CONTROLLER_NAME = 'daemonset-controller';
export const daemonSetsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'daemonsets' };
export const DAEMONSET_KIND: OwnerKind = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

/** Event reasons (pkg/controller/daemon and controller_utils.go). */
export const DaemonSetEventReason = {
  SelectingAll: 'SelectingAll',
  /** Declared upstream; the 1.32 controller no longer emits it (the scheduler places pods). */
  FailedPlacement: 'FailedPlacement',
  FailedDaemonPod: 'FailedDaemonPod',
  SucceededDaemonPod: 'SucceededDaemonPod',
  SuccessfulCreate: 'SuccessfulCreate',
  FailedCreate: 'FailedCreate',
  SuccessfulDelete: 'SuccessfulDelete',
  FailedDelete: 'FailedDelete',
} as const;

export interface DaemonSetControllerOptions {
  /** Concurrent syncs of different DaemonSets (kube-controller-manager --concurrent-daemonset-syncs: 2). */
  readonly workers?: number;
  /** Most pods created or deleted per sync (upstream BurstReplicas: 250). */
  readonly burstReplicas?: number;
}

/** What a sync derives from a DaemonSet object once (informer objects are immutable). */
interface Compiled {
  readonly selector: LabelSelector | null;
  readonly placement: DaemonPodPlacement;
}

type NodeToPods = Map<string, KubeObject[]>;

const STATUS_UPDATE_RETRIES = 1;
const BACKOFF_GC_INTERVAL_MS = 60_000;

export class DaemonSetController implements Controller {
  readonly name = DAEMONSET_CONTROLLER_NAME;
  readonly #ctx: ControllerContext;
  readonly #workers: number;
  readonly #burst: number;
  readonly #queue;
  readonly #sets: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #nodes: SharedInformer;
  readonly #revisions: SharedInformer;
  readonly #recorder: EventRecorder;
  readonly #podControl: PodControl;
  readonly #expectations: ControllerExpectations;
  readonly #failedPodsBackoff: Backoff;
  readonly #compiled = new WeakMap<KubeObject, Compiled>();

  constructor(ctx: ControllerContext, options: DaemonSetControllerOptions = {}) {
    this.#ctx = ctx;
    this.#workers = options.workers ?? 2;
    this.#burst = options.burstReplicas ?? 250;
    this.#queue = newQueue(ctx.clock);
    this.#recorder = ctx.recorder(this.name);
    this.#podControl = new PodControl({ client: ctx.client, recorder: this.#recorder, fieldManager: KUBE_CONTROLLER_MANAGER });
    this.#expectations = new ControllerExpectations({ clock: ctx.clock });
    this.#failedPodsBackoff = new Backoff(ctx.clock);
    this.#sets = ctx.informers.informer(daemonSetsResource);
    this.#pods = ctx.informers.informer(resources.pods);
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#revisions = ctx.informers.informer(controllerRevisionsResource);
    addClaimIndexers(this.#pods);
    addClaimIndexers(this.#revisions);

    this.#sets.addEventHandler({
      onAdd: (ds) => this.#enqueue(ds),
      onUpdate: (old, ds) => {
        if (old.metadata.uid !== ds.metadata.uid) this.#expectations.delete(objectKey(old));
        this.#enqueue(ds);
      },
      onDelete: (ds) => {
        this.#expectations.delete(objectKey(ds));
        this.#enqueue(ds);
      },
    });
    this.#pods.addEventHandler({
      onAdd: (pod) => (pod.metadata.deletionTimestamp ? this.#onPodDelete(pod) : this.#onPodAdd(pod)),
      onUpdate: (old, pod) => this.#onPodUpdate(old, pod),
      onDelete: (pod) => this.#onPodDelete(pod),
    });
    this.#nodes.addEventHandler({
      onAdd: (node) => {
        for (const ds of this.#sets.lister.list()) if (this.#shouldRun(node, ds).shouldRun) this.#enqueue(ds);
      },
      onUpdate: (old, node) => {
        if (!placementInputsChanged(old, node)) return;
        for (const ds of this.#sets.lister.list()) {
          const a = this.#shouldRun(old, ds);
          const b = this.#shouldRun(node, ds);
          if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning) this.#enqueue(ds);
        }
      },
      // Not upstream (which waits for pod GC to remove the node's pods): pods pinned to a node
      // that is gone are deleted, and the desired count drops, without waiting for a resync.
      onDelete: (node) => {
        for (const ds of this.#sets.lister.list()) if (this.#shouldRun(node, ds).shouldContinueRunning) this.#enqueue(ds);
      },
    });
    this.#revisions.addEventHandler({
      onAdd: (cr) => {
        if (cr.metadata.deletionTimestamp) return this.#onRevisionDelete(cr);
        if (controllerRefOf(cr)) return;
        for (const ds of this.#setsMatching(cr)) this.#enqueue(ds);
      },
      onUpdate: (old, cr) => {
        if (old.metadata.resourceVersion === cr.metadata.resourceVersion) return;
        const oldRef = controllerRefOf(old);
        const curRef = controllerRefOf(cr);
        const refChanged = !jsonEqual(oldRef, curRef);
        if (refChanged && oldRef) {
          const ds = this.#resolveControllerRef(old);
          if (ds) this.#enqueue(ds);
        }
        if (curRef) {
          const ds = this.#resolveControllerRef(cr);
          if (ds) this.#enqueue(ds);
          return;
        }
        if (refChanged || !jsonEqual(old.metadata.labels, cr.metadata.labels)) for (const ds of this.#setsMatching(cr)) this.#enqueue(ds);
      },
      onDelete: (cr) => this.#onRevisionDelete(cr),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#sets, this.#pods, this.#nodes, this.#revisions].map((i) => i.waitForSync(signal)));
    // Forget idle failed-pod backoffs now and then (upstream BackoffGCInterval: 1 minute).
    let cancelGc = () => {};
    const scheduleGc = () => {
      cancelGc = this.#ctx.clock.setTimer(BACKOFF_GC_INTERVAL_MS, () => {
        this.#failedPodsBackoff.gc();
        if (!signal.aborted) scheduleGc();
      });
    };
    scheduleGc();
    try {
      await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), workers: this.#workers, logger: this.#ctx.logger }, signal);
    } finally {
      cancelGc();
    }
  }

  // ---- event handlers -----------------------------------------------------------------------------

  #enqueue(ds: KubeObject, afterMs = 0): void {
    if (afterMs > 0) this.#queue.addAfter(objectKey(ds), afterMs);
    else this.#queue.add(objectKey(ds));
  }

  #compile(ds: KubeObject): Compiled {
    let c = this.#compiled.get(ds);
    if (!c) {
      let selector: LabelSelector | null;
      try {
        selector = labelSelectorFromObject(dsSpec(ds).selector);
      } catch {
        selector = null;
      }
      const spec = templateSpec(ds);
      c = { selector, placement: placementOf(spec, daemonPodTolerations(spec)) };
      this.#compiled.set(ds, c);
    }
    return c;
  }

  #shouldRun(node: KubeObject, ds: KubeObject): ShouldRun {
    return nodeShouldRunDaemonPod(node, this.#compile(ds).placement);
  }

  #resolveControllerRef(o: KubeObject): KubeObject | undefined {
    const ref = controllerRefOf(o);
    if (!ref || ref.kind !== DAEMONSET_KIND.kind) return undefined;
    const ds = this.#sets.lister.get(o.metadata.namespace, ref.name);
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  /** DaemonSets of the object's namespace whose selector matches its labels. */
  #setsMatching(o: KubeObject): KubeObject[] {
    return this.#sets.lister.list(o.metadata.namespace ?? '').filter((ds) => {
      const sel = this.#compile(ds).selector;
      return sel !== null && !sel.isEmpty() && sel.matches(o.metadata.labels);
    });
  }

  #onPodAdd(pod: KubeObject): void {
    if (controllerRefOf(pod)) {
      const ds = this.#resolveControllerRef(pod);
      if (!ds) return;
      this.#expectations.creationObserved(objectKey(ds));
      this.#enqueue(ds);
      return;
    }
    for (const ds of this.#setsMatching(pod)) this.#enqueue(ds);
  }

  #onPodUpdate(old: KubeObject, pod: KubeObject): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp) {
      // Graceful deletion started: count it as observed now, not when the kubelet finishes.
      if (!old.metadata.deletionTimestamp) this.#onPodDelete(pod);
      else {
        const ds = this.#resolveControllerRef(pod);
        if (ds) this.#enqueue(ds);
      }
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(pod);
    const refChanged = !jsonEqual(oldRef, curRef);
    if (refChanged && oldRef) {
      const ds = this.#resolveControllerRef(old);
      if (ds) this.#enqueue(ds);
    }
    if (curRef) {
      const ds = this.#resolveControllerRef(pod);
      if (!ds) return;
      this.#enqueue(ds);
      const minReady = int(dsSpec(ds).minReadySeconds);
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.#enqueue(ds, minReady * 1000 + 1000);
      return;
    }
    if (refChanged || !jsonEqual(old.metadata.labels, pod.metadata.labels)) for (const ds of this.#setsMatching(pod)) this.#enqueue(ds);
  }

  #onPodDelete(pod: KubeObject): void {
    const ds = this.#resolveControllerRef(pod);
    if (!ds) return;
    this.#expectations.deletionObserved(objectKey(ds));
    this.#enqueue(ds);
  }

  #onRevisionDelete(cr: KubeObject): void {
    const ds = this.#resolveControllerRef(cr);
    if (ds) this.#enqueue(ds);
  }

  // ---- sync ---------------------------------------------------------------------------------------

  async #sync(key: string): Promise<ReconcileResult> {
    const ds = this.#sets.lister.getByKey(key);
    if (!ds) {
      this.#expectations.delete(key);
      return;
    }
    const nodes = this.#nodes.lister.list();
    const selectorObj = objAt(dsSpec(ds), 'selector');
    if (selectorObj && objs(selectorObj.matchExpressions).length === 0 && Object.keys(objAt(selectorObj, 'matchLabels') ?? {}).length === 0) {
      this.#recorder.event(ds, 'Warning', DaemonSetEventReason.SelectingAll, 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    const { selector } = this.#compile(ds);
    if (selector === null) {
      this.#ctx.logger.warn({ daemonSet: key }, 'DaemonSet has an invalid selector; not syncing');
      return;
    }
    // Owned objects of a DaemonSet being deleted may be gone or orphaned: no reliable status.
    if (ds.metadata.deletionTimestamp) return;

    const { cur, old } = await this.#constructHistory(ds, selector);
    const hash = cur.metadata.labels?.[POD_REVISION_LABEL] ?? '';

    if (!this.#expectations.satisfied(key)) {
      // Only refresh status; observedGeneration waits for a sync that acts on this generation.
      return this.#updateStatus(ds, selector, nodes, hash, false);
    }
    let error: unknown;
    try {
      await this.#manage(ds, selector, nodes, hash);
      if (this.#expectations.satisfied(key) && !isOnDelete(ds)) await this.#rollingUpdate(ds, selector, nodes, hash);
      await this.#cleanupHistory(ds, selector, old);
    } catch (e) {
      error = e;
    }
    let result: ReconcileResult = undefined;
    try {
      result = await this.#updateStatus(ds, selector, nodes, hash, true);
    } catch (statusError) {
      if (!error) throw statusError;
      this.#ctx.logger.warn({ daemonSet: key, err: errorMessage(statusError) }, 'could not update status');
    }
    if (error) throw error;
    return result;
  }

  /** The DaemonSet's pods (after adoption/release), grouped by the node they are for. */
  async #nodesToDaemonPods(ds: KubeObject, selector: LabelSelector, includeDeletedTerminal: boolean): Promise<NodeToPods> {
    const pods = await claimObjects(claimCandidates(this.#pods, ds), {
      client: this.#ctx.client,
      resource: resources.pods,
      fieldManager: KUBE_CONTROLLER_MANAGER,
      owner: ds,
      ownerKind: DAEMONSET_KIND,
      selector,
      canAdopt: () => recheckOwner(this.#ctx.client, daemonSetsResource, ds, 'DaemonSet'),
    });
    const out: NodeToPods = new Map();
    for (const pod of pods) {
      const phase = podPhase(pod);
      if (!includeDeletedTerminal && (phase === 'Failed' || phase === 'Succeeded') && pod.metadata.deletionTimestamp) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      const list = out.get(node);
      if (list) list.push(pod);
      else out.set(node, [pod]);
    }
    return out;
  }

  async #manage(ds: KubeObject, selector: LabelSelector, nodes: readonly KubeObject[], hash: string): Promise<void> {
    const nodeToPods = await this.#nodesToDaemonPods(ds, selector, false);
    const create: string[] = [];
    const remove: string[] = [];
    for (const node of nodes) this.#podsShouldBeOnNode(node, nodeToPods, ds, hash, create, remove);
    // Pending pods pinned to nodes that no longer exist: pod GC never sees them.
    const existing = new Set(nodes.map((n) => n.metadata.name ?? ''));
    for (const [node, pods] of nodeToPods) {
      if (existing.has(node)) continue;
      for (const pod of pods) if (!at(pod, 'spec', 'nodeName')) remove.push(pod.metadata.name ?? '');
    }
    await this.#syncNodes(ds, remove, create, hash);
  }

  /** podsShouldBeOnNode: appends the node to `create` and pods to `remove` as the node needs. */
  #podsShouldBeOnNode(node: KubeObject, nodeToPods: NodeToPods, ds: KubeObject, hash: string, create: string[], remove: string[]): void {
    const nodeName = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = this.#shouldRun(node, ds);
    const daemonPods = nodeToPods.get(nodeName);
    if (shouldRun && !daemonPods) {
      create.push(nodeName);
      return;
    }
    if (!daemonPods) return;
    if (!shouldContinueRunning) {
      for (const pod of daemonPods) if (!pod.metadata.deletionTimestamp) remove.push(pod.metadata.name ?? '');
      return;
    }
    const running: KubeObject[] = [];
    for (const pod of daemonPods) {
      if (pod.metadata.deletionTimestamp) continue;
      const phase = podPhase(pod);
      if (phase === 'Failed') {
        // Kubelets may keep rejecting the pod: back off between replacements.
        const backoffKey = `${ds.metadata.uid}/${int(dsStatus(ds).observedGeneration)}/${nodeName}`;
        if (this.#failedPodsBackoff.isInBackOffSinceUpdate(backoffKey)) {
          this.#enqueue(ds, this.#failedPodsBackoff.get(backoffKey));
          continue;
        }
        this.#failedPodsBackoff.next(backoffKey);
        this.#recorder.event(ds, 'Warning', DaemonSetEventReason.FailedDaemonPod, `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}, will try to kill it`);
        remove.push(pod.metadata.name ?? '');
      } else if (phase === 'Succeeded') {
        this.#recorder.event(ds, 'Normal', DaemonSetEventReason.SucceededDaemonPod, `Found succeeded daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}, will try to delete it`);
        remove.push(pod.metadata.name ?? '');
      } else running.push(pod);
    }
    if (!allowsSurge(ds)) {
      // One pod per node: keep the oldest.
      if (running.length > 1) {
        running.sort(byCreationAndScheduling);
        for (const pod of running.slice(1)) remove.push(pod.metadata.name ?? '');
      }
      return;
    }
    if (running.length <= 1) {
      if (running.length === 0 && shouldRun) create.push(nodeName);
      return;
    }
    // Surging: keep the oldest new pod and the oldest old pod; the old one goes once the new one
    // is available (or once it is no longer ready itself).
    running.sort(byCreationAndScheduling);
    let oldestNew: KubeObject | undefined;
    let oldestOld: KubeObject | undefined;
    for (const pod of running) {
      if (pod.metadata.labels?.[POD_REVISION_LABEL] === hash) {
        if (!oldestNew) {
          oldestNew = pod;
          continue;
        }
      } else if (!oldestOld) {
        oldestOld = pod;
        continue;
      }
      remove.push(pod.metadata.name ?? '');
    }
    if (oldestNew && oldestOld) {
      if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, int(dsSpec(ds).minReadySeconds), this.#ctx.clock.now())) remove.push(oldestOld.metadata.name ?? '');
    }
  }

  /** Creates pods on nodes (slow start) and deletes pods, within the burst limit. */
  async #syncNodes(ds: KubeObject, podsToDelete: readonly string[], nodesNeedingPods: readonly string[], hash: string): Promise<void> {
    const key = objectKey(ds);
    const createDiff = Math.min(nodesNeedingPods.length, this.#burst);
    const deleteDiff = Math.min(podsToDelete.length, this.#burst);
    if (createDiff === 0 && deleteDiff === 0) return;
    this.#expectations.set(key, createDiff, deleteDiff);
    const errors: unknown[] = [];
    if (createDiff > 0) {
      const template = createPodTemplate(ds, hash);
      const spec = (template.spec ?? {}) as JsonObject;
      let batch = Math.min(createDiff, 1);
      for (let pos = 0; pos < createDiff; ) {
        const before = errors.length;
        await Promise.all(
          Array.from({ length: batch }, async (_, i) => {
            const node = nodesNeedingPods[pos + i];
            const podTemplate = { ...template, spec: { ...spec, affinity: replaceNodeNameAffinity(spec.affinity, node) } };
            try {
              await this.#podControl.createPod(ds.metadata.namespace ?? '', podTemplate as PodTemplateSpec, ds, newControllerRef(ds, DAEMONSET_KIND));
            } catch (e) {
              this.#expectations.creationObserved(key);
              if (!isNamespaceTerminating(e)) errors.push(e);
            }
          }),
        );
        pos += batch;
        const skipped = createDiff - pos;
        if (errors.length > before && skipped > 0) {
          // Slow start: the remaining creates would likely fail the same way; a later sync retries.
          this.#expectations.lower(key, skipped, 0);
          break;
        }
        batch = Math.min(2 * batch, createDiff - pos);
      }
    }
    await Promise.all(
      podsToDelete.slice(0, deleteDiff).map(async (name) => {
        try {
          await this.#podControl.deletePod(ds.metadata.namespace ?? '', name, ds);
        } catch (e) {
          this.#expectations.deletionObserved(key);
          if (!isNotFound(e)) errors.push(e);
        }
      }),
    );
    const err = aggregate(errors);
    if (err) throw err;
  }

  /** updatedDesiredNodeCounts: maxSurge, maxUnavailable and the desired count; adds empty entries for nodes that should run a pod. */
  #desiredNodeCounts(ds: KubeObject, nodes: readonly KubeObject[], nodeToPods: NodeToPods): { maxSurge: number; maxUnavailable: number; desired: number } {
    let desired = 0;
    for (const node of nodes) {
      if (!this.#shouldRun(node, ds).shouldRun) continue;
      desired++;
      const name = node.metadata.name ?? '';
      if (!nodeToPods.has(name)) nodeToPods.set(name, []);
    }
    let maxUnavailable = unavailableCount(ds, desired);
    const maxSurge = surgeCount(ds, desired);
    // An impossible configuration (both 0) falls back to accepting one unavailable node.
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    return { maxSurge, maxUnavailable, desired };
  }

  async #rollingUpdate(ds: KubeObject, selector: LabelSelector, nodes: readonly KubeObject[], hash: string): Promise<void> {
    const nodeToPods = await this.#nodesToDaemonPods(ds, selector, false);
    const { maxSurge, maxUnavailable, desired } = this.#desiredNodeCounts(ds, nodes, nodeToPods);
    const minReady = int(dsSpec(ds).minReadySeconds);
    const now = this.#ctx.clock.now();
    const generation = templateGeneration(ds);
    const available = (pod: KubeObject) => isPodAvailable(pod, minReady, now);

    if (maxSurge === 0) {
      // Delete just enough old pods to stay within maxUnavailable; manage() makes new ones.
      let numUnavailable = 0;
      const replacements: string[] = [];
      const candidates: string[] = [];
      for (const pods of nodeToPods.values()) {
        const found = findUpdatedPodsOnNode(pods, hash, generation);
        if (!found) {
          numUnavailable++;
          continue;
        }
        const { newPod, oldPod } = found;
        if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
        else if (newPod) {
          if (!available(newPod)) numUnavailable++;
        } else if (oldPod) {
          if (!available(oldPod)) {
            replacements.push(oldPod.metadata.name ?? '');
            numUnavailable++;
          } else if (numUnavailable < maxUnavailable) candidates.push(oldPod.metadata.name ?? '');
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      await this.#syncNodes(ds, [...replacements, ...candidates.slice(0, remaining)], [], hash);
      return;
    }

    // Surging: new pods beside old ones, old pods deleted once their replacement is available.
    const oldToDelete: string[] = [];
    const shouldNotRunToDelete: string[] = [];
    const candidateNodes: string[] = [];
    const allowedNodes: string[] = [];
    let numSurge = 0;
    let numAvailable = 0;
    for (const [nodeName, pods] of nodeToPods) {
      const found = findUpdatedPodsOnNode(pods, hash, generation);
      if (!found) {
        numSurge++;
        continue;
      }
      const { newPod, oldPod } = found;
      if (oldPod) {
        if (available(oldPod)) numAvailable++;
      } else if (newPod && available(newPod)) numAvailable++;
      if (!oldPod) continue;
      if (!newPod) {
        const node = this.#nodes.lister.get(undefined, nodeName);
        if (!node) throw new Error(`couldn't get node for nodeName "${nodeName}": not found`);
        const runs = this.#shouldRun(node, ds).shouldRun;
        if (!available(oldPod)) {
          if (!runs) oldToDelete.push(oldPod.metadata.name ?? '');
          else allowedNodes.push(nodeName);
        } else if (!runs) shouldNotRunToDelete.push(oldPod.metadata.name ?? '');
        else if (numSurge < maxSurge) candidateNodes.push(nodeName);
        continue;
      }
      if (!available(newPod)) {
        numSurge++;
        continue;
      }
      oldToDelete.push(oldPod.metadata.name ?? '');
    }
    // With surge the owner expects full availability: pods on nodes that no longer fit go only
    // as others become available beyond the desired count.
    const deletable = Math.min(numAvailable - desired, shouldNotRunToDelete.length);
    for (const name of shouldNotRunToDelete.slice(0, Math.max(0, deletable))) if (this.#pods.lister.get(ds.metadata.namespace, name)) oldToDelete.push(name);
    const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
    await this.#syncNodes(ds, oldToDelete, [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)], hash);
  }

  // ---- history ------------------------------------------------------------------------------------

  /** The DaemonSet's revisions after adoption/release. */
  async #controlledHistories(ds: KubeObject, selector: LabelSelector): Promise<KubeObject[]> {
    return claimObjects(claimCandidates(this.#revisions, ds), {
      client: this.#ctx.client,
      resource: controllerRevisionsResource,
      fieldManager: KUBE_CONTROLLER_MANAGER,
      owner: ds,
      ownerKind: DAEMONSET_KIND,
      selector,
      canAdopt: () => recheckOwner(this.#ctx.client, daemonSetsResource, ds, 'DaemonSet'),
    });
  }

  /** constructHistory: the current revision (found, renumbered or created) and the others. */
  async #constructHistory(ds: KubeObject, selector: LabelSelector): Promise<{ cur: KubeObject; old: KubeObject[] }> {
    const patch = daemonSetRevisionPatch(ds);
    const current: KubeObject[] = [];
    const old: KubeObject[] = [];
    for (let h of await this.#controlledHistories(ds, selector)) {
      if (!h.metadata.labels?.[POD_REVISION_LABEL]) {
        // Older revisions lack the hash label: the name stands in for it.
        h = await this.#ctx.client.update(controllerRevisionsResource, ds.metadata.namespace, { ...h, metadata: { ...h.metadata, labels: { ...(h.metadata.labels ?? {}), [POD_REVISION_LABEL]: h.metadata.name ?? '' } } }, { fieldManager: KUBE_CONTROLLER_MANAGER });
      }
      if (jsonEqual(h.data, patch)) current.push(h);
      else old.push(h);
    }
    const next = old.reduce((m, h) => Math.max(m, revisionNumber(h)), 0) + 1;
    if (current.length === 0) return { cur: await this.#snapshot(ds, next), old };
    const cur = await this.#dedupCurHistories(ds, selector, current);
    if (revisionNumber(cur) < next) {
      await this.#ctx.client.update(controllerRevisionsResource, ds.metadata.namespace, { ...cur, revision: next }, { fieldManager: KUBE_CONTROLLER_MANAGER });
    }
    return { cur, old };
  }

  /** Keeps the newest of several revisions equal to the template; relabels pods of the others. */
  async #dedupCurHistories(ds: KubeObject, selector: LabelSelector, histories: KubeObject[]): Promise<KubeObject> {
    if (histories.length === 1) return histories[0];
    let keep = histories[0];
    for (const h of histories) if (revisionNumber(h) >= revisionNumber(keep)) keep = h;
    const keepHash = keep.metadata.labels?.[POD_REVISION_LABEL] ?? '';
    for (const pods of (await this.#nodesToDaemonPods(ds, selector, true)).values()) {
      for (const pod of pods) {
        if (pod.metadata.labels?.[POD_REVISION_LABEL] === keepHash) continue;
        await this.#ctx.client.patch(resources.pods, ds.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { labels: { [POD_REVISION_LABEL]: keepHash } } }, { fieldManager: KUBE_CONTROLLER_MANAGER });
      }
    }
    for (const h of histories) {
      if (h.metadata.name === keep.metadata.name) continue;
      await this.#ctx.client.delete(controllerRevisionsResource, ds.metadata.namespace, h.metadata.name ?? '').catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    return keep;
  }

  /** snapshot: creates the revision of the current template; bumps collisionCount on a name clash. */
  async #snapshot(ds: KubeObject, revision: number): Promise<KubeObject> {
    const collisionCount = isNil(dsStatus(ds).collisionCount) ? undefined : int(dsStatus(ds).collisionCount);
    const hash = computeTemplateHash(objAt(dsSpec(ds), 'template') ?? {}, collisionCount);
    const name = controllerRevisionName(ds.metadata.name ?? '', hash);
    const templateLabels = (objAt(objAt(objAt(dsSpec(ds), 'template'), 'metadata'), 'labels') ?? {}) as Record<string, string>;
    const history: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ds.metadata.namespace,
        labels: { ...templateLabels, [POD_REVISION_LABEL]: hash },
        ownerReferences: [newControllerRef(ds, DAEMONSET_KIND)],
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      },
      data: daemonSetRevisionPatch(ds),
      revision,
    };
    try {
      return await this.#ctx.client.create(controllerRevisionsResource, ds.metadata.namespace, history, { fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await this.#ctx.client.get(controllerRevisionsResource, ds.metadata.namespace, name);
      if (jsonEqual(existing.data, history.data)) return existing;
      // A different template hashed to the same name: bump collisionCount (unless ours was stale).
      const fresh = await this.#ctx.client.get(daemonSetsResource, ds.metadata.namespace, ds.metadata.name ?? '');
      const freshCount = isNil(dsStatus(fresh).collisionCount) ? undefined : int(dsStatus(fresh).collisionCount);
      if (freshCount !== collisionCount) {
        throw new Error(`found a stale collision count (${collisionCount ?? 'nil'}, expected ${freshCount ?? 'nil'}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
      }
      await this.#ctx.client.update(daemonSetsResource, ds.metadata.namespace, { ...fresh, status: { ...dsStatus(fresh), collisionCount: (freshCount ?? 0) + 1 } }, { fieldManager: KUBE_CONTROLLER_MANAGER, subresource: 'status' });
      this.#ctx.logger.info({ daemonSet: objectKey(ds), collisionCount: (freshCount ?? 0) + 1 }, 'found a hash collision for DaemonSet; bumping collisionCount');
      throw e;
    }
  }

  /** Deletes the oldest non-current revisions beyond revisionHistoryLimit that no pod runs. */
  async #cleanupHistory(ds: KubeObject, selector: LabelSelector, old: KubeObject[]): Promise<void> {
    const limit = typeof dsSpec(ds).revisionHistoryLimit === 'number' ? (dsSpec(ds).revisionHistoryLimit as number) : 10;
    let toKill = old.length - limit;
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const pods of (await this.#nodesToDaemonPods(ds, selector, true)).values()) {
      for (const pod of pods) {
        const h = pod.metadata.labels?.[POD_REVISION_LABEL];
        if (h) live.add(h);
      }
    }
    for (const h of [...old].sort((a, b) => revisionNumber(a) - revisionNumber(b))) {
      if (toKill <= 0) break;
      if (live.has(h.metadata.labels?.[POD_REVISION_LABEL] ?? '')) continue;
      try {
        await this.#ctx.client.delete(controllerRevisionsResource, ds.metadata.namespace, h.metadata.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      toKill--;
    }
  }

  // ---- status -------------------------------------------------------------------------------------

  async #updateStatus(ds: KubeObject, selector: LabelSelector, nodes: readonly KubeObject[], hash: string, updateObservedGen: boolean): Promise<ReconcileResult> {
    const nodeToPods = await this.#nodesToDaemonPods(ds, selector, false);
    const minReady = int(dsSpec(ds).minReadySeconds);
    const now = this.#ctx.clock.now();
    const generation = templateGeneration(ds);
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    for (const node of nodes) {
      const pods = nodeToPods.get(node.metadata.name ?? '');
      const scheduled = pods !== undefined && pods.length > 0;
      if (!this.#shouldRun(node, ds).shouldRun) {
        if (scheduled) misscheduled++;
        continue;
      }
      desired++;
      if (!pods || !scheduled) continue;
      current++;
      const pod = pods.length > 1 ? [...pods].sort(byCreationAndScheduling)[0] : pods[0];
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (isPodUpdated(pod, hash, generation)) updated++;
    }
    const st = {
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
    await this.#storeStatus(ds, st, updateObservedGen);
    // Pods turn available minReadySeconds after turning ready: look again then.
    return minReady > 0 && ready !== available ? { requeueAfterMs: minReady * 1000 } : undefined;
  }

  async #storeStatus(ds: KubeObject, st: Record<string, number>, updateObservedGen: boolean): Promise<void> {
    const cur = dsStatus(ds);
    const generation = ds.metadata.generation ?? 0;
    if (Object.entries(st).every(([k, v]) => int(cur[k]) === v) && int(cur.observedGeneration) >= generation) return;
    let target = ds;
    for (let i = 0; ; i++) {
      const status: JsonObject = { ...dsStatus(target), ...st };
      if (updateObservedGen) status.observedGeneration = generation;
      try {
        await this.#ctx.client.update(daemonSetsResource, target.metadata.namespace, { ...target, status }, { fieldManager: KUBE_CONTROLLER_MANAGER, subresource: 'status' });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (i >= STATUS_UPDATE_RETRIES || !isConflict(e)) throw e;
        target = await this.#ctx.client.get(daemonSetsResource, ds.metadata.namespace, ds.metadata.name ?? '');
        if (target.metadata.uid !== ds.metadata.uid) return;
      }
    }
  }
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, or undefined if there are more. */
function findUpdatedPodsOnNode(pods: readonly KubeObject[], hash: string, generation: string | undefined): { newPod?: KubeObject; oldPod?: KubeObject } | undefined {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return undefined;
      newPod = pod;
    } else {
      if (oldPod) return undefined;
      oldPod = pod;
    }
  }
  return { newPod, oldPod };
}

/** podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name. */
function byCreationAndScheduling(a: KubeObject, b: KubeObject): number {
  const sa = Boolean(at(a, 'spec', 'nodeName'));
  const sb = Boolean(at(b, 'spec', 'nodeName'));
  if (sa !== sb) return sa ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
