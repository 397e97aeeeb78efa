/**
 * CustomResourceDefinitions end to end through client-node: a CRD with a structural schema,
 * printer columns and status/scale subresources, served at once; custom objects through
 * CustomObjectsApi; validation, pruning and Strict field validation; Table output; deletion of
 * the CRD removing its objects and its API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { apiError, rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let t: TestServer;
let ext: ApiextensionsV1Api;
let custom: CustomObjectsApi;
let core: CoreV1Api;
const ns = 'crds';
const group = 'stable.example.com';
const version = 'v1';
const plural = 'crontabs';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';

const crd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], listKind: 'CronTabList' },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['cronSpec'],
                properties: {
                  cronSpec: { type: 'string', pattern: '^(\\S+\\s){4}\\S+$' },
                  image: { type: 'string' },
                  replicas: { type: 'integer', minimum: 0, maximum: 10 },
                },
              },
              status: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer' },
                  labelSelector: { type: 'string' },
                  phase: { type: 'string' },
                },
              },
            },
          },
        },
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' },
        },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  },
};

function cronTab(name: string, spec: Record<string, unknown> = { cronSpec: '* * * * */5', image: 'my-cron:1', replicas: 1 }): any {
  return { apiVersion: `${group}/${version}`, kind: 'CronTab', metadata: { name }, spec };
}

const ref = { group, version, namespace: ns, plural };

/** Set by the first test: every later test needs the CRD and fails without it (never skips). */
let crdCreated = false;
function needCrd(_ctx: unknown): void {
  if (!crdCreated) throw new Error('the CRD could not be created (see the first test)');
}

beforeAll(async () => {
  t = await startTestServer();
  ext = t.kc.makeApiClient(ApiextensionsV1Api);
  custom = t.kc.makeApiClient(CustomObjectsApi);
  core = t.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await t?.stop();
});

describe('CustomResourceDefinition', () => {
  it('is created and its objects can be created at once (no wait for Established)', async () => {
    const created = await ext.createCustomResourceDefinition({ body: crd });
    expect(created.metadata?.name).toBe(`${plural}.${group}`);
    expect(created.metadata?.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    crdCreated = true;
    const obj = await custom.createNamespacedCustomObject({ ...ref, body: cronTab('first') });
    expect(obj.metadata.uid).toBeDefined();
    expect(obj.metadata.generation).toBe(1);
    expect(obj.kind).toBe('CronTab');
    expect(obj.apiVersion).toBe(`${group}/${version}`);
  });

  it('becomes Established with accepted names', async (ctx) => {
    needCrd(ctx);
    const established = await waitFor('CRD Established', async () => {
      const c = await ext.readCustomResourceDefinition({ name: `${plural}.${group}` });
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? c : undefined;
    });
    expect(established.status?.acceptedNames).toMatchObject({ plural, singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], listKind: 'CronTabList' });
    expect(established.status?.conditions?.some((x) => x.type === 'NamesAccepted' && x.status === 'True')).toBe(true);
    expect(established.status?.storedVersions).toEqual([version]);
  });

  it('lists, gets, patches and deletes custom objects', async (ctx) => {
    needCrd(ctx);
    await custom.createNamespacedCustomObject({ ...ref, body: cronTab('second') });
    const list = await custom.listNamespacedCustomObject(ref);
    expect(list.kind).toBe('CronTabList');
    expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(['first', 'second']);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);

    const got = await custom.getNamespacedCustomObject({ ...ref, name: 'second' });
    expect(got.spec).toEqual({ cronSpec: '* * * * */5', image: 'my-cron:1', replicas: 1 });

    const patched = await custom.patchNamespacedCustomObject({ ...ref, name: 'second', body: { spec: { image: 'my-cron:2' } } }, merge);
    expect(patched.spec.image).toBe('my-cron:2');
    expect(patched.metadata.generation).toBe(2);

    const jsonPatched = await custom.patchNamespacedCustomObject({ ...ref, name: 'second', body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] });
    expect(jsonPatched.spec.replicas).toBe(2);
    expect(jsonPatched.metadata.generation).toBe(3);

    // Strategic merge patch is not supported for custom resources (upstream: 415).
    const smp = await rawRequest(t.server, {
      method: 'PATCH',
      path: `/apis/${group}/${version}/namespaces/${ns}/${plural}/second`,
      headers: { 'Content-Type': PatchStrategy.StrategicMergePatch },
      body: JSON.stringify({ spec: { image: 'x' } }),
    });
    expect(smp.status).toBe(415);
    expect(smp.json).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });

    await custom.deleteNamespacedCustomObject({ ...ref, name: 'second' });
    expect((await apiError(custom.getNamespacedCustomObject({ ...ref, name: 'second' }))).code).toBe(404);
  });

  it('label selectors and cross-namespace lists work for custom objects', async (ctx) => {
    needCrd(ctx);
    await custom.createNamespacedCustomObject({ ...ref, body: { ...cronTab('labelled'), metadata: { name: 'labelled', labels: { team: 'a' } } } });
    const sel = await custom.listNamespacedCustomObject({ ...ref, labelSelector: 'team=a' });
    expect(sel.items.map((i: any) => i.metadata.name)).toEqual(['labelled']);
    const all = await custom.listClusterCustomObject({ group, version, plural });
    expect(all.items.map((i: any) => i.metadata.name)).toEqual(expect.arrayContaining(['first', 'labelled']));
    const byName = await custom.listNamespacedCustomObject({ ...ref, fieldSelector: 'metadata.name=first' });
    expect(byName.items.map((i: any) => i.metadata.name)).toEqual(['first']);
  });

  it('status subresource: updates only status and does not bump generation; main resource ignores status', async (ctx) => {
    needCrd(ctx);
    const obj = await custom.createNamespacedCustomObject({ ...ref, body: cronTab('status-test') });
    const withStatus = await custom.replaceNamespacedCustomObjectStatus({
      ...ref,
      name: 'status-test',
      body: { ...obj, spec: { ...obj.spec, image: 'ignored:1' }, status: { replicas: 1, phase: 'Running', labelSelector: 'app=cron' } },
    });
    expect(withStatus.status).toEqual({ replicas: 1, phase: 'Running', labelSelector: 'app=cron' });
    expect(withStatus.spec.image).toBe('my-cron:1');
    expect(withStatus.metadata.generation).toBe(1);
    expect(Number(withStatus.metadata.resourceVersion)).toBeGreaterThan(Number(obj.metadata.resourceVersion));

    // A write to the main resource cannot change status; a spec change bumps generation.
    const updated = await custom.replaceNamespacedCustomObject({
      ...ref,
      name: 'status-test',
      body: { ...withStatus, spec: { ...withStatus.spec, image: 'my-cron:2' }, status: { replicas: 99, phase: 'Hacked' } },
    });
    expect(updated.spec.image).toBe('my-cron:2');
    expect(updated.status).toEqual({ replicas: 1, phase: 'Running', labelSelector: 'app=cron' });
    expect(updated.metadata.generation).toBe(2);

    // A metadata-only change does not bump generation.
    const labelled = await custom.patchNamespacedCustomObject({ ...ref, name: 'status-test', body: { metadata: { labels: { a: 'b' } } } }, merge);
    expect(labelled.metadata.generation).toBe(2);

    // Status patch through the client.
    const statusPatched = await custom.patchNamespacedCustomObjectStatus({ ...ref, name: 'status-test', body: { status: { phase: 'Done' } } }, merge);
    expect(statusPatched.status.phase).toBe('Done');
    expect(statusPatched.metadata.generation).toBe(2);
  });

  it('scale subresource reads and writes spec.replicas', async (ctx) => {
    needCrd(ctx);
    await custom.createNamespacedCustomObject({ ...ref, body: cronTab('scaled') });
    await custom.patchNamespacedCustomObjectStatus({ ...ref, name: 'scaled', body: { status: { replicas: 1, labelSelector: 'app=cron' } } }, merge);
    const scale = await custom.getNamespacedCustomObjectScale({ ...ref, name: 'scaled' });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'scaled', namespace: ns }, spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=cron' } });
    const replaced = await custom.replaceNamespacedCustomObjectScale({ ...ref, name: 'scaled', body: { ...scale, spec: { replicas: 4 } } });
    expect(replaced.spec.replicas).toBe(4);
    const after = await custom.getNamespacedCustomObject({ ...ref, name: 'scaled' });
    expect(after.spec.replicas).toBe(4);
    expect(after.metadata.generation).toBe(2);
    const patched = await custom.patchNamespacedCustomObjectScale({ ...ref, name: 'scaled', body: { spec: { replicas: 6 } } }, merge);
    expect(patched.spec.replicas).toBe(6);
    // Scaling beyond the schema's maximum is refused by validation of the custom object.
    const tooMany = await apiError(custom.patchNamespacedCustomObjectScale({ ...ref, name: 'scaled', body: { spec: { replicas: 11 } } }, merge));
    expect(tooMany.code).toBe(422);
  });

  it('schema violations are 422 Invalid with causes', async (ctx) => {
    needCrd(ctx);
    const err = await apiError(custom.createNamespacedCustomObject({ ...ref, body: cronTab('bad', { cronSpec: 'nope', image: 7, replicas: 20 }) }));
    expect(err.code).toBe(422);
    expect(err.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'bad', group, kind: 'CronTab' } });
    const causes = (err.status.details.causes as { reason: string; field: string }[]).map((c) => `${c.reason} ${c.field}`).sort();
    expect(causes).toEqual(['FieldValueInvalid spec.cronSpec', 'FieldValueInvalid spec.replicas', 'FieldValueTypeInvalid spec.image']);
    expect(err.status.message).toMatch(/^CronTab\.stable\.example\.com "bad" is invalid: /);

    const missing = await apiError(custom.createNamespacedCustomObject({ ...ref, body: cronTab('bad2', { image: 'x' }) }));
    expect(missing.code).toBe(422);
    expect(missing.status.details.causes).toContainEqual(expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.cronSpec' }));
  });

  it('unknown fields are pruned (with a warning) without fieldValidation, refused with Strict', async (ctx) => {
    needCrd(ctx);
    const body = cronTab('pruned', { cronSpec: '* * * * *', extra: 'dropped', nested: { deep: 1 } });
    body.topLevel = 'gone';
    const res = await rawRequest(t.server, { method: 'POST', path: `/apis/${group}/${version}/namespaces/${ns}/${plural}`, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    expect(res.json.spec).toEqual({ cronSpec: '* * * * *' });
    expect(res.json).not.toHaveProperty('topLevel');
    // Default field validation is Warn: one warning per dropped field.
    const warning = String(res.headers.warning ?? '');
    // Warning: 299 - "unknown field \"spec.extra\"" (quoted-string, RFC 7234 §5.5)
    expect(warning).toContain('299 - "unknown field \\"spec.extra\\""');
    expect(warning).toContain('299 - "unknown field \\"topLevel\\""');

    const ignored = await custom.createNamespacedCustomObject({ ...ref, body: cronTab('ignored', { cronSpec: '* * * * *', extra: 1 }), fieldValidation: 'Ignore' });
    expect(ignored.spec).toEqual({ cronSpec: '* * * * *' });

    const strict = await apiError(custom.createNamespacedCustomObject({ ...ref, body: cronTab('strict', { cronSpec: '* * * * *', extra: 'x' }), fieldValidation: 'Strict' }));
    expect(strict.code).toBe(400);
    expect(strict.status).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(strict.status.message).toContain('unknown field "spec.extra"');
    expect((await apiError(custom.getNamespacedCustomObject({ ...ref, name: 'strict' }))).code).toBe(404);

    // The same for patches: a merge patch adding an unknown field under Strict is refused.
    const strictPatch = await apiError(custom.patchNamespacedCustomObject({ ...ref, name: 'pruned', body: { spec: { bogus: true } }, fieldValidation: 'Strict' }, merge));
    expect(strictPatch.code).toBe(400);
    expect(strictPatch.status.message).toContain('unknown field "spec.bogus"');
  });

  it('Table output shows the printer columns', async (ctx) => {
    needCrd(ctx);
    const res = await rawRequest(t.server, { path: `/apis/${group}/${version}/namespaces/${ns}/${plural}`, headers: { Accept: TABLE_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const table = res.json;
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    const cols = (table.columnDefinitions as { name: string; type: string; priority: number }[]).map((c) => `${c.name}:${c.type}:${c.priority}`);
    expect(cols).toEqual(['Name:string:0', 'Spec:string:0', 'Replicas:integer:0', 'Phase:string:1', 'Age:date:0']);
    const first = (table.rows as { cells: unknown[]; object: any }[]).find((r) => r.object?.metadata?.name === 'first');
    expect(first).toBeDefined();
    expect(first!.cells.slice(0, 4)).toEqual(['first', '* * * * */5', 1, null]);
    expect(String(first!.cells[4])).toMatch(/^\d+[smhd]/);
    // Row objects are PartialObjectMetadata by default.
    expect(first!.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });

    const one = await rawRequest(t.server, { path: `/apis/${group}/${version}/namespaces/${ns}/${plural}/first`, headers: { Accept: TABLE_ACCEPT } });
    expect(one.json.kind).toBe('Table');
    expect(one.json.rows).toHaveLength(1);
  });

  it('appears in discovery and OpenAPI', async (ctx) => {
    needCrd(ctx);
    const list = await rawRequest(t.server, { path: `/apis/${group}/${version}` });
    expect(list.status).toBe(200);
    const names = (list.json.resources as { name: string }[]).map((r) => r.name).sort();
    expect(names).toEqual([plural, `${plural}/scale`, `${plural}/status`]);
    const main = list.json.resources.find((r: any) => r.name === plural);
    expect(main).toMatchObject({ kind: 'CronTab', namespaced: true, singularName: 'crontab', shortNames: ['ct'] });
    const doc = await rawRequest(t.server, { path: `/openapi/v3/apis/${group}/${version}` });
    expect(doc.status).toBe(200);
    expect(JSON.stringify(doc.json.components.schemas)).toContain('"x-kubernetes-group-version-kind"');
  });

  it('deleting the CRD removes its objects and its API', async (ctx) => {
    needCrd(ctx);
    const before = await custom.listClusterCustomObject({ group, version, plural });
    expect(before.items.length).toBeGreaterThan(0);
    await ext.deleteCustomResourceDefinition({ name: `${plural}.${group}` });
    // Upstream: the CRD is held by its cleanup finalizer (Terminating) while every custom object is
    // deleted; then the finalizer is released and the CRD and its API disappear.
    await waitFor(
      'the custom objects of the deleted CRD to be removed (CRD cleanup finalizer controller)',
      async () => (await custom.listClusterCustomObject({ group, version, plural }).then((l) => l.items.length === 0, (e) => e.code === 404)),
    );
    await waitFor('the CRD to be gone after its cleanup finalizer is released', async () => (await apiError(ext.readCustomResourceDefinition({ name: `${plural}.${group}` }))).code === 404);
    const gone = await apiError(custom.listNamespacedCustomObject(ref));
    expect(gone.code).toBe(404);
    expect(gone.status).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const getGone = await apiError(custom.getNamespacedCustomObject({ ...ref, name: 'first' }));
    expect(getGone.code).toBe(404);
    const disc = await rawRequest(t.server, { path: `/apis/${group}/${version}` });
    expect(disc.status).toBe(404);
    const groups = await rawRequest(t.server, { path: '/apis' });
    expect((groups.json.groups as { name: string }[]).map((g) => g.name)).not.toContain(group);

    // Recreating the CRD brings back an empty collection: the objects were really deleted.
    await ext.createCustomResourceDefinition({ body: crd });
    const empty = await custom.listNamespacedCustomObject(ref);
    expect(empty.items).toEqual([]);
  });
});
