/**
 * Ephemeral containers (kubectl debug): added through pods/ephemeralcontainers, started once in
 * the pod's sandbox (in the target's PID namespace with targetContainerName), never restarted,
 * reported in ephemeralContainerStatuses, events with their `spec.ephemeralContainers{name}` path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import type { SimBehaviourContext } from '../runtime/sim/sim-runtime.js';
import { ANNOTATIONS } from './runtime-pod.js';
import { boundPod, statusOf, type Harness, startHarness } from './testing/kubelet-harness.js';

function ephemeralStatus(pod: KubeObject | undefined, name: string): JsonObject | undefined {
  const list = (statusOf(pod).ephemeralContainerStatuses ?? []) as JsonObject[];
  return list.find((s) => s.name === name);
}

const stateOf = (s: JsonObject | undefined): JsonObject => (s?.state ?? {}) as JsonObject;

async function logsOf(h: Harness, status: JsonObject | undefined): Promise<string> {
  const id = String(status?.containerID ?? '').replace('sim://', '');
  let out = '';
  for await (const chunk of h.runtime.logs(id, { follow: false, timestamps: false })) out += Buffer.from(chunk).toString('utf8');
  return out;
}

async function addDebugger(h: Harness, pod: string, container: JsonObject): Promise<KubeObject> {
  const current = await h.getPod(pod);
  const list = (((current?.spec as JsonObject).ephemeralContainers ?? []) as JsonObject[]).map((c) => ({ name: c.name }));
  return h.api.client.patch(
    resources.pods,
    'default',
    pod,
    'strategic',
    { spec: { '$setElementOrder/ephemeralContainers': [...list, { name: container.name }], ephemeralContainers: [container] } },
    { subresource: 'ephemeralcontainers', fieldManager: 'kubectl-debug' },
  );
}

describe('kubelet: ephemeral containers', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('starts a new ephemeral container once, reports it running then terminated, and never restarts it', async () => {
    const seen: SimBehaviourContext[] = [];
    h = await startHarness({ behaviour: (ctx) => void seen.push(ctx) });
    await h.createPod(boundPod('web', { containers: [{ name: 'app', image: 'lite-test/busybox:1', command: ['sleep', '3600'] }] }));
    await h.until(async () => statusOf(await h.getPod('web')).phase === 'Running', 'Running');

    await addDebugger(h, 'web', { name: 'debugger', image: 'lite-test/busybox:1', command: ['sh', '-c', 'sleep 5; echo hi; exit 3'], targetContainerName: 'app' });
    await h.until(async () => stateOf(ephemeralStatus(await h.getPod('web'), 'debugger')).running !== undefined, 'the debugger to run');
    let pod = await h.getPod('web');
    expect(ephemeralStatus(pod, 'debugger')).toMatchObject({ name: 'debugger', image: 'lite-test/busybox:1', ready: false, restartCount: 0 });
    // In the pod's sandbox, in the target's PID namespace.
    const app = seen.find((s) => s.container.name === 'app');
    const dbg = seen.find((s) => s.container.name === 'debugger');
    expect(dbg?.sandbox.uid).toBe(app?.sandbox.uid);
    const appId = (((statusOf(pod).containerStatuses as JsonObject[])[0].containerID as string) ?? '').replace('sim://', '');
    expect(dbg?.container.pidNamespaceTarget).toBe(appId);
    expect(dbg?.container.annotations?.[ANNOTATIONS.containerKind]).toBe('ephemeral');

    await h.until(async () => stateOf(ephemeralStatus(await h.getPod('web'), 'debugger')).terminated !== undefined, 'the debugger to end', { stepMs: 1000 });
    pod = await h.getPod('web');
    const st = ephemeralStatus(pod, 'debugger');
    expect(stateOf(st).terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(await logsOf(h, st)).toBe('hi\n');
    // The pod goes on; the ephemeral container stays terminated (restartPolicy Always does not apply).
    await h.advance(60_000, 1000);
    pod = await h.getPod('web');
    expect(statusOf(pod).phase).toBe('Running');
    expect(ephemeralStatus(pod, 'debugger')).toMatchObject({ restartCount: 0 });
    expect(seen.filter((s) => s.container.name === 'debugger')).toHaveLength(1);

    const events = (await h.events()).filter((e) => (e.involvedObject as JsonObject).fieldPath === 'spec.ephemeralContainers{debugger}').map((e) => e.reason);
    expect(events).toEqual(expect.arrayContaining(['Pulled', 'Created', 'Started']));

    // A second one is added beside it; deleting the pod removes them all.
    await addDebugger(h, 'web', { name: 'debugger-2', image: 'lite-test/busybox:1', command: ['sleep', '3600'] });
    await h.until(async () => stateOf(ephemeralStatus(await h.getPod('web'), 'debugger-2')).running !== undefined, 'the second debugger to run');
    expect(stateOf(ephemeralStatus(await h.getPod('web'), 'debugger')).terminated).toBeDefined();
    await h.api.client.delete(resources.pods, 'default', 'web', { gracePeriodSeconds: 0 });
    await h.until(async () => (await h.runtime.listContainers()).length === 0, 'the containers to be removed', { stepMs: 1000, maxSteps: 200 });
  });

  it('without a running target the start fails with CreateContainerConfigError and is retried', async () => {
    h = await startHarness();
    await h.createPod(
      boundPod('two', {
        containers: [
          { name: 'app', image: 'lite-test/busybox:1', command: ['sleep', '3600'] },
          { name: 'done', image: 'lite-test/busybox:1', command: ['true'] },
        ],
        restartPolicy: 'OnFailure',
      }),
    );
    await h.until(async () => statusOf(await h.getPod('two')).phase === 'Running', 'Running');
    await h.until(async () => ((statusOf(await h.getPod('two')).containerStatuses as JsonObject[]).find((c) => c.name === 'done')?.state as JsonObject).terminated !== undefined, 'done to end', { stepMs: 1000 });
    await addDebugger(h, 'two', { name: 'dbg', image: 'lite-test/busybox:1', command: ['sh'], targetContainerName: 'done' });
    await h.until(async () => (stateOf(ephemeralStatus(await h.getPod('two'), 'dbg')).waiting as JsonObject | undefined)?.reason === 'CreateContainerConfigError', 'the config error');
    expect(stateOf(ephemeralStatus(await h.getPod('two'), 'dbg')).waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'unable to find target container done' });
  });
});
