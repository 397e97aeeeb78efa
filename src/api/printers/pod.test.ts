import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object.js';
import { podRowConditions, podTablePrinter } from './pod.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const S = 1000;
const MIN = 60 * S;
const DAY = 24 * 60 * MIN;

interface PodSpecIn {
  name?: string;
  containers?: number;
  initContainers?: Array<{ name: string; restartPolicy?: string }> | number;
  status?: Record<string, unknown>;
  deletionTimestamp?: string;
  spec?: Record<string, unknown>;
}

function pod(p: PodSpecIn): KubeObject {
  const containers = Array.from({ length: p.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'img' }));
  const init = typeof p.initContainers === 'number' ? Array.from({ length: p.initContainers }, (_, i) => ({ name: `i${i}` })) : (p.initContainers ?? []);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name ?? 'p', namespace: 'default', ...(p.deletionTimestamp ? { deletionTimestamp: p.deletionTimestamp } : {}) },
    spec: { containers, initContainers: init, ...p.spec },
    status: p.status ?? {},
  };
}

/** NAME, READY, STATUS, RESTARTS, AGE — the cells `kubectl get pods` shows without -o wide. */
const cells = (o: KubeObject) => podTablePrinter.row(o, NOW).slice(0, 5);

const running = { running: { startedAt: ago(60 * MIN) } };

describe('pod table', () => {
  it('has the upstream columns', () => {
    expect(podTablePrinter.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ]);
    expect(podTablePrinter.columns[0].format).toBe('name');
  });

  it.each<[string, PodSpecIn, unknown[]]>([
    [
      'counts ready running containers and sums restarts',
      { containers: 2, status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] } },
      ['p', '1/2', 'podPhase', '6', '<unknown>'],
    ],
    [
      'a waiting reason overrides the phase',
      {
        containers: 2,
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            { restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          ],
        },
      },
      ['p', '1/2', 'CrashLoopBackOff', '6', '<unknown>'],
    ],
    [
      'the first container wins (statuses are read last to first)',
      {
        containers: 2,
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { restartCount: 3, state: { waiting: { reason: 'ImagePullBackOff' } } },
            { restartCount: 3, state: { terminated: { reason: 'Error', exitCode: 1 } } },
          ],
        },
      },
      ['p', '0/2', 'ImagePullBackOff', '6', '<unknown>'],
    ],
    [
      'status.reason replaces the phase',
      { containers: 2, status: { reason: 'Evicted', phase: 'Failed', containerStatuses: [{ ready: true, restartCount: 0, state: running }, {}] } },
      ['p', '1/2', 'Evicted', '0', '<unknown>'],
    ],
    [
      'Completed with a running sibling and no Ready condition is NotReady',
      {
        containers: 2,
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
            { ready: true, restartCount: 3, state: running },
          ],
        },
      },
      ['p', '1/2', 'NotReady', '6', '<unknown>'],
    ],
    [
      'Completed with a running sibling and Ready=True is Running',
      {
        containers: 2,
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [
            { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
            { ready: true, restartCount: 3, state: running },
          ],
        },
      },
      ['p', '1/2', 'Running', '6', '<unknown>'],
    ],
    [
      'a restarting init container shows Init:i/n and the restart age',
      {
        initContainers: 1,
        status: {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'i0', restartCount: 3, state: running, lastState: { terminated: { finishedAt: ago(10 * S) } } }],
          containerStatuses: [{ restartCount: 0, state: { waiting: {} } }],
        },
      },
      ['p', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>'],
    ],
    [
      'completed init containers are skipped and their restarts counted',
      {
        initContainers: 2,
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'i0', restartCount: 2, state: { terminated: {} }, lastState: { terminated: { finishedAt: ago(2 * MIN) } } },
            { name: 'i1', restartCount: 3, state: running, lastState: { terminated: { finishedAt: ago(10 * S) } } },
          ],
          containerStatuses: [{ state: { waiting: {} } }],
        },
      },
      ['p', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>'],
    ],
    [
      'init waiting reasons and failed init containers',
      {
        initContainers: 2,
        status: {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'i0', state: { waiting: { reason: 'ErrImagePull' } } }, { name: 'i1', state: { waiting: {} } }],
        },
      },
      ['p', '0/1', 'Init:ErrImagePull', '0', '<unknown>'],
    ],
    ['init exit code without reason', { initContainers: 1, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { terminated: { exitCode: 2 } } }] } }, ['p', '0/1', 'Init:ExitCode:2', '0', '<unknown>']],
    ['init signal without reason', { initContainers: 1, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { terminated: { exitCode: 137, signal: 9 } } }] } }, ['p', '0/1', 'Init:Signal:9', '0', '<unknown>']],
    [
      'PodInitializing is not a reason to show',
      { initContainers: 1, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { waiting: { reason: 'PodInitializing' } } }] } },
      ['p', '0/1', 'Init:0/1', '0', '<unknown>'],
    ],
    [
      'main container restarts only, once initialised',
      {
        initContainers: 1,
        status: {
          phase: 'Running',
          initContainerStatuses: [{ name: 'i0', restartCount: 2, state: { terminated: {} }, lastState: { terminated: { finishedAt: ago(2 * MIN) } } }],
          containerStatuses: [{ restartCount: 4, state: running, lastState: { terminated: { finishedAt: ago(20 * S) } } }],
        },
      },
      ['p', '0/1', 'Running', '4 (20s ago)', '<unknown>'],
    ],
    [
      'restart age in days',
      {
        containers: 2,
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: true, restartCount: 6, state: running, lastState: { terminated: { finishedAt: ago(5 * DAY) } } },
            { ready: true, restartCount: 3, state: running, lastState: { terminated: { finishedAt: ago(20 * DAY) } } },
          ],
        },
      },
      ['p', '2/2', 'Running', '9 (5d ago)', '<unknown>'],
    ],
    ['SchedulingGated', { containers: 2, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }, ['p', '0/2', 'SchedulingGated', '0', '<unknown>']],
    ['Succeeded', { status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } }, ['p', '0/1', 'Completed', '0', '<unknown>']],
    ['exit code without reason', { status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 3 } } }] } }, ['p', '0/1', 'ExitCode:3', '0', '<unknown>']],
    [
      'failed pod with a crashed and a running container',
      {
        containers: 2,
        status: {
          phase: 'Failed',
          containerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'podCrash' } } }, { ready: true, state: running }],
        },
      },
      ['p', '1/2', 'podCrash', '0', '<unknown>'],
    ],
  ])('%s', (_name, input, want) => {
    expect(cells(pod(input))).toEqual(want);
  });

  it('marks deleted pods Terminating unless they finished, and Unknown when the node was lost', () => {
    const deleted = ago(10 * S);
    expect(cells(pod({ deletionTimestamp: deleted, status: { phase: 'Running', containerStatuses: [{ state: running }] } }))[2]).toBe('Terminating');
    expect(cells(pod({ deletionTimestamp: deleted, status: { phase: 'Pending' } }))[2]).toBe('Terminating');
    expect(
      cells(pod({ deletionTimestamp: deleted, status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed' } } }] } }))[2],
    ).toBe('Completed');
    expect(cells(pod({ deletionTimestamp: deleted, status: { phase: 'Running', reason: 'NodeLost' } }))[2]).toBe('Unknown');
  });

  it('counts started sidecars as ready containers', () => {
    const sidecars = [
      { name: 'sc1', restartPolicy: 'Always' },
      { name: 'sc2', restartPolicy: 'Always' },
    ];
    const notStarted = pod({
      initContainers: sidecars,
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [
          { name: 'sc1', restartCount: 3, state: running, started: false, lastState: { terminated: { finishedAt: ago(10 * S) } } },
          { name: 'sc2', state: { waiting: {} }, started: false },
        ],
        containerStatuses: [{ state: { waiting: {} } }],
      },
    });
    expect(cells(notStarted)).toEqual(['p', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>']);

    const oneStarted = pod({
      initContainers: sidecars,
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [
          { name: 'sc1', restartCount: 3, state: running, started: true, lastState: { terminated: { finishedAt: ago(10 * S) } } },
          { name: 'sc2', state: running, started: false },
        ],
        containerStatuses: [{ state: { waiting: {} } }],
      },
    });
    expect(cells(oneStarted)).toEqual(['p', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>']);

    const allStarted = pod({
      initContainers: sidecars,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          { name: 'sc1', ready: true, restartCount: 3, state: running, started: true, lastState: { terminated: { finishedAt: ago(10 * S) } } },
          { name: 'sc2', ready: true, state: running, started: true },
        ],
        containerStatuses: [{ ready: true, restartCount: 4, state: running, lastState: { terminated: { finishedAt: ago(20 * S) } } }],
      },
    });
    expect(cells(allStarted)).toEqual(['p', '3/3', 'Running', '7 (10s ago)', '<unknown>']);

    const crashedSidecars = pod({
      initContainers: sidecars,
      status: {
        phase: 'Succeeded',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          { name: 'sc1', restartCount: 3, state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false, lastState: { terminated: { finishedAt: ago(10 * S) } } },
          { name: 'sc2', state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false },
        ],
        containerStatuses: [{ restartCount: 4, state: { terminated: { reason: 'Completed', exitCode: 0 } }, lastState: { terminated: { finishedAt: ago(20 * S) } } }],
      },
    });
    expect(cells(crashedSidecars)).toEqual(['p', '0/3', 'Completed', '7 (10s ago)', '<unknown>']);
  });

  it('fills the wide columns', () => {
    const p = pod({
      spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'a' }, { conditionType: 'b' }] },
      status: {
        phase: 'Running',
        podIP: '10.0.0.9',
        podIPs: [{ ip: '10.42.0.5' }, { ip: 'fd00::5' }],
        conditions: [
          { type: 'a', status: 'True' },
          { type: 'b', status: 'False' },
        ],
        containerStatuses: [{ ready: true, state: running }],
      },
    });
    p.metadata.creationTimestamp = ago(5 * MIN);
    expect(podTablePrinter.row(p, NOW)).toEqual(['p', '1/1', 'Running', '0', '5m', '10.42.0.5', 'node-1', '<none>', '1/2']);
    const bare = pod({ status: { phase: 'Pending' } });
    expect(podTablePrinter.row(bare, NOW).slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
  });

  it('reports row conditions for finished pods', () => {
    expect(podRowConditions(pod({ status: { phase: 'Succeeded' } }))).toEqual([
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
    expect(podRowConditions(pod({ status: { phase: 'Failed' } }))[0].reason).toBe('Failed');
    expect(podRowConditions(pod({ status: { phase: 'Running' } }))).toEqual([]);
  });
});
