/**
 * The HorizontalPodAutoscaler controller (kube-controller-manager's `horizontal-pod-autoscaler`,
 * upstream pkg/controller/podautoscaler/horizontal.go), over autoscaling/v2 objects.
 *
 * Every HPA is reconciled when it appears or its spec changes, and then every `syncPeriodMs`
 * (--horizontal-pod-autoscaler-sync-period, 15 s), as upstream does — a failed sync is not
 * retried sooner (upstream requeues every key at the resync period whatever happened; a faster
 * backoff would only hammer a target or a metrics pipeline that is down). One reconcile:
 *  1. reads the target's scale (Deployment, ReplicaSet, StatefulSet, ReplicationController or a
 *     custom resource with /scale) — failure: AbleToScale=False/FailedGetScale + event;
 *  2. replicas 0 → autoscaling disabled (ScalingActive=False/ScalingDisabled); replicas outside
 *     [minReplicas, maxReplicas] → the bound, without metrics; otherwise the largest proposal of
 *     the Resource metrics (replica-calculator.ts), stabilized and rate-limited as upstream: the
 *     old algorithm (5 min downscale stabilization, scale-up limit max(2×, 4)) without
 *     spec.behavior, the behavior algorithm (windows, Pods/Percent policies, selectPolicy) with it;
 *  3. writes the new replica count through the target (AbleToScale SucceededRescale, event
 *     SuccessfulRescale) and the status (currentReplicas, desiredReplicas, lastScaleTime,
 *     currentMetrics, conditions) through the status subresource when it changed.
 * Messages, reasons and event texts are upstream's.
 *
 * Recommendations and scale events live in memory per HPA key (as upstream's maps do): a
 * restarted controller starts its stabilization windows afresh.
 */
import { int, isNil, obj, objs, str } from '../../api/json-access.js';
import { deepCopy, jsonEqual, rfc3339, type JsonObject, type JsonValue, type KubeObject } from '../../api/object.js';
import { formatQuantity } from '../../api/schema/quantity.js';
import { parseLabelSelector, type LabelSelector } from '../../api/selectors/index.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { MetricsUnavailableError, type MetricResource, type MetricsClient } from './metrics-client.js';
import { milliValue, podNames, rawResourceReplicas, ReplicaCalculationError, resourceReplicas, type CalculatorConfig, type MilliMetrics } from './replica-calculator.js';
import type { ScaleTargetRef, ScaleTargets, TargetScale } from './scale-targets.js';

export const HPA_RESOURCE: ResourceRef = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };

export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;
/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 5 * 60_000;
export const DEFAULT_TOLERANCE = 0.1;
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

/** Upstream's scaleUpLimitFactor / scaleUpLimitMinimum (the algorithm without spec.behavior). */
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

export interface HpaControllerOptions {
  readonly metrics: MetricsClient;
  readonly scaleTargets: ScaleTargets;
  readonly syncPeriodMs?: number;
  readonly downscaleStabilizationMs?: number;
  readonly tolerance?: number;
  readonly cpuInitializationPeriodMs?: number;
  readonly initialReadinessDelayMs?: number;
}

interface Recommendation {
  readonly replicas: number;
  readonly timestamp: number;
}

interface ScaleEvent {
  readonly change: number;
  readonly timestamp: number;
  outdated: boolean;
}

interface ScalingPolicy {
  readonly type: string;
  readonly value: number;
  readonly periodSeconds: number;
}

interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: string;
  readonly policies: readonly ScalingPolicy[];
}

interface Behavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** A metric that could not be computed: the condition to show if all fail, and the error. */
class MetricError extends Error {
  constructor(
    message: string,
    readonly condition: Condition | undefined,
  ) {
    super(message);
    this.name = 'MetricError';
  }
}

interface MetricsOutcome {
  /** -1: nothing usable. */
  readonly replicas: number;
  readonly metric: string;
  readonly statuses: JsonObject[] | undefined;
  readonly error: Error | undefined;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontal-pod-autoscaler';
  readonly #ctx: ControllerContext;
  readonly #recorder: EventRecorder;
  readonly #metrics: MetricsClient;
  readonly #scales: ScaleTargets;
  readonly #syncPeriod: number;
  readonly #downscaleStabilization: number;
  readonly #tolerance: number;
  readonly #cpuInitPeriod: number;
  readonly #readinessDelay: number;
  readonly #hpas: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #queue;
  readonly #recommendations = new Map<string, Recommendation[]>();
  readonly #scaleUpEvents = new Map<string, ScaleEvent[]>();
  readonly #scaleDownEvents = new Map<string, ScaleEvent[]>();

  constructor(ctx: ControllerContext, options: HpaControllerOptions) {
    this.#ctx = ctx;
    this.#recorder = ctx.recorder('horizontal-pod-autoscaler');
    this.#metrics = options.metrics;
    this.#scales = options.scaleTargets;
    this.#syncPeriod = options.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
    this.#downscaleStabilization = options.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS;
    this.#tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
    this.#cpuInitPeriod = options.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS;
    this.#readinessDelay = options.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS;
    this.#queue = newQueue(ctx.clock);
    this.#hpas = ctx.informers.informer(HPA_RESOURCE);
    this.#pods = ctx.informers.informer(resources.pods);
    // Not on every update: the controller's own status writes would sync the HPA again at once,
    // and each sync may rescale (upstream looks at an HPA once per sync period).
    this.#hpas.addEventHandler({
      onAdd: (o) => this.#queue.add(objectKey(o)),
      onUpdate: (old, cur) => {
        if (old.metadata.generation !== cur.metadata.generation) this.#queue.add(objectKey(cur));
      },
      onDelete: (o) => this.#queue.add(objectKey(o)),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#hpas.waitForSync(signal), this.#pods.waitForSync(signal)]);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), logger: this.#ctx.logger, clock: this.#ctx.clock }, signal);
  }

  async #sync(key: string): Promise<ReconcileResult> {
    const hpa = this.#hpas.lister.getByKey(key);
    if (!hpa) {
      this.#recommendations.delete(key);
      this.#scaleUpEvents.delete(key);
      this.#scaleDownEvents.delete(key);
      return;
    }
    try {
      await this.#reconcile(key, hpa);
    } catch (e) {
      this.#ctx.logger.debug({ controller: this.name, key, err: errorText(e) }, 'horizontal pod autoscaler sync failed');
    }
    return { requeueAfterMs: this.#syncPeriod };
  }

  // ---- reconcileAutoscaler -----------------------------------------------------------------------

  async #reconcile(key: string, shared: KubeObject): Promise<void> {
    const hpa = deepCopy(shared);
    const spec = obj(hpa.spec) ?? {};
    const original = deepCopy(obj(hpa.status) ?? {});
    const status: JsonObject = deepCopy(original);
    const ns = hpa.metadata.namespace ?? '';
    const refObj = obj(spec.scaleTargetRef) ?? {};
    const ref: ScaleTargetRef = { apiVersion: str(refObj.apiVersion), kind: str(refObj.kind), name: str(refObj.name) };
    const reference = `${ref.kind}/${ns}/${ref.name}`;

    let scale: TargetScale;
    try {
      scale = await this.#scales.get(ns, ref);
    } catch (e) {
      this.#recorder.event(hpa, 'Warning', 'FailedGetScale', errorText(e));
      this.#setCondition(status, { type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${errorText(e)}` });
      await this.#updateStatusQuietly(hpa, original, status);
      throw new Error(`failed to query scale subresource for ${reference}: ${errorText(e)}`);
    }
    this.#setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    const currentReplicas = scale.specReplicas;
    if (!this.#recommendations.has(key)) this.#recommendations.set(key, [{ replicas: currentReplicas, timestamp: this.#ctx.clock.now() }]);

    const minReplicas = isNil(spec.minReplicas) ? 1 : int(spec.minReplicas);
    const maxReplicas = int(spec.maxReplicas);
    let desiredReplicas = 0;
    let rescaleReason = '';
    let rescale = true;
    let metricStatuses: JsonObject[] | undefined;
    let retErr: Error | undefined;

    if (currentReplicas === 0 && minReplicas !== 0) {
      desiredReplicas = 0;
      rescale = false;
      this.#setCondition(status, { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const outcome = await this.#computeReplicasForMetrics(hpa, status, scale, objs(spec.metrics));
      metricStatuses = outcome.statuses;
      if (outcome.error && outcome.replicas === -1) {
        this.#setStatus(hpa, status, currentReplicas, int(status.desiredReplicas), metricStatuses, false);
        await this.#updateStatusQuietly(hpa, original, status);
        this.#recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', outcome.error.message);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${outcome.error.message}`);
      }
      // Some metrics failed but the others still say scale up: scale, and report the error after.
      retErr = outcome.error;
      let rescaleMetric = '';
      if (outcome.replicas > desiredReplicas) {
        desiredReplicas = outcome.replicas;
        rescaleMetric = outcome.metric;
      }
      if (desiredReplicas > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      const behavior = readBehavior(obj(spec.behavior), this.#downscaleStabilization);
      desiredReplicas = behavior
        ? this.#normalizeWithBehaviors(key, status, behavior, currentReplicas, desiredReplicas, minReplicas, maxReplicas)
        : this.#normalize(key, status, currentReplicas, desiredReplicas, minReplicas, maxReplicas);
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.#scales.update(ns, ref, scale, desiredReplicas);
      } catch (e) {
        this.#recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${errorText(e)}`);
        this.#setCondition(status, { type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${errorText(e)}` });
        this.#setStatus(hpa, status, currentReplicas, int(status.desiredReplicas), metricStatuses, false);
        await this.#updateStatusQuietly(hpa, original, status);
        throw new Error(`failed to rescale ${reference}: ${errorText(e)}`);
      }
      this.#setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` });
      this.#recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      this.#storeScaleEvent(key, readBehavior(obj(spec.behavior), this.#downscaleStabilization), currentReplicas, desiredReplicas);
      this.#ctx.logger.info({ controller: this.name, hpa: key, currentReplicas, desiredReplicas, reason: rescaleReason }, 'successfully rescaled');
    } else {
      desiredReplicas = currentReplicas;
    }
    this.#setStatus(hpa, status, currentReplicas, desiredReplicas, metricStatuses, rescale);
    await this.#updateStatusIfNeeded(hpa, original, status);
    if (retErr) throw retErr;
  }

  // ---- metrics -----------------------------------------------------------------------------------

  async #computeReplicasForMetrics(hpa: KubeObject, status: JsonObject, scale: TargetScale, specs: JsonObject[]): Promise<MetricsOutcome> {
    if (scale.selector === '') {
      this.#recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      this.#setCondition(status, { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" });
      return { replicas: -1, metric: '', statuses: undefined, error: new Error('selector is required') };
    }
    let selector: LabelSelector;
    try {
      selector = parseLabelSelector(scale.selector);
    } catch (e) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${errorText(e)}`;
      this.#recorder.event(hpa, 'Warning', 'InvalidSelector', msg);
      this.#setCondition(status, { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: msg });
      return { replicas: -1, metric: '', statuses: undefined, error: new Error(msg) };
    }
    const ns = hpa.metadata.namespace ?? '';
    const pods = this.#pods.lister.list(ns).filter((p) => selector.matches(p.metadata.labels));

    const statuses: JsonObject[] = [];
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstError: MetricError | undefined;
    for (const spec of specs) {
      try {
        const r = await this.#computeReplicasForMetric(hpa, spec, scale.specReplicas, pods);
        statuses.push(r.status);
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.metric;
        }
      } catch (e) {
        // Upstream leaves the zero MetricStatus in place of a metric it could not read.
        statuses.push({ type: '' });
        const err = e instanceof MetricError ? e : new MetricError(errorText(e), undefined);
        if (invalid === 0) firstError = err;
        invalid++;
      }
    }
    const error = firstError ? new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`) : undefined;
    // All metrics invalid, or some invalid while the valid ones would scale down: do nothing.
    if (invalid >= specs.length || (invalid > 0 && replicas < scale.specReplicas)) {
      if (firstError?.condition) this.#setCondition(status, firstError.condition);
      return { replicas: -1, metric: '', statuses, error: error ?? new Error('no metrics specified') };
    }
    this.#setCondition(status, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metric}` });
    return { replicas, metric, statuses, error };
  }

  /** The condition upstream's getUnableComputeReplicaCountCondition builds, with its event. */
  #unableToCompute(hpa: KubeObject, reason: string, err: string): Condition {
    this.#recorder.event(hpa, 'Warning', reason, err);
    return { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${err}` };
  }

  async #computeReplicasForMetric(hpa: KubeObject, spec: JsonObject, currentReplicas: number, pods: KubeObject[]): Promise<{ replicas: number; metric: string; status: JsonObject }> {
    const type = str(spec.type);
    switch (type) {
      case 'Resource': {
        const source = obj(spec.resource) ?? {};
        const name = str(source.name);
        try {
          const r = await this.#resourceMetric(hpa, name, obj(source.target) ?? {}, currentReplicas, pods);
          return { replicas: r.replicas, metric: r.metric, status: { type: 'Resource', resource: { name, current: r.current } } };
        } catch (e) {
          const condition = this.#unableToCompute(hpa, 'FailedGetResourceMetric', errorText(e));
          throw new MetricError(`failed to get ${name} resource metric value: ${errorText(e)}`, condition);
        }
      }
      case 'Pods':
      case 'Object':
      case 'External':
      case 'ContainerResource': {
        // lite serves no custom or external metrics API (and per-container resource metrics are not wired yet).
        const reason = { Pods: 'FailedGetPodsMetric', Object: 'FailedGetObjectMetric', External: 'FailedGetExternalMetric', ContainerResource: 'FailedGetContainerResourceMetric' }[type];
        const api = type === 'External' ? 'external.metrics.k8s.io' : type === 'ContainerResource' ? 'metrics.k8s.io (per container)' : 'custom.metrics.k8s.io';
        const err = `${type} metrics are not supported: the ${api} API is not available`;
        throw new MetricError(err, this.#unableToCompute(hpa, reason, err));
      }
      default: {
        const err = `unknown metric source type ${JSON.stringify(type)}`;
        throw new MetricError(err, this.#unableToCompute(hpa, 'InvalidMetricSourceType', err));
      }
    }
  }

  /** computeStatusForResourceMetricGeneric: throws upstream's error texts. */
  async #resourceMetric(hpa: KubeObject, name: string, target: JsonObject, currentReplicas: number, pods: KubeObject[]): Promise<{ replicas: number; metric: string; current: JsonObject }> {
    const ns = hpa.metadata.namespace ?? '';
    const config: CalculatorConfig = { tolerance: this.#tolerance, cpuInitializationPeriodMs: this.#cpuInitPeriod, delayOfInitialReadinessStatusMs: this.#readinessDelay, now: this.#ctx.clock.now() };
    const averageValue = isNil(target.averageValue) ? undefined : milliValue(target.averageValue);
    if (averageValue !== undefined) {
      let samples: MilliMetrics;
      try {
        samples = await this.#samples(ns, name, pods);
        const r = rawResourceReplicas(currentReplicas, averageValue, name, pods, samples, config);
        return { replicas: r.replicas, metric: `${name} resource`, current: { averageValue: milliQuantity(r.average) } };
      } catch (e) {
        throw new Error(`failed to get ${name} usage: ${errorText(e)}`);
      }
    }
    if (isNil(target.averageUtilization)) throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    try {
      const samples = await this.#samples(ns, name, pods);
      const r = resourceReplicas(currentReplicas, int(target.averageUtilization), name, pods, samples, config);
      return { replicas: r.replicas, metric: `${name} resource utilization (percentage of request)`, current: { averageValue: milliQuantity(r.rawAverage), averageUtilization: r.utilization } };
    } catch (e) {
      throw new Error(`failed to get ${name} utilization: ${errorText(e)}`);
    }
  }

  /** The pods' samples in milli-units; upstream's "unable to get metrics for resource …" on failure. */
  async #samples(namespace: string, resource: string, pods: KubeObject[]): Promise<MilliMetrics> {
    if (resource !== 'cpu' && resource !== 'memory') throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    try {
      const r = await this.#metrics.podResourceMetrics(namespace, podNames(pods), resource satisfies MetricResource);
      const out: MilliMetrics = new Map();
      // Memory comes in bytes; upstream computes in Quantity.MilliValue for every resource.
      for (const [name, m] of r.metrics) out.set(name, { value: resource === 'cpu' ? m.value : m.value * 1000, timestamp: m.timestamp, windowMs: m.windowMs });
      return out;
    } catch (e) {
      // MetricsUnavailableError carries upstream's metrics-client text; anything else is wrapped the same way.
      throw new Error(`unable to get metrics for resource ${resource}: ${e instanceof MetricsUnavailableError ? e.message : errorText(e)}`);
    }
  }

  // ---- normalization -----------------------------------------------------------------------------

  /** normalizeDesiredReplicas: the algorithm for HPAs without spec.behavior. */
  #normalize(key: string, status: JsonObject, currentReplicas: number, prenormalized: number, minReplicas: number, maxReplicas: number): number {
    const stabilized = this.#stabilize(key, prenormalized);
    if (stabilized !== prenormalized) this.#setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    else this.#setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' });

    // Do not scale up too far at once (a bogus usage report must not explode the target).
    const scaleUpLimit = Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
    let maximumAllowed: number;
    let reason: string;
    let message: string;
    if (maxReplicas > scaleUpLimit) {
      maximumAllowed = scaleUpLimit;
      reason = 'ScaleUpLimit';
      message = 'the desired replica count is increasing faster than the maximum scale rate';
    } else {
      maximumAllowed = maxReplicas;
      reason = 'TooManyReplicas';
      message = 'the desired replica count is more than the maximum replica count';
    }
    let desired = stabilized;
    if (stabilized < minReplicas) {
      desired = minReplicas;
      reason = 'TooFewReplicas';
      message = 'the desired replica count is less than the minimum replica count';
    } else if (stabilized > maximumAllowed) {
      desired = maximumAllowed;
    } else {
      reason = 'DesiredWithinRange';
      message = 'the desired count is within the acceptable range';
    }
    this.#setCondition(status, { type: 'ScalingLimited', status: desired === stabilized ? 'False' : 'True', reason, message });
    return desired;
  }

  /** stabilizeRecommendation: the highest recommendation of the downscale window. */
  #stabilize(key: string, prenormalized: number): number {
    const now = this.#ctx.clock.now();
    const cutoff = now - this.#downscaleStabilization;
    const recs = this.#recommendations.get(key) ?? [];
    let max = prenormalized;
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.timestamp < cutoff) oldIndex = i;
      else if (r.replicas > max) max = r.replicas;
    });
    const rec = { replicas: prenormalized, timestamp: now };
    if (oldIndex >= 0) recs[oldIndex] = rec;
    else recs.push(rec);
    this.#recommendations.set(key, recs);
    return max;
  }

  /** normalizeDesiredReplicasWithBehaviors. */
  #normalizeWithBehaviors(key: string, status: JsonObject, behavior: Behavior, currentReplicas: number, prenormalized: number, minReplicas: number, maxReplicas: number): number {
    const { replicas: stabilized, reason, message } = this.#stabilizeWithBehaviors(key, behavior, currentReplicas, prenormalized);
    if (stabilized !== prenormalized) this.#setCondition(status, { type: 'AbleToScale', status: 'True', reason, message });
    else this.#setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' });
    const limited = this.#rateLimit(key, behavior, currentReplicas, stabilized, minReplicas, maxReplicas);
    this.#setCondition(status, { type: 'ScalingLimited', status: limited.replicas === stabilized ? 'False' : 'True', reason: limited.reason, message: limited.message });
    return limited.replicas;
  }

  #stabilizeWithBehaviors(key: string, behavior: Behavior, currentReplicas: number, desired: number): { replicas: number; reason: string; message: string } {
    const now = this.#ctx.clock.now();
    const upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
    const downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
    let up = desired;
    let down = desired;
    let oldIndex = -1;
    const recs = this.#recommendations.get(key) ?? [];
    recs.forEach((r, i) => {
      if (r.timestamp > upCutoff) up = Math.min(r.replicas, up);
      if (r.timestamp > downCutoff) down = Math.max(r.replicas, down);
      if (r.timestamp < upCutoff && r.timestamp < downCutoff) oldIndex = i;
    });
    let replicas = currentReplicas;
    if (replicas < up) replicas = up;
    if (replicas > down) replicas = down;
    const rec = { replicas: desired, timestamp: now };
    if (oldIndex >= 0) recs[oldIndex] = rec;
    else recs.push(rec);
    this.#recommendations.set(key, recs);
    return desired >= currentReplicas
      ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }

  /** convertDesiredReplicasWithBehaviorRate. */
  #rateLimit(key: string, behavior: Behavior, current: number, desired: number, minReplicas: number, maxReplicas: number): { replicas: number; reason: string; message: string } {
    const upEvents = this.#scaleUpEvents.get(key) ?? [];
    const downEvents = this.#scaleDownEvents.get(key) ?? [];
    if (desired > current) {
      let limit = this.#scaleUpLimit(current, upEvents, downEvents, behavior.scaleUp);
      if (limit < current) limit = current;
      let maximumAllowed = maxReplicas;
      let reason = 'TooManyReplicas';
      let message = 'the desired replica count is more than the maximum replica count';
      if (maximumAllowed > limit) {
        maximumAllowed = limit;
        reason = 'ScaleUpLimit';
        message = 'the desired replica count is increasing faster than the maximum scale rate';
      }
      if (desired > maximumAllowed) return { replicas: maximumAllowed, reason, message };
    } else if (desired < current) {
      let limit = this.#scaleDownLimit(current, upEvents, downEvents, behavior.scaleDown);
      if (limit > current) limit = current;
      let minimumAllowed = minReplicas;
      let reason = 'TooFewReplicas';
      let message = 'the desired replica count is less than the minimum replica count';
      if (minimumAllowed < limit) {
        minimumAllowed = limit;
        reason = 'ScaleDownLimit';
        message = 'the desired replica count is decreasing faster than the maximum scale rate';
      }
      if (desired < minimumAllowed) return { replicas: minimumAllowed, reason, message };
    }
    return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  }

  #changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[]): number {
    const cutoff = this.#ctx.clock.now() - periodSeconds * 1000;
    let sum = 0;
    for (const e of events) if (e.timestamp > cutoff) sum += e.change;
    return sum;
  }

  #scaleUpLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const useMin = rules.selectPolicy === 'Min';
    let result = useMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    for (const p of rules.policies) {
      const start = current - this.#changeInPeriod(p.periodSeconds, upEvents) + this.#changeInPeriod(p.periodSeconds, downEvents);
      // Percent proposals round up, or a small target could never grow.
      const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  }

  #scaleDownLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const useMin = rules.selectPolicy === 'Min';
    let result = useMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
    for (const p of rules.policies) {
      const start = current - this.#changeInPeriod(p.periodSeconds, upEvents) + this.#changeInPeriod(p.periodSeconds, downEvents);
      const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = useMin ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }

  /** storeScaleEvent: only HPAs with spec.behavior keep scale events (the policies read them). */
  #storeScaleEvent(key: string, behavior: Behavior | undefined, previous: number, next: number): void {
    if (!behavior) return;
    const up = next > previous;
    const map = up ? this.#scaleUpEvents : this.#scaleDownEvents;
    const rules = up ? behavior.scaleUp : behavior.scaleDown;
    const longest = rules.policies.reduce((m, p) => Math.max(m, p.periodSeconds), 0);
    const events = map.get(key) ?? [];
    const cutoff = this.#ctx.clock.now() - longest * 1000;
    let oldIndex = -1;
    events.forEach((e, i) => {
      if (e.timestamp < cutoff) e.outdated = true;
      if (e.outdated) oldIndex = i;
    });
    const event: ScaleEvent = { change: up ? next - previous : previous - next, timestamp: this.#ctx.clock.now(), outdated: false };
    if (oldIndex >= 0) events[oldIndex] = event;
    else events.push(event);
    map.set(key, events);
  }

  // ---- status ------------------------------------------------------------------------------------

  /** setConditionInList: replaces the condition of that type, moving lastTransitionTime only on a status change. */
  #setCondition(status: JsonObject, c: Condition): void {
    const conditions = objs(status.conditions).map((x) => ({ ...x }));
    let existing = conditions.find((x) => x.type === c.type);
    if (!existing) {
      existing = { type: c.type };
      conditions.push(existing);
    }
    if (existing.status !== c.status) existing.lastTransitionTime = rfc3339(this.#ctx.clock.now());
    existing.status = c.status;
    existing.reason = c.reason;
    existing.message = c.message;
    // Upstream's field order: type, status, lastTransitionTime, reason, message.
    status.conditions = conditions.map((x) => ({ type: x.type as JsonValue, status: x.status as JsonValue, lastTransitionTime: x.lastTransitionTime as JsonValue, reason: x.reason as JsonValue, message: x.message as JsonValue }));
  }

  /** setStatus: recreates the status, keeping lastScaleTime (moved on a rescale) and the conditions. */
  #setStatus(hpa: KubeObject, status: JsonObject, currentReplicas: number, desiredReplicas: number, metricStatuses: JsonObject[] | undefined, rescale: boolean): void {
    const lastScaleTime = rescale ? rfc3339(this.#ctx.clock.now()) : status.lastScaleTime;
    const conditions = status.conditions;
    for (const k of Object.keys(status)) delete status[k];
    if (!isNil(lastScaleTime)) status.lastScaleTime = lastScaleTime;
    status.currentReplicas = currentReplicas;
    status.desiredReplicas = desiredReplicas;
    if (metricStatuses && metricStatuses.length > 0) status.currentMetrics = metricStatuses;
    if (!isNil(conditions)) status.conditions = conditions;
  }

  async #updateStatusIfNeeded(hpa: KubeObject, original: JsonObject, status: JsonObject): Promise<void> {
    if (jsonEqual(original, status)) return;
    try {
      await this.#ctx.client.update(HPA_RESOURCE, hpa.metadata.namespace, { ...hpa, status }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      this.#recorder.event(hpa, 'Warning', 'FailedUpdateStatus', errorText(e));
      throw new Error(`failed to update status for ${hpa.metadata.name ?? ''}: ${errorText(e)}`);
    }
  }

  /** On the error paths upstream writes the status but reports the original error. */
  async #updateStatusQuietly(hpa: KubeObject, original: JsonObject, status: JsonObject): Promise<void> {
    try {
      await this.#updateStatusIfNeeded(hpa, original, status);
    } catch (e) {
      this.#ctx.logger.debug({ controller: this.name, err: errorText(e) }, 'updating the autoscaler status failed');
    }
  }
}

/** A Quantity from milli-units, as resource.NewMilliQuantity(v, DecimalSI) prints it. */
function milliQuantity(milli: number): string {
  return formatQuantity({ nanos: BigInt(Math.trunc(milli)) * 1_000_000n, format: 'DecimalSI' });
}

function readRules(o: JsonObject | undefined, defaults: ScalingRules): ScalingRules {
  if (!o) return defaults;
  const policies = Array.isArray(o.policies)
    ? objs(o.policies).map((p) => ({ type: str(p.type), value: int(p.value), periodSeconds: int(p.periodSeconds) }))
    : defaults.policies;
  return {
    stabilizationWindowSeconds: isNil(o.stabilizationWindowSeconds) ? defaults.stabilizationWindowSeconds : int(o.stabilizationWindowSeconds),
    selectPolicy: isNil(o.selectPolicy) ? defaults.selectPolicy : str(o.selectPolicy),
    policies,
  };
}

/**
 * spec.behavior with upstream's defaults for what it leaves out (scale up: no window, 100 % or
 * 4 pods per 15 s, the larger; scale down: the controller's downscale window, 100 % per 15 s);
 * undefined without spec.behavior (the old algorithm then applies).
 */
export function readBehavior(behavior: JsonObject | undefined, downscaleStabilizationMs: number): Behavior | undefined {
  if (!behavior) return undefined;
  const scaleUp: ScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] };
  const scaleDown: ScalingRules = { stabilizationWindowSeconds: Math.trunc(downscaleStabilizationMs / 1000), selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
  return { scaleUp: readRules(obj(behavior.scaleUp), scaleUp), scaleDown: readRules(obj(behavior.scaleDown), scaleDown) };
}
