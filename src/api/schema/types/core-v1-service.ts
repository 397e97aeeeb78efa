/**
 * core/v1 Service and Endpoints.
 *
 * Field names, JSON types, protobuf field numbers, pointer-ness, required-ness and patch/list markers follow
 * Kubernetes 1.32 (k8s.io/api and k8s.io/apimachinery v0.32.5: types.go and generated.proto). The `doc`
 * strings are lite's own summaries.
 */
import type { TypeDef } from '../dsl.js';
import { bool, core, defineList, defineType, i32, intOrString, list, map, meta, objectMetaField, ref, str } from '../dsl.js';
import { IP_FAMILY, IP_FAMILY_POLICY, PROTOCOL, SERVICE_AFFINITY, SERVICE_EXTERNAL_TRAFFIC_POLICY, SERVICE_INTERNAL_TRAFFIC_POLICY, SERVICE_TYPE } from './core-v1-common.js';

const V1 = { group: '', version: 'v1' } as const;

export const coreV1ServiceTypes: readonly TypeDef[] = [
  defineType(core('Service'), 'A named, stable network endpoint in front of a set of pods.', {
    metadata: objectMetaField,
    spec: [2, ref(core('ServiceSpec')), { doc: 'Desired behaviour of the service.' }],
    status: [3, ref(core('ServiceStatus')), { doc: 'Observed state of the service, such as its load balancer.' }],
  }, { gvk: { ...V1, kind: 'Service' } }),
  defineList(core('Service'), { ...V1, kind: 'Service' }),
  defineType(core('Endpoints'), 'The addresses and ports behind a service; superseded by EndpointSlices.', {
    metadata: objectMetaField,
    subsets: [2, list(ref(core('EndpointSubset'))), { doc: 'Groups of addresses that share the same ports.', listType: 'atomic' }],
  }, { gvk: { ...V1, kind: 'Endpoints' } }),
  defineList(core('Endpoints'), { ...V1, kind: 'Endpoints' }),
  defineType(core('ServiceSpec'), 'Desired behaviour of a service.', {
    ports: [1, list(ref(core('ServicePort'))), { doc: 'Ports the service exposes.', patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] }],
    selector: [2, map(str), { doc: 'Pods carrying these labels receive the traffic; without it, endpoints are managed externally.', mapType: 'atomic' }],
    clusterIP: [3, str, { doc: 'Primary virtual IP of the service; None makes it headless; usually assigned by the system.' }],
    clusterIPs: [18, list(str), { doc: 'Virtual IPs of the service, at most one per IP family; the first equals clusterIP.', listType: 'atomic' }],
    type: [4, SERVICE_TYPE, { doc: 'How the service is exposed: ClusterIP (default), NodePort, LoadBalancer or ExternalName.' }],
    externalIPs: [5, list(str), { doc: 'Extra IP addresses on which nodes accept traffic for the service.', listType: 'atomic' }],
    sessionAffinity: [7, SERVICE_AFFINITY, { doc: 'ClientIP keeps a client on the same endpoint; None (default) does not.' }],
    loadBalancerIP: [8, str, { doc: 'Deprecated: IP requested from the load balancer implementation.' }],
    loadBalancerSourceRanges: [9, list(str), { doc: 'Client CIDRs allowed through a cloud load balancer.', listType: 'atomic' }],
    externalName: [10, str, { doc: 'DNS name returned as a CNAME for ExternalName services.' }],
    externalTrafficPolicy: [11, SERVICE_EXTERNAL_TRAFFIC_POLICY, { doc: 'Cluster (default) spreads external traffic to all endpoints; Local keeps it on the receiving node.' }],
    healthCheckNodePort: [12, i32, { doc: 'Node port serving load balancer health checks for externalTrafficPolicy Local.' }],
    publishNotReadyAddresses: [13, bool, { doc: 'Publish endpoints of pods that are not ready.' }],
    sessionAffinityConfig: [14, ref(core('SessionAffinityConfig')), { doc: 'Settings of session affinity.', pointer: true }],
    ipFamilies: [19, list(IP_FAMILY), { doc: "IP families (IPv4, IPv6) of the service's cluster IPs.", listType: 'atomic' }],
    ipFamilyPolicy: [17, IP_FAMILY_POLICY, { doc: 'SingleStack, PreferDualStack or RequireDualStack.', pointer: true }],
    allocateLoadBalancerNodePorts: [20, bool, { doc: 'Whether LoadBalancer services get node ports; defaults to true.', pointer: true }],
    loadBalancerClass: [21, str, { doc: 'Load balancer implementation to use; immutable.', pointer: true }],
    internalTrafficPolicy: [22, SERVICE_INTERNAL_TRAFFIC_POLICY, { doc: 'Cluster (default) routes in-cluster traffic to all endpoints; Local only to endpoints on the same node.', pointer: true }],
    trafficDistribution: [23, str, { doc: 'Preference for how traffic is spread over endpoints, such as PreferClose.', pointer: true }],
  }),
  defineType(core('ServiceStatus'), 'Observed state of a service.', {
    loadBalancer: [1, ref(core('LoadBalancerStatus')), { doc: 'The load balancer of the service, if any.' }],
    conditions: [2, list(ref(meta('Condition'))), { doc: 'Current conditions of the service.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  }),
  defineType(core('EndpointSubset'), 'Addresses sharing a set of ports; the endpoints are their cross product.', {
    addresses: [1, list(ref(core('EndpointAddress'))), { doc: 'Ready addresses.', listType: 'atomic' }],
    notReadyAddresses: [2, list(ref(core('EndpointAddress'))), { doc: 'Addresses that are not ready yet or failed their readiness check recently.', listType: 'atomic' }],
    ports: [3, list(ref(core('EndpointPort'))), { doc: 'Ports available on all the addresses.', listType: 'atomic' }],
  }),
  defineType(core('ServicePort'), 'One port of a service.', {
    name: [1, str, { doc: 'Port name, required when the service has several ports; must match EndpointPort names.' }],
    protocol: [2, PROTOCOL, { doc: 'TCP (default), UDP or SCTP.' }],
    appProtocol: [6, str, { doc: 'Application protocol, such as http or a domain-prefixed name.', pointer: true }],
    port: [3, i32, { doc: 'Port the service listens on.', required: true, noOmitEmpty: true }],
    targetPort: [4, intOrString, { doc: 'Port number or name on the pods; defaults to port.' }],
    nodePort: [5, i32, { doc: 'Port on every node for NodePort and LoadBalancer services; usually allocated by the system.' }],
  }),
  defineType(core('SessionAffinityConfig'), 'Settings of session affinity.', {
    clientIP: [1, ref(core('ClientIPConfig')), { doc: 'Settings of ClientIP affinity.', pointer: true }],
  }),
  defineType(core('LoadBalancerStatus'), 'State of a load balancer.', {
    ingress: [1, list(ref(core('LoadBalancerIngress'))), { doc: 'Entry points of the load balancer.', listType: 'atomic' }],
  }),
  defineType(core('EndpointAddress'), 'One endpoint address.', {
    ip: [1, str, { doc: 'IP address of the endpoint.', required: true, noOmitEmpty: true }],
    hostname: [3, str, { doc: 'Hostname of the endpoint.' }],
    nodeName: [4, str, { doc: 'Node hosting the endpoint.', pointer: true }],
    targetRef: [2, ref(core('ObjectReference')), { doc: 'The object (usually a pod) behind the endpoint.', pointer: true }],
  }, { structType: 'atomic' }),
  defineType(core('EndpointPort'), 'One port of an endpoint.', {
    name: [1, str, { doc: 'Port name, matching a ServicePort name.' }],
    port: [2, i32, { doc: 'Port number.', required: true, noOmitEmpty: true }],
    protocol: [3, PROTOCOL, { doc: 'TCP (default), UDP or SCTP.' }],
    appProtocol: [4, str, { doc: 'Application protocol of the port.', pointer: true }],
  }, { structType: 'atomic' }),
  defineType(core('ClientIPConfig'), 'Settings of ClientIP session affinity.', {
    timeoutSeconds: [1, i32, { doc: 'Lifetime of the affinity in seconds, 1 to 86400; defaults to 10800 (3 hours).', pointer: true }],
  }),
  defineType(core('LoadBalancerIngress'), 'One entry point of a load balancer.', {
    ip: [1, str, { doc: 'IP address of the entry point.' }],
    hostname: [2, str, { doc: 'DNS name of the entry point.' }],
    ipMode: [3, str, { doc: 'VIP (traffic arrives with the load balancer IP as destination) or Proxy (arrives at the node or pod).', pointer: true }],
    ports: [4, list(ref(core('PortStatus'))), { doc: 'State of each service port on this entry point.', listType: 'atomic' }],
  }),
  defineType(core('PortStatus'), 'State of one service port on a load balancer.', {
    port: [1, i32, { doc: 'Port number.', required: true, noOmitEmpty: true }],
    protocol: [2, PROTOCOL, { doc: 'TCP, UDP or SCTP.', required: true, noOmitEmpty: true }],
    error: [3, str, { doc: 'Problem with this port, as a CamelCase reason; empty when fine.', pointer: true }],
  }),
];
