/**
 * What the kubelet hands the runtime for a pod's sandbox and containers, as upstream's
 * generatePodSandboxConfig and generateContainerConfig (pkg/kubelet/kuberuntime) with
 * makeMounts / GenerateRunContainerOptions (pkg/kubelet/kubelet_pods.go):
 *
 *  - the sandbox: hostname, DNS, host namespaces, port mappings, sysctls, pod labels and
 *    annotations (plus the attempt and network mode, read back to decide whether it must be
 *    recreated);
 *  - a container: command/args with `$(VAR)` expansion over its environment, working dir,
 *    resources as CPU shares/quota and a memory limit, the pod's and the container's security
 *    context merged, volume mounts (subPath, subPathExpr, readOnly, propagation), the managed
 *    /etc/hosts, and a host file at terminationMessagePath; annotations carry what a restarted
 *    kubelet needs (spec hash, restart count, grace period, preStop handler …).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { objsAt, optNumAt, strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { quantityIntValue, quantityMilliValue, readQuantity } from '../../api/schema/quantity.js';
import type { ContainerConfig, ContainerResources, ContainerSecurity, KeyValue, Mount, PortMapping, SandboxConfig } from '../../runtime/container-runtime.js';
import { ANNOTATIONS } from '../runtime-pod.js';
import type { MountedVolume } from '../volumes/volume-manager.js';
import { expand, lookupIn } from './expansion.js';
import { podHostname, sandboxHostname, type DnsSettings } from './hosts-dns.js';

/** A container's role in its pod. */
export type ContainerKind = 'init' | 'sidecar' | 'app' | 'ephemeral';

/** A container spec cannot be turned into a runtime config (→ CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContainerConfigError';
  }
}

/** Sandbox annotation recording the pod's network mode (a change means a new sandbox). */
export const SANDBOX_HOST_NETWORK = 'io.lite.sandbox.hostNetwork';

export function podSpec(pod: KubeObject): JsonObject {
  return isJsonObject(pod.spec) ? pod.spec : {};
}

export function isHostNetwork(pod: KubeObject): boolean {
  return podSpec(pod).hostNetwork === true;
}

/** `name_namespace(uid)`, upstream's format.Pod, used in event and status messages. */
export function formatPod(pod: { metadata: { name?: string; namespace?: string; uid?: string } }): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/**
 * The container's spec hash. Upstream 1.32 (HashContainer) hashes only the fields that may change
 * on a running pod — name and image — so a kubelet upgrade does not restart containers.
 */
export function containerHash(container: JsonObject): string {
  return createHash('sha256')
    .update(JSON.stringify([strAt(container, 'name'), strAt(container, 'image')]))
    .digest('hex')
    .slice(0, 16);
}

export function isSidecar(container: JsonObject): boolean {
  return strAt(container, 'restartPolicy') === 'Always';
}

function portMappings(spec: JsonObject): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of [...objsAt(spec, 'initContainers'), ...objsAt(spec, 'containers')]) {
    for (const p of objsAt(c, 'ports')) {
      const containerPort = optNumAt(p, 'containerPort');
      if (containerPort === undefined) continue;
      const protocol = (strAt(p, 'protocol') || 'TCP') as PortMapping['protocol'];
      const hostPort = optNumAt(p, 'hostPort');
      const hostIP = strAt(p, 'hostIP');
      out.push({ containerPort, protocol, ...(hostPort ? { hostPort } : {}), ...(hostIP ? { hostIP } : {}) });
    }
  }
  return out;
}

export interface SandboxOptions {
  readonly attempt: number;
  readonly clusterDomain: string;
  /** undefined: the runtime's default (the node's resolv.conf). */
  readonly dns: DnsSettings | undefined;
  /** The runtime network for pods that are not hostNetwork (absent: the runtime's default). */
  readonly network?: string;
}

export function sandboxConfig(pod: KubeObject, opts: SandboxOptions): SandboxConfig {
  const spec = podSpec(pod);
  const sc = isJsonObject(spec.securityContext) ? spec.securityContext : {};
  const sysctls: Record<string, string> = {};
  for (const s of objsAt(sc, 'sysctls')) sysctls[strAt(s, 'name')] = strAt(s, 'value');
  const hostNetwork = spec.hostNetwork === true;
  return {
    name: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? '',
    uid: pod.metadata.uid ?? '',
    attempt: opts.attempt,
    hostname: sandboxHostname(pod, podHostname(pod, opts.clusterDomain)),
    labels: { ...(pod.metadata.labels ?? {}) },
    annotations: { ...(pod.metadata.annotations ?? {}), [ANNOTATIONS.sandboxAttempt]: String(opts.attempt), [SANDBOX_HOST_NETWORK]: String(hostNetwork) },
    hostNetwork,
    hostPid: spec.hostPID === true,
    hostIpc: spec.hostIPC === true,
    portMappings: portMappings(spec),
    ...(opts.network && !hostNetwork ? { network: opts.network } : {}),
    ...(opts.dns ? { dns: { servers: [...opts.dns.servers], searches: [...opts.dns.searches], options: [...opts.dns.options] } } : {}),
    ...(Object.keys(sysctls).length ? { sysctls } : {}),
  };
}

/** Resources as the runtime applies them (upstream: CPU request defaults to the limit). */
export function containerResources(container: JsonObject): ContainerResources {
  const res = isJsonObject(container.resources) ? container.resources : {};
  const limits = isJsonObject(res.limits) ? res.limits : {};
  const requests = isJsonObject(res.requests) ? res.requests : {};
  const cpuLimit = readQuantity(limits.cpu);
  const cpuRequest = readQuantity(requests.cpu) ?? cpuLimit;
  const memory = readQuantity(limits.memory);
  return {
    ...(cpuLimit ? { cpuLimitMillis: Number(quantityMilliValue(cpuLimit)) } : {}),
    ...(cpuRequest ? { cpuRequestMillis: Number(quantityMilliValue(cpuRequest)) } : {}),
    ...(memory ? { memoryLimitBytes: Number(quantityIntValue(memory)) } : {}),
  };
}

/** The effective security context: the container's fields over the pod's (upstream DetermineEffectiveSecurityContext). */
export function containerSecurity(pod: KubeObject, container: JsonObject): ContainerSecurity {
  const psc = isJsonObject(podSpec(pod).securityContext) ? (podSpec(pod).securityContext as JsonObject) : {};
  const csc = isJsonObject(container.securityContext) ? container.securityContext : {};
  const num = (k: string) => optNumAt(csc, k) ?? optNumAt(psc, k);
  const caps = isJsonObject(csc.capabilities) ? csc.capabilities : {};
  const runAsUser = num('runAsUser');
  const runAsGroup = num('runAsGroup');
  const groups = [...(Array.isArray(psc.supplementalGroups) ? psc.supplementalGroups : []), ...(typeof psc.fsGroup === 'number' ? [psc.fsGroup] : [])].filter((g): g is number => typeof g === 'number');
  const strList = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const add = strList(caps.add);
  const drop = strList(caps.drop);
  return {
    ...(csc.privileged === true ? { privileged: true } : {}),
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(groups.length ? { supplementalGroups: [...new Set(groups)] } : {}),
    ...(csc.readOnlyRootFilesystem === true ? { readOnlyRootFilesystem: true } : {}),
    ...(add.length ? { capabilitiesAdd: add } : {}),
    ...(drop.length ? { capabilitiesDrop: drop } : {}),
    ...(csc.allowPrivilegeEscalation === false ? { noNewPrivileges: true } : {}),
  };
}

/** upstream verifyRunAsNonRoot, for the cases decidable without the image's user. */
export function verifyRunAsNonRoot(pod: KubeObject, container: JsonObject, security: ContainerSecurity): void {
  const psc = isJsonObject(podSpec(pod).securityContext) ? (podSpec(pod).securityContext as JsonObject) : {};
  const csc = isJsonObject(container.securityContext) ? container.securityContext : {};
  const nonRoot = typeof csc.runAsNonRoot === 'boolean' ? csc.runAsNonRoot : psc.runAsNonRoot === true;
  if (!nonRoot) return;
  if (security.runAsUser === 0) {
    throw new ContainerConfigError(`container's runAsUser breaks non-root policy (pod: "${formatPod(pod)}", container: ${strAt(container, 'name')})`);
  }
}

/** Command and args with `$(VAR)` references expanded over the container's environment. */
export function expandCommandAndArgs(container: JsonObject, env: readonly KeyValue[]): { command?: string[]; args?: string[] } {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  const lookup = lookupIn(vars);
  const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => expand(String(x), lookup)) : undefined);
  const command = list(container.command);
  const args = list(container.args);
  return { ...(command?.length ? { command } : {}), ...(args?.length ? { args } : {}) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The host path of a volumeMount with a subPath: inside the volume (symlinks resolved, no escape,
 * as upstream's safe subpath), created as a directory when missing.
 */
async function subPathSource(volume: MountedVolume, subPath: string, mountName: string): Promise<string> {
  if (isAbsolute(subPath) || normalize(subPath).split(sep).includes('..')) {
    throw new ContainerConfigError(`invalid subpath ${JSON.stringify(subPath)} in volume mount ${JSON.stringify(mountName)}: must be a relative path without '..'`);
  }
  const root = await realpath(volume.hostPath);
  const wanted = join(root, subPath);
  if (!(await exists(wanted))) {
    if (volume.readOnly) throw new ContainerConfigError(`failed to prepare subPath for volumeMount ${JSON.stringify(mountName)}: ${wanted} does not exist`);
    await mkdir(wanted, { recursive: true, mode: 0o755 });
  }
  const resolved = await realpath(wanted);
  if (resolved !== root && !resolved.startsWith(root + sep)) {
    throw new ContainerConfigError(`subpath ${JSON.stringify(subPath)} of volume mount ${JSON.stringify(mountName)} resolves outside the volume`);
  }
  return resolved;
}

export interface MountsInput {
  readonly pod: KubeObject;
  readonly container: JsonObject;
  readonly volumes: ReadonlyMap<string, MountedVolume>;
  readonly env: readonly KeyValue[];
  /** The pod's managed hosts file (mounted at /etc/hosts unless the container mounts its own). */
  readonly hostsFile: string | undefined;
  /** `<pod dir>/containers/<name>`: where termination-log files are made. */
  readonly containerDir: string;
}

/** Mounts of a container, and the host file backing its terminationMessagePath (if any). */
export async function containerMounts(input: MountsInput): Promise<{ mounts: Mount[]; terminationLog: string | undefined }> {
  const { container } = input;
  const name = strAt(container, 'name');
  const lookup = lookupIn(new Map(input.env.map((e) => [e.name, e.value])));
  const mounts: Mount[] = [];
  for (const m of objsAt(container, 'volumeMounts')) {
    const volName = strAt(m, 'name');
    const vol = input.volumes.get(volName);
    if (!vol) throw new ContainerConfigError(`cannot find volume ${JSON.stringify(volName)} to mount into container ${JSON.stringify(name)}`);
    let subPath = strAt(m, 'subPath');
    const expr = strAt(m, 'subPathExpr');
    if (expr) subPath = expand(expr, lookup);
    const hostPath = subPath ? await subPathSource(vol, subPath, volName) : vol.hostPath;
    const propagation = strAt(m, 'mountPropagation');
    mounts.push({
      hostPath,
      containerPath: strAt(m, 'mountPath'),
      readOnly: m.readOnly === true || vol.readOnly,
      ...(propagation === 'HostToContainer' || propagation === 'Bidirectional' || propagation === 'None' ? { propagation } : {}),
    });
  }
  if (input.hostsFile && !mounts.some((m) => m.containerPath === '/etc/hosts')) {
    mounts.push({ hostPath: input.hostsFile, containerPath: '/etc/hosts', readOnly: false });
  }
  let terminationLog: string | undefined;
  const tmp = strAt(container, 'terminationMessagePath');
  if (tmp) {
    // A fresh file per container instance (upstream makeMounts), writable whatever the user.
    await mkdir(input.containerDir, { recursive: true, mode: 0o755 });
    terminationLog = join(input.containerDir, randomBytes(4).toString('hex'));
    await writeFile(terminationLog, '');
    await chmod(terminationLog, 0o666);
    mounts.push({ hostPath: terminationLog, containerPath: tmp, readOnly: false });
  }
  return { mounts, terminationLog };
}

export interface ContainerConfigInput {
  readonly pod: KubeObject;
  readonly container: JsonObject;
  readonly kind: ContainerKind;
  readonly restartCount: number;
  /** The image reference to run (with the default tag applied). */
  readonly image: string;
  readonly env: readonly KeyValue[];
  readonly mounts: readonly Mount[];
  readonly terminationLog: string | undefined;
  /** Runtime id of the container whose PID namespace an ephemeral container joins (targetContainerName). */
  readonly pidNamespaceTarget?: string;
}

/** The pod's grace period as upstream records it on containers (for kills after a restart). */
export function podGracePeriod(pod: KubeObject): number {
  return optNumAt(podSpec(pod), 'terminationGracePeriodSeconds') ?? 30;
}

export function containerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container } = input;
  const security = containerSecurity(pod, container);
  verifyRunAsNonRoot(pod, container, security);
  const lifecycle = isJsonObject(container.lifecycle) ? container.lifecycle : {};
  const annotations: Record<string, string> = {
    [ANNOTATIONS.containerHash]: containerHash(container),
    [ANNOTATIONS.restartCount]: String(input.restartCount),
    [ANNOTATIONS.terminationMessagePath]: strAt(container, 'terminationMessagePath'),
    [ANNOTATIONS.terminationMessagePolicy]: strAt(container, 'terminationMessagePolicy') || 'File',
    [ANNOTATIONS.podTerminationGracePeriod]: String(podGracePeriod(pod)),
    [ANNOTATIONS.containerKind]: input.kind,
  };
  if (isJsonObject(lifecycle.preStop)) annotations[ANNOTATIONS.preStopHandler] = JSON.stringify(lifecycle.preStop);
  if (input.terminationLog) annotations[ANNOTATIONS.terminationLog] = input.terminationLog;
  const workingDir = strAt(container, 'workingDir');
  return {
    name: strAt(container, 'name'),
    attempt: input.restartCount,
    image: input.image,
    ...expandCommandAndArgs(container, input.env),
    ...(workingDir ? { workingDir } : {}),
    env: input.env,
    mounts: input.mounts,
    labels: {},
    annotations,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    resources: containerResources(container),
    security,
    ...(input.pidNamespaceTarget ? { pidNamespaceTarget: input.pidNamespaceTarget } : {}),
  };
}

/** Writes a file only when its content differs (the managed /etc/hosts on every sync). */
export async function writeIfChanged(path: string, content: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) return;
  await writeFile(path, content, { mode: 0o644 });
}
