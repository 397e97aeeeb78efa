/**
 * The HorizontalPodAutoscaler controller end to end on an in-process server with simulated
 * nodes: pods report the cpu their lite.dev/sim-cpu-usage annotation says, the built-in
 * metrics-server scrapes it, and the HPA scales the Deployment up to maxReplicas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  // The HPA sync period (15 s by default) and the metric resolution are shortened for the test.
  ts = await startTestServer({ simulatedNodes: { count: 2, podStartDelayMs: [10, 30] }, metricResolutionMs: 300, hpaSyncPeriodMs: 500 });
});
afterAll(async () => {
  await ts?.stop();
});

const json = { 'Content-Type': 'application/json' };
const HPA_PATH = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';

describe('HorizontalPodAutoscaler on simulated nodes', () => {
  it('scales a busy Deployment up to maxReplicas', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'busy' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'busy' } },
        template: {
          metadata: { labels: { app: 'busy' }, annotations: { 'lite.dev/sim-cpu-usage': '200m' } },
          spec: { containers: [{ name: 'app', image: 'example/app:1', resources: { requests: { cpu: '100m' } } }] },
        },
      },
    };
    const created = await rawRequest(ts.server, { method: 'POST', path: '/apis/apps/v1/namespaces/default/deployments', headers: json, body: JSON.stringify(deployment) });
    expect(created.status).toBe(201);
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'busy' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'busy' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    };
    expect((await rawRequest(ts.server, { method: 'POST', path: HPA_PATH, headers: json, body: JSON.stringify(hpa) })).status).toBe(201);

    await waitFor('the deployment scaled to 4', async () => {
      const d = await rawRequest(ts.server, { path: '/apis/apps/v1/namespaces/default/deployments/busy' });
      return d.json?.spec?.replicas === 4;
    }, 30_000, 100);
    // Once every new pod has metrics too, the recommendation (16) is held at maxReplicas.
    const status = await waitFor('ScalingLimited TooManyReplicas', async () => {
      const r = await rawRequest(ts.server, { path: `${HPA_PATH}/busy` });
      const limited = r.json?.status?.conditions?.find((c: { type: string }) => c.type === 'ScalingLimited');
      return limited?.reason === 'TooManyReplicas' ? r.json.status : undefined;
    }, 30_000, 100);
    expect(status).toMatchObject({
      currentReplicas: 4,
      desiredReplicas: 4,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }],
    });
    expect(typeof status.lastScaleTime).toBe('string');
    const byType = Object.fromEntries(status.conditions.map((c: { type: string; status: string; reason: string; message: string }) => [c.type, [c.status, c.reason, c.message]]));
    expect(byType).toEqual({
      AbleToScale: ['True', 'ReadyForNewScale', 'recommended size matches current size'],
      ScalingActive: ['True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)'],
      ScalingLimited: ['True', 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'],
    });

    const events = await rawRequest(ts.server, { path: '/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DHorizontalPodAutoscaler' });
    const rescales = events.json.items.filter((e: { reason: string }) => e.reason === 'SuccessfulRescale').map((e: { message: string }) => e.message);
    expect(rescales).toEqual(['New size: 4; reason: cpu resource utilization (percentage of request) above target']);
  }, 60_000);
});
