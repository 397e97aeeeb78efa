/**
 * core/v1 object references and the smaller kinds: Namespace, ConfigMap, Secret, ServiceAccount, Event, ComponentStatus,
 * ResourceQuota, LimitRange, ReplicationController, plus TopologySelectorTerm (used by storage/v1).
 *
 * Field names, JSON types, protobuf field numbers, pointer-ness, required-ness and patch/list markers follow
 * Kubernetes 1.32 (k8s.io/api and k8s.io/apimachinery v0.32.5: types.go and generated.proto). The `doc`
 * strings are lite's own summaries.
 */
import type { TypeDef } from '../dsl.js';
import { bool, bytes, core, defineList, defineType, i32, i64, list, map, meta, microTime, objectMetaField, quantity, ref, str, time } from '../dsl.js';
import { NAMESPACE_PHASE, RESOURCE_QUOTA_SCOPE, SCOPE_SELECTOR_OPERATOR } from './core-v1-common.js';

const V1 = { group: '', version: 'v1' } as const;

export const coreV1OtherTypes: readonly TypeDef[] = [
  defineType(core('ObjectReference'), 'Points at any object, possibly a field within it.', {
    kind: [1, str, { doc: 'Kind of the referent.' }],
    namespace: [2, str, { doc: 'Namespace of the referent.' }],
    name: [3, str, { doc: 'Name of the referent.' }],
    uid: [4, str, { doc: 'UID of the referent.' }],
    apiVersion: [5, str, { doc: 'API version of the referent.' }],
    resourceVersion: [6, str, { doc: 'resourceVersion of the referent the reference was made against.' }],
    fieldPath: [7, str, { doc: 'Path of a part of the referent, such as spec.containers{name}.' }],
  }, { structType: 'atomic' }),
  defineType(core('LocalObjectReference'), 'Names an object in the same namespace.', {
    name: [1, str, { doc: 'Name of the referent; should not be empty.' }],
  }, { structType: 'atomic' }),
  defineType(core('TypedLocalObjectReference'), 'Names an object of a given kind in the same namespace.', {
    apiGroup: [1, str, { doc: 'API group of the referent; empty for the core group.', pointer: true, noOmitEmpty: true }],
    kind: [2, str, { doc: 'Kind of the referent.', required: true, noOmitEmpty: true }],
    name: [3, str, { doc: 'Name of the referent.', required: true, noOmitEmpty: true }],
  }, { structType: 'atomic' }),
  defineType(core('TypedObjectReference'), 'Names an object of a given kind, possibly in another namespace.', {
    apiGroup: [1, str, { doc: 'API group of the referent; empty for the core group.', pointer: true, noOmitEmpty: true }],
    kind: [2, str, { doc: 'Kind of the referent.', required: true, noOmitEmpty: true }],
    name: [3, str, { doc: 'Name of the referent.', required: true, noOmitEmpty: true }],
    namespace: [4, str, { doc: 'Namespace of the referent; crossing namespaces needs a ReferenceGrant.', pointer: true }],
  }),
  defineType(core('Namespace'), 'A scope for names; most objects live in one.', {
    metadata: objectMetaField,
    spec: [2, ref(core('NamespaceSpec')), { doc: 'Finalizers of the namespace.' }],
    status: [3, ref(core('NamespaceStatus')), { doc: 'Phase and conditions of the namespace.' }],
  }, { gvk: { ...V1, kind: 'Namespace' } }),
  defineList(core('Namespace'), { ...V1, kind: 'Namespace' }),
  defineType(core('ConfigMap'), 'Non-confidential configuration data as key/value pairs.', {
    metadata: objectMetaField,
    immutable: [4, bool, { doc: 'Once true, data can no longer be changed; only deletion is possible.', pointer: true }],
    data: [2, map(str), { doc: 'UTF-8 values by key.' }],
    binaryData: [3, map(bytes), { doc: 'Binary values by key, base64 in JSON; keys must differ from those of data.' }],
  }, { gvk: { ...V1, kind: 'ConfigMap' } }),
  defineList(core('ConfigMap'), { ...V1, kind: 'ConfigMap' }),
  defineType(core('Secret'), 'Confidential data such as passwords, tokens or keys.', {
    metadata: objectMetaField,
    immutable: [5, bool, { doc: 'Once true, data can no longer be changed; only deletion is possible.', pointer: true }],
    data: [2, map(bytes), { doc: 'Values by key, base64 in JSON.' }],
    stringData: [4, map(str), { doc: 'Write-only convenience: plain-text values merged into data on write.' }],
    type: [3, str, { doc: 'Kind of secret, used for validation, such as Opaque or kubernetes.io/tls.' }],
  }, { gvk: { ...V1, kind: 'Secret' } }),
  defineList(core('Secret'), { ...V1, kind: 'Secret' }),
  defineType(core('ServiceAccount'), 'An identity for processes running in pods.', {
    metadata: objectMetaField,
    secrets: [2, list(ref(core('ObjectReference'))), { doc: 'Legacy token secrets; no longer auto-generated.', patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
    imagePullSecrets: [3, list(ref(core('LocalObjectReference'))), { doc: 'Secrets added to the imagePullSecrets of pods using this account.', listType: 'atomic' }],
    automountServiceAccountToken: [4, bool, { doc: 'Default for whether pods mount a token of this account.', pointer: true }],
  }, { gvk: { ...V1, kind: 'ServiceAccount' } }),
  defineList(core('ServiceAccount'), { ...V1, kind: 'ServiceAccount' }),
  defineType(core('Event'), 'A report of something that happened to an object.', {
    metadata: [1, ref(meta('ObjectMeta')), { doc: 'Object metadata (name, namespace, labels, …); required in the schema because the upstream field lacks omitempty.', required: true, noOmitEmpty: true }],
    involvedObject: [2, ref(core('ObjectReference')), { doc: 'The object the event is about.', required: true, noOmitEmpty: true }],
    reason: [3, str, { doc: 'Short CamelCase reason, such as Scheduled or BackOff.' }],
    message: [4, str, { doc: 'Human-readable description.' }],
    source: [5, ref(core('EventSource')), { doc: 'Component and host reporting the event.' }],
    firstTimestamp: [6, time, { doc: 'When the event was first seen.' }],
    lastTimestamp: [7, time, { doc: 'When the event was most recently seen.' }],
    count: [8, i32, { doc: 'Number of occurrences.' }],
    type: [9, str, { doc: 'Normal or Warning.' }],
    eventTime: [10, microTime, { doc: 'When the event first happened, with microseconds.' }],
    series: [11, ref(core('EventSeries')), { doc: 'Data about a series of repeated events.', pointer: true }],
    action: [12, str, { doc: 'Action taken or failed, such as Binding.' }],
    related: [13, ref(core('ObjectReference')), { doc: 'Secondary object involved.', pointer: true }],
    reportingComponent: [14, str, { doc: 'Controller that emitted the event, such as kubelet.', noOmitEmpty: true }],
    reportingInstance: [15, str, { doc: 'Instance of that controller, such as kubelet-node1.', noOmitEmpty: true }],
  }, { gvk: { ...V1, kind: 'Event' } }),
  defineList(core('Event'), { ...V1, kind: 'Event' }),
  defineType(core('ComponentStatus'), 'Health of one control-plane component, probed when read (deprecated upstream since 1.19, still served).', {
    metadata: objectMetaField,
    conditions: [2, list(ref(core('ComponentCondition'))), { doc: 'Observed conditions of the component (type Healthy).', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  }, { gvk: { ...V1, kind: 'ComponentStatus' } }),
  defineList(core('ComponentStatus'), { ...V1, kind: 'ComponentStatus' }),
  defineType(core('ComponentCondition'), 'One condition of a component.', {
    type: [1, str, { doc: 'Condition type; only Healthy exists.', required: true, noOmitEmpty: true }],
    status: [2, str, { doc: 'True, False or Unknown.', required: true, noOmitEmpty: true }],
    message: [3, str, { doc: 'What the component answered its health probe.' }],
    error: [4, str, { doc: 'Why the probe failed.' }],
  }),
  defineType(core('ResourceQuota'), 'Limits on the total resource use of a namespace.', {
    metadata: objectMetaField,
    spec: [2, ref(core('ResourceQuotaSpec')), { doc: 'The limits.' }],
    status: [3, ref(core('ResourceQuotaStatus')), { doc: 'The limits in force and current use.' }],
  }, { gvk: { ...V1, kind: 'ResourceQuota' } }),
  defineList(core('ResourceQuota'), { ...V1, kind: 'ResourceQuota' }),
  defineType(core('LimitRange'), 'Per-object resource bounds and defaults in a namespace.', {
    metadata: objectMetaField,
    spec: [2, ref(core('LimitRangeSpec')), { doc: 'The bounds.' }],
  }, { gvk: { ...V1, kind: 'LimitRange' } }),
  defineList(core('LimitRange'), { ...V1, kind: 'LimitRange' }),
  defineType(core('ReplicationController'), 'Keeps a number of pod replicas running; superseded by ReplicaSets and Deployments.', {
    metadata: objectMetaField,
    spec: [2, ref(core('ReplicationControllerSpec')), { doc: 'Desired state of the controller.' }],
    status: [3, ref(core('ReplicationControllerStatus')), { doc: 'Observed state of the controller.' }],
  }, { gvk: { ...V1, kind: 'ReplicationController' } }),
  defineList(core('ReplicationController'), { ...V1, kind: 'ReplicationController' }),
  defineType(core('TopologySelectorTerm'), 'A topology term; all its requirements must hold.', {
    matchLabelExpressions: [1, list(ref(core('TopologySelectorLabelRequirement'))), { doc: 'Requirements on topology labels.', listType: 'atomic' }],
  }, { structType: 'atomic' }),
  defineType(core('NamespaceSpec'), 'Desired state of a namespace.', {
    finalizers: [1, list(str), { doc: 'Tokens that must be removed before the namespace is deleted.', listType: 'atomic' }],
  }),
  defineType(core('NamespaceStatus'), 'Observed state of a namespace.', {
    phase: [1, NAMESPACE_PHASE, { doc: 'Active or Terminating.' }],
    conditions: [2, list(ref(core('NamespaceCondition'))), { doc: 'Current conditions, such as problems while deleting contents.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  }),
  defineType(core('EventSource'), 'Where an event came from.', {
    component: [1, str, { doc: 'Reporting component.' }],
    host: [2, str, { doc: 'Node on which the event was produced.' }],
  }),
  defineType(core('EventSeries'), 'Data about repeated occurrences of an event.', {
    count: [1, i32, { doc: 'Occurrences so far.' }],
    lastObservedTime: [2, microTime, { doc: 'When the last occurrence was seen.' }],
  }),
  defineType(core('ResourceQuotaSpec'), 'The limits of a quota.', {
    hard: [1, map(quantity), { doc: 'Maximum allowed total per resource name.' }],
    scopes: [2, list(RESOURCE_QUOTA_SCOPE), { doc: 'Scopes every counted object must match.', listType: 'atomic' }],
    scopeSelector: [3, ref(core('ScopeSelector')), { doc: 'Scope requirements every counted object must match.', pointer: true }],
  }),
  defineType(core('ResourceQuotaStatus'), 'Limits and current use of a quota.', {
    hard: [1, map(quantity), { doc: 'Limits in force.' }],
    used: [2, map(quantity), { doc: 'Current use per resource.' }],
  }),
  defineType(core('LimitRangeSpec'), 'Bounds of a limit range.', {
    limits: [1, list(ref(core('LimitRangeItem'))), { doc: 'Bounds per object type.', required: true, noOmitEmpty: true, listType: 'atomic' }],
  }),
  defineType(core('ReplicationControllerSpec'), 'Desired state of a replication controller.', {
    replicas: [1, i32, { doc: 'Desired number of pods; defaults to 1.', pointer: true }],
    minReadySeconds: [4, i32, { doc: 'Seconds a pod must be ready without crashing to count as available.' }],
    selector: [2, map(str), { doc: "Labels selecting the pods counted; defaults to the template's labels.", mapType: 'atomic' }],
    template: [3, ref(core('PodTemplateSpec')), { doc: 'Template of the pods created.', pointer: true }],
  }),
  defineType(core('ReplicationControllerStatus'), 'Observed state of a replication controller.', {
    replicas: [1, i32, { doc: 'Number of pods seen.', required: true, noOmitEmpty: true }],
    fullyLabeledReplicas: [2, i32, { doc: "Number of pods whose labels match the template's." }],
    readyReplicas: [4, i32, { doc: 'Number of ready pods.' }],
    availableReplicas: [5, i32, { doc: 'Number of pods ready for at least minReadySeconds.' }],
    observedGeneration: [3, i64, { doc: 'Generation of the controller last processed.' }],
    conditions: [6, list(ref(core('ReplicationControllerCondition'))), { doc: 'Current conditions of the controller.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  }),
  defineType(core('TopologySelectorLabelRequirement'), 'A topology label and the values it may take.', {
    key: [1, str, { doc: 'Label key.', required: true, noOmitEmpty: true }],
    values: [2, list(str), { doc: 'Allowed values; one must match.', required: true, noOmitEmpty: true, listType: 'atomic' }],
  }),
  defineType(core('NamespaceCondition'), 'One condition of a namespace.', {
    type: [1, str, { doc: 'Condition type, such as NamespaceDeletionContentFailure.', required: true, noOmitEmpty: true }],
    status: [2, str, { doc: 'True, False or Unknown.', required: true, noOmitEmpty: true }],
    lastTransitionTime: [4, time, { doc: 'When status last changed.' }],
    reason: [5, str, { doc: 'CamelCase reason of the last transition.' }],
    message: [6, str, { doc: 'Human-readable details of the last transition.' }],
  }),
  defineType(core('ScopeSelector'), 'Scope requirements of a quota; all must hold.', {
    matchExpressions: [1, list(ref(core('ScopedResourceSelectorRequirement'))), { doc: 'The requirements.', listType: 'atomic' }],
  }, { structType: 'atomic' }),
  defineType(core('LimitRangeItem'), 'Bounds for one type of object.', {
    type: [1, str, { doc: 'Pod, Container or PersistentVolumeClaim.', required: true, noOmitEmpty: true }],
    max: [2, map(quantity), { doc: 'Maximum per resource.' }],
    min: [3, map(quantity), { doc: 'Minimum per resource.' }],
    default: [4, map(quantity), { doc: 'Limit used when a container sets none.' }],
    defaultRequest: [5, map(quantity), { doc: 'Request used when a container sets none.' }],
    maxLimitRequestRatio: [6, map(quantity), { doc: 'Largest allowed limit/request ratio per resource.' }],
  }),
  defineType(core('ReplicationControllerCondition'), 'One condition of a replication controller.', {
    type: [1, str, { doc: 'Condition type, such as ReplicaFailure.', required: true, noOmitEmpty: true }],
    status: [2, str, { doc: 'True, False or Unknown.', required: true, noOmitEmpty: true }],
    lastTransitionTime: [3, time, { doc: 'When status last changed.' }],
    reason: [4, str, { doc: 'CamelCase reason of the last transition.' }],
    message: [5, str, { doc: 'Human-readable details of the last transition.' }],
  }),
  defineType(core('ScopedResourceSelectorRequirement'), 'One requirement on a quota scope.', {
    scopeName: [1, RESOURCE_QUOTA_SCOPE, { doc: 'The scope, such as PriorityClass or Terminating.', required: true, noOmitEmpty: true }],
    operator: [2, SCOPE_SELECTOR_OPERATOR, { doc: 'In, NotIn, Exists or DoesNotExist.', required: true, noOmitEmpty: true }],
    values: [3, list(str), { doc: 'Values for In/NotIn; empty for Exists/DoesNotExist.', listType: 'atomic' }],
  }),
];
