/**
 * The Node authorizer with a real kubelet behind `lite agent` over HTTPS (simulated runtime): the
 * kubelet reads exactly the Secrets and ConfigMaps of its own pods, one watch per object, and
 * their changes reach the pod's volume; the node's identity cannot read other Secrets, list
 * them, or ask for tokens of service accounts none of its pods uses.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { resources } from '../../src/client/client.js';
import { startKubelet } from '../../src/kubelet/kubelet.js';
import { SimRuntime } from '../../src/runtime/sim/sim-runtime.js';
import { silentLogger } from '../../src/util/log.js';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

const NODE = 'worker-graph';
const AS_NODE = { 'Impersonate-User': `system:node:${NODE}`, 'Impersonate-Group': 'system:nodes' };
const secrets = { group: '', version: 'v1', resource: 'secrets' } as const;

let t: TestServer;
let agent: RunningAgent | undefined;
const agentDir = mkdtempSync(join(tmpdir(), 'lite-it-node-'));

beforeAll(async () => {
  t = await startTestServer();
  const client = t.server.client;
  await client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { mode: 'first' } });
  await client.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret' }, data: { password: Buffer.from('hunter2').toString('base64') } });
  await client.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-yours' }, data: { key: Buffer.from('x').toString('base64') } });
  agent = await startAgent({
    server: t.server.url,
    token: t.server.joinToken,
    nodeName: NODE,
    dataDir: agentDir,
    runtime: new SimRuntime({ nodeName: NODE, images: [{ name: 'busybox' }] }),
    startKubelet,
    logger: silentLogger,
  });
  await agent.whenRegistered();
});

afterAll(async () => {
  await agent?.stop();
  await t?.stop();
  rmSync(agentDir, { recursive: true, force: true });
});

/** The file a configMap volume's key is written to by the kubelet. */
function volumeFile(uid: string, volume: string, key: string): string | undefined {
  const dir = join(agentDir, 'agent', 'kubelet', 'pods', uid, 'volumes');
  if (!existsSync(dir)) return undefined;
  for (const plugin of readdirSync(dir)) {
    const file = join(dir, plugin, volume, key);
    if (existsSync(file)) return file;
  }
  return undefined;
}

describe('the Node authorizer with a kubelet over HTTPS', () => {
  it("runs a pod that uses a Secret and a ConfigMap, and follows the ConfigMap's changes", async () => {
    const pod = await t.server.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app' },
      spec: {
        nodeName: NODE,
        volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }],
        containers: [{ name: 'main', image: 'busybox', imagePullPolicy: 'IfNotPresent', env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } }], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
      },
    });
    const uid = pod.metadata.uid ?? '';
    await waitFor('the pod to run', async () => {
      const p = await t.server.client.get(resources.pods, 'default', 'app');
      return (p.status as { phase?: string } | undefined)?.phase === 'Running';
    }, 30_000).catch(async (e: unknown) => {
      const p = await t.server.client.get(resources.pods, 'default', 'app');
      const events = await t.server.client.list(resources.events, 'default');
      throw new Error(`${String(e)}\n${JSON.stringify(p.status)}\n${events.items.map((ev) => String(ev.message)).join('\n')}`);
    });
    const file = await waitFor('the configMap volume', () => volumeFile(uid, 'cfg', 'mode'));
    expect(readFileSync(file, 'utf8')).toBe('first');
    const cm = await t.server.client.get(resources.configmaps, 'default', 'app-config');
    await t.server.client.update(resources.configmaps, 'default', { ...cm, data: { mode: 'second' } });
    await waitFor('the volume to follow the ConfigMap', () => readFileSync(volumeFile(uid, 'cfg', 'mode') ?? file, 'utf8') === 'second', 30_000);
  });

  it("lets the node read its pods' objects by name, and nothing else", async () => {
    expect((await rawRequest(t.server, { path: '/api/v1/namespaces/default/secrets/app-secret', headers: AS_NODE })).status).toBe(200);
    expect((await rawRequest(t.server, { path: '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dapp-config', headers: AS_NODE })).status).toBe(200);
    const other = await rawRequest(t.server, { path: '/api/v1/namespaces/default/secrets/not-yours', headers: AS_NODE });
    expect(other.status).toBe(403);
    expect(other.json.message).toBe(
      `secrets "not-yours" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${NODE}' and this object`,
    );
    expect((await rawRequest(t.server, { path: '/api/v1/secrets', headers: AS_NODE })).status).toBe(403);
    const token = await rawRequest(t.server, {
      method: 'POST',
      path: '/api/v1/namespaces/kube-system/serviceaccounts/coredns/token',
      headers: AS_NODE,
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [] } }),
    });
    expect(token.status).toBe(403);
  });

  it('lets the node request tokens only bound to a pod of its own (NodeRestriction)', async () => {
    const client = t.server.client;
    const mine = await client.get(resources.pods, 'default', 'app');
    const theirs = await client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere' }, spec: { nodeName: 'some-other-node', containers: [{ name: 'c', image: 'busybox' }] } });
    const request = (boundObjectRef?: Record<string, string>) =>
      rawRequest(t.server, {
        method: 'POST',
        path: '/api/v1/namespaces/default/serviceaccounts/default/token',
        headers: AS_NODE,
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], ...(boundObjectRef ? { boundObjectRef } : {}) } }),
      });
    const ok = await request({ apiVersion: 'v1', kind: 'Pod', name: 'app', uid: mine.metadata.uid ?? '' });
    expect(ok.status).toBe(201);
    expect(typeof ok.json.status.token).toBe('string');
    expect((await request()).json.message).toBe('serviceaccounts "default" is forbidden: node requested token not bound to a pod');
    expect((await request({ apiVersion: 'v1', kind: 'Pod', name: 'app' })).json.message).toBe('serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
    const other = await request({ apiVersion: 'v1', kind: 'Pod', name: 'elsewhere', uid: theirs.metadata.uid ?? '' });
    expect(other.status).toBe(403);
    expect(other.json.message).toBe('serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
  });
});
