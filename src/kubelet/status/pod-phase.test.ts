import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../api/object.js';
import { podPhase } from './pod-phase.js';

const running = (name: string, extra: JsonObject = {}): JsonObject => ({ name, state: { running: { startedAt: 't' } }, ...extra });
const exited = (name: string, exitCode: number): JsonObject => ({ name, state: { terminated: { exitCode } } });
const waiting = (name: string, lastExit?: number): JsonObject => ({ name, state: { waiting: { reason: 'X' } }, lastState: lastExit === undefined ? {} : { terminated: { exitCode: lastExit } } });
const spec = (restartPolicy: string, extra: JsonObject = {}): JsonObject => ({ restartPolicy, containers: [{ name: 'a' }, { name: 'b' }], ...extra });

describe('podPhase (upstream getPhase, 1.32)', () => {
  it('Pending until every container has a status, Running once one runs', () => {
    expect(podPhase(spec('Always'), [], [running('a')], false)).toBe('Pending');
    expect(podPhase(spec('Always'), [], [running('a'), waiting('b')], false)).toBe('Running');
    expect(podPhase(spec('Always'), [], [waiting('a'), waiting('b')], false)).toBe('Pending');
  });

  it('stopped containers: Always stays Running, Never/OnFailure finish by exit codes', () => {
    expect(podPhase(spec('Always'), [], [exited('a', 1), exited('b', 0)], false)).toBe('Running');
    expect(podPhase(spec('Never'), [], [exited('a', 0), exited('b', 0)], false)).toBe('Succeeded');
    expect(podPhase(spec('Never'), [], [exited('a', 1), exited('b', 0)], false)).toBe('Failed');
    expect(podPhase(spec('OnFailure'), [], [exited('a', 0), exited('b', 0)], false)).toBe('Succeeded');
    expect(podPhase(spec('OnFailure'), [], [exited('a', 1), exited('b', 0)], false)).toBe('Running');
    // Crash-looping containers (waiting with a last termination) count as stopped.
    expect(podPhase(spec('Always'), [], [waiting('a', 1), waiting('b', 1)], false)).toBe('Running');
  });

  it('a terminal pod (deleted, containers stopped) ends by exit codes whatever the policy', () => {
    expect(podPhase(spec('Always'), [], [exited('a', 0), exited('b', 0)], true)).toBe('Succeeded');
    expect(podPhase(spec('Always'), [], [exited('a', 143), exited('b', 0)], true)).toBe('Failed');
  });

  it('init containers: Pending while they run; a failed one fails a Never pod', () => {
    const s = spec('Never', { initContainers: [{ name: 'init' }] });
    expect(podPhase(s, [running('init')], [waiting('a'), waiting('b')], false)).toBe('Pending');
    expect(podPhase(s, [exited('init', 1)], [waiting('a'), waiting('b')], false)).toBe('Failed');
    const a = spec('Always', { initContainers: [{ name: 'init' }] });
    expect(podPhase(a, [exited('init', 1)], [waiting('a'), waiting('b')], false)).toBe('Pending');
    expect(podPhase(a, [exited('init', 0)], [running('a'), running('b')], false)).toBe('Running');
  });

  it('sidecars keep the pod Pending until started and do not block completion', () => {
    const s = spec('Never', { initContainers: [{ name: 'side', restartPolicy: 'Always' }] });
    expect(podPhase(s, [running('side', { started: false })], [waiting('a'), waiting('b')], false)).toBe('Pending');
    expect(podPhase(s, [running('side', { started: true })], [running('a'), running('b')], false)).toBe('Running');
    expect(podPhase(s, [running('side', { started: true })], [exited('a', 0), exited('b', 0)], false)).toBe('Running');
    expect(podPhase(s, [exited('side', 137)], [exited('a', 0), exited('b', 0)], true)).toBe('Succeeded');
  });
});
