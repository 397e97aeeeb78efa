/**
 * The agent composition root against an in-process server, on the simulated runtime: `startAgent`
 * joins, registers its Node as system:node:<name> over HTTPS, keeps the Lease, and opens the tunnel
 * through which the API server reaches its kubelet API (pods/log); the server's embedded agent
 * registers a control-plane node and its in-process kubelet link; stopping an agent closes its
 * tunnel. The pod side (startKubelet) is a test double that serves pods from the runtime's labels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, startAgent, superviseEmbeddedAgent, type RunningAgent } from '../../src/agent/agent.js';
import { JoinError } from '../../src/agent/join.js';
import { isJsonObject, type JsonObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import type { StartKubelet } from '../../src/kubelet/kubelet-api.js';
import { RuntimePodLookup } from '../../src/kubelet/server/pod-lookup.js';
import { LABELS, type SandboxConfig } from '../../src/runtime/container-runtime.js';
import { SimRuntime } from '../../src/runtime/sim/sim-runtime.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { silentLogger } from '../../src/util/log.js';
import { rawRequest, waitFor } from './helpers.js';

/** The pod side as a double: no pod workers, pods read back from the runtime's labels. */
const podsFromRuntime: StartKubelet = async (config) => ({
  streaming: new RuntimePodLookup(config.runtime),
  whenSynced: async () => undefined,
  stop: async () => undefined,
});

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), `lite-it-${p}-`));
  dirs.push(d);
  return d;
};

let server: RunningServer;
const serverRuntime = new SimRuntime({ nodeName: 'control', images: [{ name: 'busybox' }] });

beforeAll(async () => {
  const dataDir = tmp('server');
  server = await startServer({
    dataDir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    tlsSans: [],
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    serviceCidr: '10.43.0.0/16',
    nodePortRange: [30000, 32767],
    datastore: 'memory',
    agent: { nodeName: 'control', runtime: serverRuntime, startKubelet: podsFromRuntime },
  });
});
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const conditionsOf = (status: unknown) => Object.fromEntries(((isJsonObject(status) ? status.conditions : []) as JsonObject[]).map((c) => [c.type, c.status]));

async function runPod(runtime: SimRuntime, node: string, name: string, script: string): Promise<void> {
  const pod = await server.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox' }] } });
  const sandbox: SandboxConfig = { name, namespace: 'default', uid: pod.metadata.uid ?? '', attempt: 0, hostname: name, labels: {}, hostNetwork: false, portMappings: [] };
  const sid = await runtime.runPodSandbox(sandbox);
  const id = await runtime.createContainer(sid, { name: 'main', attempt: 0, image: 'busybox', command: ['sh', '-c', script], env: [], mounts: [], labels: { [LABELS.containerName]: 'main' } }, sandbox);
  await runtime.startContainer(id);
}

describe('embedded agent', () => {
  it('registers a Ready control-plane node and links its kubelet in-process', async () => {
    expect(server.embeddedAgent?.problem).toBeUndefined();
    await server.embeddedAgent?.whenRunning();
    const node = await waitFor('node control', async () => server.client.get(resources.nodes, undefined, 'control').catch(() => undefined));
    expect(node.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': 'true', 'kubernetes.io/hostname': 'control' });
    expect(conditionsOf(node.status).Ready).toBe('True');
    expect(server.kubelets.connectedNodes()).toContain('control');
    await runPod(serverRuntime, 'control', 'embedded-log', 'echo from the embedded node; sleep 3600');
    await waitFor('the log', async () => (await rawRequest(server, { path: '/api/v1/namespaces/default/pods/embedded-log/log', headers: { Accept: '*/*' } })).text === 'from the embedded node\n');
  });

  it('keeps the server up and retries while the runtime is unreachable', async () => {
    const dataDir = tmp('docker-down');
    const handle = await superviseEmbeddedAgent(
      {
        nodeName: 'nodocker',
        dataDir,
        dockerSocket: join(dataDir, 'no-such-docker.sock'),
        startKubelet: podsFromRuntime,
        client: server.client,
        kubelets: server.kubelets,
        logger: silentLogger,
      },
      50,
    );
    try {
      expect(handle.agent).toBeUndefined();
      expect(handle.problem).toMatch(/^cannot reach Docker at .*no-such-docker\.sock: .*Start the Docker engine/);
    } finally {
      await handle.stop();
    }
  });
});

describe('lite agent (startAgent)', () => {
  let agent: RunningAgent | undefined;
  const runtime = new SimRuntime({ nodeName: 'worker-1', images: [{ name: 'busybox' }] });

  afterAll(async () => {
    await agent?.stop();
  });

  it('joins, registers its node over HTTPS, and serves its kubelet API through the tunnel', async () => {
    agent = await startAgent({
      server: server.url,
      token: server.joinToken,
      nodeName: 'worker-1',
      dataDir: tmp('worker'),
      labels: { pool: 'blue' },
      taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      runtime,
      startKubelet: podsFromRuntime,
      logger: silentLogger,
      heartbeats: { leaseRenewIntervalMs: 200 },
    });
    await agent.whenRegistered();
    const node = await server.client.get(resources.nodes, undefined, 'worker-1');
    expect(node.metadata.labels).toMatchObject({ pool: 'blue', 'kubernetes.io/hostname': 'worker-1' });
    expect(node.metadata.labels?.['node-role.kubernetes.io/control-plane']).toBeUndefined();
    expect((node.spec as JsonObject).taints).toEqual(expect.arrayContaining([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]));
    expect(node.metadata.managedFields?.some((f) => f.manager === 'kubelet')).toBe(true);
    // the Lease is renewed (200 ms here)
    const first = (await server.client.get(resources.leases, 'kube-node-lease', 'worker-1')).spec as JsonObject;
    await waitFor('a renewed lease', async () => ((await server.client.get(resources.leases, 'kube-node-lease', 'worker-1')).spec as JsonObject).renewTime !== first.renewTime);
    await agent.tunnel?.whenConnected();
    await waitFor('the tunnel registered', () => server.kubelets.connectedNodes().includes('worker-1'));
    await runPod(runtime, 'worker-1', 'tunnel-log', 'echo through the tunnel; sleep 3600');
    await waitFor('the log', async () => (await rawRequest(server, { path: '/api/v1/namespaces/default/pods/tunnel-log/log', headers: { Accept: '*/*' } })).text === 'through the tunnel\n');
    // nodes/proxy reaches the kubelet API through the tunnel as well.
    const healthz = await rawRequest(server, { path: '/api/v1/nodes/worker-1/proxy/healthz', headers: { Accept: '*/*' } });
    expect([healthz.status, healthz.text]).toEqual([200, 'ok']);
  });

  it('closes its tunnel when stopped (pods/log then says no agent is connected)', async () => {
    await agent?.stop();
    agent = undefined;
    await waitFor('the tunnel gone', () => !server.kubelets.connectedNodes().includes('worker-1'));
    const res = await rawRequest(server, { path: '/api/v1/namespaces/default/pods/tunnel-log/log', headers: { Accept: '*/*' } });
    expect(res.status).toBe(500);
    expect(res.json.message).toMatch(/node "worker-1" has no connected agent/);
  });

  it('fails with a JoinError naming the hop for a bad token, and AgentError for an unreachable runtime', async () => {
    const bad = startAgent({ server: server.url, token: server.joinToken.replace(/:[^:]+$/, ':wrongsecret'), nodeName: 'worker-2', dataDir: tmp('bad'), runtime, startKubelet: podsFromRuntime, logger: silentLogger });
    await expect(bad).rejects.toBeInstanceOf(JoinError);
    await expect(bad).rejects.toMatchObject({ hop: 'token-rejected' });
    const dir = tmp('nodocker');
    const noDocker = startAgent({ server: server.url, token: server.joinToken, nodeName: 'worker-3', dataDir: dir, dockerSocket: join(dir, 'none.sock'), startKubelet: podsFromRuntime, logger: silentLogger });
    await expect(noDocker).rejects.toBeInstanceOf(AgentError);
    await expect(noDocker).rejects.toMatchObject({ kind: 'runtime' });
  });
});
