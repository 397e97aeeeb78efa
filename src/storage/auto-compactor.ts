import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

/** When and how much history a backend forgets on its own. */
export interface CompactionPolicy {
  /** Time between compaction runs. */
  readonly intervalMs: number;
  /** Never compact the newest this-many revisions. */
  readonly retainRevisions: number;
}

/** Like kine and kube-apiserver: every 5 minutes, keeping at least the last 1000 revisions. */
export const DEFAULT_COMPACTION_POLICY: CompactionPolicy = Object.freeze({ intervalMs: 5 * 60_000, retainRevisions: 1000 });

/** What the compactor drives. */
export interface CompactionTarget {
  committedRevision(): number;
  compactedRevision(): number;
  compact(revision: number): Promise<void>;
}

export interface AutoCompactorConfig {
  readonly policy: CompactionPolicy;
  readonly target: CompactionTarget;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Periodic background compaction. Each run compacts up to the revision that was current at the
 * previous run (so history always spans at least one interval, which keeps `continue` tokens and
 * re-watches valid for that long), but never into the newest `retainRevisions` revisions.
 * Runs never overlap; `stop()` cancels the timer and waits for a run in progress.
 */
export class AutoCompactor {
  readonly #policy: CompactionPolicy;
  readonly #target: CompactionTarget;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #cancelTimer: (() => void) | undefined;
  #running: Promise<void> = Promise.resolve();
  #previousTickRevision = 0;
  #stopped = true;

  constructor(config: AutoCompactorConfig) {
    const { intervalMs, retainRevisions } = config.policy;
    if (!(intervalMs > 0)) throw new RangeError('compaction intervalMs must be positive');
    if (!(retainRevisions >= 0)) throw new RangeError('compaction retainRevisions must not be negative');
    this.#policy = config.policy;
    this.#target = config.target;
    this.#clock = config.clock;
    this.#logger = config.logger;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#previousTickRevision = this.#target.committedRevision();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await this.#running;
  }

  /** Resolves when the run in progress (if any) has finished. */
  settled(): Promise<void> {
    return this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#cancelTimer = this.#clock.setTimer(this.#policy.intervalMs, () => {
      this.#cancelTimer = undefined;
      this.#running = this.#tick().finally(() => this.#schedule());
    });
  }

  async #tick(): Promise<void> {
    const current = this.#target.committedRevision();
    const target = Math.min(this.#previousTickRevision, current - this.#policy.retainRevisions);
    this.#previousTickRevision = current;
    if (target <= this.#target.compactedRevision()) return;
    try {
      await this.#target.compact(target);
    } catch (err) {
      this.#logger.warn({ err, target }, 'background compaction failed');
    }
  }
}
