import { describe, expect, it } from 'vitest';
import { defineType, list, map, ref, str, i32, rawExtension } from './dsl.js';
import { SchemaRegistry } from './registry.js';
import { normalizeObject, pruneUnknownFields } from './prune-fields.js';

const registry = new SchemaRegistry([
  defineType('t.Kind', 'a kind', { metadata: [1, ref('t.Meta')], spec: [2, ref('t.Spec')] }, { gvk: { group: 'x', version: 'v1', kind: 'Kind' } }),
  defineType('t.Meta', 'meta', { name: [1, str] }),
  defineType('t.Spec', 'spec', {
    items: [1, list(ref('t.Item'))],
    byName: [2, map(ref('t.Item'))],
    raw: [3, rawExtension],
    base: [4, ref('t.Base'), { inline: true }],
  }),
  defineType('t.Item', 'item', { n: [1, i32] }),
  defineType('t.Base', 'embedded', { shared: [1, str] }),
]);

describe('pruneUnknownFields', () => {
  it('removes undeclared members at every depth and keeps apiVersion/kind on kinds', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'Kind',
      extra: 1,
      metadata: { name: 'a', bogus: true },
      spec: { items: [{ n: 1, zap: 2 }], byName: { a: { n: 2, zip: 3 } }, raw: { anything: { goes: 1 } }, shared: 's', nope: 'x' },
    };
    pruneUnknownFields(obj, 't.Kind', registry);
    expect(obj).toEqual({
      apiVersion: 'x/v1',
      kind: 'Kind',
      metadata: { name: 'a' },
      spec: { items: [{ n: 1 }], byName: { a: { n: 2 } }, raw: { anything: { goes: 1 } }, shared: 's' },
    });
  });
});

describe('normalizeObject', () => {
  const reg = new SchemaRegistry([
    defineType('n.Kind', 'kind', { metadata: [1, ref('n.Meta')], items: [2, list(i32)], keep: [3, list(i32), { noOmitEmpty: true }], extra: [4, str] }, { gvk: { group: 'n', version: 'v1', kind: 'Kind' } }),
    defineType('n.Meta', 'meta', { labels: [1, map(str)], name: [2, str] }),
  ]);

  it('drops empty or null maps and lists unless the field has no omitempty', () => {
    const obj = { apiVersion: 'n/v1', kind: 'Kind', metadata: { name: 'a', labels: {} }, items: [], keep: [], extra: 'x', unknown: 1 };
    normalizeObject(obj, 'n.Kind', reg, { prune: false });
    expect(obj).toEqual({ apiVersion: 'n/v1', kind: 'Kind', metadata: { name: 'a' }, keep: [], extra: 'x', unknown: 1 });
    const nulls = { metadata: { labels: null }, items: null };
    normalizeObject(nulls, 'n.Kind', reg, { prune: true });
    expect(nulls).toEqual({ metadata: {} });
  });
});
