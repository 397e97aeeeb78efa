/**
 * Declarative management, as a user does it (acceptance item 2): `kubectl apply -f` of a
 * multi-document file with every common kind, re-applying it, applying an edited copy (three-way
 * strategic merge: only what changed changes), `kubectl diff` before applying, and server-side
 * apply with its field-manager conflicts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { scratchDir, uniqueName, useCluster } from './support/cluster.js';
import { describeResult } from './support/kubectl.js';
import { REPO_ROOT } from './support/lite-process.js';

const ctx = useCluster();

const APP = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'app.yaml'), 'utf8');

/** The fixture application moved into namespace `ns` (the fixture uses `shop`). */
function appManifest(ns: string): string {
  return APP.replace(/^( {2}namespace:) shop$/gm, `$1 ${ns}`).replace(/^(kind: Namespace\nmetadata:\n {2}name:) shop$/m, `$1 ${ns}`);
}

/** The edit a user makes: a new image for one of the two containers and one changed config key. */
function editedManifest(ns: string): string {
  const edited = appManifest(ns).replace('image: nginx:1.25', 'image: nginx:1.27').replace('LOG_LEVEL: info', 'LOG_LEVEL: debug');
  if (!edited.includes('nginx:1.27') || !edited.includes('LOG_LEVEL: debug')) throw new Error('fixture app.yaml changed: the edit no longer applies');
  return edited;
}

function writeManifest(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function lines(stdout: string): string[] {
  return stdout.trim().split('\n');
}

interface Container {
  name: string;
  image: string;
  command?: string[];
}

describe('kubectl apply (client-side)', () => {
  test('creates every kind of a multi-document file, then reports unchanged/configured like upstream', async () => {
    const ns = uniqueName('apply');
    const dir = scratchDir(ctx, 'apply');
    const file = writeManifest(dir, 'app.yaml', appManifest(ns));

    expect(lines(await ctx.kubectl.ok(['apply', '-f', file]))).toEqual([
      `namespace/${ns} created`,
      'configmap/shop-config created',
      'secret/shop-secret created',
      'service/shop-web created',
      'deployment.apps/shop-web created',
      'statefulset.apps/shop-db created',
      'job.batch/shop-migrate created',
      'cronjob.batch/shop-report created',
    ]);

    const names = lines(await ctx.kubectl.ok(['get', '-n', ns, 'configmap/shop-config', 'secret/shop-secret', 'service/shop-web', 'deployment/shop-web', 'statefulset/shop-db', 'job/shop-migrate', 'cronjob/shop-report', '-o', 'name']));
    expect(names).toEqual([
      'configmap/shop-config',
      'secret/shop-secret',
      'service/shop-web',
      'deployment.apps/shop-web',
      'statefulset.apps/shop-db',
      'job.batch/shop-migrate',
      'cronjob.batch/shop-report',
    ]);

    // Re-applying the same file. kubectl re-sends Secret stringData (the live object has data) and
    // the StatefulSet's atomic volumeClaimTemplates (the live ones carry defaults), so real
    // clusters answer "configured" for those two as well.
    expect(lines(await ctx.kubectl.ok(['apply', '-f', file]))).toEqual([
      `namespace/${ns} unchanged`,
      'configmap/shop-config unchanged',
      'secret/shop-secret configured',
      'service/shop-web unchanged',
      'deployment.apps/shop-web unchanged',
      'statefulset.apps/shop-db configured',
      'job.batch/shop-migrate unchanged',
      'cronjob.batch/shop-report unchanged',
    ]);

    // The stored objects are what was applied, with the last-applied annotation.
    const secret = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'secret', 'shop-secret', '-o', 'json'])) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('s3cret');
    expect(secret.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"stringData"');
    const sts = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'statefulset', 'shop-db', '-o', 'json'])) as { spec: { volumeClaimTemplates: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[] } };
    expect(sts.spec.volumeClaimTemplates.map((t) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['data', '1Gi']]);
  });

  test('kubectl diff shows the edit (exit 1) and nothing for the applied file (exit 0)', async () => {
    const ns = uniqueName('diff');
    const dir = scratchDir(ctx, 'diff');
    const file = writeManifest(dir, 'app.yaml', appManifest(ns));
    const edited = writeManifest(dir, 'app-edited.yaml', editedManifest(ns));
    await ctx.kubectl.ok(['apply', '-f', file]);

    const same = await ctx.kubectl.run(['diff', '-f', file]);
    expect(same.code, describeResult(same)).toBe(0);
    expect(same.stdout).toBe('');
    expect(same.stderr).toBe('');

    const changed = await ctx.kubectl.run(['diff', '-f', edited]);
    expect(changed.code, `kubectl diff exits 1 when there are differences\n${describeResult(changed)}`).toBe(1);
    expect(changed.stderr).toBe('');
    expect(changed.stdout).toMatch(new RegExp(`^diff -u -N \\S+/apps\\.v1\\.Deployment\\.${ns}\\.shop-web \\S+/apps\\.v1\\.Deployment\\.${ns}\\.shop-web$`, 'm'));
    expect(changed.stdout).toMatch(/^- {6}- image: nginx:1\.25$/m);
    expect(changed.stdout).toMatch(/^\+ {6}- image: nginx:1\.27$/m);
    expect(changed.stdout).toMatch(/^- {2}generation: 1$/m);
    expect(changed.stdout).toMatch(/^\+ {2}generation: 2$/m);
    expect(changed.stdout).toMatch(new RegExp(`^diff -u -N \\S+/v1\\.ConfigMap\\.${ns}\\.shop-config `, 'm'));
    expect(changed.stdout).toMatch(/^- {2}LOG_LEVEL: info$/m);
    expect(changed.stdout).toMatch(/^\+ {2}LOG_LEVEL: debug$/m);
    // Only those two objects differ; the sidecar is not touched.
    expect(changed.stdout.match(/^diff -u -N /gm)).toHaveLength(2);
    expect(changed.stdout).not.toMatch(/^[-+].*busybox/m);

    // diff is a dry run: nothing changed on the server.
    expect(await ctx.kubectl.ok(['get', '-n', ns, 'configmap', 'shop-config', '-o', 'jsonpath={.data.LOG_LEVEL}'])).toBe('info');
  });

  test('applying an edited copy changes only what changed (strategic merge keeps the other container)', async () => {
    const ns = uniqueName('edit');
    const dir = scratchDir(ctx, 'edit');
    const file = writeManifest(dir, 'app.yaml', appManifest(ns));
    const edited = writeManifest(dir, 'app-edited.yaml', editedManifest(ns));
    await ctx.kubectl.ok(['apply', '-f', file]);
    const before = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'deployment', 'shop-web', '-o', 'json'])) as {
      metadata: { resourceVersion: string; generation: number; uid: string };
      spec: { replicas: number; template: { spec: { containers: Container[] } } };
    };
    const svcBefore = await ctx.kubectl.ok(['get', '-n', ns, 'service', 'shop-web', '-o', 'jsonpath={.metadata.resourceVersion}']);

    expect(lines(await ctx.kubectl.ok(['apply', '-f', edited]))).toEqual([
      `namespace/${ns} unchanged`,
      'configmap/shop-config configured',
      'secret/shop-secret configured',
      'service/shop-web unchanged',
      'deployment.apps/shop-web configured',
      'statefulset.apps/shop-db configured',
      'job.batch/shop-migrate unchanged',
      'cronjob.batch/shop-report unchanged',
    ]);

    const after = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'deployment', 'shop-web', '-o', 'json'])) as typeof before;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(after.spec.replicas).toBe(2);
    const byName = new Map(after.spec.template.spec.containers.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual(['web', 'sidecar']);
    expect(byName.get('web')?.image).toBe('nginx:1.27');
    expect(byName.get('sidecar')).toEqual(before.spec.template.spec.containers.find((c) => c.name === 'sidecar'));

    const cm = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'configmap', 'shop-config', '-o', 'json'])) as { data: Record<string, string> };
    expect(cm.data).toEqual({ GREETING: 'hello', LOG_LEVEL: 'debug' });
    // Untouched objects keep their resourceVersion.
    expect(await ctx.kubectl.ok(['get', '-n', ns, 'service', 'shop-web', '-o', 'jsonpath={.metadata.resourceVersion}'])).toBe(svcBefore);
  });

  test('three-way merge: fields set by other commands survive apply; fields removed from the file are removed', async () => {
    const ns = uniqueName('threeway');
    const dir = scratchDir(ctx, 'threeway');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const deployment = (containers: string, extraData: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
${containers}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  keep: "1"
${extraData}`;
    const two = '      - {name: web, image: "nginx:1.25"}\n      - {name: sidecar, image: "busybox:1.36"}';
    const one = '      - {name: web, image: "nginx:1.25"}';
    const v1 = writeManifest(dir, 'v1.yaml', deployment(two, '  drop: "2"\n'));
    const v2 = writeManifest(dir, 'v2.yaml', deployment(one, ''));
    await ctx.kubectl.ok(['apply', '-f', v1]);

    // Changes made imperatively by someone else.
    await ctx.kubectl.ok(['label', '-n', ns, 'deployment', 'web', 'owner=ops']);
    await ctx.kubectl.ok(['patch', '-n', ns, 'configmap', 'settings', '-p', '{"data":{"added-by-hand":"yes"}}']);

    expect(lines(await ctx.kubectl.ok(['apply', '-f', v2]))).toEqual(['deployment.apps/web configured', 'configmap/settings configured']);
    const d = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'deployment', 'web', '-o', 'json'])) as { metadata: { labels: Record<string, string> }; spec: { template: { spec: { containers: Container[] } } } };
    expect(d.spec.template.spec.containers.map((c) => c.name)).toEqual(['web']);
    expect(d.metadata.labels).toEqual({ owner: 'ops' });
    const cm = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'configmap', 'settings', '-o', 'json'])) as { data: Record<string, string> };
    expect(cm.data).toEqual({ keep: '1', 'added-by-hand': 'yes' });
  });

  test('apply of an object created imperatively warns about the missing annotation (as upstream) and then manages it', async () => {
    const ns = uniqueName('adopt');
    const dir = scratchDir(ctx, 'adopt');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['create', 'configmap', 'adopted', '-n', ns, '--from-literal=a=1']);
    const file = writeManifest(dir, 'cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: adopted\n  namespace: ${ns}\ndata:\n  a: "2"\n`);
    const r = await ctx.kubectl.run(['apply', '-f', file]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('configmap/adopted configured\n');
    expect(r.stderr).toContain('Warning: resource configmaps/adopted is missing the kubectl.kubernetes.io/last-applied-configuration annotation');
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe('configmap/adopted unchanged\n');
  });
});

describe('kubectl apply --server-side', () => {
  test('applies, re-applies, reports a conflict with another field manager, and --force-conflicts takes over', async () => {
    const ns = uniqueName('ssa');
    const dir = scratchDir(ctx, 'ssa');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const cm = (color: string, size?: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: palette\n  namespace: ${ns}\ndata:\n  color: ${color}\n${size ? `  size: ${size}\n` : ''}`;
    const mine = writeManifest(dir, 'mine.yaml', cm('blue'));
    const theirs = writeManifest(dir, 'theirs.yaml', cm('red', 'large'));
    const agreeing = writeManifest(dir, 'agreeing.yaml', cm('blue', 'small'));

    expect(await ctx.kubectl.ok(['apply', '--server-side', '-f', mine])).toBe('configmap/palette serverside-applied\n');
    expect(await ctx.kubectl.ok(['apply', '--server-side', '-f', mine])).toBe('configmap/palette serverside-applied\n');

    const conflict = await ctx.kubectl.fails(['apply', '--server-side', '--field-manager=team-b', '-f', theirs]);
    expect(conflict.code).toBe(1);
    expect(conflict.stdout).toBe('');
    expect(conflict.stderr).toMatch(/^error: Apply failed with 1 conflict: conflict with "kubectl": \.data\.color\n/);
    expect(conflict.stderr).toContain('--force-conflicts');
    expect(await ctx.kubectl.ok(['get', '-n', ns, 'configmap', 'palette', '-o', 'jsonpath={.data}'])).toBe('{"color":"blue"}');

    // Co-owning a field with the same value is not a conflict.
    expect(await ctx.kubectl.ok(['apply', '--server-side', '--field-manager=team-c', '-f', agreeing])).toBe('configmap/palette serverside-applied\n');

    expect(await ctx.kubectl.ok(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', theirs])).toBe('configmap/palette serverside-applied\n');
    const live = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'configmap', 'palette', '-o', 'json', '--show-managed-fields'])) as {
      data: Record<string, string>;
      metadata: { managedFields: { manager: string; operation: string; fieldsV1: { 'f:data'?: Record<string, unknown> } }[] };
    };
    expect(live.data).toEqual({ color: 'red', size: 'large' });
    const owners = new Map(live.metadata.managedFields.map((m) => [m.manager, Object.keys(m.fieldsV1['f:data'] ?? {}).sort()]));
    expect(owners.get('team-b')).toEqual(['f:color', 'f:size']);
    expect(owners.get('kubectl') ?? []).not.toContain('f:color');
    for (const m of live.metadata.managedFields) expect(m.operation).toBe('Apply');

    // The conflict on a typed field of a built-in kind (deployment .spec.replicas).
    const deploy = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "nginx:1.27"}]
`;
    await ctx.kubectl.ok(['apply', '--server-side', '--field-manager=platform', '-f', writeManifest(dir, 'd2.yaml', deploy(2))]);
    const d = await ctx.kubectl.fails(['apply', '--server-side', '--field-manager=autoscaler', '-f', writeManifest(dir, 'd5.yaml', deploy(5))]);
    expect(d.stderr).toMatch(/^error: Apply failed with 1 conflict: conflict with "platform": \.spec\.replicas\n/);
    await ctx.kubectl.ok(['apply', '--server-side', '--field-manager=autoscaler', '--force-conflicts', '-f', writeManifest(dir, 'd5b.yaml', deploy(5))]);
    expect(await ctx.kubectl.ok(['get', '-n', ns, 'deployment', 'api', '-o', 'jsonpath={.spec.replicas}'])).toBe('5');
  });

  test('server-side dry run changes nothing', async () => {
    const ns = uniqueName('ssadry');
    const dir = scratchDir(ctx, 'ssadry');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const file = writeManifest(dir, 'cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: ${ns}\ndata:\n  a: "1"\n`);
    expect(await ctx.kubectl.ok(['apply', '--server-side', '--dry-run=server', '-f', file])).toBe('configmap/dry serverside-applied (server dry run)\n');
    const r = await ctx.kubectl.fails(['get', '-n', ns, 'configmap', 'dry']);
    expect(r.stderr).toBe('Error from server (NotFound): configmaps "dry" not found\n');
  });
});
