/**
 * Taint-based eviction (upstream pkg/controller/tainteviction, the `taint-eviction-controller`):
 * pods bound to a node with NoExecute taints they do not tolerate are deleted at once; pods that
 * tolerate every such taint, some for a limited `tolerationSeconds`, are deleted when the shortest
 * of those runs out, counted from when the taint was noticed. A scheduled deletion is cancelled
 * (event "Cancelling deletion of Pod ns/name") when the taints go away or the pod's tolerations
 * change so that it tolerates them forever.
 *
 * Contract:
 *  - node keys are reconciled whenever a node's NoExecute taints change; pod keys whenever a pod's
 *    node or tolerations change. Both reconciles are synchronous (no await), so the map of tainted
 *    nodes they share is never seen half-updated.
 *  - a deletion fires on the injected clock (one timer per scheduled pod, as upstream's
 *    TimedWorkerQueue), records TaintManagerEviction "Marking for deletion Pod ns/name", adds the
 *    DisruptionTarget condition (reason DeletionByTaintManager) to the pod's status and deletes
 *    the pod with default options. A fired deletion is remembered until the pod goes away or its
 *    eviction is cancelled, so it is not repeated on every node update.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, jsonEqual, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { byNodeName, INDEX } from '../../informer/indexers.js';
import { objectKey, splitKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';
import { matchingTolerations, minTolerationMs, noExecuteTaints, podTolerations, type Taint, type Toleration } from './tolerations.js';
import { innerSignal } from '../../util/abort.js';

export interface TaintEvictionOptions {
  /** Workers deleting pods whose eviction fired (default 4). */
  readonly workers?: number;
}

interface ScheduledEviction {
  readonly createdAt: number;
  readonly fireAt: number;
  /** pending: timer armed; firing: handed to the eviction workers; done: pod deleted. */
  state: 'pending' | 'firing' | 'done';
  cancelTimer?: () => void;
}

const DISRUPTION_TARGET = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' } as const;

export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller';
  readonly #ctx: ControllerContext;
  readonly #workers: number;
  readonly #pods: SharedInformer;
  readonly #nodes: SharedInformer;
  readonly #recorder: EventRecorder;
  readonly #nodeQueue: WorkQueue<string>;
  readonly #podQueue: WorkQueue<string>;
  readonly #evictQueue: WorkQueue<string>;
  /** node name → its NoExecute taints (only nodes that have some). */
  readonly #taintedNodes = new Map<string, Taint[]>();
  /** pod key → its scheduled (or fired) deletion. */
  readonly #work = new Map<string, ScheduledEviction>();

  constructor(ctx: ControllerContext, options: TaintEvictionOptions = {}) {
    this.#ctx = ctx;
    this.#workers = options.workers ?? 4;
    this.#recorder = ctx.recorder(this.name);
    this.#nodeQueue = newQueue(ctx.clock);
    this.#podQueue = newQueue(ctx.clock);
    this.#evictQueue = newQueue(ctx.clock);
    this.#pods = ctx.informers.informer(resources.pods);
    this.#pods.addIndexers({ [INDEX.nodeName]: byNodeName });
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#nodes.addEventHandler({
      onAdd: (n) => this.#nodeQueue.add(n.metadata.name ?? ''),
      onUpdate: (o, n) => {
        if (!jsonEqual(noExecuteTaints(o), noExecuteTaints(n))) this.#nodeQueue.add(n.metadata.name ?? '');
      },
      onDelete: (n) => this.#nodeQueue.add(n.metadata.name ?? ''),
    });
    this.#pods.addEventHandler({
      onAdd: (p) => this.#podQueue.add(objectKey(p)),
      onUpdate: (o, n) => {
        if (nodeNameOf(o) === nodeNameOf(n) && jsonEqual(specOf(o).tolerations, specOf(n).tolerations)) return;
        this.#podQueue.add(objectKey(n));
      },
      onDelete: (p) => this.#podQueue.add(objectKey(p)),
    });
  }

  async run(outer: AbortSignal): Promise<void> {
    await Promise.all([this.#pods.waitForSync(outer), this.#nodes.waitForSync(outer)]);
    if (outer.aborted) return;
    const { signal, release } = innerSignal(outer);
    const logger = this.#ctx.logger;
    try {
      await Promise.all([
        runReconcileLoop({ name: `${this.name}-nodes`, queue: this.#nodeQueue, reconcile: async (k) => this.#handleNodeUpdate(k), logger }, signal),
        runReconcileLoop({ name: `${this.name}-pods`, queue: this.#podQueue, reconcile: async (k) => this.#handlePodUpdate(k), logger }, signal),
        runReconcileLoop({ name: this.name, queue: this.#evictQueue, reconcile: (k) => this.#evict(k), workers: this.#workers, logger }, signal),
      ]);
    } finally {
      for (const w of this.#work.values()) w.cancelTimer?.();
      this.#work.clear();
      release();
    }
  }

  /** Pods with a pending (not yet fired) deletion, for tests and metrics. */
  get scheduledEvictions(): number {
    let n = 0;
    for (const w of this.#work.values()) if (w.state === 'pending') n++;
    return n;
  }

  #handleNodeUpdate(nodeName: string): void {
    const node = this.#nodes.lister.get(undefined, nodeName);
    if (!node) {
      this.#taintedNodes.delete(nodeName);
      return;
    }
    const taints = noExecuteTaints(node);
    if (taints.length === 0) this.#taintedNodes.delete(nodeName);
    else this.#taintedNodes.set(nodeName, taints);
    const pods = this.#pods.lister.byIndex(INDEX.nodeName, nodeName);
    if (pods.length === 0) return;
    if (taints.length === 0) {
      for (const pod of pods) this.#cancelWithEvent(objectKey(pod));
      return;
    }
    const now = this.#ctx.clock.now();
    for (const pod of pods) this.#processPodOnNode(objectKey(pod), podTolerations(pod), taints, now);
  }

  #handlePodUpdate(key: string): void {
    const pod = this.#pods.lister.getByKey(key);
    if (!pod) {
      this.#cancelWithEvent(key);
      return;
    }
    const nodeName = nodeNameOf(pod);
    if (!nodeName) return;
    // Node deleted or its taints removed: any scheduled work was cancelled then.
    const taints = this.#taintedNodes.get(nodeName);
    if (!taints) return;
    this.#processPodOnNode(key, podTolerations(pod), taints, this.#ctx.clock.now());
  }

  #processPodOnNode(key: string, tolerations: readonly Toleration[], taints: readonly Taint[], now: number): void {
    if (taints.length === 0) {
      this.#cancelWithEvent(key);
      return;
    }
    const { allTolerated, used } = matchingTolerations(taints, tolerations);
    if (!allTolerated) {
      // Deleted right away: any later deletion scheduled before is moot.
      this.#cancelWithEvent(key);
      this.#addWork(key, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      this.#cancelWithEvent(key);
      return;
    }
    let start = now;
    const trigger = now + min;
    const scheduled = this.#work.get(key);
    if (scheduled && scheduled.state !== 'done') {
      start = scheduled.createdAt;
      if (start + min < trigger) return;
      this.#cancelWithEvent(key);
    }
    this.#addWork(key, start, trigger);
  }

  #addWork(key: string, createdAt: number, fireAt: number): void {
    if (this.#work.has(key)) return;
    const entry: ScheduledEviction = { createdAt, fireAt, state: 'pending' };
    this.#work.set(key, entry);
    const delay = fireAt - this.#ctx.clock.now();
    if (delay <= 0) this.#fire(key, entry);
    else entry.cancelTimer = this.#ctx.clock.setTimer(delay, () => this.#fire(key, entry));
  }

  #fire(key: string, entry: ScheduledEviction): void {
    if (this.#work.get(key) !== entry || entry.state !== 'pending') return;
    entry.state = 'firing';
    entry.cancelTimer = undefined;
    const { namespace, name } = splitKey(key);
    this.#recorder.event(podRef(namespace, name), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    this.#evictQueue.add(key);
  }

  /** Cancels pending work; records the cancellation only if a deletion was still to come. */
  #cancelWithEvent(key: string): void {
    const entry = this.#work.get(key);
    if (!entry) return;
    this.#work.delete(key);
    if (entry.state === 'done') return;
    entry.cancelTimer?.();
    const { namespace, name } = splitKey(key);
    this.#recorder.event(podRef(namespace, name), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  /** Adds the DisruptionTarget condition and deletes the pod (upstream addConditionAndDeletePod). */
  async #evict(key: string): Promise<void> {
    const entry = this.#work.get(key);
    if (!entry || entry.state !== 'firing') return;
    const { namespace, name } = splitKey(key);
    const client = this.#ctx.client;
    const done = () => {
      if (this.#work.get(key) === entry) entry.state = 'done';
    };
    let pod: KubeObject;
    try {
      pod = await client.get(resources.pods, namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return done();
      throw e;
    }
    const status = isJsonObject(pod.status) ? pod.status : {};
    const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
    const current = conditions.find((c) => c.type === DISRUPTION_TARGET.type);
    if (!current || current.status !== DISRUPTION_TARGET.status || current.reason !== DISRUPTION_TARGET.reason || current.message !== DISRUPTION_TARGET.message) {
      const transition = current && current.status === DISRUPTION_TARGET.status ? current.lastTransitionTime : rfc3339(this.#ctx.clock.now());
      const next: JsonObject = { ...DISRUPTION_TARGET, lastProbeTime: null, lastTransitionTime: transition ?? null };
      const updated = current ? conditions.map((c) => (c === current ? next : c)) : [...conditions, next];
      try {
        await client.update(resources.pods, namespace, { ...pod, status: { ...status, conditions: updated } }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return done();
        throw e;
      }
    }
    try {
      await client.delete(resources.pods, namespace, name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      // Gone, or replaced by a new pod of the same name (its own events decide about it).
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
    done();
  }
}

function specOf(o: KubeObject): JsonObject {
  return isJsonObject(o.spec) ? o.spec : {};
}

function nodeNameOf(o: KubeObject): string {
  const n = specOf(o).nodeName;
  return typeof n === 'string' ? n : '';
}

/** Events about pods name the pod without its uid, as upstream's ObjectReference does. */
function podRef(namespace: string | undefined, name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } };
}
