/**
 * Evaluation of Kubernetes JSONPath templates over decoded JSON (client-go util/jsonpath
 * semantics): what CRD additionalPrinterColumns, CRD selectableFields and `kubectl -o jsonpath`
 * compute.
 *
 * Result shape, as upstream's FindResults: one group per top-level template element (a literal
 * text gives a one-string group, an action gives its matches); `{range X}…{end}` expands its
 * body once per match of X, with `@`/`$` inside the body referring to the current item.
 *
 * Missing keys are errors unless `allowMissingKeys` is set (CRD columns and kubectl set it).
 * Map members are visited in sorted key order so output is deterministic.
 */
import { goKind, goText, goTypeName, goValue } from '../go/go-format.js';
import type { GoKind } from '../go/go-format.js';
import { JsonPathError, parseJsonPathTemplate } from './parser.js';
import type { JsonPathNode, ListNode, SliceParam } from './parser.js';

export interface JsonPathOptions {
  /** Missing fields yield no result instead of an error (default false, as upstream). */
  readonly allowMissingKeys?: boolean;
}

export interface JsonPath {
  /** The template as given. */
  readonly template: string;
  /** Upstream's FindResults: one array of matches per top-level template element. */
  findResults(data: unknown): unknown[][];
  /** All matches, flattened in order. */
  evaluate(data: unknown): unknown[];
  /** Upstream's Execute: the template rendered to text. */
  execute(data: unknown): string;
}

/**
 * Compiles a template such as `{.status.conditions[?(@.type=="Ready")].status}` or
 * `{range .items[*]}{.metadata.name}{"\n"}{end}`. A bare path (`.spec.replicas`) is literal text;
 * wrap it in braces, or use relaxedJsonPathExpression. Throws JsonPathError on bad syntax.
 */
export function compileJsonPath(template: string, options: JsonPathOptions = {}): JsonPath {
  const root = parseJsonPathTemplate(template);
  const allowMissingKeys = options.allowMissingKeys ?? false;
  const findResults = (data: unknown) => new Evaluator(allowMissingKeys).run(root.nodes, data);
  return {
    template,
    findResults,
    evaluate: (data) => findResults(data).flat(),
    execute: (data) =>
      findResults(data)
        .map((group) => printResults(group))
        .join(''),
  };
}

/** Upstream's PrintResults for one group: containers as JSON, scalars as Go prints them, space-separated. */
export function printResults(values: readonly unknown[]): string {
  return values.map(goText).join(' ');
}

const RELAXED_RE = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/**
 * kubectl's RelaxedJSONPathExpression: accepts `a.b`, `.a.b`, `{a.b}` or `{.a.b}` and returns
 * `{.a.b}`; the empty string stays empty. Throws JsonPathError otherwise.
 */
export function relaxedJsonPathExpression(expr: string): string {
  if (expr === '') return expr;
  const m = RELAXED_RE.exec(expr);
  if (!m) {
    throw new JsonPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  }
  return `{.${m[1] ?? m[2]}}`;
}

interface RangeMarks {
  begin: number;
  end: number;
}

function isNil(v: unknown): boolean {
  return v === null || v === undefined;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return goKind(v) === 'map';
}

function sortedMembers(o: Record<string, unknown>): unknown[] {
  return Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => o[k]);
}

/** Children visited by `*` and `..`: map members, array elements, or a string's UTF-8 bytes. */
function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return [...v];
  if (isMap(v)) return sortedMembers(v);
  if (typeof v === 'string') return [...Buffer.from(v, 'utf8')];
  return [];
}

class Evaluator {
  readonly #allowMissingKeys: boolean;
  #depth = 0;

  constructor(allowMissingKeys: boolean) {
    this.#allowMissingKeys = allowMissingKeys;
  }

  run(nodes: readonly JsonPathNode[], data: unknown): unknown[][] {
    return this.#sequence(nodes, 0, data).results;
  }

  /**
   * Evaluates top-level elements from `start`; inside a range body it stops at the matching
   * `{end}` and reports where that was.
   */
  #sequence(nodes: readonly JsonPathNode[], start: number, data: unknown): { results: unknown[][]; endIndex: number } {
    const results: unknown[][] = [];
    for (let i = start; i < nodes.length; i++) {
      const marks: RangeMarks = { begin: 0, end: 0 };
      const values = this.#walk([data], nodes[i], marks);
      if (marks.end > 0) return { results, endIndex: i };
      if (marks.begin > 0) {
        this.#depth++;
        let endIndex = nodes.length;
        try {
          if (values.length > 0) {
            for (const v of values) {
              const inner = this.#sequence(nodes, i + 1, v);
              results.push(...inner.results);
              endIndex = inner.endIndex;
            }
          } else {
            // Walk the body once anyway (upstream does, with no data) to find its end.
            endIndex = this.#sequence(nodes, i + 1, null).endIndex;
          }
        } finally {
          this.#depth--;
        }
        i = endIndex;
        continue;
      }
      results.push(values);
    }
    return { results, endIndex: nodes.length };
  }

  #walk(input: unknown[], node: JsonPathNode, marks: RangeMarks): unknown[] {
    switch (node.type) {
      case 'list': {
        let cur = input;
        for (const n of node.nodes) cur = this.#walk(cur, n, marks);
        return cur;
      }
      case 'text':
        return [node.text];
      case 'field':
        return this.#field(input, node.name);
      case 'array':
        return this.#array(input, node.params);
      case 'filter':
        return this.#filter(input, node.left, node.right, node.operator);
      case 'int':
      case 'float':
      case 'bool':
        return input.map(() => node.value);
      case 'wildcard':
        return input.flatMap((v) => (isNil(v) ? [] : children(v)));
      case 'recursive':
        return this.#recursive(input);
      case 'union':
        return node.nodes.flatMap((l) => this.#walk(input, l, marks));
      case 'identifier':
        if (node.name === 'range') {
          marks.begin++;
          return input;
        }
        if (node.name === 'end') {
          if (this.#depth > 0) {
            marks.end++;
            return [];
          }
          throw new JsonPathError('not in range, nothing to end');
        }
        throw new JsonPathError(`unrecognized identifier ${node.name}`);
    }
  }

  #field(input: unknown[], name: string): unknown[] {
    if (input.length === 0) return [];
    const out: unknown[] = [];
    for (const v of input) {
      if (isMap(v) && Object.prototype.hasOwnProperty.call(v, name) && v[name] !== undefined) out.push(v[name]);
    }
    if (out.length === 0 && !this.#allowMissingKeys) throw new JsonPathError(`${name} is not found`);
    return out;
  }

  #array(input: unknown[], params: readonly [SliceParam, SliceParam, SliceParam]): unknown[] {
    const out: unknown[] = [];
    for (const v of input) {
      if (isNil(v)) continue;
      if (!Array.isArray(v)) throw new JsonPathError(`${goTypeName(v)} is not array or slice`);
      const len = v.length;
      const p = params.map((x) => ({ ...x }));
      if (!p[0].known) p[0].value = 0;
      if (p[0].value < 0) p[0].value += len;
      if (!p[1].known) p[1].value = len;
      if (p[1].value < 0 || (p[1].value === 0 && p[1].derived)) p[1].value += len;
      if (p[1].value === p[0].value) return out;
      if (p[0].value >= len || p[0].value < 0) throw new JsonPathError(`array index out of bounds: index ${p[0].value}, length ${len}`);
      if (p[1].value > len || p[1].value < 0) throw new JsonPathError(`array index out of bounds: index ${p[1].value - 1}, length ${len}`);
      if (p[0].value > p[1].value) throw new JsonPathError(`starting index ${p[0].value} is greater than ending index ${p[1].value}`);
      let step = 1;
      if (p[2].known) {
        if (p[2].value <= 0) throw new JsonPathError('step must be > 0');
        step = p[2].value;
      }
      for (let i = p[0].value; i < p[1].value; i += step) out.push(v[i]);
    }
    return out;
  }

  #recursive(input: unknown[]): unknown[] {
    const out: unknown[] = [];
    // Depth-first, containers before their descendants; bounded by the data's own depth.
    const visit = (values: unknown[]) => {
      for (const v of values) {
        if (isNil(v)) continue;
        const kids = children(v);
        if (kids.length === 0) continue;
        out.push(v);
        visit(kids);
      }
    };
    visit(input);
    return out;
  }

  #filter(input: unknown[], left: ListNode, right: ListNode, operator: string): unknown[] {
    const out: unknown[] = [];
    for (const v of input) {
      if (!Array.isArray(v)) throw new JsonPathError(`${goValue(v)} is not array or slice and cannot be filtered`);
      for (const item of v) {
        const noMarks: RangeMarks = { begin: 0, end: 0 };
        let lefts: unknown[];
        try {
          lefts = this.#walk([item], left, noMarks);
        } catch (e) {
          if (operator === 'exists') continue;
          throw e;
        }
        if (operator === 'exists') {
          if (lefts.length > 0) out.push(item);
          continue;
        }
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time');
        const rights = this.#walk([item], right, noMarks);
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new JsonPathError('can only compare one element at a time');
        if (compare(operator, lefts[0], rights[0])) out.push(item);
      }
    }
    return out;
  }
}

type Comparable = Exclude<GoKind, 'nil' | 'map' | 'slice'>;

function comparableKind(v: unknown): Comparable {
  const k = goKind(v);
  if (k === 'nil' || k === 'map' || k === 'slice') throw new JsonPathError('invalid type for comparison');
  return k;
}

function equal(a: unknown, b: unknown): boolean {
  const ka = comparableKind(a);
  const kb = comparableKind(b);
  if (ka !== kb) throw new JsonPathError('incompatible types for comparison');
  return a === b;
}

function less(a: unknown, b: unknown): boolean {
  const ka = comparableKind(a);
  const kb = comparableKind(b);
  if (ka !== kb) throw new JsonPathError('incompatible types for comparison');
  if (ka === 'bool') throw new JsonPathError('invalid type for comparison');
  return (a as number | string) < (b as number | string);
}

/** The Go text/template comparison functions upstream uses, with their type rules. */
function compare(operator: string, a: unknown, b: unknown): boolean {
  switch (operator) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return less(a, b);
    case '<=':
      return less(a, b) || equal(a, b);
    case '>':
      return !(less(a, b) || equal(a, b));
    case '>=':
      return !less(a, b);
    default:
      throw new JsonPathError(`unrecognized filter operator ${operator}`);
  }
}
