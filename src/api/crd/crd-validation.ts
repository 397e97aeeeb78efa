/**
 * Validation and defaulting of CustomResourceDefinitions (apiextensions.k8s.io/v1), following
 * apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go and the v1 defaults.
 *
 * Upstream validates the *internal* form of a CRD, converted from v1: when every version carries
 * an identical schema (or identical subresources, printer columns, selectable fields) the value is
 * moved to a top-level field of the internal spec. Error paths therefore name
 * `spec.validation.openAPIV3Schema…`, `spec.subresources…` and `spec.additionalPrinterColumns[i]…`
 * for single-version CRDs and for values shared by all versions, and `spec.versions[i]…` only when
 * versions differ. The conversion fields likewise use internal names
 * (`spec.conversion.webhookClientConfig`, `spec.conversion.conversionReviewVersions`). lite
 * reproduces those paths, since they are what kubectl users see.
 *
 * Generic ObjectMeta validation (name syntax, labels, …) is done elsewhere; this module adds only
 * the CRD rule that the name must be `<plural>.<group>`.
 *
 * Conversion webhooks: a `Webhook` strategy is validated for shape but lite never calls
 * webhooks; objects are served in every version by rewriting apiVersion only. The webhook CA
 * bundle is not parsed.
 */
import { boolAt, objAt, optArrAt, strAt } from '../json-access.js';
import type { FieldError } from '../errors.js';
import { deepCopy, isJsonObject, jsonEqual, type JsonObject, type JsonValue, type KubeObject } from '../object.js';
import { STRICT_SCHEMA_OPTIONS, mapListKeysMapSetChecks, validFieldPath, validateCustomResourceValidation, type SchemaValidationOptions } from './crd-schema-validation.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validation/names.js';
import { child, index, key } from '../validation/field-errors.js';
import { ACCEPTED_REVIEW_VERSIONS, validateWebhookService, validateWebhookURL } from '../validation/webhook.js';
import { pruneValue } from './prune.js';
import { compileSchema, structuralConversionError, validateStructural } from './structural-schema.js';

// ---- reading the v1 object ----------------------------------------------------------------------

export interface CrdNames {
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
}

function stringList(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function readNames(v: JsonValue | undefined): CrdNames {
  const o = isJsonObject(v) ? v : {};
  return {
    plural: strAt(o, 'plural'),
    singular: strAt(o, 'singular'),
    kind: strAt(o, 'kind'),
    listKind: strAt(o, 'listKind'),
    shortNames: stringList(o.shortNames),
    categories: stringList(o.categories),
  };
}

export function specOf(crd: KubeObject): JsonObject {
  return isJsonObject(crd.spec) ? crd.spec : {};
}

export function statusOf(crd: KubeObject): JsonObject {
  return isJsonObject(crd.status) ? crd.status : {};
}

/** One version in the internal form: fields shared by all versions have been lifted out. */
interface InternalVersion {
  readonly raw: JsonObject;
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: JsonObject | undefined;
  readonly subresources: JsonObject | undefined;
  readonly columns: JsonValue[] | undefined;
  readonly selectableFields: JsonValue[] | undefined;
}

interface InternalSpec {
  readonly group: string;
  readonly scope: string;
  readonly names: CrdNames;
  readonly namesRaw: JsonValue | undefined;
  readonly versions: readonly InternalVersion[];
  readonly versionsRaw: JsonValue;
  readonly version: string;
  readonly validation: JsonObject | undefined;
  readonly subresources: JsonObject | undefined;
  readonly columns: JsonValue[] | undefined;
  readonly selectableFields: JsonValue[] | undefined;
  readonly conversion: JsonObject | undefined;
  readonly preserveUnknownFields: boolean;
}

/** The v1 → internal conversion of the spec (what upstream validates). */
function toInternal(spec: JsonObject): InternalSpec {
  const rawVersions = (optArrAt(spec, 'versions') ?? []).map((v) => (isJsonObject(v) ? v : {}));
  const pick = (v: JsonObject, k: string): JsonValue | undefined => (v[k] === null ? undefined : v[k]);
  const identical = (k: string): boolean => rawVersions.every((v) => jsonEqual(pick(v, k), pick(rawVersions[0], k)) && (pick(v, k) === undefined) === (pick(rawVersions[0], k) === undefined));
  const schemaShared = rawVersions.length > 0 && identical('schema');
  const subShared = rawVersions.length > 0 && identical('subresources');
  const colsShared = rawVersions.length > 0 && identical('additionalPrinterColumns');
  const fieldsShared = rawVersions.length > 0 && identical('selectableFields');
  const versions = rawVersions.map(
    (v): InternalVersion => ({
      raw: v,
      name: strAt(v, 'name'),
      served: boolAt(v, 'served'),
      storage: boolAt(v, 'storage'),
      schema: schemaShared ? undefined : objAt(v, 'schema'),
      subresources: subShared ? undefined : objAt(v, 'subresources'),
      columns: colsShared ? undefined : optArrAt(v, 'additionalPrinterColumns'),
      selectableFields: fieldsShared ? undefined : optArrAt(v, 'selectableFields'),
    }),
  );
  const first = rawVersions[0];
  return {
    group: strAt(spec, 'group'),
    scope: strAt(spec, 'scope'),
    names: readNames(spec.names),
    namesRaw: spec.names,
    versions,
    versionsRaw: spec.versions ?? [],
    version: first ? strAt(first, 'name') : '',
    validation: schemaShared ? objAt(first, 'schema') : undefined,
    subresources: subShared ? objAt(first, 'subresources') : undefined,
    columns: colsShared ? optArrAt(first, 'additionalPrinterColumns') : undefined,
    selectableFields: fieldsShared ? optArrAt(first, 'selectableFields') : undefined,
    conversion: internalConversion(objAt(spec, 'conversion')),
    preserveUnknownFields: boolAt(spec, 'preserveUnknownFields'),
  };
}

/** v1 `{strategy, webhook: {clientConfig, conversionReviewVersions}}` → internal shape. */
function internalConversion(c: JsonObject | undefined): JsonObject | undefined {
  if (!c) return undefined;
  const out: JsonObject = { strategy: c.strategy ?? '' };
  const webhook = objAt(c, 'webhook');
  if (webhook) {
    if (isJsonObject(webhook.clientConfig)) out.webhookClientConfig = webhook.clientConfig;
    if (webhook.conversionReviewVersions !== undefined) out.conversionReviewVersions = webhook.conversionReviewVersions;
  }
  return out;
}

// ---- options ------------------------------------------------------------------------------------

interface Options extends SchemaValidationOptions {
  readonly requireRecognizedConversionReviewVersion: boolean;
  readonly requireImmutableNames: boolean;
  readonly requireOpenAPISchema: boolean;
}

const CREATE_OPTIONS: Options = {
  ...STRICT_SCHEMA_OPTIONS,
  requireRecognizedConversionReviewVersion: true,
  requireImmutableNames: false,
  requireOpenAPISchema: true,
};

// ---- entry points -------------------------------------------------------------------------------

/** Validates a CRD on create. Call defaultCustomResourceDefinition (and prepare…ForCreate) first. */
export function validateCustomResourceDefinition(crd: KubeObject): FieldError[] {
  const spec = specOf(crd);
  const internal = toInternal(spec);
  const errs: FieldError[] = [];
  const name = crd.metadata?.name ?? '';
  if (name !== `${internal.names.plural}.${internal.group}`) errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: 'must be spec.names.plural+"."+spec.group' });
  errs.push(...validateSpec(internal, CREATE_OPTIONS, 'spec'));
  errs.push(...validateStatusNames(crd));
  errs.push(...validateStoredVersions(stringList(statusOf(crd).storedVersions), internal.versions, 'status.storedVersions'));
  errs.push(...validateAPIApproval(crd, undefined));
  errs.push(...validatePreserveUnknownFields(internal, undefined));
  return errs;
}

/** Validates a CRD update against the stored object `old`. */
export function validateCustomResourceDefinitionUpdate(crd: KubeObject, old: KubeObject): FieldError[] {
  const spec = toInternal(specOf(crd));
  const oldSpec = toInternal(specOf(old));
  const opts: Options = {
    ...STRICT_SCHEMA_OPTIONS,
    requireRecognizedConversionReviewVersion: !oldSpec.conversion || hasValidConversionReviewVersionOrEmpty(stringList(oldSpec.conversion.conversionReviewVersions)),
    requireImmutableNames: isConditionTrue(old, 'Established'),
    requireOpenAPISchema: allVersionsSpecifySchema(oldSpec),
    requireValidPropertyType: !anySchema(oldSpec, (s) => schemaHas(s, (n) => strAt(n, 'type') !== '' && !['array', 'boolean', 'integer', 'number', 'object', 'string'].includes(strAt(n, 'type')))),
    requirePrunedDefaults: !anySchema(oldSpec, hasUnprunedDefaults),
    requireAtomicSetType: !anySchema(oldSpec, (s) => schemaHas(s, isNonAtomicSet)),
    requireMapListKeysMapSetValidation: !anySchema(oldSpec, (s) => schemaHas(s, (n) => mapListKeysMapSetChecks(n, '').length > 0)),
  };
  const errs = validateSpec(spec, opts, 'spec');
  if (opts.requireImmutableNames) {
    if (spec.scope !== oldSpec.scope) errs.push(immutable('spec.scope', spec.scope));
    if (spec.names.kind !== oldSpec.names.kind) errs.push(immutable('spec.names.kind', spec.names.kind));
  }
  if (spec.group !== oldSpec.group) errs.push(immutable('spec.group', spec.group));
  if (spec.names.plural !== oldSpec.names.plural) errs.push(immutable('spec.names.plural', spec.names.plural));
  errs.push(...validateStatusNames(crd));
  errs.push(...validateStoredVersions(stringList(statusOf(crd).storedVersions), spec.versions, 'status.storedVersions'));
  errs.push(...validateAPIApproval(crd, old));
  errs.push(...validatePreserveUnknownFields(spec, oldSpec));
  return errs;
}

/** Validates a /status update of a CRD (only the accepted names are checked, as upstream). */
export function validateCustomResourceDefinitionStatusUpdate(crd: KubeObject): FieldError[] {
  return validateStatusNames(crd);
}

function immutable(field: string, value: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail: 'field is immutable' };
}

// ---- spec ---------------------------------------------------------------------------------------

function validateSpec(spec: InternalSpec, opts: Options, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const groupPath = child(path, 'group');
  if (spec.group === '') errs.push({ type: 'FieldValueRequired', field: groupPath });
  else {
    const dns = isDNS1123Subdomain(spec.group);
    if (dns.length > 0) errs.push({ type: 'FieldValueInvalid', field: groupPath, value: spec.group, detail: dns.join(',') });
    else if (spec.group.split('.').length < 2) errs.push({ type: 'FieldValueInvalid', field: groupPath, value: spec.group, detail: 'should be a domain with at least one dot' });
  }
  errs.push(...enumString(child(path, 'scope'), spec.scope, ['Cluster', 'Namespaced']));

  const versionsPath = child(path, 'versions');
  if (opts.requireOpenAPISchema) {
    if (!spec.validation || !objAt(spec.validation, 'openAPIV3Schema')) {
      spec.versions.forEach((v, i) => {
        if (!v.schema || !objAt(v.schema, 'openAPIV3Schema'))
          errs.push({ type: 'FieldValueRequired', field: child(child(index(versionsPath, i), 'schema'), 'openAPIV3Schema'), detail: 'schemas are required' });
      });
    }
  } else if (!spec.preserveUnknownFields && (!spec.validation || !objAt(spec.validation, 'openAPIV3Schema'))) {
    spec.versions.forEach((v, i) => {
      if (v.served && (!v.schema || !objAt(v.schema, 'openAPIV3Schema')))
        errs.push({ type: 'FieldValueRequired', field: child(child(index(versionsPath, i), 'schema'), 'openAPIV3Schema'), detail: 'because otherwise all fields are pruned' });
    });
  }
  if (opts.allowDefaults && anySchema(spec, (s) => schemaHas(s, (n) => n.default !== undefined && n.default !== null)) && spec.preserveUnknownFields) {
    errs.push({ type: 'FieldValueInvalid', field: child(path, 'preserveUnknownFields'), value: true, detail: 'must be false in order to use defaults in the schema' });
  }

  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  spec.versions.forEach((v, i) => {
    const vPath = index(versionsPath, i);
    if (v.storage) storageCount++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const dns = isDNS1035Label(v.name);
    if (dns.length > 0) errs.push({ type: 'FieldValueInvalid', field: child(vPath, 'name'), value: v.name, detail: dns.join(',') });
    const subresources = spec.versions.some((x) => x.subresources !== undefined) ? v.subresources : spec.subresources;
    errs.push(...validateVersion(v, vPath, subresources !== undefined && isJsonObject(subresources.status), opts));
  });
  if (!unique) errs.push({ type: 'FieldValueInvalid', field: versionsPath, value: spec.versionsRaw, detail: 'must contain unique version names' });
  if (storageCount !== 1) errs.push({ type: 'FieldValueInvalid', field: versionsPath, value: spec.versionsRaw, detail: 'must have exactly one version marked as storage version' });
  if (spec.version !== '') {
    const dns = isDNS1035Label(spec.version);
    if (dns.length > 0) errs.push({ type: 'FieldValueInvalid', field: child(path, 'version'), value: spec.version, detail: dns.join(',') });
  }

  const namesPath = child(path, 'names');
  for (const k of ['plural', 'singular', 'kind', 'listKind'] as const) if (spec.names[k] === '') errs.push({ type: 'FieldValueRequired', field: child(namesPath, k) });
  errs.push(...validateNames(spec.names, namesPath));

  const anyStatus = isJsonObject(spec.subresources?.status) || spec.versions.some((v) => isJsonObject(v.subresources?.status));
  errs.push(...validateCustomResourceValidation(spec.validation, anyStatus, opts, child(path, 'validation')));
  errs.push(...validateSubresources(spec.subresources, child(path, 'subresources')));
  (spec.columns ?? []).forEach((c, i) => errs.push(...validateColumn(c, index(child(path, 'additionalPrinterColumns'), i))));
  if (spec.selectableFields && spec.selectableFields.length > 0) {
    const schema = spec.validation ? objAt(spec.validation, 'openAPIV3Schema') : undefined;
    if (!spec.validation) errs.push({ type: 'FieldValueInvalid', field: child(path, 'selectableFields'), value: '', detail: 'selectableFields may only be set when validations.schema is included' });
    else errs.push(...validateSelectableFields(spec.selectableFields, schema, child(path, 'selectableFields'), child(path, 'schema.openAPIV3Schema')));
  }
  const conversionPath = child(path, 'conversion');
  const strategy = spec.conversion ? strAt(spec.conversion, 'strategy') : '';
  if (spec.conversion && strategy !== 'None' && spec.preserveUnknownFields)
    errs.push({ type: 'FieldValueInvalid', field: child(conversionPath, 'strategy'), value: strategy, detail: 'must be None if spec.preserveUnknownFields is true' });
  errs.push(...validateConversion(spec.conversion, opts.requireRecognizedConversionReviewVersion, conversionPath));
  return errs;
}

function enumString(path: string, value: string, accepted: readonly string[]): FieldError[] {
  if (value === '') return [{ type: 'FieldValueRequired', field: path }];
  if (accepted.includes(value)) return [];
  return [{ type: 'FieldValueNotSupported', field: path, value, supported: accepted }];
}

function validateVersion(v: InternalVersion, path: string, statusEnabled: boolean, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const deprecated = boolAt(v.raw, 'deprecated');
  const warning = v.raw.deprecationWarning;
  const warningPath = child(path, 'deprecationWarning');
  if (!deprecated && typeof warning === 'string') errs.push({ type: 'FieldValueInvalid', field: warningPath, value: warning, detail: 'can only be set for deprecated versions' });
  else if (typeof warning === 'string') {
    if (Buffer.byteLength(warning) > 256) errs.push({ type: 'FieldValueInvalid', field: warningPath, value: warning, detail: 'must be <= 256 characters long' });
    if (warning.length === 0) errs.push({ type: 'FieldValueInvalid', field: warningPath, value: warning, detail: 'must not be an empty string' });
    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    let i = 0;
    for (const ch of warning) {
      if (ch !== ' ' && !/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) {
        errs.push({ type: 'FieldValueInvalid', field: warningPath, value: warning, detail: `must only contain printable UTF-8 characters; non-printable character found at index ${i}` });
        break;
      }
      i += Buffer.byteLength(ch);
    }
  }
  errs.push(...validateCustomResourceValidation(v.schema, statusEnabled, opts, child(path, 'schema')));
  errs.push(...validateSubresources(v.subresources, child(path, 'subresources')));
  (v.columns ?? []).forEach((c, i) => errs.push(...validateColumn(c, index(child(path, 'additionalPrinterColumns'), i))));
  if (v.selectableFields && v.selectableFields.length > 0) {
    const schema = v.schema ? objAt(v.schema, 'openAPIV3Schema') : undefined;
    if (!schema)
      errs.push({ type: 'FieldValueInvalid', field: child(path, 'selectableFields'), value: '', detail: 'selectableFields may only be set when version.schema.openAPIV3Schema is not included' });
    else errs.push(...validateSelectableFields(v.selectableFields, schema, child(path, 'selectableFields'), child(path, 'schema.openAPIV3Schema')));
  }
  return errs;
}

export function validateNames(names: CrdNames, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['plural', 'singular'] as const) {
    const dns = isDNS1035Label(names[k]);
    if (names[k] !== '' && dns.length > 0) errs.push({ type: 'FieldValueInvalid', field: child(path, k), value: names[k], detail: dns.join(',') });
  }
  for (const k of ['kind', 'listKind'] as const) {
    const dns = isDNS1035Label(names[k].toLowerCase());
    if (names[k] !== '' && dns.length > 0)
      errs.push({ type: 'FieldValueInvalid', field: child(path, k), value: names[k], detail: `may have mixed case, but should otherwise match: ${dns.join(',')}` });
  }
  names.shortNames.forEach((s, i) => {
    const dns = isDNS1035Label(s);
    if (dns.length > 0) errs.push({ type: 'FieldValueInvalid', field: index(child(path, 'shortNames'), i), value: s, detail: dns.join(',') });
  });
  if (names.kind !== '' && names.kind === names.listKind) errs.push({ type: 'FieldValueInvalid', field: child(path, 'listKind'), value: names.listKind, detail: 'kind and listKind may not be the same' });
  names.categories.forEach((c, i) => {
    const dns = isDNS1035Label(c);
    if (dns.length > 0) errs.push({ type: 'FieldValueInvalid', field: index(child(path, 'categories'), i), value: c, detail: dns.join(',') });
  });
  return errs;
}

function validateStatusNames(crd: KubeObject): FieldError[] {
  return validateNames(readNames(statusOf(crd).acceptedNames), 'status.acceptedNames');
}

function validateStoredVersions(stored: readonly string[], versions: readonly InternalVersion[], path: string): FieldError[] {
  if (stored.length === 0) return [{ type: 'FieldValueInvalid', field: path, value: stored, detail: 'must have at least one stored version' }];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    const present = remaining.has(v.name);
    if (v.storage && !present) errs.push({ type: 'FieldValueInvalid', field: path, value: stored, detail: `must have the storage version ${v.name}` });
    remaining.delete(v.name);
  }
  for (const [v, i] of remaining) errs.push({ type: 'FieldValueInvalid', field: index(path, i), value: v, detail: 'must appear in spec.versions' });
  return errs;
}

// ---- printer columns, subresources, selectable fields --------------------------------------------

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

function validateColumn(raw: JsonValue, path: string): FieldError[] {
  const c = isJsonObject(raw) ? raw : {};
  const errs: FieldError[] = [];
  if (strAt(c, 'name') === '') errs.push({ type: 'FieldValueRequired', field: child(path, 'name') });
  const type = strAt(c, 'type');
  if (type === '') errs.push({ type: 'FieldValueRequired', field: child(path, 'type'), detail: `must be one of ${COLUMN_TYPES.join(',')}` });
  else if (!COLUMN_TYPES.includes(type)) errs.push({ type: 'FieldValueInvalid', field: child(path, 'type'), value: type, detail: `must be one of ${COLUMN_TYPES.join(',')}` });
  const format = strAt(c, 'format');
  if (format !== '' && !COLUMN_FORMATS.includes(format)) errs.push({ type: 'FieldValueInvalid', field: child(path, 'format'), value: format, detail: `must be one of ${COLUMN_FORMATS.join(',')}` });
  const jsonPath = strAt(c, 'jsonPath');
  if (jsonPath === '') errs.push({ type: 'FieldValueRequired', field: child(path, 'JSONPath') });
  else errs.push(...validateSimpleJSONPath(jsonPath, child(path, 'JSONPath')));
  return errs;
}

function validateSimpleJSONPath(s: string, path: string): FieldError[] {
  if (s.length === 0) return [{ type: 'FieldValueInvalid', field: path, value: s, detail: 'must not be empty' }];
  if (s[0] !== '.') return [{ type: 'FieldValueInvalid', field: path, value: s, detail: 'must be a simple json path starting with .' }];
  return [];
}

function validateSubresources(sub: JsonObject | undefined, path: string): FieldError[] {
  const scale = sub ? objAt(sub, 'scale') : undefined;
  if (!scale) return [];
  const errs: FieldError[] = [];
  const check = (k: string, prefixes: readonly string[], detail: string): void => {
    const p = child(path, `scale.${k}`);
    const v = strAt(scale, k);
    if (v === '') {
      if (k !== 'labelSelectorPath') errs.push({ type: 'FieldValueRequired', field: p });
      return;
    }
    const simple = validateSimpleJSONPath(v, p);
    if (simple.length > 0) errs.push(...simple);
    else if (!prefixes.some((pre) => v.startsWith(pre))) errs.push({ type: 'FieldValueInvalid', field: p, value: v, detail });
  };
  check('specReplicasPath', ['.spec.'], 'should be a json path under .spec');
  check('statusReplicasPath', ['.status.'], 'should be a json path under .status');
  check('labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status');
  return errs;
}

const MAX_SELECTABLE_FIELDS = 8;

function validateSelectableFields(fields: readonly JsonValue[], schemaRaw: JsonObject | undefined, path: string, schemaPath: string): FieldError[] {
  const errs: FieldError[] = [];
  if (schemaRaw) {
    const conv = structuralConversionError(schemaRaw);
    if (conv) errs.push({ type: 'FieldValueInvalid', field: schemaPath, value: '', detail: conv });
  }
  const schema = compileSchema(schemaRaw);
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const p = index(path, i);
    const jsonPath = isJsonObject(f) ? strAt(f, 'jsonPath') : '';
    if (jsonPath === '') {
      errs.push({ type: 'FieldValueRequired', field: child(p, 'jsonPath') });
      return;
    }
    const res = validFieldPath(jsonPath, schema, false);
    if (res.error !== undefined || res.path === undefined) {
      errs.push({ type: 'FieldValueInvalid', field: child(p, 'jsonPath'), value: jsonPath, detail: `is an invalid path: ${res.error ?? ''}` });
      return;
    }
    if (res.root === 'metadata') errs.push({ type: 'FieldValueInvalid', field: child(p, 'jsonPath'), value: jsonPath, detail: 'must not point to fields in metadata' });
    const t = res.schema?.type ?? '';
    if (t !== 'string' && t !== 'boolean' && t !== 'integer')
      errs.push({ type: 'FieldValueInvalid', field: child(p, 'jsonPath'), value: jsonPath, detail: 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.' });
    if (unique.has(res.path)) errs.push({ type: 'FieldValueDuplicate', field: child(p, 'jsonPath'), value: jsonPath });
    else unique.add(res.path);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS) errs.push({ type: 'FieldValueTooMany', field: path, value: unique.size, detail: `must have at most ${MAX_SELECTABLE_FIELDS} items` });
  return errs;
}

// ---- conversion ---------------------------------------------------------------------------------

function hasValidConversionReviewVersionOrEmpty(versions: readonly string[]): boolean {
  return versions.length === 0 || versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v));
}

function validateConversion(conversion: JsonObject | undefined, requireRecognized: boolean, path: string): FieldError[] {
  if (!conversion) return [];
  const errs: FieldError[] = [];
  const strategy = strAt(conversion, 'strategy');
  errs.push(...enumString(child(path, 'strategy'), strategy, ['None', 'Webhook']));
  const cc = objAt(conversion, 'webhookClientConfig');
  const ccPath = child(path, 'webhookClientConfig');
  const reviewVersions = conversion.conversionReviewVersions;
  if (strategy === 'Webhook') {
    if (!cc) errs.push({ type: 'FieldValueRequired', field: ccPath, detail: 'required when strategy is set to Webhook' });
    else {
      const url = typeof cc.url === 'string' ? cc.url : undefined;
      const service = objAt(cc, 'service');
      if ((url === undefined) === (service === undefined)) errs.push({ type: 'FieldValueRequired', field: ccPath, detail: 'exactly one of url or service is required' });
      else if (url !== undefined) errs.push(...validateWebhookURL(child(ccPath, 'url'), url));
      else if (service) {
        // Upstream passes (name, namespace) to a function declared (namespace, name), so a missing
        // namespace is reported at `service.name` and vice versa; kept for identical output.
        errs.push(...validateWebhookService(child(ccPath, 'service'), strAt(service, 'name'), strAt(service, 'namespace'), typeof service.path === 'string' ? service.path : undefined, typeof service.port === 'number' ? service.port : 443));
      }
    }
    errs.push(...validateReviewVersions(stringList(reviewVersions), requireRecognized, child(path, 'conversionReviewVersions')));
  } else {
    if (cc) errs.push({ type: 'FieldValueForbidden', field: ccPath, detail: 'should not be set when strategy is not set to Webhook' });
    if (stringList(reviewVersions).length > 0)
      errs.push({ type: 'FieldValueForbidden', field: child(path, 'conversionReviewVersions'), detail: 'should not be set when strategy is not set to Webhook' });
  }
  return errs;
}

function validateReviewVersions(versions: readonly string[], requireRecognized: boolean, path: string): FieldError[] {
  if (versions.length === 0) return [{ type: 'FieldValueRequired', field: path }];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push({ type: 'FieldValueInvalid', field: index(path, i), value: v, detail: 'duplicate version' });
      return;
    }
    seen.add(v);
    for (const msg of isDNS1035Label(v)) errs.push({ type: 'FieldValueInvalid', field: index(path, i), value: v, detail: msg });
    if (ACCEPTED_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted) errs.push({ type: 'FieldValueInvalid', field: path, value: versions, detail: `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}` });
  return errs;
}

// ---- API approval, preserveUnknownFields ----------------------------------------------------------

const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

export function isProtectedCommunityGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

export type ApprovalState = 'Invalid' | 'Approved' | 'Bypassed' | 'Missing';

/** The state of the `api-approved.kubernetes.io` annotation and upstream's explanation of it. */
export function apiApprovalState(annotations: Readonly<Record<string, string>> | undefined): { state: ApprovalState; reason: string } {
  const value = annotations?.[APPROVAL_ANNOTATION] ?? '';
  if (value === '')
    return { state: 'Missing', reason: `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111` };
  if (value.startsWith('unapproved')) return { state: 'Bypassed', reason: `not approved: ${JSON.stringify(value)}` };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)/.exec(value);
  if (m) return { state: 'Approved', reason: `approved in ${value}` };
  return {
    state: 'Invalid',
    reason: `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

function validateAPIApproval(crd: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (!isProtectedCommunityGroup(strAt(specOf(crd), 'group'))) return [];
  const next = apiApprovalState(crd.metadata?.annotations);
  if (old && apiApprovalState(old.metadata?.annotations).state === next.state) return [];
  const field = key('metadata.annotations', APPROVAL_ANNOTATION);
  const value = crd.metadata?.annotations?.[APPROVAL_ANNOTATION] ?? '';
  switch (next.state) {
    case 'Missing':
      return [{ type: 'FieldValueRequired', field, detail: next.reason }];
    case 'Invalid':
      return [{ type: 'FieldValueInvalid', field, value, detail: next.reason }];
    default:
      return [];
  }
}

function validatePreserveUnknownFields(spec: InternalSpec, old: InternalSpec | undefined): FieldError[] {
  if (old?.preserveUnknownFields) return [];
  if (!spec.preserveUnknownFields) return [];
  return [
    {
      type: 'FieldValueInvalid',
      field: 'spec.preserveUnknownFields',
      value: true,
      detail: 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
    },
  ];
}

// ---- predicates over the schemas of a spec (for update ratcheting of CRD rules) -------------------

function schemasOf(spec: InternalSpec): JsonObject[] {
  const out: JsonObject[] = [];
  const top = spec.validation ? objAt(spec.validation, 'openAPIV3Schema') : undefined;
  if (top) out.push(top);
  for (const v of spec.versions) {
    const s = v.schema ? objAt(v.schema, 'openAPIV3Schema') : undefined;
    if (s) out.push(s);
  }
  return out;
}

function anySchema(spec: InternalSpec, pred: (s: JsonObject) => boolean): boolean {
  return schemasOf(spec).some(pred);
}

function allVersionsSpecifySchema(spec: InternalSpec): boolean {
  if (spec.validation && objAt(spec.validation, 'openAPIV3Schema')) return true;
  return spec.versions.every((v) => v.schema !== undefined && objAt(v.schema, 'openAPIV3Schema') !== undefined);
}

/** Whether `pred` holds for any schema node reachable from `s` (upstream SchemaHas). */
export function schemaHas(s: JsonObject, pred: (s: JsonObject) => boolean): boolean {
  if (pred(s)) return true;
  const subs: JsonValue[] = [];
  if (isJsonObject(s.items)) subs.push(s.items);
  if (Array.isArray(s.items)) subs.push(...s.items);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) subs.push(...(optArrAt(s, j) ?? []));
  if (isJsonObject(s.not)) subs.push(s.not);
  subs.push(...Object.values(objAt(s, 'properties') ?? {}).filter((x): x is JsonValue => x !== undefined));
  if (isJsonObject(s.additionalProperties)) subs.push(s.additionalProperties);
  subs.push(...Object.values(objAt(s, 'patternProperties') ?? {}).filter((x): x is JsonValue => x !== undefined));
  if (isJsonObject(s.additionalItems)) subs.push(s.additionalItems);
  subs.push(...Object.values(objAt(s, 'definitions') ?? {}).filter((x): x is JsonValue => x !== undefined));
  for (const d of Object.values(objAt(s, 'dependencies') ?? {})) if (isJsonObject(d)) subs.push(d);
  return subs.some((x) => isJsonObject(x) && schemaHas(x, pred));
}

function isNonAtomicSet(s: JsonObject): boolean {
  const items = objAt(s, 'items');
  if (s['x-kubernetes-list-type'] !== 'set' || !items) return false;
  const t = strAt(items, 'type');
  if (t === 'array') return typeof items['x-kubernetes-list-type'] === 'string' && items['x-kubernetes-list-type'] !== 'atomic';
  if (t === 'object') return items['x-kubernetes-map-type'] !== 'atomic';
  return false;
}

/** A structural schema some of whose defaults would lose fields to pruning. */
function hasUnprunedDefaults(s: JsonObject): boolean {
  if (!schemaHas(s, (n) => n.default !== undefined && n.default !== null)) return false;
  if (structuralConversionError(s) !== undefined || validateStructural(s, '').length > 0) return false;
  let found = false;
  const visit = (node: ReturnType<typeof compileSchema>): void => {
    if (found) return;
    if (node.default !== undefined) {
      const copy = deepCopy(node.default);
      pruneValue(copy, node, node.xEmbeddedResource);
      if (!jsonEqual(copy, node.default)) found = true;
    }
    if (node.items) visit(node.items);
    if (node.additionalProperties?.schema) visit(node.additionalProperties.schema);
    for (const p of node.properties?.values() ?? []) visit(p);
  };
  visit(compileSchema(s));
  return found;
}

export function isConditionTrue(crd: KubeObject, type: string): boolean {
  const conditions = optArrAt(statusOf(crd), 'conditions') ?? [];
  return conditions.some((c) => isJsonObject(c) && c.type === type && c.status === 'True');
}

// ---- defaulting and preparation -------------------------------------------------------------------

/**
 * v1 defaulting of a CRD, in place: singular = lower-case kind, listKind = kind + "List",
 * conversion strategy None, webhook service port 443, and status.storedVersions = [the storage
 * version] when empty.
 */
export function defaultCustomResourceDefinition(crd: KubeObject): void {
  const spec = isJsonObject(crd.spec) ? crd.spec : (crd.spec = {} as JsonObject);
  const names = isJsonObject(spec.names) ? spec.names : undefined;
  if (names) {
    const kind = strAt(names, 'kind');
    if (strAt(names, 'singular') === '') names.singular = kind.toLowerCase();
    if (strAt(names, 'listKind') === '' && kind !== '') names.listKind = `${kind}List`;
  }
  if (!isJsonObject(spec.conversion)) spec.conversion = { strategy: 'None' };
  const service = objAt(objAt(objAt(spec.conversion, 'webhook') ?? {}, 'clientConfig') ?? {}, 'service');
  if (service && typeof service.port !== 'number') service.port = 443;
  const status = isJsonObject(crd.status) ? crd.status : undefined;
  if (!status || stringList(status.storedVersions).length === 0) {
    const storage = (optArrAt(spec, 'versions') ?? []).find((v) => isJsonObject(v) && v.storage === true);
    if (isJsonObject(storage) && typeof storage.name === 'string') {
      const s = status ?? (crd.status = {} as JsonObject);
      (s as JsonObject).storedVersions = [storage.name];
    }
  }
}

/** The storage version's name (the version with `storage: true`), or undefined. */
export function storageVersionOf(crd: KubeObject): string | undefined {
  const v = (optArrAt(specOf(crd), 'versions') ?? []).find((x) => isJsonObject(x) && x.storage === true);
  return isJsonObject(v) && typeof v.name === 'string' ? v.name : undefined;
}

/**
 * Create-time preparation (upstream PrepareForCreate): status is reset to just the stored
 * versions (the storage version) and generation starts at 1.
 */
export function prepareCustomResourceDefinitionForCreate(crd: KubeObject): void {
  const storage = storageVersionOf(crd);
  crd.status = { storedVersions: storage ? [storage] : [] };
  crd.metadata.generation = 1;
}

/**
 * Update-time preparation (upstream PrepareForUpdate): status is kept from the stored object,
 * generation is bumped when the spec changed, and a new storage version is appended to
 * status.storedVersions.
 */
export function prepareCustomResourceDefinitionForUpdate(crd: KubeObject, old: KubeObject): void {
  crd.status = deepCopy(isJsonObject(old.status) ? old.status : {});
  const oldGen = old.metadata.generation ?? 1;
  crd.metadata.generation = jsonEqual(crd.spec, old.spec) ? oldGen : oldGen + 1;
  const storage = storageVersionOf(crd);
  const status = crd.status as JsonObject;
  const stored = stringList(status.storedVersions);
  if (storage && !stored.includes(storage)) status.storedVersions = [...stored, storage];
}
