import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { goArch, linuxHostProbe, meminfoBytes, prettyName } from './host-info.js';
import { binaryQuantity } from './node-object.js';
import { observedPressure, DEFAULT_EVICTION_THRESHOLDS } from './pressure.js';

describe('host facts', () => {
  it('reads PRETTY_NAME and /proc/meminfo values', () => {
    expect(prettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(prettyName(undefined)).toBe('Linux');
    expect(meminfoBytes('MemTotal:       24683692 kB\nMemAvailable:   23000000 kB\n', 'MemAvailable')).toBe(23000000 * 1024);
    expect(meminfoBytes('MemTotal: 1 kB\n', 'MemAvailable')).toBeUndefined();
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
  });

  it('prints byte counts as canonical binary quantities', () => {
    expect(binaryQuantity(8 * 2 ** 30)).toBe('8Gi');
    expect(binaryQuantity(24683692 * 1024)).toBe('24683692Ki');
    expect(binaryQuantity(1000)).toBe('1000');
    expect(binaryQuantity(0)).toBe('0');
  });

  it('probes this machine', () => {
    const p = linuxHostProbe(tmpdir());
    const f = p.facts();
    expect(f.cpus).toBeGreaterThan(0);
    expect(f.memoryBytes).toBeGreaterThan(2 ** 20);
    expect(f.ephemeralStorageBytes).toBeGreaterThan(0);
    expect(f.kernelVersion).not.toBe('');
    expect(f.bootID).toMatch(/^[0-9a-f-]{36}$/);
    const u = p.usage();
    expect(u.memoryAvailableBytes).toBeGreaterThan(0);
    expect(u.fsAvailableBytes).toBeLessThanOrEqual(u.fsCapacityBytes);
    expect(u.processes).toBeGreaterThan(0);
  });

  it('crosses the hard eviction thresholds', () => {
    const base = { memoryAvailableBytes: 2 ** 30, fsAvailableBytes: 50, fsCapacityBytes: 100, fsInodesFree: 50, fsInodes: 100, processes: 10 };
    expect(observedPressure(base, 1000, DEFAULT_EVICTION_THRESHOLDS)).toEqual({ memory: false, disk: false, pid: false });
    expect(observedPressure({ ...base, fsAvailableBytes: 9 }, 1000, DEFAULT_EVICTION_THRESHOLDS).disk).toBe(true);
    expect(observedPressure({ ...base, fsInodesFree: 4 }, 1000, DEFAULT_EVICTION_THRESHOLDS).disk).toBe(true);
    expect(observedPressure({ ...base, memoryAvailableBytes: 99 * 2 ** 20 }, 1000, DEFAULT_EVICTION_THRESHOLDS).memory).toBe(true);
    // no PID threshold by default, as upstream
    expect(observedPressure({ ...base, processes: 999 }, 1000, DEFAULT_EVICTION_THRESHOLDS).pid).toBe(false);
    expect(observedPressure({ ...base, processes: 999 }, 1000, { ...DEFAULT_EVICTION_THRESHOLDS, pidAvailableFraction: 0.05 }).pid).toBe(true);
  });
});
