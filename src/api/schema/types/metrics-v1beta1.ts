/**
 * metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics, the resource metrics API that `kubectl top`
 * reads (served by metrics-server upstream, by the server's built-in scraper in lite).
 * Field facts (JSON names, proto numbers) follow k8s.io/metrics v0.32 pkg/apis/metrics/v1beta1;
 * descriptions are lite's own words.
 */
import type { TypeDef } from '../dsl.js';
import { defineList, defineType, duration, list, map, objectMetaField, quantity, ref, str, time } from '../dsl.js';

const metrics = (kind: string): string => `io.k8s.metrics.pkg.apis.metrics.v1beta1.${kind}`;
const GV = { group: 'metrics.k8s.io', version: 'v1beta1' } as const;

export const metricsV1beta1Types: readonly TypeDef[] = [
  defineType(metrics('NodeMetrics'), "A node's CPU and memory use, measured over a short window.", {
    metadata: objectMetaField,
    timestamp: [2, time, { required: true, noOmitEmpty: true, doc: 'When the usage was measured (the end of the window).' }],
    window: [3, duration, { required: true, noOmitEmpty: true, doc: 'How long the CPU use was averaged over.' }],
    usage: [4, map(quantity), { required: true, noOmitEmpty: true, doc: 'cpu (cores) and memory (working set bytes) in use.' }],
  }, { gvk: { ...GV, kind: 'NodeMetrics' } }),
  defineList(metrics('NodeMetrics'), { ...GV, kind: 'NodeMetrics' }),
  defineType(metrics('PodMetrics'), "A pod's CPU and memory use per container, measured over a short window.", {
    metadata: objectMetaField,
    timestamp: [2, time, { required: true, noOmitEmpty: true, doc: 'When the usage was measured (the end of the window).' }],
    window: [3, duration, { required: true, noOmitEmpty: true, doc: 'How long the CPU use was averaged over.' }],
    containers: [4, list(ref(metrics('ContainerMetrics'))), { required: true, noOmitEmpty: true, doc: 'Usage of each running container.' }],
  }, { gvk: { ...GV, kind: 'PodMetrics' } }),
  defineList(metrics('PodMetrics'), { ...GV, kind: 'PodMetrics' }),
  defineType(metrics('ContainerMetrics'), "One container's resource use.", {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Container name.' }],
    usage: [2, map(quantity), { required: true, noOmitEmpty: true, doc: 'cpu (cores) and memory (working set bytes) in use.' }],
  }),
];
