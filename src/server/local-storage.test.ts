import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { resources } from '../client/client.js';
import { storageClassesResource } from '../controllers/persistentvolume/volume-util.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';
import { ADDONS_CONFIGMAP, ensureLocalStorageClass } from './local-storage.js';

describe('ensureLocalStorageClass (k3s local-storage addon)', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const sc = () => api.client.get(storageClassesResource, undefined, 'local-path').catch((e: unknown) => (e instanceof ApiError && e.code === 404 ? undefined : Promise.reject(e)));

  it('creates the default class once, then leaves edits and deletion to the user', async () => {
    expect(await ensureLocalStorageClass(api.client)).toBe(true);
    const created = await sc();
    if (!created) throw new Error('local-path not created');
    expect(created).toMatchObject({ provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
    // The user makes it non-default: a restart does not put the annotation back.
    await api.client.update(storageClassesResource, undefined, { ...created, metadata: { ...created.metadata, annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } } });
    expect(await ensureLocalStorageClass(api.client)).toBe(false);
    expect((await sc())?.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('false');
    // Deleted: not recreated.
    await api.client.delete(storageClassesResource, undefined, 'local-path');
    expect(await ensureLocalStorageClass(api.client)).toBe(false);
    expect(await sc()).toBeUndefined();
    // Without the record it comes back, as a deleted k3s Addon re-applies its manifest.
    await api.client.delete(resources.configmaps, 'kube-system', ADDONS_CONFIGMAP);
    expect(await ensureLocalStorageClass(api.client)).toBe(true);
    expect(await sc()).toBeDefined();
  });

  it('records a class the user created first without touching it', async () => {
    await api.client.create(storageClassesResource, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, provisioner: 'example.com/mine' });
    expect(await ensureLocalStorageClass(api.client)).toBe(false);
    expect((await sc())?.provisioner).toBe('example.com/mine');
    expect((await api.client.get(resources.configmaps, 'kube-system', ADDONS_CONFIGMAP)).data).toEqual({ 'local-storage': 'StorageClass/local-path' });
  });
});
