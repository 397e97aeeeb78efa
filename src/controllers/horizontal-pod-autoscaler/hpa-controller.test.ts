import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { at } from '../../api/json-access.js';
import { rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { HorizontalPodAutoscalerController, HPA_RESOURCE } from './hpa-controller.js';
import { MetricsUnavailableError, unavailableMetricsClient, type MetricResource, type MetricsClient, type PodMetricsResult } from './metrics-client.js';
import { registryScaleTargets } from './scale-targets.js';

const DEPLOY: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };
const RC: ResourceRef = { group: '', version: 'v1', resource: 'replicationcontrollers' };
const NS = 'default';
const SYNC = 15_000;

/** Usage per pod name; records every query. */
class FakeMetrics implements MetricsClient {
  readonly usage = new Map<string, number>();
  calls = 0;
  constructor(private readonly api: () => TestApi) {}
  async podResourceMetrics(_ns: string, podNames: readonly string[], _resource: MetricResource): Promise<PodMetricsResult> {
    this.calls++;
    const now = this.api().clock.now();
    const metrics = new Map<string, { value: number; timestamp: number; windowMs: number }>();
    for (const n of podNames) {
      const v = this.usage.get(n);
      if (v !== undefined) metrics.set(n, { value: v, timestamp: now, windowMs: 15_000 });
    }
    if (metrics.size === 0) throw new MetricsUnavailableError('no metrics returned from resource metrics API');
    return { metrics, timestamp: now };
  }
}

const condition = (type: string, status: string, reason: string, message: string, at: number) => ({ type, status, lastTransitionTime: rfc3339(at), reason, message });

describe('HorizontalPodAutoscalerController', () => {
  let api: TestApi;
  let metrics: FakeMetrics;
  let t0: number;

  const start = (client: MetricsClient = metrics) => {
    void new HorizontalPodAutoscalerController(api.context, { metrics: client, scaleTargets: registryScaleTargets(api.core.registry, api.client), syncPeriodMs: SYNC }).run(api.signal);
  };

  beforeEach(async () => {
    api = await startTestApi();
    metrics = new FakeMetrics(() => api);
    t0 = api.clock.now();
  });
  afterEach(() => api.stop());

  const containers = (request?: JsonObject) => [{ name: 'app', image: 'example/app:1', ...(request ? { resources: { requests: request } } : {}) }];

  const createDeployment = (replicas: number, request: JsonObject | undefined = { cpu: '100m', memory: '100Mi' }) =>
    api.client.create(DEPLOY, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: containers(request) } } },
    });

  /** A pod running and Ready for 10 minutes (past the cpu initialization period). */
  const createPod = async (name: string, request: JsonObject | undefined = { cpu: '100m', memory: '100Mi' }): Promise<KubeObject> => {
    const pod = await api.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: containers(request) } });
    const since = rfc3339(api.clock.now() - 600_000);
    return api.client.update(resources.pods, NS, { ...pod, status: { ...(pod.status as JsonObject), phase: 'Running', startTime: since, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] } }, { subresource: 'status' });
  };

  const createPods = async (n: number, usage: number, request?: JsonObject) => {
    for (let i = 0; i < n; i++) {
      await createPod(`web-${i}`, request);
      metrics.usage.set(`web-${i}`, usage);
    }
  };

  const createHpa = (spec: JsonObject) =>
    api.client.create(HPA_RESOURCE, NS, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }], ...spec },
    });

  const hpaStatus = async (): Promise<JsonObject> => ((await api.client.get(HPA_RESOURCE, NS, 'web')).status ?? {}) as JsonObject;
  const replicas = async (): Promise<number> => at((await api.client.get(DEPLOY, NS, 'web')).spec, 'replicas') as number;
  const cond = (s: JsonObject, type: string) => (s.conditions as JsonObject[] | undefined)?.find((c) => c.type === type);
  const eventsWith = async (reason: string) => (await api.events()).filter((e) => e.reason === reason).map((e) => e.message);

  /** Lets the next periodic sync run and waits for it to have asked for metrics. */
  const sync = async (advanceMs = SYNC) => {
    const before = metrics.calls;
    api.clock.advance(advanceMs);
    await until(() => metrics.calls > before, 'a sync');
    await until(async () => (await hpaStatus()).desiredReplicas !== undefined, 'a status');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  };

  it('scales up on high cpu utilization and writes upstream\'s status', async () => {
    await createDeployment(2);
    await createPods(2, 120); // 120 % of 100m against a target of 80 %: ratio 1.5 → 3
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 10 });
    await until(async () => (await replicas()) === 3, 'the deployment scaled to 3');
    await until(async () => (await hpaStatus()).desiredReplicas === 3, 'the status');
    expect(await hpaStatus()).toEqual({
      lastScaleTime: rfc3339(t0),
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 120 } } }],
      conditions: [
        condition('AbleToScale', 'True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 3', t0),
        condition('ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)', t0),
        condition('ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range', t0),
      ],
    });
    expect(await eventsWith('SuccessfulRescale')).toEqual(['New size: 3; reason: cpu resource utilization (percentage of request) above target']);
    const ev = (await api.events()).find((e) => e.reason === 'SuccessfulRescale');
    expect(ev).toMatchObject({ type: 'Normal', source: { component: 'horizontal-pod-autoscaler' }, involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'web' } });
  });

  it('does not scale within the tolerance', async () => {
    await createDeployment(2);
    await createPods(2, 85); // 106 % of request / 80 % → ratio 1.0625, within 0.1
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 10 });
    await until(async () => (await hpaStatus()).desiredReplicas === 2, 'the status');
    expect(await replicas()).toBe(2);
    const s = await hpaStatus();
    expect(s.lastScaleTime).toBeUndefined();
    expect(s.currentReplicas).toBe(2);
    expect(s.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '85m', averageUtilization: 85 } } }]);
    expect(cond(s, 'AbleToScale')).toEqual(condition('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', t0));
    expect(await eventsWith('SuccessfulRescale')).toEqual([]);
  });

  it('scales down only after the downscale stabilization window', async () => {
    await createDeployment(4);
    await createPods(4, 20); // 20 % against 80 % → 1 replica
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 10 });
    await until(async () => cond(await hpaStatus(), 'AbleToScale')?.reason === 'ScaleDownStabilized', 'stabilized');
    expect(cond(await hpaStatus(), 'AbleToScale')?.message).toBe('recent recommendations were higher than current one, applying the highest recent recommendation');
    expect(await replicas()).toBe(4);
    await sync(284_000); // t0 + 284 s: the first recommendation (4) is still in the 5 min window
    expect(await replicas()).toBe(4);
    expect((await hpaStatus()).desiredReplicas).toBe(4);
    await sync(); // t0 + 299 s
    expect(await replicas()).toBe(4);
    await sync(); // t0 + 314 s: it has left the window
    await until(async () => (await replicas()) === 1, 'scaled down');
    expect(await eventsWith('SuccessfulRescale')).toEqual(['New size: 1; reason: All metrics below target']);
    const s = await hpaStatus();
    expect(s.lastScaleTime).toBe(rfc3339(t0 + 314_000));
    expect(s.desiredReplicas).toBe(1);
  });

  it('clamps to maxReplicas with ScalingLimited TooManyReplicas', async () => {
    await createDeployment(2);
    await createPods(2, 200); // ratio 2.5 → 5
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 3 });
    await until(async () => (await replicas()) === 3, 'scaled to max');
    await until(async () => (await hpaStatus()).desiredReplicas === 3, 'status');
    expect(cond(await hpaStatus(), 'ScalingLimited')).toEqual(condition('ScalingLimited', 'True', 'TooManyReplicas', 'the desired replica count is more than the maximum replica count', t0));
  });

  it('limits the scale-up rate without spec.behavior (2× or 4 pods)', async () => {
    await createDeployment(1);
    await createPods(1, 800); // ratio 10 → 10
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 20 });
    await until(async () => (await replicas()) === 4, 'scaled to the rate limit');
    await until(async () => cond(await hpaStatus(), 'ScalingLimited')?.reason === 'ScaleUpLimit', 'limited');
    expect(cond(await hpaStatus(), 'ScalingLimited')).toEqual(condition('ScalingLimited', 'True', 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate', t0));
  });

  it('clamps to minReplicas with ScalingLimited TooFewReplicas (spec.behavior without a window)', async () => {
    await createDeployment(3);
    await createPods(3, 10);
    start();
    await createHpa({ minReplicas: 2, maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    await until(async () => (await replicas()) === 2, 'scaled to min');
    await until(async () => (await hpaStatus()).desiredReplicas === 2, 'status');
    expect(cond(await hpaStatus(), 'ScalingLimited')).toEqual(condition('ScalingLimited', 'True', 'TooFewReplicas', 'the desired replica count is less than the minimum replica count', t0));
    expect(await eventsWith('SuccessfulRescale')).toEqual(['New size: 2; reason: All metrics below target']);
  });

  it('honours spec.behavior scale-up policies and their periods', async () => {
    await createDeployment(2);
    await createPods(2, 400); // ratio 5 → 10
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 10, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
    await until(async () => (await replicas()) === 3, 'one pod added');
    await until(async () => cond(await hpaStatus(), 'ScalingLimited')?.reason === 'ScaleUpLimit', 'limited');
    await sync(); // 15 s later: the period still holds the +1
    expect(await replicas()).toBe(3);
    await sync(46_000); // the period is over
    await until(async () => (await replicas()) === 4, 'another pod added');
  });

  it('scales to the bounds without metrics when the target is outside them', async () => {
    await createDeployment(6);
    start(unavailableMetricsClient);
    await createHpa({ minReplicas: 1, maxReplicas: 4 });
    await until(async () => (await replicas()) === 4, 'scaled to max');
    await until(async () => (await hpaStatus()).desiredReplicas === 4, 'status');
    expect(await eventsWith('SuccessfulRescale')).toEqual(['New size: 4; reason: Current number of replicas above Spec.MaxReplicas']);
    expect(await hpaStatus()).toEqual({
      lastScaleTime: rfc3339(t0),
      currentReplicas: 6,
      desiredReplicas: 4,
      conditions: [condition('AbleToScale', 'True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 4', t0)],
    });
  });

  it('scales up to minReplicas', async () => {
    await createDeployment(1);
    start(unavailableMetricsClient);
    await createHpa({ minReplicas: 2, maxReplicas: 4 });
    await until(async () => (await replicas()) === 2, 'scaled to min');
    expect(await eventsWith('SuccessfulRescale')).toEqual(['New size: 2; reason: Current number of replicas below Spec.MinReplicas']);
  });

  it('reports pods without a request for the resource', async () => {
    await createDeployment(1, {});
    await createPod('web-0', {});
    metrics.usage.set('web-0', 50);
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 4 });
    await until(async () => cond(await hpaStatus(), 'ScalingActive') !== undefined, 'condition');
    const s = await hpaStatus();
    expect(cond(s, 'ScalingActive')).toEqual(
      condition('ScalingActive', 'False', 'FailedGetResourceMetric', 'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod web-0', t0),
    );
    expect(s).toMatchObject({ currentReplicas: 1, desiredReplicas: 0, currentMetrics: [{ type: '' }] });
    expect(await eventsWith('FailedGetResourceMetric')).toEqual(['failed to get cpu utilization: missing request for cpu in container app of Pod web-0']);
    expect(await eventsWith('FailedComputeMetricsReplicas')).toEqual([
      'invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container app of Pod web-0',
    ]);
    expect(await replicas()).toBe(1);
  });

  it('says so when the metrics API is not available', async () => {
    await createDeployment(1);
    await createPod('web-0');
    start(unavailableMetricsClient);
    await createHpa({ minReplicas: 1, maxReplicas: 4 });
    await until(async () => cond(await hpaStatus(), 'ScalingActive') !== undefined, 'condition');
    expect(cond(await hpaStatus(), 'ScalingActive')?.message).toBe(
      'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)',
    );
  });

  it('disables autoscaling for a target scaled to zero', async () => {
    await createDeployment(0);
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 4 });
    await until(async () => cond(await hpaStatus(), 'ScalingActive') !== undefined, 'condition');
    expect(await hpaStatus()).toEqual({
      currentReplicas: 0,
      desiredReplicas: 0,
      conditions: [
        condition('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", t0),
        condition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', t0),
      ],
    });
    expect(await replicas()).toBe(0);
  });

  it('reports a target it cannot find', async () => {
    start();
    await createHpa({ minReplicas: 1, maxReplicas: 4 });
    await until(async () => cond(await hpaStatus(), 'AbleToScale') !== undefined, 'condition');
    expect(await hpaStatus()).toEqual({ conditions: [condition('AbleToScale', 'False', 'FailedGetScale', 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found', t0)] });
    expect(await eventsWith('FailedGetScale')).toEqual(['deployments.apps "web" not found']);
  });

  it('scales on an average memory value, and ReplicationControllers through their selector', async () => {
    await api.client.create(RC, NS, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: containers({ memory: '100Mi' }) } } },
    });
    await createPods(2, 200 * 1024 * 1024, { memory: '100Mi' });
    start();
    await createHpa({
      scaleTargetRef: { apiVersion: 'v1', kind: 'ReplicationController', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
    });
    await until(async () => at((await api.client.get(RC, NS, 'web')).spec, 'replicas') === 4, 'rc scaled to 4');
    await until(async () => (await hpaStatus()).desiredReplicas === 4, 'status');
    expect((await hpaStatus()).currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '209715200' } } }]);
    expect(await eventsWith('SuccessfulRescale')).toEqual(['New size: 4; reason: memory resource above target']);
  });
});
