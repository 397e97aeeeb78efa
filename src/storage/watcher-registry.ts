import { CompactedError, WatchClosedError, type WatchEvent, type WatchOptions } from './backend.js';

/**
 * What a backend that owns its history offers its watchers: synchronous access to committed state.
 * Both the SQLite and the memory backend run on the main thread, so a watcher can read history and
 * switch to live delivery in one synchronous step, which is what makes replay gap-free.
 */
export interface HistoryReader {
  /** The latest committed revision. */
  committedRevision(): number;
  /** The oldest revision still watchable from (0 if never compacted). */
  compactedRevision(): number;
  /** Committed changes under `prefix` with after < revision <= through, in revision order. */
  readHistory(prefix: string, after: number, through: number): WatchEvent[];
}

export interface WatcherRegistryConfig {
  readonly reader: HistoryReader;
  /** Events a watcher may have queued before it is cut off with WatchClosedError('slow'). */
  readonly queueLimit: number;
  /** Revisions read from history per replay step (each step is one synchronous read). */
  readonly replayStep: number;
}

/**
 * Fans committed changes out to backend watchers. The owning backend calls `publish` once per
 * commit, with the events of that commit in revision order, after the commit is durable.
 *
 * A new watcher first replays history in bounded steps (yielding to the event loop between
 * steps), and joins live delivery in the same synchronous step in which it reads the last
 * committed revision, so no change is missed or delivered twice.
 */
export class WatcherRegistry {
  readonly #reader: HistoryReader;
  readonly #queueLimit: number;
  readonly #replayStep: number;
  readonly #live = new Set<BackendWatcher>();
  readonly #all = new Set<BackendWatcher>();
  readonly #host: WatcherHost = {
    reader: () => this.#reader,
    queueLimit: () => this.#queueLimit,
    replayStep: () => this.#replayStep,
    goLive: (w) => {
      if (this.#all.has(w)) this.#live.add(w);
    },
    remove: (w) => {
      this.#live.delete(w);
      this.#all.delete(w);
    },
  };

  constructor(config: WatcherRegistryConfig) {
    if (!(config.queueLimit > 0)) throw new RangeError('queueLimit must be positive');
    if (!(config.replayStep > 0)) throw new RangeError('replayStep must be positive');
    this.#reader = config.reader;
    this.#queueLimit = config.queueLimit;
    this.#replayStep = config.replayStep;
  }

  /** Number of open watchers (replaying or live). */
  get size(): number {
    return this.#all.size;
  }

  open(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent[]> {
    const w = new BackendWatcher(this.#host, prefix, options.fromRevision, options.signal);
    if (!options.signal?.aborted) this.#all.add(w);
    return w;
  }

  /** Hands committed events (ascending revisions) to every live watcher whose prefix matches. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0 || this.#live.size === 0) return;
    for (const w of this.#live) w.offer(events);
  }

  /** Ends every watcher: queued events are still delivered, then `error` is thrown. */
  closeAll(error: WatchClosedError): void {
    for (const w of [...this.#all]) w.fail(error, false);
  }
}

/** What a watcher needs from its registry (kept off the registry's public surface). */
interface WatcherHost {
  reader(): HistoryReader;
  queueLimit(): number;
  replayStep(): number;
  /** Switches `w` from replay to live delivery. */
  goLive(w: BackendWatcher): void;
  remove(w: BackendWatcher): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One watch stream. Not safe for concurrent `next()` calls (for-await never makes them).
 * States: replaying (reads history on demand) → live (fed by publish) → finished.
 */
class BackendWatcher implements AsyncIterableIterator<WatchEvent[]> {
  readonly #registry: WatcherHost;
  readonly #prefix: string;
  readonly #signal: AbortSignal | undefined;
  /** Highest revision this watcher has accounted for (delivered or known to be irrelevant). */
  #cursor: number;
  #replaying = true;
  #finished = false;
  #queue: WatchEvent[] = [];
  #error: Error | undefined;
  #waiter: { resolve(r: IteratorResult<WatchEvent[]>): void; reject(e: unknown): void } | undefined;
  readonly #onAbort = (): void => this.#finish();

  constructor(registry: WatcherHost, prefix: string, fromRevision: number, signal: AbortSignal | undefined) {
    this.#registry = registry;
    this.#prefix = prefix;
    this.#cursor = fromRevision;
    this.#signal = signal;
    if (signal?.aborted) this.#finished = true;
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<WatchEvent[]>> {
    for (;;) {
      if (this.#queue.length > 0) return { done: false, value: this.#drain() };
      if (this.#error) {
        const err = this.#error;
        this.#finish();
        throw err;
      }
      if (this.#finished) return DONE;
      if (!this.#replaying) {
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      }
      const events = this.#replayStep();
      if (events.length > 0) return { done: false, value: events };
      if (this.#replaying) await nextTurn();
    }
  }

  async return(): Promise<IteratorResult<WatchEvent[]>> {
    this.#finish();
    return DONE;
  }

  /** Live delivery from publish(). */
  offer(events: readonly WatchEvent[]): void {
    if (this.#finished || this.#error) return;
    const prefix = this.#prefix;
    let added = false;
    for (const ev of events) {
      const rev = ev.kv.modRevision;
      if (rev <= this.#cursor) continue;
      this.#cursor = rev;
      if (!ev.kv.key.startsWith(prefix)) continue;
      this.#queue.push(ev);
      added = true;
    }
    if (!added) return;
    if (this.#queue.length > this.#registry.queueLimit()) {
      this.fail(new WatchClosedError('slow'), true);
      return;
    }
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: this.#drain() });
    }
  }

  /** Ends the watcher with `error`; `dropQueue` discards undelivered events (frees memory now). */
  fail(error: Error, dropQueue: boolean): void {
    if (this.#finished || this.#error) return;
    this.#error = error;
    if (dropQueue) this.#queue = [];
    this.#registry.remove(this);
    const waiter = this.#waiter;
    if (waiter && this.#queue.length === 0) {
      this.#waiter = undefined;
      this.#finish();
      waiter.reject(error);
    }
  }

  #drain(): WatchEvent[] {
    const batch = this.#queue;
    this.#queue = [];
    return batch;
  }

  /** Reads the next bounded slice of history; switches to live once caught up. */
  #replayStep(): WatchEvent[] {
    const reader = this.#registry.reader();
    const compacted = reader.compactedRevision();
    if (this.#cursor < compacted) {
      const err = new CompactedError(this.#cursor, compacted);
      this.#error = err;
      this.#registry.remove(this);
      return [];
    }
    const committed = reader.committedRevision();
    if (this.#cursor >= committed) {
      this.#replaying = false;
      this.#registry.goLive(this);
      return [];
    }
    const through = Math.min(committed, this.#cursor + this.#registry.replayStep());
    const events = reader.readHistory(this.#prefix, this.#cursor, through);
    this.#cursor = through;
    if (through === committed) {
      this.#replaying = false;
      this.#registry.goLive(this);
    }
    return events;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#queue = [];
    this.#registry.remove(this);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve(DONE);
    }
  }
}
