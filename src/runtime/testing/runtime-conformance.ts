/**
 * The one conformance suite of ContainerRuntime (DESIGN.md habit 1): the sim runs it as a unit test
 * (src/runtime/sim/sim-runtime.test.ts), Docker as an e2e test (test/e2e/runtime-docker.test.ts).
 *
 * Workloads are busybox shell scripts (`lite-test/busybox:1`); the sim interprets the same small
 * subset of sh, so one script means one behaviour on both. Real time is used (the sim gets the
 * system clock here); waits are bounded.
 *
 * Every test removes what it created (finally blocks); the target's cleanup() removes whatever is
 * left with its node label, even after failures.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LABELS,
  RuntimeError,
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type SandboxConfig,
  type StreamSession,
} from '../container-runtime.js';
import { syntheticImageArchive } from './image-archive.js';

export interface ConformanceTarget {
  readonly runtime: ContainerRuntime;
  /** The node name `runtime` labels its objects with (LABELS.node). */
  readonly nodeName: string;
  /** Another runtime on the same backend with a different node name (isolation checks). */
  readonly otherNode: ContainerRuntime;
  readonly images: {
    /** busybox with sh, httpd, wget, nc, sleep, cat … (no entrypoint). */
    readonly busybox: string;
    /** ENTRYPOINT ["/bin/echo", "entrypoint"], CMD ["from-cmd"]. */
    readonly entrypoint: string;
  };
  /** A host directory for mounts, writable; removed by cleanup(). */
  readonly hostDir: string;
  /** Removes everything the run left (objects with its node labels, imported images, hostDir). */
  cleanup(): Promise<void>;
}

const TIMEOUT = 60_000;

let seq = 0;
function unique(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export function describeRuntimeConformance(name: string, factory: () => Promise<ConformanceTarget>): void {
  describe(`ContainerRuntime conformance: ${name}`, () => {
    let t: ConformanceTarget;
    let rt: ContainerRuntime;

    beforeAll(async () => {
      t = await factory();
      rt = t.runtime;
    }, 300_000);

    afterAll(async () => {
      await t?.cleanup();
    }, 120_000);

    // ---- helpers ----

    function sandboxConfig(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
      const name = unique('pod');
      return {
        name,
        namespace: 'conformance',
        uid: unique('uid'),
        attempt: 0,
        hostname: name,
        labels: { app: 'conformance', [LABELS.podName]: name },
        annotations: { 'example.com/note': 'a note' },
        hostNetwork: false,
        portMappings: [],
        ...overrides,
      };
    }

    function containerConfig(overrides: Partial<ContainerConfig> & { name?: string } = {}): ContainerConfig {
      return {
        name: 'main',
        attempt: 0,
        image: t.images.busybox,
        env: [],
        mounts: [],
        labels: {},
        ...overrides,
      };
    }

    const sh = (script: string): Partial<ContainerConfig> => ({ command: ['sh', '-c', script] });

    /** Runs fn with a fresh sandbox, removed afterwards whatever happens. */
    async function withSandbox<T>(fn: (id: string, config: SandboxConfig) => Promise<T>, overrides: Partial<SandboxConfig> = {}): Promise<T> {
      const config = sandboxConfig(overrides);
      const id = await rt.runPodSandbox(config);
      try {
        return await fn(id, config);
      } finally {
        await rt.removePodSandbox(id).catch(() => undefined);
      }
    }

    async function startContainer(sandboxId: string, sandbox: SandboxConfig, overrides: Partial<ContainerConfig> & { name?: string } = {}): Promise<string> {
      const id = await rt.createContainer(sandboxId, containerConfig(overrides), sandbox);
      await rt.startContainer(id);
      return id;
    }

    async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const v = await fn();
          if (v !== undefined) return v;
        } catch (err) {
          last = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    const waitExited = (id: string): Promise<ContainerStatus> =>
      waitFor(`container ${id} to exit`, async () => {
        const s = await rt.containerStatus(id);
        return s.state === 'exited' ? s : undefined;
      });

    async function logText(id: string, opts: Partial<Parameters<ContainerRuntime['logs']>[1]> = {}): Promise<string> {
      const parts: Buffer[] = [];
      for await (const chunk of rt.logs(id, { follow: false, timestamps: false, ...opts })) parts.push(Buffer.from(chunk));
      return Buffer.concat(parts).toString('utf8');
    }

    async function runToExit(overrides: Partial<ContainerConfig>, sandboxOverrides: Partial<SandboxConfig> = {}): Promise<{ status: ContainerStatus; logs: string }> {
      return withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, overrides);
        const status = await waitExited(id);
        return { status, logs: await logText(id) };
      }, sandboxOverrides);
    }

    function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
      if (!stream) return Promise.resolve('');
      return new Promise((resolve, reject) => {
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer | string) => parts.push(Buffer.from(c)));
        stream.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        stream.on('error', reject);
      });
    }

    async function sessionOutput(session: StreamSession): Promise<{ stdout: string; stderr: string; exitCode: number }> {
      const [stdout, stderr, exitCode] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exited]);
      return { stdout, stderr, exitCode };
    }

    const LONG_RUNNING = "trap 'exit 0' TERM; sleep 3600 & wait";

    // ---- tests ----

    it('reports a version', async () => {
      const v = await rt.version();
      expect(v.runtimeName).toMatch(/\S/);
      expect(v.runtimeVersion).toMatch(/\S/);
    });

    it(
      'runs a sandbox with its labels and annotations, lists, stops and removes it',
      async () => {
        const config = sandboxConfig();
        const id = await rt.runPodSandbox(config);
        try {
          const s = await rt.podSandboxStatus(id);
          expect(s.id).toBe(id);
          expect(s.state).toBe('ready');
          expect(s.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
          expect(s.createdAt).toBeGreaterThan(Date.now() - 10 * 60_000);
          expect(s.labels).toEqual({
            ...config.labels,
            [LABELS.podName]: config.name,
            [LABELS.podNamespace]: config.namespace,
            [LABELS.podUid]: config.uid,
            [LABELS.kind]: 'sandbox',
            [LABELS.node]: t.nodeName,
          });
          expect(s.annotations).toEqual(config.annotations);

          expect((await rt.listPodSandboxes({ labels: { [LABELS.podUid]: config.uid } })).map((x) => x.id)).toEqual([id]);
          expect((await rt.listPodSandboxes()).map((x) => x.id)).toContain(id);
          expect(await rt.listPodSandboxes({ labels: { [LABELS.podUid]: config.uid, app: 'other' } })).toEqual([]);

          await rt.stopPodSandbox(id);
          expect((await rt.podSandboxStatus(id)).state).toBe('notready');
          await rt.stopPodSandbox(id); // stopping again is fine
        } finally {
          await rt.removePodSandbox(id);
        }
        await expect(rt.podSandboxStatus(id)).rejects.toBeInstanceOf(RuntimeNotFoundError);
        expect(await rt.listPodSandboxes({ labels: { [LABELS.podUid]: config.uid } })).toEqual([]);
      },
      TIMEOUT,
    );

    it('host-network sandboxes have no pod IP of their own', async () => {
      await withSandbox(async (id) => {
        const s = await rt.podSandboxStatus(id);
        expect(s.state).toBe('ready');
        expect(s.ip).toBeUndefined();
      }, { hostNetwork: true });
    }, TIMEOUT);

    it('sees only its own node\'s objects', async () => {
      await withSandbox(async (id, config) => {
        expect(await t.otherNode.listPodSandboxes({ labels: { [LABELS.podUid]: config.uid } })).toEqual([]);
        await expect(t.otherNode.podSandboxStatus(id)).rejects.toBeInstanceOf(RuntimeNotFoundError);
      });
    }, TIMEOUT);

    it('containers of a sandbox share localhost', async () => {
      const www = join(t.hostDir, unique('www'));
      await mkdir(www, { recursive: true });
      await writeFile(join(www, 'index.html'), 'hello over localhost\n');
      await withSandbox(async (sid, sandbox) => {
        await startContainer(sid, sandbox, { name: 'web', command: ['httpd', '-f', '-p', '8080', '-h', '/www'], mounts: [{ hostPath: www, containerPath: '/www', readOnly: true }] });
        const client = await startContainer(sid, sandbox, { name: 'client', ...sh(LONG_RUNNING) });
        const body = await waitFor('httpd to answer', async () => {
          const r = await rt.execSync(client, ['wget', '-qO-', 'http://localhost:8080/'], 5000);
          return r.exitCode === 0 ? Buffer.from(r.stdout).toString() : undefined;
        });
        expect(body).toBe('hello over localhost\n');
      });
    }, TIMEOUT);

    it('joins a target container\'s PID namespace (ephemeral containers\' targetContainerName)', async () => {
      await withSandbox(async (sid, sandbox) => {
        const target = await startContainer(sid, sandbox, { name: 'target', command: ['sleep', '3601'] });
        await waitFor('target running', async () => ((await rt.containerStatus(target)).state === 'running' ? true : undefined));
        const joined = await startContainer(sid, sandbox, { name: 'debugger', ...sh('ps'), pidNamespaceTarget: target });
        await waitExited(joined);
        expect(await logText(joined)).toContain('sleep 3601');
        const alone = await startContainer(sid, sandbox, { name: 'alone', ...sh('ps') });
        await waitExited(alone);
        expect(await logText(alone)).not.toContain('sleep 3601');
        await rt.stopContainer(target, 0);
      });
    }, TIMEOUT);

    it('container status carries identity, image and labels; lists filter by labels', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await rt.createContainer(sid, containerConfig({ name: 'app', labels: { tier: 'x' }, annotations: { a: 'b' }, ...sh(LONG_RUNNING) }), sandbox);
        let s = await rt.containerStatus(id);
        expect(s).toMatchObject({ id, name: 'app', state: 'created', image: t.images.busybox, sandboxId: sid, annotations: { a: 'b' } });
        expect(s.imageRef).toMatch(/\S/);
        expect(s.labels).toEqual({
          tier: 'x',
          [LABELS.podName]: sandbox.name,
          [LABELS.podNamespace]: sandbox.namespace,
          [LABELS.podUid]: sandbox.uid,
          [LABELS.containerName]: 'app',
          [LABELS.kind]: 'container',
          [LABELS.node]: t.nodeName,
        });
        expect(s.startedAt).toBeUndefined();
        await rt.startContainer(id);
        s = await rt.containerStatus(id);
        expect(s.state).toBe('running');
        expect(s.startedAt).toBeGreaterThanOrEqual(s.createdAt - 1000);
        expect(s.finishedAt).toBeUndefined();
        expect((await rt.listContainers({ labels: { [LABELS.podUid]: sandbox.uid } })).map((c) => c.id)).toEqual([id]);
        expect(await rt.listContainers({ labels: { [LABELS.podUid]: sandbox.uid, tier: 'y' } })).toEqual([]);
        expect((await rt.listContainers()).map((c) => c.id)).toContain(id);
        expect(await t.otherNode.listContainers({ labels: { [LABELS.podUid]: sandbox.uid } })).toEqual([]);
        await rt.stopContainer(id, 10);
        await rt.removeContainer(id);
        await expect(rt.containerStatus(id)).rejects.toBeInstanceOf(RuntimeNotFoundError);
      });
    }, TIMEOUT);

    it('maps command and args as Kubernetes does', async () => {
      const image = t.images.entrypoint;
      expect((await runToExit({ image })).logs).toBe('entrypoint from-cmd\n');
      expect((await runToExit({ image, args: ['a', 'b'] })).logs).toBe('entrypoint a b\n');
      expect((await runToExit({ image, command: ['/bin/echo', 'cmd'] })).logs).toBe('cmd\n');
      expect((await runToExit({ image, command: ['/bin/echo', 'cmd'], args: ['x y'] })).logs).toBe('cmd x y\n');
    }, TIMEOUT);

    it('passes env and the working directory', async () => {
      const { logs } = await runToExit({
        ...sh('echo "$GREETING|$EQ|$EMPTY|"; pwd'),
        env: [
          { name: 'GREETING', value: 'hello world' },
          { name: 'EQ', value: 'a=b' },
          { name: 'EMPTY', value: '' },
        ],
        workingDir: '/tmp',
      });
      expect(logs).toBe('hello world|a=b||\n/tmp\n');
    }, TIMEOUT);

    it('mounts host paths read-write and read-only', async () => {
      const dir = join(t.hostDir, unique('mounts'));
      await mkdir(join(dir, 'in'), { recursive: true });
      await mkdir(join(dir, 'out'), { recursive: true });
      await writeFile(join(dir, 'in', 'data.txt'), 'from the host\n');
      const { status, logs } = await runToExit({
        ...sh('cat /in/data.txt; echo written > /out/result.txt; echo nope > /in/other.txt || echo refused'),
        mounts: [
          { hostPath: join(dir, 'in'), containerPath: '/in', readOnly: true },
          { hostPath: join(dir, 'out'), containerPath: '/out' },
        ],
      });
      expect(status.exitCode).toBe(0);
      expect(logs).toContain('from the host\n');
      expect(logs).toContain('refused\n');
      expect(logs).toMatch(/Read-only file system/);
      expect(await readFile(join(dir, 'out', 'result.txt'), 'utf8')).toBe('written\n');
    }, TIMEOUT);

    it('reports exit codes, reasons and times', async () => {
      const failed = (await runToExit(sh('exit 3'))).status;
      expect(failed).toMatchObject({ state: 'exited', exitCode: 3, reason: 'Error' });
      expect(failed.finishedAt).toBeGreaterThanOrEqual(failed.startedAt!);
      const ok = (await runToExit({ command: ['true'] })).status;
      expect(ok).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
    }, TIMEOUT);

    it('reads the termination message from terminationMessagePath', async () => {
      const file = join(t.hostDir, unique('termination-log'));
      await writeFile(file, '');
      const { status } = await runToExit({
        ...sh('echo -n "goodbye, cruel world" > /dev/termination-log; exit 2'),
        terminationMessagePath: '/dev/termination-log',
        mounts: [{ hostPath: file, containerPath: '/dev/termination-log' }],
      });
      expect(status).toMatchObject({ exitCode: 2, reason: 'Error', message: 'goodbye, cruel world' });
    }, TIMEOUT);

    it('stops with grace: SIGTERM honoured, SIGKILL after the timeout, at once with 0', async () => {
      await withSandbox(async (sid, sandbox) => {
        const polite = await startContainer(sid, sandbox, { name: 'polite', ...sh(LONG_RUNNING) });
        const stubborn = await startContainer(sid, sandbox, { name: 'stubborn', command: ['sleep', '3600'] });
        const victim = await startContainer(sid, sandbox, { name: 'victim', command: ['sleep', '3600'] });
        await waitFor('containers running', async () => ((await rt.containerStatus(victim)).state === 'running' ? true : undefined));
        await new Promise((r) => setTimeout(r, 300)); // let the shell install its trap

        let start = Date.now();
        await rt.stopContainer(polite, 30);
        expect(Date.now() - start).toBeLessThan(5000);
        expect(await rt.containerStatus(polite)).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });

        start = Date.now();
        await rt.stopContainer(stubborn, 2); // sleep as PID 1 ignores SIGTERM
        expect(Date.now() - start).toBeGreaterThanOrEqual(1500);
        expect(await rt.containerStatus(stubborn)).toMatchObject({ state: 'exited', exitCode: 137, reason: 'Error' });

        start = Date.now();
        await rt.stopContainer(victim, 0);
        expect(Date.now() - start).toBeLessThan(5000);
        expect(await rt.containerStatus(victim)).toMatchObject({ state: 'exited', exitCode: 137 });

        await rt.stopContainer(victim, 0); // stopping a stopped container is fine
      });
    }, TIMEOUT);

    it('execs with separate stdout and stderr, stdin, a tty, and exit codes', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, sh(LONG_RUNNING));
        const plain = await rt.exec(id, ['sh', '-c', 'echo out; echo err >&2; exit 7'], { stdin: false, stdout: true, stderr: true, tty: false });
        expect(plain.stdin).toBeUndefined();
        expect(await sessionOutput(plain)).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 7 });

        const withStdin = await rt.exec(id, ['cat'], { stdin: true, stdout: true, stderr: true, tty: false });
        withStdin.stdin!.write('ping\n');
        withStdin.stdin!.end('pong\n');
        expect(await sessionOutput(withStdin)).toEqual({ stdout: 'ping\npong\n', stderr: '', exitCode: 0 });

        const tty = await rt.exec(id, ['sh', '-c', 'read x; echo "on-a-tty $x"; exit 4'], { stdin: true, stdout: true, stderr: true, tty: true });
        expect(tty.stderr).toBeUndefined();
        const ttyOut = sessionOutput(tty);
        await tty.resize(100, 40);
        tty.stdin!.write('yes\n');
        const out = await ttyOut;
        // The tty echoes the input line back; then the output.
        expect(out.stdout.replace(/\r/g, '')).toMatch(/on-a-tty yes\n$/);
        expect(out.exitCode).toBe(4);
      });
    }, TIMEOUT);

    it('execSync returns output and exit codes, and times out', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, sh(LONG_RUNNING));
        const r = await rt.execSync(id, ['sh', '-c', 'echo two; echo bad >&2; exit 5'], 10_000);
        expect({ ...r, stdout: Buffer.from(r.stdout).toString(), stderr: Buffer.from(r.stderr).toString() }).toEqual({ exitCode: 5, stdout: 'two\n', stderr: 'bad\n', timedOut: false });
        expect((await rt.execSync(id, ['true'], 10_000)).exitCode).toBe(0);
        const start = Date.now();
        const slow = await rt.execSync(id, ['sleep', '30'], 500);
        expect(slow.timedOut).toBe(true);
        expect(Date.now() - start).toBeLessThan(5000);
      });
    }, TIMEOUT);

    it('refuses exec in a stopped container (not a not-found)', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, { command: ['true'] });
        await waitExited(id);
        const err = await rt.execSync(id, ['true'], 5000).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RuntimeError);
        expect(err).not.toBeInstanceOf(RuntimeNotFoundError);
      });
    }, TIMEOUT);

    it('attaches to a container\'s stdin and stdout', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, { ...sh('read line; echo "got $line"; exit 6'), stdin: true, stdinOnce: true });
        const session = await rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
        const output = sessionOutput(session);
        session.stdin!.write('hello\n');
        session.stdin!.end();
        const out = await output;
        expect(out.stdout).toBe('got hello\n');
        expect(out.exitCode).toBe(6);
        expect(await waitExited(id)).toMatchObject({ exitCode: 6 });
      });
    }, TIMEOUT);

    it('attach without stdinOnce: output written after the caller\'s stdin ended still arrives (kubectl debug -i)', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, { ...sh('read line; sleep 1; echo "late $line"; exit 5'), stdin: true });
        const session = await rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
        const output = sessionOutput(session);
        session.stdin!.write('hello\n');
        session.stdin!.end();
        const out = await output;
        expect(out.stdout).toBe('late hello\n');
        expect(out.exitCode).toBe(5);
      });
    }, TIMEOUT);

    it('attach to a container that already exited replays its output and ends with its exit code (kubectl run -i of a quick command)', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, sh('echo quick; echo oops >&2; exit 3'));
        await waitExited(id);
        const session = await rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
        expect(await sessionOutput(session)).toEqual({ stdout: 'quick\n', stderr: 'oops\n', exitCode: 3 });
        const onlyOut = await rt.attach(id, { stdin: false, stdout: true, stderr: false, tty: false });
        expect(await sessionOutput(onlyOut)).toEqual({ stdout: 'quick\n', stderr: '', exitCode: 3 });
      });
    }, TIMEOUT);

    it('serves logs: all, tail, limitBytes, timestamps, since', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, sh('echo one; echo two >&2; sleep 1; echo three; echo four'));
        await waitExited(id);
        const all = await logText(id);
        expect(all.split('\n').sort()).toEqual(['', 'four', 'one', 'three', 'two']);
        expect(all.endsWith('three\nfour\n')).toBe(true);
        expect(await logText(id, { tailLines: 2 })).toBe('three\nfour\n');
        expect(await logText(id, { tailLines: 0 })).toBe('');
        expect(await logText(id, { limitBytes: 6 })).toBe(all.slice(0, 6));

        const stamped = (await logText(id, { timestamps: true })).split('\n').filter(Boolean);
        expect(stamped).toHaveLength(4);
        const stamps = stamped.map((line) => {
          const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,9}))?Z) (.*)$/.exec(line);
          expect(m, line).not.toBeNull();
          expect(m![2] ?? '').not.toMatch(/0$/); // RFC3339Nano: no trailing zeros
          return { ms: Date.parse(m![1]), text: m![3] };
        });
        const three = stamps.find((s) => s.text === 'three')!;
        const one = stamps.find((s) => s.text === 'one')!;
        expect(three.ms - one.ms).toBeGreaterThanOrEqual(900);
        expect(await logText(id, { since: three.ms })).toBe('three\nfour\n');
      });
    }, TIMEOUT);

    it('follows logs until the container exits, or until aborted', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, sh('echo start; sleep 1; echo end'));
        const lines: string[] = [];
        for await (const chunk of rt.logs(id, { follow: true, timestamps: false })) lines.push(Buffer.from(chunk).toString());
        expect(lines.join('')).toBe('start\nend\n');
        expect((await rt.containerStatus(id)).state).toBe('exited');

        const forever = await startContainer(sid, sandbox, { name: 'forever', ...sh(`echo hi; ${LONG_RUNNING}`) });
        const ac = new AbortController();
        const got: string[] = [];
        const started = Date.now();
        setTimeout(() => ac.abort(), 1000);
        for await (const chunk of rt.logs(forever, { follow: true, timestamps: false, signal: ac.signal })) got.push(Buffer.from(chunk).toString());
        expect(got.join('')).toBe('hi\n');
        expect(Date.now() - started).toBeLessThan(10_000);
      });
    }, TIMEOUT);

    it('reports container stats', async () => {
      await withSandbox(async (sid, sandbox) => {
        const id = await startContainer(sid, sandbox, sh(LONG_RUNNING));
        await waitFor('running', async () => ((await rt.containerStatus(id)).state === 'running' ? true : undefined));
        const s = await rt.containerStats(id);
        expect(s.timestamp).toBeGreaterThan(Date.now() - 60_000);
        expect(s.cpuUsageNanos).toBeGreaterThan(0);
        expect(s.memoryUsageBytes).toBeGreaterThan(0);
        expect(s.memoryWorkingSetBytes).toBeGreaterThan(0);
        expect(s.memoryWorkingSetBytes).toBeLessThanOrEqual(s.memoryUsageBytes);
      });
    }, TIMEOUT);

    it('resolves, imports, lists and removes images; pulls fail with the registry\'s message', async () => {
      const busybox = await rt.imageStatus(t.images.busybox);
      expect(busybox?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(busybox?.repoTags).toContain(t.images.busybox);
      expect((await rt.imageStatus(busybox!.id))?.id).toBe(busybox!.id);
      expect((await rt.imageStatus(`docker.io/${t.images.busybox}`))?.id).toBe(busybox!.id);
      expect((await rt.imageStatus(`docker://${busybox!.id}`))?.id).toBe(busybox!.id);
      expect(await rt.imageStatus(`lite-test/absent-${t.nodeName}:1`)).toBeUndefined();

      const tag = `lite-test/import-${t.nodeName}:1`;
      const loaded = await rt.importImages(Readable.from([syntheticImageArchive(tag)]));
      expect(loaded).toEqual([tag]);
      try {
        const info = await rt.imageStatus(tag);
        expect(info?.repoTags).toEqual([tag]);
        expect((await rt.listImages()).map((i) => i.id)).toContain(info!.id);
      } finally {
        await rt.removeImage(tag);
      }
      expect(await rt.imageStatus(tag)).toBeUndefined();
      await expect(rt.removeImage(tag)).rejects.toBeInstanceOf(RuntimeNotFoundError);

      const pull = await rt.pullImage(`lite-test/never-published-${t.nodeName}:1`).catch((e: unknown) => e);
      expect(pull).toBeInstanceOf(RuntimeError);
      expect(pull).not.toBeInstanceOf(RuntimeNotFoundError);
      expect((pull as Error).message).toMatch(/\S{10}/);
    }, TIMEOUT);

    it('removing a sandbox removes its containers', async () => {
      const config = sandboxConfig();
      const sid = await rt.runPodSandbox(config);
      const id = await startContainer(sid, config, sh(LONG_RUNNING));
      await rt.stopPodSandbox(sid);
      expect((await rt.containerStatus(id)).state).toBe('exited');
      await rt.removePodSandbox(sid);
      await expect(rt.containerStatus(id)).rejects.toBeInstanceOf(RuntimeNotFoundError);
    }, TIMEOUT);

    it('fails with RuntimeNotFoundError on unknown ids', async () => {
      const none = 'f'.repeat(64);
      const notFound = async (p: Promise<unknown>, what: string) => {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(RuntimeNotFoundError);
        expect((err as RuntimeNotFoundError).what).toBe(what);
      };
      await notFound(rt.podSandboxStatus(none), 'sandbox');
      await notFound(rt.stopPodSandbox(none), 'sandbox');
      await notFound(rt.removePodSandbox(none), 'sandbox');
      await notFound(rt.createContainer(none, containerConfig(), sandboxConfig()), 'sandbox');
      await notFound(rt.containerStatus(none), 'container');
      await notFound(rt.startContainer(none), 'container');
      await notFound(rt.stopContainer(none, 0), 'container');
      await notFound(rt.removeContainer(none), 'container');
      await notFound(rt.containerStats(none), 'container');
      await notFound(rt.execSync(none, ['true'], 1000), 'container');
      await notFound(rt.exec(none, ['true'], { stdin: false, stdout: true, stderr: true, tty: false }), 'container');
      await notFound(rt.attach(none, { stdin: false, stdout: true, stderr: true, tty: false }), 'container');
      await notFound(
        (async () => {
          for await (const _ of rt.logs(none, { follow: false, timestamps: false })) void _;
        })(),
        'container',
      );
      await notFound(rt.removeImage(`lite-test/absent-${t.nodeName}:1`), 'image');
    }, TIMEOUT);
  });
}

/** Removes a directory tree, ignoring absence (for targets' cleanup). */
export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
