import { describe, expect, it } from 'vitest';
import type { FieldDef, TypeDef } from '../dsl.js';
import { meta } from '../dsl.js';
import { SchemaRegistry } from '../registry.js';
import { metaV1Types, specialSchemaNames } from './meta-v1.js';

function field(reg: SchemaRegistry, type: string, name: string): FieldDef {
  const f = reg.field(type, name);
  if (!f) throw new Error(`no field ${type}.${name}`);
  return f;
}

function names(defs: readonly TypeDef[]): string[] {
  return defs.map((d) => d.name);
}

describe('meta/v1 type definitions', () => {
  const reg = new SchemaRegistry(metaV1Types);

  it('has unique names and no dangling references', () => {
    expect(new Set(names(metaV1Types)).size).toBe(metaV1Types.length);
    expect(reg.danglingReferences()).toEqual([]);
  });

  it('gives every type and field a doc', () => {
    for (const d of metaV1Types) {
      expect(d.doc, d.name).toBeTruthy();
      for (const f of d.fields) expect(f.doc, `${d.name}.${f.name}`).toBeTruthy();
    }
  });

  it('matches upstream ObjectMeta', () => {
    const om = meta('ObjectMeta');
    expect(field(reg, om, 'name').proto).toBe(1);
    expect(field(reg, om, 'uid').proto).toBe(5);
    expect(field(reg, om, 'creationTimestamp')).toMatchObject({ proto: 8, type: { t: 'special', special: 'Time' } });
    expect(field(reg, om, 'creationTimestamp').pointer).toBeUndefined();
    expect(field(reg, om, 'deletionTimestamp')).toMatchObject({ proto: 9, pointer: true, type: { t: 'special', special: 'Time' } });
    expect(field(reg, om, 'deletionGracePeriodSeconds')).toMatchObject({ proto: 10, pointer: true, type: { t: 'scalar', scalar: 'int64' } });
    expect(field(reg, om, 'labels')).toMatchObject({ proto: 11, type: { t: 'map', values: { t: 'scalar', scalar: 'string' } } });
    expect(field(reg, om, 'ownerReferences')).toMatchObject({ proto: 13, patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] });
    expect(field(reg, om, 'finalizers')).toMatchObject({ proto: 14, patchStrategy: 'merge', listType: 'set' });
    expect(field(reg, om, 'managedFields')).toMatchObject({ proto: 17, listType: 'atomic' });
    // proto numbers 15 (clusterName) and 16 (initializers) were removed upstream and must stay unused
    expect(reg.fieldByProto(om, 15)).toBeUndefined();
    expect(reg.fieldByProto(om, 16)).toBeUndefined();
    expect(reg.get(om).fields.every((f) => !f.required)).toBe(true);
  });

  it('matches upstream selectors, owner references and managed fields', () => {
    expect(reg.get(meta('LabelSelector')).structType).toBe('atomic');
    expect(field(reg, meta('LabelSelectorRequirement'), 'operator')).toMatchObject({ proto: 2, required: true, noOmitEmpty: true });
    const owner = meta('OwnerReference');
    expect(reg.get(owner).structType).toBe('atomic');
    expect(field(reg, owner, 'apiVersion')).toMatchObject({ proto: 5, required: true });
    expect(field(reg, owner, 'kind').proto).toBe(1);
    expect(field(reg, owner, 'controller')).toMatchObject({ proto: 6, pointer: true });
    const mfe = meta('ManagedFieldsEntry');
    expect(field(reg, mfe, 'fieldsV1')).toMatchObject({ proto: 7, pointer: true, type: { t: 'special', special: 'FieldsV1' } });
    expect(field(reg, mfe, 'subresource').proto).toBe(8);
    expect(reg.fieldByProto(mfe, 5)).toBeUndefined();
  });

  it('matches upstream Status, DeleteOptions and WatchEvent', () => {
    const status = reg.byGvk({ group: '', version: 'v1', kind: 'Status' });
    expect(status?.name).toBe(meta('Status'));
    expect(field(reg, meta('Status'), 'code')).toMatchObject({ proto: 6, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(reg, meta('StatusDetails'), 'uid').proto).toBe(6);
    expect(field(reg, meta('StatusDetails'), 'retryAfterSeconds').proto).toBe(5);
    const del = meta('DeleteOptions');
    expect(field(reg, del, 'propagationPolicy')).toMatchObject({ proto: 4, pointer: true });
    expect(field(reg, del, 'dryRun')).toMatchObject({ proto: 5, type: { t: 'list' } });
    expect(reg.byGvk({ group: 'apps', version: 'v1', kind: 'DeleteOptions' })?.name).toBe(del);
    expect(reg.byGvk({ group: '', version: 'v1', kind: 'DeleteOptions' })?.name).toBe(del);
    expect(reg.byGvk({ group: 'batch', version: 'v1', kind: 'WatchEvent' })?.name).toBe(meta('WatchEvent'));
    expect(field(reg, meta('WatchEvent'), 'object')).toMatchObject({ proto: 2, required: true, type: { t: 'special', special: 'RawExtension' } });
    expect(reg.get(meta('Patch')).fields).toEqual([]);
  });

  it('matches upstream discovery documents', () => {
    const res = meta('APIResource');
    expect(field(reg, res, 'singularName')).toMatchObject({ proto: 6, required: true });
    expect(field(reg, res, 'storageVersionHash').proto).toBe(10);
    // verbs is a named []string in Go: a wrapper message on the wire, a plain array in JSON
    const verbs = field(reg, res, 'verbs');
    expect(verbs).toMatchObject({ proto: 4, required: true, type: { t: 'ref', name: meta('Verbs') } });
    expect(reg.get(meta('Verbs'))).toMatchObject({ listWrapper: true, fields: [{ name: 'items', proto: 1 }] });
    expect(reg.byGvk({ group: '', version: 'v1', kind: 'APIGroupList' })?.name).toBe(meta('APIGroupList'));
    expect(field(reg, meta('APIVersions'), 'serverAddressByClientCIDRs')).toMatchObject({ proto: 2, required: true });
  });

  it('names the special types by their upstream OpenAPI schema', () => {
    expect(specialSchemaNames.Time).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    expect(specialSchemaNames.Quantity).toBe('io.k8s.apimachinery.pkg.api.resource.Quantity');
    expect(specialSchemaNames.IntOrString).toBe('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    expect(specialSchemaNames.Duration).toBeUndefined();
  });
});
