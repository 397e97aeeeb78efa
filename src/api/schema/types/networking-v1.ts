/**
 * networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy with every part they use.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, core, defineList, defineType, enumOf, i32, intOrString, list, meta, objectMetaField, ref, str } from '../dsl.js';

const networking = (kind: string): string => api('networking', 'v1', kind);
const GV = { group: 'networking.k8s.io', version: 'v1' } as const;

export const networkingV1Types: readonly TypeDef[] = [
  defineType(networking('Ingress'), 'Routes external HTTP(S) traffic to Services by host and path; served by an ingress controller.', {
    metadata: objectMetaField,
    spec: [2, ref(networking('IngressSpec')), { doc: 'Routing rules, TLS settings and the default backend.' }],
    status: [3, ref(networking('IngressStatus')), { doc: 'Addresses of the load balancer serving this Ingress.' }],
  }, { gvk: { ...GV, kind: 'Ingress' } }),
  defineList(networking('Ingress'), { ...GV, kind: 'Ingress' }),
  defineType(networking('IngressSpec'), 'Desired routing of an Ingress.', {
    ingressClassName: [4, str, { pointer: true, doc: 'Name of the IngressClass whose controller should serve this Ingress.' }],
    defaultBackend: [1, ref(networking('IngressBackend')), { pointer: true, doc: 'Backend for requests that match no rule.' }],
    tls: [2, list(ref(networking('IngressTLS'))), {
      listType: 'atomic',
      doc: 'TLS settings; each entry names hosts and the Secret holding their certificate.',
    }],
    rules: [3, list(ref(networking('IngressRule'))), {
      listType: 'atomic',
      doc: 'Host and path routing rules; requests matching none go to the default backend.',
    }],
  }),
  defineType(networking('IngressBackend'), 'Where matching requests are sent: a Service or another resource (exactly one).', {
    service: [4, ref(networking('IngressServiceBackend')), { pointer: true, doc: 'Service that receives the traffic.' }],
    resource: [3, ref(core('TypedLocalObjectReference')), {
      pointer: true,
      doc: 'Object in the same namespace that receives the traffic, e.g. a storage bucket CRD.',
    }],
  }),
  defineType(networking('IngressServiceBackend'), 'A Service port used as an Ingress backend.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: "Name of the Service, in the Ingress's namespace." }],
    port: [2, ref(networking('ServiceBackendPort')), { doc: 'Port of the Service to send traffic to.' }],
  }),
  defineType(networking('ServiceBackendPort'), 'A Service port given by name or number (exactly one).', {
    name: [1, str, { doc: 'Port name as declared in the Service.' }],
    number: [2, i32, { doc: 'Numeric port of the Service.' }],
  }, { structType: 'atomic' }),
  defineType(networking('IngressRule'), 'Routes requests for one host (or all hosts) by their paths.', {
    host: [1, str, { doc: 'Fully qualified host name, optionally with a leading wildcard label such as *.example.com; unset matches every host.' }],
    ingressRuleValue: [2, ref(networking('IngressRuleValue')), { inline: true, doc: 'How requests for this host are routed, embedded at the same level.' }],
  }),
  defineType(networking('IngressRuleValue'), 'The routing of an IngressRule; only HTTP routing exists.', {
    http: [1, ref(networking('HTTPIngressRuleValue')), { pointer: true, doc: 'Path-based routing of HTTP requests for this host.' }],
  }),
  defineType(networking('HTTPIngressRuleValue'), 'A list of paths routed to backends.', {
    paths: [1, list(ref(networking('HTTPIngressPath'))), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Paths and the backends they route to.',
    }],
  }),
  defineType(networking('HTTPIngressPath'), 'Routes one path to a backend.', {
    path: [1, str, { doc: "Path to match against the request's URL path; must start with a slash." }],
    pathType: [3, enumOf('Exact', 'ImplementationSpecific', 'Prefix'), {
      required: true, pointer: true, noOmitEmpty: true,
      doc: 'How path is matched: Exact, Prefix (by path elements) or ImplementationSpecific.',
    }],
    backend: [2, ref(networking('IngressBackend')), { required: true, noOmitEmpty: true, doc: 'Where matching requests go.' }],
  }),
  defineType(networking('IngressTLS'), 'TLS settings for a set of hosts.', {
    hosts: [1, list(str), { listType: 'atomic', doc: "Host names the certificate covers; defaults to the ingress controller's wildcard host." }],
    secretName: [2, str, { doc: 'Secret with the TLS key pair; optional when only SNI routing is needed.' }],
  }),
  defineType(networking('IngressStatus'), 'Observed state of an Ingress.', {
    loadBalancer: [1, ref(networking('IngressLoadBalancerStatus')), { doc: 'Load balancer that serves this Ingress.' }],
  }),
  defineType(networking('IngressLoadBalancerStatus'), 'Load balancer points through which an Ingress is reached.', {
    ingress: [1, list(ref(networking('IngressLoadBalancerIngress'))), { listType: 'atomic', doc: 'Addresses of the load balancer.' }],
  }),
  defineType(networking('IngressLoadBalancerIngress'), 'One address of an Ingress load balancer.', {
    ip: [1, str, { doc: 'IP address of this point.' }],
    hostname: [2, str, { doc: 'DNS name of this point.' }],
    ports: [4, list(ref(networking('IngressPortStatus'))), { listType: 'atomic', doc: 'Status of each port of this point.' }],
  }),
  defineType(networking('IngressPortStatus'), 'Status of one load-balancer port.', {
    port: [1, i32, { required: true, noOmitEmpty: true, doc: 'Port number.' }],
    protocol: [2, enumOf('SCTP', 'TCP', 'UDP'), { required: true, noOmitEmpty: true, doc: 'TCP, UDP or SCTP.' }],
    error: [3, str, { pointer: true, doc: 'Problem with this port, as a CamelCase reason or a domain-prefixed name; unset when healthy.' }],
  }),
  defineType(networking('IngressClass'), 'Names an ingress controller implementation and its parameters.', {
    metadata: objectMetaField,
    spec: [2, ref(networking('IngressClassSpec')), { doc: 'Controller name and optional parameters.' }],
  }, { gvk: { ...GV, kind: 'IngressClass' } }),
  defineList(networking('IngressClass'), { ...GV, kind: 'IngressClass' }),
  defineType(networking('IngressClassSpec'), 'Desired state of an IngressClass.', {
    controller: [1, str, {
      immutable: true,
      doc: 'Name of the controller that serves this class, domain-prefixed, e.g. example.com/ingress-controller.',
    }],
    parameters: [2, ref(networking('IngressClassParametersReference')), { pointer: true, doc: 'Object holding extra controller configuration.' }],
  }),
  defineType(networking('IngressClassParametersReference'), "Points to the object that configures an IngressClass's controller.", {
    apiGroup: [1, str, { pointer: true, doc: 'API group of the referenced object; the core group when unset.' }],
    kind: [2, str, { required: true, noOmitEmpty: true, doc: 'Kind of the referenced object.' }],
    name: [3, str, { required: true, noOmitEmpty: true, doc: 'Name of the referenced object.' }],
    scope: [4, str, { pointer: true, noOmitEmpty: true, doc: 'Cluster (the default) or Namespace, saying where the referenced object lives.' }],
    namespace: [5, str, { pointer: true, doc: 'Namespace of the referenced object; required when scope is Namespace.' }],
  }),
  defineType(networking('NetworkPolicy'), 'Restricts which traffic may reach or leave a set of pods.', {
    metadata: objectMetaField,
    spec: [2, ref(networking('NetworkPolicySpec')), { doc: 'Pods selected and the traffic allowed for them.' }],
  }, { gvk: { ...GV, kind: 'NetworkPolicy' } }),
  defineList(networking('NetworkPolicy'), { ...GV, kind: 'NetworkPolicy' }),
  defineType(networking('NetworkPolicySpec'), 'Desired behaviour of a NetworkPolicy.', {
    podSelector: [1, ref(meta('LabelSelector')), {
      required: true, noOmitEmpty: true,
      doc: 'Pods this policy applies to; an empty selector selects every pod in the namespace.',
    }],
    ingress: [2, list(ref(networking('NetworkPolicyIngressRule'))), {
      listType: 'atomic',
      doc: 'Rules allowing incoming traffic; selected pods accept only what some rule (of any policy) allows.',
    }],
    egress: [3, list(ref(networking('NetworkPolicyEgressRule'))), {
      listType: 'atomic',
      doc: 'Rules allowing outgoing traffic; selected pods send only what some rule (of any policy) allows.',
    }],
    policyTypes: [4, list(enumOf('Egress', 'Ingress')), {
      listType: 'atomic',
      doc: 'Directions the policy governs: Ingress, Egress or both; when unset, Ingress plus Egress if egress rules exist.',
    }],
  }),
  defineType(networking('NetworkPolicyEgressRule'), 'Allows outgoing traffic matching both ports and to.', {
    ports: [1, list(ref(networking('NetworkPolicyPort'))), { listType: 'atomic', doc: 'Destination ports allowed; empty allows every port.' }],
    to: [2, list(ref(networking('NetworkPolicyPeer'))), { listType: 'atomic', doc: 'Destinations allowed; empty allows every destination.' }],
  }),
  defineType(networking('NetworkPolicyPeer'), 'A traffic peer: pods, namespaces or an IP block.', {
    podSelector: [1, ref(meta('LabelSelector')), {
      pointer: true,
      doc: "Pods to match, in the policy's namespace unless namespaceSelector is set too.",
    }],
    namespaceSelector: [2, ref(meta('LabelSelector')), {
      pointer: true,
      doc: 'Namespaces whose pods match; combined with podSelector when both are set.',
    }],
    ipBlock: [3, ref(networking('IPBlock')), { pointer: true, doc: 'A CIDR range to match; exclusive with the selectors.' }],
  }),
  defineType(networking('IPBlock'), 'A CIDR range with optional exclusions.', {
    cidr: [1, str, { required: true, noOmitEmpty: true, doc: 'The range, e.g. 192.168.1.0/24 or 2001:db8::/64.' }],
    except: [2, list(str), { listType: 'atomic', doc: 'Sub-ranges excluded from cidr.' }],
  }),
  defineType(networking('NetworkPolicyPort'), 'A port (or port range) and protocol.', {
    protocol: [1, enumOf('SCTP', 'TCP', 'UDP'), { pointer: true, doc: 'TCP (the default), UDP or SCTP.' }],
    port: [2, intOrString, { pointer: true, doc: 'Port number or named port; unset matches every port.' }],
    endPort: [3, i32, { pointer: true, doc: 'Last port of a range starting at port; needs a numeric port.' }],
  }),
  defineType(networking('NetworkPolicyIngressRule'), 'Allows incoming traffic matching both ports and from.', {
    ports: [1, list(ref(networking('NetworkPolicyPort'))), { listType: 'atomic', doc: 'Destination ports allowed; empty allows every port.' }],
    from: [2, list(ref(networking('NetworkPolicyPeer'))), { listType: 'atomic', doc: 'Sources allowed; empty allows every source.' }],
  }),
];
