/**
 * Scheduler benchmark (issue 3): the real `bin/lite server` with simulated nodes, driven over
 * HTTPS the way scheduler_perf drives kube-scheduler, on one machine whose cores the load
 * generator shares.
 *
 * Scenarios (each time-boxed, each on a fresh server and data dir):
 *  - basic   (scheduler_perf SchedulingBasic, scaled up): `--simulate-nodes 5000`; 10 000 plain
 *            pods (no controller, small requests) created as fast as several concurrent clients
 *            can. Scheduling throughput = pods bound per second, from the first to the last
 *            binding seen on a watch of the pods (also per-second samples as scheduler_perf
 *            reports them: average and percentiles), create→bound latency, and the server's RSS.
 *  - density: `--simulate-nodes 1000`; 30 000 pods created; the time until all are Running
 *            (the simulated kubelets write every pod's status) and the server's RSS with them.
 *
 * Before creating pods each scenario waits until every node is Ready and untainted, then measures
 * the idle cost of the simulated kubelets (server CPU while nothing else happens). RSS (VmRSS) is
 * sampled from /proc/<pid>/status every 250 ms; VmHWM is the kernel's peak.
 *
 * Usage: node bench/scheduler-bench.mjs [--quick] [--only basic,density] [--clients N]
 *        [--basic-nodes N] [--basic-pods N] [--density-nodes N] [--density-pods N]
 *        [--profile] [--out FILE] [--lite-root DIR] [--server-arg ARG …] [--node-arg ARG …] [--server-stderr]
 *        [--wait-quiet SECONDS]
 * --quick runs small sizes (a smoke run, ≈ 1 minute); --profile runs the server under
 * `node --cpu-prof` and summarises where the time of the measured window went (numbers taken
 * under the profiler are marked as such); --server-arg passes a flag to `lite server` (repeatable);
 * --wait-quiet SECONDS waits, before each scenario and at most that long, for a quiet machine.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHooks, makeTempDir, stopAll } from './lib/children.mjs';
import { summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { makeAgent, request, sleep } from './lib/http-load.mjs';
import { watchNamespacePods } from './lib/pod-watch.mjs';
import { readKubeconfigTls, startLite, stopLite } from './lib/lite.mjs';
import { machineInfo, gitInfo } from './lib/run-info.mjs';
import { round, summarize } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');

// ---------------------------------------------------------------- settings

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const opts = (name) => argv.flatMap((a, i) => (a === name && argv[i + 1] !== undefined ? [argv[i + 1]] : []));
const quick = flag('--quick');
const num = (name, dflt) => {
  const v = Number(opt(name, dflt));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number, got ${opt(name)}`);
  return v;
};
const settings = {
  quick,
  clients: num('--clients', 8),
  basic: { nodes: num('--basic-nodes', quick ? 500 : 5000), pods: num('--basic-pods', quick ? 1000 : 10_000) },
  density: { nodes: num('--density-nodes', quick ? 100 : 1000), pods: num('--density-pods', quick ? 3000 : 30_000) },
  /** scheduler_perf's default pod (config/templates/pod-default.yaml): 100m cpu, 500Mi memory. */
  podRequests: { cpu: '100m', memory: '500Mi' },
  /** Server CPU with nothing but the simulated kubelets running. */
  idleSampleMs: quick ? 2000 : 5000,
  /** Waiting after the last pod for RSS to settle (GC) before the "after" sample. */
  settleMs: quick ? 2000 : 5000,
  rssSampleMs: 250,
  /** A scenario gives up when nothing progressed for this long, or after its budget. */
  stallMs: 90_000,
  profile: flag('--profile'),
  serverArgs: opts('--server-arg'),
  /** Flags for node itself when it runs the server (e.g. --max-old-space-size=…, --trace-deopt). */
  nodeArgs: opts('--node-arg'),
  /** Before each scenario, wait up to this many seconds for 3 s in a row with the machine under 15% busy. */
  waitQuietSeconds: num('--wait-quiet', 0),
  /** Copy the server's stderr (its warnings and errors) to ours. */
  serverStderr: flag('--server-stderr'),
};
const targets = { basicPodsPerSecond: 1000, densityRssBytes: 1024 ** 3 };
const outFile = resolve(opt('--out', join(here, 'results', 'scheduler.json')));
const onlyScenarios = opt('--only')?.split(',');
const liteRoot = resolve(opt('--lite-root', repoRoot));
const NS = 'bench-sched';

// ---------------------------------------------------------------- /proc sampling

function readStatusKb(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return {};
  }
}

/** CPU seconds (user + system) of a process, or of its main thread with `/task/<pid>` as `sub`. */
function readProcCpu(pid, sub = '') {
  try {
    const stat = readFileSync(`/proc/${pid}${sub}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** All cores' busy seconds. */
function readMachineBusy() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / 100;
  } catch {
    return undefined;
  }
}

function cpuMark(pid) {
  const u = process.cpuUsage();
  return { t: performance.now(), server: readProcCpu(pid), serverMain: readProcCpu(pid, `/task/${pid}`), client: (u.user + u.system) / 1e6, machine: readMachineBusy() };
}

/** Cores used between two marks: the server, this load generator, and every other process. */
function cpuBetween(a, b) {
  const s = (b.t - a.t) / 1000;
  if (s <= 0) return undefined;
  const server = a.server === undefined || b.server === undefined ? undefined : (b.server - a.server) / s;
  const client = (b.client - a.client) / s;
  const machine = a.machine === undefined || b.machine === undefined ? undefined : (b.machine - a.machine) / s;
  const other = machine === undefined ? undefined : Math.max(0, machine - client - (server ?? 0));
  // The main thread (event loop) is what saturates first: everything but fsyncs, GC helpers and
  // checkpoints runs there.
  const serverMain = a.serverMain === undefined || b.serverMain === undefined ? undefined : (b.serverMain - a.serverMain) / s;
  return { seconds: round(s, 2), serverCores: round(server, 2), serverMainThreadCores: round(serverMain, 2), clientCores: round(client, 2), otherCores: round(other, 2), machineCores: round(machine, 2) };
}

/** Samples the server's VmRSS every `everyMs`; `mark(label)` notes the phase changes. */
function rssSampler(pid, everyMs) {
  const samples = []; // [ms since start, rss bytes]
  const t0 = performance.now();
  let peak = 0;
  let phasePeak = 0;
  const sample = () => {
    const { rss } = readStatusKb(pid);
    if (rss === undefined) return;
    samples.push([Math.round(performance.now() - t0), rss]);
    if (rss > peak) peak = rss;
    if (rss > phasePeak) phasePeak = rss;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    now() {
      sample();
      return samples.at(-1)?.[1];
    },
    /** The highest RSS since the last call (and resets it). */
    takePhasePeak() {
      sample();
      const p = phasePeak;
      phasePeak = samples.at(-1)?.[1] ?? 0;
      return p;
    },
    stop() {
      clearInterval(timer);
      // Down-sample the timeline to about one point a second for the report.
      const step = Math.max(1, Math.round(1000 / everyMs));
      return { peak, timeline: samples.filter((_, i) => i % step === 0).map(([ms, b]) => [round(ms / 1000, 1), mib(b)]) };
    },
  };
}

const mib = (b) => (b === undefined ? undefined : round(b / 1024 ** 2, 1));

/** The share of the machine's CPU time that was busy over `ms`. */
async function machineBusy(ms) {
  const a = readMachineTicks();
  await sleep(ms);
  const b = readMachineTicks();
  if (!a || !b || b.total === a.total) return undefined;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

function readMachineTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] ?? 0), total: f.reduce((x, y) => x + y, 0) };
  } catch {
    return undefined;
  }
}

/** Waits (bounded) for a quiet machine: 3 s in a row under 15% busy, as the API server bench does. */
async function waitQuiet(seconds) {
  const t0 = performance.now();
  let quiet = 0;
  while (quiet < 3 && performance.now() - t0 < seconds * 1000) quiet = (await machineBusy(1000)) < 0.15 ? quiet + 1 : 0;
  return { waitedSeconds: round((performance.now() - t0) / 1000, 1), reached: quiet >= 3, loadAverage: os.loadavg().map((v) => round(v, 2)) };
}

// ---------------------------------------------------------------- API helpers

function api(lite, agent) {
  const json = async (method, path, body, expect = [200]) => {
    const buf = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { accept: 'application/json', ...(buf ? { 'content-type': 'application/json', 'content-length': buf.length } : {}) };
    const r = await request(agent, lite.host, lite.port, method, path, headers, buf, true, 60_000);
    if (!expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status === -1 ? r.error : `HTTP ${r.status} ${r.body?.toString('utf8').slice(0, 300)}`}`);
    return r.body.length ? JSON.parse(r.body.toString('utf8')) : undefined;
  };
  return { json };
}

function nodeIsReady(node) {
  const taints = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable')) return false;
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Polls the node list (paged) until `want` nodes are Ready without not-ready taints. */
async function waitNodesReady(client, want, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  let ready = 0;
  while (performance.now() < deadline) {
    ready = 0;
    let cont = '';
    do {
      const page = await client.json('GET', `/api/v1/nodes?limit=1000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      for (const n of page.items) if (nodeIsReady(n)) ready++;
      cont = page.metadata?.continue ?? '';
    } while (cont);
    if (ready >= want) return ready;
    await sleep(2000);
  }
  throw new Error(`only ${ready}/${want} nodes Ready after ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * A watch on the namespace's pods from `resourceVersion`, resumed when the server ends it.
 * `onPod(pod, arrivedAt)` gets every ADDED/MODIFIED pod. Returns { stop(), errors }.
 */
function watchPods(lite, tls, resourceVersion, onPod) {
  return watchNamespacePods({
    lite,
    tls,
    namespace: NS,
    resourceVersion,
    onEvent: (type, pod, arrived) => {
      if (type === 'ADDED' || type === 'MODIFIED') onPod(pod, arrived);
    },
  });
}

const podName = (i) => `p-${String(i).padStart(6, '0')}`;
const podIndex = (name) => Number(name.slice(2));

function podBody(i) {
  const r = settings.podRequests;
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName(i), labels: { bench: 'scheduler' } },
      spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 80 }], resources: { requests: r, limits: r } }] },
    }),
  );
}

/**
 * `clients` closed-loop clients create pods 0…count-1 (each takes the next index). Records the
 * send time of each pod; resolves with the timings.
 */
async function createPods(lite, tls, count, clients, sentAt) {
  const path = `/api/v1/namespaces/${NS}/pods`;
  let next = 0;
  let errors = 0;
  let firstError;
  const latencies = [];
  const agents = [];
  const t0 = performance.now();
  const worker = async () => {
    const agent = makeAgent(tls);
    agents.push(agent);
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const body = podBody(i);
      const headers = { 'content-type': 'application/json', accept: 'application/json', 'content-length': body.length };
      for (let attempt = 0; ; attempt++) {
        const t = performance.now();
        sentAt[i] = t;
        const r = await request(agent, lite.host, lite.port, 'POST', path, headers, body, false, 60_000);
        if (r.status === 201) {
          latencies.push(performance.now() - t);
          break;
        }
        errors++;
        firstError ??= r.error ?? `HTTP ${r.status}`;
        // 409: an earlier attempt got through after all; anything else is retried a few times.
        if (r.status === 409 || attempt >= 3) break;
        await sleep(200);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const ms = performance.now() - t0;
  for (const a of agents) a.destroy();
  return { seconds: round(ms / 1000, 2), perSecond: round(count / (ms / 1000), 1), errors, firstError, latencyMs: summarize(latencies) };
}

/** scheduler_perf's throughput: pods scheduled in each whole second from the first binding. */
function perSecondSamples(times, from, to) {
  const n = Math.floor((to - from) / 1000);
  if (n < 1) return undefined;
  const bins = new Array(n).fill(0);
  for (const t of times) {
    const b = Math.floor((t - from) / 1000);
    if (b >= 0 && b < n) bins[b]++;
  }
  const s = summarize(bins);
  return { seconds: n, average: s.mean, p50: s.p50, p90: s.p90, p99: s.p99, min: s.min, max: s.max, samples: bins };
}

// ---------------------------------------------------------------- one scenario

/** The smallest 10.x.0.0/p holding one /24 per node (the default /16 when that is enough). */
function clusterCidrFor(nodes) {
  let bits = 16;
  while (bits > 9 && 2 ** (24 - bits) < nodes) bits--;
  return bits === 16 ? '10.42.0.0/16' : `10.128.0.0/${bits}`;
}

async function runScenario(name, { nodes, pods, untilRunning }) {
  const out = { nodes, pods, clients: settings.clients };
  if (settings.waitQuietSeconds > 0) {
    out.quiet = await waitQuiet(settings.waitQuietSeconds);
    process.stderr.write(`scheduler bench: ${name}: waited ${out.quiet.waitedSeconds} s for a quiet machine (${out.quiet.reached ? 'reached' : 'not reached'}; load ${out.quiet.loadAverage.join(' ')})\n`);
  }
  out.loadAverageAtStart = os.loadavg().map((v) => round(v, 2));
  const budgetMs = Math.max(120_000, nodes * 60 + pods * 40);
  const t0 = performance.now();
  let profileDir;
  const nodeArgs = [...settings.nodeArgs];
  if (settings.profile) {
    profileDir = makeTempDir('lite-sched-prof-');
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
    out.profiled = true;
  }
  // Node IPAM gives each node a /24 of --cluster-cidr; the default /16 holds 256 nodes.
  const cidr = settings.serverArgs.includes('--cluster-cidr') ? [] : ['--cluster-cidr', clusterCidrFor(nodes)];
  out.clusterCidr = cidr[1];
  const lite = await startLite(liteRoot, { args: ['--simulate-nodes', String(nodes), ...cidr, ...settings.serverArgs], nodeArgs, readyTimeoutMs: 60_000 + nodes * 40 });
  const pid = lite.handle.pid;
  if (settings.serverStderr) lite.handle.child.stderr.on('data', (d) => process.stderr.write(d));
  const rss = rssSampler(pid, settings.rssSampleMs);
  const tls = readKubeconfigTls(lite.kubeconfigPath);
  const agent = makeAgent(tls, 2);
  const client = api(lite, agent);
  let watch;
  try {
    out.serverReadySeconds = round(lite.readyMs / 1000, 2);
    await waitNodesReady(client, nodes, 60_000 + nodes * 60);
    out.nodesReadySeconds = round((performance.now() - lite.spawnedAt) / 1000, 2);
    await client.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, [201]);
    // Idle: only the simulated kubelets' heartbeats (and the controllers watching them).
    await sleep(1000);
    const idle0 = cpuMark(pid);
    await sleep(settings.idleSampleMs);
    out.idle = { ...cpuBetween(idle0, cpuMark(pid)), rssMiB: mib(rss.now()) };
    rss.takePhasePeak();

    // Watch first, so no binding is missed.
    const list = await client.json('GET', `/api/v1/namespaces/${NS}/pods?limit=1`);
    const sentAt = new Float64Array(pods);
    const boundAt = new Float64Array(pods);
    const runningAt = new Float64Array(pods);
    let bound = 0;
    let running = 0;
    let lastProgress = performance.now();
    watch = watchPods(lite, tls, list.metadata.resourceVersion, (pod, at) => {
      const i = podIndex(pod.metadata.name);
      if (!(i >= 0 && i < pods)) return;
      if (boundAt[i] === 0 && pod.spec?.nodeName) {
        boundAt[i] = at;
        bound++;
        lastProgress = at;
      }
      if (runningAt[i] === 0 && pod.status?.phase === 'Running') {
        runningAt[i] = at;
        running++;
        lastProgress = at;
      }
    });
    await sleep(200);

    const cpu0 = cpuMark(pid);
    const tCreate = performance.now();
    const creating = createPods(lite, tls, pods, settings.clients, sentAt);
    let created;
    creating.then((c) => (created = c));
    const want = () => (untilRunning ? running : bound);
    while (want() < pods) {
      await sleep(250);
      const now = performance.now();
      if (created === undefined) lastProgress = Math.max(lastProgress, now - settings.stallMs / 2);
      if (now - lastProgress > settings.stallMs) throw new Error(`${name}: no progress for ${settings.stallMs / 1000} s (${bound} bound, ${running} running of ${pods})`);
      if (now - t0 > budgetMs) throw new Error(`${name}: over its ${Math.round(budgetMs / 1000)} s budget (${bound} bound, ${running} running of ${pods})`);
    }
    await creating;
    const tDone = performance.now();
    const cpu1 = cpuMark(pid);
    out.create = created;
    out.peakRssDuringMiB = mib(rss.takePhasePeak());

    const bt = Array.from(boundAt);
    const firstBound = Math.min(...bt);
    const lastBound = Math.max(...bt);
    const windowS = (lastBound - firstBound) / 1000;
    out.scheduling = {
      bound,
      windowSeconds: round(windowS, 2),
      // (n − 1) intervals between the first and the last binding.
      podsPerSecond: windowS > 0 ? round((pods - 1) / windowS, 1) : undefined,
      perSecond: perSecondSamples(bt, firstBound, lastBound),
      createToBoundMs: summarize(bt.map((b, i) => b - sentAt[i])),
      createStartToLastBoundSeconds: round((lastBound - tCreate) / 1000, 2),
    };
    if (untilRunning) {
      const rt = Array.from(runningAt);
      out.running = {
        running,
        createStartToAllRunningSeconds: round((Math.max(...rt) - tCreate) / 1000, 2),
        boundToRunningMs: summarize(rt.map((r, i) => r - boundAt[i])),
        createToRunningMs: summarize(rt.map((r, i) => r - sentAt[i])),
      };
    }
    out.cpu = cpuBetween(cpu0, cpu1);
    // Less sensitive to other load than throughput: what each pod cost the server (all its threads).
    if (out.cpu?.serverCores !== undefined) out.cpu.serverCpuMsPerPod = round((out.cpu.serverCores * out.cpu.seconds * 1000) / pods, 3);
    if (out.cpu?.serverMainThreadCores !== undefined) out.cpu.serverMainThreadMsPerPod = round((out.cpu.serverMainThreadCores * out.cpu.seconds * 1000) / pods, 3);
    out.watch = { events: watch.state.events, reconnects: watch.state.reconnects, errors: watch.state.errors, lastError: watch.state.lastError };
    out.measuredSeconds = round((tDone - tCreate) / 1000, 2);

    // After: the pods stay; the kubelets keep heartbeating. Let the heap settle.
    await sleep(settings.settleMs);
    const after0 = cpuMark(pid);
    await sleep(settings.idleSampleMs);
    out.after = { ...cpuBetween(after0, cpuMark(pid)), rssMiB: mib(rss.now()) };
    out.hwmMiB = mib(readStatusKb(pid).hwm);
  } finally {
    watch?.stop();
    agent.destroy();
    const tl = rss.stop();
    out.peakRssMiB = mib(tl.peak);
    out.rssTimeline = tl.timeline;
    const stop = await stopLite(lite, { graceMs: 30_000 });
    out.stop = { seconds: round(stop.stopMs / 1000, 2), forced: stop.forced, code: stop.code, signal: stop.signal };
    if (profileDir) out.profileDir = profileDir;
  }
  if (profileDir) {
    const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length > 0) {
      // The measured window relative to the server's start (the profile starts with the process).
      const fromMs = out.idle ? (out.nodesReadySeconds ?? 0) * 1000 + 1000 + settings.idleSampleMs : 0;
      const toMs = fromMs + (out.measuredSeconds ?? 0) * 1000;
      const kept = join(here, 'results', 'profiles');
      mkdirSync(kept, { recursive: true });
      const dest = join(kept, `scheduler-${name}-${Date.now()}.cpuprofile`);
      renameSync(join(profileDir, files[0]), dest);
      out.profile = { file: relative(repoRoot, dest), window: { fromMs: Math.round(fromMs), toMs: Math.round(toMs) }, ...summarizeCpuProfile(dest, { window: { fromMs, toMs }, repoRoot: liteRoot, top: 30 }) };
    }
  }
  return out;
}

// ---------------------------------------------------------------- main

function line(label, value) {
  process.stdout.write(`  ${label.padEnd(34)} ${value}\n`);
}

function printScenario(name, r) {
  process.stdout.write(`\n${name}: ${r.nodes} nodes, ${r.pods} pods, ${r.clients} clients${r.profiled ? ' (under --cpu-prof)' : ''}\n`);
  if (r.error) {
    line('error', r.error);
    return;
  }
  line('server ready / nodes Ready', `${r.serverReadySeconds} s / ${r.nodesReadySeconds} s`);
  line('idle server CPU (kubelets only)', `${r.idle?.serverCores} cores, RSS ${r.idle?.rssMiB} MiB`);
  line('create', `${r.create?.perSecond} pods/s (${r.create?.seconds} s, p50 ${r.create?.latencyMs?.p50} ms, errors ${r.create?.errors})`);
  const s = r.scheduling;
  if (s) {
    line('scheduling throughput', `${s.podsPerSecond} pods/s over ${s.windowSeconds} s`);
    if (s.perSecond) line('  per-second samples', `avg ${s.perSecond.average}, p50 ${s.perSecond.p50}, p90 ${s.perSecond.p90}, p99 ${s.perSecond.p99}`);
    line('create → bound', `p50 ${s.createToBoundMs.p50} ms, p99 ${s.createToBoundMs.p99} ms`);
  }
  if (r.running) line('all Running after', `${r.running.createStartToAllRunningSeconds} s (create → Running p50 ${r.running.createToRunningMs.p50} ms, p99 ${r.running.createToRunningMs.p99} ms)`);
  line('server CPU while measured', `${r.cpu?.serverCores} cores, ${r.cpu?.serverCpuMsPerPod} ms per pod; main thread ${r.cpu?.serverMainThreadCores} cores, ${r.cpu?.serverMainThreadMsPerPod} ms per pod (load generator ${r.cpu?.clientCores}, others ${r.cpu?.otherCores})`);
  line('machine load at start (1/5/15 min)', `${r.loadAverageAtStart?.join(' / ')}${r.quiet ? ` (waited ${r.quiet.waitedSeconds} s for quiet: ${r.quiet.reached ? 'reached' : 'not reached'})` : ''}`);
  line('RSS peak during / after / HWM', `${r.peakRssDuringMiB} / ${r.after?.rssMiB} / ${r.hwmMiB} MiB`);
  line('server CPU after (idle, pods kept)', `${r.after?.serverCores} cores`);
}

installCleanupHooks();
const results = {
  benchmark: 'scheduler',
  date: new Date().toISOString(),
  machine: machineInfo(),
  git: gitInfo(liteRoot),
  liteRoot: liteRoot === repoRoot ? undefined : liteRoot,
  settings: { ...settings, serverArgs: settings.serverArgs.length ? settings.serverArgs : undefined, nodeArgs: settings.nodeArgs.length ? settings.nodeArgs : undefined },
  note: 'Measured with the load generator on the same machine. On a shared machine (other processes busy: see cpu.otherCores per scenario) the numbers are noisy; final numbers must come from a quiet machine.',
  scenarios: {},
};
if (process.env.BENCH_BUILD_NOTE) results.buildNote = process.env.BENCH_BUILD_NOTE;

const scenarios = [
  ['basic', { ...settings.basic, untilRunning: false }],
  ['density', { ...settings.density, untilRunning: true }],
].filter(([n]) => !onlyScenarios || onlyScenarios.includes(n));

let failed = false;
try {
  for (const [name, sc] of scenarios) {
    process.stderr.write(`scheduler bench: ${name} (${sc.nodes} nodes, ${sc.pods} pods)…\n`);
    let r;
    try {
      r = await runScenario(name, sc);
    } catch (e) {
      failed = true;
      r = { nodes: sc.nodes, pods: sc.pods, clients: settings.clients, error: e instanceof Error ? e.message : String(e) };
    }
    results.scenarios[name] = r;
    printScenario(name, r);
  }
} finally {
  await stopAll();
}

results.machine.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
const basic = results.scenarios.basic;
const density = results.scenarios.density;
results.targets = {
  basicPodsPerSecond: basic?.scheduling && {
    target: targets.basicPodsPerSecond,
    reached: basic.scheduling.podsPerSecond,
    met: basic.scheduling.podsPerSecond >= targets.basicPodsPerSecond,
    atFullSize: basic.nodes >= 5000 && basic.pods >= 10_000,
  },
  densityRss: density?.hwmMiB !== undefined && {
    targetMiB: targets.densityRssBytes / 1024 ** 2,
    reachedMiB: density.hwmMiB,
    met: density.hwmMiB * 1024 ** 2 <= targets.densityRssBytes,
    atFullSize: density.nodes >= 1000 && density.pods >= 30_000,
  },
};
process.stdout.write('\ntargets (issue 3):\n');
if (results.targets.basicPodsPerSecond) line('scheduling ≥ 1000 pods/s', `${results.targets.basicPodsPerSecond.reached} → ${results.targets.basicPodsPerSecond.met ? 'met' : 'missed'}${results.targets.basicPodsPerSecond.atFullSize ? '' : ' (not at full size)'}`);
if (results.targets.densityRss) line('RSS ≤ 1 GiB at 1000 nodes / 30k pods', `${results.targets.densityRss.reachedMiB} MiB (HWM) → ${results.targets.densityRss.met ? 'met' : 'missed'}${results.targets.densityRss.atFullSize ? '' : ' (not at full size)'}`);
line('machine load (1 min) start / end', `${results.machine.loadAverageAtStart[0]} / ${results.machine.loadAverageAtEnd[0]} on ${results.machine.cpus} cpus`);

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`\nwrote ${relative(process.cwd(), outFile) || outFile}\n`);
process.exitCode = failed ? 1 : 0;
