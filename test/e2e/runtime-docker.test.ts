/**
 * The ContainerRuntime conformance suite against the real Docker engine (DockerRuntime).
 *
 * Needs a running Docker engine and Debian's busybox-static (/bin/busybox) for the test images
 * (src/runtime/testing/test-images.ts); fails with a message saying so otherwise. Every object is
 * labelled with a node name unique to this run, and everything with that label is removed at the
 * end, also after failures.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerConfig, SandboxConfig } from '../../src/runtime/container-runtime.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../src/runtime/container-runtime.js';
import { createDockerApi, type DockerApi } from '../../src/runtime/docker/docker-api.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { describeRuntimeConformance, removeDir } from '../../src/runtime/testing/runtime-conformance.js';
import { ensureTestImages } from '../../src/runtime/testing/test-images.js';

/** Node names of this file: `<prefix>-<pid base36>-<time base36>`. */
const NODE_NAME = /^(?:conformance|conformance-other|docker-specifics)-([0-9a-z]+)-[0-9a-z]+$/;
const runId = `${process.pid.toString(36)}-${Date.now().toString(36)}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes what runs of this file that were killed before their cleanup left behind. */
async function sweepDeadRuns(docker: DockerApi): Promise<void> {
  const dead = (node: string) => {
    const m = NODE_NAME.exec(node);
    return m !== null && !alive(parseInt(m[1], 36));
  };
  const all = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [LABELS.node] }) });
  const nodes = [...new Set(all.map((c) => c.Labels?.[LABELS.node] ?? '').filter(dead))];
  if (nodes.length) await cleanupNodes(docker, nodes);
  for (const image of await docker.listImages()) {
    for (const tag of image.RepoTags ?? []) {
      const m = /^lite-test\/import-(.+):1$/.exec(tag);
      if (m && dead(m[1])) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    }
  }
}

/** Removes every container labelled with one of the node names, and the run's imported images. */
async function cleanupNodes(docker: DockerApi, nodes: string[]): Promise<void> {
  for (const node of nodes) {
    const leftovers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.node}=${node}`] }) });
    await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    const images = await docker.listImages();
    for (const image of images) {
      for (const tag of image.RepoTags ?? []) {
        if (tag.includes(node)) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
    }
  }
}

describeRuntimeConformance('docker', async () => {
  const docker = createDockerApi();
  const images = await ensureTestImages({ docker });
  await sweepDeadRuns(docker);
  const nodeName = `conformance-${runId}`;
  const otherName = `conformance-other-${runId}`;
  const hostDir = await mkdtemp(join(tmpdir(), 'lite-runtime-docker-'));
  return {
    runtime: new DockerRuntime({ nodeName, docker }),
    otherNode: new DockerRuntime({ nodeName: otherName, docker }),
    nodeName,
    images,
    hostDir,
    async cleanup() {
      await cleanupNodes(docker, [nodeName, otherName]);
      await removeDir(hostDir);
    },
  };
});

// ---- Docker specifics the shared suite cannot see (engine-side configuration) ----


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('DockerRuntime on the engine', () => {
  const docker = createDockerApi();
  const nodeName = `docker-specifics-${runId}`;
  const rt = new DockerRuntime({ nodeName, docker });
  let images: Awaited<ReturnType<typeof ensureTestImages>>;
  let n = 0;

  beforeAll(async () => {
    images = await ensureTestImages({ docker });
  });
  afterAll(async () => {
    await cleanupNodes(docker, [nodeName]);
  });

  const sandbox = (overrides: Partial<SandboxConfig> = {}): SandboxConfig => {
    const name = `pod-${n++}`;
    return { name, namespace: 'e2e', uid: `${nodeName}-${name}`, attempt: 0, hostname: name, labels: {}, hostNetwork: false, portMappings: [], ...overrides };
  };
  const container = (overrides: Partial<ContainerConfig> = {}): ContainerConfig => ({
    name: 'main',
    attempt: 0,
    image: images.busybox,
    env: [],
    mounts: [],
    labels: {},
    ...overrides,
  });
  async function exited(id: string) {
    for (let i = 0; i < 300; i++) {
      const s = await rt.containerStatus(id);
      if (s.state === 'exited') return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`container ${id} did not exit`);
  }
  async function logs(id: string) {
    let out = '';
    for await (const c of rt.logs(id, { follow: false, timestamps: false })) out += Buffer.from(c).toString();
    return out;
  }

  it('maps resources and security as the kubelet computes them', async () => {
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(
      sid,
      container({
        command: ['sh', '-c', 'id -u; id -g; id -G; touch /x 2>&1 || true'],
        resources: { cpuRequestMillis: 500, cpuLimitMillis: 250, memoryLimitBytes: 64 * 1024 * 1024 },
        security: { runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3000], readOnlyRootFilesystem: true, capabilitiesAdd: ['NET_ADMIN'], capabilitiesDrop: ['ALL'], noNewPrivileges: true },
      }),
      sb,
    );
    const hc = (await docker.getContainer(id).inspect()) as unknown as { HostConfig: Record<string, unknown>; Config: { User: string } };
    expect(hc.HostConfig).toMatchObject({
      CpuShares: 512,
      CpuQuota: 25000,
      CpuPeriod: 100000,
      Memory: 64 * 1024 * 1024,
      ReadonlyRootfs: true,
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      GroupAdd: ['3000'],
      NetworkMode: `container:${sid}`,
      IpcMode: `container:${sid}`,
    });
    expect(hc.Config.User).toBe('1000:2000');
    await rt.startContainer(id);
    const s = await exited(id);
    expect(s.exitCode).toBe(0);
    expect(await logs(id)).toBe('1000\n2000\n2000 3000\ntouch: /x: Read-only file system\n');
    // No request → the kubelet's minimum shares.
    const best = await rt.createContainer(sid, container({ name: 'besteffort', command: ['true'] }), sb);
    expect(((await docker.getContainer(best).inspect()) as unknown as { HostConfig: { CpuShares: number } }).HostConfig.CpuShares).toBe(2);
    await rt.removePodSandbox(sid);
  });

  it('reports OOMKilled for a container over its memory limit', async () => {
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(
      sid,
      container({ command: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], resources: { memoryLimitBytes: 16 * 1024 * 1024 } }),
      sb,
    );
    await rt.startContainer(id);
    expect(await exited(id)).toMatchObject({ state: 'exited', exitCode: 137, reason: 'OOMKilled' });
    await rt.removePodSandbox(sid);
  });

  it('publishes hostPorts, writes DNS config and the hostname', async () => {
    const port = await freePort();
    const sb = sandbox({
      portMappings: [{ containerPort: 8080, hostPort: port, protocol: 'TCP', hostIP: '127.0.0.1' }],
      dns: { servers: ['10.43.0.10'], searches: ['e2e.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] },
    });
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container({ command: ['sh', '-c', 'hostname; cat /etc/resolv.conf; exec httpd -f -p 8080 -h /www'] }), sb);
    await rt.startContainer(id);
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => '');
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('lite-test busybox\n');
    const out = await logs(id);
    expect(out.split('\n')[0]).toBe(sb.hostname);
    expect(out).toContain('nameserver 10.43.0.10');
    expect(out).toContain('search e2e.svc.cluster.local svc.cluster.local');
    expect(out).toContain('options ndots:5');
    await rt.removePodSandbox(sid);
  });

  it('runs host-network sandboxes with DNS settings', async () => {
    const sb = sandbox({ hostNetwork: true, dns: { servers: ['10.43.0.10'], searches: [], options: [] } });
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container({ command: ['cat', '/etc/resolv.conf'] }), sb);
    await rt.startContainer(id);
    await exited(id);
    expect(await logs(id)).toContain('nameserver 10.43.0.10');
    await rt.removePodSandbox(sid);
  });

  it('reports image refs as cri-dockerd did, and the engine\'s pull error', async () => {
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container({ command: ['true'] }), sb);
    const info = await rt.imageStatus(images.busybox);
    expect((await rt.containerStatus(id)).imageRef).toBe(`docker://${info!.id}`);
    await rt.removePodSandbox(sid);
    const err = (await rt.pullImage('nginx:1.27').catch((e: unknown) => e)) as Error;
    // e.g. `Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on …: no such host`
    expect(err.message).toMatch(/^Error response from daemon: \S/);
  });

  it('sandboxes run the locally built pause image', async () => {
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const i = await docker.getContainer(sid).inspect();
    expect(i.Config.Image).toBe('lite/pause:3.10');
    expect((await rt.version()).runtimeName).toBe('docker');
    await rt.removePodSandbox(sid);
  });
});
