import { describe, expect, it } from 'vitest';
import { encode, decode, type Answer, type Packet } from 'dns-packet';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { DnsHandler, shuffleAddresses, truncate } from './dns-handler.js';
import { ClusterZone, type DnsData } from './dns-records.js';
import { Forwarder, hostUpstreams, nameserversFromResolvConf, withoutSelf } from './upstream.js';

describe('upstream resolvers', () => {
  it('reads nameserver lines of resolv.conf', () => {
    const text = '# generated\nsearch example.internal\nnameserver 10.255.255.53\nnameserver  fd00::53 # v6\n;nameserver 9.9.9.9\nnameserver fe80::1%eth0\noptions ndots:2\n';
    expect(nameserversFromResolvConf(text)).toEqual([
      { address: '10.255.255.53', port: 53 },
      { address: 'fd00::53', port: 53 },
    ]);
  });

  it('uses systemd-resolved upstreams when resolv.conf names only a loopback stub', () => {
    const files: Record<string, string> = {
      '/etc/resolv.conf': 'nameserver 127.0.0.53\noptions edns0\n',
      '/run/systemd/resolve/resolv.conf': 'nameserver 192.0.2.1\nnameserver 192.0.2.2\n',
    };
    expect(hostUpstreams((p) => files[p])).toEqual([
      { address: '192.0.2.1', port: 53 },
      { address: '192.0.2.2', port: 53 },
    ]);
    // Without the systemd file the stub is kept (lite runs on the host, where it is reachable).
    expect(hostUpstreams((p) => (p === '/etc/resolv.conf' ? files[p] : undefined))).toEqual([{ address: '127.0.0.53', port: 53 }]);
    expect(hostUpstreams(() => 'nameserver 192.0.2.9\n')).toEqual([{ address: '192.0.2.9', port: 53 }]);
  });

  it('drops upstreams that are this server', () => {
    const ups = [
      { address: '10.43.0.10', port: 53 },
      { address: '127.0.0.53', port: 53 },
      { address: '192.0.2.1', port: 53 },
      { address: '127.0.0.1', port: 5353 },
    ];
    expect(withoutSelf(ups, [{ address: '10.43.0.10', port: 53 }], [])).toEqual(ups.slice(1));
    // On a wildcard address, loopback and this host's own addresses on the port are this server.
    expect(withoutSelf(ups, [{ address: '0.0.0.0', port: 53 }], ['10.43.0.10'])).toEqual([ups[2], ups[3]]);
    expect(withoutSelf(ups, [{ address: '0.0.0.0', port: 53 }], [])).toEqual([ups[0], ups[2], ups[3]]);
    expect(withoutSelf(ups, [{ address: '127.0.0.1', port: 5353 }], [])).toEqual(ups.slice(0, 3));
  });
});

const emptyData: DnsData = {
  synced: () => true,
  namespaceExists: (ns) => ns === 'default',
  service: () => undefined,
  endpointSlices: () => [],
  servicesByIp: () => [],
  endpointSlicesByAddress: () => [],
  serial: () => 7,
};

function handlerWith(forward: (q: Buffer) => Buffer | undefined) {
  const forwarder = new Forwarder({ upstreams: [], clock: new FakeClock(), logger: silentLogger });
  forwarder.forward = async (q: Buffer) => forward(q);
  const zone = new ClusterZone({ domain: 'cluster.local', data: emptyData, nameservers: () => ['10.43.0.10'], lookupUpstream: async () => undefined });
  return new DnsHandler({ zone, forwarder, logger: silentLogger });
}

const query = (p: Partial<Packet>) => encode({ type: 'query', id: 4242, flags: 0x0100, questions: [{ type: 'A', name: 'x.default.svc.cluster.local', class: 'IN' }], ...p });

describe('DnsHandler', () => {
  it('answers the zone authoritatively with the id, RD and question echoed', async () => {
    const out = decode((await handlerWith(() => undefined).handle(query({}), 'udp')) as Buffer);
    expect(out).toMatchObject({ id: 4242, type: 'response', flag_aa: true, flag_rd: true, flag_ra: true, rcode: 'NXDOMAIN' });
    expect(out.questions).toEqual([{ name: 'x.default.svc.cluster.local', type: 'A', class: 'IN' }]);
    expect(out.authorities?.map((a) => a.type)).toEqual(['SOA']);
  });

  it('forwards other names as they came and answers SERVFAIL when no upstream answers', async () => {
    const seen: Buffer[] = [];
    const reply = encode({ type: 'response', id: 4242, flags: 0x0180, questions: [{ type: 'A', name: 'example.org' }], answers: [{ type: 'A', name: 'example.org', ttl: 9, data: '192.0.2.5' }] });
    const q = query({ questions: [{ type: 'A', name: 'example.org' }] });
    expect(await handlerWith((b) => (seen.push(b), reply)).handle(q, 'udp')).toEqual(reply);
    expect(seen).toEqual([q]);
    const fail = decode((await handlerWith(() => undefined).handle(q, 'udp')) as Buffer);
    expect(fail).toMatchObject({ id: 4242, rcode: 'SERVFAIL', flag_aa: false });
  });

  it('answers FORMERR to garbage with a readable header, NOTIMP to other opcodes, nothing to responses', async () => {
    const h = handlerWith(() => undefined);
    const garbage = Buffer.concat([query({}).subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
    expect(decode((await h.handle(garbage, 'udp')) as Buffer)).toMatchObject({ id: 4242, rcode: 'FORMERR' });
    expect(await h.handle(Buffer.from([1, 2, 3]), 'udp')).toBeUndefined();
    const notify = query({});
    notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2); // opcode NOTIFY
    expect(decode((await h.handle(notify, 'udp')) as Buffer)).toMatchObject({ rcode: 'NOTIMP' });
    expect(await h.handle(encode({ type: 'response', id: 1, questions: [] }), 'udp')).toBeUndefined();
  });

  it('shuffles address records only, keeping a CNAME in front (CoreDNS loadbalance)', () => {
    const a = (ip: string) => ({ type: 'A' as const, name: 'x', ttl: 5, data: ip });
    const cname = { type: 'CNAME' as const, name: 'y', ttl: 5, data: 'x' };
    const answers = [cname, a('10.0.0.1'), a('10.0.0.2'), a('10.0.0.3')];
    const data = (rs: Answer[]) => rs.map((r) => ('data' in r ? r.data : undefined));
    // random() = 0 always swaps with the first: a full rotation of the addresses.
    expect(data(shuffleAddresses(answers, () => 0))).toEqual(['x', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(data(shuffleAddresses(answers, () => 0.999))).toEqual(['x', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    const seen = new Set<string>();
    let seed = 1;
    const lcg = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 50; i++) seen.add(String(data(shuffleAddresses(answers, lcg))[1]));
    expect(seen.size).toBe(3);
  });

  it('echoes EDNS and truncates answers that do not fit, setting TC', () => {
    const answers = Array.from({ length: 40 }, (_, i) => ({ type: 'A' as const, name: 'big.default.svc.cluster.local', ttl: 5, data: `10.42.0.${i + 1}` }));
    const packet: Packet = { type: 'response', id: 1, flags: 0x0400, questions: [{ type: 'A', name: 'big.default.svc.cluster.local' }], answers, additionals: [] };
    const cut = truncate(packet, 512);
    const decoded = decode(encode(cut));
    expect(decoded.flag_tc).toBe(true);
    expect(encode(cut).length).toBeLessThanOrEqual(512);
    expect(decoded.answers?.length).toBeGreaterThan(0);
    expect(decoded.answers?.length).toBeLessThan(40);
  });
});
