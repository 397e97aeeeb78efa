/** NodeName: a pod that names a node (spec.nodeName) fits only that node. */
import { ActionType, type SchedulerPlugin } from '../framework/interfaces.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export function nodeNamePlugin(): SchedulerPlugin {
  return {
    name: PluginName.NodeName,
    events: [{ resource: 'Node', actions: ActionType.Add }],
    filter(_state, pod, node) {
      if (pod.nodeName === '' || pod.nodeName === node.name) return null;
      return Status.unresolvable(ERR_REASON_NODE_NAME);
    },
  };
}
