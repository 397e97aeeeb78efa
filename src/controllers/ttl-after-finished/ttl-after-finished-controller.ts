/**
 * The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a Job
 * `spec.ttlSecondsAfterFinished` seconds after it finished (the lastTransitionTime of its
 * Complete or Failed condition).
 *
 * A finished Job whose time has not come is requeued for the moment it expires (from the
 * injected clock). Before deleting, the Job is read again from the API — the TTL may have been
 * changed since the cache saw it — and deleted with a uid precondition, so a new Job of the same
 * name is never hit.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { newQueue, runReconcileLoop, TerminalError, type Controller, type ControllerContext } from '../framework/controller.js';
import { jobsResource, type Job } from '../job/job-types.js';
import { isJobFinished, parseTime } from '../job/job-utils.js';

export interface TtlAfterFinishedControllerOptions {
  /** Concurrent syncs (kube-controller-manager --concurrent-ttl-after-finished-syncs: 5). */
  readonly workers?: number;
  /**
   * How the Job's pods go. Upstream deletes in the foreground (the Job stays until the garbage
   * collector removed its pods); the default here is background, which does not depend on the
   * garbage collector handling foreground deletion.
   */
  readonly propagationPolicy?: 'Background' | 'Foreground';
}

function needsCleanup(job: Job): boolean {
  const ttl = job.spec.ttlSecondsAfterFinished;
  return ttl !== undefined && ttl !== null && isJobFinished(job);
}

/** The lastTransitionTime of the Job's terminal condition. */
function finishTime(job: Job): number {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = parseTime(c.lastTransitionTime);
      if (t === undefined) throw new TerminalError(`unable to find the time when the Job ${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''} finished`);
      return t;
    }
  }
  throw new TerminalError(`unable to find the status of the finished Job ${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}`);
}

export class TtlAfterFinishedController implements Controller {
  readonly name = 'ttl-after-finished-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #jobs: SharedInformer<Job>;
  readonly #queue: WorkQueue<string>;
  readonly #workers: number;
  readonly #propagation: 'Background' | 'Foreground';

  constructor(ctx: ControllerContext, options: TtlAfterFinishedControllerOptions = {}) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#workers = Math.max(1, options.workers ?? 5);
    this.#propagation = options.propagationPolicy ?? 'Background';
    this.#queue = newQueue(ctx.clock);
    this.#jobs = ctx.informers.informer<Job>(jobsResource);
    const enqueue = (job: Job) => {
      if (job.metadata.deletionTimestamp === undefined && needsCleanup(job)) this.#queue.add(objectKey(job));
    };
    this.#jobs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#jobs.waitForSync(signal);
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

  /**
   * The expiry time if the Job's TTL has run out; otherwise undefined, with the key requeued for
   * when it will (scheduled here, against the clock as it is now).
   */
  #expired(key: string, job: Job): number | undefined {
    if (job.metadata.deletionTimestamp !== undefined || !needsCleanup(job)) return undefined;
    const finishedAt = finishTime(job);
    const now = this.#ctx.clock.now();
    if (finishedAt > now) this.#log.info({ job: key }, 'found Job finished in the future; likely clock skew; cleanup deferred');
    const expireAt = finishedAt + (job.spec.ttlSecondsAfterFinished ?? 0) * 1000;
    if (expireAt <= now) return expireAt;
    this.#queue.addAfter(key, expireAt - now);
    return undefined;
  }

  async #sync(key: string): Promise<void> {
    const cached = this.#jobs.lister.getByKey(key);
    if (!cached || this.#expired(key, cached) === undefined) return;
    let fresh: Job;
    try {
      fresh = (await this.#ctx.client.get(jobsResource, cached.metadata.namespace, cached.metadata.name ?? '')) as Job;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
    // The TTL may have changed since the cache saw the Job.
    if (this.#expired(key, fresh) === undefined) return;
    this.#log.debug({ job: key }, 'cleaning up Job');
    try {
      await this.#ctx.client.delete(jobsResource, fresh.metadata.namespace, fresh.metadata.name ?? '', { propagationPolicy: this.#propagation, preconditions: { uid: fresh.metadata.uid } });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
