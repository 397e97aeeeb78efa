/**
 * Pod subresources that change pods on behalf of the control plane: binding (the scheduler's
 * decision, notes §9.3) and eviction (drain, honouring PodDisruptionBudgets, notes §9.4); and the
 * `bindings` collection, the older form of the same call.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import type { Registry } from '../../registry/registry.js';
import type { LabelMatcher } from '../../registry/resource-store.js';
import type { ServedResource } from '../../registry/served-resource.js';
import type { HandlerResult, ResourceRequest } from '../resource-handler.js';

type Handler = (req: ResourceRequest) => Promise<HandlerResult>;

export interface PodExtensionDeps {
  readonly registry: Registry;
  readonly now: () => number;
  /** metav1.LabelSelector object → matcher (empty selector matches nothing for PDBs, as upstream). */
  readonly selectorFromObject: (selector: unknown) => LabelMatcher | undefined;
}

const success = (code: number): HandlerResult => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code } });

function podsOf(registry: Registry): ServedResource {
  const pods = registry.get('', 'v1', 'pods');
  if (!pods) throw ApiError.internal('pods are not served');
  return pods;
}

async function bind(deps: PodExtensionDeps, req: ResourceRequest, podName: string, binding: KubeObject): Promise<HandlerResult> {
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
  if (req.ctx.dryRun) return success(201);
  await pods.store.guaranteedUpdate(
    req.namespace,
    podName,
    req.ctx,
    (pod) => {
      if (!pod) throw ApiError.notFound({ group: '', resource: 'pods' }, podName);
      if (wantUid && wantUid !== pod.metadata.uid) throw ApiError.conflict({ group: '', resource: 'pods' }, podName, `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
      if (pod.metadata.deletionTimestamp) throw ApiError.conflict({ group: '', resource: 'pods' }, podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
      const spec = (isJsonObject(pod.spec) ? pod.spec : (pod.spec = {})) as JsonObject;
      if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
        throw ApiError.conflict({ group: '', resource: 'pods' }, podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
      }
      spec.nodeName = nodeName;
      const status = (isJsonObject(pod.status) ? pod.status : (pod.status = {})) as JsonObject;
      const conditions = Array.isArray(status.conditions) ? status.conditions.filter((c) => !(isJsonObject(c) && c.type === 'PodScheduled')) : [];
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(deps.now()) });
      status.conditions = conditions;
      return pod;
    },
    { internal: true, subresource: 'binding' },
  );
  return success(201);
}

async function evict(deps: PodExtensionDeps, req: ResourceRequest, podName: string, eviction: KubeObject): Promise<HandlerResult> {
  const pods = podsOf(deps.registry);
  const pod = await pods.get(req.namespace, podName);
  const options = isJsonObject(eviction.deleteOptions) ? (eviction.deleteOptions as Record<string, unknown>) : {};
  const deleteOptions = {
    gracePeriodSeconds: typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined,
    propagationPolicy: typeof options.propagationPolicy === 'string' ? (options.propagationPolicy as 'Orphan' | 'Background' | 'Foreground') : undefined,
    preconditions: isJsonObject(options.preconditions) ? (options.preconditions as { uid?: string; resourceVersion?: string }) : undefined,
  };
  const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
  // Pods that are not running cannot disrupt anything: delete without consulting budgets.
  const ignoreBudgets = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
  if (!ignoreBudgets) {
    const pdbs = deps.registry.get('policy', 'v1', 'poddisruptionbudgets');
    const matching: KubeObject[] = [];
    if (pdbs) {
      const list = await pdbs.list(req.namespace, {});
      for (const pdb of list.items) {
        const selector = deps.selectorFromObject(isJsonObject(pdb.spec) ? pdb.spec.selector : undefined);
        if (selector?.matches(pod.metadata.labels)) matching.push(pdb);
      }
    }
    if (matching.length > 1) throw ApiError.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    if (matching.length === 1 && pdbs) {
      const pdb = matching[0];
      const status = isJsonObject(pdb.status) ? pdb.status : {};
      const observed = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0;
      const allowed = typeof status.disruptionsAllowed === 'number' ? status.disruptionsAllowed : 0;
      if (observed < (pdb.metadata.generation ?? 0) || allowed <= 0) {
        throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name ?? ''} needs ${String(status.desiredHealthy ?? 0)} healthy pods and has ${String(status.currentHealthy ?? 0)} currently` }],
        });
      }
      if (!req.ctx.dryRun) {
        // Spend one disruption; the disruption controller recomputes the budget afterwards.
        const disrupted = { ...(isJsonObject(status.disruptedPods) ? status.disruptedPods : {}), [podName]: rfc3339(deps.now()) };
        await pdbs.update(req.namespace, pdb.metadata.name ?? '', { ...pdb, status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods: disrupted } }, req.ctx, 'status');
      }
    }
  }
  await pods.delete(req.namespace, podName, deleteOptions, req.ctx);
  return success(201);
}

export function podSubresourceHandlers(deps: PodExtensionDeps): Map<string, Handler> {
  const m = new Map<string, Handler>();
  m.set('/pods/binding', async (req) => {
    if (req.method !== 'POST') throw ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
    const binding = await req.body();
    if (binding.metadata?.name && binding.metadata.name !== req.name) throw ApiError.badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod name (${req.name ?? ''})`);
    return bind(deps, req, req.name ?? '', binding);
  });
  m.set('/pods/eviction', async (req) => {
    if (req.method !== 'POST') throw ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
    const eviction = await req.body();
    if (eviction.metadata?.name && eviction.metadata.name !== req.name) throw ApiError.badRequest(`name in URL does not match name in Eviction object`);
    return evict(deps, req, req.name ?? '', eviction);
  });
  m.set('/namespaces/finalize', async (req) => {
    if (req.method !== 'PUT') throw ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
    const ns = await req.body();
    const res = await req.resource.update(undefined, req.name ?? '', ns, req.ctx, 'finalize');
    return { status: 200, body: res.object };
  });
  return m;
}

export function bindingCreateHandler(deps: PodExtensionDeps): Handler {
  return async (req) => {
    const binding = await req.body();
    const podName = binding.metadata?.name;
    if (!podName) throw ApiError.invalid({ group: '', kind: 'Binding' }, '', [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
    return bind(deps, req, podName, binding);
  };
}
