/**
 * Server-side defaulting of the built-in kinds, keyed like the strategy table: `Kind` for core/v1
 * and `Kind.group` otherwise (HorizontalPodAutoscaler in its stored autoscaling/v2 form).
 * Every defaulter mutates its argument, is idempotent, and is meant to run on create and update
 * inputs before validation.
 */
import type { KubeObject } from '../object.js';
import type { JsonObject } from '../json-access.js';
import { defaultAPIService } from './api-service.js';
import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultResourceQuota,
  defaultSecret,
  defaultService,
} from './core.js';
import {
  defaultEndpointSlice,
  defaultHorizontalPodAutoscaler,
  defaultIngressClass,
  defaultNetworkPolicy,
  defaultPriorityClass,
  defaultRoleBinding,
  defaultStorageClass,
  defaultWebhookConfiguration,
} from './other-groups.js';
import { defaultPod } from './pod.js';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultPodTemplate,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
} from './workloads.js';

export type Defaulter = (obj: KubeObject) => void;

function wrap(fn: (o: JsonObject) => void): Defaulter {
  return (obj) => fn(obj as unknown as JsonObject);
}

export const builtinDefaulters: Readonly<Record<string, Defaulter>> = {
  Pod: wrap(defaultPod),
  PodTemplate: wrap(defaultPodTemplate),
  ReplicationController: wrap(defaultReplicationController),
  Service: wrap(defaultService),
  Endpoints: wrap(defaultEndpoints),
  Secret: wrap(defaultSecret),
  Namespace: wrap(defaultNamespace),
  Node: wrap(defaultNode),
  PersistentVolume: wrap(defaultPersistentVolume),
  PersistentVolumeClaim: wrap(defaultPersistentVolumeClaim),
  LimitRange: wrap(defaultLimitRange),
  ResourceQuota: wrap(defaultResourceQuota),
  'Deployment.apps': wrap(defaultDeployment),
  'ReplicaSet.apps': wrap(defaultReplicaSet),
  'StatefulSet.apps': wrap(defaultStatefulSet),
  'DaemonSet.apps': wrap(defaultDaemonSet),
  'Job.batch': wrap(defaultJob),
  'CronJob.batch': wrap(defaultCronJob),
  'NetworkPolicy.networking.k8s.io': wrap(defaultNetworkPolicy),
  'IngressClass.networking.k8s.io': wrap(defaultIngressClass),
  'HorizontalPodAutoscaler.autoscaling': wrap(defaultHorizontalPodAutoscaler),
  'StorageClass.storage.k8s.io': wrap(defaultStorageClass),
  'RoleBinding.rbac.authorization.k8s.io': wrap(defaultRoleBinding),
  'ClusterRoleBinding.rbac.authorization.k8s.io': wrap(defaultRoleBinding),
  'PriorityClass.scheduling.k8s.io': wrap(defaultPriorityClass),
  'EndpointSlice.discovery.k8s.io': wrap(defaultEndpointSlice),
  'MutatingWebhookConfiguration.admissionregistration.k8s.io': wrap((o) => defaultWebhookConfiguration(o, true)),
  'ValidatingWebhookConfiguration.admissionregistration.k8s.io': wrap((o) => defaultWebhookConfiguration(o, false)),
  'APIService.apiregistration.k8s.io': wrap(defaultAPIService),
};

export { generateJobSelector, JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './workloads.js';
export { normalizeServiceClusterIPs, prepareServiceUpdate } from './core.js';
export { defaultPodSpec, defaultPodTemplateSpec, defaultContainer, defaultResourceList } from './pod.js';
export { defaultPullPolicy, parseImageReference } from './image.js';
export { LOCAL_AVAILABLE_MESSAGE, LOCAL_AVAILABLE_REASON, localAvailableCondition } from './api-service.js';
