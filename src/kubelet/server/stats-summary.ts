/**
 * `GET /stats/summary`: a minimal kubelet Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1):
 * node and per-pod/per-container CPU and memory, enough for metrics-server style consumers
 * (`kubectl top`). CPU rates (usageNanoCores) come from the previous sample of the same
 * container or of the node.
 */
import { cpus, freemem, totalmem, uptime } from 'node:os';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { Clock } from '../../util/clock.js';
import type { StreamingPodLookup } from './pod-lookup.js';

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
}

export interface ContainerStatsSummary {
  name: string;
  startTime?: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodStatsSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  containers: ContainerStatsSummary[];
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface Summary {
  node: { nodeName: string; startTime?: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodStatsSummary[];
}

/** Host-wide CPU time and memory (the node's own figures). */
export interface HostStats {
  cpuUsageNanos(): number;
  memory(): { totalBytes: number; availableBytes: number };
  bootTime(): number;
}

export const osHostStats: HostStats = {
  cpuUsageNanos: () => cpus().reduce((sum, c) => sum + (c.times.user + c.times.nice + c.times.sys + c.times.irq) * 1_000_000, 0),
  memory: () => ({ totalBytes: totalmem(), availableBytes: freemem() }),
  bootTime: () => Date.now() - Math.round(uptime() * 1000),
};

interface Sample {
  at: number;
  nanos: number;
}

export class StatsSummaryProvider {
  readonly #runtime: ContainerRuntime;
  readonly #pods: StreamingPodLookup;
  readonly #clock: Clock;
  readonly #host: HostStats;
  readonly #nodeName: string;
  readonly #samples = new Map<string, Sample>();

  constructor(config: { runtime: ContainerRuntime; pods: StreamingPodLookup; clock: Clock; nodeName: string; host?: HostStats }) {
    this.#runtime = config.runtime;
    this.#pods = config.pods;
    this.#clock = config.clock;
    this.#nodeName = config.nodeName;
    this.#host = config.host ?? osHostStats;
  }

  #rate(key: string, at: number, nanos: number): number | undefined {
    const prev = this.#samples.get(key);
    this.#samples.set(key, { at, nanos });
    if (!prev || at <= prev.at || nanos < prev.nanos) return undefined;
    return Math.round(((nanos - prev.nanos) / (at - prev.at)) * 1000);
  }

  async summary(): Promise<Summary> {
    const now = this.#clock.now();
    const time = new Date(now).toISOString();
    const seen = new Set<string>(['node']);
    const pods: PodStatsSummary[] = [];
    for (const pod of await this.#pods.listPods()) {
      const containers: ContainerStatsSummary[] = [];
      for (const c of pod.containers) {
        if (!c.current?.running) continue;
        let s;
        try {
          s = await this.#runtime.containerStats(c.current.id);
        } catch {
          continue; // gone since listed
        }
        const key = `c/${c.current.id}`;
        seen.add(key);
        const t = new Date(s.timestamp).toISOString();
        const rate = this.#rate(key, s.timestamp, s.cpuUsageNanos);
        containers.push({
          name: c.name,
          ...(c.current.startedAt !== undefined ? { startTime: new Date(c.current.startedAt).toISOString() } : {}),
          cpu: { time: t, usageCoreNanoSeconds: s.cpuUsageNanos, ...(rate !== undefined ? { usageNanoCores: rate } : {}) },
          memory: { time: t, usageBytes: s.memoryUsageBytes, workingSetBytes: s.memoryWorkingSetBytes },
        });
      }
      const sum = (f: (c: ContainerStatsSummary) => number | undefined) => containers.reduce((a, c) => a + (f(c) ?? 0), 0);
      const podRate = containers.every((c) => c.cpu.usageNanoCores !== undefined) && containers.length > 0 ? sum((c) => c.cpu.usageNanoCores) : undefined;
      pods.push({
        podRef: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
        ...(pod.startTime !== undefined ? { startTime: new Date(pod.startTime).toISOString() } : {}),
        containers,
        cpu: { time, usageCoreNanoSeconds: sum((c) => c.cpu.usageCoreNanoSeconds), ...(podRate !== undefined ? { usageNanoCores: podRate } : {}) },
        memory: { time, usageBytes: sum((c) => c.memory.usageBytes), workingSetBytes: sum((c) => c.memory.workingSetBytes) },
      });
    }
    for (const key of [...this.#samples.keys()]) if (!seen.has(key)) this.#samples.delete(key);
    const nodeNanos = this.#host.cpuUsageNanos();
    const nodeRate = this.#rate('node', now, nodeNanos);
    const mem = this.#host.memory();
    const used = Math.max(0, mem.totalBytes - mem.availableBytes);
    return {
      node: {
        nodeName: this.#nodeName,
        startTime: new Date(this.#host.bootTime()).toISOString(),
        cpu: { time, usageCoreNanoSeconds: nodeNanos, ...(nodeRate !== undefined ? { usageNanoCores: nodeRate } : {}) },
        memory: { time, availableBytes: mem.availableBytes, usageBytes: used, workingSetBytes: used },
      },
      pods,
    };
  }
}
