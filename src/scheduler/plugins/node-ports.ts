/** NodePorts: the pod's host ports must be free on the node (0.0.0.0 clashes with any address). */
import { ActionType, type SchedulerPlugin } from '../framework/interfaces.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export function nodePortsPlugin(): SchedulerPlugin {
  return {
    name: PluginName.NodePorts,
    events: [
      { resource: 'AssignedPod', actions: ActionType.Delete },
      { resource: 'Node', actions: ActionType.Add },
    ],
    preFilter(_state, pod) {
      return { status: pod.hostPorts.length === 0 ? Status.skip() : null };
    },
    filter(_state, pod, node) {
      if (node.usedPorts.size === 0) return null;
      for (const hp of pod.hostPorts) if (node.usedPorts.conflicts(hp)) return Status.unschedulable(ERR_REASON_NODE_PORTS);
      return null;
    },
  };
}
