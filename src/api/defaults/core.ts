/**
 * Defaulting of the core/v1 kinds other than pods (pkg/apis/core/v1/defaults.go), plus the
 * parts of the Service registry's preparation that do not need an allocator.
 *
 * Namespaces: upstream's registry also sets spec.finalizers to ["kubernetes"] in
 * PrepareForCreate; that belongs to the namespace registry and is not done here.
 */
import { ensureObj, isNil, obj, objs, setDefault, strListAt, type JsonObject } from '../json-access.js';
import { defaultPersistentVolumeClaimSpec, defaultResourceList, defaultSharedVolumeSources } from './pod.js';

export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

/** SetDefaults_Service plus clusterIPs/ipFamilyPolicy initialisation for a new object. */
export function defaultService(svc: JsonObject): void {
  const s = ensureObj(svc, 'spec');
  setDefault(s, 'sessionAffinity', 'None');
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP') {
    const timeout = obj(obj(s.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (isNil(timeout)) s.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  setDefault(s, 'type', 'ClusterIP');
  for (const port of objs(s.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (isNil(port.targetPort) || port.targetPort === 0 || port.targetPort === '') port.targetPort = typeof port.port === 'number' ? port.port : 0;
  }
  const type = s.type;
  if (externallyAccessible(s)) setDefault(s, 'externalTrafficPolicy', 'Cluster');
  if (isNil(s.internalTrafficPolicy) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')) s.internalTrafficPolicy = 'Cluster';
  if (type === 'LoadBalancer') {
    if (isNil(s.allocateLoadBalancerNodePorts)) s.allocateLoadBalancerNodePorts = true;
    for (const ing of objs(obj(obj(svc.status)?.loadBalancer)?.ingress)) {
      if (typeof ing.ip === 'string' && ing.ip !== '' && isNil(ing.ipMode)) ing.ipMode = 'VIP';
    }
  }
  if (type !== 'ExternalName') {
    const clusterIP = typeof s.clusterIP === 'string' ? s.clusterIP : '';
    if (clusterIP !== '' && strListAt(s, 'clusterIPs').length === 0) s.clusterIPs = [clusterIP];
    if (isNil(s.ipFamilyPolicy)) {
      const ips = strListAt(s, 'clusterIPs');
      const headless = ips.length === 1 && ips[0] === 'None';
      const selector = obj(s.selector);
      if (ips.length === 2 || strListAt(s, 'ipFamilies').length === 2) s.ipFamilyPolicy = 'RequireDualStack';
      else if (headless && (!selector || Object.keys(selector).length === 0)) s.ipFamilyPolicy = 'RequireDualStack';
      else s.ipFamilyPolicy = 'SingleStack';
    }
  }
}

/**
 * The Service strategy's clusterIP/clusterIPs reconciliation on update (upstream
 * normalizeClusterIPs): clients that only know the singular field must keep working.
 */
export function normalizeServiceClusterIPs(next: JsonObject, prev: JsonObject | undefined): void {
  const s = ensureObj(next, 'spec');
  const clusterIP = typeof s.clusterIP === 'string' ? s.clusterIP : '';
  const ips = strListAt(s, 'clusterIPs');
  if (!prev) {
    if (clusterIP !== '' && ips.length === 0) s.clusterIPs = [clusterIP];
    return;
  }
  const p = obj(prev.spec) ?? {};
  const oldIP = typeof p.clusterIP === 'string' ? p.clusterIP : '';
  const oldIPs = strListAt(p, 'clusterIPs');
  if (oldIPs.length > 0 && ips.length === 0 && oldIP === clusterIP) s.clusterIPs = [...oldIPs];
  if (oldIP !== clusterIP) {
    const same = JSON.stringify(strListAt(s, 'clusterIPs')) === JSON.stringify(oldIPs);
    if (oldIP !== '' && clusterIP === '') {
      if (same) delete s.clusterIPs;
    } else if (same) {
      s.clusterIPs = [clusterIP];
    }
  }
}

/** Upstream service.ExternallyAccessible, on a Service spec: LoadBalancer, NodePort, or ClusterIP with externalIPs. */
export function externallyAccessible(s: JsonObject): boolean {
  return s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && strListAt(s, 'externalIPs').length > 0);
}

/**
 * The Service strategy's PrepareForUpdate (upstream normalizeClusterIPs + dropTypeDependentFields):
 * when the type changes, fields the server filled in for the old type and the user left alone
 * are cleared, so that e.g. LoadBalancer → ClusterIP or ClusterIP → ExternalName validate.
 * Call after defaulting and before validation, with the stored object as `prev`.
 */
export function prepareServiceUpdate(next: JsonObject, prev: JsonObject): void {
  normalizeServiceClusterIPs(next, prev);
  const s = ensureObj(next, 'spec');
  const p = obj(prev.spec) ?? {};
  const same = (k: string): boolean => JSON.stringify(s[k] ?? null) === JSON.stringify(p[k] ?? null);
  if (p.type !== 'ExternalName' && s.type === 'ExternalName') {
    if (same('clusterIP') && same('clusterIPs')) {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (same('ipFamilies')) delete s.ipFamilies;
    if (same('ipFamilyPolicy')) delete s.ipFamilyPolicy;
  }
  const needsNodePort = (x: JsonObject): boolean => x.type === 'NodePort' || x.type === 'LoadBalancer';
  if (needsNodePort(p) && !needsNodePort(s)) {
    const ports = objs(s.ports);
    const oldPorts = objs(p.ports);
    const sameNodePorts = ports.length === oldPorts.length && ports.every((port, i) => (port.nodePort ?? 0) === (oldPorts[i].nodePort ?? 0));
    if (sameNodePorts) for (const port of ports) delete port.nodePort;
  }
  const needsHC = (x: JsonObject): boolean => x.type === 'LoadBalancer' && x.externalTrafficPolicy === 'Local';
  if (needsHC(p) && !needsHC(s) && same('healthCheckNodePort')) delete s.healthCheckNodePort;
  if (p.type === 'LoadBalancer' && s.type !== 'LoadBalancer') {
    if (typeof s.allocateLoadBalancerNodePorts === 'boolean' && s.allocateLoadBalancerNodePorts === p.allocateLoadBalancerNodePorts) delete s.allocateLoadBalancerNodePorts;
    if (same('loadBalancerClass')) delete s.loadBalancerClass;
  }
  if (externallyAccessible(p) && !externallyAccessible(s) && same('externalTrafficPolicy')) delete s.externalTrafficPolicy;
}

/** SetDefaults_Secret, and the v1 conversion of stringData into data (stringData wins). */
export function defaultSecret(secret: JsonObject): void {
  setDefault(secret, 'type', 'Opaque');
  const stringData = obj(secret.stringData);
  if (stringData) {
    const data = ensureObj(secret, 'data');
    for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete secret.stringData;
  }
}

/** SetDefaults_Namespace (the kubernetes.io/metadata.name label) and SetDefaults_NamespaceStatus. */
export function defaultNamespace(ns: JsonObject): void {
  const meta = ensureObj(ns, 'metadata');
  if (typeof meta.name === 'string' && meta.name !== '') {
    const labels = ensureObj(meta, 'labels');
    labels['kubernetes.io/metadata.name'] = meta.name;
  }
  const status = ensureObj(ns, 'status');
  setDefault(status, 'phase', 'Active');
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(node: JsonObject): void {
  const status = obj(node.status);
  if (!status) return;
  const capacity = obj(status.capacity);
  defaultResourceList(capacity);
  if (isNil(status.allocatable) && capacity) status.allocatable = { ...capacity };
  defaultResourceList(obj(status.allocatable));
}

export function defaultPersistentVolume(pv: JsonObject): void {
  const status = ensureObj(pv, 'status');
  setDefault(status, 'phase', 'Pending');
  const s = ensureObj(pv, 'spec');
  setDefault(s, 'persistentVolumeReclaimPolicy', 'Retain');
  if (isNil(s.volumeMode)) s.volumeMode = 'Filesystem';
  defaultResourceList(obj(s.capacity));
  defaultSharedVolumeSources(s);
}

export function defaultPersistentVolumeClaim(pvc: JsonObject): void {
  const status = ensureObj(pvc, 'status');
  setDefault(status, 'phase', 'Pending');
  defaultPersistentVolumeClaimSpec(ensureObj(pvc, 'spec'));
  defaultResourceList(obj(status.capacity));
}

export function defaultEndpoints(ep: JsonObject): void {
  for (const subset of objs(ep.subsets)) for (const port of objs(subset.ports)) setDefault(port, 'protocol', 'TCP');
}

/** SetDefaults_LimitRangeItem: Container items get default/defaultRequest from max/min. */
export function defaultLimitRange(lr: JsonObject): void {
  for (const item of objs(obj(lr.spec)?.limits)) {
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) defaultResourceList(obj(item[k]));
    if (item.type !== 'Container') continue;
    const def: JsonObject = { ...(obj(item.default) ?? {}) };
    const defReq: JsonObject = { ...(obj(item.defaultRequest) ?? {}) };
    for (const [k, v] of Object.entries(obj(item.max) ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(obj(item.min) ?? {})) if (!(k in defReq)) defReq[k] = v;
    // Empty maps are omitted when upstream serialises them.
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(defReq).length > 0) item.defaultRequest = defReq;
  }
}

export function defaultResourceQuota(rq: JsonObject): void {
  defaultResourceList(obj(obj(rq.spec)?.hard));
  const status = obj(rq.status);
  defaultResourceList(obj(status?.hard));
  defaultResourceList(obj(status?.used));
}
