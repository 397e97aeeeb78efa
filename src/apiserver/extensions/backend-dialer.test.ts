import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { directConnection, type KubeletConnection, type KubeletRequest, type KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import { FakeClock } from '../../util/clock.js';
import { AgentDialer, nodeForAddress } from './backend-dialer.js';

const node = (name: string, cidr: string, ip: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: { podCIDR: cidr },
  status: { addresses: [{ type: 'InternalIP', address: ip }] },
});

const NODES = [node('n1', '10.42.0.0/24', '192.168.1.10'), node('n2', '10.42.1.0/24', '192.168.1.11'), node('sim', '10.42.2.0/24', '192.168.1.12', { 'lite.dev/simulated': 'true' })];

function dialer(connections: Record<string, KubeletConnection>, clock = new FakeClock(), direct?: (h: string, p: number) => Promise<Duplex>) {
  return new AgentDialer({
    kubelets: { forNode: (n) => connections[n] },
    clock,
    timeoutMs: 1000,
    nodes: { get: async (n) => NODES.find((x) => x.metadata.name === n), list: async () => NODES },
    ...(direct ? { directDial: direct } : {}),
  });
}

/** A kubelet whose CONNECT answers with `answer` and echoes the bytes back. */
function echoKubelet(requests: KubeletRequest[], answer: (s: KubeletStreamServer) => boolean = () => true): KubeletConnection {
  return directConnection({
    handle(stream) {
      requests.push(stream.request);
      if (!answer(stream)) return;
      stream.respond({ status: 200, headers: {} });
      void (async () => {
        for await (const c of stream.data) stream.send(c);
        stream.end();
      })();
    },
  });
}

describe('nodeForAddress', () => {
  it("finds the node by pod CIDR or by address, else none", () => {
    expect(nodeForAddress(NODES, '10.42.1.7')?.metadata.name).toBe('n2');
    expect(nodeForAddress(NODES, '192.168.1.10')?.metadata.name).toBe('n1');
    expect(nodeForAddress(NODES, '8.8.8.8')).toBeUndefined();
  });
});

describe('AgentDialer', () => {
  it("dials through the agent of the address's node (CONNECT /dial) and carries bytes both ways", async () => {
    const requests: KubeletRequest[] = [];
    const d = dialer({ n2: echoKubelet(requests) });
    const conn = await d.dial({ host: '10.42.1.7', port: 8080 }, new AbortController().signal);
    expect(requests[0]).toMatchObject({ method: 'CONNECT', path: '/dial', query: 'host=10.42.1.7&port=8080' });
    conn.write('ping');
    const [chunk] = await new Promise<Buffer[]>((r) => conn.once('data', (c: Buffer) => r([c])));
    expect(chunk.toString()).toBe('ping');
    conn.destroy();
  });

  it('uses the node the caller names, and dials addresses of no node directly', async () => {
    const requests: KubeletRequest[] = [];
    const directs: string[] = [];
    const d = dialer({ n1: echoKubelet(requests) }, new FakeClock(), async (h, p) => {
      directs.push(`${h}:${p}`);
      return new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
    });
    (await d.dial({ host: '10.42.1.7', port: 1, node: 'n1' }, new AbortController().signal)).destroy();
    expect(requests).toHaveLength(1);
    (await d.dial({ host: '8.8.8.8', port: 53 }, new AbortController().signal)).destroy();
    expect(directs).toEqual(['8.8.8.8:53']);
  });

  it("dials the server's own node directly", async () => {
    const requests: KubeletRequest[] = [];
    const directs: string[] = [];
    const d = new AgentDialer({
      kubelets: { forNode: () => echoKubelet(requests) },
      clock: new FakeClock(),
      localNode: 'n1',
      nodes: { get: async (n) => NODES.find((x) => x.metadata.name === n), list: async () => NODES },
      directDial: async (h, p) => {
        directs.push(`${h}:${p}`);
        return new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
      },
    });
    (await d.dial({ host: '10.42.0.7', port: 80 }, new AbortController().signal)).destroy();
    (await d.dial({ host: '192.168.1.10', port: 10053, node: 'n1' }, new AbortController().signal)).destroy();
    expect(directs).toEqual(['10.42.0.7:80', '192.168.1.10:10053']);
    expect(requests).toHaveLength(0);
  });

  it("relays the agent's refusal as Go's dial error, and names simulated and disconnected nodes", async () => {
    const refusing = directConnection({
      handle(stream) {
        stream.respond({ status: 503, headers: {} });
        stream.send(Buffer.from(JSON.stringify({ kind: 'Status', message: 'dial tcp 10.42.0.9:80: connect: connection refused' })));
        stream.end();
      },
    });
    const d = dialer({ n1: refusing });
    const signal = new AbortController().signal;
    await expect(d.dial({ host: '10.42.0.9', port: 80 }, signal)).rejects.toThrow('dial tcp 10.42.0.9:80: connect: connection refused');
    await expect(d.dial({ host: '10.42.2.9', port: 80 }, signal)).rejects.toThrow('dial tcp 10.42.2.9:80: node "sim" is a simulated node');
    await expect(d.dial({ host: '10.42.1.9', port: 80 }, signal)).rejects.toThrow('node "n2" has no connected agent');
  });

  it('gives up on an agent that never answers, after the dial timeout', async () => {
    const clock = new FakeClock();
    const requests: KubeletRequest[] = [];
    const d = dialer({ n1: echoKubelet(requests, () => false) }, clock);
    const pending = d.dial({ host: '10.42.0.9', port: 80 }, new AbortController().signal);
    await new Promise((r) => setImmediate(r));
    clock.advance(6000);
    await expect(pending).rejects.toThrow("dial tcp 10.42.0.9:80: i/o timeout (node \"n1\"'s agent did not answer)");
  });

  it('stops waiting when the client goes away', async () => {
    const d = dialer({ n1: echoKubelet([], () => false) });
    const ac = new AbortController();
    const pending = d.dial({ host: '10.42.0.9', port: 80 }, ac.signal);
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await expect(pending).rejects.toThrow('the client went away');
  });
});
