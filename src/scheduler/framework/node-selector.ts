/**
 * Node selection by labels and fields, as component-helpers' nodeaffinity package:
 *  - `spec.nodeSelector`: every key=value must be on the node;
 *  - required node affinity: terms are ORed, the requirements of a term ANDed; a term with no
 *    requirements, or with an invalid one, matches nothing;
 *  - matchFields supports only `metadata.name` with In / NotIn and one value;
 *  - preferred terms add their weight when they match (empty terms and weight 0 are dropped).
 */
import { isJsonObject } from '../../api/object.js';

type Labels = Readonly<Record<string, string>>;

interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
  /** Gt / Lt bound. */
  readonly bound?: bigint;
}

const INT64 = /^[+-]?[0-9]+$/;

function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const v = BigInt(s);
  return v > 9223372036854775807n || v < -9223372036854775808n ? undefined : v;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function parseLabelRequirement(r: unknown): Requirement | undefined {
  if (!isJsonObject(r) || typeof r.key !== 'string') return undefined;
  const values = strings(r.values);
  const op = typeof r.operator === 'string' ? r.operator : '';
  switch (op) {
    case 'In':
    case 'NotIn':
      return values.length > 0 ? { key: r.key, operator: op, values } : undefined;
    case 'Exists':
    case 'DoesNotExist':
      return values.length === 0 ? { key: r.key, operator: op, values } : undefined;
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInt64(values[0]) : undefined;
      return bound === undefined ? undefined : { key: r.key, operator: op, values, bound };
    }
    default:
      return undefined;
  }
}

function parseFieldRequirement(r: unknown): Requirement | undefined {
  if (!isJsonObject(r) || r.key !== 'metadata.name') return undefined;
  const values = strings(r.values);
  if ((r.operator !== 'In' && r.operator !== 'NotIn') || values.length !== 1) return undefined;
  return { key: r.key, operator: r.operator, values };
}

function labelMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(labels[r.key]);
    case 'NotIn':
      return !has || !r.values.includes(labels[r.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || r.bound === undefined) return false;
      const v = parseInt64(labels[r.key]);
      if (v === undefined) return false;
      return r.operator === 'Gt' ? v > r.bound : v < r.bound;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm. */
export class NodeSelectorTerm {
  readonly #labels: readonly Requirement[];
  readonly #fields: readonly Requirement[];
  readonly #valid: boolean;

  constructor(term: unknown) {
    const t = isJsonObject(term) ? term : {};
    const exprs = Array.isArray(t.matchExpressions) ? t.matchExpressions : [];
    const fields = Array.isArray(t.matchFields) ? t.matchFields : [];
    const labels: Requirement[] = [];
    const fieldReqs: Requirement[] = [];
    let valid = exprs.length + fields.length > 0;
    for (const e of exprs) {
      const r = parseLabelRequirement(e);
      if (r) labels.push(r);
      else valid = false;
    }
    for (const f of fields) {
      const r = parseFieldRequirement(f);
      if (r) fieldReqs.push(r);
      else valid = false;
    }
    this.#labels = labels;
    this.#fields = fieldReqs;
    this.#valid = valid;
  }

  /** True when the term has no requirement at all (matches nothing). */
  get isEmpty(): boolean {
    return this.#labels.length + this.#fields.length === 0;
  }

  /** The node names an `metadata.name In` field requirement restricts the term to, if any. */
  nodeNames(): Set<string> | undefined {
    let names: Set<string> | undefined;
    for (const f of this.#fields) {
      if (f.operator !== 'In') continue;
      const s = new Set(f.values);
      names = names ? new Set([...names].filter((n) => s.has(n))) : s;
    }
    return names;
  }

  matches(labels: Labels, nodeName: string): boolean {
    if (!this.#valid) return false;
    for (const r of this.#labels) if (!labelMatches(r, labels)) return false;
    for (const f of this.#fields) {
      const hit = f.values[0] === nodeName;
      if (f.operator === 'In' ? !hit : hit) return false;
    }
    return true;
  }
}

/** GetRequiredNodeAffinity: nodeSelector plus required node affinity terms. */
export class RequiredNodeAffinity {
  readonly #selector: ReadonlyArray<readonly [string, string]> | undefined;
  readonly #terms: readonly NodeSelectorTerm[] | undefined;

  constructor(spec: unknown) {
    const s = isJsonObject(spec) ? spec : {};
    if (isJsonObject(s.nodeSelector)) {
      const entries = Object.entries(s.nodeSelector).filter((e): e is [string, string] => typeof e[1] === 'string');
      this.#selector = entries.length > 0 ? entries : undefined;
    }
    const required = requiredNodeSelector(s);
    if (required) {
      const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
      this.#terms = terms.map((t) => new NodeSelectorTerm(t));
    }
  }

  /** True when the pod constrains nodes at all. */
  get isEmpty(): boolean {
    return this.#selector === undefined && this.#terms === undefined;
  }

  get terms(): readonly NodeSelectorTerm[] | undefined {
    return this.#terms;
  }

  match(labels: Labels, nodeName: string): boolean {
    if (this.#selector) for (const [k, v] of this.#selector) if (labels[k] !== v) return false;
    if (this.#terms === undefined) return true;
    for (const t of this.#terms) if (t.matches(labels, nodeName)) return true;
    return false;
  }
}

function requiredNodeSelector(spec: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined {
  const affinity = spec.affinity;
  if (!isJsonObject(affinity) || !isJsonObject(affinity.nodeAffinity)) return undefined;
  const req = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  return isJsonObject(req) ? req : undefined;
}

/** PreferredSchedulingTerms: the sum of the weights of the terms a node matches. */
export class PreferredSchedulingTerms {
  readonly #terms: ReadonlyArray<{ weight: number; term: NodeSelectorTerm }>;

  constructor(spec: unknown) {
    const s = isJsonObject(spec) ? spec : {};
    const affinity = isJsonObject(s.affinity) ? s.affinity : undefined;
    const na = affinity && isJsonObject(affinity.nodeAffinity) ? affinity.nodeAffinity : undefined;
    const list = na && Array.isArray(na.preferredDuringSchedulingIgnoredDuringExecution) ? na.preferredDuringSchedulingIgnoredDuringExecution : [];
    const terms: { weight: number; term: NodeSelectorTerm }[] = [];
    for (const p of list) {
      if (!isJsonObject(p) || typeof p.weight !== 'number' || p.weight === 0) continue;
      const term = new NodeSelectorTerm(p.preference);
      if (term.isEmpty) continue;
      terms.push({ weight: p.weight, term });
    }
    this.#terms = terms;
  }

  get isEmpty(): boolean {
    return this.#terms.length === 0;
  }

  score(labels: Labels, nodeName: string): number {
    let sum = 0;
    for (const { weight, term } of this.#terms) if (term.matches(labels, nodeName)) sum += weight;
    return sum;
  }
}
