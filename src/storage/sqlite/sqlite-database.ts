import Database from 'better-sqlite3';

/**
 * The slice of better-sqlite3 that the SQLite backend uses (DESIGN.md habit 2): small enough that
 * a fake or another driver can stand in. Calls are synchronous, as in better-sqlite3.
 */

export type SqliteParam = number | string | Uint8Array | null;

export interface SqliteRunResult {
  readonly changes: number;
}

export interface SqliteStatement<Row> {
  run(...params: SqliteParam[]): SqliteRunResult;
  get(...params: SqliteParam[]): Row | undefined;
  all(...params: SqliteParam[]): Row[];
  /** Streams rows; leaving the loop early releases the statement. */
  iterate(...params: SqliteParam[]): IterableIterator<Row>;
}

export interface SqliteDatabase {
  prepare<Row = unknown>(sql: string): SqliteStatement<Row>;
  exec(sql: string): unknown;
  /** `simple: true` returns the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  close(): unknown;
}

/** Opens a database file with better-sqlite3. */
export async function openBetterSqlite(path: string): Promise<SqliteDatabase> {
  const db = new Database(path);
  const typed: SqliteDatabase = db;
  return typed;
}
