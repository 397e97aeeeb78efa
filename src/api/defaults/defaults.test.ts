import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object.js';
import { builtinDefaulters, defaultPullPolicy, generateJobSelector, normalizeServiceClusterIPs, parseImageReference, prepareServiceUpdate } from './index.js';
import { builtinStrategies } from '../validation/index.js';
import type { JsonObject } from '../json-access.js';

function applyDefaults(key: string, obj: unknown): KubeObject {
  const o = structuredClone(obj) as KubeObject;
  const d = builtinDefaulters[key];
  if (!d) throw new Error(`no defaulter for ${key}`);
  d(o);
  // Defaulting must be idempotent: running it again changes nothing.
  const again = structuredClone(o);
  d(again);
  expect(again).toEqual(o);
  return o;
}

/** The body `kubectl create deployment web --image=nginx` sends (kubectl 1.32). */
const KUBECTL_CREATE_DEPLOYMENT = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
    strategy: {},
  },
  status: {},
};

/** The pod template spec a 1.32 cluster stores for a single-container template. */
function defaultedTemplateSpec(container: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    containers: [{ resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...container }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
    ...extra,
  };
}

describe('workload defaults', () => {
  it('defaults `kubectl create deployment web --image=nginx` exactly as a 1.32 cluster stores it', () => {
    const d = applyDefaults('Deployment.apps', KUBECTL_CREATE_DEPLOYMENT);
    expect(d).toEqual({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: defaultedTemplateSpec({ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always' }),
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {},
    });
  });

  it('keeps explicit values and leaves Recreate strategies alone', () => {
    const d = applyDefaults('Deployment.apps', {
      metadata: { name: 'x' },
      spec: { replicas: 0, revisionHistoryLimit: 0, strategy: { type: 'Recreate' }, template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27', imagePullPolicy: 'Never' }] } } },
    });
    const spec = d.spec as JsonObject;
    expect(spec.replicas).toBe(0);
    expect(spec.revisionHistoryLimit).toBe(0);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    expect((spec.template as { spec: { containers: JsonObject[] } }).spec.containers[0].imagePullPolicy).toBe('Never');
  });

  it('does not default the apps/v1 selector from template labels', () => {
    const rs = applyDefaults('ReplicaSet.apps', { metadata: { name: 'rs' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:v1' }] } } } });
    expect((rs.spec as JsonObject).selector).toBeUndefined();
    expect((rs.spec as JsonObject).replicas).toBe(1);
  });

  it('defaults StatefulSets including claim templates', () => {
    const sts = applyDefaults('StatefulSet.apps', {
      metadata: { name: 'db' },
      spec: {
        selector: { matchLabels: { app: 'db' } },
        serviceName: 'db',
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } }],
      },
    });
    expect(sts.spec).toEqual({
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 10,
      template: { metadata: { creationTimestamp: null, labels: { app: 'db' } }, spec: defaultedTemplateSpec({ name: 'pg', image: 'postgres:16', imagePullPolicy: 'IfNotPresent' }) },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', creationTimestamp: null },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
          status: { phase: 'Pending' },
        },
      ],
    });
  });

  it('defaults DaemonSets', () => {
    const ds = applyDefaults('DaemonSet.apps', { metadata: { name: 'ds' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
    expect((ds.spec as JsonObject).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect((ds.spec as JsonObject).revisionHistoryLimit).toBe(10);
  });

  it('defaults Jobs and generates the selector like the Job registry', () => {
    const body = {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'pi', creationTimestamp: null },
      spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'pi', image: 'perl:5.34', resources: {} }], restartPolicy: 'Never' } } },
      status: {},
    };
    const job = applyDefaults('Job.batch', body);
    generateJobSelector(job as unknown as JsonObject, 'uid-1');
    expect(job).toEqual({
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'pi',
        creationTimestamp: null,
        labels: { 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' },
      },
      spec: {
        parallelism: 1,
        completions: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } },
        template: {
          metadata: {
            creationTimestamp: null,
            labels: { 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' },
          },
          spec: defaultedTemplateSpec({ name: 'pi', image: 'perl:5.34', imagePullPolicy: 'IfNotPresent' }, { restartPolicy: 'Never' }),
        },
      },
      status: {},
    });
  });

  it('follows the parallelism/completions rules and podFailurePolicy-dependent replacement policy', () => {
    const withParallelism = applyDefaults('Job.batch', { metadata: { name: 'j' }, spec: { parallelism: 3, template: { spec: { containers: [] } } } });
    expect((withParallelism.spec as JsonObject).completions).toBeUndefined();
    const withPolicy = applyDefaults('Job.batch', {
      metadata: { name: 'j' },
      spec: { completions: 2, backoffLimitPerIndex: 1, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] }, template: { spec: { containers: [] } } },
    });
    const spec = withPolicy.spec as JsonObject;
    expect(spec.parallelism).toBe(1);
    expect(spec.backoffLimit).toBe(2147483647);
    expect(spec.podReplacementPolicy).toBe('Failed');
    expect(spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
  });

  it('leaves manual selectors alone', () => {
    const job = applyDefaults('Job.batch', { metadata: { name: 'j' }, spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [] } } } });
    generateJobSelector(job as unknown as JsonObject, 'u');
    expect((job.spec as JsonObject).selector).toEqual({ matchLabels: { a: 'b' } });
  });

  it('defaults CronJobs without applying Job defaults to the job template', () => {
    const cj = applyDefaults('CronJob.batch', {
      metadata: { name: 'c' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } } },
    });
    expect(cj.spec).toEqual({
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { creationTimestamp: null },
        spec: { template: { metadata: { creationTimestamp: null }, spec: defaultedTemplateSpec({ name: 'c', image: 'busybox', imagePullPolicy: 'Always' }, { restartPolicy: 'OnFailure' }) } },
      },
    });
  });

  it('defaults ReplicationControllers from their template', () => {
    const rc = applyDefaults('ReplicationController', { metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    expect(rc.metadata.labels).toEqual({ app: 'x' });
    expect((rc.spec as JsonObject).selector).toEqual({ app: 'x' });
    expect((rc.spec as JsonObject).replicas).toBe(1);
  });
});

describe('pod defaults', () => {
  it('defaults a pod like `kubectl run`', () => {
    const pod = applyDefaults('Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'p', image: 'nginx:latest', resources: {} }] } });
    expect(pod.spec).toEqual({ ...defaultedTemplateSpec({ name: 'p', image: 'nginx:latest', imagePullPolicy: 'Always' }), enableServiceLinks: true });
  });

  it('copies limits to missing requests (pods only), canonicalising quantities', () => {
    const container = { name: 'c', image: 'i@sha256:' + 'a'.repeat(64), resources: { limits: { cpu: '0.5', memory: '1024Mi' }, requests: { memory: '256Mi' } } };
    const pod = applyDefaults('Pod', { metadata: { name: 'p' }, spec: { containers: [container] } });
    const c = (pod.spec as { containers: JsonObject[] }).containers[0];
    expect(c.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '256Mi' } });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    const tmpl = applyDefaults('PodTemplate', { metadata: { name: 't' }, template: { spec: { containers: [structuredClone(container)] } } });
    const tc = (tmpl.template as { spec: { containers: JsonObject[] } }).spec.containers[0];
    expect(tc.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { memory: '256Mi' } });
  });

  it('defaults probes, ports, env, volumes and host ports', () => {
    const pod = applyDefaults('Pod', {
      metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'c',
            image: 'i:1',
            ports: [{ containerPort: 8080 }],
            livenessProbe: { httpGet: { port: 8080 } },
            readinessProbe: { grpc: { port: 9000 }, periodSeconds: 5 },
            env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
        volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'cm' } }, { name: 'c', hostPath: { path: '/x' } }, { name: 'd', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
      },
    });
    const spec = pod.spec as { containers: JsonObject[]; volumes: JsonObject[] };
    const c = spec.containers[0];
    expect(c.ports).toEqual([{ containerPort: 8080, protocol: 'TCP', hostPort: 8080 }]);
    expect(c.livenessProbe).toEqual({ httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(c.readinessProbe).toEqual({ grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 });
    expect(c.env).toEqual([{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } }]);
    expect(spec.volumes).toEqual([
      { name: 'a', emptyDir: {} },
      { name: 'b', configMap: { name: 'cm', defaultMode: 420 } },
      { name: 'c', hostPath: { path: '/x', type: '' } },
      { name: 'd', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }], defaultMode: 420 } },
    ]);
  });
});

describe('core defaults', () => {
  it('defaults a ClusterIP service as `kubectl expose` sends it', () => {
    const svc = applyDefaults('Service', { metadata: { name: 'web' }, spec: { ports: [{ port: 80, targetPort: 80 }], selector: { app: 'web' } } });
    expect(svc.spec).toEqual({
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
      selector: { app: 'web' },
      sessionAffinity: 'None',
      type: 'ClusterIP',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
    });
  });

  it('defaults targetPort, LoadBalancer and NodePort fields, and headless services', () => {
    const lb = applyDefaults('Service', { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }], selector: { a: 'b' } } });
    expect(lb.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] });
    const headless = applyDefaults('Service', { metadata: { name: 'h' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } });
    expect(headless.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilyPolicy: 'RequireDualStack' });
    const ext = applyDefaults('Service', { metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect(ext.spec).toEqual({ type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
    const affinity = applyDefaults('Service', { metadata: { name: 'a' }, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 1 }] } });
    expect((affinity.spec as JsonObject).sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it('reconciles clusterIP and clusterIPs on update like the Service registry', () => {
    const next = { spec: { clusterIP: '10.0.0.5' } } as JsonObject;
    normalizeServiceClusterIPs(next, { spec: { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5', 'fd00::5'] } });
    expect((next.spec as JsonObject).clusterIPs).toEqual(['10.0.0.5', 'fd00::5']);
  });

  it('clears fields of the old type when a service changes type (PrepareForUpdate)', () => {
    const stored = applyDefaults('Service', {
      metadata: { name: 'web', namespace: 'default', resourceVersion: '1' },
      spec: { type: 'LoadBalancer', clusterIP: '10.43.0.9', ipFamilies: ['IPv4'], ports: [{ port: 80, nodePort: 31000 }], selector: { a: 'b' } },
    });
    const toClusterIP = structuredClone(stored);
    (toClusterIP.spec as JsonObject).type = 'ClusterIP';
    prepareServiceUpdate(toClusterIP as unknown as JsonObject, stored as unknown as JsonObject);
    expect(toClusterIP.spec).toEqual({
      type: 'ClusterIP',
      clusterIP: '10.43.0.9',
      clusterIPs: ['10.43.0.9'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
      selector: { a: 'b' },
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    });
    expect(builtinStrategies.Service.validateUpdate?.(toClusterIP, stored)).toEqual([]);
    const toExternal = structuredClone(stored);
    Object.assign(toExternal.spec as JsonObject, { type: 'ExternalName', externalName: 'example.com' });
    prepareServiceUpdate(toExternal as unknown as JsonObject, stored as unknown as JsonObject);
    expect(builtinStrategies.Service.validateUpdate?.(toExternal, stored)).toEqual([]);
  });

  it('defaults Secrets, merging stringData into data', () => {
    const s = applyDefaults('Secret', { metadata: { name: 's' }, data: { a: 'eA==' }, stringData: { b: 'hello', a: 'y' } });
    expect(s).toEqual({ metadata: { name: 's' }, type: 'Opaque', data: { a: 'eQ==', b: 'aGVsbG8=' } });
  });

  it('labels namespaces with their name and marks them Active', () => {
    const ns = applyDefaults('Namespace', { metadata: { name: 'team-a' } });
    expect(ns).toEqual({ metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, status: { phase: 'Active' } });
  });

  it('defaults persistent volumes and claims', () => {
    const pv = applyDefaults('PersistentVolume', { metadata: { name: 'pv' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } });
    expect(pv).toEqual({
      metadata: { name: 'pv' },
      spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
    const pvc = applyDefaults('PersistentVolumeClaim', { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } } } });
    expect(pvc).toEqual({
      metadata: { name: 'c' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
  });

  it('defaults node allocatable, endpoint ports and container limit ranges', () => {
    const node = applyDefaults('Node', { metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } });
    expect((node.status as JsonObject).allocatable).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
    const ep = applyDefaults('Endpoints', { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.1.1.1' }], ports: [{ port: 80 }] }] });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '10.1.1.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    const lr = applyDefaults('LimitRange', { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { memory: '512Mi' } }] } });
    expect(lr.spec).toEqual({
      limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2', memory: '512Mi' }, defaultRequest: { cpu: '2', memory: '512Mi' } }],
    });
  });
});

describe('other groups', () => {
  it('defaults NetworkPolicies', () => {
    const np = applyDefaults('NetworkPolicy.networking.k8s.io', { metadata: { name: 'np' }, spec: { egress: [{ ports: [{ port: 53 }] }] } });
    expect(np.spec).toEqual({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
  });

  it('defaults HPAs (autoscaling/v2)', () => {
    const hpa = applyDefaults('HorizontalPodAutoscaler.autoscaling', {
      metadata: { name: 'h' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
    });
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 5,
      minReplicas: 1,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: { selectPolicy: 'Max', stabilizationWindowSeconds: 60, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    });
  });

  it('defaults StorageClass, RBAC subjects, PriorityClass, EndpointSlice ports and IngressClass scope', () => {
    expect(applyDefaults('StorageClass.storage.k8s.io', { metadata: { name: 's' }, provisioner: 'x.io/p' })).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const rb = applyDefaults('RoleBinding.rbac.authorization.k8s.io', {
      metadata: { name: 'rb' },
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
    });
    expect(rb).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io' }, { apiGroup: 'rbac.authorization.k8s.io' }, { apiGroup: '' }],
    });
    expect(applyDefaults('PriorityClass.scheduling.k8s.io', { metadata: { name: 'p' }, value: 10 })).toMatchObject({ preemptionPolicy: 'PreemptLowerPriority' });
    expect(applyDefaults('EndpointSlice.discovery.k8s.io', { metadata: { name: 'e' }, addressType: 'IPv4', ports: [{ port: 80 }] }).ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
    expect(applyDefaults('IngressClass.networking.k8s.io', { metadata: { name: 'i' }, spec: { controller: 'x.io/c', parameters: { kind: 'K', name: 'n' } } }).spec).toEqual({
      controller: 'x.io/c',
      parameters: { kind: 'K', name: 'n', scope: 'Cluster' },
    });
  });
});

describe('admissionregistration.k8s.io/v1 webhook configurations', () => {
  const webhook = {
    name: 'check.example.com',
    clientConfig: { service: { namespace: 'hooks', name: 'checker' } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  };
  const defaulted = {
    name: 'check.example.com',
    clientConfig: { service: { namespace: 'hooks', name: 'checker', port: 443 } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    timeoutSeconds: 10,
  };

  it('fills SetDefaults_ValidatingWebhook, SetDefaults_Rule and SetDefaults_ServiceReference', () => {
    const vwc = applyDefaults('ValidatingWebhookConfiguration.admissionregistration.k8s.io', { metadata: { name: 'v' }, webhooks: [webhook] });
    expect(vwc.webhooks).toEqual([defaulted]);
  });

  it('adds reinvocationPolicy Never for mutating webhooks only', () => {
    const mwc = applyDefaults('MutatingWebhookConfiguration.admissionregistration.k8s.io', { metadata: { name: 'm' }, webhooks: [webhook] });
    expect(mwc.webhooks).toEqual([{ ...defaulted, reinvocationPolicy: 'Never' }]);
  });

  it('keeps values that are set, fills nulls, and leaves sideEffects and admissionReviewVersions alone', () => {
    const set = {
      name: 'w.example.com',
      clientConfig: { url: 'https://example.com', service: { namespace: 'n', name: 's', port: 8443 } },
      rules: [{ operations: ['*'], scope: 'Namespaced' }],
      failurePolicy: 'Ignore',
      matchPolicy: 'Exact',
      namespaceSelector: { matchLabels: { a: 'b' } },
      objectSelector: null,
      timeoutSeconds: 30,
      reinvocationPolicy: 'IfNeeded',
    };
    const mwc = applyDefaults('MutatingWebhookConfiguration.admissionregistration.k8s.io', { metadata: { name: 'm' }, webhooks: [set] });
    expect(mwc.webhooks).toEqual([{ ...set, objectSelector: {} }]);
    // An explicit "" is a set pointer in Go: not replaced (validation refuses it).
    const empty = applyDefaults('ValidatingWebhookConfiguration.admissionregistration.k8s.io', { metadata: { name: 'v' }, webhooks: [{ name: 'x', failurePolicy: '' }] });
    expect(empty.webhooks).toEqual([{ name: 'x', failurePolicy: '', matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10 }]);
    expect(applyDefaults('ValidatingWebhookConfiguration.admissionregistration.k8s.io', { metadata: { name: 'v' } })).toEqual({ metadata: { name: 'v' } });
  });
});

describe('apiregistration.k8s.io/v1 APIService', () => {
  const KEY = 'APIService.apiregistration.k8s.io';
  const created = '2025-06-01T12:00:00Z';
  const metrics = { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 };

  it('defaults a Service port to 443 (SetDefaults_ServiceReference) and keeps a given one', () => {
    const svc = applyDefaults(KEY, { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { ...metrics, service: { namespace: 'kube-system', name: 'metrics-server' } } });
    expect(svc.spec).toEqual({ ...metrics, service: { namespace: 'kube-system', name: 'metrics-server', port: 443 } });
    const nullPort = applyDefaults(KEY, { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { ...metrics, service: { namespace: 'ns', name: 's', port: null } } });
    expect(nullPort.spec).toMatchObject({ service: { port: 443 } });
    const given = applyDefaults(KEY, { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { ...metrics, service: { namespace: 'ns', name: 's', port: 10250 } } });
    expect(given.spec).toMatchObject({ service: { port: 10250 } });
  });

  it('writes an absent Service as null, as the Go type (json:"service", no omitempty) does', () => {
    expect(applyDefaults(KEY, { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 } }).spec).toEqual({
      group: 'apps',
      version: 'v1',
      groupPriorityMinimum: 17800,
      versionPriority: 15,
      service: null,
    });
    expect(applyDefaults(KEY, { metadata: { name: 'x' } }).spec).toEqual({ service: null });
  });

  it('marks a new local APIService Available at its creation time and gives an aggregated one an empty status', () => {
    const localService = applyDefaults(KEY, { metadata: { name: 'v1.apps', creationTimestamp: created }, spec: { group: 'apps', version: 'v1' } });
    expect(localService.status).toEqual({
      conditions: [{ type: 'Available', status: 'True', lastTransitionTime: created, reason: 'Local', message: 'Local APIServices are always available' }],
    });
    const aggregated = applyDefaults(KEY, { metadata: { name: 'v1beta1.metrics.k8s.io', creationTimestamp: created }, spec: { ...metrics, service: { namespace: 'ns', name: 's' } } });
    expect(aggregated.status).toEqual({});
    // A status that is already there (an update's, restored from storage anyway) is left alone.
    const kept = { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] };
    expect(applyDefaults(KEY, { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' }, status: kept }).status).toEqual(kept);
  });
});

describe('image references', () => {
  it('picks the pull policy from the tag', () => {
    expect(defaultPullPolicy('nginx')).toBe('Always');
    expect(defaultPullPolicy('nginx:latest')).toBe('Always');
    expect(defaultPullPolicy('docker.io/library/nginx:1.27')).toBe('IfNotPresent');
    expect(defaultPullPolicy('localhost:5000/team/app')).toBe('Always');
    expect(defaultPullPolicy('registry.example.com:5000/app:v1')).toBe('IfNotPresent');
    expect(defaultPullPolicy(`nginx@sha256:${'b'.repeat(64)}`)).toBe('IfNotPresent');
    expect(defaultPullPolicy('NGINX')).toBe('IfNotPresent');
    expect(defaultPullPolicy('')).toBe('IfNotPresent');
    expect(parseImageReference('quay.io/org/app:v2@sha256:' + 'c'.repeat(64))).toEqual({ name: 'quay.io/org/app', tag: 'v2', digest: 'sha256:' + 'c'.repeat(64) });
  });
});
