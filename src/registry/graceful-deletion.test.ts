import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resources } from '../client/client.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';

describe('graceful deletion with finalizers', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  it('a second delete shortens the grace period while a finalizer holds the pod; removing the finalizer then deletes it', async () => {
    await api.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', finalizers: ['batch.kubernetes.io/job-tracking'] },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
    });
    const first = await api.client.delete(resources.pods, 'default', 'p');
    expect(first?.metadata.deletionGracePeriodSeconds).toBe(30);
    // The kubelet stopped the containers and deletes with grace 0.
    const second = await api.client.delete(resources.pods, 'default', 'p', { gracePeriodSeconds: 0 });
    expect(second?.metadata.deletionGracePeriodSeconds).toBe(0);
    // The job controller removes its finalizer: the pod goes away.
    await api.client.patch(resources.pods, 'default', 'p', 'merge', { metadata: { finalizers: null } });
    await expect(api.client.get(resources.pods, 'default', 'p')).rejects.toMatchObject({ code: 404 });
  });
});
