/**
 * The EndpointSlice plan for one Service (upstream k8s.io/endpointslice reconciler.go): given the
 * pods the selector matches and the slices that exist, which slices to create, update and delete.
 *
 * Endpoints are grouped by port mapping (pods whose named ports resolve to different numbers
 * land in different slices) and address type; within a group the changes are minimal:
 *  1. existing slices keep the endpoints still desired (updated in place if their conditions,
 *     node or zone changed) and drop the rest; a slice left empty is deleted;
 *  2. slices already being updated are filled up first (fullest first);
 *  3. what is left goes into the unchanged slice that ends closest to full, else new slices;
 * at most `maxEndpointsPerSlice` per slice. A Service with no endpoints at all keeps one empty
 * placeholder slice per address type. Deletions are turned into updates of new slices when
 * both happen, so names are reused.
 */
import { isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../../api/object.js';
import {
  LABEL_HEADLESS,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_TOPOLOGY_ZONE,
  findPort,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  servicePorts,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpoint-utils.js';

/** The value of endpointslice.kubernetes.io/managed-by on slices this controller owns. */
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

export type AddressType = 'IPv4' | 'IPv6';

export interface SlicePlan {
  readonly create: KubeObject[];
  readonly update: KubeObject[];
  readonly delete: KubeObject[];
  /** Pods skipped because their node is unknown (upstream reports them as errors and retries). */
  readonly missingNodes: { pod: string; node: string }[];
}

export interface PlanInput {
  readonly service: KubeObject;
  readonly pods: readonly KubeObject[];
  /** Managed slices of the Service, without those already being deleted. */
  readonly slices: readonly KubeObject[];
  readonly node: (name: string) => KubeObject | undefined;
  readonly maxEndpointsPerSlice: number;
}

function rec(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function endpointsOf(slice: KubeObject): JsonObject[] {
  return Array.isArray(slice.endpoints) ? slice.endpoints.filter(isJsonObject) : [];
}

function portsOf(slice: KubeObject): JsonObject[] {
  return Array.isArray(slice.ports) ? slice.ports.filter(isJsonObject) : [];
}

/** Address types the Service's IP families call for (lite is single-stack: headless → IPv4). */
export function addressTypes(svc: KubeObject): Set<AddressType> {
  const spec = rec(svc.spec);
  const out = new Set<AddressType>();
  if (Array.isArray(spec.ipFamilies)) {
    for (const f of spec.ipFamilies) {
      if (f === 'IPv4') out.add('IPv4');
      if (f === 'IPv6') out.add('IPv6');
    }
  }
  if (out.size > 0) return out;
  const ip = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  if (ip !== '' && ip !== 'None') out.add(isIPv6(ip) ? 'IPv6' : 'IPv4');
  // Upstream assumes both families for a headless Service without ipFamilies (only seen during
  // upgrades there); the API always sets them on a real cluster, with the primary family first.
  else out.add('IPv4');
  return out;
}

/** The EndpointPorts a pod offers for the Service's ports (unresolvable ones are left out). */
export function endpointPorts(svc: KubeObject, pod: KubeObject, ports: readonly JsonObject[] = servicePorts(svc)): JsonObject[] {
  const out: JsonObject[] = [];
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: JsonObject = { name: typeof sp.name === 'string' ? sp.name : '', port, protocol: typeof sp.protocol === 'string' ? sp.protocol : 'TCP' };
    if (typeof sp.appProtocol === 'string') ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** Identifies a set of ports regardless of order (upstream NewPortMapKey). */
export function portMapKey(ports: readonly JsonObject[]): string {
  // Hot path (once per pod per sync): plain string joins, no JSON.
  const parts = ports.map((p) => `${typeof p.name === 'string' ? p.name : ''}\u0000${String(p.port ?? 0)}\u0000${typeof p.protocol === 'string' ? p.protocol : 'TCP'}\u0000${typeof p.appProtocol === 'string' ? p.appProtocol : ''}`);
  if (parts.length > 1) parts.sort();
  return parts.join('\u0001');
}

/** Identifies an endpoint by what cannot change in place: addresses, hostname, target pod. */
export function endpointHash(ep: JsonObject): string {
  let addrs = Array.isArray(ep.addresses) ? (ep.addresses as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  if (addrs.length > 1) addrs = addrs.sort();
  const ref = isJsonObject(ep.targetRef) ? ep.targetRef : undefined;
  return `${addrs.join(',')}\u0000${typeof ep.hostname === 'string' ? ep.hostname : ''}\u0000${String(ref?.namespace ?? '')}\u0000${String(ref?.name ?? '')}`;
}

/** Equal in everything the hash leaves out (ignoring the target's resourceVersion). */
export function endpointsEqualBeyondHash(a: JsonObject, b: JsonObject): boolean {
  if (a.nodeName !== b.nodeName || a.zone !== b.zone) return false;
  const ca = rec(a.conditions);
  const cb = rec(b.conditions);
  if (ca.ready !== cb.ready || ca.serving !== cb.serving || ca.terminating !== cb.terminating) return false;
  const ra = rec(a.targetRef);
  const rb = rec(b.targetRef);
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'fieldPath']) if (ra[k] !== rb[k]) return false;
  return isJsonObject(a.targetRef) === isJsonObject(b.targetRef);
}

export function podToEndpoint(pod: KubeObject, node: KubeObject | undefined, svc: KubeObject, type: AddressType): JsonObject {
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  // "ready" is never true for a terminating pod, unless the Service publishes not-ready addresses.
  const ready = rec(svc.spec).publishNotReadyAddresses === true || (serving && !terminating);
  const spec = rec(pod.spec);
  const ep: JsonObject = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (type === 'IPv6')),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = spec.hostname as string;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') ep.nodeName = spec.nodeName;
  const zone = node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) ep.zone = zone;
  return ep;
}

/**
 * The slice labels for a Service: its own labels (the reserved ones excepted) plus service-name,
 * managed-by and, for headless Services, service.kubernetes.io/headless. `changed` compares only
 * the copied Service labels, as upstream does.
 */
export function sliceLabels(slice: KubeObject | undefined, svc: KubeObject): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string) => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === LABEL_HEADLESS;
  const current: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata.labels ?? {})) if (!reserved(k)) current[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!reserved(k)) labels[k] = v;
  const changed = !jsonEqual(current, labels);
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = MANAGED_BY;
  return { labels, changed };
}

export function ownedBy(slice: KubeObject, svc: KubeObject): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

export function newEndpointSlice(svc: KubeObject, ports: readonly JsonObject[], type: AddressType): KubeObject {
  const name = svc.metadata.name ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc).labels,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: type,
    endpoints: [],
    ports: [...ports],
  };
}

/** A copy we may change (the cached object is shared). */
function editable(slice: KubeObject, endpoints: JsonObject[], labels?: Record<string, string>): KubeObject {
  return { ...slice, metadata: { ...slice.metadata, ...(labels ? { labels } : {}) }, endpoints };
}

/** Slices of one address type and port mapping: steps 1–3 of the file comment. */
function reconcileByPortMapping(
  svc: KubeObject,
  existing: readonly KubeObject[],
  desired: Map<string, JsonObject>,
  ports: readonly JsonObject[],
  type: AddressType,
  max: number,
): { create: KubeObject[]; update: KubeObject[]; delete: KubeObject[] } {
  const byName = new Map<string, KubeObject>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  for (const slice of existing) {
    const name = slice.metadata.name ?? '';
    byName.set(name, slice);
    const current = endpointsOf(slice);
    const kept: JsonObject[] = [];
    let updated = false;
    for (const ep of current) {
      const h = endpointHash(ep);
      const want = desired.get(h);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) updated = true;
      desired.delete(h);
    }
    const { labels, changed } = sliceLabels(slice, svc);
    if (updated || kept.length !== current.length) {
      if (kept.length === 0) toDelete.add(name);
      else {
        byName.set(name, editable(slice, kept, labels));
        toUpdate.add(name);
      }
    } else if (changed) {
      byName.set(name, editable(slice, [...current], labels));
      toUpdate.add(name);
    } else unchanged.add(name);
  }

  // What is left to place, in pod order (popping from the Map's head is quadratic in V8).
  const rest = [...desired.values()];
  let next = 0;
  const left = () => rest.length - next;

  if (left() > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n) as KubeObject).sort((a, b) => endpointsOf(b).length - endpointsOf(a).length);
    for (const slice of slices) {
      const eps = slice.endpoints as JsonObject[];
      while (left() > 0 && eps.length < max) eps.push(rest[next++]);
    }
  }

  const create: KubeObject[] = [];
  while (left() > 0) {
    let fill: KubeObject | undefined;
    if (left() < max && unchanged.size > 0) {
      fill = sliceToFill(
        [...unchanged].map((n) => byName.get(n) as KubeObject),
        left(),
        max,
      );
    }
    if (!fill) fill = newEndpointSlice(svc, ports, type);
    else {
      fill = editable(fill, [...endpointsOf(fill)]);
      byName.set(fill.metadata.name ?? '', fill);
    }
    const eps = fill.endpoints as JsonObject[];
    while (left() > 0 && eps.length < max) eps.push(rest[next++]);
    if (fill.metadata.name) {
      toUpdate.add(fill.metadata.name);
      unchanged.delete(fill.metadata.name);
    } else create.push(fill);
  }

  return { create, update: [...toUpdate].map((n) => byName.get(n) as KubeObject), delete: [...toDelete].map((n) => byName.get(n) as KubeObject) };
}

/** The slice that ends closest to full after taking `count` endpoints (upstream getSliceToFill). */
function sliceToFill(slices: readonly KubeObject[], count: number, max: number): KubeObject | undefined {
  let closest = max;
  let best: KubeObject | undefined;
  for (const s of slices) {
    const diff = max - (count + endpointsOf(s).length);
    if (diff >= 0 && diff < closest) {
      closest = diff;
      best = s;
      if (diff === 0) break;
    }
  }
  return best;
}

/** Placeholders are compared on what they carry: namespace, labels, owners, type, no endpoints/ports. */
function samePlaceholder(a: KubeObject, b: KubeObject): boolean {
  return (
    a.metadata.namespace === b.metadata.namespace &&
    jsonEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {}) &&
    jsonEqual(a.metadata.ownerReferences ?? [], b.metadata.ownerReferences ?? []) &&
    a.addressType === b.addressType &&
    endpointsOf(a).length === 0 &&
    portsOf(a).length === 0 &&
    portsOf(b).length === 0
  );
}

function planByAddressType(input: PlanInput, existing: readonly KubeObject[], type: AddressType, missingNodes: { pod: string; node: string }[]): { create: KubeObject[]; update: KubeObject[]; delete: KubeObject[] } {
  const { service: svc } = input;
  const create: KubeObject[] = [];
  const update: KubeObject[] = [];
  const del: KubeObject[] = [];
  const existingByPorts = new Map<string, KubeObject[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, svc)) {
      del.push(slice);
      continue;
    }
    const k = portMapKey(portsOf(slice));
    const list = existingByPorts.get(k);
    if (list) list.push(slice);
    else existingByPorts.set(k, [slice]);
  }

  const desiredPorts = new Map<string, JsonObject[]>();
  const desired = new Map<string, Map<string, JsonObject>>();
  const publishNotReady = rec(svc.spec).publishNotReadyAddresses === true;
  const svcPorts = servicePorts(svc);
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod, svcPorts);
    const k = portMapKey(ports);
    let set = desired.get(k);
    if (!set) {
      desired.set(k, (set = new Map()));
      desiredPorts.set(k, ports);
    }
    const nodeName = typeof rec(pod.spec).nodeName === 'string' ? (rec(pod.spec).nodeName as string) : '';
    const node = nodeName ? input.node(nodeName) : undefined;
    if (!node && !publishNotReady) {
      // Left out (and retried) so a reference to a missing node cannot wedge the slices.
      missingNodes.push({ pod: pod.metadata.name ?? '', node: nodeName });
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, type);
    if ((ep.addresses as string[]).length > 0) set.set(endpointHash(ep), ep);
  }

  for (const [k, set] of desired) {
    const r = reconcileByPortMapping(svc, existingByPorts.get(k) ?? [], set, desiredPorts.get(k) ?? [], type, input.maxEndpointsPerSlice);
    create.push(...r.create);
    update.push(...r.update);
    del.push(...r.delete);
  }
  for (const [k, slices] of existingByPorts) if (!desired.has(k)) del.push(...slices);

  if (existing.length === del.length && create.length === 0) {
    const placeholder = newEndpointSlice(svc, [], type);
    if (del.length === 1 && samePlaceholder(del[0], placeholder)) del.length = 0;
    else create.push(placeholder);
  }
  return { create, update, delete: del };
}

/** The full plan: every address type of the Service; slices of other types are deleted. */
export function planEndpointSlices(input: PlanInput): SlicePlan {
  const types = addressTypes(input.service);
  const plan: SlicePlan = { create: [], update: [], delete: [], missingNodes: [] };
  const byType = new Map<string, KubeObject[]>();
  const stray: KubeObject[] = [];
  for (const slice of input.slices) {
    const t = slice.addressType;
    if (typeof t !== 'string' || !types.has(t as AddressType)) {
      stray.push(slice);
      continue;
    }
    const list = byType.get(t);
    if (list) list.push(slice);
    else byType.set(t, [slice]);
  }
  for (const type of types) {
    const missing: { pod: string; node: string }[] = [];
    const r = planByAddressType(input, byType.get(type) ?? [], type, missing);
    // Reuse the names of slices about to be deleted for slices about to be created.
    for (let i = 0; i < r.delete.length && r.create.length > 0; ) {
      const gone = r.delete[i];
      const fresh = r.create[r.create.length - 1];
      if (gone.addressType === fresh.addressType && ownedBy(gone, input.service)) {
        r.create.pop();
        r.update.push({ ...fresh, metadata: { ...fresh.metadata, name: gone.metadata.name, resourceVersion: gone.metadata.resourceVersion } });
        r.delete.splice(i, 1);
      } else i++;
    }
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
    if (plan.missingNodes.length === 0) plan.missingNodes.push(...missing);
  }
  plan.delete.push(...stray);
  return plan;
}
