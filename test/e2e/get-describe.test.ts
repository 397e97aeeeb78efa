/**
 * Reading the cluster (acceptance item 3, first half): `kubectl get` in every common output and
 * filter form, paging with --chunk-size, sorting, `kubectl describe` of each kind a user creates,
 * and `kubectl explain`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTable, ROOT_CA_CONFIGMAP, rowsByName, scratchDir, uniqueName, useCluster, waitForJsonPath, waitForRootCa } from './support/cluster.js';
import { describeResult } from './support/kubectl.js';
import { REPO_ROOT } from './support/lite-process.js';

const ctx = useCluster();

/**
 * Creates namespace `ns` with configmaps named `names` (in that order), labelled tier=<i%3>, and
 * waits for the root-CA publisher's kube-root-ca.crt (no labels, data `ca.crt`), which every
 * namespace of a real cluster holds too: unfiltered listings below include it.
 */
async function configMaps(ns: string, names: readonly string[]): Promise<void> {
  const docs = names.map(
    (n, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  namespace: ${ns}\n  labels:\n    tier: t${i % 3}\n    app: demo\ndata:\n  index: "${i}"\n`,
  );
  await ctx.kubectl.ok(['create', 'namespace', ns]);
  await ctx.kubectl.ok(['create', '-f', '-'], { input: docs.join('---\n') });
  await waitForRootCa(ctx, ns);
}

/**
 * Waits until the controllers have acted on the fixture application as on any cluster without
 * nodes: the deployment controller has observed shop-web and made its 2 (Pending) pods, the
 * statefulset controller has made shop-db-0, and the root-CA publisher has made kube-root-ca.crt.
 */
async function appSettled(ns: string): Promise<void> {
  await waitForRootCa(ctx, ns);
  await waitForJsonPath(ctx, ['deployment', 'shop-web', '-n', ns], '{.status.observedGeneration}/{.status.replicas}/{.status.updatedReplicas}', '1/2/2');
  await waitForJsonPath(ctx, ['statefulset', 'shop-db', '-n', ns], '{.status.observedGeneration}/{.status.replicas}', '1/1');
}

/** The fixture application (test/fixtures/e2e/app.yaml) in namespace `ns`. */
async function applyApp(ns: string): Promise<void> {
  const app = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'app.yaml'), 'utf8')
    .replace(/^( {2}namespace:) shop$/gm, `$1 ${ns}`)
    .replace(/^(kind: Namespace\nmetadata:\n {2}name:) shop$/m, `$1 ${ns}`);
  const file = join(scratchDir(ctx, 'app'), 'app.yaml');
  writeFileSync(file, app);
  await ctx.kubectl.ok(['apply', '-f', file]);
}

describe('kubectl get', () => {
  test('default table, -o wide, -o name, several kinds at once', async () => {
    const ns = uniqueName('get');
    await applyApp(ns);
    await ctx.kubectl.ok(['run', 'solo', '-n', ns, '--image=nginx:1.27', '--labels=app=solo']);
    await appSettled(ns);

    // The deployment controller made a ReplicaSet with 2 pods of the current template (UP-TO-DATE 2);
    // without nodes none is ready or available.
    const deploys = parseTable(await ctx.kubectl.ok(['get', 'deployments', '-n', ns]));
    expect(deploys).toEqual([{ NAME: 'shop-web', READY: '0/2', 'UP-TO-DATE': '2', AVAILABLE: '0', AGE: expect.stringMatching(/^\d+s$/) as unknown as string }]);

    const wide = parseTable(await ctx.kubectl.ok(['get', 'deployment', 'shop-web', '-n', ns, '-o', 'wide']));
    expect(wide[0]).toMatchObject({ NAME: 'shop-web', CONTAINERS: 'web,sidecar', IMAGES: 'nginx:1.25,busybox:1.36', SELECTOR: 'app=shop-web' });

    // The namespace also holds the controllers' pods (shop-web-*, shop-db-0, shop-migrate-*), all Pending.
    const allPods = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-o', 'wide']));
    expect(allPods.map((p) => p.NAME)).toEqual(expect.arrayContaining(['solo', 'shop-db-0']));
    expect(allPods.filter((p) => p.NAME.startsWith('shop-web-'))).toHaveLength(2);
    expect(allPods.every((p) => p.STATUS === 'Pending' && p.NODE === '<none>')).toBe(true);
    const pods = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=solo', '-o', 'wide']));
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({ NAME: 'solo', READY: '0/1', STATUS: 'Pending', RESTARTS: '0', IP: '<none>', NODE: '<none>', 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>' });

    const svc = parseTable(await ctx.kubectl.ok(['get', 'svc', 'shop-web', '-n', ns, '-o', 'wide']))[0];
    expect(svc).toMatchObject({ NAME: 'shop-web', TYPE: 'ClusterIP', 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP', SELECTOR: 'app=shop-web' });
    expect(svc['CLUSTER-IP']).toMatch(/^10\.43\.\d+\.\d+$/);

    const jobs = parseTable(await ctx.kubectl.ok(['get', 'jobs', '-n', ns]));
    expect(jobs.map((j) => j.NAME)).toEqual(['shop-migrate']);
    expect(jobs[0].COMPLETIONS).toBe('0/1');
    const cron = parseTable(await ctx.kubectl.ok(['get', 'cronjobs', '-n', ns]))[0];
    expect(cron).toMatchObject({ NAME: 'shop-report', SCHEDULE: '0 3 * * *', SUSPEND: 'False', ACTIVE: '0', 'LAST SCHEDULE': '<none>' });
    const sts = parseTable(await ctx.kubectl.ok(['get', 'sts', '-n', ns]))[0];
    expect(sts).toMatchObject({ NAME: 'shop-db', READY: '0/1' });
    const secret = parseTable(await ctx.kubectl.ok(['get', 'secrets', '-n', ns]))[0];
    expect(secret).toMatchObject({ NAME: 'shop-secret', TYPE: 'Opaque', DATA: '1' });

    const names = (await ctx.kubectl.ok(['get', 'cm,secret,svc,deploy', '-n', ns, '-o', 'name'])).trim().split('\n');
    expect(names).toEqual([`configmap/${ROOT_CA_CONFIGMAP}`, 'configmap/shop-config', 'secret/shop-secret', 'service/shop-web', 'deployment.apps/shop-web']);
  });

  test('-o yaml and -o json of one object and of a list', async () => {
    const ns = uniqueName('out');
    await configMaps(ns, ['alpha', 'beta']);

    const one = parseYaml(await ctx.kubectl.ok(['get', 'configmap', 'alpha', '-n', ns, '-o', 'yaml'])) as Record<string, unknown> & { metadata: Record<string, unknown> };
    expect(one.apiVersion).toBe('v1');
    expect(one.kind).toBe('ConfigMap');
    expect(one.data).toEqual({ index: '0' });
    expect(one.metadata).toMatchObject({ name: 'alpha', namespace: ns, labels: { tier: 't0', app: 'demo' } });
    expect(one.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(one.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(one.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // kubectl hides managedFields unless asked.
    expect(one.metadata.managedFields).toBeUndefined();

    const list = JSON.parse(await ctx.kubectl.ok(['get', 'configmaps', '-n', ns, '-o', 'json'])) as { apiVersion: string; kind: string; items: { kind: string; apiVersion: string; metadata: { name: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.apiVersion).toBe('v1');
    expect(list.items.map((i) => [i.kind, i.apiVersion, i.metadata.name])).toEqual([
      ['ConfigMap', 'v1', 'alpha'],
      ['ConfigMap', 'v1', 'beta'],
      ['ConfigMap', 'v1', ROOT_CA_CONFIGMAP],
    ]);

    const managed = JSON.parse(await ctx.kubectl.ok(['get', 'configmap', 'alpha', '-n', ns, '-o', 'json', '--show-managed-fields'])) as { metadata: { managedFields: { manager: string; operation: string }[] } };
    expect(managed.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kubectl-create', operation: 'Update' })]);
  });

  test('-o jsonpath and -o custom-columns', async () => {
    const ns = uniqueName('jsonpath');
    await configMaps(ns, ['one', 'two', 'three']);
    expect(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}'])).toBe(`${ROOT_CA_CONFIGMAP} one three two`);
    // kube-root-ca.crt has no data.index: kubectl prints nothing for a missing key (--allow-missing-template-keys).
    expect(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.data.index}{"\\n"}{end}'])).toBe(`${ROOT_CA_CONFIGMAP}=\none=0\nthree=2\ntwo=1\n`);
    expect(await ctx.kubectl.ok(['get', 'cm', 'two', '-n', ns, '-o', 'jsonpath={.metadata.labels.tier}'])).toBe('t1');
    const cols = parseTable(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '-o', 'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier']));
    expect(cols).toEqual([
      { NAME: ROOT_CA_CONFIGMAP, TIER: '<none>' },
      { NAME: 'one', TIER: 't0' },
      { NAME: 'three', TIER: 't2' },
      { NAME: 'two', TIER: 't1' },
    ]);
  });

  test('-l label selectors (equality, set, existence) and --show-labels', async () => {
    const ns = uniqueName('labels');
    await configMaps(ns, ['a', 'b', 'c', 'd', 'e', 'f']);
    const names = async (selector: string) => (await ctx.kubectl.ok(['get', 'cm', '-n', ns, '-l', selector, '-o', 'name'])).trim().split('\n').filter(Boolean);
    expect(await names('tier=t0')).toEqual(['configmap/a', 'configmap/d']);
    // != also matches objects without the label, such as kube-root-ca.crt.
    expect(await names('tier!=t0')).toEqual(['configmap/b', 'configmap/c', 'configmap/e', 'configmap/f', `configmap/${ROOT_CA_CONFIGMAP}`]);
    expect(await names('tier in (t1,t2)')).toEqual(['configmap/b', 'configmap/c', 'configmap/e', 'configmap/f']);
    expect(await names('tier notin (t1,t2),app=demo')).toEqual(['configmap/a', 'configmap/d']);
    expect(await names('app')).toHaveLength(6);
    expect(await names('!app')).toEqual([`configmap/${ROOT_CA_CONFIGMAP}`]);

    const none = await ctx.kubectl.run(['get', 'cm', '-n', ns, '-l', 'tier=t9']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`No resources found in ${ns} namespace.\n`);

    const shown = rowsByName(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '--show-labels', '-l', 'tier=t2']));
    expect([...shown.keys()]).toEqual(['c', 'f']);
    expect(shown.get('c')?.LABELS).toBe('app=demo,tier=t2');
  });

  test('--field-selector on metadata.name (=, !=), on pod fields, and an unsupported field is refused', async () => {
    const ns = uniqueName('fields');
    await configMaps(ns, ['cm-1', 'cm-2', 'cm-3']);
    expect(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '--field-selector', 'metadata.name=cm-2', '-o', 'name'])).toBe('configmap/cm-2\n');
    expect(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '--field-selector', 'metadata.name!=cm-2', '-o', 'name'])).toBe(`configmap/cm-1\nconfigmap/cm-3\nconfigmap/${ROOT_CA_CONFIGMAP}\n`);
    expect(await ctx.kubectl.ok(['get', 'cm', '-A', '--field-selector', `metadata.namespace=${ns},metadata.name=cm-3`, '-o', 'name'])).toBe('configmap/cm-3\n');

    await ctx.kubectl.ok(['run', 'waiting', '-n', ns, '--image=nginx:1.27']);
    expect(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '--field-selector', 'status.phase=Pending', '-o', 'name'])).toBe('pod/waiting\n');
    expect(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '--field-selector', 'spec.nodeName=', '-o', 'name'])).toBe('pod/waiting\n');
    const running = await ctx.kubectl.run(['get', 'pods', '-n', ns, '--field-selector', 'status.phase=Running']);
    expect(running.code).toBe(0);
    expect(running.stderr).toBe(`No resources found in ${ns} namespace.\n`);

    const bad = await ctx.kubectl.fails(['get', 'cm', '-n', ns, '--field-selector', 'spec.foo=x']);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "spec.foo=x": "spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"\n',
    );
    const badPod = await ctx.kubectl.fails(['get', 'pods', '-n', ns, '--field-selector', 'spec.foo=x']);
    expect(badPod.stderr).toBe('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=x": field label not supported: spec.foo\n');
  });

  test('-A lists across namespaces with a NAMESPACE column', async () => {
    const ns1 = uniqueName('all-a');
    const ns2 = uniqueName('all-b');
    await configMaps(ns1, ['shared-name']);
    await configMaps(ns2, ['shared-name']);
    const rows = parseTable(await ctx.kubectl.ok(['get', 'configmaps', '-A', '-l', 'app=demo']));
    expect(Object.keys(rows[0])).toEqual(['NAMESPACE', 'NAME', 'DATA', 'AGE']);
    const mine = rows.filter((r) => r.NAMESPACE === ns1 || r.NAMESPACE === ns2).map((r) => `${r.NAMESPACE}/${r.NAME}`);
    expect(mine.sort()).toEqual([`${ns1}/shared-name`, `${ns2}/shared-name`].sort());

    const systemNs = parseTable(await ctx.kubectl.ok(['get', 'services', '--all-namespaces']));
    expect(systemNs.find((r) => r.NAME === 'kubernetes')?.NAMESPACE).toBe('default');
  });

  test('--chunk-size=2 over 10 objects lists all 10 (kubectl follows the continue tokens)', async () => {
    const ns = uniqueName('chunk');
    // 9 of the test's own and the root-CA publisher's kube-root-ca.crt (last by name).
    const mine = Array.from({ length: 9 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    await configMaps(ns, mine);
    const names = [...mine, ROOT_CA_CONFIGMAP];
    const table = parseTable(await ctx.kubectl.ok(['get', 'configmaps', '-n', ns, '--chunk-size=2']));
    expect(table.map((r) => r.NAME)).toEqual(names);
    expect(await ctx.kubectl.ok(['get', 'configmaps', '-n', ns, '--chunk-size=2', '-o', 'name'])).toBe(names.map((n) => `configmap/${n}\n`).join(''));
    const json = JSON.parse(await ctx.kubectl.ok(['get', 'configmaps', '-n', ns, '--chunk-size=3', '-o', 'json'])) as { items: { metadata: { name: string } }[] };
    expect(json.items.map((i) => i.metadata.name)).toEqual(names);

    // It really pages: five requests of two, chained by continue tokens.
    const traced = await ctx.kubectl.run(['get', 'configmaps', '-n', ns, '--chunk-size=2', '-o', 'name', '-v=6']);
    expect(traced.code, describeResult(traced)).toBe(0);
    const gets = traced.stderr.split('\n').filter((l) => new RegExp(`GET https://127\\.0\\.0\\.1:\\d+/api/v1/namespaces/${ns}/configmaps\\?`).test(l));
    expect(gets, traced.stderr).toHaveLength(5);
    expect(gets.filter((l) => l.includes('continue='))).toHaveLength(4);
    for (const l of gets) expect(l).toMatch(/limit=2/);

    // The raw page carries the continue token and the remaining count.
    const page = JSON.parse(await ctx.kubectl.ok(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps?limit=4`])) as { items: unknown[]; metadata: { continue?: string; remainingItemCount?: number } };
    expect(page.items).toHaveLength(4);
    expect(page.metadata.continue).toBeTruthy();
    // remainingItemCount is optional in the API; when sent it must be right.
    if (page.metadata.remainingItemCount !== undefined) expect(page.metadata.remainingItemCount).toBe(6);
    const rest = JSON.parse(await ctx.kubectl.ok(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps?limit=100&continue=${encodeURIComponent(page.metadata.continue ?? '')}`])) as { items: { metadata: { name: string } }[]; metadata: { continue?: string } };
    expect(rest.items.map((i) => i.metadata.name)).toEqual(names.slice(4));
    expect(rest.metadata.continue ?? '').toBe('');
  });

  test('--sort-by', async () => {
    const ns = uniqueName('sort');
    await configMaps(ns, ['kiwi', 'apple', 'mango', 'banana']);
    expect(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '--sort-by=.metadata.name', '-o', 'name'])).toBe(`configmap/apple\nconfigmap/banana\nconfigmap/kiwi\nconfigmap/${ROOT_CA_CONFIGMAP}\nconfigmap/mango\n`);
    // data.index is the creation order: kiwi=0, apple=1, mango=2, banana=3. kube-root-ca.crt has no
    // data.index; kubectl 1.32's --sort-by (client side) puts objects without the field first.
    expect(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '--sort-by=.data.index', '-o', 'name'])).toBe(`configmap/${ROOT_CA_CONFIGMAP}\nconfigmap/kiwi\nconfigmap/apple\nconfigmap/mango\nconfigmap/banana\n`);
    const table = parseTable(await ctx.kubectl.ok(['get', 'cm', '-n', ns, '--sort-by=.metadata.labels.tier', '-l', 'app=demo']));
    // A stable sort of the server's order (by name): t0 = banana, kiwi; t1 = apple; t2 = mango.
    expect(table.map((r) => r.NAME)).toEqual(['banana', 'kiwi', 'apple', 'mango']);
  });

  test('get of a missing object fails with NotFound', async () => {
    const r = await ctx.kubectl.fails(['get', 'configmap', 'does-not-exist', '-n', 'default']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): configmaps "does-not-exist" not found\n');
    const ignore = await ctx.kubectl.run(['get', 'configmap', 'does-not-exist', '-n', 'default', '--ignore-not-found']);
    expect(ignore.code).toBe(0);
    expect(ignore.stdout + ignore.stderr).toBe('');
  });
});

describe('kubectl describe', () => {
  test('describes each kind a user creates', async () => {
    const ns = uniqueName('describe');
    await applyApp(ns);
    await ctx.kubectl.ok(['run', 'pod-1', '-n', ns, '--image=nginx:1.27', '--labels=app=pod-1']);
    await appSettled(ns);
    const describeOk = (args: string[]) => ctx.kubectl.ok(['describe', '-n', ns, ...args]);

    const nsOut = await ctx.kubectl.ok(['describe', 'namespace', ns]);
    expect(nsOut).toMatch(new RegExp(`^Name: +${ns}$`, 'm'));
    expect(nsOut).toMatch(/^Labels: +kubernetes\.io\/metadata\.name=\S+\n +team=web$/m);
    expect(nsOut).toMatch(/^Status: +Active$/m);

    const cm = await describeOk(['configmap', 'shop-config']);
    expect(cm).toMatch(/^Name: +shop-config$/m);
    expect(cm).toMatch(new RegExp(`^Namespace: +${ns}$`, 'm'));
    expect(cm).toContain('GREETING:\n----\nhello\n');
    expect(cm).toContain('LOG_LEVEL:\n----\ninfo\n');

    const secret = await describeOk(['secret', 'shop-secret']);
    expect(secret).toMatch(/^Type: +Opaque$/m);
    expect(secret).toMatch(/^password: +6 bytes$/m);
    expect(secret).not.toContain('s3cret');

    const svc = await describeOk(['service', 'shop-web']);
    expect(svc).toMatch(/^Type: +ClusterIP$/m);
    expect(svc).toMatch(/^Selector: +app=shop-web$/m);
    expect(svc).toMatch(/^IP: +10\.43\.\d+\.\d+$/m);
    expect(svc).toMatch(/^Port: +http {2}80\/TCP$/m);
    expect(svc).toMatch(/^TargetPort: +8080\/TCP$/m);

    const deploy = await describeOk(['deployment', 'shop-web']);
    // As on a cluster without nodes: the controller made the new ReplicaSet's 2 pods, none available.
    expect(deploy).toMatch(/^Replicas: +2 desired \| 2 updated \| 2 total \| 0 available \| 2 unavailable$/m);
    expect(deploy).toMatch(/^ {2}Available +False +MinimumReplicasUnavailable$/m);
    expect(deploy).toMatch(/^NewReplicaSet: +shop-web-[0-9a-z]+ \(2\/2 replicas created\)$/m);
    expect(deploy).toMatch(/^StrategyType: +RollingUpdate$/m);
    expect(deploy).toMatch(/^RollingUpdateStrategy: +25% max unavailable, 25% max surge$/m);
    expect(deploy).toMatch(/^ {3}web:\n {4}Image: +nginx:1\.25$/m);
    expect(deploy).toMatch(/^ {3}sidecar:\n {4}Image: +busybox:1\.36$/m);

    const sts = await describeOk(['statefulset', 'shop-db']);
    expect(sts).toMatch(/^Replicas: +1 desired \| 1 total$/m);
    expect(sts).toMatch(/^Volume Claims:\n {2}Name: +data\n/m);
    expect(sts).toMatch(/^ {2}Capacity: +1Gi$/m);
    expect(sts).toMatch(/^ {6}\/var\/lib\/postgresql\/data from data \(rw\)$/m);

    const job = await describeOk(['job', 'shop-migrate']);
    expect(job).toMatch(/^Parallelism: +1$/m);
    expect(job).toMatch(/^Completions: +1$/m);
    expect(job).toMatch(/^Backoff Limit: +2$/m);
    expect(job).toMatch(/^Selector: +batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/m);

    const cron = await describeOk(['cronjob', 'shop-report']);
    expect(cron).toMatch(/^Schedule: +0 3 \* \* \*$/m);
    expect(cron).toMatch(/^Concurrency Policy: +Allow$/m);
    expect(cron).toMatch(/^Suspend: +False$/m);

    const pod = await describeOk(['pod', 'pod-1']);
    expect(pod).toMatch(/^Status: +Pending$/m);
    expect(pod).toMatch(/^Node: +<none>$/m);
    expect(pod).toMatch(/^QoS Class: +BestEffort$/m);
    expect(pod).toMatch(/^ {2}pod-1:\n {4}Image: +nginx:1\.27$/m);

    // describe by label over several objects.
    const many = await describeOk(['configmaps', '-l', 'app!=none']);
    expect(many).toMatch(/^Name: +shop-config$/m);
  });
});

describe('kubectl explain', () => {
  test('kubectl explain deployment.spec.strategy', async () => {
    const out = await ctx.kubectl.ok(['explain', 'deployment.spec.strategy']);
    expect(out).toMatch(/^GROUP: +apps\nKIND: +Deployment\nVERSION: +v1\n\nFIELD: +strategy <DeploymentStrategy>\n/);
    expect(out).toMatch(/^DESCRIPTION:\n {4}\S/m);
    expect(out).toMatch(/^FIELDS:\n {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
    expect(out).toMatch(/^ {2}type\t<string>$/m);
    expect(out).toContain('Recreate');
  });

  test('explain of a core kind, a nested field, --recursive, and an unknown field', async () => {
    const cm = await ctx.kubectl.ok(['explain', 'configmap']);
    expect(cm).toMatch(/^KIND: +ConfigMap\nVERSION: +v1\n/);
    expect(cm).toMatch(/^ {2}data\t<map\[string\]string>$/m);
    const containers = await ctx.kubectl.ok(['explain', 'pod.spec.containers.image']);
    expect(containers).toMatch(/^FIELD: +image <string>$/m);
    const recursive = await ctx.kubectl.ok(['explain', 'deployment.spec.strategy', '--recursive']);
    expect(recursive).toMatch(/^ {2}rollingUpdate\t<RollingUpdateDeployment>\n {4}maxSurge\t<\w+>\n {4}maxUnavailable\t<\w+>\n {2}type\t<string>$/m);
    const bad = await ctx.kubectl.fails(['explain', 'deployment.spec.nope']);
    expect(bad.stderr).toBe('error: field "nope" does not exist\n');
  });
});
