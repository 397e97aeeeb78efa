/**
 * The proxy against real iptables, inside a network namespace this test creates (and deletes):
 * rules as iptables-save shows them, a real TCP connection to a cluster IP DNATed to a backend in
 * the namespace, REJECT (connection refused) when the Service has no endpoints, repair of rules
 * deleted by hand at the next resync, and cleanup leaving only the rules that were not ours.
 * Needs root (ip netns, iptables); nothing outside the namespace is touched.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { startTestApi, type TestApi } from '../../src/controllers/testing/test-api.js';
import { ExecIptablesRunner } from '../../src/proxy/iptables.js';
import { startProxy, type RunningProxy } from '../../src/proxy/proxy.js';
import { endpointChainName, serviceChainName } from '../../src/proxy/service-ports.js';
import { silentLogger } from '../../src/util/log.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
// Fails loudly rather than skipping: CI runs as root, and a skipped network test proves nothing.
if (!isRoot) throw new Error('proxy-iptables.test.ts needs root (ip netns, iptables): run the tests as root, as .ci/run does');
const NS = `lite-proxy-it-${process.pid}-${randomBytes(3).toString('hex')}`;
const inNs = (...args: string[]) => run('ip', ['netns', 'exec', NS, ...args], { timeout: 20_000 });
const save = async (table: 'nat' | 'filter') => (await inNs('iptables-save', '-t', table)).stdout;

const CLUSTER_IP = '10.43.77.20';
const BACKEND = '10.42.0.5';
const CLIENT = '10.42.0.9';
const WEB = serviceChainName('KUBE-SVC-', 'default/web:http', 'tcp');
const SEP = endpointChainName('default/web:http', 'tcp', `${BACKEND}:8080`);
const SEP2 = endpointChainName('default/web:http', 'tcp', '10.42.0.6:8080');

let api: TestApi;
let proxy: RunningProxy;
let backend: ChildProcess | undefined;
const stop = new AbortController();
let nsCreated = false;

/** Polls until `fn` holds (bounded: 200 tries, 15 s). */
async function waitFor(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 75));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Connects from CLIENT to the cluster IP (or another address) inside the namespace; what the backend said, or the error code. */
async function connectToService(host = CLUSTER_IP, port = 80, from = CLIENT): Promise<string> {
  const script = `
    const s = require('net').connect({ host: '${host}', port: ${port}, localAddress: '${from}' });
    let out = '';
    const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, 1500);
    s.on('data', (d) => (out += d));
    s.on('end', () => { clearTimeout(t); console.log(out); });
    s.on('error', (e) => { clearTimeout(t); console.log(e.code); });`;
  const { stdout } = await inNs(process.execPath, '-e', script);
  return stdout.trim();
}

const slice = (ips: string[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node-a' })),
});

describe('proxy in a network namespace (real iptables)', () => {
  beforeAll(async () => {
    await run('ip', ['netns', 'add', NS]);
    nsCreated = true;
    await inNs('ip', 'link', 'set', 'lo', 'up');
    // Both ends of a veth pair stay in the namespace; the pod addresses live on one end.
    await inNs('ip', 'link', 'add', 'pods0', 'type', 'veth', 'peer', 'name', 'pods1');
    await inNs('ip', 'addr', 'add', `${BACKEND}/24`, 'dev', 'pods0');
    await inNs('ip', 'addr', 'add', `${CLIENT}/24`, 'dev', 'pods0');
    await inNs('ip', 'link', 'set', 'pods0', 'up');
    await inNs('ip', 'link', 'set', 'pods1', 'up');
    await inNs('ip', 'route', 'add', 'default', 'dev', 'pods0');
    // Someone else's rules (as Docker's), which must survive everything the proxy does.
    await inNs('iptables', '-t', 'nat', '-N', 'DOCKER');
    await inNs('iptables', '-t', 'nat', '-A', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DOCKER');
    await inNs('iptables', '-t', 'filter', '-A', 'FORWARD', '-i', 'docker0', '-j', 'ACCEPT');

    backend = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', `
      const srv = require('net').createServer((c) => c.end('hello from ' + c.localAddress + ':' + c.localPort + ' to ' + c.remoteAddress));
      srv.listen(8080, '${BACKEND}', () => console.log('listening'));
      setTimeout(() => process.exit(0), 120000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('backend did not start')), 10_000);
      backend?.stdout?.once('data', () => {
        clearTimeout(t);
        resolve();
      });
    });

    api = await startTestApi();
    await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: CLUSTER_IP, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    proxy = await startProxy(
      {
        informers: api.informers,
        nodeName: 'node-a',
        nodeIps: ['10.42.0.1'],
        clusterCidr: '10.42.0.0/16',
        iptables: new ExecIptablesRunner({ prefix: ['ip', 'netns', 'exec', NS], logger: silentLogger }),
        resyncMs: 60_000,
        clock: api.clock,
        logger: silentLogger,
      },
      stop.signal,
    );
    await proxy.synced;
  });

  afterAll(async () => {
    stop.abort();
    await proxy?.stopped;
    if (backend && backend.exitCode === null) backend.kill('SIGTERM');
    await api?.stop();
    if (nsCreated) await run('ip', ['netns', 'del', NS]);
  });

  it('rejects connections to a Service without endpoints', async () => {
    expect(await save('filter')).toContain(`-A KUBE-SERVICES -d ${CLUSTER_IP}/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`);
    expect(await connectToService()).toBe('ECONNREFUSED');
  });

  it('DNATs the cluster IP to the endpoints, with the rules kube-proxy writes', async () => {
    await api.client.create(resources.endpointslices, 'default', slice([BACKEND, '10.42.0.6']));
    await waitFor('service chain', async () => (await save('nat')).includes(`:${WEB} - [0:0]`));
    const nat = await save('nat');
    expect(nat).toContain(`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
    expect(nat.indexOf('-A PREROUTING -m comment --comment "kubernetes service portals"')).toBeLessThan(nat.indexOf('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER'));
    expect(nat).toContain(`-A KUBE-SERVICES -d ${CLUSTER_IP}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ${WEB}`);
    expect(nat).toContain(`-A ${WEB} -m comment --comment "default/web:http -> ${BACKEND}:8080" -m statistic --mode random --probability 0.50000000000 -j ${SEP}`);
    expect(nat).toContain(`-A ${WEB} -m comment --comment "default/web:http -> 10.42.0.6:8080" -j ${SEP2}`);
    expect(nat).toContain(`-A ${SEP} -s ${BACKEND}/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ`);
    expect(nat).toContain(`-A ${SEP} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination ${BACKEND}:8080`);
    expect(nat).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
    expect(await save('filter')).not.toContain('has no endpoints');

    // Only one backend exists; keep just that endpoint and connect through the cluster IP.
    await api.client.update(resources.endpointslices, 'default', { ...(await api.client.get(resources.endpointslices, 'default', 'web-1')), endpoints: slice([BACKEND]).endpoints as unknown });
    await waitFor('one endpoint', async () => !(await save('nat')).includes(SEP2));
    expect(await connectToService()).toBe(`hello from ${BACKEND}:8080 to ${CLIENT}`);
  });

  it('answers a NodePort on the node\'s addresses and on localhost', async () => {
    await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-np' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] } });
    await api.client.create(resources.endpointslices, 'default', { ...slice([BACKEND]), metadata: { namespace: 'default', name: 'web-np-1', labels: { 'kubernetes.io/service-name': 'web-np' } } });
    await waitFor('node port rule', async () => (await save('nat')).includes('--dport 30080'));
    expect(await save('nat')).toContain('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
    expect(await save('filter')).toContain('-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
    // The node's own address, port 30080: DNATed to the backend (source masqueraded, Cluster policy).
    expect(await connectToService(CLIENT, 30080)).toMatch(new RegExp(`^hello from ${BACKEND.replaceAll('.', '\\.')}:8080 to `));
    // And localhost, as kube-proxy's default --iptables-localhost-nodeports.
    expect(await connectToService('127.0.0.1', 30080, '127.0.0.1')).toMatch(new RegExp(`^hello from ${BACKEND.replaceAll('.', '\\.')}:8080 to `));
    await api.client.delete(resources.services, 'default', 'web-np');
    await waitFor('node port rule removed', async () => !(await save('nat')).includes('--dport 30080'));
  });

  it('repairs rules deleted by hand at the next full resync', async () => {
    await inNs('iptables', '-t', 'nat', '-D', 'PREROUTING', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES');
    await inNs('iptables', '-t', 'nat', '-D', 'OUTPUT', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES');
    await inNs('iptables', '-t', 'nat', '-F', WEB);
    // Nothing DNATs the cluster IP any more: the SYN leaves into the void.
    expect(await connectToService()).toBe('TIMEOUT');
    api.clock.advance(60_000);
    await waitFor('repair', async () => {
      const nat = await save('nat');
      return nat.includes(`-A ${WEB} -m comment --comment "default/web:http -> ${BACKEND}:8080" -j ${SEP}`) && nat.includes('-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    });
    expect((await save('nat')).match(/-A PREROUTING -m comment --comment "kubernetes service portals"/g)).toHaveLength(1);
    expect(await connectToService()).toBe(`hello from ${BACKEND}:8080 to ${CLIENT}`);
  });

  it('cleanup removes everything it added and leaves the rest', async () => {
    stop.abort();
    await proxy.stopped;
    await proxy.cleanup();
    const nat = await save('nat');
    const filter = await save('filter');
    expect(nat).not.toMatch(/KUBE-/);
    expect(filter).not.toMatch(/KUBE-/);
    expect(nat).toContain(':DOCKER - [0:0]');
    expect(nat).toContain('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER');
    expect(filter).toContain('-A FORWARD -i docker0 -j ACCEPT');
  });
});
