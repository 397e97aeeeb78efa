/**
 * The controller manager on simulated nodes (issue 3, acceptance 1–3 and the status contracts
 * of kubernetes-api-notes §12): the real `bin/lite server --simulate-nodes 3` driven by kubectl
 * 1.32. Deployments (rolling update within maxSurge/maxUnavailable, history, undo, restart,
 * pause/resume, scale, wait, events), StatefulSets (ordered start and stop, PVCs, rolling
 * update in reverse order), DaemonSets (one pod per node, taints and tolerations, rolling
 * update), Jobs (completions/parallelism), CronJobs (create, columns, `create job --from`),
 * the garbage collector (background, orphan, foreground), namespace deletion, and the
 * PodDisruptionBudget, Endpoints, EndpointSlice and ServiceAccount controllers.
 *
 * Timing comes from the simulator: pods bound to a node run (and are Ready) after 0.5–1 s,
 * run-to-completion pods exit 0 after 1 s, deleted pods stop after ≤ 1 s. Order of events is
 * read from `kubectl get -w --output-watch-events` (support/object-watch.ts).
 *
 * Tests within a describe block run in order and build on each other (one Deployment going
 * through its life); blocks are independent (own namespace). The DaemonSet block taints a node
 * and removes the taint again in `finally`.
 */
import { describe, expect, test } from 'vitest';
import { parseTable, rowsByName, useCluster } from './support/cluster.js';
import { podCondition, withObjectWatch } from './support/object-watch.js';
import { SIM_NODES, SimWorkloads, type ListJson, type PodJson } from './support/sim-workloads.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ args: ['--simulate-nodes', '3'] });
const w = new SimWorkloads(ctx);

const POD_COLUMNS = {
  NAME: '.metadata.name',
  DEL: '.metadata.deletionTimestamp',
  READY: podCondition('Ready'),
  PHASE: '.status.phase',
  HASH: '.metadata.labels.pod-template-hash',
  NODE: '.spec.nodeName',
};

function lastLine(lines: readonly string[]): string {
  return lines[lines.length - 1] ?? '';
}

interface DeploymentJson {
  metadata: { generation: number; annotations?: Record<string, string> };
  spec: { paused?: boolean; replicas: number; template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } };
  status: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: { type: string; status: string; reason: string }[] };
}

interface ReplicaSetJson {
  metadata: { name: string; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
}

describe('Deployment on three simulated nodes', () => {
  let ns = '';

  test('create deployment --replicas=5: five Running pods spread over the three nodes', async () => {
    ns = await w.namespace('deploy');
    expect(await w.kubectl.ok(['create', 'deployment', 'web', '--image=example/web', '--replicas=5', '-n', ns])).toBe('deployment.apps/web created\n');
    expect(lastLine(await w.rolloutStatus(ns, 'deployment/web'))).toBe('deployment "web" successfully rolled out');

    const table = parseTable(await w.kubectl.ok(['get', 'pods', '-n', ns, '-o', 'wide']));
    expect(table).toHaveLength(5);
    for (const row of table) {
      expect(row.STATUS).toBe('Running');
      expect(row.READY).toBe('1/1');
      expect(row.NAME).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}$/);
    }
    const perNode = new Map<string, number>();
    for (const row of table) perNode.set(row.NODE, (perNode.get(row.NODE) ?? 0) + 1);
    // Every node has at least one of the five pods.
    expect([...perNode.keys()].sort()).toEqual([...SIM_NODES]);

    const dep = rowsByName(await w.kubectl.ok(['get', 'deployment', 'web', '-n', ns])).get('web');
    expect(dep).toMatchObject({ READY: '5/5', 'UP-TO-DATE': '5', AVAILABLE: '5' });
  });

  test('set image: the rolling update keeps within maxSurge 25% (≤ 7 pods) and maxUnavailable 25% (≥ 4 available); rollout status succeeds', async () => {
    const before = await w.livePods(ns, 'app=web');
    const oldHash = before[0].metadata.labels?.['pod-template-hash'];
    await withObjectWatch(w.kubectl, ['pods', '-n', ns], POD_COLUMNS, async (watch) => {
      await watch.waitForState((s) => s.size === 5, 15_000, 'the five pods in the initial list');
      expect(await w.kubectl.ok(['set', 'image', 'deployment/web', 'web=example/web:2', '-n', ns])).toBe('deployment.apps/web image updated\n');
      const lines = await w.rolloutStatus(ns, 'deployment/web');
      expect(lastLine(lines)).toBe('deployment "web" successfully rolled out');
      for (const l of lines.slice(0, -1)) expect(l).toMatch(/^Waiting for deployment "web" rollout to finish: /);

      // The watch catches up: five Ready pods of the new template, none of the old one live.
      const live = (s: ReadonlyMap<string, Readonly<Record<string, string>>>) => [...s.values()].filter((p) => p.DEL === '');
      await watch.waitForState(
        (s) => {
          const l = live(s);
          return l.length === 5 && l.every((p) => p.HASH !== oldHash && p.READY === 'True');
        },
        20_000,
        'five Ready pods of the new template',
      );
      let maxLive = 0;
      let minAvailable = Infinity;
      let sawBothTemplates = false;
      watch.replay((s) => {
        const l = live(s);
        maxLive = Math.max(maxLive, l.length);
        // Count only once the initial five are all listed.
        if (s.size >= 5) minAvailable = Math.min(minAvailable, l.filter((p) => p.READY === 'True').length);
        if (l.some((p) => p.HASH === oldHash) && l.some((p) => p.HASH !== oldHash)) sawBothTemplates = true;
      });
      // maxSurge 25% of 5 rounds up to 2; maxUnavailable 25% of 5 rounds down to 1.
      expect(maxLive).toBeLessThanOrEqual(7);
      expect(maxLive).toBeGreaterThan(5); // the surge is used: new pods start before old ones go
      expect(minAvailable).toBeGreaterThanOrEqual(4);
      expect(sawBothTemplates).toBe(true);
      expect(watch.stderr).toBe('');
    });
    const dep = await w.getJson<DeploymentJson>(['deployment', 'web', '-n', ns]);
    expect(dep.spec.template.spec.containers[0].image).toBe('example/web:2');
    expect(dep.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  test('rollout history lists revisions 1 and 2; undo brings back revision 1 as revision 3', async () => {
    const history = await w.kubectl.ok(['rollout', 'history', 'deployment/web', '-n', ns]);
    expect(history).toBe('deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    const rev1 = await w.kubectl.ok(['rollout', 'history', 'deployment/web', '-n', ns, '--revision=1']);
    expect(rev1).toMatch(/^deployment\.apps\/web with revision #1\n/);
    expect(rev1).toMatch(/Image:\texample\/web\n/);

    expect(await w.kubectl.ok(['rollout', 'undo', 'deployment/web', '-n', ns])).toBe('deployment.apps/web rolled back\n');
    expect(lastLine(await w.rolloutStatus(ns, 'deployment/web'))).toBe('deployment "web" successfully rolled out');
    const dep = await w.getJson<DeploymentJson>(['deployment', 'web', '-n', ns]);
    expect(dep.spec.template.spec.containers[0].image).toBe('example/web');
    expect(dep.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(await w.kubectl.ok(['rollout', 'history', 'deployment/web', '-n', ns])).toBe('deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');

    // Revision 1's ReplicaSet was re-used: it is now revision 3 and remembers revision 1.
    const rss = (await w.getJson<ListJson<ReplicaSetJson>>(['replicasets', '-n', ns])).items;
    expect(rss).toHaveLength(2);
    const current = rss.find((rs) => rs.spec.template.spec.containers[0].image === 'example/web');
    expect(current?.spec.replicas).toBe(5);
    expect(current?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(current?.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    const pods = await w.livePods(ns, 'app=web');
    expect(pods.map((p) => p.spec.containers[0].image)).toEqual(Array(5).fill('example/web'));
  });

  test('rollout restart rolls new pods of the same image; pause holds a change until resume', async () => {
    const before = new Set((await w.livePods(ns, 'app=web')).map((p) => p.metadata.name));
    expect(await w.kubectl.ok(['rollout', 'restart', 'deployment/web', '-n', ns])).toBe('deployment.apps/web restarted\n');
    expect(lastLine(await w.rolloutStatus(ns, 'deployment/web'))).toBe('deployment "web" successfully rolled out');
    let dep = await w.getJson<DeploymentJson>(['deployment', 'web', '-n', ns]);
    expect(dep.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(dep.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('4');
    const after = await eventually(
      async () => {
        const live = await w.livePods(ns, 'app=web');
        return live.length === 5 && live.every(SimWorkloads.isReady) ? live : undefined;
      },
      { timeoutMs: 15_000, what: 'five Ready pods after the restart' },
    );
    for (const p of after) {
      expect(before.has(p.metadata.name)).toBe(false);
      expect(p.spec.containers[0].image).toBe('example/web');
    }

    expect(await w.kubectl.ok(['rollout', 'pause', 'deployment/web', '-n', ns])).toBe('deployment.apps/web paused\n');
    expect(await w.kubectl.ok(['set', 'image', 'deployment/web', 'web=example/web:3', '-n', ns])).toBe('deployment.apps/web image updated\n');
    // Paused: the controller observes the change but starts no new ReplicaSet.
    dep = await eventually(
      async () => {
        const d = await w.getJson<DeploymentJson>(['deployment', 'web', '-n', ns]);
        return d.status.observedGeneration === d.metadata.generation ? d : undefined;
      },
      { timeoutMs: 10_000, what: 'the paused deployment observed' },
    );
    expect(dep.spec.paused).toBe(true);
    expect(dep.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
    const rssPaused = (await w.getJson<ListJson<ReplicaSetJson>>(['replicasets', '-n', ns])).items;
    expect(rssPaused.some((rs) => rs.spec.template.spec.containers[0].image === 'example/web:3')).toBe(false);
    expect((await w.livePods(ns, 'app=web')).every((p) => p.spec.containers[0].image === 'example/web')).toBe(true);

    expect(await w.kubectl.ok(['rollout', 'resume', 'deployment/web', '-n', ns])).toBe('deployment.apps/web resumed\n');
    expect(lastLine(await w.rolloutStatus(ns, 'deployment/web'))).toBe('deployment "web" successfully rolled out');
    const resumed = await eventually(
      async () => {
        const live = await w.livePods(ns, 'app=web');
        return live.length === 5 && live.every((p) => p.spec.containers[0].image === 'example/web:3') ? live : undefined;
      },
      { timeoutMs: 15_000, what: 'five pods of example/web:3 after resume' },
    );
    expect(resumed).toHaveLength(5);
  });

  test('scale --replicas=0 then 10; wait --for=condition=Available; describe shows ScalingReplicaSet events', async () => {
    expect(await w.kubectl.ok(['scale', 'deployment/web', '--replicas=0', '-n', ns])).toBe('deployment.apps/web scaled\n');
    await eventually(async () => (await w.pods(ns, 'app=web')).length === 0, { timeoutMs: 20_000, what: 'all pods gone after scale to 0' });
    await eventually(async () => rowsByName(await w.kubectl.ok(['get', 'deployment', 'web', '-n', ns])).get('web')?.READY === '0/0', {
      timeoutMs: 10_000,
      what: 'READY 0/0',
    });

    expect(await w.kubectl.ok(['scale', 'deployment/web', '--replicas=10', '-n', ns])).toBe('deployment.apps/web scaled\n');
    expect(await w.kubectl.ok(['wait', '--for=condition=Available', 'deployment/web', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 })).toBe(
      'deployment.apps/web condition met\n',
    );
    expect(lastLine(await w.rolloutStatus(ns, 'deployment/web'))).toBe('deployment "web" successfully rolled out');
    const table = parseTable(await w.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'wide']));
    expect(table).toHaveLength(10);
    expect(table.every((r) => r.STATUS === 'Running' && r.READY === '1/1')).toBe(true);
    expect(rowsByName(await w.kubectl.ok(['get', 'deployment', 'web', '-n', ns])).get('web')).toMatchObject({ READY: '10/10', 'UP-TO-DATE': '10', AVAILABLE: '10' });

    const dep = await w.getJson<DeploymentJson>(['deployment', 'web', '-n', ns]);
    expect(dep.status.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(dep.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });

    const events = await w.describeEvents(['deployment', 'web', '-n', ns]);
    const scaling = events.filter((e) => e.reason === 'ScalingReplicaSet');
    expect(scaling.length).toBeGreaterThan(0);
    for (const e of scaling) {
      expect(e.type).toBe('Normal');
      expect(e.from).toBe('deployment-controller');
      expect(e.message).toMatch(/^Scaled (up|down) replica set web-[a-z0-9]+ from \d+ to \d+$/);
    }
    expect(scaling.some((e) => /^Scaled down replica set web-[a-z0-9]+ from 5 to 0$/.test(e.message))).toBe(true);
    expect(scaling.some((e) => /^Scaled up replica set web-[a-z0-9]+ from 0 to 10$/.test(e.message))).toBe(true);

    // Writers as a real cluster names them in managedFields: the controllers' writes are
    // kube-controller-manager's (its user agent), the pods' status the kubelet's, binding none.
    type Managed = { metadata: { managedFields: { manager: string; operation: string; subresource?: string }[] } };
    const managers = async (args: string[]) => (await w.getJson<Managed>([...args, '-n', ns, '--show-managed-fields'])).metadata.managedFields.map((m) => `${m.manager}/${m.operation}/${m.subresource ?? ''}`).sort();
    expect(await managers(['deployment', 'web'])).toContain('kube-controller-manager/Update/status');
    const pod = table[0]?.NAME ?? '';
    expect(await managers(['pod', pod])).toEqual(['kube-controller-manager/Update/', 'kubelet/Update/status']);
  });
});

const STS_MANIFEST = `
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector:
    app: sts-web
  ports:
  - name: http
    port: 80
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels:
      app: sts-web
  template:
    metadata:
      labels:
        app: sts-web
    spec:
      containers:
      - name: web
        image: example/web
        ports:
        - name: http
          containerPort: 80
        volumeMounts:
        - name: data
          mountPath: /data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
`;

describe('StatefulSet with a headless Service and volumeClaimTemplates', () => {
  test('pods start strictly in order web-0, web-1, web-2 with PVCs data-web-N; scale down stops web-2 first; set image updates in reverse order', async () => {
    const ns = await w.namespace('sts');
    // The watch needs one object to print its header (support/object-watch.ts).
    await w.kubectl.ok(['run', 'sentinel', '--image=example/sentinel', '-n', ns]);
    await withObjectWatch(w.kubectl, ['pods', '-n', ns], POD_COLUMNS, async (watch) => {
      expect(await w.apply(ns, STS_MANIFEST)).toBe('service/web created\nstatefulset.apps/web created\n');
      // A defaulted partition (0) makes kubectl report the "partitioned" form, as on any cluster.
      expect(lastLine(await w.rolloutStatus(ns, 'statefulset/web'))).toBe('partitioned roll out complete: 3 new pods have been updated...');
      await watch.waitForState((s) => ['web-0', 'web-1', 'web-2'].every((n) => s.get(n)?.READY === 'True'), 10_000, 'web-0..2 Ready in the watch');

      // OrderedReady: web-N+1 is created only after web-N is Running and Ready.
      const evs = watch.events();
      const firstAdded = (n: string) => evs.findIndex((e) => e.type === 'ADDED' && e.fields.NAME === n);
      const firstReady = (n: string) => evs.findIndex((e) => e.fields.NAME === n && e.fields.READY === 'True' && e.fields.PHASE === 'Running');
      for (const n of ['web-0', 'web-1', 'web-2']) {
        expect(firstAdded(n), `${n} added`).toBeGreaterThanOrEqual(0);
        expect(firstReady(n), `${n} ready`).toBeGreaterThan(firstAdded(n));
      }
      expect(firstAdded('web-1')).toBeGreaterThan(firstReady('web-0'));
      expect(firstAdded('web-2')).toBeGreaterThan(firstReady('web-1'));

      const pvcs = parseTable(await w.kubectl.ok(['get', 'pvc', '-n', ns]));
      expect(pvcs.map((r) => r.NAME).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
      // The default local-path class provisioned each claim on its pod's node before the pod was
      // bound there, so by the time the pods run every claim is Bound to its own volume.
      const pvs = rowsByName(await w.kubectl.ok(['get', 'pv']));
      for (const r of pvcs) {
        expect(r, r.NAME).toMatchObject({ STATUS: 'Bound', CAPACITY: '1Gi', 'ACCESS MODES': 'RWO', STORAGECLASS: 'local-path' });
        expect(r.VOLUME).toMatch(/^pvc-[0-9a-f-]{36}$/);
        expect(pvs.get(r.VOLUME), r.VOLUME).toMatchObject({ STATUS: 'Bound', CLAIM: `${ns}/${r.NAME}`, 'RECLAIM POLICY': 'Delete', STORAGECLASS: 'local-path' });
        const n = r.NAME.slice('data-'.length);
        const node = await w.kubectl.ok(['get', 'pod', n, '-n', ns, '-o', 'jsonpath={.spec.nodeName}']);
        expect(await w.kubectl.ok(['get', 'pvc', r.NAME, '-n', ns, '-o', 'jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}'])).toBe(node);
      }
      for (const n of [0, 1, 2]) {
        expect(await w.kubectl.ok(['get', 'pod', `web-${n}`, '-n', ns, '-o', 'jsonpath={.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}'])).toBe(`data-web-${n}`);
      }
      expect(rowsByName(await w.kubectl.ok(['get', 'statefulset', 'web', '-n', ns])).get('web')?.READY).toBe('3/3');

      // Scale down to 1: web-2 goes first, and web-1 only once web-2 is gone.
      expect(await w.kubectl.ok(['scale', 'statefulset/web', '--replicas=1', '-n', ns])).toBe('statefulset.apps/web scaled\n');
      await watch.waitForState((s) => !s.has('web-1') && !s.has('web-2') && s.has('web-0'), 20_000, 'web-1 and web-2 deleted');
      const evs2 = watch.events();
      const firstDeleting = (n: string) => evs2.findIndex((e) => e.fields.NAME === n && e.fields.DEL !== '');
      const deleted = (n: string) => evs2.findIndex((e) => e.type === 'DELETED' && e.fields.NAME === n);
      expect(firstDeleting('web-2')).toBeGreaterThanOrEqual(0);
      expect(firstDeleting('web-1')).toBeGreaterThan(deleted('web-2'));
      expect(firstDeleting('web-0')).toBe(-1);
      // The claims stay (persistentVolumeClaimRetentionPolicy defaults to Retain).
      expect(parseTable(await w.kubectl.ok(['get', 'pvc', '-n', ns])).map((r) => r.NAME).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);

      // Back to 3 (in order again), then a rolling update: web-2, web-1, web-0.
      expect(await w.kubectl.ok(['scale', 'statefulset/web', '--replicas=3', '-n', ns])).toBe('statefulset.apps/web scaled\n');
      expect(lastLine(await w.rolloutStatus(ns, 'statefulset/web'))).toBe('partitioned roll out complete: 3 new pods have been updated...');
      const mark = watch.events().length;
      expect(await w.kubectl.ok(['set', 'image', 'statefulset/web', 'web=example/web:2', '-n', ns])).toBe('statefulset.apps/web image updated\n');
      expect(lastLine(await w.rolloutStatus(ns, 'statefulset/web'))).toBe('partitioned roll out complete: 3 new pods have been updated...');
      const evs3 = watch.events().slice(mark);
      const order = evs3.filter((e) => e.type === 'DELETED').map((e) => e.fields.NAME);
      expect(order).toEqual(['web-2', 'web-1', 'web-0']);
      expect(watch.stderr).toBe('');
    });
    const images = await w.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=sts-web', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image}{"\\n"}{end}']);
    expect(images).toBe('web-0=example/web:2\nweb-1=example/web:2\nweb-2=example/web:2\n');
  });
});

function daemonSet(name: string, tolerate: boolean): string {
  return `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:${
      tolerate
        ? `
      tolerations:
      - key: dedicated
        operator: Equal
        value: x
        effect: NoSchedule`
        : ''
    }
      containers:
      - name: agent
        image: example/agent
`;
}

describe('DaemonSet', () => {
  test('one pod per node; a NoSchedule taint keeps new daemon pods off the node unless tolerated; rollout status after set image', async () => {
    const ns = await w.namespace('ds');
    const tainted = SIM_NODES[2];
    const nodesOf = async (app: string) => (await w.livePods(ns, `app=${app}`)).map((p) => p.spec.nodeName ?? '').sort();
    try {
      expect(await w.apply(ns, daemonSet('agent', false))).toBe('daemonset.apps/agent created\n');
      expect(lastLine(await w.rolloutStatus(ns, 'daemonset/agent'))).toBe('daemon set "agent" successfully rolled out');
      expect(await nodesOf('agent')).toEqual([...SIM_NODES]);
      expect(rowsByName(await w.kubectl.ok(['get', 'daemonset', 'agent', '-n', ns])).get('agent')).toMatchObject({
        DESIRED: '3',
        CURRENT: '3',
        READY: '3',
        'UP-TO-DATE': '3',
        AVAILABLE: '3',
      });

      expect(await w.kubectl.ok(['taint', 'node', tainted, 'dedicated=x:NoSchedule'])).toBe(`node/${tainted} tainted\n`);
      // Daemon pods created from now on skip the tainted node unless they tolerate the taint.
      expect(await w.apply(ns, daemonSet('agent-late', false) + '---' + daemonSet('agent-tol', true))).toBe('daemonset.apps/agent-late created\ndaemonset.apps/agent-tol created\n');
      expect(lastLine(await w.rolloutStatus(ns, 'daemonset/agent-late'))).toBe('daemon set "agent-late" successfully rolled out');
      expect(lastLine(await w.rolloutStatus(ns, 'daemonset/agent-tol'))).toBe('daemon set "agent-tol" successfully rolled out');
      expect(await nodesOf('agent-late')).toEqual([SIM_NODES[0], SIM_NODES[1]]);
      expect(await nodesOf('agent-tol')).toEqual([...SIM_NODES]);
      const table = rowsByName(await w.kubectl.ok(['get', 'daemonsets', '-n', ns]));
      expect(table.get('agent-late')).toMatchObject({ DESIRED: '2', CURRENT: '2', READY: '2', AVAILABLE: '2' });
      expect(table.get('agent-tol')).toMatchObject({ DESIRED: '3', CURRENT: '3', READY: '3', AVAILABLE: '3' });

      // The daemon pod that was already on the node stays (NoSchedule does not evict), but the
      // node no longer counts as desired: upstream's NodeShouldRunDaemonPod says
      // shouldRun=false, shouldContinueRunning=true, and the status counts it misscheduled.
      const agent = await eventually(
        async () => {
          const ds = await w.getJson<{ status: { desiredNumberScheduled: number; numberMisscheduled: number; currentNumberScheduled: number } }>(['daemonset', 'agent', '-n', ns]);
          return ds.status.desiredNumberScheduled === 2 ? ds : undefined;
        },
        { timeoutMs: 10_000, what: 'daemonset agent: 2 desired' },
      );
      expect(agent.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 1 });
      expect(await nodesOf('agent')).toEqual([...SIM_NODES]);

      expect(await w.kubectl.ok(['set', 'image', 'daemonset/agent-tol', 'agent=example/agent:2', '-n', ns])).toBe('daemonset.apps/agent-tol image updated\n');
      const lines = await w.rolloutStatus(ns, 'daemonset/agent-tol');
      expect(lastLine(lines)).toBe('daemon set "agent-tol" successfully rolled out');
      const updated = await eventually(
        async () => {
          const live = await w.livePods(ns, 'app=agent-tol');
          return live.length === 3 && live.every((p) => p.spec.containers[0].image === 'example/agent:2') ? live : undefined;
        },
        { timeoutMs: 15_000, what: 'three agent-tol pods of example/agent:2' },
      );
      expect(updated.map((p) => p.spec.nodeName).sort()).toEqual([...SIM_NODES]);
    } finally {
      await w.kubectl.run(['taint', 'node', tainted, 'dedicated=x:NoSchedule-']);
    }
  });
});

describe('Job and CronJob', () => {
  test('a Job with completions=5 parallelism=2 completes with never more than 2 pods active', async () => {
    const ns = await w.namespace('job');
    await w.kubectl.ok(['run', 'sentinel', '--image=example/sentinel', '-n', ns]);
    await withObjectWatch(w.kubectl, ['pods', '-n', ns], POD_COLUMNS, async (watch) => {
      const manifest = `
apiVersion: batch/v1
kind: Job
metadata:
  name: batch
spec:
  completions: 5
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: example/job
`;
      expect(await w.apply(ns, manifest)).toBe('job.batch/batch created\n');
      expect(await w.kubectl.ok(['wait', '--for=condition=complete', 'job/batch', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 })).toBe('job.batch/batch condition met\n');
      const row = rowsByName(await w.kubectl.ok(['get', 'job', 'batch', '-n', ns])).get('batch');
      expect(row).toMatchObject({ STATUS: 'Complete', COMPLETIONS: '5/5' });

      const isJobPod = (name: string) => name.startsWith('batch-');
      await watch.waitForState((s) => [...s.values()].filter((p) => isJobPod(p.NAME) && p.PHASE === 'Succeeded').length === 5, 10_000, 'five Succeeded job pods');
      let maxActive = 0;
      const seen = new Set<string>();
      const final = watch.replay((s) => {
        const active = [...s.values()].filter((p) => isJobPod(p.NAME) && p.DEL === '' && p.PHASE !== 'Succeeded' && p.PHASE !== 'Failed');
        maxActive = Math.max(maxActive, active.length);
        for (const p of s.values()) if (isJobPod(p.NAME)) seen.add(p.NAME);
      });
      expect(maxActive).toBe(2);
      expect(seen.size).toBe(5);
      expect([...final.values()].filter((p) => isJobPod(p.NAME)).map((p) => p.PHASE)).toEqual(Array(5).fill('Succeeded'));
      expect(watch.stderr).toBe('');
    });
    const events = await w.describeEvents(['job', 'batch', '-n', ns]);
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(5);
    expect(events.find((e) => e.reason === 'Completed')).toMatchObject({ type: 'Normal', from: 'job-controller', message: 'Job completed' });
  });

  test('create cronjob "*/1 * * * *" is listed with its columns; create job --from=cronjob runs', async () => {
    const ns = await w.namespace('cron');
    expect(await w.kubectl.ok(['create', 'cronjob', 'tick', '--image=example/cron', '--schedule=*/1 * * * *', '-n', ns])).toBe('cronjob.batch/tick created\n');
    const out = await w.kubectl.ok(['get', 'cronjob', 'tick', '-n', ns]);
    expect(out.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(parseTable(out)[0]).toMatchObject({ NAME: 'tick', SCHEDULE: '*/1 * * * *', TIMEZONE: '<none>', SUSPEND: 'False' });

    expect(await w.kubectl.ok(['create', 'job', 'manual', '--from=cronjob/tick', '-n', ns])).toBe('job.batch/manual created\n');
    expect(await w.kubectl.ok(['wait', '--for=condition=complete', 'job/manual', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 })).toBe('job.batch/manual condition met\n');
    const job = await w.getJson<{ metadata: { annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] } }>(['job', 'manual', '-n', ns]);
    expect(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'tick', controller: true })]);
    expect(rowsByName(await w.kubectl.ok(['get', 'job', 'manual', '-n', ns])).get('manual')).toMatchObject({ STATUS: 'Complete', COMPLETIONS: '1/1' });
  });
});

describe('garbage collection and namespace deletion', () => {
  async function deployment(ns: string, name: string, replicas = 2): Promise<string> {
    await w.kubectl.ok(['create', 'deployment', name, '--image=example/web', `--replicas=${replicas}`, '-n', ns]);
    expect(lastLine(await w.rolloutStatus(ns, `deployment/${name}`))).toBe(`deployment "${name}" successfully rolled out`);
    const rss = (await w.getJson<ListJson<ReplicaSetJson>>(['replicasets', '-n', ns, '-l', `app=${name}`])).items;
    expect(rss).toHaveLength(1);
    return rss[0].metadata.name;
  }

  test('delete deployment (background): its ReplicaSet and pods go too', async () => {
    const ns = await w.namespace('gc-bg');
    await deployment(ns, 'a');
    expect(await w.kubectl.ok(['delete', 'deployment', 'a', '-n', ns])).toBe('deployment.apps "a" deleted\n');
    await eventually(async () => (await w.getJson<ListJson<unknown>>(['replicasets,pods', '-n', ns, '-l', 'app=a'])).items.length === 0, {
      timeoutMs: 20_000,
      what: 'ReplicaSet and pods of deployment a gone',
    });
  });

  test('delete --cascade=orphan keeps the ReplicaSet and pods, without the owner reference', async () => {
    const ns = await w.namespace('gc-orphan');
    const rsName = await deployment(ns, 'b');
    expect(await w.kubectl.ok(['delete', 'deployment', 'b', '-n', ns, '--cascade=orphan'])).toBe('deployment.apps "b" deleted\n');
    expect((await w.kubectl.fails(['get', 'deployment', 'b', '-n', ns])).stderr).toBe('Error from server (NotFound): deployments.apps "b" not found\n');
    const rs = await w.getJson<ReplicaSetJson>(['replicaset', rsName, '-n', ns]);
    expect(rs.metadata.ownerReferences ?? []).toEqual([]);
    expect(rs.spec.replicas).toBe(2);
    const pods = await w.livePods(ns, 'app=b');
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: rsName, controller: true })]);
    expect(rowsByName(await w.kubectl.ok(['get', 'replicaset', rsName, '-n', ns])).get(rsName)).toMatchObject({ DESIRED: '2', CURRENT: '2', READY: '2' });
  });

  test('delete --cascade=foreground: the owner waits with the foregroundDeletion finalizer until its dependents are gone', async () => {
    const ns = await w.namespace('gc-fg');
    const rsName = await deployment(ns, 'c');
    const cols = { NAME: '.metadata.name', DEL: '.metadata.deletionTimestamp', FIN: '.metadata.finalizers', RV: '.metadata.resourceVersion' };
    await withObjectWatch(w.kubectl, ['deployments', '-n', ns], cols, (deploys) =>
      withObjectWatch(w.kubectl, ['replicasets', '-n', ns], cols, (rss) =>
        withObjectWatch(w.kubectl, ['pods', '-n', ns], cols, async (pods) => {
          // kubectl waits for the deletion to finish.
          expect(await w.kubectl.ok(['delete', 'deployment', 'c', '-n', ns, '--cascade=foreground'])).toBe('deployment.apps "c" deleted\n');
          const gone = async (watch: typeof pods, n: number) => watch.waitForState((s) => s.size === 0 && watch.events().filter((e) => e.type === 'DELETED').length === n, 15_000, 'DELETED events');
          await gone(deploys, 1);
          await gone(rss, 1);
          await gone(pods, 2);

          // The owner first gets deletionTimestamp + foregroundDeletion (it stays visible) …
          const marked = deploys.events().find((e) => e.type === 'MODIFIED' && e.fields.DEL !== '');
          expect(marked?.fields.FIN).toBe('[foregroundDeletion]');
          // … its ReplicaSet is deleted in the foreground too (blockOwnerDeletion), and only
          // after the pods and the ReplicaSet are gone is the Deployment removed. Resource
          // versions are lite's storage revisions (integers), so they order events across watches.
          const rv = (e: { fields: Readonly<Record<string, string>> } | undefined) => BigInt(e?.fields.RV ?? '-1');
          const rsDeleted = rss.events().find((e) => e.type === 'DELETED');
          const podsDeleted = pods.events().filter((e) => e.type === 'DELETED');
          const deployDeleted = deploys.events().find((e) => e.type === 'DELETED');
          expect(rss.events().find((e) => e.type === 'MODIFIED' && e.fields.DEL !== '')?.fields.FIN).toBe('[foregroundDeletion]');
          expect(rsDeleted?.fields.NAME).toBe(rsName);
          for (const p of podsDeleted) {
            expect(rv(p)).toBeGreaterThan(rv(marked));
            expect(rv(p)).toBeLessThan(rv(rsDeleted));
          }
          expect(rv(rsDeleted)).toBeLessThan(rv(deployDeleted));
          expect(deploys.stderr + rss.stderr + pods.stderr).toBe('');
        }),
      ),
    );
  });

  test('delete namespace: Terminating meanwhile, then everything in it is gone', async () => {
    const ns = await w.namespace('ns-del');
    await deployment(ns, 'd', 3);
    await w.kubectl.ok(['create', 'configmap', 'cm', '--from-literal=a=b', '-n', ns]);
    await w.kubectl.ok(['create', 'secret', 'generic', 's', '--from-literal=a=b', '-n', ns]);
    await w.kubectl.ok(['create', 'service', 'clusterip', 'svc', '--tcp=80:80', '-n', ns]);
    await w.kubectl.ok(['create', 'job', 'j', '--image=example/job', '-n', ns]);
    await withObjectWatch(w.kubectl, ['namespace', ns], { NAME: '.metadata.name', PHASE: '.status.phase', DEL: '.metadata.deletionTimestamp' }, async (watch) => {
      expect(await w.kubectl.ok(['delete', 'namespace', ns], { timeoutMs: 60_000 })).toBe(`namespace "${ns}" deleted\n`);
      await watch.waitForEvent((e) => e.type === 'DELETED', 10_000, 'the namespace DELETED');
      const evs = watch.events();
      const terminating = evs.filter((e) => e.type === 'MODIFIED' && e.fields.PHASE === 'Terminating');
      expect(terminating.length).toBeGreaterThan(0);
      expect(terminating[0].fields.DEL).not.toBe('');
      expect(evs[evs.length - 1].type).toBe('DELETED');
    });
    expect((await w.kubectl.fails(['get', 'namespace', ns])).stderr).toBe(`Error from server (NotFound): namespaces "${ns}" not found\n`);
    // Nothing left behind: a namespace of the same name starts empty.
    await w.kubectl.ok(['create', 'namespace', ns]);
    const left = await w.getJson<ListJson<{ kind: string; metadata: { name: string } }>>(['all,configmaps,secrets,jobs,replicasets', '-n', ns]);
    // Only what the controllers put into every new namespace.
    expect(left.items.map((i) => `${i.kind}/${i.metadata.name}`).filter((n) => n !== 'ConfigMap/kube-root-ca.crt')).toEqual([]);
  });
  test('kubectl delete -f of a manifest holding a namespace and objects in it succeeds (the namespace is emptied after 5 s, as upstream)', async () => {
    const ns = `manifest-${Date.now().toString(36)}`;
    const manifest = [
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ${ns}\ndata:\n  a: "1"\n`,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ${ns}\nstringData:\n  a: "1"\n`,
    ].join('---\n');
    await w.kubectl.ok(['apply', '-f', '-'], { input: manifest });
    // kubectl deletes in file order: the namespace first, then each object, which must still exist.
    const out = await w.kubectl.run(['delete', '-f', '-'], { input: manifest, timeoutMs: 60_000 });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`namespace "${ns}" deleted\nconfigmap "cfg" deleted\nsecret "s" deleted\n`);
  });
});

describe('PodDisruptionBudget, Endpoints, EndpointSlices, ServiceAccounts', () => {
  test('a new namespace gets the default ServiceAccount', async () => {
    const ns = await w.namespace('sa');
    const row = await eventually(async () => {
      const r = await w.kubectl.run(['get', 'serviceaccount', 'default', '-n', ns]);
      return r.code === 0 && r.stderr === '' ? rowsByName(r.stdout).get('default') : undefined;
    }, { timeoutMs: 10_000, what: 'serviceaccount default' });
    expect(row).toMatchObject({ NAME: 'default', SECRETS: '0' });
  });

  test('PDB ALLOWED DISRUPTIONS; Endpoints list the Ready pods, EndpointSlices all pods with their readiness', async () => {
    const ns = await w.namespace('svc');
    await w.kubectl.ok(['create', 'deployment', 'web', '--image=example/web', '--replicas=3', '--port=80', '-n', ns]);
    expect(lastLine(await w.rolloutStatus(ns, 'deployment/web'))).toBe('deployment "web" successfully rolled out');
    expect(await w.kubectl.ok(['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=2', '-n', ns])).toBe('poddisruptionbudget.policy/web created\n');
    expect(await w.kubectl.ok(['create', 'poddisruptionbudget', 'strict', '--selector=app=web', '--max-unavailable=0', '-n', ns])).toBe('poddisruptionbudget.policy/strict created\n');
    expect(await w.kubectl.ok(['expose', 'deployment', 'web', '--port=80', '-n', ns])).toBe('service/web exposed\n');

    const pdbs = await eventually(
      async () => {
        const t = rowsByName(await w.kubectl.ok(['get', 'pdb', '-n', ns]));
        return t.get('web')?.['ALLOWED DISRUPTIONS'] === '1' && t.get('strict')?.['ALLOWED DISRUPTIONS'] === '0' ? t : undefined;
      },
      { timeoutMs: 10_000, what: 'PDB status' },
    );
    expect(pdbs.get('web')).toMatchObject({ 'MIN AVAILABLE': '2', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '1' });
    expect(pdbs.get('strict')).toMatchObject({ 'MIN AVAILABLE': 'N/A', 'MAX UNAVAILABLE': '0', 'ALLOWED DISRUPTIONS': '0' });

    const ready = (await w.livePods(ns, 'app=web')).map((p) => p.status.podIP ?? '');
    expect(ready.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    const sortIps = (a: string[]) => [...a].sort();
    await eventually(
      async () => {
        const ep = rowsByName(await w.kubectl.ok(['get', 'endpoints', 'web', '-n', ns])).get('web');
        return ep && sortIps(ep.ENDPOINTS.split(',')).join(',') === sortIps(ready.map((ip) => `${ip}:80`)).join(',');
      },
      { timeoutMs: 10_000, what: 'endpoints web = the three pod IPs' },
    );
    const slices = parseTable(await w.kubectl.ok(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web']));
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ ADDRESSTYPE: 'IPv4', PORTS: '80' });
    expect(slices[0].NAME).toMatch(/^web-[a-z0-9]{5}$/);
    expect(sortIps(slices[0].ENDPOINTS.split(','))).toEqual(sortIps(ready));

    // A matching pod that never becomes Ready: notReadyAddresses in Endpoints, ready=false in the slice.
    await w.kubectl.ok(['run', 'slow', '--image=example/web', '--labels=app=web', '--annotations=lite.dev/sim-ready-delay=never', '-n', ns]);
    const slowIp = await eventually(
      async () => {
        const pod = await w.getJson<PodJson>(['pod', 'slow', '-n', ns]);
        return pod.status.phase === 'Running' && pod.status.podIP ? pod.status.podIP : undefined;
      },
      { timeoutMs: 10_000, what: 'pod slow Running with an IP' },
    );
    const notReady = await eventually(
      async () => {
        const ip = await w.kubectl.ok(['get', 'endpoints', 'web', '-n', ns, '-o', 'jsonpath={.subsets[*].notReadyAddresses[*].ip}']);
        return ip === slowIp ? ip : undefined;
      },
      { timeoutMs: 10_000, what: 'the slow pod in notReadyAddresses' },
    );
    expect(notReady).toBe(slowIp);
    const ep = rowsByName(await w.kubectl.ok(['get', 'endpoints', 'web', '-n', ns])).get('web');
    expect(sortIps(ep?.ENDPOINTS.split(',') ?? [])).toEqual(sortIps(ready.map((ip) => `${ip}:80`)));
    const sliceEndpoints = await w.kubectl.ok([
      'get',
      'endpointslices',
      '-n',
      ns,
      '-l',
      'kubernetes.io/service-name=web',
      '-o',
      'jsonpath={range .items[*].endpoints[*]}{.addresses[0]}={.conditions.ready}{"\\n"}{end}',
    ]);
    const byIp = new Map(sliceEndpoints.trim().split('\n').map((l) => l.split('=') as [string, string]));
    expect(byIp.get(slowIp)).toBe('false');
    for (const ip of ready) expect(byIp.get(ip)).toBe('true');
    expect(byIp.size).toBe(4);

    // The PDB counts the not-ready pod as expected but not healthy.
    const pdb = await eventually(
      async () => {
        const p = await w.getJson<{ status: { currentHealthy: number; desiredHealthy: number; expectedPods: number; disruptionsAllowed: number } }>(['pdb', 'web', '-n', ns]);
        return p.status.expectedPods === 4 ? p : undefined;
      },
      { timeoutMs: 10_000, what: 'PDB web counting four pods' },
    );
    expect(pdb.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1 });
  });
});
