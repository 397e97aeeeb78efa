import { describe, expect, it } from 'vitest';
import { coreToEventsV1, eventsV1ToCore } from './event-conversion.js';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.js';
import type { KubeObject } from '../object.js';

describe('HPA conversion', () => {
  const v1: KubeObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
  };

  it('maps the CPU target to a v2 Resource metric and back', () => {
    const v2 = hpaV1ToV2(structuredClone(v1));
    expect(v2.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    expect(hpaV2ToV1(v2)).toEqual(v1);
  });

  it('keeps v2-only metrics across a v1 round trip in an annotation', () => {
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    const v2: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { maxReplicas: 3, metrics: [memory] } };
    const asV1 = hpaV2ToV1(structuredClone(v2));
    expect(asV1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics']).toBe(JSON.stringify([memory]));
    expect(hpaV1ToV2(asV1)).toEqual(v2);
  });
});

describe('Event conversion', () => {
  it('renames fields between core/v1 and events.k8s.io/v1', () => {
    const core: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'a.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'a' },
      reason: 'Started',
      message: 'Started container',
      source: { component: 'kubelet' },
      count: 2,
      type: 'Normal',
    };
    const ev = coreToEventsV1(core);
    expect(ev).toMatchObject({ apiVersion: 'events.k8s.io/v1', regarding: { kind: 'Pod', name: 'a' }, note: 'Started container', deprecatedSource: { component: 'kubelet' }, deprecatedCount: 2 });
    expect(ev.message).toBeUndefined();
    expect(eventsV1ToCore(ev)).toEqual(core);
  });

  it("does not let a member named like the other version's field replace the renamed one", () => {
    const ev: KubeObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'a.1' }, message: 'stray', note: 'the note', reason: 'Started' };
    expect(eventsV1ToCore(ev)).toEqual({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'a.1' }, message: 'the note', reason: 'Started' });
  });
});
