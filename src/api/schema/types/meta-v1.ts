/**
 * meta/v1 (k8s.io/apimachinery pkg/apis/meta/v1): object and list metadata, selectors, Status, DeleteOptions,
 * discovery documents and the watch event envelope.
 *
 * Field names, JSON types, protobuf field numbers, pointer-ness, required-ness and patch/list markers follow
 * Kubernetes 1.32 (k8s.io/api and k8s.io/apimachinery v0.32.5: types.go and generated.proto). The `doc`
 * strings are lite's own summaries.
 */
import type { Special, TypeDef } from '../dsl.js';
import { bool, defineType, fieldsV1, i32, i64, list, map, meta, rawExtension, ref, str, time } from '../dsl.js';

const V1 = { group: '', version: 'v1' } as const;

/**
 * Every group/version of Kubernetes 1.32, alpha and beta included. DeleteOptions and WatchEvent are registered
 * in each of them upstream, so a DELETE body or a watch event may carry any of these apiVersions.
 */
const ALL_GROUP_VERSIONS: readonly GroupVersion[] = (
  [
    ['', ['v1']],
    ['admission.k8s.io', ['v1', 'v1beta1']],
    ['admissionregistration.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['apiextensions.k8s.io', ['v1', 'v1beta1']],
    ['apiregistration.k8s.io', ['v1', 'v1beta1']],
    ['apps', ['v1', 'v1beta1', 'v1beta2']],
    ['authentication.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['authorization.k8s.io', ['v1', 'v1beta1']],
    ['autoscaling', ['v1', 'v2', 'v2beta1', 'v2beta2']],
    ['batch', ['v1', 'v1beta1']],
    ['certificates.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['coordination.k8s.io', ['v1', 'v1alpha2', 'v1beta1']],
    ['discovery.k8s.io', ['v1', 'v1beta1']],
    ['events.k8s.io', ['v1', 'v1beta1']],
    ['extensions', ['v1beta1']],
    ['flowcontrol.apiserver.k8s.io', ['v1', 'v1beta1', 'v1beta2', 'v1beta3']],
    ['imagepolicy.k8s.io', ['v1alpha1']],
    ['internal.apiserver.k8s.io', ['v1alpha1']],
    ['networking.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['node.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['policy', ['v1', 'v1beta1']],
    ['rbac.authorization.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['resource.k8s.io', ['v1alpha3', 'v1beta1']],
    ['scheduling.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['storage.k8s.io', ['v1', 'v1alpha1', 'v1beta1']],
    ['storagemigration.k8s.io', ['v1alpha1']],
  ] as const
).flatMap(([group, versions]) => versions.map((version) => ({ group, version })));

interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

/**
 * OpenAPI schema names of the special types (dsl.ts `Special`). They are not TypeDefs: their JSON and wire
 * forms are handled by code. Duration has no schema of its own (upstream documents it as a plain string).
 */
export const TIME_SCHEMA = meta('Time');
export const MICRO_TIME_SCHEMA = meta('MicroTime');
export const FIELDS_V1_SCHEMA = meta('FieldsV1');
export const QUANTITY_SCHEMA = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING_SCHEMA = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION_SCHEMA = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
export const JSON_SCHEMA = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON';

export const specialSchemaNames: Readonly<Record<Special, string | undefined>> = {
  Time: TIME_SCHEMA,
  MicroTime: MICRO_TIME_SCHEMA,
  FieldsV1: FIELDS_V1_SCHEMA,
  Quantity: QUANTITY_SCHEMA,
  IntOrString: INT_OR_STRING_SCHEMA,
  RawExtension: RAW_EXTENSION_SCHEMA,
  JSON: JSON_SCHEMA,
  Duration: undefined,
};

export const metaV1Types: readonly TypeDef[] = [
  defineType(meta('ObjectMeta'), 'Metadata carried by every persisted object: identity, labels, annotations, ownership and server-maintained bookkeeping.', {
    name: [1, str, { doc: 'Object name, unique per kind within its namespace (or cluster-wide for cluster-scoped kinds); immutable.' }],
    generateName: [2, str, { doc: 'Prefix from which the server generates a unique name when name is empty.' }],
    namespace: [3, str, { doc: 'Namespace the object lives in; empty for cluster-scoped kinds.' }],
    selfLink: [4, str, { doc: 'Legacy field, no longer filled in by the server.' }],
    uid: [5, str, { doc: "Server-assigned identifier, unique across the object's whole history; read-only." }],
    resourceVersion: [6, str, { doc: 'Opaque version token of this object, used for optimistic concurrency and watches; read-only.' }],
    generation: [7, i64, { doc: 'Counter of changes to the desired state (spec); maintained by the server.' }],
    creationTimestamp: [8, time, { doc: 'Time the server created the object; read-only.' }],
    deletionTimestamp: [9, time, { doc: 'Time after which the object goes away; set by the server when a graceful deletion is requested.', pointer: true }],
    deletionGracePeriodSeconds: [10, i64, { doc: 'Seconds the object was given to terminate gracefully; set together with deletionTimestamp.', pointer: true }],
    labels: [11, map(str), { doc: 'Key/value pairs used to organise objects and to select them.' }],
    annotations: [12, map(str), { doc: 'Arbitrary non-identifying key/value data for tools and controllers.' }],
    ownerReferences: [13, list(ref(meta('OwnerReference'))), { doc: 'Objects this one depends on; the garbage collector removes it when all owners are gone.', patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] }],
    finalizers: [14, list(str), { doc: 'Tokens that must all be removed before the object is actually deleted.', patchStrategy: 'merge', listType: 'set' }],
    managedFields: [17, list(ref(meta('ManagedFieldsEntry'))), { doc: 'Which field manager owns which fields (server-side apply bookkeeping).', listType: 'atomic' }],
  }),
  defineType(meta('ListMeta'), "Metadata of a list response: the collection's version and the paging token.", {
    selfLink: [1, str, { doc: 'Legacy field, no longer filled in by the server.' }],
    resourceVersion: [2, str, { doc: 'Version of the collection at the time it was read; usable to start a watch.' }],
    continue: [3, str, { doc: 'Token for fetching the next page when the list was truncated by a limit.' }],
    remainingItemCount: [4, i64, { doc: 'Number of items not yet returned when the list is paged; may be an estimate.', pointer: true }],
  }),
  defineType(meta('LabelSelector'), 'A label query; all matchLabels and matchExpressions must hold. An empty selector matches everything.', {
    matchLabels: [1, map(str), { doc: 'Labels that must be present with exactly these values.' }],
    matchExpressions: [2, list(ref(meta('LabelSelectorRequirement'))), { doc: 'Set-based requirements on labels, all of which must hold.', listType: 'atomic' }],
  }, { structType: 'atomic' }),
  defineType(meta('LabelSelectorRequirement'), 'One set-based label requirement: a key, an operator and values.', {
    key: [1, str, { doc: 'Label key the requirement applies to.', required: true, noOmitEmpty: true }],
    operator: [2, str, { doc: 'How the key relates to the values: In, NotIn, Exists or DoesNotExist.', required: true, noOmitEmpty: true }],
    values: [3, list(str), { doc: 'Values for In/NotIn (non-empty); must be empty for Exists/DoesNotExist.', listType: 'atomic' }],
  }),
  defineType(meta('OwnerReference'), 'Points at an object in the same namespace that owns this one.', {
    apiVersion: [5, str, { doc: 'API version of the owner.', required: true, noOmitEmpty: true }],
    kind: [1, str, { doc: 'Kind of the owner.', required: true, noOmitEmpty: true }],
    name: [3, str, { doc: 'Name of the owner.', required: true, noOmitEmpty: true }],
    uid: [4, str, { doc: 'UID of the owner.', required: true, noOmitEmpty: true }],
    controller: [6, bool, { doc: 'Marks the owner that manages this object; at most one reference may set it.', pointer: true }],
    blockOwnerDeletion: [7, bool, { doc: 'With foreground deletion, the owner is not removed until this dependent is gone.', pointer: true }],
  }, { structType: 'atomic' }),
  defineType(meta('ManagedFieldsEntry'), "One field manager's ownership record: who, with which operation, of which fields.", {
    manager: [1, str, { doc: 'Name of the workflow (field manager) owning these fields.' }],
    operation: [2, str, { doc: 'How the fields were written: Apply or Update.' }],
    apiVersion: [3, str, { doc: 'Group/version whose field paths the fieldsV1 set uses.' }],
    time: [4, time, { doc: 'When the entry last changed ownership.', pointer: true }],
    fieldsType: [6, str, { doc: 'Format of the field set; always FieldsV1.' }],
    fieldsV1: [7, fieldsV1, { doc: 'The owned fields, as a FieldsV1 trie.', pointer: true }],
    subresource: [8, str, { doc: 'Subresource through which the fields were written, empty for the main resource.' }],
  }),
  defineType(meta('Condition'), 'A standard status condition: a type, its True/False/Unknown status and why it last changed.', {
    type: [1, str, { doc: 'Condition type in CamelCase, optionally domain-prefixed.', required: true, noOmitEmpty: true }],
    status: [2, str, { doc: 'True, False or Unknown.', required: true, noOmitEmpty: true }],
    observedGeneration: [3, i64, { doc: 'metadata.generation the condition was computed from.' }],
    lastTransitionTime: [4, time, { doc: 'When status last changed value.', required: true, noOmitEmpty: true }],
    reason: [5, str, { doc: 'CamelCase machine-readable reason for the last transition.', required: true, noOmitEmpty: true }],
    message: [6, str, { doc: 'Human-readable details about the last transition; may be empty.', required: true, noOmitEmpty: true }],
  }),
  defineType(meta('Status'), 'The result of an operation that returns no object, chiefly errors.', {
    metadata: [1, ref(meta('ListMeta')), { doc: 'List-style metadata; normally empty.' }],
    status: [2, str, { doc: 'Success or Failure.' }],
    message: [3, str, { doc: 'Human-readable description of the outcome.' }],
    reason: [4, str, { doc: 'Machine-readable reason for a failure, such as NotFound or Conflict.' }],
    details: [5, ref(meta('StatusDetails')), { doc: 'Extra data about the failure (the object concerned, field causes, retry delay).', pointer: true, listType: 'atomic' }],
    code: [6, i32, { doc: 'Suggested HTTP status code; 0 if unset.' }],
  }, { gvk: { ...V1, kind: 'Status' } }),
  defineType(meta('StatusDetails'), 'Extra information attached to a Status about the object and causes of a failure.', {
    name: [1, str, { doc: 'Name of the object the status is about.' }],
    group: [2, str, { doc: 'API group of the object the status is about.' }],
    kind: [3, str, { doc: 'Kind of the object the status is about.' }],
    uid: [6, str, { doc: 'UID of the object the status is about.' }],
    causes: [4, list(ref(meta('StatusCause'))), { doc: 'Individual causes, such as invalid fields.', listType: 'atomic' }],
    retryAfterSeconds: [5, i32, { doc: 'Seconds the client should wait before retrying.' }],
  }),
  defineType(meta('StatusCause'), 'One cause of a failure, possibly tied to a field.', {
    reason: [1, str, { doc: 'Machine-readable cause, such as FieldValueInvalid.' }],
    message: [2, str, { doc: 'Human-readable explanation of the cause.' }],
    field: [3, str, { doc: 'JSON path of the offending field, e.g. spec.containers[0].name.' }],
  }),
  defineType(meta('DeleteOptions'), 'Options of a DELETE request.', {
    gracePeriodSeconds: [1, i64, { doc: "Seconds to wait before deleting; 0 deletes immediately, unset uses the kind's default.", pointer: true }],
    preconditions: [2, ref(meta('Preconditions')), { doc: 'UID and/or resourceVersion the object must still have; otherwise 409 Conflict.', pointer: true }],
    orphanDependents: [3, bool, { doc: 'Deprecated: true orphans the dependents; use propagationPolicy instead.', pointer: true }],
    propagationPolicy: [4, str, { doc: 'How dependents are garbage-collected: Orphan, Background or Foreground.', pointer: true }],
    dryRun: [5, list(str), { doc: 'Validate only, persist nothing; the only value is All.', listType: 'atomic' }],
    ignoreStoreReadErrorWithClusterBreakingPotential: [6, bool, { doc: 'Force the deletion of an object that can no longer be read from storage (unsafe).', pointer: true }],
  }, { gvk: ALL_GROUP_VERSIONS.map((gv) => ({ ...gv, kind: 'DeleteOptions' })) }),
  defineType(meta('Preconditions'), 'Conditions on the stored object that must hold for the operation to proceed.', {
    uid: [1, str, { doc: 'Required UID of the object.', pointer: true }],
    resourceVersion: [2, str, { doc: 'Required resourceVersion of the object.', pointer: true }],
  }),
  defineType(meta('APIResource'), 'Discovery entry describing one resource: names, scope, kind and verbs.', {
    name: [1, str, { doc: 'Plural resource name (the URL segment), possibly with /subresource.', required: true, noOmitEmpty: true }],
    singularName: [6, str, { doc: 'Singular resource name.', required: true, noOmitEmpty: true }],
    namespaced: [2, bool, { doc: 'Whether objects of this resource live in namespaces.', required: true, noOmitEmpty: true }],
    group: [8, str, { doc: "Preferred group of the resource when it differs from the list's (subresources)." }],
    version: [9, str, { doc: "Preferred version of the resource when it differs from the list's (subresources)." }],
    kind: [3, str, { doc: 'Kind served by this resource.', required: true, noOmitEmpty: true }],
    verbs: [4, ref(meta('Verbs')), { doc: 'Verbs the resource supports (get, list, watch, create, update, patch, delete, deletecollection, …).', required: true, noOmitEmpty: true }],
    shortNames: [5, list(str), { doc: 'Short aliases accepted by kubectl.', listType: 'atomic' }],
    categories: [7, list(str), { doc: 'Group names the resource belongs to, such as all.', listType: 'atomic' }],
    storageVersionHash: [10, str, { doc: 'Opaque hash of the storage version, for detecting storage version changes.' }],
  }),
  defineType(meta('APIResourceList'), 'Discovery document listing the resources of one group/version.', {
    groupVersion: [1, str, { doc: 'The group/version these resources belong to.', required: true, noOmitEmpty: true }],
    resources: [2, list(ref(meta('APIResource'))), { doc: 'The resources served in this group/version.', required: true, noOmitEmpty: true, listType: 'atomic' }],
  }, { gvk: { ...V1, kind: 'APIResourceList' } }),
  defineType(meta('APIGroup'), 'Discovery entry for one API group: its versions and the preferred one.', {
    name: [1, str, { doc: 'Group name.', required: true, noOmitEmpty: true }],
    versions: [2, list(ref(meta('GroupVersionForDiscovery'))), { doc: 'Versions served for this group.', required: true, noOmitEmpty: true, listType: 'atomic' }],
    preferredVersion: [3, ref(meta('GroupVersionForDiscovery')), { doc: 'Version clients should use by default.' }],
    serverAddressByClientCIDRs: [4, list(ref(meta('ServerAddressByClientCIDR'))), { doc: 'Server addresses to use per client network; may be empty.', listType: 'atomic' }],
  }, { gvk: { ...V1, kind: 'APIGroup' } }),
  defineType(meta('APIGroupList'), 'Discovery document listing every API group, served at /apis.', {
    groups: [1, list(ref(meta('APIGroup'))), { doc: 'The API groups.', required: true, noOmitEmpty: true, listType: 'atomic' }],
  }, { gvk: { ...V1, kind: 'APIGroupList' } }),
  defineType(meta('APIVersions'), 'Discovery document listing the versions of the legacy core API, served at /api.', {
    versions: [1, list(str), { doc: 'Available versions of the core API.', required: true, noOmitEmpty: true, listType: 'atomic' }],
    serverAddressByClientCIDRs: [2, list(ref(meta('ServerAddressByClientCIDR'))), { doc: 'Server addresses to use per client network.', required: true, noOmitEmpty: true, listType: 'atomic' }],
  }, { gvk: { ...V1, kind: 'APIVersions' } }),
  defineType(meta('GroupVersionForDiscovery'), 'One group/version as named in discovery.', {
    groupVersion: [1, str, { doc: 'The group and version as group/version.', required: true, noOmitEmpty: true }],
    version: [2, str, { doc: 'The version alone.', required: true, noOmitEmpty: true }],
  }),
  defineType(meta('ServerAddressByClientCIDR'), 'The server address clients in a given network should use.', {
    clientCIDR: [1, str, { doc: 'Network the client address is matched against.', required: true, noOmitEmpty: true }],
    serverAddress: [2, str, { doc: 'Address (host, host:port or IP) for clients in that network.', required: true, noOmitEmpty: true }],
  }),
  defineType(meta('WatchEvent'), 'One event of a watch stream.', {
    type: [1, str, { doc: 'ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.', required: true, noOmitEmpty: true }],
    object: [2, rawExtension, { doc: 'The object concerned (a Status for ERROR events).', required: true, noOmitEmpty: true }],
  }, { gvk: ALL_GROUP_VERSIONS.map((gv) => ({ ...gv, kind: 'WatchEvent' })) }),
  defineType(meta('Patch'), 'The body of a PATCH request; its format depends on the content type.', {}),
  defineType(meta('FieldSelectorRequirement'), 'One set-based requirement on a field value.', {
    key: [1, str, { doc: 'Field path the requirement applies to.', required: true, noOmitEmpty: true }],
    operator: [2, str, { doc: 'How the field relates to the values: In, NotIn, Exists or DoesNotExist.', required: true, noOmitEmpty: true }],
    values: [3, list(str), { doc: 'Values for In/NotIn (non-empty); must be empty for Exists/DoesNotExist.', listType: 'atomic' }],
  }),
  defineType(meta('Verbs'), 'A list of API verbs; a named string list in Go, hence a wrapper message on the protobuf wire.', {
    items: [1, list(str), { doc: 'The verbs.' }],
  }, { listWrapper: true }),
];
