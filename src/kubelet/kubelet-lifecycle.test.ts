/**
 * postStart and preStop hooks, graceful termination (SIGTERM, SIGKILL after the grace period),
 * deleted pods removed from the API once their containers stopped, and terminal phases.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import { resources } from '../client/client.js';
import type { SimBehaviour } from '../runtime/sim/sim-runtime.js';
import { boundPod, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

async function containerLog(h: Harness, id: string): Promise<string> {
  let out = '';
  for await (const chunk of h.runtime.logs(id, { follow: false, timestamps: false })) out += Buffer.from(chunk).toString('utf8');
  return out;
}

describe('kubelet: lifecycle and termination', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('runs postStart before the container counts as started; a failing one kills and restarts it', async () => {
    let hookOk = true;
    const execs: string[] = [];
    h = await startHarness({
      behaviour: (): SimBehaviour => ({
        exec: (argv) => {
          execs.push(argv.join(' '));
          return { exitCode: hookOk ? 0 : 1, stdout: hookOk ? '' : 'hook broke' };
        },
      }),
    });
    await h.createPod(boundPod('hooked', { containers: [{ name: 'c', image: 'app:1', lifecycle: { postStart: { exec: { command: ['setup', '--fast'] } } } }] }));
    await h.until(async () => statusOf(await h.getPod('hooked')).phase === 'Running', 'Running');
    expect(execs).toEqual(['setup --fast']);
    hookOk = false;
    await h.createPod(boundPod('badhook', { containers: [{ name: 'c', image: 'app:1', lifecycle: { postStart: { exec: { command: ['setup'] } } } }] }));
    await h.until(async () => (await h.events()).some((e) => e.reason === 'FailedPostStartHook'), 'FailedPostStartHook');
    const events = (await h.events()).filter((e) => (e.involvedObject as JsonObject).name === 'badhook').map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Warning FailedPostStartHook: PostStartHook failed');
    expect(events).toContain('Normal Killing: FailedPostStartHook');
    await h.until(async () => ((containerStatus(await h.getPod('badhook'), 'c')?.state as JsonObject | undefined)?.waiting as JsonObject | undefined)?.reason === 'PostStartHookError', 'PostStartHookError');
    const w = (containerStatus(await h.getPod('badhook'), 'c')?.state as JsonObject).waiting as JsonObject;
    expect(w.message).toMatch(/^Exec lifecycle hook \(\[setup\]\) for Container "c" in Pod "badhook_default\(.+\)" failed - error: .*, message: "hook broke"$/);
    // It is retried (with crash-loop back-off), a new instance each time.
    await h.until(async () => (containerStatus(await h.getPod('badhook'), 'c')?.restartCount as number) >= 1, 'a retry', { stepMs: 1000, maxSteps: 30 });
  });

  it('deletes a pod gracefully: preStop, SIGTERM, final status, then removes it from the API and the runtime', async () => {
    const execs: string[] = [];
    h = await startHarness({ behaviour: (): SimBehaviour => ({ onTerm: 'exit', termExitCode: 0, exec: (argv) => (execs.push(argv.join(' ')), { exitCode: 0 }) }) });
    await h.createPod(boundPod('web', { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'app:1', lifecycle: { preStop: { exec: { command: ['drain'] } } } }] }));
    await h.until(async () => statusOf(await h.getPod('web')).phase === 'Running', 'Running');
    const uid = (await h.getPod('web'))?.metadata.uid;
    const statuses: string[] = [];
    const watcher = new AbortController();
    void (async () => {
      for await (const ev of h.api.client.watch(resources.pods, 'default', { signal: watcher.signal, resourceVersion: (await h.getPod('web'))?.metadata.resourceVersion })) {
        if (ev.type === 'MODIFIED' || ev.type === 'DELETED') statuses.push(`${ev.type} ${String(statusOf(ev.object).phase)}`);
      }
    })().catch(() => undefined);
    await h.api.client.delete(resources.pods, 'default', 'web');
    await h.until(async () => (await h.getPod('web')) === undefined, 'the pod to be gone');
    watcher.abort();
    expect(execs).toEqual(['drain']);
    // The final status is written (the container exited 0 on SIGTERM: Succeeded) before the pod is deleted.
    expect(statuses).toContain('MODIFIED Succeeded');
    expect(statuses.at(-1)).toBe('DELETED Succeeded');
    const events = (await h.events()).map((e) => `${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Killing: Stopping container c');
    await h.until(async () => (await h.runtime.listContainers()).length === 0 && (await h.runtime.listPodSandboxes()).length === 0, 'the runtime to be empty');
    expect(uid).toBeDefined();
  });

  it('kills a container that ignores SIGTERM when the grace period ends', async () => {
    h = await startHarness({ behaviour: (): SimBehaviour => ({ onTerm: 'ignore' }) });
    await h.createPod(boundPod('stubborn', { terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('stubborn')).phase === 'Running', 'Running');
    await h.api.client.delete(resources.pods, 'default', 'stubborn');
    const deletedAt = h.clock.now();
    await h.advance(15_000, 1000);
    expect(await h.getPod('stubborn')).toBeDefined();
    expect((await h.runtime.listContainers())[0]?.state).toBe('running');
    await h.until(async () => (await h.getPod('stubborn')) === undefined, 'the pod to be gone', { stepMs: 1000, maxSteps: 15 });
    const elapsed = h.clock.now() - deletedAt;
    expect(elapsed).toBeGreaterThanOrEqual(20_000);
    expect(elapsed).toBeLessThanOrEqual(23_000);
  });

  it('uses the deletion grace period over the pod spec, at least 2 s', async () => {
    h = await startHarness({ behaviour: (): SimBehaviour => ({ onTerm: 'ignore' }) });
    await h.createPod(boundPod('quick', { terminationGracePeriodSeconds: 300, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('quick')).phase === 'Running', 'Running');
    await h.api.client.delete(resources.pods, 'default', 'quick', { gracePeriodSeconds: 5 });
    let t0 = h.clock.now();
    await h.until(async () => (await h.getPod('quick')) === undefined, 'deletion', { stepMs: 1000, maxSteps: 10 });
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(5000);
    expect(h.clock.now() - t0).toBeLessThanOrEqual(7000);
    await h.until(async () => (await h.runtime.listContainers()).length === 0, 'the container to be removed');
    // `kubectl delete --grace-period=0` asks for 1 s: the kubelet still gives 2 s.
    await h.createPod(boundPod('quicker', { terminationGracePeriodSeconds: 300, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('quicker')).phase === 'Running', 'Running');
    await h.api.client.delete(resources.pods, 'default', 'quicker', { gracePeriodSeconds: 1 });
    t0 = h.clock.now();
    await h.until(async () => (await h.getPod('quicker')) === undefined, 'deletion', { stepMs: 500, maxSteps: 10 });
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(2000);
  });

  it('stops the containers of a force-deleted pod within its own grace period, as upstream', async () => {
    h = await startHarness({ behaviour: (): SimBehaviour => ({ onTerm: 'ignore' }) });
    await h.createPod(boundPod('forced', { terminationGracePeriodSeconds: 10, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('forced')).phase === 'Running', 'Running');
    await h.api.client.delete(resources.pods, 'default', 'forced', { gracePeriodSeconds: 0 });
    const t0 = h.clock.now();
    expect(await h.getPod('forced')).toBeUndefined();
    await h.until(async () => (await h.runtime.listContainers()).length === 0 && (await h.runtime.listPodSandboxes()).length === 0, 'the runtime to be empty', { stepMs: 1000, maxSteps: 20 });
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    const events = (await h.events()).map((e) => `${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Killing: Stopping container c');
  });

  it('shortens the grace period when the pod is deleted again with a shorter one', async () => {
    h = await startHarness({ behaviour: (): SimBehaviour => ({ onTerm: 'ignore' }) });
    await h.createPod(boundPod('slowstop', { terminationGracePeriodSeconds: 120, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('slowstop')).phase === 'Running', 'Running');
    await h.api.client.delete(resources.pods, 'default', 'slowstop');
    const t0 = h.clock.now();
    await h.advance(10_000, 1000);
    expect((await h.runtime.listContainers())[0]?.state).toBe('running');
    await h.api.client.delete(resources.pods, 'default', 'slowstop', { gracePeriodSeconds: 3 });
    await h.until(async () => (await h.getPod('slowstop')) === undefined, 'the pod to be gone', { stepMs: 1000, maxSteps: 10 });
    expect(h.clock.now() - t0).toBeLessThan(20_000);
  });

  it('stops at once while a pod is terminating, and the restarted kubelet finishes the termination', async () => {
    h = await startHarness({ behaviour: (): SimBehaviour => ({ onTerm: 'ignore' }) });
    await h.createPod(boundPod('long', { terminationGracePeriodSeconds: 60, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('long')).phase === 'Running', 'Running');
    await h.api.client.delete(resources.pods, 'default', 'long');
    await h.advance(2000, 1000);
    // No clock advance is pending: stop must not wait for the 60 s stop to finish.
    let stopped = false;
    void h.kubelet.stop().then(() => (stopped = true));
    await h.until(() => stopped, 'stop() to return');
    await h.restartKubelet();
    await h.until(async () => (await h.getPod('long')) === undefined, 'the pod to be gone', { stepMs: 1000, maxSteps: 70 });
  });

  it('fails a pod that outlives activeDeadlineSeconds (DeadlineExceeded)', async () => {
    h = await startHarness();
    await h.createPod(boundPod('deadline', { activeDeadlineSeconds: 30, terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('deadline')).phase === 'Running', 'Running');
    const t0 = h.clock.now();
    await h.until(async () => statusOf(await h.getPod('deadline')).phase === 'Failed', 'Failed', { stepMs: 1000, maxSteps: 40 });
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(29_000);
    const st = statusOf(await h.getPod('deadline'));
    expect(st).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(((containerStatus(await h.getPod('deadline'), 'c')?.state as JsonObject).terminated as JsonObject).exitCode).toBe(137);
    const events = (await h.events()).map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Normal DeadlineExceeded: Pod was active on the node longer than the specified deadline');
    // It stays Failed: nothing restarts it.
    await h.advance(60_000, 10_000);
    expect(statusOf(await h.getPod('deadline')).phase).toBe('Failed');
    expect((await h.runtime.listContainers()).every((c) => c.state === 'exited')).toBe(true);
  });

  it('keeps logs of a completed pod and removes everything when it is deleted', async () => {
    h = await startHarness();
    await h.createPod(boundPod('job', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'lite-test/busybox:1', command: ['sh', '-c', 'echo done'] }] }));
    await h.until(async () => statusOf(await h.getPod('job')).phase === 'Succeeded', 'Succeeded', { stepMs: 1000 });
    const id = String(containerStatus(await h.getPod('job'), 'c')?.containerID).replace('sim://', '');
    expect(await containerLog(h, id)).toBe('done\n');
    await h.api.client.delete(resources.pods, 'default', 'job');
    await h.until(async () => (await h.getPod('job')) === undefined && (await h.runtime.listContainers()).length === 0, 'the pod and its container to be gone');
  });
});
