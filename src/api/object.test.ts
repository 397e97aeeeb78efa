import { describe, expect, it } from 'vitest';
import { deepCopy, rfc3339, rfc3339Micro } from './object.js';

describe('timestamps', () => {
  it('formats seconds as metav1.Time, the same second twice or out of order alike', () => {
    const t = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    expect(rfc3339(t)).toBe('2025-01-02T03:04:05Z');
    expect(rfc3339(t + 300)).toBe('2025-01-02T03:04:05Z');
    expect(rfc3339(t + 400)).toBe('2025-01-02T03:04:06Z');
    expect(rfc3339(t - 1000)).toBe('2025-01-02T03:04:04Z');
    expect(rfc3339(t)).toBe('2025-01-02T03:04:05Z');
    expect(rfc3339(0)).toBe('1970-01-01T00:00:00Z');
    expect(() => rfc3339(Number.NaN)).toThrow(RangeError);
  });

  it('formats microseconds as metav1.MicroTime', () => {
    expect(rfc3339Micro(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02T03:04:05.678000Z');
  });
});

describe('deepCopy', () => {
  it('copies every object and array of a JSON value, so the copy can be changed freely', () => {
    const original = { a: { b: [1, { c: 'x' }, null], d: true }, e: 'y', n: 0, z: null };
    const copy = deepCopy(original);
    expect(copy).toEqual(original);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
    copy.a.b.push(2);
    (copy.a.b[1] as { c: string }).c = 'changed';
    copy.a.d = false;
    expect(original).toEqual({ a: { b: [1, { c: 'x' }, null], d: true }, e: 'y', n: 0, z: null });
  });

  it('leaves out members whose value is undefined, as JSON does', () => {
    const copy = deepCopy({ kept: 1, dropped: undefined, nested: { gone: undefined } });
    expect(Object.keys(copy)).toEqual(['kept', 'nested']);
    expect(Object.keys(copy.nested)).toEqual([]);
  });

  it('returns scalars as they are', () => {
    expect(deepCopy('s')).toBe('s');
    expect(deepCopy(3)).toBe(3);
    expect(deepCopy(null)).toBe(null);
  });
});
