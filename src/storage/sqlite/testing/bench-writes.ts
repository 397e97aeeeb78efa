/**
 * Write throughput of the SQLite backend: creates/s with N concurrent writers.
 *   node src/storage/testing/run-ts.mjs src/storage/sqlite/testing/bench-writes.ts [seconds] [writers...] [--writer=worker,inline]
 *        [--sync=full,normal] [--work-us=N] [--value-bytes=N]
 * --work-us burns N µs of main-thread CPU per write before issuing it, standing in for the API
 * server's request handling (TLS, parsing, admission, encoding) that competes with the commit for
 * the main thread; 0 (default) measures the storage path alone. Also reports CPU time per create
 * (Linux): on the main thread, which bounds the API server's throughput, and in the whole process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../sqlite-backend.js';

/** CPU time of the main thread in ms (Linux: /proc schedstat; NaN elsewhere). */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function main(argv: string[]): Promise<void> {
  const flags = new Map(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=') as [string, string]));
  const args = argv.filter((a) => !a.startsWith('--'));
  const seconds = Number(args[0] ?? '3');
  const writerCounts = args.length > 1 ? args.slice(1).map(Number) : [1, 64];
  const writers = (flags.get('writer') ?? 'worker,inline').split(',') as ('worker' | 'inline')[];
  const syncs = (flags.get('sync') ?? 'full,normal').split(',') as ('full' | 'normal')[];
  const workUs = Number(flags.get('work-us') ?? '0');
  const valueBytes = Number(flags.get('value-bytes') ?? '400');
  const value = new TextEncoder().encode(JSON.stringify({ kind: 'ConfigMap', data: { payload: 'x'.repeat(valueBytes) } }));
  const burn = (): void => {
    if (workUs <= 0) return;
    const until = performance.now() + workUs / 1000;
    while (performance.now() < until);
  };
  for (const sync of syncs) {
    for (const writer of writers) {
      for (const concurrency of writerCounts) {
        const dir = mkdtempSync(join(tmpdir(), 'lite-bench-'));
        const backend = new SqliteBackend({ path: join(dir, 'state.db'), sync, writer, compaction: false });
        await backend.start();
        // Warm up (the writer thread starts in the background).
        await backend.create('/registry/bench/warmup', value);
        const deadline = Date.now() + seconds * 1000;
        let done = 0;
        const latencies: number[] = [];
        const loop = async (w: number): Promise<void> => {
          for (let i = 0; Date.now() < deadline; i++) {
            burn();
            const t = performance.now();
            await backend.create(`/registry/bench/w${w}/k${i}`, value);
            if ((done & 15) === 0) latencies.push(performance.now() - t);
            done++;
            // Let other writers' requests in, as separate requests would.
            if (workUs > 0) await new Promise((r) => setImmediate(r));
          }
        };
        const started = Date.now();
        const cpu0 = processCpuMs();
        const main0 = mainThreadCpuMs();
        await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
        const mainUs = ((mainThreadCpuMs() - main0) * 1000) / done - workUs;
        const totalUs = ((processCpuMs() - cpu0) * 1000) / done - workUs;
        const elapsed = (Date.now() - started) / 1000;
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
        latencies.sort((a, b) => a - b);
        const p = (q: number): string => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(2);
        process.stdout.write(
          `sync=${sync} writer=${writer} writers=${concurrency} work=${workUs}us: ${Math.round(done / elapsed)} creates/s (${done} in ${elapsed.toFixed(1)} s; p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; CPU/create without --work-us: main thread ${mainUs.toFixed(0)} µs, process ${totalUs.toFixed(0)} µs)\n`,
        );
      }
    }
  }
}
