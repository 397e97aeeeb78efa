/**
 * Small, total accessors for reading loosely typed JSON objects (KubeObject fields are
 * `unknown` beyond metadata). None of them throw; a missing or mistyped value reads as the
 * zero value, which is what upstream's typed structs would hold after decoding.
 */

export type JsonRecord = Readonly<Record<string, unknown>>;

const EMPTY: JsonRecord = Object.freeze({});

/** The value at a path of object keys, or undefined. */
export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

export function rec(v: unknown): JsonRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonRecord) : EMPTY;
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An integer field (int32/int64 in Go); non-numbers read as 0. */
export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function bool(v: unknown): boolean {
  return v === true;
}

/** A map[string]string field; non-string members are dropped. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v))) if (typeof x === 'string') out[k] = x;
  return out;
}
