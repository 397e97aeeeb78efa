import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { PersistentVolumeController } from './pv-controller.js';
import { phaseOf, pvcManifest, pvManifest, specOf, storageClassManifest, volumeKit } from './volume-test-kit.js';

describe('PersistentVolumeController', () => {
  let api: TestApi;
  let kit: ReturnType<typeof volumeKit>;
  beforeEach(async () => {
    api = await startTestApi();
    kit = volumeKit(api);
    void new PersistentVolumeController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const settle = async (turns = 300) => {
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };
  const boundTo = async (claim: string) => {
    const pvc = await kit.pvc(claim);
    return phaseOf(pvc) === 'Bound' ? String(specOf(pvc).volumeName) : '';
  };

  it('binds a claim to the smallest matching Available volume and completes both sides', async () => {
    await kit.createPv(pvManifest('big', '10Gi', { cls: 'manual' }));
    await kit.createPv(pvManifest('small', '2Gi', { cls: 'manual' }));
    await kit.createPv(pvManifest('tiny', '500Mi', { cls: 'manual' }));
    await kit.createPv(pvManifest('other-class', '1Gi', { cls: 'fast' }));
    await kit.createPv(pvManifest('rwx-only', '1Gi', { cls: 'manual', modes: ['ReadWriteMany'] }));
    await kit.createPv(pvManifest('block', '1Gi', { cls: 'manual', spec: { volumeMode: 'Block' } }));
    await kit.createPvc(pvcManifest('data', '1Gi', { cls: 'manual' }));
    await until(async () => (await boundTo('data')) !== '', 'claim bound');
    expect(await boundTo('data')).toBe('small');
    const pvc = await kit.pvc('data');
    expect(pvc?.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(pvc?.status).toMatchObject({ phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] });
    await until(async () => phaseOf(await kit.pv('small')) === 'Bound', 'volume Bound');
    const pv = await kit.pv('small');
    expect(specOf(pv).claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: pvc?.metadata.uid });
    expect(pv?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    for (const other of ['big', 'tiny', 'other-class', 'rwx-only', 'block']) expect(phaseOf(await kit.pv(other))).toBe('Available');
  });

  it('prefers volumes with fewer access modes, honours the selector, and keeps pre-bound volumes for their claim', async () => {
    await kit.createPv(pvManifest('rwo-rwx', '1Gi', { cls: '', modes: ['ReadWriteOnce', 'ReadWriteMany'] }));
    await kit.createPv(pvManifest('rwo-big', '5Gi', { cls: '' }));
    await kit.createPv(pvManifest('labelled', '9Gi', { cls: '', labels: { tier: 'gold' } }));
    await kit.createPv(pvManifest('reserved', '1Gi', { cls: '', claimRef: { namespace: 'default', name: 'later' } }));
    await kit.createPvc(pvcManifest('plain', '1Gi', { cls: '' }));
    await kit.createPvc(pvcManifest('gold', '1Gi', { cls: '', selector: { matchLabels: { tier: 'gold' } } }));
    await until(async () => (await boundTo('plain')) !== '' && (await boundTo('gold')) !== '', 'claims bound');
    expect(await boundTo('plain')).toBe('rwo-big');
    expect(await boundTo('gold')).toBe('labelled');
    expect(phaseOf(await kit.pv('reserved'))).toBe('Available');
    await kit.createPvc(pvcManifest('later', '1Gi', { cls: '' }));
    await until(async () => (await boundTo('later')) === 'reserved', 'pre-bound volume bound to its claim');
    // User pre-binding: not marked bound-by-controller on the volume.
    expect((await kit.pv('reserved'))?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
  });

  it('binds a claim that names its volume', async () => {
    await kit.createPv(pvManifest('named', '1Gi', { cls: '' }));
    await kit.createPv(pvManifest('decoy', '1Gi', { cls: '' }));
    await kit.createPvc(pvcManifest('mine', '1Gi', { cls: '', volumeName: 'named' }));
    await until(async () => (await boundTo('mine')) === 'named', 'claim bound to the volume it names');
    expect(phaseOf(await kit.pv('decoy'))).toBe('Available');
  });

  it('reports why a claim stays Pending: no class, WaitForFirstConsumer, a provisioner to wait for', async () => {
    await kit.createClass(storageClassManifest('wffc', { mode: 'WaitForFirstConsumer' }));
    await kit.createClass(storageClassManifest('external', { provisioner: 'example.com/disk' }));
    await kit.createPv(pvManifest('for-wffc', '1Gi', { cls: 'wffc' }));
    await kit.createPvc(pvcManifest('none', '1Gi', { cls: '' }));
    await kit.createPvc(pvcManifest('waits', '1Gi', { cls: 'wffc' }));
    await kit.createPvc(pvcManifest('ext', '1Gi', { cls: 'external' }));
    await kit.createPvc(pvcManifest('ghost', '1Gi', { cls: 'missing' }));
    await until(async () => (await kit.eventsOf('ext')).length > 0 && (await kit.eventsOf('none')).length > 0 && (await kit.eventsOf('waits')).length > 0 && (await kit.eventsOf('ghost')).length > 0, 'events');
    expect(await kit.eventsOf('none')).toContain('Normal FailedBinding no persistent volumes available for this claim and no storage class is set');
    expect(await kit.eventsOf('waits')).toContain('Normal WaitForFirstConsumer waiting for first consumer to be created before binding');
    expect(await kit.eventsOf('ext')).toContain('Normal ExternalProvisioning waiting for a volume to be created, either by external provisioner "example.com/disk" or manually created by system administrator');
    expect(await kit.eventsOf('ghost')).toContain('Warning ProvisioningFailed storageclass.storage.k8s.io "missing" not found');
    const ext = await kit.pvc('ext');
    expect(ext?.metadata.annotations).toMatchObject({ 'volume.kubernetes.io/storage-provisioner': 'example.com/disk', 'volume.beta.kubernetes.io/storage-provisioner': 'example.com/disk' });
    for (const n of ['none', 'waits', 'ext', 'ghost']) expect(phaseOf(await kit.pvc(n))).toBe('Pending');
    // WaitForFirstConsumer: the matching volume is not bound by the controller.
    expect(phaseOf(await kit.pv('for-wffc'))).toBe('Available');
  });

  it('gives a class-less claim the default class once one exists (retroactive default)', async () => {
    await kit.createPvc(pvcManifest('late', '1Gi'));
    await until(async () => (await kit.eventsOf('late')).some((e) => e.includes('FailedBinding')), 'no class yet');
    await kit.createClass(storageClassManifest('std', { provisioner: 'example.com/disk', isDefault: true }));
    await until(async () => specOf(await kit.pvc('late')).storageClassName === 'std', 'default class assigned');
    await until(async () => (await kit.pvc('late'))?.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] === 'example.com/disk', 'handed to the provisioner');
  });

  it('releases volumes of deleted claims: Retain keeps them, Delete without a deleter fails them', async () => {
    await kit.createPv(pvManifest('keep', '1Gi', { cls: 'a', reclaim: 'Retain' }));
    await kit.createPv(pvManifest('drop', '1Gi', { cls: 'b', reclaim: 'Delete' }));
    await kit.createPvc(pvcManifest('ka', '1Gi', { cls: 'a' }));
    await kit.createPvc(pvcManifest('kb', '1Gi', { cls: 'b' }));
    await until(async () => (await boundTo('ka')) === 'keep' && (await boundTo('kb')) === 'drop', 'bound');
    // No protection controller here: take the admission's finalizer off as it would.
    for (const n of ['ka', 'kb']) {
      const pvc = await kit.pvc(n);
      if (pvc) await api.client.update({ group: '', version: 'v1', resource: 'persistentvolumeclaims' }, 'default', { ...pvc, metadata: { ...pvc.metadata, finalizers: [] } });
      await kit.deletePvc(n);
    }
    await until(async () => phaseOf(await kit.pv('keep')) === 'Released', 'retained volume Released');
    await until(async () => phaseOf(await kit.pv('drop')) === 'Failed', 'delete without a deleter Failed');
    await settle();
    expect(phaseOf(await kit.pv('keep'))).toBe('Released');
    expect((await kit.pv('drop'))?.status).toMatchObject({ message: 'error getting deleter volume plugin for volume "drop": no deletable volume plugin matched' });
    expect(await kit.eventsOf('drop')).toContain('Warning VolumeFailedDelete error getting deleter volume plugin for volume "drop": no deletable volume plugin matched');
    // A released volume is not bound again by a new claim of the same name.
    await kit.createPvc(pvcManifest('ka', '1Gi', { cls: 'a' }));
    await settle();
    expect(phaseOf(await kit.pvc('ka'))).toBe('Pending');
  });
});
