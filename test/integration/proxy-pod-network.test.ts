/**
 * The pod network between two nodes, for real: two network namespaces this test creates, joined
 * by a veth link (the "LAN"), each with a pod address and its own overlay reconciler programming
 * VXLAN (flannel.1) from the Nodes in an in-process API. A pod on node A reaches a pod on node B
 * and B sees A's pod IP (no NAT); a route and an fdb entry deleted by hand come back at the next
 * resync; a Node leaving takes its routes with it; cleanup removes the device and the masquerade
 * chains. Needs root; everything happens inside the two namespaces, which are deleted afterwards.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/client/client.js';
import { createReadyNode, startTestApi, type TestApi } from '../../src/controllers/testing/test-api.js';
import { startOverlay, type RunningOverlay } from '../../src/network/overlay/overlay.js';
import { ExecIpRunner } from '../../src/network/overlay/overlay-reconciler.js';
import { ExecIptablesRunner } from '../../src/proxy/iptables.js';
import { silentLogger } from '../../src/util/log.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
// Fails loudly rather than skipping: CI runs as root, and a skipped network test proves nothing.
if (!isRoot) throw new Error('proxy-pod-network.test.ts needs root (ip netns, iptables): run the tests as root, as .ci/run does');
const tag = `${process.pid}-${randomBytes(2).toString('hex')}`;
const NS = { a: `lite-pn-a-${tag}`, b: `lite-pn-b-${tag}` };
const NODE_IP = { a: '192.168.77.10', b: '192.168.77.11' };
const POD_IP = { a: '10.42.0.5', b: '10.42.1.5' };
const POD_CIDR = { a: '10.42.0.0/24', b: '10.42.1.0/24' };
const inNs = (ns: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, ...args], { timeout: 20_000 });

let api: TestApi;
const overlays: RunningOverlay[] = [];
const stops: AbortController[] = [];
let server: ChildProcess | undefined;
const created: string[] = [];

async function waitFor(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 75));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** From pod A's address to pod B's server; what the server saw, or an error code. */
async function podToPod(): Promise<string> {
  const script = `
    const s = require('net').connect({ host: '${POD_IP.b}', port: 8080, localAddress: '${POD_IP.a}' });
    let out = '';
    const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, 1500);
    s.on('data', (d) => (out += d));
    s.on('end', () => { clearTimeout(t); console.log(out); });
    s.on('error', (e) => { clearTimeout(t); console.log(e.code); });`;
  return (await inNs(NS.a, process.execPath, '-e', script)).stdout.trim();
}

async function addNode(name: 'a' | 'b'): Promise<void> {
  await createReadyNode(api.client, { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR: POD_CIDR[name], podCIDRs: [POD_CIDR[name]] } });
  await api.client.patch(resources.nodes, undefined, name, 'merge', { status: { addresses: [{ type: 'InternalIP', address: NODE_IP[name] }] } }, { subresource: 'status' });
}

describe('pod network over VXLAN between two network namespaces', () => {
  beforeAll(async () => {
    for (const ns of [NS.a, NS.b]) {
      await run('ip', ['netns', 'add', ns]);
      created.push(ns);
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    // The LAN: one veth pair, one end in each namespace.
    await inNs(NS.a, 'ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1', 'netns', NS.b);
    await inNs(NS.b, 'ip', 'link', 'set', 'lan1', 'name', 'lan0');
    for (const n of ['a', 'b'] as const) {
      await inNs(NS[n], 'ip', 'addr', 'add', `${NODE_IP[n]}/24`, 'dev', 'lan0');
      await inNs(NS[n], 'ip', 'link', 'set', 'lan0', 'up');
      // A pod address on a local veth pair (stand-in for the pod bridge).
      await inNs(NS[n], 'ip', 'link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'pod1');
      await inNs(NS[n], 'ip', 'addr', 'add', `${POD_IP[n]}/32`, 'dev', 'pod0');
      await inNs(NS[n], 'ip', 'link', 'set', 'pod0', 'up');
      await inNs(NS[n], 'ip', 'link', 'set', 'pod1', 'up');
    }
    server = spawn('ip', ['netns', 'exec', NS.b, process.execPath, '-e', `
      const srv = require('net').createServer((c) => c.end('seen ' + c.remoteAddress));
      srv.listen(8080, '${POD_IP.b}', () => console.log('listening'));
      setTimeout(() => process.exit(0), 120000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server did not start')), 10_000);
      server?.stdout?.once('data', () => {
        clearTimeout(t);
        resolve();
      });
    });

    api = await startTestApi();
    await addNode('a');
    await addNode('b');
    for (const n of ['a', 'b'] as const) {
      const stop = new AbortController();
      stops.push(stop);
      const prefix = ['ip', 'netns', 'exec', NS[n]];
      overlays.push(
        await startOverlay(
          {
            informers: api.informers,
            nodeName: n,
            backend: 'vxlan',
            clusterCidr: '10.42.0.0/16',
            uplink: 'lan0',
            ip: new ExecIpRunner({ prefix, logger: silentLogger }),
            iptables: new ExecIptablesRunner({ prefix, logger: silentLogger }),
            resyncMs: 60_000,
            clock: api.clock,
            logger: silentLogger,
          },
          stop.signal,
        ),
      );
    }
    await Promise.all(overlays.map((o) => o.ready));
  });

  afterAll(async () => {
    for (const s of stops) s.abort();
    await Promise.all(overlays.map((o) => o.stopped));
    if (server && server.exitCode === null) server.kill('SIGTERM');
    await api?.stop();
    for (const ns of created) await run('ip', ['netns', 'del', ns]);
  });

  it('programs flannel.1 and the peer route, neighbour and fdb entry', async () => {
    const link = JSON.parse((await inNs(NS.a, 'ip', '-j', '-d', 'link', 'show', 'dev', 'flannel.1')).stdout)[0];
    expect(link).toMatchObject({ mtu: 1450, address: '02:4c:c0:a8:4d:0a', linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: NODE_IP.a, port: 8472, learning: false } } });
    expect((await inNs(NS.a, 'ip', 'route', 'show', 'dev', 'flannel.1')).stdout).toContain('10.42.1.0/24 via 10.42.1.0 onlink');
    expect((await inNs(NS.a, 'ip', 'neigh', 'show', 'dev', 'flannel.1')).stdout).toContain('10.42.1.0 lladdr 02:4c:c0:a8:4d:0b PERMANENT');
    expect((await inNs(NS.a, 'bridge', 'fdb', 'show', 'dev', 'flannel.1')).stdout).toContain(`02:4c:c0:a8:4d:0b dst ${NODE_IP.b} self permanent`);
    const nat = (await inNs(NS.a, 'iptables-save', '-t', 'nat')).stdout;
    expect(nat).toContain('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG');
    expect(nat).toContain('-A FLANNEL-POSTRTG -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j ACCEPT');
  });

  it('carries pod-to-pod traffic across nodes without NAT, even past a Docker-style MASQUERADE', async () => {
    expect(await podToPod()).toBe(`seen ${POD_IP.a}`);
    // What Docker appends for a bridge network holding the node's pod range.
    await inNs(NS.a, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', POD_CIDR.a, '!', '-o', 'pod1', '-j', 'MASQUERADE');
    expect(await podToPod()).toBe(`seen ${POD_IP.a}`);
  });

  it('repairs a route and an fdb entry deleted by hand at the next resync', async () => {
    await inNs(NS.a, 'ip', 'route', 'del', '10.42.1.0/24', 'dev', 'flannel.1');
    await inNs(NS.b, 'bridge', 'fdb', 'del', '02:4c:c0:a8:4d:0a', 'dev', 'flannel.1', 'dst', NODE_IP.a, 'self');
    expect(await podToPod()).not.toMatch(/^seen/);
    api.clock.advance(60_000);
    await waitFor('repair', async () => (await inNs(NS.a, 'ip', 'route', 'show', 'dev', 'flannel.1')).stdout.includes('10.42.1.0/24') && (await inNs(NS.b, 'bridge', 'fdb', 'show', 'dev', 'flannel.1')).stdout.includes(NODE_IP.a));
    expect(await podToPod()).toBe(`seen ${POD_IP.a}`);
  });

  it('forgets a node that leaves the cluster', async () => {
    await api.client.delete(resources.nodes, undefined, 'b');
    await waitFor('route to b removed', async () => !(await inNs(NS.a, 'ip', 'route', 'show', 'dev', 'flannel.1')).stdout.includes('10.42.1.0/24'));
    expect((await inNs(NS.a, 'ip', 'neigh', 'show', 'dev', 'flannel.1')).stdout).not.toContain('10.42.1.0');
    expect((await inNs(NS.a, 'bridge', 'fdb', 'show', 'dev', 'flannel.1')).stdout).not.toContain(NODE_IP.b);
  });

  it('cleanup removes the device and the masquerade chains', async () => {
    for (const s of stops) s.abort();
    await Promise.all(overlays.map((o) => o.stopped));
    for (const o of overlays) await o.cleanup();
    for (const ns of [NS.a, NS.b]) {
      expect((await inNs(ns, 'ip', '-j', 'link', 'show')).stdout).not.toContain('flannel.1');
      expect((await inNs(ns, 'iptables-save')).stdout).not.toContain('FLANNEL');
      if (ns === NS.a) expect((await inNs(ns, 'iptables-save', '-t', 'nat')).stdout).toContain(`-A POSTROUTING -s ${POD_CIDR.a} ! -o pod1 -j MASQUERADE`);
      expect((await inNs(ns, 'ip', 'addr', 'show', 'dev', 'pod0')).stdout).toContain(ns === NS.a ? POD_IP.a : POD_IP.b);
    }
  });
});
