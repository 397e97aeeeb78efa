/**
 * What a controller still expects to see in its informer cache after its own writes
 * (client-go's ControllerExpectations and the Job controller's uidTrackingExpectations). A sync
 * that runs before the cache caught up would otherwise count too few pods and create more.
 */
import type { Clock } from '../../util/clock.js';

/** Upstream ExpectationsTimeout: unobserved expectations are given up after 5 minutes. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Counts {
  adds: number;
  dels: number;
  at: number;
}

/**
 * Pending pod creations/deletions per controller key. Set before issuing the writes, lowered by
 * informer events (and by writes that failed, which produce no event).
 */
export class ControllerExpectations {
  readonly #clock: Clock;
  readonly #pending = new Map<string, Counts>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when nothing is pending, or when the expectations timed out. */
  satisfied(key: string): boolean {
    const e = this.#pending.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.dels <= 0) return true;
    return this.#clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.#pending.set(key, { adds: n, dels: 0, at: this.#clock.now() });
  }

  expectDeletions(key: string, n: number): void {
    this.#pending.set(key, { adds: 0, dels: n, at: this.#clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.#pending.get(key);
    if (e) e.adds--;
  }

  deletionObserved(key: string): void {
    const e = this.#pending.get(key);
    if (e) e.dels--;
  }

  delete(key: string): void {
    this.#pending.delete(key);
  }
}

/** Pod UIDs whose tracking finalizer removal the controller has issued and not yet observed. */
export class UidExpectations {
  readonly #pending = new Map<string, Set<string>>();

  expect(key: string, uids: readonly string[]): void {
    let set = this.#pending.get(key);
    if (!set) this.#pending.set(key, (set = new Set()));
    for (const u of uids) set.add(u);
  }

  observed(key: string, uid: string): void {
    const set = this.#pending.get(key);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.#pending.delete(key);
  }

  /** A snapshot of the expected UIDs. */
  get(key: string): ReadonlySet<string> {
    return new Set(this.#pending.get(key));
  }

  delete(key: string): void {
    this.#pending.delete(key);
  }
}
