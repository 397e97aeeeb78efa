/**
 * Decoding of Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`),
 * which kubectl 1.32 sends for `create <generator>`, `create token`, `auth can-i` and `auth whoami`.
 *
 * Wire format (apimachinery pkg/runtime/serializer/protobuf): the 4 bytes `k8s\0`, then a
 * runtime.Unknown message { 1: TypeMeta { 1: apiVersion, 2: kind }, 2: raw, 3: contentEncoding,
 * 4: contentType }, where `raw` is the object encoded with the field numbers of k8s.io/api's
 * generated.proto. Decoding is driven entirely by lite's schema DSL: FieldDef.proto gives the field
 * number, the TypeRef the wire and JSON shape. The result is the JSON object the Kubernetes API
 * server would produce for the same bytes:
 *  - non-pointer scalars holding their zero value are dropped (Go's `omitempty`), unless the field
 *    is marked `noOmitEmpty`, in which case a missing value is filled with its zero;
 *  - pointer scalars keep zero values; nested messages present on the wire are always kept;
 *  - maps are repeated { 1: key, 2: value } entries; repeated numeric fields may be packed or not;
 *  - unknown field numbers are skipped;
 *  - a zero metav1.Time is omitted; Quantity strings are parsed and written back canonically.
 *
 * Inline (embedded) structs: Go structs embedded with `json:",inline"` (Volume.VolumeSource,
 * Probe.ProbeHandler, IngressRule.IngressRuleValue …) are FieldDefs with `inline` set; on the wire
 * they are an ordinary nested message, in JSON their members are lifted into the parent object.
 */
import { Reader } from 'protobufjs/minimal.js';
import { ApiError } from '../errors.js';
import type { JsonObject, JsonValue, KubeObject } from '../object.js';
import { isJsonObject, parseApiVersion, rfc3339 } from '../object.js';
import type { FieldDef, Scalar, Special, TypeDef, TypeRef } from '../schema/dsl.js';
import { parseQuantity, QuantityError } from '../schema/quantity.js';
import type { SchemaRegistry } from '../schema/registry.js';
import { formatGoDuration } from '../go/go-time.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4-byte prefix of every Kubernetes protobuf document: "k8s\0". */
export const PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** Nesting beyond this is refused rather than risking the stack on hostile input. */
const MAX_DEPTH = 100;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

/** The unwrapped runtime.Unknown envelope. */
export interface ProtobufEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
  readonly contentEncoding: string;
  readonly contentType: string;
}

/** True when the body starts with the Kubernetes protobuf magic. */
export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= 4 && body[0] === 0x6b && body[1] === 0x38 && body[2] === 0x73 && body[3] === 0x00;
}

/**
 * Decodes a Kubernetes protobuf document into the object's JSON form, with apiVersion and kind
 * taken from the envelope.
 *
 * Errors (all ApiError):
 *  - 400 BadRequest: empty body, missing magic, truncated or malformed bytes, missing kind or
 *    apiVersion, a wire type that contradicts the schema, an invalid quantity or embedded JSON;
 *    texts follow the apiserver's decode errors (`Kind in version "v" cannot be handled as a Kind: …`);
 *  - 415 UnsupportedMediaType: the envelope names a kind lite has no schema for (custom
 *    resources, which kube-apiserver also accepts only as JSON or YAML).
 */
export function decodeKubernetesProtobuf(body: Uint8Array, registry: SchemaRegistry): KubeObject {
  const env = readProtobufEnvelope(body);
  const { group, version } = parseApiVersion(env.apiVersion);
  const def = registry.byGvk({ group, version, kind: env.kind });
  if (!def) {
    throw ApiError.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf is not available for kind "${env.kind}" in version "${env.apiVersion}")`,
    );
  }
  let decoded: JsonObject;
  try {
    decoded = decodeRaw(env.raw, def.name, registry);
  } catch (e) {
    if (e instanceof WireError) throw ApiError.badRequest(`${env.kind} in version "${version}" cannot be handled as a ${env.kind}: ${e.message}`);
    throw e;
  }
  const { metadata, ...rest } = decoded;
  return { apiVersion: env.apiVersion, kind: env.kind, metadata: isJsonObject(metadata) ? metadata : {}, ...rest };
}

/** Unwraps the `k8s\0` + runtime.Unknown envelope; throws ApiError 400 when it is not one. */
export function readProtobufEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length === 0) throw ApiError.badRequest('empty data');
  if (!hasProtobufMagic(body)) throw ApiError.badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  if (body.length === 4) throw ApiError.badRequest('empty body');
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array(0);
  let contentEncoding = '';
  let contentType = '';
  try {
    const r = new Reader(body.subarray(4));
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field >= 1 && field <= 4 && wire !== WIRE_LENGTH_DELIMITED) throw new WireError(`proto: wrong wireType = ${wire} for field ${UNKNOWN_FIELD_NAMES[field]}`);
      switch (field) {
        case 1: {
          const end = r.uint32() + r.pos;
          checkEnd(r, end);
          while (r.pos < end) {
            const t = r.uint32();
            if ((t & 7) !== WIRE_LENGTH_DELIMITED) skip(r, t & 7);
            else if (t >>> 3 === 1) apiVersion = r.string();
            else if (t >>> 3 === 2) kind = r.string();
            else skip(r, t & 7);
          }
          if (r.pos !== end) throw new WireError('unexpected EOF');
          break;
        }
        case 2:
          raw = r.bytes();
          break;
        case 3:
          contentEncoding = r.string();
          break;
        case 4:
          contentType = r.string();
          break;
        default:
          skip(r, wire);
      }
    }
  } catch (e) {
    throw ApiError.badRequest(`unable to decode the protobuf envelope: ${wireMessage(e)}`);
  }
  const typeMeta = `runtime.TypeMeta{APIVersion:${JSON.stringify(apiVersion)}, Kind:${JSON.stringify(kind)}}`;
  if (!kind) throw ApiError.badRequest(`Object 'Kind' is missing in '${typeMeta}'`);
  if (!apiVersion) throw ApiError.badRequest(`Object 'apiVersion' is missing in '${typeMeta}'`);
  return { apiVersion, kind, raw, contentEncoding, contentType };
}

const UNKNOWN_FIELD_NAMES = ['', 'TypeMeta', 'Raw', 'ContentEncoding', 'ContentType'];

/**
 * Decodes one message of the named type (no envelope), e.g. a nested object held elsewhere.
 * Malformed input throws ApiError 400.
 */
export function decodeProtobufMessage(bytes: Uint8Array, typeName: string, registry: SchemaRegistry): JsonObject {
  try {
    return decodeRaw(bytes, typeName, registry);
  } catch (e) {
    if (e instanceof WireError) throw ApiError.badRequest(e.message);
    throw e;
  }
}

/** Decodes `bytes` as `typeName`; malformed input throws WireError. */
function decodeRaw(bytes: Uint8Array, typeName: string, registry: SchemaRegistry): JsonObject {
  const def = registry.get(typeName);
  try {
    const r = new Reader(bytes);
    const v = new MessageDecoder(registry).message(r, r.len, def, 0);
    if (Array.isArray(v)) throw new Error(`schema: ${typeName} is a listWrapper type, not an object`);
    return v;
  } catch (e) {
    if (e instanceof RangeError) throw new WireError('unexpected EOF');
    throw e;
  }
}

/** A malformed-input failure inside the raw object, worded like Go's protobuf errors. */
class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

function wireMessage(e: unknown): string {
  if (e instanceof WireError) return e.message;
  if (e instanceof RangeError) return 'unexpected EOF';
  if (e instanceof Error) return e.message;
  return String(e);
}

function checkEnd(r: Reader, end: number): void {
  if (end > r.len) throw new RangeError('index out of range');
}

function skip(r: Reader, wire: number): void {
  if (wire === 3 || wire === 4 || wire > 5) throw new WireError(`proto: illegal wireType ${wire}`);
  r.skipType(wire);
}

class MessageDecoder {
  readonly #registry: SchemaRegistry;

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  /**
   * Reads the fields of `def` from r.pos up to `end`. Returns the JSON object, or for a
   * listWrapper type the JSON array of its items.
   */
  message(r: Reader, end: number, def: TypeDef, depth: number): JsonObject | JsonValue[] {
    if (depth > MAX_DEPTH) throw new WireError(`message nesting deeper than ${MAX_DEPTH}`);
    checkEnd(r, end);
    const values = new Map<FieldDef, JsonValue>();
    while (r.pos < end) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = this.#registry.fieldByProto(def.name, tag >>> 3);
      if (!field) {
        skip(r, wire);
        continue;
      }
      this.#field(r, wire, field, values, depth);
    }
    if (r.pos !== end) throw new WireError('unexpected EOF');
    if (def.listWrapper) {
      const items = def.fields.length > 0 ? values.get(def.fields[0]) : undefined;
      return Array.isArray(items) ? items : [];
    }
    const out: JsonObject = {};
    for (const f of def.fields) {
      const v = values.get(f);
      if (v === undefined) {
        if (f.noOmitEmpty && !f.pointer && f.type.t === 'scalar') out[f.name] = zeroScalar(f.type.scalar);
        continue;
      }
      if (f.inline) {
        if (isJsonObject(v)) Object.assign(out, v);
        continue;
      }
      if (f.type.t === 'scalar' && !f.pointer && !f.noOmitEmpty && isZeroScalar(v)) continue;
      // Zero times and empty raw documents are dropped: Go would write null for them.
      if (f.type.t === 'special' && v === null) continue;
      out[f.name] = v;
    }
    return out;
  }

  #field(r: Reader, wire: number, field: FieldDef, values: Map<FieldDef, JsonValue>, depth: number): void {
    const type = field.type;
    switch (type.t) {
      case 'list': {
        let arr = values.get(field) as JsonValue[] | undefined;
        if (!arr) {
          arr = [];
          values.set(field, arr);
        }
        const items = type.items;
        if (wire === WIRE_LENGTH_DELIMITED && items.t === 'scalar' && isPackable(items.scalar)) {
          const end = r.uint32() + r.pos;
          checkEnd(r, end);
          const itemWire = items.scalar === 'double' ? WIRE_FIXED64 : WIRE_VARINT;
          while (r.pos < end) arr.push(this.#scalar(r, itemWire, items.scalar, field));
          if (r.pos !== end) throw new WireError('unexpected EOF');
        } else {
          arr.push(this.#value(r, wire, items, field, depth));
        }
        return;
      }
      case 'map': {
        expectWire(wire, WIRE_LENGTH_DELIMITED, field);
        let obj = values.get(field) as JsonObject | undefined;
        if (!obj) {
          obj = {};
          values.set(field, obj);
        }
        const end = r.uint32() + r.pos;
        checkEnd(r, end);
        let key = '';
        let value: JsonValue | undefined;
        while (r.pos < end) {
          const tag = r.uint32();
          const n = tag >>> 3;
          const w = tag & 7;
          if (n === 1) {
            expectWire(w, WIRE_LENGTH_DELIMITED, field);
            key = r.string();
          } else if (n === 2) value = this.#value(r, w, type.values, field, depth);
          else skip(r, w);
        }
        if (r.pos !== end) throw new WireError('unexpected EOF');
        obj[key] = value === undefined ? this.#zero(type.values) : value;
        return;
      }
      default:
        values.set(field, this.#value(r, wire, type, field, depth));
    }
  }

  /** One singular value of `type` at the reader's position. */
  #value(r: Reader, wire: number, type: TypeRef, field: FieldDef, depth: number): JsonValue {
    switch (type.t) {
      case 'scalar':
        return this.#scalar(r, wire, type.scalar, field);
      case 'ref': {
        expectWire(wire, WIRE_LENGTH_DELIMITED, field);
        const end = r.uint32() + r.pos;
        return this.message(r, end, this.#registry.get(type.name), depth + 1);
      }
      case 'special': {
        expectWire(wire, WIRE_LENGTH_DELIMITED, field);
        const end = r.uint32() + r.pos;
        checkEnd(r, end);
        return this.#special(r, end, type.special, field);
      }
      case 'list':
      case 'map':
        // Protobuf cannot nest repeated fields or maps directly; the Kubernetes API wraps such
        // values in a message (a listWrapper type), so this is a schema definition error.
        throw new Error(`schema: field ${field.name} nests a ${type.t} directly inside a list or map; use a listWrapper type`);
    }
  }

  #scalar(r: Reader, wire: number, scalar: Scalar, field: FieldDef): JsonValue {
    switch (scalar) {
      case 'string':
        expectWire(wire, WIRE_LENGTH_DELIMITED, field);
        return r.string();
      case 'bytes':
        expectWire(wire, WIRE_LENGTH_DELIMITED, field);
        return base64(r.bytes());
      case 'boolean':
        expectWire(wire, WIRE_VARINT, field);
        return r.bool();
      case 'int32':
        expectWire(wire, WIRE_VARINT, field);
        return r.int32();
      case 'int64':
        expectWire(wire, WIRE_VARINT, field);
        return longToNumber(r.int64());
      case 'double':
        expectWire(wire, WIRE_FIXED64, field);
        return r.double();
    }
  }

  #special(r: Reader, end: number, special: Special, field: FieldDef): JsonValue {
    switch (special) {
      case 'Quantity': {
        let s = '';
        this.#fields(r, end, field, (n, w) => {
          if (n !== 1) return false;
          expectWire(w, WIRE_LENGTH_DELIMITED, field);
          s = r.string();
          return true;
        });
        if (s === '') return '0';
        try {
          return parseQuantity(s).canonical;
        } catch (e) {
          if (e instanceof QuantityError) throw new WireError(e.message);
          throw e;
        }
      }
      case 'IntOrString': {
        let kind = 0;
        let intVal = 0;
        let strVal = '';
        this.#fields(r, end, field, (n, w) => {
          if (n === 1) {
            expectWire(w, WIRE_VARINT, field);
            kind = longToNumber(r.int64());
          } else if (n === 2) {
            expectWire(w, WIRE_VARINT, field);
            intVal = r.int32();
          } else if (n === 3) {
            expectWire(w, WIRE_LENGTH_DELIMITED, field);
            strVal = r.string();
          } else return false;
          return true;
        });
        return kind === 1 ? strVal : intVal;
      }
      case 'Time':
      case 'MicroTime': {
        let seconds = 0;
        let nanos = 0;
        this.#fields(r, end, field, (n, w) => {
          if (n === 1) {
            expectWire(w, WIRE_VARINT, field);
            seconds = longToNumber(r.int64());
          } else if (n === 2) {
            expectWire(w, WIRE_VARINT, field);
            nanos = r.int32();
          } else return false;
          return true;
        });
        if (seconds === 0 && nanos === 0) return null;
        // metav1.Time keeps whole seconds only; MicroTime keeps microseconds.
        if (special === 'Time') return rfc3339(seconds * 1000);
        const base = new Date(seconds * 1000).toISOString().slice(0, 19);
        return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
      }
      case 'Duration': {
        let ns = 0n;
        this.#fields(r, end, field, (n, w) => {
          if (n !== 1) return false;
          expectWire(w, WIRE_VARINT, field);
          ns = longToBigInt(r.int64());
          return true;
        });
        return formatGoDuration(ns);
      }
      case 'RawExtension':
      case 'JSON':
      case 'FieldsV1': {
        let raw: Uint8Array | undefined;
        this.#fields(r, end, field, (n, w) => {
          if (n !== 1) return false;
          expectWire(w, WIRE_LENGTH_DELIMITED, field);
          raw = r.bytes();
          return true;
        });
        if (!raw || raw.length === 0) return null;
        if (special === 'RawExtension' && hasProtobufMagic(raw)) return this.#embeddedObject(raw);
        try {
          return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')) as JsonValue;
        } catch (e) {
          throw new WireError(`invalid JSON in field ${field.name}: ${(e as Error).message}`);
        }
      }
    }
  }

  /** A RawExtension holding a protobuf-encoded object (e.g. in watch events) decodes recursively. */
  #embeddedObject(raw: Uint8Array): JsonValue {
    try {
      return decodeKubernetesProtobuf(raw, this.#registry) as unknown as JsonValue;
    } catch (e) {
      if (e instanceof ApiError) throw new WireError(e.message);
      throw e;
    }
  }

  /** Iterates the fields of a small well-known message; `visit` returns false to skip one. */
  #fields(r: Reader, end: number, field: FieldDef, visit: (number: number, wire: number) => boolean): void {
    while (r.pos < end) {
      const tag = r.uint32();
      if (!visit(tag >>> 3, tag & 7)) skip(r, tag & 7);
    }
    if (r.pos !== end) throw new WireError(`unexpected EOF in field ${field.name}`);
  }

  /** The value Go holds for a map entry whose value is absent from the wire. */
  #zero(type: TypeRef): JsonValue {
    switch (type.t) {
      case 'scalar':
        return zeroScalar(type.scalar);
      case 'ref':
        return this.#registry.get(type.name).listWrapper ? [] : {};
      case 'list':
        return [];
      case 'map':
        return {};
      case 'special':
        switch (type.special) {
          case 'Quantity':
            return '0';
          case 'IntOrString':
            return 0;
          case 'Duration':
            return '0s';
          default:
            return null;
        }
    }
  }
}

function expectWire(actual: number, expected: number, field: FieldDef): void {
  if (actual === expected) return;
  throw new WireError(`proto: wrong wireType = ${actual} for field ${field.name}`);
}

function isPackable(scalar: string): boolean {
  return scalar === 'boolean' || scalar === 'int32' || scalar === 'int64' || scalar === 'double';
}

function zeroScalar(scalar: string): JsonValue {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return '';
    case 'boolean':
      return false;
    default:
      return 0;
  }
}

function isZeroScalar(v: JsonValue): boolean {
  return v === '' || v === 0 || v === false;
}

interface LongLike {
  low: number;
  high: number;
}

function longToNumber(v: LongLike | number): number {
  if (typeof v === 'number') return v;
  return v.high * 0x1_0000_0000 + (v.low >>> 0);
}

function longToBigInt(v: LongLike | number): bigint {
  if (typeof v === 'number') return BigInt(v);
  return (BigInt(v.high) << 32n) + BigInt(v.low >>> 0);
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}
