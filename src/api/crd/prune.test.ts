import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../object.js';
import { goodWidget, widgetSchema } from './testing/crd-fixtures.js';
import { dropNonNullableNulls, pruneUnknownFields, strictDecodingMessage, unknownFieldWarning } from './prune.js';
import { compileSchema } from './structural-schema.js';

const schema = compileSchema(widgetSchema());

describe('pruneUnknownFields', () => {
  it('removes undeclared fields and reports their paths, sorted', () => {
    const w = goodWidget();
    const spec = w.spec as JsonObject;
    spec.foo = 1;
    spec.zeta = { deep: true };
    (spec.ports as JsonObject[])[1].extra = 'x';
    w.top = 'level';
    const paths = pruneUnknownFields(w, schema);
    expect(paths).toEqual(['spec.foo', 'spec.ports[1].extra', 'spec.zeta', 'top']);
    expect(w).toEqual(goodWidget());
  });

  it('keeps apiVersion, kind and metadata at the root even when the schema omits them', () => {
    const s = compileSchema({ type: 'object', properties: { spec: { type: 'object' } } });
    const obj: JsonObject = { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'n' }, spec: { x: 1 } };
    expect(pruneUnknownFields(obj, s)).toEqual(['spec.x']);
    expect(obj).toEqual({ apiVersion: 'a/v1', kind: 'K', metadata: { name: 'n' }, spec: {} });
  });

  it('reduces metadata to ObjectMeta fields, reporting them first', () => {
    const w = goodWidget();
    (w.metadata as JsonObject).bogus = 1;
    (w.metadata as JsonObject).ownerReferences = [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u', nope: 1 }];
    (w.spec as JsonObject).alpha = 1;
    expect(pruneUnknownFields(w, schema)).toEqual(['metadata.bogus', 'metadata.ownerReferences[0].nope', 'spec.alpha']);
    expect((w.metadata as JsonObject).bogus).toBeUndefined();
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields but prunes inside known ones', () => {
    const w = goodWidget();
    (w.spec as JsonObject).config = { anything: { x: 1 }, mode: 'manual' };
    expect(pruneUnknownFields(w, schema)).toEqual([]);
    expect((w.spec as JsonObject).config).toEqual({ anything: { x: 1 }, mode: 'manual' });

    const s = compileSchema({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
    });
    const obj: JsonObject = { extra: 1, spec: { a: 'x', b: 2 } };
    expect(pruneUnknownFields(obj, s)).toEqual(['spec.b']);
    expect(obj).toEqual({ extra: 1, spec: { a: 'x' } });
  });

  it('treats embedded resources as roots: keeps apiVersion/kind, prunes their metadata to ObjectMeta', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            template: {
              type: 'object',
              'x-kubernetes-embedded-resource': true,
              properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
            },
          },
        },
      },
    });
    const obj: JsonObject = {
      spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', foo: 1, creationTimestamp: null }, spec: { x: 'a', y: 'b' }, other: 1 } },
    };
    expect(pruneUnknownFields(obj, s)).toEqual(['spec.template.other', 'spec.template.spec.y', 'spec.template.metadata.foo']);
    expect(obj).toEqual({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'a' } } } });
  });

  it('prunes the contents of additionalProperties: true values and keeps maps with schemas', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            free: { type: 'object', additionalProperties: true },
            typed: { type: 'object', additionalProperties: { type: 'object', properties: { a: { type: 'string' } } } },
          },
        },
      },
    });
    const obj: JsonObject = { spec: { free: { k: 'v', o: { inner: 1 } }, typed: { one: { a: 'x', b: 'y' } } } };
    expect(pruneUnknownFields(obj, s)).toEqual(['spec.free.o.inner', 'spec.typed.one.b']);
    expect(obj).toEqual({ spec: { free: { k: 'v', o: {} }, typed: { one: { a: 'x' } } } });
  });

  it('formats the Warn and Strict messages as kube-apiserver does', () => {
    expect(unknownFieldWarning('spec.foo')).toBe('unknown field "spec.foo"');
    expect(strictDecodingMessage('CronTab', 'v1', ['spec.foo', 'spec.bar'])).toBe(
      'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
  });
});

describe('dropNonNullableNulls', () => {
  it('drops nulls that are neither nullable nor defaulted, keeping the others', () => {
    const w = goodWidget();
    const spec = w.spec as JsonObject;
    spec.name = null; // not nullable, no default: dropped
    spec.note = null; // nullable: kept
    spec.color = null; // has a default: kept for defaulting
    dropNonNullableNulls(w, schema);
    expect('name' in spec).toBe(false);
    expect(spec.note).toBeNull();
    expect(spec.color).toBeNull();
  });
});
