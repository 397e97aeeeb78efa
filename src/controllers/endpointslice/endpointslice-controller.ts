/**
 * The EndpointSlice controller (upstream pkg/controller/endpointslice): for every Service with a
 * selector, EndpointSlices listing the matching pods that have an IP, labelled
 * kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, owned by the Service.
 * Services without a selector (and ExternalName Services) are left alone: their slices are the
 * user's (or, for default/kubernetes, the API server's).
 *
 * Keys are Services (`namespace/name`). Pod events enqueue the Services whose selectors match the
 * pod (old and new labels), only when something an endpoint shows changed (IPs, readiness,
 * deletion, labels, hostname); slice events enqueue their Service unless they are the echo of our
 * own write. The plan itself is in endpointslice-reconciler.ts.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { splitKey, type SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import {
  ANNOTATION_TRIGGER_TIME,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  TriggerTimeTracker,
  formatRfc3339Nano,
  podsForService,
  serviceSelector,
  watchServicesAndPods,
} from './endpoint-utils.js';
import { EndpointSliceTracker } from './endpointslice-tracker.js';
import { MANAGED_BY, planEndpointSlices } from './endpointslice-reconciler.js';

export interface EndpointSliceControllerOptions {
  /** Upstream --max-endpoints-per-slice (default 100). */
  readonly maxEndpointsPerSlice?: number;
  /** Services synced in parallel (upstream --concurrent-service-endpoint-syncs: 5). */
  readonly workers?: number;
  /**
   * Delay added to syncs triggered by pod changes, so bursts of pod updates make one write
   * (upstream --endpoint-updates-batch-period; default 0).
   */
  readonly batchPeriodMs?: number;
  /** Syncs of a Service whose cached slices stay behind our writes this many times trust the cache again. */
  readonly maxStaleSyncs?: number;
}

/** Slices by `namespace/<service-name label>`. */
const SLICE_SERVICE_INDEX = 'endpointslice:service';

function sliceServiceKey(slice: KubeObject): string | undefined {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? `${slice.metadata.namespace ?? ''}/${svc}` : undefined;
}

function managed(slice: KubeObject): boolean {
  return slice.metadata.labels?.[LABEL_MANAGED_BY] === MANAGED_BY;
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #options: Required<EndpointSliceControllerOptions>;
  readonly #queue;
  readonly #services: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #slices: SharedInformer;
  readonly #nodes: SharedInformer;
  readonly #tracker = new EndpointSliceTracker();
  readonly #triggers = new TriggerTimeTracker();
  /** Services whose last sync found the slice cache behind our writes → consecutive count. */
  readonly #stale = new Map<string, number>();
  /** Node name → Services that skipped a pod because the node was unknown. */
  readonly #waitingForNode = new Map<string, Set<string>>();

  constructor(ctx: ControllerContext, options: EndpointSliceControllerOptions = {}) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder('endpoint-slice-controller');
    this.#options = { maxEndpointsPerSlice: 100, workers: 5, maxStaleSyncs: 30, batchPeriodMs: 0, ...options };
    this.#queue = newQueue(ctx.clock);
    const q = this.#queue;

    ({ services: this.#services, pods: this.#pods } = watchServicesAndPods(ctx.informers, q, this.#options.batchPeriodMs));

    this.#slices = ctx.informers.informer(resources.endpointslices);
    this.#slices.addIndexers({ [SLICE_SERVICE_INDEX]: (s) => (sliceServiceKey(s) ? [sliceServiceKey(s) as string] : []) });
    this.#slices.addEventHandler({
      onAdd: (s) => this.#onSlice(s),
      onUpdate: (o, s) => {
        if (o === s) return;
        const before = sliceServiceKey(o);
        const now = sliceServiceKey(s);
        if (before !== now) {
          if (before) q.add(before);
          if (now) q.add(now);
          return;
        }
        if (managed(o) !== managed(s) && now) q.add(now);
        else this.#onSlice(s);
      },
      onDelete: (s) => {
        const key = sliceServiceKey(s);
        if (!key || !managed(s)) return;
        // Deleted by someone else (or we lost track): put it back.
        if (!this.#tracker.handleDeletion(key, s) || this.#stale.has(key)) q.add(key);
      },
    });

    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#nodes.addEventHandler({
      onAdd: (n) => {
        const waiting = this.#waitingForNode.get(n.metadata.name ?? '');
        if (!waiting) return;
        this.#waitingForNode.delete(n.metadata.name ?? '');
        for (const k of waiting) q.add(k);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#services, this.#pods, this.#slices, this.#nodes].map((i) => i.waitForSync(signal)));
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#syncService(key), workers: this.#options.workers, logger: this.#log }, signal);
  }

  #onSlice(slice: KubeObject): void {
    const key = sliceServiceKey(slice);
    if (!key || !managed(slice)) return;
    if (this.#tracker.shouldSync(key, slice) || this.#stale.has(key)) this.#queue.add(key);
  }

  async #syncService(key: string): Promise<ReconcileResult> {
    const svc = this.#services.lister.getByKey(key);
    if (!svc) {
      // The slices go with their owner (garbage collector).
      this.#tracker.deleteService(key);
      this.#triggers.delete(key);
      this.#stale.delete(key);
      return;
    }
    const spec = isJsonObject(svc.spec) ? svc.spec : {};
    if (spec.type === 'ExternalName') return;
    const selector = serviceSelector(svc);
    if (!selector) return;
    const { namespace = '', name } = splitKey(key);
    const pods = podsForService(this.#pods, namespace, selector);
    const slices = this.#slices.lister.byIndex(SLICE_SERVICE_INDEX, key).filter((s) => managed(s) && !s.metadata.deletionTimestamp);

    if (this.#tracker.stale(key, slices)) {
      const n = (this.#stale.get(key) ?? 0) + 1;
      if (n < this.#options.maxStaleSyncs) {
        // Our last writes have not reached the cache: their events re-queue this Service.
        this.#stale.set(key, n);
        return { requeueAfterMs: 1000 };
      }
      this.#log.warn({ service: key }, 'EndpointSlice cache stayed behind our writes; trusting it again');
      this.#tracker.deleteService(key);
    }
    this.#stale.delete(key);

    const trigger = this.#triggers.compute(key, svc, pods);
    const plan = planEndpointSlices({
      service: svc,
      pods,
      slices,
      node: (n) => this.#nodes.lister.get(undefined, n),
      maxEndpointsPerSlice: this.#options.maxEndpointsPerSlice,
    });
    const errors: string[] = [];
    for (const m of plan.missingNodes) {
      errors.push(`skipping Pod ${m.pod} for Service ${namespace}/${name}: Node ${m.node} Not Found`);
      let waiting = this.#waitingForNode.get(m.node);
      if (!waiting) this.#waitingForNode.set(m.node, (waiting = new Set()));
      waiting.add(key);
    }
    try {
      await this.#apply(key, svc, plan, trigger);
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
    if (errors.length > 0) {
      const message = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
      this.#recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${message}`);
      throw new Error(message);
    }
  }

  /** Writes the plan: creates (not for a Service being deleted), updates, deletes. */
  async #apply(key: string, svc: KubeObject, plan: ReturnType<typeof planEndpointSlices>, trigger: number | undefined): Promise<void> {
    const { client } = this.#ctx;
    const ns = svc.metadata.namespace ?? '';
    const svcName = svc.metadata.name ?? '';
    const withTrigger = (slice: KubeObject): KubeObject => {
      const annotations = { ...(slice.metadata.annotations ?? {}) };
      if (trigger !== undefined) annotations[ANNOTATION_TRIGGER_TIME] = formatRfc3339Nano(trigger);
      else delete annotations[ANNOTATION_TRIGGER_TIME];
      return { ...slice, metadata: { ...slice.metadata, annotations } };
    };
    // Creating slices for a Service on its way out would race the garbage collector.
    if (!svc.metadata.deletionTimestamp) {
      for (const slice of plan.create) {
        try {
          this.#tracker.update(key, await client.create(resources.endpointslices, ns, withTrigger(slice), { fieldManager: KUBE_CONTROLLER_MANAGER }));
        } catch (e) {
          // A terminating namespace refuses new content; nothing to do.
          if (e instanceof ApiError && e.code === 403 && e.message.includes('is being terminated')) return;
          throw new Error(`failed to create EndpointSlice for Service ${ns}/${svcName}: ${errorText(e)}`);
        }
      }
    }
    for (const slice of plan.update) {
      try {
        this.#tracker.update(key, await client.update(resources.endpointslices, ns, withTrigger(slice), { fieldManager: KUBE_CONTROLLER_MANAGER }));
      } catch (e) {
        throw new Error(`failed to update ${slice.metadata.name ?? ''} EndpointSlice for Service ${ns}/${svcName}: ${errorText(e)}`);
      }
    }
    for (const slice of plan.delete) {
      try {
        await client.delete(resources.endpointslices, ns, slice.metadata.name ?? '');
        this.#tracker.expectDeletion(key, slice);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) continue;
        throw new Error(`failed to delete ${slice.metadata.name ?? ''} EndpointSlice for Service ${ns}/${svcName}: ${errorText(e)}`);
      }
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
