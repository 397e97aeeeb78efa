import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects recursively, deletes with null, replaces everything else', () => {
    const doc = { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1, list: [1, 2], obj: { x: 1 } } };
    const out = applyMergePatch(doc, { metadata: { labels: { b: null, c: '3' } }, spec: { replicas: 3, list: [3], obj: 'scalar' } });
    expect(out).toEqual({ metadata: { labels: { a: '1', c: '3' } }, spec: { replicas: 3, list: [3], obj: 'scalar' } });
    expect(doc.metadata.labels).toEqual({ a: '1', b: '2' });
  });

  it('prunes nulls from members the document lacks, but keeps null array items', () => {
    expect(applyMergePatch({}, { a: { b: null, c: { d: null, e: 1 } }, l: [null, { x: null }] })).toEqual({ a: { c: { e: 1 } }, l: [null, {}] });
  });

  it('an object onto a non-object replaces it with nulls pruned', () => {
    expect(applyMergePatch({ a: 1 }, { a: { b: null, c: 2 } })).toEqual({ a: { c: 2 } });
  });

  it('RFC 7386 appendix examples', () => {
    expect(applyMergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(applyMergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(applyMergePatch({ a: 'b', b: 'c' }, { a: null })).toEqual({ b: 'c' });
    expect(applyMergePatch({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: 'c' }, { a: ['b'] })).toEqual({ a: ['b'] });
    expect(applyMergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(applyMergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('an array patch replaces the document', () => {
    expect(applyMergePatch({ a: 1 }, [1, 2])).toEqual([1, 2]);
  });

  it.each([null, 'x', 1, true])('refuses a %s patch with 400 "Invalid JSON Patch"', (patch) => {
    try {
      applyMergePatch({ a: 1 }, patch);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect([(e as ApiError).code, (e as ApiError).message]).toEqual([400, 'Invalid JSON Patch']);
    }
  });
});
