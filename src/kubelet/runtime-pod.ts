/**
 * The kubelet's view of a pod in the container runtime (upstream kubecontainer.PodStatus): its
 * sandboxes and containers, newest first, with what the kubelet wrote on them when it created
 * them — the container's spec hash, restart count, termination-message settings, the pod's
 * grace period and preStop handler (so a pod deleted while the kubelet was down can still be
 * stopped properly), and the sandbox's attempt number.
 *
 * Everything here is read back from runtime labels and annotations: a restarted kubelet adopts
 * the containers it finds instead of starting duplicates.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { LABELS, RuntimeNotFoundError, type ContainerRuntime, type ContainerState, type ContainerStatus, type SandboxStatus } from '../runtime/container-runtime.js';

/** Annotations the kubelet puts on sandboxes and containers (upstream names where upstream has one). */
export const ANNOTATIONS = {
  containerHash: 'io.kubernetes.container.hash',
  restartCount: 'io.kubernetes.container.restartCount',
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
  terminationMessagePolicy: 'io.kubernetes.container.terminationMessagePolicy',
  podTerminationGracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
  preStopHandler: 'io.kubernetes.container.preStopHandler',
  /** Host file mounted at the container's terminationMessagePath. */
  terminationLog: 'io.lite.container.terminationLog',
  /** `init`, `sidecar` or `app`. */
  containerKind: 'io.lite.container.kind',
  sandboxAttempt: 'io.lite.sandbox.attempt',
} as const;

/** kubecontainer.MaxContainerTerminationMessageLength / …LogLength / …LogLines. */
export const MAX_TERMINATION_MESSAGE = 4096;
export const MAX_TERMINATION_LOG_BYTES = 2048;
export const MAX_TERMINATION_LOG_LINES = 80;

export interface RuntimeSandbox {
  readonly id: string;
  readonly ready: boolean;
  readonly ip: string | undefined;
  readonly createdAt: number;
  readonly attempt: number;
  readonly netnsPath: string | undefined;
  /** What the kubelet wrote on the sandbox (the pod's annotations, attempt, network mode). */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuntimeContainer {
  readonly id: string;
  readonly name: string;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
  readonly exitCode: number | undefined;
  readonly reason: string | undefined;
  /** The runtime's message, with the termination message appended (`<runtime>: <message>`). */
  readonly message: string | undefined;
  readonly image: string;
  readonly imageRef: string;
  readonly sandboxId: string;
  readonly hash: string;
  readonly restartCount: number;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuntimePod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Newest first. */
  readonly sandboxes: readonly RuntimeSandbox[];
  /** Newest first (by creation, then restart count). */
  readonly containers: readonly RuntimeContainer[];
}

export function emptyRuntimePod(uid: string, name = '', namespace = ''): RuntimePod {
  return { uid, name, namespace, sandboxes: [], containers: [] };
}

/** The newest instance of a container name (upstream FindContainerStatusByName). */
export function latestContainer(pod: RuntimePod, name: string): RuntimeContainer | undefined {
  return pod.containers.find((c) => c.name === name);
}

export function runningContainers(pod: RuntimePod): RuntimeContainer[] {
  return pod.containers.filter((c) => c.state === 'running');
}

function toSandbox(s: SandboxStatus): RuntimeSandbox {
  const attempt = Number.parseInt(s.annotations[ANNOTATIONS.sandboxAttempt] ?? '0', 10);
  return { id: s.id, ready: s.state === 'ready', ip: s.ip, createdAt: s.createdAt, attempt: Number.isFinite(attempt) ? attempt : 0, netnsPath: s.netnsPath, annotations: s.annotations };
}

/**
 * Reads pods from the runtime. Termination messages of exited containers are read once (from the
 * host file mounted at terminationMessagePath, else — FallbackToLogsOnError — from the tail of the
 * container's log) and remembered by container id and finish time.
 */
export class RuntimePodReader {
  readonly #runtime: ContainerRuntime;
  readonly #log: Logger;
  readonly #messages = new Map<string, string>();

  constructor(runtime: ContainerRuntime, logger: Logger) {
    this.#runtime = runtime;
    this.#log = logger;
  }

  /** One pod (by uid). */
  async pod(uid: string): Promise<RuntimePod> {
    const filter = { labels: { [LABELS.podUid]: uid } };
    const [sandboxes, containers] = await Promise.all([this.#runtime.listPodSandboxes(filter), this.#runtime.listContainers(filter)]);
    return (await this.#assemble(sandboxes, containers)).get(uid) ?? emptyRuntimePod(uid);
  }

  /** Every pod this node's runtime holds, by uid. */
  async all(): Promise<Map<string, RuntimePod>> {
    const [sandboxes, containers] = await Promise.all([this.#runtime.listPodSandboxes(), this.#runtime.listContainers()]);
    return this.#assemble(sandboxes, containers);
  }

  /** Forgets cached termination messages of removed containers. */
  forget(containerIds: Iterable<string>): void {
    const gone = new Set(containerIds);
    for (const key of this.#messages.keys()) if (gone.has(key.slice(0, key.indexOf('@')))) this.#messages.delete(key);
  }

  async #assemble(sandboxes: readonly SandboxStatus[], containers: readonly ContainerStatus[]): Promise<Map<string, RuntimePod>> {
    const pods = new Map<string, { uid: string; name: string; namespace: string; sandboxes: RuntimeSandbox[]; containers: RuntimeContainer[] }>();
    const entry = (labels: Readonly<Record<string, string>>) => {
      const uid = labels[LABELS.podUid] ?? '';
      let p = pods.get(uid);
      if (!p) {
        p = { uid, name: labels[LABELS.podName] ?? '', namespace: labels[LABELS.podNamespace] ?? '', sandboxes: [], containers: [] };
        pods.set(uid, p);
      }
      return p;
    };
    for (const s of sandboxes) entry(s.labels).sandboxes.push(toSandbox(s));
    const converted = await Promise.all(containers.map((c) => this.#container(c)));
    for (let i = 0; i < containers.length; i++) entry(containers[i].labels).containers.push(converted[i]);
    for (const p of pods.values()) {
      p.sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
      p.containers.sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
    }
    if (this.#messages.size > 4096) this.#messages.clear();
    return pods;
  }

  async #container(c: ContainerStatus): Promise<RuntimeContainer> {
    const restart = Number.parseInt(c.annotations[ANNOTATIONS.restartCount] ?? '0', 10);
    let message = c.message;
    if (c.state === 'exited') {
      const extra = await this.#terminationMessage(c);
      if (extra) message = message ? `${message}: ${extra}` : extra;
    }
    return {
      id: c.id,
      name: c.labels[LABELS.containerName] ?? c.name,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.state === 'created' ? undefined : c.startedAt,
      finishedAt: c.state === 'exited' ? c.finishedAt : undefined,
      exitCode: c.state === 'exited' ? c.exitCode : undefined,
      reason: c.state === 'exited' ? c.reason : undefined,
      message: c.state === 'exited' ? message : undefined,
      image: c.image,
      imageRef: c.imageRef,
      sandboxId: c.sandboxId,
      hash: c.annotations[ANNOTATIONS.containerHash] ?? '',
      restartCount: Number.isFinite(restart) ? restart : 0,
      annotations: c.annotations,
    };
  }

  /** upstream getTerminationMessage + readLastStringFromContainerLogs. */
  async #terminationMessage(c: ContainerStatus): Promise<string> {
    const key = `${c.id}@${c.finishedAt ?? 0}`;
    const cached = this.#messages.get(key);
    if (cached !== undefined) return cached;
    const policy = c.annotations[ANNOTATIONS.terminationMessagePolicy];
    const fallbackToLogs = policy === 'FallbackToLogsOnError' && (c.exitCode ?? 0) !== 0 && c.reason !== 'ContainerCannotRun';
    let message = '';
    const file = c.annotations[ANNOTATIONS.terminationLog];
    if (file) {
      try {
        const data = await readFile(file);
        message = data.subarray(0, MAX_TERMINATION_MESSAGE).toString('utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') message = `Error on reading termination log ${file}: ${(e as Error).message}`;
      }
    }
    if (message === '' && fallbackToLogs) message = await this.#logTail(c.id);
    this.#messages.set(key, message);
    return message;
  }

  async #logTail(id: string): Promise<string> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.#runtime.logs(id, { follow: false, tailLines: MAX_TERMINATION_LOG_LINES, timestamps: false })) chunks.push(Buffer.from(chunk));
    } catch (e) {
      if (e instanceof RuntimeNotFoundError) return '';
      this.#log.debug({ id, err: (e as Error).message }, 'reading the log tail for a termination message failed');
      return `Error on reading termination message from logs: ${(e as Error).message}`;
    }
    const all = Buffer.concat(chunks);
    return all.subarray(Math.max(0, all.length - MAX_TERMINATION_LOG_BYTES)).toString('utf8');
  }
}
