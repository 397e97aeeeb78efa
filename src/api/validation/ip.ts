/**
 * IP and CIDR parsing with the semantics of k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy
 * (Go's pre-1.17 parser): IPv4 octets may carry leading zeros (read as decimal), IPv6 zones are
 * rejected, IPv4-mapped IPv6 addresses count as IPv4.
 */

/** A parsed address: always 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
export type IPBytes = Uint8Array;

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return null;
    const n = Number.parseInt(p, 10);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | null {
  if (s.includes('%')) return null;
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const bytes: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return null;
        bytes.push(...v4);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      const n = Number.parseInt(g, 16);
      bytes.push(n >> 8, n & 0xff);
    }
    return bytes;
  };
  if (dbl < 0) {
    const all = parseGroups(s, true);
    return all && all.length === 16 ? all : null;
  }
  const h = parseGroups(head, false);
  const t = parseGroups(tail, true);
  if (!h || !t) return null;
  const fill = 16 - h.length - t.length;
  if (fill < 2) return null;
  return [...h, ...new Array<number>(fill).fill(0), ...t];
}

/** Parses an IPv4 or IPv6 address; null when invalid. */
export function parseIP(s: string): IPBytes | null {
  if (s.includes(':')) {
    const b = parseV6(s);
    return b ? Uint8Array.from(b) : null;
  }
  const v4 = parseV4(s);
  return v4 ? Uint8Array.from([...V4_PREFIX, ...v4]) : null;
}

/** True for an IPv4 address (including IPv4-mapped IPv6), as Go's To4() != nil. */
export function isV4(ip: IPBytes): boolean {
  for (let i = 0; i < 12; i++) if (ip[i] !== V4_PREFIX[i]) return false;
  return true;
}

export interface ParsedCIDR {
  readonly ip: IPBytes;
  /** Prefix length in the address family's own bit count (0..32 for IPv4, 0..128 for IPv6). */
  readonly prefix: number;
  readonly v4: boolean;
}

/** Parses `addr/prefix`; null when invalid. */
export function parseCIDR(s: string): ParsedCIDR | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(bits)) return null;
  const ip = parseIP(addr);
  if (!ip) return null;
  const v4 = !addr.includes(':');
  const prefix = Number.parseInt(bits, 10);
  if (prefix > (v4 ? 32 : 128)) return null;
  return { ip, prefix, v4 };
}

/** The address family of a CIDR string's address part, or undefined when it does not parse. */
export function cidrIsV4(s: string): boolean | undefined {
  const c = parseCIDR(s);
  return c ? c.v4 : undefined;
}

/** True when `inner` lies inside `outer` (same family; network bits of outer match). */
export function cidrContainsIP(outer: ParsedCIDR, ip: IPBytes): boolean {
  const bits = outer.v4 ? outer.prefix + 96 : outer.prefix;
  for (let i = 0; i < 128; i++) {
    if (i >= bits) return true;
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((outer.ip[byte] & mask) !== (ip[byte] & mask)) return false;
  }
  return true;
}

export function isUnspecified(ip: IPBytes): boolean {
  if (isV4(ip)) return ip[12] === 0 && ip[13] === 0 && ip[14] === 0 && ip[15] === 0;
  return ip.every((b) => b === 0);
}

export function isLoopback(ip: IPBytes): boolean {
  if (isV4(ip)) return ip[12] === 127;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false;
  return ip[15] === 1;
}

export function isLinkLocalUnicast(ip: IPBytes): boolean {
  if (isV4(ip)) return ip[12] === 169 && ip[13] === 254;
  return ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80;
}

export function isLinkLocalMulticast(ip: IPBytes): boolean {
  if (isV4(ip)) return ip[12] === 224 && ip[13] === 0 && ip[14] === 0;
  return ip[0] === 0xff && (ip[1] & 0x0f) === 0x02;
}
