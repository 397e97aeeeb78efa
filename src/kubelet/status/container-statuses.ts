/**
 * Container statuses as the kubelet reports them (upstream convertToAPIContainerStatuses in
 * pkg/kubelet/kubelet_pods.go): from the runtime's containers (newest instance → state, the one
 * before → lastState), the previous API statuses, and the reasons the last sync could not start a
 * container (ErrImagePull, CrashLoopBackOff, CreateContainerConfigError …).
 *
 * `ready` and `started` are set afterwards from probe results (see generate-pod-status.ts).
 */
import { objsAt, strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, rfc3339 } from '../../api/object.js';
import { latestContainer, type RuntimeContainer, type RuntimePod } from '../runtime-pod.js';

export interface SyncFailure {
  /** The waiting reason (`ErrImagePull`, `CrashLoopBackOff` …). */
  readonly reason: string;
  readonly message: string;
}

export interface ContainerStatusInput {
  readonly spec: JsonObject;
  readonly deleting: boolean;
  readonly runtimePod: RuntimePod;
  /** `docker`, `sim` …: container IDs are `<runtimeName>://<id>`. */
  readonly runtimeName: string;
  readonly previous: readonly JsonObject[];
  readonly failures: ReadonlyMap<string, SyncFailure>;
}

/** upstream ShouldContainerBeRestarted. */
export function shouldContainerBeRestarted(container: JsonObject, spec: JsonObject, deleting: boolean, pod: RuntimePod): boolean {
  if (deleting) return false;
  const status = latestContainer(pod, strAt(container, 'name'));
  if (!status) return true;
  if (status.state === 'running') return false;
  if (status.state === 'unknown' || status.state === 'created') return true;
  const policy = strAt(spec, 'restartPolicy') || 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && status.exitCode === 0) return false;
  return true;
}

function volumeMountStatuses(container: JsonObject): JsonObject[] | undefined {
  const mounts = objsAt(container, 'volumeMounts');
  if (mounts.length === 0) return undefined;
  return mounts.map((m) => {
    const out: JsonObject = { name: strAt(m, 'name'), mountPath: strAt(m, 'mountPath') };
    if (m.readOnly === true) {
      out.readOnly = true;
      const rro = strAt(m, 'recursiveReadOnly');
      out.recursiveReadOnly = rro === 'Enabled' ? 'Enabled' : 'Disabled';
    }
    return out;
  });
}

function stateOf(s: JsonObject): JsonObject {
  return isJsonObject(s.state) ? s.state : {};
}

function convert(c: RuntimeContainer, runtimeName: string, old: JsonObject | undefined): JsonObject {
  const cid = `${runtimeName}://${c.id}`;
  const status: JsonObject = { name: c.name, restartCount: c.restartCount, image: c.image, imageID: c.imageRef, containerID: cid };
  if (c.state === 'running') status.state = { running: { startedAt: rfc3339(c.startedAt ?? c.createdAt) } };
  else if (c.state === 'created') status.state = { waiting: {} };
  else if (c.state === 'exited') {
    const t: JsonObject = { exitCode: c.exitCode ?? 0 };
    if (c.reason) t.reason = c.reason;
    if (c.message) t.message = c.message;
    t.startedAt = c.startedAt !== undefined ? rfc3339(c.startedAt) : null;
    t.finishedAt = c.finishedAt !== undefined ? rfc3339(c.finishedAt) : null;
    t.containerID = cid;
    status.state = { terminated: t };
  } else if (old && isJsonObject(stateOf(old).running)) {
    status.state = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null } };
    status.restartCount = (typeof old.restartCount === 'number' ? old.restartCount : 0) + 1;
  } else status.state = { waiting: {} };
  return status;
}

/**
 * Statuses of `containers` (the pod's init containers or its app containers): init containers in
 * spec order, app containers sorted by name (as upstream's SortedContainerStatuses).
 */
export function containerStatuses(input: ContainerStatusInput, containers: readonly JsonObject[], isInit: boolean): JsonObject[] {
  const hasInit = objsAt(input.spec, 'initContainers').length > 0;
  const oldByName = new Map(input.previous.map((s) => [strAt(s, 'name'), s]));
  const defaultWaiting = { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  const statuses = new Map<string, JsonObject>();
  for (const c of containers) {
    const name = strAt(c, 'name');
    let status: JsonObject = { name, image: strAt(c, 'image'), state: defaultWaiting, imageID: '', lastState: {}, ready: false, restartCount: 0 };
    const mounts = volumeMountStatuses(c);
    if (mounts) status.volumeMounts = mounts;
    const old = oldByName.get(name);
    if (old) {
      if (isJsonObject(stateOf(old).terminated)) status = { ...old };
      else {
        status.restartCount = typeof old.restartCount === 'number' ? old.restartCount : 0;
        status.lastState = isJsonObject(old.lastState) ? old.lastState : {};
      }
    }
    statuses.set(name, status);
  }

  // A container that used to run and now shows only as created: it did terminate, status unknown.
  for (const c of containers) {
    const name = strAt(c, 'name');
    if (!input.runtimePod.containers.some((r) => r.name === name && r.state === 'created')) continue;
    const old = oldByName.get(name);
    if (!old || isJsonObject(stateOf(old).terminated) || !isJsonObject(stateOf(old).running)) continue;
    const status = statuses.get(name);
    if (!status) continue;
    const w = stateOf(status).waiting;
    const isDefault = isJsonObject(w) && w.reason === (hasInit ? 'PodInitializing' : 'ContainerCreating');
    if (!isDefault || (isJsonObject(status.lastState) && isJsonObject(status.lastState.terminated))) continue;
    status.lastState = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running', startedAt: null, finishedAt: null } };
    if (!input.deleting) status.restartCount = (typeof status.restartCount === 'number' ? status.restartCount : 0) + 1;
  }

  // Newest instance → state; the one before → lastState.
  const seen = new Map<string, number>();
  for (const r of input.runtimePod.containers) {
    const current = statuses.get(r.name);
    if (!current) continue;
    const n = seen.get(r.name) ?? 0;
    if (n >= 2) continue;
    const converted = convert(r, input.runtimeName, oldByName.get(r.name));
    if (n === 0) {
      const mounts = current.volumeMounts;
      const next: JsonObject = { ...converted, lastState: {}, ready: false };
      if (mounts) next.volumeMounts = mounts;
      statuses.set(r.name, next);
    } else current.lastState = converted.state as JsonObject;
    seen.set(r.name, n + 1);
  }

  // Containers the last sync could not start are waiting, with the reason.
  for (const c of containers) {
    const name = strAt(c, 'name');
    if (isInit) {
      const r = latestContainer(input.runtimePod, name);
      if (r && r.state === 'exited' && r.exitCode === 0) continue;
    }
    if (!shouldContainerBeRestarted(c, input.spec, input.deleting, input.runtimePod)) continue;
    const failure = input.failures.get(name);
    if (!failure) continue;
    const status = statuses.get(name);
    if (!status) continue;
    if (isJsonObject(stateOf(status).terminated)) status.lastState = status.state as JsonObject;
    status.state = { waiting: failure.message ? { reason: failure.reason, message: failure.message } : { reason: failure.reason } };
  }

  const list = containers.map((c) => statuses.get(strAt(c, 'name'))).filter((s): s is JsonObject => s !== undefined);
  return isInit ? list : list.sort((a, b) => (strAt(a, 'name') < strAt(b, 'name') ? -1 : strAt(a, 'name') > strAt(b, 'name') ? 1 : 0));
}
