import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import { Code } from '../framework/status.js';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod, type PodFixture } from '../testing/fixtures.js';

interface Calls {
  patched: { name: string; body: unknown }[];
  deleted: string[];
}

function harness(nodes: KubeObject[], pods: KubeObject[], pdbs: KubeObject[] = []): { h: Harness; calls: Calls } {
  const calls: Calls = { patched: [], deleted: [] };
  const client: Partial<Client> = {
    patch: async (_ref, _ns, name, _kind, body) => {
      calls.patched.push({ name, body });
      return { metadata: { name } };
    },
    delete: async (_ref, _ns, name) => {
      calls.deleted.push(name);
      return undefined;
    },
  };
  return { h: new Harness(nodes, pods, { client, pdbs }), calls };
}

const bound = (name: string, node: string, f: PodFixture) => makePod(name, { nodeName: node, phase: 'Running', ...f });

describe('DefaultPreemption', () => {
  it('evicts the fewest lowest-priority pods and nominates the node', async () => {
    const { h, calls } = harness([makeNode('n', { cpu: '3' })], [bound('low1', 'n', { cpu: '1', priority: 1 }), bound('low2', 'n', { cpu: '1', priority: 2 }), bound('mid', 'n', { cpu: '1', priority: 5 })]);
    const r = await h.postFilter(makePod('vip', { cpu: '2', priority: 10, uid: 'vip-uid' }));
    expect(r).toEqual({ nominated: 'n', status: null });
    expect(calls.deleted.sort()).toEqual(['low1', 'low2']);
    expect(calls.patched.map((p) => p.name).sort()).toEqual(['low1', 'low2']);
    expect(calls.patched[0].body).toMatchObject({
      status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' }] },
    });
    expect(h.events.map((e) => [e.object.metadata.name, e.reason, e.message]).sort()).toEqual([
      ['low1', 'Preempted', 'Preempted by pod vip-uid on node n'],
      ['low2', 'Preempted', 'Preempted by pod vip-uid on node n'],
    ]);
  });

  it('prefers the node whose most important victim has the lowest priority', async () => {
    const { h, calls } = harness([makeNode('n1', { cpu: '1' }), makeNode('n2', { cpu: '1' })], [bound('a', 'n1', { cpu: '1', priority: 5 }), bound('b', 'n2', { cpu: '1', priority: 1 })]);
    expect((await h.postFilter(makePod('vip', { cpu: '1', priority: 10 }))).nominated).toBe('n2');
    expect(calls.deleted).toEqual(['b']);
  });

  it('prefers fewer victims at equal priorities', async () => {
    const { h } = harness(
      [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })],
      [bound('a', 'n1', { cpu: '1', priority: 1 }), bound('b', 'n1', { cpu: '1', priority: 1 }), bound('c', 'n2', { cpu: '2', priority: 1 })],
    );
    expect((await h.postFilter(makePod('vip', { cpu: '2', priority: 10 }))).nominated).toBe('n2');
  });

  it('avoids violating PodDisruptionBudgets', async () => {
    const pdb: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'keep', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'keep' } } }, status: { disruptionsAllowed: 0 } };
    const { h, calls } = harness(
      [makeNode('n1', { cpu: '1' }), makeNode('n2', { cpu: '1' })],
      [bound('protected', 'n1', { cpu: '1', priority: 1, labels: { app: 'keep' } }), bound('free', 'n2', { cpu: '1', priority: 1, labels: { app: 'other' } })],
      [pdb],
    );
    expect((await h.postFilter(makePod('vip', { cpu: '1', priority: 10 }))).nominated).toBe('n2');
    expect(calls.deleted).toEqual(['free']);
  });

  it('still preempts when every candidate violates a budget', async () => {
    const pdb: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'keep', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'keep' } } }, status: { disruptionsAllowed: 0 } };
    const { h, calls } = harness([makeNode('n1', { cpu: '1' })], [bound('protected', 'n1', { cpu: '1', priority: 1, labels: { app: 'keep' } })], [pdb]);
    expect((await h.postFilter(makePod('vip', { cpu: '1', priority: 10 }))).nominated).toBe('n1');
    expect(calls.deleted).toEqual(['protected']);
  });

  it('says why preemption cannot help', async () => {
    const { h, calls } = harness(
      [makeNode('same', { cpu: '1' }), makeNode('tainted', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), makeNode('tiny', { cpu: '1' })],
      [bound('peer', 'same', { cpu: '1', priority: 10 })],
    );
    // More cpu than any node has, and a taint: removing pods cannot help anywhere.
    const r2 = await h.postFilter(makePod('q', { cpu: '1500m', priority: 10 }));
    expect(r2.nominated).toBe('');
    expect(r2.status).toMatchObject({
      code: Code.Unschedulable,
      reasons: ['preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'],
    });
    expect(calls.deleted).toEqual([]);
  });

  it('finds no victims among pods of equal or higher priority', async () => {
    const { h } = harness([makeNode('n', { cpu: '1' })], [bound('peer', 'n', { cpu: '1', priority: 10 })]);
    const r = await h.postFilter(makePod('p', { cpu: '1', priority: 10 }));
    expect(r.status?.reasons).toEqual(['preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.']);
  });

  it('reports what still blocks the pod after removing every victim', async () => {
    const { h } = harness([makeNode('n', { cpu: '2' })], [bound('low', 'n', { cpu: '1', priority: 1 }), bound('high', 'n', { cpu: '1', priority: 100 })]);
    const r = await h.postFilter(makePod('p', { cpu: '2', priority: 10 }));
    expect(r.status?.reasons).toEqual(['preemption: 0/1 nodes are available: 1 Insufficient cpu.']);
  });

  it('respects preemptionPolicy Never', async () => {
    const { h, calls } = harness([makeNode('n', { cpu: '1' })], [bound('low', 'n', { cpu: '1', priority: 1 })]);
    const r = await h.postFilter(makePod('p', { cpu: '1', priority: 10, preemptionPolicy: 'Never' }));
    expect(r).toEqual({ nominated: undefined, status: expect.objectContaining({ reasons: ['preemption: not eligible due to preemptionPolicy=Never.'] }) });
    expect(calls.deleted).toEqual([]);
  });

  it('treats pods nominated to a node as already there for lower-priority pods', () => {
    const { h } = harness([makeNode('n', { cpu: '1' })], []);
    const vip = makePod('vip', { cpu: '1', priority: 10 });
    (vip.status as Record<string, unknown>).nominatedNodeName = 'n';
    h.nominator.add(h.pendingPod(vip));
    expect(h.feasible(makePod('low', { cpu: '1', priority: 1 }))).toEqual([]);
    expect(h.feasible(makePod('peer', { cpu: '1', priority: 10 }))).toEqual([]);
    expect(h.feasible(makePod('top', { cpu: '1', priority: 100 }))).toEqual(['n']);
  });
});
