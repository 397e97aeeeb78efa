/**
 * CRUD of core and apps objects through client-node's typed APIs, selectors, pagination and
 * resourceVersion semantics (notes §4, §6.3, §6.4, §7, §13).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type V1ConfigMap, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { apiError, rawRequest, retryOnConflict, ROOT_CA_CONFIGMAP, startTestServer, uniqueName, waitFor, waitForRootCaConfigMap, type TestServer } from './helpers.js';

let t: TestServer;
let core: CoreV1Api;
let apps: AppsV1Api;
const ns = 'crud';

beforeAll(async () => {
  t = await startTestServer();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await t?.stop();
});

function pod(name: string, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } };
}

function deployment(name: string, replicas = 1): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  };
}

describe('core objects', () => {
  it('creates, reads, updates and deletes a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cm1' }, data: { a: '1' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.namespace).toBe(ns);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.data).toEqual({ a: '1' });

    const got = await core.readNamespacedConfigMap({ name: 'cm1', namespace: ns });
    expect(got.metadata?.uid).toBe(created.metadata?.uid);
    expect(got.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const replaced = await core.replaceNamespacedConfigMap({ name: 'cm1', namespace: ns, body: { ...got, data: { a: '2', b: '3' } } });
    expect(replaced.data).toEqual({ a: '2', b: '3' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    const dup = await apiError(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cm1' } } }));
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'AlreadyExists', code: 409, details: { name: 'cm1', kind: 'configmaps' } });
    expect(dup.status.message).toBe('configmaps "cm1" already exists');

    await core.deleteNamespacedConfigMap({ name: 'cm1', namespace: ns });
    const gone = await apiError(core.readNamespacedConfigMap({ name: 'cm1', namespace: ns }));
    expect(gone.code).toBe(404);
    expect(gone.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "cm1" not found', details: { name: 'cm1', kind: 'configmaps' } });
  });

  it('creates pods that stay Pending (no nodes) with defaults applied', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('p1', { app: 'x' }) });
    expect(created.status?.phase).toBe('Pending');
    expect(created.status?.qosClass).toBe('BestEffort');
    expect(created.spec?.restartPolicy).toBe('Always');
    expect(created.spec?.dnsPolicy).toBe('ClusterFirst');
    expect(created.spec?.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(created.spec?.containers[0].terminationMessagePath).toBe('/dev/termination-log');
    const list = await core.listNamespacedPod({ namespace: ns });
    expect(list.items.map((p) => p.metadata?.name)).toContain('p1');
    const deleted = await core.deleteNamespacedPod({ name: 'p1', namespace: ns });
    // An unscheduled pod goes at once; the API returns the deleted object.
    expect(deleted.metadata?.name).toBe('p1');
    expect((await apiError(core.readNamespacedPod({ name: 'p1', namespace: ns }))).code).toBe(404);
  });

  it('generateName assigns a unique name', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
    const b = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
    expect(a.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(b.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata?.name).not.toBe(b.metadata?.name);
  });

  it('cluster-scoped objects: namespaces list includes the bootstrap namespaces', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease', ns]));
    const n = list.items.find((i) => i.metadata?.name === ns);
    expect(n?.status?.phase).toBe('Active');
    expect(n?.spec?.finalizers).toEqual(['kubernetes']);
    expect(n?.metadata?.labels?.['kubernetes.io/metadata.name']).toBe(ns);
  });
});

describe('apps objects', () => {
  it('creates, scales, updates and deletes a Deployment', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec?.strategy?.type).toBe('RollingUpdate');
    expect(created.spec?.revisionHistoryLimit).toBe(10);
    expect(created.spec?.progressDeadlineSeconds).toBe(600);

    // The deployment controller writes this Deployment's status concurrently (each write bumps its
    // resourceVersion), so every read-modify-write below re-reads and retries on 409, as real
    // clients do (client-go retry.RetryOnConflict).
    await retryOnConflict(async () => {
      const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: ns });
      expect(scale.spec?.replicas).toBe(2);
      expect(scale.kind).toBe('Scale');
      expect(scale.apiVersion).toBe('autoscaling/v1');
      await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: ns, body: { ...scale, spec: { replicas: 5 } } });
    });
    const afterScale = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(afterScale.spec?.replicas).toBe(5);
    expect(afterScale.metadata?.generation).toBe(2);

    const updated = await retryOnConflict(async () => {
      const current = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      current.spec!.template.spec!.containers[0].image = 'nginx:1.28';
      return apps.replaceNamespacedDeployment({ name: 'web', namespace: ns, body: current });
    });
    expect(updated.metadata?.generation).toBe(3);
    expect(updated.spec?.template.spec?.containers[0].image).toBe('nginx:1.28');

    // Status writes go through /status only and never bump generation.
    const withStatus = await retryOnConflict(async () => {
      const current = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      return apps.replaceNamespacedDeploymentStatus({
        name: 'web',
        namespace: ns,
        body: { ...current, spec: { ...current.spec!, replicas: 1 }, status: { observedGeneration: 3, replicas: 0 } },
      });
    });
    expect(withStatus.status?.observedGeneration).toBe(3);
    expect(withStatus.spec?.replicas).toBe(5);
    expect(withStatus.metadata?.generation).toBe(3);

    await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns });
    expect((await apiError(apps.readNamespacedDeployment({ name: 'web', namespace: ns }))).code).toBe(404);
  });

  it('refuses an invalid Deployment with 422 and upstream causes', async () => {
    const bad = deployment('bad', -1);
    bad.spec!.template.spec!.containers[0].image = '';
    const err = await apiError(apps.createNamespacedDeployment({ namespace: ns, body: bad }));
    expect(err.code).toBe(422);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'bad', group: 'apps', kind: 'Deployment' } });
    const fields = (err.status.details.causes as { field: string; reason: string }[]).map((c) => `${c.reason} ${c.field}`);
    expect(fields).toEqual(expect.arrayContaining(['FieldValueInvalid spec.replicas', 'FieldValueRequired spec.template.spec.containers[0].image']));
    expect(err.status.message).toMatch(/^Deployment\.apps "bad" is invalid: /);
  });
});

describe('selectors', () => {
  const sns = 'selectors';
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: sns } } });
    await core.createNamespacedPod({ namespace: sns, body: pod('a', { app: 'web', tier: 'front' }) });
    await core.createNamespacedPod({ namespace: sns, body: pod('b', { app: 'web', tier: 'back' }) });
    await core.createNamespacedPod({ namespace: sns, body: pod('c', { app: 'db' }) });
    await core.createNamespacedPod({ namespace: sns, body: { ...pod('d'), spec: { ...pod('d').spec!, restartPolicy: 'Never' } } });
  });

  const names = (l: { items: { metadata?: { name?: string } }[] }) => l.items.map((i) => i.metadata?.name).sort();

  it('label selectors: equality, set-based, existence, negation', async () => {
    expect(names(await core.listNamespacedPod({ namespace: sns, labelSelector: 'app=web' }))).toEqual(['a', 'b']);
    expect(names(await core.listNamespacedPod({ namespace: sns, labelSelector: 'app=web,tier!=front' }))).toEqual(['b']);
    expect(names(await core.listNamespacedPod({ namespace: sns, labelSelector: 'app in (db,web),tier' }))).toEqual(['a', 'b']);
    expect(names(await core.listNamespacedPod({ namespace: sns, labelSelector: '!tier' }))).toEqual(['c', 'd']);
    expect(names(await core.listNamespacedPod({ namespace: sns, labelSelector: 'app notin (web)' }))).toEqual(['c', 'd']);
  });

  it('field selectors: metadata.name, spec fields, status.phase, and across namespaces', async () => {
    expect(names(await core.listNamespacedPod({ namespace: sns, fieldSelector: 'metadata.name=c' }))).toEqual(['c']);
    expect(names(await core.listNamespacedPod({ namespace: sns, fieldSelector: 'spec.restartPolicy=Never' }))).toEqual(['d']);
    expect(names(await core.listNamespacedPod({ namespace: sns, fieldSelector: 'status.phase=Pending,metadata.name!=a' }))).toEqual(['b', 'c', 'd']);
    expect(names(await core.listNamespacedPod({ namespace: sns, fieldSelector: 'spec.nodeName=' }))).toEqual(['a', 'b', 'c', 'd']);
    const all = await core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${sns}`, labelSelector: 'app=db' });
    expect(names(all)).toEqual(['c']);
  });

  it('an unsupported field label is a 400', async () => {
    const err = await apiError(core.listNamespacedPod({ namespace: sns, fieldSelector: 'spec.nope=x' }));
    expect(err.code).toBe(400);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(err.status.message).toContain('spec.nope');
  });
});

describe('pagination', () => {
  const pns = 'paging';
  const created = 57;
  // The namespace also holds the root-CA publisher's kube-root-ca.crt; pagination must return it too.
  const total = created + 1;
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: pns } } });
    for (let i = 0; i < created; i++) {
      await core.createNamespacedConfigMap({ namespace: pns, body: { metadata: { name: `cm-${String(i).padStart(3, '0')}`, labels: { even: String(i % 2 === 0) } } } });
    }
    await waitForRootCaConfigMap(t.server, pns);
  });

  it('limit/continue returns every object exactly once, at one resourceVersion', async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    let firstRv: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: pns, limit: 10, _continue: cont });
      pages++;
      expect(page.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.items.map((i) => i.metadata!.name!));
      firstRv ??= page.metadata?.resourceVersion;
      // All pages are served from the snapshot of the first one.
      expect(page.metadata?.resourceVersion).toBe(firstRv);
      cont = page.metadata?._continue || undefined;
      // remainingItemCount is optional (notes §6.4); if sent it must be right.
      if (cont && page.metadata?.remainingItemCount !== undefined) expect(page.metadata.remainingItemCount).toBe(total - seen.length);
      // Writes between pages do not show up in later pages.
      if (pages === 2) await core.createNamespacedConfigMap({ namespace: pns, body: { metadata: { name: 'cm-zzz-late' } } });
      expect(pages).toBeLessThan(20);
    } while (cont);
    expect(pages).toBe(6);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toContain(ROOT_CA_CONFIGMAP);
    await core.deleteNamespacedConfigMap({ name: 'cm-zzz-late', namespace: pns });
  });

  it('limit with a label selector pages over the matching objects only', async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let guard = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: pns, limit: 7, labelSelector: 'even=true', _continue: cont });
      seen.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata?._continue || undefined;
      expect(++guard).toBeLessThan(20);
    } while (cont);
    expect(seen.length).toBe(Math.ceil(created / 2));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('a malformed continue token is a 400', async () => {
    const err = await apiError(core.listNamespacedConfigMap({ namespace: pns, limit: 5, _continue: 'not-a-token' }));
    expect(err.code).toBe(400);
    expect(err.status.reason).toBe('BadRequest');
  });
});

describe('resourceVersion semantics', () => {
  it('list RV is the latest revision; get RV is the object\'s last write', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: uniqueName('rv-a') } } });
    const b = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: uniqueName('rv-b') } } });
    expect(Number(b.metadata?.resourceVersion)).toBeGreaterThan(Number(a.metadata?.resourceVersion));
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(b.metadata?.resourceVersion));
    const gotA = await core.readNamespacedConfigMap({ name: a.metadata!.name!, namespace: ns });
    expect(gotA.metadata?.resourceVersion).toBe(a.metadata?.resourceVersion);
    // A cross-kind write also advances the list RV (one revision counter for the store).
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: uniqueName('rv-s') }, stringData: { k: 'v' } } });
    const list2 = await core.listNamespacedConfigMap({ namespace: ns });
    expect(Number(list2.metadata?.resourceVersion)).toBeGreaterThan(Number(list.metadata?.resourceVersion));
  });

  it('no-op update and no-op patch do not bump the resourceVersion', async () => {
    const name = uniqueName('noop');
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels: { x: 'y' } }, data: { k: 'v' } } });
    const same = await core.replaceNamespacedConfigMap({ name, namespace: ns, body: cm });
    expect(same.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    const patched = await core.patchNamespacedConfigMap({ name, namespace: ns, body: { data: { k: 'v' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(patched.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    const smp = await core.patchNamespacedConfigMap({ name, namespace: ns, body: { metadata: { labels: { x: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    expect(smp.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    const real = await core.patchNamespacedConfigMap({ name, namespace: ns, body: { data: { k: 'w' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(Number(real.metadata?.resourceVersion)).toBeGreaterThan(Number(cm.metadata?.resourceVersion));
  });

  it('updating with a stale resourceVersion is a 409 Conflict with the upstream Status body', async () => {
    const name = uniqueName('stale');
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { n: '0' } } });
    await core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...cm, data: { n: '1' } } });
    const err = await apiError(core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...cm, data: { n: '2' } } }));
    expect(err.code).toBe(409);
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Operation cannot be fulfilled on configmaps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      reason: 'Conflict',
      details: { name, kind: 'configmaps' },
      code: 409,
    });
    // Same for apps (details carry the group).
    const dname = uniqueName('stale-d');
    const d = await apps.createNamespacedDeployment({ namespace: ns, body: deployment(dname) });
    // The controller's status writes may already have made `d` stale; the test's own update is
    // a fresh read-modify-write, so the write below is stale whatever the controller did.
    await retryOnConflict(async () => {
      const current = await apps.readNamespacedDeployment({ name: dname, namespace: ns });
      await apps.replaceNamespacedDeployment({ name: dname, namespace: ns, body: { ...current, spec: { ...current.spec!, replicas: 3 } } });
    });
    const derr = await apiError(apps.replaceNamespacedDeployment({ name: dname, namespace: ns, body: { ...d, spec: { ...d.spec!, replicas: 4 } } }));
    expect(derr.code).toBe(409);
    expect(derr.status).toMatchObject({ reason: 'Conflict', details: { name: dname, group: 'apps', kind: 'deployments' } });
    expect(derr.status.message).toBe(`Operation cannot be fulfilled on deployments.apps "${dname}": the object has been modified; please apply your changes to the latest version and try again`);
  });

  it('an update without a resourceVersion is unconditional', async () => {
    const name = uniqueName('uncond');
    const cm: V1ConfigMap = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { n: '0' } } });
    await core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...cm, data: { n: '1' } } });
    const out = await core.replaceNamespacedConfigMap({ name, namespace: ns, body: { metadata: { name }, data: { n: '2' } } });
    expect(out.data).toEqual({ n: '2' });
  });

  it('get at resourceVersion=0 and list at an exact older resourceVersion', async () => {
    const name = uniqueName('older');
    const v1 = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { n: '1' } } });
    await core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...v1, data: { n: '2' } } });
    const old = await core.listNamespacedConfigMap({ namespace: ns, resourceVersion: v1.metadata!.resourceVersion, resourceVersionMatch: 'Exact' });
    expect(old.metadata?.resourceVersion).toBe(v1.metadata?.resourceVersion);
    expect(old.items.find((i) => i.metadata?.name === name)?.data).toEqual({ n: '1' });
    const any = await core.readNamespacedConfigMap({ name, namespace: ns, resourceVersion: '0' } as never);
    expect(any.data).toEqual({ n: '2' });
  });
});

describe('generic and bulk operations', () => {
  it('KubernetesObjectApi resolves kinds through discovery and does CRUD', async () => {
    const objects = KubernetesObjectApi.makeApiClient(t.kc);
    const name = uniqueName('generic');
    const created = await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: '1' } } as V1ConfigMap);
    expect(created.metadata?.uid).toBeDefined();
    const read = (await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } })) as V1ConfigMap;
    expect(read.data).toEqual({ a: '1' });
    const replaced = (await objects.replace({ ...read, data: { a: '2' } } as V1ConfigMap)) as V1ConfigMap;
    expect(replaced.data).toEqual({ a: '2' });
    const list = await objects.list('v1', 'ConfigMap', ns, undefined, undefined, undefined, `metadata.name=${name}`);
    expect(list.items.map((i) => i.metadata?.name)).toEqual([name]);
    const dname = uniqueName('generic-d');
    const spec = deployment(dname);
    const d = await objects.create<V1Deployment>({ ...spec, apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...spec.metadata, namespace: ns } });
    expect(d.metadata?.name).toBe(dname);
    await objects.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });
    expect((await apiError(core.readNamespacedConfigMap({ name, namespace: ns }))).code).toBe(404);
  });

  it('deletecollection with a label selector removes only the matching objects', async () => {
    const bns = uniqueName('bulk');
    await core.createNamespace({ body: { metadata: { name: bns } } });
    for (let i = 0; i < 6; i++) await core.createNamespacedConfigMap({ namespace: bns, body: { metadata: { name: `c${i}`, labels: { group: i < 4 ? 'a' : 'b' } } } });
    // The root-CA publisher's ConfigMap (no labels) is there before the deletecollection and must survive it.
    await waitForRootCaConfigMap(t.server, bns);
    await core.deleteCollectionNamespacedConfigMap({ namespace: bns, labelSelector: 'group=a' });
    const left = await core.listNamespacedConfigMap({ namespace: bns });
    expect(left.items.map((i) => i.metadata?.name).sort()).toEqual(['c4', 'c5', ROOT_CA_CONFIGMAP]);
  });

  it('dryRun=All validates and defaults but stores nothing', async () => {
    const name = uniqueName('dry');
    const dry = await core.createNamespacedPod({ namespace: ns, body: pod(name), dryRun: 'All' });
    expect(dry.spec?.restartPolicy).toBe('Always');
    expect(dry.status?.phase).toBe('Pending');
    expect((await apiError(core.readNamespacedPod({ name, namespace: ns }))).code).toBe(404);
    const invalid = await apiError(core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec: { containers: [] } }, dryRun: 'All' }));
    expect(invalid.code).toBe(422);

    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { a: '1' } } });
    const dryUpdate = await core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...cm, data: { a: '2' } }, dryRun: 'All' });
    expect(dryUpdate.data).toEqual({ a: '2' });
    const dryDelete = await rawRequest(t.server, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps/${name}?dryRun=All` });
    expect(dryDelete.status).toBe(200);
    const live = await core.readNamespacedConfigMap({ name, namespace: ns });
    expect(live.data).toEqual({ a: '1' });
    expect(live.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
  });

  it('delete preconditions: a wrong uid or resourceVersion is 409', async () => {
    const name = uniqueName('precond');
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
    const wrongUid = await apiError(core.deleteNamespacedConfigMap({ name, namespace: ns, body: { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } } }));
    expect(wrongUid.code).toBe(409);
    expect(wrongUid.status.reason).toBe('Conflict');
    const wrongRv = await apiError(core.deleteNamespacedConfigMap({ name, namespace: ns, body: { preconditions: { resourceVersion: '1' } } }));
    expect(wrongRv.code).toBe(409);
    await core.deleteNamespacedConfigMap({ name, namespace: ns, body: { preconditions: { uid: cm.metadata!.uid!, resourceVersion: cm.metadata!.resourceVersion! } } });
    expect((await apiError(core.readNamespacedConfigMap({ name, namespace: ns }))).code).toBe(404);
  });

  it('finalizers hold an object after delete until they are removed', async () => {
    const name = uniqueName('fin');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, finalizers: ['example.com/hold'] } } });
    await core.deleteNamespacedConfigMap({ name, namespace: ns });
    const held = await core.readNamespacedConfigMap({ name, namespace: ns });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(held.metadata?.finalizers).toEqual(['example.com/hold']);
    await core.patchNamespacedConfigMap({ name, namespace: ns, body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect((await apiError(core.readNamespacedConfigMap({ name, namespace: ns }))).code).toBe(404);
  });

  it('Table output for built-in kinds has the kubectl columns', async () => {
    const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
    const pname = uniqueName('table-p');
    await core.createNamespacedPod({ namespace: ns, body: pod(pname) });
    const pods = await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/pods`, headers: { Accept: TABLE } });
    expect(pods.status).toBe(200);
    expect(pods.json.kind).toBe('Table');
    expect((pods.json.columnDefinitions as { name: string }[]).map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    const row = (pods.json.rows as { cells: unknown[] }[]).find((r) => r.cells[0] === pname);
    expect(row?.cells.slice(0, 4)).toEqual([pname, '0/1', 'Pending', '0']);
    const name = uniqueName('table-d');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment(name, 3) });
    // As on a real cluster, the deployment controller creates a ReplicaSet with 3 pods and reports them
    // as updated; with no nodes none becomes ready or available. Wait until it has observed the spec.
    await waitFor('deployment status from the controller', async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace: ns });
      return d.status?.observedGeneration === 1 && d.status.updatedReplicas === 3;
    });
    const deps = await rawRequest(t.server, { path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}`, headers: { Accept: TABLE } });
    expect((deps.json.columnDefinitions as { name: string }[]).map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    expect(deps.json.rows[0].cells.slice(0, 4)).toEqual([name, '0/3', 3, 0]);
  });
});
