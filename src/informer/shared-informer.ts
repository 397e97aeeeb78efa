/**
 * client-go style shared informers: one list+watch per resource (and selector) per process,
 * feeding an indexed in-memory store and any number of event handlers.
 *
 * Contract:
 *  - Objects in the store and passed to handlers are shared: never mutate them (copy first).
 *  - After the first list, `hasSynced()` is true and handlers have seen an ADD for every object.
 *  - A watch that ends (server timeout, connection loss) is resumed from the last seen
 *    resourceVersion; a 410 Expired (compacted history) triggers a relist, which reconciles the
 *    store: objects that disappeared get onDelete, changed ones onUpdate, new ones onAdd.
 *  - Every `resyncMs` each handler gets onUpdate(obj, obj) for every object (level-based
 *    controllers use it to catch up on anything they missed).
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import type { Clock } from '../util/clock.js';

export interface ResourceEventHandler<T extends KubeObject = KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** Values an object is indexed under (e.g. its namespace, its node name). */
export type IndexFunc = (obj: KubeObject) => readonly string[];

/** The store key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Read access to an informer's cache. */
export interface Lister<T extends KubeObject = KubeObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  getByKey(key: string): T | undefined;
  /** All objects, or those of one namespace. */
  list(namespace?: string): T[];
  /** Objects whose index `indexName` contains `value`. */
  byIndex(indexName: string, value: string): T[];
}

/** An indexed map of objects by key. */
export class IndexedStore<T extends KubeObject = KubeObject> implements Lister<T> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Readonly<Record<string, IndexFunc>> = {}) {
    this.addIndexers({ namespace: (o) => (o.metadata.namespace ? [o.metadata.namespace] : []), ...indexers });
  }

  addIndexers(indexers: Readonly<Record<string, IndexFunc>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.#indexers.has(name)) continue;
      this.#indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.#indices.set(name, index);
      for (const [key, obj] of this.#items) for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  get size(): number {
    return this.#items.size;
  }

  getByKey(key: string): T | undefined {
    return this.#items.get(key);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.#items.values()];
    return this.byIndex('namespace', namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.#indices.get(indexName);
    if (!index) throw new Error(`informer: no index named ${indexName}`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.#items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name) as Map<string, Set<string>>;
      const next = fn(obj);
      if (old) {
        // Most updates leave an object's index values as they were: touch only what changed.
        const prev = fn(old);
        for (const v of prev) if (!next.includes(v)) removeFrom(index, v, key);
        for (const v of next) if (!prev.includes(v)) addTo(index, v, key);
        continue;
      }
      for (const v of next) addTo(index, v, key);
    }
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) removeFrom(index, v, key);
    }
  }
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (!set) return;
  set.delete(key);
  if (set.size === 0) index.delete(value);
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Period of resync notifications (0 = never). */
  readonly resyncMs?: number;
  readonly indexers?: Readonly<Record<string, IndexFunc>>;
}

export interface SharedInformerConfig extends InformerOptions {
  readonly client: Client;
  readonly resource: ResourceRef;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class SharedInformer<T extends KubeObject = KubeObject> {
  readonly #c: SharedInformerConfig;
  readonly #store: IndexedStore<T>;
  readonly #handlers = new Set<ResourceEventHandler<T>>();
  readonly #syncWaiters: (() => void)[] = [];
  #synced = false;
  #running = false;

  constructor(config: SharedInformerConfig) {
    this.#c = config;
    this.#store = new IndexedStore<T>(config.indexers ?? {});
  }

  get lister(): Lister<T> {
    return this.#store;
  }

  get resource(): ResourceRef {
    return this.#c.resource;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list has been applied (or when the signal aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#syncWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  addIndexers(indexers: Readonly<Record<string, IndexFunc>>): void {
    this.#store.addIndexers(indexers);
  }

  /**
   * Registers a handler. If the informer has already synced, the handler first gets onAdd for
   * every cached object, as a late client-go handler does. Returns an unregister function.
   */
  addEventHandler(handler: ResourceEventHandler<T>): () => void {
    this.#handlers.add(handler);
    if (this.#synced && handler.onAdd) for (const obj of this.#store.list()) safe(() => handler.onAdd?.(obj), this.#c.logger);
    return () => this.#handlers.delete(handler);
  }

  /** List, then watch, until the signal aborts. Runs once per informer. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error('informer already running');
    this.#running = true;
    const { client, resource, clock, logger } = this.#c;
    const resync = this.#c.resyncMs && this.#c.resyncMs > 0 ? this.#startResync(signal) : undefined;
    let backoff = 200;
    let rv: string | undefined;
    try {
      while (!signal.aborted) {
        try {
          if (rv === undefined) rv = await this.#relist(signal);
          let expired = false;
          for await (const ev of client.watch(resource, this.#c.namespace, {
            resourceVersion: rv,
            labelSelector: this.#c.labelSelector,
            fieldSelector: this.#c.fieldSelector,
            allowWatchBookmarks: true,
            signal,
          })) {
            if (ev.type === 'ERROR') {
              if (ev.error.code === 410) expired = true;
              else logger.warn({ resource: resource.resource, err: ev.error.message }, 'watch error; re-listing');
              rv = undefined;
              break;
            }
            if (ev.type === 'BOOKMARK') {
              rv = ev.resourceVersion;
              continue;
            }
            rv = ev.object.metadata.resourceVersion ?? rv;
            this.#apply(ev.type, ev.object as T);
          }
          if (expired) logger.debug({ resource: resource.resource }, 'watch expired; re-listing');
          backoff = 200;
        } catch (e) {
          if (signal.aborted) break;
          if (e instanceof ApiError && e.code === 410) rv = undefined;
          else {
            logger.warn({ resource: resource.resource, err: e instanceof Error ? e.message : String(e) }, 'list/watch failed; retrying');
            rv = undefined;
            await clock.sleep(backoff, signal).catch(() => undefined);
            backoff = Math.min(backoff * 2, 30_000);
          }
        }
      }
    } finally {
      resync?.();
      this.#running = false;
    }
  }

  /** Lists and reconciles the store with the result; returns the list's resourceVersion. */
  async #relist(signal: AbortSignal): Promise<string> {
    const { client, resource } = this.#c;
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    for (let page = 0; page < 100_000 && !signal.aborted; page++) {
      const list = await client.list(resource, this.#c.namespace, { labelSelector: this.#c.labelSelector, fieldSelector: this.#c.fieldSelector, limit: 500, continue: cont });
      items.push(...(list.items as T[]));
      rv = list.metadata.resourceVersion ?? rv;
      cont = list.metadata.continue || undefined;
      if (!cont) break;
    }
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      const old = this.#store.getByKey(objectKey(obj));
      if (!old) this.#apply('ADDED', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#apply('MODIFIED', obj);
    }
    for (const key of [...this.#store.keys()]) {
      if (seen.has(key)) continue;
      const old = this.#store.getByKey(key);
      if (old) this.#apply('DELETED', old);
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
    return rv;
  }

  #apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const log = this.#c.logger;
    if (type === 'DELETED') {
      const old = this.#store.remove(objectKey(obj));
      for (const h of this.#handlers) if (h.onDelete) safe(() => h.onDelete?.(old ?? obj), log);
      return;
    }
    const old = this.#store.upsert(obj);
    for (const h of this.#handlers) {
      if (old) {
        if (h.onUpdate) safe(() => h.onUpdate?.(old, obj), log);
      } else if (h.onAdd) safe(() => h.onAdd?.(obj), log);
    }
  }

  #startResync(signal: AbortSignal): () => void {
    let cancel = () => {};
    const schedule = () => {
      cancel = this.#c.clock.setTimer(this.#c.resyncMs ?? 0, () => {
        if (signal.aborted) return;
        if (this.#synced) for (const obj of this.#store.list()) for (const h of this.#handlers) if (h.onUpdate) safe(() => h.onUpdate?.(obj, obj), this.#c.logger);
        schedule();
      });
    };
    schedule();
    return () => cancel();
  }
}

function safe(fn: () => void, log: Logger): void {
  try {
    fn();
  } catch (e) {
    log.error({ err: e }, 'informer event handler failed');
  }
}
