/**
 * API server benchmark (issue 2, acceptance item 9): lite measured over HTTPS next to its peers —
 * a throwaway etcd 3.4 taking puts of the same bytes, and a trivial Node HTTPS server (the
 * ceiling) — in one run, on one machine whose cores the load generator shares.
 *
 * Phases (each time-boxed): start-up · sequential create/get/list latency · watch delivery ·
 * create throughput with 1/16/64 clients · open-loop creates at a fixed rate · CPU profile of lite
 * under 16-client creates. Prints a table; writes bench/results/apiserver.json.
 *
 * Usage: node bench/apiserver-bench.mjs [--quick] [--no-etcd] [--no-install] [--no-profile] [--out FILE]
 *        [--only PHASE,…] [--etcd-client auto|grpc|gateway] [--lite-root DIR] [--wait-quiet SECONDS]
 */
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHooks, makeTempDir, spawnTracked, stopAll, stopTracked, waitForLine } from './lib/children.mjs';
import { summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { ensureEtcdBinary, etcdTarget, loadEtcd3, startEtcd } from './lib/etcd.mjs';
import { closedLoop, makeAgent, openLoop, request, sleep } from './lib/http-load.mjs';
import { liteTlsFiles, measureModuleLoad, measureStartup, readKubeconfigTls, startLite, stopLite } from './lib/lite.mjs';
import { median, ratio, round, summarize } from './lib/stats.mjs';

/**
 * The API server is measured on its own (as etcd is on the other side): no embedded agent, so no
 * Docker node, pod network or host iptables rules come with it.
 */
const API_ONLY = ['--disable-agent'];
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');

// ---------------------------------------------------------------- settings

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const quick = flag('--quick');
const settings = {
  payloadBytes: 1024,
  startupRunsFresh: quick ? 2 : 5,
  startupRunsRestart: quick ? 1 : 3,
  latencyWarmup: quick ? 20 : 50,
  latencyCreates: quick ? 100 : 500,
  latencyGets: quick ? 100 : 500,
  listObjects: 100,
  latencyLists: quick ? 40 : 200,
  watchers: 4,
  watchCreates: quick ? 100 : 300,
  concurrency: [1, 16, 64],
  throughputWarmupMs: quick ? 300 : 1000,
  throughputRounds: quick ? 2 : 3,
  /** More rounds where the issue's target is judged (16 clients). */
  throughputRoundsAt16: quick ? 2 : 5,
  throughputRoundMs: quick ? 700 : 1500,
  openLoopRate: 200,
  openLoopWarmupMs: quick ? 300 : 1000,
  openLoopMs: quick ? 2000 : 8000,
  profileClients: 16,
  profileMs: quick ? 1500 : 4000,
  etcd: !flag('--no-etcd'),
  installEtcd: !flag('--no-install'),
  profile: !flag('--no-profile'),
  totalBudgetMs: 170_000,
};
const outFile = opt('--out', join(here, 'results', 'apiserver.json'));
/** --only startup,latency,watch,throughput,openLoop,profile runs a subset (for working on the bench). */
const onlyPhases = opt('--only')?.split(',');
/** --lite-root DIR measures the lite checkout (built) at DIR instead of this one, e.g. a clean worktree of HEAD. */
const liteRoot = resolve(opt('--lite-root', repoRoot));

// ---------------------------------------------------------------- payloads

/** Deterministic ~1 KB of printable data. */
function payload(n) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = 0x2545f491;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) % alphabet.length];
  }
  return s;
}
const PAYLOAD = payload(settings.payloadBytes);
const BODY_HEAD = Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"');
const BODY_TAIL = Buffer.from(`"},"data":{"payload":"${PAYLOAD}"}}`);
const nameOf = (tag, i) => `cm-${tag}-${String(i).padStart(7, '0')}`;
/** The ConfigMap JSON for object i: the exact bytes lite, etcd and the ceiling are sent. */
const bodyOf = (tag, i) => Buffer.concat([BODY_HEAD, Buffer.from(nameOf(tag, i)), BODY_TAIL]);
/** Bodies of one tag all have the same length (names are zero-padded). */
const bodyBytes = (tag) => bodyOf(tag, 0).length;
const BODY_BYTES = bodyBytes('tp16');

// ---------------------------------------------------------------- targets

function liteTarget(lite, tls, ns, tag) {
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'content-length': bodyBytes(tag) };
  const getHeaders = { accept: 'application/json' };
  return {
    name: 'lite',
    newClient: (max = 1) => makeAgent(tls, max),
    closeClient: (a) => a.destroy(),
    async send(agent, i) {
      const r = await request(agent, lite.host, lite.port, 'POST', path, headers, bodyOf(tag, i));
      return { ok: r.status === 201, status: r.status, error: r.error ?? (r.status !== 201 ? `HTTP ${r.status}` : undefined) };
    },
    async get(agent, i) {
      const r = await request(agent, lite.host, lite.port, 'GET', `${path}/${nameOf(tag, i)}`, getHeaders);
      return { ok: r.status === 200, status: r.status };
    },
    async list(agent) {
      const r = await request(agent, lite.host, lite.port, 'GET', path, getHeaders, undefined, true);
      return { ok: r.status === 200, status: r.status, bytes: r.body?.length };
    },
  };
}

function ceilingTarget(port, tls, tag) {
  const path = '/api/v1/namespaces/bench/configmaps';
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'content-length': bodyBytes(tag) };
  return {
    name: 'ceiling',
    newClient: (max = 1) => makeAgent(tls, max),
    closeClient: (a) => a.destroy(),
    async send(agent, i) {
      const r = await request(agent, '127.0.0.1', port, 'POST', path, headers, bodyOf(tag, i));
      return { ok: r.status === 201, status: r.status, error: r.error ?? (r.status !== 201 ? `HTTP ${r.status}` : undefined) };
    },
  };
}

function makeEtcdTarget(etcd, mode, etcd3, tls, tag) {
  const prefix = `/registry/configmaps/bench-${tag}/`;
  return etcdTarget({ mode, etcd3, port: etcd.port, tls, keyFor: (i) => Buffer.from(prefix + nameOf(tag, i)), valueFor: (i) => bodyOf(tag, i) });
}

// ---------------------------------------------------------------- helpers

async function createNamespace(lite, tls, name) {
  const agent = makeAgent(tls);
  const body = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const r = await request(agent, lite.host, lite.port, 'POST', '/api/v1/namespaces', { 'content-type': 'application/json', 'content-length': body.length }, body, true);
  agent.destroy();
  if (r.status !== 201 && r.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${r.status} ${r.body?.toString().slice(0, 300) ?? r.error}`);
}

async function sequential(n, fn) {
  const lat = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fn(i);
    const t1 = performance.now();
    if (r.ok) lat.push(t1 - t0);
    else errors++;
  }
  return { ...summarize(lat), errors };
}

/** Machine-wide busy fraction of all cores over `ms` (from /proc/stat): how noisy the box is. */
async function machineBusy(ms) {
  const read = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const idle = f[3] + (f[4] ?? 0);
      const total = f.reduce((a, b) => a + b, 0);
      return { idle, total };
    } catch {
      return undefined;
    }
  };
  const a = read();
  await sleep(ms);
  const b = read();
  if (!a || !b || b.total === a.total) return undefined;
  return round(1 - (b.idle - a.idle) / (b.total - a.total), 3);
}

function gitInfo() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: liteRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: liteRoot, encoding: 'utf8' }).trim() !== '';
    return { commit, srcDirty: dirty };
  } catch {
    return undefined;
  }
}

function distBuiltAt() {
  try {
    return statSync(join(liteRoot, 'dist', 'cli', 'main.js')).mtime.toISOString();
  } catch {
    return undefined;
  }
}

const t0Run = performance.now();
/** The time box of the whole run starts after any --wait-quiet. */
let t0Budget = t0Run;
const log = (msg) => process.stderr.write(`[${((performance.now() - t0Run) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);

/** Runs a phase under a time box; a phase that overruns or throws is recorded, not fatal. */
async function phase(results, name, budgetMs, fn) {
  if (onlyPhases && !onlyPhases.includes(name)) {
    results.phases[name] = { skipped: 'not selected (--only)' };
    return undefined;
  }
  if (performance.now() - t0Budget > settings.totalBudgetMs) {
    results.phases[name] = { skipped: 'total time budget used up' };
    log(`${name}: skipped (time budget)`);
    return undefined;
  }
  log(`${name}…`);
  const t0 = performance.now();
  let timer;
  try {
    const value = await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`phase exceeded its ${budgetMs / 1000} s time box`)), budgetMs);
      }),
    ]);
    results.phaseSeconds[name] = round((performance.now() - t0) / 1000, 2);
    return value;
  } catch (e) {
    results.phases[name] = { error: e.message };
    results.phaseSeconds[name] = round((performance.now() - t0) / 1000, 2);
    log(`${name}: FAILED: ${e.message}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- watch delivery

/** Opens a watch stream; resolves once response headers arrived. Records ADDED arrival times by name. */
function openWatch(agent, lite, path) {
  return new Promise((resolve, reject) => {
    const arrivals = new Map();
    const req = https.request({ agent, host: lite.host, port: lite.port, method: 'GET', path, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const now = performance.now();
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line);
          if (ev.type === 'ADDED') arrivals.set(ev.object.metadata.name, now);
        }
      });
      res.on('error', () => {});
      resolve({ arrivals, close: () => req.destroy() });
    });
    req.on('error', (e) => reject(e));
    req.end();
  });
}

async function watchDelivery(lite, tls) {
  const ns = 'bench-watch';
  await createNamespace(lite, tls, ns);
  const target = liteTarget(lite, tls, ns, 'w');
  const agent = target.newClient();
  const listR = await request(agent, lite.host, lite.port, 'GET', `/api/v1/namespaces/${ns}/configmaps`, { accept: 'application/json' }, undefined, true);
  const rv = JSON.parse(listR.body.toString()).metadata.resourceVersion;
  const watchAgents = [];
  const watches = [];
  for (let w = 0; w < settings.watchers; w++) {
    const a = makeAgent(tls);
    watchAgents.push(a);
    watches.push(await openWatch(a, lite, `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}`));
  }
  const sent = [];
  const answered = [];
  for (let i = 0; i < settings.watchCreates; i++) {
    sent[i] = performance.now();
    const r = await target.send(agent, i);
    answered[i] = r.ok ? performance.now() : undefined;
  }
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline && watches.some((w) => w.arrivals.size < settings.watchCreates)) await sleep(10);
  const fromSend = [];
  const fromResponse = [];
  let missing = 0;
  let beforeResponse = 0;
  for (const w of watches) {
    for (let i = 0; i < settings.watchCreates; i++) {
      const at = w.arrivals.get(nameOf('w', i));
      if (at === undefined || answered[i] === undefined) {
        missing++;
        continue;
      }
      fromSend.push(at - sent[i]);
      fromResponse.push(at - answered[i]);
      if (at < answered[i]) beforeResponse++;
    }
  }
  for (const w of watches) w.close();
  for (const a of watchAgents) a.destroy();
  agent.destroy();
  return {
    watchers: settings.watchers,
    creates: settings.watchCreates,
    eventsExpected: settings.watchers * settings.watchCreates,
    eventsMissing: missing,
    sendToEventMs: summarize(fromSend),
    responseToEventMs: summarize(fromResponse),
    eventsBeforeResponse: beforeResponse,
    note: 'sequential creates by one client; responseToEvent is negative when the event reached the watcher before the create response reached the client',
  };
}

// ---------------------------------------------------------------- main

let partial;

async function main() {
  installCleanupHooks();
  const results = (partial = {
    benchmark: 'apiserver',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      kernel: os.release(),
      loadavgAtStart: os.loadavg().map((v) => round(v, 2)),
      note: `client (this load generator), lite, etcd and the ceiling server all share these ${os.cpus().length} cores`,
    },
    lite: { root: liteRoot, ...gitInfo(), distBuiltAt: distBuiltAt(), buildNote: liteRoot === repoRoot ? process.env.BENCH_BUILD_NOTE : undefined },
    settings: { ...settings, requestBodyBytes: BODY_BYTES, object: 'ConfigMap with data.payload of payloadBytes printable characters', tls: 'ECDSA P-256 everywhere: lite and the ceiling serve lite\'s serving certificate, etcd its own from lite\'s server CA; client certificate auth (lite\'s admin certificate) against all three' },
    phases: {},
    phaseSeconds: {},
  });
  const waitQuiet = Number(opt('--wait-quiet', '0'));
  if (waitQuiet > 0) {
    // The machine is shared: wait (bounded) for 3 s in a row with under 15% of it busy.
    const t0 = performance.now();
    let quiet = 0;
    while (quiet < 3 && performance.now() - t0 < waitQuiet * 1000) quiet = (await machineBusy(1000)) < 0.15 ? quiet + 1 : 0;
    results.machine.waitedForQuietSeconds = round((performance.now() - t0) / 1000, 1);
    results.machine.quietReached = quiet >= 3;
    log(`waited ${results.machine.waitedForQuietSeconds} s for a quiet machine: ${quiet >= 3 ? 'reached' : 'not reached'}`);
    t0Budget = performance.now();
  }
  results.machine.busyFractionBeforeStart = await machineBusy(500);

  // ---- peers: etcd binary and client ----
  let etcdInfo = { enabled: settings.etcd };
  let etcdMode;
  let etcdModes = [];
  let etcd3;
  if (settings.etcd) {
    const bin = ensureEtcdBinary({ allowInstall: settings.installEtcd });
    if (bin.error) {
      etcdInfo = { enabled: false, error: bin.error };
      log(`etcd: NOT AVAILABLE: ${bin.error}`);
    } else {
      const want = opt('--etcd-client', 'auto');
      const loaded = want === 'gateway' ? { reason: 'gateway chosen with --etcd-client gateway' } : await loadEtcd3();
      if (want === 'grpc' && !loaded.mod) throw new Error(`--etcd-client grpc: the etcd3 package cannot be loaded (${loaded.reason})`);
      etcd3 = loaded.mod;
      etcdMode = etcd3 ? 'grpc' : 'gateway';
      // With both clients to hand, throughput measures both: the gRPC client is the faithful one,
      // but in Node it costs the shared CPU more than etcd's JSON gateway does; lite is compared
      // with the better of the two.
      etcdModes = etcd3 && want === 'auto' ? ['grpc', 'gateway'] : [etcdMode];
      etcdInfo = {
        enabled: true,
        binary: bin.path,
        version: bin.version,
        client: etcd3
          ? `gRPC via the etcd3 npm package (${loaded.from}), one client/channel per simulated client`
          : `HTTP/JSON gateway POST /v3/kv/put over keep-alive HTTPS (${loaded.reason}); the gateway is a proxy inside etcd, so etcd pays extra CPU per put`,
        throughputClients: etcd3 && want === 'auto' ? 'both: "etcd" = gRPC (etcd3), "etcdGateway" = HTTP/JSON gateway; lite÷etcd uses the higher' : undefined,
        tls: 'client certs required (--client-cert-auth); lite\'s admin client certificate',
        operation: 'plain put of the same ConfigMap JSON bytes under /registry/configmaps/<ns>/<name> (no create-if-absent txn)',
      };
      log(`etcd ${bin.version} (${etcdMode})`);
    }
  }
  results.etcd = etcdInfo;

  // ---- start-up (first, on a quiet machine) ----
  results.startup = await phase(results, 'startup', 60_000, async () => {
    const fresh = [];
    for (let i = 0; i < settings.startupRunsFresh; i++) fresh.push(await measureStartup(liteRoot, { args: API_ONLY }));
    const dir = makeTempDir('lite-bench-restart-');
    await measureStartup(liteRoot, { dataDir: dir, args: API_ONLY }); // creates the data dir; not counted
    const restart = [];
    for (let i = 0; i < settings.startupRunsRestart; i++) restart.push(await measureStartup(liteRoot, { dataDir: dir, args: API_ONLY }));
    const pick = (runs, k) => runs.map((r) => round(r[k], 1));
    const load = [];
    for (let i = 0; i < 3; i++) load.push(await measureModuleLoad(liteRoot));
    // Where the start-up time goes: one profiled fresh start, spawn → ready.
    let profile;
    try {
      const profDir = makeTempDir('lite-bench-prof-');
      const sp = await startLite(liteRoot, { args: API_ONLY, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '250'] });
      const spStop = await stopLite(sp);
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        const summary = summarizeCpuProfile(join(profDir, file), { window: { fromMs: 0, toMs: sp.readyMs }, repoRoot: liteRoot + '/', top: 15 });
        profile = { method: 'node --cpu-prof (250 µs sampling) of one fresh start, spawn → "ready" line; the profile starts after node\'s own boot', spawnToReadyMs: round(sp.readyMs, 1), ...summary };
      } else {
        profile = { error: `no .cpuprofile written (lite stop: ${JSON.stringify(spStop)}; stderr: ${sp.handle.stderrTail.slice(-300)})` };
      }
    } catch (e) {
      profile = { error: e.message };
    }
    return {
      moduleLoadFloor: { method: 'spawn → exit of `node bin/lite --version` (node boot + loading lite\'s modules, no server)', medianMs: round(median(load), 1), runsMs: load.map((v) => round(v, 1)) },
      profile,
      method: 'spawn `node bin/lite server` on a free port → first HTTP 200 from GET /readyz (polled every 5 ms); then SIGTERM',
      freshDataDir: { runs: fresh.length, medianMs: round(median(fresh.map((r) => r.readyzMs)), 1), readyzMs: pick(fresh, 'readyzMs'), selfReportedMs: pick(fresh, 'selfReportedMs'), stopMs: pick(fresh, 'stopMs') },
      existingDataDir: { runs: restart.length, medianMs: round(median(restart.map((r) => r.readyzMs)), 1), readyzMs: pick(restart, 'readyzMs'), selfReportedMs: pick(restart, 'selfReportedMs'), stopMs: pick(restart, 'stopMs') },
      stopsForced: [...fresh, ...restart].filter((r) => r.stopForced).length,
      stopsNotClean: [...fresh, ...restart].filter((r) => r.exitCode !== 0).map((r) => ({ exitCode: r.exitCode, signal: r.exitSignal })),
    };
  });

  // ---- servers for the load phases ----
  log('starting lite, etcd and the ceiling server…');
  const lite = await startLite(liteRoot, { args: API_ONLY });
  const tls = readKubeconfigTls(lite.kubeconfigPath);
  const tlsFiles = liteTlsFiles(lite.dir);
  const ceiling = spawnTracked(process.execPath, [join(here, 'ceiling-server.mjs')], {
    name: 'ceiling',
    env: { ...process.env, CEILING_CERT: tlsFiles.cert, CEILING_KEY: tlsFiles.key, CEILING_CLIENT_CA: tlsFiles.clientCa },
  });
  const ceilingPort = Number((await waitForLine(ceiling, /ceiling listening on (\d+)/, 10_000))[1]);
  let etcd;
  if (etcdInfo.enabled) {
    try {
      etcd = await startEtcd(etcdInfo.binary, tlsFiles, tls);
      etcdInfo.startMs = round(etcd.startMs, 1);
      etcdInfo.serverCertificate = etcd.certNote;
    } catch (e) {
      etcdInfo.enabled = false;
      etcdInfo.error = `etcd did not start: ${e.message}`;
      log(etcdInfo.error);
    }
  }
  const pids = { lite: lite.handle.pid, etcd: etcd?.handle.pid, ceiling: ceiling.pid };
  results.servers = { lite: { url: lite.url, startedInMs: round(lite.readyMs, 1) }, ceiling: { port: ceilingPort }, etcd: etcd ? { url: etcd.url } : undefined };

  for (const ns of ['bench-lat', 'bench-list', 'bench-tp', 'bench-ol']) await createNamespace(lite, tls, ns);

  // ---- sequential latency ----
  results.latency = await phase(results, 'latency', 60_000, async () => {
    const out = {};
    const lt = liteTarget(lite, tls, 'bench-lat', 'lat');
    const a = lt.newClient();
    await sequential(settings.latencyWarmup, (i) => lt.send(a, 1_000_000 + i));
    out.lite = {
      createMs: await sequential(settings.latencyCreates, (i) => lt.send(a, i)),
      getMs: await sequential(settings.latencyGets, (i) => lt.get(a, i % settings.latencyCreates)),
    };
    const ll = liteTarget(lite, tls, 'bench-list', 'list');
    for (let i = 0; i < settings.listObjects; i++) await ll.send(a, i);
    const sizes = [];
    out.lite.listMs = await sequential(settings.latencyLists, async () => {
      const r = await ll.list(a);
      sizes.push(r.bytes);
      return r;
    });
    out.lite.listMs.objects = settings.listObjects;
    out.lite.listMs.responseBytes = sizes[0];
    a.destroy();
    if (etcd) {
      const et = makeEtcdTarget(etcd, etcdMode, etcd3, tls, 'lat');
      const c = et.newClient();
      await sequential(settings.latencyWarmup, (i) => et.send(c, 1_000_000 + i));
      out.etcd = { putMs: await sequential(settings.latencyCreates, (i) => et.send(c, i)) };
      et.closeClient(c);
    }
    const ct = ceilingTarget(ceilingPort, tls, 'lat');
    const c = ct.newClient();
    await sequential(settings.latencyWarmup, (i) => ct.send(c, i));
    out.ceiling = { createMs: await sequential(settings.latencyCreates, (i) => ct.send(c, i)) };
    ct.closeClient(c);
    return out;
  });

  // ---- watch delivery ----
  results.watch = await phase(results, 'watch', 30_000, () => watchDelivery(lite, tls));

  // ---- throughput ----
  // Per client count: each target's clients are connected and warmed once, then the targets take
  // turns (rotating order) for several short rounds, so a burst of foreign load on the shared
  // machine lands on all of them rather than on one. Throughput is the median of the rounds.
  results.throughput = await phase(results, 'throughput', 120_000, async () => {
    const out = { etcdGateway: etcd && etcdModes.length > 1 ? {} : undefined, method: `closed loop; per client count: ${settings.throughputWarmupMs} ms warm-up per target, then ${settings.throughputRounds} rounds (${settings.throughputRoundsAt16} with 16 clients) × ${settings.throughputRoundMs} ms per target in rotating order; perSecond = median of rounds`, lite: {}, etcd: etcd ? {} : undefined, ceiling: {}, ratios: {} };
    for (const c of settings.concurrency) {
      log(`  throughput: ${c} client(s)`);
      const targets = [
        { key: 'lite', t: liteTarget(lite, tls, 'bench-tp', `tp${c}`), pid: pids.lite },
        ...(etcd ? etcdModes.map((m) => ({ key: m === 'gateway' && etcdModes.length > 1 ? 'etcdGateway' : 'etcd', t: makeEtcdTarget(etcd, m, etcd3, tls, `tp${c}${m[0]}`), pid: pids.etcd })) : []),
        { key: 'ceiling', t: ceilingTarget(ceilingPort, tls, `tp${c}`), pid: pids.ceiling },
      ];
      for (const x of targets) {
        x.clients = Array.from({ length: c }, () => x.t.newClient());
        x.rounds = [];
        x.seq = 0;
        const w = await closedLoop(x.t, { concurrency: c, clients: x.clients, warmupMs: 0, durationMs: settings.throughputWarmupMs });
        x.seq = w.nextSeq;
      }
      const rounds = c === 16 ? settings.throughputRoundsAt16 : settings.throughputRounds;
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < targets.length; k++) {
          const x = targets[(r + k) % targets.length];
          const res = await closedLoop(x.t, { concurrency: c, clients: x.clients, seqStart: x.seq, warmupMs: 0, durationMs: settings.throughputRoundMs, cpuPids: x.pid ? [x.pid] : [] });
          x.seq = res.nextSeq;
          x.rounds.push(res);
        }
      }
      for (const x of targets) {
        for (const cl of x.clients) x.t.closeClient?.(cl);
        const rs = x.rounds;
        const perSecond = median(rs.map((q) => q.perSecond));
        const mean = (f) => {
          const v = rs.map(f).filter((n) => Number.isFinite(n));
          return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
        };
        const serverCores = mean((q) => q.cpu?.serverCores);
        out[x.key][c] = {
          clients: c,
          perSecond: round(perSecond, 1),
          roundsPerSecond: rs.map((q) => round(q.perSecond, 1)),
          completed: rs.reduce((a, q) => a + q.completed, 0),
          errors: rs.reduce((a, q) => a + q.errors, 0),
          firstError: rs.find((q) => q.firstError)?.firstError,
          seconds: round(rs.reduce((a, q) => a + q.seconds, 0), 2),
          latencyMs: summarize(rs.flatMap((q) => q.latencyMs)),
          serverCores: round(serverCores, 2),
          serverCpuMsPerRequest: round((1000 * rs.reduce((a, q) => a + (q.cpu?.serverCores ?? NaN) * q.seconds, 0)) / rs.reduce((a, q) => a + q.completed, 0), 3),
          clientCores: round(mean((q) => q.cpu?.clientCores), 2),
          clientCpuMsPerRequest: round((1000 * rs.reduce((a, q) => a + (q.cpu?.clientCores ?? NaN) * q.seconds, 0)) / rs.reduce((a, q) => a + q.completed, 0), 3),
          otherProcessesCores: round(mean((q) => q.cpu?.otherCores), 2),
        };
      }
      const etcdBest = etcd ? [out.etcd[c], out.etcdGateway?.[c]].filter(Boolean).sort((a, b) => b.perSecond - a.perSecond)[0] : undefined;
      out.ratios[c] = {
        liteOverEtcd: etcdBest ? ratio(out.lite[c].perSecond, etcdBest.perSecond) : undefined,
        etcdCompared: etcdBest ? (etcdBest === out.etcd[c] ? etcdModes[0] : 'gateway') : undefined,
        liteOverEtcdGrpc: etcd && etcdModes[0] === 'grpc' ? ratio(out.lite[c].perSecond, out.etcd[c].perSecond) : undefined,
        liteOverEtcdGateway: out.etcdGateway ? ratio(out.lite[c].perSecond, out.etcdGateway[c].perSecond) : etcdModes[0] === 'gateway' ? ratio(out.lite[c].perSecond, out.etcd[c].perSecond) : undefined,
        liteOverCeiling: ratio(out.lite[c].perSecond, out.ceiling[c].perSecond),
        liteOverEtcdServerCpuPerRequest: etcdBest ? ratio(out.lite[c].serverCpuMsPerRequest, etcdBest.serverCpuMsPerRequest) : undefined,
      };
    }
    return out;
  });

  // ---- open loop at a fixed offered rate ----
  results.openLoop = await phase(results, 'openLoop', 60_000, async () => {
    const out = {};
    const shape = (r) => ({
      offeredPerSec: r.offeredPerSec,
      achievedPerSec: round(r.achievedPerSec, 1),
      sent: r.sent,
      errors: r.errors,
      firstError: r.firstError,
      droppedAtClient: r.droppedAtClient,
      latencyFromScheduleMs: summarize(r.latencyMs),
      clientSendLagMs: summarize(r.sendLagMs),
      perSecondP99Ms: perSecond(r.timeline).map((x) => round(x, 2)),
      slowest: [...r.timeline].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([at, ms, lag]) => ({ atSecond: round(at, 3), latencyMs: round(ms, 2), clientSendLagMs: round(lag, 2) })),
      serverCores: r.cpu ? round(r.cpu.serverCores, 2) : undefined,
      clientCores: r.cpu ? round(r.cpu.clientCores, 2) : undefined,
      otherProcessesCores: r.cpu ? round(r.cpu.otherCores, 2) : undefined,
    });
    const perSecond = (timeline) => {
      const buckets = [];
      for (const [at, ms] of timeline) (buckets[Math.floor(at)] ??= []).push(ms);
      return [...buckets].map((b) => summarize(b ?? []).p99);
    };
    const opts = (pid) => ({ ratePerSec: settings.openLoopRate, warmupMs: settings.openLoopWarmupMs, durationMs: settings.openLoopMs, cpuPids: pid ? [pid] : [] });
    out.lite = shape(await openLoop(liteTarget(lite, tls, 'bench-ol', 'ol'), opts(pids.lite)));
    if (etcd) out.etcd = shape(await openLoop(makeEtcdTarget(etcd, etcdMode, etcd3, tls, 'ol'), opts(pids.etcd)));
    out.ceiling = shape(await openLoop(ceilingTarget(ceilingPort, tls, 'ol'), opts(pids.ceiling)));
    out.method = `open loop: request i scheduled at t0 + i/${settings.openLoopRate}s over keep-alive connections (up to 64), latency measured from the scheduled time`;
    return out;
  });

  // ---- stop the peers before profiling so the profile run has the machine ----
  results.liteObjectsStored = undefined;
  const stopped = {};
  stopped.lite = await stopLite(lite);
  if (etcd) stopped.etcd = await stopTracked(etcd.handle);
  stopped.ceiling = await stopTracked(ceiling);
  results.serverStops = Object.fromEntries(Object.entries(stopped).map(([k, v]) => [k, { exitCode: v.code, signal: v.signal, stopMs: round(v.stopMs, 1), forced: v.forced ?? false }]));

  // ---- CPU profile of lite under 16-client creates ----
  if (settings.profile) {
    results.profile = await phase(results, 'profile', 40_000, async () => {
      const profDir = makeTempDir('lite-bench-prof-');
      const pl = await startLite(liteRoot, { args: API_ONLY, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] });
      const ptls = readKubeconfigTls(pl.kubeconfigPath);
      await createNamespace(pl, ptls, 'bench-prof');
      const loadStart = performance.now();
      const r = await closedLoop(liteTarget(pl, ptls, 'bench-prof', 'prof'), { concurrency: settings.profileClients, warmupMs: 500, durationMs: settings.profileMs, cpuPids: [pl.handle.pid] });
      const loadEnd = performance.now();
      const stop = await stopLite(pl);
      const exitAt = performance.now();
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no .cpuprofile written (lite exit code ${stop.code}, signal ${stop.signal})`);
      const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
      const profMs = (prof.endTime - prof.startTime) / 1000;
      // The profile ends at exit; place the load window by its distance from the exit.
      const window = { fromMs: profMs - (exitAt - loadStart - 500), toMs: profMs - (exitAt - loadEnd) };
      const summary = summarizeCpuProfile(join(profDir, file), { window, repoRoot: liteRoot + '/' });
      const keep = join(here, 'results', 'profiles');
      mkdirSync(keep, { recursive: true });
      const kept = join(keep, 'lite-create-16-clients.cpuprofile');
      writeFileSync(kept, JSON.stringify(prof));
      return {
        method: `node --cpu-prof on a separate lite server while ${settings.profileClients} clients create ConfigMaps for ${settings.profileMs / 1000} s; self time over the load window (idle excluded)`,
        createsPerSecondWhileProfiled: round(r.perSecond, 1),
        serverCores: r.cpu ? round(r.cpu.serverCores, 2) : undefined,
        profileFile: relative(repoRoot, kept) + ' (not committed; open in Chrome DevTools → Performance)',
        ...summary,
      };
    });
  }

  results.machine.loadavgAtEnd = os.loadavg().map((v) => round(v, 2));
  results.totalSeconds = round((performance.now() - t0Run) / 1000, 1);
  results.noise = noiseSummary(results);
  results.targets = evaluateTargets(results);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile + '.tmp', JSON.stringify(results, null, 2) + '\n');
  renameSync(outFile + '.tmp', outFile);
  printReport(results);
  process.stdout.write(`\nresults: ${relative(process.cwd(), outFile)}\n`);
}

/** How much CPU other processes took while we measured (the box is shared): a reliability hint. */
function noiseSummary(r) {
  const v = [];
  for (const k of ['lite', 'etcd', 'etcdGateway', 'ceiling']) {
    for (const x of Object.values(r.throughput?.[k] ?? {})) if (Number.isFinite(x.otherProcessesCores)) v.push(x.otherProcessesCores);
    const o = r.openLoop?.[k];
    if (Number.isFinite(o?.otherProcessesCores)) v.push(o.otherProcessesCores);
  }
  if (!v.length) return undefined;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return {
    otherProcessesCoresMean: round(mean, 2),
    otherProcessesCoresMax: round(Math.max(...v), 2),
    reliable: mean < 0.25,
    note: 'CPU used by processes other than the load generator and the measured server during the load phases, out of ' + os.cpus().length + ' cores; above ~0.25 the numbers (latency tails most) mostly measure the neighbours',
  };
}

function evaluateTargets(r) {
  const t16 = r.throughput?.ratios?.[16]?.liteOverEtcd;
  const p99 = r.openLoop?.lite?.latencyFromScheduleMs?.p99;
  const start = r.startup?.freshDataDir?.medianMs;
  const startWarm = r.startup?.existingDataDir?.medianMs;
  return [
    { target: 'lite create throughput ≥ 0.9 × etcd puts, 16 clients', value: t16, reached: t16 === undefined ? undefined : t16 >= 0.9 },
    { target: `lite p99 create latency ≤ 10 ms at ${settings.openLoopRate} creates/s (open loop)`, valueMs: p99, reached: p99 === undefined ? undefined : p99 <= 10 },
    { target: 'start-up < 1 s (spawn → /readyz ok, median, fresh data dir)', valueMs: start, reached: start === undefined ? undefined : start < 1000 },
    { target: 'start-up < 1 s (spawn → /readyz ok, median, existing data dir)', valueMs: startWarm, reached: startWarm === undefined ? undefined : startWarm < 1000 },
  ];
}

// ---------------------------------------------------------------- report

function printReport(r) {
  const out = [];
  const p = (s = '') => out.push(s);
  const f = (v, d = 2) => (v === undefined || v === null ? '—' : typeof v === 'number' ? v.toFixed(d) : String(v));
  const row = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  p('');
  p(`lite API server benchmark — ${r.date}`);
  p(`machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, node ${r.machine.node}; load avg at start ${r.machine.loadavgAtStart.join(' ')}, busy before start ${f((r.machine.busyFractionBeforeStart ?? 0) * 100, 0)}%`);
  p(`NOTE: the load generator, lite, etcd and the ceiling server all share these ${r.machine.cpus} cores.`);
  p(`lite ${r.lite?.commit?.slice(0, 12) ?? '?'}${r.lite?.srcDirty ? ' (src has uncommitted changes)' : ''}; object: ConfigMap, ${r.settings.requestBodyBytes} B request body; TLS: ECDSA P-256, client-cert auth`);
  p(`etcd: ${r.etcd.enabled ? `${r.etcd.version} — ${r.etcd.client}` : `NOT MEASURED: ${r.etcd.error ?? 'disabled'}`}`);
  for (const [k, v] of Object.entries(r.phases)) p(`phase ${k}: ${v.error ? `FAILED — ${v.error}` : v.skipped}`);
  if (r.noise && !r.noise.reliable) p(`WARNING: other processes used ${r.noise.otherProcessesCoresMean} of ${r.machine.cpus} cores on average (max ${r.noise.otherProcessesCoresMax}) while load ran: a noisy machine; tails especially are not trustworthy.`);

  if (r.startup) {
    p('');
    p('start-up (spawn → /readyz 200)        median     runs (ms)');
    p(`  fresh data dir (PKI generated)     ${f(r.startup.freshDataDir.medianMs, 0).padStart(6)} ms   ${r.startup.freshDataDir.readyzMs.map((v) => f(v, 0)).join(' ')}`);
    p(`  existing data dir (restart)        ${f(r.startup.existingDataDir.medianMs, 0).padStart(6)} ms   ${r.startup.existingDataDir.readyzMs.map((v) => f(v, 0)).join(' ')}`);
    p(`  server's own "ready in" (fresh)    ${f(median(r.startup.freshDataDir.selfReportedMs), 0).padStart(6)} ms   (from its log line: excludes node boot and module loading)`);
    p(`  \`lite --version\` spawn → exit       ${f(r.startup.moduleLoadFloor.medianMs, 0).padStart(6)} ms   (node boot + module loading floor)`);
    const sp = r.startup.profile;
    if (sp?.error) p(`  start-up profile failed: ${sp.error}`);
    if (sp?.areas) p(`  profiled start (${f(sp.spawnToReadyMs, 0)} ms, ${sp.busyMs} ms on CPU): ${sp.areas.slice(0, 6).map((a) => `${a.area} ${a.selfPct}%`).join(', ')}`);
  }
  if (r.latency) {
    const w = [34, 8, 8, 8, 8];
    p('');
    p(row(['sequential latency, 1 client (ms)', 'p50', 'p99', 'max', 'n'], w));
    const L = (label, s) => s && p(row([label, f(s.p50), f(s.p99), f(s.max), s.count], w));
    L('lite create', r.latency.lite?.createMs);
    L('lite get', r.latency.lite?.getMs);
    L(`lite list (${r.latency.lite?.listMs?.objects} objects, ${Math.round((r.latency.lite?.listMs?.responseBytes ?? 0) / 1024)} KB)`, r.latency.lite?.listMs);
    L('etcd put', r.latency.etcd?.putMs);
    L('ceiling POST', r.latency.ceiling?.createMs);
  }
  if (r.watch) {
    const w = [34, 8, 8, 8, 8];
    p('');
    p(row([`watch delivery, ${r.watch.watchers} watchers (ms)`, 'p50', 'p99', 'max', 'n'], w));
    p(row(['create sent → event', f(r.watch.sendToEventMs.p50), f(r.watch.sendToEventMs.p99), f(r.watch.sendToEventMs.max), r.watch.sendToEventMs.count], w));
    p(row(['create response → event', f(r.watch.responseToEventMs.p50), f(r.watch.responseToEventMs.p99), f(r.watch.responseToEventMs.max), r.watch.responseToEventMs.count], w));
    p(`  (${r.watch.eventsBeforeResponse} of ${r.watch.eventsExpected} events arrived before the create's response; ${r.watch.eventsMissing} missing)`);
  }
  if (r.throughput) {
    const T = r.throughput;
    const cols = [['lite', 'lite'], ['etcd', r.etcd.throughputClients || r.etcd.client?.startsWith('gRPC') ? 'etcd gRPC' : 'etcd gw'], ['etcdGateway', 'etcd gw'], ['ceiling', 'ceiling']].filter(([k]) => T[k]);
    const w = [14, 7, ...cols.map(() => 15)];
    const table = (title, cell, extras = []) => {
      const ww = [...w, ...extras.map(() => 10)];
      p(row([title, 'clients', ...cols.map(([, label]) => label), ...extras.map(([label]) => label)], ww));
      for (const c of r.settings.concurrency) p(row(['', c, ...cols.map(([k]) => (T[k]?.[c] ? cell(T[k][c]) : '—')), ...extras.map(([, fn]) => fn(c))], ww));
    };
    p('');
    table('creates/s', (x) => f(x.perSecond, 0), [
      ['lite÷etcd', (c) => f(T.ratios[c]?.liteOverEtcd)],
      ['lite÷ceil', (c) => f(T.ratios[c]?.liteOverCeiling)],
    ]);
    table('rounds', (x) => x.roundsPerSecond.map((v) => f(v, 0)).join('/'));
    table('p50/p99 ms', (x) => `${f(x.latencyMs.p50, 1)}/${f(x.latencyMs.p99, 1)}`);
    table('server cores', (x) => f(x.serverCores));
    table('srv CPU ms/req', (x) => f(x.serverCpuMsPerRequest, 3), [['lite÷etcd', (c) => f(T.ratios[c]?.liteOverEtcdServerCpuPerRequest)]]);
    table('client+other', (x) => `${f(x.clientCores)}+${f(x.otherProcessesCores)}`);
    p('  (lite÷etcd against the faster etcd client; cores = CPU seconds per second; "client" is this load');
    p('   generator, "other" everything else running on the machine meanwhile)');
    const errs = cols.flatMap(([k]) => Object.values(T[k] ?? {}).filter((x) => x.errors).map((x) => `${k}@${x.clients}: ${x.errors} errors (${x.firstError})`));
    if (errs.length) p(`  errors: ${errs.join('; ')}`);
  }
  if (r.openLoop) {
    const w = [34, 9, 8, 8, 8, 8];
    p('');
    p(row([`open loop, ${r.settings.openLoopRate} creates/s offered (ms)`, 'achieved', 'p50', 'p99', 'max', 'errors'], w));
    for (const k of ['lite', 'etcd', 'ceiling']) {
      const o = r.openLoop[k];
      if (o) p(row([k, f(o.achievedPerSec, 0), f(o.latencyFromScheduleMs.p50), f(o.latencyFromScheduleMs.p99), f(o.latencyFromScheduleMs.max), o.errors + o.droppedAtClient], w));
    }
    for (const k of ['lite', 'etcd', 'ceiling']) {
      const o = r.openLoop[k];
      if (o) p(`  ${k.padEnd(8)} p99 per second: ${o.perSecondP99Ms.map((v) => f(v, 1)).join(' ')}; client send lag p99 ${f(o.clientSendLagMs.p99)} ms; other processes ${f(o.otherProcessesCores)} cores`);
    }
  }
  if (r.profile) {
    p('');
    p(`lite CPU profile, ${r.settings.profileClients} clients creating (${f(r.profile.createsPerSecondWhileProfiled, 0)}/s while profiled; busy ${r.profile.busyMs} ms, idle ${r.profile.idleMs} ms)`);
    p('  self time by area:');
    for (const a of r.profile.areas.slice(0, 12)) p(`    ${String(a.selfPct).padStart(5)}%  ${a.area}`);
    p('  top functions by self time:');
    for (const fn of r.profile.topFunctions.slice(0, 15)) p(`    ${String(fn.selfPct).padStart(5)}%  ${fn.function}  ${fn.location}`);
  }
  p('');
  p('targets (issue 2):');
  if (r.noise && !r.noise.reliable) p(`  (measured on a busy machine: other processes took ${r.noise.otherProcessesCoresMean} cores on average)`);
  for (const t of r.targets) {
    const v = t.value !== undefined ? f(t.value) : t.valueMs !== undefined ? `${f(t.valueMs)} ms` : '—';
    p(`  ${t.reached === undefined ? 'n/a ' : t.reached ? 'MET ' : 'MISS'}  ${t.target}: ${v}`);
  }
  p(`total ${r.totalSeconds} s`);
  process.stdout.write(out.join('\n') + '\n');
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench failed: ${e.stack ?? e}\n`);
  process.exitCode = 1;
  if (partial) {
    // Keep what was measured, marked as a failed run.
    partial.failed = String(e.message ?? e);
    partial.totalSeconds = round((performance.now() - t0Run) / 1000, 1);
    try {
      mkdirSync(dirname(outFile), { recursive: true });
      writeFileSync(outFile, JSON.stringify(partial, null, 2) + '\n');
      process.stderr.write(`partial results written to ${outFile}\n`);
    } catch {
      /* nothing more to do */
    }
  }
} finally {
  await stopAll();
}
