/**
 * Decoded forms of recently written objects, so that the watch fan-out and the next
 * read-modify-write of an object start from the object its writer already held instead of parsing
 * the stored JSON again: parsing a pod costs several times what copying one does, and every write
 * used to be parsed twice more (once for the watchers, once by the next update's read).
 *
 * Contract:
 *  - `remember(key, bytes, object)` is called with the exact bytes about to be written under `key`
 *    and the object they encode. The cache keeps a JSON-exact copy, so the caller keeps its object.
 *  - A stored value matches an entry only if its key and bytes are equal, so a write that failed or
 *    was superseded is never mistaken for what storage holds. An entry takes the revision of the
 *    first stored value it matches; the same bytes at another revision are decoded afresh.
 *  - `shared(kv)` returns an object shared by every caller: read-only, as watch objects always
 *    are. `owned(kv)` returns a private copy the caller may change.
 *  - Only writes are remembered (what another process wrote is decoded each time). At most
 *    `maxEntries` entries are kept, the least recently written first out.
 */
import { deepCopy, type KubeObject } from '../api/object.js';
import type { KeyValue } from '../storage/backend.js';
import { decodeObject } from './object-codec.js';

/**
 * Tests set LITE_CHECK_SHARED_OBJECTS=1 (vitest.config.ts): shared objects are then frozen, so code
 * that changes a watch object instead of copying it fails loudly instead of corrupting what later
 * reads return.
 */
const CHECK_SHARED = process.env.LITE_CHECK_SHARED_OBJECTS === '1';

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const member of Object.values(v)) deepFreeze(member);
}

interface Entry {
  readonly bytes: Uint8Array;
  readonly object: KubeObject;
  /** The revision of the stored value the entry matched first; undefined until then. */
  revision: number | undefined;
}

export class DecodedObjects {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  /** Lookups answered from an entry / decoded from bytes (tests, benchmarks). */
  hits = 0;
  misses = 0;

  constructor(maxEntries = 2048) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  shared(kv: KeyValue): KubeObject {
    const entry = this.#match(kv);
    if (entry) return entry.object;
    const object = decodeObject(kv);
    if (CHECK_SHARED) deepFreeze(object);
    return object;
  }

  owned(kv: KeyValue): KubeObject {
    const entry = this.#match(kv);
    // The cached object is JSON-exact already: a plain deep copy is enough.
    return entry ? deepCopy(entry.object) : decodeObject(kv);
  }

  #match(kv: KeyValue): Entry | undefined {
    const entry = this.#entries.get(kv.key);
    if (!entry || (entry.revision !== undefined && entry.revision !== kv.modRevision) || !sameBytes(entry.bytes, kv.value)) {
      this.misses++;
      return undefined;
    }
    if (entry.revision === undefined) {
      entry.revision = kv.modRevision;
      entry.object.metadata.resourceVersion = String(kv.modRevision);
      if (CHECK_SHARED) deepFreeze(entry.object);
    }
    this.hits++;
    return entry;
  }

  /** Drops the entry of a deleted key. */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  remember(key: string, bytes: Uint8Array, object: KubeObject): void {
    this.#entries.delete(key);
    this.#entries.set(key, { bytes, object: jsonCopy(object) as KubeObject, revision: undefined });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * A copy of a value as JSON.parse(JSON.stringify(v)) would give it, without the text: members
 * that JSON leaves out are left out, array holes and non-finite numbers become null, toJSON is
 * honoured. The cached object must be exactly what decoding the stored bytes gives.
 */
export function jsonCopy(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const out: unknown[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const item = jsonCopy(v[i]);
          out[i] = item === undefined ? null : item;
        }
        return out;
      }
      const withToJson = v as { toJSON?: unknown };
      if (typeof withToJson.toJSON === 'function') return jsonCopy((withToJson.toJSON as () => unknown).call(v));
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const member = jsonCopy((v as Record<string, unknown>)[k]);
        if (member !== undefined) out[k] = member;
      }
      return out;
    }
    default:
      // undefined, functions, symbols: left out (bigint would make JSON.stringify throw earlier).
      return undefined;
  }
}
