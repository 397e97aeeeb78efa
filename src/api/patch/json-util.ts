/** Small JSON helpers shared by the patch engines. */
import type { JsonObject, JsonValue } from '../object.js';

/**
 * Sets an own member. Plain assignment of `__proto__` would replace the prototype instead of
 * creating a member, which a patch must never be able to do.
 */
export function setMember(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** The own member `key`, or undefined. */
export function getMember(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Go's `==` on two unstructured values: equal scalars of the same type; nil equals nil; containers never. */
export function goEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const an = a === undefined || a === null;
  const bn = b === undefined || b === null;
  if (an || bn) return an && bn;
  if (typeof a === 'object' || typeof b === 'object') return false;
  return a === b;
}
