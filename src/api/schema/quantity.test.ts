import { describe, expect, it } from 'vitest';
import {
  canonicalQuantity,
  compareQuantity,
  formatQuantity,
  parseQuantity,
  QUANTITY_FORMAT_ERROR,
  QUANTITY_NUMERIC_ERROR,
  QUANTITY_SUFFIX_ERROR,
  quantityIntValue,
  quantityMilliValue,
  QuantityError,
  readQuantity,
  roundUpToMilli,
} from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    // canonical spellings survive unchanged
    ['1Ki', '1Ki'],
    ['1Gi', '1Gi'],
    ['300Mi', '300Mi'],
    ['1001Gi', '1001Gi'],
    ['100m', '100m'],
    ['1080m', '1080m'],
    ['3k', '3k'],
    ['1e9', '1e9'],
    ['80e-3', '80e-3'],
    ['1025', '1025'],
    ['0', '0'],
    // alternates are rewritten to the canonical form
    ['1024Mi', '1Gi'],
    ['307200Ki', '300Mi'],
    ['1025024Mi', '1001Gi'],
    ['1000M', '1G'],
    ['0.001T', '1G'],
    ['1000000000', '1G'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['0.5', '500m'],
    ['5000m', '5'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['1e4', '10e3'],
    ['00', '0'],
    ['0Gi', '0'],
    // binary values below 1024 or with fractions fall back to decimal SI
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['1.5Ki', '1536'],
    ['0.5Mi', '512Ki'],
    // more precise than nano rounds away from zero
    ['.000000000001Ki', '2n'],
    ['3.001n', '4n'],
    ['0.9n', '1n'],
    ['-0.9n', '-1n'],
    // upstream keeps these spellings verbatim
    ['+1', '+1'],
    ['2E3', '2E3'],
    // negatives
    ['-1024Mi', '-1Gi'],
    ['-100m', '-100m'],
    // quirks accepted (and spelled back verbatim) upstream
    ['1.', '1.'],
    ['1.G', '1.G'],
    ['1.0', '1'],
    ['-', '0'],
  ])('%s → %s', (input, canonical) => {
    expect(parseQuantity(input).canonical).toBe(canonical);
  });

  it('caps binary quantities at the largest int64', () => {
    expect(parseQuantity('9Ei').nanos).toBe((2n ** 63n - 1n) * 1_000_000_000n);
  });

  it('keeps the exact value and the format', () => {
    const q = parseQuantity('250m');
    expect(q.nanos).toBe(250_000_000n);
    expect(q.format).toBe('DecimalSI');
    expect(quantityMilliValue(q)).toBe(250n);
    expect(quantityIntValue(q)).toBe(1n);
    expect(quantityIntValue(parseQuantity('1Gi'))).toBe(1073741824n);
    expect(parseQuantity('1Mi').format).toBe('BinarySI');
    expect(parseQuantity('1e3').format).toBe('DecimalExponent');
  });

  it.each([
    ['', QUANTITY_FORMAT_ERROR],
    ['abc', QUANTITY_FORMAT_ERROR],
    ['1 Gi', QUANTITY_FORMAT_ERROR],
    ['1.5.5', QUANTITY_FORMAT_ERROR],
    ['1Gb', QUANTITY_FORMAT_ERROR],
    ['1Gk', QUANTITY_SUFFIX_ERROR],
    ['1K', QUANTITY_SUFFIX_ERROR],
    ['1e', QUANTITY_SUFFIX_ERROR],
    ['1Mi5', QUANTITY_SUFFIX_ERROR],
    ['.', QUANTITY_NUMERIC_ERROR],
  ])('rejects %j', (input, message) => {
    let caught: unknown;
    try {
      parseQuantity(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QuantityError);
    expect((caught as Error).message).toBe(message);
  });

  it('uses upstream error texts', () => {
    expect(QUANTITY_FORMAT_ERROR).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });
});

describe('canonicalQuantity', () => {
  it('accepts JSON numbers and trims strings as upstream UnmarshalJSON does', () => {
    expect(canonicalQuantity(0.5)).toBe('500m');
    expect(canonicalQuantity(2)).toBe('2');
    expect(canonicalQuantity(1e21)).toBe('1e21');
    expect(canonicalQuantity(' 1Gi ')).toBe('1Gi');
  });
});

describe('readQuantity, formatQuantity and comparison', () => {
  function q(s: string | number) {
    const parsed = readQuantity(s);
    if (!parsed) throw new Error(`unparsable ${String(s)}`);
    return parsed;
  }

  it('rejects strings that are not quantities', () => {
    for (const bad of ['', 'abc', '1.2.3', '5Kb', '--1', '1e', 'm']) expect(readQuantity(bad)).toBeUndefined();
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
    for (const [input, expected] of cases) expect(formatQuantity(q(input)), String(input)).toBe(expected);
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

describe('parseQuantity with extreme exponents', () => {
  it('caps huge values at 2^63-1 units without building huge numbers', () => {
    // Built naively this takes minutes (the suite's timeout catches a regression).
    const q = parseQuantity('1e1000000');
    expect(q.nanos).toBe((2n ** 63n - 1n) * 1_000_000_000n);
    expect(parseQuantity('1e2147483647').nanos).toBe((2n ** 63n - 1n) * 1_000_000_000n);
  });
  it('rounds vanishingly small values up to one nano', () => {
    expect(parseQuantity('1e-1000000').nanos).toBe(1n);
  });
});
