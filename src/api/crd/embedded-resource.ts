/**
 * ObjectMeta inside custom resources: the root `metadata` and the metadata of embedded resources
 * (`x-kubernetes-embedded-resource: true`, e.g. a pod template inside a CR).
 *
 * Upstream decodes such metadata into Go's ObjectMeta struct and back, which (a) drops fields
 * ObjectMeta does not have, (b) rejects values of the wrong JSON type and (c) lets the generic
 * ObjectMeta validation run on embedded objects. This module does the same on plain JSON
 * (apiextensions-apiserver pkg/apiserver/schema/objectmeta).
 */
import type { FieldError } from '../errors.js';
import { goJsonKind } from '../go/go-format.js';
import { goTimeParseError } from '../go/go-time.js';
import { isJsonObject, type JsonObject, type JsonValue, type ObjectMeta } from '../object.js';
import { strAt } from '../json-access.js';
import { isDNS1035Label } from '../validation/names.js';
import { validateObjectMeta } from '../validation/object-meta.js';
import { child, index, key } from '../validation/field-errors.js';
import type { SchemaNode } from './structural-schema.js';

type FieldShape = 'string' | 'int' | 'time' | 'stringMap' | 'stringList' | 'ownerRefs' | 'managedFields';

/** The JSON fields of metav1.ObjectMeta and their shapes. */
const OBJECT_META: ReadonlyMap<string, FieldShape> = new Map<string, FieldShape>([
  ['name', 'string'],
  ['generateName', 'string'],
  ['namespace', 'string'],
  ['selfLink', 'string'],
  ['uid', 'string'],
  ['resourceVersion', 'string'],
  ['generation', 'int'],
  ['creationTimestamp', 'time'],
  ['deletionTimestamp', 'time'],
  ['deletionGracePeriodSeconds', 'int'],
  ['labels', 'stringMap'],
  ['annotations', 'stringMap'],
  ['ownerReferences', 'ownerRefs'],
  ['finalizers', 'stringList'],
  ['managedFields', 'managedFields'],
]);

const OWNER_REFERENCE: ReadonlyMap<string, 'string' | 'bool'> = new Map([
  ['apiVersion', 'string'],
  ['kind', 'string'],
  ['name', 'string'],
  ['uid', 'string'],
  ['controller', 'bool'],
  ['blockOwnerDeletion', 'bool'],
] as const);

const MANAGED_FIELDS_ENTRY: ReadonlySet<string> = new Set(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']);

/**
 * Removes the members ObjectMeta does not know (also inside ownerReferences and managedFields
 * entries) and returns their paths, prefixed by `prefix` (e.g. `metadata`, `spec.template.metadata`).
 */
export function pruneObjectMeta(meta: JsonObject, prefix: string): string[] {
  const unknown: string[] = [];
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META.has(k)) {
      unknown.push(`${prefix}.${k}`);
      delete meta[k];
    }
  }
  const pruneItems = (field: string, known: { has(k: string): boolean }): void => {
    const list = meta[field];
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (!isJsonObject(item)) return;
      for (const k of Object.keys(item)) {
        if (!known.has(k)) {
          unknown.push(`${prefix}.${field}[${i}].${k}`);
          delete item[k];
        }
      }
    });
  };
  pruneItems('ownerReferences', OWNER_REFERENCE);
  pruneItems('managedFields', MANAGED_FIELDS_ENTRY);
  return unknown;
}

function unmarshalError(v: JsonValue, field: string, goType: string): string {
  return `json: cannot unmarshal ${goJsonKind(v)} into Go struct field ObjectMeta.${field} of type ${goType}`;
}

/**
 * Why `meta` cannot be decoded into ObjectMeta (Go's json error text), or undefined. JSON null is
 * accepted everywhere, as Go's decoder leaves the field unset.
 */
export function objectMetaDecodeError(meta: JsonValue): string | undefined {
  if (meta === null) return undefined;
  if (!isJsonObject(meta)) return `json: cannot unmarshal ${goJsonKind(meta)} into Go value of type v1.ObjectMeta`;
  for (const [k, v] of Object.entries(meta)) {
    const shape = OBJECT_META.get(k);
    if (shape === undefined || v === undefined || v === null) continue;
    switch (shape) {
      case 'string':
        if (typeof v !== 'string') return unmarshalError(v, k, 'string');
        break;
      case 'int':
        if (typeof v !== 'number') return unmarshalError(v, k, 'int64');
        if (!Number.isInteger(v)) return `json: cannot unmarshal number ${v} into Go struct field ObjectMeta.${k} of type int64`;
        break;
      case 'time': {
        if (typeof v !== 'string') return unmarshalError(v, k, 'string');
        const problem = goTimeParseError(v, false);
        if (problem) return problem;
        break;
      }
      case 'stringMap':
        if (!isJsonObject(v)) return unmarshalError(v, k, 'map[string]string');
        for (const x of Object.values(v)) if (x !== null && x !== undefined && typeof x !== 'string') return unmarshalError(x, k, 'string');
        break;
      case 'stringList':
        if (!Array.isArray(v)) return unmarshalError(v, k, '[]string');
        for (const x of v) if (x !== null && typeof x !== 'string') return unmarshalError(x, k, 'string');
        break;
      case 'ownerRefs':
        if (!Array.isArray(v)) return unmarshalError(v, k, '[]v1.OwnerReference');
        for (const ref of v) {
          if (ref === null) continue;
          if (!isJsonObject(ref)) return unmarshalError(ref, k, 'v1.OwnerReference');
          for (const [rk, rv] of Object.entries(ref)) {
            const t = OWNER_REFERENCE.get(rk);
            if (t === undefined || rv === null || rv === undefined) continue;
            if (t === 'string' && typeof rv !== 'string') return unmarshalError(rv, `${k}.${rk}`, 'string');
            if (t === 'bool' && typeof rv !== 'boolean') return unmarshalError(rv, `${k}.${rk}`, 'bool');
          }
        }
        break;
      case 'managedFields':
        if (!Array.isArray(v)) return unmarshalError(v, k, '[]v1.ManagedFieldsEntry');
        for (const e of v) if (e !== null && !isJsonObject(e)) return unmarshalError(e, k, 'v1.ManagedFieldsEntry');
        break;
    }
  }
  return undefined;
}

/**
 * Generic ObjectMeta validation (apimachinery ValidateObjectMeta) as applied to embedded
 * resources: names are path segments, a missing name is fine ("fakename" stands in, as
 * upstream), a namespace is validated only when set.
 */
export function validateEmbeddedObjectMeta(meta: JsonObject, path: string): FieldError[] {
  const namespace = strAt(meta, 'namespace');
  const withName = strAt(meta, 'name') === '' ? { ...meta, name: 'fakename' } : meta;
  return validateObjectMeta(withName as ObjectMeta, { namespaced: namespace !== '', nameRule: 'path-segment', builtin: false, path });
}

/** apiVersion, kind and metadata of one embedded resource (upstream validateEmbeddedResource). */
function validateEmbeddedResource(path: string, x: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  if (x.apiVersion === undefined) errs.push({ type: 'FieldValueRequired', field: child(path, 'apiVersion'), detail: 'must not be empty' });
  if (x.kind === undefined) errs.push({ type: 'FieldValueRequired', field: child(path, 'kind'), detail: 'must not be empty' });
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined) continue;
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push({ type: 'FieldValueInvalid', field: child(path, 'apiVersion'), value: v, detail: 'must be a string' });
      else if (v.length === 0) errs.push({ type: 'FieldValueInvalid', field: child(path, 'apiVersion'), value: v, detail: 'must not be empty' });
      else if (v !== '/' && v.split('/').length > 2)
        errs.push({ type: 'FieldValueInvalid', field: child(path, 'apiVersion'), value: v, detail: `unexpected GroupVersion string: ${v}` });
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push({ type: 'FieldValueInvalid', field: child(path, 'kind'), value: v, detail: 'must be a string' });
      else if (v.length === 0) errs.push({ type: 'FieldValueInvalid', field: child(path, 'kind'), value: v, detail: 'must not be empty' });
      else {
        const msgs = isDNS1035Label(v.toLowerCase());
        if (msgs.length > 0) errs.push({ type: 'FieldValueInvalid', field: child(path, 'kind'), value: v, detail: `may have mixed case, but should otherwise match: ${msgs.join(',')}` });
      }
    } else if (k === 'metadata') {
      const err = objectMetaDecodeError(v);
      if (err) errs.push({ type: 'FieldValueInvalid', field: child(path, 'metadata'), value: v, detail: err });
      else if (isJsonObject(v)) errs.push(...validateEmbeddedObjectMeta(v, child(path, 'metadata')));
    }
  }
  return errs;
}

/**
 * Validates every embedded resource inside `value` (upstream objectmeta.Validate). With
 * `isResourceRoot`, `value` itself is treated as a resource (used for schema defaults).
 * Paths follow field.Path: `.child`, `[key]` for additionalProperties, `[i]` for items.
 */
export function validateEmbeddedResources(value: JsonValue, schema: SchemaNode | undefined, path: string, isResourceRoot = false): FieldError[] {
  const errs: FieldError[] = [];
  walk(value, schema, path, isResourceRoot, errs);
  return errs;
}

function walk(x: JsonValue, s: SchemaNode | undefined, path: string, embedded: boolean, errs: FieldError[]): void {
  if (!s) return;
  if (isJsonObject(x)) {
    if (embedded || s.xEmbeddedResource) errs.push(...validateEmbeddedResource(path, x));
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      const prop = s.properties?.get(k);
      if (prop) walk(v, prop, child(path, k), false, errs);
      else if (s.additionalProperties) walk(v, s.additionalProperties.schema, key(path, k), false, errs);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => walk(v, s.items, index(path, i), false, errs));
  }
}

/**
 * Normalises the metadata of embedded resources below the root (upstream coercion): unknown
 * ObjectMeta fields are removed and a null creationTimestamp dropped. Returns the removed paths.
 */
export function coerceEmbeddedMetadata(value: JsonValue, schema: SchemaNode | undefined): string[] {
  const unknown: string[] = [];
  coerceWalk(value, schema, '', unknown);
  return unknown.sort();
}

function coerceWalk(x: JsonValue, s: SchemaNode | undefined, path: string, unknown: string[]): void {
  if (!s) return;
  if (isJsonObject(x)) {
    if (s.xEmbeddedResource && path !== '') {
      const meta = x.metadata;
      if (isJsonObject(meta) && objectMetaDecodeError(meta) === undefined) {
        unknown.push(...pruneObjectMeta(meta, child(path, 'metadata')));
        if (meta.creationTimestamp === null) delete meta.creationTimestamp;
      }
    }
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      const prop = s.properties?.get(k);
      if (prop) coerceWalk(v, prop, child(path, k), unknown);
      else if (s.additionalProperties) coerceWalk(v, s.additionalProperties.schema, key(path, k), unknown);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => coerceWalk(v, s.items, index(path, i), unknown));
  }
}
