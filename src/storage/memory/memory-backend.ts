import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  StorageError,
  WatchClosedError,
  type Backend,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchOptions,
} from '../backend.js';
import { AutoCompactor, type CompactionPolicy } from '../auto-compactor.js';
import { WatcherRegistry } from '../watcher-registry.js';
import { failedWatch } from '../failed-watch.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/log.js';

export interface MemoryBackendConfig {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Background compaction; off by default (tests compact explicitly). */
  readonly compaction?: CompactionPolicy | false;
  /** Events a watcher may have queued before it is cut off as slow (default 10 000). */
  readonly watchQueueLimit?: number;
}

/** One write in the history. Versions of a key form a list ordered by revision. */
interface Version {
  readonly rev: number;
  readonly key: string;
  readonly createRev: number;
  /** Revision of the version this write replaced (0 for a create). */
  readonly prevRev: number;
  readonly deleted: boolean;
  /** The stored value; for a tombstone, the value it deleted. */
  readonly value: Uint8Array;
}

/**
 * The Backend contract held in memory, for unit tests and simulations: the same revisions,
 * snapshot reads, compaction and watch semantics as the SQLite backend, nothing durable.
 * Writes are applied when called (in call order) and their events are published at once.
 * Values are copied on write, so callers may reuse their buffers.
 */
export class MemoryBackend implements Backend {
  readonly #log: Logger;
  readonly #watchers: WatcherRegistry;
  readonly #compactor: AutoCompactor | undefined;
  #started = false;
  #closed = false;

  #rev = 0;
  #compactRev = 0;
  /** Every retained version by revision. */
  readonly #byRev = new Map<number, Version>();
  /** Retained versions of each key, oldest first. */
  readonly #versions = new Map<string, Version[]>();
  /** Keys that have retained versions, sorted (for prefix range scans). */
  readonly #keys: string[] = [];
  /** The latest version of every live key. */
  readonly #live = new Map<string, Version>();

  constructor(config: MemoryBackendConfig = {}) {
    this.#log = (config.logger ?? silentLogger).child({ component: 'storage' });
    this.#watchers = new WatcherRegistry({
      reader: {
        committedRevision: () => this.#rev,
        compactedRevision: () => this.#compactRev,
        readHistory: (prefix, after, through) => this.#readHistory(prefix, after, through),
      },
      queueLimit: config.watchQueueLimit ?? 10_000,
      replayStep: 2000,
    });
    this.#compactor = config.compaction
      ? new AutoCompactor({
          policy: config.compaction,
          clock: config.clock ?? systemClock,
          logger: this.#log,
          target: {
            committedRevision: () => this.#rev,
            compactedRevision: () => this.#compactRev,
            compact: (rev) => this.compact(rev),
          },
        })
      : undefined;
  }

  async start(): Promise<void> {
    if (this.#closed) throw new StorageError('storage is closed');
    if (this.#started) return;
    this.#started = true;
    this.#compactor?.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#compactor?.stop();
    this.#watchers.closeAll(new WatchClosedError('closed'));
  }

  async currentRevision(): Promise<number> {
    this.#check();
    return this.#rev;
  }

  async compactRevision(): Promise<number> {
    this.#check();
    return this.#compactRev;
  }

  async get(key: string, revision?: number): Promise<GetResult> {
    this.#check();
    if (this.#debug()) this.#log.debug({ op: 'get', key, revision }, 'storage get');
    const current = this.#rev;
    if (!revision || revision === current) {
      const v = this.#live.get(key);
      return { revision: current, kv: v && toKv(v) };
    }
    this.#checkReadable(revision);
    const v = this.#versionAt(key, revision);
    return { revision, kv: v && !v.deleted ? toKv(v) : undefined };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#check();
    if (this.#debug()) this.#log.debug({ op: 'list', prefix, ...options }, 'storage list');
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const current = this.#rev;
    const revision = options.revision || current;
    if (revision !== current) this.#checkReadable(revision);
    const after = options.startAfter !== undefined && options.startAfter >= prefix ? options.startAfter : undefined;
    const keys = this.#keys;
    let i = after === undefined ? lowerBound(keys, prefix) : upperBound(keys, after);
    const kvs: KeyValue[] = [];
    let more = false;
    for (; i < keys.length; i++) {
      const key = keys[i];
      if (!key.startsWith(prefix)) break;
      const v = revision === current ? this.#live.get(key) : this.#versionAt(key, revision);
      if (!v || v.deleted) continue;
      if (limit && kvs.length === limit) {
        more = true;
        break;
      }
      kvs.push(toKv(v));
    }
    return { revision, kvs, more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    this.#check();
    if (this.#debug()) this.#log.debug({ op: 'count', prefix }, 'storage count');
    const keys = this.#keys;
    let n = 0;
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i].startsWith(prefix); i++) {
      if (this.#live.has(keys[i])) n++;
    }
    return { revision: this.#rev, count: n };
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    this.#check();
    if (this.#live.has(key)) throw this.#fail('create', key, new KeyExistsError(key));
    const rev = this.#rev + 1;
    const v = this.#append({ rev, key, createRev: rev, prevRev: 0, deleted: false, value: value.slice() });
    const kv = toKv(v);
    this.#publish({ type: 'create', kv });
    return kv;
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue> {
    this.#check();
    const cur = this.#live.get(key);
    if (!cur) throw this.#fail('update', key, new KeyNotFoundError(key));
    const prevKv = toKv(cur);
    if (cur.rev !== expectedModRevision) throw this.#fail('update', key, new RevisionMismatchError(key, prevKv));
    const v = this.#append({ rev: this.#rev + 1, key, createRev: cur.createRev, prevRev: cur.rev, deleted: false, value: value.slice() });
    const kv = toKv(v);
    this.#publish({ type: 'update', kv, prevKv });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prevKv: KeyValue }> {
    this.#check();
    const cur = this.#live.get(key);
    if (!cur) throw this.#fail('delete', key, new KeyNotFoundError(key));
    const prevKv = toKv(cur);
    if (expectedModRevision !== undefined && cur.rev !== expectedModRevision) throw this.#fail('delete', key, new RevisionMismatchError(key, prevKv));
    const v = this.#append({ rev: this.#rev + 1, key, createRev: cur.createRev, prevRev: cur.rev, deleted: true, value: cur.value });
    this.#publish({ type: 'delete', kv: toKv(v), prevKv });
    return { revision: v.rev, prevKv };
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent[]> {
    if (this.#debug()) this.#log.debug({ op: 'watch', prefix, fromRevision: options.fromRevision }, 'storage watch');
    if (this.#closed) return failedWatch(new WatchClosedError('closed'));
    if (!this.#started) return failedWatch(new StorageError('storage is not started'));
    return this.#watchers.open(prefix, options);
  }

  /**
   * Forgets versions superseded at or below `revision` and tombstones at or below it. Every write
   * in the newly compacted range makes the version it replaced unreachable, so walking that range
   * once finds everything to drop.
   */
  async compact(revision: number): Promise<void> {
    this.#check();
    if (this.#debug()) this.#log.debug({ op: 'compact', revision }, 'storage compact');
    if (revision > this.#rev) throw new FutureRevisionError(revision, this.#rev);
    if (revision <= this.#compactRev) return;
    const from = this.#compactRev;
    this.#compactRev = revision;
    for (let rev = from + 1; rev <= revision; rev++) {
      const v = this.#byRev.get(rev);
      if (!v) continue;
      if (v.prevRev > 0) this.#drop(v.prevRev);
      if (v.deleted) this.#drop(v.rev);
    }
  }

  // ---- internals --------------------------------------------------------------------------------

  #append(v: Version): Version {
    this.#rev = v.rev;
    this.#byRev.set(v.rev, v);
    let list = this.#versions.get(v.key);
    if (!list) {
      list = [];
      this.#versions.set(v.key, list);
      this.#keys.splice(lowerBound(this.#keys, v.key), 0, v.key);
    }
    list.push(v);
    if (v.deleted) this.#live.delete(v.key);
    else this.#live.set(v.key, v);
    if (this.#debug()) this.#log.debug({ op: v.deleted ? 'delete' : v.prevRev ? 'update' : 'create', key: v.key, revision: v.rev }, 'storage write');
    return v;
  }

  /** Removes one version; superseded versions are always the oldest of their key. */
  #drop(rev: number): void {
    const v = this.#byRev.get(rev);
    if (!v) return;
    this.#byRev.delete(rev);
    const list = this.#versions.get(v.key);
    if (!list) return;
    const at = list.indexOf(v);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) {
      this.#versions.delete(v.key);
      const i = lowerBound(this.#keys, v.key);
      if (this.#keys[i] === v.key) this.#keys.splice(i, 1);
    }
  }

  /** The newest version of `key` at or below `revision` (a tombstone counts). */
  #versionAt(key: string, revision: number): Version | undefined {
    const list = this.#versions.get(key);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].rev <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1] : undefined;
  }

  #readHistory(prefix: string, after: number, through: number): WatchEvent[] {
    const events: WatchEvent[] = [];
    for (let rev = after + 1; rev <= through; rev++) {
      const v = this.#byRev.get(rev);
      if (!v || !v.key.startsWith(prefix)) continue;
      const prev = v.prevRev > 0 ? this.#byRev.get(v.prevRev) : undefined;
      const prevKv = prev && toKv(prev);
      if (v.deleted) events.push({ type: 'delete', kv: toKv(v), prevKv });
      else if (v.prevRev === 0) events.push({ type: 'create', kv: toKv(v) });
      else events.push({ type: 'update', kv: toKv(v), prevKv });
    }
    return events;
  }

  #publish(event: WatchEvent): void {
    this.#watchers.publish([event]);
  }

  #fail(op: string, key: string, err: StorageError): StorageError {
    if (this.#debug()) this.#log.debug({ op, key, err: err.message }, 'storage write failed');
    return err;
  }

  #check(): void {
    if (this.#closed) throw new StorageError('storage is closed');
    if (!this.#started) throw new StorageError('storage is not started');
  }

  #checkReadable(revision: number): void {
    if (revision > this.#rev) throw new FutureRevisionError(revision, this.#rev);
    if (revision < this.#compactRev) throw new CompactedError(revision, this.#compactRev);
  }

  #debug(): boolean {
    return this.#log.isLevelEnabled('debug');
  }
}

function toKv(v: Version): KeyValue {
  return { key: v.key, value: v.value, createRevision: v.createRev, modRevision: v.rev };
}

/** First index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > `key`. */
function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
