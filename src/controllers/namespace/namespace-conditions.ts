/**
 * The status conditions the namespace controller keeps on a namespace being deleted (upstream
 * pkg/controller/namespace/deletion/status_condition_utils.go): one of each of five types, the
 * failing variant when this pass found a problem, the "ok" variant (status False) otherwise.
 * lastTransitionTime moves only when a condition's status flips.
 */
import type { JsonObject } from '../../api/object.js';

export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

export type NamespaceConditionType = (typeof CONDITION_TYPES)[number];

export interface NamespaceCondition {
  type: NamespaceConditionType;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason: string;
  message: string;
}

const OK: Readonly<Record<NamespaceConditionType, { reason: string; message: string }>> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** Collects what one deletion pass found, then folds it into a namespace's status. */
export class NamespaceConditionUpdater {
  readonly #now: string;
  readonly #failures: NamespaceCondition[] = [];
  readonly #contentErrors: string[] = [];

  constructor(now: string) {
    this.#now = now;
  }

  discoveryFailed(message: string): void {
    this.#failures.push(this.#failure('NamespaceDeletionDiscoveryFailure', 'DiscoveryFailed', message));
  }

  contentDeletionFailed(message: string): void {
    this.#contentErrors.push(message);
  }

  /** Remaining instances per `resource.group` and per finalizer. */
  contentTotals(remainingByResource: ReadonlyMap<string, number>, remainingByFinalizer: ReadonlyMap<string, number>): void {
    const resources = [...remainingByResource].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`);
    if (resources.length > 0) {
      this.#failures.push(this.#failure('NamespaceContentRemaining', 'SomeResourcesRemain', `Some resources are remaining: ${resources.sort().join(', ')}`));
    }
    const finalizers = [...remainingByFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`);
    if (finalizers.length > 0) {
      this.#failures.push(
        this.#failure('NamespaceFinalizersRemaining', 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${finalizers.sort().join(', ')}`),
      );
    }
  }

  /** Writes the conditions into `status` (mutated); true if anything changed. */
  apply(status: JsonObject): boolean {
    const fresh = [...this.#failures];
    if (this.#contentErrors.length > 0 && !fresh.some((c) => c.type === 'NamespaceDeletionContentFailure')) {
      const msgs = [...this.#contentErrors].sort();
      fresh.push(this.#failure('NamespaceDeletionContentFailure', 'ContentDeletionFailed', `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`));
    }
    const conditions: JsonObject[] = Array.isArray(status.conditions) ? status.conditions.map((c) => ({ ...(c as JsonObject) })) : [];
    let changed = false;
    for (const type of CONDITION_TYPES) {
      const next = fresh.find((c) => c.type === type) ?? { type, status: 'False' as const, lastTransitionTime: this.#now, ...OK[type] };
      const old = conditions.find((c) => c.type === type);
      if (!old) {
        conditions.push({ ...next });
        changed = true;
      } else if (old.status !== next.status || old.message !== next.message || old.reason !== next.reason) {
        if (old.status !== next.status) old.lastTransitionTime = this.#now;
        old.status = next.status;
        old.reason = next.reason;
        old.message = next.message;
        changed = true;
      }
    }
    if (changed) status.conditions = conditions;
    return changed;
  }

  #failure(type: NamespaceConditionType, reason: string, message: string): NamespaceCondition {
    return { type, status: 'True', lastTransitionTime: this.#now, reason, message };
  }
}
