/**
 * Formatting helpers that reproduce how Go renders values in the texts kube-apiserver sends back
 * (error messages, the last-applied annotation, managedFields keys). Clients print these texts,
 * so matching Go's spelling matters more than elegance here.
 *
 * Convention for JSON numbers: an integral number is treated as Go's int64 (apimachinery decodes
 * patches with "preserve ints"), anything else as float64.
 */
import type { JsonValue } from '../object.js';

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

function escapeHtml(s: string): string {
  return s.replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON as Go's encoding/json writes a `map[string]interface{}` tree: compact, object keys sorted,
 * and `<`, `>`, `&`, U+2028, U+2029 escaped. Number spelling of JSON.stringify already matches Go.
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

/** A JSON string literal with Go's HTML escaping (keys and values inside `k:`/`v:` path elements). */
export function goJsonString(s: string): string {
  return escapeHtml(JSON.stringify(s));
}

/** Go's `%v` of a float64: strconv's shortest 'g' form, with an exponent when exp < -4 or exp >= 6. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  // In this range JavaScript's shortest round-trip spelling is plain decimal, as Go's is.
  return String(n);
}

/** Go's `%v` of a JSON number. */
export function goNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : goFloat(n);
}

/** Go's `%v` of an unstructured JSON value: `map[a:1 b:[x y]]`, `<nil>`, … */
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

/** Go's `reflect.TypeOf(v).String()` for an unstructured JSON value. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's `%q` (strconv.Quote) of a string. */
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

/** Go's `%v` of a structured-merge-diff value (value.ToString): strings quoted, maps as `k=v`. */
export function smdValueString(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(smdValueString).join(',')}]`;
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  return keys.map((k) => `${k}=${smdValueString(v[k])}`).join('');
}
