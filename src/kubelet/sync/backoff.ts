/**
 * client-go's flowcontrol.Backoff as the kubelet uses it for crash loops and image pulls: per key,
 * a delay that starts at `initialMs`, doubles on each `next` up to `maxMs`, and resets when the
 * key has been quiet for twice the maximum (so a container that ran for 10 minutes starts over
 * at 10 s).
 */
import type { Clock } from '../../util/clock.js';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class Backoff {
  readonly #clock: Clock;
  readonly #initial: number;
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, initialMs: number, maxMs: number) {
    this.#clock = clock;
    this.#initial = initialMs;
    this.#max = maxMs;
  }

  #expired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > this.#max * 2;
  }

  /** The current delay of a key (0 if none). */
  get(key: string): number {
    return this.#entries.get(key)?.backoffMs ?? 0;
  }

  /** Moves the key's delay on, as of `eventTime`. */
  next(key: string, eventTime: number = this.#clock.now()): void {
    const e = this.#entries.get(key);
    if (!e || this.#expired(eventTime, e.lastUpdate)) this.#entries.set(key, { backoffMs: this.#initial, lastUpdate: eventTime });
    else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.#max);
      e.lastUpdate = eventTime;
    }
  }

  /** Whether `now` is still within the key's delay counted from `eventTime` (flowcontrol IsInBackOffSince). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.#entries.get(key);
    if (!e || this.#expired(eventTime, e.lastUpdate)) return false;
    return this.#clock.now() - eventTime < e.backoffMs;
  }

  /** Whether `now` is still within the delay counted from the key's last update (IsInBackOffSinceUpdate). */
  isInBackOffSinceUpdate(key: string, eventTime: number = this.#clock.now()): boolean {
    const e = this.#entries.get(key);
    if (!e || this.#expired(eventTime, e.lastUpdate)) return false;
    return eventTime - e.lastUpdate < e.backoffMs;
  }

  /** When the delay from the key's last update ends (for requeueing), or undefined. */
  endsAt(key: string, since?: number): number | undefined {
    const e = this.#entries.get(key);
    return e ? (since ?? e.lastUpdate) + e.backoffMs : undefined;
  }

  /** Drops entries quiet for longer than twice the maximum. */
  gc(): void {
    const now = this.#clock.now();
    for (const [k, e] of this.#entries) if (this.#expired(now, e.lastUpdate)) this.#entries.delete(k);
  }

  /** Drops every key starting with `prefix` (a pod's keys, when the pod goes). */
  deletePrefix(prefix: string): void {
    for (const k of this.#entries.keys()) if (k.startsWith(prefix)) this.#entries.delete(k);
  }
}
