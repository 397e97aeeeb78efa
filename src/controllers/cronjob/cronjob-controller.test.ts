import { afterEach, describe, expect, it } from 'vitest';
import { rfc3339, type KubeObject } from '../../api/object.js';
import { FakeClock } from '../../util/clock.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { cronJobsResource, jobsResource, type CronJob, type Job } from '../job/job-types.js';
import { CronJobController, jobNameFor, rfc1123z, rfc3339InZone } from './cronjob-controller.js';

const NS = 'default';
const START = Date.parse('2025-01-01T00:00:00Z');
const MINUTE = 60_000;

function cronJobManifest(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NS },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { labels: { team: 'a' }, annotations: { note: 'x' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

describe('CronJobController', () => {
  let api: TestApi;
  const start = async (startAt = START) => {
    api = await startTestApi({ clock: new FakeClock(startAt) });
    void new CronJobController(api.context, { defaultTimeZone: 'UTC' }).run(api.signal);
  };
  afterEach(() => api.stop());

  const settle = async (turns = 200) => {
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };
  const getCronJob = async (name: string) => (await api.client.get(cronJobsResource, NS, name)) as CronJob;
  const jobsOf = async (name: string) =>
    ((await api.client.list(jobsResource, NS)).items as Job[]).filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === name)).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const minuteName = (name: string, minutes: number) => `${name}-${Math.floor((START + minutes * MINUTE) / MINUTE)}`;
  /** Advances the clock to just past `minutes` after START (the sync runs 100 ms after the scheduled time). */
  const advanceTo = async (minutes: number, extraMs = 100) => {
    api.clock.advance(START + minutes * MINUTE + extraMs - api.clock.now());
    await settle();
  };
  const activeNames = async (name: string) => ((await getCronJob(name)).status?.active ?? []).map((r) => r.name);
  const eventsFor = async (name: string) =>
    (await api.events()).filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => ({ type: e.type, reason: e.reason, message: e.message }));
  const finishJob = async (name: string, type: 'Complete' | 'Failed', at: number) => {
    const ts = rfc3339(at);
    const conditions =
      type === 'Complete'
        ? [
            { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: ts, lastTransitionTime: ts },
            { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: ts, lastTransitionTime: ts },
          ]
        : [
            { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: ts, lastTransitionTime: ts },
            { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: ts, lastTransitionTime: ts },
          ];
    const status: Record<string, unknown> = { startTime: ts, conditions, ...(type === 'Complete' ? { completionTime: ts, succeeded: 1 } : { failed: 1 }) };
    await api.client.patch(jobsResource, NS, name, 'merge', { status }, { subresource: 'status' });
  };

  it('creates a Job every minute as the clock crosses minute boundaries', async () => {
    await start();
    await api.client.create(cronJobsResource, NS, cronJobManifest('tick'));
    await settle();
    api.clock.advance(59_000);
    await settle();
    expect(await jobsOf('tick')).toHaveLength(0);

    await advanceTo(1);
    await until(async () => (await activeNames('tick')).length === 1, 'first job active');
    const first = minuteName('tick', 1);
    expect(first).toBe('tick-28928161');
    const [job] = await jobsOf('tick');
    expect(job.metadata.name).toBe(first);
    expect(job.metadata.labels).toEqual({ team: 'a' });
    expect(job.metadata.annotations).toMatchObject({ note: 'x', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2025-01-01T00:01:00Z' });
    const cj = await getCronJob('tick');
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(cj.status?.lastScheduleTime).toBe('2025-01-01T00:01:00Z');
    expect(cj.status?.active?.[0]).toMatchObject({ kind: 'Job', apiVersion: 'batch/v1', namespace: NS, name: first, uid: job.metadata.uid });

    for (let m = 2; m <= 4; m++) {
      await advanceTo(m);
      await until(async () => (await activeNames('tick')).includes(minuteName('tick', m)), `job of minute ${m}`);
    }
    expect((await jobsOf('tick')).map((j) => j.metadata.name)).toEqual([1, 2, 3, 4].map((m) => minuteName('tick', m)));
    expect((await eventsFor('tick')).filter((e) => e.reason === 'SuccessfulCreate')).toContainEqual({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${first}` });
  });

  it('Forbid skips a run while the previous Job is active', async () => {
    await start();
    await api.client.create(cronJobsResource, NS, cronJobManifest('forbid', { concurrencyPolicy: 'Forbid' }));
    await advanceTo(1);
    await until(async () => (await activeNames('forbid')).length === 1, 'first job');
    await advanceTo(2);
    await until(async () => (await eventsFor('forbid')).some((e) => e.reason === 'JobAlreadyActive'), 'JobAlreadyActive');
    expect(await eventsFor('forbid')).toContainEqual({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    expect(await jobsOf('forbid')).toHaveLength(1);

    // Once the previous run is seen finished, the skipped 00:02 run (still unmet, no deadline) starts late.
    await finishJob(minuteName('forbid', 1), 'Complete', api.clock.now());
    await until(async () => (await activeNames('forbid')).join() === minuteName('forbid', 2), 'the 00:02 run replaces the finished one');
    expect(await eventsFor('forbid')).toContainEqual({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${minuteName('forbid', 1)}, status: Complete` });
    await until(async () => (await getCronJob('forbid')).status?.lastSuccessfulTime === rfc3339(START + 2 * MINUTE), 'lastSuccessfulTime');
    await advanceTo(3);
    // The recorder folds the repeated event into one with count 2.
    await until(async () => (await api.events()).some((e) => e.reason === 'JobAlreadyActive' && e.count === 2), 'skipped again at 00:03');
    expect((await jobsOf('forbid')).map((j) => j.metadata.name)).toEqual([minuteName('forbid', 1), minuteName('forbid', 2)]);
  });

  it('Replace deletes the running Job and starts the new one; Allow runs both', async () => {
    await start();
    await api.client.create(cronJobsResource, NS, cronJobManifest('repl', { concurrencyPolicy: 'Replace' }));
    await api.client.create(cronJobsResource, NS, cronJobManifest('allow'));
    await advanceTo(1);
    await until(async () => (await activeNames('repl')).length === 1 && (await activeNames('allow')).length === 1, 'first jobs');
    await advanceTo(2);
    await until(async () => (await activeNames('repl')).join() === minuteName('repl', 2), 'replaced');
    await until(async () => (await activeNames('allow')).length === 2, 'allow runs both');
    expect((await jobsOf('repl')).map((j) => j.metadata.name)).toEqual([minuteName('repl', 2)]);
    expect(await eventsFor('repl')).toContainEqual({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${minuteName('repl', 1)}` });
  });

  it('keeps only successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs', async () => {
    await start();
    await api.client.create(cronJobsResource, NS, cronJobManifest('hist', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    for (let m = 1; m <= 4; m++) {
      await advanceTo(m);
      await until(async () => (await activeNames('hist')).includes(minuteName('hist', m)), `job ${m}`);
    }
    await finishJob(minuteName('hist', 1), 'Complete', START + 1 * MINUTE);
    await finishJob(minuteName('hist', 2), 'Complete', START + 2 * MINUTE);
    await finishJob(minuteName('hist', 3), 'Failed', START + 3 * MINUTE);
    await finishJob(minuteName('hist', 4), 'Failed', START + 4 * MINUTE);
    await until(async () => (await jobsOf('hist')).length === 2, 'pruned to 2');
    expect((await jobsOf('hist')).map((j) => j.metadata.name)).toEqual([minuteName('hist', 2), minuteName('hist', 4)]);
    await until(async () => (await activeNames('hist')).length === 0, 'none active');
    await until(async () => (await getCronJob('hist')).status?.lastSuccessfulTime === rfc3339(START + 2 * MINUTE), 'lastSuccessfulTime');
    const deletes = (await eventsFor('hist')).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    expect(deletes.sort()).toEqual([`Deleted job ${minuteName('hist', 1)}`, `Deleted job ${minuteName('hist', 3)}`]);
  });

  it('schedules in spec.timeZone', async () => {
    // 08:30 in Tokyo on 2025-01-01 is 23:30 UTC the day before.
    const begin = Date.parse('2024-12-31T23:00:00Z');
    await start(begin);
    await api.client.create(cronJobsResource, NS, cronJobManifest('tokyo', { schedule: '30 8 * * *', timeZone: 'Asia/Tokyo' }));
    await settle();
    api.clock.advance(29 * MINUTE);
    await settle();
    expect(await jobsOf('tokyo')).toHaveLength(0);
    api.clock.advance(MINUTE + 100);
    await until(async () => (await jobsOf('tokyo')).length === 1, 'job at 08:30 JST');
    const [job] = await jobsOf('tokyo');
    const scheduled = Date.parse('2024-12-31T23:30:00Z');
    expect(job.metadata.name).toBe(`tokyo-${scheduled / MINUTE}`);
    expect(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2025-01-01T08:30:00+09:00');
    await until(async () => (await getCronJob('tokyo')).status?.lastScheduleTime === '2024-12-31T23:30:00Z', 'lastScheduleTime');
  });

  it('skips runs missed by more than startingDeadlineSeconds, starts those within it', async () => {
    await start();
    await api.client.create(cronJobsResource, NS, cronJobManifest('late', { suspend: true, startingDeadlineSeconds: 30 }));
    await api.client.create(cronJobsResource, NS, cronJobManifest('ontime', { suspend: true, startingDeadlineSeconds: 30 }));
    await settle();
    // 45 s after the 00:10 run: too late for it.
    await advanceTo(10, 45_000);
    await api.client.patch(cronJobsResource, NS, 'late', 'merge', { spec: { suspend: false } });
    await settle();
    expect(await jobsOf('late')).toHaveLength(0);
    // 20 s after 00:10 is within the deadline for 'ontime'.
    await advanceTo(11, 20_000);
    await until(async () => (await jobsOf('late')).length === 1, 'late: the 00:11 run');
    expect((await jobsOf('late'))[0].metadata.name).toBe(minuteName('late', 11));
    await api.client.patch(cronJobsResource, NS, 'ontime', 'merge', { spec: { suspend: false } });
    await until(async () => (await jobsOf('ontime')).length === 1, 'ontime: the 00:11 run, 20 s late');
    expect((await jobsOf('ontime'))[0].metadata.name).toBe(minuteName('ontime', 11));
  });

  it('warns TooManyMissedTimes after more than 100 missed runs, and starts the latest', async () => {
    await start();
    await api.client.create(cronJobsResource, NS, cronJobManifest('behind', { suspend: true }));
    await settle();
    await advanceTo(200, 5_000);
    await api.client.patch(cronJobsResource, NS, 'behind', 'merge', { spec: { suspend: false } });
    await until(async () => (await jobsOf('behind')).length === 1, 'one job');
    expect((await jobsOf('behind'))[0].metadata.name).toBe(minuteName('behind', 200));
    expect(await eventsFor('behind')).toContainEqual({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
  });

  it('formats times as upstream', () => {
    expect(rfc1123z(Date.parse('2025-01-01T00:01:00Z'))).toBe('Wed, 01 Jan 2025 00:01:00 +0000');
    expect(rfc3339InZone(Date.parse('2025-07-01T12:00:00Z'), 'America/New_York')).toBe('2025-07-01T08:00:00-04:00');
    expect(rfc3339InZone(Date.parse('2025-01-01T12:00:00Z'), 'Europe/London')).toBe('2025-01-01T12:00:00Z');
    expect(jobNameFor({ metadata: { name: 'x' }, spec: { schedule: '', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } }, Date.parse('2025-01-01T00:01:00Z'))).toBe('x-28928161');
  });
});
