/**
 * "Too old resource version": after compaction, a watch or list from a compacted revision is
 * 410 Expired, and a client-node informer holding such a revision relists and converges
 * (notes §6.2, §6.3, §6.4, §16).
 *
 * `RunningServer` exposes no compaction hook (its storage backend is private, and the memory
 * backend does not compact on its own), so the test compacts the SQLite datastore between two
 * server runs on the same data dir and port, with the product's own SqliteBackend. That is the
 * situation of a client reconnecting to a restarted server whose history was compacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADD, CoreV1Api, DELETE, ERROR, ListWatch, UPDATE, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { serverPaths } from '../../src/server/data-dir.js';
import { SqliteBackend } from '../../src/storage/sqlite/sqlite-backend.js';
import { apiError, EventLog, rawRequest, ROOT_CA_CONFIGMAP, startTestServer, waitForRootCaConfigMap, type TestServer } from './helpers.js';

const ns = 'compaction';
let t: TestServer;
let core: CoreV1Api;
let informer: ListWatch<V1ConfigMap>;
const informerLog = new EventLog<string>();
let listCalls = 0;
let watchQueries: Record<string, unknown>[] = [];
let oldRv = '';
let oldContinue = '';
let compactedAt = 0;

class RecordingWatch extends Watch {
  override watch(path: string, query: Record<string, any>, cb: (phase: string, obj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> {
    watchQueries.push({ ...query });
    return super.watch(path, query, cb, done);
  }
}

beforeAll(async () => {
  // ---- first run: objects, an informer in sync, a continue token ----
  const first = await startTestServer({ datastore: 'sqlite' });
  const port = first.server.port;
  const kc = first.kc;
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  // The root-CA publisher's ConfigMap is part of the namespace's initial state (it is never
  // changed afterwards: the CA survives the restart).
  await waitForRootCaConfigMap(first.server, ns);
  for (const n of ['keep', 'change', 'remove', 'p1', 'p2', 'p3']) {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n }, data: { v: '1' } } });
  }
  informer = new ListWatch<V1ConfigMap>(
    `/api/v1/namespaces/${ns}/configmaps`,
    new RecordingWatch(kc),
    () => {
      listCalls++;
      return core.listNamespacedConfigMap({ namespace: ns });
    },
    false,
  );
  informer.on(ADD, (o) => informerLog.push(`add ${o.metadata?.name}`));
  informer.on(UPDATE, (o) => informerLog.push(`update ${o.metadata?.name} ${o.data?.v}`));
  informer.on(DELETE, (o) => informerLog.push(`delete ${o.metadata?.name}`));
  informer.on(ERROR, (e) => informerLog.push(`error ${String(e)}`));
  await informer.start();
  await informerLog.until('initial list', (i) => i.filter((e) => e.startsWith('add')).length === 7);
  expect(informerLog.items.slice().sort()).toEqual(['add change', 'add keep', `add ${ROOT_CA_CONFIGMAP}`, 'add p1', 'add p2', 'add p3', 'add remove']);
  const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
  oldContinue = page.metadata!._continue!;
  oldRv = page.metadata!.resourceVersion!;
  // The client goes away (keeping its resourceVersion), the cluster moves on.
  await informer.stop();
  const change = await core.readNamespacedConfigMap({ name: 'change', namespace: ns });
  await core.replaceNamespacedConfigMap({ name: 'change', namespace: ns, body: { ...change, data: { v: '2' } } });
  await core.deleteNamespacedConfigMap({ name: 'remove', namespace: ns });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'added' }, data: { v: '1' } } });
  for (let i = 0; i < 20; i++) {
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `filler-${i}` } } });
  }
  await first.stop({ keepDataDir: true });

  // ---- compaction of everything up to the current revision ----
  const backend = new SqliteBackend({ path: serverPaths(first.dataDir).database, compaction: false });
  await backend.start();
  compactedAt = await backend.currentRevision();
  await backend.compact(compactedAt);
  expect(await backend.compactRevision()).toBe(compactedAt);
  await backend.close();

  // ---- second run on the same data dir and port ----
  // The informer's kubeconfig points at this port. Another process could, rarely, hold it now:
  // retry a bounded number of times on EADDRINUSE only.
  for (let attempt = 0; ; attempt++) {
    try {
      t = await startTestServer({ datastore: 'sqlite', dataDir: first.dataDir, httpsPort: port });
      break;
    } catch (e) {
      if (!String((e as Error)?.message ?? e).includes('EADDRINUSE') || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 120_000);

afterAll(async () => {
  await informer?.stop();
  await t?.stop();
});

describe('after compaction', () => {
  it('a raw watch from a compacted resourceVersion gets 410 Expired', async () => {
    expect(Number(oldRv)).toBeLessThan(compactedAt);
    const res = await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${oldRv}` });
    let status: any;
    if (res.status === 200) {
      // Upstream: 200, then one ERROR event carrying the Status, then the end of the stream.
      const lines = res.text.split('\n').filter((l) => l);
      expect(lines).toHaveLength(1);
      const ev = JSON.parse(lines[0]);
      expect(ev.type).toBe('ERROR');
      status = ev.object;
    } else {
      expect(res.status).toBe(410);
      status = res.json;
    }
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
    expect(status.message).toBe(`too old resource version: ${oldRv} (${compactedAt})`);
  });

  it('client-node Watch reports the 410 to the caller', async () => {
    const events: { type: string; obj: any }[] = [];
    const done = await new Promise<unknown>((resolve) => {
      void new Watch(t.kc).watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: oldRv }, (type, obj) => events.push({ type, obj }), (err) => resolve(err ?? null));
    });
    const sawErrorEvent = events.some((e) => e.type === 'ERROR' && e.obj?.code === 410);
    const sawHttp410 = (done as { statusCode?: number } | null)?.statusCode === 410;
    expect(sawErrorEvent || sawHttp410).toBe(true);
    expect(events.filter((e) => e.type !== 'ERROR')).toEqual([]);
  });

  it('a list at a compacted resourceVersion (Exact) is 410 Expired', async () => {
    const err = await apiError(core.listNamespacedConfigMap({ namespace: ns, resourceVersion: oldRv, resourceVersionMatch: 'Exact' }));
    expect(err.code).toBe(410);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('a continue token from before the compaction is 410 Expired', async () => {
    const err = await apiError(core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: oldContinue }));
    expect(err.code).toBe(410);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(err.status.message).toMatch(/^The provided continue parameter is too old/);
  });

  it('an informer holding a compacted resourceVersion relists and converges', async () => {
    expect(informer.latestResourceVersion()).not.toBe('');
    expect(Number(informer.latestResourceVersion())).toBeLessThan(compactedAt);
    const listsBefore = listCalls;
    const logBefore = informerLog.items.length;
    watchQueries = [];
    await informer.start();
    await informerLog.until('relist deltas', (i) => i.includes('delete remove') && i.includes('add added') && i.includes('update change 2'));
    expect(listCalls).toBe(listsBefore + 1);
    expect(informerLog.items.slice(logBefore).filter((e) => !e.startsWith('error')).sort()).toEqual(['add added', 'delete remove', 'update change 2']);
    expect(informer.list(ns).map((o) => o.metadata?.name).sort()).toEqual(['added', 'change', 'keep', ROOT_CA_CONFIGMAP, 'p1', 'p2', 'p3']);
    // The informer first tried its old resourceVersion, then watched from the relist's.
    expect(Number(watchQueries[0].resourceVersion)).toBeLessThan(compactedAt);
    // After the relist it is live again: a new write arrives through the watch.
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
    await informerLog.until('add after', (i) => i.includes('add after'));
    expect(Number(informer.latestResourceVersion())).toBeGreaterThan(compactedAt);
    // (informer.stop() itself reports an AbortError; only errors after the restart matter.)
    expect(informerLog.items.slice(logBefore).filter((e) => e.startsWith('error'))).toEqual([]);
  });
});
