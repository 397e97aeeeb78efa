/**
 * Field selectors (`?fieldSelector=`), as apimachinery pkg/fields: terms `f=v`, `f==v`, `f!=v`
 * joined by commas (AND); `\,`, `\=` and `\\` escape those characters inside values.
 *
 * Matching follows upstream's fields.Set semantics: a field the object does not have reads as
 * the empty string, so `f!=v` matches objects without `f` and `f=` matches them too.
 *
 * Which field labels a kind accepts is not decided here; see field-labels.ts.
 */
import { ApiError } from '../errors.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  /** `==` in the input is reported as `=` (upstream's selection.Equals). */
  readonly operator: FieldOperator;
  readonly value: string;
}

export type Fields = Readonly<Record<string, string>>;

export class FieldSelector {
  static readonly #everything = new FieldSelector([]);

  readonly #terms: readonly FieldRequirement[];

  private constructor(terms: readonly FieldRequirement[]) {
    this.#terms = terms;
  }

  static everything(): FieldSelector {
    return FieldSelector.#everything;
  }

  /** Builds a selector from terms, kept in the given order. */
  static of(terms: readonly FieldRequirement[]): FieldSelector {
    return terms.length === 0 ? FieldSelector.#everything : new FieldSelector([...terms]);
  }

  isEmpty(): boolean {
    return this.#terms.length === 0;
  }

  /** The terms, for storage back ends that can serve some of them from an index. */
  requirements(): readonly FieldRequirement[] {
    return this.#terms;
  }

  matches(fields: Fields): boolean {
    for (const t of this.#terms) {
      const have = Object.prototype.hasOwnProperty.call(fields, t.field) ? fields[t.field] : '';
      if ((have === t.value) !== (t.operator === '=')) return false;
    }
    return true;
  }

  /** The value `field` must equal for a match (first `=` term on it), if any. */
  requiresExactMatch(field: string): string | undefined {
    for (const t of this.#terms) if (t.field === field && t.operator === '=') return t.value;
    return undefined;
  }

  /**
   * Rewrites every term (fields.Selector.Transform). `fn` may rename the field or change the
   * value; returning an empty field and value drops the term. Errors thrown by `fn` propagate.
   */
  transform(fn: (field: string, value: string) => { field: string; value: string }): FieldSelector {
    const out: FieldRequirement[] = [];
    for (const t of this.#terms) {
      const r = fn(t.field, t.value);
      if (r.field === '' && r.value === '') continue;
      out.push({ field: r.field, operator: t.operator, value: r.value });
    }
    return FieldSelector.of(out);
  }

  /** Canonical string form (values escaped). */
  toString(): string {
    return this.#terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
  }
}

/** Escapes `\`, `,` and `=` in a value for use in a selector string. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Reverses escapeFieldValue; throws ApiError 400 on an unknown escape or a bare `,`/`=`
 * (messages as upstream, which prints the offending character as its code point number).
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw ApiError.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw ApiError.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw ApiError.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not escaped. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: (typeof OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Parses a field selector string. Terms are sorted (as upstream sorts the raw terms) so that
 * toString() is canonical. Throws ApiError 400, e.g.
 * `invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'`.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const terms: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw ApiError.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    terms.push({ field: t.lhs, operator: t.op === '!=' ? '!=' : '=', value });
  }
  return FieldSelector.of(terms);
}
