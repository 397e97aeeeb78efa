/** Taints and tolerations (core/v1 helper semantics). */
import { isJsonObject } from '../../api/object.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: TaintEffect;
}

export interface Toleration {
  readonly key: string;
  /** '' (Equal) | 'Equal' | 'Exists'. */
  readonly operator: string;
  readonly value: string;
  /** '' tolerates every effect. */
  readonly effect: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseTaints(list: unknown): Taint[] {
  if (!Array.isArray(list) || list.length === 0) return EMPTY_TAINTS;
  const out: Taint[] = [];
  for (const t of list) if (isJsonObject(t)) out.push({ key: str(t.key), value: str(t.value), effect: str(t.effect) });
  return out;
}

export function parseTolerations(list: unknown): Toleration[] {
  if (!Array.isArray(list) || list.length === 0) return EMPTY_TOLERATIONS;
  const out: Toleration[] = [];
  for (const t of list) if (isJsonObject(t)) out.push({ key: str(t.key), operator: str(t.operator), value: str(t.value), effect: str(t.effect) });
  return out;
}

const EMPTY_TAINTS: Taint[] = [];
const EMPTY_TOLERATIONS: Toleration[] = [];

/** Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator) {
    case '':
    case 'Equal':
      return t.value === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/**
 * The first taint that the tolerations do not tolerate among those passing `filter`
 * (FindMatchingUntoleratedTaint).
 */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** The taints the scheduler must respect when filtering: NoSchedule and NoExecute. */
export const doNotScheduleTaint = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
