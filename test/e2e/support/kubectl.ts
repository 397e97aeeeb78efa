/**
 * Runs the real kubectl against a lite server.
 *
 * The `kubectl` on PATH of these machines is Google Cloud SDK's version dispatcher (it picks a
 * kubectl by the server's minor version); for deterministic tests we call the 1.32 binary beside
 * it directly, always with `--kubeconfig` and a per-server `--cache-dir` (discovery cache). A
 * missing binary is a test failure with a clear message, never a silent skip.
 *
 * Every run is bounded by a timeout (the child is SIGKILLed past it) and every spawned kubectl is
 * tracked until it has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { withTimeout } from './wait.js';

export const KUBECTL_132 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
/** The version dispatcher (resolved through PATH). */
export const KUBECTL_DISPATCHER = 'kubectl';

/** Throws unless the kubectl 1.32 binary is there and executable. */
export function requireKubectl132(): string {
  try {
    accessSync(KUBECTL_132, constants.X_OK);
  } catch {
    throw new Error(
      `kubectl 1.32 is missing: ${KUBECTL_132} does not exist or is not executable. The e2e tests drive lite with the real kubectl 1.32 ` +
        '(installed by the Google Cloud SDK beside the kubectl dispatcher); install it (e.g. apt-get install kubectl from the Google Cloud SDK repository) and re-run.',
    );
  }
  return KUBECTL_132;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The command line, for messages. */
  readonly command: string;
}

export interface RunOptions {
  /** Written to stdin (stdin is closed either way). */
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Default 30 s. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

/** Runs any program with a deadline and captures its output. */
export async function runProgram(binary: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd });
  live.add(child);
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('error', (e) => {
      stderr += `spawn error: ${e.message}`;
      resolve([null, null]);
    });
    child.once('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  live.delete(child);
  return { code, signal, stdout, stderr, timedOut, command: [binary, ...args].map(quote).join(' ') };
}

export function describeResult(r: RunResult): string {
  return `$ ${r.command}\nexit code: ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}${r.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${r.stdout.slice(0, 6000)}\n--- stderr ---\n${r.stderr.slice(0, 6000)}`;
}

export interface KubectlConfig {
  readonly kubeconfig: string;
  readonly cacheDir: string;
  /** Default: kubectl 1.32 (checked with requireKubectl132). */
  readonly binary?: string;
}

/** kubectl bound to one server's kubeconfig and a cache dir. */
export class Kubectl {
  readonly kubeconfig: string;
  readonly cacheDir: string;
  readonly binary: string;

  constructor(config: KubectlConfig) {
    this.kubeconfig = config.kubeconfig;
    this.cacheDir = config.cacheDir;
    this.binary = config.binary ?? requireKubectl132();
  }

  /** The arguments every invocation starts with. */
  baseArgs(): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir];
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return runProgram(this.binary, [...this.baseArgs(), ...args], { ...options, env: { KUBECONFIG: this.kubeconfig, ...options.env } });
  }

  /**
   * Runs and insists on success as a user sees it: exit code 0 and nothing on stderr ("if kubectl
   * prints an error or a warning, it is not done"). Returns stdout.
   */
  async ok(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0 || r.stderr !== '' || r.timedOut) throw new Error(`expected success with empty stderr\n${describeResult(r)}`);
    return r.stdout;
  }

  /** Runs and insists on failure (non-zero exit, not a timeout). Returns the result. */
  async fails(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(args, options);
    if (r.code === 0 || r.code === null || r.timedOut) throw new Error(`expected kubectl to fail with an error\n${describeResult(r)}`);
    return r;
  }

  /** Starts a long-running kubectl (e.g. `get -w`). Stop it with `stop()`. */
  start(args: readonly string[], env: Readonly<Record<string, string>> = {}): KubectlProcess {
    return new KubectlProcess(this.binary, [...this.baseArgs(), ...args], { KUBECONFIG: this.kubeconfig, ...env });
  }
}

/** A kubectl running in the background; its output is collected line by line. */
export class KubectlProcess {
  readonly child: ChildProcess;
  readonly command: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stdout = '';
  #stderr = '';
  #waiters = new Set<() => void>();
  #closed = false;

  constructor(binary: string, args: readonly string[], env: Readonly<Record<string, string>>) {
    this.command = [binary, ...args].map(quote).join(' ');
    this.child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    live.add(this.child);
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.#stdout += d;
      this.#notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr += d;
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#closed = true;
        live.delete(this.child);
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    const all = this.#stdout.split('\n');
    all.pop();
    return all;
  }

  /** Waits (bounded) until some stdout line matches; returns it. */
  async waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return await this.waitFor(() => this.lines().find((l) => pattern.test(l)), timeoutMs, `a line matching ${pattern}`);
  }

  /** Waits (bounded) until `probe` returns something; re-checked on every output chunk. */
  async waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) {
        const last = probe();
        if (last !== undefined) return last;
        throw new Error(`${this.#closed ? 'kubectl exited' : `timed out after ${timeoutMs} ms`} waiting for ${what} from\n$ ${this.command}\n--- stdout ---\n${this.#stdout.slice(-4000)}\n--- stderr ---\n${this.#stderr.slice(-4000)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 500));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.child.kill('SIGTERM');
    try {
      await withTimeout(this.exited, 5_000, 'kubectl to exit after SIGTERM');
    } catch {
      this.child.kill('SIGKILL');
      await withTimeout(this.exited, 5_000, 'kubectl to exit after SIGKILL');
    }
  }

  #notify(): void {
    const ws = [...this.#waiters];
    this.#waiters.clear();
    for (const w of ws) w();
  }
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
