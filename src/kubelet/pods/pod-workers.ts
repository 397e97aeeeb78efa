/**
 * Per-pod serialisation of syncs, as upstream's podWorkers (pkg/kubelet/pod_workers.go):
 *  - at most one sync of a pod runs at a time; a wake while it runs makes it run once more after
 *    (wakes in between collapse), so every sync sees the latest state (level-based);
 *  - a sync returns when it wants to run again (its resync, the end of a back-off); a failed sync
 *    runs again after `errorBackoffMs` (upstream's 10 s backOffPeriod);
 *  - a later wake never postpones an earlier one;
 *  - time is the injected Clock; `stop` cancels the timers and waits for running syncs.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';

export interface SyncResult {
  /** Run again after this long (absent: only when woken). */
  readonly requeueAfterMs?: number;
}

export type SyncFn = (uid: string) => Promise<SyncResult>;

interface Entry {
  running: Promise<void> | undefined;
  again: boolean;
  timerAt: number;
  cancel: (() => void) | undefined;
  /** Drop the entry once its running sync ends (unless woken again). */
  forgotten: boolean;
}

export interface PodWorkersConfig {
  readonly sync: SyncFn;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly errorBackoffMs?: number;
}

export class PodWorkers {
  readonly #c: PodWorkersConfig;
  readonly #entries = new Map<string, Entry>();
  #stopped = false;

  constructor(config: PodWorkersConfig) {
    this.#c = config;
  }

  /** Syncs the pod after `delayMs` (0: now, or right after the sync that is running). */
  wake(uid: string, delayMs = 0): void {
    if (this.#stopped) return;
    let e = this.#entries.get(uid);
    if (!e) this.#entries.set(uid, (e = { running: undefined, again: false, timerAt: Infinity, cancel: undefined, forgotten: false }));
    e.forgotten = false;
    if (delayMs > 0) {
      const at = this.#c.clock.now() + delayMs;
      if (at >= e.timerAt) return;
      e.cancel?.();
      e.timerAt = at;
      e.cancel = this.#c.clock.setTimer(delayMs, () => {
        const cur = this.#entries.get(uid);
        if (cur !== e) return;
        e.cancel = undefined;
        e.timerAt = Infinity;
        this.wake(uid);
      });
      return;
    }
    if (e.running) {
      e.again = true;
      return;
    }
    e.cancel?.();
    e.cancel = undefined;
    e.timerAt = Infinity;
    e.running = this.#run(uid, e);
  }

  async #run(uid: string, e: Entry): Promise<void> {
    let next: number | undefined;
    do {
      e.again = false;
      try {
        next = (await this.#c.sync(uid)).requeueAfterMs;
      } catch (err) {
        if (this.#stopped) break;
        this.#c.logger.warn({ pod: uid, err: err instanceof Error ? err.message : String(err) }, 'pod sync failed; retrying');
        next = this.#c.errorBackoffMs ?? 10_000;
      }
    } while (e.again && !this.#stopped);
    e.running = undefined;
    if (this.#stopped || this.#entries.get(uid) !== e) return;
    if (e.forgotten) {
      this.#entries.delete(uid);
      return;
    }
    if (next !== undefined) this.wake(uid, Math.max(1, next));
  }

  /** Whether a sync of the pod is running. */
  isRunning(uid: string): boolean {
    return this.#entries.get(uid)?.running !== undefined;
  }

  /**
   * Drops a pod after its last sync: a running sync finishes first (a wake meanwhile keeps the
   * pod), so two syncs of one pod never overlap.
   */
  forget(uid: string): void {
    const e = this.#entries.get(uid);
    if (!e) return;
    e.cancel?.();
    e.cancel = undefined;
    e.timerAt = Infinity;
    if (e.running) e.forgotten = true;
    else this.#entries.delete(uid);
  }

  /** Resolves when the pod's running sync (if any) is done. */
  async idle(uid: string): Promise<void> {
    await this.#entries.get(uid)?.running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const e of this.#entries.values()) e.cancel?.();
    await Promise.all([...this.#entries.values()].map((e) => e.running));
  }
}
