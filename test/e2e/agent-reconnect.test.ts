/**
 * The agent's tunnel and API connection survive a server restart (issue 4: "Reconnects with
 * backoff; the node goes NotReady only by the normal lease grace period"): with `lite agent`
 * joined, the server is stopped and started again on the same data dir and port; the agent
 * reconnects by itself, its node stays Ready, its pod keeps running untouched, and logs/exec reach
 * it through the new tunnel. The embedded agent of the restarted server adopts its pods too.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { uniqueName } from './support/cluster.js';
import { removeNodeContainers, uniqueNodeName } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { Kubectl, requireKubectl132 } from './support/kubectl.js';
import { freePort, makeTempDir, startLite, type LiteServer } from './support/lite-process.js';
import { eventually } from './support/wait.js';

let dataDir: string;
let port: number;
const serverNode = uniqueNodeName('server');
let server: LiteServer;
let agent: LiteAgent;
let kubectl: Kubectl;
const ns = uniqueName('reconnect');

async function ready(node: string): Promise<string> {
  return (await kubectl.run(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout;
}

beforeAll(async () => {
  requireKubectl132();
  await ensureE2eImages();
  dataDir = makeTempDir('reconnect');
  port = await freePort();
  server = await startLite({ dataDir, port, agent: { nodeName: serverNode } });
  kubectl = new Kubectl({ kubeconfig: server.kubeconfigPath, cacheDir: join(dataDir, 'kube-cache') });
  agent = await startLiteAgent(server);
  await eventually(async () => (await ready(agent.nodeName)) === 'True', { timeoutMs: 20_000, what: 'the agent node Ready' });
  await kubectl.ok(['create', 'namespace', ns]);
  const file = join(dataDir, 'pods.yaml');
  writeFileSync(
    file,
    [agent.nodeName, serverNode]
      .map(
        (node, i) => `apiVersion: v1
kind: Pod
metadata: {name: p${i}}
spec:
  nodeName: ${node}
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "echo hello from ${node}; exec sleep 3600"]
`,
      )
      .join('---\n'),
  );
  await kubectl.ok(['apply', '-n', ns, '-f', file]);
  await kubectl.ok(['wait', '-n', ns, '--for=condition=Ready', 'pod/p0', 'pod/p1', '--timeout=60s'], { timeoutMs: 70_000 });
});

afterAll(async () => {
  await agent?.cleanup();
  await server?.cleanup();
  await removeNodeContainers(serverNode).catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('a server restart', () => {
  test('the agent reconnects by itself; nodes stay Ready; pods run on untouched and stream again', async () => {
    const ids = await kubectl.ok(['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[*].status.containerStatuses[0].containerID}']);
    const exit = await server.stop();
    expect(exit.code).toBe(0);
    expect(agent.running).toBe(true);
    server = await startLite({ dataDir, port, agent: { nodeName: serverNode } });
    // the agent's tunnel comes back with its backoff (first retry after ~0.5 s, at most 30 s)
    await eventually(
      async () => {
        const r = await kubectl.run(['logs', '-n', ns, 'p0']);
        return r.code === 0 ? r.stdout : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500, what: 'kubectl logs to reach the agent through a new tunnel' },
    );
    expect(await kubectl.ok(['logs', '-n', ns, 'p0'])).toBe(`hello from ${agent.nodeName}\n`);
    expect(await kubectl.ok(['exec', '-n', ns, 'p0', '--', 'echo', 'ok'])).toBe('ok\n');
    expect(await kubectl.ok(['exec', '-n', ns, 'p1', '--', 'echo', 'ok'])).toBe('ok\n');
    expect(await ready(agent.nodeName)).toBe('True');
    await eventually(async () => (await ready(serverNode)) === 'True', { timeoutMs: 15_000, what: 'the server node Ready' });
    expect(await kubectl.ok(['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[*].status.containerStatuses[0].containerID}'])).toBe(ids);
    expect(await kubectl.ok(['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[*].status.containerStatuses[0].restartCount}'])).toBe('0 0');
    expect(agent.stderr).toMatch(/tunnel to the server (lost; reconnecting|open)/);
  });
});
