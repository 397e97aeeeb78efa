/**
 * Runs the real `bin/lite server` as a child process for end-to-end tests.
 *
 * Contract:
 *  - `startLite()` spawns `bin/lite server` on 127.0.0.1 (a free port unless one is given) with a
 *    fresh temporary data dir (unless one is given), and resolves once the server printed
 *    "lite server ready in …" on stdout; it rejects (and kills the child) if the process exits
 *    first or the deadline passes, with the tail of its stderr in the message.
 *  - Every child is tracked until it has exited; `cleanup()` (call it from afterAll/afterEach)
 *    stops it and removes the temporary data dir. A process-exit hook SIGKILLs any child a
 *    failing test left behind, so no server outlives the test run.
 *  - Nothing here talks to anything but 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { removeNodeContainers, uniqueNodeName } from './docker.js';
import { withTimeout } from './wait.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * The `bin/lite` under test: this checkout's, or another build's when E2E_LITE_BIN names one
 * (e.g. to run the suite against a release build). Fixtures always come from this checkout.
 * (Not LITE_*: `lite` reads every LITE_* variable as a flag.)
 */
export const LITE_BIN = process.env.E2E_LITE_BIN ? resolve(process.env.E2E_LITE_BIN) : join(REPO_ROOT, 'bin', 'lite');
const BUILT_MAIN = join(dirname(LITE_BIN), '..', 'dist', 'cli', 'main.js');

/** Output kept per stream (the tail), so a chatty server cannot exhaust memory. */
const MAX_CAPTURE = 1024 * 1024;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Makes a temporary directory under the system temp dir; the caller removes it. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lite-e2e-${prefix}-`));
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Resolves true if `port` can be bound on 127.0.0.1 right now (and releases it again). */
export async function portIsFree(port: number): Promise<boolean> {
  return await new Promise<boolean>((resolveFree) => {
    const srv = createServer();
    srv.once('error', () => resolveFree(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolveFree(true)));
  });
}

export interface StartLiteOptions {
  /** Reuse this data dir (it is then not removed by cleanup()). Default: a fresh temp dir. */
  readonly dataDir?: string;
  /** Default: a free port. */
  readonly port?: number;
  /** Extra `lite server` flags. */
  readonly args?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Deadline for "lite server ready" (default 20 s). */
  readonly readyTimeoutMs?: number;
  /** Pass data dir, bind address and port as LITE_* variables instead of flags. */
  readonly viaEnv?: boolean;
  /**
   * `--bind-address` (default 127.0.0.1). Pods reach the API server through the `kubernetes`
   * Service, whose endpoint is the host's address: suites calling the API from inside pods need
   * 0.0.0.0 (kubectl still talks to 127.0.0.1).
   */
  readonly bindAddress?: string;
  /**
   * Run the embedded agent (a Docker node). Default: no (`--disable-agent`), for suites about the
   * API alone. The node gets a name unique to this server (`--node-name`), and cleanup() removes
   * the Docker containers it created.
   */
  readonly agent?: boolean | { readonly nodeName?: string };
}

export interface ExitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface KubeCredentials {
  readonly server: string;
  /** PEM */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export class LiteServer {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly port: number;
  readonly ownsDataDir: boolean;
  /** Resolves when the child has exited. */
  readonly exited: Promise<ExitResult>;
  /** Milliseconds from spawn to the "ready" line (set once ready). */
  readyAfterMs = NaN;
  /** performance.now() when the process was spawned. */
  spawnedAt = NaN;
  /** The embedded agent's node, when the server runs one. */
  nodeName: string | undefined;
  url = '';
  kubeconfigPath = '';
  #stdout = '';
  #stderr = '';
  #exit: ExitResult | undefined;

  constructor(child: ChildProcess, dataDir: string, port: number, ownsDataDir: boolean) {
    this.child = child;
    this.dataDir = dataDir;
    this.port = port;
    this.ownsDataDir = ownsDataDir;
    live.add(child);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.#stdout = tail(this.#stdout + d);
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = tail(this.#stderr + d);
    });
    this.exited = new Promise<ExitResult>((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(child);
        resolveExit(this.#exit);
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

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The kubeconfig's cluster URL and admin client credentials, as PEM. */
  credentials(): KubeCredentials {
    const doc = parseYaml(readFileSync(this.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
    };
    const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    return {
      server: doc.clusters[0].cluster.server,
      ca: b64(doc.clusters[0].cluster['certificate-authority-data']),
      cert: b64(doc.users[0].user['client-certificate-data']),
      key: b64(doc.users[0].user['client-key-data']),
    };
  }

  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILLs and throws past the deadline. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitResult> {
    if (this.#exit) return this.#exit;
    this.child.kill(signal);
    try {
      return await withTimeout(this.exited, timeoutMs, `lite server (pid ${this.pid}) to exit after ${signal}`);
    } catch (e) {
      this.child.kill('SIGKILL');
      await withTimeout(this.exited, 5_000, `lite server (pid ${this.pid}) to exit after SIGKILL`);
      throw e;
    }
  }

  /** kill -9: no chance to flush or close anything. */
  async kill9(): Promise<ExitResult> {
    if (this.#exit) return this.#exit;
    this.child.kill('SIGKILL');
    return await withTimeout(this.exited, 5_000, `lite server (pid ${this.pid}) to exit after SIGKILL`);
  }

  /** Stops the server if it still runs (SIGKILL if SIGTERM does not work) and removes a temp data dir. */
  async cleanup(): Promise<void> {
    try {
      if (this.running) await this.stop('SIGTERM', 10_000).catch(() => undefined);
    } finally {
      // A stopped kubelet leaves its containers running (as upstream): remove this node's.
      if (this.nodeName) await removeNodeContainers(this.nodeName).catch(() => undefined);
      // kube-proxy's and the overlay's rules stay after a stop (as upstream's do): remove them.
      if (this.nodeName) await removeNodeNetworking(this.nodeName).catch(() => undefined);
      if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  /** For failure messages. */
  describe(): string {
    return `lite server pid ${this.pid} port ${this.port}\n--- stdout ---\n${this.#stdout.slice(-4000)}\n--- stderr (tail) ---\n${this.#stderr.slice(-4000)}`;
  }
}

/** Spawns `bin/lite server` and waits for "lite server ready". */
export async function startLite(options: StartLiteOptions = {}): Promise<LiteServer> {
  if (!existsSync(BUILT_MAIN)) throw new Error(`lite is not built (${BUILT_MAIN} is missing): run "npm run build" before the e2e tests`);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? makeTempDir('data');
  const port = options.port ?? (await freePort());
  const base = { dataDir, bindAddress: options.bindAddress ?? '127.0.0.1', port: String(port) };
  const nodeName = options.agent ? ((typeof options.agent === 'object' ? options.agent.nodeName : undefined) ?? uniqueNodeName('server')) : undefined;
  const agentArgs = nodeName ? ['--node-name', nodeName] : ['--disable-agent'];
  const args = options.viaEnv
    ? [LITE_BIN, 'server', ...agentArgs, ...(options.args ?? [])]
    : [LITE_BIN, 'server', '--data-dir', base.dataDir, '--bind-address', base.bindAddress, '--https-listen-port', base.port, ...agentArgs, ...(options.args ?? [])];
  const viaEnv = options.viaEnv ? { LITE_DATA_DIR: base.dataDir, LITE_BIND_ADDRESS: base.bindAddress, LITE_HTTPS_LISTEN_PORT: base.port } : {};
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...inheritedEnv(), ...viaEnv, ...options.env },
  });
  const server = new LiteServer(child, dataDir, port, ownsDataDir);
  server.nodeName = nodeName;
  const spawnedAt = performance.now();
  server.spawnedAt = spawnedAt;
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  try {
    await withTimeout(
      new Promise<void>((resolveReady, reject) => {
        const onData = () => {
          const m = /lite server ready in [\d.]+s at (https:\/\/\S+)\s*\nkubeconfig: (\S+)/.exec(server.stdout);
          if (!m) return;
          child.stdout?.off('data', onData);
          server.readyAfterMs = performance.now() - spawnedAt;
          server.url = m[1];
          server.kubeconfigPath = m[2];
          resolveReady();
        };
        child.stdout?.on('data', onData);
        child.once('error', reject);
        void server.exited.then((r) => reject(new Error(`lite server exited before it was ready (code ${r.code}, signal ${r.signal})`)));
      }),
      timeoutMs,
      `"lite server ready" on stdout`,
    );
  } catch (e) {
    const detail = server.describe();
    await server.cleanup();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${detail}`);
  }
  return server;
}

/** The test runner's environment without LITE_* variables, which `lite` would read as flags. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LITE_')));
}

function tail(s: string): string {
  return s.length > MAX_CAPTURE ? s.slice(s.length - MAX_CAPTURE) : s;
}

/** `lite server --cleanup` for a node: its iptables chains, overlay device and pod network. */
export async function removeNodeNetworking(nodeName: string): Promise<void> {
  await new Promise<void>((resolveDone) => {
    const child = spawn(process.execPath, [LITE_BIN, 'server', '--cleanup', '--node-name', nodeName], { stdio: 'ignore', env: inheritedEnv() });
    child.once('exit', () => resolveDone());
    child.once('error', () => resolveDone());
  });
}
