/**
 * InterPodAffinity (kube-scheduler plugins/interpodaffinity):
 *  - Filter: the pod's required affinity terms need a matching pod in the node's topology
 *    domain (the first pod of a group that matches its own terms may go anywhere); its required
 *    anti-affinity terms forbid domains holding a matching pod; and existing pods' required
 *    anti-affinity terms that match the pod forbid their domains.
 *  - Score: preferred terms of the pod and of existing pods (and existing pods' required
 *    affinity, with weight 1) add or subtract their weight in the topology domains involved;
 *    scores are min–max normalized to 0…100.
 * Counts are per topology pair (key, value), computed at PreFilter / PreScore from the cache.
 */
import { ActionType, MAX_NODE_SCORE, type Cloneable, type ClusterEvent, type FrameworkHandle, type SchedulerPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { matchesAllTerms, termMatches, type AffinityTerm, type NamespaceLabels, type PodInfo, type WeightedAffinityTerm } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

const PRE_FILTER_KEY = 'PreFilter' + PluginName.InterPodAffinity;
const PRE_SCORE_KEY = 'PreScore' + PluginName.InterPodAffinity;
/** The weight of existing pods' required affinity terms in scoring (hardPodAffinityWeight). */
const HARD_POD_AFFINITY_WEIGHT = 1;

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;

/** Counts of matching pods per topology pair. */
class TopologyCounts {
  readonly m = new Map<string, number>();

  update(node: NodeInfo, topologyKey: string, delta: number): void {
    const v = node.labels[topologyKey];
    if (v === undefined) return;
    const k = pairKey(topologyKey, v);
    const n = (this.m.get(k) ?? 0) + delta;
    if (n === 0) this.m.delete(k);
    else this.m.set(k, n);
  }

  get(key: string, value: string): number {
    return this.m.get(pairKey(key, value)) ?? 0;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, v] of this.m) c.m.set(k, v);
    return c;
  }
}

class PreFilterState implements Cloneable {
  constructor(
    readonly pod: PodInfo,
    readonly nsLabels: NamespaceLabels,
    readonly existingAntiAffinity: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly antiAffinity: TopologyCounts,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.pod, this.nsLabels, this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone());
  }

  /** Keeps the counts right when `other` is added to (+1) or removed from (−1) `node`. */
  updateWithPod(other: PodInfo, node: NodeInfo, delta: number): void {
    for (const t of other.requiredAntiAffinityTerms) if (termMatches(t, this.pod, this.nsLabels)) this.existingAntiAffinity.update(node, t.topologyKey, delta);
    const own = this.pod.requiredAffinityTerms;
    if (own.length > 0 && matchesAllTerms(own, other, this.nsLabels)) for (const t of own) this.affinity.update(node, t.topologyKey, delta);
    for (const t of this.pod.requiredAntiAffinityTerms) if (termMatches(t, other, this.nsLabels)) this.antiAffinity.update(node, t.topologyKey, delta);
  }
}

/** topologyKey → value → score. */
type ScoreMap = Map<string, Map<string, number>>;

function addScore(m: ScoreMap, term: AffinityTerm, weight: number, pod: PodInfo, nsLabels: NamespaceLabels, node: NodeInfo): void {
  if (!termMatches(term, pod, nsLabels)) return;
  const v = node.labels[term.topologyKey];
  if (v === undefined) return;
  let byValue = m.get(term.topologyKey);
  if (!byValue) m.set(term.topologyKey, (byValue = new Map()));
  byValue.set(v, (byValue.get(v) ?? 0) + weight);
}

function addTerms(m: ScoreMap, terms: readonly WeightedAffinityTerm[], pod: PodInfo, nsLabels: NamespaceLabels, node: NodeInfo, sign: number): void {
  for (const t of terms) addScore(m, t, t.weight * sign, pod, nsLabels, node);
}

export function interPodAffinityPlugin(handle: FrameworkHandle): SchedulerPlugin {
  const cluster = handle.cluster;
  return {
    name: PluginName.InterPodAffinity,
    events: [
      { resource: 'AssignedPod', actions: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete, hint: (pod, ev) => podEventMayHelp(pod, ev, cluster.namespaceLabels) },
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel },
    ],
    preFilter(state, pod) {
      if (pod.parseError !== undefined) {
        return { status: Status.unresolvable(`parsing pod: ${pod.parseError}`) };
      }
      const nsLabels = cluster.namespaceLabels;
      const existing = new TopologyCounts();
      for (const node of cluster.nodesWithPodsWithRequiredAntiAffinity()) {
        for (const ep of node.podsWithRequiredAntiAffinity) {
          for (const t of ep.requiredAntiAffinityTerms) if (termMatches(t, pod, nsLabels)) existing.update(node, t.topologyKey, 1);
        }
      }
      const affinity = new TopologyCounts();
      const anti = new TopologyCounts();
      const own = pod.requiredAffinityTerms;
      const ownAnti = pod.requiredAntiAffinityTerms;
      if (existing.m.size === 0 && own.length === 0 && ownAnti.length === 0) return { status: Status.skip() };
      if (own.length > 0 || ownAnti.length > 0) {
        for (const node of cluster.nodes()) {
          for (const ep of node.pods) {
            if (own.length > 0 && matchesAllTerms(own, ep, nsLabels)) for (const t of own) affinity.update(node, t.topologyKey, 1);
            for (const t of ownAnti) if (termMatches(t, ep, nsLabels)) anti.update(node, t.topologyKey, 1);
          }
        }
      }
      state.write(PRE_FILTER_KEY, new PreFilterState(pod, nsLabels, existing, affinity, anti));
      return { status: null };
    },
    addPod(state, _pod, toAdd, node) {
      state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(toAdd, node, 1);
    },
    removePod(state, _pod, toRemove, node) {
      state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(toRemove, node, -1);
    },
    filter(state, _pod, node) {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return null;
      if (!satisfyPodAffinity(s, node)) return Status.unresolvable(ERR_REASON_AFFINITY);
      if (!satisfyPodAntiAffinity(s, node)) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
      if (!satisfyExistingPodsAntiAffinity(s, node)) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      return null;
    },
    preScore(state, pod, nodes) {
      if (nodes.length === 0) return Status.skip();
      const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
      const nsLabels = cluster.namespaceLabels;
      const scores: ScoreMap = new Map();
      const process = (node: NodeInfo, existing: readonly PodInfo[]) => {
        if (isEmpty(node.labels)) return;
        for (const ep of existing) {
          addTerms(scores, pod.preferredAffinityTerms, ep, nsLabels, node, 1);
          addTerms(scores, pod.preferredAntiAffinityTerms, ep, nsLabels, node, -1);
          for (const t of ep.requiredAffinityTerms) addScore(scores, t, HARD_POD_AFFINITY_WEIGHT, pod, nsLabels, node);
          addTerms(scores, ep.preferredAffinityTerms, pod, nsLabels, node, 1);
          addTerms(scores, ep.preferredAntiAffinityTerms, pod, nsLabels, node, -1);
        }
      };
      if (hasConstraints) for (const node of cluster.nodes()) process(node, node.pods);
      else for (const node of cluster.nodesWithPodsWithAffinity()) process(node, node.podsWithAffinity);
      if (scores.size === 0) return Status.skip();
      state.write(PRE_SCORE_KEY, scores);
      return null;
    },
    score(state, _pod, node) {
      const scores = state.read<ScoreMap>(PRE_SCORE_KEY);
      if (!scores) return 0;
      let score = 0;
      for (const [key, byValue] of scores) {
        const v = node.labels[key];
        if (v !== undefined) score += byValue.get(v) ?? 0;
      }
      return score;
    },
    normalizeScores(state, _pod, _nodes, scores) {
      if (!state.read<ScoreMap>(PRE_SCORE_KEY)) return;
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        if (s > max) max = s;
        if (s < min) min = s;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i] - min) / diff)) : 0;
    },
  };
}

/**
 * isSchedulableAfterPodChange: a pod added (or relabelled) can only help by matching the
 * rejected pod's affinity; a pod removed (or relabelled), by having matched its anti-affinity or
 * by taking away anti-affinity terms that matched it.
 */
function podEventMayHelp(pod: PodInfo, ev: ClusterEvent, nsLabels: NamespaceLabels): boolean {
  const other = ev.pod;
  if (!other) return true;
  const added = (ev.actions & ActionType.Delete) === 0;
  const removed = (ev.actions & ActionType.Add) === 0;
  if (added) for (const t of pod.requiredAffinityTerms) if (termMatches(t, other, nsLabels)) return true;
  if (removed) {
    for (const t of pod.requiredAntiAffinityTerms) if (termMatches(t, other, nsLabels)) return true;
    for (const t of other.requiredAntiAffinityTerms) if (termMatches(t, pod, nsLabels)) return true;
  }
  return false;
}

function satisfyPodAffinity(s: PreFilterState, node: NodeInfo): boolean {
  let podsExist = true;
  for (const t of s.pod.requiredAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v === undefined) return false; // all topology labels must exist on the node
    if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: no pod matches anywhere yet, and the pod
  // matches all its own terms.
  return s.affinity.m.size === 0 && matchesAllTerms(s.pod.requiredAffinityTerms, s.pod, s.nsLabels);
}

function satisfyPodAntiAffinity(s: PreFilterState, node: NodeInfo): boolean {
  if (s.antiAffinity.m.size === 0) return true;
  for (const t of s.pod.requiredAntiAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && s.antiAffinity.get(t.topologyKey, v) > 0) return false;
  }
  return true;
}

function satisfyExistingPodsAntiAffinity(s: PreFilterState, node: NodeInfo): boolean {
  if (s.existingAntiAffinity.m.size === 0) return true;
  for (const key in node.labels) if (s.existingAntiAffinity.get(key, node.labels[key]) > 0) return false;
  return true;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
