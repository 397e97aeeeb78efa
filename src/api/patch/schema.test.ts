import { describe, expect, it } from 'vitest';
import { bool, defineType, json, list, map, ref, str, rawExtension } from '../schema/dsl.js';
import { SchemaRegistry } from '../schema/registry.js';
import type { FieldSchema, PatchSchemaNode, StructSchema } from './schema.js';
import { memberSchema } from './schema.js';
import { objectMetaSchema, schemaFromOpenApi } from './schema-from-openapi.js';
import { schemaFromRegistry } from './schema-from-registry.js';
import { DEPLOYMENT, fixtureRegistry } from './testing/fixture-schemas.js';

function at(node: PatchSchemaNode, ...path: string[]): FieldSchema {
  let field: FieldSchema = { node };
  for (const p of path) {
    if (p === '[]') {
      if (field.node.kind !== 'list') throw new Error(`not a list at ${p}`);
      field = field.node.items;
    } else {
      field = memberSchema(field.node, p).field;
    }
  }
  return field;
}

describe('schemaFromRegistry', () => {
  const d = schemaFromRegistry(fixtureRegistry(), DEPLOYMENT);

  it('adds apiVersion and kind to top-level kinds', () => {
    expect((d as StructSchema).field('apiVersion')?.node).toMatchObject({ kind: 'scalar', scalarType: 'string' });
    expect((d as StructSchema).field('nope')).toBeUndefined();
  });

  it('carries SMP strategies and SSA list types of the fields', () => {
    const containers = at(d, 'spec', 'template', 'spec', 'containers');
    expect(containers).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'name', implicit: 'null' });
    expect(containers.node).toMatchObject({ kind: 'list', listType: 'map', keys: ['name'] });
    expect(at(d, 'spec', 'template', 'spec', 'volumes')).toMatchObject({ patchStrategy: 'merge', retainKeys: true });
    expect(at(d, 'spec', 'strategy')).toMatchObject({ retainKeys: true, implicit: 'emptyObject' });
    expect(at(d, 'spec', 'strategy').patchStrategy).toBeUndefined();
    expect(at(d, 'spec', 'strategy', 'rollingUpdate').implicit).toBeUndefined();
    expect(at(d, 'metadata', 'finalizers').node).toMatchObject({ kind: 'list', listType: 'set' });
    expect(at(d, 'spec', 'template', 'spec', 'tolerations').node).toMatchObject({ kind: 'list', listType: 'atomic' });
    expect(at(d, 'spec', 'selector').node).toMatchObject({ kind: 'struct', atomic: true });
    expect(at(d, 'spec', 'template', 'spec', 'nodeSelector').node).toMatchObject({ kind: 'map', atomic: true });
    expect(at(d, 'metadata', 'creationTimestamp').implicit).toBe('null');
  });

  it('gives list-map keys their upstream defaults', () => {
    expect(at(d, 'spec', 'template', 'spec', 'containers', '[]', 'ports', '[]', 'protocol').default).toBe('TCP');
  });

  it('derives list types from patch strategies when no listType is given, and treats RawExtension/JSON as deduced', () => {
    const reg = new SchemaRegistry([
      defineType('t.Root', '', {
        merged: [1, list(ref('t.Item')), { patchStrategy: 'merge', patchMergeKey: 'id' }],
        tags: [2, list(str), { patchStrategy: 'merge' }],
        plain: [3, list(str)],
        raw: [4, rawExtension],
        any: [5, json],
        labels: [6, map(str)],
        flag: [7, bool],
      }),
      defineType('t.Item', '', { id: [1, str] }),
    ]);
    const root = schemaFromRegistry(reg, 't.Root');
    expect(at(root, 'merged').node).toMatchObject({ listType: 'map', keys: ['id'] });
    expect(at(root, 'tags').node).toMatchObject({ listType: 'set' });
    expect(at(root, 'plain').node).toMatchObject({ listType: 'atomic' });
    expect(at(root, 'raw').node).toMatchObject({ kind: 'untyped', granular: true });
    expect(at(root, 'any').node).toMatchObject({ kind: 'untyped', granular: true });
    expect(at(root, 'labels').node).toMatchObject({ kind: 'map', atomic: false });
    expect(at(root, 'flag').node).toMatchObject({ kind: 'scalar', scalarType: 'boolean' });
  });

  it('lifts the members of inline (embedded) structs into the parent', () => {
    const reg = new SchemaRegistry([
      defineType('t.Volume', '', { name: [1, str], source: [2, ref('t.Source'), { inline: true }] }),
      defineType('t.Source', '', { secret: [1, ref('t.Secret'), { pointer: true }], tags: [2, list(str), { patchStrategy: 'merge' }] }),
      defineType('t.Secret', '', { secretName: [1, str] }),
    ]);
    const volume = schemaFromRegistry(reg, 't.Volume') as StructSchema;
    expect(volume.field('source')).toBeUndefined();
    expect(at(volume, 'secret', 'secretName').node).toMatchObject({ kind: 'scalar', scalarType: 'string' });
    expect(at(volume, 'tags').node).toMatchObject({ listType: 'set' });
  });
});

describe('schemaFromOpenApi', () => {
  const s = schemaFromOpenApi({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          port: { 'x-kubernetes-int-or-string': true },
          size: { type: 'integer' },
          selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { app: { type: 'string' } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          rules: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['host', 'port'], items: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer', default: 80 } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          args: { type: 'array', items: { type: 'string' } },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        },
      },
    },
  });

  it('maps structural schema extensions to nodes', () => {
    expect(at(s, 'spec', 'port').node).toMatchObject({ kind: 'scalar', scalarType: 'untyped' });
    expect(at(s, 'spec', 'size').node).toMatchObject({ kind: 'scalar', scalarType: 'numeric' });
    expect(at(s, 'spec', 'selector').node).toMatchObject({ kind: 'struct', atomic: true });
    expect(at(s, 'spec', 'labels').node).toMatchObject({ kind: 'map', atomic: false });
    expect(at(s, 'spec', 'rules').node).toMatchObject({ kind: 'list', listType: 'map', keys: ['host', 'port'] });
    expect(at(s, 'spec', 'rules', '[]', 'port').default).toBe(80);
    expect(at(s, 'spec', 'tags').node).toMatchObject({ kind: 'list', listType: 'set' });
    expect(at(s, 'spec', 'args').node).toMatchObject({ kind: 'list', listType: 'atomic' });
    expect(at(s, 'spec', 'extra').node).toMatchObject({ kind: 'untyped', granular: true });
    expect(at(s, 'spec', 'open', 'unknownField').node).toMatchObject({ kind: 'untyped', granular: true });
    expect((at(s, 'spec', 'open').node as StructSchema).field('unknownField')).toBeUndefined();
    expect(at(s, 'spec', 'template', 'kind').node).toMatchObject({ kind: 'scalar' });
    expect(at(s, 'spec', 'template', 'metadata', 'labels').node).toMatchObject({ kind: 'map' });
  });

  it('gives the root apiVersion, kind and ObjectMeta, and closes structs without preserve-unknown-fields', () => {
    expect(at(s, 'metadata', 'finalizers').node).toMatchObject({ kind: 'list', listType: 'set' });
    expect(at(s, 'metadata', 'ownerReferences')).toMatchObject({ patchMergeKey: 'uid' });
    expect((at(s, 'spec').node as StructSchema).unknownFields).toBeUndefined();
    expect(objectMetaSchema().field('managedFields')?.node).toMatchObject({ kind: 'list', listType: 'atomic' });
  });

  it('without a schema everything is deduced', () => {
    expect(at(schemaFromOpenApi(undefined), 'spec', 'anything').node).toMatchObject({ kind: 'untyped', granular: true });
  });
});
