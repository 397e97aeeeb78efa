/**
 * PatchSchema adapter for lite's type DSL (built-in kinds).
 *
 * Mapping, as kube-openapi turns Go types into structured-merge-diff schemas:
 *  - TypeDef → struct (atomic with `structType: 'atomic'`) of its JSON fields (inline structs
 *    flattened); a `listWrapper` TypeDef is its list; top-level kinds also get `apiVersion` and
 *    `kind`, which the DSL leaves implicit
 *  - list field → `listType` when given; otherwise a `patchStrategy` containing merge makes it a
 *    map keyed by `patchMergeKey` (a set when there is no key), and anything else is atomic
 *  - map field → granular map unless `mapType: 'atomic'`
 *  - special types are scalars, except RawExtension and JSON, which are untyped (deduced)
 */
import type { JsonValue } from '../object.js';
import type { FieldDef, TypeDef, TypeRef } from '../schema/dsl.js';
import type { SchemaRegistry } from '../schema/registry.js';
import { atomicUntypedSchema, deducedSchema, scalarSchema, type FieldSchema, type ListSchema, type MapSchema, type PatchSchemaNode, type StructSchema } from './schema.js';

/**
 * Upstream `+default` markers on list-map key fields (the only defaults SSA looks at): an applied
 * port without a protocol is the same list entry as the live one defaulted to TCP.
 */
export const BUILTIN_KEY_DEFAULTS: Readonly<Record<string, JsonValue>> = {
  'io.k8s.api.core.v1.ContainerPort.protocol': 'TCP',
  'io.k8s.api.core.v1.ServicePort.protocol': 'TCP',
};

export interface RegistrySchemaOptions {
  /** Field defaults by `<TypeDef name>.<field>`; defaults to BUILTIN_KEY_DEFAULTS. */
  readonly defaults?: Readonly<Record<string, JsonValue>>;
}

/**
 * The schema of TypeDef `typeName` and everything it references. Struct nodes are built lazily
 * and memoised per call, so build one schema per resource and keep it.
 */
export function schemaFromRegistry(registry: SchemaRegistry, typeName: string, options: RegistrySchemaOptions = {}): PatchSchemaNode {
  const builder = new RegistrySchemaBuilder(registry, options.defaults ?? BUILTIN_KEY_DEFAULTS);
  return builder.typeNode(typeName, true);
}

const TYPE_META_FIELD: FieldSchema = Object.freeze({ node: scalarSchema('string') });

class RegistrySchemaBuilder {
  readonly #registry: SchemaRegistry;
  readonly #defaults: Readonly<Record<string, JsonValue>>;
  readonly #structs = new Map<string, PatchSchemaNode>();

  constructor(registry: SchemaRegistry, defaults: Readonly<Record<string, JsonValue>>) {
    this.#registry = registry;
    this.#defaults = defaults;
  }

  typeNode(typeName: string, topLevel = false): PatchSchemaNode {
    const key = topLevel ? `${typeName}#top` : typeName;
    const cached = this.#structs.get(key);
    if (cached) return cached;
    const def = this.#registry.get(typeName);
    let node: PatchSchemaNode;
    if (def.listWrapper && def.fields.length === 1) {
      node = this.#fieldSchema(def, def.fields[0]).node;
    } else {
      node = this.#structNode(def, topLevel || def.gvk !== undefined);
    }
    this.#structs.set(key, node);
    return node;
  }

  #structNode(def: TypeDef, addTypeMeta: boolean): StructSchema {
    let fields: Map<string, FieldSchema> | undefined;
    const resolve = (): Map<string, FieldSchema> => {
      if (fields) return fields;
      fields = new Map();
      if (addTypeMeta) {
        fields.set('apiVersion', TYPE_META_FIELD);
        fields.set('kind', TYPE_META_FIELD);
      }
      for (const f of this.#registry.jsonFields(def.name)) fields.set(f.name, this.#fieldSchema(def, f));
      return fields;
    };
    return {
      kind: 'struct',
      name: def.name,
      atomic: def.structType === 'atomic',
      field: (name) => resolve().get(name),
    };
  }

  #fieldSchema(owner: TypeDef, f: FieldDef): FieldSchema {
    const strategies = f.patchStrategy ? f.patchStrategy.split(',') : [];
    const retainKeys = strategies.includes('retainKeys');
    const other = strategies.find((s) => s !== 'retainKeys');
    const node = this.#refNode(f.type, f, owner);
    const out: {
      node: PatchSchemaNode;
      patchStrategy?: 'merge' | 'replace';
      retainKeys?: boolean;
      patchMergeKey?: string;
      default?: JsonValue;
      implicit?: 'emptyObject' | 'null';
    } = { node };
    if (other === 'merge' || other === 'replace') out.patchStrategy = other;
    if (retainKeys) out.retainKeys = true;
    if (f.patchMergeKey) out.patchMergeKey = f.patchMergeKey;
    const dflt = this.#defaults[`${owner.name}.${f.name}`];
    if (dflt !== undefined) out.default = dflt;
    const implicit = this.#implicit(f);
    if (implicit) out.implicit = implicit;
    return out;
  }

  /** How Go's typed object presents the field when unset (see FieldSchema.implicit). */
  #implicit(f: FieldDef): 'emptyObject' | 'null' | undefined {
    const t = f.type;
    if (t.t === 'ref') {
      const def = this.#registry.has(t.name) ? this.#registry.get(t.name) : undefined;
      if (def?.listWrapper) return f.noOmitEmpty ? 'null' : undefined;
      if (!f.pointer) return 'emptyObject';
      return f.noOmitEmpty ? 'null' : undefined;
    }
    if (t.t === 'list' || t.t === 'map') return f.noOmitEmpty ? 'null' : undefined;
    // metav1.Time is a struct: never omitted, and null when zero.
    if (t.t === 'special' && (t.special === 'Time' || t.special === 'MicroTime') && !f.pointer) return 'null';
    return undefined;
  }

  #refNode(t: TypeRef, f: FieldDef | undefined, owner: TypeDef): PatchSchemaNode {
    switch (t.t) {
      case 'scalar':
        return scalarSchema(t.scalar === 'boolean' ? 'boolean' : t.scalar === 'string' || t.scalar === 'bytes' ? 'string' : 'numeric');
      case 'special':
        switch (t.special) {
          case 'RawExtension':
          case 'JSON':
            return deducedSchema();
          case 'FieldsV1':
            return atomicUntypedSchema();
          case 'Time':
          case 'MicroTime':
          case 'Duration':
            return scalarSchema('string');
          default:
            return scalarSchema('untyped');
        }
      case 'ref':
        return this.typeNode(t.name);
      case 'map': {
        const node: MapSchema = {
          kind: 'map',
          name: `map[string]${typeRefName(t.values)}`,
          atomic: f?.mapType === 'atomic',
          values: { node: this.#refNode(t.values, undefined, owner) },
        };
        return node;
      }
      case 'list': {
        const strategies = f?.patchStrategy ? f.patchStrategy.split(',') : [];
        let listType: ListSchema['listType'] = 'atomic';
        let keys: readonly string[] = [];
        if (f?.listType) {
          listType = f.listType;
          if (listType === 'map') keys = f.listMapKeys ?? (f.patchMergeKey ? [f.patchMergeKey] : []);
        } else if (strategies.includes('merge')) {
          if (f?.patchMergeKey) {
            listType = 'map';
            keys = [f.patchMergeKey];
          } else {
            listType = 'set';
          }
        }
        const itemNode = this.#refNode(t.items, undefined, owner);
        const node: ListSchema = { kind: 'list', name: `[]${typeRefName(t.items)}`, listType, keys, items: { node: itemNode } };
        return node;
      }
    }
  }
}

function typeRefName(t: TypeRef): string {
  switch (t.t) {
    case 'scalar':
      return t.scalar;
    case 'special':
      return t.special;
    case 'ref':
      return t.name.slice(t.name.lastIndexOf('.') + 1);
    case 'list':
      return `[]${typeRefName(t.items)}`;
    case 'map':
      return `map[string]${typeRefName(t.values)}`;
  }
}
