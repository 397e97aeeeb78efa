import { describe, expect, it } from 'vitest';
import { formatGoDuration } from './go-duration.js';

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
