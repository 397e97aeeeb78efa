/**
 * Node failure on simulated nodes (issue 3, acceptance 5): `bin/lite server --simulate-nodes 3
 * --node-monitor-grace-period 10s` (lowered from the 40 s default to keep the test short) driven
 * by kubectl 1.32. `kubectl annotate node X lite.dev/sim-heartbeat=stopped` stops that node's
 * simulated kubelet (no Lease renewals, no status updates, no pod work); the node lifecycle
 * controller marks it Ready=Unknown after the grace period, taints it
 * node.kubernetes.io/unreachable NoSchedule and NoExecute and marks its pods not Ready; the taint
 * eviction controller deletes the pods whose toleration of that taint expires (5 s here) and
 * their Deployment replaces them on the other nodes, while a pod with the default 300 s
 * toleration stays. Removing the annotation resumes the kubelet: Ready again, taints gone, the
 * evicted pods finish terminating.
 *
 * Bounds: the kubelet renews its Lease every 10 s, so NotReady comes 10–25 s after the stop
 * (grace 10 s after the last renewal, plus the controller's 5 s monitor period).
 */
import { describe, expect, test } from 'vitest';
import { rowsByName, useCluster } from './support/cluster.js';
import { SIM_NODES, SimWorkloads, type PodJson } from './support/sim-workloads.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ args: ['--simulate-nodes', '3', '--node-monitor-grace-period', '10s'] });
const w = new SimWorkloads(ctx);

const TOLERATING = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tol
spec:
  replicas: 6
  selector:
    matchLabels:
      app: tol
  template:
    metadata:
      labels:
        app: tol
    spec:
      tolerations:
      - key: node.kubernetes.io/unreachable
        operator: Exists
        effect: NoExecute
        tolerationSeconds: 5
      - key: node.kubernetes.io/not-ready
        operator: Exists
        effect: NoExecute
        tolerationSeconds: 5
      containers:
      - name: c
        image: example/web
`;

function patient(node: string): string {
  return `
apiVersion: v1
kind: Pod
metadata:
  name: patient
spec:
  nodeSelector:
    kubernetes.io/hostname: ${node}
  containers:
  - name: c
    image: example/web
`;
}

interface NodeJson {
  spec: { taints?: { key: string; effect: string; value?: string }[] };
  status: { conditions: { type: string; status: string; reason: string; message: string }[] };
}

async function node(name: string): Promise<NodeJson> {
  return await w.getJson<NodeJson>(['node', name]);
}

function taintsOf(n: NodeJson): string[] {
  return (n.spec.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).sort();
}

describe('a simulated node stops heartbeating', () => {
  test('NotReady, unreachable taints, pods tolerating 5 s replaced on other nodes; resumed: Ready, taints gone', async () => {
    const ns = await w.namespace('nodefail');
    expect(await w.apply(ns, TOLERATING)).toBe('deployment.apps/tol created\n');
    const lines = (await w.kubectl.ok(['rollout', 'status', 'deployment/tol', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 })).trim().split('\n');
    expect(lines[lines.length - 1]).toBe('deployment "tol" successfully rolled out');
    const before = await w.livePods(ns, 'app=tol');
    const target = before[0].spec.nodeName ?? '';
    expect(SIM_NODES).toContain(target);
    const onTarget = before.filter((p) => p.spec.nodeName === target).map((p) => p.metadata.name);
    await w.apply(ns, patient(target));
    await eventually(async () => SimWorkloads.isReady(await w.getJson<PodJson>(['pod', 'patient', '-n', ns])), { timeoutMs: 10_000, what: 'patient Ready' });
    expect(rowsByName(await w.kubectl.ok(['get', 'nodes'])).get(target)?.STATUS).toBe('Ready');

    const stoppedAt = Date.now();
    try {
      expect(await w.kubectl.ok(['annotate', 'node', target, 'lite.dev/sim-heartbeat=stopped'])).toBe(`node/${target} annotated\n`);

      await eventually(async () => rowsByName(await w.kubectl.ok(['get', 'nodes'])).get(target)?.STATUS === 'NotReady', {
        timeoutMs: 40_000,
        intervalMs: 500,
        what: `${target} NotReady in kubectl get nodes`,
      });
      const notReadyAfterS = (Date.now() - stoppedAt) / 1000;
      expect(notReadyAfterS).toBeLessThan(30);
      const others = rowsByName(await w.kubectl.ok(['get', 'nodes']));
      for (const n of SIM_NODES) if (n !== target) expect(others.get(n)?.STATUS).toBe('Ready');

      const failed = await eventually(
        async () => {
          const n = await node(target);
          const t = taintsOf(n);
          return t.includes('node.kubernetes.io/unreachable:NoSchedule') && t.includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250, what: 'unreachable NoSchedule and NoExecute taints' },
      );
      expect(taintsOf(failed)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
      expect(failed.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      const nodeEvents = await w.kubectl.ok(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${target},reason=NodeNotReady`, '-o', 'custom-columns=MSG:.message', '--no-headers']);
      expect(nodeEvents).toContain(`Node ${target} status is now: NodeNotReady`);

      // The Deployment's pods on the node are evicted after 5 s and replaced elsewhere.
      const replaced = await eventually(
        async () => {
          const live = await w.livePods(ns, 'app=tol');
          return live.length === 6 && live.every((p) => p.spec.nodeName !== target && SimWorkloads.isReady(p)) ? live : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'six Ready tol pods on the other nodes' },
      );
      expect(replaced.map((p) => p.spec.nodeName)).not.toContain(target);
      const all = await w.pods(ns, 'app=tol');
      for (const name of onTarget) {
        const p = all.find((x) => x.metadata.name === name);
        // The node's kubelet is gone, so the evicted pods stay Terminating (as on a real cluster).
        expect(p?.metadata.deletionTimestamp, name).toBeDefined();
        expect(p?.status.conditions?.find((c) => c.type === 'Ready')?.status, name).toBe('False');
      }
      expect(rowsByName(await w.kubectl.ok(['get', 'deployment', 'tol', '-n', ns])).get('tol')).toMatchObject({ READY: '6/6', AVAILABLE: '6' });

      // A pod with the default tolerations (300 s) is not evicted, but marked not Ready.
      const p = await w.getJson<PodJson>(['pod', 'patient', '-n', ns]);
      expect(p.metadata.deletionTimestamp).toBeUndefined();
      expect(p.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      const podEvents = await w.describeEvents(['pod', 'patient', '-n', ns]);
      expect(podEvents).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' }));
    } finally {
      await w.kubectl.run(['annotate', 'node', target, 'lite.dev/sim-heartbeat-']);
    }

    // Resumed: Ready again, the taints go, the evicted pods finish terminating, patient is Ready.
    await eventually(async () => rowsByName(await w.kubectl.ok(['get', 'nodes'])).get(target)?.STATUS === 'Ready', {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: `${target} Ready again`,
    });
    await eventually(async () => taintsOf(await node(target)).length === 0, { timeoutMs: 20_000, intervalMs: 250, what: 'the unreachable taints removed' });
    expect((await node(target)).status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    await eventually(
      async () => {
        const names = new Set((await w.pods(ns, 'app=tol')).map((x) => x.metadata.name));
        return onTarget.every((n) => !names.has(n));
      },
      { timeoutMs: 20_000, what: 'the evicted pods gone' },
    );
    await eventually(async () => SimWorkloads.isReady(await w.getJson<PodJson>(['pod', 'patient', '-n', ns])), { timeoutMs: 20_000, what: 'patient Ready again' });
    expect(rowsByName(await w.kubectl.ok(['get', 'deployment', 'tol', '-n', ns])).get('tol')).toMatchObject({ READY: '6/6', AVAILABLE: '6' });
  });
});
