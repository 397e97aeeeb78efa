/**
 * How quota measures objects (upstream pkg/quota/v1/evaluator/core and apiserver's quota/v1/
 * generic), shared by the ResourceQuota controller (which sums usage over the objects in a
 * namespace) and the ResourceQuota admission plugin (which charges a new object's usage):
 *
 *  - pods: `pods` and compute resources (requests.*, limits.*, the bare cpu/memory/
 *    ephemeral-storage meaning requests, hugepages-*, extended `requests.<name>`) of pods that
 *    are not terminal and not past their deletion grace period; `count/pods` counts every pod.
 *    Requests and limits are the pod's effective ones: containers summed, init containers as a
 *    maximum (sidecars, i.e. restartable init containers, added), plus spec.overhead.
 *    Scopes: Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass,
 *    CrossNamespacePodAffinity. A quota on cpu or memory requires every container to state it
 *    ("must specify …"), the historical constraint upstream keeps;
 *  - services: `services`, `services.nodeports`, `services.loadbalancers`, `count/services`;
 *  - persistentvolumeclaims: `persistentvolumeclaims`, `requests.storage` and their
 *    `<class>.storageclass.storage.k8s.io/…` forms, `count/persistentvolumeclaims`;
 *  - every other resource: an object count `count/<resource>[.<group>]`, with the legacy names
 *    `configmaps`, `secrets`, `replicationcontrollers` and `resourcequotas` as aliases.
 * Only pods match scoped quotas; a quota with scopes never matches other kinds.
 */
import { arrAt, at, obj, objAt, objsAt, optNumAt, strAt, strListAt } from '../../api/json-access.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { podQosClass } from '../../api/pod-qos.js';
import { isQualifiedName } from '../../api/selectors/index.js';
import type { ResourceRef } from '../../client/client.js';
import type { WriteOperation } from '../../registry/object-lifecycle.js';
import { add, addInto, count, maxInto, parseResourceList, type QuotaQuantity, type ResourceList } from './resource-list.js';

export const RESOURCE_QUOTAS: ResourceRef = { group: '', version: 'v1', resource: 'resourcequotas' };

/** One scope requirement of a quota: spec.scopes entries read as `Exists`. */
export interface ScopeRequirement {
  readonly scopeName: string;
  readonly operator: string;
  readonly values: readonly string[];
}

export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

export interface QuotaEvaluator {
  readonly groupResource: GroupResource;
  /** Whether admission charges this operation (no subresources reach here for these kinds). */
  handles(operation: WriteOperation): boolean;
  /** The names among `names` that this evaluator measures. */
  matchingResources(names: readonly string[]): string[];
  /** Whether the object falls within one scope requirement. */
  matchesScope(scope: ScopeRequirement, o: KubeObject): boolean;
  /** What the object uses; `now` (ms) decides whether a terminating pod still counts. */
  usage(o: KubeObject, now: number): ResourceList;
  /** The reason the object may not be charged against quotas on `required`, if any. */
  constraints(required: readonly string[], o: KubeObject): string | undefined;
}

/** `count/<resource>` for the core group, `count/<resource>.<group>` otherwise. */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** The group resource an object-count name counts (`count/deployments.apps`), or undefined. */
export function parseObjectCountName(name: string): GroupResource | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  if (!rest) return undefined;
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** The scope requirements of a quota: spec.scopes (as Exists) then spec.scopeSelector's. */
export function quotaScopes(quota: KubeObject): ScopeRequirement[] {
  const spec = obj(quota.spec);
  const out: ScopeRequirement[] = strListAt(spec, 'scopes').map((s) => ({ scopeName: s, operator: 'Exists', values: [] }));
  for (const e of objsAt(objAt(spec, 'scopeSelector'), 'matchExpressions')) {
    out.push({ scopeName: strAt(e, 'scopeName'), operator: strAt(e, 'operator'), values: strListAt(e, 'values') });
  }
  return out;
}

/**
 * generic.Matches: the quota constrains at least one resource the evaluator measures and the
 * object falls within every scope requirement.
 */
export function quotaMatches(evaluator: QuotaEvaluator, hardNames: readonly string[], scopes: readonly ScopeRequirement[], o: KubeObject): boolean {
  if (evaluator.matchingResources(hardNames).length === 0) return false;
  return scopes.every((s) => evaluator.matchesScope(s, o));
}

// ---- object counts -------------------------------------------------------------------------------

const ONE = count(1);

class ObjectCountEvaluator implements QuotaEvaluator {
  readonly groupResource: GroupResource;
  readonly #names: readonly string[];
  readonly #usage: ResourceList;

  constructor(gr: GroupResource, alias?: string) {
    this.groupResource = gr;
    this.#names = alias ? [objectCountName(gr), alias] : [objectCountName(gr)];
    this.#usage = new Map(this.#names.map((n) => [n, ONE]));
  }

  handles(operation: WriteOperation): boolean {
    return operation === 'create';
  }

  matchingResources(names: readonly string[]): string[] {
    return names.filter((n) => this.#names.includes(n));
  }

  matchesScope(): boolean {
    return false;
  }

  usage(): ResourceList {
    return this.#usage;
  }

  constraints(): undefined {
    return undefined;
  }
}

// ---- services ------------------------------------------------------------------------------------

const SERVICE_RESOURCES = ['count/services', 'services', 'services.loadbalancers', 'services.nodeports'];

class ServiceEvaluator implements QuotaEvaluator {
  readonly groupResource: GroupResource = { group: '', resource: 'services' };

  handles(operation: WriteOperation): boolean {
    return operation === 'create' || operation === 'update';
  }

  matchingResources(names: readonly string[]): string[] {
    return names.filter((n) => SERVICE_RESOURCES.includes(n));
  }

  matchesScope(): boolean {
    return false;
  }

  usage(svc: KubeObject): ResourceList {
    const spec = obj(svc.spec);
    const ports = objsAt(spec, 'ports');
    const type = strAt(spec, 'type');
    let nodePorts = 0;
    let loadBalancers = 0;
    if (type === 'NodePort') nodePorts = ports.length;
    else if (type === 'LoadBalancer') {
      // Node ports are not allocated yet at admission: count the intent. Without node port
      // allocation only ports that name one explicitly use one.
      nodePorts = spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => typeof p.nodePort === 'number' && p.nodePort !== 0).length : ports.length;
      loadBalancers = 1;
    }
    return new Map([
      ['count/services', ONE],
      ['services', ONE],
      ['services.loadbalancers', count(loadBalancers)],
      ['services.nodeports', count(nodePorts)],
    ]);
  }

  constraints(): undefined {
    return undefined;
  }
}

// ---- persistent volume claims --------------------------------------------------------------------

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];

class PersistentVolumeClaimEvaluator implements QuotaEvaluator {
  readonly groupResource: GroupResource = { group: '', resource: 'persistentvolumeclaims' };

  handles(operation: WriteOperation): boolean {
    return operation === 'create' || operation === 'update';
  }

  matchingResources(names: readonly string[]): string[] {
    return names.filter((n) => n === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(n) || PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r)));
  }

  matchesScope(): boolean {
    // VolumeAttributesClass scopes need a feature lite does not enable.
    return false;
  }

  usage(pvc: KubeObject): ResourceList {
    const out = new Map<string, QuotaQuantity>([
      ['count/persistentvolumeclaims', ONE],
      ['persistentvolumeclaims', ONE],
    ]);
    // The beta annotation wins over spec.storageClassName (storagehelpers.GetPersistentVolumeClaimClass).
    const annotated = pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
    const storageClass = annotated ?? strAt(obj(pvc.spec), 'storageClassName');
    if (storageClass) out.set(`${storageClass}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
    const storage = parseResourceList(at(pvc.spec, 'resources', 'requests')).get('storage');
    if (storage) {
      out.set('requests.storage', storage);
      if (storageClass) out.set(`${storageClass}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  }

  constraints(): undefined {
    return undefined;
  }
}

// ---- pods ----------------------------------------------------------------------------------------

const POD_RESOURCES = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];
/** The resources a quota on which obliges every container to state them (a historical mistake upstream keeps). */
const VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** v1helper.IsNativeResource: unprefixed, or in the kubernetes.io/ domain. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** v1helper.IsExtendedResourceName: a prefixed non-native name that quota can name as `requests.<name>`. */
function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Quota names for extended resources: `requests.<non-native name>`. */
function isExtendedResourceNameForQuota(name: string): boolean {
  return !isNativeResource(name) && name.startsWith('requests.');
}

/** podComputeUsageHelper: quota names for a set of requests and limits (plus `pods`: 1). */
function computeUsage(requests: ResourceList, limits: ResourceList): Map<string, QuotaQuantity> {
  const out = new Map<string, QuotaQuantity>([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [name, q] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, q);
      out.set(`requests.${name}`, q);
    }
    if (isExtendedResourceName(name)) out.set(`requests.${name}`, q);
  }
  return out;
}

function containerResources(c: JsonObject, which: 'requests' | 'limits'): Map<string, QuotaQuantity> {
  return parseResourceList(at(c, 'resources', which));
}

/**
 * The pod's effective requests or limits (resourcehelper.PodRequests / PodLimits): regular
 * containers summed; each init container counts with the sidecars started before it, and the
 * pod needs the largest of those; sidecars also run beside the regular containers. The pod's
 * overhead is added (to limits only for resources that have a limit).
 */
export function podResources(pod: KubeObject, which: 'requests' | 'limits'): Map<string, QuotaQuantity> {
  const spec = obj(pod.spec);
  const total = new Map<string, QuotaQuantity>();
  for (const c of objsAt(spec, 'containers')) addInto(total, containerResources(c, which));
  const sidecars = new Map<string, QuotaQuantity>();
  const initMax = new Map<string, QuotaQuantity>();
  for (const c of objsAt(spec, 'initContainers')) {
    const own = containerResources(c, which);
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initMax, sidecars);
    } else {
      maxInto(initMax, add(own, sidecars));
    }
  }
  maxInto(total, initMax);
  const overhead = parseResourceList(spec?.overhead);
  for (const [name, q] of overhead) {
    if (which === 'requests') addInto(total, new Map([[name, q]]));
    else if (total.has(name)) addInto(total, new Map([[name, q]]));
  }
  return total;
}

/** QuotaV1Pod: terminal pods and pods past their deletion grace period are not charged. */
export function podCountsForQuota(pod: KubeObject, now: number): boolean {
  const phase = strAt(obj(pod.status), 'phase');
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (pod.metadata.deletionTimestamp && typeof grace === 'number') {
    if (now > Date.parse(pod.metadata.deletionTimestamp) + grace * 1000) return false;
  }
  return true;
}

/** When a terminating pod stops counting (ms), if it still counts now. */
export function podQuotaExpiry(pod: KubeObject, now: number): number | undefined {
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (!pod.metadata.deletionTimestamp || typeof grace !== 'number' || !podCountsForQuota(pod, now)) return undefined;
  return Date.parse(pod.metadata.deletionTimestamp) + grace * 1000 + 1;
}

function isBestEffort(pod: KubeObject): boolean {
  const recorded = strAt(obj(pod.status), 'qosClass');
  return (recorded || podQosClass(pod)) === 'BestEffort';
}

function isTerminating(pod: KubeObject): boolean {
  const deadline = optNumAt(obj(pod.spec), 'activeDeadlineSeconds');
  return deadline !== undefined && deadline >= 0;
}

function crossNamespaceTerm(term: unknown): boolean {
  return isJsonObject(term) && (arrAt(term, 'namespaces').length > 0 || isJsonObject(term.namespaceSelector));
}

function usesCrossNamespacePodAffinity(pod: KubeObject): boolean {
  const affinity = objAt(obj(pod.spec), 'affinity');
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = objAt(affinity, kind);
    if (!a) continue;
    if (arrAt(a, 'requiredDuringSchedulingIgnoredDuringExecution').some(crossNamespaceTerm)) return true;
    if (objsAt(a, 'preferredDuringSchedulingIgnoredDuringExecution').some((w) => crossNamespaceTerm(w.podAffinityTerm))) return true;
  }
  return false;
}

/** A PriorityClass scope as a label selector over {PriorityClass: <name>} (absent without one). */
function priorityClassMatches(pod: KubeObject, scope: ScopeRequirement): boolean {
  const pc = strAt(obj(pod.spec), 'priorityClassName');
  switch (scope.operator) {
    case 'Exists':
      return pc !== '';
    case 'DoesNotExist':
      return pc === '';
    case 'In':
      return pc !== '' && scope.values.includes(pc);
    case 'NotIn':
      return pc === '' || !scope.values.includes(pc);
    default:
      return false;
  }
}

class PodEvaluator implements QuotaEvaluator {
  readonly groupResource: GroupResource = { group: '', resource: 'pods' };

  handles(operation: WriteOperation): boolean {
    // In-place resize (the only charged pod update upstream) is not enabled in 1.32.
    return operation === 'create';
  }

  matchingResources(names: readonly string[]): string[] {
    return names.filter((n) => POD_RESOURCES.includes(n) || POD_RESOURCE_PREFIXES.some((p) => n.startsWith(p)) || isExtendedResourceNameForQuota(n));
  }

  matchesScope(scope: ScopeRequirement, pod: KubeObject): boolean {
    switch (scope.scopeName) {
      case 'Terminating':
        return isTerminating(pod);
      case 'NotTerminating':
        return !isTerminating(pod);
      case 'BestEffort':
        return isBestEffort(pod);
      case 'NotBestEffort':
        return !isBestEffort(pod);
      case 'PriorityClass':
        return priorityClassMatches(pod, scope);
      case 'CrossNamespacePodAffinity':
        return usesCrossNamespacePodAffinity(pod);
      default:
        return false;
    }
  }

  usage(pod: KubeObject, now: number): ResourceList {
    // count/pods counts every stored pod; the rest only pods still running or about to.
    const out = new Map<string, QuotaQuantity>([['count/pods', ONE]]);
    if (!podCountsForQuota(pod, now)) return out;
    addInto(out, computeUsage(podResources(pod, 'requests'), podResources(pod, 'limits')));
    return out;
  }

  constraints(required: readonly string[], pod: KubeObject): string | undefined {
    const requiredSet = required.filter((r) => VALIDATION_SET.has(r));
    if (requiredSet.length === 0) return undefined;
    const missing = new Map<string, Set<string>>();
    const spec = obj(pod.spec);
    for (const c of [...objsAt(spec, 'containers'), ...objsAt(spec, 'initContainers')]) {
      const have = computeUsage(containerResources(c, 'requests'), containerResources(c, 'limits'));
      for (const r of requiredSet) {
        if (have.has(r)) continue;
        let names = missing.get(r);
        if (!names) missing.set(r, (names = new Set()));
        names.add(strAt(c, 'name'));
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  }
}

// ---- registry ------------------------------------------------------------------------------------

/** Legacy quota names that alias an object count. */
const LEGACY_ALIASES: Readonly<Record<string, string>> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** The evaluators by group resource; object counters made on first use. */
export class QuotaEvaluatorRegistry {
  readonly #byKey = new Map<string, QuotaEvaluator>();

  constructor() {
    for (const e of [new PodEvaluator(), new ServiceEvaluator(), new PersistentVolumeClaimEvaluator()]) this.#byKey.set(key(e.groupResource), e);
    for (const [resource, alias] of Object.entries(LEGACY_ALIASES)) this.#byKey.set(key({ group: '', resource }), new ObjectCountEvaluator({ group: '', resource }, alias));
  }

  /** The evaluator of a resource (an object counter unless it is one with its own rules). */
  forResource(gr: GroupResource): QuotaEvaluator {
    const k = key(gr);
    let e = this.#byKey.get(k);
    if (!e) this.#byKey.set(k, (e = new ObjectCountEvaluator(gr)));
    return e;
  }

  /**
   * The evaluators measuring any of a quota's resource names: those with their own rules and the
   * legacy counters when they match, plus an object counter for each `count/…` name.
   */
  forQuota(hardNames: readonly string[]): QuotaEvaluator[] {
    const out = new Map<string, QuotaEvaluator>();
    for (const [k, e] of this.#byKey) if (e.matchingResources(hardNames).length > 0) out.set(k, e);
    for (const n of hardNames) {
      const gr = parseObjectCountName(n);
      if (gr && !out.has(key(gr))) out.set(key(gr), this.forResource(gr));
    }
    return [...out.values()];
  }
}

function key(gr: GroupResource): string {
  return `${gr.resource}.${gr.group}`;
}

