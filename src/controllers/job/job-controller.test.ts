import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rfc3339, type KubeObject } from '../../api/object.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { JobController, type JobControllerOptions } from './job-controller.js';
import { jobsResource, podsResource, type Job, type Pod } from './job-types.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER } from './job-utils.js';

const NS = 'default';

function jobManifest(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }], ...podSpec } }, ...spec },
  };
}

describe('JobController', () => {
  let api: TestApi;

  const start = async (options: JobControllerOptions = {}) => {
    api = await startTestApi();
    void new JobController(api.context, { syncBatchPeriodMs: 0, apiRetry: { baseDelayMs: 0 }, ...options }).run(api.signal);
  };
  afterEach(() => api.stop());

  /** Lets the controller react (bounded number of event-loop turns; no wall-clock time). */
  const settle = async (turns = 200) => {
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };
  const getJob = async (name: string) => (await api.client.get(jobsResource, NS, name)) as Job;
  const podsOf = async (name: string) =>
    ((await api.client.list(podsResource, NS, { labelSelector: `batch.kubernetes.io/job-name=${name}` })).items as Pod[]).sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
  const activePods = async (name: string) => (await podsOf(name)).filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const condition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type);
  const finish = async (pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1, conditions: unknown[] = []) => {
    const now = rfc3339(api.clock.now());
    await api.client.patch(
      podsResource,
      NS,
      pod.metadata.name ?? '',
      'merge',
      {
        status: {
          phase,
          conditions,
          containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } } }],
        },
      },
      { subresource: 'status' },
    );
  };
  const eventsFor = async (name: string) =>
    (await api.events()).filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => ({ type: e.type, reason: e.reason, message: e.message }));

  describe('NonIndexed', () => {
    beforeEach(() => start());

    it('runs completions=5 with parallelism=2, never more than 2 active, then completes', async () => {
      await api.client.create(jobsResource, NS, jobManifest('pi', { completions: 5, parallelism: 2 }));
      let maxActive = 0;
      for (let done = 0; done < 5; done++) {
        await until(async () => (await activePods('pi')).length === Math.min(2, 5 - done), `${Math.min(2, 5 - done)} active pods after ${done} done`);
        await settle();
        const active = await activePods('pi');
        maxActive = Math.max(maxActive, active.length);
        expect(active.every((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER))).toBe(true);
        expect(active[0].metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', controller: true, blockOwnerDeletion: true });
        await finish(active[0], 'Succeeded');
      }
      await until(async () => condition(await getJob('pi'), 'Complete')?.status === 'True', 'Complete');
      expect(maxActive).toBe(2);
      const job = await getJob('pi');
      expect(job.status).toMatchObject({ succeeded: 5, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
      expect(job.status?.active).toBeUndefined();
      expect(job.status?.failed).toBeUndefined();
      expect(job.status?.startTime).toBeDefined();
      expect(job.status?.completionTime).toBeDefined();
      expect(condition(job, 'SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
      expect(condition(job, 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
      const pods = await podsOf('pi');
      expect(pods).toHaveLength(5);
      expect(pods.every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER))).toBe(true);
      expect(pods.every((p) => p.metadata.generateName === 'pi-')).toBe(true);
      const events = await eventsFor('pi');
      expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(5);
      expect(events).toContainEqual({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pods[0].metadata.name ?? ''}` });
      expect(events).toContainEqual({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    });

    it('reports ready pods', async () => {
      await api.client.create(jobsResource, NS, jobManifest('rdy', { parallelism: 2, completions: 2 }));
      await until(async () => (await activePods('rdy')).length === 2, '2 pods');
      const ts = rfc3339(api.clock.now());
      for (const p of await activePods('rdy')) {
        await api.client.patch(podsResource, NS, p.metadata.name ?? '', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts }] } }, { subresource: 'status' });
      }
      await until(async () => (await getJob('rdy')).status?.ready === 2, 'ready=2');
      expect((await getJob('rdy')).status?.active).toBe(2);
    });

    it('counts a pod deleted while running as failed and replaces it', async () => {
      await api.client.create(jobsResource, NS, jobManifest('del'));
      await until(async () => (await activePods('del')).length === 1, 'first pod');
      const [first] = await activePods('del');
      await api.client.delete(podsResource, NS, first.metadata.name ?? '');
      // The finalizer holds the pod until the Job counted it, then it goes.
      await until(async () => (await getJob('del')).status?.failed === 1 && (await podsOf('del')).every((p) => p.metadata.uid !== first.metadata.uid), 'failure counted, pod gone');
      // Replacement after the first failure backoff (10 s).
      await settle();
      expect(await activePods('del')).toHaveLength(0);
      api.clock.advance(10_000);
      await until(async () => (await activePods('del')).length === 1, 'replacement pod');
      await finish((await activePods('del'))[0], 'Succeeded');
      await until(async () => condition(await getJob('del'), 'Complete')?.status === 'True', 'Complete');
      expect((await getJob('del')).status).toMatchObject({ succeeded: 1, failed: 1 });
    });

    it('with podReplacementPolicy Failed, replaces a deleted pod only once it failed', async () => {
      await api.client.create(jobsResource, NS, jobManifest('prp', { podReplacementPolicy: 'Failed' }));
      await until(async () => (await activePods('prp')).length === 1, 'first pod');
      const [first] = await activePods('prp');
      await api.client.delete(podsResource, NS, first.metadata.name ?? '');
      await until(async () => (await getJob('prp')).status?.terminating === 1, 'terminating=1');
      api.clock.advance(60_000);
      await settle();
      // Still terminating (not failed): not counted, not replaced.
      expect(await podsOf('prp')).toHaveLength(1);
      expect((await getJob('prp')).status?.failed).toBeUndefined();
      await finish(first, 'Failed');
      await until(async () => (await getJob('prp')).status?.failed === 1 && (await podsOf('prp')).every((p) => p.metadata.uid !== first.metadata.uid), 'counted and gone');
      api.clock.advance(10_000);
      await until(async () => (await activePods('prp')).length === 1, 'replacement');
      expect((await getJob('prp')).status?.terminating).toBe(0);
    });

    it('fails with BackoffLimitExceeded after backoffLimit, recreating pods after 10 s, then 20 s', async () => {
      await api.client.create(jobsResource, NS, jobManifest('flaky', { backoffLimit: 2 }));
      await until(async () => (await activePods('flaky')).length === 1, 'pod 1');
      await finish((await activePods('flaky'))[0], 'Failed');
      await until(async () => (await getJob('flaky')).status?.failed === 1, 'failed=1');
      await settle();
      api.clock.advance(9_000);
      await settle();
      expect(await podsOf('flaky')).toHaveLength(1);
      api.clock.advance(1_000);
      await until(async () => (await activePods('flaky')).length === 1, 'pod 2 after 10 s');

      await finish((await activePods('flaky'))[0], 'Failed');
      await until(async () => (await getJob('flaky')).status?.failed === 2, 'failed=2');
      await settle();
      api.clock.advance(19_000);
      await settle();
      expect(await activePods('flaky')).toHaveLength(0);
      api.clock.advance(1_000);
      await until(async () => (await activePods('flaky')).length === 1, 'pod 3 after 20 s');

      await finish((await activePods('flaky'))[0], 'Failed');
      await until(async () => condition(await getJob('flaky'), 'Failed')?.status === 'True', 'Failed');
      const job = await getJob('flaky');
      expect(job.status?.failed).toBe(3);
      expect(condition(job, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
      expect(condition(job, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
      expect(job.status?.completionTime).toBeUndefined();
      expect(await eventsFor('flaky')).toContainEqual({ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    });

    it('fails with DeadlineExceeded after activeDeadlineSeconds and deletes the active pods', async () => {
      await api.client.create(jobsResource, NS, jobManifest('slow', { parallelism: 2, completions: 4, activeDeadlineSeconds: 30 }));
      await until(async () => (await activePods('slow')).length === 2, '2 pods');
      await settle();
      api.clock.advance(29_000);
      await settle();
      expect(condition(await getJob('slow'), 'FailureTarget')).toBeUndefined();
      api.clock.advance(1_000);
      await until(async () => condition(await getJob('slow'), 'Failed')?.status === 'True', 'Failed');
      const job = await getJob('slow');
      expect(condition(job, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
      expect(job.status).toMatchObject({ failed: 2, terminating: 0, ready: 0 });
      expect(await podsOf('slow')).toHaveLength(0);
      const events = await eventsFor('slow');
      expect(events).toContainEqual({ type: 'Warning', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
      expect(events.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(2);
    });

    it('suspends (deleting active pods) and resumes', async () => {
      await api.client.create(jobsResource, NS, jobManifest('sus', { suspend: true, parallelism: 2, completions: 2 }));
      await until(async () => condition(await getJob('sus'), 'Suspended')?.status === 'True', 'Suspended');
      let job = await getJob('sus');
      expect(condition(job, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
      expect(job.status?.startTime).toBeUndefined();
      expect(await podsOf('sus')).toHaveLength(0);

      await api.client.patch(jobsResource, NS, 'sus', 'merge', { spec: { suspend: false } });
      await until(async () => (await activePods('sus')).length === 2 && condition(await getJob('sus'), 'Suspended')?.status === 'False', 'resumed with 2 pods');
      job = await getJob('sus');
      expect(condition(job, 'Suspended')).toMatchObject({ reason: 'JobResumed', message: 'Job resumed' });
      expect(job.status?.startTime).toBeDefined();

      await api.client.patch(jobsResource, NS, 'sus', 'merge', { spec: { suspend: true } });
      await until(async () => (await podsOf('sus')).length === 0 && condition(await getJob('sus'), 'Suspended')?.status === 'True', 'suspended again, pods gone');
      expect((await getJob('sus')).status?.failed).toBeUndefined();
      const events = await eventsFor('sus');
      expect(events).toContainEqual({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
      expect(events).toContainEqual({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      expect(events.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(2);
    });

    it('applies podFailurePolicy: Ignore on a condition, FailJob on an exit code', async () => {
      await api.client.create(
        jobsResource,
        NS,
        jobManifest('pfp', {
          backoffLimit: 0,
          podFailurePolicy: {
            rules: [
              { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
              { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
            ],
          },
        }),
      );
      expect((await getJob('pfp')).spec.podReplacementPolicy).toBe('Failed');
      await until(async () => (await activePods('pfp')).length === 1, 'pod 1');
      // Disrupted: ignored, so backoffLimit 0 is not exceeded and the pod is replaced.
      await finish((await activePods('pfp'))[0], 'Failed', 137, [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }]);
      await until(async () => (await podsOf('pfp')).every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)), 'ignored pod released');
      expect(condition(await getJob('pfp'), 'FailureTarget')).toBeUndefined();
      expect((await getJob('pfp')).status?.failed).toBeUndefined();
      api.clock.advance(10_000);
      await until(async () => (await activePods('pfp')).length === 1, 'pod 2');
      const second = (await activePods('pfp'))[0];
      await finish(second, 'Failed', 42);
      await until(async () => condition(await getJob('pfp'), 'Failed')?.status === 'True', 'Failed');
      const message = `Container c for pod default/${second.metadata.name ?? ''} failed with exit code 42 matching FailJob rule at index 0`;
      const job = await getJob('pfp');
      expect(condition(job, 'FailureTarget')).toMatchObject({ reason: 'PodFailurePolicy', message });
      expect(condition(job, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy', message });
      expect(job.status?.failed).toBe(1);
      expect(await eventsFor('pfp')).toContainEqual({ type: 'Warning', reason: 'PodFailurePolicy', message });
    });

    it('without completions, completes when one pod succeeded and the others stopped', async () => {
      await api.client.create(jobsResource, NS, jobManifest('wq', { parallelism: 2 }));
      expect((await getJob('wq')).spec.completions).toBeUndefined();
      await until(async () => (await activePods('wq')).length === 2, '2 pods');
      const [a, b] = await activePods('wq');
      await finish(a, 'Succeeded');
      await until(async () => (await getJob('wq')).status?.succeeded === 1, 'succeeded=1');
      await settle();
      expect(await activePods('wq')).toHaveLength(1);
      expect(condition(await getJob('wq'), 'Complete')).toBeUndefined();
      await finish(b, 'Succeeded');
      await until(async () => condition(await getJob('wq'), 'Complete')?.status === 'True', 'Complete');
      expect((await getJob('wq')).status?.succeeded).toBe(2);
    });

    it('removes the tracking finalizer from pods of a deleted Job', async () => {
      await api.client.create(jobsResource, NS, jobManifest('gone'));
      await until(async () => (await activePods('gone')).length === 1, 'pod');
      await api.client.delete(jobsResource, NS, 'gone', { propagationPolicy: 'Orphan' });
      await until(async () => (await podsOf('gone')).every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)), 'finalizer removed');
    });

    it('adopts a matching orphan pod', async () => {
      const labels = { app: 'adopt' };
      await api.client.create(podsResource, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
      const created = (await api.client.create(
        jobsResource,
        NS,
        jobManifest('adopt', { manualSelector: true, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } }),
      )) as Job;
      const stray = async () => (await api.client.get(podsResource, NS, 'stray')) as Pod;
      await until(async () => ((await stray()).metadata.ownerReferences ?? []).some((r) => r.uid === created.metadata.uid), 'adopted');
      expect((await stray()).metadata.finalizers).toContain(JOB_TRACKING_FINALIZER);
      await settle();
      // The adopted pod is the Job's one pod: no other is created.
      expect((await api.client.list(podsResource, NS, { labelSelector: 'app=adopt' })).items).toHaveLength(1);
      await finish(await stray(), 'Succeeded');
      await until(async () => condition(await getJob('adopt'), 'Complete')?.status === 'True', 'Complete');
    });
  });

  describe('Indexed', () => {
    beforeEach(() => start());

    it('gives each pod its completion index and records completedIndexes', async () => {
      await api.client.create(jobsResource, NS, jobManifest('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
      await until(async () => (await activePods('idx')).length === 3, '3 pods');
      const pods = await activePods('idx');
      const byIndex = new Map(pods.map((p) => [p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION], p]));
      expect([...byIndex.keys()].sort()).toEqual(['0', '1', '2']);
      for (const [ix, p] of byIndex) {
        expect(p.metadata.labels?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe(ix);
        expect(p.spec.hostname).toBe(`idx-${ix ?? ''}`);
        expect(p.metadata.generateName).toBe(`idx-${ix ?? ''}-`);
        expect(p.spec.containers[0].env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } });
      }
      await finish(byIndex.get('1') as Pod, 'Succeeded');
      await until(async () => (await getJob('idx')).status?.completedIndexes === '1', 'completedIndexes=1');
      await finish(byIndex.get('2') as Pod, 'Succeeded');
      await until(async () => (await getJob('idx')).status?.completedIndexes === '1,2', 'completedIndexes=1,2');
      await finish(byIndex.get('0') as Pod, 'Succeeded');
      await until(async () => condition(await getJob('idx'), 'Complete')?.status === 'True', 'Complete');
      expect((await getJob('idx')).status).toMatchObject({ completedIndexes: '0-2', succeeded: 3 });
    });

    it('replaces a failed index with a pod of the same index', async () => {
      await api.client.create(jobsResource, NS, jobManifest('idxr', { completions: 2, parallelism: 1, completionMode: 'Indexed' }));
      await until(async () => (await activePods('idxr')).length === 1, 'pod for index 0');
      const first = (await activePods('idxr'))[0];
      expect(first.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe('0');
      await finish(first, 'Failed');
      await until(async () => (await getJob('idxr')).status?.failed === 1, 'failed=1');
      api.clock.advance(10_000);
      await until(async () => (await activePods('idxr')).length === 1, 'replacement');
      expect((await activePods('idxr'))[0].metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe('0');
    });

    it('fails an index after backoffLimitPerIndex and the Job with FailedIndexes', async () => {
      await api.client.create(jobsResource, NS, jobManifest('per', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }));
      await until(async () => (await activePods('per')).length === 2, '2 pods');
      const at = async (ix: string) => (await activePods('per')).find((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] === ix);
      const zero = (await at('0')) as Pod;
      expect(zero.metadata.annotations?.[JOB_INDEX_FAILURE_COUNT_ANNOTATION]).toBe('0');
      await finish(zero, 'Failed');
      // The failed pod stays (uncounted) until its replacement, which inherits its failure count, exists.
      await settle();
      expect((await getJob('per')).status?.failed).toBeUndefined();
      api.clock.advance(10_000);
      await until(async () => (await at('0')) !== undefined && (await getJob('per')).status?.failed === 1, 'index 0 retried');
      const retry = (await at('0')) as Pod;
      expect(retry.metadata.annotations?.[JOB_INDEX_FAILURE_COUNT_ANNOTATION]).toBe('1');
      await finish(retry, 'Failed');
      await until(async () => (await getJob('per')).status?.failedIndexes === '0', 'failedIndexes=0');
      await finish((await at('1')) as Pod, 'Succeeded');
      await until(async () => condition(await getJob('per'), 'Failed')?.status === 'True', 'Failed');
      const job = await getJob('per');
      expect(condition(job, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' });
      expect(job.status).toMatchObject({ failedIndexes: '0', completedIndexes: '1', failed: 2, succeeded: 1 });
    });
  });

  describe('pod event batching', () => {
    beforeEach(() => start({ syncBatchPeriodMs: 1000 }));

    it('syncs a Job one batch period after its pods change', async () => {
      await api.client.create(jobsResource, NS, jobManifest('batch'));
      await until(async () => (await activePods('batch')).length === 1, 'pod');
      await finish((await activePods('batch'))[0], 'Succeeded');
      await settle();
      expect(condition(await getJob('batch'), 'Complete')).toBeUndefined();
      for (let i = 0; i < 4 && condition(await getJob('batch'), 'Complete') === undefined; i++) {
        api.clock.advance(1000);
        await settle();
      }
      expect(condition(await getJob('batch'), 'Complete')?.status).toBe('True');
    });
  });
});
