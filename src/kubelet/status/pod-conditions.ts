/**
 * The pod conditions a kubelet owns, as upstream 1.32 generates them (pkg/kubelet/status/generate.go
 * and kubelet_pods.go generateAPIPodStatus), in the order it appends them:
 * PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled.
 *
 * Pure: shared by the real kubelet (src/kubelet) and the simulated kubelets (src/simulator), so
 * both write the same texts. Each condition keeps its previous lastTransitionTime while its status
 * is unchanged (upstream's updateLastTransitionTime); conditions the kubelet does not own (readiness
 * gates, DisruptionTarget …) are kept as they are, ahead of the kubelet's.
 */
import { objsAt, strAt } from '../../api/json-access.js';
import { rfc3339, type JsonObject } from '../../api/object.js';

export const KUBELET_POD_CONDITIONS: ReadonlySet<string> = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

export interface PodConditionsInput {
  /** pod.spec (initContainers, containers, readinessGates). */
  readonly spec: JsonObject;
  /** The pod's current status.conditions (from the API). */
  readonly oldConditions: readonly JsonObject[];
  /** Statuses as the kubelet reports them (name, state, ready, started). */
  readonly initContainerStatuses: readonly JsonObject[];
  readonly containerStatuses: readonly JsonObject[];
  readonly phase: string;
  /** A sandbox with networking exists (no new one is needed). */
  readonly readyToStartContainers: boolean;
  readonly now: number;
}

interface Cond {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason?: string;
  readonly message?: string;
}

function isSidecar(c: JsonObject): boolean {
  return strAt(c, 'restartPolicy') === 'Always';
}

function find(statuses: readonly JsonObject[], name: string): JsonObject | undefined {
  return statuses.find((s) => strAt(s, 'name') === name);
}

function stateOf(s: JsonObject, kind: 'running' | 'terminated' | 'waiting'): JsonObject | undefined {
  const state = s.state;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return undefined;
  const v = (state as JsonObject)[kind];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** Go's `%s` of a []string: `[a b]`. */
function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

function initializedCondition(input: PodConditionsInput): Cond {
  const inits = objsAt(input.spec, 'initContainers');
  if (inits.length === 0) return { type: 'Initialized', status: 'True' };
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const name = strAt(c, 'name');
    const s = find(input.initContainerStatuses, name);
    if (!s) {
      unknown.push(name);
      continue;
    }
    if (isSidecar(c)) {
      if (s.started !== true) incomplete.push(name);
      continue;
    }
    const t = stateOf(s, 'terminated');
    if (!t || t.exitCode !== 0) incomplete.push(name);
  }
  if (input.phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  // A regular container that has started means the pod was initialized before (sidecars may be restarting).
  const anyRegularStarted = objsAt(input.spec, 'containers').some((c) => {
    const s = find(input.containerStatuses, strAt(c, 'name'));
    return s !== undefined && (stateOf(s, 'running') !== undefined || stateOf(s, 'terminated') !== undefined);
  });
  if (anyRegularStarted) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

function containersReadyCondition(input: PodConditionsInput): Cond {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (c: JsonObject, statuses: readonly JsonObject[]) => {
    const name = strAt(c, 'name');
    const s = find(statuses, name);
    if (!s) unknown.push(name);
    else if (s.ready !== true) unready.push(name);
  };
  for (const c of objsAt(input.spec, 'initContainers')) if (isSidecar(c)) check(c, input.initContainerStatuses);
  for (const c of objsAt(input.spec, 'containers')) check(c, input.containerStatuses);
  if (input.phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (input.phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(input: PodConditionsInput, containersReady: Cond, others: readonly JsonObject[]): Cond {
  if (containersReady.status !== 'True') return { type: 'Ready', status: containersReady.status, reason: containersReady.reason, message: containersReady.message };
  const problems: string[] = [];
  for (const g of objsAt(input.spec, 'readinessGates')) {
    const type = strAt(g, 'conditionType');
    const c = others.find((x) => x.type === type);
    if (!c) problems.push(`corresponding condition of pod readiness gate "${type}" does not exist.`);
    else if (c.status !== 'True') problems.push(`the status of pod readiness gate "${type}" is not "True", but ${strAt(c, 'status')}`);
  }
  if (problems.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: problems.join(', ') };
  return { type: 'Ready', status: 'True' };
}

/** The pod's full conditions list: others first, then the kubelet's five in upstream's order. */
export function podConditions(input: PodConditionsInput): JsonObject[] {
  const stamp = rfc3339(input.now);
  const others = input.oldConditions.filter((c) => !KUBELET_POD_CONDITIONS.has(strAt(c, 'type')));
  const out = (c: Cond): JsonObject => {
    const prev = input.oldConditions.find((x) => x.type === c.type);
    const transition = prev && prev.status === c.status && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : stamp;
    const o: JsonObject = { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: transition };
    if (c.reason) o.reason = c.reason;
    if (c.message) o.message = c.message;
    return o;
  };
  const containersReady = containersReadyCondition(input);
  const scheduled = input.oldConditions.find((c) => c.type === 'PodScheduled');
  return [
    ...others,
    out({ type: 'PodReadyToStartContainers', status: input.readyToStartContainers ? 'True' : 'False' }),
    out(initializedCondition(input)),
    out(readyCondition(input, containersReady, others)),
    out(containersReady),
    scheduled && scheduled.status === 'True' ? scheduled : out({ type: 'PodScheduled', status: 'True' }),
  ];
}
