/**
 * The container runtime seam, shaped after the CRI (k8s.io/cri-api RuntimeService and
 * ImageService) so the kubelet reads like upstream's: a pod is a sandbox (holding its network
 * and IPC namespaces) plus containers joined to it.
 *
 * Implementations: docker/ (dockerode; pods are real Docker containers) and sim/ (no containers;
 * for tests and scale simulations). Both pass src/runtime/testing/runtime-conformance.ts.
 *
 * Contract:
 *  - Every sandbox and container carries the labels given in its config; `list*` filters on them.
 *    The kubelet finds its pods after a restart by these labels (adoption), so implementations
 *    must store and return them exactly.
 *  - Ids are opaque strings, stable for the object's lifetime.
 *  - Operations on unknown ids fail with RuntimeNotFoundError; everything else that fails is a
 *    RuntimeError with a message fit for a pod event (it ends up in `kubectl describe`).
 *  - Long operations (pull, exec, logs, port-forward) take an AbortSignal.
 */

export interface KeyValue {
  readonly name: string;
  readonly value: string;
}

export interface Mount {
  /** Path on the host (a directory or file the kubelet prepared). */
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly?: boolean;
  /** Mount propagation (Kubernetes values). */
  readonly propagation?: 'None' | 'HostToContainer' | 'Bidirectional';
}

export interface PortMapping {
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly hostIP?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface SandboxConfig {
  /** Pod identity (used for names and labels). */
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** Incremented when the kubelet recreates a sandbox for the same pod. */
  readonly attempt: number;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Share the host's network namespace (pod.spec.hostNetwork). */
  readonly hostNetwork: boolean;
  readonly hostPid?: boolean;
  readonly hostIpc?: boolean;
  /** Ports published on the host (hostPort). */
  readonly portMappings: readonly PortMapping[];
  /** /etc/resolv.conf content for the pod, and /etc/hosts content (the kubelet renders them). */
  readonly dns?: { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] };
  /** Network to attach the sandbox to (implementation-specific name; default: the runtime's). */
  readonly network?: string;
  /** Cgroup parent for the pod (optional). */
  readonly cgroupParent?: string;
  /** Linux sysctls for the pod's namespaces. */
  readonly sysctls?: Readonly<Record<string, string>>;
}

export type SandboxState = 'ready' | 'notready';

export interface SandboxStatus {
  readonly id: string;
  readonly state: SandboxState;
  /** Primary IP of the pod (absent for host-network pods: the kubelet uses the host IP). */
  readonly ip?: string;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Linux network namespace path (for port-forward and networking). */
  readonly netnsPath?: string;
}

export interface ContainerResources {
  /** CPU limit in millicores (→ CFS quota), and request (→ shares). */
  readonly cpuLimitMillis?: number;
  readonly cpuRequestMillis?: number;
  readonly memoryLimitBytes?: number;
}

export interface ContainerSecurity {
  readonly privileged?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly supplementalGroups?: readonly number[];
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilitiesAdd?: readonly string[];
  readonly capabilitiesDrop?: readonly string[];
  readonly noNewPrivileges?: boolean;
}

export interface ContainerConfig {
  /** Container name within the pod (pod.spec.containers[].name). */
  readonly name: string;
  readonly attempt: number;
  /** Image reference as resolved by the image service (id or name). */
  readonly image: string;
  /** Entrypoint override (Kubernetes `command`) and arguments (`args`); undefined = image default. */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly env: readonly KeyValue[];
  readonly mounts: readonly Mount[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  readonly resources?: ContainerResources;
  readonly security?: ContainerSecurity;
  /** Where the container's termination message is read from (terminationMessagePath). */
  readonly terminationMessagePath?: string;
  /**
   * Id of a container of the same sandbox whose PID namespace this one joins (CRI
   * NamespaceMode TARGET: an ephemeral container's targetContainerName). Without it each
   * container has its own (unless the sandbox uses the host's).
   */
  readonly pidNamespaceTarget?: string;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  readonly id: string;
  readonly name: string;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  /** `OOMKilled`, `Error`, `Completed` … for exited containers. */
  readonly reason?: string;
  readonly message?: string;
  /** The image the container runs (as given) and its resolved id (digest or image id). */
  readonly image: string;
  readonly imageRef: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly sandboxId: string;
}

export interface ListFilter {
  /** Every label given must match. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ImageInfo {
  /** Image id (e.g. `sha256:…`). */
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly sizeBytes: number;
}

export interface PullProgress {
  readonly status: string;
  readonly current?: number;
  readonly total?: number;
}

export interface ExecOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
  readonly signal?: AbortSignal;
}

/**
 * A running exec or attach: write to `stdin`, read `stdout`/`stderr` (absent when not asked for;
 * with a tty everything comes on stdout), resize the tty, and learn the exit code.
 */
export interface StreamSession {
  readonly stdin: NodeJS.WritableStream | undefined;
  readonly stdout: NodeJS.ReadableStream | undefined;
  readonly stderr: NodeJS.ReadableStream | undefined;
  resize(width: number, height: number): Promise<void>;
  /** Resolves with the exit code when the process ends (attach: when the container stops). */
  readonly exited: Promise<number>;
  /** Stops the session (kills an exec'd process's connection, detaches). */
  close(): void;
}

export interface LogOptions {
  readonly follow: boolean;
  readonly tailLines?: number;
  /** Only lines at or after this time (ms since epoch). */
  readonly since?: number;
  readonly timestamps: boolean;
  readonly limitBytes?: number;
  readonly signal?: AbortSignal;
}

export interface ContainerStats {
  readonly timestamp: number;
  /** Cumulative CPU time in nanoseconds. */
  readonly cpuUsageNanos: number;
  readonly memoryWorkingSetBytes: number;
  readonly memoryUsageBytes: number;
}

export interface RuntimeVersion {
  /** e.g. `docker` (node.status.nodeInfo.containerRuntimeVersion = `docker://27.3.1`). */
  readonly runtimeName: string;
  readonly runtimeVersion: string;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;

  // ---- sandboxes ----
  runPodSandbox(config: SandboxConfig): Promise<string>;
  /** Stops the sandbox (and so the pod's network); containers must have been stopped first. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<SandboxStatus>;
  listPodSandboxes(filter?: ListFilter): Promise<SandboxStatus[]>;

  // ---- containers ----
  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds` (0 = kill at once). */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: ListFilter): Promise<ContainerStatus[]>;

  // ---- streaming ----
  exec(id: string, command: readonly string[], options: ExecOptions): Promise<StreamSession>;
  /** Runs a command to completion (probes, hooks): bounded by `timeoutMs`. */
  execSync(id: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array; timedOut: boolean }>;
  /**
   * Attaches to the container's main process. A container that has already exited (kubectl run
   * -i races a command that finishes at once) has its output replayed from its log, as asked
   * (stdout, stderr), and the session ends with its exit code; it never waits for a restart.
   */
  attach(id: string, options: ExecOptions): Promise<StreamSession>;
  /** A container's log as raw lines (stdout and stderr interleaved, as kubectl logs shows them). */
  logs(id: string, options: LogOptions): AsyncIterable<Uint8Array>;
  containerStats(id: string): Promise<ContainerStats>;

  // ---- images ----
  /** Resolves the image locally; undefined if not present. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /** Pulls from a registry; fails with RuntimeError carrying the registry's message. */
  pullImage(image: string, options?: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal }): Promise<ImageInfo>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(image: string): Promise<void>;
  /** Loads images from a `docker save`/OCI tar stream (air-gapped installs); returns the tags loaded. */
  importImages(tar: NodeJS.ReadableStream): Promise<string[]>;
}

export class RuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RuntimeNotFoundError extends RuntimeError {
  constructor(readonly what: 'sandbox' | 'container' | 'image', readonly id: string) {
    super(`${what} ${id} not found`);
  }
}

/** Labels lite puts on every sandbox and container (so a restarted kubelet can adopt them). */
export const LABELS = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
  /** `sandbox` or `container`. */
  kind: 'io.lite.kind',
  /** The node (agent) that owns the object, so several agents can share one engine in tests. */
  node: 'io.lite.node',
} as const;
