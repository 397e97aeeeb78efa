/**
 * Ensures every active namespace has a `default` ServiceAccount (upstream's serviceaccounts
 * controller). Level-based: a namespace key is reconciled whenever the namespace or one of its
 * ServiceAccounts changes, and on resync.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export class ServiceAccountController implements Controller {
  readonly name = 'serviceaccount-controller';
  readonly #ctx: ControllerContext;
  readonly #namespaces: SharedInformer;
  readonly #accounts: SharedInformer;
  readonly #queue;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#queue = newQueue(ctx.clock);
    this.#namespaces = ctx.informers.informer(resources.namespaces);
    this.#accounts = ctx.informers.informer(resources.serviceaccounts);
    this.#namespaces.addEventHandler({ onAdd: (ns) => this.#queue.add(ns.metadata.name ?? ''), onUpdate: (_o, ns) => this.#queue.add(ns.metadata.name ?? '') });
    this.#accounts.addEventHandler({ onDelete: (sa) => sa.metadata.namespace && this.#queue.add(sa.metadata.namespace) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#namespaces.waitForSync(signal), this.#accounts.waitForSync(signal)]);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (ns) => this.#reconcile(ns), workers: 2, logger: this.#ctx.logger }, signal);
  }

  async #reconcile(namespace: string): Promise<void> {
    const ns = this.#namespaces.lister.get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (this.#accounts.lister.get(namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } };
    try {
      await this.#ctx.client.create(resources.serviceaccounts, namespace, sa, { fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      // Created meanwhile (by us on another key's pass, or by a user), or the namespace is going away.
      if (e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404)) return;
      throw e;
    }
  }
}
