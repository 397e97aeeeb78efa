/**
 * metadata.managedFields bookkeeping, as kube-apiserver's field manager does it (apimachinery
 * pkg/util/managedfields and structured-merge-diff's merge.Updater).
 *
 * Every write records, per field manager, which fields it owns:
 *  - create/update/non-apply patch: the manager takes the fields its write added or changed, away
 *    from whoever owned them; fields the write removed are released by everyone
 *  - entries are keyed by manager, operation, and (for Update) apiVersion, plus subresource
 *  - managers left owning nothing are dropped; at most 10 Update entries are kept (the oldest are
 *    merged into "ancient-changes")
 *  - server-owned metadata (uid, resourceVersion, generation, creationTimestamp, managedFields …)
 *    and apiVersion/kind are never owned
 *  - an existing object without managedFields is not tracked by updates (only creates start
 *    tracking); a request that sends `managedFields: []` resets them
 */
import { isJsonObject, type JsonObject, type JsonValue, type KubeObject, type ManagedFieldsEntry } from '../object.js';
import { goJsonString } from '../go/go-format.js';
import { FieldSet, fieldElement, type FieldPath } from './field-set.js';

import type { PatchSchemaNode } from './schema.js';
import { compareTyped, type Comparison } from './typed-value.js';

/** Upstream's DefaultMaxUpdateManagers. */
export const MAX_UPDATE_MANAGERS = 10;

export interface ManagerIdentity {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  /** Part of the identity of Update entries only. */
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/**
 * Keys and identities already computed, both ways. Every write decodes and re-encodes its object's
 * managedFields, and a cluster has few distinct managers, so this spares a JSON encode per entry
 * on decode and a JSON parse per entry on encode. Bounded: cleared when it grows past the limit.
 */
const KNOWN_MANAGERS_LIMIT = 4096;
const keyByIdentity = new Map<string, string>();
const identityByKey = new Map<string, ManagerIdentity>();

/** The identity string upstream keys managers by: the entry's JSON without time and fields. */
export function managerKey(id: ManagerIdentity): string {
  // Length-prefixed parts: unambiguous whatever characters the names hold.
  const av = id.apiVersion ?? '';
  const sub = id.subresource ?? '';
  const memo = `${id.manager.length}:${id.manager}${id.operation}${av.length}:${av}${sub.length}:${sub}`;
  const known = keyByIdentity.get(memo);
  if (known !== undefined) return known;
  const parts = [`"manager":${goJsonString(id.manager)}`, `"operation":${goJsonString(id.operation)}`];
  if (id.operation === 'Update' && id.apiVersion) parts.push(`"apiVersion":${goJsonString(id.apiVersion)}`);
  if (id.subresource) parts.push(`"subresource":${goJsonString(id.subresource)}`);
  const key = `{${parts.join(',')}}`;
  if (keyByIdentity.size >= KNOWN_MANAGERS_LIMIT) keyByIdentity.clear();
  keyByIdentity.set(memo, key);
  return key;
}

function parseManagerKey(key: string): ManagerIdentity {
  const known = identityByKey.get(key);
  if (known !== undefined) return known;
  const o = JSON.parse(key) as { manager?: string; operation?: 'Apply' | 'Update'; apiVersion?: string; subresource?: string };
  const id: ManagerIdentity = Object.freeze({ manager: o.manager ?? '', operation: o.operation ?? 'Update', apiVersion: o.apiVersion, subresource: o.subresource });
  if (identityByKey.size >= KNOWN_MANAGERS_LIMIT) identityByKey.clear();
  identityByKey.set(key, id);
  return id;
}

/** How conflict messages name a manager: `"kubectl"`, `"kube-controller-manager" using apps/v1`. */
export function printManager(key: string): string {
  let id: ManagerIdentity;
  try {
    id = parseManagerKey(key);
  } catch {
    return JSON.stringify(key);
  }
  let s = JSON.stringify(id.manager);
  if (id.subresource) s += ` with subresource ${JSON.stringify(id.subresource)}`;
  if (id.operation === 'Update') s += ` using ${id.apiVersion ?? ''}`;
  return s;
}

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

/** Decoded managedFields: field sets and times by manager key. Mutable working state. */
export interface Managed {
  readonly fields: Map<string, VersionedSet>;
  readonly times: Map<string, string | undefined>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

/** Parses managedFields entries; throws an Error (upstream's wording) for a malformed entry. */
export function decodeManagedFields(entries: unknown): Managed {
  const m = emptyManaged();
  if (entries === undefined || entries === null) return m;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((raw: unknown, i) => {
    const e = (isJsonObject(raw) ? raw : {}) as JsonObject;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (typeof e.apiVersion !== 'string' || e.apiVersion.length < 1) throw new Error('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const key = managerKey({
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: typeof e.subresource === 'string' ? e.subresource : undefined,
    });
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new Error(`error decoding versioned set from ${JSON.stringify(raw)}: error decoding set: ${(err as Error).message}`);
    }
    m.fields.set(key, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    m.times.set(key, typeof e.time === 'string' ? e.time : undefined);
  });
  return m;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Entries sorted as upstream: operation, time, manager, apiVersion, subresource. Undefined when none. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [key, vs] of m.fields) {
    const id = parseManagerKey(key);
    const e: ManagedFieldsEntry = { manager: id.manager, operation: vs.applied ? 'Apply' : id.operation, apiVersion: vs.apiVersion };
    const time = m.times.get(key);
    if (time !== undefined) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (id.subresource) e.subresource = id.subresource;
    entries.push(e);
  }
  const cmp = (a: string | undefined, b: string | undefined): number => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
  return entries;
}

/** Fields nobody owns: type metadata and the metadata the server maintains. */
const STRIP_SET = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [fieldElement('metadata'), fieldElement(f)]),
);

/** Removes server-owned paths from a manager's set, dropping the manager when nothing is left. */
export function stripMeta(managed: Managed, key: string): void {
  const vs = managed.fields.get(key);
  if (!vs) return;
  const set = vs.set.difference(STRIP_SET);
  if (set.isEmpty()) managed.fields.delete(key);
  else managed.fields.set(key, { ...vs, set });
}

/** Field paths (JSON member names from the root) whose ownership is not tracked, e.g. [['status']]. */
export type ResetFields = readonly (readonly string[])[];

export function resetFieldSet(paths: ResetFields | undefined): FieldSet {
  return FieldSet.of(...(paths ?? []).map((p) => p.map(fieldElement)));
}

export interface FieldOwnershipContext {
  readonly schema: PatchSchemaNode;
  /** Excluded from every comparison and field set (upstream's reset fields of the strategy). */
  readonly ignore: FieldSet;
}

export function filterComparison(c: Comparison, ignore: FieldSet): Comparison {
  if (ignore.isEmpty()) return c;
  return { added: c.added.recursiveDifference(ignore), modified: c.modified.recursiveDifference(ignore), removed: c.removed.recursiveDifference(ignore) };
}

/** Conflicts of an apply with other managers' fields (manager key and path). */
export class ApplyConflicts extends Error {
  readonly conflicts: ReadonlyArray<{ readonly manager: string; readonly path: FieldPath }>;

  constructor(conflicts: ReadonlyArray<{ readonly manager: string; readonly path: FieldPath }>) {
    super(`apply conflicts: ${conflicts.length}`);
    this.name = 'ApplyConflicts';
    this.conflicts = conflicts;
  }
}

/**
 * structured-merge-diff's Updater.update: compares old and new, takes fields changed by
 * `workflow` away from the other managers (or reports them as conflicts unless `force`), and
 * releases removed fields everywhere. Mutates `managers`; returns the comparison.
 */
export function updateOwnership(
  oldObj: JsonValue | undefined,
  newObj: JsonValue | undefined,
  managers: Map<string, VersionedSet>,
  workflow: string,
  force: boolean,
  ctx: FieldOwnershipContext,
): Comparison {
  const compare = filterComparison(compareTyped(oldObj, newObj, ctx.schema), ctx.ignore);
  const changed = compare.modified.union(compare.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [key, vs] of managers) {
    if (key === workflow) continue;
    const c = vs.set.intersection(changed);
    if (!c.isEmpty()) conflicts.set(key, c);
  }
  if (!force && conflicts.size > 0) {
    const list: Array<{ manager: string; path: FieldPath }> = [];
    for (const key of [...conflicts.keys()].sort()) for (const path of (conflicts.get(key) as FieldSet).paths()) list.push({ manager: key, path });
    throw new ApplyConflicts(list);
  }
  for (const [key, vs] of [...managers]) {
    if (key === workflow) continue;
    let set = vs.set;
    const c = conflicts.get(key);
    if (c) set = set.difference(c);
    if (!compare.removed.isEmpty()) set = set.difference(compare.removed);
    if (set.isEmpty()) managers.delete(key);
    else if (set !== vs.set) managers.set(key, { ...vs, set });
  }
  return compare;
}

const CURRENT_OPERATION = 'current-operation';

/**
 * An Update by manager `key` (already a manager key) through upstream's managedFieldsUpdater,
 * stripMeta and Updater.Update: the fields the write changed become the manager's, merged with
 * what it owned before, and its time is refreshed if it took anything. Mutates `managed`.
 */
export function recordUpdate(oldObj: JsonValue | undefined, newObj: JsonValue, managed: Managed, key: string, apiVersion: string, time: string, ctx: FieldOwnershipContext): void {
  const compare = updateOwnership(oldObj, newObj, managed.fields, CURRENT_OPERATION, true, ctx);
  const taken = compare.modified.union(compare.added).recursiveDifference(ctx.ignore);
  if (!taken.isEmpty()) managed.fields.set(CURRENT_OPERATION, { set: taken, apiVersion, applied: false });
  stripMeta(managed, CURRENT_OPERATION);
  const vs = managed.fields.get(CURRENT_OPERATION);
  if (!vs) return;
  managed.fields.delete(CURRENT_OPERATION);
  const previous = managed.fields.get(key);
  managed.fields.set(key, { set: previous ? vs.set.union(previous.set) : vs.set, apiVersion: vs.apiVersion, applied: vs.applied });
  managed.times.set(key, time);
}

/** Merges the oldest Update entries into "ancient-changes" buckets beyond `max` (upstream's capManagers). */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([k]) => k);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(managed.times.get(a)) - seconds(managed.times.get(b)) || (a < b ? -1 : a > b ? 1 : 0));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const key = updaters[i];
    const vs = managed.fields.get(key) as VersionedSet;
    const time = managed.times.get(key);
    const bucket = managerKey({ manager: 'ancient-changes', operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstByVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstByVersion.set(vs.apiVersion, key);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      const s = managed.fields.get(first) as VersionedSet;
      managed.fields.delete(first);
      managed.fields.set(bucket, s);
    }
    const b = managed.fields.get(bucket) as VersionedSet;
    managed.fields.set(bucket, { set: vs.set.union(b.set), apiVersion: vs.apiVersion, applied: vs.applied });
    managed.fields.delete(key);
    length--;
    managed.times.set(bucket, time);
  }
}

/** A shallow copy of the object without metadata.managedFields (what ownership is computed on). */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  const metadata = { ...(obj.metadata ?? {}) };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/** Sets (or removes, when undefined) metadata.managedFields on a shallow copy. */
export function withManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[] | undefined): KubeObject {
  const metadata = { ...(obj.metadata ?? {}) };
  if (entries) metadata.managedFields = entries;
  else delete metadata.managedFields;
  return { ...obj, metadata };
}

function decodeOrEmpty(entries: unknown): Managed | undefined {
  try {
    return decodeManagedFields(entries);
  } catch {
    return undefined;
  }
}

function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && isJsonObject(entries[0]) && Object.keys(entries[0]).length === 0;
}

export interface UpdateManagedFieldsOptions {
  /** The fieldManager of the request (defaulted by the caller from the user agent); '' → "unknown". */
  readonly manager: string;
  readonly operation?: 'Update';
  /** group/version the request was served in, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** RFC 3339 time of the write. */
  readonly time: string;
  /** 'status', 'scale' … for writes through a subresource. */
  readonly subresource?: string;
  readonly schema: PatchSchemaNode;
  /** Paths not tracked for this endpoint (e.g. [['status']] for the main resource of most kinds). */
  readonly resetFields?: ResetFields;
}

/**
 * Records a create (`old` undefined), update or non-apply patch in `updated`'s managedFields and
 * returns the resulting object. Inputs are not modified; the result is a new top level and
 * metadata that shares everything else with `updated`. Never fails: managedFields that cannot
 * be decoded are replaced, as upstream does.
 *
 * Call it with the final object (after defaulting), as upstream runs it on the decoded request.
 */
export function updateManagedFields(old: KubeObject | undefined, updated: KubeObject, opts: UpdateManagedFieldsOptions): KubeObject {
  const requested = updated.metadata?.managedFields;
  let managed: Managed;
  if (opts.subresource) {
    // Subresources cannot write managedFields: keep the live ones.
    managed = decodeOrEmpty(old?.metadata?.managedFields) ?? emptyManaged();
  } else if (isReset(requested)) {
    managed = emptyManaged();
  } else {
    const fromRequest = decodeOrEmpty(requested);
    managed = fromRequest && fromRequest.fields.size > 0 ? fromRequest : (decodeOrEmpty(old?.metadata?.managedFields) ?? emptyManaged());
  }
  const newObj = withoutManagedFields(updated);
  // An existing object nobody tracks stays untracked; a create starts tracking.
  if (managed.fields.size === 0 && old !== undefined) return newObj;
  const key = managerKey({ manager: opts.manager || 'unknown', operation: 'Update', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const ctx: FieldOwnershipContext = { schema: opts.schema, ignore: resetFieldSet(opts.resetFields) };
  const oldObj = old ? (withoutManagedFields(old) as unknown as JsonValue) : {};
  recordUpdate(oldObj, newObj as unknown as JsonValue, managed, key, opts.apiVersion, opts.time, ctx);
  capUpdateManagers(managed);
  return withManagedFields(newObj, encodeManagedFields(managed));
}
