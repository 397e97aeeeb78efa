import { describe, expect, it } from 'vitest';
import { createErrors, defaulted, statusErrors, updateErrors } from './testing/validation-harness.js';

/** What `kubectl run web --image=nginx` sends. */
const RUN_POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: null, labels: { run: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
  status: {},
};

function pod(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): unknown {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'default', ...meta }, spec };
}

function container(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'c', image: 'busybox:1.36', ...extra };
}

describe('Pod create', () => {
  it('accepts what kubectl run sends', () => {
    expect(createErrors('Pod', RUN_POD)).toEqual([]);
  });

  it('accepts a rich but valid pod', () => {
    const p = pod({
      initContainers: [container({ name: 'init' }), container({ name: 'sidecar', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } })],
      containers: [
        container({
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [{ name: 'A', value: 'b' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          envFrom: [{ configMapRef: { name: 'cm' } }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
          securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
        }),
      ],
      volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'a', path: 'a.conf' }] } }],
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } }],
      securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }] },
      serviceAccountName: 'default',
      hostname: 'web-0',
      subdomain: 'web',
      dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
      os: { name: 'linux' },
    });
    expect(createErrors('Pod', p)).toEqual([]);
  });

  it('reports container name and image problems with upstream paths', () => {
    expect(createErrors('Pod', pod({ containers: [{ name: 'Web_1', image: '' }] }))).toEqual([
      `spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.containers[0].image: Required value',
    ]);
    expect(createErrors('Pod', pod({ containers: [] }))).toEqual(['spec.containers: Required value']);
    expect(createErrors('Pod', pod({ containers: [container({ image: ' nginx' })] }))).toEqual(['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace']);
  });

  it('rejects duplicate container and volume names, unknown mounts and multi-source volumes', () => {
    expect(
      createErrors(
        'Pod',
        pod({
          containers: [container({ volumeMounts: [{ name: 'data', mountPath: '/d' }] }), container()],
          volumes: [{ name: 'v', emptyDir: {}, configMap: { name: 'x' } }, { name: 'w', emptyDir: {} }, { name: 'w', emptyDir: {} }],
        }),
      ),
    ).toEqual([
      'spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type',
      'spec.volumes[2].name: Duplicate value: "w"',
      'spec.containers[0].volumeMounts[0].name: Not found: "data"',
      'spec.containers[1].name: Duplicate value: "c"',
    ]);
  });

  it('checks ports', () => {
    const errs = createErrors('Pod', pod({ containers: [container({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 0, protocol: 'ICMP' }, { name: 'Bad', containerPort: 70000 }] })] }));
    expect(errs).toEqual([
      'spec.containers[0].ports[1].name: Duplicate value: "http"',
      'spec.containers[0].ports[1].containerPort: Required value',
      'spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].ports[2].name: Invalid value: "Bad": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[2].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
  });

  it('checks requests against limits with canonical quantities in the message', () => {
    expect(createErrors('Pod', pod({ containers: [container({ resources: { requests: { cpu: '2000m' }, limits: { cpu: '1' } } })] }))).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
    expect(createErrors('Pod', pod({ containers: [container({ resources: { requests: { 'example.com/gpu': '1' } } })] }))).toEqual([
      'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
    ]);
    expect(createErrors('Pod', pod({ containers: [container({ resources: { limits: { memory: '-1' } } })] }))).toEqual([
      'spec.containers[0].resources.limits[memory]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    expect(createErrors('Pod', pod({ containers: [container({ resources: { limits: { pods: '1' } } })] }))).toEqual([
      'spec.containers[0].resources.limits[pods]: Invalid value: "pods": must be a standard resource for containers',
      'spec.containers[0].resources.requests[pods]: Invalid value: "pods": must be a standard resource for containers',
    ]);
  });

  it('checks env vars and their sources', () => {
    expect(
      createErrors(
        'Pod',
        pod({
          containers: [
            container({
              env: [
                { name: 'A=B', value: 'x' },
                { name: 'C', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'D', valueFrom: {} },
                { name: 'E', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } },
              ],
            }),
          ],
        }),
      ),
    ).toEqual([
      `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Invalid value: "spec.containers": error converting fieldPath: field label not supported: spec.containers',
    ]);
  });

  it('checks probes and lifecycle handlers', () => {
    expect(
      createErrors(
        'Pod',
        pod({
          terminationGracePeriodSeconds: 10,
          containers: [
            container({
              livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 },
              readinessProbe: { periodSeconds: -1 },
              lifecycle: { preStop: { sleep: { seconds: 30 } } },
            }),
          ],
        }),
      ),
    ).toEqual([
      'spec.containers[0].lifecycle.preStop.sleep: Invalid value: 30: must be greater than 0 and less than terminationGracePeriodSeconds (10). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe: Required value: must specify a handler type',
      'spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('checks pod-level enums, init containers and tolerations', () => {
    expect(
      createErrors(
        'Pod',
        pod({
          restartPolicy: 'Sometimes',
          dnsPolicy: 'Nope',
          initContainers: [container({ name: 'init', livenessProbe: { exec: { command: ['x'] } } })],
          containers: [container({ restartPolicy: 'Always' })],
          tolerations: [{ operator: 'Equal', value: 'x' }],
        }),
      ),
    ).toEqual([
      'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
      'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Nope": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ]);
  });

  it('forbids ephemeral containers on create and checks annotations of pods', () => {
    const errs = createErrors('Pod', pod({ containers: [container()], ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] }, { annotations: { 'controller.kubernetes.io/pod-deletion-cost': 'x' } }));
    expect(errs).toEqual([
      'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "x": must be a 32bit integer',
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    ]);
  });

  it('requires hostPort to match containerPort under hostNetwork', () => {
    const p = defaulted('Pod', pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 80 }] })] }));
    expect(createErrors('Pod', p)).toEqual([]);
    expect(createErrors('Pod', pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 80, hostPort: 81 }] })] }))).toEqual([
      'spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true',
    ]);
  });
});

describe('Pod update', () => {
  const base = defaulted('Pod', RUN_POD);

  it('allows image changes and additions to tolerations', () => {
    const next = structuredClone(base);
    (next.spec as { containers: Array<{ image: string }> }).containers[0].image = 'nginx:1.27';
    (next.spec as { tolerations?: unknown[] }).tolerations = [{ key: 'a', operator: 'Exists' }];
    expect(updateErrors('Pod', next, base)).toEqual([]);
  });

  it('forbids other spec changes with the upstream message', () => {
    const next = structuredClone(base);
    (next.spec as { containers: Array<Record<string, unknown>> }).containers[0].env = [{ name: 'A', value: '1' }];
    expect(updateErrors('Pod', next, base)).toEqual([
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ]);
    const more = structuredClone(base);
    (more.spec as { containers: unknown[] }).containers.push({ name: 'x', image: 'x' });
    expect(updateErrors('Pod', more, base)).toEqual(['spec.containers: Forbidden: pod updates may not add or remove containers']);
  });
});

describe('Pod status update', () => {
  const old = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] }, status: {} };

  it('accepts a kubelet-style status', () => {
    const next = { ...old, status: { phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], hostIP: '10.0.0.1', hostIPs: [{ ip: '10.0.0.1' }] } };
    expect(statusErrors('Pod', next, old)).toEqual([]);
  });

  it('rejects node changes, bad IP lists and restarting terminated containers', () => {
    const terminated = { ...old, status: { containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0 } } }] } };
    const next = {
      ...old,
      spec: { ...old.spec, nodeName: 'n2' },
      status: { podIPs: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], hostIP: '1.1.1.1', hostIPs: [{ ip: '2.2.2.2' }], containerStatuses: [{ name: 'c', state: { running: {} } }] },
    };
    expect(statusErrors('Pod', next, terminated)).toEqual([
      'status.nodeName: Forbidden: may not be changed directly',
      'status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
      'status.podIPs: Invalid value: [{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]: may specify no more than one IP for each IP family',
      'status.hostIPs[0].ip: Invalid value: "2.2.2.2": must be equal to `hostIP`',
    ]);
  });
});

describe('PodTemplate', () => {
  it('validates the embedded template and forbids ephemeral containers in it', () => {
    expect(createErrors('PodTemplate', { metadata: { name: 't', namespace: 'default' }, template: { spec: { containers: [container()] } } })).toEqual([]);
    expect(createErrors('PodTemplate', { metadata: { name: 't', namespace: 'default' }, template: { spec: { containers: [container()], ephemeralContainers: [{ name: 'e', image: 'i' }] } } })).toContain(
      'template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    );
  });
});
