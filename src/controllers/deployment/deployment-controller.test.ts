import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { resources, type Client } from '../../client/client.js';
import { eventually, finishTerminating, livePods, listPods, makeAllReady, quiesce } from '../podcontrol/workload-test-kit.js';
import type { Deployment, ReplicaSet } from '../podcontrol/workload-types.js';
import { ReplicaSetController, replicaSetsResource } from '../replicaset/replicaset-controller.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { DeploymentController, deploymentsResource } from './deployment-controller.js';
import { equalIgnoreHash } from './deployment-util.js';
import { computeHash } from './pod-template-hash.js';

const NS = 'default';

interface DeploymentOptions {
  replicas?: number;
  image?: string;
  strategy?: Record<string, unknown>;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  nodeName?: string;
  annotations?: Record<string, string>;
}

function deployment(name: string, o: DeploymentOptions = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: o.image ?? 'nginx:1.24' }], ...(o.nodeName ? { nodeName: o.nodeName } : {}) },
      },
    },
  };
}

/** kubectl's DeploymentStatusViewer (rollout_status.go), as notes §11 writes it down. */
function rolloutStatus(d: Deployment): { done: boolean; message: string } {
  const name = d.metadata.name ?? '';
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = st.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: true, message: `error: deployment "${name}" exceeded its progress deadline` };
    const want = d.spec?.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    if (updated < want) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...` };
    if ((st.replicas ?? 0) > updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...` };
    if ((st.availableReplicas ?? 0) < updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
    return { done: true, message: `deployment "${name}" successfully rolled out` };
  }
  return { done: false, message: 'Waiting for deployment spec update to be observed...' };
}

describe('DeploymentController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new DeploymentController(api.context).run(api.signal);
    void new ReplicaSetController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const getD = async (name: string) => (await api.client.get(deploymentsResource, NS, name)) as Deployment;
  /** ReplicaSets controlled by the Deployment, oldest revision first (what `rollout history` lists). */
  const ownedRSs = async (name: string) => {
    const d = await getD(name);
    const list = (await api.client.list(replicaSetsResource, NS)).items as ReplicaSet[];
    return list
      .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid))
      .sort((a, b) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
  };
  /** kubectl describe's NewReplicaSet: template equal to the Deployment's ignoring the hash label. */
  const newRSOf = async (name: string) => {
    const d = await getD(name);
    return (await ownedRSs(name)).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  };
  const scalingEvents = async () =>
    (await api.events())
      .filter((e) => e.reason === 'ScalingReplicaSet')
      // Recorded in order: the storage revision orders them.
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
      .map((e) => e.message as string);
  /** Plays the kubelet until the rollout is done: every pod that appears becomes ready. */
  const completeRollout = async (name: string) => {
    await eventually(
      api,
      async () => {
        await makeAllReady(api, NS, `app=${name}`);
        return rolloutStatus(await getD(name)).done;
      },
      `rollout of ${name}`,
    );
  };
  const setImage = (name: string, image: string) =>
    api.client.patch(deploymentsResource, NS, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } });

  it('creates a ReplicaSet named after the template hash, with revision, labels and owner, and rolls out', async () => {
    const created = (await api.client.create(deploymentsResource, NS, deployment('web'))) as Deployment;
    await eventually(api, async () => (await ownedRSs('web')).length === 1, 'replica set');
    const [rs] = await ownedRSs('web');
    const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec?.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(rs.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs.spec?.replicas).toBe(3);

    await eventually(api, async () => (await livePods(api, NS, 'app=web')).length === 3, 'pods');
    for (const p of await livePods(api, NS, 'app=web')) expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));

    await eventually(api, async () => (await getD('web')).status?.replicas === 3, 'status.replicas');
    let d = await getD('web');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, unavailableReplicas: 3 });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True' });
    expect(rolloutStatus(d).message).toBe('Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...');

    await completeRollout('web');
    d = await getD('web');
    expect(d.status).toEqual({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: expect.any(String), lastTransitionTime: expect.any(String), reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: expect.any(String), lastTransitionTime: expect.any(String), reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` },
      ],
    });
    expect(rolloutStatus(d).message).toBe('deployment "web" successfully rolled out');
    expect(await scalingEvents()).toEqual([`Scaled up replica set web-${hash} from 0 to 3`]);
    const evt = (await api.events()).find((e) => e.reason === 'ScalingReplicaSet');
    expect(evt).toMatchObject({ type: 'Normal', source: { component: 'deployment-controller' }, involvedObject: { kind: 'Deployment', name: 'web', uid: created.metadata.uid } });
  });

  it('scales up and down through the new ReplicaSet', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2 }));
    await completeRollout('web');
    const rsName = (await ownedRSs('web'))[0].metadata.name;
    await api.client.patch(deploymentsResource, NS, 'web', 'merge', { spec: { replicas: 5 } });
    await completeRollout('web');
    expect(await livePods(api, NS, 'app=web')).toHaveLength(5);
    expect((await ownedRSs('web'))[0].metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('5');
    await api.client.patch(deploymentsResource, NS, 'web', 'merge', { spec: { replicas: 1 } });
    await eventually(api, async () => (await livePods(api, NS, 'app=web')).length === 1 && rolloutStatus(await getD('web')).done, 'scaled down');
    expect(await ownedRSs('web')).toHaveLength(1);
    expect(await scalingEvents()).toEqual([`Scaled up replica set ${rsName} from 0 to 2`, `Scaled up replica set ${rsName} from 2 to 5`, `Scaled down replica set ${rsName} from 5 to 1`]);
  });

  for (const [maxSurge, maxUnavailable] of [
    [1, 0],
    [0, 1],
    ['50%', '25%'],
  ] as const) {
    it(`rolls out a new template within maxSurge=${maxSurge} and maxUnavailable=${maxUnavailable} at every step`, async () => {
      const replicas = 4;
      await api.client.create(deploymentsResource, NS, deployment('web', { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } }));
      await completeRollout('web');
      const surge = typeof maxSurge === 'number' ? maxSurge : Math.ceil((parseInt(maxSurge) * replicas) / 100);
      const unavailable = typeof maxUnavailable === 'number' ? maxUnavailable : Math.floor((parseInt(maxUnavailable) * replicas) / 100);
      await setImage('web', 'nginx:1.25');
      let steps = 0;
      for (; steps < 50; steps++) {
        await quiesce(300);
        api.clock.advance(50);
        await quiesce(100);
        const rss = await ownedRSs('web');
        const total = rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        expect(total).toBeLessThanOrEqual(replicas + surge);
        const pods = await livePods(api, NS, 'app=web');
        const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        expect(ready.length).toBeGreaterThanOrEqual(replicas - unavailable);
        if (rolloutStatus(await getD('web')).done && rss.length === 2 && (rss[0].spec?.replicas ?? 0) === 0) break;
        // One kubelet "tick": pods that exist become ready.
        await makeAllReady(api, NS, 'app=web');
      }
      expect(steps).toBeLessThan(50);
      const [old, cur] = await ownedRSs('web');
      expect(old.spec?.replicas).toBe(0);
      expect(cur.spec?.replicas).toBe(replicas);
      expect(cur.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect((await getD('web')).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect((await livePods(api, NS, 'app=web')).every((p) => (p.spec?.containers as { image: string }[])[0].image === 'nginx:1.25')).toBe(true);
    });
  }

  it('Recreate: scales old pods to zero, waits until they are gone, then creates the new ReplicaSet', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2, strategy: { type: 'Recreate' }, nodeName: 'node-1' }));
    await completeRollout('web');
    const [old] = await ownedRSs('web');
    await setImage('web', 'nginx:1.25');
    await eventually(api, async () => (await ownedRSs('web'))[0].spec?.replicas === 0, 'old scaled to 0');
    // Pods bound to a node terminate gracefully: they linger with a deletionTimestamp.
    await eventually(api, async () => (await listPods(api, NS)).every((p) => p.metadata.deletionTimestamp !== undefined), 'terminating');
    await quiesce(300);
    expect(await ownedRSs('web')).toHaveLength(1);
    expect(rolloutStatus(await getD('web')).done).toBe(false);
    expect(await finishTerminating(api, NS)).toBe(2);
    await eventually(api, async () => (await ownedRSs('web')).length === 2, 'new replica set');
    const cur = await newRSOf('web');
    expect(cur?.spec?.replicas).toBe(2);
    await completeRollout('web');
    expect(await scalingEvents()).toEqual([
      `Scaled up replica set ${old.metadata.name} from 0 to 2`,
      `Scaled down replica set ${old.metadata.name} from 2 to 0`,
      `Scaled up replica set ${cur?.metadata.name} from 0 to 2`,
    ]);
  });

  it('rollout to a new revision and back reuses the old ReplicaSet with a new revision (undo)', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2, annotations: { 'kubernetes.io/change-cause': 'initial' } }));
    await completeRollout('web');
    const [first] = await ownedRSs('web');
    expect(first.metadata.annotations?.['kubernetes.io/change-cause']).toBe('initial');
    api.clock.advance(2000);
    await api.client.patch(deploymentsResource, NS, 'web', 'merge', { metadata: { annotations: { 'kubernetes.io/change-cause': 'upgrade' } } });
    await setImage('web', 'nginx:1.25');
    await completeRollout('web');
    expect(await ownedRSs('web')).toHaveLength(2);
    const second = (await ownedRSs('web'))[1];
    expect(second.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'upgrade' });

    // kubectl rollout undo: the template of revision 1 (minus the hash label) and its annotations.
    const template = structuredClone(first.spec?.template ?? {});
    delete template.metadata?.labels?.['pod-template-hash'];
    await api.client.patch(deploymentsResource, NS, 'web', 'json', [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'initial' } },
    ]);
    await completeRollout('web');
    const rss = await ownedRSs('web');
    expect(rss).toHaveLength(2);
    const reused = rss.find((rs) => rs.metadata.uid === first.metadata.uid);
    expect(reused?.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(reused?.spec?.replicas).toBe(2);
    expect((await newRSOf('web'))?.metadata.uid).toBe(first.metadata.uid);
    expect((await getD('web')).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');

    // kubectl rollout restart: a template annotation makes revision 4.
    await api.client.patch(deploymentsResource, NS, 'web', 'strategic', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:10Z' } } } } });
    await completeRollout('web');
    expect((await getD('web')).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('4');
    expect(await ownedRSs('web')).toHaveLength(3);
  });

  it('pause stops rollouts (DeploymentPaused) and resume continues them (DeploymentResumed)', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2 }));
    await completeRollout('web');
    await api.client.patch(deploymentsResource, NS, 'web', 'strategic', { spec: { paused: true } });
    await eventually(api, async () => (await getD('web')).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused', 'paused');
    expect((await getD('web')).status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    await setImage('web', 'nginx:1.25');
    await eventually(api, async () => {
      const d = await getD('web');
      return d.status?.observedGeneration === d.metadata.generation;
    }, 'observed');
    await quiesce(300);
    expect(await ownedRSs('web')).toHaveLength(1);
    expect((await getD('web')).status?.updatedReplicas).toBeUndefined();
    // Scaling while paused still works (proportionally, here on the only ReplicaSet).
    await api.client.patch(deploymentsResource, NS, 'web', 'merge', { spec: { replicas: 3 } });
    await eventually(api, async () => (await ownedRSs('web'))[0].spec?.replicas === 3, 'scaled while paused');
    expect(await ownedRSs('web')).toHaveLength(1);

    await api.client.patch(deploymentsResource, NS, 'web', 'strategic', { spec: { paused: null } });
    await eventually(api, async () => (await ownedRSs('web')).length === 2, 'rollout resumed');
    const events = (await getD('web')).status?.conditions?.find((c) => c.type === 'Progressing');
    expect(['DeploymentResumed', 'NewReplicaSetCreated', 'ReplicaSetUpdated']).toContain(events?.reason);
    await completeRollout('web');
    expect((await getD('web')).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress in time', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2, progressDeadlineSeconds: 30 }));
    await eventually(api, async () => (await getD('web')).status?.replicas === 2, 'pods created');
    await quiesce(300);
    expect((await getD('web')).status?.conditions?.find((c) => c.type === 'Progressing')?.status).toBe('True');
    api.clock.advance(32_000);
    await eventually(api, async () => (await getD('web')).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'ProgressDeadlineExceeded', 'deadline');
    const d = await getD('web');
    const rs = await newRSOf('web');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', message: `ReplicaSet "${rs?.metadata.name}" has timed out progressing.` });
    expect(rolloutStatus(d).message).toBe('error: deployment "web" exceeded its progress deadline');
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 1, revisionHistoryLimit: 1 }));
    await completeRollout('web');
    for (const image of ['nginx:1.25', 'nginx:1.26', 'nginx:1.27']) {
      api.clock.advance(1000);
      await setImage('web', image);
      await completeRollout('web');
    }
    await eventually(api, async () => (await ownedRSs('web')).length === 2, 'cleanup');
    const rss = await ownedRSs('web');
    expect(rss.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'])).toEqual(['3', '4']);
  });

  it('adopts a matching orphan ReplicaSet and releases one whose labels stop matching', async () => {
    const orphan: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'legacy', namespace: NS, labels: { app: 'web' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web', v: 'old' } }, template: { metadata: { labels: { app: 'web', v: 'old' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.20' }] } } },
    };
    await api.client.create(replicaSetsResource, NS, orphan);
    const d = (await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2 }))) as Deployment;
    await eventually(api, async () => (await api.client.get(replicaSetsResource, NS, 'legacy')).metadata.ownerReferences?.[0]?.uid === d.metadata.uid, 'adopted');
    // The adopted ReplicaSet is an old one: the rollout scales it away.
    await completeRollout('web');
    expect((await api.client.get(replicaSetsResource, NS, 'legacy') as ReplicaSet).spec?.replicas).toBe(0);

    await api.client.patch(replicaSetsResource, NS, 'legacy', 'merge', { metadata: { labels: { app: 'other' } } });
    await eventually(api, async () => (await api.client.get(replicaSetsResource, NS, 'legacy')).metadata.ownerReferences === undefined, 'released');
  });

  it('scales proportionally when the Deployment is scaled mid-rollout', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await completeRollout('web');
    const [old] = await ownedRSs('web');
    await setImage('web', 'nginx:broken');
    // New pods never become ready: the rollout stalls at old 8 + new 5.
    await eventually(api, async () => {
      const rss = await ownedRSs('web');
      return rss.length === 2 && rss[0].spec?.replicas === 8 && rss[1].spec?.replicas === 5;
    }, 'stalled rollout');
    await quiesce(300);
    const cur = (await ownedRSs('web'))[1];
    await api.client.patch(deploymentsResource, NS, 'web', 'merge', { spec: { replicas: 15 } });
    await eventually(api, async () => {
      const rss = await ownedRSs('web');
      return rss[0].spec?.replicas === 11 && rss[1].spec?.replicas === 7;
    }, 'proportional scale');
    const events = await scalingEvents();
    expect(events).toContain(`Scaled up replica set ${old.metadata.name} from 8 to 11`);
    expect(events).toContain(`Scaled up replica set ${cur.metadata.name} from 5 to 7`);
    for (const rs of await ownedRSs('web')) {
      expect(rs.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/desired-replicas': '15', 'deployment.kubernetes.io/max-replicas': '18' });
    }
  });

  it('counts availability after minReadySeconds and keeps Available false until then', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 1, minReadySeconds: 20 }));
    await eventually(api, async () => (await livePods(api, NS, 'app=web')).length === 1, 'pod');
    await makeAllReady(api, NS, 'app=web');
    await eventually(api, async () => (await getD('web')).status?.readyReplicas === 1, 'ready');
    await quiesce(300);
    expect((await getD('web')).status?.availableReplicas).toBeUndefined();
    api.clock.advance(22_000);
    await eventually(api, async () => rolloutStatus(await getD('web')).done, 'available');
    expect((await newRSOf('web'))?.spec?.minReadySeconds).toBe(20);
  });

  it('resolves a ReplicaSet name collision by bumping status.collisionCount', async () => {
    const paused = deployment('web', { replicas: 1 });
    (paused.spec ?? {}).paused = true;
    const d = (await api.client.create(deploymentsResource, NS, paused)) as Deployment;
    const taken = `web-${computeHash(d.spec?.template ?? {})}`;
    await api.client.create(replicaSetsResource, NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: taken, namespace: NS, labels: { app: 'other' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'x', image: 'busybox' }] } } },
    });
    await api.client.patch(deploymentsResource, NS, 'web', 'strategic', { spec: { paused: false } });
    await completeRollout('web');
    expect((await getD('web')).status?.collisionCount).toBe(1);
    const [rs] = await ownedRSs('web');
    expect(rs.metadata.name).toBe(`web-${computeHash(d.spec?.template ?? {}, 1)}`);
    expect(rs.metadata.name).not.toBe(taken);
  });

  it('leaves the Deployment alone after it is deleted (pods are the garbage collector’s)', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 1 }));
    await eventually(api, async () => (await livePods(api, NS, 'app=web')).length === 1, 'pod');
    await api.client.delete(deploymentsResource, NS, 'web');
    await quiesce(300);
    expect(await api.client.list(resources.pods, NS)).toBeDefined();
  });
});

describe('DeploymentController with failing pod creation', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    const real = api.client;
    // The ReplicaSet controller's pod creations are refused, as by a quota.
    const client: Client = {
      get: (...a) => real.get(...a),
      list: (...a) => real.list(...a),
      watch: (...a) => real.watch(...a),
      update: (...a) => real.update(...a),
      patch: (...a) => real.patch(...a),
      delete: (...a) => real.delete(...a),
      createSubresource: (...a) => real.createSubresource(...a),
      createToken: (...a) => real.createToken(...a),
      create: (ref, ns, obj, o) =>
        ref.resource === 'pods' ? Promise.reject(ApiError.forbidden({ group: '', resource: 'pods' }, obj.metadata.generateName ?? '', 'exceeded quota: q')) : real.create(ref, ns, obj, o),
    };
    void new DeploymentController(api.context).run(api.signal);
    void new ReplicaSetController({ ...api.context, client }).run(api.signal);
  });
  afterEach(() => api.stop());

  it('promotes the ReplicaSet’s ReplicaFailure condition to the Deployment', async () => {
    await api.client.create(deploymentsResource, NS, deployment('web', { replicas: 2 }));
    const get = async () => (await api.client.get(deploymentsResource, NS, 'web')) as Deployment;
    await eventually(api, async () => ((await get()).status?.conditions ?? []).some((c) => c.type === 'ReplicaFailure'), 'ReplicaFailure');
    expect((await get()).status?.conditions?.find((c) => c.type === 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreate', message: expect.stringContaining('exceeded quota: q') });
  });
});
