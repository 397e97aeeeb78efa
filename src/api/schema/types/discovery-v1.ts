/**
 * discovery.k8s.io/v1: EndpointSlice and its endpoints, ports and hints.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, bool, core, defineList, defineType, enumOf, i32, list, map, objectMetaField, ref, str } from '../dsl.js';

const discovery = (kind: string): string => api('discovery', 'v1', kind);
const GV = { group: 'discovery.k8s.io', version: 'v1' } as const;

export const discoveryV1Types: readonly TypeDef[] = [
  defineType(discovery('EndpointSlice'), 'A subset of the network endpoints behind a Service; a Service may have many slices.', {
    metadata: objectMetaField,
    addressType: [4, enumOf('FQDN', 'IPv4', 'IPv6'), {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'Kind of addresses in this slice: IPv4, IPv6 or FQDN.',
    }],
    endpoints: [2, list(ref(discovery('Endpoint'))), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Endpoints of this slice; at most 1000.',
    }],
    ports: [3, list(ref(discovery('EndpointPort'))), {
      listType: 'atomic', noOmitEmpty: true,
      doc: 'Ports exposed by every endpoint of this slice; empty means no ports are defined, and a port without a number means all ports.',
    }],
  }, { gvk: { ...GV, kind: 'EndpointSlice' } }),
  defineList(discovery('EndpointSlice'), { ...GV, kind: 'EndpointSlice' }),
  defineType(discovery('Endpoint'), 'One backend address of a Service.', {
    addresses: [1, list(str), {
      required: true, listType: 'set', noOmitEmpty: true,
      doc: "Addresses of this endpoint, interpreted according to the slice's addressType; interchangeable, so clients may use just the first.",
    }],
    conditions: [2, ref(discovery('EndpointConditions')), { doc: 'Readiness, serving and termination state of this endpoint.' }],
    hostname: [3, str, { pointer: true, doc: 'DNS label naming this endpoint.' }],
    targetRef: [4, ref(core('ObjectReference')), { pointer: true, doc: 'Object (usually a Pod) that backs this endpoint.' }],
    deprecatedTopology: [5, map(str), { doc: 'Legacy topology labels kept for v1beta1 compatibility; use nodeName and zone.' }],
    nodeName: [6, str, { pointer: true, doc: 'Node that hosts this endpoint.' }],
    zone: [7, str, { pointer: true, doc: 'Zone this endpoint is in.' }],
    hints: [8, ref(discovery('EndpointHints')), { pointer: true, doc: 'Topology-aware routing hints for consumers.' }],
  }),
  defineType(discovery('EndpointConditions'), 'Current state of an endpoint.', {
    ready: [1, bool, { pointer: true, doc: 'The endpoint can receive traffic; unset should be read as ready. Normally false while terminating.' }],
    serving: [2, bool, { pointer: true, doc: 'The endpoint is serving traffic, even while terminating.' }],
    terminating: [3, bool, { pointer: true, doc: 'The endpoint is shutting down.' }],
  }),
  defineType(discovery('EndpointHints'), 'Topology hints for routing to an endpoint.', {
    forZones: [1, list(ref(discovery('ForZone'))), { listType: 'atomic', doc: 'Zones whose clients should be routed to this endpoint.' }],
  }),
  defineType(discovery('ForZone'), 'A zone that should consume an endpoint.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Zone name.' }],
  }),
  defineType(discovery('EndpointPort'), 'A port served by every endpoint of a slice.', {
    name: [1, str, { pointer: true, doc: 'Port name; must match the Service port name when generated from a Service.' }],
    protocol: [2, enumOf('SCTP', 'TCP', 'UDP'), { pointer: true, doc: 'TCP (the default), UDP or SCTP.' }],
    port: [3, i32, { pointer: true, doc: 'Port number; unset means all ports.' }],
    appProtocol: [4, str, { pointer: true, doc: 'Application protocol, e.g. http, kubernetes.io/h2c or a domain-prefixed name.' }],
  }, { structType: 'atomic' }),
];
