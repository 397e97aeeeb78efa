import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from '../object.js';
import { updateManagedFields } from './managed-fields.js';
import { schemaFromRegistry } from './schema-from-registry.js';
import { LAST_APPLIED_ANNOTATION, serverSideApply, type ServerSideApplyOptions } from './server-side-apply.js';
import { DEPLOYMENT, fixtureRegistry } from './testing/fixture-schemas.js';

const schema = schemaFromRegistry(fixtureRegistry(), DEPLOYMENT);
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';
const T2 = '2025-01-01T00:02:00Z';

/** The manifest `kubectl apply --server-side` sends (JSON text of the YAML file). */
function manifest(replicas = 2, image = 'nginx:1.25', labels: Record<string, string> = { app: 'api' }): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { labels, name: 'api', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 80 }] }] } },
    },
  };
}

function ssa(live: KubeObject | undefined, applied: KubeObject, manager = 'kubectl', opts: Partial<ServerSideApplyOptions> = {}): KubeObject {
  return serverSideApply(live, applied, { manager, force: false, apiVersion: 'apps/v1', kind: 'Deployment', time: T0, schema, resetFields: [['status']], ...opts });
}

/** What the registry does around a write: identity and server fields. */
function stored(obj: KubeObject, rv: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, uid: 'uid-1', resourceVersion: rv, generation: 1, creationTimestamp: T0 } };
}

function entry(obj: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager);
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

function spec(obj: KubeObject): JsonObject {
  return obj.spec as JsonObject;
}

function containers(obj: KubeObject): JsonObject[] {
  return ((spec(obj).template as JsonObject).spec as JsonObject).containers as JsonObject[];
}

describe('serverSideApply: the kubectl flows', () => {
  it('creates the object and records one Apply entry owning exactly the applied fields', () => {
    const created = ssa(undefined, manifest());
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } },
            },
          },
        },
      },
    ]);
    expect(spec(created).replicas).toBe(2);
    expect(containers(created)).toEqual([{ name: 'main', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }]);
  });

  it('re-applies a changed field and refreshes the time', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const next = ssa(live, manifest(2, 'nginx:1.26'), 'kubectl', { time: T1 });
    expect(containers(next)[0].image).toBe('nginx:1.26');
    expect(entry(next, 'kubectl')?.time).toBe(T1);
    expect(next.metadata.uid).toBe('uid-1');
  });

  it('an unchanged re-apply keeps the object and the apply time', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const next = ssa(live, manifest(), 'kubectl', { time: T1 });
    expect(next).toEqual(live);
  });

  it('a second manager changing a field the first applied conflicts (409)', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const other: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default' }, spec: { replicas: 5 } };
    const e = apiError(() => ssa(live, other, 'other'));
    expect(e.code).toBe(409);
    expect(e.reason).toBe('Conflict');
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect(e.toStatus().details).toEqual({ causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }] });
  });

  it('a second manager applying the same value shares the field instead of conflicting', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const other: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default' }, spec: { replicas: 2 } };
    const shared = ssa(live, other, 'other', { time: T1 });
    expect(entry(shared, 'other')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // Nothing changed in the object, so the new entry has no time.
    expect(entry(shared, 'other')?.time).toBeUndefined();
    expect(entry(shared, 'kubectl')?.fieldsV1).toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('force takes the field over', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const other: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default' }, spec: { replicas: 5 } };
    const forced = ssa(live, other, 'other', { force: true, time: T1 });
    expect(spec(forced).replicas).toBe(5);
    expect(entry(forced, 'other')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(forced, 'kubectl')?.fieldsV1).not.toHaveProperty(['f:spec', 'f:replicas']);
    expect(forced.metadata.managedFields?.map((e) => e.manager)).toEqual(['kubectl', 'other']);
  });

  it('a scale by another manager makes the next apply of a different replica count conflict', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const scaled = updateManagedFields(live, { ...live, spec: { ...spec(live), replicas: 7 } }, {
      manager: 'kubectl-scale',
      apiVersion: 'apps/v1',
      time: T1,
      schema,
      subresource: 'scale',
    });
    expect(entry(scaled, 'kubectl')?.fieldsV1).not.toHaveProperty(['f:spec', 'f:replicas']);
    const e = apiError(() => ssa(stored(scaled, '2'), manifest(2), 'kubectl', { time: T2 }));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas');
    // Re-applying without replicas gives up the field without touching it.
    const withoutReplicas = manifest();
    delete spec(withoutReplicas).replicas;
    const ok = ssa(stored(scaled, '2'), withoutReplicas, 'kubectl', { time: T2 });
    expect(spec(ok).replicas).toBe(7);
  });

  it('lists several conflicts grouped by manager', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const other = manifest(9, 'redis');
    const e = apiError(() => ssa(live, other, 'other'));
    expect(e.message).toBe('Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.replicas\n- .spec.template.spec.containers[name="main"].image');
    expect((e.details?.causes ?? []).map((c) => c.field)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name="main"].image']);
  });

  it('removes a field the manager no longer applies', () => {
    const live = stored(ssa(undefined, manifest(2, 'nginx:1.25', { app: 'api', tier: 'web' })), '1');
    const next = ssa(live, manifest(2, 'nginx:1.25', { app: 'api' }), 'kubectl', { time: T1 });
    expect(next.metadata.labels).toEqual({ app: 'api' });
    expect(entry(next, 'kubectl')?.fieldsV1).toHaveProperty(['f:metadata', 'f:labels'], { 'f:app': {} });
  });

  it('keeps a field the manager stops applying when another manager owns it too', () => {
    const live = stored(ssa(undefined, manifest(2, 'nginx:1.25', { app: 'api', tier: 'web' })), '1');
    const other: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default', labels: { tier: 'web' } } };
    const shared = stored(ssa(live, other, 'other', { time: T1 }), '2');
    const next = ssa(shared, manifest(2, 'nginx:1.25', { app: 'api' }), 'kubectl', { time: T2 });
    expect(next.metadata.labels).toEqual({ app: 'api', tier: 'web' });
  });

  it('removes a list item the manager no longer applies, unless another applier owns it too', () => {
    const two = manifest();
    containers(two).push({ name: 'side', image: 'busybox' });
    const live = stored(ssa(undefined, two), '1');
    expect(containers(ssa(live, manifest(), 'kubectl', { time: T1 })).map((c) => c.name)).toEqual(['main']);

    const sidecar: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } },
    };
    const shared = stored(ssa(live, sidecar, 'sidecar-injector', { time: T1 }), '2');
    expect(containers(ssa(shared, manifest(), 'kubectl', { time: T2 })).map((c) => c.name)).toEqual(['main', 'side']);
  });

  it('does not remove fields set by an Update after the apply', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const edited = structuredClone(live);
    (edited.metadata.labels as Record<string, string>).edited = 'yes';
    const withEdit = stored(updateManagedFields(live, edited, { manager: 'kubectl-edit', apiVersion: 'apps/v1', time: T1, schema }), '2');
    const next = ssa(withEdit, manifest(), 'kubectl', { time: T2 });
    expect(next.metadata.labels).toEqual({ app: 'api', edited: 'yes' });
  });

  it('merges list-map items by key, including defaulted keys', () => {
    const live = stored(ssa(undefined, manifest()), '1');
    const defaulted = structuredClone(live);
    const c = containers(defaulted)[0];
    c.ports = [{ containerPort: 80, protocol: 'TCP' }];
    c.imagePullPolicy = 'IfNotPresent';
    const next = ssa(defaulted, manifest(3), 'kubectl', { time: T1 });
    expect(containers(next)).toEqual([{ name: 'main', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'IfNotPresent' }]);
  });

  it('attributes an untracked object to "before-first-apply", which then conflicts', () => {
    const live: KubeObject = { ...manifest(4), metadata: { ...manifest().metadata, uid: 'u', resourceVersion: '9' } };
    const e = apiError(() => ssa(live, manifest(2)));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
  });
});

describe('serverSideApply: moving from client-side apply', () => {
  function clientSideApplied(): KubeObject {
    const m = manifest(2);
    const lastApplied = `${JSON.stringify(m)}\n`;
    const created = structuredClone(m);
    created.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: lastApplied };
    return stored(updateManagedFields(undefined, created, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', time: T0, schema }), '1');
  }

  it('kubectl takes over fields recorded in last-applied-configuration and rewrites the annotation', () => {
    const next = ssa(clientSideApplied(), manifest(4), 'kubectl', { time: T1 });
    expect(spec(next).replicas).toBe(4);
    const annotation = next.metadata.annotations?.[LAST_APPLIED_ANNOTATION] as string;
    expect(annotation.endsWith('\n')).toBe(true);
    // Go's encoding: sorted keys.
    expect(annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"api"},"name":"api","namespace":"default"},"spec":{"replicas":4,')).toBe(true);
    expect(entry(next, 'kubectl-client-side-apply')?.fieldsV1).not.toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('other managers still get the conflict', () => {
    const e = apiError(() => ssa(clientSideApplied(), manifest(4), 'helm'));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(e.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }]);
  });
});

describe('serverSideApply: refused configurations', () => {
  it('400 for another kind or version', () => {
    const wrong = { ...manifest(), apiVersion: 'apps/v1beta1' };
    const e = apiError(() => ssa(undefined, wrong));
    expect([e.code, e.message]).toEqual([400, 'invalid object type: apps/v1beta1, Kind=Deployment']);
    expect(apiError(() => ssa(undefined, { ...manifest(), kind: '' })).message).toBe('invalid object type: apps/v1, Kind=');
  });

  it('400 when the configuration carries managedFields', () => {
    const m = manifest();
    m.metadata.managedFields = [];
    expect(apiError(() => ssa(undefined, m)).message).toBe('metadata.managedFields must be nil');
  });

  it('500 with upstream texts for configurations that do not fit the schema', () => {
    const dup = manifest();
    containers(dup).push({ name: 'main', image: 'x' });
    expect(apiError(() => ssa(undefined, dup)).message).toBe(
      'failed to create typed patch object (default/api; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="main"]',
    );
    const unknown = manifest();
    spec(unknown).bogus = 1;
    const e = apiError(() => ssa(undefined, unknown));
    expect([e.code, e.message]).toEqual([500, 'failed to create typed patch object (default/api; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema']);
    const wrongType = manifest();
    spec(wrongType).replicas = 'two';
    expect(apiError(() => ssa(undefined, wrongType)).message).toBe(
      'failed to create typed patch object (default/api; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
    );
    const noKey = manifest();
    containers(noKey).push({ image: 'x' });
    expect(apiError(() => ssa(undefined, noKey)).message).toBe(
      'failed to create typed patch object (default/api; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 1: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });
});
