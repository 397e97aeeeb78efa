/**
 * Parser for Kubernetes' JSONPath template dialect (client-go util/jsonpath): literal text with
 * `{…}` actions. Inside an action: `.field` (dots in names escaped as `\.`), `['key']` (same
 * escaping rule applies inside the quotes), `[n]`, `[-1]`, `[a:b:c]`, `[*]`, unions `[a,b]`,
 * `..` recursive descent, `*` wildcard, filters `[?(@.x==1)]` with ==, !=, <, <=, >, >= or a
 * bare `[?(@.x)]` existence test (there is no && / ||), quoted strings, numbers, true/false and
 * the keywords `range` / `end`.
 *
 * The grammar and its error texts follow upstream so that CRD column validation and
 * `kubectl -o jsonpath` report the same problems.
 */

export interface SliceParam {
  value: number;
  known: boolean;
  /** The end of a single index `[i]`, derived as i+1. */
  derived: boolean;
}

export interface ListNode {
  readonly type: 'list';
  readonly nodes: JsonPathNode[];
}

export type JsonPathNode =
  | ListNode
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'field'; readonly name: string }
  | { readonly type: 'identifier'; readonly name: string }
  | { readonly type: 'array'; readonly params: readonly [SliceParam, SliceParam, SliceParam] }
  | { readonly type: 'filter'; readonly left: ListNode; readonly right: ListNode; readonly operator: string }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'wildcard' }
  | { readonly type: 'recursive' }
  | { readonly type: 'union'; readonly nodes: readonly ListNode[] };

/** A template that failed to parse or evaluate; the message is upstream's. */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

const EOF = '';

function newList(): ListNode {
  return { type: 'list', nodes: [] };
}

function isSpace(r: string): boolean {
  return r === ' ' || r === '\t';
}

function isEndOfLine(r: string): boolean {
  return r === '\r' || r === '\n';
}

function isTerminator(r: string): boolean {
  if (isSpace(r) || isEndOfLine(r)) return true;
  switch (r) {
    case EOF:
    case '.':
    case ',':
    case '[':
    case ']':
    case '$':
    case '@':
    case '{':
    case '}':
      return true;
  }
  return false;
}

function isDigit(r: string): boolean {
  return r !== EOF && /^\p{Nd}$/u.test(r);
}

function isAlphaNumeric(r: string): boolean {
  return r === '_' || (r !== EOF && /^[\p{L}\p{Nd}]$/u.test(r));
}

/** Go's %#U: `U+0026 '&'`. */
function goRuneU(r: string): string {
  const cp = r.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(r) ? `U+${hex} '${r}'` : `U+${hex}`;
}

const SLICE_RE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const DICT_KEY_RE = /^'([^']*)'$/;
const FILTER_RE = /^([^!<>=]+)([!<>=]+)(.+?)$/;

class Parser {
  readonly #input: string;
  #pos = 0;
  #start = 0;
  #width = 0;
  readonly root: ListNode = newList();

  constructor(input: string) {
    this.#input = input;
  }

  #consumeText(): string {
    const v = this.#input.slice(this.#start, this.#pos);
    this.#start = this.#pos;
    return v;
  }

  #next(): string {
    if (this.#pos >= this.#input.length) {
      this.#width = 0;
      return EOF;
    }
    const cp = this.#input.codePointAt(this.#pos) ?? 0;
    const r = String.fromCodePoint(cp);
    this.#width = r.length;
    this.#pos += r.length;
    return r;
  }

  #peek(): string {
    const r = this.#next();
    this.#backup();
    return r;
  }

  #backup(): void {
    this.#pos -= this.#width;
  }

  #startsWith(prefix: string): boolean {
    return this.#input.startsWith(prefix, this.#pos);
  }

  parse(): ListNode {
    // Alternates literal text and actions until the end of the input.
    for (;;) {
      const open = this.#input.indexOf('{', this.#pos);
      if (open < 0) {
        this.#pos = this.#input.length;
        if (this.#pos > this.#start) this.root.nodes.push({ type: 'text', text: this.#consumeText() });
        return this.root;
      }
      this.#pos = open;
      if (this.#pos > this.#start) this.root.nodes.push({ type: 'text', text: this.#consumeText() });
      this.#pos += 1;
      this.#consumeText();
      const action = newList();
      this.root.nodes.push(action);
      this.#parseInsideAction(action);
    }
  }

  /** Parses one action up to and including its closing `}`. */
  #parseInsideAction(cur: ListNode): void {
    for (;;) {
      if (this.#startsWith('}')) {
        this.#pos += 1;
        this.#consumeText();
        return;
      }
      if (this.#startsWith('[?(')) {
        this.#parseFilter(cur);
        continue;
      }
      if (this.#startsWith('..')) {
        this.#parseRecursive(cur);
        continue;
      }
      const r = this.#next();
      if (r === EOF || isEndOfLine(r)) throw new JsonPathError('unclosed action');
      if (r === ' ' || r === '@' || r === '$') {
        this.#consumeText();
      } else if (r === '[') {
        this.#parseArray(cur);
      } else if (r === '"' || r === "'") {
        this.#parseQuote(cur, r);
      } else if (r === '.') {
        this.#parseField(cur);
      } else if (r === '+' || r === '-' || isDigit(r)) {
        this.#backup();
        this.#parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.#backup();
        this.#parseIdentifier(cur);
      } else {
        throw new JsonPathError(`unrecognized character in action: ${goRuneU(r)}`);
      }
    }
  }

  #parseIdentifier(cur: ListNode): void {
    for (;;) {
      const r = this.#next();
      if (isTerminator(r)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ type: 'bool', value: value === 'true' });
    else cur.nodes.push({ type: 'identifier', name: value });
  }

  #parseRecursive(cur: ListNode): void {
    const last = cur.nodes[cur.nodes.length - 1];
    if (last && last.type === 'recursive') throw new JsonPathError('invalid multiple recursive descent');
    this.#pos += 2;
    this.#consumeText();
    cur.nodes.push({ type: 'recursive' });
    if (isAlphaNumeric(this.#peek())) this.#parseField(cur);
  }

  #parseNumber(cur: ListNode): void {
    const first = this.#peek();
    if (first === '+' || first === '-') this.#next();
    for (;;) {
      const r = this.#next();
      if (r !== '.' && !isDigit(r)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consumeText();
    if (/^[+-]?[0-9]+$/.test(value) && Number.isSafeInteger(Number(value))) {
      cur.nodes.push({ type: 'int', value: Number(value) });
      return;
    }
    if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(value)) {
      cur.nodes.push({ type: 'float', value: Number(value) });
      return;
    }
    throw new JsonPathError(`cannot parse number ${value}`);
  }

  #parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === '\n') throw new JsonPathError('unterminated array');
      if (r === ']') break;
    }
    let text = this.#consumeText();
    text = text.slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      const union: ListNode[] = parts.map((p) => parseAction(`[${p.replace(/^ +| +$/g, '')}]`));
      cur.nodes.push({ type: 'union', nodes: union });
      return;
    }

    const dict = DICT_KEY_RE.exec(text);
    if (dict) {
      for (const n of parseAction(`.${dict[1]}`).nodes) cur.nodes.push(n);
      return;
    }

    const m = SLICE_RE.exec(text);
    if (!m) throw new JsonPathError(`invalid array index ${text}`);
    const groups = [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
    const params: [SliceParam, SliceParam, SliceParam] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let g = groups[i];
      if (g !== '') {
        if (i > 0) g = g.slice(1);
        if (i > 0 && g === '') {
          params[i].known = false;
        } else {
          if (!/^[+-]?[0-9]+$/.test(g)) throw new JsonPathError(`array index ${g} is not a number`);
          params[i].known = true;
          params[i].value = Number(g);
        }
      } else if (i === 1) {
        params[i] = { known: true, value: params[0].value + 1, derived: true };
      }
    }
    cur.nodes.push({ type: 'array', params });
  }

  #parseFilter(cur: ListNode): void {
    this.#pos += 3;
    this.#consumeText();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === '\n') throw new JsonPathError('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.#input[this.#pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')') {
        if (begin === end) break;
      }
    }
    if (this.#next() !== ']') throw new JsonPathError('unclosed array expect ]');
    let text = this.#consumeText();
    text = text.slice(0, -2);
    const m = FILTER_RE.exec(text);
    if (!m) {
      cur.nodes.push({ type: 'filter', left: parseAction(text), right: newList(), operator: 'exists' });
      return;
    }
    cur.nodes.push({ type: 'filter', left: parseAction(m[1]), right: parseAction(m[3]), operator: m[2] });
  }

  #parseQuote(cur: ListNode, quote: string): void {
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === '\n') throw new JsonPathError('unterminated quoted string');
      if (r === quote && this.#input[this.#pos - 2] !== '\\') break;
    }
    const value = this.#consumeText();
    const s = unquoteExtend(value);
    if (s === undefined) throw new JsonPathError(`unquote string ${value} error invalid syntax`);
    cur.nodes.push({ type: 'text', text: s });
  }

  #parseField(cur: ListNode): void {
    this.#consumeText();
    for (;;) {
      const r = this.#next();
      if (r === '\\') {
        this.#next();
        continue;
      }
      if (isTerminator(r)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consumeText();
    if (value === '*') cur.nodes.push({ type: 'wildcard' });
    else cur.nodes.push({ type: 'field', name: value.replaceAll('\\', '') });
  }
}

/** Parses `text` as the inside of one action (`{text}`) and returns that action's list. */
function parseAction(text: string): ListNode {
  const root = new Parser(`{${text}}`).parse();
  const first = root.nodes[0];
  if (!first || first.type !== 'list') throw new JsonPathError('unclosed action');
  return first;
}

/**
 * strconv.Unquote extended to single-quoted strings of any length (upstream's UnquoteExtend);
 * undefined on a syntax error.
 */
function unquoteExtend(s: string): string | undefined {
  if (s.length < 2) return undefined;
  const quote = s[0];
  if (quote !== s[s.length - 1] || (quote !== '"' && quote !== "'")) return undefined;
  const body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  let out = '';
  let i = 0;
  const hexAt = (n: number): number | undefined => {
    const h = body.slice(i, i + n);
    if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) return undefined;
    i += n;
    return parseInt(h, 16);
  };
  while (i < body.length) {
    const c = body[i];
    if (c === quote) return undefined;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
      case '"':
        if (e !== quote) return undefined;
        out += e;
        break;
      case 'x': {
        const v = hexAt(2);
        if (v === undefined) return undefined;
        out += String.fromCharCode(v);
        break;
      }
      case 'u':
      case 'U': {
        const v = hexAt(e === 'u' ? 4 : 8);
        if (v === undefined || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
        out += String.fromCodePoint(v);
        break;
      }
      default: {
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = body.slice(i - 1, i + 2);
          if (!/^[0-7]{3}$/.test(oct)) return undefined;
          const v = parseInt(oct, 8);
          if (v > 255) return undefined;
          out += String.fromCharCode(v);
          i += 2;
          break;
        }
        return undefined;
      }
    }
  }
  return out;
}

/** Parses a whole template (text and `{…}` actions). Throws JsonPathError. */
export function parseJsonPathTemplate(template: string): ListNode {
  return new Parser(template).parse();
}
