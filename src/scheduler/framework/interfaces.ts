/**
 * The scheduling framework's extension points (kube-scheduler framework/interface.go), reduced
 * to what lite's plugins use. A plugin is one object implementing any subset of them; the
 * profile's plugin order is the order each extension point runs in.
 *
 * Contracts:
 *  - PreFilter, Filter, PreScore, Score and NormalizeScore are synchronous and run against the
 *    scheduler cache as it is at that moment (nothing else runs during a scheduling cycle);
 *    they must not keep references to NodeInfos beyond the cycle.
 *  - Filter returns null for "fits", a Status otherwise; it must not mutate the NodeInfo.
 *  - A PreFilter or PreScore returning Skip removes the plugin's Filter / Score for the cycle.
 *  - PostFilter, PreBind and Bind are asynchronous (API calls) and get the scheduler's AbortSignal.
 *  - PreBind runs in the binding cycle before Bind, only for plugins whose PreFilter did not
 *    return Skip (so pods a plugin has nothing to do for cost no PreBind call); a non-null
 *    status fails the binding (Unreserve, back to the queue). The binding cycle is started
 *    synchronously after Reserve, and PreBind runs synchronously up to its first await, before
 *    the next scheduling cycle: that prefix may assume things as Reserve would.
 */
import type { KubeObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from 'pino';
import type { NodeInfo } from './node-info.js';
import type { NamespaceLabels, PodInfo } from './pod-info.js';
import type { Status } from './status.js';

/** Per-cycle plugin state. Values with a `clone()` are copied when the state is (preemption). */
export class CycleState {
  readonly #data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose PreScore returned Skip. */
  readonly skipScore = new Set<string>();
  /** The Filter plugins left after PreFilter (computed once per cycle by the framework). */
  activeFilters: readonly SchedulerPlugin[] | undefined;

  read<T>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.#data.set(key, value);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.#data) c.#data.set(k, isCloneable(v) ? v.clone() : v);
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    c.activeFilters = this.activeFilters;
    return c;
  }
}

export interface Cloneable {
  clone(): unknown;
}

function isCloneable(v: unknown): v is Cloneable {
  return typeof v === 'object' && v !== null && typeof (v as { clone?: unknown }).clone === 'function';
}

/** Cluster changes that can make a rejected pod schedulable (framework.ClusterEvent). */
export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodTolerations: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  UpdatePodOther: 1 << 11,
  All: (1 << 12) - 1,
} as const;

export type EventResource = 'Node' | 'AssignedPod' | 'UnscheduledPod' | 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass' | 'Wildcard';

export interface ClusterEvent {
  readonly resource: EventResource;
  /** A bit set of ActionType values. */
  readonly actions: number;
  /** For logs and metrics, as upstream labels events (NodeAdd, AssignedPodDelete …). */
  readonly label: string;
  /** The pod the event is about (pod events), for queueing hints. */
  readonly pod?: PodInfo;
  /** The node the event is about (node add/update events), for queueing hints. */
  readonly node?: NodeInfo;
}

/** What a plugin listens to: a resource and the actions that may help pods it rejected. */
export interface ClusterEventInterest {
  readonly resource: EventResource;
  readonly actions: number;
  /**
   * QueueingHint: whether this event may make `pod` (which the plugin rejected) schedulable.
   * Without one, every matching event re-queues the pod.
   */
  readonly hint?: (pod: PodInfo, event: ClusterEvent) => boolean;
}

export interface PreFilterResult {
  /** Only these nodes can fit (undefined: all nodes). */
  readonly nodeNames?: ReadonlySet<string>;
  readonly status: Status | null;
}

export interface NominatingInfo {
  /** 'override' sets status.nominatedNodeName (to '' to clear it); 'noop' leaves it. */
  readonly mode: 'override' | 'noop';
  readonly nodeName: string;
}

export interface PostFilterResult {
  readonly nominating: NominatingInfo | undefined;
  readonly status: Status | null;
}

/** Node → Status of the nodes that did not pass Filter, plus a status for nodes not looked at. */
export class NodeToStatus {
  readonly #statuses = new Map<string, Status>();
  /** The status of nodes absent from the map (PreFilter rejections, PreFilter node sets). */
  absentNodesStatus: Status | undefined;

  set(node: string, s: Status): void {
    this.#statuses.set(node, s);
  }

  get(node: string): Status | undefined {
    return this.#statuses.get(node) ?? this.absentNodesStatus;
  }

  get size(): number {
    return this.#statuses.size;
  }

  entries(): IterableIterator<[string, Status]> {
    return this.#statuses.entries();
  }

  /** Nodes whose status has the given code, absent nodes included (NodesForStatusCode). */
  nodesWithCode(nodes: readonly NodeInfo[], code: number): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const n of nodes) {
      const s = this.#statuses.get(n.name) ?? this.absentNodesStatus;
      if (s ? s.code === code : false) out.push(n);
    }
    return out;
  }
}

/** Read access to the scheduler's view of the cluster, for plugins. */
export interface ClusterView {
  /** Every node the cache knows (with a Node object), in a stable order. */
  nodes(): readonly NodeInfo[];
  node(name: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has (anti-)affinity terms. */
  nodesWithPodsWithAffinity(): Iterable<NodeInfo>;
  /** Nodes with at least one pod that has required anti-affinity terms. */
  nodesWithPodsWithRequiredAntiAffinity(): Iterable<NodeInfo>;
  /** How many nodes have the image (by a name it is known under). */
  imageNodeCount(image: string): number;
  namespaceLabels: NamespaceLabels;
}

/** Pods nominated to nodes (the nominator), for Filter-with-nominated-pods and preemption. */
export interface NominatedPods {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/**
 * The objects that select or own pods, from the informer caches: what PodTopologySpread's
 * default constraints derive their selector from (helper.DefaultSelector).
 */
export interface WorkloadListers {
  /** Services of the namespace. */
  services(namespace: string): readonly KubeObject[];
  replicationController(namespace: string, name: string): KubeObject | undefined;
  replicaSet(namespace: string, name: string): KubeObject | undefined;
  statefulSet(namespace: string, name: string): KubeObject | undefined;
}

/** Listers that know no objects (tests, profiles without default spreading). */
export const noWorkloads: WorkloadListers = {
  services: () => [],
  replicationController: () => undefined,
  replicaSet: () => undefined,
  statefulSet: () => undefined,
};

/** PersistentVolumeClaims, PersistentVolumes and StorageClasses from the informer caches (VolumeBinding). */
export interface VolumeListers {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  volumes(): readonly KubeObject[];
  storageClass(name: string): KubeObject | undefined;
  /** Calls `listener` after every claim or volume change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** Listers that know no volume objects (tests, profiles without VolumeBinding). */
export const noVolumes: VolumeListers = {
  claim: () => undefined,
  volume: () => undefined,
  volumes: () => [],
  storageClass: () => undefined,
  onChange: () => () => undefined,
};

/** What plugins get from the scheduler (framework.Handle). */
export interface FrameworkHandle {
  readonly client: Client;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cluster: ClusterView;
  readonly nominated: NominatedPods;
  readonly schedulerName: string;
  readonly fieldManager: string;
  /** PodDisruptionBudgets (for preemption); may be empty. */
  podDisruptionBudgets(): readonly KubeObject[];
  /** Services, RCs, ReplicaSets and StatefulSets (PodTopologySpread's default constraints). */
  readonly workloads: WorkloadListers;
  /** Claims, volumes and classes (VolumeBinding); absent: none. */
  readonly volumes?: VolumeListers;
  /** The current pod from the informer cache. */
  currentPod(namespace: string, name: string): KubeObject | undefined;
  /** Random number in [0, 1) (injectable for tests). */
  random(): number;
  /** Runs Filter (with nominated pods) of the whole profile: preemption's dry runs. */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  /** Runs the PreFilter extensions (AddPod / RemovePod) of the profile. */
  runPreFilterAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void;
  runPreFilterRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void;
}

export interface SchedulerPlugin {
  readonly name: string;
  /** Cluster events that may make pods this plugin rejected schedulable (EnqueueExtensions). */
  readonly events?: readonly ClusterEventInterest[];
  /** Gate before the pod enters the active queue (SchedulingGates). */
  preEnqueue?(pod: PodInfo): Status | null;
  preFilter?(state: CycleState, pod: PodInfo): PreFilterResult;
  /** PreFilterExtensions: keep PreFilter state right when a pod is added to / removed from a node. */
  addPod?(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void;
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  postFilter?(state: CycleState, pod: PodInfo, statuses: NodeToStatus, signal: AbortSignal): Promise<PostFilterResult>;
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (parallel to `nodes`) into 0…100. */
  normalizeScores?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): void;
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): Status | null;
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
  preBind?(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null>;
  bind?(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null>;
}

export const MAX_NODE_SCORE = 100;

/** helper.DefaultNormalizeScore: scale to 0…max by the highest score; `reverse` flips it. */
export function defaultNormalizeScore(scores: number[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let maxCount = 0;
  for (const s of scores) if (s > maxCount) maxCount = s;
  if (maxCount === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((max * scores[i]) / maxCount);
    if (reverse) s = max - s;
    scores[i] = s;
  }
}
