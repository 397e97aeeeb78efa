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
      const fractions: number[] = [];
      const cpuCap = node.allocatableMilliCPU;
      if (cpuCap !== 0) fractions.push(Math.min(1, (node.requestedMilliCPU + pod.requests.milliCPU) / cpuCap));
      const memCap = node.allocatableMemory;
      if (memCap !== 0) fractions.push(Math.min(1, (node.requestedMemory + pod.requests.memory) / memCap));
      let std = 0;
      if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    },
  };
}
