/**
 * The kubelet's pods as the streaming API (logs, exec, attach, port-forward, stats) sees them:
 * from the container statuses the kubelet reports, as upstream's validateContainerLogStatus reads
 * them — `state.running`/`state.terminated` is the current instance, `lastState.terminated` the
 * previous one, `state.waiting.reason` why there is none.
 */
import { objsAt, strAt, type JsonObject } from '../api/json-access.js';
import { isJsonObject, type KubeObject } from '../api/object.js';
import type { RuntimePod } from './runtime-pod.js';
import type { StreamingContainer, StreamingPod } from './server/pod-lookup.js';

function runtimeId(containerId: unknown): string {
  return typeof containerId === 'string' ? containerId.replace(/^[a-z-]+:\/\//, '') : '';
}

function streamingContainer(s: JsonObject, rp: RuntimePod): StreamingContainer {
  const name = strAt(s, 'name');
  const state = isJsonObject(s.state) ? s.state : {};
  const last = isJsonObject(s.lastState) ? s.lastState : {};
  const out: { name: string; current?: StreamingContainer['current']; previous?: { id: string }; waitingReason?: string } = { name };
  const running = isJsonObject(state.running) ? state.running : undefined;
  const terminated = isJsonObject(state.terminated) ? state.terminated : undefined;
  const id = runtimeId(s.containerID) || runtimeId(terminated?.containerID);
  if ((running || terminated) && id) {
    const rc = rp.containers.find((c) => c.id === id);
    const startedAt = rc?.startedAt ?? (running ? Date.parse(strAt(running, 'startedAt')) : undefined);
    out.current = { id, running: running !== undefined, ...(startedAt !== undefined && Number.isFinite(startedAt) ? { startedAt } : {}) };
  }
  if (isJsonObject(last.terminated)) {
    const prev = runtimeId(last.terminated.containerID);
    if (prev) out.previous = { id: prev };
  }
  if (isJsonObject(state.waiting)) out.waitingReason = strAt(state.waiting, 'reason');
  return out;
}

export function streamingPod(pod: KubeObject, status: JsonObject | undefined, rp: RuntimePod): StreamingPod {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const containers = status ? [...objsAt(status, 'initContainerStatuses'), ...objsAt(status, 'containerStatuses'), ...objsAt(status, 'ephemeralContainerStatuses')].map((s) => streamingContainer(s, rp)) : [];
  const sandbox = rp.sandboxes[0];
  const startTime = status ? Date.parse(strAt(status, 'startTime')) : Number.NaN;
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
    hostNetwork: spec.hostNetwork === true,
    ...(sandbox ? { sandboxId: sandbox.id } : {}),
    containers,
    ...(Number.isFinite(startTime) ? { startTime } : {}),
  };
}
