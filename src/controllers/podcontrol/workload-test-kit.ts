/**
 * Helpers for workload controller tests over startTestApi (no scheduler or kubelet there):
 * waiting for conditions while letting the fake clock creep forward (so backoff retries after
 * write conflicts fire), playing the kubelet's part on pod status, binding and deletion.
 */
import { rfc3339, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { TestApi } from '../testing/test-api.js';
import type { Pod } from './workload-types.js';

/**
 * Waits for `cond`, yielding to the event loop; whenever it does not hold after a burst of
 * turns, advances the fake clock by `stepMs` (retries with backoff are timers). Bounded.
 */
export async function eventually(api: TestApi, cond: () => boolean | Promise<boolean>, what: string, options: { stepMs?: number; steps?: number } = {}): Promise<void> {
  const stepMs = options.stepMs ?? 10;
  const steps = options.steps ?? 300;
  for (let step = 0; step <= steps; step++) {
    for (let turn = 0; turn < 40; turn++) {
      if (await cond()) return;
      await new Promise((r) => setImmediate(r));
    }
    api.clock.advance(stepMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Yields to the event loop for a while without advancing the clock (lets controllers go quiet). */
export async function quiesce(turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export async function listPods(api: TestApi, namespace: string, labelSelector?: string): Promise<Pod[]> {
  const list = await api.client.list(resources.pods, namespace, labelSelector ? { labelSelector } : undefined);
  return list.items as Pod[];
}

/** Active pods (not being deleted) of a namespace, optionally by selector. */
export async function livePods(api: TestApi, namespace: string, labelSelector?: string): Promise<Pod[]> {
  return (await listPods(api, namespace, labelSelector)).filter((p) => p.metadata.deletionTimestamp === undefined);
}

/** Plays the kubelet: the pod is Running and Ready since now. */
export async function makePodReady(api: TestApi, pod: KubeObject): Promise<void> {
  const now = rfc3339(api.clock.now());
  const spec = pod.spec as { containers?: { name: string; image?: string }[] } | undefined;
  await api.client.patch(
    resources.pods,
    pod.metadata.namespace,
    pod.metadata.name ?? '',
    'merge',
    {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'Ready', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        ],
        containerStatuses: (spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
        startTime: now,
      },
    },
    { subresource: 'status' },
  );
}

/** Makes every live pod matching the selector ready; returns how many were changed. */
export async function makeAllReady(api: TestApi, namespace: string, labelSelector?: string): Promise<number> {
  let n = 0;
  for (const p of await livePods(api, namespace, labelSelector)) {
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready) continue;
    await makePodReady(api, p);
    n++;
  }
  return n;
}

/** Binds a pod to a node (so that deleting it is graceful, as for a running pod). */
export async function bindPod(api: TestApi, pod: KubeObject, node: string): Promise<void> {
  await api.client.createSubresource(resources.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod.metadata.name ?? '' },
    target: { kind: 'Node', name: node },
  });
}

/** Plays the kubelet finishing a graceful deletion: removes pods that carry a deletionTimestamp. */
export async function finishTerminating(api: TestApi, namespace: string): Promise<number> {
  let n = 0;
  for (const p of await listPods(api, namespace)) {
    if (p.metadata.deletionTimestamp === undefined) continue;
    await api.client.delete(resources.pods, namespace, p.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
    n++;
  }
  return n;
}
