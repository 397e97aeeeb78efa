/**
 * Go's text rendering of values, as it shows up inside upstream error messages and printer
 * columns. Custom-resource validation messages are produced by Go's fmt package (`%v`, `%q`,
 * `%d`), so numbers and lists must be printed the way Go prints them for the texts to match.
 */
import type { JsonValue } from '../object.js';

/**
 * A float64 as Go's `%v` prints it (strconv 'g' format, shortest precision): the shortest digit
 * string that round-trips, in exponent form (`1e+06`, `1.5e-05`) when the decimal exponent is
 * below -4 or at least 6, otherwise in plain decimal form.
 */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, expText] = f.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const eprec = 6;
  if (exp < -4 || exp >= eprec) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const sign = exp < 0 ? '-' : '+';
    const e = Math.abs(exp);
    return `${negative ? '-' : ''}${m}e${sign}${e < 10 ? `0${e}` : String(e)}`;
  }
  // Plain decimal form.
  let out: string;
  if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * A JSON number as Go's `%v` prints the value decoded from JSON: integral numbers are int64
 * (printed plainly), others float64.
 */
export function goNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? BigInt(n).toString() : goFloat(n);
}

/** Go's `%q` for a string (strconv.Quote); printable Unicode stays as is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/**
 * A decoded JSON value as Go's `%v` prints `interface{}` holding it: maps as `map[k:v ...]` with
 * sorted keys, slices as `[a b]`, nil as `<nil>`.
 */
export function goValue(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goValue(x)).join(' ')}]`;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort();
  return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
}
