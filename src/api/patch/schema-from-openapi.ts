/**
 * PatchSchema adapter for a CustomResourceDefinition's structural OpenAPI v3 schema.
 *
 * Follows how kube-openapi's schemaconv derives structured-merge-diff types:
 *  - `type: object` with `properties` → struct; with `additionalProperties` (a schema) → map;
 *    `x-kubernetes-preserve-unknown-fields: true` → undeclared members are deduced (granular);
 *    an object with neither properties nor additionalProperties is untyped and deduced
 *  - `x-kubernetes-map-type: atomic` makes maps and structs atomic
 *  - `type: array` → `x-kubernetes-list-type` atomic (default) | set | map with
 *    `x-kubernetes-list-map-keys`; legacy `x-kubernetes-patch-strategy: merge` (+ merge key) is
 *    honoured when no list type is given
 *  - `x-kubernetes-int-or-string` and the primitive types are scalars
 *  - `x-kubernetes-embedded-resource: true` gets `apiVersion`, `kind` and `metadata` implicitly
 * The root additionally gets `apiVersion`, `kind` and an ObjectMeta `metadata`.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { deducedFieldSchema, deducedSchema, scalarSchema, type FieldSchema, type ListSchema, type PatchSchemaNode, type StructSchema } from './schema.js';

export interface OpenApiSchemaOptions {
  /** The schema used for `metadata` of the root (and embedded resources); defaults to objectMetaSchema(). */
  readonly objectMeta?: PatchSchemaNode;
}

/** Builds the schema of a custom resource from the version's `openAPIV3Schema`. */
export function schemaFromOpenApi(openApiV3Schema: JsonObject | undefined, options: OpenApiSchemaOptions = {}): PatchSchemaNode {
  const meta = options.objectMeta ?? objectMetaSchema();
  const root = openApiV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return structFrom(root, 'root', meta, true);
}

function node(s: JsonValue | undefined, name: string, meta: PatchSchemaNode): PatchSchemaNode {
  if (!isJsonObject(s)) return deducedSchema();
  if (s['x-kubernetes-int-or-string'] === true) return scalarSchema();
  if (s['x-kubernetes-embedded-resource'] === true) return structFrom(s, name, meta, true);
  const type = s.type;
  if (type === 'array') return listFrom(s, name, meta);
  if (type === 'object' || (type === undefined && (isJsonObject(s.properties) || isJsonObject(s.additionalProperties)))) {
    if (isJsonObject(s.properties)) return structFrom(s, name, meta, false);
    if (isJsonObject(s.additionalProperties)) {
      return {
        kind: 'map',
        name,
        atomic: s['x-kubernetes-map-type'] === 'atomic',
        values: fieldFrom(s.additionalProperties, `${name}[*]`, meta),
      };
    }
    if (s['x-kubernetes-map-type'] === 'atomic') return { kind: 'untyped', name, granular: false };
    return deducedSchema();
  }
  // No type at all (only x-kubernetes-preserve-unknown-fields): any JSON.
  if (type === undefined) return deducedSchema();
  if (type === 'string') return scalarSchema('string');
  if (type === 'integer' || type === 'number') return scalarSchema('numeric');
  if (type === 'boolean') return scalarSchema('boolean');
  return scalarSchema();
}

function fieldFrom(s: JsonValue | undefined, name: string, meta: PatchSchemaNode): FieldSchema {
  const n = node(s, name, meta);
  if (!isJsonObject(s)) return { node: n };
  const out: { node: PatchSchemaNode; patchStrategy?: 'merge' | 'replace'; retainKeys?: boolean; patchMergeKey?: string; default?: JsonValue } = { node: n };
  const strategy = s['x-kubernetes-patch-strategy'];
  if (typeof strategy === 'string') {
    const parts = strategy.split(',');
    if (parts.includes('retainKeys')) out.retainKeys = true;
    const other = parts.find((p) => p !== 'retainKeys');
    if (other === 'merge' || other === 'replace') out.patchStrategy = other;
  }
  if (typeof s['x-kubernetes-patch-merge-key'] === 'string') out.patchMergeKey = s['x-kubernetes-patch-merge-key'];
  if (s.default !== undefined) out.default = s.default;
  return out;
}

function structFrom(s: JsonObject, name: string, meta: PatchSchemaNode, resource: boolean): StructSchema {
  const props = isJsonObject(s.properties) ? s.properties : {};
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  let fields: Map<string, FieldSchema> | undefined;
  const resolve = (): Map<string, FieldSchema> => {
    if (fields) return fields;
    fields = new Map();
    if (resource) {
      fields.set('apiVersion', { node: scalarSchema('string') });
      fields.set('kind', { node: scalarSchema('string') });
      fields.set('metadata', { node: meta });
    }
    for (const [k, v] of Object.entries(props)) {
      if (resource && k === 'metadata') continue;
      fields.set(k, fieldFrom(v, `${name}.${k}`, meta));
    }
    return fields;
  };
  const out: { kind: 'struct'; name: string; atomic: boolean; field: (n: string) => FieldSchema | undefined; unknownFields?: FieldSchema } = {
    kind: 'struct',
    name,
    atomic: s['x-kubernetes-map-type'] === 'atomic',
    field: (n) => resolve().get(n),
  };
  if (preserve) out.unknownFields = deducedFieldSchema();
  return out;
}

function listFrom(s: JsonObject, name: string, meta: PatchSchemaNode): ListSchema {
  const items = fieldFrom(s.items, `${name}[*]`, meta);
  const listType = s['x-kubernetes-list-type'];
  const keysRaw = s['x-kubernetes-list-map-keys'];
  const keys = Array.isArray(keysRaw) ? keysRaw.filter((k): k is string => typeof k === 'string') : [];
  if (listType === 'map') return { kind: 'list', name, listType: 'map', keys, items };
  if (listType === 'set') return { kind: 'list', name, listType: 'set', keys: [], items };
  if (listType === undefined && typeof s['x-kubernetes-patch-strategy'] === 'string' && s['x-kubernetes-patch-strategy'].split(',').includes('merge')) {
    const key = s['x-kubernetes-patch-merge-key'];
    if (typeof key === 'string') return { kind: 'list', name, listType: 'map', keys: [key], items };
    return { kind: 'list', name, listType: 'set', keys: [], items };
  }
  return { kind: 'list', name, listType: 'atomic', keys: [], items };
}

/**
 * A self-contained ObjectMeta schema (what custom resources' `metadata` follows): labels and
 * annotations granular, finalizers a set, ownerReferences keyed by uid, managedFields atomic.
 */
export function objectMetaSchema(): StructSchema {
  const scalar: FieldSchema = { node: scalarSchema('string') };
  const numeric: FieldSchema = { node: scalarSchema('numeric') };
  const stringMap: FieldSchema = { node: { kind: 'map', name: 'map[string]string', atomic: false, values: scalar } };
  const ownerReference: StructSchema = {
    kind: 'struct',
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
    atomic: true,
    field: (n) => (n === 'controller' || n === 'blockOwnerDeletion' ? { node: scalarSchema('boolean') } : OWNER_REFERENCE_FIELDS.has(n) ? scalar : undefined),
  };
  const fields = new Map<string, FieldSchema>();
  for (const n of ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp']) fields.set(n, scalar);
  for (const n of ['generation', 'deletionGracePeriodSeconds']) fields.set(n, numeric);
  fields.set('labels', stringMap);
  fields.set('annotations', stringMap);
  fields.set('ownerReferences', {
    node: { kind: 'list', name: '[]OwnerReference', listType: 'map', keys: ['uid'], items: { node: ownerReference } },
    patchStrategy: 'merge',
    patchMergeKey: 'uid',
  });
  fields.set('finalizers', { node: { kind: 'list', name: '[]string', listType: 'set', keys: [], items: scalar }, patchStrategy: 'merge' });
  fields.set('managedFields', { node: { kind: 'list', name: '[]ManagedFieldsEntry', listType: 'atomic', keys: [], items: { node: deducedSchema() } } });
  return { kind: 'struct', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', atomic: false, field: (n) => fields.get(n) };
}

const OWNER_REFERENCE_FIELDS = new Set(['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion']);
