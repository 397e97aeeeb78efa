import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../api/object.js';
import { Code } from '../framework/status.js';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod, makeWorkload, type PodFixture } from '../testing/fixtures.js';
import { defaultProfile } from './default-profile.js';
import { defaultSelector } from './pod-topology-spread.js';
import { fixtureWorkloads } from '../testing/harness.js';
import { newPodInfo } from '../framework/pod-info.js';
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

describe('PodTopologySpread default constraints', () => {
  const rs = makeWorkload('ReplicaSet', 'web-1', { matchLabels: { app: 'web' } });
  const webPod = (name: string, f: PodFixture = {}) => makePod(name, { labels: { app: 'web', 'pod-template-hash': '1' }, owner: { kind: 'ReplicaSet', name: 'web-1' }, ...f });
  const hostNodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];

  it('spreads ReplicaSet pods by hostname with the system defaults (no zone labels needed)', () => {
    const h = new Harness(hostNodes, [webPod('x', { nodeName: 'n1' }), webPod('y', { nodeName: 'n1' }), webPod('z', { nodeName: 'n2' })], { workloads: [rs] });
    const s = h.pluginScores(PluginName.PodTopologySpread, webPod('p'));
    // raw = count × ln(3+2) + (maxSkew 3 − 1): n1 5, n2 4, n3 2 → 100·(max+min−raw)/max.
    expect(s).toEqual({ n1: 40, n2: 60, n3: 100 });
  });

  it('counts only pods the derived selector matches, in the pod’s namespace', () => {
    const other = makePod('o', { nodeName: 'n3', labels: { app: 'db' } });
    const elsewhere = webPod('e', { nodeName: 'n3', namespace: 'other' });
    const h = new Harness(hostNodes, [webPod('x', { nodeName: 'n1' }), other, elsewhere], { workloads: [rs] });
    const s = h.pluginScores(PluginName.PodTopologySpread, webPod('p'));
    expect(s?.n3).toBe(100);
    expect(s?.n2).toBe(100);
    expect(s?.n1).toBeLessThan(100);
  });

  it('skips pods with neither a Service nor a known controller', () => {
    const h = new Harness(hostNodes, [], { workloads: [rs] });
    expect(h.pluginScores(PluginName.PodTopologySpread, makePod('bare', { labels: { app: 'web' } }))).toBeUndefined();
    // The controller named by the pod is not in the cache: no selector either.
    expect(h.pluginScores(PluginName.PodTopologySpread, webPod('orphan', { owner: { kind: 'ReplicaSet', name: 'gone' } }))).toBeUndefined();
  });

  it('uses the selectors of Services that select the pod', () => {
    const svc = makeWorkload('Service', 'web', { app: 'web' });
    const h = new Harness(hostNodes, [makePod('x', { nodeName: 'n1', labels: { app: 'web' } })], { workloads: [svc] });
    const s = h.pluginScores(PluginName.PodTopologySpread, makePod('p', { labels: { app: 'web' } }));
    expect(s?.n1).toBeLessThan(100);
    expect(s?.n2).toBe(100);
  });

  it('prefers the pod’s own constraints over the defaults', () => {
    const zoneNodes2 = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } })];
    const h = new Harness(zoneNodes2, [webPod('x', { nodeName: 'b1' })], { workloads: [rs] });
    // Its own constraint selects app=other: nothing counts, every node scores the same.
    const own = webPod('p', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'other' } } }] });
    expect(h.pluginScores(PluginName.PodTopologySpread, own)).toEqual({ a1: 100, b1: 100 });
    // Defaults: hostname only (no topology.kubernetes.io/zone labels): raw a1 2, b1 round(ln 4 + 2) = 3.
    expect(h.pluginScores(PluginName.PodTopologySpread, webPod('q'))).toEqual({ a1: 100, b1: 66 });
  });

  it('List defaulting: the given constraints, nodes missing a key are not scored; none given → no spreading', () => {
    const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } }), makeNode('bare')];
    const listed = new Harness(nodes, [webPod('x', { nodeName: 'a1' })], {
      workloads: [rs],
      profile: defaultProfile({ podTopologySpread: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' }] } }),
    });
    expect(listed.pluginScores(PluginName.PodTopologySpread, webPod('p'))).toEqual({ a1: 0, b1: 100, bare: 0 });
    const none = new Harness(nodes, [], { workloads: [rs], profile: defaultProfile({ podTopologySpread: { defaultingType: 'List' } }) });
    expect(none.pluginScores(PluginName.PodTopologySpread, webPod('p'))).toBeUndefined();
  });

  it('List defaulting with DoNotSchedule constraints filters', () => {
    const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } })];
    const h = new Harness(nodes, [webPod('x', { nodeName: 'a1' })], {
      workloads: [rs],
      profile: defaultProfile({ podTopologySpread: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] } }),
    });
    expect(h.feasible(webPod('p'))).toEqual(['b1']);
  });

  it('system defaults only score: they never filter', () => {
    const h = new Harness(hostNodes, [webPod('x', { nodeName: 'n1' }), webPod('y', { nodeName: 'n1' }), webPod('z', { nodeName: 'n1' }), webPod('w', { nodeName: 'n1' })], { workloads: [rs] });
    expect(h.feasible(webPod('p')).sort()).toEqual(['n1', 'n2', 'n3']);
  });

  it('scores the zone domain of zoned nodes and the hostname of all', () => {
    const zone = 'topology.kubernetes.io/zone';
    const nodes = [makeNode('a1', { labels: { [zone]: 'a' } }), makeNode('a2', { labels: { [zone]: 'a' } }), makeNode('b1', { labels: { [zone]: 'b' } }), makeNode('bare')];
    const h = new Harness(nodes, [webPod('x', { nodeName: 'a1' })], { workloads: [rs] });
    const s = h.pluginScores(PluginName.PodTopologySpread, webPod('p'));
    // Hostname weight ln(4+2), zone weight ln(3+2) (domains a, b and the unzoned ''): raw a1 9,
    // a2 8 (a1's zone), b1 6, bare 2 (hostname only: upstream favours unzoned nodes here).
    expect(s).toEqual({ a1: 22, a2: 33, b1: 55, bare: 100 });
  });
});

describe('defaultSelector', () => {
  const pod = (f: PodFixture) => newPodInfo(makePod('p', { labels: { app: 'web', tier: 'fe' }, ...f }));

  it('merges matching Services and the controller’s selector', () => {
    const w = fixtureWorkloads([
      makeWorkload('Service', 'web', { app: 'web' }),
      makeWorkload('Service', 'fe', { tier: 'fe' }),
      makeWorkload('Service', 'db', { app: 'db' }),
      makeWorkload('StatefulSet', 'ss', { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }),
    ]);
    const sel = defaultSelector(pod({ owner: { kind: 'StatefulSet', name: 'ss' } }), w);
    expect(sel.toString()).toBe('app=web,app in (web),tier=fe');
  });

  it('reads ReplicationController map selectors and ignores other controller kinds', () => {
    const w = fixtureWorkloads([makeWorkload('ReplicationController', 'rc', { app: 'web' }), makeWorkload('ReplicaSet', 'rs', { matchLabels: { tier: 'fe' } })]);
    expect(defaultSelector(pod({ owner: { kind: 'ReplicationController', name: 'rc' } }), w).toString()).toBe('app=web');
    expect(defaultSelector(pod({ owner: { kind: 'ReplicaSet', name: 'rs' } }), w).toString()).toBe('tier=fe');
    expect(defaultSelector(pod({ owner: { kind: 'ReplicaSet', name: 'rs', apiVersion: 'extensions/v1beta1' } }), w).isEmpty()).toBe(true);
    expect(defaultSelector(pod({ owner: { kind: 'Job', name: 'rs', apiVersion: 'batch/v1' } }), w).isEmpty()).toBe(true);
  });

  it('ignores Services without a selector', () => {
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'default' }, spec: {} };
    expect(defaultSelector(pod({}), fixtureWorkloads([svc])).isEmpty()).toBe(true);
  });
});
