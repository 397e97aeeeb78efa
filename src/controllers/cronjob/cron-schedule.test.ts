import { describe, expect, it } from 'vitest';
import { CronParseError, fromWall, parseCronSchedule, wallClock } from './cron-schedule.js';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `n` activations after `from`. */
function runs(spec: string, from: string, n: number, zone = 'UTC'): (string | undefined)[] {
  const s = parseCronSchedule(spec, zone);
  const out: (string | undefined)[] = [];
  let cur: number | undefined = t(from);
  for (let i = 0; i < n && cur !== undefined; i++) {
    cur = s.next(cur);
    out.push(iso(cur));
  }
  return out;
}

describe('parseCronSchedule', () => {
  it('every minute, strictly after the given time', () => {
    expect(runs('*/1 * * * *', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-01-01T00:01:00.000Z', '2025-01-01T00:02:00.000Z']);
    expect(runs('* * * * *', '2025-01-01T00:00:30.500Z', 1)).toEqual(['2025-01-01T00:01:00.000Z']);
  });

  it('lists, ranges, steps and names', () => {
    expect(runs('0,30 9-10 * * *', '2025-01-01T00:00:00Z', 5)).toEqual([
      '2025-01-01T09:00:00.000Z',
      '2025-01-01T09:30:00.000Z',
      '2025-01-01T10:00:00.000Z',
      '2025-01-01T10:30:00.000Z',
      '2025-01-02T09:00:00.000Z',
    ]);
    expect(runs('15/20 * * * *', '2025-01-01T00:00:00Z', 3)).toEqual(['2025-01-01T00:15:00.000Z', '2025-01-01T00:35:00.000Z', '2025-01-01T00:55:00.000Z']);
    // 2025-01-01 is a Wednesday.
    expect(runs('0 12 * JAN mon-fri', '2025-01-03T13:00:00Z', 2)).toEqual(['2025-01-06T12:00:00.000Z', '2025-01-07T12:00:00.000Z']);
  });

  it('ORs day-of-month and day-of-week unless one is a star', () => {
    // The 13th, or any Friday.
    expect(runs('0 0 13 * 5', '2025-01-01T00:00:00Z', 3)).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-10T00:00:00.000Z', '2025-01-13T00:00:00.000Z']);
    // */1 still counts as a star: AND, so every Friday.
    expect(runs('0 0 */1 * 5', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-10T00:00:00.000Z']);
  });

  it('descriptors', () => {
    expect(runs('@hourly', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-01-01T01:00:00.000Z']);
    expect(runs('@daily', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-01-02T00:00:00.000Z']);
    expect(runs('@midnight', '2025-01-01T05:00:00Z', 1)).toEqual(['2025-01-02T00:00:00.000Z']);
    expect(runs('@weekly', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-01-05T00:00:00.000Z']);
    expect(runs('@monthly', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-02-01T00:00:00.000Z']);
    expect(runs('@yearly', '2025-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(runs('@annually', '2025-06-01T00:00:00Z', 1)).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(runs('@every 1h30m', '2025-01-01T00:00:10.700Z', 2)).toEqual(['2025-01-01T01:30:10.000Z', '2025-01-01T03:00:10.000Z']);
    expect(runs('@every 10ms', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-01-01T00:00:01.000Z']);
  });

  it('month ends and leap years', () => {
    expect(runs('0 0 31 * *', '2025-01-31T00:00:00Z', 2)).toEqual(['2025-03-31T00:00:00.000Z', '2025-05-31T00:00:00.000Z']);
    expect(runs('0 0 29 2 *', '2025-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
    // A date that never exists has no next time within five years.
    expect(runs('0 0 30 2 *', '2025-01-01T00:00:00Z', 1)).toEqual([undefined]);
  });

  it('evaluates in the given IANA time zone', () => {
    expect(runs('0 9 * * *', '2025-01-01T00:00:00Z', 1, 'Asia/Tokyo')).toEqual(['2025-01-02T00:00:00.000Z']);
    expect(runs('30 8 * * *', '2024-12-31T23:00:00Z', 1, 'Asia/Tokyo')).toEqual(['2024-12-31T23:30:00.000Z']);
    expect(runs('0 9 * * *', '2025-01-01T00:00:00Z', 1, 'America/New_York')).toEqual(['2025-01-01T14:00:00.000Z']);
    expect(runs('TZ=Europe/Paris 0 9 * * *', '2025-01-01T00:00:00Z', 1, 'Asia/Tokyo')).toEqual(['2025-01-01T08:00:00.000Z']);
    expect(runs('CRON_TZ=UTC 0 9 * * *', '2025-01-01T00:00:00Z', 1, 'Asia/Tokyo')).toEqual(['2025-01-01T09:00:00.000Z']);
  });

  it('skips wall times in a DST gap and follows DST offsets', () => {
    // New York springs forward on 2025-03-09 at 02:00: 02:30 does not exist that day.
    expect(runs('30 2 * * *', '2025-03-08T00:00:00Z', 2, 'America/New_York')).toEqual(['2025-03-08T07:30:00.000Z', '2025-03-10T06:30:00.000Z']);
    expect(runs('0 12 * * *', '2025-03-08T00:00:00Z', 2, 'America/New_York')).toEqual(['2025-03-08T17:00:00.000Z', '2025-03-09T16:00:00.000Z']);
    // Falls back on 2025-11-02: 01:30 happens twice, and robfig runs both.
    expect(runs('30 1 * * *', '2025-11-01T12:00:00Z', 3, 'America/New_York')).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-02T06:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  });

  it('rejects invalid specs with robfig messages', () => {
    expect(() => parseCronSchedule('61 * * * *', 'UTC')).toThrow(CronParseError);
    expect(() => parseCronSchedule('61 * * * *', 'UTC')).toThrow('end of range (61) above maximum (59): 61');
    expect(() => parseCronSchedule('* * * *', 'UTC')).toThrow('expected exactly 5 fields, found 4: [* * * *]');
    expect(() => parseCronSchedule('TZ=Nowhere/Land * * * * *', 'UTC')).toThrow('provided bad location Nowhere/Land: unknown time zone Nowhere/Land');
  });

  it('converts between instants and wall clocks like Go', () => {
    expect(wallClock(t('2025-07-01T12:00:00Z'), 'Europe/Berlin')).toMatchObject({ year: 2025, month: 7, day: 1, hour: 14, minute: 0, weekday: 2 });
    expect(iso(fromWall('Europe/Berlin', 2025, 7, 1, 14))).toBe('2025-07-01T12:00:00.000Z');
    // Month overflow normalises.
    expect(iso(fromWall('UTC', 2025, 13, 1))).toBe('2026-01-01T00:00:00.000Z');
  });
});
