#!/usr/bin/env node
/**
 * `npm run bench`: builds lite when dist/ is missing or older than src/, then runs the benchmarks,
 * each in a process of its own:
 *  - apiserver (bench/apiserver-bench.mjs → bench/results/apiserver.json): the API server over HTTPS
 *    against etcd and a bare Node HTTPS server;
 *  - scheduler (bench/scheduler-bench.mjs → bench/results/scheduler.json): `lite server
 *    --simulate-nodes` with 5000 nodes / 10 000 pods (scheduling throughput) and 1000 nodes /
 *    30 000 running pods (RSS).
 *  - write-path (bench/write-path-bench.mjs → bench/results/write-path.json): main-thread CPU of each
 *    API write a simulated pod causes (create, bind, status, event, lease), in process over SQLite.
 *  - pod-startup (bench/pod-startup-bench.mjs → bench/results/pod-startup.json): `lite server` with
 *    its embedded agent on the local Docker engine: pod create → Running+Ready vs raw Docker sandbox +
 *    container, and idle RSS (needs dockerd; flags --quick, --pods N, --parallel N, --profile).
 *  - network (bench/network-bench.mjs → bench/results/network.json): `lite server` with its
 *    embedded agent: Service create → reachable through its ClusterIP (p50/p99), and HTTP req/s
 *    through a ClusterIP vs to the pod IPs directly (needs dockerd and root; flags --quick,
 *    --samples N, --concurrency N, --round-seconds S, --rounds N).
 *
 * `--bench apiserver|scheduler|write-path|pod-startup|network|apiserver,scheduler,…` chooses (default: all, in that order). Every
 * other flag is passed to each chosen benchmark; those that differ (--only, --out) are best used
 * with one --bench. apiserver: --quick, --no-etcd, --no-install (do not apt-get etcd-server),
 * --no-profile, --out FILE, --only PHASE,… (startup, latency, watch, throughput, openLoop,
 * profile), --etcd-client auto|grpc|gateway, --wait-quiet SECONDS. scheduler: --quick, --only
 * basic,density, --clients N, --basic-nodes N, --basic-pods N, --density-nodes N, --density-pods N,
 * --profile, --out FILE, --server-arg ARG, --node-arg ARG, --wait-quiet SECONDS (before each
 * scenario). Both: --lite-root DIR (measure a built
 * checkout elsewhere, e.g. a clean `git worktree` of HEAD). BENCH_NO_BUILD=1 skips the build check.
 * BENCH_ETCD3_DIR=DIR loads the etcd3 client from DIR/node_modules when the project lacks it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const BENCHES = { apiserver: 'bench/apiserver-bench.mjs', scheduler: 'bench/scheduler-bench.mjs', 'write-path': 'bench/write-path-bench.mjs', 'pod-startup': 'bench/pod-startup-bench.mjs', network: 'bench/network-bench.mjs' };
const args = process.argv.slice(2);
const at = args.indexOf('--bench');
const chosen = at >= 0 ? (args[at + 1] ?? '').split(',').filter(Boolean) : Object.keys(BENCHES);
if (at >= 0) args.splice(at, 2);
const unknown = chosen.filter((b) => !(b in BENCHES));
if (chosen.length === 0 || unknown.length > 0) {
  process.stderr.write(`bench: --bench takes ${Object.keys(BENCHES).join(', ')} (comma-separated), not ${JSON.stringify(unknown.join(',') || '')}\n`);
  process.exit(2);
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

// With --lite-root the bench measures another (already built) checkout: leave this one alone.
if (process.env.BENCH_NO_BUILD !== '1' && !process.argv.includes('--lite-root')) {
  const main = join(root, 'dist', 'cli', 'main.js');
  const stale = !existsSync(main) || newestMtime(join(root, 'src')) > statSync(main).mtimeMs;
  if (stale) {
    process.stderr.write('bench: dist/ is missing or older than src/; running npm run build…\n');
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      if (!existsSync(main)) {
        process.stderr.write(`bench: build failed (exit ${r.status}) and there is no dist/ to measure\n`);
        process.exit(1);
      }
      // src/ may be mid-edit; measure the last good build and say so in the results.
      process.stderr.write(`bench: build failed (exit ${r.status}); measuring the existing dist/ (built ${statSync(main).mtime.toISOString()})\n`);
      process.env.BENCH_BUILD_NOTE = `npm run build failed; measured the existing dist/ built ${statSync(main).mtime.toISOString()}`;
    }
  }
}

let failed = 0;
for (const name of chosen) {
  if (chosen.length > 1) process.stderr.write(`\nbench: ${name}\n`);
  const r = spawnSync(process.execPath, [join(root, BENCHES[name]), ...args], { cwd: process.cwd(), stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${name} ${r.signal ? `killed by ${r.signal}` : `exited with ${r.status}`}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
