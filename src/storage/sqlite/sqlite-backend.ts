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
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/log.js';

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
  /** Background compaction (default: every 5 minutes, keeping at least 1000 revisions). */
  readonly compaction?: CompactionPolicy | false;
  /** Events a watcher may have queued before it is cut off as slow (default 10 000). */
  readonly watchQueueLimit?: number;
  /** Most writes applied in one transaction (default 1000). */
  readonly maxBatchWrites?: number;
  /** Revisions removed per compaction transaction (default 1000). */
  readonly compactBatchRevisions?: number;
  /** Opens the database (default: better-sqlite3). */
  readonly openDatabase?: (path: string) => Promise<SqliteDatabase>;
}

/*
 * Schema. `log` is the whole history, one row per write, the row id being the revision. A delete
 * writes a tombstone row (deleted = 1, value NULL); `prev_rev` points at the version a write
 * replaced (0 for a create), which is what compaction follows. `current` maps every live key to
 * the revision of its latest row, so reads at the current revision are primary-key range scans
 * over live keys only; values live in `log` alone. Reads at older revisions use the (key, rev)
 * index: per key, the newest row at or below the revision.
 *
 * `meta` holds 'compact_rev' (reads and watches below it fail; set before any row is removed) and
 * 'compact_done' (rows up to here are physically removed; lets an interrupted compaction resume).
 * The current revision is never stored: it is max(max(log.rev), compact_rev), because compaction
 * only removes rows that are superseded, or tombstones at or below compact_rev.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  rev        INTEGER PRIMARY KEY,
  key        TEXT    NOT NULL,
  create_rev INTEGER NOT NULL,
  prev_rev   INTEGER NOT NULL,
  deleted    INTEGER NOT NULL,
  value      BLOB
);
CREATE INDEX IF NOT EXISTS log_key_rev ON log (key, rev);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY,
  rev INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Bytes the WAL file is truncated to after a checkpoint (it is reused, not grown, below this). */
const JOURNAL_SIZE_LIMIT = 8 * 1024 * 1024;
/** Page cache size in KiB. */
const CACHE_KIB = 32 * 1024;
/** Free pages released per incremental_vacuum step after compaction. */
const VACUUM_STEP_PAGES = 1024;

const EMPTY = new Uint8Array(0);

const enum WriteKind {
  Create,
  Update,
  Delete,
}

interface PendingWrite {
  readonly kind: WriteKind;
  readonly key: string;
  readonly value: Uint8Array | null;
  /** -1: no precondition. */
  readonly expected: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface CurrentRow {
  modRevision: number;
  createRevision: number;
  value: Uint8Array;
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

interface Statements {
  begin: SqliteStatement<never>;
  commit: SqliteStatement<never>;
  rollback: SqliteStatement<never>;
  insertLog: SqliteStatement<never>;
  upsertCurrent: SqliteStatement<never>;
  deleteCurrent: SqliteStatement<never>;
  getCurrent: SqliteStatement<CurrentRow>;
  getAt: SqliteStatement<VersionRow>;
  getByRev: SqliteStatement<VersionRow>;
  listCurrentFrom: SqliteStatement<KeyValue>;
  listCurrentAfter: SqliteStatement<KeyValue>;
  latestAtFrom: SqliteStatement<{ key: string; rev: number }>;
  latestAtAfter: SqliteStatement<{ key: string; rev: number }>;
  count: SqliteStatement<{ n: number }>;
  history: SqliteStatement<HistoryRow>;
  maxRev: SqliteStatement<{ rev: number | null }>;
  getMeta: SqliteStatement<{ value: number }>;
  setMeta: SqliteStatement<never>;
  compactSuperseded: SqliteStatement<never>;
  compactTombstones: SqliteStatement<never>;
}

/**
 * The default storage backend: a revisioned log in one SQLite file, written and read through ONE
 * connection from the main thread.
 *
 * Why one connection: SQLite admits one writer at a time, and kine's "database is locked" errors
 * come from several pooled connections (compaction in one, writes in another) competing for that
 * lock. Here every statement runs synchronously on the same connection, so two transactions can
 * never overlap and that error cannot arise from this process; busy_timeout is still set so that
 * an outside reader (e.g. the sqlite3 shell) briefly holding a lock delays us instead of failing us.
 *
 * Group commit: writes requested during one event-loop turn are applied in one transaction
 * (each checks its own precondition, so one failure does not affect the others), their promises
 * settle after COMMIT, and their watch events are published in revision order.
 */
export class SqliteBackend implements Backend {
  readonly #path: string;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sync: 'full' | 'normal';
  readonly #maxBatch: number;
  readonly #compactBatch: number;
  readonly #openDatabase: (path: string) => Promise<SqliteDatabase>;
  readonly #watchers: WatcherRegistry;
  readonly #compactor: AutoCompactor | undefined;

  #starting: Promise<void> | undefined;
  #db: SqliteDatabase | undefined;
  #stmts: Statements | undefined;
  #closed = false;

  /** Latest committed revision. */
  #rev = 0;
  #compactRev = 0;
  #compactDone = 0;
  #compactChain: Promise<void> = Promise.resolve();

  #pending: PendingWrite[] = [];
  #flushScheduled = false;

  constructor(config: SqliteBackendConfig) {
    if (!config.path) throw new TypeError('SqliteBackend: path is required');
    this.#path = config.path;
    this.#log = (config.logger ?? silentLogger).child({ component: 'storage' });
    this.#clock = config.clock ?? systemClock;
    this.#sync = config.sync ?? 'full';
    this.#maxBatch = config.maxBatchWrites ?? 1000;
    this.#compactBatch = config.compactBatchRevisions ?? 1000;
    this.#openDatabase = config.openDatabase ?? openBetterSqlite;
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

  start(): Promise<void> {
    this.#starting ??= this.#open();
    return this.#starting;
  }

  async #open(): Promise<void> {
    if (this.#closed) throw new StorageError('storage is closed');
    const db = await this.#openDatabase(this.#path);
    try {
      // auto_vacuum only takes effect if set before the first table is created.
      db.pragma('auto_vacuum = INCREMENTAL');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && this.#path !== ':memory:') this.#log.warn({ path: this.#path, mode }, 'sqlite refused WAL mode; writes will be slower');
      db.pragma(`synchronous = ${this.#sync === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
      db.pragma('temp_store = MEMORY');
      // A larger page cache than SQLite's 2 MB default keeps the indexes of a busy cluster in memory.
      db.pragma(`cache_size = -${CACHE_KIB}`);
      db.exec(SCHEMA);
      this.#db = db;
      this.#stmts = prepareStatements(db);
    } catch (err) {
      db.close();
      throw new StorageError(`cannot open sqlite database ${this.#path}`, { cause: err });
    }
    const s = this.#stmts;
    this.#compactRev = s.getMeta.get('compact_rev')?.value ?? 0;
    this.#compactDone = s.getMeta.get('compact_done')?.value ?? 0;
    this.#rev = Math.max(s.maxRev.get()?.rev ?? 0, this.#compactRev);
    this.#log.info({ path: this.#path, revision: this.#rev, compactRevision: this.#compactRev }, 'sqlite storage opened');
    if (this.#compactDone < this.#compactRev) {
      // A compaction was interrupted (crash); finish removing what it had promised to remove.
      this.#compactChain = this.#compactChain.then(() => this.#removeCompacted(this.#compactRev));
    }
    this.#compactor?.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    await this.#compactor?.stop();
    await this.#compactChain.catch(() => undefined);
    while (this.#pending.length > 0) this.#flush();
    this.#watchers.closeAll(new WatchClosedError('closed'));
    const db = this.#db;
    if (!db) return;
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.#log.warn({ err }, 'final WAL checkpoint failed');
    }
    db.close();
    this.#db = undefined;
    this.#stmts = undefined;
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

  // ---- reads ------------------------------------------------------------------------------------

  async get(key: string, revision?: number): Promise<GetResult> {
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'get', key, revision }, 'storage get');
    const current = this.#rev;
    if (!revision || revision === current) {
      const row = s.getCurrent.get(key);
      return { revision: current, kv: row ? { key, value: row.value, createRevision: row.createRevision, modRevision: row.modRevision } : undefined };
    }
    this.#checkReadable(revision);
    const row = s.getAt.get(key, revision);
    if (!row || row.deleted) return { revision, kv: undefined };
    return { revision, kv: { key, value: row.value ?? EMPTY, createRevision: row.createRevision, modRevision: row.modRevision } };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'list', prefix, ...options }, 'storage list');
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const end = prefixEnd(prefix);
    const after = options.startAfter !== undefined && options.startAfter >= prefix ? options.startAfter : undefined;
    const current = this.#rev;
    const revision = options.revision || current;
    if (revision === current) {
      const rows =
        after === undefined ? s.listCurrentFrom.all(prefix, end, limit ? limit + 1 : -1) : s.listCurrentAfter.all(after, end, limit ? limit + 1 : -1);
      const more = limit > 0 && rows.length > limit;
      if (more) rows.length = limit;
      return { revision, kvs: rows, more };
    }
    this.#checkReadable(revision);
    // Snapshot read: walk keys in order over the (key, rev) index, picking each key's newest
    // row at or below `revision`, and stop as soon as the page is full.
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
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'count', prefix }, 'storage count');
    return { revision: this.#rev, count: s.count.get(prefix, prefixEnd(prefix))?.n ?? 0 };
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
      if (this.#closed || !this.#stmts) {
        reject(new StorageError(this.#closed ? 'storage is closed' : 'storage is not started'));
        return;
      }
      this.#pending.push({ kind, key, value, expected, resolve: resolve as (r: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flushSoon);
      }
    });
  }

  readonly #flushSoon = (): void => {
    this.#flushScheduled = false;
    if (this.#stmts) this.#flush();
  };

  /** Applies up to maxBatchWrites pending writes in one transaction; reschedules the rest. */
  #flush(): void {
    let batch = this.#pending;
    if (batch.length === 0) return;
    if (batch.length > this.#maxBatch) {
      this.#pending = batch.slice(this.#maxBatch);
      batch = batch.slice(0, this.#maxBatch);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flushSoon);
      }
    } else {
      this.#pending = [];
    }
    const s = this.#statements();
    const events: WatchEvent[] = [];
    const results: unknown[] = new Array(batch.length);
    const base = this.#rev;
    try {
      s.begin.run();
      for (let i = 0; i < batch.length; i++) results[i] = this.#apply(s, batch[i], events);
      s.commit.run();
    } catch (err) {
      // An unexpected SQLite failure (disk full, I/O error): undo the batch and retry each write
      // in its own transaction so that only the writes that really fail are rejected.
      this.#rollback(s);
      this.#rev = base;
      events.length = 0;
      this.#log.warn({ err, writes: batch.length }, 'group commit failed; retrying writes one by one');
      for (let i = 0; i < batch.length; i++) results[i] = this.#applyAlone(s, batch[i], events);
    }
    this.#watchers.publish(events);
    const debug = this.#debug();
    if (debug) this.#log.debug({ op: 'commit', writes: batch.length, revision: this.#rev }, 'storage commit');
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i];
      const r = results[i];
      if (r instanceof Error) {
        if (debug) this.#log.debug({ op: WRITE_NAMES[w.kind], key: w.key, err: r.message }, 'storage write failed');
        w.reject(r);
      } else {
        if (debug) this.#log.debug({ op: WRITE_NAMES[w.kind], key: w.key, revision: writeRevision(r) }, 'storage write');
        w.resolve(r);
      }
    }
  }

  #applyAlone(s: Statements, w: PendingWrite, events: WatchEvent[]): unknown {
    const base = this.#rev;
    const mark = events.length;
    try {
      s.begin.run();
      const r = this.#apply(s, w, events);
      s.commit.run();
      return r;
    } catch (err) {
      this.#rollback(s);
      this.#rev = base;
      events.length = mark;
      return new StorageError(`${WRITE_NAMES[w.kind]} ${w.key} failed`, { cause: err });
    }
  }

  #rollback(s: Statements): void {
    if (!this.#db?.inTransaction) return;
    try {
      s.rollback.run();
    } catch (err) {
      this.#log.error({ err }, 'rollback failed');
    }
  }

  /**
   * Applies one write inside the open transaction. Precondition failures are returned (not thrown)
   * so they never disturb the batch; only SQLite errors throw.
   */
  #apply(s: Statements, w: PendingWrite, events: WatchEvent[]): unknown {
    const key = w.key;
    const cur = s.getCurrent.get(key);
    if (w.kind === WriteKind.Create) {
      if (cur) return new KeyExistsError(key);
      const rev = this.#rev + 1;
      s.insertLog.run(rev, key, rev, 0, 0, w.value);
      s.upsertCurrent.run(key, rev);
      this.#rev = rev;
      const kv: KeyValue = { key, value: w.value ?? EMPTY, createRevision: rev, modRevision: rev };
      events.push({ type: 'create', kv });
      return kv;
    }
    if (!cur) return new KeyNotFoundError(key);
    const prevKv: KeyValue = { key, value: cur.value, createRevision: cur.createRevision, modRevision: cur.modRevision };
    if (w.expected >= 0 && w.expected !== cur.modRevision) return new RevisionMismatchError(key, prevKv);
    const rev = this.#rev + 1;
    if (w.kind === WriteKind.Update) {
      s.insertLog.run(rev, key, cur.createRevision, cur.modRevision, 0, w.value);
      s.upsertCurrent.run(key, rev);
      this.#rev = rev;
      const kv: KeyValue = { key, value: w.value ?? EMPTY, createRevision: cur.createRevision, modRevision: rev };
      events.push({ type: 'update', kv, prevKv });
      return kv;
    }
    s.insertLog.run(rev, key, cur.createRevision, cur.modRevision, 1, null);
    s.deleteCurrent.run(key);
    this.#rev = rev;
    events.push({ type: 'delete', kv: { key, value: cur.value, createRevision: cur.createRevision, modRevision: rev }, prevKv });
    return { revision: rev, prevKv };
  }

  // ---- watch ------------------------------------------------------------------------------------

  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent[]> {
    if (this.#debug()) this.#log.debug({ op: 'watch', prefix, fromRevision: options.fromRevision }, 'storage watch');
    if (this.#closed) return failedWatch(new WatchClosedError('closed'));
    if (!this.#stmts) return failedWatch(new StorageError('storage is not started'));
    return this.#watchers.open(prefix, options);
  }

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
   * Makes revisions below `revision` unreadable at once, then removes superseded versions and
   * tombstones at or below it in small transactions, yielding to the event loop in between, and
   * finally returns free pages to the file system and truncates the WAL. Compacting to a revision
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
    const s = this.#statements();
    if (this.#debug()) this.#log.debug({ op: 'compact', revision }, 'storage compact');
    if (revision > this.#rev) throw new FutureRevisionError(revision, this.#rev);
    if (revision <= this.#compactRev) return;
    s.setMeta.run('compact_rev', revision);
    this.#compactRev = revision;
    await this.#removeCompacted(revision);
  }

  async #removeCompacted(revision: number): Promise<void> {
    const s = this.#statements();
    const started = this.#clock.now();
    const from = this.#compactDone;
    let removed = 0;
    while (this.#compactDone < revision) {
      if (this.#closed || !this.#stmts) return;
      const lo = this.#compactDone;
      const hi = Math.min(revision, lo + this.#compactBatch);
      s.begin.run();
      try {
        removed += s.compactSuperseded.run(lo, hi).changes;
        removed += s.compactTombstones.run(lo, hi).changes;
        s.setMeta.run('compact_done', hi);
        s.commit.run();
      } catch (err) {
        this.#rollback(s);
        throw new StorageError(`compaction of revisions ${lo + 1}..${hi} failed`, { cause: err });
      }
      this.#compactDone = hi;
      await nextTurn();
    }
    await this.#releaseSpace();
    this.#log.info({ from, to: revision, removed, ms: this.#clock.now() - started }, 'compacted storage history');
  }

  /** Gives free pages back to the file system in small steps, then empties the WAL. */
  async #releaseSpace(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      const db = this.#db;
      if (!db || this.#closed) return;
      const free = Number(db.pragma('freelist_count', { simple: true }) ?? 0);
      if (free === 0) break;
      db.pragma(`incremental_vacuum(${VACUUM_STEP_PAGES})`);
      await nextTurn();
    }
    const db = this.#db;
    if (!db || this.#closed) return;
    // With a single connection there are no readers to wait for, so TRUNCATE completes.
    db.pragma('wal_checkpoint(TRUNCATE)');
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #statements(): Statements {
    const s = this.#stmts;
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

const WRITE_NAMES = ['create', 'update', 'delete'] as const;

function writeRevision(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  if ('modRevision' in result) return (result as KeyValue).modRevision;
  if ('revision' in result) return (result as { revision: number }).revision;
  return undefined;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function prepareStatements(db: SqliteDatabase): Statements {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    insertLog: db.prepare('INSERT INTO log (rev, key, create_rev, prev_rev, deleted, value) VALUES (?, ?, ?, ?, ?, ?)'),
    upsertCurrent: db.prepare('INSERT INTO current (key, rev) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET rev = excluded.rev'),
    deleteCurrent: db.prepare('DELETE FROM current WHERE key = ?'),
    getCurrent: db.prepare(
      'SELECT c.rev AS modRevision, l.create_rev AS createRevision, l.value AS value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = ?',
    ),
    getAt: db.prepare(
      'SELECT rev AS modRevision, create_rev AS createRevision, deleted, value FROM log WHERE key = ? AND rev <= ? ORDER BY rev DESC LIMIT 1',
    ),
    getByRev: db.prepare('SELECT rev AS modRevision, create_rev AS createRevision, deleted, value FROM log WHERE rev = ?'),
    listCurrentFrom: db.prepare(
      'SELECT c.key AS key, l.value AS value, l.create_rev AS createRevision, c.rev AS modRevision FROM current c JOIN log l ON l.rev = c.rev WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?',
    ),
    listCurrentAfter: db.prepare(
      'SELECT c.key AS key, l.value AS value, l.create_rev AS createRevision, c.rev AS modRevision FROM current c JOIN log l ON l.rev = c.rev WHERE c.key > ? AND c.key < ? ORDER BY c.key LIMIT ?',
    ),
    latestAtFrom: db.prepare('SELECT key, max(rev) AS rev FROM log WHERE key >= ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key'),
    latestAtAfter: db.prepare('SELECT key, max(rev) AS rev FROM log WHERE key > ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key'),
    count: db.prepare('SELECT count(*) AS n FROM current WHERE key >= ? AND key < ?'),
    history: db.prepare(
      `SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value, p.value AS prev_value
         FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
        WHERE l.rev > ? AND l.rev <= ? AND l.key >= ? AND l.key < ?
        ORDER BY l.rev`,
    ),
    maxRev: db.prepare('SELECT max(rev) AS rev FROM log'),
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
    setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    // Every write at or below the compact revision makes the version it replaced unreachable.
    compactSuperseded: db.prepare('DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev > 0)'),
    compactTombstones: db.prepare('DELETE FROM log WHERE rev > ? AND rev <= ? AND deleted = 1'),
  };
}
