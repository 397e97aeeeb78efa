/**
 * What a simulated kubelet does with a pod, as data: a *program* read once from the pod (start
 * delay, init containers, readiness delay, run time, exit code, restart policy), a small *state*
 * that moves through stages on the clock, and a pure *projection* of that state onto the pod's
 * status in the shape a 1.32 kubelet writes (conditions PodReadyToStartContainers, Initialized,
 * Ready, ContainersReady, PodScheduled; container statuses with running/waiting/terminated states,
 * restart counts, `lite-sim://` container IDs).
 *
 * Pod annotations steering the simulation (documented in src/simulator/README.md):
 *   lite.dev/sim-duration     Go duration ("5s", "1m30s"): containers exit after running this
 *                             long. Default: pods with restartPolicy Never/OnFailure exit after
 *                             the simulator's `jobDurationMs`; Always pods run until deleted.
 *   lite.dev/sim-exit-code    exit code of that exit (default 0). The restart policy decides what
 *                             follows: Never → Succeeded/Failed, OnFailure → restart on non-zero,
 *                             Always → restart (CrashLoopBackOff back-off 10 s doubling to 5 min).
 *   lite.dev/sim-start-delay  Go duration from binding to Running (default: the simulator's
 *                             start delay range); with init containers it applies twice (init
 *                             containers complete, then the main containers start).
 *   lite.dev/sim-ready-delay  Go duration from Running to Ready, or "never". Default: the largest
 *                             readinessProbe initialDelaySeconds of the containers (0 without).
 */
import { createHash } from 'node:crypto';
import { numAt, objsAt, strAt } from '../api/json-access.js';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../api/object.js';
import { formatGoDuration } from '../api/go/go-time.js';
import { parseDuration } from '../util/duration.js';
import type { TimerHandle } from './timer-heap.js';
import { KUBELET_POD_CONDITIONS, podConditions } from '../kubelet/status/pod-conditions.js';

export const SIM_ANNOTATIONS = {
  duration: 'lite.dev/sim-duration',
  exitCode: 'lite.dev/sim-exit-code',
  startDelay: 'lite.dev/sim-start-delay',
  readyDelay: 'lite.dev/sim-ready-delay',
} as const;

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** The pod's simulated life, fixed when the simulator first sees it. */
export interface PodProgram {
  readonly startDelayMs: number;
  readonly hasInit: boolean;
  /** From Running to Ready; Infinity = never ready. */
  readonly readyDelayMs: number;
  /** How long containers run before exiting; undefined = until stopped. */
  readonly runMs: number | undefined;
  readonly exitCode: number;
  readonly restartPolicy: RestartPolicy;
}

export interface ProgramDefaults {
  /** [min, max] start delay; the pod's own value is spread in it by a hash of its uid. */
  readonly startDelayMs: readonly [number, number];
  /** Run time of Never/OnFailure pods without a duration annotation. */
  readonly jobDurationMs: number;
}

export function podProgram(pod: KubeObject, defaults: ProgramDefaults): PodProgram {
  const annotations = pod.metadata.annotations ?? {};
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const rp = strAt(spec, 'restartPolicy');
  const restartPolicy: RestartPolicy = rp === 'Never' || rp === 'OnFailure' ? rp : 'Always';
  const [min, max] = defaults.startDelayMs;
  const startDelayMs = durationAnnotation(annotations[SIM_ANNOTATIONS.startDelay]) ?? Math.round(min + (max - min) * fraction(pod.metadata.uid ?? pod.metadata.name ?? ''));
  let readyDelayMs: number;
  const ready = annotations[SIM_ANNOTATIONS.readyDelay];
  if (ready === 'never') readyDelayMs = Infinity;
  else {
    readyDelayMs = durationAnnotation(ready) ?? 0;
    if (ready === undefined) {
      for (const c of objsAt(spec, 'containers')) {
        const probe = isJsonObject(c.readinessProbe) ? c.readinessProbe : undefined;
        if (probe) readyDelayMs = Math.max(readyDelayMs, numAt(probe, 'initialDelaySeconds') * 1000);
      }
    }
  }
  let runMs = durationAnnotation(annotations[SIM_ANNOTATIONS.duration]);
  if (runMs === undefined && restartPolicy !== 'Always') runMs = defaults.jobDurationMs;
  const code = Number.parseInt(annotations[SIM_ANNOTATIONS.exitCode] ?? '0', 10);
  return { startDelayMs, hasInit: objsAt(spec, 'initContainers').length > 0, readyDelayMs, runMs, exitCode: Number.isFinite(code) ? code : 0, restartPolicy };
}

function durationAnnotation(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v === '0') return 0;
  return parseDuration(v);
}

/** A stable fraction in [0, 1) from a string (FNV-1a). */
export function fraction(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

export type Stage = 'created' | 'initialized' | 'running' | 'backoff' | 'exited';

export interface ContainerExit {
  readonly code: number;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** Per-pod simulator state: small, since there may be tens of thousands. */
export interface PodSimState {
  readonly uid: string;
  readonly nodeName: string;
  readonly program: PodProgram;
  stage: Stage;
  /** When the current stage began (for running: when the containers (re)started). */
  since: number;
  /** When the kubelet took the pod (status.startTime). */
  startTime: number;
  /** Container restarts so far. */
  restarts: number;
  lastExit: ContainerExit | undefined;
  podIp: string | undefined;
  /** Index of the pod IP in the node's range, to release it (0 = none). */
  ipSlot: number;
  timer: TimerHandle | undefined;
  timerAt: number;
  /** resourceVersion of our last status write (its watch event needs no work). */
  writtenRv: string | undefined;
  /** When a pod being deleted is stopped. */
  stopAt: number | undefined;
  /** Events recorded so far: init containers started; run number (restarts + 1) started; back-off of restart n. */
  announcedInit: boolean;
  announcedRun: number;
  announcedBackoff: number;
}

export function newPodState(uid: string, nodeName: string, program: PodProgram, now: number): PodSimState {
  return { uid, nodeName, program, stage: 'created', since: now, startTime: now, restarts: 0, lastExit: undefined, podIp: undefined, ipSlot: 0, timer: undefined, timerAt: Infinity, writtenRv: undefined, stopAt: undefined, announcedInit: false, announcedRun: 0, announcedBackoff: 0 };
}

/** Rebuilds state for a pod some earlier kubelet (a previous simulator process) already ran. */
export function adoptPodState(pod: KubeObject, nodeName: string, program: PodProgram, now: number): PodSimState | undefined {
  const status = isJsonObject(pod.status) ? pod.status : {};
  const phase = strAt(status, 'phase');
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const st = newPodState(pod.metadata.uid ?? '', nodeName, program, now);
  const startTime = Date.parse(strAt(status, 'startTime'));
  if (!Number.isNaN(startTime)) st.startTime = startTime;
  const statuses = objsAt(status, 'containerStatuses');
  if (phase === 'Running') {
    st.stage = statuses.some((c) => strAt(objAtPath(c, 'state', 'waiting'), 'reason') === 'CrashLoopBackOff') ? 'backoff' : 'running';
    const started = statuses.map((c) => Date.parse(strAt(objAtPath(c, 'state', 'running'), 'startedAt'))).find((t) => !Number.isNaN(t));
    st.since = st.stage === 'running' && started !== undefined ? started : now;
    st.restarts = Math.max(0, ...statuses.map((c) => numAt(c, 'restartCount')));
    st.announcedInit = true;
    st.announcedRun = st.restarts + 1;
    st.announcedBackoff = st.restarts;
  } else if (phase === 'Pending' && objsAt(status, 'initContainerStatuses').length > 0 && objsAt(status, 'conditions').some((c) => c.type === 'Initialized' && c.status === 'True')) {
    st.stage = 'initialized';
    st.since = now;
    st.announcedInit = true;
  }
  return st;
}

function objAtPath(o: JsonObject, ...path: string[]): JsonObject | undefined {
  let cur: JsonObject | undefined = o;
  for (const k of path) cur = cur && isJsonObject(cur[k]) ? (cur[k] as JsonObject) : undefined;
  return cur;
}

export function backoffMs(restarts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, restarts - 1), 300_000);
}

function nextTransitionAt(st: PodSimState): number | undefined {
  const p = st.program;
  switch (st.stage) {
    case 'created':
      return st.startTime + p.startDelayMs;
    case 'initialized':
      return st.since + p.startDelayMs;
    case 'running':
      return p.runMs === undefined ? undefined : st.since + p.runMs;
    case 'backoff':
      return st.since + backoffMs(st.restarts);
    case 'exited':
      return undefined;
  }
}

/** Moves the state through every transition due by `now`. */
export function advance(st: PodSimState, now: number): void {
  for (let guard = 0; guard < 10_000; guard++) {
    const at = nextTransitionAt(st);
    if (at === undefined || at > now) return;
    const p = st.program;
    switch (st.stage) {
      case 'created':
        st.stage = p.hasInit ? 'initialized' : 'running';
        break;
      case 'initialized':
        st.stage = 'running';
        break;
      case 'running': {
        st.lastExit = { code: p.exitCode, startedAt: st.since, finishedAt: at };
        const restart = p.restartPolicy === 'Always' || (p.restartPolicy === 'OnFailure' && p.exitCode !== 0);
        if (!restart) st.stage = 'exited';
        // The first restart is immediate; later ones wait out the crash-loop back-off.
        else if (st.restarts === 0) st.restarts = 1;
        else st.stage = 'backoff';
        break;
      }
      case 'backoff':
        st.restarts++;
        st.stage = 'running';
        break;
    }
    st.since = at;
  }
}

/** When the state next needs a look: its next transition, or readiness coming due. */
export function nextWake(st: PodSimState, now: number): number | undefined {
  const at = nextTransitionAt(st);
  if (st.stage === 'running' && Number.isFinite(st.program.readyDelayMs)) {
    const readyAt = st.since + st.program.readyDelayMs;
    if (readyAt > now && (at === undefined || readyAt < at)) return readyAt;
  }
  return at;
}

export interface HostInfo {
  readonly hostIp: string;
}


/**
 * The status a kubelet would write for this state at `now`. `stopped` projects the final status
 * of a pod being deleted: every container terminated (exit 0 for restartPolicy Always pods, 143
 * — SIGTERM — for run-to-completion pods cut short).
 */
export function simulatedStatus(pod: KubeObject, st: PodSimState, host: HostInfo, now: number, stopped = false): JsonObject {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const old = isJsonObject(pod.status) ? pod.status : {};
  const uid = pod.metadata.uid ?? '';
  const p = st.program;
  const containers = objsAt(spec, 'containers');
  const inits = objsAt(spec, 'initContainers');
  const stage = st.stage;
  const started = stage === 'running' || stage === 'backoff' || stage === 'exited';
  const exited = stage === 'exited' || stopped;
  const readyNow = stage === 'running' && !stopped && now >= st.since + p.readyDelayMs;
  const stopCode = p.restartPolicy === 'Always' ? 0 : 143;

  const main: JsonObject[] = containers.map((c) => {
    const name = strAt(c, 'name');
    const image = normalizeImage(strAt(c, 'image'));
    const base = { name, image, imageID: started ? imageId(image) : '' };
    const lastState: JsonObject = st.lastExit && (stage === 'running' || stage === 'backoff') && st.restarts > 0 ? { terminated: terminated(st.lastExit, containerId(uid, name, st.restarts - 1)) } : {};
    if (!started) {
      return { ...base, state: { waiting: { reason: stage === 'initialized' ? 'PodInitializing' : 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, started: false };
    }
    const id = containerId(uid, name, st.restarts);
    if (exited) {
      const exit = stopped && stage !== 'exited' ? { code: stopCode, startedAt: st.since, finishedAt: now } : (st.lastExit ?? { code: 0, startedAt: st.since, finishedAt: now });
      return { ...base, containerID: id, state: { terminated: terminated(exit, id) }, lastState, ready: false, restartCount: st.restarts, started: false };
    }
    if (stage === 'backoff') {
      const message = `back-off ${formatGoDuration(BigInt(backoffMs(st.restarts)) * 1_000_000n)} restarting failed container=${name} pod=${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${uid})`;
      return { ...base, containerID: containerId(uid, name, st.restarts - 1), state: { waiting: { reason: 'CrashLoopBackOff', message } }, lastState, ready: false, restartCount: st.restarts, started: false };
    }
    return { ...base, containerID: id, state: { running: { startedAt: rfc3339(st.since) } }, lastState, ready: readyNow, restartCount: st.restarts, started: true };
  });

  const initDone = stage !== 'created';
  const initStatuses: JsonObject[] = inits.map((c) => {
    const name = strAt(c, 'name');
    const image = normalizeImage(strAt(c, 'image'));
    const id = containerId(uid, name, 0);
    const sidecar = strAt(c, 'restartPolicy') === 'Always';
    const base = { name, image, imageID: initDone ? imageId(image) : '' };
    if (!initDone) return { ...base, state: { waiting: { reason: 'PodInitializing' } }, lastState: {}, ready: false, restartCount: 0, started: false };
    if (sidecar && !exited) return { ...base, containerID: id, state: { running: { startedAt: rfc3339(st.startTime) } }, lastState: {}, ready: true, restartCount: 0, started: true };
    const finishedAt = sidecar ? now : st.startTime + p.startDelayMs;
    return { ...base, containerID: id, state: { terminated: terminated({ code: sidecar ? stopCode : 0, startedAt: st.startTime, finishedAt }, id) }, lastState: {}, ready: false, restartCount: 0, started: false };
  });

  // Ephemeral containers (kubectl debug) run from when the kubelet first sees them, never restart,
  // and stop with the pod; they do not affect the phase.
  const oldEphemeral = new Map(objsAt(old, 'ephemeralContainerStatuses').map((c) => [strAt(c, 'name'), c] as const));
  const ephemeralStatuses: JsonObject[] = objsAt(spec, 'ephemeralContainers').map((c) => {
    const name = strAt(c, 'name');
    const image = normalizeImage(strAt(c, 'image'));
    const id = containerId(uid, name, 0);
    const base = { name, image, imageID: imageId(image), containerID: id, lastState: {}, ready: false, restartCount: 0 };
    const prev = oldEphemeral.get(name);
    const prevTerminated = prev ? objAtPath(prev, 'state', 'terminated') : undefined;
    if (prev && prevTerminated) return { ...base, state: { terminated: prevTerminated }, started: false };
    const startedAt = Date.parse(strAt(objAtPath(prev ?? {}, 'state', 'running') ?? {}, 'startedAt'));
    const since = Number.isNaN(startedAt) ? now : startedAt;
    if (exited) return { ...base, state: { terminated: terminated({ code: 137, startedAt: since, finishedAt: now }, id) }, started: false };
    return { ...base, state: { running: { startedAt: rfc3339(since) } }, started: true };
  });

  let phase: string;
  if (exited) {
    const codes = main.map((c) => numAt(objAtPath(c, 'state', 'terminated') ?? {}, 'exitCode'));
    phase = codes.every((c) => c === 0) ? 'Succeeded' : 'Failed';
  } else phase = started ? 'Running' : 'Pending';

  const conditions = podConditions({
    spec,
    oldConditions: objsAt(old, 'conditions'),
    initContainerStatuses: initStatuses,
    containerStatuses: main,
    phase,
    readyToStartContainers: !exited,
    now,
  });

  const out: JsonObject = { ...old, phase, conditions, hostIP: host.hostIp, hostIPs: [{ ip: host.hostIp }], startTime: rfc3339(st.startTime) };
  if (st.podIp) {
    out.podIP = st.podIp;
    out.podIPs = [{ ip: st.podIp }];
  }
  if (inits.length > 0) out.initContainerStatuses = initStatuses;
  out.containerStatuses = main;
  if (ephemeralStatuses.length > 0) out.ephemeralContainerStatuses = ephemeralStatuses;
  return out;
}

function terminated(exit: ContainerExit, containerID: string): JsonObject {
  return { exitCode: exit.code, reason: exit.code === 0 ? 'Completed' : 'Error', startedAt: rfc3339(exit.startedAt), finishedAt: rfc3339(exit.finishedAt), containerID };
}

/**
 * A compact fingerprint of what the kubelet owns in a status: phase, IP, its condition statuses
 * and each container's state kind, readiness and restarts. Two statuses with equal fingerprints
 * need no write.
 */
export function statusFingerprint(status: unknown): string {
  if (!isJsonObject(status)) return '';
  const parts: string[] = [strAt(status, 'phase'), strAt(status, 'podIP'), strAt(status, 'hostIP')];
  for (const c of objsAt(status, 'conditions')) if (KUBELET_POD_CONDITIONS.has(strAt(c, 'type'))) parts.push(`${strAt(c, 'type')}=${strAt(c, 'status')}/${strAt(c, 'reason')}/${strAt(c, 'message')}`);
  for (const list of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    for (const c of objsAt(status, list)) {
      const state = isJsonObject(c.state) ? Object.keys(c.state).join('') : '';
      parts.push(`${strAt(c, 'name')}:${state}:${c.ready === true ? 1 : 0}:${numAt(c, 'restartCount')}:${c.started === true ? 1 : 0}`);
    }
  }
  return parts.join('|');
}

/** `nginx` → `docker.io/library/nginx:latest`, as container runtimes report image names. */
export function normalizeImage(image: string): string {
  if (image === '') return image;
  let name = image;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!hasRegistry) name = `docker.io/${slash < 0 ? `library/${name}` : name}`;
  const lastSlash = name.lastIndexOf('/');
  if (suffix === '' && !name.slice(lastSlash + 1).includes(':')) name += ':latest';
  return name + suffix;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** `repo@sha256:<digest>` for an image, as containerd reports imageID. */
export function imageId(normalized: string): string {
  const at = normalized.indexOf('@');
  if (at >= 0) return normalized;
  const lastSlash = normalized.lastIndexOf('/');
  const colon = normalized.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? normalized.slice(0, colon) : normalized;
  return `${repo}@sha256:${sha256(normalized)}`;
}

/** `lite-sim://<64 hex>`, stable per pod, container and run. */
export function containerId(podUid: string, name: string, run: number): string {
  return `lite-sim://${sha256(`${podUid}/${name}/${run}`)}`;
}

