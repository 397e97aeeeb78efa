/**
 * Small, total accessors for reading loosely typed JSON (object fields beyond metadata are
 * `unknown` or JsonValue), with Go zero-value semantics: a missing or mistyped string reads as "",
 * a missing number as 0, a missing list as []. None of them throw. Structural type checks happen
 * before strategies and printers run, so these only guard against absent members.
 *
 * Two shapes of the same reads: on a value (`str(v)`, `at(v, 'spec', 'replicas')`), used where
 * values are `unknown`, and on a member of an object (`strAt(o, 'name')`), used where objects are
 * JsonObject; `opt*` variants keep "absent" (a nil pointer in Go terms) apart from the zero value.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './object.js';

export type { JsonObject, JsonValue };

export type JsonRecord = Readonly<Record<string, unknown>>;

const EMPTY: JsonRecord = Object.freeze({});

// ---- reads of a value ---------------------------------------------------------------------------

/** The value at a path of object keys, or undefined. */
export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The value as an object, or undefined. */
export function obj(v: unknown): JsonObject | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** The value as a read-only record; an empty one when it is not an object. */
export function rec(v: unknown): JsonRecord {
  return isJsonObject(v) ? v : EMPTY;
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The object items of a list value; other items are skipped. */
export function objs(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
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

/** Absent or null: an unset pointer, map or list in Go terms. */
export function isNil(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

// ---- reads of an object's member ----------------------------------------------------------------

/** The member as an object, or undefined. */
export function objAt(o: JsonObject | undefined, k: string): JsonObject | undefined {
  return obj(o?.[k]);
}

/** The member as a list (empty when absent or not a list). */
export function arrAt(o: JsonObject | undefined, k: string): unknown[] {
  return optArrAt(o, k) ?? [];
}

/** The member as a list, or undefined when absent or not a list. */
export function optArrAt(o: JsonObject | undefined, k: string): JsonValue[] | undefined {
  const v = o?.[k];
  return Array.isArray(v) ? v : undefined;
}

/** The member as a list of objects; non-object items become empty objects so indexes are kept. */
export function objsAt(o: JsonObject | undefined, k: string): JsonObject[] {
  return arrAt(o, k).map((x) => obj(x) ?? {});
}

export function strAt(o: JsonObject | undefined, k: string): string {
  return str(o?.[k]);
}

/** A pointer string (`*string` in Go): undefined when absent or null. */
export function optStrAt(o: JsonObject | undefined, k: string): string | undefined {
  const v = o?.[k];
  return typeof v === 'string' ? v : undefined;
}

export function numAt(o: JsonObject | undefined, k: string): number {
  return optNumAt(o, k) ?? 0;
}

/** A pointer number (`*int32`): undefined when absent or null. */
export function optNumAt(o: JsonObject | undefined, k: string): number | undefined {
  const v = o?.[k];
  return typeof v === 'number' ? v : undefined;
}

export function boolAt(o: JsonObject | undefined, k: string): boolean {
  return bool(o?.[k]);
}

export function optBoolAt(o: JsonObject | undefined, k: string): boolean | undefined {
  const v = o?.[k];
  return typeof v === 'boolean' ? v : undefined;
}

/** True when the member is present and not null (a non-nil pointer in Go terms). */
export function has(o: JsonObject | undefined, k: string): boolean {
  return o !== undefined && !isNil(o[k]);
}

/** A map[string]string member; non-string values are skipped. */
export function strMapAt(o: JsonObject | undefined, k: string): Record<string, string> {
  return strMap(o?.[k]);
}

/** A []string member; non-string items read as "". */
export function strListAt(o: JsonObject | undefined, k: string): string[] {
  return arrAt(o, k).map(str);
}

/** An IntOrString member: number, string, or undefined when absent. */
export function intOrStrAt(o: JsonObject | undefined, k: string): number | string | undefined {
  const v = o?.[k];
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

// ---- writes (defaulting) ------------------------------------------------------------------------

/** Returns the child object, creating it (as `{}`) when absent. */
export function ensureObj(o: JsonObject, k: string): JsonObject {
  const cur = obj(o[k]);
  if (cur) return cur;
  const fresh: JsonObject = {};
  o[k] = fresh;
  return fresh;
}

/** Sets `o[k] = v` when the member is absent, null or (for strings) empty — Go's "unset" test. */
export function setDefault(o: JsonObject, k: string, v: JsonValue): void {
  const cur = o[k];
  if (cur === undefined || cur === null || cur === '') o[k] = v;
}

// ---- strings ------------------------------------------------------------------------------------

/** Byte length as Go's len(string) counts it (UTF-8). */
export function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
