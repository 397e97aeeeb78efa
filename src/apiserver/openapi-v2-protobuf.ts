/**
 * The protobuf form of the OpenAPI v2 document: gnostic's `openapi.v2.Document`, which kubectl
 * asks for (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, client-go
 * discovery OpenAPISchema) and decodes before validating manifests with it.
 *
 * Message and field numbers are those of google/gnostic openapiv2/OpenAPIv2.proto (only the
 * messages and fields lite's documents use). The JSON → message mapping follows gnostic's
 * compiler (openapiv2/OpenAPIv2.go, reached upstream through kube-openapi's handler.ToProtoBinary):
 *  - `type` is a TypeItem (a list of strings), `items` an ItemsItem (a list of schemas);
 *  - `default`, `example`, `enum` values and every `x-…` vendor extension are `Any` messages whose
 *    `yaml` field holds the value as YAML text (kube-openapi reads them back with a YAML 1.1
 *    parser, so strings that YAML 1.1 would read as booleans or numbers are quoted);
 *  - keys gnostic does not know in a schema (`nullable`, `anyOf`, …) make the document invalid, so
 *    they are refused here too rather than silently dropped;
 *  - proto3 scalars equal to their zero value (`false`, `0`, `""`) are not on the wire, as Go's
 *    proto.Marshal leaves them out.
 */
import protobuf from 'protobufjs/light.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { JsonObject, JsonValue } from '../api/object.js';

type FieldSpec = readonly [name: string, id: number, type: string, rule?: 'repeated'];
type MessageSpec = { readonly fields: readonly FieldSpec[]; readonly oneof?: readonly string[] };

/** The fields shared by PrimitivesItems and the non-body parameter kinds, in field-number order. */
const PRIMITIVE_TAIL: readonly (readonly [string, string, 'repeated'?])[] = [
  ['type', 'string'],
  ['format', 'string'],
  ['items', 'PrimitivesItems'],
  ['collectionFormat', 'string'],
  ['default', 'Any'],
  ['maximum', 'double'],
  ['exclusiveMaximum', 'bool'],
  ['minimum', 'double'],
  ['exclusiveMinimum', 'bool'],
  ['maxLength', 'int64'],
  ['minLength', 'int64'],
  ['pattern', 'string'],
  ['maxItems', 'int64'],
  ['minItems', 'int64'],
  ['uniqueItems', 'bool'],
  ['enum', 'Any', 'repeated'],
  ['multipleOf', 'double'],
  ['vendorExtension', 'NamedAny', 'repeated'],
];

function numbered(head: readonly (readonly [string, string, 'repeated'?])[]): FieldSpec[] {
  return [...head, ...PRIMITIVE_TAIL].map(([name, type, rule], i) => [name, i + 1, type, ...(rule ? [rule] : [])] as unknown as FieldSpec);
}

const rep = 'repeated' as const;

/** gnostic openapiv2 messages (package openapi.v2), by name. */
const MESSAGES: Readonly<Record<string, MessageSpec>> = {
  Any: { fields: [['yaml', 2, 'string']] },
  NamedAny: { fields: [['name', 1, 'string'], ['value', 2, 'Any']] },
  Document: {
    fields: [
      ['swagger', 1, 'string'],
      ['info', 2, 'Info'],
      ['host', 3, 'string'],
      ['basePath', 4, 'string'],
      ['schemes', 5, 'string', rep],
      ['consumes', 6, 'string', rep],
      ['produces', 7, 'string', rep],
      ['paths', 8, 'Paths'],
      ['definitions', 9, 'Definitions'],
      ['security', 12, 'SecurityRequirement', rep],
      ['securityDefinitions', 13, 'SecurityDefinitions'],
      ['externalDocs', 15, 'ExternalDocs'],
      ['vendorExtension', 16, 'NamedAny', rep],
    ],
  },
  Info: {
    fields: [['title', 1, 'string'], ['version', 2, 'string'], ['description', 3, 'string'], ['termsOfService', 4, 'string'], ['vendorExtension', 7, 'NamedAny', rep]],
  },
  ExternalDocs: { fields: [['description', 1, 'string'], ['url', 2, 'string'], ['vendorExtension', 3, 'NamedAny', rep]] },
  Paths: { fields: [['vendorExtension', 1, 'NamedAny', rep], ['path', 2, 'NamedPathItem', rep]] },
  NamedPathItem: { fields: [['name', 1, 'string'], ['value', 2, 'PathItem']] },
  PathItem: {
    fields: [
      ['ref', 1, 'string'],
      ['get', 2, 'Operation'],
      ['put', 3, 'Operation'],
      ['post', 4, 'Operation'],
      ['delete', 5, 'Operation'],
      ['options', 6, 'Operation'],
      ['head', 7, 'Operation'],
      ['patch', 8, 'Operation'],
      ['parameters', 9, 'ParametersItem', rep],
      ['vendorExtension', 10, 'NamedAny', rep],
    ],
  },
  Operation: {
    fields: [
      ['tags', 1, 'string', rep],
      ['summary', 2, 'string'],
      ['description', 3, 'string'],
      ['externalDocs', 4, 'ExternalDocs'],
      ['operationId', 5, 'string'],
      ['produces', 6, 'string', rep],
      ['consumes', 7, 'string', rep],
      ['parameters', 8, 'ParametersItem', rep],
      ['responses', 9, 'Responses'],
      ['schemes', 10, 'string', rep],
      ['deprecated', 11, 'bool'],
      ['security', 12, 'SecurityRequirement', rep],
      ['vendorExtension', 13, 'NamedAny', rep],
    ],
  },
  ParametersItem: { fields: [['parameter', 1, 'Parameter'], ['jsonReference', 2, 'JsonReference']], oneof: ['parameter', 'jsonReference'] },
  JsonReference: { fields: [['ref', 1, 'string'], ['description', 2, 'string']] },
  Parameter: { fields: [['bodyParameter', 1, 'BodyParameter'], ['nonBodyParameter', 2, 'NonBodyParameter']], oneof: ['bodyParameter', 'nonBodyParameter'] },
  BodyParameter: {
    fields: [['description', 1, 'string'], ['name', 2, 'string'], ['in', 3, 'string'], ['required', 4, 'bool'], ['schema', 5, 'Schema'], ['vendorExtension', 6, 'NamedAny', rep]],
  },
  NonBodyParameter: {
    fields: [
      ['headerParameterSubSchema', 1, 'HeaderParameterSubSchema'],
      ['formDataParameterSubSchema', 2, 'FormDataParameterSubSchema'],
      ['queryParameterSubSchema', 3, 'QueryParameterSubSchema'],
      ['pathParameterSubSchema', 4, 'PathParameterSubSchema'],
    ],
    oneof: ['headerParameterSubSchema', 'formDataParameterSubSchema', 'queryParameterSubSchema', 'pathParameterSubSchema'],
  },
  HeaderParameterSubSchema: { fields: numbered([['required', 'bool'], ['in', 'string'], ['description', 'string'], ['name', 'string']]) },
  PathParameterSubSchema: { fields: numbered([['required', 'bool'], ['in', 'string'], ['description', 'string'], ['name', 'string']]) },
  QueryParameterSubSchema: { fields: numbered([['required', 'bool'], ['in', 'string'], ['description', 'string'], ['name', 'string'], ['allowEmptyValue', 'bool']]) },
  FormDataParameterSubSchema: { fields: numbered([['required', 'bool'], ['in', 'string'], ['description', 'string'], ['name', 'string'], ['allowEmptyValue', 'bool']]) },
  PrimitivesItems: { fields: numbered([]) },
  Responses: { fields: [['responseCode', 1, 'NamedResponseValue', rep], ['vendorExtension', 2, 'NamedAny', rep]] },
  NamedResponseValue: { fields: [['name', 1, 'string'], ['value', 2, 'ResponseValue']] },
  ResponseValue: { fields: [['response', 1, 'Response'], ['jsonReference', 2, 'JsonReference']], oneof: ['response', 'jsonReference'] },
  Response: { fields: [['description', 1, 'string'], ['schema', 2, 'SchemaItem'], ['vendorExtension', 5, 'NamedAny', rep]] },
  SchemaItem: { fields: [['schema', 1, 'Schema']], oneof: ['schema'] },
  Schema: {
    fields: [
      ['ref', 1, 'string'],
      ['format', 2, 'string'],
      ['title', 3, 'string'],
      ['description', 4, 'string'],
      ['default', 5, 'Any'],
      ['multipleOf', 6, 'double'],
      ['maximum', 7, 'double'],
      ['exclusiveMaximum', 8, 'bool'],
      ['minimum', 9, 'double'],
      ['exclusiveMinimum', 10, 'bool'],
      ['maxLength', 11, 'int64'],
      ['minLength', 12, 'int64'],
      ['pattern', 13, 'string'],
      ['maxItems', 14, 'int64'],
      ['minItems', 15, 'int64'],
      ['uniqueItems', 16, 'bool'],
      ['maxProperties', 17, 'int64'],
      ['minProperties', 18, 'int64'],
      ['required', 19, 'string', rep],
      ['enum', 20, 'Any', rep],
      ['additionalProperties', 21, 'AdditionalPropertiesItem'],
      ['type', 22, 'TypeItem'],
      ['items', 23, 'ItemsItem'],
      ['allOf', 24, 'Schema', rep],
      ['properties', 25, 'Properties'],
      ['discriminator', 26, 'string'],
      ['readOnly', 27, 'bool'],
      ['externalDocs', 29, 'ExternalDocs'],
      ['example', 30, 'Any'],
      ['vendorExtension', 31, 'NamedAny', rep],
    ],
  },
  AdditionalPropertiesItem: { fields: [['schema', 1, 'Schema'], ['boolean', 2, 'bool']], oneof: ['schema', 'boolean'] },
  TypeItem: { fields: [['value', 1, 'string', rep]] },
  ItemsItem: { fields: [['schema', 1, 'Schema', rep]] },
  Properties: { fields: [['additionalProperties', 1, 'NamedSchema', rep]] },
  NamedSchema: { fields: [['name', 1, 'string'], ['value', 2, 'Schema']] },
  Definitions: { fields: [['additionalProperties', 1, 'NamedSchema', rep]] },
  SecurityRequirement: { fields: [['additionalProperties', 1, 'NamedStringArray', rep]] },
  NamedStringArray: { fields: [['name', 1, 'string'], ['value', 2, 'StringArray']] },
  StringArray: { fields: [['value', 1, 'string', rep]] },
  SecurityDefinitions: { fields: [['additionalProperties', 1, 'NamedSecurityDefinitionsItem', rep]] },
  NamedSecurityDefinitionsItem: { fields: [['name', 1, 'string'], ['value', 2, 'SecurityDefinitionsItem']] },
  SecurityDefinitionsItem: {
    fields: [['basicAuthenticationSecurity', 1, 'BasicAuthenticationSecurity'], ['apiKeySecurity', 2, 'ApiKeySecurity']],
    oneof: ['basicAuthenticationSecurity', 'apiKeySecurity'],
  },
  BasicAuthenticationSecurity: { fields: [['type', 1, 'string'], ['description', 2, 'string'], ['vendorExtension', 3, 'NamedAny', rep]] },
  ApiKeySecurity: { fields: [['type', 1, 'string'], ['name', 2, 'string'], ['in', 3, 'string'], ['description', 4, 'string'], ['vendorExtension', 5, 'NamedAny', rep]] },
};

function buildRoot(): protobuf.Root {
  const nested: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(MESSAGES)) {
    const fields: Record<string, { type: string; id: number; rule?: string }> = {};
    for (const [f, id, type, rule] of spec.fields) fields[f] = { type, id, ...(rule ? { rule } : {}) };
    nested[name] = { fields, ...(spec.oneof ? { oneofs: { oneof: { oneof: [...spec.oneof] } } } : {}) };
  }
  return protobuf.Root.fromJSON({ nested: { openapi: { nested: { v2: { options: { syntax: 'proto3' }, nested } } } } } as protobuf.INamespace);
}

let documentType: protobuf.Type | undefined;

/** The `openapi.v2.Document` message type (built once). */
function docType(): protobuf.Type {
  documentType ??= buildRoot().lookupType('openapi.v2.Document');
  return documentType;
}

// ---- JSON → message ------------------------------------------------------------------------

type Msg = Record<string, unknown>;
/** A JSON member's value (absent members read as undefined). */
type J = JsonValue | undefined;

/** An `Any`: the value as YAML, the way gnostic's compiler.Marshal writes it. */
export function anyOf(value: JsonValue): Msg {
  const key = JSON.stringify(value);
  let yaml = yamlCache.get(key);
  if (yaml === undefined) {
    // YAML 1.1 schema: kube-openapi parses these with a YAML 1.1 parser (go-yaml v2), where e.g.
    // `yes`, `on` or `0755` would not be strings unless quoted.
    yaml = stringifyYaml(value, { version: '1.1', lineWidth: 0 });
    if (yamlCache.size >= 10_000) yamlCache.clear();
    yamlCache.set(key, yaml);
  }
  return { yaml };
}

/** The same few extension values (`atomic`, `merge`, GVKs …) recur thousands of times. */
const yamlCache = new Map<string, string>();

function vendorExtensions(o: JsonObject): Msg[] {
  const out: Msg[] = [];
  for (const [k, v] of Object.entries(o)) if (k.startsWith('x-')) out.push({ name: k, value: anyOf(v ?? null) });
  return out;
}

class InvalidDocument extends Error {}

/**
 * Copies `o`'s members into a message following `plan`: each key maps to a field name and a
 * converter; `x-` keys become vendor extensions; any other key is refused (gnostic refuses it too).
 * Zero scalars are left out (proto3).
 */
function convert(o: JsonValue | undefined, where: string, plan: Record<string, (v: J, where: string) => unknown>, ext = true): Msg {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InvalidDocument(`${where}: expected an object`);
  const out: Msg = {};
  for (const [k, v] of Object.entries(o)) {
    if (ext && k.startsWith('x-')) continue;
    const conv = plan[k];
    if (!conv) throw new InvalidDocument(`${where}: key ${JSON.stringify(k)} is not valid in OpenAPI v2`);
    const value = conv(v, `${where}.${k}`);
    if (value === undefined || value === '' || value === false || value === 0 || (Array.isArray(value) && value.length === 0)) continue;
    out[fieldName(k)] = value;
  }
  if (ext) {
    const x = vendorExtensions(o);
    if (x.length) out.vendorExtension = x;
  }
  return out;
}

/** JSON key → message field name (only a few differ). */
function fieldName(k: string): string {
  return k === '$ref' ? 'ref' : k;
}

const str = (v: J, where: string): string => {
  if (typeof v !== 'string') throw new InvalidDocument(`${where}: expected a string`);
  return v;
};
const bool = (v: J, where: string): boolean => {
  if (typeof v !== 'boolean') throw new InvalidDocument(`${where}: expected a boolean`);
  return v;
};
const num = (v: J, where: string): number => {
  if (typeof v !== 'number') throw new InvalidDocument(`${where}: expected a number`);
  return v;
};
const int = (v: J, where: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidDocument(`${where}: expected an integer`);
  return v;
};
const strings = (v: J, where: string): string[] => {
  if (!Array.isArray(v)) throw new InvalidDocument(`${where}: expected a list`);
  return v.map((s, i) => str(s, `${where}[${i}]`));
};
const anyValue = (v: J): Msg => anyOf(v ?? null);
const anyList = (v: J, where: string): Msg[] => {
  if (!Array.isArray(v)) throw new InvalidDocument(`${where}: expected a list`);
  return v.map((x) => anyOf(x ?? null));
};
function named(conv: (v: J, where: string) => unknown): (v: J, where: string) => Msg[] {
  return (v, where) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidDocument(`${where}: expected an object`);
    return Object.entries(v).map(([name, value]) => ({ name, value: conv(value, `${where}.${name}`) }));
  };
}

const externalDocs = (v: J, where: string): Msg => convert(v, where, { description: str, url: str });

function schema(v: J, where: string): Msg {
  return convert(v, where, {
    $ref: str,
    format: str,
    title: str,
    description: str,
    default: anyValue,
    multipleOf: num,
    maximum: num,
    exclusiveMaximum: bool,
    minimum: num,
    exclusiveMinimum: bool,
    maxLength: int,
    minLength: int,
    pattern: str,
    maxItems: int,
    minItems: int,
    uniqueItems: bool,
    maxProperties: int,
    minProperties: int,
    required: strings,
    enum: anyList,
    additionalProperties: (a, w) => (typeof a === 'boolean' ? { boolean: a } : { schema: schema(a, w) }),
    type: (t, w) => ({ value: Array.isArray(t) ? strings(t, w) : [str(t, w)] }),
    items: (i, w) => ({ schema: Array.isArray(i) ? i.map((x, n) => schema(x, `${w}[${n}]`)) : [schema(i, w)] }),
    allOf: (a, w) => {
      if (!Array.isArray(a)) throw new InvalidDocument(`${w}: expected a list`);
      return a.map((x, n) => schema(x, `${w}[${n}]`));
    },
    properties: (p, w) => ({ additionalProperties: named(schema)(p, w) }),
    discriminator: str,
    readOnly: bool,
    externalDocs,
    example: anyValue,
  });
}

const PRIMITIVE_PLAN: Record<string, (v: J, where: string) => unknown> = {
  type: str,
  format: str,
  items: (v, w) => primitivesItems(v, w),
  collectionFormat: str,
  default: anyValue,
  maximum: num,
  exclusiveMaximum: bool,
  minimum: num,
  exclusiveMinimum: bool,
  maxLength: int,
  minLength: int,
  pattern: str,
  maxItems: int,
  minItems: int,
  uniqueItems: bool,
  enum: anyList,
  multipleOf: num,
};

function primitivesItems(v: J, where: string): Msg {
  return convert(v, where, PRIMITIVE_PLAN);
}

function parameter(v: J, where: string): Msg {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidDocument(`${where}: expected an object`);
  if (typeof v.$ref === 'string') return { jsonReference: convert(v, where, { $ref: str, description: str }, false) };
  const common = { required: bool, in: str, description: str, name: str };
  switch (v.in) {
    case 'body':
      return { parameter: { bodyParameter: convert(v, where, { ...common, schema }) } };
    case 'query':
      return { parameter: { nonBodyParameter: { queryParameterSubSchema: convert(v, where, { ...common, allowEmptyValue: bool, ...PRIMITIVE_PLAN }) } } };
    case 'formData':
      return { parameter: { nonBodyParameter: { formDataParameterSubSchema: convert(v, where, { ...common, allowEmptyValue: bool, ...PRIMITIVE_PLAN }) } } };
    case 'path':
      return { parameter: { nonBodyParameter: { pathParameterSubSchema: convert(v, where, { ...common, ...PRIMITIVE_PLAN }) } } };
    case 'header':
      return { parameter: { nonBodyParameter: { headerParameterSubSchema: convert(v, where, { ...common, ...PRIMITIVE_PLAN }) } } };
    default:
      throw new InvalidDocument(`${where}: parameter "in" must be body, query, formData, path or header`);
  }
}

const parameters = (v: J, where: string): Msg[] => {
  if (!Array.isArray(v)) throw new InvalidDocument(`${where}: expected a list`);
  return v.map((p, i) => parameter(p, `${where}[${i}]`));
};

function response(v: J, where: string): Msg {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.$ref === 'string') return { jsonReference: convert(v, where, { $ref: str, description: str }, false) };
  return { response: convert(v, where, { description: str, schema: (s, w) => ({ schema: schema(s, w) }) }) };
}

function operation(v: J, where: string): Msg {
  return convert(v, where, {
    tags: strings,
    summary: str,
    description: str,
    externalDocs,
    operationId: str,
    produces: strings,
    consumes: strings,
    parameters,
    responses: (r, w) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new InvalidDocument(`${w}: expected an object`);
      const codes = Object.entries(r).filter(([k]) => !k.startsWith('x-'));
      return { responseCode: codes.map(([name, value]) => ({ name, value: response(value, `${w}.${name}`) })), vendorExtension: vendorExtensions(r) };
    },
    schemes: strings,
    deprecated: bool,
    security: securityRequirements,
  });
}

function pathItem(v: J, where: string): Msg {
  return convert(v, where, {
    $ref: str,
    get: operation,
    put: operation,
    post: operation,
    delete: operation,
    options: operation,
    head: operation,
    patch: operation,
    parameters,
  });
}

function securityRequirements(v: J, where: string): Msg[] {
  if (!Array.isArray(v)) throw new InvalidDocument(`${where}: expected a list`);
  return v.map((r, i) => ({ additionalProperties: named((s, w) => ({ value: strings(s, w) }))(r, `${where}[${i}]`) }));
}

function securityDefinition(v: J, where: string): Msg {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidDocument(`${where}: expected an object`);
  if (v.type === 'apiKey') return { apiKeySecurity: convert(v, where, { type: str, name: str, in: str, description: str }) };
  if (v.type === 'basic') return { basicAuthenticationSecurity: convert(v, where, { type: str, description: str }) };
  throw new InvalidDocument(`${where}: only apiKey and basic security definitions are supported`);
}

/**
 * The gnostic message (as a plain object for protobufjs) of a Swagger 2.0 document. Throws if the
 * document has something gnostic would refuse.
 */
export function toGnosticDocument(doc: JsonObject): Msg {
  return convert(doc, '$root', {
    swagger: str,
    info: (v, w) => convert(v, w, { title: str, version: str, description: str, termsOfService: str }),
    host: str,
    basePath: str,
    schemes: strings,
    consumes: strings,
    produces: strings,
    paths: (p, w) => {
      if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new InvalidDocument(`${w}: expected an object`);
      const entries = Object.entries(p).filter(([k]) => !k.startsWith('x-'));
      return { vendorExtension: vendorExtensions(p), path: entries.map(([name, value]) => ({ name, value: pathItem(value, `${w}.${name}`) })) };
    },
    definitions: (d, w) => ({ additionalProperties: named(schema)(d, w) }),
    security: securityRequirements,
    securityDefinitions: (d, w) => ({ additionalProperties: named(securityDefinition)(d, w) }),
    externalDocs,
  });
}

/** Throws (InvalidOpenApiV2Document) if gnostic would refuse this schema. */
export function checkOpenApiV2Schema(s: JsonObject): void {
  schema(s, '$schema');
}

/** Encodes a Swagger 2.0 document as a gnostic `openapi.v2.Document`. */
export function encodeOpenApiV2(doc: JsonObject): Uint8Array {
  const type = docType();
  // Plain objects encode directly: every field already has its wire type (numbers for int64).
  return type.encode(toGnosticDocument(doc)).finish();
}

// ---- message → JSON (the inverse, as gnostic's ToRawInfo) ----------------------------------

function anyToJson(a: Msg): JsonValue {
  return parseYaml(String(a.yaml ?? ''), { version: '1.1' }) as JsonValue;
}

function extensionsToJson(m: Msg, out: JsonObject): void {
  for (const x of (m.vendorExtension as Msg[] | undefined) ?? []) out[String(x.name)] = anyToJson((x.value as Msg) ?? {});
}

/** Copies the plain members of a decoded message (everything but vendorExtension) into JSON. */
function plain(m: Msg, special: Record<string, (v: unknown) => JsonValue> = {}): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'vendorExtension' || k === 'oneof') continue;
    const key = k === 'ref' ? '$ref' : k;
    out[key] = special[k] ? special[k](v) : (v as JsonValue);
  }
  extensionsToJson(m, out);
  return out;
}

function schemaToJson(m: Msg): JsonObject {
  return plain(m, {
    default: (v) => anyToJson(v as Msg),
    example: (v) => anyToJson(v as Msg),
    enum: (v) => (v as Msg[]).map(anyToJson),
    additionalProperties: (v) => {
      const a = v as Msg;
      return a.schema ? schemaToJson(a.schema as Msg) : Boolean(a.boolean);
    },
    type: (v) => {
      const t = ((v as Msg).value as string[] | undefined) ?? [];
      return t.length === 1 ? t[0] : t;
    },
    items: (v) => {
      const s = ((v as Msg).schema as Msg[] | undefined) ?? [];
      return s.length === 1 ? schemaToJson(s[0]) : s.map(schemaToJson);
    },
    allOf: (v) => (v as Msg[]).map(schemaToJson),
    properties: (v) => namedToJson((v as Msg).additionalProperties, schemaToJson),
    externalDocs: (v) => plain(v as Msg),
  });
}

function namedToJson(list: unknown, conv: (m: Msg) => JsonValue): JsonObject {
  const out: JsonObject = {};
  for (const n of (list as Msg[] | undefined) ?? []) out[String(n.name)] = conv((n.value as Msg) ?? {});
  return out;
}

function parameterToJson(p: Msg): JsonObject {
  if (p.jsonReference) return plain(p.jsonReference as Msg);
  const param = p.parameter as Msg;
  if (param.bodyParameter) return plain(param.bodyParameter as Msg, { schema: (s) => schemaToJson(s as Msg) });
  const nb = param.nonBodyParameter as Msg;
  const sub = (nb.queryParameterSubSchema ?? nb.pathParameterSubSchema ?? nb.headerParameterSubSchema ?? nb.formDataParameterSubSchema) as Msg;
  return primitiveToJson(sub);
}

function primitiveToJson(m: Msg): JsonObject {
  return plain(m, { default: (v) => anyToJson(v as Msg), enum: (v) => (v as Msg[]).map(anyToJson), items: (v) => primitiveToJson(v as Msg) });
}

function operationToJson(o: Msg): JsonObject {
  return plain(o, {
    parameters: (v) => (v as Msg[]).map(parameterToJson),
    externalDocs: (v) => plain(v as Msg),
    security: (v) => (v as Msg[]).map(securityToJson),
    responses: (v) => {
      const r = v as Msg;
      const out = namedToJson(r.responseCode, (rv) => (rv.jsonReference ? plain(rv.jsonReference as Msg) : plain(rv.response as Msg, { schema: (s) => schemaToJson((s as Msg).schema as Msg) })));
      extensionsToJson(r, out);
      return out;
    },
  });
}

function securityToJson(s: Msg): JsonObject {
  return namedToJson(s.additionalProperties, (a) => (a.value as string[] | undefined) ?? []);
}

/** Decodes a gnostic `openapi.v2.Document` back into Swagger 2.0 JSON. */
export function decodeOpenApiV2(bytes: Uint8Array): JsonObject {
  const type = docType();
  const m = type.toObject(type.decode(bytes), { longs: Number, arrays: false, defaults: false }) as Msg;
  return plain(m, {
    info: (v) => plain(v as Msg),
    externalDocs: (v) => plain(v as Msg),
    paths: (v) => {
      const p = v as Msg;
      const out = namedToJson(p.path, (item) =>
        plain(item, {
          get: (o) => operationToJson(o as Msg),
          put: (o) => operationToJson(o as Msg),
          post: (o) => operationToJson(o as Msg),
          delete: (o) => operationToJson(o as Msg),
          options: (o) => operationToJson(o as Msg),
          head: (o) => operationToJson(o as Msg),
          patch: (o) => operationToJson(o as Msg),
          parameters: (ps) => (ps as Msg[]).map(parameterToJson),
        }),
      );
      extensionsToJson(p, out);
      return out;
    },
    definitions: (v) => namedToJson((v as Msg).additionalProperties, schemaToJson),
    security: (v) => (v as Msg[]).map(securityToJson),
    securityDefinitions: (v) => namedToJson((v as Msg).additionalProperties, (item) => plain((item.apiKeySecurity ?? item.basicAuthenticationSecurity) as Msg)),
  });
}

export { InvalidDocument as InvalidOpenApiV2Document };
