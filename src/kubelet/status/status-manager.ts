/**
 * Writes pod statuses to the API as upstream's status manager (pkg/kubelet/status) does:
 *  - only when the status the kubelet generated differs from the pod's (a resync that changes
 *    nothing writes nothing);
 *  - through pods/<name>/status, guarded by the resourceVersion of the pod it was generated from;
 *    on a conflict the pod is read again, conditions other writers own (DisruptionTarget,
 *    readiness gates, the node controller's) are taken from it and the write is retried;
 *  - a pod being deleted whose containers have all stopped is then deleted for good, with grace
 *    period 0 and its UID as a precondition (so a new pod of the same name is never touched).
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { objsAt, strAt } from '../../api/json-access.js';
import { isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources, type Client } from '../../client/client.js';
import { KUBELET_POD_CONDITIONS } from './pod-conditions.js';

export interface StatusManagerConfig {
  readonly client: Client;
  readonly logger: Logger;
  /** Field manager of the writes (`kubelet`). */
  readonly fieldManager?: string;
}

/** The written status and the resourceVersion the API answered with. */
interface Written {
  readonly status: JsonObject;
  readonly resourceVersion: string | undefined;
}

const MAX_CONFLICT_RETRIES = 3;

/** `ours` with the conditions the kubelet does not own taken from `fresh` (the API's current pod). */
export function mergeForeignConditions(ours: JsonObject, fresh: JsonObject): JsonObject {
  const foreign = objsAt(fresh, 'conditions').filter((c) => !KUBELET_POD_CONDITIONS.has(strAt(c, 'type')));
  const mine = objsAt(ours, 'conditions').filter((c) => KUBELET_POD_CONDITIONS.has(strAt(c, 'type')));
  return { ...ours, conditions: [...foreign, ...mine] };
}

export class StatusManager {
  readonly #c: StatusManagerConfig;
  readonly #log: Logger;
  readonly #written = new Map<string, Written>();
  /** Pod status writes (for tests and metrics). */
  writes = 0;

  constructor(config: StatusManagerConfig) {
    this.#c = config;
    this.#log = config.logger;
  }

  /** The status last written for a pod (undefined before the first write). */
  lastWritten(uid: string): JsonObject | undefined {
    return this.#written.get(uid)?.status;
  }

  /**
   * Writes `status` for `pod` (the API object it was generated from) unless the pod already has
   * it. Returns the pod as written, or undefined when nothing was written or the pod is gone.
   */
  async setStatus(pod: KubeObject, status: JsonObject): Promise<KubeObject | undefined> {
    const uid = pod.metadata.uid ?? '';
    const current = isJsonObject(pod.status) ? pod.status : {};
    if (jsonEqual(current, status)) return undefined;
    // The API may normalise what we sent: a pod still at the version we wrote has our status.
    const last = this.#written.get(uid);
    if (last && last.resourceVersion === pod.metadata.resourceVersion && jsonEqual(last.status, status)) return undefined;
    let target = pod;
    let body = status;
    for (let attempt = 0; ; attempt++) {
      try {
        const written = await this.#c.client.update(resources.pods, target.metadata.namespace, { ...target, status: body }, { subresource: 'status', fieldManager: this.#c.fieldManager ?? 'kubelet' });
        this.writes++;
        this.#written.set(uid, { status: body, resourceVersion: written.metadata.resourceVersion });
        return written;
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (e.code === 404) return undefined;
        if (e.code !== 409 || attempt >= MAX_CONFLICT_RETRIES) throw e;
        let fresh: KubeObject;
        try {
          fresh = await this.#c.client.get(resources.pods, target.metadata.namespace, target.metadata.name ?? '');
        } catch (ge) {
          if (ge instanceof ApiError && ge.code === 404) return undefined;
          throw ge;
        }
        if (fresh.metadata.uid !== uid) return undefined;
        target = fresh;
        body = mergeForeignConditions(status, isJsonObject(fresh.status) ? fresh.status : {});
        this.#log.debug({ pod: `${fresh.metadata.namespace}/${fresh.metadata.name}` }, 'pod status conflict; retrying on the current pod');
      }
    }
  }

  /** Deletes a terminated pod for good (grace period 0, UID precondition). */
  async deletePod(pod: KubeObject): Promise<void> {
    try {
      await this.#c.client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }

  forget(uid: string): void {
    this.#written.delete(uid);
  }
}
