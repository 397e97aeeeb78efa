/**
 * The node lifecycle controller (upstream pkg/controller/nodelifecycle, events from
 * `node-controller`):
 *
 *  - Health monitor: every `nodeMonitorPeriodMs` it looks at every node. A node whose kubelet has
 *    renewed neither its Lease (kube-node-lease/<node>) nor its Ready condition's heartbeat within
 *    `nodeMonitorGracePeriodMs` (`nodeStartupGracePeriodMs` for a node that never posted a Ready
 *    condition) gets Ready, MemoryPressure, DiskPressure and PIDPressure set to Unknown with reason
 *    NodeStatusUnknown, "Kubelet stopped posting node status." (NodeStatusNeverUpdated, "Kubelet
 *    never posted node status." for conditions that were never posted). The monitor keeps its own
 *    probe timestamps, taken from the injected clock when it sees a change, so clock skew between
 *    kubelets and the control plane does not matter.
 *  - When a node's Ready condition leaves True: event NodeNotReady on the node ("Node x status is
 *    now: NodeNotReady"), and the Ready condition of its pods is set False (upstream
 *    MarkPodsNotReady, Warning event NodeNotReady "Node is not ready" on each pod).
 *  - NoExecute taints: a node observed with Ready=Unknown is queued for
 *    node.kubernetes.io/unreachable:NoExecute, Ready=False for node.kubernetes.io/not-ready:NoExecute
 *    (the two are swapped at once when the state flips); Ready=True removes both. Tainting is paced
 *    per zone by a token bucket (`evictionLimiterQps`, burst 1); a zone where ≥
 *    `unhealthyZoneThreshold` of nodes (and more than 2) are not ready slows to
 *    `secondaryEvictionLimiterQps` (0 for zones of ≤ `largeClusterThreshold` nodes), and when every
 *    zone is fully disrupted the controller stops tainting and removes these taints ("master
 *    disruption mode"), as upstream does. The taint-eviction controller acts on the taints.
 *  - NoSchedule taints mirror conditions (not-ready/unreachable from Ready, memory-, disk-,
 *    pid-pressure, network-unavailable) and `spec.unschedulable` (node.kubernetes.io/unschedulable),
 *    reconciled on every node change; the beta os/arch labels follow the stable ones.
 *  - Events RegisteredNode / RemovingNode ("Node x event: Registered Node x in Controller") when a
 *    node first appears in / disappears from the monitor's view.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { byNodeName, INDEX } from '../../informer/indexers.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';
import {
  nodeTaints,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  type Taint,
} from '../taint-eviction/tolerations.js';
import { nodeCondition, parallelize, swapNodeTaints, taintExists, zoneKey, type NodeCondition } from './node-util.js';
import { RateLimitedTimedQueue } from './rate-limited-queue.js';
import { innerSignal } from '../../util/abort.js';

export interface NodeLifecycleOptions {
  /** How often node health is checked (upstream --node-monitor-period, 5 s). */
  readonly nodeMonitorPeriodMs?: number;
  /** Silence after which a node is Unknown (upstream --node-monitor-grace-period: 50 s since 1.32, 40 s before). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** Grace for nodes that never posted a Ready condition (upstream 60 s). */
  readonly nodeStartupGracePeriodMs?: number;
  /** NoExecute taints per second per zone (upstream --node-eviction-rate, 0.1). */
  readonly evictionLimiterQps?: number;
  /** … in partially disrupted large zones (--secondary-node-eviction-rate, 0.01). */
  readonly secondaryEvictionLimiterQps?: number;
  /** Zones up to this size stop tainting when partially disrupted (--large-cluster-size-threshold, 50). */
  readonly largeClusterThreshold?: number;
  /** Share of not-ready nodes that makes a zone partially disrupted (--unhealthy-zone-threshold, 0.55). */
  readonly unhealthyZoneThreshold?: number;
  /** Concurrent node health updates per pass (upstream 8). */
  readonly workers?: number;
}

type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

interface ReadySnapshot {
  readonly status: string;
  readonly lastHeartbeatTime: string | undefined;
  readonly lastTransitionTime: string | undefined;
}

/** What the monitor last saw of a node (upstream nodeHealthData). */
interface NodeHealth {
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition as last observed (undefined: never posted). */
  ready: ReadySnapshot | undefined;
  /** The lease renewTime last observed (ms), if any. */
  leaseRenewTime: number | undefined;
}

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const UNREACHABLE_NO_EXECUTE = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' } as const;
const NOT_READY_NO_EXECUTE = { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' } as const;
const EXCLUDE_DISRUPTION_LABEL = 'node.kubernetes.io/exclude-disruption';
/** Conditions the monitor turns Unknown (NetworkUnavailable is the network's, not the kubelet's). */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** condition type → status → NoSchedule taint key (upstream nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};
const CONDITION_TAINT_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_PID_PRESSURE]);

/** Beta labels kept equal to the stable ones (upstream labelReconcileInfo). */
const LABEL_RECONCILE: readonly (readonly [string, string])[] = [
  ['kubernetes.io/os', 'beta.kubernetes.io/os'],
  ['kubernetes.io/arch', 'beta.kubernetes.io/arch'],
];

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  readonly #ctx: ControllerContext;
  readonly #o: Required<NodeLifecycleOptions>;
  readonly #recorder: EventRecorder;
  readonly #nodes: SharedInformer;
  readonly #leases: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #nodeQueue: WorkQueue<string>;
  readonly #podQueue: WorkQueue<string>;
  readonly #health = new Map<string, NodeHealth>();
  /** Nodes the monitor has seen, by name → uid (upstream knownNodeSet). */
  readonly #known = new Map<string, string>();
  readonly #zoneStates = new Map<string, ZoneState>();
  readonly #zoneTainters = new Map<string, RateLimitedTimedQueue>();
  /** Nodes whose pods still have to be marked not ready. */
  readonly #nodesToRetry = new Set<string>();
  #taintingTimer: { at: number; cancel: () => void } | undefined;
  #tainting: Promise<void> | undefined;
  #signal: AbortSignal | undefined;

  constructor(ctx: ControllerContext, options: NodeLifecycleOptions = {}) {
    this.#ctx = ctx;
    this.#o = {
      nodeMonitorPeriodMs: options.nodeMonitorPeriodMs ?? 5_000,
      nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodMs ?? 50_000,
      nodeStartupGracePeriodMs: options.nodeStartupGracePeriodMs ?? 60_000,
      evictionLimiterQps: options.evictionLimiterQps ?? 0.1,
      secondaryEvictionLimiterQps: options.secondaryEvictionLimiterQps ?? 0.01,
      largeClusterThreshold: options.largeClusterThreshold ?? 50,
      unhealthyZoneThreshold: options.unhealthyZoneThreshold ?? 0.55,
      workers: options.workers ?? 8,
    };
    this.#recorder = ctx.recorder('node-controller');
    this.#nodeQueue = newQueue(ctx.clock);
    this.#podQueue = newQueue(ctx.clock);
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#leases = ctx.informers.informer(resources.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.#pods = ctx.informers.informer(resources.pods);
    this.#pods.addIndexers({ [INDEX.nodeName]: byNodeName });
    this.#nodes.addEventHandler({
      onAdd: (n) => this.#nodeQueue.add(n.metadata.name ?? ''),
      onUpdate: (_o, n) => this.#nodeQueue.add(n.metadata.name ?? ''),
      onDelete: (n) => this.#nodesToRetry.delete(n.metadata.name ?? ''),
    });
    this.#pods.addEventHandler({
      onAdd: (p) => {
        if (nodeNameOf(p)) this.#podQueue.add(objectKey(p));
      },
      onUpdate: (o, p) => {
        const node = nodeNameOf(p);
        if (node && node !== nodeNameOf(o)) this.#podQueue.add(objectKey(p));
      },
    });
  }

  async run(outer: AbortSignal): Promise<void> {
    await Promise.all([this.#nodes.waitForSync(outer), this.#leases.waitForSync(outer), this.#pods.waitForSync(outer)]);
    if (outer.aborted) return;
    const { signal, release } = innerSignal(outer);
    this.#signal = signal;
    const logger = this.#ctx.logger;
    try {
      await Promise.all([
        runReconcileLoop({ name: `${this.name}-nodes`, queue: this.#nodeQueue, reconcile: (n) => this.#processNode(n), workers: 2, logger }, signal),
        runReconcileLoop({ name: `${this.name}-pods`, queue: this.#podQueue, reconcile: (k) => this.#processPod(k), workers: 2, logger }, signal),
        this.#monitorLoop(signal),
      ]);
    } finally {
      this.#taintingTimer?.cancel();
      this.#taintingTimer = undefined;
      await this.#tainting;
      release();
    }
  }

  /** One health pass every period, the next timed from the end of the last (wait.Until). */
  async #monitorLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.monitorNodeHealth();
      } catch (e) {
        this.#ctx.logger.error({ controller: this.name, err: e instanceof Error ? e.message : String(e) }, 'error monitoring node health');
      }
      await this.#ctx.clock.sleep(this.#o.nodeMonitorPeriodMs, signal).catch(() => undefined);
    }
  }

  /** One pass of the health monitor (exposed for tests). */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.#nodes.lister.list();
    const seen = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      seen.add(name);
      const zone = zoneKey(node);
      if (!this.#known.has(name)) {
        this.#recordNodeEvent(name, node.metadata.uid ?? '', 'RegisteredNode', `Registered Node ${name} in Controller`);
        this.#known.set(name, node.metadata.uid ?? '');
        this.#addZone(zone);
        await this.#markNodeAsReachable(node);
      } else this.#addZone(zone);
    }
    if (this.#known.size > seen.size) {
      for (const [name, uid] of [...this.#known]) {
        if (seen.has(name)) continue;
        this.#recordNodeEvent(name, uid, 'RemovingNode', `Removing Node ${name} from Controller`);
        this.#known.delete(name);
        this.#health.delete(name);
      }
    }

    const zoneConditions = new Map<string, (ReadySnapshot | undefined)[]>();
    await parallelize(nodes, this.#o.workers, async (listed) => {
      const name = listed.metadata.name ?? '';
      const result = await this.#updateNodeHealth(listed);
      if (!result) return;
      const { node, observed, current } = result;
      if (node.metadata.labels?.[EXCLUDE_DISRUPTION_LABEL] === undefined) {
        const zone = zoneKey(node);
        let list = zoneConditions.get(zone);
        if (!list) zoneConditions.set(zone, (list = []));
        list.push(current);
      }
      if (!current) {
        this.#nodesToRetry.delete(name);
        return;
      }
      await this.#processTaintBaseEviction(node, observed);
      const becameNotReady = current.status !== 'True' && observed.status === 'True';
      if (becameNotReady) this.#recorder.event(nodeRef(name, node.metadata.uid ?? ''), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      if (becameNotReady || (this.#nodesToRetry.has(name) && observed.status !== 'True')) {
        try {
          await this.#markPodsNotReady(this.#pods.lister.byIndex(INDEX.nodeName, name), name);
        } catch (e) {
          this.#ctx.logger.debug({ node: name, err: e instanceof Error ? e.message : String(e) }, 'unable to mark all pods NotReady; will retry');
          this.#nodesToRetry.add(name);
          return;
        }
      }
      this.#nodesToRetry.delete(name);
    });
    await this.#handleDisruption(zoneConditions, nodes);
    this.#kickTainting();
  }

  /**
   * tryUpdateNodeHealth: refreshes the probe timestamps from the node's Ready heartbeat and its
   * Lease, and posts Unknown conditions once the grace period has passed. Retries conflicts with a
   * fresh read. Returns the node as it now is, the Ready condition observed before the update (a
   * synthetic Unknown one if none was posted) and the current one; undefined if the node is gone.
   */
  async #updateNodeHealth(listed: KubeObject): Promise<{ node: KubeObject; observed: ReadySnapshot; current: ReadySnapshot | undefined } | undefined> {
    let node = listed;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return await this.#tryUpdateNodeHealth(node);
      } catch (e) {
        if (!(e instanceof ApiError) || (e.code !== 409 && e.code !== 404)) {
          this.#ctx.logger.warn({ node: listed.metadata.name, err: e instanceof Error ? e.message : String(e) }, 'updating node health failed');
        }
        try {
          node = await this.#ctx.client.get(resources.nodes, undefined, listed.metadata.name ?? '');
        } catch {
          return undefined;
        }
      }
    }
    this.#ctx.logger.warn({ node: listed.metadata.name }, 'update health of node failed; skipping (no pods will be evicted)');
    return undefined;
  }

  async #tryUpdateNodeHealth(node: KubeObject): Promise<{ node: KubeObject; observed: ReadySnapshot; current: ReadySnapshot | undefined }> {
    const name = node.metadata.name ?? '';
    const now = this.#ctx.clock.now();
    const created = Date.parse(node.metadata.creationTimestamp ?? '') || now;
    const currentReady = snapshot(nodeCondition(node, 'Ready'));
    let health = this.#health.get(name);
    let observed: ReadySnapshot;
    let grace: number;
    if (!currentReady) {
      // Never posted: pretend it was Unknown since creation, and give it the startup grace.
      observed = { status: 'Unknown', lastHeartbeatTime: node.metadata.creationTimestamp ?? undefined, lastTransitionTime: node.metadata.creationTimestamp ?? undefined };
      grace = this.#o.nodeStartupGracePeriodMs;
      if (health) health.ready = undefined;
      else health = { probeTimestamp: created, readyTransitionTimestamp: created, ready: undefined, leaseRenewTime: undefined };
    } else {
      observed = currentReady;
      grace = this.#o.nodeMonitorGracePeriodMs;
    }
    const saved = health?.ready;
    if (!health) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: currentReady, leaseRenewTime: undefined };
    } else if (!saved && currentReady) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: currentReady, leaseRenewTime: health.leaseRenewTime };
    } else if (saved && currentReady && saved.lastHeartbeatTime !== currentReady.lastHeartbeatTime) {
      const transition = saved.lastTransitionTime !== currentReady.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = { probeTimestamp: now, readyTransitionTimestamp: transition, ready: currentReady, leaseRenewTime: health.leaseRenewTime };
    }
    // A renewed lease counts as a heartbeat.
    const lease = this.#leases.lister.get(NODE_LEASE_NAMESPACE, name);
    const renew = lease && isJsonObject(lease.spec) && typeof lease.spec.renewTime === 'string' ? Date.parse(lease.spec.renewTime) : NaN;
    if (!Number.isNaN(renew) && (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)) {
      health.leaseRenewTime = renew;
      health.probeTimestamp = now;
    }
    this.#health.set(name, health);

    if (now <= health.probeTimestamp + grace) return { node, observed, current: currentReady };
    // Silent for longer than the grace period: the kubelet's conditions are no longer known.
    const stamp = rfc3339(now);
    const status: JsonObject = isJsonObject(node.status) ? { ...node.status } : {};
    const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject).map((c) => ({ ...c })) : [];
    for (const type of KUBELET_CONDITIONS) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp ?? null, lastTransitionTime: stamp });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = stamp;
      }
    }
    status.conditions = conditions;
    const updatedReady = conditions.find((c) => c.type === 'Ready');
    const current: ReadySnapshot = { status: String(updatedReady?.status ?? 'Unknown'), lastHeartbeatTime: strOrUndefined(updatedReady?.lastHeartbeatTime), lastTransitionTime: strOrUndefined(updatedReady?.lastTransitionTime) };
    if (sameReady(current, observed)) return { node, observed, current: currentReady ?? current };
    const written = await this.#ctx.client.update(resources.nodes, undefined, { ...node, status }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
    this.#health.set(name, { probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now, ready: current, leaseRenewTime: health.leaseRenewTime });
    return { node: written, observed, current };
  }

  async #processTaintBaseEviction(node: KubeObject, observed: ReadySnapshot): Promise<void> {
    const name = node.metadata.name ?? '';
    const now = this.#ctx.clock.now();
    const stamp = rfc3339(now);
    switch (observed.status) {
      case 'False':
        if (taintExists(node, UNREACHABLE_NO_EXECUTE)) {
          await this.#swap(node, [{ ...NOT_READY_NO_EXECUTE, value: '', timeAdded: stamp }], [UNREACHABLE_NO_EXECUTE]);
        } else this.#markNodeForTainting(node, 'False');
        break;
      case 'Unknown':
        if (taintExists(node, NOT_READY_NO_EXECUTE)) {
          await this.#swap(node, [{ ...UNREACHABLE_NO_EXECUTE, value: '', timeAdded: stamp }], [NOT_READY_NO_EXECUTE]);
        } else this.#markNodeForTainting(node, 'Unknown');
        break;
      case 'True':
        if (await this.#markNodeAsReachable(node)) this.#ctx.logger.debug({ node: name }, 'node is healthy again, removed all taints');
        break;
    }
  }

  #markNodeForTainting(node: KubeObject, status: 'False' | 'Unknown'): boolean {
    const name = node.metadata.name ?? '';
    const tainter = this.#addZone(zoneKey(node));
    if (status === 'False' && !taintExists(node, NOT_READY_NO_EXECUTE)) tainter.remove(name);
    if (status === 'Unknown' && !taintExists(node, UNREACHABLE_NO_EXECUTE)) tainter.remove(name);
    return tainter.add(name, node.metadata.uid ?? '', this.#ctx.clock.now());
  }

  /** Removes the NoExecute taints this controller owns; true if the node was queued for tainting. */
  async #markNodeAsReachable(node: KubeObject): Promise<boolean> {
    try {
      await this.#swap(node, [], [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE]);
    } catch (e) {
      this.#ctx.logger.warn({ node: node.metadata.name, err: e instanceof Error ? e.message : String(e) }, 'failed to remove taints from node');
      return false;
    }
    return this.#zoneTainters.get(zoneKey(node))?.remove(node.metadata.name ?? '') ?? false;
  }

  async #swap(node: KubeObject, add: Taint[], remove: readonly { key: string; effect: string }[]): Promise<boolean> {
    if (add.length === 0 && !remove.some((r) => taintExists(node, r))) return true;
    return swapNodeTaints(this.#ctx.client, node, add, remove, KUBE_CONTROLLER_MANAGER);
  }

  #addZone(zone: string): RateLimitedTimedQueue {
    let tainter = this.#zoneTainters.get(zone);
    if (!tainter) {
      this.#zoneStates.set(zone, 'Initial');
      tainter = new RateLimitedTimedQueue(this.#o.evictionLimiterQps, this.#ctx.clock.now());
      this.#zoneTainters.set(zone, tainter);
    }
    return tainter;
  }

  /** Runs the NoExecute tainting pass now (unless one is running) and re-arms its timer. */
  #kickTainting(): void {
    if (this.#tainting || this.#signal?.aborted) return;
    this.#tainting = this.#doNoExecuteTaintingPass()
      .catch((e: unknown) => this.#ctx.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'tainting pass failed'))
      .finally(() => {
        this.#tainting = undefined;
        this.#armTainting();
      });
  }

  /** Wakes the tainting pass when the next queued node may be processed (tokens, retry times). */
  #armTainting(): void {
    if (this.#signal?.aborted) return;
    const now = this.#ctx.clock.now();
    let at = Infinity;
    for (const q of this.#zoneTainters.values()) {
      if (q.length === 0) continue;
      at = Math.min(at, Math.max(q.nextProcessAt(), q.limiter.nextTokenAt(now)));
    }
    if (at === Infinity) return;
    // At most every 100 ms, as upstream's NodeEvictionPeriod.
    at = Math.max(at, now + 100);
    if (this.#taintingTimer && this.#taintingTimer.at <= at) return;
    this.#taintingTimer?.cancel();
    const cancel = this.#ctx.clock.setTimer(at - now, () => {
      this.#taintingTimer = undefined;
      this.#kickTainting();
    });
    this.#taintingTimer = { at, cancel };
  }

  async #doNoExecuteTaintingPass(): Promise<void> {
    for (const tainter of [...this.#zoneTainters.values()]) {
      await tainter.tryProcess(
        () => this.#ctx.clock.now(),
        async (v) => {
          const node = this.#nodes.lister.get(undefined, v.value);
          if (!node) return { ok: true };
          const ready = nodeCondition(node, 'Ready');
          if (!ready) return { ok: false, retryAfterMs: 50 };
          const stamp = rfc3339(this.#ctx.clock.now());
          // Unreachable and not-ready mirror the Ready condition, so they exclude each other.
          if (ready.status === 'False') return { ok: await this.#swapSafely(node, [{ ...NOT_READY_NO_EXECUTE, value: '', timeAdded: stamp }], [UNREACHABLE_NO_EXECUTE]) };
          if (ready.status === 'Unknown') return { ok: await this.#swapSafely(node, [{ ...UNREACHABLE_NO_EXECUTE, value: '', timeAdded: stamp }], [NOT_READY_NO_EXECUTE]) };
          return { ok: true };
        },
      );
    }
  }

  async #swapSafely(node: KubeObject, add: Taint[], remove: readonly { key: string; effect: string }[]): Promise<boolean> {
    try {
      return await swapNodeTaints(this.#ctx.client, node, add, remove, KUBE_CONTROLLER_MANAGER);
    } catch (e) {
      this.#ctx.logger.warn({ node: node.metadata.name, err: e instanceof Error ? e.message : String(e) }, 'unable to taint unresponsive node');
      return false;
    }
  }

  async #handleDisruption(zoneConditions: Map<string, (ReadySnapshot | undefined)[]>, nodes: readonly KubeObject[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const state = this.#computeZoneState(conds);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.#zoneStates.has(zone)) this.#zoneStates.set(zone, 'Initial');
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of [...this.#zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.#zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    const now = this.#ctx.clock.now();
    if (allAreFullyDisrupted) {
      this.#ctx.logger.info('controller detected that all Nodes are not-Ready; entering master disruption mode');
      for (const node of nodes) await this.#markNodeAsReachable(node);
      for (const zone of this.#zoneStates.keys()) {
        this.#zoneTainters.get(zone)?.limiter.setQps(0, now);
        this.#zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.#ctx.logger.info('controller detected that some Nodes are Ready; exiting master disruption mode');
      for (const node of nodes) {
        const h = this.#health.get(node.metadata.name ?? '');
        if (h) {
          h.probeTimestamp = now;
          h.readyTransitionTimestamp = now;
        }
      }
      for (const zone of this.#zoneStates.keys()) {
        const state = newStates.get(zone) ?? 'Normal';
        this.#setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, state);
        this.#zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, state] of [...this.#zoneStates]) {
      const next = newStates.get(zone) ?? state;
      if (next === state) continue;
      this.#ctx.logger.info({ zone, newState: next }, 'controller detected that zone is now in new state');
      this.#setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, next);
      this.#zoneStates.set(zone, next);
    }
  }

  #computeZoneState(conds: readonly (ReadySnapshot | undefined)[]): ZoneState {
    let ready = 0;
    let notReady = 0;
    for (const c of conds) {
      if (c?.status === 'True') ready++;
      else notReady++;
    }
    if (ready === 0 && notReady > 0) return 'FullDisruption';
    if (notReady > 2 && notReady / (notReady + ready) >= this.#o.unhealthyZoneThreshold) return 'PartialDisruption';
    return 'Normal';
  }

  #setLimiterInZone(zone: string, size: number, state: ZoneState): void {
    const limiter = this.#zoneTainters.get(zone)?.limiter;
    if (!limiter) return;
    const now = this.#ctx.clock.now();
    if (state === 'Normal' || state === 'FullDisruption') limiter.setQps(this.#o.evictionLimiterQps, now);
    else if (state === 'PartialDisruption') limiter.setQps(size > this.#o.largeClusterThreshold ? this.#o.secondaryEvictionLimiterQps : 0, now);
  }

  /** Sets the Ready condition of the node's pods False (upstream MarkPodsNotReady). */
  async #markPodsNotReady(pods: readonly KubeObject[], nodeName: string): Promise<void> {
    const errors: unknown[] = [];
    for (const pod of pods) {
      if (nodeNameOf(pod) !== nodeName) continue;
      const status = isJsonObject(pod.status) ? pod.status : {};
      const conditions = Array.isArray(status.conditions) ? status.conditions : [];
      const ready = conditions.find((c) => isJsonObject(c) && c.type === 'Ready');
      if (!isJsonObject(ready) || ready.status === 'False') continue;
      const updated = { ...ready, status: 'False', lastTransitionTime: rfc3339(this.#ctx.clock.now()) };
      try {
        await this.#ctx.client.update(resources.pods, pod.metadata.namespace, { ...pod, status: { ...status, conditions: conditions.map((c) => (c === ready ? updated : c)) } }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) continue;
        errors.push(e);
      }
      this.#recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (errors.length > 0) throw errors[0];
  }

  /** A pod newly bound to a node that is not ready is marked not ready at once (upstream processPod). */
  async #processPod(key: string): Promise<void> {
    const pod = this.#pods.lister.getByKey(key);
    if (!pod) return;
    const nodeName = nodeNameOf(pod);
    const health = this.#health.get(nodeName);
    if (!health?.ready) return;
    if (!this.#nodes.lister.get(undefined, nodeName)) throw new Error(`node ${nodeName} of pod ${key} is not known yet`);
    if (health.ready.status !== 'True') await this.#markPodsNotReady([pod], nodeName);
  }

  /** NoSchedule taints from conditions and spec.unschedulable, and the beta os/arch labels. */
  async #processNode(nodeName: string): Promise<void> {
    const node = this.#nodes.lister.get(undefined, nodeName);
    if (!node) return;
    const wanted: Taint[] = [];
    const status = isJsonObject(node.status) ? node.status : {};
    for (const c of Array.isArray(status.conditions) ? status.conditions : []) {
      if (!isJsonObject(c) || typeof c.type !== 'string' || typeof c.status !== 'string') continue;
      const key = CONDITION_TAINTS[c.type]?.[c.status];
      if (key) wanted.push({ key, value: '', effect: 'NoSchedule' });
    }
    if (isJsonObject(node.spec) && node.spec.unschedulable === true) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, value: '', effect: 'NoSchedule' });
    const existing = nodeTaints(node).filter((t) => t.effect === 'NoSchedule' && (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)));
    const toAdd = wanted.filter((w) => !existing.some((t) => t.key === w.key && t.effect === w.effect));
    const toDelete = existing.filter((t) => !wanted.some((w) => w.key === t.key && w.effect === t.effect));
    if (toAdd.length > 0 || toDelete.length > 0) {
      const stamp = rfc3339(this.#ctx.clock.now());
      await swapNodeTaints(this.#ctx.client, node, toAdd.map((t) => ({ ...t, timeAdded: stamp })), toDelete, KUBE_CONTROLLER_MANAGER);
    }
    const labels = node.metadata.labels ?? {};
    const labelUpdates: Record<string, string> = {};
    for (const [primary, secondary] of LABEL_RECONCILE) {
      const value = labels[primary];
      if (value !== undefined && labels[secondary] !== value) labelUpdates[secondary] = value;
    }
    if (Object.keys(labelUpdates).length > 0) {
      try {
        await this.#ctx.client.patch(resources.nodes, undefined, nodeName, 'merge', { metadata: { labels: labelUpdates } }, { fieldManager: KUBE_CONTROLLER_MANAGER });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }

  #recordNodeEvent(name: string, uid: string, reason: string, text: string): void {
    this.#recorder.event(nodeRef(name, uid), 'Normal', reason, `Node ${name} event: ${text}`);
  }
}

function snapshot(c: NodeCondition | undefined): ReadySnapshot | undefined {
  return c ? { status: c.status, lastHeartbeatTime: c.lastHeartbeatTime, lastTransitionTime: c.lastTransitionTime } : undefined;
}

function sameReady(a: ReadySnapshot, b: ReadySnapshot): boolean {
  return a.status === b.status && a.lastHeartbeatTime === b.lastHeartbeatTime && a.lastTransitionTime === b.lastTransitionTime;
}

function strOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function nodeNameOf(o: KubeObject): string {
  return isJsonObject(o.spec) && typeof o.spec.nodeName === 'string' ? o.spec.nodeName : '';
}

function nodeRef(name: string, uid: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid } };
}
