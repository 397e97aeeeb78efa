/**
 * What the API server needs to serve one version of a CRD, derived once per CRD generation:
 * names, scope, the compiled schema, subresources, printer columns and selectable fields — and,
 * built from that, the ResourceDef/Strategy pair lite's registry serves custom resources with.
 *
 * Serving names come from `status.acceptedNames` when the CRD has them (as kube-apiserver serves
 * only accepted names), else from `spec.names`.
 */
import { objAt, optArrAt, strAt } from '../json-access.js';
import type { FieldError } from '../errors.js';
import { apiVersionOf, isJsonObject, type JsonObject, type KubeObject } from '../object.js';
import { crdTablePrinter, type CrdColumnDefinition } from '../printers/crd-table.js';
import { ALL_VERBS, type ResourceDef, type ScalePaths, type Strategy, type SubresourceDef } from '../resource.js';
import { crdSelectableFields } from '../selectors/selectable-fields.js';
import {
  defaultCustomResourceDefinition,
  readNames,
  specOf,
  statusOf,
  storageVersionOf,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionStatusUpdate,
  validateCustomResourceDefinitionUpdate,
} from './crd-validation.js';
import { applySchemaDefaults } from './defaulting.js';
import { validateEmbeddedResources } from './embedded-resource.js';
import { validateListSetsAndMaps } from './list-type.js';
import { dropNonNullableNulls, pruneUnknownFields } from './prune.js';
import { validateSchemaValue } from './schema-validator.js';
import { compileSchema, type SchemaNode } from './structural-schema.js';
import { validateCustomResourceStatus, validateScaleFields, type ScaleSubresourcePaths } from './validate-custom-resource.js';

export interface CrdVersionInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly served: boolean;
  readonly storage: boolean;
  /** The CRD's storage version (objects are stored in it; versions differ only by apiVersion). */
  readonly storageVersion: string;
  readonly deprecated: boolean;
  /** The warning to send with every request to a deprecated version (upstream's default when unset). */
  readonly deprecationWarning: string | undefined;
  /** The version's schema, compiled. */
  readonly schema: SchemaNode;
  /** The raw `openAPIV3Schema` (for OpenAPI documents and `kubectl explain`). */
  readonly openAPIV3Schema: JsonObject | undefined;
  readonly subresources: { readonly status: boolean; readonly scale?: ScaleSubresourcePaths };
  /** As declared (empty = the table shows Name and Age). */
  readonly additionalPrinterColumns: readonly CrdColumnDefinition[];
  /** JSON paths (`.spec.color`) usable in field selectors besides metadata.name/namespace. */
  readonly selectableFields: readonly string[];
}

/** Upstream CompareKubeAwareVersionStrings: > 0 when `a` ranks above `b` (v2 > v1 > v1beta2 > v1alpha1 > others). */
export function compareKubeAwareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/.exec(v);
    if (!m) return undefined;
    const type = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
    return [type, Number(m[1]), m[3] ? Number(m[3]) : 0];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa && !pb) return b < a ? -1 : b > a ? 1 : 0;
  if (!pa) return -1;
  if (!pb) return 1;
  if (pa[0] !== pb[0]) return pa[0] - pb[0];
  if (pa[1] !== pb[1]) return pa[1] - pb[1];
  return pa[2] - pb[2];
}

function defaultDeprecationWarning(crd: KubeObject, deprecatedVersion: string): string {
  const spec = specOf(crd);
  const group = strAt(spec, 'group');
  const kind = readNames(spec.names).kind;
  const msg = `${group}/${deprecatedVersion} ${kind} is deprecated`;
  const better = (optArrAt(spec, 'versions') ?? [])
    .filter(isJsonObject)
    .filter((v) => v.served === true && v.deprecated !== true && compareKubeAwareVersions(deprecatedVersion, strAt(v, 'name')) < 0)
    .map((v) => strAt(v, 'name'))
    .sort((x, y) => compareKubeAwareVersions(y, x));
  return better.length === 0 ? msg : `${msg}; use ${group}/${better[0]} ${kind}`;
}

function readColumns(raw: unknown): CrdColumnDefinition[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isJsonObject).map((c) => ({
    name: strAt(c, 'name'),
    type: strAt(c, 'type'),
    format: strAt(c, 'format') || undefined,
    description: strAt(c, 'description') || undefined,
    priority: typeof c.priority === 'number' ? c.priority : undefined,
    jsonPath: strAt(c, 'jsonPath'),
  }));
}

/** Serving information for `version` of `crd`, or undefined when the CRD has no such version. */
export function crdVersionInfo(crd: KubeObject, version: string): CrdVersionInfo | undefined {
  const spec = specOf(crd);
  const v = (optArrAt(spec, 'versions') ?? []).filter(isJsonObject).find((x) => x.name === version);
  if (!v) return undefined;
  const accepted = readNames(statusOf(crd).acceptedNames);
  const names = accepted.plural !== '' && accepted.kind !== '' ? accepted : readNames(spec.names);
  const rawSchema = objAt(objAt(v, 'schema') ?? {}, 'openAPIV3Schema');
  const sub = objAt(v, 'subresources');
  const scale = sub ? objAt(sub, 'scale') : undefined;
  const deprecated = v.deprecated === true;
  const labelSelectorPath = scale ? strAt(scale, 'labelSelectorPath') : '';
  return {
    group: strAt(spec, 'group'),
    version,
    kind: names.kind,
    listKind: names.listKind || `${names.kind}List`,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    shortNames: names.shortNames,
    categories: names.categories,
    scope: strAt(spec, 'scope') === 'Cluster' ? 'Cluster' : 'Namespaced',
    served: v.served === true,
    storage: v.storage === true,
    storageVersion: storageVersionOf(crd) ?? version,
    deprecated,
    deprecationWarning: deprecated ? (typeof v.deprecationWarning === 'string' ? v.deprecationWarning : defaultDeprecationWarning(crd, version)) : undefined,
    schema: compileSchema(rawSchema),
    openAPIV3Schema: rawSchema,
    subresources: {
      status: sub !== undefined && isJsonObject(sub.status),
      ...(scale
        ? {
            scale: {
              specReplicasPath: strAt(scale, 'specReplicasPath'),
              statusReplicasPath: strAt(scale, 'statusReplicasPath'),
              ...(labelSelectorPath ? { labelSelectorPath } : {}),
            },
          }
        : {}),
    },
    additionalPrinterColumns: readColumns(v.additionalPrinterColumns),
    selectableFields: (optArrAt(v, 'selectableFields') ?? []).filter(isJsonObject).map((f) => strAt(f, 'jsonPath')),
  };
}

// ---- decoding and the custom resource strategy ---------------------------------------------------

/**
 * What kube-apiserver does to every custom resource it decodes (from a request or from storage),
 * in place: prune unknown fields, drop nulls the schema does not allow, normalise embedded
 * metadata, apply defaults. Returns the pruned paths (for fieldValidation Warn/Strict).
 */
export function decodeCustomResource(obj: JsonObject, schema: SchemaNode): string[] {
  const unknown = pruneUnknownFields(obj, schema);
  dropNonNullableNulls(obj, schema);
  applySchemaDefaults(obj, schema);
  return unknown;
}

function typeMetaErrors(obj: KubeObject, info: CrdVersionInfo): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = apiVersionOf(info.group, info.version);
  if (obj.kind !== info.kind) errs.push({ type: 'FieldValueInvalid', field: 'kind', value: obj.kind ?? '', detail: `must be ${info.kind}` });
  if (obj.apiVersion !== apiVersion) errs.push({ type: 'FieldValueInvalid', field: 'apiVersion', value: obj.apiVersion ?? '', detail: `must be ${apiVersion}` });
  return errs;
}

function asJson(obj: KubeObject): JsonObject {
  return obj as unknown as JsonObject;
}

/**
 * The registry strategy for one CRD version's custom resources. `defaults` runs the whole decode
 * step (pruning included), so unknown fields never reach storage even when the caller does not
 * ask for them; `validate*` follow upstream's custom resource strategy minus ObjectMeta (generic)
 * and CEL (not supported by lite).
 */
export function customResourceStrategy(info: CrdVersionInfo): Strategy {
  const schema = info.schema;
  const scale = info.subresources.scale;
  return {
    defaults(obj) {
      decodeCustomResource(asJson(obj), schema);
    },
    validate(obj) {
      const typeErrs = typeMetaErrors(obj, info);
      if (typeErrs.length > 0) return typeErrs;
      const o = asJson(obj);
      return [
        ...validateSchemaValue(o, schema, undefined),
        ...(scale ? validateScaleFields(o, scale) : []),
        ...validateEmbeddedResources(o, schema, ''),
        ...validateListSetsAndMaps(o, schema, ''),
      ];
    },
    validateUpdate(obj, old) {
      const typeErrs = typeMetaErrors(obj, info);
      if (typeErrs.length > 0) return typeErrs;
      const o = asJson(obj);
      const errs = [...validateSchemaValue(o, schema, undefined, { old: asJson(old) }), ...(scale ? validateScaleFields(o, scale) : []), ...validateEmbeddedResources(o, schema, '')];
      if (validateListSetsAndMaps(asJson(old), schema, '').length === 0) errs.push(...validateListSetsAndMaps(o, schema, ''));
      return errs;
    },
    validateStatusUpdate(obj, old) {
      const typeErrs = typeMetaErrors(obj, info);
      if (typeErrs.length > 0) return typeErrs;
      const o = asJson(obj);
      return [...validateCustomResourceStatus(o, asJson(old), schema), ...(scale ? validateScaleFields(o, scale, 'status') : [])];
    },
    selectableFields: info.selectableFields.length > 0 ? crdSelectableFields(info.selectableFields) : undefined,
    table: crdTablePrinter(info.additionalPrinterColumns),
  };
}

const STATUS_SUBRESOURCE: SubresourceDef = { name: 'status', verbs: ['get', 'patch', 'update'] };
const SCALE_SUBRESOURCE: SubresourceDef = { name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };

function scalePaths(scale: ScaleSubresourcePaths): ScalePaths {
  const strip = (p: string): string => p.replace(/^\./, '');
  return {
    specReplicasPath: strip(scale.specReplicasPath),
    statusReplicasPath: strip(scale.statusReplicasPath),
    ...(scale.labelSelectorPath ? { labelSelectorPath: strip(scale.labelSelectorPath) } : {}),
  };
}

/** The ResourceDef serving one CRD version. */
export function crdResourceDef(info: CrdVersionInfo): ResourceDef {
  const subresources: SubresourceDef[] = [];
  if (info.subresources.status) subresources.push(STATUS_SUBRESOURCE);
  if (info.subresources.scale) subresources.push(SCALE_SUBRESOURCE);
  return {
    group: info.group,
    version: info.version,
    kind: info.kind,
    listKind: info.listKind,
    plural: info.plural,
    singular: info.singular,
    namespaced: info.scope === 'Namespaced',
    shortNames: info.shortNames,
    categories: info.categories,
    verbs: ALL_VERBS,
    subresources,
    ...(info.openAPIV3Schema ? { crdSchema: info.openAPIV3Schema } : {}),
    nameRule: 'subdomain',
    tracksGeneration: true,
    // Without a status subresource every non-metadata change (status included) bumps generation.
    statusFields: info.subresources.status ? ['status'] : [],
    hasStatusSubresource: info.subresources.status,
    ...(info.subresources.scale ? { scale: scalePaths(info.subresources.scale) } : {}),
    storage: { group: info.group, resource: info.plural, version: info.storageVersion },
    strategy: customResourceStrategy(info),
  };
}

/** ResourceDefs for every served version of `crd`, in spec order. */
export function crdResourceDefs(crd: KubeObject): ResourceDef[] {
  return (optArrAt(specOf(crd), 'versions') ?? [])
    .filter(isJsonObject)
    .filter((v) => v.served === true)
    .map((v) => crdVersionInfo(crd, strAt(v, 'name')))
    .filter((i): i is CrdVersionInfo => i !== undefined)
    .map(crdResourceDef);
}

/** The strategy of the CustomResourceDefinition resource itself (apiextensions.k8s.io/v1). */
export const customResourceDefinitionStrategy: Strategy = {
  defaults: defaultCustomResourceDefinition,
  validate: validateCustomResourceDefinition,
  validateUpdate: validateCustomResourceDefinitionUpdate,
  validateStatusUpdate: validateCustomResourceDefinitionStatusUpdate,
};
