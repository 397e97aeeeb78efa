/**
 * The ingress controller with the real bin/lite, kubectl 1.32 and Docker (server + embedded
 * agent): a Deployment of two busybox httpd pods behind a Service, exposed with
 * `kubectl create ingress`, answers on the ingress port for its host — both pods in turn — with
 * the ADDRESS kubectl shows; unknown hosts get 404; `kubectl create ingress --class=other` is not
 * served; scaled to 0 the route answers 503. A second server with `--disable-ingress` runs none
 * (no IngressClass). The ports are free ports on 127.0.0.1 (--ingress-http-port …).
 *
 * Needs the machine's Docker engine to itself: run under `flock /tmp/lite-suite.lock`.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { getWithHost } from './support/http.js';
import { runProgram } from './support/kubectl.js';
import { freePort, LITE_BIN, makeTempDir, startLite } from './support/lite-process.js';
import { eventually } from './support/wait.js';

/** GET from the ingress's port on loopback. */
function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return getWithHost('127.0.0.1', port, host, path);
}

const httpPort = await freePort();
const httpsPort = await freePort();

describe('ingress with Docker pods', () => {
  const ctx = useCluster({ agent: true, args: ['--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort)], readyTimeoutMs: 40_000 });
  const ns = uniqueName('ing');

  beforeAll(async () => {
    await ensureE2eImages();
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['apply', '-n', ns, '-f', '-'], {
      input: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: ${TEST_IMAGES.busybox}
        imagePullPolicy: Never
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
    });
    await ctx.kubectl.ok(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });
  }, 150_000);

  afterAll(async () => {
    await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
  });

  test('kubectl create ingress routes the host to both pods, and kubectl shows its class and address', async () => {
    expect(await ctx.kubectl.ok(['create', 'ingress', 'web', '-n', ns, '--rule=web.lite.test/*=web:80'])).toBe('ingress.networking.k8s.io/web created\n');
    const pods = JSON.parse(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'json'])) as { items: { metadata: { name: string } }[] };
    const names = pods.items.map((p) => p.metadata.name).sort();
    const answered = new Set<string>();
    await eventually(
      async () => {
        const r = await get(httpPort, 'web.lite.test').catch(() => undefined);
        if (r?.status === 200) answered.add(r.body);
        return answered.size === 2;
      },
      { what: 'both pods to answer through the ingress', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect([...answered].sort()).toEqual(names);
    const row = await eventually(
      async () => {
        const r = parseTable(await ctx.kubectl.ok(['get', 'ingress', 'web', '-n', ns])).find((x) => x.NAME === 'web');
        return r && r.ADDRESS !== '' ? r : undefined;
      },
      { what: 'the Ingress ADDRESS', timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(row).toMatchObject({ CLASS: 'lite', HOSTS: 'web.lite.test', PORTS: '80' });
    expect(await get(httpPort, 'unknown.lite.test')).toEqual({ status: 404, body: '404 page not found' });
  });

  test('an Ingress of another class is not served; with no pods the route answers 503', async () => {
    await ctx.kubectl.ok(['create', 'ingress', 'other', '-n', ns, '--class=other', '--rule=other.lite.test/*=web:80']);
    await ctx.kubectl.ok(['scale', 'deployment/web', '-n', ns, '--replicas=0']);
    await eventually(async () => (await get(httpPort, 'web.lite.test')).status === 503, { what: 'no available server', timeoutMs: 30_000, intervalMs: 200 });
    expect(await get(httpPort, 'web.lite.test')).toEqual({ status: 503, body: 'no available server' });
    expect((await get(httpPort, 'other.lite.test')).status).toBe(404);
  });
});

describe('lite server --disable-ingress', () => {
  const ctx = useCluster({ args: ['--disable-ingress', '--simulate-nodes', '1'] });

  test('no IngressClass is created and Ingresses stay without an address', async () => {
    const none = await ctx.kubectl.run(['get', 'ingressclass']);
    expect(none.stderr).toBe('No resources found\n');
    await ctx.kubectl.ok(['create', 'ingress', 'web', '--rule=web.lite.test/*=web:80']);
    const spec = JSON.parse(await ctx.kubectl.ok(['get', 'ingress', 'web', '-o', 'json'])) as { spec: { ingressClassName?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } };
    expect(spec.spec.ingressClassName).toBeUndefined();
    expect(spec.status?.loadBalancer?.ingress).toBeUndefined();
  });
});

describe('ingress ports as a user gets them wrong', () => {
  test('a port number out of range is refused at start with exit code 2', async () => {
    const dataDir = makeTempDir('ingress-flag');
    try {
      const r = await runProgram(process.execPath, [LITE_BIN, 'server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-listen-port', String(await freePort()), '--disable-agent', '--ingress-http-port', '70000'], { timeoutMs: 20_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('lite server: --ingress-http-port must be a port number from 0 to 65535, got 70000\n');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a port in use: the server starts without the ingress and says why', async () => {
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    const server = await startLite({ args: ['--ingress-http-port', String(taken), '--ingress-https-port', String(await freePort())] });
    try {
      expect(server.running).toBe(true);
      await eventually(() => server.stdout.includes('ingress: not running (see the log; --ingress-http-port/--ingress-https-port choose other ports)'), { what: 'the ingress line', timeoutMs: 5_000, intervalMs: 50 });
      expect(server.stderr).toContain(`the ingress controller does not run: port ${taken} on 127.0.0.1 is in use`);
    } finally {
      await server.cleanup();
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
