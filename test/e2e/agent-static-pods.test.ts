/**
 * Static pods (issue 4): manifests in an agent's `<data-dir>/agent/pod-manifests/` run on that
 * node without the API server, and show up as mirror pods `<name>-<node>` (annotation
 * kubernetes.io/config.mirror, owned by the Node), for the server's embedded agent and for a
 * `lite agent` alike; deleting the manifest stops the pod and removes its mirror.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { useCluster } from './support/cluster.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true });
let agent: LiteAgent | undefined;

function manifest(name: string, text: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {tier: static}}
spec:
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "echo ${text}; exec sleep 3600"]
`;
}

beforeAll(async () => {
  await ensureE2eImages();
});

afterAll(async () => {
  await agent?.cleanup();
});

describe('static pods', () => {
  test('a manifest in a lite agent\'s pod-manifests dir runs as a mirrored pod; removing it stops the pod', async () => {
    const dataDir = join(ctx.tmp, 'static-agent');
    const manifests = join(dataDir, 'agent', 'pod-manifests');
    mkdirSync(manifests, { recursive: true });
    writeFileSync(join(manifests, 'hello.yaml'), manifest('hello', 'static hello'));
    agent = await startLiteAgent(ctx.server, { dataDir });
    const mirror = `hello-${agent.nodeName}`;
    await eventually(async () => (await ctx.kubectl.run(['get', 'pod', mirror, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', { timeoutMs: 30_000, what: `mirror pod ${mirror} Running` });
    const pod = JSON.parse(await ctx.kubectl.ok(['get', 'pod', mirror, '-o', 'json'])) as { metadata: { annotations: Record<string, string>; ownerReferences: { kind: string; name: string }[] }; spec: { nodeName: string } };
    expect(pod.metadata.annotations['kubernetes.io/config.mirror']).toBeDefined();
    expect(pod.metadata.annotations['kubernetes.io/config.source']).toBe('file');
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: agent.nodeName })]);
    expect(pod.spec.nodeName).toBe(agent.nodeName);
    await eventually(async () => (await ctx.kubectl.run(['logs', mirror])).stdout === 'static hello\n', { timeoutMs: 10_000, what: 'the static pod log through the tunnel' });
    rmSync(join(manifests, 'hello.yaml'));
    // the kubelet re-reads the directory every 20 s
    await eventually(async () => (await ctx.kubectl.run(['get', 'pod', mirror])).code !== 0, { timeoutMs: 60_000, intervalMs: 500, what: `mirror pod ${mirror} gone` });
  });

  test('the server\'s embedded agent reads <data-dir>/agent/pod-manifests too', async () => {
    const manifests = join(ctx.server.dataDir, 'agent', 'pod-manifests');
    mkdirSync(manifests, { recursive: true });
    writeFileSync(join(manifests, 'server-static.yaml'), manifest('server-static', 'from the server node'));
    const mirror = `server-static-${ctx.server.nodeName ?? ''}`;
    try {
      await eventually(async () => (await ctx.kubectl.run(['get', 'pod', mirror, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', { timeoutMs: 60_000, intervalMs: 500, what: `mirror pod ${mirror} Running` });
      expect(await ctx.kubectl.ok(['logs', mirror])).toBe('from the server node\n');
    } finally {
      rmSync(join(manifests, 'server-static.yaml'), { force: true });
    }
  });
});
