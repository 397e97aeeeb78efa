/**
 * Adoption and release of dependents (pods, ControllerRevisions) by a controller, after upstream
 * pkg/controller/controller_ref_manager.go:
 *  - an object controlled by another owner is never touched;
 *  - an object we control that no longer matches our selector (or filter) is released (our
 *    ownerReference removed), unless we are being deleted;
 *  - an orphan that matches is adopted (a controller ownerReference added), after a fresh read
 *    confirms the owner still exists and is not being deleted (`canAdopt`, run at most once per
 *    claim, as upstream's RecheckDeletionTimestamp).
 * Writes are strategic merge patches carrying the object's uid, so a recreated object of the same
 * name is never patched by mistake.
 *
 * Candidates come from informer indexes, not namespace scans: objects whose controller is the
 * owner (`controllerUid`) plus orphans of the namespace (podcontrol's orphans-by-namespace).
 */
import type { KubeObject } from '../../api/object.js';
import type { LabelSelector } from '../../api/selectors/index.js';
import type { Client, ResourceRef } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { byControllerUid, INDEX } from '../../informer/indexers.js';
import { ORPHAN_INDEX, orphansByNamespace } from '../podcontrol/controller-ref.js';
import { aggregate, controllerRefOf, isInvalid, isNotFound, newControllerRef, type OwnerKind } from './workload-helpers.js';

/**
 * Adds the indexes `claimCandidates` reads to an informer (idempotent): the controller uid and
 * the orphans-by-namespace index the other workload controllers register too (one copy each).
 */
export function addClaimIndexers(informer: SharedInformer): void {
  informer.addIndexers({ [INDEX.controllerUid]: byControllerUid, [ORPHAN_INDEX]: orphansByNamespace });
}

/** Objects controlled by `owner` plus the orphans of its namespace. */
export function claimCandidates(informer: SharedInformer, owner: KubeObject): KubeObject[] {
  const owned = informer.lister.byIndex(INDEX.controllerUid, owner.metadata.uid ?? '');
  const orphans = informer.lister.byIndex(ORPHAN_INDEX, owner.metadata.namespace ?? '');
  return orphans.length === 0 ? owned : owned.concat(orphans);
}

export interface ClaimConfig {
  readonly client: Client;
  readonly resource: ResourceRef;
  readonly fieldManager: string;
  readonly owner: KubeObject;
  readonly ownerKind: OwnerKind;
  readonly selector: LabelSelector;
  /** Extra condition for owning an object (StatefulSets: the pod name belongs to the set). */
  readonly filter?: (o: KubeObject) => boolean;
  /** Throws when adoption must not happen (owner gone or being deleted); see recheckOwner. */
  readonly canAdopt: () => Promise<void>;
}

/**
 * ClaimObjects: returns the candidates the owner controls after adopting and releasing. Adoption
 * or release failures are collected and thrown after the pass (upstream returns them with the
 * claimed list; every caller treats them as a failed sync).
 */
export async function claimObjects(candidates: readonly KubeObject[], c: ClaimConfig): Promise<KubeObject[]> {
  const claimed: KubeObject[] = [];
  const errors: unknown[] = [];
  const ownerUid = c.owner.metadata.uid;
  const ownerDeleting = c.owner.metadata.deletionTimestamp !== undefined;
  let adoptable: Promise<void> | undefined;
  for (const o of candidates) {
    const match = c.selector.matches(o.metadata.labels) && (c.filter?.(o) ?? true);
    const ref = controllerRefOf(o);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (match) {
          claimed.push(o);
          continue;
        }
        if (ownerDeleting) continue;
        await release(o, c);
        continue;
      }
      if (ownerDeleting || !match || o.metadata.deletionTimestamp !== undefined) continue;
      if (o.metadata.namespace !== c.owner.metadata.namespace) continue;
      adoptable ??= c.canAdopt();
      await adoptable;
      if (await adopt(o, c)) claimed.push(o);
    } catch (e) {
      errors.push(e);
    }
  }
  const err = aggregate(errors);
  if (err) throw err;
  return claimed;
}

/** Patches a controller ownerReference onto an orphan; false if the object is gone. */
async function adopt(o: KubeObject, c: ClaimConfig): Promise<boolean> {
  const body = { metadata: { ownerReferences: [newControllerRef(c.owner, c.ownerKind)], uid: o.metadata.uid } };
  try {
    await c.client.patch(c.resource, o.metadata.namespace, o.metadata.name ?? '', 'strategic', body, { fieldManager: c.fieldManager });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Removes the owner's reference; gone objects and ones no longer owned are ignored. */
async function release(o: KubeObject, c: ClaimConfig): Promise<void> {
  const body = { metadata: { ownerReferences: [{ $patch: 'delete', uid: c.owner.metadata.uid }], uid: o.metadata.uid } };
  try {
    await c.client.patch(c.resource, o.metadata.namespace, o.metadata.name ?? '', 'strategic', body, { fieldManager: c.fieldManager });
  } catch (e) {
    if (isNotFound(e) || isInvalid(e)) return;
    throw e;
  }
}

/**
 * controller.RecheckDeletionTimestamp over a fresh GET: throws unless the owner still exists with
 * the same uid and is not being deleted.
 */
export async function recheckOwner(client: Client, resource: ResourceRef, owner: KubeObject, kind: string): Promise<void> {
  const { namespace, name, uid } = owner.metadata;
  const fresh = await client.get(resource, namespace, name ?? '');
  if (fresh.metadata.uid !== uid) throw new Error(`original ${kind} ${namespace}/${name} is gone: got uid ${fresh.metadata.uid}, wanted ${uid}`);
  if (fresh.metadata.deletionTimestamp) throw new Error(`${namespace}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}
