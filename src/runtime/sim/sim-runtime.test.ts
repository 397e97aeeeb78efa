import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/clock.js';
import { LABELS, RuntimeError, type ContainerConfig, type SandboxConfig } from '../container-runtime.js';
import { describeRuntimeConformance, removeDir } from '../testing/runtime-conformance.js';
import { ENTRYPOINT_IMAGE_CONFIG, TEST_IMAGES } from '../testing/test-images.js';
import { SimRuntime, SimWorld, canonicalReference, type SimImage } from './sim-runtime.js';

const testImages: SimImage[] = [
  { name: TEST_IMAGES.busybox, cmd: ['sh'], files: { '/www/index.html': 'lite-test busybox\n' } },
  { name: TEST_IMAGES.entrypoint, entrypoint: [...ENTRYPOINT_IMAGE_CONFIG.entrypoint], cmd: [...ENTRYPOINT_IMAGE_CONFIG.cmd] },
];

describeRuntimeConformance('sim', async () => {
  const world = new SimWorld();
  const hostDir = await mkdtemp(join(tmpdir(), 'lite-runtime-sim-'));
  return {
    runtime: new SimRuntime({ nodeName: 'sim-a', images: testImages, world }),
    otherNode: new SimRuntime({ nodeName: 'sim-b', images: testImages, world }),
    nodeName: 'sim-a',
    images: TEST_IMAGES,
    hostDir,
    cleanup: () => removeDir(hostDir),
  };
});

const sandbox = (name = 'p'): SandboxConfig => ({
  name,
  namespace: 'default',
  uid: `uid-${name}`,
  attempt: 0,
  hostname: name,
  labels: {},
  hostNetwork: false,
  portMappings: [],
});
const container = (overrides: Partial<ContainerConfig> = {}): ContainerConfig => ({
  name: 'c',
  attempt: 0,
  image: 'nginx',
  env: [],
  mounts: [],
  labels: {},
  ...overrides,
});
const flush = () => new Promise((r) => setImmediate(r));

describe('SimRuntime with a fake clock', () => {
  it('runs behaviours on the injected clock: logs, exit after N ms with a code', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({
      nodeName: 'n',
      clock,
      images: [{ name: 'nginx:latest' }],
      behaviour: ({ container: c }) => (c.name === 'job' ? { logs: ['working', { stream: 'stderr', line: 'warn' }], exitAfterMs: 5000, exitCode: 3 } : { logs: ['serving'] }),
    });
    const sid = await rt.runPodSandbox(sandbox());
    const job = await rt.createContainer(sid, container({ name: 'job' }), sandbox());
    await rt.startContainer(job);
    expect((await rt.containerStatus(job)).state).toBe('running');
    clock.advance(4999);
    expect((await rt.containerStatus(job)).state).toBe('running');
    clock.advance(1);
    const s = await rt.containerStatus(job);
    expect(s).toMatchObject({ state: 'exited', exitCode: 3, reason: 'Error', startedAt: clock.now() - 5000, finishedAt: clock.now() });
    const lines: string[] = [];
    for await (const l of rt.logs(job, { follow: false, timestamps: true })) lines.push(Buffer.from(l).toString());
    expect(lines).toEqual(['2025-01-01T00:00:00Z working\n', '2025-01-01T00:00:00.000000001Z warn\n']);
  });

  it('interprets shell scripts on the injected clock', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({ nodeName: 'n', clock, images: [{ name: 'busybox' }] });
    const sid = await rt.runPodSandbox(sandbox());
    const id = await rt.createContainer(sid, container({ image: 'busybox', command: ['sh', '-c', 'echo a; sleep 10; echo b; exit 4'] }), sandbox());
    await rt.startContainer(id);
    await flush();
    clock.advance(9_000);
    await flush();
    expect((await rt.containerStatus(id)).state).toBe('running');
    clock.advance(1_000);
    await flush();
    expect(await rt.containerStatus(id)).toMatchObject({ state: 'exited', exitCode: 4 });
  });

  it('stop: SIGTERM ignored by PID 1 → SIGKILL after the grace period of the clock', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({ nodeName: 'n', clock, images: [{ name: 'busybox' }] });
    const sid = await rt.runPodSandbox(sandbox());
    const id = await rt.createContainer(sid, container({ image: 'busybox', command: ['sleep', 'infinity'] }), sandbox());
    await rt.startContainer(id);
    const stopped = rt.stopContainer(id, 30);
    await flush();
    expect((await rt.containerStatus(id)).state).toBe('running');
    clock.advance(30_000);
    await stopped;
    expect(await rt.containerStatus(id)).toMatchObject({ state: 'exited', exitCode: 137 });
  });

  it('answers execs from the behaviour, and reports OOM kills', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({
      nodeName: 'n',
      clock,
      images: [{ name: 'app:1' }],
      behaviour: () => ({ exitAfterMs: 100, oomKilled: true, exec: (argv) => (argv[0] === 'probe' ? { exitCode: 1, stdout: 'unhealthy\n' } : undefined) }),
    });
    const sid = await rt.runPodSandbox(sandbox());
    const id = await rt.createContainer(sid, container({ image: 'app:1' }), sandbox());
    await rt.startContainer(id);
    const r = await rt.execSync(id, ['probe'], 1000);
    expect({ exitCode: r.exitCode, stdout: Buffer.from(r.stdout).toString(), timedOut: r.timedOut }).toEqual({ exitCode: 1, stdout: 'unhealthy\n', timedOut: false });
    clock.advance(100);
    expect(await rt.containerStatus(id)).toMatchObject({ state: 'exited', exitCode: 137, reason: 'OOMKilled' });
  });

  it('pulls only what its registry has; fails like an unreachable registry otherwise', async () => {
    const rt = new SimRuntime({ nodeName: 'n', registry: [{ name: 'nginx:1.27' }] });
    expect(await rt.imageStatus('nginx:1.27')).toBeUndefined();
    const progress: string[] = [];
    const info = await rt.pullImage('docker.io/library/nginx:1.27', { onProgress: (p) => progress.push(p.status) });
    expect(info.repoTags).toEqual(['nginx:1.27']);
    expect(info.repoDigests[0]).toMatch(/^nginx@sha256:[0-9a-f]{64}$/);
    expect(progress.length).toBeGreaterThan(2);
    expect((await rt.imageStatus('nginx:1.27'))?.id).toBe(info.id);
    expect((await rt.imageStatus(info.id))?.id).toBe(info.id);
    const err = await rt.pullImage('redis').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toMatch(/registry-1\.docker\.io.*no such host/);
  });

  it('allocates pod IPs from its range and frees them', async () => {
    const rt = new SimRuntime({ nodeName: 'n', podCIDR: '10.1.2.0/30' });
    const a = await rt.runPodSandbox(sandbox('a'));
    expect((await rt.podSandboxStatus(a)).ip).toBe('10.1.2.2');
    await expect(rt.runPodSandbox(sandbox('b'))).rejects.toThrow(/no IP addresses available/);
    await rt.stopPodSandbox(a);
    const b = await rt.runPodSandbox(sandbox('b'));
    expect((await rt.podSandboxStatus(b)).ip).toBe('10.1.2.2');
  });

  it('injects faults', async () => {
    const rt = new SimRuntime({ nodeName: 'n' });
    rt.failNext('runPodSandbox', new RuntimeError('boom'));
    await expect(rt.runPodSandbox(sandbox())).rejects.toThrow('boom');
    const id = await rt.runPodSandbox(sandbox());
    expect((await rt.listPodSandboxes({ labels: { [LABELS.podUid]: 'uid-p' } })).map((s) => s.id)).toEqual([id]);
  });

  it('a missing executable fails the start as Docker does', async () => {
    const rt = new SimRuntime({ nodeName: 'n', images: [{ name: 'busybox' }] });
    const sid = await rt.runPodSandbox(sandbox());
    const id = await rt.createContainer(sid, container({ image: 'busybox', command: ['/no/such/binary'] }), sandbox());
    await expect(rt.startContainer(id)).rejects.toThrow(/executable file not found in \$PATH/);
    expect(await rt.containerStatus(id)).toMatchObject({ state: 'exited', exitCode: 127, reason: 'ContainerCannotRun' });
  });

  it('normalises references as Docker does', () => {
    expect(canonicalReference('nginx')).toBe('docker.io/library/nginx:latest');
    expect(canonicalReference('user/app:1')).toBe('docker.io/user/app:1');
    expect(canonicalReference('registry.local:5000/app')).toBe('registry.local:5000/app:latest');
    expect(canonicalReference('nginx@sha256:abc')).toBe('docker.io/library/nginx@sha256:abc');
  });
});
