/**
 * pods/log, pods/exec, pods/attach and pods/portforward through the API server to a kubelet:
 * a KubeletServer on the simulated runtime, registered as node n1's in-process connection (as the
 * embedded agent does), reached over HTTPS with the admin token. Errors are the upstream texts.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type RawData } from 'ws';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { KubeletServer } from '../../src/kubelet/server/kubelet-server.js';
import { RuntimePodLookup } from '../../src/kubelet/server/pod-lookup.js';
import { LABELS, type SandboxConfig } from '../../src/runtime/container-runtime.js';
import { SimRuntime } from '../../src/runtime/sim/sim-runtime.js';
import { directConnection } from '../../src/tunnel/kubelet-connection.js';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
const runtime = new SimRuntime({ nodeName: 'n1', images: [{ name: 'busybox' }] });
let unregister: () => void = () => undefined;
const NS = 'streams';

/**
 * Creates the pod in the API (bound to `node`) and, on n1, its sandbox and running containers.
 * With `staticUid` it is a mirror pod: the kubelet runs the static pod under that uid.
 */
async function runPod(name: string, containers: { name: string; script: string }[], node = 'n1', staticUid?: string): Promise<KubeObject> {
  const pod = await ts.server.client.create(resources.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, ...(staticUid ? { annotations: { 'kubernetes.io/config.mirror': staticUid, 'kubernetes.io/config.source': 'file' } } : {}) },
    spec: { nodeName: node, containers: containers.map((c) => ({ name: c.name, image: 'busybox', command: ['sh', '-c', c.script] })) },
  });
  if (node !== 'n1') return pod;
  const sandbox: SandboxConfig = { name, namespace: NS, uid: staticUid ?? pod.metadata.uid ?? '', attempt: 0, hostname: name, labels: {}, hostNetwork: false, portMappings: [] };
  const sid = await runtime.runPodSandbox(sandbox);
  for (const c of containers) {
    const id = await runtime.createContainer(sid, { name: c.name, attempt: 0, image: 'busybox', command: ['sh', '-c', c.script], env: [], mounts: [], labels: { [LABELS.containerName]: c.name } }, sandbox);
    await runtime.startContainer(id);
  }
  return pod;
}

function get(path: string) {
  return rawRequest(ts.server, { path, headers: { Accept: 'application/json, */*' } });
}

beforeAll(async () => {
  ts = await startTestServer();
  await ts.server.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const kubelet = new KubeletServer({ nodeName: 'n1', runtime, pods: new RuntimePodLookup(runtime) });
  unregister = ts.server.kubelets.registerDirect('n1', directConnection(kubelet));
});
afterAll(async () => {
  unregister();
  await ts?.stop();
});

describe('pods/log', () => {
  it('relays the container log as text/plain, with tailLines', async () => {
    await runPod('logger', [{ name: 'main', script: 'echo one; echo two; echo three; sleep 3600' }]);
    await waitFor('three log lines', async () => (await get(`/api/v1/namespaces/${NS}/pods/logger/log`)).text === 'one\ntwo\nthree\n');
    const res = await get(`/api/v1/namespaces/${NS}/pods/logger/log?container=main&tailLines=1`);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain/);
    expect(res.text).toBe('three\n');
  });

  it('follows a log until the client goes away', async () => {
    await runPod('follower', [{ name: 'main', script: 'echo first; sleep 3600' }]);
    await waitFor('the first line', async () => (await get(`/api/v1/namespaces/${NS}/pods/follower/log`)).text === 'first\n');
    const first = await new Promise<string>((resolve, reject) => {
      const u = new URL(`${ts.server.url}/api/v1/namespaces/${NS}/pods/follower/log?follow=true`);
      const req = httpsRequest({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` } }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (d: string) => {
          resolve(d);
          req.destroy();
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      req.end();
    });
    expect(first).toBe('first\n');
  });

  it('reaches a static pod through its mirror pod (the kubelet knows it by the config hash)', async () => {
    await runPod('static-n1', [{ name: 'main', script: 'echo static; sleep 3600' }], 'n1', 'd41d8cd98f00b204e9800998ecf8427e');
    await waitFor('the static pod log', async () => (await get(`/api/v1/namespaces/${NS}/pods/static-n1/log`)).text === 'static\n');
  });

  it('validates options and containers with the upstream messages', async () => {
    await runPod('two', [
      { name: 'a', script: 'sleep 3600' },
      { name: 'b', script: 'sleep 3600' },
    ]);
    const noContainer = await get(`/api/v1/namespaces/${NS}/pods/two/log`);
    expect(noContainer.status).toBe(400);
    expect(noContainer.json.message).toBe('a container name must be specified for pod two, choose one of: [a b]');
    const wrong = await get(`/api/v1/namespaces/${NS}/pods/two/log?container=c`);
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toBe('container c is not valid for pod two');
    const tail = await get(`/api/v1/namespaces/${NS}/pods/two/log?container=a&tailLines=-1`);
    expect(tail.status).toBe(422);
    expect(tail.json.message).toContain('tailLines: Invalid value: -1: must be greater than or equal to 0');
    const previous = await get(`/api/v1/namespaces/${NS}/pods/two/log?container=a&previous=true`);
    expect(previous.status).toBe(400);
    expect(previous.json.message).toBe('previous terminated container "a" in pod "two" not found');
  });

  it('says when the pod\'s node has no connected agent, and answers empty for an unbound pod', async () => {
    await runPod('elsewhere', [{ name: 'main', script: 'sleep 1' }], 'n2');
    const res = await get(`/api/v1/namespaces/${NS}/pods/elsewhere/log`);
    expect(res.status).toBe(500);
    expect(res.json.message).toMatch(/^error dialing backend: node "n2" has no connected agent/);
    await ts.server.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound', namespace: NS }, spec: { schedulerName: 'nobody', containers: [{ name: 'main', image: 'busybox' }] } });
    const unbound = await get(`/api/v1/namespaces/${NS}/pods/unbound/log`);
    expect(unbound.status).toBe(200);
    expect(unbound.text).toBe('');
  });
});

interface Frames {
  readonly protocol: string;
  readonly channels: Map<number, string>;
  readonly closeCode: number;
}

function remoteCommand(path: string, protocols: string[], input?: (ws: WebSocket) => void): Promise<Frames> {
  return new Promise((resolve, reject) => {
    const u = new URL(ts.server.url);
    const ws = new WebSocket(`wss://${u.host}${path}`, protocols, { ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` } });
    const channels = new Map<number, string>();
    ws.on('message', (data: RawData) => {
      const b = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      channels.set(b[0], (channels.get(b[0]) ?? '') + b.subarray(1).toString('utf8'));
    });
    ws.on('open', () => input?.(ws));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, channels, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${body}`)));
    });
    ws.on('error', reject);
  });
}

describe('pods/exec and pods/attach', () => {
  it('runs a command over v5.channel.k8s.io: stdout, stderr and the Success status', async () => {
    await runPod('shell', [{ name: 'main', script: 'sleep 3600' }]);
    await waitFor('the container to run', async () => (await runtime.listContainers({ labels: { [LABELS.podName]: 'shell' } })).some((c) => c.state === 'running'));
    const r = await remoteCommand(`/api/v1/namespaces/${NS}/pods/shell/exec?command=sh&command=-c&command=echo+out%3B+echo+err+%3E%262&stdout=true&stderr=true`, ['v5.channel.k8s.io']);
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.channels.get(1)).toBe('out\n');
    expect(r.channels.get(2)).toBe('err\n');
    expect(JSON.parse(r.channels.get(3) ?? '{}')).toMatchObject({ status: 'Success' });
    expect(r.closeCode).toBe(1000);
  });

  it('reports a non-zero exit code as upstream does', async () => {
    const r = await remoteCommand(`/api/v1/namespaces/${NS}/pods/shell/exec?command=sh&command=-c&command=exit+3&stdout=true&stderr=true`, ['v5.channel.k8s.io']);
    expect(JSON.parse(r.channels.get(3) ?? '{}')).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });

  it('passes stdin through and half-closes it with the v5 close frame', async () => {
    const r = await remoteCommand(`/api/v1/namespaces/${NS}/pods/shell/exec?command=cat&stdin=true&stdout=true&stderr=true`, ['v5.channel.k8s.io'], (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello through stdin\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    expect(r.channels.get(1)).toBe('hello through stdin\n');
    expect(JSON.parse(r.channels.get(3) ?? '{}')).toMatchObject({ status: 'Success' });
  });

  it("reaches the kubelet's exec through nodes/proxy too (WebSocket, stdin both ways)", async () => {
    await ts.server.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const r = await remoteCommand(`/api/v1/nodes/n1/proxy/exec/${NS}/shell/main?command=cat&input=1&output=1&stdin=1&stdout=1`, ['v5.channel.k8s.io'], (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('via nodes/proxy\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.channels.get(1)).toBe('via nodes/proxy\n');
    expect(JSON.parse(r.channels.get(3) ?? '{}')).toMatchObject({ status: 'Success' });
  });

  it('refuses a container that does not exist and a pod without a node, with upstream texts', async () => {
    await expect(remoteCommand(`/api/v1/namespaces/${NS}/pods/shell/exec?command=true&container=nope&stdout=true`, ['v5.channel.k8s.io'])).rejects.toThrow(/HTTP 400: .*container nope is not valid for pod shell/);
    await expect(remoteCommand(`/api/v1/namespaces/${NS}/pods/unbound/exec?command=true&stdout=true`, ['v5.channel.k8s.io'])).rejects.toThrow(/HTTP 400: .*pod unbound does not have a host assigned/);
  });

  it('reports an unreachable kubelet or a container that is not running on the error channel, as upstream\'s stream translator', async () => {
    const noAgent = await remoteCommand(`/api/v1/namespaces/${NS}/pods/elsewhere/exec?command=true&stdout=true`, ['v5.channel.k8s.io']);
    expect(noAgent.protocol).toBe('v5.channel.k8s.io');
    expect(JSON.parse(noAgent.channels.get(3) ?? '{}')).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500, message: expect.stringMatching(/^Internal error occurred: error dialing backend: node "n2" has no connected agent/) });
    expect(noAgent.closeCode).toBe(1000);
    await runPod('finished', [{ name: 'main', script: 'true' }]);
    await waitFor('the container to exit', async () => (await runtime.listContainers({ labels: { [LABELS.podName]: 'finished' } })).some((c) => c.state === 'exited'));
    const notRunning = await remoteCommand(`/api/v1/namespaces/${NS}/pods/finished/exec?command=true&stdout=true`, ['v4.channel.k8s.io']);
    expect(notRunning.protocol).toBe('v4.channel.k8s.io');
    expect(JSON.parse(notRunning.channels.get(3) ?? '{}')).toMatchObject({ status: 'Failure', message: 'Internal error occurred: unable to upgrade connection: container not found ("main")' });
  });

  it('answers the legacy SPDY upgrade with a Status (kubectl prints it after its WebSocket attempt failed)', async () => {
    const res = await rawRequest(ts.server, { method: 'POST', path: `/api/v1/namespaces/${NS}/pods/shell/exec?command=true&stdout=true`, headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure' });
  });

  it('attaches to the main process of a container', async () => {
    await runPod('talker', [{ name: 'main', script: 'while true; do echo tick; sleep 0.2; done' }]);
    await waitFor('the container to run', async () => (await runtime.listContainers({ labels: { [LABELS.podName]: 'talker' } })).some((c) => c.state === 'running'));
    const r = await remoteCommand(`/api/v1/namespaces/${NS}/pods/talker/attach?stdout=true&stderr=true`, ['v5.channel.k8s.io'], (ws) => {
      setTimeout(() => ws.close(1000), 700);
    });
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.channels.get(1) ?? '').toContain('tick\n');
  });
});

describe('pods/portforward', () => {
  it('forwards a port over the v4 channel protocol (client-node style)', async () => {
    await runPod('web', [{ name: 'main', script: 'httpd -f -p 8080' }]);
    await waitFor('the web container to run', async () => (await runtime.listContainers({ labels: { [LABELS.podName]: 'web' } })).some((c) => c.state === 'running'));
    const u = new URL(ts.server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`wss://${u.host}/api/v1/namespaces/${NS}/pods/web/portforward?ports=8080`, ['v4.channel.k8s.io'], { ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` } });
      let data = Buffer.alloc(0);
      const seenPortHeader = new Set<number>();
      ws.on('message', (raw: RawData) => {
        const b = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
        const channel = b[0];
        let payload = b.subarray(1);
        // the first frame of each channel carries the port (uint16 LE)
        if (!seenPortHeader.has(channel)) {
          seenPortHeader.add(channel);
          expect(payload.readUInt16LE(0)).toBe(8080);
          payload = payload.subarray(2);
          if (channel === 0) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.0\r\n\r\n')]));
        }
        if (channel === 0) data = Buffer.concat([data, payload]);
        if (data.includes('lite-test') || data.toString().includes('\r\n\r\n')) {
          ws.close();
          resolve(data.toString('utf8'));
        }
      });
      ws.on('error', reject);
      ws.on('unexpected-response', (_r, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] /);
  });
});
