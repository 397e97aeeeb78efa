/**
 * CronJob schedule and time-zone checks. The schedule grammar and error texts follow
 * robfig/cron v3's ParseStandard (what kube-apiserver uses): five fields (minute hour
 * day-of-month month day-of-week) or a descriptor (@yearly, @annually, @monthly, @weekly,
 * @daily, @midnight, @hourly, @every <duration>), optionally prefixed by TZ= / CRON_TZ=.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A cron field's range and names (robfig/cron's bounds). */
export interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

export const MINUTES: Bounds = { min: 0, max: 59 };
export const HOURS: Bounds = { min: 0, max: 23 };
export const DOM: Bounds = { min: 1, max: 31 };
export const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
export const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

class CronError extends Error {}

/** Go's strconv.Atoi error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number.parseInt(s, 10);
  if (!Number.isSafeInteger(n)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  const n = atoi(expr);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Readonly<Record<string, number>> | undefined): number {
  if (names) {
    const v = names[expr.toLowerCase()];
    if (v !== undefined) return v;
  }
  return mustParseInt(expr);
}

function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) {
    step = 1;
  } else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (single) end = r.max;
  } else {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

function checkField(field: string, r: Bounds): void {
  for (const expr of field.split(',').filter((s) => s.length > 0)) checkRange(expr, r);
}

/** Go's time.ParseDuration, enough to validate `@every` (returns false when invalid). */
export function isGoDuration(s: string): boolean {
  if (s === '0') return true;
  const body = s.replace(/^[+-]/, '');
  if (body === '') return false;
  return /^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$/.test(body);
}

function checkDescriptor(d: string): void {
  switch (d) {
    case '@yearly':
    case '@annually':
    case '@monthly':
    case '@weekly':
    case '@daily':
    case '@midnight':
    case '@hourly':
      return;
  }
  const every = '@every ';
  if (d.startsWith(every)) {
    const dur = d.slice(every.length);
    if (!isGoDuration(dur)) throw new CronError(`failed to parse duration ${d}: time: invalid duration ${JSON.stringify(dur)}`);
    return;
  }
  throw new CronError(`unrecognized descriptor: ${d}`);
}

/**
 * The error robfig/cron's ParseStandard would return for `spec`, or undefined when it parses.
 * `zoneExists` decides whether a TZ=/CRON_TZ= location is known.
 */
export function cronScheduleError(spec: string, zoneExists: (zone: string) => boolean = isKnownTimeZone): string | undefined {
  try {
    let s = spec;
    if (s.length === 0) throw new CronError('empty spec string');
    if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
      const sp = s.indexOf(' ');
      const eq = s.indexOf('=');
      const zone = sp < 0 ? s.slice(eq + 1) : s.slice(eq + 1, sp);
      if (!zoneExists(zone)) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
      s = sp < 0 ? '' : s.slice(sp).trim();
    }
    if (s.startsWith('@')) {
      checkDescriptor(s);
      return undefined;
    }
    const fields = s.split(/\s+/).filter((f) => f.length > 0);
    if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    checkField(fields[0], MINUTES);
    checkField(fields[1], HOURS);
    checkField(fields[2], DOM);
    checkField(fields[3], MONTHS);
    checkField(fields[4], DOW);
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

const ZONEINFO = '/usr/share/zoneinfo';
const zoneCache = new Map<string, boolean>();

/**
 * True when the IANA zone name is known. Like Go's time.LoadLocation this is case-sensitive and
 * reads the system zoneinfo database when present; without one it falls back to the runtime's
 * ICU data (which is case-insensitive).
 */
export function isKnownTimeZone(zone: string): boolean {
  if (zone === 'UTC' || zone === '') return true;
  const cached = zoneCache.get(zone);
  if (cached !== undefined) return cached;
  let known: boolean;
  if (zone.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    known = false;
  } else if (existsSync(ZONEINFO)) {
    known = existsSync(join(ZONEINFO, zone));
  } else {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
  }
  if (zoneCache.size < 1000) zoneCache.set(zone, known);
  return known;
}
