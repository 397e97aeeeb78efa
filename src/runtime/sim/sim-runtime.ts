/**
 * SimRuntime: a ContainerRuntime with no containers, for kubelet unit tests and scale simulations
 * (in the spirit of kwok). Sandboxes and containers live in memory with the same lifecycles, labels
 * and errors as DockerRuntime (both pass src/runtime/testing/runtime-conformance.ts).
 *
 *  - Processes: a container runs what its command resolves to, interpreted by sim-shell.ts (busybox
 *    `sh -c` scripts, sleep, echo, httpd, wget …). A `behaviour` hook replaces that for tests: exit
 *    after N ms with code X, print log lines, answer execs, ignore SIGTERM, be OOM-killed.
 *  - Time comes from the injected Clock: with a FakeClock nothing happens until it is advanced.
 *  - Pod IPs come from `podCIDR` (default 10.88.0.0/16); host-network pods have none.
 *  - Images: `images` are present; `registry` lists what a pull can fetch (or 'any'); pulling
 *    anything else fails as a Docker engine with no reachable registry does.
 *  - Faults: `failNext(op, error)` makes the next call(s) of an operation fail (DESIGN habit 9).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import {
  LABELS,
  RuntimeError,
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type ExecOptions,
  type ImageInfo,
  type ListFilter,
  type LogOptions,
  type PullProgress,
  type RuntimeVersion,
  type SandboxConfig,
  type SandboxStatus,
  type StreamSession,
} from '../container-runtime.js';
import { readTar } from '../tar.js';
import { rfc3339Nano } from '../docker/docker-mapping.js';
import { isKnownProgram, SimProcess, SimStdin, type SimContainerEnv } from './sim-shell.js';

export interface SimImage {
  /** Reference as Docker shows it, e.g. `nginx:1.27` or `lite-test/busybox:1`. */
  readonly name: string;
  /** ENTRYPOINT and CMD; when both are absent the image runs `sleep infinity` (a server). */
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly user?: string;
  /** Files of the image (path → content), visible to the container's processes. */
  readonly files?: Readonly<Record<string, string>>;
  readonly sizeBytes?: number;
}

/** What a container does instead of interpreting its command (tests). */
export interface SimBehaviour {
  /** Printed at start, in order; a string goes to stdout. A trailing newline is added if missing. */
  readonly logs?: readonly (string | { readonly stream: 'stdout' | 'stderr'; readonly line: string })[];
  /** Exit after this many ms of the clock (default: run until stopped). */
  readonly exitAfterMs?: number;
  /** Exit code when exiting by itself (default 0). */
  readonly exitCode?: number;
  /** Exit as OOM-killed (code 137, reason OOMKilled) after exitAfterMs. */
  readonly oomKilled?: boolean;
  /** On SIGTERM: exit with `termExitCode` (default 143), or ignore it until the SIGKILL. */
  readonly onTerm?: 'exit' | 'ignore';
  readonly termExitCode?: number;
  /** Written to the container's terminationMessagePath when it exits. */
  readonly terminationMessage?: string;
  /** Start fails with this message (as when the executable is missing). */
  readonly startError?: string;
  /** Answers execs; undefined falls back to the interpreter. */
  readonly exec?: (argv: readonly string[]) => { exitCode: number; stdout?: string; stderr?: string; delayMs?: number } | undefined;
  /** Memory reported by containerStats (default 4 MiB). */
  readonly memoryBytes?: number;
}

export interface SimBehaviourContext {
  readonly sandbox: SandboxConfig;
  readonly container: ContainerConfig;
  /** The resolved command line (entrypoint + cmd after Kubernetes semantics). */
  readonly argv: readonly string[];
  readonly image: SimImage;
}

export interface SimRuntimeConfig {
  readonly nodeName: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Pod IPs (IPv4 CIDR); default 10.88.0.0/16. */
  readonly podCIDR?: string;
  /** Images present from the start. */
  readonly images?: readonly SimImage[];
  /** What pulls can fetch: listed images, or 'any' (every reference, with default config). Default none. */
  readonly registry?: readonly SimImage[] | 'any';
  readonly behaviour?: (ctx: SimBehaviourContext) => SimBehaviour | undefined;
  /** Reported by version() (default `0.0.0-sim`). */
  readonly runtimeVersion?: string;
  /** Sandboxes of all SimRuntimes sharing this world see each other's pod IPs (cross-pod wget). */
  readonly world?: SimWorld;
}

/**
 * Shared state of several SimRuntimes (nodes) in one test: the network between pods (a pod's IP →
 * its listeners). Give each node its own podCIDR, as node IPAM would, so IPs do not collide.
 */
export class SimWorld {
  readonly pods = new Map<string, Map<number, (path: string) => Promise<string | undefined>>>();
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const UNREACHABLE_REGISTRY = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';

interface StoredImage extends SimImage {
  readonly id: string;
  readonly repoTags: string[];
  readonly repoDigests: string[];
}

interface Sandbox {
  readonly id: string;
  readonly config: SandboxConfig;
  readonly labels: Record<string, string>;
  readonly createdAt: number;
  state: 'ready' | 'notready';
  ip?: string;
  readonly listeners: Map<number, (path: string) => Promise<string | undefined>>;
}

interface LogRecord {
  readonly time: number;
  readonly nanos: number;
  readonly stream: 'stdout' | 'stderr';
  readonly data: string;
}

interface Container {
  readonly id: string;
  readonly sandboxId: string;
  readonly sandbox: SandboxConfig;
  readonly config: ContainerConfig;
  readonly labels: Record<string, string>;
  readonly image: StoredImage;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly behaviour: SimBehaviour | undefined;
  readonly files: Map<string, string>;
  readonly createdAt: number;
  state: ContainerState;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  oomKilled?: boolean;
  process?: { signal(sig: 'TERM' | 'KILL'): void };
  stdin: SimStdin;
  stdinAttached: boolean;
  readonly logs: LogRecord[];
  readonly partial: { stdout: string; stderr: string };
  /** Live output (attach, follow). */
  readonly listeners: Set<(r: LogRecord | 'exit') => void>;
  exited: Promise<number>;
  resolveExit: (code: number) => void;
}

type Op = keyof ContainerRuntime;

export class SimRuntime implements ContainerRuntime {
  readonly #node: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #behaviour: SimRuntimeConfig['behaviour'];
  readonly #registry: readonly SimImage[] | 'any';
  readonly #version: string;
  readonly #world: SimWorld;
  readonly #sandboxes = new Map<string, Sandbox>();
  readonly #containers = new Map<string, Container>();
  readonly #images = new Map<string, StoredImage>();
  readonly #ipBase: number;
  readonly #ipCount: number;
  readonly #ipsInUse = new Set<number>();
  #ipNext = 2;
  #seq = 0;
  #nanos = 0;
  readonly #faults = new Map<Op, Error[]>();

  constructor(config: SimRuntimeConfig) {
    if (!config.nodeName) throw new Error('SimRuntime: nodeName is required');
    this.#node = config.nodeName;
    this.#clock = config.clock ?? systemClock;
    this.#log = (config.logger ?? silentLogger).child({ component: 'runtime-sim', node: config.nodeName });
    this.#behaviour = config.behaviour;
    this.#registry = config.registry ?? [];
    this.#version = config.runtimeVersion ?? '0.0.0-sim';
    this.#world = config.world ?? new SimWorld();
    const [base, bits] = parseCidr(config.podCIDR ?? '10.88.0.0/16');
    this.#ipBase = base;
    this.#ipCount = 2 ** (32 - bits);
    for (const image of config.images ?? []) this.#addImage(image, false);
  }

  get nodeName(): string {
    return this.#node;
  }

  /** The next `times` calls of `op` fail with `error` (default: a RuntimeError naming the op). */
  failNext(op: Op, error: Error = new RuntimeError(`injected failure: ${op}`), times = 1): void {
    const list = this.#faults.get(op) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.#faults.set(op, list);
  }

  /** Adds an image as present (as if loaded). */
  addImage(image: SimImage): ImageInfo {
    return infoOf(this.#addImage(image, false));
  }

  #fault(op: Op, details?: object): void {
    this.#log.debug(details ?? {}, op);
    const list = this.#faults.get(op);
    const err = list?.shift();
    if (list && list.length === 0) this.#faults.delete(op);
    if (err) throw err;
  }

  #newId(): string {
    return createHash('sha256').update(`${this.#node}/${this.#seq++}/${Math.random()}`).digest('hex');
  }

  async version(): Promise<RuntimeVersion> {
    this.#fault('version');
    return { runtimeName: 'sim', runtimeVersion: this.#version };
  }

  // ---- sandboxes ----

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    this.#fault('runPodSandbox', { pod: `${config.namespace}/${config.name}` });
    const id = this.#newId();
    const labels = {
      ...config.labels,
      [LABELS.podName]: config.name,
      [LABELS.podNamespace]: config.namespace,
      [LABELS.podUid]: config.uid,
      [LABELS.kind]: 'sandbox',
      [LABELS.node]: this.#node,
    };
    const sandbox: Sandbox = { id, config, labels, createdAt: this.#clock.now(), state: 'ready', listeners: new Map() };
    if (!config.hostNetwork) {
      sandbox.ip = this.#allocateIp();
      this.#world.pods.set(sandbox.ip, sandbox.listeners);
    }
    this.#sandboxes.set(id, sandbox);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.#fault('stopPodSandbox', { id });
    const sandbox = this.#sandbox(id);
    for (const c of this.#containers.values()) if (c.sandboxId === id && c.state === 'running') this.#kill(c, 'KILL');
    sandbox.state = 'notready';
    this.#releaseIp(sandbox);
  }

  async removePodSandbox(id: string): Promise<void> {
    this.#fault('removePodSandbox', { id });
    const sandbox = this.#sandbox(id);
    for (const c of [...this.#containers.values()]) if (c.sandboxId === id) this.#removeContainer(c);
    this.#releaseIp(sandbox);
    this.#sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    this.#fault('podSandboxStatus', { id });
    return this.#sandboxStatus(this.#sandbox(id));
  }

  async listPodSandboxes(filter?: ListFilter): Promise<SandboxStatus[]> {
    this.#fault('listPodSandboxes', { filter });
    return [...this.#sandboxes.values()].filter((s) => matches(s.labels, filter)).map((s) => this.#sandboxStatus(s));
  }

  #sandboxStatus(s: Sandbox): SandboxStatus {
    return {
      id: s.id,
      state: s.state,
      ...(s.ip ? { ip: s.ip } : {}),
      createdAt: s.createdAt,
      labels: { ...s.labels },
      annotations: { ...(s.config.annotations ?? {}) },
      ...(s.state === 'ready' ? { netnsPath: `/var/run/netns/sim-${s.id.slice(0, 12)}` } : {}),
    };
  }

  #sandbox(id: string): Sandbox {
    const s = this.#sandboxes.get(id);
    if (!s) throw new RuntimeNotFoundError('sandbox', id);
    return s;
  }

  #allocateIp(): string {
    for (let i = 0; i < this.#ipCount - 3; i++) {
      const n = ((this.#ipNext - 2 + i) % (this.#ipCount - 3)) + 2;
      if (!this.#ipsInUse.has(n)) {
        this.#ipsInUse.add(n);
        this.#ipNext = n + 1;
        return formatIp(this.#ipBase + n);
      }
    }
    throw new RuntimeError('failed to set up sandbox network: no IP addresses available in range set');
  }

  #releaseIp(s: Sandbox): void {
    if (!s.ip) return;
    this.#ipsInUse.delete(parseIp(s.ip) - this.#ipBase);
    if (this.#world.pods.get(s.ip) === s.listeners) this.#world.pods.delete(s.ip);
    s.ip = undefined;
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: SandboxConfig): Promise<string> {
    this.#fault('createContainer', { sandboxId, container: config.name });
    this.#sandbox(sandboxId);
    const image = this.#findImage(config.image);
    if (!image) throw new RuntimeError(`Error response from daemon: No such image: ${config.image}`);
    const entrypoint = config.command?.length ? [...config.command] : [...(image.entrypoint ?? [])];
    const cmd = config.args?.length ? [...config.args] : config.command?.length ? [] : [...(image.cmd ?? [])];
    // An image that declares nothing (most SimImages: `{ name: 'nginx' }`) runs like a server.
    const argv = entrypoint.length + cmd.length > 0 ? [...entrypoint, ...cmd] : ['sleep', 'infinity'];
    const env: Record<string, string> = { PATH: DEFAULT_PATH, ...(image.env ?? {}), HOSTNAME: sandboxConfig.hostname };
    for (const e of config.env) env[e.name] = e.value;
    const id = this.#newId();
    const labels = {
      ...config.labels,
      [LABELS.podName]: sandboxConfig.name,
      [LABELS.podNamespace]: sandboxConfig.namespace,
      [LABELS.podUid]: sandboxConfig.uid,
      [LABELS.containerName]: config.name,
      [LABELS.kind]: 'container',
      [LABELS.node]: this.#node,
    };
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    const behaviour = this.#behaviour?.({ sandbox: sandboxConfig, container: config, argv, image });
    this.#containers.set(id, {
      id,
      sandboxId,
      sandbox: sandboxConfig,
      config,
      labels,
      image,
      argv,
      env,
      behaviour,
      files: new Map(Object.entries(image.files ?? {})),
      createdAt: this.#clock.now(),
      state: 'created',
      stdin: new SimStdin(),
      stdinAttached: false,
      logs: [],
      partial: { stdout: '', stderr: '' },
      listeners: new Set(),
      exited,
      resolveExit,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.#fault('startContainer', { id });
    const c = this.#container(id);
    if (c.state === 'running') return;
    if (c.state === 'exited') throw new RuntimeError('Error response from daemon: container is not in created state (the sim does not restart containers)');
    const sandbox = this.#sandboxes.get(c.sandboxId);
    const startError =
      c.behaviour?.startError ??
      (!c.behaviour && !isKnownProgram(c.argv[0])
        ? `OCI runtime create failed: runc create failed: unable to start container process: exec: "${c.argv[0]}": executable file not found in $PATH: unknown`
        : undefined);
    if (startError || !sandbox || sandbox.state !== 'ready') {
      const message = startError ?? 'cannot join network of a non running container';
      c.state = 'exited';
      c.exitCode = startError ? 127 : 128;
      c.reason = 'ContainerCannotRun';
      c.message = message;
      c.startedAt = c.createdAt;
      c.finishedAt = c.createdAt;
      c.resolveExit(c.exitCode);
      throw new RuntimeError(`Error response from daemon: ${message}`);
    }
    c.state = 'running';
    c.startedAt = this.#clock.now();
    if (!c.config.stdin) c.stdin.end();
    const out = (stream: 'stdout' | 'stderr') => (data: string) => this.#output(c, stream, data);
    if (c.behaviour) this.#runBehaviour(c, c.behaviour, out);
    else {
      const proc = new SimProcess(this.#containerEnv(c, sandbox), {
        argv: c.argv,
        env: c.env,
        cwd: c.config.workingDir || c.image.workingDir || '/',
        pid1: true,
        stdin: c.stdin,
        stdout: out('stdout'),
        stderr: out('stderr'),
      });
      c.process = proc;
      void proc.run().then((code) => this.#finish(c, code));
    }
  }

  #runBehaviour(c: Container, b: SimBehaviour, out: (s: 'stdout' | 'stderr') => (d: string) => void): void {
    for (const l of b.logs ?? []) {
      const { stream, line } = typeof l === 'string' ? { stream: 'stdout' as const, line: l } : l;
      out(stream)(line.endsWith('\n') ? line : `${line}\n`);
    }
    let cancel: (() => void) | undefined;
    let terminating = false;
    if (b.exitAfterMs !== undefined) {
      cancel = this.#clock.setTimer(b.exitAfterMs, () => {
        if (b.oomKilled) c.oomKilled = true;
        this.#finish(c, b.oomKilled ? 137 : (b.exitCode ?? 0));
      });
    }
    c.process = {
      signal: (sig) => {
        if (sig === 'KILL') {
          cancel?.();
          this.#finish(c, 137);
        } else if ((b.onTerm ?? 'exit') === 'exit' && !terminating) {
          terminating = true;
          cancel?.();
          this.#finish(c, b.termExitCode ?? 143);
        }
      },
    };
  }

  #containerEnv(c: Container, sandbox: Sandbox): SimContainerEnv {
    const uid = c.config.security?.runAsUser ?? Number((c.image.user ?? '0').split(':')[0]) ?? 0;
    return {
      clock: this.#clock,
      hostname: c.sandbox.hostNetwork ? 'sim-node' : c.sandbox.hostname,
      mounts: c.config.mounts,
      readOnlyRootfs: c.config.security?.readOnlyRootFilesystem ?? false,
      uid: Number.isFinite(uid) ? uid : 0,
      gid: c.config.security?.runAsGroup ?? 0,
      files: c.files,
      listeners: sandbox.listeners,
      remote: (ip, port) => this.#world.pods.get(ip)?.get(port),
      processes: () => {
        // The container's own main process, and the target's when it shares that PID namespace.
        const target = c.config.pidNamespaceTarget ? this.#containers.get(c.config.pidNamespaceTarget) : undefined;
        return [...(target?.state === 'running' ? [target.argv] : []), c.argv];
      },
    };
  }

  /** Splits output into log records by line, like the json-file log driver. */
  #output(c: Container, stream: 'stdout' | 'stderr', data: string): void {
    let pending = c.partial[stream] + data;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      this.#record(c, stream, pending.slice(0, nl + 1));
      pending = pending.slice(nl + 1);
    }
    c.partial[stream] = pending;
  }

  #record(c: Container, stream: 'stdout' | 'stderr', data: string): void {
    const r: LogRecord = { time: this.#clock.now(), nanos: this.#nanos++ % 1_000_000, stream, data };
    c.logs.push(r);
    for (const l of c.listeners) l(r);
  }

  #finish(c: Container, code: number): void {
    if (c.state !== 'running') return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (c.partial[stream]) this.#record(c, stream, c.partial[stream]);
      c.partial[stream] = '';
    }
    c.state = 'exited';
    c.exitCode = code;
    c.finishedAt = this.#clock.now();
    c.reason = c.oomKilled ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error';
    c.process = undefined;
    if (c.config.terminationMessagePath) {
      c.message = c.behaviour?.terminationMessage ?? undefined;
      if (c.message === undefined) void this.#readTerminationMessage(c);
    }
    for (const l of c.listeners) l('exit');
    c.listeners.clear();
    c.resolveExit(code);
  }

  async #readTerminationMessage(c: Container): Promise<void> {
    // Read through the same path resolution the processes use.
    const path = c.config.terminationMessagePath!;
    const mount = [...c.config.mounts].sort((a, b) => b.containerPath.length - a.containerPath.length).find((m) => path === m.containerPath || path.startsWith(`${m.containerPath}/`));
    let content: string | undefined;
    if (mount) {
      const { readFile } = await import('node:fs/promises');
      content = await readFile(posix.join(mount.hostPath, path.slice(mount.containerPath.length)), 'utf8').catch(() => undefined);
    } else content = c.files.get(path);
    if (content) c.message = content.slice(0, 4096);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.#fault('stopContainer', { id, timeoutSeconds });
    const c = this.#container(id);
    if (c.state !== 'running') return;
    if (timeoutSeconds <= 0) {
      this.#kill(c, 'KILL');
      return;
    }
    c.process?.signal('TERM');
    let cancel: () => void = () => undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      cancel = this.#clock.setTimer(timeoutSeconds * 1000, () => resolve('timeout'));
    });
    const r = await Promise.race([c.exited, timedOut]);
    cancel();
    if (r === 'timeout') this.#kill(c, 'KILL');
    await c.exited;
  }

  #kill(c: Container, sig: 'KILL'): void {
    c.process?.signal(sig);
    // An interpreted process notices on its next await; make the state final now.
    this.#finish(c, 137);
  }

  async removeContainer(id: string): Promise<void> {
    this.#fault('removeContainer', { id });
    this.#removeContainer(this.#container(id));
  }

  #removeContainer(c: Container): void {
    if (c.state === 'running') this.#kill(c, 'KILL');
    this.#containers.delete(c.id);
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    this.#fault('containerStatus', { id });
    await this.#settle();
    return this.#status(this.#container(id));
  }

  async listContainers(filter?: ListFilter): Promise<ContainerStatus[]> {
    this.#fault('listContainers', { filter });
    await this.#settle();
    return [...this.#containers.values()].filter((c) => matches(c.labels, filter)).map((c) => this.#status(c));
  }

  /** Lets pending termination-message reads land (they are microtasks on real files). */
  async #settle(): Promise<void> {
    await new Promise((r) => setImmediate(r));
  }

  #status(c: Container): ContainerStatus {
    return {
      id: c.id,
      name: c.config.name,
      state: c.state,
      createdAt: c.createdAt,
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      ...(c.exitCode !== undefined && c.state === 'exited' ? { exitCode: c.exitCode } : {}),
      ...(c.reason && c.state === 'exited' ? { reason: c.reason } : {}),
      ...(c.message && c.state === 'exited' ? { message: c.message } : {}),
      image: c.config.image,
      imageRef: c.image.repoDigests.length ? `docker-pullable://${c.image.repoDigests[0]}` : `docker://${c.image.id}`,
      labels: { ...c.labels },
      annotations: { ...(c.config.annotations ?? {}) },
      sandboxId: c.sandboxId,
    };
  }

  #container(id: string): Container {
    const c = this.#containers.get(id);
    if (!c) throw new RuntimeNotFoundError('container', id);
    return c;
  }

  // ---- streaming ----

  async exec(id: string, command: readonly string[], options: ExecOptions): Promise<StreamSession> {
    this.#fault('exec', { id, command });
    const c = this.#running(id);
    const stdout = options.stdout ? new PassThrough() : undefined;
    const stderr = options.stderr && !options.tty ? new PassThrough() : undefined;
    const stdin = new SimStdin();
    const tty = (s: string) => (options.tty ? s.replace(/\r?\n/g, '\r\n') : s);
    const write = (target: PassThrough | undefined) => (s: string) => {
      if (target && !target.writableEnded) target.write(tty(s));
    };
    let closed = false;
    const end = () => {
      stdout?.end();
      stderr?.end();
    };
    const canned = c.behaviour?.exec?.(command);
    let proc: SimProcess | undefined;
    let exited: Promise<number>;
    if (canned) {
      exited = (async () => {
        if (canned.delayMs) await this.#clock.sleep(canned.delayMs);
        if (canned.stdout) write(stdout)(canned.stdout);
        if (canned.stderr) write(options.tty ? stdout : stderr)(canned.stderr);
        end();
        return canned.exitCode;
      })();
    } else {
      if (!isKnownProgram(command[0] ?? '')) {
        throw new RuntimeError(`Error response from daemon: OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`);
      }
      proc = new SimProcess(this.#containerEnv(c, this.#sandboxes.get(c.sandboxId)!), {
        argv: command,
        env: c.env,
        cwd: c.config.workingDir || c.image.workingDir || '/',
        pid1: false,
        stdin,
        stdout: write(stdout),
        stderr: write(options.tty ? stdout : stderr),
      });
      if (!options.stdin) stdin.end();
      exited = proc.run().then((code) => {
        end();
        return closed ? -1 : code;
      });
      // the container's end ends its execs
      void c.exited.then(() => proc?.signal('KILL'));
    }
    const close = () => {
      if (closed) return;
      closed = true;
      stdin.end();
      proc?.signal('KILL');
      end();
    };
    options.signal?.addEventListener('abort', close, { once: true });
    return {
      stdin: options.stdin ? stdinWriter(stdin) : undefined,
      stdout,
      stderr,
      resize: async () => undefined,
      exited,
      close,
    };
  }

  async execSync(id: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array; timedOut: boolean }> {
    this.#fault('execSync', { id, command, timeoutMs });
    const session = await this.exec(id, command, { stdin: false, stdout: true, stderr: true, tty: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    session.stdout!.on('data', (d: Buffer) => out.push(Buffer.from(d)));
    session.stderr!.on('data', (d: Buffer) => err.push(Buffer.from(d)));
    let cancel: () => void = () => undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      cancel = this.#clock.setTimer(timeoutMs, () => resolve('timeout'));
    });
    const r = await Promise.race([session.exited, timeout]);
    cancel();
    if (r === 'timeout') {
      session.close();
      return { exitCode: -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut: true };
    }
    await new Promise((resolve) => setImmediate(resolve)); // let the streams flush
    return { exitCode: r, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut: false };
  }

  #running(id: string): Container {
    const c = this.#container(id);
    if (c.state !== 'running') throw new RuntimeError(`Error response from daemon: Container ${id} is not running`);
    return c;
  }

  async attach(id: string, options: ExecOptions): Promise<StreamSession> {
    this.#fault('attach', { id });
    const c = this.#container(id);
    if (c.state !== 'running' && c.state !== 'exited') throw new RuntimeError('Error response from daemon: You cannot attach to a stopped container, start it first');
    const tty = c.config.tty ?? false;
    const stdout = options.stdout ? new PassThrough() : undefined;
    const stderr = options.stderr && !tty ? new PassThrough() : undefined;
    if (c.state === 'exited') {
      // Stopped already: its output from the log, then its exit code (the runtime contract).
      for (const r of c.logs) {
        const target = r.stream === 'stderr' && !tty ? stderr : stdout;
        target?.write(tty ? r.data.replace(/\r?\n/g, '\r\n') : r.data);
      }
      stdout?.end();
      stderr?.end();
      return { stdin: undefined, stdout, stderr, resize: async () => undefined, exited: Promise.resolve(c.exitCode ?? -1), close: () => undefined };
    }
    const listener = (r: LogRecord | 'exit') => {
      if (r === 'exit') return end();
      const target = r.stream === 'stderr' && !tty ? stderr : stdout;
      if (target && !target.writableEnded) target.write(tty ? r.data.replace(/\r?\n/g, '\r\n') : r.data);
    };
    const end = () => {
      c.listeners.delete(listener);
      stdout?.end();
      stderr?.end();
    };
    c.listeners.add(listener);
    let closed = false;
    let detached: (() => void) | undefined;
    // Resolves when the container stops; a detached session reports -1 unless it already had.
    const exited = new Promise<number>((resolve) => {
      void c.exited.then(resolve);
      detached = () => resolve(c.state === 'exited' ? (c.exitCode ?? -1) : -1);
    });
    const close = () => {
      if (closed) return;
      closed = true;
      end();
      detached?.();
    };
    options.signal?.addEventListener('abort', close, { once: true });
    let stdin: NodeJS.WritableStream | undefined;
    if (options.stdin && c.config.stdin) {
      const first = !c.stdinAttached;
      c.stdinAttached = true;
      stdin = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          c.stdin.push(chunk.toString('utf8'));
          cb();
        },
        final: (cb) => {
          if (c.config.stdinOnce && first) c.stdin.end();
          cb();
        },
      });
    }
    return { stdin, stdout, stderr, resize: async () => undefined, exited, close };
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<Uint8Array> {
    this.#fault('logs', { id });
    const c = this.#container(id);
    const format = (r: LogRecord): Buffer => Buffer.from(options.timestamps ? `${rfc3339Nano(r.time, r.nanos)} ${r.data}` : r.data);
    const wanted = (r: LogRecord) => options.since === undefined || r.time >= options.since;
    let history = c.logs.filter(wanted);
    if (options.tailLines !== undefined) history = options.tailLines <= 0 ? [] : history.slice(-options.tailLines);
    let remaining = options.limitBytes;
    const emit = (r: LogRecord): { chunk: Buffer; done: boolean } => {
      const b = format(r);
      if (remaining === undefined) return { chunk: b, done: false };
      if (b.length >= remaining) {
        const chunk = b.subarray(0, remaining);
        remaining = 0;
        return { chunk, done: true };
      }
      remaining -= b.length;
      return { chunk: b, done: false };
    };
    // Subscribe before replaying, so nothing falls between history and live records.
    const live: (LogRecord | 'exit')[] = [];
    let wake: (() => void) | undefined;
    const listener = (r: LogRecord | 'exit') => {
      live.push(r);
      wake?.();
    };
    const following = options.follow && c.state !== 'exited';
    if (following) c.listeners.add(listener);
    const onAbort = () => wake?.();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const r of history) {
        if (options.signal?.aborted) return;
        const { chunk, done } = emit(r);
        if (chunk.length) yield chunk;
        if (done) return;
      }
      if (!following) return;
      for (;;) {
        while (live.length) {
          const r = live.shift()!;
          if (r === 'exit') return;
          if (!wanted(r)) continue;
          const { chunk, done } = emit(r);
          if (chunk.length) yield chunk;
          if (done) return;
        }
        if (options.signal?.aborted || c.state === 'exited' || !this.#containers.has(id)) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      c.listeners.delete(listener);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async containerStats(id: string): Promise<ContainerStats> {
    this.#fault('containerStats', { id });
    const c = this.#container(id);
    const now = this.#clock.now();
    const runMs = c.startedAt === undefined ? 0 : (c.finishedAt ?? now) - c.startedAt;
    const memory = c.state === 'running' ? (c.behaviour?.memoryBytes ?? 4 * 1024 * 1024) : 0;
    return {
      timestamp: now,
      // 1% of a CPU while running, plus the start-up cost.
      cpuUsageNanos: c.startedAt === undefined ? 0 : 5_000_000 + runMs * 10_000,
      memoryUsageBytes: memory,
      memoryWorkingSetBytes: Math.floor(memory * 0.75),
    };
  }

  // ---- images ----

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    this.#fault('imageStatus', { image });
    const found = this.#findImage(image);
    return found ? infoOf(found) : undefined;
  }

  async pullImage(image: string, options: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal } = {}): Promise<ImageInfo> {
    this.#fault('pullImage', { image });
    if (options.signal?.aborted) throw new RuntimeError(`pulling image "${image}": aborted`);
    const ref = canonicalReference(stripRefPrefix(image));
    const source = this.#registry === 'any' ? { name: familiarReference(ref) } : this.#registry.find((i) => canonicalReference(i.name) === ref);
    if (!source) throw new RuntimeError(`Error response from daemon: ${UNREACHABLE_REGISTRY}`);
    options.onProgress?.({ status: `Pulling from ${familiarReference(ref).replace(/:[^:/]+$/, '')}` });
    const size = source.sizeBytes ?? 1024 * 1024;
    options.onProgress?.({ status: 'sim-layer: Downloading', current: size / 2, total: size });
    options.onProgress?.({ status: 'sim-layer: Pull complete' });
    const stored = this.#addImage({ ...source, name: familiarReference(ref) }, true);
    options.onProgress?.({ status: `Digest: ${stored.repoDigests[0]?.split('@')[1] ?? ''}` });
    options.onProgress?.({ status: `Status: Downloaded newer image for ${familiarReference(ref)}` });
    return infoOf(stored);
  }

  async listImages(): Promise<ImageInfo[]> {
    this.#fault('listImages');
    return [...new Set(this.#images.values())].map(infoOf);
  }

  async removeImage(image: string): Promise<void> {
    this.#fault('removeImage', { image });
    const found = this.#findImage(image);
    if (!found) throw new RuntimeNotFoundError('image', image);
    const user = [...this.#containers.values()].find((c) => c.image.id === found.id);
    if (user) {
      throw new RuntimeError(`Error response from daemon: conflict: unable to remove repository reference "${image}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${found.id.slice(7, 19)}`);
    }
    const byId = stripRefPrefix(image).replace(/^sha256:/, '');
    if (found.id.slice(7).startsWith(byId) || found.repoTags.length <= 1) {
      for (const [k, v] of this.#images) if (v.id === found.id) this.#images.delete(k);
    } else {
      const ref = canonicalReference(stripRefPrefix(image));
      this.#images.delete(ref);
      const i = found.repoTags.findIndex((t) => canonicalReference(t) === ref);
      if (i >= 0) found.repoTags.splice(i, 1);
    }
  }

  async importImages(tar: NodeJS.ReadableStream): Promise<string[]> {
    this.#fault('importImages');
    const chunks: Buffer[] = [];
    for await (const c of tar as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(c));
    const files = new Map(readTar(Buffer.concat(chunks)).map((f) => [f.name, f.data]));
    const manifestRaw = files.get('manifest.json');
    if (!manifestRaw) throw new RuntimeError('Error response from daemon: open /var/lib/docker/tmp/docker-import/manifest.json: no such file or directory');
    let manifest: { Config: string; RepoTags?: string[] | null }[];
    try {
      manifest = JSON.parse(manifestRaw.toString('utf8')) as typeof manifest;
    } catch (err) {
      throw new RuntimeError('Error response from daemon: invalid manifest.json in image archive', { cause: err });
    }
    const loaded: string[] = [];
    for (const entry of manifest) {
      const configRaw = files.get(entry.Config);
      const config = configRaw ? (JSON.parse(configRaw.toString('utf8')) as { config?: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string } }) : {};
      const id = `sha256:${createHash('sha256').update(configRaw ?? entry.Config).digest('hex')}`;
      const env: Record<string, string> = {};
      for (const e of config.config?.Env ?? []) {
        const eq = e.indexOf('=');
        if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
      }
      const base = {
        entrypoint: config.config?.Entrypoint ?? undefined,
        cmd: config.config?.Cmd ?? undefined,
        env,
        workingDir: config.config?.WorkingDir,
        user: config.config?.User,
        sizeBytes: configRaw?.length ?? 0,
      };
      const tags = entry.RepoTags ?? [];
      if (tags.length === 0) {
        this.#storeImage({ ...base, name: id, id, repoTags: [], repoDigests: [] });
        loaded.push(id);
      }
      for (const tag of tags) {
        this.#addImage({ ...base, name: tag }, false, id);
        loaded.push(tag);
      }
    }
    return loaded;
  }

  #addImage(image: SimImage, pulled: boolean, id?: string): StoredImage {
    const name = familiarReference(canonicalReference(image.name));
    const imageId = id ?? `sha256:${createHash('sha256').update(`image:${name}`).digest('hex')}`;
    const existing = [...this.#images.values()].find((i) => i.id === imageId);
    const repoDigests = pulled ? [`${name.replace(/:[^:/]+$/, '')}@sha256:${createHash('sha256').update(`digest:${name}`).digest('hex')}`] : [];
    const stored: StoredImage = existing
      ? { ...existing, repoTags: [...new Set([...existing.repoTags, name])], repoDigests: [...new Set([...existing.repoDigests, ...repoDigests])] }
      : { ...image, name, id: imageId, repoTags: [name], repoDigests };
    // Moving a tag away from another image, as Docker does.
    const ref = canonicalReference(name);
    const previous = this.#images.get(ref);
    if (previous && previous.id !== imageId) previous.repoTags.splice(previous.repoTags.indexOf(name), 1);
    this.#storeImage(stored);
    return stored;
  }

  #storeImage(stored: StoredImage): void {
    for (const [k, v] of this.#images) if (v.id === stored.id) this.#images.set(k, stored);
    for (const tag of stored.repoTags) this.#images.set(canonicalReference(tag), stored);
    this.#images.set(stored.id, stored);
  }

  #findImage(image: string): StoredImage | undefined {
    const ref = stripRefPrefix(image);
    const direct = this.#images.get(canonicalReference(ref)) ?? this.#images.get(ref);
    if (direct) return direct;
    if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref)) {
      const hex = ref.replace(/^sha256:/, '');
      return [...this.#images.values()].find((i) => i.id.slice(7).startsWith(hex));
    }
    if (ref.includes('@')) return [...this.#images.values()].find((i) => i.repoDigests.some((d) => canonicalReference(d) === canonicalReference(ref)));
    return undefined;
  }
}

// ---- helpers ----

function matches(labels: Record<string, string>, filter?: ListFilter): boolean {
  return Object.entries(filter?.labels ?? {}).every(([k, v]) => labels[k] === v);
}

function infoOf(i: StoredImage): ImageInfo {
  return { id: i.id, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests], sizeBytes: i.sizeBytes ?? 1024 * 1024 };
}

function stripRefPrefix(image: string): string {
  return image.replace(/^docker-pullable:\/\//, '').replace(/^docker:\/\//, '');
}

function splitTag(ref: string): { repo: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at !== -1) return { repo: ref.slice(0, at) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref };
}

/** Docker's normalisation: `nginx` → `docker.io/library/nginx:latest`. Ids pass through. */
export function canonicalReference(ref: string): string {
  if (/^sha256:[0-9a-f]{64}$/.test(ref)) return ref;
  const at = ref.indexOf('@');
  const digest = at !== -1 ? ref.slice(at) : '';
  const { repo, tag } = splitTag(at !== -1 ? ref.slice(0, at) : ref);
  const first = repo.split('/')[0];
  const hasRegistry = repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let full = hasRegistry ? repo : `docker.io/${repo}`;
  if (/^docker\.io\/[^/]+$/.test(full)) full = full.replace('docker.io/', 'docker.io/library/');
  return digest ? `${full}${digest}` : `${full}:${tag ?? 'latest'}`;
}

/** The short form Docker shows in RepoTags: `docker.io/library/nginx:latest` → `nginx:latest`. */
export function familiarReference(canonical: string): string {
  return canonical.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

function parseCidr(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/');
  const b = Number(bits);
  if (!(b >= 0 && b <= 30)) throw new Error(`SimRuntime: invalid podCIDR ${cidr}`);
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return [(parseIp(ip) & mask) >>> 0, b];
}

function parseIp(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`invalid IPv4 address ${ip}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function stdinWriter(stdin: SimStdin): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      stdin.push(chunk.toString('utf8'));
      cb();
    },
    final(cb) {
      stdin.end();
      cb();
    },
  });
}
