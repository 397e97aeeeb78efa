/**
 * JSON merge patch (RFC 7386) with the behaviour of the library kube-apiserver uses
 * (evanphx/json-patch v4 MergePatch):
 *  - a patch that is not an object or array (including `null`) is refused: 400 "Invalid JSON Patch"
 *  - an array patch replaces the document (nulls inside objects of it are pruned)
 *  - `null` members delete; members absent from the document are added with their nulls pruned
 *  - an object merged onto a non-object replaces it (nulls pruned); a non-object replaces anything
 */
import { ApiError } from '../errors.js';
import { deepCopy, isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { getMember, setMember } from './json-util.js';

/** Applies an RFC 7386 merge patch to a copy of `doc`; inputs are not modified. */
export function applyMergePatch(doc: JsonValue, patch: unknown): JsonValue {
  if (patch === null || patch === undefined || typeof patch !== 'object') throw ApiError.badRequest('Invalid JSON Patch');
  const p = deepCopy(patch) as JsonValue;
  if (Array.isArray(p)) {
    pruneArrayNulls(p);
    return p;
  }
  if (!isJsonObject(doc)) {
    // The document is not an object: the patch becomes the document.
    pruneObjectNulls(p as JsonObject);
    return p;
  }
  const out = deepCopy(doc);
  mergeObjects(out, p as JsonObject);
  return out;
}

function mergeObjects(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = getMember(doc, k);
    if (cur === undefined || cur === null) {
      pruneNulls(v);
      setMember(doc, k, v);
      continue;
    }
    setMember(doc, k, mergeValue(cur, v));
  }
}

function mergeValue(cur: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(cur)) {
    pruneNulls(patch);
    return patch;
  }
  if (!isJsonObject(patch)) return patch;
  mergeObjects(cur, patch);
  return cur;
}

function pruneNulls(v: JsonValue): void {
  if (Array.isArray(v)) pruneArrayNulls(v);
  else if (isJsonObject(v)) pruneObjectNulls(v);
}

function pruneObjectNulls(o: JsonObject): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === null) delete o[k];
    else if (v !== undefined) pruneNulls(v);
  }
}

/** Null items of arrays are kept; objects inside are pruned. */
function pruneArrayNulls(a: JsonValue[]): void {
  for (const v of a) if (v !== null) pruneNulls(v);
}
