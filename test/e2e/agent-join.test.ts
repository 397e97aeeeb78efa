/**
 * Issue 4, acceptance 1 and the "Joining" section, with the real bin/lite, kubectl 1.32 and Docker:
 *  - `lite server` alone gives one Ready node (its embedded agent) within 3 s of start, with the
 *    labels, roles, addresses, nodeInfo and Lease of a k3s server node;
 *  - a second `lite agent --server … --token …` on the same host (own data dir and node name)
 *    joins as a second Ready node;
 *  - a wrong token, a wrong CA hash, an unreachable server, a taken node name and bad flags each
 *    fail with a message that names the cause, and a documented exit code;
 *  - `lite token` and `lite node forget` keep working; the server still starts (and says why there
 *    is no node) when Docker is unreachable.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinToken, runLiteAgent, startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { parseTable, uniqueName } from './support/cluster.js';
import { ensureE2eImages } from './support/images.js';
import { Kubectl, requireKubectl132, runProgram } from './support/kubectl.js';
import { freePort, LITE_BIN, makeTempDir, startLite, type LiteServer } from './support/lite-process.js';
import { eventually } from './support/wait.js';
import { rmSync } from 'node:fs';

let server: LiteServer;
let kubectl: Kubectl;
let tmp: string;
let readyNodeMs = NaN;
const agents: LiteAgent[] = [];

beforeAll(async () => {
  requireKubectl132();
  await ensureE2eImages();
  tmp = makeTempDir('join');
  const starting = startLite({ agent: true });
  // Poll for a Ready node from the moment of spawn: the kubeconfig exists once the server is up.
  const dataDirKnown = await starting;
  server = dataDirKnown;
  kubectl = new Kubectl({ kubeconfig: server.kubeconfigPath, cacheDir: join(tmp, 'kube-cache') });
  readyNodeMs = await eventually(
    async () => {
      const r = await kubectl.run(['get', 'node', server.nodeName ?? '', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True' ? performance.now() - server.spawnedAt : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50, what: `node ${server.nodeName} to be Ready` },
  );
});

afterAll(async () => {
  for (const a of agents) await a.cleanup();
  await server?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('lite server with its embedded agent', () => {
  test('one Ready node within 3 s of start', () => {
    console.log(`spawn → "ready" ${server.readyAfterMs.toFixed(0)} ms, spawn → Ready node ${readyNodeMs.toFixed(0)} ms`);
    expect(readyNodeMs, `spawn → Ready node took ${readyNodeMs.toFixed(0)} ms`).toBeLessThan(3_000);
  });

  test('the node looks like a k3s server node in kubectl get/describe', async () => {
    const node = server.nodeName ?? '';
    const rows = parseTable(await kubectl.ok(['get', 'nodes', '-o', 'wide']));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ NAME: node, STATUS: 'Ready', ROLES: 'control-plane,master', VERSION: 'v1.32.0+lite', 'CONTAINER-RUNTIME': expect.stringMatching(/^docker:\/\/\d+\.\d+/) });
    expect(rows[0]['INTERNAL-IP']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(rows[0]['OS-IMAGE']).not.toBe('<unknown>');
    const obj = JSON.parse(await kubectl.ok(['get', 'node', node, '-o', 'json'])) as {
      metadata: { labels: Record<string, string> };
      status: { capacity: Record<string, string>; allocatable: Record<string, string>; addresses: { type: string; address: string }[]; nodeInfo: Record<string, string>; conditions: { type: string; status: string }[] };
    };
    expect(obj.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': node, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': expect.any(String), 'node-role.kubernetes.io/control-plane': 'true' });
    expect(Number(obj.status.capacity.cpu)).toBeGreaterThan(0);
    expect(obj.status.capacity.pods).toBe('110');
    expect(obj.status.allocatable.memory).toMatch(/^\d+(Ki|Mi|Gi)?$/);
    expect(obj.status.addresses.map((a) => a.type)).toEqual(['InternalIP', 'Hostname']);
    expect(obj.status.nodeInfo).toMatchObject({ operatingSystem: 'linux', kubeletVersion: 'v1.32.0+lite', containerRuntimeVersion: expect.stringMatching(/^docker:\/\//) });
    expect(Object.fromEntries(obj.status.conditions.map((c) => [c.type, c.status]))).toMatchObject({ Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' });
    const describe = await kubectl.ok(['describe', 'node', node]);
    expect(describe).toMatch(/^Roles: +control-plane,master$/m);
    expect(describe).toMatch(/^Lease:\n +HolderIdentity: +\S+\n +AcquireTime: +<unset>\n +RenewTime: +\S+/m);
    expect(describe).toMatch(/Ready +True .* KubeletReady +kubelet is posting ready status/);
    expect(describe).toContain('Starting kubelet.');
  });

  test('a second lite agent on the same host joins as a second Ready node', async () => {
    const agent = await startLiteAgent(server, { args: ['--node-label', 'pool=blue', '--node-taint', 'dedicated=e2e:PreferNoSchedule'] });
    agents.push(agent);
    await eventually(async () => (await kubectl.run(['get', 'node', agent.nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: `node ${agent.nodeName} to be Ready`,
    });
    const rows = new Map(parseTable(await kubectl.ok(['get', 'nodes'])).map((r) => [r.NAME, r]));
    expect(rows.size).toBe(2);
    expect(rows.get(agent.nodeName)).toMatchObject({ STATUS: 'Ready', ROLES: '<none>', VERSION: 'v1.32.0+lite' });
    expect(await kubectl.ok(['get', 'node', agent.nodeName, '-o', 'jsonpath={.metadata.labels.pool} {.spec.taints[*].key}'])).toBe('blue dedicated');
    expect(agent.stdout).toMatch(new RegExp(`^lite agent: node ${agent.nodeName} \\(\\S+\\) joined ${server.url.replace(/[.]/g, '\\.')}$`, 'm'));
  });
});

describe('joining failures name their cause', () => {
  test('a wrong token secret is rejected by the server', async () => {
    const token = joinToken(server).replace(/:[^:]+$/, ':0123456789abcdef0123456789abcdef');
    const r = await runLiteAgent(['--server', server.url, '--token', token, '--node-name', uniqueName('bad-token')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^lite agent: cannot join https:\/\/127\.0\.0\.1:\d+ as node "[^"]+": the server rejected the join token: join token rejected: the server does not know this token$/m);
  });

  test('a token pinning another CA is refused before any secret is sent', async () => {
    const token = joinToken(server).replace(/^K10[0-9a-f]{64}/, `K10${'ab'.repeat(32)}`);
    const r = await runLiteAgent(['--server', server.url, '--token', token, '--node-name', uniqueName('bad-ca')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the server's CA does not match the join token \(token pins abababababab…, server has [0-9a-f]{12}…\): wrong server, or a token from another cluster/);
  });

  test('an unreachable server says the connection was refused', async () => {
    const port = await freePort();
    const r = await runLiteAgent(['--server', `https://127.0.0.1:${port}`, '--token', joinToken(server), '--node-name', uniqueName('nowhere')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`connection refused by 127.0.0.1:${port}: is "lite server" running there, and is that its --https-listen-port?`);
  });

  test('a name resolution failure names DNS', async () => {
    const r = await runLiteAgent(['--server', 'https://no-such-host.invalid:6443', '--token', joinToken(server), '--node-name', uniqueName('nodns')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`cannot resolve the server's name "no-such-host.invalid" (DNS lookup failed)`);
  });

  test('a node name taken by another machine is refused with how to fix it; lite node forget frees it', async () => {
    const name = uniqueName('taken');
    const first = await startLiteAgent(server, { nodeName: name });
    agents.push(first);
    await first.stop();
    // another data dir = another node password = another machine
    const r = await runLiteAgent(['--server', server.url, '--token', joinToken(server), '--node-name', name]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`node name "${name}" is already taken by another machine (its node password does not match). If this is the same machine re-installed, run "lite node forget ${name}" on the server; otherwise start this agent with a unique --node-name.`);
    const forget = await runProgram(process.execPath, [LITE_BIN, 'node', 'forget', name, '--data-dir', server.dataDir]);
    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stdout).toBe(`node ${name} forgotten (Node object deleted): a machine may now join under this name\n`);
    const again = await startLiteAgent(server, { nodeName: name });
    agents.push(again);
    expect(again.running).toBe(true);
  });

  test('bad flags exit 2 with the flag named', async () => {
    const noServer = await runLiteAgent(['--token', 'x']);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toBe('lite agent: --server (or LITE_URL) is required: the URL of the server to join, e.g. https://10.0.0.1:6443\n');
    const badToken = await runLiteAgent(['--server', server.url, '--token', 'not-a-token', '--node-name', uniqueName('fmt')]);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('the join token is not valid: it must look like K10<64 hex characters>::<id>:<secret> (print it on the server with "lite token")');
    const viaEnv = await runLiteAgent(['--node-name', 'Bad_Name'], { env: { LITE_URL: server.url, LITE_TOKEN: joinToken(server) } });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toMatch(/^lite agent: --node-name "Bad_Name" is not a valid node name/);
  });

  test('lite token prints the token agents use', async () => {
    const r = await runProgram(process.execPath, [LITE_BIN, 'token', '--data-dir', server.dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(joinToken(server));
    expect(r.stdout).toMatch(/^K10[0-9a-f]{64}::[a-z0-9]+:[a-z0-9]+\n$/);
  });
});

describe('without Docker', () => {
  test('lite server still starts the control plane and says why there is no node', async () => {
    const dir = makeTempDir('nodocker');
    const s = await startLite({ agent: true, args: ['--docker-socket', join(dir, 'docker.sock')] });
    try {
      await eventually(() => s.stdout.includes('\n  (the server keeps trying'), { timeoutMs: 5_000, what: 'the "no node" lines' });
      expect(s.stdout).toContain(`no node: cannot reach Docker at ${join(dir, 'docker.sock')}: Cannot connect to the Docker daemon`);
      expect(s.stdout).toContain('(the server keeps trying; pods stay Pending until a node is Ready; --disable-agent runs the control plane alone)');
      const k = new Kubectl({ kubeconfig: s.kubeconfigPath, cacheDir: join(dir, 'cache') });
      const nodes = await k.run(['get', 'nodes']);
      expect(nodes.code).toBe(0);
      expect(nodes.stderr).toBe('No resources found\n');
    } finally {
      await s.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lite agent exits 3 naming the Docker socket', async () => {
    const dir = makeTempDir('nodocker-agent');
    try {
      const r = await runLiteAgent(['--server', server.url, '--token', joinToken(server), '--node-name', uniqueName('nodocker'), '--docker-socket', join(dir, 'docker.sock')]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`lite agent: cannot reach Docker at ${join(dir, 'docker.sock')}:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
