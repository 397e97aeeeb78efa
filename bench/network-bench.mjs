/**
 * Networking benchmark (issue 5, acceptance 7): the real `bin/lite server` with its embedded agent
 * (kube-proxy in iptables mode, pod bridge) on the local Docker engine.
 *
 *  - Service programming latency: busybox `httpd` pods of this run are Running; each sample creates
 *    a new ClusterIP Service selecting them (so the Service and its EndpointSlice both change) and
 *    times, from sending the create over HTTPS:
 *      * `firstHttpMs`: the first HTTP 200 through ClusterIP:80 from the host (TCP connect attempts
 *        of ≤ 30 ms each, a new connection — so a new conntrack entry — each time, back to back);
 *      * `rulePresentMs`: the KUBE-SERVICES rule for the ClusterIP (`-d IP/32 … -j KUBE-SVC-…`) seen
 *        in `iptables-save -t nat`, polled every 20 ms alongside (each poll costs an exec);
 *      * `createResponseMs`: the API's 201 (the ClusterIP is only known from then on).
 *    The Service is deleted after each sample.
 *  - ClusterIP vs pod-IP throughput: one Service in front of the pods; the same closed loop
 *    (bench/lib/http-load.mjs) of HTTP GETs from the host to ClusterIP:80 and, directly, to the pod
 *    IPs (client c → pod c mod n), same concurrency and duration, in alternating rounds (which goes
 *    first alternates). busybox httpd closes every connection, so each request is a new TCP
 *    connection (no keep-alive variant). Median round's req/s, latency over all rounds.
 *
 * Machine load (1-minute average and `uptime`) at start and end. kube-proxy's chains are
 * host-global: the bench waits (bounded, --wait-other-seconds) until no other `lite server` with an
 * agent runs. Every process, container and Service is removed, and `lite server --cleanup` runs at
 * the end, on failure and on Ctrl-C. Traffic goes only to this host's pod and service IPs.
 *
 * Usage: node bench/network-bench.mjs [--quick] [--samples N] [--pods N] [--concurrency N]
 *        [--round-seconds S] [--rounds N] [--wait-other-seconds S] [--cluster-cidr CIDR]
 *        [--server-stderr] [--out FILE] [--lite-root DIR]
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHooks, spawnTracked, stopAll } from './lib/children.mjs';
import { closedLoop, makeAgent, request, sleep } from './lib/http-load.mjs';
import { readKubeconfigTls, startLite, stopLite } from './lib/lite.mjs';
import { median, ratio, round, summarize } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const num = (name, dflt) => {
  const v = Number(opt(name, dflt));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0, got ${opt(name)}`);
  return v;
};
const quick = flag('--quick');
const settings = {
  quick,
  samples: num('--samples', quick ? 10 : 40),
  pods: num('--pods', 2),
  concurrency: num('--concurrency', 8),
  roundSeconds: num('--round-seconds', quick ? 1.5 : 3),
  rounds: num('--rounds', quick ? 2 : 7),
  warmupMs: 500,
  waitOtherSeconds: num('--wait-other-seconds', 900),
  connectTimeoutMs: 30,
  iptablesPollMs: 20,
  sampleTimeoutMs: 30_000,
  serverStderr: flag('--server-stderr'),
};
const outFile = resolve(opt('--out', join(here, 'results', 'network.json')));
const liteRoot = resolve(opt('--lite-root', repoRoot));

const BUSYBOX = 'lite-test/busybox:1';
const PORT = 8080;
const COMMAND = ['sh', '-c', `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${PORT} -h /www`];
const NS = 'bench-net';
const APP = 'net-bench';
const clusterCidr = opt('--cluster-cidr', `10.${160 + ((process.pid + 41) % 80)}.0.0/16`);
const runId = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const nodeName = `bench-net-${runId}`;

const load = () => os.loadavg().map((v) => round(v, 2));
const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};

async function until(what, timeoutMs, fn, intervalMs = 100) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s${last ? ` (last error: ${last.message})` : ''}`);
    await sleep(intervalMs);
  }
}

function run(cmd, args, timeoutMs = 15_000) {
  return new Promise((res, rej) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? rej(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`)) : res(stdout)));
  });
}

/** Other `lite server`s with an agent (not --simulate-nodes, not --cleanup, not ours). */
function otherAgents() {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-af', 'bin/lite'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return otherAgentLines(out);
}
let stopWatchingOthers = () => {};
function otherAgentLines(out) {
  return out.split('\n').filter((l) => / server( |$)/.test(l) && !/--simulate-nodes|--cleanup|--disable-agent/.test(l) && !l.includes(nodeName) && !l.startsWith(`${process.pid} `));
}

// ---------------------------------------------------------------- containers / clean-up

const dockerIds = () => {
  try {
    return execFileSync('docker', ['ps', '-aq', '--filter', `label=io.lite.node=${nodeName}`], { encoding: 'utf8', timeout: 15_000 }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
};
const cleanupArgs = () => [join(liteRoot, 'bin', 'lite'), 'server', '--cleanup', '--node-name', nodeName, '--cluster-cidr', clusterCidr];
let liteStarted = false;
let networkCleaned = false;

async function cleanupAll() {
  const out = {};
  await until('removing the containers of the run (is dockerd running?)', 60_000, async () => {
    const ids = dockerIds();
    if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids], 60_000).catch(() => undefined);
    return dockerIds().length === 0;
  }, 2000).catch((e) => (out.containers = e.message));
  if (liteStarted && !networkCleaned) {
    const h = spawnTracked(process.execPath, cleanupArgs(), { name: 'lite server --cleanup', cwd: liteRoot });
    const exit = await h.exitPromise;
    networkCleaned = exit.code === 0;
    out.networkCleanup = { code: exit.code, output: h.stdoutTail.trim().split('\n').filter(Boolean), stderr: h.stderrTail.trim().slice(-500) || undefined };
  }
  return out;
}

function cleanupSync() {
  const ids = dockerIds();
  if (ids.length) spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore', timeout: 60_000 });
  if (liteStarted && !networkCleaned) {
    spawnSync(process.execPath, cleanupArgs(), { stdio: 'ignore', timeout: 30_000 });
    networkCleaned = true;
  }
}

// ---------------------------------------------------------------- probes

/** One HTTP/1.0 GET over a new TCP connection; resolves true on a 200 within timeoutMs of connecting. */
function probeOnce(ip, port, connectTimeoutMs) {
  return new Promise((res) => {
    const s = net.connect({ host: ip, port });
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      res(ok);
    };
    let timer = setTimeout(() => finish(false), connectTimeoutMs);
    s.on('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), 2000);
      s.write('GET / HTTP/1.0\r\n\r\n');
    });
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d) => {
      buf += d;
      if (buf.length >= 12) finish(/^HTTP\/1\.\d 200/.test(buf));
    });
    s.on('error', () => finish(false));
    s.on('close', () => finish(false));
  });
}

// ---------------------------------------------------------------- API

function apiClient(lite, agent) {
  return async (method, path, body, expect = [200]) => {
    const buf = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { accept: 'application/json', ...(buf ? { 'content-type': 'application/json', 'content-length': buf.length } : {}) };
    const r = await request(agent, lite.host, lite.port, method, path, headers, buf, true, 30_000);
    if (!expect.includes(r.status)) {
      const err = new Error(`${method} ${path}: ${r.status === -1 ? r.error : `HTTP ${r.status} ${r.body?.toString('utf8').slice(0, 300)}`}`);
      err.status = r.status;
      throw err;
    }
    return r.body?.length ? JSON.parse(r.body.toString('utf8')) : undefined;
  };
}

const condTrue = (o, type) => (o?.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

const service = (name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: APP }, ports: [{ name: 'http', port: 80, targetPort: PORT, protocol: 'TCP' }] } });

// ---------------------------------------------------------------- HTTP load targets

function httpTarget(name, { ips, port, keepAlive }) {
  let next = 0;
  return {
    name,
    newClient() {
      const ip = ips[next++ % ips.length];
      return { ip, agent: keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }) : undefined };
    },
    closeClient(c) {
      c.agent?.destroy();
    },
    send(c) {
      return new Promise((res) => {
        const req = http.request({ host: c.ip, port, path: '/', method: 'GET', agent: c.agent ?? false, headers: keepAlive ? {} : { connection: 'close' } }, (r) => {
          r.on('data', () => {});
          r.on('end', () => res({ ok: r.statusCode === 200, status: r.statusCode }));
          r.on('error', (e) => res({ ok: false, error: e.message }));
        });
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.on('error', (e) => res({ ok: false, error: e.message }));
        req.end();
      });
    },
  };
}

// ---------------------------------------------------------------- main

async function runBench(results) {
  // ---- one lite with agents at a time on this host
  const t0 = performance.now();
  for (;;) {
    const others = otherAgents();
    if (others.length === 0) break;
    if (performance.now() - t0 > settings.waitOtherSeconds * 1000) throw new Error(`another lite server with an agent still runs after ${settings.waitOtherSeconds} s: ${others.join(' | ')}`);
    if (results.waitedForOthers === undefined) process.stderr.write(`network bench: waiting (≤ ${settings.waitOtherSeconds} s) for another lite server with an agent to finish: ${others.map((l) => l.slice(0, 120)).join(' | ')}\n`);
    results.waitedForOthers = round((performance.now() - t0) / 1000, 1);
    await sleep(5000);
  }
  results.machine.loadAverageAtStart = load();
  results.machine.uptimeAtStart = uptime();
  // Another lite with an agent starting meanwhile rewrites the same host-global chains: watch for
  // one for the whole run and record it (such a run's numbers are not to be trusted).
  results.overlappingAgents = [];
  const watchOthers = setInterval(() => {
    execFile('pgrep', ['-af', 'bin/lite'], { encoding: 'utf8' }, (_err, stdout) => {
      for (const l of otherAgentLines(stdout ?? '')) if (!results.overlappingAgents.some((o) => o.process === l.slice(0, 200))) results.overlappingAgents.push({ seenAt: new Date().toISOString(), process: l.slice(0, 200) });
    });
  }, 1000);
  watchOthers.unref();
  stopWatchingOthers = () => clearInterval(watchOthers);
  try {
    execFileSync('docker', ['image', 'inspect', BUSYBOX], { stdio: 'ignore', timeout: 15_000 });
  } catch {
    throw new Error(`${BUSYBOX} is missing: build the test images first (npm run bench -- --bench pod-startup builds them, or src/runtime/testing/test-images.ts)`);
  }

  process.stderr.write(`network bench: starting lite server with its embedded agent (node ${nodeName}, cluster CIDR ${clusterCidr})…\n`);
  liteStarted = true;
  const lite = await startLite(liteRoot, { args: ['--node-name', nodeName, '--cluster-cidr', clusterCidr], readyTimeoutMs: 60_000 });
  if (settings.serverStderr) lite.handle.child.stderr.on('data', (d) => process.stderr.write(d));
  const tls = readKubeconfigTls(lite.kubeconfigPath);
  const agent = makeAgent(tls, 4);
  const api = apiClient(lite, agent);
  const out = {};
  results.lite = out;
  try {
    await until(`node ${nodeName} Ready`, 60_000, async () => condTrue(await api('GET', `/api/v1/nodes/${nodeName}`), 'Ready'), 200);
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, [201]);
    for (let i = 0; i < settings.pods; i++) {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${i}`, labels: { app: APP } }, spec: { containers: [{ name: 'httpd', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: COMMAND, ports: [{ containerPort: PORT }] }] } };
      await until('creating a pod (default ServiceAccount)', 30_000, async () => {
        try {
          await api('POST', `/api/v1/namespaces/${NS}/pods`, pod, [201]);
          return true;
        } catch (e) {
          if (e.status === 409) return true;
          throw e;
        }
      }, 200);
    }
    const podIps = await until('pods Running+Ready with an IP', 60_000, async () => {
      const list = await api('GET', `/api/v1/namespaces/${NS}/pods`);
      const ready = list.items.filter((p) => p.status?.phase === 'Running' && condTrue(p, 'Ready') && p.status.podIP);
      return ready.length === settings.pods ? ready.map((p) => p.status.podIP) : undefined;
    }, 250);
    // httpd answers on every pod IP from the host before anything is timed.
    for (const ip of podIps) await until(`httpd on ${ip}:${PORT}`, 30_000, () => probeOnce(ip, PORT, 1000), 200);
    out.podIps = podIps;

    // ---- programming latency
    process.stderr.write(`network bench: pods ${podIps.join(', ')} answer; ${settings.samples} Service programming samples…\n`);
    const firstHttp = [];
    const rulePresent = [];
    const createResponse = [];
    const failures = [];
    for (let i = 0; i < settings.samples; i++) {
      const name = `prog-${i}`;
      const ts = performance.now();
      const svc = await api('POST', `/api/v1/namespaces/${NS}/services`, service(name), [201]);
      const tResp = performance.now();
      const ip = svc.spec.clusterIP;
      const deadline = ts + settings.sampleTimeoutMs;
      let httpAt;
      let ruleAt;
      const ruleRe = new RegExp(`-d ${ip.replace(/\./g, '\\.')}/32 .*-j KUBE-SVC-`);
      const httpPoll = (async () => {
        while (performance.now() < deadline) {
          if (await probeOnce(ip, 80, settings.connectTimeoutMs)) return (httpAt = performance.now());
          await sleep(1);
        }
      })();
      const rulePoll = (async () => {
        while (performance.now() < deadline) {
          const text = await run('iptables-save', ['-t', 'nat']).catch(() => '');
          if (ruleRe.test(text)) return (ruleAt = performance.now());
          await sleep(settings.iptablesPollMs);
        }
      })();
      await Promise.all([httpPoll, rulePoll]);
      createResponse.push(tResp - ts);
      if (httpAt !== undefined) firstHttp.push(httpAt - ts);
      if (ruleAt !== undefined) rulePresent.push(ruleAt - ts);
      if (httpAt === undefined || ruleAt === undefined) failures.push({ sample: i, clusterIP: ip, http: httpAt !== undefined, rule: ruleAt !== undefined });
      await api('DELETE', `/api/v1/namespaces/${NS}/services/${name}`, undefined, [200, 202, 404]);
      await sleep(200);
    }
    out.programming = {
      what: 'Service create sent (HTTPS) → first HTTP 200 through ClusterIP:80 from the host (firstHttpMs) / → KUBE-SERVICES rule for the ClusterIP in iptables-save -t nat, polled every 20 ms (rulePresentMs); the Service selects already-ready pods, so its EndpointSlice is created too',
      firstHttpMs: summarize(firstHttp),
      rulePresentMs: summarize(rulePresent),
      createResponseMs: summarize(createResponse),
      timeouts: failures,
    };

    // ---- throughput: ClusterIP vs pod IPs, alternating rounds
    const svc = await api('POST', `/api/v1/namespaces/${NS}/services`, service('web'), [201]);
    const vip = svc.spec.clusterIP;
    await until(`ClusterIP ${vip} answers`, 30_000, () => probeOnce(vip, 80, 200), 50);
    out.throughput = { clusterIP: vip, concurrency: settings.concurrency, roundSeconds: settings.roundSeconds, rounds: settings.rounds, modes: {} };
    process.stderr.write(`network bench: throughput, ClusterIP ${vip} vs pod IPs, ${settings.rounds} × ${settings.roundSeconds} s rounds each…\n`);
    // busybox httpd answers `Connection: close` (no keep-alive), so every request is a new TCP
    // connection: a new conntrack entry and NAT decision per request on the ClusterIP side.
    out.throughput.note = 'busybox httpd closes every connection (Connection: close), so each request is a new TCP connection (new conntrack entry, DNAT per request through ClusterIP); no keep-alive variant';
    for (const keepAlive of [false]) {
      const mode = keepAlive ? 'keepAlive' : 'newConnection';
      const targets = [httpTarget('clusterIP', { ips: [vip], port: 80, keepAlive }), httpTarget('podIP', { ips: podIps, port: PORT, keepAlive })];
      const rounds = { clusterIP: [], podIP: [] };
      for (let r = 0; r < settings.rounds; r++) {
        const order = r % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) rounds[t.name].push(await closedLoop(t, { concurrency: settings.concurrency, warmupMs: settings.warmupMs, durationMs: settings.roundSeconds * 1000, cpuPids: [lite.handle.pid] }));
      }
      const sum = (list) => ({
        reqPerSecMedian: round(median(list.map((x) => x.perSecond)), 1),
        reqPerSecRounds: list.map((x) => round(x.perSecond, 1)),
        latencyMs: summarize(list.flatMap((x) => x.latencyMs)),
        /** Requests that took ≥ 900 ms: the signature of a lost SYN (retransmitted after 1 s). */
        slowOver900Ms: list.reduce((a, x) => a + x.latencyMs.filter((v) => v >= 900).length, 0),
        errors: list.reduce((a, x) => a + x.errors, 0),
        firstError: list.find((x) => x.firstError)?.firstError,
        otherCoresMedian: round(median(list.map((x) => x.cpu?.otherCores ?? 0)), 2),
        clientCoresMedian: round(median(list.map((x) => x.cpu?.clientCores ?? 0)), 2),
      });
      const c = sum(rounds.clusterIP);
      const p = sum(rounds.podIP);
      out.throughput.modes[mode] = { clusterIP: c, podIP: p, clusterIPvsPodIP: ratio(c.reqPerSecMedian, p.reqPerSecMedian) };
    }
    await api('DELETE', `/api/v1/namespaces/${NS}/services/web`, undefined, [200, 202, 404]);
    await api('DELETE', `/api/v1/namespaces/${NS}`, undefined, [200, 202]);
    await until('namespace gone', 60_000, async () => {
      try {
        await api('GET', `/api/v1/namespaces/${NS}`);
        return false;
      } catch (e) {
        return e.status === 404;
      }
    }, 500).catch((e) => (out.namespaceDelete = e.message));
  } finally {
    stopWatchingOthers();
    agent.destroy();
    const stop = await stopLite(lite, { graceMs: 20_000 });
    out.stop = { seconds: round(stop.stopMs / 1000, 2), forced: stop.forced, code: stop.code };
    Object.assign(out, { cleanup: await cleanupAll() });
    const warnings = lite.handle.stderrTail.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
    out.serverWarnings = { count: warnings.length, last: warnings.slice(-10).map((l) => l.slice(0, 500)) };
  }
}

function line(label, value) {
  process.stdout.write(`  ${label.padEnd(44)} ${value}\n`);
}
const fmt = (s) => (s?.count ? `p50 ${s.p50} ms, p99 ${s.p99} ms (n ${s.count}, min ${s.min}, max ${s.max})` : 'no samples');

function printReport(r) {
  process.stdout.write('\nnetworking (issue 5, acceptance 7): lite server + embedded agent, kube-proxy iptables mode\n');
  if (r.error) line('error', r.error);
  const p = r.lite?.programming;
  if (p) {
    line('Service create → first HTTP 200 via ClusterIP', fmt(p.firstHttpMs));
    line('Service create → KUBE-SVC rule in iptables', fmt(p.rulePresentMs));
    line('Service create → API 201', fmt(p.createResponseMs));
  }
  for (const [mode, m] of Object.entries(r.lite?.throughput?.modes ?? {})) {
    line(`${mode} ×${r.lite.throughput.concurrency}: ClusterIP`, `${m.clusterIP.reqPerSecMedian} req/s, ${fmt(m.clusterIP.latencyMs)}, errors ${m.clusterIP.errors}`);
    line(`${mode} ×${r.lite.throughput.concurrency}: pod IPs`, `${m.podIP.reqPerSecMedian} req/s, ${fmt(m.podIP.latencyMs)}, errors ${m.podIP.errors}`);
    line(`${mode}: ClusterIP ÷ pod IP`, `${m.clusterIPvsPodIP}`);
    line(`${mode}: rounds req/s ClusterIP | pod IPs`, `${m.clusterIP.reqPerSecRounds.join(' ')} | ${m.podIP.reqPerSecRounds.join(' ')}; ≥ 900 ms: ${m.clusterIP.slowOver900Ms} | ${m.podIP.slowOver900Ms}`);
  }
  if (r.overlappingAgents?.length) line('WARNING: other lite agents ran meanwhile', r.overlappingAgents.map((o) => `${o.seenAt} ${o.process.slice(0, 80)}`).join('; '));
  line('machine load (1 min) start / end', `${r.machine.loadAverageAtStart?.[0]} / ${r.machine.loadAverageAtEnd?.[0]} on ${r.machine.cpus} cpus`);
}

installCleanupHooks();
process.on('exit', cleanupSync);
const cpus = os.cpus();
const results = {
  benchmark: 'network',
  date: new Date().toISOString(),
  machine: { cpus: cpus.length, cpuModel: cpus[0]?.model, memoryGiB: round(os.totalmem() / 1024 ** 3, 1), node: process.version, platform: `${os.platform()} ${os.release()}` },
  git: (() => {
    try {
      const git = (a) => execFileSync('git', a, { cwd: liteRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' };
    } catch {
      return undefined;
    }
  })(),
  settings: { ...settings, image: BUSYBOX, command: COMMAND, nodeName, clusterCidr },
  note: 'Load generator, lite (server + agent, one process), dockerd and the httpd pods share the machine; other processes add noise (machine.loadAverage*, otherCoresMedian per mode). Compare the two columns of one run, not runs with each other.',
};
if (process.env.BENCH_BUILD_NOTE) results.buildNote = process.env.BENCH_BUILD_NOTE;
let failed = false;
try {
  await runBench(results);
} catch (e) {
  failed = true;
  results.error = e instanceof Error ? e.message : String(e);
} finally {
  await stopAll();
  cleanupSync();
}
results.machine.loadAverageAtEnd = load();
results.machine.uptimeAtEnd = uptime();
printReport(results);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`\nwrote ${relative(process.cwd(), outFile) || outFile}\n`);
process.exitCode = failed ? 1 : 0;
