import { describe, expect, it } from 'vitest';
import type { DockerContainerInspect } from './docker-api.js';
import { dockerErrorMessage } from './docker-api.js';
import {
  cpuQuota,
  cpuShares,
  dockerBind,
  dockerContainerName,
  dockerSince,
  dockerTime,
  dockerUser,
  entrypointAndCmd,
  imageRef,
  INTERNAL,
  kubeletTimestamp,
  normalizeImageName,
  publicLabels,
  rfc3339Nano,
  splitImageReference,
  toContainerStatus,
  withLabelRecord,
} from './docker-mapping.js';

const ZERO = '0001-01-01T00:00:00Z';
function inspect(state: Partial<DockerContainerInspect['State']>, labels: Record<string, string> = {}): DockerContainerInspect {
  return {
    Id: 'abc',
    Name: '/k8s_app_p_ns_uid_0',
    Created: '2025-01-01T00:00:00.5Z',
    Image: 'sha256:1111',
    State: { Status: 'exited', Running: false, OOMKilled: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO, FinishedAt: ZERO, ...state },
    Config: { Image: 'busybox', Labels: labels, Tty: false },
    HostConfig: {},
    NetworkSettings: {},
  };
}

describe('docker mapping', () => {
  it('command/args as Kubernetes: command replaces ENTRYPOINT, args replace CMD', () => {
    expect(entrypointAndCmd({})).toEqual({});
    expect(entrypointAndCmd({ command: [], args: [] })).toEqual({});
    expect(entrypointAndCmd({ args: ['a'] })).toEqual({ Cmd: ['a'] });
    expect(entrypointAndCmd({ command: ['x'] })).toEqual({ Entrypoint: ['x'] });
    expect(entrypointAndCmd({ command: ['x'], args: ['a'] })).toEqual({ Entrypoint: ['x'], Cmd: ['a'] });
  });

  it('cpu shares and quota as the kubelet computes them', () => {
    expect(cpuShares(undefined)).toBe(2);
    expect(cpuShares(0)).toBe(2);
    expect(cpuShares(1)).toBe(2);
    expect(cpuShares(100)).toBe(102);
    expect(cpuShares(500)).toBe(512);
    expect(cpuShares(1000)).toBe(1024);
    expect(cpuShares(1_000_000)).toBe(262144);
    expect(cpuQuota(undefined)).toBeUndefined();
    expect(cpuQuota(250)).toEqual({ CpuQuota: 25000, CpuPeriod: 100000 });
    expect(cpuQuota(1)).toEqual({ CpuQuota: 1000, CpuPeriod: 100000 });
  });

  it('binds, users, names', () => {
    expect(dockerBind({ hostPath: '/h', containerPath: '/c' })).toBe('/h:/c');
    expect(dockerBind({ hostPath: '/h', containerPath: '/c', readOnly: true, propagation: 'HostToContainer' })).toBe('/h:/c:ro,rslave');
    expect(dockerBind({ hostPath: '/h', containerPath: '/c', propagation: 'Bidirectional' })).toBe('/h:/c:rshared');
    expect(dockerUser(undefined, undefined, 'nobody')).toBeUndefined();
    expect(dockerUser(1000, undefined, undefined)).toBe('1000');
    expect(dockerUser(0, 5, undefined)).toBe('0:5');
    expect(dockerUser(undefined, 5, 'nginx:101')).toBe('nginx:5');
    expect(dockerUser(undefined, 5, '')).toBe('0:5');
    const sb = { name: 'web', namespace: 'ns', uid: 'u', attempt: 2 } as Parameters<typeof dockerContainerName>[0];
    expect(dockerContainerName(sb)).toBe('k8s_POD_web_ns_u_2');
    expect(dockerContainerName(sb, { name: 'app', attempt: 1 } as Parameters<typeof dockerContainerName>[1])).toBe('k8s_app_web_ns_u_1');
  });

  it('image references', () => {
    expect(imageRef('sha256:aa', [])).toBe('docker://sha256:aa');
    expect(imageRef('sha256:aa', ['nginx@sha256:bb'])).toBe('docker-pullable://nginx@sha256:bb');
    expect(normalizeImageName('docker-pullable://nginx@sha256:bb')).toBe('nginx@sha256:bb');
    expect(normalizeImageName('docker://sha256:aa')).toBe('sha256:aa');
    expect(splitImageReference('nginx')).toEqual({ fromImage: 'nginx', tag: 'latest' });
    expect(splitImageReference('localhost:5000/app')).toEqual({ fromImage: 'localhost:5000/app', tag: 'latest' });
    expect(splitImageReference('localhost:5000/app:1')).toEqual({ fromImage: 'localhost:5000/app', tag: '1' });
    expect(splitImageReference('nginx@sha256:bb')).toEqual({ fromImage: 'nginx', tag: 'sha256:bb' });
  });

  it('container states and reasons as cri-dockerd', () => {
    const fin = '2025-01-01T00:00:02Z';
    const start = '2025-01-01T00:00:01Z';
    expect(toContainerStatus(inspect({ Status: 'created' }), { imageRef: 'r' })).toMatchObject({ state: 'created', createdAt: Date.parse('2025-01-01T00:00:00.5Z') });
    expect(toContainerStatus(inspect({ Status: 'running', Running: true, StartedAt: start }), { imageRef: 'r' })).toMatchObject({ state: 'running', startedAt: Date.parse(start) });
    expect(toContainerStatus(inspect({ StartedAt: start, FinishedAt: fin, ExitCode: 0 }), { imageRef: 'r' })).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: Date.parse(fin) });
    expect(toContainerStatus(inspect({ StartedAt: start, FinishedAt: fin, ExitCode: 2 }), { imageRef: 'r' })).toMatchObject({ reason: 'Error', exitCode: 2 });
    expect(toContainerStatus(inspect({ StartedAt: start, FinishedAt: fin, ExitCode: 137, OOMKilled: true }), { imageRef: 'r' })).toMatchObject({ reason: 'OOMKilled' });
    const cannot = toContainerStatus(inspect({ Status: 'created', ExitCode: 127, Error: 'exec: "x": executable file not found in $PATH' }), { imageRef: 'r' });
    expect(cannot).toMatchObject({ state: 'exited', reason: 'ContainerCannotRun', exitCode: 127, message: 'exec: "x": executable file not found in $PATH' });
    expect(cannot.startedAt).toBe(cannot.createdAt);
    expect(toContainerStatus(inspect({ StartedAt: start, FinishedAt: fin, ExitCode: 1 }), { imageRef: 'r', terminationMessage: 'bye' }).message).toBe('bye');
  });

  it('labels: only the recorded ones are public', () => {
    const recorded = withLabelRecord({ a: '1', [INTERNAL.attempt]: '0' });
    expect(publicLabels({ ...recorded, 'from.image': 'x' })).toEqual({ a: '1' });
    expect(publicLabels({ a: '1', [INTERNAL.attempt]: '0' })).toEqual({ a: '1' });
  });

  it('times', () => {
    expect(dockerTime(ZERO)).toBeUndefined();
    expect(dockerTime('')).toBeUndefined();
    expect(dockerTime('2025-01-01T00:00:00.123456789Z')).toBe(Date.parse('2025-01-01T00:00:00.123Z'));
    expect(kubeletTimestamp('2025-01-01T00:00:00.120000000Z')).toBe('2025-01-01T00:00:00.12Z');
    expect(kubeletTimestamp('2025-01-01T00:00:00.000000000Z')).toBe('2025-01-01T00:00:00Z');
    expect(kubeletTimestamp('2025-01-01T00:00:00.123456789Z')).toBe('2025-01-01T00:00:00.123456789Z');
    expect(rfc3339Nano(Date.parse('2025-01-01T00:00:00.250Z'))).toBe('2025-01-01T00:00:00.25Z');
    expect(rfc3339Nano(Date.parse('2025-01-01T00:00:00Z'), 7)).toBe('2025-01-01T00:00:00.000000007Z');
    expect(dockerSince(1735689600250)).toBe('1735689600.250000000');
  });

  it('engine error messages', () => {
    expect(dockerErrorMessage({ statusCode: 404, json: { message: 'No such container: x' }, message: '(HTTP code 404) no such container - No such container: x ' })).toBe('No such container: x');
    expect(dockerErrorMessage({ message: '(HTTP code 500) server error - boom ' })).toBe('boom');
    expect(dockerErrorMessage({ code: 'ENOENT', address: '/var/run/docker.sock' })).toMatch(/^Cannot connect to the Docker daemon at unix:\/\/\/var\/run\/docker.sock/);
  });
});
