/**
 * authorization.k8s.io/v1: the access review kinds (self, local, subject, rules) and their parts. These are
 * create-only virtual resources.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, bool, defineType, list, map, meta, objectMetaField, ref, str } from '../dsl.js';

const authz = (kind: string): string => api('authorization', 'v1', kind);
const GV = { group: 'authorization.k8s.io', version: 'v1' } as const;

export const authorizationV1Types: readonly TypeDef[] = [
  defineType(authz('SelfSubjectAccessReview'), 'Asks whether the calling user may perform an action; answered immediately, never stored.', {
    metadata: objectMetaField,
    spec: [2, ref(authz('SelfSubjectAccessReviewSpec')), { required: true, noOmitEmpty: true, doc: 'The action to check.' }],
    status: [3, ref(authz('SubjectAccessReviewStatus')), { doc: 'The answer: allowed or not, and why.' }],
  }, { gvk: { ...GV, kind: 'SelfSubjectAccessReview' } }),
  defineType(authz('SelfSubjectAccessReviewSpec'), 'The action to check for the calling user; exactly one attribute set is given.', {
    resourceAttributes: [1, ref(authz('ResourceAttributes')), { pointer: true, doc: 'Attributes of a request on a resource.' }],
    nonResourceAttributes: [2, ref(authz('NonResourceAttributes')), { pointer: true, doc: 'Attributes of a request on a non-resource URL.' }],
  }),
  defineType(authz('NonResourceAttributes'), 'A request to a URL that is not an API resource, such as /healthz.', {
    path: [1, str, { doc: 'URL path of the request.' }],
    verb: [2, str, { doc: 'Lowercase HTTP verb of the request, e.g. get.' }],
  }),
  defineType(authz('ResourceAttributes'), 'A request on an API resource, as seen by the authorizer.', {
    namespace: [1, str, {
      doc: 'Namespace of the request; empty means all namespaces for namespaced resources, and is ignored for cluster-scoped ones.',
    }],
    verb: [2, str, { doc: 'API verb, e.g. get, list, watch, create, update, patch, delete; * means all.' }],
    group: [3, str, { doc: 'API group of the resource; * means all.' }],
    version: [4, str, { doc: 'API version of the resource; * means all.' }],
    resource: [5, str, { doc: 'Resource name, e.g. pods; * means all.' }],
    subresource: [6, str, { doc: 'Subresource, e.g. log or status; empty means the resource itself.' }],
    name: [7, str, { doc: 'Object name for get, update, patch and delete; empty means all names.' }],
    fieldSelector: [8, ref(authz('FieldSelectorAttributes')), { pointer: true, doc: 'Field selector limiting a list or watch request.' }],
    labelSelector: [9, ref(authz('LabelSelectorAttributes')), { pointer: true, doc: 'Label selector limiting a list or watch request.' }],
  }),
  defineType(authz('FieldSelectorAttributes'), 'A field selector of a request, given raw or as parsed requirements (not both).', {
    rawSelector: [1, str, { doc: 'The selector in its query-string form, e.g. spec.nodeName=n1.' }],
    requirements: [2, list(ref(meta('FieldSelectorRequirement'))), { listType: 'atomic', doc: 'The selector as parsed requirements.' }],
  }),
  defineType(authz('LabelSelectorAttributes'), 'A label selector of a request, given raw or as parsed requirements (not both).', {
    rawSelector: [1, str, { doc: 'The selector in its query-string form, e.g. app=web,tier!=db.' }],
    requirements: [2, list(ref(meta('LabelSelectorRequirement'))), { listType: 'atomic', doc: 'The selector as parsed requirements.' }],
  }),
  defineType(authz('SubjectAccessReviewStatus'), "The authorizer's answer to an access review.", {
    allowed: [1, bool, { required: true, noOmitEmpty: true, doc: 'The action is allowed.' }],
    denied: [4, bool, {
      doc: 'The action is explicitly denied; when both are false no authorizer had an opinion. Never true together with allowed.',
    }],
    reason: [2, str, { doc: 'Why the answer was given, when the authorizer says.' }],
    evaluationError: [3, str, { doc: 'Problem met while evaluating the policy; the answer may still be usable.' }],
  }),
  defineType(authz('SelfSubjectRulesReview'), 'Lists what the calling user may do in a namespace; an approximation meant for UIs, never stored.', {
    metadata: objectMetaField,
    spec: [2, ref(authz('SelfSubjectRulesReviewSpec')), { required: true, noOmitEmpty: true, doc: 'The namespace to evaluate.' }],
    status: [3, ref(authz('SubjectRulesReviewStatus')), { doc: 'Rules the user has there.' }],
  }, { gvk: { ...GV, kind: 'SelfSubjectRulesReview' } }),
  defineType(authz('SelfSubjectRulesReviewSpec'), 'Parameters of a rules review.', {
    namespace: [1, str, { doc: 'Namespace whose rules are listed.' }],
  }),
  defineType(authz('SubjectRulesReviewStatus'), 'Rules a user has in a namespace; may be incomplete depending on the authorizers.', {
    resourceRules: [1, list(ref(authz('ResourceRule'))), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Allowed actions on resources; order does not matter.',
    }],
    nonResourceRules: [2, list(ref(authz('NonResourceRule'))), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Allowed actions on non-resource URLs; order does not matter.',
    }],
    incomplete: [3, bool, {
      required: true, noOmitEmpty: true,
      doc: 'Some authorizer could not list its rules, so the lists may be missing entries.',
    }],
    evaluationError: [4, str, { doc: 'Problem met while listing the rules.' }],
  }),
  defineType(authz('NonResourceRule'), 'Actions allowed on non-resource URLs.', {
    verbs: [1, list(str), { required: true, listType: 'atomic', noOmitEmpty: true, doc: 'Lowercase HTTP verbs allowed, e.g. get; * allows all.' }],
    nonResourceURLs: [2, list(str), { listType: 'atomic', doc: 'URL paths allowed; a trailing * matches prefixes.' }],
  }),
  defineType(authz('ResourceRule'), 'Actions allowed on resources; * is a wildcard.', {
    verbs: [1, list(str), { required: true, listType: 'atomic', noOmitEmpty: true, doc: 'Verbs allowed; * allows all.' }],
    apiGroups: [2, list(str), { listType: 'atomic', doc: 'API groups of the resources; * allows all.' }],
    resources: [3, list(str), { listType: 'atomic', doc: 'Resources covered, e.g. pods or pods/log; * allows all.' }],
    resourceNames: [4, list(str), { listType: 'atomic', doc: 'Object names the rule is limited to; empty allows all names.' }],
  }),
  defineType(authz('SubjectAccessReview'), 'Asks whether a given user or group may perform an action; answered immediately, never stored.', {
    metadata: objectMetaField,
    spec: [2, ref(authz('SubjectAccessReviewSpec')), { required: true, noOmitEmpty: true, doc: 'The user and the action to check.' }],
    status: [3, ref(authz('SubjectAccessReviewStatus')), { doc: 'The answer: allowed or not, and why.' }],
  }, { gvk: { ...GV, kind: 'SubjectAccessReview' } }),
  defineType(authz('SubjectAccessReviewSpec'), 'A user (with groups and extra attributes) and an action to check; exactly one attribute set is given.', {
    resourceAttributes: [1, ref(authz('ResourceAttributes')), { pointer: true, doc: 'Attributes of a request on a resource.' }],
    nonResourceAttributes: [2, ref(authz('NonResourceAttributes')), { pointer: true, doc: 'Attributes of a request on a non-resource URL.' }],
    user: [3, str, { doc: 'User name to check; either user or groups must be set.' }],
    groups: [4, list(str), { listType: 'atomic', doc: 'Groups to check.' }],
    extra: [5, map(ref(authz('ExtraValue'))), { doc: 'Extra authenticator attributes of the user, passed through to the authorizer.' }],
    uid: [6, str, { doc: 'UID of the user.' }],
  }),
  defineType(authz('ExtraValue'), 'The values of one extra user attribute; a plain string array in JSON.', {
    items: [1, list(str), { doc: 'Attribute values.' }],
  }, { listWrapper: true }),
  defineType(authz('LocalSubjectAccessReview'), 'A SubjectAccessReview confined to one namespace, so namespace admins may be allowed to create it.', {
    metadata: objectMetaField,
    spec: [2, ref(authz('SubjectAccessReviewSpec')), {
      required: true, noOmitEmpty: true,
      doc: "The user and the action to check; the namespace must equal the object's namespace.",
    }],
    status: [3, ref(authz('SubjectAccessReviewStatus')), { doc: 'The answer: allowed or not, and why.' }],
  }, { gvk: { ...GV, kind: 'LocalSubjectAccessReview' } }),
];
