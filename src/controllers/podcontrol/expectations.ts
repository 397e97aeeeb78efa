/**
 * Controller "expectations" (client-go's ControllerExpectations with UID tracking, as the
 * ReplicaSet controller uses them): after a controller creates or deletes pods it records how
 * many creations and which deletions it expects to observe through its informer, and does not
 * manage replicas for that key again until it has seen them all (or the record has expired).
 * This is what stops a reconcile that runs before the informer catches up from creating the
 * same pods twice.
 *
 * Contract: set/expectCreations/expectDeletions replace the key's record; creationObserved and
 * lower decrease the counts; with pod keys given to expectDeletions, deletionObserved counts only
 * an expected pod's deletion, once (so an update of the deletion timestamp and the final delete
 * count once). A record older than `ttlMs` counts as
 * satisfied, so a lost watch event delays the controller by at most the TTL.
 */
import type { Clock } from '../../util/clock.js';

/** Upstream's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record_ {
  add: number;
  del: number;
  at: number;
  /** Pod keys whose deletion is expected. */
  deleting: Set<string> | undefined;
}

export class ControllerExpectations {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #records = new Map<string, Record_>();

  constructor(options: { clock: Clock; ttlMs?: number }) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? EXPECTATIONS_TTL_MS;
  }

  /** True when the controller may act on the key: no record, all observed, or expired. */
  satisfied(key: string): boolean {
    const r = this.#records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.#clock.now() - r.at > this.#ttlMs;
  }

  /** Replaces the key's record with counts (SetExpectations). */
  set(key: string, add: number, del: number): void {
    this.#records.set(key, { add, del, at: this.#clock.now(), deleting: undefined });
  }

  expectCreations(key: string, count: number): void {
    this.set(key, count, 0);
  }

  /**
   * Expects deletions: a count, or the keys of the pods being deleted (UID tracking: then only
   * those pods' deletions count, each once).
   */
  expectDeletions(key: string, pods: number | readonly string[]): void {
    if (typeof pods === 'number') this.set(key, 0, pods);
    else this.#records.set(key, { add: 0, del: pods.length, at: this.#clock.now(), deleting: new Set(pods) });
  }

  /** Lowers the pending counts: writes that failed or were skipped produce no event. */
  lower(key: string, add: number, del: number): void {
    const r = this.#records.get(key);
    if (!r) return;
    r.add -= add;
    r.del -= del;
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  /** A deletion seen; with tracked pod keys, only an expected pod's (once) counts. */
  deletionObserved(key: string, podKey?: string): void {
    const r = this.#records.get(key);
    if (!r) return;
    if (r.deleting && (podKey === undefined || !r.deleting.delete(podKey))) return;
    r.del--;
  }

  delete(key: string): void {
    this.#records.delete(key);
  }
}
