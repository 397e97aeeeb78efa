/**
 * Server-side field validation of request bodies against lite's schema DSL, the equivalent of the
 * strict JSON decoding kube-apiserver performs (sigs.k8s.io/json with DisallowUnknownFields, case
 * sensitive) when a client sends `?fieldValidation=Strict` (kubectl does on create/update/patch).
 *
 * Two kinds of findings:
 *  - unknown fields, named as upstream's strict decoder names them: object keys joined by ".", list
 *    positions as "[i]", map keys as ".key" (`spec.template.spec.containers[0].imagePullPolicyX`);
 *    they matter only under Strict (error) and Warn (warnings);
 *  - values of the wrong JSON type or that a special type cannot parse (a string for an int32, a
 *    bad quantity, an invalid RFC 3339 time, bad base64): errors under every directive, because the
 *    apiserver cannot decode such a body at all. Their `detail` carries the message Go would print,
 *    e.g. `json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32`.
 *
 * JSON null is accepted everywhere (Go decodes it as the zero value). Duplicate keys cannot be seen
 * here: the body has already been parsed.
 */
import { isJsonObject } from '../object.js';
import { ApiError } from '../errors.js';
import { goJsonKind } from '../go/go-format.js';
import { goDurationParseError, goTimeParseError } from '../go/go-time.js';
import type { FieldError } from '../errors.js';
import type { Scalar, Special, TypeDef, TypeRef } from './dsl.js';
import { parseQuantity, QuantityError } from './quantity.js';
import type { SchemaRegistry } from './registry.js';

export interface FieldCheck {
  /** Unknown fields in upstream's path form, deduplicated, in document order (at most 100). */
  readonly unknown: string[];
  /** Type mismatches and unparsable values, in document order (at most 100). */
  readonly errors: FieldError[];
}

/** Upstream stops collecting strict errors after 100; so does lite. */
const MAX_FINDINGS = 100;

/**
 * Walks `obj` against the type `typeName`. Top-level kinds (types with a GVK) also accept
 * `apiVersion` and `kind`. Fast: one pass, no allocation for fields that are fine.
 */
export function checkFields(obj: unknown, typeName: string, registry: SchemaRegistry): FieldCheck {
  const walker = new Walker(registry);
  const def = registry.get(typeName);
  if (isJsonObject(obj)) walker.struct(obj, def);
  else if (obj !== null && obj !== undefined) walker.typeError(obj, goTypeOfDef(def));
  return { unknown: walker.unknown, errors: walker.errors };
}

// ---- directives and their outcome ---------------------------------------------------------------

export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

/**
 * Reads the `fieldValidation` query parameter. Absent or empty means Warn, the server's default.
 * Anything else is refused with upstream's 422, e.g. `CreateOptions.meta.k8s.io "" is invalid:
 * fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"`.
 */
export function parseFieldValidation(value: string | null | undefined, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidationDirective {
  if (value === undefined || value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw ApiError.invalid({ group: 'meta.k8s.io', kind: optionsKind }, '', [
    { type: 'FieldValueNotSupported', field: 'fieldValidation', value, supported: ['', 'Ignore', 'Strict', 'Warn'] },
  ]);
}

/** What the request body was decoded as (create and update). */
export interface BodyTarget {
  readonly kind: string;
  /** The version of the kind, without group: "v1". */
  readonly version: string;
}

/** A patch: findings refer to the patched object, reported as upstream does for PATCH. */
export interface PatchTarget {
  /** The patched object (or the patch) as shown in the error, normally its JSON. */
  readonly patch: string;
}

export interface FieldValidationOutcome {
  /** Set when the request must fail. */
  readonly error?: ApiError;
  /** `Warning` header texts (Warn directive), e.g. `unknown field "spec.foo"`. */
  readonly warnings: readonly string[];
}

/**
 * Turns a FieldCheck into the server's answer:
 *  - type errors fail under every directive; for a body: 400 BadRequest
 *    `Deployment in version "v1" cannot be handled as a Deployment: <first error>`;
 *  - Strict with unknown fields fails; for a body: 400 BadRequest `… cannot be handled as a
 *    Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`;
 *  - for a patch both fail as upstream's patch handler does: 422 Invalid on field `patch`;
 *  - Warn returns one warning per unknown field; Ignore returns nothing.
 * Every finding is also listed in `details.causes`.
 */
export function fieldValidationOutcome(check: FieldCheck, directive: FieldValidationDirective, target: BodyTarget | PatchTarget): FieldValidationOutcome {
  const unknownTexts = check.unknown.map(unknownFieldMessage);
  if (check.errors.length > 0) {
    const first = check.errors[0];
    return { error: failure(target, first.detail ?? first.field, check.errors.map(errorCause)), warnings: [] };
  }
  if (check.unknown.length === 0 || directive === 'Ignore') return { warnings: [] };
  if (directive === 'Warn') return { warnings: unknownTexts };
  const causes = check.unknown.map((path, i) => ({ reason: 'FieldValueInvalid', message: unknownTexts[i], field: path }));
  return { error: failure(target, `strict decoding error: ${unknownTexts.join(', ')}`, causes), warnings: [] };
}

/** Upstream's text for one unknown field: `unknown field "spec.foo"`. */
export function unknownFieldMessage(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

function failure(target: BodyTarget | PatchTarget, message: string, causes: { reason: string; message: string; field: string }[]): ApiError {
  if ('patch' in target) {
    const body = `Invalid value: ${JSON.stringify(target.patch)}: ${message}`;
    return new ApiError(422, 'Invalid', ` "" is invalid: patch: ${body}`, { causes: [{ reason: 'FieldValueInvalid', message: body, field: 'patch' }, ...causes] });
  }
  return new ApiError(400, 'BadRequest', `${target.kind} in version ${JSON.stringify(target.version)} cannot be handled as a ${target.kind}: ${message}`, { causes });
}

function errorCause(e: FieldError): { reason: string; message: string; field: string } {
  return { reason: e.type, message: e.detail ?? '', field: e.field };
}

// ---- the walk -----------------------------------------------------------------------------------

type JsonObjectLike = Record<string, unknown>;

class Walker {
  readonly unknown: string[] = [];
  readonly errors: FieldError[] = [];
  readonly #registry: SchemaRegistry;
  readonly #seen = new Set<string>();
  /** Strict-path segments: keys, or "[i]" for list positions. */
  readonly #path: string[] = [];
  /** Struct field names only, as Go's UnmarshalTypeError reports them. */
  readonly #goPath: string[] = [];
  /** The Go struct that declares the field being decoded. */
  #goStruct = '';

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  struct(obj: JsonObjectLike, def: TypeDef): void {
    const typeMeta = def.gvk !== undefined;
    const structName = shortName(def.name);
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      const f = this.#registry.field(def.name, key);
      if (!f) {
        if (typeMeta && (key === 'apiVersion' || key === 'kind')) {
          if (typeof value !== 'string' && value !== null) this.#withField(key, structName, () => this.typeError(value, 'string'));
          continue;
        }
        this.#addUnknown(key);
        continue;
      }
      if (value === null || value === undefined) continue;
      this.#withField(key, structName, () => this.#value(value, f.type));
    }
  }

  #withField(key: string, structName: string, fn: () => void): void {
    const savedStruct = this.#goStruct;
    this.#path.push(key);
    this.#goPath.push(key);
    this.#goStruct = structName;
    fn();
    this.#goStruct = savedStruct;
    this.#goPath.pop();
    this.#path.pop();
  }

  #value(v: unknown, type: TypeRef): void {
    switch (type.t) {
      case 'scalar':
        this.#scalar(v, type.scalar);
        return;
      case 'ref': {
        const def = this.#registry.get(type.name);
        if (def.listWrapper) {
          const items = def.fields[0]?.type;
          if (!Array.isArray(v)) this.typeError(v, goTypeOfDef(def));
          else if (items?.t === 'list') this.#items(v, items.items);
          return;
        }
        if (isJsonObject(v)) this.struct(v, def);
        else this.typeError(v, goTypeOfDef(def));
        return;
      }
      case 'list':
        if (Array.isArray(v)) this.#items(v, type.items);
        else this.typeError(v, goType(type, this.#registry));
        return;
      case 'map':
        if (!isJsonObject(v)) {
          this.typeError(v, goType(type, this.#registry));
          return;
        }
        for (const key of Object.keys(v)) {
          const item = v[key];
          if (item === null || item === undefined) continue;
          this.#path.push(key);
          this.#value(item, type.values);
          this.#path.pop();
        }
        return;
      case 'special':
        this.#special(v, type.special);
    }
  }

  #items(arr: unknown[], items: TypeRef): void {
    for (let i = 0; i < arr.length; i++) {
      const item = arr[i];
      if (item === null || item === undefined) continue;
      this.#path.push(`[${i}]`);
      this.#value(item, items);
      this.#path.pop();
    }
  }

  #scalar(v: unknown, scalar: Scalar): void {
    switch (scalar) {
      case 'string':
        if (typeof v !== 'string') this.typeError(v, 'string');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.typeError(v, 'bool');
        return;
      case 'int32':
      case 'int64': {
        if (typeof v !== 'number') {
          this.typeError(v, scalar);
          return;
        }
        const limit = scalar === 'int32' ? 2 ** 31 : 2 ** 63;
        if (!Number.isInteger(v) || v < -limit || v >= limit) this.typeError(v, scalar, `number ${String(v)}`);
        return;
      }
      case 'double':
        if (typeof v !== 'number') this.typeError(v, 'float64');
        return;
      case 'bytes': {
        if (typeof v !== 'string') {
          this.typeError(v, '[]uint8');
          return;
        }
        const bad = base64ErrorOffset(v);
        if (bad !== undefined) this.#invalid(v, `illegal base64 data at input byte ${bad}`);
        return;
      }
    }
  }

  #special(v: unknown, special: Special): void {
    switch (special) {
      case 'Quantity': {
        // Go hands the raw JSON text to Quantity.UnmarshalJSON, which parses anything but strings
        // and numbers as a (bad) quantity.
        const text = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v).replace('e+', 'e') : JSON.stringify(v);
        try {
          parseQuantity(text);
        } catch (e) {
          if (e instanceof QuantityError) this.#invalid(v, e.message);
          else throw e;
        }
        return;
      }
      case 'IntOrString':
        if (typeof v === 'string') return;
        if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return;
        this.#invalid(v, `json: cannot unmarshal ${goJsonKind(v, true)} into Go value of type int32`);
        return;
      case 'Time':
      case 'MicroTime': {
        if (typeof v !== 'string') {
          this.#invalid(v, `json: cannot unmarshal ${goJsonKind(v)} into Go value of type string`);
          return;
        }
        const problem = goTimeParseError(v, special === 'MicroTime');
        if (problem) this.#invalid(v, problem);
        return;
      }
      case 'Duration': {
        if (typeof v !== 'string') {
          this.#invalid(v, `json: cannot unmarshal ${goJsonKind(v)} into Go value of type string`);
          return;
        }
        const problem = goDurationParseError(v);
        if (problem) this.#invalid(v, problem);
        return;
      }
      case 'FieldsV1':
        if (!isJsonObject(v)) this.typeError(v, 'v1.FieldsV1');
        return;
      case 'RawExtension':
      case 'JSON':
        return;
    }
  }

  /** A JSON value of the wrong kind, worded as Go's UnmarshalTypeError. */
  typeError(v: unknown, goTypeName: string, valueText: string = goJsonKind(v)): void {
    const where = this.#goPath.length > 0 ? `Go struct field ${this.#goStruct}.${this.#goPath.join('.')}` : 'Go value';
    this.#addError({ type: 'FieldValueTypeInvalid', field: this.#pathString(), value: v, detail: `json: cannot unmarshal ${valueText} into ${where} of type ${goTypeName}` });
  }

  /** A value a special type's own decoder refuses; the message is that decoder's. */
  #invalid(v: unknown, message: string): void {
    this.#addError({ type: 'FieldValueInvalid', field: this.#pathString(), value: v, detail: message });
  }

  #addError(e: FieldError): void {
    if (this.errors.length < MAX_FINDINGS) this.errors.push(e);
  }

  #addUnknown(key: string): void {
    if (this.unknown.length >= MAX_FINDINGS) return;
    this.#path.push(key);
    const path = this.#pathString();
    this.#path.pop();
    if (this.#seen.has(path)) return;
    this.#seen.add(path);
    this.unknown.push(path);
  }

  #pathString(): string {
    let out = '';
    for (const seg of this.#path) {
      if (seg.startsWith('[')) out += seg;
      else out += out === '' ? seg : `.${seg}`;
    }
    return out;
  }
}

/** `io.k8s.api.core.v1.PodSpec` → `PodSpec` (the Go struct name). */
function shortName(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}

/** `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec` (Go's package-qualified type name). */
function goTypeOfDef(def: TypeDef): string {
  const last = def.name.lastIndexOf('.');
  const pkgStart = def.name.lastIndexOf('.', last - 1);
  return def.name.slice(pkgStart + 1);
}

const SCALAR_GO_TYPES: Readonly<Record<Scalar, string>> = { string: 'string', boolean: 'bool', int32: 'int32', int64: 'int64', double: 'float64', bytes: '[]uint8' };
const SPECIAL_GO_TYPES: Readonly<Record<Special, string>> = {
  Quantity: 'resource.Quantity',
  IntOrString: 'intstr.IntOrString',
  Time: 'v1.Time',
  MicroTime: 'v1.MicroTime',
  Duration: 'v1.Duration',
  RawExtension: 'runtime.RawExtension',
  JSON: 'v1.JSON',
  FieldsV1: 'v1.FieldsV1',
};

function goType(type: TypeRef, registry: SchemaRegistry): string {
  switch (type.t) {
    case 'scalar':
      return SCALAR_GO_TYPES[type.scalar];
    case 'ref':
      return goTypeOfDef(registry.get(type.name));
    case 'list':
      return `[]${goType(type.items, registry)}`;
    case 'map':
      return `map[string]${goType(type.values, registry)}`;
    case 'special':
      return SPECIAL_GO_TYPES[type.special];
  }
}

// ---- Go value formats ----------------------------------------------------------------------------

const BASE64_ALPHABET = new Uint8Array(128).fill(0);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[c.charCodeAt(0)] = 1;

/**
 * Where Go's base64.StdEncoding (padded; CR and LF ignored) would report "illegal base64 data at
 * input byte N", or undefined when the text decodes.
 */
export function base64ErrorOffset(s: string): number | undefined {
  let i = 0;
  const n = s.length;
  const isNewline = (c: number) => c === 10 || c === 13;
  for (;;) {
    // one quantum of four symbols
    let j = 0;
    while (j < 4) {
      if (i === n) {
        if (j === 0) return undefined;
        return i - j;
      }
      const c = s.charCodeAt(i++);
      if (c < 128 && BASE64_ALPHABET[c] === 1) {
        j++;
        continue;
      }
      if (isNewline(c)) continue;
      if (c !== 61 /* = */) return i - 1;
      if (j < 2) return i - 1;
      if (j === 2) {
        while (i < n && isNewline(s.charCodeAt(i))) i++;
        if (i === n) return n;
        if (s.charCodeAt(i) !== 61) return i - 1;
        i++;
      }
      while (i < n && isNewline(s.charCodeAt(i))) i++;
      return i < n ? i : undefined;
    }
  }
}
