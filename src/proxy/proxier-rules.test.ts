import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { endpointSliceView, serviceView, type EndpointSliceView, type ServiceView } from '../network/service-views.js';
import { computeRules, probability, type RulesInput } from './proxier-rules.js';
import { base32, endpointChainName, serviceChainName } from './service-ports.js';

function svc(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): ServiceView {
  return serviceView({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns1', name }, spec, ...(status ? { status } : {}) } as KubeObject);
}

interface Ep {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

function slice(service: string, eps: Ep[], ports: { name: string; port: number; protocol?: string }[]): EndpointSliceView {
  return endpointSliceView({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'ns1', name: `${service}-abc`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      ...(e.node ? { nodeName: e.node } : {}),
      conditions: { ready: e.ready ?? true, ...(e.serving !== undefined ? { serving: e.serving } : {}), ...(e.terminating !== undefined ? { terminating: e.terminating } : {}) },
    })),
  } as KubeObject);
}

function rules(services: ServiceView[], slices: EndpointSliceView[], extra: Partial<RulesInput> = {}) {
  return computeRules({
    services,
    endpointSlices: (ns, name) => slices.filter((s) => s.namespace === ns && s.serviceName === name),
    nodeName: 'node-a',
    nodeIps: ['192.168.5.10'],
    clusterCidr: '10.42.0.0/16',
    ...extra,
  });
}

const SVC = serviceChainName('KUBE-SVC-', 'ns1/svc1:p80', 'tcp');
const SVL = serviceChainName('KUBE-SVL-', 'ns1/svc1:p80', 'tcp');
const EXT = serviceChainName('KUBE-EXT-', 'ns1/svc1:p80', 'tcp');
const FW = serviceChainName('KUBE-FW-', 'ns1/svc1:p80', 'tcp');
const sep = (ep: string) => endpointChainName('ns1/svc1:p80', 'tcp', ep);
const clusterIp = (extra: Record<string, unknown> = {}) => svc('svc1', { clusterIP: '10.43.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP', ...extra }] });
const nodePortSvc = (spec: Record<string, unknown> = {}) => svc('svc1', { type: 'NodePort', clusterIP: '10.43.0.41', ports: [{ name: 'p80', port: 80, nodePort: 30080 }], ...spec });

describe('chain names', () => {
  it('hash servicePortName+protocol (and endpoint) as kube-proxy does', () => {
    // Vectors from kube-proxy's own tests (pkg/proxy/iptables/proxier_test.go).
    expect(SVC).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(sep('10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
    expect(base32(Buffer.from('foobar'))).toBe('MZXW6YTBOI======');
  });

  it('formats probabilities like computeProbability', () => {
    expect([probability(2), probability(3), probability(7)]).toEqual(['0.5000000000', '0.3333333333', '0.1428571429']);
  });
});

describe('computeRules', () => {
  it('writes the fixed chains: masquerade mark, postrouting, forward, node-port tail rule, localnet guard', () => {
    const r = rules([], []);
    expect(r.nat.get('KUBE-POSTROUTING')).toEqual([
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    expect(r.nat.get('KUBE-MARK-MASQ')).toEqual(['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000']);
    expect(r.nat.get('KUBE-SERVICES')).toEqual([
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ]);
    const guard = '-A KUBE-FIREWALL -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP';
    expect(r.filter.get('KUBE-FIREWALL')).toEqual([guard]);
    expect(r.filter.get('KUBE-FORWARD')).toEqual([
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ]);
    expect([...r.filter.keys()]).toEqual(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL']);
    expect(rules([], [], { masqueradeBit: 12 }).nat.get('KUBE-MARK-MASQ')).toEqual(['-A KUBE-MARK-MASQ -j MARK --or-mark 0x1000']);
    const onOneAddress = rules([], [], { nodePortAddresses: ['192.168.5.10'] });
    expect(onOneAddress.nat.get('KUBE-SERVICES')).toEqual([
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.5.10 -j KUBE-NODEPORTS',
    ]);
    // No loopback node ports: the chain stays (its jumps are fixed) but guards nothing.
    expect(onOneAddress.filter.get('KUBE-FIREWALL')).toEqual([]);
    expect(rules([], [], { nodePortAddresses: ['127.0.0.1'] }).filter.get('KUBE-FIREWALL')).toEqual([guard]);
  });

  it('sends a cluster IP to KUBE-SVC, which picks an endpoint at random; endpoints DNAT with hairpin masquerade', () => {
    const r = rules([clusterIp()], [slice('svc1', [{ ip: '10.180.0.2' }, { ip: '10.180.0.1' }], [{ name: 'p80', port: 80 }])]);
    expect(r.nat.get('KUBE-SERVICES')?.[0]).toBe(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.43.0.41 --dport 80 -j ${SVC}`);
    expect(r.nat.get(SVC)).toEqual([
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.43.0.41 --dport 80 ! -s 10.42.0.0/16 -j KUBE-MARK-MASQ`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-SXIVWICOYRO3J4NJ`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.2:80" -j ${sep('10.180.0.2:80')}`,
    ]);
    expect(r.nat.get('KUBE-SEP-SXIVWICOYRO3J4NJ')).toEqual([
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
    ]);
    expect(r.filter.get('KUBE-SERVICES')).toEqual([]);
    // Without a cluster CIDR there is no local-traffic detector and no off-cluster masquerade.
    expect(rules([clusterIp()], [slice('svc1', [{ ip: '10.180.0.1' }], [{ name: 'p80', port: 80 }])], { clusterCidr: undefined }).nat.get(SVC)).toEqual([
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`,
    ]);
  });

  it('splits traffic evenly over n endpoints with probabilities 1/n, 1/(n-1), …', () => {
    const eps = ['10.180.0.1', '10.180.0.2', '10.180.0.3'].map((ip) => ({ ip }));
    const r = rules([clusterIp()], [slice('svc1', eps, [{ name: 'p80', port: 80 }])]);
    const lb = (r.nat.get(SVC) ?? []).slice(1).map((l) => /--probability (\S+)/.exec(l)?.[1] ?? 'last');
    expect(lb).toEqual(['0.3333333333', '0.5000000000', 'last']);
  });

  it('uses only ready endpoints, then serving-terminating ones when none is ready', () => {
    const r1 = rules([clusterIp()], [slice('svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.0.2', ready: false }], [{ name: 'p80', port: 80 }])]);
    expect(r1.nat.has(sep('10.180.0.2:80'))).toBe(false);
    expect(r1.nat.get(SVC)?.at(-1)).toBe(`-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`);
    const r2 = rules([clusterIp()], [slice('svc1', [{ ip: '10.180.0.1', ready: false, serving: true, terminating: true }, { ip: '10.180.0.2', ready: false, serving: false }], [{ name: 'p80', port: 80 }])]);
    expect(r2.nat.get(SVC)?.at(-1)).toBe(`-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`);
    expect(r2.nat.has(sep('10.180.0.2:80'))).toBe(false);
  });

  it('matches endpoints by port name and protocol', () => {
    const s = svc('svc1', { clusterIP: '10.43.0.41', ports: [{ name: 'p80', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    const r = rules([s], [slice('svc1', [{ ip: '10.180.0.1' }], [{ name: 'p80', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }])]);
    const udpSvc = serviceChainName('KUBE-SVC-', 'ns1/svc1:dns', 'udp');
    expect(r.nat.get('KUBE-SERVICES')?.slice(0, 2)).toEqual([
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:dns cluster IP" -m udp -p udp -d 10.43.0.41 --dport 53 -j ${udpSvc}`,
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.43.0.41 --dport 80 -j ${SVC}`,
    ]);
    const udpSep = endpointChainName('ns1/svc1:dns', 'udp', '10.180.0.1:5353');
    expect(r.nat.get(udpSep)?.[1]).toBe(`-A ${udpSep} -m comment --comment ns1/svc1:dns -m udp -p udp -j DNAT --to-destination 10.180.0.1:5353`);
  });

  it('rejects traffic to a service without endpoints in filter and writes no nat chain for it', () => {
    const r = rules([nodePortSvc()], []);
    expect(r.filter.get('KUBE-SERVICES')).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 10.43.0.41 --dport 80 -j REJECT',
    ]);
    expect(r.filter.get('KUBE-EXTERNAL-SERVICES')).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT',
    ]);
    expect([...r.nat.keys()]).toEqual(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']);
    expect(r.nat.get('KUBE-NODEPORTS')).toEqual([]);
  });

  it('sends node ports through KUBE-EXT, which masquerades for Cluster policy', () => {
    const r = rules([nodePortSvc()], [slice('svc1', [{ ip: '10.180.0.1', node: 'node-b' }], [{ name: 'p80', port: 80 }])]);
    expect(r.nat.get('KUBE-NODEPORTS')).toEqual([`-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 30080 -j ${EXT}`]);
    expect(r.nat.get(EXT)).toEqual([
      `-A ${EXT} -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ`,
      `-A ${EXT} -j ${SVC}`,
    ]);
    // The node-port jump stays the last rule of KUBE-SERVICES.
    expect(r.nat.get('KUBE-SERVICES')?.at(-1)).toContain('-j KUBE-NODEPORTS');
  });

  it('externalTrafficPolicy Local: external traffic to local endpoints only, pod and host traffic short-circuited to the cluster chain', () => {
    const eps = [{ ip: '10.180.0.1', node: 'node-a' }, { ip: '10.180.0.2', node: 'node-b' }];
    const r = rules([nodePortSvc({ externalTrafficPolicy: 'Local' })], [slice('svc1', eps, [{ name: 'p80', port: 80 }])]);
    expect(r.nat.get(EXT)).toEqual([
      `-A ${EXT} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.42.0.0/16 -j ${SVC}`,
      `-A ${EXT} -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${EXT} -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j ${SVC}`,
      `-A ${EXT} -j ${SVL}`,
    ]);
    expect(r.nat.get(SVL)).toEqual([`-A ${SVL} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`]);
    // The cluster IP still balances over every endpoint.
    expect(r.nat.get(SVC)?.filter((l) => l.includes('-> 10.180.0.'))).toHaveLength(2);

    // No local endpoint: external traffic from outside is dropped, the short circuit stays.
    const remote = rules([nodePortSvc({ externalTrafficPolicy: 'Local' })], [slice('svc1', [eps[1]], [{ name: 'p80', port: 80 }])]);
    expect(remote.filter.get('KUBE-EXTERNAL-SERVICES')).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP',
    ]);
    expect(remote.nat.get(EXT)).toHaveLength(3);
    expect(remote.nat.has(SVL)).toBe(false);
  });

  it('internalTrafficPolicy Local: the cluster IP goes to local endpoints, or is dropped without any', () => {
    const eps = [{ ip: '10.180.0.1', node: 'node-a' }, { ip: '10.180.0.2', node: 'node-b' }];
    const r = rules([clusterIp()].map(() => svc('svc1', { clusterIP: '10.43.0.41', internalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80 }] })), [slice('svc1', eps, [{ name: 'p80', port: 80 }])]);
    expect(r.nat.get('KUBE-SERVICES')?.[0]).toBe(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.43.0.41 --dport 80 -j ${SVL}`);
    expect(r.nat.get(SVL)?.slice(1)).toEqual([`-A ${SVL} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`]);
    expect(r.nat.has(SVC)).toBe(false);
    expect(r.nat.has(sep('10.180.0.2:80'))).toBe(false);
    const none = rules([svc('svc1', { clusterIP: '10.43.0.41', internalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80 }] })], [slice('svc1', [eps[1]], [{ name: 'p80', port: 80 }])]);
    expect(none.filter.get('KUBE-SERVICES')).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 10.43.0.41 --dport 80 -j DROP',
    ]);
  });

  it('sessionAffinity ClientIP: recent-match rules before the random ones, --set in the endpoint chain', () => {
    const s = svc('svc1', { clusterIP: '10.43.0.41', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ name: 'p80', port: 80 }] });
    const r = rules([s], [slice('svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.0.2' }], [{ name: 'p80', port: 80 }])]);
    const s1 = 'KUBE-SEP-SXIVWICOYRO3J4NJ';
    const s2 = sep('10.180.0.2:80');
    expect(r.nat.get(SVC)?.slice(1)).toEqual([
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name ${s1} --rcheck --seconds 600 --reap -j ${s1}`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.2:80" -m recent --name ${s2} --rcheck --seconds 600 --reap -j ${s2}`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j ${s1}`,
      `-A ${SVC} -m comment --comment "ns1/svc1:p80 -> 10.180.0.2:80" -j ${s2}`,
    ]);
    expect(r.nat.get(s1)?.[1]).toBe(`-A ${s1} -m comment --comment ns1/svc1:p80 -m recent --name ${s1} --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80`);
    // Default timeout 10800 s.
    const d = rules([svc('svc1', { clusterIP: '10.43.0.41', sessionAffinity: 'ClientIP', ports: [{ name: 'p80', port: 80 }] })], [slice('svc1', [{ ip: '10.180.0.1' }], [{ name: 'p80', port: 80 }])]);
    expect(d.nat.get(SVC)?.[1]).toContain('--rcheck --seconds 10800 --reap');
  });

  it('captures LoadBalancer ingress IPs and external IPs into KUBE-EXT', () => {
    const lb = svc('svc1', { type: 'LoadBalancer', clusterIP: '10.43.0.41', externalIPs: ['192.0.2.7'], ports: [{ name: 'p80', port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '192.168.5.10' }, { ip: '192.168.5.11', ipMode: 'Proxy' }, { hostname: 'lb.example' }] } });
    const r = rules([lb], [slice('svc1', [{ ip: '10.180.0.1' }], [{ name: 'p80', port: 80 }])]);
    expect(r.nat.get('KUBE-SERVICES')?.slice(0, 3)).toEqual([
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.43.0.41 --dport 80 -j ${SVC}`,
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 external IP" -m tcp -p tcp -d 192.0.2.7 --dport 80 -j ${EXT}`,
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 192.168.5.10 --dport 80 -j ${EXT}`,
    ]);
    // Without endpoints: rejected at the LB and external IPs too.
    const empty = rules([lb], []);
    expect(empty.filter.get('KUBE-EXTERNAL-SERVICES')).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.0.2.7 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.168.5.10 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT',
    ]);
  });

  it('loadBalancerSourceRanges: a KUBE-FW chain accepts the ranges (and the node), KUBE-PROXY-FIREWALL drops the rest', () => {
    const lb = svc('svc1', { type: 'LoadBalancer', clusterIP: '10.43.0.41', loadBalancerSourceRanges: ['203.0.113.0/24', '192.168.5.0/24'], ports: [{ name: 'p80', port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '192.168.5.10' }] } });
    const r = rules([lb], [slice('svc1', [{ ip: '10.180.0.1' }], [{ name: 'p80', port: 80 }])]);
    expect(r.nat.get('KUBE-SERVICES')?.[1]).toBe(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 192.168.5.10 --dport 80 -j ${FW}`);
    expect(r.nat.get(FW)).toEqual([
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/24 -j ${EXT}`,
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 192.168.5.0/24 -j ${EXT}`,
      `-A ${FW} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 192.168.5.10 -j ${EXT}`,
      `-A ${FW} -m comment --comment "other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL"`,
    ]);
    expect(r.filter.get('KUBE-PROXY-FIREWALL')).toEqual([
      `-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by ${FW}" -m tcp -p tcp -d 192.168.5.10 --dport 80 -j DROP`,
    ]);
  });

  it('accepts the health check node port of a Local LoadBalancer', () => {
    const lb = svc('svc1', { type: 'LoadBalancer', clusterIP: '10.43.0.41', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ports: [{ name: 'p80', port: 80, nodePort: 30080 }] });
    expect(rules([lb], []).filter.get('KUBE-NODEPORTS')).toEqual([
      '-A KUBE-NODEPORTS -m comment --comment "ns1/svc1:p80 health check node port" -m tcp -p tcp --dport 32000 -j ACCEPT',
    ]);
  });

  it('ignores headless and ExternalName Services, and a port without a name is named after the Service', () => {
    const r = rules(
      [svc('h', { clusterIP: 'None', ports: [{ name: 'p', port: 80 }] }), svc('e', { type: 'ExternalName', externalName: 'x.example' }), svc('plain', { clusterIP: '10.43.0.50', ports: [{ port: 80 }] })],
      [slice('h', [{ ip: '10.180.0.9' }], [{ name: 'p', port: 80 }]), slice('plain', [{ ip: '10.180.0.8' }], [{ name: '', port: 8080 }])],
    );
    const plainSvc = serviceChainName('KUBE-SVC-', 'ns1/plain', 'tcp');
    expect(r.nat.get('KUBE-SERVICES')?.[0]).toBe(`-A KUBE-SERVICES -m comment --comment "ns1/plain cluster IP" -m tcp -p tcp -d 10.43.0.50 --dport 80 -j ${plainSvc}`);
    expect(r.nat.get('KUBE-SERVICES')).toHaveLength(2);
    expect(r.filter.get('KUBE-SERVICES')).toEqual([]);
  });
});
