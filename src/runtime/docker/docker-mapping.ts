/**
 * Pure translations between lite's CRI-shaped types and the Docker Engine API, following what
 * upstream's dockershim / cri-dockerd did (pkg/kubelet/dockershim, Mirantis/cri-dockerd) so pods
 * behave as they did on Docker-based clusters.
 */
import type { ContainerConfig, ContainerState, ContainerStatus, ImageInfo, Mount, SandboxConfig } from '../container-runtime.js';
import type { DockerContainerInspect, DockerImageInspect, DockerImageSummary } from './docker-api.js';

/** Labels the runtime keeps for itself; never returned to callers. */
export const INTERNAL_LABEL_PREFIX = 'io.lite.internal.';
export const INTERNAL = {
  annotations: `${INTERNAL_LABEL_PREFIX}annotations`,
  attempt: `${INTERNAL_LABEL_PREFIX}attempt`,
  sandboxId: `${INTERNAL_LABEL_PREFIX}sandbox-id`,
  terminationMessagePath: `${INTERNAL_LABEL_PREFIX}termination-message-path`,
  /** JSON of the labels the runtime set (Docker merges the image's labels into a container's). */
  labels: `${INTERNAL_LABEL_PREFIX}labels`,
} as const;

/** Container names as dockershim made them: `k8s_<container|POD>_<pod>_<namespace>_<uid>_<attempt>`. */
export function dockerContainerName(sandbox: SandboxConfig, container?: ContainerConfig): string {
  const who = container ? container.name : 'POD';
  const attempt = container ? container.attempt : sandbox.attempt;
  return `k8s_${who}_${sandbox.name}_${sandbox.namespace}_${sandbox.uid}_${attempt}`;
}

/** Adds the bookkeeping label recording which labels are the caller's (see publicLabels). */
export function withLabelRecord(labels: Record<string, string>): Record<string, string> {
  const own = publicLabels(labels);
  return { ...labels, [INTERNAL.labels]: JSON.stringify(own) };
}

/**
 * Docker labels → the labels callers gave (plus the runtime's LABELS): those recorded at creation,
 * so labels inherited from the image are not reported; internal ones never are.
 */
export function publicLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  const recorded = labels?.[INTERNAL.labels];
  if (recorded) {
    try {
      return JSON.parse(recorded) as Record<string, string>;
    } catch {
      // fall through: everything but internal labels
    }
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (!k.startsWith(INTERNAL_LABEL_PREFIX)) out[k] = v;
  return out;
}

export function annotationsFromLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  const raw = labels?.[INTERNAL.annotations];
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Docker's zero time (`0001-01-01T00:00:00Z`) and unparsable values → undefined; else ms since epoch. */
export function dockerTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Kubernetes `command`/`args` on Docker: `command` replaces ENTRYPOINT (and Docker then ignores the
 * image's CMD), `args` replaces CMD; neither given → the image's. Empty lists mean "not given", as
 * in the kubelet.
 */
export function entrypointAndCmd(config: Pick<ContainerConfig, 'command' | 'args'>): { Entrypoint?: string[]; Cmd?: string[] } {
  const out: { Entrypoint?: string[]; Cmd?: string[] } = {};
  if (config.command && config.command.length > 0) out.Entrypoint = [...config.command];
  if (config.args && config.args.length > 0) out.Cmd = [...config.args];
  return out;
}

// pkg/kubelet/cm/helpers_linux.go
const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD = 100000;
const MIN_QUOTA_PERIOD = 1000;

/** MilliCPUToShares: request (0 or unset → 2, the kernel's minimum, as the kubelet does). */
export function cpuShares(requestMillis: number | undefined): number {
  const millis = requestMillis ?? 0;
  if (millis <= 0) return MIN_SHARES;
  const shares = Math.floor((millis * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** MilliCPUToQuota: limit → CFS quota over a 100 ms period (undefined when no limit). */
export function cpuQuota(limitMillis: number | undefined): { CpuQuota: number; CpuPeriod: number } | undefined {
  if (!limitMillis || limitMillis <= 0) return undefined;
  const quota = Math.floor((limitMillis * QUOTA_PERIOD) / 1000);
  return { CpuQuota: Math.max(MIN_QUOTA_PERIOD, quota), CpuPeriod: QUOTA_PERIOD };
}

/** A bind as dockershim wrote it: `host:container[:ro][,rslave|,rshared]`. */
export function dockerBind(m: Mount): string {
  const opts: string[] = [];
  if (m.readOnly) opts.push('ro');
  if (m.propagation === 'HostToContainer') opts.push('rslave');
  else if (m.propagation === 'Bidirectional') opts.push('rshared');
  return opts.length ? `${m.hostPath}:${m.containerPath}:${opts.join(',')}` : `${m.hostPath}:${m.containerPath}`;
}

/** Docker's `User`: `uid[:gid]`; a group alone keeps the image's user (as containerd does). */
export function dockerUser(runAsUser: number | undefined, runAsGroup: number | undefined, imageUser: string | undefined): string | undefined {
  if (runAsUser !== undefined) return runAsGroup !== undefined ? `${runAsUser}:${runAsGroup}` : `${runAsUser}`;
  if (runAsGroup !== undefined) return `${(imageUser ?? '').split(':')[0] || '0'}:${runAsGroup}`;
  return undefined;
}

/** cri-dockerd's toPullableImageID: `docker-pullable://<repo>@sha256:…` when the image has a digest, else `docker://sha256:…`. */
export function imageRef(imageId: string, repoDigests: readonly string[] | null | undefined): string {
  return repoDigests && repoDigests.length > 0 ? `docker-pullable://${repoDigests[0]}` : `docker://${imageId}`;
}

/** Accepts what the kubelet may hand back (imageRef forms) and yields a reference Docker resolves. */
export function normalizeImageName(image: string): string {
  if (image.startsWith('docker-pullable://')) return image.slice('docker-pullable://'.length);
  if (image.startsWith('docker://')) return image.slice('docker://'.length);
  return image;
}

/** Splits a reference for POST /images/create: repository, and tag or digest (default `latest`). */
export function splitImageReference(image: string): { fromImage: string; tag: string } {
  const at = image.indexOf('@');
  if (at !== -1) return { fromImage: image.slice(0, at), tag: image.slice(at + 1) };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon > slash) return { fromImage: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { fromImage: image, tag: 'latest' };
}

/** True for an image id or a prefix of one (`sha256:…` or bare hex). */
export function looksLikeImageId(image: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(image);
}

export function toImageInfo(image: DockerImageInspect | DockerImageSummary): ImageInfo {
  return {
    id: image.Id,
    repoTags: (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    repoDigests: (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
    sizeBytes: image.Size,
  };
}

/**
 * Container state as cri-dockerd's ContainerStatus computes it:
 *  - running (also paused/restarting) → running;
 *  - finished (FinishedAt set) → exited, reason OOMKilled | Completed (exit 0) | Error;
 *  - never ran but exit code set (start failed) → exited, ContainerCannotRun, times = createdAt;
 *  - otherwise created. The engine's State.Error is the message.
 */
export function toContainerStatus(
  inspect: DockerContainerInspect,
  opts: { imageRef: string; terminationMessage?: string },
): ContainerStatus {
  const labels = inspect.Config.Labels ?? {};
  const s = inspect.State;
  const createdAt = dockerTime(inspect.Created) ?? 0;
  let startedAt = dockerTime(s.StartedAt);
  let finishedAt = dockerTime(s.FinishedAt);
  let state: ContainerState;
  let reason: string | undefined;
  let exitCode: number | undefined;
  let message: string | undefined;
  if (s.Running || s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting') {
    state = 'running';
    finishedAt = undefined;
  } else if (finishedAt !== undefined) {
    state = 'exited';
    exitCode = s.ExitCode;
    reason = s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error';
  } else if (s.ExitCode !== 0) {
    state = 'exited';
    exitCode = s.ExitCode;
    reason = 'ContainerCannotRun';
    startedAt = createdAt;
    finishedAt = createdAt;
  } else if (s.Status === 'created') {
    state = 'created';
  } else {
    state = 'unknown';
  }
  if (state !== 'running') message = opts.terminationMessage || s.Error || undefined;
  return {
    id: inspect.Id,
    name: labels['io.kubernetes.container.name'] ?? inspect.Name.replace(/^\//, ''),
    state,
    createdAt,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
    image: inspect.Config.Image,
    imageRef: opts.imageRef,
    labels: publicLabels(labels),
    annotations: annotationsFromLabels(labels),
    sandboxId: labels[INTERNAL.sandboxId] ?? '',
  };
}

/**
 * Docker's log timestamp (RFC3339 with a fixed 9-digit fraction) → Go's RFC3339Nano as the kubelet
 * prints it (trailing zeros of the fraction dropped).
 */
export function kubeletTimestamp(dockerTimestamp: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(dockerTimestamp);
  if (!m) return dockerTimestamp;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${frac ? `.${frac}` : ''}${m[3]}`;
}

/** ms since epoch → RFC3339Nano (UTC). */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2025-01-01T00:00:00.123Z
  const nanos = (Math.floor(ms) % 1000) * 1_000_000 + extraNanos;
  const frac = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

/** ms since epoch → Docker's `since` parameter (seconds with a nanosecond fraction). */
export function dockerSince(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const nanos = Math.round((ms - secs * 1000) * 1_000_000);
  return `${secs}.${String(nanos).padStart(9, '0')}`;
}
