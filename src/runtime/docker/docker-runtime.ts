/**
 * ContainerRuntime on a Docker Engine (API 1.41+, Docker 20.10+), in the manner of dockershim /
 * cri-dockerd:
 *
 *  - A sandbox is a pause container (PAUSE_IMAGE, built locally on first use) holding the pod's
 *    network (default bridge, `host` for hostNetwork, or the configured network), IPC (shareable)
 *    and UTS namespaces, its hostname, DNS (Engine Dns/DnsSearch/DnsOptions: Docker writes the
 *    pod's resolv.conf and /etc/hosts, and containers joining the sandbox share those files) and
 *    hostPort publishing.
 *  - App containers join it (`container:<sandbox>` network and IPC modes), so the containers of a
 *    pod share localhost and the pod IP.
 *  - Everything created carries LABELS.kind and LABELS.node = this runtime's node name; lists and
 *    lookups only see this node's objects, so several agents can share one engine.
 *  - Returned labels are exactly the caller's plus the LABELS the runtime sets (pod identity, kind,
 *    node); the runtime's own bookkeeping (attempt, sandbox id, annotations, termination-message
 *    path) lives in `io.lite.internal.*` labels that are never returned.
 *  - Exited containers with a terminationMessagePath report that file's content (at most 4096
 *    bytes, as the kubelet reads it) as `message`, read through the Engine's archive API, which
 *    also works on stopped containers.
 *  - Every call is traced at debug level.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  LABELS,
  RuntimeError,
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
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
import {
  createDockerApi,
  DEFAULT_DOCKER_SOCKET,
  dockerErrorMessage,
  dockerStatusCode,
  readJsonStream,
  type DockerApi,
  type DockerContainerInspect,
  type DockerExecApi,
  type DockerImageInspect,
} from './docker-api.js';
import {
  annotationsFromLabels,
  cpuQuota,
  cpuShares,
  dockerBind,
  dockerContainerName,
  dockerSince,
  dockerTime,
  dockerUser,
  entrypointAndCmd,
  imageRef,
  INTERNAL,
  kubeletTimestamp,
  looksLikeImageId,
  normalizeImageName,
  publicLabels,
  splitImageReference,
  toContainerStatus,
  toImageInfo,
  withLabelRecord,
} from './docker-mapping.js';
import { demuxFrames, hijackedSession, rawLines } from './docker-streams.js';
import { ensurePauseImage, PAUSE_IMAGE } from './pause-image.js';
import { silentLogger } from '../../util/log.js';

export interface DockerRuntimeConfig {
  /** The node (agent) owning what this runtime creates (LABELS.node). */
  readonly nodeName: string;
  /** Default /var/run/docker.sock. */
  readonly socketPath?: string;
  /** An Engine client (tests); default: dockerode on socketPath. */
  readonly docker?: DockerApi;
  readonly logger?: Logger;
  /** Sandbox image; default PAUSE_IMAGE, built locally when missing. Other images are pulled. */
  readonly pauseImage?: string;
  /** Network for sandboxes without `network` in their config (default `bridge`). */
  readonly network?: string;
  /** Seconds a sandbox's pause container gets on stop (default 10, like dockershim). */
  readonly sandboxStopTimeoutSeconds?: number;
}

/** Kubelet's limit on a termination message (kubecontainer.MaxContainerTerminationMessageLength). */
const MAX_TERMINATION_MESSAGE = 4096;

/** Ran and stopped (a created container, never started, is not: an attach waits for its start). */
function hasStopped(state: { Running: boolean; Status?: string }): boolean {
  return !state.Running && state.Status !== 'created';
}

/** How long an attach may stay open after its container stopped (see attach). */
const ATTACH_END_GRACE_MS = 2000;
/** Cap of each output of execSync (the CRI's message size limit). */
const MAX_EXEC_SYNC_OUTPUT = 16 * 1024 * 1024;

type Kind = 'sandbox' | 'container';

export class DockerRuntime implements ContainerRuntime {
  readonly #docker: DockerApi;
  readonly #node: string;
  readonly #log: Logger;
  readonly #pauseImage: string;
  readonly #network: string;
  readonly #socketPath: string;
  readonly #sandboxStopTimeout: number;
  #pauseReady: Promise<void> | undefined;
  /** Image inspects by id, for imageRef (RepoDigests); dropped on pull/remove/import. */
  readonly #imageCache = new Map<string, DockerImageInspect | null>();
  /** Termination messages of exited containers, by `id@finishedAt`. */
  readonly #terminationMessages = new Map<string, string>();

  constructor(config: DockerRuntimeConfig) {
    if (!config.nodeName) throw new Error('DockerRuntime: nodeName is required');
    this.#node = config.nodeName;
    this.#socketPath = config.socketPath ?? DEFAULT_DOCKER_SOCKET;
    this.#docker = config.docker ?? createDockerApi(this.#socketPath);
    this.#log = (config.logger ?? silentLogger).child({ component: 'runtime-docker', node: config.nodeName });
    this.#pauseImage = config.pauseImage ?? PAUSE_IMAGE;
    this.#network = config.network ?? 'bridge';
    this.#sandboxStopTimeout = config.sandboxStopTimeoutSeconds ?? 10;
  }

  get nodeName(): string {
    return this.#node;
  }

  async version(): Promise<RuntimeVersion> {
    this.#log.debug('version');
    try {
      const v = await this.#docker.version();
      return { runtimeName: 'docker', runtimeVersion: v.Version };
    } catch (err) {
      throw this.#error(err);
    }
  }

  // ---- sandboxes ----

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    this.#log.debug({ pod: `${config.namespace}/${config.name}`, attempt: config.attempt }, 'runPodSandbox');
    await this.#ensurePauseImage();
    const labels: Record<string, string> = {
      ...config.labels,
      [LABELS.podName]: config.name,
      [LABELS.podNamespace]: config.namespace,
      [LABELS.podUid]: config.uid,
      [LABELS.kind]: 'sandbox',
      [LABELS.node]: this.#node,
      [INTERNAL.attempt]: String(config.attempt),
      [INTERNAL.annotations]: JSON.stringify(config.annotations ?? {}),
    };
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    if (!config.hostNetwork) {
      for (const p of config.portMappings) {
        if (!p.hostPort) continue;
        const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
        exposed[key] = {};
        (bindings[key] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
      }
    }
    const hostConfig: Record<string, unknown> = {
      NetworkMode: config.hostNetwork ? 'host' : (config.network ?? this.#network),
      PortBindings: bindings,
      IpcMode: config.hostIpc ? 'host' : 'shareable',
      RestartPolicy: { Name: 'no' },
    };
    if (config.hostPid) hostConfig.PidMode = 'host';
    if (config.dns) {
      hostConfig.Dns = [...config.dns.servers];
      hostConfig.DnsSearch = [...config.dns.searches];
      hostConfig.DnsOptions = [...config.dns.options];
    }
    if (config.cgroupParent) hostConfig.CgroupParent = config.cgroupParent;
    if (config.sysctls && Object.keys(config.sysctls).length) hostConfig.Sysctls = { ...config.sysctls };
    const id = await this.#create(dockerContainerName(config), {
      Image: this.#pauseImage,
      ...(config.hostNetwork ? {} : { Hostname: config.hostname }),
      Labels: withLabelRecord(labels),
      ExposedPorts: exposed,
      HostConfig: hostConfig,
    });
    try {
      await this.#docker.getContainer(id).start();
    } catch (err) {
      // Leave nothing half-made behind: the kubelet will retry with a new attempt.
      await this.#docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
      throw this.#error(err);
    }
    if (config.dns && !config.hostNetwork) await this.#rewriteResolvConf(id, config.dns);
    return id;
  }

  /**
   * On a user-defined network Docker points resolv.conf at its embedded DNS (127.0.0.11) whatever
   * `Dns` says; the pod's DNS settings are written over it, as dockershim did (rewriteResolvFile).
   */
  async #rewriteResolvConf(id: string, dns: NonNullable<SandboxConfig['dns']>): Promise<void> {
    const path = (await this.#docker.getContainer(id).inspect()).ResolvConfPath;
    if (!path) return;
    const lines = [
      ...(dns.searches.length ? [`search ${dns.searches.join(' ')}`] : []),
      ...dns.servers.map((s) => `nameserver ${s}`),
      ...(dns.options.length ? [`options ${dns.options.join(' ')}`] : []),
    ];
    try {
      await writeFile(path, `${lines.join('\n')}\n`);
    } catch (err) {
      // A remote Docker engine: its files are not ours to write; Docker's own file stays.
      this.#log.warn({ id, path, err: (err as Error).message }, "cannot write the pod's resolv.conf");
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.#log.debug({ id }, 'stopPodSandbox');
    await this.#inspect(id, 'sandbox');
    // CRI: stopping a sandbox forcibly terminates what still runs in it.
    const members = await this.#listRaw('container', { [INTERNAL.sandboxId]: id });
    await Promise.all(members.filter((c) => c.State.Running).map((c) => this.#stop(c.Id, 0, 'container')));
    await this.#stop(id, this.#sandboxStopTimeout, 'sandbox');
  }

  async removePodSandbox(id: string): Promise<void> {
    this.#log.debug({ id }, 'removePodSandbox');
    await this.#inspect(id, 'sandbox');
    const members = await this.#listRaw('container', { [INTERNAL.sandboxId]: id });
    for (const c of members) await this.#remove(c.Id, 'container');
    await this.#remove(id, 'sandbox');
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    this.#log.debug({ id }, 'podSandboxStatus');
    return this.#sandboxStatus(await this.#inspect(id, 'sandbox'));
  }

  async listPodSandboxes(filter?: ListFilter): Promise<SandboxStatus[]> {
    this.#log.debug({ filter }, 'listPodSandboxes');
    return (await this.#listRaw('sandbox', filter?.labels)).map((i) => this.#sandboxStatus(i));
  }

  #sandboxStatus(i: DockerContainerInspect): SandboxStatus {
    const labels = i.Config.Labels ?? {};
    const hostNetwork = i.HostConfig.NetworkMode === 'host';
    let ip: string | undefined;
    if (!hostNetwork && i.State.Running) {
      const networks = i.NetworkSettings.Networks ?? {};
      ip = networks[i.HostConfig.NetworkMode ?? '']?.IPAddress || Object.values(networks).find((n) => n.IPAddress)?.IPAddress || i.NetworkSettings.IPAddress || undefined;
    }
    return {
      id: i.Id,
      state: i.State.Running ? 'ready' : 'notready',
      ...(ip ? { ip } : {}),
      createdAt: dockerTime(i.Created) ?? 0,
      labels: publicLabels(labels),
      annotations: annotationsFromLabels(labels),
      ...(i.State.Running && i.State.Pid > 0 ? { netnsPath: `/proc/${i.State.Pid}/ns/net` } : {}),
    };
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    this.#log.debug({ sandboxId, container: config.name, attempt: config.attempt }, 'createContainer');
    await this.#inspect(sandboxId, 'sandbox');
    const image = normalizeImageName(config.image);
    const sec = config.security ?? {};
    let imageUser: string | undefined;
    if (sec.runAsUser === undefined && sec.runAsGroup !== undefined) {
      try {
        imageUser = (await this.#docker.getImage(image).inspect()).Config?.User ?? undefined;
      } catch (err) {
        throw this.#error(err);
      }
    }
    const user = dockerUser(sec.runAsUser, sec.runAsGroup, imageUser);
    const labels: Record<string, string> = {
      ...config.labels,
      [LABELS.podName]: sandbox.name,
      [LABELS.podNamespace]: sandbox.namespace,
      [LABELS.podUid]: sandbox.uid,
      [LABELS.containerName]: config.name,
      [LABELS.kind]: 'container',
      [LABELS.node]: this.#node,
      [INTERNAL.attempt]: String(config.attempt),
      [INTERNAL.sandboxId]: sandboxId,
      [INTERNAL.annotations]: JSON.stringify(config.annotations ?? {}),
    };
    if (config.terminationMessagePath) labels[INTERNAL.terminationMessagePath] = config.terminationMessagePath;
    const res = config.resources ?? {};
    const hostConfig: Record<string, unknown> = {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: sandbox.hostIpc ? 'host' : `container:${sandboxId}`,
      Binds: config.mounts.map(dockerBind),
      RestartPolicy: { Name: 'no' },
      CpuShares: cpuShares(res.cpuRequestMillis),
      ...cpuQuota(res.cpuLimitMillis),
      Privileged: sec.privileged ?? false,
      ReadonlyRootfs: sec.readOnlyRootFilesystem ?? false,
    };
    if (sandbox.hostPid) hostConfig.PidMode = 'host';
    else if (config.pidNamespaceTarget) hostConfig.PidMode = `container:${config.pidNamespaceTarget}`;
    if (res.memoryLimitBytes && res.memoryLimitBytes > 0) {
      hostConfig.Memory = res.memoryLimitBytes;
      // The kubelet disables swap for limited containers (swap limit = memory limit).
      hostConfig.MemorySwap = res.memoryLimitBytes;
    }
    if (sec.supplementalGroups?.length) hostConfig.GroupAdd = sec.supplementalGroups.map(String);
    if (sec.capabilitiesAdd?.length) hostConfig.CapAdd = [...sec.capabilitiesAdd];
    if (sec.capabilitiesDrop?.length) hostConfig.CapDrop = [...sec.capabilitiesDrop];
    if (sec.noNewPrivileges) hostConfig.SecurityOpt = ['no-new-privileges'];
    if (sandbox.cgroupParent) hostConfig.CgroupParent = sandbox.cgroupParent;
    return this.#create(dockerContainerName(sandbox, config), {
      Image: image,
      ...entrypointAndCmd(config),
      Env: config.env.map((e) => `${e.name}=${e.value}`),
      ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
      ...(user !== undefined ? { User: user } : {}),
      Tty: config.tty ?? false,
      OpenStdin: config.stdin ?? false,
      StdinOnce: config.stdinOnce ?? false,
      Labels: withLabelRecord(labels),
      HostConfig: hostConfig,
    });
  }

  async startContainer(id: string): Promise<void> {
    this.#log.debug({ id }, 'startContainer');
    await this.#inspect(id, 'container');
    try {
      await this.#docker.getContainer(id).start();
    } catch (err) {
      if (dockerStatusCode(err) === 304) return;
      throw this.#error(err, 'container', id);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.#log.debug({ id, timeoutSeconds }, 'stopContainer');
    await this.#inspect(id, 'container');
    await this.#stop(id, timeoutSeconds, 'container');
  }

  async removeContainer(id: string): Promise<void> {
    this.#log.debug({ id }, 'removeContainer');
    await this.#inspect(id, 'container');
    await this.#remove(id, 'container');
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    this.#log.debug({ id }, 'containerStatus');
    return this.#containerStatus(await this.#inspect(id, 'container'));
  }

  async listContainers(filter?: ListFilter): Promise<ContainerStatus[]> {
    this.#log.debug({ filter }, 'listContainers');
    const raw = await this.#listRaw('container', filter?.labels);
    return Promise.all(raw.map((i) => this.#containerStatus(i)));
  }

  async #containerStatus(i: DockerContainerInspect): Promise<ContainerStatus> {
    const image = await this.#imageInspect(i.Image);
    const status = toContainerStatus(i, { imageRef: imageRef(i.Image, image?.RepoDigests) });
    if (status.state !== 'exited') return status;
    const message = await this.#terminationMessage(i);
    return message ? { ...status, message } : status;
  }

  async #terminationMessage(i: DockerContainerInspect): Promise<string> {
    const path = i.Config.Labels?.[INTERNAL.terminationMessagePath];
    if (!path) return '';
    const key = `${i.Id}@${i.State.FinishedAt}`;
    const cached = this.#terminationMessages.get(key);
    if (cached !== undefined) return cached;
    let message = '';
    try {
      const stream = await this.#docker.getContainer(i.Id).getArchive({ path });
      const chunks: Buffer[] = [];
      for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
      const file = readTar(Buffer.concat(chunks)).find((f) => f.type === 'file');
      if (file) message = file.data.subarray(0, MAX_TERMINATION_MESSAGE).toString('utf8');
    } catch (err) {
      if (dockerStatusCode(err) !== 404) this.#log.debug({ id: i.Id, err: dockerErrorMessage(err) }, 'reading termination message');
    }
    this.#terminationMessages.set(key, message);
    return message;
  }

  // ---- streaming ----

  async exec(id: string, command: readonly string[], options: ExecOptions): Promise<StreamSession> {
    this.#log.debug({ id, command, tty: options.tty, stdin: options.stdin }, 'exec');
    const { exec, sock } = await this.#startExec(id, command, options);
    return hijackedSession(sock, {
      ...options,
      resize: async (w, h) => {
        try {
          await exec.resize({ w, h });
        } catch (err) {
          // Resizing a process that has just ended is not an error worth reporting.
          const info = await exec.inspect().catch(() => undefined);
          if (info && !info.Running) return;
          throw this.#error(err);
        }
      },
      exitCode: (closedByCaller) => this.#execExitCode(exec, closedByCaller),
    });
  }

  async execSync(id: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array; timedOut: boolean }> {
    this.#log.debug({ id, command, timeoutMs }, 'execSync');
    const { exec, sock } = await this.#startExec(id, command, { stdin: false, stdout: true, stderr: true, tty: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    const session = hijackedSession(sock, {
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
      resize: async () => undefined,
      exitCode: (closedByCaller) => this.#execExitCode(exec, closedByCaller),
    });
    session.stdout!.on('data', (c: Buffer) => {
      if (outLen < MAX_EXEC_SYNC_OUTPUT) out.push(c.subarray(0, MAX_EXEC_SYNC_OUTPUT - outLen));
      outLen += c.length;
    });
    session.stderr!.on('data', (c: Buffer) => {
      if (errLen < MAX_EXEC_SYNC_OUTPUT) err.push(c.subarray(0, MAX_EXEC_SYNC_OUTPUT - errLen));
      errLen += c.length;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
    });
    const result = await Promise.race([session.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      session.close();
      await this.#killExec(exec, id);
      return { exitCode: -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut: true };
    }
    return { exitCode: result, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut: false };
  }

  async #startExec(id: string, command: readonly string[], options: ExecOptions): Promise<{ exec: DockerExecApi; sock: Duplex }> {
    await this.#inspect(id, 'container');
    try {
      const exec = await this.#docker.getContainer(id).exec({
        Cmd: [...command],
        AttachStdin: options.stdin,
        AttachStdout: options.stdout,
        AttachStderr: options.stderr,
        Tty: options.tty,
      });
      const sock = await exec.start({ hijack: true, stdin: options.stdin, Detach: false, Tty: options.tty });
      return { exec, sock };
    } catch (err) {
      throw this.#error(err, 'container', id);
    }
  }

  async #execExitCode(exec: DockerExecApi, closedByCaller: boolean): Promise<number> {
    // The stream ends a moment before the Engine records the exit code.
    for (let i = 0; i < 100; i++) {
      let info;
      try {
        info = await exec.inspect();
      } catch {
        return -1;
      }
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (closedByCaller && i >= 5) return -1;
      await new Promise((r) => setTimeout(r, i < 10 ? 5 : 20));
    }
    return -1;
  }

  /**
   * The Engine cannot kill an exec'd process; a timed-out probe's process is SIGKILLed by its host
   * pid — only after checking, through /proc/<pid>/cgroup, that it is inside this container.
   */
  async #killExec(exec: DockerExecApi, containerId: string): Promise<void> {
    try {
      const info = await exec.inspect();
      if (!info.Running || info.Pid <= 0) return;
      const cgroup = await readFile(`/proc/${info.Pid}/cgroup`, 'utf8');
      if (!cgroup.includes(containerId)) return;
      process.kill(info.Pid, 'SIGKILL');
    } catch {
      // Remote engine, or the process is gone: nothing to do.
    }
  }

  async attach(id: string, options: ExecOptions): Promise<StreamSession> {
    this.#log.debug({ id, stdin: options.stdin }, 'attach');
    const inspect = await this.#inspect(id, 'container');
    if (hasStopped(inspect.State)) return this.#replayExited(id, options, inspect.Config.Tty);
    const container = this.#docker.getContainer(id);
    let sock: Duplex;
    try {
      sock = await container.attach({ hijack: true, stream: true, stdin: options.stdin, stdout: options.stdout, stderr: options.stderr });
    } catch (err) {
      throw this.#error(err, 'container', id);
    }
    // The Engine ends an attach when the container stops, but one that arrives after the stop
    // waits for the next start. So look again now that the attach is in: stopped meanwhile means
    // its output went by unseen, and the log has it all.
    const after = await container.inspect().catch(() => undefined);
    if (after && hasStopped(after.State)) {
      sock.destroy();
      return this.#replayExited(id, options, inspect.Config.Tty);
    }
    // Aborted when the caller detaches, so no wait request outlives the session.
    const waitAbort = new AbortController();
    const exit = container.wait({ condition: 'not-running', abortSignal: waitAbort.signal }).then(
      (r) => r.StatusCode,
      () => -1,
    );
    // The stop may still fall between the look above and the Engine wiring the attach up; then
    // the connection would never end. It ends on its own right after a stop otherwise.
    void exit.then(() => {
      if (waitAbort.signal.aborted) return;
      setTimeout(() => sock.destroy(), ATTACH_END_GRACE_MS).unref();
    });
    return hijackedSession(sock, {
      ...options,
      tty: inspect.Config.Tty,
      stdinEnd: inspect.Config.StdinOnce === true ? 'half-close' : 'stop',
      resize: async (w, h) => {
        try {
          await container.resize({ w, h });
        } catch (err) {
          throw this.#error(err, 'container', id);
        }
      },
      exitCode: async (closedByCaller) => {
        if (!closedByCaller) return exit;
        waitAbort.abort();
        // Detached: report the exit code only if the container has already stopped.
        const i = await container.inspect().catch(() => undefined);
        return i && !i.State.Running ? i.State.ExitCode : -1;
      },
    });
  }

  /** An attach to a stopped container: its logged output, then its exit code. */
  async #replayExited(id: string, options: ExecOptions, tty: boolean): Promise<StreamSession> {
    const container = this.#docker.getContainer(id);
    let body: Buffer | NodeJS.ReadableStream;
    try {
      body = await container.logs({ follow: false, stdout: true, stderr: true, timestamps: false, tail: 'all' });
    } catch (err) {
      throw this.#error(err, 'container', id);
    }
    const stdout = options.stdout ? new PassThrough() : undefined;
    const stderr = options.stderr && !tty ? new PassThrough() : undefined;
    // Closing (the caller detached) also ends a wait for a reader that went away.
    const stop = new AbortController();
    const close = () => {
      stop.abort();
      (body as Partial<Duplex>).destroy?.();
    };
    options.signal?.addEventListener('abort', close, { once: true });
    const copy = async (): Promise<void> => {
      const chunks: AsyncIterable<Buffer | { stream: 0 | 1 | 2; payload: Buffer }> = tty ? rawLines(body) : demuxFrames(body);
      for await (const chunk of chunks) {
        if (stop.signal.aborted) return;
        const [target, payload] = Buffer.isBuffer(chunk) ? [stdout, chunk] : [chunk.stream === 2 ? stderr : stdout, chunk.payload];
        if (target && !target.write(payload)) await once(target, 'drain', { signal: stop.signal });
      }
    };
    const exited = copy()
      .catch((err: unknown) => this.#log.debug({ err, id }, 'attach: replaying the log of a stopped container failed'))
      .then(async () => {
        stdout?.end();
        stderr?.end();
        options.signal?.removeEventListener('abort', close);
        const i = await container.inspect().catch(() => undefined);
        return i && !i.State.Running ? i.State.ExitCode : -1;
      });
    return { stdin: undefined, stdout, stderr, resize: async () => undefined, exited, close };
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<Uint8Array> {
    this.#log.debug({ id, follow: options.follow, tail: options.tailLines, since: options.since }, 'logs');
    const inspect = await this.#inspect(id, 'container');
    if (options.signal?.aborted) return;
    let body: Buffer | NodeJS.ReadableStream;
    try {
      body = await this.#docker.getContainer(id).logs({
        follow: options.follow,
        stdout: true,
        stderr: true,
        // Docker prints RFC3339 with 9 fraction digits; re-formatted below as the kubelet prints them.
        timestamps: options.timestamps,
        tail: options.tailLines ?? 'all',
        ...(options.since !== undefined ? { since: dockerSince(options.since) } : {}),
        ...(options.signal ? { abortSignal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw this.#error(err, 'container', id);
    }
    const abort = () => (body as Partial<Duplex>).destroy?.();
    options.signal?.addEventListener('abort', abort, { once: true });
    let remaining = options.limitBytes;
    try {
      const lines = inspect.Config.Tty ? rawLines(body) : mapFrames(demuxFrames(body));
      for await (let line of lines) {
        if (options.timestamps) {
          const sp = line.indexOf(0x20);
          if (sp > 0) line = Buffer.concat([Buffer.from(kubeletTimestamp(line.toString('latin1', 0, sp))), line.subarray(sp)]);
        }
        if (remaining !== undefined) {
          if (line.length >= remaining) {
            if (remaining > 0) yield line.subarray(0, remaining);
            return;
          }
          remaining -= line.length;
        }
        yield line;
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw this.#error(err, 'container', id);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      abort();
    }
  }

  async containerStats(id: string): Promise<ContainerStats> {
    this.#log.debug({ id }, 'containerStats');
    await this.#inspect(id, 'container');
    let s;
    try {
      s = await this.#docker.getContainer(id).stats({ stream: false, 'one-shot': true });
    } catch (err) {
      throw this.#error(err, 'container', id);
    }
    const usage = s.memory_stats?.usage ?? 0;
    const stats = s.memory_stats?.stats ?? {};
    // cAdvisor: working set = usage - inactive_file (cgroup v1: total_inactive_file), not below 0.
    const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
    return {
      timestamp: dockerTime(s.read) ?? Date.now(),
      cpuUsageNanos: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - inactive),
    };
  }

  // ---- images ----

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    this.#log.debug({ image }, 'imageStatus');
    try {
      return toImageInfo(await this.#docker.getImage(normalizeImageName(image)).inspect());
    } catch (err) {
      if (dockerStatusCode(err) === 404) return undefined;
      throw this.#error(err);
    }
  }

  async pullImage(image: string, options: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal } = {}): Promise<ImageInfo> {
    this.#log.debug({ image }, 'pullImage');
    const ref = normalizeImageName(image);
    this.#imageCache.clear();
    try {
      const stream = await this.#docker.createImage({ ...splitImageReference(ref), ...(options.signal ? { abortSignal: options.signal } : {}) });
      await readJsonStream(stream, (msg) => {
        if (!options.onProgress || typeof msg.status !== 'string') return;
        const detail = (msg.progressDetail ?? {}) as { current?: number; total?: number };
        options.onProgress({
          status: typeof msg.id === 'string' ? `${msg.id}: ${msg.status}` : msg.status,
          ...(detail.current !== undefined ? { current: detail.current } : {}),
          ...(detail.total !== undefined ? { total: detail.total } : {}),
        });
      });
    } catch (err) {
      if (options.signal?.aborted) throw new RuntimeError(`pulling image "${image}": aborted`, { cause: err });
      throw this.#error(err);
    }
    const info = await this.imageStatus(ref);
    if (!info) throw new RuntimeError(`image "${image}" not present after pull`);
    return info;
  }

  async listImages(): Promise<ImageInfo[]> {
    this.#log.debug('listImages');
    try {
      return (await this.#docker.listImages()).map(toImageInfo);
    } catch (err) {
      throw this.#error(err);
    }
  }

  async removeImage(image: string): Promise<void> {
    this.#log.debug({ image }, 'removeImage');
    const ref = normalizeImageName(image);
    this.#imageCache.clear();
    let inspect: DockerImageInspect;
    try {
      inspect = await this.#docker.getImage(ref).inspect();
    } catch (err) {
      throw this.#error(err, 'image', image);
    }
    try {
      // dockershim: removing by id removes every tag (Docker refuses an id with several tags).
      if (looksLikeImageId(ref) && (inspect.RepoTags?.length ?? 0) > 1) {
        for (const tag of inspect.RepoTags ?? []) await this.#docker.getImage(tag).remove();
        await this.#docker.getImage(inspect.Id).remove().catch((err: unknown) => {
          if (dockerStatusCode(err) !== 404) throw err;
        });
      } else {
        await this.#docker.getImage(ref).remove();
      }
    } catch (err) {
      throw this.#error(err, 'image', image);
    }
  }

  async importImages(tar: NodeJS.ReadableStream): Promise<string[]> {
    this.#log.debug('importImages');
    this.#imageCache.clear();
    const loaded: string[] = [];
    try {
      const stream = await this.#docker.loadImage(tar, { quiet: true });
      const messages = await readJsonStream(stream);
      for (const m of messages) {
        if (typeof m.stream !== 'string') continue;
        for (const line of m.stream.split('\n')) {
          const tagged = /^Loaded image: (.+)$/.exec(line.trim());
          const untagged = /^Loaded image ID: (.+)$/.exec(line.trim());
          if (tagged) loaded.push(tagged[1]);
          else if (untagged) loaded.push(untagged[1]);
        }
      }
    } catch (err) {
      throw this.#error(err);
    }
    return loaded;
  }

  // ---- helpers ----

  async #ensurePauseImage(): Promise<void> {
    this.#pauseReady ??= (async () => {
      if (await this.imageStatus(this.#pauseImage)) return;
      if (this.#pauseImage === PAUSE_IMAGE) {
        this.#log.info({ image: PAUSE_IMAGE }, 'building the pause image');
        try {
          await ensurePauseImage(this.#docker);
        } catch (err) {
          throw new RuntimeError(`building the pause image ${PAUSE_IMAGE}: ${(err as Error).message}`, { cause: err });
        }
      } else {
        await this.pullImage(this.#pauseImage);
      }
    })();
    try {
      await this.#pauseReady;
    } catch (err) {
      this.#pauseReady = undefined;
      throw err;
    }
  }

  async #create(name: string, body: Record<string, unknown>): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        // A name taken (e.g. by a leftover of a crashed kubelet): dockershim retried with a random suffix.
        const n = attempt === 0 ? name : `${name}_${Math.random().toString(16).slice(2, 10)}`;
        return (await this.#docker.createContainer({ name: n, ...body })).id;
      } catch (err) {
        if (dockerStatusCode(err) === 409 && attempt < 3) continue;
        throw this.#error(err);
      }
    }
  }

  /** Inspects an object of this node; anything else (absent, other node, other kind) is not found. */
  async #inspect(id: string, kind: Kind): Promise<DockerContainerInspect> {
    let i: DockerContainerInspect;
    try {
      i = await this.#docker.getContainer(id).inspect();
    } catch (err) {
      throw this.#error(err, kind, id);
    }
    const labels = i.Config.Labels ?? {};
    if (labels[LABELS.node] !== this.#node || labels[LABELS.kind] !== kind) throw new RuntimeNotFoundError(kind, id);
    return i;
  }

  async #listRaw(kind: Kind, labels: Readonly<Record<string, string>> = {}): Promise<DockerContainerInspect[]> {
    const filters = [`${LABELS.node}=${this.#node}`, `${LABELS.kind}=${kind}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
    let summaries;
    try {
      summaries = await this.#docker.listContainers({ all: true, filters: JSON.stringify({ label: filters }) });
    } catch (err) {
      throw this.#error(err);
    }
    const inspected = await Promise.all(
      summaries.map((s) =>
        this.#docker
          .getContainer(s.Id)
          .inspect()
          .catch((err: unknown) => {
            if (dockerStatusCode(err) === 404) return undefined; // removed meanwhile
            throw this.#error(err);
          }),
      ),
    );
    return inspected
      .filter((i): i is DockerContainerInspect => i !== undefined)
      .sort((a, b) => (dockerTime(a.Created) ?? 0) - (dockerTime(b.Created) ?? 0) || a.Id.localeCompare(b.Id));
  }

  async #stop(id: string, timeoutSeconds: number, kind: Kind): Promise<void> {
    const c = this.#docker.getContainer(id);
    try {
      if (timeoutSeconds <= 0) {
        await c.kill({ signal: 'SIGKILL' });
        await c.wait({ condition: 'not-running' });
      } else {
        await c.stop({ t: Math.ceil(timeoutSeconds) });
      }
    } catch (err) {
      const code = dockerStatusCode(err);
      // 304: already stopped; 409 from kill: not running.
      if (code === 304 || (code === 409 && /is not running/i.test(dockerErrorMessage(err)))) return;
      throw this.#error(err, kind, id);
    }
  }

  async #remove(id: string, kind: Kind): Promise<void> {
    for (const key of this.#terminationMessages.keys()) if (key.startsWith(`${id}@`)) this.#terminationMessages.delete(key);
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = dockerStatusCode(err);
      if (code === 404 || (code === 409 && /already in progress/i.test(dockerErrorMessage(err)))) return;
      throw this.#error(err, kind, id);
    }
  }

  async #imageInspect(image: string): Promise<DockerImageInspect | undefined> {
    if (this.#imageCache.has(image)) return this.#imageCache.get(image) ?? undefined;
    let inspect: DockerImageInspect | null = null;
    try {
      inspect = await this.#docker.getImage(image).inspect();
    } catch (err) {
      if (dockerStatusCode(err) !== 404) throw this.#error(err);
    }
    if (this.#imageCache.size > 1000) this.#imageCache.clear();
    this.#imageCache.set(image, inspect);
    return inspect ?? undefined;
  }

  /** Engine errors → RuntimeNotFoundError (404 on a known object) or RuntimeError with the Engine's words. */
  #error(err: unknown, what?: 'sandbox' | 'container' | 'image', id?: string): RuntimeError {
    if (err instanceof RuntimeError) return err;
    const code = dockerStatusCode(err);
    if (code === 404 && what && id !== undefined) {
      const message = dockerErrorMessage(err);
      if (what === 'image' || /no such container/i.test(message) || message === '') return new RuntimeNotFoundError(what, id);
    }
    const message = dockerErrorMessage(err);
    this.#log.debug({ code, what, id, err: message }, 'engine error');
    return new RuntimeError(code !== undefined ? `Error response from daemon: ${message}` : message, { cause: err });
  }
}

async function* mapFrames(frames: AsyncIterable<{ stream: 0 | 1 | 2; payload: Buffer }>): AsyncGenerator<Buffer> {
  for await (const f of frames) yield f.payload;
}
