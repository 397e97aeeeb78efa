/** What every benchmark result records about where and what it measured. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { round } from './stats.mjs';

/** The machine: cores, memory, Node, kernel, and its load average now. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  };
}

/** The measured checkout's commit and whether tracked files differ from it (undefined outside git). */
export function gitInfo(root) {
  try {
    const git = (args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' };
  } catch {
    return undefined;
  }
}
