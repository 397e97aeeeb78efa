/**
 * lite's own language for describing API types.
 *
 * One TypeDef per Go struct of the Kubernetes API. From these definitions lite derives
 *  - the OpenAPI v3 documents served at /openapi/v3 (for `kubectl explain` and field validation),
 *  - strict server-side field validation (unknown fields, wrong JSON types),
 *  - strategic-merge-patch and server-side-apply metadata (merge keys, list types, retainKeys),
 *  - the protobuf decoder for request bodies (`proto` = the field number on the wire).
 *
 * Field names, JSON types, proto field numbers and patch strategies are facts of the Kubernetes
 * API (k8s.io/api types.go and generated.proto). Descriptions (`doc`) are lite's own words.
 */

export type Scalar = 'string' | 'boolean' | 'int32' | 'int64' | 'double' | 'bytes';

/**
 * Types with a special JSON and/or protobuf representation.
 * - Quantity      JSON string ("100m", "1Gi") or number; proto message { 1: string }
 * - IntOrString   JSON int or string; proto { 1: int64 type (0 int, 1 string), 2: int32 intVal, 3: string strVal }
 * - Time          RFC 3339 seconds string or null; proto { 1: int64 seconds, 2: int32 nanos }
 * - MicroTime     RFC 3339 with microseconds; proto as Time
 * - Duration      Go duration string ("1h0m0s"); proto { 1: int64 nanoseconds }
 * - RawExtension  any embedded JSON object; proto { 1: bytes raw (JSON) }
 * - JSON          any JSON value (apiextensions JSON); proto { 1: bytes raw }
 * - FieldsV1      managedFields trie; proto { 1: bytes raw }
 */
export type Special = 'Quantity' | 'IntOrString' | 'Time' | 'MicroTime' | 'Duration' | 'RawExtension' | 'JSON' | 'FieldsV1';

export type TypeRef =
  | { readonly t: 'scalar'; readonly scalar: Scalar; readonly enum?: readonly string[]; readonly format?: string }
  | { readonly t: 'ref'; readonly name: string }
  | { readonly t: 'list'; readonly items: TypeRef }
  | { readonly t: 'map'; readonly values: TypeRef }
  | { readonly t: 'special'; readonly special: Special };

export type PatchStrategy = 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';

export interface FieldOptions {
  /** lite's own one-line description, shown by `kubectl explain`. */
  readonly doc?: string;
  /** The JSON field must be present (OpenAPI `required`). */
  readonly required?: boolean;
  /**
   * The Go field is a pointer (`*int32`, `*bool`, `*string`, `*Struct`): zero values on the wire are
   * meaningful and kept when decoding protobuf. Non-pointer scalars with zero values are dropped,
   * as Go's `omitempty` JSON encoding would.
   */
  readonly pointer?: boolean;
  /** `patchStrategy` struct tag. */
  readonly patchStrategy?: PatchStrategy;
  /** `patchMergeKey` struct tag. */
  readonly patchMergeKey?: string;
  /** `+listType` marker: how server-side apply treats the list. Defaults to 'atomic'. */
  readonly listType?: 'atomic' | 'set' | 'map';
  /** `+listMapKey` markers for listType=map. */
  readonly listMapKeys?: readonly string[];
  /** `+mapType` / `+structType` marker for maps and structs. */
  readonly mapType?: 'atomic' | 'granular';
  /** The field may not be changed after creation (informational; enforced by strategies). */
  readonly immutable?: boolean;
  /** The JSON member is emitted even when empty (no `omitempty`), e.g. `containers`. */
  readonly noOmitEmpty?: boolean;
  /**
   * An embedded Go struct (`json:",inline"`): on the protobuf wire a nested message under this
   * field's number, in JSON its fields sit directly on the parent. The field's `name` is the
   * upstream protobuf name (`volumeSource`, `handler` …) and never appears in JSON; its type must
   * be a `ref`. Everything that looks at JSON (OpenAPI, field validation, pruning, patch metadata)
   * goes through SchemaRegistry.jsonFields() / field(), which flatten these.
   */
  readonly inline?: boolean;
}

export interface FieldDef extends FieldOptions {
  readonly name: string;
  /** Protobuf field number in k8s.io/api generated.proto. */
  readonly proto: number;
  readonly type: TypeRef;
}

export interface GVK {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface TypeDef {
  /** OpenAPI definition name, e.g. `io.k8s.api.apps.v1.Deployment`. */
  readonly name: string;
  readonly doc?: string;
  readonly fields: readonly FieldDef[];
  /** Set on top-level kinds (and lists): the x-kubernetes-group-version-kind extension. */
  readonly gvk?: readonly GVK[];
  /** `+structType=atomic`: SSA and SMP replace the struct wholesale. */
  readonly structType?: 'atomic' | 'granular';
  /**
   * The Go type is a named slice (e.g. authentication ExtraValue `[]string`): on the wire a message
   * whose field 1 holds the items; in JSON just the array. `fields` then has that single field.
   */
  readonly listWrapper?: boolean;
}

// ---- builders -------------------------------------------------------------------------------

export const str: TypeRef = { t: 'scalar', scalar: 'string' };
export const bool: TypeRef = { t: 'scalar', scalar: 'boolean' };
export const i32: TypeRef = { t: 'scalar', scalar: 'int32' };
export const i64: TypeRef = { t: 'scalar', scalar: 'int64' };
export const f64: TypeRef = { t: 'scalar', scalar: 'double' };
/** []byte: base64 in JSON, bytes in proto. */
export const bytes: TypeRef = { t: 'scalar', scalar: 'bytes' };

export const quantity: TypeRef = { t: 'special', special: 'Quantity' };
export const intOrString: TypeRef = { t: 'special', special: 'IntOrString' };
export const time: TypeRef = { t: 'special', special: 'Time' };
export const microTime: TypeRef = { t: 'special', special: 'MicroTime' };
export const duration: TypeRef = { t: 'special', special: 'Duration' };
export const rawExtension: TypeRef = { t: 'special', special: 'RawExtension' };
export const json: TypeRef = { t: 'special', special: 'JSON' };
export const fieldsV1: TypeRef = { t: 'special', special: 'FieldsV1' };

/** A string restricted to the given values (an enum in OpenAPI; not enforced on decode). */
export function enumOf(...values: string[]): TypeRef {
  return { t: 'scalar', scalar: 'string', enum: values };
}

export function ref(name: string): TypeRef {
  return { t: 'ref', name };
}

export function list(items: TypeRef): TypeRef {
  return { t: 'list', items };
}

/** map[string]V */
export function map(values: TypeRef): TypeRef {
  return { t: 'map', values };
}

/** `[proto number, type, options?]` — the compact form used in type definition files. */
export type FieldSpec = readonly [number, TypeRef] | readonly [number, TypeRef, FieldOptions];

export interface TypeOptions {
  readonly gvk?: GVK | readonly GVK[];
  readonly structType?: 'atomic' | 'granular';
  readonly listWrapper?: boolean;
}

/**
 * Defines a type. Field order is the JSON/OpenAPI order; `proto` numbers are independent of it.
 *
 *   defineType('io.k8s.api.apps.v1.DeploymentSpec', 'Desired state of a Deployment.', {
 *     replicas: [1, i32, { pointer: true, doc: 'Number of desired pods; defaults to 1.' }],
 *     selector: [2, ref(meta('LabelSelector')), { required: true }],
 *   })
 */
export function defineType(name: string, doc: string, fields: Record<string, FieldSpec>, options: TypeOptions = {}): TypeDef {
  const defs: FieldDef[] = [];
  const seen = new Set<number>();
  for (const [fieldName, spec] of Object.entries(fields)) {
    const [proto, type, opts] = spec;
    if (seen.has(proto)) throw new Error(`schema ${name}: proto field number ${proto} used twice (at ${fieldName})`);
    seen.add(proto);
    defs.push({ name: fieldName, proto, type, ...(opts ?? {}) });
  }
  const gvk = options.gvk === undefined ? undefined : Array.isArray(options.gvk) ? (options.gvk as readonly GVK[]) : [options.gvk as GVK];
  return {
    name,
    doc,
    fields: defs,
    ...(gvk ? { gvk } : {}),
    ...(options.structType ? { structType: options.structType } : {}),
    ...(options.listWrapper ? { listWrapper: true } : {}),
  };
}

// ---- well-known name prefixes -----------------------------------------------------------------

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const CORE = 'io.k8s.api.core.v1.';

export function meta(kind: string): string {
  return META + kind;
}

export function core(kind: string): string {
  return CORE + kind;
}

/** `io.k8s.api.<pkg>.<version>.<Kind>` for a Kubernetes API package, e.g. api('apps','v1','Deployment'). */
export function api(pkg: string, version: string, kind: string): string {
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}

/**
 * The standard `metadata` field (proto 1) of a top-level kind. Most kinds then have spec = 2 and
 * status = 3, but check generated.proto: several differ (ConfigMap, Secret, Event, RBAC …).
 */
export const objectMetaField: FieldSpec = [1, ref(META + 'ObjectMeta'), { doc: "Standard object's metadata: name, namespace, labels, annotations and the fields the server maintains." }];
export const listMetaField: FieldSpec = [1, ref(META + 'ListMeta'), { doc: "Standard list metadata: the collection's resourceVersion and continue token." }];

/** Convenience for `<Kind>List` types: metadata (1) and items (2). */
export function defineList(itemTypeName: string, gvk: GVK, doc?: string): TypeDef {
  const kind = itemTypeName.slice(itemTypeName.lastIndexOf('.') + 1);
  return defineType(
    `${itemTypeName}List`,
    doc ?? `A list of ${kind} objects.`,
    { metadata: listMetaField, items: [2, list(ref(itemTypeName)), { required: true, doc: `The ${kind} objects.` }] },
    { gvk: { ...gvk, kind: `${gvk.kind}List` } },
  );
}
