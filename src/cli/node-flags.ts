/**
 * The node flags shared by `lite agent` and `lite server`'s embedded agent (--node-name,
 * --node-label, --node-taint, --node-ip, --docker-socket), checked with messages that name the
 * flag.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import type { Taint } from '../kubelet/node/node-object.js';
import { durationFlag, FlagError, parseLabels, parseTaint } from './simulation-flags.js';
import type { NodeNetworkConfig } from '../agent/node-network.js';
import { parseCidr } from '../util/ipv4.js';

export interface NodeFlags {
  readonly nodeName: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
  readonly nodeIp?: string;
  readonly dockerSocket: string;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : [];
}

export function nodeFlagsFrom(argv: Record<string, unknown>): NodeFlags {
  const name = typeof argv['node-name'] === 'string' && argv['node-name'] ? argv['node-name'] : hostname().toLowerCase();
  const problems = isDNS1123Subdomain(name);
  if (problems.length) throw new FlagError(`--node-name ${JSON.stringify(name)} is not a valid node name: ${problems.join('; ')}${argv['node-name'] ? '' : " (it is this host's name; choose one with --node-name)"}`);
  const nodeIp = typeof argv['node-ip'] === 'string' && argv['node-ip'] ? argv['node-ip'] : undefined;
  if (nodeIp !== undefined && isIP(nodeIp) === 0) throw new FlagError(`--node-ip must be an IP address, got ${JSON.stringify(nodeIp)}`);
  const socket = typeof argv['docker-socket'] === 'string' && argv['docker-socket'] ? argv['docker-socket'] : '/var/run/docker.sock';
  return {
    nodeName: name,
    labels: parseLabels(strings(argv['node-label']), '--node-label'),
    taints: strings(argv['node-taint']).map((t) => parseTaint(t, '--node-taint')),
    ...(nodeIp ? { nodeIp } : {}),
    dockerSocket: socket.replace(/^unix:\/\//, ''),
  };
}

export interface NetworkFlags {
  readonly network: NodeNetworkConfig;
  /** undefined: the 10th address of the service CIDR. */
  readonly clusterDns?: string;
  readonly clusterDomain: string;
  readonly cleanup: boolean;
}

/** The networking flags of a node (--flannel-backend, --disable-kube-proxy, --cluster-dns …). */
export function networkFlagsFrom(argv: Record<string, unknown>, clusterCidr: string): NetworkFlags {
  const backend = String(argv['flannel-backend'] ?? 'vxlan');
  if (backend !== 'vxlan' && backend !== 'host-gw' && backend !== 'none') throw new FlagError(`--flannel-backend must be vxlan, host-gw or none, got ${JSON.stringify(backend)}`);
  const period = durationFlag(argv, 'proxy-sync-period', '30s', '30s or 1m');
  try {
    parseCidr(clusterCidr);
  } catch (e) {
    throw new FlagError(`--cluster-cidr: ${(e as Error).message}`);
  }
  const dns = typeof argv['cluster-dns'] === 'string' && argv['cluster-dns'] ? argv['cluster-dns'] : undefined;
  if (dns !== undefined && isIP(dns) !== 4) throw new FlagError(`--cluster-dns must be an IPv4 address, got ${JSON.stringify(dns)}`);
  const domain = typeof argv['cluster-domain'] === 'string' && argv['cluster-domain'] ? argv['cluster-domain'].replace(/\.$/, '') : 'cluster.local';
  if (isDNS1123Subdomain(domain).length) throw new FlagError(`--cluster-domain ${JSON.stringify(domain)} is not a valid domain`);
  const iface = typeof argv['flannel-iface'] === 'string' && argv['flannel-iface'] ? argv['flannel-iface'] : undefined;
  return {
    network: { clusterCidr, flannelBackend: backend, ...(iface ? { flannelIface: iface } : {}), kubeProxy: argv['disable-kube-proxy'] !== true, resyncMs: period },
    ...(dns ? { clusterDns: dns } : {}),
    clusterDomain: domain,
    cleanup: argv.cleanup === true,
  };
}
