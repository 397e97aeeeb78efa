import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { NodeInfo } from '../framework/node-info.js';
import { newPodInfo } from '../framework/pod-info.js';
import { podResourceRequests } from '../framework/resource.js';
import { Code } from '../framework/status.js';
import { Harness } from '../testing/harness.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { PluginName } from './names.js';
import { fitsNode, fitsRequest } from './node-resources-fit.js';

describe('pod requests', () => {
  it('sums containers, takes the largest init container, adds sidecars and overhead', () => {
    const spec = {
      initContainers: [
        { name: 'i1', resources: { requests: { cpu: '2', memory: '1G' } } },
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '100m' } } },
        { name: 'i2', resources: { requests: { cpu: '2', memory: '3G' } } },
      ],
      containers: [
        { name: 'c1', resources: { requests: { cpu: '2', memory: '1G' } } },
        { name: 'c2', resources: { requests: { cpu: '1', memory: '1G', 'example.com/gpu': '1' } } },
      ],
      overhead: { cpu: '50m' },
    };
    const r = podResourceRequests(spec);
    // containers 3 cpu + sidecar 100m = 3100m vs init max (2 + sidecar 100m): 3100m; + overhead.
    expect(r.requests.milliCPU).toBe(3150);
    // containers 2G + 0 vs i2 3G (+ sidecar 0): 3G.
    expect(r.requests.memory).toBe(3_000_000_000);
    expect(r.requests.getScalar('example.com/gpu')).toBe(1);
    // Non-zero: the sidecar without memory counts the 200Mi default.
    expect(r.nonZeroMemory).toBe(Math.max(2_000_000_000 + 200 * 1024 * 1024, 3_000_000_000 + 200 * 1024 * 1024));
  });

  it('defaults cpu and memory for scoring only', () => {
    const r = podResourceRequests({ containers: [{ name: 'c' }, { name: 'd', resources: { requests: { cpu: '0' } } }] });
    expect(r.requests.milliCPU).toBe(0);
    expect(r.nonZeroMilliCPU).toBe(100);
    expect(r.nonZeroMemory).toBe(2 * 200 * 1024 * 1024);
  });
});

describe('NodeResourcesFit', () => {
  it('lists every insufficient resource', () => {
    const h = new Harness([makeNode('n', { cpu: '2', memory: '2Gi', extra: { 'ephemeral-storage': '10Gi', 'example.com/gpu': '1' } })], [makePod('used', { nodeName: 'n', cpu: '1500m', memory: '1Gi' })]);
    const pod = makePod('p', { cpu: '1', memory: '1500Mi', extra: { 'ephemeral-storage': '20Gi', 'example.com/gpu': '2' } });
    expect(h.filter(pod).statuses.get('n')).toMatchObject({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ['Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage', 'Insufficient example.com/gpu'],
      plugin: PluginName.NodeResourcesFit,
    });
    // Within what the node has in total, the node is only Unschedulable (preemption may help).
    expect(h.filter(makePod('q', { cpu: '1' })).statuses.get('n')).toMatchObject({ code: Code.Unschedulable, reasons: ['Insufficient cpu'] });
    expect(h.feasible(makePod('r', { cpu: '500m', memory: '1Gi' }))).toEqual(['n']);
  });

  it('checks the pod count even for pods without requests', () => {
    const h = new Harness([makeNode('n', { pods: '1' })], [makePod('used', { nodeName: 'n' })]);
    expect(h.filter(makePod('p')).statuses.get('n')).toMatchObject({ code: Code.Unschedulable, reasons: ['Too many pods'] });
  });

  it('keeps the node info’s fast-path copies in step as pods come and go, in clones and on node changes', () => {
    const node = (cpu: string) => makeNode('n', { cpu, memory: '2Gi', pods: '2', extra: { 'ephemeral-storage': '10Gi' } });
    const pod = (name: string, cpu: string, storage = '1Gi') => newPodInfo(makePod(name, { nodeName: 'n', cpu, memory: '512Mi', extra: { 'ephemeral-storage': storage } }));
    const copies = (ni: NodeInfo) => [ni.allocatableMilliCPU, ni.allocatableMemory, ni.requestedMilliCPU, ni.requestedMemory, ni.freeEphemeralStorage, ni.freePods];
    const derived = (ni: NodeInfo) => [
      ni.allocatable.milliCPU,
      ni.allocatable.memory,
      ni.requested.milliCPU,
      ni.requested.memory,
      ni.allocatable.ephemeralStorage - ni.requested.ephemeralStorage,
      ni.allocatable.allowedPodNumber - ni.pods.length,
    ];
    /** The fast path agrees with fitsRequest (no insufficient resource) for these probes. */
    const agrees = (ni: NodeInfo) => {
      for (const probe of [pod('a', '500m'), pod('b', '1500m'), pod('c', '100m', '9Gi'), pod('d', '3')]) expect(fitsNode(probe, ni)).toBe(fitsRequest(probe, ni).length === 0);
    };
    const ni = new NodeInfo('n', node('2'));
    expect(copies(ni)).toEqual([2000, 2 * 1024 ** 3, 0, 0, 10 * 1024 ** 3, 2]);
    agrees(ni);
    ni.addPod(pod('p1', '1'));
    expect(copies(ni)).toEqual(derived(ni));
    expect(fitsNode(pod('x', '1500m'), ni)).toBe(false);
    expect(fitsNode(pod('x', '1'), ni)).toBe(true);
    agrees(ni);
    const clone = ni.clone();
    clone.addPod(pod('p2', '500m'));
    expect(copies(clone)).toEqual(derived(clone));
    expect(clone.freePods).toBe(0);
    expect(fitsNode(pod('x', '100m'), clone)).toBe(false);
    expect(ni.freePods).toBe(1);
    agrees(clone);
    ni.removePod('uid-p1');
    expect(copies(ni)).toEqual([2000, 2 * 1024 ** 3, 0, 0, 10 * 1024 ** 3, 2]);
    ni.addPod(pod('p3', '2'));
    expect(fitsNode(pod('x', '500m'), ni)).toBe(false);
    ni.setNode(node('4'));
    expect(copies(ni)).toEqual(derived(ni));
    expect(fitsNode(pod('x', '500m'), ni)).toBe(true);
    agrees(ni);
  });

  it('scores LeastAllocated on cpu and memory, with non-zero defaults', () => {
    const h = new Harness([makeNode('n1', { cpu: '4', memory: '10000' }), makeNode('n2', { cpu: '6', memory: '10000' })]);
    expect(h.pluginScores(PluginName.NodeResourcesFit, makePod('p', { cpu: '3', memory: '5000' }))).toEqual({ n1: 37, n2: 50 });
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it('prefers nodes whose cpu and memory use would be even', () => {
    const h = new Harness([makeNode('n1', { cpu: '4', memory: '10000' }), makeNode('n2', { cpu: '6', memory: '10000' })]);
    expect(h.pluginScores(PluginName.NodeResourcesBalancedAllocation, makePod('p', { cpu: '3', memory: '5000' }))).toEqual({ n1: 87, n2: 100 });
  });
});

describe('ImageLocality', () => {
  it('prefers nodes holding the image, scaled by its spread', () => {
    const images = [{ names: ['docker.io/big:1'], sizeBytes: 500 * 1024 * 1024 }];
    const h = new Harness([makeNode('has', { images }), makeNode('lacks')]);
    const s = h.pluginScores(PluginName.ImageLocality, makePod('p', { image: 'docker.io/big:1' }));
    // 500 MiB × (1 node of 2) = 250 MiB → 100 × (250 − 23) / (1000 − 23).
    expect(s).toEqual({ has: 23, lacks: 0 });
    expect(h.pluginScores(PluginName.ImageLocality, makePod('q', { image: 'other' }))).toBeUndefined();
  });
});

describe('scores combined', () => {
  it('weights and sums the plugins', () => {
    const h = new Harness([makeNode('n1', { cpu: '4', memory: '10000' }), makeNode('n2', { cpu: '6', memory: '10000' })]);
    // Fit 37/50 + balanced 87/100 + taints 100 × 3 for both.
    expect(h.scores(makePod('p', { cpu: '3', memory: '5000' }))).toEqual({ n1: 37 + 87 + 300, n2: 50 + 100 + 300 });
  });

  it('counts assumed pods at once', () => {
    const h = new Harness([makeNode('n', { cpu: '1' })]);
    const first: KubeObject = makePod('a', { cpu: '800m' });
    h.cache.assumePod({ ...newPodInfo(first), nodeName: 'n' });
    expect(h.feasible(makePod('b', { cpu: '800m' }))).toEqual([]);
    h.cache.forgetPod(newPodInfo(first));
    expect(h.feasible(makePod('b', { cpu: '800m' }))).toEqual(['n']);
  });
});
