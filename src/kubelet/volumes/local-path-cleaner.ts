/**
 * The node's half of local-path volume deletion (what local-path-provisioner's helper pod does):
 * a volume provisioned by `rancher.io/local-path` carries the `lite.dev/local-path-cleanup`
 * finalizer; once it is being deleted, the kubelet of the node it lives on removes its directory
 * and then the finalizer.
 *
 * Safety: a directory is removed only when the volume's hostPath is a direct child of this node's
 * storage dir named as the provisioner names them (`pvc-<uid>_<namespace>_<name>`), after
 * resolving `..` and symbolic links of the parents. A volume whose path fails the check keeps its
 * directory (warning event `VolumeFailedDelete`), and its finalizer is removed all the same so
 * the object does not hang. Simulated nodes (no `storagePath`) remove the finalizer only.
 */
import { realpath, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import { newQueue, runReconcileLoop } from '../../controllers/framework/controller.js';
import { ANN_LOCAL_PATH_NODE, LOCAL_PATH_CLEANUP_FINALIZER } from '../../controllers/local-path-provisioner/local-path-provisioner.js';
import { deleting, HOSTNAME_LABEL, pvsResource, spec } from '../../controllers/persistentvolume/volume-util.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { InformerFactory } from '../../informer/informer-factory.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import type { Clock } from '../../util/clock.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';

export interface LocalPathCleanerConfig {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether a volume pinned to this node is ours to clean. */
  readonly ownsNode: (nodeName: string) => boolean;
  /** The node's local-path storage dir; absent: no directories (simulated nodes). */
  readonly storagePath?: string;
  readonly recorder?: EventRecorder;
}

/** The node a local-path volume lives on: our annotation, else its hostname node affinity. */
export function localPathVolumeNode(pv: KubeObject): string | undefined {
  const a = pv.metadata.annotations?.[ANN_LOCAL_PATH_NODE];
  if (a) return a;
  const na = spec(pv).nodeAffinity;
  const terms = isJsonObject(na) && isJsonObject(na.required) && Array.isArray(na.required.nodeSelectorTerms) ? na.required.nodeSelectorTerms : [];
  for (const t of terms) {
    const exprs = isJsonObject(t) && Array.isArray(t.matchExpressions) ? t.matchExpressions : [];
    for (const e of exprs) {
      if (isJsonObject(e) && e.key === HOSTNAME_LABEL && e.operator === 'In' && Array.isArray(e.values) && typeof e.values[0] === 'string') return e.values[0];
    }
  }
  return undefined;
}

const DIR_NAME = /^pvc-[0-9a-fA-F-]+_[a-z0-9]([-a-z0-9]*[a-z0-9])?_[^/\\]+$/;

/**
 * The directory to remove, if `path` is one the provisioner made under `storagePath`; undefined
 * otherwise. Parents are resolved through symbolic links (the directory itself is removed as a
 * link, never followed, by rm).
 */
export async function safeVolumeDir(storagePath: string, path: string): Promise<string | undefined> {
  if (!isAbsolute(path) || !isAbsolute(storagePath)) return undefined;
  const target = resolve(path);
  if (target !== path.replace(/\/+$/, '')) return undefined;
  const name = basename(target);
  if (!DIR_NAME.test(name) || name.includes('..')) return undefined;
  let root: string;
  let parent: string;
  try {
    root = await realpath(storagePath);
    parent = await realpath(dirname(target));
  } catch {
    return undefined;
  }
  if (parent !== root) return undefined;
  return resolve(root, name);
}

export class LocalPathCleaner {
  readonly #c: LocalPathCleanerConfig;
  readonly #log: Logger;
  readonly #pvs: SharedInformer;
  readonly #queue: WorkQueue<string>;

  constructor(config: LocalPathCleanerConfig) {
    this.#c = config;
    this.#log = config.logger.child({ component: 'local-path-cleaner' });
    this.#queue = newQueue(config.clock);
    this.#pvs = config.informers.informer(pvsResource);
    const pv = (v: KubeObject) => {
      if (this.#isOurs(v)) this.#queue.add(objectKey(v));
    };
    this.#pvs.addEventHandler({ onAdd: pv, onUpdate: (_o, n) => pv(n) });
  }

  #isOurs(pv: KubeObject): boolean {
    if (!deleting(pv) || !pv.metadata.finalizers?.includes(LOCAL_PATH_CLEANUP_FINALIZER)) return false;
    const node = localPathVolumeNode(pv);
    return node !== undefined && this.#c.ownsNode(node);
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#pvs.waitForSync(signal);
    if (signal.aborted) return;
    await runReconcileLoop({ name: 'local-path-cleaner', queue: this.#queue, reconcile: (key) => this.#sync(key), logger: this.#log }, signal);
  }

  async #sync(key: string): Promise<void> {
    const pv = this.#pvs.lister.getByKey(key);
    if (!pv || !this.#isOurs(pv)) return;
    const storagePath = this.#c.storagePath;
    if (storagePath !== undefined) {
      const hp = spec(pv).hostPath;
      const path = isJsonObject(hp) && typeof hp.path === 'string' ? hp.path : '';
      const dir = await safeVolumeDir(storagePath, path);
      if (dir === undefined) {
        const message = `not removing ${JSON.stringify(path)}: it is not a local-path volume directory under ${storagePath}`;
        this.#log.warn({ pv: key }, message);
        this.#c.recorder?.event(pv, 'Warning', 'VolumeFailedDelete', message);
      } else {
        await rm(dir, { recursive: true, force: true });
        this.#log.info({ pv: key, dir }, 'removed local-path volume directory');
      }
    }
    const finalizers = (pv.metadata.finalizers ?? []).filter((f) => f !== LOCAL_PATH_CLEANUP_FINALIZER);
    try {
      await this.#c.client.update(pvsResource, undefined, { ...pv, metadata: { ...pv.metadata, finalizers } });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
