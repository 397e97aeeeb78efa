/**
 * Restarting the machine's Docker engine for the dockerd-restart test, and putting it back if a
 * test fails half-way. systemd's docker.service when systemd runs it; otherwise the running
 * `dockerd` process is stopped (SIGTERM) and started again with the same command line, its output
 * appended to /var/log/lite-dockerd.log (where scripts/install.sh starts it). Every wait is
 * bounded. Other tests share this engine: only one file does this, and it restores the engine.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { runProgram } from './kubectl.js';
import { eventually } from './wait.js';

const LOG = '/var/log/lite-dockerd.log';

async function dockerAnswers(): Promise<boolean> {
  return (await runProgram('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5_000 })).code === 0;
}

async function systemdManaged(): Promise<boolean> {
  const running = await runProgram('systemctl', ['is-system-running'], { timeoutMs: 5_000 }).catch(() => undefined);
  if (!running || running.code === null || !/^(running|degraded|starting)/.test(running.stdout.trim())) return false;
  const active = await runProgram('systemctl', ['is-active', 'docker'], { timeoutMs: 5_000 });
  return active.stdout.trim() === 'active';
}

function dockerdPid(): number | undefined {
  for (const entry of readdirProc()) {
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (cmd[0] && /(^|\/)dockerd$/.test(cmd[0])) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

function readdirProc(): string[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
}

let savedArgv: string[] | undefined;

function startDockerd(argv: readonly string[]): void {
  const out = openSync(LOG, 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', out, out] });
  child.unref();
}

/** Stops the engine (its containers stop: live-restore is off) and starts it again; waits until it answers. */
export async function restartDockerd(): Promise<void> {
  if (await systemdManaged()) {
    const r = await runProgram('systemctl', ['restart', 'docker'], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`systemctl restart docker failed: ${r.stderr}`);
  } else {
    const pid = dockerdPid();
    if (pid === undefined) throw new Error('no dockerd process found to restart (and docker.service is not managed by systemd)');
    savedArgv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    process.kill(pid, 'SIGTERM');
    await eventually(() => !existsSync(`/proc/${pid}`), { timeoutMs: 60_000, intervalMs: 200, what: `dockerd (pid ${pid}) to exit after SIGTERM` });
    startDockerd(savedArgv);
  }
  await eventually(() => dockerAnswers(), { timeoutMs: 60_000, intervalMs: 250, what: 'dockerd to answer again' });
}

/** Starts dockerd again if a failed test left it stopped. */
export async function ensureDockerdRunning(): Promise<void> {
  if (await dockerAnswers()) return;
  if (await systemdManaged().catch(() => false)) await runProgram('systemctl', ['start', 'docker'], { timeoutMs: 120_000 });
  else if (dockerdPid() === undefined) startDockerd(savedArgv ?? ['dockerd']);
  await eventually(() => dockerAnswers(), { timeoutMs: 60_000, intervalMs: 250, what: 'dockerd to answer' });
}
