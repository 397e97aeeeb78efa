/**
 * OpenAPI value validation of custom resources, behaving like kube-openapi's SchemaValidator as
 * kube-apiserver uses it for CRs, and turning its findings into field errors the way
 * apiextensions-apiserver does (pkg/apiserver/validation/validation.go).
 *
 * Faithful details that show up on the wire:
 *  - messages name the value by its path relative to the validated root, e.g.
 *    `spec.replicas in body must be of type integer: "string"` — for a type error the "value" is the
 *    JSON type name of what was sent, not the value itself;
 *  - required/enum/maxLength/maxItems/maxProperties map to Required/NotSupported/TooLong/TooMany;
 *    everything else becomes Invalid with kube-openapi's message as detail;
 *  - junctor failures (`"spec.x" must validate at least one schema (anyOf)`) are not tied to a
 *    field: upstream reports them with a nil path, which renders as `<nil>`;
 *  - integral JSON numbers are int64 in Go, so bounds are truncated to integers when compared with
 *    them (and printed as integers); other numbers are float64 and printed with Go's %v;
 *  - on update, errors inside a value that did not change are dropped ("ratcheting", on by default
 *    since Kubernetes 1.30), correlating objects by key and list-type=map items by their keys.
 *
 * `x-kubernetes-validations` (CEL) rules are not evaluated: lite has no CEL engine, so such rules
 * are accepted in schemas but never enforced.
 */
import type { FieldError } from '../errors.js';
import { isJsonObject, jsonEqual, type JsonValue } from '../object.js';
import { goFloat, goNumber, goValue } from '../go/go-format.js';
import type { SchemaNode } from './structural-schema.js';
import { isEnforcedFormat, matchesFormat } from './string-formats.js';

type Code =
  | 'type'
  | 'required'
  | 'tooLong'
  | 'tooShort'
  | 'pattern'
  | 'enum'
  | 'multipleOf'
  | 'max'
  | 'min'
  | 'unique'
  | 'maxItems'
  | 'minItems'
  | 'tooFewProperties'
  | 'tooManyProperties'
  | 'notAllowed'
  | 'multipleOfPositive';

/** A kube-openapi `*errors.Validation` (tied to a value path) or a composite error (`code` undefined). */
interface OpenApiError {
  readonly code?: Code;
  readonly name: string;
  readonly value?: JsonValue;
  readonly valid?: number;
  readonly values?: readonly JsonValue[];
  readonly message: string;
}

/** kube-openapi's Result: errors de-duplicated by message, plus the match count used to rank anyOf/oneOf failures. */
class Result {
  errors: OpenApiError[] = [];
  matchCount = 0;

  add(e: OpenApiError): void {
    if (!this.errors.some((x) => x.message === e.message)) this.errors.push(e);
  }

  merge(...others: (Result | undefined)[]): this {
    for (const o of others) {
      if (!o) continue;
      for (const e of o.errors) this.add(e);
      this.matchCount += o.matchCount;
    }
    return this;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

function single(e: OpenApiError): Result {
  const r = new Result();
  r.errors.push(e);
  return r;
}

export interface SchemaValidationOptions {
  /**
   * Validate a schema's `default` rather than a request body: upstream builds that validator from
   * the structural schema, which keeps non-string formats and does not widen int-or-string types.
   */
  readonly forDefault?: boolean;
  /** The stored object, for update validation with ratcheting. */
  readonly old?: JsonValue;
}

/** Where correlation stands for ratcheting: the old value of the node being validated. */
interface Correlation {
  readonly old: JsonValue;
}

/**
 * Validates `value` against `schema`; errors are rendered under `fieldPrefix` (undefined = the
 * value is the resource itself, as for whole-object validation; `'status'` for /status updates).
 */
export function validateSchemaValue(value: JsonValue, schema: SchemaNode, fieldPrefix: string | undefined, options: SchemaValidationOptions = {}): FieldError[] {
  const v = new Validator(options.forDefault === true);
  const corr: Correlation | undefined = options.old === undefined ? undefined : { old: options.old };
  const result = v.validateRatcheting(schema, value, '', corr);
  return result.errors.map((e) => toFieldError(e, fieldPrefix));
}

class Validator {
  readonly #forDefault: boolean;

  constructor(forDefault: boolean) {
    this.#forDefault = forDefault;
  }

  /**
   * Validates a node that may correlate with an old value: when it does and the value is
   * unchanged, its errors are downgraded to warnings upstream, which lite does not surface.
   */
  validateRatcheting(s: SchemaNode, data: JsonValue, path: string, corr: Correlation | undefined): Result {
    const res = this.validate(s, data, path, corr);
    if (res.valid || corr === undefined || !jsonEqual(data, corr.old)) return res;
    const kept = new Result();
    kept.matchCount = res.matchCount;
    return kept;
  }

  #types(s: SchemaNode): string[] {
    if (!this.#forDefault && s.xIntOrString) return ['integer', 'string'];
    return s.type ? [s.type] : [];
  }

  #typeFormat(s: SchemaNode): string {
    return this.#forDefault ? s.format : s.enforcedFormat;
  }

  validate(s: SchemaNode, data: JsonValue, path: string, corr: Correlation | undefined): Result {
    const result = new Result();
    if (data === null) {
      result.merge(this.#typeCheck(s, data, path));
      result.merge(this.#enumCheck(s, data, path));
      return result;
    }
    const types = this.#types(s);
    const steps: (() => Result | undefined)[] = [];
    if (types.length > 0 || this.#typeFormat(s) !== '') steps.push(() => this.#typeCheck(s, data, path));
    steps.push(() => this.#junctors(s, data, path, corr));
    if (typeof data === 'string') {
      steps.push(() => this.#stringCheck(s, data, path));
      if (isEnforcedFormat(s.format)) steps.push(() => this.#formatCheck(s, data, path));
    }
    if (typeof data === 'number') steps.push(() => this.#numberCheck(s, data, path));
    if (Array.isArray(data)) steps.push(() => this.#sliceCheck(s, data, path, corr));
    steps.push(() => this.#enumCheck(s, data, path));
    if (isJsonObject(data)) steps.push(() => this.#objectCheck(s, data, path, corr));
    for (const step of steps) {
      result.merge(step());
      result.matchCount++;
    }
    result.matchCount++;
    return result;
  }

  #typeCheck(s: SchemaNode, data: JsonValue, path: string): Result {
    const types = this.#types(s);
    const format = this.#typeFormat(s);
    const ok = new Result();
    ok.matchCount = 1;
    if (data === null) {
      if (types.length > 0 && !types.includes('null') && !s.nullable) return single(invalidType(path, types.join(','), 'null'));
      return ok;
    }
    const [schType, dataFormat] = typeInfo(data);
    const isFloatInt = schType === 'number' && typeof data === 'number' && isFloat64AJSONInteger(data) && types.includes('integer');
    const isIntFloat = schType === 'integer' && types.includes('number');
    const isStringOrSlice = typeof data === 'string' || Array.isArray(data);
    if (!isStringOrSlice && format !== '' && !(types.includes(schType) || dataFormat === format || isFloatInt || isIntFloat)) {
      return single(invalidType(path, format, dataFormat));
    }
    if (!(types.includes('number') || types.includes('integer')) && format !== '' && isStringOrSlice) return ok;
    if (!(types.includes(schType) || isFloatInt || isIntFloat)) return single(invalidType(path, types.join(','), schType));
    return ok;
  }

  #junctors(s: SchemaNode, data: JsonValue, path: string, corr: Correlation | undefined): Result {
    const main = new Result();
    if (s.anyOf.length > 0) {
      let best: Result | undefined;
      let firstSuccess: Result | undefined;
      let succeeded = false;
      for (const alt of s.anyOf) {
        const r = this.validate(alt, data, path, corr);
        if (r.valid) {
          best = undefined;
          succeeded = true;
          firstSuccess ??= r;
          break;
        }
        if (best === undefined || r.matchCount > best.matchCount) best = r;
      }
      if (!succeeded) main.add({ name: path, message: `${JSON.stringify(path)} must validate at least one schema (anyOf)` });
      if (best) main.merge(best);
      else if (firstSuccess) main.merge(firstSuccess);
    }
    if (s.oneOf.length > 0) {
      let best: Result | undefined;
      let firstSuccess: Result | undefined;
      let validated = 0;
      for (const alt of s.oneOf) {
        const r = this.validate(alt, data, path, corr);
        if (r.valid) {
          validated++;
          best = undefined;
          firstSuccess ??= r;
          continue;
        }
        if (validated === 0 && (best === undefined || r.matchCount > best.matchCount)) best = r;
      }
      if (validated !== 1) {
        const extra = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
        main.add({ name: path, message: `${JSON.stringify(path)} must validate one and only one schema (oneOf). ${extra}` });
        if (best) main.merge(best);
      } else if (firstSuccess) {
        main.merge(firstSuccess);
      }
    }
    if (s.allOf.length > 0) {
      let validated = 0;
      for (const alt of s.allOf) {
        const r = this.validate(alt, data, path, corr);
        if (r.valid) validated++;
        main.merge(r);
      }
      if (validated !== s.allOf.length) {
        main.add({ name: path, message: `${JSON.stringify(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}` });
      }
    }
    if (s.not && this.validate(s.not, data, path, corr).valid) {
      main.add({ name: path, message: `${JSON.stringify(path)} must not validate the schema (not)` });
    }
    main.matchCount++;
    return main;
  }

  #stringCheck(s: SchemaNode, data: string, path: string): Result | undefined {
    const runes = [...data].length;
    if (s.maxLength !== undefined && runes > s.maxLength) {
      return single({ code: 'tooLong', name: path, value: data, valid: s.maxLength, message: `${path} in body should be at most ${s.maxLength} chars long` });
    }
    if (s.minLength !== undefined && runes < s.minLength) {
      return single({ code: 'tooShort', name: path, value: data, valid: s.minLength, message: `${path} in body should be at least ${s.minLength} chars long` });
    }
    if (s.pattern !== undefined) {
      if (s.patternRegExp === undefined) {
        return single({ code: 'pattern', name: path, value: data, message: `${path} in body should match '${s.pattern}, but pattern is invalid: ${s.patternError ?? ''}'` });
      }
      if (!s.patternRegExp.test(data)) return single({ code: 'pattern', name: path, value: data, message: `${path} in body should match '${s.pattern}'` });
    }
    return undefined;
  }

  #formatCheck(s: SchemaNode, data: string, path: string): Result | undefined {
    if (matchesFormat(s.format, data)) return undefined;
    return single(invalidType(path, s.format, data));
  }

  #numberCheck(s: SchemaNode, data: number, path: string): Result {
    const res = new Result();
    const isInt = Number.isInteger(data);
    const resMultiple = new Result();
    const resMin = new Result();
    const resMax = new Result();
    if (s.multipleOf !== undefined) {
      if (isInt) {
        const factor = Math.trunc(s.multipleOf);
        if (factor <= 0) resMultiple.add(multipleOfPositive(path, data, goNumber(factor)));
        else if (data % factor !== 0) resMultiple.add({ code: 'multipleOf', name: path, value: data, message: `${path} in body should be a multiple of ${goNumber(factor)}` });
      } else {
        const factor = s.multipleOf;
        if (factor <= 0) resMultiple.add(multipleOfPositive(path, data, goFloat(factor)));
        else {
          const mult = factor < 1 ? (1 / factor) * data : data / factor;
          if (!isFloat64AJSONInteger(mult)) resMultiple.add({ code: 'multipleOf', name: path, value: data, message: `${path} in body should be a multiple of ${goFloat(factor)}` });
        }
      }
    }
    if (s.maximum !== undefined) {
      const max = isInt ? Math.trunc(s.maximum) : s.maximum;
      const over = s.exclusiveMaximum ? data >= max : data > max;
      if (over) {
        const bound = isInt ? goNumber(max) : goFloat(max);
        const msg = s.exclusiveMaximum ? `${path} in body should be less than ${bound}` : `${path} in body should be less than or equal to ${bound}`;
        resMax.add({ code: 'max', name: path, value: data, message: msg });
      }
    }
    if (s.minimum !== undefined) {
      const min = isInt ? Math.trunc(s.minimum) : s.minimum;
      const under = s.exclusiveMinimum ? data <= min : data < min;
      if (under) {
        const bound = isInt ? goNumber(min) : goFloat(min);
        const msg = s.exclusiveMinimum ? `${path} in body should be greater than ${bound}` : `${path} in body should be greater than or equal to ${bound}`;
        resMin.add({ code: 'min', name: path, value: data, message: msg });
      }
    }
    res.merge(resMultiple, resMin, resMax);
    res.matchCount++;
    return res;
  }

  #sliceCheck(s: SchemaNode, data: JsonValue[], path: string, corr: Correlation | undefined): Result {
    const result = new Result();
    if (s.items) {
      const oldItems = s.xListType === 'map' && corr && Array.isArray(corr.old) ? corr.old : undefined;
      for (let i = 0; i < data.length; i++) {
        const itemCorr = oldItems ? correlateMapListItem(s, data[i], oldItems) : undefined;
        result.merge(this.validateRatcheting(s.items, data[i], `${path}[${i}]`, itemCorr));
      }
    }
    const size = data.length;
    if (s.minItems !== undefined && size < s.minItems) {
      result.add({ code: 'minItems', name: path, value: size, valid: s.minItems, message: `${path} in body should have at least ${s.minItems} items` });
    }
    if (s.maxItems !== undefined && size > s.maxItems) {
      result.add({ code: 'maxItems', name: path, value: size, valid: s.maxItems, message: `${path} in body should have at most ${s.maxItems} items` });
    }
    if (s.uniqueItems && data.some((x, i) => data.slice(0, i).some((y) => jsonEqual(x, y)))) {
      result.add({ code: 'unique', name: path, message: `${path} in body shouldn't contain duplicates` });
    }
    result.matchCount++;
    return result;
  }

  #enumCheck(s: SchemaNode, data: JsonValue, path: string): Result | undefined {
    if (!s.enum) return undefined;
    for (const e of s.enum) {
      if (e === null) continue;
      if (data === null) continue;
      if (jsonEqual(data, e)) return undefined;
      // Go converts the value to the enum value's type before comparing: a float64 becomes an
      // int64 (truncated) when the enum value is integral.
      if (typeof data === 'number' && typeof e === 'number' && Number.isInteger(e) && Math.trunc(data) === e) return undefined;
    }
    return single({ code: 'enum', name: path, value: data, values: s.enum, message: `${path} in body should be one of ${goValue(s.enum)}` });
  }

  #objectCheck(s: SchemaNode, data: { [k: string]: JsonValue | undefined }, path: string, corr: Correlation | undefined): Result {
    const res = new Result();
    const keys = Object.keys(data).filter((k) => data[k] !== undefined);
    const n = keys.length;
    if (s.minProperties !== undefined && n < s.minProperties) {
      res.add({ code: 'tooFewProperties', name: path, value: n, valid: s.minProperties, message: `${path} in body should have at least ${s.minProperties} properties` });
    }
    if (s.maxProperties !== undefined && n > s.maxProperties) {
      res.add({ code: 'tooManyProperties', name: path, value: n, valid: s.maxProperties, message: `${path} in body should have at most ${s.maxProperties} properties` });
    }
    const oldObj = corr && isJsonObject(corr.old) ? corr.old : undefined;
    const childCorr = (k: string, hasSchema: boolean): Correlation | undefined => {
      if (!oldObj || !hasSchema || (path === '' && (k === 'kind' || k === 'apiVersion'))) return undefined;
      const old = oldObj[k];
      return old === undefined ? undefined : { old };
    };
    const ap = s.additionalProperties;
    if (ap && !ap.allows) {
      for (const k of keys) {
        if (!s.properties?.has(k)) res.add({ code: 'notAllowed', name: path, value: k, message: `${path}.${k} in body is a forbidden property` });
      }
    } else if (ap?.schema) {
      for (const k of keys) {
        if (s.properties?.has(k)) continue;
        res.merge(this.validateRatcheting(ap.schema, data[k] as JsonValue, `${path}.${k}`, childCorr(k, true)));
      }
    }
    if (s.properties) {
      for (const [name, prop] of s.properties) {
        const v = data[name];
        if (v === undefined) continue;
        res.merge(this.validateRatcheting(prop, v, path === '' ? name : `${path}.${name}`, childCorr(name, true)));
      }
    }
    for (const k of s.required) {
      if (data[k] === undefined) res.add({ code: 'required', name: `${path}.${k}`, message: `${path}.${k} in body is required` });
    }
    return res;
  }
}

function correlateMapListItem(s: SchemaNode, item: JsonValue, oldItems: JsonValue[]): Correlation | undefined {
  if (!isJsonObject(item)) return undefined;
  const keys = s.xListMapKeys;
  for (const old of oldItems) {
    if (isJsonObject(old) && keys.every((k) => jsonEqual(old[k], item[k]))) return { old };
  }
  return undefined;
}

function invalidType(path: string, typeName: string, value: string): OpenApiError {
  return { code: 'type', name: path, value, message: `${path} in body must be of type ${typeName}: ${JSON.stringify(value)}` };
}

function multipleOfPositive(path: string, data: number, factor: string): OpenApiError {
  return { code: 'multipleOfPositive', name: path, value: data, message: `factor MultipleOf declared for ${path} must be positive: ${factor}` };
}

function typeInfo(data: JsonValue): [string, string] {
  if (typeof data === 'boolean') return ['boolean', ''];
  if (typeof data === 'string') return ['string', ''];
  if (typeof data === 'number') return Number.isInteger(data) ? ['integer', 'int64'] : ['number', 'float64'];
  if (Array.isArray(data)) return ['array', ''];
  return ['object', ''];
}

/** go-openapi swag.IsFloat64AJSONInteger: integral within a relative tolerance of 1e-9. */
function isFloat64AJSONInteger(f: number): boolean {
  const maxJSON = 2 ** 53;
  if (!Number.isFinite(f) || f < -maxJSON || f > maxJSON) return false;
  if (Number.isInteger(f)) return true;
  const g = Math.trunc(f);
  const diff = Math.abs(f - g);
  if (g === 0) return diff < 1e-9 * Number.MIN_VALUE;
  return diff / Math.min(Math.abs(f) + Math.abs(g), Number.MAX_VALUE) < 1e-9;
}

function toFieldError(e: OpenApiError, prefix: string | undefined): FieldError {
  if (e.code === undefined) {
    return { type: 'FieldValueInvalid', field: prefix ?? '<nil>', value: '', detail: e.message };
  }
  const name = e.name.startsWith('.') ? e.name.slice(1) : e.name;
  const field = name === '' ? (prefix ?? '<nil>') : prefix ? `${prefix}.${name}` : name;
  switch (e.code) {
    case 'required':
      return { type: 'FieldValueRequired', field };
    case 'enum':
      return {
        type: 'FieldValueNotSupported',
        field,
        value: e.value ?? null,
        supported: (e.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      };
    case 'tooLong':
      return { type: 'FieldValueTooLong', field, detail: `may not be more than ${e.valid ?? -1} bytes` };
    case 'maxItems':
    case 'tooManyProperties':
      return { type: 'FieldValueTooMany', field, value: e.value, detail: `must have at most ${e.valid ?? -1} items` };
    case 'type':
      return { type: 'FieldValueTypeInvalid', field, value: e.value ?? '', detail: e.message };
    default:
      return { type: 'FieldValueInvalid', field, value: e.value ?? '', detail: e.message };
  }
}
