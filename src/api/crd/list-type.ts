/**
 * Uniqueness of `x-kubernetes-list-type: set` and `map` lists (apiextensions-apiserver
 * pkg/apiserver/schema/listtype): a set may not hold the same value twice, a map-list may not hold
 * two items with the same key fields. Each repeated element is reported once, at the index of its
 * first repetition, as `Duplicate value`.
 */
import type { FieldError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { child, index, key } from '../validation/field-errors.js';
import type { SchemaNode } from './structural-schema.js';

/** Validates the lists inside the object `obj` (a resource or a status), rendered under `path`. */
export function validateListSetsAndMaps(obj: JsonObject, schema: SchemaNode | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objectLists(obj, schema, path, errs);
  return errs;
}

function objectLists(obj: JsonObject, s: SchemaNode | undefined, path: string, errs: FieldError[]): void {
  if (!s) return;
  const apSchema = s.additionalProperties?.schema;
  if (apSchema) for (const [k, v] of Object.entries(obj)) if (v !== undefined) valueLists(v, apSchema, key(path, k), errs);
  if (s.properties) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = s.properties.get(k);
      if (sub && v !== undefined) valueLists(v, sub, child(path, k), errs);
    }
  }
}

function valueLists(v: JsonValue, s: SchemaNode, path: string, errs: FieldError[]): void {
  if (Array.isArray(v)) arrayLists(v, s, path, errs);
  else if (isJsonObject(v)) objectLists(v, s, path, errs);
}

function arrayLists(list: JsonValue[], s: SchemaNode, path: string, errs: FieldError[]): void {
  if (s.xListType === 'set') {
    for (const i of repeatedIndices(list)) errs.push({ type: 'FieldValueDuplicate', field: index(path, i), value: list[i] });
  } else if (s.xListType === 'map') {
    errs.push(...mapListErrors(list, s.xListMapKeys, path));
  }
  if (s.items) list.forEach((item, i) => valueLists(item, s.items as SchemaNode, index(path, i), errs));
}

/** Indices where a value occurs for the second time (later repetitions are not reported again). */
function repeatedIndices(list: readonly JsonValue[]): number[] {
  if (list.length <= 1) return [];
  const seen = new Map<string, number>();
  const out: number[] = [];
  list.forEach((x, i) => {
    const k = canonical(x);
    const times = seen.get(k) ?? 0;
    if (times === 1) out.push(i);
    seen.set(k, times + 1);
  });
  return out;
}

/** Key-order-independent text of a JSON value, as Go's json.Marshal of a map sorts keys. */
function canonical(v: JsonValue | undefined): string {
  if (v === undefined) return '\u0000unset';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
}

function mapListErrors(list: JsonValue[], mapKeys: readonly string[], path: string): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && !isJsonObject(x)) return [{ type: 'FieldValueInvalid', field: index(path, i), value: x, detail: 'must be an object for an array of list-type map' }];
  }
  if (list.length <= 1) return [];
  const keyOf = (x: JsonValue): JsonObject => {
    const k: JsonObject = {};
    if (isJsonObject(x)) for (const f of mapKeys) if (x[f] !== undefined) k[f] = x[f];
    return k;
  };
  if (mapKeys.length === 1) {
    const f = mapKeys[0];
    const keys = list.map((x) => (isJsonObject(x) ? x[f] : undefined));
    const seen = new Map<string, number>();
    const errs: FieldError[] = [];
    keys.forEach((k, i) => {
      const c = canonical(k);
      const times = seen.get(c) ?? 0;
      if (times === 1) errs.push({ type: 'FieldValueDuplicate', field: index(path, i), value: k === undefined ? {} : { [f]: k } });
      seen.set(c, times + 1);
    });
    return errs;
  }
  const keys = list.map(keyOf);
  return repeatedIndices(keys).map((i) => ({ type: 'FieldValueDuplicate' as const, field: index(path, i), value: keys[i] }));
}
