/**
 * The StatefulSet controller (upstream pkg/controller/statefulset): keeps `replicas` pods with
 * stable identities `<set>-<ordinal>` and their claims, rolls template changes through
 * ControllerRevisions, and reports status that `kubectl rollout status statefulset/x` reads
 * (observedGeneration, currentRevision/updateRevision, readyReplicas, updatedReplicas …).
 *
 * Event sources, all from shared informers:
 *  - StatefulSets: their own key;
 *  - Pods: the owning set (resolved by controllerRef name+uid), or, for orphans, every set in the
 *    namespace whose selector matches (it may adopt); a pod turning ready also requeues the set
 *    after minReadySeconds;
 *  - ControllerRevisions and claims are read through listers only.
 * Each sync adopts orphan revisions, claims pods (adopt/release by selector and name), then runs
 * StatefulSetControl. Writes use the field manager `statefulset-controller`.
 */
import type { KubeObject } from '../../api/object.js';
import { jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/index.js';
import { resources } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { objectKey } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { addClaimIndexers, claimCandidates, claimObjects, recheckOwner } from '../history/controller-ref-manager.js';
import { ControllerHistory, controllerRevisionsResource } from '../history/controller-history.js';
import { controllerRefOf, isPodReady } from '../history/workload-helpers.js';
import { StatefulPodControl, persistentVolumeClaimsResource } from './stateful-pod-control.js';
import { StatefulSetControl, statefulSetsResource } from './statefulset-control.js';
import { isMemberOf, minReadySeconds, specReplicas, STATEFULSET_KIND } from './statefulset-utils.js';

export const STATEFULSET_CONTROLLER_NAME = 'statefulset-controller';

export interface StatefulSetControllerOptions {
  /** Concurrent syncs of different sets (kube-controller-manager --concurrent-statefulset-syncs: 5). */
  readonly workers?: number;
}

export class StatefulSetController implements Controller {
  readonly name = STATEFULSET_CONTROLLER_NAME;
  readonly #ctx: ControllerContext;
  readonly #workers: number;
  readonly #queue;
  readonly #sets: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #claims: SharedInformer;
  readonly #revisions: SharedInformer;
  readonly #control: StatefulSetControl;
  readonly #history: ControllerHistory;
  /** Parsed selectors of informer objects (which are immutable, so the cache stays valid). */
  readonly #selectors = new WeakMap<KubeObject, LabelSelector | null>();

  constructor(ctx: ControllerContext, options: StatefulSetControllerOptions = {}) {
    this.#ctx = ctx;
    this.#workers = options.workers ?? 5;
    this.#queue = newQueue(ctx.clock);
    this.#sets = ctx.informers.informer(statefulSetsResource);
    this.#pods = ctx.informers.informer(resources.pods);
    this.#claims = ctx.informers.informer(persistentVolumeClaimsResource);
    this.#revisions = ctx.informers.informer(controllerRevisionsResource);
    addClaimIndexers(this.#pods);
    this.#history = new ControllerHistory({ client: ctx.client, informer: this.#revisions, fieldManager: KUBE_CONTROLLER_MANAGER });
    const podControl = new StatefulPodControl({
      client: ctx.client,
      pods: this.#pods.lister,
      claims: this.#claims.lister,
      recorder: ctx.recorder(this.name),
      fieldManager: KUBE_CONTROLLER_MANAGER,
    });
    this.#control = new StatefulSetControl({
      client: ctx.client,
      history: this.#history,
      podControl,
      clock: ctx.clock,
      logger: ctx.logger,
      fieldManager: KUBE_CONTROLLER_MANAGER,
    });

    this.#sets.addEventHandler({
      onAdd: (s) => this.#enqueue(s),
      onUpdate: (_o, s) => this.#enqueue(s),
      onDelete: (s) => this.#enqueue(s),
    });
    this.#pods.addEventHandler({
      onAdd: (p) => this.#onPod(p),
      onUpdate: (o, p) => this.#onPodUpdate(o, p),
      onDelete: (p) => {
        const set = this.#resolveControllerRef(p);
        if (set) this.#enqueue(set);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#sets, this.#pods, this.#claims, this.#revisions].map((i) => i.waitForSync(signal)));
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), workers: this.#workers, logger: this.#ctx.logger }, signal);
  }

  #enqueue(set: KubeObject, afterMs = 0): void {
    if (afterMs > 0) this.#queue.addAfter(objectKey(set), afterMs);
    else this.#queue.add(objectKey(set));
  }

  #selectorOf(set: KubeObject): LabelSelector | null {
    let sel = this.#selectors.get(set);
    if (sel === undefined) {
      try {
        sel = labelSelectorFromObject((set.spec as { selector?: unknown } | undefined)?.selector);
      } catch {
        sel = null;
      }
      this.#selectors.set(set, sel);
    }
    return sel;
  }

  #resolveControllerRef(pod: KubeObject): KubeObject | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== STATEFULSET_KIND.kind) return undefined;
    const set = this.#sets.lister.get(pod.metadata.namespace, ref.name);
    return set && set.metadata.uid === ref.uid ? set : undefined;
  }

  /** Sets whose selector matches an orphan pod's labels. */
  #setsForOrphan(pod: KubeObject): KubeObject[] {
    return this.#sets.lister.list(pod.metadata.namespace ?? '').filter((s) => {
      const sel = this.#selectorOf(s);
      return sel !== null && !sel.isEmpty() && sel.matches(pod.metadata.labels);
    });
  }

  #onPod(pod: KubeObject): void {
    if (controllerRefOf(pod)) {
      const set = this.#resolveControllerRef(pod);
      if (set) this.#enqueue(set);
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    for (const set of this.#setsForOrphan(pod)) this.#enqueue(set);
  }

  #onPodUpdate(old: KubeObject, cur: KubeObject): void {
    // Resyncs deliver the same version; sets resync on their own.
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = !jsonEqual(oldRef, curRef);
    if (refChanged && oldRef) {
      const oldSet = this.#resolveControllerRef(old);
      if (oldSet) this.#enqueue(oldSet);
    }
    if (curRef) {
      const set = this.#resolveControllerRef(cur);
      if (!set) return;
      this.#enqueue(set);
      const minReady = minReadySeconds(set);
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.#enqueue(set, minReady * 1000 + 1000);
      return;
    }
    if (refChanged || !jsonEqual(old.metadata.labels, cur.metadata.labels)) {
      for (const set of this.#setsForOrphan(cur)) this.#enqueue(set);
    }
  }

  async #sync(key: string): Promise<ReconcileResult> {
    const set = this.#sets.lister.getByKey(key);
    if (!set) return;
    const selector = this.#selectorOf(set);
    if (selector === null) {
      this.#ctx.logger.warn({ statefulSet: key }, 'StatefulSet has an invalid selector; not syncing');
      return;
    }
    await this.#adoptOrphanRevisions(set, selector);
    const pods = await this.#podsForStatefulSet(set, selector);
    const status = await this.#control.updateStatefulSet(set, selector, pods);
    // Pods turn available minReadySeconds after turning ready: look again then.
    const minReady = minReadySeconds(set);
    if (minReady > 0 && status.availableReplicas !== specReplicas(set)) return { requeueAfterMs: minReady * 1000 };
    return undefined;
  }

  async #adoptOrphanRevisions(set: KubeObject, selector: LabelSelector): Promise<void> {
    const orphans = this.#history.listControllerRevisions(set, selector).filter((r) => !controllerRefOf(r));
    if (orphans.length === 0) return;
    try {
      await recheckOwner(this.#ctx.client, statefulSetsResource, set, 'StatefulSet');
    } catch (e) {
      throw new Error(`can't adopt ControllerRevisions: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    for (const r of orphans) await this.#history.adoptControllerRevision(set, STATEFULSET_KIND, r);
  }

  /** The pods the set controls after adoption/release (members by name and selector). */
  async #podsForStatefulSet(set: KubeObject, selector: LabelSelector): Promise<KubeObject[]> {
    return claimObjects(claimCandidates(this.#pods, set), {
      client: this.#ctx.client,
      resource: resources.pods,
      fieldManager: KUBE_CONTROLLER_MANAGER,
      owner: set,
      ownerKind: STATEFULSET_KIND,
      selector,
      filter: (pod) => isMemberOf(set, pod),
      canAdopt: () => recheckOwner(this.#ctx.client, statefulSetsResource, set, 'StatefulSet'),
    });
  }
}
