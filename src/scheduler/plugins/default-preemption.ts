/**
 * DefaultPreemption (kube-scheduler plugins/defaultpreemption + framework/preemption), the
 * PostFilter that makes room for a pod that fits nowhere by evicting lower-priority pods:
 *
 *  1. Eligibility: preemptionPolicy Never never preempts; a pod whose nominated node still has
 *     a lower-priority pod terminating because of an earlier preemption waits for it.
 *  2. Candidates: nodes rejected with Unschedulable (not Unresolvable). On a copy of each, all
 *     lower-priority pods are removed; if the pod then fits, victims are "reprieved" one by one
 *     from the highest priority down (PDB-violating ones first) while the pod still fits. The
 *     search starts at a random node and stops after max(100, 10% of the nodes) candidates.
 *  3. Choice: fewest PDB violations, then lowest highest-victim priority, lowest sum of
 *     priorities, fewest victims, latest start of the highest-priority victims, first found.
 *  4. Action: each victim gets the DisruptionTarget condition (PreemptionByScheduler) and is
 *     deleted, with a `Preempted` event; lower-priority pods nominated to that node lose their
 *     nomination; the preemptor is nominated to the node and waits for the room to free up.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339, type KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/index.js';
import { resources } from '../../client/client.js';
import { Diagnosis, FitError } from '../framework/fit-error.js';
import type { CycleState, FrameworkHandle, NodeToStatus, PostFilterResult, SchedulerPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Code, Status } from '../framework/status.js';
import { PluginName } from './names.js';

export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface DefaultPreemptionOptions {
  /** minCandidateNodesPercentage (default 10). */
  readonly minCandidateNodesPercentage?: number;
  /** minCandidateNodesAbsolute (default 100). */
  readonly minCandidateNodesAbsolute?: number;
}

interface Candidate {
  readonly node: string;
  /** Highest priority first. */
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

interface Pdb {
  readonly namespace: string;
  readonly selector: ReturnType<typeof labelSelectorFromObject>;
  readonly allowed: number;
  readonly disrupted: ReadonlySet<string>;
}

/** util.MoreImportantPod: higher priority first, then the earlier start (unstarted pods last). */
export function moreImportant(a: PodInfo, b: PodInfo, now: number): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return (a.startMs ?? now) < (b.startMs ?? now);
}

/** A victim being removed because of a preemption (podTerminatingByPreemption). */
function terminatingByPreemption(p: PodInfo): boolean {
  if (!p.deleting) return false;
  const status = isJsonObject(p.pod.status) ? p.pod.status : {};
  const conds = Array.isArray(status.conditions) ? status.conditions : [];
  for (const c of conds) {
    if (isJsonObject(c) && c.type === 'DisruptionTarget') return c.status === 'True' && c.reason === 'PreemptionByScheduler';
  }
  return false;
}

function parsePdbs(list: readonly KubeObject[]): Pdb[] {
  const out: Pdb[] = [];
  for (const pdb of list) {
    const spec = isJsonObject(pdb.spec) ? pdb.spec : {};
    const status = isJsonObject(pdb.status) ? pdb.status : {};
    let selector;
    try {
      selector = labelSelectorFromObject(spec.selector ?? null);
    } catch {
      continue; // an invalid selector matches nothing
    }
    out.push({
      namespace: pdb.metadata.namespace ?? '',
      selector,
      allowed: typeof status.disruptionsAllowed === 'number' ? status.disruptionsAllowed : 0,
      disrupted: new Set(isJsonObject(status.disruptedPods) ? Object.keys(status.disruptedPods) : []),
    });
  }
  return out;
}

/** filterPodsWithPDBViolation: victims whose eviction would exceed a budget, and the others. */
function splitByPdbViolation(pods: readonly PodInfo[], pdbs: readonly Pdb[]): [PodInfo[], PodInfo[]] {
  const allowed = pdbs.map((p) => p.allowed);
  const violating: PodInfo[] = [];
  const ok: PodInfo[] = [];
  for (const p of pods) {
    let violated = false;
    if (Object.keys(p.labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        if (pdb.namespace !== p.namespace) return;
        if (pdb.selector.isEmpty() || !pdb.selector.matches(p.labels)) return;
        if (pdb.disrupted.has(p.name)) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : ok).push(p);
  }
  return [violating, ok];
}

export function defaultPreemptionPlugin(handle: FrameworkHandle, options: DefaultPreemptionOptions = {}): SchedulerPlugin {
  const minPercentage = options.minCandidateNodesPercentage ?? 10;
  const minAbsolute = options.minCandidateNodesAbsolute ?? 100;
  const { cluster, clock } = handle;

  const eligible = (pod: PodInfo, nominatedStatus: Status | undefined): string | undefined => {
    if (pod.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    if (pod.nominatedNodeName !== '') {
      if (nominatedStatus?.code === Code.UnschedulableAndUnresolvable) return undefined;
      const node = cluster.node(pod.nominatedNodeName);
      if (node) for (const p of node.pods) if (p.priority < pod.priority && terminatingByPreemption(p)) return 'not eligible due to a terminating pod on the nominated node.';
    }
    return undefined;
  };

  /** SelectVictimsOnNode, on copies of the node and the cycle state. */
  const selectVictims = (state: CycleState, pod: PodInfo, node: NodeInfo, pdbs: readonly Pdb[]): { victims: PodInfo[]; violations: number } | Status => {
    const potential: PodInfo[] = [];
    for (const p of node.pods) {
      if (p.priority >= pod.priority) continue;
      potential.push(p);
    }
    for (const p of potential) {
      node.removePod(p.uid);
      handle.runPreFilterRemovePod(state, pod, p, node);
    }
    const fits = handle.runFilterWithNominatedPods(state, pod, node);
    if (fits !== null) return fits;
    const now = clock.now();
    potential.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
    const [violating, nonViolating] = splitByPdbViolation(potential, pdbs);
    const victims: PodInfo[] = [];
    let violations = 0;
    const reprieve = (p: PodInfo): boolean => {
      node.addPod(p);
      handle.runPreFilterAddPod(state, pod, p, node);
      if (handle.runFilterWithNominatedPods(state, pod, node) === null) return true;
      node.removePod(p.uid);
      handle.runPreFilterRemovePod(state, pod, p, node);
      victims.push(p);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) violations++;
    for (const p of nonViolating) reprieve(p);
    return { victims, violations };
  };

  const pickOne = (candidates: readonly Candidate[]): Candidate => {
    const now = clock.now();
    const criteria: ((c: Candidate) => number)[] = [
      (c) => -c.numPDBViolations,
      (c) => -c.victims[0].priority,
      (c) => -c.victims.reduce((s, v) => s + v.priority + 2147483648, 0),
      (c) => -c.victims.length,
      (c) => {
        // The earliest start among the highest-priority victims; later is better.
        const top = c.victims[0].priority;
        let earliest = Infinity;
        for (const v of c.victims) if (v.priority === top) earliest = Math.min(earliest, v.startMs ?? now);
        return earliest;
      },
    ];
    let remaining = candidates;
    for (const f of criteria) {
      if (remaining.length === 1) break;
      let best = -Infinity;
      let next: Candidate[] = [];
      for (const c of remaining) {
        const s = f(c);
        if (s > best) {
          best = s;
          next = [c];
        } else if (s === best) next.push(c);
      }
      remaining = next;
    }
    return remaining[0];
  };

  const patchStatus = async (p: PodInfo, body: unknown): Promise<void> => {
    try {
      await handle.client.patch(resources.pods, p.namespace, p.name, 'strategic', body, { subresource: 'status', fieldManager: handle.fieldManager });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  };

  const preemptVictim = async (preemptor: PodInfo, victim: PodInfo, nodeName: string): Promise<void> => {
    const current = handle.currentPod(victim.namespace, victim.name);
    const status = current && isJsonObject(current.status) ? current.status : {};
    const conds = Array.isArray(status.conditions) ? status.conditions : [];
    const has = conds.some((c) => isJsonObject(c) && c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'PreemptionByScheduler');
    if (!has) {
      await patchStatus(victim, {
        status: {
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              lastProbeTime: null,
              lastTransitionTime: rfc3339(clock.now()),
              reason: 'PreemptionByScheduler',
              message: `${preemptor.schedulerName}: preempting to accommodate a higher priority pod`,
            },
          ],
        },
      });
    }
    try {
      await handle.client.delete(resources.pods, victim.namespace, victim.name, { preconditions: { uid: victim.uid } });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
    handle.recorder.event(victim.pod, 'Normal', 'Preempted', `Preempted by pod ${preemptor.uid} on node ${nodeName}`);
  };

  return {
    name: PluginName.DefaultPreemption,
    async postFilter(state, pod, statuses: NodeToStatus): Promise<PostFilterResult> {
      const notEligible = eligible(pod, pod.nominatedNodeName ? statuses.get(pod.nominatedNodeName) : undefined);
      if (notEligible !== undefined) return { nominating: undefined, status: Status.unschedulable(`preemption: ${notEligible}`) };

      const all = cluster.nodes();
      if (all.length === 0) return { nominating: undefined, status: Status.error('preemption: no nodes available') };
      const potential = statuses.nodesWithCode(all, Code.Unschedulable);
      const diagnosis = new Diagnosis();
      const candidates: Candidate[] = [];
      if (potential.length > 0) {
        const pdbs = parsePdbs(handle.podDisruptionBudgets());
        let wanted = Math.trunc((potential.length * minPercentage) / 100);
        wanted = Math.min(Math.max(wanted, minAbsolute), potential.length);
        const offset = Math.floor(handle.random() * potential.length);
        let nonViolating = 0;
        for (let i = 0; i < potential.length; i++) {
          const node = potential[(offset + i) % potential.length];
          if (!node.pods.some((p) => p.priority < pod.priority)) {
            diagnosis.nodeToStatus.set(node.name, Status.unresolvable(MSG_NO_VICTIMS));
            continue;
          }
          const r = selectVictims(state.clone(), pod, node.clone(), pdbs);
          if (r instanceof Status) {
            diagnosis.nodeToStatus.set(node.name, r);
            continue;
          }
          if (r.victims.length === 0) {
            diagnosis.nodeToStatus.set(node.name, Status.error(`expected at least one victim pod on node "${node.name}"`));
            continue;
          }
          candidates.push({ node: node.name, victims: r.victims, numPDBViolations: r.violations });
          if (r.violations === 0) nonViolating++;
          if (nonViolating > 0 && candidates.length >= wanted) break;
        }
      }
      if (candidates.length === 0) {
        diagnosis.nodeToStatus.absentNodesStatus = Status.unresolvable(MSG_NOT_HELPFUL);
        const fit = new FitError(all.length, diagnosis);
        return { nominating: { mode: 'override', nodeName: '' }, status: Status.unschedulable(`preemption: ${fit.message()}`) };
      }
      // Non-violating candidates first, as upstream lists them.
      candidates.sort((a, b) => (a.numPDBViolations === 0 ? 0 : 1) - (b.numPDBViolations === 0 ? 0 : 1));
      const best = pickOne(candidates);
      await Promise.all(best.victims.map((v) => preemptVictim(pod, v, best.node)));
      // Lower-priority pods nominated to this node may no longer fit there.
      for (const np of handle.nominated.nominatedPodsForNode(best.node)) {
        if (np.priority < pod.priority && np.uid !== pod.uid) await patchStatus(np, { status: { nominatedNodeName: null } });
      }
      return { nominating: { mode: 'override', nodeName: best.node }, status: null };
    },
  };
}
