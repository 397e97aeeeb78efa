/**
 * NodeInfo: a node and the pods bound or assumed to it, with the aggregates the plugins read
 * (framework.NodeInfo): requested resources (exact and "non-zero" for scoring), host ports in
 * use, and the pods with affinity terms. Kept incrementally by the scheduler cache; preemption
 * and nominated-pod checks work on clones.
 */
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { hasAffinityConstraints, type HostPort, type Labels, type PodInfo } from './pod-info.js';
import { Resource } from './resource.js';
import { parseTaints, type Taint } from './taints.js';

/** Host ports in use on a node: ip → `protocol/port` → count. */
export class HostPortInfo {
  readonly #byIp = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.#byIp.get(p.ip);
    if (!m) this.#byIp.set(p.ip, (m = new Map()));
    const k = `${p.protocol}/${p.port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.#byIp.get(p.ip);
    if (!m) return;
    const k = `${p.protocol}/${p.port}`;
    const n = (m.get(k) ?? 0) - 1;
    if (n > 0) m.set(k, n);
    else m.delete(k);
    if (m.size === 0) this.#byIp.delete(p.ip);
  }

  get size(): number {
    return this.#byIp.size;
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address. */
  conflicts(p: HostPort): boolean {
    if (p.port <= 0) return false;
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === '0.0.0.0') {
      for (const m of this.#byIp.values()) if (m.has(k)) return true;
      return false;
    }
    return (this.#byIp.get(p.ip)?.has(k) ?? false) || (this.#byIp.get('0.0.0.0')?.has(k) ?? false);
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.#byIp) c.#byIp.set(ip, new Map(m));
    return c;
  }
}

export interface ImageOnNode {
  readonly size: number;
}

const EMPTY_LABELS: Labels = Object.freeze({});

export class NodeInfo {
  /** undefined while pods reference a node the cache has not seen (or that was deleted). */
  node: KubeObject | undefined;
  name: string;
  labels: Labels = EMPTY_LABELS;
  taints: readonly Taint[] = [];
  unschedulable = false;
  allocatable = new Resource();
  /** Images on the node by every name they are known under (status.images). */
  images: ReadonlyMap<string, ImageOnNode> = new Map();
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested = new Resource();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  usedPorts = new HostPortInfo();
  /** Bumped on every change. */
  generation = 0;
  /**
   * Copies of the numbers the filter and score loops read for every node, refreshed by setNode,
   * addPod and removePod (treat them as read-only). They are own fields, so a loop over
   * thousands of nodes touches one object per node instead of four (the node info, allocatable,
   * requested, the pod list): with 5000 nodes scattered over a large heap, each of those was a
   * cache miss, which made NodeResourcesFit's check several times slower than its arithmetic.
   */
  allocatableMilliCPU = 0;
  allocatableMemory = 0;
  requestedMilliCPU = 0;
  requestedMemory = 0;
  /** allocatable − requested ephemeral storage. */
  freeEphemeralStorage = 0;
  /** Pods that still fit by count (allocatable pods − pods on the node). */
  freePods = 0;

  constructor(name: string, node?: KubeObject) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: KubeObject): void {
    this.node = node;
    this.name = node.metadata.name ?? this.name;
    this.labels = node.metadata.labels ?? EMPTY_LABELS;
    const spec = isJsonObject(node.spec) ? node.spec : {};
    const status = isJsonObject(node.status) ? node.status : {};
    this.taints = parseTaints(spec.taints);
    this.unschedulable = spec.unschedulable === true;
    this.allocatable = Resource.fromList(status.allocatable);
    const images = new Map<string, ImageOnNode>();
    if (Array.isArray(status.images)) {
      for (const img of status.images) {
        if (!isJsonObject(img) || !Array.isArray(img.names)) continue;
        const size = typeof img.sizeBytes === 'number' ? img.sizeBytes : 0;
        for (const n of img.names) if (typeof n === 'string') images.set(n, { size });
      }
    }
    this.images = images;
    this.#refresh();
  }

  /** Recomputes the hot copies and bumps the generation after a change. */
  #refresh(): void {
    const a = this.allocatable;
    const r = this.requested;
    this.allocatableMilliCPU = a.milliCPU;
    this.allocatableMemory = a.memory;
    this.requestedMilliCPU = r.milliCPU;
    this.requestedMemory = r.memory;
    this.freeEphemeralStorage = a.ephemeralStorage - r.ephemeralStorage;
    this.freePods = a.allowedPodNumber - this.pods.length;
    this.generation++;
  }

  addPod(p: PodInfo): void {
    this.pods.push(p);
    if (hasAffinityConstraints(p)) this.podsWithAffinity.push(p);
    if (p.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(p);
    this.requested.add(p.requests);
    this.nonZeroMilliCPU += p.nonZeroMilliCPU;
    this.nonZeroMemory += p.nonZeroMemory;
    for (const hp of p.hostPorts) this.usedPorts.add(hp);
    this.#refresh();
  }

  /** Removes the pod with this uid; returns the PodInfo that was on the node. */
  removePod(uid: string): PodInfo | undefined {
    const i = this.pods.findIndex((x) => x.uid === uid);
    if (i < 0) return undefined;
    const p = this.pods[i];
    swapRemove(this.pods, i);
    const a = this.podsWithAffinity.findIndex((x) => x.uid === uid);
    if (a >= 0) swapRemove(this.podsWithAffinity, a);
    const r = this.podsWithRequiredAntiAffinity.findIndex((x) => x.uid === uid);
    if (r >= 0) swapRemove(this.podsWithRequiredAntiAffinity, r);
    this.requested.sub(p.requests);
    this.nonZeroMilliCPU -= p.nonZeroMilliCPU;
    this.nonZeroMemory -= p.nonZeroMemory;
    for (const hp of p.hostPorts) this.usedPorts.remove(hp);
    this.#refresh();
    return p;
  }

  /** A copy whose pod lists and aggregates can change without touching this one. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.allocatable = this.allocatable;
    c.images = this.images;
    c.pods.push(...this.pods);
    c.podsWithAffinity.push(...this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity.push(...this.podsWithRequiredAntiAffinity);
    c.requested = this.requested.clone();
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    c.usedPorts = this.usedPorts.clone();
    c.#refresh();
    c.generation = this.generation;
    return c;
  }
}

function swapRemove<T>(a: T[], i: number): void {
  const last = a.length - 1;
  if (i !== last) a[i] = a[last];
  a.pop();
}
