import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../api/object.js';
import { ActionType } from '../framework/interfaces.js';
import { newPodInfo } from '../framework/pod-info.js';
import { Code } from '../framework/status.js';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod, podAffinityTerm } from '../testing/fixtures.js';
import { PluginName } from './names.js';

const nodes = [
  makeNode('a1', { labels: { zone: 'a' } }),
  makeNode('a2', { labels: { zone: 'a' } }),
  makeNode('b1', { labels: { zone: 'b' } }),
  makeNode('nozone'),
];

describe('InterPodAffinity filter', () => {
  it('requires a matching pod in the topology domain', () => {
    const h = new Harness(nodes, [makePod('web', { nodeName: 'a2', labels: { app: 'web' } })]);
    const pod = makePod('p', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'web' }, 'zone')] } } });
    const s = h.filter(pod).statuses;
    expect(s.get('a1')).toBeNull();
    expect(s.get('a2')).toBeNull();
    expect(s.get('b1')).toMatchObject({ code: Code.UnschedulableAndUnresolvable, reasons: ["node(s) didn't match pod affinity rules"], plugin: PluginName.InterPodAffinity });
    expect(s.get('nozone')?.reasons).toEqual(["node(s) didn't match pod affinity rules"]);
  });

  it('lets the first pod of a self-affine group go anywhere with the topology key', () => {
    const h = new Harness(nodes);
    const pod = makePod('p', { labels: { app: 'x' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'x' }, 'zone')] } } });
    expect(h.feasible(pod).sort()).toEqual(['a1', 'a2', 'b1']);
    const other = makePod('q', { labels: { app: 'y' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'x' }, 'zone')] } } });
    expect(h.feasible(other)).toEqual([]);
  });

  it('keeps a pod out of domains holding pods its anti-affinity matches', () => {
    const h = new Harness(nodes, [makePod('db', { nodeName: 'a1', labels: { app: 'db' } })]);
    const pod = makePod('p', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'db' }, 'zone')] } } });
    const s = h.filter(pod).statuses;
    expect(s.get('a1')).toMatchObject({ code: Code.Unschedulable, reasons: ["node(s) didn't match pod anti-affinity rules"] });
    expect(s.get('a2')?.reasons).toEqual(["node(s) didn't match pod anti-affinity rules"]);
    expect(s.get('b1')).toBeNull();
    // Nodes without the topology key are not in any domain.
    expect(s.get('nozone')).toBeNull();
  });

  it('honours existing pods’ anti-affinity', () => {
    const h = new Harness(nodes, [makePod('lonely', { nodeName: 'b1', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'noisy' }, 'zone')] } } })]);
    const s = h.filter(makePod('p', { labels: { app: 'noisy' } })).statuses;
    expect(s.get('b1')).toMatchObject({ code: Code.Unschedulable, reasons: ["node(s) didn't satisfy existing pods anti-affinity rules"] });
    expect(s.get('a1')).toBeNull();
    // A pod no existing term matches has nothing to check.
    expect(h.filter(makePod('quiet')).state.skipFilter.has(PluginName.InterPodAffinity)).toBe(true);
  });

  it('matches namespaces by name, by selector, and defaults to the pod’s own', () => {
    const h = new Harness(nodes, [makePod('other', { namespace: 'team', nodeName: 'a1', labels: { app: 'web' } })], { namespaces: { team: { env: 'prod' } } });
    const term = (extra: JsonObject) => makePod('p', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...podAffinityTerm({ app: 'web' }, 'zone'), ...extra }] } } });
    expect(h.feasible(term({}))).toEqual([]);
    expect(h.feasible(term({ namespaces: ['team'] })).sort()).toEqual(['a1', 'a2']);
    expect(h.feasible(term({ namespaceSelector: { matchLabels: { env: 'prod' } } })).sort()).toEqual(['a1', 'a2']);
    expect(h.feasible(term({ namespaceSelector: {} })).sort()).toEqual(['a1', 'a2']);
    expect(h.feasible(term({ namespaceSelector: { matchLabels: { env: 'dev' } } }))).toEqual([]);
  });

  it('skips pods without terms when no pod has required anti-affinity', () => {
    const h = new Harness(nodes, [makePod('web', { nodeName: 'a1', labels: { app: 'web' } })]);
    expect(h.filter(makePod('p')).state.skipFilter.has(PluginName.InterPodAffinity)).toBe(true);
  });
});

describe('InterPodAffinity score', () => {
  it('adds preferred affinity and subtracts preferred anti-affinity per domain, normalized', () => {
    const h = new Harness(nodes, [makePod('web', { nodeName: 'a1', labels: { app: 'web' } }), makePod('db', { nodeName: 'b1', labels: { app: 'db' } })]);
    const pod = makePod('p', {
      affinity: {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: podAffinityTerm({ app: 'web' }, 'zone') }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: podAffinityTerm({ app: 'db' }, 'zone') }] },
      },
    });
    // Raw: zone a +10, zone b −5, nozone 0 → min −5, max 10.
    expect(h.pluginScores(PluginName.InterPodAffinity, pod)).toEqual({ a1: 100, a2: 100, b1: 0, nozone: 33 });
  });

  it('counts existing pods’ required affinity towards the incoming pod', () => {
    const h = new Harness(nodes, [makePod('fan', { nodeName: 'b1', affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'star' }, 'zone')] } } })]);
    expect(h.pluginScores(PluginName.InterPodAffinity, makePod('p', { labels: { app: 'star' } }))).toEqual({ a1: 0, a2: 0, b1: 100, nozone: 0 });
    expect(h.pluginScores(PluginName.InterPodAffinity, makePod('q', { labels: { app: 'other' } }))).toBeUndefined();
  });
});

describe('InterPodAffinity queueing hint', () => {
  it('re-queues for added pods matching the affinity and removed pods matching the anti-affinity', () => {
    const h = new Harness(nodes);
    const hint = h.plugin(PluginName.InterPodAffinity).events?.find((e) => e.resource === 'AssignedPod')?.hint;
    if (!hint) throw new Error('no hint');
    const pod = newPodInfo(
      makePod('p', {
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'web' }, 'zone')] },
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podAffinityTerm({ app: 'db' }, 'zone')] },
        },
      }),
    );
    const ev = (actions: number, labels: Record<string, string>) => ({ resource: 'AssignedPod' as const, actions, label: 'x', pod: newPodInfo(makePod('o', { labels })) });
    expect(hint(pod, ev(ActionType.Add, { app: 'web' }))).toBe(true);
    expect(hint(pod, ev(ActionType.Add, { app: 'db' }))).toBe(false);
    expect(hint(pod, ev(ActionType.Delete, { app: 'db' }))).toBe(true);
    expect(hint(pod, ev(ActionType.Delete, { app: 'other' }))).toBe(false);
  });
});
