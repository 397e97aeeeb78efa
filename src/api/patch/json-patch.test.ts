import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonValue } from '../object.js';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const doc = (): JsonValue => ({ metadata: { name: 'x', labels: { a: '1' } }, spec: { list: [1, 2, 3], 'a/b': { '~c': 1 } } });

describe('applyJsonPatch', () => {
  it('add, remove, replace, move, copy and test (RFC 6902)', () => {
    const out = applyJsonPatch(doc(), [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'replace', path: '/spec/list/0', value: 10 },
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'add', path: '/spec/list/1', value: 15 },
      { op: 'move', from: '/metadata/name', path: '/metadata/oldName' },
      { op: 'copy', from: '/spec/list', path: '/spec/copy' },
      { op: 'test', path: '/spec/copy', value: [10, 15, 2, 3, 4] },
    ]);
    expect(out).toEqual({
      metadata: { oldName: 'x', labels: { b: '2' } },
      spec: { list: [10, 15, 2, 3, 4], copy: [10, 15, 2, 3, 4], 'a/b': { '~c': 1 } },
    });
  });

  it('decodes ~1 and ~0 in pointers', () => {
    expect(applyJsonPatch(doc(), [{ op: 'replace', path: '/spec/a~1b/~0c', value: 2 }])).toMatchObject({ spec: { 'a/b': { '~c': 2 } } });
  });

  it('replace of a missing member of an existing object adds it (json-patch v4 semantics)', () => {
    const out = applyJsonPatch({ metadata: { name: 'x' } }, [{ op: 'replace', path: '/metadata/annotations', value: { a: 'b' } }]);
    expect(out).toEqual({ metadata: { name: 'x', annotations: { a: 'b' } } });
  });

  it('supports negative array indices', () => {
    expect(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/-1' }])).toEqual({ l: [1, 2] });
  });

  it('replaces the whole document at the root path', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it('test of a missing member passes only against null', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/missing', value: null }])).toEqual({ a: 1 });
    expect(errorOf(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/missing', value: 1 }])).code).toBe(422);
  });

  it('does not modify the document or the patch', () => {
    const d = doc();
    const value = { x: 1 };
    const patch = [{ op: 'add', path: '/spec/obj', value }];
    const out = applyJsonPatch(d, patch) as { spec: { obj: { x: number } } };
    out.spec.obj.x = 2;
    expect(d).toEqual(doc());
    expect(value).toEqual({ x: 1 });
  });

  it.each([
    ['a failing test', [{ op: 'test', path: '/metadata/name', value: 'y' }]],
    ['remove of a missing member', [{ op: 'remove', path: '/metadata/nope' }]],
    ['a missing parent', [{ op: 'replace', path: '/nope/deeper', value: 1 }]],
    ['an index out of range', [{ op: 'replace', path: '/spec/list/9', value: 1 }]],
    ['add beyond the end', [{ op: 'add', path: '/spec/list/4', value: 1 }]],
    ['an unknown op', [{ op: 'frobnicate', path: '/a' }]],
    ['an op without path', [{ op: 'add', value: 1 }]],
    ['add at the root', [{ op: 'add', path: '', value: {} }]],
  ])('%s is 422 Invalid with the generic message', (_name, patch) => {
    const e = errorOf(() => applyJsonPatch(doc(), patch));
    expect(e.code).toBe(422);
    expect(e.reason).toBe('Invalid');
    expect(e.message).toBe('the server rejected our request due to an error in our request');
    expect(e.toStatus().details).toEqual({});
  });

  it('a body that is not a patch is 400 with the Go decoder message', () => {
    expect(errorOf(() => applyJsonPatch(doc(), { op: 'add' })).message).toBe('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    const e = errorOf(() => applyJsonPatch(doc(), ['add']));
    expect([e.code, e.message]).toEqual([400, 'json: cannot unmarshal string into Go value of type jsonpatch.Operation']);
  });

  it('null is an empty patch', () => {
    expect(applyJsonPatch(doc(), null)).toEqual(doc());
  });

  it('refuses more than 10000 operations with 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/a', value: 1 }));
    const e = errorOf(() => applyJsonPatch({ a: 1 }, ops));
    expect([e.code, e.message]).toEqual([413, 'The allowed maximum operations in a JSON patch is 10000, got 10001']);
  });

  it('cannot pollute prototypes', () => {
    const out = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
