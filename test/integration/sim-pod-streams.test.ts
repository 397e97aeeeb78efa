/**
 * pods/log, exec, attach and portforward of pods on simulated nodes (`--simulate-nodes`): the
 * API server reaches each simulated node's kubelet API (src/simulator/sim-kubelet.ts) as it
 * reaches a real kubelet. A simulated container writes nothing: its log is empty (and `follow`
 * ends with the container); exec, attach and port-forward are a 400 naming the simulated node —
 * never "error dialing backend" (500) or a hang.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
const NS = 'sim-streams';
const NODE = 'sim-node-0';

beforeAll(async () => {
  ts = await startTestServer({ simulatedNodes: { count: 2, podStartDelayMs: [20, 50] } });
  await ts.server.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});
afterAll(async () => {
  await ts?.stop();
});

async function runningPod(name: string, extra: { restartPolicy?: string; annotations?: Record<string, string> } = {}): Promise<KubeObject> {
  await ts.server.client.create(resources.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { nodeName: NODE, ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}), containers: [{ name: 'main', image: 'example/app' }] },
  });
  return waitFor(`pod ${name} to run`, async () => {
    const p = await ts.server.client.get(resources.pods, NS, name);
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    return phase === 'Running' || phase === 'Succeeded' ? p : undefined;
  });
}

function get(path: string) {
  return rawRequest(ts.server, { path, headers: { Accept: 'application/json, */*' } });
}

/** A WebSocket upgrade the server refuses: its HTTP status and Status body. */
function refusedUpgrade(path: string, protocols: string[]): Promise<{ status: number; body: { reason?: string; message?: string; code?: number } }> {
  return new Promise((resolve, reject) => {
    const u = new URL(ts.server.url);
    const ws = new WebSocket(`wss://${u.host}${path}`, protocols, { ca: ts.server.caCertPem, headers: { Authorization: `Bearer ${ts.server.adminToken}` } });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as { reason?: string; message?: string } }));
    });
    ws.on('error', reject);
  });
}

describe('pods/log on a simulated node', () => {
  it('is an empty text/plain log, whatever the options', async () => {
    await runningPod('quiet');
    for (const q of ['', '?timestamps=true', '?tailLines=10', '?limitBytes=5', '?sinceSeconds=60', '?container=main&timestamps=true&tailLines=0']) {
      const res = await get(`/api/v1/namespaces/${NS}/pods/quiet/log${q}`);
      expect(res.status, q).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^text\/plain/);
      expect(res.text, q).toBe('');
    }
  });

  it('--previous of a container that never restarted is the kubelet\'s 400', async () => {
    const res = await get(`/api/v1/namespaces/${NS}/pods/quiet/log?previous=true`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'previous terminated container "main" in pod "quiet" not found' });
  });

  it('a completed pod has an empty log too', async () => {
    await runningPod('done', { restartPolicy: 'Never', annotations: { 'lite.dev/sim-duration': '0s' } });
    await waitFor('the pod to succeed', async () => ((await ts.server.client.get(resources.pods, NS, 'done')).status as { phase?: string }).phase === 'Succeeded');
    const res = await get(`/api/v1/namespaces/${NS}/pods/done/log`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const follow = await get(`/api/v1/namespaces/${NS}/pods/done/log?follow=true`);
    expect(follow.status).toBe(200);
    expect(follow.text).toBe('');
  });

  it('follow stays open while the container runs and ends when the pod is deleted', async () => {
    await runningPod('followed');
    const u = new URL(`${ts.server.url}/api/v1/namespaces/${NS}/pods/followed/log?follow=true`);
    let headersAt = 0;
    const ended = new Promise<{ status: number; body: string; endedAt: number }>((resolve, reject) => {
      const req = httpsRequest({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, ca: ts.server.caCertPem, agent: false, headers: { Authorization: `Bearer ${ts.server.adminToken}` } }, (res) => {
        headersAt = Date.now();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, endedAt: Date.now() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    await waitFor('the response headers', () => headersAt > 0);
    // Still open a moment later: the container runs.
    const early = await Promise.race([ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 300))]);
    expect(early).toBe('open');
    const deletedAt = Date.now();
    await ts.server.client.delete(resources.pods, NS, 'followed');
    const r = await ended;
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.endedAt - deletedAt).toBeLessThan(5_000);
  });

  it('a stopped simulated kubelet is unreachable, as a real one would be', async () => {
    await runningPod('stranded');
    await ts.server.client.patch(resources.nodes, undefined, NODE, 'merge', { metadata: { annotations: { 'lite.dev/sim-heartbeat': 'stopped' } } });
    try {
      await waitFor('the kubelet to stop', async () => (await get(`/api/v1/namespaces/${NS}/pods/stranded/log`)).status === 500);
      const res = await get(`/api/v1/namespaces/${NS}/pods/stranded/log`);
      expect(res.json.message).toBe(`error dialing backend: the kubelet of simulated node "${NODE}" is stopped (node annotation lite.dev/sim-heartbeat=stopped)`);
    } finally {
      await ts.server.client.patch(resources.nodes, undefined, NODE, 'merge', { metadata: { annotations: { 'lite.dev/sim-heartbeat': null } } });
    }
    await waitFor('the kubelet to resume', async () => (await get(`/api/v1/namespaces/${NS}/pods/stranded/log`)).status === 200);
  });
});

describe('exec, attach and port-forward on a simulated node', () => {
  const refusal = (what: string) => `pod quiet runs on simulated node "${NODE}" (lite server --simulate-nodes): its containers are simulated, with ${what}`;

  it('exec and attach over WebSocket are a 400 naming the node (kubectl then tries SPDY and prints it)', async () => {
    const exec = await refusedUpgrade(`/api/v1/namespaces/${NS}/pods/quiet/exec?command=ls&stdout=true&stderr=true`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(exec).toEqual({ status: 400, body: expect.objectContaining({ kind: 'Status', reason: 'BadRequest', code: 400, message: refusal('no processes to exec into') }) });
    const attach = await refusedUpgrade(`/api/v1/namespaces/${NS}/pods/quiet/attach?stdout=true`, ['v5.channel.k8s.io']);
    expect(attach).toMatchObject({ status: 400, body: { reason: 'BadRequest', message: refusal('no processes to attach to') } });
  });

  it('the legacy SPDY upgrades get the same 400', async () => {
    for (const [sub, what] of [
      ['exec?command=ls&stdout=true', 'no processes to exec into'],
      ['attach?stdout=true', 'no processes to attach to'],
      ['portforward?ports=80', 'no ports to forward to'],
    ] as const) {
      const res = await rawRequest(ts.server, { method: 'POST', path: `/api/v1/namespaces/${NS}/pods/quiet/${sub}`, headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' } });
      expect(res.status, sub).toBe(400);
      expect(res.json, sub).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: refusal(what) });
    }
  });

  it('port-forward over WebSocket is the same 400', async () => {
    const pf = await refusedUpgrade(`/api/v1/namespaces/${NS}/pods/quiet/portforward?ports=8080`, ['v4.channel.k8s.io']);
    expect(pf).toMatchObject({ status: 400, body: { reason: 'BadRequest', message: refusal('no ports to forward to') } });
  });

  it('the API server\'s own checks come first (unknown container)', async () => {
    const res = await refusedUpgrade(`/api/v1/namespaces/${NS}/pods/quiet/exec?command=ls&stdout=true&container=nope`, ['v5.channel.k8s.io']);
    expect(res).toMatchObject({ status: 400, body: { message: 'container nope is not valid for pod quiet' } });
  });
});
