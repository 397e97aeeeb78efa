/**
 * The SQLite writer thread (SqliteBackend with writer: 'worker'). It owns the database's write
 * connection: applies the batches the main thread posts, strictly one transaction at a time and in
 * the order they were posted, and runs compaction, incremental vacuum and WAL checkpoints. The main
 * thread keeps serving requests (and reading through its own connection) while this thread waits
 * for COMMIT's fsync.
 *
 * Group commit across main-thread turns: when a transaction ends, batches that arrived meanwhile
 * are taken off the port at once (receiveMessageOnPort) and applied together in the next
 * transaction, up to maxBatchWrites writes; the results still go back per batch.
 *
 * Loaded as dist/storage/sqlite/sqlite-writer-worker.js (tsc output) or, from the TypeScript
 * sources, through src/storage/testing/ts-worker.mjs (see writer-client.ts).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openBetterSqlite } from './sqlite-database.js';
import { configureConnection } from './sqlite-schema.js';
import { SqliteLogWriter, type CompactionSummary } from './sqlite-log-writer.js';
import { decodeBatch, encodeOutcomes, serializeError, type FromWriter, type ToWriter, type WorkerOptions } from './writer-protocol.js';

type BatchMessage = Extract<ToWriter, { type: 'batch' }>;

const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker must run in a worker thread');
const options = workerData as WorkerOptions;
const send = (msg: FromWriter): void => port.postMessage(msg);

const db = await openBetterSqlite(options.path);
configureConnection(db, 'writer', options.sync);
const writer = new SqliteLogWriter(db, {
  compactBatch: options.compactBatch,
  onGroupFailure: (err, writes) => send({ type: 'warn', msg: 'group commit failed; retrying writes one by one', err: serializeError(err), writes }),
});
send({ type: 'ready', revision: writer.revision });

/** Messages taken off the port early (while gathering batches), handled next, in order. */
const backlog: ToWriter[] = [];
let exitAfterCommit = false;
let exitBeforeCommit = false;
let closing = false;
let abortCompaction = false;
let compactions: Promise<void> = Promise.resolve();

port.on('message', (msg: ToWriter) => {
  backlog.push(msg);
  while (backlog.length > 0) {
    const next = backlog.shift()!;
    if (next.type === 'batch') commitGroup(next);
    else handle(next);
  }
});

function commitGroup(first: BatchMessage): void {
  const group = [first];
  let writes = first.keys.length;
  for (;;) {
    let next: ToWriter | undefined = backlog[0];
    if (next === undefined) {
      next = receiveMessageOnPort(port!)?.message as ToWriter | undefined;
      if (next === undefined) break;
      backlog.push(next);
    }
    if (next.type !== 'batch' || writes + next.keys.length > options.maxBatch) break;
    backlog.shift();
    group.push(next);
    writes += next.keys.length;
  }
  // Injected crash: the batch arrived but is never applied.
  if (exitBeforeCommit) process.exit(70);
  const ops = group.length === 1 ? decodeBatch(first) : group.flatMap((b) => decodeBatch(b));
  const outcomes = writer.apply(ops);
  // Injected crash: the transaction is committed (durable) but nobody hears about it.
  if (exitAfterCommit) process.exit(70);
  let offset = 0;
  for (const b of group) {
    const n = b.keys.length;
    const { message, transfer } = encodeOutcomes(b.id, group.length === 1 ? outcomes : outcomes.slice(offset, offset + n));
    port!.postMessage(message, transfer);
    offset += n;
  }
}

function handle(msg: Exclude<ToWriter, BatchMessage>): void {
  switch (msg.type) {
    case 'compact':
      abortCompaction = false;
      compactions = compactions.then(() => compact(msg.id, msg.revision));
      return;
    case 'abort-compaction':
      abortCompaction = true;
      return;
    case 'fault':
      if (msg.failCommits !== undefined) writer.faults.failCommits = msg.failCommits;
      if (msg.exit === 'now') process.exit(70);
      if (msg.exit === 'before-commit') exitBeforeCommit = true;
      if (msg.exit === 'after-commit') exitAfterCommit = true;
      return;
    case 'close':
      closing = true;
      void compactions.then(() => close(msg.id));
      return;
  }
}

/** Runs one compaction step per event-loop turn, so that batches are committed in between. */
async function compact(id: number, revision: number): Promise<void> {
  try {
    const steps = writer.compaction(revision);
    let summary: CompactionSummary | null = null;
    for (;;) {
      if (closing || abortCompaction) break;
      const r = steps.next();
      if (r.done) {
        summary = r.value;
        break;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    send({ type: 'compacted', id, summary });
  } catch (err) {
    send({ type: 'failed', id, error: serializeError(err) });
  }
}

function close(id: number): void {
  try {
    // The main thread reads nothing while it waits for this, so TRUNCATE completes.
    writer.checkpoint('TRUNCATE');
  } catch (err) {
    send({ type: 'warn', msg: 'final WAL checkpoint failed', err: serializeError(err) });
  }
  db.close();
  send({ type: 'closed', id });
  port!.close();
}
