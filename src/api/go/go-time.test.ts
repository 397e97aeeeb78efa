import { describe, expect, it } from 'vitest';
import { formatGoDuration, goDurationParseError, goTimeParseError } from './go-time.js';

describe('formatGoDuration', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1_500n, '1.5µs'],
    [1_500_000n, '1.5ms'],
    [250_000_000n, '250ms'],
    [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_661_500_000_000n, '1h1m1.5s'],
    [360_000_000_000_000n, '100h0m0s'],
    [-90_000_000_000n, '-1m30s'],
    [1_000_000_001n, '1.000000001s'],
  ])('%s ns → %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});

describe('goTimeParseError and goDurationParseError', () => {
  it.each([
    ['2025-01-01T00:00:00Z', false, undefined],
    ['2025-01-01T10:20:30.5+02:00', false, undefined],
    ['2024-02-29T00:00:00Z', false, undefined],
    ['2025-01-01 00:00:00Z', false, 'parsing time "2025-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T"'],
    ['2025-13-01T00:00:00Z', false, 'parsing time "2025-13-01T00:00:00Z": month out of range'],
    ['2025-02-29T00:00:00Z', false, 'parsing time "2025-02-29T00:00:00Z": day out of range'],
    ['2025-01-01T24:00:00Z', false, 'parsing time "2025-01-01T24:00:00Z": hour out of range'],
    ['2025-01-01T00:00:00', false, 'parsing time "2025-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'],
    ['2025-01-01T00:00:00Zjunk', false, 'parsing time "2025-01-01T00:00:00Zjunk": extra text: "junk"'],
    ['2025-04-31T00:00:00Z', false, 'parsing time "2025-04-31T00:00:00Z": day out of range'],
    ['2025-01-01T00:60:00Z', false, 'parsing time "2025-01-01T00:60:00Z": minute out of range'],
    ['2025-01-01T00:00:60Z', false, 'parsing time "2025-01-01T00:00:60Z": second out of range'],
    ['2025-01-01T00:00:00+25:00', false, 'parsing time "2025-01-01T00:00:00+25:00": time zone offset out of range'],
    ['2025-01-01T00:00:00-24:00', false, undefined],
    ['2025-01-01T00:00:00.000000Z', false, undefined],
    ['2025-01-01T00:00:00Z', true, 'parsing time "2025-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'],
    ['2025-01-01T00:00:00.000001Z', true, undefined],
    ['2025-01-01T00:00:00.000001+01:00', true, undefined],
    ['2025-01-01T00:00:00.1Z', true, 'parsing time "2025-01-01T00:00:00.1Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".1Z" as ".000000"'],
  ])('time %j (micro %s)', (text, micro, error) => {
    expect(goTimeParseError(text, micro)).toBe(error);
  });

  it.each([
    ['1h30m', undefined],
    ['1.5s', undefined],
    ['-2m', undefined],
    ['0', undefined],
    ['300ms', undefined],
    ['10µs', undefined],
    ['', 'time: invalid duration ""'],
    ['1', 'time: missing unit in duration "1"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['.s', 'time: invalid duration ".s"'],
  ])('duration %j', (text, error) => {
    expect(goDurationParseError(text)).toBe(error);
  });
});
