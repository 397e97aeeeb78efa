/**
 * The PersistentVolume binder (upstream pkg/controller/volume/persistentvolume, "persistentvolume-
 * binder-controller"): two level-based loops, one over claims and one over volumes.
 *
 * Claims (syncClaim):
 *  - unbound (no bind-completed annotation) and no spec.volumeName: the smallest matching
 *    Available volume is bound (findBestMatchForClaim). Without one: a WaitForFirstConsumer class
 *    whose claim has no selected node → `WaitForFirstConsumer` event; a class with a provisioner →
 *    `volume.kubernetes.io/storage-provisioner` (and the beta annotation) set, `ExternalProvisioning`
 *    event; a claim without a class gets the default class retroactively, else `FailedBinding`.
 *    The claim stays Pending.
 *  - unbound with spec.volumeName (pre-bound by the user or the scheduler): bound to that volume
 *    if it is free or already points back.
 *  - bound: kept Bound, or Lost when its volume is gone or belongs to another claim.
 * Binding is four writes in upstream's order: PV claimRef (+bound-by-controller), PV phase Bound,
 * PVC volumeName (+bind-completed, bound-by-controller), PVC status (Bound, capacity, access modes).
 *
 * Volumes (syncVolume): no claimRef → Available; claim gone (or recreated with another uid) →
 * Released, then the reclaim policy: Retain keeps it; Delete of a dynamically provisioned volume
 * is the provisioner's (it deletes the PV); Delete or Recycle of anything else → Failed, as
 * upstream without a deleter/recycler plugin. A volume bound by the controller to a claim that
 * bound another volume is unbound.
 *
 * The controller's own writes are remembered (newest resourceVersion wins over the informer's
 * copy), as upstream's storeObjectUpdate, so a reconcile right after a write sees it.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { newQueue, runReconcileLoop, type Controller, type ControllerContext } from '../framework/controller.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  claimHasNoClass,
  claimRefOf,
  defaultStorageClass,
  deleting,
  findBestMatchForClaim,
  isVolumeBoundToClaim,
  isWaitForFirstConsumer,
  phase,
  provisionerOf,
  pvcsResource,
  pvsResource,
  spec,
  status,
  storageClassesResource,
  volumeName,
} from './volume-util.js';

export class PersistentVolumeController implements Controller {
  readonly name = 'persistentvolume-binder-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #pvs: SharedInformer;
  readonly #pvcs: SharedInformer;
  readonly #classes: SharedInformer;
  readonly #claimQueue: WorkQueue<string>;
  readonly #volumeQueue: WorkQueue<string>;
  /** Our latest writes, by kind and key (storeObjectUpdate). */
  readonly #written = new Map<string, KubeObject>();

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder('persistentvolume-controller');
    this.#claimQueue = newQueue(ctx.clock);
    this.#volumeQueue = newQueue(ctx.clock);
    this.#pvs = ctx.informers.informer(pvsResource);
    this.#pvcs = ctx.informers.informer(pvcsResource);
    this.#classes = ctx.informers.informer(storageClassesResource);
    const onVolume = (pv: KubeObject) => {
      this.#volumeQueue.add(objectKey(pv));
      const ref = claimRefOf(pv);
      if (ref) this.#claimQueue.add(`${ref.namespace}/${ref.name}`);
    };
    this.#pvs.addEventHandler({
      onAdd: onVolume,
      onUpdate: (_o, n) => onVolume(n),
      onDelete: (pv) => {
        this.#written.delete(`pv/${objectKey(pv)}`);
        onVolume(pv);
      },
    });
    const onClaim = (pvc: KubeObject) => {
      this.#claimQueue.add(objectKey(pvc));
      const vn = volumeName(pvc);
      if (vn) this.#volumeQueue.add(vn);
    };
    this.#pvcs.addEventHandler({
      onAdd: onClaim,
      onUpdate: (_o, n) => onClaim(n),
      onDelete: (pvc) => {
        this.#written.delete(`pvc/${objectKey(pvc)}`);
        // Volumes bound to it are released.
        for (const pv of this.#pvs.lister.list()) if (isVolumeBoundToClaim(pv, pvc)) this.#volumeQueue.add(objectKey(pv));
      },
    });
    // A new (default) class may unblock pending claims.
    const onClass = () => {
      for (const pvc of this.#pvcs.lister.list()) if (phase(pvc) !== 'Bound') this.#claimQueue.add(objectKey(pvc));
    };
    this.#classes.addEventHandler({ onAdd: onClass, onUpdate: onClass });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#pvs, this.#pvcs, this.#classes].map((i) => i.waitForSync(signal)));
    if (signal.aborted) return;
    const local = new AbortController();
    const stop = () => local.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all([
        runReconcileLoop({ name: `${this.name}-claims`, queue: this.#claimQueue, reconcile: (key) => this.#syncClaimKey(key), logger: this.#log }, local.signal),
        runReconcileLoop({ name: `${this.name}-volumes`, queue: this.#volumeQueue, reconcile: (key) => this.#syncVolumeKey(key), logger: this.#log }, local.signal),
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  // ---- caches with our own writes ----

  #fresh(kind: 'pv' | 'pvc', cached: KubeObject | undefined): KubeObject | undefined {
    if (!cached) return undefined;
    const mine = this.#written.get(`${kind}/${objectKey(cached)}`);
    if (mine && mine.metadata.uid === cached.metadata.uid && Number(mine.metadata.resourceVersion) > Number(cached.metadata.resourceVersion)) return mine;
    return cached;
  }

  #volume(name: string): KubeObject | undefined {
    return this.#fresh('pv', this.#pvs.lister.get(undefined, name));
  }

  #claim(namespace: string, name: string): KubeObject | undefined {
    return this.#fresh('pvc', this.#pvcs.lister.get(namespace, name));
  }

  #volumes(): KubeObject[] {
    return this.#pvs.lister.list().map((pv) => this.#fresh('pv', pv) ?? pv);
  }

  #class(name: string): KubeObject | undefined {
    return name === '' ? undefined : this.#classes.lister.get(undefined, name);
  }

  async #write(kind: 'pv' | 'pvc', obj: KubeObject, subresource?: 'status'): Promise<KubeObject> {
    const ref = kind === 'pv' ? pvsResource : pvcsResource;
    const out = await this.#ctx.client.update(ref, obj.metadata.namespace, obj, subresource ? { subresource } : {});
    this.#written.set(`${kind}/${objectKey(out)}`, out);
    return out;
  }

  // ---- claims ----

  async #syncClaimKey(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const claim = this.#claim(key.slice(0, slash), key.slice(slash + 1));
    if (!claim || deleting(claim)) return;
    if (claim.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) await this.#syncUnboundClaim(claim);
    else await this.#syncBoundClaim(claim);
  }

  async #syncUnboundClaim(claim: KubeObject): Promise<void> {
    const vn = volumeName(claim);
    if (vn === '') {
      const cls = claimClass(claim);
      const sc = this.#class(cls);
      const delayBinding = isWaitForFirstConsumer(sc) && claim.metadata.annotations?.[ANN_SELECTED_NODE] === undefined;
      const volume = findBestMatchForClaim(claim, this.#volumes(), { delayBinding });
      if (volume) {
        await this.#bind(volume, claim);
        return;
      }
      let current = claim;
      if (delayBinding) {
        this.#recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      } else if (cls !== '') {
        current = await this.#provisionClaim(claim, cls, sc);
      } else if (claimHasNoClass(claim)) {
        // RetroactiveDefaultStorageClass: a claim without a class gets today's default.
        const def = defaultStorageClass(this.#classes.lister.list());
        if (def) {
          await this.#write('pvc', { ...claim, spec: { ...spec(claim), storageClassName: def.metadata.name ?? '' } });
          return;
        }
        this.#recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      } else {
        this.#recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      await this.#claimStatus(current, 'Pending', undefined);
      return;
    }
    // Pre-bound to a volume by name.
    const volume = this.#volume(vn);
    if (!volume) {
      await this.#claimStatus(claim, 'Pending', undefined);
      return;
    }
    const ref = claimRefOf(volume);
    if (ref === undefined || isVolumeBoundToClaim(volume, claim)) {
      await this.#bind(volume, claim);
      return;
    }
    // The volume belongs to someone else: nothing to do until it is released.
    if (claim.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) {
      this.#recorder.event(claim, 'Warning', 'FailedBinding', 'volume already bound to a different claim.');
    }
    await this.#claimStatus(claim, 'Pending', undefined);
  }

  /** provisionClaim for an out-of-tree provisioner: hand the claim to it by annotation. */
  async #provisionClaim(claim: KubeObject, cls: string, sc: KubeObject | undefined): Promise<KubeObject> {
    if (!sc) {
      this.#recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
      return claim;
    }
    const provisioner = provisionerOf(sc);
    if (provisioner === '' || provisioner === 'kubernetes.io/no-provisioner') {
      this.#recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return claim;
    }
    const a = claim.metadata.annotations ?? {};
    let current = claim;
    if (a[ANN_STORAGE_PROVISIONER] !== provisioner || a[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      current = await this.#write('pvc', { ...claim, metadata: { ...claim.metadata, annotations: { ...a, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } });
    }
    this.#recorder.event(current, 'Normal', 'ExternalProvisioning', `waiting for a volume to be created, either by external provisioner "${provisioner}" or manually created by system administrator`);
    return current;
  }

  async #syncBoundClaim(claim: KubeObject): Promise<void> {
    const vn = volumeName(claim);
    if (vn === '') {
      await this.#claimLost(claim, 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const volume = this.#volume(vn);
    if (!volume) {
      await this.#claimLost(claim, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (claimRefOf(volume) === undefined || isVolumeBoundToClaim(volume, claim)) {
      await this.#bind(volume, claim);
      return;
    }
    await this.#claimLost(claim, 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  async #claimLost(claim: KubeObject, message: string): Promise<void> {
    if (phase(claim) === 'Lost') return;
    await this.#claimStatus(claim, 'Lost', undefined);
    this.#recorder.event(claim, 'Warning', 'ClaimLost', message);
  }

  async #claimStatus(claim: KubeObject, ph: string, volume: KubeObject | undefined): Promise<KubeObject> {
    const st = status(claim);
    const next: JsonObject = { ...st, phase: ph };
    if (volume) {
      const vs = spec(volume);
      if (vs.accessModes !== undefined) next.accessModes = vs.accessModes;
      if (vs.capacity !== undefined) next.capacity = vs.capacity;
    } else if (ph !== 'Bound' && ph !== 'Lost') {
      delete next.accessModes;
      delete next.capacity;
    }
    if (JSON.stringify(next) === JSON.stringify(st)) return claim;
    return this.#write('pvc', { ...claim, status: next }, 'status');
  }

  /** bind: the four writes (each skipped when already done). */
  async #bind(volume: KubeObject, claim: KubeObject): Promise<void> {
    let pv = volume;
    const ref = claimRefOf(pv);
    if (!ref || ref.uid !== claim.metadata.uid || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) {
      const annotations = { ...pv.metadata.annotations };
      if (!ref) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      pv = await this.#write('pv', {
        ...pv,
        metadata: { ...pv.metadata, annotations },
        spec: {
          ...spec(pv),
          claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace ?? '', name: claim.metadata.name ?? '', uid: claim.metadata.uid ?? '', apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion ?? '' },
        },
      });
    }
    pv = await this.#volumePhase(pv, 'Bound', '');
    let pvc = claim;
    const a = pvc.metadata.annotations ?? {};
    if (volumeName(pvc) !== (pv.metadata.name ?? '') || a[ANN_BIND_COMPLETED] !== 'yes') {
      const annotations: Record<string, string> = { ...a, [ANN_BIND_COMPLETED]: 'yes' };
      if (volumeName(pvc) === '') annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      pvc = await this.#write('pvc', { ...pvc, metadata: { ...pvc.metadata, annotations }, spec: { ...spec(pvc), volumeName: pv.metadata.name ?? '' } });
    }
    await this.#claimStatus(pvc, 'Bound', pv);
  }

  // ---- volumes ----

  async #volumePhase(pv: KubeObject, ph: string, message: string): Promise<KubeObject> {
    const st = status(pv);
    if (st.phase === ph && (message === '' || st.message === message)) return pv;
    const next: JsonObject = { ...st, phase: ph, lastPhaseTransitionTime: rfc3339(this.#ctx.clock.now()) };
    if (message !== '') next.message = message;
    else delete next.message;
    delete next.reason;
    return this.#write('pv', { ...pv, status: next }, 'status');
  }

  async #syncVolumeKey(name: string): Promise<void> {
    const volume = this.#volume(name);
    if (!volume) return;
    const ref = claimRefOf(volume);
    if (!ref) {
      if (phase(volume) !== 'Available' && !deleting(volume)) await this.#volumePhase(volume, 'Available', '');
      return;
    }
    if (ref.uid === '') {
      // Pre-bound by the user to a claim that does not exist yet: Available until it binds.
      if (phase(volume) !== 'Available' && phase(volume) !== 'Bound') await this.#volumePhase(volume, 'Available', '');
      return;
    }
    let claim = this.#claim(ref.namespace, ref.name);
    if (!claim) {
      // The cache may lag: ask the API before releasing.
      try {
        claim = await this.#ctx.client.get(pvcsResource, ref.namespace, ref.name);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
    if (!claim) {
      let pv = volume;
      if (phase(pv) !== 'Released' && phase(pv) !== 'Failed') pv = await this.#volumePhase(pv, 'Released', '');
      await this.#reclaim(pv);
      return;
    }
    const vn = volumeName(claim);
    if (vn === '') {
      // Being bound (by us or the scheduler) or pre-bound by the user: the claim's sync binds it.
      if (volume.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined && phase(volume) !== 'Available' && phase(volume) !== 'Bound') await this.#volumePhase(volume, 'Available', '');
      this.#claimQueue.add(`${ref.namespace}/${ref.name}`);
      return;
    }
    if (vn === name) {
      if (phase(volume) !== 'Bound') await this.#volumePhase(volume, 'Bound', '');
      return;
    }
    // The claim bound another volume.
    const a = volume.metadata.annotations ?? {};
    if (a[ANN_DYNAMICALLY_PROVISIONED] !== undefined && spec(volume).persistentVolumeReclaimPolicy === 'Delete') {
      let pv = volume;
      if (phase(pv) !== 'Released' && phase(pv) !== 'Failed') pv = await this.#volumePhase(pv, 'Released', '');
      await this.#reclaim(pv);
    } else if (a[ANN_BOUND_BY_CONTROLLER] !== undefined) {
      const annotations = { ...a };
      delete annotations[ANN_BOUND_BY_CONTROLLER];
      const s = { ...spec(volume) };
      delete s.claimRef;
      const pv = await this.#write('pv', { ...volume, metadata: { ...volume.metadata, annotations }, spec: s });
      await this.#volumePhase(pv, 'Available', '');
    }
  }

  /** reclaimVolume. */
  async #reclaim(pv: KubeObject): Promise<void> {
    if (deleting(pv) || phase(pv) === 'Failed') return;
    const policy = spec(pv).persistentVolumeReclaimPolicy;
    if (policy === 'Retain' || policy === undefined) return;
    const provisioner = pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
    if (policy === 'Delete') {
      // Out-of-tree provisioners delete their volumes themselves (the local-path provisioner does).
      if (provisioner !== undefined && provisioner !== '') return;
      const message = `error getting deleter volume plugin for volume "${pv.metadata.name ?? ''}": no deletable volume plugin matched`;
      await this.#volumePhase(pv, 'Failed', message);
      this.#recorder.event(pv, 'Warning', 'VolumeFailedDelete', message);
      return;
    }
    if (policy === 'Recycle') {
      await this.#volumePhase(pv, 'Failed', 'No recycler plugin found for the volume!');
      this.#recorder.event(pv, 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
    }
  }
}
