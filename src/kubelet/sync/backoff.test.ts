import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/clock.js';
import { Backoff } from './backoff.js';

describe('Backoff (client-go flowcontrol as the kubelet uses it)', () => {
  it('starts at the initial delay and doubles up to the maximum', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock, 10_000, 300_000);
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      b.next('k', clock.now());
      seen.push(b.get('k'));
      clock.advance(1000);
    }
    expect(seen).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('is in back-off within the delay counted from the event time', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock, 10_000, 300_000);
    const finishedAt = clock.now();
    expect(b.isInBackOffSince('k', finishedAt)).toBe(false);
    b.next('k', finishedAt);
    clock.advance(9_999);
    expect(b.isInBackOffSince('k', finishedAt)).toBe(true);
    clock.advance(1);
    expect(b.isInBackOffSince('k', finishedAt)).toBe(false);
    expect(b.endsAt('k')).toBe(finishedAt + 10_000);
  });

  it('starts over once the key was quiet for twice the maximum (a container that ran 10 minutes)', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock, 10_000, 300_000);
    for (let i = 0; i < 5; i++) b.next('k', clock.now());
    expect(b.get('k')).toBe(160_000);
    clock.advance(600_001);
    expect(b.isInBackOffSince('k', clock.now())).toBe(false);
    b.next('k', clock.now());
    expect(b.get('k')).toBe(10_000);
  });

  it('forgets keys by prefix and by age', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock, 10_000, 300_000);
    b.next('pod1_a');
    b.next('pod2_a');
    b.deletePrefix('pod1_');
    expect(b.get('pod1_a')).toBe(0);
    expect(b.get('pod2_a')).toBe(10_000);
    clock.advance(600_001);
    b.gc();
    expect(b.get('pod2_a')).toBe(0);
  });
});
