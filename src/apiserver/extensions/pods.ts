/**
 * HTTP faces of the pod operations (src/registry/pod-operations.ts): pods/binding, pods/eviction,
 * the `bindings` collection (the older form of binding), and namespaces/finalize.
 */
import { ApiError } from '../../api/errors.js';
import { bindPod, evictPod, type PodOperationDeps } from '../../registry/pod-operations.js';
import type { HandlerResult, ResourceRequest } from '../resource-handler.js';

type Handler = (req: ResourceRequest) => Promise<HandlerResult>;

export type PodExtensionDeps = PodOperationDeps;

const success = (code: number): HandlerResult => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code } });
const onlyPost = () => ApiError.methodNotAllowed('the server does not allow this method on the requested resource');

export function podSubresourceHandlers(deps: PodExtensionDeps): Map<string, Handler> {
  const m = new Map<string, Handler>();
  m.set('/pods/binding', async (req) => {
    if (req.method !== 'POST') throw onlyPost();
    const binding = await req.body();
    if (binding.metadata?.name && binding.metadata.name !== req.name) throw ApiError.badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod name (${req.name ?? ''})`);
    await bindPod(deps, req.ctx, req.namespace, req.name ?? '', binding);
    return success(201);
  });
  m.set('/pods/eviction', async (req) => {
    if (req.method !== 'POST') throw onlyPost();
    const eviction = await req.body();
    if (eviction.metadata?.name && eviction.metadata.name !== req.name) throw ApiError.badRequest('name in URL does not match name in Eviction object');
    await evictPod(deps, req.ctx, req.namespace, req.name ?? '', eviction);
    return success(201);
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
    await bindPod(deps, req.ctx, req.namespace, podName, binding);
    return success(201);
  };
}
