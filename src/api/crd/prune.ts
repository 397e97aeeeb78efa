/**
 * Pruning of unknown fields from custom resources (apiextensions-apiserver
 * pkg/apiserver/schema/pruning, objectmeta coercion and defaulting/prunenulls).
 *
 * Every field a CRD's structural schema does not declare is removed when a CR is decoded — from
 * requests and from storage — unless a `x-kubernetes-preserve-unknown-fields: true` node keeps it.
 * The root and every `x-kubernetes-embedded-resource` keep apiVersion, kind and metadata, and
 * metadata is reduced to the fields of ObjectMeta.
 *
 * The returned paths are what the API server reports for `fieldValidation`: with Warn each path
 * becomes a warning `unknown field "<path>"`; with Strict the request fails with 400
 * `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown field
 * "<path>", …` (see strictDecodingMessage).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../object.js';
import { coerceEmbeddedMetadata, objectMetaDecodeError, pruneObjectMeta } from './embedded-resource.js';
import { asResourceRoot, childSchema, type SchemaNode } from './structural-schema.js';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Removes, in place, every field of the custom resource `obj` that `schema` does not declare, and
 * returns their paths (`spec.foo`, `spec.items[0].bar`, `metadata.foo`): ObjectMeta's unknown
 * fields first, then schema pruning and embedded-resource metadata, each sorted — the order in
 * which kube-apiserver reports them.
 */
export function pruneUnknownFields(obj: JsonObject, schema: SchemaNode | undefined): string[] {
  const metaPaths = isJsonObject(obj.metadata) && objectMetaDecodeError(obj.metadata) === undefined ? pruneObjectMeta(obj.metadata, 'metadata') : [];
  const pruned: string[] = [];
  prune(obj, asResourceRoot(schema), [], pruned);
  pruned.sort();
  return [...metaPaths, ...pruned, ...coerceEmbeddedMetadata(obj, schema)];
}

/**
 * Structural pruning of an arbitrary value below `schema` (no ObjectMeta handling), in place.
 * `isResourceRoot` makes the top level keep apiVersion/kind/metadata. Returns the pruned paths.
 */
export function pruneValue(value: JsonValue, schema: SchemaNode | undefined, isResourceRoot: boolean): string[] {
  const pruned: string[] = [];
  prune(value, isResourceRoot ? asResourceRoot(schema) : schema, [], pruned);
  return pruned.sort();
}

function pathOf(parent: readonly string[], k: string): string[] {
  return parent.length === 0 ? [k] : [...parent, '.', k];
}

function prune(x: JsonValue, s: SchemaNode | undefined, path: readonly string[], out: string[]): void {
  if (s?.xPreserveUnknownFields) {
    skipPrune(x, s, path, out);
    return;
  }
  if (isJsonObject(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        out.push(pathOf(path, k).join(''));
        delete x[k];
      }
      return;
    }
    for (const k of Object.keys(x)) {
      const v = x[k];
      if (v === undefined) continue;
      if (s.xEmbeddedResource && META_FIELDS.has(k)) continue;
      const prop = s.properties?.get(k);
      if (prop) prune(v, prop, pathOf(path, k), out);
      else if (s.additionalProperties) prune(v, s.additionalProperties.schema, pathOf(path, k), out);
      else {
        if (!META_FIELDS.has(k) || path.length > 0) out.push(pathOf(path, k).join(''));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => prune(v, s?.items, [...path, '[', String(i), ']'], out));
  }
}

/** Below a preserve-unknown-fields node: keep unknown fields but prune inside known ones. */
function skipPrune(x: JsonValue, s: SchemaNode | undefined, path: readonly string[], out: string[]): void {
  if (!s) return;
  if (isJsonObject(x)) {
    for (const k of Object.keys(x)) {
      const v = x[k];
      if (v === undefined) continue;
      if (s.xEmbeddedResource && META_FIELDS.has(k)) continue;
      const prop = s.properties?.get(k);
      if (prop) prune(v, prop, pathOf(path, k), out);
      else if (s.additionalProperties) prune(v, s.additionalProperties.schema, pathOf(path, k), out);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => skipPrune(v, s.items, [...path, '[', String(i), ']'], out));
  }
}

/**
 * Drops object members that are `null` where the schema neither allows null (`nullable`) nor has
 * a default to replace it with, in place (upstream PruneNonNullableNullsWithoutDefaults). Array
 * items are left alone.
 */
export function dropNonNullableNulls(x: JsonValue, s: SchemaNode | undefined): void {
  if (isJsonObject(x)) {
    for (const k of Object.keys(x)) {
      const v = x[k];
      if (v === undefined) continue;
      const sub = childSchema(s, k);
      if (v === null && sub !== undefined && !sub.nullable && sub.default === undefined) delete x[k];
      else dropNonNullableNulls(v, sub);
    }
  } else if (Array.isArray(x)) {
    for (const v of x) dropNonNullableNulls(v, s?.items);
  }
}

/** The Warn-mode warning text for one pruned path. */
export function unknownFieldWarning(path: string): string {
  return `unknown field "${path}"`;
}

/**
 * The 400 message of a Strict-mode request that carried unknown fields (apiserver
 * transformDecodeError around runtime.StrictDecodingError), e.g.
 * `CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingMessage(kind: string, version: string, paths: readonly string[]): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${paths.map(unknownFieldWarning).join(', ')}`;
}
