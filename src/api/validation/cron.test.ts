import { describe, expect, it } from 'vitest';
import { cronScheduleError, isGoDuration, isKnownTimeZone } from './cron.js';

describe('cron schedules', () => {
  it('accepts standard five-field schedules and descriptors', () => {
    for (const s of ['*/1 * * * *', '0 0 * * *', '5,10-20/5 1-3 1 jan-mar MON-FRI', '0 12 ? * sun', '@hourly', '@daily', '@midnight', '@every 1h30m', 'CRON_TZ=UTC 0 * * * *']) {
      expect(cronScheduleError(s), s).toBeUndefined();
    }
  });

  it('reports robfig/cron errors verbatim', () => {
    expect(cronScheduleError('* * * *')).toBe('expected exactly 5 fields, found 4: [* * * *]');
    expect(cronScheduleError('61 * * * *')).toBe('end of range (61) above maximum (59): 61');
    expect(cronScheduleError('0 0 0 * *')).toBe('beginning of range (0) below minimum (1): 0');
    expect(cronScheduleError('x * * * *')).toBe('failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    expect(cronScheduleError('5-1 * * * *')).toBe('beginning of range (5) beyond end of range (1): 5-1');
    expect(cronScheduleError('*/0 * * * *')).toBe('step of range should be a positive number: */0');
    expect(cronScheduleError('1-2-3 * * * *')).toBe('too many hyphens: 1-2-3');
    expect(cronScheduleError('@fortnightly')).toBe('unrecognized descriptor: @fortnightly');
    expect(cronScheduleError('@every 5x')).toBe('failed to parse duration @every 5x: time: invalid duration "5x"');
    expect(cronScheduleError('')).toBe('empty spec string');
    expect(cronScheduleError('TZ=Mars/Base 0 * * * *')).toBe('provided bad location Mars/Base: unknown time zone Mars/Base');
  });

  it('parses Go durations', () => {
    expect(isGoDuration('1h2m3.5s')).toBe(true);
    expect(isGoDuration('300ms')).toBe(true);
    expect(isGoDuration('1d')).toBe(false);
  });

  it('knows IANA zones case-sensitively', () => {
    expect(isKnownTimeZone('America/New_York')).toBe(true);
    expect(isKnownTimeZone('Etc/UTC')).toBe(true);
    expect(isKnownTimeZone('Nowhere/Special')).toBe(false);
    expect(isKnownTimeZone('../etc/passwd')).toBe(false);
  });
});
