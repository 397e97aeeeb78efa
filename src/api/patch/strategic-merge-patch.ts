/**
 * Strategic merge patch, server side (what apimachinery's StrategicMergeMapPatch does for
 * kube-apiserver: parallel lists are merged, unmatched nulls ignored).
 *
 * On top of RFC 7386 merging, guided by the schema:
 *  - lists whose field has patchStrategy `merge` are merged: objects by their patchMergeKey,
 *    primitives as a set; every other list is replaced wholesale
 *  - `$patch: replace` replaces a map (or, as a list item, the whole list); `$patch: delete`
 *    empties a map or, as a list item, removes the items with that merge key
 *  - `$retainKeys: [...]` drops every member of the live map not listed
 *  - `$setElementOrder/<list>: [...]` fixes the order of a merged list
 *  - `$deleteFromPrimitiveList/<list>: [...]` removes values from a primitive merged list
 *  - `null` deletes a member
 * Directives never reach the result.
 *
 * Errors carry upstream's texts and codes (apiserver's interpretStrategicMergePatchError):
 * malformed directives are 400 BadRequest, lists of lists 422, and everything else upstream
 * returns as a plain error, which kube-apiserver answers with 500.
 */
import { ApiError } from '../errors.js';
import { deepCopy, isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { goTypeName, goValue } from '../go/go-format.js';
import { getMember, goEqual, setMember } from './json-util.js';
import { itemSchema, memberSchema, type FieldSchema, type PatchSchemaNode } from './schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const ERR_BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_BAD_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';
const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';

/** The 415 kube-apiserver gives when SMP is used on a custom resource (mergepatch's error text is 400 when reached). */
export const SMP_NOT_SUPPORTED_MESSAGE = 'strategic merge patch format is not supported';

/**
 * Applies a strategic merge patch to a copy of `doc` (neither input is modified). `schema` is the
 * node of the document's type.
 */
export function applyStrategicMergePatch(doc: JsonObject, patch: JsonObject, schema: PatchSchemaNode): JsonObject {
  return mergeMap(deepCopy(doc), deepCopy(patch), schema);
}

function badRequest(message: string): ApiError {
  return ApiError.badRequest(message);
}

function internal(message: string): ApiError {
  return new ApiError(500, 'InternalError', message);
}

function errBadArgType(expected: 'map' | 'slice', actual: unknown): ApiError {
  const e = expected === 'map' ? 'map[string]interface {}' : '[]interface {}';
  return internal(`expected a ${e}, but received a ${goTypeName(actual)}`);
}

function errNoMergeKey(m: JsonObject, key: string): ApiError {
  return internal(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
}

function errBadPatchType(t: JsonValue | undefined, m: JsonObject): ApiError {
  return internal(`unknown patch type: ${goValue(t)} in map: ${goValue(m)}`);
}

// ---- directive clean-up -------------------------------------------------------------------------

function isDirectiveKey(k: string): boolean {
  return k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`);
}

/**
 * Upstream's removeDirectives for patch content copied where the document has nothing: maps that
 * carry `$patch` vanish; other directive keys are dropped too, since lite has no typed decoding
 * step that would discard them.
 */
function removeDirectives(v: JsonValue): { value: JsonValue; keep: boolean } {
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (const item of v) {
      const r = removeDirectives(item);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  if (isJsonObject(v)) {
    if (Object.hasOwn(v, DIRECTIVE)) return { value: null, keep: false };
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      if (isDirectiveKey(k)) {
        delete v[k];
        continue;
      }
      const r = removeDirectives(child);
      if (r.keep) setMember(v, k, r.value);
      else delete v[k];
    }
  }
  return { value: v, keep: true };
}

/**
 * Patch content that upstream stores as it is (the typed decoding then ignores directive keys as
 * unknown fields and turns nulls into unset fields): strip directive keys and null members, keep
 * everything else.
 */
function stripDirectiveKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = stripDirectiveKeys(v[i]);
    return v;
  }
  if (isJsonObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      if (child === null || isDirectiveKey(k)) delete v[k];
      else setMember(v, k, stripDirectiveKeys(child));
    }
  }
  return v;
}

/** Upstream's discardNullValuesFromPatch: null members go, null list items stay. */
function discardNullValues(v: JsonValue): void {
  if (Array.isArray(v)) {
    for (const item of v) discardNullValues(item);
  } else if (isJsonObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else if (child !== undefined) discardNullValues(child);
    }
  }
}

/** Sets `original[key]` to patch content the document did not have. */
function copyPatchValue(original: JsonObject, key: string, patchValue: JsonValue): void {
  discardNullValues(patchValue);
  const r = removeDirectives(patchValue);
  if (r.keep) setMember(original, key, r.value);
  else delete original[key];
}

// ---- maps ---------------------------------------------------------------------------------------

function mergeMap(original: JsonObject | undefined, patch: JsonObject, node: PatchSchemaNode | undefined): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch);
  const orig = original ?? {};
  applyRetainKeysDirective(orig, patch);
  mergePatchIntoOriginal(orig, patch, node);

  for (const k of Object.keys(patch)) {
    const patchV = patch[k];
    if (patchV === undefined) continue;
    let key = k;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = extractKey(k, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete orig[key];
      continue;
    }
    const origV = getMember(orig, key);
    if (origV === undefined || origV === null || kindOf(origV) !== kindOf(patchV)) {
      if (!isDeleteList) copyPatchValue(orig, key, patchV);
      continue;
    }
    const { field } = memberSchema(node, key);
    if (isJsonObject(origV)) {
      if (field.patchStrategy === 'replace') setMember(orig, key, stripDirectiveKeys(patchV));
      else setMember(orig, key, mergeMap(origV, patchV as JsonObject, field.node));
    } else if (Array.isArray(origV)) {
      setMember(orig, key, mergeSliceHandler(origV, patchV as JsonValue[], field, isDeleteList));
    } else {
      copyPatchValue(orig, key, patchV);
    }
  }
  return orig;
}

/** Go's reflect type identity for the "same type" test; all numbers count as one kind. */
function kindOf(v: JsonValue): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'slice';
  return typeof v === 'object' ? 'map' : typeof v;
}

function handleDirectiveInMergeMap(directive: JsonValue | undefined, patch: JsonObject): JsonObject {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return stripDirectiveKeys(patch) as JsonObject;
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw badRequest(prefix === DELETE_FROM_PRIMITIVE_LIST ? ERR_BAD_PRIMITIVE_LIST : ERR_BAD_SET_ELEMENT_ORDER);
  }
  return s.slice(slash + 1);
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest(ERR_BAD_RETAIN_KEYS);
  const retained = new Set(list.filter((v): v is string => typeof v === 'string'));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(k)) throw badRequest(ERR_BAD_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k];
}

/**
 * Handles every `$setElementOrder/<list>` directive of `patch` together with its list: merges
 * the list, then orders it (setElementOrder first, then patch order, then live order).
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, node: PatchSchemaNode | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType('slice', order);
    const originalKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = Object.hasOwn(original, originalKey);
    const foundPatch = Object.hasOwn(patch, originalKey);
    const originalList = original[originalKey];
    const patchList = patch[originalKey];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('slice', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('slice', patchList);
    const originalValue = foundOriginal ? (originalList as JsonValue[]) : undefined;
    const patchValue = foundPatch ? (patchList as JsonValue[]) : undefined;
    const { field } = memberSchema(node, originalKey);
    const mergeKey = field.patchMergeKey ?? '';
    validatePatchWithSetOrderList(patchValue ?? [], order, mergeKey);

    let merged: JsonValue[];
    if (originalValue && !patchValue) merged = originalValue;
    else if (!originalValue && patchValue) merged = removeDirectives(patchValue).value as JsonValue[];
    else if (originalValue && patchValue) merged = mergeSliceHandler(originalValue, patchValue, field, false);
    else continue;

    const { patchItems, serverOnly } = mergeKey === '' ? partitionPrimitives(merged, order) : partitionMaps(merged, order, mergeKey);
    const isMap = sliceElementKind(originalValue ?? [], patchValue ?? []) === 'map';
    setMember(original, originalKey, normalizeElementOrder(patchItems, serverOnly, order, originalValue ?? [], mergeKey, isMap));
    delete patch[originalKey];
  }
}

/** The items of the patch list (deletions aside) must appear in the order list, in that order. */
function validatePatchWithSetOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList).keep : patchList;
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    if (isJsonObject(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonObject, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length) {
    throw internal(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(order)}\n`);
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (!mergeKey) return goEqual(left, right);
  if (!isJsonObject(left)) throw errBadArgType('map', left);
  if (!isJsonObject(right)) throw errBadArgType('map', right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEqual(left[mergeKey], right[mergeKey]);
}

// ---- lists --------------------------------------------------------------------------------------

function mergeSliceHandler(original: JsonValue[], patch: JsonValue[], field: FieldSchema, isDeleteList: boolean): JsonValue[] {
  if (field.patchStrategy === 'merge' || isDeleteList) {
    return mergeSlice(original, patch, itemSchema(field.node).node, field.patchMergeKey ?? '', isDeleteList);
  }
  return stripDirectiveKeys(patch) as JsonValue[];
}

function mergeSlice(original: JsonValue[], patch: JsonValue[], itemNode: PatchSchemaNode, mergeKey: string, isDeleteList: boolean): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: JsonValue[];
  let orig = original;
  let pat = patch;
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw internal(`cannot merge lists without merge key for ${goKindName(itemNode)}`);
    ({ original: orig, patch: pat } = mergeSliceWithSpecialElements(original, patch, mergeKey));
    merged = mergeSliceWithoutSpecialElements(orig, pat, mergeKey, itemNode);
  }
  const { patchItems, serverOnly } = mergeKey === '' ? partitionPrimitives(merged, pat) : partitionMaps(merged, pat, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, pat, orig, mergeKey, kind === 'map');
}

/** Go's reflect Kind name of the element type, as upstream's error message shows it. */
function goKindName(node: PatchSchemaNode): string {
  switch (node.kind) {
    case 'struct':
      return 'struct';
    case 'map':
      return 'map';
    case 'list':
      return 'slice';
    case 'scalar':
      return 'string';
    case 'untyped':
      return 'interface';
  }
}

/** The common kind of all items: 'map', a scalar kind, or an error for lists of lists/mixed items. */
function sliceElementKind(...slices: JsonValue[][]): string {
  let prev: string | undefined;
  for (const s of slices) {
    for (const v of s) {
      const k = kindOf(v);
      if (prev === undefined) {
        if (k === 'slice') throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}, { cause: new Error(ERR_NO_LIST_OF_LISTS) });
        if (k === 'nil') throw internal('runtime error: invalid memory address or nil pointer dereference');
        prev = k;
      } else if (prev !== k) {
        throw internal(`list element types are not identical: ${goValue(slices)}`);
      }
    }
  }
  if (prev === undefined) throw internal('no elements in any of the given slices');
  return prev;
}

/** Upstream's in-place de-duplication (which does not keep order; ordering is fixed afterwards). */
function deduplicateScalars(s: JsonValue[]): JsonValue[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEqual(s[i], s[j])) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function deleteFromSlice(current: JsonValue[], toDelete: JsonValue[]): JsonValue[] {
  return current.filter((v) => !toDelete.some((d) => goEqual(v, d)));
}

/** Applies `$patch` items of a merged list: deletions by merge key, and `replace`. */
function mergeSliceWithSpecialElements(original: JsonValue[], patch: JsonValue[], mergeKey: string): { original: JsonValue[]; patch: JsonValue[] } {
  const plain: JsonValue[] = [];
  let replace = false;
  let orig = original;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      orig = deleteMatchingEntries(orig, mergeKey, item[mergeKey] as JsonValue);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, item);
    }
  }
  if (replace) return { original: plain.map(stripDirectiveKeys), patch: [] };
  return { original: orig, patch: plain };
}

function deleteMatchingEntries(original: JsonValue[], mergeKey: string, value: JsonValue): JsonValue[] {
  let out = original;
  for (;;) {
    const found = findMapByKeyValue(out, mergeKey, value);
    if (found < 0) return out;
    out = [...out.slice(0, found), ...out.slice(found + 1)];
  }
}

function mergeSliceWithoutSpecialElements(original: JsonValue[], patch: JsonValue[], mergeKey: string, itemNode: PatchSchemaNode): JsonValue[] {
  const out = [...original];
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    const idx = findMapByKeyValue(out, mergeKey, item[mergeKey] as JsonValue);
    if (idx >= 0) out[idx] = mergeMap(out[idx] as JsonObject, item, itemNode);
    else out.push(stripDirectiveKeys(item));
  }
  return out;
}

/** Index of the first object whose merge key is present and equal to `value`; -1 when none. */
function findMapByKeyValue(list: JsonValue[], key: string, value: JsonValue): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isJsonObject(v)) throw internal(`value for key ${i} is not a map`);
    if (Object.hasOwn(v, key) && goEqual(v[key], value)) return i;
  }
  return -1;
}

// ---- ordering -----------------------------------------------------------------------------------

function partitionPrimitives(merged: JsonValue[], by: JsonValue[]): { patchItems: JsonValue[]; serverOnly: JsonValue[] } {
  const patchItems: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) (by.some((b) => goEqual(b, v)) ? patchItems : serverOnly).push(v);
  return { patchItems, serverOnly };
}

function partitionMaps(merged: JsonValue[], by: JsonValue[], mergeKey: string): { patchItems: JsonValue[]; serverOnly: JsonValue[] } {
  const patchItems: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) {
    if (!isJsonObject(v)) throw errBadArgType('map', v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapByKeyValue(by, mergeKey, v[mergeKey] as JsonValue) >= 0 ? patchItems : serverOnly).push(v);
  }
  return { patchItems, serverOnly };
}

function extractToDeleteItems(list: JsonValue[]): { keep: JsonValue[]; toDelete: JsonValue[] } {
  const keep: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw errBadArgType('map', v);
    (v[DIRECTIVE] === 'delete' ? toDelete : keep).push(v);
  }
  return { keep, toDelete };
}

function indexIn(list: JsonValue[], v: JsonValue, mergeKey: string, isMap: boolean): number {
  const key = (item: JsonValue): JsonValue | undefined => (isMap ? (isJsonObject(item) ? item[mergeKey] : undefined) : item);
  const want = key(v);
  for (let i = 0; i < list.length; i++) if (goEqual(want, key(list[i]))) return i;
  return -1;
}

function normalizeSliceOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, isMap: boolean): JsonValue[] {
  let items = toSort;
  let toDelete: JsonValue[] = [];
  if (isMap) {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isJsonObject(item)) throw errBadArgType('map', item);
        if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      }
    }
    ({ keep: items, toDelete } = extractToDeleteItems(toSort));
  }
  const decorated = items.map((v) => ({ v, i: indexIn(order, v, mergeKey, isMap) }));
  // Every item is present in `order` by construction; stable sort by position.
  decorated.sort((a, b) => (a.i >= 0 && b.i >= 0 ? a.i - b.i : 0));
  return [...decorated.map((d) => d.v), ...toDelete];
}

/**
 * Interleaves the server-only items (`left`) into the patch items (`right`), both already sorted:
 * a server item goes first only when both are in the live list and it came first there.
 */
function mergeSortedSlice(left: JsonValue[], right: JsonValue[], serverOrder: JsonValue[], mergeKey: string, isMap: boolean): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, isMap);
      const ri = indexIn(serverOrder, right[j], mergeKey, isMap);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patchItems: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  isMap: boolean,
): JsonValue[] {
  const p = normalizeSliceOrder(patchItems, patchOrder, mergeKey, isMap);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, isMap);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, isMap);
}
