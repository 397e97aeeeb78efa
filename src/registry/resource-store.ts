/**
 * The generic store of one storage resource: the semantics kube-apiserver's registry gives every
 * kind (uid, creationTimestamp, generation, resourceVersion preconditions, status subresource,
 * finalizers and graceful deletion, dry runs, selectors, pagination, watch transitions).
 *
 * Objects passed in and out are in the *storage* version. Version conversion and patching happen
 * in the layer above (ServedResource), which calls `guaranteedUpdate` with a transform.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError, type GroupResource } from '../api/errors.js';
import { deepCopy, isJsonObject, jsonEqual, rfc3339, type KubeObject, type KubeList, type ObjectMeta } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Backend,
  type KeyValue,
  type WatchEvent,
} from '../storage/backend.js';
import type { Clock } from '../util/clock.js';
import type { RequestContext } from './context.js';
import { decodeObject, encodeObject, parseResourceVersion } from './object-codec.js';
import type { ObjectLifecycle } from './object-lifecycle.js';
import { collectionPrefix, objectKey } from './storage-keys.js';

export interface LabelMatcher {
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

export interface FieldMatcher {
  matches(fields: Readonly<Record<string, string>>): boolean;
  /** When the selector pins `metadata.name`, lists can read one key instead of scanning. */
  readonly exactName?: string;
}

export interface ListQuery {
  readonly labelSelector?: LabelMatcher;
  readonly fieldSelector?: FieldMatcher;
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchQuery {
  readonly labelSelector?: LabelMatcher;
  readonly fieldSelector?: FieldMatcher;
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly sendInitialEvents?: boolean;
  readonly signal: AbortSignal;
}

export type StoreWatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject }
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string; readonly initialEventsEnd?: boolean }
  | { readonly type: 'ERROR'; readonly error: ApiError };

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** The object: its last state if deleted, or its current state if deletion is pending. */
  readonly object: KubeObject;
  /** True if the key is gone now; false if finalizers or a grace period keep it. */
  readonly deleted: boolean;
}

/**
 * Source of watch events: the process's WatchBus. Each batch says up to which revision
 * everything under the prefix has been delivered; a batch without events is a pure progress
 * notification (a BOOKMARK opportunity).
 */
export interface WatchSource {
  subscribe(prefix: string, options: { fromRevision: number; signal?: AbortSignal }): AsyncIterable<{ readonly events: readonly SourceEvent[]; readonly progressRevision: number }>;
}

/**
 * A change from the watch source. Events the bus hands to several subscribers carry a memo, so
 * that each is decoded once for all of them.
 */
export type SourceEvent = WatchEvent & { memo?<T>(key: string, compute: () => T): T };

export interface UpdateOptions {
  /** 'status' for /status writes; undefined for the main resource. */
  readonly subresource?: string;
  /** Create the object if it does not exist (server-side apply, or kinds that allow it). */
  readonly allowCreate?: boolean;
  /** Retry the transform on write conflicts (PATCH without a resourceVersion precondition). */
  readonly retryOnConflict?: boolean;
  /** Skip managed-fields tracking (the transform already did it, e.g. server-side apply). */
  readonly managedFieldsDone?: boolean;
  /**
   * Store the transform's result as it is (system metadata still preserved): no defaults, no
   * status reset, no update validation. For server-internal writes that legitimately change
   * fields users may not, such as pods/binding setting spec.nodeName and a status condition.
   */
  readonly internal?: boolean;
  /**
   * The transform only reads the object it is given (and returns another): it gets the stored
   * object itself instead of a private copy, which spares decoding it twice.
   */
  readonly readOnlyTransform?: boolean;
}

export interface ResourceStoreConfig {
  /** The storage-version definition of this resource. */
  readonly def: ResourceDef;
  readonly backend: Backend;
  readonly watches: WatchSource;
  readonly lifecycle: ObjectLifecycle;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Kinds that return the deleted object instead of a Status (pods). */
  readonly returnDeletedObject?: boolean;
  /**
   * Grace period for a delete request (pods); 0 = delete at once. Absent: always at once.
   * `requested` is DeleteOptions.gracePeriodSeconds.
   */
  readonly deletionGracePeriod?: (obj: KubeObject, requested: number | undefined) => number;
  /** PUT on a missing object creates it (endpoints, events, leases …). */
  readonly allowCreateOnUpdate?: boolean;
  /**
   * Create keeps the status the client sent (nodes: kubelets register with their capacity and
   * conditions in one request, as upstream's node strategy allows).
   */
  readonly keepStatusOnCreate?: boolean;
  /**
   * Kind-specific finalization that blocks deletion besides metadata.finalizers (namespaces:
   * `spec.finalizers`). While it returns true a deleted object is only marked, via `markDeleting`.
   */
  readonly deletionBlocked?: (obj: KubeObject) => boolean;
  /** Mutates an object that has just been marked for deletion (namespaces: phase Terminating). */
  readonly markDeleting?: (obj: KubeObject) => void;
  /**
   * Copies fields a main-resource update may not change from the stored object (namespaces:
   * spec.finalizers, which only /finalize writes).
   */
  readonly preserveOnUpdate?: (next: KubeObject, old: KubeObject) => void;
  /** Kind-specific preparation of a create from the request (CSRs: the requester's identity). */
  readonly prepareCreate?: (obj: KubeObject, ctx: RequestContext) => void;
  /**
   * After a /status write took the status fields from the request: kind rules on what status may
   * change (CSRs: approval conditions stay). `now` is the write's RFC 3339 time.
   */
  readonly prepareStatusUpdate?: (next: KubeObject, old: KubeObject, now: string) => void;
  /**
   * Subresources that are views of the object written with GET/PUT/PATCH like /status
   * (certificatesigningrequests/approval): builds the object to store from the request and the
   * stored object. Validated as a status write.
   */
  readonly subresourceViews?: Readonly<Record<string, (desired: KubeObject, old: KubeObject, now: string) => KubeObject>>;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_CONFLICT_RETRIES = 8;
const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export class ResourceStore {
  readonly def: ResourceDef;
  readonly #backend: Backend;
  readonly #watches: WatchSource;
  readonly #lifecycle: ObjectLifecycle;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #gr: GroupResource;
  readonly #config: ResourceStoreConfig;

  constructor(config: ResourceStoreConfig) {
    this.def = config.def;
    this.#backend = config.backend;
    this.#watches = config.watches;
    this.#lifecycle = config.lifecycle;
    this.#clock = config.clock;
    this.#log = config.logger;
    this.#gr = { group: config.def.group, resource: config.def.plural };
    this.#config = config;
  }

  get groupResource(): GroupResource {
    return this.#gr;
  }

  #key(namespace: string | undefined, name: string): string {
    return objectKey(this.def.storage, this.def.namespaced ? namespace : undefined, name);
  }

  // ---- reads -----------------------------------------------------------------------------------

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const { kv } = await this.#backend.get(this.#key(namespace, name));
    if (!kv) throw ApiError.notFound(this.#gr, name);
    return decodeObject(kv);
  }

  /** Like get, but undefined when missing. */
  async find(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const { kv } = await this.#backend.get(this.#key(namespace, name));
    return kv ? decodeObject(kv) : undefined;
  }

  /** The field-selector values of an object: metadata.name/namespace plus the kind's own. */
  selectableFields(obj: KubeObject): Record<string, string> {
    const own = this.def.strategy.selectableFields?.(obj) ?? {};
    const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '', ...own };
    if (this.def.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
    return fields;
  }

  #matches(obj: KubeObject, labels: LabelMatcher | undefined, fields: FieldMatcher | undefined): boolean {
    if (labels && !labels.matches(obj.metadata.labels)) return false;
    if (fields && !fields.matches(this.selectableFields(obj))) return false;
    return true;
  }

  async list(namespace: string | undefined, query: ListQuery = {}): Promise<KubeList> {
    const prefix = collectionPrefix(this.def.storage, this.def.namespaced ? namespace : undefined);
    let revision = 0;
    let startAfter: string | undefined;
    if (query.continueToken) {
      const token = decodeContinue(query.continueToken, prefix);
      revision = token.rv;
      startAfter = token.start;
    } else if (query.resourceVersion && query.resourceVersion !== '0') {
      const rv = parseRv(query.resourceVersion);
      if (query.resourceVersionMatch === 'Exact') revision = rv;
      else await this.#waitForRevision(rv);
    }
    const limit = query.limit && query.limit > 0 ? query.limit : 0;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    try {
      if (query.fieldSelector?.exactName !== undefined && !startAfter) {
        // One key, read at the requested revision.
        const name = query.fieldSelector.exactName;
        const res = namespace || !this.def.namespaced ? await this.#backend.get(this.#key(namespace, name), revision || undefined) : undefined;
        if (res) {
          revision = res.revision;
          if (res.kv) {
            const obj = decodeObject(res.kv);
            if (this.#matches(obj, query.labelSelector, query.fieldSelector)) items.push(obj);
          }
        } else {
          // All namespaces: the name may exist in several; scan.
          const all = await this.#backend.list(prefix, { revision: revision || undefined });
          revision = all.revision;
          for (const kv of all.kvs) {
            if (!kv.key.endsWith(`/${name}`)) continue;
            const obj = decodeObject(kv);
            if (this.#matches(obj, query.labelSelector, query.fieldSelector)) items.push(obj);
          }
        }
      } else {
        // Page through storage until `limit` matching items are found (selectors filter after
        // reading, as upstream does), reading every page at the same revision.
        const filtering = query.labelSelector !== undefined || query.fieldSelector !== undefined;
        for (let page = 0; ; page++) {
          const want = limit ? Math.max(limit - items.length, filtering ? 256 : 0) : 0;
          const res = await this.#backend.list(prefix, { revision: revision || undefined, limit: want || undefined, startAfter });
          revision = res.revision;
          for (let i = 0; i < res.kvs.length; i++) {
            const kv = res.kvs[i];
            const obj = decodeObject(kv);
            lastKey = kv.key;
            if (this.#matches(obj, query.labelSelector, query.fieldSelector)) {
              items.push(obj);
              if (limit && items.length === limit) {
                more = i < res.kvs.length - 1 || res.more;
                break;
              }
            }
          }
          if ((limit && items.length === limit) || !res.more) break;
          startAfter = lastKey;
          if (page > 1_000_000) throw ApiError.internal('list did not terminate');
        }
      }
    } catch (e) {
      if (e instanceof CompactedError) {
        if (query.continueToken) throw ApiError.expired(CONTINUE_TOO_OLD);
        throw ApiError.expired(`too old resource version: ${e.requested} (${e.compacted})`);
      }
      if (e instanceof FutureRevisionError) throw tooLargeResourceVersion(e.requested, e.current);
      throw e;
    }
    const metadata: KubeList['metadata'] = { resourceVersion: String(revision) };
    if (more && lastKey !== undefined) metadata.continue = encodeContinue(revision, lastKey, prefix);
    return { apiVersion: this.def.group ? `${this.def.group}/${this.def.version}` : this.def.version, kind: this.def.listKind, metadata, items };
  }

  /** resourceVersion semantics "not older than": wait briefly for a revision we have not seen. */
  async #waitForRevision(rv: number): Promise<void> {
    for (let i = 0; i < 30; i++) {
      const current = await this.#backend.currentRevision();
      if (current >= rv) return;
      await this.#clock.sleep(100);
    }
    throw tooLargeResourceVersion(rv, await this.#backend.currentRevision());
  }

  // ---- create ----------------------------------------------------------------------------------

  async create(namespace: string | undefined, input: KubeObject, ctx: RequestContext): Promise<KubeObject> {
    const obj = input;
    const meta = obj.metadata ?? (obj.metadata = {});
    if (this.def.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    this.#lifecycle.checkStructure(obj, ctx);
    this.#prepareForCreate(obj);
    this.#config.prepareCreate?.(obj, ctx);
    this.#lifecycle.applyDefaults(obj);
    // Upstream generates the name (BeforeCreate) before its validating admission runs, so
    // refusals such as ResourceQuota's name the pod a ReplicaSet tried to create
    // ('pods "web-5d9c7c9b8-x2x9z" is forbidden: exceeded quota …').
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = this.#generateName(meta.generateName ?? '');
    await this.#lifecycle.admit('create', obj, undefined, ctx);
    try {
      return await this.#createAdmitted(namespace, obj, ctx, generated);
    } catch (e) {
      this.#lifecycle.abandoned?.('create', obj, undefined);
      throw e;
    }
  }

  async #createAdmitted(namespace: string | undefined, obj: KubeObject, ctx: RequestContext, generated: boolean): Promise<KubeObject> {
    const meta = obj.metadata;
    const errors = this.#lifecycle.validateCreate(obj);
    if (errors.length) throw ApiError.invalid(this.def, meta.name ?? '', errors);
    this.#lifecycle.trackManagedFields(obj, undefined, ctx, undefined);
    await this.#lifecycle.validateAdmission('create', obj, undefined, ctx);
    if (ctx.dryRun) {
      const existing = await this.find(namespace, meta.name ?? '');
      if (existing) throw ApiError.alreadyExists(this.#gr, meta.name ?? '');
      this.#lifecycle.abandoned?.('create', obj, undefined);
      return obj;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const kv = await this.#backend.create(this.#key(namespace, meta.name ?? ''), encodeObject(obj));
        meta.resourceVersion = String(kv.modRevision);
        this.#log.debug({ op: 'create', resource: this.def.plural, namespace, name: meta.name, rv: kv.modRevision }, 'created');
        this.#lifecycle.afterWrite?.('create', obj, undefined);
        return obj;
      } catch (e) {
        if (e instanceof KeyExistsError) {
          if (generated && attempt < 5) {
            meta.name = this.#generateName(meta.generateName ?? '');
            continue;
          }
          throw ApiError.alreadyExists(this.#gr, meta.name ?? '');
        }
        throw e;
      }
    }
  }

  #prepareForCreate(obj: KubeObject): void {
    const meta = obj.metadata;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.#clock.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (this.def.hasStatusSubresource && this.#config.keepStatusOnCreate !== true) for (const f of this.def.statusFields) delete obj[f];
    if (meta.managedFields !== undefined && meta.managedFields.length === 0) delete meta.managedFields;
  }

  #generateName(base: string): string {
    // Upstream trims the base so the result fits 63 characters.
    const trimmed = base.length > 58 ? base.slice(0, 58) : base;
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
    return trimmed + suffix;
  }

  // ---- update ----------------------------------------------------------------------------------

  /** PUT of a full object (main resource or /status). */
  async update(namespace: string | undefined, name: string, input: KubeObject, ctx: RequestContext, subresource?: string): Promise<{ object: KubeObject; created: boolean }> {
    const requestedRv = input.metadata?.resourceVersion;
    const retryOnConflict = !requestedRv;
    // Without retries an update is transformed once: it may take `input` itself (the caller's
    // private copy); a retried transform needs a fresh copy each time.
    let handedOut = false;
    return this.guaranteedUpdate(
      namespace,
      name,
      ctx,
      (old) => {
        if (old && requestedRv && requestedRv !== old.metadata.resourceVersion) throw ApiError.staleResourceVersion(this.#gr, name);
        if (old && !retryOnConflict && !handedOut) {
          handedOut = true;
          return input;
        }
        return deepCopy(input);
      },
      { subresource, allowCreate: !subresource && this.#config.allowCreateOnUpdate === true, retryOnConflict, readOnlyTransform: true },
    );
  }

  /**
   * Read-modify-write with optimistic concurrency. `transform` gets the current object (a private
   * copy, or undefined if missing and `allowCreate`) and returns the desired object. Conflicts
   * re-run the transform when `retryOnConflict`, else answer 409.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    ctx: RequestContext,
    transform: (old: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    options: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.#key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.#backend.get(key);
      if (!kv) {
        if (!options.allowCreate) throw ApiError.notFound(this.#gr, name);
        const desired = await transform(undefined);
        desired.metadata ??= {};
        if (desired.metadata.name && desired.metadata.name !== name) throw nameMismatch(desired.metadata.name, name);
        desired.metadata.name = name;
        try {
          const created = await this.create(namespace, desired, options.managedFieldsDone ? { ...ctx, fieldManager: undefined } : ctx);
          return { object: created, created: true };
        } catch (e) {
          if (e instanceof ApiError && e.reason === 'AlreadyExists' && attempt < MAX_CONFLICT_RETRIES) continue;
          throw e;
        }
      }
      const old = decodeObject(kv);
      const desired = await transform(options.readOnlyTransform ? old : decodeObject(kv));
      const next = await this.#prepareUpdate(desired, old, name, ctx, options);
      if (!options.internal) {
        try {
          await this.#lifecycle.validateAdmission('update', next, old, ctx, options.subresource);
        } catch (e) {
          this.#lifecycle.abandoned?.('update', next === old ? desired : next, old);
          throw e;
        }
      }
      if (next === old) {
        this.#lifecycle.abandoned?.('update', desired, old);
        return { object: old, created: false };
      }
      if (ctx.dryRun) {
        this.#lifecycle.abandoned?.('update', next, old);
        return { object: next, created: false };
      }
      try {
        const shouldDelete =
          next.metadata.deletionTimestamp !== undefined &&
          !next.metadata.finalizers?.length &&
          (next.metadata.deletionGracePeriodSeconds ?? 0) === 0 &&
          !this.#config.deletionBlocked?.(next);
        if (shouldDelete) {
          // The last finalizer is gone from an object being deleted: finish the deletion.
          const res = await this.#backend.delete(key, kv.modRevision);
          next.metadata.resourceVersion = String(res.revision);
          this.#lifecycle.afterWrite?.('delete', next, old);
          return { object: next, created: false };
        }
        const written = await this.#backend.update(key, encodeObject(next), kv.modRevision);
        next.metadata.resourceVersion = String(written.modRevision);
        this.#log.debug({ op: 'update', resource: this.def.plural, namespace, name, rv: written.modRevision }, 'updated');
        this.#lifecycle.afterWrite?.('update', next, old);
        return { object: next, created: false };
      } catch (e) {
        this.#lifecycle.abandoned?.('update', next, old);
        if (e instanceof RevisionMismatchError || e instanceof KeyNotFoundError) {
          if (options.retryOnConflict && attempt < MAX_CONFLICT_RETRIES) continue;
          if (e instanceof KeyNotFoundError) throw ApiError.notFound(this.#gr, name);
          throw ApiError.staleResourceVersion(this.#gr, name);
        }
        throw e;
      }
    }
  }

  /** Turns a desired object into the one to store; returns `old` itself when nothing changes. */
  async #prepareUpdate(desired: KubeObject, old: KubeObject, name: string, ctx: RequestContext, options: UpdateOptions): Promise<KubeObject> {
    const meta = (desired.metadata ??= {});
    if (meta.name !== undefined && meta.name !== name) throw nameMismatch(meta.name, name);
    meta.name = name;
    if (this.def.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== old.metadata.namespace) {
        throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = old.metadata.namespace;
    } else delete meta.namespace;
    if (!options.internal) this.#lifecycle.checkStructure(this.#structureCheckTarget(desired, ctx, options), ctx);

    let next: KubeObject;
    if (options.internal) {
      next = desired;
    } else if (options.subresource === 'finalize') {
      // namespaces/finalize: only spec.finalizers may change (upstream finalizeUpdateStrategy).
      next = deepCopy(old);
      const spec = { ...((isJsonObject(next.spec) ? next.spec : {}) as Record<string, unknown>) };
      const wanted = isJsonObject(desired.spec) ? desired.spec.finalizers : undefined;
      if (wanted === undefined) delete spec.finalizers;
      else spec.finalizers = wanted;
      next.spec = spec;
    } else if (options.subresource === 'status') {
      // A status write changes only the status fields (upstream ResetObjectMetaForStatus + spec copy).
      // The rest is the stored object's own, shared rather than copied: nothing after this point
      // changes it in place (admission of a status write leaves spec alone), and the comparisons
      // below then see the unchanged parts as identical at once.
      next = { ...old, metadata: { ...old.metadata } };
      for (const f of this.def.statusFields) {
        if (desired[f] === undefined) delete next[f];
        else next[f] = desired[f];
      }
      if (desired.metadata.managedFields !== undefined) next.metadata.managedFields = desired.metadata.managedFields;
      this.#config.prepareStatusUpdate?.(next, old, rfc3339(this.#clock.now()));
    } else if (options.subresource !== undefined && this.#config.subresourceViews?.[options.subresource]) {
      next = this.#config.subresourceViews[options.subresource](desired, old, rfc3339(this.#clock.now()));
    } else if (options.subresource === 'ephemeralcontainers') {
      // pods/ephemeralcontainers changes only spec.ephemeralContainers (upstream
      // ephemeralContainersStrategy, dropNonEphemeralContainerUpdates): the rest is the stored pod's.
      next = deepCopy(old);
      const spec = { ...((isJsonObject(next.spec) ? next.spec : {}) as Record<string, unknown>) };
      const wanted = isJsonObject(desired.spec) ? desired.spec.ephemeralContainers : undefined;
      if (wanted === undefined || wanted === null) delete spec.ephemeralContainers;
      else spec.ephemeralContainers = wanted;
      next.spec = spec as KubeObject['spec'];
      if (desired.metadata.managedFields !== undefined) next.metadata.managedFields = desired.metadata.managedFields;
      this.#lifecycle.applyDefaults(next);
    } else {
      next = desired;
      this.#lifecycle.applyDefaults(next);
      this.#config.preserveOnUpdate?.(next, old);
      if (this.def.hasStatusSubresource) {
        for (const f of this.def.statusFields) {
          if (old[f] === undefined) delete next[f];
          else next[f] = old[f];
        }
      }
    }
    this.#preserveSystemMetadata(next, old);
    if (this.def.tracksGeneration && (options.subresource === undefined || options.subresource === 'scale') && specChanged(next, old, this.def.statusFields)) {
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    if (!options.internal) await this.#lifecycle.admit('update', next, old, ctx, options.subresource);
    try {
      return this.#validateAdmittedUpdate(next, old, name, ctx, options);
    } catch (e) {
      if (!options.internal) this.#lifecycle.abandoned?.('update', next, old);
      throw e;
    }
  }

  /**
   * What the structure check of an update looks at. A status write keeps only the status fields
   * of the body (the rest comes from the stored object), so when no unknown-field warnings are
   * wanted (fieldValidation=Ignore, as in-process components write) only those are checked: a
   * kubelet's pod status update then does not pay for a walk of the whole pod spec it sends along.
   */
  #structureCheckTarget(desired: KubeObject, ctx: RequestContext, options: UpdateOptions): KubeObject {
    if (options.subresource !== 'status' || ctx.fieldValidation !== 'Ignore') return desired;
    const view: KubeObject = { apiVersion: desired.apiVersion, kind: desired.kind, metadata: desired.metadata };
    for (const f of this.def.statusFields) if (desired[f] !== undefined) view[f] = desired[f];
    return view;
  }

  #validateAdmittedUpdate(next: KubeObject, old: KubeObject, name: string, ctx: RequestContext, options: UpdateOptions): KubeObject {
    const errors = options.internal
      ? []
      : options.subresource === 'status' || options.subresource === 'finalize' || (options.subresource !== undefined && this.#config.subresourceViews?.[options.subresource] !== undefined)
        ? this.#lifecycle.validateStatusUpdate(next, old)
        : options.subresource === 'ephemeralcontainers'
          ? this.#lifecycle.validateEphemeralContainersUpdate(next, old)
          : this.#lifecycle.validateUpdate(next, old);
    if (old.metadata.deletionTimestamp !== undefined) {
      const before = new Set(old.metadata.finalizers ?? []);
      if ((next.metadata.finalizers ?? []).some((f) => !before.has(f))) {
        errors.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted' });
      }
    }
    if (errors.length) throw ApiError.invalid(this.def, name, errors);
    // No-op writes keep the stored object and its resourceVersion (kubectl reports "unchanged").
    if (sameIgnoringVolatile(next, old)) return old;
    if (!options.managedFieldsDone) this.#lifecycle.trackManagedFields(next, old, ctx, options.subresource);
    return next;
  }

  /** Fields clients may not change with an update; copied from the stored object. */
  #preserveSystemMetadata(next: KubeObject, old: KubeObject): void {
    const m: ObjectMeta = next.metadata;
    const o = old.metadata;
    m.uid = o.uid;
    m.creationTimestamp = o.creationTimestamp;
    m.resourceVersion = o.resourceVersion;
    if (o.deletionTimestamp !== undefined) m.deletionTimestamp = o.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    if (o.generation !== undefined) m.generation = o.generation;
    else delete m.generation;
    delete m.selfLink;
    if (m.generateName === undefined && o.generateName !== undefined) m.generateName = o.generateName;
    if (m.managedFields !== undefined && m.managedFields.length === 0) delete m.managedFields;
  }

  // ---- delete ----------------------------------------------------------------------------------

  async delete(namespace: string | undefined, name: string, options: DeleteOptions, ctx: RequestContext): Promise<DeleteResult> {
    const key = this.#key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.#backend.get(key);
      if (!kv) throw ApiError.notFound(this.#gr, name);
      const old = decodeObject(kv);
      checkPreconditions(this.#gr, name, old, options.preconditions);
      await this.#lifecycle.admit('delete', old, old, ctx);
      await this.#lifecycle.validateAdmission('delete', old, old, ctx);

      const next = deepCopy(old);
      const finalizers = new Set(next.metadata.finalizers ?? []);
      const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
      if (policy === 'Orphan') {
        finalizers.delete('foregroundDeletion');
        finalizers.add('orphan');
      } else if (policy === 'Foreground') {
        finalizers.delete('orphan');
        finalizers.add('foregroundDeletion');
      } else if (policy === 'Background') {
        finalizers.delete('orphan');
        finalizers.delete('foregroundDeletion');
      }
      const grace = this.#config.deletionGracePeriod?.(old, options.gracePeriodSeconds) ?? 0;
      const now = this.#clock.now();

      let pending = false;
      const held = finalizers.size > 0 || this.#config.deletionBlocked?.(next) === true;
      if (held || grace > 0) {
        pending = true;
        if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
        else delete next.metadata.finalizers;
        const existing = next.metadata.deletionGracePeriodSeconds;
        // A second delete may shorten, never lengthen, the grace period — also while finalizers
        // hold the object, so that removing the last one then completes the deletion.
        if (next.metadata.deletionTimestamp === undefined || existing === undefined || grace < existing) {
          next.metadata.deletionTimestamp = rfc3339(now + grace * 1000);
          next.metadata.deletionGracePeriodSeconds = grace;
        }
        if (held) this.#config.markDeleting?.(next);
      }
      if (!pending) {
        if (ctx.dryRun) return { object: old, deleted: true };
        try {
          await this.#backend.delete(key, kv.modRevision);
        } catch (e) {
          if ((e instanceof RevisionMismatchError || e instanceof KeyNotFoundError) && attempt < MAX_CONFLICT_RETRIES) continue;
          throw e;
        }
        this.#log.debug({ op: 'delete', resource: this.def.plural, namespace, name }, 'deleted');
        this.#lifecycle.afterWrite?.('delete', old, old);
        return { object: old, deleted: true };
      }
      if (jsonEqual(next, old)) return { object: old, deleted: false };
      if (ctx.dryRun) return { object: next, deleted: false };
      try {
        const written = await this.#backend.update(key, encodeObject(next), kv.modRevision);
        next.metadata.resourceVersion = String(written.modRevision);
        // Marking for deletion is an update others react to (CRD cleanup, allocations).
        this.#lifecycle.afterWrite?.('update', next, old);
        return { object: next, deleted: false };
      } catch (e) {
        if ((e instanceof RevisionMismatchError || e instanceof KeyNotFoundError) && attempt < MAX_CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  get returnsDeletedObject(): boolean {
    return this.#config.returnDeletedObject === true;
  }

  // ---- watch -----------------------------------------------------------------------------------

  /**
   * A watch stream with upstream semantics: resourceVersion unset or "0" starts with synthetic
   * ADDED events for the current state; "N" replays changes after N (410 Expired if compacted).
   * Objects moving into / out of the selectors appear as ADDED / DELETED.
   */
  async *watch(namespace: string | undefined, query: WatchQuery): AsyncGenerator<StoreWatchEvent> {
    const prefix = collectionPrefix(this.def.storage, this.def.namespaced ? namespace : undefined);
    const rvParam = query.resourceVersion;
    let fromRevision: number;
    const initial: KubeObject[] = [];
    const sendInitial = query.sendInitialEvents ?? (rvParam === undefined || rvParam === '' || rvParam === '0');
    if (sendInitial) {
      const listed = await this.list(namespace, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector });
      fromRevision = Number(listed.metadata.resourceVersion);
      initial.push(...listed.items);
    } else {
      fromRevision = parseRv(rvParam ?? '0');
      // History before the compact revision is gone from storage; refuse it even if the watch
      // bus could still replay it from memory, so clients learn to relist (410 Expired).
      const compacted = await this.#backend.compactRevision();
      if (fromRevision < compacted) {
        yield { type: 'ERROR', error: ApiError.expired(`too old resource version: ${fromRevision} (${compacted})`) };
        return;
      }
    }
    for (const object of initial) yield { type: 'ADDED', object };
    if (query.sendInitialEvents) yield { type: 'BOOKMARK', resourceVersion: String(fromRevision), initialEventsEnd: true };

    try {
      for await (const batch of this.#watches.subscribe(prefix, { fromRevision, signal: query.signal })) {
        for (const ev of batch.events) {
          if (this.def.namespaced && !namespace && !isDirectChild(prefix, ev.kv.key)) continue;
          const out = this.#translate(ev, query);
          if (out) yield out;
        }
        // Progress is always reported; the HTTP layer forwards it only when bookmarks are allowed.
        if (batch.events.length === 0) yield { type: 'BOOKMARK', resourceVersion: String(batch.progressRevision) };
      }
    } catch (e) {
      if (query.signal.aborted) return;
      if (e instanceof CompactedError) {
        yield { type: 'ERROR', error: ApiError.expired(`too old resource version: ${e.requested} (${e.compacted})`) };
        return;
      }
      if (e instanceof FutureRevisionError) {
        yield { type: 'ERROR', error: tooLargeResourceVersion(e.requested, e.current) };
        return;
      }
      // A watch that falls behind or loses its source just ends; clients re-watch from their
      // last resourceVersion.
      this.#log.debug({ err: e, resource: this.def.plural }, 'watch ended');
    }
  }

  #translate(ev: SourceEvent, query: WatchQuery): StoreWatchEvent | undefined {
    const filtering = query.labelSelector !== undefined || query.fieldSelector !== undefined;
    if (ev.type === 'delete') {
      const obj = eventObject(ev, 'kv');
      if (filtering && !this.#matches(obj, query.labelSelector, query.fieldSelector)) return undefined;
      return { type: 'DELETED', object: obj };
    }
    const obj = eventObject(ev, 'kv');
    const nowMatches = !filtering || this.#matches(obj, query.labelSelector, query.fieldSelector);
    if (ev.type === 'create') return nowMatches ? { type: 'ADDED', object: obj } : undefined;
    if (!filtering) return { type: 'MODIFIED', object: obj };
    const prev = ev.prevKv ? eventObject(ev, 'prevKv') : undefined;
    const prevMatched = prev ? this.#matches(prev, query.labelSelector, query.fieldSelector) : true;
    if (nowMatches) return { type: prevMatched ? 'MODIFIED' : 'ADDED', object: obj };
    // Left the selector: the client last saw it matching, so it must be told it is gone.
    return prevMatched ? { type: 'DELETED', object: obj } : undefined;
  }
}

// ---- helpers ------------------------------------------------------------------------------------

/**
 * The object of a watch event, decoded once and shared by every watch that receives the event
 * (kube-apiserver's watch cache hands its watchers one object likewise). Watch objects are
 * read-only for everyone downstream: the HTTP layer serialises them, conversions build new
 * objects, and informers never mutate what they cache.
 */
function eventObject(ev: SourceEvent, which: 'kv' | 'prevKv'): KubeObject {
  const kv = which === 'kv' ? ev.kv : (ev.prevKv as KeyValue);
  return ev.memo ? ev.memo(which, () => decodeObject(kv)) : decodeObject(kv);
}

function isDirectChild(prefix: string, key: string): boolean {
  // `/registry/core/pods/` + `ns/name`: exactly one more slash.
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return slash > 0 && rest.indexOf('/', slash + 1) < 0;
}

function parseRv(rv: string): number {
  try {
    return parseResourceVersion(rv);
  } catch {
    throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  }
}

function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

function nameMismatch(bodyName: string, urlName: string): ApiError {
  return ApiError.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${urlName})`);
}

function checkPreconditions(gr: GroupResource, name: string, obj: KubeObject, pre: DeleteOptions['preconditions']): void {
  if (!pre) return;
  if (pre.uid && pre.uid !== obj.metadata.uid) {
    throw ApiError.conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw ApiError.conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
  }
}

/** Spec changed = anything outside metadata and the status fields changed. */
function specChanged(next: KubeObject, old: KubeObject, statusFields: readonly string[]): boolean {
  const skip = new Set(['metadata', 'apiVersion', 'kind', ...statusFields]);
  const keys = new Set([...Object.keys(next), ...Object.keys(old)]);
  for (const k of keys) {
    if (skip.has(k)) continue;
    if (!jsonEqual(next[k], old[k])) return true;
  }
  return false;
}

/**
 * No-op detection: equal apart from resourceVersion and the times in managedFields. A change
 * of ownership alone (a second manager applying the same value) is a real change.
 */
function sameIgnoringVolatile(a: KubeObject, b: KubeObject): boolean {
  // Most writes change something outside metadata: look there first (shared parts compare at once).
  let outside = 0;
  for (const k in a) {
    if (k === 'metadata' || a[k] === undefined) continue;
    outside++;
    if (!jsonEqual(a[k], b[k])) return false;
  }
  for (const k in b) if (k !== 'metadata' && b[k] !== undefined) outside--;
  if (outside !== 0) return false;
  const strip = (meta: ObjectMeta) => {
    const { managedFields, resourceVersion: _r, ...rest } = meta;
    return { ...rest, managedFields: managedFields?.map(({ time: _t, ...entry }) => entry) };
  };
  return jsonEqual(strip(a.metadata), strip(b.metadata));
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

/** Opaque continue token: base64 JSON of the list revision and the last key returned. */
function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: lastKey.slice(prefix.length) };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(token: string, prefix: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string' || parsed.start.includes('..')) throw new Error('bad token');
    return { rv: parsed.rv, start: prefix + parsed.start };
  } catch {
    throw ApiError.badRequest('continue key is not valid: the token is malformed');
  }
}
