/**
 * Resource arithmetic of the scheduler (framework.Resource): cpu in millicores, memory and
 * ephemeral storage in bytes, the pod count, and "scalar" resources (extended resources,
 * hugepages, attachable volumes) as whole units. Values are JS numbers: exact up to 2^53, far
 * beyond any real node.
 *
 * Pod requests follow component-helpers' PodRequests: the sum of the containers, raised to the
 * largest init container (sidecars — init containers with restartPolicy Always — are added to
 * both the running sum and every later init container's need), plus the pod overhead.
 */
import { isJsonObject } from '../../api/object.js';
import { quantityIntValue, quantityMilliValue, readQuantity } from '../../api/schema/quantity.js';

/** Defaults for containers without a cpu / memory request, used in scoring only (schedutil). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Parsed quantities, shared by every pod: the same few strings ("100m", "128Mi") recur. */
const milliCache = new Map<string, number>();
const unitCache = new Map<string, number>();
const CACHE_LIMIT = 10_000;

function cached(cache: Map<string, number>, raw: unknown, parse: (raw: unknown) => number): number {
  if (typeof raw !== 'string') return parse(raw);
  let v = cache.get(raw);
  if (v === undefined) {
    v = parse(raw);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(raw, v);
  }
  return v;
}

/** Quantity.MilliValue() of a serialised quantity (0 when absent or invalid). */
export function milliValue(raw: unknown): number {
  return cached(milliCache, raw, (r) => {
    const q = readQuantity(r);
    return q ? Number(quantityMilliValue(q)) : 0;
  });
}

/** Quantity.Value() of a serialised quantity (0 when absent or invalid). */
export function unitValue(raw: unknown): number {
  return cached(unitCache, raw, (r) => {
    const q = readQuantity(r);
    return q ? Number(quantityIntValue(q)) : 0;
  });
}

/** schedutil.IsScalarResourceName: extended, hugepages, prefixed native and attachable-volume resources. */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  if (name.includes('kubernetes.io/')) return true;
  return isExtendedResourceName(name);
}

/** v1helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io (and not `requests.*`). */
export function isExtendedResourceName(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/') || name.startsWith('requests.')) return false;
  const slash = name.indexOf('/');
  return slash > 0 && slash < name.length - 1;
}

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended resources, hugepages …; undefined until one is set. */
  scalar: Map<string, number> | undefined;

  /** A ResourceList (`{cpu: "1", memory: "1Gi", …}`) as a Resource. */
  static fromList(list: unknown): Resource {
    const r = new Resource();
    if (!isJsonObject(list)) return r;
    for (const name in list) r.addNamed(name, list[name]);
    return r;
  }

  /** Adds one serialised quantity of the named resource. */
  addNamed(name: string, raw: unknown): void {
    switch (name) {
      case 'cpu':
        this.milliCPU += milliValue(raw);
        return;
      case 'memory':
        this.memory += unitValue(raw);
        return;
      case 'ephemeral-storage':
        this.ephemeralStorage += unitValue(raw);
        return;
      case 'pods':
        this.allowedPodNumber += unitValue(raw);
        return;
      default:
        if (isScalarResourceName(name)) this.addScalar(name, unitValue(raw));
    }
  }

  addScalar(name: string, v: number): void {
    if (!this.scalar) this.scalar = new Map();
    this.scalar.set(name, (this.scalar.get(name) ?? 0) + v);
  }

  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  add(o: Resource): void {
    this.milliCPU += o.milliCPU;
    this.memory += o.memory;
    this.ephemeralStorage += o.ephemeralStorage;
    this.allowedPodNumber += o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, v);
  }

  sub(o: Resource): void {
    this.milliCPU -= o.milliCPU;
    this.memory -= o.memory;
    this.ephemeralStorage -= o.ephemeralStorage;
    this.allowedPodNumber -= o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, -v);
  }

  /** Raises every dimension to at least `o`'s. */
  setMax(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, o.allowedPodNumber);
    if (o.scalar) for (const [k, v] of o.scalar) if (v > this.getScalar(k)) (this.scalar ??= new Map()).set(k, v);
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  /** True when nothing at all is requested. */
  isZero(): boolean {
    if (this.milliCPU !== 0 || this.memory !== 0 || this.ephemeralStorage !== 0) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v !== 0) return false;
    return true;
  }
}

export interface PodResourceRequests {
  /** What the pod requests (NodeResourcesFit filter, node accounting). */
  readonly requests: Resource;
  /** Requested cpu / memory with defaults for containers that request none (scoring). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
}

function containerRequests(c: unknown): unknown {
  if (!isJsonObject(c) || !isJsonObject(c.resources)) return undefined;
  return c.resources.requests;
}

function isSidecar(c: unknown): boolean {
  return isJsonObject(c) && c.restartPolicy === 'Always';
}

/** The requests of a pod spec (PodRequests), with and without the non-zero defaults. */
export function podResourceRequests(spec: unknown): PodResourceRequests {
  const s = isJsonObject(spec) ? spec : {};
  const containers = Array.isArray(s.containers) ? s.containers : [];
  const inits = Array.isArray(s.initContainers) ? s.initContainers : [];
  const reqs = new Resource();
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of containers) {
    const list = containerRequests(c);
    if (list !== undefined) reqs.add(Resource.fromList(list));
    const nz = nonZero(list);
    nzCpu += nz[0];
    nzMem += nz[1];
  }
  if (inits.length > 0) {
    const sidecars = new Resource();
    let sidecarCpu = 0;
    let sidecarMem = 0;
    const initMax = new Resource();
    let initCpu = 0;
    let initMem = 0;
    for (const c of inits) {
      const r = Resource.fromList(containerRequests(c));
      const nz = nonZero(containerRequests(c));
      if (isSidecar(c)) {
        reqs.add(r);
        nzCpu += nz[0];
        nzMem += nz[1];
        sidecars.add(r);
        sidecarCpu += nz[0];
        sidecarMem += nz[1];
        initMax.setMax(sidecars);
        initCpu = Math.max(initCpu, sidecarCpu);
        initMem = Math.max(initMem, sidecarMem);
      } else {
        r.add(sidecars);
        initMax.setMax(r);
        initCpu = Math.max(initCpu, nz[0] + sidecarCpu);
        initMem = Math.max(initMem, nz[1] + sidecarMem);
      }
    }
    reqs.setMax(initMax);
    nzCpu = Math.max(nzCpu, initCpu);
    nzMem = Math.max(nzMem, initMem);
  }
  if (isJsonObject(s.overhead)) {
    const o = Resource.fromList(s.overhead);
    o.allowedPodNumber = 0;
    reqs.add(o);
    nzCpu += o.milliCPU;
    nzMem += o.memory;
  }
  // A pod never "requests" pods; the count is checked separately.
  reqs.allowedPodNumber = 0;
  return { requests: reqs, nonZeroMilliCPU: nzCpu, nonZeroMemory: nzMem };
}

/** A container's cpu and memory requests, defaulted when missing (NonMissingContainerRequests). */
function nonZero(list: unknown): [number, number] {
  const l = isJsonObject(list) ? list : undefined;
  const cpu = l && l.cpu !== undefined ? milliValue(l.cpu) : DEFAULT_MILLI_CPU_REQUEST;
  const mem = l && l.memory !== undefined ? unitValue(l.memory) : DEFAULT_MEMORY_REQUEST;
  return [cpu, mem];
}
