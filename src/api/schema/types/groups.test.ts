import { describe, expect, it } from 'vitest';
import type { FieldDef, TypeDef, TypeRef } from '../dsl.js';
import { CORE, META } from '../dsl.js';
import { SchemaRegistry } from '../registry.js';
import { admissionregistrationV1Types } from './admissionregistration-v1.js';
import { apiextensionsV1Types } from './apiextensions-v1.js';
import { apiregistrationV1Types } from './apiregistration-v1.js';
import { appsV1Types } from './apps-v1.js';
import { authenticationV1Types } from './authentication-v1.js';
import { authorizationV1Types } from './authorization-v1.js';
import { autoscalingV1Types } from './autoscaling-v1.js';
import { autoscalingV2Types } from './autoscaling-v2.js';
import { batchV1Types } from './batch-v1.js';
import { certificatesV1Types } from './certificates-v1.js';
import { coordinationV1Types } from './coordination-v1.js';
import { discoveryV1Types } from './discovery-v1.js';
import { eventsV1Types } from './events-v1.js';
import { groupTypes } from './groups.js';
import { metricsV1beta1Types } from './metrics-v1beta1.js';
import { networkingV1Types } from './networking-v1.js';
import { policyV1Types } from './policy-v1.js';
import { rbacV1Types } from './rbac-v1.js';
import { schedulingV1Types } from './scheduling-v1.js';
import { storageV1Types } from './storage-v1.js';

const EXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
const AGG = 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.';

/** Each file's array with the name prefix all of its types must carry. */
const FILES: ReadonlyArray<readonly [string, readonly TypeDef[]]> = [
  ['io.k8s.api.apps.v1.', appsV1Types],
  ['io.k8s.api.batch.v1.', batchV1Types],
  ['io.k8s.api.autoscaling.v1.', autoscalingV1Types],
  ['io.k8s.api.autoscaling.v2.', autoscalingV2Types],
  ['io.k8s.api.certificates.v1.', certificatesV1Types],
  ['io.k8s.api.coordination.v1.', coordinationV1Types],
  ['io.k8s.api.discovery.v1.', discoveryV1Types],
  ['io.k8s.api.events.v1.', eventsV1Types],
  ['io.k8s.api.networking.v1.', networkingV1Types],
  ['io.k8s.api.storage.v1.', storageV1Types],
  ['io.k8s.api.policy.v1.', policyV1Types],
  ['io.k8s.api.rbac.v1.', rbacV1Types],
  ['io.k8s.api.scheduling.v1.', schedulingV1Types],
  ['io.k8s.api.admissionregistration.v1.', admissionregistrationV1Types],
  [EXT, apiextensionsV1Types],
  [AGG, apiregistrationV1Types],
  ['io.k8s.api.authorization.v1.', authorizationV1Types],
  ['io.k8s.api.authentication.v1.', authenticationV1Types],
  ['io.k8s.metrics.pkg.apis.metrics.v1beta1.', metricsV1beta1Types],
];

/** Top-level kinds per group version; `true` = also served as a collection, so a <Kind>List exists. */
const KINDS: Record<string, Record<string, boolean>> = {
  'apps/v1': { Deployment: true, ReplicaSet: true, StatefulSet: true, DaemonSet: true, ControllerRevision: true },
  'batch/v1': { Job: true, CronJob: true },
  'certificates.k8s.io/v1': { CertificateSigningRequest: true },
  'autoscaling/v1': { HorizontalPodAutoscaler: true, Scale: false },
  'autoscaling/v2': { HorizontalPodAutoscaler: true },
  'coordination.k8s.io/v1': { Lease: true },
  'discovery.k8s.io/v1': { EndpointSlice: true },
  'events.k8s.io/v1': { Event: true },
  'networking.k8s.io/v1': { Ingress: true, IngressClass: true, NetworkPolicy: true },
  'storage.k8s.io/v1': { StorageClass: true, CSIDriver: true, CSINode: true, CSIStorageCapacity: true, VolumeAttachment: true },
  'policy/v1': { PodDisruptionBudget: true, Eviction: false },
  'rbac.authorization.k8s.io/v1': { Role: true, RoleBinding: true, ClusterRole: true, ClusterRoleBinding: true },
  'scheduling.k8s.io/v1': { PriorityClass: true },
  'admissionregistration.k8s.io/v1': { MutatingWebhookConfiguration: true, ValidatingWebhookConfiguration: true },
  'apiextensions.k8s.io/v1': { CustomResourceDefinition: true, ConversionReview: false },
  'apiregistration.k8s.io/v1': { APIService: true },
  'authorization.k8s.io/v1': { SelfSubjectAccessReview: false, SelfSubjectRulesReview: false, SubjectAccessReview: false, LocalSubjectAccessReview: false },
  'authentication.k8s.io/v1': { TokenReview: false, TokenRequest: false, SelfSubjectReview: false },
  'metrics.k8s.io/v1beta1': { NodeMetrics: true, PodMetrics: true },
};

/** meta/v1 and core/v1 names these groups may reference (defined by the meta/core files). */
const EXTERNAL_REFS = [
  'ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'FieldSelectorRequirement', 'Condition', 'DeleteOptions', 'Status',
].map((k) => META + k).concat(
  ['PodTemplateSpec', 'PersistentVolumeClaim', 'PersistentVolumeSpec', 'ObjectReference', 'TypedLocalObjectReference', 'TopologySelectorTerm', 'EventSource'].map(
    (k) => CORE + k,
  ),
);

const registry = new SchemaRegistry(groupTypes);

function field(type: string, name: string): FieldDef {
  const f = registry.field(type, name);
  if (!f) throw new Error(`no field ${type}.${name}`);
  return f;
}

const apps = (k: string) => `io.k8s.api.apps.v1.${k}`;
const batch = (k: string) => `io.k8s.api.batch.v1.${k}`;
const net = (k: string) => `io.k8s.api.networking.v1.${k}`;

function refsOf(t: TypeRef): string[] {
  if (t.t === 'ref') return [t.name];
  if (t.t === 'list') return refsOf(t.items);
  if (t.t === 'map') return refsOf(t.values);
  return [];
}

const allFields = (): Array<[TypeDef, FieldDef]> => groupTypes.flatMap((t) => t.fields.map((f): [TypeDef, FieldDef] => [t, f]));

describe('non-core group type definitions: registry integrity', () => {
  it('loads every definition once; groupTypes is exactly the union of the per-group arrays', () => {
    const names = groupTypes.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(FILES.reduce((n, [, defs]) => n + defs.length, 0));
    expect([...registry.types()].length).toBe(names.length);
    expect(names.length).toBeGreaterThan(200);
  });

  it('keeps each group version in its own file and name space', () => {
    for (const [prefix, defs] of FILES) {
      expect(defs.length).toBeGreaterThan(0);
      for (const d of defs) expect(d.name.startsWith(prefix), d.name).toBe(true);
    }
  });

  it('resolves every reference except the known meta/v1 and core/v1 names', () => {
    const dangling = registry.danglingReferences();
    const unexpected = dangling.filter((d) => !d.includes(`→ ${META}`) && !d.includes(`→ ${CORE}`));
    expect(unexpected).toEqual([]);
    const external = new Set(dangling.map((d) => d.slice(d.indexOf('→ ') + 2)));
    expect([...external].sort()).toEqual([...EXTERNAL_REFS].sort());
  });

  it('documents every type and field on one line', () => {
    for (const t of groupTypes) {
      expect(t.doc?.trim(), t.name).toBeTruthy();
      expect(t.doc).not.toMatch(/\n/);
      for (const f of t.fields) {
        expect(f.doc?.trim(), `${t.name}.${f.name}`).toBeTruthy();
        expect(f.doc, `${t.name}.${f.name}`).not.toMatch(/\n/);
      }
    }
  });

  it('declares gvk for exactly the expected top-level kinds and their lists', () => {
    const expected = new Set<string>();
    for (const [gv, kinds] of Object.entries(KINDS)) {
      const [group, version] = gv.split('/') as [string, string];
      for (const [kind, listed] of Object.entries(kinds)) {
        const def = registry.byGvk({ group, version, kind });
        expect(def, `${gv} ${kind}`).toBeDefined();
        expect(def?.name.endsWith(`.${version}.${kind}`)).toBe(true);
        // ConversionReview is a webhook envelope: TypeMeta only, no ObjectMeta.
        if (kind !== 'ConversionReview') expect(def?.fields.find((f) => f.name === 'metadata')?.proto, kind).toBe(1);
        expected.add(`${gv}/${kind}`);
        const list = registry.byGvk({ group, version, kind: `${kind}List` });
        if (!listed) {
          expect(list, `${gv} ${kind}List`).toBeUndefined();
          continue;
        }
        expected.add(`${gv}/${kind}List`);
        expect(list?.name).toBe(`${def?.name}List`);
        expect(field(`${def?.name}List`, 'items').type).toEqual({ t: 'list', items: { t: 'ref', name: def?.name } });
        expect(field(`${def?.name}List`, 'metadata').type).toEqual({ t: 'ref', name: `${META}ListMeta` });
      }
    }
    const declared = groupTypes.flatMap((t) => (t.gvk ?? []).map((g) => `${g.group}/${g.version}/${g.kind}`));
    expect(declared.sort()).toEqual([...expected].sort());
  });
});

describe('non-core group type definitions: structural invariants', () => {
  it('uses positive, unique proto numbers per type', () => {
    for (const t of groupTypes) {
      const nums = t.fields.map((f) => f.proto);
      expect(new Set(nums).size, t.name).toBe(nums.length);
      for (const n of nums) expect(Number.isInteger(n) && n > 0, t.name).toBe(true);
    }
  });

  it('puts list metadata only on lists, with consistent map keys and merge keys', () => {
    for (const [t, f] of allFields()) {
      const at = `${t.name}.${f.name}`;
      if (f.listType !== undefined) expect(f.type.t, at).toBe('list');
      if (f.listType === 'map') expect(f.listMapKeys?.length, at).toBeGreaterThan(0);
      else expect(f.listMapKeys, at).toBeUndefined();
      if (f.patchMergeKey !== undefined) {
        expect(f.patchStrategy, at).toMatch(/merge/);
        expect(f.type.t, at).toBe('list');
      }
      if (f.patchStrategy?.includes('merge') && f.type.t === 'list' && f.type.items.t === 'ref') expect(f.patchMergeKey, at).toBeDefined();
      // Keys must name fields of the element type whenever that type is defined here.
      if (f.type.t === 'list' && f.type.items.t === 'ref' && registry.has(f.type.items.name)) {
        for (const k of [...(f.listMapKeys ?? []), ...(f.patchMergeKey ? [f.patchMergeKey] : [])]) {
          expect(registry.field(f.type.items.name, k), `${at} key ${k}`).toBeDefined();
        }
      }
      if (f.pointer) expect(['list', 'map'], at).not.toContain(f.type.t);
    }
  });

  it('lists enum values sorted and unique', () => {
    const enums = allFields().flatMap(([t, f]) => {
      const inner = f.type.t === 'list' ? f.type.items : f.type;
      return inner.t === 'scalar' && inner.enum ? [[`${t.name}.${f.name}`, inner.enum] as const] : [];
    });
    expect(enums.length).toBeGreaterThan(15);
    for (const [at, values] of enums) {
      expect(values.length, at).toBeGreaterThan(1);
      expect([...values].sort(), at).toEqual(values);
      expect(new Set(values).size, at).toBe(values.length);
    }
  });

  it('models named string slices as list wrappers with a single items field', () => {
    const wrappers = groupTypes.filter((t) => t.listWrapper);
    expect(wrappers.map((t) => t.name).sort()).toEqual(['io.k8s.api.authentication.v1.ExtraValue', 'io.k8s.api.authorization.v1.ExtraValue', 'io.k8s.api.certificates.v1.ExtraValue']);
    for (const w of wrappers) {
      expect(w.fields).toHaveLength(1);
      expect(w.fields[0]).toMatchObject({ name: 'items', proto: 1, type: { t: 'list', items: { t: 'scalar', scalar: 'string' } } });
    }
  });

  it('references only types that exist or are well-known external names', () => {
    const known = new Set([...groupTypes.map((t) => t.name), ...EXTERNAL_REFS]);
    for (const [t, f] of allFields()) for (const r of refsOf(f.type)) expect(known.has(r), `${t.name}.${f.name} → ${r}`).toBe(true);
  });
});

describe('non-core group type definitions: upstream facts (Kubernetes 1.32)', () => {
  it('apps/v1 Deployment', () => {
    expect(field(apps('DeploymentSpec'), 'replicas')).toMatchObject({ proto: 1, pointer: true, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(apps('DeploymentSpec'), 'replicas').required).toBeUndefined();
    expect(field(apps('DeploymentSpec'), 'selector')).toMatchObject({ proto: 2, required: true, pointer: true, immutable: true });
    expect(field(apps('DeploymentSpec'), 'template')).toMatchObject({ proto: 3, required: true, type: { t: 'ref', name: `${CORE}PodTemplateSpec` } });
    expect(field(apps('DeploymentSpec'), 'strategy')).toMatchObject({ proto: 4, patchStrategy: 'retainKeys' });
    expect(field(apps('DeploymentSpec'), 'progressDeadlineSeconds').proto).toBe(9);
    expect(registry.fieldByProto(apps('DeploymentSpec'), 8)).toBeUndefined();
    expect(field(apps('DeploymentStrategy'), 'type').type).toEqual({ t: 'scalar', scalar: 'string', enum: ['Recreate', 'RollingUpdate'] });
    expect(field(apps('RollingUpdateDeployment'), 'maxSurge')).toMatchObject({ proto: 2, pointer: true, type: { t: 'special', special: 'IntOrString' } });
    expect(field(apps('DeploymentStatus'), 'readyReplicas').proto).toBe(7);
    expect(field(apps('DeploymentStatus'), 'conditions')).toMatchObject({
      proto: 6,
      patchStrategy: 'merge',
      patchMergeKey: 'type',
      listType: 'map',
      listMapKeys: ['type'],
    });
    expect(field(apps('DeploymentCondition'), 'lastUpdateTime')).toMatchObject({ proto: 6, type: { t: 'special', special: 'Time' } });
    expect(field(apps('DeploymentCondition'), 'type')).toMatchObject({ required: true, noOmitEmpty: true });
  });

  it('apps/v1 StatefulSet, DaemonSet, ReplicaSet and ControllerRevision', () => {
    expect(field(apps('StatefulSetSpec'), 'serviceName')).toMatchObject({ proto: 5, required: true, immutable: true });
    expect(field(apps('StatefulSetSpec'), 'volumeClaimTemplates')).toMatchObject({
      proto: 4,
      listType: 'atomic',
      type: { t: 'list', items: { t: 'ref', name: `${CORE}PersistentVolumeClaim` } },
    });
    expect(field(apps('StatefulSetSpec'), 'persistentVolumeClaimRetentionPolicy')).toMatchObject({ proto: 10, pointer: true });
    expect(field(apps('StatefulSetSpec'), 'ordinals')).toMatchObject({ proto: 11, pointer: true });
    expect(field(apps('StatefulSetOrdinals'), 'start')).toMatchObject({ proto: 1, noOmitEmpty: true });
    expect(field(apps('StatefulSetSpec'), 'podManagementPolicy').type).toMatchObject({ enum: ['OrderedReady', 'Parallel'] });
    expect(field(apps('StatefulSetStatus'), 'availableReplicas')).toMatchObject({ proto: 11, noOmitEmpty: true });
    expect(field(apps('DaemonSetStatus'), 'numberMisscheduled')).toMatchObject({ proto: 2, required: true });
    expect(field(apps('DaemonSetSpec'), 'revisionHistoryLimit').proto).toBe(6);
    expect(field(apps('ReplicaSetSpec'), 'template').required).toBeUndefined();
    expect(field(apps('ReplicaSetStatus'), 'replicas').required).toBe(true);
    expect(field(apps('ControllerRevision'), 'data')).toMatchObject({ proto: 2, type: { t: 'special', special: 'RawExtension' } });
    expect(field(apps('ControllerRevision'), 'revision')).toMatchObject({ proto: 3, required: true, type: { t: 'scalar', scalar: 'int64' } });
  });

  it('batch/v1 Job and CronJob', () => {
    expect(field(batch('JobSpec'), 'podFailurePolicy')).toMatchObject({ proto: 11, pointer: true, immutable: true });
    expect(field(batch('JobSpec'), 'successPolicy').proto).toBe(16);
    expect(field(batch('JobSpec'), 'managedBy')).toMatchObject({ proto: 15, pointer: true });
    expect(field(batch('JobSpec'), 'completionMode').type).toEqual({ t: 'scalar', scalar: 'string', enum: ['Indexed', 'NonIndexed'] });
    expect(field(batch('JobSpec'), 'podReplacementPolicy').type).toMatchObject({ enum: ['Failed', 'TerminatingOrFailed'] });
    expect(field(batch('JobSpec'), 'template').required).toBe(true);
    expect(field(batch('PodFailurePolicyRule'), 'action').type).toMatchObject({ enum: ['Count', 'FailIndex', 'FailJob', 'Ignore'] });
    expect(field(batch('PodFailurePolicyOnExitCodesRequirement'), 'values')).toMatchObject({
      listType: 'set',
      type: { t: 'list', items: { t: 'scalar', scalar: 'int32' } },
    });
    // Job conditions merge by type for SMP but are atomic for server-side apply.
    expect(field(batch('JobStatus'), 'conditions')).toMatchObject({ proto: 1, patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' });
    expect(field(batch('JobStatus'), 'terminating')).toMatchObject({ proto: 11, pointer: true });
    expect(field(batch('UncountedTerminatedPods'), 'failed').listType).toBe('set');
    expect(field(batch('CronJobSpec'), 'timeZone')).toMatchObject({ proto: 8, pointer: true });
    expect(field(batch('CronJobSpec'), 'jobTemplate')).toMatchObject({ proto: 5, required: true, type: { t: 'ref', name: batch('JobTemplateSpec') } });
    expect(field(batch('CronJobStatus'), 'lastSuccessfulTime')).toMatchObject({ proto: 5, pointer: true });
  });

  it('autoscaling v1 and v2', () => {
    const v1 = (k: string) => `io.k8s.api.autoscaling.v1.${k}`;
    const v2 = (k: string) => `io.k8s.api.autoscaling.v2.${k}`;
    expect(registry.get(v1('CrossVersionObjectReference')).structType).toBe('atomic');
    expect(registry.get(v2('CrossVersionObjectReference')).structType).toBeUndefined();
    expect(field(v1('ScaleSpec'), 'replicas').required).toBeUndefined();
    expect(field(v1('ScaleStatus'), 'selector').proto).toBe(2);
    expect(registry.has(v1('MetricSpec'))).toBe(false);
    expect(field(v2('HorizontalPodAutoscalerSpec'), 'behavior')).toMatchObject({ proto: 5, pointer: true });
    expect(field(v2('HPAScalingRules'), 'stabilizationWindowSeconds').proto).toBe(3);
    expect(field(v2('MetricSpec'), 'containerResource').proto).toBe(7);
    expect(field(v2('MetricTarget'), 'averageValue')).toMatchObject({ proto: 3, pointer: true, type: { t: 'special', special: 'Quantity' } });
    expect(field(v2('HorizontalPodAutoscalerStatus'), 'currentMetrics')).toMatchObject({ listType: 'atomic', noOmitEmpty: true });
    expect(field(v2('HorizontalPodAutoscalerStatus'), 'conditions')).toMatchObject({ patchMergeKey: 'type', listMapKeys: ['type'] });
  });

  it('coordination, discovery and events', () => {
    expect(field('io.k8s.api.coordination.v1.LeaseSpec', 'renewTime')).toMatchObject({ proto: 4, pointer: true, type: { t: 'special', special: 'MicroTime' } });
    expect(field('io.k8s.api.coordination.v1.LeaseSpec', 'preferredHolder').proto).toBe(7);
    const d = (k: string) => `io.k8s.api.discovery.v1.${k}`;
    expect(field(d('EndpointSlice'), 'addressType')).toMatchObject({ proto: 4, required: true, immutable: true, type: { enum: ['FQDN', 'IPv4', 'IPv6'] } });
    expect(field(d('EndpointSlice'), 'endpoints')).toMatchObject({ proto: 2, required: true, listType: 'atomic' });
    expect(field(d('EndpointSlice'), 'endpoints').patchStrategy).toBeUndefined();
    expect(field(d('Endpoint'), 'addresses')).toMatchObject({ listType: 'set', required: true });
    expect(field(d('Endpoint'), 'deprecatedTopology').type).toEqual({ t: 'map', values: { t: 'scalar', scalar: 'string' } });
    expect(field(d('EndpointConditions'), 'serving').pointer).toBe(true);
    expect(registry.get(d('EndpointPort')).structType).toBe('atomic');
    expect(field(d('EndpointPort'), 'protocol').type).toMatchObject({ enum: ['SCTP', 'TCP', 'UDP'] });
    const e = (k: string) => `io.k8s.api.events.v1.${k}`;
    expect(field(e('Event'), 'eventTime')).toMatchObject({ proto: 2, required: true, type: { t: 'special', special: 'MicroTime' } });
    expect(field(e('Event'), 'metadata')).toMatchObject({ proto: 1, noOmitEmpty: true });
    expect(field(e('Event'), 'deprecatedCount').proto).toBe(15);
    expect(field(e('EventSeries'), 'lastObservedTime').type).toEqual({ t: 'special', special: 'MicroTime' });
  });

  it('networking/v1', () => {
    expect(field(net('HTTPIngressPath'), 'pathType')).toMatchObject({
      proto: 3,
      required: true,
      pointer: true,
      type: { enum: ['Exact', 'ImplementationSpecific', 'Prefix'] },
    });
    // IngressRuleValue is inlined in JSON (IngressRule has `http`); on the wire it is the message at field 2.
    expect(registry.get(net('IngressRule')).fields.find((f) => f.name === 'ingressRuleValue')).toMatchObject({ proto: 2, inline: true, type: { t: 'ref', name: net('IngressRuleValue') } });
    expect(field(net('IngressRule'), 'http')).toMatchObject({ proto: 1, pointer: true, type: { t: 'ref', name: net('HTTPIngressRuleValue') } });
    expect(registry.jsonFields(net('IngressRule')).map((f) => f.name)).toEqual(['host', 'http']);
    expect(field(net('IngressBackend'), 'service').proto).toBe(4);
    expect(registry.get(net('ServiceBackendPort')).structType).toBe('atomic');
    expect(field(net('IngressSpec'), 'ingressClassName').proto).toBe(4);
    expect(field(net('IngressClassParametersReference'), 'scope')).toMatchObject({ proto: 4, pointer: true, noOmitEmpty: true });
    expect(field(net('IngressClassSpec'), 'controller').immutable).toBe(true);
    expect(field(net('NetworkPolicySpec'), 'podSelector')).toMatchObject({ required: true, type: { t: 'ref', name: `${META}LabelSelector` } });
    expect(field(net('NetworkPolicySpec'), 'policyTypes').type).toEqual({ t: 'list', items: { t: 'scalar', scalar: 'string', enum: ['Egress', 'Ingress'] } });
    expect(field(net('NetworkPolicyPort'), 'port')).toMatchObject({ proto: 2, pointer: true, type: { t: 'special', special: 'IntOrString' } });
    expect(field(net('NetworkPolicyIngressRule'), 'from').proto).toBe(2);
    expect(field(net('IPBlock'), 'except').listType).toBe('atomic');
  });

  it('storage, policy and scheduling', () => {
    const s = (k: string) => `io.k8s.api.storage.v1.${k}`;
    expect(field(s('StorageClass'), 'provisioner')).toMatchObject({ proto: 2, required: true, immutable: true });
    expect(field(s('StorageClass'), 'reclaimPolicy').type).toMatchObject({ enum: ['Delete', 'Recycle', 'Retain'] });
    expect(field(s('StorageClass'), 'volumeBindingMode').type).toMatchObject({ enum: ['Immediate', 'WaitForFirstConsumer'] });
    expect(field(s('StorageClass'), 'allowedTopologies').type).toEqual({ t: 'list', items: { t: 'ref', name: `${CORE}TopologySelectorTerm` } });
    expect(field(s('CSINodeSpec'), 'drivers')).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
    expect(field(s('CSIStorageCapacity'), 'capacity').type).toEqual({ t: 'special', special: 'Quantity' });
    expect(field(s('VolumeAttachmentSource'), 'inlineVolumeSpec').type).toEqual({ t: 'ref', name: `${CORE}PersistentVolumeSpec` });
    const p = (k: string) => `io.k8s.api.policy.v1.${k}`;
    expect(field(p('PodDisruptionBudgetSpec'), 'selector')).toMatchObject({ proto: 2, patchStrategy: 'replace', pointer: true });
    expect(field(p('PodDisruptionBudgetSpec'), 'maxUnavailable').type).toEqual({ t: 'special', special: 'IntOrString' });
    expect(field(p('PodDisruptionBudgetStatus'), 'disruptedPods').type).toEqual({ t: 'map', values: { t: 'special', special: 'Time' } });
    expect(field(p('PodDisruptionBudgetStatus'), 'conditions')).toMatchObject({
      proto: 7,
      listMapKeys: ['type'],
      type: { t: 'list', items: { t: 'ref', name: `${META}Condition` } },
    });
    expect(field(p('Eviction'), 'deleteOptions')).toMatchObject({ proto: 2, pointer: true, type: { t: 'ref', name: `${META}DeleteOptions` } });
    const pc = 'io.k8s.api.scheduling.v1.PriorityClass';
    expect(field(pc, 'value')).toMatchObject({ proto: 2, required: true, immutable: true, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(pc, 'preemptionPolicy').type).toMatchObject({ enum: ['Never', 'PreemptLowerPriority'] });
  });

  it('admissionregistration.k8s.io/v1 webhook configurations', () => {
    const a = (k: string) => `io.k8s.api.admissionregistration.v1.${k}`;
    for (const cfg of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(field(a(cfg), 'webhooks')).toMatchObject({ proto: 2, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
      expect(field(a(cfg), 'webhooks').required).toBeUndefined();
    }
    for (const hook of ['MutatingWebhook', 'ValidatingWebhook']) {
      expect(field(a(hook), 'name')).toMatchObject({ proto: 1, required: true });
      expect(field(a(hook), 'clientConfig')).toMatchObject({ proto: 2, required: true, type: { t: 'ref', name: a('WebhookClientConfig') } });
      expect(field(a(hook), 'rules')).toMatchObject({ proto: 3, listType: 'atomic' });
      expect(field(a(hook), 'failurePolicy')).toMatchObject({ proto: 4, pointer: true, type: { enum: ['Fail', 'Ignore'] } });
      expect(field(a(hook), 'matchPolicy')).toMatchObject({ proto: 9, pointer: true, type: { enum: ['Equivalent', 'Exact'] } });
      expect(field(a(hook), 'namespaceSelector')).toMatchObject({ proto: 5, pointer: true, type: { t: 'ref', name: `${META}LabelSelector` } });
      // sideEffects has no omitempty: a nil pointer is sent as null, and the OpenAPI marks it required.
      expect(field(a(hook), 'sideEffects')).toMatchObject({ proto: 6, pointer: true, required: true, noOmitEmpty: true, type: { enum: ['None', 'NoneOnDryRun', 'Some', 'Unknown'] } });
      expect(field(a(hook), 'timeoutSeconds')).toMatchObject({ proto: 7, pointer: true, type: { t: 'scalar', scalar: 'int32' } });
      expect(field(a(hook), 'admissionReviewVersions')).toMatchObject({ proto: 8, required: true, listType: 'atomic' });
    }
    expect(field(a('ValidatingWebhook'), 'objectSelector').proto).toBe(10);
    expect(field(a('ValidatingWebhook'), 'matchConditions')).toMatchObject({ proto: 11, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
    expect(field(a('MutatingWebhook'), 'objectSelector').proto).toBe(11);
    expect(field(a('MutatingWebhook'), 'reinvocationPolicy')).toMatchObject({ proto: 10, pointer: true, type: { enum: ['IfNeeded', 'Never'] } });
    expect(field(a('MutatingWebhook'), 'matchConditions').proto).toBe(12);
    expect(registry.field(a('ValidatingWebhook'), 'reinvocationPolicy')).toBeUndefined();
    // Rule is embedded inline: its fields are JSON members of RuleWithOperations, the message at field 2 on the wire.
    expect(registry.get(a('RuleWithOperations')).fields.find((f) => f.name === 'rule')).toMatchObject({ proto: 2, inline: true });
    expect(registry.jsonFields(a('RuleWithOperations')).map((f) => f.name)).toEqual(['operations', 'apiGroups', 'apiVersions', 'resources', 'scope']);
    expect(field(a('RuleWithOperations'), 'operations').type).toEqual({ t: 'list', items: { t: 'scalar', scalar: 'string', enum: ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'] } });
    expect(field(a('Rule'), 'scope')).toMatchObject({ proto: 4, pointer: true, type: { enum: ['*', 'Cluster', 'Namespaced'] } });
    expect(field(a('WebhookClientConfig'), 'url')).toMatchObject({ proto: 3, pointer: true });
    expect(field(a('WebhookClientConfig'), 'service')).toMatchObject({ proto: 1, pointer: true });
    expect(field(a('WebhookClientConfig'), 'caBundle')).toMatchObject({ proto: 2, type: { t: 'scalar', scalar: 'bytes' } });
    expect(field(a('ServiceReference'), 'namespace')).toMatchObject({ proto: 1, required: true });
    expect(field(a('ServiceReference'), 'port')).toMatchObject({ proto: 4, pointer: true });
    expect(field(a('MatchCondition'), 'expression')).toMatchObject({ proto: 2, required: true });
  });

  it('rbac.authorization.k8s.io/v1', () => {
    const r = (k: string) => `io.k8s.api.rbac.v1.${k}`;
    expect(field(r('RoleBinding'), 'subjects')).toMatchObject({ proto: 2, listType: 'atomic' });
    expect(field(r('RoleBinding'), 'subjects').patchStrategy).toBeUndefined();
    expect(field(r('RoleBinding'), 'roleRef')).toMatchObject({ proto: 3, required: true, immutable: true });
    expect(field(r('ClusterRoleBinding'), 'roleRef').immutable).toBe(true);
    expect(registry.get(r('RoleRef')).structType).toBe('atomic');
    expect(registry.get(r('Subject')).structType).toBe('atomic');
    expect(field(r('Role'), 'rules')).toMatchObject({ proto: 2, listType: 'atomic', noOmitEmpty: true });
    expect(field(r('Role'), 'rules').required).toBeUndefined();
    expect(field(r('PolicyRule'), 'verbs')).toMatchObject({ proto: 1, required: true });
    expect(field(r('PolicyRule'), 'nonResourceURLs').proto).toBe(5);
    expect(field(r('ClusterRole'), 'aggregationRule')).toMatchObject({ proto: 3, pointer: true });
    expect(field(r('AggregationRule'), 'clusterRoleSelectors').type).toEqual({ t: 'list', items: { t: 'ref', name: `${META}LabelSelector` } });
  });

  it('apiextensions.k8s.io/v1', () => {
    const x = (k: string) => EXT + k;
    expect(field(x('JSONSchemaProps'), 'properties').type).toEqual({ t: 'map', values: { t: 'ref', name: x('JSONSchemaProps') } });
    expect(field(x('JSONSchemaProps'), '$ref')).toMatchObject({ proto: 3, pointer: true });
    expect(field(x('JSONSchemaProps'), '$schema').proto).toBe(2);
    expect(field(x('JSONSchemaProps'), 'x-kubernetes-preserve-unknown-fields')).toMatchObject({ proto: 38, pointer: true });
    expect(field(x('JSONSchemaProps'), 'x-kubernetes-validations')).toMatchObject({
      proto: 44,
      patchStrategy: 'merge',
      patchMergeKey: 'rule',
      listType: 'map',
      listMapKeys: ['rule'],
    });
    for (const union of ['items', 'additionalProperties', 'additionalItems']) expect(field(x('JSONSchemaProps'), union).type).toEqual({ t: 'special', special: 'JSON' });
    expect(field(x('JSONSchemaProps'), 'dependencies').type).toEqual({ t: 'map', values: { t: 'special', special: 'JSON' } });
    expect(field(x('JSONSchemaProps'), 'enum').type).toEqual({ t: 'list', items: { t: 'special', special: 'JSON' } });
    expect(field(x('JSONSchemaProps'), 'maximum').type).toEqual({ t: 'scalar', scalar: 'double' });
    expect(field(x('JSONSchemaProps'), 'not').type).toEqual({ t: 'ref', name: x('JSONSchemaProps') });
    expect(field(x('CustomResourceDefinition'), 'spec').required).toBe(true);
    expect(field(x('CustomResourceDefinitionSpec'), 'versions')).toMatchObject({ proto: 7, required: true, listType: 'atomic' });
    expect(field(x('CustomResourceDefinitionSpec'), 'conversion').proto).toBe(9);
    expect(field(x('CustomResourceDefinitionVersion'), 'selectableFields').proto).toBe(9);
    expect(field(x('WebhookClientConfig'), 'caBundle').type).toEqual({ t: 'scalar', scalar: 'bytes' });
    expect(field(x('WebhookClientConfig'), 'url').proto).toBe(3);
    expect(registry.get(x('CustomResourceSubresourceStatus')).fields).toEqual([]);
    expect(field(x('CustomResourceDefinitionStatus'), 'conditions')).toMatchObject({ listType: 'map', listMapKeys: ['type'] });
    expect(field(x('ValidationRule'), 'reason').type).toMatchObject({
      enum: ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'],
    });
    expect(field(x('ConversionResponse'), 'result').type).toEqual({ t: 'ref', name: `${META}Status` });
  });

  it('apiregistration.k8s.io/v1 (kube-aggregator generated.proto)', () => {
    const g = (k: string) => AGG + k;
    expect(field(g('APIService'), 'spec')).toMatchObject({ proto: 2, type: { t: 'ref', name: g('APIServiceSpec') } });
    expect(field(g('APIService'), 'status')).toMatchObject({ proto: 3, type: { t: 'ref', name: g('APIServiceStatus') } });
    // `json:"service"` has no omitempty: null is how a local APIService is written.
    expect(field(g('APIServiceSpec'), 'service')).toMatchObject({ proto: 1, pointer: true, noOmitEmpty: true, type: { t: 'ref', name: g('ServiceReference') } });
    expect(field(g('APIServiceSpec'), 'service').required).toBeUndefined();
    expect(field(g('APIServiceSpec'), 'group').proto).toBe(2);
    expect(field(g('APIServiceSpec'), 'version').proto).toBe(3);
    expect(field(g('APIServiceSpec'), 'insecureSkipTLSVerify')).toMatchObject({ proto: 4, type: { t: 'scalar', scalar: 'boolean' } });
    expect(field(g('APIServiceSpec'), 'caBundle')).toMatchObject({ proto: 5, type: { t: 'scalar', scalar: 'bytes' } });
    // Field 6 (a removed int64 priority) is skipped upstream.
    expect(registry.get(g('APIServiceSpec')).fields.map((f) => f.proto).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(field(g('APIServiceSpec'), 'groupPriorityMinimum')).toMatchObject({ proto: 7, required: true, noOmitEmpty: true, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(g('APIServiceSpec'), 'versionPriority')).toMatchObject({ proto: 8, required: true, noOmitEmpty: true, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(g('ServiceReference'), 'namespace').proto).toBe(1);
    expect(field(g('ServiceReference'), 'name').proto).toBe(2);
    expect(field(g('ServiceReference'), 'port')).toMatchObject({ proto: 3, pointer: true, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(g('APIServiceStatus'), 'conditions')).toMatchObject({ proto: 1, patchStrategy: 'merge', patchMergeKey: 'type', listMapKeys: ['type'] });
    expect(field(g('APIServiceCondition'), 'type')).toMatchObject({ proto: 1, required: true });
    expect(field(g('APIServiceCondition'), 'status')).toMatchObject({ proto: 2, required: true });
    expect(field(g('APIServiceCondition'), 'lastTransitionTime')).toMatchObject({ proto: 3, type: { t: 'special', special: 'Time' } });
    expect(field(g('APIServiceCondition'), 'message').proto).toBe(5);
  });

  it('authorization.k8s.io/v1 and authentication.k8s.io/v1', () => {
    const z = (k: string) => `io.k8s.api.authorization.v1.${k}`;
    expect(field(z('SubjectAccessReviewSpec'), 'extra')).toMatchObject({ proto: 5, type: { t: 'map', values: { t: 'ref', name: z('ExtraValue') } } });
    expect(field(z('SubjectAccessReviewSpec'), 'uid').proto).toBe(6);
    expect(field(z('SelfSubjectAccessReview'), 'status').type).toEqual({ t: 'ref', name: z('SubjectAccessReviewStatus') });
    expect(field(z('LocalSubjectAccessReview'), 'spec').type).toEqual({ t: 'ref', name: z('SubjectAccessReviewSpec') });
    expect(field(z('SubjectAccessReviewStatus'), 'denied').proto).toBe(4);
    expect(field(z('ResourceAttributes'), 'labelSelector')).toMatchObject({ proto: 9, pointer: true });
    expect(field(z('FieldSelectorAttributes'), 'requirements').type).toEqual({ t: 'list', items: { t: 'ref', name: `${META}FieldSelectorRequirement` } });
    expect(field(z('SubjectRulesReviewStatus'), 'incomplete')).toMatchObject({ proto: 3, required: true });
    const n = (k: string) => `io.k8s.api.authentication.v1.${k}`;
    expect(field(n('UserInfo'), 'extra').type).toEqual({ t: 'map', values: { t: 'ref', name: n('ExtraValue') } });
    expect(field(n('TokenRequestSpec'), 'expirationSeconds')).toMatchObject({ proto: 4, pointer: true, noOmitEmpty: true, type: { t: 'scalar', scalar: 'int64' } });
    expect(field(n('TokenRequestSpec'), 'boundObjectRef').proto).toBe(3);
    expect(field(n('TokenRequestStatus'), 'expirationTimestamp')).toMatchObject({ proto: 2, required: true, type: { t: 'special', special: 'Time' } });
    expect(field(n('TokenReviewStatus'), 'audiences').proto).toBe(4);
    expect(field(n('SelfSubjectReview'), 'status').proto).toBe(2);
  });
});
