/**
 * A client-go style work queue of keys (never objects):
 *  - a key waits in the queue at most once (duplicates collapse);
 *  - a key being processed is never handed to a second worker; if it is added again meanwhile it
 *    is queued once more when `done()` is called;
 *  - `addRateLimited` delays a key by its own exponential backoff combined with a global token
 *    bucket; `forget` resets the key's backoff (call it after a successful reconcile);
 *  - time comes from the injected Clock, so tests advance time instead of sleeping.
 */
import type { Clock } from '../util/clock.js';

export interface RateLimiterConfig {
  /** First retry delay of a key (client-go: 5 ms). */
  readonly baseDelayMs: number;
  /** Longest per-key delay (client-go: 1000 s). */
  readonly maxDelayMs: number;
  /** Global token bucket: sustained retries per second (client-go: 10) and burst (100). */
  readonly qps: number;
  readonly burst: number;
}

export const DEFAULT_RATE_LIMITER: RateLimiterConfig = { baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 };

export interface WorkQueueConfig {
  readonly clock: Clock;
  readonly rateLimiter?: Partial<RateLimiterConfig>;
}

export class WorkQueue<K = string> {
  readonly #clock: Clock;
  readonly #limits: RateLimiterConfig;
  /** Keys waiting, in order. */
  #queue: K[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  /** Keys waiting for a delay to expire → cancel function of their timer. */
  readonly #delayed = new Map<K, { at: number; cancel: () => void }>();
  readonly #failures = new Map<K, number>();
  readonly #waiters: ((key: K | undefined) => void)[] = [];
  #tokens: number;
  #tokensAt: number;
  #shutDown = false;

  constructor(config: WorkQueueConfig) {
    this.#clock = config.clock;
    this.#limits = { ...DEFAULT_RATE_LIMITER, ...(config.rateLimiter ?? {}) };
    this.#tokens = this.#limits.burst;
    this.#tokensAt = this.#clock.now();
  }

  /** Keys queued and not being processed. */
  get length(): number {
    return this.#queue.length;
  }

  get isShutDown(): boolean {
    return this.#shutDown;
  }

  add(key: K): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else this.#queue.push(key);
  }

  /** Adds the key after `delayMs`; an earlier pending delay for the key wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.#shutDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.#clock.setTimer(delayMs, () => {
      this.#delayed.delete(key);
      this.add(key);
    });
    this.#delayed.set(key, { at, cancel });
  }

  /** Re-adds a key after its backoff (exponential per key, and the global bucket). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.nextDelay(key));
  }

  /** The delay addRateLimited would use now (counts as one failure of the key). */
  nextDelay(key: K): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    const perKey = Math.min(this.#limits.baseDelayMs * 2 ** n, this.#limits.maxDelayMs);
    return Math.max(perKey, this.#bucketDelay());
  }

  /** Resets the key's failure count (after a success, or a terminal error). */
  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  /**
   * The next key to process, waiting for one if needed. Resolves undefined once the queue is shut
   * down (or the signal aborts). Every key returned must be passed to done().
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.#queue.length > 0) {
      const key = this.#queue.shift() as K;
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shutDown || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (key: K | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(key);
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Marks a key processed; if it was added again meanwhile it goes back in the queue. */
  done(key: K): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#dirty.delete(key);
      this.add(key);
    }
  }

  /** Stops handing out keys; waiting get() calls resolve undefined. */
  shutDown(): void {
    this.#shutDown = true;
    for (const d of this.#delayed.values()) d.cancel();
    this.#delayed.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  #bucketDelay(): number {
    const now = this.#clock.now();
    const { qps, burst } = this.#limits;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) / 1000) * qps);
    this.#tokensAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / qps) * 1000);
  }
}
