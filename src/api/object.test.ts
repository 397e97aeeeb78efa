import { describe, expect, it } from 'vitest';
import { rfc3339, rfc3339Micro } from './object.js';

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
