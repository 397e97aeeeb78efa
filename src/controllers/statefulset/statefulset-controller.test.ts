import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rfc3339, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { controllerRevisionsResource, POD_REVISION_LABEL } from '../history/controller-history.js';
import { persistentVolumeClaimsResource } from './stateful-pod-control.js';
import { statefulSetsResource } from './statefulset-control.js';
import { StatefulSetController } from './statefulset-controller.js';

const NS = 'default';

function statefulSet(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

const withClaims = {
  volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
};

describe('StatefulSetController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new StatefulSetController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const pods = async () => (await api.client.list(resources.pods, NS)).items;
  const podNames = async () => (await pods()).map((p) => p.metadata.name ?? '').sort();
  const getSet = (name: string) => api.client.get(statefulSetsResource, NS, name);
  const status = async (name: string) => ((await getSet(name)).status ?? {}) as Record<string, unknown>;

  /** Marks a pod Running and Ready through the status subresource, as a kubelet would. */
  const markReady = async (name: string) => {
    const pod = await api.client.get(resources.pods, NS, name);
    const now = rfc3339(api.clock.now());
    await api.client.update(
      resources.pods,
      NS,
      { ...pod, status: { ...(pod.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } },
      { subresource: 'status' },
    );
  };
  const podExists = async (name: string) => (await podNames()).includes(name);
  const patchSpec = (name: string, spec: Record<string, unknown>) => api.client.patch(statefulSetsResource, NS, name, 'merge', { spec });

  it('creates pods one at a time in ordinal order, each with its claim, waiting for Running and Ready', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', withClaims));
    await until(() => podExists('web-0'), 'web-0');
    // Nothing else until web-0 is ready.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(await podNames()).toEqual(['web-0']);

    const web0 = await api.client.get(resources.pods, NS, 'web-0');
    expect(web0.metadata.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
    expect(web0.metadata.labels?.[POD_REVISION_LABEL]).toMatch(/^web-[a-z0-9]+$/);
    expect(web0.metadata.ownerReferences).toMatchObject([{ kind: 'StatefulSet', name: 'web', controller: true, blockOwnerDeletion: true }]);
    expect(web0.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }] });
    const claim = await api.client.get(persistentVolumeClaimsResource, NS, 'data-web-0');
    expect(claim.metadata.labels).toEqual({ app: 'web' });
    expect(claim.metadata.ownerReferences ?? []).toEqual([]);

    await markReady('web-0');
    await until(() => podExists('web-1'), 'web-1');
    expect(await podNames()).toEqual(['web-0', 'web-1']);
    await markReady('web-1');
    await until(() => podExists('web-2'), 'web-2');
    await markReady('web-2');
    await until(async () => (await status('web')).readyReplicas === 3, 'readyReplicas 3');

    const st = await status('web');
    expect(st).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    expect(st.currentRevision).toBe(st.updateRevision);
    expect((await api.client.list(persistentVolumeClaimsResource, NS)).items.map((c) => c.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);

    const events = (await api.events()).filter((e) => (e.involvedObject as { name?: string }).name === 'web');
    const messages = events.map((e) => `${e.reason} ${e.message}`);
    expect(messages).toContain('SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success');
    expect(messages).toContain('SuccessfulCreate create Pod web-0 in StatefulSet web successful');
    expect(messages).toContain('SuccessfulCreate create Pod web-2 in StatefulSet web successful');
    const revs = (await api.client.list(controllerRevisionsResource, NS)).items;
    expect(revs).toHaveLength(1);
    expect(revs[0]).toMatchObject({ revision: 1, metadata: { name: st.currentRevision, ownerReferences: [{ kind: 'StatefulSet', name: 'web', controller: true }] } });
  });

  it('honours spec.ordinals.start', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('db', { replicas: 2, ordinals: { start: 5 }, podManagementPolicy: 'Parallel' }));
    await until(async () => (await podNames()).length === 2, 'two pods');
    expect(await podNames()).toEqual(['db-5', 'db-6']);
  });

  it('scales down from the highest ordinal, one at a time', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 3, podManagementPolicy: 'Parallel' }));
    await until(async () => (await podNames()).length === 3, 'three pods');
    for (const n of ['web-0', 'web-1', 'web-2']) await markReady(n);
    await until(async () => (await status('web')).readyReplicas === 3, 'ready');
    await patchSpec('web', { replicas: 1 });
    await until(async () => (await podNames()).length === 1, 'scaled to one');
    expect(await podNames()).toEqual(['web-0']);
  });

  it('with OrderedReady deletes the highest ordinal first and waits for it to go', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 3 }));
    for (const n of ['web-0', 'web-1', 'web-2']) {
      await until(() => podExists(n), n);
      await markReady(n);
    }
    await until(async () => (await status('web')).readyReplicas === 3, 'ready');
    // A finalizer holds deleted pods in Terminating, as a kubelet's grace period would.
    for (const n of ['web-1', 'web-2']) await api.client.patch(resources.pods, NS, n, 'merge', { metadata: { finalizers: ['test.lite.dev/hold'] } });
    const release = (n: string) => api.client.patch(resources.pods, NS, n, 'merge', { metadata: { finalizers: null } });
    const terminating = async () => (await pods()).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name);

    await patchSpec('web', { replicas: 1 });
    await until(async () => (await terminating()).length > 0, 'first deletion');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(await terminating()).toEqual(['web-2']);
    await release('web-2');
    await until(async () => (await terminating()).includes('web-1'), 'web-1 terminating');
    await release('web-1');
    await until(async () => (await podNames()).length === 1, 'scaled to one');
    expect(await podNames()).toEqual(['web-0']);
    await until(async () => (await status('web')).replicas === 1, 'status replicas 1');
    const events = (await api.events()).map((e) => `${e.reason} ${e.message}`);
    expect(events).toContain('SuccessfulDelete delete Pod web-2 in StatefulSet web successful');
    expect(events).toContain('SuccessfulDelete delete Pod web-1 in StatefulSet web successful');
  });

  it('creates all pods at once with the Parallel policy', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('par', { replicas: 4, podManagementPolicy: 'Parallel', ...withClaims }));
    await until(async () => (await podNames()).length === 4, 'four pods');
    expect(await podNames()).toEqual(['par-0', 'par-1', 'par-2', 'par-3']);
    expect((await api.client.list(persistentVolumeClaimsResource, NS)).items).toHaveLength(4);
  });

  it('rolls out a new template from the highest ordinal down to the partition', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 3 }));
    for (const n of ['web-0', 'web-1', 'web-2']) {
      await until(() => podExists(n), n);
      await markReady(n);
    }
    await until(async () => (await status('web')).readyReplicas === 3, 'ready');
    const rev1 = (await status('web')).currentRevision as string;

    const cur = await getSet('web');
    const spec = cur.spec as Record<string, unknown>;
    const template = spec.template as { spec: { containers: Record<string, unknown>[] } };
    await api.client.update(statefulSetsResource, NS, {
      ...cur,
      spec: {
        ...spec,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        template: { ...template, spec: { ...template.spec, containers: [{ ...template.spec.containers[0], image: 'nginx:1.26' }] } },
      },
    });
    await until(async () => (await status('web')).updateRevision !== rev1 && (await status('web')).observedGeneration === 2, 'new update revision');
    const rev2 = (await status('web')).updateRevision as string;

    const revisionOf = async (n: string) => (await api.client.get(resources.pods, NS, n)).metadata.labels?.[POD_REVISION_LABEL];
    // web-2 is replaced first (unbound pods go at once), then made again at the new revision.
    await until(async () => (await podExists('web-2')) && (await revisionOf('web-2')) === rev2, 'web-2 updated');
    expect(await revisionOf('web-1')).toBe(rev1);
    const web2 = await api.client.get(resources.pods, NS, 'web-2');
    expect((web2.spec as { containers: { image: string }[] }).containers[0].image).toBe('nginx:1.26');
    // web-1 waits for web-2 to be ready.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(await revisionOf('web-1')).toBe(rev1);
    await markReady('web-2');
    await until(async () => (await podExists('web-1')) && (await revisionOf('web-1')) === rev2, 'web-1 updated');
    await markReady('web-1');
    // Partition 1: web-0 stays at the old revision.
    await until(async () => (await status('web')).updatedReplicas === 2 && (await status('web')).readyReplicas === 3, 'partitioned rollout done');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(await revisionOf('web-0')).toBe(rev1);
    expect(await status('web')).toMatchObject({ currentRevision: rev1, updateRevision: rev2, currentReplicas: 1, updatedReplicas: 2 });

    // Lowering the partition to 0 finishes the rollout; the update revision becomes current.
    await patchSpec('web', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    await until(async () => (await podExists('web-0')) && (await revisionOf('web-0')) === rev2, 'web-0 updated');
    await markReady('web-0');
    await until(async () => (await status('web')).currentRevision === rev2, 'rollout complete');
    expect(await status('web')).toMatchObject({ currentReplicas: 3, updatedReplicas: 3, readyReplicas: 3 });
    const events = (await api.events()).map((e) => `${e.reason} ${e.message}`);
    expect(events).toContain('SuccessfulDelete delete Pod web-2 in StatefulSet web successful');
  });

  it('sets claim owners for the retention policy (whenDeleted and whenScaled Delete)', async () => {
    await api.client.create(
      statefulSetsResource,
      NS,
      statefulSet('web', { replicas: 2, podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' }, ...withClaims }),
    );
    await until(async () => (await podNames()).length === 2, 'two pods');
    for (const n of ['web-0', 'web-1']) await markReady(n);
    const set = await getSet('web');
    const owners = async (claim: string) => (await api.client.get(persistentVolumeClaimsResource, NS, claim)).metadata.ownerReferences ?? [];
    await until(async () => (await owners('data-web-1')).length === 1, 'claim owned');
    expect(await owners('data-web-0')).toMatchObject([{ kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true }]);

    // Scaling down hands web-1's claim to the pod (so it goes with it), not the set.
    const web1 = await api.client.get(resources.pods, NS, 'web-1');
    await patchSpec('web', { replicas: 1 });
    await until(async () => (await owners('data-web-1')).some((r) => r.kind === 'Pod'), 'claim owned by pod');
    expect(await owners('data-web-1')).toMatchObject([{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: web1.metadata.uid, controller: true }]);
    await until(async () => !(await podExists('web-1')), 'web-1 deleted');
    expect(await owners('data-web-0')).toMatchObject([{ kind: 'StatefulSet', name: 'web' }]);
    // Ownership was set with the claims, not by later pod updates; nothing failed.
    const reasons = new Set((await api.events()).map((e) => e.reason));
    expect([...reasons].sort()).toEqual(['SuccessfulCreate', 'SuccessfulDelete']);
  });

  it('keeps claims unowned with the default Retain policy', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 1, ...withClaims }));
    await until(() => podExists('web-0'), 'web-0');
    await markReady('web-0');
    await until(async () => (await status('web')).readyReplicas === 1, 'ready');
    expect((await api.client.get(persistentVolumeClaimsResource, NS, 'data-web-0')).metadata.ownerReferences ?? []).toEqual([]);
  });

  it('recreates a deleted pod with the same name', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 1 }));
    await until(() => podExists('web-0'), 'web-0');
    const uid = (await api.client.get(resources.pods, NS, 'web-0')).metadata.uid;
    await api.client.delete(resources.pods, NS, 'web-0');
    await until(async () => (await podExists('web-0')) && (await api.client.get(resources.pods, NS, 'web-0')).metadata.uid !== uid, 'web-0 recreated');
  });

  it('adopts matching orphan pods and releases pods whose labels stop matching', async () => {
    await api.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: NS, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 1 }));
    await until(async () => (await api.client.get(resources.pods, NS, 'web-0')).metadata.ownerReferences?.[0]?.kind === 'StatefulSet', 'adopted');
    const pod = await api.client.get(resources.pods, NS, 'web-0');
    await api.client.patch(resources.pods, NS, 'web-0', 'merge', { metadata: { labels: { app: 'other' } } });
    await until(async () => (await api.client.get(resources.pods, NS, 'web-0').catch(() => pod)).metadata.ownerReferences === undefined || (await podNames()).length > 1, 'released');
    expect((await api.client.get(resources.pods, NS, 'web-0')).metadata.ownerReferences ?? []).toEqual([]);
  });

  it('requeues after minReadySeconds to count available replicas', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 1, minReadySeconds: 10 }));
    await until(() => podExists('web-0'), 'web-0');
    await markReady('web-0');
    await until(async () => (await status('web')).readyReplicas === 1, 'ready');
    expect((await status('web')).availableReplicas ?? 0).toBe(0);
    api.clock.advance(11_000);
    await until(async () => (await status('web')).availableReplicas === 1, 'available');
  });

  it('keeps revisionHistoryLimit old revisions and renumbers the revision a rollback returns to', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 1, revisionHistoryLimit: 1, updateStrategy: { type: 'OnDelete' } }));
    await until(() => podExists('web-0'), 'web-0');
    const setImage = async (image: string, generation: number) => {
      await patchSpec('web', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } });
      await until(async () => (await status('web')).observedGeneration === generation, `generation ${generation}`);
    };
    const revisions = async () =>
      (await api.client.list(controllerRevisionsResource, NS)).items
        .map((r) => ({ revision: r.revision, image: ((r.data as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0].image) }))
        .sort((a, b) => Number(a.revision) - Number(b.revision));
    await setImage('nginx:2', 2);
    await setImage('nginx:3', 3);
    await setImage('nginx:4', 4);
    // Live: revision 1 (web-0 still runs it; OnDelete) and 4 (the update revision); one more kept.
    await until(async () => (await revisions()).length === 3, 'truncated');
    expect(await revisions()).toEqual([
      { revision: 1, image: 'nginx:1.25' },
      { revision: 3, image: 'nginx:3' },
      { revision: 4, image: 'nginx:4' },
    ]);
    // Back to the first template: its revision is renumbered, not duplicated.
    await setImage('nginx:1.25', 5);
    await until(async () => (await revisions()).length === 2, 'truncated after rollback');
    expect(await revisions()).toEqual([
      { revision: 4, image: 'nginx:4' },
      { revision: 5, image: 'nginx:1.25' },
    ]);
    expect((await status('web')).updateRevision).toBe((await status('web')).currentRevision);
  });

  it('replaces up to maxUnavailable pods at once when it is set', async () => {
    await api.client.create(statefulSetsResource, NS, statefulSet('web', { replicas: 3, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } }));
    await until(async () => (await podNames()).length === 3, 'three pods');
    for (const n of ['web-0', 'web-1', 'web-2']) await markReady(n);
    await until(async () => (await status('web')).readyReplicas === 3, 'ready');
    const rev1 = (await status('web')).currentRevision;
    await patchSpec('web', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } } });
    const revisionOf = async (n: string) => (await api.client.get(resources.pods, NS, n).catch(() => undefined))?.metadata.labels?.[POD_REVISION_LABEL];
    await until(async () => (await status('web')).updateRevision !== rev1, 'update revision');
    const rev2 = (await status('web')).updateRevision;
    await until(async () => (await revisionOf('web-2')) === rev2 && (await revisionOf('web-1')) === rev2, 'two replaced together');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(await revisionOf('web-0')).toBe(rev1);
    await markReady('web-1');
    await markReady('web-2');
    await until(async () => (await revisionOf('web-0')) === rev2, 'web-0 replaced');
  });
});
