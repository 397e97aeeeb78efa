/**
 * The replica calculator of upstream's HPA (pkg/controller/podautoscaler/replica_calculator.go)
 * for Resource metrics: pure functions over the target's pods and their samples, in upstream's
 * milli-units (cpu milli-cores, memory milli-bytes — Quantity.MilliValue) and integer arithmetic,
 * so utilizations and averages come out as upstream prints them.
 *
 * Pods are grouped as upstream's groupPods does: deleted or Failed pods are ignored; Pending pods
 * are unready; pods without a sample are missing; for cpu, a pod whose Ready condition is absent,
 * or that is still in its cpu initialization period and either unready or sampled before one
 * window had passed since it became ready, or that never became ready since its start, is unready.
 * Unready pods with a sample are dropped; missing pods count as 100 % of their request when
 * scaling down and 0 when scaling up; unready pods count as 0 when scaling up; the tolerance and
 * "no direction change" checks then decide as upstream.
 */
import { at, objs, str } from '../../api/json-access.js';
import type { KubeObject } from '../../api/object.js';
import { readQuantity } from '../../api/schema/quantity.js';

/** Milli-unit samples by pod name. */
export type MilliMetrics = Map<string, { readonly value: number; readonly timestamp: number; readonly windowMs: number }>;

export interface CalculatorConfig {
  readonly tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  readonly cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  readonly delayOfInitialReadinessStatusMs: number;
  readonly now: number;
}

export interface UtilizationResult {
  readonly replicas: number;
  readonly utilization: number;
  /** Average usage per pod, milli-units. */
  readonly rawAverage: number;
}

export interface AverageValueResult {
  readonly replicas: number;
  readonly average: number;
}

/** An error the calculation ends with; its message is upstream's. */
export class ReplicaCalculationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaCalculationError';
  }
}

interface PodGroups {
  readonly readyPodCount: number;
  readonly unready: Set<string>;
  readonly missing: Set<string>;
  readonly ignored: Set<string>;
}

const time = (v: unknown): number | undefined => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
};

function groupPods(pods: readonly KubeObject[], metrics: MilliMetrics, resource: string, c: CalculatorConfig): PodGroups {
  let readyPodCount = 0;
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const phase = str(at(pod.status, 'phase'));
    if (pod.metadata.deletionTimestamp || phase === 'Failed') {
      ignored.add(name);
      continue;
    }
    if (phase === 'Pending') {
      unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = objs(at(pod.status, 'conditions')).find((cond) => cond.type === 'Ready');
      const start = time(at(pod.status, 'startTime'));
      let isUnready: boolean;
      if (!ready || start === undefined) isUnready = true;
      else {
        const transition = time(ready.lastTransitionTime) ?? 0;
        if (start + c.cpuInitializationPeriodMs > c.now) {
          // Within the initialization period: drop the sample unless one full window was collected since the pod became ready.
          isUnready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Afterwards: drop it only for a pod that never became ready.
          isUnready = ready.status === 'False' && start + c.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (isUnready) {
        unready.add(name);
        continue;
      }
    }
    readyPodCount++;
  }
  return { readyPodCount, unready, missing, ignored };
}

/** Quantity.MilliValue (rounded up). */
export function milliValue(raw: unknown): number | undefined {
  const q = readQuantity(raw);
  if (!q) return undefined;
  const n = q.nanos;
  const milli = n / 1_000_000n + (n % 1_000_000n > 0n ? 1n : 0n);
  return Number(milli);
}

/** Sum of the containers' requests per pod; upstream fails on the first container without one. */
function podRequests(pods: readonly KubeObject[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const container of objs(at(pod.spec, 'containers'))) {
      const request = milliValue(at(container, 'resources', 'requests', resource));
      if (request === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${str(container.name)} of Pod ${pod.metadata.name ?? ''}`);
      sum += request;
    }
    out.set(pod.metadata.name ?? '', sum);
  }
  return out;
}

/** metricsclient.GetResourceUtilizationRatio. */
function utilizationRatio(metrics: MilliMetrics, requests: ReadonlyMap<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

function dropPods(metrics: MilliMetrics, names: Iterable<string>): void {
  for (const n of names) metrics.delete(n);
}

function noPods(pods: readonly KubeObject[]): void {
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
}

const NO_READY_METRICS = 'did not receive metrics for targeted pods (pods might be unready)';

/** The samples of the pods that count (neither ignored nor unready), and how the pods were grouped. */
function readyMetrics(pods: readonly KubeObject[], samples: MilliMetrics, resource: string, c: CalculatorConfig): { metrics: MilliMetrics; g: ReturnType<typeof groupPods> } {
  noPods(pods);
  const metrics: MilliMetrics = new Map(samples);
  const g = groupPods(pods, metrics, resource, c);
  dropPods(metrics, g.ignored);
  dropPods(metrics, g.unready);
  if (metrics.size === 0) throw new ReplicaCalculationError(NO_READY_METRICS);
  return { metrics, g };
}

/** GetResourceReplicas: a target averageUtilization (percent of the pods' requests). */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, pods: readonly KubeObject[], samples: MilliMetrics, c: CalculatorConfig): UtilizationResult {
  const { metrics, g } = readyMetrics(pods, samples, resource, c);
  const requests = podRequests(pods, resource);
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, targetUtilization);
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - ratio) <= c.tolerance) return { replicas: currentReplicas, utilization, rawAverage };
    return { replicas: Math.ceil(ratio * g.readyPodCount), utilization, rawAverage };
  }
  const fill = (names: Iterable<string>, value: (n: string) => number) => {
    for (const n of names) metrics.set(n, { value: value(n), timestamp: c.now, windowMs: 0 });
  };
  if (g.missing.size > 0) {
    // Assume the worst for the direction we are going: full use when scaling down, none when scaling up.
    if (ratio < 1) fill(g.missing, (n) => requests.get(n) ?? 0);
    else if (ratio > 1) fill(g.missing, () => 0);
  }
  if (scaleUpWithUnready) fill(g.unready, () => 0);
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio;
  if (Math.abs(1 - next) <= c.tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return { replicas: currentReplicas, utilization, rawAverage };
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, utilization, rawAverage };
  return { replicas, utilization, rawAverage };
}

/** GetRawResourceReplicas (calcPlainMetricReplicas): a target averageValue per pod, milli-units. */
export function rawResourceReplicas(currentReplicas: number, targetAverage: number, resource: string, pods: readonly KubeObject[], samples: MilliMetrics, c: CalculatorConfig): AverageValueResult {
  const { metrics, g } = readyMetrics(pods, samples, resource, c);
  const usageRatio = (m: MilliMetrics) => {
    let total = 0;
    for (const v of m.values()) total += v.value;
    const average = Math.trunc(total / m.size);
    return { ratio: average / targetAverage, average };
  };
  const { ratio, average } = usageRatio(metrics);
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - ratio) <= c.tolerance) return { replicas: currentReplicas, average };
    return { replicas: Math.ceil(ratio * g.readyPodCount), average };
  }
  const fill = (names: Iterable<string>, value: number) => {
    for (const n of names) metrics.set(n, { value, timestamp: c.now, windowMs: 0 });
  };
  if (g.missing.size > 0) {
    if (ratio < 1) fill(g.missing, targetAverage);
    else fill(g.missing, 0);
  }
  if (scaleUpWithUnready) fill(g.unready, 0);
  const next = usageRatio(metrics).ratio;
  if (Math.abs(1 - next) <= c.tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return { replicas: currentReplicas, average };
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, average };
  return { replicas, average };
}

/** Names of the pods (for the metrics query). */
export function podNames(pods: readonly KubeObject[]): string[] {
  return pods.map((p) => p.metadata.name ?? '');
}
