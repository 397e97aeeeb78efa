/**
 * JSON patch (RFC 6902), with the semantics of the library kube-apiserver 1.32 uses
 * (gopkg.in/evanphx/json-patch.v4 v4.12.0) rather than the letter of the RFC where they differ:
 *  - `replace` of a missing member of an existing object adds it (only a missing parent, or an
 *    array index out of range, fails)
 *  - negative array indices count from the end
 *  - `test` of a missing or null member succeeds when the expected value is null
 *  - `copy` from a missing object member writes null
 *  - `add`/`remove` at the root path fail; `replace` at the root replaces the document
 *
 * Status codes follow apiserver's patch handler: a body that does not decode as a patch is 400
 * BadRequest; more than 10000 operations is 413; any failure while applying is 422 Invalid with the
 * generic message "the server rejected our request due to an error in our request" (the library's
 * reason is not shown to clients; it is kept as the error's `cause`).
 */
import { ApiError } from '../errors.js';
import { goJsonKind } from '../go/go-format.js';
import { deepCopy, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../object.js';
import { setMember } from './json-util.js';

export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** The 422 kube-apiserver answers for a JSON patch that cannot be applied. */
export function jsonPatchApplyError(reason: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}, { cause: new Error(reason) });
}

/** Applies an RFC 6902 patch to a copy of `doc`; `doc` and `patch` are not modified. */
export function applyJsonPatch(doc: JsonValue, patch: unknown): JsonValue {
  const ops = decodePatch(patch);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw ApiError.requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  const state = { doc: deepCopy(doc) };
  for (const op of ops) {
    const failure = applyOperation(state, op);
    if (failure !== undefined) throw jsonPatchApplyError(failure);
  }
  return state.doc;
}

type Operation = JsonObject | null;

function decodePatch(patch: unknown): Operation[] {
  // Go decodes `null` into a nil patch: nothing to do.
  if (patch === null || patch === undefined) return [];
  if (!Array.isArray(patch)) throw ApiError.badRequest(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type jsonpatch.Patch`);
  for (const op of patch) {
    if (op !== null && !isJsonObject(op)) throw ApiError.badRequest(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
  }
  return patch as Operation[];
}

type Container = JsonObject | JsonValue[];

interface Located {
  readonly con: Container;
  readonly key: string;
}

function stringMember(op: Operation, name: string): string | undefined {
  const v = op?.[name];
  return typeof v === 'string' ? v : undefined;
}

function opValue(op: Operation): JsonValue {
  const v = op?.value;
  return v === undefined ? null : deepCopy(v);
}

function hasValue(op: Operation): boolean {
  return op !== null && op.value !== undefined;
}

/** Returns a failure reason, or undefined when the operation applied. */
function applyOperation(state: { doc: JsonValue }, op: Operation): string | undefined {
  const kind = stringMember(op, 'op') ?? 'unknown';
  switch (kind) {
    case 'add': {
      const path = stringMember(op, 'path');
      if (path === undefined) return 'add operation failed to decode path';
      const at = findObject(state.doc, path);
      if (!at) return `add operation does not apply: doc is missing path: "${path}"`;
      return add(at, opValue(op));
    }
    case 'remove': {
      const path = stringMember(op, 'path');
      if (path === undefined) return 'remove operation failed to decode path';
      const at = findObject(state.doc, path);
      if (!at) return `remove operation does not apply: doc is missing path: "${path}"`;
      return remove(at);
    }
    case 'replace': {
      const path = stringMember(op, 'path');
      if (path === undefined) return 'replace operation failed to decode path';
      if (path === '') {
        const v = opValue(op);
        if (v === null || typeof v !== 'object') return 'replace operation value must be object or array';
        state.doc = v;
        return undefined;
      }
      const at = findObject(state.doc, path);
      if (!at) return `replace operation does not apply: doc is missing path: ${path}`;
      const got = get(at);
      if (got.error) return `replace operation does not apply: doc is missing key: ${path}`;
      return set(at, opValue(op));
    }
    case 'move': {
      const from = stringMember(op, 'from');
      if (from === undefined) return 'move operation failed to decode from';
      const src = findObject(state.doc, from);
      if (!src) return `move operation does not apply: doc is missing from path: ${from}`;
      const got = get(src);
      if (got.error) return `error in move for path: '${src.key}'`;
      const removed = remove(src);
      if (removed) return removed;
      const path = stringMember(op, 'path');
      if (path === undefined) return 'move operation failed to decode path';
      const dst = findObject(state.doc, path);
      if (!dst) return `move operation does not apply: doc is missing destination path: ${path}`;
      return add(dst, got.value ?? null);
    }
    case 'copy': {
      const from = stringMember(op, 'from');
      if (from === undefined) return 'copy operation failed to decode from';
      const src = findObject(state.doc, from);
      if (!src) return `copy operation does not apply: doc is missing from path: ${from}`;
      const got = get(src);
      if (got.error) return `error in copy for from: '${from}'`;
      const path = stringMember(op, 'path');
      if (path === undefined) return 'copy operation failed to decode path';
      const dst = findObject(state.doc, path);
      if (!dst) return `copy operation does not apply: doc is missing destination path: ${path}`;
      return add(dst, got.value === undefined ? null : deepCopy(got.value));
    }
    case 'test': {
      const path = stringMember(op, 'path');
      if (path === undefined) return 'test operation failed to decode path';
      if (path === '') return jsonEqual(state.doc, opValue(op)) ? undefined : `testing value ${path} failed`;
      const at = findObject(state.doc, path);
      if (!at) return `test operation does not apply: is missing path: ${path}`;
      const got = get(at);
      if (got.error) return `error in test for path: '${path}'`;
      if (got.value === undefined || got.value === null) {
        return hasValue(op) && op?.value === null ? undefined : `testing value ${path} failed`;
      }
      if (!hasValue(op)) return `testing value ${path} failed`;
      return jsonEqual(got.value, op?.value) ? undefined : `testing value ${path} failed`;
    }
    default:
      return `Unexpected kind: ${kind}`;
  }
}

function decodeKey(k: string): string {
  return k.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * The container holding the last segment of `path`, like the library's findObject: the first
 * segment (before the first '/') is ignored, intermediate members must be objects or arrays.
 */
function findObject(doc: JsonValue, path: string): Located | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  if (doc === null || typeof doc !== 'object') return undefined;
  let con: Container = doc;
  for (const part of split.slice(1, -1)) {
    const next = get({ con, key: decodeKey(part) });
    if (next.error || next.value === undefined || next.value === null || typeof next.value !== 'object') return undefined;
    con = next.value;
  }
  return { con, key: decodeKey(split[split.length - 1]) };
}

/** Go's strconv.Atoi. */
function atoi(key: string): number | undefined {
  if (!/^[+-]?\d+$/.test(key)) return undefined;
  const n = Number(key);
  return Number.isSafeInteger(n) ? n : undefined;
}

function get(at: Located): { value?: JsonValue; error?: true } {
  if (!Array.isArray(at.con)) {
    return Object.hasOwn(at.con, at.key) ? { value: at.con[at.key] as JsonValue } : {};
  }
  let idx = atoi(at.key);
  if (idx === undefined) return { error: true };
  if (idx < 0) {
    if (idx < -at.con.length) return { error: true };
    idx += at.con.length;
  }
  if (idx >= at.con.length) return { error: true };
  return { value: at.con[idx] };
}

function set(at: Located, value: JsonValue): string | undefined {
  if (!Array.isArray(at.con)) {
    setMember(at.con, at.key, value);
    return undefined;
  }
  let idx = atoi(at.key);
  if (idx === undefined) return `error in replace for path: '${at.key}'`;
  if (idx < 0) idx += at.con.length;
  at.con[idx] = value;
  return undefined;
}

function add(at: Located, value: JsonValue): string | undefined {
  if (!Array.isArray(at.con)) {
    setMember(at.con, at.key, value);
    return undefined;
  }
  if (at.key === '-') {
    at.con.push(value);
    return undefined;
  }
  let idx = atoi(at.key);
  if (idx === undefined) return `value was not a proper array index: '${at.key}'`;
  const size = at.con.length + 1;
  if (idx >= size) return `Unable to access invalid index: ${idx}`;
  if (idx < 0) {
    if (idx < -size) return `Unable to access invalid index: ${idx}`;
    idx += size;
  }
  at.con.splice(idx, 0, value);
  return undefined;
}

function remove(at: Located): string | undefined {
  if (!Array.isArray(at.con)) {
    if (!Object.hasOwn(at.con, at.key)) return `Unable to remove nonexistent key: ${at.key}`;
    delete at.con[at.key];
    return undefined;
  }
  let idx = atoi(at.key);
  if (idx === undefined) return `value was not a proper array index: '${at.key}'`;
  if (idx >= at.con.length) return `Unable to access invalid index: ${idx}`;
  if (idx < 0) {
    if (idx < -at.con.length) return `Unable to access invalid index: ${idx}`;
    idx += at.con.length;
  }
  at.con.splice(idx, 1);
  return undefined;
}
