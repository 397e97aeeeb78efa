/**
 * The garbage collector (upstream pkg/controller/garbagecollector): deletes objects whose owners
 * are gone and carries out foreground and orphan deletion.
 *
 * Instead of upstream's separate dependency graph, the graph is read from the shared informers:
 * one informer per monitored resource, each indexed by owner uid (`ownerUid`), so "dependents of
 * X" is one index lookup per resource and "owner of Y" one lister lookup by kind and name. Two
 * work queues, as upstream:
 *  - attemptToDelete: an object whose owners may be gone (it was added, its ownerReferences
 *    changed, or an owner was deleted), or an owner waiting for its dependents (`foregroundDeletion`);
 *  - attemptToOrphan: an owner deleted with the `orphan` finalizer.
 *
 * Decisions follow upstream's attemptToDeleteItem: an owner reference is "solid" (owner exists,
 * same uid), "dangling" (absent or uid mismatch, confirmed with a live GET before acting) or
 * "waiting" (owner being deleted with foregroundDeletion). No solid owner → the object is deleted
 * (foreground if an owner is waiting and the object has dependents itself; otherwise with the
 * policy its own finalizers ask for, background by default), with uid and resourceVersion
 * preconditions. A solid owner plus dangling/waiting ones → those references are removed.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { parseApiVersion, type KubeObject, type OwnerReference } from '../../api/object.js';
import type { ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { byOwnerUid, INDEX } from '../../informer/indexers.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import type { WorkQueue } from '../../workqueue/work-queue.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** A resource the collector monitors: where it is served and what kind/scope its objects have. */
export interface GcResource extends ResourceRef {
  readonly kind: string;
  readonly namespaced: boolean;
}

export interface GarbageCollectorOptions {
  /**
   * Every resource that supports list, watch and delete (one version per storage location).
   * Called at start and every `resourceResyncMs` so resources that appear later (CRDs) are
   * monitored too.
   */
  readonly resources: () => readonly GcResource[];
  /** Workers per queue (upstream --concurrent-gc-syncs, default 20). */
  readonly workers?: number;
  /** How often `resources()` is consulted again (upstream: 30 s). */
  readonly resourceResyncMs?: number;
  /** Resources never monitored (upstream ignores events in both groups). */
  readonly ignoredResources?: readonly { readonly group: string; readonly resource: string }[];
  /** How long to wait for the first sync of the informers before the workers start anyway. */
  readonly syncTimeoutMs?: number;
  /** Size of the cache of owners verified absent (saves a GET per dependent of a deleted owner). */
  readonly absentOwnerCacheSize?: number;
}

export const DEFAULT_IGNORED_RESOURCES: readonly { group: string; resource: string }[] = [
  { group: '', resource: 'events' },
  { group: 'events.k8s.io', resource: 'events' },
];

const UID_INDEX = 'garbage-collector:uid';

interface Monitor {
  readonly key: string;
  readonly res: GcResource;
  readonly informer: SharedInformer;
  unregister: () => void;
  uidIndexed: boolean;
}

/** A queued object: resource, coordinates and the uid it had when it was enqueued. */
interface Item {
  readonly res: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
}

type Classified = { solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] };

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #options: Required<Omit<GarbageCollectorOptions, 'resources'>> & Pick<GarbageCollectorOptions, 'resources'>;
  readonly #monitors = new Map<string, Monitor>();
  /** `group/Kind` → monitor, for resolving owner references. */
  readonly #byKind = new Map<string, Monitor>();
  readonly #deleteQueue;
  readonly #orphanQueue;
  /** Owners verified absent, `namespace|uid` (insertion-ordered for eviction). */
  readonly #absentOwners = new Set<string>();

  constructor(ctx: ControllerContext, options: GarbageCollectorOptions) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder(this.name);
    this.#options = {
      workers: 20,
      resourceResyncMs: 30_000,
      ignoredResources: DEFAULT_IGNORED_RESOURCES,
      syncTimeoutMs: 60_000,
      absentOwnerCacheSize: 500,
      ...options,
    };
    this.#deleteQueue = newQueue(ctx.clock);
    this.#orphanQueue = newQueue(ctx.clock);
    this.#syncMonitors();
  }

  async run(signal: AbortSignal): Promise<void> {
    const stopResync = this.#scheduleResourceResync(signal);
    try {
      await this.#waitForSync(signal);
      if (signal.aborted) return;
      const loop = (queue: WorkQueue<string>, name: string, reconcile: (item: Item) => Promise<ReconcileResult>) =>
        runReconcileLoop({ name, queue, workers: this.#options.workers, logger: this.#log, reconcile: (key) => reconcile(decodeItem(key)) }, signal);
      await Promise.all([
        loop(this.#deleteQueue, `${this.name}/attempt-to-delete`, (item) => this.#attemptToDelete(item)),
        loop(this.#orphanQueue, `${this.name}/attempt-to-orphan`, (item) => this.#attemptToOrphan(item)),
      ]);
    } finally {
      stopResync();
      for (const m of this.#monitors.values()) m.unregister();
    }
  }

  /**
   * Re-reads `resources()` now (e.g. from the registry's change listener when a CRD is served),
   * instead of waiting for the next periodic resync.
   */
  syncResources(): void {
    this.#syncMonitors();
  }

  /** True once every monitored resource has been listed. */
  hasSynced(): boolean {
    for (const m of this.#monitors.values()) if (!m.informer.hasSynced()) return false;
    return true;
  }

  // ---- monitors --------------------------------------------------------------------------------

  /** Starts monitoring resources that appeared and stops monitoring those that went away. */
  #syncMonitors(): void {
    let wanted: readonly GcResource[];
    try {
      wanted = this.#options.resources();
    } catch (e) {
      this.#log.warn({ err: errorText(e) }, 'failed to list resources to monitor; keeping the current set');
      return;
    }
    const ignored = new Set(this.#options.ignoredResources.map((r) => `${r.group}/${r.resource}`));
    const seen = new Set<string>();
    for (const res of wanted) {
      const key = `${res.group}/${res.resource}`;
      if (ignored.has(key) || seen.has(key)) continue;
      seen.add(key);
      if (this.#monitors.has(key)) continue;
      const informer = this.#ctx.informers.informer({ group: res.group, version: res.version, resource: res.resource });
      informer.addIndexers({ [INDEX.ownerUid]: byOwnerUid });
      const monitor: Monitor = { key, res, informer, unregister: () => undefined, uidIndexed: false };
      monitor.unregister = informer.addEventHandler({
        onAdd: (o) => this.#observe(monitor, undefined, o),
        onUpdate: (old, o) => this.#observe(monitor, old, o),
        onDelete: (o) => this.#observeDelete(o),
      });
      this.#monitors.set(key, monitor);
      this.#byKind.set(`${res.group}/${res.kind}`, monitor);
    }
    for (const [key, m] of this.#monitors) {
      if (seen.has(key)) continue;
      m.unregister();
      this.#monitors.delete(key);
      if (this.#byKind.get(`${m.res.group}/${m.res.kind}`) === m) this.#byKind.delete(`${m.res.group}/${m.res.kind}`);
    }
  }

  #scheduleResourceResync(signal: AbortSignal): () => void {
    let cancel = () => {};
    const schedule = () => {
      cancel = this.#ctx.clock.setTimer(this.#options.resourceResyncMs, () => {
        if (signal.aborted) return;
        this.#syncMonitors();
        schedule();
      });
    };
    schedule();
    return () => cancel();
  }

  /** Waits for the first list of every monitor, at most `syncTimeoutMs` (live GETs keep decisions safe). */
  async #waitForSync(signal: AbortSignal): Promise<void> {
    const timeout = new AbortController();
    // One listener per monitored resource waits on this signal.
    setMaxListeners(0, timeout.signal);
    const onAbort = () => timeout.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const cancel = this.#ctx.clock.setTimer(this.#options.syncTimeoutMs, () => timeout.abort());
    try {
      await Promise.all([...this.#monitors.values()].map((m) => m.informer.waitForSync(timeout.signal)));
      if (!this.hasSynced() && !signal.aborted) this.#log.warn('not every monitored resource synced in time; collecting anyway');
    } finally {
      cancel();
      signal.removeEventListener('abort', onAbort);
    }
  }

  // ---- graph changes (informer events) ---------------------------------------------------------

  #observe(m: Monitor, old: KubeObject | undefined, obj: KubeObject): void {
    if (old === obj) {
      // Resync: re-drive deletions in progress (level-based catch-up).
      if (isDeletingDependents(obj)) this.#enqueueDelete(m, obj);
      if (obj.metadata.deletionTimestamp && hasFinalizer(obj, FINALIZER_ORPHAN)) this.#enqueueOrphan(m, obj);
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (!old) {
      if (refs.length > 0) this.#enqueueDelete(m, obj);
    } else {
      const oldRefs = old.metadata.ownerReferences ?? [];
      if (!sameReferences(oldRefs, refs)) {
        if (refs.length > 0) this.#enqueueDelete(m, obj);
        this.#enqueueUnblockedOwners(obj, oldRefs, refs);
      }
    }
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_ORPHAN)) {
      this.#enqueueOrphan(m, obj);
    } else if (deletionStartsWithFinalizer(old, obj, FINALIZER_FOREGROUND)) {
      for (const dep of this.#dependents(obj)) this.#enqueueDelete(dep.monitor, dep.obj);
      this.#enqueueDelete(m, obj);
    }
  }

  #observeDelete(obj: KubeObject): void {
    const uid = obj.metadata.uid ?? '';
    const dependents = this.#dependents(obj);
    if (dependents.length > 0) this.#rememberAbsent(obj.metadata.namespace, uid);
    for (const dep of dependents) this.#enqueueDelete(dep.monitor, dep.obj);
    // An owner waiting for this dependent may now be free to go.
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = this.#cachedOwner(ref, obj.metadata.namespace);
      if (owner && isDeletingDependents(owner.obj)) this.#enqueueDelete(owner.monitor, owner.obj);
    }
  }

  /** A removed blocking reference, or one switched to non-blocking, may unblock its owner. */
  #enqueueUnblockedOwners(obj: KubeObject, oldRefs: readonly OwnerReference[], refs: readonly OwnerReference[]): void {
    for (const o of oldRefs) {
      if (o.blockOwnerDeletion !== true) continue;
      const now = refs.find((r) => r.uid === o.uid);
      if (now && now.blockOwnerDeletion === true) continue;
      const owner = this.#cachedOwner(o, obj.metadata.namespace);
      if (owner) this.#enqueueDelete(owner.monitor, owner.obj);
    }
  }

  #enqueueDelete(m: Monitor, obj: KubeObject): void {
    this.#deleteQueue.add(encodeItem(m, obj));
  }

  #enqueueOrphan(m: Monitor, obj: KubeObject): void {
    this.#orphanQueue.add(encodeItem(m, obj));
  }

  // ---- graph reads -------------------------------------------------------------------------------

  /** Objects whose ownerReferences name `owner`'s uid (in its namespace if it is namespaced). */
  #dependents(owner: KubeObject): { monitor: Monitor; obj: KubeObject }[] {
    const uid = owner.metadata.uid;
    if (!uid) return [];
    const ns = owner.metadata.namespace;
    const out: { monitor: Monitor; obj: KubeObject }[] = [];
    for (const m of this.#monitors.values()) {
      for (const dep of m.informer.lister.byIndex(INDEX.ownerUid, uid)) {
        if (ns && dep.metadata.namespace !== ns) continue;
        out.push({ monitor: m, obj: dep });
      }
    }
    return out;
  }

  /** The owner an ownerReference names, from the cache, if present with the same uid. */
  #cachedOwner(ref: OwnerReference, dependentNamespace: string | undefined): { monitor: Monitor; obj: KubeObject } | undefined {
    const m = this.#monitorForReference(ref);
    if (!m) return undefined;
    const o = m.informer.lister.get(m.res.namespaced ? dependentNamespace : undefined, ref.name);
    return o && o.metadata.uid === ref.uid ? { monitor: m, obj: o } : undefined;
  }

  #monitorForReference(ref: OwnerReference): Monitor | undefined {
    return this.#byKind.get(`${parseApiVersion(ref.apiVersion).group}/${ref.kind}`);
  }

  #rememberAbsent(namespace: string | undefined, uid: string): void {
    const key = `${namespace ?? ''}|${uid}`;
    this.#absentOwners.delete(key);
    this.#absentOwners.add(key);
    if (this.#absentOwners.size > this.#options.absentOwnerCacheSize) {
      const oldest = this.#absentOwners.values().next().value;
      if (oldest !== undefined) this.#absentOwners.delete(oldest);
    }
  }

  // ---- attemptToDelete ---------------------------------------------------------------------------

  async #attemptToDelete(item: Item): Promise<ReconcileResult> {
    const m = this.#monitors.get(item.res);
    if (!m) return;
    const latest = m.informer.lister.get(item.namespace, item.name);
    // Gone or replaced: the delete event (already seen or coming) handles its dependents.
    if (!latest || latest.metadata.uid !== item.uid) return;
    if (isDeletingDependents(latest)) return this.#processDeletingDependents(m, latest);
    // "Being deleted" is a one-way trip; its dependents are handled when it is gone.
    if (latest.metadata.deletionTimestamp) return;
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;

    const classified = await this.#classify(latest, refs);
    if (!classified) return;
    const { solid, dangling, waiting } = classified;
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Waiting owners must be released too, or they would wait on this object forever.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      this.#log.debug({ item, drop: [...drop] }, 'removing dangling and waiting owner references');
      await this.#patchOwnerReferences(m, latest, (rs) => rs.filter((r) => !drop.has(r.uid)));
      return;
    }
    if (waiting.length > 0 && this.#dependents(latest).length > 0) {
      // An owner waits for this object, which has dependents of its own: delete it in the
      // foreground too. A dependent already deleting its dependents may point back at us
      // (a cycle): make our references non-blocking first, as upstream does.
      if (this.#dependents(latest).some((d) => isDeletingDependents(d.obj))) {
        await this.#patchOwnerReferences(m, latest, (rs) => rs.map((r) => (r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : r)));
      }
      await this.#deleteObject(m, latest, 'Foreground');
      return;
    }
    const policy = hasFinalizer(latest, FINALIZER_ORPHAN) ? 'Orphan' : hasFinalizer(latest, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
    this.#log.debug({ item, policy }, 'deleting object whose owners are gone');
    await this.#deleteObject(m, latest, policy);
  }

  /**
   * Sorts references into solid / dangling / waiting. Undefined: nothing may be decided (a
   * cluster-scoped object naming a namespaced owner kind, which never resolves).
   * Throws when an owner kind is unknown (retried: a CRD may not be monitored yet).
   */
  async #classify(item: KubeObject, refs: readonly OwnerReference[]): Promise<Classified | undefined> {
    const out: Classified = { solid: [], dangling: [], waiting: [] };
    const itemNs = item.metadata.namespace;
    for (const ref of refs) {
      const m = this.#monitorForReference(ref);
      if (!m) throw new Error(`unable to get REST mapping for ${ref.apiVersion}/${ref.kind}`);
      if (!itemNs && m.res.namespaced) {
        this.#reportInvalidNamespace(item, ref);
        return undefined;
      }
      const ownerNs = m.res.namespaced ? itemNs : undefined;
      const owner = await this.#liveOwner(m, ref, ownerNs);
      if (!owner) {
        out.dangling.push(ref);
        if (ownerNs) this.#checkOwnerElsewhere(m, item, ref);
        continue;
      }
      if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_FOREGROUND)) out.waiting.push(ref);
      else out.solid.push(ref);
    }
    return out;
  }

  /** The owner if it exists with the referenced uid: cache first, then a live GET to confirm absence. */
  async #liveOwner(m: Monitor, ref: OwnerReference, namespace: string | undefined): Promise<KubeObject | undefined> {
    const absentKey = `${namespace ?? ''}|${ref.uid}`;
    if (this.#absentOwners.has(absentKey)) return undefined;
    const cached = m.informer.lister.get(namespace, ref.name);
    if (cached && cached.metadata.uid === ref.uid) return cached;
    let live: KubeObject;
    try {
      live = await this.#ctx.client.get(m.res, namespace, ref.name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        this.#rememberAbsent(namespace, ref.uid);
        return undefined;
      }
      throw e;
    }
    if (live.metadata.uid !== ref.uid) {
      this.#rememberAbsent(namespace, ref.uid);
      return undefined;
    }
    return live;
  }

  /** A namespaced owner absent from the dependent's namespace but present in another: report it. */
  #checkOwnerElsewhere(m: Monitor, item: KubeObject, ref: OwnerReference): void {
    if (!m.uidIndexed) {
      // Built lazily: only resources that are named as owners across namespaces pay for it.
      m.informer.addIndexers({ [UID_INDEX]: (o) => (o.metadata.uid ? [o.metadata.uid] : []) });
      m.uidIndexed = true;
    }
    if (m.informer.lister.byIndex(UID_INDEX, ref.uid).some((o) => o.metadata.namespace !== item.metadata.namespace)) {
      this.#reportInvalidNamespace(item, ref);
    }
  }

  #reportInvalidNamespace(item: KubeObject, ref: OwnerReference): void {
    const ns = item.metadata.namespace ?? '';
    this.#recorder.event(
      item,
      'Warning',
      'OwnerRefInvalidNamespace',
      `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: ${ns}, name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace "${ns}"`,
    );
  }

  /** An owner deleting its dependents first: done when no blocking dependent is left. */
  async #processDeletingDependents(m: Monitor, owner: KubeObject): Promise<ReconcileResult> {
    const uid = owner.metadata.uid ?? '';
    const blocking = this.#dependents(owner).filter((d) => d.obj.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      this.#log.debug({ owner: owner.metadata.name }, 'removing the foregroundDeletion finalizer');
      await this.#removeFinalizer(m, owner, FINALIZER_FOREGROUND);
      return;
    }
    for (const dep of blocking) if (!isDeletingDependents(dep.obj)) this.#enqueueDelete(dep.monitor, dep.obj);
  }

  // ---- attemptToOrphan ---------------------------------------------------------------------------

  async #attemptToOrphan(item: Item): Promise<ReconcileResult> {
    const m = this.#monitors.get(item.res);
    if (!m) return;
    const owner = m.informer.lister.get(item.namespace, item.name);
    if (!owner || owner.metadata.uid !== item.uid) return;
    if (!owner.metadata.deletionTimestamp || !hasFinalizer(owner, FINALIZER_ORPHAN)) return;
    const errors: string[] = [];
    await Promise.all(
      this.#dependents(owner).map(async (dep) => {
        try {
          await this.#patchOwnerReferences(dep.monitor, dep.obj, (rs) => rs.filter((r) => r.uid !== item.uid));
        } catch (e) {
          errors.push(`orphaning ${dep.obj.metadata.namespace ?? ''}/${dep.obj.metadata.name ?? ''} failed, ${errorText(e)}`);
        }
      }),
    );
    if (errors.length > 0) throw new Error(`failed to orphan dependents of owner ${item.namespace ?? ''}/${item.name}, got errors: ${errors.join(', ')}`);
    await this.#removeFinalizer(m, owner, FINALIZER_ORPHAN);
  }

  // ---- writes ------------------------------------------------------------------------------------

  /**
   * Deletes with uid and resourceVersion preconditions. If the object changed meanwhile but its
   * ownerReferences did not, the decision still holds: retry with the uid alone (so busy objects
   * are not starved). 404 means done.
   */
  async #deleteObject(m: Monitor, obj: KubeObject, policy: 'Orphan' | 'Background' | 'Foreground'): Promise<void> {
    const { namespace, name = '', uid, resourceVersion } = obj.metadata;
    try {
      await this.#ctx.client.delete(m.res, namespace, name, { propagationPolicy: policy, preconditions: { uid, resourceVersion } });
      return;
    } catch (e) {
      if (isCode(e, 404)) return;
      if (!isCode(e, 409)) throw e;
    }
    let live: KubeObject;
    try {
      live = await this.#ctx.client.get(m.res, namespace, name);
    } catch (e) {
      if (isCode(e, 404)) return;
      throw e;
    }
    if (live.metadata.uid !== uid || !sameReferences(live.metadata.ownerReferences ?? [], obj.metadata.ownerReferences ?? [])) {
      throw new Error(`${m.res.resource} ${namespace ?? ''}/${name} changed its owners while being collected; re-evaluating`);
    }
    try {
      await this.#ctx.client.delete(m.res, namespace, name, { propagationPolicy: policy, preconditions: { uid } });
    } catch (e) {
      if (!isCode(e, 404)) throw e;
    }
  }

  /** Rewrites an object's ownerReferences (see #patchMetadataList). */
  async #patchOwnerReferences(m: Monitor, obj: KubeObject, change: (refs: readonly OwnerReference[]) => OwnerReference[]): Promise<void> {
    await this.#patchMetadataList(m, obj, 'ownerReferences', (current) => {
      const refs = current.metadata.ownerReferences ?? [];
      const next = change(refs);
      return sameReferences(refs, next) ? undefined : { current: refs, next };
    });
  }

  /** Removes one finalizer (upstream: RetryOnConflict around the update). */
  async #removeFinalizer(m: Monitor, obj: KubeObject, finalizer: string): Promise<void> {
    await this.#patchMetadataList(m, obj, 'finalizers', (current) => {
      const finalizers = current.metadata.finalizers ?? [];
      return finalizers.includes(finalizer) ? { current: finalizers, next: finalizers.filter((f) => f !== finalizer) } : undefined;
    });
  }

  /**
   * Rewrites one list field of an object's metadata with a JSON patch guarded by `test`
   * operations on the uid and the field's current value: a concurrent change fails the test, and
   * we re-read and retry (a few times). `change` returns undefined when nothing is to be done; an
   * object that is gone or was re-created (other uid) is left alone.
   */
  async #patchMetadataList<T>(
    m: Monitor,
    obj: KubeObject,
    field: 'ownerReferences' | 'finalizers',
    change: (current: KubeObject) => { current: readonly T[]; next: readonly T[] } | undefined,
  ): Promise<void> {
    const { namespace, name = '', uid } = obj.metadata;
    let current = obj;
    for (let attempt = 0; ; attempt++) {
      const planned = change(current);
      if (!planned) return;
      const path = `/metadata/${field}`;
      const ops: unknown[] = [
        { op: 'test', path: '/metadata/uid', value: uid },
        { op: 'test', path, value: planned.current },
        planned.next.length > 0 ? { op: 'replace', path, value: planned.next } : { op: 'remove', path },
      ];
      try {
        await this.#ctx.client.patch(m.res, namespace, name, 'json', ops, { fieldManager: KUBE_CONTROLLER_MANAGER });
        return;
      } catch (e) {
        if (isCode(e, 404)) return;
        if (!(isCode(e, 409) || isCode(e, 422)) || attempt >= 4) throw e;
      }
      try {
        current = await this.#ctx.client.get(m.res, namespace, name);
      } catch (e) {
        if (isCode(e, 404)) return;
        throw e;
      }
      if (current.metadata.uid !== uid) return;
    }
  }
}

// ---- helpers -------------------------------------------------------------------------------------

function encodeItem(m: Monitor, obj: KubeObject): string {
  return JSON.stringify([m.key, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.metadata.uid ?? '']);
}

function decodeItem(key: string): Item {
  const [res, ns, name, uid] = JSON.parse(key) as [string, string, string, string];
  return { res, namespace: ns || undefined, name, uid };
}

function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) === true;
}

function isDeletingDependents(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && hasFinalizer(obj, FINALIZER_FOREGROUND);
}

/** The object is being deleted with `finalizer` and was not (or did not have it) before. */
function deletionStartsWithFinalizer(old: KubeObject | undefined, obj: KubeObject, finalizer: string): boolean {
  if (!obj.metadata.deletionTimestamp || !hasFinalizer(obj, finalizer)) return false;
  if (!old) return true;
  return !old.metadata.deletionTimestamp || !hasFinalizer(old, finalizer);
}

function sameReferences(a: readonly OwnerReference[], b: readonly OwnerReference[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.uid !== y.uid || x.name !== y.name || x.kind !== y.kind || x.apiVersion !== y.apiVersion || x.controller !== y.controller || x.blockOwnerDeletion !== y.blockOwnerDeletion) return false;
  }
  return true;
}

function isCode(e: unknown, code: number): boolean {
  return e instanceof ApiError && e.code === code;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
