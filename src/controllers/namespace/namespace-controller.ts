/**
 * Namespace deletion (upstream's namespace controller): a namespace being deleted keeps its
 * `kubernetes` finalizer in spec.finalizers until every object in it is gone; then the controller
 * removes the finalizer through namespaces/<name>/finalize and the API server deletes it.
 *
 * Level-based: each pass re-reads the namespace and its contents; anything still present
 * (finalizers, graceful pod deletion) is retried with backoff until it disappears.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources, type Client, type ResourceRef } from '../../client/client.js';
import type { Clock } from '../../util/clock.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerConfig {
  readonly client: Client;
  /** Namespaced resources that hold content (one version per storage location). */
  readonly namespacedResources: () => readonly ResourceRef[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Delay before re-checking a namespace whose content is still going away. */
  readonly retryMs?: number;
}

export class NamespaceController {
  readonly #c: NamespaceControllerConfig;
  /** Namespaces waiting for a pass; a name is processed by one pass at a time. */
  readonly #queue = new Set<string>();
  readonly #inFlight = new Set<string>();
  #wake: (() => void) | undefined;

  constructor(config: NamespaceControllerConfig) {
    this.#c = config;
  }

  /** Runs until the signal aborts: watches namespaces and processes deletions. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#watchLoop(signal), this.#workLoop(signal)]);
  }

  enqueue(name: string): void {
    this.#queue.add(name);
    this.#wake?.();
  }

  async #watchLoop(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const list = await this.#c.client.list(resources.namespaces, undefined);
        for (const ns of list.items) if (ns.metadata.deletionTimestamp) this.enqueue(ns.metadata.name ?? '');
        for await (const ev of this.#c.client.watch(resources.namespaces, undefined, { resourceVersion: list.metadata.resourceVersion, signal })) {
          if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.metadata.deletionTimestamp) this.enqueue(ev.object.metadata.name ?? '');
          if (ev.type === 'ERROR') break;
        }
        backoff = 100;
      } catch (e) {
        if (signal.aborted) return;
        this.#c.logger.warn({ err: e }, 'namespace watch failed; retrying');
        await this.#c.clock.sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  async #workLoop(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.#wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const next = [...this.#queue].find((n) => !this.#inFlight.has(n));
        if (next === undefined) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          continue;
        }
        this.#queue.delete(next);
        this.#inFlight.add(next);
        void this.#sync(next, signal).finally(() => {
          this.#inFlight.delete(next);
          this.#wake?.();
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** One pass over a namespace; schedules another if content remains. */
  async #sync(name: string, signal: AbortSignal): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.#c.client.get(resources.namespaces, undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
    if (!ns.metadata.deletionTimestamp) return;
    let remaining = 0;
    try {
      remaining = await this.#deleteContent(name);
      if (remaining === 0) await this.#finalize(ns);
    } catch (e) {
      if (!signal.aborted) this.#c.logger.warn({ err: e, namespace: name }, 'namespace cleanup pass failed');
      remaining = 1;
    }
    if (remaining > 0 && !signal.aborted) {
      this.#c.clock.setTimer(this.#c.retryMs ?? 1000, () => this.enqueue(name));
    }
  }

  /** Deletes everything in the namespace; returns how many objects are still present. */
  async #deleteContent(namespace: string): Promise<number> {
    let remaining = 0;
    for (const ref of this.#c.namespacedResources()) {
      const list = await this.#c.client.list(ref, namespace);
      for (const obj of list.items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        try {
          await this.#c.client.delete(ref, namespace, obj.metadata.name ?? '', { propagationPolicy: 'Background' });
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    }
    if (remaining > 0) this.#c.logger.debug({ namespace, remaining }, 'namespace content remaining');
    return remaining;
  }

  async #finalize(ns: KubeObject): Promise<void> {
    const spec = isJsonObject(ns.spec) ? ns.spec : {};
    const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
    if (!finalizers.includes(NAMESPACE_FINALIZER)) return;
    const updated: KubeObject = { ...ns, spec: { ...spec, finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) } };
    await this.#c.client.update(resources.namespaces, undefined, updated, { subresource: 'finalize' });
    this.#c.logger.info({ namespace: ns.metadata.name }, 'namespace deleted');
  }
}
