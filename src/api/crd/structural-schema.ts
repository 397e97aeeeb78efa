/**
 * The compiled form of a CRD version's `openAPIV3Schema`.
 *
 * A CRD schema is compiled once (when the CRD is created or changed) into a tree of SchemaNodes
 * and reused for every request: validation, pruning and defaulting all walk this tree instead of
 * re-reading the raw JSON. Compilation is total — it never throws — because stored CRDs were
 * validated when written; values of the wrong JSON type are treated as absent.
 *
 * The node carries both views upstream distinguishes (apiextensions-apiserver
 * pkg/apiserver/schema): the *structural* part (type, properties, items, additionalProperties,
 * nullable, default, x-kubernetes-* extensions) that drives pruning and defaulting, and the *value
 * validations* (enum, bounds, pattern, format, required, allOf/anyOf/oneOf/not) that only
 * validation reads.
 *
 * This file also holds the structural-schema rules a CRD must satisfy (upstream
 * ValidateStructural and NewStructural), since they are about the same shape.
 */
import { boolAt, objAt, optArrAt, optNumAt, strAt } from '../json-access.js';
import { fieldErrorBody, type FieldError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { child, index, key } from '../validation/field-errors.js';
import { compileGoRegExp } from './go-regexp.js';
import { isEnforcedFormat } from './string-formats.js';

export interface AdditionalProperties {
  /** `additionalProperties: true` or a schema: other keys are allowed. */
  readonly allows: boolean;
  /** The schema other keys must follow, when one was given. */
  readonly schema?: SchemaNode;
}

export interface SchemaNode {
  /** `type`, or '' when absent. */
  readonly type: string;
  readonly nullable: boolean;
  /** The declared format ('' when absent). */
  readonly format: string;
  /** The format CR validation enforces on strings ('' when the format is not enforced). */
  readonly enforcedFormat: string;
  readonly title: string;
  readonly description: string;
  /** The default value; undefined when absent (a `null` default counts as absent, as upstream). */
  readonly default: JsonValue | undefined;
  /** Declared properties in declaration order; undefined when none. */
  readonly properties: ReadonlyMap<string, SchemaNode> | undefined;
  readonly additionalProperties: AdditionalProperties | undefined;
  readonly items: SchemaNode | undefined;
  readonly allOf: readonly SchemaNode[];
  readonly anyOf: readonly SchemaNode[];
  readonly oneOf: readonly SchemaNode[];
  readonly not: SchemaNode | undefined;
  readonly enum: readonly JsonValue[] | undefined;
  readonly required: readonly string[];
  readonly maximum: number | undefined;
  readonly exclusiveMaximum: boolean;
  readonly minimum: number | undefined;
  readonly exclusiveMinimum: boolean;
  readonly multipleOf: number | undefined;
  readonly maxLength: number | undefined;
  readonly minLength: number | undefined;
  readonly maxItems: number | undefined;
  readonly minItems: number | undefined;
  readonly uniqueItems: boolean;
  readonly maxProperties: number | undefined;
  readonly minProperties: number | undefined;
  readonly pattern: string | undefined;
  /** The compiled pattern, or the Go compile error text. */
  readonly patternRegExp: RegExp | undefined;
  readonly patternError: string | undefined;
  readonly xPreserveUnknownFields: boolean;
  readonly xEmbeddedResource: boolean;
  readonly xIntOrString: boolean;
  readonly xListType: string | undefined;
  readonly xListMapKeys: readonly string[];
  readonly xMapType: string | undefined;
  /**
   * `x-kubernetes-validations` (CEL rules), kept for discovery/OpenAPI only: lite does not
   * evaluate CEL, so these rules are never enforced.
   */
  readonly xValidations: readonly JsonObject[];
  /** The raw JSON this node was compiled from. */
  readonly raw: JsonObject;
}

// ---- compilation ------------------------------------------------------------------------------

function strings(v: JsonValue[] | undefined): string[] {
  return v ? v.filter((x): x is string => typeof x === 'string') : [];
}

const EMPTY: JsonObject = {};

/** Compiles a raw OpenAPI v3 schema (a version's `schema.openAPIV3Schema`). */
export function compileSchema(raw: unknown): SchemaNode {
  return compileNode(isJsonObject(raw) ? raw : EMPTY);
}

function compileNode(raw: JsonObject): SchemaNode {
  const propsRaw = objAt(raw, 'properties');
  let properties: Map<string, SchemaNode> | undefined;
  if (propsRaw && Object.keys(propsRaw).length > 0) {
    properties = new Map();
    for (const [k, v] of Object.entries(propsRaw)) if (isJsonObject(v)) properties.set(k, compileNode(v));
  }
  let additionalProperties: AdditionalProperties | undefined;
  const ap = raw.additionalProperties;
  if (typeof ap === 'boolean') additionalProperties = { allows: ap };
  else if (isJsonObject(ap)) additionalProperties = { allows: true, schema: compileNode(ap) };
  const itemsRaw = raw.items;
  const items = isJsonObject(itemsRaw) ? compileNode(itemsRaw) : undefined;
  const junctor = (key: string): SchemaNode[] => (optArrAt(raw, key) ?? []).filter(isJsonObject).map(compileNode);
  const notRaw = objAt(raw, 'not');
  const pattern = typeof raw.pattern === 'string' && raw.pattern !== '' ? raw.pattern : undefined;
  const compiled = pattern === undefined ? undefined : compileGoRegExp(pattern);
  const format = strAt(raw, 'format');
  const def = raw.default;
  const enumRaw = optArrAt(raw, 'enum');
  const xv = optArrAt(raw, 'x-kubernetes-validations');
  return {
    type: strAt(raw, 'type'),
    nullable: boolAt(raw, 'nullable'),
    format,
    enforcedFormat: isEnforcedFormat(format) ? format : '',
    title: strAt(raw, 'title'),
    description: strAt(raw, 'description'),
    default: def === null || def === undefined ? undefined : def,
    properties,
    additionalProperties,
    items,
    allOf: junctor('allOf'),
    anyOf: junctor('anyOf'),
    oneOf: junctor('oneOf'),
    not: notRaw ? compileNode(notRaw) : undefined,
    enum: enumRaw && enumRaw.length > 0 ? enumRaw : undefined,
    required: strings(optArrAt(raw, 'required')),
    maximum: optNumAt(raw, 'maximum'),
    exclusiveMaximum: boolAt(raw, 'exclusiveMaximum'),
    minimum: optNumAt(raw, 'minimum'),
    exclusiveMinimum: boolAt(raw, 'exclusiveMinimum'),
    multipleOf: optNumAt(raw, 'multipleOf'),
    maxLength: optNumAt(raw, 'maxLength'),
    minLength: optNumAt(raw, 'minLength'),
    maxItems: optNumAt(raw, 'maxItems'),
    minItems: optNumAt(raw, 'minItems'),
    uniqueItems: boolAt(raw, 'uniqueItems'),
    maxProperties: optNumAt(raw, 'maxProperties'),
    minProperties: optNumAt(raw, 'minProperties'),
    pattern,
    patternRegExp: compiled?.regexp,
    patternError: compiled?.error,
    xPreserveUnknownFields: boolAt(raw, 'x-kubernetes-preserve-unknown-fields'),
    xEmbeddedResource: boolAt(raw, 'x-kubernetes-embedded-resource'),
    xIntOrString: boolAt(raw, 'x-kubernetes-int-or-string'),
    xListType: typeof raw['x-kubernetes-list-type'] === 'string' ? raw['x-kubernetes-list-type'] : undefined,
    xListMapKeys: strings(optArrAt(raw, 'x-kubernetes-list-map-keys')),
    xMapType: typeof raw['x-kubernetes-map-type'] === 'string' ? raw['x-kubernetes-map-type'] : undefined,
    xValidations: (xv ?? []).filter(isJsonObject),
    raw,
  };
}

/** The schema for a value under `key` of an object following `s` (a property or additionalProperties). */
export function childSchema(s: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (!s) return undefined;
  return s.properties?.get(key) ?? s.additionalProperties?.schema;
}

/** A copy of `s` marked as an embedded resource (how upstream treats the resource root). */
export function asResourceRoot(s: SchemaNode | undefined): SchemaNode {
  const base = s ?? compileSchema(EMPTY);
  return base.xEmbeddedResource ? base : { ...base, xEmbeddedResource: true };
}

// ---- NewStructural conversion errors ----------------------------------------------------------

const SCHEMA_JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;

/**
 * The error upstream's structural conversion (NewStructural) fails with, or undefined. These are
 * reported only when nothing else is wrong with the schema, since the generic OpenAPI checks
 * already cover the same ground with better paths.
 */
export function structuralConversionError(raw: JsonObject): string | undefined {
  if (strAt(raw, 'id')) return "OpenAPIV3Schema 'id' is not supported";
  if (strAt(raw, '$schema')) return "OpenAPIV3Schema 'schema' is not supported";
  if (strAt(raw, '$ref')) return "OpenAPIV3Schema '$ref' is not supported";
  if (nonEmptyObject(raw, 'patternProperties')) return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (nonEmptyObject(raw, 'dependencies')) return "OpenAPIV3Schema 'dependencies' is not supported";
  if (raw.additionalItems !== undefined && raw.additionalItems !== null) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (nonEmptyObject(raw, 'definitions')) return "OpenAPIV3Schema 'definitions' is not supported";
  if (raw['x-kubernetes-preserve-unknown-fields'] === false) return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  if (Array.isArray(raw.items) && raw.items.length > 0) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  const subs: JsonObject[] = [];
  const items = objAt(raw, 'items');
  if (items) subs.push(items);
  for (const v of Object.values(objAt(raw, 'properties') ?? {})) if (isJsonObject(v)) subs.push(v);
  const ap = objAt(raw, 'additionalProperties');
  if (ap) subs.push(ap);
  for (const j of SCHEMA_JUNCTORS) for (const v of optArrAt(raw, j) ?? []) if (isJsonObject(v)) subs.push(v);
  const not = objAt(raw, 'not');
  if (not) subs.push(not);
  for (const s of subs) {
    const err = structuralConversionError(s);
    if (err) return err;
  }
  return undefined;
}

function nonEmptyObject(o: JsonObject, k: string): boolean {
  const v = objAt(o, k);
  return v !== undefined && Object.keys(v).length > 0;
}

// ---- ValidateStructural -------------------------------------------------------------------------

type Level = 'root' | 'item' | 'field';

const LEVEL_DETAIL: Readonly<Record<Level, string>> = {
  root: 'must not be empty at the root',
  item: 'must not be empty for specified array items',
  field: 'must not be empty for specified object fields',
};

function isIntOrStringAnyOf(anyOf: JsonValue[] | undefined): boolean {
  if (!anyOf || anyOf.length !== 2) return false;
  const [a, b] = anyOf;
  return isJsonObject(a) && isJsonObject(b) && onlyType(a, 'integer') && onlyType(b, 'string');
}

/** The schema is exactly `{type: t}` as far as the structural model sees it. */
function onlyType(o: JsonObject, t: string): boolean {
  for (const [k, v] of Object.entries(o)) {
    if (k === 'type') {
      if (v !== t) return false;
    } else if (!isStructuralZero(k, v)) return false;
  }
  return true;
}

/**
 * Whether a schema keyword holds its zero value in upstream's Go model (so it is invisible to
 * reflect.DeepEqual comparisons). Keywords the structural model drops count as zero.
 */
export function isStructuralZero(k: string, v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  switch (k) {
    case 'description':
    case 'type':
    case 'title':
    case 'format':
    case 'pattern':
      return v === '';
    case 'nullable':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
    case 'uniqueItems':
    case 'x-kubernetes-embedded-resource':
    case 'x-kubernetes-int-or-string':
    case 'x-kubernetes-preserve-unknown-fields':
      return v === false;
    case 'enum':
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
      return Array.isArray(v) && v.length === 0;
    case 'properties':
      return isJsonObject(v) && Object.keys(v).length === 0;
    case 'example':
    case 'externalDocs':
    case 'id':
    case '$schema':
      return true;
    default:
      return false;
  }
}

/**
 * Upstream ValidateStructural: the invariants every node must satisfy plus the completeness of the
 * root's logical junctors, sorted by their rendered text as upstream sorts them.
 */
export function validateStructural(raw: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  structuralInvariants(raw, 'root', path, errs);
  rootCompleteness(raw, path, errs);
  return errs.sort((a, b) => compareStrings(renderForSort(a), renderForSort(b)));
}

function renderForSort(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function structuralInvariants(s: JsonObject, lvl: Level, path: string, errs: FieldError[]): void {
  const type = strAt(s, 'type');
  const items = objAt(s, 'items');
  if (type === 'array' && !items) errs.push({ type: 'FieldValueRequired', field: child(path, 'items'), detail: 'must be specified' });
  if (items) structuralInvariants(items, 'item', child(path, 'items'), errs);
  const props = objAt(s, 'properties');
  const propEntries = Object.entries(props ?? {}).filter((e): e is [string, JsonObject] => isJsonObject(e[1]));
  for (const [k, v] of propEntries) structuralInvariants(v, 'field', key(child(path, 'properties'), k), errs);

  const ap = s.additionalProperties;
  if (ap !== undefined && ap !== null) {
    if (lvl === 'root') errs.push({ type: 'FieldValueForbidden', field: child(path, 'additionalProperties'), detail: 'must not be used at the root' });
    if (isJsonObject(ap)) structuralInvariants(ap, 'field', child(path, 'additionalProperties'), errs);
  }

  const intOrString = boolAt(s, 'x-kubernetes-int-or-string');
  const preserve = boolAt(s, 'x-kubernetes-preserve-unknown-fields');
  const embedded = boolAt(s, 'x-kubernetes-embedded-resource');
  if (intOrString && preserve)
    errs.push({ type: 'FieldValueInvalid', field: child(path, 'x-kubernetes-preserve-unknown-fields'), value: true, detail: 'must be false if x-kubernetes-int-or-string is true' });
  if (intOrString && embedded)
    errs.push({ type: 'FieldValueInvalid', field: child(path, 'x-kubernetes-embedded-resource'), value: true, detail: 'must be false if x-kubernetes-int-or-string is true' });

  const skipAnyOf = isIntOrStringAnyOf(optArrAt(s, 'anyOf'));
  const allOf0 = optArrAt(s, 'allOf')?.[0];
  const skipFirstAllOfAnyOf = isJsonObject(allOf0) && isIntOrStringAnyOf(optArrAt(allOf0, 'anyOf'));
  valueValidationInvariants(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path, errs);

  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && type !== 'object') {
    if (type === '') errs.push({ type: 'FieldValueRequired', field: child(path, 'type'), detail: 'must be object if x-kubernetes-embedded-resource is true' });
    else errs.push({ type: 'FieldValueInvalid', field: child(path, 'type'), value: type, detail: 'must be object if x-kubernetes-embedded-resource is true' });
  } else if (type === '' && !intOrString && !preserve) {
    errs.push({ type: 'FieldValueRequired', field: child(path, 'type'), detail: LEVEL_DETAIL[lvl] });
  }
  if (embedded && ap !== undefined && ap !== null)
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'additionalProperties'), detail: 'must not be used if x-kubernetes-embedded-resource is set' });
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push({ type: 'FieldValueInvalid', field: child(path, 'type'), value: type, detail: 'must be object at the root' });

  const propsPath = child(path, 'properties');
  for (const name of ['kind', 'apiVersion']) {
    const p = props ? objAt(props, name) : undefined;
    if (p && checkMetadata && strAt(p, 'type') !== 'string')
      errs.push({ type: 'FieldValueInvalid', field: child(key(propsPath, name), 'type'), value: strAt(p, 'type'), detail: 'must be string' });
  }
  const metadata = props ? objAt(props, 'metadata') : undefined;
  if (metadata) metadataInvariants(metadata, checkMetadata, lvl, key(propsPath, 'metadata'), errs);

  if (embedded && !preserve && propEntries.length === 0)
    errs.push({
      type: 'FieldValueRequired',
      field: child(path, 'properties'),
      detail: 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
    });
}

function metadataInvariants(s: JsonObject, checkMetadata: boolean, lvl: Level, path: string, errs: FieldError[]): void {
  if (checkMetadata && strAt(s, 'type') !== 'object') errs.push({ type: 'FieldValueInvalid', field: child(path, 'type'), value: strAt(s, 'type'), detail: 'must be object' });
  if (lvl !== 'root') return;
  // At the resource root, metadata is implicit: only restrictions of name and generateName may
  // be given (anything else would be silently ignored, so it is refused).
  const props = objAt(s, 'properties') ?? {};
  const names = Object.keys(props);
  const onlyNames = names.length > 0 && names.length <= 2 && names.every((n) => n === 'name' || n === 'generateName');
  for (const [k, v] of Object.entries(s)) {
    if (k === 'type' || k === 'default') continue;
    if (k === 'properties' && (onlyNames || names.length === 0)) continue;
    if (isStructuralZero(k, v)) continue;
    errs.push({ type: 'FieldValueForbidden', field: path, detail: 'must not specify anything other than name and generateName, but metadata is implicitly specified' });
    return;
  }
}

function valueValidationInvariants(s: JsonObject, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string, errs: FieldError[]): void {
  if (!skipAnyOf)
    (optArrAt(s, 'anyOf') ?? []).forEach((v, i) => {
      if (isJsonObject(v)) nestedInvariants(v, false, lvl, index(child(path, 'anyOf'), i), errs);
    });
  (optArrAt(s, 'allOf') ?? []).forEach((v, i) => {
    if (isJsonObject(v)) nestedInvariants(v, skipFirstAllOfAnyOf && i === 0, lvl, index(child(path, 'allOf'), i), errs);
  });
  (optArrAt(s, 'oneOf') ?? []).forEach((v, i) => {
    if (isJsonObject(v)) nestedInvariants(v, false, lvl, index(child(path, 'oneOf'), i), errs);
  });
  const not = objAt(s, 'not');
  if (not) nestedInvariants(not, false, lvl, child(path, 'not'), errs);
  const pattern = strAt(s, 'pattern');
  if (pattern) {
    const res = compileGoRegExp(pattern);
    if (res.error) errs.push({ type: 'FieldValueInvalid', field: child(path, 'pattern'), value: pattern, detail: `must be a valid regular expression, but isn't: ${res.error}` });
  }
}

/** Inside allOf/anyOf/oneOf/not only value validations are allowed. */
function nestedInvariants(v: JsonObject, skipAnyOf: boolean, lvl: Level, path: string, errs: FieldError[]): void {
  valueValidationInvariants(v, skipAnyOf, false, lvl, path, errs);
  const items = objAt(v, 'items');
  if (items) nestedInvariants(items, false, lvl, child(path, 'items'), errs);
  const props = objAt(v, 'properties');
  for (const [k, p] of Object.entries(props ?? {})) if (isJsonObject(p)) nestedInvariants(p, false, 'field', key(child(path, 'properties'), k), errs);

  if (strAt(v, 'type')) errs.push({ type: 'FieldValueForbidden', field: child(path, 'type'), detail: 'must be empty to be structural' });
  const ap = v.additionalProperties;
  if (isJsonObject(ap) || ap === true) errs.push({ type: 'FieldValueForbidden', field: child(path, 'additionalProperties'), detail: 'must be undefined to be structural' });
  if (v.default !== undefined && v.default !== null) errs.push({ type: 'FieldValueForbidden', field: child(path, 'default'), detail: 'must be undefined to be structural' });
  if (strAt(v, 'title')) errs.push({ type: 'FieldValueForbidden', field: child(path, 'title'), detail: 'must be empty to be structural' });
  if (strAt(v, 'description')) errs.push({ type: 'FieldValueForbidden', field: child(path, 'description'), detail: 'must be empty to be structural' });
  if (boolAt(v, 'nullable')) errs.push({ type: 'FieldValueForbidden', field: child(path, 'nullable'), detail: 'must be false to be structural' });
  if (boolAt(v, 'x-kubernetes-preserve-unknown-fields'))
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-preserve-unknown-fields'), detail: 'must be false to be structural' });
  if (boolAt(v, 'x-kubernetes-embedded-resource'))
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-embedded-resource'), detail: 'must be false to be structural' });
  if (boolAt(v, 'x-kubernetes-int-or-string'))
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-int-or-string'), detail: 'must be false to be structural' });
  if ((optArrAt(v, 'x-kubernetes-list-map-keys') ?? []).length > 0)
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-list-map-keys'), detail: 'must be empty to be structural' });
  if (typeof v['x-kubernetes-list-type'] === 'string')
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-list-type'), detail: 'must be undefined to be structural' });
  if (typeof v['x-kubernetes-map-type'] === 'string')
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-map-type'), detail: 'must be undefined to be structural' });
  if ((optArrAt(v, 'x-kubernetes-validations') ?? []).length > 0)
    errs.push({ type: 'FieldValueForbidden', field: child(path, 'x-kubernetes-validations'), detail: 'must be empty to be structural' });
  if (props && isJsonObject(props.metadata))
    errs.push({ type: 'FieldValueForbidden', field: key(child(path, 'properties'), 'metadata'), detail: 'must not be specified in a nested context' });
}

/**
 * Completeness: every property or items a junctor of the root mentions must also be specified
 * structurally (upstream checks only the root's own junctors, recursively through them).
 */
function rootCompleteness(s: JsonObject, path: string, errs: FieldError[]): void {
  valueCompleteness(s, s, path, path, errs);
}

function junctorsOf(v: JsonObject, vPath: string): [JsonObject, string][] {
  const out: [JsonObject, string][] = [];
  const not = objAt(v, 'not');
  if (not) out.push([not, child(vPath, 'not')]);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const)
    (optArrAt(v, j) ?? []).forEach((x, i) => {
      if (isJsonObject(x)) out.push([x, index(child(vPath, j), i)]);
    });
  return out;
}

function valueCompleteness(v: JsonObject, s: JsonObject | undefined, sPath: string, vPath: string, errs: FieldError[]): void {
  if (!s) {
    errs.push({ type: 'FieldValueRequired', field: sPath, detail: `because it is defined in ${vPath}` });
    return;
  }
  for (const [nested, nPath] of junctorsOf(v, vPath)) nestedCompleteness(nested, s, sPath, nPath, errs);
}

function nestedCompleteness(v: JsonObject, s: JsonObject | undefined, sPath: string, vPath: string, errs: FieldError[]): void {
  if (!s) {
    errs.push({ type: 'FieldValueRequired', field: sPath, detail: `because it is defined in ${vPath}` });
    return;
  }
  valueCompleteness(v, s, sPath, vPath, errs);
  const vItems = objAt(v, 'items');
  if (vItems) nestedCompleteness(vItems, objAt(s, 'items'), child(sPath, 'items'), child(vPath, 'items'), errs);
  const sProps = objAt(s, 'properties') ?? {};
  for (const [k, vp] of Object.entries(objAt(v, 'properties') ?? {})) {
    if (!isJsonObject(vp)) continue;
    const sp = sProps[k];
    if (!isJsonObject(sp)) {
      errs.push({
        type: 'FieldValueRequired',
        field: key(child(sPath, 'properties'), k),
        detail: `because it is defined in ${key(child(vPath, 'properties'), k)}`,
      });
    } else {
      nestedCompleteness(vp, sp, key(child(sPath, 'properties'), k), key(child(vPath, 'properties'), k), errs);
    }
  }
}
