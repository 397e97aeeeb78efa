/**
 * Cluster DNS over real sockets: the server runs on 127.0.0.1 (random port) over an in-process
 * API (memory storage, shared informers) and is queried with Node's resolver (c-ares), as a pod's
 * libc would query it. Names outside the cluster go to a fake upstream resolver the test runs on
 * loopback; a second "upstream" that never answers checks the timeout → SERVFAIL path.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, type Packet } from 'dns-packet';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { startTestApi, type TestApi } from '../../src/controllers/testing/test-api.js';
import { startClusterDns, type RunningClusterDns } from '../../src/dns/cluster-dns.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';

let api: TestApi;
let dns: RunningClusterDns;
let port = 0;
const stop = new AbortController();
let upstream: FakeUpstream;
let silent: UdpSocket;

/** A resolver for example.test on loopback, over UDP and TCP. */
interface FakeUpstream {
  readonly port: number;
  readonly queries: { name: string; transport: string }[];
  close(): Promise<void>;
}

function upstreamAnswer(query: Buffer): Buffer {
  const q = decode(query);
  const question = q.questions?.[0];
  const answers: Packet['answers'] = [];
  let rcode = 3; // NXDOMAIN
  if (question?.name === 'www.example.test' && question.type === 'A') {
    answers.push({ type: 'A', name: question.name, ttl: 300, data: '192.0.2.10' });
    rcode = 0;
  }
  if (question?.name === 'db.example.test' && question.type === 'A') {
    answers.push({ type: 'A', name: question.name, ttl: 300, data: '192.0.2.20' });
    rcode = 0;
  }
  return encode({ type: 'response', id: q.id, flags: 0x0180 | rcode, questions: q.questions, answers });
}

async function startFakeUpstream(): Promise<FakeUpstream> {
  const queries: { name: string; transport: string }[] = [];
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    queries.push({ name: decode(msg).questions?.[0]?.name ?? '', transport: 'udp' });
    udp.send(upstreamAnswer(msg), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const p = udp.address().port;
  const tcp: Server = createServer((conn) => {
    let buf = Buffer.alloc(0);
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        queries.push({ name: decode(msg).questions?.[0]?.name ?? '', transport: 'tcp' });
        const resp = upstreamAnswer(msg);
        const frame = Buffer.alloc(2);
        frame.writeUInt16BE(resp.length);
        conn.write(Buffer.concat([frame, resp]));
      }
    });
  });
  await new Promise<void>((r, j) => {
    tcp.once('error', j);
    tcp.listen(p, '127.0.0.1', () => r());
  });
  return {
    port: p,
    queries,
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}

function resolver(): Resolver {
  const r = new Resolver({ timeout: 3000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

/** Retries `fn` until it stops throwing (bounded: 100 tries, 5 s). */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5000;
  let last: unknown;
  for (let i = 0; i < 100 && Date.now() < deadline; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}

/** A raw UDP query, to look at flags c-ares hides. */
async function rawUdp(name: string, type: 'A' | 'SRV'): Promise<ReturnType<typeof decode>> {
  const sock = createSocket('udp4');
  try {
    const resp = await new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no answer')), 3000);
      sock.on('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
      sock.send(encode({ type: 'query', id: 99, flags: 0x0100, questions: [{ type, name }] }), port, '127.0.0.1');
    });
    return decode(resp);
  } finally {
    sock.close();
  }
}

const svc = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec });
const slice = (ns: string, service: string, name: string, endpoints: unknown[], ports: unknown[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

let webIp = '';

beforeAll(async () => {
  api = await startTestApi();
  upstream = await startFakeUpstream();
  silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  const c = api.client;
  const web = await c.create(resources.services, 'default', svc('default', 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
  webIp = (web.spec as { clusterIP: string }).clusterIP;
  await c.create(resources.services, 'default', svc('default', 'db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'sql', port: 5432 }] }));
  await c.create(resources.services, 'default', svc('default', 'ext', { type: 'ExternalName', externalName: 'db.example.test' }));
  await c.create(resources.services, 'default', svc('default', 'big', { clusterIP: 'None', selector: { app: 'big' } }));
  await c.create(resources.endpointslices, 'default', slice('default', 'db', 'db-1', [
    { addresses: ['10.42.0.11'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.42.1.12'], hostname: 'db-1', conditions: { ready: true } },
    { addresses: ['10.42.1.13'], hostname: 'db-2', conditions: { ready: false } },
  ], [{ name: 'sql', port: 5432, protocol: 'TCP' }]));
  await c.create(resources.endpointslices, 'default', slice('default', 'big', 'big-1', Array.from({ length: 80 }, (_, i) => ({ addresses: [`10.42.2.${i + 1}`], conditions: { ready: true } })), []));

  dns = await startClusterDns(
    {
      informers: api.informers,
      listen: [{ address: '127.0.0.1', port: 0 }],
      upstreams: [
        { address: '127.0.0.1', port: silent.address().port },
        { address: '127.0.0.1', port: upstream.port },
      ],
      upstreamTimeoutMs: 300,
      clock: systemClock,
      logger: silentLogger,
    },
    stop.signal,
  );
  port = dns.addresses[0].port;
  await dns.synced;
});

afterAll(async () => {
  stop.abort();
  await dns?.closed;
  await upstream?.close();
  silent?.close();
  await api?.stop();
});

describe('cluster DNS server', () => {
  it('listens on UDP and TCP on the same random loopback port', () => {
    expect(port).toBeGreaterThan(0);
    expect(dns.addresses).toEqual([{ address: '127.0.0.1', port }]);
  });

  it('resolves a Service to its cluster IP and follows Service changes', async () => {
    expect(await resolver().resolve4('web.default.svc.cluster.local', { ttl: true })).toEqual([{ address: webIp, ttl: 5 }]);
    expect(await errorCode(resolver().resolve6('web.default.svc.cluster.local'))).toBe('ENODATA');
    expect(await errorCode(resolver().resolve4('nope.default.svc.cluster.local'))).toBe('ENOTFOUND');
    const c = await api.client.create(resources.services, 'default', svc('default', 'late', { ports: [{ port: 81 }] }));
    const ip = (c.spec as { clusterIP: string }).clusterIP;
    expect(await eventually(() => resolver().resolve4('late.default.svc.cluster.local'))).toEqual([ip]);
    await api.client.delete(resources.services, 'default', 'late');
    await eventually(async () => expect(await errorCode(resolver().resolve4('late.default.svc.cluster.local'))).toBe('ENOTFOUND'));
  });

  it('answers a headless Service with its ready endpoints, hostnames and SRV records', async () => {
    expect((await resolver().resolve4('db.default.svc.cluster.local')).sort()).toEqual(['10.42.0.11', '10.42.1.12']);
    expect(await resolver().resolve4('db-1.db.default.svc.cluster.local')).toEqual(['10.42.1.12']);
    const srv = await resolver().resolveSrv('_sql._tcp.db.default.svc.cluster.local');
    expect(srv.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'db-0.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 50 },
      { name: 'db-1.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 50 },
    ]);
    expect(await resolver().resolveSrv('_http._tcp.web.default.svc.cluster.local')).toEqual([{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
  });

  it('answers pod names, PTR for service IPs and endpoint addresses', async () => {
    expect(await resolver().resolve4('10-42-7-8.default.pod.cluster.local')).toEqual(['10.42.7.8']);
    expect(await resolver().reverse(webIp)).toEqual(['web.default.svc.cluster.local']);
    expect(await resolver().reverse('10.42.0.11')).toEqual(['db-0.db.default.svc.cluster.local']);
  });

  it('answers an ExternalName Service with a CNAME resolved upstream', async () => {
    expect(await resolver().resolveCname('ext.default.svc.cluster.local')).toEqual(['db.example.test']);
    // c-ares follows the CNAME inside one answer.
    expect(await resolver().resolve4('ext.default.svc.cluster.local')).toEqual(['192.0.2.20']);
  });

  it('truncates an oversized UDP answer (TC) and gives the whole answer over TCP', async () => {
    const udp = await rawUdp('big.default.svc.cluster.local', 'A');
    expect(udp.flag_tc).toBe(true);
    expect((udp.answers ?? []).length).toBeLessThan(80);
    // c-ares retries over TCP on TC.
    const all = await resolver().resolve4('big.default.svc.cluster.local');
    expect(all).toHaveLength(80);
  });

  it('forwards other names upstream (past an upstream that times out) and keeps the transport', async () => {
    const before = upstream.queries.length;
    expect(await resolver().resolve4('www.example.test')).toEqual(['192.0.2.10']);
    expect(upstream.queries.slice(before)).toEqual([{ name: 'www.example.test', transport: 'udp' }]);
    expect(await errorCode(resolver().resolve4('missing.example.test'))).toBe('ENOTFOUND');
  });

  it('answers SERVFAIL when no upstream answers in time', async () => {
    const stop2 = new AbortController();
    const lonely = await startClusterDns(
      { informers: api.informers, listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [{ address: '127.0.0.1', port: silent.address().port }], upstreamTimeoutMs: 200, clock: systemClock, logger: silentLogger },
      stop2.signal,
    );
    try {
      const r = new Resolver({ timeout: 3000, tries: 1 });
      r.setServers([`127.0.0.1:${lonely.addresses[0].port}`]);
      const started = Date.now();
      expect(await errorCode(r.resolve4('www.example.test'))).toBe('ESERVFAIL');
      expect(Date.now() - started).toBeLessThan(2500);
      // The cluster zone still answers.
      expect(await r.resolve4('web.default.svc.cluster.local')).toEqual([webIp]);
    } finally {
      stop2.abort();
      await lonely.closed;
    }
  });
});
