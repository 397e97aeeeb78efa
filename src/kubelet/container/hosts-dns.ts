/**
 * A pod's hostname, /etc/hosts and DNS settings, as upstream's GeneratePodHostNameAndDomain,
 * managedHostsFileContent (pkg/kubelet/kubelet_pods.go) and the DNS configurer (pkg/kubelet/network/dns).
 */
import { objsAt, strAt, strListAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';

export interface PodHostname {
  readonly hostname: string;
  /** `<subdomain>.<namespace>.svc.<clusterDomain>` when spec.subdomain is set. */
  readonly domain: string;
}

/** Hostname truncated to 63 characters without a trailing `-` or `.` (truncatePodHostnameIfNeeded). */
function truncate(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

export function podHostname(pod: KubeObject, clusterDomain: string): PodHostname {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const hostname = truncate(strAt(spec, 'hostname') || (pod.metadata.name ?? ''));
  const sub = strAt(spec, 'subdomain');
  return { hostname, domain: sub ? `${sub}.${pod.metadata.namespace ?? ''}.svc.${clusterDomain}` : '' };
}

/** The sandbox's hostname: the FQDN with setHostnameAsFQDN, else the short name. */
export function sandboxHostname(pod: KubeObject, h: PodHostname): string {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  if (spec.setHostnameAsFQDN === true && h.domain) return `${h.hostname}.${h.domain}`.slice(0, 64);
  return h.hostname;
}

function hostAliases(spec: JsonObject): string {
  const aliases = objsAt(spec, 'hostAliases');
  if (aliases.length === 0) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${strAt(a, 'ip')}\t${strListAt(a, 'hostnames').join('\t')}\n`;
  return out;
}

/** The Kubernetes-managed /etc/hosts of a pod network pod. */
export function managedHostsFile(pod: KubeObject, podIPs: readonly string[], h: PodHostname): string {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  let out = '# Kubernetes-managed hosts file.\n';
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += h.domain ? `${ip}\t${h.hostname}.${h.domain}\t${h.hostname}\n` : `${ip}\t${h.hostname}\n`;
  return out + hostAliases(spec);
}

/** /etc/hosts of a host-network pod: the node's file, marked, plus host aliases. */
export function hostNetworkHostsFile(pod: KubeObject, nodeHostsFile: string): string {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  return `# Kubernetes-managed hosts file (host network).\n${nodeHostsFile}${hostAliases(spec)}`;
}

export interface DnsSettings {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

export interface DnsDecision {
  /** undefined: the runtime's default (the node's resolv.conf). */
  readonly dns: DnsSettings | undefined;
  /** ClusterFirst without a cluster DNS server (upstream records MissingClusterDNS). */
  readonly missingClusterDns: boolean;
}

/** Parses the node's resolv.conf (nameserver, search, options). */
export function parseResolvConf(text: string): DnsSettings {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) servers.push(rest[0]);
    else if (key === 'search') searches = rest;
    else if (key === 'options') options.push(...rest);
  }
  return { servers, searches, options };
}

function mergeOptions(base: readonly string[], extra: readonly JsonObject[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0], o);
  for (const o of extra) {
    const name = strAt(o, 'name');
    const value = strAt(o, 'value');
    byName.set(name, value ? `${name}:${value}` : name);
  }
  return [...byName.values()];
}

/** The pod's DNS settings for its sandbox (upstream GetPodDNS). */
export function podDns(pod: KubeObject, opts: { clusterDns: readonly string[]; clusterDomain: string; node: DnsSettings | undefined }): DnsDecision {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  let policy = strAt(spec, 'dnsPolicy') || 'ClusterFirst';
  const hostNetwork = spec.hostNetwork === true;
  if (policy === 'ClusterFirst' && hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  const custom = isJsonObject(spec.dnsConfig) ? spec.dnsConfig : undefined;
  let missingClusterDns = false;
  let base: DnsSettings | undefined;
  if (policy === 'ClusterFirst') {
    if (opts.clusterDns.length === 0) {
      missingClusterDns = true;
      base = undefined;
    } else {
      const ns = pod.metadata.namespace ?? '';
      const d = opts.clusterDomain;
      base = { servers: [...opts.clusterDns], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...(opts.node?.searches ?? [])], options: ['ndots:5'] };
    }
  } else if (policy === 'None') base = { servers: [], searches: [], options: [] };
  if (!custom) return { dns: base, missingClusterDns };
  const start = base ?? opts.node ?? { servers: [], searches: [], options: [] };
  const dns: DnsSettings = {
    servers: [...new Set([...start.servers, ...strListAt(custom, 'nameservers')])].slice(0, 3),
    searches: [...new Set([...start.searches, ...strListAt(custom, 'searches')])].slice(0, 32),
    options: mergeOptions(start.options, objsAt(custom, 'options')),
  };
  return { dns, missingClusterDns };
}
