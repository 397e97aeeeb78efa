/**
 * Helpers shared by the validation tests: apply a kind's defaults like the API server does and
 * render FieldErrors the way kubectl prints them ("<field>: <body>").
 */
import { fieldErrorBody, type FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import { builtinStrategies } from '../index.js';

/** `field: body`, as kubectl prints one cause of a 422. */
export function render(errs: readonly FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

function strategyFor(key: string) {
  const s = builtinStrategies[key];
  if (!s) throw new Error(`no strategy for ${key}`);
  return s;
}

/** Deep-copies and defaults an object with the kind's strategy. */
export function defaulted(key: string, obj: unknown): KubeObject {
  const o = structuredClone(obj) as KubeObject;
  strategyFor(key).defaults?.(o);
  return o;
}

/** Defaults then validates a new object; returns rendered errors. */
export function createErrors(key: string, obj: unknown): string[] {
  const s = strategyFor(key);
  const o = defaulted(key, obj);
  return render(s.validate?.(o) ?? []);
}

/** Defaults both objects and validates an update; returns rendered errors. */
export function updateErrors(key: string, next: unknown, old: unknown): string[] {
  const s = strategyFor(key);
  return render(s.validateUpdate?.(defaulted(key, next), defaulted(key, old)) ?? []);
}

/** Validates a /status update (no defaulting, as the status endpoint stores what it gets). */
export function statusErrors(key: string, next: unknown, old: unknown): string[] {
  const s = strategyFor(key);
  return render(s.validateStatusUpdate?.(structuredClone(next) as KubeObject, structuredClone(old) as KubeObject) ?? []);
}
