/**
 * Failed-pod backoff of the DaemonSet controller, after upstream's flowcontrol.Backoff.
 * (Its creation/deletion expectations are the shared podcontrol ControllerExpectations: daemon
 * pods are made with generateName, so a sync running before the informer delivered the pods of
 * the previous sync would create duplicates.)
 */
import type { Clock } from '../../util/clock.js';

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
