/**
 * The graph half of upstream's Node authorizer (plugin/pkg/auth/authorizer/node): a kubelet may
 * read a Secret or ConfigMap, and request a token for a ServiceAccount, only when a pod bound to
 * its node uses it. Reads must name the object: `get`, or `list`/`watch` with the field selector
 * `metadata.name=<name>` (how upstream kubelets watch each object they need). Everything else
 * about these resources gets no opinion, with upstream's reasons, and so is denied unless RBAC
 * allows it.
 *
 * The graph is read from the pods informer (indexed by node name) at decision time, so it is as
 * fresh as the server's pod cache: a pod bound a moment ago may need its kubelet to retry.
 */
import type { KubeObject } from '../api/object.js';
import { podReferences } from '../api/pod-references.js';
import type { AuthorizationAttributes, AuthorizationDecision } from './authorizer.js';

/** Pods bound to a node (the pods informer's nodeName index). */
export interface NodePods {
  podsOn(nodeName: string): readonly KubeObject[];
}

type Decision = AuthorizationDecision & { readonly opinion: 'allow' | 'none' };

const NO_OPINION = (reason: string): Decision => ({ allowed: false, reason, opinion: 'none' });
const ALLOW: Decision = { allowed: true, reason: '', opinion: 'allow' };

/** Whether the node authorizer decides requests for this resource (then `authorizeNodeRead` does). */
export function isNodeGraphResource(a: AuthorizationAttributes): boolean {
  if (a.group !== '') return false;
  if (a.resource === 'secrets' || a.resource === 'configmaps') return true;
  return a.resource === 'serviceaccounts' && a.subresource === 'token';
}

export function authorizeNodeRequest(nodeName: string, a: AuthorizationAttributes, pods: NodePods): Decision {
  if (a.resource === 'serviceaccounts') {
    if (a.verb !== 'create') return NO_OPINION('can only create tokens for individual service accounts');
    return related(nodeName, a, pods, (refs, name) => refs.serviceAccount === name);
  }
  if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return NO_OPINION('can only read resources of this type');
  if (a.subresource) return NO_OPINION('cannot read subresource');
  if (!a.namespace) return NO_OPINION('can only read namespaced object of this type');
  const pick = a.resource === 'secrets' ? (refs: ReturnType<typeof podReferences>) => refs.secrets : (refs: ReturnType<typeof podReferences>) => refs.configMaps;
  return related(nodeName, a, pods, (refs, name) => pick(refs).has(name));
}

function related(nodeName: string, a: AuthorizationAttributes, pods: NodePods, uses: (refs: ReturnType<typeof podReferences>, name: string) => boolean): Decision {
  if (!a.name) return NO_OPINION('No Object name found');
  for (const pod of pods.podsOn(nodeName)) {
    if (pod.metadata.namespace === a.namespace && uses(podReferences(pod), a.name)) return ALLOW;
  }
  return NO_OPINION(`no relationship found between node '${nodeName}' and this object`);
}
