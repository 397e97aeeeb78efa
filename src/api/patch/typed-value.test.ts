import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../object.js';
import { FieldSet, fieldElement as f, keyElement, pathString, valueElement } from './field-set.js';
import { atomicUntypedSchema, deducedSchema, scalarSchema, type FieldSchema, type PatchSchemaNode, type StructSchema } from './schema.js';
import { compareTyped, dropNulls, mergeTyped, removeItems, toFieldSet, validateApplied } from './typed-value.js';

function struct(fields: Record<string, FieldSchema | PatchSchemaNode>, atomic = false): StructSchema {
  const m = new Map(Object.entries(fields).map(([k, v]) => [k, 'node' in v ? v : { node: v }] as const));
  return { kind: 'struct', name: 'test', atomic, field: (n) => m.get(n) };
}

const str = scalarSchema('string');
const num = scalarSchema('numeric');
const bool = scalarSchema('boolean');

/** The "associative list" schema of structured-merge-diff's merge tests. */
const element = struct({ key: str, id: num, value: { node: { kind: 'map', name: 'v', atomic: false, values: { node: str } } }, bv: bool, nv: num });
const root = struct({
  list: { kind: 'list', name: 'l', listType: 'map', keys: ['key', 'id'], items: { node: element } },
  atomicList: { kind: 'list', name: 'a', listType: 'atomic', keys: [], items: { node: str } },
  setStr: { kind: 'list', name: 's', listType: 'set', keys: [], items: { node: str } },
  setNumeric: { kind: 'list', name: 'n', listType: 'set', keys: [], items: { node: num } },
  setBool: { kind: 'list', name: 'b', listType: 'set', keys: [], items: { node: bool } },
  labels: { kind: 'map', name: 'labels', atomic: false, values: { node: str } },
  spec: { node: struct({ replicas: num, inner: struct({ a: str }) }), implicit: 'emptyObject' },
  raw: atomicUntypedSchema(),
  any: deducedSchema(),
});

function j(s: string): JsonValue {
  return JSON.parse(s) as JsonValue;
}

describe('mergeTyped: structured-merge-diff merge cases', () => {
  it.each([
    ['{"list":[{"key":"a","id":1,"value":{"a":"a"}}]}', '{"list":[{"key":"a","id":2,"value":{"a":"a"}}]}', '{"list":[{"key":"a","id":1,"value":{"a":"a"}},{"key":"a","id":2,"value":{"a":"a"}}]}'],
    ['{"list":[{"key":"a","id":1},{"key":"b","id":1}]}', '{"list":[{"key":"a","id":1},{"key":"a","id":2}]}', '{"list":[{"key":"a","id":1},{"key":"b","id":1},{"key":"a","id":2}]}'],
    ['{"list":[{"key":"b","id":2}]}', '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}', '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}'],
    ['{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}', '{"list":[{"key":"c","id":3},{"key":"b","id":2}]}', '{"list":[{"key":"a","id":1},{"key":"c","id":3},{"key":"b","id":2}]}'],
    ['{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}', '{"list":[{"key":"c","id":3},{"key":"a","id":1}]}', '{"list":[{"key":"b","id":2},{"key":"c","id":3},{"key":"a","id":1}]}'],
    ['{"atomicList":["a","a","a"]}', '{"atomicList":null}', '{"atomicList":null}'],
    ['{"atomicList":["a","b","c"]}', '{"atomicList":[]}', '{"atomicList":[]}'],
    [
      '{"list":[{"key":"a","id":1,"bv":true},{"key":"b","id":2},{"key":"a","id":1,"bv":false,"nv":2}]}',
      '{"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]}',
      '{"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]}',
    ],
    ['{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}', '{"list":[]}', '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}'],
    ['{"setStr":["a","b","c","g","f"]}', '{"setStr":["c","d","e","f"]}', '{"setStr":["a","b","c","g","d","e","f"]}'],
    ['{"setStr":["a","b","c","d"]}', '{"setStr":["d","e","f","a"]}', '{"setStr":["b","c","d","e","f","a"]}'],
    ['{"setStr":["a","b","c","d","e","f","g","h","i","j"]}', '{"setStr":["1","b","2","h","3","e","4","k","l"]}', '{"setStr":["a","1","b","c","d","f","g","2","h","i","j","3","e","4","k","l"]}'],
    ['{"setStr":["a","b","c","d","e","c"]}', '{"setStr":["1","b","2","c","e","d"]}', '{"setStr":["a","1","b","2","c","e","d"]}'],
    ['{"setStr":["a","a","b","b"]}', '{"setStr":["b","c","d"]}', '{"setStr":["a","a","b","c","d"]}'],
    ['{"setNumeric":[1,2,3.14159,1,2]}', '{"setNumeric":[1,2,3]}', '{"setNumeric":[1,2,3.14159,3]}'],
    ['{"setBool":[true,false,true]}', '{"setBool":[true]}', '{"setBool":[true,false]}'],
    ['{"labels":{"a":"1"}}', '{"labels":{"b":"2"}}', '{"labels":{"a":"1","b":"2"}}'],
    ['{"raw":{"a":1}}', '{"raw":{"b":2}}', '{"raw":{"b":2}}'],
    ['{"any":{"a":{"x":1}}}', '{"any":{"a":{"y":2}}}', '{"any":{"a":{"x":1,"y":2}}}'],
  ])('%s + %s', (lhs, rhs, out) => {
    expect(mergeTyped(j(lhs), j(rhs), root)).toEqual(j(out));
  });

  it('does not share structure with its inputs', () => {
    const lhs = { labels: { a: '1' } } as JsonObject;
    const out = mergeTyped(lhs, {}, root) as { labels: Record<string, string> };
    out.labels.a = 'changed';
    expect(lhs.labels).toEqual({ a: '1' });
  });
});

describe('toFieldSet', () => {
  it('owns leaves, list items and map keys, but not named struct fields as such', () => {
    const set = toFieldSet(j('{"spec":{"replicas":1,"inner":{}},"labels":{"a":"1"},"list":[{"key":"a","id":1}],"setStr":["x"],"atomicList":["y"],"any":{"k":{"n":1}}}'), root);
    expect(set.paths().map(pathString)).toEqual([
      '.atomicList',
      '.any.k',
      '.any.k.n',
      '.labels.a',
      '.list[id=1,key="a"]',
      '.list[id=1,key="a"].id',
      '.list[id=1,key="a"].key',
      '.setStr[="x"]',
      '.spec.inner',
      '.spec.replicas',
    ]);
  });

  it('owns duplicated list items once, as a whole', () => {
    const set = toFieldSet(j('{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}'), root);
    expect(set.paths()).toEqual([[f('list'), keyElement([['key', 'a'], ['id', 1]])]]);
  });
});

describe('compareTyped', () => {
  it('reports added containers with their content, and modified leaves', () => {
    const c = compareTyped(j('{"labels":{"a":"1"},"spec":{"replicas":1}}'), j('{"labels":{"a":"2"},"setStr":["x"],"spec":{"replicas":1,"inner":{"a":"b"}}}'), root);
    expect(c.modified.paths().map(pathString)).toEqual(['.labels.a']);
    expect(c.added.paths().map(pathString)).toEqual(['.setStr', '.setStr[="x"]', '.spec.inner', '.spec.inner.a']);
    expect(c.removed.isEmpty()).toBe(true);
  });

  it('compares an unset non-pointer struct as {} (no ownership of the struct itself)', () => {
    const c = compareTyped({}, j('{"spec":{"replicas":2}}'), root);
    expect(c.added.paths().map(pathString)).toEqual(['.spec.replicas']);
  });

  it('reports removed content and null distinct from absent', () => {
    const c = compareTyped(j('{"labels":{"a":"1"},"setStr":["x","y"]}'), j('{"labels":null,"setStr":["y"]}'), root);
    expect(c.removed.paths().map(pathString)).toEqual(['.labels.a', '.setStr[="x"]']);
    expect(c.modified.isEmpty()).toBe(true);
  });

  it('handles duplicates as upstream', () => {
    const c = compareTyped(j('{"setStr":["a","a"]}'), j('{"setStr":["a"]}'), root);
    expect(c.removed.paths()).toEqual([[f('setStr'), valueElement('a')]]);
    expect(c.added.paths()).toEqual([[f('setStr'), valueElement('a')]]);
  });

  it('a value changing kind is modified', () => {
    const c = compareTyped(j('{"any":{"a":{"x":1}}}'), j('{"any":{"a":"s"}}'), root);
    expect(c.modified.paths().map(pathString)).toEqual(['.any.a']);
    expect(c.removed.paths().map(pathString)).toEqual(['.any.a.x']);
  });
});

describe('removeItems and dropNulls', () => {
  it('removes fields and list items, leaving emptied containers null', () => {
    const v = j('{"labels":{"a":"1"},"list":[{"key":"a","id":1},{"key":"b","id":2}],"spec":{"replicas":1}}');
    const out = removeItems(v, FieldSet.of([f('labels'), f('a')], [f('list'), keyElement([['key', 'a'], ['id', 1]])]), root);
    expect(out).toEqual({ labels: null, list: [{ key: 'b', id: 2 }], spec: { replicas: 1 } });
    expect(dropNulls(out as JsonValue, root)).toEqual({ list: [{ key: 'b', id: 2 }], spec: { replicas: 1 } });
  });

  it('keeps nulls inside atomic untyped data', () => {
    expect(dropNulls(j('{"raw":{"a":null},"labels":{"b":null}}'), root)).toEqual({ raw: { a: null }, labels: {} });
  });
});

describe('validateApplied', () => {
  it('accepts a valid configuration', () => {
    expect(validateApplied(j('{"list":[{"key":"a","id":1}],"setStr":["x"],"labels":{"a":"b"},"any":{"x":[1]}}'), root)).toEqual([]);
  });

  it('words type errors as upstream', () => {
    expect(validateApplied(j('{"labels":{"a":1}}'), root)).toEqual([{ path: '.labels.a', message: 'expected string, got &value.valueUnstructured{Value:1}' }]);
    expect(validateApplied(j('{"setBool":["x"]}'), root)).toEqual([{ path: '.setBool[="x"]', message: 'expected boolean, got &{x}' }]);
    expect(validateApplied(j('{"labels":[1]}'), root)).toEqual([{ path: '.labels', message: 'expected map, got &{[1]}' }]);
    expect(validateApplied(j('{"setStr":[{"a":1}]}'), root)).toEqual([{ path: '.setStr', message: "element 0: associative list without keys has an element that's a map type" }]);
  });
});
