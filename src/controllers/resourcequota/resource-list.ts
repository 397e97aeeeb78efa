/**
 * Resource lists (corev1.ResourceList: resource name → quantity) and the arithmetic quota needs,
 * with the semantics of apiserver's quota/v1 helpers (Add, SubtractWithNonNegativeResult, Mask,
 * LessThanOrEqual, RemoveZeros, Equals) and of resource.Quantity's Add: a sum that starts from
 * zero takes the format of what is added, so 128Mi + 128Mi prints "256Mi" and 500m + 500m "1".
 *
 * Values are exact (bigint nano-units, see api/schema/quantity.ts); lists are Maps, never mutated
 * by these functions.
 */
import { isJsonObject } from '../../api/object.js';
import { formatQuantity, readQuantity, type QuantityFormat } from '../../api/schema/quantity.js';

export interface QuotaQuantity {
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

export type ResourceList = ReadonlyMap<string, QuotaQuantity>;

const NANO = 1_000_000_000n;

export const ZERO: QuotaQuantity = { nanos: 0n, format: 'DecimalSI' };

/** An integer count (object counts, node ports). */
export function count(n: number): QuotaQuantity {
  return { nanos: BigInt(n) * NANO, format: 'DecimalSI' };
}

/** A ResourceList from JSON (`{cpu: "1", memory: "1Gi"}`); invalid members are skipped. */
export function parseResourceList(v: unknown): Map<string, QuotaQuantity> {
  const out = new Map<string, QuotaQuantity>();
  if (!isJsonObject(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const q = readQuantity(raw);
    if (q) out.set(k, { nanos: q.nanos, format: q.format });
  }
  return out;
}

/** Quantity.String() of a value. */
export function formatValue(q: QuotaQuantity): string {
  return formatQuantity(q);
}

/** The JSON form, keys sorted (as Go's encoder writes maps). */
export function toJson(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatValue(list.get(k) ?? ZERO);
  return out;
}

/** Quantity.Add: a zero receiver adopts the added value's format. */
export function addQuantity(a: QuotaQuantity, b: QuotaQuantity): QuotaQuantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** quota.Add: every key of both lists; shared keys summed. */
export function add(a: ResourceList, b: ResourceList): Map<string, QuotaQuantity> {
  const out = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? addQuantity(cur, v) : v);
  }
  return out;
}

/** Adds b into a in place (for accumulating sums). */
export function addInto(a: Map<string, QuotaQuantity>, b: ResourceList): void {
  for (const [k, v] of b) {
    const cur = a.get(k);
    a.set(k, cur ? addQuantity(cur, v) : v);
  }
}

/** quota.SubtractWithNonNegativeResult: a − b per key of a (floored at 0); keys only in b read 0. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): Map<string, QuotaQuantity> {
  const out = new Map<string, QuotaQuantity>();
  for (const [k, v] of a) {
    const other = b.get(k);
    const nanos = other ? v.nanos - other.nanos : v.nanos;
    out.set(k, nanos > 0n ? { nanos, format: v.nanos === 0n && other ? other.format : v.format } : ZERO);
  }
  for (const k of b.keys()) if (!out.has(k)) out.set(k, ZERO);
  return out;
}

/** quota.Mask: only the named keys. */
export function mask(list: ResourceList, names: Iterable<string>): Map<string, QuotaQuantity> {
  const out = new Map<string, QuotaQuantity>();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

export function removeZeros(list: ResourceList): Map<string, QuotaQuantity> {
  const out = new Map<string, QuotaQuantity>();
  for (const [k, v] of list) if (v.nanos !== 0n) out.set(k, v);
  return out;
}

/** Names with a negative value, sorted. */
export function negativeNames(list: ResourceList): string[] {
  return [...list].filter(([, v]) => v.nanos < 0n).map(([k]) => k).sort();
}

/** quota.LessThanOrEqual: the keys of a that b also has and a exceeds (sorted). */
export function exceeded(a: ResourceList, b: ResourceList): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const limit = b.get(k);
    if (limit && v.nanos > limit.nanos) out.push(k);
  }
  return out.sort();
}

/** quota.Equals: the same keys with equal values. */
export function equals(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || o.nanos !== v.nanos) return false;
  }
  return true;
}

/** The largest of each key (resourcehelper's maxResourceList), into `a`. */
export function maxInto(a: Map<string, QuotaQuantity>, b: ResourceList): void {
  for (const [k, v] of b) {
    const cur = a.get(k);
    if (!cur || v.nanos > cur.nanos) a.set(k, v);
  }
}

/** The admission error form: `k=v` pairs sorted by key, comma-joined (upstream prettyPrint). */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${formatValue(list.get(k) ?? ZERO)}`)
    .join(',');
}
