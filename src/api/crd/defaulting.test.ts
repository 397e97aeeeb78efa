import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../object.js';
import { goodWidget, widgetSchema } from './testing/crd-fixtures.js';
import { applySchemaDefaults } from './defaulting.js';
import { compileSchema } from './structural-schema.js';

const schema = compileSchema(widgetSchema());

describe('applySchemaDefaults', () => {
  it('fills missing properties, including nested defaults of a defaulted object', () => {
    const w: JsonObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'small' } };
    applySchemaDefaults(w, schema);
    expect(w.spec).toEqual({ size: 'small', color: 'red', replicas: 1, limits: { cpu: '100m' } });
  });

  it('leaves values that are set alone', () => {
    const w = goodWidget();
    (w.spec as JsonObject).color = 'green';
    (w.spec as JsonObject).limits = { cpu: '2' };
    applySchemaDefaults(w, schema);
    expect((w.spec as JsonObject).color).toBe('green');
    expect((w.spec as JsonObject).limits).toEqual({ cpu: '2' });
  });

  it('replaces null for non-nullable fields with the default, keeps null for nullable ones', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        a: { type: 'string', default: 'x' },
        b: { type: 'string', nullable: true, default: 'y' },
      },
    });
    const obj: JsonObject = { a: null, b: null };
    applySchemaDefaults(obj, s);
    expect(obj).toEqual({ a: 'x', b: null });
  });

  it('defaults array items and their properties', () => {
    const w = goodWidget();
    applySchemaDefaults(w, schema);
    expect((w.spec as JsonObject).ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'https', port: 443, protocol: 'TCP' },
    ]);
  });

  it('defaults null items and additionalProperties values', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'integer', default: 7 } },
        map: { type: 'object', additionalProperties: { type: 'object', default: {}, properties: { on: { type: 'boolean', default: true } } } },
      },
    });
    const obj: JsonObject = { list: [1, null], map: { a: null, b: { on: false } } };
    applySchemaDefaults(obj, s);
    expect(obj).toEqual({ list: [1, 7], map: { a: { on: true }, b: { on: false } } });
  });

  it('applies defaults inside preserve-unknown-fields objects', () => {
    const w = goodWidget();
    (w.spec as JsonObject).config = { other: 1 };
    applySchemaDefaults(w, schema);
    expect((w.spec as JsonObject).config).toEqual({ other: 1, mode: 'auto' });
  });

  it('never shares structure with the schema', () => {
    const s = compileSchema({ type: 'object', properties: { o: { type: 'object', default: { list: [1] } } } });
    const a: JsonObject = {};
    const b: JsonObject = {};
    applySchemaDefaults(a, s);
    applySchemaDefaults(b, s);
    ((a.o as JsonObject).list as number[]).push(2);
    expect(b.o).toEqual({ list: [1] });
    expect(s.properties?.get('o')?.default).toEqual({ list: [1] });
  });
});
