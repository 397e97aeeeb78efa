/**
 * The cluster zone: what lite's DNS answers for `<domain>` (cluster.local) and for reverse
 * lookups of Service and endpoint IPs, as CoreDNS's kubernetes plugin answers them with the
 * Corefile kubeadm and k3s ship (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods
 * insecure; fallthrough in-addr.arpa ip6.arpa; ttl 5 }`), following the Kubernetes DNS-Based
 * Service Discovery specification:
 *
 *  - `<svc>.<ns>.svc.<zone>` A/AAAA → the Service's cluster IPs; a headless Service → one record
 *    per ready endpoint address; an ExternalName Service → a CNAME to its external name (chased
 *    inside the zone, or through the upstream resolvers outside it).
 *  - `<hostname>.<svc>.<ns>.svc.<zone>` → the endpoint with that hostname (StatefulSet pods), or
 *    whose address, dashed, is that label.
 *  - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV → one record per matching named port (and per
 *    endpoint of a headless Service), with the targets' addresses in the additional section;
 *    `<svc>.<ns>.svc.<zone>` SRV → every port.
 *  - `<a-b-c-d>.<ns>.pod.<zone>` → a-b-c-d as an address ("pods insecure": not checked against
 *    Pods, only the namespace must exist).
 *  - PTR `<reversed ip>.in-addr.arpa` → `<svc>.<ns>.svc.<zone>` for a cluster IP, else
 *    `<hostname>.<svc>.<ns>.svc.<zone>` for a ready endpoint; other reverse names fall through to
 *    the upstream resolvers (`undefined` from `resolve`).
 *  - NXDOMAIN when the name does not exist (unknown namespace, Service, port, endpoint, a label
 *    other than svc/pod, a name too long); NODATA (NOERROR, no answers) when it exists but has no
 *    record of the asked type (AAAA of an IPv4 Service, `<ns>.svc.<zone>`, the apex). Both carry
 *    the zone's SOA in the authority section. Before the informers synced, NXDOMAIN becomes
 *    SERVFAIL (the data may simply not be there yet).
 *  - Records have TTL 5; the SOA's TTL and minimum are 5 too; its serial is the time of the last
 *    change seen.
 */
import type { Answer, Question, RecordType, SoaAnswer, SrvAnswer } from 'dns-packet';
import { isIpv4, type EndpointSliceView, type ServiceView } from '../network/service-views.js';

/** What the zone reads: Services, their EndpointSlices and namespaces, by name and by address. */
export interface DnsData {
  /** Whether the informers behind the data have listed everything once. */
  synced(): boolean;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): ServiceView | undefined;
  endpointSlices(namespace: string, service: string): readonly EndpointSliceView[];
  /** Services with this cluster IP or external IP. */
  servicesByIp(ip: string): readonly ServiceView[];
  /** EndpointSlices with a ready endpoint at this address. */
  endpointSlicesByAddress(ip: string): readonly EndpointSliceView[];
  /** Seconds since the epoch of the last change (the SOA serial). */
  serial(): number;
}

export interface ClusterZoneConfig {
  readonly domain: string;
  readonly data: DnsData;
  /** Record TTL in seconds (CoreDNS kubernetes plugin default: 5). */
  readonly ttl?: number;
  /** Addresses of this DNS server as clients see it (the kube-dns Service IP): `ns.dns.<zone>`. */
  readonly nameservers: () => readonly string[];
  /**
   * Resolves a name outside the zone through the upstream resolvers (ExternalName targets);
   * undefined when that failed.
   */
  readonly lookupUpstream: (name: string, type: 'A' | 'AAAA') => Promise<readonly Answer[] | undefined>;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP';

export interface ZoneAnswer {
  readonly rcode: Rcode;
  readonly answers: Answer[];
  readonly authorities: Answer[];
  readonly additionals: Answer[];
}

/** The version of the DNS-based service discovery specification served (TXT dns-version). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const MAX_CNAME_CHAIN = 10;

/** One thing a name resolves to: an address or, for ExternalName, a host name. */
interface Target {
  readonly host: string;
  /** -1 when the Service or slice declares no port. */
  readonly port: number;
  /** The record's owner name inside the zone (SRV targets). */
  readonly domain: string;
}

class NameError extends Error {}
/** Zone transfers, which the plugin refuses. */
class RefusedError extends Error {}

interface ParsedName {
  readonly kind: '' | 'svc' | 'pod';
  readonly namespace: string;
  readonly service: string;
  readonly endpoint: string;
  readonly port: string;
  readonly protocol: string;
}

export class ClusterZone {
  readonly #c: ClusterZoneConfig;
  readonly #zone: string;
  readonly #ttl: number;

  constructor(config: ClusterZoneConfig) {
    this.#c = config;
    this.#zone = trimDot(config.domain).toLowerCase();
    this.#ttl = config.ttl ?? 5;
  }

  get domain(): string {
    return this.#zone;
  }

  /**
   * Answers a question, or returns undefined when the name is not the zone's to answer (outside
   * it, or a reverse name of no cluster address): the caller forwards it upstream.
   */
  async resolve(q: Question): Promise<ZoneAnswer | undefined> {
    const qname = trimDot(q.name);
    const name = qname.toLowerCase();
    if (isReverse(name)) return this.#reverse(qname, name, q.type);
    if (name !== this.#zone && !name.endsWith(`.${this.#zone}`)) return undefined;
    try {
      const answers = await this.#records(qname, name, q.type);
      if (answers.answers.length === 0) return this.#negative('NOERROR');
      return { rcode: 'NOERROR', answers: answers.answers, authorities: [], additionals: answers.additionals };
    } catch (e) {
      if (e instanceof RefusedError) return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
      if (!(e instanceof NameError)) throw e;
      return this.#negative(this.#c.data.synced() ? 'NXDOMAIN' : 'SERVFAIL');
    }
  }

  #negative(rcode: Rcode): ZoneAnswer {
    return { rcode, answers: [], authorities: [this.soa()], additionals: [] };
  }

  soa(): SoaAnswer {
    return {
      type: 'SOA',
      name: this.#zone,
      ttl: Math.min(this.#ttl, 300),
      class: 'IN',
      data: {
        mname: `ns.dns.${this.#zone}`,
        rname: `hostmaster.${this.#zone}`,
        serial: this.#c.data.serial() >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.#ttl,
      },
    };
  }

  async #records(qname: string, name: string, type: RecordType): Promise<{ answers: Answer[]; additionals: Answer[] }> {
    const none = { answers: [], additionals: [] };
    const ttl = this.#ttl;
    if (type === 'AXFR' || type === 'IXFR') throw new RefusedError();
    if (name === this.#zone) {
      if (type === 'SOA') return { answers: [this.soa()], additionals: [] };
      if (type === 'NS') {
        const ns = `ns.dns.${this.#zone}`;
        return { answers: [{ type: 'NS', name: qname, ttl, class: 'IN', data: ns }], additionals: this.#nameserverRecords(ns, 'A').concat(this.#nameserverRecords(ns, 'AAAA')) };
      }
      return none;
    }
    if (name === `ns.dns.${this.#zone}`) {
      if (type === 'A' || type === 'AAAA') return { answers: this.#nameserverRecords(qname, type), additionals: [] };
      return none;
    }
    if (type === 'TXT') {
      if (name === `dns-version.${this.#zone}`) return { answers: [{ type: 'TXT', name: qname, ttl: 28800, class: 'IN', data: DNS_SCHEMA_VERSION }], additionals: [] };
      this.#targets(name); // NXDOMAIN when the name does not exist
      return none;
    }
    switch (type) {
      case 'A':
      case 'AAAA':
        return { answers: await this.#address(qname, name, type, []), additionals: [] };
      case 'SRV':
        return this.#srv(qname, name);
      case 'CNAME': {
        const first = this.#targets(name)[0];
        return first && !isIp(first.host) ? { answers: [{ type: 'CNAME', name: qname, ttl, class: 'IN', data: first.host }], additionals: [] } : none;
      }
      case 'SOA':
        // CoreDNS answers SOA only at the apex; any other name gets NODATA, existing or not.
        return none;
      default:
        // Existence decides NXDOMAIN vs NODATA (CoreDNS does a "fake A lookup").
        this.#targets(name);
        return none;
    }
  }

  #nameserverRecords(owner: string, type: 'A' | 'AAAA'): Answer[] {
    return this.#c
      .nameservers()
      .filter((ip) => (type === 'A' ? isIpv4(ip) : !isIpv4(ip) && ip.includes(':')))
      .map((ip) => ({ type, name: owner, ttl: this.#ttl, class: 'IN' as const, data: ip }));
  }

  async #address(qname: string, name: string, type: 'A' | 'AAAA', chain: readonly string[]): Promise<Answer[]> {
    const out: Answer[] = [];
    const seen = new Set<string>();
    for (const t of this.#targets(name)) {
      if (isIp(t.host)) {
        if ((type === 'A') !== isIpv4(t.host) || seen.has(t.host)) continue;
        seen.add(t.host);
        out.push({ type, name: qname, ttl: this.#ttl, class: 'IN', data: t.host });
        continue;
      }
      // ExternalName: a CNAME, completed with the target's addresses.
      const target = trimDot(t.host);
      const targetLower = target.toLowerCase();
      if (targetLower === name || chain.includes(targetLower) || chain.length >= MAX_CNAME_CHAIN) continue;
      const cname: Answer = { type: 'CNAME', name: qname, ttl: this.#ttl, class: 'IN', data: target };
      if (targetLower === this.#zone || targetLower.endsWith(`.${this.#zone}`)) {
        let next: Answer[] = [];
        try {
          next = await this.#address(target, targetLower, type, [...chain, name]);
        } catch (e) {
          if (!(e instanceof NameError)) throw e;
        }
        if (next.length > 0) out.push(cname, ...next);
        continue;
      }
      const upstream = await this.#c.lookupUpstream(target, type);
      if (upstream === undefined) continue;
      out.push(cname, ...upstream);
    }
    return out;
  }

  #srv(qname: string, name: string): { answers: Answer[]; additionals: Answer[] } {
    // ExternalName Services have no SRV records (their CNAME targets are dropped).
    const targets = this.#targets(name).filter((t) => isIp(t.host));
    const answers: SrvAnswer[] = [];
    const additionals: Answer[] = [];
    const seen = new Set<string>();
    // All targets share priority 0: each gets an equal share of 100 (at least 1).
    const weight = Math.max(1, Math.floor(100 / Math.max(1, targets.length)));
    for (const t of targets) {
      if (t.port === -1) continue;
      const srvKey = `${t.domain} ${t.port}`;
      if (!seen.has(srvKey)) {
        seen.add(srvKey);
        answers.push({ type: 'SRV', name: qname, ttl: this.#ttl, class: 'IN', data: { priority: 0, weight, port: t.port, target: t.domain } });
      }
      const addrKey = `${t.domain} @${t.host}`;
      if (!seen.has(addrKey)) {
        seen.add(addrKey);
        additionals.push({ type: isIpv4(t.host) ? 'A' : 'AAAA', name: t.domain, ttl: this.#ttl, class: 'IN', data: t.host });
      }
    }
    return { answers, additionals };
  }

  /** What a name in the forward zone points at; throws NameError when it does not exist. */
  #targets(name: string): Target[] {
    const r = this.#parse(name);
    if (r.kind === '') return [];
    const data = this.#c.data;
    if (!data.namespaceExists(r.namespace)) throw new NameError();
    if (r.kind === 'pod') return this.#podTargets(r, name);
    if (r.service === '') return [];
    const svc = data.service(r.namespace, r.service);
    if (!svc) throw new NameError();
    const svcDomain = `${svc.name}.${svc.namespace}.svc.${this.#zone}`;
    const out: Target[] = [];
    if (svc.type === 'ExternalName') {
      if (r.endpoint || r.port || r.protocol || svc.externalName === '' || isIp(svc.externalName)) throw new NameError();
      return [{ host: svc.externalName, port: -1, domain: svcDomain }];
    }
    if (svc.headless || r.endpoint !== '') {
      for (const slice of data.endpointSlices(svc.namespace, svc.name)) {
        const ports = slice.ports.length > 0 ? slice.ports : [{ name: '', protocol: '', port: -1 }];
        for (const ep of slice.endpoints) {
          if (!ep.ready) continue;
          for (const address of ep.addresses) {
            const host = endpointHostname(ep.hostname, address);
            if (r.endpoint !== '' && r.endpoint !== host.toLowerCase()) continue;
            for (const p of ports) {
              if (!matchPort(r, p.name, p.protocol)) continue;
              out.push({ host: address, port: p.port, domain: `${host}.${svcDomain}` });
            }
          }
        }
      }
    } else {
      const ports = svc.ports.length > 0 ? svc.ports : [{ name: '', protocol: '', port: -1 }];
      for (const p of ports) {
        if (!matchPort(r, p.name, p.protocol)) continue;
        for (const ip of svc.clusterIPs) out.push({ host: ip, port: p.port, domain: svcDomain });
      }
    }
    if (out.length === 0) throw new NameError();
    return out;
  }

  #podTargets(r: ParsedName, name: string): Target[] {
    if (r.service === '') return [];
    const label = r.service;
    const dashes = label.split('-').length - 1;
    const ip = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
    if (!isIp(ip)) throw new NameError();
    return [{ host: ip, port: -1, domain: name }];
  }

  /**
   * Splits `[_port._proto. | endpoint.]service.namespace.(svc|pod).<zone>`; anything else in the
   * zone is a name error, and `<zone>`, `svc.<zone>`, `pod.<zone>` exist without records.
   */
  #parse(name: string): ParsedName {
    const empty: ParsedName = { kind: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };
    const base = name === this.#zone ? '' : name.slice(0, -(this.#zone.length + 1));
    if (base === '' || base === 'svc' || base === 'pod') return empty;
    const segs = base.split('.');
    const kind = segs.pop();
    if (kind !== 'svc' && kind !== 'pod') throw new NameError();
    const namespace = segs.pop() ?? '';
    const service = segs.pop() ?? '';
    if (segs.length === 0) return { ...empty, kind, namespace, service };
    if (segs.length === 1) return { ...empty, kind, namespace, service, endpoint: segs[0] };
    if (segs.length === 2) return { ...empty, kind, namespace, service, port: stripUnderscore(segs[0]), protocol: stripUnderscore(segs[1]) };
    throw new NameError();
  }

  async #reverse(qname: string, name: string, type: RecordType): Promise<ZoneAnswer | undefined> {
    if (type !== 'PTR') return undefined;
    const ip = addressFromReverse(name);
    if (ip === undefined) return undefined;
    const data = this.#c.data;
    const ptr = (target: string): Answer => ({ type: 'PTR', name: qname, ttl: this.#ttl, class: 'IN', data: target });
    const svc = data.servicesByIp(ip)[0];
    if (svc) return { rcode: 'NOERROR', answers: [ptr(`${svc.name}.${svc.namespace}.svc.${this.#zone}`)], authorities: [], additionals: [] };
    const answers: Answer[] = [];
    const seen = new Set<string>();
    for (const slice of data.endpointSlicesByAddress(ip)) {
      for (const ep of slice.endpoints) {
        if (!ep.ready || !ep.addresses.includes(ip)) continue;
        const target = `${endpointHostname(ep.hostname, ip)}.${slice.serviceName}.${slice.namespace}.svc.${this.#zone}`;
        if (seen.has(target)) continue;
        seen.add(target);
        answers.push(ptr(target));
      }
    }
    // No cluster address: fall through to the upstream resolvers (Corefile `fallthrough`).
    return answers.length > 0 ? { rcode: 'NOERROR', answers, authorities: [], additionals: [] } : undefined;
  }
}


function matchPort(r: ParsedName, name: string, protocol: string): boolean {
  return (r.port === '' || r.port === name.toLowerCase()) && (r.protocol === '' || r.protocol === protocol.toLowerCase());
}

/** CoreDNS endpointHostname: the endpoint's hostname, else its address with dots (or colons) as dashes. */
export function endpointHostname(hostname: string | undefined, address: string): string {
  if (hostname) return hostname;
  if (address.includes('.')) return address.replaceAll('.', '-');
  const dashed = address.replaceAll(':', '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}

function trimDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function isReverse(name: string): boolean {
  return name === 'in-addr.arpa' || name.endsWith('.in-addr.arpa') || name === 'ip6.arpa' || name.endsWith('.ip6.arpa');
}

export function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}

function isIpv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const double = s.split('::').length - 1;
  if (double > 1) return false;
  const groups = s.split(':').filter((g) => g !== '');
  const tail = groups.at(-1) ?? '';
  const v4Tail = tail.includes('.');
  if (v4Tail && !isIpv4(tail)) return false;
  const n = groups.length + (v4Tail ? 1 : 0);
  if (groups.some((g, i) => !(i === groups.length - 1 && v4Tail) && !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return double === 1 ? n < 8 : n === 8;
}

/** `4.3.2.1.in-addr.arpa` → 1.2.3.4; the 32 nibbles of ip6.arpa → a full IPv6 address. */
export function addressFromReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    const ip = parts.reverse().join('.');
    return isIpv4(ip) ? ip : undefined;
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4).replace(/^0+(?=.)/, ''));
    return compressIpv6(groups);
  }
  return undefined;
}

/** Canonical (RFC 5952) text of 8 hex groups: the longest run of 2+ zero groups becomes `::`. */
function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}
