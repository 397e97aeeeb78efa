#!/usr/bin/env node
/**
 * Write-path benchmark: what each API write a simulated pod causes costs the server's main thread,
 * measured in process (no HTTP, no TLS), on lite's real registry over SQLite in a temp data dir,
 * with the scheduler, the controller manager and the metrics-server off so that only the measured
 * writes run (the metrics API's pod informer would add a watch fan-out to every pod write).
 *
 *   create   POST of a pod (admission, defaults, validation, managed fields, encode, store)
 *   bind     pods/binding (the scheduler's write)
 *   status   a kubelet's pod status update to Running (conditions, container statuses)
 *   event    an Event (the scheduler writes one per pod, a kubelet three)
 *   lease    a node Lease renewal (a kubelet's heartbeat)
 *
 * Each phase runs `--ops N` writes from 8 concurrent callers, `--rounds R` times on fresh objects;
 * the median round is reported, as main-thread CPU µs per write (/proc/self/task/<pid>/stat) and
 * wall µs per write. "simulatedPod" adds up what one simulated pod costs: create, bind, status and
 * four events (lease renewals depend on the node count: at 5 000 nodes ≈ one per pod at 500 pods/s).
 * The scheduler benchmark's gap to ≥ 1 000 pods/s is this sum plus scheduling, HTTP and watch.
 *
 * Flags: --quick (1 000 writes, 2 rounds), --ops N, --rounds R, --out FILE, --lite-root DIR.
 * Results: bench/results/write-path.json.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gitInfo, machineInfo } from './lib/run-info.mjs';
import { round } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const quick = argv.includes('--quick');
const ops = Number(opt('--ops', quick ? 1000 : 4000));
const rounds = Number(opt('--rounds', quick ? 2 : 3));
if (!Number.isInteger(ops) || ops < 10 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('write-path bench: --ops must be an integer ≥ 10 and --rounds ≥ 1\n');
  process.exit(2);
}
const liteRoot = resolve(opt('--lite-root', repoRoot));
const outFile = resolve(opt('--out', join(here, 'results', 'write-path.json')));
const CONCURRENCY = 8;

/** Main-thread CPU in ms (Linux); the whole process elsewhere. */
function mainThreadCpuMs() {
  try {
    const st = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

async function phase(write) {
  const cpu0 = mainThreadCpuMs();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < ops) await write(next++);
  }));
  return { mainCpuUs: ((mainThreadCpuMs() - cpu0) * 1000) / ops, wallUs: ((performance.now() - t0) * 1000) / ops };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const { startServer } = await import(pathToFileURL(join(liteRoot, 'dist', 'server', 'server.js')).href);
const { resources } = await import(pathToFileURL(join(liteRoot, 'dist', 'client', 'client.js')).href);
const dir = join(tmpdir(), `lite-write-path-${process.pid}`);
mkdirSync(dir, { recursive: true });
const server = await startServer({
  dataDir: dir,
  bindAddress: '127.0.0.1',
  httpsPort: 0,
  tlsSans: [],
  kubeconfigPath: join(dir, 'kubeconfig.yaml'),
  serviceCidr: '10.43.0.0/16',
  nodePortRange: [30000, 32767],
  datastore: 'sqlite',
  disableScheduler: true,
  disableControllerManager: true,
  disableMetricsServer: true,
});
const results = {};
try {
  const c = server.client;
  const ns = 'bench-writes';
  await c.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await c.create(resources.serviceaccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  await c.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bench-node' } });
  const leaseNames = Array.from({ length: 64 }, (_, i) => `bench-node-${i}`);
  const leases = new Map();
  for (const name of leaseNames) {
    leases.set(name, await c.create(resources.leases, ns, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') } }));
  }
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const samples = { create: [], bind: [], status: [], event: [], lease: [] };
  for (let r = 0; r < rounds; r++) {
    const pod = (i) => `p${r}-${i}`;
    samples.create.push(await phase((i) => c.create(resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod(i), namespace: ns, labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] } })));
    samples.bind.push(await phase((i) => c.createSubresource(resources.pods, ns, pod(i), 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod(i), namespace: ns }, target: { kind: 'Node', name: 'bench-node' } }, { fieldManager: 'default-scheduler' })));
    const bound = new Map();
    for (let i = 0; i < ops; i++) bound.set(i, await c.get(resources.pods, ns, pod(i)));
    samples.status.push(await phase((i) => {
      const p = bound.get(i);
      p.status = {
        ...p.status,
        phase: 'Running',
        hostIP: '10.0.0.1',
        podIP: '10.42.0.5',
        podIPs: [{ ip: '10.42.0.5' }],
        startTime: now,
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
        containerStatuses: [{ name: 'c', ready: true, started: true, restartCount: 0, image: 'registry.k8s.io/pause:3.10', imageID: 'sim://pause', containerID: `sim://${i}`, state: { running: { startedAt: now } } }],
      };
      return c.update(resources.pods, ns, p, { subresource: 'status', fieldManager: 'kubelet' });
    }));
    samples.event.push(await phase((i) => c.create(resources.events, ns, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod(i)}.${(r * ops + i).toString(16)}`, namespace: ns },
      involvedObject: { kind: 'Pod', namespace: ns, name: pod(i), apiVersion: 'v1', fieldPath: 'spec.containers{c}' },
      reason: 'Started',
      message: 'Started container c',
      source: { component: 'kubelet', host: 'bench-node' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: 'Normal',
      reportingComponent: 'kubelet',
      reportingInstance: 'bench-node',
    })));
    samples.lease.push(await phase(async (i) => {
      // Each lease is renewed by one caller at a time, as its kubelet does.
      const name = leaseNames[i % leaseNames.length];
      const lease = leases.get(name);
      if (!lease) return;
      leases.delete(name);
      lease.spec.renewTime = new Date().toISOString().replace('Z', '000Z');
      leases.set(name, await c.update(resources.leases, ns, lease, { fieldManager: 'kubelet' }));
    }));
  }
  for (const [name, list] of Object.entries(samples)) {
    results[name] = { mainCpuUsPerWrite: round(median(list.map((s) => s.mainCpuUs)), 1), wallUsPerWrite: round(median(list.map((s) => s.wallUs)), 1), rounds: list.map((s) => ({ mainCpuUs: round(s.mainCpuUs, 1), wallUs: round(s.wallUs, 1) })) };
  }
  const sum = (k) => results.create[k] + results.bind[k] + results.status[k] + 4 * results.event[k];
  results.simulatedPod = { mainCpuUsPerPod: round(sum('mainCpuUsPerWrite'), 1), writes: 'create + bind + status + 4 events', leaseRenewalMainCpuUs: results.lease.mainCpuUsPerWrite };
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

const report = {
  benchmark: 'write-path',
  date: new Date().toISOString(),
  machine: machineInfo(),
  git: gitInfo(liteRoot),
  settings: { quick, opsPerPhase: ops, rounds, concurrency: CONCURRENCY, datastore: 'sqlite (inline writer, fsync per commit)' },
  note: 'In-process writes through the LocalClient (no HTTP). Main-thread CPU includes the SQLite commits (inline writer) but not the GC helper or checkpoint threads. The VM varies by ±25% between runs: compare builds in alternating runs.',
  phases: results,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(`${outFile}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
renameSync(`${outFile}.tmp`, outFile);

process.stdout.write(`write path (${ops} writes × ${rounds} rounds, ${CONCURRENCY} callers, SQLite):\n`);
for (const name of ['create', 'bind', 'status', 'event', 'lease']) {
  process.stdout.write(`  ${name.padEnd(8)} ${String(results[name].mainCpuUsPerWrite).padStart(7)} µs main-thread CPU   ${String(results[name].wallUsPerWrite).padStart(7)} µs wall\n`);
}
process.stdout.write(`  a simulated pod (create + bind + status + 4 events): ${results.simulatedPod.mainCpuUsPerPod} µs main-thread CPU\n`);
process.stdout.write(`wrote ${outFile}\n`);
