import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../object.js';
import { computeCustomResourceDefinitionStatus } from './crd-status.js';
import { cronTabCrd, goodWidget, render, widgetCrd } from './testing/crd-fixtures.js';
import { compareKubeAwareVersions, crdResourceDefs, crdVersionInfo, customResourceDefinitionStrategy, decodeCustomResource } from './crd-version-info.js';
import { defaultCustomResourceDefinition } from './crd-validation.js';

function asKube(o: JsonObject): KubeObject {
  return o as unknown as KubeObject;
}

describe('crdVersionInfo', () => {
  it('describes a version: names, scope, subresources, columns, selectable fields', () => {
    const info = crdVersionInfo(widgetCrd(), 'v1');
    expect(info).toMatchObject({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      singular: 'widget',
      shortNames: ['wd'],
      categories: ['all'],
      scope: 'Namespaced',
      served: true,
      storage: true,
      storageVersion: 'v1',
      deprecated: false,
      subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
      selectableFields: ['.spec.size'],
    });
    expect(info?.additionalPrinterColumns.map((c) => c.name)).toEqual(['Size', 'Replicas', 'Phase', 'Age']);
    expect(info?.schema.properties?.get('spec')?.required).toEqual(['size']);
    expect(crdVersionInfo(widgetCrd(), 'v9')).toBeUndefined();
  });

  it('serves the accepted names once the CRD has a status', () => {
    const crd = cronTabCrd();
    defaultCustomResourceDefinition(crd);
    crd.status = computeCustomResourceDefinitionStatus(crd, [], '2024-01-01T00:00:00Z');
    (crd.spec as JsonObject).names = { plural: 'renamed', singular: 'renamed', kind: 'Renamed', listKind: 'RenamedList' };
    expect(crdVersionInfo(crd, 'v1')).toMatchObject({ plural: 'crontabs', kind: 'CronTab' });
  });

  it('derives the deprecation warning upstream would send', () => {
    const crd = cronTabCrd();
    const versions = (crd.spec as JsonObject).versions as JsonObject[];
    versions[0].deprecated = true;
    versions.push({ ...versions[0], name: 'v1beta1', deprecated: false, storage: false }, { ...versions[0], name: 'v2', deprecated: false, storage: false });
    expect(crdVersionInfo(crd, 'v1')?.deprecationWarning).toBe('stable.example.com/v1 CronTab is deprecated; use stable.example.com/v2 CronTab');
    versions[0].deprecationWarning = 'please move on';
    expect(crdVersionInfo(crd, 'v1')?.deprecationWarning).toBe('please move on');
  });

  it('orders versions the Kubernetes way', () => {
    const sorted = ['v1alpha1', 'v1', 'foo', 'v2beta1', 'v1beta2', 'v2', 'v1beta1', 'bar'].sort((a, b) => compareKubeAwareVersions(b, a));
    expect(sorted).toEqual(['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'bar', 'foo']);
  });
});

describe('crdResourceDefs and the custom resource strategy', () => {
  const [def] = crdResourceDefs(widgetCrd());

  it('builds a ResourceDef per served version', () => {
    expect(def).toMatchObject({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgets',
      namespaced: true,
      nameRule: 'subdomain',
      tracksGeneration: true,
      statusFields: ['status'],
      hasStatusSubresource: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'status.selector' },
      storage: { group: 'example.com', resource: 'widgets', version: 'v1' },
    });
    expect(def.subresources.map((s) => s.name)).toEqual(['status', 'scale']);
    const crd = cronTabCrd();
    ((crd.spec as JsonObject).versions as JsonObject[])[0].served = false;
    expect(crdResourceDefs(crd)).toEqual([]);
  });

  it('decodes like kube-apiserver: prune, drop disallowed nulls, default', () => {
    const w = goodWidget();
    const spec = w.spec as JsonObject;
    spec.unknown = 1;
    spec.name = null;
    delete spec.replicas;
    expect(decodeCustomResource(w, crdVersionInfo(widgetCrd(), 'v1')!.schema)).toEqual(['spec.unknown']);
    expect(spec.unknown).toBeUndefined();
    expect('name' in spec).toBe(false);
    expect(spec.replicas).toBe(1);
    expect(spec.color).toBe('red');
  });

  it('defaults and validates through the strategy', () => {
    const w = asKube(goodWidget());
    def.strategy.defaults?.(w);
    expect(def.strategy.validate?.(w)).toEqual([]);
    (w.spec as JsonObject).size = 'tiny';
    expect(render(def.strategy.validate?.(w) ?? [])).toEqual(['spec.size: Unsupported value: "tiny": supported values: "small", "medium", "large"']);
  });

  it('checks apiVersion and kind before anything else', () => {
    const w = asKube({ ...goodWidget(), kind: 'Gadget', apiVersion: 'example.com/v2' });
    expect(render(def.strategy.validate?.(w) ?? [])).toEqual(['kind: Invalid value: "Gadget": must be Widget', 'apiVersion: Invalid value: "example.com/v2": must be example.com/v1']);
  });

  it('validates scale replicas on create', () => {
    const w = asKube(goodWidget());
    (w.spec as JsonObject).replicas = 4294967296;
    expect(render(def.strategy.validate?.(w) ?? [])).toEqual([
      'spec.replicas: Invalid value: 4294967296: spec.replicas in body should be less than or equal to 10',
      '.spec.replicas: Invalid value: 4294967296: should be less than or equal to 2147483647',
    ]);
  });

  it('validates status updates against the status schema only', () => {
    const old = asKube(goodWidget());
    const next = asKube({ ...goodWidget(), status: { replicas: -1 } });
    (next.spec as JsonObject).size = 'not checked here';
    expect(render(def.strategy.validateStatusUpdate?.(next, old) ?? [])).toEqual([
      'status.replicas: Invalid value: -1: replicas in body should be greater than or equal to 0',
      '.status.replicas: Invalid value: -1: should be a non-negative integer',
    ]);
  });

  it('ratchets unchanged invalid values on update', () => {
    const old = asKube(goodWidget());
    (old.spec as JsonObject).color = 'purple';
    const next = structuredClone(old);
    (next.spec as JsonObject).replicas = 5;
    expect(def.strategy.validateUpdate?.(next, old)).toEqual([]);
  });

  it('exposes selectable field values', () => {
    expect(def.strategy.selectableFields?.(asKube(goodWidget()))).toEqual({ 'spec.size': 'small' });
  });

  it('prints tables from additionalPrinterColumns', () => {
    const table = def.strategy.table;
    expect(table?.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Size', 'string', 0],
      ['Replicas', 'integer', 0],
      ['Phase', 'string', 1],
      ['Age', 'date', 0],
    ]);
    expect(table?.columns[1].description).toBe('Custom resource definition column (in JSONPath format): .spec.size');
    const w = asKube({ ...goodWidget(), status: { phase: 'Running' } });
    w.metadata.creationTimestamp = '2024-05-01T10:00:00Z';
    const now = Date.parse('2024-05-03T13:00:00Z');
    expect(table?.row(w, now)).toEqual(['w1', 'small', 3, 'Running', '2d3h']);
    const bare = asKube({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'b' } });
    expect(table?.row(bare, now)).toEqual(['b', null, null, null, null]);
  });

  it('prints Name and Age when a version declares no columns', () => {
    const [cron] = crdResourceDefs(cronTabCrd());
    expect(cron.strategy.table?.columns.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(cron.statusFields).toEqual([]);
    expect(cron.hasStatusSubresource).toBe(false);
  });
});

describe('customResourceDefinitionStrategy', () => {
  it('defaults and validates CRDs', () => {
    const crd = cronTabCrd();
    customResourceDefinitionStrategy.defaults?.(crd);
    expect(customResourceDefinitionStrategy.validate?.(crd)).toEqual([]);
  });
});
