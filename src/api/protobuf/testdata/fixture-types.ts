/**
 * Test-only TypeDefs mirroring the real Kubernetes messages that kubectl's protobuf fixtures use
 * (field numbers from k8s.io/api generated.proto, pointer/omitempty from the Go json tags). They
 * cover just the fields these fixtures exercise, so fields left out here double as "unknown field
 * numbers are skipped" cases. The decoder tests use these rather than the built-in definitions so
 * they test the decoder alone.
 */
import type { FieldOptions, TypeDef } from '../../schema/dsl.js';
import {
  api,
  bool,
  bytes,
  core,
  defineType,
  i32,
  i64,
  intOrString,
  list,
  map,
  meta,
  objectMetaField,
  quantity,
  ref,
  str,
  time,
} from '../../schema/dsl.js';

const ptr = { pointer: true } as const;
const keep = { noOmitEmpty: true } as const;
/** A Go struct embedded with `json:",inline"`. */
const inlineOptions: FieldOptions = { inline: true };

const metaTypes: TypeDef[] = [
  defineType(meta('ObjectMeta'), 'metadata', {
    name: [1, str],
    generateName: [2, str],
    namespace: [3, str],
    uid: [5, str],
    resourceVersion: [6, str],
    generation: [7, i64],
    creationTimestamp: [8, time],
    deletionTimestamp: [9, time, ptr],
    deletionGracePeriodSeconds: [10, i64, ptr],
    labels: [11, map(str)],
    annotations: [12, map(str)],
    finalizers: [14, list(str)],
  }),
  defineType(meta('LabelSelector'), 'selector', {
    matchLabels: [1, map(str)],
    matchExpressions: [2, list(ref(meta('LabelSelectorRequirement')))],
  }),
  defineType(meta('LabelSelectorRequirement'), 'requirement', {
    key: [1, str, keep],
    operator: [2, str, keep],
    values: [3, list(str)],
  }),
];

const coreTypes: TypeDef[] = [
  defineType(core('Namespace'), 'ns', { metadata: objectMetaField, spec: [2, ref(core('NamespaceSpec'))], status: [3, ref(core('NamespaceStatus'))] }, { gvk: { group: '', version: 'v1', kind: 'Namespace' } }),
  defineType(core('NamespaceSpec'), 'spec', { finalizers: [1, list(str)] }),
  defineType(core('NamespaceStatus'), 'status', { phase: [1, str] }),
  defineType(
    core('ConfigMap'),
    'cm',
    { metadata: objectMetaField, immutable: [4, bool, ptr], data: [2, map(str)], binaryData: [3, map(bytes)] },
    { gvk: { group: '', version: 'v1', kind: 'ConfigMap' } },
  ),
  defineType(
    core('Secret'),
    'secret',
    { metadata: objectMetaField, immutable: [5, bool, ptr], data: [2, map(bytes)], stringData: [4, map(str)], type: [3, str] },
    { gvk: { group: '', version: 'v1', kind: 'Secret' } },
  ),
  defineType(core('ServiceAccount'), 'sa', { metadata: objectMetaField, automountServiceAccountToken: [4, bool, ptr] }, { gvk: { group: '', version: 'v1', kind: 'ServiceAccount' } }),
  defineType(core('PodTemplateSpec'), 'template', { metadata: objectMetaField, spec: [2, ref(core('PodSpec'))] }),
  defineType(core('PodSpec'), 'pod spec', {
    containers: [2, list(ref(core('Container'))), keep],
    restartPolicy: [3, str],
    terminationGracePeriodSeconds: [4, i64, ptr],
    dnsPolicy: [6, str],
    nodeSelector: [7, map(str)],
    serviceAccountName: [8, str],
    nodeName: [10, str],
    hostNetwork: [11, bool],
    priority: [25, i32, ptr],
    enableServiceLinks: [30, bool, ptr],
  }),
  defineType(core('Container'), 'container', {
    name: [1, str, keep],
    image: [2, str],
    command: [3, list(str)],
    args: [4, list(str)],
    workingDir: [5, str],
    ports: [6, list(ref(core('ContainerPort')))],
    resources: [8, ref(core('ResourceRequirements'))],
    terminationMessagePath: [13, str],
    imagePullPolicy: [14, str],
    stdin: [16, bool],
    tty: [18, bool],
  }),
  defineType(core('ContainerPort'), 'port', { name: [1, str], hostPort: [2, i32], containerPort: [3, i32, keep], protocol: [4, str], hostIP: [5, str] }),
  defineType(core('ResourceRequirements'), 'resources', { limits: [1, map(quantity)], requests: [2, map(quantity)] }),
  defineType(core('Service'), 'svc', { metadata: objectMetaField, spec: [2, ref(core('ServiceSpec'))], status: [3, ref(core('ServiceStatus'))] }, { gvk: { group: '', version: 'v1', kind: 'Service' } }),
  defineType(core('ServiceSpec'), 'svc spec', {
    ports: [1, list(ref(core('ServicePort')))],
    selector: [2, map(str)],
    clusterIP: [3, str],
    clusterIPs: [18, list(str)],
    type: [4, str],
    externalName: [10, str],
    healthCheckNodePort: [12, i32],
    publishNotReadyAddresses: [13, bool],
    ipFamilyPolicy: [17, str, ptr],
    allocateLoadBalancerNodePorts: [20, bool, ptr],
  }),
  defineType(core('ServicePort'), 'svc port', { name: [1, str], protocol: [2, str], appProtocol: [6, str, ptr], port: [3, i32, keep], targetPort: [4, intOrString], nodePort: [5, i32] }),
  defineType(core('ServiceStatus'), 'svc status', { loadBalancer: [1, ref(core('LoadBalancerStatus'))] }),
  defineType(core('LoadBalancerStatus'), 'lb status', {}),
  defineType(core('ResourceQuota'), 'quota', { metadata: objectMetaField, spec: [2, ref(core('ResourceQuotaSpec'))], status: [3, ref(core('ResourceQuotaStatus'))] }, { gvk: { group: '', version: 'v1', kind: 'ResourceQuota' } }),
  defineType(core('ResourceQuotaSpec'), 'quota spec', { hard: [1, map(quantity)], scopes: [2, list(str)] }),
  defineType(core('ResourceQuotaStatus'), 'quota status', { hard: [1, map(quantity)], used: [2, map(quantity)] }),
];

const appsTypes: TypeDef[] = [
  defineType(
    api('apps', 'v1', 'Deployment'),
    'deploy',
    { metadata: objectMetaField, spec: [2, ref(api('apps', 'v1', 'DeploymentSpec'))], status: [3, ref(api('apps', 'v1', 'DeploymentStatus'))] },
    { gvk: { group: 'apps', version: 'v1', kind: 'Deployment' } },
  ),
  defineType(api('apps', 'v1', 'DeploymentSpec'), 'spec', {
    replicas: [1, i32, ptr],
    selector: [2, ref(meta('LabelSelector')), ptr],
    template: [3, ref(core('PodTemplateSpec'))],
    strategy: [4, ref(api('apps', 'v1', 'DeploymentStrategy'))],
    minReadySeconds: [5, i32],
    revisionHistoryLimit: [6, i32, ptr],
    paused: [7, bool],
    progressDeadlineSeconds: [9, i32, ptr],
  }),
  defineType(api('apps', 'v1', 'DeploymentStrategy'), 'strategy', { type: [1, str] }),
  defineType(api('apps', 'v1', 'DeploymentStatus'), 'status', {
    observedGeneration: [1, i64],
    replicas: [2, i32],
    updatedReplicas: [3, i32],
    readyReplicas: [7, i32],
    availableReplicas: [4, i32],
    unavailableReplicas: [5, i32],
    collisionCount: [8, i32, ptr],
  }),
];

const batchTypes: TypeDef[] = [
  defineType(
    api('batch', 'v1', 'Job'),
    'job',
    { metadata: objectMetaField, spec: [2, ref(api('batch', 'v1', 'JobSpec'))], status: [3, ref(api('batch', 'v1', 'JobStatus'))] },
    { gvk: { group: 'batch', version: 'v1', kind: 'Job' } },
  ),
  defineType(api('batch', 'v1', 'JobSpec'), 'job spec', {
    parallelism: [1, i32, ptr],
    completions: [2, i32, ptr],
    backoffLimit: [7, i32, ptr],
    selector: [4, ref(meta('LabelSelector')), ptr],
    manualSelector: [5, bool, ptr],
    template: [6, ref(core('PodTemplateSpec'))],
    completionMode: [9, str, ptr],
    suspend: [10, bool, ptr],
  }),
  defineType(api('batch', 'v1', 'JobStatus'), 'job status', { startTime: [2, time, ptr], active: [4, i32], succeeded: [5, i32], failed: [6, i32], ready: [9, i32, ptr] }),
  defineType(
    api('batch', 'v1', 'CronJob'),
    'cronjob',
    { metadata: objectMetaField, spec: [2, ref(api('batch', 'v1', 'CronJobSpec'))], status: [3, ref(api('batch', 'v1', 'CronJobStatus'))] },
    { gvk: { group: 'batch', version: 'v1', kind: 'CronJob' } },
  ),
  defineType(api('batch', 'v1', 'CronJobSpec'), 'cronjob spec', {
    schedule: [1, str, keep],
    timeZone: [8, str, ptr],
    startingDeadlineSeconds: [2, i64, ptr],
    concurrencyPolicy: [3, str],
    suspend: [4, bool, ptr],
    jobTemplate: [5, ref(api('batch', 'v1', 'JobTemplateSpec'))],
    successfulJobsHistoryLimit: [6, i32, ptr],
  }),
  defineType(api('batch', 'v1', 'JobTemplateSpec'), 'job template', { metadata: objectMetaField, spec: [2, ref(api('batch', 'v1', 'JobSpec'))] }),
  defineType(api('batch', 'v1', 'CronJobStatus'), 'cronjob status', { lastScheduleTime: [4, time, ptr] }),
];

const RBAC = 'rbac.authorization.k8s.io';
const rbac = (kind: string) => api('rbac', 'v1', kind);
const rbacTypes: TypeDef[] = [
  defineType(rbac('Role'), 'role', { metadata: objectMetaField, rules: [2, list(ref(rbac('PolicyRule'))), keep] }, { gvk: { group: RBAC, version: 'v1', kind: 'Role' } }),
  defineType(rbac('PolicyRule'), 'rule', {
    verbs: [1, list(str), keep],
    apiGroups: [2, list(str)],
    resources: [3, list(str)],
    resourceNames: [4, list(str)],
    nonResourceURLs: [5, list(str)],
  }),
  defineType(rbac('RoleBinding'), 'rb', { metadata: objectMetaField, subjects: [2, list(ref(rbac('Subject')))], roleRef: [3, ref(rbac('RoleRef'))] }, { gvk: { group: RBAC, version: 'v1', kind: 'RoleBinding' } }),
  defineType(rbac('Subject'), 'subject', { kind: [1, str, keep], apiGroup: [2, str], name: [3, str, keep], namespace: [4, str] }),
  defineType(rbac('RoleRef'), 'roleref', { apiGroup: [1, str, keep], kind: [2, str, keep], name: [3, str, keep] }),
  defineType(
    rbac('ClusterRole'),
    'cr',
    { metadata: objectMetaField, rules: [2, list(ref(rbac('PolicyRule'))), keep], aggregationRule: [3, ref(rbac('AggregationRule')), ptr] },
    { gvk: { group: RBAC, version: 'v1', kind: 'ClusterRole' } },
  ),
  defineType(rbac('AggregationRule'), 'agg', { clusterRoleSelectors: [1, list(ref(meta('LabelSelector')))] }),
  defineType(
    rbac('ClusterRoleBinding'),
    'crb',
    { metadata: objectMetaField, subjects: [2, list(ref(rbac('Subject')))], roleRef: [3, ref(rbac('RoleRef'))] },
    { gvk: { group: RBAC, version: 'v1', kind: 'ClusterRoleBinding' } },
  ),
];

const net = (kind: string) => api('networking', 'v1', kind);
const otherTypes: TypeDef[] = [
  defineType(
    api('scheduling', 'v1', 'PriorityClass'),
    'pc',
    { metadata: objectMetaField, value: [2, i32, keep], globalDefault: [3, bool], description: [4, str], preemptionPolicy: [5, str, ptr] },
    { gvk: { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass' } },
  ),
  defineType(
    api('policy', 'v1', 'PodDisruptionBudget'),
    'pdb',
    { metadata: objectMetaField, spec: [2, ref(api('policy', 'v1', 'PodDisruptionBudgetSpec'))], status: [3, ref(api('policy', 'v1', 'PodDisruptionBudgetStatus'))] },
    { gvk: { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' } },
  ),
  defineType(api('policy', 'v1', 'PodDisruptionBudgetSpec'), 'pdb spec', {
    minAvailable: [1, intOrString, ptr],
    selector: [2, ref(meta('LabelSelector')), ptr],
    maxUnavailable: [3, intOrString, ptr],
    unhealthyPodEvictionPolicy: [4, str, ptr],
  }),
  defineType(api('policy', 'v1', 'PodDisruptionBudgetStatus'), 'pdb status', {
    observedGeneration: [1, i64],
    disruptedPods: [2, map(time)],
    disruptionsAllowed: [3, i32, keep],
    currentHealthy: [4, i32, keep],
    desiredHealthy: [5, i32, keep],
    expectedPods: [6, i32, keep],
  }),
  defineType(net('Ingress'), 'ing', { metadata: objectMetaField, spec: [2, ref(net('IngressSpec'))], status: [3, ref(net('IngressStatus'))] }, { gvk: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' } }),
  defineType(net('IngressSpec'), 'ing spec', {
    ingressClassName: [4, str, ptr],
    defaultBackend: [1, ref(net('IngressBackend')), ptr],
    tls: [2, list(ref(net('IngressTLS')))],
    rules: [3, list(ref(net('IngressRule')))],
  }),
  defineType(net('IngressBackend'), 'backend', { service: [4, ref(net('IngressServiceBackend')), ptr] }),
  defineType(net('IngressServiceBackend'), 'svc backend', { name: [1, str, keep], port: [2, ref(net('ServiceBackendPort'))] }),
  defineType(net('ServiceBackendPort'), 'port', { name: [1, str], number: [2, i32] }),
  defineType(net('IngressTLS'), 'tls', { hosts: [1, list(str)], secretName: [2, str] }),
  // IngressRuleValue is embedded inline in Go, as in the type files.
  defineType(net('IngressRule'), 'rule', { host: [1, str], ingressRuleValue: [2, ref(net('IngressRuleValue')), inlineOptions] }),
  defineType(net('IngressRuleValue'), 'rule value', { http: [1, ref(net('HTTPIngressRuleValue')), ptr] }),
  defineType(net('HTTPIngressRuleValue'), 'http', { paths: [1, list(ref(net('HTTPIngressPath'))), keep] }),
  defineType(net('HTTPIngressPath'), 'path', { path: [1, str], pathType: [3, str, ptr], backend: [2, ref(net('IngressBackend'))] }),
  defineType(net('IngressStatus'), 'ing status', { loadBalancer: [1, ref(net('IngressLoadBalancerStatus'))] }),
  defineType(net('IngressLoadBalancerStatus'), 'lb', {}),
];

const authn = (kind: string) => api('authentication', 'v1', kind);
const authz = (kind: string) => api('authorization', 'v1', kind);
const authTypes: TypeDef[] = [
  defineType(
    authn('TokenRequest'),
    'tr',
    { metadata: objectMetaField, spec: [2, ref(authn('TokenRequestSpec'))], status: [3, ref(authn('TokenRequestStatus'))] },
    { gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } },
  ),
  defineType(authn('TokenRequestSpec'), 'tr spec', {
    audiences: [1, list(str), keep],
    expirationSeconds: [4, i64, ptr],
    boundObjectRef: [3, ref(authn('BoundObjectReference')), ptr],
  }),
  // JSON `uid`, proto field 4 (named uID in generated.proto).
  defineType(authn('BoundObjectReference'), 'bound', { kind: [1, str], apiVersion: [2, str], name: [3, str], uid: [4, str] }),
  defineType(authn('TokenRequestStatus'), 'tr status', { token: [1, str, keep], expirationTimestamp: [2, time] }),
  defineType(
    authn('SelfSubjectReview'),
    'ssr',
    { metadata: objectMetaField, status: [2, ref(authn('SelfSubjectReviewStatus'))] },
    { gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview' } },
  ),
  defineType(authn('SelfSubjectReviewStatus'), 'ssr status', { userInfo: [1, ref(authn('UserInfo'))] }),
  defineType(authn('UserInfo'), 'user', { username: [1, str], uid: [2, str], groups: [3, list(str)], extra: [4, map(ref(authn('ExtraValue')))] }),
  defineType(authn('ExtraValue'), 'extra', { items: [1, list(str)] }, { listWrapper: true }),
  defineType(
    authz('SelfSubjectAccessReview'),
    'ssar',
    { metadata: objectMetaField, spec: [2, ref(authz('SelfSubjectAccessReviewSpec'))], status: [3, ref(authz('SubjectAccessReviewStatus'))] },
    { gvk: { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' } },
  ),
  defineType(authz('SelfSubjectAccessReviewSpec'), 'ssar spec', {
    resourceAttributes: [1, ref(authz('ResourceAttributes')), ptr],
    nonResourceAttributes: [2, ref(authz('NonResourceAttributes')), ptr],
  }),
  defineType(authz('ResourceAttributes'), 'attrs', {
    namespace: [1, str],
    verb: [2, str],
    group: [3, str],
    version: [4, str],
    resource: [5, str],
    subresource: [6, str],
    name: [7, str],
  }),
  defineType(authz('NonResourceAttributes'), 'nr attrs', { path: [1, str], verb: [2, str] }),
  defineType(authz('SubjectAccessReviewStatus'), 'sar status', { allowed: [1, bool, keep], denied: [4, bool], reason: [2, str], evaluationError: [3, str] }),
  defineType(
    authz('SelfSubjectRulesReview'),
    'ssrr',
    { metadata: objectMetaField, spec: [2, ref(authz('SelfSubjectRulesReviewSpec'))], status: [3, ref(authz('SubjectRulesReviewStatus'))] },
    { gvk: { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview' } },
  ),
  defineType(authz('SelfSubjectRulesReviewSpec'), 'ssrr spec', { namespace: [1, str] }),
  defineType(authz('SubjectRulesReviewStatus'), 'ssrr status', { incomplete: [3, bool, keep], evaluationError: [4, str] }),
];

export const fixtureTypes: readonly TypeDef[] = [...metaTypes, ...coreTypes, ...appsTypes, ...batchTypes, ...rbacTypes, ...otherTypes, ...authTypes];
