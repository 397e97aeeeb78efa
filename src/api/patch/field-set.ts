/**
 * Field paths and field sets, as structured-merge-diff models field ownership, and their FieldsV1
 * serialisation (the `fieldsV1` trie of metadata.managedFields).
 *
 * A path element is kept in its serialised FieldsV1 spelling, which is canonical and therefore
 * compares by string equality:
 *   `f:<name>`        a member of a map or struct
 *   `k:{"a":1,...}`   the item of a list-map with these key values (names sorted)
 *   `v:<json>`        the item of a set with this value
 *   `i:<n>`           the n-th item of an atomic list (only ever seen in data written by others)
 * In the trie, `.` marks that a node is itself a member as well as a parent.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { goJson, goJsonString, goNumber, goQuote } from '../go/go-format.js';

import { memberSchema, type PatchSchemaNode } from './schema.js';

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** A list-map item element; `fields` are the key names and values (sorted here). */
export function keyElement(fields: ReadonlyArray<readonly [string, JsonValue]>): PathElement {
  const sorted = [...fields].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `k:{${sorted.map(([n, v]) => `${goJsonString(n)}:${goJson(v)}`).join(',')}}`;
}

export function valueElement(v: JsonValue): PathElement {
  return `v:${goJson(v)}`;
}

export function indexElement(i: number): PathElement {
  return `i:${i}`;
}

type Parsed =
  | { t: 0; name: string }
  | { t: 1; fields: ReadonlyArray<readonly [string, JsonValue]> }
  | { t: 2; value: JsonValue }
  | { t: 3; index: number };

/**
 * Memo of parsed and canonicalised `k:`/`v:` elements. The same few keys (`k:{"type":"Ready"}`,
 * `k:{"name":"app"}`, …) come up in every managedFields entry of every object of a kind, and each
 * sort comparison or decode would otherwise parse their JSON again. Bounded: emptied when full.
 */
const MEMO_LIMIT = 4096;
const parsedMemo = new Map<PathElement, Parsed>();
const canonicalMemo = new Map<string, PathElement | undefined>();

function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

/** The parsed form of an element; shared between callers, so read-only. */
function parseElement(pe: PathElement): Parsed {
  if (pe[0] === 'f') return { t: 0, name: pe.slice(2) };
  const known = parsedMemo.get(pe);
  return known ?? remember(parsedMemo, pe, parseElementUncached(pe));
}

function parseElementUncached(pe: PathElement): Parsed {
  const body = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return { t: 0, name: body };
    case 'k': {
      const obj = JSON.parse(body) as JsonObject;
      return { t: 1, fields: Object.keys(obj).map((k) => [k, obj[k] as JsonValue]) };
    }
    case 'v':
      return { t: 2, value: JSON.parse(body) as JsonValue };
    default:
      return { t: 3, index: Number(body) };
  }
}

/** Go's `%v` of a structured-merge-diff value (value.ToString): strings quoted, maps as `k=v`. */
function smdValueString(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(smdValueString).join(',')}]`;
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  return keys.map((k) => `${k}=${smdValueString(v[k])}`).join('');
}

/** Human form of a path element, as upstream prints it in conflicts: `.name`, `[k="v"]`, `[=v]`, `[3]`. */
export function elementString(pe: PathElement): string {
  const p = parseElement(pe);
  switch (p.t) {
    case 0:
      return `.${p.name}`;
    case 1:
      return `[${p.fields.map(([n, v]) => `${n}=${smdValueString(v)}`).join(',')}]`;
    case 2:
      return `[=${smdValueString(p.value)}]`;
    case 3:
      return `[${p.index}]`;
  }
}

export function pathString(path: FieldPath): string {
  return path.map(elementString).join('');
}

function strCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rank(v: JsonValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null && typeof v === 'object') return 4;
  return 5;
}

/** structured-merge-diff's total order of values: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return strCompare(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as JsonValue[];
      const lb = b as JsonValue[];
      for (let i = 0; ; i++) {
        if (i >= la.length && i >= lb.length) return 0;
        if (i >= la.length) return -1;
        if (i >= lb.length) return 1;
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
    }
    case 4: {
      const ma = a as JsonObject;
      const mb = b as JsonObject;
      const ka = Object.keys(ma).sort();
      const kb = Object.keys(mb).sort();
      if (ka.length === 0 && kb.length === 0) return 0;
      const keys = [...new Set([...ka, ...kb])].sort();
      for (let i = 0; i < keys.length; i++) {
        if (i === ka.length) return -1;
        if (i === kb.length) return 1;
        const k = keys[i];
        if (!(k in ma)) return 1;
        if (!(k in mb)) return -1;
        const c = compareValues(ma[k] as JsonValue, mb[k] as JsonValue);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

/** structured-merge-diff's order of path elements: fields < keys < values < indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a === b) return 0;
  const ta = 'fkvi'.indexOf(a[0]);
  const tb = 'fkvi'.indexOf(b[0]);
  if (ta !== tb) return ta < tb ? -1 : 1;
  // Both `f:`: comparing the whole strings orders them as their names.
  if (ta === 0) return strCompare(a, b);
  const pa = parseElement(a);
  const pb = parseElement(b);
  if (pa.t === 1 && pb.t === 1) {
    for (let i = 0; ; i++) {
      if (i >= pa.fields.length && i >= pb.fields.length) return 0;
      if (i >= pa.fields.length) return -1;
      if (i >= pb.fields.length) return 1;
      const c = strCompare(pa.fields[i][0], pb.fields[i][0]) || compareValues(pa.fields[i][1], pb.fields[i][1]);
      if (c !== 0) return c;
    }
  }
  if (pa.t === 2 && pb.t === 2) return compareValues(pa.value, pb.value);
  if (pa.t === 3 && pb.t === 3) return pa.index - pb.index;
  return 0;
}

/**
 * A set of field paths stored as a trie. Sets are values: operations return new sets and may
 * share sub-tries with their inputs, so a set must not be changed with insert() once it has been
 * handed to another operation.
 */
/** Shared by every set without members / children until it gets one (sets are made by the thousand per write). */
const NO_MEMBERS: ReadonlySet<PathElement> = new Set();
const NO_CHILDREN: ReadonlyMap<PathElement, FieldSet> = new Map();

export class FieldSet {
  #members = NO_MEMBERS as Set<PathElement>;
  #children = NO_CHILDREN as Map<PathElement, FieldSet>;
  /**
   * The FieldsV1 object this set was read from, when it is exactly what #emit would produce
   * (with a `.` member iff #rawSelf): emitting it again returns it as it is. Most managers' sets
   * pass through an update unchanged; this spares re-serialising them on every write.
   */
  #raw: JsonObject | undefined;
  #rawSelf = false;

  #addMember(pe: PathElement): void {
    if (this.#members === NO_MEMBERS) this.#members = new Set();
    this.#members.add(pe);
  }

  #setChild(pe: PathElement, c: FieldSet): void {
    if (this.#children === NO_CHILDREN) this.#children = new Map();
    this.#children.set(pe, c);
  }

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds the path (not its parents). The empty path (the whole object) is never tracked. */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let s: FieldSet = this;
    this.#raw = undefined;
    for (let i = 0; i < path.length - 1; i++) {
      let c = s.#children.get(path[i]);
      if (!c) {
        c = new FieldSet();
        s.#setChild(path[i], c);
      }
      s = c;
      s.#raw = undefined;
    }
    s.#addMember(path[path.length - 1]);
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let s: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && s; i++) s = s.#children.get(path[i]);
    return s !== undefined && s.#members.has(path[path.length - 1]);
  }

  isEmpty(): boolean {
    if (this.#members.size > 0) return false;
    for (const c of this.#children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** The subset under `pe`, without the prefix. */
  withPrefix(pe: PathElement): FieldSet {
    return this.#children.get(pe) ?? EMPTY;
  }

  hasMember(pe: PathElement): boolean {
    return this.#members.has(pe);
  }

  union(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    if (this.isEmpty()) return o;
    const out = new FieldSet();
    for (const m of this.#members) out.#addMember(m);
    for (const m of o.#members) out.#addMember(m);
    for (const [pe, c] of this.#children) {
      const oc = o.#children.get(pe);
      out.#setChild(pe, oc ? c.union(oc) : c);
    }
    for (const [pe, c] of o.#children) if (!this.#children.has(pe)) out.#setChild(pe, c);
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.#members) if (o.#members.has(m)) out.#addMember(m);
    for (const [pe, c] of this.#children) {
      const oc = o.#children.get(pe);
      if (!oc) continue;
      const r = c.intersection(oc);
      if (!r.isEmpty()) out.#setChild(pe, r);
    }
    return out;
  }

  /** Paths of this set not in `o`; a parent in `o` does not remove its children. */
  difference(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    const out = new FieldSet();
    for (const m of this.#members) if (!o.#members.has(m)) out.#addMember(m);
    for (const [pe, c] of this.#children) {
      const oc = o.#children.get(pe);
      if (!oc) {
        out.#setChild(pe, c);
        continue;
      }
      const r = c.difference(oc);
      if (!r.isEmpty()) out.#setChild(pe, r);
    }
    return out;
  }

  /** Like difference, but a member of `o` also removes everything below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    const out = new FieldSet();
    for (const m of this.#members) if (!o.#members.has(m)) out.#addMember(m);
    for (const [pe, c] of this.#children) {
      if (o.#members.has(pe)) continue;
      const oc = o.#children.get(pe);
      if (!oc) {
        out.#setChild(pe, c);
        continue;
      }
      const r = c.recursiveDifference(oc);
      if (!r.isEmpty()) out.#setChild(pe, r);
    }
    return out;
  }

  equals(o: FieldSet): boolean {
    return this.difference(o).isEmpty() && o.difference(this).isEmpty();
  }

  /** Every member path, in upstream's iteration order (members, then children; each sorted). */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      for (const m of [...s.#members].sort(compareElements)) out.push([...prefix, m]);
      for (const pe of [...s.#children.keys()].sort(compareElements)) walk(s.#children.get(pe) as FieldSet, [...prefix, pe]);
    };
    walk(this, []);
    return out;
  }

  /**
   * Adds as members the named struct fields that only appear as parents (upstream's
   * EnsureNamedFieldsAreMembers, used when pruning so a struct emptied by removal goes too).
   */
  ensureNamedFieldsAreMembers(node: PatchSchemaNode | undefined): FieldSet {
    const out = new FieldSet();
    for (const m of this.#members) out.#addMember(m);
    for (const [pe, c] of this.#children) {
      let childNode: PatchSchemaNode | undefined;
      if (pe.startsWith('f:') && node && (node.kind === 'struct' || node.kind === 'map' || node.kind === 'untyped')) {
        const { field, declared } = memberSchema(node, pe.slice(2));
        if (declared) out.#addMember(pe);
        childNode = field.node;
      } else if (pe.startsWith('k:') && node?.kind === 'list') {
        childNode = node.items.node;
      }
      out.#setChild(pe, c.ensureNamedFieldsAreMembers(childNode));
    }
    return out;
  }

  /** The FieldsV1 trie, keys in upstream's order. */
  toFieldsV1(): JsonObject {
    return this.#emit(false);
  }

  #emit(includeSelf: boolean): JsonObject {
    const self = includeSelf && !(this.#members.size === 0 && this.#children.size === 0);
    if (this.#raw !== undefined && this.#rawSelf === self) return this.#raw;
    const out: JsonObject = {};
    if (self) out['.'] = {};
    const keys = [...this.#members];
    for (const k of this.#children.keys()) if (!this.#members.has(k)) keys.push(k);
    keys.sort(compareElements);
    for (const k of keys) {
      const child = this.#children.get(k);
      out[k] = child ? child.#emit(this.#members.has(k)) : {};
    }
    return out;
  }

  /** Parses a FieldsV1 trie; throws an Error describing the first malformed key. */
  static fromFieldsV1(v: unknown): FieldSet {
    if (!isJsonObject(v)) throw new Error('fieldsV1 must be an object');
    return FieldSet.#read(v).children ?? new FieldSet();
  }

  /**
   * One trie level: the child set, whether the node itself is a member (`.` or a leaf), and
   * whether `obj` is in the canonical form #emit writes (then the set remembers it).
   */
  static #read(obj: JsonObject): { children: FieldSet | undefined; isMember: boolean; canonical: boolean } {
    let children: FieldSet | undefined;
    let canonical = true;
    let prev: PathElement | undefined;
    let first = true;
    for (const [key, val] of Object.entries(obj)) {
      if (key === '.') {
        if (!first || !isJsonObject(val) || Object.keys(val).length > 0) canonical = false;
        first = false;
        continue;
      }
      first = false;
      const pe = canonicalElement(key);
      if (pe === undefined) {
        canonical = false;
        continue;
      }
      if (!isJsonObject(val)) throw new Error(`parsing key as path element: value of ${JSON.stringify(key)} is not an object`);
      if (pe !== key || (prev !== undefined && compareElements(prev, pe) >= 0)) canonical = false;
      prev = pe;
      const sub = FieldSet.#read(val);
      if (!sub.canonical) canonical = false;
      children ??= new FieldSet();
      if (sub.isMember) children.#addMember(pe);
      if (sub.children) {
        const existing = children.#children.get(pe);
        if (existing) canonical = false;
        children.#setChild(pe, existing ? existing.union(sub.children) : sub.children);
      }
    }
    const dot = Object.hasOwn(obj, '.');
    // A leaf is written as {}; `.` only marks a member that also has children.
    if (children === undefined && dot) canonical = false;
    if (children !== undefined && canonical) {
      children.#raw = obj;
      children.#rawSelf = dot;
    }
    return { children, isMember: children === undefined || dot, canonical };
  }
}

const EMPTY = new FieldSet();

/**
 * The canonical spelling of a serialised path element; undefined for element types this version
 * does not know (upstream drops those); throws for malformed keys.
 */
function canonicalElement(key: string): PathElement | undefined {
  if (key.length >= 2 && key[0] === 'f' && key[1] === ':') return key;
  if (canonicalMemo.has(key)) return canonicalMemo.get(key);
  // Only well-formed keys are remembered: a malformed one throws on every use.
  return remember(canonicalMemo, key, canonicalElementUncached(key));
}

function canonicalElementUncached(key: string): PathElement | undefined {
  if (key.length < 2) throw new Error('parsing key as path element: key must be 2 characters long:');
  if (key[1] !== ':') throw new Error(`parsing key as path element: missing colon: ${key}`);
  const body = key.slice(2);
  switch (key[0]) {
    case 'f':
      return key;
    case 'v':
      return valueElement(parseJson(body, key));
    case 'k': {
      const obj = parseJson(body, key);
      if (!isJsonObject(obj)) throw new Error(`parsing key as path element: ${key} is not a key object`);
      return keyElement(Object.keys(obj).map((k) => [k, obj[k] as JsonValue] as const));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`parsing key as path element: strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
      return indexElement(Number(body));
    }
    default:
      return undefined;
  }
}

function parseJson(body: string, key: string): JsonValue {
  try {
    return JSON.parse(body) as JsonValue;
  } catch {
    throw new Error(`parsing key as path element: invalid JSON in ${key}`);
  }
}
