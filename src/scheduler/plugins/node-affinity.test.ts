import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../api/object.js';
import { Code } from '../framework/status.js';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { PluginName } from './names.js';

const nodes = [
  makeNode('a', { labels: { zone: 'z1', disk: 'ssd', gen: '3' } }),
  makeNode('b', { labels: { zone: 'z2', disk: 'hdd', gen: '5' } }),
  makeNode('c', { labels: { zone: 'z3' } }),
];

function required(...terms: JsonObject[]): JsonObject {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

describe('NodeAffinity', () => {
  const h = new Harness(nodes);

  it('matches nodeSelector labels exactly', () => {
    expect(h.feasible(makePod('p', { nodeSelector: { disk: 'ssd' } }))).toEqual(['a']);
    expect(h.filter(makePod('q', { nodeSelector: { disk: 'nvme' } })).statuses.get('a')).toMatchObject({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["node(s) didn't match Pod's node affinity/selector"],
      plugin: PluginName.NodeAffinity,
    });
  });

  it('supports every operator; terms are ORed and requirements ANDed', () => {
    const f = (...terms: JsonObject[]) => h.feasible(makePod('p', { affinity: required(...terms) })).sort();
    expect(f({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z3'] }] })).toEqual(['a', 'c']);
    expect(f({ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] })).toEqual(['b', 'c']);
    expect(f({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] })).toEqual(['a', 'b']);
    expect(f({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] })).toEqual(['c']);
    expect(f({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] })).toEqual(['b']);
    expect(f({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] })).toEqual(['a']);
    expect(f({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] })).toEqual([]);
    expect(f({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] })).toEqual(['a', 'b']);
    // An empty term, and an invalid one, match nothing.
    expect(f({})).toEqual([]);
    expect(f({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['x'] }] })).toEqual([]);
    // nodeSelector and affinity must both match.
    expect(h.feasible(makePod('p', { nodeSelector: { zone: 'z2' }, affinity: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }) }))).toEqual(['b']);
  });

  it('narrows to the nodes named by metadata.name fields at PreFilter', () => {
    const pod = makePod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }) });
    const { statuses } = h.filter(pod);
    expect([...statuses.keys()]).toEqual(['b']);
    const conflict = makePod('c', {
      affinity: required({
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['a'] },
          { key: 'metadata.name', operator: 'In', values: ['b'] },
        ],
      }),
    });
    expect(h.filter(conflict).prefilter).toMatchObject({ code: Code.UnschedulableAndUnresolvable, reasons: ['pod affinity terms conflict'] });
    expect(h.feasible(makePod('n', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a'] }] }) })).sort()).toEqual(['b', 'c']);
  });

  it('skips pods without node constraints', () => {
    expect(h.filter(makePod('p')).state.skipFilter.has(PluginName.NodeAffinity)).toBe(true);
  });

  it('scores the weights of matching preferred terms, normalized to 100', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 2, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
            { weight: 8, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
          ],
        },
      },
    });
    expect(h.pluginScores(PluginName.NodeAffinity, pod)).toEqual({ a: 100, b: 80, c: 0 });
    expect(h.pluginScores(PluginName.NodeAffinity, makePod('none'))).toBeUndefined();
  });
});
