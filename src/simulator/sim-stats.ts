/**
 * The kubelet Summary API (`GET /stats/summary`, k8s.io/kubelet/pkg/apis/stats/v1alpha1) of a
 * simulated node, so `kubectl top` (through lite's metrics scraper) works for simulated nodes.
 *
 * A simulated container is not a process and uses nothing; its usage is what its pod declares:
 *   lite.dev/sim-cpu-usage     CPU quantity ("250m", "1.5") each running container of the pod uses
 *   lite.dev/sim-memory-usage  memory quantity ("64Mi") each running container of the pod uses
 * Without an annotation (or with one that is not a non-negative quantity) the usage is 0: a
 * malformed annotation is the user's typo, not a reason to fail the node's whole summary.
 *
 * Figures follow the real kubelet's summary (src/kubelet/server/stats-summary.ts): only running
 * containers, from the container statuses the simulator wrote (the same view `kubectl get pods`
 * and the simulated `containerLogs` have; startedAt is the instance's start, so a restart starts
 * its counter afresh as a new container's would); pods without one are left out; pod figures
 * are the sums of their containers', the node's the sums of its pods'.
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import { objsAt, optStrAt, strAt } from '../api/json-access.js';
import { quantityIntValue, readQuantity } from '../api/schema/quantity.js';
import type { ContainerStatsSummary, CpuStats, MemoryStats, PodStatsSummary, Summary } from '../kubelet/server/stats-summary.js';

export const SIM_USAGE_ANNOTATIONS = {
  cpu: 'lite.dev/sim-cpu-usage',
  memory: 'lite.dev/sim-memory-usage',
} as const;

/** What a simulated node's summary is computed from; all of it as of `now`. */
export interface SimSummaryInput {
  readonly nodeName: string;
  /** When the simulated node started (ms since the epoch). */
  readonly nodeStartTime: number;
  /** The node's memory (allocatable, else capacity) in bytes; undefined when unknown (no availableBytes then). */
  readonly memoryBytes: number | undefined;
  /** The pods bound to the node, as the API has them; pods bound elsewhere are ignored. */
  readonly pods: readonly KubeObject[];
  /** ms since the epoch (the simulator's clock). */
  readonly now: number;
}

/**
 * The largest double that is below 2^64: the Summary's counters are uint64 upstream, and a
 * larger number would also print in exponent form, which a Go client cannot read as one.
 */
const MAX_U64 = 2 ** 64 - 2048;
const u64 = (n: number): number => Math.min(Math.max(0, n), MAX_U64);

/** The simulated usage of each running container of `pod`: CPU in nanocores, memory in bytes. */
export function simulatedUsage(pod: KubeObject): { nanoCores: bigint; memoryBytes: number } {
  const annotations = pod.metadata.annotations ?? {};
  const cpu = readQuantity(annotations[SIM_USAGE_ANNOTATIONS.cpu]);
  const mem = readQuantity(annotations[SIM_USAGE_ANNOTATIONS.memory]);
  // A quantity's nanos are its value × 10^9: for CPU, exactly nanocores.
  return {
    nanoCores: cpu && cpu.nanos > 0n ? cpu.nanos : 0n,
    memoryBytes: mem && mem.nanos > 0n ? u64(Number(quantityIntValue(mem))) : 0,
  };
}

/** Memory in bytes from a Node's status: allocatable, else capacity. */
export function nodeMemoryBytes(node: KubeObject | undefined): number | undefined {
  const status = node && isJsonObject(node.status) ? node.status : undefined;
  for (const list of ['allocatable', 'capacity']) {
    const q = readQuantity(status && isJsonObject(status[list]) ? status[list].memory : undefined);
    if (q) return u64(Number(quantityIntValue(q)));
  }
  return undefined;
}

/** The Summary a kubelet would serve for the simulated node at `input.now`. */
export function simulatedSummary(input: SimSummaryInput): Summary {
  const { now } = input;
  const time = new Date(now).toISOString();
  const pods: PodStatsSummary[] = [];
  for (const pod of input.pods) {
    const spec = isJsonObject(pod.spec) ? pod.spec : {};
    if (strAt(spec, 'nodeName') !== input.nodeName) continue;
    const status = isJsonObject(pod.status) ? pod.status : {};
    const usage = simulatedUsage(pod);
    const containers: ContainerStatsSummary[] = [];
    for (const { name, startedAt } of runningContainers(status)) {
      // Cumulative, as a real container's cgroup counter: cores × ns since this instance started.
      const elapsedMs = BigInt(Math.max(0, now - startedAt));
      containers.push({
        name,
        startTime: new Date(startedAt).toISOString(),
        cpu: { time, usageNanoCores: u64(Number(usage.nanoCores)), usageCoreNanoSeconds: u64(Number((usage.nanoCores * elapsedMs) / 1000n)) },
        memory: { time, usageBytes: usage.memoryBytes, workingSetBytes: usage.memoryBytes },
      });
    }
    if (containers.length === 0) continue;
    const podStart = Date.parse(optStrAt(status, 'startTime') ?? '');
    pods.push({
      podRef: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', uid: pod.metadata.uid ?? '' },
      ...(Number.isNaN(podStart) ? {} : { startTime: new Date(podStart).toISOString() }),
      containers,
      cpu: sumCpu(time, containers),
      memory: sumMemory(time, containers),
    });
  }
  const memory = sumMemory(time, pods);
  return {
    node: {
      nodeName: input.nodeName,
      startTime: new Date(input.nodeStartTime).toISOString(),
      cpu: sumCpu(time, pods),
      memory: input.memoryBytes === undefined ? memory : { ...memory, availableBytes: Math.max(0, input.memoryBytes - memory.workingSetBytes) },
    },
    pods,
  };
}

type StatusList = 'initContainerStatuses' | 'containerStatuses' | 'ephemeralContainerStatuses';
const STATUS_LISTS: readonly StatusList[] = ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'];

/** Containers whose status says running (sidecar init and ephemeral ones too), with their start. */
function runningContainers(status: JsonObject): { name: string; startedAt: number }[] {
  const out: { name: string; startedAt: number }[] = [];
  for (const list of STATUS_LISTS) {
    for (const cs of objsAt(status, list)) {
      const running = isJsonObject(cs.state) && isJsonObject(cs.state.running) ? cs.state.running : undefined;
      if (!running) continue;
      const startedAt = Date.parse(strAt(running, 'startedAt'));
      // A running state without a start (not one the simulator writes) cannot have accrued usage.
      if (!Number.isNaN(startedAt)) out.push({ name: strAt(cs, 'name'), startedAt });
    }
  }
  return out;
}

function sumCpu(time: string, parts: readonly { cpu: CpuStats }[]): CpuStats {
  let rate = 0;
  let cumulative = 0;
  for (const p of parts) {
    rate += p.cpu.usageNanoCores ?? 0;
    cumulative += p.cpu.usageCoreNanoSeconds;
  }
  return { time, usageNanoCores: u64(rate), usageCoreNanoSeconds: u64(cumulative) };
}

function sumMemory(time: string, parts: readonly { memory: MemoryStats }[]): MemoryStats {
  let used = 0;
  let workingSet = 0;
  for (const p of parts) {
    used += p.memory.usageBytes;
    workingSet += p.memory.workingSetBytes;
  }
  return { time, usageBytes: u64(used), workingSetBytes: u64(workingSet) };
}
