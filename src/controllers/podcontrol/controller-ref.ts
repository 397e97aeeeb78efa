/**
 * ControllerRef management (upstream's BaseControllerRefManager.ClaimObject): decides which of
 * the candidate objects a controller owns, adopting orphans that match its selector and
 * releasing owned objects that no longer match.
 *
 *  - owned by another controller → ignored;
 *  - owned by us and matching → claimed; not matching → released (unless we are being deleted);
 *  - orphan, matching, alive, same namespace, and we are not being deleted → adopted (once the
 *    owner has been re-read from the API and found alive: `canAdopt`), then claimed.
 *
 * Adoption and release are strategic-merge patches of metadata.ownerReferences carrying the
 * object's uid as a precondition, as upstream sends them. A 404 (object gone) is not an error.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { Client, ResourceRef } from '../../client/client.js';
import { controllerRefOf, newControllerRef } from './pod-utils.js';

export interface ClaimConfig {
  readonly client: Client;
  readonly fieldManager: string;
  /** The resource of the candidates (pods, replicasets). */
  readonly resource: ResourceRef;
  /** The claiming controller object (a ReplicaSet, a Deployment …). */
  readonly owner: KubeObject;
  readonly ownerApiVersion: string;
  readonly ownerKind: string;
  readonly matches: (labels: Readonly<Record<string, string>> | undefined) => boolean;
  /** Re-reads the owner; throws if it is gone or being deleted (RecheckDeletionTimestamp). */
  readonly canAdopt: () => Promise<void>;
}

export interface ClaimResult<T> {
  readonly claimed: T[];
  readonly errors: unknown[];
}

export async function claimObjects<T extends KubeObject>(config: ClaimConfig, candidates: readonly T[]): Promise<ClaimResult<T>> {
  const { owner } = config;
  const ownerUid = owner.metadata.uid;
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;
  const work: Promise<void>[] = [];
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (config.matches(obj.metadata.labels)) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      work.push(release(config, obj).catch((e: unknown) => void errors.push(e)));
      continue;
    }
    if (ownerDeleting || !config.matches(obj.metadata.labels)) continue;
    if (obj.metadata.deletionTimestamp !== undefined) continue;
    if (owner.metadata.namespace && owner.metadata.namespace !== obj.metadata.namespace) continue;
    adoptable ??= config.canAdopt();
    work.push(
      adoptable
        .then(() => adopt(config, obj))
        .then((ok) => {
          if (ok) claimed.push(obj);
        })
        .catch((e: unknown) => void errors.push(e)),
    );
  }
  await Promise.all(work);
  return { claimed, errors };
}

async function adopt(config: ClaimConfig, obj: KubeObject): Promise<boolean> {
  const ref = newControllerRef(config.owner, config.ownerApiVersion, config.ownerKind);
  const patch = { metadata: { ownerReferences: [ref], uid: obj.metadata.uid } };
  try {
    await config.client.patch(config.resource, obj.metadata.namespace, obj.metadata.name ?? '', 'strategic', patch, { fieldManager: config.fieldManager });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return false;
    throw e;
  }
}

async function release(config: ClaimConfig, obj: KubeObject): Promise<void> {
  const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: config.owner.metadata.uid }], uid: obj.metadata.uid } };
  try {
    await config.client.patch(config.resource, obj.metadata.namespace, obj.metadata.name ?? '', 'strategic', patch, { fieldManager: config.fieldManager });
  } catch (e) {
    // Gone, or no longer ours / uid changed (upstream ignores Invalid here too).
    if (e instanceof ApiError && (e.code === 404 || e.code === 422)) return;
    throw e;
  }
}

/** The canAdopt check: a fresh read of the owner, which must be the same object and alive. */
export function recheckDeletionTimestamp(client: Client, resource: ResourceRef, owner: KubeObject, kind: string): () => Promise<void> {
  return async () => {
    const ns = owner.metadata.namespace;
    const name = owner.metadata.name ?? '';
    const fresh = await client.get(resource, ns, name);
    if (fresh.metadata.uid !== owner.metadata.uid) {
      throw new Error(`original ${kind} ${ns}/${name} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${owner.metadata.uid ?? ''}`);
    }
    if (fresh.metadata.deletionTimestamp) throw new Error(`${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  };
}

/** Index function: the namespace of objects that have no controller (orphans), for adoption scans. */
export const orphansByNamespace = (o: KubeObject): readonly string[] => (controllerRefOf(o) === undefined ? [o.metadata.namespace ?? ''] : []);

/** Index name under which workload controllers register `orphansByNamespace`. */
export const ORPHAN_INDEX = 'podcontrol/orphans-by-namespace';
