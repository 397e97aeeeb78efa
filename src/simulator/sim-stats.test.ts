import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { FakeClock } from '../util/clock.js';
import { nodeMemoryBytes, simulatedSummary, simulatedUsage, SIM_USAGE_ANNOTATIONS } from './sim-stats.js';

const NODE = 'sim-node-0';
const START = Date.parse('2025-01-01T00:00:00Z');
const MI = 1024 * 1024;

const running = (name: string, startedAt = '2025-01-01T00:00:00Z') => ({ name, containerID: `lite-sim://${name}`, state: { running: { startedAt } } });

function pod(name: string, annotations: Record<string, string>, statuses: Record<string, unknown>[], node = NODE): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, annotations },
    spec: { nodeName: node, containers: statuses.map((s) => ({ name: s.name, image: 'x' })) },
    status: { phase: 'Running', startTime: '2025-01-01T00:00:00Z', containerStatuses: statuses },
  };
}

const annotated = (cpu: string, memory: string) => ({ [SIM_USAGE_ANNOTATIONS.cpu]: cpu, [SIM_USAGE_ANNOTATIONS.memory]: memory });

/** `memoryBytes` null: the node's memory is unknown. */
function summary(pods: KubeObject[], clock: FakeClock, memoryBytes: number | null = 256 * 1024 * MI) {
  return simulatedSummary({ nodeName: NODE, nodeStartTime: START - 60_000, memoryBytes: memoryBytes ?? undefined, pods, now: clock.now() });
}

describe('simulatedSummary', () => {
  it('reports the annotated usage of every running container, cumulative CPU growing with the clock', () => {
    const clock = new FakeClock(START);
    const p = pod('web', annotated('250m', '64Mi'), [running('a'), running('b')]);
    const first = summary([p], clock);
    expect(first.pods).toHaveLength(1);
    const [ps] = first.pods;
    expect(ps?.podRef).toEqual({ name: 'web', namespace: 'ns', uid: 'uid-web' });
    expect(ps?.startTime).toBe('2025-01-01T00:00:00.000Z');
    expect(ps?.containers.map((c) => c.name)).toEqual(['a', 'b']);
    for (const c of ps?.containers ?? []) {
      expect(c.startTime).toBe('2025-01-01T00:00:00.000Z');
      expect(c.cpu).toEqual({ time: '2025-01-01T00:00:00.000Z', usageNanoCores: 250_000_000, usageCoreNanoSeconds: 0 });
      expect(c.memory).toEqual({ time: '2025-01-01T00:00:00.000Z', usageBytes: 64 * MI, workingSetBytes: 64 * MI });
    }

    clock.advance(10_000);
    const later = summary([p], clock);
    // 0.25 cores × 10 s = 2.5 core-seconds per container.
    expect(later.pods[0]?.containers[0]?.cpu).toEqual({ time: '2025-01-01T00:00:10.000Z', usageNanoCores: 250_000_000, usageCoreNanoSeconds: 2_500_000_000 });
    expect(later.pods[0]?.cpu).toEqual({ time: '2025-01-01T00:00:10.000Z', usageNanoCores: 500_000_000, usageCoreNanoSeconds: 5_000_000_000 });
    expect(later.pods[0]?.memory).toEqual({ time: '2025-01-01T00:00:10.000Z', usageBytes: 128 * MI, workingSetBytes: 128 * MI });
  });

  it('counts from when the container instance started (a restarted one starts afresh)', () => {
    const clock = new FakeClock(START);
    clock.advance(30_000);
    const p = pod('web', annotated('2', '1Gi'), [{ ...running('a', '2025-01-01T00:00:20Z'), restartCount: 1 }]);
    expect(summary([p], clock).pods[0]?.containers[0]?.cpu.usageCoreNanoSeconds).toBe(20_000_000_000);
  });

  it('reports 0 for a pod without annotations, or with malformed or negative ones', () => {
    const clock = new FakeClock(START + 5000);
    const pods = [
      pod('plain', {}, [running('a')]),
      pod('typo', annotated('lots', '64 MB'), [running('a')]),
      pod('negative', annotated('-1', '-64Mi'), [running('a')]),
      pod('empty', annotated('', ''), [running('a')]),
    ];
    const s = summary(pods, clock);
    expect(s.pods.map((p) => p.podRef.name)).toEqual(['plain', 'typo', 'negative', 'empty']);
    for (const p of s.pods) {
      expect(p.containers[0]?.cpu).toMatchObject({ usageNanoCores: 0, usageCoreNanoSeconds: 0 });
      expect(p.containers[0]?.memory).toMatchObject({ usageBytes: 0, workingSetBytes: 0 });
    }
    // A malformed CPU annotation does not take the well-formed memory one with it.
    expect(simulatedUsage(pod('half', annotated('1 core', '1Ki'), []))).toEqual({ nanoCores: 0n, memoryBytes: 1024 });
  });

  it('reports running containers only (sidecars and ephemeral ones too); omits pods with none and pods of other nodes', () => {
    const clock = new FakeClock(START + 1000);
    const waiting = pod('waiting', annotated('1', '1Mi'), [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }]);
    const done = pod('done', annotated('1', '1Mi'), [{ name: 'a', state: { terminated: { exitCode: 0, startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:01Z' } } }]);
    const elsewhere = pod('elsewhere', annotated('1', '1Mi'), [running('a')], 'sim-node-1');
    const mixed = pod('mixed', annotated('1', '1Mi'), [running('app'), { name: 'crashing', state: { waiting: { reason: 'CrashLoopBackOff' } } }]);
    (mixed.status as Record<string, unknown>).initContainerStatuses = [running('sidecar'), { name: 'init', state: { terminated: { exitCode: 0 } } }];
    (mixed.status as Record<string, unknown>).ephemeralContainerStatuses = [running('debugger')];
    const s = summary([waiting, done, elsewhere, mixed], clock);
    expect(s.pods.map((p) => p.podRef.name)).toEqual(['mixed']);
    expect(s.pods[0]?.containers.map((c) => c.name)).toEqual(['sidecar', 'app', 'debugger']);
  });

  it('node figures are the sums of its pods, available memory what is left of the allocatable', () => {
    const clock = new FakeClock(START);
    clock.advance(4000);
    const pods = [pod('a', annotated('250m', '64Mi'), [running('c1'), running('c2')]), pod('b', annotated('1500m', '1Gi'), [running('c1')]), pod('c', {}, [running('c1')])];
    const s = summary(pods, clock, 2048 * MI);
    const podCpu = s.pods.reduce((n, p) => n + p.cpu.usageCoreNanoSeconds, 0);
    expect(s.node.nodeName).toBe(NODE);
    expect(s.node.startTime).toBe('2024-12-31T23:59:00.000Z');
    expect(s.node.cpu).toEqual({ time: '2025-01-01T00:00:04.000Z', usageNanoCores: 2_000_000_000, usageCoreNanoSeconds: podCpu });
    expect(podCpu).toBe(8_000_000_000); // (0.25 + 0.25 + 1.5) cores × 4 s
    expect(s.node.memory).toEqual({ time: '2025-01-01T00:00:04.000Z', usageBytes: 1152 * MI, workingSetBytes: 1152 * MI, availableBytes: 896 * MI });
    // Over-committed: nothing is left, never a negative amount.
    expect(summary(pods, clock, 1024 * MI).node.memory.availableBytes).toBe(0);
    expect(summary(pods, clock, null).node.memory.availableBytes).toBeUndefined();
  });

  it('an empty node reports zeros', () => {
    const s = summary([], new FakeClock(START));
    expect(s.pods).toEqual([]);
    expect(s.node.cpu).toMatchObject({ usageNanoCores: 0, usageCoreNanoSeconds: 0 });
    expect(s.node.memory).toMatchObject({ usageBytes: 0, workingSetBytes: 0, availableBytes: 256 * 1024 * MI });
  });

  it('absurd annotations stay within uint64 counters', () => {
    const clock = new FakeClock(START);
    clock.advance(3_600_000);
    const s = summary([pod('huge', annotated('1e12', '1E'), [running('a')])], clock);
    const json = JSON.stringify(s);
    expect(json).not.toMatch(/e\+/);
    expect(s.node.cpu.usageCoreNanoSeconds).toBeLessThan(2 ** 64);
  });
});

describe('nodeMemoryBytes', () => {
  it('reads allocatable, else capacity', () => {
    const node = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, status });
    expect(nodeMemoryBytes(node({ allocatable: { memory: '1Gi' }, capacity: { memory: '2Gi' } }))).toBe(1024 * MI);
    expect(nodeMemoryBytes(node({ capacity: { memory: '2Gi' } }))).toBe(2048 * MI);
    expect(nodeMemoryBytes(node({ allocatable: { memory: 'garbage' } }))).toBeUndefined();
    expect(nodeMemoryBytes(undefined)).toBeUndefined();
  });
});
