/**
 * Pod operations on behalf of the control plane, shared by the HTTP subresource handlers and the
 * in-process client: binding (the scheduler's decision, notes §9.3) and eviction (drain,
 * honouring PodDisruptionBudgets, notes §9.4).
 */
import { ApiError } from '../api/errors.js';
import { isJsonObject, rfc3339, type KubeObject } from '../api/object.js';
import type { RequestContext } from './context.js';
import type { Registry } from './registry.js';
import type { LabelMatcher } from './resource-store.js';
import type { ServedResource } from './served-resource.js';

export interface PodOperationDeps {
  readonly registry: Registry;
  readonly now: () => number;
  /** metav1.LabelSelector object → matcher (undefined when the selector is invalid). */
  readonly selectorFromObject: (selector: unknown) => LabelMatcher | undefined;
}

function podsOf(registry: Registry): ServedResource {
  const pods = registry.get('', 'v1', 'pods');
  if (!pods) throw ApiError.internal('pods are not served');
  return pods;
}

/** Binds a pending pod to a node (pods/binding): sets spec.nodeName and PodScheduled=True. */
export async function bindPod(deps: PodOperationDeps, ctx: RequestContext, namespace: string | undefined, podName: string, binding: KubeObject): Promise<void> {
  const target = isJsonObject(binding.target) ? binding.target : undefined;
  const nodeName = target && typeof target.name === 'string' ? target.name : '';
  if (!nodeName) {
    throw ApiError.invalid({ group: '', kind: 'Binding' }, podName, [{ type: 'FieldValueRequired', field: 'target.name', detail: 'the node to bind to must be named' }]);
  }
  if (target && target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') {
    throw ApiError.invalid({ group: '', kind: 'Binding' }, podName, [{ type: 'FieldValueNotSupported', field: 'target.kind', value: target.kind, supported: ['Node'] }]);
  }
  const pods = podsOf(deps.registry);
  const wantUid = binding.metadata?.uid;
  if (ctx.dryRun) return;
  await pods.store.guaranteedUpdate(
    namespace,
    podName,
    ctx,
    (current) => {
      if (!current) throw ApiError.notFound({ group: '', resource: 'pods' }, podName);
      if (wantUid && wantUid !== current.metadata.uid) throw ApiError.conflict({ group: '', resource: 'pods' }, podName, `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      if (current.metadata.deletionTimestamp) throw ApiError.conflict({ group: '', resource: 'pods' }, podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
      const currentSpec = isJsonObject(current.spec) ? current.spec : {};
      if (typeof currentSpec.nodeName === 'string' && currentSpec.nodeName !== '') {
        throw ApiError.conflict({ group: '', resource: 'pods' }, podName, `pod ${podName} is already assigned to node "${currentSpec.nodeName}"`);
      }
      // A new top level, spec and status over the stored object's other parts (the transform
      // only reads what it is given).
      const status = isJsonObject(current.status) ? current.status : {};
      const conditions = Array.isArray(status.conditions) ? status.conditions.filter((c) => !(isJsonObject(c) && c.type === 'PodScheduled')) : [];
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(deps.now()) });
      return { ...current, metadata: { ...current.metadata }, spec: { ...currentSpec, nodeName }, status: { ...status, conditions } };
    },
    // Upstream's BindingREST updates the stored pod directly (no field manager): a bound pod's
    // managedFields name no kube-scheduler entry, and the binding does not pay for tracking.
    { internal: true, subresource: 'binding', readOnlyTransform: true, managedFieldsDone: true },
  );
}

/** Evicts a pod (pods/eviction): deletes it unless a PodDisruptionBudget forbids it (429). */
export async function evictPod(deps: PodOperationDeps, ctx: RequestContext, namespace: string | undefined, podName: string, eviction: KubeObject): Promise<void> {
  const pods = podsOf(deps.registry);
  const pod = await pods.get(namespace, podName);
  const options = isJsonObject(eviction.deleteOptions) ? (eviction.deleteOptions as Record<string, unknown>) : {};
  const deleteOptions = {
    gracePeriodSeconds: typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined,
    propagationPolicy: typeof options.propagationPolicy === 'string' ? (options.propagationPolicy as 'Orphan' | 'Background' | 'Foreground') : undefined,
    preconditions: isJsonObject(options.preconditions) ? (options.preconditions as { uid?: string; resourceVersion?: string }) : undefined,
  };
  const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
  // Pods that are not running cannot disrupt anything: delete without consulting budgets.
  const ignoreBudgets = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
  if (!ignoreBudgets) await spendDisruption(deps, ctx, namespace, pod);
  await pods.delete(namespace, podName, deleteOptions, ctx);
}

/**
 * Upstream's eviction retries the budget check-and-decrement on a Conflict (EvictionsRetry: 20
 * tries): `kubectl drain` evicts a node's pods in parallel, so several evictions spend the same
 * budget at once, and all but one lose the race on its resourceVersion. Each try re-reads the
 * budgets; a 409 reaches the client only if every try lost.
 */
const EVICTION_TRIES = 20;

async function spendDisruption(deps: PodOperationDeps, ctx: RequestContext, namespace: string | undefined, pod: KubeObject): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await checkAndDecrement(deps, ctx, namespace, pod);
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409) || attempt >= EVICTION_TRIES) throw e;
    }
  }
}

async function checkAndDecrement(deps: PodOperationDeps, ctx: RequestContext, namespace: string | undefined, pod: KubeObject): Promise<void> {
  const podName = pod.metadata.name ?? '';
  const pdbs = deps.registry.get('policy', 'v1', 'poddisruptionbudgets');
  if (!pdbs) return;
  const matching: KubeObject[] = [];
  const list = await pdbs.list(namespace, {});
  for (const pdb of list.items) {
    const selector = deps.selectorFromObject(isJsonObject(pdb.spec) ? pdb.spec.selector : undefined);
    if (selector?.matches(pod.metadata.labels)) matching.push(pdb);
  }
  if (matching.length > 1) throw ApiError.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (matching.length === 0) return;
  const pdb = matching[0];
  const status = isJsonObject(pdb.status) ? pdb.status : {};
  const observed = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0;
  const allowed = typeof status.disruptionsAllowed === 'number' ? status.disruptionsAllowed : 0;
  if (observed < (pdb.metadata.generation ?? 0) || allowed <= 0) {
    throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name ?? ''} needs ${String(status.desiredHealthy ?? 0)} healthy pods and has ${String(status.currentHealthy ?? 0)} currently` }],
    });
  }
  if (ctx.dryRun) return;
  // Spend one disruption (guarded by the budget's resourceVersion); the disruption controller
  // recomputes the budget afterwards.
  const disrupted = { ...(isJsonObject(status.disruptedPods) ? status.disruptedPods : {}), [podName]: rfc3339(deps.now()) };
  await pdbs.update(namespace, pdb.metadata.name ?? '', { ...pdb, status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods: disrupted } }, ctx, 'status');
}
