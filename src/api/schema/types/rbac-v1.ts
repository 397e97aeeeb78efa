/**
 * rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding and their parts.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, defineList, defineType, list, meta, objectMetaField, ref, str } from '../dsl.js';

const rbac = (kind: string): string => api('rbac', 'v1', kind);
const GV = { group: 'rbac.authorization.k8s.io', version: 'v1' } as const;

export const rbacV1Types: readonly TypeDef[] = [
  defineType(rbac('Role'), 'A namespaced set of permission rules.', {
    metadata: objectMetaField,
    rules: [2, list(ref(rbac('PolicyRule'))), { listType: 'atomic', noOmitEmpty: true, doc: 'Permissions granted by this role.' }],
  }, { gvk: { ...GV, kind: 'Role' } }),
  defineList(rbac('Role'), { ...GV, kind: 'Role' }),
  defineType(rbac('PolicyRule'), 'One permission: verbs allowed on resources or non-resource URLs.', {
    verbs: [1, list(str), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Verbs allowed, e.g. get, list, watch, create; * allows all.',
    }],
    apiGroups: [2, list(str), { listType: 'atomic', doc: 'API groups of the resources; "" is the core group and * allows all.' }],
    resources: [3, list(str), { listType: 'atomic', doc: 'Resources the rule covers, e.g. pods or pods/log; * allows all.' }],
    resourceNames: [4, list(str), { listType: 'atomic', doc: 'Object names the rule is limited to; empty allows all names.' }],
    nonResourceURLs: [5, list(str), {
      listType: 'atomic',
      doc: 'URL paths (ending with * for prefixes) the rule covers; only meaningful in ClusterRoles.',
    }],
  }),
  defineType(rbac('RoleBinding'), 'Grants a Role or ClusterRole to subjects within one namespace.', {
    metadata: objectMetaField,
    subjects: [2, list(ref(rbac('Subject'))), { listType: 'atomic', doc: 'Users, groups or service accounts receiving the role.' }],
    roleRef: [3, ref(rbac('RoleRef')), {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'The Role or ClusterRole granted; cannot change once set.',
    }],
  }, { gvk: { ...GV, kind: 'RoleBinding' } }),
  defineList(rbac('RoleBinding'), { ...GV, kind: 'RoleBinding' }),
  defineType(rbac('RoleRef'), 'Points to the role a binding grants.', {
    apiGroup: [1, str, { required: true, noOmitEmpty: true, doc: 'API group of the role, rbac.authorization.k8s.io.' }],
    kind: [2, str, { required: true, noOmitEmpty: true, doc: 'Role or ClusterRole.' }],
    name: [3, str, { required: true, noOmitEmpty: true, doc: 'Name of the role.' }],
  }, { structType: 'atomic' }),
  defineType(rbac('Subject'), 'A user, group or service account.', {
    kind: [1, str, { required: true, noOmitEmpty: true, doc: 'User, Group or ServiceAccount.' }],
    apiGroup: [2, str, { doc: 'rbac.authorization.k8s.io for users and groups; empty for service accounts.' }],
    name: [3, str, { required: true, noOmitEmpty: true, doc: 'Name of the subject.' }],
    namespace: [4, str, { doc: 'Namespace of a service account subject.' }],
  }, { structType: 'atomic' }),
  defineType(rbac('ClusterRole'), 'A cluster-wide set of permission rules, possibly aggregated from other ClusterRoles.', {
    metadata: objectMetaField,
    rules: [2, list(ref(rbac('PolicyRule'))), {
      listType: 'atomic', noOmitEmpty: true,
      doc: 'Permissions granted by this role; computed by the controller when aggregationRule is set.',
    }],
    aggregationRule: [3, ref(rbac('AggregationRule')), { pointer: true, doc: 'Selects ClusterRoles whose rules are combined into this one.' }],
  }, { gvk: { ...GV, kind: 'ClusterRole' } }),
  defineList(rbac('ClusterRole'), { ...GV, kind: 'ClusterRole' }),
  defineType(rbac('AggregationRule'), 'How a ClusterRole collects rules from other ClusterRoles.', {
    clusterRoleSelectors: [1, list(ref(meta('LabelSelector'))), {
      listType: 'atomic',
      doc: 'Label queries; rules of every matching ClusterRole are added.',
    }],
  }),
  defineType(rbac('ClusterRoleBinding'), 'Grants a ClusterRole to subjects across the whole cluster.', {
    metadata: objectMetaField,
    subjects: [2, list(ref(rbac('Subject'))), { listType: 'atomic', doc: 'Users, groups or service accounts receiving the role.' }],
    roleRef: [3, ref(rbac('RoleRef')), {
      required: true, immutable: true, noOmitEmpty: true,
      doc: 'The ClusterRole granted; cannot change once set.',
    }],
  }, { gvk: { ...GV, kind: 'ClusterRoleBinding' } }),
  defineList(rbac('ClusterRoleBinding'), { ...GV, kind: 'ClusterRoleBinding' }),
];
