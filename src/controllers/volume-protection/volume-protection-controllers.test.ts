import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resources } from '../../client/client.js';
import { pvcManifest, pvManifest, volumeKit } from '../persistentvolume/volume-test-kit.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { PvcProtectionController, PvProtectionController } from './volume-protection-controllers.js';

describe('PVC and PV protection controllers', () => {
  let api: TestApi;
  let kit: ReturnType<typeof volumeKit>;
  beforeEach(async () => {
    api = await startTestApi();
    kit = volumeKit(api);
    void new PvcProtectionController(api.context).run(api.signal);
    void new PvProtectionController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const settle = async () => {
    for (let i = 0; i < 300; i++) await new Promise((r) => setImmediate(r));
  };
  const podUsing = (name: string, claim: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] },
  });

  it('keeps a claim while a pod uses it and lets it go once the pod is gone', async () => {
    await kit.createPvc(pvcManifest('used', '1Gi'));
    await kit.createPvc(pvcManifest('unused', '1Gi'));
    await api.client.create(resources.pods, 'default', podUsing('user', 'used'));
    await kit.deletePvc('used');
    await kit.deletePvc('unused');
    await until(async () => (await kit.pvc('unused')) === undefined, 'unused claim deleted');
    await settle();
    expect((await kit.pvc('used'))?.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await api.client.delete(resources.pods, 'default', 'user');
    await until(async () => (await kit.pvc('used')) === undefined, 'claim deleted after its pod');
  });

  it('keeps a Bound volume and lets it go once it is no longer Bound', async () => {
    await kit.createPv(pvManifest('vol', '1Gi'));
    await api.client.patch({ group: '', version: 'v1', resource: 'persistentvolumes' }, undefined, 'vol', 'merge', { status: { phase: 'Bound' } }, { subresource: 'status' });
    await api.client.delete({ group: '', version: 'v1', resource: 'persistentvolumes' }, undefined, 'vol');
    await settle();
    expect((await kit.pv('vol'))?.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    await api.client.patch({ group: '', version: 'v1', resource: 'persistentvolumes' }, undefined, 'vol', 'merge', { status: { phase: 'Released' } }, { subresource: 'status' });
    await until(async () => (await kit.pv('vol')) === undefined, 'volume deleted once Released');
  });
});
