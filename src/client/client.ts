/**
 * The one way components talk to the API (DESIGN.md §1): in the server it is the in-process
 * LocalClient (no sockets, no JSON round trip); in agents it is the HTTP client. Resources are
 * addressed by group/version/resource; errors are ApiErrors with Kubernetes status codes.
 */
import type { KubeList, KubeObject } from '../api/object.js';
import type { ApiError } from '../api/errors.js';

export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface ClientListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

export interface ClientWatchOptions extends Omit<ClientListOptions, 'limit' | 'continue'> {
  readonly allowWatchBookmarks?: boolean;
  readonly signal: AbortSignal;
}

export type ClientWatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject }
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string }
  | { readonly type: 'ERROR'; readonly error: ApiError };

export interface WriteOptions {
  /** Recorded in managedFields. */
  readonly fieldManager?: string;
  readonly dryRun?: boolean;
}

export interface SubresourceCreateOptions {
  /** Recorded in managedFields of the object the action writes (the bound pod). */
  readonly fieldManager?: string;
}

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

export interface ClientDeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

export interface Client {
  get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(ref: ResourceRef, namespace: string | undefined, options?: ClientListOptions): Promise<KubeList>;
  /** Ends when the signal aborts or the server closes the stream (then re-watch from the last resourceVersion). */
  watch(ref: ResourceRef, namespace: string | undefined, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent>;
  create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, options?: WriteOptions & { subresource?: 'status' | 'finalize' | 'ephemeralcontainers' | 'approval' }): Promise<KubeObject>;
  patch(ref: ResourceRef, namespace: string | undefined, name: string, kind: PatchKind, body: unknown, options?: WriteOptions & { subresource?: 'status' | 'ephemeralcontainers'; force?: boolean }): Promise<KubeObject>;
  /** Resolves with the object if deletion is pending (finalizers, grace), undefined if it is gone. */
  delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: ClientDeleteOptions): Promise<KubeObject | undefined>;
  /**
   * POST to a subresource that is an action rather than a stored object: `pods/binding` (the
   * scheduler), `pods/eviction` (drain). Resolves when the action took effect.
   */
  createSubresource(ref: ResourceRef, namespace: string | undefined, name: string, subresource: 'binding' | 'eviction', body: KubeObject, options?: SubresourceCreateOptions): Promise<void>;
  /**
   * TokenRequest: POST serviceaccounts/<name>/token. Resolves with the TokenRequest whose status
   * holds the token and its expiration.
   */
  createToken(namespace: string, serviceAccount: string, request: KubeObject): Promise<KubeObject>;
}

export const resources = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  events: { group: '', version: 'v1', resource: 'events' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  customresourcedefinitions: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
} as const satisfies Record<string, ResourceRef>;
