/**
 * autoscaling/v1: HorizontalPodAutoscaler (CPU target only) and Scale, the body of every /scale subresource.
 * The metric types upstream keeps in this package only for annotation round-tripping are not served and not defined.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, defineList, defineType, i32, i64, objectMetaField, ref, str, time } from '../dsl.js';

const autoscaling = (kind: string): string => api('autoscaling', 'v1', kind);
const GV = { group: 'autoscaling', version: 'v1' } as const;

export const autoscalingV1Types: readonly TypeDef[] = [
  defineType(autoscaling('HorizontalPodAutoscaler'), 'Scales a workload between bounds to hold average CPU utilization at a target.', {
    metadata: objectMetaField,
    spec: [2, ref(autoscaling('HorizontalPodAutoscalerSpec')), { doc: 'Target workload, replica bounds and CPU target.' }],
    status: [3, ref(autoscaling('HorizontalPodAutoscalerStatus')), { doc: 'Current replica counts and measured CPU utilization.' }],
  }, { gvk: { ...GV, kind: 'HorizontalPodAutoscaler' } }),
  defineList(autoscaling('HorizontalPodAutoscaler'), { ...GV, kind: 'HorizontalPodAutoscaler' }),
  defineType(autoscaling('HorizontalPodAutoscalerSpec'), 'Desired behaviour of an autoscaling/v1 HorizontalPodAutoscaler.', {
    scaleTargetRef: [1, ref(autoscaling('CrossVersionObjectReference')), {
      required: true, noOmitEmpty: true,
      doc: 'The workload (any kind with a scale subresource) to scale.',
    }],
    minReplicas: [2, i32, { pointer: true, doc: 'Lowest replica count the autoscaler may set; 1 when unset.' }],
    maxReplicas: [3, i32, { required: true, noOmitEmpty: true, doc: 'Highest replica count the autoscaler may set; at least minReplicas.' }],
    targetCPUUtilizationPercentage: [4, i32, {
      pointer: true,
      doc: 'Target average CPU use across the pods, as a percentage of their CPU requests.',
    }],
  }),
  defineType(autoscaling('CrossVersionObjectReference'), 'Identifies a referenced object by apiVersion, kind and name.', {
    kind: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of the referent, e.g. Deployment.' }],
    name: [2, str, { required: true, noOmitEmpty: true, doc: 'Name of the referent.' }],
    apiVersion: [3, str, { doc: 'API version of the referent, e.g. apps/v1.' }],
  }, { structType: 'atomic' }),
  defineType(autoscaling('HorizontalPodAutoscalerStatus'), 'Observed state of an autoscaling/v1 HorizontalPodAutoscaler.', {
    observedGeneration: [1, i64, { pointer: true, doc: 'The metadata.generation the autoscaler last acted on.' }],
    lastScaleTime: [2, time, { pointer: true, doc: 'When the autoscaler last changed the replica count.' }],
    currentReplicas: [3, i32, { required: true, noOmitEmpty: true, doc: 'Replica count the autoscaler last saw.' }],
    desiredReplicas: [4, i32, { required: true, noOmitEmpty: true, doc: 'Replica count the autoscaler last asked for.' }],
    currentCPUUtilizationPercentage: [5, i32, {
      pointer: true,
      doc: 'Measured average CPU use across the pods, as a percentage of their CPU requests.',
    }],
  }),
  defineType(autoscaling('Scale'), 'The body of a /scale subresource: desired and observed replicas of a scalable resource.', {
    metadata: objectMetaField,
    spec: [2, ref(autoscaling('ScaleSpec')), { doc: 'Desired replica count.' }],
    status: [3, ref(autoscaling('ScaleStatus')), { doc: 'Observed replica count and pod selector.' }],
  }, { gvk: { ...GV, kind: 'Scale' } }),
  defineType(autoscaling('ScaleSpec'), 'Desired replica count of a scalable resource.', {
    replicas: [1, i32, { doc: 'How many replicas the resource should have.' }],
  }),
  defineType(autoscaling('ScaleStatus'), 'Observed replica count of a scalable resource.', {
    replicas: [1, i32, { required: true, noOmitEmpty: true, doc: 'How many replicas the resource has now.' }],
    selector: [2, str, { doc: "Label selector of the resource's pods, in the string form of a label query." }],
  }),
];
