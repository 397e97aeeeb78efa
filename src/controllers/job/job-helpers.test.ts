import { describe, expect, it } from 'vitest';
import { BackoffStore, remainingBackoff } from './backoff.js';
import { duplicatedIndexPods, matchSuccessPolicy, podGenerateNameWithIndex } from './indexed-job.js';
import { statusForWrite } from './job-status.js';
import type { Job, JobSpec, Pod } from './job-types.js';
import { compareActivePods, JOB_COMPLETION_INDEX_ANNOTATION, podFinishedTime } from './job-utils.js';
import { firstIndexesNotIn, formatIntervals, hasIndex, matchesIndexesRule, parseIntervals, totalOf, withIndexes } from './ordered-intervals.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

function pod(name: string, extra: Partial<Pod> & { phase?: string; index?: number; created?: string } = {}): Pod {
  const { phase, index, created, ...rest } = extra;
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: created ?? '2025-01-01T00:00:00Z',
      ...(index === undefined ? {} : { annotations: { [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) } }),
    },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: phase ?? 'Running' },
    ...rest,
  };
}

function failedWith(name: string, exitCode: number, finishedAt = '2025-01-01T00:00:10Z'): Pod {
  return pod(name, { status: { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode, finishedAt } } }] } });
}

describe('ordered intervals', () => {
  it('parses, merges and formats as upstream', () => {
    const iv = parseIntervals('0,1,3-5,9', 8);
    expect(iv).toEqual([
      { first: 0, last: 1 },
      { first: 3, last: 5 },
    ]);
    expect(formatIntervals(iv)).toBe('0,1,3-5');
    expect(formatIntervals(withIndexes(iv, [2, 7]))).toBe('0-5,7');
    expect(totalOf(withIndexes(iv, [2, 7]))).toBe(7);
    expect(hasIndex(iv, 4)).toBe(true);
    expect(hasIndex(iv, 2)).toBe(false);
    expect(firstIndexesNotIn(iv, 3, 8)).toEqual([2, 6, 7]);
    expect(parseIntervals('', 3)).toEqual([]);
  });

  it('matches successPolicy index rules', () => {
    const succeeded = parseIntervals('0-2,5', 10);
    expect(matchesIndexesRule(parseIntervals('1,2', 10), succeeded, undefined)).toBe(true);
    expect(matchesIndexesRule(parseIntervals('1-5', 10), succeeded, undefined)).toBe(false);
    expect(matchesIndexesRule(parseIntervals('1-5', 10), succeeded, 3)).toBe(true);
    const job = { metadata: {}, spec: { completions: 10, template: { spec: { containers: [] } }, successPolicy: { rules: [{ succeededIndexes: '7' }, { succeededCount: 4 }] } } } as Job;
    expect(matchSuccessPolicy(job, succeeded)).toBe('Matched rules at index 1');
  });
});

describe('matchPodFailurePolicy', () => {
  const spec = (rules: JobSpec['podFailurePolicy']): JobSpec => ({ template: { spec: { containers: [] } }, podFailurePolicy: rules });

  it('matches exit codes (In/NotIn, never 0) and pod conditions, first rule wins', () => {
    const policy = spec({
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } },
        { action: 'Count', onExitCodes: { operator: 'NotIn', values: [3, 4] } },
      ],
    });
    expect(matchPodFailurePolicy(policy, failedWith('a', 3))).toEqual({ failJobMessage: 'Container c for pod ns/a failed with exit code 3 matching FailJob rule at index 1', countFailed: true, action: 'FailJob' });
    expect(matchPodFailurePolicy(policy, failedWith('b', 4))).toEqual({ countFailed: true });
    expect(matchPodFailurePolicy(policy, failedWith('c', 9))).toEqual({ countFailed: true, action: 'Count' });
    const disrupted = failedWith('d', 3);
    (disrupted.status ??= {}).conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    expect(matchPodFailurePolicy(policy, disrupted)).toEqual({ countFailed: false, action: 'Ignore' });
    const failJobOnCondition = spec({ rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }] });
    const p = pod('e', { status: { phase: 'Failed', conditions: [{ type: 'ConfigIssue', status: 'True' }] } });
    expect(matchPodFailurePolicy(failJobOnCondition, p).failJobMessage).toBe('Pod ns/e has condition ConfigIssue matching FailJob rule at index 0');
  });
});

describe('backoff', () => {
  const delays = { baseMs: 10_000, maxMs: 600_000 };

  it('doubles from 10 s per consecutive failure, capped', () => {
    const t0 = 1_000_000;
    expect(remainingBackoff(t0, delays, 0, undefined)).toBe(0);
    expect(remainingBackoff(t0, delays, 1, t0)).toBe(10_000);
    expect(remainingBackoff(t0 + 4_000, delays, 2, t0)).toBe(16_000);
    expect(remainingBackoff(t0, delays, 7, t0)).toBe(600_000);
    expect(remainingBackoff(t0 + 700_000, delays, 20, t0)).toBe(0);
  });

  it('counts failures since the last success', () => {
    const store = new BackoffStore();
    const r1 = store.newRecord('k', [], [failedWith('a', 1, '2025-01-01T00:00:10Z'), failedWith('b', 1, '2025-01-01T00:00:20Z')]);
    expect(r1).toEqual({ key: 'k', failuresAfterLastSuccess: 2, lastFailureTime: Date.parse('2025-01-01T00:00:20Z') });
    store.update(r1);
    const ok = pod('s', { status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, finishedAt: '2025-01-01T00:00:30Z' } } }] } });
    const r2 = store.newRecord('k', [ok], [failedWith('c', 1, '2025-01-01T00:00:40Z')]);
    expect(r2).toEqual({ key: 'k', failuresAfterLastSuccess: 1, lastFailureTime: Date.parse('2025-01-01T00:00:40Z') });
    expect(store.newRecord('k', [ok], [])).toEqual({ key: 'k', failuresAfterLastSuccess: 0, lastFailureTime: undefined });
  });

  it('takes the finish time from containers, then Ready=False, then deletion, then creation', () => {
    expect(podFinishedTime(failedWith('a', 1, '2025-01-01T00:01:00Z'))).toBe(Date.parse('2025-01-01T00:01:00Z'));
    expect(podFinishedTime(pod('b', { status: { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2025-01-01T00:02:00Z' }] } }))).toBe(Date.parse('2025-01-01T00:02:00Z'));
    const deleted = pod('c');
    deleted.metadata.deletionTimestamp = '2025-01-01T00:03:30Z';
    deleted.metadata.deletionGracePeriodSeconds = 30;
    expect(podFinishedTime(deleted)).toBe(Date.parse('2025-01-01T00:03:00Z'));
    expect(podFinishedTime(pod('d', { created: '2025-01-01T00:04:00Z' }))).toBe(Date.parse('2025-01-01T00:04:00Z'));
  });
});

describe('pod ordering and indexes', () => {
  it('orders the cheapest pods to lose first', () => {
    const unscheduled = pod('u', { phase: 'Pending' });
    const pending = pod('p', { phase: 'Pending', spec: { containers: [], nodeName: 'n1' } });
    const running = pod('r', { spec: { containers: [], nodeName: 'n1' } });
    const ready = pod('rd', { spec: { containers: [], nodeName: 'n1' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] } });
    expect([ready, running, pending, unscheduled].sort(compareActivePods).map((p) => p.metadata.name)).toEqual(['u', 'p', 'r', 'rd']);
  });

  it('picks duplicated, unindexed and out-of-range pods for removal', () => {
    const pods = [pod('a', { index: 0 }), pod('b', { index: 0, created: '2025-01-01T00:00:05Z' }), pod('c'), pod('d', { index: 1 }), pod('e', { index: 7 })];
    const { rm, left } = duplicatedIndexPods(pods, 3);
    expect(rm.map((p) => p.metadata.name).sort()).toEqual(['b', 'c', 'e']);
    expect(left.map((p) => p.metadata.name)).toEqual(['a', 'd']);
  });

  it('shortens long job names in generateName', () => {
    expect(podGenerateNameWithIndex('job', 3)).toBe('job-3-');
    const long = 'x'.repeat(63);
    const name = podGenerateNameWithIndex(long, 12);
    expect(name).toHaveLength(58);
    expect(name.endsWith('-12-')).toBe(true);
  });
});

describe('statusForWrite', () => {
  it('omits zero counters and empty lists as Go does, keeps pointer fields', () => {
    expect(statusForWrite({ active: 0, succeeded: 2, failed: 0, ready: 0, terminating: 0, completedIndexes: '', conditions: [], uncountedTerminatedPods: { succeeded: [], failed: ['x'] } })).toEqual({
      succeeded: 2,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: { failed: ['x'] },
    });
  });
});
