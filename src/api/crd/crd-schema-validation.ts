/**
 * Validation of one CRD schema (`openAPIV3Schema`), as upstream's
 * validateCustomResourceDefinitionValidation: root restrictions when /status is enabled, the
 * structural-schema rules, defaults (must validate and be pruned), and the generic OpenAPI rules
 * (unsupported keywords, list/map extensions, x-kubernetes-validations shape).
 *
 * CEL rules in `x-kubernetes-validations` are checked for shape only (rule present, message
 * rules, reason, fieldPath); lite does not compile or cost-estimate CEL.
 */
import { boolAt, objAt, optArrAt, strAt } from '../json-access.js';
import type { FieldError } from '../errors.js';
import { deepCopy, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../object.js';
import { child, index, key } from '../validation/field-errors.js';
import { validateEmbeddedResources } from './embedded-resource.js';
import { pruneValue } from './prune.js';
import { validateSchemaValue } from './schema-validator.js';
import {
  asResourceRoot,
  compileSchema,
  structuralConversionError,
  validateStructural,
  type SchemaNode,
} from './structural-schema.js';

export interface SchemaValidationOptions {
  readonly allowDefaults: boolean;
  readonly requireValidPropertyType: boolean;
  readonly requireStructuralSchema: boolean;
  readonly requirePrunedDefaults: boolean;
  readonly requireAtomicSetType: boolean;
  readonly requireMapListKeysMapSetValidation: boolean;
}

export const STRICT_SCHEMA_OPTIONS: SchemaValidationOptions = {
  allowDefaults: true,
  requireValidPropertyType: true,
  requireStructuralSchema: true,
  requirePrunedDefaults: true,
  requireAtomicSetType: true,
  requireMapListKeysMapSetValidation: true,
};

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

/**
 * JSON keys of JSONSchemaProps in Go struct order, with whether they may appear at the root of a
 * schema whose CRD version has a /status subresource.
 */
const ROOT_FIELDS_WITH_STATUS: readonly (readonly [string, boolean])[] = [
  ['id', false],
  ['$schema', false],
  ['$ref', false],
  ['description', true],
  ['type', true],
  ['format', true],
  ['title', true],
  ['default', false],
  ['maximum', true],
  ['exclusiveMaximum', true],
  ['minimum', true],
  ['exclusiveMinimum', true],
  ['maxLength', true],
  ['minLength', true],
  ['pattern', true],
  ['maxItems', true],
  ['minItems', true],
  ['uniqueItems', true],
  ['multipleOf', true],
  ['enum', false],
  ['maxProperties', false],
  ['minProperties', false],
  ['required', true],
  ['items', true],
  ['allOf', false],
  ['oneOf', false],
  ['anyOf', false],
  ['not', false],
  ['properties', true],
  ['additionalProperties', false],
  ['patternProperties', false],
  ['dependencies', false],
  ['additionalItems', false],
  ['definitions', false],
  ['externalDocs', true],
  ['example', true],
  ['nullable', false],
  ['x-kubernetes-preserve-unknown-fields', true],
  ['x-kubernetes-embedded-resource', false],
  ['x-kubernetes-int-or-string', false],
  ['x-kubernetes-list-map-keys', false],
  ['x-kubernetes-list-type', false],
  ['x-kubernetes-map-type', false],
  ['x-kubernetes-validations', true],
];

const ALLOWED_AT_ROOT_TEXT =
  'only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled';

/** A Go zero value for the purpose of the root-field check (pointers and slices count when present). */
function isGoZero(k: string, v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'boolean') return !v;
  // $ref and the list/map type extensions are pointers in Go: present means non-zero.
  if (typeof v === 'string') return v === '' && k !== '$ref' && k !== 'x-kubernetes-list-type' && k !== 'x-kubernetes-map-type';
  if (isJsonObject(v) && (k === 'properties' || k === 'definitions' || k === 'patternProperties' || k === 'dependencies')) return Object.keys(v).length === 0;
  return false;
}

/**
 * Validates `validation` (a CustomResourceValidation: `{openAPIV3Schema: …}`) found at `path`
 * (`spec.versions[0].schema` or, as upstream reports schemas shared by all versions,
 * `spec.validation`).
 */
export function validateCustomResourceValidation(validation: JsonObject | undefined, statusEnabled: boolean, opts: SchemaValidationOptions, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const schema = validation ? objAt(validation, 'openAPIV3Schema') : undefined;
  if (!schema) return errs;
  const schemaPath = child(path, 'openAPIV3Schema');

  if (statusEnabled) {
    for (const [k, allowed] of ROOT_FIELDS_WITH_STATUS) {
      const v = schema[k];
      if (isGoZero(k, v)) continue;
      if (k === 'type') {
        if (v !== 'object') {
          errs.push({ type: 'FieldValueInvalid', field: child(schemaPath, 'type'), value: v, detail: 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled' });
          break;
        }
        continue;
      }
      if (!allowed) {
        errs.push({ type: 'FieldValueInvalid', field: schemaPath, value: schema, detail: ALLOWED_AT_ROOT_TEXT });
        break;
      }
    }
  }
  if (boolAt(schema, 'nullable')) errs.push({ type: 'FieldValueForbidden', field: child(schemaPath, 'nullable'), detail: 'nullable cannot be true at the root' });

  const initErrs: FieldError[] = [];
  if (opts.requireStructuralSchema) {
    const convError = structuralConversionError(schema);
    if (convError) {
      initErrs.push({ type: 'FieldValueInvalid', field: schemaPath, value: '', detail: convError });
    } else {
      const structural = validateStructural(schema, schemaPath);
      if (structural.length > 0) errs.push(...structural);
      else errs.push(...validateSchemaDefaults(compileSchema(schema), schemaPath, opts.requirePrunedDefaults));
    }
  }
  errs.push(...validateOpenAPISchema(schema, schemaPath, { allowDefaults: opts.allowDefaults, insideResourceMeta: false }, true, opts));
  if (errs.length === 0) errs.push(...initErrs);
  return errs;
}

// ---- defaults ----------------------------------------------------------------------------------

/**
 * Every `default` must be pruned already (no fields the schema would drop), and valid against
 * the schema at its position, including embedded-resource rules (upstream ValidateDefaults).
 */
export function validateSchemaDefaults(root: SchemaNode, path: string, requirePruned: boolean): FieldError[] {
  const errs: FieldError[] = [];
  defaultsWalk(asResourceRoot(root), path, false, requirePruned, errs);
  return errs;
}

function defaultsWalk(s: SchemaNode, path: string, insideMeta: boolean, requirePruned: boolean, errs: FieldError[]): void {
  const meta = s.xEmbeddedResource ? false : insideMeta;
  if (s.default !== undefined) {
    const defPath = child(path, 'default');
    if (meta) {
      errs.push(...validateSchemaValue(s.default, s, defPath, { forDefault: true }));
    } else {
      if (requirePruned) {
        const pruned = deepCopy(s.default);
        pruneValue(pruned, s, s.xEmbeddedResource);
        if (!jsonEqual(pruned, s.default)) errs.push({ type: 'FieldValueInvalid', field: defPath, value: s.default, detail: 'must not have unknown fields' });
      }
      const embedded = validateEmbeddedResources(s.default, s, defPath, s.xEmbeddedResource);
      if (embedded.length > 0) errs.push(...embedded);
      else errs.push(...validateSchemaValue(s.default, s, defPath, { forDefault: true }));
    }
  }
  if (s.items) defaultsWalk(s.items, child(path, 'items'), meta, requirePruned, errs);
  if (s.properties) {
    for (const [k, prop] of s.properties) {
      const sub = meta || (s.xEmbeddedResource && META_FIELDS.has(k));
      defaultsWalk(prop, key(child(path, 'properties'), k), sub, requirePruned, errs);
    }
  }
}

// ---- generic OpenAPI rules ----------------------------------------------------------------------

interface Ssv {
  readonly allowDefaults: boolean;
  readonly disallowDefaultsReason?: string;
  readonly insideResourceMeta: boolean;
}

function forbidDefaults(ssv: Ssv, reason: string): Ssv {
  return { ...ssv, allowDefaults: false, disallowDefaultsReason: reason };
}

function standardChecks(s: JsonObject, path: string, ssv: Ssv, opts: SchemaValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const type = strAt(s, 'type');
  if (opts.requireValidPropertyType && type !== '' && !OPENAPI_TYPES.includes(type))
    errs.push({ type: 'FieldValueNotSupported', field: child(path, 'type'), value: type, supported: OPENAPI_TYPES });
  if (s.default !== undefined && s.default !== null && !ssv.allowDefaults) {
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'default'), detail: `must not be set${ssv.disallowDefaultsReason ? ` ${ssv.disallowDefaultsReason}` : ''}` });
  }
  if (strAt(s, 'id')) errs.push({ type: 'FieldValueForbidden', field: child(path, 'id'), detail: 'id is not supported' });
  if (s.additionalItems !== undefined && s.additionalItems !== null) errs.push({ type: 'FieldValueForbidden', field: child(path, 'additionalItems'), detail: 'additionalItems is not supported' });
  if (Object.keys(objAt(s, 'patternProperties') ?? {}).length > 0) errs.push({ type: 'FieldValueForbidden', field: child(path, 'patternProperties'), detail: 'patternProperties is not supported' });
  if (Object.keys(objAt(s, 'definitions') ?? {}).length > 0) errs.push({ type: 'FieldValueForbidden', field: child(path, 'definitions'), detail: 'definitions is not supported' });
  if (s.dependencies !== undefined && s.dependencies !== null) errs.push({ type: 'FieldValueForbidden', field: child(path, 'dependencies'), detail: 'dependencies is not supported' });
  if (typeof s.$ref === 'string') errs.push({ type: 'FieldValueForbidden', field: child(path, '$ref'), detail: '$ref is not supported' });
  if (type === 'null') errs.push({ type: 'FieldValueForbidden', field: child(path, 'type'), detail: 'type cannot be set to null, use nullable as an alternative' });
  if (Array.isArray(s.items) && s.items.length > 0) errs.push({ type: 'FieldValueForbidden', field: child(path, 'items'), detail: 'items must be a schema object and not an array' });
  if (ssv.insideResourceMeta && boolAt(s, 'x-kubernetes-embedded-resource'))
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-embedded-resource'), detail: 'must not be used inside of resource meta' });
  return errs;
}

function validateOpenAPISchema(s: JsonObject, path: string, ssv: Ssv, isRoot: boolean, opts: SchemaValidationOptions): FieldError[] {
  const errs = standardChecks(s, path, ssv, opts);
  if (boolAt(s, 'uniqueItems')) errs.push({ type: 'FieldValueForbidden', field: child(path, 'uniqueItems'), detail: 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic' });

  const props = objAt(s, 'properties') ?? {};
  const propEntries = Object.entries(props).filter((e): e is [string, JsonObject] => isJsonObject(e[1]));
  const ap = s.additionalProperties;
  if (ap !== undefined && ap !== null) {
    if (propEntries.length > 0 && (ap === false || isJsonObject(ap)))
      errs.push({ type: 'FieldValueForbidden', field: child(path, 'additionalProperties'), detail: 'additionalProperties and properties are mutual exclusive' });
    if (isJsonObject(ap)) {
      const sub = ssv.insideResourceMeta ? forbidDefaults(ssv, 'inside additionalProperties applying to object metadata') : ssv;
      errs.push(...validateOpenAPISchema(ap, child(path, 'additionalProperties'), sub, false, opts));
    }
  }
  for (const [name, p] of propEntries) {
    let sub = ssv;
    if ((isRoot || boolAt(s, 'x-kubernetes-embedded-resource')) && META_FIELDS.has(name)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = forbidDefaults(sub, `in top-level ${name}`);
    }
    errs.push(...validateOpenAPISchema(p, key(child(path, 'properties'), name), sub, false, opts));
  }
  const not = objAt(s, 'not');
  if (not) errs.push(...validateOpenAPISchema(not, child(path, 'not'), ssv, false, opts));
  for (const j of ['allOf', 'oneOf', 'anyOf'] as const) {
    (optArrAt(s, j) ?? []).forEach((x, i) => {
      if (isJsonObject(x)) errs.push(...validateOpenAPISchema(x, index(child(path, j), i), ssv, false, opts));
    });
  }
  for (const [name, d] of Object.entries(objAt(s, 'definitions') ?? {})) {
    if (isJsonObject(d)) errs.push(...validateOpenAPISchema(d, key(child(path, 'definitions'), name), ssv, false, opts));
  }
  const items = s.items;
  if (isJsonObject(items)) errs.push(...validateOpenAPISchema(items, child(path, 'items'), ssv, false, opts));
  else if (Array.isArray(items))
    items.forEach((x, i) => {
      if (isJsonObject(x)) errs.push(...validateOpenAPISchema(x, index(child(path, 'items'), i), ssv, false, opts));
    });
  for (const [name, d] of Object.entries(objAt(s, 'dependencies') ?? {})) {
    if (isJsonObject(d)) errs.push(...validateOpenAPISchema(d, key(child(path, 'dependencies'), name), ssv, false, opts));
  }

  if (s['x-kubernetes-preserve-unknown-fields'] === false)
    errs.push({ type: 'FieldValueInvalid', field: child(path, 'x-kubernetes-preserve-unknown-fields'), value: false, detail: 'must be true or undefined' });

  errs.push(...listAndMapTypeChecks(s, path, opts));
  errs.push(...xValidationsChecks(s, path));
  return errs;
}

function listAndMapTypeChecks(s: JsonObject, path: string, opts: SchemaValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const type = strAt(s, 'type');
  const mapType = typeof s['x-kubernetes-map-type'] === 'string' ? s['x-kubernetes-map-type'] : undefined;
  const listType = typeof s['x-kubernetes-list-type'] === 'string' ? s['x-kubernetes-list-type'] : undefined;
  const mapKeys = (optArrAt(s, 'x-kubernetes-list-map-keys') ?? []).filter((k): k is string => typeof k === 'string');
  const items = objAt(s, 'items');

  if (mapType !== undefined && type !== 'object') {
    if (type === '') errs.push({ type: 'FieldValueRequired', field: child(path, 'type'), detail: 'must be object if x-kubernetes-map-type is specified' });
    else errs.push({ type: 'FieldValueInvalid', field: child(path, 'type'), value: type, detail: 'must be object if x-kubernetes-map-type is specified' });
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular')
    errs.push({ type: 'FieldValueNotSupported', field: child(path, 'x-kubernetes-map-type'), value: mapType, supported: ['atomic', 'granular'] });

  if (listType !== undefined && type !== 'array') {
    if (type === '') errs.push({ type: 'FieldValueRequired', field: child(path, 'type'), detail: 'must be array if x-kubernetes-list-type is specified' });
    else errs.push({ type: 'FieldValueInvalid', field: child(path, 'type'), value: type, detail: 'must be array if x-kubernetes-list-type is specified' });
  } else if (opts.requireAtomicSetType && listType === 'set' && items) {
    const itemType = strAt(items, 'type');
    const itemListType = typeof items['x-kubernetes-list-type'] === 'string' ? items['x-kubernetes-list-type'] : undefined;
    const itemMapType = typeof items['x-kubernetes-map-type'] === 'string' ? items['x-kubernetes-map-type'] : undefined;
    if (itemType === 'array' && itemListType !== undefined && itemListType !== 'atomic')
      errs.push({ type: 'FieldValueInvalid', field: child(child(path, 'items'), 'x-kubernetes-list-type'), value: itemListType, detail: 'must be atomic as item of a list with x-kubernetes-list-type=set' });
    if (itemType === 'object' && itemMapType !== 'atomic')
      errs.push({ type: 'FieldValueInvalid', field: child(child(path, 'items'), 'x-kubernetes-map-type'), value: itemListType ?? null, detail: 'must be atomic as item of a list with x-kubernetes-list-type=set' });
  }
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map')
    errs.push({ type: 'FieldValueNotSupported', field: child(path, 'x-kubernetes-list-type'), value: listType, supported: ['atomic', 'set', 'map'] });

  if (mapKeys.length > 0) {
    if (listType === undefined) errs.push({ type: 'FieldValueRequired', field: child(path, 'x-kubernetes-list-type'), detail: 'must be map if x-kubernetes-list-map-keys is non-empty' });
    else if (listType !== 'map') errs.push({ type: 'FieldValueInvalid', field: child(path, 'x-kubernetes-list-type'), value: listType, detail: 'must be map if x-kubernetes-list-map-keys is non-empty' });
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) errs.push({ type: 'FieldValueRequired', field: child(path, 'x-kubernetes-list-map-keys'), detail: 'must not be empty if x-kubernetes-list-type is map' });
    if (s.items === undefined || s.items === null) errs.push({ type: 'FieldValueRequired', field: child(path, 'items'), detail: 'must have a schema if x-kubernetes-list-type is map' });
    if (Array.isArray(s.items)) errs.push({ type: 'FieldValueInvalid', field: child(path, 'items'), value: s.items, detail: 'must only have a single schema if x-kubernetes-list-type is map' });
    if (items && strAt(items, 'type') !== 'object')
      errs.push({ type: 'FieldValueInvalid', field: child(child(path, 'items'), 'type'), value: strAt(items, 'type'), detail: "must be object if parent array's x-kubernetes-list-type is map" });
    if (items && strAt(items, 'type') === 'object') {
      const itemProps = objAt(items, 'properties') ?? {};
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const p = itemProps[k];
        if (isJsonObject(p)) {
          const t = strAt(p, 'type');
          if (t === 'array' || t === 'object')
            errs.push({
              type: 'FieldValueInvalid',
              field: child(key(child(child(path, 'items'), 'properties'), k), 'type'),
              value: 'object',
              detail: "must be a scalar type if parent array's x-kubernetes-list-type is map",
            });
        } else {
          errs.push({ type: 'FieldValueInvalid', field: child(path, 'x-kubernetes-list-map-keys'), value: mapKeys, detail: 'entries must all be names of item properties' });
        }
        if (seen.has(k)) errs.push({ type: 'FieldValueInvalid', field: child(path, 'x-kubernetes-list-map-keys'), value: mapKeys, detail: 'must not contain duplicate entries' });
        seen.add(k);
      }
    }
  }
  if (opts.requireMapListKeysMapSetValidation) errs.push(...mapListKeysMapSetChecks(s, path));
  return errs;
}

/** Items of set and map lists may not be null; map keys must be required or defaulted, and not nullable. */
export function mapListKeysMapSetChecks(s: JsonObject, path: string): FieldError[] {
  const items = objAt(s, 'items');
  const listType = typeof s['x-kubernetes-list-type'] === 'string' ? s['x-kubernetes-list-type'] : undefined;
  if (!items || (listType !== 'set' && listType !== 'map')) return [];
  const errs: FieldError[] = [];
  const itemsPath = child(path, 'items');
  if (boolAt(items, 'nullable')) errs.push({ type: 'FieldValueForbidden', field: child(itemsPath, 'nullable'), detail: `cannot be nullable when x-kubernetes-list-type is ${listType}` });
  if (listType === 'map') {
    const required = new Set((optArrAt(items, 'required') ?? []).filter((x): x is string => typeof x === 'string'));
    const props = objAt(items, 'properties') ?? {};
    for (const k of (optArrAt(s, 'x-kubernetes-list-map-keys') ?? []).filter((x): x is string => typeof x === 'string')) {
      const p = props[k];
      if (!isJsonObject(p)) continue;
      const pPath = key(child(itemsPath, 'properties'), k);
      if (!required.has(k) && (p.default === undefined || p.default === null))
        errs.push({ type: 'FieldValueRequired', field: child(pPath, 'default'), detail: 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property' });
      if (boolAt(p, 'nullable')) errs.push({ type: 'FieldValueForbidden', field: child(pPath, 'nullable'), detail: 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable' });
    }
  }
  return errs;
}

function hasNewlines(s: string): boolean {
  return /[\n\r]/.test(s);
}

function xValidationsChecks(s: JsonObject, path: string): FieldError[] {
  const rules = optArrAt(s, 'x-kubernetes-validations');
  if (!rules) return [];
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    if (!isJsonObject(r)) return;
    const p = index(child(path, 'x-kubernetes-validations'), i);
    const rule = strAt(r, 'rule');
    const message = strAt(r, 'message');
    const messageExpression = strAt(r, 'messageExpression');
    const trimmedRule = rule.trim();
    const trimmedMsg = message.trim();
    if (trimmedRule.length === 0) errs.push({ type: 'FieldValueRequired', field: child(p, 'rule'), detail: 'rule is not specified' });
    else if (message.length > 0 && trimmedMsg.length === 0) errs.push({ type: 'FieldValueInvalid', field: child(p, 'message'), value: message, detail: 'message must be non-empty if specified' });
    else if (hasNewlines(trimmedMsg)) errs.push({ type: 'FieldValueInvalid', field: child(p, 'message'), value: message, detail: 'message must not contain line breaks' });
    else if (hasNewlines(trimmedRule) && trimmedMsg.length === 0)
      errs.push({ type: 'FieldValueRequired', field: child(p, 'message'), detail: 'message must be specified if rule contains line breaks' });
    if (messageExpression.length > 0 && messageExpression.trim().length === 0)
      errs.push({ type: 'FieldValueRequired', field: child(p, 'messageExpression'), detail: 'messageExpression must be non-empty if specified' });
    const reason = r.reason;
    if (typeof reason === 'string' && !VALIDATION_REASONS.includes(reason))
      errs.push({ type: 'FieldValueNotSupported', field: child(p, 'reason'), value: reason, supported: VALIDATION_REASONS });
    const fieldPath = strAt(r, 'fieldPath');
    if (fieldPath.length > 0 && fieldPath.trim().length === 0) errs.push({ type: 'FieldValueInvalid', field: child(p, 'fieldPath'), value: fieldPath, detail: 'fieldPath must be non-empty if specified' });
    if (hasNewlines(fieldPath)) errs.push({ type: 'FieldValueInvalid', field: child(p, 'fieldPath'), value: fieldPath, detail: 'fieldPath must not contain line breaks' });
    if (fieldPath.length > 0 && structuralConversionError(s) === undefined && validFieldPath(fieldPath, compileSchema(s), true).error !== undefined)
      errs.push({ type: 'FieldValueInvalid', field: child(p, 'fieldPath'), value: fieldPath, detail: 'fieldPath must be a valid path' });
  });
  return errs;
}

// ---- field paths into a schema (cel.ValidFieldPath) ---------------------------------------------

export interface FieldPathResult {
  /** The path rendered as field.Path (`spec.foo[bar]`); undefined on error. */
  readonly path?: string;
  /** The first segment (`spec`, `metadata` …). */
  readonly root?: string;
  readonly schema?: SchemaNode;
  readonly error?: string;
}

function tokenize(jsonPath: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < jsonPath.length) {
    const c = jsonPath[i];
    if (c === '.' || c === '[' || c === ']') {
      tokens.push(c);
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < jsonPath.length && !(jsonPath[j] === "'" && jsonPath[j - 1] !== '\\')) j++;
      tokens.push(jsonPath.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < jsonPath.length && !'.[]'.includes(jsonPath[j])) j++;
    tokens.push(jsonPath.slice(i, j));
    i = j;
  }
  return tokens;
}

/**
 * Resolves a JSON path of field accessors (`.spec.foo`, `.spec['a.b']`) against a schema, with
 * upstream's error texts. Array notation is for map keys and quoted names only.
 */
export function validFieldPath(jsonPath: string, root: SchemaNode, allowArrayNotation: boolean): FieldPathResult {
  let schema: SchemaNode | undefined = root;
  let path = '';
  let first: string | undefined;
  const append = (name: string): string | undefined => {
    const s = schema as SchemaNode;
    if (s.properties) {
      const p = s.properties.get(name);
      if (!p) return 'does not refer to a valid field';
      path = child(path, name);
      schema = p;
    } else if (s.additionalProperties) {
      path = key(path, name);
      schema = s.additionalProperties.schema;
    } else {
      return 'does not refer to a valid field';
    }
    first ??= name;
    return undefined;
  };
  const tokens = tokenize(jsonPath);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '[') {
      if (!allowArrayNotation) return { error: 'array notation is not allowed' };
      const lit = tokens[++i];
      if (lit === undefined) return { error: 'unexpected end of JSON path' };
      if (lit.length < 2 || !lit.startsWith("'") || !lit.endsWith("'")) return { error: `expected single quoted string but got ${lit}` };
      if (!schema) return { error: 'does not refer to a valid field' };
      const err = append(lit.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\'));
      if (err) return { error: err };
      const close = tokens[++i];
      if (close === undefined) return { error: 'unexpected end of JSON path' };
      if (close !== ']') return { error: `expected ] but got ${close}` };
    } else if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) return { error: 'unexpected end of JSON path' };
      if (!schema) return { error: 'does not refer to a valid field' };
      const err = append(name);
      if (err) return { error: err };
    } else {
      return { error: `expected [ or . but got: ${tok}` };
    }
  }
  return { path, root: first, schema };
}
