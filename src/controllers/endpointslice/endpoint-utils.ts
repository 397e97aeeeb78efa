/**
 * What the EndpointSlice and Endpoints controllers share (upstream k8s.io/endpointslice/util and
 * pkg/api/v1/pod): which pods back a Service, which Services a pod change affects, how a Service
 * port resolves on a pod, and the last-change-trigger-time bookkeeping.
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { InformerFactory } from '../../informer/informer-factory.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const ANNOTATION_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

/** Pods indexed by `namespace/key=value` of each label (selectors here are equality maps). */
export const POD_NAMESPACE_LABEL_INDEX = 'endpoints:namespace-label';

export function podNamespaceLabelIndex(o: KubeObject): string[] {
  const ns = o.metadata.namespace ?? '';
  return Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${ns}/${k}=${v}`);
}

function rec(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

// ---- pods ------------------------------------------------------------------------------------------

export function podReadyCondition(pod: KubeObject): JsonObject | undefined {
  const conds = rec(pod.status).conditions;
  if (!Array.isArray(conds)) return undefined;
  for (const c of conds) if (isJsonObject(c) && c.type === 'Ready') return c;
  return undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

export function isPodTerminal(pod: KubeObject): boolean {
  const phase = rec(pod.status).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** status.podIPs (falling back to status.podIP when only that is set). */
export function podIPs(pod: KubeObject): string[] {
  const status = rec(pod.status);
  const out: string[] = [];
  if (Array.isArray(status.podIPs)) for (const p of status.podIPs) if (isJsonObject(p) && typeof p.ip === 'string' && p.ip) out.push(p.ip);
  if (out.length === 0 && typeof status.podIP === 'string' && status.podIP) out.push(status.podIP);
  return out;
}

export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/** Upstream ShouldPodBeInEndpoints: not terminal, has an IP, and (optionally) not terminating. */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** A pod with spec.hostname whose spec.subdomain names this Service gets a hostname in its endpoint. */
export function shouldSetHostname(pod: KubeObject, svc: KubeObject): boolean {
  const spec = rec(pod.spec);
  return str(spec.hostname) !== '' && str(spec.subdomain) === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

/**
 * The container port a Service port's targetPort names on a pod (upstream FindPort): a number is
 * taken as is; a name is looked up among the containers' (and sidecars') named ports with the
 * same protocol. Undefined: the pod does not offer it.
 */
export function findPort(pod: KubeObject, servicePort: JsonObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  const protocol = str(servicePort.protocol) || 'TCP';
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  const spec = rec(pod.spec);
  const search = (containers: unknown, sidecarsOnly: boolean): number | undefined => {
    if (!Array.isArray(containers)) return undefined;
    for (const c of containers) {
      if (!isJsonObject(c)) continue;
      if (sidecarsOnly && c.restartPolicy !== 'Always') continue;
      if (!Array.isArray(c.ports)) continue;
      for (const p of c.ports) {
        if (isJsonObject(p) && p.name === target && (str(p.protocol) || 'TCP') === protocol && typeof p.containerPort === 'number') return p.containerPort;
      }
    }
    return undefined;
  };
  return search(spec.containers, false) ?? search(spec.initContainers, true);
}

/** What may change a pod's endpoints, and what may change which Services select it (upstream podEndpointsChanged). */
export function podEndpointsChanged(oldPod: KubeObject, newPod: KubeObject): { podChanged: boolean; labelsChanged: boolean } {
  const os = rec(oldPod.spec);
  const ns = rec(newPod.spec);
  const labelsChanged = !sameStringMap(oldPod.metadata.labels, newPod.metadata.labels) || str(os.hostname) !== str(ns.hostname) || str(os.subdomain) !== str(ns.subdomain);
  if (oldPod.metadata.deletionTimestamp !== newPod.metadata.deletionTimestamp) return { podChanged: true, labelsChanged };
  if (isPodReady(oldPod) !== isPodReady(newPod)) return { podChanged: true, labelsChanged };
  const a = podIPs(oldPod);
  const b = podIPs(newPod);
  if (a.length !== b.length || a.some((ip, i) => ip !== b[i])) return { podChanged: true, labelsChanged };
  // Phase matters too: terminal pods leave the endpoints.
  if (isPodTerminal(oldPod) !== isPodTerminal(newPod)) return { podChanged: true, labelsChanged };
  return { podChanged: false, labelsChanged };
}

function sameStringMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ak) if ((a ?? {})[k] !== (b ?? {})[k]) return false;
  return true;
}

// ---- services --------------------------------------------------------------------------------------

/** spec.selector as a map; undefined for a Service without one (it selects nothing). */
export function serviceSelector(svc: KubeObject): Readonly<Record<string, string>> | undefined {
  const sel = rec(svc.spec).selector;
  if (!isJsonObject(sel)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const k in selector) if (labels?.[k] !== selector[k]) return false;
  return true;
}

/** A ClusterIP is allocated (not headless). */
export function isServiceIPSet(svc: KubeObject): boolean {
  const ip = str(rec(svc.spec).clusterIP);
  return ip !== '' && ip !== 'None';
}

export function servicePorts(svc: KubeObject): JsonObject[] {
  const ports = rec(svc.spec).ports;
  return Array.isArray(ports) ? ports.filter(isJsonObject) : [];
}

/** Pods of the Service's namespace its selector matches, via the namespace-label index. */
export function podsForService(pods: SharedInformer, namespace: string, selector: Readonly<Record<string, string>>): KubeObject[] {
  const pairs = Object.entries(selector);
  if (pairs.length === 0) return pods.lister.list(namespace);
  // Start from the rarest label pair.
  let best: KubeObject[] | undefined;
  for (const [k, v] of pairs) {
    const candidates = pods.lister.byIndex(POD_NAMESPACE_LABEL_INDEX, `${namespace}/${k}=${v}`);
    if (!best || candidates.length < best.length) best = candidates;
    if (best.length === 0) return [];
  }
  return (best ?? []).filter((p) => selectorMatches(selector, p.metadata.labels));
}

/** Keys of the Services in a namespace whose selector matches the labels. */
export function servicesForLabels(services: SharedInformer, namespace: string | undefined, labels: Readonly<Record<string, string>> | undefined): Set<string> {
  const out = new Set<string>();
  if (!namespace) return out;
  for (const svc of services.lister.list(namespace)) {
    const sel = serviceSelector(svc);
    if (sel && selectorMatches(sel, labels)) out.add(`${namespace}/${svc.metadata.name ?? ''}`);
  }
  return out;
}

/** Services to resync after a pod update (upstream GetServicesToUpdateOnPodChange). */
export function servicesToUpdateOnPodChange(services: SharedInformer, oldPod: KubeObject, newPod: KubeObject): Set<string> {
  // Resyncs carry nothing new; the Service informer's own resync covers them.
  if (oldPod === newPod || oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return new Set();
  const { podChanged, labelsChanged } = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const now = servicesForLabels(services, newPod.metadata.namespace, newPod.metadata.labels);
  if (!labelsChanged) return now;
  const before = servicesForLabels(services, oldPod.metadata.namespace, oldPod.metadata.labels);
  if (podChanged) return new Set([...now, ...before]);
  // Only the labels changed: the Services that gained or lost the pod.
  const out = new Set<string>();
  for (const k of now) if (!before.has(k)) out.add(k);
  for (const k of before) if (!now.has(k)) out.add(k);
  return out;
}

/**
 * The Service and Pod informers both endpoints controllers watch, wired to `queue`: a Service
 * change enqueues that Service; a pod change enqueues the Services it affects after
 * `batchPeriodMs` (upstream's endpoint-updates batch period), so bursts of pod updates collapse.
 */
export function watchServicesAndPods(informers: InformerFactory, queue: WorkQueue<string>, batchPeriodMs: number): { services: SharedInformer; pods: SharedInformer } {
  const services = informers.informer(resources.services);
  services.addEventHandler({ onAdd: (s) => queue.add(objectKey(s)), onUpdate: (_o, s) => queue.add(objectKey(s)), onDelete: (s) => queue.add(objectKey(s)) });

  const pods = informers.informer(resources.pods);
  pods.addIndexers({ [POD_NAMESPACE_LABEL_INDEX]: podNamespaceLabelIndex });
  const podServices = (p: KubeObject) => {
    for (const k of servicesForLabels(services, p.metadata.namespace, p.metadata.labels)) queue.addAfter(k, batchPeriodMs);
  };
  pods.addEventHandler({
    onAdd: podServices,
    onUpdate: (o, p) => {
      for (const k of servicesToUpdateOnPodChange(services, o, p)) queue.addAfter(k, batchPeriodMs);
    },
    onDelete: podServices,
  });
  return { services, pods };
}

// ---- last-change-trigger-time ------------------------------------------------------------------------

/**
 * Upstream TriggerTimeTracker: the time of the oldest change (a pod's Ready transition, the
 * Service's creation) not yet reflected in the endpoints object, exported as the
 * `endpoints.kubernetes.io/last-change-trigger-time` annotation. A Service seen for the first time
 * reports its creation time. Undefined: nothing new (the annotation is removed).
 *
 * Not safe for concurrent calls on one Service key (the work queue guarantees that).
 */
export class TriggerTimeTracker {
  readonly #states = new Map<string, { pods: Map<string, number>; service: number }>();

  compute(key: string, svc: KubeObject, pods: readonly KubeObject[]): number | undefined {
    const state = this.#states.get(key);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = Date.parse(str(podReadyCondition(pod)?.lastTransitionTime));
      if (!Number.isFinite(t)) continue;
      const name = pod.metadata.name ?? '';
      podTimes.set(name, t);
      const before = state?.pods.get(name);
      if (before === undefined || t > before) min = min === undefined ? t : Math.min(min, t);
    }
    const serviceTime = Date.parse(svc.metadata.creationTimestamp ?? '');
    const svcTime = Number.isFinite(serviceTime) ? serviceTime : 0;
    if (state && svcTime > state.service) min = min === undefined ? svcTime : Math.min(min, svcTime);
    this.#states.set(key, { pods: podTimes, service: svcTime });
    if (!state) return svcTime || undefined;
    return min;
  }

  delete(key: string): void {
    this.#states.delete(key);
  }
}

/** Go's time.RFC3339Nano for a UTC instant: fractional seconds without trailing zeros. */
export function formatRfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
