/**
 * Issue 5 with the real bin/lite (server + embedded agent), kubectl 1.32 and Docker, on one node:
 *  - pods get addresses of the node's pod CIDR (10.42.x.0/24) on the node's pod bridge, and
 *    ClusterFirst resolv.conf pointing at the kube-dns Service (10.43.0.10);
 *  - a Deployment of busybox httpd pods behind a ClusterIP Service is reached by name from
 *    another pod (`web`, `web.<ns>.svc.cluster.local`); scaled to 0 the connection is refused at
 *    once, scaled back it answers again;
 *  - NodePort from the host; LoadBalancer (ServiceLB) ingress IP from the host;
 *  - DNS: a headless Service has one A record per ready pod, `kubernetes.default` resolves, an
 *    outside name is forwarded to a resolver this test runs on a loopback address;
 *  - a NodePort rule deleted by hand is back within kube-proxy's resync period (5 s here);
 *  - `lite server --cleanup` removes the chains, the overlay device and the pod network.
 * Multi-node (a second agent in its own network namespace with its own dockerd) is not here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode, type Packet } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uniqueName, useCluster } from './support/cluster.js';
import { docker } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { runProgram } from './support/kubectl.js';
import { LITE_BIN } from './support/lite-process.js';
import { eventually } from './support/wait.js';

// The cluster DNS forwards names outside cluster.local to the nameservers of --resolv-conf:
// a resolver this test runs (there is no internet here).
const UPSTREAM = '127.0.0.153';
const OUTSIDE_NAME = 'outside.lite-e2e.test';
const OUTSIDE_IP = '198.51.100.7';
const resolvDir = mkdtempSync(join(tmpdir(), 'lite-e2e-resolv-'));
const resolvConf = join(resolvDir, 'resolv.conf');
writeFileSync(resolvConf, `nameserver ${UPSTREAM}\n`);

const RESYNC_MS = 5000;
const ctx = useCluster({ agent: true, args: ['--proxy-sync-period', `${RESYNC_MS / 1000}s`, '--resolv-conf', resolvConf], readyTimeoutMs: 40_000 });
const ns = uniqueName('net');
let upstream: Socket | undefined;
const upstreamQueries: string[] = [];
let nodeIp = '';
let podCidr = '';

function manifest(): string {
  const web = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: ${TEST_IMAGES.busybox}
        imagePullPolicy: Never
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`;
  const svc = (name: string, spec: string) => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: web}
${spec}`;
  return `${web}${svc('web', '  ports: [{port: 80, targetPort: 8080}]\n')}${svc('web-np', '  type: NodePort\n  ports: [{port: 80, targetPort: 8080}]\n')}${svc('web-lb', '  type: LoadBalancer\n  ports: [{port: 18080, targetPort: 8080}]\n')}${svc('web-headless', '  clusterIP: None\n  ports: [{port: 8080}]\n')}---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${TEST_IMAGES.busybox}
    imagePullPolicy: Never
    command: ["sleep", "3600"]
`;
}

async function inClient(script: string): Promise<{ code: number | null; out: string }> {
  const r = await ctx.kubectl.run(['-n', ns, 'exec', 'client', '--', 'sh', '-c', script], { timeoutMs: 30_000 });
  expect(r.stderr.replace(/^command terminated with exit code \d+\n?$/m, '')).toBe('');
  return { code: r.code, out: r.stdout };
}

/** busybox wget into a file (its `-O-` and `-T` crash in Debian's static busybox 1.35). */
async function wgetFromClient(url: string): Promise<{ code: number | null; out: string }> {
  return inClient(`wget -q -O /tmp/out ${url} 2>&1 && cat /tmp/out`);
}

async function webPods(): Promise<{ name: string; ip: string; ready: boolean }[]> {
  const list = JSON.parse(await ctx.kubectl.ok(['-n', ns, 'get', 'pods', '-l', 'app=web', '-o', 'json'])) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { podIP?: string; conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.map((p) => ({ name: p.metadata.name, ip: p.status.podIP ?? '', ready: !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') }));
}

async function httpGet(url: string): Promise<string> {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return (await r.text()).trim();
}

function inCidr(ip: string, cidr: string): boolean {
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return n(ip) >= n(base) && n(ip) < n(base) + size;
}

beforeAll(async () => {
  await ensureE2eImages();
  upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    upstreamQueries.push(`${question.type} ${question.name}`);
    const found = question.name.toLowerCase() === OUTSIDE_NAME && question.type === 'A';
    const answer: Packet = {
      id: q.id,
      type: 'response',
      flags: 0x8180 | (found || question.name.toLowerCase() === OUTSIDE_NAME ? 0 : 3),
      questions: q.questions,
      answers: found ? [{ type: 'A', name: question.name, ttl: 30, class: 'IN', data: OUTSIDE_IP }] : [],
    };
    upstream?.send(encode(answer), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    upstream?.once('error', reject);
    upstream?.bind(53, UPSTREAM, () => resolve());
  });
  const node = JSON.parse(await ctx.kubectl.ok(['get', 'node', ctx.server.nodeName ?? '', '-o', 'json'])) as { spec: { podCIDR?: string }; status: { addresses: { type: string; address: string }[] } };
  nodeIp = node.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? '';
  podCidr = node.spec.podCIDR ?? '';
  await ctx.kubectl.ok(['create', 'namespace', ns]);
  const file = join(ctx.tmp, 'net.yaml');
  writeFileSync(file, manifest());
  await ctx.kubectl.ok(['-n', ns, 'apply', '-f', file]);
  await ctx.kubectl.ok(['-n', ns, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=90s'], { timeoutMs: 100_000 });
});

afterAll(async () => {
  await ctx.kubectl?.run(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  upstream?.close();
  rmSync(resolvDir, { recursive: true, force: true });
});

describe('cluster networking on one node', () => {
  test("pods get addresses of the node's pod CIDR and ClusterFirst DNS; no MissingClusterDNS events", async () => {
    expect(podCidr).toMatch(/^10\.42\.\d+\.0\/24$/);
    const pods = await webPods();
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(inCidr(p.ip, podCidr), `${p.name} ${p.ip} in ${podCidr}`).toBe(true);
    const { out } = await inClient('cat /etc/resolv.conf');
    expect(out.split('\n').filter(Boolean)).toEqual([`search ${ns}.svc.cluster.local svc.cluster.local cluster.local`, 'nameserver 10.43.0.10', 'options ndots:5']);
    const events = await ctx.kubectl.ok(['-n', ns, 'get', 'events', '-o', 'jsonpath={.items[*].reason}']);
    expect(events).not.toContain('MissingClusterDNS');
    // The bridge network exists with the pod CIDR and Docker's masquerade off.
    // With VXLAN (the default) the pods' MTU leaves room for the encapsulation (uplink − 50).
    const inspect = await docker(['network', 'inspect', `lite-pods-${ctx.server.nodeName ?? ''}`, '--format', '{{(index .IPAM.Config 0).Subnet}} {{index .Options "com.docker.network.bridge.enable_ip_masquerade"}} {{index .Options "com.docker.network.driver.mtu"}}']);
    const dev = (await runProgram('ip', ['-o', 'addr', 'show', 'to', nodeIp])).stdout.split(/\s+/)[1] ?? '';
    const mtu = Number(/ mtu (\d+)/.exec((await runProgram('ip', ['-o', 'link', 'show', 'dev', dev])).stdout)?.[1]);
    expect(mtu).toBeGreaterThan(576);
    expect(inspect.stdout.trim()).toBe(`${podCidr} false ${mtu - 50}`);
    const podMtu = await inClient('cat /sys/class/net/eth0/mtu');
    expect(Number(podMtu.out.trim())).toBe(mtu - 50);
  });

  test('a ClusterIP Service answers by name from another pod; scaled to 0 it refuses at once; scaled back it answers', async () => {
    const names = new Set((await webPods()).map((p) => p.name));
    for (const url of ['http://web', `http://web.${ns}.svc.cluster.local`, `http://web.${ns}`]) {
      const r = await wgetFromClient(url);
      expect(r.code, `${url}: ${r.out}`).toBe(0);
      expect(names.has(r.out.trim()), `${url} answered ${r.out}`).toBe(true);
    }
    // Over several requests both pods answer (random load balancing).
    const seen = new Set<string>();
    await eventually(async () => {
      seen.add((await wgetFromClient('http://web')).out.trim());
      return seen.size === 2;
    }, { timeoutMs: 30_000, intervalMs: 50, what: 'both pods to answer through the Service' });

    await ctx.kubectl.ok(['-n', ns, 'scale', 'deployment', 'web', '--replicas=0']);
    await eventually(async () => (await webPods()).length === 0, { timeoutMs: 60_000, intervalMs: 250, what: 'the web pods to be gone' });
    const refused = await eventually(
      async () => {
        const started = Date.now();
        const r = await inClient('wget -q -O /tmp/out http://web 2>&1; echo "exit=$?"');
        return r.out.includes('Connection refused') ? { ...r, ms: Date.now() - started } : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'the Service without endpoints to refuse connections' },
    );
    expect(refused.out).toContain('exit=1');
    expect(refused.ms).toBeLessThan(5000);

    await ctx.kubectl.ok(['-n', ns, 'scale', 'deployment', 'web', '--replicas=2']);
    await eventually(async () => (await webPods()).filter((p) => p.ready).length === 2, { timeoutMs: 60_000, intervalMs: 250, what: 'two ready web pods again' });
    const back = await eventually(async () => {
      const r = await wgetFromClient('http://web');
      return r.code === 0 ? r.out.trim() : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200, what: 'the Service to answer again' });
    expect(new Set((await webPods()).map((p) => p.name)).has(back)).toBe(true);
  });

  test('NodePort answers on the node IP and on localhost from the host', async () => {
    const port = await ctx.kubectl.ok(['-n', ns, 'get', 'service', 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    expect(Number(port)).toBeGreaterThanOrEqual(30000);
    const names = new Set((await webPods()).map((p) => p.name));
    const body = await eventually(() => httpGet(`http://${nodeIp}:${port}/`).catch(() => undefined), { timeoutMs: 10_000, what: 'the NodePort to answer' });
    expect(names.has(body)).toBe(true);
    // kube-proxy's default --iptables-localhost-nodeports: `curl localhost:<nodePort>` works.
    expect(names.has(await httpGet(`http://127.0.0.1:${port}/`))).toBe(true);
    expect((await runProgram('sysctl', ['-n', 'net.ipv4.conf.all.route_localnet'])).stdout.trim()).toBe('1');
    expect((await runProgram('iptables-save', ['-t', 'filter'])).stdout).toContain('"block incoming localnet connections"');
  });

  test('a LoadBalancer Service gets the node IP as ingress (ServiceLB) and answers there', async () => {
    const ingress = await eventually(async () => (await ctx.kubectl.ok(['-n', ns, 'get', 'service', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim() || undefined, {
      timeoutMs: 20_000,
      intervalMs: 250,
      what: 'an ingress IP',
    });
    expect(ingress).toBe(nodeIp);
    const table = await ctx.kubectl.ok(['-n', ns, 'get', 'service', 'web-lb']);
    expect(table).toContain(nodeIp);
    const names = new Set((await webPods()).map((p) => p.name));
    const body = await eventually(() => httpGet(`http://${ingress}:18080/`).catch(() => undefined), { timeoutMs: 10_000, what: 'the LoadBalancer port to answer' });
    expect(names.has(body)).toBe(true);
  });

  test('DNS: headless Service → one A record per ready pod; kubernetes.default; outside names forwarded', async () => {
    const ips = (await webPods()).filter((p) => p.ready).map((p) => p.ip).sort();
    const headless = await inClient(`nslookup -type=a web-headless.${ns}.svc.cluster.local`);
    const answered = [...headless.out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]).sort();
    expect(answered).toEqual(ips);

    const k = await inClient('nslookup kubernetes.default.svc.cluster.local');
    expect(k.out).toMatch(/Name:\s+kubernetes\.default\.svc\.cluster\.local\nAddress: 10\.43\.0\.1\n/);
    // `kubernetes.default` through the search list (getaddrinfo, as applications resolve it;
    // busybox's nslookup applies the search list only to names without dots).
    const ping = await inClient('ping -c 1 -W 1 kubernetes.default 2>&1 | head -1');
    expect(ping.out).toContain('PING kubernetes.default (10.43.0.1)');

    const out = await inClient(`nslookup ${OUTSIDE_NAME}`);
    expect(out.out).toContain(`Address: ${OUTSIDE_IP}`);
    expect(upstreamQueries).toContain(`A ${OUTSIDE_NAME}`);
  });

  test(`a NodePort rule deleted by hand is restored within the resync period (${RESYNC_MS / 1000} s)`, async () => {
    const port = await ctx.kubectl.ok(['-n', ns, 'get', 'service', 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    await eventually(() => httpGet(`http://${nodeIp}:${port}/`).catch(() => undefined), { timeoutMs: 10_000, what: 'the NodePort to answer' });
    const save = (await runProgram('iptables-save', ['-t', 'nat'])).stdout;
    const rule = save.split('\n').find((l) => l.startsWith('-A KUBE-NODEPORTS ') && l.includes(`"${ns}/web-np"`) && l.includes(`--dport ${port} `));
    expect(rule, save).toBeDefined();
    const restore = await runProgram('iptables-restore', ['--noflush'], { input: `*nat\n-D ${(rule ?? '').slice(3)}\nCOMMIT\n` });
    expect(restore.code, restore.stderr).toBe(0);
    const deletedAt = Date.now();
    await expect(httpGet(`http://${nodeIp}:${port}/`)).rejects.toThrow();
    await eventually(() => httpGet(`http://${nodeIp}:${port}/`).catch(() => undefined), { timeoutMs: RESYNC_MS + 5000, intervalMs: 200, what: 'the NodePort rule to be restored' });
    expect(Date.now() - deletedAt).toBeLessThan(RESYNC_MS + 5000);
  });

  test('lite server --cleanup removes the chains, the overlay device and the pod network', async () => {
    const nodeName = ctx.server.nodeName ?? '';
    await ctx.server.stop('SIGTERM', 15_000);
    const before = (await runProgram('iptables-save', [])).stdout;
    expect(before).toContain(':KUBE-SERVICES');
    const r = await runProgram(process.execPath, [LITE_BIN, 'server', '--cleanup', '--node-name', nodeName], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pod network lite-pods-${nodeName} removed`);
    const after = (await runProgram('iptables-save', [])).stdout;
    expect(after).not.toMatch(/KUBE-|FLANNEL-/);
    expect((await runProgram('ip', ['link', 'show', 'flannel.1'])).code).not.toBe(0);
    expect((await docker(['network', 'ls', '-q', '--filter', `label=io.lite.pod-network=${nodeName}`])).stdout.trim()).toBe('');
  });
});
