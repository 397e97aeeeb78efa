/**
 * NodeAffinity: spec.nodeSelector and required node affinity must match the node (Filter);
 * preferred node affinity terms add their weights (Score, normalized by the highest). A
 * PreFilter narrows the nodes when every term pins `metadata.name`.
 */
import { ActionType, defaultNormalizeScore, type SchedulerPlugin } from '../framework/interfaces.js';
import { PreferredSchedulingTerms, RequiredNodeAffinity } from '../framework/node-selector.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

const PRE_FILTER_KEY = 'PreFilter' + PluginName.NodeAffinity;
const PRE_SCORE_KEY = 'PreScore' + PluginName.NodeAffinity;

export function nodeAffinityPlugin(): SchedulerPlugin {
  return {
    name: PluginName.NodeAffinity,
    // isSchedulableAfterNodeChange: only a node matching the pod's selector/affinity helps.
    events: [{ resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel, hint: (pod, ev) => !ev.node || new RequiredNodeAffinity(pod.pod.spec).match(ev.node.labels, ev.node.name) }],
    preFilter(state, pod) {
      const required = new RequiredNodeAffinity(pod.pod.spec);
      if (required.isEmpty) return { status: Status.skip() };
      state.write(PRE_FILTER_KEY, required);
      const terms = required.terms;
      if (!terms || terms.length === 0) return { status: null };
      // Affinity to specific node names: every term must pin names, else all nodes qualify.
      let names: Set<string> | undefined;
      for (const t of terms) {
        const termNames = t.nodeNames();
        if (!termNames) return { status: null };
        names = names ? new Set([...names, ...termNames]) : new Set(termNames);
      }
      if (names && names.size === 0) return { status: Status.unresolvable(ERR_REASON_CONFLICT) };
      return { nodeNames: names, status: null };
    },
    filter(state, _pod, node) {
      const required = state.read<RequiredNodeAffinity>(PRE_FILTER_KEY);
      if (!required || required.match(node.labels, node.name)) return null;
      return Status.unresolvable(ERR_REASON_NODE_AFFINITY);
    },
    preScore(state, pod) {
      const preferred = new PreferredSchedulingTerms(pod.pod.spec);
      if (preferred.isEmpty) return Status.skip();
      state.write(PRE_SCORE_KEY, preferred);
      return null;
    },
    score(state, _pod, node) {
      return state.read<PreferredSchedulingTerms>(PRE_SCORE_KEY)?.score(node.labels, node.name) ?? 0;
    },
    normalizeScores(_state, _pod, _nodes, scores) {
      defaultNormalizeScore(scores, false);
    },
  };
}
