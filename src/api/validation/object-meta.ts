/**
 * Generic metadata validation, applied by the API server to every kind (built-in and custom):
 * apimachinery pkg/api/validation/objectmeta.go plus the kube-specific finalizer-name rule of
 * pkg/apis/core/validation. Also label and label-selector validation used across the strategies.
 *
 * The low-level format checks live in ./names.ts and are re-exported here for convenience.
 */
import { goStringSlice } from '../go/go-format.js';
import type { FieldError } from '../errors.js';
import { jsonEqual, type ObjectMeta, type OwnerReference } from '../object.js';
import { child, FIELD_IMMUTABLE, forbidden, index, invalid, nonNegative, required, tooLong } from './field-errors.js';
import { arrAt, byteLen, obj, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import { isQualifiedName, isValidLabelValue, nameProblems, type NameRule } from './names.js';

export * from './names.js';
export { parseCIDR, parseIP } from './ip.js';

/** Total size limit of all annotation keys and values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';
export const FINALIZER_KUBERNETES = 'kubernetes';
const STANDARD_FINALIZERS = new Set([FINALIZER_KUBERNETES, FINALIZER_ORPHAN, FINALIZER_FOREGROUND]);

export interface ObjectMetaOptions {
  /** The kind is namespaced: metadata.namespace is required. Otherwise it must be empty. */
  readonly namespaced: boolean;
  /** How metadata.name (and generateName) are checked. */
  readonly nameRule: NameRule;
  /**
   * Built-in kinds additionally require unqualified finalizer names to be one of the standard
   * ones (kubernetes, orphan, foregroundDeletion). Custom resources skip this. Default true.
   */
  readonly builtin?: boolean;
  /** Where the metadata sits, for error paths. Default `metadata`. */
  readonly path?: string;
}

// ---- labels & annotations -----------------------------------------------------------------------

/** A label key (qualified name). */
export function validateLabelName(field: string, name: string): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(field, name, m));
}

/** Label keys and values; every error is reported at `field` itself, as upstream does. */
export function validateLabels(field: string, labels: Readonly<Record<string, string>> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(field, k));
    for (const m of isValidLabelValue(v)) errs.push(invalid(field, v, m));
  }
  return errs;
}

/** Annotation keys (case-insensitive qualified names) and the 256 KiB total size limit. */
export function validateAnnotations(field: string, annotations: Readonly<Record<string, string>> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, m));
    total += byteLen(k) + byteLen(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

// ---- finalizers -----------------------------------------------------------------------------------

export function validateFinalizerName(field: string, name: string, builtin: boolean): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (builtin) errs.push(...validateKubeFinalizerName(field, name));
  return errs;
}

/** Unqualified finalizer names must be standard ones (built-in kinds only). */
export function validateKubeFinalizerName(field: string, name: string): FieldError[] {
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    return [invalid(field, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

function validateFinalizers(field: string, finalizers: readonly string[], builtin: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers) for (const m of isQualifiedName(f)) errs.push(invalid(field, f, m));
  if (finalizers.includes(FINALIZER_ORPHAN) && finalizers.includes(FINALIZER_FOREGROUND)) {
    errs.push(invalid(field, finalizers, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  if (builtin) finalizers.forEach((f, i) => errs.push(...validateKubeFinalizerName(index(field, i), f)));
  return errs;
}

// ---- owner references -----------------------------------------------------------------------------

function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' };
}

/** Owner references: required members and at most one controller. Paths are not indexed upstream. */
export function validateOwnerReferences(field: string, refs: readonly OwnerReference[]): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const raw of refs) {
    const ref = obj(raw) ?? {};
    const apiVersion = strAt(ref, 'apiVersion');
    const kind = strAt(ref, 'kind');
    const gv = parseGroupVersion(apiVersion);
    if (gv.version === '') errs.push(invalid(child(field, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (kind === '') errs.push(invalid(child(field, 'kind'), kind, 'kind must not be empty'));
    if (strAt(ref, 'name') === '') errs.push(invalid(child(field, 'name'), '', 'name must not be empty'));
    if (strAt(ref, 'uid') === '') errs.push(invalid(child(field, 'uid'), '', 'uid must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      errs.push(invalid(field, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const cur = `${kind}/${strAt(ref, 'name')}`;
      if (firstController !== '') {
        errs.push(invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

// ---- managed fields ---------------------------------------------------------------------------------

function isPrintable(ch: string): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch);
}

export function validateFieldManager(field: string, manager: string): FieldError[] {
  const errs: FieldError[] = [];
  if (manager.length > 128) errs.push(tooLong(field, 128));
  let pos = 0;
  for (const ch of manager) {
    if (!isPrintable(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      errs.push(invalid(field, manager, `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${pos})`));
    }
    pos += Buffer.byteLength(ch, 'utf8');
  }
  return errs;
}

function validateManagedFields(field: string, entries: readonly unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  entries.forEach((raw, i) => {
    const e = obj(raw) ?? {};
    const p = index(field, i);
    const op = strAt(e, 'operation');
    if (op !== 'Apply' && op !== 'Update') errs.push(invalid(child(p, 'operation'), op, 'must be `Apply` or `Update`'));
    const ft = strAt(e, 'fieldsType');
    if (ft !== '' && ft !== 'FieldsV1') errs.push(invalid(child(p, 'fieldsType'), ft, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(child(p, 'manager'), strAt(e, 'manager')));
    if (strAt(e, 'subresource').length > 256) errs.push(tooLong(child(p, 'subresource'), 256));
  });
  return errs;
}

// ---- object metadata ----------------------------------------------------------------------------

function metaObject(meta: ObjectMeta | undefined): JsonObject {
  return obj(meta) ?? {};
}

/**
 * Validates metadata of an object being created. Expects name generation to have happened
 * already (so `name` is set when `generateName` was used). Paths start at `metadata`.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, options: ObjectMetaOptions): FieldError[] {
  const m = metaObject(meta);
  const builtin = options.builtin ?? true;
  const p = options.path ?? 'metadata';
  const errs: FieldError[] = [];
  const generateName = strAt(m, 'generateName');
  if (generateName !== '') {
    for (const msg of nameProblems(options.nameRule, generateName, true)) errs.push(invalid(child(p, 'generateName'), generateName, msg));
  }
  const name = strAt(m, 'name');
  if (name === '') errs.push(required(child(p, 'name'), 'name or generateName is required'));
  else for (const msg of nameProblems(options.nameRule, name, false)) errs.push(invalid(child(p, 'name'), name, msg));
  const ns = strAt(m, 'namespace');
  if (options.namespaced) {
    if (ns === '') errs.push(required(child(p, 'namespace')));
    else for (const msg of nameProblems('label', ns, false)) errs.push(invalid(child(p, 'namespace'), ns, msg));
  } else if (ns !== '') {
    errs.push(forbidden(child(p, 'namespace'), 'not allowed on this type'));
  }
  const generation = typeof m.generation === 'number' ? m.generation : 0;
  errs.push(...nonNegative(child(p, 'generation'), generation));
  errs.push(...labelsAnnotationsOwners(m, p));
  errs.push(...validateFinalizers(child(p, 'finalizers'), strListAt(m, 'finalizers'), builtin));
  errs.push(...validateManagedFields(child(p, 'managedFields'), arrAt(m, 'managedFields')));
  return errs;
}

function labelsAnnotationsOwners(m: JsonObject, p = 'metadata'): FieldError[] {
  return [
    ...validateLabels(child(p, 'labels'), strMapAt(m, 'labels')),
    ...validateAnnotations(child(p, 'annotations'), strMapAt(m, 'annotations')),
    ...validateOwnerReferences(child(p, 'ownerReferences'), arrAt(m, 'ownerReferences') as OwnerReference[]),
  ];
}

/** Validates metadata of an update: immutable identity fields, resourceVersion, generation, finalizers. */
export function validateObjectMetaUpdate(next: ObjectMeta | undefined, prev: ObjectMeta | undefined, options: { builtin?: boolean } = {}): FieldError[] {
  const n = metaObject(next);
  const o = metaObject(prev);
  const builtin = options.builtin ?? true;
  const p = 'metadata';
  const errs: FieldError[] = [];
  const oldFinalizers = strListAt(o, 'finalizers');
  const newFinalizers = strListAt(n, 'finalizers');
  if (o.deletionTimestamp !== undefined && o.deletionTimestamp !== null) {
    const extra = [...new Set(newFinalizers.filter((f) => !oldFinalizers.includes(f)))].sort();
    if (extra.length > 0) {
      errs.push(forbidden(child(p, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`));
    }
  }
  if (strAt(n, 'resourceVersion') === '') errs.push(invalid(child(p, 'resourceVersion'), '', 'must be specified for an update'));
  const newGen = typeof n.generation === 'number' ? n.generation : 0;
  const oldGen = typeof o.generation === 'number' ? o.generation : 0;
  if (newGen < oldGen) errs.push(invalid(child(p, 'generation'), newGen, 'must not be decremented'));
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    errs.push(...validateImmutableField(child(p, f), normalizeEmpty(n[f]), normalizeEmpty(o[f])));
  }
  errs.push(...labelsAnnotationsOwners(n));
  errs.push(...validateManagedFields(child(p, 'managedFields'), arrAt(n, 'managedFields')));
  if (builtin) newFinalizers.forEach((f, i) => errs.push(...validateKubeFinalizerName(index(child(p, 'finalizers'), i), f)));
  return errs;
}

/** Treats absent, null and "" alike, as Go's zero values compare equal. */
function normalizeEmpty(v: unknown): unknown {
  return v === undefined || v === null || v === '' ? undefined : v;
}

/** `field is immutable` when the two values differ semantically. */
export function validateImmutableField(field: string, next: unknown, prev: unknown): FieldError[] {
  return jsonEqual(next, prev) ? [] : [invalid(field, next ?? null, FIELD_IMMUTABLE)];
}

/** Template metadata (pod/claim templates): only labels and annotations may be set. */
export function validateTemplateObjectMeta(field: string, meta: JsonObject | undefined): FieldError[] {
  const m = meta ?? {};
  const errs = [...validateAnnotations(child(field, 'annotations'), strMapAt(m, 'annotations')), ...validateLabels(child(field, 'labels'), strMapAt(m, 'labels'))];
  for (const [k, v] of Object.entries(m)) {
    if (k === 'labels' || k === 'annotations' || v === undefined || v === null) continue;
    if ((k === 'creationTimestamp' && v === null) || (typeof v === 'string' && v === '')) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    errs.push(forbidden(child(field, k), 'cannot be set'));
  }
  return errs;
}

// ---- label selectors ------------------------------------------------------------------------------

export interface LabelSelectorOptions {
  /** Tolerate invalid label values in matchExpressions (kept when the stored object had them). */
  readonly allowInvalidLabelValueInSelector?: boolean;
}

/** A metav1.LabelSelector. Absent (undefined) selectors produce no errors. */
export function validateLabelSelector(field: string, selector: JsonObject | undefined, options: LabelSelectorOptions = {}): FieldError[] {
  if (!selector) return [];
  const errs = validateLabels(child(field, 'matchLabels'), strMapAt(selector, 'matchLabels'));
  arrAt(selector, 'matchExpressions').forEach((raw, i) => {
    const e = obj(raw) ?? {};
    const p = index(child(field, 'matchExpressions'), i);
    const op = strAt(e, 'operator');
    const values = strListAt(e, 'values');
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(child(p, 'key'), strAt(e, 'key')));
    if (!options.allowInvalidLabelValueInSelector) {
      values.forEach((v, j) => {
        for (const m of isValidLabelValue(v)) errs.push(invalid(index(child(p, 'values'), j), v, m));
      });
    }
  });
  return errs;
}

/** A compiled selector: `nothing` (nil selector), `everything` (empty selector) or requirements. */
export interface CompiledSelector {
  readonly kind: 'nothing' | 'everything' | 'requirements';
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** Upstream Selector.Empty(): true only for the match-everything selector. */
  readonly empty: boolean;
}

const NOTHING: CompiledSelector = { kind: 'nothing', empty: false, matches: () => false };
const EVERYTHING: CompiledSelector = { kind: 'everything', empty: true, matches: () => true };

/**
 * metav1.LabelSelectorAsSelector: undefined selector → nothing; empty → everything; otherwise
 * the requirements. Returns undefined when the selector cannot be converted (invalid operator,
 * key or value), as upstream returns an error then.
 */
export function compileLabelSelector(selector: JsonObject | undefined): CompiledSelector | undefined {
  if (!selector) return NOTHING;
  const matchLabels = strMapAt(selector, 'matchLabels');
  const exprs = arrAt(selector, 'matchExpressions').map((x) => obj(x) ?? {});
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) return EVERYTHING;
  const reqs: Array<(l: Readonly<Record<string, string>>) => boolean> = [];
  for (const [k, v] of Object.entries(matchLabels)) {
    if (isQualifiedName(k).length > 0 || isValidLabelValue(v).length > 0) return undefined;
    reqs.push((l) => l[k] === v);
  }
  for (const e of exprs) {
    const k = strAt(e, 'key');
    const op = strAt(e, 'operator');
    const values = strListAt(e, 'values');
    if (isQualifiedName(k).length > 0) return undefined;
    switch (op) {
      case 'In':
      case 'NotIn':
        if (values.length === 0 || values.some((v) => isValidLabelValue(v).length > 0)) return undefined;
        reqs.push(op === 'In' ? (l) => k in l && values.includes(l[k]) : (l) => !(k in l) || !values.includes(l[k]));
        break;
      case 'Exists':
        if (values.length > 0) return undefined;
        reqs.push((l) => k in l);
        break;
      case 'DoesNotExist':
        if (values.length > 0) return undefined;
        reqs.push((l) => !(k in l));
        break;
      default:
        return undefined;
    }
  }
  return { kind: 'requirements', empty: false, matches: (l) => reqs.every((r) => r(l)) };
}

/** True when the selector contains invalid label values (so updates may keep tolerating them). */
export function labelSelectorHasInvalidLabelValue(selector: JsonObject | undefined): boolean {
  return arrAt(selector, 'matchExpressions').some((e) => strListAt(obj(e), 'values').some((v) => isValidLabelValue(v).length > 0));
}
