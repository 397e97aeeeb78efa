import { describe, expect, it } from 'vitest';
import { durationFlag, FlagError, parseCapacity, parseLabels, parseTaint, simulatedNodesFromFlags } from './simulation-flags.js';

describe('simulated node flags', () => {
  it('builds the simulator config from the flags', () => {
    expect(simulatedNodesFromFlags({ 'simulate-nodes': 0 })).toBeUndefined();
    expect(
      simulatedNodesFromFlags({
        'simulate-nodes': 3,
        'simulate-node-prefix': 'kw-',
        'simulate-node-capacity': 'cpu=4, memory=16Gi,pods=20',
        'simulate-node-label': ['zone=a', 'topology.kubernetes.io/region=r1'],
        'simulate-node-taint': ['dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule'],
      }),
    ).toEqual({
      count: 3,
      namePrefix: 'kw-',
      capacity: { cpu: '4', memory: '16Gi', pods: '20' },
      labels: { zone: 'a', 'topology.kubernetes.io/region': 'r1' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }],
    });
  });

  it('refuses bad values with a message naming the flag and the expected form', () => {
    expect(() => simulatedNodesFromFlags({ 'simulate-nodes': -1 })).toThrow(/--simulate-nodes must be a whole number from 0 to 30000/);
    expect(() => simulatedNodesFromFlags({ 'simulate-nodes': 2.5 })).toThrow(FlagError);
    expect(() => simulatedNodesFromFlags({ 'simulate-nodes': 1, 'simulate-node-prefix': 'Bad_' })).toThrow(/--simulate-node-prefix/);
    expect(() => parseCapacity('cpu')).toThrow(/expected name=quantity/);
    expect(() => parseCapacity('cpu=lots')).toThrow('--simulate-node-capacity: "lots" is not a quantity for cpu (e.g. 4, 500m, 16Gi)');
    expect(() => parseCapacity(' , ')).toThrow(/at least one/);
    expect(() => parseLabels(['novalue'])).toThrow(/--simulate-node-label: expected key=value/);
    expect(() => parseLabels(['a=b c'])).toThrow(/--simulate-node-label/);
    expect(() => parseTaint('dedicated=gpu')).toThrow(/Effect one of NoSchedule, PreferNoSchedule, NoExecute/);
    expect(() => parseTaint('dedicated=gpu:Sometimes')).toThrow(/--simulate-node-taint/);
  });
});

describe('durationFlag', () => {
  it('reads durations of at least a second, and names the flag and an example otherwise', () => {
    expect(durationFlag({ 'metric-resolution': '2s' }, 'metric-resolution', '15s', '15s or 1m')).toBe(2000);
    expect(durationFlag({}, 'metric-resolution', '15s', '15s or 1m')).toBe(15_000);
    expect(() => durationFlag({ 'metric-resolution': '0s' }, 'metric-resolution', '15s', '15s or 1m')).toThrow('--metric-resolution must be a duration of at least 1s, such as 15s or 1m');
    expect(() => durationFlag({ 'horizontal-pod-autoscaler-sync-period': 'soon' }, 'horizontal-pod-autoscaler-sync-period', '15s', '15s or 1m')).toThrow(FlagError);
  });
});
