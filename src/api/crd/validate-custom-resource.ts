/**
 * Schema validation of custom resources: what kube-apiserver checks against a CRD version's
 * schema on create, update and /status update (apiextensions-apiserver
 * pkg/registry/customresource strategy.go and validator.go, schema part only).
 *
 * Covered: OpenAPI value validation (types incl. integer vs number and nullable, required, enum,
 * pattern, the enforced string formats, numeric bounds, string/array/object sizes, uniqueItems,
 * additionalProperties, allOf/anyOf/oneOf/not, x-kubernetes-int-or-string), embedded resources
 * (apiVersion/kind/metadata of `x-kubernetes-embedded-resource` values) and
 * `x-kubernetes-list-type` set/map uniqueness.
 *
 * Not covered here (the caller's job): the resource's own apiVersion/kind and ObjectMeta (generic
 * metadata validation; custom resource names must be DNS subdomains), and /scale replica fields
 * (see validateScaleFields). `x-kubernetes-validations` (CEL) rules are NOT enforced: lite has no
 * CEL evaluator, so they are accepted in CRDs and ignored for custom resources.
 */
import type { FieldError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { goTypeName, goValue } from '../go/go-format.js';
import { validateEmbeddedResources } from './embedded-resource.js';
import { validateListSetsAndMaps } from './list-type.js';
import { validateSchemaValue } from './schema-validator.js';
import type { SchemaNode } from './structural-schema.js';

/** Validation of a new custom resource (create). */
export function validateCustomResource(obj: JsonObject, schema: SchemaNode): FieldError[] {
  return [...validateSchemaValue(obj, schema, undefined), ...validateEmbeddedResources(obj, schema, ''), ...validateListSetsAndMaps(obj, schema, '')];
}

/**
 * Validation of an update. Schema errors in values that did not change since `old` are not
 * reported (validation ratcheting, as Kubernetes 1.30+ does by default), and list-type
 * uniqueness is only enforced when the old object satisfied it.
 */
export function validateCustomResourceUpdate(obj: JsonObject, old: JsonObject, schema: SchemaNode): FieldError[] {
  const errs = [...validateSchemaValue(obj, schema, undefined, { old }), ...validateEmbeddedResources(obj, schema, '')];
  if (validateListSetsAndMaps(old, schema, '').length === 0) errs.push(...validateListSetsAndMaps(obj, schema, ''));
  return errs;
}

/**
 * Validation of a /status update: only `.status` is checked, against the schema's `status`
 * property, with paths prefixed `status.` and no ratcheting (as upstream).
 */
export function validateCustomResourceStatus(obj: JsonObject, old: JsonObject, schema: SchemaNode): FieldError[] {
  const errs: FieldError[] = [];
  const status = obj.status;
  const statusSchema = schema.properties?.get('status');
  if (status !== undefined && statusSchema) errs.push(...validateSchemaValue(status, statusSchema, 'status'));
  const newList = validateListSetsAndMaps(obj, schema, '');
  if (newList.length > 0 && validateListSetsAndMaps(old, schema, '').length === 0) errs.push(...newList);
  return errs;
}

/** Where /scale finds replicas; paths in JSONPath form with the leading dot (`.spec.replicas`). */
export interface ScaleSubresourcePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

const MAX_INT32 = 2147483647;

/** unstructured.NestedFieldNoCopy: the value at a dotted path, or the accessor error. */
function lookup(obj: JsonObject, dotted: string): { found: boolean; value?: JsonValue; error?: string } {
  const parts = dotted.replace(/^\./, '').split('.');
  let cur: JsonValue = obj;
  for (let i = 0; i < parts.length; i++) {
    if (cur === null) return { found: false };
    if (!isJsonObject(cur)) {
      return { found: false, error: `.${parts.slice(0, i + 1).join('.')} accessor error: ${goValue(cur)} is of the type ${goTypeName(cur)}, expected map[string]interface{}` };
    }
    const next: JsonValue | undefined = cur[parts[i]];
    if (next === undefined) return { found: false };
    cur = next;
  }
  return { found: true, value: cur };
}

function accessorError(path: string, v: JsonValue, expected: string): string {
  return `.${path.replace(/^\./, '')} accessor error: ${goValue(v)} is of the type ${goTypeName(v)}, expected ${expected}`;
}

function replicasErrors(obj: JsonObject, path: string): FieldError[] {
  const r = lookup(obj, path);
  if (r.error) return [{ type: 'FieldValueInvalid', field: path, value: 0, detail: r.error }];
  if (!r.found || r.value === undefined) return [];
  const v = r.value;
  if (typeof v !== 'number' || !Number.isInteger(v)) return [{ type: 'FieldValueInvalid', field: path, value: 0, detail: accessorError(path, v, 'int64') }];
  if (v < 0) return [{ type: 'FieldValueInvalid', field: path, value: v, detail: 'should be a non-negative integer' }];
  if (v > MAX_INT32) return [{ type: 'FieldValueInvalid', field: path, value: v, detail: `should be less than or equal to ${MAX_INT32}` }];
  return [];
}

/**
 * The /scale checks of the custom resource strategy: replicas at specReplicasPath and
 * statusReplicasPath must be non-negative int32 values when present, and the label selector a
 * string. Field paths are reported as written in the CRD (`.spec.replicas`), as upstream does.
 */
export function validateScaleFields(obj: JsonObject, scale: ScaleSubresourcePaths, which: 'spec+status' | 'status' = 'spec+status'): FieldError[] {
  const errs: FieldError[] = [];
  if (which === 'spec+status') errs.push(...replicasErrors(obj, scale.specReplicasPath));
  errs.push(...replicasErrors(obj, scale.statusReplicasPath));
  if (scale.labelSelectorPath) {
    const r = lookup(obj, scale.labelSelectorPath);
    if (r.error) errs.push({ type: 'FieldValueInvalid', field: scale.labelSelectorPath, value: '', detail: r.error });
    else if (r.found && r.value !== undefined && typeof r.value !== 'string') {
      errs.push({ type: 'FieldValueInvalid', field: scale.labelSelectorPath, value: '', detail: accessorError(scale.labelSelectorPath, r.value, 'string') });
    }
  }
  return errs;
}
