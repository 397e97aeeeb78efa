/**
 * autoscaling/v2: HorizontalPodAutoscaler with metric sources and scaling behaviour.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, defineList, defineType, i32, i64, list, meta, objectMetaField, quantity, ref, str, time } from '../dsl.js';

const autoscaling = (kind: string): string => api('autoscaling', 'v2', kind);
const GV = { group: 'autoscaling', version: 'v2' } as const;

export const autoscalingV2Types: readonly TypeDef[] = [
  defineType(autoscaling('HorizontalPodAutoscaler'), 'Scales a workload between bounds according to resource, pod, object or external metrics.', {
    metadata: objectMetaField,
    spec: [2, ref(autoscaling('HorizontalPodAutoscalerSpec')), { doc: 'Target workload, replica bounds, metrics and scaling behaviour.' }],
    status: [3, ref(autoscaling('HorizontalPodAutoscalerStatus')), { doc: 'Current replica counts, metric readings and conditions.' }],
  }, { gvk: { ...GV, kind: 'HorizontalPodAutoscaler' } }),
  defineList(autoscaling('HorizontalPodAutoscaler'), { ...GV, kind: 'HorizontalPodAutoscaler' }),
  defineType(autoscaling('HorizontalPodAutoscalerSpec'), 'Desired behaviour of a HorizontalPodAutoscaler.', {
    scaleTargetRef: [1, ref(autoscaling('CrossVersionObjectReference')), {
      required: true, noOmitEmpty: true,
      doc: 'The workload (any kind with a scale subresource) to scale.',
    }],
    minReplicas: [2, i32, {
      pointer: true,
      doc: 'Lowest replica count the autoscaler may set; 1 when unset. 0 is allowed only with object or external metrics (alpha).',
    }],
    maxReplicas: [3, i32, { required: true, noOmitEmpty: true, doc: 'Highest replica count the autoscaler may set; at least minReplicas.' }],
    metrics: [4, list(ref(autoscaling('MetricSpec'))), {
      listType: 'atomic',
      doc: 'Metrics to compute the desired replica count from; the largest proposal wins. Defaults to 80% average CPU.',
    }],
    behavior: [5, ref(autoscaling('HorizontalPodAutoscalerBehavior')), {
      pointer: true,
      doc: 'Scaling speed limits for each direction; upstream defaults when unset.',
    }],
  }),
  defineType(autoscaling('CrossVersionObjectReference'), 'Identifies a referenced object by apiVersion, kind and name.', {
    kind: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of the referent, e.g. Deployment.' }],
    name: [2, str, { required: true, noOmitEmpty: true, doc: 'Name of the referent.' }],
    apiVersion: [3, str, { doc: 'API version of the referent, e.g. apps/v1.' }],
  }),
  defineType(autoscaling('HorizontalPodAutoscalerBehavior'), 'Rate limits for scaling up and scaling down.', {
    scaleUp: [1, ref(autoscaling('HPAScalingRules')), { pointer: true, doc: 'Rules for increasing the replica count.' }],
    scaleDown: [2, ref(autoscaling('HPAScalingRules')), { pointer: true, doc: 'Rules for decreasing the replica count.' }],
  }),
  defineType(autoscaling('HPAScalingRules'), 'Rate limits for one scaling direction.', {
    stabilizationWindowSeconds: [3, i32, {
      pointer: true,
      doc: 'Seconds of past recommendations considered to avoid flapping (0 to 3600); 0 for scale-up and 300 for scale-down by default.',
    }],
    selectPolicy: [1, str, { pointer: true, doc: 'Which policy applies when several do: Max (the default), Min or Disabled.' }],
    policies: [2, list(ref(autoscaling('HPAScalingPolicy'))), {
      listType: 'atomic',
      doc: 'Allowed change per period; at least one must be listed unless selectPolicy is Disabled.',
    }],
  }),
  defineType(autoscaling('HPAScalingPolicy'), 'One limit on how much the replica count may change within a period.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Pods (absolute count) or Percent (of current replicas).' }],
    value: [2, i32, { required: true, noOmitEmpty: true, doc: 'Amount of change allowed; must be greater than zero.' }],
    periodSeconds: [3, i32, { required: true, noOmitEmpty: true, doc: 'Length of the window the policy applies to, in seconds (1 to 1800).' }],
  }),
  defineType(autoscaling('MetricSpec'), 'One metric the autoscaler scales on; exactly one source member matching type is set.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Metric source: ContainerResource, External, Object, Pods or Resource.' }],
    object: [2, ref(autoscaling('ObjectMetricSource')), {
      pointer: true,
      doc: 'A metric describing one Kubernetes object other than the pods, e.g. hits on an Ingress.',
    }],
    pods: [3, ref(autoscaling('PodsMetricSource')), { pointer: true, doc: "A metric averaged across the target's pods." }],
    resource: [4, ref(autoscaling('ResourceMetricSource')), {
      pointer: true,
      doc: "A resource (CPU, memory) metric of the target's pods, as known from their requests and limits.",
    }],
    containerResource: [7, ref(autoscaling('ContainerResourceMetricSource')), {
      pointer: true,
      doc: "A resource metric of one named container in each of the target's pods.",
    }],
    external: [5, ref(autoscaling('ExternalMetricSource')), { pointer: true, doc: 'A metric from outside the cluster, e.g. a queue length.' }],
  }),
  defineType(autoscaling('ContainerResourceMetricSource'), "Resource metric of one container across the target's pods.", {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Resource to measure, e.g. cpu or memory.' }],
    target: [2, ref(autoscaling('MetricTarget')), { required: true, noOmitEmpty: true, doc: 'Value, average value or utilization to aim for.' }],
    container: [3, str, { required: true, noOmitEmpty: true, doc: 'Name of the container whose usage is measured.' }],
  }),
  defineType(autoscaling('MetricTarget'), 'Target of a metric: a value, an average value or an average utilization.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Value, AverageValue or Utilization.' }],
    value: [2, quantity, { pointer: true, doc: 'Target value of the metric as a quantity.' }],
    averageValue: [3, quantity, { pointer: true, doc: 'Target value of the metric averaged across pods, as a quantity.' }],
    averageUtilization: [4, i32, {
      pointer: true,
      doc: "Target average use as a percentage of the pods' resource requests (Resource metrics only).",
    }],
  }),
  defineType(autoscaling('ExternalMetricSource'), 'A metric that is not tied to any Kubernetes object.', {
    metric: [1, ref(autoscaling('MetricIdentifier')), { required: true, noOmitEmpty: true, doc: 'Name and selector of the metric.' }],
    target: [2, ref(autoscaling('MetricTarget')), { required: true, noOmitEmpty: true, doc: 'Value or average value to aim for.' }],
  }),
  defineType(autoscaling('MetricIdentifier'), 'Names a metric, optionally narrowed by labels.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Name of the metric.' }],
    selector: [2, ref(meta('LabelSelector')), { pointer: true, doc: 'Label query narrowing the metric; unset lets the metrics pipeline choose.' }],
  }),
  defineType(autoscaling('ObjectMetricSource'), 'A metric describing one Kubernetes object.', {
    describedObject: [1, ref(autoscaling('CrossVersionObjectReference')), {
      required: true, noOmitEmpty: true,
      doc: 'The object the metric describes.',
    }],
    target: [2, ref(autoscaling('MetricTarget')), { required: true, noOmitEmpty: true, doc: 'Value or average value to aim for.' }],
    metric: [3, ref(autoscaling('MetricIdentifier')), { required: true, noOmitEmpty: true, doc: 'Name and selector of the metric.' }],
  }),
  defineType(autoscaling('PodsMetricSource'), "A metric averaged over the target's pods.", {
    metric: [1, ref(autoscaling('MetricIdentifier')), { required: true, noOmitEmpty: true, doc: 'Name and selector of the metric.' }],
    target: [2, ref(autoscaling('MetricTarget')), { required: true, noOmitEmpty: true, doc: 'Average value to aim for.' }],
  }),
  defineType(autoscaling('ResourceMetricSource'), "Resource metric (CPU, memory) of the target's pods.", {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Resource to measure, e.g. cpu or memory.' }],
    target: [2, ref(autoscaling('MetricTarget')), { required: true, noOmitEmpty: true, doc: 'Average value or utilization to aim for.' }],
  }),
  defineType(autoscaling('HorizontalPodAutoscalerStatus'), 'Observed state of a HorizontalPodAutoscaler.', {
    observedGeneration: [1, i64, { pointer: true, doc: 'The metadata.generation the autoscaler last acted on.' }],
    lastScaleTime: [2, time, { pointer: true, doc: 'When the autoscaler last changed the replica count.' }],
    currentReplicas: [3, i32, { doc: 'Replica count the autoscaler last saw.' }],
    desiredReplicas: [4, i32, { required: true, noOmitEmpty: true, doc: 'Replica count the autoscaler last asked for.' }],
    currentMetrics: [5, list(ref(autoscaling('MetricStatus'))), {
      listType: 'atomic', noOmitEmpty: true,
      doc: 'Last readings of the metrics in the spec.',
    }],
    conditions: [6, list(ref(autoscaling('HorizontalPodAutoscalerCondition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations, e.g. AbleToScale, ScalingActive, ScalingLimited.',
    }],
  }),
  defineType(autoscaling('HorizontalPodAutoscalerCondition'), 'One observation about a HorizontalPodAutoscaler.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastTransitionTime: [3, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
  defineType(autoscaling('MetricStatus'), 'Last reading of one metric; the member matching type is set.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Metric source: ContainerResource, External, Object, Pods or Resource.' }],
    object: [2, ref(autoscaling('ObjectMetricStatus')), { pointer: true, doc: 'Reading of an object metric.' }],
    pods: [3, ref(autoscaling('PodsMetricStatus')), { pointer: true, doc: 'Reading of a pods metric.' }],
    resource: [4, ref(autoscaling('ResourceMetricStatus')), { pointer: true, doc: 'Reading of a resource metric.' }],
    containerResource: [7, ref(autoscaling('ContainerResourceMetricStatus')), { pointer: true, doc: 'Reading of a container resource metric.' }],
    external: [5, ref(autoscaling('ExternalMetricStatus')), { pointer: true, doc: 'Reading of an external metric.' }],
  }),
  defineType(autoscaling('ContainerResourceMetricStatus'), 'Last reading of a container resource metric.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Resource measured, e.g. cpu.' }],
    current: [2, ref(autoscaling('MetricValueStatus')), { required: true, noOmitEmpty: true, doc: 'Measured value.' }],
    container: [3, str, { required: true, noOmitEmpty: true, doc: 'Container whose usage was measured.' }],
  }),
  defineType(autoscaling('MetricValueStatus'), 'A metric reading: value, average value or average utilization.', {
    value: [1, quantity, { pointer: true, doc: 'Measured value as a quantity.' }],
    averageValue: [2, quantity, { pointer: true, doc: 'Measured value averaged across pods, as a quantity.' }],
    averageUtilization: [3, i32, { pointer: true, doc: "Measured average use as a percentage of the pods' resource requests." }],
  }),
  defineType(autoscaling('ExternalMetricStatus'), 'Last reading of an external metric.', {
    metric: [1, ref(autoscaling('MetricIdentifier')), { required: true, noOmitEmpty: true, doc: 'Name and selector of the metric.' }],
    current: [2, ref(autoscaling('MetricValueStatus')), { required: true, noOmitEmpty: true, doc: 'Measured value.' }],
  }),
  defineType(autoscaling('ObjectMetricStatus'), 'Last reading of an object metric.', {
    metric: [1, ref(autoscaling('MetricIdentifier')), { required: true, noOmitEmpty: true, doc: 'Name and selector of the metric.' }],
    current: [2, ref(autoscaling('MetricValueStatus')), { required: true, noOmitEmpty: true, doc: 'Measured value.' }],
    describedObject: [3, ref(autoscaling('CrossVersionObjectReference')), {
      required: true, noOmitEmpty: true,
      doc: 'The object the metric describes.',
    }],
  }),
  defineType(autoscaling('PodsMetricStatus'), 'Last reading of a pods metric.', {
    metric: [1, ref(autoscaling('MetricIdentifier')), { required: true, noOmitEmpty: true, doc: 'Name and selector of the metric.' }],
    current: [2, ref(autoscaling('MetricValueStatus')), { required: true, noOmitEmpty: true, doc: 'Measured value.' }],
  }),
  defineType(autoscaling('ResourceMetricStatus'), 'Last reading of a resource metric.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Resource measured, e.g. cpu.' }],
    current: [2, ref(autoscaling('MetricValueStatus')), { required: true, noOmitEmpty: true, doc: 'Measured value.' }],
  }),
];
