/**
 * Brings a built-in object to the form kube-apiserver stores after decoding it into Go structs
 * and encoding it again:
 *  - members the type does not declare are dropped (Strict validation reports them before this
 *    runs; here they are just removed) — only when `prune` is set;
 *  - empty or null maps and lists are dropped unless the field has no `omitempty` (Go's encoder
 *    omits them), so e.g. removing the last label leaves no `labels: {}` behind.
 */
import { isJsonObject } from '../object.js';
import type { TypeDef, TypeRef } from './dsl.js';
import type { SchemaRegistry } from './registry.js';

type Obj = Record<string, unknown>;

export function pruneUnknownFields(obj: unknown, typeName: string, registry: SchemaRegistry): void {
  normalizeObject(obj, typeName, registry, { prune: true });
}

export function normalizeObject(obj: unknown, typeName: string, registry: SchemaRegistry, options: { prune: boolean }): void {
  if (isJsonObject(obj)) new Walk(registry, options.prune).struct(obj, registry.get(typeName));
}

class Walk {
  readonly #registry: SchemaRegistry;
  readonly #prune: boolean;

  constructor(registry: SchemaRegistry, prune: boolean) {
    this.#registry = registry;
    this.#prune = prune;
  }

  struct(obj: Obj, def: TypeDef): void {
    if (def.listWrapper) return;
    for (const key of Object.keys(obj)) {
      if (def.gvk?.length && (key === 'apiVersion' || key === 'kind')) continue;
      const field = this.#registry.field(def.name, key);
      if (!field) {
        if (this.#prune) delete obj[key];
        continue;
      }
      const value = obj[key];
      if ((field.type.t === 'list' || field.type.t === 'map') && !field.noOmitEmpty && isEmptyCollection(value)) {
        delete obj[key];
        continue;
      }
      this.value(value, field.type);
    }
  }

  value(value: unknown, type: TypeRef): void {
    switch (type.t) {
      case 'ref':
        if (isJsonObject(value)) this.struct(value, this.#registry.get(type.name));
        else if (Array.isArray(value)) {
          // A list-wrapper type appears as a plain array in JSON.
          const def = this.#registry.get(type.name);
          if (def.listWrapper && def.fields[0]) this.value(value, def.fields[0].type);
        }
        return;
      case 'list':
        if (Array.isArray(value)) for (const item of value) this.value(item, type.items);
        return;
      case 'map':
        if (isJsonObject(value)) for (const v of Object.values(value)) this.value(v, type.values);
        return;
      default:
        return;
    }
  }
}

function isEmptyCollection(v: unknown): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isJsonObject(v) && Object.keys(v).length === 0;
}
