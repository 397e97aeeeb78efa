import type { SqliteDatabase } from './sqlite-database.js';

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
 *
 * This module is shared by the main thread and the writer worker (sqlite-writer-worker.ts), so it
 * imports nothing but types.
 */
export const SCHEMA = `
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
/** How long a connection waits for a lock held by another connection before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export type SyncMode = 'full' | 'normal';

/**
 * Connection settings. The 'writer' connection applies writes (synchronous=FULL: COMMIT returns
 * only after the WAL is fsynced, and only then does the commit become visible to other
 * connections); a 'reader' connection beside a worker writer only reads. Both keep the larger page
 * cache: SQLite's 2 MB default is too small for the indexes of a busy cluster.
 *
 * Returns the journal mode SQLite actually chose (':memory:' databases refuse WAL).
 */
export function configureConnection(db: SqliteDatabase, role: 'writer' | 'reader', sync: SyncMode): string {
  // auto_vacuum only takes effect if set before the first table is created (the first opener does).
  db.pragma('auto_vacuum = INCREMENTAL');
  const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${CACHE_KIB}`);
  if (role === 'writer') {
    db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  }
  return mode;
}

export interface StoredState {
  /** max(max(log.rev), compact_rev). */
  readonly revision: number;
  readonly compactRevision: number;
  /** Rows of revisions up to here have been physically removed by compaction. */
  readonly compactDone: number;
}

export function readStoredState(db: SqliteDatabase): StoredState {
  const meta = db.prepare<{ value: number }>('SELECT value FROM meta WHERE name = ?');
  const compactRevision = meta.get('compact_rev')?.value ?? 0;
  const compactDone = meta.get('compact_done')?.value ?? 0;
  const maxRev = db.prepare<{ rev: number | null }>('SELECT max(rev) AS rev FROM log').get()?.rev ?? 0;
  return { revision: Math.max(maxRev, compactRevision), compactRevision, compactDone };
}
