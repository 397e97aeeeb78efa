/**
 * The OpenAPI string formats that custom-resource validation enforces.
 *
 * kube-apiserver builds CR validators with kube-openapi's default format registry, after dropping
 * every format outside a fixed allow list (apiextensions-apiserver pkg/apiserver/validation/
 * formats.go). So `int32`, `int64`, `float`, `double`, `int-or-string` … are accepted in schemas
 * but never checked, and the formats below are checked only on string values. Names are compared
 * with dashes removed (`date-time` = `datetime`), as go-openapi normalises them.
 */
import { isIP, isIPv6 } from 'node:net';

type Check = (s: string) => boolean;

const uuidRe = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const uuid3Re = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const uuid4Re = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const uuid5Re = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const hostnameRe =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const creditCardRe =
  /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/;
const ssnRe = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const hexColorRe = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const rgbOctet = '(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])';
const rgbColorRe = new RegExp(`^rgb\\(\\s*${rgbOctet}\\s*,\\s*${rgbOctet}\\s*,\\s*${rgbOctet}\\s*\\)$`);
const dateTimeRe = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;
const whitespaceAndMinus = /[\s-]+/g;

/** An IPv4 address as Go's net.ParseIP reads it, tolerating leading zeros as k8s.io/utils does. */
function parseIPv4Sloppy(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

function parseIPSloppy(s: string): boolean {
  if (parseIPv4Sloppy(s)) return true;
  return !s.includes('%') && isIPv6(s);
}

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  if (parseIPv4Sloppy(ip)) return Number(bits) <= 32;
  return !ip.includes('%') && isIPv6(ip) && Number(bits) <= 128;
}

/** Go's net.ParseMAC: 6, 8 or 20 octets separated by ':' or '-', or dotted groups of four digits. */
function isMAC(s: string): boolean {
  if (s.length < 14) return false;
  if (s[2] === ':' || s[2] === '-') {
    if ((s.length + 1) % 3 !== 0) return false;
    const n = (s.length + 1) / 3;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    const sep = s[2];
    const re = new RegExp(`^[0-9a-fA-F]{2}(\\${sep}[0-9a-fA-F]{2})*$`);
    return re.test(s);
  }
  if (s[4] === '.') {
    if ((s.length + 1) % 5 !== 0) return false;
    const n = (2 * (s.length + 1)) / 5;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    return /^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4})*$/.test(s);
  }
  return false;
}

/** url.ParseRequestURI: an absolute URI with a scheme, or an absolute path. */
function isRequestURI(s: string): boolean {
  if (s.length === 0) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(s)) return false;
  const hash = s.indexOf('#');
  const raw = hash >= 0 ? s.slice(0, hash) : s;
  if (raw.startsWith('/')) return !raw.startsWith('//') || isValidAuthority(raw.slice(2).split('/')[0]);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (!scheme) return false;
  const rest = raw.slice(scheme[0].length);
  if (rest.startsWith('//')) return isValidAuthority(rest.slice(2).split(/[/?]/)[0]);
  return true;
}

function isValidAuthority(authority: string): boolean {
  const at = authority.lastIndexOf('@');
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  if (hostPort.startsWith('[')) return /^\[[0-9a-fA-F:.]+(%25[^\]]+)?\](:[0-9]*)?$/.test(hostPort);
  return /^[^\s:/?#[\]@]*(:[0-9]*)?$/.test(hostPort);
}

const atom = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]+";
const dotAtom = `${atom}(\\.${atom})*`;
const quoted = '"([^"\\\\]|\\\\.)*"';
const addrSpec = new RegExp(`^(${dotAtom}|${quoted})@(${dotAtom}|\\[[^\\[\\]\\\\]*\\])$`, 'u');

/** net/mail.ParseAddress: `local@domain`, optionally as `Display Name <local@domain>`. */
function isEmail(s: string): boolean {
  const trimmed = s.trim();
  const angle = /^(?:"(?:[^"\\]|\\.)*"|[^<>"]*)\s*<([^<>]*)>$/u.exec(trimmed);
  const addr = angle ? angle[1] : trimmed;
  return addrSpec.test(addr);
}

function isHostname(s: string): boolean {
  if (!hostnameRe.test(s) || s.length > 255) return false;
  return s.split('.').every((p) => Buffer.byteLength(p) <= 63);
}

/** time.Parse("2006-01-02", s): the calendar date must exist. */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** strfmt.IsDateTime: a valid date, a `t`, and a clock time with zone (compared case-insensitively). */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0])) return false;
  const m = dateTimeRe.exec(parts[1]);
  if (!m) return false;
  return m[1] <= '23' && m[2] <= '59' && m[3] <= '59';
}

const goDurationRe = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const lenientDurationRe = /(\d+)\s*([A-Za-zµ]+)/g;
const durationUnits: readonly (readonly string[])[] = [
  ['ns', 'nano'],
  ['us', 'µs', 'micro'],
  ['ms', 'milli'],
  ['s', 'sec'],
  ['m', 'min'],
  ['h', 'hr', 'hour'],
  ['d', 'day'],
  ['w', 'wk', 'week'],
];

/** strfmt.ParseDuration: Go's time.ParseDuration, or the lenient "3 days 4h" form. */
function isDuration(s: string): boolean {
  if (s === '0' || s === '+0' || s === '-0' || goDurationRe.test(s)) return true;
  for (const m of s.matchAll(lenientDurationRe)) {
    const unit = m[2].trim().toLowerCase();
    for (const variants of durationUnits) {
      const last = variants.length - 1;
      if (variants.some((v, i) => (i === last && unit.startsWith(v)) || v.toLowerCase() === unit)) return true;
    }
  }
  return false;
}

function isISBN10(s: string): boolean {
  const d = s.replace(whitespaceAndMinus, '');
  if (!/^(?:[0-9]{9}X|[0-9]{10})$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(d[i]);
  sum += 10 * (d[9] === 'X' ? 10 : Number(d[9]));
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const d = s.replace(whitespaceAndMinus, '');
  if (!/^[0-9]{13}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(d[12]);
}

function isCreditCard(s: string): boolean {
  const d = s.replace(whitespaceAndMinus, '');
  if (!creditCardRe.test(d)) return false;
  let sum = 0;
  for (let i = d.length - 2, k = 0; i >= 0; i--, k++) {
    let digit = Number(d[i]);
    if (k % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (sum + Number(d[d.length - 1])) % 10 === 0;
}

const CHECKS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['bsonobjectid', (s) => /^[0-9a-fA-F]{24}$/.test(s)],
  ['uri', isRequestURI],
  ['email', isEmail],
  ['hostname', isHostname],
  ['ipv4', (s) => parseIPSloppy(s) && s.includes('.')],
  ['ipv6', (s) => !s.includes('%') && isIP(s) !== 0 && s.includes(':')],
  ['cidr', isCIDR],
  ['mac', isMAC],
  ['uuid', (s) => uuidRe.test(s)],
  ['uuid3', (s) => uuid3Re.test(s)],
  ['uuid4', (s) => uuid4Re.test(s)],
  ['uuid5', (s) => uuid5Re.test(s)],
  ['isbn', (s) => isISBN10(s) || isISBN13(s)],
  ['isbn10', isISBN10],
  ['isbn13', isISBN13],
  ['creditcard', isCreditCard],
  ['ssn', (s) => s.length === 11 && ssnRe.test(s)],
  ['hexcolor', (s) => hexColorRe.test(s)],
  ['rgbcolor', (s) => rgbColorRe.test(s)],
  ['byte', (s) => base64Re.test(s)],
  ['password', () => true],
  ['date', isDate],
  ['duration', isDuration],
  ['datetime', isDateTime],
]);

/** Dash-free form of a format name, as the format registry compares them. */
export function normalizeFormat(format: string): string {
  return format.replaceAll('-', '');
}

/** True when CR validation enforces `format` (it survives upstream's allow-list filter). */
export function isEnforcedFormat(format: string): boolean {
  return format !== '' && CHECKS.has(normalizeFormat(format));
}

/** Checks a string against an enforced format; unknown formats always pass. */
export function matchesFormat(format: string, value: string): boolean {
  const check = CHECKS.get(normalizeFormat(format));
  return check === undefined || check(value);
}
