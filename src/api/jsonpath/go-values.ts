/**
 * How Go (client-go's jsonpath over unstructured JSON) sees and prints JSON values. Unstructured
 * decoding turns JSON integers into int64 and other numbers into float64; here a JS number is an
 * "int" when it is integral and a "float" otherwise. These rules decide comparison errors,
 * printed text (fmt.Fprint) and JSON output (encoding/json.Marshal) of JSONPath results.
 */

export type GoKind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'map' | 'slice';

export function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

/** reflect.Type.String() of the decoded value, as shown in upstream error messages. */
export function goTypeName(v: unknown): string {
  switch (goKind(v)) {
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int64';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
  }
}

/** fmt's %v of a float64 (strconv 'g', shortest): exponent form below 1e-4 and from 1e6 on. */
export function goFloatV(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expText] = f.toExponential().split('e');
  const exp = Number(expText);
  // With shortest precision Go decides between %e and %f as if the precision were 6.
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return plainDecimal(f);
}

/** A finite number without exponent notation (JS switches to exponents below 1e-6). */
function plainDecimal(f: number): string {
  const s = String(f);
  if (!s.includes('e')) return s;
  const [mant, expText] = f.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < 0) return `${neg ? '-' : ''}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${neg ? '-' : ''}${digits.padEnd(exp + 1, '0')}`;
}

/** fmt.Fprint of a scalar (what JSONPath prints for non-container results). */
export function goText(v: unknown): string {
  switch (goKind(v)) {
    case 'nil':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return Math.abs(v as number) < 1e21 ? BigInt(v as number).toString() : goFloatV(v as number);
    case 'float':
      return goFloatV(v as number);
    case 'string':
      return v as string;
    default:
      return goJson(v);
  }
}

/** encoding/json.Marshal: compact, map keys sorted, HTML-sensitive characters escaped. */
export function goJson(v: unknown): string {
  switch (goKind(v)) {
    case 'nil':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'float':
      return goJsonNumber(v as number);
    case 'string':
      return goJsonString(v as string);
    case 'slice':
      return `[${(v as unknown[]).map(goJson).join(',')}]`;
    case 'map': {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${goJsonString(k)}:${goJson(o[k])}`).join(',')}}`;
    }
  }
}

function goJsonNumber(f: number): string {
  if (!Number.isFinite(f)) return 'null';
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go: 'e' format with a one- or two-digit exponent ("1e-07" → "1e-7").
    return f.toExponential().replace(/e([+-])0*(\d)/, 'e$1$2');
  }
  return plainDecimal(f);
}

function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029)
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** fmt's %v of a decoded JSON value (maps as `map[k:v]`, slices as `[a b]`), for error texts. */
export function goFmtV(v: unknown): string {
  switch (goKind(v)) {
    case 'nil':
      return '<nil>';
    case 'slice':
      return `[${(v as unknown[]).map(goFmtV).join(' ')}]`;
    case 'map': {
      const o = v as Record<string, unknown>;
      return `map[${Object.keys(o)
        .sort()
        .map((k) => `${k}:${goFmtV(o[k])}`)
        .join(' ')}]`;
    }
    default:
      return goText(v);
  }
}
