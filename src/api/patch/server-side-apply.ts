/**
 * Server-side apply (PATCH with `application/apply-patch+yaml`), as kube-apiserver's field
 * manager performs it (apimachinery pkg/util/managedfields/internal, structured-merge-diff's
 * merge.Updater.Apply):
 *
 *  1. the applied configuration must be of the served kind and may not carry managedFields (400),
 *     and must fit the schema (upstream answers 500 "failed to create typed patch object …")
 *  2. an object nobody tracks yet has its current content attributed to "before-first-apply"
 *  3. the configuration is merged into the live object (list-maps by their keys)
 *  4. the manager now owns exactly the fields of its configuration; fields it applied before and
 *     no longer applies are removed unless another manager owns them too
 *  5. changing a field another manager owns to a different value is a conflict (409) unless
 *     `force`, which takes the field over
 *  6. for the manager "kubectl": conflicts with fields recorded in the client-side
 *     last-applied-configuration annotation are forced, and that annotation is kept in sync
 */
import { ApiError, type StatusCause } from '../errors.js';
import { deepCopy, isJsonObject, jsonEqual, parseApiVersion, type JsonValue, type KubeObject } from '../object.js';
import { goJson } from '../go/go-format.js';

import {
  ApplyConflicts,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  managerKey,
  printManager,
  recordUpdate,
  resetFieldSet,
  stripMeta,
  updateOwnership,
  withManagedFields,
  withoutManagedFields,
  type FieldOwnershipContext,
  type Managed,
  type ResetFields,
  type VersionedSet,
} from './managed-fields.js';
import { FieldSet, pathString } from './field-set.js';
import type { PatchSchemaNode } from './schema.js';
import { compareTyped, dropNulls, formatValidationErrors, mergeTyped, removeItems, toFieldSet, validateApplied } from './typed-value.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Upstream's TotalAnnotationSizeLimitB. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ServerSideApplyOptions {
  /** The request's fieldManager (required for apply; see validatePatchOptions). */
  readonly manager: string;
  readonly force: boolean;
  /** The served group/version, e.g. `apps/v1`; the configuration must use it. */
  readonly apiVersion: string;
  /** The served kind; the configuration must use it. */
  readonly kind: string;
  /** RFC 3339 time of the request. */
  readonly time: string;
  readonly schema: PatchSchemaNode;
  readonly subresource?: string;
  /** Paths not tracked for this endpoint (e.g. [['status']]). */
  readonly resetFields?: ResetFields;
}

/**
 * Applies `applied` to `live` (undefined: the object does not exist yet) and returns the new
 * object with its managedFields. Inputs are not modified. Throws ApiError 400/409/500 as upstream.
 * When nothing changes the live object comes back with updated managedFields only.
 */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, opts: ServerSideApplyOptions): KubeObject {
  checkVersion(applied, opts);
  let result: KubeObject;
  try {
    result = applyWithManagers(live, applied, opts, opts.force);
  } catch (e) {
    if (!(e instanceof ApplyConflicts)) throw e;
    const allowed = opts.manager === 'kubectl' && live ? allowedFromLastApplied(live, opts) : undefined;
    const remaining = allowed ? e.conflicts.filter((c) => !allowed.has(c.path)) : e.conflicts;
    if (remaining.length > 0) throw conflictError(remaining);
    // Every conflict is a field kubectl applied client-side before: take them over.
    result = applyWithManagers(live, applied, opts, true);
  }
  if (opts.manager === 'kubectl') result = syncLastApplied(result, applied);
  return result;
}

function checkVersion(applied: KubeObject, opts: ServerSideApplyOptions): void {
  if (applied.apiVersion === opts.apiVersion && applied.kind === opts.kind) return;
  const gv = typeof applied.apiVersion === 'string' ? parseApiVersion(applied.apiVersion) : { group: '', version: '' };
  throw ApiError.badRequest(`invalid object type: ${gv.group}/${gv.version}, Kind=${typeof applied.kind === 'string' ? applied.kind : ''}`);
}

function applyWithManagers(live: KubeObject | undefined, applied: KubeObject, opts: ServerSideApplyOptions, force: boolean): KubeObject {
  const ctx: FieldOwnershipContext = { schema: opts.schema, ignore: resetFieldSet(opts.resetFields) };
  let managed: Managed;
  try {
    managed = decodeManagedFields(live?.metadata?.managedFields);
  } catch (e) {
    throw new ApiError(500, 'InternalError', `failed to decode managed fields: ${(e as Error).message}`);
  }
  const liveObj: JsonValue = live ? (withoutManagedFields(live) as unknown as JsonValue) : {};
  if (managed.fields.size === 0) {
    // Nobody tracks this object yet: its current content belongs to "before-first-apply".
    const key = managerKey({ manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion, subresource: opts.subresource });
    recordUpdate({}, liveObj, managed, key, opts.apiVersion, opts.time, ctx);
    capUpdateManagers(managed);
  }

  if (Array.isArray(applied.metadata?.managedFields)) throw ApiError.badRequest('metadata.managedFields must be nil');
  const config = applied as unknown as JsonValue;
  const errs = validateApplied(config, opts.schema);
  if (errs.length > 0) {
    const ns = applied.metadata?.namespace ?? '';
    const name = applied.metadata?.name ?? '';
    const gv = parseApiVersion(opts.apiVersion);
    throw new ApiError(500, 'InternalError', `failed to create typed patch object (${ns}/${name}; ${gv.group}/${gv.version}, Kind=${opts.kind}): ${formatValidationErrors(errs)}`);
  }

  const key = managerKey({ manager: opts.manager, operation: 'Apply', subresource: opts.subresource });
  const merged = applyConfig(liveObj, config, managed, key, opts.apiVersion, force, ctx);
  stripMeta(managed, key);

  let object: KubeObject;
  if (merged === undefined) {
    // No change to the object: only the bookkeeping moves; the apply time is not refreshed.
    object = live ? withoutManagedFields(deepCopy(live)) : ({ metadata: {} } as KubeObject);
  } else {
    managed.times.set(key, opts.time);
    object = dropNulls(merged, opts.schema) as unknown as KubeObject;
  }
  return withManagedFields(object, encodeManagedFields(managed));
}

/**
 * Updater.Apply: merge, re-own, prune what the manager stopped applying, then settle ownership
 * against the other managers. Returns the new object, or undefined when it equals the live one.
 */
function applyConfig(
  live: JsonValue,
  config: JsonValue,
  managed: Managed,
  key: string,
  apiVersion: string,
  force: boolean,
  ctx: FieldOwnershipContext,
): JsonValue | undefined {
  const merged = mergeTyped(live, config, ctx.schema) as JsonValue;
  const lastSet = managed.fields.get(key);
  const set = toFieldSet(config, ctx.schema).recursiveDifference(ctx.ignore);
  managed.fields.set(key, { set, apiVersion, applied: true });
  const pruned = prune(merged, managed.fields, key, lastSet, ctx.schema);
  updateOwnership(live, pruned, managed.fields, key, force, ctx);
  return jsonEqual(live, pruned) ? undefined : pruned;
}

/**
 * Removes fields the manager applied last time and not this time, unless another manager (or
 * the new configuration) owns them, and never removes anything the manager did not own before.
 */
function prune(merged: JsonValue, managers: Map<string, VersionedSet>, key: string, lastSet: VersionedSet | undefined, schema: PatchSchemaNode): JsonValue {
  if (!lastSet || lastSet.set.isEmpty()) return merged;
  const last = lastSet.set.ensureNamedFieldsAreMembers(schema);
  let pruned = removeItems(merged, last, schema) ?? null;

  // Add back what anyone (including the new configuration) owns.
  let owned = new FieldSet();
  for (const vs of managers.values()) owned = owned.union(vs.set);
  const mergedSet = toFieldSet(merged, schema).ensureNamedFieldsAreMembers(schema);
  let prunedSet = toFieldSet(pruned, schema).ensureNamedFieldsAreMembers(schema);
  pruned = removeItems(merged, mergedSet.difference(prunedSet.union(owned.ensureNamedFieldsAreMembers(schema))), schema) ?? null;

  // Add back what the manager never owned (removed only as a side effect).
  prunedSet = toFieldSet(pruned, schema).ensureNamedFieldsAreMembers(schema);
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(last), schema) ?? null;
}

function conflictError(conflicts: ApplyConflicts['conflicts']): ApiError {
  const e = { conflicts };
  const causes: StatusCause[] = e.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (e.conflicts.length === 1) {
    const c = e.conflicts[0];
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const lines: string[] = [];
    const byManager = new Map<string, string[]>();
    for (const c of e.conflicts) {
      const list = byManager.get(c.manager) ?? [];
      list.push(pathString(c.path));
      byManager.set(c.manager, list);
    }
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(m)}:`);
      for (const p of byManager.get(m) as string[]) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${e.conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/**
 * Upstream's lastAppliedManager: conflicts on fields that the client-side apply annotation
 * records with their live values are not real conflicts when kubectl moves to server-side apply.
 */
function allowedFromLastApplied(live: KubeObject, opts: ServerSideApplyOptions): FieldSet | undefined {
  const annotation = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!annotation) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!isJsonObject(last) || last.apiVersion !== opts.apiVersion) return undefined;
  if (validateApplied(last, opts.schema).length > 0) return undefined;
  const liveObj = withoutManagedFields(live) as unknown as JsonValue;
  const c = compareTyped(last, liveObj, opts.schema);
  return toFieldSet(last, opts.schema).difference(c.modified).difference(c.added).difference(c.removed);
}

/**
 * Upstream's lastAppliedUpdater: when kubectl applies server-side an object that still carries
 * the client-side annotation, the annotation is rewritten to the new configuration so a later
 * client-side apply computes the right patch.
 */
function syncLastApplied(obj: KubeObject, applied: KubeObject): KubeObject {
  const annotations = obj.metadata?.annotations;
  if (!annotations || !annotations[LAST_APPLIED_ANNOTATION]) return obj;
  const config = deepCopy(applied) as KubeObject;
  if (isJsonObject(config.metadata?.annotations as unknown)) delete (config.metadata.annotations as Record<string, string>)[LAST_APPLIED_ANNOTATION];
  const value = `${goJson(config)}\n`;
  const next: Record<string, string> = { ...annotations, [LAST_APPLIED_ANNOTATION]: value };
  let size = 0;
  for (const [k, v] of Object.entries(next)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete next[LAST_APPLIED_ANNOTATION];
  return { ...obj, metadata: { ...obj.metadata, annotations: next } };
}
