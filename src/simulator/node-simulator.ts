/**
 * NodeSimulator: N simulated nodes whose kubelets behave like real ones towards the API — in the
 * spirit of kubernetes-sigs/kwok — through the Client only (in the server, the in-process client,
 * so every write takes the real API path: validation, admission, watch).
 *
 * What each simulated kubelet does:
 *  - registers its Node (labels kubernetes.io/hostname|os|arch, type=kwok, lite.dev/simulated;
 *    capacity; addresses from the plan in sim-node.ts (podCIDR from node IPAM); nodeInfo with kubelet v1.32.0
 *    and runtime lite-sim://0.1; Ready conditions), adopting a Node that already exists;
 *  - renews its Lease kube-node-lease/<node> every `leaseRenewIntervalMs` and posts node status
 *    every `nodeStatusReportIntervalMs` and on change (resume, setNodeReady). Heartbeats of all
 *    nodes are spread over the interval and driven by one TimerHeap — one clock timer in all;
 *  - runs the pods bound to it (one shared pod informer indexed by node name): after the start
 *    delay they are Running with IPs, container statuses and conditions, Ready once their
 *    readiness delay passed; init containers complete first; run-to-completion pods exit
 *    (Succeeded/Failed) and crash-looping ones restart with back-off, as steered by the pod's
 *    lite.dev/sim-* annotations (sim-pod.ts); a pod being deleted is stopped after
 *    min(its grace period, `podStopDelayMs`) and then deleted with gracePeriodSeconds 0;
 *  - records the kubelet's events (Starting, NodeHasSufficientMemory …, NodeReady; Pulled,
 *    Created, Started, Killing, BackOff) when `events` is on.
 *
 * Test and chaos hooks: stop(node) / resume(node) end and restart one kubelet (no heartbeats, no
 * pod work — the node lifecycle controller then marks the node Unknown and taint eviction moves
 * its pods away); setNodeReady(node, false) makes the kubelet report Ready=False; deleteNode;
 * addNodes. stats() reports counters.
 *
 * Per-pod work is level-based: a work queue of pod keys, each sync comparing the status the
 * simulated kubelet wants with the pod's current status and writing only when they differ (with
 * the pod's resourceVersion, so a concurrent change is re-read, never overwritten).
 */
import type { Logger } from 'pino';
import { setMaxListeners } from 'node:events';
import { ApiError } from '../api/errors.js';
import { isJsonObject, rfc3339Micro, type JsonObject, type KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import type { Controller } from '../controllers/framework/controller.js';
import { newQueue, runReconcileLoop } from '../controllers/framework/controller.js';
import { ClientEventRecorder, type EventRecorder } from '../events/event-recorder.js';
import { byNodeName, INDEX } from '../informer/indexers.js';
import { InformerFactory } from '../informer/informer-factory.js';
import { objectKey, splitKey, type SharedInformer } from '../informer/shared-informer.js';
import type { Clock } from '../util/clock.js';
import type { WorkQueue } from '../workqueue/work-queue.js';
import { buildNode, DEFAULT_CAPACITY, kubeletConditions, MAX_SIM_NODES, nodeAddresses, type KubeletReady, type SimNodeTemplate } from './sim-node.js';
import { adoptPodState, advance, nextWake, podProgram, simulatedStatus, statusFingerprint, type PodSimState, type ProgramDefaults } from './sim-pod.js';
import { LocalPathCleaner } from '../kubelet/volumes/local-path-cleaner.js';
import type { KubeletConnection, KubeletResolverRegistry } from '../tunnel/kubelet-connection.js';
import { PodWatchers, SimKubelet } from './sim-kubelet.js';
import { TaskPool } from './task-pool.js';
import { TimerHeap, type TimerHandle } from './timer-heap.js';

export interface NodeSimulatorConfig {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Shared informers (pods, nodes). Pass the process's factory so the simulator shares the
   * controllers' caches; without one the simulator makes and runs its own.
   */
  readonly informers?: InformerFactory;
  /** Nodes registered at start (default 1, at most 30 000). */
  readonly count?: number;
  /** Node names are `<prefix><index>` (default `sim-node-`). */
  readonly namePrefix?: string;
  /** Capacity (= allocatable) per node, merged over cpu 32, memory 256Gi, pods 110, ephemeral-storage 1Ti. */
  readonly capacity?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly taints?: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
  readonly os?: string;
  readonly arch?: string;
  readonly kubeletVersion?: string;
  /** Register nodes with node.kubernetes.io/not-ready:NoSchedule (default true); the node lifecycle controller removes it. */
  readonly registerWithNotReadyTaint?: boolean;
  /** Lease renewal period (default 10 s, the kubelet's). */
  readonly leaseRenewIntervalMs?: number;
  readonly leaseDurationSeconds?: number;
  /**
   * Node status heartbeat period (default 5 minutes: the kubelet's nodeStatusReportFrequency,
   * since its Lease is the heartbeat the node lifecycle controller watches; changes are still
   * posted at once).
   */
  readonly nodeStatusReportIntervalMs?: number;
  /** [min, max] delay from binding to Running (default [500, 1000] ms); per pod, spread by its uid. */
  readonly podStartDelayMs?: readonly [number, number];
  /** Longest simulated container stop (default 1 s; the pod's grace period if shorter). */
  readonly podStopDelayMs?: number;
  /** Run time of Never/OnFailure pods without lite.dev/sim-duration (default 1 s). */
  readonly jobDurationMs?: number;
  /** Pod workers and concurrent heartbeat calls (default 32). */
  readonly concurrency?: number;
  /** Record kubelet events (default true; turn off for scale runs). */
  readonly events?: boolean;
  /**
   * Heartbeats and pod transitions fire on multiples of this many milliseconds (default 100), so
   * those due close together reach the API in one burst — one storage group commit for many
   * kubelets instead of one each. Each is up to this late; 0 fires each at its own time.
   */
  readonly timerQuantumMs?: number;
  /**
   * Where each node's simulated kubelet API is registered (the server's kubelet registry), so
   * `kubectl logs`, `exec`, `attach` and `port-forward` reach it as they reach a real kubelet
   * (sim-kubelet.ts). Without one the nodes have no kubelet API.
   */
  readonly kubelets?: KubeletResolverRegistry;
}

export interface NodeSimulatorStats {
  readonly nodes: number;
  readonly registered: number;
  readonly stopped: number;
  /** Pods the simulator tracks (bound to its nodes, not finished). */
  readonly pods: number;
  readonly runningPods: number;
  /** Live entries in the one timer heap (heartbeats and pod transitions). */
  readonly timers: number;
  readonly queuedPods: number;
  /** Pod syncs running now. */
  readonly podSyncsInFlight: number;
  /** Heartbeat and registration calls running or waiting. */
  readonly pendingApiCalls: number;
  readonly leaseRenewals: number;
  readonly nodeStatusPosts: number;
  readonly podStatusWrites: number;
  readonly podDeletions: number;
  readonly errors: number;
}

interface SimNode {
  readonly name: string;
  readonly index: number;
  readonly internalIp: string;
  readonly podNet: string;
  /** When the simulator added the node: its machine's start (the kubelet summary's node startTime). */
  readonly startedAt: number;
  uid: string;
  registered: boolean;
  registering: boolean;
  stopped: boolean;
  /** Stopped because the Node carries `lite.dev/sim-heartbeat: stopped` (resumed when it goes). */
  stoppedByAnnotation: boolean;
  deleted: boolean;
  ready: KubeletReady;
  /** Planned times of the next heartbeats (kept on a grid so they stay spread). */
  nextLeaseAt: number;
  nextStatusAt: number;
  leaseTimer: TimerHandle | undefined;
  statusTimer: TimerHandle | undefined;
  /** Pod IP slots in use (index = last octet); allocated on first use. */
  ips: Uint8Array | undefined;
  ipHint: number;
  recorder: EventRecorder | undefined;
  readonly leaseTick: NodeTick;
  readonly statusTick: NodeTick;
  readonly registerTick: NodeTick;
}

interface NodeTick {
  readonly kind: 'lease' | 'status' | 'register';
  readonly node: SimNode;
}

/** Timer heap values: a pod key, or a node heartbeat. */
type Tick = string | NodeTick;

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const FIELD_MANAGER = 'kubelet';
const RETRY_MS = 1000;
/** Node annotation that stops (value `stopped`) a simulated kubelet; removing it resumes it. */
export const HEARTBEAT_ANNOTATION = 'lite.dev/sim-heartbeat';

export class NodeSimulator implements Controller {
  readonly name = 'node-simulator';
  readonly #c: NodeSimulatorConfig;
  readonly #client: Client;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #template: SimNodeTemplate;
  readonly #programDefaults: ProgramDefaults;
  readonly #leaseIntervalMs: number;
  readonly #statusIntervalMs: number;
  readonly #stopDelayMs: number;
  readonly #events: boolean;
  readonly #informers: InformerFactory;
  readonly #ownInformers: boolean;
  readonly #podInformer: SharedInformer;
  readonly #nodeInformer: SharedInformer;
  readonly #nodes = new Map<string, SimNode>();
  /** Local-path volumes of our nodes lose their clean-up finalizer (there is no directory). */
  readonly #volumeCleaner: LocalPathCleaner;
  readonly #pods = new Map<string, PodSimState>();
  /** `kubectl logs -f` streams of the simulated kubelets, woken by pod changes. */
  readonly #watchers = new PodWatchers();
  readonly #heap: TimerHeap<Tick>;
  readonly #api: TaskPool;
  readonly #queue: WorkQueue<string>;
  #nextIndex = 0;
  #syncing = 0;
  #signal: AbortSignal | undefined;
  readonly #registered: Promise<void>;
  #registeredDone: () => void = () => {};
  readonly #counters = { leaseRenewals: 0, nodeStatusPosts: 0, podStatusWrites: 0, podDeletions: 0, errors: 0 };

  constructor(config: NodeSimulatorConfig) {
    const count = config.count ?? 1;
    if (!Number.isInteger(count) || count < 0 || count > MAX_SIM_NODES) throw new Error(`node simulator: count must be an integer in [0, ${MAX_SIM_NODES}], got ${count}`);
    const prefix = config.namePrefix ?? 'sim-node-';
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9-])?$/.test(prefix)) throw new Error(`node simulator: invalid node name prefix ${JSON.stringify(prefix)}`);
    const [min, max] = config.podStartDelayMs ?? [500, 1000];
    if (!(min >= 0 && max >= min)) throw new Error('node simulator: podStartDelayMs must be [min, max] with 0 ≤ min ≤ max');
    for (const [k, v] of [
      ['leaseRenewIntervalMs', config.leaseRenewIntervalMs],
      ['nodeStatusReportIntervalMs', config.nodeStatusReportIntervalMs],
    ] as const) {
      if (v !== undefined && !(v > 0)) throw new Error(`node simulator: ${k} must be positive`);
    }
    this.#c = { ...config, count, namePrefix: prefix };
    this.#client = config.client;
    this.#clock = config.clock;
    this.#log = config.logger.child({ component: this.name });
    this.#template = {
      capacity: { ...DEFAULT_CAPACITY, ...(config.capacity ?? {}) },
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
      taints: (config.taints ?? []).map((t) => (t.value ? { key: t.key, value: t.value, effect: t.effect } : { key: t.key, effect: t.effect })),
      os: config.os ?? 'linux',
      arch: config.arch ?? 'amd64',
      kubeletVersion: config.kubeletVersion ?? 'v1.32.0',
      containerRuntimeVersion: 'lite-sim://0.1',
      kernelVersion: '6.1.0-lite-sim',
      osImage: 'lite simulated node',
      registerWithNotReadyTaint: config.registerWithNotReadyTaint ?? true,
    };
    this.#programDefaults = { startDelayMs: [min, max], jobDurationMs: config.jobDurationMs ?? 1000 };
    this.#leaseIntervalMs = config.leaseRenewIntervalMs ?? 10_000;
    this.#statusIntervalMs = config.nodeStatusReportIntervalMs ?? 300_000;
    this.#stopDelayMs = config.podStopDelayMs ?? 1000;
    this.#events = config.events ?? true;
    this.#ownInformers = !config.informers;
    this.#informers = config.informers ?? new InformerFactory({ client: config.client, clock: config.clock, logger: this.#log });
    this.#podInformer = this.#informers.informer(resources.pods);
    this.#podInformer.addIndexers({ [INDEX.nodeName]: byNodeName });
    this.#nodeInformer = this.#informers.informer(resources.nodes);
    const concurrency = Math.max(1, config.concurrency ?? 32);
    this.#api = new TaskPool(concurrency);
    this.#queue = newQueue(config.clock);
    this.#heap = new TimerHeap<Tick>({ clock: config.clock, onDue: (ticks) => this.#onDue(ticks), quantumMs: config.timerQuantumMs ?? 100 });
    this.#registered = new Promise((resolve) => (this.#registeredDone = resolve));
    for (let i = 0; i < count; i++) this.#addSimNode();
    this.#podInformer.addEventHandler({
      onAdd: (p) => this.#podChanged(p),
      onUpdate: (_o, p) => {
        this.#podChanged(p);
        if (this.#watchers.size) this.#watchers.notify(objectKey(p));
      },
      onDelete: (p) => {
        if (this.#pods.has(objectKey(p))) this.#queue.add(objectKey(p));
        if (this.#watchers.size) this.#watchers.notify(objectKey(p));
      },
    });
    this.#nodeInformer.addEventHandler({
      onUpdate: (_o, n) => this.#nodeChanged(n),
      onDelete: (n) => {
        const node = this.#nodes.get(n.metadata.name ?? '');
        if (node?.registered && node.uid === n.metadata.uid) this.#forgetNode(node, 'deleted');
      },
    });
    this.#volumeCleaner = new LocalPathCleaner({ client: this.#client, informers: this.#informers, clock: this.#clock, logger: this.#log, ownsNode: (n) => this.#nodes.has(n) });
  }

  /** Registers the nodes, then runs the kubelets until the signal aborts. */
  async run(outer: AbortSignal): Promise<void> {
    if (this.#ownInformers) this.#informers.start(outer);
    await Promise.all([this.#podInformer.waitForSync(outer), this.#nodeInformer.waitForSync(outer)]);
    if (outer.aborted) {
      this.#registeredDone();
      return;
    }
    const { signal, release } = innerSignal(outer);
    this.#signal = signal;
    const loop = runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#countedSync(key), workers: this.#c.concurrency ?? 32, logger: this.#log }, signal);
    const cleaning = this.#volumeCleaner.run(signal);
    const unregisterKubelets = this.#c.kubelets?.registerResolver((name) => this.#kubeletFor(name));
    void this.#registerAll([...this.#nodes.values()]).then(this.#registeredDone);
    try {
      await loop;
      await cleaning;
    } finally {
      this.#heap.stop();
      unregisterKubelets?.();
      this.#watchers.notifyAll();
      await this.#api.idle();
      release();
      if (this.#ownInformers) await this.#informers.stopped();
    }
  }

  /** Resolves once every node configured at start has been registered (or given up on). */
  whenRegistered(): Promise<void> {
    return this.#registered;
  }

  /** Names of the simulated nodes. */
  nodeNames(): string[] {
    return [...this.#nodes.keys()];
  }

  /** Registers `count` more nodes; resolves with their names once registered. */
  async addNodes(count: number): Promise<string[]> {
    if (!Number.isInteger(count) || count < 0 || this.#nodes.size + count > MAX_SIM_NODES) throw new Error(`node simulator: cannot add ${count} nodes`);
    const added = Array.from({ length: count }, () => this.#addSimNode());
    if (this.#signal) await this.#registerAll(added);
    return added.map((n) => n.name);
  }

  /** Stops one kubelet: no lease renewals, no status, no pod work, until resume(). */
  stop(nodeName: string): void {
    const node = this.#node(nodeName);
    node.stopped = true;
    this.#heap.cancel(node.leaseTimer);
    this.#heap.cancel(node.statusTimer);
    node.leaseTimer = node.statusTimer = undefined;
    // Its kubelet API goes down with it: log streams it was following end.
    this.#watchers.notifyAll();
  }

  /** Restarts a stopped kubelet: heartbeats at once, then on its schedule; its pods are synced. */
  resume(nodeName: string): void {
    const node = this.#node(nodeName);
    if (!node.stopped) return;
    node.stopped = false;
    if (!node.registered) {
      // A registration retry cancelled by stop() is picked up again.
      if (!node.leaseTimer && !node.registering && this.#signal) node.leaseTimer = this.#heap.schedule(this.#clock.now(), node.registerTick);
      return;
    }
    node.nextStatusAt = this.#clock.now();
    this.#renewLease(node, true);
    this.#postStatus(node);
    this.#enqueueNodePods(nodeName);
  }

  /** Makes the kubelet report Ready=False (true: Ready again), posting status at once. */
  setNodeReady(nodeName: string, ready: boolean): void {
    const node = this.#node(nodeName);
    const next: KubeletReady = ready ? 'True' : 'False';
    if (node.ready === next) return;
    node.ready = next;
    if (node.registered && !node.stopped) {
      this.#heap.cancel(node.statusTimer);
      node.statusTimer = undefined;
      node.nextStatusAt = this.#clock.now();
      this.#postStatus(node);
    }
  }

  /** Stops a kubelet for good and deletes its Node (its Lease goes with the garbage collector). */
  async deleteNode(nodeName: string): Promise<void> {
    this.#forgetNode(this.#node(nodeName), 'deleteNode');
    try {
      await this.#client.delete(resources.nodes, undefined, nodeName);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  /** Work in hand now: API calls running or waiting, pod keys queued or being synced (cheap; for tests and readiness checks). */
  pendingWork(): number {
    return this.#api.pending + this.#queue.length + this.#syncing;
  }

  /** Counters and sizes (walks nodes and pods: call it now and then, not per event). */
  stats(): NodeSimulatorStats {
    let registered = 0;
    let stopped = 0;
    for (const n of this.#nodes.values()) {
      if (n.registered) registered++;
      if (n.stopped) stopped++;
    }
    let running = 0;
    for (const st of this.#pods.values()) if (st.stage === 'running' || st.stage === 'backoff') running++;
    return {
      nodes: this.#nodes.size,
      registered,
      stopped,
      pods: this.#pods.size,
      runningPods: running,
      timers: this.#heap.size,
      queuedPods: this.#queue.length,
      podSyncsInFlight: this.#syncing,
      pendingApiCalls: this.#api.pending,
      ...this.#counters,
    };
  }

  // ---- nodes ------------------------------------------------------------------------------------

  #node(name: string): SimNode {
    const node = this.#nodes.get(name);
    if (!node) throw new Error(`node simulator: no simulated node ${name}`);
    return node;
  }

  #addSimNode(): SimNode {
    const index = this.#nextIndex++;
    const name = `${this.#c.namePrefix ?? ''}${index}`;
    const addr = nodeAddresses(index);
    const node = { name, index, internalIp: addr.internalIp, podNet: addr.podNet, startedAt: this.#clock.now(), uid: '', registered: false, registering: false, stopped: false, stoppedByAnnotation: false, deleted: false, ready: 'True', nextLeaseAt: 0, nextStatusAt: 0, leaseTimer: undefined, statusTimer: undefined, ips: undefined, ipHint: 2, recorder: undefined } as Omit<SimNode, 'leaseTick' | 'statusTick' | 'registerTick'> as SimNode;
    Object.assign(node, { leaseTick: { kind: 'lease', node }, statusTick: { kind: 'status', node }, registerTick: { kind: 'register', node } });
    this.#nodes.set(name, node);
    return node;
  }

  /** The kubelet API of one of our nodes, made per request (sim-kubelet.ts); undefined for others. */
  #kubeletFor(name: string): KubeletConnection | undefined {
    const node = this.#nodes.get(name);
    if (!node || node.deleted) return undefined;
    return new SimKubelet({
      nodeName: name,
      getPod: (key) => this.#podInformer.lister.getByKey(key),
      listPods: () => this.#podInformer.lister.byIndex(INDEX.nodeName, name),
      getNode: () => this.#nodeInformer.lister.get(undefined, name),
      startedAt: node.startedAt,
      watchers: this.#watchers,
      unreachable: () => (node.stopped ? `the kubelet of simulated node "${name}" is stopped${node.stoppedByAnnotation ? ` (node annotation ${HEARTBEAT_ANNOTATION}=stopped)` : ''}` : undefined),
      clock: this.#clock,
      logger: this.#log,
    });
  }

  async #registerAll(nodes: readonly SimNode[]): Promise<void> {
    await Promise.all(nodes.map((n) => new Promise<void>((resolve) => this.#api.run(() => this.#register(n).finally(resolve)))));
  }

  /** Creates (or adopts) the Node, then starts its heartbeats. A failure retries after a second. */
  async #register(node: SimNode): Promise<void> {
    if (node.deleted || node.registered || node.registering || this.#signal?.aborted) return;
    node.registering = true;
    const now = this.#clock.now();
    try {
      const obj = buildNode(node.name, node.index, this.#template, now);
      let created: KubeObject;
      let adopted = false;
      try {
        created = await this.#client.create(resources.nodes, undefined, obj, { fieldManager: FIELD_MANAGER });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
        created = await this.#client.get(resources.nodes, undefined, node.name);
        adopted = true;
      }
      node.uid = created.metadata.uid ?? '';
      node.registered = true;
      if (this.#events) this.#recordRegistration(node);
      if (node.stopped) return;
      // A server restarted with nodes the user had stopped keeps them stopped.
      if (adopted && this.#followHeartbeatAnnotation(node, created)) return;
      node.nextStatusAt = adopted ? now : now + spread(node.index, this.#statusIntervalMs);
      await this.#renewLeaseNow(node, true);
      if (adopted) await this.#postStatusNow(node);
      else this.#scheduleStatus(node);
      this.#enqueueNodePods(node.name);
    } catch (e) {
      this.#counters.errors++;
      this.#log.warn({ node: node.name, err: e instanceof Error ? e.message : String(e) }, 'node registration failed; retrying');
      if (!node.stopped) node.leaseTimer = this.#heap.schedule(this.#clock.now() + RETRY_MS, node.registerTick);
    } finally {
      node.registering = false;
    }
  }

  #recordRegistration(node: SimNode): void {
    const ref = nodeRef(node.name);
    const r = this.#recorder(node);
    r.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
    for (const s of ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']) r.event(ref, 'Normal', s, `Node ${node.name} status is now: ${s}`);
    r.event(ref, 'Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    if (node.ready === 'True') r.event(ref, 'Normal', 'NodeReady', `Node ${node.name} status is now: NodeReady`);
  }

  #recorder(node: SimNode): EventRecorder {
    node.recorder ??= new ClientEventRecorder({ client: this.#client, component: 'kubelet', host: node.name, clock: this.#clock, logger: this.#log });
    return node.recorder;
  }

  #onDue(ticks: Tick[]): void {
    for (const t of ticks) {
      if (typeof t === 'string') {
        const st = this.#pods.get(t);
        if (st) {
          st.timer = undefined;
          st.timerAt = Infinity;
        }
        this.#queue.add(t);
        continue;
      }
      const node = t.node;
      if (node.deleted) continue;
      if (t.kind === 'register') {
        node.leaseTimer = undefined;
        this.#api.run(() => this.#register(node));
      } else if (t.kind === 'lease') {
        node.leaseTimer = undefined;
        this.#renewLease(node);
      } else {
        node.statusTimer = undefined;
        this.#postStatus(node);
      }
    }
  }

  #renewLease(node: SimNode, first = false): void {
    this.#api.run(() => this.#renewLeaseNow(node, first));
  }

  /**
   * Writes the Lease (PUT creates it when missing) and schedules the next renewal: after the
   * first one (registration, resume) at a node-specific offset, which spreads the nodes over the
   * interval, then every interval on that grid.
   */
  async #renewLeaseNow(node: SimNode, first = false): Promise<void> {
    if (node.stopped || node.deleted || !node.registered) return;
    const lease: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: node.name, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }] },
      spec: { holderIdentity: node.name, leaseDurationSeconds: this.#c.leaseDurationSeconds ?? 40, renewTime: rfc3339Micro(this.#clock.now()) },
    };
    let ok = true;
    try {
      await this.#client.update(resources.leases, NODE_LEASE_NAMESPACE, lease, { fieldManager: FIELD_MANAGER });
      this.#counters.leaseRenewals++;
    } catch (e) {
      ok = false;
      this.#counters.errors++;
      this.#log.debug({ node: node.name, err: e instanceof Error ? e.message : String(e) }, 'lease renewal failed');
    }
    if (node.stopped || node.deleted || node.leaseTimer) return;
    const now = this.#clock.now();
    if (!ok) {
      node.leaseTimer = this.#heap.schedule(now + RETRY_MS, node.leaseTick);
      return;
    }
    node.nextLeaseAt = first ? now + (spread(node.index, this.#leaseIntervalMs) || this.#leaseIntervalMs) : node.nextLeaseAt + this.#leaseIntervalMs;
    if (node.nextLeaseAt <= now) node.nextLeaseAt = now + this.#leaseIntervalMs;
    node.leaseTimer = this.#heap.schedule(node.nextLeaseAt, node.leaseTick);
  }

  #postStatus(node: SimNode): void {
    this.#api.run(() => this.#postStatusNow(node));
  }

  /** Posts the kubelet's conditions (fresh heartbeats) and schedules the next post. */
  async #postStatusNow(node: SimNode): Promise<void> {
    if (node.stopped || node.deleted || !node.registered) return;
    const now = this.#clock.now();
    const current = this.#nodeInformer.lister.get(undefined, node.name);
    const before = current ? readyStatus(current) : undefined;
    const conditions = kubeletConditions(node.ready, now, current);
    let retry = false;
    try {
      await this.#client.patch(resources.nodes, undefined, node.name, 'merge', { status: { conditions } }, { subresource: 'status', fieldManager: FIELD_MANAGER });
      this.#counters.nodeStatusPosts++;
      if (this.#events && before !== node.ready) {
        const reason = node.ready === 'True' ? 'NodeReady' : 'NodeNotReady';
        this.#recorder(node).event(nodeRef(node.name), 'Normal', reason, `Node ${node.name} status is now: ${reason}`);
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        this.#forgetNode(node, 'not found');
        return;
      }
      this.#counters.errors++;
      retry = true;
      this.#log.debug({ node: node.name, err: e instanceof Error ? e.message : String(e) }, 'node status update failed');
    }
    if (node.stopped || node.deleted) return;
    if (retry) {
      this.#heap.cancel(node.statusTimer);
      node.statusTimer = this.#heap.schedule(this.#clock.now() + RETRY_MS, node.statusTick);
    } else this.#scheduleStatus(node);
  }

  /**
   * Someone deleted a simulated node's Node: its machine is gone too (a kubelet would fail its
   * status updates from now on). Its pods are left to the pod garbage collector.
   */
  #forgetNode(node: SimNode, why: string): void {
    if (node.deleted) return;
    this.#log.info({ node: node.name, why }, 'simulated node was deleted; stopping its kubelet');
    node.deleted = true;
    this.#heap.cancel(node.leaseTimer);
    this.#heap.cancel(node.statusTimer);
    node.leaseTimer = node.statusTimer = undefined;
    if (this.#nodes.get(node.name) === node) this.#nodes.delete(node.name);
    for (const [key, st] of this.#pods) if (st.nodeName === node.name) this.#drop(key, st);
  }

  /**
   * The kubelet checks its node every 10 s and posts status at once when the API's view differs
   * from its own (upstream tryUpdateNodeStatus) — e.g. after the node lifecycle controller marked
   * it Unknown: the post is brought forward to at most 10 s from now.
   */
  #nodeChanged(n: KubeObject): void {
    const node = this.#nodes.get(n.metadata.name ?? '');
    if (!node || !node.registered || node.deleted || node.uid !== n.metadata.uid) return;
    if (this.#followHeartbeatAnnotation(node, n) || node.stopped) return;
    const reported = readyStatus(n);
    if (reported === undefined || reported === node.ready) return;
    const soon = this.#clock.now() + 10_000;
    if (node.statusTimer && node.statusTimer.at <= soon) return;
    this.#heap.cancel(node.statusTimer);
    node.statusTimer = this.#heap.schedule(soon, node.statusTick);
  }

  /**
   * Users stop and restart a simulated kubelet with `kubectl annotate node <name>
   * lite.dev/sim-heartbeat=stopped` (and `lite.dev/sim-heartbeat-`), e.g. to watch the node
   * lifecycle controller mark it NotReady and taint eviction move its pods. True when this
   * changed the kubelet's state.
   */
  #followHeartbeatAnnotation(node: SimNode, n: KubeObject): boolean {
    const wantStopped = n.metadata.annotations?.[HEARTBEAT_ANNOTATION] === 'stopped';
    if (wantStopped && !node.stopped) {
      this.#log.info({ node: node.name }, `node annotated ${HEARTBEAT_ANNOTATION}=stopped: kubelet stops heartbeating`);
      this.stop(node.name);
      node.stoppedByAnnotation = true;
      return true;
    }
    if (!wantStopped && node.stoppedByAnnotation) {
      this.#log.info({ node: node.name }, `${HEARTBEAT_ANNOTATION} removed: kubelet resumes`);
      node.stoppedByAnnotation = false;
      this.resume(node.name);
      return true;
    }
    return false;
  }

  #scheduleStatus(node: SimNode): void {
    if (node.statusTimer) return;
    const now = this.#clock.now();
    while (node.nextStatusAt <= now) node.nextStatusAt += this.#statusIntervalMs;
    node.statusTimer = this.#heap.schedule(node.nextStatusAt, node.statusTick);
  }

  #enqueueNodePods(nodeName: string): void {
    for (const p of this.#podInformer.lister.byIndex(INDEX.nodeName, nodeName)) this.#queue.add(objectKey(p));
  }

  // ---- pods -------------------------------------------------------------------------------------

  #podChanged(pod: KubeObject): void {
    const node = isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : '';
    if (!node || !this.#nodes.has(node)) return;
    const key = objectKey(pod);
    // Our own status write coming back needs no work.
    const st = this.#pods.get(key);
    if (st && st.writtenRv !== undefined && st.writtenRv === pod.metadata.resourceVersion) return;
    this.#queue.add(key);
  }

  async #countedSync(key: string): Promise<void> {
    this.#syncing++;
    try {
      await this.#syncPod(key);
    } finally {
      this.#syncing--;
    }
  }

  async #syncPod(key: string): Promise<void> {
    const pod = this.#podInformer.lister.getByKey(key);
    let st = this.#pods.get(key);
    if (!pod) {
      if (st) this.#drop(key, st);
      return;
    }
    if (st && st.uid !== pod.metadata.uid) {
      this.#drop(key, st);
      st = undefined;
    }
    const nodeName = isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : '';
    const node = this.#nodes.get(nodeName);
    if (!node || node.deleted) {
      if (st) this.#drop(key, st);
      return;
    }
    // A stopped kubelet does nothing; resume() syncs its pods again.
    if (!node.registered || node.stopped) return;
    const now = this.#clock.now();
    const status = isJsonObject(pod.status) ? pod.status : {};
    const phase = status.phase;
    if (pod.metadata.deletionTimestamp) return this.#syncDeleting(key, pod, node, st, now);
    if (phase === 'Succeeded' || phase === 'Failed') {
      if (st) this.#drop(key, st);
      return;
    }
    if (!st) {
      st = adoptPodState(pod, nodeName, podProgram(pod, this.#programDefaults), now);
      if (!st) return;
      this.#pods.set(key, st);
    }
    advance(st, now);
    if (st.stage !== 'created' && !st.podIp && !this.#assignIp(pod, node, st)) {
      this.#log.warn({ pod: key, node: nodeName }, 'no free pod IP on node; retrying');
      this.#wake(key, st, now + RETRY_MS);
      return;
    }
    if (st.stage !== 'created') {
      const desired = simulatedStatus(pod, st, { hostIp: node.internalIp }, now);
      if (statusFingerprint(desired) !== statusFingerprint(status)) {
        const written = await this.#writeStatus(pod, desired);
        if (!written) return;
        st.writtenRv = written.metadata.resourceVersion;
        if (this.#events) this.#recordPodEvents(node, pod, st);
      }
    }
    if (st.stage === 'exited') {
      this.#drop(key, st);
      return;
    }
    const wake = nextWake(st, now);
    if (wake !== undefined) this.#wake(key, st, wake);
  }

  /**
   * A pod being deleted: the kubelet stops its containers (simulated: after min(grace, stop
   * delay)), reports them terminated, and deletes the pod with grace 0 (upstream kubelet's
   * status manager), which completes the deletion unless finalizers hold it.
   */
  async #syncDeleting(key: string, pod: KubeObject, node: SimNode, st: PodSimState | undefined, now: number): Promise<void> {
    if (pod.metadata.deletionGracePeriodSeconds === 0) {
      if (st) this.#drop(key, st);
      return;
    }
    if (!st) {
      st = adoptPodState(pod, node.name, podProgram(pod, this.#programDefaults), now);
      if (!st) return;
      this.#pods.set(key, st);
    }
    if (st.stopAt === undefined) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
      st.stopAt = now + Math.max(0, Math.min(graceMs, this.#stopDelayMs));
      advance(st, now);
      if (this.#events && (st.stage === 'running' || st.stage === 'backoff')) {
        for (const c of containerNames(pod)) this.#recorder(node).event(podRef(pod), 'Normal', 'Killing', `Stopping container ${c}`);
      }
    }
    if (now < st.stopAt) {
      this.#wake(key, st, st.stopAt);
      return;
    }
    const status = isJsonObject(pod.status) ? pod.status : {};
    const started = st.stage === 'running' || st.stage === 'backoff' || st.stage === 'exited';
    if (started && status.phase !== 'Succeeded' && status.phase !== 'Failed') {
      if (!(await this.#writeStatus(pod, simulatedStatus(pod, st, { hostIp: node.internalIp }, now, true)))) return;
    }
    const { namespace, name } = splitKey(key);
    try {
      await this.#client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      this.#counters.podDeletions++;
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
    this.#drop(key, st);
  }

  /** Writes a pod status with the pod's resourceVersion; undefined when the pod is gone. */
  async #writeStatus(pod: KubeObject, status: JsonObject): Promise<KubeObject | undefined> {
    // Only what a status write uses: the pod's identity, its resourceVersion (the precondition)
    // and the status; the API keeps everything else (as the kubelet's status patch touches only
    // the status).
    const m = pod.metadata;
    const body: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion }, status };
    try {
      const written = await this.#client.update(resources.pods, pod.metadata.namespace, body, { subresource: 'status', fieldManager: FIELD_MANAGER });
      this.#counters.podStatusWrites++;
      return written;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      this.#log.debug({ pod: objectKey(pod), err: e instanceof Error ? e.message : String(e) }, 'pod status write failed');
      // 409: the informer brings the newer pod and requeues it; the framework retries meanwhile.
      if (!(e instanceof ApiError && e.code === 409)) this.#counters.errors++;
      throw e;
    }
  }

  #recordPodEvents(node: SimNode, pod: KubeObject, st: PodSimState): void {
    const r = this.#recorder(node);
    const ref = podRef(pod);
    const spec = isJsonObject(pod.spec) ? pod.spec : {};
    const started = (c: JsonObject, pulled: boolean) => {
      if (pulled) r.event(ref, 'Normal', 'Pulled', `Container image "${String(c.image ?? '')}" already present on machine`);
      r.event(ref, 'Normal', 'Created', `Created container ${String(c.name ?? '')}`);
      r.event(ref, 'Normal', 'Started', `Started container ${String(c.name ?? '')}`);
    };
    if (st.stage !== 'created' && !st.announcedInit) {
      for (const c of Array.isArray(spec.initContainers) ? spec.initContainers.filter(isJsonObject) : []) started(c, true);
      st.announcedInit = true;
    }
    const run = st.restarts + 1;
    if (st.stage === 'running' && st.announcedRun < run) {
      for (const c of Array.isArray(spec.containers) ? spec.containers.filter(isJsonObject) : []) started(c, st.announcedRun === 0);
      st.announcedRun = run;
    }
    if (st.stage === 'backoff' && st.announcedBackoff < st.restarts) {
      for (const c of containerNames(pod)) r.event(ref, 'Warning', 'BackOff', `Back-off restarting failed container ${c} in pod ${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`);
      st.announcedBackoff = st.restarts;
    }
  }

  #wake(key: string, st: PodSimState, at: number): void {
    if (st.timer && st.timerAt <= at) return;
    this.#heap.cancel(st.timer);
    st.timer = this.#heap.schedule(at, key);
    st.timerAt = at;
  }

  #drop(key: string, st: PodSimState): void {
    this.#heap.cancel(st.timer);
    st.timer = undefined;
    if (st.ipSlot) {
      const node = this.#nodes.get(st.nodeName);
      if (node?.ips) node.ips[st.ipSlot] = 0;
      st.ipSlot = 0;
    }
    if (this.#pods.get(key) === st) this.#pods.delete(key);
  }

  /** Gives the pod an address from its node's /24 (the node's own for hostNetwork pods). */
  #assignIp(pod: KubeObject, node: SimNode, st: PodSimState): boolean {
    if (isJsonObject(pod.spec) && pod.spec.hostNetwork === true) {
      st.podIp = node.internalIp;
      return true;
    }
    const ips = (node.ips ??= new Uint8Array(256));
    const podNet = this.#podNet(node);
    // A pod adopted from an earlier run keeps its address.
    const status = isJsonObject(pod.status) ? pod.status : {};
    const existing = typeof status.podIP === 'string' && status.podIP.startsWith(`${podNet}.`) ? Number(status.podIP.slice(podNet.length + 1)) : 0;
    if (existing >= 2 && existing <= 254 && ips[existing] === 0) {
      ips[existing] = 1;
      st.ipSlot = existing;
      st.podIp = status.podIP as string;
      return true;
    }
    for (let i = 0; i < 253; i++) {
      const slot = 2 + ((node.ipHint - 2 + i) % 253);
      if (ips[slot] !== 0) continue;
      ips[slot] = 1;
      node.ipHint = slot + 1 > 254 ? 2 : slot + 1;
      st.ipSlot = slot;
      st.podIp = `${podNet}.${slot}`;
      return true;
    }
    return false;
  }

  /**
   * The first three octets of the node's pod range: the /24 the node IPAM controller assigned
   * (spec.podCIDR), else the simulator's own plan (a cluster CIDR too small for all simulated
   * nodes leaves some without a range).
   */
  #podNet(node: SimNode): string {
    const current = this.#nodeInformer.lister.get(undefined, node.name);
    const cidr = current && isJsonObject(current.spec) ? current.spec.podCIDR : undefined;
    const m = typeof cidr === 'string' ? /^(\d+\.\d+\.\d+)\.0\/24$/.exec(cidr) : null;
    return m ? (m[1] as string) : node.podNet;
  }
}

/** A node-specific offset in [0, interval): the golden-ratio sequence spreads nodes evenly. */
function spread(index: number, interval: number): number {
  return Math.floor(((index * 0.6180339887498949) % 1) * interval);
}

function readyStatus(node: KubeObject): string | undefined {
  const status = isJsonObject(node.status) ? node.status : undefined;
  const conditions = status && Array.isArray(status.conditions) ? status.conditions : [];
  const ready = conditions.find((c) => isJsonObject(c) && c.type === 'Ready');
  return isJsonObject(ready) && typeof ready.status === 'string' ? ready.status : undefined;
}

function containerNames(pod: KubeObject): string[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  return (Array.isArray(spec.containers) ? spec.containers : []).filter(isJsonObject).map((c) => String(c.name ?? ''));
}

/** Kubelet events name the node with its name as uid, as upstream's nodeRef does. */
function nodeRef(name: string): KubeObject {
  return { kind: 'Node', metadata: { name, uid: name } };
}

function podRef(pod: KubeObject): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion } };
}

/**
 * A signal that aborts with `outer`, for this component's many waiters (one listener on the
 * outer signal instead of one per worker; the inner one may have any number).
 */
function innerSignal(outer: AbortSignal): { signal: AbortSignal; release: () => void } {
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  const abort = () => inner.abort(outer.reason);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  return { signal: inner.signal, release: () => outer.removeEventListener('abort', abort) };
}
