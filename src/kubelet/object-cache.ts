/**
 * ConfigMaps, Secrets, Services, PersistentVolumeClaims and PersistentVolumes as the kubelet reads
 * them. Secrets and ConfigMaps as upstream's configmap/secret managers in Watch mode: one watch
 * per object a pod on this node uses (`metadata.name=<name>` in its namespace, all the Node
 * authorizer lets a kubelet read), started when the first pod needing it is tracked and stopped
 * with the last; their changes are reported to `onChange`, so configMap/secret volumes follow at
 * once. Services, claims and volumes from shared informers. Until a watch has synced, reads go
 * straight to the API.
 *
 * Not-found errors carry upstream's kubelet wording (`configmap "x" not found`, singular), which is
 * what `kubectl describe` shows in CreateContainerConfigError and FailedMount messages.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Logger } from 'pino';
import { podReferences } from '../api/pod-references.js';
import type { Client, ResourceRef } from '../client/client.js';
import type { InformerFactory } from '../informer/informer-factory.js';
import { SharedInformer } from '../informer/shared-informer.js';
import type { Clock } from '../util/clock.js';

export const KUBELET_RESOURCES = {
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  services: { group: '', version: 'v1', resource: 'services' },
  persistentvolumeclaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  persistentvolumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
} as const satisfies Record<string, ResourceRef>;

export type CachedKind = keyof typeof KUBELET_RESOURCES;

const SINGULAR: Readonly<Record<CachedKind, string>> = {
  configmaps: 'configmap',
  secrets: 'secret',
  services: 'service',
  persistentvolumeclaims: 'persistentvolumeclaim',
  persistentvolumes: 'persistentvolume',
};

/** An object the kubelet needs does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(
    readonly kind: CachedKind,
    readonly objectName: string,
  ) {
    super(`${SINGULAR[kind]} "${objectName}" not found`);
    this.name = 'ObjectNotFoundError';
  }
}

/** Kinds read one object at a time (per-object watches); the others come from shared informers. */
export type WatchedKind = 'configmaps' | 'secrets';
type SharedKind = Exclude<CachedKind, WatchedKind>;

interface ObjectWatch {
  readonly informer: SharedInformer;
  readonly stop: AbortController;
  /** Uids of the pods that use the object. */
  readonly pods: Set<string>;
}

export interface ObjectCacheOptions {
  readonly clock: Clock;
  readonly logger: Logger;
}

export class ObjectCache {
  readonly #client: Client;
  readonly #options: ObjectCacheOptions;
  readonly #informers = new Map<SharedKind, SharedInformer>();
  /** Per-object watches by `<kind>/<namespace>/<name>`. */
  readonly #watches = new Map<string, ObjectWatch>();
  /** The watch keys each tracked pod holds. */
  readonly #podKeys = new Map<string, Set<string>>();
  readonly #handlers = new Set<(kind: WatchedKind, obj: KubeObject) => void>();
  #signal: AbortSignal | undefined;

  constructor(client: Client, informers: InformerFactory, options: ObjectCacheOptions) {
    this.#client = client;
    this.#options = options;
    for (const kind of ['services', 'persistentvolumeclaims', 'persistentvolumes'] as const) this.#informers.set(kind, informers.informer(KUBELET_RESOURCES[kind]));
  }

  /** Runs the per-object watches (those tracked before and after) until the signal aborts. */
  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const w of this.#watches.values()) this.#run(w);
  }

  /** Called with a Secret or ConfigMap a tracked pod uses whenever it is added, changed or deleted. */
  onChange(handler: (kind: WatchedKind, obj: KubeObject) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Watches what the pod uses (and stops watching what its previous version used and nobody else does). */
  track(podUid: string, pod: KubeObject): void {
    const namespace = pod.metadata.namespace ?? '';
    const refs = podReferences(pod);
    const keys = new Set<string>([...[...refs.configMaps].map((n) => watchKey('configmaps', namespace, n)), ...[...refs.secrets].map((n) => watchKey('secrets', namespace, n))]);
    const before = this.#podKeys.get(podUid);
    for (const key of keys) {
      if (before?.has(key)) continue;
      let w = this.#watches.get(key);
      if (!w) {
        w = this.#newWatch(...splitWatchKey(key));
        this.#watches.set(key, w);
        if (this.#signal) this.#run(w);
      }
      w.pods.add(podUid);
    }
    for (const key of before ?? []) if (!keys.has(key)) this.#drop(key, podUid);
    this.#podKeys.set(podUid, keys);
  }

  /** The pod is gone: its objects are no longer watched for it. */
  release(podUid: string): void {
    for (const key of this.#podKeys.get(podUid) ?? []) this.#drop(key, podUid);
    this.#podKeys.delete(podUid);
  }

  /** How many objects are watched one by one (for tests and metrics). */
  get watchedObjects(): number {
    return this.#watches.size;
  }

  informer(kind: SharedKind): SharedInformer {
    const inf = this.#informers.get(kind);
    if (!inf) throw new Error(`no informer for ${kind}`);
    return inf;
  }

  /** The object, or ObjectNotFoundError. */
  async get(kind: CachedKind, namespace: string | undefined, name: string): Promise<KubeObject> {
    const inf = kind === 'configmaps' || kind === 'secrets' ? this.#watches.get(watchKey(kind, namespace ?? '', name))?.informer : this.informer(kind);
    if (inf?.hasSynced()) {
      const obj = inf.lister.get(namespace, name);
      if (!obj) throw new ObjectNotFoundError(kind, name);
      return obj;
    }
    try {
      return await this.#client.get(KUBELET_RESOURCES[kind], namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) throw new ObjectNotFoundError(kind, name);
      throw e;
    }
  }

  /** Every cached object of a shared kind (after sync; before it, a list from the API). */
  async list(kind: SharedKind, namespace?: string): Promise<KubeObject[]> {
    const inf = this.informer(kind);
    if (inf.hasSynced()) return inf.lister.list(namespace);
    return (await this.#client.list(KUBELET_RESOURCES[kind], namespace)).items;
  }

  #newWatch(kind: WatchedKind, namespace: string, name: string): ObjectWatch {
    const informer = new SharedInformer({
      client: this.#client,
      resource: KUBELET_RESOURCES[kind],
      clock: this.#options.clock,
      logger: this.#options.logger,
      namespace,
      fieldSelector: `metadata.name=${name}`,
    });
    const notify = (obj: KubeObject) => {
      for (const h of this.#handlers) h(kind, obj);
    };
    informer.addEventHandler({ onAdd: notify, onUpdate: (_o, n) => notify(n), onDelete: notify });
    return { informer, stop: new AbortController(), pods: new Set() };
  }

  #run(w: ObjectWatch): void {
    const signal = this.#signal;
    if (!signal || w.stop.signal.aborted) return;
    const both = AbortSignal.any([signal, w.stop.signal]);
    w.informer.run(both).catch((e: unknown) => this.#options.logger.warn({ err: e }, 'object watch stopped with an error'));
  }

  #drop(key: string, podUid: string): void {
    const w = this.#watches.get(key);
    if (!w) return;
    w.pods.delete(podUid);
    if (w.pods.size > 0) return;
    w.stop.abort();
    this.#watches.delete(key);
  }
}

function watchKey(kind: WatchedKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function splitWatchKey(key: string): [WatchedKind, string, string] {
  const [kind, namespace, ...rest] = key.split('/');
  return [kind as WatchedKind, namespace ?? '', rest.join('/')];
}
