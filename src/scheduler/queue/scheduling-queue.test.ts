import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClock } from '../../util/clock.js';
import { ActionType, type ClusterEvent, type ClusterEventInterest } from '../framework/interfaces.js';
import { newPodInfo, type PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { makePod, type PodFixture } from '../testing/fixtures.js';
import { SchedulingQueue, type QueuedPodInfo } from './scheduling-queue.js';

const events: Record<string, ClusterEventInterest[]> = {
  NodeResourcesFit: [
    { resource: 'AssignedPod', actions: ActionType.Delete },
    { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable },
  ],
  NodeAffinity: [{ resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel }],
  // Re-queue only for added pods labelled app=friend.
  Picky: [{ resource: 'AssignedPod', actions: ActionType.Add, hint: (_pod, ev) => ev.pod?.labels.app === 'friend' }],
};

const nodeAdd: ClusterEvent = { resource: 'Node', actions: ActionType.Add, label: 'NodeAdd' };
const nodeLabel: ClusterEvent = { resource: 'Node', actions: ActionType.UpdateNodeLabel, label: 'NodeUpdate' };
const podDelete: ClusterEvent = { resource: 'AssignedPod', actions: ActionType.Delete, label: 'AssignedPodDelete' };

function setup() {
  const clock = new FakeClock();
  const pods = new Map<string, KubeObject>();
  const q = new SchedulingQueue({
    clock,
    logger: pino({ level: 'silent' }),
    preEnqueue: (p) => (p.schedulingGates.length ? Status.unresolvable('gated') : null),
    pluginEvents: (plugin) => events[plugin],
    currentPod: (ns, name) => pods.get(`${ns}/${name}`),
  });
  const signal = new AbortController();
  q.run(signal.signal);
  const add = (name: string, f: PodFixture = {}): PodInfo => {
    const pod = makePod(name, f);
    pods.set(`default/${name}`, pod);
    const p = newPodInfo(pod);
    q.add(p);
    return p;
  };
  const pop = async (): Promise<QueuedPodInfo> => {
    const qpi = await q.pop(signal.signal);
    if (!qpi) throw new Error('queue closed');
    return qpi;
  };
  /** Pops `name`, then reports it rejected by `plugins`. */
  const reject = async (plugins: string[]): Promise<QueuedPodInfo> => {
    const qpi = await pop();
    qpi.unschedulablePlugins = new Set(plugins);
    q.addUnschedulableIfNotPresent(qpi);
    return qpi;
  };
  return { clock, q, add, pop, reject, signal };
}

describe('SchedulingQueue', () => {
  it('pops higher priority first, then the oldest', async () => {
    const { clock, add, pop } = setup();
    add('old-low', { priority: 1 });
    clock.advance(10);
    add('new-high', { priority: 100 });
    clock.advance(10);
    add('new-low', { priority: 1 });
    expect([(await pop()).podInfo.name, (await pop()).podInfo.name, (await pop()).podInfo.name]).toEqual(['new-high', 'old-low', 'new-low']);
  });

  it('backs off 1 s, 2 s, 4 s, 8 s, then 10 s', () => {
    const { q } = setup();
    expect([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('parks unschedulable pods until an event a rejecting plugin registered for', async () => {
    const { clock, q, add, reject } = setup();
    add('p');
    await reject(['NodeResourcesFit']);
    expect(q.counts()).toMatchObject({ active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoffQueue(nodeLabel);
    expect(q.counts().unschedulable).toBe(1);
    q.moveAllToActiveOrBackoffQueue(podDelete);
    // Still within its 1 s backoff: to backoffQ, then to activeQ when the backoff expires.
    expect(q.counts()).toMatchObject({ backoff: 1, unschedulable: 0 });
    clock.advance(1000);
    expect(q.counts()).toMatchObject({ active: 1, backoff: 0 });
  });

  it('moves pods straight to activeQ when their backoff is over', async () => {
    const { clock, q, add, reject } = setup();
    add('p');
    await reject(['NodeAffinity']);
    clock.advance(5000);
    q.moveAllToActiveOrBackoffQueue(nodeAdd);
    expect(q.counts()).toMatchObject({ active: 1, unschedulable: 0 });
  });

  it('sends pods that failed with an error, or saw a relevant event during their attempt, to backoffQ', async () => {
    const { q, add, pop, reject } = setup();
    add('err');
    const e = await pop();
    q.addUnschedulableIfNotPresent(e);
    expect(q.counts()).toMatchObject({ backoff: 1, unschedulable: 0 });
    add('raced');
    const r = await pop();
    q.moveAllToActiveOrBackoffQueue(nodeAdd);
    r.unschedulablePlugins = new Set(['NodeAffinity']);
    q.addUnschedulableIfNotPresent(r);
    expect(q.counts()).toMatchObject({ backoff: 2, unschedulable: 0 });
    add('irrelevant');
    await reject(['NodeAffinity']);
    expect(q.counts().unschedulable).toBe(1);
  });

  it('asks the plugin’s queueing hint before moving a pod', async () => {
    const { clock, q, add, reject } = setup();
    add('p');
    await reject(['Picky']);
    clock.advance(5000);
    const added = (labels: Record<string, string>): ClusterEvent => ({ resource: 'AssignedPod', actions: ActionType.Add, label: 'AssignedPodAdd', pod: newPodInfo(makePod('x', { labels })) });
    q.moveAllToActiveOrBackoffQueue(added({ app: 'stranger' }));
    expect(q.counts().unschedulable).toBe(1);
    q.moveAllToActiveOrBackoffQueue(added({ app: 'friend' }));
    expect(q.counts()).toMatchObject({ unschedulable: 0, active: 1 });
  });

  it('retries pods unschedulable for more than 5 minutes', async () => {
    const { clock, q, add, reject } = setup();
    add('p');
    await reject(['NodeAffinity']);
    clock.advance(299_000);
    expect(q.counts().unschedulable).toBe(1);
    clock.advance(31_000);
    expect(q.counts()).toMatchObject({ active: 1, unschedulable: 0 });
  });

  it('moves an unschedulable pod when its spec changes, not for status updates', async () => {
    const { q, add, reject } = setup();
    const p = add('p');
    await reject(['NodeAffinity']);
    const statusOnly = newPodInfo({ ...p.pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    q.update(p, statusOnly);
    expect(q.counts().unschedulable).toBe(1);
    const changed = newPodInfo({ ...p.pod, spec: { ...(p.pod.spec as object), nodeSelector: { a: 'b' } } });
    q.update(statusOnly, changed);
    expect(q.counts()).toMatchObject({ unschedulable: 0, backoff: 1 });
  });

  it('holds gated pods until their gates are removed', async () => {
    const { q, add, pop } = setup();
    const p = add('gated', { schedulingGates: ['wait'] });
    expect(q.counts()).toMatchObject({ active: 0, gated: 1 });
    q.moveAllToActiveOrBackoffQueue(nodeAdd);
    expect(q.counts().gated).toBe(1);
    q.update(p, newPodInfo({ ...p.pod, spec: { ...(p.pod.spec as object), schedulingGates: [] } }));
    expect(q.counts()).toMatchObject({ active: 1, gated: 0 });
    expect((await pop()).podInfo.name).toBe('gated');
  });

  it('forgets deleted pods wherever they wait', async () => {
    const { q, add, reject } = setup();
    const a = add('a');
    const b = add('b');
    await reject(['NodeAffinity']);
    q.delete(a);
    q.delete(b);
    expect(q.counts()).toMatchObject({ active: 0, backoff: 0, unschedulable: 0 });
  });

  it('wakes a waiting pop and ends it on abort', async () => {
    const { q, add, signal } = setup();
    const waiting = q.pop(signal.signal);
    add('late');
    expect((await waiting)?.podInfo.name).toBe('late');
    const never = q.pop(signal.signal);
    signal.abort();
    expect(await never).toBeUndefined();
  });

  it('tracks nominations from the status and from preemption', () => {
    const { q, add } = setup();
    const p = add('nominee', { priority: 5 });
    expect(q.nominatedPodsForNode('n1')).toHaveLength(0);
    q.addNominatedPod(p, { mode: 'override', nodeName: 'n1' });
    expect(q.nominatedPodsForNode('n1').map((x) => x.name)).toEqual(['nominee']);
    // An update without a nomination keeps the in-memory one.
    q.update(p, newPodInfo({ ...p.pod, metadata: { ...p.pod.metadata, resourceVersion: '2' } }));
    expect(q.nominatedPodsForNode('n1')).toHaveLength(1);
    q.addNominatedPod(p, { mode: 'override', nodeName: '' });
    expect(q.nominatedPodsForNode('n1')).toHaveLength(0);
  });
});
