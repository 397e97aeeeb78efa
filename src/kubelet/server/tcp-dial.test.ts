import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimRuntime } from '../../runtime/sim/sim-runtime.js';
import { directConnection, type KubeletStream } from '../../tunnel/kubelet-connection.js';
import { KubeletServer } from './kubelet-server.js';
import { RuntimePodLookup } from './pod-lookup.js';
import { dialAllowed } from './tcp-dial.js';

async function readAll(stream: KubeletStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream.data) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

describe('dialAllowed', () => {
  it("allows the node's addresses, its pod CIDR and its pods' IPs only", async () => {
    const scope = { nodeIps: ['192.168.1.10'], podCidrs: ['10.42.3.0/24'], podIps: async () => ['172.17.0.4'] };
    expect(await dialAllowed(scope, '192.168.1.10')).toBe(true);
    expect(await dialAllowed(scope, '10.42.3.200')).toBe(true);
    expect(await dialAllowed(scope, '172.17.0.4')).toBe(true);
    expect(await dialAllowed(scope, '10.42.4.1')).toBe(false);
    expect(await dialAllowed(scope, '192.168.1.1')).toBe(false);
  });
});

describe('CONNECT /dial on the kubelet', () => {
  let echo: Server;
  let port = 0;
  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    port = (echo.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => echo.close(() => r())));

  const runtime = new SimRuntime({ nodeName: 'n1' });
  const kubelet = new KubeletServer({ nodeName: 'n1', runtime, pods: new RuntimePodLookup(runtime), dialScope: { nodeIps: ['127.0.0.1'], podCidrs: [] } });
  const connection = directConnection(kubelet);

  it('carries a TCP connection to an allowed address, both ways, until either side ends', async () => {
    const stream = connection.open({ method: 'CONNECT', path: '/dial', query: `host=127.0.0.1&port=${port}`, headers: {} });
    expect((await stream.head).status).toBe(200);
    stream.send(Buffer.from('hello'));
    stream.end();
    expect(await readAll(stream)).toBe('hello');
  });

  it('refuses addresses outside the node (403) and answers a failed dial with 503 and Go wording', async () => {
    const outside = connection.open({ method: 'CONNECT', path: '/dial', query: 'host=10.9.9.9&port=80', headers: {} });
    expect((await outside.head).status).toBe(403);
    expect(JSON.parse(await readAll(outside)).message).toMatch(/neither this node's nor one of its pods'/);
    const closed = connection.open({ method: 'CONNECT', path: '/dial', query: 'host=127.0.0.1&port=1', headers: {} });
    expect((await closed.head).status).toBe(503);
    expect(JSON.parse(await readAll(closed)).message).toBe('dial tcp 127.0.0.1:1: connect: connection refused');
  });

  it('serves /healthz and /pods, and 405/404 elsewhere', async () => {
    const health = connection.open({ method: 'GET', path: '/healthz', query: '', headers: {} });
    expect((await health.head).status).toBe(200);
    expect(await readAll(health)).toBe('ok');
    const pods = connection.open({ method: 'GET', path: '/pods', query: '', headers: {} });
    expect(JSON.parse(await readAll(pods))).toMatchObject({ kind: 'PodList', items: [] });
    const put = connection.open({ method: 'PUT', path: '/healthz', query: '', headers: {} });
    expect((await put.head).status).toBe(405);
    const unknown = connection.open({ method: 'GET', path: '/configz', query: '', headers: {} });
    expect((await unknown.head).status).toBe(404);
  });
});
