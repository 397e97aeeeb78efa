/**
 * PodTopologySpread (kube-scheduler plugins/podtopologyspread):
 *  - DoNotSchedule constraints filter: placing the pod in the node's domain must keep
 *    `matching pods in the domain + self − global minimum ≤ maxSkew`; the global minimum is 0
 *    while fewer than minDomains domains exist; nodes without the topology key are
 *    UnschedulableAndUnresolvable.
 *  - ScheduleAnyway constraints score: fewer matching pods in the node's domains → higher score.
 *  - Eligible domains come from nodes that carry every constraint's key and pass the inclusion
 *    policies: nodeAffinityPolicy Honor (default: the pod's nodeSelector/affinity must match)
 *    and nodeTaintsPolicy Ignore (default; Honor skips nodes with untolerated taints).
 *  - matchLabelKeys add `key=<pod's value>` to the selector; terminating pods are not counted.
 *  - Default constraints (plugin args `defaultingType`, common.go buildDefaultConstraints): a pod
 *    without constraints of its own gets the cluster defaults — with `System` (the default)
 *    `{maxSkew 3, kubernetes.io/hostname, ScheduleAnyway}` and `{maxSkew 5,
 *    topology.kubernetes.io/zone, ScheduleAnyway}` — whose selector is merged from the Services
 *    selecting the pod and its controller (ReplicationController, ReplicaSet or StatefulSet)
 *    (helper.DefaultSelector); no such selector, no default constraints. With the system
 *    defaults, nodes missing a topology key are still scored by the keys they have (so nodes
 *    without a zone label still spread by hostname).
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { LabelSelector, labelRequirement, labelSelectorFromObject, labelSelectorFromSet, type LabelRequirement } from '../../api/selectors/index.js';
import { ActionType, MAX_NODE_SCORE, type Cloneable, type ClusterEvent, type FrameworkHandle, type SchedulerPlugin, type WorkloadListers } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { RequiredNodeAffinity } from '../framework/node-selector.js';
import type { Labels, PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { doNotScheduleTaint, findUntoleratedTaint } from '../framework/taints.js';
import { PluginName } from './names.js';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

const PRE_FILTER_KEY = 'PreFilter' + PluginName.PodTopologySpread;
const PRE_SCORE_KEY = 'PreScore' + PluginName.PodTopologySpread;
const HOSTNAME = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const MAX_INT32 = 2147483647;

export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelector;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** kube-scheduler's system default constraints (podtopologyspread/plugin.go systemDefaultConstraints). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly JsonObject[] = [
  { topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

export interface PodTopologySpreadOptions {
  /**
   * `System` (default): pods without constraints get SYSTEM_DEFAULT_CONSTRAINTS; `List`: they
   * get `defaultConstraints` (none when empty), as PodTopologySpreadArgs.defaultingType.
   */
  readonly defaultingType?: 'System' | 'List';
  /** Cluster-level default constraints for `List` (without labelSelector: it is derived). */
  readonly defaultConstraints?: readonly JsonObject[];
}

/** filterTopologySpreadConstraints: the constraints with the given action, selectors parsed. */
function parseConstraints(list: readonly unknown[], podLabels: Labels, action: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of list) {
    if (!isJsonObject(c) || c.whenUnsatisfiable !== action) continue;
    let selector = labelSelectorFromObject(c.labelSelector ?? null);
    const keys = Array.isArray(c.matchLabelKeys) ? c.matchLabelKeys : [];
    const extra: LabelRequirement[] = [];
    for (const k of keys) if (typeof k === 'string' && Object.prototype.hasOwnProperty.call(podLabels, k)) extra.push(labelRequirement(k, '=', [podLabels[k]]));
    if (extra.length > 0) {
      selector = selector.isNothing()
        ? labelSelectorFromSet(Object.fromEntries(extra.map((r) => [r.key, r.values[0]])))
        : LabelSelector.of([...selector.requirements, ...extra]);
    }
    out.push({
      maxSkew: typeof c.maxSkew === 'number' ? c.maxSkew : 1,
      topologyKey: typeof c.topologyKey === 'string' ? c.topologyKey : '',
      selector,
      minDomains: typeof c.minDomains === 'number' ? c.minDomains : 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

function ownConstraints(pod: PodInfo): readonly unknown[] {
  const spec = isJsonObject(pod.pod.spec) ? pod.pod.spec : {};
  return Array.isArray(spec.topologySpreadConstraints) ? spec.topologySpreadConstraints : [];
}

/** The pod's own constraints with the given whenUnsatisfiable action. */
export function spreadConstraints(pod: PodInfo, action: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] {
  return parseConstraints(ownConstraints(pod), pod.labels, action);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isJsonObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const k in v) if (typeof v[k] === 'string') out[k] = v[k];
  return out;
}

function controllerOf(pod: KubeObject): JsonObject | undefined {
  const refs: unknown = pod.metadata.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs) if (isJsonObject(r) && r.controller === true) return r;
  return undefined;
}

/**
 * helper.DefaultSelector: the labels of every Service selecting the pod, plus the selector of
 * its controlling ReplicationController, ReplicaSet or StatefulSet. Empty when there are none.
 */
export function defaultSelector(pod: PodInfo, workloads: WorkloadListers): LabelSelector {
  const set: Record<string, string> = {};
  for (const svc of workloads.services(pod.namespace)) {
    // A Service without a selector selects nothing (not everything).
    const sel = stringMap(isJsonObject(svc.spec) ? svc.spec.selector : undefined);
    if (sel && labelSelectorFromSet(sel).matches(pod.labels)) Object.assign(set, sel);
  }
  let selector = labelSelectorFromSet(set);
  const owner = controllerOf(pod.pod);
  if (!owner) return selector;
  const apiVersion = typeof owner.apiVersion === 'string' ? owner.apiVersion : '';
  const name = typeof owner.name === 'string' ? owner.name : '';
  if (apiVersion === 'v1' && owner.kind === 'ReplicationController') {
    const rc = workloads.replicationController(pod.namespace, name);
    const sel = rc && isJsonObject(rc.spec) ? stringMap(rc.spec.selector) : undefined;
    if (rc) selector = labelSelectorFromSet({ ...set, ...(sel ?? {}) });
  } else if (apiVersion === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const o = owner.kind === 'ReplicaSet' ? workloads.replicaSet(pod.namespace, name) : workloads.statefulSet(pod.namespace, name);
    if (o && isJsonObject(o.spec)) {
      let other: LabelSelector | undefined;
      try {
        other = labelSelectorFromObject(o.spec.selector ?? null);
      } catch {
        other = undefined;
      }
      // A nil selector (nothing) has no requirements to add.
      if (other && !other.isNothing() && other.requirements.length > 0) selector = LabelSelector.of([...selector.requirements, ...other.requirements]);
    }
  }
  return selector;
}

/** isSchedulableAfterPodChange: only pods the constraints count (same namespace, matching) matter. */
function podEventMayHelp(constraintsOf: (pod: PodInfo) => SpreadConstraint[], pod: PodInfo, ev: ClusterEvent): boolean {
  const other = ev.pod;
  if (!other) return true;
  if (other.namespace !== pod.namespace) return false;
  let constraints: SpreadConstraint[];
  try {
    constraints = constraintsOf(pod);
  } catch {
    return true;
  }
  for (const c of constraints) if (c.selector.matches(other.labels)) return true;
  // A relabelled pod may have stopped matching: without its old labels, requeue to be safe.
  return (ev.actions & ActionType.UpdatePodLabel) !== 0;
}

function nodeHasAllKeys(labels: Labels, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

function matchInclusionPolicies(c: SpreadConstraint, pod: PodInfo, node: NodeInfo, affinity: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !affinity.match(node.labels, node.name)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(node.taints, pod.tolerations, doNotScheduleTaint)) return false;
  return true;
}

/** countPodsMatchSelector: pods of the namespace matching the selector, terminating ones excluded. */
function countMatching(pods: readonly PodInfo[], selector: LabelSelector, namespace: string): number {
  if (selector.isEmpty()) return 0;
  let n = 0;
  for (const p of pods) if (!p.deleting && p.namespace === namespace && selector.matches(p.labels)) n++;
  return n;
}

/** The two domains with the fewest matching pods (upstream criticalPaths, quirks included). */
class CriticalPaths {
  v0 = '';
  n0 = MAX_INT32;
  v1 = '';
  n1 = MAX_INT32;

  update(value: string, num: number): void {
    if (value === this.v0 || value === this.v1) {
      if (value === this.v0) this.n0 = num;
      else this.n1 = num;
      if (this.n0 > this.n1) {
        [this.v0, this.n0, this.v1, this.n1] = [this.v1, this.n1, this.v0, this.n0];
      }
    } else if (num < this.n0) {
      this.v1 = this.v0;
      this.n1 = this.n0;
      this.v0 = value;
      this.n0 = num;
    } else if (num < this.n1) {
      this.v1 = value;
      this.n1 = num;
    }
  }

  clone(): CriticalPaths {
    return Object.assign(new CriticalPaths(), this);
  }
}

class PreFilterState implements Cloneable {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    readonly matchNum: Map<string, number>[],
    readonly paths: CriticalPaths[],
    readonly affinity: RequiredNodeAffinity,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.matchNum.map((m) => new Map(m)),
      this.paths.map((p) => p.clone()),
      this.affinity,
    );
  }

  minMatchNum(i: number): number {
    return this.matchNum[i].size < this.constraints[i].minDomains ? 0 : this.paths[i].n0;
  }

  updateWithPod(other: PodInfo, pod: PodInfo, node: NodeInfo, delta: number): void {
    if (other.namespace !== pod.namespace || !nodeHasAllKeys(node.labels, this.constraints)) return;
    this.constraints.forEach((c, i) => {
      if (!matchInclusionPolicies(c, pod, node, this.affinity) || !c.selector.matches(other.labels)) return;
      const v = node.labels[c.topologyKey];
      const n = (this.matchNum[i].get(v) ?? 0) + delta;
      this.matchNum[i].set(v, n);
      this.paths[i].update(v, n);
    });
  }
}

interface PreScoreState {
  readonly constraints: readonly SpreadConstraint[];
  readonly ignored: ReadonlySet<string>;
  /** Per constraint: domain value → matching pods (hostname constraints count at Score). */
  readonly counts: Map<string, number>[];
  readonly weights: number[];
}

export function podTopologySpreadPlugin(handle: FrameworkHandle, options: PodTopologySpreadOptions = {}): SchedulerPlugin {
  const cluster = handle.cluster;
  const systemDefaulted = (options.defaultingType ?? 'System') === 'System';
  const defaults = systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (options.defaultConstraints ?? []);
  /** getConstraints / buildDefaultConstraints: the pod's own constraints, else the defaults. */
  const constraintsFor = (pod: PodInfo, action: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] => {
    const own = ownConstraints(pod);
    if (own.length > 0) return parseConstraints(own, pod.labels, action);
    if (defaults.length === 0) return [];
    const constraints = parseConstraints(defaults, pod.labels, action);
    if (constraints.length === 0) return [];
    const selector = defaultSelector(pod, handle.workloads);
    if (selector.isEmpty()) return [];
    return constraints.map((c) => ({ ...c, selector }));
  };
  return {
    name: PluginName.PodTopologySpread,
    events: [
      { resource: 'AssignedPod', actions: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete, hint: (pod, ev) => podEventMayHelp((p) => constraintsFor(p, 'DoNotSchedule'), pod, ev) },
      { resource: 'Node', actions: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
    ],
    preFilter(state, pod) {
      let constraints: SpreadConstraint[];
      try {
        constraints = constraintsFor(pod, 'DoNotSchedule');
      } catch (e) {
        return { status: Status.error(e instanceof Error ? e.message : String(e)) };
      }
      if (constraints.length === 0) return { status: Status.skip() };
      const affinity = new RequiredNodeAffinity(pod.pod.spec);
      const matchNum = constraints.map(() => new Map<string, number>());
      for (const node of cluster.nodes()) {
        if (!nodeHasAllKeys(node.labels, constraints)) continue;
        constraints.forEach((c, i) => {
          if (!matchInclusionPolicies(c, pod, node, affinity)) return;
          const v = node.labels[c.topologyKey];
          matchNum[i].set(v, (matchNum[i].get(v) ?? 0) + countMatching(node.pods, c.selector, pod.namespace));
        });
      }
      const paths = matchNum.map((m) => {
        const p = new CriticalPaths();
        for (const [v, n] of m) p.update(v, n);
        return p;
      });
      state.write(PRE_FILTER_KEY, new PreFilterState(constraints, matchNum, paths, affinity));
      return { status: null };
    },
    addPod(state, pod, toAdd, node) {
      state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(toAdd, pod, node, 1);
    },
    removePod(state, pod, toRemove, node) {
      state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(toRemove, pod, node, -1);
    },
    filter(state, pod, node) {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s || s.constraints.length === 0) return null;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i];
        const v = node.labels[c.topologyKey];
        if (v === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
        const self = c.selector.matches(pod.labels) ? 1 : 0;
        const skew = (s.matchNum[i].get(v) ?? 0) + self - s.minMatchNum(i);
        if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
      }
      return null;
    },
    preScore(state, pod, nodes) {
      const all = cluster.nodes();
      if (nodes.length === 0 || all.length === 0) return Status.skip();
      let constraints: SpreadConstraint[];
      try {
        constraints = constraintsFor(pod, 'ScheduleAnyway');
      } catch (e) {
        return Status.error(e instanceof Error ? e.message : String(e));
      }
      if (constraints.length === 0) return Status.skip();
      // Only the pod's own (or List-defaulted) constraints require every topology key.
      const requireAll = ownConstraints(pod).length > 0 || !systemDefaulted;
      const ignored = new Set<string>();
      const counts = constraints.map(() => new Map<string, number>());
      const sizes = constraints.map(() => 0);
      // Whether a candidate node carries the key with an empty value (only then is the '' domain,
      // which upstream also fills from nodes lacking the key, ever read at Score).
      const explicitEmpty = constraints.map(() => false);
      for (const node of nodes) {
        if (requireAll && !nodeHasAllKeys(node.labels, constraints)) {
          ignored.add(node.name);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey === HOSTNAME) return;
          const raw = node.labels[c.topologyKey];
          if (raw === '') explicitEmpty[i] = true;
          const v = raw ?? '';
          if (!counts[i].has(v)) {
            counts[i].set(v, 0);
            sizes[i]++;
          }
        });
      }
      const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : sizes[i]) + 2));
      const affinity = new RequiredNodeAffinity(pod.pod.spec);
      for (const node of all) {
        if (requireAll && !nodeHasAllKeys(node.labels, constraints)) continue;
        constraints.forEach((c, i) => {
          // Hostname counts are taken at Score; only domains of candidate nodes matter.
          if (c.topologyKey === HOSTNAME || !matchInclusionPolicies(c, pod, node, affinity)) return;
          const raw = node.labels[c.topologyKey];
          if (raw === undefined && !explicitEmpty[i]) return;
          const v = raw ?? '';
          const cur = counts[i].get(v);
          if (cur === undefined) return;
          counts[i].set(v, cur + countMatching(node.pods, c.selector, pod.namespace));
        });
      }
      const s: PreScoreState = { constraints, ignored, counts, weights };
      state.write(PRE_SCORE_KEY, s);
      return null;
    },
    score(state, pod, node) {
      const s = state.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s || s.ignored.has(node.name)) return 0;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = node.labels[c.topologyKey];
        if (v === undefined) return;
        const cnt = c.topologyKey === HOSTNAME ? countMatching(node.pods, c.selector, pod.namespace) : (s.counts[i].get(v) ?? 0);
        score += cnt * s.weights[i] + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScores(state, _pod, nodes, scores) {
      const s = state.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s) return;
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(nodes[i].name)) continue;
        if (scores[i] < min) min = scores[i];
        if (scores[i] > max) max = scores[i];
      }
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(nodes[i].name)) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
      }
    },
  };
}
