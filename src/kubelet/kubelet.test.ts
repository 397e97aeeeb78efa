import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { boundPod, condition, containerStatus, NODE_IP, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

describe('kubelet: a pod runs', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('starts the sandbox and container and reports the status a kubelet writes', async () => {
    h = await startHarness();
    await h.createPod(boundPod('web', { containers: [{ name: 'web', image: 'app:1', command: ['httpd', '-f', '-p', '8080', '-h', '/www'], resources: { limits: { cpu: '500m', memory: '128Mi' } } }] }));
    await h.until(async () => condition(await h.getPod('web'), 'Ready')?.status === 'True', 'the pod to be Ready');
    const pod = await h.getPod('web');
    const st = statusOf(pod);
    expect(st.phase).toBe('Running');
    expect(st.hostIP).toBe(NODE_IP);
    expect(st.hostIPs).toEqual([{ ip: NODE_IP }]);
    expect(st.podIP).toMatch(/^10\.42\.1\.\d+$/);
    expect(st.podIPs).toEqual([{ ip: st.podIP }]);
    expect(st.qosClass).toBe('Guaranteed');
    expect(typeof st.startTime).toBe('string');
    expect((st.conditions as JsonObject[]).map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    const cs = containerStatus(pod, 'web');
    expect(cs).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0, image: 'app:1', lastState: {} });
    expect(cs?.containerID).toMatch(/^sim:\/\/[0-9a-f]{64}$/);
    expect(cs?.imageID).toMatch(/^docker:\/\/sha256:/);
    expect((cs?.state as JsonObject).running).toBeDefined();

    // One sandbox and one container in the runtime, with the pod's identity.
    expect(await h.runtime.listPodSandboxes()).toHaveLength(1);
    const containers = await h.runtime.listContainers();
    expect(containers.map((c) => [c.name, c.state])).toEqual([['web', 'running']]);
    const events = (await h.events()).map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(events.sort()).toEqual(['Normal Created: Created container web', 'Normal Pulled: Container image "app:1" already present on machine', 'Normal Started: Started container web']);
    // Container events point at the container, as `kubectl describe` and `get events` show them.
    const fieldPaths = new Set((await h.events()).map((e) => (e.involvedObject as JsonObject).fieldPath));
    expect([...fieldPaths]).toEqual(['spec.containers{web}']);
  });

  it('restarts a container whose image changed in the pod spec', async () => {
    h = await startHarness();
    await h.createPod(boundPod('upgrade', { containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => condition(await h.getPod('upgrade'), 'Ready')?.status === 'True', 'Ready');
    const pod = (await h.getPod('upgrade')) as KubeObject;
    const spec = pod.spec as JsonObject;
    await h.api.client.update(resources.pods, 'default', { ...pod, spec: { ...spec, containers: [{ ...(spec.containers as JsonObject[])[0], image: 'app:2' }] } });
    await h.until(async () => containerStatus(await h.getPod('upgrade'), 'c')?.image === 'app:2' && condition(await h.getPod('upgrade'), 'Ready')?.status === 'True', 'the new image running', { stepMs: 1000, maxSteps: 40 });
    expect(containerStatus(await h.getPod('upgrade'), 'c')?.restartCount).toBe(1);
    const events = (await h.events()).map((e) => `${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Killing: Container c definition changed, will be restarted');
    expect((await h.runtime.listContainers()).filter((c) => c.state === 'running').map((c) => c.image)).toEqual(['app:2']);
  });

  it('serves the streaming API its pods: current and previous instances, sandbox, waiting reasons', async () => {
    h = await startHarness({ behaviour: (ctx) => (ctx.container.name === 'crash' ? { exitAfterMs: 0, exitCode: 1 } : undefined) });
    await h.createPod(boundPod('mixed', { hostNetwork: true, containers: [{ name: 'ok', image: 'app:1' }, { name: 'crash', image: 'app:1' }, { name: 'noimage', image: 'missing:1' }] }));
    await h.until(async () => (containerStatus(await h.getPod('mixed'), 'crash')?.restartCount as number) >= 1, 'a restart', { stepMs: 1000, maxSteps: 30 });
    await h.until(async () => ((containerStatus(await h.getPod('mixed'), 'crash')?.state as JsonObject).waiting as JsonObject | undefined)?.reason === 'CrashLoopBackOff', 'CrashLoopBackOff', { stepMs: 1000, maxSteps: 30 });
    const all = await h.kubelet.streaming.listPods();
    expect(all.map((p) => `${p.namespace}/${p.name}`)).toEqual(['default/mixed']);
    const sp = await h.kubelet.streaming.getPod('default', 'mixed');
    const pod = await h.getPod('mixed');
    expect(sp).toMatchObject({ uid: pod?.metadata.uid, hostNetwork: true, sandboxId: (await h.runtime.listPodSandboxes())[0].id });
    const byName = new Map(sp?.containers.map((c) => [c.name, c]));
    expect(byName.get('ok')?.current).toMatchObject({ id: String(containerStatus(pod, 'ok')?.containerID).replace('sim://', ''), running: true });
    expect(byName.get('crash')?.waitingReason).toBe('CrashLoopBackOff');
    expect(byName.get('crash')?.previous?.id).toBeDefined();
    expect(byName.get('noimage')).toEqual({ name: 'noimage', waitingReason: 'ImagePullBackOff' });
    expect(await h.kubelet.streaming.getPod('default', 'other')).toBeUndefined();
  });

  it('writes the status only when it changes', async () => {
    h = await startHarness();
    await h.createPod(boundPod('quiet', { containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => statusOf(await h.getPod('quiet')).phase === 'Running', 'Running');
    await h.kubelet.idle();
    const writes = h.kubelet.statusWrites();
    const rv = (await h.getPod('quiet'))?.metadata.resourceVersion;
    // Several resyncs and relists later nothing has changed, so nothing is written.
    await h.advance(5 * 60_000, 10_000);
    expect(h.kubelet.statusWrites()).toBe(writes);
    expect((await h.getPod('quiet'))?.metadata.resourceVersion).toBe(rv);
  });
});
