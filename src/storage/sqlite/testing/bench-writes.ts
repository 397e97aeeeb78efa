/**
 * Write throughput of the SQLite backend: creates/s with N concurrent writers.
 *   node src/storage/testing/run-ts.mjs src/storage/sqlite/testing/bench-writes.ts [seconds] [writers...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../sqlite-backend.js';

export async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? '3');
  const writerCounts = args.length > 1 ? args.slice(1).map(Number) : [1, 64];
  const value = new TextEncoder().encode(JSON.stringify({ kind: 'ConfigMap', data: { payload: 'x'.repeat(400) } }));
  for (const sync of ['full', 'normal'] as const) {
    for (const writers of writerCounts) {
      const dir = mkdtempSync(join(tmpdir(), 'lite-bench-'));
      const backend = new SqliteBackend({ path: join(dir, 'state.db'), sync, compaction: false });
      await backend.start();
      const deadline = Date.now() + seconds * 1000;
      let done = 0;
      const loop = async (w: number): Promise<void> => {
        for (let i = 0; Date.now() < deadline; i++) {
          await backend.create(`/registry/bench/w${w}/k${i}`, value);
          done++;
        }
      };
      const started = Date.now();
      await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
      const elapsed = (Date.now() - started) / 1000;
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
      process.stdout.write(`sync=${sync} writers=${writers}: ${Math.round(done / elapsed)} creates/s (${done} in ${elapsed.toFixed(1)} s)\n`);
    }
  }
}
