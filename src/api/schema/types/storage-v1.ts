/**
 * storage.k8s.io/v1: StorageClass, plus CSIDriver, CSINode, CSIStorageCapacity and VolumeAttachment so the
 * whole group version is described.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, bool, core, defineList, defineType, enumOf, i32, i64, list, map, meta, objectMetaField, quantity, ref, str, time } from '../dsl.js';

const storage = (kind: string): string => api('storage', 'v1', kind);
const GV = { group: 'storage.k8s.io', version: 'v1' } as const;

export const storageV1Types: readonly TypeDef[] = [
  defineType(storage('StorageClass'), 'Describes a class of dynamically provisioned storage: provisioner, parameters and policies.', {
    metadata: objectMetaField,
    provisioner: [2, str, {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'Name of the volume plugin or CSI driver that provisions volumes of this class.',
    }],
    parameters: [3, map(str), { immutable: true, doc: 'Provisioner-specific settings; at most 512 entries totalling 256 KiB.' }],
    reclaimPolicy: [4, enumOf('Delete', 'Recycle', 'Retain'), {
      pointer: true, immutable: true,
      doc: 'What happens to provisioned volumes when released: Delete (the default) or Retain.',
    }],
    mountOptions: [5, list(str), { listType: 'atomic', doc: 'Mount options given to provisioned volumes, e.g. ro or soft; not validated.' }],
    allowVolumeExpansion: [6, bool, { pointer: true, doc: 'Whether claims of this class may grow.' }],
    volumeBindingMode: [7, enumOf('Immediate', 'WaitForFirstConsumer'), {
      pointer: true, immutable: true,
      doc: 'Immediate (the default) or WaitForFirstConsumer (bind once a pod using the claim is scheduled).',
    }],
    allowedTopologies: [8, list(ref(core('TopologySelectorTerm'))), {
      listType: 'atomic',
      doc: 'Topologies where volumes may be provisioned; unset allows all.',
    }],
  }, { gvk: { ...GV, kind: 'StorageClass' } }),
  defineList(storage('StorageClass'), { ...GV, kind: 'StorageClass' }),
  defineType(storage('CSIDriver'), 'Describes a CSI volume driver installed in the cluster and how Kubernetes should talk to it.', {
    metadata: [1, ref(meta('ObjectMeta')), { doc: 'The object name is the driver name.' }],
    spec: [2, ref(storage('CSIDriverSpec')), { required: true, noOmitEmpty: true, doc: 'Driver capabilities and behaviour.' }],
  }, { gvk: { ...GV, kind: 'CSIDriver' } }),
  defineList(storage('CSIDriver'), { ...GV, kind: 'CSIDriver' }),
  defineType(storage('CSIDriverSpec'), 'Capabilities of a CSI driver.', {
    attachRequired: [1, bool, {
      pointer: true,
      doc: 'Whether volumes need an attach step (ControllerPublishVolume) before mounting; true when unset.',
    }],
    podInfoOnMount: [2, bool, { pointer: true, doc: 'Whether the kubelet passes pod details (name, namespace, UID, service account) on mount.' }],
    volumeLifecycleModes: [3, list(str), {
      listType: 'set',
      doc: 'Volume modes the driver supports: Persistent and/or Ephemeral; Persistent when unset.',
    }],
    storageCapacity: [4, bool, { pointer: true, doc: 'Whether the scheduler should consider CSIStorageCapacity objects for this driver.' }],
    fsGroupPolicy: [5, str, {
      pointer: true,
      doc: "Whether the driver supports changing volume ownership to the pod's fsGroup: ReadWriteOnceWithFSType (the default), File or None.",
    }],
    tokenRequests: [6, list(ref(storage('TokenRequest'))), {
      listType: 'atomic',
      doc: 'Service account tokens the kubelet passes to the driver on mount.',
    }],
    requiresRepublish: [7, bool, { pointer: true, doc: 'Whether NodePublishVolume is called again periodically, e.g. to refresh tokens.' }],
    seLinuxMount: [8, bool, { pointer: true, doc: 'Whether the driver supports the -o context mount option for SELinux labels.' }],
  }),
  defineType(storage('TokenRequest'), 'A service account token audience a CSI driver wants.', {
    audience: [1, str, { required: true, noOmitEmpty: true, doc: "Audience of the token; empty means the API server's audience." }],
    expirationSeconds: [2, i64, { pointer: true, doc: 'Lifetime of the token in seconds.' }],
  }),
  defineType(storage('CSINode'), 'Lists the CSI drivers installed on one node; the name matches the node.', {
    metadata: [1, ref(meta('ObjectMeta')), { doc: 'The object name is the node name.' }],
    spec: [2, ref(storage('CSINodeSpec')), { required: true, noOmitEmpty: true, doc: 'Drivers installed on the node.' }],
  }, { gvk: { ...GV, kind: 'CSINode' } }),
  defineList(storage('CSINode'), { ...GV, kind: 'CSINode' }),
  defineType(storage('CSINodeSpec'), 'CSI drivers on a node.', {
    drivers: [1, list(ref(storage('CSINodeDriver'))), {
      required: true, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'], noOmitEmpty: true,
      doc: 'One entry per CSI driver registered on the node.',
    }],
  }),
  defineType(storage('CSINodeDriver'), 'One CSI driver registered on a node.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Driver name, as in its CSIDriver object.' }],
    nodeID: [2, str, { required: true, noOmitEmpty: true, doc: "The node's identity as the driver knows it." }],
    topologyKeys: [3, list(str), { listType: 'atomic', noOmitEmpty: true, doc: 'Node label keys the driver uses for topology.' }],
    allocatable: [4, ref(storage('VolumeNodeResources')), { pointer: true, doc: 'Volume limits of this driver on this node.' }],
  }),
  defineType(storage('VolumeNodeResources'), 'Volume limits of a driver on a node.', {
    count: [1, i32, { pointer: true, doc: 'Most volumes of this driver that can be used on the node; unlimited when unset.' }],
  }),
  defineType(storage('CSIStorageCapacity'), 'Capacity a CSI driver reports for one storage class in one topology segment.', {
    metadata: objectMetaField,
    nodeTopology: [2, ref(meta('LabelSelector')), { pointer: true, doc: 'Nodes that can reach this storage; unset means none.' }],
    storageClassName: [3, str, { required: true, noOmitEmpty: true, doc: 'Storage class this capacity applies to.' }],
    capacity: [4, quantity, { pointer: true, doc: 'Free capacity for new volumes; unset means unknown.' }],
    maximumVolumeSize: [5, quantity, {
      pointer: true,
      doc: 'Largest volume size a new claim may request with these parameters; unset means unknown.',
    }],
  }, { gvk: { ...GV, kind: 'CSIStorageCapacity' } }),
  defineList(storage('CSIStorageCapacity'), { ...GV, kind: 'CSIStorageCapacity' }),
  defineType(storage('VolumeAttachment'), 'Request to attach (or detach) a volume to a node, served by the external attacher.', {
    metadata: objectMetaField,
    spec: [2, ref(storage('VolumeAttachmentSpec')), {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'Which volume to attach where, and by which driver.',
    }],
    status: [3, ref(storage('VolumeAttachmentStatus')), { doc: 'Attach or detach outcome; written by the attacher.' }],
  }, { gvk: { ...GV, kind: 'VolumeAttachment' } }),
  defineList(storage('VolumeAttachment'), { ...GV, kind: 'VolumeAttachment' }),
  defineType(storage('VolumeAttachmentSpec'), 'Desired attachment.', {
    attacher: [1, str, { required: true, noOmitEmpty: true, doc: 'Name of the volume driver that handles the attachment.' }],
    source: [2, ref(storage('VolumeAttachmentSource')), { required: true, noOmitEmpty: true, doc: 'Volume to attach.' }],
    nodeName: [3, str, { required: true, noOmitEmpty: true, doc: 'Node to attach the volume to.' }],
  }),
  defineType(storage('VolumeAttachmentSource'), 'Volume to attach: a PersistentVolume name or an inline volume spec (exactly one).', {
    persistentVolumeName: [1, str, { pointer: true, doc: 'Name of the PersistentVolume to attach.' }],
    inlineVolumeSpec: [2, ref(core('PersistentVolumeSpec')), {
      pointer: true,
      doc: "Spec of an inline volume translated from a pod's CSI migration.",
    }],
  }),
  defineType(storage('VolumeAttachmentStatus'), 'Outcome of an attachment.', {
    attached: [1, bool, { required: true, noOmitEmpty: true, doc: 'Whether the volume is attached.' }],
    attachmentMetadata: [2, map(str), { doc: 'Driver data recorded on successful attach, passed on to later mount calls.' }],
    attachError: [3, ref(storage('VolumeError')), { pointer: true, doc: 'Last attach error, if any.' }],
    detachError: [4, ref(storage('VolumeError')), { pointer: true, doc: 'Last detach error, if any.' }],
  }),
  defineType(storage('VolumeError'), 'An error from an attach or detach operation.', {
    time: [1, time, { doc: 'When the error happened.' }],
    message: [2, str, { doc: 'Error text; may be logged and should not hold secrets.' }],
  }),
];
