import { describe, expect, it } from 'vitest';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { Code } from '../framework/status.js';
import { PluginName } from './names.js';

describe('NodeName', () => {
  it('fits only the named node', () => {
    const h = new Harness([makeNode('a'), makeNode('b')]);
    const pod = makePod('p', { nodeName: 'b' });
    const { statuses } = h.filter(pod);
    expect(statuses.get('b')).toBeNull();
    expect(statuses.get('a')).toMatchObject({ code: Code.UnschedulableAndUnresolvable, reasons: ["node(s) didn't match the requested node name"], plugin: PluginName.NodeName });
  });
});

describe('NodeUnschedulable', () => {
  it('rejects cordoned nodes unless the pod tolerates the unschedulable taint', () => {
    const h = new Harness([makeNode('cordoned', { unschedulable: true })]);
    expect(h.filter(makePod('p')).statuses.get('cordoned')).toMatchObject({ code: Code.UnschedulableAndUnresolvable, reasons: ['node(s) were unschedulable'] });
    const tolerant = makePod('t', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(h.feasible(tolerant)).toEqual(['cordoned']);
    // An empty key with Exists tolerates everything, the unschedulable taint included.
    expect(h.feasible(makePod('all', { tolerations: [{ operator: 'Exists' }] }))).toEqual(['cordoned']);
  });
});

describe('TaintToleration', () => {
  const nodes = [
    makeNode('clean'),
    makeNode('nosched', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }),
    makeNode('noexec', { taints: [{ key: 'e', effect: 'NoExecute' }] }),
    makeNode('prefer2', { taints: [{ key: 'p1', effect: 'PreferNoSchedule' }, { key: 'p2', effect: 'PreferNoSchedule' }] }),
    makeNode('prefer1', { taints: [{ key: 'p1', effect: 'PreferNoSchedule' }] }),
  ];

  it('filters NoSchedule and NoExecute taints with the first untolerated one in the reason', () => {
    const h = new Harness(nodes);
    const s = h.filter(makePod('p')).statuses;
    expect(s.get('nosched')).toMatchObject({ code: Code.UnschedulableAndUnresolvable, reasons: ['node(s) had untolerated taint {k: v}'] });
    expect(s.get('noexec')?.reasons).toEqual(['node(s) had untolerated taint {e: }']);
    expect(s.get('prefer2')).toBeNull();
    const tolerant = makePod('t', { tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, { key: 'e', operator: 'Exists' }] });
    expect(h.feasible(tolerant).sort()).toEqual(['clean', 'noexec', 'nosched', 'prefer1', 'prefer2']);
    // A value mismatch, or an effect mismatch, does not tolerate.
    expect(h.feasible(makePod('w', { tolerations: [{ key: 'k', operator: 'Equal', value: 'x' }] }))).not.toContain('nosched');
    expect(h.feasible(makePod('w2', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }] }))).not.toContain('nosched');
  });

  it('scores fewer untolerated PreferNoSchedule taints higher', () => {
    const h = new Harness(nodes);
    expect(h.pluginScores(PluginName.TaintToleration, makePod('p'), ['clean', 'prefer1', 'prefer2'])).toEqual({ clean: 100, prefer1: 50, prefer2: 0 });
    const tolerant = makePod('t', { tolerations: [{ key: 'p2', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    expect(h.pluginScores(PluginName.TaintToleration, tolerant, ['clean', 'prefer1', 'prefer2'])).toEqual({ clean: 100, prefer1: 0, prefer2: 0 });
    // Only NoSchedule-effect tolerations: they do not count for PreferNoSchedule taints.
    const wrongEffect = makePod('w', { tolerations: [{ key: 'p1', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(h.pluginScores(PluginName.TaintToleration, wrongEffect, ['clean', 'prefer1'])).toEqual({ clean: 100, prefer1: 0 });
  });
});

describe('NodePorts', () => {
  it('rejects nodes where a host port is taken; 0.0.0.0 conflicts with every address', () => {
    const h = new Harness([makeNode('a'), makeNode('b')], [makePod('web', { nodeName: 'a', hostPort: 80 })]);
    const s = h.filter(makePod('p', { hostPort: 80 })).statuses;
    expect(s.get('a')).toMatchObject({ code: Code.Unschedulable, reasons: ["node(s) didn't have free ports for the requested pod ports"] });
    expect(s.get('b')).toBeNull();
    expect(h.feasible(makePod('q', { hostPort: 81 })).sort()).toEqual(['a', 'b']);
    const udp = makePod('u');
    (udp.spec as { containers: { ports?: unknown[] }[] }).containers[0].ports = [{ containerPort: 80, hostPort: 80, protocol: 'UDP' }];
    expect(h.feasible(udp).sort()).toEqual(['a', 'b']);
    const specific = makePod('s');
    (specific.spec as { containers: { ports?: unknown[] }[] }).containers[0].ports = [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }];
    expect(h.feasible(specific)).toEqual(['b']);
  });

  it('skips pods without host ports', () => {
    const h = new Harness([makeNode('a')]);
    const { state } = h.filter(makePod('p'));
    expect(state.skipFilter.has(PluginName.NodePorts)).toBe(true);
  });
});
