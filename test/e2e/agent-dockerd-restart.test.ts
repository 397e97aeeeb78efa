/**
 * Issue 4, acceptance 4 (runtime side): restart dockerd under a running node → its pods come back
 * Running and Ready (the engine stops every container when it stops: the kubelet makes new
 * sandboxes and containers), with one running sandbox + container per pod afterwards, and the
 * node Ready. The machine's engine is shared with other tests, so this is the only file that
 * restarts it, and it makes sure the engine runs again whatever happens.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { nodeContainers } from './support/docker.js';
import { ensureDockerdRunning, restartDockerd } from './support/dockerd.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true });
const ns = uniqueName('dockerd');

beforeAll(async () => {
  await ensureE2eImages();
  await ctx.kubectl.ok(['create', 'namespace', ns]);
  const file = join(ctx.tmp, 'survivors.yaml');
  writeFileSync(
    file,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: survivors}
spec:
  replicas: 2
  selector: {matchLabels: {app: survivors}}
  template:
    metadata: {labels: {app: survivors}}
    spec:
      containers:
      - name: web
        image: ${TEST_IMAGES.busybox}
        command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
        readinessProbe:
          httpGet: {path: /index.html, port: 8080}
          periodSeconds: 1
`,
  );
  await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
  await ctx.kubectl.ok(['rollout', 'status', '-n', ns, 'deployment/survivors', '--timeout=90s'], { timeoutMs: 100_000 });
});

afterAll(async () => {
  await ensureDockerdRunning();
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
});

describe('restarting dockerd', () => {
  test('the pods come back Running and Ready, with one running sandbox and container each', async () => {
    const before = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=survivors']));
    expect(before.map((p) => p.STATUS)).toEqual(['Running', 'Running']);
    const node = ctx.server.nodeName ?? '';
    const oldIds = new Set((await nodeContainers(node)).map((c) => c.id));

    await restartDockerd();

    const after = await eventually(
      async () => {
        const rows = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=survivors']));
        const running = await nodeContainers(node, { extraFilters: [`label=io.kubernetes.pod.namespace=${ns}`] });
        const fresh = running.filter((c) => !oldIds.has(c.id));
        return rows.length === 2 && rows.every((r) => r.STATUS === 'Running' && r.READY === '1/1') && fresh.length === 4 ? rows : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: 'both pods Running and Ready again on new containers' },
    );
    // the same pods (the Deployment did not replace them): the kubelet restarted their containers
    expect(after.map((r) => r.NAME).sort()).toEqual(before.map((r) => r.NAME).sort());
    expect(after.every((r) => Number(r.RESTARTS.split(' ')[0]) >= 1)).toBe(true);
    for (const pod of after) {
      const running = await nodeContainers(node, { extraFilters: [`label=io.kubernetes.pod.name=${pod.NAME}`] });
      expect(running.map((c) => c.labels['io.lite.kind']).sort(), `running containers of ${pod.NAME}`).toEqual(['container', 'sandbox']);
      expect(await ctx.kubectl.ok(['exec', '-n', ns, pod.NAME, '--', 'wget', '-qO-', 'http://127.0.0.1:8080/'])).toBe('lite-test busybox\n');
    }
    await eventually(async () => (await ctx.kubectl.ok(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', {
      timeoutMs: 30_000,
      what: 'the node Ready',
    });
  });
});
