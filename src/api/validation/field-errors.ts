/**
 * Builders for FieldError values and field paths, mirroring apimachinery's field.Error
 * constructors (pkg/util/validation/field). Paths are dotted with `[i]` for list indexes and
 * `[key]` (no quotes) for map keys, exactly as upstream prints them.
 */
import type { FieldError } from '../errors.js';

/** `parent.name` (or just `name` at the root). */
export function child(path: string, ...names: string[]): string {
  let p = path;
  for (const n of names) p = p ? `${p}.${n}` : n;
  return p;
}

/** `path[i]`. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** `path[key]` — upstream does not quote map keys. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** A value that is present but not acceptable. `detail` explains why. */
export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value: value === undefined ? null : value, detail };
}

export function required(field: string, detail = ''): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value };
}

export function notFound(field: string, value: unknown, detail?: string): FieldError {
  return detail ? { type: 'FieldValueNotFound', field, value, detail } : { type: 'FieldValueNotFound', field, value };
}

/** An enum violation; `supported` keeps the order upstream lists the values in. */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, value: value === undefined ? null : value, supported };
}

/** Upstream field.TooLong: the value itself is never echoed. */
export function tooLong(field: string, maxLength: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: maxLength >= 0 ? `may not be more than ${maxLength} bytes` : 'value is too long' };
}

/**
 * Upstream field.TooMany renders "Too many: <actual>: must have at most <max> items". The shared
 * formatter prints only the detail for this type, so the count is carried in the detail text.
 */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, value: actual, detail: `must have at most ${max} items` };
}

export function internalError(field: string, message: string): FieldError {
  return { type: 'InternalError', field, detail: message };
}

/** Upstream ValidateNonnegativeField; an absent (nil) value is fine. */
export function nonNegative(field: string, v: number | undefined): FieldError[] {
  return v !== undefined && v < 0 ? [invalid(field, v, IS_NEGATIVE)] : [];
}

/** The detail text upstream uses for immutable fields. */
export const FIELD_IMMUTABLE = 'field is immutable';
/** The detail text upstream uses for negative numbers. */
export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const IS_NOT_POSITIVE = 'must be greater than zero';
