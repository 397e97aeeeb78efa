/**
 * Fills the rules of aggregated ClusterRoles (upstream's clusterrole-aggregation controller):
 * a ClusterRole with an aggregationRule gets the union of the rules of every other ClusterRole
 * its selectors match, in name order, without duplicates. This is how admin/edit/view pick up
 * the system:aggregate-to-* roles and any role a user labels
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"`.
 *
 * Level-based: any ClusterRole change queues every aggregated role.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.js';
import { rbacResources } from '../../auth/rbac/reconcile-policy.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop, TerminalError } from '../framework/controller.js';

interface AggregationRule {
  readonly clusterRoleSelectors?: readonly unknown[];
}

export class ClusterRoleAggregationController implements Controller {
  readonly name = 'clusterrole-aggregation-controller';
  readonly #ctx: ControllerContext;
  readonly #roles: SharedInformer;
  readonly #queue;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#queue = newQueue(ctx.clock);
    this.#roles = ctx.informers.informer(rbacResources.clusterroles);
    const requeueAggregated = () => {
      for (const role of this.#roles.lister.list()) if (role.aggregationRule) this.#queue.add(role.metadata.name ?? '');
    };
    this.#roles.addEventHandler({ onAdd: requeueAggregated, onUpdate: requeueAggregated, onDelete: requeueAggregated });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#roles.waitForSync(signal);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (name) => this.#reconcile(name), workers: 1, logger: this.#ctx.logger }, signal);
  }

  async #reconcile(name: string): Promise<void> {
    const role = this.#roles.lister.get(undefined, name);
    const rule = role?.aggregationRule as AggregationRule | undefined;
    if (!role || !rule) return;
    let selectors;
    try {
      selectors = (rule.clusterRoleSelectors ?? []).map((s) => labelSelectorFromObject(s));
    } catch (e) {
      throw new TerminalError(`clusterrole ${name}: invalid aggregationRule: ${e instanceof Error ? e.message : String(e)}`);
    }
    const sources = this.#roles.lister
      .list()
      .filter((r) => r.metadata.name !== name && selectors.some((s) => s.matches(r.metadata.labels ?? {})))
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    const rules: unknown[] = [];
    const seen = new Set<string>();
    for (const source of sources) {
      for (const r of Array.isArray(source.rules) ? source.rules : []) {
        const key = JSON.stringify(r);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(r);
      }
    }
    if (JSON.stringify(role.rules ?? []) === JSON.stringify(rules)) return;
    const updated: KubeObject = { ...role, rules };
    try {
      await this.#ctx.client.update(rbacResources.clusterroles, undefined, updated, { fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      // A newer version arrives through the informer and queues the role again.
      if (e instanceof ApiError && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }
}
