/**
 * NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be equally used
 * after placing the pod: score = (1 − std of the used fractions) × 100, on actual requests.
 */
import { MAX_NODE_SCORE, type SchedulerPlugin } from '../framework/interfaces.js';
import { PluginName } from './names.js';

export function balancedAllocationPlugin(): SchedulerPlugin {
  return {
    name: PluginName.NodeResourcesBalancedAllocation,
    score(_state, pod, node) {
      // Runs for every feasible node of every pod: no allocation. With one resource the std is 0.
      const cpuCap = node.allocatableMilliCPU;
      const memCap = node.allocatableMemory;
      let std = 0;
      if (cpuCap !== 0 && memCap !== 0) {
        const cpu = Math.min(1, (node.requestedMilliCPU + pod.requests.milliCPU) / cpuCap);
        const mem = Math.min(1, (node.requestedMemory + pod.requests.memory) / memCap);
        std = Math.abs((cpu - mem) / 2);
      }
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    },
  };
}
