/**
 * Defaulting and semantic validation of the built-in kinds, as one table of Strategy parts.
 *
 * Keys: `Kind` for core/v1, `Kind.group` otherwise (`Deployment.apps`,
 * `HorizontalPodAutoscaler.autoscaling` in its stored v2 form, `Event.events.k8s.io` in its
 * events.k8s.io/v1 form).
 *
 * Contract with the API server / registry:
 *  - `defaults` runs on create and update inputs (and is idempotent).
 *  - Metadata is NOT validated here: call `validateObjectMeta(meta, { namespaced, nameRule })` on
 *    create and `validateObjectMetaUpdate(new, old)` on every update (including /status), with
 *    the name rule from `builtinNameRules`. Strategies return only kind-specific errors, with
 *    upstream's field paths and texts; duplicates are removed.
 *  - Allocation (Service cluster IPs, IP families, node ports) and the Job selector
 *    (`generateJobSelector` from ../defaults) happen before validation, as upstream's
 *    BeginCreate / PrepareForCreate do. Job validation requires metadata.uid.
 *  - `validateStatusUpdate` is present for every kind with a /status subresource and checks
 *    status only; the caller keeps spec and metadata from the stored object for such updates.
 */
import {
  validateMutatingWebhookConfiguration,
  validateMutatingWebhookConfigurationUpdate,
  validateValidatingWebhookConfiguration,
  validateValidatingWebhookConfigurationUpdate,
} from './admissionregistration.js';
import { validateAPIService, validateAPIServiceStatusUpdate, validateAPIServiceUpdate } from './apiregistration.js';
import { validateCertificateSigningRequest, validateCertificateSigningRequestUpdate } from './certificates.js';
import type { FieldError } from '../errors.js';
import { obj } from '../json-access.js';
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource.js';
import { builtinDefaulters } from '../defaults/index.js';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDaemonSetStatus,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentStatus,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetStatus,
  validateReplicaSetUpdate,
  validateStatefulSet,
  validateStatefulSetStatus,
  validateStatefulSetUpdate,
} from './apps.js';
import { validateCronJob, validateCronJobUpdate, validateJob, validateJobStatusUpdate, validateJobUpdate } from './batch.js';
import {
  validateBindingUpdate,
  validateClusterRole,
  validateClusterRoleBinding,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateHorizontalPodAutoscaler,
  validateHorizontalPodAutoscalerStatus,
  validateHorizontalPodAutoscalerUpdate,
  validateLease,
  validatePodDisruptionBudget,
  validatePodDisruptionBudgetStatus,
  validatePodDisruptionBudgetUpdate,
  validatePriorityClass,
  validatePriorityClassUpdate,
  validateRole,
  validateRoleBinding,
  validateStorageClass,
  validateStorageClassUpdate,
} from './cluster-kinds.js';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateCoreEvent,
  validateEventsV1Event,
  validateEventsV1EventUpdate,
  validateLimitRange,
  validateNamespace,
  validateNamespaceStatus,
  validateNode,
  validateNodeUpdate,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimStatus,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validatePodTemplate,
  validateReplicaCounts,
  validateReplicationController,
  validateResourceQuota,
  validateResourceQuotaStatusUpdate,
  validateResourceQuotaUpdate,
  validateSecret,
  validateSecretUpdate,
} from './core.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateIngressStatus, validateIngressUpdate, validateNetworkPolicy, validateNetworkPolicyUpdate } from './networking.js';
import type { NameRule } from './names.js';
import { validatePodCreate, validatePodEphemeralContainersUpdate, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validateEndpoints, validateService, validateServiceStatus, validateServiceUpdate, type ServiceValidationOptions } from './service.js';

export type BuiltinStrategy = Pick<Strategy, 'defaults' | 'validate' | 'validateUpdate' | 'validateStatusUpdate' | 'validateEphemeralContainersUpdate'>;

export { validateObjectMeta, validateObjectMetaUpdate, validateImmutableField, validateLabelSelector, validateLabels, validateAnnotations, compileLabelSelector } from './object-meta.js';
export type { ObjectMetaOptions, CompiledSelector } from './object-meta.js';
export * from './names.js';
export { cronScheduleError, isKnownTimeZone } from './cron.js';
export { validateNamespaceFinalize } from './core.js';
export { DEFAULT_NODE_PORT_RANGE } from './service.js';
export type { ServiceValidationOptions } from './service.js';

/** Removes repeated errors (upstream's aggregate message lists each distinct error once). */
function unique(errs: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errs) {
    const k = JSON.stringify([e.type, e.field, e.value, e.detail, e.supported]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

type Create = (obj: KubeObject) => FieldError[];
type Update = (obj: KubeObject, old: KubeObject) => FieldError[];

interface Parts {
  readonly validate: Create;
  readonly validateUpdate?: Update;
  readonly validateStatusUpdate?: Update;
  readonly validateEphemeralContainersUpdate?: Update;
}

function strategy(defaultsKey: string | undefined, parts: Parts): BuiltinStrategy {
  const defaults = defaultsKey ? builtinDefaulters[defaultsKey] : undefined;
  const update: Update = parts.validateUpdate ?? ((obj) => parts.validate(obj));
  const s: BuiltinStrategy = {
    validate: (obj) => unique(parts.validate(obj)),
    validateUpdate: (obj, old) => unique(update(obj, old)),
    ...(defaults ? { defaults } : {}),
    ...(parts.validateStatusUpdate ? { validateStatusUpdate: (obj: KubeObject, old: KubeObject) => unique(parts.validateStatusUpdate?.(obj, old) ?? []) } : {}),
    ...(parts.validateEphemeralContainersUpdate ? { validateEphemeralContainersUpdate: (obj: KubeObject, old: KubeObject) => unique(parts.validateEphemeralContainersUpdate?.(obj, old) ?? []) } : {}),
  };
  return s;
}

const none: Create = () => [];

export interface BuiltinStrategyOptions {
  /** Node port range for Service validation (kube-apiserver --service-node-port-range). */
  readonly service?: ServiceValidationOptions;
}

/** Builds the strategy table; `builtinStrategies` is the instance with default options. */
export function createBuiltinStrategies(options: BuiltinStrategyOptions = {}): Readonly<Record<string, BuiltinStrategy>> {
  const svc = options.service ?? {};
  return {
    // core/v1
    Pod: strategy('Pod', { validate: validatePodCreate, validateUpdate: validatePodUpdate, validateStatusUpdate: validatePodStatusUpdate, validateEphemeralContainersUpdate: validatePodEphemeralContainersUpdate }),
    PodTemplate: strategy('PodTemplate', { validate: (o) => validatePodTemplate(o), validateUpdate: (o, old) => validatePodTemplate(o, old) }),
    ReplicationController: strategy('ReplicationController', {
      validate: (o) => validateReplicationController(o),
      validateUpdate: (o, old) => validateReplicationController(o, old),
      validateStatusUpdate: (o) => validateReplicaCounts(obj(o.status)),
    }),
    Service: strategy('Service', { validate: (o) => validateService(o, svc), validateUpdate: (o, old) => validateServiceUpdate(o, old, svc), validateStatusUpdate: validateServiceStatus }),
    Endpoints: strategy('Endpoints', { validate: validateEndpoints }),
    Node: strategy('Node', { validate: validateNode, validateUpdate: validateNodeUpdate, validateStatusUpdate: validateNodeUpdate }),
    Namespace: strategy('Namespace', { validate: validateNamespace, validateUpdate: none, validateStatusUpdate: validateNamespaceStatus }),
    ConfigMap: strategy(undefined, { validate: validateConfigMap, validateUpdate: validateConfigMapUpdate }),
    Secret: strategy('Secret', { validate: validateSecret, validateUpdate: validateSecretUpdate }),
    ServiceAccount: strategy(undefined, { validate: none }),
    PersistentVolume: strategy('PersistentVolume', { validate: validatePersistentVolume, validateUpdate: validatePersistentVolumeUpdate, validateStatusUpdate: none }),
    PersistentVolumeClaim: strategy('PersistentVolumeClaim', {
      validate: validatePersistentVolumeClaim,
      validateUpdate: validatePersistentVolumeClaimUpdate,
      validateStatusUpdate: validatePersistentVolumeClaimStatus,
    }),
    LimitRange: strategy('LimitRange', { validate: validateLimitRange }),
    ResourceQuota: strategy('ResourceQuota', { validate: validateResourceQuota, validateUpdate: validateResourceQuotaUpdate, validateStatusUpdate: validateResourceQuotaStatusUpdate }),
    Event: strategy(undefined, { validate: validateCoreEvent }),
    // apps/v1
    'Deployment.apps': strategy('Deployment.apps', { validate: validateDeployment, validateUpdate: validateDeploymentUpdate, validateStatusUpdate: validateDeploymentStatus }),
    'ReplicaSet.apps': strategy('ReplicaSet.apps', { validate: validateReplicaSet, validateUpdate: validateReplicaSetUpdate, validateStatusUpdate: validateReplicaSetStatus }),
    'StatefulSet.apps': strategy('StatefulSet.apps', { validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate, validateStatusUpdate: validateStatefulSetStatus }),
    'DaemonSet.apps': strategy('DaemonSet.apps', { validate: validateDaemonSet, validateUpdate: validateDaemonSetUpdate, validateStatusUpdate: validateDaemonSetStatus }),
    'ControllerRevision.apps': strategy(undefined, { validate: validateControllerRevision, validateUpdate: validateControllerRevisionUpdate }),
    // batch/v1
    'Job.batch': strategy('Job.batch', { validate: validateJob, validateUpdate: validateJobUpdate, validateStatusUpdate: validateJobStatusUpdate }),
    'CronJob.batch': strategy('CronJob.batch', { validate: validateCronJob, validateUpdate: validateCronJobUpdate, validateStatusUpdate: none }),
    // networking.k8s.io/v1
    'Ingress.networking.k8s.io': strategy(undefined, { validate: validateIngress, validateUpdate: validateIngressUpdate, validateStatusUpdate: validateIngressStatus }),
    'IngressClass.networking.k8s.io': strategy('IngressClass.networking.k8s.io', { validate: validateIngressClass, validateUpdate: validateIngressClassUpdate }),
    'NetworkPolicy.networking.k8s.io': strategy('NetworkPolicy.networking.k8s.io', { validate: validateNetworkPolicy, validateUpdate: validateNetworkPolicyUpdate }),
    // policy/v1
    'PodDisruptionBudget.policy': strategy(undefined, {
      validate: validatePodDisruptionBudget,
      validateUpdate: validatePodDisruptionBudgetUpdate,
      validateStatusUpdate: validatePodDisruptionBudgetStatus,
    }),
    // rbac.authorization.k8s.io/v1
    'Role.rbac.authorization.k8s.io': strategy(undefined, { validate: validateRole }),
    'ClusterRole.rbac.authorization.k8s.io': strategy(undefined, { validate: validateClusterRole }),
    'RoleBinding.rbac.authorization.k8s.io': strategy('RoleBinding.rbac.authorization.k8s.io', {
      validate: validateRoleBinding,
      validateUpdate: (o, old) => validateBindingUpdate(o, old, true),
    }),
    'ClusterRoleBinding.rbac.authorization.k8s.io': strategy('ClusterRoleBinding.rbac.authorization.k8s.io', {
      validate: validateClusterRoleBinding,
      validateUpdate: (o, old) => validateBindingUpdate(o, old, false),
    }),
    // storage.k8s.io/v1, scheduling.k8s.io/v1, coordination.k8s.io/v1, discovery.k8s.io/v1
    'StorageClass.storage.k8s.io': strategy('StorageClass.storage.k8s.io', { validate: validateStorageClass, validateUpdate: (o, old) => [...validateStorageClass(o), ...validateStorageClassUpdate(o, old)] }),
    'PriorityClass.scheduling.k8s.io': strategy('PriorityClass.scheduling.k8s.io', { validate: validatePriorityClass, validateUpdate: validatePriorityClassUpdate }),
    'Lease.coordination.k8s.io': strategy(undefined, { validate: validateLease }),
    'CertificateSigningRequest.certificates.k8s.io': strategy(undefined, {
      validate: validateCertificateSigningRequest,
      validateUpdate: validateCertificateSigningRequestUpdate,
      validateStatusUpdate: validateCertificateSigningRequestUpdate,
    }),
    'EndpointSlice.discovery.k8s.io': strategy('EndpointSlice.discovery.k8s.io', { validate: validateEndpointSlice, validateUpdate: validateEndpointSliceUpdate }),
    // autoscaling (stored as v2)
    'HorizontalPodAutoscaler.autoscaling': strategy('HorizontalPodAutoscaler.autoscaling', {
      validate: validateHorizontalPodAutoscaler,
      validateUpdate: validateHorizontalPodAutoscalerUpdate,
      validateStatusUpdate: validateHorizontalPodAutoscalerStatus,
    }),
    // events.k8s.io/v1
    'Event.events.k8s.io': strategy(undefined, { validate: validateEventsV1Event, validateUpdate: validateEventsV1EventUpdate }),
    // admissionregistration.k8s.io/v1
    'MutatingWebhookConfiguration.admissionregistration.k8s.io': strategy('MutatingWebhookConfiguration.admissionregistration.k8s.io', {
      validate: validateMutatingWebhookConfiguration,
      validateUpdate: validateMutatingWebhookConfigurationUpdate,
    }),
    'ValidatingWebhookConfiguration.admissionregistration.k8s.io': strategy('ValidatingWebhookConfiguration.admissionregistration.k8s.io', {
      validate: validateValidatingWebhookConfiguration,
      validateUpdate: validateValidatingWebhookConfigurationUpdate,
    }),
    // apiregistration.k8s.io/v1
    'APIService.apiregistration.k8s.io': strategy('APIService.apiregistration.k8s.io', {
      validate: validateAPIService,
      validateUpdate: validateAPIServiceUpdate,
      validateStatusUpdate: validateAPIServiceStatusUpdate,
    }),
  };
}

export const builtinStrategies: Readonly<Record<string, BuiltinStrategy>> = createBuiltinStrategies();

/**
 * How metadata.name is validated per kind (upstream's name functions). Kinds not listed use
 * 'subdomain'. Services are DNS-1035 labels upstream: with the generic 'label' rule listed here,
 * the Service strategy adds the one extra DNS-1035 requirement (a leading letter) itself, so the
 * combined errors match upstream for names that are otherwise valid labels.
 */
export const builtinNameRules: Readonly<Record<string, NameRule>> = {
  Namespace: 'label',
  Service: 'label',
  Event: 'path-segment',
  'StatefulSet.apps': 'label',
  'PodDisruptionBudget.policy': 'path-segment',
  'Role.rbac.authorization.k8s.io': 'path-segment',
  'ClusterRole.rbac.authorization.k8s.io': 'path-segment',
  'RoleBinding.rbac.authorization.k8s.io': 'path-segment',
  'ClusterRoleBinding.rbac.authorization.k8s.io': 'path-segment',
  // Then also `<spec.version>.<spec.group>`, checked by the APIService strategy (it needs the spec).
  'APIService.apiregistration.k8s.io': 'path-segment',
};

/** The name rule of a kind key (see builtinNameRules). */
export function nameRuleFor(kindKey: string): NameRule {
  return builtinNameRules[kindKey] ?? 'subdomain';
}
