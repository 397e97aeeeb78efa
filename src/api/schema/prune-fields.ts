/**
 * Drops JSON members a built-in type does not declare, as decoding into a Go struct does
 * upstream (unknown fields of built-in kinds are never stored). Strict validation reports them
 * before this runs (strict-fields.ts); here they are just removed.
 */
import { isJsonObject } from '../object.js';
import type { TypeDef, TypeRef } from './dsl.js';
import type { SchemaRegistry } from './registry.js';

type Obj = Record<string, unknown>;

export function pruneUnknownFields(obj: unknown, typeName: string, registry: SchemaRegistry): void {
  if (isJsonObject(obj)) pruneStruct(obj, registry.get(typeName), registry);
}

function pruneStruct(obj: Obj, def: TypeDef, registry: SchemaRegistry): void {
  if (def.listWrapper) return;
  for (const key of Object.keys(obj)) {
    if (def.gvk?.length && (key === 'apiVersion' || key === 'kind')) continue;
    const field = registry.field(def.name, key);
    if (!field) {
      delete obj[key];
      continue;
    }
    pruneValue(obj[key], field.type, registry);
  }
}

function pruneValue(value: unknown, type: TypeRef, registry: SchemaRegistry): void {
  switch (type.t) {
    case 'ref':
      if (isJsonObject(value)) pruneStruct(value, registry.get(type.name), registry);
      else if (Array.isArray(value)) {
        // A list-wrapper type appears as a plain array in JSON.
        const def = registry.get(type.name);
        if (def.listWrapper && def.fields[0]) pruneValue(value, def.fields[0].type, registry);
      }
      return;
    case 'list':
      if (Array.isArray(value)) for (const item of value) pruneValue(item, type.items, registry);
      return;
    case 'map':
      if (isJsonObject(value)) for (const v of Object.values(value)) pruneValue(v, type.values, registry);
      return;
    default:
      return;
  }
}
