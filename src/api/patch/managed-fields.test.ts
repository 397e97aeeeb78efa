import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from '../object.js';
import { decodeManagedFields, encodeManagedFields, printManager, managerKey, updateManagedFields } from './managed-fields.js';
import { schemaFromRegistry } from './schema-from-registry.js';
import { CONFIG_MAP, DEPLOYMENT, fixtureRegistry } from './testing/fixture-schemas.js';

const registry = fixtureRegistry();
const deploymentSchema = schemaFromRegistry(registry, DEPLOYMENT);
const configMapSchema = schemaFromRegistry(registry, CONFIG_MAP);

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';
const T2 = '2025-01-01T00:02:00Z';

/** A Deployment as kubectl create/apply sends it after the server's defaulting. */
function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'nginx',
      namespace: 'default',
      uid: 'u1',
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: T0,
      labels: { app: 'nginx' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' },
    },
    spec: {
      replicas: 3,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.14.2',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {},
  };
}

function update(old: KubeObject | undefined, updated: KubeObject, manager: string, time: string, extra: { subresource?: string; resetFields?: string[][] } = {}): KubeObject {
  return updateManagedFields(old, updated, { manager, apiVersion: 'apps/v1', time, schema: deploymentSchema, resetFields: extra.resetFields ?? [['status']], subresource: extra.subresource });
}

function entries(obj: KubeObject): ManagedFieldsEntry[] {
  return obj.metadata.managedFields ?? [];
}

function entry(obj: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return entries(obj).find((e) => e.manager === manager);
}

describe('updateManagedFields: create', () => {
  it('gives the creator every field it set, as kube-apiserver records kubectl-client-side-apply', () => {
    const created = update(undefined, deployment(), 'kubectl-client-side-apply', T0);
    expect(entries(created)).toHaveLength(1);
    const e = entries(created)[0];
    expect({ ...e, fieldsV1: undefined }).toEqual({ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: undefined });
    // Byte for byte what kube-apiserver 1.32 stores for this object.
    expect(JSON.stringify(e.fieldsV1)).toBe(
      '{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},' +
        '"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},' +
        '"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},' +
        '"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},' +
        '"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},' +
        '"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}',
    );
  });

  it('does not modify its inputs', () => {
    const d = deployment();
    const before = JSON.stringify(d);
    update(undefined, d, 'm', T0);
    expect(JSON.stringify(d)).toBe(before);
  });

  it('records nothing for a manager that set only server-owned fields', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u', resourceVersion: '1' } };
    const created = updateManagedFields(undefined, cm, { manager: 'm', apiVersion: 'v1', time: T0, schema: configMapSchema });
    expect(created.metadata.managedFields).toBeUndefined();
  });

  it('uses "unknown" when there is no manager', () => {
    const created = updateManagedFields(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, { manager: '', apiVersion: 'v1', time: T0, schema: configMapSchema });
    expect(entries(created)[0].manager).toBe('unknown');
  });
});

describe('updateManagedFields: updates', () => {
  const created = update(undefined, deployment(), 'kubectl-client-side-apply', T0);

  it('a manager that changes a field takes it over', () => {
    const next = structuredClone(created);
    (next.spec as JsonObject).replicas = 5;
    const updated = update(created, next, 'kube-controller-manager', T1);
    expect(entry(updated, 'kube-controller-manager')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(updated, 'kube-controller-manager')?.time).toBe(T1);
    expect((entry(updated, 'kubectl-client-side-apply')?.fieldsV1 as JsonObject)['f:spec']).not.toHaveProperty('f:replicas');
    expect(entry(updated, 'kubectl-client-side-apply')?.time).toBe(T0);
  });

  it('removed fields are released by every manager and empty managers are dropped', () => {
    const a = updateManagedFields(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1' } }, { manager: 'a', apiVersion: 'v1', time: T0, schema: configMapSchema });
    const b = updateManagedFields(a, { ...a, data: { x: '1', y: '2' } }, { manager: 'b', apiVersion: 'v1', time: T1, schema: configMapSchema });
    expect(entries(b).map((e) => e.manager)).toEqual(['a', 'b']);
    const c = updateManagedFields(b, { ...b, data: { y: '2' } }, { manager: 'c', apiVersion: 'v1', time: T2, schema: configMapSchema });
    // a owned data.x and the data map itself (it created it); removing x leaves it the map; c took nothing.
    expect(entries(c).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['a', { 'f:data': {} }],
      ['b', { 'f:data': { 'f:y': {} } }],
    ]);
  });

  it('keeps what the manager owned before and refreshes its time only when it took something', () => {
    const next = structuredClone(created);
    (next.metadata.labels as Record<string, string>).extra = 'x';
    const u1 = update(created, next, 'kubectl-client-side-apply', T1);
    const e = entry(u1, 'kubectl-client-side-apply') as ManagedFieldsEntry;
    expect(e.time).toBe(T1);
    expect(((e.fieldsV1 as JsonObject)['f:metadata'] as JsonObject)['f:labels']).toEqual({ '.': {}, 'f:app': {}, 'f:extra': {} });
    expect((e.fieldsV1 as JsonObject)['f:spec']).toBeDefined();
    const u2 = update(u1, structuredClone(u1), 'other', T2);
    expect(entry(u2, 'other')).toBeUndefined();
  });

  it('does not track status changes through the main resource, but does through /status', () => {
    const next = structuredClone(created);
    next.status = { replicas: 3 };
    expect(entry(update(created, next, 'x', T1), 'x')).toBeUndefined();
    const viaStatus = update(created, next, 'deployment-controller', T1, { subresource: 'status', resetFields: [['spec']] });
    expect(entry(viaStatus, 'deployment-controller')).toMatchObject({ subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
  });

  it('subresource writes keep the live managedFields even if the request carries others', () => {
    const next = structuredClone(created);
    next.metadata.managedFields = [];
    next.status = { replicas: 1 };
    const viaStatus = update(created, next, 'c', T1, { subresource: 'status', resetFields: [['spec']] });
    expect(entries(viaStatus).map((e) => e.manager)).toEqual(['kubectl-client-side-apply', 'c']);
  });

  it('an empty managedFields list in the request resets tracking; an untracked object stays untracked', () => {
    const next = structuredClone(created);
    next.metadata.managedFields = [];
    (next.spec as JsonObject).replicas = 1;
    const reset = update(created, next, 'm', T1);
    expect(reset.metadata.managedFields).toBeUndefined();
    const again = structuredClone(reset);
    (again.spec as JsonObject).replicas = 2;
    expect(update(reset, again, 'm', T2).metadata.managedFields).toBeUndefined();
  });

  it('honours managedFields sent by the client, and falls back to the live ones when they do not decode', () => {
    const next = structuredClone(created);
    next.metadata.managedFields = [{ manager: 'bogus', operation: 'Update' } as ManagedFieldsEntry];
    const u = update(created, next, 'm', T1);
    expect(entries(u).map((e) => e.manager)).toEqual(['kubectl-client-side-apply']);
  });

  it('caps Update entries at 10, merging the oldest into ancient-changes', () => {
    let obj = updateManagedFields(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} }, { manager: 'm0', apiVersion: 'v1', time: T0, schema: configMapSchema });
    for (let i = 1; i <= 11; i++) {
      const data = { ...(obj.data as Record<string, string>), [`k${i}`]: 'v' };
      obj = updateManagedFields(obj, { ...obj, data }, { manager: `m${i}`, apiVersion: 'v1', time: new Date(Date.parse(T0) + i * 1000).toISOString().replace('.000', ''), schema: configMapSchema });
    }
    const managers = entries(obj).map((e) => e.manager);
    expect(managers).toHaveLength(10);
    expect(managers[0]).toBe('ancient-changes');
    // m0 (who created the empty data map), m1 and m2 were the oldest.
    expect(entries(obj)[0].fieldsV1).toEqual({ 'f:data': { '.': {}, 'f:k1': {}, 'f:k2': {} } });
    expect(managers).not.toContain('m0');
    expect(managers).not.toContain('m1');
    expect(managers).not.toContain('m2');
  });
});

describe('managedFields encoding', () => {
  it('sorts entries by operation, time, manager, apiVersion, subresource', () => {
    const raw: ManagedFieldsEntry[] = [
      { manager: 'z', operation: 'Update', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} } },
      { manager: 'b', operation: 'Update', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} } },
      { manager: 'a', operation: 'Update', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} }, subresource: 'status' },
      { manager: 'k', operation: 'Apply', apiVersion: 'v1', time: T2, fieldsType: 'FieldsV1', fieldsV1: { 'f:b': {} } },
    ];
    const out = encodeManagedFields(decodeManagedFields(raw)) as ManagedFieldsEntry[];
    expect(out.map((e) => e.manager)).toEqual(['k', 'z', 'a', 'b']);
    expect(out[2]).toEqual(raw[2]);
  });

  it('rejects malformed entries with upstream wording', () => {
    expect(() => decodeManagedFields([{ manager: 'a', operation: 'Patch', apiVersion: 'v1', fieldsType: 'FieldsV1' }])).toThrow('operation must be `Apply` or `Update`');
    expect(() => decodeManagedFields([{ manager: 'a', operation: 'Apply', fieldsType: 'FieldsV1' }])).toThrow('apiVersion must not be empty');
    expect(() => decodeManagedFields([{ manager: 'a', operation: 'Apply', apiVersion: 'v1' }])).toThrow('missing fieldsType in managed fields entry 0');
  });

  it('names managers in conflicts as upstream does', () => {
    expect(printManager(managerKey({ manager: 'kubectl', operation: 'Apply' }))).toBe('"kubectl"');
    expect(printManager(managerKey({ manager: 'kcm', operation: 'Update', apiVersion: 'apps/v1' }))).toBe('"kcm" using apps/v1');
    expect(printManager(managerKey({ manager: 'k', operation: 'Update', apiVersion: 'apps/v1', subresource: 'scale' }))).toBe('"k" with subresource "scale" using apps/v1');
    expect(managerKey({ manager: 'k', operation: 'Update', apiVersion: 'apps/v1', subresource: 'scale' })).toBe('{"manager":"k","operation":"Update","apiVersion":"apps/v1","subresource":"scale"}');
  });
});
