import { afterEach, describe, expect, it } from 'vitest';
import { CompactedError, StorageError, WatchClosedError, type KeyValue } from '../storage/backend.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { FakeClock } from '../util/clock.js';
import { WatchBus, type BusBatch, type Subscription, type WatchBusConfig } from './watch-bus.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Collects events (as "type key@rev") until `count` arrived; bounded in steps and time. */
async function take(sub: Subscription, count: number): Promise<string[]> {
  const it = sub[Symbol.asyncIterator]();
  const out: string[] = [];
  for (let steps = 0; out.length < count && steps < count + 10; steps++) {
    const r = await within(it.next());
    if (r.done) break;
    for (const ev of r.value.events) out.push(`${ev.type} ${ev.kv.key}@${ev.revision}`);
  }
  return out;
}

async function nextBatch(sub: Subscription): Promise<BusBatch | undefined> {
  const r = await within(sub[Symbol.asyncIterator]().next());
  return r.done ? undefined : r.value;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Lets the bus's backend watch deliver what has been written (bounded number of turns). */
async function settle(bus: WatchBus, backend: MemoryBackend): Promise<void> {
  const target = await backend.currentRevision();
  for (let i = 0; i < 100 && bus.currentRevision() < target; i++) await new Promise((r) => setImmediate(r));
  expect(bus.currentRevision()).toBe(target);
}

describe('WatchBus', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(overrides: Partial<WatchBusConfig> = {}, backendLimit?: number) {
    const backend = new MemoryBackend(backendLimit ? { watchQueueLimit: backendLimit } : {});
    await backend.start();
    const ac = new AbortController();
    const bus = new WatchBus({ backend, rootPrefix: '/registry/', windowSize: 100, ...overrides });
    await bus.start(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await bus.whenStopped();
      await backend.close();
    });
    return { backend, bus, ac };
  }

  it('fans every event out to all matching subscribers, sharing one memo per event', async () => {
    const { backend, bus } = await setup();
    const from = bus.currentRevision();
    const subs = [0, 1, 2].map(() => bus.subscribe('/registry/core/pods/', { fromRevision: from }));
    const other = bus.subscribe('/registry/core/services/', { fromRevision: from });
    await backend.create('/registry/core/pods/default/a', bytes('a'));
    await backend.create('/registry/core/services/default/s', bytes('s'));
    let computed = 0;
    const seen: string[] = [];
    for (const sub of subs) {
      const batch = await nextBatch(sub);
      expect(batch?.events.length).toBe(1);
      const ev = batch!.events[0];
      seen.push(ev.memo('json', () => `${++computed}:${ev.kv.key}`));
    }
    expect(computed).toBe(1);
    expect(seen).toEqual(Array(3).fill('1:/registry/core/pods/default/a'));
    expect(await take(other, 1)).toEqual([`create /registry/core/services/default/s@${from + 2}`]);
  });

  it('replays from the window and continues live, in order and exactly once', async () => {
    const { backend, bus } = await setup();
    const a = await backend.create('/registry/x/ns/a', bytes('1'));
    await backend.update('/registry/x/ns/a', bytes('2'), a.modRevision);
    await backend.create('/registry/y/ns/b', bytes('1'));
    await backend.delete('/registry/x/ns/a');
    await settle(bus, backend);
    const sub = bus.subscribe('/registry/x/', { fromRevision: a.modRevision });
    const writes = backend.create('/registry/x/ns/c', bytes('3'));
    expect(await take(sub, 3)).toEqual([
      `update /registry/x/ns/a@${a.modRevision + 1}`,
      `delete /registry/x/ns/a@${a.modRevision + 3}`,
      `create /registry/x/ns/c@${a.modRevision + 4}`,
    ]);
    await writes;
    expect(bus.stats().backendSubscriptions).toBe(0);
  });

  it('falls back to the backend for revisions before the window, then hands over to the bus', async () => {
    const { backend, bus } = await setup({ windowSize: 5 });
    const start = bus.currentRevision();
    for (let i = 0; i < 20; i++) await backend.create(`/registry/f/k${String(i).padStart(2, '0')}`, bytes(String(i)));
    await settle(bus, backend);
    expect(bus.stats().windowStart).toBe(start + 15);
    const sub = bus.subscribe('/registry/f/', { fromRevision: start + 2 });
    expect(bus.stats().backendSubscriptions).toBe(1);
    const got = await take(sub, 18);
    expect(got).toEqual(Array.from({ length: 18 }, (_, i) => `create /registry/f/k${String(i + 2).padStart(2, '0')}@${start + 3 + i}`));
    expect(bus.stats().backendSubscriptions).toBe(0);
    await backend.create('/registry/f/late', bytes('x'));
    expect(await take(sub, 1)).toEqual([`create /registry/f/late@${start + 21}`]);
  });

  it('fails with CompactedError when neither the window nor the backend has the history', async () => {
    const { backend, bus } = await setup({ windowSize: 2 });
    const start = bus.currentRevision();
    for (let i = 0; i < 10; i++) await backend.create(`/registry/c/k${i}`, bytes(String(i)));
    await backend.compact(start + 8);
    const sub = bus.subscribe('/registry/c/', { fromRevision: start + 1 });
    const err = await rejection(sub[Symbol.asyncIterator]().next());
    expect(err).toBeInstanceOf(CompactedError);
    expect(err).toMatchObject({ requested: start + 1, compacted: start + 8 });
    expect(bus.stats().subscriptions).toBe(0);
  });

  it('cuts off a subscriber whose queue overflows without affecting the others', async () => {
    const { backend, bus } = await setup({ maxPending: 5 });
    const from = bus.currentRevision();
    const slow = bus.subscribe('/registry/s/', { fromRevision: from });
    const fast = bus.subscribe('/registry/s/', { fromRevision: from, maxPending: 100 });
    const writes: Promise<KeyValue>[] = [];
    for (let i = 0; i < 10; i++) writes.push(backend.create(`/registry/s/k${i}`, bytes(String(i))));
    await Promise.all(writes);
    await settle(bus, backend);
    const err = await rejection(slow[Symbol.asyncIterator]().next());
    expect(err).toBeInstanceOf(WatchClosedError);
    expect((err as WatchClosedError).reason).toBe('slow');
    expect((await take(fast, 10)).length).toBe(10);
    expect(bus.stats().subscriptions).toBe(1);
  });

  it('indexes subscribers by prefix: an event touches only the matching ones', async () => {
    const { backend, bus } = await setup();
    const from = bus.currentRevision();
    const subs: Subscription[] = [];
    for (let i = 0; i < 1000; i++) subs.push(bus.subscribe(`/registry/core/pods/ns${i}/`, { fromRevision: from }));
    const wide = bus.subscribe('/registry/core/pods/', { fromRevision: from });
    const before = bus.stats().subscriptionVisits;
    await backend.create('/registry/core/pods/ns7/web', bytes('x'));
    await backend.create('/registry/core/pods/ns70/web', bytes('y'));
    await settle(bus, backend);
    // Each event reaches its namespace subscriber and the wide one: 2 visits, not 1001.
    expect(bus.stats().subscriptionVisits - before).toBe(4);
    expect(await take(subs[7], 1)).toEqual([`create /registry/core/pods/ns7/web@${from + 1}`]);
    expect(await take(subs[70], 1)).toEqual([`create /registry/core/pods/ns70/web@${from + 2}`]);
    expect(await take(wide, 2)).toHaveLength(2);
    // A prefix that does not end in '/' still works (checked against every event).
    const odd = bus.subscribe('/registry/core/pods/ns7', { fromRevision: from });
    expect(await take(odd, 2)).toEqual([`create /registry/core/pods/ns7/web@${from + 1}`, `create /registry/core/pods/ns70/web@${from + 2}`]);
  });

  it('ends a subscription when its signal aborts or it is closed', async () => {
    const { bus } = await setup();
    const ac = new AbortController();
    const sub = bus.subscribe('/registry/a/', { fromRevision: bus.currentRevision(), signal: ac.signal });
    const pending = sub[Symbol.asyncIterator]().next();
    ac.abort();
    expect((await within(pending)).done).toBe(true);
    const early = bus.subscribe('/registry/a/', { fromRevision: bus.currentRevision(), signal: AbortSignal.abort() });
    expect((await within(early[Symbol.asyncIterator]().next())).done).toBe(true);
    const other = bus.subscribe('/registry/a/', { fromRevision: bus.currentRevision() });
    other.close();
    expect((await within(other[Symbol.asyncIterator]().next())).done).toBe(true);
    expect(bus.stats().subscriptions).toBe(0);
  });

  it('ends all subscriptions with WatchClosedError(closed) when the bus stops', async () => {
    const { bus, ac } = await setup();
    const sub = bus.subscribe('/registry/a/', { fromRevision: bus.currentRevision() });
    const pending = sub[Symbol.asyncIterator]().next();
    ac.abort();
    const err = await rejection(within(pending));
    expect(err).toBeInstanceOf(WatchClosedError);
    expect((err as WatchClosedError).reason).toBe('closed');
    await bus.whenStopped();
    const late = await rejection(bus.subscribe('/registry/a/', { fromRevision: 0 })[Symbol.asyncIterator]().next());
    expect(late).toBeInstanceOf(WatchClosedError);
  });

  it('stops when the backend closes', async () => {
    const { backend, bus } = await setup();
    const sub = bus.subscribe('/registry/a/', { fromRevision: bus.currentRevision() });
    const pending = sub[Symbol.asyncIterator]().next();
    await backend.close();
    expect(await rejection(within(pending))).toBeInstanceOf(WatchClosedError);
    await within(bus.whenStopped());
  });

  it('reports progress for bookmarks on request and periodically', async () => {
    const clock = new FakeClock();
    const { backend, bus } = await setup({ clock, progressIntervalMs: 60_000 });
    const from = bus.currentRevision();
    const sub = bus.subscribe('/registry/quiet/', { fromRevision: from });
    await backend.create('/registry/busy/a', bytes('1'));
    await backend.create('/registry/busy/b', bytes('2'));
    await settle(bus, backend);
    const it = sub[Symbol.asyncIterator]();
    const pending = it.next();
    sub.requestProgress();
    expect((await within(pending)).value).toEqual({ events: [], progressRevision: from + 2 });
    const periodic = it.next();
    await backend.create('/registry/busy/c', bytes('3'));
    await settle(bus, backend);
    clock.advance(60_000);
    expect((await within(periodic)).value).toEqual({ events: [], progressRevision: from + 3 });
    await backend.create('/registry/quiet/x', bytes('4'));
    const batch = (await within(it.next())).value as BusBatch;
    expect(batch.events.map((e) => e.revision)).toEqual([from + 4]);
    expect(batch.progressRevision).toBe(from + 4);
  });

  it('offers the WatchSource shape: arrays of events, empty for progress', async () => {
    const { backend, bus } = await setup();
    const ac = new AbortController();
    const stream = bus.watch('/registry/w/', { fromRevision: bus.currentRevision(), signal: ac.signal })[Symbol.asyncIterator]();
    await backend.create('/registry/w/a', bytes('1'));
    const r = await within(stream.next());
    expect(r.done ? [] : r.value.map((e) => e.kv.key)).toEqual(['/registry/w/a']);
    ac.abort();
    expect((await within(stream.next())).done).toBe(true);
  });

  it('recovers transparently when its own backend watch is cut off as slow', async () => {
    const { backend, bus } = await setup({}, 3);
    const from = bus.currentRevision();
    const sub = bus.subscribe('/registry/r/', { fromRevision: from });
    // The memory backend publishes each write at once, so 10 writes in one turn overflow the
    // bus's backend watch (bound 3) before the bus reads it.
    const writes: Promise<KeyValue>[] = [];
    for (let i = 0; i < 10; i++) writes.push(backend.create(`/registry/r/k${i}`, bytes(String(i))));
    await Promise.all(writes);
    const got = await take(sub, 10);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `create /registry/r/k${i}@${from + 1 + i}`));
    expect(bus.stats().rewatches).toBeGreaterThan(0);
  });

  it('refuses prefixes outside its root and use before start', async () => {
    const { bus } = await setup();
    expect(await rejection(bus.subscribe('/other/', { fromRevision: 0 })[Symbol.asyncIterator]().next())).toBeInstanceOf(StorageError);
    const idle = new WatchBus({ backend: new MemoryBackend(), rootPrefix: '/registry/', windowSize: 10 });
    expect(await rejection(idle.subscribe('/registry/a/', { fromRevision: 0 })[Symbol.asyncIterator]().next())).toBeInstanceOf(StorageError);
  });
});
