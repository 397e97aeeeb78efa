/**
 * Label selectors, as apimachinery pkg/labels implements them: the string form used by
 * `?labelSelector=` and kubectl `-l`, and the object form (metav1.LabelSelector) used in specs.
 *
 * Semantics worth remembering:
 *  - an empty selector (parsed from "" or an object with no terms) matches everything;
 *  - `LabelSelector.nothing()` (what a *nil* object-form selector means) matches nothing;
 *  - `k!=v` and `k notin (…)` also match objects that lack the key `k`;
 *  - requirements are sorted by key, so `toString()` is canonical.
 *
 * Every parse error is an ApiError 400 (BadRequest) whose message is the upstream error text.
 */
import { ApiError } from '../errors.js';
import { goQuote, goStringSlice } from '../go/go-format.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

/** selection.Operator values (`!` is DoesNotExist). */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Empty for exists / does-not-exist, one value for =, ==, !=, gt, lt. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined | null;

/** Operators in the order upstream lists them in "expected: …" messages. */
const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'] as const;

export class LabelSelector {
  static readonly #everything = new LabelSelector([], false);
  static readonly #nothing = new LabelSelector([], true);

  readonly #requirements: readonly LabelRequirement[];
  readonly #matchesNothing: boolean;

  private constructor(requirements: readonly LabelRequirement[], matchesNothing: boolean) {
    this.#requirements = requirements;
    this.#matchesNothing = matchesNothing;
  }

  /** Matches every object (the empty selector). */
  static everything(): LabelSelector {
    return LabelSelector.#everything;
  }

  /** Matches no object: the meaning of a nil object-form selector. */
  static nothing(): LabelSelector {
    return LabelSelector.#nothing;
  }

  /** Builds a selector from already checked requirements (sorted by key, stable). */
  static of(requirements: readonly LabelRequirement[]): LabelSelector {
    if (requirements.length === 0) return LabelSelector.#everything;
    const sorted = [...requirements].sort((a, b) => compareStrings(a.key, b.key));
    return new LabelSelector(sorted, false);
  }

  get requirements(): readonly LabelRequirement[] {
    return this.#requirements;
  }

  /** True for the match-everything selector. `nothing()` is not empty. */
  isEmpty(): boolean {
    return !this.#matchesNothing && this.#requirements.length === 0;
  }

  isNothing(): boolean {
    return this.#matchesNothing;
  }

  matches(labels: Labels): boolean {
    if (this.#matchesNothing) return false;
    const ls = labels ?? {};
    for (const r of this.#requirements) if (!requirementMatches(r, ls)) return false;
    return true;
  }

  /**
   * The value a key must have for any object to match (`k=v`, `k==v`, `k in (v)`), if the
   * selector pins one: lets storage use an index.
   */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.#requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }

  /** Canonical string form ("" for both everything and nothing, as upstream). */
  toString(): string {
    return this.#requirements.map(requirementString).join(',');
  }
}

function hasKey(ls: Readonly<Record<string, string>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(ls, key);
}

function requirementMatches(r: LabelRequirement, ls: Readonly<Record<string, string>>): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return hasKey(ls, r.key) && r.values.includes(ls[r.key]);
    case 'notin':
    case '!=':
      return !hasKey(ls, r.key) || !r.values.includes(ls[r.key]);
    case 'exists':
      return hasKey(ls, r.key);
    case '!':
      return !hasKey(ls, r.key);
    case 'gt':
    case 'lt': {
      if (!hasKey(ls, r.key) || r.values.length !== 1) return false;
      const have = parseGoInt64(ls[r.key]);
      const want = parseGoInt64(r.values[0]);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

/** strconv.ParseInt(s, 10, 64): optional sign and decimal digits only. */
function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}

function requirementString(r: LabelRequirement): string {
  const neg = r.operator === '!' ? '!' : '';
  switch (r.operator) {
    case 'exists':
    case '!':
      return `${neg}${r.key}`;
  }
  const op =
    r.operator === 'in' ? ' in ' : r.operator === 'notin' ? ' notin ' : r.operator === 'gt' ? '>' : r.operator === 'lt' ? '<' : r.operator;
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort(compareStrings).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${r.key}${op}(${vals})` : `${r.key}${op}${vals}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Requirement construction (labels.NewRequirement): the checks and their error texts.

/** A field path as upstream renders it; `undefined` is a nil path, printed as "<nil>". */
type PathText = string | undefined;

function invalid(path: string, value: string | readonly string[], detail: string): string {
  // An empty list only reaches here as a nil slice.
  const shown = typeof value === 'string' ? goQuote(value) : goStringSlice(value.length === 0 ? undefined : value);
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

function keyError(key: string, path: PathText): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalid(path ?? '<nil>', key, errs.join('; ')) : undefined;
}

/**
 * Checks and builds one requirement; returns the error text (upstream's aggregate) on failure.
 * `path` is the field path prefix of error messages (none for the string parser).
 */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[], path?: string): LabelRequirement | string {
  const errs: string[] = [];
  const sub = (name: string) => (path ? `${path}.${name}` : name);
  const k = keyError(key, sub('key'));
  if (k) errs.push(k);
  const valuesPath = sub('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid(valuesPath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid(valuesPath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) errs.push(invalid(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(invalid(`${valuesPath}[${i}][${key}]`, v, ve.join('; ')));
  });
  if (errs.length) return aggregate(errs);
  return { key, operator, values: [...values] };
}

/**
 * Builds a requirement, throwing ApiError 400 with upstream's message when it is invalid. The
 * string form uses operators `=`, `==`, `!=`, `in`, `notin`, `exists`, `!`, `gt`, `lt`.
 */
export function labelRequirement(key: string, operator: LabelOperator, values: readonly string[] = []): LabelRequirement {
  const r = newRequirement(key, operator, values);
  if (typeof r === 'string') throw ApiError.badRequest(r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// String form: lexer and parser with upstream's tokens, contexts and error texts.

type Tok =
  | 'error'
  | 'eos'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'ident'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const LITERAL_TOKENS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

interface Item {
  tok: Tok;
  lit: string;
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecial(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of special characters that still forms a known token.
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const t = LITERAL_TOKENS.get(buf);
        if (t) {
          last = { tok: t, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
    items.push({ tok: LITERAL_TOKENS.get(buf) ?? 'ident', lit: buf });
  }
}

type Ctx = 'keyAndOperator' | 'values';

class Parser {
  readonly #items: Item[];
  #pos = 0;

  constructor(input: string) {
    this.#items = lex(input);
  }

  #view(item: Item, ctx: Ctx): Item {
    if (ctx === 'values' && (item.tok === 'in' || item.tok === 'notin')) return { tok: 'ident', lit: item.lit };
    return item;
  }

  lookahead(ctx: Ctx): Item {
    return this.#view(this.#items[this.#pos], ctx);
  }

  consume(ctx: Ctx): Item {
    const it = this.#items[this.#pos];
    if (this.#pos < this.#items.length - 1) this.#pos++;
    return this.#view(it, ctx);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'ident' || tok === '!') {
        const r = this.parseRequirement();
        if (typeof r === 'string') throw new SelectorSyntaxError(`unable to parse requirement: ${r}`);
        reqs.push(r);
        const next = this.consume('values');
        if (next.tok === 'eos') return reqs;
        if (next.tok === ',') {
          const after = this.lookahead('values');
          if (after.tok !== 'ident' && after.tok !== '!') throw new SelectorSyntaxError(`found '${after.lit}', expected: identifier after ','`);
          continue;
        }
        throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === 'eos') return reqs;
      throw new SelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  /** Returns the requirement or an error text (to be wrapped by the caller). */
  parseRequirement(): LabelRequirement | string {
    let operator: LabelOperator | undefined;
    let item = this.consume('values');
    if (item.tok === '!') {
      operator = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'ident') return `found '${item.lit}', expected: identifier`;
    const key = item.lit;
    const ke = keyError(key, undefined);
    if (ke) return ke;
    const la = this.lookahead('values').tok;
    if (la === 'eos' || la === ',') {
      if (operator !== '!') operator = 'exists';
    }
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);
    const opItem = this.consume('keyAndOperator');
    const op = tokenOperator(opItem.tok);
    if (!op) return `found '${opItem.lit}', expected: ${BINARY_OPERATORS.join(', ')}`;
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    if (typeof values === 'string') return values;
    return newRequirement(key, op, values);
  }

  parseValues(): string[] | string {
    const open = this.consume('values');
    if (open.tok !== '(') return `found '${open.lit}' expected: '('`;
    const first = this.lookahead('values');
    if (first.tok === 'ident' || first.tok === ',') {
      const set = this.parseIdentifiersList();
      if (typeof set === 'string') return set;
      if (this.consume('values').tok !== ')') return `found '${first.lit}', expected: ')'`;
      return set;
    }
    if (first.tok === ')') {
      this.consume('values');
      return [''];
    }
    return `found '${first.lit}', expected: ',', ')' or identifier`;
  }

  /** A sorted, de-duplicated list (upstream collects into a string set). */
  parseIdentifiersList(): string[] | string {
    const set = new Set<string>();
    const done = () => [...set].sort(compareStrings);
    for (;;) {
      const item = this.consume('values');
      if (item.tok === 'ident') {
        set.add(item.lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return done();
        return `found '${next.lit}', expected: ',' or ')'`;
      }
      if (item.tok === ',') {
        if (set.size === 0) set.add('');
        const next = this.lookahead('values');
        if (next.tok === ')') {
          set.add('');
          return done();
        }
        if (next.tok === ',') {
          this.consume('values');
          set.add('');
        }
        continue;
      }
      return `found '${item.lit}', expected: ',', or identifier`;
    }
  }

  parseExactValue(): string[] | string {
    const la = this.lookahead('values');
    if (la.tok === 'eos' || la.tok === ',') return [''];
    const item = this.consume('values');
    if (item.tok === 'ident') return [item.lit];
    return `found '${item.lit}', expected: identifier`;
  }
}

function tokenOperator(tok: Tok): LabelOperator | undefined {
  switch (tok) {
    case 'in':
      return 'in';
    case '=':
      return '=';
    case '==':
      return '==';
    case '>':
      return 'gt';
    case '<':
      return 'lt';
    case 'notin':
      return 'notin';
    case '!=':
      return '!=';
    default:
      return undefined;
  }
}

class SelectorSyntaxError extends Error {}

/**
 * Parses the string form (`a=b,c in (d,e),!f`). Throws ApiError 400 with upstream's message
 * (e.g. `unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt`).
 * The empty string yields the match-everything selector.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return LabelSelector.of(new Parser(s).parse());
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw ApiError.badRequest(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Object form (metav1.LabelSelector).

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] | null }> | null;
}

const OBJECT_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: `null`/`undefined` → nothing() (matches no object);
 * an object with no matchLabels and no matchExpressions → everything(). Invalid keys, values
 * or operators throw ApiError 400 with upstream's message.
 */
export function labelSelectorFromObject(obj: unknown): LabelSelector {
  if (obj === null || obj === undefined) return LabelSelector.nothing();
  if (typeof obj !== 'object' || Array.isArray(obj)) throw ApiError.badRequest('label selector must be an object');
  const sel = obj as LabelSelectorObject;
  const matchLabels = sel.matchLabels ?? {};
  const exprs = sel.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels);
  if (labelKeys.length + exprs.length === 0) return LabelSelector.everything();
  const reqs: LabelRequirement[] = [];
  for (const k of labelKeys.sort(compareStrings)) {
    const r = newRequirement(k, '=', [String(matchLabels[k])]);
    if (typeof r === 'string') throw ApiError.badRequest(r);
    reqs.push(r);
  }
  for (const e of exprs) {
    const op = OBJECT_OPERATORS[e.operator];
    if (!op) throw ApiError.badRequest(`${goQuote(String(e.operator))} is not a valid label selector operator`);
    const r = newRequirement(String(e.key), op, [...(e.values ?? [])].map(String));
    if (typeof r === 'string') throw ApiError.badRequest(r);
    reqs.push(r);
  }
  return LabelSelector.of(reqs);
}

/** A selector requiring every `key=value` of the map (labels.SelectorFromSet); empty map → everything. */
export function labelSelectorFromSet(set: Readonly<Record<string, string>> | undefined | null): LabelSelector {
  const keys = Object.keys(set ?? {}).sort(compareStrings);
  return LabelSelector.of(keys.map((k) => ({ key: k, operator: '=' as const, values: [String((set ?? {})[k])] })));
}

/**
 * metav1.FormatLabelSelector: the selector's string form, `<none>` when it selects everything
 * or nothing, `<error>` when it is invalid. Used by printers and describe.
 */
export function formatLabelSelector(obj: unknown): string {
  let s: string;
  try {
    s = labelSelectorFromObject(obj).toString();
  } catch {
    return '<error>';
  }
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: `k=v` pairs sorted and comma-joined, `<none>` for an empty map. */
export function formatLabels(set: Readonly<Record<string, string>> | undefined | null): string {
  const pairs = Object.entries(set ?? {}).map(([k, v]) => `${k}=${v}`);
  pairs.sort(compareStrings);
  return pairs.length ? pairs.join(',') : '<none>';
}
