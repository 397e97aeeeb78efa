import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeletStreamDuplex } from '../apiserver/extensions/backend-dialer.js';
import { KubeletServer } from '../kubelet/server/kubelet-server.js';
import { RuntimePodLookup } from '../kubelet/server/pod-lookup.js';
import { SimRuntime } from '../runtime/sim/sim-runtime.js';
import type { KubeletRequestHandler } from './kubelet-connection.js';
import { TunnelMux, type FrameLink } from './tunnel-mux.js';

/** A server mux and an agent mux joined by an in-memory link (messages delivered asynchronously). */
function pair(handler: KubeletRequestHandler): TunnelMux {
  let server: TunnelMux | undefined;
  let agent: TunnelMux | undefined;
  const link = (to: () => TunnelMux | undefined): FrameLink => ({
    send(message, flushed) {
      setImmediate(() => {
        to()?.receive(message);
        flushed();
      });
    },
    close: () => undefined,
  });
  server = new TunnelMux({ role: 'server', link: link(() => agent) });
  agent = new TunnelMux({ role: 'agent', link: link(() => server), handler });
  return server;
}

describe('the tunnel carries the proxy requests', () => {
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

  it('a CONNECT /dial stream is a TCP connection on the agent side, both ways', async () => {
    const mux = pair(kubelet);
    const stream = mux.open({ method: 'CONNECT', path: '/dial', query: `host=127.0.0.1&port=${port}`, headers: {} });
    expect((await stream.head).status).toBe(200);
    const conn = kubeletStreamDuplex(stream);
    const big = Buffer.alloc(1024 * 1024, 7);
    const received: Buffer[] = [];
    let size = 0;
    const done = new Promise<void>((resolve) =>
      conn.on('data', (c: Buffer) => {
        received.push(c);
        size += c.length;
        if (size >= big.length) resolve();
      }),
    );
    conn.write(big);
    await done;
    expect(Buffer.concat(received).equals(big)).toBe(true);
    conn.end();
    await new Promise<void>((resolve) => conn.once('end', () => resolve()).resume());
  });

  it('any HTTP method reaches the kubelet (nodes/proxy), which answers 405 where it serves none', async () => {
    const mux = pair(kubelet);
    const put = mux.open({ method: 'PUT', path: '/healthz', query: '', headers: {} });
    expect((await put.head).status).toBe(405);
    const get = mux.open({ method: 'GET', path: '/healthz', query: '', headers: {} });
    expect((await get.head).status).toBe(200);
  });
});
