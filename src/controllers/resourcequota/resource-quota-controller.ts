/**
 * The ResourceQuota controller (upstream pkg/controller/resourcequota): keeps each quota's
 * status current — `status.hard` mirroring `spec.hard`, `status.used` the usage of every resource
 * the quota names that quota can measure (see quota-evaluators.ts), over the objects in the
 * quota's namespace that fall within its scopes.
 *
 * Division of labour with the ResourceQuota admission plugin (src/admission/resource-quota.ts),
 * as upstream: admission charges creations (and growing updates) to `status.used` as they are
 * admitted; this controller recalculates a quota
 *  - when it is created or its spec changes (the first calculation is what lets admission
 *    enforce it: until status.hard and status.used are set the quota constrains nothing);
 *  - when an object it measures is deleted, or changes in a way that changes its usage (a pod
 *    turning Succeeded/Failed, a Service changing type, a PVC growing) — "replenishment";
 *  - when a terminating pod's grace period runs out (it stops counting then);
 *  - on a full resync of every quota (default every 5 minutes, upstream's
 *    --resource-quota-sync-period), which also repairs charges for writes that failed after
 *    admission.
 * Creations are deliberately not a trigger: admission has charged them already, and
 * recalculating from informers that have not seen an object admitted a moment ago would take
 * its charge back.
 *
 * Objects are read from shared informers started on first need, one per resource some quota
 * names (pods, services, … or any `count/<resource>.<group>`), so a cluster without quotas on
 * Secrets never caches Secrets for this controller.
 */
import { ApiError } from '../../api/errors.js';
import { obj } from '../../api/json-access.js';
import { jsonEqual, type KubeObject } from '../../api/object.js';
import { builtinGroupVersions, builtinResources } from '../../api/builtin-resources.js';
import type { ResourceRef } from '../../client/client.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import { podQuotaExpiry, quotaScopes, QuotaEvaluatorRegistry, RESOURCE_QUOTAS, type GroupResource, type QuotaEvaluator } from './quota-evaluators.js';

export { RESOURCE_QUOTAS };
import { addInto, equals, mask, parseResourceList, toJson, ZERO, type QuotaQuantity } from './resource-list.js';

/** Upstream's default --resource-quota-sync-period. */
export const DEFAULT_QUOTA_RESYNC_MS = 5 * 60_000;

/** Where a namespaced group resource is served (the version to list and watch), if it is. */
export type ResourceResolver = (gr: GroupResource) => ResourceRef | undefined;

export interface ResourceQuotaControllerOptions {
  /** Concurrent quota syncs (default 5, upstream's --concurrent-resource-quota-syncs). */
  readonly workers?: number;
  /** Full recalculation period of every quota (default 5 minutes; 0 disables). */
  readonly resyncMs?: number;
  /**
   * Resolves `count/<resource>.<group>` names to a served resource. The default knows the
   * built-in resources; the composition root passes one backed by the registry so that custom
   * resources can be counted too.
   */
  readonly resolveResource?: ResourceResolver;
}

interface Monitor {
  readonly evaluator: QuotaEvaluator;
  readonly informer: SharedInformer;
}

export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota-controller';
  readonly #ctx: ControllerContext;
  readonly #workers: number;
  readonly #resyncMs: number;
  readonly #resolve: ResourceResolver;
  readonly #registry = new QuotaEvaluatorRegistry();
  readonly #quotas: SharedInformer;
  /** Monitors by group resource key; null when the resource is not served. */
  readonly #monitors = new Map<string, Monitor | null>();
  readonly #queue;

  constructor(ctx: ControllerContext, options: ResourceQuotaControllerOptions = {}) {
    this.#ctx = ctx;
    this.#workers = options.workers ?? 5;
    this.#resyncMs = options.resyncMs ?? DEFAULT_QUOTA_RESYNC_MS;
    this.#resolve = options.resolveResource ?? builtinResourceResolver;
    this.#queue = newQueue(ctx.clock);
    this.#quotas = ctx.informers.informer(RESOURCE_QUOTAS);
    this.#quotas.addEventHandler({
      onAdd: (q) => this.#queue.add(objectKey(q)),
      onUpdate: (old, q) => {
        // Status writes (ours and admission's charges) are no reason to recount; a spec change,
        // or a status.hard out of step with the spec, is.
        if (!jsonEqual(old.spec, q.spec) || !equals(parseResourceList(obj(q.spec)?.hard), parseResourceList(obj(q.status)?.hard))) this.#queue.add(objectKey(q));
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#quotas.waitForSync(signal);
    let cancelResync = () => {};
    if (this.#resyncMs > 0) {
      const tick = () => {
        if (signal.aborted) return;
        for (const q of this.#quotas.lister.list()) this.#queue.add(objectKey(q));
        cancelResync = this.#ctx.clock.setTimer(this.#resyncMs, tick);
      };
      cancelResync = this.#ctx.clock.setTimer(this.#resyncMs, tick);
    }
    try {
      await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key, s) => this.#sync(key, s), workers: this.#workers, logger: this.#ctx.logger }, signal);
    } finally {
      cancelResync();
    }
  }

  /** The informer-backed monitor of an evaluator's resource, started on first use. */
  #monitor(evaluator: QuotaEvaluator): Monitor | undefined {
    const gr = evaluator.groupResource;
    const k = `${gr.resource}.${gr.group}`;
    const existing = this.#monitors.get(k);
    if (existing !== undefined) return existing ?? undefined;
    // Events are never measured, as upstream (DefaultIgnoredResources): admission ignores them too.
    const ref = gr.group === '' && gr.resource === 'events' ? undefined : this.#resolve(gr);
    if (!ref) {
      this.#monitors.set(k, null);
      this.#ctx.logger.debug({ controller: this.name, resource: k }, 'quota names a resource that is not served; its usage is not calculated');
      return undefined;
    }
    const informer = this.#ctx.informers.informer(ref);
    const monitor: Monitor = { evaluator, informer };
    informer.addEventHandler({
      onUpdate: (old, cur) => {
        if (!this.#quotasTracking(cur.metadata.namespace, evaluator)) return;
        const now = this.#ctx.clock.now();
        const changed =
          old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp || !jsonEqual(old.spec, cur.spec) || !equals(evaluator.usage(old, now), evaluator.usage(cur, now));
        if (changed) this.#replenish(cur.metadata.namespace, evaluator);
      },
      onDelete: (o) => this.#replenish(o.metadata.namespace, evaluator),
    });
    this.#monitors.set(k, monitor);
    return monitor;
  }

  /** Quotas of the namespace that measure something this evaluator measures. */
  #quotasTracking(namespace: string | undefined, evaluator: QuotaEvaluator): KubeObject[] {
    if (!namespace) return [];
    return this.#quotas.lister.list(namespace).filter((q) => {
      const names = [...parseResourceList(obj(q.status)?.hard).keys(), ...parseResourceList(obj(q.spec)?.hard).keys()];
      return evaluator.matchingResources(names).length > 0;
    });
  }

  #replenish(namespace: string | undefined, evaluator: QuotaEvaluator): void {
    for (const q of this.#quotasTracking(namespace, evaluator)) this.#queue.add(objectKey(q));
  }

  async #sync(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const quota = this.#quotas.lister.getByKey(key);
    if (!quota) return;
    const namespace = quota.metadata.namespace ?? '';
    const spec = obj(quota.spec);
    const status = obj(quota.status);
    const hard = parseResourceList(spec?.hard);
    const hardNames = [...hard.keys()];
    const scopes = quotaScopes(quota);
    const now = this.#ctx.clock.now();
    let recheckAt: number | undefined;

    const computed = new Map<string, QuotaQuantity>();
    for (const evaluator of this.#registry.forQuota(hardNames)) {
      const names = evaluator.matchingResources(hardNames);
      const monitor = this.#monitor(evaluator);
      if (!monitor) continue;
      if (!monitor.informer.hasSynced()) await monitor.informer.waitForSync(signal);
      if (signal.aborted) return;
      const sum = new Map<string, QuotaQuantity>(names.map((n) => [n, ZERO]));
      const isPods = evaluator.groupResource.group === '' && evaluator.groupResource.resource === 'pods';
      for (const item of monitor.informer.lister.list(namespace)) {
        if (!scopes.every((s) => evaluator.matchesScope(s, item))) continue;
        addInto(sum, mask(evaluator.usage(item, now), names));
        if (isPods) {
          const expiry = podQuotaExpiry(item, now);
          if (expiry !== undefined && (recheckAt === undefined || expiry < recheckAt)) recheckAt = expiry;
        }
      }
      addInto(computed, sum);
    }

    // Usage of resources nothing here measures is kept as last recorded; names no longer hard go.
    const previous = parseResourceList(status?.used);
    const used = new Map(previous);
    for (const [k, v] of computed) used.set(k, v);
    const usedMasked = mask(used, hardNames);
    const dirty = !status || status.hard === undefined || status.used === undefined || !equals(hard, parseResourceList(status.hard)) || !equals(usedMasked, previous);
    if (dirty) {
      try {
        await this.#ctx.client.update(RESOURCE_QUOTAS, namespace, { ...quota, status: { hard: toJson(hard), used: toJson(usedMasked) } }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return;
        throw e;
      }
    }
    if (recheckAt !== undefined) return { requeueAfterMs: Math.max(1, recheckAt - now) };
  }
}

/** Built-in namespaced resources at their group's preferred version. */
export const builtinResourceResolver: ResourceResolver = (() => {
  const refs = new Map<string, ResourceRef>();
  for (const { group, versions } of builtinGroupVersions) {
    for (const version of versions) {
      for (const r of builtinResources) {
        if (r.group !== group || r.version !== version || !r.namespaced || r.virtual || !r.verbs.includes('watch')) continue;
        const k = `${r.plural}.${group}`;
        if (!refs.has(k)) refs.set(k, { group, version, resource: r.plural });
      }
    }
  }
  return (gr: GroupResource) => refs.get(`${gr.resource}.${gr.group}`);
})();
