/**
 * Namespace phases and labels kept in memory from a watch, so the NamespaceLifecycle check and
 * the admission webhooks' namespaceSelectors cost a map lookup instead of a storage read per
 * request (upstream uses an informer the same way). A miss falls back to a live read: a namespace
 * created a moment ago may not have reached the cache yet.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import type { Clock } from '../util/clock.js';
import type { NamespaceLookup } from './namespace-lifecycle.js';

type Phase = 'Active' | 'Terminating';

type Labels = Readonly<Record<string, string>>;

interface CachedNamespace {
  readonly phase: Phase;
  readonly labels: Labels;
}

function cached(ns: KubeObject): CachedNamespace {
  return { phase: ns.metadata.deletionTimestamp ? 'Terminating' : 'Active', labels: ns.metadata.labels ?? {} };
}

export class NamespaceCache implements NamespaceLookup {
  readonly #client: Client;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #namespaces = new Map<string, CachedNamespace>();

  constructor(config: { client: Client; clock: Clock; logger: Logger }) {
    this.#client = config.client;
    this.#clock = config.clock;
    this.#log = config.logger;
  }

  async phase(name: string): Promise<Phase | undefined> {
    return (await this.#lookup(name))?.phase;
  }

  /** The namespace's labels; undefined when it does not exist. */
  async labels(name: string): Promise<Labels | undefined> {
    return (await this.#lookup(name))?.labels;
  }

  async #lookup(name: string): Promise<CachedNamespace | undefined> {
    const hit = this.#namespaces.get(name);
    if (hit !== undefined) return hit;
    try {
      return cached(await this.#client.get(resources.namespaces, undefined, name));
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Lists, then follows changes until the signal aborts; re-lists after a broken watch. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const list = await this.#client.list(resources.namespaces, undefined);
        this.#namespaces.clear();
        for (const ns of list.items) this.#namespaces.set(ns.metadata.name ?? '', cached(ns));
        for await (const ev of this.#client.watch(resources.namespaces, undefined, { resourceVersion: list.metadata.resourceVersion, signal })) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.#namespaces.set(ev.object.metadata.name ?? '', cached(ev.object));
          else if (ev.type === 'DELETED') this.#namespaces.delete(ev.object.metadata.name ?? '');
          else if (ev.type === 'ERROR') break;
        }
        backoff = 100;
      } catch (e) {
        if (signal.aborted) return;
        this.#log.warn({ err: e }, 'namespace cache watch failed; re-listing');
        await this.#clock.sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
