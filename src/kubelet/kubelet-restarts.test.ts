/**
 * Restart policies and crash loops: CrashLoopBackOff delays (10 s doubling to 5 min, reset after
 * 10 min of running), BackOff events, restart counts, lastState, exit codes, OOMKilled,
 * termination messages, and what the streaming API sees as current and previous instances.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import type { SimBehaviour } from '../runtime/sim/sim-runtime.js';
import { boundPod, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

const stateOf = (s: JsonObject | undefined) => (s?.state ?? {}) as JsonObject;

describe('kubelet: restarts', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('puts a crashing container into CrashLoopBackOff with doubling delays', async () => {
    h = await startHarness({ behaviour: () => ({ logs: ['crashing'], exitAfterMs: 0, exitCode: 3 }) });
    await h.createPod(boundPod('crash', { containers: [{ name: 'c', image: 'app:1' }] }));
    const cs = async () => containerStatus(await h.getPod('crash'), 'c');
    // Record when each instance started (restartCount increments).
    const starts: number[] = [];
    let last = -1;
    for (let i = 0; i < 900 && starts.length < 6; i++) {
      const s = await cs();
      const rc = typeof s?.restartCount === 'number' ? s.restartCount : -1;
      if (s && rc !== last && (stateOf(s).running || stateOf(s).terminated || (stateOf(s).waiting as JsonObject | undefined)?.reason === 'CrashLoopBackOff')) {
        if (rc > last) starts.push(h.clock.now());
        last = rc;
      }
      await h.advance(1000);
    }
    expect(starts.length).toBe(6);
    const gaps = starts.slice(1).map((t, i) => Math.round((t - starts[i]) / 1000));
    // First restart at once (within a relist), then 10 s, 20 s, 40 s, 80 s (each plus the relist that notices the exit).
    expect(gaps[0]).toBeLessThanOrEqual(2);
    for (const [i, want] of [10, 20, 40, 80].entries()) {
      expect(gaps[i + 1]).toBeGreaterThanOrEqual(want);
      expect(gaps[i + 1]).toBeLessThanOrEqual(want + 2);
    }
    // Between restarts the container waits in CrashLoopBackOff with upstream's message; the last run is lastState.
    await h.until(async () => (stateOf(await cs()).waiting as JsonObject | undefined)?.reason === 'CrashLoopBackOff', 'CrashLoopBackOff', { stepMs: 1000 });
    const s = await cs();
    const pod = await h.getPod('crash');
    expect((stateOf(s).waiting as JsonObject).message).toMatch(new RegExp(`^back-off (2m40s|5m0s) restarting failed container=c pod=crash_default\\(${pod?.metadata.uid ?? ''}\\)$`));
    expect(((s?.lastState as JsonObject).terminated as JsonObject)).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(s?.ready).toBe(false);
    expect(statusOf(pod).phase).toBe('Running');
    const backoffs = (await h.events()).filter((e) => e.reason === 'BackOff');
    expect(backoffs).toHaveLength(1);
    expect(backoffs[0].message).toBe(`Back-off restarting failed container c in pod crash_default(${pod?.metadata.uid ?? ''})`);
    expect(backoffs[0].count as number).toBeGreaterThan(3);
    // Dead instances are garbage-collected: only the newest dead one is kept.
    expect((await h.runtime.listContainers()).length).toBeLessThanOrEqual(2);
    // logs --previous reads lastState's container; plain logs the same while waiting.
    const sp = await h.kubelet.streaming.getPod('default', 'crash');
    const c = sp?.containers.find((x) => x.name === 'c');
    expect(c?.waitingReason).toBe('CrashLoopBackOff');
    expect(c?.previous?.id).toBe(String(((s?.lastState as JsonObject).terminated as JsonObject).containerID).replace('sim://', ''));
  });

  it('starts the back-off over after a container ran for 10 minutes', async () => {
    let run = 0;
    h = await startHarness({ behaviour: (): SimBehaviour => ({ exitAfterMs: [0, 0, 0, 11 * 60_000][run++] ?? 0, exitCode: 1 }) });
    await h.createPod(boundPod('long', { containers: [{ name: 'c', image: 'app:1' }] }));
    const rc = async () => containerStatus(await h.getPod('long'), 'c')?.restartCount;
    // Runs 1-3 crash at once (back-off 0, 10 s, 20 s), run 4 lives 11 minutes.
    await h.until(async () => (await rc()) === 3, 'the fourth run', { stepMs: 1000, maxSteps: 200 });
    await h.advance(11 * 60_000 + 2000, 5000);
    // After a long run the next restart is immediate again, not 40 s later.
    await h.until(async () => (await rc()) === 4, 'the restart after the long run', { stepMs: 1000, maxSteps: 3 });
  });

  it('follows restartPolicy OnFailure and Never, with exit codes and reasons', async () => {
    h = await startHarness({
      behaviour: (ctx): SimBehaviour => {
        if (ctx.sandbox.name === 'ok') return { exitAfterMs: 1000, exitCode: 0 };
        if (ctx.sandbox.name === 'oom') return { exitAfterMs: 1000, oomKilled: true };
        return { exitAfterMs: 1000, exitCode: 2 };
      },
    });
    await h.createPod(boundPod('ok', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'app:1' }] }));
    await h.createPod(boundPod('fails', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'app:1' }] }));
    await h.createPod(boundPod('oom', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'app:1', resources: { limits: { memory: '16Mi' } } }] }));
    const phase = async (n: string) => statusOf(await h.getPod(n)).phase;
    await h.until(async () => (await phase('ok')) === 'Succeeded' && (await phase('fails')) === 'Failed' && (await phase('oom')) === 'Failed', 'terminal phases', { stepMs: 1000 });
    expect(stateOf(containerStatus(await h.getPod('ok'), 'c')).terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(stateOf(containerStatus(await h.getPod('fails'), 'c')).terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(stateOf(containerStatus(await h.getPod('oom'), 'c')).terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    for (const n of ['ok', 'fails', 'oom']) {
      const pod = await h.getPod(n);
      expect(containerStatus(pod, 'c')?.restartCount).toBe(0);
      expect((statusOf(pod).conditions as JsonObject[]).find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: n === 'ok' ? 'PodCompleted' : 'PodFailed' });
    }
    // Terminated pods stay in the API with their containers (for logs); their sandboxes are stopped.
    expect((await h.runtime.listPodSandboxes()).every((s) => s.state === 'notready')).toBe(true);
    expect(await h.runtime.listContainers()).toHaveLength(3);
    // Nothing restarts them later.
    await h.advance(120_000, 10_000);
    expect((await h.runtime.listContainers()).length).toBe(3);
  });

  it('reports the termination message from the file, and the log tail with FallbackToLogsOnError', async () => {
    h = await startHarness();
    await h.createPod(
      boundPod('msg', {
        restartPolicy: 'Never',
        containers: [
          { name: 'file', image: 'lite-test/busybox:1', command: ['sh', '-c', 'echo -n "custom goodbye" > /dev/termination-log; exit 4'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
          { name: 'logs', image: 'lite-test/busybox:1', command: ['sh', '-c', 'echo line1; echo last words; exit 5'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError' },
          { name: 'quiet', image: 'lite-test/busybox:1', command: ['sh', '-c', 'echo not a message; exit 0'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError' },
        ],
      }),
    );
    await h.until(async () => statusOf(await h.getPod('msg')).phase === 'Failed', 'Failed', { stepMs: 1000 });
    const pod = await h.getPod('msg');
    expect(stateOf(containerStatus(pod, 'file')).terminated).toMatchObject({ exitCode: 4, message: 'custom goodbye' });
    expect(stateOf(containerStatus(pod, 'logs')).terminated).toMatchObject({ exitCode: 5, message: 'line1\nlast words\n' });
    expect((stateOf(containerStatus(pod, 'quiet')).terminated as JsonObject).message).toBeUndefined();
  });
});
