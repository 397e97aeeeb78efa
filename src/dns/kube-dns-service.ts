/**
 * How pods reach the in-process DNS: the `kube-dns` Service in kube-system at the 10th address of
 * the service CIDR (10.43.0.10, as kubeadm and k3s place it), with CoreDNS's ports 53/UDP `dns`
 * and 53/TCP `dns-tcp` (no metrics port: there are no metrics), but without a selector: its EndpointSlice is
 * written here and points at the address(es) where startClusterDns listens (a node IP and, say,
 * port 10053, so nothing has to bind port 53 on the host). kube-proxy then DNATs 10.43.0.10:53 to
 * it like any other Service. The EndpointSlice is labelled as managed by lite's DNS so the
 * EndpointSlice controller leaves it alone.
 */
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { resources, type Client } from '../client/client.js';

export const KUBE_DNS_MANAGER = 'lite-cluster-dns';

export interface KubeDnsTarget {
  /** Where the DNS listens, as pods can reach it (node IPs). */
  readonly addresses: readonly string[];
  /** Its port (UDP and TCP). */
  readonly port: number;
  readonly nodeName?: string;
}

export function kubeDnsService(clusterIP: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    },
    spec: {
      clusterIP,
      clusterIPs: [clusterIP],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

export function kubeDnsEndpointSlice(target: KubeDnsTarget): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kube-dns-lite',
      namespace: 'kube-system',
      labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': KUBE_DNS_MANAGER },
    },
    addressType: 'IPv4',
    ports: [
      { name: 'dns', port: target.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: target.port, protocol: 'TCP' },
    ],
    endpoints: target.addresses.map((address) => ({
      addresses: [address],
      conditions: { ready: true, serving: true, terminating: false },
      ...(target.nodeName ? { nodeName: target.nodeName } : {}),
    })),
  };
}

/**
 * Creates or updates the kube-dns Service and its EndpointSlice (idempotent; call at server
 * start and when the DNS address changes). A Service of that name with another cluster IP is
 * left as it is and reported, since a cluster IP cannot be changed in place.
 */
export async function ensureKubeDnsService(client: Client, clusterIP: string, target: KubeDnsTarget): Promise<void> {
  let svc: KubeObject | undefined;
  try {
    svc = await client.get(resources.services, 'kube-system', 'kube-dns');
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 404) throw e;
  }
  if (!svc) {
    await client.create(resources.services, 'kube-system', kubeDnsService(clusterIP), { fieldManager: KUBE_DNS_MANAGER });
  } else {
    const existing = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (existing !== clusterIP) throw new Error(`kube-system/kube-dns exists with cluster IP ${existing ?? '(none)'}, not ${clusterIP}`);
  }
  const desired = kubeDnsEndpointSlice(target);
  try {
    const current = await client.get(resources.endpointslices, 'kube-system', 'kube-dns-lite');
    if (JSON.stringify([current.ports, current.endpoints]) === JSON.stringify([desired.ports, desired.endpoints])) return;
    await client.update(resources.endpointslices, 'kube-system', { ...current, ports: desired.ports, endpoints: desired.endpoints }, { fieldManager: KUBE_DNS_MANAGER });
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 404) throw e;
    await client.create(resources.endpointslices, 'kube-system', desired, { fieldManager: KUBE_DNS_MANAGER });
  }
}
