/**
 * The plugin through the real API (startTestApi: buildApiCore's admission chain, LimitRanger
 * before ResourceQuota), with upstream's texts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { RESOURCE_QUOTAS, ResourceQuotaController } from '../controllers/resourcequota/resource-quota-controller.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { LIMIT_RANGES } from './limit-ranger.js';

const NS = 'default';
const PVCS = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

describe('LimitRanger admission', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const limitRange = async (limits: JsonObject[]) => {
    await api.client.create(LIMIT_RANGES, NS, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits } });
    // Seen once a dry-run pod is defaulted or refused by it.
    await until(async () => {
      try {
        const probe = await api.client.create(resources.pods, NS, pod('probe'), { dryRun: true });
        return probe.metadata.annotations?.['kubernetes.io/limit-ranger'] !== undefined;
      } catch (e) {
        return e instanceof ApiError && e.code === 403;
      }
    }, 'the plugin to see the LimitRange');
  };
  const pod = (name: string, res: { requests?: Record<string, string>; limits?: Record<string, string> } = {}, init = false): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: res }],
      ...(init ? { initContainers: [{ name: 'i', image: 'x' }] } : {}),
    },
  });
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof ApiError && e.code === 403) return e.message;
      throw e;
    }
    throw new Error('admitted');
  };

  it('defaults container resources and annotates the pod; the QoS class follows', async () => {
    await limitRange([{ type: 'Container', default: { cpu: '200m', memory: '128Mi' }, defaultRequest: { cpu: '100m' } }]);
    const created = await api.client.create(resources.pods, NS, pod('a', { requests: { memory: '64Mi' } }, true));
    const spec = created.spec as { containers: { resources: unknown }[]; initContainers: { resources: unknown }[] };
    expect(spec.containers[0].resources).toEqual({ limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    expect(spec.initContainers[0].resources).toEqual({ limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(created.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu request for container c; cpu, memory limit for container c; cpu, memory request for init container i; cpu, memory limit for init container i');
    expect((created.status as { qosClass: string }).qosClass).toBe('Burstable');
  });

  it('a default from max, and the max enforced, in upstream words', async () => {
    await limitRange([{ type: 'Container', max: { cpu: '1' }, min: { memory: '10Mi' } }]);
    const ok = await api.client.create(resources.pods, NS, pod('fits'));
    expect((ok.spec as { containers: { resources: unknown }[] }).containers[0].resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '1', memory: '10Mi' } });
    expect(await refusal(api.client.create(resources.pods, NS, pod('big', { limits: { cpu: '2' } })))).toBe('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    expect(await refusal(api.client.create(resources.pods, NS, pod('two', { limits: { cpu: '1500m' }, requests: { cpu: '1500m', memory: '1Mi' } })))).toBe(
      'pods "two" is forbidden: [minimum memory usage per Container is 10Mi, but request is 1Mi, maximum cpu usage per Container is 1, but limit is 1500m]',
    );
  });

  it('Pod limits, the limit/request ratio and claims', async () => {
    await limitRange([
      { type: 'Pod', max: { memory: '1Gi' } },
      { type: 'Container', maxLimitRequestRatio: { cpu: '2' } },
      { type: 'PersistentVolumeClaim', max: { storage: '5Gi' } },
    ]);
    expect(await refusal(api.client.create(resources.pods, NS, pod('ratio', { requests: { cpu: '100m' }, limits: { cpu: '500m', memory: '2Gi' } })))).toBe(
      'pods "ratio" is forbidden: [maximum memory usage per Pod is 1Gi, but limit is 2Gi, cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000]',
    );
    const claim = (name: string, storage: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    await api.client.create(PVCS, NS, claim('small', '1Gi'));
    expect(await refusal(api.client.create(PVCS, NS, claim('huge', '10Gi')))).toBe('persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi');
  });

  it('runs before ResourceQuota: defaults satisfy a quota that requires limits', async () => {
    void new ResourceQuotaController(api.context).run(api.signal);
    await limitRange([{ type: 'Container', default: { cpu: '200m', memory: '128Mi' } }]);
    await api.client.create(RESOURCE_QUOTAS, NS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'limits.memory': '1Gi', 'requests.cpu': '1' } } });
    await until(async () => ((await api.client.get(RESOURCE_QUOTAS, NS, 'q')).status as JsonObject | undefined)?.used !== undefined, 'quota calculated');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await api.client.create(resources.pods, NS, pod('under-quota'));
    await until(async () => ((await api.client.get(RESOURCE_QUOTAS, NS, 'q')).status as { used: Record<string, string> }).used['limits.memory'] === '128Mi', 'usage charged');
  });

  it('pod updates are not looked at', async () => {
    const created = await api.client.create(resources.pods, NS, pod('before'));
    await limitRange([{ type: 'Container', max: { cpu: '1' } }]);
    await api.client.patch(resources.pods, NS, 'before', 'merge', { metadata: { labels: { x: 'y' } } });
    expect(created.metadata.annotations?.['kubernetes.io/limit-ranger']).toBeUndefined();
  });
});
