import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { LocalPathProvisioner } from '../../controllers/local-path-provisioner/local-path-provisioner.js';
import { PersistentVolumeController } from '../../controllers/persistentvolume/pv-controller.js';
import { phaseOf, pvcManifest, pvManifest, specOf, storageClassManifest, volumeKit } from '../../controllers/persistentvolume/volume-test-kit.js';
import { createReadyNode, startTestApi, until, type TestApi } from '../../controllers/testing/test-api.js';
import { Scheduler } from '../scheduler.js';
import { makeNode } from '../testing/fixtures.js';

describe('VolumeBinding (scheduler with the PV controller and the local-path provisioner)', () => {
  let api: TestApi;
  let kit: ReturnType<typeof volumeKit>;
  beforeEach(async () => {
    api = await startTestApi();
    kit = volumeKit(api);
    for (const n of ['node-a', 'node-b']) {
      const { uid: _u, ...metadata } = makeNode(n).metadata;
      await createReadyNode(api.client, { ...makeNode(n), metadata });
    }
    await kit.createClass(storageClassManifest('local-path', { provisioner: 'rancher.io/local-path', mode: 'WaitForFirstConsumer', isDefault: true }));
    await kit.createClass(storageClassManifest('static-wffc', { mode: 'WaitForFirstConsumer' }));
    await kit.createClass(storageClassManifest('immediate', { provisioner: 'example.com/slow' }));
    await kit.createClass(storageClassManifest('zoned', { provisioner: 'rancher.io/local-path', mode: 'WaitForFirstConsumer', allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values: ['node-b'] }] }] }));
    void new PersistentVolumeController(api.context).run(api.signal);
    void new LocalPathProvisioner(api.context, { storagePath: '/var/lib/lite/storage' }).run(api.signal);
    void new Scheduler(api.context, { leaderElection: false }).run(api.signal);
  });
  afterEach(() => api.stop());

  const pod = (name: string, claims: string[]) =>
    api.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) },
    });
  const nodeOf = async (name: string) => {
    const p = await api.client.get(resources.pods, 'default', name);
    return isJsonObject(p.spec) && typeof p.spec.nodeName === 'string' ? p.spec.nodeName : '';
  };
  /** until, with the fake clock moving (work-queue retries and scheduler backoff run on it). */
  const eventually = async (cond: () => Promise<boolean>, what: string) => {
    let turn = 0;
    await until(async () => {
      if (++turn % 20 === 0) api.clock.advance(100);
      return cond();
    }, what);
  };
  const failed = async (name: string) => (await kit.eventsOf(name)).filter((e) => e.startsWith('Warning FailedScheduling')).map((e) => e.slice('Warning FailedScheduling '.length));

  it('provisions WaitForFirstConsumer claims on the chosen node before binding the pod', async () => {
    const pvc = await kit.createPvc(pvcManifest('data', '1Gi'));
    await pod('web', ['data']);
    await eventually(async () => (await nodeOf('web')) !== '', 'pod bound');
    const node = await nodeOf('web');
    const claim = await kit.pvc('data');
    expect(claim?.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBe(node);
    expect(phaseOf(claim)).toBe('Bound');
    const pv = await kit.pv(`pvc-${pvc.metadata.uid ?? ''}`);
    expect(JSON.stringify(specOf(pv).nodeAffinity)).toContain(`"values":["${node}"]`);
    expect(await failed('web')).toEqual([]);
  });

  it('puts a pod whose claim is bound to a node-pinned volume on that node, and only there', async () => {
    await kit.createPvc(pvcManifest('first', '1Gi'));
    await pod('one', ['first']);
    await eventually(async () => (await nodeOf('one')) !== '', 'first pod bound');
    const node = await nodeOf('one');
    // A second pod on the same claim follows the volume.
    await pod('two', ['first']);
    await eventually(async () => (await nodeOf('two')) !== '', 'second pod bound');
    expect(await nodeOf('two')).toBe(node);
  });

  it('binds a static WaitForFirstConsumer volume that fits the node and rejects nodes it does not fit', async () => {
    await kit.createPv(pvManifest('on-b', '1Gi', { cls: 'static-wffc', node: 'node-b' }));
    await kit.createPvc(pvcManifest('s', '1Gi', { cls: 'static-wffc' }));
    await pod('static', ['s']);
    await eventually(async () => (await nodeOf('static')) !== '', 'pod bound');
    expect(await nodeOf('static')).toBe('node-b');
    expect(specOf(await kit.pvc('s')).volumeName).toBe('on-b');
    // No volume left and no provisioner: kube-scheduler's reason on every node.
    await kit.createPvc(pvcManifest('s2', '1Gi', { cls: 'static-wffc' }));
    await pod('static2', ['s2']);
    await until(async () => (await failed('static2')).length > 0, 'FailedScheduling');
    expect((await failed('static2'))[0]).toBe("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..");
  });

  it('rejects pods with missing claims, unbound immediate claims and volume node affinity conflicts', async () => {
    await pod('missing', ['nope']);
    await kit.createPvc(pvcManifest('imm', '1Gi', { cls: 'immediate' }));
    await pod('immediate', ['imm']);
    await kit.createPv(pvManifest('pinned', '1Gi', { cls: '', node: 'node-z' }));
    await kit.createPvc(pvcManifest('p', '1Gi', { cls: '' }));
    await until(async () => phaseOf(await kit.pvc('p')) === 'Bound', 'static claim bound');
    await pod('conflict', ['p']);
    await until(async () => (await failed('missing')).length > 0 && (await failed('immediate')).length > 0 && (await failed('conflict')).length > 0, 'FailedScheduling events');
    expect((await failed('missing'))[0]).toBe('0/2 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..');
    expect((await failed('immediate'))[0]).toBe('0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..');
    expect((await failed('conflict'))[0]).toBe('0/2 nodes are available: 2 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..');
    // The claim appearing makes the pod schedulable.
    await kit.createPvc(pvcManifest('nope', '1Gi'));
    await eventually(async () => (await nodeOf('missing')) !== '', 'pod bound once its claim exists');
  });

  it('gives one static volume to one claim only, also while the first binding is in flight', async () => {
    await kit.createPv(pvManifest('only', '1Gi', { cls: 'static-wffc', node: 'node-a' }));
    await kit.createPvc(pvcManifest('c1', '1Gi', { cls: 'static-wffc' }));
    await kit.createPvc(pvcManifest('c2', '1Gi', { cls: 'static-wffc' }));
    await pod('p1', ['c1']);
    await pod('p2', ['c2']);
    await eventually(async () => [await nodeOf('p1'), await nodeOf('p2')].filter((n) => n !== '').length === 1 && (await failed('p1')).length + (await failed('p2')).length > 0, 'one pod bound, the other rejected');
    const bound = (await nodeOf('p1')) !== '' ? 'c1' : 'c2';
    expect(specOf(await kit.pvc(bound)).volumeName).toBe('only');
    expect(specOf(await kit.pvc(bound === 'c1' ? 'c2' : 'c1')).volumeName).toBeUndefined();
  });

  it("provisions only where the class's allowedTopologies allow", async () => {
    await kit.createPvc(pvcManifest('z', '1Gi', { cls: 'zoned' }));
    await pod('zoned', ['z']);
    await eventually(async () => (await nodeOf('zoned')) !== '', 'pod bound');
    expect(await nodeOf('zoned')).toBe('node-b');
  });

  it('leaves pods without claims untouched by volume binding', async () => {
    await api.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
    await eventually(async () => (await nodeOf('plain')) !== '', 'pod bound');
    expect(await failed('plain')).toEqual([]);
  });
});
