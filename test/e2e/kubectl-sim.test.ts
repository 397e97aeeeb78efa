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
