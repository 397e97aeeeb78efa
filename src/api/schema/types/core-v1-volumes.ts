/**
 * core/v1 Volume and every in-line volume source a pod can mount, with their projections and selectors.
 *
 * Field names, JSON types, protobuf field numbers, pointer-ness, required-ness and patch/list markers follow
 * Kubernetes 1.32 (k8s.io/api and k8s.io/apimachinery v0.32.5: types.go and generated.proto). The `doc`
 * strings are lite's own summaries.
 */
import type { TypeDef } from '../dsl.js';
import { bool, core, defineType, i32, i64, list, map, meta, quantity, ref, str } from '../dsl.js';
import { AZURE_DATA_DISK_CACHING_MODE, AZURE_DATA_DISK_KIND, HOST_PATH_TYPE, PULL_POLICY, inline } from './core-v1-common.js';


export const coreV1VolumeTypes: readonly TypeDef[] = [
  defineType(core('Volume'), 'A named volume of a pod that its containers can mount.', {
    name: [1, str, { doc: 'Volume name, a DNS label unique within the pod.', required: true, noOmitEmpty: true }],
    volumeSource: [2, ref(core('VolumeSource')), inline('Where the volume comes from, embedded at the same level; an empty source means an emptyDir.')],
  }),
  defineType(core('VolumeSource'), 'The source of a volume; exactly one member is set.', {
    hostPath: [1, ref(core('HostPathVolumeSource')), { doc: 'A file or directory on the node.', pointer: true }],
    emptyDir: [2, ref(core('EmptyDirVolumeSource')), { doc: 'A temporary directory that lives as long as the pod.', pointer: true }],
    gcePersistentDisk: [3, ref(core('GCEPersistentDiskVolumeSource')), { doc: 'Deprecated: a GCE persistent disk (now served by a CSI driver).', pointer: true }],
    awsElasticBlockStore: [4, ref(core('AWSElasticBlockStoreVolumeSource')), { doc: 'Deprecated: an AWS EBS volume (now served by a CSI driver).', pointer: true }],
    gitRepo: [5, ref(core('GitRepoVolumeSource')), { doc: 'Deprecated: a git repository cloned into an empty directory.', pointer: true }],
    secret: [6, ref(core('SecretVolumeSource')), { doc: 'The keys of a Secret as files.', pointer: true }],
    nfs: [7, ref(core('NFSVolumeSource')), { doc: 'An NFS export.', pointer: true }],
    iscsi: [8, ref(core('ISCSIVolumeSource')), { doc: 'An iSCSI disk.', pointer: true }],
    glusterfs: [9, ref(core('GlusterfsVolumeSource')), { doc: 'Deprecated: a GlusterFS volume.', pointer: true }],
    persistentVolumeClaim: [10, ref(core('PersistentVolumeClaimVolumeSource')), { doc: "The volume bound to a PersistentVolumeClaim in the pod's namespace.", pointer: true }],
    rbd: [11, ref(core('RBDVolumeSource')), { doc: 'Deprecated: a Ceph RBD image.', pointer: true }],
    flexVolume: [12, ref(core('FlexVolumeSource')), { doc: 'Deprecated: a volume provided by a FlexVolume driver.', pointer: true }],
    cinder: [13, ref(core('CinderVolumeSource')), { doc: 'Deprecated: an OpenStack Cinder volume.', pointer: true }],
    cephfs: [14, ref(core('CephFSVolumeSource')), { doc: 'Deprecated: a CephFS mount.', pointer: true }],
    flocker: [15, ref(core('FlockerVolumeSource')), { doc: 'Deprecated: a Flocker dataset.', pointer: true }],
    downwardAPI: [16, ref(core('DownwardAPIVolumeSource')), { doc: 'Pod metadata and resources exposed as files.', pointer: true }],
    fc: [17, ref(core('FCVolumeSource')), { doc: 'A Fibre Channel disk.', pointer: true }],
    azureFile: [18, ref(core('AzureFileVolumeSource')), { doc: 'Deprecated: an Azure File share.', pointer: true }],
    configMap: [19, ref(core('ConfigMapVolumeSource')), { doc: 'The keys of a ConfigMap as files.', pointer: true }],
    vsphereVolume: [20, ref(core('VsphereVirtualDiskVolumeSource')), { doc: 'Deprecated: a vSphere virtual disk.', pointer: true }],
    quobyte: [21, ref(core('QuobyteVolumeSource')), { doc: 'Deprecated: a Quobyte volume.', pointer: true }],
    azureDisk: [22, ref(core('AzureDiskVolumeSource')), { doc: 'Deprecated: an Azure data disk.', pointer: true }],
    photonPersistentDisk: [23, ref(core('PhotonPersistentDiskVolumeSource')), { doc: 'Deprecated: a Photon Controller persistent disk.', pointer: true }],
    projected: [26, ref(core('ProjectedVolumeSource')), { doc: 'Several sources (secrets, config maps, downward API, tokens) merged into one directory.', pointer: true }],
    portworxVolume: [24, ref(core('PortworxVolumeSource')), { doc: 'Deprecated: a Portworx volume.', pointer: true }],
    scaleIO: [25, ref(core('ScaleIOVolumeSource')), { doc: 'Deprecated: a ScaleIO volume.', pointer: true }],
    storageos: [27, ref(core('StorageOSVolumeSource')), { doc: 'Deprecated: a StorageOS volume.', pointer: true }],
    csi: [28, ref(core('CSIVolumeSource')), { doc: 'An ephemeral volume provided by a CSI driver.', pointer: true }],
    ephemeral: [29, ref(core('EphemeralVolumeSource')), { doc: 'A PersistentVolumeClaim created for the pod and deleted with it.', pointer: true }],
    image: [30, ref(core('ImageVolumeSource')), { doc: 'Files of an OCI image or artifact, mounted read-only.', pointer: true }],
  }),
  defineType(core('HostPathVolumeSource'), "A path on the node's filesystem.", {
    path: [1, str, { doc: 'Path on the node; symbolic links are followed.', required: true, noOmitEmpty: true }],
    type: [2, HOST_PATH_TYPE, { doc: 'What must exist at the path (Directory, File, Socket, …, or empty for no check).', pointer: true }],
  }),
  defineType(core('EmptyDirVolumeSource'), 'An empty directory created for the pod.', {
    medium: [1, str, { doc: "Storage medium: empty for the node's default, Memory for tmpfs." }],
    sizeLimit: [2, quantity, { doc: 'Maximum size of the directory.', pointer: true }],
  }),
  defineType(core('GCEPersistentDiskVolumeSource'), 'A Google Compute Engine persistent disk.', {
    pdName: [1, str, { doc: 'Name of the persistent disk in GCE.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    partition: [3, i32, { doc: 'Partition number to mount; empty or 0 mounts the whole device.' }],
    readOnly: [4, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('AWSElasticBlockStoreVolumeSource'), 'An AWS Elastic Block Store volume.', {
    volumeID: [1, str, { doc: 'ID of the EBS volume.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    partition: [3, i32, { doc: 'Partition number to mount; empty or 0 mounts the whole device.' }],
    readOnly: [4, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('GitRepoVolumeSource'), 'A git repository cloned into the volume.', {
    repository: [1, str, { doc: 'Repository URL.', required: true, noOmitEmpty: true }],
    revision: [2, str, { doc: 'Commit hash to check out.' }],
    directory: [3, str, { doc: "Target directory name; '.' clones into the volume root." }],
  }),
  defineType(core('SecretVolumeSource'), "A Secret's keys as files.", {
    secretName: [1, str, { doc: "Name of the Secret in the pod's namespace." }],
    items: [2, list(ref(core('KeyToPath'))), { doc: 'Keys to project, each to its own path; when empty every key is projected.', listType: 'atomic' }],
    defaultMode: [3, i32, { doc: 'Default permission bits (octal 0000-0777) of the created files.', pointer: true }],
    optional: [4, bool, { doc: 'Do not fail if the referenced object or key is missing.', pointer: true }],
  }),
  defineType(core('NFSVolumeSource'), 'An NFS export.', {
    server: [1, str, { doc: 'Hostname or IP address of the NFS server.', required: true, noOmitEmpty: true }],
    path: [2, str, { doc: 'Path exported by the server.', required: true, noOmitEmpty: true }],
    readOnly: [3, bool, { doc: 'Export the share read-only.' }],
  }),
  defineType(core('ISCSIVolumeSource'), 'An iSCSI disk, attached read-write only once.', {
    targetPortal: [1, str, { doc: 'iSCSI target portal: IP address or host, with an optional port (default 3260).', required: true, noOmitEmpty: true }],
    iqn: [2, str, { doc: 'iSCSI qualified name of the target.', required: true, noOmitEmpty: true }],
    lun: [3, i32, { doc: 'Target LUN number.', required: true, noOmitEmpty: true }],
    iscsiInterface: [4, str, { doc: 'iSCSI interface name; defaults to default (tcp).' }],
    fsType: [5, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    readOnly: [6, bool, { doc: 'Mount the volume read-only.' }],
    portals: [7, list(str), { doc: 'Additional target portals.', listType: 'atomic' }],
    chapAuthDiscovery: [8, bool, { doc: 'Use CHAP authentication for discovery.' }],
    chapAuthSession: [11, bool, { doc: 'Use CHAP authentication for the session.' }],
    secretRef: [10, ref(core('LocalObjectReference')), { doc: 'Secret holding the CHAP credentials.', pointer: true }],
    initiatorName: [12, str, { doc: 'Custom iSCSI initiator name.', pointer: true }],
  }),
  defineType(core('GlusterfsVolumeSource'), 'A GlusterFS mount.', {
    endpoints: [1, str, { doc: 'Endpoints object naming the Glusterfs servers.', required: true, noOmitEmpty: true }],
    path: [2, str, { doc: 'Glusterfs volume path.', required: true, noOmitEmpty: true }],
    readOnly: [3, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('PersistentVolumeClaimVolumeSource'), "A reference to a PersistentVolumeClaim in the pod's namespace.", {
    claimName: [1, str, { doc: 'Name of the claim.', required: true, noOmitEmpty: true }],
    readOnly: [2, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('RBDVolumeSource'), 'A Ceph RADOS block device.', {
    monitors: [1, list(str), { doc: 'Ceph monitor addresses.', required: true, noOmitEmpty: true, listType: 'atomic' }],
    image: [2, str, { doc: 'RADOS image name.', required: true, noOmitEmpty: true }],
    fsType: [3, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    pool: [4, str, { doc: 'RADOS pool name; defaults to rbd.' }],
    user: [5, str, { doc: 'RADOS user name; defaults to admin.' }],
    keyring: [6, str, { doc: 'Path of the keyring file; defaults to /etc/ceph/keyring.' }],
    secretRef: [7, ref(core('LocalObjectReference')), { doc: 'Secret with the Ceph authentication key, overriding keyring.', pointer: true }],
    readOnly: [8, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('FlexVolumeSource'), 'A volume handled by an out-of-tree FlexVolume driver.', {
    driver: [1, str, { doc: 'Name of the driver.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    secretRef: [3, ref(core('LocalObjectReference')), { doc: "Secret passed to the driver's scripts.", pointer: true }],
    readOnly: [4, bool, { doc: 'Mount the volume read-only.' }],
    options: [5, map(str), { doc: 'Extra driver-specific options.' }],
  }),
  defineType(core('CinderVolumeSource'), 'An OpenStack Cinder volume.', {
    volumeID: [1, str, { doc: 'ID of the Cinder volume.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    readOnly: [3, bool, { doc: 'Mount the volume read-only.' }],
    secretRef: [4, ref(core('LocalObjectReference')), { doc: 'Secret with the parameters for connecting to OpenStack.', pointer: true }],
  }),
  defineType(core('CephFSVolumeSource'), 'A Ceph filesystem mount.', {
    monitors: [1, list(str), { doc: 'Ceph monitor addresses.', required: true, noOmitEmpty: true, listType: 'atomic' }],
    path: [2, str, { doc: 'Path inside the filesystem to mount; defaults to /.' }],
    user: [3, str, { doc: 'Ceph user name; defaults to admin.' }],
    secretFile: [4, str, { doc: 'Path to the keyring file; defaults to /etc/ceph/user.secret.' }],
    secretRef: [5, ref(core('LocalObjectReference')), { doc: 'Secret with the Ceph authentication key, overriding secretFile.', pointer: true }],
    readOnly: [6, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('FlockerVolumeSource'), 'A Flocker dataset.', {
    datasetName: [1, str, { doc: 'Name of the dataset (deprecated metadata).' }],
    datasetUUID: [2, str, { doc: 'UUID of the dataset.' }],
  }),
  defineType(core('DownwardAPIVolumeSource'), 'Pod information exposed as files.', {
    items: [1, list(ref(core('DownwardAPIVolumeFile'))), { doc: 'The files to create.', listType: 'atomic' }],
    defaultMode: [2, i32, { doc: 'Default permission bits (octal 0000-0777) of the created files.', pointer: true }],
  }),
  defineType(core('FCVolumeSource'), 'A Fibre Channel disk.', {
    targetWWNs: [1, list(str), { doc: 'Target world wide names.', listType: 'atomic' }],
    lun: [2, i32, { doc: 'Target LUN number.', pointer: true }],
    fsType: [3, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    readOnly: [4, bool, { doc: 'Mount the volume read-only.' }],
    wwids: [5, list(str), { doc: 'World wide identifiers; set either these or targetWWNs with lun.', listType: 'atomic' }],
  }),
  defineType(core('AzureFileVolumeSource'), 'An Azure File share.', {
    secretName: [1, str, { doc: 'Secret holding the storage account name and key.', required: true, noOmitEmpty: true }],
    shareName: [2, str, { doc: 'Name of the share.', required: true, noOmitEmpty: true }],
    readOnly: [3, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('ConfigMapVolumeSource'), "A ConfigMap's keys as files.", {
    localObjectReference: [1, ref(core('LocalObjectReference')), inline("The ConfigMap's name, embedded at the same level.")],
    items: [2, list(ref(core('KeyToPath'))), { doc: 'Keys to project, each to its own path; when empty every key is projected.', listType: 'atomic' }],
    defaultMode: [3, i32, { doc: 'Default permission bits (octal 0000-0777) of the created files.', pointer: true }],
    optional: [4, bool, { doc: 'Do not fail if the referenced object or key is missing.', pointer: true }],
  }),
  defineType(core('VsphereVirtualDiskVolumeSource'), 'A vSphere virtual disk.', {
    volumePath: [1, str, { doc: 'Path identifying the disk.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    storagePolicyName: [3, str, { doc: 'Storage policy-based management (SPBM) profile name.' }],
    storagePolicyID: [4, str, { doc: 'Storage policy-based management (SPBM) profile ID.' }],
  }),
  defineType(core('QuobyteVolumeSource'), 'A Quobyte volume.', {
    registry: [1, str, { doc: 'Quobyte registry addresses as host:port pairs, comma separated.', required: true, noOmitEmpty: true }],
    volume: [2, str, { doc: 'Name of the existing Quobyte volume.', required: true, noOmitEmpty: true }],
    readOnly: [3, bool, { doc: 'Mount the volume read-only.' }],
    user: [4, str, { doc: 'User the volume access is mapped to; defaults to serviceaccount.' }],
    group: [5, str, { doc: 'Group the volume access is mapped to; defaults to none.' }],
    tenant: [6, str, { doc: 'Tenant owning the volume, for dynamically provisioned volumes.' }],
  }),
  defineType(core('AzureDiskVolumeSource'), 'An Azure data disk.', {
    diskName: [1, str, { doc: 'Name of the data disk in blob storage.', required: true, noOmitEmpty: true }],
    diskURI: [2, str, { doc: 'URI of the data disk in blob storage.', required: true, noOmitEmpty: true }],
    cachingMode: [3, AZURE_DATA_DISK_CACHING_MODE, { doc: 'Host caching mode: None, ReadOnly or ReadWrite.', pointer: true }],
    fsType: [4, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty.", pointer: true }],
    readOnly: [5, bool, { doc: 'Mount the volume read-only.', pointer: true }],
    kind: [6, AZURE_DATA_DISK_KIND, { doc: 'Disk kind: Shared, Dedicated or Managed.', pointer: true }],
  }),
  defineType(core('PhotonPersistentDiskVolumeSource'), 'A Photon Controller persistent disk.', {
    pdID: [1, str, { doc: 'ID of the persistent disk.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
  }),
  defineType(core('ProjectedVolumeSource'), 'Several sources merged into one directory.', {
    sources: [1, list(ref(core('VolumeProjection'))), { doc: 'The sources to project.', noOmitEmpty: true, listType: 'atomic' }],
    defaultMode: [2, i32, { doc: 'Default permission bits (octal 0000-0777) of the created files.', pointer: true }],
  }),
  defineType(core('PortworxVolumeSource'), 'A Portworx volume.', {
    volumeID: [1, str, { doc: 'ID of the Portworx volume.', required: true, noOmitEmpty: true }],
    fsType: [2, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    readOnly: [3, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('ScaleIOVolumeSource'), 'A ScaleIO volume.', {
    gateway: [1, str, { doc: 'Address of the ScaleIO API gateway.', required: true, noOmitEmpty: true }],
    system: [2, str, { doc: 'Name of the ScaleIO storage system.', required: true, noOmitEmpty: true }],
    secretRef: [3, ref(core('LocalObjectReference')), { doc: 'Secret with the ScaleIO user credentials.', required: true, pointer: true, noOmitEmpty: true }],
    sslEnabled: [4, bool, { doc: 'Use SSL to talk to the gateway.' }],
    protectionDomain: [5, str, { doc: 'ScaleIO protection domain.' }],
    storagePool: [6, str, { doc: 'ScaleIO storage pool.' }],
    storageMode: [7, str, { doc: 'ThickProvisioned or ThinProvisioned (default).' }],
    volumeName: [8, str, { doc: 'Name of a volume already created in the ScaleIO system.' }],
    fsType: [9, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    readOnly: [10, bool, { doc: 'Mount the volume read-only.' }],
  }),
  defineType(core('StorageOSVolumeSource'), 'A StorageOS volume.', {
    volumeName: [1, str, { doc: 'StorageOS volume name, unique within its namespace.' }],
    volumeNamespace: [2, str, { doc: "StorageOS namespace of the volume; defaults to the pod's namespace." }],
    fsType: [3, str, { doc: "Filesystem type to mount, such as ext4 or xfs; the plugin's default if empty." }],
    readOnly: [4, bool, { doc: 'Mount the volume read-only.' }],
    secretRef: [5, ref(core('LocalObjectReference')), { doc: 'Secret with the StorageOS API credentials.', pointer: true }],
  }),
  defineType(core('CSIVolumeSource'), 'An ephemeral inline volume provided by a CSI driver.', {
    driver: [1, str, { doc: 'Name of the CSI driver.', required: true, noOmitEmpty: true }],
    readOnly: [2, bool, { doc: 'Mount the volume read-only; defaults to read-write.', pointer: true }],
    fsType: [3, str, { doc: 'Filesystem type passed to the driver; the driver decides if empty.', pointer: true }],
    volumeAttributes: [4, map(str), { doc: 'Driver-specific properties.' }],
    nodePublishSecretRef: [5, ref(core('LocalObjectReference')), { doc: "Secret passed to the driver's NodePublishVolume calls.", pointer: true }],
  }),
  defineType(core('EphemeralVolumeSource'), 'A volume backed by a claim that lives and dies with the pod.', {
    volumeClaimTemplate: [1, ref(core('PersistentVolumeClaimTemplate')), { doc: 'Template of the PersistentVolumeClaim created for the pod, named <pod>-<volume>.', pointer: true }],
  }),
  defineType(core('ImageVolumeSource'), 'An OCI image or artifact mounted as a volume.', {
    reference: [1, str, { doc: 'Image or artifact reference, as for a container image.' }],
    pullPolicy: [2, PULL_POLICY, { doc: 'When to pull: Always, Never or IfNotPresent.' }],
  }),
  defineType(core('KeyToPath'), 'Maps one key to a file path.', {
    key: [1, str, { doc: 'Key to project.', required: true, noOmitEmpty: true }],
    path: [2, str, { doc: "Relative path of the file; may not contain '..'.", required: true, noOmitEmpty: true }],
    mode: [3, i32, { doc: "Permission bits of this file (octal 0000-0777); defaults to the volume's defaultMode.", pointer: true }],
  }),
  defineType(core('DownwardAPIVolumeFile'), 'One file filled from pod information.', {
    path: [1, str, { doc: "Relative path of the file; may not contain '..'.", required: true, noOmitEmpty: true }],
    fieldRef: [2, ref(core('ObjectFieldSelector')), { doc: 'A pod field: metadata name, namespace, labels, annotations or uid.', pointer: true }],
    resourceFieldRef: [3, ref(core('ResourceFieldSelector')), { doc: "A container's resource limit or request.", pointer: true }],
    mode: [4, i32, { doc: "Permission bits of this file (octal 0000-0777); defaults to the volume's defaultMode.", pointer: true }],
  }),
  defineType(core('VolumeProjection'), 'One source of a projected volume; exactly one member is set.', {
    secret: [1, ref(core('SecretProjection')), { doc: 'Keys of a Secret.', pointer: true }],
    downwardAPI: [2, ref(core('DownwardAPIProjection')), { doc: 'Pod information.', pointer: true }],
    configMap: [3, ref(core('ConfigMapProjection')), { doc: 'Keys of a ConfigMap.', pointer: true }],
    serviceAccountToken: [4, ref(core('ServiceAccountTokenProjection')), { doc: 'A service account token.', pointer: true }],
    clusterTrustBundle: [5, ref(core('ClusterTrustBundleProjection')), { doc: 'Certificates of ClusterTrustBundle objects (alpha).', pointer: true }],
  }),
  defineType(core('PersistentVolumeClaimTemplate'), 'Template of a claim created for an ephemeral volume.', {
    metadata: [1, ref(meta('ObjectMeta')), { doc: 'Labels and annotations copied to the claim; other fields are rejected.' }],
    spec: [2, ref(core('PersistentVolumeClaimSpec')), { doc: 'Specification of the claim, copied unchanged.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('ObjectFieldSelector'), 'Selects a field of the pod.', {
    apiVersion: [1, str, { doc: 'Version of the schema the path is written in; defaults to v1.' }],
    fieldPath: [2, str, { doc: 'Path of the field.', required: true, noOmitEmpty: true }],
  }, { structType: 'atomic' }),
  defineType(core('ResourceFieldSelector'), 'Selects a resource request or limit of a container.', {
    containerName: [1, str, { doc: 'Container name; required for volumes, optional for environment variables.' }],
    resource: [2, str, { doc: 'Resource to read, such as limits.cpu or requests.memory.', required: true, noOmitEmpty: true }],
    divisor: [3, quantity, { doc: 'Unit in which the value is expressed; defaults to 1.' }],
  }, { structType: 'atomic' }),
  defineType(core('SecretProjection'), "A Secret's keys in a projected volume.", {
    localObjectReference: [1, ref(core('LocalObjectReference')), inline("The Secret's name, embedded at the same level.")],
    items: [2, list(ref(core('KeyToPath'))), { doc: 'Keys to project, each to its own path; when empty every key is projected.', listType: 'atomic' }],
    optional: [4, bool, { doc: 'Do not fail if the referenced object or key is missing.', pointer: true }],
  }),
  defineType(core('DownwardAPIProjection'), 'Pod information in a projected volume.', {
    items: [1, list(ref(core('DownwardAPIVolumeFile'))), { doc: 'The files to create.', listType: 'atomic' }],
  }),
  defineType(core('ConfigMapProjection'), "A ConfigMap's keys in a projected volume.", {
    localObjectReference: [1, ref(core('LocalObjectReference')), inline("The ConfigMap's name, embedded at the same level.")],
    items: [2, list(ref(core('KeyToPath'))), { doc: 'Keys to project, each to its own path; when empty every key is projected.', listType: 'atomic' }],
    optional: [4, bool, { doc: 'Do not fail if the referenced object or key is missing.', pointer: true }],
  }),
  defineType(core('ServiceAccountTokenProjection'), 'A service account token written into a projected volume and refreshed by the kubelet.', {
    audience: [1, str, { doc: "Intended audience of the token; defaults to the API server's identifier." }],
    expirationSeconds: [2, i64, { doc: 'Requested lifetime of the token; at least 600, defaults to one hour.', pointer: true }],
    path: [3, str, { doc: 'Relative path of the token file.', required: true, noOmitEmpty: true }],
  }),
  defineType(core('ClusterTrustBundleProjection'), 'ClusterTrustBundle certificates written to a file of a projected volume.', {
    name: [1, str, { doc: 'Select one ClusterTrustBundle by name; excludes signerName and labelSelector.', pointer: true }],
    signerName: [2, str, { doc: 'Select bundles with this signer name.', pointer: true }],
    labelSelector: [3, ref(meta('LabelSelector')), { doc: 'Select bundles with this signer whose labels match; an empty selector matches all.', pointer: true }],
    optional: [5, bool, { doc: 'Do not fail if no bundle matches or the named bundle is missing.', pointer: true }],
    path: [4, str, { doc: 'Relative path of the file.', required: true, noOmitEmpty: true }],
  }),
];
