/**
 * What the kubelet reports about its machine: static facts for node registration (capacity,
 * nodeInfo) and a usage sample for the pressure conditions (upstream reads the same through
 * cadvisor: MemTotal, /etc/os-release, /etc/machine-id, boot_id, the root filesystem of the
 * kubelet's state, the pid limit).
 *
 * `HostProbe` is the seam: `linuxHostProbe()` reads /proc, /etc and statfs; tests inject fixed
 * numbers.
 */
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { arch, availableParallelism, hostname, platform, release, totalmem } from 'node:os';
import { createHash } from 'node:crypto';

export interface HostFacts {
  /** Lower-cased host name (the default node name, as upstream's `--hostname-override` default). */
  readonly hostname: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Size of the filesystem holding the kubelet's data dir (ephemeral-storage capacity). */
  readonly ephemeralStorageBytes: number;
  /** kernel.pid_max. */
  readonly pidMax: number;
  /** GOOS-style: linux. */
  readonly os: string;
  /** GOARCH-style: amd64, arm64 … */
  readonly arch: string;
  readonly kernelVersion: string;
  /** PRETTY_NAME of /etc/os-release. */
  readonly osImage: string;
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
}

export interface HostUsage {
  /** MemAvailable. */
  readonly memoryAvailableBytes: number;
  /** Free bytes (for unprivileged users) and size of the data dir's filesystem. */
  readonly fsAvailableBytes: number;
  readonly fsCapacityBytes: number;
  readonly fsInodesFree: number;
  readonly fsInodes: number;
  /** Processes (and threads: each takes a pid) running now. */
  readonly processes: number;
}

export interface HostProbe {
  facts(): HostFacts;
  usage(): HostUsage;
}

/** GOARCH for Node's `process.arch`. */
export function goArch(nodeArch: string): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return nodeArch;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** PRETTY_NAME from os-release content (upstream cadvisor's getOperatingSystem). */
export function prettyName(osRelease: string | undefined): string {
  if (!osRelease) return 'Linux';
  for (const line of osRelease.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (m) return m[1].replace(/^["']|["']$/g, '');
  }
  return 'Linux';
}

/** A value from /proc/meminfo content, in bytes. */
export function meminfoBytes(meminfo: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** A UUID-shaped id derived from a seed (for machines without DMI data, e.g. containers). */
function derivedUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The host as /proc, /etc and statfs show it; `dataDir` is where the kubelet keeps pod data. */
export function linuxHostProbe(dataDir: string): HostProbe {
  return {
    facts(): HostFacts {
      const fs = statfsSync(dataDir);
      const machineID = (readText('/etc/machine-id') ?? readText('/var/lib/dbus/machine-id') ?? '').trim() || createHash('sha256').update(hostname()).digest('hex').slice(0, 32);
      const uuid = (readText('/sys/class/dmi/id/product_uuid') ?? '').trim();
      return {
        hostname: hostname().toLowerCase(),
        cpus: availableParallelism(),
        memoryBytes: meminfoBytes(readText('/proc/meminfo') ?? '', 'MemTotal') ?? totalmem(),
        ephemeralStorageBytes: Number(fs.blocks) * Number(fs.bsize),
        pidMax: Number((readText('/proc/sys/kernel/pid_max') ?? '').trim()) || 32768,
        os: platform(),
        arch: goArch(arch()),
        kernelVersion: release(),
        osImage: prettyName(readText('/etc/os-release') ?? readText('/usr/lib/os-release')),
        machineID,
        systemUUID: uuid || derivedUuid(`system/${machineID}`),
        bootID: (readText('/proc/sys/kernel/random/boot_id') ?? '').trim() || derivedUuid(`boot/${machineID}/${Date.now()}`),
      };
    },
    usage(): HostUsage {
      const fs = statfsSync(dataDir);
      const meminfo = readText('/proc/meminfo') ?? '';
      const loadavg = readText('/proc/loadavg') ?? '';
      // 4th field of /proc/loadavg: runnable/total scheduling entities (threads).
      const total = /\s\d+\/(\d+)\s/.exec(loadavg);
      let processes = total ? Number(total[1]) : 0;
      if (!total) {
        try {
          processes = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
        } catch {
          processes = 0;
        }
      }
      return {
        memoryAvailableBytes: meminfoBytes(meminfo, 'MemAvailable') ?? meminfoBytes(meminfo, 'MemFree') ?? 0,
        fsAvailableBytes: Number(fs.bavail) * Number(fs.bsize),
        fsCapacityBytes: Number(fs.blocks) * Number(fs.bsize),
        fsInodesFree: Number(fs.ffree),
        fsInodes: Number(fs.files),
        processes,
      };
    },
  };
}
