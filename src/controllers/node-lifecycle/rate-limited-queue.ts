/**
 * The per-zone queue that paces NoExecute tainting (upstream nodelifecycle/scheduler
 * RateLimitedTimedQueue over a token bucket with burst 1):
 *  - a node name is in the queue at most once; after it was processed successfully it stays a
 *    *member* (so `add` refuses it) until `remove` is called — the controller removes it when the
 *    node becomes reachable again or its taint has to be redone;
 *  - `tryProcess` takes names in order of their processAt time while the limiter grants tokens;
 *    an action that fails is retried after the delay it returns.
 */

/** A token bucket (client-go flowcontrol) with burst 1, or one that never grants (qps ≤ 0). */
export class TokenBucket {
  #qps: number;
  #tokens: number;
  #at: number;
  readonly #burst = 1;

  constructor(qps: number, now: number) {
    this.#qps = qps;
    this.#tokens = this.#burst;
    this.#at = now;
  }

  get qps(): number {
    return this.#qps;
  }

  /** Changes the rate, keeping the tokens earned so far (upstream SwapLimiter). */
  setQps(qps: number, now: number): void {
    if (qps === this.#qps) return;
    this.#refill(now);
    this.#qps = qps;
  }

  tryAccept(now: number): boolean {
    if (this.#qps <= 0) return false;
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** When the next token is available (Infinity if never). */
  nextTokenAt(now: number): number {
    if (this.#qps <= 0) return Infinity;
    this.#refill(now);
    if (this.#tokens >= 1) return now;
    return now + Math.ceil(((1 - this.#tokens) / this.#qps) * 1000);
  }

  #refill(now: number): void {
    if (this.#qps > 0 && now > this.#at) this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#qps);
    this.#at = now;
  }
}

export interface TimedValue {
  readonly value: string;
  readonly uid: string;
  processAt: number;
}

export class RateLimitedTimedQueue {
  readonly limiter: TokenBucket;
  /** Names waiting, by name. */
  readonly #queue = new Map<string, TimedValue>();
  /** Names added and not yet removed (queued or done). */
  readonly #members = new Set<string>();

  constructor(qps: number, now: number) {
    this.limiter = new TokenBucket(qps, now);
  }

  get length(): number {
    return this.#queue.size;
  }

  /** Adds a name unless it is already a member; true if added. */
  add(value: string, uid: string, now: number): boolean {
    if (this.#members.has(value)) return false;
    this.#members.add(value);
    this.#queue.set(value, { value, uid, processAt: now });
    return true;
  }

  /** Forgets a name entirely; true if it was a member. */
  remove(value: string): boolean {
    this.#queue.delete(value);
    return this.#members.delete(value);
  }

  /** The earliest processAt of waiting names (Infinity if none). */
  nextProcessAt(): number {
    let min = Infinity;
    for (const v of this.#queue.values()) if (v.processAt < min) min = v.processAt;
    return min;
  }

  /**
   * Processes due names in processAt order while tokens last. `fn` returns `{ ok: true }` when
   * done (the name stays a member) or `{ ok: false, retryAfterMs }`.
   */
  async tryProcess(now: () => number, fn: (v: TimedValue) => Promise<{ ok: boolean; retryAfterMs?: number }>): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      let head: TimedValue | undefined;
      for (const v of this.#queue.values()) if (!head || v.processAt < head.processAt) head = v;
      if (!head) return;
      const t = now();
      if (t < head.processAt) return;
      if (!this.limiter.tryAccept(t)) return;
      const result = await fn(head);
      if (this.#queue.get(head.value) !== head) continue;
      if (result.ok) this.#queue.delete(head.value);
      else head.processAt = now() + (result.retryAfterMs ?? 0) + 1;
    }
  }
}
