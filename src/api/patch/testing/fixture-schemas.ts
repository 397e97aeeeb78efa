/**
 * Test-only type definitions that mimic the upstream shapes the patch engines care about
 * (Deployment, Pod template, Service, ConfigMap): pointer-ness, omitempty, patch strategies, merge
 * keys, list types and list-map keys as in k8s.io/api v0.32.5. Only the fields the tests use.
 */
import {
  api,
  bool,
  core,
  defineType,
  enumOf,
  i32,
  i64,
  intOrString,
  list,
  map,
  meta,
  quantity,
  ref,
  str,
  time,
  type FieldSpec,
  type TypeDef,
} from '../../schema/dsl.js';
import { SchemaRegistry } from '../../schema/registry.js';

const apps = (kind: string): string => api('apps', 'v1', kind);
const objectMeta: FieldSpec = [1, ref(meta('ObjectMeta'))];

export const DEPLOYMENT = apps('Deployment');
export const SERVICE = core('Service');
export const CONFIG_MAP = core('ConfigMap');
export const POD = core('Pod');

const defs: TypeDef[] = [
  defineType(meta('ObjectMeta'), '', {
    name: [1, str],
    generateName: [2, str],
    namespace: [3, str],
    selfLink: [4, str],
    uid: [5, str],
    resourceVersion: [6, str],
    generation: [7, i64],
    creationTimestamp: [8, time],
    deletionTimestamp: [9, time, { pointer: true }],
    deletionGracePeriodSeconds: [10, i64, { pointer: true }],
    labels: [11, map(str)],
    annotations: [12, map(str)],
    ownerReferences: [13, list(ref(meta('OwnerReference'))), { patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] }],
    finalizers: [14, list(str), { patchStrategy: 'merge', listType: 'set' }],
    managedFields: [17, list(ref(meta('ManagedFieldsEntry'))), { listType: 'atomic' }],
  }),
  defineType(
    meta('OwnerReference'),
    '',
    { apiVersion: [5, str], kind: [1, str], name: [3, str], uid: [4, str], controller: [6, bool, { pointer: true }], blockOwnerDeletion: [7, bool, { pointer: true }] },
    { structType: 'atomic' },
  ),
  defineType(meta('ManagedFieldsEntry'), '', { manager: [1, str], operation: [2, str], apiVersion: [3, str], time: [4, time, { pointer: true }] }),
  defineType(
    meta('LabelSelector'),
    '',
    { matchLabels: [1, map(str)], matchExpressions: [2, list(ref(meta('LabelSelectorRequirement'))), { listType: 'atomic' }] },
    { structType: 'atomic' },
  ),
  defineType(meta('LabelSelectorRequirement'), '', { key: [1, str], operator: [2, str], values: [3, list(str), { listType: 'atomic' }] }),

  // apps/v1 Deployment
  defineType(DEPLOYMENT, '', { metadata: objectMeta, spec: [2, ref(apps('DeploymentSpec'))], status: [3, ref(apps('DeploymentStatus'))] }, { gvk: { group: 'apps', version: 'v1', kind: 'Deployment' } }),
  defineType(apps('DeploymentSpec'), '', {
    replicas: [1, i32, { pointer: true }],
    selector: [2, ref(meta('LabelSelector')), { pointer: true, noOmitEmpty: true }],
    template: [3, ref(core('PodTemplateSpec')), { noOmitEmpty: true }],
    strategy: [4, ref(apps('DeploymentStrategy')), { patchStrategy: 'retainKeys' }],
    minReadySeconds: [5, i32],
    revisionHistoryLimit: [6, i32, { pointer: true }],
    paused: [7, bool],
    progressDeadlineSeconds: [9, i32, { pointer: true }],
  }),
  defineType(apps('DeploymentStrategy'), '', {
    type: [1, enumOf('Recreate', 'RollingUpdate')],
    rollingUpdate: [2, ref(apps('RollingUpdateDeployment')), { pointer: true }],
  }),
  defineType(apps('RollingUpdateDeployment'), '', { maxUnavailable: [1, intOrString, { pointer: true }], maxSurge: [2, intOrString, { pointer: true }] }),
  defineType(apps('DeploymentStatus'), '', {
    observedGeneration: [1, i64],
    replicas: [2, i32],
    updatedReplicas: [3, i32],
    readyReplicas: [7, i32],
    availableReplicas: [4, i32],
    conditions: [6, list(ref(apps('DeploymentCondition'))), { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  }),
  defineType(apps('DeploymentCondition'), '', { type: [1, str], status: [2, str], lastUpdateTime: [6, time], lastTransitionTime: [7, time], reason: [4, str], message: [5, str] }),

  // core/v1 pod template
  defineType(core('Pod'), '', { metadata: objectMeta, spec: [2, ref(core('PodSpec'))] }, { gvk: { group: '', version: 'v1', kind: 'Pod' } }),
  defineType(core('PodTemplateSpec'), '', { metadata: objectMeta, spec: [2, ref(core('PodSpec'))] }),
  defineType(core('PodSpec'), '', {
    volumes: [1, list(ref(core('Volume'))), { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
    initContainers: [20, list(ref(core('Container'))), { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
    containers: [2, list(ref(core('Container'))), { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'], noOmitEmpty: true }],
    restartPolicy: [3, str],
    terminationGracePeriodSeconds: [4, i64, { pointer: true }],
    dnsPolicy: [6, str],
    nodeSelector: [7, map(str), { mapType: 'atomic' }],
    serviceAccountName: [8, str],
    nodeName: [10, str],
    securityContext: [14, ref(core('PodSecurityContext')), { pointer: true }],
    imagePullSecrets: [15, list(ref(core('LocalObjectReference'))), { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
    schedulerName: [19, str],
    tolerations: [22, list(ref(core('Toleration'))), { listType: 'atomic' }],
    hostAliases: [23, list(ref(core('HostAlias'))), { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] }],
    topologySpreadConstraints: [33, list(ref(core('TopologySpreadConstraint'))), {
      patchStrategy: 'merge',
      patchMergeKey: 'topologyKey',
      listType: 'map',
      listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
    }],
  }),
  defineType(core('PodSecurityContext'), '', { runAsUser: [5, i64, { pointer: true }], runAsNonRoot: [6, bool, { pointer: true }] }),
  defineType(core('LocalObjectReference'), '', { name: [1, str] }, { structType: 'atomic' }),
  defineType(core('HostAlias'), '', { ip: [1, str], hostnames: [2, list(str), { listType: 'atomic' }] }),
  defineType(core('TopologySpreadConstraint'), '', { maxSkew: [1, i32], topologyKey: [2, str], whenUnsatisfiable: [3, str] }),
  defineType(core('Toleration'), '', { key: [1, str], operator: [2, str], value: [3, str], effect: [4, str], tolerationSeconds: [5, i64, { pointer: true }] }),
  defineType(core('Container'), '', {
    name: [1, str],
    image: [2, str],
    command: [3, list(str), { listType: 'atomic' }],
    args: [4, list(str), { listType: 'atomic' }],
    workingDir: [5, str],
    ports: [6, list(ref(core('ContainerPort'))), { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] }],
    env: [7, list(ref(core('EnvVar'))), { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
    resources: [8, ref(core('ResourceRequirements'))],
    volumeMounts: [9, list(ref(core('VolumeMount'))), { patchStrategy: 'merge', patchMergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] }],
    terminationMessagePath: [13, str],
    imagePullPolicy: [14, str],
    terminationMessagePolicy: [20, str],
  }),
  defineType(core('ContainerPort'), '', { name: [1, str], hostPort: [2, i32], containerPort: [3, i32], protocol: [4, str], hostIP: [5, str] }),
  defineType(core('EnvVar'), '', { name: [1, str], value: [2, str], valueFrom: [3, ref(core('EnvVarSource')), { pointer: true }] }),
  defineType(core('EnvVarSource'), '', { fieldRef: [1, ref(core('ObjectFieldSelector')), { pointer: true }] }),
  defineType(core('ObjectFieldSelector'), '', { apiVersion: [1, str], fieldPath: [2, str] }, { structType: 'atomic' }),
  defineType(core('ResourceRequirements'), '', { limits: [1, map(quantity)], requests: [2, map(quantity)] }),
  defineType(core('VolumeMount'), '', { name: [1, str], readOnly: [2, bool], mountPath: [3, str], subPath: [4, str] }),
  defineType(core('Volume'), '', {
    name: [1, str],
    emptyDir: [3, ref(core('EmptyDirVolumeSource')), { pointer: true }],
    secret: [4, ref(core('SecretVolumeSource')), { pointer: true }],
    configMap: [19, ref(core('ConfigMapVolumeSource')), { pointer: true }],
  }),
  defineType(core('EmptyDirVolumeSource'), '', { medium: [1, str], sizeLimit: [2, quantity, { pointer: true }] }),
  defineType(core('SecretVolumeSource'), '', { secretName: [1, str], defaultMode: [3, i32, { pointer: true }] }),
  defineType(core('ConfigMapVolumeSource'), '', { name: [1, str], defaultMode: [3, i32, { pointer: true }] }),

  // core/v1 Service
  defineType(SERVICE, '', { metadata: objectMeta, spec: [2, ref(core('ServiceSpec'))] }, { gvk: { group: '', version: 'v1', kind: 'Service' } }),
  defineType(core('ServiceSpec'), '', {
    ports: [1, list(ref(core('ServicePort'))), { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] }],
    selector: [2, map(str), { mapType: 'atomic' }],
    clusterIP: [3, str],
    type: [4, str],
    externalIPs: [5, list(str), { listType: 'atomic' }],
  }),
  defineType(core('ServicePort'), '', { name: [1, str], protocol: [2, str], port: [3, i32], targetPort: [4, intOrString], nodePort: [5, i32] }),

  // core/v1 ConfigMap
  defineType(CONFIG_MAP, '', { metadata: objectMeta, data: [2, map(str)], immutable: [4, bool, { pointer: true }] }, { gvk: { group: '', version: 'v1', kind: 'ConfigMap' } }),
];

export function fixtureRegistry(): SchemaRegistry {
  return new SchemaRegistry(defs);
}
