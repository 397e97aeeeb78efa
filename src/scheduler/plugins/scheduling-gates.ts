/** SchedulingGates: pods with spec.schedulingGates wait outside the active queue (PreEnqueue). */
import { ActionType, type SchedulerPlugin } from '../framework/interfaces.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export function schedulingGatesPlugin(): SchedulerPlugin {
  return {
    name: PluginName.SchedulingGates,
    events: [{ resource: 'UnscheduledPod', actions: ActionType.UpdatePodSchedulingGatesEliminated }],
    preEnqueue(pod) {
      if (pod.schedulingGates.length === 0) return null;
      return Status.unresolvable(`waiting for scheduling gates: [${pod.schedulingGates.join(' ')}]`);
    },
  };
}
