/**
 * The storage seam: a revisioned key/value log, modelled on etcd v3 and k3s-io/kine.
 *
 * Contract (every implementation passes src/storage/testing/conformance.ts):
 *  - Every successful write (create, update, delete) gets the next revision of the store; revisions
 *    are positive integers, strictly increasing, shared by all keys. `modRevision` of a key is the
 *    revision of its last write, `createRevision` the revision that created it.
 *  - Writes are durable when their promise resolves (the API acknowledges only after that).
 *  - Reads at `revision` R see exactly the writes with revision <= R. Reading at a compacted
 *    revision (R < compactRevision) fails with CompactedError. R > current revision fails with
 *    FutureRevisionError.
 *  - A watch from revision R first delivers every change with revision > R (in revision order),
 *    then every later change, each exactly once and in order. Watching from a compacted revision
 *    fails with CompactedError. A watcher that does not keep up is cut off (its iterator ends with
 *    WatchClosedError reason 'slow'); it never makes the store buffer without bound.
 *  - Keys are strings; values are opaque bytes.
 */

export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent: the current one). */
  readonly revision?: number;
  /** Return at most this many keys (0 or absent: no limit). */
  readonly limit?: number;
  /** Start strictly after this key (for `continue` tokens). Must lie under the prefix. */
  readonly startAfter?: string;
}

export interface ListResult {
  /** The revision the list was read at. */
  readonly revision: number;
  /** Keys in ascending byte order. */
  readonly kvs: readonly KeyValue[];
  /** True when `limit` cut the result short. */
  readonly more: boolean;
}

export interface GetResult {
  readonly revision: number;
  readonly kv: KeyValue | undefined;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** For 'delete': the key with its last value and modRevision = the deletion's revision. */
  readonly kv: KeyValue;
  /** The value before this write (absent for 'create', or when history is unavailable). */
  readonly prevKv?: KeyValue;
}

export interface WatchOptions {
  /** Deliver changes with revision > fromRevision. */
  readonly fromRevision: number;
  readonly signal?: AbortSignal;
}

export interface Backend {
  /** Opens files, creates schema, starts background compaction. Idempotent. */
  start(): Promise<void>;
  /** Flushes pending writes, ends all watches and releases files. */
  close(): Promise<void>;

  currentRevision(): Promise<number>;
  /** The oldest revision that can still be read or watched from (0 if never compacted). */
  compactRevision(): Promise<number>;

  get(key: string, revision?: number): Promise<GetResult>;
  /** Keys starting with `prefix`. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of live keys under `prefix` at the current revision. */
  count(prefix: string): Promise<{ revision: number; count: number }>;

  /** Fails with KeyExistsError if the key is live. Resolves with the new key value. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  /**
   * Replaces the value if the key's modRevision equals `expectedModRevision`; otherwise fails with
   * RevisionMismatchError carrying the current key value (or KeyNotFoundError if it is gone).
   */
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue>;
  /**
   * Deletes the key; if `expectedModRevision` is given it must match (RevisionMismatchError).
   * Resolves with the deleted key's last value and the deletion revision.
   */
  delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prevKv: KeyValue }>;

  /** Changes under `prefix` after `fromRevision`. End the iteration (or abort) to stop. */
  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent[]>;

  /** Forgets history before `revision` (the latest value of each live key is kept). */
  compact(revision: number): Promise<void>;
}

// ---- errors -------------------------------------------------------------------------------------

export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class KeyExistsError extends StorageError {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}

export class KeyNotFoundError extends StorageError {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class RevisionMismatchError extends StorageError {
  constructor(
    readonly key: string,
    readonly current: KeyValue,
  ) {
    super(`revision mismatch for ${key}: current modRevision ${current.modRevision}`);
  }
}

export class CompactedError extends StorageError {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted})`);
  }
}

export class FutureRevisionError extends StorageError {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`required revision ${requested} is a future revision (current ${current})`);
  }
}

/** Ends a watch iterator: 'slow' (consumer fell behind), 'closed' (store shutting down). */
export class WatchClosedError extends StorageError {
  constructor(readonly reason: 'slow' | 'closed') {
    super(reason === 'slow' ? 'watch closed: the consumer fell behind' : 'watch closed: storage is shutting down');
  }
}

/** The smallest key greater than every key with this prefix (for range scans). */
export function prefixEnd(prefix: string): string {
  // Keys are ASCII paths; U+FFFF sorts after any character that can appear in them.
  return prefix + '\uffff';
}
