/**
 * The patch engines behind the PATCH verb, and field ownership for every write.
 *
 *   patchTypeForContentType(contentType, { strategic })  Content-Type → patch type, or 415
 *   validatePatchOptions(type, { fieldManager, force })  the PatchOptions checks (422)
 *   parseApplyPatchBody(text)                             the YAML/JSON body of an apply patch
 *   PatchEngine                                           patch / apply / updateManagedFields for
 *                                                         a ResourceDef, with schemas cached
 *
 * PatchEngine structurally implements the registry's ObjectPatcher. Everything here is pure.
 */
import { parseAllDocuments, type Tags } from 'yaml';
import { ApiError, type FieldError } from '../errors.js';
import { groupVersion, type ResourceDef } from '../resource.js';
import { isJsonObject, type JsonObject, type JsonValue, type KubeObject } from '../object.js';
import type { SchemaRegistry } from '../schema/registry.js';
import { goJson } from '../go/go-format.js';
import { applyJsonPatch } from './json-patch.js';

import { updateManagedFields, type ResetFields } from './managed-fields.js';
import { applyMergePatch } from './merge-patch.js';
import { deducedSchema, type PatchSchemaNode } from './schema.js';
import { schemaFromOpenApi } from './schema-from-openapi.js';
import { schemaFromRegistry, type RegistrySchemaOptions } from './schema-from-registry.js';
import { serverSideApply } from './server-side-apply.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export { serverSideApply, LAST_APPLIED_ANNOTATION, type ServerSideApplyOptions } from './server-side-apply.js';
export { updateManagedFields, decodeManagedFields, encodeManagedFields, type UpdateManagedFieldsOptions, type ResetFields } from './managed-fields.js';
export { FieldSet, pathString, type FieldPath, type PathElement } from './field-set.js';
export { schemaFromRegistry, BUILTIN_KEY_DEFAULTS, type RegistrySchemaOptions } from './schema-from-registry.js';
export { schemaFromOpenApi, objectMetaSchema } from './schema-from-openapi.js';
export { deducedSchema, atomicUntypedSchema, type PatchSchemaNode, type FieldSchema } from './schema.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_YAML = 'application/apply-patch+yaml';

const TYPES: Readonly<Record<string, PatchType>> = {
  [JSON_PATCH]: 'json',
  [MERGE_PATCH]: 'merge',
  [STRATEGIC_MERGE_PATCH]: 'strategic',
  [APPLY_PATCH_YAML]: 'apply',
};

/** The media types a resource accepts for PATCH, in upstream's order. */
export function acceptedPatchTypes(opts: { strategic: boolean }): string[] {
  return opts.strategic ? [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH_YAML] : [JSON_PATCH, MERGE_PATCH, APPLY_PATCH_YAML];
}

/** Upstream's 415 for a PATCH in a media type the resource does not accept. */
export function unsupportedPatchType(opts: { strategic: boolean }): ApiError {
  return ApiError.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${acceptedPatchTypes(opts).join(', ')}`);
}

/**
 * The patch type of a PATCH request. Parameters (`; charset=utf-8`) are ignored; the match is
 * otherwise exact, as upstream's. `strategic` is false for custom resources, which upstream
 * serves without strategic merge patch.
 */
export function patchTypeForContentType(contentType: string | undefined, opts: { strategic: boolean }): PatchType {
  let ct = contentType ?? '';
  const semi = ct.indexOf(';');
  if (semi > 0) ct = ct.slice(0, semi);
  const type = TYPES[ct];
  if (!type || (type === 'strategic' && !opts.strategic)) throw unsupportedPatchType(opts);
  return type;
}

/** Upstream's FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_LENGTH = 128;

/** Go's unicode.IsPrint, close enough: no control, format, surrogate or unassigned characters. */
function isPrint(ch: string): boolean {
  return !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch) && (ch === ' ' || !/\p{Zs}/u.test(ch));
}

/**
 * PatchOptions validation (422 `PatchOptions.meta.k8s.io "" is invalid: …`): apply needs a field
 * manager; `force` only goes with apply; the manager name is at most 128 bytes of printable text.
 */
export function validatePatchOptions(type: PatchType, opts: { fieldManager?: string; force?: boolean }): void {
  const errs: FieldError[] = [];
  const manager = opts.fieldManager ?? '';
  if (type === 'apply') {
    if (manager === '') errs.push({ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' });
  } else if (opts.force !== undefined) {
    errs.push({ type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' });
  }
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push({ type: 'FieldValueTooLong', field: 'fieldManager', detail: `may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes` });
  let pos = 0;
  for (const ch of manager) {
    if (!isPrint(ch)) {
      const cp = (ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
      errs.push({ type: 'FieldValueInvalid', field: 'fieldManager', value: manager, detail: `invalid character U+${cp} (at position ${pos})` });
    }
    pos += Buffer.byteLength(ch);
  }
  if (errs.length > 0) throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', errs);
}

/**
 * YAML 1.1 as Go's yaml.v2 reads it for Kubernetes: yes/no/on/off are booleans, 0755 is octal,
 * but sexagesimal numbers and timestamps stay strings.
 */
const YAML_OPTIONS = {
  version: '1.1' as const,
  customTags: (tags: Tags): Tags => tags.filter((t) => !(typeof t === 'object' && (t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp'))),
};

/**
 * Parses the body of an `application/apply-patch+yaml` PATCH (kubectl sends JSON, other clients
 * YAML). Only the first document counts; an empty body is an empty object. Duplicate keys: the
 * last wins, unless `strict` (fieldValidation=Strict), which refuses them as upstream's strict
 * decoding does. 400 on bad input.
 */
export function parseApplyPatchBody(body: string | Uint8Array, opts: { strict?: boolean } = {}): JsonObject {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, uniqueKeys: opts.strict === true });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return {};
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line;
    if (error.code === 'DUPLICATE_KEY') {
      const key = text.split('\n')[(line ?? 1) - 1]?.trim().split(':')[0] ?? '';
      throw ApiError.badRequest(`error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line ${line ?? 0}: key ${JSON.stringify(key)} already set in map`);
    }
    const first = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw ApiError.badRequest(`error decoding YAML: error converting YAML to JSON: yaml: ${line ? `line ${line}: ` : ''}${first}`);
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (value === null || value === undefined) return {};
  if (!isJsonObject(value)) {
    const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    throw ApiError.badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  return value;
}

/** The 422 upstream gives when a patch leaves something that is not an object. */
function notAnObject(result: JsonValue): ApiError {
  const kind = Array.isArray(result) ? 'array' : result === null ? 'null' : typeof result === 'boolean' ? 'bool' : typeof result;
  return ApiError.invalid({ group: '', kind: '' }, '', [
    {
      type: 'FieldValueInvalid',
      field: 'patch',
      value: goJson(result),
      detail: `couldn't get version/kind; json parse error: json: cannot unmarshal ${kind} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    },
  ]);
}

/** A strategic merge patch body must decode into a map; null is an empty patch. */
function smpBody(body: unknown): JsonObject {
  if (body === null || body === undefined) return {};
  if (isJsonObject(body)) return body;
  const kind = Array.isArray(body) ? 'array' : typeof body === 'boolean' ? 'bool' : typeof body;
  throw ApiError.badRequest(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
}

/**
 * Which paths a write does not take ownership of, by default (upstream's reset fields of the
 * registry strategies): the main resource of a kind with a status subresource does not own its
 * status; /status owns neither spec nor (for built-in kinds) labels.
 */
export function defaultResetFields(def: Pick<ResourceDef, 'hasStatusSubresource' | 'statusFields' | 'schema'>, subresource?: string): ResetFields {
  if (!def.hasStatusSubresource) return [];
  if (subresource === undefined || subresource === '') return def.statusFields.map((f) => [f]);
  if (subresource === 'status') return def.schema ? [['spec'], ['metadata', 'labels']] : [['spec']];
  return [];
}

export interface PatchEngineConfig {
  /** Built-in type definitions. */
  readonly registry: SchemaRegistry;
  readonly schemaOptions?: RegistrySchemaOptions;
}

export interface ApplyPatchOptions {
  readonly manager: string;
  readonly force: boolean;
  /** RFC 3339 time of the request. */
  readonly time: string;
  readonly subresource?: string;
  /** Overrides defaultResetFields(def, subresource). */
  readonly resetFields?: ResetFields;
}

export interface RecordUpdateOptions {
  /** The request's fieldManager, or the client's user agent name; '' → "unknown". */
  readonly manager: string;
  readonly time: string;
  readonly subresource?: string;
  /** Overrides defaultResetFields(def, subresource). */
  readonly resetFields?: ResetFields;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Patch engines bound to the schemas of served resources. Schemas are built on first use and
 * cached for the engine's lifetime (per TypeDef name, and per CRD schema object).
 */
export class PatchEngine {
  readonly #registry: SchemaRegistry;
  readonly #options: RegistrySchemaOptions;
  readonly #builtin = new Map<string, PatchSchemaNode>();
  readonly #crd = new WeakMap<object, PatchSchemaNode>();

  constructor(config: PatchEngineConfig) {
    this.#registry = config.registry;
    this.#options = config.schemaOptions ?? {};
  }

  /** The schema of a resource: its TypeDef, its CRD schema, or deduced JSON. */
  schemaFor(def: Pick<ResourceDef, 'schema' | 'crdSchema'>): PatchSchemaNode {
    if (def.schema) {
      let s = this.#builtin.get(def.schema);
      if (!s) {
        s = schemaFromRegistry(this.#registry, def.schema, this.#options);
        this.#builtin.set(def.schema, s);
      }
      return s;
    }
    if (def.crdSchema) {
      let s = this.#crd.get(def.crdSchema);
      if (!s) {
        const objectMeta = this.#registry.has(OBJECT_META) ? schemaFromRegistry(this.#registry, OBJECT_META, this.#options) : undefined;
        s = schemaFromOpenApi(def.crdSchema, objectMeta ? { objectMeta } : {});
        this.#crd.set(def.crdSchema, s);
      }
      return s;
    }
    return deducedSchema();
  }

  /**
   * A json, merge or strategic merge patch of `target` (the served-version object). `body` is
   * the decoded JSON body. Returns a new object; throws ApiError as kube-apiserver would.
   */
  patch(def: ResourceDef, target: JsonObject, type: Exclude<PatchType, 'apply'>, body: unknown): JsonObject {
    if (type === 'strategic') {
      if (!def.schema) throw unsupportedPatchType({ strategic: false });
      return applyStrategicMergePatch(target, smpBody(body), this.schemaFor(def));
    }
    return this.patchUntyped(target, type, body);
  }

  /** A json or merge patch of an object without schema (e.g. autoscaling/v1 Scale). */
  patchUntyped(target: JsonObject, type: 'json' | 'merge', body: unknown): JsonObject {
    const result = type === 'json' ? applyJsonPatch(target, body) : applyMergePatch(target, body);
    if (!isJsonObject(result)) throw notAnObject(result);
    return result;
  }

  /** Server-side apply of `applied` onto `live` (undefined: create), recording managedFields. */
  apply(def: ResourceDef, live: KubeObject | undefined, applied: KubeObject, opts: ApplyPatchOptions): KubeObject {
    return serverSideApply(live, applied, {
      manager: opts.manager,
      force: opts.force,
      apiVersion: groupVersion(def),
      kind: def.kind,
      time: opts.time,
      schema: this.schemaFor(def),
      subresource: opts.subresource,
      resetFields: opts.resetFields ?? defaultResetFields(def, opts.subresource),
    });
  }

  /**
   * Records a create (`old` undefined), update or non-apply patch in managedFields. Call with the
   * final object (defaulted), in the served version.
   */
  updateManagedFields(def: ResourceDef, old: KubeObject | undefined, updated: KubeObject, opts: RecordUpdateOptions): KubeObject {
    return updateManagedFields(old, updated, {
      manager: opts.manager,
      apiVersion: groupVersion(def),
      time: opts.time,
      subresource: opts.subresource,
      schema: this.schemaFor(def),
      resetFields: opts.resetFields ?? defaultResetFields(def, opts.subresource),
    });
  }
}
