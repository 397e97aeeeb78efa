/**
 * Typed reads of untyped JSON objects, with Go zero-value semantics: a missing or mistyped string
 * reads as "", a missing number as 0, a missing list as []. Structural type checks happen before
 * strategies run, so these accessors only guard against absent members; they never throw.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';

export type { JsonObject, JsonValue };

export function obj(v: unknown): JsonObject | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** The member as an object, or undefined. */
export function objAt(o: JsonObject | undefined, k: string): JsonObject | undefined {
  return o ? obj(o[k]) : undefined;
}

/** The member as a list (empty when absent or not a list). */
export function arrAt(o: JsonObject | undefined, k: string): unknown[] {
  const v = o?.[k];
  return Array.isArray(v) ? v : [];
}

/** The member as a list of objects; non-object items become empty objects so indexes are kept. */
export function objsAt(o: JsonObject | undefined, k: string): JsonObject[] {
  return arrAt(o, k).map((x) => obj(x) ?? {});
}

export function strAt(o: JsonObject | undefined, k: string): string {
  const v = o?.[k];
  return typeof v === 'string' ? v : '';
}

/** A pointer string (`*string` in Go): undefined when absent or null. */
export function optStrAt(o: JsonObject | undefined, k: string): string | undefined {
  const v = o?.[k];
  return typeof v === 'string' ? v : undefined;
}

export function numAt(o: JsonObject | undefined, k: string): number {
  const v = o?.[k];
  return typeof v === 'number' ? v : 0;
}

/** A pointer number (`*int32`): undefined when absent or null. */
export function optNumAt(o: JsonObject | undefined, k: string): number | undefined {
  const v = o?.[k];
  return typeof v === 'number' ? v : undefined;
}

export function boolAt(o: JsonObject | undefined, k: string): boolean {
  return o?.[k] === true;
}

export function optBoolAt(o: JsonObject | undefined, k: string): boolean | undefined {
  const v = o?.[k];
  return typeof v === 'boolean' ? v : undefined;
}

/** True when the member is present and not null (a non-nil pointer in Go terms). */
export function has(o: JsonObject | undefined, k: string): boolean {
  return o !== undefined && o[k] !== undefined && o[k] !== null;
}

/** A map[string]string member; non-string values are skipped. */
export function strMapAt(o: JsonObject | undefined, k: string): Record<string, string> {
  const m = obj(o?.[k]);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const [mk, mv] of Object.entries(m)) if (typeof mv === 'string') out[mk] = mv;
  return out;
}

/** A []string member; non-string items read as "". */
export function strListAt(o: JsonObject | undefined, k: string): string[] {
  return arrAt(o, k).map((x) => (typeof x === 'string' ? x : ''));
}

/** Returns the child object, creating it (as `{}`) when absent. For defaulting code. */
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

/** An IntOrString member: number, string, or undefined when absent. */
export function intOrStrAt(o: JsonObject | undefined, k: string): number | string | undefined {
  const v = o?.[k];
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** Byte length as Go's len(string) counts it (UTF-8). */
export function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
