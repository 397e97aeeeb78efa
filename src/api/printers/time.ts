/**
 * Time handling for printed cells: parsing metav1.Time / MicroTime strings and rendering
 * durations with apimachinery's duration.HumanDuration rules ("5m", "3h12m", "4d", "2y30d").
 * Every function takes the current time as an argument; nothing here reads a clock.
 */

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi, s, 0);
  return dt.getTime();
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), which upstream treats as "no time". */
const GO_ZERO_TIME_MS = utcMs(1, 1, 1, 0, 0, 0);

/**
 * Parses an RFC 3339 timestamp (metav1.Time or MicroTime serialisation). Returns ms since the
 * epoch; `undefined` when the value is absent, empty, null or Go's zero time (what upstream
 * treats as IsZero); `NaN` when it is present but not a valid timestamp.
 */
export function parseTimestamp(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return NaN;
  const m = RFC3339_RE.exec(v);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  let ms = utcMs(Number(y), month, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return NaN;
  if (frac) ms += Math.floor(Number(`0${frac}`) * 1000);
  if (sign) ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60000;
  if (ms === GO_ZERO_TIME_MS) return undefined;
  return ms;
}

/**
 * duration.HumanDuration for a duration in ms: "<invalid>" below -1s (clock skew beyond
 * tolerance), "0s" just below zero, then ~2-3 significant figures.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3600000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Upstream's translateTimestampSince: "<unknown>" for a missing/zero time, else the age. */
export function translateTimestampSince(ts: unknown, now: number): string {
  const t = parseTimestamp(ts);
  if (t === undefined || Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

/** time.Time.UTC().Format(time.RFC3339): second precision, "Z"; Go's zero time when absent. */
export function formatRfc3339(ts: unknown): string {
  const t = parseTimestamp(ts);
  const ms = t === undefined || Number.isNaN(t) ? GO_ZERO_TIME_MS : Math.floor(t / 1000) * 1000;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}Z`;
}
