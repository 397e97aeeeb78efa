import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { isJsonObject } from '../api/object.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';
import { resources } from './client.js';

describe('LocalClient action subresources', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }] } });

  it('binds a pod through pods/binding and through the bindings collection', async () => {
    await api.client.create(resources.pods, 'default', pod('a'));
    await api.client.create(resources.pods, 'default', pod('b'));
    await api.client.createSubresource(resources.pods, 'default', 'a', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n1' } });
    await api.client.create({ group: '', version: 'v1', resource: 'bindings' }, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { kind: 'Node', name: 'n2' } });
    const a = await api.client.get(resources.pods, 'default', 'a');
    const b = await api.client.get(resources.pods, 'default', 'b');
    expect(isJsonObject(a.spec) && a.spec.nodeName).toBe('n1');
    expect(isJsonObject(b.spec) && b.spec.nodeName).toBe('n2');
    const conditions = isJsonObject(a.status) && Array.isArray(a.status.conditions) ? a.status.conditions : [];
    expect(conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const again = await api.client
      .createSubresource(resources.pods, 'default', 'a', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n2' } })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ApiError);
    expect((again as ApiError).code).toBe(409);
  });

  it('evicts a pod through pods/eviction', async () => {
    await api.client.create(resources.pods, 'default', pod('e'));
    await api.client.createSubresource(resources.pods, 'default', 'e', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'e', namespace: 'default' } });
    await expect(api.client.get(resources.pods, 'default', 'e')).rejects.toMatchObject({ code: 404 });
  });
});
