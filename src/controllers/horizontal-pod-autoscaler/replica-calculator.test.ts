import { describe, expect, it } from 'vitest';
import { rfc3339, type KubeObject } from '../../api/object.js';
import { milliValue, rawResourceReplicas, resourceReplicas, type CalculatorConfig, type MilliMetrics } from './replica-calculator.js';

const NOW = Date.parse('2025-01-01T01:00:00Z');
const config: CalculatorConfig = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, now: NOW };

function pod(name: string, opts: { phase?: string; ready?: boolean; startedAgoMs?: number; readySinceAgoMs?: number; cpu?: string } = {}): KubeObject {
  const started = NOW - (opts.startedAgoMs ?? 600_000);
  return {
    metadata: { name },
    spec: { containers: [{ name: 'app', resources: { requests: { cpu: opts.cpu ?? '100m' } } }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: rfc3339(started),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: rfc3339(NOW - (opts.readySinceAgoMs ?? 600_000)) }],
    },
  };
}

const samples = (values: Record<string, number>, timestamp = NOW): MilliMetrics => new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp, windowMs: 15_000 }]));

describe('resourceReplicas (upstream GetResourceReplicas)', () => {
  it('scales by the usage ratio over ready pods', () => {
    expect(resourceReplicas(2, 50, 'cpu', [pod('a'), pod('b')], samples({ a: 100, b: 100 }), config)).toEqual({ replicas: 4, utilization: 100, rawAverage: 100 });
  });

  it('keeps the count within the tolerance', () => {
    expect(resourceReplicas(3, 50, 'cpu', [pod('a'), pod('b'), pod('c')], samples({ a: 52, b: 54, c: 50 }), config).replicas).toBe(3);
  });

  it('counts missing pods as using nothing when scaling up, and can then stay put', () => {
    // a uses 200 %, b has no sample: 200/2 = 100 % against 50 % → ratio 2 → 4.
    expect(resourceReplicas(2, 50, 'cpu', [pod('a'), pod('b')], samples({ a: 200 }), config).replicas).toBe(4);
    // a uses 60 %: with b at 0 the ratio drops below 1 — the direction flips, so no change.
    expect(resourceReplicas(2, 50, 'cpu', [pod('a'), pod('b')], samples({ a: 60 }), config).replicas).toBe(2);
  });

  it('counts missing pods as using their request when scaling down', () => {
    // a uses 10 %, b missing counted 100 %: 55 % against 80 % → ratio 0.6875 → ceil(1.375) = 2.
    expect(resourceReplicas(2, 80, 'cpu', [pod('a'), pod('b')], samples({ a: 10 }), config).replicas).toBe(2);
  });

  it('drops the cpu samples of pods still initializing or never ready, and ignores failed and deleted pods', () => {
    const pods = [
      pod('ready'),
      pod('fresh', { startedAgoMs: 60_000, readySinceAgoMs: 5_000 }), // sampled before a full window since ready
      pod('pending', { phase: 'Pending' }),
      pod('failed', { phase: 'Failed' }),
      { ...pod('gone'), metadata: { name: 'gone', deletionTimestamp: rfc3339(NOW) } },
    ];
    const r = resourceReplicas(5, 50, 'cpu', pods, samples({ ready: 400, fresh: 500, failed: 900, gone: 900 }), config);
    // Only "ready" is sampled (400 %); the two unready pods count 0 on the way up: 400/300 → 133 % → ratio 2.66 → ceil(7.98) = 8.
    expect(r).toEqual({ replicas: 8, utilization: 400, rawAverage: 400 });
  });

  it('fails as upstream does', () => {
    expect(() => resourceReplicas(1, 50, 'cpu', [], samples({}), config)).toThrow('no pods returned by selector while calculating replica count');
    expect(() => resourceReplicas(1, 50, 'cpu', [pod('a', { ready: false, startedAgoMs: 10_000 })], samples({ a: 1 }), config)).toThrow('did not receive metrics for targeted pods (pods might be unready)');
    const noRequest: KubeObject = { ...pod('a'), spec: { containers: [{ name: 'app' }] } };
    expect(() => resourceReplicas(1, 50, 'cpu', [noRequest], samples({ a: 1 }), config)).toThrow('missing request for cpu in container app of Pod a');
  });
});

describe('rawResourceReplicas (upstream GetRawResourceReplicas)', () => {
  it('scales by the average value per pod', () => {
    expect(rawResourceReplicas(2, 100, 'cpu', [pod('a'), pod('b')], samples({ a: 300, b: 100 }), config)).toEqual({ replicas: 4, average: 200 });
    expect(rawResourceReplicas(2, 100, 'cpu', [pod('a'), pod('b')], samples({ a: 105, b: 100 }), config)).toEqual({ replicas: 2, average: 102 });
  });
});

describe('milliValue', () => {
  it('reads quantities as Quantity.MilliValue does (rounding up)', () => {
    expect(milliValue('250m')).toBe(250);
    expect(milliValue('1')).toBe(1000);
    expect(milliValue('1n')).toBe(1);
    expect(milliValue('64Mi')).toBe(64 * 1024 * 1024 * 1000);
    expect(milliValue(undefined)).toBeUndefined();
  });
});
