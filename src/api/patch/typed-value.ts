/**
 * Schema-guided operations on JSON values that server-side apply and managedFields tracking are
 * built on, following structured-merge-diff's typed package:
 *  - validateApplied  the checks an applied configuration must pass (no duplicate list-map keys,
 *                     list-map items with their keys, scalars of the right kind, no undeclared
 *                     fields in closed structs), with upstream's error texts
 *  - toFieldSet       the set of fields a value sets (leaves, list items, and the parents that
 *                     are not named struct fields, e.g. map keys and items)
 *  - compareTyped     which fields were added, modified and removed between two values
 *  - mergeTyped       a merge where the right-hand side wins (how an applied configuration is
 *                     laid over the live object): granular maps and list-maps merged item by item
 *  - removeItems      a copy without the given fields
 *
 * Values read from storage are handled leniently (upstream would refuse to build a typed value
 * and the request would fail): a value whose JSON kind contradicts the schema is a leaf, a list
 * whose items cannot all be keyed is atomic, and undeclared fields are treated as deduced JSON.
 *
 * `undefined` means "absent" throughout; JSON null is a present value.
 */
import { deepCopy, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../object.js';
import { goNumber, goTypeName, goValue } from '../go/go-format.js';
import { FieldSet, fieldElement, keyElement, pathString, valueElement, type FieldPath, type PathElement } from './field-set.js';
import { setMember } from './json-util.js';
import { memberSchema, type FieldSchema, type PatchSchemaNode } from './schema.js';

type Shape =
  | { readonly t: 'scalar' }
  | { readonly t: 'map'; readonly atomic: boolean }
  | { readonly t: 'list'; readonly atomic: boolean; readonly keys: readonly string[] | undefined };

const SCALAR: Shape = { t: 'scalar' };
const ATOMIC_LIST: Shape = { t: 'list', atomic: true, keys: undefined };

/** How `v` is treated at `node`. */
function shapeOf(node: PatchSchemaNode, v: JsonValue | undefined): Shape {
  const isNullish = v === undefined || v === null;
  switch (node.kind) {
    case 'scalar':
      return SCALAR;
    case 'struct':
    case 'map':
      return isNullish || isJsonObject(v) ? { t: 'map', atomic: node.atomic } : SCALAR;
    case 'list':
      if (!isNullish && !Array.isArray(v)) return SCALAR;
      return { t: 'list', atomic: node.listType === 'atomic', keys: node.listType === 'map' ? node.keys : undefined };
    case 'untyped':
      if (isJsonObject(v)) return { t: 'map', atomic: !node.granular };
      if (Array.isArray(v)) return ATOMIC_LIST;
      // A null untyped value is handled as an (empty) map, as upstream picks the map form first.
      return v === null ? { t: 'map', atomic: !node.granular } : SCALAR;
  }
}

function sameShapeKind(a: Shape, b: Shape): boolean {
  return a.t === b.t;
}

// ---- list item keys -----------------------------------------------------------------------------

/** The path element of a list item, or an error text as upstream words it. */
function itemElement(node: PatchSchemaNode, keys: readonly string[] | undefined, item: JsonValue): { pe: PathElement } | { error: string } {
  if (keys !== undefined && keys.length > 0) {
    if (item === null) return { error: 'associative list with keys may not have a null element' };
    if (!isJsonObject(item)) return { error: 'associative list with keys may not have non-map elements' };
    const fields: Array<readonly [string, JsonValue]> = [];
    const itemNode = node.kind === 'list' ? node.items.node : node;
    for (const k of keys) {
      const v = Object.hasOwn(item, k) ? item[k] : undefined;
      if (v !== undefined) {
        fields.push([k, v]);
        continue;
      }
      const dflt = memberSchema(itemNode, k).field.default;
      if (dflt !== undefined) fields.push([k, dflt]);
      else return { error: `associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)` };
    }
    return { pe: keyElement(fields) };
  }
  if (isJsonObject(item)) return { error: "associative list without keys has an element that's a map type" };
  if (Array.isArray(item)) return { error: 'not supported: associative list with lists as elements' };
  if (item === null) return { error: "associative list without keys has an element that's an explicit null" };
  return { pe: valueElement(item) };
}

/** Path elements of every item, or undefined when some item cannot be keyed (then: atomic). */
function itemElements(node: PatchSchemaNode, keys: readonly string[] | undefined, list: JsonValue[]): PathElement[] | undefined {
  const out: PathElement[] = [];
  for (const item of list) {
    const r = itemElement(node, keys, item);
    if ('error' in r) return undefined;
    out.push(r.pe);
  }
  return out;
}

function itemsNode(node: PatchSchemaNode): PatchSchemaNode {
  return node.kind === 'list' ? node.items.node : node;
}

// ---- validation of applied configurations ----------------------------------------------------------

interface ValidationError {
  path: string;
  message: string;
}

/** Upstream's ValidationErrors text: one error alone, or "errors:" and one indented line each. */
export function formatValidationErrors(errs: readonly ValidationError[]): string {
  const one = (e: ValidationError): string => (e.path ? `${e.path}: ${e.message}` : e.message);
  if (errs.length === 1) return one(errs[0]);
  return ['errors:', ...errs.map((e) => `  ${one(e)}`)].join('\n');
}

/** Go's `%v` of a structured-merge-diff value wrapper: `&{…}`. */
function smdV(v: JsonValue): string {
  return `&{${goValue(v)}}`;
}

/** Go's `%#v` of the same: `&value.valueUnstructured{Value:…}`. */
function smdSharpV(v: JsonValue): string {
  return `&value.valueUnstructured{Value:${goSharp(v)}}`;
}

function goSharp(v: JsonValue): string {
  if (v === null) return 'interface {}(nil)';
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(', ')}}`;
  return `map[string]interface {}{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${goSharp(v[k] as JsonValue)}`)
    .join(', ')}}`;
}

function validateScalar(node: PatchSchemaNode, v: JsonValue): string | undefined {
  if (v === null) return undefined;
  const type = node.kind === 'scalar' ? node.scalarType : 'untyped';
  switch (type) {
    case 'numeric':
      return typeof v === 'number' ? undefined : `expected numeric (int or float), got ${goTypeName(v)}`;
    case 'string':
      return typeof v === 'string' ? undefined : `expected string, got ${smdSharpV(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `expected boolean, got ${smdV(v)}`;
    default:
      return typeof v === 'object' ? `expected any scalar, got ${smdV(v)}` : undefined;
  }
}

/**
 * Checks an applied configuration against the schema; returns upstream-worded errors (empty when
 * valid). Duplicate list-map keys are refused in applied configurations.
 */
export function validateApplied(value: JsonValue, node: PatchSchemaNode): ValidationError[] {
  const errs: ValidationError[] = [];
  validateAt(node, value, '', errs);
  return errs;
}

function validateAt(node: PatchSchemaNode, v: JsonValue, path: string, errs: ValidationError[]): void {
  const push = (p: string, message: string): void => {
    errs.push({ path: p, message });
  };
  if (node.kind === 'scalar') {
    const e = validateScalar(node, v);
    if (e) push(path, e);
    return;
  }
  if (node.kind === 'untyped') {
    if (isJsonObject(v) && node.granular) {
      for (const [k, child] of Object.entries(v)) if (child !== undefined) validateAt(memberSchema(node, k).field.node, child, `${path}.${k}`, errs);
    }
    return;
  }
  if (node.kind === 'list') {
    if (v === null) return;
    if (!Array.isArray(v)) {
      push(path, `expected list, got ${smdV(v)}`);
      return;
    }
    const itemNode = node.items.node;
    if (node.listType === 'atomic') {
      v.forEach((item, i) => validateAt(itemNode, item, `${path}[${i}]`, errs));
      return;
    }
    const keys = node.listType === 'map' ? node.keys : undefined;
    const seen = new Set<PathElement>();
    for (let i = 0; i < v.length; i++) {
      const r = itemElement(node, keys, v[i]);
      if ('error' in r) {
        push(path, `element ${i}: ${r.error}`);
        return;
      }
      if (seen.has(r.pe)) push(path, `duplicate entries for key ${pathString([r.pe])}`);
      seen.add(r.pe);
      validateAt(itemNode, v[i], `${path}${pathString([r.pe])}`, errs);
    }
    return;
  }
  // struct or map
  if (v === null) return;
  if (!isJsonObject(v)) {
    push(path, `expected map, got ${smdV(v)}`);
    return;
  }
  for (const [k, child] of Object.entries(v)) {
    if (child === undefined) continue;
    if (node.kind === 'struct' && !node.field(k) && !node.unknownFields) {
      push(`${path}.${k}`, 'field not declared in schema');
      return;
    }
    validateAt(memberSchema(node, k).field.node, child, `${path}.${k}`, errs);
  }
}

// ---- field sets ---------------------------------------------------------------------------------

/** The fields `value` sets, as upstream's ToFieldSet (duplicate list-map items owned as a whole). */
export function toFieldSet(value: JsonValue | undefined, node: PatchSchemaNode): FieldSet {
  const set = new FieldSet();
  if (value !== undefined) fieldSetWalk(node, value, [], set);
  return set;
}

function fieldSetWalk(node: PatchSchemaNode, v: JsonValue, path: PathElement[], set: FieldSet): void {
  const shape = shapeOf(node, v);
  if (shape.t === 'scalar') {
    set.insert(path);
    return;
  }
  if (shape.t === 'list') {
    if (shape.atomic) {
      set.insert(path);
      return;
    }
    if (!Array.isArray(v)) return;
    const pes = itemElements(node, shape.keys, v);
    if (!pes) {
      set.insert(path);
      return;
    }
    const counts = new Map<PathElement, number>();
    for (const pe of pes) counts.set(pe, (counts.get(pe) ?? 0) + 1);
    const itemNode = itemsNode(node);
    const done = new Set<PathElement>();
    for (let i = 0; i < v.length; i++) {
      const pe = pes[i];
      if ((counts.get(pe) ?? 0) > 1) {
        // Duplicated items are owned as a whole, once.
        if (!done.has(pe)) set.insert([...path, pe]);
        done.add(pe);
        continue;
      }
      const child = [...path, pe];
      fieldSetWalk(itemNode, v[i], child, set);
      set.insert(child);
    }
    return;
  }
  if (shape.atomic) {
    set.insert(path);
    return;
  }
  if (!isJsonObject(v)) return;
  for (const [k, child] of Object.entries(v)) {
    if (child === undefined) continue;
    const { field, declared } = memberSchema(node, k);
    const childPath = [...path, fieldElement(k)];
    fieldSetWalk(field.node, child, childPath, set);
    if (child === null || (isJsonObject(child) && Object.keys(child).length === 0) || !declared) set.insert(childPath);
  }
}

// ---- comparison ---------------------------------------------------------------------------------

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs`. Containers appearing or disappearing are reported themselves
 * as well as with their content. Unset fields that a typed Go object always carries (see
 * FieldSchema.implicit) are compared as their zero value.
 */
export function compareTyped(lhs: JsonValue | undefined, rhs: JsonValue | undefined, node: PatchSchemaNode): Comparison {
  const c = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  if (lhs !== undefined || rhs !== undefined) compareWalk(node, lhs, rhs, [], c);
  return c;
}

type MutableComparison = { added: FieldSet; modified: FieldSet; removed: FieldSet };

function compareLeaf(l: JsonValue | undefined, r: JsonValue | undefined, path: FieldPath, c: MutableComparison): void {
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
  else if (!jsonEqual(l, r)) c.modified.insert(path);
}

function isEmptyContainer(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isJsonObject(v) && Object.keys(v).length === 0;
}

function compareWalk(node: PatchSchemaNode, l: JsonValue | undefined, r: JsonValue | undefined, path: PathElement[], c: MutableComparison): void {
  // Equal containers hold no change (most of an object, in a typical update): skip the walk.
  if (typeof l === 'object' && l !== null && typeof r === 'object' && r !== null && jsonEqual(l, r)) return;
  const sl = l === undefined ? undefined : shapeOf(node, l);
  const sr = r === undefined ? undefined : shapeOf(node, r);
  if (sl && sr && !sameShapeKind(sl, sr)) {
    // The value changed kind. Each side is looked at on its own: a side that is a leaf makes the
    // node modified; the content of a container side is removed (old) or added (new).
    const leafLike = (s: Shape, v: JsonValue | undefined): boolean => s.t === 'scalar' || s.atomic || isEmptyContainer(v);
    if (leafLike(sl, l) || leafLike(sr, r)) c.modified.insert(path);
    if (!leafLike(sl, l)) compareContent(node, sl, l, undefined, path, c);
    if (!leafLike(sr, r)) compareContent(node, sr, undefined, r, path, c);
    return;
  }
  const shape = (sr ?? sl) as Shape;
  if (shape.t === 'scalar' || shape.atomic || (isEmptyContainer(l) && isEmptyContainer(r))) {
    compareLeaf(l, r, path, c);
    return;
  }
  if (!compareContent(node, shape, l, r, path, c)) {
    compareLeaf(l, r, path, c);
    return;
  }
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

/** Compares the members or items of a granular container; false if the list items cannot be keyed. */
function compareContent(node: PatchSchemaNode, shape: Shape, l: JsonValue | undefined, r: JsonValue | undefined, path: PathElement[], c: MutableComparison): boolean {
  if (shape.t === 'list') return compareListItems(node, shape.keys, Array.isArray(l) ? l : [], Array.isArray(r) ? r : [], path, c);
  compareMapItems(node, isJsonObject(l) ? l : undefined, isJsonObject(r) ? r : undefined, path, c);
  return true;
}

/** Compares list items by key; false when items cannot be keyed (the list is then a leaf). */
function compareListItems(node: PatchSchemaNode, keys: readonly string[] | undefined, l: JsonValue[], r: JsonValue[], path: PathElement[], c: MutableComparison): boolean {
  const lp = itemElements(node, keys, l);
  const rp = itemElements(node, keys, r);
  if (!lp || !rp) return false;
  const lv = new Map<PathElement, JsonValue[]>();
  const rv = new Map<PathElement, JsonValue[]>();
  const all: PathElement[] = [];
  lp.forEach((pe, i) => {
    const list = lv.get(pe);
    if (list) list.push(l[i]);
    else {
      lv.set(pe, [l[i]]);
      all.push(pe);
    }
  });
  rp.forEach((pe, i) => {
    const list = rv.get(pe);
    if (list) list.push(r[i]);
    else {
      rv.set(pe, [r[i]]);
      if (!lv.has(pe)) all.push(pe);
    }
  });
  const itemNode = itemsNode(node);
  for (const pe of all) {
    const ll = lv.get(pe) ?? [];
    const rl = rv.get(pe) ?? [];
    // `path` is one stack for the whole walk (FieldSet.insert copies what it keeps).
    path.push(pe);
    if (ll.length <= 1 && rl.length <= 1) {
      compareWalk(itemNode, ll[0], rl[0], path, c);
    } else if (ll.length >= 2 && rl.length >= 2) {
      if (ll.length !== rl.length || ll.some((v, i) => !jsonEqual(v, rl[i]))) c.modified.insert(path);
    } else if (ll.length >= 2) {
      if (rl.length) compareWalk(itemNode, undefined, rl[0], path, c);
      c.removed.insert(path);
    } else {
      if (ll.length) compareWalk(itemNode, ll[0], undefined, path, c);
      c.added.insert(path);
    }
    path.pop();
  }
  return true;
}

/** The value of member `k`, or the zero value a typed Go object would show for it. */
function memberOrImplicit(obj: JsonObject | undefined, k: string, field: FieldSchema): JsonValue | undefined {
  if (obj === undefined) return undefined;
  const v = Object.hasOwn(obj, k) ? obj[k] : undefined;
  if (v !== undefined) return v;
  if (field.implicit === 'emptyObject') return {};
  if (field.implicit === 'null') return null;
  return undefined;
}

function compareMapItems(node: PatchSchemaNode, l: JsonObject | undefined, r: JsonObject | undefined, path: PathElement[], c: MutableComparison): void {
  // Every member set on either side, each once.
  if (l) for (const k of Object.keys(l)) if (l[k] !== undefined) compareMember(node, l, r, k, path, c);
  if (r) for (const k of Object.keys(r)) if (r[k] !== undefined && !(l && Object.hasOwn(l, k) && l[k] !== undefined)) compareMember(node, l, r, k, path, c);
}

function compareMember(node: PatchSchemaNode, l: JsonObject | undefined, r: JsonObject | undefined, k: string, path: PathElement[], c: MutableComparison): void {
  const { field } = memberSchema(node, k);
  path.push(fieldElement(k));
  compareWalk(field.node, memberOrImplicit(l, k, field), memberOrImplicit(r, k, field), path, c);
  path.pop();
}

// ---- merge --------------------------------------------------------------------------------------

/**
 * Lays `rhs` over `lhs` (right wins at leaves and atomic nodes; granular maps and keyed lists
 * merged item by item, ordered as upstream orders them). Returns undefined only if both are.
 * Inputs are not modified; the result shares no structure with them.
 */
export function mergeTyped(lhs: JsonValue | undefined, rhs: JsonValue | undefined, node: PatchSchemaNode): JsonValue | undefined {
  if (lhs === undefined && rhs === undefined) return undefined;
  return mergeWalk(node, lhs, rhs);
}

function copy(v: JsonValue | undefined): JsonValue | undefined {
  return v === undefined ? undefined : deepCopy(v);
}

function mergeWalk(node: PatchSchemaNode, l: JsonValue | undefined, r: JsonValue | undefined): JsonValue | undefined {
  if (l === undefined || r === undefined) return copy(r ?? l);
  const sl = shapeOf(node, l);
  const sr = shapeOf(node, r);
  if (!sameShapeKind(sl, sr) || sr.t === 'scalar' || sr.atomic || (isEmptyContainer(l) && isEmptyContainer(r))) return copy(r);
  if (sr.t === 'list') {
    const merged = mergeListItems(node, sr.keys, Array.isArray(l) ? l : [], Array.isArray(r) ? r : []);
    return merged ?? copy(r);
  }
  const lo = isJsonObject(l) ? l : {};
  const ro = isJsonObject(r) ? r : {};
  const out: JsonObject = {};
  for (const k of Object.keys(lo)) {
    if (lo[k] === undefined) continue;
    const v = mergeWalk(memberSchema(node, k).field.node, lo[k], Object.hasOwn(ro, k) ? ro[k] : undefined);
    if (v !== undefined) setMember(out, k, v);
  }
  for (const k of Object.keys(ro)) {
    if (ro[k] === undefined || Object.hasOwn(lo, k)) continue;
    const v = copy(ro[k]);
    if (v !== undefined) setMember(out, k, v);
  }
  return out;
}

/**
 * Upstream's list merge order: live items keep their place, applied items that are new go where
 * the applied list puts them relative to the shared ones. Duplicated live items collapse into the
 * applied item. Undefined when items cannot be keyed.
 */
function mergeListItems(node: PatchSchemaNode, keys: readonly string[] | undefined, lhs: JsonValue[], rhs: JsonValue[]): JsonValue[] | undefined {
  const lp = itemElements(node, keys, lhs);
  const rp = itemElements(node, keys, rhs);
  if (!lp || !rp) return undefined;
  const itemNode = itemsNode(node);
  const observedL = new Map<PathElement, JsonValue>();
  for (let i = 0; i < lhs.length; i++) observedL.set(lp[i], observedL.has(lp[i]) ? null : lhs[i]);
  const observedR = new Map<PathElement, JsonValue>();
  for (let i = 0; i < rhs.length; i++) if (!observedR.has(rp[i])) observedR.set(rp[i], rhs[i]);
  const shared = rp.filter((pe) => observedL.has(pe));
  let sharedIdx = 0;
  let nextShared: PathElement | undefined = shared[sharedIdx++];
  const mergedR = new Set<PathElement>();
  const out: JsonValue[] = [];
  const push = (v: JsonValue | undefined): void => {
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lp.length || ri < rp.length) {
    if (li < lp.length && ri < rp.length) {
      const pe = lp[li];
      if (pe === rp[ri]) {
        mergedR.add(pe);
        push(mergeWalk(itemNode, observedL.get(pe), observedR.get(pe)));
        li++;
        ri++;
        nextShared = shared[sharedIdx++];
        continue;
      }
      if (observedR.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < lp.length) {
      const pe = lp[li];
      if (!observedR.has(pe)) {
        push(mergeWalk(itemNode, lhs[li], undefined));
        li++;
        continue;
      } else if (mergedR.has(pe)) {
        li++;
      }
    }
    if (ri < rp.length) {
      const pe = rp[ri];
      mergedR.add(pe);
      push(mergeWalk(itemNode, observedL.get(pe), observedR.get(pe)));
      ri++;
      if (nextShared === pe) nextShared = shared[sharedIdx++];
    }
  }
  return out;
}

// ---- removal ------------------------------------------------------------------------------------

/**
 * A copy of `value` without the fields of `toRemove`. As upstream, a map or list left empty by
 * the removal becomes null (the caller drops such nulls when producing the final object).
 */
export function removeItems(value: JsonValue | undefined, toRemove: FieldSet, node: PatchSchemaNode): JsonValue | undefined {
  if (value === undefined) return undefined;
  return removeWalk(node, value, toRemove);
}

function removeWalk(node: PatchSchemaNode, v: JsonValue, toRemove: FieldSet): JsonValue | undefined {
  const shape = shapeOf(node, v);
  if (shape.t === 'scalar') return deepCopy(v);
  if (shape.t === 'list') {
    if (!Array.isArray(v) || v.length === 0 || shape.atomic) return undefined;
    const pes = itemElements(node, shape.keys, v);
    if (!pes) return deepCopy(v);
    const itemNode = itemsNode(node);
    const out: JsonValue[] = [];
    for (let i = 0; i < v.length; i++) {
      if (toRemove.has([pes[i]])) continue;
      const sub = toRemove.withPrefix(pes[i]);
      out.push(sub.isEmpty() ? deepCopy(v[i]) : (removeWalk(itemNode, v[i], sub) ?? null));
    }
    return out.length > 0 ? out : undefined;
  }
  if (!isJsonObject(v) || Object.keys(v).length === 0 || shape.atomic) return undefined;
  const out: JsonObject = {};
  for (const [k, child] of Object.entries(v)) {
    if (child === undefined) continue;
    const pe = fieldElement(k);
    if (toRemove.has([pe])) continue;
    const sub = toRemove.withPrefix(pe);
    setMember(out, k, sub.isEmpty() ? deepCopy(child) : (removeWalk(memberSchema(node, k).field.node, child, sub) ?? null));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Drops the nulls a typed round trip would drop (upstream decodes the merged object into a Go
 * struct, where null means unset): null members, and null items of typed lists. Atomic untyped
 * JSON (RawExtension-like data) is kept as it is.
 */
export function dropNulls(value: JsonValue, node: PatchSchemaNode): JsonValue {
  if (node.kind === 'untyped' && !node.granular) return value;
  if (Array.isArray(value)) {
    // Lists inside untyped JSON are atomic data.
    if (node.kind !== 'list') return value;
    const itemNode = node.items.node;
    return value.filter((v) => v !== null).map((v) => dropNulls(v, itemNode));
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      setMember(out, k, dropNulls(v, memberSchema(node, k).field.node));
    }
    return out;
  }
  return value;
}
