/**
 * `kubectl top` and the resource metrics API (metrics.k8s.io/v1beta1 nodes and pods) with the real
 * bin/lite and kubectl 1.32, against four servers, one after the other (one per describe block):
 *
 *  - `--simulate-nodes 2 --metric-resolution 1s`: pods whose usage comes from the
 *    lite.dev/sim-cpu-usage / lite.dev/sim-memory-usage annotations (per running container), so
 *    every figure kubectl prints is known exactly — `top pod` (plain, --containers, -l, --sum),
 *    `top node` (each node the sum of its pods), `get podmetrics`/`get nodemetrics` tables,
 *    NotFound for a pod that does not exist, the group's api-resources;
 *  - `--disable-metrics-server`: the group is gone and kubectl says so;
 *  - the embedded agent (a Docker node, `--metric-resolution 2s`): a busy-looping busybox
 *    container measured from Docker's stats, and the node (the whole host).
 *  - `--simulate-nodes 1 --horizontal-pod-autoscaler-sync-period 1s`: `kubectl autoscale` of a
 *    Deployment using twice its cpu request, scaled to --max with upstream's conditions and event.
 *
 * The Docker block needs the machine's Docker engine to itself (one lite cluster with Docker nodes
 * per host): run this file under `flock /tmp/lite-suite.lock`. Every wait is bounded; the servers
 * (and the Docker node's containers) are removed by useCluster's afterAll, also on failure.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTable, uniqueName, useCluster, type ClusterContext } from './support/cluster.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { describeResult, type RunResult } from './support/kubectl.js';
import { eventually } from './support/wait.js';

const TOP_POD_HEADER = ['NAME', 'CPU(cores)', 'MEMORY(bytes)'];
const TOP_POD_CONTAINERS_HEADER = ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'];
const TOP_NODE_HEADER = ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'];

/** The header cells of kubectl's column output. */
function headerOf(stdout: string): string[] {
  return (stdout.split('\n')[0] ?? '').trim().split(/\s+/);
}

/** Milli-cores from kubectl top's CPU(cores) cell ("250m"). */
function milli(cell: string): number {
  const m = /^(\d+)m$/.exec(cell);
  if (!m) throw new Error(`not a CPU(cores) cell: ${JSON.stringify(cell)}`);
  return Number(m[1]);
}

/** Mebibytes from kubectl top's MEMORY(bytes) cell ("64Mi"). */
function mebi(cell: string): number {
  const m = /^(\d+)Mi$/.exec(cell);
  if (!m) throw new Error(`not a MEMORY(bytes) cell: ${JSON.stringify(cell)}`);
  return Number(m[1]);
}

/** A Go duration as metav1.Duration prints it ("1.001s", "999ms") in ms. */
function goDurationMs(s: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)(s|ms))?$/.exec(s);
  if (!m || s === '') throw new Error(`not a Go duration: ${JSON.stringify(s)}`);
  return Number(m[1] ?? 0) * 60_000 + Number(m[2] ?? 0) * (m[3] === 'ms' ? 1 : 1000);
}

/** Canonical CPU quantity of whole milli-cores, as the API serializes it ("500m", "1", "0"). */
function cpuQuantity(m: number): string {
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Canonical memory quantity of whole MiB ("128Mi", "1Gi", "0"). */
function memQuantity(mi: number): string {
  if (mi === 0) return '0';
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** Success as a user sees it: exit 0, nothing on stderr. */
function succeeded(r: RunResult): boolean {
  return r.code === 0 && r.stderr === '' && !r.timedOut;
}

/**
 * Polls (bounded) `kubectl <args>` until it succeeds with empty stderr and `accept(stdout)` holds;
 * returns that stdout. The last result is in the timeout message.
 */
async function pollKubectl(ctx: ClusterContext, args: readonly string[], accept: (stdout: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  let last: RunResult | undefined;
  try {
    return await eventually(
      async () => {
        last = await ctx.kubectl.run(args);
        return succeeded(last) && accept(last.stdout) ? last.stdout : undefined;
      },
      { what, timeoutMs, intervalMs: 250 },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast attempt:\n${last ? describeResult(last) : '(none)'}`);
  }
}

describe('kubectl top on simulated nodes (usage from pod annotations)', () => {
  const ctx = useCluster({ args: ['--simulate-nodes', '2', '--metric-resolution', '1s'] });
  const ns = uniqueName('top');
  const NODES = ['sim-node-0', 'sim-node-1'];
  /** Pod name → node name, for the Deployment's pods and the idle pod. */
  const placement = new Map<string, string>();
  let busyPods: string[] = [];
  const IDLE = 'idle';

  beforeAll(async () => {
    expect(await ctx.kubectl.ok(['create', 'namespace', ns])).toBe(`namespace/${ns} created\n`);
    const file = join(ctx.tmp, 'busy.yaml');
    writeFileSync(
      file,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: busy}
spec:
  replicas: 3
  selector: {matchLabels: {app: busy}}
  template:
    metadata:
      labels: {app: busy}
      annotations: {lite.dev/sim-cpu-usage: 250m, lite.dev/sim-memory-usage: 64Mi}
    spec:
      containers:
      - {name: app, image: example/app}
      - {name: sidecar, image: example/sidecar}
---
apiVersion: v1
kind: Pod
metadata: {name: ${IDLE}, labels: {app: idle}}
spec:
  containers:
  - {name: idle, image: example/idle}
`,
    );
    expect(await ctx.kubectl.ok(['apply', '-n', ns, '-f', file])).toBe(`deployment.apps/busy created\npod/${IDLE} created\n`);
    await ctx.kubectl.ok(['rollout', 'status', 'deployment/busy', '-n', ns, '--timeout=60s'], { timeoutMs: 75_000 });
    await ctx.kubectl.ok(['wait', '--for=condition=Ready', `pod/${IDLE}`, '-n', ns, '--timeout=30s'], { timeoutMs: 45_000 });
    const pods = JSON.parse(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-o', 'json'])) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName: string } }[] };
    for (const p of pods.items) if (!p.metadata.deletionTimestamp) placement.set(p.metadata.name, p.spec.nodeName);
    busyPods = [...placement.keys()].filter((n) => n.startsWith('busy-')).sort();
    expect(busyPods).toHaveLength(3);
    for (const node of placement.values()) expect(NODES).toContain(node);
  }, 120_000);

  afterAll(async () => {
    await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  test('kubectl top pod lists every pod once it has two scrapes: 2 × 250m / 64Mi per pod, 0 for a pod without annotations', async () => {
    // Before the second scrape kubectl says "error: metrics not available yet" (exit 1): poll.
    const out = await pollKubectl(ctx, ['top', 'pod', '-n', ns], (s) => parseTable(s).length === 4, `kubectl top pod -n ${ns} to list 4 pods`);
    expect(headerOf(out)).toEqual(TOP_POD_HEADER);
    // Ordered by name, as metrics-server lists them.
    expect(parseTable(out)).toEqual([...busyPods.map((name) => ({ NAME: name, 'CPU(cores)': '500m', 'MEMORY(bytes)': '128Mi' })), { NAME: IDLE, 'CPU(cores)': '0m', 'MEMORY(bytes)': '0Mi' }]);

    // The figures stay exact scrape after scrape (a rate of a cumulative counter, not a sample).
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 700));
      expect(parseTable(await ctx.kubectl.ok(['top', 'pod', '-n', ns])).map((r) => [r['CPU(cores)'], r['MEMORY(bytes)']])).toEqual([
        ['500m', '128Mi'],
        ['500m', '128Mi'],
        ['500m', '128Mi'],
        ['0m', '0Mi'],
      ]);
    }

    // One pod by name.
    const one = await ctx.kubectl.ok(['top', 'pod', busyPods[0], '-n', ns]);
    expect(parseTable(one)).toEqual([{ NAME: busyPods[0], 'CPU(cores)': '500m', 'MEMORY(bytes)': '128Mi' }]);
  });

  test('kubectl top pod --containers shows each container: 250m / 64Mi', async () => {
    const out = await ctx.kubectl.ok(['top', 'pod', '-n', ns, '--containers']);
    expect(headerOf(out)).toEqual(TOP_POD_CONTAINERS_HEADER);
    expect(parseTable(out)).toEqual([
      ...busyPods.flatMap((pod) => ['app', 'sidecar'].map((c) => ({ POD: pod, NAME: c, 'CPU(cores)': '250m', 'MEMORY(bytes)': '64Mi' }))),
      { POD: IDLE, NAME: 'idle', 'CPU(cores)': '0m', 'MEMORY(bytes)': '0Mi' },
    ]);
  });

  test('kubectl top pod -l selects by label; --sum adds the totals', async () => {
    const selected = await ctx.kubectl.ok(['top', 'pod', '-n', ns, '-l', 'app=busy']);
    expect(parseTable(selected).map((r) => r.NAME)).toEqual(busyPods);
    const idle = await ctx.kubectl.ok(['top', 'pod', '-n', ns, '-l', 'app=idle']);
    expect(parseTable(idle)).toEqual([{ NAME: IDLE, 'CPU(cores)': '0m', 'MEMORY(bytes)': '0Mi' }]);
    const none = await ctx.kubectl.run(['top', 'pod', '-n', ns, '-l', 'app=nothing']);
    // kubectl's own answer for an empty list whose namespace has no such pods (exit 0).
    expect({ code: none.code, stdout: none.stdout, stderr: none.stderr }).toEqual({ code: 0, stdout: '', stderr: `No resources found in ${ns} namespace.\n` });

    const sum = await ctx.kubectl.ok(['top', 'pod', '-n', ns, '-l', 'app=busy', '--sum']);
    const rows = parseTable(sum);
    expect(rows.slice(0, 3).map((r) => r.NAME)).toEqual(busyPods);
    expect(rows.slice(3)).toEqual([
      { NAME: '', 'CPU(cores)': '________', 'MEMORY(bytes)': '________' },
      { NAME: '', 'CPU(cores)': '1500m', 'MEMORY(bytes)': '384Mi' },
    ]);
  });

  test('kubectl top pod -A shows the namespace column', async () => {
    const out = await ctx.kubectl.ok(['top', 'pod', '-A', '-l', 'app in (busy,idle)']);
    expect(headerOf(out)).toEqual(['NAMESPACE', ...TOP_POD_HEADER]);
    expect(parseTable(out).filter((r) => r.NAMESPACE === ns).map((r) => r.NAME)).toEqual([...busyPods, IDLE]);
  });

  test('kubectl top node shows both nodes, each the sum of its pods, with kubectl\'s percentages of allocatable', async () => {
    const expected = new Map(NODES.map((n) => [n, { cpu: 0, mem: 0 }]));
    for (const [pod, node] of placement) {
      if (pod === IDLE) continue;
      const e = expected.get(node)!;
      e.cpu += 500;
      e.mem += 128;
    }
    const allocatable = new Map<string, { cpuMilli: number; memBytes: number }>();
    for (const n of NODES) {
      const cpu = (await ctx.kubectl.ok(['get', 'node', n, '-o', 'jsonpath={.status.allocatable.cpu}'])).trim();
      const mem = (await ctx.kubectl.ok(['get', 'node', n, '-o', 'jsonpath={.status.allocatable.memory}'])).trim();
      expect(cpu).toMatch(/^\d+$/);
      expect(mem).toMatch(/^\d+Gi$/);
      allocatable.set(n, { cpuMilli: Number(cpu) * 1000, memBytes: Number(mem.slice(0, -2)) * 1024 ** 3 });
    }
    const want = NODES.map((n) => {
      const e = expected.get(n)!;
      const a = allocatable.get(n)!;
      return {
        NAME: n,
        'CPU(cores)': `${e.cpu}m`,
        'CPU(%)': `${Math.floor((e.cpu / a.cpuMilli) * 100)}%`,
        'MEMORY(bytes)': `${e.mem}Mi`,
        'MEMORY(%)': `${Math.floor(((e.mem * 1024 * 1024) / a.memBytes) * 100)}%`,
      };
    });
    // A node's window that began before its last pod started measures part of that pod: poll
    // until a window covers them all.
    const out = await pollKubectl(ctx, ['top', 'node'], (s) => JSON.stringify(parseTable(s)) === JSON.stringify(want), `kubectl top node to show ${JSON.stringify(want)}`);
    expect(headerOf(out)).toEqual(TOP_NODE_HEADER);
    expect(parseTable(await ctx.kubectl.ok(['top', 'node', 'sim-node-1']))).toEqual([want[1]]);
    expect(parseTable(await ctx.kubectl.ok(['top', 'node', '-l', 'kubernetes.io/hostname=sim-node-0']))).toEqual([want[0]]);

    const metrics = await ctx.kubectl.ok(['get', 'nodemetrics']);
    expect(headerOf(metrics)).toEqual(['NAME', 'CPU', 'MEMORY', 'WINDOW']);
    const rows = parseTable(metrics);
    expect(rows.map(({ NAME, CPU, MEMORY }) => ({ NAME, CPU, MEMORY }))).toEqual(NODES.map((n) => ({ NAME: n, CPU: cpuQuantity(expected.get(n)!.cpu), MEMORY: memQuantity(expected.get(n)!.mem) })));
    for (const r of rows) expect(goDurationMs(r.WINDOW)).toBeGreaterThanOrEqual(500);
  });

  test('kubectl get podmetrics: a table of NAME CPU MEMORY WINDOW (the pod\'s sums, the scrape window)', async () => {
    const out = await ctx.kubectl.ok(['get', 'podmetrics', '-n', ns]);
    expect(headerOf(out)).toEqual(['NAME', 'CPU', 'MEMORY', 'WINDOW']);
    const rows = parseTable(out);
    expect(rows.map(({ NAME, CPU, MEMORY }) => ({ NAME, CPU, MEMORY }))).toEqual([...busyPods.map((name) => ({ NAME: name, CPU: '500m', MEMORY: '128Mi' })), { NAME: IDLE, CPU: '0', MEMORY: '0' }]);
    for (const r of rows) {
      // About --metric-resolution (1s): a Go duration such as 1.001s or 999ms.
      expect(r.WINDOW).toMatch(/^(\d+(\.\d+)?s|\d+ms)$/);
      expect(goDurationMs(r.WINDOW)).toBeGreaterThanOrEqual(500);
      expect(goDurationMs(r.WINDOW)).toBeLessThan(10_000);
    }

    // One object, as JSON: per-container usage in canonical quantities, the pod's labels.
    const pm = JSON.parse(await ctx.kubectl.ok(['get', 'podmetrics', busyPods[0], '-n', ns, '-o', 'json'])) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string; labels: Record<string, string> };
      containers: { name: string; usage: Record<string, string> }[];
      timestamp: string;
      window: string;
    };
    expect(pm.apiVersion).toBe('metrics.k8s.io/v1beta1');
    expect(pm.kind).toBe('PodMetrics');
    expect(pm.metadata.name).toBe(busyPods[0]);
    expect(pm.metadata.namespace).toBe(ns);
    expect(pm.metadata.labels.app).toBe('busy');
    expect(pm.containers).toEqual([
      { name: 'app', usage: { cpu: '250m', memory: '64Mi' } },
      { name: 'sidecar', usage: { cpu: '250m', memory: '64Mi' } },
    ]);
    expect(Number.isNaN(Date.parse(pm.timestamp))).toBe(false);

    // An empty namespace: kubectl's "No resources found" on stderr, exit 0.
    const empty = uniqueName('top-empty');
    await ctx.kubectl.ok(['create', 'namespace', empty]);
    try {
      const r = await ctx.kubectl.run(['get', 'podmetrics', '-n', empty]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: `No resources found in ${empty} namespace.\n` });
    } finally {
      await ctx.kubectl.run(['delete', 'namespace', empty, '--wait=false']);
    }
  });

  test('kubectl top pod|node of something that does not exist: NotFound as metrics-server says it, non-zero exit', async () => {
    // metrics-server passes its pod and node listers' NotFound on as it is.
    const r = await ctx.kubectl.fails(['top', 'pod', 'nonexistent', '-n', ns]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('Error from server (NotFound): pods "nonexistent" not found\n');
    const d = await ctx.kubectl.fails(['top', 'pod', 'nonexistent']);
    expect(d.stderr).toBe('Error from server (NotFound): pods "nonexistent" not found\n');
    const n = await ctx.kubectl.fails(['top', 'node', 'nonexistent']);
    expect(n.stderr).toBe('Error from server (NotFound): nodes "nonexistent" not found\n');
  });

  test('kubectl api-resources --api-group=metrics.k8s.io lists nodes and pods; api-versions has the group', async () => {
    const out = await ctx.kubectl.ok(['api-resources', '--api-group=metrics.k8s.io']);
    expect(out.split('\n').map((l) => l.trimEnd())).toEqual([
      'NAME    SHORTNAMES   APIVERSION               NAMESPACED   KIND',
      'nodes                metrics.k8s.io/v1beta1   false        NodeMetrics',
      'pods                 metrics.k8s.io/v1beta1   true         PodMetrics',
      '',
    ]);
    expect((await ctx.kubectl.ok(['api-versions'])).split('\n')).toContain('metrics.k8s.io/v1beta1');
  });
});

describe('lite server --disable-metrics-server', () => {
  const ctx = useCluster({ args: ['--disable-metrics-server'] });

  test('kubectl top node and top pod: "error: Metrics API not available"; the group is not served', async () => {
    const node = await ctx.kubectl.fails(['top', 'node']);
    expect({ stdout: node.stdout, stderr: node.stderr }).toEqual({ stdout: '', stderr: 'error: Metrics API not available\n' });
    const pod = await ctx.kubectl.fails(['top', 'pod', '-A']);
    expect({ stdout: pod.stdout, stderr: pod.stderr }).toEqual({ stdout: '', stderr: 'error: Metrics API not available\n' });
    const get = await ctx.kubectl.fails(['get', 'podmetrics']);
    expect(get.stderr).toBe('error: the server doesn\'t have a resource type "podmetrics"\n');
    expect(await ctx.kubectl.ok(['api-resources', '--api-group=metrics.k8s.io'])).toBe('NAME   SHORTNAMES   APIVERSION   NAMESPACED   KIND\n');
    expect((await ctx.kubectl.ok(['api-versions'])).split('\n')).not.toContain('metrics.k8s.io/v1beta1');
  });
});

describe('kubectl top on a Docker node (the embedded agent)', () => {
  const ctx = useCluster({ agent: true, args: ['--metric-resolution', '2s'], readyTimeoutMs: 40_000 });
  const ns = uniqueName('top-docker');

  beforeAll(async () => {
    await ensureE2eImages();
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const file = join(ctx.tmp, 'spin.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Pod
metadata: {name: spin, labels: {app: spin}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: spin
    image: ${TEST_IMAGES.busybox}
    imagePullPolicy: Never
    command: ["sh", "-c", "while true; do :; done"]
`,
    );
    expect(await ctx.kubectl.ok(['apply', '-n', ns, '-f', file])).toBe('pod/spin created\n');
    await ctx.kubectl.ok(['wait', '--for=condition=Ready', 'pod/spin', '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });
  }, 150_000);

  afterAll(async () => {
    await ctx.kubectl?.run(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  test('kubectl top pod shows the busy loop using at least 300m', async () => {
    const out = await pollKubectl(ctx, ['top', 'pod', '-n', ns], (s) => parseTable(s).length === 1, `kubectl top pod -n ${ns} to list the pod`, 60_000);
    expect(headerOf(out)).toEqual(TOP_POD_HEADER);
    const [row] = parseTable(out);
    expect(row.NAME).toBe('spin');
    expect(milli(row['CPU(cores)'])).toBeGreaterThanOrEqual(300);
    // busybox's sh: well under a few MiB of working set.
    expect(mebi(row['MEMORY(bytes)'])).toBeLessThan(64);

    const containers = parseTable(await ctx.kubectl.ok(['top', 'pod', 'spin', '-n', ns, '--containers']));
    expect(containers.map((r) => [r.POD, r.NAME])).toEqual([['spin', 'spin']]);
    expect(milli(containers[0]['CPU(cores)'])).toBeGreaterThanOrEqual(300);

    const pm = JSON.parse(await ctx.kubectl.ok(['get', 'podmetrics', 'spin', '-n', ns, '-o', 'json'])) as { containers: { name: string; usage: { cpu: string; memory: string } }[]; window: string };
    expect(pm.containers.map((c) => c.name)).toEqual(['spin']);
    expect(goDurationMs(pm.window)).toBeGreaterThanOrEqual(1000);
  });

  test('kubectl top node shows the Docker node (the whole host: at least the busy loop)', async () => {
    const node = ctx.server.nodeName!;
    const out = await pollKubectl(ctx, ['top', 'node'], (s) => parseTable(s).some((r) => r.NAME === node), `kubectl top node to list ${node}`, 60_000);
    expect(headerOf(out)).toEqual(TOP_NODE_HEADER);
    const rows = parseTable(out);
    expect(rows.map((r) => r.NAME)).toEqual([node]);
    const [row] = rows;
    expect(milli(row['CPU(cores)'])).toBeGreaterThanOrEqual(300);
    expect(row['CPU(%)']).toMatch(/^\d+%$/);
    expect(mebi(row['MEMORY(bytes)'])).toBeGreaterThan(0);
    expect(row['MEMORY(%)']).toMatch(/^\d+%$/);
    expect(parseTable(await ctx.kubectl.ok(['top', 'node', node])).map((r) => r.NAME)).toEqual([node]);
  });
});

describe('kubectl autoscale: the HorizontalPodAutoscaler scales on the metrics kubectl top shows', () => {
  const ctx = useCluster({ args: ['--simulate-nodes', '1', '--metric-resolution', '1s', '--horizontal-pod-autoscaler-sync-period', '1s'] });

  test('a Deployment using 200% of its cpu request against a 50% target is scaled to --max, with upstream status and events', async () => {
    const file = join(ctx.tmp, 'web.yaml');
    writeFileSync(
      file,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {lite.dev/sim-cpu-usage: 200m}
    spec:
      containers:
      - {name: web, image: example/web, resources: {requests: {cpu: 100m}}}
`,
    );
    expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe('deployment.apps/web created\n');
    expect(await ctx.kubectl.ok(['autoscale', 'deployment', 'web', '--min=1', '--max=3', '--cpu-percent=50'])).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');
    // Wanted: ceil(1 × 200 / 50) = 4, clamped to 3.
    const row = await pollKubectl(
      ctx,
      ['get', 'hpa', 'web', '--no-headers'],
      (out) => {
        const cells = out.trim().split(/\s+/);
        // NAME REFERENCE TARGETS(2 cells) MINPODS MAXPODS REPLICAS AGE
        return cells[6] === '3' && /^\d+%\/50%$/.test(cells[3] ?? '');
      },
      'the HPA at 3 replicas with a measured cpu utilization',
      60_000,
    );
    expect(row).toMatch(/^web\s+Deployment\/web\s+cpu: 200%\/50%\s+1\s+3\s+3\s+/);
    expect(await ctx.kubectl.ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
    const described = await ctx.kubectl.ok(['describe', 'hpa', 'web']);
    expect(described).toMatch(/AbleToScale\s+True\s+/);
    expect(described).toMatch(/ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from cpu resource utilization \(percentage of request\)/);
    expect(described).toMatch(/ScalingLimited\s+True\s+TooManyReplicas\s+the desired replica count is more than the maximum replica count/);
    expect(described).toMatch(/Normal\s+SuccessfulRescale\s+.*New size: 3; reason: cpu resource utilization \(percentage of request\) above target/);
  }, 120_000);
});
