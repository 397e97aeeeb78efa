/**
 * A CRD version's schema as OpenAPI v2 publishes it, following apiextensions-apiserver:
 * pkg/controller/openapi/builder (BuildOpenAPIV2, buildKubeNative with V2, buildListSchema),
 * pkg/controller/openapi/v2/conversion.go (ToStructuralOpenAPIV2) and kube-openapi's
 * handler.PruneDefaults. v2 has no nullable, anyOf/oneOf/not, and kubectl's v2 validator
 * (kube-openapi pkg/util/proto) treats any object with properties as closed, so upstream
 * loosens the schema until kubectl can never reject a custom resource the server accepts:
 *  - only the structural-schema keys survive (NewStructural); allOf/anyOf/oneOf/not are dropped;
 *  - `nullable: true` → no type, no items, no properties (any value, null included), and the field
 *    leaves its parent's `required`; a nullable additionalProperties clears `required`;
 *  - `x-kubernetes-preserve-unknown-fields` → no items, no properties, and no type when the type
 *    was object; an array left without items loses its type (kubectl needs exactly one items);
 *  - preserve-unknown-fields at the root → just `{type: object}` with the GVK, no TypeMeta/ObjectMeta;
 *  - otherwise metadata (ObjectMeta), apiVersion and kind are set on the root and on embedded
 *    resources (x-kubernetes-embedded-resource, unless they preserve unknown fields);
 *  - defaults are removed everywhere.
 */
import { deepCopy, type JsonObject, type JsonValue } from '../api/object.js';

const DEFINITIONS = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** The keys of a structural schema (apiextensions-apiserver pkg/apiserver/schema Structural). */
const STRUCTURAL_KEYS = new Set([
  'type',
  'description',
  'title',
  'default',
  'nullable',
  'externalDocs',
  'example',
  'format',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/** JSON types of the scalar keys (a stored CRD has them right; anything else is dropped). */
const KEY_TYPES: Readonly<Record<string, 'string' | 'number' | 'integer' | 'boolean'>> = {
  type: 'string',
  description: 'string',
  title: 'string',
  format: 'string',
  pattern: 'string',
  nullable: 'boolean',
  exclusiveMaximum: 'boolean',
  exclusiveMinimum: 'boolean',
  uniqueItems: 'boolean',
  maximum: 'number',
  minimum: 'number',
  multipleOf: 'number',
  maxLength: 'integer',
  minLength: 'integer',
  maxItems: 'integer',
  minItems: 'integer',
  maxProperties: 'integer',
  minProperties: 'integer',
};

function hasType(v: JsonValue | undefined, t: 'string' | 'number' | 'integer' | 'boolean'): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return typeof v === t;
}

/** Boolean keys that go-openapi leaves out when false. */
const OMIT_FALSE = new Set(['nullable', 'exclusiveMaximum', 'exclusiveMinimum', 'uniqueItems', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string']);

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** NewStructural + ToKubeOpenAPI: only structural keys, empty values left out as go-openapi does. */
function structural(s: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (!STRUCTURAL_KEYS.has(k)) continue;
    const t = KEY_TYPES[k];
    if (t && !hasType(v, t)) continue;
    if (v === false && OMIT_FALSE.has(k)) continue;
    if (k === 'type' && v === '') continue;
    if ((k === 'required' || k === 'enum' || k === 'x-kubernetes-list-map-keys' || k === 'x-kubernetes-validations') && Array.isArray(v) && v.length === 0) continue;
    if (k === 'properties') {
      if (!isObject(v)) continue;
      const props: JsonObject = {};
      for (const [name, p] of Object.entries(v)) if (isObject(p)) props[name] = structural(p);
      if (Object.keys(props).length) out.properties = props; // an empty map is omitted (omitempty)
      continue;
    }
    if (k === 'externalDocs') {
      if (!isObject(v)) continue;
      const docs: JsonObject = {};
      if (typeof v.description === 'string' && v.description) docs.description = v.description;
      if (typeof v.url === 'string' && v.url) docs.url = v.url;
      out.externalDocs = docs;
      continue;
    }
    if (k === 'items') {
      if (isObject(v)) out.items = structural(v);
      continue;
    }
    if (k === 'additionalProperties') {
      if (isObject(v)) out.additionalProperties = structural(v);
      else if (typeof v === 'boolean') out.additionalProperties = v;
      continue;
    }
    out[k] = deepCopy(v);
  }
  return out;
}

/** ToStructuralOpenAPIV2, in place; parents are visited before their children. */
function toV2(s: JsonObject): void {
  if (s.nullable === true) {
    delete s.type;
    delete s.nullable;
    delete s.items;
    delete s.properties;
  }
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (preserve) {
    delete s.items;
    delete s.properties;
  }
  if (s.items === undefined && s.type === 'array') delete s.type;
  if (preserve && s.type === 'object') delete s.type;
  if (isObject(s.properties) && Array.isArray(s.required)) {
    const props = s.properties;
    const required = s.required.filter((f) => !(typeof f === 'string' && isObject(props[f]) && props[f].nullable === true));
    if (required.length) s.required = required;
    else delete s.required;
  }
  if (isObject(s.additionalProperties) && s.additionalProperties.nullable === true) delete s.required;
  if (isObject(s.items)) toV2(s.items);
  if (isObject(s.properties)) for (const p of Object.values(s.properties)) if (isObject(p)) toV2(p);
  if (isObject(s.additionalProperties)) toV2(s.additionalProperties);
}

const API_VERSION: JsonObject = { description: 'The versioned schema of this object: group/version.', type: 'string' };
const KIND: JsonObject = { description: 'The kind of this object, in CamelCase.', type: 'string' };

function objectMetaRef(): JsonObject {
  return { $ref: `${DEFINITIONS}${META}ObjectMeta`, description: "Standard object's metadata." };
}

/** addEmbeddedProperties with V2. */
function addEmbedded(s: JsonObject): void {
  if (isObject(s.properties)) for (const p of Object.values(s.properties)) if (isObject(p)) addEmbedded(p);
  if (isObject(s.items)) addEmbedded(s.items);
  if (isObject(s.additionalProperties)) addEmbedded(s.additionalProperties);
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (s['x-kubernetes-embedded-resource'] === true) {
    const props = isObject(s.properties) ? s.properties : (s.properties = {});
    props.apiVersion = { ...API_VERSION };
    props.kind = { ...KIND };
    props.metadata = objectMetaRef();
    const required = Array.isArray(s.required) ? s.required : [];
    if (!required.includes('kind')) required.push('kind');
    if (!required.includes('apiVersion')) required.push('apiVersion');
    s.required = required;
  }
}

/** PruneDefaults: `default` removed at every level. */
function pruneDefaults(s: JsonObject): void {
  delete s.default;
  if (isObject(s.properties)) for (const p of Object.values(s.properties)) if (isObject(p)) pruneDefaults(p);
  if (isObject(s.items)) pruneDefaults(s.items);
  if (isObject(s.additionalProperties)) pruneDefaults(s.additionalProperties);
}

export interface CrdKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
}

/** `com.example.v1.Widget` for group example.com (upstream gvkToModelName). */
export function crdDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/**
 * The v2 definitions of one CRD version: the kind (from its openAPIV3Schema, or open when it has
 * none) and its list.
 */
export function crdOpenApiV2Definitions(crdSchema: JsonObject | undefined, k: CrdKind): Record<string, JsonObject> {
  const gvk = (kind: string): JsonValue => [{ group: k.group, kind, version: k.version }];
  let schema: JsonObject;
  if (!crdSchema || crdSchema['x-kubernetes-preserve-unknown-fields'] === true) {
    // Nothing more: TypeMeta/ObjectMeta properties would make kubectl refuse every other field.
    schema = { type: 'object' };
  } else {
    schema = structural(crdSchema);
    toV2(schema);
    const props = isObject(schema.properties) ? schema.properties : {};
    props.metadata = objectMetaRef();
    props.apiVersion = { ...API_VERSION };
    props.kind = { ...KIND };
    schema.properties = props;
    addEmbedded(schema);
    pruneDefaults(schema);
  }
  schema['x-kubernetes-group-version-kind'] = gvk(k.kind);
  const name = crdDefinitionName(k.group, k.version, k.kind);
  const list: JsonObject = {
    description: `${k.listKind} is a list of ${k.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { ...API_VERSION },
      items: { description: `The ${k.kind} objects.`, type: 'array', items: { $ref: DEFINITIONS + name } },
      kind: { ...KIND },
      metadata: { $ref: `${DEFINITIONS}${META}ListMeta`, description: "Standard list metadata." },
    },
    'x-kubernetes-group-version-kind': gvk(k.listKind),
  };
  return { [name]: schema, [crdDefinitionName(k.group, k.version, k.listKind)]: list };
}
