import { afterEach, describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';
import type { StoreWatchEvent } from './resource-store.js';

let api: TestApi;

afterEach(async () => {
  await api?.stop();
});

async function createPod(name: string): Promise<KubeObject> {
  return api.client.create(resources.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'a' } },
    spec: { containers: [{ name: 'c', image: 'example/c:1', resources: { requests: { cpu: '100m' } } }] },
  });
}

const running = (ip: string): JsonObject => ({
  phase: 'Running',
  podIP: ip,
  conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:00Z' }],
});

const managers = (o: KubeObject) => (o.metadata.managedFields ?? []).map((f) => `${f.manager}/${f.subresource ?? ''}`).sort();

describe('ResourceStore updates', () => {
  it('a status write changes only the status, leaves the stored spec alone, and an identical one is a no-op', async () => {
    api = await startTestApi();
    const kubelet = api.client.withFieldManager('kubelet');
    const pod = await createPod('p');
    // The body's spec differs: a status write ignores it.
    const status = (ip: string): JsonObject => ({ ...(pod.status as JsonObject), ...running(ip) });
    const body = { ...pod, spec: { containers: [{ name: 'c', image: 'example/c:2' }] }, status: status('10.0.0.5') };
    const written = await kubelet.update(resources.pods, 'default', body, { subresource: 'status' });
    expect(Number(written.metadata.resourceVersion)).toBeGreaterThan(Number(pod.metadata.resourceVersion));
    expect(written.spec).toEqual(pod.spec);
    expect(written.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.5' });
    expect(managers(written)).toContain('kubelet/status');
    // What was returned is the caller's: changing it changes nothing stored.
    ((written.spec as JsonObject).containers as JsonObject[])[0].image = 'mutated';
    const stored = await api.client.get(resources.pods, 'default', 'p');
    expect(stored.spec).toEqual(pod.spec);
    expect(stored.status).toMatchObject({ podIP: '10.0.0.5' });

    api.clock.advance(5000);
    const again = await kubelet.update(resources.pods, 'default', { ...stored, status: status('10.0.0.5') }, { subresource: 'status' });
    expect(again.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
    const changed = await kubelet.update(resources.pods, 'default', { ...stored, status: status('10.0.0.6') }, { subresource: 'status' });
    expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(stored.metadata.resourceVersion));
    const conds = isJsonObject(changed.status) && Array.isArray(changed.status.conditions) ? changed.status.conditions : [];
    expect(conds).toHaveLength(1);
  });

  it('a metadata-only change is a write; the same object again, later, is not', async () => {
    api = await startTestApi();
    const pod = await createPod('q');
    const relabelled = await api.client.update(resources.pods, 'default', { ...pod, metadata: { ...pod.metadata, labels: { app: 'b' } } });
    expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(Number(pod.metadata.resourceVersion));
    expect(relabelled.metadata.labels).toEqual({ app: 'b' });
    // Only the managedFields times would differ: unchanged.
    api.clock.advance(5000);
    const same = await api.client.update(resources.pods, 'default', relabelled);
    expect(same.metadata.resourceVersion).toBe(relabelled.metadata.resourceVersion);
    // Another manager's update that changes nothing takes nothing over: also unchanged.
    const other = await api.client.withFieldManager('someone-else').update(resources.pods, 'default', relabelled);
    expect(other.metadata.resourceVersion).toBe(relabelled.metadata.resourceVersion);
    // A metadata change under it is a write again, owned by it.
    const annotated = await api.client.withFieldManager('someone-else').update(resources.pods, 'default', { ...relabelled, metadata: { ...relabelled.metadata, annotations: { note: 'x' } } });
    expect(Number(annotated.metadata.resourceVersion)).toBeGreaterThan(Number(relabelled.metadata.resourceVersion));
    expect(managers(annotated)).toContain('someone-else/');
  });

  it('binding sets the node and PodScheduled=True over the stored pod, once', async () => {
    api = await startTestApi();
    const pod = await createPod('b');
    const scheduler = api.client.withFieldManager('kube-scheduler');
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } };
    await scheduler.createSubresource(resources.pods, 'default', 'b', 'binding', binding);
    const bound = await api.client.get(resources.pods, 'default', 'b');
    expect(Number(bound.metadata.resourceVersion)).toBeGreaterThan(Number(pod.metadata.resourceVersion));
    expect(bound.spec).toEqual({ ...(pod.spec as JsonObject), nodeName: 'n1' });
    const conds = (isJsonObject(bound.status) && Array.isArray(bound.status.conditions) ? bound.status.conditions : []).filter((c) => isJsonObject(c) && c.type === 'PodScheduled');
    expect(conds).toEqual([{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: expect.any(String) }]);
    expect((bound.status as JsonObject).phase).toBe((pod.status as JsonObject).phase);
    expect(bound.metadata.labels).toEqual(pod.metadata.labels);
    // As upstream's BindingREST (a storage update, no field manager): the managers are the creator's.
    expect(bound.metadata.managedFields).toEqual(pod.metadata.managedFields);
    await expect(scheduler.createSubresource(resources.pods, 'default', 'b', 'binding', { ...binding, target: { ...binding.target, name: 'n2' } })).rejects.toMatchObject({ code: 409 });
  });

  it('decodes a change once for all the watches that receive it', async () => {
    api = await startTestApi();
    const pods = api.core.registry.get('', 'v1', 'pods');
    if (!pods) throw new Error('pods not served');
    const ac = new AbortController();
    const next = async (w: AsyncGenerator<StoreWatchEvent>) => (await w.next()).value as StoreWatchEvent;
    const rv = (await api.client.list(resources.pods, 'default')).metadata.resourceVersion;
    const a = pods.store.watch('default', { resourceVersion: rv, signal: ac.signal });
    const b = pods.store.watch(undefined, { resourceVersion: rv, signal: ac.signal });
    const pa = next(a);
    const pb = next(b);
    await createPod('w');
    const [ea, eb] = await Promise.all([pa, pb]);
    expect(ea.type).toBe('ADDED');
    expect(eb.type).toBe('ADDED');
    if (ea.type !== 'ADDED' || eb.type !== 'ADDED') return;
    expect(ea.object.metadata.name).toBe('w');
    expect(ea.object).toBe(eb.object);
    ac.abort();
    await Promise.all([a.return(undefined), b.return(undefined)]);
  });
});
