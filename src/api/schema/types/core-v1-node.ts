/**
 * core/v1 Node with its spec, status and taints.
 *
 * Field names, JSON types, protobuf field numbers, pointer-ness, required-ness and patch/list markers follow
 * Kubernetes 1.32 (k8s.io/api and k8s.io/apimachinery v0.32.5: types.go and generated.proto). The `doc`
 * strings are lite's own summaries.
 */
import type { TypeDef } from '../dsl.js';
import { bool, core, defineList, defineType, i32, i64, list, map, objectMetaField, quantity, ref, str, time } from '../dsl.js';
import { NODE_PHASE, TAINT_EFFECT } from './core-v1-common.js';

const V1 = { group: '', version: 'v1' } as const;

export const coreV1NodeTypes: readonly TypeDef[] = [
  defineType(core('Node'), 'A worker machine that runs pods.', {
    metadata: objectMetaField,
    spec: [2, ref(core('NodeSpec')), { doc: 'Configuration of the node.' }],
    status: [3, ref(core('NodeStatus')), { doc: 'Most recently observed state of the node, reported by its kubelet.' }],
  }, { gvk: { ...V1, kind: 'Node' } }),
  defineList(core('Node'), { ...V1, kind: 'Node' }),
  defineType(core('NodeSpec'), 'Configuration of a node.', {
    podCIDR: [1, str, { doc: 'Pod IP range assigned to the node.' }],
    podCIDRs: [7, list(str), { doc: 'Pod IP ranges assigned to the node, at most one per family; the first equals podCIDR.', patchStrategy: 'merge', listType: 'set' }],
    providerID: [3, str, { doc: 'Node ID in the cloud provider, as <provider>://<id>.' }],
    unschedulable: [4, bool, { doc: 'Keep new pods off the node (cordon).' }],
    taints: [5, list(ref(core('Taint'))), { doc: 'Taints repelling pods that do not tolerate them.', listType: 'atomic' }],
    configSource: [6, ref(core('NodeConfigSource')), { doc: 'Deprecated: dynamic kubelet configuration source, no longer used.', pointer: true }],
    externalID: [2, str, { doc: 'Deprecated and unused.' }],
  }),
  defineType(core('NodeStatus'), 'Observed state of a node.', {
    capacity: [1, map(quantity), { doc: 'Total resources of the node.' }],
    allocatable: [2, map(quantity), { doc: 'Resources available to pods; defaults to capacity.' }],
    phase: [3, NODE_PHASE, { doc: 'Deprecated and unused.' }],
    conditions: [4, list(ref(core('NodeCondition'))), { doc: 'Current conditions, such as Ready, MemoryPressure and DiskPressure.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
    addresses: [5, list(ref(core('NodeAddress'))), { doc: 'Addresses of the node, such as InternalIP and Hostname.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
    daemonEndpoints: [6, ref(core('NodeDaemonEndpoints')), { doc: 'Ports of the daemons on the node.' }],
    nodeInfo: [7, ref(core('NodeSystemInfo')), { doc: 'Identity and software versions of the node.' }],
    images: [8, list(ref(core('ContainerImage'))), { doc: 'Container images present on the node.', listType: 'atomic' }],
    volumesInUse: [9, list(str), { doc: 'Volumes attached and mounted on the node.', listType: 'atomic' }],
    volumesAttached: [10, list(ref(core('AttachedVolume'))), { doc: 'Volumes attached to the node.', listType: 'atomic' }],
    config: [11, ref(core('NodeConfigStatus')), { doc: 'Deprecated: state of dynamic kubelet configuration.', pointer: true }],
    runtimeHandlers: [12, list(ref(core('NodeRuntimeHandler'))), { doc: 'Runtime handlers the node offers.', listType: 'atomic' }],
    features: [13, ref(core('NodeFeatures')), { doc: "Features of the node's container runtime.", pointer: true }],
  }),
  defineType(core('Taint'), 'Marks a node so that pods not tolerating it are repelled.', {
    key: [1, str, { doc: 'Taint key.', required: true, noOmitEmpty: true }],
    value: [2, str, { doc: 'Taint value.' }],
    effect: [3, TAINT_EFFECT, { doc: 'NoSchedule, PreferNoSchedule or NoExecute.', required: true, noOmitEmpty: true }],
    timeAdded: [4, time, { doc: 'When a NoExecute taint was added.', pointer: true }],
  }),
  defineType(core('NodeConfigSource'), 'Deprecated: source of a dynamic kubelet configuration.', {
    configMap: [2, ref(core('ConfigMapNodeConfigSource')), { doc: 'The ConfigMap holding the configuration.', pointer: true }],
  }),
  defineType(core('NodeCondition'), 'One condition of a node.', {
    type: [1, str, { doc: 'Condition type, such as Ready.', required: true, noOmitEmpty: true }],
    status: [2, str, { doc: 'True, False or Unknown.', required: true, noOmitEmpty: true }],
    lastHeartbeatTime: [3, time, { doc: 'When the condition was last reported.' }],
    lastTransitionTime: [4, time, { doc: 'When status last changed.' }],
    reason: [5, str, { doc: 'CamelCase reason of the last transition.' }],
    message: [6, str, { doc: 'Human-readable details of the last transition.' }],
  }),
  defineType(core('NodeAddress'), 'One address of a node.', {
    type: [1, str, { doc: 'Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.', required: true, noOmitEmpty: true }],
    address: [2, str, { doc: 'The address.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('NodeDaemonEndpoints'), 'Ports of the daemons running on a node.', {
    kubeletEndpoint: [1, ref(core('DaemonEndpoint')), { doc: "The kubelet's API port." }],
  }),
  defineType(core('NodeSystemInfo'), 'Identity and software versions of a node.', {
    machineID: [1, str, { doc: 'Machine ID from /etc/machine-id.', required: true, noOmitEmpty: true }],
    systemUUID: [2, str, { doc: 'System UUID reported by the firmware.', required: true, noOmitEmpty: true }],
    bootID: [3, str, { doc: 'ID of the current boot.', required: true, noOmitEmpty: true }],
    kernelVersion: [4, str, { doc: 'Kernel version (uname -r).', required: true, noOmitEmpty: true }],
    osImage: [5, str, { doc: 'Operating system image (from /etc/os-release).', required: true, noOmitEmpty: true }],
    containerRuntimeVersion: [6, str, { doc: 'Container runtime and version, as <runtime>://<version>.', required: true, noOmitEmpty: true }],
    kubeletVersion: [7, str, { doc: 'Kubelet version.', required: true, noOmitEmpty: true }],
    kubeProxyVersion: [8, str, { doc: 'Deprecated: kube-proxy version, not reliable.', required: true, noOmitEmpty: true }],
    operatingSystem: [9, str, { doc: 'Operating system, such as linux.', required: true, noOmitEmpty: true }],
    architecture: [10, str, { doc: 'CPU architecture, such as amd64.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('ContainerImage'), 'One container image on a node.', {
    names: [1, list(str), { doc: 'Names the image is known by.', noOmitEmpty: true, listType: 'atomic' }],
    sizeBytes: [2, i64, { doc: 'Size of the image in bytes.' }],
  }),
  defineType(core('AttachedVolume'), 'A volume attached to a node.', {
    name: [1, str, { doc: 'Unique name of the volume.', required: true, noOmitEmpty: true }],
    devicePath: [2, str, { doc: 'Device path at which the volume is available.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('NodeConfigStatus'), 'Deprecated: state of dynamic kubelet configuration.', {
    assigned: [1, ref(core('NodeConfigSource')), { doc: 'Configuration the node should use.', pointer: true }],
    active: [2, ref(core('NodeConfigSource')), { doc: 'Configuration the node is using.', pointer: true }],
    lastKnownGood: [3, ref(core('NodeConfigSource')), { doc: 'Fallback configuration.', pointer: true }],
    error: [4, str, { doc: 'Problem reconciling the configuration.' }],
  }),
  defineType(core('NodeRuntimeHandler'), 'One runtime handler of a node.', {
    name: [1, str, { doc: 'Handler name; empty for the default handler.', noOmitEmpty: true }],
    features: [2, ref(core('NodeRuntimeHandlerFeatures')), { doc: 'Features the handler supports.', pointer: true }],
  }),
  defineType(core('NodeFeatures'), "Features of a node's container runtime.", {
    supplementalGroupsPolicy: [1, bool, { doc: 'The runtime supports the supplementalGroupsPolicy field.', pointer: true }],
  }),
  defineType(core('ConfigMapNodeConfigSource'), 'Deprecated: a ConfigMap holding kubelet configuration.', {
    namespace: [1, str, { doc: 'Namespace of the ConfigMap.', required: true, noOmitEmpty: true }],
    name: [2, str, { doc: 'Name of the ConfigMap.', required: true, noOmitEmpty: true }],
    uid: [3, str, { doc: 'UID of the ConfigMap.' }],
    resourceVersion: [4, str, { doc: 'resourceVersion of the ConfigMap.' }],
    kubeletConfigKey: [5, str, { doc: 'Key holding the kubelet configuration.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('DaemonEndpoint'), "A daemon's port.", {
    Port: [1, i32, { doc: 'Port number.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('NodeRuntimeHandlerFeatures'), 'Features a runtime handler supports.', {
    recursiveReadOnlyMounts: [1, bool, { doc: 'Recursive read-only mounts are supported.', pointer: true }],
    userNamespaces: [2, bool, { doc: 'User namespaces are supported.', pointer: true }],
  }),
];
