/**
 * The scheduler on simulated nodes (issue 3, acceptance 4): `bin/lite server --simulate-nodes 3
 * --simulate-node-capacity cpu=4,memory=16Gi,pods=110` driven by kubectl 1.32. Pods that cannot
 * fit stay Pending with a FailedScheduling event in kube-scheduler's words (`0/3 nodes are
 * available: … preemption: …`, the doubled final dot included); nodeSelector, required node
 * affinity, pod affinity and anti-affinity, taints and tolerations (NoSchedule, NoExecute
 * eviction), topology spread, the cluster default spreading of ReplicaSet pods, and priority
 * preemption behave as documented for kube-scheduler 1.32.
 *
 * Node labels and taints are set with `kubectl label/taint node` (the simulator's
 * --simulate-node-label/--simulate-node-taint flags apply to every node) and removed again in
 * `finally`. Tests run in order; each uses its own namespace, and the one that fills the nodes'
 * CPU deletes its namespace before the next test.
 */
import { describe, expect, test } from 'vitest';
import { parseTable, useCluster } from './support/cluster.js';
import { SIM_NODES, SimWorkloads, type PodJson } from './support/sim-workloads.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ args: ['--simulate-nodes', '3', '--simulate-node-capacity', 'cpu=4,memory=16Gi,pods=110'] });
const w = new SimWorkloads(ctx);

const NOT_HELPFUL = 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
const NO_VICTIMS = 'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..';

/** A Deployment manifest with `extra` spliced into the pod spec (indented by 6). */
function deployment(name: string, replicas: number, extra = '', cpu?: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:${extra}
      containers:
      - name: c
        image: example/web${
          cpu
            ? `
        resources:
          requests:
            cpu: "${cpu}"`
            : ''
        }
`;
}

function pod(name: string, extra = '', labels: Record<string, string> = {}): string {
  const l = Object.entries({ run: name, ...labels })
    .map(([k, v]) => `\n    ${k}: ${v}`)
    .join('');
  return `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:${l}
spec:${extra}
  containers:
  - name: c
    image: example/web
`;
}

/** Indents a YAML fragment written at column 0 so it sits under `spec:` at `spaces`. */
function under(spaces: number, yaml: string): string {
  return yaml
    .trim()
    .split('\n')
    .map((l) => `\n${' '.repeat(spaces)}${l}`)
    .join('');
}

/** Waits until the pod has a FailedScheduling event and returns its message (from `kubectl get events`). */
async function failedScheduling(ns: string, podName: string): Promise<string> {
  return await eventually(
    async () => {
      const out = await w.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${podName},reason=FailedScheduling`, '-o', 'custom-columns=MSG:.message', '--no-headers']);
      const lines = out.split('\n').filter((l) => l !== '');
      return lines.length ? lines[lines.length - 1] : undefined;
    },
    { timeoutMs: 15_000, what: `a FailedScheduling event for ${podName}` },
  );
}

async function pendingPodOf(ns: string, selector: string): Promise<PodJson> {
  return await eventually(
    async () => (await w.livePods(ns, selector)).find((p) => !p.spec.nodeName && p.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable')),
    { timeoutMs: 15_000, what: `an unschedulable pod of ${selector}` },
  );
}

async function readyPods(ns: string, selector: string, count: number): Promise<PodJson[]> {
  return await eventually(
    async () => {
      const live = await w.livePods(ns, selector);
      return live.length === count && live.every(SimWorkloads.isReady) ? live : undefined;
    },
    { timeoutMs: 20_000, what: `${count} Ready pods of ${selector}` },
  );
}

function nodesOf(pods: readonly PodJson[]): string[] {
  return pods.map((p) => p.spec.nodeName ?? '').sort();
}

describe('resources and priority', () => {
  test('a pod requesting more CPU than any node has stays Pending with FailedScheduling in describe and get events', async () => {
    const ns = await w.namespace('big');
    const big = pod('big').replace('image: example/web', 'image: example/web\n    resources:\n      requests:\n        cpu: "5"');
    expect(await w.apply(ns, big)).toBe('pod/big created\n');
    const message = await failedScheduling(ns, 'big');
    expect(message).toBe(`0/3 nodes are available: 3 Insufficient cpu. ${NOT_HELPFUL}`);

    const events = await w.describeEvents(['pod', 'big', '-n', ns]);
    expect(events).toContainEqual({ type: 'Warning', reason: 'FailedScheduling', from: 'default-scheduler', message });
    const rows = parseTable(await w.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedScheduling']));
    expect(rows[0]).toMatchObject({ TYPE: 'Warning', REASON: 'FailedScheduling', OBJECT: 'pod/big', MESSAGE: message });
    const p = await w.getJson<PodJson>(['pod', 'big', '-n', ns]);
    expect(p.status.phase).toBe('Pending');
    expect(p.spec.nodeName).toBeUndefined();
    expect(p.status.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    expect(parseTable(await w.kubectl.ok(['get', 'pod', 'big', '-n', ns]))[0]).toMatchObject({ READY: '0/1', STATUS: 'Pending' });
  });

  test('3-CPU replicas fill one node each; a 4th has no victims of lower priority; a higher-priority pod preempts one', async () => {
    const ns = await w.namespace('fill');
    try {
      expect(await w.apply(ns, deployment('fill', 3, '', '3'))).toBe('deployment.apps/fill created\n');
      const running = await readyPods(ns, 'app=fill', 3);
      expect(nodesOf(running)).toEqual([...SIM_NODES]);

      expect(await w.kubectl.ok(['scale', 'deployment/fill', '--replicas=4', '-n', ns])).toBe('deployment.apps/fill scaled\n');
      const pending = await pendingPodOf(ns, 'app=fill');
      expect(await failedScheduling(ns, pending.metadata.name)).toBe(`0/3 nodes are available: 3 Insufficient cpu. ${NO_VICTIMS}`);

      const vip = `
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: ${ns}-high
value: 1000
---${pod('vip', `\n  priorityClassName: ${ns}-high`).replace('image: example/web', 'image: example/web\n    resources:\n      requests:\n        cpu: "3"')}`;
      expect(await w.apply(ns, vip)).toBe(`priorityclass.scheduling.k8s.io/${ns}-high created\npod/vip created\n`);
      const vipPod = await eventually(
        async () => {
          const p = await w.getJson<PodJson & { status: { nominatedNodeName?: string } }>(['pod', 'vip', '-n', ns]);
          return p.spec.nodeName && SimWorkloads.isReady(p) ? p : undefined;
        },
        { timeoutMs: 20_000, what: 'vip running after preemption' },
      );
      const node = vipPod.spec.nodeName;
      expect(vipPod.status.nominatedNodeName).toBe(node);
      // The victim was the fill pod on that node; kube-scheduler's event on it says so.
      const preempted = await eventually(
        async () => {
          const out = await w.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=Preempted', '-o', 'custom-columns=OBJ:.involvedObject.name,MSG:.message', '--no-headers']);
          return out.trim() ? out.trim() : undefined;
        },
        { timeoutMs: 10_000, what: 'a Preempted event' },
      );
      expect(preempted).toMatch(new RegExp(`^fill-[a-z0-9]+-[a-z0-9]{5}\\s+Preempted by pod ${vipPod.metadata.uid} on node ${node}$`));
      const fills = await w.livePods(ns, 'app=fill');
      expect(fills.filter((p) => p.spec.nodeName === node)).toEqual([]);
      expect(fills.filter((p) => !p.spec.nodeName)).toHaveLength(2);
    } finally {
      await w.kubectl.run(['delete', 'namespace', ns, '--timeout=60s'], { timeoutMs: 70_000 });
      await w.kubectl.run(['delete', 'priorityclass', `${ns}-high`, '--ignore-not-found']);
    }
  });
});

describe('node selection', () => {
  test('nodeSelector: replicas land on the labelled node; an unmatched selector is Pending until a node gets the label', async () => {
    const ns = await w.namespace('nodesel');
    try {
      expect(await w.kubectl.ok(['label', 'node', SIM_NODES[2], 'disktype=ssd'])).toBe(`node/${SIM_NODES[2]} labeled\n`);
      await w.apply(ns, deployment('ssd', 3, under(6, 'nodeSelector:\n  disktype: ssd')));
      expect(nodesOf(await readyPods(ns, 'app=ssd', 3))).toEqual([SIM_NODES[2], SIM_NODES[2], SIM_NODES[2]]);

      await w.apply(ns, pod('hdd', under(2, 'nodeSelector:\n  disktype: hdd')));
      expect(await failedScheduling(ns, 'hdd')).toBe(`0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. ${NOT_HELPFUL}`);
      // A node update that makes the pod fit re-queues it.
      expect(await w.kubectl.ok(['label', 'node', SIM_NODES[0], 'disktype=hdd'])).toBe(`node/${SIM_NODES[0]} labeled\n`);
      expect(nodesOf(await readyPods(ns, 'run=hdd', 1))).toEqual([SIM_NODES[0]]);
    } finally {
      await w.kubectl.run(['label', 'node', SIM_NODES[2], 'disktype-']);
      await w.kubectl.run(['label', 'node', SIM_NODES[0], 'disktype-']);
    }
  });

  test('required node affinity: NotIn keeps replicas off a node, In pins them to one', async () => {
    const ns = await w.namespace('nodeaff');
    const affinity = (op: string, values: string[]) =>
      under(
        6,
        `affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - key: kubernetes.io/hostname
          operator: ${op}
          values: [${values.join(', ')}]`,
      );
    await w.apply(ns, deployment('notin', 4, affinity('NotIn', [SIM_NODES[0]])) + '---' + deployment('in', 3, affinity('In', [SIM_NODES[1]])));
    const notin = nodesOf(await readyPods(ns, 'app=notin', 4));
    expect(notin).not.toContain(SIM_NODES[0]);
    expect(nodesOf(await readyPods(ns, 'app=in', 3))).toEqual([SIM_NODES[1], SIM_NODES[1], SIM_NODES[1]]);
  });

  test('pod anti-affinity: 3 replicas one per node, a 4th Pending; pod affinity follows its target', async () => {
    const ns = await w.namespace('podaff');
    const anti = under(
      6,
      `affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
    - labelSelector:
        matchLabels:
          app: anti
      topologyKey: kubernetes.io/hostname`,
    );
    await w.apply(ns, deployment('anti', 3, anti));
    expect(nodesOf(await readyPods(ns, 'app=anti', 3))).toEqual([...SIM_NODES]);
    expect(await w.kubectl.ok(['scale', 'deployment/anti', '--replicas=4', '-n', ns])).toBe('deployment.apps/anti scaled\n');
    const fourth = await pendingPodOf(ns, 'app=anti');
    expect(await failedScheduling(ns, fourth.metadata.name)).toBe(`0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. ${NO_VICTIMS}`);

    // Required pod affinity: the follower goes where the leader runs.
    await w.apply(ns, pod('leader', under(2, `nodeSelector:\n  kubernetes.io/hostname: ${SIM_NODES[1]}`), { role: 'leader' }));
    await readyPods(ns, 'run=leader', 1);
    const follow = (app: string) =>
      under(
        2,
        `affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
    - labelSelector:
        matchLabels:
          role: ${app}
      topologyKey: kubernetes.io/hostname`,
      );
    await w.apply(ns, pod('follower', follow('leader')));
    expect(nodesOf(await readyPods(ns, 'run=follower', 1))).toEqual([SIM_NODES[1]]);
    await w.apply(ns, pod('lonely', follow('nobody')));
    expect(await failedScheduling(ns, 'lonely')).toBe(`0/3 nodes are available: 3 node(s) didn't match pod affinity rules. ${NOT_HELPFUL}`);
  });

  test('taints: NoSchedule keeps pods off unless tolerated (message names the taint); NoExecute evicts pods that do not tolerate it', async () => {
    const ns = await w.namespace('taints');
    const [t0, t1] = SIM_NODES;
    try {
      expect(await w.kubectl.ok(['taint', 'node', t0, 'dedicated=x:NoSchedule'])).toBe(`node/${t0} tainted\n`);
      await w.apply(ns, deployment('plain', 6));
      expect(nodesOf(await readyPods(ns, 'app=plain', 6))).not.toContain(t0);

      const pin = under(2, `nodeSelector:\n  kubernetes.io/hostname: ${t0}`);
      await w.apply(ns, pod('intolerant', pin));
      expect(await failedScheduling(ns, 'intolerant')).toBe(
        `0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: x}, 2 node(s) didn't match Pod's node affinity/selector. ${NOT_HELPFUL}`,
      );
      await w.apply(ns, pod('tolerant', pin + under(2, 'tolerations:\n- key: dedicated\n  operator: Equal\n  value: x\n  effect: NoSchedule')));
      expect(nodesOf(await readyPods(ns, 'run=tolerant', 1))).toEqual([t0]);

      // NoExecute: pods on t1 without a matching toleration are evicted, tolerating ones stay.
      await w.apply(
        ns,
        pod('stays', under(2, `nodeSelector:\n  kubernetes.io/hostname: ${t1}\ntolerations:\n- key: evict\n  operator: Exists\n  effect: NoExecute`)),
      );
      await readyPods(ns, 'run=stays', 1);
      const onT1 = (await w.livePods(ns, 'app=plain')).filter((p) => p.spec.nodeName === t1).map((p) => p.metadata.name);
      expect(onT1.length).toBeGreaterThan(0);
      expect(await w.kubectl.ok(['taint', 'node', t1, 'evict=now:NoExecute'])).toBe(`node/${t1} tainted\n`);
      const moved = await eventually(
        async () => {
          const live = await w.livePods(ns, 'app=plain');
          return live.length === 6 && live.every(SimWorkloads.isReady) && live.every((p) => p.spec.nodeName === SIM_NODES[2]) ? live : undefined;
        },
        { timeoutMs: 30_000, what: 'all six plain replicas on the one node without taints' },
      );
      expect(moved).toHaveLength(6);
      const evictions = await w.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=TaintManagerEviction', '-o', 'custom-columns=OBJ:.involvedObject.name,MSG:.message', '--no-headers']);
      const evicted = new Map(evictions.split('\n').filter((l) => l).map((l) => [l.split(/\s+/)[0], l.replace(/^\S+\s+/, '')]));
      for (const name of onT1) expect(evicted.get(name)).toBe(`Marking for deletion Pod ${ns}/${name}`);
      const stays = await w.getJson<PodJson>(['pod', 'stays', '-n', ns]);
      expect(stays.metadata.deletionTimestamp).toBeUndefined();
      expect(stays.spec.nodeName).toBe(t1);
    } finally {
      await w.kubectl.run(['taint', 'node', t0, 'dedicated=x:NoSchedule-']);
      await w.kubectl.run(['taint', 'node', t1, 'evict=now:NoExecute-']);
    }
  });
});

describe('spreading', () => {
  test('topologySpreadConstraints maxSkew 1 over hostname: 6 replicas → 2 per node; nodes excluded by affinity are not domains', async () => {
    const ns = await w.namespace('spread');
    const spread = (app: string) =>
      `
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels:
            app: ${app}`;
    await w.apply(ns, deployment('even', 6, spread('even')));
    const counts = SimWorkloads.perNode(await readyPods(ns, 'app=even', 6));
    expect(Object.fromEntries(counts)).toEqual({ [SIM_NODES[0]]: 2, [SIM_NODES[1]]: 2, [SIM_NODES[2]]: 2 });

    const notNode0 = under(
      6,
      `affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - key: kubernetes.io/hostname
          operator: NotIn
          values: [${SIM_NODES[0]}]`,
    );
    await w.apply(ns, deployment('two', 4, spread('two') + notNode0));
    const two = SimWorkloads.perNode(await readyPods(ns, 'app=two', 4));
    expect(Object.fromEntries(two)).toEqual({ [SIM_NODES[1]]: 2, [SIM_NODES[2]]: 2 });
  });

  test('cluster default spreading: ReplicaSet pods without constraints still spread over hostnames when nodes are unevenly loaded', async () => {
    // kube-scheduler's PodTopologySpread applies system default constraints (hostname maxSkew 3,
    // zone maxSkew 5, ScheduleAnyway) to pods of Services/ReplicaSets/StatefulSets; its score
    // (weight 2) outweighs the few points of LeastAllocated that the ballast costs nodes 0 and 1.
    const ns = await w.namespace('defspread');
    const onTwoNodes = under(
      6,
      `affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - key: kubernetes.io/hostname
          operator: In
          values: [${SIM_NODES[0]}, ${SIM_NODES[1]}]`,
    );
    await w.apply(ns, deployment('ballast', 16, onTwoNodes, '100m'));
    await readyPods(ns, 'app=ballast', 16);
    await w.apply(ns, deployment('spread', 3));
    const counts = SimWorkloads.perNode(await readyPods(ns, 'app=spread', 3));
    expect(Object.fromEntries(counts)).toEqual({ [SIM_NODES[0]]: 1, [SIM_NODES[1]]: 1, [SIM_NODES[2]]: 1 });
  });
});
