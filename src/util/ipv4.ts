/** IPv4 addresses and CIDRs as unsigned 32-bit numbers (Service and pod address ranges). */

/** An IPv4 CIDR as numbers: its first address and how many addresses it spans. */
export interface Ipv4Range {
  readonly base: number;
  readonly size: number;
  readonly text: string;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function formatIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Ipv4Range {
  const [ip, bitsText] = text.split('/');
  const addr = parseIpv4(ip ?? '');
  const bits = Number(bitsText);
  if (addr === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(text)} (lite needs a prefix between /8 and /30)`);
  const size = 2 ** (32 - bits);
  const base = addr - (addr % size);
  return { base, size, text };
}

/** The n-th address of a CIDR (1 = the API server's Service, 10 = cluster DNS). */
export function nthAddress(cidr: string, n: number): string {
  const r = parseCidr(cidr);
  return formatIpv4(r.base + n);
}
