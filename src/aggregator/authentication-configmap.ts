/**
 * What an extension API server reads to trust this server (kube-apiserver's
 * ClusterAuthenticationTrustController and bootstrap policy): the ConfigMap
 * kube-system/extension-apiserver-authentication with the client CA and the front proxy's
 * request-header settings, and the Role `extension-apiserver-authentication-reader` that
 * extension servers bind their service accounts to (with upstream's binding for the scheduler
 * and controller manager users). Run at every start: the ConfigMap's data is put right, the Role
 * and RoleBinding are created when missing.
 */
import { jsonEqual } from '../api/object.js';
import { resources, type Client, type ResourceRef } from '../client/client.js';
import { ensureObject } from '../client/ensure-object.js';
import { AUTH_PROXY_USER } from '../pki/ensure-server-pki.js';

export const AUTHENTICATION_CONFIGMAP = 'extension-apiserver-authentication';
export const AUTHENTICATION_READER_ROLE = 'extension-apiserver-authentication-reader';

const ROLES: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' };
const ROLE_BINDINGS: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' };

export interface AuthenticationTrust {
  /** The CA this server trusts for client certificates. */
  readonly clientCaPem: string;
  /** The CA of the front proxy's client certificate. */
  readonly requestHeaderCaPem: string;
}

/** The ConfigMap's data, as upstream writes it (list values are JSON arrays). */
export function authenticationConfigMapData(trust: AuthenticationTrust): Record<string, string> {
  return {
    'client-ca-file': trust.clientCaPem,
    'requestheader-allowed-names': JSON.stringify([AUTH_PROXY_USER]),
    'requestheader-client-ca-file': trust.requestHeaderCaPem,
    'requestheader-extra-headers-prefix': JSON.stringify(['X-Remote-Extra-']),
    'requestheader-group-headers': JSON.stringify(['X-Remote-Group']),
    'requestheader-username-headers': JSON.stringify(['X-Remote-User']),
  };
}

export async function publishAuthenticationTrust(client: Client, trust: AuthenticationTrust): Promise<void> {
  const data = authenticationConfigMapData(trust);
  const current = await ensureObject(client, resources.configmaps, 'kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: AUTHENTICATION_CONFIGMAP, namespace: 'kube-system' }, data });
  if (!jsonEqual(current.data, data)) await client.update(resources.configmaps, 'kube-system', { ...current, data });
  const bootstrap = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  const autoupdate = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
  await ensureObject(client, ROLES, 'kube-system', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: AUTHENTICATION_READER_ROLE, namespace: 'kube-system', labels: bootstrap, annotations: autoupdate },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [AUTHENTICATION_CONFIGMAP], verbs: ['get', 'list', 'watch'] }],
  });
  await ensureObject(client, ROLE_BINDINGS, 'kube-system', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `system::${AUTHENTICATION_READER_ROLE}`, namespace: 'kube-system', labels: bootstrap, annotations: autoupdate },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AUTHENTICATION_READER_ROLE },
    subjects: [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-controller-manager' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-scheduler' },
    ],
  });
}
