/**
 * Resource quantities (apimachinery pkg/api/resource): parsing to an exact value, comparison, and
 * the canonical string form upstream prints (Quantity.String()), which also appears in
 * validation messages ("must be less than or equal to cpu limit of 500m").
 *
 * Values are kept exactly as BigInt nano-units (10^-9); anything finer is rounded up, as
 * upstream does when it parses.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

export const QUANTITY_REGEX_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const NANO = 1_000_000_000n;
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divides rounding toward +infinity (upstream rounds sub-nano precision up). */
function divCeil(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}

/** Parses a quantity string or JSON number; undefined when it is not a valid quantity. */
export function parseQuantity(input: unknown): Quantity | undefined {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    return parseQuantity(numberToString(input));
  }
  if (typeof input !== 'string') return undefined;
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(input);
  if (!m) return undefined;
  const [, sign, intPart, fracPart = '', suffix] = m;
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  let scale10 = 0;
  let scale2 = 0;
  let format: QuantityFormat;
  if (suffix in DECIMAL_SUFFIX) {
    scale10 = DECIMAL_SUFFIX[suffix];
    format = 'DecimalSI';
  } else if (suffix in BINARY_SUFFIX) {
    scale2 = BINARY_SUFFIX[suffix];
    format = 'BinarySI';
  } else {
    const e = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
    if (!e) return undefined;
    scale10 = Number.parseInt(e[1], 10);
    if (!Number.isFinite(scale10) || Math.abs(scale10) > 1000) return undefined;
    format = 'DecimalExponent';
  }
  // value = digits * 10^(scale10 - fracLen) * 2^scale2, in nanos: * 10^9
  let digits = BigInt((intPart || '0') + fracPart);
  digits *= 2n ** BigInt(scale2);
  const exp = scale10 - fracPart.length + 9;
  const nanos = exp >= 0 ? digits * pow10(exp) : divCeil(digits, pow10(-exp));
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

function numberToString(n: number): string {
  // JSON numbers are decimal; avoid JS exponent notation quirks for typical values.
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mant, exp] = s.toLowerCase().split('e');
  return `${mant}e${Number.parseInt(exp, 10)}`;
}

export function compareQuantity(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

export function quantitySign(q: Quantity): number {
  return q.nanos < 0n ? -1 : q.nanos > 0n ? 1 : 0;
}

/** The value in milli-units (truncated toward zero is never needed: callers test divisibility). */
export function quantityMilli(q: Quantity): bigint {
  return divCeil(q.nanos, 1_000_000n);
}

/** True when the quantity is a whole number. */
export function isWholeQuantity(q: Quantity): boolean {
  return q.nanos % NANO === 0n;
}

/** Rounds up to milli precision, as upstream's SetDefaults_ResourceList does. */
export function roundUpToMilli(q: Quantity): Quantity {
  const milli = 1_000_000n;
  const rounded = q.nanos >= 0n ? divCeil(q.nanos, milli) * milli : (q.nanos / milli) * milli;
  return { nanos: rounded, format: q.format };
}

const DEC_SUFFIX_BY_EXP: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BIN_SUFFIX_BY_EXP: Record<number, string> = { 0: '', 10: 'Ki', 20: 'Mi', 30: 'Gi', 40: 'Ti', 50: 'Pi', 60: 'Ei' };

/** The canonical string upstream prints for a quantity (Quantity.String()). */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  let format = q.format;
  if (format === 'BinarySI') {
    if (abs < 1024n * NANO || abs % NANO !== 0n) format = 'DecimalSI';
  }
  let body: string;
  if (format === 'BinarySI') {
    let amount = abs / NANO;
    let exp = 0;
    while (amount % 1024n === 0n && exp < 60) {
      amount /= 1024n;
      exp += 10;
    }
    body = `${amount}${BIN_SUFFIX_BY_EXP[exp]}`;
  } else {
    // mantissa * 10^exponent with exponent starting at -9; strip trailing zeros, then align to 3.
    let mantissa = abs;
    let exponent = -9;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exponent += 1;
    }
    const r = ((exponent % 3) + 3) % 3;
    if (r !== 0) {
      mantissa *= pow10(r);
      exponent -= r;
    }
    if (format === 'DecimalExponent') {
      body = exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
    } else {
      const suffix = DEC_SUFFIX_BY_EXP[exponent];
      if (suffix !== undefined) {
        body = `${mantissa}${suffix}`;
      } else {
        // Beyond exa: express in E with the remaining power folded into the number.
        body = `${mantissa * pow10(exponent - 18)}E`;
      }
    }
  }
  return neg ? `-${body}` : body;
}

/** Canonical form of a raw quantity value, or undefined if it does not parse. */
export function canonicalQuantity(input: unknown): string | undefined {
  const q = parseQuantity(input);
  return q ? formatQuantity(q) : undefined;
}
