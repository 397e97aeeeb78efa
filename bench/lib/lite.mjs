/**
 * Starting and stopping `bin/lite server` for the benchmark, reading its kubeconfig, and timing
 * start-up (spawn → first 200 from /readyz).
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort, makeTempDir, removeTempDir, spawnTracked, stopTracked, waitForLine } from './children.mjs';
import { sleep } from './http-load.mjs';

/**
 * Starts lite on 127.0.0.1 with a temp data dir (or `dataDir`) and a free port.
 * `nodeArgs` go to node itself (e.g. --cpu-prof), `args` to `lite server` (e.g. --simulate-nodes).
 * Resolves once the server printed "ready" (within `readyTimeoutMs`).
 */
export async function startLite(repoRoot, { dataDir, nodeArgs = [], args = [], port = 0, logLevel = 'warn', readyTimeoutMs = 30_000 } = {}) {
  const dir = dataDir ?? makeTempDir('lite-bench-');
  const spawnedAt = performance.now();
  const handle = spawnTracked(
    process.execPath,
    [...nodeArgs, join(repoRoot, 'bin', 'lite'), 'server', '--data-dir', dir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--log-level', logLevel, ...args],
    { name: 'lite server', cwd: repoRoot, env: cleanEnv() },
  );
  const kubeconfigLine = waitForLine(handle, /^kubeconfig: (\S+)/, readyTimeoutMs);
  kubeconfigLine.catch(() => {}); // the ready wait below reports the failure
  const m = await waitForLine(handle, /lite server ready in ([\d.]+)s at (\S+)/, readyTimeoutMs);
  const readyAt = performance.now();
  const readyMs = readyAt - spawnedAt;
  const kubeconfigPath = (await kubeconfigLine)[1];
  const url = new URL(m[2]);
  return { handle, dir, url: m[2], host: url.hostname, port: Number(url.port), kubeconfigPath, selfReportedSeconds: Number(m[1]), readyMs, spawnedAt, readyAt };
}

/** The environment without LITE_* settings (each is a flag mirror and would change the server measured). */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LITE_')));
}

export async function stopLite(lite, { keepDir = false, graceMs = 10_000 } = {}) {
  // lite prints its ready line just before it installs its SIGTERM handler; a signal sent in that
  // gap kills it without a clean stop (seen on a loaded machine). Give it a moment first.
  const settle = lite.readyAt + 100 - performance.now();
  if (settle > 0) await sleep(settle);
  const r = await stopTracked(lite.handle, graceMs);
  if (!keepDir) removeTempDir(lite.dir);
  return r;
}

/** The admin's TLS credentials from a kubeconfig: { ca, cert, key } PEM strings. */
export function readKubeconfigTls(path) {
  const kc = parseYaml(readFileSync(path, 'utf8'));
  const ctxName = kc['current-context'];
  const ctx = (kc.contexts.find((c) => c.name === ctxName) ?? kc.contexts[0]).context;
  const cluster = kc.clusters.find((c) => c.name === ctx.cluster).cluster;
  const user = kc.users.find((u) => u.name === ctx.user).user;
  const b64 = (s) => Buffer.from(s, 'base64').toString('utf8');
  if (!user['client-certificate-data'] || !user['client-key-data']) throw new Error(`kubeconfig ${path} has no client certificate for user ${ctx.user}`);
  return { server: cluster.server, ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) };
}

/** Paths of lite's TLS files inside a data dir (reused by the etcd and ceiling peers). */
export function liteTlsFiles(dataDir) {
  const tls = join(dataDir, 'server', 'tls');
  return { cert: join(tls, 'serving-kube-apiserver.crt'), key: join(tls, 'serving-kube-apiserver.key'), clientCa: join(tls, 'client-ca.crt'), serverCa: join(tls, 'server-ca.crt'), serverCaKey: join(tls, 'server-ca.key') };
}

/**
 * One start-up measurement: spawn `bin/lite server` on a port picked beforehand and poll
 * GET /readyz every `pollMs` until it answers 200. Then SIGTERM and time the stop.
 */
export async function measureStartup(repoRoot, { dataDir, pollMs = 5, args = [] } = {}) {
  const port = await freePort();
  const agent = new https.Agent({ keepAlive: false, rejectUnauthorized: false });
  const t0 = performance.now();
  const lite = startLite(repoRoot, { dataDir, port, args });
  // startLite's own wait runs alongside; readiness is what /readyz says, not the log line.
  let startError;
  lite.catch((e) => (startError = e));
  let readyzMs;
  let polls = 0;
  const deadline = t0 + 20_000;
  while (performance.now() < deadline) {
    if (startError) break;
    polls++;
    const status = await new Promise((resolve) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/readyz', method: 'GET', agent, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(-1));
      req.end();
    });
    if (status === 200) {
      readyzMs = performance.now() - t0;
      break;
    }
    await sleep(pollMs);
  }
  agent.destroy();
  const started = await lite; // rethrows a start failure
  const stop = await stopLite(started, { keepDir: dataDir !== undefined });
  if (readyzMs === undefined) throw new Error('lite did not become ready within 20 s');
  return { readyzMs, selfReportedMs: started.selfReportedSeconds * 1000, polls, stopMs: stop.stopMs, stopForced: stop.forced, exitCode: stop.code, exitSignal: stop.signal };
}

/** spawn → exit of `node bin/lite --version`: node start-up plus loading lite's modules (main.js imports the server statically). */
export async function measureModuleLoad(repoRoot) {
  const t0 = performance.now();
  const h = spawnTracked(process.execPath, [join(repoRoot, 'bin', 'lite'), '--version'], { name: 'lite --version', cwd: repoRoot, env: cleanEnv() });
  const exit = await h.exitPromise;
  if (exit.code !== 0) throw new Error(`lite --version exited ${exit.code}: ${h.stderrTail.slice(-500)}`);
  return performance.now() - t0;
}
