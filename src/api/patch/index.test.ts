import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonObject, KubeObject } from '../object.js';
import type { ResourceDef } from '../resource.js';
import type { ObjectPatcher } from '../../registry/served-resource.js';
import { PatchEngine, defaultResetFields, parseApplyPatchBody, patchTypeForContentType, validatePatchOptions } from './index.js';
import { DEPLOYMENT, fixtureRegistry } from './testing/fixture-schemas.js';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

function resource(over: Partial<ResourceDef>): ResourceDef {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    listKind: 'DeploymentList',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['patch'],
    subresources: [],
    schema: DEPLOYMENT,
    nameRule: 'subdomain',
    tracksGeneration: true,
    statusFields: ['status'],
    hasStatusSubresource: true,
    storage: { group: 'apps', resource: 'deployments', version: 'v1' },
    strategy: {},
    ...over,
  };
}

const deploymentDef = resource({});
const crdSchema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        size: { type: 'integer' },
        items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } } },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};
const widgetDef = resource({ group: 'example.com', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', schema: undefined, crdSchema });

const engine = new PatchEngine({ registry: fixtureRegistry() });
// The registry plugs the engine in as its ObjectPatcher (checked by the type checker).
const asObjectPatcher: ObjectPatcher = engine;

describe('patchTypeForContentType', () => {
  it('maps the four PATCH media types, ignoring parameters', () => {
    expect(patchTypeForContentType('application/json-patch+json', { strategic: true })).toBe('json');
    expect(patchTypeForContentType('application/merge-patch+json; charset=utf-8', { strategic: true })).toBe('merge');
    expect(patchTypeForContentType('application/strategic-merge-patch+json', { strategic: true })).toBe('strategic');
    expect(patchTypeForContentType('application/apply-patch+yaml', { strategic: false })).toBe('apply');
  });

  it('answers 415 listing the accepted types in upstream order', () => {
    const e = apiError(() => patchTypeForContentType('application/json', { strategic: true }));
    expect([e.code, e.reason]).toEqual([415, 'UnsupportedMediaType']);
    expect(e.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    );
    expect(apiError(() => patchTypeForContentType('application/strategic-merge-patch+json', { strategic: false })).message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });
});

describe('validatePatchOptions', () => {
  it('requires a field manager for apply', () => {
    const e = apiError(() => validatePatchOptions('apply', {}));
    expect([e.code, e.message]).toEqual([422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch']);
    expect(() => validatePatchOptions('apply', { fieldManager: 'kubectl', force: false })).not.toThrow();
  });

  it('forbids force outside apply and checks the manager name', () => {
    expect(apiError(() => validatePatchOptions('merge', { force: true })).message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    expect(apiError(() => validatePatchOptions('json', { fieldManager: 'x'.repeat(129) })).message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
    );
    expect(apiError(() => validatePatchOptions('json', { fieldManager: 'a\u0007' })).message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\u0007": invalid character U+0007 (at position 1)',
    );
  });
});

describe('parseApplyPatchBody', () => {
  it('reads JSON and YAML 1.1 as Kubernetes does', () => {
    expect(parseApplyPatchBody('{"apiVersion":"v1","kind":"ConfigMap"}')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(parseApplyPatchBody('a: yes\nb: 0755\nc: 10:30\nd: 2001-12-14\n---\nignored: true\n')).toEqual({ a: true, b: 493, c: '10:30', d: '2001-12-14' });
    expect(parseApplyPatchBody(new TextEncoder().encode(''))).toEqual({});
  });

  it('duplicate keys: last wins, unless strict', () => {
    expect(parseApplyPatchBody('a: 1\nb:\n  c: 1\n  c: 2\n')).toEqual({ a: 1, b: { c: 2 } });
    const e = apiError(() => parseApplyPatchBody('a: 1\nb:\n  c: 1\n  c: 2\n', { strict: true }));
    expect([e.code, e.message]).toEqual([400, 'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 4: key "c" already set in map']);
  });

  it('400 for YAML that does not parse or is not a map', () => {
    const e = apiError(() => parseApplyPatchBody('a: [1,\n'));
    expect(e.code).toBe(400);
    expect(e.message.startsWith('error decoding YAML: error converting YAML to JSON: yaml: ')).toBe(true);
    expect(apiError(() => parseApplyPatchBody('- a\n')).message).toBe(
      'error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  });
});

describe('PatchEngine', () => {
  it('is the registry ObjectPatcher', () => {
    expect(asObjectPatcher).toBe(engine);
  });

  const live: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u', resourceVersion: '3' },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } },
  };

  it('applies the three patch types', () => {
    const target = live as unknown as JsonObject;
    expect(engine.patch(deploymentDef, target, 'json', [{ op: 'replace', path: '/spec/replicas', value: 2 }]).spec).toMatchObject({ replicas: 2 });
    expect(engine.patch(deploymentDef, target, 'merge', { spec: { replicas: 3 } }).spec).toMatchObject({ replicas: 3 });
    const smp = engine.patch(deploymentDef, target, 'strategic', { spec: { template: { spec: { containers: [{ name: 'b', image: 'y' }] } } } });
    expect((((smp.spec as JsonObject).template as JsonObject).spec as JsonObject).containers).toEqual([
      { name: 'b', image: 'y' },
      { name: 'a', image: 'x' },
    ]);
    expect(engine.patch(deploymentDef, target, 'strategic', null)).toEqual(target);
  });

  it('refuses strategic merge patch on custom resources with 415', () => {
    const e = apiError(() => engine.patch(widgetDef, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, 'strategic', {}));
    expect(e.code).toBe(415);
  });

  it('a patch that leaves no object is 422', () => {
    const e = apiError(() => engine.patch(deploymentDef, live as unknown as JsonObject, 'merge', [1]));
    expect([e.code, e.reason]).toEqual([422, 'Invalid']);
    expect(e.message.startsWith(' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind; json parse error: json: cannot unmarshal array')).toBe(true);
    expect(apiError(() => engine.patch(deploymentDef, live as unknown as JsonObject, 'strategic', [])).message).toBe(
      'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  });

  it('applies server-side to custom resources by their list-map keys', () => {
    const applied = (items: JsonObject[]): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'n' }, spec: { items } });
    const created = engine.apply(widgetDef, undefined, applied([{ name: 'a', value: '1' }]), { manager: 'm1', force: false, time: '2025-01-01T00:00:00Z' });
    const second = engine.apply(widgetDef, created, applied([{ name: 'b', value: '2' }]), { manager: 'm2', force: false, time: '2025-01-01T00:00:01Z' });
    expect((second.spec as JsonObject).items).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
    ]);
    expect(second.metadata.managedFields?.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['m1', { 'f:spec': { 'f:items': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } }],
      ['m2', { 'f:spec': { 'f:items': { 'k:{"name":"b"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } }],
    ]);
    const e = apiError(() => engine.apply(widgetDef, second, applied([{ name: 'a', value: 'changed' }]), { manager: 'm2', force: false, time: '2025-01-01T00:00:02Z' }));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "m1": .spec.items[name="a"].value');
  });

  it('records updates with the resource version and the default reset fields', () => {
    const created = engine.updateManagedFields(deploymentDef, undefined, { ...live, status: { replicas: 1 } }, { manager: 'kubectl-create', time: '2025-01-01T00:00:00Z' });
    expect(created.metadata.managedFields?.[0]).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1' });
    expect(created.metadata.managedFields?.[0].fieldsV1).not.toHaveProperty('f:status');
  });

  it('default reset fields follow upstream strategies', () => {
    expect(defaultResetFields(deploymentDef)).toEqual([['status']]);
    expect(defaultResetFields(deploymentDef, 'status')).toEqual([['spec'], ['metadata', 'labels']]);
    expect(defaultResetFields(widgetDef, 'status')).toEqual([['spec']]);
    expect(defaultResetFields(resource({ hasStatusSubresource: false }))).toEqual([]);
  });
});
