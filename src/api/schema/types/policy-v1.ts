/**
 * policy/v1: PodDisruptionBudget and Eviction (the body of pods/eviction).
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, defineList, defineType, enumOf, i32, i64, intOrString, list, map, meta, objectMetaField, ref, time } from '../dsl.js';

const policy = (kind: string): string => api('policy', 'v1', kind);
const GV = { group: 'policy', version: 'v1' } as const;

export const policyV1Types: readonly TypeDef[] = [
  defineType(policy('PodDisruptionBudget'), 'Limits how many pods of a set may be down at once through voluntary disruptions (evictions).', {
    metadata: objectMetaField,
    spec: [2, ref(policy('PodDisruptionBudgetSpec')), { doc: 'Which pods are covered and how many must stay available.' }],
    status: [3, ref(policy('PodDisruptionBudgetStatus')), { doc: 'Current health of the covered pods and how many disruptions are allowed.' }],
  }, { gvk: { ...GV, kind: 'PodDisruptionBudget' } }),
  defineList(policy('PodDisruptionBudget'), { ...GV, kind: 'PodDisruptionBudget' }),
  defineType(policy('PodDisruptionBudgetSpec'), 'Desired protection of a PodDisruptionBudget.', {
    minAvailable: [1, intOrString, {
      pointer: true,
      doc: 'Pods (count or percentage) that must remain available after an eviction; exclusive with maxUnavailable.',
    }],
    selector: [2, ref(meta('LabelSelector')), {
      pointer: true, patchStrategy: 'replace',
      doc: 'Label query choosing the covered pods; an empty selector selects every pod in the namespace.',
    }],
    maxUnavailable: [3, intOrString, {
      pointer: true,
      doc: 'Pods (count or percentage) that may be unavailable after an eviction; exclusive with minAvailable.',
    }],
    unhealthyPodEvictionPolicy: [4, enumOf('AlwaysAllow', 'IfHealthyBudget'), {
      pointer: true,
      doc: 'When running but not ready pods may be evicted: IfHealthyBudget (the default) or AlwaysAllow.',
    }],
  }),
  defineType(policy('PodDisruptionBudgetStatus'), 'Observed state of a PodDisruptionBudget.', {
    observedGeneration: [1, i64, { doc: 'The metadata.generation the disruption controller last acted on.' }],
    disruptedPods: [2, map(time), { doc: 'Pods evicted through the API but not yet seen deleted, with the eviction time.' }],
    disruptionsAllowed: [3, i32, { required: true, noOmitEmpty: true, doc: 'How many more pod disruptions are allowed right now.' }],
    currentHealthy: [4, i32, { required: true, noOmitEmpty: true, doc: 'Covered pods that are currently healthy.' }],
    desiredHealthy: [5, i32, { required: true, noOmitEmpty: true, doc: 'Fewest healthy pods required.' }],
    expectedPods: [6, i32, { required: true, noOmitEmpty: true, doc: 'Pods the budget covers in total.' }],
    conditions: [7, list(ref(meta('Condition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations, e.g. DisruptionAllowed.',
    }],
  }),
  defineType(policy('Eviction'), "Request body of a pod's /eviction subresource: delete the pod if its disruption budgets allow.", {
    metadata: [1, ref(meta('ObjectMeta')), { doc: 'Names the pod to evict.' }],
    deleteOptions: [2, ref(meta('DeleteOptions')), { pointer: true, doc: 'Options for the deletion the eviction performs.' }],
  }, { gvk: { ...GV, kind: 'Eviction' } }),
];
