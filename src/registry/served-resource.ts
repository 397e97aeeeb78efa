/**
 * One served group/version/resource: converts between the served version and the storage
 * version, applies patches, and implements the /status and /scale subresources on top of the
 * shared ResourceStore.
 */
import { ApiError } from '../api/errors.js';
import { apiVersionOf, deepCopy, isJsonObject, type JsonObject, type KubeList, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { RequestContext } from './context.js';
import type { DeleteOptions, DeleteResult, ListQuery, ResourceStore, StoreWatchEvent, WatchQuery } from './resource-store.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';


/** Patch engines, bound to schemas by the composition root. */
export interface ObjectPatcher {
  /** Applies a json/merge/strategic patch to a served-version object, returning a new object. */
  patch(def: ResourceDef, target: JsonObject, type: Exclude<PatchType, 'apply'>, body: unknown): JsonObject;
  /** json/merge patch of an object that has no schema (the autoscaling/v1 Scale). */
  patchUntyped(target: JsonObject, type: 'json' | 'merge', body: unknown): JsonObject;
  /** Server-side apply of `applied` onto `live` (undefined = create), recording managedFields. */
  apply(def: ResourceDef, live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions): KubeObject;
}

export interface ApplyOptions {
  readonly manager: string;
  readonly force: boolean;
  readonly time: string;
  readonly subresource?: string;
}

/** Conversion between a served version and the storage version of a resource. */
export interface VersionConverter {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

export interface ServedResourceConfig {
  readonly def: ResourceDef;
  readonly store: ResourceStore;
  readonly patcher: ObjectPatcher;
  /** Absent: same shape in both versions, only apiVersion differs. */
  readonly converter?: VersionConverter;
  readonly now: () => string;
}

export class ServedResource {
  readonly def: ResourceDef;
  readonly store: ResourceStore;
  readonly #patcher: ObjectPatcher;
  readonly #converter: VersionConverter;
  readonly #now: () => string;
  readonly #apiVersion: string;

  constructor(config: ServedResourceConfig) {
    this.def = config.def;
    this.store = config.store;
    this.#patcher = config.patcher;
    this.#now = config.now;
    this.#apiVersion = apiVersionOf(config.def.group, config.def.version);
    const storageApiVersion = apiVersionOf(config.store.def.group, config.store.def.version);
    const storageKind = config.store.def.kind;
    const servedKind = config.def.kind;
    this.#converter = config.converter ?? {
      toStorage: (o) => setTypeMeta(o, storageApiVersion, storageKind),
      fromStorage: (o) => setTypeMeta(o, this.#apiVersion, servedKind),
    };
  }

  get apiVersion(): string {
    return this.#apiVersion;
  }

  #out(obj: KubeObject): KubeObject {
    return this.#converter.fromStorage(obj);
  }

  /** Checks apiVersion/kind of a request body against this endpoint (upstream 400 texts). */
  checkTypeMeta(obj: KubeObject): void {
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.#apiVersion) {
      throw ApiError.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${this.#apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== this.def.kind) {
      throw ApiError.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${this.def.kind})`);
    }
  }

  #in(obj: KubeObject): KubeObject {
    this.checkTypeMeta(obj);
    obj.apiVersion = this.#apiVersion;
    obj.kind = this.def.kind;
    return this.#converter.toStorage(obj);
  }

  async get(ns: string | undefined, name: string): Promise<KubeObject> {
    return this.#out(await this.store.get(ns, name));
  }

  async list(ns: string | undefined, query: ListQuery): Promise<KubeList> {
    const list = await this.store.list(ns, query);
    return { apiVersion: this.#apiVersion, kind: this.def.listKind, metadata: list.metadata, items: list.items.map((o) => this.#out(o)) };
  }

  async *watch(ns: string | undefined, query: WatchQuery): AsyncGenerator<StoreWatchEvent> {
    for await (const ev of this.store.watch(ns, query)) {
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') yield { type: ev.type, object: this.#out(ev.object) };
      else yield ev;
    }
  }

  async create(ns: string | undefined, obj: KubeObject, ctx: RequestContext): Promise<KubeObject> {
    return this.#out(await this.store.create(ns, this.#in(obj), ctx));
  }

  async update(ns: string | undefined, name: string, obj: KubeObject, ctx: RequestContext, subresource?: string): Promise<{ object: KubeObject; created: boolean }> {
    const res = await this.store.update(ns, name, this.#in(obj), ctx, subresource);
    return { object: this.#out(res.object), created: res.created };
  }

  async delete(ns: string | undefined, name: string, options: DeleteOptions, ctx: RequestContext): Promise<DeleteResult> {
    const res = await this.store.delete(ns, name, options, ctx);
    return { object: this.#out(res.object), deleted: res.deleted };
  }

  /**
   * PATCH of the main resource or of /status. `apply` creates the object when missing; other
   * patch types answer 404.
   */
  async patch(
    ns: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    ctx: RequestContext,
    opts: { subresource?: string; force?: boolean } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (type === 'apply') {
      if (!isJsonObject(body)) throw ApiError.badRequest('apply patch body must be an object');
      const applied = body as unknown as KubeObject;
      this.checkTypeMeta(applied);
      if (applied.apiVersion === undefined || applied.kind === undefined) {
        throw ApiError.badRequest(`invalid object type: ${applied.apiVersion === undefined ? 'apiVersion' : 'kind'} not set`);
      }
      const manager = ctx.fieldManager;
      if (!manager) throw ApiError.badRequest('PATCH, application/apply-patch+yaml requests require a non-empty fieldManager');
      if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
        throw ApiError.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      }
      const res = await this.store.guaranteedUpdate(
        ns,
        name,
        ctx,
        (old) => {
          const live = old ? this.#out(old) : undefined;
          const merged = asClientError(() => this.#patcher.apply(this.def, live, deepCopy(applied), { manager, force: opts.force === true, time: this.#now(), subresource: opts.subresource }));
          return this.#in(merged);
        },
        { subresource: opts.subresource, allowCreate: opts.subresource === undefined, retryOnConflict: true, managedFieldsDone: true },
      );
      return { object: this.#out(res.object), created: res.created };
    }
    const preconditionRv = patchedResourceVersion(type, body);
    const res = await this.store.guaranteedUpdate(
      ns,
      name,
      ctx,
      (old) => {
        if (!old) throw ApiError.notFound(this.store.groupResource, name);
        const served = this.#out(old);
        const patched = asClientError(() => this.#patcher.patch(this.def, served as unknown as JsonObject, type, body)) as unknown as KubeObject;
        if (!isJsonObject(patched) || !isJsonObject((patched as KubeObject).metadata)) throw ApiError.badRequest('the patch produced an object without metadata');
        const rv = patched.metadata.resourceVersion;
        if (rv !== undefined && rv !== '' && rv !== served.metadata.resourceVersion) throw ApiError.staleResourceVersion(this.store.groupResource, name);
        return this.#in(patched);
      },
      { subresource: opts.subresource, retryOnConflict: preconditionRv === undefined },
    );
    return { object: this.#out(res.object), created: false };
  }

  // ---- /scale ------------------------------------------------------------------------------------

  toScale(obj: KubeObject): KubeObject {
    const paths = this.def.scale;
    if (!paths) throw ApiError.pathNotFound();
    const spec = getPath(obj, paths.specReplicasPath);
    const status = getPath(obj, paths.statusReplicasPath);
    const selector = paths.labelSelectorPath ? getPath(obj, paths.labelSelectorPath) : undefined;
    const scaleStatus: JsonObject = { replicas: typeof status === 'number' ? status : 0 };
    if (typeof selector === 'string' && selector) scaleStatus.selector = selector;
    const m = obj.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: typeof spec === 'number' ? spec : 0 },
      status: scaleStatus,
    };
  }

  async getScale(ns: string | undefined, name: string): Promise<KubeObject> {
    return this.toScale(await this.get(ns, name));
  }

  /** PATCH of /scale. Scale has no lists, so a strategic merge patch is a merge patch. */
  async patchScale(ns: string | undefined, name: string, type: Exclude<PatchType, 'apply'>, body: unknown, ctx: RequestContext): Promise<KubeObject> {
    return this.updateScale(ns, name, ctx, (scale) => this.#patcher.patchUntyped(scale as unknown as JsonObject, type === 'json' ? 'json' : 'merge', body) as unknown as KubeObject);
  }

  /** PUT or PATCH of /scale: the transform edits the Scale; only spec.replicas is taken over. */
  async updateScale(ns: string | undefined, name: string, ctx: RequestContext, edit: (scale: KubeObject) => KubeObject): Promise<KubeObject> {
    const paths = this.def.scale;
    if (!paths) throw ApiError.pathNotFound();
    const res = await this.store.guaranteedUpdate(
      ns,
      name,
      ctx,
      (old) => {
        if (!old) throw ApiError.notFound(this.store.groupResource, name);
        const served = this.#out(old);
        const scale = edit(this.toScale(served));
        if (scale.kind !== undefined && scale.kind !== 'Scale') throw ApiError.badRequest(`the kind in the data (${String(scale.kind)}) does not match the expected kind (Scale)`);
        const rv = scale.metadata?.resourceVersion;
        if (rv && rv !== served.metadata.resourceVersion) throw ApiError.staleResourceVersion(this.store.groupResource, name);
        const replicas = isJsonObject(scale.spec) ? scale.spec.replicas : undefined;
        if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas))) {
          throw ApiError.badRequest(`json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`);
        }
        if (typeof replicas === 'number' && replicas < 0) {
          throw ApiError.invalid({ group: 'autoscaling', kind: 'Scale' }, name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' }]);
        }
        setPath(served, paths.specReplicasPath, typeof replicas === 'number' ? replicas : 0);
        return this.#in(served);
      },
      { retryOnConflict: true, subresource: 'scale' },
    );
    return this.toScale(this.#out(res.object));
  }
}

/**
 * Upstream answers some malformed patches (unknown `$patch` directives, mistyped directive
 * values, apply bodies that do not fit the schema) with 500; they are bad input, so lite answers
 * 400 with the same message.
 */
function asClientError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ApiError && e.code === 500) throw ApiError.badRequest(e.message.replace(/^Internal error occurred: /, ''), e.details?.causes);
    throw e;
  }
}

function setTypeMeta(o: KubeObject, apiVersion: string, kind: string): KubeObject {
  // Keep apiVersion and kind first in the JSON, as Go's serialisation does.
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return { apiVersion, kind, ...rest } as KubeObject;
}

function patchedResourceVersion(type: PatchType, body: unknown): string | undefined {
  if (type === 'json') {
    if (!Array.isArray(body)) return undefined;
    for (const op of body) if (isJsonObject(op) && op.path === '/metadata/resourceVersion' && typeof op.value === 'string') return op.value;
    return undefined;
  }
  if (isJsonObject(body) && isJsonObject(body.metadata) && typeof body.metadata.resourceVersion === 'string') return body.metadata.resourceVersion;
  return undefined;
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

export function setPath(obj: KubeObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (!isJsonObject(next)) cur[parts[i]] = {};
    cur = cur[parts[i]] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}
