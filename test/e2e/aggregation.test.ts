/**
 * API aggregation (apiregistration.k8s.io/v1 APIServices) with the real bin/lite and kubectl 1.32
 * (`--simulate-nodes 1`, no Docker). The test runs an extension API server in this process
 * (src/aggregator/testing/extension-apiserver.ts, after kubernetes' sample-apiserver: group
 * wardle.example.com, resource flunders) on a non-loopback address of this machine, trusting the
 * request-header CA lite publishes in kube-system/extension-apiserver-authentication; it puts a
 * selector-less Service and a hand-written EndpointSlice in front of it and registers it with an
 * APIService, all with `kubectl apply`. Then it drives the cluster as a user would — api-resources,
 * create/get/label/delete of flunders, --as for RBAC — and checks what kubectl prints and what the
 * extension server received (who lite said the user was; never the user's credentials). Broken
 * backends (no Service, no endpoints, a stopped server) show upstream's Available reasons and
 * kubectl's ServiceUnavailable error; a deleted APIService takes its resources out of discovery.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CREATED_BY_ANNOTATION, hostAddressForBackends, startExtensionApiServer, type ReceivedRequest, type TestExtensionApiServer } from '../../src/aggregator/testing/extension-apiserver.js';
import { parseTable, rowsByName, uniqueName, useCluster } from './support/cluster.js';
import { AdminHttpsClient } from './support/https-client.js';
import { Kubectl, type KubectlProcess } from './support/kubectl.js';
import { eventually } from './support/wait.js';

const APISERVICE = 'v1alpha1.wardle.example.com';
const SERVICE = 'wardle-api';
/** What kubectl prints for a request lite cannot pass to an unavailable APIService's backend. */
const UNAVAILABLE = 'Error from server (ServiceUnavailable): the server is currently unable to handle the request (get flunders.wardle.example.com)';

/**
 * An IPv4 address of this machine that is not loopback: lite dials an EndpointSlice address that
 * belongs to no node directly, and refuses loopback endpoint addresses, as upstream validation does.
 */
describe('API aggregation with kubectl', () => {
  const ctx = useCluster({ args: ['--simulate-nodes', '1'] });
  const ns = uniqueName('wardle');
  let wardle: TestExtensionApiServer;
  /** This host's address the extension server listens on (the EndpointSlice's address). */
  let address = '';
  /** Who lite's kubeconfig authenticates as (kubectl auth whoami). */
  let admin = '';
  let adminGroups: string[] = [];
  let adminExtra: Record<string, string[]> = {};
  const started: KubectlProcess[] = [];

  /** The APIService's row of `kubectl get apiservice` (NAME, SERVICE, AVAILABLE, AGE). */
  async function apiServiceRow(name: string): Promise<Record<string, string>> {
    const row = parseTable(await ctx.kubectl.ok(['get', 'apiservice', name]))[0];
    if (!row) throw new Error(`kubectl get apiservice ${name} printed no row`);
    return row;
  }

  /** Waits (bounded) until the APIService's AVAILABLE column reads `expected`; returns the row. */
  async function waitForAvailable(name: string, expected: string, timeoutMs: number): Promise<Record<string, string>> {
    let last = '';
    try {
      return await eventually(
        async () => {
          const row = await apiServiceRow(name);
          last = row.AVAILABLE;
          return row.AVAILABLE === expected ? row : undefined;
        },
        { what: `APIService ${name} to show AVAILABLE ${expected}`, timeoutMs, intervalMs: 250 },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message} (last AVAILABLE: ${JSON.stringify(last)})`);
    }
  }

  const availableMessage = async (name: string) => ctx.kubectl.ok(['get', 'apiservice', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].message}']);

  /** The EndpointSlice in front of the extension server, its endpoint ready or not. */
  function endpointSliceYaml(ready: boolean): string {
    return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${SERVICE}
  namespace: ${ns}
  labels: {kubernetes.io/service-name: ${SERVICE}}
addressType: IPv4
endpoints: [{addresses: ["${address}"], conditions: {ready: ${ready}}}]
ports: [{name: "", port: ${wardle.port}, protocol: TCP}]
`;
  }

  /** Applies the EndpointSlice; returns kubectl's output. */
  async function applyEndpointSlice(ready: boolean): Promise<string> {
    const file = join(ctx.tmp, `endpointslice-${ready ? 'ready' : 'not-ready'}.yaml`);
    writeFileSync(file, endpointSliceYaml(ready));
    return await ctx.kubectl.ok(['apply', '-f', file]);
  }

  /** Requests the extension server received for flunders in this file's namespace. */
  /** The wardle APIService manifest under `name` (the right name is v1alpha1.wardle.example.com). */
  const apiServiceYaml = (name: string) => `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: ${name}}
spec:
  group: wardle.example.com
  version: v1alpha1
  service: {namespace: ${ns}, name: ${SERVICE}, port: 443}
  caBundle: ${wardle.caBundle}
  groupPriorityMinimum: 1000
  versionPriority: 15
`;
  const flunderRequests = (): ReceivedRequest[] => wardle.requests.filter((r) => r.path.startsWith(`/apis/wardle.example.com/v1alpha1/namespaces/${ns}/flunders`));

  beforeAll(async () => {
    expect(await ctx.kubectl.ok(['create', 'namespace', ns])).toBe(`namespace/${ns} created\n`);
    // lite publishes the request-header CA at start-up, as kube-apiserver does; give it a moment.
    const caPem = await eventually(
      async () => {
        const r = await ctx.kubectl.run(['get', 'configmap', 'extension-apiserver-authentication', '-n', 'kube-system', '-o', 'jsonpath={.data.requestheader-client-ca-file}']);
        return r.code === 0 && r.stdout.includes('BEGIN CERTIFICATE') ? r.stdout : undefined;
      },
      { what: 'the request-header CA in kube-system/extension-apiserver-authentication', timeoutMs: 15_000, intervalMs: 200 },
    );
    address = hostAddressForBackends();
    wardle = await startExtensionApiServer({ requestHeaderCaPem: caPem, host: address, serverNames: [`${SERVICE}.${ns}.svc`] });

    const review = JSON.parse(await ctx.kubectl.ok(['auth', 'whoami', '-o', 'json'])) as { status: { userInfo: { username: string; groups?: string[]; extra?: Record<string, string[]> } } };
    admin = review.status.userInfo.username;
    adminGroups = review.status.userInfo.groups ?? [];
    adminExtra = review.status.userInfo.extra ?? {};

    const service = `apiVersion: v1
kind: Service
metadata: {name: ${SERVICE}, namespace: ${ns}}
spec:
  ports: [{port: 443, protocol: TCP, targetPort: ${wardle.port}}]
`;
    const apiService = apiServiceYaml(APISERVICE);
    const file = join(ctx.tmp, 'wardle.yaml');
    writeFileSync(file, [service, endpointSliceYaml(true), apiService].join('---\n'));
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe(
      `service/${SERVICE} created\nendpointslice.discovery.k8s.io/${SERVICE} created\napiservice.apiregistration.k8s.io/${APISERVICE} created\n`,
    );
  }, 60_000);

  afterAll(async () => {
    for (const p of started) await p.stop();
    await wardle?.close();
  });

  test('the built-in group versions are Local APIServices', async () => {
    // Registered before "lite server ready", as kube-apiserver holds /readyz back until its
    // autoregister controller is done. The aggregator's own group has none, as upstream (its
    // autoregistration lists only the delegate servers' group versions).
    const local = ['v1.', 'v1.apps', 'v1.rbac.authorization.k8s.io', 'v2.autoscaling', 'v1.autoscaling', 'v1beta1.metrics.k8s.io'];
    const out = await ctx.kubectl.ok(['get', 'apiservices']);
    expect(rowsByName(out).has('v1.apiregistration.k8s.io')).toBe(false);
    expect(out.split('\n')[0].trim().split(/\s+/)).toEqual(['NAME', 'SERVICE', 'AVAILABLE', 'AGE']);
    const rows = rowsByName(out);
    for (const name of local) {
      expect({ name, ...rows.get(name) }).toMatchObject({ name, SERVICE: 'Local', AVAILABLE: 'True', AGE: expect.stringMatching(/^\d+[smhd]/) });
    }
    const apps = JSON.parse(await ctx.kubectl.ok(['get', 'apiservice', 'v1.apps', '-o', 'json'])) as Record<string, unknown>;
    expect(apps).toMatchObject({
      metadata: { name: 'v1.apps', labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
      spec: { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 },
      status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' }] },
    });
  });

  test('the request-header CA and headers are published as upstream does', async () => {
    const cm = JSON.parse(await ctx.kubectl.ok(['get', 'configmap', 'extension-apiserver-authentication', '-n', 'kube-system', '-o', 'json'])) as { data: Record<string, string> };
    expect(cm.data).toMatchObject({
      'requestheader-allowed-names': '["system:auth-proxy"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    });
    expect(cm.data['requestheader-client-ca-file']).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(cm.data['client-ca-file']).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  test('an APIService whose name is not <version>.<group> is refused with 422', async () => {
    const file = join(ctx.tmp, 'wrong-name.yaml');
    writeFileSync(
      file,
      apiServiceYaml('wrong.name'),
    );
    const r = await ctx.kubectl.fails(['apply', '-f', file]);
    expect(r.stderr).toContain('is invalid');
    expect(r.stderr).toContain('metadata.name');
    expect((await ctx.kubectl.run(['get', 'apiservice', 'wrong.name'])).code).not.toBe(0);
  });

  test('the APIService becomes Available and kubectl discovers its resources', async () => {
    const row = await waitForAvailable(APISERVICE, 'True', 30_000);
    expect(row).toMatchObject({ NAME: APISERVICE, SERVICE: `${ns}/${SERVICE}` });
    const apiService = JSON.parse(await ctx.kubectl.ok(['get', 'apiservice', APISERVICE, '-o', 'json'])) as Record<string, unknown>;
    expect(apiService).toMatchObject({ status: { conditions: [{ type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }] } });
    // The check reached the extension server with lite's front-proxy certificate.
    expect(wardle.requests.some((r) => r.path === '/apis/wardle.example.com/v1alpha1' && r.status === 200)).toBe(true);

    // Discovery follows the APIService (api-resources always rereads it, bypassing kubectl's cache).
    const resources = await eventually(
      async () => {
        const rows = parseTable(await ctx.kubectl.ok(['api-resources', '--api-group=wardle.example.com']));
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'wardle.example.com in discovery', timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(resources).toEqual([{ NAME: 'flunders', SHORTNAMES: '', APIVERSION: 'wardle.example.com/v1alpha1', NAMESPACED: 'true', KIND: 'Flunder' }]);
    expect((await ctx.kubectl.ok(['api-versions'])).split('\n')).toContain('wardle.example.com/v1alpha1');
  });

  test('flunders are created, listed, watched, labelled and deleted through lite, as the authenticated user', async () => {
    const watch = ctx.kubectl.start(['get', 'flunders', '-n', ns, '--watch-only', '-o', 'name']);
    started.push(watch);
    try {
      await flunderLifecycle(watch);
    } finally {
      await watch.stop();
    }
  });

  async function flunderLifecycle(watch: KubectlProcess): Promise<void> {
    const file = join(ctx.tmp, 'flunder.yaml');
    writeFileSync(file, `apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata: {name: my-flunder}\nspec: {reference: nothing}\n`);
    // kubectl lists, then watches from the list's resourceVersion: create only once its watch
    // reached the backend, or a slow kubectl start would list the new flunder and never see it added.
    await eventually(() => (flunderRequests().some((r) => r.method === 'GET' && /(^|&)watch=(1|true)(&|$)/.test(r.query)) ? true : undefined), {
      what: "kubectl's watch to reach the extension server",
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect(await ctx.kubectl.ok(['create', '-f', file, '-n', ns])).toBe('flunder.wardle.example.com/my-flunder created\n');

    const table = await ctx.kubectl.ok(['get', 'flunders', '-n', ns]);
    expect(table.split('\n')[0].trim().split(/\s+/)).toEqual(['NAME', 'AGE']);
    expect(parseTable(table)).toEqual([{ NAME: 'my-flunder', AGE: expect.stringMatching(/^\d+s$/) }]);

    const obj = JSON.parse(await ctx.kubectl.ok(['get', 'flunder', 'my-flunder', '-n', ns, '-o', 'json'])) as { metadata: { annotations?: Record<string, string>; uid?: string } };
    expect(obj).toMatchObject({ apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', spec: { reference: 'nothing' } });
    expect(obj.metadata.annotations?.[CREATED_BY_ANNOTATION]).toBe(admin);
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

    // The watch went through lite's proxy as a stream.
    await watch.waitForLine(/^flunder\.wardle\.example\.com\/my-flunder$/, 15_000);

    // The backend's own errors reach kubectl as they are.
    const again = await ctx.kubectl.fails(['create', '-f', file, '-n', ns]);
    expect(again.stderr).toBe(`Error from server (AlreadyExists): error when creating "${file}": flunders.wardle.example.com "my-flunder" already exists\n`);
    expect((await ctx.kubectl.fails(['get', 'flunder', 'nope', '-n', ns])).stderr).toBe('Error from server (NotFound): flunders.wardle.example.com "nope" not found\n');

    expect(await ctx.kubectl.ok(['label', 'flunder', 'my-flunder', '-n', ns, 'tier=gold'])).toBe('flunder.wardle.example.com/my-flunder labeled\n');
    expect(await ctx.kubectl.ok(['get', 'flunder', 'my-flunder', '-n', ns, '-o', 'jsonpath={.metadata.labels.tier}'])).toBe('gold');
    expect(await ctx.kubectl.ok(['delete', 'flunder', 'my-flunder', '-n', ns])).toBe('flunder.wardle.example.com "my-flunder" deleted\n');
    expect((await ctx.kubectl.fails(['get', 'flunder', 'my-flunder', '-n', ns])).stderr).toBe('Error from server (NotFound): flunders.wardle.example.com "my-flunder" not found\n');

    // lite said who the user was, with its front-proxy certificate, and kept the user's credentials to itself.
    const seen = flunderRequests();
    expect(seen.map((r) => r.method)).toEqual(expect.arrayContaining(['POST', 'GET', 'PATCH', 'DELETE']));
    for (const r of seen) {
      expect({ method: r.method, path: r.path, user: r.user, groups: [...r.groups].sort(), cn: r.clientCommonName }).toEqual({
        method: r.method,
        path: r.path,
        user: admin,
        groups: [...adminGroups].sort(),
        cn: 'system:auth-proxy',
      });
    }
    expect(wardle.requests.filter((r) => r.authorization)).toEqual([]);
    expect(wardle.requests.filter((r) => r.status === 401)).toEqual([]);
  }

  test('kubectl apply, explain and describe work on the extension kind, without warnings', async () => {
    const file = join(ctx.tmp, 'flunder-applied.yaml');
    const manifest = (reference: string) => `apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata: {name: applied, namespace: ${ns}}\nspec: {reference: ${reference}}\n`;
    writeFileSync(file, manifest('one'));
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe('flunder.wardle.example.com/applied created\n');
    writeFileSync(file, manifest('two'));
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe('flunder.wardle.example.com/applied configured\n');
    expect(await ctx.kubectl.ok(['get', 'flunder', 'applied', '-n', ns, '-o', 'jsonpath={.spec.reference}'])).toBe('two');
    // The backend's OpenAPI v3 document comes through lite's /openapi/v3.
    const explain = await ctx.kubectl.ok(['explain', 'flunders.spec']);
    expect(explain).toMatch(/^GROUP:\s+wardle\.example\.com\nKIND:\s+Flunder\nVERSION:\s+v1alpha1\n/);
    expect(explain).toContain('The name of another Flunder or Fischer.');
    const describe = await ctx.kubectl.ok(['describe', 'flunder', 'applied', '-n', ns]);
    expect(describe).toMatch(/^Name:\s+applied\nNamespace:\s+\S+\n/);
    expect(describe).toMatch(/Spec:\n\s+Reference:\s+two\n/);
    expect(await ctx.kubectl.ok(['delete', '-f', file])).toBe('flunder.wardle.example.com "applied" deleted\n');
  });

  test('identity headers a client sends are replaced by the user lite authenticated', async () => {
    const http = new AdminHttpsClient(ctx.server.credentials());
    const before = wardle.requests.length;
    try {
      const r = await http.send({
        path: `/apis/wardle.example.com/v1alpha1/namespaces/${ns}/flunders`,
        headers: { 'X-Remote-User': 'mallory', 'X-Remote-Group': 'system:masters', 'X-Remote-Extra-Spoofed': 'yes' },
      });
      expect(r.status).toBe(200);
    } finally {
      http.close();
    }
    const got = wardle.requests.slice(before).filter((x) => x.path.endsWith('/flunders'));
    expect(got.map((x) => ({ user: x.user, groups: [...x.groups].sort(), extra: x.extra }))).toEqual([{ user: admin, groups: [...adminGroups].sort(), extra: adminExtra }]);
  });

  test('RBAC is decided by lite before anything is proxied', async () => {
    const denied = await ctx.kubectl.fails(['get', 'flunders', '-n', ns, '--as=jane']);
    expect(denied.stderr).toBe(
      `Error from server (Forbidden): flunders.wardle.example.com is forbidden: User "jane" cannot list resource "flunders" in API group "wardle.example.com" in the namespace "${ns}"\n`,
    );
    expect(flunderRequests().filter((r) => r.user === 'jane')).toEqual([]);

    // Granted list (not delete), jane reads flunders; the backend sees her, not the admin.
    expect(await ctx.kubectl.ok(['create', 'role', 'flunder-reader', '--verb=get,list,watch', '--resource=flunders.wardle.example.com', '-n', ns])).toBe(
      'role.rbac.authorization.k8s.io/flunder-reader created\n',
    );
    expect(await ctx.kubectl.ok(['create', 'rolebinding', 'jane-reads', '--role=flunder-reader', '--user=jane', '-n', ns])).toBe('rolebinding.rbac.authorization.k8s.io/jane-reads created\n');
    const file = join(ctx.tmp, 'seen.yaml');
    writeFileSync(file, `apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata: {name: seen-by-jane}\n`);
    await ctx.kubectl.ok(['create', '-f', file, '-n', ns]);
    const listed = await eventually(
      async () => {
        const r = await ctx.kubectl.run(['get', 'flunders', '-n', ns, '--as=jane', '-o', 'name']);
        return r.code === 0 ? r.stdout : undefined;
      },
      { what: 'jane to be allowed to list flunders', timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(listed).toBe('flunder.wardle.example.com/seen-by-jane\n');
    const janes = flunderRequests().filter((r) => r.user === 'jane');
    expect(janes.map((r) => r.method)).toEqual(['GET']);
    expect(janes[0].groups).toContain('system:authenticated');
    expect(janes[0].authorization).toBe(false);

    const refused = await ctx.kubectl.fails(['delete', 'flunder', 'seen-by-jane', '-n', ns, '--as=jane']);
    expect(refused.stderr).toBe(
      `Error from server (Forbidden): flunders.wardle.example.com "seen-by-jane" is forbidden: User "jane" cannot delete resource "flunders" in API group "wardle.example.com" in the namespace "${ns}"\n`,
    );
    expect(wardle.requests.filter((r) => r.user === 'jane' && r.method === 'DELETE')).toEqual([]);
  });

  test('an APIService whose Service does not exist is not available: ServiceNotFound', async () => {
    const name = 'v1beta1.missing.example.com';
    const file = join(ctx.tmp, 'missing.yaml');
    writeFileSync(
      file,
      `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: ${name}}
spec:
  group: missing.example.com
  version: v1beta1
  service: {namespace: ${ns}, name: nowhere, port: 443}
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 1000
  versionPriority: 15
`,
    );
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe(`apiservice.apiregistration.k8s.io/${name} created\n`);
    try {
      // kubectl's discovery cache is warm, so these commands do not trip over the broken group.
      const row = await waitForAvailable(name, 'False (ServiceNotFound)', 20_000);
      expect(row.SERVICE).toBe(`${ns}/nowhere`);
      expect(await availableMessage(name)).toBe(`service/nowhere in "${ns}" is not present`);
    } finally {
      // An unavailable group would make later discovery (api-resources, cold caches) report it.
      await ctx.kubectl.run(['delete', 'apiservice', name]);
    }
  });

  /** `kubectl get flunders` while the APIService is unavailable: kubectl's 503 error, promptly, and nothing reaches the backend. */
  async function expectUnavailable(): Promise<void> {
    const before = flunderRequests().length;
    const r = await ctx.kubectl.run(['get', 'flunders', '-n', ns], { timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(UNAVAILABLE);
    expect(flunderRequests().length).toBe(before);
  }

  test('without ready endpoints the APIService is MissingEndpoints, without any EndpointsNotFound; requests get 503; it recovers', async () => {
    // Upstream (1.32 reads Endpoints): an Endpoints object without ready addresses for the port
    // is MissingEndpoints; no Endpoints object at all is EndpointsNotFound. lite reads
    // EndpointSlices: a slice whose endpoint is not ready, and no slice.
    expect(await applyEndpointSlice(false)).toBe(`endpointslice.discovery.k8s.io/${SERVICE} configured\n`);
    await waitForAvailable(APISERVICE, 'False (MissingEndpoints)', 20_000);
    expect(await availableMessage(APISERVICE)).toBe(`endpoints for service/${SERVICE} in "${ns}" have no addresses with port name ""`);
    await expectUnavailable();

    expect(await ctx.kubectl.ok(['delete', 'endpointslice', SERVICE, '-n', ns])).toBe(`endpointslice.discovery.k8s.io "${SERVICE}" deleted\n`);
    await waitForAvailable(APISERVICE, 'False (EndpointsNotFound)', 20_000);
    expect(await availableMessage(APISERVICE)).toBe(`cannot find endpoints for service/${SERVICE} in "${ns}"`);
    await expectUnavailable();

    expect(await applyEndpointSlice(true)).toBe(`endpointslice.discovery.k8s.io/${SERVICE} created\n`);
    await waitForAvailable(APISERVICE, 'True', 30_000);
    expect(await ctx.kubectl.ok(['get', 'flunders', '-n', ns, '-o', 'name'])).toBe('flunder.wardle.example.com/seen-by-jane\n');
  });

  test('a stopped extension server fails the discovery check: FailedDiscoveryCheck, and requests get 503', async () => {
    await wardle.close();
    // Endpoints remain, so only the periodic re-check notices (upstream re-checks about every 30 s).
    await waitForAvailable(APISERVICE, 'False (FailedDiscoveryCheck)', 60_000);
    const message = await availableMessage(APISERVICE);
    expect(message).toMatch(/^failing or missing response from https:\/\//);
    expect(message).toContain('/apis/wardle.example.com/v1alpha1');
    await expectUnavailable();
  }, 120_000);

  test('deleting the APIService takes its resources out of discovery', async () => {
    expect(await ctx.kubectl.ok(['delete', 'apiservice', APISERVICE])).toBe(`apiservice.apiregistration.k8s.io "${APISERVICE}" deleted\n`);
    expect(rowsByName(await ctx.kubectl.ok(['get', 'apiservices'])).has(APISERVICE)).toBe(false);
    // A kubectl with a cold discovery cache each time: a warm one would still map "flunders" (its
    // cache lives for hours) and ask the server, which is not what this checks.
    const cold = () => new Kubectl({ kubeconfig: ctx.server.kubeconfigPath, cacheDir: join(ctx.tmp, uniqueName('cold-cache')) });
    const expected = `error: the server doesn't have a resource type "flunders"\n`;
    let last = '';
    const r = await eventually(
      async () => {
        const res = await cold().run(['get', 'flunders', '-n', ns]);
        last = res.stderr;
        return res.stderr === expected ? res : undefined;
      },
      { what: 'flunders to leave discovery', timeoutMs: 15_000, intervalMs: 250 },
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message} (last stderr: ${JSON.stringify(last)})`);
    });
    expect(r.code).toBe(1);
  });
});
