/**
 * The rules kube-proxy's iptables proxier (pkg/proxy/iptables/proxier.go, syncProxyRules) writes
 * for IPv4, computed from Services and EndpointSlices as data: chain → its rules, per table.
 * Nothing here touches iptables; iptables-syncer.ts applies the result.
 *
 * nat:
 *  - KUBE-SERVICES: per service port `-d clusterIP --dport port -j KUBE-SVC-…` (or KUBE-SVL-… for
 *    internalTrafficPolicy Local), external IPs and LoadBalancer ingress IPs `-j KUBE-EXT-…` (or
 *    KUBE-FW-… with loadBalancerSourceRanges), and last the jump to KUBE-NODEPORTS for local
 *    destinations, 127.0.0.0/8 included (kube-proxy's --iptables-localhost-nodeports, on by
 *    default: `curl localhost:<nodePort>` answers; the agent sets route_localnet for it).
 *  - KUBE-NODEPORTS: `--dport nodePort -j KUBE-EXT-…`.
 *  - KUBE-SVC-… (Cluster policy) / KUBE-SVL-… (Local): masquerade off-cluster sources (`! -s
 *    clusterCIDR`), ClientIP affinity (`-m recent --rcheck --seconds N --reap`), then one rule per
 *    endpoint with `-m statistic --mode random --probability 1/(n-i)` except the last.
 *  - KUBE-EXT-…: masquerade (Cluster policy), or for Local policy: pod sources → KUBE-SVC, host
 *    sources masqueraded → KUBE-SVC, the rest → KUBE-SVL.
 *  - KUBE-SEP-…: hairpin (`-s endpointIP -j KUBE-MARK-MASQ`), `-m recent --set` with affinity,
 *    DNAT to ip:port.
 *  - KUBE-MARK-MASQ sets the mark, KUBE-POSTROUTING masquerades marked packets.
 * filter:
 *  - KUBE-SERVICES / KUBE-EXTERNAL-SERVICES: REJECT for service ports without any endpoint
 *    ("… has no endpoints"), DROP for Local policy without a local endpoint;
 *  - KUBE-FIREWALL (also kubelet's): with localhost node ports, "block incoming localnet
 *    connections" — packets for 127.0.0.0/8 from elsewhere, which route_localnet would let in;
 *  - KUBE-NODEPORTS: health check node ports ACCEPT; KUBE-PROXY-FIREWALL: DROP what the
 *    KUBE-FW chain did not accept; KUBE-FORWARD: INVALID dropped, marked and established traffic
 *    accepted.
 *
 * Service ports are emitted sorted by name (upstream iterates a map), endpoints sorted by ip:port.
 */
import type { EndpointSliceView, ServiceView } from '../network/service-views.js';
import { categorizeEndpoints, externallyAccessible, portEndpoints, servicePorts, usesClusterEndpoints, usesLocalEndpoints, type EndpointInfo, type ServicePortInfo } from './service-ports.js';

export type Table = Map<string, string[]>;

export interface Ruleset {
  readonly filter: Table;
  readonly nat: Table;
}

export interface RulesInput {
  readonly services: readonly ServiceView[];
  readonly endpointSlices: (namespace: string, service: string) => readonly EndpointSliceView[];
  readonly nodeName: string;
  /** This node's IPs (KUBE-FW: a source range containing one lets the node reach the LB IP). */
  readonly nodeIps: readonly string[];
  /** The pod CIDR of the cluster: traffic from outside it to a cluster IP is masqueraded. */
  readonly clusterCidr?: string;
  /** Bit of the masquerade mark (kube-proxy --iptables-masquerade-bit, default 14 → 0x4000). */
  readonly masqueradeBit?: number;
  /** Addresses NodePorts answer on (default: every local address, 127.0.0.0/8 included). */
  readonly nodePortAddresses?: readonly string[];
}

/** NodePorts answer on 127.0.0.0/8 (kube-proxy then needs net.ipv4.conf.all.route_localnet=1). */
export function localhostNodePorts(nodePortAddresses: readonly string[] | undefined): boolean {
  return !nodePortAddresses || nodePortAddresses.length === 0 || nodePortAddresses.some((ip) => ip.startsWith('127.'));
}

export const NAT_TOP_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'] as const;
export const FILTER_TOP_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL'] as const;
/** Prefixes of per-service chains in nat (stale ones are deleted). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;

export function isServiceChain(name: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => name.startsWith(p));
}

/** A jump from a built-in chain into ours (pkg/proxy/iptables iptablesJumpChains). */
export interface JumpRule {
  readonly table: 'filter' | 'nat';
  readonly from: string;
  readonly to: string;
  /** Arguments before `-j` (conntrack match, comment), as written. */
  readonly args: string;
  readonly comment: string;
}

const jump = (table: 'filter' | 'nat', to: string, from: string, comment: string, extra = ''): JumpRule => ({
  table,
  from,
  to,
  comment,
  args: `${extra ? `${extra} ` : ''}-m comment --comment ${quote(comment)}`,
});

export const JUMP_RULES: readonly JumpRule[] = [
  jump('filter', 'KUBE-EXTERNAL-SERVICES', 'INPUT', 'kubernetes externally-visible service portals', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-EXTERNAL-SERVICES', 'FORWARD', 'kubernetes externally-visible service portals', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-NODEPORTS', 'INPUT', 'kubernetes health check service ports'),
  jump('filter', 'KUBE-SERVICES', 'FORWARD', 'kubernetes service portals', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-FORWARD', 'FORWARD', 'kubernetes forwarding rules'),
  jump('filter', 'KUBE-PROXY-FIREWALL', 'INPUT', 'kubernetes load balancer firewall', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-PROXY-FIREWALL', 'OUTPUT', 'kubernetes load balancer firewall', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-PROXY-FIREWALL', 'FORWARD', 'kubernetes load balancer firewall', '-m conntrack --ctstate NEW'),
  jump('filter', 'KUBE-FIREWALL', 'INPUT', 'kubernetes firewall'),
  jump('filter', 'KUBE-FIREWALL', 'OUTPUT', 'kubernetes firewall'),
  jump('nat', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals'),
  jump('nat', 'KUBE-SERVICES', 'PREROUTING', 'kubernetes service portals'),
  jump('nat', 'KUBE-POSTROUTING', 'POSTROUTING', 'kubernetes postrouting rules'),
];

/** Quotes a comment that has spaces, as upstream writes them. */
export function quote(text: string): string {
  return /\s/.test(text) ? `"${text}"` : text;
}

/** `1/n` with ten decimals, as kube-proxy's computeProbability. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const toNum = (s: string) => s.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(toNum(ip) / size) === Math.floor(toNum(base) / size);
}

export function computeRules(input: RulesInput): Ruleset {
  const mark = `0x${(1 << (input.masqueradeBit ?? 14)).toString(16)}`;
  const filter: Table = new Map(FILTER_TOP_CHAINS.map((c) => [c, []]));
  const nat: Table = new Map(NAT_TOP_CHAINS.map((c) => [c, []]));
  const add = (t: Table, chain: string, rule: string) => {
    let rules = t.get(chain);
    if (!rules) t.set(chain, (rules = []));
    rules.push(`-A ${chain} ${rule}`);
  };
  const declare = (t: Table, chain: string) => {
    if (!t.has(chain)) t.set(chain, []);
  };

  add(nat, 'KUBE-POSTROUTING', `-m mark ! --mark ${mark}/${mark} -j RETURN`);
  add(nat, 'KUBE-POSTROUTING', `-j MARK --xor-mark ${mark}`);
  add(nat, 'KUBE-POSTROUTING', `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  add(nat, 'KUBE-MARK-MASQ', `-j MARK --or-mark ${mark}`);

  const ifLocal = input.clusterCidr ? `-s ${input.clusterCidr}` : undefined;
  const ifNotLocal = input.clusterCidr ? `! -s ${input.clusterCidr}` : undefined;

  const ports: { sp: ServicePortInfo; endpoints: EndpointInfo[] }[] = [];
  for (const svc of input.services) {
    const slices = input.endpointSlices(svc.namespace, svc.name);
    const infos = servicePorts(svc);
    svc.ports.forEach((p, i) => {
      const sp = infos[i];
      if (sp) ports.push({ sp, endpoints: portEndpoints(sp, p.name, slices, input.nodeName) });
    });
  }
  ports.sort((a, b) => (a.sp.name + a.sp.protocol < b.sp.name + b.sp.protocol ? -1 : 1));

  for (const { sp, endpoints } of ports) {
    const proto = `-m ${sp.protocol} -p ${sp.protocol}`;
    const { cluster, local, allReachable, hasAny } = categorizeEndpoints(sp, endpoints);
    const usesClusterChain = cluster.length > 0 && usesClusterEndpoints(sp);
    const usesLocalChain = local.length > 0 && usesLocalEndpoints(sp);
    let internalChain = sp.svcChain;
    let hasInternal = hasAny;
    if (sp.internalPolicyLocal) {
      internalChain = sp.svlChain;
      if (local.length === 0) hasInternal = false;
    }
    let externalPolicyChain = sp.svcChain;
    let hasExternal = hasAny;
    if (sp.externalPolicyLocal) {
      externalPolicyChain = sp.svlChain;
      if (local.length === 0) hasExternal = false;
    }
    const usesExtChain = hasAny && externallyAccessible(sp);
    const usesFw = hasAny && sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFw ? sp.fwChain : sp.extChain;

    let internalFilter: { target: string; comment: string } | undefined;
    let externalFilter: { target: string; comment: string } | undefined;
    if (!hasAny) {
      internalFilter = externalFilter = { target: 'REJECT', comment: `"${sp.name} has no endpoints"` };
    } else {
      if (!hasInternal) internalFilter = { target: 'DROP', comment: `"${sp.name} has no local endpoints"` };
      if (!hasExternal) externalFilter = { target: 'DROP', comment: `"${sp.name} has no local endpoints"` };
    }

    // Capture the cluster IP.
    if (hasInternal) add(nat, 'KUBE-SERVICES', `-m comment --comment "${sp.name} cluster IP" ${proto} -d ${sp.clusterIP} --dport ${sp.port} -j ${internalChain}`);
    else if (internalFilter) add(filter, 'KUBE-SERVICES', `-m comment --comment ${internalFilter.comment} ${proto} -d ${sp.clusterIP} --dport ${sp.port} -j ${internalFilter.target}`);

    // Capture external IPs.
    for (const ip of sp.externalIPs) {
      if (hasAny) add(nat, 'KUBE-SERVICES', `-m comment --comment "${sp.name} external IP" ${proto} -d ${ip} --dport ${sp.port} -j ${sp.extChain}`);
      if (!hasExternal && externalFilter) add(filter, 'KUBE-EXTERNAL-SERVICES', `-m comment --comment ${externalFilter.comment} ${proto} -d ${ip} --dport ${sp.port} -j ${externalFilter.target}`);
    }

    // Capture load-balancer ingress IPs.
    for (const ip of sp.loadBalancerVIPs) {
      if (hasAny) add(nat, 'KUBE-SERVICES', `-m comment --comment "${sp.name} loadbalancer IP" ${proto} -d ${ip} --dport ${sp.port} -j ${lbChain}`);
      if (usesFw) add(filter, 'KUBE-PROXY-FIREWALL', `-m comment --comment "${sp.name} traffic not accepted by ${sp.fwChain}" ${proto} -d ${ip} --dport ${sp.port} -j DROP`);
    }
    if (!hasExternal && externalFilter) {
      for (const ip of sp.loadBalancerVIPs) add(filter, 'KUBE-EXTERNAL-SERVICES', `-m comment --comment ${externalFilter.comment} ${proto} -d ${ip} --dport ${sp.port} -j ${externalFilter.target}`);
    }

    // Capture node ports.
    if (sp.nodePort !== 0) {
      if (hasAny) add(nat, 'KUBE-NODEPORTS', `-m comment --comment ${sp.name} ${proto} --dport ${sp.nodePort} -j ${sp.extChain}`);
      if (!hasExternal && externalFilter) {
        add(filter, 'KUBE-EXTERNAL-SERVICES', `-m comment --comment ${externalFilter.comment} -m addrtype --dst-type LOCAL ${proto} --dport ${sp.nodePort} -j ${externalFilter.target}`);
      }
    }
    if (sp.healthCheckNodePort !== 0) {
      add(filter, 'KUBE-NODEPORTS', `-m comment --comment "${sp.name} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
    }

    // Internal traffic from outside the pod network is masqueraded.
    if (hasInternal && ifNotLocal) {
      declare(nat, internalChain);
      add(nat, internalChain, `-m comment --comment "${sp.name} cluster IP" ${proto} -d ${sp.clusterIP} --dport ${sp.port} ${ifNotLocal} -j KUBE-MARK-MASQ`);
    }

    if (usesExtChain) {
      declare(nat, sp.extChain);
      if (!sp.externalPolicyLocal) {
        add(nat, sp.extChain, `-m comment --comment "masquerade traffic for ${sp.name} external destinations" -j KUBE-MARK-MASQ`);
      } else {
        if (ifLocal) add(nat, sp.extChain, `-m comment --comment "pod traffic for ${sp.name} external destinations" ${ifLocal} -j ${sp.svcChain}`);
        add(nat, sp.extChain, `-m comment --comment "masquerade LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
        add(nat, sp.extChain, `-m comment --comment "route LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j ${sp.svcChain}`);
      }
      if (hasExternal) add(nat, sp.extChain, `-j ${externalPolicyChain}`);
    }

    if (usesFw) {
      declare(nat, sp.fwChain);
      const head = `-m comment --comment "${sp.name} loadbalancer IP"`;
      let allowFromNode = false;
      for (const cidr of sp.loadBalancerSourceRanges) {
        add(nat, sp.fwChain, `${head} -s ${cidr} -j ${sp.extChain}`);
        if (input.nodeIps.some((ip) => inCidr(ip, cidr))) allowFromNode = true;
      }
      if (allowFromNode) for (const ip of sp.loadBalancerVIPs) add(nat, sp.fwChain, `${head} -s ${ip} -j ${sp.extChain}`);
      add(nat, sp.fwChain, `-m comment --comment "other traffic to ${sp.name} will be dropped by KUBE-PROXY-FIREWALL"`);
    }

    if (usesClusterChain) {
      declare(nat, sp.svcChain);
      writeServiceToEndpointRules(nat, add, sp, sp.svcChain, cluster);
    }
    if (usesLocalChain) {
      declare(nat, sp.svlChain);
      writeServiceToEndpointRules(nat, add, sp, sp.svlChain, local);
    }

    for (const ep of allReachable) {
      declare(nat, ep.chain);
      add(nat, ep.chain, `-m comment --comment ${sp.name} -s ${ep.ip} -j KUBE-MARK-MASQ`);
      const affinity = sp.stickySeconds > 0 ? ` -m recent --name ${ep.chain} --set` : '';
      add(nat, ep.chain, `-m comment --comment ${sp.name}${affinity} ${proto} -j DNAT --to-destination ${ep.endpoint}`);
    }
  }

  // Last rule of KUBE-SERVICES: node ports.
  const nodePortComment = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (!input.nodePortAddresses || input.nodePortAddresses.length === 0) {
    add(nat, 'KUBE-SERVICES', `${nodePortComment} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  } else {
    for (const ip of input.nodePortAddresses) add(nat, 'KUBE-SERVICES', `${nodePortComment} -d ${ip} -j KUBE-NODEPORTS`);
  }
  // route_localnet would also let packets for 127.0.0.0/8 in from the network; upstream's guard.
  if (localhostNodePorts(input.nodePortAddresses)) {
    add(filter, 'KUBE-FIREWALL', '-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  }

  add(filter, 'KUBE-FORWARD', '-m conntrack --ctstate INVALID -j DROP');
  add(filter, 'KUBE-FORWARD', `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  add(filter, 'KUBE-FORWARD', '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  return { filter, nat };
}

function writeServiceToEndpointRules(
  nat: Table,
  add: (t: Table, chain: string, rule: string) => void,
  sp: ServicePortInfo,
  chain: string,
  endpoints: readonly EndpointInfo[],
): void {
  if (sp.stickySeconds > 0) {
    for (const ep of endpoints) {
      add(nat, chain, `-m comment --comment "${sp.name} -> ${ep.endpoint}" -m recent --name ${ep.chain} --rcheck --seconds ${sp.stickySeconds} --reap -j ${ep.chain}`);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    add(nat, chain, `-m comment --comment "${sp.name} -> ${ep.endpoint}"${stat} -j ${ep.chain}`);
  });
}
