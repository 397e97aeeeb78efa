/**
 * autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler (storage: v2), following upstream
 * pkg/apis/autoscaling/v1/conversion.go: v1 carries only the CPU utilisation target; everything
 * else v2 knows survives a v1 round trip in `autoscaling.alpha.kubernetes.io/*` annotations.
 */
import { isJsonObject, type JsonObject, type JsonValue, type KubeObject } from '../object.js';

const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

function isCpuUtilization(m: JsonValue | undefined): boolean {
  if (!isJsonObject(m) || m.type !== 'Resource' || !isJsonObject(m.resource)) return false;
  const t = m.resource.target;
  return m.resource.name === 'cpu' && isJsonObject(t) && t.type === 'Utilization' && typeof t.averageUtilization === 'number';
}

function parseAnnotation(annotations: Record<string, string>, key: string): JsonValue[] | JsonObject | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  delete annotations[key];
  try {
    return JSON.parse(raw) as JsonValue[] | JsonObject;
  } catch {
    return undefined;
  }
}

/** autoscaling/v1 → autoscaling/v2 (storage). */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const v2spec: JsonObject = {};
  if (spec.scaleTargetRef !== undefined) v2spec.scaleTargetRef = spec.scaleTargetRef;
  if (spec.minReplicas !== undefined) v2spec.minReplicas = spec.minReplicas;
  if (spec.maxReplicas !== undefined) v2spec.maxReplicas = spec.maxReplicas;
  const metrics: JsonValue[] = [];
  const extra = parseAnnotation(annotations, METRICS_ANNOTATION);
  if (Array.isArray(extra)) metrics.push(...extra.filter((m) => !isCpuUtilization(m)));
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (metrics.length) v2spec.metrics = metrics;
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  if (isJsonObject(behavior)) v2spec.behavior = behavior;

  const out: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { ...obj.metadata }, spec: v2spec };
  if (isJsonObject(obj.status)) {
    const s = obj.status;
    const v2status: JsonObject = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas'] as const) if (s[k] !== undefined) v2status[k] = s[k];
    const current = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
    const currentMetrics: JsonValue[] = Array.isArray(current) ? current.filter((m) => !(isJsonObject(m) && isJsonObject(m.resource) && m.resource.name === 'cpu')) : [];
    if (typeof s.currentCPUUtilizationPercentage === 'number') {
      currentMetrics.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: s.currentCPUUtilizationPercentage } } });
    }
    if (currentMetrics.length) v2status.currentMetrics = currentMetrics;
    const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
    if (Array.isArray(conditions)) v2status.conditions = conditions;
    out.status = v2status;
  } else {
    parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
    parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  }
  if (Object.keys(annotations).length) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  return out;
}

/** autoscaling/v2 (storage) → autoscaling/v1. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const v1spec: JsonObject = {};
  if (spec.scaleTargetRef !== undefined) v1spec.scaleTargetRef = spec.scaleTargetRef;
  if (spec.minReplicas !== undefined) v1spec.minReplicas = spec.minReplicas;
  if (spec.maxReplicas !== undefined) v1spec.maxReplicas = spec.maxReplicas;
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find(isCpuUtilization);
  if (isJsonObject(cpu) && isJsonObject(cpu.resource) && isJsonObject(cpu.resource.target)) v1spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  const others = metrics.filter((m) => !isCpuUtilization(m));
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (isJsonObject(spec.behavior)) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);

  const out: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { ...obj.metadata }, spec: v1spec };
  if (isJsonObject(obj.status)) {
    const s = obj.status;
    const v1status: JsonObject = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas'] as const) if (s[k] !== undefined) v1status[k] = s[k];
    const current = Array.isArray(s.currentMetrics) ? s.currentMetrics : [];
    const cpuNow = current.find((m) => isJsonObject(m) && m.type === 'Resource' && isJsonObject(m.resource) && m.resource.name === 'cpu');
    if (isJsonObject(cpuNow) && isJsonObject(cpuNow.resource) && isJsonObject(cpuNow.resource.current) && typeof cpuNow.resource.current.averageUtilization === 'number') {
      v1status.currentCPUUtilizationPercentage = cpuNow.resource.current.averageUtilization;
    }
    if (current.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current);
    if (Array.isArray(s.conditions) && s.conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(s.conditions);
    if (v1status.currentReplicas === undefined) v1status.currentReplicas = 0;
    if (v1status.desiredReplicas === undefined) v1status.desiredReplicas = 0;
    out.status = v1status;
  }
  if (Object.keys(annotations).length) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  return out;
}
