/**
 * Objects every cluster has from its first start (kube-apiserver's bootstrap controllers): the
 * system namespaces, the `default/kubernetes` Service with its Endpoints and EndpointSlice
 * pointing at the API server, and (once per cluster) the default `local-path` StorageClass. Idempotent: run at every start, it only creates what is missing
 * and corrects the endpoints if the server's address or port changed.
 */
import type { KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import { ensureObject } from '../client/ensure-object.js';
import { ensureLocalStorageClass } from './local-storage.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export interface BootstrapConfig {
  readonly client: Client;
  /** Cluster IP of the kubernetes Service (the first address of the service CIDR). */
  readonly kubernetesServiceIp: string;
  /** Address and port at which pods reach the API server. */
  readonly endpointAddress: string;
  readonly endpointPort: number;
}

export async function bootstrapCluster(config: BootstrapConfig): Promise<void> {
  const { client } = config;
  for (const name of SYSTEM_NAMESPACES) {
    await ensureObject(client, resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
  }
  await ensureObject(client, resources.services, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: config.kubernetesServiceIp,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: config.endpointPort }],
      sessionAffinity: 'None',
    },
  });

  const endpoints: KubeObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: config.endpointAddress }], ports: [{ name: 'https', port: config.endpointPort, protocol: 'TCP' }] }],
  };
  const currentEndpoints = await ensureObject(client, resources.endpoints, 'default', endpoints);
  if (JSON.stringify(currentEndpoints.subsets) !== JSON.stringify(endpoints.subsets)) {
    await client.update(resources.endpoints, 'default', { ...currentEndpoints, subsets: endpoints.subsets });
  }

  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [config.endpointAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: config.endpointPort, protocol: 'TCP' }],
  };
  const currentSlice = await ensureObject(client, resources.endpointslices, 'default', slice);
  if (JSON.stringify(currentSlice.endpoints) !== JSON.stringify(slice.endpoints) || JSON.stringify(currentSlice.ports) !== JSON.stringify(slice.ports)) {
    await client.update(resources.endpointslices, 'default', { ...currentSlice, endpoints: slice.endpoints, ports: slice.ports });
  }
  // The default StorageClass, once per cluster (k3s' local-storage addon).
  await ensureLocalStorageClass(client);
}
