import { describe, expect, it } from 'vitest';
import { createErrors, statusErrors, updateErrors } from './testing/validation-harness.js';

describe('Ingress and IngressClass', () => {
  const ing = {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      ingressClassName: 'traefik',
      rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      tls: [{ hosts: ['*.example.com'], secretName: 'web-tls' }],
    },
  };

  it('accepts a typical ingress', () => {
    expect(createErrors('Ingress.networking.k8s.io', ing)).toEqual([]);
  });

  it('reports rule, path and backend problems', () => {
    const bad = {
      ...ing,
      spec: {
        rules: [
          { host: '10.0.0.1', http: { paths: [{ path: 'api', pathType: 'Exact', backend: { service: { name: 'api', port: {} } } }] } },
          { http: { paths: [{ path: '/x', backend: { service: { name: 'x', port: { number: 1 } } } }, { path: '/a//b', pathType: 'Prefix', backend: {} }] } },
        ],
      },
    };
    expect(createErrors('Ingress.networking.k8s.io', bad)).toEqual([
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
      'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
      'spec.rules[1].http.paths[0].pathType: Required value: pathType must be specified',
      `spec.rules[1].http.paths[1].path: Invalid value: "/a//b": must not contain '//'`,
      'spec.rules[1].http.paths[1].backend: Invalid value: "": resource or service backend is required',
    ]);
    expect(createErrors('Ingress.networking.k8s.io', { ...ing, spec: {} })).toEqual(['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']);
  });

  it('validates ingress status and ingress classes', () => {
    expect(statusErrors('Ingress.networking.k8s.io', { ...ing, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }, ing)).toEqual([]);
    const ic = { metadata: { name: 'traefik' }, spec: { controller: 'traefik.io/ingress-controller' } };
    expect(createErrors('IngressClass.networking.k8s.io', ic)).toEqual([]);
    expect(createErrors('IngressClass.networking.k8s.io', { ...ic, spec: { controller: 'traefik' } })).toEqual(['spec.controller: Invalid value: "traefik": must be a domain-prefixed path (such as "acme.io/foo")']);
    expect(updateErrors('IngressClass.networking.k8s.io', { ...ic, spec: { controller: 'x.io/y' } }, ic)).toEqual(['spec.controller: Invalid value: "x.io/y": field is immutable']);
  });
});

describe('NetworkPolicy', () => {
  it('validates ports, peers and policy types', () => {
    const np = { metadata: { name: 'np', namespace: 'default' }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80 }] }] } };
    expect(createErrors('NetworkPolicy.networking.k8s.io', np)).toEqual([]);
    const bad = {
      metadata: np.metadata,
      spec: {
        podSelector: {},
        ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.0/8'] }, podSelector: {} }], ports: [{ port: 'http', endPort: 90 }, { protocol: 'ICMP' }] }],
        policyTypes: ['Ingress', 'Sideways'],
      },
    };
    expect(createErrors('NetworkPolicy.networking.k8s.io', bad)).toEqual([
      'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.ingress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ingress[0].from[0]: Required value: must specify a peer',
      'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
      'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
      'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]);
  });
});

describe('PodDisruptionBudget', () => {
  it('allows exactly one of minAvailable and maxUnavailable', () => {
    const pdb = { metadata: { name: 'p', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
    expect(createErrors('PodDisruptionBudget.policy', pdb)).toEqual([]);
    expect(createErrors('PodDisruptionBudget.policy', { ...pdb, spec: { ...pdb.spec, maxUnavailable: '120%' } })).toEqual([
      'spec: Invalid value: {"minAvailable":1,"selector":{"matchLabels":{"app":"web"}},"maxUnavailable":"120%"}: minAvailable and maxUnavailable cannot be both set',
      'spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
    ]);
    expect(statusErrors('PodDisruptionBudget.policy', { ...pdb, status: { disruptionsAllowed: -1 } }, pdb)).toEqual(['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0']);
  });
});

describe('RBAC', () => {
  it('requires verbs and resources in rules', () => {
    expect(createErrors('Role.rbac.authorization.k8s.io', { metadata: { name: 'r', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })).toEqual([]);
    expect(createErrors('Role.rbac.authorization.k8s.io', { metadata: { name: 'r', namespace: 'default' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: [] }, { verbs: ['get'] }] })).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
    ]);
    expect(createErrors('ClusterRole.rbac.authorization.k8s.io', { metadata: { name: 'view' }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] })).toEqual([]);
  });

  it('validates bindings and keeps roleRef immutable', () => {
    const rb = { metadata: { name: 'rb', namespace: 'default' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice' }] };
    expect(createErrors('RoleBinding.rbac.authorization.k8s.io', rb)).toEqual([]);
    expect(createErrors('ClusterRoleBinding.rbac.authorization.k8s.io', { ...rb, metadata: { name: 'crb' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'Robot', name: 'r2' }] })).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
      'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]);
    expect(updateErrors('RoleBinding.rbac.authorization.k8s.io', { ...rb, roleRef: { kind: 'Role', name: 'other' } }, rb)).toEqual([
      'roleRef: Invalid value: {"kind":"Role","name":"other","apiGroup":"rbac.authorization.k8s.io"}: cannot change roleRef',
    ]);
  });
});

describe('StorageClass and PriorityClass', () => {
  it('validates storage classes and forbids changing their parameters', () => {
    const sc = { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
    expect(createErrors('StorageClass.storage.k8s.io', sc)).toEqual([]);
    expect(createErrors('StorageClass.storage.k8s.io', { metadata: sc.metadata, reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' })).toEqual([
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]);
    expect(updateErrors('StorageClass.storage.k8s.io', { ...sc, parameters: { a: 'b' } }, sc)).toEqual(['parameters: Forbidden: updates to parameters are forbidden.']);
  });

  it('validates priority classes', () => {
    expect(createErrors('PriorityClass.scheduling.k8s.io', { metadata: { name: 'high' }, value: 1000 })).toEqual([]);
    expect(createErrors('PriorityClass.scheduling.k8s.io', { metadata: { name: 'huge' }, value: 2000000000 })).toEqual(['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    expect(createErrors('PriorityClass.scheduling.k8s.io', { metadata: { name: 'system-mine' }, value: 1 })).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    expect(updateErrors('PriorityClass.scheduling.k8s.io', { metadata: { name: 'high' }, value: 5 }, { metadata: { name: 'high' }, value: 1000 })).toEqual(['value: Forbidden: may not be changed in an update.']);
  });
});

describe('Lease and EndpointSlice', () => {
  it('validates leases', () => {
    expect(createErrors('Lease.coordination.k8s.io', { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } })).toEqual([]);
    expect(createErrors('Lease.coordination.k8s.io', { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } })).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('validates endpoint slices', () => {
    const slice = {
      metadata: { name: 'web-abc', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.42.0.7'], conditions: { ready: true }, nodeName: 'n1' }],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    };
    expect(createErrors('EndpointSlice.discovery.k8s.io', slice)).toEqual([]);
    expect(createErrors('EndpointSlice.discovery.k8s.io', { ...slice, endpoints: [{ addresses: ['fd00::1'] }, { addresses: [] }], ports: [{ name: 'http' }, { name: 'http' }] })).toEqual([
      'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      'endpoints[1].addresses: Required value: must contain at least 1 address',
      'ports[1].name: Duplicate value: "http"',
    ]);
    expect(updateErrors('EndpointSlice.discovery.k8s.io', { ...slice, addressType: 'IPv6', endpoints: [] }, slice)).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });
});

describe('HorizontalPodAutoscaler (v2)', () => {
  const hpa = { metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10 } };

  it('accepts the defaulted autoscaler', () => {
    expect(createErrors('HorizontalPodAutoscaler.autoscaling', hpa)).toEqual([]);
  });

  it('checks replica bounds, metrics and behavior', () => {
    expect(createErrors('HorizontalPodAutoscaler.autoscaling', { ...hpa, spec: { ...hpa.spec, minReplicas: 0, maxReplicas: 1 } })).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas',
    ]);
    expect(
      createErrors('HorizontalPodAutoscaler.autoscaling', {
        ...hpa,
        spec: {
          ...hpa.spec,
          minReplicas: 5,
          maxReplicas: 3,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }, { type: 'Pods' }],
          behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 3600 }] } },
        },
      }),
    ).toEqual([
      'spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`',
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
      'spec.metrics[1].pods: Required value: must populate information for the given metric source',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800',
    ]);
  });
});
