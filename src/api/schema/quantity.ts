/**
 * Kubernetes resource quantities ("100m", "1Gi", "1e3", "0.5"), following the parsing, rounding
 * and canonical-form rules of apimachinery pkg/api/resource (Quantity):
 *  - a number with an optional sign and fraction, then a suffix: binary (Ki Mi Gi Ti Pi Ei),
 *    decimal SI (n u m "" k M G T P E) or a decimal exponent (e3, E-2);
 *  - values more precise than 1n are rounded away from zero to the next nano;
 *  - the canonical string keeps the suffix family that was parsed, picks the largest unit that
 *    keeps the number an integer, falls back to decimal SI for binary values that are fractional
 *    or below 1024, and writes zero as "0".
 *
 * The value is held exactly as a bigint count of nano-units, which covers every quantity the API
 * accepts without floating-point error.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value × 10^9, rounded away from zero. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** The form the API server writes back (Quantity.String()). */
  readonly canonical: string;
}

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Upstream's three parse errors, with their exact texts. */
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${SPLIT_RE}'`;
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const NANO = 1_000_000_000n;
/** BinarySI values are capped at the largest int64, as upstream does. */
const MAX_BINARY_NANOS = (2n ** 63n - 1n) * NANO;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

interface Scanned {
  positive: boolean;
  /** Text handed to the numeric parser: sign, integer digits, fraction. */
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** The scanner of upstream's parseQuantityString, quirks included ("+" and "-" alone are zero). */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') pos++;
  }
  for (;;) {
    if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[pos] !== '0') break;
    pos++;
  }
  let i = pos;
  while (i < end && isDigit(str.charCodeAt(i))) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  let num = str.slice(pos, i);
  pos = i;
  if (num === '') num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str.charCodeAt(i))) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str.charCodeAt(pos))) pos++;
  if (pos < end) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The largest quantity upstream keeps: 2^63-1 units, in nanos. */
const MAX_DECIMAL_NANOS = (2n ** 63n - 1n) * 1_000_000_000n;
const MAX_DECIMAL_NANOS_DIGITS = MAX_DECIMAL_NANOS.toString().length;

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(s: string): Suffix | undefined {
  const dec = DECIMAL_SUFFIXES[s];
  if (dec !== undefined && Object.hasOwn(DECIMAL_SUFFIXES, s)) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[s];
  if (bin !== undefined && Object.hasOwn(BINARY_SUFFIXES, s)) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[+-]?\d+$/.test(s.slice(1))) {
    const exponent = Number(s.slice(1));
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 2 ** 31 - 1) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

/** Parses a quantity string; throws QuantityError with upstream's message when it is not one. */
export function parseQuantity(input: string): Quantity {
  if (input.length === 0) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  if (input === '0') return { nanos: 0n, format: 'DecimalSI', canonical: '0' };
  const sc = scan(input);
  const suffix = interpretSuffix(sc.suffix);
  if (!suffix) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
  // The numeric part must contain a digit ("." or "-." are not numbers).
  if (!/\d/.test(sc.value)) throw new QuantityError(QUANTITY_NUMERIC_ERROR);
  const digits = BigInt((sc.num === '0' ? '' : sc.num) + sc.denom || '0');
  const fracLen = sc.denom.length;

  // |value| × 10^9 = digits × base^exponent × 10^(9 − fracLen), rounded up in magnitude.
  let numerator = digits;
  let decimalShift = 9 - fracLen;
  if (suffix.base === 10) decimalShift += suffix.exponent;
  else numerator <<= BigInt(suffix.exponent);
  let magnitude: bigint;
  // Upstream caps quantities at 2^63-1 units (and rounds tiny ones up to the smallest step);
  // decide from the digit count first so an exponent such as 1e1000000 never builds a huge number.
  const numeratorDigits = numerator === 0n ? 0 : numerator.toString().length;
  if (numerator === 0n) magnitude = 0n;
  else if (decimalShift >= 0 && numeratorDigits + decimalShift > MAX_DECIMAL_NANOS_DIGITS) magnitude = MAX_DECIMAL_NANOS;
  else if (decimalShift < 0 && -decimalShift > numeratorDigits) magnitude = 1n;
  else if (decimalShift >= 0) magnitude = numerator * 10n ** BigInt(decimalShift);
  else {
    const div = 10n ** BigInt(-decimalShift);
    magnitude = numerator / div + (numerator % div === 0n ? 0n : 1n);
  }
  if (magnitude > MAX_DECIMAL_NANOS) magnitude = MAX_DECIMAL_NANOS;
  let format = suffix.format;
  if (format === 'BinarySI' && magnitude > MAX_BINARY_NANOS) magnitude = MAX_BINARY_NANOS;
  if (format === 'BinarySI' && magnitude > 0n && magnitude < NANO) format = 'DecimalSI';
  const nanos = sc.positive ? magnitude : -magnitude;
  const canonical = cachedForm(input, sc, suffix) ?? formatQuantity({ nanos, format });
  return { nanos, format, canonical };
}

/**
 * Upstream keeps the caller's spelling when its fast path sees it is already canonical (so "+1",
 * "01" and "2E3" survive a round trip); this reproduces that decision.
 */
function cachedForm(input: string, sc: Scanned, suffix: Suffix): string | undefined {
  const shifted = sc.num + sc.denom;
  if (suffix.base === 10) {
    if (shifted.length > 18) return undefined;
    const scale = suffix.exponent - sc.denom.length;
    if (scale < -9) return undefined;
    if (scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0') return input;
    return undefined;
  }
  if (sc.denom.length > 0) return undefined;
  const precision = 15 - sc.num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
  if (precision < 0) return undefined;
  const value = BigInt(shifted);
  if (value << BigInt(suffix.exponent) > 2n ** 63n - 1n) return undefined;
  return (value & 7n) !== 0n ? input : undefined;
}

/**
 * The canonical string of a value computed from its nanos and format, ignoring the caller's
 * spelling (so "+1" → "1", "2E3" → "2e3"); `Quantity.canonical` is what upstream writes back.
 */
export function formatQuantity({ nanos, format }: Pick<Quantity, 'nanos' | 'format'>): string {
  if (nanos === 0n) return '0';
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  const sign = negative ? '-' : '';
  if (format === 'BinarySI' && magnitude >= 1024n * NANO && magnitude % NANO === 0n) {
    let units = magnitude / NANO;
    let power = 0;
    while (power < BINARY_BY_POWER.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    return `${sign}${units}${BINARY_BY_POWER[power]}`;
  }
  let mantissa = magnitude;
  let exponent = -9;
  const maxExponent = format === 'DecimalExponent' ? Number.MAX_SAFE_INTEGER : 18;
  while (mantissa % 1000n === 0n && exponent + 3 <= maxExponent) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  return `${sign}${mantissa}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}

/** The canonical form of a quantity given as a string or (from JSON) a number; throws QuantityError. */
export function canonicalQuantity(input: string | number): string {
  return parseQuantity(serialisedText(input)).canonical;
}

/**
 * A serialised quantity (a JSON string or number, as Quantity.UnmarshalJSON reads it), or
 * undefined when it is not a valid quantity.
 */
export function readQuantity(raw: unknown): Quantity | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  try {
    return parseQuantity(serialisedText(raw));
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}

/** The text Quantity.UnmarshalJSON parses: a string trimmed, a JSON number as Go would have seen it. */
function serialisedText(input: string | number): string {
  if (typeof input === 'string') return input.trim();
  if (!Number.isFinite(input)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  return String(input).replace('e+', 'e');
}

/** Quantity.Cmp: -1, 0 or 1. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** Quantity.Sign: -1, 0 or 1. */
export function quantitySign(q: Quantity): number {
  return q.nanos < 0n ? -1 : q.nanos > 0n ? 1 : 0;
}

/** True when the quantity is a whole number. */
export function isWholeQuantity(q: Quantity): boolean {
  return q.nanos % NANO === 0n;
}

/** Rounded up to milli precision, as upstream's SetDefaults_ResourceList does (Quantity.RoundUp(-3)). */
export function roundUpToMilli(q: Quantity): Quantity {
  const milli = 1_000_000n;
  const nanos = q.nanos >= 0n ? ceilDiv(q.nanos, milli) * milli : (q.nanos / milli) * milli;
  return nanos === q.nanos ? q : { nanos, format: q.format, canonical: formatQuantity({ nanos, format: q.format }) };
}

/** The value as a float (for arithmetic where exactness is not required, e.g. scheduling scores). */
export function quantityValue(q: Quantity): number {
  return Number(q.nanos) / 1e9;
}

/** The value in milli-units, rounded up (cpu "250m" → 250), as Quantity.MilliValue. */
export function quantityMilliValue(q: Quantity): bigint {
  return ceilDiv(q.nanos, 1_000_000n);
}

/** The value in whole units, rounded up (memory "1Gi" → 1073741824), as Quantity.Value. */
export function quantityIntValue(q: Quantity): bigint {
  return ceilDiv(q.nanos, NANO);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}
