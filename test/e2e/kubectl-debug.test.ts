/**
 * `kubectl debug` with ephemeral containers, with the real bin/lite (server + embedded Docker
 * agent), kubectl 1.32 and the local busybox image:
 *  - `kubectl debug POD --image … -- sh -c 'echo hi'` adds an ephemeral container that runs once
 *    in the pod's sandbox: its log says hi, ephemeralContainerStatuses shows it terminated with 0;
 *  - `kubectl debug -i` attaches to it, stdin in and output out;
 *  - `--target` shares the target container's PID namespace (`ps` shows its command);
 *  - a second debug container is added beside the others; the pod keeps running;
 *  - a PUT to pods/ephemeralcontainers that changes an existing one gets upstream's 422.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uniqueName, useCluster } from './support/cluster.js';
import { nodeContainers } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { PtyProcess } from './support/pty.js';
import { eventually } from './support/wait.js';

// A pod range of its own: a leftover Docker network of another cluster on 10.42.0.0/24 does not block it.
const ctx = useCluster({ agent: true, args: ['--cluster-cidr', '10.77.0.0/16'] });
const ns = uniqueName('debug');
const POD = 'target';

interface ContainerStatusJson {
  name: string;
  state: { running?: object; terminated?: { exitCode: number; reason?: string }; waiting?: { reason?: string } };
}
interface PodJson {
  spec: { ephemeralContainers?: { name: string; image: string; targetContainerName?: string }[] };
  status: { phase: string; ephemeralContainerStatuses?: ContainerStatusJson[]; containerStatuses: ContainerStatusJson[] };
}

async function getPod(): Promise<PodJson> {
  return JSON.parse(await ctx.kubectl.ok(['get', 'pod', '-n', ns, POD, '-o', 'json'])) as PodJson;
}

async function ephemeralStatus(name: string): Promise<ContainerStatusJson | undefined> {
  return (await getPod()).status.ephemeralContainerStatuses?.find((s) => s.name === name);
}

async function terminated(name: string): Promise<{ exitCode: number; reason?: string }> {
  return eventually(async () => (await ephemeralStatus(name))?.state.terminated, { timeoutMs: 60_000, intervalMs: 500, what: `ephemeral container ${name} terminated` });
}

/**
 * kubectl debug writes only its own client-side notes to stderr (the default --profile=legacy's
 * deprecation, attach's prompt hint): nothing from the server, no errors, no warnings.
 */
const KUBECTL_NOTES = new Set([
  '--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".',
  "If you don't see a command prompt, try pressing enter.",
]);
function expectNoErrors(stderr: string): void {
  expect(stderr.split('\n').filter((l) => l !== '' && !KUBECTL_NOTES.has(l))).toEqual([]);
}

beforeAll(async () => {
  await ensureE2eImages();
  await ctx.kubectl.ok(['create', 'namespace', ns]);
  const file = join(ctx.tmp, 'pod.yaml');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Pod
metadata: {name: ${POD}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${TEST_IMAGES.busybox}
    command: ["sleep", "3601"]
`,
  );
  await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
  await ctx.kubectl.ok(['wait', '-n', ns, `pod/${POD}`, '--for=condition=Ready', '--timeout=60s'], { timeoutMs: 70_000 });
}, 120_000);

afterAll(async () => {
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
});

describe('kubectl debug', () => {
  test("adds an ephemeral container that runs once: exit 0, its log, its terminated status", async () => {
    const r = await ctx.kubectl.run(['debug', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '-c', 'hello', '--', 'sh', '-c', 'echo hi'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expectNoErrors(r.stderr);
    const t = await terminated('hello');
    expect(t).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await ctx.kubectl.ok(['logs', '-n', ns, POD, '-c', 'hello'])).toBe('hi\n');
    const pod = await getPod();
    expect(pod.spec.ephemeralContainers?.map((c) => c.name)).toEqual(['hello']);
    expect(pod.status.phase).toBe('Running');
    // Events point at the ephemeral container.
    const events = await ctx.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.fieldPath=spec.ephemeralContainers{hello}', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    expect(events.split('\n')).toEqual(expect.arrayContaining(['Created', 'Started']));
    // Never restarted: still one instance, terminated.
    const containers = await nodeContainers(ctx.server.nodeName ?? '', { all: true, extraFilters: [`label=io.kubernetes.pod.name=${POD}`, 'label=io.kubernetes.container.name=hello'] });
    expect(containers).toHaveLength(1);
  }, 90_000);

  test('without a container name kubectl picks one and still succeeds', async () => {
    const r = await ctx.kubectl.run(['debug', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '--', 'sh', '-c', 'echo hi'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expectNoErrors(r.stderr);
    const name = (await getPod()).spec.ephemeralContainers?.map((c) => c.name).find((n) => /^debugger-[a-z0-9]+$/.test(n)) ?? '';
    expect(name).not.toBe('');
    expect(await terminated(name)).toMatchObject({ exitCode: 0 });
    expect(await ctx.kubectl.ok(['logs', '-n', ns, POD, '-c', name])).toBe('hi\n');
  }, 90_000);

  test('-i attaches: stdin goes in, output comes out', async () => {
    const r = await ctx.kubectl.run(['debug', '-i', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '-c', 'interactive', '--', 'sh'], { input: 'echo from-stdin $((6*7))\nexit 0\n', timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expectNoErrors(r.stderr);
    expect(r.stdout).toContain('from-stdin 42');
    expect(await terminated('interactive')).toMatchObject({ exitCode: 0 });
  }, 90_000);

  test('-it gives an interactive shell on a terminal', async () => {
    const term = new PtyProcess([ctx.kubectl.binary, ...ctx.kubectl.baseArgs(), 'debug', '-it', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '-c', 'shell', '--profile=general', '--', 'sh'], { rows: 30, cols: 100 }, { KUBECONFIG: ctx.kubectl.kubeconfig });
    try {
      await term.tty();
      await term.waitFor(/^\/ # /m, 60_000);
      // Keys typed while the attach is still settling (busybox asks the terminal for the cursor
      // position right after its prompt) may be swallowed, as for a person: type again until seen.
      await eventually(
        async () => {
          const from = term.output.length;
          term.write('echo "size: $(stty size) $((6*7))"\n');
          await term.waitFor(/^size: 30 100 42$/m, 3_000, from);
          return true;
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 'the shell to answer' },
      );
      term.write('exit 0\n');
      const exit = await term.wait(30_000);
      expect(exit.code).toBe(0);
      expect(term.output).not.toMatch(/error|warning/i);
    } finally {
      await term.stop();
    }
    expect(await terminated('shell')).toMatchObject({ exitCode: 0 });
  }, 90_000);

  test("--target shares the target container's processes", async () => {
    const r = await ctx.kubectl.run(['debug', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '-c', 'peek', '--target=app', '--', 'ps'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expectNoErrors(r.stderr);
    expect(await terminated('peek')).toMatchObject({ exitCode: 0 });
    expect(await ctx.kubectl.ok(['logs', '-n', ns, POD, '-c', 'peek'])).toContain('sleep 3601');
    // Without --target the debug container has its own PID namespace.
    await ctx.kubectl.ok(['debug', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '-c', 'alone', '--profile=general', '--', 'ps']);
    await terminated('alone');
    expect(await ctx.kubectl.ok(['logs', '-n', ns, POD, '-c', 'alone'])).not.toContain('sleep 3601');
  }, 90_000);

  test('a long-running debug container is running beside the others; the pod stays Running and Ready', async () => {
    await ctx.kubectl.ok(['debug', '-n', ns, POD, `--image=${TEST_IMAGES.busybox}`, '-c', 'sleeper', '--profile=general', '--', 'sleep', '3600']);
    await eventually(async () => (await ephemeralStatus('sleeper'))?.state.running, { timeoutMs: 60_000, intervalMs: 500, what: 'sleeper running' });
    const pod = await getPod();
    expect(pod.spec.ephemeralContainers?.map((c) => c.name)).toEqual(expect.arrayContaining(['hello', 'interactive', 'shell', 'peek', 'alone', 'sleeper']));
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
    expect(await ctx.kubectl.ok(['exec', '-n', ns, POD, '-c', 'sleeper', '--', 'echo', 'inside'])).toBe('inside\n');
  }, 90_000);

  test("changing an existing ephemeral container with PUT gets upstream's 422", async () => {
    const pod = JSON.parse(await ctx.kubectl.ok(['get', '--raw', `/api/v1/namespaces/${ns}/pods/${POD}/ephemeralcontainers`])) as PodJson & { kind: string };
    expect(pod.kind).toBe('Pod');
    const hello = pod.spec.ephemeralContainers?.find((c) => c.name === 'hello');
    if (!hello) throw new Error('no ephemeral container hello');
    hello.image = `${TEST_IMAGES.busybox}-changed`;
    const file = join(ctx.tmp, 'changed.json');
    writeFileSync(file, JSON.stringify(pod));
    const r = await ctx.kubectl.fails(['replace', '--raw', `/api/v1/namespaces/${ns}/pods/${POD}/ephemeralcontainers`, '-f', file]);
    expect(r.stderr).toContain(`Pod "${POD}" is invalid: spec.ephemeralContainers[hello]: Forbidden: existing ephemeral containers "hello" may not be changed`);
  }, 60_000);

  test('deleting the pod removes its ephemeral containers', async () => {
    await ctx.kubectl.ok(['delete', 'pod', '-n', ns, POD, '--timeout=60s'], { timeoutMs: 70_000 });
    await eventually(async () => (await nodeContainers(ctx.server.nodeName ?? '', { all: true, extraFilters: [`label=io.kubernetes.pod.name=${POD}`] })).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: "the pod's containers removed",
    });
  }, 90_000);
});
