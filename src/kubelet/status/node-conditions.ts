/**
 * The node conditions a kubelet posts (pkg/kubelet/nodestatus/setters.go): MemoryPressure,
 * DiskPressure, PIDPressure and Ready, with upstream's reasons and messages. Pure: shared by the
 * real kubelet and the simulated ones.
 *
 * Each condition gets this heartbeat's lastHeartbeatTime and keeps its lastTransitionTime while
 * its status is unchanged; conditions the kubelet does not own (NetworkUnavailable …) are kept.
 */
import { objsAt, strAt } from '../../api/json-access.js';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';

export interface NodeConditionState {
  readonly ready: boolean;
  /** Why the kubelet is not ready (KubeletNotReady's message), e.g. `container runtime is down`. */
  readonly notReadyMessage?: string;
  readonly memoryPressure: boolean;
  readonly diskPressure: boolean;
  readonly pidPressure: boolean;
}

export const KUBELET_NODE_CONDITIONS: readonly string[] = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];

const TEXT = {
  MemoryPressure: {
    False: { reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    True: { reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' },
  },
  DiskPressure: {
    False: { reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    True: { reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' },
  },
  PIDPressure: {
    False: { reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    True: { reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' },
  },
} as const;

/** The conditions list for a status post at `now`. */
export function nodeConditions(state: NodeConditionState, now: number, current: KubeObject | undefined): JsonObject[] {
  const stamp = rfc3339(now);
  const old = current && isJsonObject(current.status) ? objsAt(current.status, 'conditions') : [];
  const make = (type: string, status: 'True' | 'False', reason: string, message: string): JsonObject => {
    const prev = old.find((c) => c.type === type);
    const transition = prev && prev.status === status && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : stamp;
    return { type, status, lastHeartbeatTime: stamp, lastTransitionTime: transition, reason, message };
  };
  const pressure = (type: keyof typeof TEXT, on: boolean) => {
    const t = TEXT[type][on ? 'True' : 'False'];
    return make(type, on ? 'True' : 'False', t.reason, t.message);
  };
  const others = old.filter((c) => !KUBELET_NODE_CONDITIONS.includes(strAt(c, 'type')));
  return [
    ...others,
    pressure('MemoryPressure', state.memoryPressure),
    pressure('DiskPressure', state.diskPressure),
    pressure('PIDPressure', state.pidPressure),
    state.ready ? make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : make('Ready', 'False', 'KubeletNotReady', state.notReadyMessage ?? 'container runtime is down'),
  ];
}

/** The events a kubelet records when a condition changes (`Node n status is now: NodeReady` …). */
export function nodeConditionEvents(before: NodeConditionState | undefined, after: NodeConditionState): string[] {
  const out: string[] = [];
  const flip = (prev: boolean | undefined, now: boolean, on: string, off: string) => {
    if (prev === now) return;
    out.push(now ? on : off);
  };
  flip(before?.memoryPressure, after.memoryPressure, 'NodeHasInsufficientMemory', 'NodeHasSufficientMemory');
  flip(before?.diskPressure, after.diskPressure, 'NodeHasDiskPressure', 'NodeHasNoDiskPressure');
  flip(before?.pidPressure, after.pidPressure, 'NodeHasInsufficientPID', 'NodeHasSufficientPID');
  flip(before?.ready, after.ready, 'NodeReady', 'NodeNotReady');
  return out;
}
