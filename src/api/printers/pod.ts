/**
 * The Pod table (kubectl get pods): READY, STATUS, RESTARTS as kube-apiserver 1.32 computes
 * them in printPod. The STATUS algorithm, in order:
 *  1. status.reason, else status.phase; "SchedulingGated" if the PodScheduled condition says so;
 *  2. init containers in order, stopping at the first that has not completed successfully:
 *     "Init:<reason>", "Init:Signal:N", "Init:ExitCode:N" or "Init:i/n"; started sidecars
 *     (restartPolicy Always) count as ready and do not stop the scan;
 *  3. unless still initialising (and Initialized is not True), main containers last to first:
 *     a waiting or terminated reason wins, "Signal:N" / "ExitCode:N" for reasonless exits;
 *     "Completed" with a container still running becomes "Running" (or "NotReady" if the pod
 *     is not Ready);
 *  4. a deleted pod reads "Unknown" if its node was lost, else "Terminating" unless it already
 *     finished.
 * RESTARTS adds " (<age> ago)" of the most recent container termination.
 */
import type { KubeObject } from '../object.js';
import type { CellValue } from '../resource.js';
import { AGE_COLUMN, NAME_COLUMN, arr, at, column, conditionTrue, int, printer, rec, str } from './common.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './time.js';

const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

export const podColumns = [
  NAME_COLUMN,
  column('Ready', 'string', 'Ready containers out of all containers (sidecars included).'),
  column('Status', 'string', 'Summary of the state of the pod and its containers.'),
  column('Restarts', 'string', 'Total container restarts, with the time since the most recent one.'),
  AGE_COLUMN,
  column('IP', 'string', 'The first IP address allocated to the pod.', { priority: 1 }),
  column('Node', 'string', 'The node the pod is bound to.', { priority: 1 }),
  column('Nominated Node', 'string', 'The node the scheduler nominated for this pod during preemption.', { priority: 1 }),
  column('Readiness Gates', 'string', 'Readiness gates whose condition is True, out of all readiness gates.', { priority: 1 }),
] as const;

function isRestartable(container: unknown): boolean {
  return str(at(container, 'restartPolicy')) === 'Always';
}

function isTerminalPhase(phase: string): boolean {
  return phase === 'Failed' || phase === 'Succeeded';
}

/** A Go-style "later than" on optional timestamps (absent = zero time, never later). */
function later(candidate: unknown, current: number | undefined): number | undefined {
  const t = parseTimestamp(candidate);
  if (t === undefined || Number.isNaN(t)) return current;
  if (current === undefined || t > current) return t;
  return current;
}

function exitReason(prefix: string, terminated: Readonly<Record<string, unknown>>): string {
  const signal = int(terminated.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${int(terminated.exitCode)}`;
}

/** The READY, STATUS and RESTARTS cells of a pod. */
export function podStatusCells(pod: KubeObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of arr(status.conditions)) {
    if (str(at(c, 'type')) === 'PodScheduled' && str(at(c, 'reason')) === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = arr(spec.initContainers);
  const initByName = new Map<string, unknown>();
  let total = arr(spec.containers).length;
  for (const c of initSpecs) {
    initByName.set(str(at(c, 'name')), c);
    if (isRestartable(c)) total++;
  }

  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  let initializing = false;

  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = rec(initStatuses[i]);
    const state = rec(cs.state);
    const terminated = state.terminated === undefined || state.terminated === null ? undefined : rec(state.terminated);
    const waiting = state.waiting === undefined || state.waiting === null ? undefined : rec(state.waiting);
    const finished = at(cs, 'lastState', 'terminated', 'finishedAt');
    restarts += int(cs.restartCount);
    lastRestart = later(finished, lastRestart);
    const sidecar = isRestartable(initByName.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += int(cs.restartCount);
      lastSidecarRestart = later(finished, lastSidecarRestart);
    }
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      reason = str(terminated.reason) ? `Init:${str(terminated.reason)}` : exitReason('Init:', terminated);
    } else if (waiting && str(waiting.reason) !== '' && str(waiting.reason) !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = rec(statuses[i]);
      const state = rec(cs.state);
      const terminated = state.terminated === undefined || state.terminated === null ? undefined : rec(state.terminated);
      const waiting = state.waiting === undefined || state.waiting === null ? undefined : rec(state.waiting);
      const running = state.running !== undefined && state.running !== null;
      restarts += int(cs.restartCount);
      lastRestart = later(at(cs, 'lastState', 'terminated', 'finishedAt'), lastRestart);
      if (waiting && str(waiting.reason) !== '') reason = str(waiting.reason);
      else if (terminated && str(terminated.reason) !== '') reason = str(terminated.reason);
      else if (terminated) reason = exitReason('', terminated);
      else if (cs.ready === true && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && str(status.reason) === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && !isTerminalPhase(phase)) reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}

function readinessGates(pod: KubeObject): string {
  const gates = arr(at(pod, 'spec', 'readinessGates'));
  if (gates.length === 0) return '<none>';
  const conditions = arr(at(pod, 'status', 'conditions'));
  let trueCount = 0;
  for (const g of gates) {
    const type = str(at(g, 'conditionType'));
    const c = conditions.find((x) => str(at(x, 'type')) === type);
    if (c !== undefined && str(at(c, 'status')) === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

/** The pod's primary IP: the first of status.podIPs, else status.podIP; "" when it has none. */
export function podIP(pod: KubeObject): string {
  const ips = arr(at(pod, 'status', 'podIPs'));
  return ips.length > 0 ? str(at(ips[0], 'ip')) : str(at(pod, 'status', 'podIP'));
}

export const podTablePrinter = printer(podColumns, (pod, now): CellValue[] => {
  const { ready, status, restarts } = podStatusCells(pod, now);
  return [
    pod.metadata.name ?? '',
    ready,
    status,
    restarts,
    translateTimestampSince(pod.metadata.creationTimestamp, now),
    podIP(pod) || '<none>',
    str(at(pod, 'spec', 'nodeName')) || '<none>',
    str(at(pod, 'status', 'nominatedNodeName')) || '<none>',
    readinessGates(pod),
  ];
});

/**
 * The row conditions upstream attaches to pod rows (Table rows' `conditions`): a Completed
 * condition for pods that succeeded or failed, none otherwise.
 */
export function podRowConditions(pod: KubeObject): Array<{ type: 'Completed'; status: 'True'; reason: string; message: string }> {
  const phase = str(at(pod, 'status', 'phase'));
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return [];
}
