/**
 * Probes: readiness gates Ready (httpGet, exec, tcpSocket), timing fields (initialDelaySeconds,
 * periodSeconds, thresholds), Unhealthy events, liveness failures restarting the container, and
 * startup probes holding off the other probes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import type { SimBehaviour } from '../runtime/sim/sim-runtime.js';
import { boundPod, condition, containerStatus, startHarness, type Harness } from './testing/kubelet-harness.js';

const probe = (handler: JsonObject, timing: JsonObject = {}): JsonObject => ({ ...handler, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, ...timing });

describe('kubelet: probes', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('becomes Ready when the httpGet readiness probe passes, after initialDelaySeconds', async () => {
    h = await startHarness();
    await h.createPod(
      boundPod('web', {
        containers: [{ name: 'web', image: 'app:1', command: ['httpd', '-f', '-p', '8080', '-h', '/www'], readinessProbe: probe({ httpGet: { path: '/', port: 8080 } }, { initialDelaySeconds: 5 }) }],
      }),
    );
    await h.until(async () => containerStatus(await h.getPod('web'), 'web')?.started === true, 'the container to run');
    const started = h.clock.now();
    let pod = await h.getPod('web');
    expect(condition(pod, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
    await h.advance(4000);
    expect(condition(await h.getPod('web'), 'Ready')?.status).toBe('False');
    await h.until(async () => condition(await h.getPod('web'), 'Ready')?.status === 'True', 'Ready', { stepMs: 500, maxSteps: 20 });
    expect(h.clock.now() - started).toBeGreaterThanOrEqual(5000);
    expect(h.clock.now() - started).toBeLessThan(7000);
    pod = await h.getPod('web');
    expect(containerStatus(pod, 'web')?.ready).toBe(true);
    expect(condition(pod, 'ContainersReady')?.status).toBe('True');
  });

  it('goes unready after failureThreshold failed exec probes, with Unhealthy events, and ready again after successThreshold', async () => {
    let healthy = true;
    h = await startHarness({ behaviour: (): SimBehaviour => ({ exec: () => (healthy ? { exitCode: 0 } : { exitCode: 1, stdout: 'not healthy\n' }) }) });
    await h.createPod(boundPod('flaky', { containers: [{ name: 'c', image: 'app:1', readinessProbe: probe({ exec: { command: ['check'] } }, { periodSeconds: 5, failureThreshold: 2, successThreshold: 2 }) }] }));
    await h.until(async () => condition(await h.getPod('flaky'), 'Ready')?.status === 'True', 'Ready');
    healthy = false;
    await h.advance(5000, 1000);
    expect(condition(await h.getPod('flaky'), 'Ready')?.status).toBe('True');
    await h.advance(5000, 1000);
    await h.until(async () => condition(await h.getPod('flaky'), 'Ready')?.status === 'False', 'unready');
    const unhealthy = (await h.events()).filter((e) => e.reason === 'Unhealthy');
    expect(unhealthy).toHaveLength(1);
    expect(unhealthy[0]).toMatchObject({ type: 'Warning', message: 'Readiness probe failed: not healthy\n' });
    // Two failures made it unready; the status update then probes at once (manual trigger), maybe a third.
    expect(unhealthy[0].count as number).toBeGreaterThanOrEqual(2);
    healthy = true;
    const recovered = h.clock.now();
    await h.until(async () => condition(await h.getPod('flaky'), 'Ready')?.status === 'True', 'ready again', { stepMs: 1000, maxSteps: 15 });
    // Two successes in a row, a period apart, were needed.
    expect(h.clock.now() - recovered).toBeGreaterThan(5000);
    // Readiness never restarts anything.
    expect(containerStatus(await h.getPod('flaky'), 'c')?.restartCount).toBe(0);
  });

  it('restarts a container whose liveness probe fails, with upstream events', async () => {
    let live = true;
    h = await startHarness({ behaviour: (): SimBehaviour => ({ exec: () => (live ? { exitCode: 0 } : { exitCode: 1, stdout: 'dead' }) }) });
    await h.createPod(boundPod('sick', { containers: [{ name: 'c', image: 'app:1', livenessProbe: probe({ exec: { command: ['alive'] } }, { periodSeconds: 3, failureThreshold: 3 }) }] }));
    await h.until(async () => condition(await h.getPod('sick'), 'Ready')?.status === 'True', 'Ready');
    live = false;
    await h.until(async () => containerStatus(await h.getPod('sick'), 'c')?.restartCount === 1, 'the liveness restart', { stepMs: 1000, maxSteps: 30 });
    live = true;
    const events = (await h.events()).map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Warning Unhealthy: Liveness probe failed: dead');
    expect(events).toContain('Normal Killing: Container c failed liveness probe, will be restarted');
    const cs = containerStatus(await h.getPod('sick'), 'c');
    // SIGTERM ended it (the simulated process exits on TERM).
    expect(((cs?.lastState as JsonObject).terminated as JsonObject).exitCode).toBe(143);
    // The new instance is probed afresh and stays.
    await h.advance(30_000, 1000);
    expect(containerStatus(await h.getPod('sick'), 'c')?.restartCount).toBe(1);
  });

  it('holds readiness and liveness until the startup probe succeeds, and restarts on startup failure', async () => {
    let up = false;
    h = await startHarness({ behaviour: (): SimBehaviour => ({ exec: (argv) => (argv[0] === 'started' ? { exitCode: up ? 0 : 1 } : { exitCode: 0 }) }) });
    await h.createPod(
      boundPod('slow', {
        containers: [
          {
            name: 'c',
            image: 'app:1',
            startupProbe: probe({ exec: { command: ['started'] } }, { periodSeconds: 2, failureThreshold: 5 }),
            readinessProbe: probe({ exec: { command: ['ready'] } }, { periodSeconds: 2 }),
            livenessProbe: probe({ exec: { command: ['live'] } }, { periodSeconds: 2 }),
          },
        ],
      }),
    );
    await h.until(async () => containerStatus(await h.getPod('slow'), 'c')?.containerID !== undefined, 'running');
    await h.advance(4000);
    let cs = containerStatus(await h.getPod('slow'), 'c');
    expect(cs).toMatchObject({ started: false, ready: false });
    up = true;
    await h.until(async () => containerStatus(await h.getPod('slow'), 'c')?.ready === true, 'ready after startup', { stepMs: 1000, maxSteps: 10 });
    cs = containerStatus(await h.getPod('slow'), 'c');
    expect(cs?.started).toBe(true);

    // A container that never starts is killed after failureThreshold × periodSeconds.
    await h.createPod(boundPod('never-up', { containers: [{ name: 'c', image: 'app:1', command: ['sleep', 'infinity'], startupProbe: probe({ tcpSocket: { port: 9 } }, { periodSeconds: 2, failureThreshold: 3 }) }] }));
    await h.until(async () => containerStatus(await h.getPod('never-up'), 'c')?.restartCount === 1, 'the startup-probe restart', { stepMs: 1000, maxSteps: 20 });
    const events = (await h.events()).map((e) => `${e.reason as string}: ${e.message as string}`);
    expect(events.some((m) => /^Unhealthy: Startup probe failed: dial tcp 10\.42\.1\.\d+:9: connect: connection refused$/.test(m))).toBe(true);
    expect(events).toContain('Killing: Container c failed startup probe, will be restarted');
  });
});
