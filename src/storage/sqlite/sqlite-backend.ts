import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  StorageError,
  WatchClosedError,
  prefixEnd,
  type Backend,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchOptions,
} from '../backend.js';
import { AutoCompactor, DEFAULT_COMPACTION_POLICY, type CompactionPolicy } from '../auto-compactor.js';
import { WatcherRegistry, type HistoryReader } from '../watcher-registry.js';
import { failedWatch } from '../failed-watch.js';
import { openBetterSqlite, type SqliteDatabase, type SqliteStatement } from './sqlite-database.js';
import { SCHEMA, configureConnection, readStoredState } from './sqlite-schema.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { SqliteLogWriter, WRITE_NAMES, WriteKind, WriteStatus, type WriteOutcome } from './sqlite-log-writer.js';
import { LatestValues } from './latest-values.js';
import { InlineWriter, WorkerWriter, type WriterClient, type WriterFault } from './writer-client.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/log.js';

export type { WriterFault } from './writer-client.js';

export interface SqliteBackendConfig {
  /** Database file, or ':memory:'. */
  readonly path: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * 'full' (default): every acknowledged write has been fsynced (WAL + synchronous=FULL).
   * 'normal': fsync only at checkpoints; a power loss may drop the last acknowledged writes.
   */
  readonly sync?: 'full' | 'normal';
  /**
   * Where writes are applied. 'inline' (default): one connection on the main thread, which
   * blocks for each group commit's fsync. 'worker': a worker thread owns the write connection and
   * commits (and fsyncs) while the main thread keeps serving; reads stay on the main thread
   * through a second connection. The worker takes the SQLite work and every fsync and checkpoint
   * stall off the event loop, but each commit then costs two thread hand-offs and the groups come
   * out smaller: +20% server CPU per create end to end. On the 2-core bench machine, shared with
   * the load generator (so CPU-bound), that cost 5-11% of create throughput, hence the default.
   * It can only win where the event loop, not the CPU, is the limit (spare cores, remote clients).
   * ':memory:' databases, databases on which SQLite refuses WAL, and a custom `openDatabase`
   * (which can only open main-thread connections) always write inline.
   */
  readonly writer?: 'worker' | 'inline';
  /**
   * Inline writer on a database file: WAL checkpoints run on a thread of their own every
   * `intervalMs` instead of inside the COMMIT that fills the WAL (see wal-checkpointer.ts).
   * Default: on, every 200 ms; `false` leaves them to SQLite's automatic checkpoint.
   */
  readonly backgroundCheckpoints?: { readonly intervalMs: number } | false;
  /** Background compaction (default: every 5 minutes, keeping at least 1000 revisions). */
  readonly compaction?: CompactionPolicy | false;
  /** Events a watcher may have queued before it is cut off as slow (default 10 000). */
  readonly watchQueueLimit?: number;
  /** Most writes applied in one transaction (default 1000). */
  readonly maxBatchWrites?: number;
  /**
   * Bytes of recently written or read values kept in memory, so that the get of a
   * read-modify-write does not read back what was just written (default 32 MiB; 0: none).
   */
  readonly latestValueCacheBytes?: number;
  /** Revisions removed per compaction transaction (default 1000). */
  readonly compactBatchRevisions?: number;
  /** Opens the database on the main thread (default: better-sqlite3). Implies writer: 'inline'. */
  readonly openDatabase?: (path: string) => Promise<SqliteDatabase>;
}

/**
 * Batches posted to the writer thread and not yet answered. While the worker commits one, the
 * main thread collects the next, and posts it as soon as the answer arrives: one transaction in
 * flight, like an inline group commit. Two (the next batch waiting in the worker) measured worse:
 * the worker then commits smaller groups, and every commit costs an fsync and two thread
 * hand-offs. (Should several batches be queued, e.g. while draining at close, the worker merges
 * them into one transaction.)
 */
const MAX_IN_FLIGHT_BATCHES = 1;

const EMPTY = new Uint8Array(0);

interface PendingWrite {
  readonly kind: WriteKind;
  readonly key: string;
  readonly value: Uint8Array | null;
  /** -1: no precondition. */
  readonly expected: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface HistoryRow {
  rev: number;
  key: string;
  create_rev: number;
  prev_rev: number;
  deleted: number;
  value: Uint8Array | null;
  prev_value: Uint8Array | null;
}

interface VersionRow {
  modRevision: number;
  createRevision: number;
  deleted: number;
  value: Uint8Array | null;
}

interface ReadStatements {
  begin: SqliteStatement<never>;
  end: SqliteStatement<never>;
  getAt: SqliteStatement<VersionRow>;
  getByRev: SqliteStatement<VersionRow>;
  isLive: SqliteStatement<{ rev: number }>;
  listCurrentFrom: SqliteStatement<KeyValue>;
  listCurrentAfter: SqliteStatement<KeyValue>;
  latestAtFrom: SqliteStatement<{ key: string; rev: number }>;
  latestAtAfter: SqliteStatement<{ key: string; rev: number }>;
  count: SqliteStatement<{ n: number }>;
  unacknowledged: SqliteStatement<{ key: string }>;
  history: SqliteStatement<HistoryRow>;
}

/**
 * The default storage backend: a revisioned log in one SQLite file (WAL mode).
 *
 * Writes. Writes requested during one event-loop turn form a batch (group commit); each write
 * checks its own precondition, so one failure does not affect the others. In 'worker' mode the
 * batch is posted to a writer thread (sqlite-writer-worker.ts) that owns the only write
 * connection, so transactions never overlap and kine's "database is locked" cannot arise from this
 * process; the main thread goes on parsing requests while the worker waits for the fsync, and
 * collects the next batch meanwhile (MAX_IN_FLIGHT_BATCHES; the worker runs batches strictly in
 * order, one transaction at a time). When a batch's result comes back, the
 * backend advances its revision, publishes the watch events in revision order and settles the
 * promises: a write is acknowledged only after its COMMIT returned, i.e. after the fsync
 * (synchronous=FULL). In 'inline' mode the same writer code (SqliteLogWriter) runs on the main
 * thread's connection. busy_timeout is set so that an outside reader (e.g. the sqlite3 shell)
 * briefly holding a lock delays us instead of failing us.
 *
 * Reads run synchronously on the main thread's connection. In 'worker' mode a commit becomes
 * visible to that connection (when its WAL frames are synced) slightly BEFORE its result reaches
 * the main thread, so the database may hold rows newer than `#rev`, the revision this backend has
 * acknowledged and reports. Reads therefore never trust "whatever is current in the file":
 *  - every read is labelled with, and shows exactly, the state at one revision R <= `#rev`
 *    (never a revision whose events have not been published, or that currentRevision() denies);
 *  - a read at "current" uses R = `#rev`, so a write whose promise has resolved is always seen;
 *  - gets use the (key, rev <= R) index, exact whatever is committed beyond R;
 *  - lists and counts at "current" read the `current` table and the rows beyond `#rev` in one
 *    read transaction (one snapshot), and undo those rows' effect key by key (see #listCurrent).
 * Rows at or below `#rev` never change except by compaction, which only removes rows that no read
 * at or above the compact revision can reach, and that revision is raised here before the writer
 * is asked to remove anything.
 */
export class SqliteBackend implements Backend {
  readonly #path: string;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sync: 'full' | 'normal';
  #writerMode: 'worker' | 'inline';
  readonly #maxBatch: number;
  readonly #compactBatch: number;
  readonly #openDatabase: (path: string) => Promise<SqliteDatabase>;
  readonly #watchers: WatcherRegistry;
  readonly #compactor: AutoCompactor | undefined;

  #starting: Promise<void> | undefined;
  #db: SqliteDatabase | undefined;
  #reads: ReadStatements | undefined;
  #writer: WriterClient | undefined;
  #checkpointer: WalCheckpointer | undefined;
  readonly #backgroundCheckpoints: { readonly intervalMs: number } | false;
  #closed = false;

  /** Latest acknowledged revision: committed, and its result processed here. */
  #rev = 0;
  #compactRev = 0;
  #compactChain: Promise<void> = Promise.resolve();

  /** Newest acknowledged values of recent keys (see LatestValues' contract). */
  readonly #latest: LatestValues | undefined;

  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #inFlight = 0;
  #pumping = false;
  #drained: (() => void) | undefined;

  constructor(config: SqliteBackendConfig) {
    if (!config.path) throw new TypeError('SqliteBackend: path is required');
    this.#path = config.path;
    this.#log = (config.logger ?? silentLogger).child({ component: 'storage' });
    this.#clock = config.clock ?? systemClock;
    this.#sync = config.sync ?? 'full';
    this.#maxBatch = config.maxBatchWrites ?? 1000;
    this.#compactBatch = config.compactBatchRevisions ?? 1000;
    const cacheBytes = config.latestValueCacheBytes ?? 32 * 1024 * 1024;
    this.#latest = cacheBytes > 0 ? new LatestValues(cacheBytes) : undefined;
    this.#openDatabase = config.openDatabase ?? openBetterSqlite;
    const writer = config.writer ?? 'inline';
    if (writer !== 'worker' && writer !== 'inline') throw new RangeError(`SqliteBackend: writer must be 'worker' or 'inline', not ${String(writer)}`);
    this.#writerMode = config.path === ':memory:' || config.openDatabase ? 'inline' : writer;
    this.#backgroundCheckpoints = config.backgroundCheckpoints ?? { intervalMs: 200 };
    if (this.#backgroundCheckpoints && !(this.#backgroundCheckpoints.intervalMs > 0)) throw new RangeError('SqliteBackend: backgroundCheckpoints.intervalMs must be positive');
    if (!(this.#maxBatch >= 1)) throw new RangeError('SqliteBackend: maxBatchWrites must be at least 1');
    if (!(this.#compactBatch >= 1)) throw new RangeError('SqliteBackend: compactBatchRevisions must be at least 1');
    const reader: HistoryReader = {
      committedRevision: () => this.#rev,
      compactedRevision: () => this.#compactRev,
      readHistory: (prefix, after, through) => this.#readHistory(prefix, after, through),
    };
    this.#watchers = new WatcherRegistry({ reader, queueLimit: config.watchQueueLimit ?? 10_000, replayStep: 2000 });
    const policy = config.compaction === undefined ? DEFAULT_COMPACTION_POLICY : config.compaction;
    this.#compactor = policy
      ? new AutoCompactor({
          policy,
          clock: this.#clock,
          logger: this.#log,
          target: {
            committedRevision: () => this.#rev,
            compactedRevision: () => this.#compactRev,
            compact: (rev) => this.compact(rev),
          },
        })
      : undefined;
  }

  /** Where writes are applied ('inline' where a worker cannot be used; see the config). */
  get writerMode(): 'worker' | 'inline' {
    return this.#writerMode;
  }

  start(): Promise<void> {
    this.#starting ??= this.#open();
    return this.#starting;
  }

  async #open(): Promise<void> {
    if (this.#closed) throw new StorageError('storage is closed');
    const db = await this.#openDatabase(this.#path);
    let mode = this.#writerMode;
    let inlineWriter: SqliteLogWriter | undefined;
    let state;
    let journal: string;
    try {
      // This connection creates the schema in either mode (the writer thread starts after it).
      journal = configureConnection(db, mode === 'inline' ? 'writer' : 'reader', this.#sync);
      if (journal !== 'wal' && this.#path !== ':memory:') {
        this.#log.warn({ path: this.#path, mode: journal }, 'sqlite refused WAL mode; writes will be slower');
        if (mode === 'worker') {
          // Without WAL a writer and a reader block each other: keep one connection.
          mode = this.#writerMode = 'inline';
          configureConnection(db, 'writer', this.#sync);
        }
      }
      db.exec(SCHEMA);
      state = readStoredState(db);
      this.#reads = prepareReadStatements(db);
      if (mode === 'inline') inlineWriter = new SqliteLogWriter(db, { compactBatch: this.#compactBatch, onGroupFailure: this.#onGroupFailure });
      else db.pragma('query_only = ON');
      this.#db = db;
    } catch (err) {
      this.#reads = undefined;
      db.close();
      throw new StorageError(`cannot open sqlite database ${this.#path}`, { cause: err });
    }
    this.#rev = state.revision;
    this.#compactRev = state.compactRevision;
    // A real file in WAL mode written on this thread (not a custom opener, which may not be
    // shareable with another thread): its checkpoints go to a thread of their own.
    if (inlineWriter && this.#backgroundCheckpoints && journal === 'wal' && this.#path !== ':memory:' && this.#openDatabase === openBetterSqlite) {
      this.#checkpointer = new WalCheckpointer({
        path: this.#path,
        sync: this.#sync,
        intervalMs: this.#backgroundCheckpoints.intervalMs,
        logger: this.#log,
        setAutocheckpoint: (pages) => void db.pragma(`wal_autocheckpoint = ${pages}`),
      });
    }
    // The writer thread starts in the background (~50 ms): start() does not wait for it, writes
    // posted meanwhile wait in its queue, and reads need nothing from it.
    this.#writer = inlineWriter
      ? new InlineWriter(inlineWriter)
      : new WorkerWriter({
          path: this.#path,
          sync: this.#sync,
          compactBatch: this.#compactBatch,
          maxBatch: this.#maxBatch,
          logger: this.#log,
          onReady: (revision) => this.#catchUp(revision),
        });
    this.#log.info(
      { path: this.#path, revision: this.#rev, compactRevision: this.#compactRev, writer: inlineWriter ? 'inline' : 'worker' },
      'sqlite storage opened',
    );
    if (state.compactDone < state.compactRevision) {
      // A compaction was interrupted (crash); finish removing what it had promised to remove.
      const target = state.compactRevision;
      this.#compactChain = this.#compactChain.then(() => this.#runCompaction(target)).catch((err) => this.#log.warn({ err }, 'resuming compaction failed'));
    }
    this.#compactor?.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    this.#writer?.abortCompaction();
    await this.#compactor?.stop();
    await this.#compactChain.catch(() => undefined);
    await this.#drain();
    const db = this.#db;
    if (!db) {
      this.#watchers.closeAll(new WatchClosedError('closed'));
      return;
    }
    try {
      await this.#writer?.close();
    } catch (err) {
      this.#log.warn({ err }, 'stopping the sqlite writer failed');
    }
    await this.#checkpointer?.close();
    this.#checkpointer = undefined;
    if (this.#writer?.inline) {
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (err) {
        this.#log.warn({ err }, 'final WAL checkpoint failed');
      }
    }
    db.close();
    this.#db = undefined;
    this.#reads = undefined;
    this.#latest?.clear();
    this.#writer = undefined;
    // Last, with nothing awaited after it: a consumer awaiting close() sees its watch end at once.
    this.#watchers.closeAll(new WatchClosedError('closed'));
    this.#log.info({ path: this.#path, revision: this.#rev }, 'sqlite storage closed');
  }

  async currentRevision(): Promise<number> {
    this.#statements();
    return this.#rev;
  }

  async compactRevision(): Promise<number> {
    this.#statements();
    return this.#compactRev;
  }

  /**
   * Testing: makes the writer fail. `failCommits`: the next commits fail like a disk I/O error;
   * `exit`: the writer thread dies now, or right after its next commit, before reporting it
   * ('worker' mode only).
   */
  injectWriterFault(fault: WriterFault): void {
    this.#statements();
    this.#writer!.injectFault(fault);
  }

  // ---- reads ------------------------------------------------------------------------------------

  async get(key: string, revision?: number): Promise<GetResult> {
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'get', key, revision }, 'storage get');
    const current = this.#rev;
    const at = revision || current;
    if (at !== current) this.#checkReadable(at);
    else {
      const cached = this.#latest?.get(key);
      if (cached) return { revision: at, kv: cached };
    }
    // The newest version at or below `at`: exact even while later commits are already visible.
    const row = s.getAt.get(key, at);
    if (!row || row.deleted) return { revision: at, kv: undefined };
    const kv: KeyValue = { key, value: row.value ?? EMPTY, createRevision: row.createRevision, modRevision: row.modRevision };
    if (at === current) this.#latest?.put(kv);
    return { revision: at, kv };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'list', prefix, ...options }, 'storage list');
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const end = prefixEnd(prefix);
    const after = options.startAfter !== undefined && options.startAfter >= prefix ? options.startAfter : undefined;
    const current = this.#rev;
    const revision = options.revision || current;
    if (revision === current) return this.#inReadTransaction(s, () => this.#listCurrent(s, prefix, after, end, limit, current));
    this.#checkReadable(revision);
    // Snapshot read: walk keys in order over the (key, rev) index, picking each key's newest
    // row at or below `revision`, and stop as soon as the page is full.
    return this.#inReadTransaction(s, () => {
      const kvs: KeyValue[] = [];
      let more = false;
      const latest = after === undefined ? s.latestAtFrom.iterate(prefix, end, revision) : s.latestAtAfter.iterate(after, end, revision);
      for (const { key, rev } of latest) {
        const row = s.getByRev.get(rev);
        if (!row || row.deleted) continue;
        if (limit && kvs.length === limit) {
          more = true;
          break;
        }
        kvs.push({ key, value: row.value ?? EMPTY, createRevision: row.createRevision, modRevision: row.modRevision });
      }
      return { revision, kvs, more };
    });
  }

  /**
   * A list at the acknowledged revision `current`, inside a read transaction. The `current` table
   * may already reflect commits beyond `current` (visible, not yet acknowledged): their rows are
   * read in the same snapshot, and for each key they touch the listed version is replaced by the
   * version at `current` (or dropped, if the key was not live then). The page is read with that
   * many extra rows, so that dropping them cannot cut it short; added keys beyond the page's last
   * row sort after it and fall outside the page. Usually there are no such rows.
   */
  #listCurrent(s: ReadStatements, prefix: string, after: string | undefined, end: string, limit: number, current: number): ListResult {
    const touched = this.#unacknowledgedKeys(s, after ?? prefix, after === undefined, end, current);
    const fetch = limit ? limit + 1 + touched.size : -1;
    let rows = after === undefined ? s.listCurrentFrom.all(prefix, end, fetch) : s.listCurrentAfter.all(after, end, fetch);
    if (touched.size > 0) {
      rows = rows.filter((kv) => !touched.has(kv.key));
      for (const key of touched) {
        const row = s.getAt.get(key, current);
        if (row && !row.deleted) rows.push({ key, value: row.value ?? EMPTY, createRevision: row.createRevision, modRevision: row.modRevision });
      }
      // Keys are ASCII paths, for which JavaScript's order is SQLite's byte order.
      rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { revision: current, kvs: rows, more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'count', prefix }, 'storage count');
    const current = this.#rev;
    const end = prefixEnd(prefix);
    return this.#inReadTransaction(s, () => {
      let count = s.count.get(prefix, end)?.n ?? 0;
      // Undo the effect of visible but unacknowledged commits (see #listCurrent).
      for (const key of this.#unacknowledgedKeys(s, prefix, true, end, current)) {
        const then = s.getAt.get(key, current);
        count += (then && !then.deleted ? 1 : 0) - (s.isLive.get(key) ? 1 : 0);
      }
      return { revision: current, count };
    });
  }

  /** Keys in range written by commits beyond `current` that this snapshot already shows. */
  #unacknowledgedKeys(s: ReadStatements, from: string, inclusive: boolean, end: string, current: number): Set<string> {
    const keys = new Set<string>();
    // Inline, reads and commits share one connection and never interleave: there are none.
    if (this.#writerMode === 'inline') return keys;
    for (const { key } of s.unacknowledged.iterate(current)) {
      if ((inclusive ? key >= from : key > from) && key < end) keys.add(key);
    }
    return keys;
  }

  /** Runs `read` in one read transaction (one snapshot) of the main connection. */
  #inReadTransaction<T>(s: ReadStatements, read: () => T): T {
    // Inline, nothing commits while a read runs (and a write transaction that could not be
    // rolled back may still be open): every statement already sees one snapshot.
    if (this.#writerMode === 'inline' || this.#db?.inTransaction) return read();
    s.begin.run();
    try {
      return read();
    } finally {
      if (this.#db?.inTransaction) s.end.run();
    }
  }

  // ---- writes -----------------------------------------------------------------------------------

  create(key: string, value: Uint8Array): Promise<KeyValue> {
    return this.#enqueue(WriteKind.Create, key, value, -1);
  }

  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue> {
    return this.#enqueue(WriteKind.Update, key, value, expectedModRevision);
  }

  delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prevKv: KeyValue }> {
    return this.#enqueue(WriteKind.Delete, key, null, expectedModRevision ?? -1);
  }

  #enqueue<T>(kind: WriteKind, key: string, value: Uint8Array | null, expected: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#closed || !this.#writer) {
        reject(new StorageError(this.#closed ? 'storage is closed' : 'storage is not started'));
        return;
      }
      // Callers may reuse their buffers once the call returns; the value is kept (write result,
      // watch events, the latest-values cache), so keep a copy of our own.
      const own = value === null ? null : value.slice();
      this.#pending.push({ kind, key, value: own, expected, resolve: resolve as (r: unknown) => void, reject });
      this.#scheduleFlush();
    });
  }

  /**
   * Pending writes are handed over at the end of the event-loop turn, so that the writes of one
   * turn share a transaction (inline) or a message (worker). Handing the first write of a turn
   * to an idle worker at once (a microtask) was tried: it staggers clients, but the extra, smaller
   * transactions and messages cost more CPU per write than they saved on a 2-core machine.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushSoon);
  }

  readonly #flushSoon = (): void => {
    this.#flushScheduled = false;
    this.#pump();
  };

  /**
   * Hands pending writes to the writer in batches of at most maxBatchWrites. Inline, a batch
   * settles before submit returns; then the rest waits for the next turn, so that a large burst
   * does not block the event loop in one go. To the worker, batches go out while fewer than
   * MAX_IN_FLIGHT_BATCHES are unanswered; each answer pumps again (with `drain`: regardless of
   * the bound, for close()).
   */
  #pump(drain = false): void {
    const writer = this.#writer;
    if (!writer || this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#pending.length > 0 && (drain || writer.inline || this.#inFlight < MAX_IN_FLIGHT_BATCHES)) {
        let batch = this.#pending;
        if (batch.length > this.#maxBatch) {
          batch = batch.slice(0, this.#maxBatch);
          this.#pending = this.#pending.slice(this.#maxBatch);
        } else {
          this.#pending = [];
        }
        this.#inFlight++;
        writer.submit(batch, (result) => this.#settle(batch, result));
        if (writer.inline && this.#pending.length > 0 && !drain) {
          this.#scheduleFlush();
          break;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Waits until every write accepted so far has settled. */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#inFlight > 0) {
      const settled = new Promise<void>((resolve) => (this.#drained = resolve));
      this.#pump(true);
      if (this.#pending.length > 0 || this.#inFlight > 0) await settled;
      this.#drained = undefined;
    }
  }

  /** A batch's result: advance the revision, publish its events in order, settle its promises. */
  #settle(batch: readonly PendingWrite[], result: WriteOutcome[] | StorageError): void {
    this.#inFlight--;
    const debug = this.#debug();
    if (result instanceof StorageError) {
      // Outcome unknown: some may have been committed (the writer thread died).
      for (const w of batch) {
        this.#latest?.forget(w.key);
        w.reject(result);
      }
    } else {
      const events: WatchEvent[] = [];
      const values: unknown[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) values[i] = this.#outcome(batch[i], result[i], events);
      if (events.length > 0) this.#rev = events[events.length - 1].kv.modRevision;
      this.#watchers.publish(events);
      if (debug) this.#log.debug({ op: 'commit', writes: batch.length, revision: this.#rev }, 'storage commit');
      for (let i = 0; i < batch.length; i++) {
        const w = batch[i];
        const r = values[i];
        if (r instanceof Error) {
          if (debug) this.#log.debug({ op: WRITE_NAMES[w.kind], key: w.key, err: r.message }, 'storage write failed');
          w.reject(r);
        } else {
          if (debug) this.#log.debug({ op: WRITE_NAMES[w.kind], key: w.key, revision: writeRevision(r) }, 'storage write');
          w.resolve(r);
        }
      }
    }
    if (this.#pending.length > 0 && !this.#writer?.inline) this.#pump(this.#closed);
    if (this.#inFlight === 0 && this.#pending.length === 0) this.#drained?.();
  }

  /** Turns one write's outcome into its promise's value (or error) and its watch event. */
  #outcome(w: PendingWrite, o: WriteOutcome, events: WatchEvent[]): unknown {
    const key = w.key;
    if (o.status !== WriteStatus.Ok) this.#latest?.forget(key);
    switch (o.status) {
      case WriteStatus.KeyExists:
        return new KeyExistsError(key);
      case WriteStatus.KeyNotFound:
        return new KeyNotFoundError(key);
      case WriteStatus.RevisionMismatch:
        return new RevisionMismatchError(key, { key, value: o.prevValue ?? EMPTY, createRevision: o.createRev, modRevision: o.prevRev });
      case WriteStatus.Failed:
        return new StorageError(`${WRITE_NAMES[w.kind]} ${key} failed`, { cause: o.cause });
    }
    const rev = o.rev;
    if (w.kind === WriteKind.Create) {
      const kv: KeyValue = { key, value: w.value ?? EMPTY, createRevision: rev, modRevision: rev };
      events.push({ type: 'create', kv });
      this.#latest?.put(kv);
      return kv;
    }
    const prevKv: KeyValue = { key, value: o.prevValue ?? EMPTY, createRevision: o.createRev, modRevision: o.prevRev };
    if (w.kind === WriteKind.Update) {
      const kv: KeyValue = { key, value: w.value ?? EMPTY, createRevision: o.createRev, modRevision: rev };
      events.push({ type: 'update', kv, prevKv });
      this.#latest?.put(kv);
      return kv;
    }
    this.#latest?.forget(key);
    events.push({ type: 'delete', kv: { key, value: prevKv.value, createRevision: o.createRev, modRevision: rev }, prevKv });
    return { revision: rev, prevKv };
  }

  /**
   * A (re)started writer thread found `revision` in the database. Beyond ours only after a writer
   * crash: its last commits were durable but their results were lost (those writes failed with
   * "outcome unknown"). Acknowledge them now, publishing their events from history, so that the
   * revision sequence and watches stay gap-free.
   */
  #catchUp(revision: number): void {
    if (revision <= this.#rev || !this.#reads) return;
    const events = this.#readHistory('', this.#rev, revision);
    this.#log.warn({ from: this.#rev + 1, to: revision, writes: events.length }, 'writer restarted; acknowledging commits whose results were lost');
    this.#rev = revision;
    this.#latest?.clear();
    this.#watchers.publish(events);
  }

  readonly #onGroupFailure = (err: unknown, writes: number): void => {
    this.#log.warn({ err, writes }, 'group commit failed; retrying writes one by one');
  };

  // ---- watch ------------------------------------------------------------------------------------

  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent[]> {
    if (this.#debug()) this.#log.debug({ op: 'watch', prefix, fromRevision: options.fromRevision }, 'storage watch');
    if (this.#closed) return failedWatch(new WatchClosedError('closed'));
    if (!this.#reads) return failedWatch(new StorageError('storage is not started'));
    return this.#watchers.open(prefix, options);
  }

  /** Called with through <= #rev: rows up to there are committed and never change (see class doc). */
  #readHistory(prefix: string, after: number, through: number): WatchEvent[] {
    const s = this.#statements();
    const rows = s.history.all(after, through, prefix, prefixEnd(prefix));
    const events: WatchEvent[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const prevKv: KeyValue | undefined =
        r.prev_rev > 0 && r.prev_value !== null ? { key: r.key, value: r.prev_value, createRevision: r.create_rev, modRevision: r.prev_rev } : undefined;
      if (r.deleted) {
        events[i] = { type: 'delete', kv: { key: r.key, value: r.prev_value ?? EMPTY, createRevision: r.create_rev, modRevision: r.rev }, prevKv };
      } else {
        const kv: KeyValue = { key: r.key, value: r.value ?? EMPTY, createRevision: r.create_rev, modRevision: r.rev };
        events[i] = r.prev_rev === 0 ? { type: 'create', kv } : { type: 'update', kv, prevKv };
      }
    }
    return events;
  }

  // ---- compaction -------------------------------------------------------------------------------

  /**
   * Makes revisions below `revision` unreadable at once, then has the writer remove superseded
   * versions and tombstones at or below it in small transactions (writes proceed in between), and
   * finally return free pages to the file system and truncate the WAL. Compacting to a revision
   * at or below the current compact revision does nothing.
   */
  compact(revision: number): Promise<void> {
    const run = this.#compactChain.then(() => this.#compact(revision));
    this.#compactChain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when background compaction has nothing in progress (for tests). */
  async compactionSettled(): Promise<void> {
    await this.#compactor?.settled();
    await this.#compactChain;
  }

  async #compact(revision: number): Promise<void> {
    this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'compact', revision }, 'storage compact');
    if (revision > this.#rev) throw new FutureRevisionError(revision, this.#rev);
    if (revision <= this.#compactRev) return;
    // From here on, reads and watches below `revision` fail; only then may rows disappear.
    this.#compactRev = revision;
    await this.#runCompaction(revision);
  }

  async #runCompaction(revision: number): Promise<void> {
    const writer = this.#writer;
    if (!writer || this.#closed) return;
    const started = this.#clock.now();
    let summary;
    try {
      summary = await writer.compact(revision);
    } catch (err) {
      throw err instanceof StorageError ? err : new StorageError(`compaction to revision ${revision} failed`, { cause: err });
    }
    if (summary) this.#log.info({ ...summary, ms: this.#clock.now() - started }, 'compacted storage history');
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #statements(): ReadStatements {
    const s = this.#reads;
    if (!s) throw new StorageError(this.#closed ? 'storage is closed' : 'storage is not started');
    return s;
  }

  #checkReadable(revision: number): void {
    if (revision > this.#rev) throw new FutureRevisionError(revision, this.#rev);
    if (revision < this.#compactRev) throw new CompactedError(revision, this.#compactRev);
  }

  #debug(): boolean {
    return this.#log.isLevelEnabled('debug');
  }
}

function writeRevision(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  if ('modRevision' in result) return (result as KeyValue).modRevision;
  if ('revision' in result) return (result as { revision: number }).revision;
  return undefined;
}

function prepareReadStatements(db: SqliteDatabase): ReadStatements {
  const current = 'SELECT c.key AS key, l.value AS value, l.create_rev AS createRevision, c.rev AS modRevision FROM current c JOIN log l ON l.rev = c.rev';
  return {
    begin: db.prepare('BEGIN'),
    end: db.prepare('COMMIT'),
    getAt: db.prepare(
      'SELECT rev AS modRevision, create_rev AS createRevision, deleted, value FROM log WHERE key = ? AND rev <= ? ORDER BY rev DESC LIMIT 1',
    ),
    getByRev: db.prepare('SELECT rev AS modRevision, create_rev AS createRevision, deleted, value FROM log WHERE rev = ?'),
    isLive: db.prepare('SELECT rev FROM current WHERE key = ?'),
    listCurrentFrom: db.prepare(`${current} WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?`),
    listCurrentAfter: db.prepare(`${current} WHERE c.key > ? AND c.key < ? ORDER BY c.key LIMIT ?`),
    latestAtFrom: db.prepare('SELECT key, max(rev) AS rev FROM log WHERE key >= ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key'),
    latestAtAfter: db.prepare('SELECT key, max(rev) AS rev FROM log WHERE key > ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key'),
    count: db.prepare('SELECT count(*) AS n FROM current WHERE key >= ? AND key < ?'),
    // Rows beyond the acknowledged revision: a row-id range at the end of the table.
    unacknowledged: db.prepare('SELECT key FROM log WHERE rev > ?'),
    history: db.prepare(
      `SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value, p.value AS prev_value
         FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
        WHERE l.rev > ? AND l.rev <= ? AND l.key >= ? AND l.key < ?
        ORDER BY l.rev`,
    ),
  };
}
