import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { StorageError } from '../backend.js';
import type { Logger } from '../../util/log.js';
import type { CompactionSummary, SqliteLogWriter, WriteOp, WriteOutcome } from './sqlite-log-writer.js';
import { decodeOutcomes, deserializeError, encodeBatch, type FromWriter, type ToWriter, type WorkerOptions } from './writer-protocol.js';

/**
 * How SqliteBackend reaches its writer: on the main thread (InlineWriter) or in a worker thread
 * (WorkerWriter). Batches are applied strictly in submission order, one transaction at a time.
 */
export interface WriterClient {
  /** True if `submit` settles before it returns (then the backend yields between batches itself). */
  readonly inline: boolean;
  /**
   * Applies the writes in order; `done` gets one outcome per write, or a StorageError for all of
   * them if the writer died (their outcome is then unknown: some may have been committed).
   */
  submit(ops: readonly WriteOp[], done: (result: WriteOutcome[] | StorageError) => void): void;
  /** Compacts up to `revision` in steps, between which writes proceed; null if aborted. */
  compact(revision: number): Promise<CompactionSummary | null>;
  /** Makes a running compaction stop at its next step (it resumes on the next start). */
  abortCompaction(): void;
  injectFault(fault: WriterFault): void;
  /** Ends the writer once everything submitted is settled. */
  close(): Promise<void>;
}

/** Faults tests inject (SqliteBackend.injectWriterFault). */
export interface WriterFault {
  /** The next this-many commits fail like a disk I/O error. */
  readonly failCommits?: number;
  /** The writer thread exits now, or right after its next commit (before reporting it). */
  readonly exit?: 'now' | 'before-commit' | 'after-commit';
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The writer on the main thread, on the same connection the backend reads through. */
export class InlineWriter implements WriterClient {
  readonly inline = true;
  readonly #writer: SqliteLogWriter;
  #aborted = false;

  constructor(writer: SqliteLogWriter) {
    this.#writer = writer;
  }

  submit(ops: readonly WriteOp[], done: (result: WriteOutcome[] | StorageError) => void): void {
    done(this.#writer.apply(ops));
  }

  async compact(revision: number): Promise<CompactionSummary | null> {
    this.#aborted = false;
    const steps = this.#writer.compaction(revision);
    for (;;) {
      if (this.#aborted) return null;
      const r = steps.next();
      if (r.done) return r.value;
      await nextTurn();
    }
  }

  abortCompaction(): void {
    this.#aborted = true;
  }

  injectFault(fault: WriterFault): void {
    if (fault.exit) throw new TypeError('an inline writer has no thread to stop');
    if (fault.failCommits !== undefined) this.#writer.faults.failCommits = fault.failCommits;
  }

  async close(): Promise<void> {
    this.#aborted = true;
  }
}

export interface WorkerWriterConfig extends WorkerOptions {
  readonly logger: Logger;
  /**
   * Called with the revision a (re)started writer found in the database, before any result of
   * that writer. After a writer crash it can be ahead of the backend (commits whose results were
   * lost); the backend catches up from history.
   */
  readonly onReady: (revision: number) => void;
}

type Request =
  | { readonly kind: 'batch'; readonly done: (result: WriteOutcome[] | StorageError) => void }
  | { readonly kind: 'compact'; readonly resolve: (s: CompactionSummary | null) => void; readonly reject: (e: unknown) => void }
  | { readonly kind: 'close'; readonly resolve: () => void };

/** How long close() waits for the writer thread to finish before terminating it. */
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * The writer in a worker thread (sqlite-writer-worker.ts). Requests are matched to replies by id.
 * If the thread dies (uncaught error, SQLite crash, injected fault), every request in flight fails
 * with a StorageError at once, the failure is logged, and the next request starts a new thread.
 * The thread is unref'd while nothing is in flight, so an idle backend does not keep the process
 * alive, and ref'd while writes are in flight, so that they complete.
 */
export class WorkerWriter implements WriterClient {
  readonly inline = false;
  readonly #config: WorkerWriterConfig;
  readonly #log: Logger;
  readonly #requests = new Map<number, Request>();
  #worker: Worker | undefined;
  #nextId = 1;
  #lastError: unknown;
  #closing = false;

  constructor(config: WorkerWriterConfig) {
    this.#config = config;
    this.#log = config.logger;
    this.#spawn();
  }

  submit(ops: readonly WriteOp[], done: (result: WriteOutcome[] | StorageError) => void): void {
    const id = this.#nextId++;
    const { message, transfer } = encodeBatch(id, ops);
    this.#post(id, { kind: 'batch', done }, message, transfer);
  }

  compact(revision: number): Promise<CompactionSummary | null> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#post(id, { kind: 'compact', resolve, reject }, { type: 'compact', id, revision });
    });
  }

  abortCompaction(): void {
    this.#worker?.postMessage({ type: 'abort-compaction' } satisfies ToWriter);
  }

  injectFault(fault: WriterFault): void {
    const w = this.#worker ?? this.#spawn();
    w.postMessage({ type: 'fault', ...fault } satisfies ToWriter);
  }

  async close(): Promise<void> {
    this.#closing = true;
    const w = this.#worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    const closed = new Promise<void>((resolve) => {
      const id = this.#nextId++;
      this.#post(id, { kind: 'close', resolve }, { type: 'close', id });
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)));
    const r = await Promise.race([closed.then(() => exited), timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.#log.error({ path: this.#config.path }, 'sqlite writer thread did not stop; terminating it');
      await w.terminate();
    }
  }

  #post(id: number, request: Request, message: ToWriter, transfer?: readonly TransferListItem[]): void {
    const w = this.#worker ?? this.#spawn();
    this.#requests.set(id, request);
    if (this.#requests.size === 1) w.ref();
    w.postMessage(message, transfer);
  }

  #spawn(): Worker {
    const { url, entry } = writerWorkerUrl();
    const { path, sync, compactBatch, maxBatch } = this.#config;
    const worker = new Worker(url, { workerData: { path, sync, compactBatch, maxBatch, ...(entry && { tsEntry: entry }) } });
    worker.unref();
    this.#worker = worker;
    this.#lastError = undefined;
    worker.on('message', (msg: FromWriter) => this.#onMessage(msg));
    worker.on('error', (err) => {
      this.#lastError = err;
      this.#log.error({ err, path }, 'sqlite writer thread failed');
    });
    worker.on('exit', (code) => this.#onExit(worker, code));
    return worker;
  }

  #onMessage(msg: FromWriter): void {
    switch (msg.type) {
      case 'ready':
        this.#config.onReady(msg.revision);
        return;
      case 'batch': {
        const req = this.#take(msg.id);
        if (req?.kind === 'batch') req.done(decodeOutcomes(msg));
        return;
      }
      case 'compacted': {
        const req = this.#take(msg.id);
        if (req?.kind === 'compact') req.resolve(msg.summary);
        return;
      }
      case 'failed': {
        const req = this.#take(msg.id);
        if (req?.kind === 'compact') req.reject(deserializeError(msg.error));
        return;
      }
      case 'closed': {
        const req = this.#take(msg.id);
        if (req?.kind === 'close') req.resolve();
        return;
      }
      case 'warn':
        this.#log.warn({ err: deserializeError(msg.err), ...(msg.writes !== undefined && { writes: msg.writes }) }, msg.msg);
        return;
    }
  }

  #take(id: number): Request | undefined {
    const req = this.#requests.get(id);
    this.#requests.delete(id);
    if (this.#requests.size === 0) this.#worker?.unref();
    return req;
  }

  #onExit(worker: Worker, code: number): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const requests = [...this.#requests.values()];
    this.#requests.clear();
    const expected = this.#closing && code === 0 && requests.every((r) => r.kind === 'close');
    if (expected) return;
    const cause = this.#lastError ?? new Error(`exit code ${code}`);
    this.#log.error({ err: cause, code, inFlight: requests.length, path: this.#config.path }, 'sqlite writer thread stopped; failing the writes in flight');
    const failure = new StorageError(`sqlite writer thread stopped (exit code ${code}); the outcome of writes in flight is unknown`, { cause });
    for (const r of requests) {
      if (r.kind === 'batch') r.done(failure);
      else if (r.kind === 'compact') r.reject(failure);
      else r.resolve();
    }
  }
}

/**
 * Where the worker's code is. Built (dist/…/writer-client.js): the compiled sibling
 * sqlite-writer-worker.js. From the TypeScript sources (vitest, src/storage/testing/run-ts.mjs),
 * Node 20 cannot load a .ts file in a worker, so the worker starts src/storage/testing/ts-worker.mjs,
 * which transpiles the entry's module graph (cached on disk) and imports it.
 */
function writerWorkerUrl(): { url: URL; entry?: string } {
  const here = import.meta.url;
  const built = new URL('./sqlite-writer-worker.js', here);
  if (!here.endsWith('.ts') || existsSync(fileURLToPath(built))) return { url: built };
  return { url: new URL('../testing/ts-worker.mjs', here), entry: new URL('./sqlite-writer-worker.ts', here).href };
}
