import { setMaxListeners } from 'node:events';

/**
 * A signal that aborts with `outer`, for a component's many waiters: one listener on the outer
 * signal instead of one per worker, while the inner one may have any number. `release` detaches
 * it from `outer` once the component is done.
 */
export function innerSignal(outer: AbortSignal): { signal: AbortSignal; release: () => void } {
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  const abort = () => inner.abort(outer.reason);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  return { signal: inner.signal, release: () => outer.removeEventListener('abort', abort) };
}
