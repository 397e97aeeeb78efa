import type { FieldDef, GVK, TypeDef, TypeRef } from './dsl.js';

/**
 * All known TypeDefs by name, with indexes used on hot paths (field lookup by JSON name and by
 * proto number, kind → type). Built once per process from the built-in definitions; CRD schemas
 * are not TypeDefs (they are served from their own JSON schema).
 */
export class SchemaRegistry {
  readonly #types = new Map<string, TypeDef>();
  /** Flattened (inline-aware) JSON fields, computed on first use since types arrive in any order. */
  readonly #byJsonName = new Map<string, Map<string, FieldDef>>();
  readonly #byProto = new Map<string, Map<number, FieldDef>>();
  readonly #byGvk = new Map<string, TypeDef>();

  constructor(defs: Iterable<TypeDef> = []) {
    for (const d of defs) this.add(d);
  }

  add(def: TypeDef): void {
    if (this.#types.has(def.name)) throw new Error(`schema: type ${def.name} defined twice`);
    this.#types.set(def.name, def);
    this.#byProto.set(def.name, new Map(def.fields.map((f) => [f.proto, f])));
    for (const g of def.gvk ?? []) this.#byGvk.set(gvkKey(g), def);
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  /** The type, or throws: a dangling reference is a bug in the definitions. */
  get(name: string): TypeDef {
    const t = this.#types.get(name);
    if (!t) throw new Error(`schema: unknown type ${name}`);
    return t;
  }

  /** The field a JSON member name refers to, looking through inline (embedded) structs. */
  field(typeName: string, jsonName: string): FieldDef | undefined {
    return this.#jsonIndex(typeName).get(jsonName);
  }

  /**
   * The fields of a type as they appear in JSON: inline fields are replaced by the fields of
   * their (recursively flattened) struct, in order.
   */
  jsonFields(typeName: string): FieldDef[] {
    return [...this.#jsonIndex(typeName).values()];
  }

  #jsonIndex(typeName: string): Map<string, FieldDef> {
    let index = this.#byJsonName.get(typeName);
    if (index) return index;
    index = new Map();
    const def = this.get(typeName);
    for (const f of def.fields) {
      if (f.inline) {
        if (f.type.t !== 'ref') throw new Error(`schema: inline field ${typeName}.${f.name} must reference a struct`);
        for (const inner of this.jsonFields(f.type.name)) index.set(inner.name, inner);
      } else index.set(f.name, f);
    }
    this.#byJsonName.set(typeName, index);
    return index;
  }

  fieldByProto(typeName: string, proto: number): FieldDef | undefined {
    return this.#byProto.get(typeName)?.get(proto);
  }

  byGvk(gvk: GVK): TypeDef | undefined {
    return this.#byGvk.get(gvkKey(gvk));
  }

  types(): IterableIterator<TypeDef> {
    return this.#types.values();
  }

  /** Every reference in every type resolves; returns the dangling ones (for tests). */
  danglingReferences(): string[] {
    const missing: string[] = [];
    const visit = (owner: string, t: TypeRef) => {
      if (t.t === 'ref' && !this.#types.has(t.name)) missing.push(`${owner} → ${t.name}`);
      else if (t.t === 'list') visit(owner, t.items);
      else if (t.t === 'map') visit(owner, t.values);
    };
    for (const def of this.#types.values()) for (const f of def.fields) visit(`${def.name}.${f.name}`, f.type);
    return missing;
  }
}

function gvkKey(g: GVK): string {
  return `${g.group}/${g.version}/${g.kind}`;
}
