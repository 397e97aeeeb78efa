/**
 * The WAL checkpoint thread (see wal-checkpointer.ts): a connection of its own to the database,
 * running a PASSIVE checkpoint every `intervalMs` — copying committed WAL frames into the database
 * file and fsyncing it — so that the main thread's COMMITs (inline writer) never do it. PASSIVE
 * never waits for the writer or readers; whatever it cannot copy now it copies next time.
 *
 * Loaded as dist/storage/sqlite/sqlite-checkpoint-worker.js (tsc output) or, from the TypeScript
 * sources, through src/storage/testing/ts-worker.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openBetterSqlite } from './sqlite-database.js';
import type { SyncMode } from './sqlite-schema.js';

export interface CheckpointWorkerOptions {
  readonly path: string;
  readonly sync: SyncMode;
  readonly intervalMs: number;
}

export type FromCheckpointer = { readonly type: 'ready' } | { readonly type: 'warn'; readonly msg: string; readonly err: string } | { readonly type: 'closed' };
export type ToCheckpointer = { readonly type: 'close' };

const port = parentPort;
if (!port) throw new Error('sqlite-checkpoint-worker must run in a worker thread');
const options = workerData as CheckpointWorkerOptions;
const send = (msg: FromCheckpointer): void => port.postMessage(msg);

const db = await openBetterSqlite(options.path);
// Checkpoints fsync the database file (both modes sync at checkpoints); this thread never writes rows.
db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
db.pragma('query_only = ON');
let failing = false;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (err) {
    // SQLITE_BUSY (another checkpoint running) and the like: try again next time; say so once.
    if (!failing) send({ type: 'warn', msg: 'background WAL checkpoint failed', err: err instanceof Error ? err.message : String(err) });
    failing = true;
  }
}, options.intervalMs);
send({ type: 'ready' });

port.on('message', (msg: ToCheckpointer) => {
  if (msg.type !== 'close') return;
  clearInterval(timer);
  db.close();
  send({ type: 'closed' });
  port.close();
});
