/**
 * Go's net/url.Parse, as far as kube-apiserver's validation looks at its result: webhook URLs
 * (k8s.io/apiserver/pkg/util/webhook.ValidateWebhookURL) are judged on the scheme, host, user
 * info, fragment and raw query Go finds, and on Go's parse errors, whose text reaches the client.
 * WHATWG URL parsing (`new URL`) disagrees with Go on exactly the inputs validation cares about
 * (`example.com/x` has no scheme and no host for Go; `https:///x` has an empty host), so this
 * follows the Go 1.23 algorithm instead.
 */
import { goQuote } from './go-format.js';

export interface GoUserinfo {
  readonly username: string;
  /** Present only when the user info had a ':' (Go's passwordSet). */
  readonly password?: string;
}

export interface GoURL {
  /** Lower-cased, as Go stores it. */
  readonly scheme: string;
  /** A rootless path after the scheme (`mailto:x`): Go keeps it opaque and sets no host. */
  readonly opaque: string;
  readonly user?: GoUserinfo;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

export type GoURLResult = { readonly ok: true; readonly url: GoURL } | { readonly ok: false; readonly error: string };

type Mode = 'path' | 'host' | 'userPassword' | 'fragment';

/** Go's url.Error text: `parse "<url>": <cause>`. */
function fail(url: string, cause: string): GoURLResult {
  return { ok: false, error: `parse ${goQuote(url)}: ${cause}` };
}

const isHex = (c: string): boolean => /^[0-9A-Fa-f]$/.test(c);
const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** Go's shouldEscape for the modes used here (ASCII characters only). */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === 'host' && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case 'userPassword':
        return c === '@' || c === '/' || c === '?' || c === ':';
      case 'fragment':
        return false;
      case 'path':
        return c === '?';
      default:
        break;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

/** Go's unescape: checks every escape (and, for hosts, every character), then decodes %XX bytes. */
function unescape(s: string, mode: Mode): { ok: true; value: string } | { ok: false; error: string } {
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1] as string) || !isHex(s[i + 2] as string)) {
        return { ok: false, error: `invalid URL escape ${goQuote(s.slice(i, i + 3))}` };
      }
      // In a host, %-escapes may only encode non-ASCII bytes, except %25 (RFC 6874 zone identifiers).
      if (mode === 'host' && parseInt(s[i + 1] as string, 16) < 8 && s.slice(i, i + 3) !== '%25') {
        return { ok: false, error: `invalid URL escape ${goQuote(s.slice(i, i + 3))}` };
      }
      i += 3;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) return { ok: false, error: `invalid character ${goQuote(c)} in host name` };
    i++;
  }
  if (!s.includes('%')) return { ok: true, value: s };
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    bytes.push(...Buffer.from(ch, 'utf8'));
    i += ch.length;
  }
  return { ok: true, value: Buffer.from(bytes).toString('utf8') };
}

/** Go's escape for user names and passwords (Userinfo.String()). */
function escapeUserPassword(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch.length === 1 && ch.charCodeAt(0) < 0x80 && !shouldEscape(ch, 'userPassword')) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's Userinfo.String(): the escaped user name, then `:password` when one was given. */
export function goUserinfoString(u: GoUserinfo): string {
  return u.password === undefined ? escapeUserPassword(u.username) : `${escapeUserPassword(u.username)}:${escapeUserPassword(u.password)}`;
}

/** Go's getScheme: a leading [A-Za-z][A-Za-z0-9+.-]* followed by ':'; anything else means no scheme. */
function getScheme(raw: string): { ok: true; scheme: string; rest: string } | { ok: false; error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return { ok: true, scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) return { ok: false, error: 'missing protocol scheme' };
      return { ok: true, scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { ok: true, scheme: '', rest: raw };
  }
  return { ok: true, scheme: '', rest: raw };
}

const validOptionalPort = (port: string): boolean => port === '' || /^:[0-9]*$/.test(port);

function parseHost(host: string): { ok: true; value: string } | { ok: false; error: string } {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) return { ok: false, error: "missing ']' in host" };
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) return { ok: false, error: `invalid port ${goQuote(colonPort)} after host` };
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) return { ok: false, error: `invalid port ${goQuote(colonPort)} after host` };
    }
  }
  return unescape(host, 'host');
}

const USERINFO_RE = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseAuthority(authority: string): { ok: true; user?: GoUserinfo; host: string } | { ok: false; error: string } {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (!host.ok) return host;
  if (at < 0) return { ok: true, host: host.value };
  const userinfo = authority.slice(0, at);
  if (!USERINFO_RE.test(userinfo)) return { ok: false, error: 'net/url: invalid userinfo' };
  const colon = userinfo.indexOf(':');
  const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), 'userPassword');
  if (!username.ok) return username;
  if (colon < 0) return { ok: true, user: { username: username.value }, host: host.value };
  const password = unescape(userinfo.slice(colon + 1), 'userPassword');
  if (!password.ok) return password;
  return { ok: true, user: { username: username.value, password: password.value }, host: host.value };
}

/** url.Parse(raw). */
export function parseGoURL(raw: string): GoURLResult {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);

  // parse(u, viaRequest=false)
  if (/[\x00-\x1f\x7f]/.test(u)) return fail(u, 'net/url: invalid control character in URL');
  let url: { scheme: string; opaque: string; user?: GoUserinfo; host: string; path: string; rawQuery: string; fragment: string };
  if (u === '*') url = { scheme: '', opaque: '', host: '', path: '*', rawQuery: '', fragment: '' };
  else {
    const s = getScheme(u);
    if (!s.ok) return fail(u, s.error);
    const scheme = s.scheme.toLowerCase();
    let rest = s.rest;
    let rawQuery = '';
    if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
    else {
      const q = rest.indexOf('?');
      if (q >= 0) {
        rawQuery = rest.slice(q + 1);
        rest = rest.slice(0, q);
      }
    }
    url = { scheme, opaque: '', host: '', path: '', rawQuery, fragment: '' };
    let opaque = false;
    if (!rest.startsWith('/')) {
      if (scheme !== '') {
        url.opaque = rest;
        opaque = true;
      } else {
        const slash = rest.indexOf('/');
        const segment = slash < 0 ? rest : rest.slice(0, slash);
        if (segment.includes(':')) return fail(u, 'first path segment in URL cannot contain colon');
      }
    }
    if (!opaque) {
      if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
        let authority = rest.slice(2);
        rest = '';
        const slash = authority.indexOf('/');
        if (slash >= 0) {
          rest = authority.slice(slash);
          authority = authority.slice(0, slash);
        }
        const a = parseAuthority(authority);
        if (!a.ok) return fail(u, a.error);
        url.host = a.host;
        if (a.user) url.user = a.user;
      }
      const p = unescape(rest, 'path');
      if (!p.ok) return fail(u, p.error);
      url.path = p.value;
    }
  }

  if (frag !== '') {
    const f = unescape(frag, 'fragment');
    if (!f.ok) return fail(raw, f.error);
    url.fragment = f.value;
  }
  return { ok: true, url };
}
