/**
 * Watches through client-node's `Watch` and informers (`makeInformer`/`ListWatch`): event order,
 * synthetic ADDED for rv=0, selectors, the server ending a watch at timeoutSeconds, and the
 * informer re-watching after that (notes §6, §16).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADD,
  CONNECT,
  CoreV1Api,
  DELETE,
  ERROR,
  ListWatch,
  makeInformer,
  UPDATE,
  Watch,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { request as httpsRequest } from 'node:https';
import { EventLog, rawRequest, ROOT_CA_CONFIGMAP, startTestServer, uniqueName, waitForRootCaConfigMap, type TestServer } from './helpers.js';

let t: TestServer;
let core: CoreV1Api;

beforeAll(async () => {
  t = await startTestServer();
  core = t.kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await t?.stop();
});

/**
 * A fresh namespace, returned once the root-CA publisher has put its kube-root-ca.crt in it (as in
 * every namespace of a real cluster). From then on the namespace's ConfigMaps change only by the
 * test's own writes: a watch from a later resourceVersion sees no controller events, and a list
 * (or rv=0 watch, or informer) sees kube-root-ca.crt as pre-existing state.
 */
async function newNamespace(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  await waitForRootCaConfigMap(t.server, name);
  return name;
}

interface Ev {
  type: string;
  name: string;
  rv: string;
  data?: Record<string, string>;
  obj: any;
}

/** Starts a client-node Watch and records its events; `done` resolves when the stream ends. */
async function startWatch(kc: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>) {
  const log = new EventLog<Ev>();
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((r) => (resolveDone = r));
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj) => log.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, data: obj?.data, obj }),
    (err) => resolveDone(err ?? null),
  );
  return { log, done, abort: () => controller.abort() };
}

describe('Watch', () => {
  it('delivers ADDED, MODIFIED, DELETED in order with increasing resourceVersions', async () => {
    const ns = await newNamespace('w-order');
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata!.resourceVersion });
    try {
      const c = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'one' }, data: { v: '1' } } });
      const u = await core.replaceNamespacedConfigMap({ name: 'one', namespace: ns, body: { ...c, data: { v: '2' } } });
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'two' } } });
      await core.deleteNamespacedConfigMap({ name: 'one', namespace: ns });
      await w.log.until('4 events', (items) => items.length >= 4);
      expect(w.log.items.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED one', 'MODIFIED one', 'ADDED two', 'DELETED one']);
      expect(w.log.items[0].rv).toBe(c.metadata?.resourceVersion);
      expect(w.log.items[1].rv).toBe(u.metadata?.resourceVersion);
      expect(w.log.items[1].data).toEqual({ v: '2' });
      const rvs = w.log.items.map((e) => Number(e.rv));
      expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
      expect(new Set(rvs).size).toBe(4);
      // Events carry kind/apiVersion; DELETED carries the last state.
      expect(w.log.items[3].obj).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { v: '2' } });
      expect(Number(w.log.items[3].rv)).toBeGreaterThan(Number(u.metadata?.resourceVersion));
    } finally {
      w.abort();
    }
  });

  it('resourceVersion=0 starts with synthetic ADDED events for existing objects', async () => {
    const ns = await newNamespace('w-rv0');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: '0' });
    try {
      // Every existing object, including the root-CA publisher's ConfigMap.
      await w.log.until('3 synthetic ADDED', (items) => items.length >= 3);
      expect(w.log.items.map((e) => `${e.type} ${e.name}`).sort()).toEqual(['ADDED a', 'ADDED b', `ADDED ${ROOT_CA_CONFIGMAP}`]);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } });
      await w.log.until('ADDED c', (items) => items.some((e) => e.name === 'c'));
      expect(w.log.items.length).toBe(4);
    } finally {
      w.abort();
    }
  });

  it('watching from an older resourceVersion replays the changes after it', async () => {
    const ns = await newNamespace('w-replay');
    const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: ns });
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: a.metadata!.resourceVersion });
    try {
      await w.log.until('replayed events', (items) => items.length >= 2);
      expect(w.log.items.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED b', 'DELETED a']);
    } finally {
      w.abort();
    }
  });

  it('label and field selectors filter events; an object that stops matching is DELETED', async () => {
    const ns = await newNamespace('w-sel');
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'app=web' });
    const f = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata!.resourceVersion, fieldSelector: 'metadata.name=other' });
    try {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other', labels: { app: 'db' } } } });
      const m = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'match', labels: { app: 'web' } } } });
      await core.replaceNamespacedConfigMap({ name: 'match', namespace: ns, body: { ...m, metadata: { ...m.metadata, labels: { app: 'api' } } } });
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'last', labels: { app: 'web' } } } });
      await w.log.until('ADDED last', (items) => items.some((e) => e.name === 'last'));
      expect(w.log.items.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED match', 'DELETED match', 'ADDED last']);
      await f.log.until('ADDED other', (items) => items.length >= 1);
      expect(f.log.items.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED other']);
    } finally {
      w.abort();
      f.abort();
    }
  });

  it('the server ends the watch cleanly at timeoutSeconds', async () => {
    const ns = await newNamespace('w-timeout');
    const started = Date.now();
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { timeoutSeconds: 1 });
    const err = await Promise.race([w.done, new Promise((_, rej) => setTimeout(() => rej(new Error('watch was not ended by the server within 10 s')), 10_000))]);
    expect(err).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('the raw stream is newline-delimited JSON', async () => {
    const ns = await newNamespace('w-raw');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
    const res = await rawRequest(t.server, { path: `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const lines = res.text.split('\n');
    expect(lines[lines.length - 1]).toBe('');
    const events = lines.slice(0, -1).map((l) => JSON.parse(l));
    // x and the root-CA publisher's ConfigMap.
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.object.metadata.name).sort()).toEqual([ROOT_CA_CONFIGMAP, 'x']);
    expect(events.find((e) => e.object.metadata.name === 'x')).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', namespace: ns } } });
    expect(events.every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('a malformed resourceVersion is a 400 Status before the stream starts', async () => {
    const res = await rawRequest(t.server, { path: '/api/v1/configmaps?watch=true&resourceVersion=abc' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'invalid resource version: "abc"' });
  });

  it('response headers arrive before any event (flushed at once)', async () => {
    const ns = await newNamespace('w-flush');
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const started = Date.now();
    // No event will come for 30 s; the 200 and its headers must come at once regardless.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: t.server.port,
          path: `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${list.metadata!.resourceVersion}&timeoutSeconds=30`,
          headers: { Authorization: `Bearer ${t.server.adminToken}` },
          ca: t.server.caCertPem,
          agent: false,
        },
        (res) => {
          resolve(res.statusCode ?? 0);
          res.destroy();
        },
      );
      req.on('error', reject);
      req.setTimeout(5_000, () => reject(new Error('no response headers within 5 s')));
      req.end();
    });
    expect(status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('allowWatchBookmarks with sendInitialEvents ends the initial events with a BOOKMARK', async () => {
    const ns = await newNamespace('w-initial');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    try {
      await w.log.until('initial-events-end bookmark', (items) => items.some((e) => e.type === 'BOOKMARK'));
      // The initial events (x and the root-CA publisher's ConfigMap) come first, then the bookmark.
      const bmAt = w.log.items.findIndex((e) => e.type === 'BOOKMARK');
      expect(w.log.items.slice(0, bmAt).map((e) => `${e.type} ${e.name}`).sort()).toEqual([`ADDED ${ROOT_CA_CONFIGMAP}`, 'ADDED x']);
      const bm = w.log.items[bmAt];
      expect(bm.obj.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
      expect(bm.obj.kind).toBe('ConfigMap');
    } finally {
      w.abort();
    }
  });
});

describe('more watch shapes', () => {
  it('a watch across all namespaces sees events from every namespace', async () => {
    const a = await newNamespace('w-all-a');
    const b = await newNamespace('w-all-b');
    const list = await core.listConfigMapForAllNamespaces();
    const w = await startWatch(t.kc, '/api/v1/configmaps', { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'watch-all=yes' });
    try {
      await core.createNamespacedConfigMap({ namespace: a, body: { metadata: { name: 'x', labels: { 'watch-all': 'yes' } } } });
      await core.createNamespacedConfigMap({ namespace: b, body: { metadata: { name: 'y', labels: { 'watch-all': 'yes' } } } });
      await w.log.until('2 events', (i) => i.length >= 2);
      expect(w.log.items.map((e) => `${e.type} ${e.obj.metadata.namespace}/${e.name}`)).toEqual([`ADDED ${a}/x`, `ADDED ${b}/y`]);
    } finally {
      w.abort();
    }
  });

  it('a single-object watch (fieldSelector metadata.name, rv=0) starts with its ADDED', async () => {
    const ns = await newNamespace('w-one');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'target' }, data: { v: '1' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other' } } });
    const w = await startWatch(t.kc, `/api/v1/namespaces/${ns}/configmaps`, { fieldSelector: 'metadata.name=target', resourceVersion: '0' });
    try {
      await w.log.until('ADDED target', (i) => i.length >= 1);
      const cm = await core.readNamespacedConfigMap({ name: 'target', namespace: ns });
      await core.replaceNamespacedConfigMap({ name: 'target', namespace: ns, body: { ...cm, data: { v: '2' } } });
      await core.deleteNamespacedConfigMap({ name: 'other', namespace: ns });
      await w.log.until('MODIFIED target', (i) => i.some((e) => e.type === 'MODIFIED'));
      expect(w.log.items.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED target', 'MODIFIED target']);
    } finally {
      w.abort();
    }
  });

  it('a Table watch sends one-row tables, columns only in the first event', async () => {
    const ns = await newNamespace('w-table');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { k: 'v' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
    const res = await rawRequest(t.server, {
      path: `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1`,
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    expect(res.status).toBe(200);
    const events = res.text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
    // a, b and the root-CA publisher's ConfigMap.
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'Table', apiVersion: 'meta.k8s.io/v1' } });
    expect(events[0].object.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(events[0].object.rows).toHaveLength(1);
    for (const e of events.slice(1)) {
      expect(e.object.columnDefinitions ?? null).toBeNull();
      expect(e.object.rows).toHaveLength(1);
    }
    expect(events.map((e) => e.object.rows[0].cells[0]).sort()).toEqual(['a', 'b', ROOT_CA_CONFIGMAP]);
  });
});

describe('informers', () => {
  it('makeInformer with a label selector only caches matching objects', async () => {
    const ns = await newNamespace('inf-sel');
    const informer = makeInformer(t.kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'keep=yes' }), 'keep=yes');
    const log = new EventLog<string>();
    informer.on(ADD, (o: V1ConfigMap) => log.push(`add ${o.metadata?.name}`));
    informer.on(DELETE, (o: V1ConfigMap) => log.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'no', labels: { keep: 'no' } } } });
      const yes = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'yes', labels: { keep: 'yes' } } } });
      await log.until('add yes', (i) => i.includes('add yes'));
      // Relabelling out of the selector is a DELETED for the informer.
      await core.replaceNamespacedConfigMap({ name: 'yes', namespace: ns, body: { ...yes, metadata: { ...yes.metadata, labels: { keep: 'no' } } } });
      await log.until('delete yes', (i) => i.includes('delete yes'));
      expect(log.items).toEqual(['add yes', 'delete yes']);
      expect(informer.list(ns)).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('makeInformer sees add, update and delete in order and keeps its cache', async () => {
    const ns = await newNamespace('inf');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pre' }, data: { v: '0' } } });
    const informer = makeInformer(t.kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
    const log = new EventLog<string>();
    informer.on(ADD, (o: V1ConfigMap) => log.push(`add ${o.metadata?.name}`));
    informer.on(UPDATE, (o: V1ConfigMap) => log.push(`update ${o.metadata?.name} ${o.data?.v}`));
    informer.on(DELETE, (o: V1ConfigMap) => log.push(`delete ${o.metadata?.name}`));
    informer.on(ERROR, (e) => log.push(`error ${String(e)}`));
    await informer.start();
    try {
      // The initial list holds pre and the root-CA publisher's ConfigMap.
      await log.until('initial adds', (i) => i.includes('add pre') && i.includes(`add ${ROOT_CA_CONFIGMAP}`));
      const c = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'new' }, data: { v: '1' } } });
      await core.replaceNamespacedConfigMap({ name: 'new', namespace: ns, body: { ...c, data: { v: '2' } } });
      await core.deleteNamespacedConfigMap({ name: 'pre', namespace: ns });
      await log.until('delete pre', (i) => i.includes('delete pre'));
      expect(log.items.slice(0, 2).sort()).toEqual([`add ${ROOT_CA_CONFIGMAP}`, 'add pre']);
      expect(log.items.slice(2)).toEqual(['add new', 'update new 2', 'delete pre']);
      expect(informer.list(ns).map((o) => o.metadata?.name).sort()).toEqual([ROOT_CA_CONFIGMAP, 'new']);
      expect(informer.get('new', ns)?.data).toEqual({ v: '2' });
    } finally {
      await informer.stop();
    }
  });

  it('an informer re-watches when the server ends its watch (timeoutSeconds) and misses nothing', async () => {
    const ns = await newNamespace('inf-timeout');
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    // client-go informers send a random timeoutSeconds; client-node's ListWatch sends none, so the
    // Watch it uses adds one (1 s) to every watch request, as client-go would.
    const timeoutWatch = new TimeoutWatch(t.kc, 1);
    const informer = new ListWatch<V1ConfigMap>(path, timeoutWatch, () => core.listNamespacedConfigMap({ namespace: ns }), false);
    const log = new EventLog<string>();
    let connects = 0;
    informer.on(CONNECT, () => connects++);
    informer.on(ADD, (o) => log.push(`add ${o.metadata?.name}`));
    informer.on(UPDATE, (o) => log.push(`update ${o.metadata?.name}`));
    informer.on(DELETE, (o) => log.push(`delete ${o.metadata?.name}`));
    informer.on(ERROR, (e) => log.push(`error ${String(e)}`));
    await informer.start();
    try {
      // The initial list holds only the root-CA publisher's ConfigMap.
      await log.until(`add ${ROOT_CA_CONFIGMAP}`, (i) => i.includes(`add ${ROOT_CA_CONFIGMAP}`));
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'first' } } });
      await log.until('add first', (i) => i.includes('add first'));
      // Wait until the server has ended at least one watch and the informer has re-watched.
      const before = timeoutWatch.calls;
      await waitForCalls(timeoutWatch, before + 1);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'second' } } });
      await core.deleteNamespacedConfigMap({ name: 'first', namespace: ns });
      await log.until('delete first', (i) => i.includes('delete first'));
      expect(log.items).toEqual([`add ${ROOT_CA_CONFIGMAP}`, 'add first', 'add second', 'delete first']);
      // The re-watch resumed from the last resourceVersion seen: no relist.
      expect(timeoutWatch.queries.slice(1).every((q) => q.resourceVersion !== '' && q.resourceVersion !== undefined)).toBe(true);
      expect(connects).toBeGreaterThanOrEqual(2);
      expect(informer.list(ns).map((o) => o.metadata?.name).sort()).toEqual([ROOT_CA_CONFIGMAP, 'second']);
    } finally {
      await informer.stop();
    }
  });
});

/** A client-node Watch that adds `timeoutSeconds` to every request and counts them. */
class TimeoutWatch extends Watch {
  calls = 0;
  readonly queries: Record<string, any>[] = [];
  readonly #changed = new Set<() => void>();
  constructor(
    kc: KubeConfig,
    readonly timeoutSeconds: number,
  ) {
    super(kc);
  }
  override async watch(path: string, queryParams: Record<string, any>, callback: (phase: string, apiObj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> {
    const query = { ...queryParams, timeoutSeconds: this.timeoutSeconds };
    this.calls++;
    this.queries.push(query);
    for (const f of this.#changed) f();
    return super.watch(path, query, callback, done);
  }
  onCall(f: () => void): () => void {
    this.#changed.add(f);
    return () => this.#changed.delete(f);
  }
}

function waitForCalls(w: TimeoutWatch, n: number, timeoutMs = 15_000): Promise<void> {
  if (w.calls >= n) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`informer did not re-watch (watch calls ${w.calls} < ${n}) within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = w.onCall(() => {
      if (w.calls >= n) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}
