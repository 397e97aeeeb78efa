import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  WatchClosedError,
  type Backend,
  type KeyValue,
  type WatchEvent,
} from '../backend.js';

/**
 * Factories passed to describeBackendConformance must configure their backend's watch queue bound
 * (events queued for one watcher before it is cut off as slow) to this value, and must not run
 * background compaction on their own.
 */
export const CONFORMANCE_WATCH_QUEUE_LIMIT = 64;

export interface BackendUnderTest {
  backend: Backend;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : dec.decode(b));

/** Rejects if `p` does not settle within `ms` of real time (a guard, never a timing assumption). */
function within<T>(p: Promise<T>, ms = 5000, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Reads batches until `count` events arrived (bounded in batches and in time). */
async function take(it: AsyncIterator<WatchEvent[]>, count: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for (let batches = 0; out.length < count && batches < count + 10; batches++) {
    const r = await within(it.next(), 5000, `waiting for event ${out.length + 1} of ${count}`);
    if (r.done) break;
    out.push(...r.value);
  }
  return out;
}

function summary(ev: WatchEvent): string {
  return `${ev.type} ${ev.kv.key}@${ev.kv.modRevision}=${text(ev.kv.value)}`;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/**
 * The shared contract suite for storage backends (see the contract in ../backend.ts). Every
 * implementation runs it from its own test file with a factory that returns a fresh, empty store.
 */
export function describeBackendConformance(name: string, factory: () => Promise<BackendUnderTest>): void {
  describe(`Backend conformance: ${name}`, () => {
    let sut: BackendUnderTest;
    let b: Backend;

    beforeEach(async () => {
      sut = await factory();
      b = sut.backend;
      await b.start();
    });

    afterEach(async () => {
      await b.close();
      await sut.cleanup();
    });

    describe('revisions', () => {
      it('assigns increasing revisions shared by all keys', async () => {
        const r0 = await b.currentRevision();
        const a = await b.create('/r/a', bytes('1'));
        expect(a).toMatchObject({ key: '/r/a', createRevision: r0 + 1, modRevision: r0 + 1 });
        expect(text(a.value)).toBe('1');
        const c = await b.create('/r/c', bytes('x'));
        expect(c.modRevision).toBe(r0 + 2);
        const a2 = await b.update('/r/a', bytes('2'), a.modRevision);
        expect(a2).toMatchObject({ createRevision: r0 + 1, modRevision: r0 + 3 });
        expect(await b.currentRevision()).toBe(r0 + 3);
        const got = await b.get('/r/a');
        expect(got.revision).toBe(r0 + 3);
        expect(got.kv).toMatchObject({ key: '/r/a', createRevision: r0 + 1, modRevision: r0 + 3 });
        expect(text(got.kv?.value)).toBe('2');
        expect((await b.get('/r/missing')).kv).toBeUndefined();
      });

      it('starts a new lifetime when a deleted key is created again', async () => {
        const a = await b.create('/r/a', bytes('1'));
        const del = await b.delete('/r/a');
        expect(del.revision).toBe(a.modRevision + 1);
        expect(del.prevKv).toMatchObject({ key: '/r/a', modRevision: a.modRevision, createRevision: a.createRevision });
        expect(text(del.prevKv.value)).toBe('1');
        expect((await b.get('/r/a')).kv).toBeUndefined();
        const again = await b.create('/r/a', bytes('2'));
        expect(again.createRevision).toBe(del.revision + 1);
        expect(again.modRevision).toBe(del.revision + 1);
      });

      it('does not let callers mutate stored values through their buffers', async () => {
        const buf = bytes('abc');
        await b.create('/r/buf', buf);
        buf[0] = 0x7a;
        expect(text((await b.get('/r/buf')).kv?.value)).toBe('abc');
      });
    });

    describe('preconditions', () => {
      it('refuses to create a live key', async () => {
        await b.create('/p/a', bytes('1'));
        const err = await rejection(b.create('/p/a', bytes('2')));
        expect(err).toBeInstanceOf(KeyExistsError);
        expect((err as KeyExistsError).key).toBe('/p/a');
        expect(text((await b.get('/p/a')).kv?.value)).toBe('1');
      });

      it('refuses a stale update and reports the current value', async () => {
        const a = await b.create('/p/a', bytes('1'));
        const a2 = await b.update('/p/a', bytes('2'), a.modRevision);
        const err = await rejection(b.update('/p/a', bytes('3'), a.modRevision));
        expect(err).toBeInstanceOf(RevisionMismatchError);
        const cur = (err as RevisionMismatchError).current;
        expect(cur).toMatchObject({ key: '/p/a', modRevision: a2.modRevision, createRevision: a.createRevision });
        expect(text(cur.value)).toBe('2');
        expect(await b.currentRevision()).toBe(a2.modRevision);
      });

      it('refuses to update a missing key', async () => {
        expect(await rejection(b.update('/p/none', bytes('1'), 1))).toBeInstanceOf(KeyNotFoundError);
      });

      it('refuses a stale delete and reports the current value', async () => {
        const a = await b.create('/p/a', bytes('1'));
        const a2 = await b.update('/p/a', bytes('2'), a.modRevision);
        const err = await rejection(b.delete('/p/a', a.modRevision));
        expect(err).toBeInstanceOf(RevisionMismatchError);
        expect((err as RevisionMismatchError).current.modRevision).toBe(a2.modRevision);
        const del = await b.delete('/p/a', a2.modRevision);
        expect(text(del.prevKv.value)).toBe('2');
      });

      it('fails to delete a missing key with KeyNotFoundError', async () => {
        const err = await rejection(b.delete('/p/none'));
        expect(err).toBeInstanceOf(KeyNotFoundError);
        expect((err as KeyNotFoundError).key).toBe('/p/none');
        await b.create('/p/once', bytes('1'));
        await b.delete('/p/once');
        expect(await rejection(b.delete('/p/once'))).toBeInstanceOf(KeyNotFoundError);
      });
    });

    describe('list and count', () => {
      it('matches keys by prefix only, never siblings or wildcards', async () => {
        for (const k of ['/a/b', '/a/b/1', '/a/b/2', '/a/bc', '/a/bc/1', '/a/b0/1', '/axb/1', '/a_b/1', '/a%b/1', '/a/c/1']) {
          await b.create(k, bytes(k));
        }
        const keys = async (prefix: string) => (await b.list(prefix)).kvs.map((kv) => kv.key);
        expect(await keys('/a/b/')).toEqual(['/a/b/1', '/a/b/2']);
        expect(await keys('/a_b/')).toEqual(['/a_b/1']);
        expect(await keys('/a%b/')).toEqual(['/a%b/1']);
        expect(await keys('/a/')).toEqual(['/a/b', '/a/b/1', '/a/b/2', '/a/b0/1', '/a/bc', '/a/bc/1', '/a/c/1']);
        expect(await keys('/nothing/')).toEqual([]);
        expect((await b.count('/a/b/')).count).toBe(2);
        expect((await b.count('/a/')).count).toBe(7);
        const listed = await b.list('/a/b/');
        expect(listed.revision).toBe(await b.currentRevision());
        expect(listed.more).toBe(false);
        expect(text(listed.kvs[0].value)).toBe('/a/b/1');
      });

      it('leaves deleted keys out of lists and counts', async () => {
        await b.create('/d/1', bytes('1'));
        await b.create('/d/2', bytes('2'));
        await b.delete('/d/1');
        expect((await b.list('/d/')).kvs.map((kv) => kv.key)).toEqual(['/d/2']);
        expect((await b.count('/d/')).count).toBe(1);
      });

      it('pages with limit and startAfter, reporting more', async () => {
        const all: string[] = [];
        for (let i = 0; i < 10; i++) {
          all.push(`/pg/k${i}`);
          await b.create(`/pg/k${i}`, bytes(String(i)));
        }
        await b.create('/pgx/other', bytes('x'));
        const first = await b.list('/pg/', { limit: 3 });
        expect(first.kvs.map((kv) => kv.key)).toEqual(all.slice(0, 3));
        expect(first.more).toBe(true);
        const seen = [...first.kvs.map((kv) => kv.key)];
        let page = first;
        for (let guard = 0; page.more && guard < 10; guard++) {
          page = await b.list('/pg/', { limit: 3, startAfter: page.kvs[page.kvs.length - 1].key, revision: first.revision });
          expect(page.revision).toBe(first.revision);
          seen.push(...page.kvs.map((kv) => kv.key));
        }
        expect(seen).toEqual(all);
        expect(page.kvs.length).toBe(1);
        const exact = await b.list('/pg/', { limit: 10 });
        expect(exact.kvs.length).toBe(10);
        expect(exact.more).toBe(false);
      });
    });

    describe('snapshot reads', () => {
      it('returns exactly the state at an older revision', async () => {
        const before = await b.create('/elsewhere/x', bytes('x'));
        const a = await b.create('/s/a', bytes('a1'));
        await b.create('/s/b', bytes('b1'));
        const c = await b.create('/s/c', bytes('c1'));
        const at = c.modRevision;
        await b.update('/s/a', bytes('a2'), a.modRevision);
        await b.delete('/s/b');
        await b.create('/s/d', bytes('d1'));
        await b.create('/s/0', bytes('01'));

        const old = await b.list('/s/', { revision: at });
        expect(old.revision).toBe(at);
        expect(old.kvs.map((kv) => `${kv.key}=${text(kv.value)}@${kv.modRevision}`)).toEqual([
          `/s/a=a1@${a.modRevision}`,
          `/s/b=b1@${a.modRevision + 1}`,
          `/s/c=c1@${c.modRevision}`,
        ]);
        expect(text((await b.get('/s/a', at)).kv?.value)).toBe('a1');
        expect(text((await b.get('/s/b', at)).kv?.value)).toBe('b1');
        expect((await b.get('/s/d', at)).kv).toBeUndefined();
        expect((await b.get('/s/b')).kv).toBeUndefined();
        expect((await b.get('/s/a', before.modRevision)).kv).toBeUndefined();
        const now = await b.list('/s/');
        expect(now.kvs.map((kv) => `${kv.key}=${text(kv.value)}`)).toEqual(['/s/0=01', '/s/a=a2', '/s/c=c1', '/s/d=d1']);
      });

      it('pages consistently at one revision while writes continue', async () => {
        for (let i = 0; i < 6; i++) await b.create(`/sp/${i}`, bytes(`v${i}`));
        const first = await b.list('/sp/', { limit: 2 });
        await b.delete('/sp/3');
        await b.create('/sp/2a', bytes('new'));
        const cur = await b.get('/sp/4');
        await b.update('/sp/4', bytes('changed'), cur.kv?.modRevision ?? 0);
        const keys = first.kvs.map((kv) => `${kv.key}=${text(kv.value)}`);
        let page = first;
        for (let guard = 0; page.more && guard < 10; guard++) {
          page = await b.list('/sp/', { limit: 2, revision: first.revision, startAfter: page.kvs[page.kvs.length - 1].key });
          keys.push(...page.kvs.map((kv) => `${kv.key}=${text(kv.value)}`));
        }
        expect(keys).toEqual(['/sp/0=v0', '/sp/1=v1', '/sp/2=v2', '/sp/3=v3', '/sp/4=v4', '/sp/5=v5']);
      });

      it('refuses future revisions', async () => {
        await b.create('/f/a', bytes('1'));
        const cur = await b.currentRevision();
        const err = await rejection(b.get('/f/a', cur + 1));
        expect(err).toBeInstanceOf(FutureRevisionError);
        expect(err).toMatchObject({ requested: cur + 1, current: cur });
        expect(await rejection(b.list('/f/', { revision: cur + 5 }))).toBeInstanceOf(FutureRevisionError);
        expect(await rejection(b.compact(cur + 1))).toBeInstanceOf(FutureRevisionError);
      });
    });

    describe('compaction', () => {
      it('forgets history below the compact revision and keeps every live value', async () => {
        const a = await b.create('/c/a', bytes('a1'));
        const old = await b.create('/c/b', bytes('b1'));
        let last = a;
        for (let i = 2; i <= 5; i++) last = await b.update('/c/a', bytes(`a${i}`), last.modRevision);
        await b.create('/c/gone', bytes('g'));
        await b.delete('/c/gone');
        const mid = await b.currentRevision();
        const late = await b.update('/c/a', bytes('a6'), last.modRevision);
        await b.create('/c/new', bytes('n'));

        await b.compact(mid);
        expect(await b.compactRevision()).toBe(mid);
        const err = await rejection(b.get('/c/a', mid - 1));
        expect(err).toBeInstanceOf(CompactedError);
        expect(err).toMatchObject({ requested: mid - 1, compacted: mid });
        expect(await rejection(b.list('/c/', { revision: old.modRevision }))).toBeInstanceOf(CompactedError);

        const atMid = await b.list('/c/', { revision: mid });
        expect(atMid.kvs.map((kv) => `${kv.key}=${text(kv.value)}`)).toEqual(['/c/a=a5', '/c/b=b1']);
        expect((await b.get('/c/gone', mid)).kv).toBeUndefined();
        const now = await b.list('/c/');
        expect(now.kvs.map((kv) => `${kv.key}=${text(kv.value)}@${kv.modRevision}`)).toEqual([
          `/c/a=a6@${late.modRevision}`,
          `/c/b=b1@${old.modRevision}`,
          `/c/new=n@${late.modRevision + 1}`,
        ]);
        expect((await b.get('/c/b')).kv?.createRevision).toBe(old.createRevision);

        // A watch from the compact revision still works, with prevKv for the update after it.
        const it = b.watch('/c/', { fromRevision: mid })[Symbol.asyncIterator]();
        const evs = await take(it, 2);
        expect(evs.map(summary)).toEqual([`update /c/a@${late.modRevision}=a6`, `create /c/new@${late.modRevision + 1}=n`]);
        expect(text(evs[0].prevKv?.value)).toBe('a5');
        await it.return?.();

        const werr = await rejection(b.watch('/c/', { fromRevision: mid - 1 })[Symbol.asyncIterator]().next());
        expect(werr).toBeInstanceOf(CompactedError);

        // Compacting again to the same or a lower revision changes nothing.
        await b.compact(mid);
        await b.compact(1);
        expect(await b.compactRevision()).toBe(mid);
        expect((await b.list('/c/')).kvs.length).toBe(3);
      });

      it('compacts everything up to the current revision, including a final delete', async () => {
        const a = await b.create('/cc/a', bytes('1'));
        await b.update('/cc/a', bytes('2'), a.modRevision);
        await b.create('/cc/b', bytes('b'));
        const del = await b.delete('/cc/b');
        await b.compact(del.revision);
        expect(await b.currentRevision()).toBe(del.revision);
        expect((await b.list('/cc/')).kvs.map((kv) => text(kv.value))).toEqual(['2']);
        const next = await b.create('/cc/c', bytes('c'));
        expect(next.modRevision).toBe(del.revision + 1);
      });
    });

    describe('watch', () => {
      it('replays from a revision, then delivers live changes in order, exactly once, with prevKv', async () => {
        const r0 = await b.currentRevision();
        const a = await b.create('/w/a', bytes('a1'));
        await b.create('/other/x', bytes('x'));
        const a2 = await b.update('/w/a', bytes('a2'), a.modRevision);
        await b.create('/w/b', bytes('b1'));

        const ac = new AbortController();
        const it = b.watch('/w/', { fromRevision: r0, signal: ac.signal })[Symbol.asyncIterator]();
        const replayed = await take(it, 3);
        expect(replayed.map(summary)).toEqual([
          `create /w/a@${r0 + 1}=a1`,
          `update /w/a@${r0 + 3}=a2`,
          `create /w/b@${r0 + 4}=b1`,
        ]);
        expect(replayed[0].prevKv).toBeUndefined();
        expect(replayed[1].prevKv).toMatchObject({ key: '/w/a', modRevision: r0 + 1, createRevision: r0 + 1 });
        expect(text(replayed[1].prevKv?.value)).toBe('a1');

        const del = await b.delete('/w/a');
        await b.create('/other/y', bytes('y'));
        await b.update('/w/b', bytes('b2'), r0 + 4);
        const live = await take(it, 2);
        expect(live.map(summary)).toEqual([`delete /w/a@${del.revision}=a2`, `update /w/b@${del.revision + 2}=b2`]);
        expect(live[0].kv).toMatchObject({ createRevision: r0 + 1, modRevision: del.revision });
        expect(live[0].prevKv).toMatchObject({ modRevision: a2.modRevision });
        expect(text(live[0].prevKv?.value)).toBe('a2');
        expect(text(live[1].prevKv?.value)).toBe('b1');

        ac.abort();
        const end = await within(it.next());
        expect(end.done).toBe(true);
      });

      it('hands over from replay to live without gaps while writes are in flight', async () => {
        const start = await b.currentRevision();
        const writes: Promise<KeyValue>[] = [];
        for (let i = 0; i < 50; i++) writes.push(b.create(`/wg/${String(i).padStart(3, '0')}`, bytes(String(i))));
        const it = b.watch('/wg/', { fromRevision: start })[Symbol.asyncIterator]();
        const firstBatch = it.next();
        await Promise.all(writes);
        for (let i = 50; i < 100; i++) writes.push(b.create(`/wg/${String(i).padStart(3, '0')}`, bytes(String(i))));
        const first = await within(firstBatch);
        const events = first.done ? [] : [...first.value];
        events.push(...(await take(it, 100 - events.length)));
        await Promise.all(writes);
        expect(events.length).toBe(100);
        const revs = events.map((e) => e.kv.modRevision);
        expect(revs).toEqual(Array.from({ length: 100 }, (_, i) => start + 1 + i));
        await it.return?.();
      });

      it('waits for revisions beyond the current one', async () => {
        const cur = await b.currentRevision();
        const it = b.watch('/wf/', { fromRevision: cur + 1 })[Symbol.asyncIterator]();
        const pending = it.next();
        await b.create('/wf/a', bytes('skipped'));
        await b.create('/wf/b', bytes('seen'));
        const r = await within(pending);
        expect(r.done ? [] : r.value.map(summary)).toEqual([`create /wf/b@${cur + 2}=seen`]);
        await it.return?.();
      });

      it('ends at once when its signal is already aborted', async () => {
        const it = b.watch('/we/', { fromRevision: await b.currentRevision(), signal: AbortSignal.abort() })[Symbol.asyncIterator]();
        await b.create('/we/a', bytes('1'));
        expect((await within(it.next())).done).toBe(true);
      });

      it('ends when the consumer stops iterating', async () => {
        const it = b.watch('/we/', { fromRevision: await b.currentRevision() })[Symbol.asyncIterator]();
        const pending = it.next();
        await it.return?.();
        expect((await within(pending)).done).toBe(true);
        await b.create('/we/a', bytes('1'));
        expect((await within(it.next())).done).toBe(true);
      });

      it('cuts off a watcher that does not keep up instead of buffering without bound', async () => {
        const it = b.watch('/slow/', { fromRevision: await b.currentRevision() })[Symbol.asyncIterator]();
        const first = it.next();
        await b.create('/slow/first', bytes('1'));
        expect((await within(first)).done).toBe(false);
        const writes: Promise<KeyValue>[] = [];
        for (let i = 0; i < CONFORMANCE_WATCH_QUEUE_LIMIT * 3; i++) writes.push(b.create(`/slow/${i}`, bytes('x')));
        await Promise.all(writes);
        const err = await within(rejection(take(it, CONFORMANCE_WATCH_QUEUE_LIMIT * 3)));
        expect(err).toBeInstanceOf(WatchClosedError);
        expect((err as WatchClosedError).reason).toBe('slow');
        // Others are unaffected: a fresh watch replays the missed history.
        const again = b.watch('/slow/', { fromRevision: (await b.currentRevision()) - 5 })[Symbol.asyncIterator]();
        expect((await take(again, 5)).length).toBe(5);
        await again.return?.();
      });

      it('ends watches with WatchClosedError(closed) when the store closes', async () => {
        const it = b.watch('/wc/', { fromRevision: await b.currentRevision() })[Symbol.asyncIterator]();
        const pending = it.next();
        await b.create('/wc/a', bytes('1'));
        await within(pending);
        const waiting = it.next();
        await b.close();
        const err = await within(rejection(waiting));
        expect(err).toBeInstanceOf(WatchClosedError);
        expect((err as WatchClosedError).reason).toBe('closed');
        const late = await rejection(b.watch('/wc/', { fromRevision: 0 })[Symbol.asyncIterator]().next());
        expect(late).toBeInstanceOf(WatchClosedError);
      });
    });

    describe('concurrent writes', () => {
      it('keeps per-key order and isolates failures among writes issued together', async () => {
        const base = await b.create('/cw/u', bytes('0'));
        await b.create('/cw/taken', bytes('t'));
        const it = b.watch('/cw/', { fromRevision: base.modRevision + 1 })[Symbol.asyncIterator]();
        const results = await Promise.allSettled([
          b.update('/cw/u', bytes('1'), base.modRevision),
          b.update('/cw/u', bytes('2'), base.modRevision),
          b.create('/cw/n', bytes('first')),
          b.create('/cw/n', bytes('second')),
          b.create('/cw/taken', bytes('again')),
          b.delete('/cw/missing'),
          b.create('/cw/z', bytes('z')),
        ]);
        const status = results.map((r) => r.status);
        expect(status).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
        const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).constructor : undefined));
        expect(reasons).toEqual([undefined, RevisionMismatchError, undefined, KeyExistsError, KeyExistsError, KeyNotFoundError, undefined]);
        const revs = results.flatMap((r) => (r.status === 'fulfilled' ? [(r.value as KeyValue).modRevision] : []));
        expect(revs).toEqual([base.modRevision + 2, base.modRevision + 3, base.modRevision + 4]);
        expect(text((await b.get('/cw/u')).kv?.value)).toBe('1');
        expect(text((await b.get('/cw/n')).kv?.value)).toBe('first');
        const evs = await take(it, 3);
        expect(evs.map(summary)).toEqual([
          `update /cw/u@${base.modRevision + 2}=1`,
          `create /cw/n@${base.modRevision + 3}=first`,
          `create /cw/z@${base.modRevision + 4}=z`,
        ]);
        await it.return?.();
      });

      it('completes writes still in flight when it closes, and refuses later ones', async () => {
        const pending = [b.create('/cl/a', bytes('1')), b.create('/cl/b', bytes('2'))];
        await b.close();
        const done = await Promise.all(pending);
        expect(done.map((kv) => kv.key)).toEqual(['/cl/a', '/cl/b']);
        expect(await rejection(b.create('/cl/c', bytes('3')))).toBeInstanceOf(Error);
        expect(await rejection(b.get('/cl/a'))).toBeInstanceOf(Error);
      });

      it('applies a chain of dependent writes on one key in issue order', async () => {
        const a = await b.create('/cw/chain', bytes('0'));
        const p: Promise<KeyValue>[] = [];
        for (let i = 1; i <= 5; i++) p.push(b.update('/cw/chain', bytes(String(i)), a.modRevision + i - 1));
        const done = await Promise.all(p);
        expect(done.map((kv) => kv.modRevision)).toEqual([1, 2, 3, 4, 5].map((i) => a.modRevision + i));
        expect(text((await b.get('/cw/chain')).kv?.value)).toBe('5');
      });
    });
  });
}
