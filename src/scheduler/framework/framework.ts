/**
 * Runs a profile's plugins at each extension point (kube-scheduler frameworkImpl):
 *  - PreFilter: Skip removes the plugin's Filter for the cycle; a rejection stops the cycle;
 *    node-name results of several plugins are intersected;
 *  - Filter: plugins in order, the first rejection is the node's status;
 *  - Filter with nominated pods: when higher-or-equal priority pods are nominated to the node,
 *    the filters must pass both with them (on a copy of the node) and without them;
 *  - Score: per plugin, scores of all feasible nodes, normalized to 0…100, times the plugin's
 *    weight, summed per node.
 */
import type { ClusterEventInterest, CycleState, FrameworkHandle, NodeToStatus, PostFilterResult, PreFilterResult, SchedulerPlugin } from './interfaces.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { Code, Status } from './status.js';

/** Builds a plugin from the handle (plugins are constructed once per scheduler). */
export type PluginFactory = (handle: FrameworkHandle) => SchedulerPlugin;

export interface ProfileConfig {
  /** Plugins in extension-point order. */
  readonly plugins: readonly PluginFactory[];
  /** Score weight by plugin name (plugins without one score with weight 1). */
  readonly scoreWeights?: Readonly<Record<string, number>>;
}

export type BaseHandle = Omit<FrameworkHandle, 'runFilterWithNominatedPods' | 'runPreFilterAddPod' | 'runPreFilterRemovePod'>;

export interface PreFilterOutcome {
  readonly nodeNames: ReadonlySet<string> | undefined;
  readonly status: Status | null;
  /** Plugins that rejected the pod at PreFilter. */
  readonly rejectedBy: ReadonlySet<string>;
  /** Plugins that returned a node set (for the absent-nodes message). */
  readonly withNodes: readonly string[];
}

export class Framework {
  readonly handle: FrameworkHandle;
  readonly plugins: readonly SchedulerPlugin[];
  readonly #preEnqueue: SchedulerPlugin[];
  readonly #preFilter: SchedulerPlugin[];
  readonly #preFilterExt: SchedulerPlugin[];
  readonly #filter: SchedulerPlugin[];
  readonly #postFilter: SchedulerPlugin[];
  readonly #preScore: SchedulerPlugin[];
  readonly #score: { plugin: SchedulerPlugin; weight: number }[];
  readonly #reserve: SchedulerPlugin[];
  readonly #preBind: SchedulerPlugin[];
  readonly #bind: SchedulerPlugin[];

  constructor(base: BaseHandle, profile: ProfileConfig) {
    this.handle = {
      ...base,
      runFilterWithNominatedPods: (state, pod, node) => this.runFilterWithNominatedPods(state, pod, node),
      runPreFilterAddPod: (state, pod, toAdd, node) => this.runPreFilterAddPod(state, pod, toAdd, node),
      runPreFilterRemovePod: (state, pod, toRemove, node) => this.runPreFilterRemovePod(state, pod, toRemove, node),
    };
    this.plugins = profile.plugins.map((f) => f(this.handle));
    const weights = profile.scoreWeights ?? {};
    this.#preEnqueue = this.plugins.filter((p) => p.preEnqueue);
    this.#preFilter = this.plugins.filter((p) => p.preFilter);
    this.#preFilterExt = this.plugins.filter((p) => p.addPod || p.removePod);
    this.#filter = this.plugins.filter((p) => p.filter);
    this.#postFilter = this.plugins.filter((p) => p.postFilter);
    this.#preScore = this.plugins.filter((p) => p.preScore);
    this.#score = this.plugins.filter((p) => p.score).map((plugin) => ({ plugin, weight: weights[plugin.name] ?? 1 }));
    this.#reserve = this.plugins.filter((p) => p.reserve || p.unreserve);
    this.#preBind = this.plugins.filter((p) => p.preBind);
    this.#bind = this.plugins.filter((p) => p.bind);
  }

  /** Plugin name → the cluster events it registered (EnqueueExtensions). */
  pluginEvents(): Map<string, readonly ClusterEventInterest[]> {
    const m = new Map<string, readonly ClusterEventInterest[]>();
    for (const p of this.plugins) if (p.events) m.set(p.name, p.events);
    return m;
  }

  get hasPostFilter(): boolean {
    return this.#postFilter.length > 0;
  }

  runPreEnqueue(pod: PodInfo): Status | null {
    for (const p of this.#preEnqueue) {
      const s = p.preEnqueue?.(pod) ?? null;
      if (s !== null && s.code !== Code.Success) {
        s.plugin = p.name;
        return s;
      }
    }
    return null;
  }

  runPreFilter(state: CycleState, pod: PodInfo): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    const withNodes: string[] = [];
    for (const p of this.#preFilter) {
      const r: PreFilterResult = p.preFilter?.(state, pod) ?? { status: null };
      const s = r.status;
      if (s !== null && s.code === Code.Skip) {
        state.skipFilter.add(p.name);
        continue;
      }
      if (s !== null && s.code !== Code.Success) {
        s.plugin = p.name;
        return { nodeNames: undefined, status: s, rejectedBy: s.isRejected() ? new Set([p.name]) : new Set(), withNodes };
      }
      if (r.nodeNames) {
        withNodes.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => r.nodeNames?.has(n))) : new Set(r.nodeNames);
        if (nodeNames.size === 0) {
          const msg = withNodes.length === 1 ? `node(s) didn't satisfy plugin ${withNodes[0]}` : `node(s) didn't satisfy plugin(s) [${withNodes.join(' ')}] simultaneously`;
          const st = Status.unresolvable(msg);
          st.plugin = p.name;
          return { nodeNames: undefined, status: st, rejectedBy: new Set(withNodes), withNodes };
        }
      }
    }
    return { nodeNames, status: null, rejectedBy: new Set(), withNodes };
  }

  runPreFilterAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void {
    for (const p of this.#preFilterExt) if (!state.skipFilter.has(p.name)) p.addPod?.(state, pod, toAdd, node);
  }

  runPreFilterRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void {
    for (const p of this.#preFilterExt) if (!state.skipFilter.has(p.name)) p.removePod?.(state, pod, toRemove, node);
  }

  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const filters = (state.activeFilters ??= this.#filter.filter((p) => !state.skipFilter.has(p.name)));
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i];
      const s = (p.filter as NonNullable<SchedulerPlugin['filter']>)(state, pod, node);
      if (s !== null && s.code !== Code.Success) {
        s.plugin = p.name;
        return s;
      }
    }
    return null;
  }

  /** RunFilterPluginsWithNominatedPods (see the file comment). */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const nominated = this.handle.nominated.nominatedPodsForNode(node.name);
    if (nominated.length > 0) {
      let nodeWith: NodeInfo | undefined;
      let stateWith: CycleState | undefined;
      for (const np of nominated) {
        if (np.priority < pod.priority || np.uid === pod.uid) continue;
        if (!nodeWith || !stateWith) {
          nodeWith = node.clone();
          stateWith = state.clone();
        }
        nodeWith.addPod(np);
        this.runPreFilterAddPod(stateWith, pod, np, nodeWith);
      }
      if (nodeWith && stateWith) {
        const s = this.runFilter(stateWith, pod, nodeWith);
        if (s !== null) return s;
      }
    }
    return this.runFilter(state, pod, node);
  }

  /** RunPostFilterPlugins: the first success wins; rejections' reasons are collected. */
  async runPostFilter(state: CycleState, pod: PodInfo, statuses: NodeToStatus, signal: AbortSignal): Promise<PostFilterResult> {
    let nominating: PostFilterResult['nominating'];
    const reasons: string[] = [];
    let rejector = '';
    for (const p of this.#postFilter) {
      if (!p.postFilter) continue;
      const r = await p.postFilter(state, pod, statuses, signal);
      const s = r.status;
      if (s === null || s.code === Code.Success) return r;
      s.plugin = p.name;
      if (s.code === Code.UnschedulableAndUnresolvable) return r;
      if (!s.isRejected()) return { nominating: undefined, status: new Status(Code.Error, s.reasons, p.name) };
      if (r.nominating && r.nominating.mode !== 'noop') nominating = r.nominating;
      reasons.push(...s.reasons);
      rejector ||= p.name;
    }
    return { nominating, status: new Status(Code.Unschedulable, reasons, rejector) };
  }

  /** PreScore of every plugin; Skip excludes a plugin's Score. */
  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null {
    for (const p of this.#preScore) {
      const s = p.preScore?.(state, pod, nodes) ?? null;
      if (s === null || s.code === Code.Success) continue;
      if (s.code === Code.Skip) {
        state.skipScore.add(p.name);
        continue;
      }
      s.plugin = p.name;
      return s;
    }
    return null;
  }

  /** Weighted total score of each node (parallel to `nodes`). */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.#score) {
      if (state.skipScore.has(plugin.name) || !plugin.score) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]);
      plugin.normalizeScores?.(state, pod, nodes, scores);
      for (let i = 0; i < nodes.length; i++) totals[i] += scores[i] * weight;
    }
    return totals;
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    for (const p of this.#reserve) {
      const s = p.reserve?.(state, pod, nodeName) ?? null;
      if (s !== null && s.code !== Code.Success) {
        s.plugin = p.name;
        return s;
      }
    }
    return null;
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.#reserve.length - 1; i >= 0; i--) this.#reserve[i].unreserve?.(state, pod, nodeName);
  }

  /**
   * RunPreBindPlugins, for the plugins that did not skip this pod at PreFilter; null (no promise,
   * nothing to await) when there are none.
   */
  runPreBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null> | null {
    for (let i = 0; i < this.#preBind.length; i++) {
      if (!state.skipFilter.has(this.#preBind[i].name)) return this.#runPreBind(i, state, pod, nodeName, signal);
    }
    return null;
  }

  async #runPreBind(from: number, state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null> {
    for (let i = from; i < this.#preBind.length; i++) {
      const p = this.#preBind[i];
      if (state.skipFilter.has(p.name) || !p.preBind) continue;
      const s = await p.preBind(state, pod, nodeName, signal);
      if (s !== null && s.code !== Code.Success) {
        s.plugin = p.name;
        return s;
      }
    }
    return null;
  }

  async runBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null> {
    for (const p of this.#bind) {
      const s = await (p.bind?.(state, pod, nodeName, signal) ?? Promise.resolve(Status.skip()));
      if (s !== null && s.code === Code.Skip) continue;
      if (s !== null) s.plugin = p.name;
      return s;
    }
    return Status.error('no bind plugin bound the pod');
  }
}
