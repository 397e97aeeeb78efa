import { describe, expect, it } from 'vitest';
import type { Answer, RecordType } from 'dns-packet';
import type { KubeObject } from '../api/object.js';
import { endpointSliceView, serviceView, type EndpointSliceView, type ServiceView } from '../network/service-views.js';
import { addressFromReverse, ClusterZone, endpointHostname, type DnsData } from './dns-records.js';

function svc(ns: string, name: string, spec: Record<string, unknown>): ServiceView {
  return serviceView({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec } as KubeObject);
}

function slice(ns: string, service: string, name: string, body: Record<string, unknown>): EndpointSliceView {
  return endpointSliceView({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', ...body } as KubeObject);
}

class FakeData implements DnsData {
  isSynced = true;
  namespaces = new Set(['default', 'kube-system', 'db']);
  services: ServiceView[] = [];
  slices: EndpointSliceView[] = [];
  synced() {
    return this.isSynced;
  }
  namespaceExists(ns: string) {
    return this.namespaces.has(ns);
  }
  service(ns: string, name: string) {
    return this.services.find((s) => s.namespace === ns && s.name === name);
  }
  endpointSlices(ns: string, service: string) {
    return this.slices.filter((s) => s.namespace === ns && s.serviceName === service);
  }
  servicesByIp(ip: string) {
    return this.services.filter((s) => s.clusterIPs.includes(ip) || s.externalIPs.includes(ip));
  }
  endpointSlicesByAddress(ip: string) {
    return this.slices.filter((s) => s.endpoints.some((e) => e.ready && e.addresses.includes(ip)));
  }
  serial() {
    return 1735689600;
  }
}

function setup() {
  const data = new FakeData();
  data.services.push(
    svc('default', 'kubernetes', { clusterIP: '10.43.0.1', clusterIPs: ['10.43.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
    svc('kube-system', 'kube-dns', { clusterIP: '10.43.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
    svc('default', 'web', { clusterIP: '10.43.12.34', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] }),
    svc('default', 'noports', { clusterIP: '10.43.12.35' }),
    svc('db', 'pg', { clusterIP: 'None', ports: [{ name: 'sql', port: 5432 }] }),
    svc('db', 'empty', { clusterIP: 'None', ports: [{ name: 'sql', port: 5432 }] }),
    svc('default', 'ext', { type: 'ExternalName', externalName: 'db.example.com' }),
    svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
    svc('default', 'loop', { type: 'ExternalName', externalName: 'loop.default.svc.cluster.local' }),
  );
  data.slices.push(
    slice('db', 'pg', 'pg-abc', {
      ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.42.0.5'], hostname: 'pg-0', conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'pg-0' } },
        { addresses: ['10.42.1.6'], hostname: 'pg-1', conditions: { ready: true } },
        { addresses: ['10.42.1.7'], conditions: {} },
        { addresses: ['10.42.1.8'], hostname: 'pg-3', conditions: { ready: false } },
      ],
    }),
    slice('default', 'web', 'web-xyz', {
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.42.0.9'], conditions: { ready: true } }],
    }),
  );
  const upstream: { name: string; type: string }[] = [];
  const zone = new ClusterZone({
    domain: 'cluster.local',
    data,
    nameservers: () => ['10.43.0.10'],
    lookupUpstream: async (name, type) => {
      upstream.push({ name, type });
      if (name === 'db.example.com' && type === 'A') return [{ type: 'A', name, ttl: 60, class: 'IN', data: '198.51.100.7' }];
      if (name === 'db.example.com') return [];
      return undefined;
    },
  });
  return { data, zone, upstream };
}

async function ask(zone: ClusterZone, name: string, type: RecordType) {
  return zone.resolve({ name, type, class: 'IN' });
}

const datas = (answers: readonly Answer[]) => answers.map((a) => ('data' in a ? a.data : undefined));

describe('ClusterZone: Services', () => {
  it('answers a ClusterIP Service with its cluster IP, TTL 5, and NODATA for AAAA', async () => {
    const { zone } = setup();
    const a = await ask(zone, 'web.default.svc.cluster.local', 'A');
    expect(a?.rcode).toBe('NOERROR');
    expect(a?.answers).toEqual([{ type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, class: 'IN', data: '10.43.12.34' }]);
    const aaaa = await ask(zone, 'web.default.svc.cluster.local', 'AAAA');
    expect(aaaa?.rcode).toBe('NOERROR');
    expect(aaaa?.answers).toEqual([]);
    expect(aaaa?.authorities.map((r) => r.type)).toEqual(['SOA']);
  });

  it('keeps the case of the question and accepts a trailing dot', async () => {
    const { zone } = setup();
    const a = await ask(zone, 'Web.Default.SVC.cluster.local.', 'A');
    expect(a?.answers.map((r) => r.name)).toEqual(['Web.Default.SVC.cluster.local']);
    expect(datas(a?.answers ?? [])).toEqual(['10.43.12.34']);
  });

  it('answers a Service without ports too (CoreDNS uses a port -1 sentinel)', async () => {
    const { zone } = setup();
    expect(datas((await ask(zone, 'noports.default.svc.cluster.local', 'A'))?.answers ?? [])).toEqual(['10.43.12.35']);
    // …but it has no SRV records.
    const srv = await ask(zone, 'noports.default.svc.cluster.local', 'SRV');
    expect(srv?.rcode).toBe('NOERROR');
    expect(srv?.answers).toEqual([]);
  });

  it('answers a headless Service with one A per ready endpoint address', async () => {
    const { zone } = setup();
    const a = await ask(zone, 'pg.db.svc.cluster.local', 'A');
    expect(datas(a?.answers ?? []).sort()).toEqual(['10.42.0.5', '10.42.1.6', '10.42.1.7']);
  });

  it('gives NXDOMAIN for a headless Service without ready endpoints, as CoreDNS does', async () => {
    const { zone } = setup();
    const a = await ask(zone, 'empty.db.svc.cluster.local', 'A');
    expect(a?.rcode).toBe('NXDOMAIN');
    expect(a?.authorities[0]).toMatchObject({ type: 'SOA', name: 'cluster.local', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', minimum: 5, serial: 1735689600 } });
  });

  it('answers endpoint hostnames (StatefulSet pods) and dashed addresses under the Service', async () => {
    const { zone } = setup();
    expect(datas((await ask(zone, 'pg-1.pg.db.svc.cluster.local', 'A'))?.answers ?? [])).toEqual(['10.42.1.6']);
    expect(datas((await ask(zone, '10-42-1-7.pg.db.svc.cluster.local', 'A'))?.answers ?? [])).toEqual(['10.42.1.7']);
    // A not-ready endpoint does not exist in DNS.
    expect((await ask(zone, 'pg-3.pg.db.svc.cluster.local', 'A'))?.rcode).toBe('NXDOMAIN');
    expect((await ask(zone, 'pg-9.pg.db.svc.cluster.local', 'A'))?.rcode).toBe('NXDOMAIN');
    // Endpoint names work for ClusterIP Services too.
    expect(datas((await ask(zone, '10-42-0-9.web.default.svc.cluster.local', 'A'))?.answers ?? [])).toEqual(['10.42.0.9']);
  });

  it('gives NXDOMAIN for unknown Services, namespaces, labels and names too long; NODATA where the name exists', async () => {
    const { zone } = setup();
    for (const name of ['nope.default.svc.cluster.local', 'web.nons.svc.cluster.local', 'nons.svc.cluster.local', 'web.default.xyz.cluster.local', 'a.b.c.web.default.svc.cluster.local', 'foo.cluster.local']) {
      expect((await ask(zone, name, 'A'))?.rcode, name).toBe('NXDOMAIN');
    }
    for (const name of ['default.svc.cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'cluster.local', 'default.pod.cluster.local']) {
      const r = await ask(zone, name, 'A');
      expect(r?.rcode, name).toBe('NOERROR');
      expect(r?.answers, name).toEqual([]);
      expect(r?.authorities.map((x) => x.type), name).toEqual(['SOA']);
    }
  });

  it('tells NXDOMAIN from NODATA for other types by the existence of the name', async () => {
    const { zone } = setup();
    expect((await ask(zone, 'web.default.svc.cluster.local', 'MX'))?.rcode).toBe('NOERROR');
    expect((await ask(zone, 'nope.default.svc.cluster.local', 'MX'))?.rcode).toBe('NXDOMAIN');
    expect((await ask(zone, 'web.default.svc.cluster.local', 'TXT'))?.rcode).toBe('NOERROR');
    expect((await ask(zone, 'nope.default.svc.cluster.local', 'TXT'))?.rcode).toBe('NXDOMAIN');
    expect(datas((await ask(zone, 'dns-version.cluster.local', 'TXT'))?.answers ?? [])).toEqual(['1.1.0']);
  });

  it('answers SERVFAIL instead of NXDOMAIN before the informers synced', async () => {
    const { zone, data } = setup();
    data.isSynced = false;
    expect((await ask(zone, 'nope.default.svc.cluster.local', 'A'))?.rcode).toBe('SERVFAIL');
    expect((await ask(zone, 'web.default.svc.cluster.local', 'A'))?.rcode).toBe('NOERROR');
  });

  it('answers the apex SOA and NS (ns.dns.<zone> at the kube-dns address) and refuses zone transfers', async () => {
    const { zone } = setup();
    const soa = await ask(zone, 'cluster.local', 'SOA');
    expect(soa?.answers.map((r) => r.type)).toEqual(['SOA']);
    const ns = await ask(zone, 'cluster.local', 'NS');
    expect(ns?.answers).toEqual([{ type: 'NS', name: 'cluster.local', ttl: 5, class: 'IN', data: 'ns.dns.cluster.local' }]);
    expect(ns?.additionals).toEqual([{ type: 'A', name: 'ns.dns.cluster.local', ttl: 5, class: 'IN', data: '10.43.0.10' }]);
    expect(datas((await ask(zone, 'ns.dns.cluster.local', 'A'))?.answers ?? [])).toEqual(['10.43.0.10']);
    expect((await ask(zone, 'cluster.local', 'AXFR'))?.rcode).toBe('REFUSED');
  });
});

describe('ClusterZone: SRV', () => {
  it('answers _port._proto for a named port of a ClusterIP Service, with the address in additionals', async () => {
    const { zone } = setup();
    const r = await ask(zone, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(r?.answers).toEqual([{ type: 'SRV', name: '_http._tcp.web.default.svc.cluster.local', ttl: 5, class: 'IN', data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } }]);
    expect(r?.additionals).toEqual([{ type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, class: 'IN', data: '10.43.12.34' }]);
    expect((await ask(zone, '_http._udp.web.default.svc.cluster.local', 'SRV'))?.rcode).toBe('NXDOMAIN');
    expect((await ask(zone, '_nope._tcp.web.default.svc.cluster.local', 'SRV'))?.rcode).toBe('NXDOMAIN');
  });

  it('answers every port for the bare Service name, sharing the weight', async () => {
    const { zone } = setup();
    const r = await ask(zone, 'web.default.svc.cluster.local', 'SRV');
    expect(datas(r?.answers ?? [])).toEqual([
      { priority: 0, weight: 50, port: 80, target: 'web.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 9090, target: 'web.default.svc.cluster.local' },
    ]);
    expect(r?.additionals).toHaveLength(1);
  });

  it('answers a headless Service with one target per ready endpoint, named by hostname or dashed address', async () => {
    const { zone } = setup();
    const r = await ask(zone, '_sql._tcp.pg.db.svc.cluster.local', 'SRV');
    expect(datas(r?.answers ?? [])).toEqual([
      { priority: 0, weight: 33, port: 5432, target: 'pg-0.pg.db.svc.cluster.local' },
      { priority: 0, weight: 33, port: 5432, target: 'pg-1.pg.db.svc.cluster.local' },
      { priority: 0, weight: 33, port: 5432, target: '10-42-1-7.pg.db.svc.cluster.local' },
    ]);
    expect(r?.additionals.map((a) => [a.name, 'data' in a ? a.data : undefined])).toEqual([
      ['pg-0.pg.db.svc.cluster.local', '10.42.0.5'],
      ['pg-1.pg.db.svc.cluster.local', '10.42.1.6'],
      ['10-42-1-7.pg.db.svc.cluster.local', '10.42.1.7'],
    ]);
  });
});

describe('ClusterZone: pods, ExternalName, reverse', () => {
  it('answers <a-b-c-d>.<ns>.pod in insecure mode, only for existing namespaces and valid addresses', async () => {
    const { zone } = setup();
    expect(datas((await ask(zone, '10-42-3-4.default.pod.cluster.local', 'A'))?.answers ?? [])).toEqual(['10.42.3.4']);
    expect((await ask(zone, '10-42-3-4.nons.pod.cluster.local', 'A'))?.rcode).toBe('NXDOMAIN');
    expect((await ask(zone, '10-42-3-999.default.pod.cluster.local', 'A'))?.rcode).toBe('NXDOMAIN');
    expect((await ask(zone, 'not-an-ip.default.pod.cluster.local', 'A'))?.rcode).toBe('NXDOMAIN');
    expect(datas((await ask(zone, 'fd00--1.default.pod.cluster.local', 'AAAA'))?.answers ?? [])).toEqual(['fd00::1']);
    expect((await ask(zone, '10-42-3-4.default.pod.cluster.local', 'AAAA'))?.answers).toEqual([]);
  });

  it('answers ExternalName with a CNAME completed through the upstream resolvers', async () => {
    const { zone, upstream } = setup();
    const r = await ask(zone, 'ext.default.svc.cluster.local', 'A');
    expect(r?.answers).toEqual([
      { type: 'CNAME', name: 'ext.default.svc.cluster.local', ttl: 5, class: 'IN', data: 'db.example.com' },
      { type: 'A', name: 'db.example.com', ttl: 60, class: 'IN', data: '198.51.100.7' },
    ]);
    expect(upstream).toEqual([{ name: 'db.example.com', type: 'A' }]);
    const cname = await ask(zone, 'ext.default.svc.cluster.local', 'CNAME');
    expect(cname?.answers).toEqual([{ type: 'CNAME', name: 'ext.default.svc.cluster.local', ttl: 5, class: 'IN', data: 'db.example.com' }]);
    // No SRV for ExternalName, and no port names under it.
    expect((await ask(zone, 'ext.default.svc.cluster.local', 'SRV'))?.answers).toEqual([]);
    expect((await ask(zone, '_http._tcp.ext.default.svc.cluster.local', 'SRV'))?.rcode).toBe('NXDOMAIN');
  });

  it('chases an ExternalName pointing inside the zone and stops on a loop', async () => {
    const { zone, upstream } = setup();
    const r = await ask(zone, 'alias.default.svc.cluster.local', 'A');
    expect(r?.answers).toEqual([
      { type: 'CNAME', name: 'alias.default.svc.cluster.local', ttl: 5, class: 'IN', data: 'web.default.svc.cluster.local' },
      { type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, class: 'IN', data: '10.43.12.34' },
    ]);
    const loop = await ask(zone, 'loop.default.svc.cluster.local', 'A');
    expect(loop?.rcode).toBe('NOERROR');
    expect(loop?.answers).toEqual([]);
    expect(upstream).toEqual([]);
  });

  it('answers PTR for cluster IPs and ready endpoint addresses, and leaves other reverse names to upstream', async () => {
    const { zone } = setup();
    expect(datas((await ask(zone, '34.12.43.10.in-addr.arpa', 'PTR'))?.answers ?? [])).toEqual(['web.default.svc.cluster.local']);
    expect(datas((await ask(zone, '1.0.43.10.in-addr.arpa', 'PTR'))?.answers ?? [])).toEqual(['kubernetes.default.svc.cluster.local']);
    expect(datas((await ask(zone, '5.0.42.10.in-addr.arpa', 'PTR'))?.answers ?? [])).toEqual(['pg-0.pg.db.svc.cluster.local']);
    expect(datas((await ask(zone, '7.1.42.10.in-addr.arpa', 'PTR'))?.answers ?? [])).toEqual(['10-42-1-7.pg.db.svc.cluster.local']);
    expect(await ask(zone, '8.1.42.10.in-addr.arpa', 'PTR')).toBeUndefined(); // not ready
    expect(await ask(zone, '1.1.168.192.in-addr.arpa', 'PTR')).toBeUndefined();
    expect(await ask(zone, '34.12.43.10.in-addr.arpa', 'A')).toBeUndefined();
  });

  it('leaves names outside the zone to upstream', async () => {
    const { zone } = setup();
    expect(await ask(zone, 'example.com', 'A')).toBeUndefined();
    expect(await ask(zone, 'notcluster.local', 'A')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('names endpoints as CoreDNS does', () => {
    expect(endpointHostname('web-0', '10.1.2.3')).toBe('web-0');
    expect(endpointHostname(undefined, '10.1.2.3')).toBe('10-1-2-3');
    expect(endpointHostname(undefined, 'fd00::')).toBe('fd00--0');
  });

  it('reads addresses from reverse names', () => {
    expect(addressFromReverse('4.3.2.1.in-addr.arpa')).toBe('1.2.3.4');
    expect(addressFromReverse('3.2.1.in-addr.arpa')).toBeUndefined();
    const nibbles = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa';
    expect(addressFromReverse(nibbles)).toBe('fd00::1');
  });
});
