/**
 * Typed, read-only views of the Service and EndpointSlice fields that cluster networking reads
 * (kube-proxy rules, cluster DNS, ServiceLB). Objects from informers are plain JSON shared with
 * other components; the views copy what they need and never mutate the source.
 *
 * Defaults follow the API (core/v1 Service, discovery/v1 EndpointSlice):
 *  - a port's protocol defaults to TCP;
 *  - an endpoint's `ready` and `serving` conditions count as true when unset ("unknown state …
 *    consumers should interpret this unknown state as ready"), `terminating` as false;
 *  - sessionAffinity ClientIP times out after 10800 s unless
 *    `sessionAffinityConfig.clientIP.timeoutSeconds` says otherwise.
 */
import { isJsonObject, type KubeObject } from '../api/object.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';

export interface ServicePortView {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** 0 when the Service has no node port for this port. */
  readonly nodePort: number;
}

export interface LoadBalancerIngressView {
  readonly ip?: string;
  readonly hostname?: string;
  /** `VIP` (default) or `Proxy`; kube-proxy does not capture Proxy-mode ingress IPs. */
  readonly ipMode?: string;
}

export interface ServiceView {
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceType;
  /** Cluster IPs (empty for headless and ExternalName Services). */
  readonly clusterIPs: readonly string[];
  /** `clusterIP: None`. */
  readonly headless: boolean;
  readonly externalName: string;
  readonly ports: readonly ServicePortView[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerIngress: readonly LoadBalancerIngressView[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly stickyMaxAgeSeconds: number;
  readonly externalTrafficPolicy: TrafficPolicy;
  readonly internalTrafficPolicy: TrafficPolicy;
  readonly healthCheckNodePort: number;
  readonly publishNotReadyAddresses: boolean;
}

export interface EndpointPortView {
  readonly name: string;
  readonly protocol: Protocol;
  /** -1 when the slice port has no number (kube-proxy ignores such ports). */
  readonly port: number;
}

export interface EndpointView {
  readonly addresses: readonly string[];
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly hostname?: string;
  readonly nodeName?: string;
  /** Name of the object behind the endpoint (usually a Pod). */
  readonly targetRefName?: string;
}

export interface EndpointSliceView {
  readonly namespace: string;
  readonly name: string;
  /** The `kubernetes.io/service-name` label ('' if the slice belongs to no Service). */
  readonly serviceName: string;
  readonly addressType: string;
  readonly ports: readonly EndpointPortView[];
  readonly endpoints: readonly EndpointView[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const DEFAULT_STICKY_MAX_AGE_SECONDS = 10800;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
const protocolOf = (v: unknown): Protocol => (v === 'UDP' || v === 'SCTP' ? v : 'TCP');

export function serviceView(obj: KubeObject): ServiceView {
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const status = isJsonObject(obj.status) ? obj.status : {};
  const lb = isJsonObject(status.loadBalancer) ? status.loadBalancer : {};
  const type: ServiceType = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ExternalName' ? spec.type : 'ClusterIP';
  const clusterIPs = strings(spec.clusterIPs);
  if (clusterIPs.length === 0 && str(spec.clusterIP)) clusterIPs.push(str(spec.clusterIP));
  const headless = clusterIPs[0] === 'None';
  const affinityConfig = isJsonObject(spec.sessionAffinityConfig) && isJsonObject(spec.sessionAffinityConfig.clientIP) ? spec.sessionAffinityConfig.clientIP : {};
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter(isJsonObject).map(
    (p): ServicePortView => ({ name: str(p.name), protocol: protocolOf(p.protocol), port: num(p.port), nodePort: num(p.nodePort) }),
  );
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    type,
    clusterIPs: headless || type === 'ExternalName' ? [] : clusterIPs,
    headless,
    externalName: type === 'ExternalName' ? str(spec.externalName) : '',
    ports,
    externalIPs: strings(spec.externalIPs),
    loadBalancerIngress: (Array.isArray(lb.ingress) ? lb.ingress : []).filter(isJsonObject).map((i) => ({
      ...(str(i.ip) ? { ip: str(i.ip) } : {}),
      ...(str(i.hostname) ? { hostname: str(i.hostname) } : {}),
      ...(str(i.ipMode) ? { ipMode: str(i.ipMode) } : {}),
    })),
    loadBalancerSourceRanges: strings(spec.loadBalancerSourceRanges),
    sessionAffinity: spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None',
    stickyMaxAgeSeconds: num(affinityConfig.timeoutSeconds) || DEFAULT_STICKY_MAX_AGE_SECONDS,
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    internalTrafficPolicy: spec.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    healthCheckNodePort: num(spec.healthCheckNodePort),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  };
}

export function endpointSliceView(obj: KubeObject): EndpointSliceView {
  const ports = (Array.isArray(obj.ports) ? obj.ports : []).filter(isJsonObject).map(
    (p): EndpointPortView => ({ name: str(p.name), protocol: protocolOf(p.protocol), port: typeof p.port === 'number' ? p.port : -1 }),
  );
  const endpoints = (Array.isArray(obj.endpoints) ? obj.endpoints : []).filter(isJsonObject).map((e): EndpointView => {
    const c = isJsonObject(e.conditions) ? e.conditions : {};
    const ready = c.ready !== false;
    const targetRef = isJsonObject(e.targetRef) ? e.targetRef : {};
    return {
      addresses: strings(e.addresses),
      ready,
      serving: typeof c.serving === 'boolean' ? c.serving : ready,
      terminating: c.terminating === true,
      ...(str(e.hostname) ? { hostname: str(e.hostname) } : {}),
      ...(str(e.nodeName) ? { nodeName: str(e.nodeName) } : {}),
      ...(str(targetRef.name) ? { targetRefName: str(targetRef.name) } : {}),
    };
  });
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    serviceName: obj.metadata.labels?.[SERVICE_NAME_LABEL] ?? '',
    addressType: str(obj.addressType) || 'IPv4',
    ports,
    endpoints,
  };
}

/** True for an IPv4 dotted quad. */
export function isIpv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

/** The informer index of EndpointSlices by their Service (`namespace/service-name`). */
export const BY_SERVICE_INDEX = 'lite-network-service';
export const byServiceIndexer = (o: KubeObject): string[] => {
  const svc = o.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${o.metadata.namespace ?? ''}/${svc}`] : [];
};
