import type { SqliteDatabase, SqliteStatement } from './sqlite-database.js';
import { readStoredState } from './sqlite-schema.js';

/*
 * The write side of the SQLite log: applies batches of writes in one transaction each, and
 * compacts. It owns the write connection and is used in exactly one thread: the main thread in
 * 'inline' mode, the writer worker (sqlite-writer-worker.ts) in 'worker' mode. It is synchronous,
 * like better-sqlite3, and imports nothing that needs the main thread (no logger, no backend
 * classes): results are plain data (WriteOutcome) that the backend turns into key values, errors
 * and watch events.
 */

/** What a write does (numbers, as they cross the thread boundary in a Float64Array). */
export const WriteKind = { Create: 0, Update: 1, Delete: 2 } as const;
export type WriteKind = (typeof WriteKind)[keyof typeof WriteKind];
export const WRITE_NAMES = ['create', 'update', 'delete'] as const;

export interface WriteOp {
  readonly kind: WriteKind;
  readonly key: string;
  /** null for a delete. */
  readonly value: Uint8Array | null;
  /** Expected modRevision; -1: no precondition. */
  readonly expected: number;
}

/** How a write ended. */
export const WriteStatus = { Ok: 0, KeyExists: 1, KeyNotFound: 2, RevisionMismatch: 3, Failed: 4 } as const;
export type WriteStatus = (typeof WriteStatus)[keyof typeof WriteStatus];

export interface WriteOutcome {
  status: WriteStatus;
  /** Ok: the write's revision. */
  rev: number;
  /** Ok (update/delete) and RevisionMismatch: the key's createRevision; Ok (create): rev. */
  createRev: number;
  /** Ok (update/delete): modRevision of the replaced version; RevisionMismatch: current modRevision. */
  prevRev: number;
  /** The replaced version's value (Ok update/delete) or the current value (RevisionMismatch). */
  prevValue: Uint8Array | null;
  /** Failed: why (the SQLite error). */
  cause?: unknown;
}

export interface CompactionSummary {
  readonly from: number;
  readonly to: number;
  readonly removed: number;
}

/** Faults a test can inject into the writer (see SqliteBackend.injectWriterFault). */
export interface WriterFaults {
  /** The next this-many COMMITs fail as a disk I/O error would. */
  failCommits: number;
}

/** Free pages released per incremental_vacuum step after compaction. */
const VACUUM_STEP_PAGES = 1024;

interface CurrentRow {
  modRevision: number;
  createRevision: number;
  value: Uint8Array;
}

interface WriteStatements {
  begin: SqliteStatement<never>;
  commit: SqliteStatement<never>;
  rollback: SqliteStatement<never>;
  insertLog: SqliteStatement<never>;
  upsertCurrent: SqliteStatement<never>;
  deleteCurrent: SqliteStatement<never>;
  getCurrent: SqliteStatement<CurrentRow>;
  setMeta: SqliteStatement<never>;
  compactSuperseded: SqliteStatement<never>;
  compactTombstones: SqliteStatement<never>;
}

export class SqliteLogWriter {
  readonly #db: SqliteDatabase;
  readonly #s: WriteStatements;
  readonly #compactBatch: number;
  /** Called when a group commit fails and its writes are retried one by one. */
  readonly #onGroupFailure: (err: unknown, writes: number) => void;
  readonly faults: WriterFaults = { failCommits: 0 };

  /** Latest committed revision. */
  #rev: number;
  #compactRev: number;
  #compactDone: number;

  constructor(db: SqliteDatabase, options: { compactBatch: number; onGroupFailure?: (err: unknown, writes: number) => void }) {
    this.#db = db;
    this.#compactBatch = options.compactBatch;
    this.#onGroupFailure = options.onGroupFailure ?? (() => undefined);
    this.#s = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      insertLog: db.prepare('INSERT INTO log (rev, key, create_rev, prev_rev, deleted, value) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertCurrent: db.prepare('INSERT INTO current (key, rev) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET rev = excluded.rev'),
      deleteCurrent: db.prepare('DELETE FROM current WHERE key = ?'),
      getCurrent: db.prepare(
        'SELECT c.rev AS modRevision, l.create_rev AS createRevision, l.value AS value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = ?',
      ),
      setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      // Every write at or below the compact revision makes the version it replaced unreachable.
      compactSuperseded: db.prepare('DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev > 0)'),
      compactTombstones: db.prepare('DELETE FROM log WHERE rev > ? AND rev <= ? AND deleted = 1'),
    };
    const state = readStoredState(db);
    this.#rev = state.revision;
    this.#compactRev = state.compactRevision;
    this.#compactDone = state.compactDone;
  }

  get revision(): number {
    return this.#rev;
  }

  get compactRevision(): number {
    return this.#compactRev;
  }

  get compactDone(): number {
    return this.#compactDone;
  }

  /**
   * Applies the writes in one transaction (each checks its own precondition, so one failure does
   * not affect the others) and returns one outcome per write, in order. If the transaction fails
   * inside SQLite (disk full, I/O error), it is rolled back and every write is retried in its own
   * transaction, so that only the writes that really fail come back as Failed.
   */
  apply(ops: readonly WriteOp[]): WriteOutcome[] {
    const s = this.#s;
    const out: WriteOutcome[] = new Array(ops.length);
    const base = this.#rev;
    try {
      s.begin.run();
      for (let i = 0; i < ops.length; i++) out[i] = this.#apply(ops[i]);
      this.#commit();
    } catch (err) {
      this.#rollback();
      this.#rev = base;
      this.#onGroupFailure(err, ops.length);
      for (let i = 0; i < ops.length; i++) out[i] = this.#applyAlone(ops[i]);
    }
    return out;
  }

  #applyAlone(op: WriteOp): WriteOutcome {
    const base = this.#rev;
    try {
      this.#s.begin.run();
      const r = this.#apply(op);
      this.#commit();
      return r;
    } catch (err) {
      this.#rollback();
      this.#rev = base;
      return { status: WriteStatus.Failed, rev: 0, createRev: 0, prevRev: 0, prevValue: null, cause: err };
    }
  }

  #commit(): void {
    if (this.faults.failCommits > 0) {
      this.faults.failCommits--;
      throw Object.assign(new Error('disk I/O error (injected)'), { code: 'SQLITE_IOERR' });
    }
    this.#s.commit.run();
  }

  #rollback(): void {
    if (!this.#db.inTransaction) return;
    // A failing ROLLBACK leaves nothing better to do; SQLite rolls back on its own when it can.
    try {
      this.#s.rollback.run();
    } catch {
      /* reported by the failure that led here */
    }
  }

  /** One write inside the open transaction. Precondition failures are outcomes; SQLite errors throw. */
  #apply(op: WriteOp): WriteOutcome {
    const s = this.#s;
    const key = op.key;
    const cur = s.getCurrent.get(key);
    if (op.kind === WriteKind.Create) {
      if (cur) return { status: WriteStatus.KeyExists, rev: 0, createRev: 0, prevRev: 0, prevValue: null };
      const rev = this.#rev + 1;
      s.insertLog.run(rev, key, rev, 0, 0, op.value);
      s.upsertCurrent.run(key, rev);
      this.#rev = rev;
      return { status: WriteStatus.Ok, rev, createRev: rev, prevRev: 0, prevValue: null };
    }
    if (!cur) return { status: WriteStatus.KeyNotFound, rev: 0, createRev: 0, prevRev: 0, prevValue: null };
    if (op.expected >= 0 && op.expected !== cur.modRevision) {
      return { status: WriteStatus.RevisionMismatch, rev: 0, createRev: cur.createRevision, prevRev: cur.modRevision, prevValue: cur.value };
    }
    const rev = this.#rev + 1;
    if (op.kind === WriteKind.Update) {
      s.insertLog.run(rev, key, cur.createRevision, cur.modRevision, 0, op.value);
      s.upsertCurrent.run(key, rev);
    } else {
      s.insertLog.run(rev, key, cur.createRevision, cur.modRevision, 1, null);
      s.deleteCurrent.run(key);
    }
    this.#rev = rev;
    return { status: WriteStatus.Ok, rev, createRev: cur.createRevision, prevRev: cur.modRevision, prevValue: cur.value };
  }

  /**
   * Compaction as a sequence of small steps, so that the caller can interleave writes (and stop)
   * between them: each `next()` runs one transaction. Records `target` as the compact revision
   * first (unless it already is; an interrupted compaction resumes with the same target), then
   * removes superseded versions and tombstones at or below it, `compactBatch` revisions per
   * transaction, then gives free pages back to the file system and empties the WAL.
   */
  *compaction(target: number): Generator<void, CompactionSummary> {
    if (target > this.#rev) throw new RangeError(`compaction target ${target} is beyond revision ${this.#rev}`);
    if (target > this.#compactRev) {
      this.#s.setMeta.run('compact_rev', target);
      this.#compactRev = target;
    }
    const from = this.#compactDone;
    let removed = 0;
    while (this.#compactDone < target) {
      yield;
      const lo = this.#compactDone;
      const hi = Math.min(target, lo + this.#compactBatch);
      const s = this.#s;
      s.begin.run();
      try {
        removed += s.compactSuperseded.run(lo, hi).changes;
        removed += s.compactTombstones.run(lo, hi).changes;
        s.setMeta.run('compact_done', hi);
        s.commit.run();
      } catch (err) {
        this.#rollback();
        throw new Error(`compaction of revisions ${lo + 1}..${hi} failed: ${(err as Error).message}`, { cause: err });
      }
      this.#compactDone = hi;
    }
    for (let i = 0; i < 10_000; i++) {
      yield;
      const free = Number(this.#db.pragma('freelist_count', { simple: true }) ?? 0);
      if (free === 0) break;
      this.#db.pragma(`incremental_vacuum(${VACUUM_STEP_PAGES})`);
    }
    yield;
    this.checkpoint('TRUNCATE');
    return { from, to: target, removed };
  }

  /**
   * Copies the WAL into the database file. TRUNCATE (used after compaction and at close) waits,
   * through the busy handler, for readers still using older WAL frames; the main-thread reader
   * only holds such a snapshot for the duration of one read, so the wait is short, and readers are
   * never blocked by it. Routine checkpoints are SQLite's automatic PASSIVE ones after commits.
   * Returns true if the whole WAL was checkpointed.
   */
  checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): boolean {
    const row = this.#db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[] | undefined;
    const r = row?.[0];
    return !r || (r.busy === 0 && r.checkpointed === r.log);
  }
}
