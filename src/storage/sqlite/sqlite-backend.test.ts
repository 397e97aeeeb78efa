import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBackend, type SqliteBackendConfig } from './sqlite-backend.js';
import { openBetterSqlite, type SqliteDatabase, type SqliteParam, type SqliteStatement } from './sqlite-database.js';
import { FutureRevisionError, StorageError, type KeyValue } from '../backend.js';
import { CONFORMANCE_WATCH_QUEUE_LIMIT, describeBackendConformance } from '../testing/conformance.js';
import { FakeClock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

for (const writer of ['worker', 'inline'] as const) {
  describeBackendConformance(`sqlite (file, ${writer} writer)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lite-sqlite-'));
    const backend = new SqliteBackend({ path: join(dir, 'state.db'), writer, compaction: false, watchQueueLimit: CONFORMANCE_WATCH_QUEUE_LIMIT });
    expect(backend.writerMode).toBe(writer);
    return { backend, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  });
}

describeBackendConformance('sqlite (:memory:)', async () => ({
  backend: new SqliteBackend({ path: ':memory:', compaction: false, watchQueueLimit: CONFORMANCE_WATCH_QUEUE_LIMIT }),
  cleanup: async () => undefined,
}));

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

interface Spy {
  sql: string[];
  runs: string[];
  /** Throw from run() of a statement when this returns an error. */
  fault?: (sql: string, params: SqliteParam[]) => Error | undefined;
  db?: SqliteDatabase;
}

/** Wraps better-sqlite3 to record statements and inject faults (the point of owning the interface). */
function spyingOpener(spy: Spy): (path: string) => Promise<SqliteDatabase> {
  return async (path) => {
    const real = await openBetterSqlite(path);
    spy.db = real;
    return {
      prepare<Row>(sql: string): SqliteStatement<Row> {
        spy.sql.push(sql);
        const st = real.prepare<Row>(sql);
        return {
          run: (...p) => {
            spy.runs.push(sql);
            const err = spy.fault?.(sql, p);
            if (err) throw err;
            return st.run(...p);
          },
          get: (...p) => st.get(...p),
          all: (...p) => st.all(...p),
          iterate: (...p) => st.iterate(...p),
        };
      },
      exec: (sql) => real.exec(sql),
      pragma: (source, options) => real.pragma(source, options),
      get inTransaction() {
        return real.inTransaction;
      },
      close: () => real.close(),
    };
  };
}

describe('SqliteBackend', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'lite-sqlite-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async function open(config: Partial<SqliteBackendConfig> & { path: string }): Promise<SqliteBackend> {
    const b = new SqliteBackend({ compaction: false, ...config });
    await b.start();
    cleanups.push(() => b.close());
    return b;
  }

  it('applies the writes of one event-loop turn in one transaction', async () => {
    const spy: Spy = { sql: [], runs: [] };
    const b = await open({ path: ':memory:', openDatabase: spyingOpener(spy) });
    spy.runs.length = 0;
    const writes: Promise<KeyValue>[] = [];
    for (let i = 0; i < 64; i++) writes.push(b.create(`/g/${i}`, bytes(String(i))));
    const kvs = await Promise.all(writes);
    expect(kvs.map((kv) => kv.modRevision)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(spy.runs.filter((s) => s.startsWith('BEGIN'))).toHaveLength(1);
    expect(spy.runs.filter((s) => s === 'COMMIT')).toHaveLength(1);
    // The next turn is a new transaction.
    await b.create('/g/next', bytes('x'));
    expect(spy.runs.filter((s) => s.startsWith('BEGIN'))).toHaveLength(2);
  });

  it('splits very large bursts into bounded transactions', async () => {
    const spy: Spy = { sql: [], runs: [] };
    const b = await open({ path: ':memory:', openDatabase: spyingOpener(spy), maxBatchWrites: 10 });
    spy.runs.length = 0;
    const writes: Promise<KeyValue>[] = [];
    for (let i = 0; i < 35; i++) writes.push(b.create(`/g/${i}`, bytes(String(i))));
    const kvs = await Promise.all(writes);
    expect(kvs.map((kv) => kv.modRevision)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(spy.runs.filter((s) => s === 'COMMIT')).toHaveLength(4);
  });

  it('isolates a write that fails inside SQLite from the rest of its batch', async () => {
    const spy: Spy = { sql: [], runs: [] };
    spy.fault = (sql, params) => (sql.startsWith('INSERT INTO log') && params[1] === '/f/bad' ? new Error('disk I/O error (injected)') : undefined);
    const b = await open({ path: ':memory:', openDatabase: spyingOpener(spy) });
    const it = b.watch('/f/', { fromRevision: 0 })[Symbol.asyncIterator]();
    const results = await Promise.allSettled([b.create('/f/a', bytes('a')), b.create('/f/bad', bytes('x')), b.create('/f/c', bytes('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failure = (results[1] as PromiseRejectedResult).reason as StorageError;
    expect(failure).toBeInstanceOf(StorageError);
    expect((failure.cause as Error).message).toContain('injected');
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.modRevision] : []))).toEqual([1, 2]);
    const first = await it.next();
    expect(first.done ? [] : first.value.map((e) => `${e.kv.key}@${e.kv.modRevision}`)).toEqual(['/f/a@1', '/f/c@2']);
    expect((await b.list('/f/')).kvs.map((kv) => kv.key)).toEqual(['/f/a', '/f/c']);
    await it.return?.();
  });

  it('reads through indexes only: no statement scans a whole table', async () => {
    const spy: Spy = { sql: [], runs: [] };
    await open({ path: ':memory:', openDatabase: spyingOpener(spy) });
    const db = spy.db!;
    const checked: string[] = [];
    for (const sql of spy.sql) {
      if (!/^\s*(SELECT|DELETE|INSERT)/.test(sql)) continue;
      const params = Array<SqliteParam>((sql.match(/\?/g) ?? []).length).fill(1);
      const plan = db.prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => r.detail);
      for (const step of plan) expect(step, `${sql}\n${plan.join('\n')}`).not.toMatch(/^SCAN (log|current|meta)\b/);
      checked.push(sql);
    }
    expect(checked.length).toBeGreaterThan(10);
  });

  it('logs every storage call at debug level through a storage child logger', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const b = await open({ path: ':memory:', logger });
    const a = await b.create('/l/a', bytes('1'));
    await b.get('/l/a');
    await b.list('/l/');
    await b.update('/l/a', bytes('2'), a.modRevision);
    await b.delete('/l/a');
    await expect(b.delete('/l/a')).rejects.toThrow();
    const ops = lines.filter((l) => l.component === 'storage').map((l) => l.op);
    expect(ops).toEqual(expect.arrayContaining(['create', 'get', 'list', 'update', 'delete', 'commit']));
    expect(lines.filter((l) => l.op === 'delete')).toHaveLength(2);
  });

  for (const writer of ['worker', 'inline'] as const) {
    describe(`${writer} writer`, () => {
      it('keeps revisions, data and the compact revision across restarts', async () => {
        const path = join(tempDir(), 'state.db');
        const first = new SqliteBackend({ path, writer, compaction: false });
        await first.start();
        const a = await first.create('/k/a', bytes('1'));
        await first.update('/k/a', bytes('2'), a.modRevision);
        await first.create('/k/b', bytes('b'));
        const del = await first.delete('/k/b');
        await first.compact(del.revision);
        await first.close();

        const second = await open({ path, writer });
        expect(await second.currentRevision()).toBe(del.revision);
        expect(await second.compactRevision()).toBe(del.revision);
        expect((await second.list('/k/')).kvs.map((kv) => `${kv.key}@${kv.modRevision}`)).toEqual([`/k/a@${a.modRevision + 1}`]);
        expect((await second.create('/k/c', bytes('c'))).modRevision).toBe(del.revision + 1);
      });

      it('finishes an interrupted compaction when it reopens', async () => {
        const path = join(tempDir(), 'state.db');
        const first = new SqliteBackend({ path, writer, compaction: false });
        await first.start();
        let kv = await first.create('/k/a', bytes('0'));
        for (let i = 1; i <= 20; i++) kv = await first.update('/k/a', bytes(String(i)), kv.modRevision);
        await first.close();
        // Simulate a crash right after the compact revision was recorded, before any row was removed.
        const raw = await openBetterSqlite(path);
        raw.prepare("INSERT INTO meta (name, value) VALUES ('compact_rev', 15)").run();
        raw.close();

        const second = await open({ path, writer });
        await second.compactionSettled();
        expect(await second.compactRevision()).toBe(15);
        expect(text((await second.get('/k/a', 15)).kv?.value)).toBe('14');
        await second.close();
        const check = await openBetterSqlite(path);
        const rows = check.prepare<{ n: number }>('SELECT count(*) AS n FROM log').get()?.n;
        check.close();
        // Revisions 16..21 plus the version current at 15.
        expect(rows).toBe(7);
      });

      it('keeps the database and WAL files bounded under churn with background compaction', async () => {
        const dir = tempDir();
        const path = join(dir, 'state.db');
        const clock = new FakeClock();
        const b = await open({ path, writer, clock, compaction: { intervalMs: 60_000, retainRevisions: 1000 } });
        const value = new Uint8Array(1024).fill(120);
        const revs = new Map<string, number>();
        for (let k = 0; k < 100; k++) revs.set(`/churn/k${k}`, (await b.create(`/churn/k${k}`, value)).modRevision);
        let maxDb = 0;
        let maxWal = 0;
        const sizes = () => {
          maxDb = Math.max(maxDb, statSync(path).size);
          if (existsSync(`${path}-wal`)) maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
        };
        for (let round = 0; round < 200; round++) {
          const writes = [...revs].map(([key, rev]) => b.update(key, value, rev));
          for (const kv of await Promise.all(writes)) revs.set(kv.key, kv.modRevision);
          if (round % 10 === 9) {
            clock.advance(60_000);
            await b.compactionSettled();
          }
          sizes();
        }
        const written = 20_100 * value.length;
        expect(await b.currentRevision()).toBe(20_100);
        expect(await b.compactRevision()).toBeGreaterThan(17_000);
        // Without compaction the history alone would take > 20 MB.
        expect(maxDb).toBeLessThan(written / 4);
        expect(maxWal).toBeLessThan(8 * 1024 * 1024);
        // A final compaction of everything leaves roughly the live data and an empty WAL.
        await b.compact(await b.currentRevision());
        expect(statSync(`${path}-wal`).size).toBe(0);
        expect(statSync(path).size).toBeLessThan(1024 * 1024);
        expect((await b.count('/churn/')).count).toBe(100);
      }, 60_000);

      it('loses no acknowledged write when the process is killed (SIGKILL) mid-stream', async () => {
        const path = join(tempDir(), 'state.db');
        const child = spawn(process.execPath, ['src/storage/testing/run-ts.mjs', 'src/storage/sqlite/testing/durability-writer.ts', path, '16', writer], {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`writer did not produce enough acknowledgements: ${err}`)), 30_000);
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if ((out.match(/\n/g) ?? []).length >= 3000) {
              clearTimeout(timer);
              child.kill('SIGKILL');
              resolve();
            }
          });
          child.on('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        expect(await exited).toBe('SIGKILL');

        const acks = out
          .split('\n')
          .slice(0, -1) // the last piece may be a partial line
          .filter((l) => l !== 'ready')
          .map((l) => {
            const [op, key, rev] = l.split(' ');
            return { op, key, rev: Number(rev) };
          });
        expect(acks.length).toBeGreaterThanOrEqual(3000);
        for (let i = 1; i < acks.length; i++) expect(acks[i].rev).toBeGreaterThan(acks[i - 1].rev);

        const b = await open({ path, writer });
        const current = await b.currentRevision();
        expect(current).toBeGreaterThanOrEqual(acks[acks.length - 1].rev);
        const updated = new Map(acks.filter((a) => a.op === 'u').map((a) => [a.key, a.rev]));
        for (const ack of acks) {
          const { kv } = await b.get(ack.key);
          expect(kv, `acknowledged ${ack.op} of ${ack.key} at ${ack.rev} is missing`).toBeDefined();
          if (ack.op === 'c') expect(kv!.createRevision).toBe(ack.rev);
          if (ack.op === 'u') expect(kv!.modRevision).toBe(ack.rev);
          if (ack.op === 'c' && !updated.has(ack.key)) expect(kv!.modRevision).toBeGreaterThanOrEqual(ack.rev);
        }
      }, 60_000);

      // Only the worker writer can commit rows the main thread has not acknowledged yet.
      if (writer === 'worker') {
        it('reads at the current revision show the acknowledged state while later commits are already visible', async () => {
        const path = join(tempDir(), 'state.db');
        const b = await open({ path, writer });
        const a = await b.create('/v/a', bytes('a1'));
        const vb = await b.create('/v/b', bytes('b1'));
        await b.create('/v/c', bytes('c1'));
        await b.create('/w/x', bytes('x'));
        const rev = await b.currentRevision();
        const snapshot = async () => ({
          all: await b.list('/v/'),
          first: await b.list('/v/', { limit: 2 }),
          second: await b.list('/v/', { limit: 2, startAfter: '/v/a' }),
          count: await b.count('/v/'),
          a: await b.get('/v/a'),
          b: await b.get('/v/b'),
          zero: await b.get('/v/0'),
        });
        const before = await snapshot();
        expect(before.first.more).toBe(true);
        // What a writer thread commits before its result reaches the main thread: visible in the
        // file, not yet acknowledged (here committed by another connection).
        const raw = await openBetterSqlite(path);
        raw.exec('BEGIN IMMEDIATE');
        const log = raw.prepare('INSERT INTO log (rev, key, create_rev, prev_rev, deleted, value) VALUES (?, ?, ?, ?, ?, ?)');
        log.run(rev + 1, '/v/b', vb.createRevision, vb.modRevision, 0, bytes('b2'));
        raw.prepare('UPDATE current SET rev = ? WHERE key = ?').run(rev + 1, '/v/b');
        log.run(rev + 2, '/v/a', a.createRevision, a.modRevision, 1, null);
        raw.prepare('DELETE FROM current WHERE key = ?').run('/v/a');
        log.run(rev + 3, '/v/0', rev + 3, 0, 0, bytes('new'));
        raw.prepare('INSERT INTO current (key, rev) VALUES (?, ?)').run('/v/0', rev + 3);
        raw.exec('COMMIT');
        raw.close();
        expect(await snapshot()).toEqual(before);
        expect(await b.currentRevision()).toBe(rev);
        await expect(b.get('/v/b', rev + 1)).rejects.toBeInstanceOf(FutureRevisionError);
      });
      }
    });
  }

  describe('worker writer faults', () => {
    async function openWorker(logger?: Logger): Promise<SqliteBackend> {
      const b = await open({ path: join(tempDir(), 'state.db'), writer: 'worker', ...(logger && { logger }) });
      expect(b.writerMode).toBe('worker');
      return b;
    }

    it('fails writes whose commit fails inside SQLite, and goes on afterwards', async () => {
      const b = await openWorker();
      await b.create('/f/ok', bytes('1'));
      // Group commit, then each write alone: three failing commits fail both writes.
      b.injectWriterFault({ failCommits: 3 });
      const results = await within(Promise.allSettled([b.create('/f/a', bytes('a')), b.create('/f/b', bytes('b'))]));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason as StorageError;
        expect(err).toBeInstanceOf(StorageError);
        expect(err.message).toMatch(/^create \/f\/[ab] failed$/);
        expect((err.cause as Error).message).toContain('disk I/O error');
        expect((err.cause as { code?: string }).code).toBe('SQLITE_IOERR');
      }
      expect(await b.currentRevision()).toBe(1);
      expect((await b.create('/f/c', bytes('c'))).modRevision).toBe(2);
      expect((await b.list('/f/')).kvs.map((kv) => kv.key)).toEqual(['/f/c', '/f/ok']);
    });

    it('fails the writes in flight when the writer thread dies, logs it, and starts a new one', async () => {
      const lines: Record<string, unknown>[] = [];
      const b = await openWorker(pino({ level: 'warn' }, sinkInto(lines)));
      await b.create('/x/a', bytes('1'));
      // Exits when the write's batch arrives: deterministic, unlike exiting at once (the main
      // thread could otherwise start a fresh writer before it sends the batch).
      b.injectWriterFault({ exit: 'before-commit' });
      const err = await within(rejection(b.create('/x/b', bytes('2'))));
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toMatch(/writer thread stopped .*outcome of writes in flight is unknown/);
      expect(lines.some((l) => l.level === 50 && /writer thread stopped/.test(String(l.msg)))).toBe(true);
      expect((await b.get('/x/b')).kv).toBeUndefined();
      const again = await within(b.create('/x/b', bytes('3')));
      expect(again.modRevision).toBe(2);
      expect(text((await b.get('/x/b')).kv?.value)).toBe('3');
    });

    it('acknowledges a commit whose result was lost when the writer restarts, keeping watches gap-free', async () => {
      const b = await openWorker();
      const a = await b.create('/y/a', bytes('1'));
      const it = b.watch('/y/', { fromRevision: a.modRevision })[Symbol.asyncIterator]();
      b.injectWriterFault({ exit: 'after-commit' });
      expect(await within(rejection(b.create('/y/b', bytes('2'))))).toBeInstanceOf(StorageError);
      // Durable in the file, but not acknowledged: not visible yet.
      expect(await b.currentRevision()).toBe(a.modRevision);
      expect((await b.get('/y/b')).kv).toBeUndefined();
      const c = await within(b.create('/y/c', bytes('3')));
      expect(c.modRevision).toBe(a.modRevision + 2);
      expect(text((await b.get('/y/b')).kv?.value)).toBe('2');
      const seen: string[] = [];
      while (seen.length < 2) {
        const r = await within(it.next());
        if (r.done) break;
        seen.push(...r.value.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`));
      }
      expect(seen).toEqual([`create /y/b@${a.modRevision + 1}`, `create /y/c@${a.modRevision + 2}`]);
      await it.return?.();
    });

    it('writes inline where a worker cannot be used', async () => {
      expect(new SqliteBackend({ path: ':memory:' }).writerMode).toBe('inline');
      expect(new SqliteBackend({ path: '/tmp/x.db', openDatabase: openBetterSqlite }).writerMode).toBe('inline');
      expect(new SqliteBackend({ path: '/tmp/x.db' }).writerMode).toBe('inline');
      expect(new SqliteBackend({ path: '/tmp/x.db', writer: 'worker' }).writerMode).toBe('worker');
      expect(() => new SqliteBackend({ path: '/tmp/x.db', writer: 'thread' as never })).toThrow(RangeError);
    });

    it('checkpoints the WAL of an inline writer on a thread of its own, well before the WAL is full', async () => {
      /** Rows of `log` in the database file alone (a copy without its WAL): what checkpoints moved there. */
      const rowsInDbFile = async (path: string): Promise<number> => {
        const copy = join(tempDir(), 'copy.db');
        copyFileSync(path, copy);
        const db = await openBetterSqlite(copy);
        try {
          return (db.prepare<{ n: number }>('SELECT count(*) AS n FROM log').get()?.n ?? 0);
        } catch {
          return 0; // the schema itself not checkpointed yet, or a copy taken mid-checkpoint
        } finally {
          db.close();
        }
      };
      const run = async (backgroundCheckpoints: SqliteBackendConfig['backgroundCheckpoints'], waitMs: number): Promise<number> => {
        const path = join(tempDir(), 'state.db');
        const b = await open({ path, backgroundCheckpoints });
        // A few hundred KB: far below the 1000 pages at which SQLite checkpoints by itself.
        await Promise.all(Array.from({ length: 50 }, (_, i) => b.create(`/c/${i}`, bytes('x'.repeat(2000)))));
        const deadline = performance.now() + waitMs;
        let rows = await rowsInDbFile(path);
        while (rows < 50 && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          rows = await rowsInDbFile(path);
        }
        await b.close();
        return rows;
      };
      expect(await run({ intervalMs: 20 }, 5000)).toBe(50);
      // Without the thread nothing reaches the database file until SQLite's own checkpoint.
      expect(await run(false, 500)).toBe(0);
      expect(() => new SqliteBackend({ path: '/tmp/x.db', backgroundCheckpoints: { intervalMs: 0 } })).toThrow(RangeError);
    });

    it('starts without waiting for the writer thread, and closes it', async () => {
      const path = join(tempDir(), 'state.db');
      const b = new SqliteBackend({ path, writer: 'worker', compaction: false });
      const t0 = performance.now();
      await b.start();
      const startMs = performance.now() - t0;
      expect(startMs).toBeLessThan(1000);
      await b.create('/s/a', bytes('1'));
      await b.close();
      // The last connection to close removes the WAL.
      expect(existsSync(`${path}-wal`)).toBe(false);
    });
  });

});

function text(b: Uint8Array | undefined): string | undefined {
  return b === undefined ? undefined : new TextDecoder().decode(b);
}

/** Rejects if `p` does not settle within `ms` (a guard against hangs, never a timing assumption). */
function within<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)));
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

function sinkInto(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}
