/**
 * kubectl as a user drives `bin/lite server --simulate-nodes 3` (no Docker): the commands whose
 * answers depend on the simulated kubelets and on details a user sees — what kubectl prints on
 * stdout and stderr, compared with what it prints against a real cluster.
 *
 * Pod streams: a simulated container writes nothing, so `kubectl logs` (also -f, --previous,
 * --tail, --timestamps) prints nothing, and `-f` returns when the pod is deleted; exec, attach,
 * cp and port-forward fail with a BadRequest naming the simulated node — never "error dialing
 * backend" (500) or a hang.
 */
import { describe, expect, test } from 'vitest';
import { useCluster } from './support/cluster.js';
import { SimWorkloads } from './support/sim-workloads.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ args: ['--simulate-nodes', '3'] });
const w = new SimWorkloads(ctx);

describe('kubectl logs, exec, attach, cp and port-forward on simulated nodes', () => {
  let ns = '';
  let node = '';

  test('kubectl logs of a simulated container is empty, with any options', async () => {
    ns = await w.namespace('streams');
    expect(await w.kubectl.ok(['run', 'quiet', '--image=example/app', '-n', ns])).toBe('pod/quiet created\n');
    await w.kubectl.ok(['wait', '--for=condition=Ready', 'pod/quiet', '-n', ns, '--timeout=30s']);
    node = (await w.kubectl.ok(['get', 'pod', 'quiet', '-n', ns, '-o', 'jsonpath={.spec.nodeName}'])).trim();
    expect(node).toMatch(/^sim-node-\d$/);
    for (const extra of [[], ['--tail=5'], ['--timestamps'], ['--since=1h'], ['--limit-bytes=10'], ['-c', 'quiet'], ['--all-containers']]) {
      expect(await w.kubectl.ok(['logs', 'quiet', '-n', ns, ...extra])).toBe('');
    }
  });

  test('kubectl logs --previous of a container that never restarted: the kubelet\'s BadRequest', async () => {
    const r = await w.kubectl.fails(['logs', 'quiet', '-n', ns, '--previous']);
    expect(r.stderr).toBe('Error from server (BadRequest): previous terminated container "quiet" in pod "quiet" not found\n');
  });

  test('kubectl logs -f waits while the container runs and returns when the pod is deleted', async () => {
    const follow = w.kubectl.start(['logs', '-f', 'quiet', '-n', ns]);
    try {
      const early = await Promise.race([follow.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('running'), 1500))]);
      expect(early).toBe('running');
      await w.kubectl.ok(['delete', 'pod', 'quiet', '-n', ns, '--wait=false']);
      const ended = await Promise.race([follow.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000))]);
      expect(ended).toEqual({ code: 0, signal: null });
      expect(follow.stdout).toBe('');
      expect(follow.stderr).toBe('');
    } finally {
      follow.child.kill();
    }
  });

  test('kubectl logs of a Job\'s finished pod is empty', async () => {
    expect(await w.kubectl.ok(['create', 'job', 'once', '--image=example/job', '-n', ns])).toBe('job.batch/once created\n');
    await w.kubectl.ok(['wait', '--for=condition=Complete', 'job/once', '-n', ns, '--timeout=30s']);
    expect(await w.kubectl.ok(['logs', 'job/once', '-n', ns])).toBe('');
    expect(await w.kubectl.ok(['logs', '-f', 'job/once', '-n', ns], { timeoutMs: 15_000 })).toBe('');
  });

  test('exec, attach, cp and port-forward: a BadRequest naming the simulated node, at once', async () => {
    expect(await w.kubectl.ok(['run', 'target', '--image=example/app', '-n', ns])).toBe('pod/target created\n');
    await w.kubectl.ok(['wait', '--for=condition=Ready', 'pod/target', '-n', ns, '--timeout=30s']);
    node = (await w.kubectl.ok(['get', 'pod', 'target', '-n', ns, '-o', 'jsonpath={.spec.nodeName}'])).trim();
    const why = (what: string) => `pod target runs on simulated node "${node}" (lite server --simulate-nodes): its containers are simulated, with ${what}`;
    const exec = await w.kubectl.fails(['exec', 'target', '-n', ns, '--', 'ls'], { timeoutMs: 15_000 });
    expect(exec.stderr).toBe(`Error from server (BadRequest): ${why('no processes to exec into')}\n`);
    const execIt = await w.kubectl.fails(['exec', '-i', 'target', '-n', ns, '--', 'sh'], { timeoutMs: 15_000 });
    expect(execIt.stderr).toBe(`Error from server (BadRequest): ${why('no processes to exec into')}\n`);
    const attach = await w.kubectl.fails(['attach', 'target', '-n', ns], { timeoutMs: 15_000 });
    expect(attach.stderr).toContain(`Error from server (BadRequest): ${why('no processes to attach to')}\n`);
    const cp = await w.kubectl.fails(['cp', `${ns}/target:/etc/hostname`, `${ctx.tmp}/hostname`], { timeoutMs: 15_000 });
    expect(cp.stderr).toContain(why('no processes to exec into'));
    const pf = await w.kubectl.fails(['port-forward', 'pod/target', '-n', ns, ':80'], { timeoutMs: 15_000 });
    expect(pf.stderr).toContain(`error: error upgrading connection: ${why('no ports to forward to')}\n`);
  });
});

describe('LimitRange and ResourceQuota admission as kubectl shows it', () => {
  test('LimitRange defaults satisfy a quota that requires limits; max and quota refusals in upstream words', async () => {
    const ns = await w.namespace('limits');
    await w.kubectl.ok(['create', 'quota', 'q1', '-n', ns, '--hard=pods=2,requests.cpu=1,limits.memory=1Gi']);
    await w.apply(ns, `
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
  - type: Container
    default: {cpu: 200m, memory: 128Mi}
    defaultRequest: {cpu: 100m, memory: 64Mi}
    max: {cpu: "1"}
`);
    // The quota is enforced once the controller has calculated it.
    await eventually(async () => (await w.kubectl.ok(['get', 'quota', 'q1', '-n', ns, '-o', 'jsonpath={.status.used.pods}'])) === '0', { timeoutMs: 15_000, what: 'the quota calculated' });
    expect(await w.kubectl.ok(['run', 'a', '-n', ns, '--image=x'])).toBe('pod/a created\n');
    const a = JSON.parse(await w.kubectl.ok(['get', 'pod', 'a', '-n', ns, '-o', 'json'])) as { metadata: { annotations: Record<string, string> }; spec: { containers: { resources: unknown }[] } };
    expect(a.spec.containers[0].resources).toEqual({ limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    expect(a.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a');

    const big = await w.kubectl.fails(['run', 'big', '-n', ns, '--image=x', '--overrides={"spec":{"containers":[{"name":"big","image":"x","resources":{"limits":{"cpu":"2"}}}]}}']);
    expect(big.stderr).toBe('Error from server (Forbidden): pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n');

    expect(await w.kubectl.ok(['run', 'b', '-n', ns, '--image=x'])).toBe('pod/b created\n');
    const third = await w.kubectl.fails(['run', 'c', '-n', ns, '--image=x']);
    expect(third.stderr).toBe('Error from server (Forbidden): pods "c" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2\n');

    // A ReplicaSet's refused pod is named in the FailedCreate event, as upstream's validating admission sees it.
    await w.kubectl.ok(['create', 'deployment', 'more', '-n', ns, '--image=x']);
    await eventually(async () => {
      const events = await w.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
      expect(events).toMatch(/^Error creating: pods "more-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2/);
      return true;
    }, { timeoutMs: 15_000, what: 'the FailedCreate event' });
  });
});

describe('kubectl drain with a PodDisruptionBudget', () => {
  test('drain evicts a node\'s pods in parallel within the budget, without conflicts', async () => {
    const ns = await w.namespace('drain');
    await w.kubectl.ok(['create', 'deployment', 'web', '-n', ns, '--image=x', '--replicas=9']);
    await w.rolloutStatus(ns, 'deployment/web');
    await w.kubectl.ok(['create', 'pdb', 'budget', '-n', ns, '--selector=app=web', '--min-available=3']);
    await eventually(async () => (await w.kubectl.ok(['get', 'pdb', 'budget', '-n', ns, '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '6', { timeoutMs: 15_000, what: 'the budget calculated' });
    const pods = await w.livePods(ns, 'app=web');
    const busiest = [...SimWorkloads.perNode(pods).entries()].sort((x, y) => y[1] - x[1])[0][0];
    try {
      // Only this namespace's pods: other files' workloads are not ours to move.
      const r = await w.kubectl.run(['drain', busiest, '--pod-selector=app=web', '--timeout=60s'], { timeoutMs: 90_000 });
      expect(r.stderr).not.toContain('the object has been modified');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`node/${busiest} drained`);
      await eventually(async () => {
        const after = await w.livePods(ns, 'app=web');
        expect(after.filter((p) => p.spec.nodeName === busiest)).toEqual([]);
        return true;
      }, { timeoutMs: 15_000, what: 'the node emptied' });
    } finally {
      await w.kubectl.ok(['uncordon', busiest]);
    }
  });
});

describe('kubectl get componentstatuses', () => {
  const deprecation = 'Warning: v1 ComponentStatus is deprecated in v1.19+\n';

  test('lists the scheduler, the controller manager and the datastore as Healthy, with upstream\'s deprecation warning', async () => {
    const r = await w.kubectl.run(['get', 'componentstatuses']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(deprecation);
    expect(r.stdout.split('\n').map((l) => l.trimEnd())).toEqual([
      'NAME                 STATUS    MESSAGE   ERROR',
      'scheduler            Healthy   ok',
      'controller-manager   Healthy   ok',
      'etcd-0               Healthy   ok',
      '',
    ]);
  });

  test('cs is its short name; one component reads as a ComponentStatus; an unknown one is NotFound', async () => {
    const one = await w.kubectl.run(['get', 'cs', 'etcd-0', '-o', 'json']);
    expect(one.stderr).toBe(deprecation);
    expect(JSON.parse(one.stdout)).toEqual({
      apiVersion: 'v1',
      kind: 'ComponentStatus',
      metadata: { name: 'etcd-0', creationTimestamp: null },
      conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
    });
    const missing = await w.kubectl.fails(['get', 'cs', 'kubelet']);
    expect(missing.stderr).toBe(`${deprecation}Error from server (NotFound): componentstatus "kubelet" not found\n`);
  });

  test('it is read-only: delete is refused as upstream refuses it (no route, so no deprecation warning)', async () => {
    const r = await w.kubectl.fails(['delete', 'cs', 'scheduler']);
    expect(r.stderr).toBe('Error from server (MethodNotAllowed): the server does not allow this method on the requested resource\n');
  });
});
