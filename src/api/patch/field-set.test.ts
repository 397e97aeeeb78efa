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

  it('rejects malformed keys', () => {
    expect(() => FieldSet.fromFieldsV1({ 'f:a': { q: {} } })).toThrow(/key must be 2 characters long/);
    expect(() => FieldSet.fromFieldsV1({ 'fa': {} })).toThrow(/missing colon/);
    expect(() => FieldSet.fromFieldsV1({ 'k:{bad': {} })).toThrow(/invalid JSON/);
  });
});
