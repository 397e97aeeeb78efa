import { describe, expect, it } from 'vitest';
import { assumedPodInfo, newPodInfo } from '../framework/pod-info.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { SchedulerCache } from './scheduler-cache.js';

describe('SchedulerCache', () => {
  it('assumes, confirms and forgets pods', () => {
    const c = new SchedulerCache(() => undefined);
    c.setNode(makeNode('n', { cpu: '2' }));
    const pending = newPodInfo(makePod('p', { cpu: '1' }));
    c.assumePod(assumedPodInfo(pending, 'n'));
    expect(c.isAssumed(pending.uid)).toBe(true);
    expect(c.node('n')?.requested.milliCPU).toBe(1000);
    expect(() => c.assumePod(assumedPodInfo(pending, 'n'))).toThrow(/can't be assumed/);
    // The informer confirms the binding (possibly on another node).
    c.setNode(makeNode('m', { cpu: '2' }));
    c.addPod(newPodInfo(makePod('p', { cpu: '1', nodeName: 'm' })));
    expect(c.isAssumed(pending.uid)).toBe(false);
    expect(c.node('n')?.requested.milliCPU).toBe(0);
    expect(c.node('m')?.requested.milliCPU).toBe(1000);
    const other = newPodInfo(makePod('q', { cpu: '1', uid: 'uid-q' }));
    c.assumePod(assumedPodInfo(other, 'n'));
    c.forgetPod(other);
    expect(c.node('n')?.pods).toHaveLength(0);
    expect(c.podCount).toBe(1);
  });

  it('keeps pods of unknown nodes on a placeholder that is not listed', () => {
    const c = new SchedulerCache(() => undefined);
    c.addPod(newPodInfo(makePod('early', { cpu: '1', nodeName: 'later' })));
    expect(c.nodes()).toHaveLength(0);
    c.setNode(makeNode('later', { cpu: '4' }));
    expect(c.node('later')?.requested.milliCPU).toBe(1000);
    c.removeNode('later');
    expect(c.nodes()).toHaveLength(0);
    c.removePod(newPodInfo(makePod('early', { nodeName: 'later' })));
    expect(c.podCount).toBe(0);
  });

  it('indexes nodes with affinity pods and counts images per node', () => {
    const images = [{ names: ['img:1'], sizeBytes: 1 }];
    const c = new SchedulerCache(() => undefined);
    c.setNode(makeNode('a', { images }));
    c.setNode(makeNode('b', { images }));
    expect(c.imageNodeCount('img:1')).toBe(2);
    c.setNode(makeNode('b'));
    expect(c.imageNodeCount('img:1')).toBe(1);
    const anti = makePod('x', { nodeName: 'a', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { k: 'v' } }, topologyKey: 'zone' }] } } });
    c.addPod(newPodInfo(anti));
    expect([...c.nodesWithPodsWithRequiredAntiAffinity()].map((n) => n.name)).toEqual(['a']);
    expect([...c.nodesWithPodsWithAffinity()].map((n) => n.name)).toEqual(['a']);
    c.removePod(newPodInfo(anti));
    expect([...c.nodesWithPodsWithAffinity()]).toHaveLength(0);
  });
});
