/**
 * Init containers run one at a time, in order, before app containers; a failing one is retried
 * (or fails a Never pod); sidecars (restartPolicy Always) start in their turn, stay running next
 * to the app containers and gate initialisation on their startup probe.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import type { SimBehaviour } from '../runtime/sim/sim-runtime.js';
import { boundPod, condition, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

const stateOf = (s: JsonObject | undefined) => (s?.state ?? {}) as JsonObject;

describe('kubelet: init containers and sidecars', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('runs init containers in order before the app container', async () => {
    const order: string[] = [];
    h = await startHarness({
      behaviour: (ctx): SimBehaviour => {
        order.push(ctx.container.name);
        return ctx.container.name.startsWith('init') ? { exitAfterMs: 5000, exitCode: 0 } : {};
      },
    });
    await h.createPod(boundPod('ordered', { initContainers: [{ name: 'init-1', image: 'app:1' }, { name: 'init-2', image: 'app:1' }], containers: [{ name: 'app', image: 'app:1' }] }));
    await h.until(async () => containerStatus(await h.getPod('ordered'), 'init-1', true) !== undefined, 'the first status');
    let pod = await h.getPod('ordered');
    expect(statusOf(pod).phase).toBe('Pending');
    expect(condition(pod, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init-1 init-2]' });
    expect(stateOf(containerStatus(pod, 'app')).waiting).toEqual({ reason: 'PodInitializing' });
    expect(order).toEqual(['init-1']);
    await h.until(async () => statusOf(await h.getPod('ordered')).phase === 'Running', 'Running', { stepMs: 1000 });
    expect(order).toEqual(['init-1', 'init-2', 'app']);
    pod = await h.getPod('ordered');
    expect(condition(pod, 'Initialized')?.status).toBe('True');
    expect(stateOf(containerStatus(pod, 'init-2', true)).terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(containerStatus(pod, 'init-1', true)?.ready).toBe(true);
  });

  it('retries a failing init container with back-off, and fails a Never pod at once', async () => {
    let attempts = 0;
    h = await startHarness({
      behaviour: (ctx): SimBehaviour | undefined => {
        if (ctx.container.name !== 'init') return undefined;
        attempts++;
        return { exitAfterMs: 0, exitCode: 1 };
      },
    });
    await h.createPod(boundPod('retry', { initContainers: [{ name: 'init', image: 'app:1' }], containers: [{ name: 'app', image: 'app:1' }] }));
    await h.until(async () => (stateOf(containerStatus(await h.getPod('retry'), 'init', true)).waiting as JsonObject | undefined)?.reason === 'CrashLoopBackOff', 'Init:CrashLoopBackOff', { stepMs: 1000 });
    const pod = await h.getPod('retry');
    expect(statusOf(pod).phase).toBe('Pending');
    expect(containerStatus(pod, 'init', true)?.restartCount as number).toBeGreaterThanOrEqual(1);
    expect((await h.runtime.listContainers()).some((c) => c.name === 'app')).toBe(false);

    const before = attempts;
    await h.createPod(boundPod('never', { restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'app:1' }], containers: [{ name: 'app', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('never')).phase === 'Failed', 'Failed', { stepMs: 1000 });
    expect(attempts).toBeGreaterThan(before);
    const never = await h.getPod('never');
    expect(stateOf(containerStatus(never, 'init', true)).terminated).toMatchObject({ exitCode: 1 });
    expect(containerStatus(never, 'init', true)?.restartCount).toBe(0);
  });

  it('starts a sidecar before the app, waits for its startup probe, keeps it running and restarts it', async () => {
    let sidecarRuns = 0;
    h = await startHarness({
      behaviour: (ctx): SimBehaviour | undefined => {
        if (ctx.container.name !== 'proxy') return undefined;
        sidecarRuns++;
        // The first instance dies after 60 s; later ones keep running.
        return sidecarRuns === 1 ? { exitAfterMs: 60_000, exitCode: 1 } : {};
      },
    });
    await h.createPod(
      boundPod('side', {
        initContainers: [
          {
            name: 'proxy',
            image: 'lite-test/busybox:1',
            restartPolicy: 'Always',
            startupProbe: { exec: { command: ['true'] }, periodSeconds: 5, initialDelaySeconds: 3, failureThreshold: 3, successThreshold: 1, timeoutSeconds: 1 },
          },
        ],
        containers: [{ name: 'app', image: 'app:1' }],
      }),
    );
    await h.until(async () => containerStatus(await h.getPod('side'), 'proxy', true)?.containerID !== undefined, 'the sidecar to run');
    let pod = await h.getPod('side');
    expect(containerStatus(pod, 'proxy', true)?.started).toBe(false);
    expect(await h.runtime.listContainers()).toHaveLength(1);
    await h.until(async () => stateOf(containerStatus(await h.getPod('side'), 'app')).running !== undefined, 'the app container', { stepMs: 1000, maxSteps: 10 });
    pod = await h.getPod('side');
    expect(h.clock.now() - Date.parse(String(statusOf(pod).startTime))).toBeGreaterThanOrEqual(3000);
    expect(containerStatus(pod, 'proxy', true)).toMatchObject({ started: true, ready: true });
    expect(condition(pod, 'Initialized')?.status).toBe('True');
    expect(condition(pod, 'Ready')?.status).toBe('True');
    // The sidecar dies: it is restarted while the app keeps running.
    await h.until(async () => containerStatus(await h.getPod('side'), 'proxy', true)?.restartCount === 1, 'the sidecar restart', { stepMs: 1000, maxSteps: 120 });
    pod = await h.getPod('side');
    expect(containerStatus(pod, 'app')?.restartCount).toBe(0);
    expect(stateOf(containerStatus(pod, 'app')).running).toBeDefined();
  });
});
