/**
 * Issue 4, acceptance 2, with the real bin/lite (server + embedded agent, and a second
 * `lite agent`), kubectl 1.32 and Docker with the locally built busybox image:
 *  - `kubectl apply` of a Deployment of a busybox HTTP server with configMap and secret volumes,
 *    env from both, a readiness probe and resource limits → pods Running and Ready on the nodes;
 *  - `docker ps` shows one sandbox and one container per pod, with Docker limits from the pod;
 *  - `kubectl logs` (-f, --tail, --timestamps, --since), `kubectl exec` (plain and -it with a
 *    resize), `kubectl cp` both ways and `kubectl port-forward` + curl, on a pod of each node
 *    (the embedded node's in-process link and the agent's tunnel).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { dockerOk, nodeContainers } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { runProgram } from './support/kubectl.js';
import { PtyProcess } from './support/pty.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true });
const ns = uniqueName('web');
let agent: LiteAgent;
let pods: { name: string; node: string }[] = [];

function manifest(): string {
  return `
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data:
  index.html: "hello from a configmap\\n"
  GREETING: hello
---
apiVersion: v1
kind: Secret
metadata: {name: web-secret}
stringData:
  password: s3cret
  TOKEN: from-a-secret
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      # one per node: the embedded node's in-process link and the agent's tunnel both get used
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: web
        image: ${TEST_IMAGES.busybox}
        command: ["sh", "-c", "echo starting web on port 8080; exec httpd -f -vv -p 8080 -h /www"]
        ports: [{containerPort: 8080, name: http}]
        env:
        - name: GREETING_FROM_CM
          valueFrom: {configMapKeyRef: {name: web-config, key: GREETING}}
        - name: PASSWORD_FROM_SECRET
          valueFrom: {secretKeyRef: {name: web-secret, key: password}}
        envFrom:
        - configMapRef: {name: web-config}
        - secretRef: {name: web-secret}
        volumeMounts:
        - {name: site, mountPath: /www}
        - {name: creds, mountPath: /etc/creds, readOnly: true}
        readinessProbe:
          httpGet: {path: /index.html, port: 8080}
          periodSeconds: 1
        resources:
          requests: {cpu: 50m, memory: 16Mi}
          limits: {cpu: 250m, memory: 64Mi}
      volumes:
      - name: site
        configMap: {name: web-config, items: [{key: index.html, path: index.html}]}
      - name: creds
        secret: {secretName: web-secret}
`;
}

beforeAll(async () => {
  await ensureE2eImages();
  agent = await startLiteAgent(ctx.server);
  await eventually(async () => (await ctx.kubectl.run(['get', 'node', agent.nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', {
    timeoutMs: 20_000,
    what: `node ${agent.nodeName} Ready`,
  });
  await ctx.kubectl.ok(['create', 'namespace', ns]);
  const file = join(ctx.tmp, 'web.yaml');
  writeFileSync(file, manifest());
  await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
  await ctx.kubectl.ok(['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=90s'], { timeoutMs: 100_000 });
  const rows = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'wide']));
  pods = rows.map((r) => ({ name: r.NAME, node: r.NODE }));
});

afterAll(async () => {
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
  await agent?.cleanup();
});

describe('a Deployment of a busybox web server', () => {
  test('its pods are Running and Ready on the nodes', async () => {
    const rows = parseTable(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'wide']));
    expect(rows).toHaveLength(2);
    const nodes = new Set([ctx.server.nodeName, agent.nodeName]);
    expect(new Set(rows.map((r) => r.NODE))).toEqual(nodes);
    for (const r of rows) {
      expect(r).toMatchObject({ READY: '1/1', STATUS: 'Running', RESTARTS: '0' });
      expect(nodes.has(r.NODE), `pod ${r.NAME} on ${r.NODE}`).toBe(true);
      expect(r.IP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    const pod = JSON.parse(await ctx.kubectl.ok(['get', 'pod', '-n', ns, rows[0].NAME, '-o', 'json'])) as { status: { qosClass: string; conditions: { type: string; status: string }[]; containerStatuses: { containerID: string; imageID: string; ready: boolean; started: boolean }[] } };
    expect(pod.status.qosClass).toBe('Burstable');
    expect(Object.fromEntries(pod.status.conditions.map((c) => [c.type, c.status]))).toMatchObject({ PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
    expect(pod.status.containerStatuses[0]).toMatchObject({ containerID: expect.stringMatching(/^docker:\/\/[0-9a-f]{64}$/), ready: true, started: true });
    expect((await ctx.kubectl.ok(['get', 'deployment', '-n', ns, 'web', '-o', 'jsonpath={.status.readyReplicas}/{.status.availableReplicas}']))).toBe('2/2');
  });

  test('docker ps shows one sandbox and one container per pod, with the pod\'s limits', async () => {
    for (const pod of pods) {
      const containers = await nodeContainers(pod.node, { extraFilters: [`label=io.kubernetes.pod.name=${pod.name}`] });
      expect(containers.map((c) => c.labels['io.lite.kind']).sort(), `containers of ${pod.name}`).toEqual(['container', 'sandbox']);
      const sandbox = containers.find((c) => c.labels['io.lite.kind'] === 'sandbox');
      const app = containers.find((c) => c.labels['io.lite.kind'] === 'container');
      expect(sandbox?.name).toMatch(new RegExp(`^k8s_POD_${pod.name}_${ns}_`));
      expect(app?.name).toMatch(new RegExp(`^k8s_web_${pod.name}_${ns}_`));
      const limits = (await dockerOk(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.NetworkMode}}', app?.id ?? ''])).trim();
      expect(limits).toBe(`${64 * 1024 * 1024} 25000 100000 container:${(await dockerOk(['inspect', '--format', '{{.Id}}', sandbox?.id ?? ''])).trim()}`);
    }
  });

  test('env comes from the ConfigMap and the Secret; both are mounted as files', async () => {
    for (const pod of pods) {
      const env = await ctx.kubectl.ok(['exec', '-n', ns, pod.name, '--', 'env']);
      expect(env).toContain('GREETING_FROM_CM=hello\n');
      expect(env).toContain('PASSWORD_FROM_SECRET=s3cret\n');
      expect(env).toContain('GREETING=hello\n');
      expect(env).toContain('TOKEN=from-a-secret\n');
      expect(await ctx.kubectl.ok(['exec', '-n', ns, pod.name, '--', 'cat', '/etc/creds/password'])).toBe('s3cret');
      expect(await ctx.kubectl.ok(['exec', '-n', ns, pod.name, '--', 'wget', '-qO-', 'http://127.0.0.1:8080/'])).toBe('hello from a configmap\n');
    }
  });
});

describe('kubectl logs', () => {
  test('prints the log, with --tail, --timestamps and --since', async () => {
    for (const pod of pods) {
      const all = await ctx.kubectl.ok(['logs', '-n', ns, pod.name]);
      expect(all.split('\n')[0]).toBe('starting web on port 8080');
      const last = await ctx.kubectl.ok(['logs', '-n', ns, pod.name, '--tail=1']);
      expect(last.split('\n').filter(Boolean)).toHaveLength(1);
      const stamped = await ctx.kubectl.ok(['logs', '-n', ns, pod.name, '--timestamps']);
      expect(stamped.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z starting web on port 8080$/);
      const recent = await ctx.kubectl.ok(['logs', '-n', ns, pod.name, '--since=1h']);
      expect(recent.split('\n')[0]).toBe('starting web on port 8080');
    }
  });

  test('-f follows new lines as they are written', async () => {
    for (const pod of pods) {
      const follow = ctx.kubectl.start(['logs', '-f', '-n', ns, pod.name, '--tail=0']);
      try {
        // let the follow start, then make httpd log a request for a path nobody else asks for
        const marker = `/follow-${pod.name}`;
        await eventually(
          async () => {
            await ctx.kubectl.run(['exec', '-n', ns, pod.name, '--', 'wget', '-qO-', `http://127.0.0.1:8080${marker}`]);
            return follow.stdout.includes(marker);
          },
          { timeoutMs: 15_000, intervalMs: 500, what: `the request for ${marker} in kubectl logs -f` },
        );
        expect(follow.stderr).toBe('');
      } finally {
        await follow.stop();
      }
    }
  });
});

describe('kubectl exec', () => {
  test('a failing command: kubectl prints the exit code and exits with it', async () => {
    const r = await ctx.kubectl.run(['exec', '-n', ns, pods[0].name, '--', 'sh', '-c', 'echo partial; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('partial\n');
    expect(r.stderr).toBe('command terminated with exit code 3\n');
  });

  test('-it … -- sh is interactive and follows terminal resizes', async () => {
    for (const pod of pods) {
      const term = new PtyProcess([ctx.kubectl.binary, ...ctx.kubectl.baseArgs(), 'exec', '-it', '-n', ns, pod.name, '--', 'sh'], { rows: 30, cols: 100 }, { KUBECONFIG: ctx.kubectl.kubeconfig });
      try {
        await term.tty();
        // type once the shell's prompt shows (busybox follows it with a cursor-position query, ESC[6n)
        await term.waitFor(/^\/ # /m);
        term.write('echo "size: $(stty size)"\n');
        await term.waitFor(/^size: 30 100$/m);
        const mark = term.output.length;
        await term.resize(40, 120);
        // kubectl sends the new size on the resize channel; give it a moment, then ask again
        await eventually(
          async () => {
            const from = term.output.length;
            term.write('echo "now: $(stty size)"\n');
            await term.waitFor(/^now: \d+ \d+$/m, 5_000, from);
            return /^now: 40 120$/m.test(term.output.slice(from));
          },
          { timeoutMs: 10_000, intervalMs: 300, what: 'the shell to see 40 rows × 120 columns' },
        );
        expect(term.output.slice(mark)).toMatch(/^now: 40 120$/m);
        term.write('hostname; exit 7\n');
        const exit = await term.wait();
        expect(exit.code).toBe(7);
        expect(term.output).toContain(pod.name);
        expect(term.output).toContain('command terminated with exit code 7');
      } finally {
        await term.stop();
      }
    }
  });
});

describe('kubectl cp', () => {
  test('copies a file into a pod and back out', async () => {
    for (const pod of pods) {
      const dir = join(ctx.tmp, uniqueName('cp'));
      mkdirSync(dir, { recursive: true });
      const local = join(dir, 'in.txt');
      writeFileSync(local, `to ${pod.name}\n`.repeat(1000));
      await ctx.kubectl.ok(['cp', local, `${ns}/${pod.name}:/tmp/in.txt`]);
      expect(await ctx.kubectl.ok(['exec', '-n', ns, pod.name, '--', 'md5sum', '/tmp/in.txt'])).toMatch(/^[0-9a-f]{32} {2}\/tmp\/in\.txt\n$/);
      expect((await ctx.kubectl.ok(['exec', '-n', ns, pod.name, '--', 'wc', '-c', '/tmp/in.txt'])).trim()).toBe(`${(`to ${pod.name}\n`).length * 1000} /tmp/in.txt`);
      // Out of the pod kubectl runs `tar cf - <path>` in the container and copies the remote
      // stderr to its stdout (cp.go: ErrOut: t.o.Out): the container's tar (busybox here, GNU tar
      // on most images) notes that it strips the leading '/' — on any cluster. kubectl may exit
      // once the archive is unpacked, before that copy ran, so the note is there or not.
      const roundTrip = join(dir, 'round-trip.txt');
      expect(await ctx.kubectl.ok(['cp', `${ns}/${pod.name}:/tmp/in.txt`, roundTrip])).toMatch(/^(tar: removing leading '\/' from member names\n)?$/);
      expect(readFileSync(roundTrip, 'utf8')).toBe(readFileSync(local, 'utf8'));
      await ctx.kubectl.ok(['exec', '-n', ns, pod.name, '--', 'sh', '-c', 'mkdir -p /tmp/out/sub && echo made in $(hostname) > /tmp/out/sub/file.txt']);
      const tree = join(dir, 'tree');
      await ctx.kubectl.ok(['cp', `${ns}/${pod.name}:tmp/out`, tree]);
      expect(readFileSync(join(tree, 'sub', 'file.txt'), 'utf8')).toBe(`made in ${pod.name}\n`);
    }
  });
});

describe('kubectl port-forward', () => {
  test('forwards a local port to the pod; curl gets the page', async () => {
    for (const pod of pods) {
      const pf = ctx.kubectl.start(['port-forward', '-n', ns, `pod/${pod.name}`, ':8080']);
      try {
        const line = await pf.waitForLine(/^Forwarding from 127\.0\.0\.1:\d+ -> 8080$/, 15_000);
        const port = /:(\d+) ->/.exec(line)?.[1] ?? '';
        for (let i = 0; i < 3; i++) {
          const curl = await runProgram('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/`], { timeoutMs: 15_000 });
          expect(curl.stderr).toBe('');
          expect(curl.stdout).toBe('hello from a configmap\n');
        }
        expect(pf.stdout).toContain('Handling connection for');
        expect(pf.stderr).toBe('');
      } finally {
        await pf.stop();
      }
    }
  });

  test('to a Deployment (kubectl picks one of its pods)', async () => {
    const pf = ctx.kubectl.start(['port-forward', '-n', ns, 'deployment/web', ':8080']);
    try {
      const line = await pf.waitForLine(/^Forwarding from 127\.0\.0\.1:\d+ -> 8080$/, 15_000);
      const port = /:(\d+) ->/.exec(line)?.[1] ?? '';
      const curl = await runProgram('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/index.html`], { timeoutMs: 15_000 });
      expect(curl.stdout).toBe('hello from a configmap\n');
    } finally {
      await pf.stop();
    }
  });
});
