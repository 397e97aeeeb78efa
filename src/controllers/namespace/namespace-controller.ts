/**
 * Namespace deletion (upstream pkg/controller/namespace): a namespace being deleted keeps the
 * `kubernetes` finalizer in spec.finalizers until every object in it is gone; then this controller
 * removes the finalizer through namespaces/<name>/finalize and the API server deletes it.
 *
 * One pass over a terminating namespace (upstream namespacedResourcesDeleter.Delete):
 *  1. phase Terminating (the API server sets it; kept here as upstream does);
 *  2. delete every object of every namespaced resource (background propagation), list again,
 *     and record what remains in the status conditions (NamespaceContentRemaining …);
 *  3. content left → look again after estimate/2+1 s (estimate: the longest pod grace period
 *     not yet elapsed, or 15 s for objects held by finalizers); the deletion of any object in a
 *     terminating namespace re-queues it at once, so lingering content (graceful pods,
 *     finalizers) does not hold it longer than it lives;
 *  4. nothing left → remove `kubernetes` from spec.finalizers via /finalize.
 * Errors (an unexpected leftover, a failed delete) retry with the queue's backoff (≤ 60 s).
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources, type Client, type ResourceRef } from '../../client/client.js';
import { InformerFactory } from '../../informer/informer-factory.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import type { Clock } from '../../util/clock.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { NamespaceConditionUpdater } from './namespace-conditions.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

/** Objects held by finalizers get this long before the next look (upstream finalizerEstimateSeconds). */
const FINALIZER_ESTIMATE_SECONDS = 15;

export interface NamespaceControllerOptions {
  /** Namespaced resources that hold content (one version per storage location, supporting delete). */
  readonly namespacedResources: () => readonly ResourceRef[];
  /** Namespaces processed in parallel (upstream --concurrent-namespace-syncs: 10). */
  readonly workers?: number;
  /**
   * Delay before a deleted namespace is first processed (default 5 s, upstream's
   * namespaceDeletionGracePeriod). Besides letting every API server's admission see the deletion
   * first (servers sharing a datastore), it is what makes `kubectl delete -f` of a manifest holding
   * a namespace and objects in it succeed: kubectl deletes the namespace first and then each
   * object, which must still be there to be deleted.
   */
  readonly deletionDelayMs?: number;
  /** Parallel deletes within one resource. */
  readonly deleteConcurrency?: number;
}

/**
 * @deprecated The configuration of the pre-framework controller (what src/server/server.ts passes
 * today). The controller then runs its own informers; prefer `(ctx, options)`.
 */
export interface NamespaceControllerConfig {
  readonly client: Client;
  readonly namespacedResources: () => readonly ResourceRef[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retryMs?: number;
  readonly deletionDelayMs?: number;
}

interface ResourceResult {
  estimate: number;
  remaining: number;
  finalizers: Map<string, number>;
  error?: string;
}

export class NamespaceController implements Controller {
  readonly name = 'namespace-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #options: Required<NamespaceControllerOptions>;
  readonly #queue;
  readonly #namespaces: SharedInformer;
  /** Resources whose deletions re-queue terminating namespaces (`group/resource`). */
  readonly #watched = new Set<string>();
  /** Terminating namespaces whose content deletion has begun (past the deletion delay). */
  readonly #emptying = new Set<string>();
  /** Set only in the legacy configuration: informers this controller starts itself. */
  readonly #ownInformers: InformerFactory | undefined;

  constructor(ctx: ControllerContext, options: NamespaceControllerOptions);
  /** @deprecated */
  constructor(config: NamespaceControllerConfig);
  constructor(a: ControllerContext | NamespaceControllerConfig, b?: NamespaceControllerOptions) {
    if (b === undefined) {
      const legacy = a as NamespaceControllerConfig;
      this.#ownInformers = new InformerFactory({ client: legacy.client, clock: legacy.clock, logger: legacy.logger });
      this.#ctx = { client: legacy.client, informers: this.#ownInformers, clock: legacy.clock, logger: legacy.logger, recorder: () => ({ event: () => undefined }) };
      b = { namespacedResources: legacy.namespacedResources, ...(legacy.deletionDelayMs !== undefined ? { deletionDelayMs: legacy.deletionDelayMs } : {}) };
    } else {
      this.#ctx = a as ControllerContext;
    }
    this.#log = this.#ctx.logger.child({ controller: this.name });
    this.#options = { workers: 5, deletionDelayMs: 5_000, deleteConcurrency: 16, ...b };
    this.#queue = newQueue(this.#ctx.clock, { maxDelayMs: 60_000 });
    this.#namespaces = this.#ctx.informers.informer(resources.namespaces);
    const enqueue = (ns: KubeObject) => {
      if (ns.metadata.deletionTimestamp) this.#queue.addAfter(ns.metadata.name ?? '', this.#options.deletionDelayMs);
    };
    this.#namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns), onDelete: (ns) => this.#emptying.delete(ns.metadata.name ?? '') });
    if (!this.#ownInformers) this.#watchContent();
  }

  /**
   * What lingers in a terminating namespace is content with a grace period (pods) or finalizers.
   * When such an object goes, look at its namespace again at once instead of after the estimate.
   * The informers are the shared ones (the garbage collector watches every resource anyway);
   * Events are skipped: they never linger and can be numerous.
   */
  #watchContent(): void {
    let refs: readonly ResourceRef[];
    try {
      refs = this.#options.namespacedResources();
    } catch {
      return;
    }
    for (const ref of refs) {
      const key = `${ref.group}/${ref.resource}`;
      if (ref.resource === 'events' || this.#watched.has(key)) continue;
      this.#watched.add(key);
      this.#ctx.informers.informer(ref).addEventHandler({
        onDelete: (obj) => {
          const ns = obj.metadata.namespace ? this.#namespaces.lister.get(undefined, obj.metadata.namespace) : undefined;
          // Only once the controller has begun emptying it: the deletion delay holds until then.
          if (ns?.metadata.deletionTimestamp && this.#emptying.has(ns.metadata.name ?? '')) this.#queue.add(ns.metadata.name ?? '');
        },
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    this.#ownInformers?.start(signal);
    await this.#namespaces.waitForSync(signal);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (name) => this.#sync(name), workers: this.#options.workers, logger: this.#log }, signal);
    await this.#ownInformers?.stopped();
  }

  async #sync(name: string): Promise<ReconcileResult> {
    const cached = this.#namespaces.lister.get(undefined, name);
    if (!cached?.metadata.deletionTimestamp) {
      this.#emptying.delete(name);
      return;
    }
    // Several writers touch a terminating namespace: act on the latest state.
    let ns = await this.#get(name);
    if (!ns?.metadata.deletionTimestamp) {
      this.#emptying.delete(name);
      return;
    }
    this.#emptying.add(name);
    ns = await this.#retryOnConflict(ns, (n) => this.#ensureTerminating(n));
    if (!ns?.metadata.deletionTimestamp || finalizersOf(ns).length === 0) return;

    if (!this.#ownInformers) this.#watchContent();
    const estimate = await this.#deleteAllContent(ns);
    if (estimate > 0) {
      this.#log.debug({ namespace: name, estimateSeconds: estimate }, 'content remaining in namespace');
      return { requeueAfterMs: (Math.floor(estimate / 2) + 1) * 1000 };
    }
    const finalized = await this.#retryOnConflict(ns, (n) => this.#finalize(n));
    if (finalized) this.#log.info({ namespace: name }, 'namespace content removed; finalized');
  }

  async #get(name: string): Promise<KubeObject | undefined> {
    try {
      return await this.#ctx.client.get(resources.namespaces, undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Runs `fn`, re-reading the namespace after conflicts; undefined once the namespace is gone. */
  async #retryOnConflict(ns: KubeObject, fn: (ns: KubeObject) => Promise<KubeObject>): Promise<KubeObject | undefined> {
    let latest = ns;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(latest);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        if (!(e instanceof ApiError && e.code === 409) || attempt >= 9) throw e;
      }
      const next = await this.#get(latest.metadata.name ?? '');
      if (!next) return undefined;
      if (next.metadata.uid !== latest.metadata.uid) throw new Error('namespace uid has changed across retries');
      latest = next;
    }
  }

  async #ensureTerminating(ns: KubeObject): Promise<KubeObject> {
    const status = isJsonObject(ns.status) ? ns.status : {};
    if (!ns.metadata.deletionTimestamp || status.phase === 'Terminating') return ns;
    return this.#ctx.client.update(resources.namespaces, undefined, { ...ns, status: { ...status, phase: 'Terminating' } }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
  }

  /** Removes this controller's finalizer (the rest kept, sorted, as upstream's string set). */
  async #finalize(ns: KubeObject): Promise<KubeObject> {
    const spec = isJsonObject(ns.spec) ? ns.spec : {};
    const rest = [...new Set(finalizersOf(ns).filter((f) => f !== NAMESPACE_FINALIZER))].sort();
    return this.#ctx.client.update(resources.namespaces, undefined, { ...ns, spec: { ...spec, finalizers: rest } }, { subresource: 'finalize', fieldManager: KUBE_CONTROLLER_MANAGER });
  }

  /** Deletes everything once; returns the estimate (seconds) before what remains is gone. */
  async #deleteAllContent(ns: KubeObject): Promise<number> {
    const namespace = ns.metadata.name ?? '';
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp ?? '') || this.#ctx.clock.now();
    const conditions = new NamespaceConditionUpdater(rfc3339(this.#ctx.clock.now()));
    const errors: string[] = [];
    let refs: readonly ResourceRef[] = [];
    try {
      refs = this.#options.namespacedResources();
    } catch (e) {
      // Not fatal upstream either: work with what is known (here: nothing) and report it.
      errors.push(errorText(e));
      conditions.discoveryFailed(errorText(e));
    }
    let estimate = 0;
    const byResource = new Map<string, number>();
    const byFinalizer = new Map<string, number>();
    for (const ref of refs) {
      const r = await this.#deleteAllContentFor(ref, namespace, deletedAt);
      if (r.error !== undefined) {
        errors.push(r.error);
        conditions.contentDeletionFailed(r.error);
      }
      estimate = Math.max(estimate, r.estimate);
      if (r.remaining > 0) {
        byResource.set(`${ref.resource}.${ref.group}`, r.remaining);
        for (const [f, n] of r.finalizers) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + n);
      }
    }
    conditions.contentTotals(byResource, byFinalizer);
    // Always brought up to date: a condition that failed earlier must show it has recovered.
    const status: JsonObject = { ...(isJsonObject(ns.status) ? ns.status : {}) };
    if (conditions.apply(status)) {
      try {
        await this.#ctx.client.update(resources.namespaces, undefined, { ...ns, status }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
      } catch (e) {
        this.#log.debug({ namespace, err: errorText(e) }, "couldn't update status conditions of namespace");
      }
    }
    if (errors.length > 0) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
    return estimate;
  }

  async #deleteAllContentFor(ref: ResourceRef, namespace: string, deletedAt: number): Promise<ResourceResult> {
    const result: ResourceResult = { estimate: 0, remaining: 0, finalizers: new Map() };
    const { client } = this.#ctx;
    try {
      if (ref.group === '' && ref.resource === 'pods') result.estimate = await this.#estimatePods(namespace, deletedAt);
      const list = await listOrUndefined(client, ref, namespace);
      if (!list) return result;
      const names = list.map((o) => o.metadata.name ?? '');
      for (let i = 0; i < names.length; i += this.#options.deleteConcurrency) {
        await Promise.all(
          names.slice(i, i + this.#options.deleteConcurrency).map(async (name) => {
            try {
              // Background: the garbage collector must not add the orphan finalizer here.
              await client.delete(ref, namespace, name, { propagationPolicy: 'Background' });
            } catch (e) {
              if (!(e instanceof ApiError && (e.code === 404 || e.code === 405))) throw e;
            }
          }),
        );
      }
      const after = (await listOrUndefined(client, ref, namespace)) ?? [];
      if (after.length === 0) return { estimate: 0, remaining: 0, finalizers: result.finalizers };
      result.remaining = after.length;
      for (const o of after) for (const f of o.metadata.finalizers ?? []) result.finalizers.set(f, (result.finalizers.get(f) ?? 0) + 1);
      if (result.estimate !== 0) return result;
      if (result.finalizers.size > 0) return { ...result, estimate: FINALIZER_ESTIMATE_SECONDS };
      // Nothing explains why they are still there.
      return { ...result, error: `unexpected items still remain in namespace: ${namespace} for gvr: {${ref.group} ${ref.version} ${ref.resource}}` };
    } catch (e) {
      return { ...result, error: errorText(e) };
    }
  }

  /** The longest grace period of the namespace's running pods that has not elapsed since deletion. */
  async #estimatePods(namespace: string, deletedAt: number): Promise<number> {
    const pods = (await listOrUndefined(this.#ctx.client, resources.pods, namespace)) ?? [];
    let estimate = 0;
    for (const pod of pods) {
      const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const grace = isJsonObject(pod.spec) && typeof pod.spec.terminationGracePeriodSeconds === 'number' ? pod.spec.terminationGracePeriodSeconds : 0;
      estimate = Math.max(estimate, grace);
    }
    return this.#ctx.clock.now() - deletedAt >= estimate * 1000 ? 0 : estimate;
  }
}

function finalizersOf(ns: KubeObject): string[] {
  const spec = isJsonObject(ns.spec) ? ns.spec : {};
  return Array.isArray(spec.finalizers) ? spec.finalizers.filter((f): f is string => typeof f === 'string') : [];
}

/** Lists a resource; undefined when it cannot be listed (gone, or no list verb). */
async function listOrUndefined(client: Client, ref: ResourceRef, namespace: string): Promise<KubeObject[] | undefined> {
  try {
    return (await client.list(ref, namespace)).items;
  } catch (e) {
    if (e instanceof ApiError && (e.code === 404 || e.code === 405)) return undefined;
    throw e;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
