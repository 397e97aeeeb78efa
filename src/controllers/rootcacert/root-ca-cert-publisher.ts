/**
 * Publishes the cluster CA bundle as the ConfigMap `kube-root-ca.crt` (key `ca.crt`) in every
 * active namespace, as upstream's root-ca-cert-publisher (pkg/controller/certificates/
 * rootcacertpublisher) does: pods' projected service account volumes read it to verify the API
 * server at kubernetes.default.svc.
 *
 * Level-based per namespace: a namespace key is reconciled when the namespace is added or updated
 * while Active, and when its `kube-root-ca.crt` is changed or deleted; the ConfigMap is recreated
 * when missing and its data and description annotation restored when they differ. Other keys
 * and labels a user adds to it are left alone, as upstream does.
 *
 * Only ConfigMaps named `kube-root-ca.crt` are held in memory (a field-selected informer), so the
 * publisher does not pay for every ConfigMap in the cluster.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, jsonEqual, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** Upstream's description text, verbatim (users see it in `kubectl describe cm`). */
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCaCertPublisherOptions {
  /** The CA bundle (PEM) clients inside the cluster should trust for the API server. */
  readonly rootCaPem: string;
  /** Concurrent namespace reconciles (default 2). */
  readonly workers?: number;
}

export class RootCaCertPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher';
  readonly #ctx: ControllerContext;
  readonly #rootCa: string;
  readonly #workers: number;
  readonly #namespaces: SharedInformer;
  readonly #configMaps: SharedInformer;
  readonly #queue;

  constructor(ctx: ControllerContext, options: RootCaCertPublisherOptions) {
    if (!options.rootCaPem) throw new Error('root-ca-cert-publisher: rootCaPem is required');
    this.#ctx = ctx;
    this.#rootCa = options.rootCaPem;
    this.#workers = options.workers ?? 2;
    this.#queue = newQueue(ctx.clock);
    this.#namespaces = ctx.informers.informer(resources.namespaces);
    this.#configMaps = ctx.informers.informer(resources.configmaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    const enqueueNs = (ns: KubeObject) => this.#queue.add(ns.metadata.name ?? '');
    this.#namespaces.addEventHandler({
      onAdd: enqueueNs,
      onUpdate: (_old, ns) => {
        if (isActive(ns)) enqueueNs(ns);
      },
    });
    const enqueueCm = (cm: KubeObject) => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) this.#queue.add(cm.metadata.namespace);
    };
    this.#configMaps.addEventHandler({ onUpdate: (_old, cm) => enqueueCm(cm), onDelete: enqueueCm });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#namespaces.waitForSync(signal), this.#configMaps.waitForSync(signal)]);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (ns) => this.#reconcile(ns), workers: this.#workers, logger: this.#ctx.logger }, signal);
  }

  async #reconcile(namespace: string): Promise<void> {
    const ns = this.#namespaces.lister.get(undefined, namespace);
    if (!ns || !isActive(ns)) return;
    const data = { [ROOT_CA_KEY]: this.#rootCa };
    const current = this.#configMaps.lister.get(namespace, ROOT_CA_CONFIGMAP);
    try {
      if (!current) {
        const cm: KubeObject = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
          data,
        };
        await this.#ctx.client.create(resources.configmaps, namespace, cm, { fieldManager: KUBE_CONTROLLER_MANAGER });
        return;
      }
      if (jsonEqual(current.data, data) && current.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return;
      // Informer objects are shared: build the update from a shallow copy with new members.
      const updated: KubeObject = {
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
        data,
      };
      await this.#ctx.client.update(resources.configmaps, namespace, updated, { fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      // 404/403: the namespace is gone or terminating (upstream does not retry those);
      // 409: created or changed meanwhile — the informer event brings us back if needed.
      if (e instanceof ApiError && (e.code === 404 || e.code === 403 || e.code === 409)) return;
      throw e;
    }
  }
}

function isActive(ns: KubeObject): boolean {
  if (ns.metadata.deletionTimestamp) return false;
  const phase = isJsonObject(ns.status) ? ns.status.phase : undefined;
  return phase === undefined || phase === 'Active';
}
