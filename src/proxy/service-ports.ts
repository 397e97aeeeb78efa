/**
 * kube-proxy's view of the cluster (pkg/proxy service and endpoints maps), for IPv4:
 *  - one ServicePort per port of every Service with a cluster IP (headless and ExternalName
 *    Services are not proxied), named `namespace/name:port` (`namespace/name` for an unnamed port);
 *  - its endpoints come from the Service's EndpointSlices: the slice port with the same name and
 *    protocol, the first address of each endpoint, deduplicated by `ip:port` and sorted by it (as
 *    the EndpointSlice cache does, so the rules are stable);
 *  - chain names: KUBE-SVC/SVL/EXT/FW- + the first 16 base32 characters of
 *    sha256(servicePortName + protocol), KUBE-SEP- + sha256(servicePortName + protocol + ip:port).
 */
import { createHash } from 'node:crypto';
import { isIpv4, type EndpointSliceView, type ServiceView } from '../network/service-views.js';

export interface ServicePortInfo {
  /** `namespace/name:port`, or `namespace/name` when the port has no name. */
  readonly name: string;
  /** lower-case, as in rules: tcp, udp, sctp. */
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  /** ClientIP affinity timeout in seconds, or 0 without affinity. */
  readonly stickySeconds: number;
  readonly internalPolicyLocal: boolean;
  /** Only true when the port is reachable from outside (NodePort, external or LB IPs). */
  readonly externalPolicyLocal: boolean;
  readonly healthCheckNodePort: number;
  readonly svcChain: string;
  readonly svlChain: string;
  readonly extChain: string;
  readonly fwChain: string;
}

export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`. */
  readonly endpoint: string;
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly chain: string;
}

export function externallyAccessible(s: ServicePortInfo): boolean {
  return s.nodePort !== 0 || s.loadBalancerVIPs.length > 0 || s.externalIPs.length > 0;
}

/** Cluster endpoints are needed for Cluster internal policy, and for any external traffic (short circuit). */
export function usesClusterEndpoints(s: ServicePortInfo): boolean {
  return !s.internalPolicyLocal || externallyAccessible(s);
}

export function usesLocalEndpoints(s: ServicePortInfo): boolean {
  return s.internalPolicyLocal || (s.externalPolicyLocal && externallyAccessible(s));
}

function hash16(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

/** RFC 4648 base32 (Go's base32.StdEncoding, padding irrelevant for 16 characters). */
export function base32(data: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

export function serviceChainName(prefix: 'KUBE-SVC-' | 'KUBE-SVL-' | 'KUBE-EXT-' | 'KUBE-FW-', servicePortName: string, protocol: string): string {
  return prefix + hash16(servicePortName + protocol);
}

export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return 'KUBE-SEP-' + hash16(servicePortName + protocol + endpoint);
}

/** The service ports of one Service (none for headless, ExternalName or IPv6-only Services). */
export function servicePorts(svc: ServiceView): ServicePortInfo[] {
  const clusterIP = svc.clusterIPs.find(isIpv4);
  if (!clusterIP) return [];
  const externalIPs = svc.externalIPs.filter(isIpv4);
  return svc.ports.map((p) => {
    const name = p.name ? `${svc.namespace}/${svc.name}:${p.name}` : `${svc.namespace}/${svc.name}`;
    const protocol = p.protocol.toLowerCase() as ServicePortInfo['protocol'];
    const loadBalancerVIPs =
      svc.type === 'LoadBalancer' ? svc.loadBalancerIngress.filter((i) => i.ip && isIpv4(i.ip) && (i.ipMode ?? 'VIP') === 'VIP').map((i) => i.ip as string) : [];
    const nodePort = svc.type === 'NodePort' || svc.type === 'LoadBalancer' ? p.nodePort : 0;
    const accessible = externalIPs.length > 0 || nodePort !== 0 || loadBalancerVIPs.length > 0;
    const externalPolicyLocal = accessible && svc.externalTrafficPolicy === 'Local';
    return {
      name,
      protocol,
      clusterIP,
      port: p.port,
      nodePort,
      externalIPs,
      loadBalancerVIPs,
      loadBalancerSourceRanges: svc.type === 'LoadBalancer' ? svc.loadBalancerSourceRanges.map((r) => r.trim()).filter((r) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(r)) : [],
      stickySeconds: svc.sessionAffinity === 'ClientIP' ? svc.stickyMaxAgeSeconds : 0,
      internalPolicyLocal: svc.internalTrafficPolicy === 'Local',
      externalPolicyLocal,
      healthCheckNodePort: svc.type === 'LoadBalancer' && externalPolicyLocal ? svc.healthCheckNodePort : 0,
      svcChain: serviceChainName('KUBE-SVC-', name, protocol),
      svlChain: serviceChainName('KUBE-SVL-', name, protocol),
      extChain: serviceChainName('KUBE-EXT-', name, protocol),
      fwChain: serviceChainName('KUBE-FW-', name, protocol),
    };
  });
}

/** Endpoints of a service port from the Service's slices (`portName` is the Service port's name). */
export function portEndpoints(sp: ServicePortInfo, portName: string, slices: readonly EndpointSliceView[], nodeName: string): EndpointInfo[] {
  const byEndpoint = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = slice.ports.find((p) => p.name === portName && p.protocol.toLowerCase() === sp.protocol);
    if (!port || port.port <= 0) continue;
    for (const ep of slice.endpoints) {
      const ip = ep.addresses[0];
      if (!ip || !isIpv4(ip)) continue;
      const endpoint = `${ip}:${port.port}`;
      if (byEndpoint.has(endpoint)) continue;
      byEndpoint.set(endpoint, {
        ip,
        port: port.port,
        endpoint,
        isLocal: ep.nodeName !== undefined && ep.nodeName === nodeName,
        ready: ep.ready,
        serving: ep.serving,
        terminating: ep.terminating,
        chain: endpointChainName(sp.name, sp.protocol, endpoint),
      });
    }
  }
  return [...byEndpoint.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
}

export interface CategorizedEndpoints {
  readonly cluster: EndpointInfo[];
  readonly local: EndpointInfo[];
  readonly allReachable: EndpointInfo[];
  readonly hasAny: boolean;
}

/**
 * pkg/proxy CategorizeEndpoints without topology hints: Ready endpoints, falling back (separately
 * for Cluster and Local) to serving-and-terminating ones when none is ready.
 */
export function categorizeEndpoints(sp: ServicePortInfo, endpoints: readonly EndpointInfo[]): CategorizedEndpoints {
  let cluster: EndpointInfo[] = [];
  let local: EndpointInfo[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(sp)) {
    cluster = endpoints.filter((e) => e.ready);
    if (cluster.length === 0) cluster = endpoints.filter((e) => e.serving && e.terminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local, allReachable: cluster, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  let usedServingTerminating = false;
  if (localReady) local = endpoints.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) {
    usedServingTerminating = true;
    local = endpoints.filter((e) => e.isLocal && e.serving && e.terminating);
  }
  if (!usesClusterEndpoints(sp)) return { cluster, local, allReachable: local, hasAny };
  if (!usedServingTerminating) return { cluster, local, allReachable: cluster, hasAny };
  const merged = new Map<string, EndpointInfo>();
  for (const e of [...cluster, ...local]) merged.set(e.endpoint, e);
  return { cluster, local, allReachable: [...merged.values()], hasAny };
}
