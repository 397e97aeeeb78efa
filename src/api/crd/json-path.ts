/**
 * A JSONPath evaluator for the expressions CRDs use in additionalPrinterColumns, in the dialect
 * of client-go's jsonpath package (the template is `{<path>}`; missing keys yield no result):
 *
 *   .spec.size  ['a.b']  [0]  [-1]  [1:3]  [*]  .*  ..name
 *   [?(@.type=="Ready")]  [?(@.count > 2)]  [?(@.optional)]
 */
import { isJsonObject, jsonEqual, type JsonValue } from '../object.js';

type Step =
  | { readonly t: 'field'; readonly name: string }
  | { readonly t: 'wildcard' }
  | { readonly t: 'recursive'; readonly name: string | undefined }
  | { readonly t: 'index'; readonly index: number }
  | { readonly t: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  | { readonly t: 'filter'; readonly left: Step[]; readonly op: string; readonly right?: Operand };

type Operand = { readonly literal: JsonValue } | { readonly path: Step[] };

export interface JsonPath {
  /** Every value the path selects, in document order. */
  find(root: JsonValue): JsonValue[];
}

export class JsonPathError extends Error {}

/** Parses a path such as `.status.conditions[?(@.type=="Ready")].status`; surrounding braces are optional. */
export function parseJsonPath(expr: string): JsonPath {
  let src = expr.trim();
  if (src.startsWith('{') && src.endsWith('}')) src = src.slice(1, -1).trim();
  const steps = parseSteps(src, { pos: 0 }, false);
  return { find: (root) => evaluate(steps, [root]) };
}

interface Cursor {
  pos: number;
}

function parseSteps(src: string, c: Cursor, inFilter: boolean): Step[] {
  const steps: Step[] = [];
  if (src[c.pos] === '$' || (inFilter && src[c.pos] === '@')) c.pos++;
  while (c.pos < src.length) {
    const ch = src[c.pos];
    if (inFilter && (ch === ' ' || ch === ')' || '=!<>'.includes(ch))) break;
    if (ch === '.') {
      if (src[c.pos + 1] === '.') {
        c.pos += 2;
        const name = readName(src, c);
        steps.push({ t: 'recursive', name: name === '*' || name === '' ? undefined : name });
        continue;
      }
      c.pos++;
      if (c.pos >= src.length) break;
      if (src[c.pos] === '[') continue;
      const name = readName(src, c);
      if (name === '*') steps.push({ t: 'wildcard' });
      else if (name !== '') steps.push({ t: 'field', name });
      continue;
    }
    if (ch === '[') {
      steps.push(parseBracket(src, c));
      continue;
    }
    if (!inFilter && steps.length === 0) {
      const name = readName(src, c);
      if (name === '') throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(ch)}`);
      steps.push({ t: 'field', name });
      continue;
    }
    throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(ch)}`);
  }
  return steps;
}

function readName(src: string, c: Cursor): string {
  const start = c.pos;
  while (c.pos < src.length && !'.[]()= !<>'.includes(src[c.pos])) c.pos++;
  return src.slice(start, c.pos);
}

function parseBracket(src: string, c: Cursor): Step {
  c.pos++; // [
  const close = findClose(src, c.pos);
  const body = src.slice(c.pos, close).trim();
  c.pos = close + 1;
  if (body === '*') return { t: 'wildcard' };
  if (body.startsWith("'") || body.startsWith('"')) return { t: 'field', name: unquote(body) };
  if (body.startsWith('?(') && body.endsWith(')')) return parseFilter(body.slice(2, -1).trim());
  if (body.includes(':')) {
    const [a, b, s] = body.split(':').map((x) => x.trim());
    const num = (x: string | undefined): number | undefined => (x === undefined || x === '' ? undefined : parseIntStrict(x));
    return { t: 'slice', start: num(a), end: num(b), step: num(s) };
  }
  return { t: 'index', index: parseIntStrict(body) };
}

function findClose(src: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < src.length; i++) {
    const ch = src[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new JsonPathError('unterminated array');
}

function parseIntStrict(s: string): number {
  if (!/^-?\d+$/.test(s)) throw new JsonPathError(`invalid array index ${s}`);
  return Number(s);
}

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, '$1');
}

function parseFilter(body: string): Step {
  const c: Cursor = { pos: 0 };
  const left = parseSteps(body, c, true);
  const rest = body.slice(c.pos).trim();
  if (rest === '') return { t: 'filter', left, op: 'exists' };
  const m = /^(==|!=|<=|>=|<|>)\s*(.*)$/.exec(rest);
  if (!m) throw new JsonPathError(`unrecognized filter: ${body}`);
  const rhs = m[2].trim();
  let right: Operand;
  if (rhs.startsWith('"') || rhs.startsWith("'")) right = { literal: unquote(rhs) };
  else if (rhs === 'true' || rhs === 'false') right = { literal: rhs === 'true' };
  else if (/^-?\d+(\.\d+)?$/.test(rhs)) right = { literal: Number(rhs) };
  else if (rhs.startsWith('@') || rhs.startsWith('$')) right = { path: parseSteps(rhs, { pos: 0 }, true) };
  else right = { literal: rhs };
  return { t: 'filter', left, op: m[1], right };
}

function children(v: JsonValue): JsonValue[] {
  if (Array.isArray(v)) return v;
  if (isJsonObject(v)) return Object.keys(v).flatMap((k) => (v[k] === undefined ? [] : [v[k] as JsonValue]));
  return [];
}

function evaluate(steps: readonly Step[], input: JsonValue[]): JsonValue[] {
  let cur = input;
  for (const step of steps) {
    const next: JsonValue[] = [];
    for (const v of cur) next.push(...apply(step, v));
    cur = next;
  }
  return cur;
}

function apply(step: Step, v: JsonValue): JsonValue[] {
  switch (step.t) {
    case 'field':
      return isJsonObject(v) && v[step.name] !== undefined ? [v[step.name] as JsonValue] : [];
    case 'wildcard':
      return children(v);
    case 'recursive': {
      const out: JsonValue[] = [];
      const walk = (x: JsonValue): void => {
        if (step.name === undefined) out.push(...children(x));
        else if (isJsonObject(x) && x[step.name] !== undefined) out.push(x[step.name] as JsonValue);
        for (const c of children(x)) walk(c);
      };
      walk(v);
      return out;
    }
    case 'index': {
      if (!Array.isArray(v)) return [];
      const i = step.index < 0 ? v.length + step.index : step.index;
      return i >= 0 && i < v.length ? [v[i]] : [];
    }
    case 'slice': {
      if (!Array.isArray(v)) return [];
      const norm = (x: number | undefined, dflt: number): number => {
        if (x === undefined) return dflt;
        const n = x < 0 ? v.length + x : x;
        return Math.min(Math.max(n, 0), v.length);
      };
      const start = norm(step.start, 0);
      const end = norm(step.end, v.length);
      const by = step.step && step.step > 0 ? step.step : 1;
      const out: JsonValue[] = [];
      for (let i = start; i < end; i += by) out.push(v[i]);
      return out;
    }
    case 'filter': {
      const items = Array.isArray(v) ? v : [];
      return items.filter((item) => {
        const lefts = evaluate(step.left, [item]);
        if (step.op === 'exists') return lefts.length > 0;
        if (lefts.length === 0) return false;
        const right = step.right;
        if (right === undefined) return false;
        const rights = 'path' in right ? evaluate(right.path, [item]) : [right.literal];
        if (rights.length === 0) return false;
        return compare(lefts[0], step.op, rights[0]);
      });
    }
  }
}

function compare(a: JsonValue, op: string, b: JsonValue): boolean {
  switch (op) {
    case '==':
      return jsonEqual(a, b);
    case '!=':
      return !jsonEqual(a, b);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    if (op === '<') return a < b;
    if (op === '>') return a > b;
    if (op === '<=') return a <= b;
    return a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (op === '<') return a < b;
    if (op === '>') return a > b;
    if (op === '<=') return a <= b;
    return a >= b;
  }
  return false;
}
