/**
 * Taints and tolerations (k8s.io/api core/v1 taint.go and toleration.go), shared by the scheduler,
 * the DaemonSet controller and taint eviction. Read from loosely typed JSON with Go's zero-value
 * semantics: an absent string is "".
 */
import { isJsonObject, type JsonObject } from './object.js';

export interface Taint {
  readonly key: string;
  readonly value: string;
  /** 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'. */
  readonly effect: string;
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

export function taintFrom(t: JsonObject): Taint {
  return { key: str(t.key), value: str(t.value), effect: str(t.effect) };
}

export function tolerationFrom(t: JsonObject): Toleration {
  return { key: str(t.key), operator: str(t.operator), value: str(t.value), effect: str(t.effect) };
}

const NO_TAINTS: readonly Taint[] = Object.freeze([]);
const NO_TOLERATIONS: readonly Toleration[] = Object.freeze([]);

/** The taints of a list (spec.taints); items that are not objects are skipped. */
export function parseTaints(list: unknown): readonly Taint[] {
  if (!Array.isArray(list) || list.length === 0) return NO_TAINTS;
  const out: Taint[] = [];
  for (const t of list) if (isJsonObject(t)) out.push(taintFrom(t));
  return out;
}

/** The tolerations of a list (spec.tolerations); items that are not objects are skipped. */
export function parseTolerations(list: unknown): readonly Toleration[] {
  if (!Array.isArray(list) || list.length === 0) return NO_TOLERATIONS;
  const out: Toleration[] = [];
  for (const t of list) if (isJsonObject(t)) out.push(tolerationFrom(t));
  return out;
}

/** Toleration.ToleratesTaint: an empty effect matches every effect, an empty key with Exists every key. */
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

/** FindMatchingUntoleratedTaint: the first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint<T extends Taint>(taints: readonly T[], tolerations: readonly Toleration[], filter: (t: T) => boolean): T | undefined {
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
