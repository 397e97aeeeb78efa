import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../object.js';
import { goodWidget, render, widgetSchema } from './testing/crd-fixtures.js';
import { compileSchema } from './structural-schema.js';
import { validateCustomResource, validateCustomResourceStatus, validateCustomResourceUpdate, validateScaleFields } from './validate-custom-resource.js';

const schema = compileSchema(widgetSchema());

function withSpec(patch: JsonObject): JsonObject {
  const w = goodWidget();
  w.spec = { ...(w.spec as JsonObject), ...patch };
  return w;
}

function check(patch: JsonObject): string[] {
  return render(validateCustomResource(withSpec(patch), schema));
}

describe('validateCustomResource', () => {
  it('accepts a valid widget', () => {
    expect(render(validateCustomResource(goodWidget(), schema))).toEqual([]);
  });

  it('reports type errors as upstream does, naming the JSON type that was sent', () => {
    expect(check({ replicas: 'three' })).toEqual(['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']);
    expect(check({ replicas: 2.5 })).toEqual(['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']);
    expect(check({ name: 7 })).toEqual(['spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer"']);
    expect(check({ tags: 'x' })).toEqual(['spec.tags: Invalid value: "string": spec.tags in body must be of type array: "string"']);
  });

  it('accepts integers for number fields', () => {
    const s = compileSchema({ type: 'object', properties: { n: { type: 'number', minimum: 1 } } });
    expect(render(validateCustomResource({ n: 2 }, s))).toEqual([]);
  });

  it('compares integral values with a truncated multipleOf, as upstream does (0.5 becomes 0)', () => {
    expect(check({ ratio: 2 })).toEqual(['spec.ratio: Invalid value: 2: factor MultipleOf declared for spec.ratio must be positive: 0']);
    expect(check({ ratio: 2.5 })).toEqual([]);
  });

  it('enforces required properties', () => {
    const w = goodWidget();
    delete (w.spec as JsonObject).size;
    expect(render(validateCustomResource(w, schema))).toEqual(['spec.size: Required value']);
  });

  it('enforces enums with the supported values listed', () => {
    expect(check({ color: 'purple' })).toEqual(['spec.color: Unsupported value: "purple": supported values: "red", "green"']);
  });

  it('enforces numeric bounds, exclusivity and multipleOf', () => {
    expect(check({ replicas: 11 })).toEqual(['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']);
    expect(check({ replicas: -1 })).toEqual(['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0']);
    expect(check({ ratio: 0 })).toEqual([
      'spec.ratio: Invalid value: 0: factor MultipleOf declared for spec.ratio must be positive: 0',
      'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
    ]);
    expect(check({ ratio: -0.5 })).toEqual(['spec.ratio: Invalid value: -0.5: spec.ratio in body should be greater than 0']);
    expect(check({ ratio: 0.75 })).toEqual(['spec.ratio: Invalid value: 0.75: spec.ratio in body should be a multiple of 0.5']);
  });

  it('enforces string length and pattern, one error per string', () => {
    expect(check({ name: 'ab' })).toEqual(['spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long']);
    expect(check({ name: 'abcdefghij' })).toEqual(['spec.name: Too long: may not be more than 8 bytes']);
    expect(check({ name: 'ABC' })).toEqual(["spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"]);
  });

  it('checks enforced formats and ignores the ones upstream strips (int32)', () => {
    expect(check({ email: 'not an email' })).toEqual(['spec.email: Invalid value: "not an email": spec.email in body must be of type email: "not an email"']);
    expect(check({ startedAt: 'yesterday' })).toEqual(['spec.startedAt: Invalid value: "yesterday": spec.startedAt in body must be of type date-time: "yesterday"']);
    expect(check({ window: 'anything' })).toEqual([]);
  });

  it('handles int-or-string values', () => {
    expect(check({ port: 8080 })).toEqual([]);
    expect(check({ port: 'http' })).toEqual([]);
    expect(check({ port: true })).toEqual([
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      '<nil>: Invalid value: "": "spec.port" must validate at least one schema (anyOf)',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"',
    ]);
  });

  it('allows null only for nullable fields', () => {
    expect(check({ note: null })).toEqual([]);
    expect(check({ name: null })).toEqual(['spec.name: Invalid value: "null": spec.name in body must be of type string: "null"']);
  });

  it('validates nested arrays and maps with indexed and dotted paths', () => {
    expect(check({ matrix: [[1], [2, 'x']] })).toEqual(['spec.matrix[1][1]: Invalid value: "string": spec.matrix[1][1] in body must be of type integer: "string"']);
    expect(check({ labels: { a: 1 } })).toEqual(['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
    const tooMany = validateCustomResource(withSpec({ labels: { a: 'x', b: 'y', c: 'z' } }), schema);
    expect(tooMany).toEqual([{ type: 'FieldValueTooMany', field: 'spec.labels', value: 3, detail: 'must have at most 2 items' }]);
    const items = validateCustomResource(withSpec({ tags: ['a', 'b', 'c', 'd'] }), schema);
    expect(items).toEqual([{ type: 'FieldValueTooMany', field: 'spec.tags', value: 4, detail: 'must have at most 3 items' }]);
  });

  it('keeps unknown fields below preserve-unknown-fields valid', () => {
    expect(check({ config: { anything: { goes: [1, 'two'] } } })).toEqual([]);
  });

  it('reports duplicates in set and map lists', () => {
    expect(check({ tags: ['a', 'b', 'a'] })).toEqual(['spec.tags[2]: Duplicate value: "a"']);
    expect(
      check({
        ports: [
          { name: 'http', port: 80 },
          { name: 'http', port: 81 },
        ],
      }),
    ).toEqual(['spec.ports[1]: Duplicate value: {"name":"http"}']);
  });

  it('validates embedded resources: apiVersion, kind and metadata', () => {
    expect(check({ template: { spec: {} } })).toEqual(['spec.template.apiVersion: Required value: must not be empty', 'spec.template.kind: Required value: must not be empty']);
    expect(check({ template: { apiVersion: 'v1', kind: 'pod_x', metadata: { name: 'a/b' } } })).toEqual([
      "spec.template.kind: Invalid value: \"pod_x\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
    ]);
    expect(check({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: 'x' } } })).toEqual([
      'spec.template.metadata: Invalid value: {"labels":"x"}: json: cannot unmarshal string into Go struct field ObjectMeta.labels of type map[string]string',
    ]);
    expect(check({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', labels: { 'a b': 'x' }, finalizers: ['orphan', 'foregroundDeletion'] } } })).toEqual([
      "spec.template.metadata.labels: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'spec.template.metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]);
  });

  it('reports several problems at once', () => {
    const w = withSpec({ size: 'huge', replicas: 'x' });
    expect(render(validateCustomResource(w, schema))).toEqual([
      'spec.size: Unsupported value: "huge": supported values: "small", "medium", "large"',
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ]);
  });

  it('handles allOf, oneOf and not', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
          not: { required: ['c'] },
          allOf: [{ properties: { a: { maxLength: 2 } } }],
        },
      },
    });
    expect(render(validateCustomResource({ spec: { a: 'x' } }, s))).toEqual([]);
    expect(render(validateCustomResource({ spec: { a: 'x', b: 'y' } }, s))).toEqual([
      '<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found 2 valid alternatives',
    ]);
    expect(render(validateCustomResource({ spec: {} }, s))).toEqual([
      '<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found none valid',
      'spec.a: Required value',
    ]);
    expect(render(validateCustomResource({ spec: { a: 'xyz' } }, s))).toEqual([
      'spec.a: Too long: may not be more than 2 bytes',
      '<nil>: Invalid value: "": "spec" must validate all the schemas (allOf). None validated',
    ]);
  });

  it('forbids extra properties when additionalProperties is false', () => {
    const s = compileSchema({ type: 'object', properties: { spec: { type: 'object', additionalProperties: false } } });
    expect(render(validateCustomResource({ spec: { x: 1 } }, s))).toEqual(['spec: Invalid value: "x": spec.x in body is a forbidden property']);
  });

  it('truncates bounds for integer values and prints floats like Go', () => {
    const s = compileSchema({ type: 'object', properties: { n: { type: 'number', maximum: 1000000.5 }, i: { type: 'integer', maximum: 10.9 } } });
    expect(render(validateCustomResource({ n: 2000000.5 }, s))).toEqual(['n: Invalid value: 2000000.5: n in body should be less than or equal to 1.0000005e+06']);
    expect(render(validateCustomResource({ i: 11 }, s))).toEqual(['i: Invalid value: 11: i in body should be less than or equal to 10']);
  });
});

describe('validateCustomResourceUpdate (ratcheting)', () => {
  it('ignores errors in unchanged values but reports changed ones', () => {
    const old = withSpec({ color: 'purple' });
    expect(render(validateCustomResourceUpdate(withSpec({ color: 'purple', replicas: 4 }), old, schema))).toEqual([]);
    expect(render(validateCustomResourceUpdate(withSpec({ color: 'blue' }), old, schema))).toEqual(['spec.color: Unsupported value: "blue": supported values: "red", "green"']);
  });

  it('correlates map-list items by key', () => {
    const old = withSpec({ ports: [{ name: 'a', port: 'x' }] });
    const unchanged = withSpec({ ports: [{ name: 'b', port: 1 }, { name: 'a', port: 'x' }] });
    expect(render(validateCustomResourceUpdate(unchanged, old, schema))).toEqual([]);
    const changed = withSpec({ ports: [{ name: 'a', port: 'y' }] });
    expect(render(validateCustomResourceUpdate(changed, old, schema))).toEqual(['spec.ports[0].port: Invalid value: "string": spec.ports[0].port in body must be of type integer: "string"']);
  });

  it('does not report list duplicates the stored object already had', () => {
    const old = withSpec({ tags: ['a', 'a'] });
    expect(render(validateCustomResourceUpdate(withSpec({ tags: ['a', 'a'], replicas: 2 }), old, schema))).toEqual([]);
  });
});

describe('validateCustomResourceStatus', () => {
  it('validates only status, with paths relative to it in messages', () => {
    const w = goodWidget();
    w.status = { replicas: 'many', phase: 'Done' };
    expect(render(validateCustomResourceStatus(w, goodWidget(), schema))).toEqual([
      'status.replicas: Invalid value: "string": replicas in body must be of type integer: "string"',
      'status.phase: Unsupported value: "Done": supported values: "Pending", "Running"',
    ]);
  });
});

describe('validateScaleFields', () => {
  const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

  it('accepts absent and valid replica counts', () => {
    expect(validateScaleFields(goodWidget(), scale)).toEqual([]);
  });

  it('reports negative and mistyped replicas with the CRD path', () => {
    const w = goodWidget();
    (w.spec as JsonObject).replicas = -2;
    w.status = { replicas: 'x', selector: 5 };
    expect(render(validateScaleFields(w, scale))).toEqual([
      '.spec.replicas: Invalid value: -2: should be a non-negative integer',
      '.status.replicas: Invalid value: 0: .status.replicas accessor error: x is of the type string, expected int64',
      '.status.selector: Invalid value: "": .status.selector accessor error: 5 is of the type int64, expected string',
    ]);
  });
});
