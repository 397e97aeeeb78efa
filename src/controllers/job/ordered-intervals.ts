/**
 * Sets of completion indexes as ordered, non-overlapping, non-adjacent intervals — the form of
 * `status.completedIndexes` / `status.failedIndexes` ("1,3-5,7"). Same formatting as upstream:
 * a two-element interval prints as "a,b", longer ones as "a-b".
 */
export interface Interval {
  readonly first: number;
  readonly last: number;
}

export type OrderedIntervals = readonly Interval[];

/**
 * Parses a compressed list, keeping indexes below `completions` (upstream
 * parseIndexesFromString: malformed fragments are skipped, adjacent intervals merged).
 */
export function parseIntervals(s: string | undefined, completions: number): Interval[] {
  if (!s) return [];
  const out: Interval[] = [];
  for (const part of s.split(',')) {
    const limits = part.split('-');
    if (!/^[+-]?\d+$/.test(limits[0])) continue;
    const first = Number.parseInt(limits[0], 10);
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      if (!/^[+-]?\d+$/.test(limits[1])) continue;
      last = Math.min(Number.parseInt(limits[1], 10), completions - 1);
    }
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) out[out.length - 1] = { first: prev.first, last };
    else out.push({ first, last });
  }
  return out;
}

/** The union of two interval lists (each ordered). */
export function mergeIntervals(a: OrderedIntervals, b: OrderedIntervals): Interval[] {
  const out: Interval[] = [];
  const push = (iv: Interval) => {
    const prev = out[out.length - 1];
    if (!prev || iv.first > prev.last + 1) out.push(iv);
    else if (prev.last < iv.last) out[out.length - 1] = { first: prev.first, last: iv.last };
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) push(a[i].first < b[j].first ? a[i++] : b[j++]);
  while (i < a.length) push(a[i++]);
  while (j < b.length) push(b[j++]);
  return out;
}

/** The union with a list of indexes given in increasing order. */
export function withIndexes(a: OrderedIntervals, sortedIndexes: readonly number[]): Interval[] {
  return mergeIntervals(
    a,
    sortedIndexes.map((x) => ({ first: x, last: x })),
  );
}

export function totalOf(a: OrderedIntervals | undefined): number {
  let n = 0;
  for (const iv of a ?? []) n += iv.last - iv.first + 1;
  return n;
}

export function hasIndex(a: OrderedIntervals | undefined, ix: number): boolean {
  if (!a) return false;
  let lo = 0;
  let hi = a.length;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    if (a[mid].last >= ix) hi = mid;
    else lo = mid + 1;
  }
  return hi < a.length && a[hi].first <= ix;
}

export function formatIntervals(a: OrderedIntervals): string {
  const parts: string[] = [];
  for (const iv of a) {
    if (iv.last === iv.first) parts.push(String(iv.first));
    else if (iv.last === iv.first + 1) parts.push(`${iv.first},${iv.last}`);
    else parts.push(`${iv.first}-${iv.last}`);
  }
  return parts.join(',');
}

/** Indexes in [0, completions) not in `taken`, the first `count` of them. */
export function firstIndexesNotIn(taken: OrderedIntervals, count: number, completions: number): number[] {
  const out: number[] = [];
  if (count <= 0) return out;
  let candidate = 0;
  for (const iv of taken) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}

/** Whether the succeeded indexes satisfy a successPolicy rule's index list / count. */
export function matchesIndexesRule(rule: OrderedIntervals, succeeded: OrderedIntervals, succeededCount: number | undefined): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  while (r < rule.length && s < succeeded.length) {
    const overlap = Math.min(rule[r].last, succeeded[s].last) - Math.max(rule[r].first, succeeded[s].first) + 1;
    if (overlap > 0) contains += overlap;
    if (succeeded[s].last < rule[r].last) s++;
    else if (succeeded[s].last > rule[r].last) r++;
    else {
      s++;
      r++;
    }
  }
  return contains === totalOf(rule) || (succeededCount !== undefined && contains >= succeededCount);
}
