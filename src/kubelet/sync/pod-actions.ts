/**
 * What a sync has to do to bring a pod's containers to its spec, as upstream's computePodActions
 * and computeInitContainerActions (pkg/kubelet/kuberuntime, 1.32, SidecarContainers on). Pure:
 * the pod, the runtime's view of it and the probe results in, the actions out.
 *
 *  - A sandbox is (re)created when there is none, the newest is not ready, several are ready, the
 *    network mode changed, or it lost its IP; then every container is killed and the pod starts
 *    over (init containers first). A restartPolicy Never pod whose sandbox died after its containers
 *    ran is not restarted.
 *  - Init containers run one at a time in order; sidecars (restartPolicy Always) start in their
 *    turn, count as initialised once started (startup probe), and are kept running (restarted on
 *    exit, on liveness/startup failure, on a spec change).
 *  - After initialisation, app containers that should run and do not are started; running ones are
 *    killed (and restarted if the policy allows) on a spec change or a liveness/startup failure.
 *  - Ephemeral containers (kubectl debug) are started once each, as soon as the sandbox exists
 *    (initialisation need not be complete), and never restarted: one is started only while the
 *    runtime has no container of its name. They keep no pod alive.
 *  - Nothing to keep and nothing to start → the pod is done: kill it (stops the sandbox).
 */
import { parseCidr, parseIpv4 } from '../../util/ipv4.js';
import { objsAt, strAt, type JsonObject } from '../../api/json-access.js';
import { containerHash, isSidecar, SANDBOX_HOST_NETWORK } from '../container/container-config.js';
import type { ProbeKind } from '../status/generate-pod-status.js';
import { shouldContainerBeRestarted } from '../status/container-statuses.js';
import { latestContainer, type RuntimeContainer, type RuntimePod } from '../runtime-pod.js';

/** Why a running container is killed (upstream containerKillReason): picks the grace period. */
export type KillReason = 'unknown' | 'liveness' | 'startup' | 'postStartHook';

export interface ContainerToKill {
  readonly name: string;
  readonly container: JsonObject;
  readonly message: string;
  readonly reason: KillReason;
}

export interface PodActions {
  /** Stop every container and the sandbox(es). */
  readonly killPod: boolean;
  readonly createSandbox: boolean;
  /** The current sandbox (absent when a new one is needed for lack of any). */
  readonly sandboxId: string | undefined;
  /** Attempt of the sandbox to create (or of the current one). */
  readonly attempt: number;
  /** Indexes into spec.initContainers, in spec order. */
  readonly initContainersToStart: readonly number[];
  /** Indexes into spec.containers. */
  readonly containersToStart: readonly number[];
  /** Indexes into spec.ephemeralContainers. */
  readonly ephemeralContainersToStart: readonly number[];
  /** By runtime container id. */
  readonly containersToKill: ReadonlyMap<string, ContainerToKill>;
}

export interface ProbeLookup {
  result(containerId: string, kind: ProbeKind): 'success' | 'failure' | undefined;
}

function restartOnFailure(spec: JsonObject): boolean {
  return (strAt(spec, 'restartPolicy') || 'Always') !== 'Never';
}

/** upstream runtimeutil.PodSandboxChanged: [changed, attempt, sandbox id]. */
export function podSandboxChanged(spec: JsonObject, pod: RuntimePod, podCidr?: string): [boolean, number, string | undefined] {
  if (pod.sandboxes.length === 0) return [true, 0, undefined];
  const newest = pod.sandboxes[0];
  const ready = pod.sandboxes.filter((s) => s.ready).length;
  if (ready > 1 || !newest.ready) return [true, newest.attempt + 1, newest.id];
  const hostNetwork = spec.hostNetwork === true;
  const recorded = newest.annotations[SANDBOX_HOST_NETWORK];
  if (recorded !== undefined && recorded !== String(hostNetwork)) return [true, newest.attempt + 1, undefined];
  if (!hostNetwork && !newest.ip) return [true, newest.attempt + 1, newest.id];
  // A sandbox from before the pod network (Docker's default bridge) or of another pod CIDR.
  if (!hostNetwork && podCidr !== undefined && !inCidr(newest.ip ?? '', podCidr)) return [true, newest.attempt + 1, newest.id];
  return [false, newest.attempt, newest.id];
}

function containerSucceeded(name: string, pod: RuntimePod): boolean {
  const c = latestContainer(pod, name);
  return c !== undefined && c.state === 'exited' && c.exitCode === 0;
}

function isInitContainerFailed(c: RuntimeContainer): boolean {
  if (c.state === 'exited' && c.exitCode !== 0) return true;
  return c.state === 'unknown';
}

/** upstream findNextInitContainerToRun's `done` (used when deciding whether a sandbox is needed). */
function initDone(spec: JsonObject, pod: RuntimePod): boolean {
  const inits = objsAt(spec, 'initContainers');
  if (inits.length === 0) return true;
  for (const c of objsAt(spec, 'containers')) if (latestContainer(pod, strAt(c, 'name'))?.state === 'running') return true;
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = latestContainer(pod, strAt(inits[i], 'name'));
    if (s && isInitContainerFailed(s)) return false;
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = latestContainer(pod, strAt(inits[i], 'name'));
    if (!s) continue;
    if (s.state === 'running') return false;
    if (s.state === 'exited') return i === inits.length - 1;
  }
  return false;
}

interface MutableActions {
  killPod: boolean;
  createSandbox: boolean;
  sandboxId: string | undefined;
  attempt: number;
  initContainersToStart: number[];
  containersToStart: number[];
  ephemeralContainersToStart: number[];
  containersToKill: Map<string, ContainerToKill>;
}

/** upstream computeInitContainerActions; returns whether the pod has been initialised. */
function initContainerActions(spec: JsonObject, pod: RuntimePod, probes: ProbeLookup, changes: MutableActions): boolean {
  const inits = objsAt(spec, 'initContainers');
  if (inits.length === 0) return true;
  let podHasInitialized = false;
  for (const c of objsAt(spec, 'containers')) {
    const s = latestContainer(pod, strAt(c, 'name'));
    // An exited app container may be from a sandbox before a node reboot: it proves nothing.
    if (s && (s.state === 'created' || s.state === 'running')) {
      podHasInitialized = true;
      break;
    }
  }
  let previouslyInitialized = podHasInitialized;
  const restart = restartOnFailure(spec);
  const toStart: number[] = [];
  const kill = (s: RuntimeContainer, container: JsonObject, message: string, reason: KillReason) => changes.containersToKill.set(s.id, { name: s.name, container, message, reason });

  for (let i = inits.length - 1; i >= 0; i--) {
    const container = inits[i];
    const name = strAt(container, 'name');
    const sidecar = isSidecar(container);
    const s = latestContainer(pod, name);
    if (!s) {
      if (previouslyInitialized && sidecar) toStart.push(i);
      continue;
    }
    if (previouslyInitialized && !sidecar) continue;
    switch (s.state) {
      case 'created':
        // Created but never started: the runtime failed to start it; start it again.
        toStart.push(i);
        break;
      case 'running': {
        if (!sidecar) break;
        if (container.startupProbe) {
          const startup = probes.result(s.id, 'startup');
          if (startup === undefined) break;
          if (startup !== 'success') {
            kill(s, container, `Init container ${name} failed startup probe`, 'startup');
            toStart.push(i);
            break;
          }
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) toStart.push(i + 1);
        if (s.hash !== containerHash(container)) {
          kill(s, container, `Init container ${name} definition changed`, 'unknown');
          toStart.push(i);
          break;
        }
        if (container.livenessProbe) {
          const liveness = probes.result(s.id, 'liveness');
          if (liveness === undefined) break;
          if (liveness === 'failure') {
            kill(s, container, `Init container ${name} failed liveness probe`, 'liveness');
            toStart.push(i);
          }
        }
        break;
      }
      case 'exited':
        if (sidecar) toStart.push(i);
        else if (isInitContainerFailed(s)) {
          if (!restart) {
            changes.killPod = true;
            changes.initContainersToStart = [];
            return false;
          }
          toStart.push(i);
        } else if (i === inits.length - 1) podHasInitialized = true;
        else toStart.push(i + 1);
        break;
      default:
        if (!sidecar && !restart) {
          changes.killPod = true;
          changes.initContainersToStart = [];
          return false;
        }
        kill(s, container, `Init container is in "unknown" state, try killing it before restart`, 'unknown');
        toStart.push(i);
    }
    previouslyInitialized = true;
  }
  if (!previouslyInitialized) toStart.push(0);
  changes.initContainersToStart = [...new Set(toStart.reverse())];
  return podHasInitialized;
}

export function computePodActions(spec: JsonObject, pod: RuntimePod, probes: ProbeLookup, podCidr?: string): PodActions {
  const [createSandbox, attempt, sandboxId] = podSandboxChanged(spec, pod, podCidr);
  const changes: MutableActions = { killPod: createSandbox, createSandbox, sandboxId, attempt, initContainersToStart: [], containersToStart: [], ephemeralContainersToStart: [], containersToKill: new Map() };
  const apps = objsAt(spec, 'containers');
  const inits = objsAt(spec, 'initContainers');

  if (createSandbox) {
    if (!restartOnFailure(spec) && attempt !== 0 && pod.containers.length !== 0) {
      // Never restarts: a pod whose sandbox died after its containers ran is over.
      changes.createSandbox = false;
      return changes;
    }
    const toStart: number[] = [];
    apps.forEach((c, i) => {
      if (strAt(spec, 'restartPolicy') === 'OnFailure' && containerSucceeded(strAt(c, 'name'), pod)) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && initDone(spec, pod)) {
      changes.createSandbox = false;
      return changes;
    }
    if (inits.length) changes.initContainersToStart = [0];
    else changes.containersToStart = toStart;
    return changes;
  }

  // Ephemeral containers may be started even if initialization is not yet complete; never restarted.
  objsAt(spec, 'ephemeralContainers').forEach((c, i) => {
    if (!pod.containers.some((r) => r.name === strAt(c, 'name'))) changes.ephemeralContainersToStart.push(i);
  });

  const initialized = initContainerActions(spec, pod, probes, changes);
  if (changes.killPod || !initialized) return changes;

  const restart = restartOnFailure(spec);
  let keepCount = 0;
  apps.forEach((container, idx) => {
    const name = strAt(container, 'name');
    const s = latestContainer(pod, name);
    if (!s || s.state !== 'running') {
      if (shouldContainerBeRestarted(container, spec, false, pod)) {
        changes.containersToStart.push(idx);
        if (s && s.state === 'unknown') changes.containersToKill.set(s.id, { name, container, message: `Container is in "unknown" state, try killing it before restart`, reason: 'unknown' });
      }
      return;
    }
    let message: string;
    let reason: KillReason = 'unknown';
    let restartIt = restart;
    if (s.hash !== containerHash(container)) {
      message = `Container ${name} definition changed`;
      // A changed spec restarts whatever the policy.
      restartIt = true;
    } else if (probes.result(s.id, 'liveness') === 'failure') {
      message = `Container ${name} failed liveness probe`;
      reason = 'liveness';
    } else if (probes.result(s.id, 'startup') === 'failure') {
      message = `Container ${name} failed startup probe`;
      reason = 'startup';
    } else {
      keepCount++;
      return;
    }
    if (restartIt) {
      message = `${message}, will be restarted`;
      changes.containersToStart.push(idx);
    }
    changes.containersToKill.set(s.id, { name, container, message, reason });
  });

  if (keepCount === 0 && changes.containersToStart.length === 0) {
    changes.killPod = true;
    // Sidecars must not keep a finished pod alive.
    changes.initContainersToStart = [];
  }
  return changes;
}

/** Whether an IPv4 address lies in a CIDR. */
function inCidr(ip: string, cidr: string): boolean {
  const addr = parseIpv4(ip);
  if (addr === undefined) return false;
  const r = parseCidr(cidr);
  return addr >= r.base && addr < r.base + r.size;
}
