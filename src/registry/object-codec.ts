/**
 * How objects are kept in storage: JSON of the object without `metadata.resourceVersion`, which
 * is always derived from the key's modRevision on the way out (so it can never disagree with
 * the store).
 */
import type { KubeObject } from '../api/object.js';
import type { KeyValue } from '../storage/backend.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeObject(obj: KubeObject): Uint8Array {
  const rv = obj.metadata.resourceVersion;
  if (rv === undefined) return encoder.encode(JSON.stringify(obj));
  delete obj.metadata.resourceVersion;
  try {
    return encoder.encode(JSON.stringify(obj));
  } finally {
    obj.metadata.resourceVersion = rv;
  }
}

/** A fresh, caller-owned object for a stored key value. */
export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

/** Parses a resourceVersion string; throws on junk so callers can answer 400. */
export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw new RangeError(`invalid resource version "${rv}"`);
  const n = Number(rv);
  if (!Number.isSafeInteger(n)) throw new RangeError(`invalid resource version "${rv}"`);
  return n;
}
