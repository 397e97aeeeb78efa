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
import type { Client } from '../client/client.js';
import { ensureHostService, hostServiceEndpointSlice, type HostServiceTarget } from '../network/host-service.js';

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
  return hostServiceEndpointSlice('kube-system', 'kube-dns', 'kube-dns-lite', KUBE_DNS_MANAGER, hostTarget(target));
}

function hostTarget(target: KubeDnsTarget): HostServiceTarget {
  return {
    addresses: target.addresses,
    ports: [
      { name: 'dns', port: target.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: target.port, protocol: 'TCP' },
    ],
    ...(target.nodeName ? { nodeName: target.nodeName } : {}),
  };
}

/**
 * Creates or updates the kube-dns Service and its EndpointSlice (idempotent; call at server
 * start and when the DNS address changes). A Service of that name with another cluster IP is
 * left as it is and reported, since a cluster IP cannot be changed in place.
 */
export async function ensureKubeDnsService(client: Client, clusterIP: string, target: KubeDnsTarget): Promise<void> {
  await ensureHostService(client, {
    service: kubeDnsService(clusterIP),
    sliceName: 'kube-dns-lite',
    manager: KUBE_DNS_MANAGER,
    target: hostTarget(target),
    checkExisting: (svc) => {
      const existing = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP;
      if (existing !== clusterIP) throw new Error(`kube-system/kube-dns exists with cluster IP ${existing ?? '(none)'}, not ${clusterIP}`);
    },
  });
}
