/**
 * A kubelet that restarts adopts the containers it finds by their labels instead of starting them
 * again; containers of pods the API no longer has are stopped and removed; pods whose sandbox
 * died (dockerd restarted) get a new sandbox and their containers back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { LABELS } from '../runtime/container-runtime.js';
import { boundPod, condition, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

describe('kubelet: adoption and recovery', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('adopts running containers after a restart without duplicating them or writing the status again', async () => {
    h = await startHarness();
    await h.createPod(boundPod('web', { initContainers: [{ name: 'init', image: 'lite-test/busybox:1', command: ['true'] }], containers: [{ name: 'a', image: 'app:1' }, { name: 'b', image: 'app:1' }] }));
    await h.until(async () => condition(await h.getPod('web'), 'Ready')?.status === 'True', 'Ready', { stepMs: 1000 });
    await h.kubelet.idle();
    const before = (await h.runtime.listContainers()).map((c) => `${c.name}:${c.id}:${c.state}`).sort();
    const sandboxes = (await h.runtime.listPodSandboxes()).map((s) => s.id);
    const rv = (await h.getPod('web'))?.metadata.resourceVersion;

    await h.restartKubelet();
    await h.kubelet.whenSynced();
    await h.advance(10_000, 1000);
    expect((await h.runtime.listContainers()).map((c) => `${c.name}:${c.id}:${c.state}`).sort()).toEqual(before);
    expect((await h.runtime.listPodSandboxes()).map((s) => s.id)).toEqual(sandboxes);
    expect(h.kubelet.statusWrites()).toBe(0);
    expect((await h.getPod('web'))?.metadata.resourceVersion).toBe(rv);
    // The streaming API knows the adopted containers at once.
    const sp = await h.kubelet.streaming.getPod('default', 'web');
    expect(sp?.containers.map((c) => [c.name, c.current?.running])).toEqual([['init', false], ['a', true], ['b', true]]);
  });

  it('removes containers of pods deleted while the kubelet was down, gracefully or forcibly', async () => {
    h = await startHarness();
    await h.createPod(boundPod('graceful', { containers: [{ name: 'c', image: 'app:1' }] }));
    await h.createPod(boundPod('forced', { containers: [{ name: 'c', image: 'app:1' }] }));
    await h.createPod(boundPod('kept', { containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => (await h.runtime.listContainers()).filter((c) => c.state === 'running').length === 3, 'three running containers');
    await h.kubelet.stop();
    await h.api.client.delete(resources.pods, 'default', 'graceful');
    await h.api.client.delete(resources.pods, 'default', 'forced', { gracePeriodSeconds: 0 });
    expect(statusOf(await h.getPod('graceful')).phase).toBe('Running');
    await h.restartKubelet();
    await h.until(async () => (await h.getPod('graceful')) === undefined, 'the gracefully deleted pod to be removed', { stepMs: 1000, maxSteps: 40 });
    await h.until(async () => (await h.runtime.listContainers()).map((c) => c.labels[LABELS.podName]).join() === 'kept', 'only the kept pod left', { stepMs: 1000, maxSteps: 40 });
    expect((await h.runtime.listPodSandboxes()).map((s) => s.labels[LABELS.podName])).toEqual(['kept']);
  });

  it('removes sandboxes and containers of unknown pods found in the runtime', async () => {
    h = await startHarness();
    const sb = { name: 'ghost', namespace: 'default', uid: 'no-such-uid', attempt: 0, hostname: 'ghost', labels: {}, hostNetwork: false, portMappings: [] };
    const id = await h.runtime.runPodSandbox(sb);
    const cid = await h.runtime.createContainer(id, { name: 'c', attempt: 0, image: 'app:1', env: [], mounts: [], labels: {} }, sb);
    await h.runtime.startContainer(cid);
    await h.until(async () => (await h.runtime.listPodSandboxes()).length === 0 && (await h.runtime.listContainers()).length === 0, 'the orphan to be removed', { stepMs: 1000, maxSteps: 40 });
  });

  it('recreates the sandbox and containers when the sandbox dies (a dockerd restart)', async () => {
    h = await startHarness();
    await h.createPod(boundPod('survivor', { containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => condition(await h.getPod('survivor'), 'Ready')?.status === 'True', 'Ready');
    const [sandbox] = await h.runtime.listPodSandboxes();
    const oldIp = statusOf(await h.getPod('survivor')).podIP;
    // What a dockerd restart leaves: the pause container and the app container stopped.
    await h.runtime.stopPodSandbox(sandbox.id);
    await h.until(async () => containerStatus(await h.getPod('survivor'), 'c')?.restartCount === 1 && condition(await h.getPod('survivor'), 'Ready')?.status === 'True', 'the pod back', { stepMs: 1000, maxSteps: 20 });
    const sandboxes = await h.runtime.listPodSandboxes();
    const ready = sandboxes.filter((s) => s.state === 'ready');
    expect(ready).toHaveLength(1);
    expect(ready[0].id).not.toBe(sandbox.id);
    expect(ready[0].annotations['io.lite.sandbox.attempt']).toBe('1');
    const events = (await h.events()).map((e) => `${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('SandboxChanged: Pod sandbox changed, it will be killed and re-created.');
    const st = statusOf(await h.getPod('survivor'));
    expect(typeof st.podIP).toBe('string');
    expect(oldIp).toBeDefined();
    const cs = containerStatus(await h.getPod('survivor'), 'c');
    expect(((cs?.lastState as JsonObject).terminated as JsonObject).exitCode).toBe(137);
  });

  it('does not restart a Never pod whose sandbox died after its containers ran', async () => {
    h = await startHarness();
    await h.createPod(boundPod('once', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('once')).phase === 'Running', 'Running');
    const [sandbox] = await h.runtime.listPodSandboxes();
    await h.runtime.stopPodSandbox(sandbox.id);
    await h.until(async () => statusOf(await h.getPod('once')).phase === 'Failed', 'Failed', { stepMs: 1000, maxSteps: 20 });
    await h.advance(30_000, 5000);
    expect(await h.runtime.listPodSandboxes()).toHaveLength(1);
    expect(containerStatus(await h.getPod('once'), 'c')?.restartCount).toBe(0);
  });
});
