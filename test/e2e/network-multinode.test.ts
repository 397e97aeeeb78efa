/**
 * Issue 5, acceptance 1, 2 and 5 across two nodes, for the VXLAN and the host-gw backend: the server's embedded agent on the host, and a
 * `lite agent` in a network namespace this test creates, with its own dockerd, joined over a
 * veth link (support/netns-node.ts). The VXLAN overlay carries pod traffic between them:
 *  - a Deployment of 4 busybox HTTP pods spread over both nodes;
 *  - from a pod on the host node, a pod on the other node answers at its pod IP and sees the
 *    client's pod IP (no NAT), and the other way round;
 *  - `wget http://web` and `http://web.<ns>.svc.cluster.local` from a pod on either node reach
 *    pods on both nodes;
 *  - the overlay deleted by hand (flannel.1, or the host-gw route) is back within the resync
 *    period (5 s here);
 *  - an Ingress answers on port 80 of both nodes (the ingress's LoadBalancer Service: ServiceLB
 *    lists both nodes, kube-proxy forwards their port 80 to the server's listener);
 *  - `lite agent --cleanup` in the namespace removes its chains, overlay and pod network.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { getWithHost } from './support/http.js';
import { runProgram } from './support/kubectl.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { uniqueName } from './support/cluster.js';
import { uniqueNodeName } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { Kubectl, requireKubectl132 } from './support/kubectl.js';
import { LITE_BIN, makeTempDir, startLite, type LiteServer } from './support/lite-process.js';
import { copyImage, netnsPrefix, startNetnsNode, type NetnsNode } from './support/netns-node.js';
import { eventually } from './support/wait.js';

let node: NetnsNode | undefined;
let server: LiteServer | undefined;
let agent: LiteAgent | undefined;
let kubectl: Kubectl;
let tmp = '';
let ns = '';
let serverNode = '';
let agentNode = '';
const BACKENDS = ['vxlan', 'host-gw'] as const;

function manifest(): string {
  const client = (name: string, nodeName: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${nodeName}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${TEST_IMAGES.busybox}
    imagePullPolicy: Never
    command: ["sleep", "3600"]
`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: httpd
        image: ${TEST_IMAGES.busybox}
        imagePullPolicy: Never
        # index.html: the pod's name; cgi-bin/ip: the client's address as the server sees it
        command: ["sh", "-c", "mkdir -p /www/cgi-bin && hostname > /www/index.html && printf '#!/bin/sh\\\\necho Content-Type: text/plain\\\\necho\\\\necho $REMOTE_ADDR\\\\n' > /www/cgi-bin/ip && chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
${client('client-a', serverNode)}${client('client-b', agentNode)}`;
}

interface PodInfo {
  name: string;
  ip: string;
  node: string;
}

async function pods(selector: string): Promise<PodInfo[]> {
  const list = JSON.parse(await kubectl.ok(['-n', ns, 'get', 'pods', '-l', selector, '-o', 'json'])) as { items: { metadata: { name: string }; spec: { nodeName?: string }; status: { podIP?: string } }[] };
  return list.items.map((p) => ({ name: p.metadata.name, ip: p.status.podIP ?? '', node: p.spec.nodeName ?? '' }));
}


async function wget(client: string, url: string): Promise<string> {
  const r = await kubectl.run(['-n', ns, 'exec', client, '--', 'sh', '-c', `wget -q -O /tmp/out ${url} 2>&1 && cat /tmp/out`], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`wget ${url} from ${client}: exit ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

describe.each(BACKENDS)('pod network across two nodes (%s)', (backend) => {
  beforeAll(async () => {
    ns = uniqueName('mn');
    serverNode = uniqueNodeName('mn-server');
    agentNode = uniqueNodeName('mn-agent');
    requireKubectl132();
    await ensureE2eImages();
    tmp = makeTempDir('mn');
    node = await startNetnsNode(backend === 'vxlan' ? 'v' : 'h');
    await copyImage(node, TEST_IMAGES.busybox);
    server = await startLite({
      agent: { nodeName: serverNode },
      viaEnv: true,
      env: { LITE_BIND_ADDRESS: '0.0.0.0' },
      args: ['--node-ip', node.hostIp, '--tls-san', node.hostIp, '--proxy-sync-period', '5s', '--flannel-backend', backend],
      readyTimeoutMs: 40_000,
    });
    kubectl = new Kubectl({ kubeconfig: server.kubeconfigPath, cacheDir: join(tmp, 'kube-cache') });
    agent = await startLiteAgent(server, {
      nodeName: agentNode,
      serverUrl: `https://${node.hostIp}:${server.port}`,
      prefix: netnsPrefix(node),
      args: ['--node-ip', node.nodeIp, '--docker-socket', node.dockerSocket, '--proxy-sync-period', '5s', '--flannel-backend', backend],
      readyTimeoutMs: 60_000,
    });
    await kubectl.ok(['create', 'namespace', ns]);
    const file = join(tmp, 'mn.yaml');
    writeFileSync(file, manifest());
    await kubectl.ok(['-n', ns, 'apply', '-f', file]);
    await kubectl.ok(['-n', ns, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], { timeoutMs: 130_000 });
  }, 300_000);

  afterAll(async () => {
    await agent?.cleanup().catch(() => undefined);
    await server?.cleanup().catch(() => undefined);
    await node?.stop().catch(() => undefined);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 180_000);


  test('the web pods are spread over both nodes, each with an address of its node', async () => {
    const web = await pods('app=web');
    expect(web).toHaveLength(4);
    const nodes = JSON.parse(await kubectl.ok(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { podCIDR: string } }[] };
    const cidr = new Map(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR]));
    expect(new Set(web.map((p) => p.node))).toEqual(new Set([serverNode, agentNode]));
    for (const p of web) {
      const prefix = (cidr.get(p.node) ?? '').replace(/0\/24$/, '');
      expect(p.ip.startsWith(prefix) && prefix !== '', `${p.name} ${p.ip} on ${p.node} (${cidr.get(p.node)})`).toBe(true);
    }
  });

  test("pod to pod across nodes, both ways, and the server sees the client's pod IP (no NAT)", async () => {
    const web = await pods('app=web');
    const [a] = await pods('!app,run!=x').then((ps) => ps.filter((p) => p.name === 'client-a'));
    const [b] = await pods('!app,run!=x').then((ps) => ps.filter((p) => p.name === 'client-b'));
    expect(a?.node).toBe(serverNode);
    expect(b?.node).toBe(agentNode);
    for (const [client, target] of [
      [a, web.find((p) => p.node === agentNode)],
      [b, web.find((p) => p.node === serverNode)],
    ] as const) {
      expect(target).toBeDefined();
      expect(await wget(client?.name ?? '', `http://${target?.ip}:8080/`)).toBe(target?.name);
      // busybox httpd listens on IPv6 and shows IPv4 peers as [::ffff:a.b.c.d]
      const seen = (await wget(client?.name ?? '', `http://${target?.ip}:8080/cgi-bin/ip`)).replace(/^\[::ffff:(.*)\]$/, '$1');
      expect(seen).toBe(client?.ip);
    }
  });

  test('the ClusterIP Service by name from a pod on either node reaches pods on both nodes', async () => {
    const web = await pods('app=web');
    const nodeOf = new Map(web.map((p) => [p.name, p.node]));
    for (const client of ['client-a', 'client-b']) {
      for (const url of ['http://web', `http://web.${ns}.svc.cluster.local`]) expect(nodeOf.has(await wget(client, url)), `${url} from ${client}`).toBe(true);
      const reached = new Set<string>();
      await eventually(
        async () => {
          reached.add(nodeOf.get(await wget(client, 'http://web')) ?? '');
          return reached.size === 2;
        },
        { timeoutMs: 60_000, intervalMs: 50, what: `pods on both nodes to answer ${client}` },
      );
    }
  });

  test('an Ingress answers on port 80 of both nodes (the lite-ingress LoadBalancer Service) and reports both addresses', async () => {
    await kubectl.ok(['-n', ns, 'create', 'ingress', 'web', '--rule=web.mn.test/*=web:80']);
    const names = new Set((await pods('app=web')).map((p) => p.name));
    for (const ip of [node?.hostIp ?? '', node?.nodeIp ?? '']) {
      await eventually(
        async () => {
          const r = await getWithHost(ip, 80, 'web.mn.test').catch(() => undefined);
          return r?.status === 200 && names.has(r.body);
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `the Ingress to answer on ${ip}:80` },
      );
    }
    const addresses = await eventually(
      async () => {
        const out = (await kubectl.ok(['-n', ns, 'get', 'ingress', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])).trim().split(' ').sort();
        return out.length === 2 ? out : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'both node addresses in the Ingress status' },
    );
    expect(addresses).toEqual([node?.hostIp ?? '', node?.nodeIp ?? ''].sort());
    expect(await kubectl.ok(['-n', 'kube-system', 'get', 'service', 'lite-ingress', '-o', 'jsonpath={.spec.type} {.spec.ports[*].port}'])).toBe('LoadBalancer 80 443');
  });

  test('the overlay deleted by hand (VXLAN device, host-gw route) is restored within the resync period', async () => {
    const remote = (await pods('app=web')).find((p) => p.node === agentNode);
    expect(remote).toBeDefined();
    const via = backend === 'vxlan' ? 'dev flannel.1' : `via ${node?.nodeIp}`;
    expect((await runProgram('ip', ['route', 'get', remote?.ip ?? ''])).stdout).toContain(via);
    const peerCidr = `${(remote?.ip ?? '').split('.').slice(0, 3).join('.')}.0/24`;
    const del = await runProgram('ip', backend === 'vxlan' ? ['link', 'del', 'flannel.1'] : ['route', 'del', peerCidr]);
    expect(del.code, del.stderr).toBe(0);
    const deletedAt = Date.now();
    expect((await runProgram('ip', ['route', 'get', remote?.ip ?? ''])).stdout).not.toContain(via);
    await eventually(async () => (await runProgram('ip', ['route', 'get', remote?.ip ?? ''])).stdout.includes(via), { timeoutMs: 15_000, intervalMs: 100, what: 'the overlay route to be restored' });
    await eventually(async () => (await wget('client-a', `http://${remote?.ip}:8080/`).catch(() => '')) === remote?.name, {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'pod-to-pod traffic across nodes to work again',
    });
    expect(Date.now() - deletedAt).toBeLessThan(15_000);
  });

  test('lite agent --cleanup (in the namespace) removes its chains, overlay and pod network', async () => {
    await agent?.stop();
    const inNs = (cmd: string, args: string[]) => runProgram(netnsPrefix(node as NetnsNode)[0], [...netnsPrefix(node as NetnsNode).slice(1), cmd, ...args], { timeoutMs: 60_000 });
    expect((await inNs('iptables-save', [])).stdout).toContain(':KUBE-SERVICES');
    const r = await inNs(process.execPath, [LITE_BIN, 'agent', '--cleanup', '--node-name', agentNode, '--node-ip', node?.nodeIp ?? '', '--docker-socket', node?.dockerSocket ?? '']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pod network lite-pods-${agentNode} removed`);
    expect((await inNs('iptables-save', [])).stdout).not.toMatch(/KUBE-|FLANNEL-/);
    expect((await inNs('ip', ['link', 'show', 'flannel.1'])).code).not.toBe(0);
    expect((await inNs('ip', ['-4', 'route', 'show'])).stdout).not.toContain('10.42.');
    expect((await node?.docker(['network', 'ls', '-q', '--filter', 'label=io.lite.pod-network']))?.stdout.trim()).toBe('');
  });

});
