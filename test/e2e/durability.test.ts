/**
 * Durability (acceptance item 8): 16 concurrent clients create ConfigMaps over raw HTTPS with the
 * admin client certificate, recording every 201 and its resourceVersion; the server is killed
 * with SIGKILL in the middle of that stream and restarted on the same data dir. Every
 * acknowledged ConfigMap must exist, unchanged, and resourceVersions must keep increasing.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { AdminHttpsClient } from './support/https-client.js';
import { Kubectl, requireKubectl132 } from './support/kubectl.js';
import { makeTempDir, startLite, type LiteServer } from './support/lite-process.js';
import { eventually } from './support/wait.js';

const CLIENTS = 16;
/** Kill once this many creates have been acknowledged (while the clients keep writing). */
const KILL_AFTER_ACKS = 400;
/** Upper bound of creates per client, so the stream is finite even if the kill never comes. */
const MAX_PER_CLIENT = 2_000;

interface Ack {
  readonly name: string;
  readonly rv: number;
  readonly uid: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('durability across kill -9', () => {
  test('every acknowledged create survives a SIGKILL mid-stream; resourceVersions stay monotonic after restart', async () => {
    requireKubectl132();
    const tmp = makeTempDir('durability');
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const first = await startLite();
    cleanups.push(() => first.cleanup());
    const kubectl = new Kubectl({ kubeconfig: first.kubeconfigPath, cacheDir: join(tmp, 'cache') });
    const ns = 'durable';
    await kubectl.ok(['create', 'namespace', ns]);

    const acks: Ack[] = [];
    const unexpected: string[] = [];
    const transportErrors: string[] = [];
    let killed = false;
    let killAt = 0;
    const http = new AdminHttpsClient(first.credentials(), { maxSockets: CLIENTS });
    cleanups.push(() => http.close());

    const client = async (id: number): Promise<void> => {
      for (let i = 0; i < MAX_PER_CLIENT; i++) {
        const name = `c${String(id).padStart(2, '0')}-${String(i).padStart(5, '0')}`;
        let res;
        try {
          res = await http.json<{ metadata: { resourceVersion: string; uid: string } }>({
            method: 'POST',
            path: `/api/v1/namespaces/${ns}/configmaps`,
            body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { client: String(id), seq: String(i) } }),
            timeoutMs: 10_000,
          });
        } catch (e) {
          // Expected only once the server is gone.
          transportErrors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        if (res.status !== 201) {
          unexpected.push(`${name}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          return;
        }
        acks.push({ name, rv: Number(res.body.metadata.resourceVersion), uid: res.body.metadata.uid });
        if (!killed && acks.length >= KILL_AFTER_ACKS) {
          killed = true;
          killAt = acks.length;
          void first.kill9();
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    expect(unexpected, 'every create before the kill is acknowledged with 201').toEqual([]);
    expect(killed, `the kill was not reached: only ${acks.length} acknowledgements`).toBe(true);
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The kill happened mid-stream: clients were still writing.
    expect(transportErrors.length).toBeGreaterThan(0);
    expect(acks.length).toBeGreaterThanOrEqual(killAt);

    // Acknowledged resourceVersions are distinct positive integers.
    expect(acks.every((a) => Number.isSafeInteger(a.rv) && a.rv > 0)).toBe(true);
    expect(new Set(acks.map((a) => a.rv)).size).toBe(acks.length);
    const maxAcked = Math.max(...acks.map((a) => a.rv));

    // Restart on the same data dir and port.
    const second: LiteServer = await startLite({ dataDir: first.dataDir, port: first.port });
    cleanups.push(() => second.cleanup());
    const http2 = new AdminHttpsClient(second.credentials(), { maxSockets: 4 });
    cleanups.push(() => http2.close());

    const list = await http2.json<{ metadata: { resourceVersion: string }; items: { metadata: { name: string; resourceVersion: string; uid: string }; data: Record<string, string> }[] }>({
      path: `/api/v1/namespaces/${ns}/configmaps`,
      timeoutMs: 30_000,
    });
    expect(list.status).toBe(200);
    const stored = new Map(list.body.items.map((i) => [i.metadata.name, i]));
    const missing = acks.filter((a) => !stored.has(a.name)).map((a) => a.name);
    expect(missing, `${missing.length} of ${acks.length} acknowledged ConfigMaps are gone after kill -9`).toEqual([]);
    const changed = acks.filter((a) => {
      const s = stored.get(a.name);
      return !s || Number(s.metadata.resourceVersion) !== a.rv || s.metadata.uid !== a.uid;
    });
    expect(changed.map((a) => a.name)).toEqual([]);
    for (const a of acks.slice(0, 50)) {
      const [client, seq] = a.name.slice(1).split('-').map(Number);
      expect(stored.get(a.name)?.data).toEqual({ client: String(client), seq: String(seq) });
    }
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(maxAcked);

    // New writes get higher resourceVersions than anything acknowledged before the crash.
    const after = await http2.json<{ metadata: { resourceVersion: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } }),
    });
    expect(after.status).toBe(201);
    expect(Number(after.body.metadata.resourceVersion)).toBeGreaterThan(maxAcked);
    expect(Number(after.body.metadata.resourceVersion)).toBeGreaterThan(Number(list.body.metadata.resourceVersion));

    // An update of an acknowledged object also moves past every earlier revision.
    const target = acks[0];
    const upd = await http2.json<{ metadata: { resourceVersion: string } }>({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${target.name}`,
      body: JSON.stringify({ data: { touched: 'yes' } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(upd.status).toBe(200);
    expect(Number(upd.body.metadata.resourceVersion)).toBeGreaterThan(Number(after.body.metadata.resourceVersion));

    // The old kubeconfig still works (the PKI survived too), and kubectl sees the same objects.
    const count = (await kubectl.ok(['get', 'configmaps', '-n', ns, '-o', 'name'])).trim().split('\n').length;
    expect(count).toBe(list.body.items.length + 1);

    // A second crash right after restart loses nothing either.
    await second.kill9();
    const third = await startLite({ dataDir: first.dataDir, port: first.port });
    cleanups.push(() => third.cleanup());
    await eventually(async () => (await kubectl.run(['get', 'configmap', 'after-restart', '-n', ns, '-o', 'name'])).stdout === 'configmap/after-restart\n', {
      timeoutMs: 10_000,
      what: 'after-restart to be readable after the second crash',
    });
    expect(await kubectl.ok(['get', 'configmap', target.name, '-n', ns, '-o', 'jsonpath={.data.touched}'])).toBe('yes');
  });
});
