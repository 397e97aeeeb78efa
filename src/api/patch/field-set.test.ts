import { describe, expect, it } from 'vitest';
import { FieldSet, compareElements, fieldElement, indexElement, keyElement, pathString, valueElement } from './field-set.js';

const f = fieldElement;

describe('path elements', () => {
  it('serialise keys with sorted names and Go JSON escaping', () => {
    expect(keyElement([['protocol', 'TCP'], ['containerPort', 80]])).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(valueElement('a<b')).toBe('v:"a\\u003cb"');
    expect(indexElement(3)).toBe('i:3');
  });

  it('print as upstream prints conflict paths', () => {
    expect(pathString([f('spec'), f('replicas')])).toBe('.spec.replicas');
    expect(pathString([f('spec'), f('containers'), keyElement([['name', 'a']]), f('image')])).toBe('.spec.containers[name="a"].image');
    expect(pathString([f('ports'), keyElement([['containerPort', 80], ['protocol', 'TCP']])])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathString([f('finalizers'), valueElement('a.io/x')])).toBe('.finalizers[="a.io/x"]');
    expect(pathString([f('args'), indexElement(0)])).toBe('.args[0]');
  });

  it('order fields before keys before values before indexes', () => {
    const sorted = [indexElement(2), valueElement(1), keyElement([['a', 'x']]), f('b'), f('a'), valueElement('s'), indexElement(1)].sort(compareElements);
    expect(sorted).toEqual([f('a'), f('b'), keyElement([['a', 'x']]), valueElement(1), valueElement('s'), indexElement(1), indexElement(2)]);
  });
});

describe('FieldSet', () => {
  const a = FieldSet.of([f('spec'), f('replicas')], [f('spec'), f('template')], [f('metadata'), f('labels'), f('app')]);
  const b = FieldSet.of([f('spec'), f('replicas')], [f('status')]);

  it('has set algebra like structured-merge-diff', () => {
    expect(a.has([f('spec'), f('replicas')])).toBe(true);
    expect(a.has([f('spec')])).toBe(false);
    expect(a.intersection(b).paths()).toEqual([[f('spec'), f('replicas')]]);
    expect(a.union(b).paths()).toEqual([[f('status')], [f('metadata'), f('labels'), f('app')], [f('spec'), f('replicas')], [f('spec'), f('template')]]);
    expect(a.difference(b).paths()).toEqual([[f('metadata'), f('labels'), f('app')], [f('spec'), f('template')]]);
  });

  it('difference removes exact paths only; recursiveDifference removes subtrees', () => {
    const parent = FieldSet.of([f('spec')]);
    expect(a.difference(parent).equals(a)).toBe(true);
    expect(a.recursiveDifference(parent).paths()).toEqual([[f('metadata'), f('labels'), f('app')]]);
  });

  it('round-trips the FieldsV1 trie, with "." for members that are also parents', () => {
    const s = FieldSet.of([f('metadata'), f('labels')], [f('metadata'), f('labels'), f('app')], [f('spec'), f('replicas')]);
    const v1 = s.toFieldsV1();
    expect(v1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } });
    expect(JSON.stringify(v1)).toBe('{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{}}}');
    expect(FieldSet.fromFieldsV1(v1).equals(s)).toBe(true);
  });

  it('canonicalises keys read from FieldsV1 and skips unknown element types', () => {
    const s = FieldSet.fromFieldsV1({ 'f:ports': { 'k:{"protocol":"TCP","containerPort":80}': { '.': {} } }, 'x:future': {} });
    expect(s.paths()).toEqual([[f('ports'), 'k:{"containerPort":80,"protocol":"TCP"}']]);
  });

  it('writes a set read from canonical FieldsV1 back as that very object, and canonicalises anything else', () => {
    const canonical = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } }, 'f:replicas': {} } };
    const text = JSON.stringify(canonical);
    const s = FieldSet.fromFieldsV1(canonical);
    expect(s.toFieldsV1()).toBe(canonical);
    // Sets built from it reuse the unchanged sub-tries, and write the rest afresh.
    const grown = s.union(FieldSet.of([f('status'), f('phase')]));
    const out = grown.toFieldsV1();
    expect(out).not.toBe(canonical);
    expect(out['f:spec']).toBe(canonical['f:spec']);
    expect(JSON.stringify(out)).toBe('{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{}}},"f:replicas":{}},"f:status":{"f:phase":{}}}');
    expect(JSON.stringify(canonical)).toBe(text);
    // Out of order, a misplaced or redundant ".", a key in another spelling, duplicates: written canonically.
    for (const odd of [
      { 'f:spec': { 'f:replicas': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
      { 'f:metadata': { 'f:labels': { 'f:app': {}, '.': {} } } },
      { 'f:metadata': { 'f:name': { '.': {} } } },
      { 'f:ports': { 'k:{"protocol":"TCP","containerPort":80}': {} } },
      { 'f:a': {}, 'x:future': {} },
      { '.': {}, 'f:a': {} },
    ]) {
      const read = FieldSet.fromFieldsV1(odd);
      const fresh = FieldSet.of(...read.paths());
      expect(read.toFieldsV1()).not.toBe(odd);
      expect(JSON.stringify(read.toFieldsV1())).toBe(JSON.stringify(fresh.toFieldsV1()));
    }
    // insert() after reading forgets the remembered form.
    const t = FieldSet.fromFieldsV1({ 'f:spec': { 'f:replicas': {} } });
    t.insert([f('spec'), f('paused')]);
    expect(t.toFieldsV1()).toEqual({ 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
  });

  it('rejects malformed keys', () => {
    expect(() => FieldSet.fromFieldsV1({ 'f:a': { q: {} } })).toThrow(/key must be 2 characters long/);
    expect(() => FieldSet.fromFieldsV1({ 'fa': {} })).toThrow(/missing colon/);
    expect(() => FieldSet.fromFieldsV1({ 'k:{bad': {} })).toThrow(/invalid JSON/);
  });
});
