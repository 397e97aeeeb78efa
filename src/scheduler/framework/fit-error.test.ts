import { describe, expect, it } from 'vitest';
import { Diagnosis, fitErrorMessage, truncateMessage } from './fit-error.js';
import { Status } from './status.js';

describe('fitErrorMessage', () => {
  it('counts reasons over nodes and sorts them as strings', () => {
    const d = new Diagnosis();
    for (let i = 0; i < 10; i++) d.nodeToStatus.set(`c${i}`, Status.unschedulable('Insufficient cpu'));
    d.nodeToStatus.set('t', Status.unresolvable('node(s) had untolerated taint {k: }'));
    d.nodeToStatus.set('m', Status.unschedulable('Insufficient cpu', 'Insufficient memory'));
    // "1 node(s)…" < "1 Insufficient memory"? Go sorts bytes: digits first, then upper case before lower case.
    expect(fitErrorMessage(12, d)).toBe('0/12 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: }, 11 Insufficient cpu.');
  });

  it('counts nodes without a status under the absent-nodes status', () => {
    const d = new Diagnosis();
    d.nodeToStatus.set('a', Status.unschedulable('Insufficient cpu'));
    d.nodeToStatus.absentNodesStatus = Status.unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]");
    expect(fitErrorMessage(3, d)).toBe("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].");
  });

  it('shows a PreFilter message alone, then the PostFilter message', () => {
    const d = new Diagnosis();
    d.preFilterMsg = 'pod affinity terms conflict';
    d.nodeToStatus.absentNodesStatus = Status.unresolvable('pod affinity terms conflict');
    d.postFilterMsg = 'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';
    expect(fitErrorMessage(2, d)).toBe('0/2 nodes are available: pod affinity terms conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..');
  });

  it('truncates long event notes as upstream', () => {
    const long = 'x'.repeat(2000);
    const t = truncateMessage(long);
    expect(t).toHaveLength(1024);
    expect(t.endsWith(' ...')).toBe(true);
    expect(truncateMessage('short')).toBe('short');
  });
});
