/**
 * One timer for many deadlines: a binary min-heap of (time, value) entries over a single timer of
 * the injected clock, armed for the earliest entry. The simulator keeps every node heartbeat and
 * every pod transition here, so 5000 nodes and 30 000 pods cost one clock timer, not 35 000.
 *
 * Contract:
 *  - `schedule` returns a handle; `cancel(handle)` drops it (lazily: the entry is skipped when it
 *    surfaces). A handle fires at most once.
 *  - due entries are delivered in time order, in batches of at most `maxBatch` values to `onDue`;
 *    when more are due, the next batch follows on a zero-delay timer so other work can run.
 *  - `onDue` runs synchronously inside the timer callback and should only hand work on (enqueue),
 *    never block.
 *  - with a `quantumMs`, the clock timer fires only on multiples of it (an entry fires up to one
 *    quantum late): entries due close together fire together, so the work they start (API
 *    writes) reaches the API in one burst — one storage group commit instead of one per entry.
 */
import type { Clock } from '../util/clock.js';

export interface TimerHandle {
  readonly at: number;
}

interface Entry<T> extends TimerHandle {
  readonly seq: number;
  value: T | undefined;
  live: boolean;
}

export interface TimerHeapConfig<T> {
  readonly clock: Clock;
  readonly onDue: (values: T[]) => void;
  readonly maxBatch?: number;
  /** Fire on multiples of this many milliseconds (default 0: at each entry's time). */
  readonly quantumMs?: number;
}

export class TimerHeap<T> {
  readonly #clock: Clock;
  readonly #onDue: (values: T[]) => void;
  readonly #maxBatch: number;
  readonly #quantum: number;
  readonly #heap: Entry<T>[] = [];
  #seq = 0;
  #live = 0;
  #armedAt = Infinity;
  #cancelArmed: (() => void) | undefined;
  #stopped = false;

  constructor(config: TimerHeapConfig<T>) {
    this.#clock = config.clock;
    this.#onDue = config.onDue;
    this.#maxBatch = config.maxBatch ?? 1000;
    this.#quantum = config.quantumMs ?? 0;
    if (!(this.#quantum >= 0)) throw new RangeError('TimerHeap: quantumMs must be ≥ 0');
  }

  /** Live (scheduled, not cancelled, not fired) entries. */
  get size(): number {
    return this.#live;
  }

  schedule(at: number, value: T): TimerHandle {
    const entry: Entry<T> = { at, seq: this.#seq++, value, live: true };
    this.#live++;
    this.#push(entry);
    if (!this.#stopped && (at <= this.#clock.now() ? at : this.#fireTime(at)) < this.#armedAt) this.#arm(at);
    return entry;
  }

  /** When the clock timer must fire for an entry due at `at`. */
  #fireTime(at: number): number {
    const q = this.#quantum;
    return q > 0 ? Math.ceil(at / q) * q : at;
  }

  cancel(handle: TimerHandle | undefined): void {
    const entry = handle as Entry<T> | undefined;
    if (!entry?.live) return;
    entry.live = false;
    entry.value = undefined;
    this.#live--;
    // Many cancelled entries (pods deleted before their transition) are compacted away.
    if (this.#heap.length > 1024 && this.#live < this.#heap.length / 4) this.#compact();
  }

  /** Cancels the clock timer; nothing fires afterwards. */
  stop(): void {
    this.#stopped = true;
    this.#cancelArmed?.();
    this.#cancelArmed = undefined;
    this.#armedAt = Infinity;
  }

  #arm(at: number): void {
    this.#cancelArmed?.();
    const now = this.#clock.now();
    // Entries already due (a batch's remainder) go on at once.
    const fireAt = at <= now ? at : this.#fireTime(at);
    this.#armedAt = fireAt;
    this.#cancelArmed = this.#clock.setTimer(Math.max(0, fireAt - now), () => this.#fire());
  }

  #fire(): void {
    this.#cancelArmed = undefined;
    this.#armedAt = Infinity;
    if (this.#stopped) return;
    const now = this.#clock.now();
    const batch: T[] = [];
    while (this.#heap.length > 0 && batch.length < this.#maxBatch) {
      const top = this.#heap[0];
      if (top.live && top.at > now) break;
      this.#pop();
      if (!top.live) continue;
      top.live = false;
      this.#live--;
      batch.push(top.value as T);
      top.value = undefined;
    }
    this.#skipDead();
    if (this.#heap.length > 0) this.#arm(this.#heap[0].at);
    if (batch.length > 0) this.#onDue(batch);
  }

  #skipDead(): void {
    while (this.#heap.length > 0 && !this.#heap[0].live) this.#pop();
  }

  #compact(): void {
    const live = this.#heap.filter((e) => e.live);
    this.#heap.length = 0;
    for (const e of live) this.#push(e);
  }

  #push(e: Entry<T>): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop() as Entry<T>;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l], h[m])) m = l;
      if (r < h.length && less(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function less(a: Entry<unknown>, b: Entry<unknown>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
