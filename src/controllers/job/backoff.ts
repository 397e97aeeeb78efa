/**
 * The delay before a Job's failed pods are replaced (pkg/controller/job/backoff_utils.go):
 * `base · 2^(n-1)` after the n-th consecutive failure since the last success, capped at `max`,
 * counted from the last failure's finish time. Records live in memory, per Job key, as upstream:
 * after a controller restart the count starts again from the failures seen then.
 */
import { podFinishedTime } from './job-utils.js';
import type { Pod } from './job-types.js';

export interface BackoffRecord {
  readonly key: string;
  readonly failuresAfterLastSuccess: number;
  /** Epoch ms of the last failure, undefined when none since the last success. */
  readonly lastFailureTime: number | undefined;
}

export interface BackoffDelays {
  /** First delay (upstream DefaultJobPodFailureBackOff: 10 s). */
  readonly baseMs: number;
  /** Longest delay (upstream MaxJobPodFailureBackOff: 10 min). */
  readonly maxMs: number;
}

export class BackoffStore {
  readonly #records = new Map<string, BackoffRecord>();

  /**
   * The record the Job would have once the newly finished pods are accounted: failures after the
   * latest success extend the streak; a success resets it.
   */
  newRecord(key: string, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
    const old = this.#records.get(key) ?? { key, failuresAfterLastSuccess: 0, lastFailureTime: undefined };
    if (newFailed.length === 0 && newSucceeded.length === 0) return old;
    const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
    if (newSucceeded.length === 0) {
      return { key, failuresAfterLastSuccess: old.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
    }
    const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
    let failures = 0;
    let lastFailure: number | undefined;
    for (let i = failedTimes.length - 1; i >= 0 && failedTimes[i] > lastSuccess; i--) {
      lastFailure ??= failedTimes[i];
      failures++;
    }
    return { key, failuresAfterLastSuccess: failures, lastFailureTime: lastFailure };
  }

  update(record: BackoffRecord): void {
    this.#records.set(record.key, record);
  }

  remove(key: string): void {
    this.#records.delete(key);
  }
}

/** How long to wait, from `now`, before creating pods after `failures` consecutive failures. */
export function remainingBackoff(now: number, delays: BackoffDelays, failures: number, lastFailureTime: number | undefined): number {
  if (failures <= 0 || lastFailureTime === undefined) return 0;
  let delay = delays.baseMs;
  for (let i = 1; i < failures; i++) {
    delay *= 2;
    if (delay >= delays.maxMs) {
      delay = delays.maxMs;
      break;
    }
  }
  const elapsed = now - lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}
