/**
 * Start-up and shut-down of `lite server` (acceptance item 9): time from spawn to /readyz "ok"
 * (a sanity bound of 3 s; the <1 s target is measured by the benchmark), what it prints, the
 * kubeconfig it writes, SIGTERM/SIGINT stopping it promptly with exit code 0 and the port freed
 * (also with open watches), a second start on the same data dir, and start-up errors.
 */
import { statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Kubectl, requireKubectl132, runProgram } from './support/kubectl.js';
import { LITE_BIN, freePort, makeTempDir, portIsFree, startLite, type LiteServer } from './support/lite-process.js';
import { eventually } from './support/wait.js';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track(s: LiteServer): LiteServer {
  cleanups.push(() => s.cleanup());
  return s;
}

/** GET https://127.0.0.1:port/readyz without credentials (anonymous health checks, like upstream). */
function readyz(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', method: 'GET', rejectUnauthorized: false, timeout: 1_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('start-up', () => {
  test('spawn → /readyz ok in under 3 s; prints where the kubeconfig is', async () => {
    const port = await freePort();
    const spawnedAt = performance.now();
    const starting = startLite({ port });
    // Poll /readyz from the moment of spawn (bounded: 10 ms apart, 10 s at most).
    const readyMs = await eventually(
      async () => {
        const r = await readyz(port).catch(() => undefined);
        return r?.status === 200 && r.body === 'ok' ? performance.now() - spawnedAt : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 10, what: '/readyz to answer ok' },
    );
    const server = track(await starting);
    expect(readyMs, `spawn → /readyz ok took ${readyMs.toFixed(0)} ms`).toBeLessThan(3_000);

    const lines = server.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^lite server ready in \\d+\\.\\d\\ds at https://127\\.0\\.0\\.1:${port}$`));
    expect(lines[1]).toBe(`kubeconfig: ${join(server.dataDir, 'kubeconfig.yaml')}`);
    expect(lines[2]).toBe(`  export KUBECONFIG=${join(server.dataDir, 'kubeconfig.yaml')}`);
    const reported = Number(/ready in ([\d.]+)s/.exec(lines[0])?.[1]);
    expect(reported).toBeLessThan(3);

    // The kubeconfig is private (mode 600) and works.
    expect(statSync(server.kubeconfigPath).mode & 0o777).toBe(0o600);
    requireKubectl132();
    const tmp = makeTempDir('startup');
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const kubectl = new Kubectl({ kubeconfig: server.kubeconfigPath, cacheDir: join(tmp, 'cache') });
    expect(await kubectl.ok(['get', 'ns', 'default', '-o', 'name'])).toBe('namespace/default\n');
  });

  test('a second start on the same data dir keeps state and credentials', async () => {
    const first = track(await startLite());
    requireKubectl132();
    const tmp = makeTempDir('restart');
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const kubectl = new Kubectl({ kubeconfig: first.kubeconfigPath, cacheDir: join(tmp, 'cache') });
    await kubectl.ok(['create', 'configmap', 'kept', '--from-literal=a=b']);
    const uid = await kubectl.ok(['get', 'configmap', 'kept', '-o', 'jsonpath={.metadata.uid}']);
    const svcIp = await kubectl.ok(['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const second = track(await startLite({ dataDir: first.dataDir, port: first.port }));
    expect(second.readyAfterMs).toBeLessThan(3_000);
    // Same CA and admin credentials: the kubeconfig written the first time still works.
    expect(await kubectl.ok(['get', 'configmap', 'kept', '-o', 'jsonpath={.metadata.uid} {.data.a}'])).toBe(`${uid} b`);
    expect(await kubectl.ok(['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).toBe(svcIp);
    const namespaces = (await kubectl.ok(['get', 'ns', '-o', 'name'])).trim().split('\n');
    expect(namespaces).toEqual(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
  });

  test('a port already in use is a clear start-up error, not a hang', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const dataDir = makeTempDir('inuse');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const r = await runProgram(process.execPath, [LITE_BIN, 'server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-listen-port', String(port)], { timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('ready');
    const message = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
    expect(message.join('\n')).toMatch(/in use|EADDRINUSE/);
    expect(message.join('\n')).toContain(String(port));
  });

  test('an unrelated LITE_* variable in the environment does not stop the server from starting', async () => {
    // yargs .env('LITE') reads every LITE_* variable as a flag and .strict() then refuses unknown
    // ones: `LITE_FOO=1 lite server` exits with "Unknown argument: foo". k3s ignores K3S_*
    // variables it does not define.
    const server = track(await startLite({ env: { LITE_SOMETHING_ELSE: '1' }, readyTimeoutMs: 10_000 }));
    expect(server.running).toBe(true);
  });

  test('flags have LITE_* environment mirrors (LITE_DATA_DIR, LITE_BIND_ADDRESS, LITE_HTTPS_LISTEN_PORT)', async () => {
    const server = track(await startLite({ viaEnv: true }));
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(server.kubeconfigPath).toBe(join(server.dataDir, 'kubeconfig.yaml'));
    expect((await readyz(server.port)).body).toBe('ok');
  });
});

describe('shut-down', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} stops the server within a few seconds, exit code 0, port free`, async () => {
      const server = track(await startLite());
      const port = server.port;
      // Steady state: it answers, and the port is taken.
      expect((await readyz(port)).body).toBe('ok');
      expect(await portIsFree(port)).toBe(false);
      const started = performance.now();
      const exit = await server.stop(signal, 5_000);
      const ms = performance.now() - started;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(ms, `stopping took ${ms.toFixed(0)} ms`).toBeLessThan(5_000);
      expect(await portIsFree(port)).toBe(true);
      expect(server.stderr).not.toMatch(/"level":(50|60)/);
      expect(server.stderr).toContain('"msg":"stopped"');
    });
  }

  test('SIGTERM sent the moment "lite server ready" is printed is handled (clean stop, exit code 0)', async () => {
    // A supervisor may stop the server as soon as it reports ready. The server prints the ready
    // line before it installs its SIGINT/SIGTERM handlers, so a signal in that window kills it
    // with the default action (exit by signal, no clean close).
    for (let i = 0; i < 3; i++) {
      const server = track(await startLite());
      const exit = await server.stop('SIGTERM', 5_000);
      expect(exit, `attempt ${i + 1}: SIGTERM right after the ready line`).toEqual({ code: 0, signal: null });
    }
  });

  test('SIGTERM with open watches and keep-alive connections still stops at once', async () => {
    requireKubectl132();
    const server = track(await startLite());
    const tmp = makeTempDir('stopwatch');
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const kubectl = new Kubectl({ kubeconfig: server.kubeconfigPath, cacheDir: join(tmp, 'cache') });
    const watchers = [kubectl.start(['get', 'pods', '-A', '-w']), kubectl.start(['get', 'namespaces', '-w', '--output-watch-events']), kubectl.start(['wait', '--for=delete', 'namespace/default', '--timeout=300s'])];
    for (const w of watchers) cleanups.push(() => w.stop());
    await watchers[1].waitForLine(/^ADDED\s/);
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const exit = await server.stop('SIGTERM', 5_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await portIsFree(server.port)).toBe(true);
  });
});
