/**
 * The pod status the kubelet reports (upstream generateAPIPodStatus + the prober manager's
 * UpdatePodStatus): phase, the five kubelet conditions, pod and host IPs, container statuses with
 * `ready`/`started` from probe results, and the QoS class. Pure over its inputs.
 */
import { objsAt, strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { podQosClass } from '../../api/pod-qos.js';
import type { RuntimePod } from '../runtime-pod.js';
import { containerStatuses, type SyncFailure } from './container-statuses.js';
import { podConditions } from './pod-conditions.js';
import { podPhase } from './pod-phase.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** Probe results by container id; `undefined` when the probe has not reported yet. */
export interface ProbeResults {
  result(containerId: string, kind: ProbeKind): 'success' | 'failure' | undefined;
}

export interface PodStatusInput {
  readonly pod: KubeObject;
  readonly runtimePod: RuntimePod;
  readonly runtimeName: string;
  readonly failures: ReadonlyMap<string, SyncFailure>;
  readonly probes: ProbeResults;
  readonly hostIPs: readonly string[];
  /** The kubelet has stopped the pod for good (deleted, or run to completion). */
  readonly podIsTerminal: boolean;
  /** A ready sandbox exists and no new one is needed (PodReadyToStartContainers). */
  readonly sandboxReady: boolean;
  readonly startTime: string | undefined;
  readonly now: number;
  /** The pod's IPs while its sandbox ran (kept once it has stopped, as upstream keeps them). */
  readonly knownPodIPs?: readonly string[];
  /** A kubelet module decided the pod must fail (activeDeadlineSeconds): phase Failed with this reason. */
  readonly evicted?: { readonly reason: string; readonly message: string };
}

function hasProbe(container: JsonObject, kind: ProbeKind): boolean {
  return isJsonObject(container[`${kind}Probe`]);
}

function applyProbeResults(statuses: JsonObject[], specs: readonly JsonObject[], probes: ProbeResults, init: boolean, terminal: boolean): void {
  for (const s of statuses) {
    const spec = specs.find((c) => strAt(c, 'name') === strAt(s, 'name'));
    if (!spec) continue;
    const state = isJsonObject(s.state) ? s.state : {};
    const running = isJsonObject(state.running);
    const id = strAt(s, 'containerID').replace(/^[a-z-]+:\/\//, '');
    const probed = (kind: ProbeKind) => !terminal && hasProbe(spec, kind);
    let started = false;
    if (running) {
      const r = probes.result(id, 'startup');
      started = r !== undefined && probed('startup') ? r === 'success' : !probed('startup');
    }
    s.started = started;
    const sidecar = strAt(spec, 'restartPolicy') === 'Always';
    if (init && !sidecar) {
      const t = isJsonObject(state.terminated) ? state.terminated : undefined;
      s.ready = t !== undefined && t.exitCode === 0;
      continue;
    }
    if (!started) {
      s.ready = false;
      continue;
    }
    const r = probes.result(id, 'readiness');
    s.ready = running && (probed('readiness') ? r === 'success' : true);
  }
}

export function generatePodStatus(input: PodStatusInput): JsonObject {
  const { pod } = input;
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const old = isJsonObject(pod.status) ? pod.status : {};
  const deleting = pod.metadata.deletionTimestamp !== undefined;
  const base = { spec, deleting, runtimePod: input.runtimePod, runtimeName: input.runtimeName, failures: input.failures };
  const inits = objsAt(spec, 'initContainers');
  const apps = objsAt(spec, 'containers');
  const initStatuses = inits.length ? containerStatuses({ ...base, previous: objsAt(old, 'initContainerStatuses') }, inits, true) : [];
  const appStatuses = containerStatuses({ ...base, previous: objsAt(old, 'containerStatuses') }, apps, false);
  // Ephemeral containers: spec order, never ready (upstream converts them as init containers).
  const ephemeral = objsAt(spec, 'ephemeralContainers');
  const ephemeralStatuses = ephemeral.length ? containerStatuses({ ...base, previous: objsAt(old, 'ephemeralContainerStatuses') }, ephemeral, true) : [];
  for (const s of ephemeralStatuses) s.ready = false;
  applyProbeResults(initStatuses, inits, input.probes, true, input.podIsTerminal);
  applyProbeResults(appStatuses, apps, input.probes, false, input.podIsTerminal);

  let phase: string = podPhase(spec, initStatuses, appStatuses, input.podIsTerminal);
  // A terminal phase is final (upstream: the kubelet never moves a pod out of Succeeded/Failed).
  const oldPhase = strAt(old, 'phase');
  if (oldPhase === 'Succeeded' || oldPhase === 'Failed') phase = oldPhase;
  if (input.evicted) phase = 'Failed';
  if (phase === 'Succeeded' || phase === 'Failed') {
    for (const s of [...initStatuses, ...appStatuses]) s.ready = false;
  }

  const conditions = podConditions({
    spec,
    oldConditions: objsAt(old, 'conditions'),
    initContainerStatuses: initStatuses,
    containerStatuses: appStatuses,
    phase,
    readyToStartContainers: input.sandboxReady,
    now: input.now,
  });

  const status: JsonObject = { phase, conditions };
  const hostNetwork = spec.hostNetwork === true;
  const sandbox = input.runtimePod.sandboxes[0];
  let podIPs: string[] = [];
  if (hostNetwork) podIPs = [...input.hostIPs];
  else if (sandbox?.ready && sandbox.ip) podIPs = [sandbox.ip];
  else if (input.knownPodIPs?.length) podIPs = [...input.knownPodIPs];
  else podIPs = objsAt(old, 'podIPs').map((p) => strAt(p, 'ip')).filter(Boolean);
  if (input.hostIPs.length) {
    status.hostIP = input.hostIPs[0];
    status.hostIPs = input.hostIPs.map((ip) => ({ ip }));
  }
  if (podIPs.length) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  if (input.startTime) status.startTime = input.startTime;
  if (inits.length) status.initContainerStatuses = initStatuses;
  status.containerStatuses = appStatuses;
  if (ephemeral.length) status.ephemeralContainerStatuses = ephemeralStatuses;
  status.qosClass = podQosClass(pod);
  for (const k of ['nominatedNodeName', 'reason', 'message', 'resize', 'resourceClaimStatuses']) if (old[k] !== undefined) status[k] = old[k];
  if (input.evicted) {
    status.reason = input.evicted.reason;
    status.message = input.evicted.message;
  }
  return status;
}
