import type { KeyValue } from '../backend.js';

/**
 * The newest acknowledged value of recently written or read keys, so that a read-modify-write
 * (every update: get, then update with the modRevision read) does not read back from SQLite what
 * this process has just written. Bounded by the bytes of the values it holds; least recently
 * used keys go first. The values are the very buffers of the writes and watch events (shared,
 * never copied, never mutated by anyone).
 *
 * Contract with its owner (SqliteBackend), which is the only writer of the database: every
 * acknowledged write is reported here in revision order (`put` for creates and updates, `forget`
 * for deletes), and whenever a write's outcome is unknown the key is forgotten, or everything is
 * (`clear`). A cached entry is then always the key's value at the acknowledged revision.
 */
export class LatestValues {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, KeyValue>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The cached value, marked as most recently used; undefined when not cached. */
  get(key: string): KeyValue | undefined {
    const kv = this.#entries.get(key);
    if (kv === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, kv);
    return kv;
  }

  put(kv: KeyValue): void {
    this.forget(kv.key);
    const size = kv.value.byteLength;
    if (size > this.#maxBytes / 16) return;
    this.#entries.set(kv.key, kv);
    this.#bytes += size;
    if (this.#bytes > this.#maxBytes) {
      for (const [key, old] of this.#entries) {
        this.#entries.delete(key);
        this.#bytes -= old.value.byteLength;
        if (this.#bytes <= this.#maxBytes) break;
      }
    }
  }

  forget(key: string): void {
    const old = this.#entries.get(key);
    if (old === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= old.value.byteLength;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
