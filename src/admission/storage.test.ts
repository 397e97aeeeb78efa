import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pvcManifest, pvManifest, specOf, storageClassManifest, volumeKit } from '../controllers/persistentvolume/volume-test-kit.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';

describe('storage admission', () => {
  let api: TestApi;
  let kit: ReturnType<typeof volumeKit>;
  beforeEach(async () => {
    api = await startTestApi();
    kit = volumeKit(api);
  });
  afterEach(() => api.stop());

  it('DefaultStorageClass: a claim without a class gets the default class; "" and named classes stay', async () => {
    expect(specOf(await kit.createPvc(pvcManifest('before', '1Gi'))).storageClassName).toBeUndefined();
    await kit.createClass(storageClassManifest('plain'));
    await kit.createClass(storageClassManifest('local-path', { isDefault: true }));
    expect(specOf(await kit.createPvc(pvcManifest('defaulted', '1Gi'))).storageClassName).toBe('local-path');
    expect(specOf(await kit.createPvc(pvcManifest('no-class', '1Gi', { cls: '' }))).storageClassName).toBe('');
    expect(specOf(await kit.createPvc(pvcManifest('named', '1Gi', { cls: 'plain' }))).storageClassName).toBe('plain');
    const annotated = await kit.createPvc(pvcManifest('annotated', '1Gi', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'plain' } }));
    expect(specOf(annotated).storageClassName).toBeUndefined();
  });

  it('DefaultStorageClass: of several default classes the newest wins', async () => {
    await kit.createClass(storageClassManifest('old-default', { isDefault: true }));
    api.clock.advance(5_000);
    await kit.createClass(storageClassManifest('new-default', { isDefault: true }));
    expect(specOf(await kit.createPvc(pvcManifest('c', '1Gi'))).storageClassName).toBe('new-default');
  });

  it('StorageObjectInUseProtection: new claims and volumes get their protection finalizer', async () => {
    expect((await kit.createPvc(pvcManifest('c', '1Gi'))).metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect((await kit.createPv(pvManifest('v', '1Gi'))).metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    const withOwn = await kit.createPv({ ...pvManifest('w', '1Gi'), metadata: { name: 'w', finalizers: ['example.com/x', 'kubernetes.io/pv-protection'] } });
    expect(withOwn.metadata.finalizers).toEqual(['example.com/x', 'kubernetes.io/pv-protection']);
  });
});
