#!/usr/bin/env node
/**
 * `npm run bench`: builds lite when dist/ is missing or older than src/, then runs the API server
 * benchmark (bench/apiserver-bench.mjs), which writes bench/results/apiserver.json.
 *
 * Flags are passed through: --quick (short smoke run), --no-etcd, --no-install (do not apt-get
 * etcd-server), --no-profile, --out FILE, --only PHASE,… (startup, latency, watch, throughput,
 * openLoop, profile), --etcd-client auto|grpc|gateway, --lite-root DIR (measure a built checkout
 * elsewhere, e.g. a clean `git worktree` of HEAD), --wait-quiet SECONDS. BENCH_NO_BUILD=1 skips the build check.
 * BENCH_ETCD3_DIR=DIR loads the etcd3 client from DIR/node_modules when the project lacks it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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

await import('../bench/apiserver-bench.mjs');
