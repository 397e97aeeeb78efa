import { describe, expect, it } from 'vitest';
import { canonicalQuantity, compareQuantity, formatQuantity, parseQuantity, roundUpToMilli } from './quantity.js';

function q(s: string | number) {
  const parsed = parseQuantity(s);
  if (!parsed) throw new Error(`unparsable ${String(s)}`);
  return parsed;
}

describe('quantities', () => {
  it('rejects strings that are not quantities', () => {
    for (const bad of ['', 'abc', '1.2.3', '5Kb', '--1', '1e', 'm']) expect(parseQuantity(bad)).toBeUndefined();
  });

  it('prints the canonical form upstream serialises', () => {
    const cases: Array<[string | number, string]> = [
      ['0.5', '500m'],
      ['500m', '500m'],
      ['2000m', '2'],
      ['1.5', '1500m'],
      ['1024Mi', '1Gi'],
      ['1536Mi', '1536Mi'],
      ['0.5Gi', '512Mi'],
      ['1000', '1k'],
      ['1500', '1500'],
      ['100M', '100M'],
      ['1e3', '1e3'],
      ['12e6', '12e6'],
      ['0', '0'],
      ['-1', '-1'],
      ['512', '512'],
      ['0.5Ki', '512'],
      [2, '2'],
      [0.25, '250m'],
      ['128974848', '128974848'],
      ['129e6', '129e6'],
      ['123Mi', '123Mi'],
    ];
    for (const [input, expected] of cases) expect(canonicalQuantity(input), String(input)).toBe(expected);
  });

  it('compares values across formats', () => {
    expect(compareQuantity(q('1'), q('1000m'))).toBe(0);
    expect(compareQuantity(q('1Gi'), q('1G'))).toBe(1);
    expect(compareQuantity(q('100m'), q('0.2'))).toBe(-1);
  });

  it('rounds sub-milli values up to milli precision', () => {
    expect(formatQuantity(roundUpToMilli(q('1.0001')))).toBe('1001m');
    expect(formatQuantity(roundUpToMilli(q('100n')))).toBe('1m');
  });
});
