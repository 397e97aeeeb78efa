/**
 * The iptables seam of the proxy: two calls, as kube-proxy's iptables proxier uses them.
 *
 *  - `save(table)`: the table as `iptables-save -t <table>` prints it;
 *  - `restore(input)`: `iptables-restore --noflush` of a restore-format text (one or more
 *    `*table … COMMIT` sections). With --noflush only the chains declared in the input (`:NAME -
 *    [0:0]`) are flushed; every other rule and chain (Docker's, the host's) stays as it is. Each
 *    table section is applied atomically.
 *
 * `ExecIptablesRunner` runs the real binaries, optionally behind a command prefix (`ip netns exec
 * NAME` in tests); `FakeIptables` (fake-iptables.ts) simulates them for unit tests.
 */
import { execFile, spawn } from 'node:child_process';
import type { Logger } from 'pino';

export type IptablesTable = 'filter' | 'nat';

export interface IptablesRunner {
  save(table: IptablesTable): Promise<string>;
  restore(input: string): Promise<void>;
}

export interface ExecIptablesRunnerConfig {
  /** Command prefix, e.g. `['ip', 'netns', 'exec', 'lite-test']` (default none). */
  readonly prefix?: readonly string[];
  /** Binaries (default `iptables-save` and `iptables-restore` from PATH). */
  readonly saveCommand?: string;
  readonly restoreCommand?: string;
  /** Per-call timeout (default 30 s). */
  readonly timeoutMs?: number;
  readonly logger: Logger;
}

export class ExecIptablesRunner implements IptablesRunner {
  readonly #c: ExecIptablesRunnerConfig;

  constructor(config: ExecIptablesRunnerConfig) {
    this.#c = config;
  }

  #argv(command: string, args: string[]): [string, string[]] {
    const full = [...(this.#c.prefix ?? []), command, ...args];
    return [full[0], full.slice(1)];
  }

  save(table: IptablesTable): Promise<string> {
    const [cmd, args] = this.#argv(this.#c.saveCommand ?? 'iptables-save', ['-t', table]);
    this.#c.logger.debug({ cmd, args }, 'iptables-save');
    return new Promise((resolve, reject) => {
      execFile(cmd, args, { timeout: this.#c.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`, { cause: err }));
        else resolve(stdout);
      });
    });
  }

  restore(input: string): Promise<void> {
    const [cmd, args] = this.#argv(this.#c.restoreCommand ?? 'iptables-restore', ['--noflush']);
    this.#c.logger.debug({ cmd, args, lines: input.split('\n').length }, 'iptables-restore');
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: this.#c.timeoutMs ?? 30_000 });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        if (stderr.length < 64 * 1024) stderr += d;
      });
      child.on('error', (e) => reject(new Error(`${cmd} failed to start: ${e.message}`, { cause: e })));
      child.on('close', (code, sig) => {
        if (code === 0) return resolve();
        reject(new IptablesRestoreError(`${cmd} --noflush exited with ${code ?? sig}: ${stderr.trim()}`, input, stderr));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
  }
}

/** A failed restore, with the lines around the one iptables-restore names (as kube-proxy logs them). */
export class IptablesRestoreError extends Error {
  readonly context: string;
  constructor(message: string, input: string, stderr: string) {
    super(message);
    this.name = 'IptablesRestoreError';
    const m = /line (\d+)/.exec(stderr);
    const lines = input.split('\n');
    const at = m ? Number(m[1]) - 1 : -1;
    this.context = at >= 0 ? lines.slice(Math.max(0, at - 3), at + 3).join('\n') : '';
  }
}

/** Chain names declared in iptables-save output of one table. */
export function chainsInSave(save: string): Set<string> {
  const out = new Set<string>();
  for (const line of save.split('\n')) if (line.startsWith(':')) out.add(line.slice(1).split(' ')[0]);
  return out;
}

/** The `-A` lines of one chain in iptables-save output. */
export function rulesInSave(save: string, chain: string): string[] {
  const prefix = `-A ${chain} `;
  return save.split('\n').filter((l) => l.startsWith(prefix));
}
