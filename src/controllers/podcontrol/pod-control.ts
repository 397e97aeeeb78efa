/**
 * Creating and deleting pods on behalf of a controller (upstream's RealPodControl): pods are built
 * from the controller's template with its controller ownerReference and `generateName:
 * <owner>-` (the API server appends 5 random characters), and every outcome is recorded as the
 * Event kubectl describe shows on the owner:
 *   SuccessfulCreate "Created pod: <name>"     FailedCreate "Error creating: <error>"
 *   SuccessfulDelete "Deleted pod: <name>"     FailedDelete "Error deleting: <error>"
 * Creation failures in a terminating namespace record no event (upstream does the same).
 */
import { ApiError } from '../../api/errors.js';
import { deepCopy, type KubeObject, type OwnerReference } from '../../api/object.js';
import { resources, type Client } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { Pod, PodTemplateSpec } from './workload-types.js';

export const SUCCESSFUL_CREATE_POD_REASON = 'SuccessfulCreate';
export const FAILED_CREATE_POD_REASON = 'FailedCreate';
export const SUCCESSFUL_DELETE_POD_REASON = 'SuccessfulDelete';
export const FAILED_DELETE_POD_REASON = 'FailedDelete';

export interface PodControlConfig {
  readonly client: Client;
  readonly recorder: EventRecorder;
  /** managedFields manager of the writes (the controller's name). */
  readonly fieldManager: string;
}

/** True for the admission error a namespace being deleted answers creations with. */
export function isNamespaceTerminating(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  if (e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return e.code === 403 && e.message.includes('because it is being terminated');
}

/** controller.GetPodFromTemplate: labels, annotations and finalizers of the template, its spec, the owner's ref. */
export function podFromTemplate(template: PodTemplateSpec, ownerName: string, controllerRef: OwnerReference | undefined): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `${ownerName}-` },
    spec: deepCopy(template.spec ?? {}),
  };
  if (meta.labels) pod.metadata.labels = { ...meta.labels };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  if (controllerRef) pod.metadata.ownerReferences = [{ ...controllerRef }];
  return pod;
}

export class PodControl {
  readonly #c: PodControlConfig;

  constructor(config: PodControlConfig) {
    this.#c = config;
  }

  /** Creates one pod from the template; returns it, or throws (after recording FailedCreate). */
  async createPod(namespace: string, template: PodTemplateSpec, owner: KubeObject, controllerRef: OwnerReference): Promise<Pod> {
    const pod = podFromTemplate(template, owner.metadata.name ?? '', controllerRef);
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) throw new Error('unable to create pods, no labels');
    let created: Pod;
    try {
      created = (await this.#c.client.create(resources.pods, namespace, pod, { fieldManager: this.#c.fieldManager })) as Pod;
    } catch (e) {
      if (!isNamespaceTerminating(e)) this.#c.recorder.event(owner, 'Warning', FAILED_CREATE_POD_REASON, `Error creating: ${errorText(e)}`);
      throw e;
    }
    this.#c.recorder.event(owner, 'Normal', SUCCESSFUL_CREATE_POD_REASON, `Created pod: ${created.metadata.name ?? ''}`);
    return created;
  }

  /** Deletes a pod (graceful: the kubelet finishes it). A 404 is rethrown without an event. */
  async deletePod(namespace: string, name: string, owner: KubeObject): Promise<void> {
    try {
      await this.#c.client.delete(resources.pods, namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) throw e;
      this.#c.recorder.event(owner, 'Warning', FAILED_DELETE_POD_REASON, `Error deleting: ${errorText(e)}`);
      throw new Error(`unable to delete pods: ${errorText(e)}`, { cause: e });
    }
    this.#c.recorder.event(owner, 'Normal', SUCCESSFUL_DELETE_POD_REASON, `Deleted pod: ${name}`);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
