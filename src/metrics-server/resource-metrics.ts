/**
 * Resource usage from two scrapes of a kubelet's Summary API, as metrics-server computes it
 * (sigs.k8s.io/metrics-server pkg/storage): CPU is the rate of the cumulative CPU time between the
 * two scrapes, memory is the working set of the newer one. A container that restarted between the
 * scrapes is measured from its start; one seen only once has no usage yet.
 */
import { isJsonObject, type JsonObject } from '../api/object.js';

/** One measurement of a node or container. Times in ms since the epoch. */
export interface MetricsPoint {
  readonly timestamp: number;
  /** Cumulative CPU time in core-nanoseconds. */
  readonly cpuCoreNanos: number;
  readonly memoryWorkingSetBytes: number;
  /** The rate the kubelet reported with the point (usageNanoCores), if any. */
  readonly reportedNanoCores?: number;
  /** When the container (or node) started; undefined when the kubelet did not say. */
  readonly startTime?: number;
}

export interface PodPoints {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly containers: ReadonlyMap<string, MetricsPoint>;
}

/** What one scrape of one node found. */
export interface NodeScrape {
  readonly node: MetricsPoint | undefined;
  /** By `namespace/name`. */
  readonly pods: ReadonlyMap<string, PodPoints>;
}

export interface Usage {
  /** End of the window (the newer point's time). */
  readonly timestamp: number;
  readonly windowMs: number;
  readonly cpuNanoCores: number;
  readonly memoryBytes: number;
}

/**
 * Reads a Summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1) defensively: a node or container
 * without a time, cumulative CPU or working set is left out rather than guessed.
 */
export function decodeSummary(body: unknown): NodeScrape {
  const summary = isJsonObject(body) ? body : {};
  const nodeStats = isJsonObject(summary.node) ? summary.node : undefined;
  const pods = new Map<string, PodPoints>();
  for (const raw of Array.isArray(summary.pods) ? summary.pods : []) {
    if (!isJsonObject(raw) || !isJsonObject(raw.podRef)) continue;
    const { namespace, name, uid } = raw.podRef;
    if (typeof namespace !== 'string' || typeof name !== 'string') continue;
    const containers = new Map<string, MetricsPoint>();
    for (const c of Array.isArray(raw.containers) ? raw.containers : []) {
      if (!isJsonObject(c) || typeof c.name !== 'string') continue;
      const point = pointOf(c);
      if (point) containers.set(c.name, point);
    }
    pods.set(`${namespace}/${name}`, { namespace, name, uid: typeof uid === 'string' ? uid : '', containers });
  }
  return { node: nodeStats ? pointOf(nodeStats) : undefined, pods };
}

function pointOf(stats: JsonObject): MetricsPoint | undefined {
  const cpu = isJsonObject(stats.cpu) ? stats.cpu : undefined;
  const memory = isJsonObject(stats.memory) ? stats.memory : undefined;
  if (!cpu || !memory) return undefined;
  const timestamp = typeof cpu.time === 'string' ? Date.parse(cpu.time) : Number.NaN;
  const cpuCoreNanos = cpu.usageCoreNanoSeconds;
  const workingSet = memory.workingSetBytes;
  if (!Number.isFinite(timestamp) || typeof cpuCoreNanos !== 'number' || cpuCoreNanos < 0 || typeof workingSet !== 'number' || workingSet < 0) return undefined;
  const start = typeof stats.startTime === 'string' ? Date.parse(stats.startTime) : Number.NaN;
  const reported = typeof cpu.usageNanoCores === 'number' && cpu.usageNanoCores >= 0 ? cpu.usageNanoCores : undefined;
  return { timestamp, cpuCoreNanos, memoryWorkingSetBytes: workingSet, ...(reported !== undefined ? { reportedNanoCores: reported } : {}), ...(Number.isFinite(start) ? { startTime: start } : {}) };
}

/**
 * Usage between an older and a newer point of the same node or container; undefined when it cannot
 * be told (no older point, time not moving forward, or the counter going back without a restart
 * and without a rate reported by the kubelet). A simulated node's counter is the sum over its
 * current pods, so it goes back when a pod ends: its reported rate stands in then.
 */
export function usageBetween(older: MetricsPoint | undefined, newer: MetricsPoint): Usage | undefined {
  let from = older;
  // Restarted since the older point: its counter began again at the start.
  if (from && newer.startTime !== undefined && newer.startTime > from.timestamp) from = { timestamp: newer.startTime, cpuCoreNanos: 0, memoryWorkingSetBytes: 0 };
  if (!from || newer.timestamp <= from.timestamp) return undefined;
  const windowMs = newer.timestamp - from.timestamp;
  if (newer.cpuCoreNanos < from.cpuCoreNanos) {
    if (newer.reportedNanoCores === undefined) return undefined;
    return { timestamp: newer.timestamp, windowMs, cpuNanoCores: newer.reportedNanoCores, memoryBytes: newer.memoryWorkingSetBytes };
  }
  const cpuNanoCores = Math.round(((newer.cpuCoreNanos - from.cpuCoreNanos) / windowMs) * 1000);
  return { timestamp: newer.timestamp, windowMs, cpuNanoCores, memoryBytes: newer.memoryWorkingSetBytes };
}
