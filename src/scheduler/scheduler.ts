/**
 * The scheduler (kube-scheduler's `default-scheduler` profile): assigns pending pods whose
 * spec.schedulerName is ours to nodes.
 *
 * Flow (kube-scheduler schedule_one.go):
 *  - informers feed the cache (bound pods, nodes) and the queue (pending pods of ours); pods
 *    being deleted are dropped; pods with scheduling gates wait (the API server marks them
 *    PodScheduled=False/SchedulingGated at creation, as upstream's pod strategy does);
 *  - one pod at a time: PreFilter, Filter over the nodes (starting where the last pod stopped,
 *    stopping after the adaptive percentageOfNodesToScore of feasible nodes), Score, pick the
 *    best (random among ties), assume it on the node, then bind asynchronously while the next
 *    pod is scheduled;
 *  - failure: PostFilter (preemption), a `FailedScheduling` event and the PodScheduled=False
 *    condition (reason Unschedulable, or SchedulerError for errors) with kube-scheduler's
 *    message, and the pod goes back to the queue;
 *  - success: the binding, then a `Scheduled` event.
 * The loop runs only while this process holds the `kube-system/kube-scheduler` Lease (unless
 * leader election is off); the cache and queue are kept up to date regardless.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject, jsonEqual, rfc3339, type JsonObject, type KubeObject } from '../api/object.js';
import { resources, type ResourceRef } from '../client/client.js';
import type { Controller, ControllerContext } from '../controllers/framework/controller.js';
import type { EventRecorder } from '../events/event-recorder.js';
import type { SharedInformer } from '../informer/shared-informer.js';
import { LeaderElector } from '../leaderelection/leader-elector.js';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { Diagnosis, FitError, truncateMessage } from './framework/fit-error.js';
import { Framework, type ProfileConfig } from './framework/framework.js';
import { ActionType, CycleState, type ClusterEvent, type ClusterEventInterest, type NominatingInfo, type VolumeListers, type WorkloadListers } from './framework/interfaces.js';
import type { NodeInfo } from './framework/node-info.js';
import { assumedPodInfo, newPodInfo, type PodInfo } from './framework/pod-info.js';
import { Code, Status } from './framework/status.js';
import { defaultProfile } from './plugins/default-profile.js';
import { SchedulingQueue, type QueueCounts, type QueuedPodInfo } from './queue/scheduling-queue.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

const pdbResource: ResourceRef = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
const rcResource: ResourceRef = { group: '', version: 'v1', resource: 'replicationcontrollers' };
const rsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets' };
const stsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const pvcResource: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const pvResource: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumes' };
const scResource: ResourceRef = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };

export interface SchedulerOptions {
  /** Pods with this spec.schedulerName are ours (default `default-scheduler`). */
  readonly schedulerName?: string;
  /** Run only while holding the kube-system/kube-scheduler Lease (default true). */
  readonly leaderElection?: boolean;
  /** Leader election identity (default `<hostname>_<uuid>`). */
  readonly identity?: string;
  /** Percentage of feasible nodes to find before scoring; 0 = adaptive, as upstream (default 0). */
  readonly percentageOfNodesToScore?: number;
  readonly podInitialBackoffMs?: number;
  readonly podMaxBackoffMs?: number;
  readonly podMaxInUnschedulablePodsDurationMs?: number;
  /** Bindings in flight before the loop waits for one to finish (default 500). */
  readonly maxInFlightBindings?: number;
  /**
   * Longest run of back-to-back scheduling cycles, in ms of real time, before the loop yields to
   * the event loop (default 10). kube-scheduler's scheduleOne loop has a goroutine of its own;
   * here it shares the event loop with the API server, so it takes slices: one cycle per
   * event-loop turn would tie the scheduler's throughput to the length of a turn (which includes
   * every storage group commit's fsync), while longer slices would delay request handling.
   * 0: yield after every cycle.
   */
  readonly schedulingSliceMs?: number;
  /** Field manager of the scheduler's status writes (default `kube-scheduler`). */
  readonly fieldManager?: string;
  /** The profile (plugins and weights); default: kube-scheduler's default profile. */
  readonly profile?: ProfileConfig;
  /** Random numbers in [0, 1): ties between nodes, preemption's start node (tests pin it). */
  readonly random?: () => number;
}

/** Counters for benchmarks and status pages. */
export interface SchedulerStats {
  /** Scheduling cycles run (one per pop). */
  readonly attempts: number;
  /** Pods bound. */
  readonly scheduled: number;
  /** Attempts that found no node (FitError). */
  readonly unschedulable: number;
  /** Attempts that failed with an error (binding failures included). */
  readonly errors: number;
  /** Preemptions carried out, and pods evicted by them. */
  readonly preemptions: number;
  readonly victims: number;
  readonly bindingsInFlight: number;
  readonly queue: QueueCounts;
  readonly nodes: number;
  readonly cachedPods: number;
}

interface Counters {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  preemptions: number;
  victims: number;
}

export class Scheduler implements Controller {
  readonly name: string;
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #o: Required<Omit<SchedulerOptions, 'profile' | 'identity'>> & { identity: string };
  readonly #recorder: EventRecorder;
  readonly #pods: SharedInformer;
  readonly #nodes: SharedInformer;
  readonly #namespaces: SharedInformer;
  readonly #pdbs: SharedInformer;
  /** Services, RCs, ReplicaSets, StatefulSets: PodTopologySpread's default selectors. */
  readonly #workloads: readonly SharedInformer[];
  /** Claims, volumes, classes: VolumeBinding. */
  readonly #storage: readonly SharedInformer[];
  readonly #cache: SchedulerCache;
  readonly #queue: SchedulingQueue;
  readonly #fw: Framework;
  readonly #infos = new WeakMap<KubeObject, PodInfo>();
  readonly #bindings = new Set<Promise<void>>();
  readonly #statusWrites = new Set<Promise<void>>();
  readonly #stats: Counters = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, preemptions: 0, victims: 0 };
  #nextStartNodeIndex = 0;

  constructor(ctx: ControllerContext, options: SchedulerOptions = {}) {
    this.#ctx = ctx;
    this.name = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.#log = ctx.logger.child({ component: this.name });
    this.#o = {
      schedulerName: this.name,
      leaderElection: options.leaderElection ?? true,
      identity: options.identity ?? `${hostname()}_${randomUUID()}`,
      percentageOfNodesToScore: options.percentageOfNodesToScore ?? 0,
      podInitialBackoffMs: options.podInitialBackoffMs ?? 1000,
      podMaxBackoffMs: options.podMaxBackoffMs ?? 10_000,
      podMaxInUnschedulablePodsDurationMs: options.podMaxInUnschedulablePodsDurationMs ?? 300_000,
      maxInFlightBindings: options.maxInFlightBindings ?? 500,
      schedulingSliceMs: options.schedulingSliceMs ?? 10,
      fieldManager: options.fieldManager ?? 'kube-scheduler',
      random: options.random ?? Math.random,
    };
    this.#recorder = ctx.recorder(this.name);
    this.#pods = ctx.informers.informer(resources.pods);
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#namespaces = ctx.informers.informer(resources.namespaces);
    this.#pdbs = ctx.informers.informer(pdbResource);
    const services = ctx.informers.informer(resources.services);
    const rcs = ctx.informers.informer(rcResource);
    const rss = ctx.informers.informer(rsResource);
    const sts = ctx.informers.informer(stsResource);
    this.#workloads = [services, rcs, rss, sts];
    const workloads: WorkloadListers = {
      services: (ns) => services.lister.list(ns),
      replicationController: (ns, name) => rcs.lister.get(ns, name),
      replicaSet: (ns, name) => rss.lister.get(ns, name),
      statefulSet: (ns, name) => sts.lister.get(ns, name),
    };
    const [pvcs, pvs, scs] = (this.#storage = [ctx.informers.informer(pvcResource), ctx.informers.informer(pvResource), ctx.informers.informer(scResource)]);
    const volumeListeners = new Set<() => void>();
    const volumes: VolumeListers = {
      claim: (ns, name) => pvcs.lister.get(ns, name),
      volume: (name) => pvs.lister.get(undefined, name),
      volumes: () => pvs.lister.list(),
      storageClass: (name) => scs.lister.get(undefined, name),
      onChange: (l) => (volumeListeners.add(l), () => volumeListeners.delete(l)),
    };
    for (const [informer, resource] of [[pvcs, 'PersistentVolumeClaim'], [pvs, 'PersistentVolume'], [scs, 'StorageClass']] as const) {
      const changed = (actions: number, label: string) => {
        for (const l of volumeListeners) l();
        this.#queue.moveAllToActiveOrBackoffQueue(event(resource, actions, label));
      };
      informer.addEventHandler({ onAdd: () => changed(ActionType.Add, `${resource}Add`), onUpdate: (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion && changed(ActionType.All, `${resource}Update`), onDelete: () => changed(ActionType.Delete, `${resource}Delete`) });
    }
    this.#cache = new SchedulerCache((ns) => this.#namespaces.lister.get(undefined, ns)?.metadata.labels);
    const currentPod = (ns: string, name: string) => this.#pods.lister.get(ns, name);
    // The queue and the framework refer to each other (PreEnqueue, plugin events / nominator).
    let fw: Framework | undefined;
    let events = new Map<string, readonly ClusterEventInterest[]>();
    this.#queue = new SchedulingQueue({
      clock: ctx.clock,
      logger: this.#log,
      podInitialBackoffMs: this.#o.podInitialBackoffMs,
      podMaxBackoffMs: this.#o.podMaxBackoffMs,
      podMaxInUnschedulablePodsDurationMs: this.#o.podMaxInUnschedulablePodsDurationMs,
      preEnqueue: (p) => fw?.runPreEnqueue(p) ?? null,
      pluginEvents: (plugin) => events.get(plugin),
      currentPod,
    });
    fw = new Framework(
      {
        client: ctx.client,
        recorder: this.#recorder,
        clock: ctx.clock,
        logger: this.#log,
        cluster: this.#cache,
        nominated: this.#queue,
        schedulerName: this.name,
        fieldManager: this.#o.fieldManager,
        podDisruptionBudgets: () => this.#pdbs.lister.list(),
        workloads,
        volumes,
        currentPod,
        random: this.#o.random,
      },
      options.profile ?? defaultProfile(),
    );
    this.#fw = fw;
    events = fw.pluginEvents();
    this.#nodes.addEventHandler({
      onAdd: (n) => this.#onNodeAdd(n),
      onUpdate: (o, n) => this.#onNodeUpdate(o, n),
      onDelete: (n) => this.#onNodeDelete(n),
    });
    this.#pods.addEventHandler({
      onAdd: (p) => this.#onPodAdd(p),
      onUpdate: (o, n) => this.#onPodUpdate(o, n),
      onDelete: (p) => this.#onPodDelete(p),
    });
  }

  stats(): SchedulerStats {
    return {
      ...this.#stats,
      bindingsInFlight: this.#bindings.size,
      queue: this.#queue.counts(),
      nodes: this.#cache.nodes().length,
      cachedPods: this.#cache.podCount,
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#pods, this.#nodes, this.#namespaces, this.#pdbs, ...this.#workloads, ...this.#storage].map((i) => i.waitForSync(signal)));
    if (signal.aborted) return;
    if (!this.#o.leaderElection) {
      await this.#loop(signal);
      return;
    }
    const elector = new LeaderElector({
      client: this.#ctx.client,
      namespace: 'kube-system',
      name: 'kube-scheduler',
      identity: this.#o.identity,
      clock: this.#ctx.clock,
      logger: this.#log.child({ component: 'leader-election' }),
    });
    await elector.run(signal, (leading) => this.#loop(leading));
  }

  // ---- the scheduling loop ----

  async #loop(signal: AbortSignal): Promise<void> {
    this.#queue.run(signal);
    this.#log.info('scheduler started');
    const sliceMs = this.#o.schedulingSliceMs;
    let sliceStart = performance.now();
    try {
      for (;;) {
        // An empty queue makes pop wait for other work to add pods: a new slice starts after.
        const waits = this.#queue.activeCount === 0;
        const qpi = await this.#queue.pop(signal);
        if (!qpi) break;
        if (waits) sliceStart = performance.now();
        try {
          await this.#scheduleOne(qpi, signal);
        } catch (e) {
          this.#log.error({ err: e, pod: qpi.podInfo.key }, 'scheduling cycle failed');
          this.#queue.done(qpi.podInfo.key);
        }
        // At the end of a slice, let requests, watch events and the bindings' writes progress.
        if (performance.now() - sliceStart >= sliceMs) {
          await new Promise<void>((r) => setImmediate(r));
          sliceStart = performance.now();
        }
        while (this.#bindings.size >= this.#o.maxInFlightBindings) await Promise.race(this.#bindings);
      }
    } finally {
      await Promise.allSettled([...this.#bindings, ...this.#statusWrites]);
    }
  }

  async #scheduleOne(qpi: QueuedPodInfo, signal: AbortSignal): Promise<void> {
    const pod = qpi.podInfo;
    if (pod.deleting) {
      this.#recorder.event(pod.pod, 'Warning', 'FailedScheduling', `skip schedule deleting pod: ${pod.namespace}/${pod.name}`);
      this.#queue.done(pod.key);
      return;
    }
    if (this.#cache.isAssumed(pod.uid)) {
      this.#queue.done(pod.key);
      return;
    }
    this.#stats.attempts++;
    const state = new CycleState();
    let result: string | FitError;
    try {
      result = this.#schedulePod(state, pod);
    } catch (e) {
      this.#handleFailure(qpi, Status.error(e instanceof Error ? e.message : String(e)), undefined, { mode: 'override', nodeName: '' });
      return;
    }
    if (result instanceof FitError) {
      let nominating: NominatingInfo | undefined = { mode: 'override', nodeName: '' };
      if (this.#fw.hasPostFilter) {
        const r = await this.#fw.runPostFilter(state, pod, result.diagnosis.nodeToStatus, signal);
        result.diagnosis.postFilterMsg = r.status === null ? '' : r.status.message();
        if (r.status?.code === Code.Error) this.#log.error({ pod: pod.key, err: r.status.message() }, 'PostFilter failed');
        nominating = r.nominating;
        if (r.status === null && r.nominating?.nodeName) this.#stats.preemptions++;
      }
      this.#handleFailure(qpi, Status.unschedulable(result.message()), result, nominating);
      return;
    }
    if (result === '') {
      this.#handleFailure(qpi, Status.unresolvable(ERR_NO_NODES_AVAILABLE), undefined, { mode: 'override', nodeName: '' });
      return;
    }
    const host = result;
    const assumed = assumedPodInfo(pod, host);
    this.#cache.assumePod(assumed);
    this.#queue.deleteNominatedPodIfExists(pod);
    const reserved = this.#fw.runReserve(state, assumed, host);
    if (reserved !== null) {
      this.#fw.runUnreserve(state, assumed, host);
      this.#cache.forgetPod(assumed);
      this.#handleFailure(qpi, reserved, undefined, { mode: 'override', nodeName: '' });
      return;
    }
    const binding = this.#bindingCycle(state, qpi, assumed, host, signal).catch((e: unknown) => this.#log.error({ err: e, pod: pod.key }, 'binding cycle failed'));
    this.#bindings.add(binding);
    void binding.finally(() => this.#bindings.delete(binding));
  }

  /** The node for the pod, '' when there are no nodes at all, or a FitError. */
  #schedulePod(state: CycleState, pod: PodInfo): string | FitError {
    const all = this.#cache.nodes();
    if (all.length === 0) return '';
    const diagnosis = new Diagnosis();
    const pre = this.#fw.runPreFilter(state, pod);
    if (pre.status !== null) {
      if (!pre.status.isRejected()) throw new Error(`running PreFilter plugin "${pre.status.plugin}": ${pre.status.message()}`);
      diagnosis.nodeToStatus.absentNodesStatus = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      for (const p of pre.rejectedBy) diagnosis.unschedulablePlugins.add(p);
      return new FitError(all.length, diagnosis);
    }
    // A nominated node (after preemption) is likely the only fit: try it first.
    if (pod.nominatedNodeName !== '') {
      const nominated = this.#cache.node(pod.nominatedNodeName);
      if (nominated) {
        const s = this.#fw.runFilterWithNominatedPods(state, pod, nominated);
        if (s === null) return nominated.name;
        this.#recordStatus(diagnosis, nominated.name, s);
      }
    }
    let nodes: readonly NodeInfo[] = all;
    if (pre.nodeNames) {
      const picked: NodeInfo[] = [];
      for (const name of pre.nodeNames) {
        const n = this.#cache.node(name);
        if (n) picked.push(n);
      }
      nodes = picked;
      diagnosis.nodeToStatus.absentNodesStatus = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${[...pre.withNodes].sort().join(' ')}]`);
    }
    const feasible = this.#findFeasible(state, pod, nodes, diagnosis, all.length);
    if (feasible.length === 0) return new FitError(all.length, diagnosis);
    if (feasible.length === 1) return feasible[0].name;
    const pre2 = this.#fw.runPreScore(state, pod, feasible);
    if (pre2 !== null) throw new Error(`running PreScore plugin "${pre2.plugin}": ${pre2.message()}`);
    const totals = this.#fw.runScore(state, pod, feasible);
    return this.#selectHost(feasible, totals);
  }

  /** Filters nodes round-robin from where the last pod stopped, until enough fit. */
  #findFeasible(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], diagnosis: Diagnosis, numAll: number): NodeInfo[] {
    const n = nodes.length;
    if (n === 0) return [];
    const want = this.#numFeasibleNodesToFind(n);
    const feasible: NodeInfo[] = [];
    const start = this.#nextStartNodeIndex % n;
    let processed = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(start + i) % n];
      processed++;
      const s = this.#fw.runFilterWithNominatedPods(state, pod, node);
      if (s === null) feasible.push(node);
      else this.#recordStatus(diagnosis, node.name, s);
    }
    this.#nextStartNodeIndex = (this.#nextStartNodeIndex + processed) % Math.max(1, numAll);
    return feasible;
  }

  #recordStatus(d: Diagnosis, node: string, s: Status): void {
    d.nodeToStatus.set(node, s);
    if (s.code === Code.Error) throw new Error(`running Filter plugin "${s.plugin}": ${s.message()}`);
    d.addPluginStatus(s);
  }

  /** numFeasibleNodesToFind: all of a small cluster; else an adaptive share, at least 100. */
  #numFeasibleNodesToFind(numAll: number): number {
    if (numAll < 100) return numAll;
    let pct = this.#o.percentageOfNodesToScore;
    if (pct === 0) {
      pct = 50 - Math.trunc(numAll / 125);
      if (pct < 5) pct = 5;
    }
    const num = Math.trunc((numAll * pct) / 100);
    return num < 100 ? 100 : num;
  }

  /** The highest total score; ties broken uniformly at random (reservoir sampling). */
  #selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.#o.random() * ties) === 0) best = i;
      }
    }
    return nodes[best].name;
  }

  async #bindingCycle(state: CycleState, qpi: QueuedPodInfo, assumed: PodInfo, host: string, signal: AbortSignal): Promise<void> {
    // From here on a failure is an error (backoff), never "unschedulable".
    this.#queue.done(assumed.key);
    // PreBind only for pods a PreBind plugin did not skip (VolumeBinding: pods with claims).
    const preBind = this.#fw.runPreBind(state, assumed, host, signal);
    const s = (preBind === null ? null : await preBind) ?? (await this.#fw.runBind(state, assumed, host, signal));
    this.#cache.finishBinding(assumed.uid);
    if (s === null) {
      this.#stats.scheduled++;
      this.#recorder.event(assumed.pod, 'Normal', 'Scheduled', `Successfully assigned ${assumed.namespace}/${assumed.name} to ${host}`);
      return;
    }
    this.#fw.runUnreserve(state, assumed, host);
    this.#cache.forgetPod(assumed);
    // Forgetting frees the room the pod held: as if an assigned pod were deleted.
    this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.Delete, 'AssignedPodDelete', assumed), (p) => p.uid === assumed.uid);
    this.#handleFailure(qpi, s, undefined, { mode: 'override', nodeName: '' });
  }

  /** handleSchedulingFailure: event, condition, nomination, and back to the queue. */
  #handleFailure(qpi: QueuedPodInfo, status: Status, fit: FitError | undefined, nominating: NominatingInfo | undefined): void {
    const pod = qpi.podInfo;
    const reason = status.isRejected() ? 'Unschedulable' : 'SchedulerError';
    if (reason === 'Unschedulable') this.#stats.unschedulable++;
    else this.#stats.errors++;
    const message = status.message();
    qpi.unschedulablePlugins = fit ? new Set(fit.diagnosis.unschedulablePlugins) : new Set();
    const current = this.#pods.lister.get(pod.namespace, pod.name);
    const live = current && current.metadata.uid === pod.uid ? current : undefined;
    if (!live || nodeNameOf(live) !== '') {
      // Gone, or bound meanwhile: nothing to retry.
      this.#queue.done(pod.key);
    } else {
      qpi.podInfo = this.#podInfo(live);
      this.#queue.addUnschedulableIfNotPresent(qpi);
    }
    this.#queue.addNominatedPod(qpi.podInfo, nominating);
    if (reason === 'Unschedulable') this.#log.debug({ pod: pod.key, reason: message }, 'unable to schedule pod; no fit; waiting');
    else this.#log.info({ pod: pod.key, err: message }, 'error scheduling pod; retrying');
    this.#recorder.event(pod.pod, 'Warning', 'FailedScheduling', truncateMessage(message));
    if (live && nodeNameOf(live) === '') this.#writeStatus(live, { type: 'PodScheduled', status: 'False', reason, message }, nominating);
  }

  /** updatePod: the PodScheduled condition and the nominated node, patched only when changed. */
  #writeStatus(pod: KubeObject, cond: { type: string; status: string; reason: string; message: string }, nominating: NominatingInfo | undefined): void {
    const status = isJsonObject(pod.status) ? pod.status : {};
    const conditions = Array.isArray(status.conditions) ? status.conditions : [];
    const old = conditions.find((c): c is JsonObject => isJsonObject(c) && c.type === cond.type);
    const currentNominated = typeof status.nominatedNodeName === 'string' ? status.nominatedNodeName : '';
    const nominatedChanged = nominating?.mode === 'override' && currentNominated !== nominating.nodeName;
    const transition = old && old.status === cond.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : rfc3339(this.#ctx.clock.now());
    const condChanged = !old || old.status !== cond.status || old.reason !== cond.reason || old.message !== cond.message || old.lastTransitionTime !== transition;
    if (!condChanged && !nominatedChanged) return;
    const patch: JsonObject = {};
    if (condChanged) patch.conditions = [{ type: cond.type, status: cond.status, lastProbeTime: null, lastTransitionTime: transition, reason: cond.reason, message: cond.message }];
    if (nominatedChanged) patch.nominatedNodeName = nominating.nodeName === '' ? null : nominating.nodeName;
    this.#patchStatus(pod, patch);
  }

  #patchStatus(pod: KubeObject, statusPatch: JsonObject): void {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const write = this.#ctx.client
      .patch(resources.pods, ns, name, 'strategic', { status: statusPatch }, { subresource: 'status', fieldManager: this.#o.fieldManager })
      .then(
        () => undefined,
        (e: unknown) => {
          if (!(e instanceof ApiError && e.code === 404)) this.#log.warn({ pod: `${ns}/${name}`, err: e instanceof Error ? e.message : String(e) }, 'could not update pod status');
        },
      );
    this.#statusWrites.add(write);
    void write.finally(() => this.#statusWrites.delete(write));
  }

  // ---- informer events ----

  #podInfo(pod: KubeObject): PodInfo {
    let p = this.#infos.get(pod);
    if (!p) this.#infos.set(pod, (p = newPodInfo(pod)));
    return p;
  }

  /** Bound and still running: the pod takes room on its node. */
  #isAssigned(pod: KubeObject): boolean {
    if (nodeNameOf(pod) === '') return false;
    const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
    return phase !== 'Succeeded' && phase !== 'Failed';
  }

  /** Pending, ours, and not finished. */
  #isOurs(pod: KubeObject): boolean {
    if (nodeNameOf(pod) !== '') return false;
    const spec = isJsonObject(pod.spec) ? pod.spec : {};
    const name = typeof spec.schedulerName === 'string' && spec.schedulerName !== '' ? spec.schedulerName : DEFAULT_SCHEDULER_NAME;
    if (name !== this.name) return false;
    const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
    return phase !== 'Succeeded' && phase !== 'Failed';
  }

  #onPodAdd(pod: KubeObject): void {
    if (this.#isAssigned(pod)) {
      const p = this.#podInfo(pod);
      this.#cache.addPod(p);
      this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.Add, 'AssignedPodAdd', p));
    } else if (this.#isOurs(pod)) {
      const p = this.#podInfo(pod);
      if (p.deleting) return;
      this.#queue.add(p);
    }
  }

  #onPodUpdate(old: KubeObject, pod: KubeObject): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return; // resync
    const wasAssigned = this.#isAssigned(old);
    const assigned = this.#isAssigned(pod);
    if (assigned) {
      const p = this.#podInfo(pod);
      this.#cache.updatePod(p);
      if (!wasAssigned) {
        if (this.#isOurs(old)) this.#queue.delete(this.#podInfo(old));
        this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.Add, 'AssignedPodAdd', p));
      } else if (!jsonEqual(old.metadata.labels, pod.metadata.labels)) {
        this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.UpdatePodLabel, 'AssignedPodUpdate', p));
      }
      return;
    }
    if (wasAssigned) {
      // Finished (Succeeded/Failed): its room is free.
      const gone = this.#podInfo(old);
      this.#cache.removePod(gone);
      this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.Delete, 'AssignedPodDelete', gone));
      return;
    }
    const ours = this.#isOurs(pod);
    if (!ours) {
      if (this.#isOurs(old)) this.#queue.delete(this.#podInfo(old));
      return;
    }
    const p = this.#podInfo(pod);
    if (this.#cache.isAssumed(p.uid)) return; // being bound; the binding will show up as assigned
    if (p.deleting) {
      this.#queue.delete(p);
      return;
    }
    if (this.#isOurs(old)) this.#queue.update(this.#podInfo(old), p);
    else this.#queue.add(p);
  }

  #onPodDelete(pod: KubeObject): void {
    const p = this.#podInfo(pod);
    if (this.#isAssigned(pod)) {
      this.#cache.removePod(p);
      this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.Delete, 'AssignedPodDelete', p));
      return;
    }
    if (this.#cache.isAssumed(p.uid)) {
      // Deleted while its binding was in flight: the binding fails; free the room now.
      const assumed = this.#cache.pod(p.uid);
      if (assumed) this.#cache.forgetPod(assumed);
      this.#queue.moveAllToActiveOrBackoffQueue(event('AssignedPod', ActionType.Delete, 'AssignedPodDelete', assumed));
    }
    this.#queue.delete(p);
  }

  #onNodeAdd(node: KubeObject): void {
    this.#cache.setNode(node);
    this.#queue.moveAllToActiveOrBackoffQueue(event('Node', ActionType.Add, 'NodeAdd', undefined, this.#cache.node(node.metadata.name ?? '')));
  }

  #onNodeUpdate(old: KubeObject, node: KubeObject): void {
    if (old.metadata.resourceVersion === node.metadata.resourceVersion) return;
    this.#cache.setNode(node);
    const actions = nodeChanges(old, node);
    if (actions !== 0) this.#queue.moveAllToActiveOrBackoffQueue(event('Node', actions, 'NodeUpdate', undefined, this.#cache.node(node.metadata.name ?? '')));
  }

  #onNodeDelete(node: KubeObject): void {
    this.#cache.removeNode(node.metadata.name ?? '');
    this.#queue.moveAllToActiveOrBackoffQueue(event('Node', ActionType.Delete, 'NodeDelete'));
  }
}

function event(resource: ClusterEvent['resource'], actions: number, label: string, pod?: PodInfo, node?: NodeInfo): ClusterEvent {
  return { resource, actions, label, ...(pod ? { pod } : {}), ...(node ? { node } : {}) };
}

function nodeNameOf(pod: KubeObject): string {
  const spec = pod.spec;
  return isJsonObject(spec) && typeof spec.nodeName === 'string' ? spec.nodeName : '';
}

/** nodeSchedulingPropertiesChange: which scheduling-relevant parts of a node changed. */
export function nodeChanges(old: KubeObject, node: KubeObject): number {
  const os = isJsonObject(old.spec) ? old.spec : {};
  const ns = isJsonObject(node.spec) ? node.spec : {};
  const ost = isJsonObject(old.status) ? old.status : {};
  const nst = isJsonObject(node.status) ? node.status : {};
  let a = 0;
  if ((os.unschedulable === true) !== (ns.unschedulable === true)) a |= ActionType.UpdateNodeTaint;
  if (!jsonEqual(ost.allocatable, nst.allocatable)) a |= ActionType.UpdateNodeAllocatable;
  if (!jsonEqual(old.metadata.labels, node.metadata.labels)) a |= ActionType.UpdateNodeLabel;
  if (!jsonEqual(os.taints, ns.taints)) a |= ActionType.UpdateNodeTaint;
  if (!jsonEqual(conditionStates(ost.conditions), conditionStates(nst.conditions))) a |= ActionType.UpdateNodeCondition;
  if (!jsonEqual(old.metadata.annotations, node.metadata.annotations)) a |= ActionType.UpdateNodeAnnotation;
  return a;
}

function conditionStates(conditions: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(conditions)) for (const c of conditions) if (isJsonObject(c) && typeof c.type === 'string') out[c.type] = c.status;
  return out;
}
