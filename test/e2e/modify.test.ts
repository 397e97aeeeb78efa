/**
 * Changing the cluster imperatively (acceptance item 3, second half): label, annotate, patch in
 * its three flavours, edit with an $EDITOR, replace, delete in its four forms, the `create`
 * generators, scale, set image/env, expose, auth can-i/whoami, wait --for=delete, and deleting a
 * namespace with everything in it.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTable, ROOT_CA_CONFIGMAP, scratchDir, uniqueName, useCluster, waitForRootCa } from './support/cluster.js';
import { describeResult } from './support/kubectl.js';

const ctx = useCluster();

/**
 * A new namespace, returned once the root-CA publisher has put kube-root-ca.crt in it (as in every
 * namespace of a real cluster), so listings of its ConfigMaps are deterministic.
 */
async function namespace(prefix: string): Promise<string> {
  const ns = uniqueName(prefix);
  expect(await ctx.kubectl.ok(['create', 'namespace', ns])).toBe(`namespace/${ns} created\n`);
  await waitForRootCa(ctx, ns);
  return ns;
}

async function uidOf(kindAndName: string, ns: string): Promise<string> {
  return await ctx.kubectl.ok(['get', kindAndName, '-n', ns, '-o', 'jsonpath={.metadata.uid}']);
}

async function getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return JSON.parse(await ctx.kubectl.ok(['get', ...args, '-o', 'json'])) as T;
}

interface Meta {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion: string; uid: string; generation?: number };
}

describe('label, annotate, patch', () => {
  test('kubectl label: add, refuse to overwrite without --overwrite, overwrite, remove, select', async () => {
    const ns = await namespace('label');
    await ctx.kubectl.ok(['create', 'configmap', 'c', '-n', ns]);
    expect(await ctx.kubectl.ok(['label', 'configmap', 'c', '-n', ns, 'tier=gold'])).toBe('configmap/c labeled\n');
    const refused = await ctx.kubectl.fails(['label', 'configmap', 'c', '-n', ns, 'tier=silver']);
    expect(refused.stderr).toBe("error: 'tier' already has a value (gold), and --overwrite is false\n");
    expect(await ctx.kubectl.ok(['label', 'configmap', 'c', '-n', ns, 'tier=silver', '--overwrite'])).toBe('configmap/c labeled\n');
    expect(await ctx.kubectl.ok(['label', 'configmap', 'c', '-n', ns, 'extra=1'])).toBe('configmap/c labeled\n');
    expect((await getJson<Meta>(['configmap', 'c', '-n', ns])).metadata.labels).toEqual({ tier: 'silver', extra: '1' });
    expect(await ctx.kubectl.ok(['label', 'configmap', 'c', '-n', ns, 'extra-'])).toBe('configmap/c unlabeled\n');
    expect((await getJson<Meta>(['configmap', 'c', '-n', ns])).metadata.labels).toEqual({ tier: 'silver' });
    // Setting the same value again is not a change.
    expect(await ctx.kubectl.ok(['label', 'configmap', 'c', '-n', ns, 'tier=silver', '--overwrite'])).toBe('configmap/c not labeled\n');
    expect(await ctx.kubectl.ok(['get', 'configmaps', '-n', ns, '-l', 'tier=silver', '-o', 'name'])).toBe('configmap/c\n');
    const invalid = await ctx.kubectl.fails(['label', 'configmap', 'c', '-n', ns, 'bad key=x']);
    expect(invalid.stderr).not.toBe('');
  });

  test('kubectl annotate, including --overwrite and removal', async () => {
    const ns = await namespace('annotate');
    await ctx.kubectl.ok(['create', 'configmap', 'c', '-n', ns]);
    expect(await ctx.kubectl.ok(['annotate', 'configmap', 'c', '-n', ns, 'note=first'])).toBe('configmap/c annotated\n');
    expect((await ctx.kubectl.fails(['annotate', 'configmap', 'c', '-n', ns, 'note=second'])).stderr).toBe("error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (first)\n");
    expect(await ctx.kubectl.ok(['annotate', 'configmap', 'c', '-n', ns, 'note=second', '--overwrite'])).toBe('configmap/c annotated\n');
    expect((await getJson<Meta>(['configmap', 'c', '-n', ns])).metadata.annotations).toEqual({ note: 'second' });
    expect(await ctx.kubectl.ok(['annotate', 'configmap', 'c', '-n', ns, 'note-'])).toBe('configmap/c annotated\n');
    // Go drops the empty map when it serialises the object (omitempty): no `annotations: {}`.
    expect((await getJson<Meta>(['configmap', 'c', '-n', ns])).metadata.annotations).toBeUndefined();
    expect(await ctx.kubectl.ok(['get', 'configmap', 'c', '-n', ns, '-o', 'yaml'])).not.toContain('annotations');
  });

  test('kubectl patch --type strategic / merge / json, and a no-op patch prints "(no change)"', async () => {
    const ns = await namespace('patch');
    await ctx.kubectl.ok(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.25']);
    await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']);
    // Strategic merge merges containers by name: both are there.
    let d = await getJson<{ spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } } }>(['deployment', 'web', '-n', ns]);
    expect(d.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`).sort()).toEqual(['nginx=nginx:1.25', 'sidecar=busybox:1.36']);

    // The default type is strategic.
    expect(await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}'])).toBe('deployment.apps/web patched\n');
    d = await getJson(['deployment', 'web', '-n', ns]);
    expect(d.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`).sort()).toEqual(['nginx=nginx:1.27', 'sidecar=busybox:1.36']);

    // JSON merge patch replaces lists wholesale.
    expect(await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"only","image":"nginx:1.27"}]}}}}'])).toBe('deployment.apps/web patched\n');
    d = await getJson(['deployment', 'web', '-n', ns]);
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers.map((c) => c.name)).toEqual(['only']);

    // JSON patch (RFC 6902), with a test op.
    expect(await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":1},{"op":"add","path":"/metadata/labels/patched","value":"yes"}]'])).toBe(
      'deployment.apps/web patched\n',
    );
    const after = await getJson<Meta & { spec: { replicas: number } }>(['deployment', 'web', '-n', ns]);
    expect(after.spec.replicas).toBe(1);
    expect(after.metadata.labels?.patched).toBe('yes');
    const failedTest = await ctx.kubectl.fails(['patch', 'deployment', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":99}]']);
    // 422 Invalid (upstream: NewGenericServerResponse(422) with the patch error as its cause).
    expect(failedTest.stderr).toMatch(/^The request is invalid/);
    expect(failedTest.stderr).not.toMatch(/InternalError|500/);

    // Patches that change nothing.
    const rv = after.metadata.resourceVersion;
    expect(await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":1}}'])).toBe('deployment.apps/web patched (no change)\n');
    expect(await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '-p', '{"metadata":{"labels":{"patched":"yes"}}}'])).toBe('deployment.apps/web patched (no change)\n');
    expect((await getJson<Meta>(['deployment', 'web', '-n', ns])).metadata.resourceVersion).toBe(rv);

    // patch of the scale subresource.
    expect(await ctx.kubectl.ok(['patch', 'deployment', 'web', '-n', ns, '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":4}}'])).toBe('scale.autoscaling/web patched\n');
    expect(await ctx.kubectl.ok(['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
    // get of it prints upstream's Scale table.
    const scaleTable = parseTable(await ctx.kubectl.ok(['get', 'deployment', 'web', '-n', ns, '--subresource=scale']));
    expect(scaleTable).toEqual([{ NAME: 'web', DESIRED: '4', AVAILABLE: expect.stringMatching(/^\d+$/), AGE: expect.any(String) }]);
  });
});

describe('edit, replace', () => {
  test('kubectl edit with EDITOR set to a script that rewrites the file with sed', async () => {
    const ns = await namespace('edit');
    const dir = scratchDir(ctx, 'edit');
    await ctx.kubectl.ok(['create', 'configmap', 'settings', '-n', ns, '--from-literal=GREETING=hello', '--from-literal=COLOR=blue']);
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nset -e\nsed -i -e "s/GREETING: hello/GREETING: bonjour/" "$1"\n');
    chmodSync(editor, 0o755);
    const env = { EDITOR: editor, KUBE_EDITOR: editor };
    expect(await ctx.kubectl.ok(['edit', 'configmap', 'settings', '-n', ns], { env })).toBe('configmap/settings edited\n');
    const cm = await getJson<{ data: Record<string, string> }>(['configmap', 'settings', '-n', ns]);
    expect(cm.data).toEqual({ GREETING: 'bonjour', COLOR: 'blue' });

    // The same edit again changes nothing: kubectl says so and exits 0.
    const again = await ctx.kubectl.run(['edit', 'configmap', 'settings', '-n', ns], { env });
    expect(again.code, describeResult(again)).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('Edit cancelled, no changes made.\n');

    // An edit of a deployment's image goes through strategic merge (fieldManager kubectl-edit).
    await ctx.kubectl.ok(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.25']);
    const imageEditor = join(dir, 'image-editor.sh');
    writeFileSync(imageEditor, '#!/bin/sh\nset -e\nsed -i -e "s/image: nginx:1.25/image: nginx:1.27/" "$1"\n');
    chmodSync(imageEditor, 0o755);
    expect(await ctx.kubectl.ok(['edit', 'deployment/web', '-n', ns], { env: { EDITOR: imageEditor, KUBE_EDITOR: imageEditor } })).toBe('deployment.apps/web edited\n');
    expect(await ctx.kubectl.ok(['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('nginx:1.27');
    const managers = await ctx.kubectl.ok(['get', 'deployment', 'web', '-n', ns, '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}']);
    expect(managers.split(' ')).toContain('kubectl-edit');
  });

  test('kubectl replace -f replaces the object; a stale resourceVersion is a conflict', async () => {
    const ns = await namespace('replace');
    const dir = scratchDir(ctx, 'replace');
    await ctx.kubectl.ok(['create', 'configmap', 'conf', '-n', ns, '--from-literal=a=1', '--from-literal=b=2']);
    const live = await ctx.kubectl.ok(['get', 'configmap', 'conf', '-n', ns, '-o', 'yaml']);
    const file = join(dir, 'conf.yaml');
    // Replace drops b (a full replacement, not a merge) and changes a.
    writeFileSync(file, live.replace('  a: "1"\n', '  a: "10"\n').replace('  b: "2"\n', ''));
    expect(await ctx.kubectl.ok(['replace', '-f', file])).toBe('configmap/conf replaced\n');
    expect((await getJson<{ data: Record<string, string> }>(['configmap', 'conf', '-n', ns])).data).toEqual({ a: '10' });

    // The file still carries the old resourceVersion.
    const stale = await ctx.kubectl.fails(['replace', '-f', file]);
    expect(stale.stderr).toBe(
      `Error from server (Conflict): error when replacing "${file}": Operation cannot be fulfilled on configmaps "conf": the object has been modified; please apply your changes to the latest version and try again\n`,
    );

    // Without a resourceVersion the replace is unconditional.
    const doc = parseYaml(live) as { metadata: Record<string, unknown> };
    delete doc.metadata.resourceVersion;
    writeFileSync(file, JSON.stringify({ ...doc, data: { c: '3' } }));
    expect(await ctx.kubectl.ok(['replace', '-f', file])).toBe('configmap/conf replaced\n');
    expect((await getJson<{ data: Record<string, string> }>(['configmap', 'conf', '-n', ns])).data).toEqual({ c: '3' });

    // replace --force deletes and re-creates (a new uid).
    const uid = (await getJson<Meta>(['configmap', 'conf', '-n', ns])).metadata.uid;
    expect(await ctx.kubectl.ok(['replace', '--force', '-f', file])).toBe('configmap "conf" deleted\nconfigmap/conf replaced\n');
    expect((await getJson<Meta>(['configmap', 'conf', '-n', ns])).metadata.uid).not.toBe(uid);
  });
});

describe('delete', () => {
  test('kubectl delete by name, -l, -f and --all', async () => {
    const ns = await namespace('delete');
    const dir = scratchDir(ctx, 'delete');
    for (const n of ['a', 'b', 'c', 'd', 'e']) await ctx.kubectl.ok(['create', 'configmap', n, '-n', ns]);
    await ctx.kubectl.ok(['label', 'configmap', 'b', 'c', '-n', ns, 'doomed=yes']);

    expect(await ctx.kubectl.ok(['delete', 'configmap', 'a', '-n', ns])).toBe('configmap "a" deleted\n');
    expect(await ctx.kubectl.ok(['delete', 'configmaps', '-l', 'doomed=yes', '-n', ns])).toBe('configmap "b" deleted\nconfigmap "c" deleted\n');

    const file = join(dir, 'd.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n  namespace: ${ns}\n`);
    expect(await ctx.kubectl.ok(['delete', '-f', file])).toBe('configmap "d" deleted\n');
    const again = await ctx.kubectl.fails(['delete', '-f', file]);
    expect(again.stderr).toBe(`Error from server (NotFound): error when deleting "${file}": configmaps "d" not found\n`);
    expect(await ctx.kubectl.ok(['delete', '-f', file, '--ignore-not-found'])).toBe('');

    await ctx.kubectl.ok(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.27']);
    // --all takes the root-CA publisher's ConfigMap too, as on any cluster; the publisher then puts a
    // new one back (a new uid), and nothing else returns.
    const rootCaUid = await uidOf(`configmap/${ROOT_CA_CONFIGMAP}`, ns);
    expect(await ctx.kubectl.ok(['delete', 'configmaps', '--all', '-n', ns])).toBe(`configmap "e" deleted\nconfigmap "${ROOT_CA_CONFIGMAP}" deleted\n`);
    expect(await ctx.kubectl.ok(['delete', 'deployments', '--all', '-n', ns])).toBe('deployment.apps "web" deleted\n');
    const empty = await ctx.kubectl.run(['get', 'deployments', '-n', ns]);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe(`No resources found in ${ns} namespace.\n`);
    await waitForRootCa(ctx, ns);
    expect(await uidOf(`configmap/${ROOT_CA_CONFIGMAP}`, ns)).not.toBe(rootCaUid);
    expect(await ctx.kubectl.ok(['get', 'configmaps,deployments', '-n', ns, '-o', 'name'])).toBe(`configmap/${ROOT_CA_CONFIGMAP}\n`);

    const missing = await ctx.kubectl.fails(['delete', 'configmap', 'nope', '-n', ns]);
    expect(missing.stderr).toBe('Error from server (NotFound): configmaps "nope" not found\n');
  });

  test('kubectl delete --dry-run=server deletes nothing', async () => {
    const ns = await namespace('deldry');
    await ctx.kubectl.ok(['create', 'configmap', 'keep', '-n', ns]);
    await ctx.kubectl.ok(['create', 'deployment', 'keep', '-n', ns, '--image=nginx:1.27']);
    expect(await ctx.kubectl.ok(['delete', 'configmap', 'keep', '-n', ns, '--dry-run=server'])).toBe('configmap "keep" deleted (server dry run)\n');
    expect(await ctx.kubectl.ok(['delete', 'deployment', 'keep', '-n', ns, '--dry-run=server'])).toBe('deployment.apps "keep" deleted (server dry run)\n');
    // kubectl sends the dry run in the DeleteOptions body ({"dryRun":["All"]}), not in the URL.
    expect(await ctx.kubectl.ok(['get', 'configmap,deployment', 'keep', '-n', ns, '-o', 'name'])).toBe('configmap/keep\ndeployment.apps/keep\n');
  });

  test('kubectl wait --for=delete returns once the object is gone', async () => {
    const ns = await namespace('wait');
    await ctx.kubectl.ok(['create', 'configmap', 'target', '-n', ns]);
    const waiter = ctx.kubectl.start(['wait', '--for=delete', 'configmap/target', '-n', ns, '--timeout=60s']);
    try {
      // Give the waiter time to list and start watching, then delete.
      await new Promise((r) => setTimeout(r, 500));
      expect(waiter.stdout).toBe('');
      await ctx.kubectl.ok(['delete', 'configmap', 'target', '-n', ns, '--wait=false']);
      const exit = await Promise.race([waiter.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
      expect(exit, `kubectl wait did not return\n${waiter.stdout}\n${waiter.stderr}`).toEqual({ code: 0, signal: null });
      expect(waiter.stdout).toBe('configmap/target condition met\n');
      expect(waiter.stderr).toBe('');
    } finally {
      await waiter.stop();
    }
    // Waiting for something already gone returns at once.
    expect(await ctx.kubectl.ok(['wait', '--for=delete', 'configmap/target', '-n', ns, '--timeout=10s'])).toBe('');
    const timeout = await ctx.kubectl.fails(['wait', '--for=jsonpath={.data.x}=1', 'configmap/never', '-n', ns, '--timeout=1s']);
    expect(timeout.stderr).toBe('Error from server (NotFound): configmaps "never" not found\n');
  });

  test('kubectl delete namespace removes the namespace and everything in it', async () => {
    const ns = await namespace('doomed');
    await ctx.kubectl.ok(['create', 'configmap', 'c', '-n', ns, '--from-literal=a=b']);
    await ctx.kubectl.ok(['create', 'secret', 'generic', 's', '-n', ns, '--from-literal=p=q']);
    await ctx.kubectl.ok(['create', 'deployment', 'd', '-n', ns, '--image=nginx:1.27']);
    await ctx.kubectl.ok(['create', 'service', 'clusterip', 'svc', '-n', ns, '--tcp=80:8080']);
    await ctx.kubectl.ok(['run', 'p', '-n', ns, '--image=nginx:1.27']);
    await ctx.kubectl.ok(['create', 'role', 'r', '-n', ns, '--verb=get', '--resource=pods']);

    // kubectl waits until the namespace is really gone (bounded by --timeout).
    expect(await ctx.kubectl.ok(['delete', 'namespace', ns, '--timeout=60s'], { timeoutMs: 90_000 })).toBe(`namespace "${ns}" deleted\n`);
    const gone = await ctx.kubectl.fails(['get', 'namespace', ns]);
    expect(gone.stderr).toBe(`Error from server (NotFound): namespaces "${ns}" not found\n`);
    for (const kind of ['configmaps', 'secrets', 'deployments', 'services', 'pods', 'roles']) {
      const left = await ctx.kubectl.run(['get', kind, '-A', '--field-selector', `metadata.namespace=${ns}`]);
      expect(left.stdout, `${kind} left in deleted namespace ${ns}`).toBe('');
      expect(left.stderr).toBe('No resources found\n');
    }
    // The name can be used again at once, and starts empty: only the new namespace's own kube-root-ca.crt.
    expect(await ctx.kubectl.ok(['create', 'namespace', ns])).toBe(`namespace/${ns} created\n`);
    await waitForRootCa(ctx, ns);
    expect(await ctx.kubectl.ok(['get', 'configmaps', '-n', ns, '-o', 'name'])).toBe(`configmap/${ROOT_CA_CONFIGMAP}\n`);
  });
});

describe('create generators and other everyday commands', () => {
  test('kubectl create namespace / configmap --from-literal / secret generic --from-literal', async () => {
    const ns = await namespace('create');
    expect(await ctx.kubectl.ok(['create', 'configmap', 'cfg', '-n', ns, '--from-literal=LOG_LEVEL=debug', '--from-literal=PORT=8080'])).toBe('configmap/cfg created\n');
    expect((await getJson<{ data: Record<string, string> }>(['configmap', 'cfg', '-n', ns])).data).toEqual({ LOG_LEVEL: 'debug', PORT: '8080' });
    expect(await ctx.kubectl.ok(['create', 'secret', 'generic', 'creds', '-n', ns, '--from-literal=user=admin', '--from-literal=password=s3cr3t!'])).toBe('secret/creds created\n');
    const secret = await getJson<{ type: string; data: Record<string, string> }>(['secret', 'creds', '-n', ns]);
    expect(secret.type).toBe('Opaque');
    expect(Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))).toEqual({ user: 'admin', password: 's3cr3t!' });
    const dup = await ctx.kubectl.fails(['create', 'configmap', 'cfg', '-n', ns]);
    expect(dup.stderr).toBe('error: failed to create configmap: configmaps "cfg" already exists\n');
    const dupNs = await ctx.kubectl.fails(['create', 'namespace', ns]);
    expect(dupNs.stderr).toBe(`Error from server (AlreadyExists): namespaces "${ns}" already exists\n`);
  });

  test('kubectl create deployment --image, scale, set image, set env, expose', async () => {
    const ns = await namespace('deploy');
    expect(await ctx.kubectl.ok(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.25', '--replicas=2', '--port=80'])).toBe('deployment.apps/web created\n');
    const d = await getJson<{ spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { name: string; image: string }[] } } } }>(['deployment', 'web', '-n', ns]);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector.matchLabels).toEqual({ app: 'web' });
    expect(d.spec.template.spec.containers).toEqual([expect.objectContaining({ name: 'nginx', image: 'nginx:1.25' })]);

    expect(await ctx.kubectl.ok(['scale', 'deployment', 'web', '-n', ns, '--replicas=5'])).toBe('deployment.apps/web scaled\n');
    expect(await ctx.kubectl.ok(['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('5');
    const precondition = await ctx.kubectl.fails(['scale', 'deployment', 'web', '-n', ns, '--current-replicas=3', '--replicas=1']);
    expect(precondition.stderr).toBe('error: Expected replicas to be 3, was 5\n');
    expect(await ctx.kubectl.ok(['scale', 'deployment/web', '-n', ns, '--current-replicas=5', '--replicas=0'])).toBe('deployment.apps/web scaled\n');

    expect(await ctx.kubectl.ok(['set', 'image', 'deployment/web', '-n', ns, 'nginx=nginx:1.27'])).toBe('deployment.apps/web image updated\n');
    expect(await ctx.kubectl.ok(['set', 'env', 'deployment/web', '-n', ns, 'MODE=prod'])).toBe('deployment.apps/web env updated\n');
    const c = (await getJson<{ spec: { template: { spec: { containers: { image: string; env: unknown[] }[] } } } }>(['deployment', 'web', '-n', ns])).spec.template.spec.containers[0];
    expect(c.image).toBe('nginx:1.27');
    expect(c.env).toEqual([{ name: 'MODE', value: 'prod' }]);

    expect(await ctx.kubectl.ok(['expose', 'deployment', 'web', '-n', ns, '--port=8080', '--target-port=80'])).toBe('service/web exposed\n');
    const svc = await getJson<{ spec: { selector: Record<string, string>; ports: { port: number; targetPort: number }[]; clusterIP: string } }>(['service', 'web', '-n', ns]);
    expect(svc.spec.selector).toEqual({ app: 'web' });
    expect(svc.spec.ports[0]).toMatchObject({ port: 8080, targetPort: 80 });
    expect(svc.spec.clusterIP).toMatch(/^10\.43\./);
  });

  test('kubectl create service clusterip / job / role / cronjob / serviceaccount / rolebinding', async () => {
    const ns = await namespace('gens');
    expect(await ctx.kubectl.ok(['create', 'service', 'clusterip', 'api', '-n', ns, '--tcp=80:8080'])).toBe('service/api created\n');
    const svc = await getJson<{ spec: { type: string; clusterIP: string; selector: Record<string, string>; ports: { name: string; port: number; targetPort: number; protocol: string }[] } }>(['service', 'api', '-n', ns]);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({ app: 'api' });
    expect(svc.spec.ports).toEqual([{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    expect(await ctx.kubectl.ok(['create', 'service', 'clusterip', 'headless', '-n', ns, '--clusterip=None'])).toBe('service/headless created\n');
    expect(await ctx.kubectl.ok(['get', 'service', 'headless', '-n', ns, '-o', 'jsonpath={.spec.clusterIP}'])).toBe('None');

    expect(await ctx.kubectl.ok(['create', 'job', 'once', '-n', ns, '--image=busybox:1.36', '--', 'echo', 'hi'])).toBe('job.batch/once created\n');
    const job = await getJson<{ spec: { template: { spec: { restartPolicy: string; containers: { command: string[] }[] } } } }>(['job', 'once', '-n', ns]);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.containers[0].command).toEqual(['echo', 'hi']);

    expect(await ctx.kubectl.ok(['create', 'cronjob', 'nightly', '-n', ns, '--image=busybox:1.36', '--schedule=0 2 * * *', '--', 'date'])).toBe('cronjob.batch/nightly created\n');
    expect(await ctx.kubectl.ok(['create', 'job', 'from-cron', '-n', ns, '--from=cronjob/nightly'])).toBe('job.batch/from-cron created\n');
    const fromCron = await getJson<{ metadata: { annotations: Record<string, string>; ownerReferences: { kind: string; name: string }[] } }>(['job', 'from-cron', '-n', ns]);
    expect(fromCron.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(fromCron.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`)).toEqual(['CronJob/nightly']);

    expect(await ctx.kubectl.ok(['create', 'role', 'pod-reader', '-n', ns, '--verb=get,list,watch', '--resource=pods,pods/log'])).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    const role = await getJson<{ rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }>(['role', 'pod-reader', '-n', ns]);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }]);
    expect(await ctx.kubectl.ok(['create', 'serviceaccount', 'bot', '-n', ns])).toBe('serviceaccount/bot created\n');
    expect(await ctx.kubectl.ok(['create', 'rolebinding', 'bot-reads', '-n', ns, '--role=pod-reader', `--serviceaccount=${ns}:bot`])).toBe('rolebinding.rbac.authorization.k8s.io/bot-reads created\n');
    // kubectl only warns about a verb it does not know.
    const unknownVerb = await ctx.kubectl.run(['create', 'role', 'odd', '-n', ns, '--verb=fly', '--resource=pods']);
    expect(unknownVerb.code).toBe(0);
    expect(unknownVerb.stderr).toBe("Warning: 'fly' is not a standard resource verb\n");
  });

  test('kubectl create -f and --dry-run=server', async () => {
    const ns = await namespace('createf');
    const dir = scratchDir(ctx, 'createf');
    const file = join(dir, 'objs.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  namespace: ${ns}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: two\n  namespace: ${ns}\nstringData:\n  k: v\n`);
    expect(await ctx.kubectl.ok(['create', '-f', file])).toBe('configmap/one created\nsecret/two created\n');
    const again = await ctx.kubectl.fails(['create', '-f', file]);
    expect(again.stderr).toBe(
      `Error from server (AlreadyExists): error when creating "${file}": configmaps "one" already exists\nError from server (AlreadyExists): error when creating "${file}": secrets "two" already exists\n`,
    );
    expect(await ctx.kubectl.ok(['create', 'configmap', 'dry', '-n', ns, '--dry-run=server', '-o', 'name'])).toBe('configmap/dry\n');
    expect(await ctx.kubectl.ok(['run', 'dry-pod', '-n', ns, '--image=nginx:1.27', '--dry-run=server', '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
    expect(await ctx.kubectl.ok(['get', 'configmaps,pods', '-n', ns, '-o', 'name'])).toBe(`configmap/${ROOT_CA_CONFIGMAP}\nconfigmap/one\n`);
  });

  test('kubectl auth can-i and auth whoami for the admin', async () => {
    const yes = await ctx.kubectl.run(['auth', 'can-i', 'create', 'pods']);
    expect(yes.code, describeResult(yes)).toBe(0);
    expect(yes.stdout).toBe('yes\n');
    expect(yes.stderr).toBe('');
    expect(await ctx.kubectl.ok(['auth', 'can-i', '*', '*', '--all-namespaces'])).toBe('yes\n');
    expect(await ctx.kubectl.ok(['auth', 'can-i', 'delete', 'deployments.apps', '-n', 'kube-system'])).toBe('yes\n');
    expect(await ctx.kubectl.ok(['auth', 'can-i', 'get', '/healthz'])).toBe('yes\n');
    const list = parseTable(await ctx.kubectl.ok(['auth', 'can-i', '--list']));
    expect(list[0]).toEqual({ Resources: '*.*', 'Non-Resource URLs': '[]', 'Resource Names': '[]', Verbs: '[*]' });

    const who = parseTable(await ctx.kubectl.ok(['auth', 'whoami']));
    expect(who).toEqual([
      { ATTRIBUTE: 'Username', VALUE: 'system:admin' },
      { ATTRIBUTE: 'Groups', VALUE: '[system:masters system:authenticated]' },
    ]);
  });
});
