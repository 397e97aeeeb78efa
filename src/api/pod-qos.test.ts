import { describe, expect, it } from 'vitest';
import { podQosClass } from './pod-qos.js';
import type { KubeObject } from './object.js';

const pod = (...resources: object[]): KubeObject => ({ metadata: {}, spec: { containers: resources.map((r, i) => ({ name: `c${i}`, resources: r })) } });

describe('podQosClass', () => {
  it('is BestEffort without cpu/memory requests or limits', () => {
    expect(podQosClass(pod({}, { limits: { 'nvidia.com/gpu': '1' } }))).toBe('BestEffort');
  });
  it('is Guaranteed when limits cover cpu and memory and equal requests', () => {
    expect(podQosClass(pod({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '0.5', memory: '1024Mi' } }))).toBe('Guaranteed');
  });
  it('is Burstable otherwise', () => {
    expect(podQosClass(pod({ requests: { cpu: '100m' } }))).toBe('Burstable');
    expect(podQosClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }))).toBe('Burstable');
    expect(podQosClass(pod({ limits: { cpu: '1', memory: '1Gi' } }, {}))).toBe('Burstable');
  });
});
