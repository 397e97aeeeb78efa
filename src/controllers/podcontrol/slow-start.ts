/**
 * slowStartBatch (upstream pkg/controller/replicaset): calls `fn` `count` times in batches of
 * 1, 2, 4, 8 … (starting at `initialBatchSize`), the calls of one batch concurrently. A batch with
 * any failure ends the run after that batch, so a quota or admission problem costs one failed
 * request, not hundreds (and one event, not hundreds).
 *
 * Resolves with the number of successful calls and the first error, if any.
 */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<unknown>): Promise<{ successes: number; error: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let firstError: unknown;
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else if (!failed) {
        failed = true;
        firstError = r.reason;
      }
    }
    if (failed) return { successes, error: firstError ?? new Error('slow start batch failed') };
    remaining -= batch;
  }
  return { successes, error: undefined };
}
