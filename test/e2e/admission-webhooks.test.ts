/**
 * Admission webhooks with the real bin/lite and kubectl 1.32 (`--simulate-nodes 1`, no Docker):
 * the test runs an HTTPS webhook server on a loopback port (its own CA, passed as caBundle) and
 * configures it with `kubectl apply`, then drives the cluster as a user would — kubectl run,
 * create deployment, label, apply --dry-run=server — and checks what kubectl prints: mutations in
 * the stored objects, refusals in upstream's words, webhook warnings as kubectl's "Warning:" lines,
 * the configurations' tables, and bad configurations refused with 422.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startWebhookServer, type TestWebhookServer } from '../../src/admission/webhook/testing/webhook-server.js';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { eventually } from './support/wait.js';

describe('admission webhooks with kubectl', () => {
  const ctx = useCluster({ args: ['--simulate-nodes', '1'] });
  const ns = uniqueName('hooks');
  let hooks: TestWebhookServer;

  beforeAll(async () => {
    hooks = await startWebhookServer();
    hooks.handler = (path, r) => {
      const obj = r.object as { metadata?: { labels?: Record<string, string> } } | null;
      if (path.startsWith('/team')) {
        return obj?.metadata?.labels ? { allowed: true, patch: [{ op: 'add', path: '/metadata/labels/team', value: 'platform' }] } : { allowed: true, patch: [{ op: 'add', path: '/metadata/labels', value: { team: 'platform' } }] };
      }
      if (path.startsWith('/no-latest')) {
        const spec = (r.object as { spec?: { containers?: { image: string }[] } } | null)?.spec;
        if (spec?.containers?.some((c) => c.image.endsWith(':latest'))) return { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'images must not use the latest tag' } };
        return { allowed: true, warnings: ['pods in this namespace are checked by no-latest.lite.dev'] };
      }
      if (path.startsWith('/no-exec')) return { allowed: false, status: { code: 403, reason: 'Forbidden', message: `no ${r.subResource ?? ''} into ${r.name}` } };
      if (path.startsWith('/frozen')) {
        const target = (r.operation === 'DELETE' ? r.oldObject : r.object) as { metadata?: { labels?: Record<string, string> } } | null;
        return target?.metadata?.labels?.frozen === 'true' ? { allowed: false, status: { message: 'this object is frozen' } } : { allowed: true };
      }
      return { allowed: true };
    };
    expect(await ctx.kubectl.ok(['create', 'namespace', ns])).toBe(`namespace/${ns} created\n`);
    const file = join(ctx.tmp, 'webhooks.yaml');
    const url = (path: string) => `https://127.0.0.1:${hooks.port}/${path}`;
    const selector = `{matchLabels: {kubernetes.io/metadata.name: ${ns}}}`;
    writeFileSync(
      file,
      `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: team-labels}
webhooks:
- name: team.lite.dev
  clientConfig: {url: "${url('team')}", caBundle: ${hooks.caBundle}}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  namespaceSelector: ${selector}
  sideEffects: None
  admissionReviewVersions: [v1]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: policies}
webhooks:
- name: no-latest.lite.dev
  clientConfig: {url: "${url('no-latest')}", caBundle: ${hooks.caBundle}}
  rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  namespaceSelector: ${selector}
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: 5
- name: frozen.lite.dev
  clientConfig: {url: "${url('frozen')}", caBundle: ${hooks.caBundle}}
  rules: [{operations: [UPDATE, DELETE], apiGroups: ["", apps], apiVersions: [v1], resources: [configmaps, deployments]}]
  namespaceSelector: ${selector}
  failurePolicy: Ignore
  sideEffects: NoneOnDryRun
  admissionReviewVersions: [v1, v1beta1]
`,
    );
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe('mutatingwebhookconfiguration.admissionregistration.k8s.io/team-labels created\nvalidatingwebhookconfiguration.admissionregistration.k8s.io/policies created\n');
    // The server follows configurations through a watch: wait until a dry run shows the mutation.
    await eventually(
      async () => {
        const r = await ctx.kubectl.run(['run', 'probe', '-n', ns, '--image=busybox:1.36', '--dry-run=server', '-o', 'jsonpath={.metadata.labels.team}']);
        return r.code === 0 && r.stdout === 'platform';
      },
      { what: 'the webhooks to take effect', timeoutMs: 20_000, intervalMs: 200 },
    );
  }, 60_000);

  afterAll(async () => {
    await hooks?.close();
  });

  test('the configurations are listed, described and explained', async () => {
    const out = await ctx.kubectl.ok(['get', 'validatingwebhookconfigurations']);
    expect(out.split('\n')[0].trim().split(/\s+/)).toEqual(['NAME', 'WEBHOOKS', 'AGE']);
    expect(parseTable(out).find((r) => r.NAME === 'policies')?.WEBHOOKS).toBe('2');
    const mutating = JSON.parse(await ctx.kubectl.ok(['get', 'mutatingwebhookconfiguration', 'team-labels', '-o', 'json'])) as { webhooks: Record<string, unknown>[] };
    // Upstream's defaults were filled in.
    expect(mutating.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, reinvocationPolicy: 'Never', objectSelector: {} });
    expect(await ctx.kubectl.ok(['explain', 'validatingwebhookconfiguration.webhooks.failurePolicy'])).toMatch(/FIELD: failurePolicy <string>/);
    const resources = parseTable(await ctx.kubectl.ok(['api-resources', '--api-group=admissionregistration.k8s.io']));
    expect(resources.map((r) => r.NAME).sort()).toEqual(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);
  });

  test('pods are mutated by the webhook, refused in its words, and warned about', async () => {
    const created = await ctx.kubectl.run(['run', 'web', '-n', ns, '--image=busybox:1.36', '--labels=app=web']);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('pod/web created\n');
    expect(created.stderr).toBe('Warning: pods in this namespace are checked by no-latest.lite.dev\n');
    expect(await ctx.kubectl.ok(['get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.metadata.labels}'])).toBe('{"app":"web","team":"platform"}');

    const refused = await ctx.kubectl.fails(['run', 'risky', '-n', ns, '--image=busybox:latest']);
    expect(refused.stderr).toBe('Error from server (Forbidden): admission webhook "no-latest.lite.dev" denied the request: images must not use the latest tag\n');
    expect((await ctx.kubectl.run(['get', 'pod', 'risky', '-n', ns])).code).not.toBe(0);

    // Pods the ReplicaSet controller creates pass the same webhooks.
    await ctx.kubectl.ok(['create', 'deployment', 'api', '-n', ns, '--image=busybox:1.36', '--replicas=2']);
    await ctx.kubectl.ok(['rollout', 'status', 'deployment/api', '-n', ns, '--timeout=60s'], { timeoutMs: 75_000 });
    const teams = await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=api', '-o', 'jsonpath={.items[*].metadata.labels.team}']);
    expect(teams).toBe('platform platform');
    // A Deployment whose pods the webhook refuses: the ReplicaSet reports the refusal as an event.
    await ctx.kubectl.ok(['create', 'deployment', 'bad', '-n', ns, '--image=busybox:latest']);
    const events = await eventually(
      async () => {
        const out = await ctx.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
        return out.includes('denied the request') ? out : undefined;
      },
      { what: 'a FailedCreate event', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(events).toContain('admission webhook "no-latest.lite.dev" denied the request: images must not use the latest tag');
  });

  test('updates and deletes of frozen objects are refused; dry runs reach NoneOnDryRun webhooks', async () => {
    const file = join(ctx.tmp, 'frozen.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, labels: {frozen: "true"}}\ndata: {a: "1"}\n`);
    expect(await ctx.kubectl.ok(['apply', '-n', ns, '-f', file])).toBe('configmap/settings created\n');
    const relabel = await ctx.kubectl.fails(['label', 'configmap', 'settings', '-n', ns, 'owner=me']);
    expect(relabel.stderr).toBe('Error from server: admission webhook "frozen.lite.dev" denied the request: this object is frozen\n');
    const dryDelete = await ctx.kubectl.fails(['delete', 'configmap', 'settings', '-n', ns, '--dry-run=server']);
    expect(dryDelete.stderr).toBe('Error from server: admission webhook "frozen.lite.dev" denied the request: this object is frozen\n');
    const hit = hooks.received.filter((r) => r.path.startsWith('/frozen') && r.request.operation === 'DELETE');
    expect(hit.at(-1)?.request.dryRun).toBe(true);
    expect(await ctx.kubectl.ok(['get', 'configmap', 'settings', '-n', ns, '-o', 'jsonpath={.data.a}'])).toBe('1');
    // This webhook looks at the new object on updates, so removing the label is allowed.
    expect(await ctx.kubectl.ok(['label', 'configmap', 'settings', '-n', ns, 'frozen-'])).toBe('configmap/settings unlabeled\n');
    expect(await ctx.kubectl.ok(['delete', 'configmap', 'settings', '-n', ns])).toBe('configmap "settings" deleted\n');
  });

  test('bad configurations are refused with 422 and a message that says why', async () => {
    const file = join(ctx.tmp, 'bad.yaml');
    writeFileSync(
      file,
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: bad}
webhooks:
- name: short
  clientConfig: {url: "http://127.0.0.1:1/x"}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  sideEffects: Some
  admissionReviewVersions: [v1]
`,
    );
    const r = await ctx.kubectl.fails(['apply', '-f', file]);
    expect(r.stderr).toMatch(/^The ValidatingWebhookConfiguration "bad" is invalid: /);
    expect(r.stderr).toContain('webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots');
    expect(r.stderr).toContain(`webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`);
    expect(r.stderr).toContain('webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"');
    expect((await ctx.kubectl.run(['get', 'validatingwebhookconfiguration', 'bad'])).code).not.toBe(0);
  });

  test('kubectl exec and port-forward are refused by a webhook on CONNECT, in its words', async () => {
    const file = join(ctx.tmp, 'no-exec.yaml');
    writeFileSync(
      file,
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: no-exec}
webhooks:
- name: no-exec.lite.dev
  clientConfig: {url: "https://127.0.0.1:${hooks.port}/no-exec", caBundle: ${hooks.caBundle}}
  rules: [{operations: [CONNECT], apiGroups: [""], apiVersions: [v1], resources: [pods/exec, pods/portforward]}]
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${ns}}}
  sideEffects: None
  admissionReviewVersions: [v1]
`,
    );
    await ctx.kubectl.ok(['apply', '-f', file]);
    const refusal = 'Error from server (Forbidden): admission webhook "no-exec.lite.dev" denied the request: no exec into web\n';
    const exec = await eventually(
      async () => {
        const r = await ctx.kubectl.run(['exec', 'web', '-n', ns, '--', 'id']);
        return r.stderr === refusal ? r : undefined;
      },
      { what: 'kubectl exec to be refused by the webhook', timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(exec.code).toBe(1);
    const sent = hooks.received.filter((r) => r.path.startsWith('/no-exec')).at(-1)?.request;
    expect(sent).toMatchObject({ operation: 'CONNECT', subResource: 'exec', name: 'web', object: { kind: 'PodExecOptions', command: ['id'] } });
    expect(await ctx.kubectl.ok(['delete', 'validatingwebhookconfiguration', 'no-exec'])).toBe('validatingwebhookconfiguration.admissionregistration.k8s.io "no-exec" deleted\n');
  });

  test('removing the configurations stops the calls', async () => {
    expect(await ctx.kubectl.ok(['delete', 'validatingwebhookconfiguration', 'policies'])).toBe('validatingwebhookconfiguration.admissionregistration.k8s.io "policies" deleted\n');
    expect(await ctx.kubectl.ok(['delete', 'mutatingwebhookconfiguration', 'team-labels'])).toBe('mutatingwebhookconfiguration.admissionregistration.k8s.io "team-labels" deleted\n');
    await eventually(
      async () => {
        const r = await ctx.kubectl.run(['run', `latest-${Date.now()}`, '-n', ns, '--image=busybox:latest', '--dry-run=server', '-o', 'jsonpath={.metadata.labels}']);
        return r.code === 0 && !r.stdout.includes('team');
      },
      { what: 'the webhooks to be gone', timeoutMs: 20_000, intervalMs: 200 },
    );
  });
});
