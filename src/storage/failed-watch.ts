import type { WatchEvent } from './backend.js';

/** A watch stream that fails with `error` on its first step (e.g. watching a closed store). */
export function failedWatch(error: Error): AsyncIterable<WatchEvent[]> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(error),
      return: () => Promise.resolve({ done: true, value: undefined }),
    }),
  };
}
