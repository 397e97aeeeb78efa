/**
 * One shared informer per resource and selector per process, handed to every controller that
 * asks (so a resource is listed and watched once, however many controllers use it).
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import type { Clock } from '../util/clock.js';
import { SharedInformer, type InformerOptions } from './shared-informer.js';

export interface InformerFactoryConfig {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default resync period for informers that do not set one (0 = none). */
  readonly defaultResyncMs?: number;
}

export class InformerFactory {
  readonly #c: InformerFactoryConfig;
  readonly #informers = new Map<string, SharedInformer>();
  readonly #running = new Map<string, Promise<void>>();
  #signal: AbortSignal | undefined;

  constructor(config: InformerFactoryConfig) {
    this.#c = config;
  }

  /** The shared informer for a resource (created on first request; started if the factory runs). */
  informer<T extends KubeObject = KubeObject>(resource: ResourceRef, options: Omit<InformerOptions, 'indexers'> = {}): SharedInformer<T> {
    const key = JSON.stringify([resource.group, resource.version, resource.resource, options.namespace ?? '', options.labelSelector ?? '', options.fieldSelector ?? '']);
    let inf = this.#informers.get(key);
    if (!inf) {
      inf = new SharedInformer({
        client: this.#c.client,
        resource,
        clock: this.#c.clock,
        logger: this.#c.logger.child({ informer: resource.resource }),
        resyncMs: options.resyncMs ?? this.#c.defaultResyncMs ?? 0,
        ...options,
      });
      this.#informers.set(key, inf);
      if (this.#signal) this.#run(key, inf, this.#signal);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer requested so far and any requested later, until the signal aborts. */
  start(signal: AbortSignal): void {
    // Every informer's watch listens on this signal; dozens of them are expected.
    setMaxListeners(0, signal);
    this.#signal = signal;
    for (const [key, inf] of this.#informers) this.#run(key, inf, signal);
  }

  #run(key: string, inf: SharedInformer, signal: AbortSignal): void {
    if (this.#running.has(key)) return;
    this.#running.set(
      key,
      inf.run(signal).catch((e: unknown) => this.#c.logger.error({ err: e }, 'informer stopped with an error')),
    );
  }

  /** Resolves when every started informer has synced (or the signal aborts). */
  async waitForCacheSync(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
  }

  /** Resolves when every informer loop has ended (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.#running.values());
  }
}
