/**
 * The local-path provisioner (rancher/local-path-provisioner, as k3s ships it), built in:
 * provisions `rancher.io/local-path` claims as hostPath volumes on the node the scheduler chose,
 * and deletes their volumes when released with reclaim policy Delete.
 *
 *  - A claim is ours when the PV controller handed it to us (`volume.kubernetes.io/storage-
 *    provisioner: rancher.io/local-path`), it has no volume yet and a node was selected
 *    (`volume.kubernetes.io/selected-node`); local-path volumes live on one node, so without a
 *    selected node (Immediate binding) provisioning fails with "configuration error, no node was
 *    specified", as local-path-provisioner does.
 *  - The volume is `pvc-<claim uid>`: hostPath `<storage dir>/pvc-<uid>_<namespace>_<name>`
 *    (DirectoryOrCreate: the kubelet creates it at the first mount), node affinity
 *    kubernetes.io/hostname In [node], claimRef to the claim (so the PV controller binds the two),
 *    reclaim policy and mount options from the class, capacity = the request.
 *  - Only ReadWriteOnce / ReadWriteOncePod and Filesystem mode: anything else → Warning
 *    ProvisioningFailed, as local-path answers.
 *  - The volume carries the `lite.dev/local-path-cleanup` finalizer: the kubelet of its node
 *    (src/kubelet/volumes/local-path-cleaner.ts) removes the directory, then the finalizer.
 *  - Deletion: a Released volume provisioned by us with reclaim policy Delete is deleted.
 * Events are those of sig-storage-lib-external-provisioner: Provisioning, ProvisioningSucceeded,
 * ProvisioningFailed.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { newQueue, runReconcileLoop, type Controller, type ControllerContext } from '../framework/controller.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  HOSTNAME_LABEL,
  accessModes,
  claimClass,
  deleting,
  phase,
  pvcsResource,
  pvsResource,
  requestedStorageText,
  spec,
  storageClassesResource,
  volumeMode,
  volumeName,
} from '../persistentvolume/volume-util.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
/** Finalizer on our volumes: removed by the node once the directory is gone. */
export const LOCAL_PATH_CLEANUP_FINALIZER = 'lite.dev/local-path-cleanup';
/** The node a volume lives on (local-path-provisioner's own annotation). */
export const ANN_LOCAL_PATH_NODE = 'local.path.provisioner/selected-node';

export interface LocalPathProvisionerOptions {
  /** Where volumes are created on every node (`--default-local-storage-path`). */
  readonly storagePath: string;
}

/** `<storage dir>/pvc-<uid>_<namespace>_<name>`, local-path's folder name. */
export function localPathFor(storagePath: string, pvc: KubeObject): string {
  return join(storagePath, `pvc-${pvc.metadata.uid ?? ''}_${pvc.metadata.namespace ?? ''}_${pvc.metadata.name ?? ''}`);
}

export class LocalPathProvisioner implements Controller {
  readonly name = 'local-path-provisioner';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #storagePath: string;
  readonly #pvs: SharedInformer;
  readonly #pvcs: SharedInformer;
  readonly #classes: SharedInformer;
  readonly #claims: WorkQueue<string>;
  readonly #volumes: WorkQueue<string>;

  constructor(ctx: ControllerContext, options: LocalPathProvisionerOptions) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder(LOCAL_PATH_PROVISIONER);
    this.#storagePath = options.storagePath;
    this.#claims = newQueue(ctx.clock);
    this.#volumes = newQueue(ctx.clock);
    this.#pvs = ctx.informers.informer(pvsResource);
    this.#pvcs = ctx.informers.informer(pvcsResource);
    this.#classes = ctx.informers.informer(storageClassesResource);
    const claim = (pvc: KubeObject) => {
      if (this.#isOurs(pvc)) this.#claims.add(objectKey(pvc));
    };
    this.#pvcs.addEventHandler({ onAdd: claim, onUpdate: (_o, n) => claim(n) });
    const volume = (pv: KubeObject) => {
      if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === LOCAL_PATH_PROVISIONER) this.#volumes.add(objectKey(pv));
    };
    this.#pvs.addEventHandler({ onAdd: volume, onUpdate: (_o, n) => volume(n) });
  }

  #isOurs(pvc: KubeObject): boolean {
    const a = pvc.metadata.annotations ?? {};
    return (a[ANN_STORAGE_PROVISIONER] ?? a[ANN_BETA_STORAGE_PROVISIONER]) === LOCAL_PATH_PROVISIONER;
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#pvs, this.#pvcs, this.#classes].map((i) => i.waitForSync(signal)));
    if (signal.aborted) return;
    const local = new AbortController();
    const stop = () => local.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all([
        runReconcileLoop({ name: `${this.name}-claims`, queue: this.#claims, reconcile: (key) => this.#syncClaim(key), logger: this.#log }, local.signal),
        runReconcileLoop({ name: `${this.name}-volumes`, queue: this.#volumes, reconcile: (key) => this.#syncVolume(key), logger: this.#log }, local.signal),
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  async #syncClaim(key: string): Promise<void> {
    const pvc = this.#pvcs.lister.getByKey(key);
    if (!pvc || deleting(pvc) || !this.#isOurs(pvc) || volumeName(pvc) !== '' || phase(pvc) === 'Bound') return;
    const pvName = `pvc-${pvc.metadata.uid ?? ''}`;
    if (this.#pvs.lister.get(undefined, pvName)) return;
    const clsName = claimClass(pvc);
    const sc = this.#classes.lister.get(undefined, clsName);
    const fail = (message: string) => this.#recorder.event(pvc, 'Warning', 'ProvisioningFailed', message);
    if (!sc) {
      fail(`storageclass.storage.k8s.io "${clsName}" not found`);
      return;
    }
    if (sc.provisioner !== LOCAL_PATH_PROVISIONER) return;
    const modes = accessModes(pvc);
    if (modes.some((m) => m !== 'ReadWriteOnce' && m !== 'ReadWriteOncePod')) {
      fail(`failed to provision volume with StorageClass "${clsName}": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes`);
      return;
    }
    if (volumeMode(pvc) === 'Block') {
      fail(`${LOCAL_PATH_PROVISIONER} does not support block volume provisioning`);
      return;
    }
    const node = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
    if (!node) {
      fail(`failed to provision volume with StorageClass "${clsName}": configuration error, no node was specified`);
      return;
    }
    this.#recorder.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const reclaim = typeof sc.reclaimPolicy === 'string' ? sc.reclaimPolicy : 'Delete';
    const pv: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: pvName,
        annotations: { [ANN_DYNAMICALLY_PROVISIONED]: LOCAL_PATH_PROVISIONER, [ANN_LOCAL_PATH_NODE]: node },
        finalizers: [LOCAL_PATH_CLEANUP_FINALIZER],
      },
      spec: {
        capacity: { storage: requestedStorageText(pvc) },
        accessModes: modes,
        persistentVolumeReclaimPolicy: reclaim,
        storageClassName: clsName,
        volumeMode: 'Filesystem',
        ...(Array.isArray(sc.mountOptions) ? { mountOptions: sc.mountOptions } : {}),
        claimRef: { kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace ?? '', name: pvc.metadata.name ?? '', uid: pvc.metadata.uid ?? '', apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion ?? '' },
        hostPath: { path: localPathFor(this.#storagePath, pvc), type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }] }] } },
      },
    };
    try {
      await this.#ctx.client.create(pvsResource, undefined, pv);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) return;
      fail(`failed to provision volume with StorageClass "${clsName}": ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    this.#recorder.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  async #syncVolume(name: string): Promise<void> {
    const pv = this.#pvs.lister.get(undefined, name);
    if (!pv || deleting(pv)) return;
    if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] !== LOCAL_PATH_PROVISIONER) return;
    if (phase(pv) !== 'Released' || spec(pv).persistentVolumeReclaimPolicy !== 'Delete') return;
    this.#log.debug({ pv: name }, 'deleting released volume');
    try {
      await this.#ctx.client.delete(pvsResource, undefined, name, { preconditions: { uid: pv.metadata.uid } });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      this.#recorder.event(pv, 'Warning', 'VolumeFailedDelete', e instanceof Error ? e.message : String(e));
      throw e;
    }
  }
}
