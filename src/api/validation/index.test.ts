import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object.js';
import { builtinNameRules, builtinStrategies, createBuiltinStrategies, nameRuleFor, validateObjectMeta } from './index.js';
import { defaulted, render } from './testing/validation-harness.js';

const podSpec = { containers: [{ name: 'c', image: 'busybox:1.36' }] };
const labelled = { metadata: { labels: { app: 'x' } }, spec: podSpec };
const selector = { matchLabels: { app: 'x' } };
const ns = { namespace: 'default' };

/** One minimal valid object per strategy key (as a client would send it). */
const VALID: Readonly<Record<string, Record<string, unknown>>> = {
  Pod: { metadata: { name: 'p', ...ns }, spec: podSpec },
  PodTemplate: { metadata: { name: 't', ...ns }, template: labelled },
  ReplicationController: { metadata: { name: 'rc', ...ns }, spec: { template: labelled } },
  Service: { metadata: { name: 's', ...ns }, spec: { ports: [{ port: 80 }], selector: { app: 'x' } } },
  Endpoints: { metadata: { name: 's', ...ns }, subsets: [{ addresses: [{ ip: '10.42.0.1' }], ports: [{ port: 80 }] }] },
  Node: { metadata: { name: 'n1' }, spec: {}, status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' } } },
  Namespace: { metadata: { name: 'team' } },
  ConfigMap: { metadata: { name: 'cm', ...ns }, data: { a: 'b' } },
  Secret: { metadata: { name: 'sec', ...ns }, stringData: { a: 'b' } },
  ServiceAccount: { metadata: { name: 'sa', ...ns } },
  PersistentVolume: { metadata: { name: 'pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } },
  PersistentVolumeClaim: { metadata: { name: 'pvc', ...ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  LimitRange: { metadata: { name: 'lr', ...ns }, spec: { limits: [{ type: 'Container', max: { cpu: '2' } }] } },
  ResourceQuota: { metadata: { name: 'rq', ...ns }, spec: { hard: { pods: '10' } } },
  Event: { metadata: { name: 'p.1', ...ns }, involvedObject: { kind: 'Pod', name: 'p', ...ns }, reason: 'Started', message: 'ok', type: 'Normal' },
  'Deployment.apps': { metadata: { name: 'd', ...ns }, spec: { selector, template: labelled } },
  'ReplicaSet.apps': { metadata: { name: 'rs', ...ns }, spec: { selector, template: labelled } },
  'StatefulSet.apps': { metadata: { name: 'sts', ...ns }, spec: { selector, serviceName: 'sts', template: labelled } },
  'DaemonSet.apps': { metadata: { name: 'ds', ...ns }, spec: { selector, template: labelled } },
  'ControllerRevision.apps': { metadata: { name: 'cr', ...ns }, data: { spec: {} }, revision: 1 },
  'Job.batch': {
    metadata: { name: 'j', uid: 'u', ...ns },
    spec: {
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
      template: {
        metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u', 'batch.kubernetes.io/job-name': 'j', 'controller-uid': 'u', 'job-name': 'j' } },
        spec: { ...podSpec, restartPolicy: 'Never' },
      },
    },
  },
  'CronJob.batch': { metadata: { name: 'cj', ...ns }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'OnFailure' } } } } } },
  'Ingress.networking.k8s.io': { metadata: { name: 'i', ...ns }, spec: { defaultBackend: { service: { name: 's', port: { name: 'http' } } } } },
  'IngressClass.networking.k8s.io': { metadata: { name: 'ic' }, spec: { controller: 'example.com/ingress' } },
  'NetworkPolicy.networking.k8s.io': { metadata: { name: 'np', ...ns }, spec: { podSelector: {} } },
  'PodDisruptionBudget.policy': { metadata: { name: 'pdb', ...ns }, spec: { maxUnavailable: '50%', selector } },
  'Role.rbac.authorization.k8s.io': { metadata: { name: 'r', ...ns }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
  'ClusterRole.rbac.authorization.k8s.io': { metadata: { name: 'cr' }, rules: [] },
  'RoleBinding.rbac.authorization.k8s.io': { metadata: { name: 'rb', ...ns }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs' }] },
  'ClusterRoleBinding.rbac.authorization.k8s.io': { metadata: { name: 'crb' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'sa', ...ns }] },
  'StorageClass.storage.k8s.io': { metadata: { name: 'sc' }, provisioner: 'example.com/csi' },
  'PriorityClass.scheduling.k8s.io': { metadata: { name: 'pc' }, value: 100 },
  'Lease.coordination.k8s.io': { metadata: { name: 'l', ...ns }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } },
  'CertificateSigningRequest.certificates.k8s.io': {
    metadata: { name: 'csr' },
    // A PEM PKCS#10 request for CN=test (openssl req, EC P-256), base64 as JSON carries []byte.
    spec: { request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIS01IRUNBUUF3RHpFTk1Bc0dBMVVFQXd3RWRHVnpkREJaTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSApBMElBQk5JTlZ1WitVeStsQXE3VFpDbjAyT0VpSXdoWVNxSXZiY2tLTHE3eUdvVFlZRW9wME1NaGtsVkZIdjIvCmhzZWNFTi8rWFkwYnR0L1ZRMy9vaXRGTWhXdWdBREFLQmdncWhrak9QUVFEQWdOSkFEQkdBaUVBdnYyRzI3RzMKYVBZbGJBODFENFJpK3NqTlFSdnpMdUJXZG9hN3diTDB4cnNDSVFEZXdVeVRRcFlkbytOSGxmanlKTFFkdFdPSgpwTUdKTnJReUFpWXYwcUhtaVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
  },
  'EndpointSlice.discovery.k8s.io': { metadata: { name: 'es', ...ns }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.9'] }], ports: [{ port: 80 }] },
  'HorizontalPodAutoscaler.autoscaling': { metadata: { name: 'h', ...ns }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3 } },
  'MutatingWebhookConfiguration.admissionregistration.k8s.io': {
    metadata: { name: 'mw' },
    webhooks: [{ name: 'inject.example.com', clientConfig: { service: { namespace: 'ns', name: 'svc' } }, sideEffects: 'None', admissionReviewVersions: ['v1'] }],
  },
  'ValidatingWebhookConfiguration.admissionregistration.k8s.io': {
    metadata: { name: 'vw' },
    webhooks: [{ name: 'check.example.com', clientConfig: { url: 'https://hooks.example.com/check' }, sideEffects: 'NoneOnDryRun', admissionReviewVersions: ['v1', 'v1beta1'] }],
  },
  'APIService.apiregistration.k8s.io': {
    metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: { service: { namespace: 'kube-system', name: 'metrics-server' }, group: 'metrics.k8s.io', version: 'v1beta1', insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 },
  },
  'Event.events.k8s.io': {
    metadata: { name: 'e', ...ns },
    eventTime: '2024-05-01T10:00:00.000000Z',
    regarding: { kind: 'Pod', name: 'p', ...ns },
    reportingController: 'example.com/ctl',
    reportingInstance: 'ctl-1',
    action: 'Act',
    reason: 'Reason',
    type: 'Warning',
  },
};

const CLUSTER_SCOPED = new Set([
  'Node',
  'Namespace',
  'PersistentVolume',
  'IngressClass.networking.k8s.io',
  'ClusterRole.rbac.authorization.k8s.io',
  'ClusterRoleBinding.rbac.authorization.k8s.io',
  'StorageClass.storage.k8s.io',
  'PriorityClass.scheduling.k8s.io',
  'CertificateSigningRequest.certificates.k8s.io',
  'MutatingWebhookConfiguration.admissionregistration.k8s.io',
  'ValidatingWebhookConfiguration.admissionregistration.k8s.io',
  'APIService.apiregistration.k8s.io',
]);

const WITH_STATUS = [
  'Pod',
  'CertificateSigningRequest.certificates.k8s.io',
  'ReplicationController',
  'Service',
  'Node',
  'Namespace',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ResourceQuota',
  'Deployment.apps',
  'ReplicaSet.apps',
  'StatefulSet.apps',
  'DaemonSet.apps',
  'Job.batch',
  'CronJob.batch',
  'Ingress.networking.k8s.io',
  'PodDisruptionBudget.policy',
  'HorizontalPodAutoscaler.autoscaling',
  'APIService.apiregistration.k8s.io',
];

describe('builtinStrategies', () => {
  it('covers every built-in kind this module owns', () => {
    expect(Object.keys(builtinStrategies).sort()).toEqual(Object.keys(VALID).sort());
    for (const k of WITH_STATUS) expect(builtinStrategies[k].validateStatusUpdate, k).toBeTypeOf('function');
  });

  for (const [key, raw] of Object.entries(VALID)) {
    it(`${key}: a defaulted valid object passes create, no-op update and metadata validation`, () => {
      const s = builtinStrategies[key];
      const obj = defaulted(key, raw);
      expect(render(s.validate?.(obj) ?? []), 'create').toEqual([]);
      expect(render(s.validateUpdate?.(obj, structuredClone(obj)) ?? []), 'update').toEqual([]);
      if (s.validateStatusUpdate) expect(render(s.validateStatusUpdate(obj, structuredClone(obj))), 'status').toEqual([]);
      const meta = validateObjectMeta(obj.metadata, { namespaced: !CLUSTER_SCOPED.has(key), nameRule: nameRuleFor(key) });
      expect(render(meta), 'metadata').toEqual([]);
    });
  }

  it('returns each distinct error once', () => {
    // Job update re-validates the spec (as upstream does twice); errors must not repeat.
    const job = defaulted('Job.batch', { ...VALID['Job.batch'], spec: { ...(VALID['Job.batch'].spec as object), parallelism: -1 } }) as KubeObject;
    const errs = render(builtinStrategies['Job.batch'].validateUpdate?.(job, structuredClone(job)) ?? []);
    expect(errs).toEqual(['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('accepts a custom node port range', () => {
    const strategies = createBuiltinStrategies({ service: { nodePortRange: { min: 1000, max: 2000 } } });
    const svc = defaulted('Service', { metadata: { name: 's', ...ns }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 1500 }] } });
    expect(strategies.Service.validate?.(svc)).toEqual([]);
    expect(render(builtinStrategies.Service.validate?.(svc) ?? [])).toEqual([
      'spec.ports[0].nodePort: Invalid value: 1500: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
  });

  it('names the non-default name rules', () => {
    expect(nameRuleFor('Deployment.apps')).toBe('subdomain');
    expect(builtinNameRules['StatefulSet.apps']).toBe('label');
    const sts = validateObjectMeta({ name: 'db.v1', namespace: 'default' }, { namespaced: true, nameRule: nameRuleFor('StatefulSet.apps') });
    expect(render(sts)).toEqual(['metadata.name: Invalid value: "db.v1": must not contain dots']);
  });
});
