/**
 * Creation/deletion expectations and failed-pod backoff, after upstream's
 * controller.ControllerExpectations and flowcontrol.Backoff as the DaemonSet controller uses them.
 *
 * Why expectations: daemon pods are made with generateName, so a sync running before the
 * informer delivered the pods of the previous sync would create duplicates. A sync records how
 * many creates/deletes it issued; informer events count them down; until they reach zero (or
 * the record is older than five minutes, in case an event was lost) the controller only
 * refreshes status.
 */
import type { Clock } from '../../util/clock.js';

/** controller.ExpectationsTimeout */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  at: number;
}

export class ControllerExpectations {
  readonly #clock: Clock;
  readonly #records = new Map<string, Expectation>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when nothing is pending for the key, or its record has expired. */
  satisfied(key: string): boolean {
    const e = this.#records.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.#clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  set(key: string, add: number, del: number): void {
    this.#records.set(key, { add, del, at: this.#clock.now() });
  }

  /** Lowers the pending counts (a create/delete that failed, or was skipped). */
  lower(key: string, add: number, del: number): void {
    const e = this.#records.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  delete(key: string): void {
    this.#records.delete(key);
  }
}

/**
 * flowcontrol.Backoff: per-key exponential delays (initial doubling to max), forgotten after
 * twice the max without a step.
 */
export class Backoff {
  readonly #clock: Clock;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(clock: Clock, initialMs = 1000, maxMs = 15 * 60 * 1000) {
    this.#clock = clock;
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** The current delay of the key (0 when it has none). */
  get(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /** Steps the key's delay (starting at the initial delay, or after it expired). */
  next(key: string): void {
    const now = this.#clock.now();
    const e = this.#entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.#maxMs) this.#entries.set(key, { delayMs: this.#initialMs, lastUpdate: now });
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.#maxMs);
      e.lastUpdate = now;
    }
  }

  /** Whether less than the key's delay has passed since its last step. */
  isInBackOffSinceUpdate(key: string): boolean {
    const e = this.#entries.get(key);
    return e !== undefined && this.#clock.now() - e.lastUpdate < e.delayMs;
  }

  /** Drops entries idle for twice the max delay (call now and then). */
  gc(): void {
    const now = this.#clock.now();
    for (const [k, e] of this.#entries) if (now - e.lastUpdate > 2 * this.#maxMs) this.#entries.delete(k);
  }
}
