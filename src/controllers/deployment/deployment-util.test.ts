import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../podcontrol/workload-types.js';
import {
  bySizeNewer,
  bySizeOlder,
  deploymentTimedOut,
  equalIgnoreHash,
  findActiveOrLatest,
  getProportion,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  resolveFenceposts,
  setDeploymentCondition,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';
import { canonicalJson, computeHash, safeEncodeString } from './pod-template-hash.js';

function dep(replicas: number, maxSurgeV: number | string, maxUnavailableV: number | string, extra: Partial<Deployment['metadata']> = {}): Deployment {
  return {
    metadata: { name: 'web', generation: 1, ...extra },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: maxSurgeV, maxUnavailable: maxUnavailableV } } },
  };
}

function rs(name: string, replicas: number, o: { created?: string; annotations?: Record<string, string> } = {}): ReplicaSet {
  return { metadata: { name, uid: name, creationTimestamp: o.created ?? '2025-01-01T00:00:00Z', annotations: o.annotations }, spec: { replicas } };
}

describe('surge and unavailability', () => {
  it('rounds maxSurge up and maxUnavailable down, as ResolveFenceposts', () => {
    expect(resolveFenceposts('25%', '25%', 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(0, '1%', 2)).toEqual({ surge: 0, unavailable: 1 }); // both zero → unavailable 1
    expect(resolveFenceposts('1%', '25%', 2)).toEqual({ surge: 1, unavailable: 0 });
  });

  it('caps maxUnavailable at replicas and is zero for Recreate or zero replicas', () => {
    expect(maxUnavailable(dep(2, 0, 5))).toBe(2);
    expect(maxUnavailable(dep(0, 1, 1))).toBe(0);
    expect(maxSurge({ metadata: {}, spec: { replicas: 3, strategy: { type: 'Recreate' } } })).toBe(0);
  });

  it('sizes the new ReplicaSet within the surge (NewRSNewReplicas)', () => {
    const d = dep(10, 3, 2);
    const old = rs('old', 10);
    const fresh = rs('new', 0);
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(3);
    expect(newRSNewReplicas(d, [rs('old', 8), rs('new', 3)], rs('new', 3))).toBe(5);
    expect(newRSNewReplicas({ metadata: {}, spec: { replicas: 4, strategy: { type: 'Recreate' } } }, [], fresh)).toBe(4);
  });
});

describe('proportional scaling', () => {
  it('spreads added replicas by the max-replicas annotation (GetProportion)', () => {
    const d = dep(15, 3, 2);
    const annotations = { 'deployment.kubernetes.io/max-replicas': '13' };
    expect(getProportion(rs('old', 8, { annotations }), d, 5, 0)).toBe(3);
    expect(getProportion(rs('new', 5, { annotations }), d, 5, 3)).toBe(2);
    expect(getProportion(rs('empty', 0, { annotations }), d, 5, 0)).toBe(0);
  });

  it('orders ReplicaSets by size, breaking ties by age in the scaling direction', () => {
    const a = rs('a', 2, { created: '2025-01-01T00:00:00Z' });
    const b = rs('b', 2, { created: '2025-01-01T00:00:05Z' });
    const c = rs('c', 5, { created: '2025-01-01T00:00:01Z' });
    expect([a, b, c].sort(bySizeNewer).map((x) => x.metadata.name)).toEqual(['c', 'b', 'a']);
    expect([a, b, c].sort(bySizeOlder).map((x) => x.metadata.name)).toEqual(['c', 'a', 'b']);
  });

  it('finds the only active ReplicaSet, or the newest when none is active', () => {
    const old = rs('old', 0, { created: '2025-01-01T00:00:00Z' });
    const newer = rs('newer', 0, { created: '2025-01-01T00:00:09Z' });
    expect(findActiveOrLatest(undefined, [old, newer])?.metadata.name).toBe('newer');
    expect(findActiveOrLatest(rs('n', 0), [rs('o', 3)])?.metadata.name).toBe('o');
    expect(findActiveOrLatest(rs('n', 1), [rs('o', 3)])).toBeUndefined();
  });
});

describe('revisions', () => {
  it('gives a new ReplicaSet the next revision and replica annotations, copying deployment annotations', () => {
    const d = dep(3, '25%', '25%', { annotations: { 'kubernetes.io/change-cause': 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '7' } });
    const r = rs('new', 0);
    expect(setNewReplicaSetAnnotations(d, r, '2', false)).toBe(true);
    expect(r.metadata.annotations).toEqual({ 'kubernetes.io/change-cause': 'x', 'deployment.kubernetes.io/revision': '2', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  });

  it('records the old revisions of a reused ReplicaSet in revision-history', () => {
    const d = dep(3, '25%', '25%');
    const r = rs('old', 0, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
    setNewReplicaSetAnnotations(d, r, '3', true);
    expect(r.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(r.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    setNewReplicaSetAnnotations(d, r, '5', true);
    expect(r.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1,3');
    // A revision never goes down.
    expect(setNewReplicaSetAnnotations(d, r, '4', true)).toBe(false);
    expect(r.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('5');
  });
});

describe('conditions and progress', () => {
  it('keeps lastTransitionTime when only the reason changes and ignores same status+reason', () => {
    const status = { conditions: [{ type: 'Progressing', status: 'True', reason: 'A', lastUpdateTime: 't0', lastTransitionTime: 't0' }] };
    setDeploymentCondition(status, { type: 'Progressing', status: 'True', reason: 'A', lastUpdateTime: 't1', lastTransitionTime: 't1' });
    expect(status.conditions[0].lastUpdateTime).toBe('t0');
    setDeploymentCondition(status, { type: 'Progressing', status: 'True', reason: 'B', message: 'm', lastUpdateTime: 't2', lastTransitionTime: 't2' });
    expect(status.conditions[0]).toEqual({ type: 'Progressing', status: 'True', lastUpdateTime: 't2', lastTransitionTime: 't0', reason: 'B', message: 'm' });
  });

  it('times out strictly after progressDeadlineSeconds since the last update', () => {
    const d: Deployment = { metadata: {}, spec: { progressDeadlineSeconds: 10 } };
    const status = { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2025-01-01T00:00:00Z' }] };
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    expect(deploymentTimedOut(d, status, t0 + 10_000)).toBe(false);
    expect(deploymentTimedOut(d, status, t0 + 10_001)).toBe(true);
    expect(deploymentTimedOut({ metadata: {}, spec: { progressDeadlineSeconds: 2147483647 } }, status, t0 + 1e9)).toBe(false);
  });
});

describe('pod-template-hash', () => {
  it('is stable, ignores key order, changes with the collision count, and uses the safe alphabet', () => {
    const a = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const b = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a, 1)).not.toBe(computeHash(a));
    expect(computeHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(safeEncodeString('0123456789')).toBe('45678' + '9bcdf');
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 2 }] })).toBe('{"a":[null,{"c":2}],"b":1}');
  });

  it('compares templates ignoring the hash label (EqualIgnoreHash)', () => {
    const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [] } };
    expect(equalIgnoreHash(t, { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [] } })).toBe(true);
    expect(equalIgnoreHash(t, { metadata: { labels: { app: 'api' } }, spec: { containers: [] } })).toBe(false);
  });
});
