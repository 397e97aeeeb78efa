/**
 * core/v1 Endpoints subsets in their canonical form (upstream pkg/api/v1/endpoints RepackSubsets):
 * addresses grouped by the exact set of ports they serve, each address once per group, ready
 * winning over not-ready; addresses sorted by IP then pod uid. Plus upstream's truncation to
 * the Endpoints capacity, which keeps ready addresses over not-ready ones and shares the cut
 * between subsets in proportion to their size.
 */
import { isJsonObject, jsonEqual, type JsonObject } from '../../api/object.js';

export interface Subset {
  addresses?: JsonObject[];
  notReadyAddresses?: JsonObject[];
  ports?: JsonObject[];
}

function addressKey(a: JsonObject): string {
  const uid = isJsonObject(a.targetRef) && typeof a.targetRef.uid === 'string' ? a.targetRef.uid : '';
  return `${typeof a.ip === 'string' ? a.ip : ''}|${uid}`;
}

function compareAddresses(a: JsonObject, b: JsonObject): number {
  const ia = typeof a.ip === 'string' ? a.ip : '';
  const ib = typeof b.ip === 'string' ? b.ip : '';
  if (ia !== ib) return ia < ib ? -1 : 1;
  const ua = isJsonObject(a.targetRef) ? String(a.targetRef.uid ?? '') : '';
  const ub = isJsonObject(b.targetRef) ? String(b.targetRef.uid ?? '') : '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function portKey(p: JsonObject): string {
  return JSON.stringify([p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']);
}

export function repackSubsets(subsets: readonly Subset[]): Subset[] {
  const all = new Map<string, JsonObject>();
  // port key → (the port, or none for port-less subsets) and address key → ready
  const byPort = new Map<string, { port: JsonObject | undefined; addrs: Map<string, boolean> }>();
  const map = (addr: JsonObject, port: JsonObject | undefined, ready: boolean) => {
    const key = addressKey(addr);
    if (!all.has(key)) all.set(key, { ...addr });
    const pk = port ? portKey(port) : '';
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, addrs: new Map() }));
    if (!entry.addrs.get(key)) entry.addrs.set(key, ready);
  };
  for (const s of subsets) {
    const ports = s.ports && s.ports.length > 0 ? s.ports : [undefined];
    for (const port of ports) {
      for (const a of s.addresses ?? []) map(a, port, true);
      for (const a of s.notReadyAddresses ?? []) map(a, port, false);
    }
  }
  // Ports that share exactly the same addresses (and readiness) form one subset.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: JsonObject[] }>();
  for (const { port, addrs } of byPort.values()) {
    const hash = JSON.stringify([...addrs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
    let g = groups.get(hash);
    if (!g) groups.set(hash, (g = { addrs, ports: [] }));
    if (port) g.ports.push(port);
  }
  const out: Subset[] = [];
  for (const g of groups.values()) {
    const ready: JsonObject[] = [];
    const notReady: JsonObject[] = [];
    for (const [key, isReady] of g.addrs) (isReady ? ready : notReady).push(all.get(key) as JsonObject);
    const s: Subset = {};
    if (ready.length > 0) s.addresses = ready.sort(compareAddresses);
    if (notReady.length > 0) s.notReadyAddresses = notReady.sort(compareAddresses);
    if (g.ports.length > 0) s.ports = g.ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : 1));
    out.push(s);
  }
  return out.sort((a, b) => {
    const ka = JSON.stringify([(a.ports ?? []).map(portKey), addressKey((a.addresses ?? a.notReadyAddresses ?? [{}])[0])]);
    const kb = JSON.stringify([(b.ports ?? []).map(portKey), addressKey((b.addresses ?? b.notReadyAddresses ?? [{}])[0])]);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Subsets as read from an object, empty lists and target resourceVersions aside. */
export function normalizeSubsets(v: unknown): Subset[] {
  if (!Array.isArray(v)) return [];
  const strip = (list: unknown): JsonObject[] | undefined => {
    if (!Array.isArray(list) || list.length === 0) return undefined;
    return list.filter(isJsonObject).map((a) => {
      if (!isJsonObject(a.targetRef) || a.targetRef.resourceVersion === undefined) return a;
      const { resourceVersion: _rv, ...ref } = a.targetRef;
      return { ...a, targetRef: ref };
    });
  };
  return v.filter(isJsonObject).map((s) => {
    const out: Subset = {};
    const addresses = strip(s.addresses);
    const notReady = strip(s.notReadyAddresses);
    if (addresses) out.addresses = addresses;
    if (notReady) out.notReadyAddresses = notReady;
    if (Array.isArray(s.ports) && s.ports.length > 0) out.ports = s.ports.filter(isJsonObject);
    return out;
  });
}

export function subsetsEqual(a: readonly Subset[], b: readonly Subset[]): boolean {
  return jsonEqual(a, b);
}

export function countAddresses(subsets: readonly Subset[]): number {
  let n = 0;
  for (const s of subsets) n += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  return n;
}

/**
 * Cuts the subsets (in place) down to `max` addresses; true if anything was cut. Ready addresses
 * are kept first; each subset keeps a share proportional to its size, rounded up.
 */
export function truncateSubsets(subsets: Subset[], max: number): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return false;
  const truncateReady = totalReady > max;
  const budget = truncateReady ? max : max - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = budget;
  for (const s of subsets) {
    const inSubset = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    let toBeAdded = total === 0 ? 0 : Math.ceil((inSubset / total) * budget);
    if (toBeAdded > canBeAdded) toBeAdded = canBeAdded;
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
    if (s.addresses?.length === 0) delete s.addresses;
    if (s.notReadyAddresses?.length === 0) delete s.notReadyAddresses;
  }
  return true;
}
