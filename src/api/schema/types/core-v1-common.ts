/**
 * Shared building blocks of the core/v1 type files: the string enums that upstream marks `+enum`
 * (values sorted as in the upstream OpenAPI document) and the options for embedded (`json:",inline"`) structs.
 *
 * Field names, JSON types, protobuf field numbers, pointer-ness, required-ness and patch/list markers follow
 * Kubernetes 1.32 (k8s.io/api and k8s.io/apimachinery v0.32.5: types.go and generated.proto). The `doc`
 * strings are lite's own summaries.
 */
import type { FieldOptions, TypeRef } from '../dsl.js';
import { enumOf } from '../dsl.js';

/**
 * Options for a Go struct embedded with `json:",inline"` (Volume → VolumeSource, Probe → ProbeHandler,
 * ConfigMapKeySelector → LocalObjectReference, …): FieldOptions.inline, see dsl.ts for the contract.
 */
export function inline(doc: string): FieldOptions {
  return { doc, inline: true };
}

// ---- enums: Go string types marked `+enum` upstream; values are every constant of that type, sorted ----

export const APP_ARMOR_PROFILE_TYPE: TypeRef = enumOf('Localhost', 'RuntimeDefault', 'Unconfined');
export const AZURE_DATA_DISK_CACHING_MODE: TypeRef = enumOf('None', 'ReadOnly', 'ReadWrite');
export const AZURE_DATA_DISK_KIND: TypeRef = enumOf('Dedicated', 'Managed', 'Shared');
export const CLAIM_RESOURCE_STATUS: TypeRef = enumOf('ControllerResizeInProgress', 'ControllerResizeInfeasible', 'NodeResizeInProgress', 'NodeResizeInfeasible', 'NodeResizePending');
export const DNS_POLICY: TypeRef = enumOf('ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None');
export const HOST_PATH_TYPE: TypeRef = enumOf('', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket');
export const IP_FAMILY: TypeRef = enumOf('', 'IPv4', 'IPv6');
export const IP_FAMILY_POLICY: TypeRef = enumOf('PreferDualStack', 'RequireDualStack', 'SingleStack');
export const MOUNT_PROPAGATION_MODE: TypeRef = enumOf('Bidirectional', 'HostToContainer', 'None');
export const NAMESPACE_PHASE: TypeRef = enumOf('Active', 'Terminating');
export const NODE_INCLUSION_POLICY: TypeRef = enumOf('Honor', 'Ignore');
export const NODE_PHASE: TypeRef = enumOf('Pending', 'Running', 'Terminated');
export const NODE_SELECTOR_OPERATOR: TypeRef = enumOf('DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn');
export const PERSISTENT_VOLUME_ACCESS_MODE: TypeRef = enumOf('ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod');
export const PERSISTENT_VOLUME_CLAIM_MODIFY_VOLUME_STATUS: TypeRef = enumOf('InProgress', 'Infeasible', 'Pending');
export const PERSISTENT_VOLUME_CLAIM_PHASE: TypeRef = enumOf('Bound', 'Lost', 'Pending');
export const PERSISTENT_VOLUME_MODE: TypeRef = enumOf('Block', 'Filesystem');
export const PERSISTENT_VOLUME_PHASE: TypeRef = enumOf('Available', 'Bound', 'Failed', 'Pending', 'Released');
export const PERSISTENT_VOLUME_RECLAIM_POLICY: TypeRef = enumOf('Delete', 'Recycle', 'Retain');
export const POD_FS_GROUP_CHANGE_POLICY: TypeRef = enumOf('Always', 'OnRootMismatch');
export const POD_PHASE: TypeRef = enumOf('Failed', 'Pending', 'Running', 'Succeeded', 'Unknown');
export const POD_QOS_CLASS: TypeRef = enumOf('BestEffort', 'Burstable', 'Guaranteed');
export const PREEMPTION_POLICY: TypeRef = enumOf('Never', 'PreemptLowerPriority');
export const PROC_MOUNT_TYPE: TypeRef = enumOf('Default', 'Unmasked');
export const PROTOCOL: TypeRef = enumOf('SCTP', 'TCP', 'UDP');
export const PULL_POLICY: TypeRef = enumOf('Always', 'IfNotPresent', 'Never');
export const RESOURCE_QUOTA_SCOPE: TypeRef = enumOf('BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating');
export const RESTART_POLICY: TypeRef = enumOf('Always', 'Never', 'OnFailure');
export const SCOPE_SELECTOR_OPERATOR: TypeRef = enumOf('DoesNotExist', 'Exists', 'In', 'NotIn');
export const SECCOMP_PROFILE_TYPE: TypeRef = enumOf('Localhost', 'RuntimeDefault', 'Unconfined');
export const SERVICE_AFFINITY: TypeRef = enumOf('ClientIP', 'None');
export const SERVICE_EXTERNAL_TRAFFIC_POLICY: TypeRef = enumOf('Cluster', 'Local');
export const SERVICE_INTERNAL_TRAFFIC_POLICY: TypeRef = enumOf('Cluster', 'Local');
export const SERVICE_TYPE: TypeRef = enumOf('ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort');
export const SUPPLEMENTAL_GROUPS_POLICY: TypeRef = enumOf('Merge', 'Strict');
export const TAINT_EFFECT: TypeRef = enumOf('NoExecute', 'NoSchedule', 'PreferNoSchedule');
export const TERMINATION_MESSAGE_POLICY: TypeRef = enumOf('FallbackToLogsOnError', 'File');
export const TOLERATION_OPERATOR: TypeRef = enumOf('Equal', 'Exists');
export const UNSATISFIABLE_CONSTRAINT_ACTION: TypeRef = enumOf('DoNotSchedule', 'ScheduleAnyway');
export const URI_SCHEME: TypeRef = enumOf('HTTP', 'HTTPS');
