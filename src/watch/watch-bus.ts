/**
 * The in-process watch fan-out, one per server process, in the spirit of kube-apiserver's watch
 * cache (staging/src/k8s.io/apiserver/pkg/storage/cacher): ONE backend watch on the root prefix
 * feeds a window of recent events and every subscriber.
 *
 * Contract:
 *  - `subscribe(prefix, { fromRevision })` delivers every change under `prefix` with revision >
 *    fromRevision, in revision order, each exactly once: from the in-memory window when it reaches
 *    back far enough, otherwise from a backend watch of its own (which hands over to the bus as soon
 *    as it has caught up with the window). If the backend no longer has the history, iteration
 *    fails with CompactedError (the API answers 410 Expired "too old resource version").
 *  - Each subscription has a bounded queue; a subscriber that lets it overflow is ended with
 *    WatchClosedError('slow') and has to re-watch. Nothing is ever buffered without bound.
 *  - Events are handed only to subscriptions whose prefix matches (an index by '/'-delimited
 *    prefix), so a write costs O(depth of its key + matching subscribers), not O(subscribers).
 *  - Every batch reports `progressRevision`: everything under the prefix up to that revision has
 *    been delivered (what a BOOKMARK event announces). A batch without events is a pure progress
 *    notification, sent on `requestProgress()` or every `progressIntervalMs`.
 *  - Delivered events are shared by all subscribers and carry a memo slot, so the API server
 *    decodes and serialises each event once however many watchers receive it.
 */
import {
  CompactedError,
  StorageError,
  WatchClosedError,
  type Backend,
  type KeyValue,
  type WatchEvent,
  type WatchEventType,
} from '../storage/backend.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/log.js';

/** A change as delivered by the bus: shared by every receiver, with a per-event memo. */
export interface BusEvent extends WatchEvent {
  readonly type: WatchEventType;
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
  /** The event's revision (kv.modRevision). */
  readonly revision: number;
  /**
   * Returns the value cached under `key` for this event, computing it on first use. Use it for
   * work that is the same for every receiver (decoding, serialising for one media type).
   */
  memo<T>(key: string, compute: () => T): T;
}

export interface BusBatch {
  /** Changes in revision order; empty for a pure progress notification. */
  readonly events: readonly BusEvent[];
  /** Every change under the subscription's prefix up to this revision has been delivered. */
  readonly progressRevision: number;
}

export interface SubscribeOptions {
  /** Deliver changes with revision > fromRevision. */
  readonly fromRevision: number;
  readonly signal?: AbortSignal;
  /** Events that may wait in this subscription's queue before it is cut off (default: the bus's). */
  readonly maxPending?: number;
}

export interface Subscription extends AsyncIterable<BusBatch> {
  readonly prefix: string;
  /** Makes the next step yield a batch even if no event arrives, carrying the progress revision. */
  requestProgress(): void;
  /** Ends the subscription; a pending step resolves as done. */
  close(): void;
}

export interface WatchBusConfig {
  readonly backend: Backend;
  /** The prefix the bus watches, e.g. '/registry/'. Subscriptions must lie under it. */
  readonly rootPrefix: string;
  /** Number of recent events kept in memory for replay. */
  readonly windowSize: number;
  /** Default bound of a subscription's queue, in events (default 10 000). */
  readonly maxPending?: number;
  /** Send every idle subscription a progress notification this often (default: never). */
  readonly progressIntervalMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export interface WatchBusStats {
  readonly subscriptions: number;
  /** Subscriptions still fed by a backend watch of their own (replaying beyond the window). */
  readonly backendSubscriptions: number;
  readonly revision: number;
  /** The window holds every change after this revision. */
  readonly windowStart: number;
  readonly windowEvents: number;
  readonly eventsDispatched: number;
  /** Times a subscription was considered for an event (stays proportional to matches). */
  readonly subscriptionVisits: number;
  /** Times the bus re-opened its backend watch after falling behind or losing it. */
  readonly rewatches: number;
}

/** What a subscription needs from its bus (kept off the bus's public surface). */
interface SubscriptionHost {
  /** The window covers every change after this revision. */
  windowStart(): number;
  running(): boolean;
  currentRevision(): number;
  /** Starts feeding `sub` from the bus: window replay after `after`, then live. */
  attach(sub: BusSubscription, after: number): void;
  detach(sub: BusSubscription): void;
  /** Wake `sub` once the event batch being dispatched is complete. */
  wakeLater(sub: BusSubscription): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const NO_EVENTS: readonly BusEvent[] = Object.freeze([]);
const MAX_RETRY_DELAY_MS = 5000;

class SharedEvent implements BusEvent {
  readonly type: WatchEventType;
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
  #memo: Map<string, unknown> | undefined;

  constructor(ev: WatchEvent) {
    this.type = ev.type;
    this.kv = ev.kv;
    if (ev.prevKv) this.prevKv = ev.prevKv;
  }

  get revision(): number {
    return this.kv.modRevision;
  }

  memo<T>(key: string, compute: () => T): T {
    const memo = (this.#memo ??= new Map());
    if (memo.has(key)) return memo.get(key) as T;
    const value = compute();
    memo.set(key, value);
    return value;
  }
}

/** A fixed-capacity ring of events with strictly increasing revisions. */
class EventWindow {
  readonly #cap: number;
  readonly #ring: (SharedEvent | undefined)[];
  #head = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#cap = capacity;
    this.#ring = new Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  /** Appends; returns the evicted oldest event when full. */
  push(ev: SharedEvent): SharedEvent | undefined {
    if (this.#count < this.#cap) {
      this.#ring[(this.#head + this.#count) % this.#cap] = ev;
      this.#count++;
      return undefined;
    }
    const evicted = this.#ring[this.#head];
    this.#ring[this.#head] = ev;
    this.#head = (this.#head + 1) % this.#cap;
    return evicted;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#head = 0;
    this.#count = 0;
  }

  /** Events after `revision` whose key starts with `prefix`, oldest first. */
  after(revision: number, prefix: string): SharedEvent[] {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    const out: SharedEvent[] = [];
    for (let i = lo; i < this.#count; i++) {
      const ev = this.#at(i);
      if (ev.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  #at(i: number): SharedEvent {
    return this.#ring[(this.#head + i) % this.#cap] as SharedEvent;
  }
}

export class WatchBus {
  readonly #backend: Backend;
  readonly #root: string;
  readonly #maxPending: number;
  readonly #progressIntervalMs: number;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #window: EventWindow;

  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  #revision = 0;
  #windowStart = 0;
  #stopped: Promise<void> = Promise.resolve();
  #cancelProgressTimer: (() => void) | undefined;

  /** Subscriptions fed by the bus, by prefix when the prefix ends with '/'. */
  readonly #byPrefix = new Map<string, Set<BusSubscription>>();
  /** Bus-fed subscriptions with other prefixes (checked against every event). */
  readonly #irregular = new Set<BusSubscription>();
  readonly #all = new Set<BusSubscription>();
  #toWake: BusSubscription[] = [];

  #eventsDispatched = 0;
  #visits = 0;
  #rewatches = 0;

  readonly #host: SubscriptionHost = {
    windowStart: () => this.#windowStart,
    running: () => this.#state === 'running',
    currentRevision: () => this.#revision,
    attach: (sub, after) => this.#attach(sub, after),
    detach: (sub) => this.#detach(sub),
    wakeLater: (sub) => this.#toWake.push(sub),
  };

  constructor(config: WatchBusConfig) {
    if (!config.rootPrefix) throw new TypeError('WatchBus: rootPrefix is required');
    if (!(config.windowSize > 0)) throw new RangeError('WatchBus: windowSize must be positive');
    this.#backend = config.backend;
    this.#root = config.rootPrefix;
    this.#maxPending = config.maxPending ?? 10_000;
    this.#progressIntervalMs = config.progressIntervalMs ?? 0;
    this.#log = (config.logger ?? silentLogger).child({ component: 'watch-bus' });
    this.#clock = config.clock ?? systemClock;
    this.#window = new EventWindow(config.windowSize);
  }

  /**
   * Opens the backend watch from the current revision and resolves once the bus is serving.
   * Aborting `signal` stops the bus; its subscriptions end with WatchClosedError('closed').
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#state !== 'new') throw new StorageError('WatchBus already started');
    this.#state = 'starting';
    const revision = await this.#backend.currentRevision();
    this.#revision = revision;
    this.#windowStart = revision;
    if (signal.aborted) {
      this.#stop();
      return;
    }
    this.#state = 'running';
    this.#stopped = this.#run(signal).finally(() => this.#stop());
    this.#scheduleProgress();
    this.#log.info({ rootPrefix: this.#root, revision }, 'watch bus started');
  }

  /** Resolves when the bus has stopped (after its signal was aborted or the backend closed). */
  whenStopped(): Promise<void> {
    return this.#stopped;
  }

  /** The highest revision the bus has seen. */
  currentRevision(): number {
    return this.#revision;
  }

  stats(): WatchBusStats {
    let backendSubscriptions = 0;
    for (const s of this.#all) if (s.onBackend) backendSubscriptions++;
    return {
      subscriptions: this.#all.size,
      backendSubscriptions,
      revision: this.#revision,
      windowStart: this.#windowStart,
      windowEvents: this.#window.size,
      eventsDispatched: this.#eventsDispatched,
      subscriptionVisits: this.#visits,
      rewatches: this.#rewatches,
    };
  }

  subscribe(prefix: string, options: SubscribeOptions): Subscription {
    const sub = new BusSubscription(this.#host, prefix, options.fromRevision, options.maxPending ?? this.#maxPending, options.signal);
    if (this.#state !== 'running') {
      sub.fail(this.#state === 'stopped' ? new WatchClosedError('closed') : new StorageError('watch bus is not started'));
      return sub;
    }
    if (!prefix.startsWith(this.#root)) {
      sub.fail(new StorageError(`prefix ${prefix} is outside the watch bus root ${this.#root}`));
      return sub;
    }
    if (options.signal?.aborted) return sub;
    this.#all.add(sub);
    if (options.fromRevision >= this.#windowStart) this.#attach(sub, options.fromRevision);
    else sub.useBackend(this.#backend);
    return sub;
  }

  /**
   * The registry's WatchSource shape: batches of events, an empty batch meaning "no news, still
   * up to date" (a bookmark opportunity).
   */
  watch(prefix: string, options: { fromRevision: number; signal?: AbortSignal }): AsyncIterable<readonly BusEvent[]> {
    const sub = this.subscribe(prefix, options);
    return {
      [Symbol.asyncIterator]: () => {
        const it = sub[Symbol.asyncIterator]();
        return {
          next: async () => {
            const r = await it.next();
            return r.done ? DONE : { done: false, value: r.value.events };
          },
          return: async () => {
            sub.close();
            return DONE;
          },
        };
      },
    };
  }

  // ---- subscription bookkeeping ---------------------------------------------------------------

  #attach(sub: BusSubscription, after: number): void {
    sub.attached(this.#window.after(after, sub.prefix), this.#revision);
    if (sub.prefix.endsWith('/')) {
      let set = this.#byPrefix.get(sub.prefix);
      if (!set) this.#byPrefix.set(sub.prefix, (set = new Set()));
      set.add(sub);
    } else {
      this.#irregular.add(sub);
    }
  }

  #detach(sub: BusSubscription): void {
    this.#all.delete(sub);
    const set = this.#byPrefix.get(sub.prefix);
    if (set?.delete(sub) && set.size === 0) this.#byPrefix.delete(sub.prefix);
    this.#irregular.delete(sub);
  }

  // ---- the backend watch ------------------------------------------------------------------------

  async #run(signal: AbortSignal): Promise<void> {
    let delay = 0;
    for (let attempt = 0; !signal.aborted; attempt++) {
      if (attempt > 0) this.#rewatches++;
      try {
        for await (const batch of this.#backend.watch(this.#root, { fromRevision: this.#revision, signal })) {
          this.#dispatch(batch);
          delay = 0;
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof WatchClosedError && err.reason === 'closed') {
          this.#log.info('storage closed; stopping the watch bus');
          return;
        }
        if (err instanceof WatchClosedError) {
          // The bus fell behind its own backend watch; resume from the last revision it saw.
          this.#log.warn({ revision: this.#revision }, 'watch bus fell behind the storage; re-watching');
          continue;
        }
        if (err instanceof CompactedError) {
          await this.#restartAfterGap(err);
          continue;
        }
        delay = Math.min(MAX_RETRY_DELAY_MS, Math.max(100, delay * 2));
        this.#log.error({ err, attempt, retryInMs: delay }, 'watch bus lost its storage watch; retrying');
        try {
          await this.#clock.sleep(delay, signal);
        } catch {
          return;
        }
      }
    }
  }

  /** History the bus needed is gone: every subscriber has a gap, so all of them must re-list. */
  async #restartAfterGap(err: CompactedError): Promise<void> {
    const revision = await this.#backend.currentRevision();
    this.#log.warn({ from: this.#revision, to: revision, compacted: err.compacted }, 'watch bus missed compacted history; resetting subscribers');
    for (const sub of [...this.#all]) if (!sub.onBackend) sub.fail(new WatchClosedError('slow'));
    this.#window.clear();
    this.#revision = revision;
    this.#windowStart = revision;
  }

  #dispatch(batch: readonly WatchEvent[]): void {
    for (const raw of batch) {
      const rev = raw.kv.modRevision;
      if (rev <= this.#revision) continue;
      const ev = new SharedEvent(raw);
      const evicted = this.#window.push(ev);
      if (evicted) this.#windowStart = evicted.revision;
      this.#revision = rev;
      this.#eventsDispatched++;
      this.#deliver(ev);
    }
    const toWake = this.#toWake;
    if (toWake.length === 0) return;
    this.#toWake = [];
    for (const sub of toWake) sub.wake();
  }

  /** Offers `ev` to the subscriptions whose prefix is one of the key's '/'-terminated prefixes. */
  #deliver(ev: SharedEvent): void {
    const key = ev.kv.key;
    if (this.#byPrefix.size > 0) {
      // Keys lie under the root, so the first candidate is the root itself.
      for (let i = key.indexOf('/', this.#root.length - 1); i !== -1; i = key.indexOf('/', i + 1)) {
        const set = this.#byPrefix.get(key.slice(0, i + 1));
        if (!set) continue;
        for (const sub of set) {
          this.#visits++;
          sub.offer(ev);
        }
      }
    }
    for (const sub of this.#irregular) {
      this.#visits++;
      if (key.startsWith(sub.prefix)) sub.offer(ev);
    }
  }

  #scheduleProgress(): void {
    if (this.#progressIntervalMs <= 0 || this.#state !== 'running') return;
    this.#cancelProgressTimer = this.#clock.setTimer(this.#progressIntervalMs, () => {
      for (const sub of this.#all) sub.requestProgress();
      this.#scheduleProgress();
    });
  }

  #stop(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#cancelProgressTimer?.();
    this.#cancelProgressTimer = undefined;
    const closed = new WatchClosedError('closed');
    for (const sub of [...this.#all]) sub.fail(closed);
    this.#window.clear();
    this.#log.info({ revision: this.#revision }, 'watch bus stopped');
  }
}

/**
 * One subscriber. Fed either by the bus (after a window replay) or, when it starts before the
 * window, by a backend watch of its own until that watch has caught up with the window.
 * Not safe for concurrent `next()` calls (for-await never makes them).
 */
class BusSubscription implements Subscription, AsyncIterableIterator<BusBatch> {
  readonly prefix: string;
  readonly #bus: SubscriptionHost;
  readonly #maxPending: number;
  readonly #signal: AbortSignal | undefined;
  /** Highest revision accounted for: delivered, queued, or known not to concern us. */
  #cursor: number;
  #queue: BusEvent[] = [];
  /** Leading queue entries that came from a replay and do not count against maxPending. */
  #exempt = 0;
  #error: Error | undefined;
  #finished = false;
  #progressWanted = false;
  #wakeQueued = false;
  #waiter: { resolve(r: IteratorResult<BusBatch>): void; reject(e: unknown): void } | undefined;
  #backendStream: AsyncIterator<WatchEvent[]> | undefined;
  #backendAbort: AbortController | undefined;
  readonly #onAbort = (): void => this.close();

  constructor(bus: SubscriptionHost, prefix: string, fromRevision: number, maxPending: number, signal: AbortSignal | undefined) {
    this.#bus = bus;
    this.prefix = prefix;
    this.#cursor = fromRevision;
    this.#maxPending = maxPending;
    this.#signal = signal;
    if (signal?.aborted) this.#finished = true;
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get onBackend(): boolean {
    return this.#backendStream !== undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<BusBatch>> {
    for (let steps = 0; ; steps++) {
      if (this.#queue.length > 0) return { done: false, value: this.#drain() };
      if (this.#error) {
        const err = this.#error;
        this.#finish();
        throw err;
      }
      if (this.#finished) return DONE;
      if (this.#progressWanted) {
        this.#progressWanted = false;
        return { done: false, value: { events: NO_EVENTS, progressRevision: this.#progress() } };
      }
      const stream = this.#backendStream;
      if (!stream) {
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      }
      await this.#pumpBackend(stream);
    }
  }

  async return(): Promise<IteratorResult<BusBatch>> {
    this.close();
    return DONE;
  }

  requestProgress(): void {
    if (this.#finished || this.#error) return;
    this.#progressWanted = true;
    if (this.#waiter && this.#queue.length === 0) this.wake();
  }

  close(): void {
    this.#finish();
  }

  // ---- driven by the bus ------------------------------------------------------------------------

  /** Starts bus delivery: `replay` are window events after the cursor. */
  attached(replay: BusEvent[], busRevision: number): void {
    for (const ev of replay) {
      if (ev.revision <= this.#cursor) continue;
      this.#queue.push(ev);
      this.#exempt++;
      this.#cursor = ev.revision;
    }
    if (busRevision > this.#cursor) this.#cursor = busRevision;
    if (this.#waiter && this.#queue.length > 0) this.wake();
  }

  offer(ev: BusEvent): void {
    if (this.#finished || this.#error || ev.revision <= this.#cursor) return;
    this.#cursor = ev.revision;
    this.#queue.push(ev);
    if (this.#queue.length - this.#exempt > this.#maxPending) {
      this.fail(new WatchClosedError('slow'));
      return;
    }
    if (this.#waiter && !this.#wakeQueued) {
      this.#wakeQueued = true;
      this.#bus.wakeLater(this);
    }
  }

  /** Hands queued events (or a progress notification) to a waiting next(). */
  wake(): void {
    this.#wakeQueued = false;
    const waiter = this.#waiter;
    if (!waiter) return;
    if (this.#queue.length > 0) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: this.#drain() });
    } else if (this.#progressWanted) {
      this.#waiter = undefined;
      this.#progressWanted = false;
      waiter.resolve({ done: false, value: { events: NO_EVENTS, progressRevision: this.#progress() } });
    }
  }

  /** Ends the subscription with `error`, dropping undelivered events. */
  fail(error: Error): void {
    if (this.#finished || this.#error) return;
    this.#error = error;
    this.#queue = [];
    this.#exempt = 0;
    this.#bus.detach(this);
    this.#stopBackend();
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#finish();
      waiter.reject(error);
    }
  }

  /** Replays from the backend: its own watch from the cursor, until it catches up with the window. */
  useBackend(backend: Backend): void {
    const ac = new AbortController();
    this.#backendAbort = ac;
    this.#backendStream = backend.watch(this.prefix, { fromRevision: this.#cursor, signal: ac.signal })[Symbol.asyncIterator]();
  }

  // ---- internals --------------------------------------------------------------------------------

  async #pumpBackend(stream: AsyncIterator<WatchEvent[]>): Promise<void> {
    let r: IteratorResult<WatchEvent[]>;
    try {
      r = await stream.next();
    } catch (err) {
      if (!this.#finished) this.fail(err instanceof Error ? err : new StorageError('backend watch failed', { cause: err }));
      return;
    }
    if (this.#finished || this.#error || this.#backendStream !== stream) return;
    if (r.done) {
      this.fail(new WatchClosedError('closed'));
      return;
    }
    for (const raw of r.value) {
      if (raw.kv.modRevision <= this.#cursor) continue;
      this.#cursor = raw.kv.modRevision;
      this.#queue.push(new SharedEvent(raw));
      this.#exempt++;
    }
    // Caught up with the window: the bus has every later change, so switch over to it.
    if (this.#bus.running() && this.#cursor >= this.#bus.windowStart()) {
      this.#stopBackend();
      this.#bus.attach(this, this.#cursor);
    }
  }

  #progress(): number {
    return this.#backendStream ? this.#cursor : Math.max(this.#cursor, this.#bus.currentRevision());
  }

  #drain(): BusBatch {
    const events = this.#queue;
    this.#queue = [];
    this.#exempt = 0;
    return { events, progressRevision: this.#progress() };
  }

  #stopBackend(): void {
    const stream = this.#backendStream;
    if (!stream) return;
    this.#backendStream = undefined;
    this.#backendAbort?.abort();
    this.#backendAbort = undefined;
    void stream.return?.();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#queue = [];
    this.#exempt = 0;
    this.#bus.detach(this);
    this.#stopBackend();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve(DONE);
    }
  }
}
