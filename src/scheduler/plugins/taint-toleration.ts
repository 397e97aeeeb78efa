/**
 * TaintToleration: a node's NoSchedule / NoExecute taints must be tolerated (Filter); nodes
 * with fewer untolerated PreferNoSchedule taints score higher (Score, normalized in reverse).
 */
import { ActionType, defaultNormalizeScore, type SchedulerPlugin } from '../framework/interfaces.js';
import { Status } from '../framework/status.js';
import { doNotScheduleTaint, findUntoleratedTaint, tolerationsTolerateTaint, type Toleration } from '../framework/taints.js';
import { PluginName } from './names.js';

const PRE_SCORE_KEY = 'PreScore' + PluginName.TaintToleration;

export function taintTolerationPlugin(): SchedulerPlugin {
  return {
    name: PluginName.TaintToleration,
    events: [
      // isSchedulableAfterNodeChange: only a node whose taints the pod tolerates helps.
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint, hint: (pod, ev) => !ev.node || !findUntoleratedTaint(ev.node.taints, pod.tolerations, doNotScheduleTaint) },
      { resource: 'UnscheduledPod', actions: ActionType.UpdatePodTolerations },
    ],
    filter(_state, pod, node) {
      if (node.taints.length === 0) return null;
      const taint = findUntoleratedTaint(node.taints, pod.tolerations, doNotScheduleTaint);
      if (!taint) return null;
      return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value}}`);
    },
    preScore(state, pod) {
      // Only tolerations that can apply to PreferNoSchedule taints count for scoring.
      const tolerations: Toleration[] = pod.tolerations.filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule');
      state.write(PRE_SCORE_KEY, tolerations);
      return null;
    },
    score(state, _pod, node) {
      if (node.taints.length === 0) return 0;
      const tolerations = state.read<Toleration[]>(PRE_SCORE_KEY) ?? [];
      let n = 0;
      for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) n++;
      return n;
    },
    normalizeScores(_state, _pod, _nodes, scores) {
      defaultNormalizeScore(scores, true);
    },
  };
}
