/**
 * The storage-object-in-use protection controllers (upstream pkg/controller/volume/pvcprotection
 * and pvprotection). Admission puts `kubernetes.io/pvc-protection` on every new claim and
 * `kubernetes.io/pv-protection` on every new volume; these controllers take the finalizer off a
 * claim or volume being deleted once nothing uses it:
 *  - a claim is in use while a pod of its namespace that is not finished (Succeeded/Failed)
 *    references it (persistentVolumeClaim or generic ephemeral volume) — scheduled or not;
 *  - a volume is in use while it is Bound.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { newQueue, runReconcileLoop, type Controller, type ControllerContext } from '../framework/controller.js';
import { deleting, phase, podClaimNames, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, pvcsResource, pvsResource } from '../persistentvolume/volume-util.js';

async function removeFinalizer(ctx: ControllerContext, ref: ResourceRef, obj: KubeObject, finalizer: string): Promise<void> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  try {
    await ctx.client.update(ref, obj.metadata.namespace, { ...obj, metadata: { ...obj.metadata, finalizers } });
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return;
    throw e;
  }
}

async function runLoop(name: string, informers: readonly SharedInformer[], queue: WorkQueue<string>, reconcile: (key: string) => Promise<void>, log: Logger, signal: AbortSignal): Promise<void> {
  await Promise.all(informers.map((i) => i.waitForSync(signal)));
  if (signal.aborted) return;
  const local = new AbortController();
  const stop = () => local.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await runReconcileLoop({ name, queue, reconcile, logger: log }, local.signal);
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

export class PvcProtectionController implements Controller {
  readonly name = 'persistentvolumeclaim-protection-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #pvcs: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #queue: WorkQueue<string>;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#queue = newQueue(ctx.clock);
    this.#pvcs = ctx.informers.informer(pvcsResource);
    this.#pods = ctx.informers.informer(resources.pods);
    const claim = (pvc: KubeObject) => {
      if (deleting(pvc) && pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) this.#queue.add(objectKey(pvc));
    };
    this.#pvcs.addEventHandler({ onAdd: claim, onUpdate: (_o, n) => claim(n) });
    // A pod that finished or went away may free its claims.
    const pod = (p: KubeObject) => {
      for (const c of podClaimNames(p)) this.#queue.add(`${p.metadata.namespace ?? ''}/${c}`);
    };
    this.#pods.addEventHandler({
      onUpdate: (o, n) => {
        if (phase(o) !== phase(n)) pod(n);
      },
      onDelete: pod,
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runLoop(this.name, [this.#pvcs, this.#pods], this.#queue, (key) => this.#sync(key), this.#log, signal);
  }

  #inUse(pvc: KubeObject): boolean {
    const name = pvc.metadata.name ?? '';
    for (const p of this.#pods.lister.list(pvc.metadata.namespace)) {
      const ph = phase(p);
      if (ph === 'Succeeded' || ph === 'Failed') continue;
      if (podClaimNames(p).includes(name)) return true;
    }
    return false;
  }

  async #sync(key: string): Promise<void> {
    const pvc = this.#pvcs.lister.getByKey(key);
    if (!pvc || !deleting(pvc) || !pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    if (this.#inUse(pvc)) {
      this.#log.debug({ pvc: key }, 'claim is still in use by a pod; keeping its finalizer');
      return;
    }
    await removeFinalizer(this.#ctx, pvcsResource, pvc, PVC_PROTECTION_FINALIZER);
  }
}

export class PvProtectionController implements Controller {
  readonly name = 'persistentvolume-protection-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #pvs: SharedInformer;
  readonly #queue: WorkQueue<string>;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#queue = newQueue(ctx.clock);
    this.#pvs = ctx.informers.informer(pvsResource);
    const volume = (pv: KubeObject) => {
      if (deleting(pv) && pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) this.#queue.add(objectKey(pv));
    };
    this.#pvs.addEventHandler({ onAdd: volume, onUpdate: (_o, n) => volume(n) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runLoop(this.name, [this.#pvs], this.#queue, (key) => this.#sync(key), this.#log, signal);
  }

  async #sync(key: string): Promise<void> {
    const pv = this.#pvs.lister.getByKey(key);
    if (!pv || !deleting(pv) || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if (isJsonObject(pv.status) && pv.status.phase === 'Bound') return;
    await removeFinalizer(this.#ctx, pvsResource, pv, PV_PROTECTION_FINALIZER);
  }
}
