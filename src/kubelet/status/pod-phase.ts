/**
 * The pod phase from its container statuses, as upstream 1.32's getPhase
 * (pkg/kubelet/kubelet_pods.go), sidecars (restartable init containers) included.
 */
import { objsAt, strAt, type JsonObject } from '../../api/json-access.js';

function state(s: JsonObject, kind: 'running' | 'terminated' | 'waiting'): JsonObject | undefined {
  const st = s.state as JsonObject | undefined;
  const v = st && typeof st === 'object' ? st[kind] : undefined;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

function lastTerminated(s: JsonObject): JsonObject | undefined {
  const st = s.lastState as JsonObject | undefined;
  const v = st && typeof st === 'object' ? st.terminated : undefined;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/**
 * `podIsTerminal`: the kubelet has decided the pod will not run again (it is being deleted or
 * evicted, and its containers have stopped) — then stopped containers give a terminal phase
 * whatever the restart policy.
 */
export function podPhase(spec: JsonObject, initStatuses: readonly JsonObject[], statuses: readonly JsonObject[], podIsTerminal: boolean): PodPhase {
  const restartPolicy = strAt(spec, 'restartPolicy') || 'Always';
  const find = (list: readonly JsonObject[], name: string) => list.find((s) => strAt(s, 'name') === name);
  let pendingRestartableInit = 0;
  let pendingRegularInit = 0;
  let failedInitialization = 0;
  const inits = objsAt(spec, 'initContainers');
  for (const c of inits) {
    if (strAt(c, 'restartPolicy') === 'Always') continue;
    const s = find(initStatuses, strAt(c, 'name'));
    if (!s) {
      pendingRegularInit++;
      continue;
    }
    const t = state(s, 'terminated');
    if (state(s, 'running')) pendingRegularInit++;
    else if (t) {
      if (t.exitCode !== 0) failedInitialization++;
    } else if (state(s, 'waiting')) {
      const last = lastTerminated(s);
      if (last) {
        if (last.exitCode !== 0) failedInitialization++;
      } else pendingRegularInit++;
    } else pendingRegularInit++;
  }
  let unknown = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of inits) {
    if (strAt(c, 'restartPolicy') !== 'Always') continue;
    const s = find(initStatuses, strAt(c, 'name'));
    if (!s) {
      unknown++;
      continue;
    }
    if (state(s, 'running')) {
      if (s.started !== true) pendingRestartableInit++;
      running++;
    } else if (state(s, 'terminated')) {
      // terminated sidecars are ignored
    } else if (state(s, 'waiting')) {
      if (!lastTerminated(s)) pendingRestartableInit++;
    } else {
      pendingRestartableInit++;
      unknown++;
    }
  }
  for (const c of objsAt(spec, 'containers')) {
    const s = find(statuses, strAt(c, 'name'));
    if (!s) {
      unknown++;
      continue;
    }
    const t = state(s, 'terminated');
    if (state(s, 'running')) running++;
    else if (t) {
      stopped++;
      if (t.exitCode === 0) succeeded++;
    } else if (state(s, 'waiting')) {
      if (lastTerminated(s)) stopped++;
    } else unknown++;
  }
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingRegularInit > 0 || (pendingRestartableInit > 0 && !podIsTerminal)) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
