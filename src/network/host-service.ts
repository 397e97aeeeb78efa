/**
 * Services the server process itself answers for (the cluster DNS, the ingress controller): a
 * selector-less Service whose EndpointSlice, written here, points at the address and ports where
 * the process listens on its node. kube-proxy then forwards the Service's addresses (cluster IP,
 * load-balancer IPs) there like any other endpoint. The EndpointSlice carries the manager's
 * `endpointslice.kubernetes.io/managed-by` label, so the EndpointSlice controller leaves it alone.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';

export interface HostServiceTarget {
  /** Where the process listens, as pods and nodes can reach it (node IPs). */
  readonly addresses: readonly string[];
  /** The endpoint ports: Service port name → port and protocol. */
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: 'TCP' | 'UDP' }[];
  readonly nodeName?: string;
}

export function hostServiceEndpointSlice(namespace: string, service: string, sliceName: string, manager: string, target: HostServiceTarget): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': manager } },
    addressType: 'IPv4',
    ports: target.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    endpoints: target.addresses.map((address) => ({
      addresses: [address],
      conditions: { ready: true, serving: true, terminating: false },
      ...(target.nodeName ? { nodeName: target.nodeName } : {}),
    })),
  };
}

/**
 * Creates the Service if it is missing (an existing one is passed to `checkExisting`, which may
 * throw), then creates or updates its EndpointSlice `sliceName` (idempotent).
 */
export async function ensureHostService(
  client: Client,
  options: { service: KubeObject; sliceName: string; manager: string; target: HostServiceTarget; checkExisting?: (existing: KubeObject) => void },
): Promise<void> {
  const namespace = options.service.metadata.namespace ?? '';
  const name = options.service.metadata.name ?? '';
  let svc: KubeObject | undefined;
  try {
    svc = await client.get(resources.services, namespace, name);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 404) throw e;
  }
  if (!svc) await client.create(resources.services, namespace, options.service, { fieldManager: options.manager });
  else options.checkExisting?.(svc);
  const desired = hostServiceEndpointSlice(namespace, name, options.sliceName, options.manager, options.target);
  try {
    const current = await client.get(resources.endpointslices, namespace, options.sliceName);
    if (JSON.stringify([current.ports, current.endpoints]) === JSON.stringify([desired.ports, desired.endpoints])) return;
    await client.update(resources.endpointslices, namespace, { ...current, ports: desired.ports, endpoints: desired.endpoints }, { fieldManager: options.manager });
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 404) throw e;
    await client.create(resources.endpointslices, namespace, desired, { fieldManager: options.manager });
  }
}

/** Deletes the Service if this manager created it (its EndpointSlice goes with it by name). */
export async function removeHostService(client: Client, namespace: string, name: string, sliceName: string, manager: string): Promise<void> {
  try {
    const slice = await client.get(resources.endpointslices, namespace, sliceName);
    if (slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] !== manager) return;
    await client.delete(resources.endpointslices, namespace, sliceName);
    await client.delete(resources.services, namespace, name);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 404) throw e;
  }
}
