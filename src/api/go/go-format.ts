/**
 * How Go prints values, for the texts kube-apiserver sends back: error messages (`%v`, `%q`),
 * JSON it writes (encoding/json), the last-applied annotation, managedFields keys, JSONPath and
 * printer-column output. Clients show these texts, so matching Go's spelling matters more than
 * elegance here.
 *
 * Numbers follow apimachinery's unstructured JSON decoding ("preserve ints"): a number that is
 * integral and fits int64 is an int64, anything else a float64.
 */

/** reflect.Kind of a decoded JSON value, as far as the printers and comparisons care. */
export type GoKind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'map' | 'slice';

const INT64_LIMIT = 2 ** 63;

/** Whether Go holds this JSON number as an int64 (integral and in range) rather than a float64. */
function isGoInt(n: number): boolean {
  return Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT;
}

export function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isGoInt(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

/** Go's `reflect.TypeOf(v).String()` for a decoded JSON value, as upstream error messages show it. */
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

/**
 * How encoding/json names a JSON value in an UnmarshalTypeError (`json: cannot unmarshal <kind>
 * into …`); `withLiteral` adds the number's text, as Go does for numbers that do not fit.
 */
export function goJsonKind(v: unknown, withLiteral = false): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return withLiteral ? `number ${String(v)}` : 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/**
 * Go's `%v` of a float64 (strconv 'g' format, shortest precision): the shortest digit string that
 * round-trips, in exponent form (`1e+06`, `1.5e-05`) when the decimal exponent is below -4 or at
 * least 6, otherwise plain decimal.
 */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  // With shortest precision Go decides between %e and %f as if the precision were 6.
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  // In this range JavaScript's shortest round-trip spelling is plain decimal, as Go's is.
  return String(n);
}

/** Go's `%v` of a JSON number: an int64 printed exactly, a float64 as goFloat. */
export function goNumber(n: number): string {
  return isGoInt(n) ? BigInt(n).toString() : goFloat(n);
}

/**
 * Go's `%v` of a decoded JSON value (`interface{}`): strings bare, maps as `map[k:v ...]` with
 * sorted keys, slices as `[a b]`, nil as `<nil>`.
 */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `map[${keys.map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/**
 * What client-go's JSONPath prints for one result (PrintResults): scalars as fmt.Fprint does
 * (nil as `null`), maps and slices as JSON.
 */
export function goText(v: unknown): string {
  switch (goKind(v)) {
    case 'nil':
      return 'null';
    case 'map':
    case 'slice':
      return goJson(v);
    default:
      return goValue(v);
  }
}

/** Go's `%q` (strconv.Quote) of a string: printable characters stay, the rest are escaped Go-style. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
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
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Go's `%#v` of a []string: `[]string{"a", "b"}`; a nil slice (undefined) is `[]string(nil)`.
 * `elemType` names a string-based element type instead (`admissionregistration.OperationType`).
 */
export function goStringSlice(items: readonly string[] | undefined, elemType = 'string'): string {
  return items === undefined ? `[]${elemType}(nil)` : `[]${elemType}{${items.map(goQuote).join(', ')}}`;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

function escapeHtml(s: string): string {
  return s.replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON as Go's encoding/json.Marshal writes a decoded (`map[string]interface{}`) tree: compact,
 * object keys sorted, and `<`, `>`, `&`, U+2028, U+2029 escaped. JSON.stringify's number spelling
 * and its control-character escapes (`\b`, `\f`, `\n`, `\r`, `\t`, `\u00XX`) already match Go's.
 */
export function goJson(v: unknown): string {
  return escapeHtml(JSON.stringify(sortKeysDeep(v)) ?? 'null');
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v !== null && typeof v === 'object') {
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) if (src[k] !== undefined) out[k] = sortKeysDeep(src[k]);
    return out;
  }
  return v;
}

/** A JSON string literal as encoding/json writes it (HTML-sensitive characters escaped). */
export function goJsonString(s: string): string {
  return escapeHtml(JSON.stringify(s));
}
