import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { TaskPool } from './task-pool.js';
import { TimerHeap } from './timer-heap.js';

describe('TimerHeap', () => {
  it('fires values in time order over a single clock timer', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const heap = new TimerHeap<string>({ clock, onDue: (v) => fired.push(...v) });
    for (let i = 0; i < 1000; i++) heap.schedule(1000 + ((i * 7919) % 1000), `v${(i * 7919) % 1000}`);
    expect(clock.pendingTimers).toBe(1);
    expect(heap.size).toBe(1000);
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(500);
    expect(fired).toHaveLength(500);
    expect(fired.slice(0, 3)).toEqual(['v0', 'v1', 'v2']);
    clock.advance(500);
    expect(fired).toHaveLength(1000);
    expect(fired.map((v) => Number(v.slice(1)))).toEqual([...Array(1000).keys()]);
    expect(heap.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('re-arms for an earlier entry and skips cancelled ones', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const heap = new TimerHeap<string>({ clock, onDue: (v) => fired.push(...v) });
    const late = heap.schedule(5000, 'late');
    heap.schedule(100, 'early');
    const gone = heap.schedule(200, 'gone');
    heap.cancel(gone);
    heap.cancel(gone);
    expect(heap.size).toBe(2);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(300);
    expect(fired).toEqual(['early']);
    heap.cancel(late);
    clock.advance(10_000);
    expect(fired).toEqual(['early']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('delivers in batches and keeps going on a zero-delay timer', () => {
    const clock = new FakeClock(0);
    const batches: number[] = [];
    const heap = new TimerHeap<number>({ clock, onDue: (v) => batches.push(v.length), maxBatch: 100 });
    for (let i = 0; i < 250; i++) heap.schedule(10, i);
    clock.advance(10);
    expect(batches).toEqual([100, 100, 50]);
  });

  it('compacts when most entries are cancelled, and stops', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const heap = new TimerHeap<number>({ clock, onDue: (v) => fired.push(...v) });
    const handles = Array.from({ length: 5000 }, (_, i) => heap.schedule(100 + i, i));
    for (const h of handles.slice(0, 4990)) heap.cancel(h);
    expect(heap.size).toBe(10);
    clock.advance(10_000);
    expect(fired).toEqual([4990, 4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
    heap.schedule(20_000, 1);
    heap.stop();
    clock.advance(20_000);
    expect(fired).toHaveLength(10);
  });
});

describe('TimerHeap quantum', () => {
  it('fires entries due within one quantum together, at its end', () => {
    const clock = new FakeClock(1000);
    const batches: number[][] = [];
    const heap = new TimerHeap<number>({ clock, onDue: (v) => batches.push(v), quantumMs: 100 });
    for (const at of [1001, 1030, 1099, 1100, 1101, 1250]) heap.schedule(at, at);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(99);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([[1001, 1030, 1099, 1100]]);
    clock.advance(100);
    expect(batches).toEqual([[1001, 1030, 1099, 1100], [1101]]);
    clock.advance(100);
    expect(batches.at(-1)).toEqual([1250]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires entries already due at once and rejects a negative quantum', () => {
    const clock = new FakeClock(1050);
    const fired: number[] = [];
    const heap = new TimerHeap<number>({ clock, onDue: (v) => fired.push(...v), quantumMs: 100 });
    heap.schedule(1000, 1);
    clock.advance(0);
    expect(fired).toEqual([1]);
    expect(() => new TimerHeap<number>({ clock, onDue: () => undefined, quantumMs: -1 })).toThrow(RangeError);
  });
});

describe('TaskPool', () => {
  it('runs at most `limit` tasks at once and reports idle', async () => {
    const pool = new TaskPool(2);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      pool.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => releases.push(r));
        running--;
      });
    }
    expect(pool.pending).toBe(5);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    for (let i = 0; i < 20 && pool.pending > 0; i++) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    await pool.idle();
    expect(peak).toBe(2);
    expect(pool.pending).toBe(0);
    pool.run(() => Promise.reject(new Error('ignored')));
    await pool.idle();
  });
});
