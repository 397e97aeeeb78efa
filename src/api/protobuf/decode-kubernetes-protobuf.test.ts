import { readFileSync } from 'node:fs';
import { Writer } from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { TypeDef } from '../schema/dsl.js';
import { bool, bytes, defineType, duration, f64, fieldsV1, i32, i64, intOrString, json, list, map, microTime, quantity, rawExtension, ref, str, time } from '../schema/dsl.js';
import { SchemaRegistry } from '../schema/registry.js';
import { decodeKubernetesProtobuf, decodeProtobufMessage, hasProtobufMagic, PROTOBUF_MAGIC, readProtobufEnvelope } from './decode-kubernetes-protobuf.js';
import { fixtureTypes } from './testdata/fixture-types.js';

const testdata = new URL('./testdata/', import.meta.url);

interface Fixture {
  name: string;
  command: string;
  request: string;
  /** Uses types (Pod) that testdata/fixture-types.ts does not mirror; see builtin-types-decode.test.ts. */
  builtinOnly?: boolean;
}

const fixtures = (JSON.parse(readFileSync(new URL('fixtures.json', testdata), 'utf8')) as Fixture[]).filter((f) => !f.builtinOnly);

describe('decodeKubernetesProtobuf on bodies captured from kubectl 1.32', () => {
  const registry = new SchemaRegistry(fixtureTypes);

  it('has the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  // Expected JSON = `kubectl … --dry-run=client -o json` of the same command with JSON nulls removed
  // (Go writes null for zero times and nil non-omitempty lists; lite omits them). Commands without a
  // client dry-run (token, auth can-i, auth whoami) have expectations written from the flags used.
  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (name, f) => {
    const body = readFileSync(new URL(`${name}.pb`, testdata));
    const expected = JSON.parse(readFileSync(new URL(`${name}.json`, testdata), 'utf8')) as unknown;
    expect(hasProtobufMagic(body), f.command).toBe(true);
    expect(decodeKubernetesProtobuf(body, registry)).toEqual(expected);
  });

  it('puts apiVersion, kind and metadata first', () => {
    const obj = decodeKubernetesProtobuf(readFileSync(new URL('deployment.pb', testdata)), registry);
    expect(Object.keys(obj)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(Object.keys(obj.spec as object)).toEqual(['replicas', 'selector', 'template', 'strategy']);
  });

  it('reads the envelope', () => {
    const env = readProtobufEnvelope(readFileSync(new URL('can-i.pb', testdata)));
    expect(env.apiVersion).toBe('authorization.k8s.io/v1');
    expect(env.kind).toBe('SelfSubjectAccessReview');
    expect(env.contentEncoding).toBe('');
    expect(env.contentType).toBe('');
    expect(env.raw.length).toBeGreaterThan(10);
  });
});

// ---- hand-built messages ------------------------------------------------------------------------

const T = 'test.v1.';
const testTypes: TypeDef[] = [
  defineType(
    `${T}Widget`,
    'widget',
    {
      metadata: [1, ref(`${T}Meta`)],
      name: [2, str],
      count: [3, i32],
      countPtr: [4, i32, { pointer: true }],
      flag: [5, bool],
      flagPtr: [6, bool, { pointer: true }],
      big: [7, i64],
      ratio: [8, f64],
      data: [9, bytes],
      numbers: [10, list(i32)],
      bigs: [11, list(i64)],
      flags: [12, list(bool)],
      names: [13, list(str)],
      labels: [14, map(str)],
      limits: [15, map(quantity)],
      extra: [16, map(ref(`${T}Words`))],
      port: [17, intOrString],
      portPtr: [18, intOrString, { pointer: true }],
      size: [19, quantity],
      at: [20, time, { pointer: true }],
      atMicro: [21, microTime],
      wait: [22, duration],
      raw: [23, rawExtension],
      anything: [24, json],
      fields: [25, fieldsV1, { pointer: true }],
      required: [26, i32, { noOmitEmpty: true }],
      requiredName: [27, str, { noOmitEmpty: true }],
      child: [28, ref(`${T}Child`)],
      children: [29, list(ref(`${T}Child`))],
      embedded: [30, ref(`${T}Embedded`), { inline: true }],
      embedded2: [33, ref(`${T}Embedded2`), { inline: true }],
      ratios: [31, list(f64)],
      zeroAt: [32, time],
    },
    { gvk: { group: 'test.example.com', version: 'v1', kind: 'Widget' } },
  ),
  defineType(`${T}Meta`, 'meta', { name: [1, str], labels: [11, map(str)] }),
  defineType(`${T}Words`, 'words', { items: [1, list(str)] }, { listWrapper: true }),
  defineType(`${T}Child`, 'child', { value: [1, str], deep: [2, ref(`${T}Child`), { pointer: true }] }),
  defineType(`${T}Embedded`, 'embedded', { hostPath: [1, str], emptyDir: [2, ref(`${T}Child`), { pointer: true }] }),
  defineType(`${T}Embedded2`, 'second embedded', { secretName: [1, str] }),
  defineType(`${T}Other`, 'other', { metadata: [1, ref(`${T}Meta`)] }, { gvk: { group: '', version: 'v1', kind: 'Other' } }),
];
const registry = new SchemaRegistry([...fixtureTypes, ...testTypes]);

/** Builds a message with protobufjs's Writer; `fn` writes the fields. */
function msg(fn: (w: Writer) => void): Uint8Array {
  const w = Writer.create();
  fn(w);
  return w.finish();
}

function tag(field: number, wire: number): number {
  return (field << 3) | wire;
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const typeMeta = msg((w) => w.uint32(tag(1, 2)).string(apiVersion).uint32(tag(2, 2)).string(kind));
  const unknown = msg((w) => w.uint32(tag(1, 2)).bytes(typeMeta).uint32(tag(2, 2)).bytes(raw).uint32(tag(3, 2)).string('').uint32(tag(4, 2)).string(''));
  const out = new Uint8Array(4 + unknown.length);
  out.set(PROTOBUF_MAGIC, 0);
  out.set(unknown, 4);
  return out;
}

function widget(fn: (w: Writer) => void): Record<string, unknown> {
  return decodeKubernetesProtobuf(envelope('test.example.com/v1', 'Widget', msg(fn)), registry);
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('decodeKubernetesProtobuf scalars and omitempty', () => {
  it('drops zero non-pointer scalars and keeps zero pointers', () => {
    const obj = widget((w) => {
      w.uint32(tag(2, 2)).string('');
      w.uint32(tag(3, 0)).int32(0);
      w.uint32(tag(4, 0)).int32(0);
      w.uint32(tag(5, 0)).bool(false);
      w.uint32(tag(6, 0)).bool(false);
      w.uint32(tag(7, 0)).int64(0);
      w.uint32(tag(9, 2)).bytes(new Uint8Array(0));
    });
    expect(obj).toEqual({ apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: {}, countPtr: 0, flagPtr: false, required: 0, requiredName: '' });
  });

  it('reads every scalar kind', () => {
    const obj = widget((w) => {
      w.uint32(tag(2, 2)).string('wid-ü');
      w.uint32(tag(3, 0)).int32(-7);
      w.uint32(tag(5, 0)).bool(true);
      w.uint32(tag(7, 0)).int64(2 ** 40 + 3);
      w.uint32(tag(8, 1)).double(0.25);
      w.uint32(tag(9, 2)).bytes(Uint8Array.of(0, 255, 1));
      w.uint32(tag(26, 0)).int32(5);
    });
    expect(obj).toMatchObject({ name: 'wid-ü', count: -7, flag: true, big: 2 ** 40 + 3, ratio: 0.25, data: 'AP8B', required: 5 });
  });

  it('reads negative int64 values', () => {
    expect(widget((w) => w.uint32(tag(7, 0)).int64(-5)).big).toBe(-5);
  });

  it('accepts repeated numbers packed and unpacked, in any mix', () => {
    const obj = widget((w) => {
      w.uint32(tag(10, 2)).fork().int32(1).int32(-2).int32(300).ldelim();
      w.uint32(tag(10, 0)).int32(4);
      w.uint32(tag(11, 0)).int64(2 ** 35);
      w.uint32(tag(12, 2)).fork().bool(true).bool(false).ldelim();
      w.uint32(tag(31, 2)).fork().double(1.5).double(-2).ldelim();
      w.uint32(tag(31, 1)).double(3);
    });
    expect(obj.numbers).toEqual([1, -2, 300, 4]);
    expect(obj.bigs).toEqual([2 ** 35]);
    expect(obj.flags).toEqual([true, false]);
    expect(obj.ratios).toEqual([1.5, -2, 3]);
  });

  it('keeps empty strings inside lists', () => {
    const obj = widget((w) => w.uint32(tag(13, 2)).string('a').uint32(tag(13, 2)).string('').uint32(tag(13, 2)).string('c'));
    expect(obj.names).toEqual(['a', '', 'c']);
  });

  it('skips unknown field numbers of every wire type', () => {
    const obj = widget((w) => {
      w.uint32(tag(90, 0)).int64(123456789);
      w.uint32(tag(91, 1)).fixed64(1);
      w.uint32(tag(92, 2)).string('ignored');
      w.uint32(tag(93, 5)).fixed32(7);
      w.uint32(tag(2, 2)).string('kept');
    });
    expect(obj.name).toBe('kept');
    expect(Object.keys(obj)).not.toContain('90');
  });
});

describe('decodeKubernetesProtobuf messages, maps and special types', () => {
  it('decodes maps, including entries without a value and list-wrapper values', () => {
    const obj = widget((w) => {
      w.uint32(tag(14, 2)).fork().uint32(tag(1, 2)).string('app').uint32(tag(2, 2)).string('web').ldelim();
      w.uint32(tag(14, 2)).fork().uint32(tag(1, 2)).string('empty').ldelim();
      w.uint32(tag(15, 2)).fork().uint32(tag(1, 2)).string('memory').uint32(tag(2, 2)).fork().uint32(tag(1, 2)).string('1024Mi').ldelim().ldelim();
      w.uint32(tag(16, 2)).fork().uint32(tag(1, 2)).string('scopes').uint32(tag(2, 2)).fork().uint32(tag(1, 2)).string('a').uint32(tag(1, 2)).string('b').ldelim().ldelim();
    });
    expect(obj.labels).toEqual({ app: 'web', empty: '' });
    expect(obj.limits).toEqual({ memory: '1Gi' });
    expect(obj.extra).toEqual({ scopes: ['a', 'b'] });
  });

  it('keeps nested messages even when empty, and recurses', () => {
    const obj = widget((w) => {
      w.uint32(tag(28, 2)).fork().ldelim();
      w.uint32(tag(29, 2)).fork().uint32(tag(1, 2)).string('x').uint32(tag(2, 2)).fork().uint32(tag(1, 2)).string('y').ldelim().ldelim();
    });
    expect(obj.child).toEqual({});
    expect(obj.children).toEqual([{ value: 'x', deep: { value: 'y' } }]);
  });

  it('lifts the members of an inline (embedded) struct into the parent', () => {
    const obj = widget((w) => {
      w.uint32(tag(2, 2)).string('v');
      w.uint32(tag(30, 2)).fork().uint32(tag(1, 2)).string('/data').uint32(tag(2, 2)).fork().ldelim().ldelim();
      w.uint32(tag(33, 2)).fork().uint32(tag(1, 2)).string('s').ldelim();
    });
    expect(obj).toMatchObject({ name: 'v', hostPath: '/data', emptyDir: {}, secretName: 's' });
    expect(Object.keys(obj)).not.toContain('embedded');
    expect(Object.keys(obj)).not.toContain('embedded2');
  });

  it('decodes IntOrString, Quantity, Time, MicroTime and Duration', () => {
    const obj = widget((w) => {
      w.uint32(tag(17, 2)).fork().uint32(tag(1, 0)).int64(0).uint32(tag(2, 0)).int32(8080).ldelim();
      w.uint32(tag(18, 2)).fork().uint32(tag(1, 0)).int64(1).uint32(tag(3, 2)).string('http').ldelim();
      w.uint32(tag(19, 2)).fork().uint32(tag(1, 2)).string('0.5').ldelim();
      w.uint32(tag(20, 2)).fork().uint32(tag(1, 0)).int64(1735689600).uint32(tag(2, 0)).int32(999_000_000).ldelim();
      w.uint32(tag(21, 2)).fork().uint32(tag(1, 0)).int64(1735689600).uint32(tag(2, 0)).int32(123_456_789).ldelim();
      w.uint32(tag(22, 2)).fork().uint32(tag(1, 0)).int64(3_600_000_000_000).ldelim();
    });
    expect(obj.port).toBe(8080);
    expect(obj.portPtr).toBe('http');
    expect(obj.size).toBe('500m');
    expect(obj.at).toBe('2025-01-01T00:00:00Z');
    expect(obj.atMicro).toBe('2025-01-01T00:00:00.123456Z');
    expect(obj.wait).toBe('1h0m0s');
  });

  it('omits zero times, even for pointer fields', () => {
    const obj = widget((w) => {
      w.uint32(tag(20, 2)).fork().ldelim();
      w.uint32(tag(32, 2)).fork().uint32(tag(1, 0)).int64(0).ldelim();
    });
    expect(obj).not.toHaveProperty('at');
    expect(obj).not.toHaveProperty('zeroAt');
  });

  it('treats an empty Quantity message as zero', () => {
    expect(widget((w) => w.uint32(tag(19, 2)).fork().ldelim()).size).toBe('0');
  });

  it('parses embedded JSON of RawExtension, JSON and FieldsV1', () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const obj = widget((w) => {
      w.uint32(tag(23, 2)).fork().uint32(tag(1, 2)).bytes(enc({ kind: 'Thing', spec: { a: 1 } })).ldelim();
      w.uint32(tag(24, 2)).fork().uint32(tag(1, 2)).bytes(enc([1, 'two'])).ldelim();
      w.uint32(tag(25, 2)).fork().uint32(tag(1, 2)).bytes(enc({ 'f:metadata': {} })).ldelim();
    });
    expect(obj.raw).toEqual({ kind: 'Thing', spec: { a: 1 } });
    expect(obj.anything).toEqual([1, 'two']);
    expect(obj.fields).toEqual({ 'f:metadata': {} });
  });

  it('decodes a protobuf object embedded in a RawExtension', () => {
    const inner = envelope('v1', 'Other', msg((w) => w.uint32(tag(1, 2)).fork().uint32(tag(1, 2)).string('in').ldelim()));
    const obj = widget((w) => w.uint32(tag(23, 2)).fork().uint32(tag(1, 2)).bytes(inner).ldelim());
    expect(obj.raw).toEqual({ apiVersion: 'v1', kind: 'Other', metadata: { name: 'in' } });
  });

  it('decodes a bare message with decodeProtobufMessage', () => {
    const bytesIn = msg((w) => w.uint32(tag(1, 2)).string('v'));
    expect(decodeProtobufMessage(bytesIn, `${T}Child`, registry)).toEqual({ value: 'v' });
  });
});

describe('decodeKubernetesProtobuf errors', () => {
  const good = envelope('test.example.com/v1', 'Widget', msg((w) => w.uint32(tag(2, 2)).string('abc')));

  it('rejects an empty body, a missing prefix and a bare prefix with 400', () => {
    expect(apiError(() => decodeKubernetesProtobuf(new Uint8Array(0), registry)).message).toBe('empty data');
    const e = apiError(() => decodeKubernetesProtobuf(new TextEncoder().encode('{"kind":"Pod"}'), registry));
    expect(e.code).toBe(400);
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toBe('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
    expect(apiError(() => decodeKubernetesProtobuf(PROTOBUF_MAGIC.slice(), registry)).message).toBe('empty body');
  });

  it('rejects data truncated inside any field with 400', () => {
    // Cuts that fall between two envelope fields leave a shorter but valid message; every other
    // cut breaks a length-delimited field.
    const env = readProtobufEnvelope(good);
    const afterTypeMeta = 4 + 2 + 2 + env.apiVersion.length + 2 + env.kind.length;
    const afterRaw = afterTypeMeta + 2 + env.raw.length;
    const boundaries = new Set([afterTypeMeta, afterRaw, afterRaw + 2, good.length]);
    let rejected = 0;
    for (let cut = 5; cut < good.length; cut++) {
      if (boundaries.has(cut)) continue;
      const e = apiError(() => decodeKubernetesProtobuf(good.subarray(0, cut), registry));
      expect(e.code, `cut at ${cut}`).toBe(400);
      rejected++;
    }
    expect(rejected).toBeGreaterThan(20);
  });

  it('words truncation inside the object like the apiserver does', () => {
    const raw = msg((w) => w.uint32(tag(2, 2)).string('abcdef'));
    const e = apiError(() => decodeKubernetesProtobuf(envelope('test.example.com/v1', 'Widget', raw.subarray(0, raw.length - 2)), registry));
    expect(e.message).toBe('Widget in version "v1" cannot be handled as a Widget: unexpected EOF');
  });

  it('rejects a wire type that contradicts the schema', () => {
    const e = apiError(() => widget((w) => w.uint32(tag(3, 2)).string('not a number')));
    expect(e.code).toBe(400);
    expect(e.message).toContain('proto: wrong wireType = 2 for field count');
  });

  it('rejects an invalid quantity with the upstream message', () => {
    const e = apiError(() => widget((w) => w.uint32(tag(19, 2)).fork().uint32(tag(1, 2)).string('lots').ldelim()));
    expect(e.code).toBe(400);
    expect(e.message).toContain("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });

  it('rejects invalid embedded JSON', () => {
    const e = apiError(() => widget((w) => w.uint32(tag(23, 2)).fork().uint32(tag(1, 2)).bytes(Uint8Array.of(123)).ldelim()));
    expect(e.code).toBe(400);
    expect(e.message).toContain('invalid JSON in field raw');
  });

  it('answers 415 for kinds without a schema (custom resources are JSON/YAML only)', () => {
    const e = apiError(() => decodeKubernetesProtobuf(envelope('example.com/v1', 'Gadget', new Uint8Array(0)), registry));
    expect(e.code).toBe(415);
    expect(e.reason).toBe('UnsupportedMediaType');
    expect(e.message).toContain('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
    expect(e.message).toContain('"Gadget"');
  });

  it('requires kind and apiVersion in the envelope', () => {
    expect(apiError(() => decodeKubernetesProtobuf(envelope('v1', '', new Uint8Array(0)), registry)).message).toMatch(/^Object 'Kind' is missing in/);
    expect(apiError(() => decodeKubernetesProtobuf(envelope('', 'Pod', new Uint8Array(0)), registry)).message).toMatch(/^Object 'apiVersion' is missing in/);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    let inner = msg((w) => w.uint32(tag(1, 2)).string('leaf'));
    for (let i = 0; i < 150; i++) {
      const child = inner;
      inner = msg((w) => w.uint32(tag(2, 2)).bytes(child));
    }
    const e = apiError(() => widget((w) => w.uint32(tag(28, 2)).bytes(inner)));
    expect(e.code).toBe(400);
    expect(e.message).toContain('nesting deeper than');
  });
});
