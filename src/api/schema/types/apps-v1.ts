/**
 * apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision with every part they use.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, bool, core, defineList, defineType, enumOf, i32, i64, intOrString, list, meta, objectMetaField, rawExtension, ref, str, time } from '../dsl.js';

const apps = (kind: string): string => api('apps', 'v1', kind);
const GV = { group: 'apps', version: 'v1' } as const;

export const appsV1Types: readonly TypeDef[] = [
  defineType(apps('Deployment'), 'Keeps a set of identical pods running through ReplicaSets and rolls out template changes declaratively.', {
    metadata: objectMetaField,
    spec: [2, ref(apps('DeploymentSpec')), { doc: 'What the Deployment should look like: replica count, pod template and rollout strategy.' }],
    status: [3, ref(apps('DeploymentStatus')), { doc: 'What the Deployment controller last observed; written by the controller.' }],
  }, { gvk: { ...GV, kind: 'Deployment' } }),
  defineList(apps('Deployment'), { ...GV, kind: 'Deployment' }),
  defineType(apps('DeploymentSpec'), 'Desired state of a Deployment.', {
    replicas: [1, i32, { pointer: true, doc: 'How many pods to run; 1 when unset.' }],
    selector: [2, ref(meta('LabelSelector')), {
      required: true, pointer: true, immutable: true, noOmitEmpty: true,
      doc: 'Label query choosing the pods this Deployment owns; must match the template labels and cannot change in apps/v1.',
    }],
    template: [3, ref(core('PodTemplateSpec')), { required: true, noOmitEmpty: true, doc: 'Pod template used to create new pods.' }],
    strategy: [4, ref(apps('DeploymentStrategy')), { patchStrategy: 'retainKeys', doc: 'How old pods are replaced by new ones during a rollout.' }],
    minReadySeconds: [5, i32, { doc: 'Seconds a new pod must stay ready, with no container crashing, before it counts as available; 0 by default.' }],
    revisionHistoryLimit: [6, i32, { pointer: true, doc: 'How many superseded ReplicaSets to keep for rollback; 10 when unset.' }],
    paused: [7, bool, { doc: 'When true, template changes do not start a rollout.' }],
    progressDeadlineSeconds: [9, i32, {
      pointer: true,
      doc: 'Seconds a rollout may make no progress before the Progressing condition reports ProgressDeadlineExceeded; 600 when unset.',
    }],
  }),
  defineType(apps('DeploymentStrategy'), 'How a Deployment replaces old pods with new ones.', {
    type: [1, enumOf('Recreate', 'RollingUpdate'), { doc: 'Recreate (delete all old pods first) or RollingUpdate (the default).' }],
    rollingUpdate: [2, ref(apps('RollingUpdateDeployment')), {
      pointer: true,
      doc: 'Tuning for the RollingUpdate strategy; only valid when type is RollingUpdate.',
    }],
  }),
  defineType(apps('RollingUpdateDeployment'), 'Limits that pace a rolling update of a Deployment.', {
    maxUnavailable: [1, intOrString, {
      pointer: true,
      doc: 'How many desired pods (count or percentage, rounded down) may be unavailable during the update; 25% when unset.',
    }],
    maxSurge: [2, intOrString, {
      pointer: true,
      doc: 'How many pods (count or percentage, rounded up) may exist above the desired count during the update; 25% when unset.',
    }],
  }),
  defineType(apps('DeploymentStatus'), 'Observed state of a Deployment.', {
    observedGeneration: [1, i64, { doc: 'The metadata.generation the controller last acted on.' }],
    replicas: [2, i32, { doc: 'Pods (not terminating) selected by this Deployment across all its ReplicaSets.' }],
    updatedReplicas: [3, i32, { doc: 'Pods (not terminating) that run the current template.' }],
    readyReplicas: [7, i32, { doc: 'Pods targeted by this Deployment that have a Ready condition.' }],
    availableReplicas: [4, i32, { doc: 'Pods that have been ready for at least minReadySeconds.' }],
    unavailableReplicas: [5, i32, { doc: 'Pods still needed to reach full availability: desired minus available, never below zero.' }],
    conditions: [6, list(ref(apps('DeploymentCondition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations of the rollout, such as Available and Progressing.',
    }],
    collisionCount: [8, i32, { pointer: true, doc: 'Counter mixed into the template hash to avoid ReplicaSet name collisions.' }],
  }),
  defineType(apps('DeploymentCondition'), 'One observation about a Deployment, e.g. Available or Progressing.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition, e.g. Available, Progressing or ReplicaFailure.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastUpdateTime: [6, time, { doc: 'When this condition was last refreshed.' }],
    lastTransitionTime: [7, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
  defineType(apps('ReplicaSet'), 'Keeps a fixed number of identical pods running; normally owned by a Deployment.', {
    metadata: objectMetaField,
    spec: [2, ref(apps('ReplicaSetSpec')), { doc: 'Desired replica count, selector and pod template.' }],
    status: [3, ref(apps('ReplicaSetStatus')), { doc: 'What the ReplicaSet controller last observed; written by the controller.' }],
  }, { gvk: { ...GV, kind: 'ReplicaSet' } }),
  defineList(apps('ReplicaSet'), { ...GV, kind: 'ReplicaSet' }),
  defineType(apps('ReplicaSetSpec'), 'Desired state of a ReplicaSet.', {
    replicas: [1, i32, { pointer: true, doc: 'How many pods to run; 1 when unset.' }],
    minReadySeconds: [4, i32, { doc: 'Seconds a new pod must stay ready, with no container crashing, before it counts as available; 0 by default.' }],
    selector: [2, ref(meta('LabelSelector')), {
      required: true, pointer: true, immutable: true, noOmitEmpty: true,
      doc: 'Label query choosing the pods this ReplicaSet owns; must match the template labels.',
    }],
    template: [3, ref(core('PodTemplateSpec')), { doc: 'Pod template used when more pods are needed.' }],
  }),
  defineType(apps('ReplicaSetStatus'), 'Observed state of a ReplicaSet.', {
    replicas: [1, i32, { required: true, noOmitEmpty: true, doc: 'Pods most recently counted as owned by this ReplicaSet.' }],
    fullyLabeledReplicas: [2, i32, { doc: 'Pods whose labels match every label of the pod template.' }],
    readyReplicas: [4, i32, { doc: 'Owned pods that have a Ready condition.' }],
    availableReplicas: [5, i32, { doc: 'Owned pods that have been ready for at least minReadySeconds.' }],
    observedGeneration: [3, i64, { doc: 'The metadata.generation the controller last acted on.' }],
    conditions: [6, list(ref(apps('ReplicaSetCondition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations of the ReplicaSet, such as ReplicaFailure.',
    }],
  }),
  defineType(apps('ReplicaSetCondition'), 'One observation about a ReplicaSet.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition, e.g. ReplicaFailure.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastTransitionTime: [3, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
  defineType(apps('StatefulSet'), 'Runs pods with stable, ordered identities and per-pod persistent volume claims.', {
    metadata: objectMetaField,
    spec: [2, ref(apps('StatefulSetSpec')), { doc: 'Desired pods, their identities, volume claims and update policy.' }],
    status: [3, ref(apps('StatefulSetStatus')), { doc: 'What the StatefulSet controller last observed; written by the controller.' }],
  }, { gvk: { ...GV, kind: 'StatefulSet' } }),
  defineList(apps('StatefulSet'), { ...GV, kind: 'StatefulSet' }),
  defineType(apps('StatefulSetSpec'), 'Desired state of a StatefulSet.', {
    replicas: [1, i32, { pointer: true, doc: 'How many pods to run; 1 when unset.' }],
    selector: [2, ref(meta('LabelSelector')), {
      required: true, pointer: true, immutable: true, noOmitEmpty: true,
      doc: 'Label query choosing the pods this StatefulSet owns; must match the template labels.',
    }],
    template: [3, ref(core('PodTemplateSpec')), {
      required: true, noOmitEmpty: true,
      doc: 'Pod template; each pod gets the name <statefulset>-<ordinal>.',
    }],
    volumeClaimTemplates: [4, list(ref(core('PersistentVolumeClaim'))), {
      listType: 'atomic', immutable: true,
      doc: 'Claims created per pod and mounted by name into its containers.',
    }],
    serviceName: [5, str, {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'Headless Service that gives the pods stable network identities.',
    }],
    podManagementPolicy: [6, enumOf('OrderedReady', 'Parallel'), {
      immutable: true,
      doc: 'OrderedReady (one pod at a time, in order; the default) or Parallel creation and deletion.',
    }],
    updateStrategy: [7, ref(apps('StatefulSetUpdateStrategy')), { doc: 'How pods are replaced when the template changes.' }],
    revisionHistoryLimit: [8, i32, { pointer: true, doc: 'How many ControllerRevisions to keep; 10 when unset.' }],
    minReadySeconds: [9, i32, { doc: 'Seconds a new pod must stay ready, with no container crashing, before it counts as available; 0 by default.' }],
    persistentVolumeClaimRetentionPolicy: [10, ref(apps('StatefulSetPersistentVolumeClaimRetentionPolicy')), {
      pointer: true,
      doc: 'Whether claims from volumeClaimTemplates are kept or deleted on scale-down and on StatefulSet deletion.',
    }],
    ordinals: [11, ref(apps('StatefulSetOrdinals')), { pointer: true, doc: "Numbering of the pods' ordinal suffixes." }],
  }),
  defineType(apps('StatefulSetOrdinals'), 'Where a StatefulSet starts numbering its pods.', {
    start: [1, i32, { noOmitEmpty: true, doc: 'First ordinal; pods are numbered start through start+replicas-1. 0 by default.' }],
  }),
  defineType(apps('StatefulSetPersistentVolumeClaimRetentionPolicy'), 'What happens to claims created from volumeClaimTemplates.', {
    whenDeleted: [1, str, { doc: 'Retain (the default) or Delete the claims when the StatefulSet is deleted.' }],
    whenScaled: [2, str, { doc: 'Retain (the default) or Delete the claims of pods removed by a scale-down.' }],
  }),
  defineType(apps('StatefulSetUpdateStrategy'), 'How a StatefulSet rolls out template changes.', {
    type: [1, enumOf('OnDelete', 'RollingUpdate'), { doc: 'RollingUpdate (the default) or OnDelete (replace pods only when they are deleted).' }],
    rollingUpdate: [2, ref(apps('RollingUpdateStatefulSetStrategy')), { pointer: true, doc: 'Tuning for the RollingUpdate strategy.' }],
  }),
  defineType(apps('RollingUpdateStatefulSetStrategy'), 'Limits for a StatefulSet rolling update.', {
    partition: [1, i32, { pointer: true, doc: 'Only pods with an ordinal at or above this number are updated; 0 by default.' }],
    maxUnavailable: [2, intOrString, {
      pointer: true,
      doc: 'How many pods (count or percentage, rounded up) may be unavailable during the update; 1 when unset. Alpha, behind a feature gate.',
    }],
  }),
  defineType(apps('StatefulSetStatus'), 'Observed state of a StatefulSet.', {
    observedGeneration: [1, i64, { doc: 'The metadata.generation the controller last acted on.' }],
    replicas: [2, i32, { required: true, noOmitEmpty: true, doc: 'Pods created by the controller.' }],
    readyReplicas: [3, i32, { doc: 'Pods that have a Ready condition.' }],
    currentReplicas: [4, i32, { doc: 'Pods running the revision named by currentRevision.' }],
    updatedReplicas: [5, i32, { doc: 'Pods running the revision named by updateRevision.' }],
    currentRevision: [6, str, { doc: 'Revision used for pods with ordinals below the rollout position.' }],
    updateRevision: [7, str, { doc: 'Revision the StatefulSet is rolling out.' }],
    collisionCount: [9, i32, { pointer: true, doc: 'Counter mixed into revision hashes to avoid ControllerRevision name collisions.' }],
    conditions: [10, list(ref(apps('StatefulSetCondition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations of the StatefulSet.',
    }],
    availableReplicas: [11, i32, { noOmitEmpty: true, doc: 'Pods that have been ready for at least minReadySeconds.' }],
  }),
  defineType(apps('StatefulSetCondition'), 'One observation about a StatefulSet.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastTransitionTime: [3, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
  defineType(apps('DaemonSet'), 'Runs one copy of a pod on every eligible node.', {
    metadata: objectMetaField,
    spec: [2, ref(apps('DaemonSetSpec')), { doc: 'Desired pod template, selector and update policy.' }],
    status: [3, ref(apps('DaemonSetStatus')), { doc: 'What the DaemonSet controller last observed; written by the controller.' }],
  }, { gvk: { ...GV, kind: 'DaemonSet' } }),
  defineList(apps('DaemonSet'), { ...GV, kind: 'DaemonSet' }),
  defineType(apps('DaemonSetSpec'), 'Desired state of a DaemonSet.', {
    selector: [1, ref(meta('LabelSelector')), {
      required: true, pointer: true, immutable: true, noOmitEmpty: true,
      doc: 'Label query choosing the pods this DaemonSet owns; must match the template labels.',
    }],
    template: [2, ref(core('PodTemplateSpec')), { required: true, noOmitEmpty: true, doc: 'Pod template run on each selected node.' }],
    updateStrategy: [3, ref(apps('DaemonSetUpdateStrategy')), { doc: 'How pods are replaced when the template changes.' }],
    minReadySeconds: [4, i32, { doc: 'Seconds a new pod must stay ready, with no container crashing, before it counts as available; 0 by default.' }],
    revisionHistoryLimit: [6, i32, { pointer: true, doc: 'How many ControllerRevisions to keep for rollback; 10 when unset.' }],
  }),
  defineType(apps('DaemonSetUpdateStrategy'), 'How a DaemonSet rolls out template changes.', {
    type: [1, enumOf('OnDelete', 'RollingUpdate'), { doc: 'RollingUpdate (the default) or OnDelete.' }],
    rollingUpdate: [2, ref(apps('RollingUpdateDaemonSet')), { pointer: true, doc: 'Tuning for the RollingUpdate strategy.' }],
  }),
  defineType(apps('RollingUpdateDaemonSet'), 'Limits for a DaemonSet rolling update.', {
    maxUnavailable: [1, intOrString, {
      pointer: true,
      doc: 'How many nodes (count or percentage, rounded up) may lack an available daemon pod during the update; 1 when unset.',
    }],
    maxSurge: [2, intOrString, {
      pointer: true,
      doc: 'How many nodes (count or percentage, rounded up) may run an extra new pod beside the old one during the update; 0 when unset.',
    }],
  }),
  defineType(apps('DaemonSetStatus'), 'Observed state of a DaemonSet.', {
    currentNumberScheduled: [1, i32, { required: true, noOmitEmpty: true, doc: 'Nodes running at least one daemon pod that should run there.' }],
    numberMisscheduled: [2, i32, { required: true, noOmitEmpty: true, doc: 'Nodes running a daemon pod that should not run there.' }],
    desiredNumberScheduled: [3, i32, {
      required: true, noOmitEmpty: true,
      doc: 'Nodes that should run the daemon pod, counting those that already do.',
    }],
    numberReady: [4, i32, { required: true, noOmitEmpty: true, doc: 'Nodes whose daemon pod should run and has a Ready condition.' }],
    observedGeneration: [5, i64, { doc: 'The metadata.generation the controller last acted on.' }],
    updatedNumberScheduled: [6, i32, { doc: 'Nodes running the current pod template.' }],
    numberAvailable: [7, i32, { doc: 'Nodes whose daemon pod should run and has been ready for at least minReadySeconds.' }],
    numberUnavailable: [8, i32, { doc: 'Nodes whose daemon pod should run but is missing or not yet available.' }],
    collisionCount: [9, i32, { pointer: true, doc: 'Counter mixed into revision hashes to avoid ControllerRevision name collisions.' }],
    conditions: [10, list(ref(apps('DaemonSetCondition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations of the DaemonSet.',
    }],
  }),
  defineType(apps('DaemonSetCondition'), 'One observation about a DaemonSet.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastTransitionTime: [3, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
  defineType(apps('ControllerRevision'), 'An immutable snapshot of controller state, used by StatefulSets and DaemonSets for updates and rollback.', {
    metadata: objectMetaField,
    data: [2, rawExtension, { immutable: true, doc: 'The serialized state (typically a partial pod template) this revision records.' }],
    revision: [3, i64, { required: true, noOmitEmpty: true, doc: 'Sequence number of this revision; increases with each new revision.' }],
  }, { gvk: { ...GV, kind: 'ControllerRevision' } }),
  defineList(apps('ControllerRevision'), { ...GV, kind: 'ControllerRevision' }),
];
