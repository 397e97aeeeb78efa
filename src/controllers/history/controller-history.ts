/**
 * ControllerRevision history, after upstream pkg/controller/history: the snapshots of a
 * workload's pod template that StatefulSets and DaemonSets roll between (and that
 * `kubectl rollout history/undo` read).
 *
 *  - A revision is named `<owner>-<hash>` (the owner name cut to 223 characters so the name
 *    stays within 253), carries the owner's template labels plus `controller.kubernetes.io/hash`,
 *    a controller ownerReference to the owner, its `data` and a `revision` number.
 *  - Revisions are ordered by `revision`, then creation time, then name; the next revision number
 *    is one more than the highest.
 *  - Two revisions are equal when their data are (semantically) equal.
 *  - Creating a revision whose name is taken by a revision with different data bumps the
 *    collision count and retries with a new hash.
 *
 * Reads come from the ControllerRevision informer (indexed by controller uid and orphans by
 * namespace); writes go through the client with the caller's field manager.
 */
import { jsonEqual, type KubeObject } from '../../api/object.js';
import type { LabelSelector } from '../../api/selectors/index.js';
import type { Client, ResourceRef } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { addClaimIndexers, claimCandidates } from './controller-ref-manager.js';
import { hashRevisionData } from './hash.js';
import { controllerRefOf, isAlreadyExists, isConflict, isInvalid, isNotFound, newControllerRef, type OwnerKind } from './workload-helpers.js';

export const controllerRevisionsResource: ResourceRef = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };

/** Label holding the hash of a revision's data (history.ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/**
 * apps.ControllerRevisionHashLabelKey: on pods, the revision they were made from (StatefulSets:
 * the revision name; DaemonSets: the template hash). DaemonSet revisions carry it too.
 */
export const POD_REVISION_LABEL = 'controller-revision-hash';

const MAX_NAME_PREFIX = 223;
/** Bounds on loops that upstream leaves unbounded. */
const MAX_COLLISIONS = 100;
const MAX_CONFLICT_RETRIES = 5;

/** history.ControllerRevisionName. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > MAX_NAME_PREFIX ? prefix.slice(0, MAX_NAME_PREFIX) : prefix}-${hash}`;
}

export function revisionNumber(cr: KubeObject): number {
  return typeof cr.revision === 'number' ? cr.revision : 0;
}

/**
 * history.NewControllerRevision: a revision of `parent` recording `data`, named from the hash of
 * the data probed with `collisionCount`.
 */
export function newControllerRevision(
  parent: KubeObject,
  parentKind: OwnerKind,
  templateLabels: Readonly<Record<string, string>> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number,
): KubeObject {
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata.name ?? '', hash),
      namespace: parent.metadata.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(parent, parentKind)],
    },
    data,
    revision,
  };
}

/** history.SortControllerRevisions (stable): by revision, then creation time, then name. */
export function sortControllerRevisions(revisions: KubeObject[]): KubeObject[] {
  return revisions.sort((a, b) => {
    const d = revisionNumber(a) - revisionNumber(b);
    if (d !== 0) return d;
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** history.EqualRevision: both absent, or both present with equal data. */
export function equalRevision(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  if (!a || !b) return a === b;
  return jsonEqual(a.data, b.data);
}

/** history.FindEqualRevisions: the revisions equal to `needle`, in their order. */
export function findEqualRevisions(revisions: readonly KubeObject[], needle: KubeObject): KubeObject[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** One more than the highest revision number of a sorted list (1 for an empty one). */
export function nextRevision(sorted: readonly KubeObject[]): number {
  return sorted.length === 0 ? 1 : revisionNumber(sorted[sorted.length - 1]) + 1;
}

/**
 * The revisions to delete to keep at most `limit` of the non-live ones: the oldest first.
 * `sorted` is ordered by sortControllerRevisions; `live` holds names that must stay (current and
 * update revisions, revisions pods still run). A negative limit keeps everything.
 */
export function revisionsBeyondLimit(sorted: readonly KubeObject[], live: ReadonlySet<string>, limit: number): KubeObject[] {
  const history = sorted.filter((r) => !live.has(r.metadata.name ?? ''));
  if (limit < 0 || history.length <= limit) return [];
  return history.slice(0, history.length - limit);
}

export interface ControllerHistoryConfig {
  readonly client: Client;
  /** The shared ControllerRevision informer (indexes are added to it). */
  readonly informer: SharedInformer;
  /** Field manager for writes (the controller's name). */
  readonly fieldManager: string;
}

/** history.Interface over the API (realHistory). */
export class ControllerHistory {
  readonly #c: ControllerHistoryConfig;

  constructor(config: ControllerHistoryConfig) {
    this.#c = config;
    addClaimIndexers(config.informer);
  }

  /**
   * The revisions matching `selector` that `parent` controls or that have no controller (orphans
   * the parent may adopt). Informer objects: do not mutate.
   */
  listControllerRevisions(parent: KubeObject, selector: LabelSelector): KubeObject[] {
    const uid = parent.metadata.uid;
    return claimCandidates(this.#c.informer, parent).filter((r) => {
      const ref = controllerRefOf(r);
      return (ref === undefined || ref.uid === uid) && selector.matches(r.metadata.labels);
    });
  }

  /**
   * Creates `revision` for `parent`. On a name collision with different data the collision count
   * is incremented (in place, so the caller can record it in its status) and the name rehashed;
   * an existing revision with the same data is returned as is.
   */
  async createControllerRevision(parent: KubeObject, revision: KubeObject, collisionCount: { value: number }): Promise<KubeObject> {
    const namespace = parent.metadata.namespace;
    for (let attempt = 0; attempt < MAX_COLLISIONS; attempt++) {
      const hash = hashRevisionData(revision.data, collisionCount.value);
      const candidate: KubeObject = { ...revision, metadata: { ...revision.metadata, namespace, name: controllerRevisionName(parent.metadata.name ?? '', hash) } };
      try {
        return await this.#c.client.create(controllerRevisionsResource, namespace, candidate, { fieldManager: this.#c.fieldManager });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        const existing = await this.#c.client.get(controllerRevisionsResource, namespace, candidate.metadata.name ?? '');
        if (jsonEqual(existing.data, revision.data)) return existing;
        collisionCount.value++;
      }
    }
    throw new Error(`could not find a free ControllerRevision name for ${namespace}/${parent.metadata.name} after ${MAX_COLLISIONS} collisions`);
  }

  /** Sets the revision number of `revision` (a rollback to an earlier template), retrying conflicts. */
  async updateControllerRevision(revision: KubeObject, newRevision: number): Promise<KubeObject> {
    let current = revision;
    for (let attempt = 0; ; attempt++) {
      if (revisionNumber(current) === newRevision) return current;
      try {
        return await this.#c.client.update(controllerRevisionsResource, current.metadata.namespace, { ...current, revision: newRevision }, { fieldManager: this.#c.fieldManager });
      } catch (e) {
        if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
        current = await this.#c.client.get(controllerRevisionsResource, current.metadata.namespace, current.metadata.name ?? '');
      }
    }
  }

  async deleteControllerRevision(revision: KubeObject): Promise<void> {
    try {
      await this.#c.client.delete(controllerRevisionsResource, revision.metadata.namespace, revision.metadata.name ?? '');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Adds a controller reference to an orphan revision; fails if it already has a controller. */
  async adoptControllerRevision(parent: KubeObject, parentKind: OwnerKind, revision: KubeObject): Promise<KubeObject> {
    const owner = controllerRefOf(revision);
    if (owner) throw new Error(`attempt to adopt revision owned by ${owner.kind}/${owner.name} (${owner.uid})`);
    const body = { metadata: { ownerReferences: [newControllerRef(parent, parentKind)], uid: revision.metadata.uid } };
    return this.#c.client.patch(controllerRevisionsResource, parent.metadata.namespace, revision.metadata.name ?? '', 'strategic', body, { fieldManager: this.#c.fieldManager });
  }

  /** Removes parent's reference from a revision; gone or already released revisions are ignored. */
  async releaseControllerRevision(parent: KubeObject, revision: KubeObject): Promise<KubeObject | undefined> {
    const body = { metadata: { ownerReferences: [{ $patch: 'delete', uid: parent.metadata.uid }], uid: revision.metadata.uid } };
    try {
      return await this.#c.client.patch(controllerRevisionsResource, revision.metadata.namespace, revision.metadata.name ?? '', 'strategic', body, { fieldManager: this.#c.fieldManager });
    } catch (e) {
      if (isNotFound(e) || isInvalid(e)) return undefined;
      throw e;
    }
  }
}
