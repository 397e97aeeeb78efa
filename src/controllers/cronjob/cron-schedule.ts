/**
 * CronJob schedules: robfig/cron v3 `ParseStandard` semantics (what kube-controller-manager
 * uses) for computing run times. The grammar and its error texts are checked by
 * api/validation/cron.ts (`cronScheduleError`), which this module reuses; here a valid spec
 * becomes a schedule whose `next(t)` is the first activation strictly after `t`.
 *
 *  - Five fields: minute hour day-of-month month day-of-week; `*`, `?`, lists, ranges, steps and
 *    month/day names. Day-of-month and day-of-week are OR-ed unless either is `*`/`?` (then AND),
 *    as in robfig (where `*\/1` still counts as a star and `*\/2` does not).
 *  - Descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, and `@every <dur>`.
 *  - A `TZ=`/`CRON_TZ=` prefix, or the zone passed in (spec.timeZone, else the controller's
 *    local zone as upstream), evaluated with wall-clock arithmetic through Intl (IANA names),
 *    including robfig's handling of DST gaps and overlaps.
 */
import { cronScheduleError, DOM, DOW, HOURS, isKnownTimeZone, MINUTES, MONTHS, type Bounds } from '../../api/validation/cron.js';

export interface CronSchedule {
  /** The first activation after `t` (epoch ms), or undefined if none within five years. */
  next(t: number): number | undefined;
}

export class CronParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronParseError';
  }
}

// ---- wall-clock time in an IANA zone ------------------------------------------------------------

interface Wall {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/GMT' || zone === 'GMT';
}

/** The wall clock of instant `t` in `zone`. */
export function wallClock(t: number, zone: string): Wall {
  if (isUtc(zone)) {
    const d = new Date(t);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  }
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of formatter(zone).formatToParts(t)) {
    const v = Number.parseInt(p.value, 10);
    if (p.type === 'year') year = v;
    else if (p.type === 'month') month = v;
    else if (p.type === 'day') day = v;
    else if (p.type === 'hour') hour = v;
    else if (p.type === 'minute') minute = v;
    else if (p.type === 'second') second = v;
  }
  return { year, month, day, hour, minute, second, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** UTC offset (ms) of `zone` at instant `t`. */
export function zoneOffset(t: number, zone: string): number {
  if (isUtc(zone)) return 0;
  const w = wallClock(t, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
}

/**
 * Go's time.Date in a zone: out-of-range fields normalise; a wall time that does not exist
 * (DST gap) or exists twice (overlap) resolves as Go resolves it.
 */
export function fromWall(zone: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (isUtc(zone)) return wall;
  const guess = zoneOffset(wall, zone);
  return wall - zoneOffset(wall - guess, zone);
}

// ---- schedules ----------------------------------------------------------------------------------


/** The values a field allows, and whether it was a star (`*`/`?`, or a star with step 1). */
interface FieldSet {
  readonly allowed: boolean[];
  readonly star: boolean;
}

function valueOf(s: string, b: Bounds): number {
  const named = b.names?.[s.toLowerCase()];
  return named ?? Number.parseInt(s, 10);
}

function parseField(field: string, b: Bounds): FieldSet {
  const allowed = new Array<boolean>(b.max + 1).fill(false);
  let star = false;
  for (const expr of field.split(',').filter((x) => x.length > 0)) {
    const [range, stepStr] = expr.split('/');
    const lowHigh = range.split('-');
    let start: number;
    let end: number;
    let isStar = false;
    if (lowHigh[0] === '*' || lowHigh[0] === '?') {
      start = b.min;
      end = b.max;
      isStar = true;
    } else {
      start = valueOf(lowHigh[0], b);
      end = lowHigh.length === 2 ? valueOf(lowHigh[1], b) : start;
    }
    let step = 1;
    if (stepStr !== undefined) {
      step = Number.parseInt(stepStr, 10);
      // "N/step" means "N-max/step".
      if (lowHigh.length === 1) end = b.max;
      if (step > 1) isStar = false;
    }
    for (let v = start; v <= end; v += step) allowed[v] = true;
    star ||= isStar;
  }
  return { allowed, star };
}

function all(b: Bounds): FieldSet {
  const allowed = new Array<boolean>(b.max + 1).fill(false);
  for (let v = b.min; v <= b.max; v++) allowed[v] = true;
  return { allowed, star: true };
}

function only(b: Bounds, v: number): FieldSet {
  const allowed = new Array<boolean>(b.max + 1).fill(false);
  allowed[v] = true;
  return { allowed, star: false };
}

class SpecSchedule implements CronSchedule {
  constructor(
    readonly minute: FieldSet,
    readonly hour: FieldSet,
    readonly dom: FieldSet,
    readonly month: FieldSet,
    readonly dow: FieldSet,
    readonly zone: string,
  ) {}

  #dayMatches(w: Wall): boolean {
    const domMatch = this.dom.allowed[w.day] === true;
    const dowMatch = this.dow.allowed[w.weekday] === true;
    return this.dom.star || this.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  }

  /** robfig SpecSchedule.Next, field by field from the month down, restarting on wrap-around. */
  next(from: number): number | undefined {
    const zone = this.zone;
    // Start at the earliest possible time: the next whole second.
    let t = Math.floor(from / 1000) * 1000 + 1000;
    let added = false;
    let w = wallClock(t, zone);
    const yearLimit = w.year + 5;
    wrap: for (let guard = 0; guard < 10_000; guard++) {
      w = wallClock(t, zone);
      if (w.year > yearLimit) return undefined;
      while (!this.month.allowed[w.month]) {
        if (!added) {
          added = true;
          t = fromWall(zone, w.year, w.month, 1);
          w = wallClock(t, zone);
        }
        t = fromWall(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
        w = wallClock(t, zone);
        if (w.month === 1) continue wrap;
      }
      while (!this.#dayMatches(w)) {
        if (!added) {
          added = true;
          t = fromWall(zone, w.year, w.month, w.day);
          w = wallClock(t, zone);
        }
        t = fromWall(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
        w = wallClock(t, zone);
        // Midnight may have moved across a DST change: snap back to it.
        if (w.hour !== 0) {
          t += (w.hour > 12 ? 24 - w.hour : -w.hour) * 3_600_000;
          w = wallClock(t, zone);
        }
        if (w.day === 1) continue wrap;
      }
      while (!this.hour.allowed[w.hour]) {
        if (!added) {
          added = true;
          t = fromWall(zone, w.year, w.month, w.day, w.hour);
        }
        t += 3_600_000;
        w = wallClock(t, zone);
        if (w.hour === 0) continue wrap;
      }
      while (!this.minute.allowed[w.minute]) {
        if (!added) {
          added = true;
          t -= t % 60_000;
        }
        t += 60_000;
        w = wallClock(t, zone);
        if (w.minute === 0) continue wrap;
      }
      if (w.second !== 0) {
        // Only second 0 is allowed: go to the next minute and check everything again.
        added = true;
        t += (60 - w.second) * 1000;
        continue wrap;
      }
      return t;
    }
    return undefined;
  }
}

class EverySchedule implements CronSchedule {
  constructor(readonly delayMs: number) {}

  next(from: number): number {
    return Math.floor(from / 1000) * 1000 + this.delayMs;
  }
}

const UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds (the input has been validated). */
function parseGoDuration(s: string): number {
  if (s === '0') return 0;
  const sign = s.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of s.replace(/^[+-]/, '').matchAll(/([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number.parseFloat(m[1]) * (UNITS[m[2]] ?? 0);
  return sign * total;
}

function descriptor(d: string, zone: string): CronSchedule {
  switch (d) {
    case '@yearly':
    case '@annually':
      return new SpecSchedule(only(MINUTES, 0), only(HOURS, 0), only(DOM, 1), only(MONTHS, 1), all(DOW), zone);
    case '@monthly':
      return new SpecSchedule(only(MINUTES, 0), only(HOURS, 0), only(DOM, 1), all(MONTHS), all(DOW), zone);
    case '@weekly':
      return new SpecSchedule(only(MINUTES, 0), only(HOURS, 0), all(DOM), all(MONTHS), only(DOW, 0), zone);
    case '@daily':
    case '@midnight':
      return new SpecSchedule(only(MINUTES, 0), only(HOURS, 0), all(DOM), all(MONTHS), all(DOW), zone);
    case '@hourly':
      return new SpecSchedule(only(MINUTES, 0), all(HOURS), all(DOM), all(MONTHS), all(DOW), zone);
  }
  // @every <duration>: at least a second, whole seconds, counted from the given time.
  const ms = parseGoDuration(d.slice('@every '.length).trim());
  return new EverySchedule(ms < 1000 ? 1000 : ms - (ms % 1000));
}

/** The local zone of this process (what an unzoned schedule means, as in kube-controller-manager). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Parses a schedule as `cron.ParseStandard` does. `zone` applies unless the spec carries its own
 * TZ=/CRON_TZ= prefix. Throws CronParseError with robfig's message for invalid specs.
 */
export function parseCronSchedule(spec: string, zone: string = localTimeZone()): CronSchedule {
  const err = cronScheduleError(spec);
  if (err !== undefined) throw new CronParseError(err);
  let s = spec;
  let z = zone;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const sp = s.indexOf(' ');
    z = s.slice(s.indexOf('=') + 1, sp < 0 ? undefined : sp);
    s = sp < 0 ? '' : s.slice(sp).trim();
  }
  if (!isUtc(z) && !isKnownTimeZone(z)) throw new CronParseError(`provided bad location ${z}: unknown time zone ${z}`);
  try {
    formatter(z);
  } catch {
    throw new CronParseError(`provided bad location ${z}: unknown time zone ${z}`);
  }
  if (s.startsWith('@')) return descriptor(s, z);
  const f = s.split(/\s+/).filter((x) => x.length > 0);
  return new SpecSchedule(parseField(f[0], MINUTES), parseField(f[1], HOURS), parseField(f[2], DOM), parseField(f[3], MONTHS), parseField(f[4], DOW), z);
}
