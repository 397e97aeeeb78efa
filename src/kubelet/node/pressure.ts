/**
 * The pressure conditions, from the eviction manager's signals and hard thresholds
 * (pkg/kubelet/eviction/defaults_linux.go: memory.available<100Mi, nodefs.available<10%,
 * nodefs.inodesFree<5%; no pid threshold unless configured). As upstream, a condition that was
 * observed stays True for the pressure transition period (--eviction-pressure-transition-period,
 * 5 min) after the signal last crossed its threshold, so it does not flap.
 */
import type { HostUsage } from './host-info.js';

export interface EvictionThresholds {
  /** memory.available below this many bytes. */
  readonly memoryAvailableBytes: number;
  /** nodefs.available below this fraction of the filesystem. */
  readonly nodefsAvailableFraction: number;
  /** nodefs.inodesFree below this fraction. */
  readonly nodefsInodesFreeFraction: number;
  /** pid.available below this fraction of pid_max (undefined: no PID threshold, as upstream's default). */
  readonly pidAvailableFraction?: number;
}

export const DEFAULT_EVICTION_THRESHOLDS: EvictionThresholds = {
  memoryAvailableBytes: 100 * 1024 * 1024,
  nodefsAvailableFraction: 0.1,
  nodefsInodesFreeFraction: 0.05,
};

export interface Pressure {
  readonly memory: boolean;
  readonly disk: boolean;
  readonly pid: boolean;
}

/** Which thresholds the sample crosses right now. */
export function observedPressure(usage: HostUsage, pidMax: number, t: EvictionThresholds): Pressure {
  const disk =
    (usage.fsCapacityBytes > 0 && usage.fsAvailableBytes < usage.fsCapacityBytes * t.nodefsAvailableFraction) ||
    (usage.fsInodes > 0 && usage.fsInodesFree < usage.fsInodes * t.nodefsInodesFreeFraction);
  const pid = t.pidAvailableFraction !== undefined && pidMax > 0 && pidMax - usage.processes < pidMax * t.pidAvailableFraction;
  return { memory: usage.memoryAvailableBytes < t.memoryAvailableBytes, disk, pid };
}

/** Holds each condition True for `transitionPeriodMs` after its last observation. */
export class PressureTracker {
  readonly #transitionMs: number;
  readonly #lastSeen: Record<keyof Pressure, number> = { memory: -Infinity, disk: -Infinity, pid: -Infinity };

  constructor(transitionPeriodMs = 5 * 60_000) {
    this.#transitionMs = transitionPeriodMs;
  }

  update(observed: Pressure, now: number): Pressure {
    const out = { memory: false, disk: false, pid: false };
    for (const k of ['memory', 'disk', 'pid'] as const) {
      if (observed[k]) this.#lastSeen[k] = now;
      out[k] = now - this.#lastSeen[k] < this.#transitionMs;
    }
    return out;
  }
}
