import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeFrame, TUNNEL_PROTOCOL, TUNNEL_PROTOCOL_V2 } from './frames.js';
import type { KubeletConnection } from './kubelet-connection.js';
import { KubeletTunnels } from './kubelet-tunnels.js';

describe('KubeletTunnels and the tunnel protocol version', () => {
  let wss: WebSocketServer;
  let port = 0;
  const tunnels = new KubeletTunnels();
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    port = (wss.address() as AddressInfo).port;
  });
  afterAll(async () => {
    tunnels.close();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  /** An agent end that records the frames it receives; the server end is accepted as `node`. */
  async function agent(node: string, protocol: string): Promise<{ frames: string[]; close: () => void }> {
    const accepted = new Promise<void>((resolve) => wss.once('connection', (ws) => {
      tunnels.accept(node, ws, protocol);
      resolve();
    }));
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const frames: string[] = [];
    client.on('message', (m: Buffer) => {
      const f = decodeFrame(new Uint8Array(m));
      frames.push(f.type === 'open' ? `open ${f.request.method} ${f.request.path}` : f.type);
    });
    await new Promise<void>((r) => client.once('open', () => r()));
    await accepted;
    return { frames, close: () => client.close() };
  }

  it('sends only GET and POST to a v1 agent; other methods fail at once, saying the agent is too old', async () => {
    const old = await agent('old', TUNNEL_PROTOCOL);
    const connection = tunnels.forNode('old');
    const dial = connection?.open({ method: 'CONNECT', path: '/dial', query: 'host=10.42.0.5&port=80', headers: {} });
    await expect(dial?.head).rejects.toThrow('the agent of node "old" runs an older lite whose tunnel cannot carry CONNECT requests (proxy connections): upgrade lite on that node');
    connection?.open({ method: 'GET', path: '/healthz', query: '', headers: {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(old.frames).toEqual(['open GET /healthz']);
    old.close();
  });

  it('sends every method to a v2 agent', async () => {
    const current = await agent('new', TUNNEL_PROTOCOL_V2);
    tunnels.forNode('new')?.open({ method: 'CONNECT', path: '/dial', query: 'host=10.42.0.5&port=80', headers: {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(current.frames).toEqual(['open CONNECT /dial']);
    current.close();
  });
});

const conn = (): KubeletConnection => ({ open: () => { throw new Error('unused'); } });

describe('KubeletTunnels', () => {
  it('answers from a node\'s own connection first, then from resolvers (simulated nodes), until removed', () => {
    const tunnels = new KubeletTunnels();
    const sim = conn();
    const removeResolver = tunnels.registerResolver((name) => (name.startsWith('sim-') ? sim : undefined));
    expect(tunnels.forNode('sim-node-0')).toBe(sim);
    expect(tunnels.forNode('real')).toBeUndefined();
    const direct = conn();
    const removeDirect = tunnels.registerDirect('sim-node-0', direct);
    expect(tunnels.forNode('sim-node-0')).toBe(direct);
    removeDirect();
    expect(tunnels.forNode('sim-node-0')).toBe(sim);
    removeResolver();
    expect(tunnels.forNode('sim-node-0')).toBeUndefined();
    // Resolved nodes are not "connected" agents.
    expect(tunnels.connectedNodes()).toEqual([]);
  });
});
