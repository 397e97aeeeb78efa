/**
 * PATCH in all four content types through client-node: JSON patch, merge patch, strategic merge
 * patch with its directives, and server-side apply via KubernetesObjectApi (notes §8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type V1ConfigMap, type V1Deployment } from '@kubernetes/client-node';
import { apiError, rawRequest, startTestServer, uniqueName, type TestServer } from './helpers.js';

let t: TestServer;
let core: CoreV1Api;
let apps: AppsV1Api;
let objects: KubernetesObjectApi;
const ns = 'patching';

const json = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

beforeAll(async () => {
  t = await startTestServer();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  objects = KubernetesObjectApi.makeApiClient(t.kc);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await t?.stop();
});

function deployment(name: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] },
            { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', '3600'] },
          ],
          volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        },
      },
    },
  };
}

async function createDeployment(prefix: string): Promise<V1Deployment> {
  return apps.createNamespacedDeployment({ namespace: ns, body: deployment(uniqueName(prefix)) });
}

describe('JSON patch (RFC 6902)', () => {
  it('applies add/replace/remove/test ops, with ~1 escapes and "-" append', async () => {
    const d = await createDeployment('jp');
    const name = d.metadata!.name!;
    const out = await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: [
          { op: 'test', path: '/spec/replicas', value: 1 },
          { op: 'replace', path: '/spec/replicas', value: 3 },
          { op: 'add', path: '/metadata/annotations', value: {} },
          { op: 'add', path: '/metadata/annotations/example.com~1owner', value: 'team-a' },
          { op: 'add', path: '/spec/template/spec/containers/1/args/-', value: 'extra' },
          { op: 'add', path: '/metadata/labels/tier', value: 'web' },
          { op: 'remove', path: '/metadata/labels/app' },
        ],
      },
      json,
    );
    expect(out.spec?.replicas).toBe(3);
    expect(out.metadata?.annotations).toEqual({ 'example.com/owner': 'team-a' });
    expect(out.metadata?.labels).toEqual({ tier: 'web' });
    expect(out.spec?.template.spec?.containers[1].args).toEqual(['sleep', '3600', 'extra']);
    expect(out.metadata?.generation).toBe(2);
  });

  it('removing the last label leaves no empty labels map (upstream omits empty maps)', async () => {
    // Upstream decodes the patched JSON into the typed object; `labels` is `omitempty`, so an
    // emptied map disappears from the stored and returned object.
    const name = uniqueName('jp-empty');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels: { only: 'one' } } } });
    const viaJson = await rawRequest(t.server, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
      headers: { 'Content-Type': PatchStrategy.JsonPatch },
      body: JSON.stringify([{ op: 'remove', path: '/metadata/labels/only' }]),
    });
    expect(viaJson.status).toBe(200);
    expect(viaJson.json.metadata).not.toHaveProperty('labels');
    await core.patchNamespacedConfigMap({ name, namespace: ns, body: { metadata: { labels: { again: 'x' } } } }, merge);
    const viaMerge = await rawRequest(t.server, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
      headers: { 'Content-Type': PatchStrategy.MergePatch },
      body: JSON.stringify({ metadata: { labels: { again: null } } }),
    });
    expect(viaMerge.status).toBe(200);
    expect(viaMerge.json.metadata).not.toHaveProperty('labels');
  });

  it('a failing test op or a replace of a missing path is 422; a malformed patch is 400', async () => {
    // A ConfigMap, which no controller writes: "nothing was written" is checked by its
    // resourceVersion, and its metadata has no annotations (the deployment controller would add
    // deployment.kubernetes.io/revision to a Deployment's, and upstream's json-patch v4 lets
    // `replace` add a missing member of an existing map — only a missing parent is an error).
    const name = uniqueName('jp-fail');
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { replicas: '1' } } });
    const failed = await apiError(core.patchNamespacedConfigMap({ name, namespace: ns, body: [{ op: 'test', path: '/data/replicas', value: '7' }] }, json));
    expect(failed.code).toBe(422);
    expect(failed.status).toMatchObject({ kind: 'Status', status: 'Failure', code: 422 });
    const missing = await apiError(core.patchNamespacedConfigMap({ name, namespace: ns, body: [{ op: 'replace', path: '/metadata/annotations/nope', value: 'x' }] }, json));
    expect(missing.code).toBe(422);
    const malformed = await apiError(core.patchNamespacedConfigMap({ name, namespace: ns, body: { op: 'replace' } }, json));
    expect(malformed.code).toBe(400);
    expect(malformed.status.reason).toBe('BadRequest');
    // Nothing was written.
    const live = await core.readNamespacedConfigMap({ name, namespace: ns });
    expect(live.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    expect(live.data).toEqual({ replicas: '1' });
    expect(live.metadata?.annotations).toBeUndefined();
  });

  it('replacing metadata.resourceVersion acts as a precondition (409 if stale)', async () => {
    const d = await createDeployment('jp-rv');
    const name = d.metadata!.name!;
    await apps.patchNamespacedDeployment({ name, namespace: ns, body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] }, json);
    const err = await apiError(
      apps.patchNamespacedDeployment(
        {
          name,
          namespace: ns,
          body: [
            { op: 'replace', path: '/metadata/resourceVersion', value: d.metadata!.resourceVersion },
            { op: 'replace', path: '/spec/replicas', value: 5 },
          ],
        },
        json,
      ),
    );
    expect(err.code).toBe(409);
    expect(err.status.reason).toBe('Conflict');
  });
});

describe('merge patch (RFC 7386)', () => {
  it('merges maps, deletes keys with null, and replaces lists wholesale', async () => {
    const d = await createDeployment('mp');
    const name = d.metadata!.name!;
    const out = await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: {
          metadata: { labels: { app: null, tier: 'web' }, annotations: { a: 'b' } },
          spec: { template: { spec: { containers: [{ name: 'only', image: 'redis:7' }] } } },
        },
      },
      merge,
    );
    expect(out.metadata?.labels).toEqual({ tier: 'web' });
    // The deployment controller may already have annotated the Deployment with its revision
    // (as on a real cluster); the patch merges into the live map and keeps that key.
    const { 'deployment.kubernetes.io/revision': _revision, ...annotations } = out.metadata?.annotations ?? {};
    expect(annotations).toEqual({ a: 'b' });
    expect(out.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['only']);
    // Defaults are re-applied to the new list element.
    expect(out.spec?.template.spec?.containers[0].imagePullPolicy).toBe('IfNotPresent');
  });

  it('patching a missing object is 404', async () => {
    const err = await apiError(core.patchNamespacedConfigMap({ name: 'absent', namespace: ns, body: { data: { a: 'b' } } }, merge));
    expect(err.code).toBe(404);
    expect(err.status).toMatchObject({ reason: 'NotFound', details: { name: 'absent', kind: 'configmaps' } });
  });

  it('merge patch on /status changes only status', async () => {
    const d = await createDeployment('mp-status');
    const name = d.metadata!.name!;
    const out = await apps.patchNamespacedDeploymentStatus({ name, namespace: ns, body: { spec: { replicas: 9 }, status: { observedGeneration: 1, replicas: 1 } } }, merge);
    expect(out.status?.observedGeneration).toBe(1);
    expect(out.status?.replicas).toBe(1);
    expect(out.spec?.replicas).toBe(1);
    expect(out.metadata?.generation).toBe(1);
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name and env by name; other lists are atomic', async () => {
    const d = await createDeployment('smp');
    const name = d.metadata!.name!;
    const out = await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'web', image: 'nginx:1.28', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }] },
                  { name: 'sidecar', args: ['sleep', '10'] },
                ],
              },
            },
          },
        },
      },
      smp,
    );
    const cs = out.spec!.template.spec!.containers;
    expect(cs.map((c) => c.name)).toEqual(['web', 'sidecar']);
    expect(cs[0].image).toBe('nginx:1.28');
    expect(cs[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    expect(cs[0].volumeMounts).toEqual([{ name: 'cfg', mountPath: '/cfg' }]);
    expect(cs[1].image).toBe('busybox:1.36');
    expect(cs[1].args).toEqual(['sleep', '10']);
  });

  it('$patch: delete removes a list element by merge key; a new element goes before the live ones', async () => {
    const d = await createDeployment('smp-del');
    const name = d.metadata!.name!;
    const out = await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'new', image: 'alpine:3' }] } } } },
      },
      smp,
    );
    // Upstream (strategicpatch mergeSortedSlice): without $setElementOrder, items that are new to
    // the live list come before the remaining live items.
    expect(out.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['new', 'web']);
    expect(JSON.stringify(out)).not.toContain('$patch');
  });

  it('$retainKeys drops the keys it does not list (deployment strategy, volumes)', async () => {
    const d = await createDeployment('smp-retain');
    const name = d.metadata!.name!;
    expect(d.spec?.strategy?.rollingUpdate).toBeDefined();
    const out = await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: {
          spec: {
            strategy: { $retainKeys: ['type'], type: 'Recreate' },
            template: { spec: { volumes: [{ $retainKeys: ['name', 'secret'], name: 'cfg', secret: { secretName: 's' } }] } },
          },
        },
      },
      smp,
    );
    expect(out.spec?.strategy).toEqual({ type: 'Recreate' });
    const vol = out.spec!.template.spec!.volumes![0];
    expect(vol.name).toBe('cfg');
    expect(vol.configMap).toBeUndefined();
    expect(vol.secret?.secretName).toBe('s');
    expect(JSON.stringify(out)).not.toContain('$retainKeys');
  });

  it('$setElementOrder and $deleteFromPrimitiveList, and null deletes a map key', async () => {
    const name = uniqueName('smp-order');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, finalizers: ['a.io/x', 'b.io/y'], labels: { keep: '1', drop: '1' } } } });
    const out = await core.patchNamespacedConfigMap(
      { name, namespace: ns, body: { metadata: { labels: { drop: null }, '$deleteFromPrimitiveList/finalizers': ['b.io/y'], '$setElementOrder/finalizers': ['a.io/x'] } } },
      smp,
    );
    expect(out.metadata?.finalizers).toEqual(['a.io/x']);
    expect(out.metadata?.labels).toEqual({ keep: '1' });
    await core.patchNamespacedConfigMap({ name, namespace: ns, body: { metadata: { finalizers: null } } }, smp);
    await core.deleteNamespacedConfigMap({ name, namespace: ns });

    const d = await createDeployment('smp-order');
    const dn = d.metadata!.name!;
    const reordered = await apps.patchNamespacedDeployment(
      { name: dn, namespace: ns, body: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }], containers: [{ name: 'web', image: 'nginx:2' }] } } } } },
      smp,
    );
    expect(reordered.spec!.template.spec!.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['sidecar=busybox:1.36', 'web=nginx:2']);
  });

  it('a real `kubectl apply` patch body (notes §8.3) applies cleanly', async () => {
    const name = uniqueName('smp-kubectl');
    const base = deployment(name);
    base.spec!.template.spec!.containers = [
      { name: 'a', image: 'img:a', volumeMounts: [{ name: 'v1', mountPath: '/a' }, { name: 'v2', mountPath: '/b' }] },
      { name: 'b', image: 'img:b' },
    ];
    base.spec!.template.spec!.volumes = [
      { name: 'v1', emptyDir: {} },
      { name: 'v2', configMap: { name: 'c' } },
    ];
    base.metadata!.finalizers = ['a.io/x', 'b.io/y'];
    await apps.createNamespacedDeployment({ namespace: ns, body: base });
    const out = await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: {
          metadata: { '$deleteFromPrimitiveList/finalizers': ['b.io/y'], '$setElementOrder/finalizers': ['a.io/x'] },
          spec: {
            strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
            template: {
              spec: {
                '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
                '$setElementOrder/volumes': [{ name: 'v2' }],
                containers: [{ '$setElementOrder/volumeMounts': [{ mountPath: '/b' }], args: ['z'], name: 'a', volumeMounts: [{ $patch: 'delete', mountPath: '/a' }] }],
                volumes: [
                  { $retainKeys: ['name', 'secret'], configMap: null, name: 'v2', secret: { secretName: 's' } },
                  { $patch: 'delete', name: 'v1' },
                ],
              },
            },
          },
        },
      },
      smp,
    );
    expect(out.metadata?.finalizers).toEqual(['a.io/x']);
    expect(out.spec?.strategy).toEqual({ type: 'Recreate' });
    const spec = out.spec!.template.spec!;
    expect(spec.containers.map((c) => c.name)).toEqual(['b', 'a']);
    expect(spec.containers[1].args).toEqual(['z']);
    expect(spec.containers[1].volumeMounts).toEqual([{ name: 'v2', mountPath: '/b' }]);
    expect(spec.volumes?.map((v) => v.name)).toEqual(['v2']);
    expect(spec.volumes?.[0].configMap).toBeUndefined();
    expect(spec.volumes?.[0].secret?.secretName).toBe('s');
    expect(JSON.stringify(out)).not.toMatch(/\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)/);
    await apps.patchNamespacedDeployment({ name, namespace: ns, body: { metadata: { finalizers: null } } }, smp);
  });

  it('KubernetesObjectApi.patch defaults to strategic merge', async () => {
    const d = await createDeployment('smp-objapi');
    const name = d.metadata!.name!;
    const out = (await objects.patch({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:9' }] } } },
    } as V1Deployment)) as V1Deployment;
    expect(out.spec!.template.spec!.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['web=nginx:9', 'sidecar=busybox:1.36']);
  });
});

describe('server-side apply', () => {
  const apply = (obj: object, fieldManager: string | undefined, force?: boolean) =>
    objects.patch(obj as V1Deployment, undefined, undefined, fieldManager, force, PatchStrategy.ServerSideApply) as Promise<V1Deployment>;

  function applied(name: string, replicas: number, image = 'nginx:1.27'): object {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: { app: name } },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      },
    };
  }

  function appliedConfigMap(name: string, data: Record<string, string>): object {
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: name } }, data };
  }

  it('creates the object (upsert) and records managedFields for the manager', async () => {
    const name = uniqueName('ssa');
    const out = await apply(applied(name, 2), 'alice');
    expect(out.metadata?.uid).toBeDefined();
    expect(out.spec?.replicas).toBe(2);
    const mf = out.metadata?.managedFields ?? [];
    const mine = mf.find((m) => m.manager === 'alice');
    expect(mine).toMatchObject({ manager: 'alice', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    const fields = mine!.fieldsV1 as any;
    expect(fields['f:spec']['f:replicas']).toEqual({});
    expect(fields['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"main"}']).toMatchObject({ '.': {}, 'f:image': {}, 'f:name': {} });
    expect(fields['f:metadata']['f:labels']['f:app']).toEqual({});
  });

  it('re-applying the same config is a no-op; dropping a field the manager owned alone removes it', async () => {
    // A ConfigMap: no controller writes it, so an unchanged resourceVersion proves the second
    // apply wrote nothing (the deployment controller writes a Deployment's status at any time).
    const name = uniqueName('ssa-prune');
    const withLabel = appliedConfigMap(name, { k: 'v' }) as any;
    withLabel.metadata.labels.extra = 'yes';
    const first = await apply(withLabel, 'alice');
    const again = await apply(withLabel, 'alice');
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const pruned = (await apply(appliedConfigMap(name, { k: 'v' }), 'alice')) as V1ConfigMap;
    expect(pruned.metadata?.labels).toEqual({ app: name });
    expect(pruned.data).toEqual({ k: 'v' });
    expect(Number(pruned.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
  });

  it('a second manager changing an owned field gets 409 with FieldManagerConflict; force takes ownership', async () => {
    const name = uniqueName('ssa-conflict');
    await apply(applied(name, 2), 'alice');
    const err = await apiError(apply(applied(name, 5), 'bob'));
    expect(err.code).toBe(409);
    expect(err.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(err.status.message).toContain('conflict with "alice"');
    const causes = err.status.details.causes as { reason: string; message: string; field: string }[];
    expect(causes).toContainEqual({ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' });
    expect(causes.every((c) => c.reason === 'FieldManagerConflict')).toBe(true);
    // Nothing changed.
    expect((await apps.readNamespacedDeployment({ name, namespace: ns })).spec?.replicas).toBe(2);

    const forced = await apply(applied(name, 5), 'bob', true);
    expect(forced.spec?.replicas).toBe(5);
    const mf = forced.metadata!.managedFields!;
    const owns = (m: string) => Boolean((mf.find((e) => e.manager === m)?.fieldsV1 as any)?.['f:spec']?.['f:replicas']);
    expect(owns('bob')).toBe(true);
    expect(owns('alice')).toBe(false);
  });

  it('applying the same value as the owner shares ownership (no conflict; both managers listed)', async () => {
    // Upstream SSA docs, "Shared ownership": a second applier setting an identical value becomes a
    // co-owner; the object is written (managedFields changed) and the field survives the first
    // manager dropping it.
    // A ConfigMap: no controller adds its own managedFields entries or resourceVersion bumps, so the
    // managers list is exactly the appliers and a newer resourceVersion proves carol's apply wrote.
    const name = uniqueName('ssa-shared');
    const first = await apply(appliedConfigMap(name, { replicas: '2' }), 'alice');
    const shared = await apply(appliedConfigMap(name, { replicas: '2' }), 'carol');
    const managers = (shared.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`).sort();
    expect(managers).toEqual(['alice/Apply', 'carol/Apply']);
    expect(Number(shared.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
    // alice stops managing data.replicas: carol still owns it, so it stays.
    const after = (await apply(appliedConfigMap(name, {}), 'alice')) as V1ConfigMap;
    expect(after.data).toEqual({ replicas: '2' });
    // A conflicting change by alice now conflicts with carol.
    const err = await apiError(apply(appliedConfigMap(name, { replicas: '3' }), 'alice'));
    expect(err.code).toBe(409);
    expect(err.status.details.causes).toContainEqual({ reason: 'FieldManagerConflict', message: 'conflict with "carol"', field: '.data.replicas' });
  });

  it('an Update by another client records an Update entry and conflicts with a later apply', async () => {
    const name = uniqueName('ssa-update');
    await apply(applied(name, 1), 'alice');
    await apps.patchNamespacedDeployment({ name, namespace: ns, body: { spec: { replicas: 3 } }, fieldManager: 'kubectl-scale' }, merge);
    const live = await apps.readNamespacedDeployment({ name, namespace: ns });
    expect(live.metadata?.managedFields).toContainEqual(expect.objectContaining({ manager: 'kubectl-scale', operation: 'Update' }));
    const err = await apiError(apply(applied(name, 1), 'alice'));
    expect(err.code).toBe(409);
    expect(err.status.details.causes).toContainEqual({ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-scale" using apps/v1', field: '.spec.replicas' });
  });

  it('apply without a fieldManager is 422 (PatchOptions invalid, as upstream); a YAML body is accepted', async () => {
    const name = uniqueName('ssa-yaml');
    const noManager = await rawRequest(t.server, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`,
    });
    // Upstream ValidatePatchOptions → NewInvalid(PatchOptions): 422, not the 400 the notes (§8.5) say.
    expect(noManager.status).toBe(422);
    expect(noManager.json).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { group: 'meta.k8s.io', kind: 'PatchOptions' } });
    expect(noManager.json.details.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }]);
    const ok = await rawRequest(t.server, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}?fieldManager=yaml-user`,
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n  b: two\n`,
    });
    expect(ok.status).toBe(201);
    expect(ok.json.data).toEqual({ a: '1', b: 'two' });
    const again = await rawRequest(t.server, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}?fieldManager=yaml-user`,
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n  b: two\n`,
    });
    expect(again.status).toBe(200);
  });
});
