/**
 * startKubelet in-process against the real Docker engine (DockerRuntime) and an in-process API
 * (memory storage, real clock): a pod runs as a pause sandbox plus its containers, sees its env
 * and volumes, becomes Ready by its readiness probe, crash-loops, is deleted within its grace
 * period, survives a kubelet restart without duplicates, and reports ImagePullBackOff for an image
 * no registry has.
 *
 * Needs a running Docker engine and Debian's busybox-static (test images are built locally).
 * Everything is labelled with a node name unique to this run; every test removes its pods and the
 * file removes whatever the node left behind, also after failures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { createReadyNode } from '../../src/controllers/testing/test-api.js';
import { startKubelet } from '../../src/kubelet/kubelet.js';
import type { RunningKubelet } from '../../src/kubelet/kubelet-api.js';
import { LABELS } from '../../src/runtime/container-runtime.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { ensureTestImages, TEST_IMAGES } from '../../src/runtime/testing/test-images.js';
import { buildApiCore, type ApiCore } from '../../src/server/api-core.js';
import { MemoryBackend } from '../../src/storage/memory/memory-backend.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { dockerOk, nodeContainers, removeNodeContainers, uniqueNodeName } from './support/docker.js';
import { eventually } from './support/wait.js';

const NODE = uniqueNodeName('kubelet');
const NS = 'default';
const secrets = { group: '', version: 'v1', resource: 'secrets' };

let core: ApiCore;
let runtime: DockerRuntime;
let dataDir: string;
let kubelet: RunningKubelet | undefined;
let stopKubelet = new AbortController();
const apiStop = new AbortController();

async function start(): Promise<RunningKubelet> {
  stopKubelet = new AbortController();
  return startKubelet({ client: core.client, runtime, nodeName: NODE, dataDir, nodeIp: '127.0.0.1', clock: systemClock, logger: silentLogger }, stopKubelet.signal);
}

async function getPod(name: string): Promise<KubeObject | undefined> {
  try {
    return await core.client.get(resources.pods, NS, name);
  } catch {
    return undefined;
  }
}

const statusOf = (pod: KubeObject | undefined): JsonObject => (pod?.status ?? {}) as JsonObject;
const containerStatus = (pod: KubeObject | undefined, name: string): JsonObject | undefined => ((statusOf(pod).containerStatuses ?? []) as JsonObject[]).find((c) => c.name === name);
const ready = (pod: KubeObject | undefined) => ((statusOf(pod).conditions ?? []) as JsonObject[]).some((c) => c.type === 'Ready' && c.status === 'True');
const runtimeId = (cs: JsonObject | undefined) => String(cs?.containerID ?? '').replace('docker://', '');

function pod(name: string, spec: JsonObject): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 5, ...spec } };
}

async function exec(pod: KubeObject | undefined, container: string, command: string[]): Promise<string> {
  const r = await runtime.execSync(runtimeId(containerStatus(pod, container)), command, 10_000);
  return Buffer.from(r.stdout).toString('utf8') + Buffer.from(r.stderr).toString('utf8');
}

async function deletePod(name: string): Promise<void> {
  try {
    await core.client.delete(resources.pods, NS, name, { gracePeriodSeconds: 1 });
  } catch {
    // already gone
  }
  await eventually(async () => (await getPod(name)) === undefined, { timeoutMs: 30_000, intervalMs: 200, what: `pod ${name} to be deleted` });
}

beforeAll(async () => {
  await ensureTestImages();
  dataDir = await mkdtemp(join(tmpdir(), 'lite-kubelet-e2e-'));
  core = await buildApiCore({ backend: new MemoryBackend({ logger: silentLogger, clock: systemClock }), serviceCidr: '10.43.0.0/16', nodePortRange: [30000, 32767], clock: systemClock, logger: silentLogger, signal: apiStop.signal });
  for (const name of ['default', 'kube-system']) await core.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await createReadyNode(core.client, { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } });
  runtime = new DockerRuntime({ nodeName: NODE });
  kubelet = await start();
});

afterAll(async () => {
  await kubelet?.stop();
  apiStop.abort();
  await core?.close();
  await removeNodeContainers(NODE);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('kubelet on Docker', () => {
  const created: string[] = [];
  afterEach(async () => {
    for (const name of created.splice(0)) await deletePod(name);
  });

  it('runs a pod with env, volumes and a readiness probe: one sandbox plus one container, Ready', async () => {
    await core.client.create(resources.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { 'index.html': 'hello from a configmap\n', MODE: 'production' } });
    await core.client.create(secrets, NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret' }, data: { TOKEN: Buffer.from('s3cret').toString('base64') } });
    created.push('web');
    await core.client.create(
      resources.pods,
      NS,
      pod('web', {
        containers: [
          {
            name: 'web',
            image: TEST_IMAGES.busybox,
            imagePullPolicy: 'IfNotPresent',
            command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
            env: [
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'MODE' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            envFrom: [{ secretRef: { name: 'web-secret' } }],
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: '250m', memory: '64Mi' } },
            readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1, initialDelaySeconds: 0, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
            volumeMounts: [
              { name: 'site', mountPath: '/www' },
              { name: 'secret', mountPath: '/etc/secret' },
            ],
          },
        ],
        volumes: [
          { name: 'site', configMap: { name: 'web-config', items: [{ key: 'index.html', path: 'index.html' }] } },
          { name: 'secret', secret: { secretName: 'web-secret' } },
        ],
      }),
    );
    const web = await eventually(async () => {
      const p = await getPod('web');
      return ready(p) ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'pod web to be Ready' });
    expect(statusOf(web).phase).toBe('Running');
    expect(statusOf(web).podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(containerStatus(web, 'web')).toMatchObject({ ready: true, started: true, restartCount: 0, image: TEST_IMAGES.busybox });
    expect(String(containerStatus(web, 'web')?.containerID)).toMatch(/^docker:\/\/[0-9a-f]{64}$/);

    const mine = await nodeContainers(NODE, { extraFilters: [`label=${LABELS.podName}=web`] });
    expect(mine.map((c) => c.labels[LABELS.kind]).sort()).toEqual(['container', 'sandbox']);

    const env = await exec(web, 'web', ['env']);
    expect(env).toContain('MODE=production\n');
    expect(env).toContain('POD_NAME=web\n');
    expect(env).toContain('TOKEN=s3cret\n');
    expect(await exec(web, 'web', ['cat', '/www/index.html', '/etc/secret/TOKEN'])).toBe('hello from a configmap\ns3cret');
    expect(await exec(web, 'web', ['hostname'])).toBe('web\n');
    expect(await exec(web, 'web', ['cat', '/etc/hosts'])).toContain(`${String(statusOf(web).podIP)}\tweb\n`);
    // The pod's IP serves the page from the host, as the probe saw it.
    const res = await fetch(`http://${String(statusOf(web).podIP)}:8080/index.html`);
    expect(await res.text()).toBe('hello from a configmap\n');

    // The ConfigMap changes: the file in the running container follows.
    const cm = await core.client.get(resources.configmaps, NS, 'web-config');
    await core.client.update(resources.configmaps, NS, { ...cm, data: { ...(cm.data as JsonObject), 'index.html': 'updated\n' } });
    await eventually(async () => (await exec(web, 'web', ['cat', '/www/index.html'])) === 'updated\n', { timeoutMs: 20_000, intervalMs: 250, what: 'the updated configmap file' });
  });

  it('puts a crashing container into CrashLoopBackOff and keeps the previous run for logs', async () => {
    created.push('crash');
    await core.client.create(resources.pods, NS, pod('crash', { containers: [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo boom; exit 3'] }] }));
    const p = await eventually(async () => {
      const x = await getPod('crash');
      const cs = containerStatus(x, 'c');
      return (cs?.restartCount as number) >= 2 && ((cs?.state as JsonObject).waiting as JsonObject | undefined)?.reason === 'CrashLoopBackOff' ? x : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'CrashLoopBackOff after two restarts' });
    const cs = containerStatus(p, 'c');
    expect(((cs?.state as JsonObject).waiting as JsonObject).message).toMatch(/^back-off (10|20)s restarting failed container=c pod=crash_default\(/);
    const last = (cs?.lastState as JsonObject).terminated as JsonObject;
    expect(last).toMatchObject({ exitCode: 3, reason: 'Error' });
    const previous = (await kubelet?.streaming.getPod(NS, 'crash'))?.containers.find((c) => c.name === 'c')?.previous;
    expect(previous?.id).toBe(String(last.containerID).replace('docker://', ''));
    let log = '';
    for await (const chunk of runtime.logs(previous?.id ?? '', { follow: false, timestamps: false })) log += Buffer.from(chunk).toString('utf8');
    expect(log).toBe('boom\n');
  });

  it('stops a deleted pod within its grace period and removes it from the API and Docker', async () => {
    created.push('graceful', 'stubborn');
    await core.client.create(resources.pods, NS, pod('graceful', { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'] }] }));
    await core.client.create(resources.pods, NS, pod('stubborn', { terminationGracePeriodSeconds: 3, containers: [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.2; done'] }] }));
    for (const n of ['graceful', 'stubborn']) await eventually(async () => statusOf(await getPod(n)).phase === 'Running', { timeoutMs: 60_000, intervalMs: 200, what: `${n} Running` });
    const t0 = Date.now();
    await core.client.delete(resources.pods, NS, 'graceful');
    await core.client.delete(resources.pods, NS, 'stubborn');
    await eventually(async () => (await getPod('graceful')) === undefined, { timeoutMs: 20_000, intervalMs: 100, what: 'graceful to go' });
    // It exits on SIGTERM: well within its 30 s.
    expect(Date.now() - t0).toBeLessThan(10_000);
    await eventually(async () => (await getPod('stubborn')) === undefined, { timeoutMs: 20_000, intervalMs: 100, what: 'stubborn to go' });
    // It ignores SIGTERM: killed when its 3 s are up.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await eventually(async () => (await nodeContainers(NODE, { all: true, extraFilters: [`label=${LABELS.podName}=stubborn`] })).length === 0, { timeoutMs: 20_000, intervalMs: 200, what: 'the containers to be removed' });
  });

  it('adopts the running containers after a kubelet restart', async () => {
    created.push('steady');
    await core.client.create(resources.pods, NS, pod('steady', { containers: [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }] }));
    await eventually(async () => ready(await getPod('steady')), { timeoutMs: 60_000, intervalMs: 200, what: 'steady Ready' });
    const before = (await nodeContainers(NODE, { all: true, extraFilters: [`label=${LABELS.podName}=steady`] })).map((c) => c.id).sort();
    await kubelet?.stop();
    kubelet = await start();
    await kubelet.whenSynced();
    await new Promise((r) => setTimeout(r, 2000));
    const after = (await nodeContainers(NODE, { all: true, extraFilters: [`label=${LABELS.podName}=steady`] })).map((c) => c.id).sort();
    expect(after).toEqual(before);
    const p = await getPod('steady');
    expect(containerStatus(p, 'c')?.restartCount).toBe(0);
    expect(statusOf(p).phase).toBe('Running');
  });

  it('recreates the sandbox and containers when the pause container dies (as after a dockerd restart)', async () => {
    created.push('phoenix');
    await core.client.create(resources.pods, NS, pod('phoenix', { containers: [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }] }));
    await eventually(async () => ready(await getPod('phoenix')), { timeoutMs: 60_000, intervalMs: 200, what: 'phoenix Ready' });
    const [sandbox] = await nodeContainers(NODE, { extraFilters: [`label=${LABELS.podName}=phoenix`, `label=${LABELS.kind}=sandbox`] });
    await dockerOk(['kill', sandbox.id]);
    const back = await eventually(async () => {
      const p = await getPod('phoenix');
      return ready(p) && containerStatus(p, 'c')?.restartCount === 1 ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'phoenix back with a new sandbox' });
    const sandboxes = await nodeContainers(NODE, { extraFilters: [`label=${LABELS.podName}=phoenix`, `label=${LABELS.kind}=sandbox`] });
    expect(sandboxes).toHaveLength(1);
    expect(sandboxes[0].id).not.toBe(sandbox.id);
    expect(statusOf(back).phase).toBe('Running');
  });

  it('reports ErrImagePull then ImagePullBackOff with the engine message for an image no registry has', async () => {
    created.push('noimage');
    await core.client.create(resources.pods, NS, pod('noimage', { containers: [{ name: 'c', image: 'lite-test/does-not-exist:1' }] }));
    const reason = async () => ((containerStatus(await getPod('noimage'), 'c')?.state as JsonObject | undefined)?.waiting as JsonObject | undefined) ?? {};
    const first = await eventually(async () => {
      const w = await reason();
      return w.reason === 'ErrImagePull' || w.reason === 'ImagePullBackOff' ? w : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'ErrImagePull' });
    if (first.reason === 'ErrImagePull') expect(String(first.message)).toMatch(/^Error response from daemon: /);
    await eventually(async () => (await reason()).reason === 'ImagePullBackOff', { timeoutMs: 30_000, intervalMs: 250, what: 'ImagePullBackOff' });
    expect((await reason()).message).toBe('Back-off pulling image "lite-test/does-not-exist:1"');
  });
});
