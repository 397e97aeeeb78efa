import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object.js';
import type { TablePrinter } from '../resource.js';
import { builtinTablePrinters, tablePrinterFor } from './builtin-printers.js';
import { defaultTablePrinter } from './default-table.js';
import { kindKey } from './kind-key.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

function obj(kind: string, name: string, body: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { kind, metadata: { name, namespace: 'default', creationTimestamp: ago(5 * MIN), ...meta }, ...body } as KubeObject;
}

function row(key: string, o: KubeObject): unknown[] {
  const p = builtinTablePrinters[key];
  expect(p, key).toBeDefined();
  const cells = p.row(o, NOW);
  expect(cells).toHaveLength(p.columns.length);
  return cells;
}

function header(p: TablePrinter): string[] {
  return p.columns.map((c) => (c.priority ? `${c.name}*` : c.name));
}

const template = (containers: Array<[string, string]>, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: containers.map(([name, image]) => ({ name, image })), ...extra },
});

describe('kindKey', () => {
  it('names core kinds bare and others with their group', () => {
    expect(kindKey('', 'Pod')).toBe('Pod');
    expect(kindKey('apps', 'Deployment')).toBe('Deployment.apps');
    expect(kindKey('events.k8s.io', 'Event')).toBe('Event.events.k8s.io');
  });
});

describe('workload tables', () => {
  it('deployment', () => {
    const d = obj('Deployment', 'web', {
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template([['nginx', 'nginx:1.27'], ['side', 'busybox']]) },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    expect(header(builtinTablePrinters['Deployment.apps'])).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(row('Deployment.apps', d)).toEqual(['web', '2/3', 3, 2, '5m', 'nginx,side', 'nginx:1.27,busybox', 'app=web']);
    const noSelector = obj('Deployment', 'x', { spec: { template: template([]) } });
    expect(row('Deployment.apps', noSelector)).toEqual(['x', '0/1', 0, 0, '5m', '', '', '']);
    const badSelector = obj('Deployment', 'y', { spec: { replicas: 0, selector: { matchExpressions: [{ key: 'a', operator: 'Nope' }] } } });
    expect(row('Deployment.apps', badSelector)[7]).toBe('<invalid>');
  });

  it('replicaset, replication controller, statefulset, daemonset', () => {
    const rs = obj('ReplicaSet', 'web-5d8f', {
      spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } }, template: template([['nginx', 'nginx']]) },
      status: { replicas: 2, readyReplicas: 1 },
    });
    expect(row('ReplicaSet.apps', rs)).toEqual(['web-5d8f', 2, 2, 1, '5m', 'nginx', 'nginx', 'app=web,pod-template-hash=5d8f']);
    const rc = obj('ReplicationController', 'old', { spec: { replicas: 1, selector: { app: 'old' } }, status: { replicas: 1 } });
    expect(row('ReplicationController', rc)).toEqual(['old', 1, 1, 0, '5m', '', '', 'app=old']);
    const sts = obj('StatefulSet', 'db', { spec: { replicas: 3, template: template([['pg', 'postgres:16']]) }, status: { readyReplicas: 3 } });
    expect(row('StatefulSet.apps', sts)).toEqual(['db', '3/3', '5m', 'pg', 'postgres:16']);
    const ds = obj('DaemonSet', 'agent', {
      spec: { selector: { matchLabels: { app: 'agent' } }, template: template([['a', 'agent:1']], { nodeSelector: { 'kubernetes.io/os': 'linux' } }) },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    });
    expect(row('DaemonSet.apps', ds)).toEqual(['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5m', 'a', 'agent:1', 'app=agent']);
    const dsNoSel = obj('DaemonSet', 'x', { spec: { template: template([]) } });
    expect(row('DaemonSet.apps', dsNoSel)[6]).toBe('<none>');
    expect(row('DaemonSet.apps', dsNoSel)[10]).toBe('<none>');
  });

  it('job status, completions and duration', () => {
    const base = { spec: { completions: 3, selector: { matchLabels: { 'batch.kubernetes.io/job-name': 'pi' } }, template: template([['pi', 'perl']]) } };
    const running = obj('Job', 'pi', { ...base, status: { succeeded: 1, startTime: ago(90 * S) } });
    expect(header(builtinTablePrinters['Job.batch'])).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(row('Job.batch', running)).toEqual(['pi', 'Running', '1/3', '90s', '5m', 'pi', 'perl', 'batch.kubernetes.io/job-name=pi']);
    const done = obj('Job', 'pi', {
      ...base,
      status: { succeeded: 3, startTime: ago(4 * MIN), completionTime: ago(4 * MIN - 42 * S), conditions: [{ type: 'Complete', status: 'True' }] },
    });
    expect(row('Job.batch', done).slice(1, 4)).toEqual(['Complete', '3/3', '42s']);
    const failed = obj('Job', 'f', { spec: { parallelism: 2 }, status: { conditions: [{ type: 'Failed', status: 'True' }] } });
    expect(row('Job.batch', failed).slice(1, 4)).toEqual(['Failed', '0/1 of 2', '']);
    const suspended = obj('Job', 's', { spec: {}, status: { conditions: [{ type: 'Suspended', status: 'True' }] } });
    expect(row('Job.batch', suspended).slice(1, 3)).toEqual(['Suspended', '0/1']);
    const terminating = obj('Job', 't', { spec: {}, status: { conditions: [{ type: 'Suspended', status: 'True' }] } }, { deletionTimestamp: ago(S) });
    expect(row('Job.batch', terminating)[1]).toBe('Terminating');
    const failing = obj('Job', 'ft', { spec: {}, status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } });
    expect(row('Job.batch', failing)[1]).toBe('FailureTarget');
  });

  it('cronjob', () => {
    const cj = obj('CronJob', 'hello', {
      spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: template([['hello', 'busybox']]) } } },
      status: { active: [{ name: 'hello-1' }], lastScheduleTime: ago(30 * S) },
    });
    expect(row('CronJob.batch', cj)).toEqual(['hello', '*/1 * * * *', '<none>', 'False', 1, '30s', '5m', 'hello', 'busybox', '<none>']);
    const tz = obj('CronJob', 'tz', { spec: { schedule: '@daily', timeZone: 'Europe/Paris', jobTemplate: { spec: {} } } });
    expect(row('CronJob.batch', tz).slice(1, 6)).toEqual(['@daily', 'Europe/Paris', '<unset>', 0, '<none>']);
  });

  it('pod template, controller revision, pdb', () => {
    const pt = { kind: 'PodTemplate', metadata: { name: 'tpl' }, template: template([['a', 'img-a'], ['b', 'img-b']]) } as KubeObject;
    expect(row('PodTemplate', pt)).toEqual(['tpl', 'a,b', 'img-a,img-b', 'app=web']);
    const cr = obj('ControllerRevision', 'web-6c9', { revision: 2 }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] });
    expect(row('ControllerRevision.apps', cr)).toEqual(['web-6c9', 'statefulset.apps/web', 2, '5m']);
    const orphan = obj('ControllerRevision', 'o', { revision: 1 }, { ownerReferences: [{ apiVersion: 'v1', kind: 'ABC', name: 'x', uid: 'u', controller: false }] });
    expect(row('ControllerRevision.apps', orphan)[1]).toBe('<none>');
    const pdb = obj('PodDisruptionBudget', 'pdb', { spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } });
    expect(row('PodDisruptionBudget.policy', pdb)).toEqual(['pdb', '50%', 'N/A', 1, '5m']);
    const pdb2 = obj('PodDisruptionBudget', 'pdb2', { spec: { maxUnavailable: 1 }, status: {} });
    expect(row('PodDisruptionBudget.policy', pdb2).slice(1, 4)).toEqual(['N/A', '1', 0]);
  });

  it('horizontal pod autoscaler, v2 and v1 shapes', () => {
    const v2 = obj('HorizontalPodAutoscaler', 'web', {
      apiVersion: 'autoscaling/v2',
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        ],
      },
      status: {
        currentReplicas: 2,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }],
      },
    });
    expect(row('HorizontalPodAutoscaler.autoscaling', v2)).toEqual(['web', 'Deployment/web', 'cpu: 35%/80%, memory: <unknown>/1Gi + 1 more...', '1', 10, 2, '5m']);
    const v1 = obj('HorizontalPodAutoscaler', 'old', {
      apiVersion: 'autoscaling/v1',
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'old' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 1 },
    });
    expect(row('HorizontalPodAutoscaler.autoscaling', v1)).toEqual(['old', 'Deployment/old', 'cpu: <unknown>/50%', '<unset>', 5, 1, '5m']);
    const none = obj('HorizontalPodAutoscaler', 'n', { spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'db' }, maxReplicas: 3, metrics: [] } });
    expect(row('HorizontalPodAutoscaler.autoscaling', none)[2]).toBe('<none>');
  });
});

describe('networking tables', () => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => obj('Service', 's', { spec, status });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, unknown[]]>([
    [
      'cluster IP',
      { type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k8s: 'dns' } },
      {},
      ['s', 'ClusterIP', '10.43.0.10', '<none>', '53/UDP,53/TCP', '5m', 'k8s=dns'],
    ],
    ['headless', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [] }, {}, ['s', 'ClusterIP', 'None', '<none>', '<none>', '5m', '<none>']],
    [
      'node port with external IPs',
      { type: 'NodePort', clusterIPs: ['10.0.0.1'], externalIPs: ['1.1.1.1', '2.2.2.2'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] },
      {},
      ['s', 'NodePort', '10.0.0.1', '1.1.1.1,2.2.2.2', '80:30080/TCP', '5m', '<none>'],
    ],
    ['pending load balancer', { type: 'LoadBalancer', clusterIPs: ['10.0.0.2'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }, {}, ['s', 'LoadBalancer', '10.0.0.2', '<pending>', '443:31443/TCP', '5m', '<none>']],
    [
      'load balancer ingress, sorted and not shortened',
      { type: 'LoadBalancer', clusterIPs: ['10.0.0.3'], externalIPs: ['80.11.12.10'], ports: [{ port: 8888, protocol: 'tcp' }] },
      { loadBalancer: { ingress: [{ ip: '3.4.5.6', hostname: 'x.example' }, { ip: '2.3.4.5' }, { hostname: 'lb.example.com' }] } },
      ['s', 'LoadBalancer', '10.0.0.3', '2.3.4.5,3.4.5.6,lb.example.com,80.11.12.10', '8888/tcp', '5m', '<none>'],
    ],
    ['external name', { type: 'ExternalName', externalName: 'db.example.com' }, {}, ['s', 'ExternalName', '<none>', 'db.example.com', '<none>', '5m', '<none>']],
  ])('service: %s', (_n, spec, status, want) => {
    expect(row('Service', svc(spec, status))).toEqual(want);
  });

  it('endpoints and endpoint slices', () => {
    const ep = obj('Endpoints', 'web', {
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::2' }],
          ports: [
            { port: 80, name: 'http' },
            { port: 443, name: 'https' },
          ],
        },
      ],
    });
    expect(row('Endpoints', ep)).toEqual(['web', '10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 1 more...', '5m']);
    expect(row('Endpoints', obj('Endpoints', 'none', {}))[1]).toBe('<none>');
    expect(row('Endpoints', obj('Endpoints', 'headless', { subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] }))[1]).toBe('10.0.0.9');
    const slice = obj('EndpointSlice', 'web-abc', {
      addressType: 'IPv4',
      ports: [{ port: 80, name: 'http' }, { name: 'named' }, {}, { port: 9090 }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
    });
    expect(row('EndpointSlice.discovery.k8s.io', slice)).toEqual(['web-abc', 'IPv4', '80,named,* + 1 more...', '10.0.0.1,10.0.0.2', '5m']);
    expect(row('EndpointSlice.discovery.k8s.io', obj('EndpointSlice', 'e', { addressType: 'IPv6' })).slice(2, 4)).toEqual(['<unset>', '<unset>']);
  });

  it('ingress, ingress class, network policy', () => {
    const ing = obj('Ingress', 'web', {
      spec: { ingressClassName: 'traefik', rules: [{ host: 'a.example' }, {}, { host: 'b.example' }, { host: 'c.example' }, { host: 'd.example' }], tls: [{ hosts: ['a.example'] }] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.1.10' }, { ip: '192.168.1.9' }] } },
    });
    expect(row('Ingress.networking.k8s.io', ing)).toEqual(['web', 'traefik', 'a.example,b.example,c.example + 2 more...', '192.168.1.10,192.168.1.9', '80, 443', '5m']);
    expect(row('Ingress.networking.k8s.io', obj('Ingress', 'x', { spec: { rules: [{}] } })).slice(1, 5)).toEqual(['<none>', '*', '', '80']);
    const cls = obj('IngressClass', 'nginx', { spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } });
    expect(row('IngressClass.networking.k8s.io', cls)).toEqual(['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '5m']);
    expect(row('IngressClass.networking.k8s.io', obj('IngressClass', 'c', { spec: { controller: 'x' } }))[2]).toBe('<none>');
    expect(row('NetworkPolicy.networking.k8s.io', obj('NetworkPolicy', 'deny', { spec: {} }))).toEqual(['deny', '<none>', '5m']);
    expect(row('NetworkPolicy.networking.k8s.io', obj('NetworkPolicy', 'allow', { spec: { podSelector: { matchLabels: { foo: 'bar' } } } }))[1]).toBe('foo=bar');
  });
});

describe('cluster tables', () => {
  it('node status, roles, addresses and runtime info', () => {
    const node = obj(
      'Node',
      'n1',
      {
        spec: { unschedulable: true },
        status: {
          conditions: [
            { type: 'MemoryPressure', status: 'False' },
            { type: 'Ready', status: 'True' },
          ],
          addresses: [
            { type: 'Hostname', address: 'n1' },
            { type: 'InternalIP', address: '192.168.1.2' },
          ],
          nodeInfo: { kubeletVersion: 'v1.32.0+lite', osImage: 'Ubuntu 24.04 LTS', kernelVersion: '6.8.0', containerRuntimeVersion: 'docker://27.0.0' },
        },
      },
      { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': 'true', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': 'x' } },
    );
    expect(header(builtinTablePrinters.Node)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']);
    expect(row('Node', node)).toEqual(['n1', 'Ready,SchedulingDisabled', 'control-plane,edge,master', '5m', 'v1.32.0+lite', '192.168.1.2', '<none>', 'Ubuntu 24.04 LTS', '6.8.0', 'docker://27.0.0']);
    const bare = obj('Node', 'n2', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
    expect(row('Node', bare)).toEqual(['n2', 'NotReady', '<none>', '5m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    expect(row('Node', obj('Node', 'n3', {}))[1]).toBe('Unknown');
  });

  it('namespace, configmap, secret, service account', () => {
    expect(row('Namespace', obj('Namespace', 'kube-system', { status: { phase: 'Active' } }))).toEqual(['kube-system', 'Active', '5m']);
    expect(row('ConfigMap', obj('ConfigMap', 'cm', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }))).toEqual(['cm', 3, '5m']);
    expect(row('ConfigMap', obj('ConfigMap', 'empty'))).toEqual(['empty', 0, '5m']);
    expect(row('Secret', obj('Secret', 'tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }))).toEqual(['tls', 'kubernetes.io/tls', 2, '5m']);
    expect(row('ServiceAccount', obj('ServiceAccount', 'default', { secrets: [{ name: 'a' }] }))).toEqual(['default', 1, '5m']);
  });

  it('core events: last seen, object, source, counts', () => {
    const ev = obj('Event', 'web.17f', {
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{nginx}' },
      reason: 'Pulled',
      message: '  Successfully pulled image "nginx"\n',
      type: 'Normal',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: ago(10 * MIN),
      lastTimestamp: ago(2 * MIN),
      count: 4,
    });
    expect(header(builtinTablePrinters.Event)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
    expect(row('Event', ev)).toEqual(['2m', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{nginx}', 'kubelet, n1', 'Successfully pulled image "nginx"', '10m', 4, 'web.17f']);
    const newApi = obj('Event', 'x', {
      involvedObject: { kind: 'Node' },
      reason: 'Starting',
      type: 'Normal',
      eventTime: new Date(NOW - 90 * S).toISOString().replace('Z', '000Z'),
      reportingComponent: 'kube-proxy',
      reportingInstance: 'n1',
    });
    expect(row('Event', newApi)).toEqual(['90s', 'Normal', 'Starting', 'node', '', 'kube-proxy, n1', '', '90s', 1, 'x']);
    const series = obj('Event', 'y', { involvedObject: { kind: 'Pod', name: 'p' }, eventTime: ago(H), series: { count: 7, lastObservedTime: ago(MIN) } });
    expect(row('Event', series).slice(0, 1).concat(row('Event', series).slice(7, 9))).toEqual(['60s', '60m', 7]);
  });

  it('events.k8s.io events print like core events', () => {
    const ev = obj('Event', 'e', {
      regarding: { kind: 'Deployment', name: 'web' },
      note: 'Scaled up replica set web-5d8f to 3',
      reason: 'ScalingReplicaSet',
      type: 'Normal',
      reportingController: 'deployment-controller',
      eventTime: ago(3 * MIN),
      deprecatedCount: 0,
    });
    expect(row('Event.events.k8s.io', ev)).toEqual(['3m', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-5d8f to 3', '3m', 1, 'e']);
  });

  it('persistent volumes and claims', () => {
    const pv = obj(
      'PersistentVolume',
      'pv1',
      {
        spec: {
          capacity: { storage: '1024Mi' },
          accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          claimRef: { namespace: 'default', name: 'data' },
          storageClassName: 'local-path',
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Bound' },
      },
      {},
    );
    expect(header(builtinTablePrinters.PersistentVolume)).toEqual([
      'Name',
      'Capacity',
      'Access Modes',
      'Reclaim Policy',
      'Status',
      'Claim',
      'StorageClass',
      'VolumeAttributesClass',
      'Reason',
      'Age',
      'VolumeMode*',
    ]);
    expect(row('PersistentVolume', pv)).toEqual(['pv1', '1Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'local-path', '<unset>', '', '5m', 'Filesystem']);
    const deleting = obj('PersistentVolume', 'pv2', { spec: {}, status: { phase: 'Released' } }, { deletionTimestamp: ago(S), annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } });
    expect(row('PersistentVolume', deleting)).toEqual(['pv2', '0', '', '', 'Terminating', '', 'legacy', '<unset>', '', '5m', '<unset>']);

    const pending = obj('PersistentVolumeClaim', 'data', { spec: { storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } });
    expect(row('PersistentVolumeClaim', pending)).toEqual(['data', 'Pending', '', '', '', 'local-path', '<unset>', '5m', '<unset>']);
    const bound = obj('PersistentVolumeClaim', 'data', { spec: { volumeName: 'pv1', volumeMode: 'Block' }, status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOncePod'] } });
    expect(row('PersistentVolumeClaim', bound)).toEqual(['data', 'Bound', 'pv1', '2Gi', 'RWOP', '', '<unset>', '5m', 'Block']);
  });

  it('storage classes, quotas, leases, priority classes', () => {
    const sc = obj('StorageClass', 'local-path', { provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' }, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } });
    expect(row('StorageClass.storage.k8s.io', sc)).toEqual(['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '5m']);
    const quota = obj('ResourceQuota', 'q', {
      status: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '2Gi', 'limits.cpu': '4' }, used: { pods: '3', 'requests.cpu': '500m', 'limits.cpu': '1' } },
    });
    expect(row('ResourceQuota', quota)).toEqual(['q', 'pods: 3/10, requests.cpu: 500m/2', 'limits.cpu: 1/4, limits.memory: 0/2Gi', '5m']);
    expect(row('Lease.coordination.k8s.io', obj('Lease', 'n1', { spec: { holderIdentity: 'n1' } }))).toEqual(['n1', 'n1', '5m']);
    expect(row('Lease.coordination.k8s.io', obj('Lease', 'free', { spec: {} }))[1]).toBe('');
    expect(row('PriorityClass.scheduling.k8s.io', obj('PriorityClass', 'system-node-critical', { value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' }))).toEqual([
      'system-node-critical',
      2000001000,
      false,
      '5m',
      'PreemptLowerPriority',
    ]);
  });

  it('role bindings list subjects by kind', () => {
    const rb = obj('RoleBinding', 'b', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role-name' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
        { kind: 'User', name: 'bob' },
      ],
    });
    expect(header(builtinTablePrinters['RoleBinding.rbac.authorization.k8s.io'])).toEqual(['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
    expect(row('RoleBinding.rbac.authorization.k8s.io', rb)).toEqual(['b', 'Role/role-name', '5m', 'alice, bob', 'devs', 'ns/sa']);
    expect(row('ClusterRoleBinding.rbac.authorization.k8s.io', obj('ClusterRoleBinding', 'c', { roleRef: { kind: 'ClusterRole', name: 'admin' } }))).toEqual([
      'c',
      'ClusterRole/admin',
      '5m',
      '',
      '',
      '',
    ]);
  });

  it('certificate signing requests and admission configurations', () => {
    const csr = obj('CertificateSigningRequest', 'csr-1', {
      spec: { signerName: 'kubernetes.io/kube-apiserver-client', username: 'alice', expirationSeconds: 86400 },
      status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' },
    });
    expect(row('CertificateSigningRequest.certificates.k8s.io', csr)).toEqual(['csr-1', '5m', 'kubernetes.io/kube-apiserver-client', 'alice', '24h', 'Approved,Issued']);
    expect(row('CertificateSigningRequest.certificates.k8s.io', obj('CertificateSigningRequest', 'p', { spec: {} })).slice(2)).toEqual(['<none>', '', '<none>', 'Pending']);
    // kube-apiserver 1.32 (pkg/printers/internalversion): NAME, WEBHOOKS (integer count), AGE for both kinds.
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const key = `${kind}.admissionregistration.k8s.io`;
      expect(builtinTablePrinters[key].columns.map((c) => [c.name, c.type, c.format])).toEqual([
        ['Name', 'string', 'name'],
        ['Webhooks', 'integer', ''],
        ['Age', 'string', ''],
      ]);
      expect(row(key, obj(kind, 'w', { webhooks: [{}, {}] }))).toEqual(['w', 2, '5m']);
      expect(row(key, obj(kind, 'none', {}))).toEqual(['none', 0, '5m']);
    }
  });
});

describe('apiregistration.k8s.io APIService table (kube-aggregator etcd.go ConvertToTable)', () => {
  const KEY = 'APIService.apiregistration.k8s.io';
  const apiService = (name: string, service: unknown, conditions?: unknown[]) =>
    obj('APIService', name, { spec: { service }, ...(conditions ? { status: { conditions } } : { status: {} }) }, { namespace: undefined });

  it('has NAME, SERVICE, AVAILABLE, AGE and no wide columns', () => {
    expect(builtinTablePrinters[KEY].columns.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Service', 'string', '', 0],
      ['Available', 'string', '', 0],
      ['Age', 'string', '', 0],
    ]);
  });

  it('prints Local or namespace/name, and the Available condition with its reason unless True', () => {
    const local = apiService('v1.apps', null, [{ type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' }]);
    expect(row(KEY, local)).toEqual(['v1.apps', 'Local', 'True', '5m']);
    const down = apiService('v1beta1.metrics.k8s.io', { namespace: 'kube-system', name: 'metrics-server', port: 443 }, [
      { type: 'Other', status: 'True' },
      { type: 'Available', status: 'False', reason: 'MissingEndpoints', message: 'endpoints for service/metrics-server in "kube-system" have no addresses' },
    ]);
    expect(row(KEY, down)).toEqual(['v1beta1.metrics.k8s.io', 'kube-system/metrics-server', 'False (MissingEndpoints)', '5m']);
    expect(row(KEY, apiService('v1.x.io', { namespace: 'ns', name: 's' }, [{ type: 'Available', status: 'Unknown' }]))[2]).toBe('Unknown');
    expect(row(KEY, apiService('v1.x.io', { namespace: 'ns', name: 's' }, [{ type: 'Available', status: 'False' }]))[2]).toBe('False');
    // No Available condition yet (a new aggregated APIService): Unknown; an absent spec.service is Local too.
    expect(row(KEY, apiService('v1.x.io', { namespace: 'ns', name: 's' }))).toEqual(['v1.x.io', 'ns/s', 'Unknown', '5m']);
    expect(row(KEY, obj('APIService', 'v1.y.io', { spec: {} }))).toEqual(['v1.y.io', 'Local', 'Unknown', '5m']);
  });
});

describe('default table', () => {
  it('prints NAME and CREATED AT for kinds without a printer', () => {
    expect(defaultTablePrinter.columns.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
    const role = obj('Role', 'reader', {}, { creationTimestamp: '2025-05-01T10:00:00Z' });
    expect(builtinTablePrinters['Role.rbac.authorization.k8s.io']).toBe(defaultTablePrinter);
    expect(builtinTablePrinters['CustomResourceDefinition.apiextensions.k8s.io']).toBe(defaultTablePrinter);
    expect(tablePrinterFor('Widget.example.com')).toBe(defaultTablePrinter);
    expect(defaultTablePrinter.row(role, NOW)).toEqual(['reader', '2025-05-01T10:00:00Z']);
    expect(defaultTablePrinter.row({ metadata: { name: 'x' } }, NOW)).toEqual(['x', '0001-01-01T00:00:00Z']);
  });

  it('every built-in printer starts with a name-format column or is the event table', () => {
    for (const [key, p] of Object.entries(builtinTablePrinters)) {
      const names = p.columns.filter((c) => c.format === 'name');
      expect(names.length, key).toBeGreaterThanOrEqual(1);
      for (const c of p.columns) expect(['string', 'integer', 'number', 'boolean', 'date'], key).toContain(c.type);
      expect(p.row({ metadata: { name: 'empty' } }, NOW), key).toHaveLength(p.columns.length);
    }
  });
});
