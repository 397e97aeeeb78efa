/**
 * The node side of a kubelet (pkg/kubelet/kubelet_node_status.go, pkg/kubelet/nodelease):
 *
 *  - register: create the Node (labels, taints, capacity, addresses, nodeInfo, conditions); if it
 *    exists (a restart, or a re-joined machine) adopt it, reconcile its labels, and post status;
 *    a failed attempt is retried with backoff (7 s cap) until it works or the signal aborts;
 *  - Lease `kube-node-lease/<node>`: renewed every 10 s (leaseDurationSeconds 40); after a failed
 *    renewal retried from 200 ms doubling up to the interval (upstream's onRepeatedHeartbeatFailure);
 *  - status: computed every 10 s (nodeStatusUpdateFrequency) and posted when it differs from the
 *    Node in the API (ignoring heartbeat times) or when 5 min (nodeStatusReportFrequency) passed
 *    since the last post — so a node-lifecycle controller's Ready=Unknown is overwritten within
 *    10 s of the kubelet being back;
 *  - events `Starting`, `NodeHasSufficientMemory` … `NodeReady`/`NodeNotReady` on changes.
 *
 * Readiness (Ready=True) needs a runtime that answers `version()` and whatever `readiness` adds;
 * pressure conditions come from the host probe against the eviction thresholds.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339Micro, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources, type Client } from '../../client/client.js';
import { ClientEventRecorder, type EventRecorder } from '../../events/event-recorder.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { Clock } from '../../util/clock.js';
import { nodeConditionEvents, type NodeConditionState } from '../status/node-conditions.js';
import type { HostFacts, HostProbe } from './host-info.js';
import { initialNode, nodeStatus, statusFingerprint, wellKnownLabels, type Taint } from './node-object.js';
import { DEFAULT_EVICTION_THRESHOLDS, observedPressure, PressureTracker, type EvictionThresholds } from './pressure.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const FIELD_MANAGER = 'kubelet';

export interface NodeStatusManagerConfig {
  readonly client: Client;
  readonly runtime: ContainerRuntime;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly host: HostProbe;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  /** The server's embedded agent (node-role labels). */
  readonly controlPlane?: boolean;
  readonly kubeletVersion: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly thresholds?: EvictionThresholds;
  readonly maxPods?: number;
  /** Extra readiness: a message when the kubelet is not ready for another reason (undefined: fine). */
  readonly readiness?: () => string | undefined;
  /** Upstream defaults: lease 40 s renewed every 10 s; status checked every 10 s, reported every 5 min. */
  readonly leaseDurationSeconds?: number;
  readonly leaseRenewIntervalMs?: number;
  readonly statusUpdateIntervalMs?: number;
  readonly statusReportIntervalMs?: number;
  /** Report node.status.images (default true). */
  readonly reportImages?: boolean;
  readonly recorder?: EventRecorder;
}

export class NodeStatusManager {
  readonly #c: NodeStatusManagerConfig;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #pressure: PressureTracker;
  readonly #thresholds: EvictionThresholds;
  #hostFacts: HostFacts | undefined;
  #runtimeVersion = '';
  #lastState: NodeConditionState | undefined;
  #lastPostAt = -Infinity;
  #uid = '';
  #registered = false;
  #nodeGone = false;
  #registeredWaiters: (() => void)[] = [];
  #wake: (() => void) | undefined;
  #heartbeats = { leases: 0, statusPosts: 0, failures: 0 };

  constructor(config: NodeStatusManagerConfig) {
    if (!config.nodeName) throw new Error('NodeStatusManager: nodeName is required');
    if (!config.nodeIp) throw new Error('NodeStatusManager: nodeIp is required');
    this.#c = config;
    this.#log = config.logger.child({ component: 'node-status', node: config.nodeName });
    this.#recorder = config.recorder ?? new ClientEventRecorder({ client: config.client, component: 'kubelet', host: config.nodeName, clock: config.clock, logger: this.#log });
    this.#pressure = new PressureTracker();
    this.#thresholds = config.thresholds ?? DEFAULT_EVICTION_THRESHOLDS;
  }

  get registered(): boolean {
    return this.#registered;
  }

  /** Counters for tests and debugging. */
  get heartbeats(): { readonly leases: number; readonly statusPosts: number; readonly failures: number } {
    return { ...this.#heartbeats };
  }

  /** Resolves once the Node exists and carries this kubelet's first status. */
  whenRegistered(signal?: AbortSignal): Promise<void> {
    if (this.#registered) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#registeredWaiters = this.#registeredWaiters.filter((w) => w !== done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('stopped before the node was registered'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#registeredWaiters.push(done);
    });
  }

  /** Asks for a status check now (e.g. the runtime came back), instead of at the next tick. */
  poke(): void {
    this.#wake?.();
  }

  /** Registers the node, then keeps the Lease and the status fresh until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.#registerUntilDone(signal);
    if (signal.aborted) return;
    await Promise.all([this.#leaseLoop(signal), this.#statusLoop(signal)]);
  }

  async #registerUntilDone(signal: AbortSignal): Promise<void> {
    let delay = 100;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.#register();
        return;
      } catch (e) {
        this.#heartbeats.failures++;
        if (attempt === 1 || attempt % 10 === 0) this.#log.warn({ err: errText(e), attempt }, 'unable to register the node with the API server; retrying');
      }
      try {
        await this.#c.clock.sleep(delay, signal);
      } catch {
        return;
      }
      delay = Math.min(7000, delay * 2);
    }
  }

  async #loadFacts(): Promise<HostFacts> {
    this.#hostFacts ??= this.#c.host.facts();
    if (!this.#runtimeVersion) {
      try {
        const v = await this.#c.runtime.version();
        this.#runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
      } catch {
        // registration goes on; the node is NotReady until the runtime answers
      }
    }
    return this.#hostFacts;
  }

  async #conditionState(): Promise<NodeConditionState> {
    let runtimeDown: string | undefined;
    try {
      const v = await this.#c.runtime.version();
      this.#runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    } catch (e) {
      runtimeDown = `container runtime is down: ${errText(e)}`;
    }
    const notReady = runtimeDown ?? this.#c.readiness?.();
    const facts = this.#hostFacts ?? this.#c.host.facts();
    let pressure = { memory: false, disk: false, pid: false };
    try {
      pressure = this.#pressure.update(observedPressure(this.#c.host.usage(), facts.pidMax, this.#thresholds), this.#c.clock.now());
    } catch (e) {
      this.#log.debug({ err: errText(e) }, 'cannot sample host usage');
    }
    return { ready: notReady === undefined, ...(notReady !== undefined ? { notReadyMessage: notReady } : {}), memoryPressure: pressure.memory, diskPressure: pressure.disk, pidPressure: pressure.pid };
  }

  async #status(state: NodeConditionState, current: KubeObject | undefined): Promise<JsonObject> {
    const facts = await this.#loadFacts();
    let images;
    if (this.#c.reportImages !== false && state.ready) {
      try {
        images = await this.#c.runtime.listImages();
      } catch {
        images = undefined;
      }
    }
    return nodeStatus(
      {
        name: this.#c.nodeName,
        facts,
        nodeIp: this.#c.nodeIp,
        kubeletVersion: this.#c.kubeletVersion,
        containerRuntimeVersion: this.#runtimeVersion,
        thresholds: this.#thresholds,
        ...(this.#c.maxPods !== undefined ? { maxPods: this.#c.maxPods } : {}),
        conditions: state,
        ...(images ? { images } : {}),
      },
      this.#c.clock.now(),
      current,
    );
  }

  async #register(): Promise<void> {
    const facts = await this.#loadFacts();
    const state = await this.#conditionState();
    const spec = {
      name: this.#c.nodeName,
      facts,
      nodeIp: this.#c.nodeIp,
      labels: this.#c.labels ?? {},
      taints: this.#c.taints ?? [],
      controlPlane: this.#c.controlPlane ?? false,
      kubeletVersion: this.#c.kubeletVersion,
      containerRuntimeVersion: this.#runtimeVersion,
    };
    let node: KubeObject;
    let adopted = false;
    try {
      node = await this.#c.client.create(resources.nodes, undefined, initialNode(spec, await this.#status(state, undefined)), { fieldManager: FIELD_MANAGER });
      this.#log.info('node registered');
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
      // The node exists (kubelet restart): upstream reconciles a few labels and keeps the rest.
      adopted = true;
      const existing = await this.#c.client.get(resources.nodes, undefined, this.#c.nodeName);
      const want = wellKnownLabels(spec);
      const have = existing.metadata.labels ?? {};
      const missing = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
      node = Object.keys(missing).length ? await this.#c.client.patch(resources.nodes, undefined, this.#c.nodeName, 'merge', { metadata: { labels: missing } }, { fieldManager: FIELD_MANAGER }) : existing;
      this.#log.info('node already registered; adopted it');
    }
    this.#uid = node.metadata.uid ?? '';
    const ref: KubeObject = { kind: 'Node', metadata: { name: this.#c.nodeName, uid: this.#c.nodeName } };
    this.#recorder.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
    if (adopted) await this.#postStatus(state, node);
    else {
      this.#lastPostAt = this.#c.clock.now();
      this.#heartbeats.statusPosts++;
    }
    this.#recordConditionEvents(undefined, state);
    this.#recorder.event(ref, 'Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    this.#lastState = state;
    await this.#renewLease();
    this.#registered = true;
    const waiters = this.#registeredWaiters;
    this.#registeredWaiters = [];
    for (const w of waiters) w();
  }

  #recordConditionEvents(before: NodeConditionState | undefined, after: NodeConditionState): void {
    const ref: KubeObject = { kind: 'Node', metadata: { name: this.#c.nodeName, uid: this.#c.nodeName } };
    for (const reason of nodeConditionEvents(before, after)) this.#recorder.event(ref, 'Normal', reason, `Node ${this.#c.nodeName} status is now: ${reason}`);
  }

  async #renewLease(): Promise<void> {
    const lease: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.#c.nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ...(this.#uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.#c.nodeName, uid: this.#uid }] } : {}),
      },
      spec: { holderIdentity: this.#c.nodeName, leaseDurationSeconds: this.#c.leaseDurationSeconds ?? 40, renewTime: rfc3339Micro(this.#c.clock.now()) },
    };
    // PUT creates the Lease when it is missing.
    await this.#c.client.update(resources.leases, NODE_LEASE_NAMESPACE, lease, { fieldManager: FIELD_MANAGER });
    this.#heartbeats.leases++;
  }

  async #leaseLoop(signal: AbortSignal): Promise<void> {
    const interval = this.#c.leaseRenewIntervalMs ?? 10_000;
    let wait = interval;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.#c.clock.sleep(wait, signal);
      } catch {
        return;
      }
      try {
        await this.#renewLease();
        if (failures > 0) this.#log.info({ failures }, 'node lease renewed again');
        failures = 0;
        wait = interval;
      } catch (e) {
        this.#heartbeats.failures++;
        failures++;
        if (failures === 1 || failures % 10 === 0) this.#log.warn({ err: errText(e), failures }, 'failed to renew the node lease; retrying');
        wait = Math.min(interval, 200 * 2 ** Math.min(failures - 1, 10));
      }
    }
  }

  async #statusLoop(signal: AbortSignal): Promise<void> {
    const interval = this.#c.statusUpdateIntervalMs ?? 10_000;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const cancel = this.#c.clock.setTimer(interval, () => finish());
        const finish = () => {
          cancel();
          signal.removeEventListener('abort', finish);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = finish;
        signal.addEventListener('abort', finish, { once: true });
      });
      if (signal.aborted) return;
      try {
        await this.syncStatus();
      } catch (e) {
        this.#heartbeats.failures++;
        this.#log.warn({ err: errText(e) }, 'error updating node status; will retry');
      }
    }
  }

  /**
   * One status check (upstream tryUpdateNodeStatus): post when something other than the
   * heartbeat times changed, or when the report interval passed. Exposed for tests.
   */
  async syncStatus(): Promise<boolean> {
    const state = await this.#conditionState();
    let current: KubeObject;
    try {
      current = await this.#c.client.get(resources.nodes, undefined, this.#c.nodeName);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        // As upstream's kubelet, no re-registration while running; said once, not every 10 s.
        if (!this.#nodeGone) this.#log.warn('the Node object is gone (deleted through the API); restart the agent to register it again');
        this.#nodeGone = true;
        return false;
      }
      throw e;
    }
    this.#nodeGone = false;
    const status = await this.#status(state, current);
    const currentStatus = isJsonObject(current.status) ? current.status : {};
    const changed = statusFingerprint(pickOwned(currentStatus, status)) !== statusFingerprint(status);
    const due = this.#c.clock.now() - this.#lastPostAt >= (this.#c.statusReportIntervalMs ?? 300_000);
    if (!changed && !due) return false;
    await this.#postStatus(state, current, status);
    return true;
  }

  async #postStatus(state: NodeConditionState, current: KubeObject, computed?: JsonObject): Promise<void> {
    const status = computed ?? (await this.#status(state, current));
    await this.#c.client.patch(resources.nodes, undefined, this.#c.nodeName, 'merge', { status }, { subresource: 'status', fieldManager: FIELD_MANAGER });
    this.#lastPostAt = this.#c.clock.now();
    this.#heartbeats.statusPosts++;
    this.#recordConditionEvents(this.#lastState, state);
    if (this.#lastState && this.#lastState.ready !== state.ready) this.#log.info({ ready: state.ready, message: state.notReadyMessage }, 'node readiness changed');
    this.#lastState = state;
  }
}

/** The fields of `status` the kubelet owns, as `current` has them (for comparison). */
function pickOwned(current: JsonObject, owned: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(owned)) if (current[k] !== undefined) out[k] = current[k];
  if (Array.isArray(current.conditions)) {
    // Conditions the kubelet does not own (set by others) are kept by nodeConditions and compared as such.
    out.conditions = current.conditions;
  }
  return out;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
