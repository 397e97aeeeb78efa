/**
 * The CronJob controller (upstream pkg/controller/cronjob, ControllerV2): creates a Job for each
 * scheduled time, honouring suspend, startingDeadlineSeconds and concurrencyPolicy, tracks the
 * running ones in `status.active`, records lastScheduleTime/lastSuccessfulTime, and prunes
 * finished Jobs beyond the history limits.
 *
 * Time comes from the injected clock: after each sync the CronJob key is requeued for its next
 * scheduled time (plus 100 ms, as upstream pads for clock skew), so advancing a FakeClock across
 * a schedule boundary runs the sync that creates the Job. A Job's name is
 * `<cronjob>-<scheduled time in minutes since the epoch>`, which makes creation idempotent per
 * scheduled time.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { deepCopy, rfc3339, type ObjectReference, type OwnerReference } from '../../api/object.js';
import { isKnownTimeZone } from '../../api/validation/cron.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, type IndexFunc, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';
import { cronJobsResource, jobsResource, type CronJob, type Job } from '../job/job-types.js';
import { controllerRefOf, finishedConditionType, isJobFinished, isJobSucceeded, parseTime } from '../job/job-utils.js';
import { LatestWrites } from '../job/latest-writes.js';
import { CronParseError, localTimeZone, parseCronSchedule, wallClock, zoneOffset, type CronSchedule } from './cron-schedule.js';

export interface CronJobControllerOptions {
  /** Concurrent CronJob syncs (kube-controller-manager --concurrent-cron-job-syncs: 5). */
  readonly workers?: number;
  /**
   * The zone of schedules without spec.timeZone: upstream uses kube-controller-manager's local
   * time zone; so does this by default (the process's zone).
   */
  readonly defaultTimeZone?: string;
}

const FIELD_MANAGER = KUBE_CONTROLLER_MANAGER;
/** Requeue padding after the next scheduled time (upstream nextScheduleDelta). */
const NEXT_SCHEDULE_DELTA_MS = 100;
const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Jobs by `namespace/name` of their controlling CronJob (upstream matches owners by name). */
const BY_CRONJOB = 'cronjob-controller/by-cronjob';

const byCronJob: IndexFunc = (o) => {
  const ref = controllerRefOf(o);
  return ref && ref.kind === 'CronJob' ? [`${o.metadata.namespace ?? ''}/${ref.name}`] : [];
};

type Missed = 'none' | 'few' | 'many';

interface MostRecent {
  readonly earliest: number;
  /** The latest scheduled time in (earliest, now], if any. */
  readonly mostRecent: number | undefined;
  readonly missed: Missed;
  readonly error?: string;
}

interface SyncOutcome {
  cronJob: CronJob;
  /** When to look again (epoch ms), if at all. */
  requeueAt: number | undefined;
  updateStatus: boolean;
  error?: unknown;
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** Go's time.RFC1123Z of a UTC time: "Mon, 02 Jan 2006 15:04:05 +0000". */
export function rfc1123z(t: number): string {
  const d = new Date(t);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Go's time.RFC3339 of `t` in `zone`: "2006-01-02T15:04:05Z07:00" (Z for a zero offset). */
export function rfc3339InZone(t: number, zone: string): string {
  const w = wallClock(t, zone);
  const off = Math.round(zoneOffset(t, zone) / 60_000);
  const tz = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${String(w.year).padStart(4, '0')}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${tz}`;
}

/** `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobNameFor(cronJob: CronJob, scheduledTime: number): string {
  return `${cronJob.metadata.name ?? ''}-${Math.floor(scheduledTime / 60_000)}`;
}

/**
 * upstream mostRecentScheduleTime: the scheduled times after the last one (or the creation time;
 * with `withDeadline`, no earlier than now − startingDeadlineSeconds) up to now — the latest of
 * them, and whether none, a few or too many (>100) were missed.
 */
export function mostRecentScheduleTime(cronJob: CronJob, now: number, schedule: CronSchedule, withDeadline: boolean): MostRecent {
  let earliest = parseTime(cronJob.status?.lastScheduleTime) ?? parseTime(cronJob.metadata.creationTimestamp ?? undefined) ?? now;
  const sds = cronJob.spec.startingDeadlineSeconds;
  if (withDeadline && sds !== undefined && sds !== null) earliest = Math.max(earliest, now - sds * 1000);
  const t1 = schedule.next(earliest);
  const t2 = t1 === undefined ? undefined : schedule.next(t1);
  if (t1 !== undefined && now < t1) return { earliest, mostRecent: undefined, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  // A schedule that can never fire (Feb 31) has no second time.
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (t1 === undefined || between < 1) return { earliest, mostRecent: undefined, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  // Estimate how many were missed from the first interval, then walk the last few exactly.
  const missedCount = Math.floor(Math.floor((now - t1) / 1000) / between) + 1;
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest), i = 0; t !== undefined && t <= now && i < 100_000; t = schedule.next(t), i++) mostRecent = t;
  const missed: Missed = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/**
 * When to sync after the next scheduled time (upstream nextScheduleTimeDuration, as an instant:
 * a delay computed from a `now` taken before slow work would land late).
 */
export function nextSyncTime(cronJob: CronJob, now: number, schedule: CronSchedule): number | undefined {
  const r = mostRecentScheduleTime(cronJob, now, schedule, false);
  let from: number;
  if (r.error !== undefined) from = now;
  else if (r.mostRecent === undefined) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  const next = schedule.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS;
}

/** Finished Jobs oldest first: by startTime (unset last), then name. */
function byStartTime(a: Job, b: Job): number {
  const sa = parseTime(a.status?.startTime);
  const sb = parseTime(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return (sa ?? 0) - (sb ?? 0);
}

export class CronJobController implements Controller {
  readonly name = 'cronjob-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #cronJobs: SharedInformer<CronJob>;
  readonly #jobs: SharedInformer<Job>;
  readonly #queue: WorkQueue<string>;
  readonly #written = new LatestWrites<CronJob>();
  readonly #workers: number;
  readonly #defaultZone: string;

  constructor(ctx: ControllerContext, options: CronJobControllerOptions = {}) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder(this.name);
    this.#workers = Math.max(1, options.workers ?? 5);
    this.#defaultZone = options.defaultTimeZone ?? localTimeZone();
    this.#queue = newQueue(ctx.clock);
    this.#cronJobs = ctx.informers.informer<CronJob>(cronJobsResource);
    this.#jobs = ctx.informers.informer<Job>(jobsResource);
    this.#jobs.addIndexers({ [BY_CRONJOB]: byCronJob });
    this.#cronJobs.addEventHandler({
      onAdd: (cj) => this.#queue.add(objectKey(cj)),
      onUpdate: (o, n) => this.#updateCronJob(o, n),
      onDelete: (cj) => {
        this.#written.delete(objectKey(cj));
        this.#queue.add(objectKey(cj));
      },
    });
    this.#jobs.addEventHandler({
      onAdd: (j) => this.#enqueueOwner(j),
      onUpdate: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return;
        const oldRef = controllerRefOf(o);
        const newRef = controllerRefOf(n);
        if (oldRef && oldRef.uid !== newRef?.uid) this.#enqueueOwner(o);
        this.#enqueueOwner(n);
      },
      onDelete: (j) => this.#enqueueOwner(j),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#cronJobs.waitForSync(signal), this.#jobs.waitForSync(signal)]);
    if (signal.aborted) return;
    // One listener on the caller's signal; the workers wait on a signal of their own.
    const local = new AbortController();
    const stop = () => local.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), workers: this.#workers, logger: this.#log }, local.signal);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  #resolveCronJob(namespace: string | undefined, ref: OwnerReference): CronJob | undefined {
    if (ref.kind !== 'CronJob') return undefined;
    const cj = this.#cronJobs.lister.get(namespace, ref.name);
    return cj && cj.metadata.uid === ref.uid ? cj : undefined;
  }

  #enqueueOwner(job: Job): void {
    const ref = controllerRefOf(job);
    if (!ref) return;
    const cj = this.#resolveCronJob(job.metadata.namespace, ref);
    if (cj) this.#queue.add(objectKey(cj));
  }

  #zoneOf(cj: CronJob): string {
    return cj.spec.timeZone ?? this.#defaultZone;
  }

  /** The schedule to use, with the events upstream's formatSchedule records. */
  #schedule(cj: CronJob, warn: boolean): CronSchedule {
    const spec = cj.spec.schedule;
    if (spec.includes('TZ')) {
      if (warn) {
        this.#recorder.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${JSON.stringify(spec)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
      }
      return parseCronSchedule(spec, this.#defaultZone);
    }
    return parseCronSchedule(spec, this.#zoneOf(cj));
  }

  #updateCronJob(old: CronJob, cur: CronJob): void {
    const key = objectKey(cur);
    this.#written.observed(key, cur);
    if (old.spec.schedule !== cur.spec.schedule || (old.spec.timeZone ?? undefined) !== (cur.spec.timeZone ?? undefined)) {
      // A new schedule: look again at its next time (sooner than a pending requeue, if so).
      let schedule: CronSchedule;
      try {
        schedule = this.#schedule(cur, false);
      } catch {
        this.#recorder.event(cur, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cur.spec.schedule}`);
        return;
      }
      const now = this.#ctx.clock.now();
      const at = nextSyncTime(cur, now, schedule);
      if (at !== undefined) this.#queue.addAfter(key, at - now);
      return;
    }
    this.#queue.add(key);
  }

  async #sync(key: string): Promise<void> {
    const cached = this.#written.current(key, this.#cronJobs.lister.getByKey(key));
    if (!cached) {
      this.#written.delete(key);
      return;
    }
    const jobs = this.#jobs.lister.byIndex(BY_CRONJOB, key).filter((j) => j.metadata.namespace === cached.metadata.namespace);
    const copy = deepCopy(cached);
    const cleaned = await this.#cleanupFinishedJobs(copy, jobs);
    const outcome = await this.#syncCronJob(copy, jobs);
    if (cleaned || outcome.updateStatus) {
      const updated = (await this.#ctx.client.update(cronJobsResource, outcome.cronJob.metadata.namespace, outcome.cronJob, { subresource: 'status', fieldManager: FIELD_MANAGER })) as CronJob;
      this.#written.set(key, updated);
    }
    if (outcome.requeueAt !== undefined) {
      // Scheduled here, against the clock as it is now: a relative delay handed back through the
      // reconcile loop would be measured from a moment that has passed.
      this.#queue.addAfter(key, Math.max(0, outcome.requeueAt - this.#ctx.clock.now()));
      return;
    }
    if (outcome.error !== undefined) throw outcome.error;
  }

  async #syncCronJob(cronJobIn: CronJob, jobs: readonly Job[]): Promise<SyncOutcome> {
    let cj = cronJobIn;
    const now = this.#ctx.clock.now();
    let updateStatus = false;
    const done = (requeueAt: number | undefined, error?: unknown): SyncOutcome => ({ cronJob: cj, requeueAt, updateStatus, error });
    const status = () => (cj.status ??= {});
    const inActive = (uid: string | undefined) => (cj.status?.active ?? []).some((r) => r.uid === uid);
    const removeFromActive = (uid: string | undefined) => {
      status().active = (cj.status?.active ?? []).filter((r) => r.uid !== uid);
    };

    const children = new Set<string>();
    for (const j of jobs) {
      children.add(j.metadata.uid ?? '');
      const found = inActive(j.metadata.uid);
      if (!found && !isJobFinished(j)) {
        // Maybe our cache lags our own status write: check the live object.
        let fresh: CronJob;
        try {
          fresh = (await this.#ctx.client.get(cronJobsResource, cj.metadata.namespace, cj.metadata.name ?? '')) as CronJob;
        } catch (e) {
          return done(undefined, e);
        }
        if ((fresh.status?.active ?? []).some((r) => r.uid === j.metadata.uid)) {
          cj = fresh;
          continue;
        }
        // Created by us before a crash, or by someone else on purpose: reported, not adopted.
        this.#recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name ?? ''}`);
      } else if (found && isJobFinished(j)) {
        removeFromActive(j.metadata.uid);
        this.#recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name ?? ''}, status: ${finishedConditionType(j) ?? ''}`);
        updateStatus = true;
      } else if (isJobSucceeded(j)) {
        // Not in the active list any more: only its completion time matters.
        const completed = j.status?.completionTime;
        const last = parseTime(cj.status?.lastSuccessfulTime);
        if (completed !== undefined && (last === undefined || (parseTime(completed) ?? 0) > last)) {
          status().lastSuccessfulTime = completed;
          updateStatus = true;
        }
      }
    }

    // Active entries whose Job is gone (checked live: the cache may just lag).
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.#ctx.client.get(jobsResource, ref.namespace, ref.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) return done(undefined, e);
        this.#recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
        removeFromActive(ref.uid);
        updateStatus = true;
      }
    }

    // Being deleted: only the status is kept up to date.
    if (cj.metadata.deletionTimestamp !== undefined) return done(undefined);

    const tz = cj.spec.timeZone;
    if (tz !== undefined && tz !== null && !isKnownTimeZone(tz)) {
      this.#recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return done(undefined);
    }
    if (cj.spec.suspend === true) return done(undefined);

    let schedule: CronSchedule;
    try {
      schedule = this.#schedule(cj, true);
    } catch (e) {
      // A user error: nothing to do until the spec changes.
      this.#recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${errorText(e)}`);
      if (!(e instanceof CronParseError)) this.#log.warn({ cronjob: objectKey(cj), err: errorText(e) }, 'schedule failed to parse');
      return done(undefined);
    }

    const recent = mostRecentScheduleTime(cj, now, schedule, true);
    if (recent.mostRecent === undefined || recent.mostRecent > now) {
      if (recent.error !== undefined) {
        this.#recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${recent.error}`);
        return done(undefined);
      }
      // No unmet start time: wait for the next one.
      return done(nextSyncTime(cj, now, schedule));
    }
    if (recent.missed === 'many') {
      this.#recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      this.#log.info({ cronjob: objectKey(cj) }, 'too many missed times');
    }
    const scheduledTime = recent.mostRecent;

    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && scheduledTime + sds * 1000 < now) {
      this.#recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduledTime)}`);
      return done(nextSyncTime(cj, now, schedule));
    }
    const jobName = jobNameFor(cj, scheduledTime);
    const lastScheduled = parseTime(cj.status?.lastScheduleTime);
    if ((cj.status?.active ?? []).some((r) => r.name === jobName && r.namespace === cj.metadata.namespace) || lastScheduled === scheduledTime) {
      // Already processed.
      return done(nextSyncTime(cj, now, schedule));
    }
    if (cj.spec.concurrencyPolicy === 'Forbid' && (cj.status?.active ?? []).length > 0) {
      // The cache may miss a running Job, so Forbid is best effort, as upstream.
      this.#recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return done(nextSyncTime(cj, now, schedule));
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = (await this.#ctx.client.get(jobsResource, ref.namespace, ref.name ?? '')) as Job;
        } catch (e) {
          this.#recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${errorText(e)}`);
          return done(undefined, e);
        }
        if (!(await this.#deleteJob(cj, job))) return done(undefined, new Error(`could not replace job ${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}`));
        updateStatus = true;
      }
    }

    const request = this.#jobFromTemplate(cj, scheduledTime, jobName);
    let created: Job;
    let alreadyExisted = false;
    try {
      created = (await this.#ctx.client.create(jobsResource, cj.metadata.namespace, request, { fieldManager: FIELD_MANAGER })) as Job;
    } catch (e) {
      if (e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists') {
        // Ours from an earlier sync whose status update was lost: put it back in the active list.
        alreadyExisted = true;
        try {
          created = (await this.#ctx.client.get(jobsResource, cj.metadata.namespace, jobName)) as Job;
        } catch (getErr) {
          return done(undefined, getErr);
        }
        const owner = controllerRefOf(created);
        if (!owner || owner.uid !== cj.metadata.uid) return done(undefined);
        if (inActive(created.metadata.uid)) return done(undefined);
      } else if (e instanceof ApiError && e.code === 403 && e.message.includes('because it is being terminated')) {
        return done(undefined, e);
      } else {
        this.#recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorText(e)}`);
        return done(undefined, e);
      }
    }
    if (alreadyExisted) this.#log.info({ cronjob: objectKey(cj), job: created.metadata.name }, 'job already exists');
    else this.#recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name ?? ''}`);

    const ref: ObjectReference = {
      kind: 'Job',
      namespace: created.metadata.namespace,
      name: created.metadata.name,
      uid: created.metadata.uid,
      apiVersion: 'batch/v1',
      resourceVersion: created.metadata.resourceVersion,
    };
    status().active = [...(cj.status?.active ?? []), ref];
    status().lastScheduleTime = rfc3339(scheduledTime);
    updateStatus = true;
    return done(nextSyncTime(cj, now, schedule));
  }

  #jobFromTemplate(cj: CronJob, scheduledTime: number, name: string): Job {
    const template = cj.spec.jobTemplate;
    const annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
    // In the CronJob's time zone (UTC when unset), as upstream formats it.
    annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = rfc3339InZone(scheduledTime, cj.spec.timeZone ?? 'UTC');
    const labels = { ...(template.metadata?.labels ?? {}) };
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
        annotations,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name ?? '', uid: cj.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: deepCopy(template.spec),
    };
  }

  /** Deletes a Job (background propagation) and drops it from the active list. */
  async #deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.#ctx.client.delete(jobsResource, job.metadata.namespace, job.metadata.name ?? '', { propagationPolicy: 'Background' });
    } catch (e) {
      this.#recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorText(e)}`);
      this.#log.warn({ cronjob: objectKey(cj), job: job.metadata.name, err: errorText(e) }, 'error deleting job');
      return false;
    }
    (cj.status ??= {}).active = (cj.status.active ?? []).filter((r) => r.uid !== job.metadata.uid);
    this.#recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name ?? ''}`);
    return true;
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  async #cleanupFinishedJobs(cj: CronJob, jobs: readonly Job[]): Promise<boolean> {
    const successLimit = cj.spec.successfulJobsHistoryLimit;
    const failedLimit = cj.spec.failedJobsHistoryLimit;
    if ((successLimit === undefined || successLimit === null) && (failedLimit === undefined || failedLimit === null)) return false;
    const succeeded: Job[] = [];
    const failed: Job[] = [];
    for (const j of jobs) {
      const t = finishedConditionType(j);
      if (t === 'Complete') succeeded.push(j);
      else if (t === 'Failed') failed.push(j);
    }
    let changed = false;
    for (const [list, limit] of [
      [succeeded, successLimit],
      [failed, failedLimit],
    ] as const) {
      if (limit === undefined || limit === null || list.length <= limit) continue;
      const oldest = [...list].sort(byStartTime).slice(0, list.length - limit);
      for (const j of oldest) if (await this.#deleteJob(cj, j)) changed = true;
    }
    return changed;
  }
}
