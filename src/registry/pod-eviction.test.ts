import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';

const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
const eviction = (name: string): KubeObject => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });

describe('pods/eviction and PodDisruptionBudgets', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    for (const name of ['p0', 'p1']) {
      await api.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'e' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
      await api.client.patch(resources.pods, 'default', name, 'merge', { status: { phase: 'Running' } }, { subresource: 'status' });
    }
    await api.client.create(PDBS, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'budget' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'e' } } } });
    await api.client.patch(PDBS, 'default', 'budget', 'merge', { status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } }, { subresource: 'status' });
  });
  afterEach(() => api.stop());

  it('retries the budget check when a concurrent writer (the disruption controller, another eviction) changed the budget', async () => {
    // kubectl drain evicts a node's pods in parallel while the disruption controller rewrites the
    // budget's status: the eviction's read goes stale before its write.
    const served = api.core.registry.get('policy', 'v1', 'poddisruptionbudgets');
    if (!served) throw new Error('no PDBs');
    const list = served.list.bind(served);
    let raced = 0;
    served.list = async (...args: Parameters<typeof served.list>) => {
      const result = await list(...args);
      if (raced++ === 0) await api.client.patch(PDBS, 'default', 'budget', 'merge', { status: { currentHealthy: 3 } }, { subresource: 'status' });
      return result;
    };
    await api.client.createSubresource(resources.pods, 'default', 'p0', 'eviction', eviction('p0'));
    expect(raced).toBe(2);
    const pod = await api.client.get(resources.pods, 'default', 'p0');
    expect(pod.metadata.deletionTimestamp).toBeDefined();
    const pdb = await api.client.get(PDBS, 'default', 'budget');
    expect(pdb.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { p0: expect.any(String) } });
    // The budget is spent: the next eviction is the 429 kubectl drain retries.
    await expect(api.client.createSubresource(resources.pods, 'default', 'p1', 'eviction', eviction('p1'))).rejects.toMatchObject({ code: 429, message: "Cannot evict pod as it would violate the pod's disruption budget." });
  });
});
