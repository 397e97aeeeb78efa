/**
 * Child process of the durability test: writes keys from many concurrent writers into a SQLite
 * backend and prints one line per ACKNOWLEDGED write ("c <key> <rev>" for a create, "u <key> <rev>"
 * for an update) until it is killed. Stdout to a pipe is synchronous on Linux, so a printed line
 * means the acknowledgement happened before the kill.
 *   args: <database path> <writers> [worker|inline]
 */
import { writeSync } from 'node:fs';
import { SqliteBackend } from '../sqlite-backend.js';

export async function main(args: string[]): Promise<void> {
  const [path, writersArg, writer = 'worker'] = args;
  const writers = Number(writersArg ?? '16');
  if (writer !== 'worker' && writer !== 'inline') throw new Error(`unknown writer mode ${writer}`);
  const backend = new SqliteBackend({ path, compaction: false, writer });
  await backend.start();
  const value = new TextEncoder().encode(JSON.stringify({ payload: 'x'.repeat(200) }));
  writeSync(1, 'ready\n');
  const loop = async (w: number): Promise<void> => {
    for (let i = 0; ; i++) {
      const key = `/registry/durability/w${w}/k${i}`;
      const created = await backend.create(key, value);
      writeSync(1, `c ${key} ${created.modRevision}\n`);
      const updated = await backend.update(key, value, created.modRevision);
      writeSync(1, `u ${key} ${updated.modRevision}\n`);
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
}
