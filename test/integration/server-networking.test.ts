/**
 * The server's networking wiring in-process (`startServer` with cluster DNS and ServiceLB, two
 * simulated nodes): the kube-dns Service at the 10th address of the service CIDR with an
 * EndpointSlice naming where the DNS really listens (a free port here), the DNS answering the
 * cluster zone there and forwarding other names to the configured upstream, ServiceLB giving a
 * LoadBalancer Service the nodes' addresses, and no ServiceLB when it is turned off.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode, type Packet } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/client/client.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { waitFor } from './helpers.js';

const servers: RunningServer[] = [];
const dirs: string[] = [];
let upstream: Socket;
let upstreamPort = 0;

async function start(serviceLb: boolean): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lite-it-net-'));
  dirs.push(dataDir);
  const server = await startServer({
    dataDir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    tlsSans: [],
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    serviceCidr: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    datastore: 'memory',
    simulatedNodes: { count: 2 },
    clusterDns: { port: 0, upstreams: [{ address: '127.0.0.1', port: upstreamPort }] },
    serviceLb,
  });
  servers.push(server);
  return server;
}

function query(address: string, port: number, name: string): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no answer for ${name}`));
    }, 3000);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(decode(msg));
    });
    s.send(encode({ id: 7, type: 'query', flags: 256, questions: [{ type: 'A', name, class: 'IN' }] }), port, address);
  });
}

beforeAll(async () => {
  upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = decode(msg);
    upstream.send(encode({ id: q.id, type: 'response', flags: 0x8180, questions: q.questions, answers: [{ type: 'A', name: q.questions?.[0]?.name ?? '', ttl: 30, class: 'IN', data: '192.0.2.99' }] }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  upstreamPort = upstream.address().port;
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  upstream.close();
});

describe('server networking', () => {
  it('serves cluster DNS behind kube-dns (10th address of the service CIDR) and forwards other names', async () => {
    const server = await start(true);
    const svc = await server.client.get(resources.services, 'kube-system', 'kube-dns');
    expect(svc.spec).toMatchObject({ clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
    const slice = await server.client.get(resources.endpointslices, 'kube-system', 'kube-dns-lite');
    const port = (slice.ports as { port: number }[])[0].port;
    expect(port).toBeGreaterThan(0);
    // The DNS listens on the advertise address (the host's first address here).
    const address = (slice.endpoints as { addresses: string[] }[])[0].addresses[0];
    expect(address).not.toMatch(/^127\./);
    const answer = await waitFor('kubernetes.default to resolve', async () => {
      const a = await query(address, port, 'kubernetes.default.svc.cluster.local');
      return a.answers?.length ? a.answers : undefined;
    });
    expect(answer).toMatchObject([{ type: 'A', data: '10.96.0.1' }]);
    const dns = await query(address, port, 'kube-dns.kube-system.svc.cluster.local');
    expect(dns.answers).toMatchObject([{ type: 'A', data: '10.96.0.10' }]);
    const outside = await query(address, port, 'example.org');
    expect(outside.answers).toMatchObject([{ type: 'A', data: '192.0.2.99' }]);
  });

  it('ServiceLB gives a LoadBalancer Service the Ready nodes as ingress; none when disabled', async () => {
    for (const enabled of [true, false]) {
      const server = servers[0] && enabled ? servers[0] : await start(false);
      await server.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80 }] } });
      if (enabled) {
        const ingress = await waitFor('ingress', async () => {
          const s = await server.client.get(resources.services, 'default', 'lb');
          const list = ((s.status as { loadBalancer?: { ingress?: { ip: string }[] } }).loadBalancer?.ingress ?? []).map((i) => i.ip);
          return list.length === 2 ? list : undefined;
        });
        expect(ingress).toEqual(['10.200.0.1', '10.200.0.2']);
      } else {
        await new Promise((r) => setTimeout(r, 1500));
        const s = await server.client.get(resources.services, 'default', 'lb');
        expect((s.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress ?? []).toEqual([]);
      }
    }
  });
});
