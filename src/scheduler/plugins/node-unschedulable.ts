/**
 * NodeUnschedulable: nodes with spec.unschedulable (cordoned) take no new pods, except pods
 * that tolerate the `node.kubernetes.io/unschedulable:NoSchedule` taint.
 */
import { ActionType, type SchedulerPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { tolerationsTolerateTaint } from '../framework/taints.js';
import { PluginName } from './names.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' };

export function nodeUnschedulablePlugin(): SchedulerPlugin {
  return {
    name: PluginName.NodeUnschedulable,
    events: [
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint, hint: (pod, ev) => !ev.node || !ev.node.unschedulable || tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) },
      { resource: 'UnscheduledPod', actions: ActionType.UpdatePodTolerations },
    ],
    filter(_state, pod: PodInfo, node: NodeInfo) {
      if (!node.unschedulable) return null;
      if (tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT)) return null;
      return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  };
}
