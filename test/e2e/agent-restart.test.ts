/**
 * Issue 4, acceptance 4 (agent side), with the real bin/lite server (+ embedded agent, short
 * --node-monitor-grace-period), a `lite agent` on the same host, kubectl 1.32 and Docker:
 *  - restarting the agent keeps its pods running: the same containers are adopted (same ids, no
 *    duplicates, no restarts), and logs/exec work through the new tunnel;
 *  - killing the agent for good (kill -9) makes its node NotReady after the grace period, tainted
 *    unreachable, and the Deployment's pods are rescheduled to the other node.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { nodeContainers } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true, args: ['--node-monitor-grace-period', '8s'] });
const ns = uniqueName('restart');
let agent: LiteAgent;
let firstDataDir: string | undefined;

async function nodeReady(node: string): Promise<string> {
  return (await ctx.kubectl.run(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout;
}

async function apply(name: string, yaml: string): Promise<void> {
  const file = join(ctx.tmp, `${name}.yaml`);
  writeFileSync(file, yaml);
  await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
}

beforeAll(async () => {
  await ensureE2eImages();
  agent = await startLiteAgent(ctx.server);
  firstDataDir = agent.dataDir;
  await eventually(async () => (await nodeReady(agent.nodeName)) === 'True', { timeoutMs: 20_000, what: `node ${agent.nodeName} Ready` });
  await ctx.kubectl.ok(['create', 'namespace', ns]);
});

afterAll(async () => {
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
  await agent?.cleanup();
  // the restarted agent reused the first one's data dir, which it does not own
  if (firstDataDir) rmSync(firstDataDir, { recursive: true, force: true });
});

describe('restarting the agent', () => {
  test('adopts its running containers: same ids, no duplicates, no restarts; streams work through the new tunnel', async () => {
    await apply(
      'pinned',
      `apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec:
  nodeName: ${agent.nodeName}
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "echo started once; exec sleep 3600"]
`,
    );
    await ctx.kubectl.ok(['wait', '-n', ns, '--for=condition=Ready', 'pod/pinned', '--timeout=60s'], { timeoutMs: 70_000 });
    const uid = await ctx.kubectl.ok(['get', 'pod', '-n', ns, 'pinned', '-o', 'jsonpath={.metadata.uid}']);
    const before = await nodeContainers(agent.nodeName, { all: true, extraFilters: [`label=io.kubernetes.pod.uid=${uid}`] });
    expect(before.map((c) => c.labels['io.lite.kind']).sort()).toEqual(['container', 'sandbox']);
    const containerId = await ctx.kubectl.ok(['get', 'pod', '-n', ns, 'pinned', '-o', 'jsonpath={.status.containerStatuses[0].containerID}']);

    const exit = await agent.stop();
    expect(exit.code).toBe(0);
    // a stopped kubelet leaves its containers running
    expect((await nodeContainers(agent.nodeName, { extraFilters: [`label=io.kubernetes.pod.uid=${uid}`] })).map((c) => c.state)).toEqual(['running', 'running']);
    agent = await startLiteAgent(ctx.server, { nodeName: agent.nodeName, dataDir: agent.dataDir });
    // the node keeps its identity and stays (or is again) Ready
    await eventually(async () => (await nodeReady(agent.nodeName)) === 'True', { timeoutMs: 20_000, what: 'the node Ready again' });
    await ctx.kubectl.ok(['wait', '-n', ns, '--for=condition=Ready', 'pod/pinned', '--timeout=30s'], { timeoutMs: 40_000 });
    // give the restarted kubelet a few sync periods to do anything wrong
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await nodeContainers(agent.nodeName, { all: true, extraFilters: [`label=io.kubernetes.pod.uid=${uid}`] });
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    expect(after.every((c) => c.state === 'running')).toBe(true);
    expect(await ctx.kubectl.ok(['get', 'pod', '-n', ns, 'pinned', '-o', 'jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.phase}'])).toBe(`${containerId} 0 Running`);
    expect(await ctx.kubectl.ok(['logs', '-n', ns, 'pinned'])).toBe('started once\n');
    expect(await ctx.kubectl.ok(['exec', '-n', ns, 'pinned', '--', 'echo', 'through the new tunnel'])).toBe('through the new tunnel\n');
  });
});

describe('killing the agent for good', () => {
  test('its node goes NotReady after the grace period and the pods are rescheduled to the other node', async () => {
    await apply(
      'movers',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: movers}
spec:
  replicas: 2
  selector: {matchLabels: {app: movers}}
  template:
    metadata: {labels: {app: movers}}
    spec:
      terminationGracePeriodSeconds: 1
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [${agent.nodeName}]}]}
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - name: main
        image: ${TEST_IMAGES.busybox}
        command: ["sleep", "3600"]
`,
    );
    await ctx.kubectl.ok(['rollout', 'status', '-n', ns, 'deployment/movers', '--timeout=90s'], { timeoutMs: 100_000 });
    const placed = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=movers', '-o', 'wide']));
    // preferred affinity: the scheduler puts them on the agent's node (soft spreading may not)
    const onAgent = placed.filter((p) => p.NODE === agent.nodeName).map((p) => p.NAME);
    expect(onAgent.length).toBeGreaterThanOrEqual(1);

    const killedAt = Date.now();
    await agent.kill9();
    await eventually(async () => (await nodeReady(agent.nodeName)) === 'Unknown', { timeoutMs: 30_000, intervalMs: 250, what: `node ${agent.nodeName} Ready=Unknown` });
    const notReadyAfter = Date.now() - killedAt;
    // the lease was last renewed up to 10 s before the kill; grace period 8 s
    expect(notReadyAfter).toBeLessThan(25_000);
    const rows = new Map(parseTable(await ctx.kubectl.ok(['get', 'nodes'])).map((r) => [r.NAME, r]));
    expect(rows.get(agent.nodeName)?.STATUS).toBe('NotReady');
    expect(rows.get(ctx.server.nodeName ?? '')?.STATUS).toBe('Ready');
    expect(await ctx.kubectl.ok(['get', 'node', agent.nodeName, '-o', 'jsonpath={.spec.taints[*].key}'])).toContain('node.kubernetes.io/unreachable');

    const moved = await eventually(
      async () => {
        const pods = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=movers', '-o', 'wide', '--field-selector', `spec.nodeName=${ctx.server.nodeName ?? ''}`]));
        return pods.filter((p) => p.STATUS === 'Running' && p.READY === '1/1').length === 2 ? pods : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'two movers pods Running on the server node' },
    );
    expect(moved.every((p) => p.NODE === ctx.server.nodeName)).toBe(true);
    // the pods of the dead node were replaced (evicted, then recreated by the ReplicaSet)
    expect(moved.some((p) => onAgent.includes(p.NAME))).toBe(false);
    const events = await ctx.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toContain('Marking for deletion Pod');
  });
});
