import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue, KubeObject } from '../object.js';
import { crdVersionInfo } from './crd-version-info.js';
import { cronTabCrd, render, widgetCrd } from './testing/crd-fixtures.js';
import { validateCustomResource } from './validate-custom-resource.js';
import {
  defaultCustomResourceDefinition,
  prepareCustomResourceDefinitionForCreate,
  prepareCustomResourceDefinitionForUpdate,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionUpdate,
} from './crd-validation.js';

/** Defaults, prepares and validates a CRD as the create path does. */
function create(crd: KubeObject): string[] {
  defaultCustomResourceDefinition(crd);
  prepareCustomResourceDefinitionForCreate(crd);
  return render(validateCustomResourceDefinition(crd));
}

function spec(crd: KubeObject): JsonObject {
  return crd.spec as JsonObject;
}

function version(crd: KubeObject, i = 0): JsonObject {
  return (spec(crd).versions as JsonObject[])[i];
}

function schemaOf(crd: KubeObject, i = 0): JsonObject {
  return (version(crd, i).schema as JsonObject).openAPIV3Schema as JsonObject;
}

function specProps(crd: KubeObject): JsonObject {
  return ((schemaOf(crd).properties as JsonObject).spec as JsonObject).properties as JsonObject;
}

describe('defaultCustomResourceDefinition', () => {
  it('fills listKind, conversion strategy and storedVersions', () => {
    const crd = cronTabCrd();
    defaultCustomResourceDefinition(crd);
    expect((spec(crd).names as JsonObject).listKind).toBe('CronTabList');
    expect((spec(crd).names as JsonObject).singular).toBe('crontab');
    expect(spec(crd).conversion).toEqual({ strategy: 'None' });
    expect(crd.status).toEqual({ storedVersions: ['v1'] });
  });

  it('derives singular from kind and defaults the webhook port', () => {
    const crd = cronTabCrd();
    delete (spec(crd).names as JsonObject).singular;
    spec(crd).conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 's', namespace: 'n' } }, conversionReviewVersions: ['v1'] } };
    defaultCustomResourceDefinition(crd);
    expect((spec(crd).names as JsonObject).singular).toBe('crontab');
    expect(((((spec(crd).conversion as JsonObject).webhook as JsonObject).clientConfig as JsonObject).service as JsonObject).port).toBe(443);
  });
});

describe('validateCustomResourceDefinition', () => {
  it('accepts the CronTab CRD from the Kubernetes docs', () => {
    expect(create(cronTabCrd())).toEqual([]);
  });

  it('accepts a CRD with status and scale subresources, printer columns, defaults and selectable fields', () => {
    expect(create(widgetCrd())).toEqual([]);
  });

  it('requires metadata.name to be <plural>.<group>', () => {
    const crd = cronTabCrd();
    crd.metadata.name = 'crontab.stable.example.com';
    expect(create(crd)).toEqual(['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group']);
  });

  it('validates the group', () => {
    const noDot = cronTabCrd();
    spec(noDot).group = 'example';
    noDot.metadata.name = 'crontabs.example';
    expect(create(noDot)).toEqual(['spec.group: Invalid value: "example": should be a domain with at least one dot']);
    const bad = cronTabCrd();
    spec(bad).group = 'Example.com';
    bad.metadata.name = 'crontabs.Example.com';
    expect(create(bad)).toEqual([
      "spec.group: Invalid value: \"Example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it('validates the scope', () => {
    const crd = cronTabCrd();
    spec(crd).scope = 'Global';
    expect(create(crd)).toEqual(['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
    const missing = cronTabCrd();
    delete spec(missing).scope;
    expect(create(missing)).toEqual(['spec.scope: Required value']);
  });

  it('validates names: syntax, kind/listKind collision, short names and categories', () => {
    const crd = cronTabCrd();
    spec(crd).names = { plural: 'crontabs', singular: 'CronTab', kind: 'Cron_Tab', listKind: 'Cron_Tab', shortNames: ['c t'], categories: ['All'] };
    const dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    expect(create(crd)).toEqual([
      `spec.names.singular: Invalid value: "CronTab": ${dns1035}`,
      `spec.names.kind: Invalid value: "Cron_Tab": may have mixed case, but should otherwise match: ${dns1035}`,
      `spec.names.listKind: Invalid value: "Cron_Tab": may have mixed case, but should otherwise match: ${dns1035}`,
      `spec.names.shortNames[0]: Invalid value: "c t": ${dns1035}`,
      'spec.names.listKind: Invalid value: "Cron_Tab": kind and listKind may not be the same',
      `spec.names.categories[0]: Invalid value: "All": ${dns1035}`,
    ]);
  });

  it('requires plural and kind', () => {
    const crd = cronTabCrd();
    spec(crd).names = {};
    crd.metadata.name = '.stable.example.com';
    expect(create(crd)).toEqual([
      'spec.names.plural: Required value',
      'spec.names.singular: Required value',
      'spec.names.kind: Required value',
      'spec.names.listKind: Required value',
    ]);
  });

  it('requires exactly one storage version and unique version names', () => {
    const none = cronTabCrd();
    version(none).storage = false;
    const errs = create(none);
    expect(errs.some((e) => e.startsWith('spec.versions: Invalid value: ') && e.endsWith(': must have exactly one version marked as storage version'))).toBe(true);
    expect(errs).toContain('status.storedVersions: Invalid value: []: must have at least one stored version');

    const two = cronTabCrd();
    (spec(two).versions as JsonValue[]).push(structuredClone(version(two)));
    const twoErrs = create(two);
    expect(twoErrs.filter((e) => e.startsWith('spec.versions: ')).map((e) => e.slice(e.lastIndexOf(': ') + 2))).toEqual([
      'must contain unique version names',
      'must have exactly one version marked as storage version',
    ]);

    const empty = cronTabCrd();
    spec(empty).versions = [];
    expect(create(empty)).toEqual(['spec.versions: Invalid value: []: must have exactly one version marked as storage version', 'status.storedVersions: Invalid value: []: must have at least one stored version']);
  });

  it('requires DNS-1035 version names (also reported as spec.version, like upstream)', () => {
    const crd = cronTabCrd();
    version(crd).name = 'V1';
    const dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    expect(create(crd)).toEqual([`spec.versions[0].name: Invalid value: "V1": ${dns1035}`, `spec.version: Invalid value: "V1": ${dns1035}`]);
  });

  it('requires a schema for every version', () => {
    const crd = cronTabCrd();
    delete version(crd).schema;
    expect(create(crd)).toEqual(['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
  });

  it('requires structural schemas; single-version errors are reported under spec.validation as upstream does', () => {
    const crd = cronTabCrd();
    delete (specProps(crd).replicas as JsonObject).type;
    (schemaOf(crd).properties as JsonObject).spec = { properties: specProps(crd) };
    expect(create(crd)).toEqual([
      'spec.validation.openAPIV3Schema.properties[spec].properties[replicas].type: Required value: must not be empty for specified object fields',
      'spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    ]);
  });

  it('reports per-version paths when versions have different schemas', () => {
    const crd = cronTabCrd();
    const v2 = structuredClone(version(crd));
    v2.name = 'v2';
    v2.storage = false;
    (spec(crd).versions as JsonValue[]).push(v2);
    (schemaOf(crd).properties as JsonObject).spec = { properties: { x: { type: 'string' } } };
    expect(create(crd)).toEqual(['spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
  });

  it('forbids structural keywords inside logical junctors and checks their completeness', () => {
    const crd = cronTabCrd();
    const s = schemaOf(crd);
    s.anyOf = [{ properties: { missing: { type: 'string' } } }];
    (specProps(crd).image as JsonObject).oneOf = [{ type: 'string', description: 'x' }];
    expect(create(crd)).toEqual([
      'spec.validation.openAPIV3Schema.anyOf[0].properties[missing].type: Forbidden: must be empty to be structural',
      'spec.validation.openAPIV3Schema.properties[missing]: Required value: because it is defined in spec.validation.openAPIV3Schema.anyOf[0].properties[missing]',
      'spec.validation.openAPIV3Schema.properties[spec].properties[image].oneOf[0].description: Forbidden: must be empty to be structural',
      'spec.validation.openAPIV3Schema.properties[spec].properties[image].oneOf[0].type: Forbidden: must be empty to be structural',
    ]);
  });

  it('accepts the int-or-string anyOf pattern', () => {
    const crd = cronTabCrd();
    specProps(crd).port = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
    expect(create(crd)).toEqual([]);
  });

  it('restricts metadata at the root to name and generateName', () => {
    const crd = cronTabCrd();
    (schemaOf(crd).properties as JsonObject).metadata = { type: 'object', properties: { labels: { type: 'object' } } };
    expect(create(crd)).toEqual([
      'spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
    ]);
    const ok = cronTabCrd();
    (schemaOf(ok).properties as JsonObject).metadata = { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } };
    expect(create(ok)).toEqual([]);
  });

  it('forbids unsupported keywords and invalid types', () => {
    const crd = cronTabCrd();
    const props = specProps(crd);
    props.a = { type: 'null' };
    props.b = { type: 'string', $ref: '#/definitions/x' };
    props.c = { type: 'array', items: { type: 'string' }, uniqueItems: true };
    props.d = { type: 'date' };
    const errs = create(crd);
    expect(errs).toContain('spec.validation.openAPIV3Schema.properties[spec].properties[a].type: Forbidden: type cannot be set to null, use nullable as an alternative');
    expect(errs).toContain('spec.validation.openAPIV3Schema.properties[spec].properties[b].$ref: Forbidden: $ref is not supported');
    expect(errs).toContain('spec.validation.openAPIV3Schema.properties[spec].properties[c].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic');
    expect(errs).toContain(
      'spec.validation.openAPIV3Schema.properties[spec].properties[d].type: Unsupported value: "date": supported values: "array", "boolean", "integer", "number", "object", "string"',
    );
  });

  it('requires items for arrays and rejects additionalProperties with properties', () => {
    const crd = cronTabCrd();
    specProps(crd).list = { type: 'array' };
    ((schemaOf(crd).properties as JsonObject).spec as JsonObject).additionalProperties = { type: 'string' };
    expect(create(crd)).toEqual([
      'spec.validation.openAPIV3Schema.properties[spec].properties[list].items: Required value: must be specified',
      'spec.validation.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
    ]);
  });

  it('validates defaults against the schema and requires them pruned', () => {
    const crd = cronTabCrd();
    specProps(crd).replicas = { type: 'integer', default: 'three' };
    specProps(crd).obj = { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 'y' } };
    expect(create(crd)).toEqual([
      'spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"',
      'spec.validation.openAPIV3Schema.properties[spec].properties[obj].default: Invalid value: {"a":"x","b":"y"}: must not have unknown fields',
    ]);
  });

  it('forbids defaults in top-level metadata', () => {
    const crd = cronTabCrd();
    (schemaOf(crd).properties as JsonObject).metadata = { type: 'object', properties: { name: { type: 'string', default: 'x' } } };
    expect(create(crd)).toEqual(['spec.validation.openAPIV3Schema.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata']);
  });

  it('restricts the root schema when the status subresource is enabled', () => {
    const crd = cronTabCrd();
    version(crd).subresources = { status: {} };
    schemaOf(crd).anyOf = [{ required: ['spec'] }];
    const errs = create(crd);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^spec\.validation\.openAPIV3Schema: Invalid value: \{.*\}: only \[Description Type Format Title .* XValidations\] fields are allowed at the root of the schema if the status subresource is enabled$/);
  });

  it('validates list and map extensions', () => {
    const crd = cronTabCrd();
    const props = specProps(crd);
    props.a = { type: 'string', 'x-kubernetes-list-type': 'set' };
    props.b = { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'id'] };
    props.c = { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' };
    props.d = { type: 'object', 'x-kubernetes-map-type': 'loose' };
    const errs = create(crd);
    const base = 'spec.validation.openAPIV3Schema.properties[spec].properties';
    expect(errs).toContain(`${base}[a].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`);
    expect(errs).toContain(`${base}[b].x-kubernetes-list-map-keys: Invalid value: ["name","id"]: entries must all be names of item properties`);
    expect(errs).toContain(`${base}[b].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`);
    expect(errs).toContain(`${base}[c].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`);
    expect(errs).toContain(`${base}[d].x-kubernetes-map-type: Unsupported value: "loose": supported values: "atomic", "granular"`);
  });

  it('validates patterns as Go regular expressions', () => {
    const crd = cronTabCrd();
    specProps(crd).image = { type: 'string', pattern: '^(?=a)b' };
    expect(create(crd)).toEqual([
      "spec.validation.openAPIV3Schema.properties[spec].properties[image].pattern: Invalid value: \"^(?=a)b\": must be a valid regular expression, but isn't: error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
    ]);
  });

  it('checks the shape of x-kubernetes-validations without evaluating CEL', () => {
    const crd = cronTabCrd();
    ((schemaOf(crd).properties as JsonObject).spec as JsonObject)['x-kubernetes-validations'] = [{ rule: '' }, { rule: 'self.replicas > 0', reason: 'Nope' }];
    expect(create(crd)).toEqual([
      'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified',
      'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
    ]);
  });

  it('validates the scale subresource paths', () => {
    const crd = widgetCrd();
    version(crd).subresources = { status: {}, scale: { specReplicasPath: '.status.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: '.metadata.labels' } };
    expect(create(crd)).toEqual([
      'spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
      'spec.subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with .',
      'spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status',
    ]);
    const missing = widgetCrd();
    version(missing).subresources = { scale: {} };
    expect(create(missing)).toEqual(['spec.subresources.scale.specReplicasPath: Required value', 'spec.subresources.scale.statusReplicasPath: Required value']);
  });

  it('validates printer columns', () => {
    const crd = cronTabCrd();
    version(crd).additionalPrinterColumns = [
      { name: '', type: 'text', jsonPath: 'spec.image' },
      { name: 'When', type: 'date', format: 'time', jsonPath: '.metadata.creationTimestamp' },
      { name: 'X', jsonPath: '' },
    ];
    expect(create(crd)).toEqual([
      'spec.additionalPrinterColumns[0].name: Required value',
      'spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.image": must be a simple json path starting with .',
      'spec.additionalPrinterColumns[1].format: Invalid value: "time": must be one of byte,date,date-time,double,float,int32,int64,password',
      'spec.additionalPrinterColumns[2].type: Required value: must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[2].JSONPath: Required value',
    ]);
  });

  it('validates selectable fields', () => {
    const crd = widgetCrd();
    version(crd).selectableFields = [{ jsonPath: '.spec.size' }, { jsonPath: '.spec.size' }, { jsonPath: '.spec.tags' }, { jsonPath: '.spec.nope' }, { jsonPath: '.metadata.name' }];
    expect(create(crd)).toEqual([
      'spec.selectableFields[1].jsonPath: Duplicate value: ".spec.size"',
      'spec.selectableFields[2].jsonPath: Invalid value: ".spec.tags": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
      'spec.selectableFields[3].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field',
      'spec.selectableFields[4].jsonPath: Invalid value: ".metadata.name": is an invalid path: does not refer to a valid field',
    ]);
  });

  it('validates the conversion strategy; webhooks are accepted in shape only', () => {
    const bad = cronTabCrd();
    spec(bad).conversion = { strategy: 'Magic' };
    expect(create(bad)).toEqual(['spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"']);

    const noConfig = cronTabCrd();
    spec(noConfig).conversion = { strategy: 'Webhook' };
    expect(create(noConfig)).toEqual(['spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook', 'spec.conversion.conversionReviewVersions: Required value']);

    const http = cronTabCrd();
    spec(http).conversion = { strategy: 'Webhook', webhook: { clientConfig: { url: 'http://hook.example.com/convert?x=1' }, conversionReviewVersions: ['v2'] } };
    expect(create(http)).toEqual([
      `spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      'spec.conversion.webhookClientConfig.url: Invalid value: "x=1": query parameters are not permitted in the URL',
      'spec.conversion.conversionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1',
    ]);

    const good = cronTabCrd();
    spec(good).conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 'conv', namespace: 'sys', path: '/convert' } }, conversionReviewVersions: ['v1'] } };
    expect(create(good)).toEqual([]);

    const stray = cronTabCrd();
    spec(stray).conversion = { strategy: 'None', webhook: { clientConfig: { url: 'https://x' }, conversionReviewVersions: ['v1'] } };
    expect(create(stray)).toEqual([
      'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
      'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
    ]);
  });

  it('refuses preserveUnknownFields: true', () => {
    const crd = cronTabCrd();
    spec(crd).preserveUnknownFields = true;
    const errs = create(crd);
    expect(errs).toContain('spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead');
  });

  it('requires the API approval annotation for *.k8s.io groups', () => {
    const crd = cronTabCrd();
    spec(crd).group = 'stable.k8s.io';
    crd.metadata.name = 'crontabs.stable.k8s.io';
    expect(create(crd)).toEqual([
      'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
    ]);
    crd.metadata.annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' };
    expect(create(crd)).toEqual([]);
  });

  it('validates deprecation warnings', () => {
    const crd = cronTabCrd();
    version(crd).deprecationWarning = 'old';
    expect(create(crd)).toEqual(['spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions']);
    version(crd).deprecated = true;
    version(crd).deprecationWarning = 'bad\u0007';
    expect(create(crd)).toEqual(['spec.versions[0].deprecationWarning: Invalid value: "bad\\u0007": must only contain printable UTF-8 characters; non-printable character found at index 3']);
  });
});

describe('validateCustomResourceDefinitionUpdate', () => {
  function established(crd: KubeObject): KubeObject {
    defaultCustomResourceDefinition(crd);
    prepareCustomResourceDefinitionForCreate(crd);
    (crd.status as JsonObject).conditions = [{ type: 'Established', status: 'True' }];
    return crd;
  }

  it('keeps group and plural immutable, and scope and kind once established', () => {
    const old = established(cronTabCrd());
    const next = structuredClone(old);
    spec(next).group = 'other.example.com';
    spec(next).scope = 'Cluster';
    (spec(next).names as JsonObject).kind = 'Cron';
    (spec(next).names as JsonObject).plural = 'crons';
    next.metadata.name = 'crons.other.example.com';
    prepareCustomResourceDefinitionForUpdate(next, old);
    expect(render(validateCustomResourceDefinitionUpdate(next, old))).toEqual([
      'spec.scope: Invalid value: "Cluster": field is immutable',
      'spec.names.kind: Invalid value: "Cron": field is immutable',
      'spec.group: Invalid value: "other.example.com": field is immutable',
      'spec.names.plural: Invalid value: "crons": field is immutable',
    ]);
  });

  it('allows adding a version and moving storage, tracking stored versions', () => {
    const old = established(cronTabCrd());
    const next = structuredClone(old);
    const v2 = structuredClone(version(next));
    v2.name = 'v2';
    version(next).storage = false;
    (spec(next).versions as JsonValue[]).push(v2);
    prepareCustomResourceDefinitionForUpdate(next, old);
    expect((next.status as JsonObject).storedVersions).toEqual(['v1', 'v2']);
    expect(next.metadata.generation).toBe(2);
    expect(render(validateCustomResourceDefinitionUpdate(next, old))).toEqual([]);
  });

  it('rejects removing a version that is still in storedVersions', () => {
    const old = established(cronTabCrd());
    const next = structuredClone(old);
    version(next).name = 'v2';
    prepareCustomResourceDefinitionForUpdate(next, old);
    expect(render(validateCustomResourceDefinitionUpdate(next, old))).toEqual(['status.storedVersions[0]: Invalid value: "v1": must appear in spec.versions']);
  });
});

describe('controller-gen style schemas', () => {
  const quantity = {
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
    'x-kubernetes-int-or-string': true,
  };
  const conditions = {
    type: 'array',
    items: {
      type: 'object',
      required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
      properties: {
        lastTransitionTime: { type: 'string', format: 'date-time' },
        message: { type: 'string', maxLength: 32768 },
        observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
        reason: { type: 'string', maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
        type: {
          type: 'string',
          maxLength: 316,
          pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        },
      },
    },
    'x-kubernetes-list-map-keys': ['type'],
    'x-kubernetes-list-type': 'map',
  };

  function operatorCrd(): KubeObject {
    const crd = cronTabCrd();
    version(crd).subresources = { status: {} };
    version(crd).schema = {
      openAPIV3Schema: {
        description: 'Database is the Schema for the databases API',
        type: 'object',
        properties: {
          apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema.' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: {
            type: 'object',
            properties: {
              resources: { type: 'object', properties: { limits: { type: 'object', additionalProperties: quantity }, requests: { type: 'object', additionalProperties: quantity } } },
              template: {
                type: 'object',
                properties: {
                  metadata: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } },
                  spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              selector: {
                type: 'object',
                properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
                'x-kubernetes-map-type': 'atomic',
              },
              args: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' },
            },
          },
          status: { type: 'object', properties: { conditions } },
        },
      },
    };
    return crd;
  }

  it('accepts them', () => {
    expect(create(operatorCrd())).toEqual([]);
  });

  it('validates custom resources against them', () => {
    const crd = operatorCrd();
    defaultCustomResourceDefinition(crd);
    const info = crdVersionInfo(crd, 'v1');
    const cr: JsonObject = {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'db' },
      spec: { resources: { limits: { cpu: '500m', memory: 1073741824 }, requests: { cpu: 'lots' } }, template: { metadata: { labels: { a: 'b' } }, spec: { anything: 1 } } },
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'AllGood', message: '', lastTransitionTime: '2024-05-01T10:00:00Z' },
          { type: 'Ready', status: 'Maybe', reason: 'x', message: '', lastTransitionTime: 'now' },
        ],
      },
    };
    expect(render(validateCustomResource(cr, info!.schema))).toEqual([
      `spec.resources.requests.cpu: Invalid value: "lots": spec.resources.requests.cpu in body should match '${quantity.pattern}'`,
      'status.conditions[1].lastTransitionTime: Invalid value: "now": status.conditions[1].lastTransitionTime in body must be of type date-time: "now"',
      'status.conditions[1].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
      'status.conditions[1]: Duplicate value: {"type":"Ready"}',
    ]);
  });
});
