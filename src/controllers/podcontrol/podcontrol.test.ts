import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/clock.js';
import { ControllerExpectations, EXPECTATIONS_TTL_MS } from './expectations.js';
import { podFromTemplate } from './pod-control.js';
import { isPodAvailable, podsToDelete } from './pod-utils.js';
import { slowStartBatch } from './slow-start.js';
import type { Pod } from './workload-types.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');

function pod(name: string, o: { node?: string; phase?: string; readySince?: number; created?: number; restarts?: number; cost?: string } = {}): Pod {
  return {
    metadata: { name, uid: name, creationTimestamp: at(o.created ?? 0), ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}) },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.readySince !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: at(o.readySince) }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('pods to delete', () => {
  const now = T0 + 3600_000;
  const names = (ps: Pod[]) => ps.map((p) => p.metadata.name);

  it('prefers unscheduled, then pending, then not ready pods', () => {
    const pods = [pod('ready', { node: 'n', readySince: 10 }), pod('pending', { node: 'n', phase: 'Pending' }), pod('unscheduled', { phase: 'Pending' }), pod('notready', { node: 'n' })];
    expect(names(podsToDelete(pods, [], 3, now))).toEqual(['unscheduled', 'pending', 'notready']);
  });

  it('then lower deletion cost, doubled-up nodes, shorter readiness, more restarts, newer pods', () => {
    expect(names(podsToDelete([pod('a', { node: 'n', readySince: 1 }), pod('b', { node: 'n', readySince: 1, cost: '-5' })], [], 1, now))).toEqual(['b']);
    const related = [pod('x', { node: 'busy' }), pod('y', { node: 'busy' })];
    expect(names(podsToDelete([pod('a', { node: 'calm', readySince: 1 }), pod('b', { node: 'busy', readySince: 1 })], related, 1, now))).toEqual(['b']);
    // Ready for ~1 minute vs ~1 hour: different logarithmic buckets.
    expect(names(podsToDelete([pod('old', { node: 'n', readySince: 0 }), pod('young', { node: 'n', readySince: 3540 })], [], 1, now))).toEqual(['young']);
    expect(names(podsToDelete([pod('calm', { node: 'n', readySince: 5 }), pod('flappy', { node: 'n', readySince: 5, restarts: 3 })], [], 1, now))).toEqual(['flappy']);
    expect(names(podsToDelete([pod('old', { node: 'n', readySince: 5, created: 0 }), pod('new', { node: 'n', readySince: 5, created: 3000 })], [], 1, now))).toEqual(['new']);
  });

  it('returns every pod when all go', () => {
    expect(podsToDelete([pod('a'), pod('b')], [], 5, now)).toHaveLength(2);
  });
});

describe('availability', () => {
  it('needs readiness for strictly more than minReadySeconds', () => {
    const p = pod('p', { readySince: 0 });
    expect(isPodAvailable(p, 0, T0)).toBe(true);
    expect(isPodAvailable(p, 10, T0 + 10_000)).toBe(false);
    expect(isPodAvailable(p, 10, T0 + 10_001)).toBe(true);
    expect(isPodAvailable(pod('q'), 0, T0)).toBe(false);
  });
});

describe('ControllerExpectations', () => {
  it('is satisfied once creations and the expected deletions are observed, or after the TTL', () => {
    const clock = new FakeClock(T0);
    const e = new ControllerExpectations({ clock });
    expect(e.satisfied('k')).toBe(true);
    e.expectCreations('k', 2);
    e.creationObserved('k');
    expect(e.satisfied('k')).toBe(false);
    e.creationObserved('k');
    expect(e.satisfied('k')).toBe(true);
    e.expectDeletions('k', ['ns/a', 'ns/b']);
    e.deletionObserved('k', 'ns/a');
    e.deletionObserved('k', 'ns/a'); // the final delete after the deletionTimestamp update
    e.deletionObserved('k', 'ns/zzz');
    expect(e.satisfied('k')).toBe(false);
    clock.advance(EXPECTATIONS_TTL_MS + 1);
    expect(e.satisfied('k')).toBe(true);
  });

  it('counts untracked deletions and lowered writes (SetExpectations / LowerExpectations)', () => {
    const e = new ControllerExpectations({ clock: new FakeClock(T0) });
    e.set('k', 1, 2);
    e.deletionObserved('k');
    e.lower('k', 1, 0); // a create that failed produces no event
    expect(e.satisfied('k')).toBe(false);
    e.deletionObserved('k');
    expect(e.satisfied('k')).toBe(true);
    e.expectDeletions('k', 1);
    e.deletionObserved('k', 'ns/any');
    expect(e.satisfied('k')).toBe(true);
    e.delete('k');
    e.deletionObserved('k');
    expect(e.satisfied('k')).toBe(true);
  });
});

describe('slowStartBatch', () => {
  it('runs batches of 1, 2, 4 … and stops after a failing batch', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let calls = 0;
    const fn = async () => {
      const n = ++calls;
      inFlight++;
      await Promise.resolve();
      batches.push(inFlight);
      inFlight--;
      if (n === 5) throw new Error('quota');
    };
    const r = await slowStartBatch(20, 1, fn);
    expect(calls).toBe(7); // 1 + 2 + 4; the batch with the failure completes, no more after it
    expect(r.successes).toBe(6);
    expect((r.error as Error).message).toBe('quota');
    expect(Math.max(...batches)).toBe(4);
    expect((await slowStartBatch(7, 1, async () => undefined)).successes).toBe(7);
  });
});

describe('podFromTemplate', () => {
  it('copies labels, annotations, finalizers and spec, with generateName and the controller ref', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true, blockOwnerDeletion: true };
    const p = podFromTemplate({ metadata: { labels: { a: 'b' }, annotations: { x: 'y' }, finalizers: ['f'] }, spec: { containers: [] } }, 'web-1', ref);
    expect(p).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-1-', labels: { a: 'b' }, annotations: { x: 'y' }, finalizers: ['f'], ownerReferences: [ref] }, spec: { containers: [] } });
  });
});
