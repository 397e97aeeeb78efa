/**
 * Why a pod fits no node (framework.FitError / Diagnosis), rendered exactly as kube-scheduler
 * does for FailedScheduling events and the PodScheduled condition:
 *
 *   0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.
 *   preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.
 *
 * Every reason of every node's status is counted; nodes without a status of their own count
 * under the "absent nodes" status; the "<count> <reason>" strings are sorted as strings.
 */
import { NodeToStatus } from './interfaces.js';
import type { Status } from './status.js';

export class Diagnosis {
  readonly nodeToStatus = new NodeToStatus();
  /** Plugins that rejected the pod somewhere: the cluster events worth re-queueing it for. */
  readonly unschedulablePlugins = new Set<string>();
  preFilterMsg = '';
  postFilterMsg = '';

  addPluginStatus(s: Status): void {
    if (s.plugin && s.isRejected()) this.unschedulablePlugins.add(s.plugin);
  }
}

/** The pod fits none of `numAllNodes` nodes, for the reasons in the diagnosis. */
export class FitError {
  readonly numAllNodes: number;
  readonly diagnosis: Diagnosis;

  constructor(numAllNodes: number, diagnosis: Diagnosis) {
    this.numAllNodes = numAllNodes;
    this.diagnosis = diagnosis;
  }

  /** Rendered on demand: the PostFilter message is filled in after the error is created. */
  message(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const [, s] of d.nodeToStatus.entries()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = d.nodeToStatus.absentNodesStatus;
    if (d.nodeToStatus.size < numAllNodes && absent) {
      for (const r of absent.reasons) counts.set(r, (counts.get(r) ?? 0) + numAllNodes - d.nodeToStatus.size);
    }
    const parts = [...counts].map(([r, n]) => `${n} ${r}`);
    parts.sort(byteOrder);
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}.`;
  return msg;
}

/** Go's sort.Strings order (bytes of UTF-8; the same as UTF-16 order for these texts). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** validation.NoteLengthLimit and upstream's truncateMessage for event notes. */
export const NOTE_LENGTH_LIMIT = 1024;

export function truncateMessage(message: string): string {
  if (Buffer.byteLength(message) <= NOTE_LENGTH_LIMIT) return message;
  const suffix = ' ...';
  return Buffer.from(message).subarray(0, NOTE_LENGTH_LIMIT - suffix.length).toString() + suffix;
}
