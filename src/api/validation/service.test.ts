import { describe, expect, it } from 'vitest';
import { createErrors, defaulted, statusErrors, updateErrors } from './testing/validation-harness.js';

function svc(spec: Record<string, unknown>, name = 'web'): Record<string, unknown> {
  return { kind: 'Service', apiVersion: 'v1', metadata: { name, namespace: 'default' }, spec };
}

describe('Service', () => {
  it('accepts what kubectl expose and create service send', () => {
    expect(createErrors('Service', svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' } }))).toEqual([]);
    expect(createErrors('Service', svc({ type: 'NodePort', ports: [{ name: '80-80', port: 80, nodePort: 30080 }], selector: { app: 'web' } }))).toEqual([]);
    expect(createErrors('Service', svc({ clusterIP: 'None', selector: { app: 'db' } }))).toEqual([]);
    expect(createErrors('Service', svc({ type: 'ExternalName', externalName: 'db.example.com.' }))).toEqual([]);
    expect(createErrors('Service', svc({ type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https' }], externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 }))).toEqual([]);
  });

  it('requires ports, unique names when there are several, and valid numbers', () => {
    expect(createErrors('Service', svc({ selector: { a: 'b' } }))).toEqual(['spec.ports: Required value']);
    expect(createErrors('Service', svc({ ports: [{ port: 80 }, { port: 0, name: 'x' }, { name: 'x', port: 80 }] }))).toEqual([
      'spec.ports[0].name: Required value',
      'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[2].name: Duplicate value: "x"',
      'spec.ports[2]: Duplicate value: {"protocol":"TCP","port":80}',
    ]);
  });

  it('checks node ports against the type and the allowed range', () => {
    expect(createErrors('Service', svc({ ports: [{ port: 80, nodePort: 30001 }] }))).toEqual(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
    expect(createErrors('Service', svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }))).toEqual([
      'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
  });

  it('enforces type-specific rules', () => {
    expect(createErrors('Service', svc({ type: 'LoadBalancer', clusterIP: 'None', ports: [{ port: 80 }] }))).toEqual([`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for LoadBalancer services`]);
    expect(createErrors('Service', svc({ type: 'ExternalName' }))).toEqual(['spec.externalName: Required value']);
    expect(createErrors('Service', svc({ type: 'Magic', ports: [{ port: 1 }] }))).toEqual(['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']);
    expect(createErrors('Service', svc({ ports: [{ port: 1 }], externalTrafficPolicy: 'Local' }))).toEqual([
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ]);
    expect(createErrors('Service', svc({ ports: [{ port: 1 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }))).toEqual([
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400',
    ]);
    expect(createErrors('Service', svc({ ports: [{ port: 1 }], externalIPs: ['127.0.0.1'] }))).toEqual(['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  });

  it('validates cluster IPs and IP families', () => {
    expect(createErrors('Service', svc({ ports: [{ port: 1 }], clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.11'] }))).toEqual(['spec.clusterIPs: Invalid value: ["10.43.0.11"]: first value must match `clusterIP`']);
    expect(createErrors('Service', svc({ ports: [{ port: 1 }], clusterIP: '10.43.0.10', ipFamilies: ['IPv6'] }))).toEqual([
      'spec.clusterIPs[0]: Invalid value: "10.43.0.10": expected an IPv6 value as indicated by `ipFamilies[0]`',
    ]);
  });

  it('reports the DNS-1035 rule for service names starting with a digit', () => {
    expect(createErrors('Service', svc({ ports: [{ port: 1 }] }, '1web'))).toEqual([
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it('keeps cluster IPs stable on update', () => {
    const old = defaulted('Service', svc({ ports: [{ port: 80 }], clusterIP: '10.43.0.10', ipFamilies: ['IPv4'] }));
    const next = defaulted('Service', svc({ ports: [{ port: 80 }], clusterIP: '10.43.0.11', ipFamilies: ['IPv4'] }));
    expect(updateErrors('Service', next, old)).toEqual(['spec.clusterIPs[0]: Invalid value: ["10.43.0.11"]: may not change once set']);
    const scaled = defaulted('Service', svc({ ports: [{ port: 80 }, { port: 81, name: 'b' }], clusterIP: '10.43.0.10', ipFamilies: ['IPv4'] }));
    expect(updateErrors('Service', scaled, old)).toEqual(['spec.ports[0].name: Required value']);
  });

  it('validates load-balancer status', () => {
    const lb = defaulted('Service', svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }));
    expect(statusErrors('Service', { ...lb, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }] } } }, lb)).toEqual([]);
    expect(statusErrors('Service', { ...lb, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: '5.6.7.8' }] } } }, lb)).toEqual([
      'status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set',
      'status.loadBalancer.ingress[1].hostname: Invalid value: "5.6.7.8": must be a DNS name, not an IP address',
    ]);
  });
});

describe('Endpoints', () => {
  it('validates subsets, addresses and ports', () => {
    const ep = { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 80 }] }] };
    expect(createErrors('Endpoints', ep)).toEqual([]);
    expect(createErrors('Endpoints', { ...ep, subsets: [{ ports: [{ port: 80 }] }, { addresses: [{ ip: '169.254.1.1' }], ports: [{ port: 1 }, { port: 2 }] }] })).toEqual([
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
      'subsets[1].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      'subsets[1].ports[0].name: Required value',
      'subsets[1].ports[1].name: Required value',
    ]);
  });
});
