/**
 * WAL checkpoints off the main thread, for the inline writer (sqlite-backend.ts).
 *
 * With the inline writer every COMMIT runs on the event loop, and SQLite's automatic checkpoint
 * runs inside the commit that pushes the WAL past 1000 pages: it copies the WAL into the database
 * file and fsyncs it there and then (~10 ms at a few MB), which under a steady write load was half
 * of all the time the event loop spent committing. Here a worker thread with a connection of its
 * own runs PASSIVE checkpoints every `intervalMs` instead (sqlite-checkpoint-worker.ts); the
 * writer keeps an automatic checkpoint only at a much higher mark, as a backstop should the thread
 * fall behind, and goes back to SQLite's default should the thread fail.
 *
 * Durability is unchanged: commits are made durable by the WAL's own fsync (synchronous=FULL), a
 * checkpoint only moves committed frames into the database file.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../util/log.js';
import type { CheckpointWorkerOptions, FromCheckpointer, ToCheckpointer } from './sqlite-checkpoint-worker.js';
import type { SyncMode } from './sqlite-schema.js';

/** The writer's own automatic checkpoint while the thread runs (pages; SQLite's default is 1000). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerConfig {
  readonly path: string;
  readonly sync: SyncMode;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Sets the writer connection's automatic checkpoint (pages). */
  readonly setAutocheckpoint: (pages: number) => void;
}

export class WalCheckpointer {
  readonly #worker: Worker;
  #closing = false;
  #exited: Promise<void>;

  constructor(config: WalCheckpointerConfig) {
    const { url, entry } = checkpointWorkerUrl();
    const workerData: CheckpointWorkerOptions & { tsEntry?: string } = { path: config.path, sync: config.sync, intervalMs: config.intervalMs, ...(entry && { tsEntry: entry }) };
    config.setAutocheckpoint(BACKSTOP_AUTOCHECKPOINT_PAGES);
    const worker = new Worker(url, { workerData });
    worker.unref();
    this.#worker = worker;
    worker.on('message', (msg: FromCheckpointer) => {
      if (msg.type === 'warn') config.logger.warn({ err: msg.err, path: config.path }, msg.msg);
    });
    worker.on('error', (err) => config.logger.error({ err, path: config.path }, 'WAL checkpoint thread failed'));
    this.#exited = new Promise((resolve) => {
      worker.on('exit', (code) => {
        if (!this.#closing) {
          // Without the thread the writer checkpoints again as SQLite does by default.
          config.logger.warn({ code, path: config.path }, 'WAL checkpoint thread exited; the writer checkpoints again');
          try {
            config.setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
          } catch {
            /* the database may be closing */
          }
        }
        resolve();
      });
    });
  }

  /** Stops the thread (its last checkpoint finishes first). */
  async close(): Promise<void> {
    if (this.#closing) return this.#exited;
    this.#closing = true;
    const close: ToCheckpointer = { type: 'close' };
    this.#worker.postMessage(close);
    const timeout = setTimeout(() => void this.#worker.terminate(), 5000);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timeout);
    }
  }
}

/** Where the worker's code is: the compiled sibling, or the sources through ts-worker.mjs (tests). */
function checkpointWorkerUrl(): { url: URL; entry?: string } {
  const here = import.meta.url;
  const built = new URL('./sqlite-checkpoint-worker.js', here);
  if (!here.endsWith('.ts') || existsSync(fileURLToPath(built))) return { url: built };
  return { url: new URL('../testing/ts-worker.mjs', here), entry: new URL('./sqlite-checkpoint-worker.ts', here).href };
}
