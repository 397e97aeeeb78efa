import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../api/object.js';
import { Code } from '../framework/status.js';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { PluginName } from './names.js';

const zoneNodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('a2', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } })];

function spread(extra: JsonObject = {}, when = 'DoNotSchedule', key = 'zone'): JsonObject[] {
  return [{ maxSkew: 1, topologyKey: key, whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 's' } }, ...extra }];
}

function placed(name: string, node: string, labels: Record<string, string> = { app: 's' }): KubeObject {
  return makePod(name, { nodeName: node, labels });
}

describe('PodTopologySpread filter', () => {
  it('keeps the skew between domains within maxSkew', () => {
    const h = new Harness(zoneNodes, [placed('x', 'a1'), placed('y', 'a2')]);
    const s = h.filter(makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread() })).statuses;
    expect(s.get('a1')).toMatchObject({ code: Code.Unschedulable, reasons: ["node(s) didn't match pod topology spread constraints"], plugin: PluginName.PodTopologySpread });
    expect(s.get('b1')).toBeNull();
    // A pod that does not match its own selector adds no skew.
    expect(h.feasible(makePod('q', { labels: { app: 'other' }, topologySpreadConstraints: spread({ maxSkew: 2 }) })).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('ignores terminating pods and pods of other namespaces', () => {
    const h = new Harness(zoneNodes, [placed('x', 'a1'), makePod('gone', { nodeName: 'a1', labels: { app: 's' }, deleting: true }), makePod('ns', { namespace: 'other', nodeName: 'a2', labels: { app: 's' } })]);
    expect(h.feasible(makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread() }))).toEqual(['b1']);
  });

  it('treats the global minimum as 0 below minDomains', () => {
    const h = new Harness(zoneNodes, [placed('x', 'a1'), placed('y', 'b1')]);
    const pod = (minDomains?: number) => makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread(minDomains ? { minDomains } : {}) });
    expect(h.feasible(pod()).sort()).toEqual(['a1', 'a2', 'b1']);
    // Three domains wanted, two exist: min is 0, so every domain with a pod has skew 2.
    expect(h.feasible(pod(3))).toEqual([]);
  });

  it('rejects nodes without the topology key as unresolvable', () => {
    const h = new Harness([...zoneNodes, makeNode('bare')]);
    expect(h.filter(makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread() })).statuses.get('bare')).toMatchObject({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["node(s) didn't match pod topology spread constraints (missing required label)"],
    });
  });

  it('counts only nodes matching the pod’s node affinity (nodeAffinityPolicy Honor), unless Ignore', () => {
    // Zone b holds a matching pod but the pod's nodeSelector excludes it: zone b is no domain.
    const nodes = [makeNode('a1', { labels: { zone: 'a', pool: 'x' } }), makeNode('b1', { labels: { zone: 'b', pool: 'y' } }), makeNode('c1', { labels: { zone: 'c', pool: 'x' } })];
    const h = new Harness(nodes, [placed('x', 'a1'), placed('y', 'b1'), placed('z', 'b1')]);
    const honor = makePod('p', { labels: { app: 's' }, nodeSelector: { pool: 'x' }, topologySpreadConstraints: spread() });
    expect(h.feasible(honor)).toEqual(['c1']);
    const ignore = makePod('q', { labels: { app: 's' }, nodeSelector: { pool: 'x' }, topologySpreadConstraints: spread({ nodeAffinityPolicy: 'Ignore' }) });
    expect(h.feasible(ignore)).toEqual(['c1']);
    const ignore2 = makePod('r', { labels: { app: 's' }, nodeSelector: { pool: 'x' }, topologySpreadConstraints: spread({ nodeAffinityPolicy: 'Ignore', maxSkew: 2 }) });
    expect(h.feasible(ignore2).sort()).toEqual(['a1', 'c1']);
  });

  it('leaves tainted nodes out of the domains only with nodeTaintsPolicy Honor', () => {
    const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' }, taints: [{ key: 'k', effect: 'NoSchedule' }] })];
    const h = new Harness(nodes, [placed('x', 'a1')]);
    expect(h.feasible(makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread() }))).toEqual([]);
    expect(h.feasible(makePod('q', { labels: { app: 's' }, topologySpreadConstraints: spread({ nodeTaintsPolicy: 'Honor' }) }))).toEqual(['a1']);
  });

  it('adds matchLabelKeys values to the selector', () => {
    const h = new Harness(zoneNodes, [placed('old', 'b1', { app: 's', rev: '1' })]);
    const pod = makePod('p', { labels: { app: 's', rev: '2' }, topologySpreadConstraints: spread({ matchLabelKeys: ['rev'] }) });
    // Only rev=2 pods count, so the rev=1 pod in zone b does not push this one away.
    expect(h.feasible(pod).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('skips pods without DoNotSchedule constraints', () => {
    const h = new Harness(zoneNodes);
    expect(h.filter(makePod('p', { topologySpreadConstraints: spread({}, 'ScheduleAnyway') })).state.skipFilter.has(PluginName.PodTopologySpread)).toBe(true);
  });
});

describe('PodTopologySpread score', () => {
  it('prefers domains with fewer matching pods', () => {
    const h = new Harness(zoneNodes, [placed('x', 'a1'), placed('y', 'a2'), placed('z', 'a2')]);
    const s = h.pluginScores(PluginName.PodTopologySpread, makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread({}, 'ScheduleAnyway') }));
    expect(s).toBeDefined();
    expect(s?.b1).toBe(100);
    expect(s?.a1).toBe(s?.a2);
    expect(s?.a1).toBeLessThan(100);
  });

  it('counts per node for hostname constraints and zeroes nodes without the key', () => {
    const nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];
    const bare = makeNode('bare');
    delete (bare.metadata.labels as Record<string, string>)['kubernetes.io/hostname'];
    const h = new Harness([...nodes, bare], [placed('x', 'n1'), placed('y', 'n1'), placed('z', 'n2')]);
    const s = h.pluginScores(PluginName.PodTopologySpread, makePod('p', { labels: { app: 's' }, topologySpreadConstraints: spread({}, 'ScheduleAnyway', 'kubernetes.io/hostname') }));
    expect(s?.bare).toBe(0);
    expect(s?.n3).toBe(100);
    expect((s?.n2 ?? 0) > (s?.n1 ?? 0)).toBe(true);
  });
});
