import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { KubeList, KubeObject } from '../api/object.js';
import type { Client, ClientWatchEvent, ClientWatchOptions, ResourceRef } from '../client/client.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { byNodeName } from './indexers.js';
import { SharedInformer } from './shared-informer.js';

const pods: ResourceRef = { group: '', version: 'v1', resource: 'pods' };

function pod(name: string, rv: number, node = ''): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, spec: { nodeName: node } };
}

/** A client whose lists and watch streams the test scripts. */
class ScriptedClient {
  lists: KubeList[] = [];
  listCalls = 0;
  watchCalls: { resourceVersion?: string }[] = [];
  #streams: { push(ev: ClientWatchEvent): void; end(): void }[] = [];

  async list(): Promise<KubeList> {
    this.listCalls++;
    const l = this.lists.shift();
    if (!l) throw new Error('no list scripted');
    return l;
  }

  watch(_ref: ResourceRef, _ns: string | undefined, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent> {
    this.watchCalls.push({ resourceVersion: options.resourceVersion });
    const queue: ClientWatchEvent[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    this.#streams.push({
      push: (ev) => {
        queue.push(ev);
        wake?.();
      },
      end: () => {
        ended = true;
        wake?.();
      },
    });
    const signal = options.signal;
    return {
      async *[Symbol.asyncIterator]() {
        while (!signal.aborted) {
          const ev = queue.shift();
          if (ev) {
            yield ev;
            continue;
          }
          if (ended) return;
          await new Promise<void>((r) => {
            wake = r;
            signal.addEventListener('abort', () => r(), { once: true });
          });
        }
      },
    };
  }

  /** The latest watch stream. */
  get stream() {
    return this.#streams[this.#streams.length - 1];
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function makeInformer(client: ScriptedClient, clock = new FakeClock(), resyncMs = 0) {
  return new SharedInformer({ client: client as unknown as Client, resource: pods, clock, logger: silentLogger, resyncMs, indexers: { nodeName: byNodeName } });
}

describe('SharedInformer', () => {
  it('lists, syncs, then follows the watch from the list resourceVersion', async () => {
    const client = new ScriptedClient();
    client.lists.push({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '10' }, items: [pod('a', 5, 'n1')] });
    const inf = makeInformer(client);
    const seen: string[] = [];
    inf.addEventHandler({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
    const ac = new AbortController();
    const done = inf.run(ac.signal);
    await inf.waitForSync();
    await until(() => client.watchCalls.length === 1, 'watch');
    expect(client.watchCalls[0].resourceVersion).toBe('10');
    client.stream.push({ type: 'ADDED', object: pod('b', 11, 'n2') });
    client.stream.push({ type: 'MODIFIED', object: pod('a', 12, 'n2') });
    client.stream.push({ type: 'DELETED', object: pod('b', 13, 'n2') });
    await until(() => seen.length === 4, 'events');
    expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(inf.lister.byIndex('nodeName', 'n2').map((o) => o.metadata.name)).toEqual(['a']);
    expect(inf.lister.byIndex('nodeName', 'n1')).toEqual([]);
    ac.abort();
    await done;
  });

  it('resumes an ended watch from the last resourceVersion without relisting', async () => {
    const client = new ScriptedClient();
    client.lists.push({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '3' }, items: [] });
    const inf = makeInformer(client);
    const ac = new AbortController();
    const done = inf.run(ac.signal);
    await until(() => client.watchCalls.length === 1, 'first watch');
    client.stream.push({ type: 'ADDED', object: pod('x', 7) });
    client.stream.push({ type: 'BOOKMARK', resourceVersion: '9' });
    client.stream.end();
    await until(() => client.watchCalls.length === 2, 'second watch');
    expect(client.watchCalls[1].resourceVersion).toBe('9');
    expect(client.listCalls).toBe(1);
    ac.abort();
    await done;
  });

  it('relists after 410 Expired and reconciles the cache (delete, update, add)', async () => {
    const client = new ScriptedClient();
    client.lists.push({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '5' }, items: [pod('keep', 1), pod('gone', 2), pod('changed', 3)] });
    client.lists.push({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '50' }, items: [pod('keep', 1), pod('changed', 40), pod('new', 45)] });
    const inf = makeInformer(client);
    const seen: string[] = [];
    const ac = new AbortController();
    const done = inf.run(ac.signal);
    await inf.waitForSync();
    inf.addEventHandler({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
    expect(seen).toEqual(['add keep', 'add gone', 'add changed']);
    seen.length = 0;
    await until(() => client.watchCalls.length === 1, 'watch');
    client.stream.push({ type: 'ERROR', error: ApiError.expired('too old resource version: 5 (30)') });
    await until(() => client.watchCalls.length === 2, 'watch after relist');
    expect(client.listCalls).toBe(2);
    expect(client.watchCalls[1].resourceVersion).toBe('50');
    expect(seen.sort()).toEqual(['add new', 'delete gone', 'update changed']);
    expect(inf.lister.list().map((o) => o.metadata.name).sort()).toEqual(['changed', 'keep', 'new']);
    ac.abort();
    await done;
  });

  it('resyncs every object to update handlers on the clock', async () => {
    const client = new ScriptedClient();
    client.lists.push({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items: [pod('a', 1), pod('b', 1)] });
    const clock = new FakeClock();
    const inf = makeInformer(client, clock, 1000);
    let resyncs = 0;
    inf.addEventHandler({ onUpdate: (o, n) => o === n && resyncs++ });
    const ac = new AbortController();
    const done = inf.run(ac.signal);
    await inf.waitForSync();
    clock.advance(1000);
    expect(resyncs).toBe(2);
    clock.advance(1000);
    expect(resyncs).toBe(4);
    ac.abort();
    await done;
  });
});
