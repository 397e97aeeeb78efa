import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('collapses duplicates and keeps order', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key to two workers; re-adds during processing run after done()', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key as string);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('hands a key to a waiting get() at once', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
  });

  it('backs off exponentially per key and forgets on success', () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, rateLimiter: { baseDelayMs: 10, maxDelayMs: 1000, qps: 1000, burst: 1000 } });
    expect([q.nextDelay('k'), q.nextDelay('k'), q.nextDelay('k')]).toEqual([10, 20, 40]);
    expect(q.numRequeues('k')).toBe(3);
    q.forget('k');
    expect(q.nextDelay('k')).toBe(10);
    for (let i = 0; i < 20; i++) q.nextDelay('m');
    expect(q.nextDelay('m')).toBe(1000);
  });

  it('addAfter delivers when the clock reaches the delay; the earliest delay wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('k', 100);
    q.addAfter('k', 50);
    q.addAfter('k', 500);
    clock.advance(49);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('k');
    clock.advance(1000);
    expect(q.length).toBe(0);
  });

  it('applies the global token bucket after the burst', () => {
    const q = new WorkQueue<string>({ clock: new FakeClock(), rateLimiter: { baseDelayMs: 1, qps: 10, burst: 2 } });
    expect(q.nextDelay('a')).toBe(1);
    expect(q.nextDelay('b')).toBe(1);
    expect(q.nextDelay('c')).toBe(100);
  });

  it('shutDown releases waiters and refuses new keys', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('z');
    expect(await q.get()).toBeUndefined();
  });

  it('get() resolves undefined when its signal aborts', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    const ac = new AbortController();
    const pending = q.get(ac.signal);
    ac.abort();
    expect(await pending).toBeUndefined();
    q.add('later');
    expect(await q.get()).toBe('later');
  });
});
