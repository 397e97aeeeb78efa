import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinGroupVersions, builtinResources } from '../api/builtin-resources.js';
import { crdResourceDef, crdVersionInfo } from '../api/crd/crd-version-info.js';
import type { JsonObject, KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { SchemaRegistry } from '../api/schema/registry.js';
import { Registry } from '../registry/registry.js';
import type { ServedResource } from '../registry/served-resource.js';
import { loadApiModules } from '../server/api-modules.js';
import { buildOpenApiV2, negotiateOpenApiV2, OpenApiV2, openApiV2Response, OPENAPI_V2_PROTOBUF } from './openapi-v2.js';
import { decodeOpenApiV2, encodeOpenApiV2 } from './openapi-v2-protobuf.js';

const WIDGETS: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size', 'note'],
                properties: {
                  size: { type: 'integer', minimum: 0, default: 1 },
                  port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                  memory: { 'x-kubernetes-int-or-string': true, pattern: '^[0-9]+(Mi|Gi)?$', anyOf: [{ type: 'integer' }, { type: 'string' }] },
                  note: { type: 'string', nullable: true },
                  mode: { type: 'string', enum: ['on', 'off'] },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                  raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
                  anyList: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
                  nested: { type: 'object', nullable: true, properties: { deep: { type: 'string' } } },
                  template: {
                    type: 'object',
                    'x-kubernetes-embedded-resource': true,
                    properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
                  },
                  open: { type: 'object' },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
} as unknown as KubeObject;

let schemas: SchemaRegistry;
let registry: Registry;

function served(def: ResourceDef): ServedResource {
  return { def } as unknown as ServedResource;
}

beforeAll(async () => {
  schemas = (await loadApiModules({ nodePortRange: [30000, 32767] })).schemas;
  registry = new Registry();
  for (const gv of builtinGroupVersions) registry.setVersionOrder(gv.group, gv.versions);
  for (const r of builtinResources) registry.add(served({ ...r, strategy: {}, nameRule: 'subdomain' } as ResourceDef));
  const info = crdVersionInfo(WIDGETS, 'v1');
  if (!info) throw new Error('fixture CRD has no v1');
  registry.add(served(crdResourceDef(info)));
});

function defs(doc: JsonObject): Record<string, any> {
  return doc.definitions as Record<string, any>;
}

describe('the OpenAPI v2 document', () => {
  it('is Swagger 2.0 with info, BearerToken security and sorted definitions', () => {
    const doc = buildOpenApiV2(registry, schemas, 'v1.32.0');
    expect(doc.swagger).toBe('2.0');
    expect(doc.info).toEqual({ title: 'Kubernetes', version: 'v1.32.0' });
    expect(doc.securityDefinitions).toEqual({ BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } });
    expect(doc.security).toEqual([{ BearerToken: [] }]);
    const names = Object.keys(defs(doc));
    expect(names).toEqual([...names].sort());
  });

  it('defines built-in kinds under upstream names with their GVK, $ref siblings instead of allOf', () => {
    const d = defs(buildOpenApiV2(registry, schemas, 'v1.32.0'));
    expect(d['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    expect(d['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    expect(d['io.k8s.api.core.v1.PodList']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'PodList' }]);
    const spec = d['io.k8s.api.core.v1.Pod'].properties.spec;
    expect(spec.$ref).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    expect(spec.allOf).toBeUndefined();
    expect(d['io.k8s.api.core.v1.PodSpec'].properties.containers).toMatchObject({
      type: 'array',
      items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(d['io.k8s.api.core.v1.ContainerPort'].properties.containerPort).toMatchObject({ type: 'integer', format: 'int32' });
    expect(d['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(d['io.k8s.apimachinery.pkg.api.resource.Quantity']).toMatchObject({ type: 'string' });
    expect(d['io.k8s.api.core.v1.ResourceRequirements'].properties.limits).toMatchObject({ type: 'object', additionalProperties: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' } });
    expect(d['io.k8s.apimachinery.pkg.runtime.RawExtension'].type).toBe('object');
    // No schema keeps a v3-only keyword or v3's wrapper, and every reference resolves.
    for (const [name, def] of Object.entries(d)) {
      walkSchemas(def, (s, path) => {
        expect(s.allOf, `${name}${path}`).toBeUndefined();
        expect(s.nullable, `${name}${path}`).toBeUndefined();
        if (s.$ref !== undefined) expect(d[String(s.$ref).replace('#/definitions/', '')], `${name}${path} → ${s.$ref}`).toBeDefined();
      });
    }
  });

  it('has v2 operations: body parameters, consumes with strategic merge patch for built-ins only, GVK on PATCH', () => {
    const doc = buildOpenApiV2(registry, schemas, 'v1.32.0');
    const paths = doc.paths as Record<string, any>;
    const pod = paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    expect(pod.parameters).toContainEqual(expect.objectContaining({ name: 'name', in: 'path', required: true, type: 'string' }));
    expect(pod.patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(pod.patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(pod.patch.parameters[0]).toEqual({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
    expect(pod.patch.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query', type: 'string' }));
    expect(pod.put.parameters[0]).toEqual({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.core.v1.Pod' } });
    expect(pod.get.responses['200'].schema).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.Pod' });
    const widget = paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'];
    expect(widget.patch.consumes).not.toContain('application/strategic-merge-patch+json');
    expect(widget.patch.consumes).toContain('application/merge-patch+json');
  });

  it('publishes CRD schemas converted as apiextensions-apiserver does for v2', () => {
    const d = defs(buildOpenApiV2(registry, schemas, 'v1.32.0'));
    const w = d['com.example.v1.Widget'];
    expect(w['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
    expect(w.properties.metadata.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(w.properties.apiVersion.type).toBe('string');
    const spec = w.properties.spec;
    expect(spec.required).toEqual(['size']); // the nullable field left required
    expect(spec.properties.size).toEqual({ type: 'integer', minimum: 0 }); // default pruned
    expect(spec.properties.port).toEqual({ 'x-kubernetes-int-or-string': true }); // anyOf dropped, no type
    expect(spec.properties.memory).toEqual({ 'x-kubernetes-int-or-string': true, pattern: '^[0-9]+(Mi|Gi)?$' });
    expect(spec.properties.note).toEqual({}); // nullable: any value
    expect(spec.properties.nested).toEqual({});
    expect(spec.properties.raw).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(spec.properties.anyList).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(spec.properties.labels).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(spec.properties.open).toEqual({ type: 'object' });
    expect(spec.properties.template.properties).toMatchObject({ apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } });
    expect(spec.properties.template.required).toEqual(['kind', 'apiVersion']);
    expect(d['com.example.v1.WidgetList']).toMatchObject({
      required: ['items'],
      properties: { items: { type: 'array', items: { $ref: '#/definitions/com.example.v1.Widget' } } },
      'x-kubernetes-group-version-kind': [{ group: 'example.com', kind: 'WidgetList', version: 'v1' }],
    });
  });

  it('a CRD schema gnostic could not carry is published as an open object instead of breaking the document', () => {
    const crd = structuredClone(WIDGETS) as any;
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.required = 'size'; // not a list: stored CRDs never have it, but it must not take /openapi/v2 down
    spec.properties.size.maxLength = 1.5; // a wrong JSON type is dropped
    crd.spec.names = { plural: 'odd', singular: 'odd', kind: 'Odd', listKind: 'OddList' };
    const r = new Registry();
    r.add(served(crdResourceDef(crdVersionInfo(crd, 'v1')!)));
    const doc = buildOpenApiV2(r, schemas, 'v1.32.0');
    expect(defs(doc)['com.example.v1.Odd']).toEqual({ type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'example.com', kind: 'Odd', version: 'v1' }] });
    expect(decodeOpenApiV2(encodeOpenApiV2(doc)).swagger).toBe('2.0');
  });

  it('a CRD whose root preserves unknown fields is an open object with only its GVK', async () => {
    const crd = structuredClone(WIDGETS) as any;
    crd.spec.versions[0].schema.openAPIV3Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    crd.spec.names = { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' };
    const r = new Registry();
    r.add(served(crdResourceDef(crdVersionInfo(crd, 'v1')!)));
    expect(defs(buildOpenApiV2(r, schemas, 'v1.32.0'))['com.example.v1.Gadget']).toEqual({
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: 'example.com', kind: 'Gadget', version: 'v1' }],
    });
  });
});

describe('gnostic protobuf', () => {
  it('round-trips the whole document: decoding gives back the JSON form', () => {
    const doc = buildOpenApiV2(registry, schemas, 'v1.32.0');
    const bytes = encodeOpenApiV2(doc);
    expect(decodeOpenApiV2(bytes)).toEqual(withoutProto3Zeros(doc));
  });

});

describe('GET /openapi/v2', () => {
  const service = () => new OpenApiV2({ registry, schemas, kubernetesVersion: 'v1.32.0', now: () => new Date('2025-01-01T00:00:00Z') });

  it('negotiates like kube-openapi: JSON for none or wildcards, protobuf for both protobuf types, else nothing', () => {
    expect(negotiateOpenApiV2(undefined)).toBe('json');
    expect(negotiateOpenApiV2('*/*')).toBe('json');
    expect(negotiateOpenApiV2('application/json, */*')).toBe('json');
    expect(negotiateOpenApiV2('application/com.github.proto-openapi.spec.v2@v1.0+protobuf')).toBe('protobuf');
    expect(negotiateOpenApiV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf')).toBe('protobuf');
    expect(negotiateOpenApiV2('application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf')).toBe('protobuf');
    expect(negotiateOpenApiV2('*/*, application/com.github.proto-openapi.spec.v2@v1.0+protobuf')).toBe('protobuf');
    expect(negotiateOpenApiV2('text/html')).toBeUndefined();
  });

  it('answers protobuf with the upstream content type, one ETag for both forms, Vary: Accept, 304 on If-None-Match', async () => {
    const s = service();
    const json = openApiV2Response(s, { method: 'GET', accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.headers.get('vary')).toContain('Accept');
    const etag = json.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(JSON.parse(await json.text()).swagger).toBe('2.0');

    const pb = openApiV2Response(s, { method: 'GET', accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', acceptEncoding: 'gzip' });
    expect(pb.headers.get('content-type')).toBe(OPENAPI_V2_PROTOBUF);
    expect(pb.headers.get('etag')).toBe(etag);
    expect(pb.headers.get('content-encoding')).toBe('gzip');
    const decoded = decodeOpenApiV2(gunzipSync(Buffer.from(await pb.arrayBuffer())));
    expect(decoded).toEqual(withoutProto3Zeros(s.document()));

    const cached = openApiV2Response(s, { method: 'GET', accept: 'application/json', ifNoneMatch: etag });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    expect(openApiV2Response(s, { method: 'GET', ifNoneMatch: '"other"' }).status).toBe(200);
    expect(openApiV2Response(s, { method: 'GET', ifModifiedSince: 'Wed, 01 Jan 2025 00:00:00 GMT' }).status).toBe(304);
    expect(() => openApiV2Response(s, { method: 'GET', accept: 'text/html' })).toThrow(/media types/);
  });

  it('is rebuilt when the served set changes (a CRD is removed)', () => {
    const r = new Registry();
    r.add(served(crdResourceDef(crdVersionInfo(WIDGETS, 'v1')!)));
    const s = new OpenApiV2({ registry: r, schemas, kubernetesVersion: 'v1.32.0' });
    const before = s.json().etag;
    expect(defs(s.document())['com.example.v1.Widget']).toBeDefined();
    r.removeResource('example.com', 'widgets');
    expect(defs(s.document())['com.example.v1.Widget']).toBeUndefined();
    expect(s.json().etag).not.toBe(before);
  });
});

/** Calls `fn` on a schema and every schema below it (properties, items, additionalProperties). */
function walkSchemas(s: any, fn: (s: any, path: string) => void, path = ''): void {
  fn(s, path);
  for (const [k, p] of Object.entries(s.properties ?? {})) walkSchemas(p, fn, `${path}.${k}`);
  if (s.items && typeof s.items === 'object') walkSchemas(s.items, fn, `${path}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') walkSchemas(s.additionalProperties, fn, `${path}{}`);
}

/** The JSON form as gnostic's proto3 message carries it: zero scalars (false, 0, "") are absent. */
function withoutProto3Zeros(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => withoutProto3Zeros(x));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    // Values inside YAML-encoded Any (extensions, enum, default, example) keep their zeros.
    if (k.startsWith('x-') || k === 'enum' || k === 'default' || k === 'example') {
      out[k] = x;
      continue;
    }
    if (x === false || x === 0 || x === '' || (Array.isArray(x) && x.length === 0 && !(key === 'security' || k === 'BearerToken'))) continue;
    out[k] = withoutProto3Zeros(x, k);
  }
  return out;
}
