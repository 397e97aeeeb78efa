/**
 * Table printers of the built-in kinds, keyed by kindKey(group, kind). Kinds that upstream
 * prints with the generic convertor (Role, ClusterRole, LimitRange, CustomResourceDefinition)
 * map to defaultTablePrinter explicitly; any kind missing here should use it too.
 * One printer serves every version of its kind (e.g. HPA autoscaling/v1 and v2).
 */
import type { TablePrinter } from '../resource.js';
import { apiServiceTablePrinter } from './api-service.js';
import {
  certificateSigningRequestTablePrinter,
  clusterRoleBindingTablePrinter,
  configMapTablePrinter,
  csiDriverTablePrinter,
  csiNodeTablePrinter,
  eventTablePrinter,
  eventsV1EventTablePrinter,
  leaseTablePrinter,
  componentStatusTablePrinter,
  nodeMetricsTablePrinter,
  podMetricsTablePrinter,
  namespaceTablePrinter,
  nodeTablePrinter,
  persistentVolumeClaimTablePrinter,
  persistentVolumeTablePrinter,
  priorityClassTablePrinter,
  resourceQuotaTablePrinter,
  roleBindingTablePrinter,
  runtimeClassTablePrinter,
  secretTablePrinter,
  serviceAccountTablePrinter,
  storageClassTablePrinter,
  volumeAttachmentTablePrinter,
  webhookConfigurationTablePrinter,
} from './cluster.js';
import { defaultTablePrinter } from './default-table.js';
import { kindKey } from './kind-key.js';
import {
  endpointSliceTablePrinter,
  endpointsTablePrinter,
  ingressClassTablePrinter,
  ingressTablePrinter,
  networkPolicyTablePrinter,
  serviceTablePrinter,
} from './network.js';
import { podTablePrinter } from './pod.js';
import {
  controllerRevisionTablePrinter,
  cronJobTablePrinter,
  daemonSetTablePrinter,
  deploymentTablePrinter,
  horizontalPodAutoscalerTablePrinter,
  jobTablePrinter,
  podDisruptionBudgetTablePrinter,
  podTemplateTablePrinter,
  replicaSetTablePrinter,
  replicationControllerTablePrinter,
  statefulSetTablePrinter,
} from './workloads.js';

const RBAC = 'rbac.authorization.k8s.io';
const NETWORKING = 'networking.k8s.io';
const STORAGE = 'storage.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io';

export const builtinTablePrinters: Readonly<Record<string, TablePrinter>> = Object.freeze({
  // core
  [kindKey('', 'Pod')]: podTablePrinter,
  [kindKey('', 'PodTemplate')]: podTemplateTablePrinter,
  [kindKey('', 'ReplicationController')]: replicationControllerTablePrinter,
  [kindKey('', 'Service')]: serviceTablePrinter,
  [kindKey('', 'Endpoints')]: endpointsTablePrinter,
  [kindKey('', 'Node')]: nodeTablePrinter,
  [kindKey('', 'Namespace')]: namespaceTablePrinter,
  [kindKey('', 'Event')]: eventTablePrinter,
  [kindKey('', 'ConfigMap')]: configMapTablePrinter,
  [kindKey('', 'Secret')]: secretTablePrinter,
  [kindKey('', 'ServiceAccount')]: serviceAccountTablePrinter,
  [kindKey('', 'PersistentVolume')]: persistentVolumeTablePrinter,
  [kindKey('', 'PersistentVolumeClaim')]: persistentVolumeClaimTablePrinter,
  [kindKey('', 'ResourceQuota')]: resourceQuotaTablePrinter,
  [kindKey('', 'LimitRange')]: defaultTablePrinter,
  [kindKey('', 'ComponentStatus')]: componentStatusTablePrinter,
  [kindKey('metrics.k8s.io', 'NodeMetrics')]: nodeMetricsTablePrinter,
  [kindKey('metrics.k8s.io', 'PodMetrics')]: podMetricsTablePrinter,
  // apps
  [kindKey('apps', 'ReplicaSet')]: replicaSetTablePrinter,
  [kindKey('apps', 'Deployment')]: deploymentTablePrinter,
  [kindKey('apps', 'StatefulSet')]: statefulSetTablePrinter,
  [kindKey('apps', 'DaemonSet')]: daemonSetTablePrinter,
  [kindKey('apps', 'ControllerRevision')]: controllerRevisionTablePrinter,
  // batch
  [kindKey('batch', 'Job')]: jobTablePrinter,
  [kindKey('batch', 'CronJob')]: cronJobTablePrinter,
  // autoscaling, policy, scheduling, coordination
  [kindKey('autoscaling', 'HorizontalPodAutoscaler')]: horizontalPodAutoscalerTablePrinter,
  [kindKey('policy', 'PodDisruptionBudget')]: podDisruptionBudgetTablePrinter,
  [kindKey('scheduling.k8s.io', 'PriorityClass')]: priorityClassTablePrinter,
  [kindKey('coordination.k8s.io', 'Lease')]: leaseTablePrinter,
  // networking, discovery
  [kindKey(NETWORKING, 'Ingress')]: ingressTablePrinter,
  [kindKey(NETWORKING, 'IngressClass')]: ingressClassTablePrinter,
  [kindKey(NETWORKING, 'NetworkPolicy')]: networkPolicyTablePrinter,
  [kindKey('discovery.k8s.io', 'EndpointSlice')]: endpointSliceTablePrinter,
  // events
  [kindKey('events.k8s.io', 'Event')]: eventsV1EventTablePrinter,
  // storage
  [kindKey(STORAGE, 'StorageClass')]: storageClassTablePrinter,
  [kindKey(STORAGE, 'CSINode')]: csiNodeTablePrinter,
  [kindKey(STORAGE, 'CSIDriver')]: csiDriverTablePrinter,
  [kindKey(STORAGE, 'VolumeAttachment')]: volumeAttachmentTablePrinter,
  // rbac
  [kindKey(RBAC, 'Role')]: defaultTablePrinter,
  [kindKey(RBAC, 'ClusterRole')]: defaultTablePrinter,
  [kindKey(RBAC, 'RoleBinding')]: roleBindingTablePrinter,
  [kindKey(RBAC, 'ClusterRoleBinding')]: clusterRoleBindingTablePrinter,
  // certificates, admission, node
  [kindKey('certificates.k8s.io', 'CertificateSigningRequest')]: certificateSigningRequestTablePrinter,
  [kindKey(ADMISSION, 'MutatingWebhookConfiguration')]: webhookConfigurationTablePrinter,
  [kindKey(ADMISSION, 'ValidatingWebhookConfiguration')]: webhookConfigurationTablePrinter,
  [kindKey('node.k8s.io', 'RuntimeClass')]: runtimeClassTablePrinter,
  // apiextensions
  [kindKey('apiextensions.k8s.io', 'CustomResourceDefinition')]: defaultTablePrinter,
  // apiregistration
  [kindKey('apiregistration.k8s.io', 'APIService')]: apiServiceTablePrinter,
});

/** The printer for a built-in kind, falling back to the generic NAME / CREATED AT table. */
export function tablePrinterFor(key: string): TablePrinter {
  return builtinTablePrinters[key] ?? defaultTablePrinter;
}
