/**
 * The controller framework: what every control loop gets (ControllerContext) and the one
 * reconcile loop they all run (client-go/controller-runtime semantics):
 *  - informers enqueue keys (`namespace/name`), never objects;
 *  - a key is reconciled by one worker at a time; reconcile re-reads current state from listers
 *    (level-based) and must be idempotent;
 *  - success → forget (reset backoff); `{ requeueAfterMs }` → look again later;
 *  - a thrown error → retried with the key's exponential backoff (work queue rate limiter);
 *    a TerminalError → logged, not retried (until the key is enqueued again by an event).
 * Retry policy lives here, never in business logic.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { InformerFactory } from '../../informer/informer-factory.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { Clock } from '../../util/clock.js';
import { WorkQueue, type RateLimiterConfig } from '../../workqueue/work-queue.js';

/** Everything a controller may use; built once per process by the controller manager. */
/**
 * The field manager of every controller's writes. Upstream's controllers all run in
 * kube-controller-manager, whose clients' user agents ("kube-controller-manager/v1.32 …/<controller>")
 * give the API server that manager name; tools read managedFields by it.
 */
export const KUBE_CONTROLLER_MANAGER = 'kube-controller-manager';

export interface ControllerContext {
  /** The API (in-process in the server). Writes carry the controller's field manager. */
  readonly client: Client;
  /** Shared informers: one list+watch per resource for every controller and the scheduler. */
  readonly informers: InformerFactory;
  /** An event recorder for a component name (`deployment-controller`, …). */
  recorder(component: string): EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A control loop. `run` returns when the signal aborts (after in-flight work finished). */
export interface Controller {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** An error that retrying cannot fix (invalid spec …): logged once, not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * `requeueAfterMs`: look again after this long; `requeueAt`: look again at this clock time
 * (immune to time passing during the reconcile — needs `clock` in the loop config).
 */
export type ReconcileResult = void | { readonly requeueAfterMs: number } | { readonly requeueAt: number };

export interface ReconcileLoopConfig<K = string> {
  readonly name: string;
  readonly queue: WorkQueue<K>;
  readonly reconcile: (key: K, signal: AbortSignal) => Promise<ReconcileResult>;
  readonly workers?: number;
  readonly logger: Logger;
  /** Needed for `{ requeueAt }` results. */
  readonly clock?: Clock;
}

/**
 * Runs `workers` workers over the queue until the signal aborts, then shuts the queue down and
 * waits for in-flight reconciles.
 */
export async function runReconcileLoop<K>(config: ReconcileLoopConfig<K>, signal: AbortSignal): Promise<void> {
  const { queue, logger } = config;
  const onAbort = () => queue.shutDown();
  signal.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    for (;;) {
      // No signal here: the abort shuts the queue down, which wakes every waiting worker.
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await config.reconcile(key, signal);
        queue.forget(key);
        if (result && 'requeueAfterMs' in result && result.requeueAfterMs >= 0) queue.addAfter(key, result.requeueAfterMs);
        else if (result && 'requeueAt' in result) {
          if (!config.clock) throw new Error(`controller ${config.name}: requeueAt needs a clock in the loop config`);
          queue.addAfter(key, Math.max(0, result.requeueAt - config.clock.now()));
        }
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof TerminalError) {
          queue.forget(key);
          logger.warn({ controller: config.name, key, err: e.message }, 'reconcile failed; not retrying');
        } else {
          const delay = queue.nextDelay(key);
          logger.debug({ controller: config.name, key, err: e instanceof Error ? e.message : String(e), retryInMs: delay }, 'reconcile failed; retrying');
          queue.addAfter(key, delay);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, config.workers ?? 1) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function newQueue(clock: Clock, limits?: Partial<RateLimiterConfig>): WorkQueue<string> {
  return new WorkQueue<string>({ clock, rateLimiter: limits });
}

/** Enqueues the object's own key on add/update/delete. */
export function enqueueSelf<T extends KubeObject>(informer: SharedInformer<T>, queue: WorkQueue<string>): () => void {
  return informer.addEventHandler({
    onAdd: (o) => queue.add(objectKey(o)),
    onUpdate: (_o, n) => queue.add(objectKey(n)),
    onDelete: (o) => queue.add(objectKey(o)),
  });
}

/**
 * Enqueues the controlling owner of an object (pods → their ReplicaSet, …) when the object
 * changes, if the owner is of `ownerKind`.
 */
export function enqueueOwner<T extends KubeObject>(informer: SharedInformer<T>, queue: WorkQueue<string>, ownerKind: string): () => void {
  const owner = (o: KubeObject) => {
    const ref = o.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === ownerKind);
    if (ref) queue.add(o.metadata.namespace ? `${o.metadata.namespace}/${ref.name}` : ref.name);
  };
  return informer.addEventHandler({
    onAdd: owner,
    onUpdate: (o, n) => {
      owner(n);
      // An object that changed owner tells its old owner too.
      if (o.metadata.ownerReferences !== n.metadata.ownerReferences) owner(o);
    },
    onDelete: owner,
  });
}
