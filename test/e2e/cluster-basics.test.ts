/**
 * What a new user types first against a fresh `lite server` (acceptance items 1 and 6): version,
 * discovery, cluster-info, the four system namespaces, and that the API refuses strangers and
 * plain HTTP.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseTable, scratchDir, useCluster } from './support/cluster.js';
import { KUBECTL_DISPATCHER, describeResult, runProgram } from './support/kubectl.js';

const ctx = useCluster();

describe('version and discovery', () => {
  test('kubectl version reports a v1.32 server', async () => {
    const out = await ctx.kubectl.ok(['version']);
    expect(out).toMatch(/^Client Version: v1\.32\.\d+/m);
    expect(out).toMatch(/^Server Version: v1\.32\.\d+/m);

    const json = JSON.parse(await ctx.kubectl.ok(['version', '-o', 'json'])) as { serverVersion: Record<string, string> };
    expect(json.serverVersion.major).toBe('1');
    expect(json.serverVersion.minor).toBe('32');
    expect(json.serverVersion.gitVersion).toMatch(/^v1\.32\.\d+/);
    expect(json.serverVersion.platform).toMatch(/^linux\//);
  });

  test('the kubectl dispatcher on PATH picks kubectl 1.32 for this server', async () => {
    // The dispatcher asks the server's /version and runs the kubectl of that minor version, so a
    // server reporting anything but 1.32 would silently be driven by another kubectl.
    const which = await runProgram('sh', ['-c', `command -v ${KUBECTL_DISPATCHER}`]);
    expect(which.code, `no kubectl on PATH (${process.env.PATH}); the e2e tests need the Google Cloud SDK kubectl dispatcher`).toBe(0);
    const r = await runProgram(KUBECTL_DISPATCHER, ['--kubeconfig', ctx.server.kubeconfigPath, '--cache-dir', join(ctx.tmp, 'dispatcher-cache'), 'version', '-o', 'json']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr, describeResult(r)).toBe('');
    const v = JSON.parse(r.stdout) as { clientVersion: Record<string, string>; serverVersion: Record<string, string> };
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.32\./);
    expect(v.clientVersion.major).toBe('1');
    expect(v.clientVersion.minor).toMatch(/^32\+?$/);

    const plain = await runProgram(KUBECTL_DISPATCHER, ['--kubeconfig', ctx.server.kubeconfigPath, '--cache-dir', join(ctx.tmp, 'dispatcher-cache'), 'version']);
    expect(plain.code, describeResult(plain)).toBe(0);
    expect(plain.stderr, describeResult(plain)).toBe('');
    expect(plain.stdout).toMatch(/^Server Version: v1\.32\./m);
  });

  test('kubectl api-resources lists the built-in kinds with short names, groups and scope', async () => {
    const out = await ctx.kubectl.ok(['api-resources']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
    // Names repeat across groups (pods and nodes are also metrics.k8s.io resources): key by both.
    const rows = new Map(parseTable(out).map((r) => [`${r.NAME}/${r.APIVERSION}`, r]));
    const expected: [string, string, string, string, string][] = [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
      ['secrets', '', 'v1', 'true', 'Secret'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
      ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
      ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
      ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
      ['jobs', '', 'batch/v1', 'true', 'Job'],
      ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
      ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
      ['roles', '', 'rbac.authorization.k8s.io/v1', 'true', 'Role'],
      ['clusterroles', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
      ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
      ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
      ['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget'],
      ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
      ['selfsubjectaccessreviews', '', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview'],
      ['nodes', '', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'],
      ['pods', '', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics'],
    ];
    for (const [name, short, version, namespaced, kind] of expected) {
      expect(rows.get(`${name}/${version}`), `api-resources row for ${name}\n${out}`).toEqual({ NAME: name, SHORTNAMES: short, APIVERSION: version, NAMESPACED: namespaced, KIND: kind });
    }
    // Subresources are not resources of their own.
    expect(out).not.toMatch(/^pods\/status\b/m);

    const apps = parseTable(await ctx.kubectl.ok(['api-resources', '--api-group=apps', '-o', 'wide']));
    expect(apps.map((r) => r.NAME).sort()).toEqual(['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']);
    const deploy = apps.find((r) => r.NAME === 'deployments');
    expect(deploy?.VERBS).toBe('create,delete,deletecollection,get,list,patch,update,watch');

    const clusterScoped = (await ctx.kubectl.ok(['api-resources', '--namespaced=false', '-o', 'name'])).split('\n');
    expect(clusterScoped).toContain('namespaces');
    expect(clusterScoped).toContain('customresourcedefinitions.apiextensions.k8s.io');
    expect(clusterScoped).not.toContain('pods');
  });

  test('kubectl api-versions lists every served group version', async () => {
    const versions = (await ctx.kubectl.ok(['api-versions'])).trim().split('\n');
    for (const gv of [
      'v1',
      'apps/v1',
      'batch/v1',
      'autoscaling/v1',
      'autoscaling/v2',
      'apiextensions.k8s.io/v1',
      'authentication.k8s.io/v1',
      'authorization.k8s.io/v1',
      'coordination.k8s.io/v1',
      'discovery.k8s.io/v1',
      'events.k8s.io/v1',
      'networking.k8s.io/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'storage.k8s.io/v1',
    ]) {
      expect(versions, `api-versions should list ${gv}`).toContain(gv);
    }
    expect([...versions].sort()).toEqual(versions);
  });

  test('kubectl cluster-info names the control plane URL from the kubeconfig', async () => {
    const out = await ctx.kubectl.ok(['cluster-info']);
    expect(out).toContain(`Kubernetes control plane is running at ${ctx.server.url}\n`);
    expect(ctx.server.url).toBe(`https://127.0.0.1:${ctx.server.port}`);
    expect(out).toContain("To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.");
  });

  test('kubectl get ns shows the four system namespaces, Active', async () => {
    const rows = parseTable(await ctx.kubectl.ok(['get', 'ns']));
    const names = rows.map((r) => r.NAME);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(names).toContain(ns);
    for (const r of rows) {
      expect(r.STATUS).toBe('Active');
      expect(r.AGE).toMatch(/^\d+[smhd]/);
    }
    expect(Object.keys(rows[0])).toEqual(['NAME', 'STATUS', 'AGE']);
  });

  test('the default namespace holds the kubernetes Service', async () => {
    const svc = JSON.parse(await ctx.kubectl.ok(['get', 'service', 'kubernetes', '-n', 'default', '-o', 'json'])) as { spec: { clusterIP: string; ports: { port: number }[] } };
    expect(svc.spec.clusterIP).toBe('10.43.0.1');
    expect(svc.spec.ports[0].port).toBe(443);
  });

  test('health endpoints answer ok', async () => {
    expect(await ctx.kubectl.ok(['get', '--raw', '/readyz'])).toBe('ok');
    expect(await ctx.kubectl.ok(['get', '--raw', '/livez'])).toBe('ok');
    expect(await ctx.kubectl.ok(['get', '--raw', '/readyz?verbose'])).toMatch(/readyz check passed/);
  });
});

describe('authentication and transport', () => {
  test('a wrong bearer token is refused: kubectl --token=wrong get ns', async () => {
    // As a user would: the discovery cache is warm from an earlier command.
    await ctx.kubectl.ok(['get', 'ns']);
    const r = await ctx.kubectl.fails(['--token=wrong', 'get', 'ns']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
  });

  test('a kubeconfig with only a token: wrong token → Unauthorized, the admin token → works', async () => {
    const dir = scratchDir(ctx, 'token-kubeconfig');
    const creds = ctx.server.credentials();
    const kubeconfig = join(dir, 'token.yaml');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: lite',
        '  cluster:',
        `    server: ${creds.server}`,
        `    certificate-authority-data: ${Buffer.from(creds.ca).toString('base64')}`,
        'users:',
        '- name: token-user',
        '  user: {}',
        'contexts:',
        '- name: lite',
        '  context: {cluster: lite, user: token-user}',
        'current-context: lite',
        '',
      ].join('\n'),
    );
    const base = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];

    // Cold discovery cache: kubectl's discovery fails first, with client-go's generic 401 text
    // (what kubectl prints against any cluster).
    const cold = await runProgram(ctx.kubectl.binary, [...base, '--token=wrong', 'get', 'ns']);
    expect(cold.code, describeResult(cold)).toBe(1);
    expect(cold.stdout).toBe('');
    expect(cold.stderr).toMatch(/\nerror: You must be logged in to the server \(the server has asked for the client to provide credentials\)\n$/);

    const token = readFileSync(join(ctx.server.dataDir, 'server', 'tls', 'admin.token'), 'utf8').trim();
    const good = await runProgram(ctx.kubectl.binary, [...base, `--token=${token}`, 'get', 'ns', '-o', 'name']);
    expect(good.code, describeResult(good)).toBe(0);
    expect(good.stderr).toBe('');
    expect(good.stdout).toContain('namespace/kube-system\n');
    const whoami = await runProgram(ctx.kubectl.binary, [...base, `--token=${token}`, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(whoami.code, describeResult(whoami)).toBe(0);
    expect(whoami.stdout).toBe('system:admin');

    // Warm cache: the request itself is refused and kubectl prints the Status message.
    const wrong = await runProgram(ctx.kubectl.binary, [...base, '--token=wrong', 'get', 'ns']);
    expect(wrong.code, describeResult(wrong)).toBe(1);
    expect(wrong.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
  });

  test('the HTTPS port speaks only TLS: a plain http:// request gets no API answer', async () => {
    const outcome = await new Promise<{ error?: string; status?: number; body?: string }>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: ctx.server.port, path: '/api/v1/namespaces', method: 'GET', timeout: 5_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', (e) => resolve({ error: e.message }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve({ error: e.message }));
      req.end();
    });
    // Either the connection is dropped, or (like Go's server) a 400 that says to use HTTPS —
    // never a hang and never API data.
    expect(outcome.error ?? '', JSON.stringify(outcome)).not.toBe('timeout');
    if (outcome.error === undefined) {
      expect(outcome.status).toBe(400);
      expect(outcome.body ?? '').not.toContain('NamespaceList');
    }

  });

  test('kubectl pointed at http:// on the HTTPS port fails promptly', async () => {
    // Go's TLS server answers a plaintext request with "HTTP/1.0 400 Bad Request … Client sent an
    // HTTP request to an HTTPS server." and kubectl fails at once. A server that just drops the
    // connection makes client-go retry each typed GET ten times, a second apart (EOF counts as
    // retryable): `get ns` then takes 10 s with a warm discovery cache, about 50 s with a cold one.
    await ctx.kubectl.ok(['get', 'ns']); // warm the discovery cache
    const started = Date.now();
    const r = await ctx.kubectl.fails(['--server', `http://127.0.0.1:${ctx.server.port}`, 'get', 'ns'], { timeoutMs: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toBe('');
    expect(seconds, `kubectl needed ${seconds.toFixed(1)} s to fail\n${describeResult(r)}`).toBeLessThan(5);
  });

  test('the serving certificate is valid for 127.0.0.1 (kubectl verifies it against the kubeconfig CA)', async () => {
    // No --insecure-skip-tls-verify anywhere: success here means the CA and SANs are right.
    expect((JSON.parse(await ctx.kubectl.ok(['get', '--raw', '/version'])) as { minor: string }).minor).toBe('32');
  });
});
