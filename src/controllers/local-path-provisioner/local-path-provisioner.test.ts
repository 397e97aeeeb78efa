import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalPathCleaner, safeVolumeDir } from '../../kubelet/volumes/local-path-cleaner.js';
import { PersistentVolumeController } from '../persistentvolume/pv-controller.js';
import { phaseOf, pvcManifest, specOf, storageClassManifest, volumeKit } from '../persistentvolume/volume-test-kit.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { PvcProtectionController, PvProtectionController } from '../volume-protection/volume-protection-controllers.js';
import { LOCAL_PATH_CLEANUP_FINALIZER, LocalPathProvisioner } from './local-path-provisioner.js';

describe('LocalPathProvisioner', () => {
  let api: TestApi;
  let kit: ReturnType<typeof volumeKit>;
  let storage: string;
  beforeEach(async () => {
    api = await startTestApi();
    kit = volumeKit(api);
    storage = mkdtempSync(join(tmpdir(), 'lite-local-path-'));
    void new PersistentVolumeController(api.context).run(api.signal);
    void new LocalPathProvisioner(api.context, { storagePath: storage }).run(api.signal);
    void new PvcProtectionController(api.context).run(api.signal);
    void new PvProtectionController(api.context).run(api.signal);
    await kit.createClass(storageClassManifest('local-path', { provisioner: 'rancher.io/local-path', mode: 'WaitForFirstConsumer', isDefault: true }));
  });
  afterEach(async () => {
    await api.stop();
    rmSync(storage, { recursive: true, force: true });
  });

  const selected = { 'volume.kubernetes.io/selected-node': 'node-a' };

  it('provisions a hostPath volume on the selected node and the claim binds to it', async () => {
    const pvc = await kit.createPvc(pvcManifest('data', '3Gi', { annotations: selected }));
    const uid = pvc.metadata.uid ?? '';
    await until(async () => phaseOf(await kit.pvc('data')) === 'Bound', 'claim bound');
    const pv = await kit.pv(`pvc-${uid}`);
    expect(pv?.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });
    expect(pv?.metadata.finalizers).toEqual(expect.arrayContaining([LOCAL_PATH_CLEANUP_FINALIZER, 'kubernetes.io/pv-protection']));
    expect(pv?.spec).toMatchObject({
      capacity: { storage: '3Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
      hostPath: { path: join(storage, `pvc-${uid}_default_data`), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } },
      claimRef: { namespace: 'default', name: 'data', uid },
    });
    expect(specOf(await kit.pvc('data')).volumeName).toBe(`pvc-${uid}`);
    const events = await kit.eventsOf('data');
    expect(events).toContain('Normal Provisioning External provisioner is provisioning volume for claim "default/data"');
    expect(events).toContain(`Normal ProvisioningSucceeded Successfully provisioned volume pvc-${uid}`);
  });

  it('answers access modes and modes local-path cannot serve with ProvisioningFailed', async () => {
    await kit.createPvc(pvcManifest('shared', '1Gi', { modes: ['ReadWriteMany'], annotations: selected }));
    await until(async () => (await kit.eventsOf('shared')).some((e) => e.includes('ProvisioningFailed')), 'failure reported');
    expect(await kit.eventsOf('shared')).toContain('Warning ProvisioningFailed failed to provision volume with StorageClass "local-path": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes');
    expect(phaseOf(await kit.pvc('shared'))).toBe('Pending');
    expect((await api.client.list({ group: '', version: 'v1', resource: 'persistentvolumes' }, undefined)).items).toHaveLength(0);
  });

  it('waits for the scheduler to select a node', async () => {
    await kit.createPvc(pvcManifest('unscheduled', '1Gi'));
    await until(async () => (await kit.eventsOf('unscheduled')).some((e) => e.includes('WaitForFirstConsumer')), 'waiting for a consumer');
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect((await api.client.list({ group: '', version: 'v1', resource: 'persistentvolumes' }, undefined)).items).toHaveLength(0);
  });

  it('deletes the volume of a deleted claim; the node removes the directory, then the finalizer', async () => {
    const pvc = await kit.createPvc(pvcManifest('gone', '1Gi', { annotations: selected }));
    const name = `pvc-${pvc.metadata.uid ?? ''}`;
    await until(async () => phaseOf(await kit.pvc('gone')) === 'Bound', 'bound');
    const dir = join(storage, `${name}_default_gone`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'file'), 'data');
    await kit.deletePvc('gone');
    await until(async () => (await kit.pv(name))?.metadata.deletionTimestamp !== undefined, 'volume being deleted');
    expect((await kit.pv(name))?.metadata.finalizers).toEqual([LOCAL_PATH_CLEANUP_FINALIZER]);
    expect(existsSync(dir)).toBe(true);
    // Another node's cleaner leaves it alone; the volume's node removes it.
    void new LocalPathCleaner({ client: api.client, informers: api.informers, clock: api.clock, logger: api.context.logger, ownsNode: (n) => n === 'node-b', storagePath: storage }).run(api.signal);
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect(await kit.pv(name)).toBeDefined();
    void new LocalPathCleaner({ client: api.client, informers: api.informers, clock: api.clock, logger: api.context.logger, ownsNode: (n) => n === 'node-a', storagePath: storage }).run(api.signal);
    await until(async () => (await kit.pv(name)) === undefined, 'volume gone');
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(storage)).toBe(true);
  });
});

describe('safeVolumeDir', () => {
  let storage: string;
  beforeEach(() => {
    storage = mkdtempSync(join(tmpdir(), 'lite-local-path-'));
  });
  afterEach(() => rmSync(storage, { recursive: true, force: true }));

  it('accepts only provisioner-named direct children of the storage dir', async () => {
    const uid = '0b3c4c1e-8f5e-4a7e-9b0a-1d2e3f4a5b6c';
    expect(await safeVolumeDir(storage, join(storage, `pvc-${uid}_default_data`))).toBe(join(storage, `pvc-${uid}_default_data`));
    expect(await safeVolumeDir(storage, storage)).toBeUndefined();
    expect(await safeVolumeDir(storage, `${storage}/../pvc-${uid}_default_data`)).toBeUndefined();
    expect(await safeVolumeDir(storage, `${storage}/x/../pvc-${uid}_default_data`)).toBeUndefined();
    expect(await safeVolumeDir(storage, join(storage, 'sub', `pvc-${uid}_default_data`))).toBeUndefined();
    expect(await safeVolumeDir(storage, join(storage, 'etc'))).toBeUndefined();
    expect(await safeVolumeDir(storage, '/etc')).toBeUndefined();
    expect(await safeVolumeDir(storage, `pvc-${uid}_default_data`)).toBeUndefined();
    expect(await safeVolumeDir(storage, '')).toBeUndefined();
  });
});
