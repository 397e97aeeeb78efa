/**
 * admissionregistration.k8s.io/v1: MutatingWebhookConfiguration, ValidatingWebhookConfiguration and their parts.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words.
 *
 * The ValidatingAdmissionPolicy kinds of this group version are not served (lite has no CEL), so only the
 * webhook types are defined. `Rule` is embedded inline in RuleWithOperations, as in Go: in JSON its fields sit
 * on the rule itself, on the protobuf wire they are the message at field 2.
 */
import type { FieldSpec, TypeDef } from '../dsl.js';
import { api, bytes, defineList, defineType, enumOf, i32, list, meta, objectMetaField, ref, str } from '../dsl.js';

const ar = (kind: string): string => api('admissionregistration', 'v1', kind);
const GV = { group: 'admissionregistration.k8s.io', version: 'v1' } as const;

// The two webhook structs repeat these fields in the same JSON order; only some proto numbers differ
// (objectSelector, matchConditions), so those are written out in each type.
const name: FieldSpec = [1, str, {
  required: true, noOmitEmpty: true,
  doc: 'Name of the webhook: a fully qualified domain name with at least three labels, unique within the configuration.',
}];
const clientConfig: FieldSpec = [2, ref(ar('WebhookClientConfig')), {
  required: true, noOmitEmpty: true,
  doc: 'How the API server reaches the webhook (a URL or an in-cluster Service) and the CA its serving certificate chains to.',
}];
const rules: FieldSpec = [3, list(ref(ar('RuleWithOperations'))), {
  listType: 'atomic',
  doc: 'Operations on resources that are sent to the webhook; a request matching any rule is sent.',
}];
const failurePolicy: FieldSpec = [4, enumOf('Fail', 'Ignore'), {
  pointer: true,
  doc: 'When the webhook cannot be reached or errs: Fail rejects the request, Ignore lets it through. Defaults to Fail.',
}];
const matchPolicy: FieldSpec = [9, enumOf('Equivalent', 'Exact'), {
  pointer: true,
  doc: 'Exact sends only requests that match the rules literally; Equivalent (the default) also sends requests for the same resource made through another group or version, converted.',
}];
const namespaceSelector: FieldSpec = [5, ref(meta('LabelSelector')), {
  pointer: true,
  doc: "Sends a namespaced object's request only when the labels of its namespace match (a Namespace is matched by its own labels); empty matches all.",
}];
const objectSelector = (proto: number): FieldSpec => [proto, ref(meta('LabelSelector')), {
  pointer: true,
  doc: "Sends a request only when the labels of the object (new or old) match; empty matches all.",
}];
const sideEffects: FieldSpec = [6, enumOf('None', 'NoneOnDryRun', 'Some', 'Unknown'), {
  required: true, pointer: true, noOmitEmpty: true,
  doc: 'Whether calling the webhook changes anything besides the request: new configurations must say None or NoneOnDryRun.',
}];
const timeoutSeconds: FieldSpec = [7, i32, {
  pointer: true,
  doc: 'Seconds the API server waits for an answer, 1 to 30; after that failurePolicy decides. Defaults to 10.',
}];
const admissionReviewVersions: FieldSpec = [8, list(str), {
  required: true, listType: 'atomic', noOmitEmpty: true,
  doc: 'AdmissionReview versions the webhook accepts, preferred first; the API server sends the first it knows (v1 or v1beta1).',
}];
const matchConditions = (proto: number): FieldSpec => [proto, list(ref(ar('MatchCondition'))), {
  patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
  doc: 'CEL conditions a request must all meet to be sent, at most 64. lite does not evaluate CEL and refuses them.',
}];

export const admissionregistrationV1Types: readonly TypeDef[] = [
  defineType(ar('MutatingWebhookConfiguration'), 'Webhooks that may change objects before they are stored.', {
    metadata: objectMetaField,
    webhooks: [2, list(ref(ar('MutatingWebhook'))), {
      patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
      doc: 'The webhooks of this configuration, keyed by name.',
    }],
  }, { gvk: { ...GV, kind: 'MutatingWebhookConfiguration' } }),
  defineList(ar('MutatingWebhookConfiguration'), { ...GV, kind: 'MutatingWebhookConfiguration' }),
  defineType(ar('ValidatingWebhookConfiguration'), 'Webhooks that may accept or reject objects, without changing them, before they are stored.', {
    metadata: objectMetaField,
    webhooks: [2, list(ref(ar('ValidatingWebhook'))), {
      patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
      doc: 'The webhooks of this configuration, keyed by name.',
    }],
  }, { gvk: { ...GV, kind: 'ValidatingWebhookConfiguration' } }),
  defineList(ar('ValidatingWebhookConfiguration'), { ...GV, kind: 'ValidatingWebhookConfiguration' }),
  defineType(ar('MutatingWebhook'), 'One mutating admission webhook: where it lives, which requests it gets and how failures are handled.', {
    name,
    clientConfig,
    rules,
    failurePolicy,
    matchPolicy,
    namespaceSelector,
    objectSelector: objectSelector(11),
    sideEffects,
    timeoutSeconds,
    admissionReviewVersions,
    reinvocationPolicy: [10, enumOf('IfNeeded', 'Never'), {
      pointer: true,
      doc: 'IfNeeded calls the webhook again when a later mutating plugin changed the object; Never (the default) calls it once.',
    }],
    matchConditions: matchConditions(12),
  }),
  defineType(ar('ValidatingWebhook'), 'One validating admission webhook: where it lives, which requests it gets and how failures are handled.', {
    name,
    clientConfig,
    rules,
    failurePolicy,
    matchPolicy,
    namespaceSelector,
    objectSelector: objectSelector(10),
    sideEffects,
    timeoutSeconds,
    admissionReviewVersions,
    matchConditions: matchConditions(11),
  }),
  defineType(ar('RuleWithOperations'), 'Operations together with the group, version and resource patterns they apply to.', {
    operations: [1, list(enumOf('*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE')), {
      listType: 'atomic',
      doc: 'CREATE, UPDATE, DELETE, CONNECT, or * alone for all of them.',
    }],
    rule: [2, ref(ar('Rule')), { inline: true, doc: 'The groups, versions, resources and scope, embedded at the same level.' }],
  }),
  defineType(ar('Rule'), 'Group, version and resource patterns and a scope that requests are matched against.', {
    apiGroups: [1, list(str), { listType: 'atomic', doc: 'API groups matched; "" is the core group and * alone matches all.' }],
    apiVersions: [2, list(str), { listType: 'atomic', doc: 'API versions matched; * alone matches all.' }],
    resources: [3, list(str), {
      listType: 'atomic',
      doc: 'Resources matched, e.g. pods or pods/status; * is every resource, */* every resource and subresource, pods/* every subresource of pods.',
    }],
    scope: [4, enumOf('*', 'Cluster', 'Namespaced'), {
      pointer: true,
      doc: 'Cluster matches only cluster-scoped resources, Namespaced only namespaced ones, * (the default) both.',
    }],
  }),
  defineType(ar('WebhookClientConfig'), 'How to connect to a webhook over TLS: exactly one of url and service.', {
    url: [3, str, {
      pointer: true,
      doc: 'Location of the webhook as https://host[:port][/path], without user info, query or fragment.',
    }],
    service: [1, ref(ar('ServiceReference')), { pointer: true, doc: 'A Service in the cluster that fronts the webhook.' }],
    caBundle: [2, bytes, {
      doc: "PEM CA certificates that sign the webhook's serving certificate, base64 in JSON; the API server's own trust roots when empty.",
    }],
  }),
  defineType(ar('ServiceReference'), 'A Service that fronts a webhook.', {
    namespace: [1, str, { required: true, noOmitEmpty: true, doc: 'Namespace of the Service.' }],
    name: [2, str, { required: true, noOmitEmpty: true, doc: 'Name of the Service.' }],
    path: [3, str, { pointer: true, doc: 'URL path requests are sent to on the Service.' }],
    port: [4, i32, { pointer: true, doc: 'Port of the Service, 1 to 65535; defaults to 443.' }],
  }),
  defineType(ar('MatchCondition'), 'A named CEL expression that must be true for a request to be sent to the webhook.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Name of the condition, a qualified name unique within the webhook.' }],
    expression: [2, str, { required: true, noOmitEmpty: true, doc: 'CEL expression over the request that yields a bool.' }],
  }),
];
