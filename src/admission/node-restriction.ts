/**
 * NodeRestriction (upstream plugin/pkg/admission/noderestriction): a kubelet's credentials
 * reach only its own things. A node user (`system:node:<name>` in `system:nodes`) may
 *  - create, change and delete only its own Node object;
 *  - create only mirror pods (annotation kubernetes.io/config.mirror) bound to itself, and
 *    change or delete only pods bound to itself;
 *  - use Leases only in kube-node-lease, and only the one named after itself;
 *  - request service-account tokens only bound to a pod of its own, named with its uid
 *    (admitNodeTokenRequest, called by the serviceaccounts/token handler).
 * Everyone else passes untouched. Together with the node rules of the authorizer this keeps a
 * stolen agent certificate from taking over other nodes or their pods.
 */
import { ApiError } from '../api/errors.js';
import { isJsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { isNodeUser } from '../auth/cluster-authorizer.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export class NodeRestrictionPlugin implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  handles(def: ResourceDef): boolean {
    return (def.group === '' && (def.kind === 'Pod' || def.kind === 'Node')) || (def.group === 'coordination.k8s.io' && def.kind === 'Lease');
  }

  admit(req: AdmissionRequest): void {
    const user = req.ctx.user;
    if (!isNodeUser(user)) return;
    const self = user.username.slice('system:node:'.length);
    const name = req.object.metadata.name ?? '';
    const gr = { group: req.def.group, resource: req.def.plural };
    const forbid = (why: string) => ApiError.forbidden(gr, name, why);
    switch (req.def.kind) {
      case 'Node':
        if (name !== self) throw forbid(`node "${self}" is not allowed to modify node "${name}"`);
        return;
      case 'Lease':
        if (req.object.metadata.namespace !== NODE_LEASE_NAMESPACE) throw forbid(`can only access leases in the "${NODE_LEASE_NAMESPACE}" namespace`);
        if (name !== self) throw forbid('can only access node lease with the same name as the requesting node');
        return;
      case 'Pod': {
        const spec = (req.object.spec ?? {}) as { nodeName?: unknown };
        const boundToSelf = spec.nodeName === self;
        if (req.operation === 'create') {
          if (req.object.metadata.annotations?.[MIRROR_ANNOTATION] === undefined) throw forbid(`pod does not have "${MIRROR_ANNOTATION}" annotation, node "${self}" can only create mirror pods`);
          if (!boundToSelf) throw forbid(`node "${self}" can only create pods with spec.nodeName set to itself`);
          return;
        }
        const oldBound = ((req.old?.spec ?? {}) as { nodeName?: unknown }).nodeName === self;
        if (req.operation === 'delete' && !oldBound) throw forbid(`node "${self}" can only delete pods with spec.nodeName set to itself`);
        if (req.operation === 'update' && !(oldBound && boundToSelf)) throw forbid(`node "${self}" can only update pod status for pods with spec.nodeName set to itself`);
        return;
      }
      default:
        return;
    }
  }
}

/**
 * Upstream's admitServiceAccount for a TokenRequest from a node: it must be bound to a pod (v1
 * Pod with a name and uid) that is scheduled on that node. The pod is read with `getPod`
 * (undefined when missing: then 404, as upstream).
 */
export async function admitNodeTokenRequest(
  nodeName: string,
  namespace: string,
  serviceAccount: string,
  body: KubeObject,
  getPod: (namespace: string, name: string) => Promise<KubeObject | undefined>,
): Promise<void> {
  const forbid = (why: string) => ApiError.forbidden({ group: '', resource: 'serviceaccounts' }, serviceAccount, why);
  const spec = isJsonObject(body.spec) ? body.spec : {};
  const ref = isJsonObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  const name = typeof ref?.name === 'string' ? ref.name : '';
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !name) throw forbid('node requested token not bound to a pod');
  const uid = typeof ref.uid === 'string' ? ref.uid : '';
  if (!uid) throw forbid('node requested token with a pod binding without a uid');
  const pod = await getPod(namespace, name);
  if (!pod) throw ApiError.notFound({ group: '', resource: 'pods' }, name);
  if (pod.metadata.uid !== uid) throw forbid(`the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  const podNode = isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : '';
  if (podNode !== nodeName) throw forbid('node requested token bound to a pod scheduled on a different node');
}
