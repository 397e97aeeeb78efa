import type { TransferListItem } from 'node:worker_threads';
import { WriteKind, WriteStatus, type CompactionSummary, type WriteOp, type WriteOutcome } from './sqlite-log-writer.js';

/*
 * Messages between the backend (main thread) and the writer worker. A batch travels as a few
 * typed arrays whose buffers are transferred, not copied: the values of all its writes are packed
 * into one buffer (a copy on the main thread: the backend keeps its own copy of each value for
 * results, watch events and its latest-values cache, and the packed one is handed over), and the
 * worker binds sub-views of it straight into SQLite. Keys are
 * short strings and are cloned. Results come back the same way: numbers in one Float64Array, the
 * replaced values (for watch events' prevKv) packed into one buffer.
 */

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** workerData of the writer thread. */
export interface WorkerOptions {
  readonly path: string;
  readonly sync: 'full' | 'normal';
  readonly compactBatch: number;
  /** Most writes merged into one transaction. */
  readonly maxBatch: number;
}

export type ToWriter =
  | { type: 'batch'; id: number; keys: string[]; nums: Float64Array; values: Uint8Array }
  | { type: 'compact'; id: number; revision: number }
  | { type: 'abort-compaction' }
  | { type: 'fault'; failCommits?: number; exit?: 'now' | 'before-commit' | 'after-commit' }
  | { type: 'close'; id: number };

export type FromWriter =
  | { type: 'ready'; revision: number }
  | { type: 'batch'; id: number; nums: Float64Array; values: Uint8Array; errors: (SerializedError | null)[] | null }
  | { type: 'compacted'; id: number; summary: CompactionSummary | null }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'warn'; msg: string; err: SerializedError; writes?: number }
  | { type: 'closed'; id: number };

// ---- batches: [kind, expected] per write, then n+1 offsets into `values` ----------------------

export function encodeBatch(id: number, ops: readonly WriteOp[]): { message: ToWriter; transfer: TransferListItem[] } {
  const n = ops.length;
  const nums = new Float64Array(3 * n + 1);
  const keys: string[] = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    keys[i] = op.key;
    nums[2 * i] = op.kind;
    nums[2 * i + 1] = op.expected;
    nums[2 * n + i] = total;
    total += op.value ? op.value.byteLength : 0;
  }
  nums[3 * n] = total;
  const values = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const v = ops[i].value;
    if (v && v.byteLength > 0) values.set(v, nums[2 * n + i]);
  }
  return { message: { type: 'batch', id, keys, nums, values }, transfer: [nums.buffer, values.buffer] };
}

export function decodeBatch(msg: { keys: string[]; nums: Float64Array; values: Uint8Array }): WriteOp[] {
  const { keys, nums, values } = msg;
  const n = keys.length;
  const ops: WriteOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = nums[2 * i] as WriteKind;
    const start = nums[2 * n + i];
    const end = nums[2 * n + i + 1];
    // Deletes carry no value; creates and updates always carry one (possibly empty).
    ops[i] = { kind, key: keys[i], expected: nums[2 * i + 1], value: kind === WriteKind.Delete ? null : values.subarray(start, end) };
  }
  return ops;
}

// ---- results: [status, rev, createRev, prevRev] per write, then n+1 offsets into `values` -----

export function encodeOutcomes(id: number, outcomes: readonly WriteOutcome[]): { message: FromWriter; transfer: TransferListItem[] } {
  const n = outcomes.length;
  const nums = new Float64Array(5 * n + 1);
  let total = 0;
  let errors: (SerializedError | null)[] | null = null;
  for (let i = 0; i < n; i++) {
    const o = outcomes[i];
    nums[4 * i] = o.status;
    nums[4 * i + 1] = o.rev;
    nums[4 * i + 2] = o.createRev;
    nums[4 * i + 3] = o.prevRev;
    nums[4 * n + i] = total;
    total += o.prevValue ? o.prevValue.byteLength : 0;
    if (o.status === WriteStatus.Failed) {
      errors ??= new Array<SerializedError | null>(n).fill(null);
      errors[i] = serializeError(o.cause);
    }
  }
  nums[5 * n] = total;
  const values = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const v = outcomes[i].prevValue;
    if (v && v.byteLength > 0) values.set(v, nums[4 * n + i]);
  }
  return { message: { type: 'batch', id, nums, values, errors }, transfer: [nums.buffer, values.buffer] };
}

export function decodeOutcomes(msg: { nums: Float64Array; values: Uint8Array; errors: (SerializedError | null)[] | null }): WriteOutcome[] {
  const { nums, values, errors } = msg;
  const n = (nums.length - 1) / 5;
  const out: WriteOutcome[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const status = nums[4 * i] as WriteStatus;
    const start = nums[4 * n + i];
    const end = nums[4 * n + i + 1];
    const hasPrev = status === WriteStatus.RevisionMismatch || (status === WriteStatus.Ok && nums[4 * i + 3] > 0);
    out[i] = {
      status,
      rev: nums[4 * i + 1],
      createRev: nums[4 * i + 2],
      prevRev: nums[4 * i + 3],
      // A copy, so that a value kept by a watcher or cache does not pin the whole batch buffer.
      prevValue: hasPrev ? values.slice(start, end) : null,
    };
    const err = errors?.[i];
    if (err) out[i].cause = deserializeError(err);
  }
  return out;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' && { code }) };
  }
  return { name: 'Error', message: String(err) };
}

export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}
