/**
 * The schema view shared by the strategic-merge-patch engine and server-side apply.
 *
 * A node says how a value at some position of an object is merged and how field ownership is
 * tracked below it:
 *  - struct   known fields (each with its own FieldSchema); may be atomic (`+structType=atomic`)
 *  - map      string keys, values of one type; granular unless `+mapType=atomic`
 *  - list     atomic (replaced wholesale), set (primitive items as a set) or map (items keyed by
 *             listMapKeys); SMP's patchStrategy/patchMergeKey live on the FieldSchema of the field
 *             holding the list, because they are struct tags of that field upstream
 *  - scalar   a leaf
 *  - untyped  any JSON; `granular` = the "deduced" schema server-side apply uses for unstructured
 *             data (maps merged key by key, lists atomic), otherwise everything atomic
 *
 * Adapters build nodes from lite's type DSL (schema-from-registry.ts) and from CRD OpenAPI
 * schemas (schema-from-openapi.ts). Nodes may be shared and are immutable once built.
 */
import type { JsonValue } from '../object.js';

export type PatchSchemaNode = StructSchema | MapSchema | ListSchema | ScalarSchema | UntypedSchema;

export interface StructSchema {
  readonly kind: 'struct';
  /** The type name, for messages. */
  readonly name: string;
  /** Replaced as a whole by SSA (`+structType=atomic`). */
  readonly atomic: boolean;
  /** The declared field, or undefined. */
  field(name: string): FieldSchema | undefined;
  /**
   * How fields that are not declared are treated. Undefined: the struct is closed, undeclared
   * fields are an error in an applied configuration (upstream: "field not declared in schema").
   */
  readonly unknownFields?: FieldSchema;
}

export interface MapSchema {
  readonly kind: 'map';
  readonly name: string;
  readonly atomic: boolean;
  readonly values: FieldSchema;
}

export interface ListSchema {
  readonly kind: 'list';
  readonly name: string;
  /** Server-side apply semantics (`+listType`). */
  readonly listType: 'atomic' | 'set' | 'map';
  /** `+listMapKey`s when listType is 'map'. */
  readonly keys: readonly string[];
  readonly items: FieldSchema;
}

export interface ScalarSchema {
  readonly kind: 'scalar';
  readonly name: string;
  /** The JSON kind an applied configuration must use; 'untyped' accepts any scalar (IntOrString, Quantity). */
  readonly scalarType: 'string' | 'numeric' | 'boolean' | 'untyped';
}

export interface UntypedSchema {
  readonly kind: 'untyped';
  readonly name: string;
  /** Maps are merged and owned key by key (SSA's deduced type); lists are always atomic. */
  readonly granular: boolean;
}

/** A node as seen from the field (or map value, or list item) that holds it. */
export interface FieldSchema {
  readonly node: PatchSchemaNode;
  /** SMP patch strategy without retainKeys: 'merge' merges lists, 'replace' replaces maps/lists. */
  readonly patchStrategy?: 'merge' | 'replace';
  /** The field's patch strategy includes retainKeys (informational on the server side). */
  readonly retainKeys?: boolean;
  /** SMP merge key of a merged list of objects. */
  readonly patchMergeKey?: string;
  /** The schema default, used for absent list-map keys (e.g. ContainerPort.protocol = "TCP"). */
  readonly default?: JsonValue;
  /**
   * How a typed Go object shows this field when it is unset, which decides whether an update that
   * sets it "adds" the node itself: non-pointer structs are always present as `{}`, collections
   * without `omitempty` and non-pointer times as `null`. Absent for everything simply omitted.
   */
  readonly implicit?: 'emptyObject' | 'null';
}

const deducedNode: UntypedSchema = Object.freeze({ kind: 'untyped', name: 'interface', granular: true });
const atomicNode: UntypedSchema = Object.freeze({ kind: 'untyped', name: 'interface', granular: false });
const scalarNodes: Readonly<Record<ScalarSchema['scalarType'], ScalarSchema>> = {
  string: Object.freeze({ kind: 'scalar', name: 'string', scalarType: 'string' }),
  numeric: Object.freeze({ kind: 'scalar', name: 'numeric', scalarType: 'numeric' }),
  boolean: Object.freeze({ kind: 'scalar', name: 'boolean', scalarType: 'boolean' }),
  untyped: Object.freeze({ kind: 'scalar', name: 'untyped', scalarType: 'untyped' }),
};

/** SSA's schema for unknown JSON: maps granular at every level, lists atomic. */
export function deducedSchema(): UntypedSchema {
  return deducedNode;
}

/** Any JSON, replaced and owned as a whole. */
export function atomicUntypedSchema(): UntypedSchema {
  return atomicNode;
}

/** A scalar leaf of the given JSON kind (default: any scalar). */
export function scalarSchema(type: ScalarSchema['scalarType'] = 'untyped'): ScalarSchema {
  return scalarNodes[type];
}

const deducedField: FieldSchema = Object.freeze({ node: deducedNode });
const atomicField: FieldSchema = Object.freeze({ node: atomicNode });

export function deducedFieldSchema(): FieldSchema {
  return deducedField;
}

export function atomicFieldSchema(): FieldSchema {
  return atomicField;
}

/**
 * The schema of the member `key` of a map-like node (struct field, map value, undeclared struct
 * field, or member of untyped JSON). `declared` tells whether it is a named struct field.
 */
export function memberSchema(node: PatchSchemaNode | undefined, key: string): { field: FieldSchema; declared: boolean } {
  if (node === undefined) return { field: deducedField, declared: false };
  switch (node.kind) {
    case 'struct': {
      const f = node.field(key);
      if (f) return { field: f, declared: true };
      return { field: node.unknownFields ?? deducedField, declared: false };
    }
    case 'map':
      return { field: node.values, declared: false };
    case 'untyped':
      return { field: node.granular ? deducedField : atomicField, declared: false };
    default:
      return { field: deducedField, declared: false };
  }
}

/** The item schema of a list-like node. */
export function itemSchema(node: PatchSchemaNode | undefined): FieldSchema {
  if (node?.kind === 'list') return node.items;
  return atomicField;
}
