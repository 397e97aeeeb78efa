/**
 * serviceaccounts/token: the HTTP face of TokenRequest (src/serviceaccount/token-request.ts).
 * Without a signing key the subresource answers 404, as kube-apiserver does when it cannot issue
 * tokens.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { admitNodeTokenRequest } from '../../admission/node-restriction.js';
import { isNodeUser } from '../../auth/cluster-authorizer.js';
import type { TokenRequestService } from '../../serviceaccount/token-request.js';
import type { HandlerResult, ResourceRequest } from '../resource-handler.js';

type Handler = (req: ResourceRequest) => Promise<HandlerResult>;

export interface ServiceAccountHandlerDeps {
  readonly tokenRequests: TokenRequestService | undefined;
  /** Reads a pod (undefined when missing), for NodeRestriction's check of a node's token requests. */
  readonly getPod: (namespace: string, name: string) => Promise<KubeObject | undefined>;
}

export function serviceAccountSubresourceHandlers(deps: ServiceAccountHandlerDeps): Map<string, Handler> {
  const m = new Map<string, Handler>();
  m.set('/serviceaccounts/token', async (req) => {
    if (req.method !== 'POST') throw ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
    if (!deps.tokenRequests) throw ApiError.pathNotFound();
    const body = await req.body();
    const user = req.ctx.user;
    if (isNodeUser(user)) await admitNodeTokenRequest(user.username.slice('system:node:'.length), req.namespace ?? '', req.name ?? '', body, deps.getPod);
    const out = await deps.tokenRequests.create(req.namespace ?? '', req.name ?? '', body, req.ctx.warnings);
    return { status: 201, body: out };
  });
  return m;
}
