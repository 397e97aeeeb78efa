/**
 * The built-in resource table: which group/version/resources lite serves, as data. Names, short
 * names, categories, verbs and subresources are those kube-apiserver 1.32 advertises in discovery.
 * Per-kind behaviour (defaults, validation, name rules, tables, field selectors) is attached by
 * kind key in the server's wiring (src/server/api-modules.ts), so this file stays a plain table.
 */
import type { ResourceDef, ScalePaths, SubresourceDef, Verb } from './resource.js';
import { ALL_VERBS } from './resource.js';

/** One row of the table before strategies are attached. */
export type BuiltinResource = Omit<ResourceDef, 'strategy' | 'nameRule'>;

const NO_DELETECOLLECTION: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY: readonly Verb[] = ['create'];
const GPU = ['get', 'patch', 'update'] as const;

const REPLICAS_SCALE: ScalePaths = {
  specReplicasPath: 'spec.replicas',
  statusReplicasPath: 'status.replicas',
  labelSelectorPath: 'status.selector',
};

interface Row {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: readonly Verb[];
  subresources?: SubresourceDef[];
  /** Status subresource: /status exists and main-resource writes ignore .status. */
  status?: boolean;
  scale?: boolean;
  generation?: boolean;
  /** Schema type name when it is not io.k8s.api.<pkg>.<version>.<Kind>. */
  schema?: string;
  storage?: { group: string; resource: string; version: string };
  virtual?: boolean;
  statusFields?: string[];
}

/** Package part of the OpenAPI definition name for a group (`apps` → `apps`, `rbac.authorization.k8s.io` → `rbac`). */
function schemaPackage(group: string): string {
  if (group === '') return 'core';
  if (group === 'apiextensions.k8s.io') return 'apiextensions';
  return group.replace(/\.k8s\.io$/, '').split('.')[0];
}

function schemaName(group: string, version: string, kind: string): string {
  if (group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.${kind}`;
  if (group === 'apiregistration.k8s.io') return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}.${kind}`;
  return `io.k8s.api.${schemaPackage(group)}.${version}.${kind}`;
}

/** The verbs kube-apiserver lists for pods/proxy, services/proxy and nodes/proxy. */
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'] as const;

const sub = (name: string, verbs: readonly string[], kind?: SubresourceDef['kind']): SubresourceDef => (kind ? { name, verbs, kind } : { name, verbs });

function build(r: Row): BuiltinResource {
  const subresources: SubresourceDef[] = [...(r.subresources ?? [])];
  if (r.status) subresources.push(sub('status', GPU));
  if (r.scale) subresources.push(sub('scale', GPU, { group: 'autoscaling', version: 'v1', kind: 'Scale' }));
  subresources.sort((a, b) => a.name.localeCompare(b.name));
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    listKind: `${r.kind}List`,
    plural: r.plural,
    singular: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    shortNames: r.shortNames ?? [],
    categories: r.categories ?? [],
    verbs: r.verbs ?? ALL_VERBS,
    subresources,
    schema: r.schema ?? schemaName(r.group, r.version, r.kind),
    tracksGeneration: r.generation ?? false,
    statusFields: r.statusFields ?? ['status'],
    hasStatusSubresource: r.status ?? false,
    ...(r.scale ? { scale: REPLICAS_SCALE } : {}),
    storage: r.storage ?? { group: r.group, resource: r.plural, version: r.version },
    ...(r.virtual ? { virtual: true } : {}),
  };
}

const rows: Row[] = [
  // ---- core/v1 ----
  { group: '', version: 'v1', kind: 'Binding', plural: 'bindings', namespaced: true, verbs: CREATE_ONLY, virtual: true },
  // Read-only, nothing stored: each read probes the control-plane components (deprecated upstream, still served).
  { group: '', version: 'v1', kind: 'ComponentStatus', plural: 'componentstatuses', namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'], virtual: true },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
  { group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    verbs: NO_DELETECOLLECTION,
    status: true,
    subresources: [sub('finalize', ['update'])],
  },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], status: true, subresources: [sub('proxy', PROXY_VERBS, { group: '', version: 'v1', kind: 'NodeProxyOptions' })] },
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], status: true },
  { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], status: true },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    status: true,
    subresources: [
      sub('attach', ['create', 'get'], { group: '', version: 'v1', kind: 'PodAttachOptions' }),
      sub('binding', ['create'], { group: '', version: 'v1', kind: 'Binding' }),
      sub('ephemeralcontainers', ['get', 'patch', 'update']),
      sub('eviction', ['create'], { group: 'policy', version: 'v1', kind: 'Eviction' }),
      sub('exec', ['create', 'get'], { group: '', version: 'v1', kind: 'PodExecOptions' }),
      sub('log', ['get']),
      sub('portforward', ['create', 'get'], { group: '', version: 'v1', kind: 'PodPortForwardOptions' }),
      sub('proxy', PROXY_VERBS, { group: '', version: 'v1', kind: 'PodProxyOptions' }),
    ],
  },
  { group: '', version: 'v1', kind: 'PodTemplate', plural: 'podtemplates', namespaced: true },
  { group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], categories: ['all'], status: true, scale: true, generation: true },
  { group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], status: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [sub('token', ['create'], { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' })],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
    subresources: [sub('proxy', PROXY_VERBS, { group: '', version: 'v1', kind: 'ServiceProxyOptions' })],
  },

  // ---- apps/v1 ----
  { group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], status: true, generation: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], status: true, scale: true, generation: true },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], status: true, scale: true, generation: true },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], status: true, scale: true, generation: true },

  // ---- autoscaling (v2 is the storage and preferred version) ----
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    status: true,
    generation: true,
  },
  {
    group: 'autoscaling',
    version: 'v1',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    status: true,
    generation: true,
    storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers', version: 'v2' },
  },

  // ---- batch/v1 ----
  { group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], status: true, generation: true },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], status: true, generation: true },

  // ---- small groups ----
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    kind: 'CertificateSigningRequest',
    plural: 'certificatesigningrequests',
    namespaced: false,
    shortNames: ['csr'],
    status: true,
    subresources: [sub('approval', GPU)],
  },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
  {
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    storage: { group: '', resource: 'events', version: 'v1' },
  },
  { group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], status: true, generation: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'], generation: true },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], status: true, generation: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] },
  { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'] },
  // Webhook configurations count their spec changes in metadata.generation (upstream's PrepareForUpdate bumps it when
  // webhooks change) and are listed under the api-extensions category, as kube-apiserver 1.32 advertises them.
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
    categories: ['api-extensions'],
    generation: true,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingWebhookConfiguration',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
    categories: ['api-extensions'],
    generation: true,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    status: true,
    generation: true,
  },
  // kube-aggregator's APIService (its registry's Categories() is api-extensions). Not generation-tracked: the
  // aggregator's strategy leaves metadata.generation alone.
  {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    kind: 'APIService',
    plural: 'apiservices',
    namespaced: false,
    categories: ['api-extensions'],
    status: true,
  },

  // ---- resource metrics (kubectl top): read-only, computed from the kubelets' stats ----
  { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics', plural: 'nodes', namespaced: false, verbs: ['get', 'list'], virtual: true, schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics' },
  { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics', plural: 'pods', namespaced: true, verbs: ['get', 'list'], virtual: true, schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics' },

  // ---- review endpoints (create-only, nothing stored) ----
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true, verbs: CREATE_ONLY, virtual: true },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
];

export const builtinResources: readonly BuiltinResource[] = rows.map(build);

/**
 * Group versions in discovery order. The first version of a group is its preferred version
 * (aggregated discovery lists versions preferred-first).
 */
export const builtinGroupVersions: readonly { group: string; versions: readonly string[] }[] = [
  { group: '', versions: ['v1'] },
  { group: 'apiextensions.k8s.io', versions: ['v1'] },
  { group: 'apps', versions: ['v1'] },
  { group: 'events.k8s.io', versions: ['v1'] },
  { group: 'authentication.k8s.io', versions: ['v1'] },
  { group: 'authorization.k8s.io', versions: ['v1'] },
  { group: 'autoscaling', versions: ['v2', 'v1'] },
  { group: 'batch', versions: ['v1'] },
  { group: 'certificates.k8s.io', versions: ['v1'] },
  { group: 'networking.k8s.io', versions: ['v1'] },
  { group: 'policy', versions: ['v1'] },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'] },
  { group: 'storage.k8s.io', versions: ['v1'] },
  { group: 'admissionregistration.k8s.io', versions: ['v1'] },
  { group: 'scheduling.k8s.io', versions: ['v1'] },
  { group: 'coordination.k8s.io', versions: ['v1'] },
  { group: 'discovery.k8s.io', versions: ['v1'] },
  // kube-apiserver's aggregated discovery ranks groups by APIService groupPriorityMinimum. The aggregator's own group
  // has no APIService and keeps the default priority 1000: after every built-in group (16000 and up), before
  // metrics-server's 100. (Legacy /apis lists it first; see apiservice-priorities.ts.)
  { group: 'apiregistration.k8s.io', versions: ['v1'] },
  { group: 'metrics.k8s.io', versions: ['v1beta1'] },
];
