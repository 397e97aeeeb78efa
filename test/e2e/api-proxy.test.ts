/**
 * The proxy subresources with the real bin/lite (server + embedded Docker agent) and kubectl
 * 1.32: a busybox httpd pod behind a Service, reached through the API server
 *  - by `kubectl get --raw …/services/web:8080/proxy/index.html` and pods/proxy;
 *  - through `kubectl proxy` with curl (the trailing-slash redirect, a POST);
 *  - a Service without endpoints answers 503 "no endpoints available";
 *  - `kubectl cluster-info` prints the CoreDNS URL, which answers (not 404): the DNS port speaks
 *    no HTTP, so as upstream it is 503 "error trying to reach service: EOF";
 *  - nodes/proxy reaches the node's kubelet API (healthz, pods, stats/summary);
 *  - a pod on a joined `lite agent` node is reached through that agent's tunnel (its kubelet
 *    dials the pod IP: CONNECT /dial), by pods/proxy, services/proxy and nodes/proxy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { uniqueName, useCluster } from './support/cluster.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { runProgram, type KubectlProcess } from './support/kubectl.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true, readyTimeoutMs: 40_000 });
const ns = uniqueName('proxy');
let proxy: KubectlProcess | undefined;
let proxyPort = '';

function manifest(): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: ${TEST_IMAGES.busybox}
    imagePullPolicy: Never
    command: ["sh", "-c", "mkdir -p /www/sub && echo 'hello from web' > /www/index.html && echo 'sub page' > /www/sub/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  selector: {app: nothing-matches}
  ports: [{port: 80, targetPort: 8080}]
`;
}

const svcPath = (id: string, rest = '') => `/api/v1/namespaces/${ns}/services/${id}/proxy${rest}`;
const podPath = (id: string, rest = '') => `/api/v1/namespaces/${ns}/pods/${id}/proxy${rest}`;

async function curl(args: readonly string[]) {
  return runProgram('curl', ['-sS', '--max-time', '30', ...args], { timeoutMs: 40_000 });
}

beforeAll(async () => {
  await ensureE2eImages();
  await ctx.kubectl.ok(['create', 'namespace', ns]);
  const file = join(ctx.tmp, 'proxy.yaml');
  writeFileSync(file, manifest());
  await ctx.kubectl.ok(['-n', ns, 'apply', '-f', file]);
  await ctx.kubectl.ok(['-n', ns, 'wait', '--for=condition=Ready', 'pod/web', '--timeout=90s'], { timeoutMs: 100_000 });
  // The Service's EndpointSlice follows the pod's readiness.
  for (let i = 0; i < 100; i++) {
    const r = await ctx.kubectl.run(['get', '--raw', svcPath('web:8080', '/index.html')]);
    if (r.code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 150_000);

afterAll(async () => {
  await proxy?.stop();
  await ctx.kubectl?.run(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
});

describe('services/proxy and pods/proxy with kubectl get --raw', () => {
  test('a Service port (by number and by name) and a pod port answer with the pod page', async () => {
    expect(await ctx.kubectl.ok(['get', '--raw', svcPath('web:8080', '/index.html')])).toBe('hello from web\n');
    expect(await ctx.kubectl.ok(['get', '--raw', svcPath('web:http', '/sub/')])).toBe('sub page\n');
    expect(await ctx.kubectl.ok(['get', '--raw', podPath('web:8080', '/index.html')])).toBe('hello from web\n');
    // No port: the first declared container port.
    expect(await ctx.kubectl.ok(['get', '--raw', podPath('web', '/index.html')])).toBe('hello from web\n');
  });

  test('a Service without endpoints answers 503 ServiceUnavailable, a missing one 404', async () => {
    const empty = await ctx.kubectl.fails(['get', '--raw', svcPath('empty:80', '/')]);
    expect(empty.stderr).toBe('Error from server (ServiceUnavailable): no endpoints available for service "empty"\n');
    const missing = await ctx.kubectl.fails(['get', '--raw', svcPath('nosuch:80', '/')]);
    expect(missing.stderr).toBe('Error from server (NotFound): services "nosuch" not found\n');
  });

  test('a closed pod port answers 503 with the dial error, quickly', async () => {
    const started = Date.now();
    const r = await ctx.kubectl.fails(['get', '--raw', podPath('web:9999', '/')]);
    expect(r.stderr).toMatch(/^Error from server \(ServiceUnavailable\): error trying to reach service: dial tcp 10\.42\.\d+\.\d+:9999: connect: connection refused\n$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('kubectl proxy', () => {
  test('curl reaches the Service and the pod through kubectl proxy; .../proxy redirects to .../proxy/', async () => {
    proxy = ctx.kubectl.start(['proxy', '--port', '0']);
    const line = await proxy.waitForLine(/^Starting to serve on 127\.0\.0\.1:\d+$/, 15_000);
    proxyPort = /:(\d+)$/.exec(line)?.[1] ?? '';
    const base = `http://127.0.0.1:${proxyPort}`;
    const page = await curl([`${base}${svcPath('web:8080', '/index.html')}`]);
    expect(page.stderr).toBe('');
    expect(page.stdout).toBe('hello from web\n');
    const viaPod = await curl([`${base}${podPath('web:8080', '/sub/index.html')}`]);
    expect(viaPod.stdout).toBe('sub page\n');
    const redirect = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${base}${svcPath('web:8080')}`]);
    expect(redirect.stdout).toBe(`301 ${base}${svcPath('web:8080', '/')}`);
    const followed = await curl(['-L', `${base}${svcPath('web:8080')}`]);
    expect(followed.stdout).toBe('hello from web\n');
    // busybox httpd answers a POST to a static file with 501 Not Implemented: the method went through.
    const post = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '--data', 'x=1', `${base}${svcPath('web:8080', '/index.html')}`]);
    expect(post.stdout).toMatch(/^[45]\d\d$/);
    const noEndpoints = await curl(['-w', '\n%{http_code}', `${base}${svcPath('empty:80', '/')}`]);
    expect(noEndpoints.stdout).toMatch(/"message": ?"no endpoints available for service \\"empty\\""/);
    expect(noEndpoints.stdout.trim().endsWith('503')).toBe(true);
  });
});

describe('kubectl cluster-info', () => {
  test('the CoreDNS URL it prints answers, as upstream: 503 (the DNS port speaks no HTTP), not 404', async () => {
    const out = await ctx.kubectl.ok(['cluster-info']);
    const url = /CoreDNS\S* is running at \S*(https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/kube-system\/services\/kube-dns:dns\/proxy)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''))?.[1];
    expect(url, out).toBeDefined();
    const path = new URL(url ?? '').pathname;
    const started = Date.now();
    const r = await ctx.kubectl.fails(['get', '--raw', path], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('Error from server (ServiceUnavailable): error trying to reach service: EOF\n');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe('nodes/proxy', () => {
  test("reaches the node's kubelet: healthz, pods, stats/summary", async () => {
    const node = ctx.server.nodeName ?? '';
    expect(await ctx.kubectl.ok(['get', '--raw', `/api/v1/nodes/${node}/proxy/healthz`])).toBe('ok');
    const pods = JSON.parse(await ctx.kubectl.ok(['get', '--raw', `/api/v1/nodes/${node}/proxy/pods`])) as { kind: string; items: { metadata: { name: string; namespace: string } }[] };
    expect(pods.kind).toBe('PodList');
    expect(pods.items.some((p) => p.metadata.name === 'web' && p.metadata.namespace === ns)).toBe(true);
    const stats = JSON.parse(await ctx.kubectl.ok(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`])) as { node: { nodeName: string } };
    expect(stats.node.nodeName).toBe(node);
    const missing = await ctx.kubectl.fails(['get', '--raw', '/api/v1/nodes/no-such-node/proxy/healthz']);
    expect(missing.stderr).toBe('Error from server (NotFound): nodes "no-such-node" not found\n');
  });
});

describe('a pod on a joined lite agent node, through its tunnel', () => {
  let agent: LiteAgent | undefined;
  const remote = (node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: remote, labels: {app: remote}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: ${TEST_IMAGES.busybox}
    imagePullPolicy: Never
    command: ["sh", "-c", "mkdir -p /www && echo 'hello from the agent node' > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{containerPort: 8080}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: remote}
spec:
  selector: {app: remote}
  ports: [{port: 80, targetPort: 8080}]
`;

  beforeAll(async () => {
    agent = await startLiteAgent(ctx.server);
    const name = agent.nodeName;
    await eventually(async () => (await ctx.kubectl.run(['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', { timeoutMs: 30_000, what: `node ${name} Ready` });
    const file = join(ctx.tmp, 'remote.yaml');
    writeFileSync(file, remote(name));
    await ctx.kubectl.ok(['-n', ns, 'apply', '-f', file]);
    await ctx.kubectl.ok(['-n', ns, 'wait', '--for=condition=Ready', 'pod/remote', '--timeout=90s'], { timeoutMs: 100_000 });
  }, 150_000);

  afterAll(async () => {
    await ctx.kubectl?.run(['-n', ns, 'delete', 'pod', 'remote', '--wait=false']).catch(() => undefined);
    await agent?.cleanup();
  });

  test('pods/proxy, services/proxy and nodes/proxy reach it', async () => {
    expect(await ctx.kubectl.ok(['get', '--raw', podPath('remote:8080', '/index.html')])).toBe('hello from the agent node\n');
    const viaService = await eventually(async () => {
      const r = await ctx.kubectl.run(['get', '--raw', svcPath('remote:80', '/index.html')]);
      return r.code === 0 ? r.stdout : undefined;
    }, { timeoutMs: 20_000, what: 'the Service to answer through the proxy' });
    expect(viaService).toBe('hello from the agent node\n');
    const refused = await ctx.kubectl.fails(['get', '--raw', podPath('remote:9999', '/')]);
    expect(refused.stderr).toMatch(/^Error from server \(ServiceUnavailable\): error trying to reach service: dial tcp 10\.42\.\d+\.\d+:9999: connect: connection refused\n$/);
    expect(await ctx.kubectl.ok(['get', '--raw', `/api/v1/nodes/${agent?.nodeName ?? ''}/proxy/healthz`])).toBe('ok');
  });
});
