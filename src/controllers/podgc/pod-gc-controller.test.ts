import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { PodGcController } from './pod-gc-controller.js';

const NS = 'default';

describe('PodGcController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const node = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, ...extra });
  const pod = async (name: string, nodeName: string | undefined, phase = 'Running'): Promise<void> => {
    await api.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, finalizers: nodeName ? [] : ['test/hold'] }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x' }] } });
    await api.client.patch(resources.pods, NS, name, 'merge', { status: { phase } }, { subresource: 'status' });
  };
  const exists = async (name: string) => {
    try {
      return await api.client.get(resources.pods, NS, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  const settle = async () => {
    for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  };

  it('deletes the pods of a deleted node after the quarantine, marked Failed with DisruptionTarget', async () => {
    await api.client.create(resources.nodes, undefined, node('alive'));
    await api.client.create(resources.nodes, undefined, node('doomed'));
    await pod('keep', 'alive');
    await pod('orphan', 'doomed');
    const gc = new PodGcController(api.context);
    await Promise.all([api.informers.informer(resources.pods).waitForSync(api.signal), api.informers.informer(resources.nodes).waitForSync(api.signal)]);
    await until(() => api.informers.informer(resources.pods).lister.list().length === 2, 'pods cached');
    await api.client.delete(resources.nodes, undefined, 'doomed');
    await until(() => !api.informers.informer(resources.nodes).lister.getByKey('doomed'), 'node gone from the cache');

    // The seen-missing pass starts the quarantine; nothing is deleted inside it.
    const seen: KubeObject[] = [];
    const stopWatch = api.informers.informer(resources.pods).addEventHandler({ onUpdate: (_o, n) => seen.push(n) });
    await gc.gc();
    api.clock.advance(20_000);
    await gc.gc();
    expect(await exists('orphan')).toBeDefined();
    api.clock.advance(20_000);
    await gc.gc();
    expect(await exists('orphan')).toBeUndefined();
    expect(await exists('keep')).toBeDefined();
    await settle();
    stopWatch();
    const failed = seen.find((p) => p.metadata.name === 'orphan' && (p.status as { phase?: string }).phase === 'Failed');
    expect(failed?.status).toMatchObject({ phase: 'Failed', conditions: expect.arrayContaining([expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' })]) });
  });

  it('a node that comes back within the quarantine keeps its pods', async () => {
    await pod('early', 'late-node');
    const gc = new PodGcController(api.context);
    await api.informers.informer(resources.nodes).waitForSync(api.signal);
    await until(() => api.informers.informer(resources.pods).lister.list().length === 1, 'pod cached');
    await gc.gc();
    await api.client.create(resources.nodes, undefined, node('late-node'));
    api.clock.advance(60_000);
    await gc.gc();
    expect(await exists('early')).toBeDefined();
  });

  it('force-deletes terminating pods on an out-of-service node that is not Ready, and unscheduled terminating pods', async () => {
    await api.client.create(resources.nodes, undefined, node('down', { spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }));
    await pod('stuck', 'down');
    await api.client.delete(resources.pods, NS, 'stuck');
    await pod('never-scheduled', undefined, 'Pending');
    await api.client.delete(resources.pods, NS, 'never-scheduled');
    const gc = new PodGcController(api.context);
    await api.informers.informer(resources.nodes).waitForSync(api.signal);
    await until(() => api.informers.informer(resources.pods).lister.list().filter((p) => p.metadata.deletionTimestamp).length === 2, 'terminating pods cached');
    await gc.gc();
    expect(await exists('stuck')).toBeUndefined();
    // The finalizer holds the unscheduled one, but it was marked Failed and given grace 0.
    const held = await exists('never-scheduled');
    expect(held?.metadata.deletionGracePeriodSeconds).toBe(0);
    expect((held?.status as { phase?: string }).phase).toBe('Failed');
  });

  it('deletes the oldest terminated pods beyond the threshold', async () => {
    await api.client.create(resources.nodes, undefined, node('n'));
    for (const [i, phase] of ['Succeeded', 'Failed', 'Succeeded', 'Running'].entries()) {
      await pod(`p${i}`, 'n', phase);
      api.clock.advance(1_000);
    }
    const gc = new PodGcController(api.context, { terminatedPodThreshold: 1 });
    await api.informers.informer(resources.nodes).waitForSync(api.signal);
    await until(() => api.informers.informer(resources.pods).lister.list().filter((p) => (p.status as { phase?: string }).phase !== 'Pending').length === 4, 'pods cached');
    await gc.gc();
    expect([await exists('p0'), await exists('p1'), await exists('p2'), await exists('p3')].map((p) => p !== undefined)).toEqual([false, false, true, true]);
  });
});
