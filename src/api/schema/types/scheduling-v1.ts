/**
 * scheduling.k8s.io/v1: PriorityClass.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, bool, defineList, defineType, enumOf, i32, objectMetaField, str } from '../dsl.js';

const scheduling = (kind: string): string => api('scheduling', 'v1', kind);
const GV = { group: 'scheduling.k8s.io', version: 'v1' } as const;

export const schedulingV1Types: readonly TypeDef[] = [
  defineType(scheduling('PriorityClass'), 'Maps a class name to a pod priority value.', {
    metadata: objectMetaField,
    value: [2, i32, {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'Priority given to pods of this class; user classes may use at most 1000000000.',
    }],
    globalDefault: [3, bool, { doc: 'When true, pods without a priorityClassName get this class; only one class may set it.' }],
    description: [4, str, { doc: 'Free text saying when to use this class.' }],
    preemptionPolicy: [5, enumOf('Never', 'PreemptLowerPriority'), {
      pointer: true, immutable: true,
      doc: 'PreemptLowerPriority (the default) or Never.',
    }],
  }, { gvk: { ...GV, kind: 'PriorityClass' } }),
  defineList(scheduling('PriorityClass'), { ...GV, kind: 'PriorityClass' }),
];
