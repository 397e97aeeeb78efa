/**
 * ConfigMaps, Secrets, Services, PersistentVolumeClaims and PersistentVolumes as the kubelet reads
 * them (upstream's configmap/secret managers in Watch mode): from shared informers, so changes
 * reach configMap/secret volumes as soon as they are watched; while an informer has not synced yet,
 * straight from the API.
 *
 * Not-found errors carry upstream's kubelet wording (`configmap "x" not found`, singular), which is
 * what `kubectl describe` shows in CreateContainerConfigError and FailedMount messages.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import type { InformerFactory } from '../informer/informer-factory.js';
import type { SharedInformer } from '../informer/shared-informer.js';

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

export class ObjectCache {
  readonly #client: Client;
  readonly #informers = new Map<CachedKind, SharedInformer>();

  constructor(client: Client, informers: InformerFactory) {
    this.#client = client;
    for (const kind of Object.keys(KUBELET_RESOURCES) as CachedKind[]) this.#informers.set(kind, informers.informer(KUBELET_RESOURCES[kind]));
  }

  informer(kind: CachedKind): SharedInformer {
    const inf = this.#informers.get(kind);
    if (!inf) throw new Error(`no informer for ${kind}`);
    return inf;
  }

  /** The object, or ObjectNotFoundError. */
  async get(kind: CachedKind, namespace: string | undefined, name: string): Promise<KubeObject> {
    const inf = this.informer(kind);
    if (inf.hasSynced()) {
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

  /** Every cached object of a kind (after sync; before it, a list from the API). */
  async list(kind: CachedKind, namespace?: string): Promise<KubeObject[]> {
    const inf = this.informer(kind);
    if (inf.hasSynced()) return inf.lister.list(namespace);
    return (await this.#client.list(KUBELET_RESOURCES[kind], namespace)).items;
  }
}
