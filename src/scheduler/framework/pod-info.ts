/**
 * PodInfo: what the scheduler needs of a pod, parsed once per pod version (framework.PodInfo):
 * requests, host ports, tolerations and the pod (anti-)affinity terms. The pod object itself is
 * shared with the informer cache and never mutated; an assumed pod is a PodInfo whose `nodeName`
 * differs from the object's.
 */
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { LabelSelector, labelRequirement, labelSelectorFromObject, type LabelRequirement } from '../../api/selectors/index.js';
import { podResourceRequests, type Resource } from './resource.js';
import { parseTolerations, type Toleration } from './taints.js';

export type Labels = Readonly<Record<string, string>>;

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/** A required or preferred pod (anti-)affinity term (framework.AffinityTerm). */
export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither namespaces nor a selector is set). */
  readonly namespaces: ReadonlySet<string>;
  /** `nothing()` when the term has no namespaceSelector. */
  readonly namespaceSelector: LabelSelector;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface PodInfo {
  readonly pod: KubeObject;
  /** `namespace/name`: the queue's key. */
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** The node the pod is bound or assumed to ('' when pending). */
  readonly nodeName: string;
  readonly schedulerName: string;
  readonly priority: number;
  readonly preemptionPolicy: string;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
  readonly phase: string;
  readonly requests: Resource;
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  readonly schedulingGates: readonly string[];
  readonly nominatedNodeName: string;
  readonly creationMs: number;
  /** status.startTime (ms), for preemption's tie-break. */
  readonly startMs: number | undefined;
  /** Why the affinity terms could not be parsed, if they could not. */
  readonly parseError: string | undefined;
}

const NONE: readonly never[] = [];

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Parses a pod. Cheap for pods without affinity or ports (the common case). */
export function newPodInfo(pod: KubeObject): PodInfo {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const status = isJsonObject(pod.status) ? pod.status : {};
  const namespace = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const labels = pod.metadata.labels ?? {};
  const { requests, nonZeroMilliCPU, nonZeroMemory } = podResourceRequests(spec);
  let parseError: string | undefined;
  const affinity = isJsonObject(spec.affinity) ? spec.affinity : undefined;
  const terms = (group: string, kind: string, weighted: boolean): (AffinityTerm | WeightedAffinityTerm)[] => {
    const g = affinity && isJsonObject(affinity[group]) ? affinity[group] : undefined;
    const list = g && Array.isArray(g[kind]) ? g[kind] : undefined;
    if (!list || list.length === 0) return NONE as never[];
    const out: (AffinityTerm | WeightedAffinityTerm)[] = [];
    for (const item of list) {
      if (!isJsonObject(item)) continue;
      const raw = weighted ? item.podAffinityTerm : item;
      try {
        const t = newAffinityTerm(raw, namespace, labels);
        if (!weighted) out.push(t);
        else if (typeof item.weight === 'number' && item.weight !== 0) out.push({ ...t, weight: item.weight });
      } catch (e) {
        parseError ??= e instanceof Error ? e.message : String(e);
      }
    }
    return out;
  };
  const startTime = typeof status.startTime === 'string' ? Date.parse(status.startTime) : NaN;
  const created = typeof pod.metadata.creationTimestamp === 'string' ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  return {
    pod,
    key: `${namespace}/${name}`,
    uid: pod.metadata.uid ?? '',
    namespace,
    name,
    labels,
    nodeName: str(spec.nodeName),
    schedulerName: str(spec.schedulerName) || 'default-scheduler',
    priority: typeof spec.priority === 'number' ? spec.priority : 0,
    preemptionPolicy: str(spec.preemptionPolicy) || 'PreemptLowerPriority',
    deleting: pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    phase: str(status.phase),
    requests,
    nonZeroMilliCPU,
    nonZeroMemory,
    hostPorts: hostPorts(spec),
    tolerations: parseTolerations(spec.tolerations),
    requiredAffinityTerms: affinity ? (terms('podAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', false) as AffinityTerm[]) : NONE,
    requiredAntiAffinityTerms: affinity ? (terms('podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', false) as AffinityTerm[]) : NONE,
    preferredAffinityTerms: affinity ? (terms('podAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', true) as WeightedAffinityTerm[]) : NONE,
    preferredAntiAffinityTerms: affinity ? (terms('podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', true) as WeightedAffinityTerm[]) : NONE,
    schedulingGates: Array.isArray(spec.schedulingGates) ? spec.schedulingGates.map((g) => (isJsonObject(g) ? str(g.name) : '')) : NONE,
    nominatedNodeName: str(status.nominatedNodeName),
    creationMs: Number.isNaN(created) ? 0 : created,
    startMs: Number.isNaN(startTime) ? undefined : startTime,
    parseError,
  };
}

/** The same pod, assumed onto a node (its object is not copied). */
export function assumedPodInfo(p: PodInfo, nodeName: string): PodInfo {
  return { ...p, nodeName };
}

export function hasAffinityConstraints(p: PodInfo): boolean {
  return p.requiredAffinityTerms.length + p.requiredAntiAffinityTerms.length + p.preferredAffinityTerms.length + p.preferredAntiAffinityTerms.length > 0;
}

function hostPorts(spec: Readonly<Record<string, unknown>>): readonly HostPort[] {
  let out: HostPort[] | undefined;
  const scan = (containers: unknown, sidecarsOnly: boolean) => {
    if (!Array.isArray(containers)) return;
    for (const c of containers) {
      if (!isJsonObject(c) || !Array.isArray(c.ports)) continue;
      if (sidecarsOnly && c.restartPolicy !== 'Always') continue;
      for (const p of c.ports) {
        if (!isJsonObject(p) || typeof p.hostPort !== 'number' || p.hostPort <= 0) continue;
        (out ??= []).push({ ip: str(p.hostIP) || '0.0.0.0', protocol: str(p.protocol) || 'TCP', port: p.hostPort });
      }
    }
  };
  scan(spec.containers, false);
  scan(spec.initContainers, true);
  return out ?? NONE;
}

/**
 * Builds an affinity term: the label selector (nil matches nothing) extended by matchLabelKeys /
 * mismatchLabelKeys with the pod's own label values, and the namespaces it applies to.
 */
export function newAffinityTerm(term: unknown, podNamespace: string, podLabels: Labels): AffinityTerm {
  const t = isJsonObject(term) ? term : {};
  let selector = labelSelectorFromObject(t.labelSelector ?? null);
  const extra: LabelRequirement[] = [];
  for (const k of Array.isArray(t.matchLabelKeys) ? t.matchLabelKeys : []) {
    if (typeof k === 'string' && Object.prototype.hasOwnProperty.call(podLabels, k)) extra.push(labelRequirement(k, 'in', [podLabels[k]]));
  }
  for (const k of Array.isArray(t.mismatchLabelKeys) ? t.mismatchLabelKeys : []) {
    if (typeof k === 'string' && Object.prototype.hasOwnProperty.call(podLabels, k)) extra.push(labelRequirement(k, 'notin', [podLabels[k]]));
  }
  if (extra.length > 0 && !selector.isNothing()) selector = LabelSelector.of([...selector.requirements, ...extra]);
  const names = Array.isArray(t.namespaces) ? t.namespaces.filter((n): n is string => typeof n === 'string') : [];
  const hasNsSelector = t.namespaceSelector !== undefined && t.namespaceSelector !== null;
  const namespaces = new Set(names.length === 0 && !hasNsSelector ? [podNamespace] : names);
  return {
    namespaces,
    namespaceSelector: hasNsSelector ? labelSelectorFromObject(t.namespaceSelector) : LabelSelector.nothing(),
    selector,
    topologyKey: str(t.topologyKey),
  };
}

/** Labels of a namespace (undefined when unknown), for namespaceSelectors. */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

export const noNamespaceLabels: NamespaceLabels = () => undefined;

/** AffinityTerm.Matches: the pod is in one of the term's namespaces and matches its selector. */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: NamespaceLabels): boolean {
  if (term.namespaces.has(pod.namespace) || (!term.namespaceSelector.isNothing() && term.namespaceSelector.matches(nsLabels(pod.namespace)))) {
    return term.selector.matches(pod.labels);
  }
  return false;
}

/** Whether `pod` matches every term (podMatchesAllAffinityTerms). */
export function matchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo, nsLabels: NamespaceLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}
