/**
 * The kubelet's runtime manager for one pod, as upstream's kubeGenericRuntimeManager.SyncPod,
 * KillPod and killContainer (pkg/kubelet/kuberuntime, 1.32), with the volume and DNS steps of
 * Kubelet.SyncPod in front:
 *
 *   1. compute the actions (pod-actions.ts);
 *   2. kill the pod (sandbox change or done) or the containers that must go, prune old init
 *      containers;
 *   3. set up volumes (FailedMount while they cannot be), create the sandbox if needed
 *      (FailedCreatePodSandBox), write the pod's /etc/hosts;
 *   4. start new ephemeral containers (kubectl debug; in the target's PID namespace when one is
 *      named), then init containers in order, then app containers, each through: crash-loop back-off
 *      (BackOff / CrashLoopBackOff), the image (Pulling, Pulled, ErrImagePull, ImagePullBackOff),
 *      the container config (CreateContainerConfigError), create (Created), start (Started) and
 *      the postStart hook (FailedPostStartHook, which kills the container again).
 *
 * Killing a container runs its preStop hook within the grace period (pod deletion grace, else the
 * pod's terminationGracePeriodSeconds, or a probe's own for liveness/startup kills), then stops it
 * with what is left, at least 2 s. A pod the API no longer knows is killed from what its
 * containers' annotations recorded.
 *
 * Every outcome a user should see is an event on the pod and, for containers that could not be
 * started, a waiting reason the status generator reports.
 */
import type { Logger } from 'pino';
import { formatGoDuration } from '../../api/go/go-time.js';
import { objsAt, optNumAt, strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { RuntimeError, RuntimeNotFoundError, type ContainerRuntime, type SandboxConfig } from '../../runtime/container-runtime.js';
import type { Clock } from '../../util/clock.js';
import type { EventType } from '../../events/event-recorder.js';
import { containerFieldPath } from '../container/field-path.js';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import {
  containerConfig,
  ContainerConfigError,
  containerHash,
  containerMounts,
  formatPod,
  isHostNetwork,
  isSidecar,
  podSpec,
  sandboxConfig,
  writeIfChanged,
  type ContainerKind,
} from '../container/container-config.js';
import { DownwardApiError, type Allocatable } from '../container/downward.js';
import { containerEnv, EnvError } from '../container/env.js';
import { hostNetworkHostsFile, managedHostsFile, podDns, podHostname, type DnsSettings } from '../container/hosts-dns.js';
import type { ImageManager } from '../images/image-manager.js';
import { ObjectNotFoundError, type ObjectCache } from '../object-cache.js';
import type { ProbeNetwork } from '../prober/probe-network.js';
import { ANNOTATIONS, latestContainer, type RuntimeContainer, type RuntimePod } from '../runtime-pod.js';
import type { SyncFailure } from '../status/container-statuses.js';
import { VolumeError, type MountedVolume, type VolumeManager } from '../volumes/volume-manager.js';
import type { Backoff } from './backoff.js';
import { runLifecycleHandler } from './lifecycle-handlers.js';
import { computePodActions, type KillReason, type ProbeLookup } from './pod-actions.js';

/** upstream minimumGracePeriodInSeconds: every container gets at least this long to stop. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

/** postStart handlers get this long (upstream has no bound; a hung hook must not hold a worker forever). */
const POST_START_TIMEOUT_MS = 10 * 60_000;

/** `fieldPath` points at the container an event is about (`spec.containers{web}`), as the kubelet's events do. */
export type PodEventSink = (pod: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string) => void;

export interface PodSyncerConfig {
  readonly runtime: ContainerRuntime;
  readonly images: ImageManager;
  readonly volumes: VolumeManager;
  readonly objects: ObjectCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly event: PodEventSink;
  readonly probes: ProbeLookup;
  readonly network: ProbeNetwork;
  readonly nodeIp: string;
  readonly clusterDns: readonly string[];
  readonly clusterDomain: string;
  /** The node's pod network (Docker network name and pod CIDR); absent: the runtime's default network. */
  readonly podNetwork?: { readonly name: string; readonly cidr: string };
  /** The node's resolv.conf (search domains for ClusterFirst pods). */
  readonly nodeResolv: DnsSettings | undefined;
  /** The node's /etc/hosts (for host-network pods). */
  readonly nodeHostsFile: string;
  readonly allocatable: () => Allocatable;
  /** Crash-loop back-off (10 s doubling to 5 min). */
  readonly crashBackoff: Backoff;
  /** The kubelet stopping: long waits (stops, hooks) are abandoned, the runtime finishes them alone. */
  readonly signal?: AbortSignal;
}

/** `p`, or a rejection once `signal` aborts (the operation itself goes on). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export interface SyncOutcome {
  /** Per container name: why it could not be started, or null when it was started (clears an old reason). */
  readonly failures: ReadonlyMap<string, SyncFailure | null>;
  /** When a back-off ends, to look again then. */
  readonly requeueAt: number | undefined;
  /** The pod could not be set up at all (volumes, sandbox): retry after the sync back-off. */
  readonly podError: string | undefined;
}

/** A minimal pod for events and kills of pods known only from runtime labels. */
export function podFromRuntime(rp: RuntimePod): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: rp.name, namespace: rp.namespace, uid: rp.uid }, spec: { containers: [] } };
}

function findSpec(pod: KubeObject, name: string): JsonObject | undefined {
  const spec = podSpec(pod);
  return [...objsAt(spec, 'containers'), ...objsAt(spec, 'initContainers'), ...objsAt(spec, 'ephemeralContainers')].find((c) => strAt(c, 'name') === name);
}

/** upstream setTerminationGracePeriod. */
function gracePeriodFor(pod: KubeObject | undefined, rc: RuntimeContainer, container: JsonObject | undefined, reason: KillReason): number {
  if (pod?.metadata.deletionGracePeriodSeconds !== undefined) return pod.metadata.deletionGracePeriodSeconds;
  const podGrace = pod ? optNumAt(podSpec(pod), 'terminationGracePeriodSeconds') : undefined;
  const recorded = Number.parseInt(rc.annotations[ANNOTATIONS.podTerminationGracePeriod] ?? '', 10);
  const base = podGrace ?? (Number.isFinite(recorded) ? recorded : MINIMUM_GRACE_PERIOD_SECONDS);
  const probe = container && reason === 'liveness' ? container.livenessProbe : container && reason === 'startup' ? container.startupProbe : undefined;
  if (isJsonObject(probe) && typeof probe.terminationGracePeriodSeconds === 'number') return probe.terminationGracePeriodSeconds;
  return base;
}

export class PodSyncer {
  readonly #c: PodSyncerConfig;
  readonly #log: Logger;

  constructor(config: PodSyncerConfig) {
    this.#c = config;
    this.#log = config.logger;
  }

  podDir(uid: string): string {
    return this.#c.volumes.podDir(uid);
  }

  /** The sandbox config of a pod (deterministic: also used to address an existing sandbox). */
  sandboxConfig(pod: KubeObject, attempt: number): { config: SandboxConfig; missingClusterDns: boolean } {
    const d = podDns(pod, { clusterDns: this.#c.clusterDns, clusterDomain: this.#c.clusterDomain, node: this.#c.nodeResolv });
    return { config: sandboxConfig(pod, { attempt, clusterDomain: this.#c.clusterDomain, dns: d.dns, ...(this.#c.podNetwork ? { network: this.#c.podNetwork.name } : {}) }), missingClusterDns: d.missingClusterDns };
  }

  async syncPod(pod: KubeObject, rp: RuntimePod, signal?: AbortSignal): Promise<SyncOutcome> {
    const spec = podSpec(pod);
    const failures = new Map<string, SyncFailure | null>();
    let requeueAt: number | undefined;
    const later = (at: number | undefined) => {
      if (at !== undefined && (requeueAt === undefined || at < requeueAt)) requeueAt = at;
    };
    const actions = computePodActions(spec, rp, this.#c.probes, this.#c.podNetwork?.cidr);
    this.#log.debug({ pod: formatPod(pod), actions: { ...actions, containersToKill: [...actions.containersToKill.keys()] } }, 'pod actions');

    if (actions.createSandbox && actions.sandboxId) this.#c.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    if (actions.killPod) {
      await this.killPod(pod, rp);
      if (actions.createSandbox) await this.#purgeInitContainers(spec, rp);
    } else {
      await Promise.all([...actions.containersToKill.entries()].map(([id, k]) => this.killContainer(pod, rp.containers.find((c) => c.id === id), k.message, k.reason)));
      await this.#pruneInitContainers(spec, rp);
    }
    if (actions.killPod && !actions.createSandbox) return { failures, requeueAt, podError: undefined };

    const uid = pod.metadata.uid ?? '';
    const hostNetwork = isHostNetwork(pod);
    const current = rp.sandboxes[0];
    let podIPs = hostNetwork ? [this.#c.nodeIp] : !actions.createSandbox && current?.ip ? [current.ip] : [];

    // Volumes first (upstream WaitForAttachAndMount): no sandbox for a pod that cannot mount.
    let volumes: Map<string, MountedVolume>;
    try {
      volumes = await this.#c.volumes.setUp(pod, { podIPs, hostIPs: [this.#c.nodeIp] });
    } catch (e) {
      const message = e instanceof VolumeError ? `MountVolume.SetUp failed for volume ${JSON.stringify(e.volume)} : ${e.message}` : `Unable to attach or mount volumes: ${(e as Error).message}`;
      this.#c.event(pod, 'Warning', 'FailedMount', message);
      return { failures, requeueAt, podError: message };
    }

    let sandboxId = actions.sandboxId;
    const { config: sbConfig, missingClusterDns } = this.sandboxConfig(pod, actions.attempt);
    if (actions.createSandbox) {
      if (missingClusterDns) {
        this.#c.event(pod, 'Warning', 'MissingClusterDNS', `pod: ${JSON.stringify(formatPod(pod))}. kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`);
      }
      try {
        sandboxId = await this.#c.runtime.runPodSandbox(sbConfig);
        const status = await this.#c.runtime.podSandboxStatus(sandboxId);
        if (!hostNetwork) podIPs = status.ip ? [status.ip] : [];
      } catch (e) {
        const message = `Failed to create pod sandbox: ${(e as Error).message}`;
        this.#c.event(pod, 'Warning', 'FailedCreatePodSandBox', message);
        return { failures, requeueAt, podError: message };
      }
      // Downward API files may show the pod IP, known only now.
      if (objsAt(spec, 'volumes').some((v) => isJsonObject(v.downwardAPI) || isJsonObject(v.projected))) {
        try {
          volumes = await this.#c.volumes.setUp(pod, { podIPs, hostIPs: [this.#c.nodeIp] });
        } catch (e) {
          this.#log.debug({ pod: formatPod(pod), err: (e as Error).message }, 'refreshing volumes after sandbox creation failed');
        }
      }
    }
    if (!sandboxId) return { failures, requeueAt, podError: 'no sandbox' };

    const podDir = this.podDir(uid);
    await mkdir(podDir, { recursive: true, mode: 0o750 });
    const hostsFile = join(podDir, 'etc-hosts');
    const h = podHostname(pod, this.#c.clusterDomain);
    await writeIfChanged(hostsFile, hostNetwork ? hostNetworkHostsFile(pod, this.#c.nodeHostsFile) : managedHostsFile(pod, podIPs, h));

    const ctx: StartContext = { pod, rp, sandboxId, sbConfig, podIPs, volumes, hostsFile, podDir, failures, later, signal };
    const ephemeral = objsAt(spec, 'ephemeralContainers');
    for (const idx of actions.ephemeralContainersToStart) {
      const container = ephemeral[idx];
      if (container) await this.#start('ephemeral', container, ctx);
    }
    const inits = objsAt(spec, 'initContainers');
    for (const idx of actions.initContainersToStart) {
      const container = inits[idx];
      if (!container) continue;
      const ok = await this.#start(isSidecar(container) ? 'sidecar' : 'init', container, ctx);
      // A sidecar that failed to start does not hold up the ones after it; an init container does.
      if (!ok && !isSidecar(container)) return { failures, requeueAt, podError: undefined };
    }
    const apps = objsAt(spec, 'containers');
    for (const idx of actions.containersToStart) {
      const container = apps[idx];
      if (container) await this.#start('app', container, ctx);
    }
    return { failures, requeueAt, podError: undefined };
  }

  /** upstream doBackOff: [in back-off, its message, when it ends]. */
  #backOff(pod: KubeObject, container: JsonObject, rp: RuntimePod): { message: string; endsAt: number } | undefined {
    const name = strAt(container, 'name');
    const exited = rp.containers.find((c) => c.name === name && c.state === 'exited');
    if (!exited) return undefined;
    const ts = exited.finishedAt ?? exited.createdAt;
    const key = `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}_${pod.metadata.uid ?? ''}_${name}_${containerHash(container)}`;
    const b = this.#c.crashBackoff;
    if (b.isInBackOffSince(key, ts)) {
      this.#c.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${formatPod(pod)}`, containerFieldPath(pod, name));
      const delay = b.get(key);
      return { message: `back-off ${formatGoDuration(BigInt(delay) * 1_000_000n)} restarting failed container=${name} pod=${formatPod(pod)}`, endsAt: ts + delay };
    }
    b.next(key, ts);
    return undefined;
  }

  /** upstream startContainer; true when the container was started. */
  async #start(kind: ContainerKind, container: JsonObject, ctx: StartContext): Promise<boolean> {
    const { pod, rp } = ctx;
    const name = strAt(container, 'name');
    const fail = (reason: string, message: string) => {
      ctx.failures.set(name, { reason, message });
      return false;
    };
    // Ephemeral containers run once: no crash-loop back-off.
    const backOff = kind === 'ephemeral' ? undefined : this.#backOff(pod, container, rp);
    if (backOff) {
      ctx.later(backOff.endsAt);
      return fail('CrashLoopBackOff', backOff.message);
    }

    const uid = pod.metadata.uid ?? '';
    const image = await this.#c.images.ensureImage(uid, strAt(container, 'image'), strAt(container, 'imagePullPolicy'), (type, reason, message) => this.#c.event(pod, type, reason, message, containerFieldPath(pod, name)), ctx.signal);
    if (!image.ok) {
      this.#c.event(pod, 'Warning', 'Failed', `Error: ${image.reason}`, containerFieldPath(pod, name));
      if (image.reason === 'ErrImagePull' || image.reason === 'ImagePullBackOff') ctx.later(this.#c.images.backoffEndsAt(uid, strAt(container, 'image')));
      return fail(image.reason, image.message);
    }

    const previous = latestContainer(rp, name);
    const restartCount = previous ? previous.restartCount + 1 : 0;
    let config;
    try {
      const env = await containerEnv(pod, container, {
        objects: this.#c.objects,
        runtimeFields: { podIPs: ctx.podIPs, hostIPs: [this.#c.nodeIp] },
        allocatable: this.#c.allocatable(),
        warn: (reason, message) => this.#c.event(pod, 'Warning', reason, message, containerFieldPath(pod, name)),
      });
      const { mounts, terminationLog } = await containerMounts({ pod, container, volumes: ctx.volumes, env, hostsFile: ctx.hostsFile, containerDir: join(ctx.podDir, 'containers', name) });
      config = containerConfig({ pod, container, kind, restartCount, image: image.image, env, mounts, terminationLog, pidNamespaceTarget: this.#pidTarget(kind, container, rp) });
    } catch (e) {
      if (e instanceof EnvError || e instanceof ContainerConfigError || e instanceof DownwardApiError || e instanceof ObjectNotFoundError) {
        this.#c.event(pod, 'Warning', 'Failed', `Error: ${e.message}`, containerFieldPath(pod, name));
        return fail('CreateContainerConfigError', e.message);
      }
      throw e;
    }

    let id: string;
    try {
      id = await this.#c.runtime.createContainer(ctx.sandboxId, config, ctx.sbConfig);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      this.#c.event(pod, 'Warning', 'Failed', `Error: ${e.message}`, containerFieldPath(pod, name));
      return fail('CreateContainerError', e.message);
    }
    this.#c.event(pod, 'Normal', 'Created', `Created container ${name}`, containerFieldPath(pod, name));
    try {
      await this.#c.runtime.startContainer(id);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      this.#c.event(pod, 'Warning', 'Failed', `Error: ${e.message}`, containerFieldPath(pod, name));
      return fail('RunContainerError', e.message);
    }
    this.#c.event(pod, 'Normal', 'Started', `Started container ${name}`, containerFieldPath(pod, name));

    const lifecycle = isJsonObject(container.lifecycle) ? container.lifecycle : {};
    if (isJsonObject(lifecycle.postStart)) {
      const outcome = await untilAborted(runLifecycleHandler(lifecycle.postStart, pod, this.#target(container, id, ctx.podIPs), POST_START_TIMEOUT_MS, this.#c.clock, ctx.signal), this.#c.signal);
      if (!outcome.ok) {
        this.#log.info({ pod: formatPod(pod), container: name, err: outcome.message }, 'postStart hook failed');
        // The message may hold secrets from the container's output: not in the event (upstream).
        this.#c.event(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed', containerFieldPath(pod, name));
        const rc = { ...placeholder(id, name, config.annotations ?? {}) };
        await this.killContainer(pod, rc, 'FailedPostStartHook', 'postStartHook');
        return fail('PostStartHookError', outcome.message);
      }
    }
    ctx.failures.set(name, null);
    return true;
  }

  /**
   * An ephemeral container's targetContainerName → the runtime id of that container's running
   * instance, whose PID namespace it joins (upstream getTargetID and the runtime's NamespaceMode
   * TARGET). A target that is not running is a CreateContainerConfigError, retried next sync.
   */
  #pidTarget(kind: ContainerKind, container: JsonObject, rp: RuntimePod): string | undefined {
    const target = kind === 'ephemeral' ? strAt(container, 'targetContainerName') : '';
    if (!target) return undefined;
    const rc = latestContainer(rp, target);
    if (rc?.state !== 'running') throw new ContainerConfigError(`unable to find target container ${target}`);
    return rc.id;
  }

  #target(container: JsonObject, id: string, podIPs: readonly string[]) {
    return { containerId: id, container, podIP: podIPs[0] ?? this.#c.nodeIp, runtime: this.#c.runtime, network: this.#c.network };
  }

  /**
   * upstream killContainer: Killing event, preStop within the grace period, then stop with what
   * is left (at least 2 s). `pod` absent: a pod the API no longer has (restored from annotations).
   */
  async killContainer(pod: KubeObject | undefined, rc: RuntimeContainer | undefined, message: string | undefined, reason: KillReason, graceOverride?: number, podRef?: KubeObject): Promise<void> {
    if (!rc) return;
    const ref = pod ?? podRef ?? { apiVersion: 'v1', kind: 'Pod', metadata: {} };
    let container = pod ? findSpec(pod, rc.name) : undefined;
    if (!container) {
      const preStop = rc.annotations[ANNOTATIONS.preStopHandler];
      let parsed: JsonObject | undefined;
      try {
        const v: unknown = preStop ? JSON.parse(preStop) : undefined;
        parsed = isJsonObject(v) ? v : undefined;
      } catch {
        parsed = undefined;
      }
      container = { name: rc.name, ...(parsed ? { lifecycle: { preStop: parsed } } : {}) };
    }
    let grace = gracePeriodFor(pod, rc, container, reason);
    this.#c.event(ref, 'Normal', 'Killing', message || `Stopping container ${rc.name}`, containerFieldPath(ref, rc.name));
    if (graceOverride !== undefined) grace = graceOverride;
    const lifecycle = isJsonObject(container.lifecycle) ? container.lifecycle : {};
    if (isJsonObject(lifecycle.preStop) && grace > 0 && rc.state === 'running') {
      const started = this.#c.clock.now();
      const outcome = await untilAborted(runLifecycleHandler(lifecycle.preStop, ref, this.#target(container, rc.id, []), grace * 1000, this.#c.clock, this.#c.signal), this.#c.signal);
      if (!outcome.ok) {
        this.#log.info({ pod: formatPod(ref), container: rc.name, err: outcome.message }, 'preStop hook failed');
        this.#c.event(ref, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', containerFieldPath(ref, rc.name));
      }
      grace -= Math.floor((this.#c.clock.now() - started) / 1000);
    }
    grace = Math.max(grace, MINIMUM_GRACE_PERIOD_SECONDS);
    try {
      await untilAborted(this.#c.runtime.stopContainer(rc.id, grace), this.#c.signal);
    } catch (e) {
      if (!(e instanceof RuntimeNotFoundError)) throw e;
    }
  }

  /**
   * upstream KillPod: every running container (app containers and init containers first, sidecars
   * after them in reverse order, as upstream's termination ordering), then the sandboxes.
   */
  async killPod(pod: KubeObject | undefined, rp: RuntimePod, graceOverride?: number): Promise<void> {
    const running = rp.containers.filter((c) => c.state === 'running');
    const ref = pod ?? podFromRuntime(rp);
    const sidecarNames = new Set(pod ? objsAt(podSpec(pod), 'initContainers').filter(isSidecar).map((c) => strAt(c, 'name')) : running.filter((c) => c.annotations[ANNOTATIONS.containerKind] === 'sidecar').map((c) => c.name));
    const main = running.filter((c) => !sidecarNames.has(c.name));
    const sidecars = running.filter((c) => sidecarNames.has(c.name));
    const started = this.#c.clock.now();
    await Promise.all(main.map((c) => this.killContainer(pod, c, undefined, 'unknown', graceOverride, ref)));
    if (sidecars.length) {
      const order = pod ? objsAt(podSpec(pod), 'initContainers').map((c) => strAt(c, 'name')) : [];
      sidecars.sort((a, b) => order.indexOf(b.name) - order.indexOf(a.name));
      for (const c of sidecars) {
        const spent = Math.floor((this.#c.clock.now() - started) / 1000);
        const base = graceOverride ?? gracePeriodFor(pod, c, pod ? findSpec(pod, c.name) : undefined, 'unknown');
        await this.killContainer(pod, c, undefined, 'unknown', Math.max(0, base - spent), ref);
      }
    }
    for (const s of rp.sandboxes) {
      if (!s.ready) continue;
      try {
        await this.#c.runtime.stopPodSandbox(s.id);
      } catch (e) {
        if (!(e instanceof RuntimeNotFoundError)) throw e;
      }
    }
  }

  /** upstream pruneInitContainersBeforeStart: keep only the newest exited instance of each init container. */
  async #pruneInitContainers(spec: JsonObject, rp: RuntimePod): Promise<void> {
    for (const init of objsAt(spec, 'initContainers')) {
      const name = strAt(init, 'name');
      const dead = rp.containers.filter((c) => c.name === name && (c.state === 'exited' || c.state === 'unknown'));
      for (const c of dead.slice(1)) await this.removeContainer(c.id);
    }
  }

  /** upstream purgeInitContainers: a new sandbox runs init containers from scratch. */
  async #purgeInitContainers(spec: JsonObject, rp: RuntimePod): Promise<void> {
    const names = new Set(objsAt(spec, 'initContainers').map((c) => strAt(c, 'name')));
    for (const c of rp.containers) if (names.has(c.name) && c.state !== 'running') await this.removeContainer(c.id);
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.#c.runtime.removeContainer(id);
    } catch (e) {
      if (!(e instanceof RuntimeNotFoundError)) throw e;
    }
  }

  async removeSandbox(id: string): Promise<void> {
    try {
      await this.#c.runtime.removePodSandbox(id);
    } catch (e) {
      if (!(e instanceof RuntimeNotFoundError)) throw e;
    }
  }
}

interface StartContext {
  readonly pod: KubeObject;
  readonly rp: RuntimePod;
  readonly sandboxId: string;
  readonly sbConfig: SandboxConfig;
  readonly podIPs: readonly string[];
  readonly volumes: ReadonlyMap<string, MountedVolume>;
  readonly hostsFile: string;
  readonly podDir: string;
  readonly failures: Map<string, SyncFailure | null>;
  readonly later: (at: number | undefined) => void;
  readonly signal: AbortSignal | undefined;
}

/** A just-started container as killContainer needs it. */
function placeholder(id: string, name: string, annotations: Readonly<Record<string, string>>): RuntimeContainer {
  return {
    id,
    name,
    state: 'running',
    createdAt: 0,
    startedAt: undefined,
    finishedAt: undefined,
    exitCode: undefined,
    reason: undefined,
    message: undefined,
    image: '',
    imageRef: '',
    sandboxId: '',
    hash: annotations[ANNOTATIONS.containerHash] ?? '',
    restartCount: Number.parseInt(annotations[ANNOTATIONS.restartCount] ?? '0', 10) || 0,
    annotations,
  };
}

