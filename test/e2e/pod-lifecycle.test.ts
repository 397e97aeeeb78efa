/**
 * Issue 4, acceptance 3, with the real bin/lite (server + embedded agent), kubectl 1.32 and Docker:
 *  - a container that exits non-zero goes into CrashLoopBackOff with growing delays, and
 *    `kubectl logs --previous` shows the last run;
 *  - a failing liveness probe restarts the container;
 *  - deleting a pod stops its containers within the grace period (SIGTERM; SIGKILL after it);
 *  - an image that is not present (and no registry) gives ErrImagePull → ImagePullBackOff;
 *  - `kubectl attach` to a running container;
 *  - `kubectl run -i --rm` of a command that is over before kubectl attaches: its output, its exit
 *    code, the pod deleted — no hang (the Engine holds an attach to a stopped container open);
 *  - a pod's fsGroup on its volumes: a non-root container reads a secret mounted with mode 0400,
 *    and files it makes in an emptyDir get the group.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uniqueName, useCluster } from './support/cluster.js';
import { nodeContainers } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true });
const ns = uniqueName('life');

interface PodJson {
  metadata: { uid: string };
  status: {
    phase: string;
    containerStatuses?: {
      name: string;
      restartCount: number;
      ready: boolean;
      state: { waiting?: { reason: string; message?: string }; running?: { startedAt: string }; terminated?: { exitCode: number; reason: string } };
      lastState: { terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string } };
    }[];
  };
}

async function podJson(name: string): Promise<PodJson> {
  return JSON.parse(await ctx.kubectl.ok(['get', 'pod', '-n', ns, name, '-o', 'json'])) as PodJson;
}

async function apply(name: string, yaml: string): Promise<void> {
  const file = join(ctx.tmp, `${name}.yaml`);
  writeFileSync(file, yaml);
  await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
}

async function events(name: string): Promise<{ reason: string; message: string; count?: number; type: string }[]> {
  const list = JSON.parse(await ctx.kubectl.ok(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])) as { items: { reason: string; message: string; count?: number; type: string }[] };
  return list.items;
}

beforeAll(async () => {
  await ensureE2eImages();
  await ctx.kubectl.ok(['create', 'namespace', ns]);
});

afterAll(async () => {
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
});

describe('restarts', () => {
  test('a container that exits non-zero goes into CrashLoopBackOff with growing delays; logs --previous shows the last run', async () => {
    await apply(
      'crasher',
      `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "echo run at $(date +%s); echo about to fail >&2; exit 2"]
`,
    );
    // Restart 1 is immediate, then the kubelet backs off 10 s, 20 s … (upstream's 10 s doubling).
    const restartsAt: number[] = [];
    const backOffMessages = new Set<string>();
    await eventually(
      async () => {
        const cs = (await podJson('crasher')).status.containerStatuses?.[0];
        while (cs && cs.restartCount > restartsAt.length) restartsAt.push(Date.now());
        const w = cs?.state.waiting;
        if (w?.reason === 'CrashLoopBackOff' && w.message) backOffMessages.add(w.message.replace(/ restarting failed container.*/, ''));
        return (cs?.restartCount ?? 0) >= 3 && w?.reason === 'CrashLoopBackOff' ? cs : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'crasher restarted three times and back in CrashLoopBackOff' },
    );
    expect([...backOffMessages]).toEqual(['back-off 10s', 'back-off 20s', 'back-off 40s']);
    expect(restartsAt[1] - restartsAt[0]).toBeGreaterThan(8_000);
    expect(restartsAt[2] - restartsAt[1]).toBeGreaterThan(18_000);
    const p = await podJson('crasher');
    const cs = p.status.containerStatuses?.[0];
    expect(cs?.lastState.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    // kubectl get between two runs (the container runs for a moment after each back-off)
    const row = await eventually(
      async () => {
        const r = await ctx.kubectl.ok(['get', 'pod', '-n', ns, 'crasher', '--no-headers']);
        return r.includes('CrashLoopBackOff') ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'kubectl get to show CrashLoopBackOff' },
    );
    expect(row).toMatch(/^crasher +0\/1 +CrashLoopBackOff +\d+ \(\S+ ago\) +\S+\n$/);
    // The last run's stdout and stderr lines (Docker records the two streams separately, so their
    // order within the same millisecond is not fixed); read while the container waits in back-off.
    const previous = await eventually(
      async () => {
        const waiting = (await podJson('crasher')).status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff';
        const out = waiting ? await ctx.kubectl.ok(['logs', '-n', ns, 'crasher', '--previous']) : '';
        return out.includes('about to fail') ? out : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'kubectl logs --previous to show the last run' },
    );
    expect(previous.split('\n').filter(Boolean).sort()).toEqual(['about to fail', expect.stringMatching(/^run at \d+$/)]);
    const backOff = (await events('crasher')).find((e) => e.reason === 'BackOff');
    expect(backOff).toMatchObject({ type: 'Warning', message: expect.stringMatching(/^Back-off restarting failed container main in pod crasher_/) });
    const describe = await ctx.kubectl.ok(['describe', 'pod', '-n', ns, 'crasher']);
    expect(describe).toMatch(/Last State: +Terminated\n +Reason: +Error\n +Exit Code: +2/);
  });

  test('a failing liveness probe restarts the container', async () => {
    await apply(
      'unhealthy',
      `apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
`,
    );
    const cs = await eventually(
      async () => {
        const c = (await podJson('unhealthy')).status.containerStatuses?.[0];
        return c && c.restartCount >= 1 ? c : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250, what: 'the liveness probe to restart the container' },
    );
    expect(cs.lastState.terminated?.exitCode).toBe(137);
    const ev = await events('unhealthy');
    expect(ev.find((e) => e.reason === 'Unhealthy')).toMatchObject({ type: 'Warning', message: expect.stringContaining('Liveness probe failed: cat: can\'t open \'/tmp/healthy\': No such file or directory') });
    expect(ev.find((e) => e.reason === 'Killing')).toMatchObject({ message: 'Container main failed liveness probe, will be restarted' });
  });
});

describe('deletion', () => {
  test('deleting a pod stops its containers within the grace period', async () => {
    await apply(
      'stubborn',
      `apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "trap 'echo got TERM, ignoring' TERM; while true; do sleep 1; done"]
`,
    );
    await ctx.kubectl.ok(['wait', '-n', ns, '--for=condition=Ready', 'pod/stubborn', '--timeout=60s'], { timeoutMs: 70_000 });
    const uid = (await podJson('stubborn')).metadata.uid;
    const node = ctx.server.nodeName ?? '';
    expect((await nodeContainers(node, { extraFilters: [`label=io.kubernetes.pod.uid=${uid}`] })).length).toBe(2);
    const started = Date.now();
    await ctx.kubectl.ok(['delete', 'pod', '-n', ns, 'stubborn', '--wait=true', '--timeout=30s'], { timeoutMs: 40_000 });
    const tookMs = Date.now() - started;
    // SIGTERM is ignored, so the kubelet kills after the 3 s grace period; well before the 30 s default
    expect(tookMs).toBeGreaterThan(2_500);
    expect(tookMs).toBeLessThan(15_000);
    await eventually(async () => (await nodeContainers(node, { extraFilters: [`label=io.kubernetes.pod.uid=${uid}`] })).length === 0, { timeoutMs: 20_000, what: 'the pod\'s containers to be removed' });
  });
});

describe('images', () => {
  test('an image that is not present gives ErrImagePull, then ImagePullBackOff', async () => {
    await apply(
      'missing',
      `apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  containers:
  - name: main
    image: lite-test/not-built-anywhere:1
`,
    );
    const waiting = await eventually(
      async () => {
        const w = (await podJson('missing')).status.containerStatuses?.[0]?.state.waiting;
        return w?.reason === 'ImagePullBackOff' ? w : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'ImagePullBackOff' },
    );
    expect(waiting.message).toMatch(/^Back-off pulling image "lite-test\/not-built-anywhere:1"/);
    const ev = await events('missing');
    expect(ev.find((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "lite-test/not-built-anywhere:1"'))).toBeDefined();
    expect(ev.find((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull')).toBeDefined();
    const row = await ctx.kubectl.ok(['get', 'pod', '-n', ns, 'missing', '--no-headers']);
    expect(row).toMatch(/^missing +0\/1 +(ImagePullBackOff|ErrImagePull) +0 +\S+\n$/);
    // logs and exec of a container that never started: upstream's texts
    const logs = await ctx.kubectl.run(['logs', '-n', ns, 'missing']);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/^Error from server \(BadRequest\): container "main" in pod "missing" is waiting to start: (trying and failing to pull image|image can't be pulled)\n$/);
    const exec = await ctx.kubectl.run(['exec', '-n', ns, 'missing', '--', 'true']);
    expect(exec.code).toBe(1);
    expect(exec.stderr).toBe('error: Internal error occurred: unable to upgrade connection: container not found ("main")\n');
  });
});

describe('kubectl attach', () => {
  test('streams the output of a running container', async () => {
    await apply(
      'ticker',
      `apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done"]
`,
    );
    await ctx.kubectl.ok(['wait', '-n', ns, '--for=condition=Ready', 'pod/ticker', '--timeout=60s'], { timeoutMs: 70_000 });
    // -q: kubectl itself otherwise notes "If you don't see a command prompt, try pressing enter." on stderr
    const attach = ctx.kubectl.start(['attach', '-q', '-n', ns, 'ticker']);
    try {
      await attach.waitForLine(/^tick \d+$/, 15_000);
      const n = attach.lines().length;
      await attach.waitFor(() => (attach.lines().length >= n + 2 ? true : undefined), 10_000, 'two more ticks');
    } finally {
      await attach.stop();
    }
    expect(attach.stderr).toBe('');
  });

  test('kubectl run -i --rm of a quick command prints its output, returns its exit code and deletes the pod', async () => {
    // kubectl attaches, or (when it sees the pod finished first) prints the logs: either way the
    // output and the exit code (which kubectl takes from the pod's status) are the same.
    for (const [name, word, code] of [
      ['quick-ok', 'quick', 0],
      ['quick-fail', 'failing', 3],
    ] as const) {
      const r = await ctx.kubectl.run(['run', name, '-q', '-i', '--rm', '--restart=Never', '-n', ns, `--image=${TEST_IMAGES.busybox}`, '--', 'sh', '-c', `echo ${word}; exit ${code}`], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(code);
      expect(r.stdout).toBe(`${word}\n`);
      expect(r.stderr).toBe(code === 0 ? '' : `pod ${ns}/${name} terminated (Error)\n`);
      await eventually(async () => ((await ctx.kubectl.ok(['get', 'pods', '-n', ns, '--field-selector', `metadata.name=${name}`, '-o', 'name'])).trim() === '' ? true : undefined), {
        timeoutMs: 30_000,
        what: `pod ${name} deleted by --rm`,
      });
    }
  });
});

describe('securityContext', () => {
  test('fsGroup: a non-root container reads a 0400 secret and its emptyDir files get the group', async () => {
    await ctx.kubectl.ok(['create', 'secret', 'generic', 'creds', '-n', ns, '--from-literal=key=s3cret']);
    await apply(
      'grouped',
      `apiVersion: v1
kind: Pod
metadata: {name: grouped}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000}
  containers:
  - name: main
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", "cat /secret/key; echo; id -G; touch /scratch/f; stat -c '%g %a' /scratch/f /scratch /secret/..data/key /var/run/secrets/kubernetes.io/serviceaccount/..data/token; head -c 3 /var/run/secrets/kubernetes.io/serviceaccount/token"]
    volumeMounts: [{name: secret, mountPath: /secret}, {name: scratch, mountPath: /scratch}]
  volumes:
  - {name: secret, secret: {secretName: creds, defaultMode: 0400}}
  - {name: scratch, emptyDir: {}}
`,
    );
    await eventually(async () => ((await podJson('grouped')).status.phase === 'Succeeded' ? true : undefined), { timeoutMs: 60_000, what: 'grouped Succeeded' });
    const [secret, groups, file, dir, key, token, tokenStart] = (await ctx.kubectl.ok(['logs', '-n', ns, 'grouped'])).trim().split('\n');
    expect(secret).toBe('s3cret');
    expect(groups.split(' ').sort()).toEqual(['2000', '3000']);
    expect(file).toMatch(/^2000 \d+$/);
    expect(dir).toBe('2000 2777');
    expect(key).toBe('2000 440');
    // The service-account token: 0600, then group read for the fsGroup (readable by the pod, not by all).
    expect(token).toBe('2000 640');
    expect(tokenStart).toBe('eyJ');
  });
});
