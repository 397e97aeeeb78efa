/**
 * Runs the real `bin/lite agent` for end-to-end tests, joined to a LiteServer.
 *
 * Contract (as lite-process.ts for servers):
 *  - `startLiteAgent()` spawns `bin/lite agent --server … --token …` with its own fresh data dir
 *    and a unique node name, and resolves once it printed "lite agent: node … joined"; it rejects
 *    (and kills the child) if the process exits first or the deadline passes.
 *  - `cleanup()` stops it, removes its data dir and the Docker containers of its node. A
 *    process-exit hook SIGKILLs any agent a failing test left behind.
 *  - `runLiteAgent()` runs an agent that is expected to exit (join failures) and returns its result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeNodeContainers, uniqueNodeName } from './docker.js';
import { runProgram, type RunResult } from './kubectl.js';
import { inheritedEnv, LITE_BIN, makeTempDir, type ExitResult, type LiteServer } from './lite-process.js';
import { withTimeout } from './wait.js';

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

const MAX_CAPTURE = 1024 * 1024;

export interface StartAgentOptions {
  readonly nodeName?: string;
  /** Reuse a data dir (agent restarts); default a fresh one, removed by cleanup(). */
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Run the agent under this command (e.g. `['nsenter', '--net=/var/run/netns/NS']`: in a network namespace). */
  readonly prefix?: readonly string[];
  /** The server URL to join (default the server's own, usually on 127.0.0.1). */
  readonly serverUrl?: string;
}

export class LiteAgent {
  readonly child: ChildProcess;
  readonly nodeName: string;
  readonly dataDir: string;
  readonly ownsDataDir: boolean;
  readonly exited: Promise<ExitResult>;
  #stdout = '';
  #stderr = '';
  #exit: ExitResult | undefined;

  constructor(child: ChildProcess, nodeName: string, dataDir: string, ownsDataDir: boolean) {
    this.child = child;
    this.nodeName = nodeName;
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    live.add(child);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.#stdout = (this.#stdout + d).slice(-MAX_CAPTURE)));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#stderr = (this.#stderr + d).slice(-MAX_CAPTURE)));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(child);
        resolve(this.#exit);
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<ExitResult> {
    if (this.#exit) return this.#exit;
    this.child.kill(signal);
    try {
      return await withTimeout(this.exited, timeoutMs, `lite agent ${this.nodeName} to exit after ${signal}`);
    } catch (e) {
      this.child.kill('SIGKILL');
      await withTimeout(this.exited, 5_000, `lite agent ${this.nodeName} to exit after SIGKILL`);
      throw e;
    }
  }

  /** kill -9: the node stops heartbeating at once, its containers keep running. */
  async kill9(): Promise<ExitResult> {
    if (this.#exit) return this.#exit;
    this.child.kill('SIGKILL');
    return await withTimeout(this.exited, 5_000, `lite agent ${this.nodeName} to exit after SIGKILL`);
  }

  async cleanup(options: { keepContainers?: boolean } = {}): Promise<void> {
    try {
      if (this.running) await this.stop().catch(() => undefined);
    } finally {
      if (!options.keepContainers) await removeNodeContainers(this.nodeName).catch(() => undefined);
      if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  describe(): string {
    return `lite agent ${this.nodeName} pid ${this.child.pid}\n--- stdout ---\n${this.#stdout.slice(-4000)}\n--- stderr (tail) ---\n${this.#stderr.slice(-6000)}`;
  }
}

/** The server's join token, as `lite token` prints it. */
export function joinToken(server: LiteServer): string {
  return readFileSync(join(server.dataDir, 'server', 'token'), 'utf8').trim();
}

export async function startLiteAgent(server: LiteServer, options: StartAgentOptions = {}): Promise<LiteAgent> {
  const nodeName = options.nodeName ?? uniqueNodeName('agent');
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? makeTempDir(`agent-${nodeName}`);
  const args = [LITE_BIN, 'agent', '--server', options.serverUrl ?? server.url, '--token', joinToken(server), '--node-name', nodeName, '--data-dir', dataDir, ...(options.args ?? [])];
  const command = [...(options.prefix ?? []), process.execPath, ...args];
  const child = spawn(command[0], command.slice(1), { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...inheritedEnv(), ...options.env } });
  const agent = new LiteAgent(child, nodeName, dataDir, ownsDataDir);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const onData = () => {
          if (!/lite agent: node \S+ \(\S+\) joined/.test(agent.stdout)) return;
          child.stdout?.off('data', onData);
          resolve();
        };
        child.stdout?.on('data', onData);
        child.once('error', reject);
        void agent.exited.then((r) => reject(new Error(`lite agent exited before it joined (code ${r.code}, signal ${r.signal})`)));
      }),
      options.readyTimeoutMs ?? 30_000,
      '"lite agent: node … joined" on stdout',
    );
  } catch (e) {
    const detail = agent.describe();
    await agent.cleanup();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${detail}`);
  }
  return agent;
}

/** Runs `bin/lite agent ARGS` to completion (for failures); a fresh data dir unless given. */
export async function runLiteAgent(args: readonly string[], options: { env?: Readonly<Record<string, string>>; timeoutMs?: number } = {}): Promise<RunResult> {
  const dataDir = makeTempDir('agent-run');
  try {
    const env = Object.fromEntries(Object.entries({ ...inheritedEnv(), ...options.env }).filter((e): e is [string, string] => e[1] !== undefined));
    return await runProgram(process.execPath, [LITE_BIN, 'agent', '--data-dir', dataDir, ...args], { env, timeoutMs: options.timeoutMs ?? 30_000 });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
