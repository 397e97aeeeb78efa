import { describe, expect, it } from 'vitest';
import { ApiError, fieldErrorBody, type FieldError } from '../errors.js';
import type { ObjectMeta } from '../object.js';
import { compileLabelSelector, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, validateTemplateObjectMeta } from './object-meta.js';

function render(errs: readonly FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

const NS = { namespaced: true, nameRule: 'subdomain' } as const;

describe('validateObjectMeta', () => {
  it('accepts a well-formed namespaced object', () => {
    const meta: ObjectMeta = { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/x': 'y' }, finalizers: ['example.com/cleanup', 'foregroundDeletion'] };
    expect(validateObjectMeta(meta, NS)).toEqual([]);
  });

  it('requires a name and a namespace for namespaced kinds', () => {
    expect(render(validateObjectMeta({}, NS))).toEqual(['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
  });

  it('forbids a namespace on cluster-scoped kinds', () => {
    expect(render(validateObjectMeta({ name: 'n1', namespace: 'x' }, { namespaced: false, nameRule: 'subdomain' }))).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('applies the caller-chosen name rule, also to generateName', () => {
    const errs = validateObjectMeta({ name: 'a.b', generateName: 'Bad-', namespace: 'default' }, { namespaced: true, nameRule: 'label' });
    expect(render(errs)).toEqual([
      `metadata.generateName: Invalid value: "Bad-": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'metadata.name: Invalid value: "a.b": must not contain dots',
    ]);
  });

  it('reports the upstream message inside a 422 Status', () => {
    const errs = validateObjectMeta({ name: 'My_App', namespace: 'default' }, NS);
    const status = ApiError.invalid({ group: 'apps', kind: 'Deployment' }, 'My_App', errs).toStatus();
    expect(status.message).toBe(
      `Deployment.apps "My_App" is invalid: metadata.name: Invalid value: "My_App": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(status.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  });

  it('checks label keys and values, annotation keys and total size', () => {
    const big = 'x'.repeat(256 * 1024);
    const errs = validateObjectMeta({ name: 'a', namespace: 'default', labels: { 'bad key!': 'v', ok: 'bad value!' }, annotations: { k: big } }, NS);
    const out = render(errs);
    expect(out[0]).toMatch(/^metadata\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/);
    expect(out[1]).toMatch(/^metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string/);
    expect(out[2]).toBe('metadata.annotations: Too long: may not be more than 262144 bytes');
  });

  it('checks finalizer names, including the standard-name rule for built-in kinds', () => {
    const errs = validateObjectMeta({ name: 'a', namespace: 'default', finalizers: ['orphan', 'foregroundDeletion', 'custom'] }, NS);
    expect(render(errs)).toEqual([
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion","custom"]: finalizer orphan and foregroundDeletion cannot be both set',
      'metadata.finalizers[2]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
    expect(validateObjectMeta({ name: 'a', namespace: 'default', finalizers: ['custom'] }, { ...NS, builtin: false })).toEqual([]);
  });

  it('checks owner references and the single-controller rule', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
    const errs = validateObjectMeta({ name: 'a', namespace: 'default', ownerReferences: [ref, { ...ref, name: 'rs2', uid: '' }] }, NS);
    const out = render(errs);
    expect(out[0]).toBe('metadata.ownerReferences.uid: Invalid value: "": uid must not be empty');
    expect(out[1]).toMatch(/^metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/rs2$/);
    const banned = validateObjectMeta({ name: 'a', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }] }, NS);
    expect(banned[0]?.detail).toBe('/v1, Kind=Event is disallowed from being an owner');
  });

  it('checks managed fields entries', () => {
    const errs = validateObjectMeta({ name: 'a', namespace: 'default', managedFields: [{ manager: 'kubectl', operation: 'Patch' as 'Apply' }] }, NS);
    expect(render(errs)).toEqual(['metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`']);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', generation: 2, creationTimestamp: '2024-01-01T00:00:00Z' };

  it('accepts an update that keeps identity fields', () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old)).toEqual([]);
  });

  it('rejects changes to immutable identity fields', () => {
    const errs = validateObjectMetaUpdate({ ...old, name: 'other', uid: 'u2', resourceVersion: '' }, old);
    expect(render(errs)).toEqual([
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.name: Invalid value: "other": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });

  it('rejects generation decrements and new finalizers during deletion', () => {
    const deleting = { ...old, deletionTimestamp: '2024-01-02T00:00:00Z', finalizers: ['a.io/x'] };
    const errs = validateObjectMetaUpdate({ ...deleting, generation: 1, finalizers: ['a.io/x', 'b.io/y'] }, deleting);
    expect(render(errs)).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
      'metadata.generation: Invalid value: 1: must not be decremented',
    ]);
  });
});

describe('label selectors', () => {
  it('validates operators, values and keys', () => {
    const errs = validateLabelSelector('spec.selector', {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: [] },
        { key: 'env', operator: 'Exists', values: ['x'] },
        { key: 'x', operator: 'Gt', values: ['1'] },
      ],
    });
    expect(render(errs)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Gt": not a valid selector operator',
    ]);
  });

  it('matches labels like labels.Selector', () => {
    const sel = compileLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] });
    expect(sel?.matches({ app: 'web' })).toBe(true);
    expect(sel?.matches({ app: 'web', tier: 'db' })).toBe(false);
    expect(compileLabelSelector(undefined)?.matches({})).toBe(false);
    expect(compileLabelSelector({})?.empty).toBe(true);
    expect(compileLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toBeUndefined();
  });
});

describe('validateTemplateObjectMeta', () => {
  it('only allows labels and annotations', () => {
    expect(validateTemplateObjectMeta('spec.template.metadata', { labels: { a: 'b' }, creationTimestamp: null })).toEqual([]);
    expect(render(validateTemplateObjectMeta('spec.template.metadata', { name: 'x' }))).toEqual(['spec.template.metadata.name: Forbidden: cannot be set']);
  });
});
