import { describe, expect, it } from 'vitest';
import { formatRfc3339, humanDuration, parseTimestamp, translateTimestampSince } from './time.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (duration.HumanDuration)', () => {
  it.each([
    [-3 * S, '<invalid>'],
    [-1900, '0s'],
    [-500, '0s'],
    [0, '0s'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 5 * S, '2m5s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 12 * M, '3h12m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [731 * D, '2y1d'],
    [8 * 365 * D, '8y'],
    [10 * 365 * D + 40 * D, '10y'],
    [-5 * S, '<invalid>'],
    [90 * S, '90s'],
    [5 * M + 3 * S, '5m3s'],
    [45 * M, '45m'],
    [3 * H + 10 * M, '3h10m'],
    [20 * H, '20h'],
    [3 * D + 5 * H, '3d5h'],
    [30 * D, '30d'],
    [(365 * 3 + 4) * D, '3y4d'],
    [365 * 10 * D, '10y'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('timestamps', () => {
  it('parses RFC 3339 with fractions and offsets', () => {
    expect(parseTimestamp('2025-01-01T00:00:00Z')).toBe(Date.UTC(2025, 0, 1));
    expect(parseTimestamp('2025-01-01T00:00:00.123456Z')).toBe(Date.UTC(2025, 0, 1) + 123);
    expect(parseTimestamp('2025-01-01T02:00:00+02:00')).toBe(Date.UTC(2025, 0, 1));
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp(undefined)).toBeUndefined();
    expect(parseTimestamp(null)).toBeUndefined();
    expect(parseTimestamp('')).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeNaN();
    expect(parseTimestamp('2025-02-30T00:00:00Z')).toBeNaN();
  });

  it('renders ages and creation times', () => {
    const now = Date.UTC(2025, 0, 1, 12);
    expect(translateTimestampSince('2025-01-01T11:55:00Z', now)).toBe('5m');
    expect(translateTimestampSince(undefined, now)).toBe('<unknown>');
    expect(formatRfc3339('2025-01-01T02:00:00.5+02:00')).toBe('2025-01-01T00:00:00Z');
    expect(formatRfc3339(undefined)).toBe('0001-01-01T00:00:00Z');
  });
});
