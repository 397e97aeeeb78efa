/**
 * Structural defaulting of custom resources (apiextensions-apiserver
 * pkg/apiserver/schema/defaulting/algorithm.go).
 *
 * Defaults are applied when a CR is decoded: on create and update (after pruning, before
 * validation) and on every read from storage, so a default added to a CRD later shows up on old
 * objects too. Rules:
 *  - a property with a default is set when it is missing, or when it is `null` and the property is
 *    not nullable (a nullable property keeps its explicit null);
 *  - the same holds for array items and additionalProperties values that are null;
 *  - defaulting recurses into the value after it was set, so defaults nest (a defaulted object
 *    receives the defaults of its own properties);
 *  - every default is deep-copied, so objects never share structure with the schema.
 */
import { deepCopy, isJsonObject, type JsonValue } from '../object.js';
import type { SchemaNode } from './structural-schema.js';

function isNonNullableNull(x: JsonValue | undefined, s: SchemaNode | undefined): boolean {
  return x === null && s !== undefined && !s.nullable;
}

/** Applies the schema's defaults to `value` in place. */
export function applySchemaDefaults(value: JsonValue, schema: SchemaNode | undefined): void {
  if (!schema) return;
  if (isJsonObject(value)) {
    if (schema.properties) {
      for (const [k, prop] of schema.properties) {
        if (prop.default === undefined) continue;
        if (value[k] === undefined || isNonNullableNull(value[k], prop)) value[k] = deepCopy(prop.default);
      }
    }
    const ap = schema.additionalProperties?.schema;
    for (const k of Object.keys(value)) {
      const prop = schema.properties?.get(k);
      if (prop) {
        applySchemaDefaults(value[k] as JsonValue, prop);
      } else if (schema.additionalProperties) {
        if (ap && ap.default !== undefined && isNonNullableNull(value[k], ap)) value[k] = deepCopy(ap.default);
        applySchemaDefaults(value[k] as JsonValue, ap);
      }
    }
  } else if (Array.isArray(value)) {
    const items = schema.items;
    for (let i = 0; i < value.length; i++) {
      if (items && items.default !== undefined && isNonNullableNull(value[i], items)) value[i] = deepCopy(items.default);
      applySchemaDefaults(value[i], items);
    }
  }
}
