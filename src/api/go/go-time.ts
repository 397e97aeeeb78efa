/**
 * Go's time and duration texts: parsing metav1.Time / MicroTime and metav1.Duration strings with
 * the errors Go's time package reports, and formatting durations as time.Duration.String() does.
 */

const RFC3339_LAYOUT = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

/**
 * Checks a timestamp the way Go's time.Parse does for metav1.Time (RFC 3339) and metav1.MicroTime
 * (RFC 3339 with exactly six fractional digits), returning Go's error text or undefined when valid.
 */
export function goTimeParseError(value: string, micro: boolean): string | undefined {
  if (isPlainValidTime(value, micro)) return undefined;
  const layout = micro ? RFC3339_MICRO_LAYOUT : RFC3339_LAYOUT;
  const elements = micro
    ? ['2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', '.000000', 'Z07:00']
    : ['2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', 'Z07:00'];
  const cannot = (rest: string, elem: string) => `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`;
  const outOfRange = (what: string) => `parsing time ${JSON.stringify(value)}: ${what} out of range`;
  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  for (const elem of elements) {
    switch (elem) {
      case '2006': {
        if (!/^\d{4}/.test(rest)) return cannot(rest, elem);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      }
      case '01':
      case '02':
      case '15':
      case '04':
      case '05': {
        if (!/^\d{2}/.test(rest)) return cannot(rest, elem);
        const n = Number(rest.slice(0, 2));
        rest = rest.slice(2);
        if (elem === '01') {
          if (n < 1 || n > 12) return outOfRange('month');
          month = n;
        } else if (elem === '02') day = n;
        else if (elem === '15' && n > 23) return outOfRange('hour');
        else if ((elem === '04' || elem === '05') && n > 59) return outOfRange(elem === '04' ? 'minute' : 'second');
        if (elem === '05' && !micro) {
          // Go accepts a fractional second after the seconds even when the layout has none.
          const frac = /^[.,]\d+/.exec(rest);
          if (frac) rest = rest.slice(frac[0].length);
        }
        break;
      }
      case '.000000': {
        if (!/^\.\d{6}/.test(rest)) return cannot(rest, elem);
        rest = rest.slice(7);
        break;
      }
      case 'Z07:00': {
        if (rest.startsWith('Z')) rest = rest.slice(1);
        else {
          const m = /^[+-](\d{2}):(\d{2})/.exec(rest);
          if (!m) return cannot(rest, elem);
          if (Number(m[1]) > 24 || Number(m[2]) > 59) return `parsing time ${JSON.stringify(value)}: time zone offset out of range`;
          rest = rest.slice(6);
        }
        break;
      }
      default:
        if (!rest.startsWith(elem)) return cannot(rest, elem);
        rest = rest.slice(elem.length);
    }
  }
  if (rest !== '') return `parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(rest)}`;
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  return undefined;
}

/** `2006-01-02T15:04:05Z` / `…05.000000Z` (or a ±hh:mm zone): the usual shape, fields in range. */
const PLAIN_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{6})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * The fast path of goTimeParseError (which runs for every timestamp of every write): true only for
 * values that are certainly valid; anything else goes through the full check for Go's error text.
 */
function isPlainValidTime(value: string, micro: boolean): boolean {
  const m = PLAIN_TIME.exec(value);
  if (!m || (m[7] !== undefined) !== micro) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, Number(m[1]))) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  return m[8] === undefined || (Number(m[8]) <= 24 && Number(m[9]) <= 59);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** Checks a Go duration string ("1h30m", "1.5s", "-2m"), returning Go's error text or undefined. */
export function goDurationParseError(value: string): string | undefined {
  const invalid = `time: invalid duration ${JSON.stringify(value)}`;
  let s = value;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return undefined;
  if (s === '') return invalid;
  while (s !== '') {
    const num = /^(\d*)(\.(\d*))?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[3] ?? '';
    if (whole === '' && frac === '' ) return invalid;
    s = s.slice(num?.[0].length ?? 0);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') return `time: missing unit in duration ${JSON.stringify(value)}`;
    if (!DURATION_UNITS.has(unit)) return `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(value)}`;
    s = s.slice(unit.length);
  }
  return undefined;
}

/**
 * Go's `time.Duration.String()` format, which is how metav1.Duration appears in JSON
 * ("1h0m0s", "1m30s", "1.5s", "250ms", "1.5µs", "10ns", "0s").
 *
 * Rules (from Go's time package): below one second the largest fitting unit among ns, µs and ms
 * is used with a trimmed decimal fraction; from one second on the form is `[<h>h][<m>m]<s>[.<frac>]s`,
 * where minutes are printed (even when zero) whenever hours are, and the seconds fraction has
 * trailing zeros trimmed.
 */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const negative = nanoseconds < 0n;
  const u = negative ? -nanoseconds : nanoseconds;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${withFraction(u, 3)}µs`;
    else out = `${withFraction(u, 6)}ms`;
  } else {
    const totalSeconds = u / 1_000_000_000n;
    const fraction = fractionDigits(u % 1_000_000_000n, 9);
    out = `${totalSeconds % 60n}${fraction}s`;
    if (totalSeconds >= 60n) {
      const totalMinutes = totalSeconds / 60n;
      out = `${totalMinutes % 60n}m${out}`;
      if (totalMinutes >= 60n) out = `${totalMinutes / 60n}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

/** `v / 10^precision` followed by its trimmed decimal fraction. */
function withFraction(v: bigint, precision: number): string {
  const scale = 10n ** BigInt(precision);
  return `${v / scale}${fractionDigits(v % scale, precision)}`;
}

function fractionDigits(remainder: bigint, precision: number): string {
  if (remainder === 0n) return '';
  return `.${remainder.toString().padStart(precision, '0').replace(/0+$/, '')}`;
}
