import { ApiError } from '../api/errors.js';
import { deepCopy, type KubeList, type KubeObject } from '../api/object.js';
import type { FieldLabelRule } from '../api/resource.js';
import type { RequestContext, UserInfo } from '../registry/context.js';
import { bindPod, evictPod, type PodOperationDeps } from '../registry/pod-operations.js';
import type { Registry } from '../registry/registry.js';
import type { FieldMatcher, LabelMatcher } from '../registry/resource-store.js';
import type { ServedResource } from '../registry/served-resource.js';
import type { Client, ClientDeleteOptions, ClientListOptions, ClientWatchEvent, ClientWatchOptions, PatchKind, ResourceRef, SubresourceCreateOptions, WriteOptions } from './client.js';

export interface LocalClientConfig {
  readonly registry: Registry;
  /** Identity recorded for writes (the control plane). */
  readonly user: UserInfo;
  /** Default field manager (the component name, e.g. `namespace-controller`). */
  readonly fieldManager: string;
  /** Binding and eviction (the actions behind pods/binding and pods/eviction). */
  readonly podOperations: PodOperationDeps;
  /** TokenRequest (serviceaccounts/token); absent: the API issues no tokens (404, as upstream without a signing key). */
  readonly tokens?: { create(namespace: string, name: string, body: KubeObject, warnings?: string[]): Promise<KubeObject> };
  readonly selectors: {
    label(s: string): LabelMatcher;
    field(s: string, rule: FieldLabelRule | undefined, namespaced: boolean): FieldMatcher;
  };
}

/**
 * The in-process Client: calls the registry directly with the control plane's identity.
 * Objects it returns are private copies, as over HTTP.
 */
export class LocalClient implements Client {
  readonly #config: LocalClientConfig;

  constructor(config: LocalClientConfig) {
    this.#config = config;
  }

  /** The same client writing under another field manager. */
  withFieldManager(fieldManager: string): LocalClient {
    return new LocalClient({ ...this.#config, fieldManager });
  }

  /** The same client acting as another user (the embedded agent acts as `system:node:<name>`). */
  withUser(user: UserInfo, fieldManager: string): LocalClient {
    return new LocalClient({ ...this.#config, user, fieldManager });
  }

  #resource(ref: ResourceRef): ServedResource {
    const r = this.#config.registry.get(ref.group, ref.version, ref.resource);
    if (!r) throw ApiError.pathNotFound(`the server could not find the requested resource (${ref.resource}.${ref.group || 'core'}/${ref.version})`);
    return r;
  }

  #ctx(options?: WriteOptions): RequestContext {
    return { user: this.#config.user, fieldManager: options?.fieldManager ?? this.#config.fieldManager, dryRun: options?.dryRun, fieldValidation: 'Ignore', warnings: [] };
  }

  #selectors(r: ServedResource, o: { labelSelector?: string; fieldSelector?: string } | undefined) {
    const out: { labelSelector?: LabelMatcher; fieldSelector?: FieldMatcher } = {};
    if (o?.labelSelector) out.labelSelector = this.#config.selectors.label(o.labelSelector);
    if (o?.fieldSelector) out.fieldSelector = this.#config.selectors.field(o.fieldSelector, r.def.strategy.fieldLabelRule, r.def.namespaced);
    return out;
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.#resource(ref).get(namespace, name);
  }

  list(ref: ResourceRef, namespace: string | undefined, options?: ClientListOptions): Promise<KubeList> {
    const r = this.#resource(ref);
    return r.list(namespace, { ...this.#selectors(r, options), limit: options?.limit, continueToken: options?.continue, resourceVersion: options?.resourceVersion });
  }

  async *watch(ref: ResourceRef, namespace: string | undefined, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent> {
    const r = this.#resource(ref);
    for await (const ev of r.watch(namespace, { ...this.#selectors(r, options), resourceVersion: options.resourceVersion, allowWatchBookmarks: options.allowWatchBookmarks, signal: options.signal })) {
      if (ev.type === 'BOOKMARK') yield { type: 'BOOKMARK', resourceVersion: ev.resourceVersion };
      else yield ev;
    }
  }

  async create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    const r = this.#resource(ref);
    if (r.def.virtual) {
      // Create-only kinds are actions, never stored; the older `bindings` collection is binding.
      if (r.def.group === '' && r.def.plural === 'bindings') {
        await bindPod(this.#config.podOperations, this.#ctx(options), namespace, obj.metadata.name ?? '', deepCopy(obj));
        return obj;
      }
      throw ApiError.methodNotAllowed(`${r.def.plural}.${r.def.group} cannot be created through the in-process client`);
    }
    return r.create(namespace, deepCopy(obj), this.#ctx(options));
  }

  async update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, options?: WriteOptions & { subresource?: 'status' | 'finalize' | 'ephemeralcontainers' | 'approval' }): Promise<KubeObject> {
    const name = obj.metadata.name;
    if (!name) throw ApiError.badRequest('update needs metadata.name');
    const r = this.#resource(ref);
    const res = await r.update(namespace, name, deepCopy(obj), this.#ctx(options), options?.subresource);
    return res.object;
  }

  async patch(ref: ResourceRef, namespace: string | undefined, name: string, kind: PatchKind, body: unknown, options?: WriteOptions & { subresource?: 'status' | 'ephemeralcontainers'; force?: boolean }): Promise<KubeObject> {
    const res = await this.#resource(ref).patch(namespace, name, kind, deepCopy(body), this.#ctx(options), { subresource: options?.subresource, force: options?.force });
    return res.object;
  }

  async createSubresource(ref: ResourceRef, namespace: string | undefined, name: string, subresource: 'binding' | 'eviction', body: KubeObject, options?: SubresourceCreateOptions): Promise<void> {
    if (ref.group !== '' || ref.resource !== 'pods') throw ApiError.pathNotFound(`${ref.resource}/${subresource} is not an action subresource`);
    const ctx = this.#ctx(options);
    if (subresource === 'binding') await bindPod(this.#config.podOperations, ctx, namespace, name, deepCopy(body));
    else await evictPod(this.#config.podOperations, ctx, namespace, name, deepCopy(body));
  }

  async createToken(namespace: string, serviceAccount: string, request: KubeObject): Promise<KubeObject> {
    if (!this.#config.tokens) throw ApiError.pathNotFound();
    return this.#config.tokens.create(namespace, serviceAccount, deepCopy(request));
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: ClientDeleteOptions): Promise<KubeObject | undefined> {
    const res = await this.#resource(ref).delete(namespace, name, { ...options }, this.#ctx());
    return res.deleted ? undefined : res.object;
  }
}

export type { KubeList };
