/**
 * Pod and claim writes of the StatefulSet controller, with the Events upstream's
 * StatefulPodControl records on the StatefulSet (so `kubectl describe sts` reads the same):
 *  - SuccessfulCreate  "create Pod web-0 in StatefulSet web successful"
 *  - SuccessfulCreate  "create Claim data-web-0 Pod web-0 in StatefulSet web success"
 *  - SuccessfulDelete  "delete Pod web-2 in StatefulSet web successful"
 *  - SuccessfulUpdate  "update Pod web-0 in StatefulSet web successful"
 *  - Failed<Verb> (Warning) "<verb> Pod web-0 in StatefulSet web failed error: <err>"
 *    and "<verb> Claim data-web-0 for Pod web-0 in StatefulSet web failed error: <err>".
 * Claims are created before their pod; the pod is created with its claim volumes wired in.
 */
import { deepCopy, type KubeObject } from '../../api/object.js';
import type { Client, ResourceRef } from '../../client/client.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { Lister } from '../../informer/shared-informer.js';
import { aggregate, errorMessage, isAlreadyExists, isConflict } from '../history/workload-helpers.js';
import {
  claimOwnerRefsForPolicy,
  getOrdinal,
  getRetentionPolicy,
  hasStaleOwnerRef,
  identityMatches,
  isClaimOwnerUpToDate,
  persistentVolumeClaims,
  POD_KIND,
  storageMatches,
  updateIdentity,
  updateStorage,
  volumeClaimTemplates,
  claimName,
} from './statefulset-utils.js';

export const persistentVolumeClaimsResource: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

const MAX_UPDATE_RETRIES = 5;

export interface StatefulPodControlConfig {
  readonly client: Client;
  readonly pods: Lister;
  readonly claims: Lister;
  readonly recorder: EventRecorder;
  readonly fieldManager: string;
}

function title(verb: string): string {
  return verb.charAt(0).toUpperCase() + verb.slice(1);
}

export class StatefulPodControl {
  readonly #c: StatefulPodControlConfig;

  constructor(config: StatefulPodControlConfig) {
    this.#c = config;
  }

  /** Creates the pod's claims, then the pod; then sets claim ownership for the retention policy. */
  async createStatefulPod(set: KubeObject, pod: KubeObject): Promise<void> {
    let fresh: Map<string, KubeObject>;
    try {
      fresh = await this.#createPersistentVolumeClaims(set, pod);
    } catch (e) {
      this.#recordPodEvent('create', set, pod, e);
      throw e;
    }
    let created: KubeObject;
    try {
      created = await this.#c.client.create(resources.pods, pod.metadata.namespace, pod, { fieldManager: this.#c.fieldManager });
    } catch (e) {
      // Already exists: our informer has not seen the pod yet; no event (as upstream).
      if (!isAlreadyExists(e)) this.#recordPodEvent('create', set, pod, e);
      throw e;
    }
    try {
      await this.updatePodClaimForRetentionPolicy(set, created, fresh);
    } catch (e) {
      this.#recordPodEvent('update', set, pod, e);
      throw e;
    }
    this.#recordPodEvent('create', set, pod, undefined);
  }

  /**
   * Restores the pod's identity and storage and its claims' retention ownership; updates the pod
   * when anything was off (retrying conflicts on a fresh copy).
   */
  async updateStatefulPod(set: KubeObject, original: KubeObject): Promise<void> {
    let pod = deepCopy(original);
    let attempted = false;
    let error: unknown;
    for (let attempt = 0; attempt <= MAX_UPDATE_RETRIES; attempt++) {
      let consistent = true;
      try {
        if (!identityMatches(set, pod)) {
          updateIdentity(set, pod);
          consistent = false;
        }
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.#createPersistentVolumeClaims(set, pod);
        }
        if (!this.claimsMatchRetentionPolicy(set, pod)) {
          await this.updatePodClaimForRetentionPolicy(set, pod);
          consistent = false;
        }
      } catch (e) {
        this.#recordPodEvent('update', set, pod, e);
        throw e;
      }
      if (consistent) return;
      attempted = true;
      try {
        await this.#c.client.update(resources.pods, pod.metadata.namespace, pod, { fieldManager: this.#c.fieldManager });
        error = undefined;
        break;
      } catch (e) {
        error = e;
        if (!isConflict(e)) break;
        const fresh = this.#c.pods.get(set.metadata.namespace, pod.metadata.name ?? '');
        if (fresh) pod = deepCopy(fresh);
      }
    }
    if (attempted) this.#recordPodEvent('update', set, pod, error);
    if (error) throw error;
  }

  async deleteStatefulPod(set: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await this.#c.client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name ?? '');
    } catch (e) {
      this.#recordPodEvent('delete', set, pod, e);
      throw e;
    }
    this.#recordPodEvent('delete', set, pod, undefined);
  }

  /** Whether every existing claim of the pod carries the ownership the retention policy wants. */
  claimsMatchRetentionPolicy(set: KubeObject, pod: KubeObject): boolean {
    const ordinal = getOrdinal(pod);
    for (const template of volumeClaimTemplates(set)) {
      const claim = this.#c.claims.get(set.metadata.namespace, claimName(set, template, ordinal));
      if (claim && !isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  /**
   * Rewrites the ownerReferences of the pod's claims for the retention policy. `fresh` holds
   * claims just created (which the informer may not have delivered yet).
   */
  async updatePodClaimForRetentionPolicy(set: KubeObject, pod: KubeObject, fresh?: ReadonlyMap<string, KubeObject>): Promise<void> {
    const ordinal = getOrdinal(pod);
    for (const template of volumeClaimTemplates(set)) {
      const name = claimName(set, template, ordinal);
      const claim = fresh?.get(name) ?? this.#c.claims.get(set.metadata.namespace, name);
      if (!claim || isClaimOwnerUpToDate(claim, set, pod)) continue;
      const ownerReferences = claimOwnerRefsForPolicy(claim, set, pod);
      try {
        await this.#c.client.update(persistentVolumeClaimsResource, claim.metadata.namespace, { ...claim, metadata: { ...claim.metadata, ownerReferences } }, { fieldManager: this.#c.fieldManager });
      } catch (e) {
        throw new Error(`Could not update claim ${name} for delete policy ownerRefs: ${errorMessage(e)}`, { cause: e });
      }
    }
  }

  /**
   * PodClaimIsStale: with whenScaled=Delete, a claim still owned by an earlier pod of the same
   * name must be garbage-collected before the pod is recreated.
   */
  podClaimIsStale(set: KubeObject, pod: KubeObject): boolean {
    if (getRetentionPolicy(set).whenScaled === 'Retain') return false;
    for (const claim of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const existing = this.#c.claims.get(claim.metadata.namespace, claim.metadata.name ?? '');
      if (existing && hasStaleOwnerRef(existing, pod, POD_KIND)) return true;
    }
    return false;
  }

  /** Creates the pod's claims that the pod needs and that do not exist yet (createMissingPersistentVolumeClaims). */
  async createMissingPersistentVolumeClaims(set: KubeObject, pod: KubeObject): Promise<void> {
    const fresh = await this.#createPersistentVolumeClaims(set, pod);
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod, fresh);
    } catch (e) {
      this.#recordPodEvent('update', set, pod, e);
      throw e;
    }
  }

  /** Creates the missing claims of the pod; returns those created, by name. */
  async #createPersistentVolumeClaims(set: KubeObject, pod: KubeObject): Promise<Map<string, KubeObject>> {
    const created = new Map<string, KubeObject>();
    const errors: unknown[] = [];
    for (const claim of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const name = claim.metadata.name ?? '';
      const existing = this.#c.claims.get(claim.metadata.namespace, name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) errors.push(new Error(`pvc ${name} is being deleted`));
        continue;
      }
      try {
        created.set(name, await this.#c.client.create(persistentVolumeClaimsResource, claim.metadata.namespace, claim, { fieldManager: this.#c.fieldManager }));
        this.#recordClaimEvent('create', set, pod, name, undefined);
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        errors.push(new Error(`failed to create PVC ${name}: ${errorMessage(e)}`, { cause: e }));
        this.#recordClaimEvent('create', set, pod, name, e);
      }
    }
    const err = aggregate(errors);
    if (err) throw err;
    return created;
  }

  #recordPodEvent(verb: string, set: KubeObject, pod: KubeObject, err: unknown): void {
    const podName = pod.metadata.name;
    const setName = set.metadata.name;
    if (err === undefined) {
      this.#c.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} successful`);
    } else {
      this.#c.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
    }
  }

  #recordClaimEvent(verb: string, set: KubeObject, pod: KubeObject, claim: string, err: unknown): void {
    const podName = pod.metadata.name;
    const setName = set.metadata.name;
    if (err === undefined) {
      this.#c.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Claim ${claim} Pod ${podName} in StatefulSet ${setName} success`);
    } else {
      this.#c.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Claim ${claim} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
    }
  }
}

