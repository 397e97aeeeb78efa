/**
 * Brings the host's links, routes, neighbours and forwarding entries to an OverlayPlan:
 * `observe` reads them (`ip -j`, `bridge -j`), `overlayCommands` (pure) lists the `ip`/`bridge`
 * commands that close the gap, `apply` runs them and rewrites the masquerade chains. Only what
 * the overlay owns is changed or removed: the vxlan device and what hangs off it, and routes to
 * other nodes' pod CIDRs (inside the cluster CIDR, but not this node's) on the device or uplink.
 * `cleanup` removes all of it.
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import { isJsonObject } from '../../api/object.js';
import { chainsInSave, rulesInSave, type IptablesRunner } from '../../proxy/iptables.js';
import type { OverlayConfig, OverlayPlan } from './overlay-plan.js';

export interface IpRunner {
  /** Runs `ip` or `bridge`; resolves with stdout, rejects with stderr in the message. */
  run(command: 'ip' | 'bridge', args: readonly string[]): Promise<string>;
}

export class ExecIpRunner implements IpRunner {
  readonly #prefix: readonly string[];
  readonly #log: Logger;

  /** `prefix`: e.g. `['ip', 'netns', 'exec', 'name']` to act inside a network namespace. */
  constructor(options: { prefix?: readonly string[]; logger: Logger }) {
    this.#prefix = options.prefix ?? [];
    this.#log = options.logger;
  }

  run(command: 'ip' | 'bridge', args: readonly string[]): Promise<string> {
    const full = [...this.#prefix, command, ...args];
    this.#log.debug({ cmd: full.join(' ') }, 'network command');
    return new Promise((resolve, reject) => {
      execFile(full[0], full.slice(1), { timeout: 20_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || err.message}`, { cause: err }));
        else resolve(stdout);
      });
    });
  }
}

export interface ObservedLink {
  readonly name: string;
  readonly mtu: number;
  readonly mac: string;
  readonly up: boolean;
  readonly kind?: string;
  readonly vni?: number;
  readonly port?: number;
  readonly local?: string;
  readonly uplink?: string;
  readonly learning?: boolean;
}

export interface ObservedState {
  readonly links: readonly ObservedLink[];
  /** IPv4 addresses (`a.b.c.d/len`) of the overlay device. */
  readonly deviceAddresses: readonly string[];
  readonly routes: readonly { dst: string; via?: string; dev: string; onlink: boolean; protocol?: string }[];
  readonly neighbors: readonly { ip: string; mac?: string; permanent: boolean }[];
  readonly fdb: readonly { mac: string; dst?: string }[];
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function parseLinks(json: unknown): ObservedLink[] {
  return arr(json)
    .filter(isJsonObject)
    .map((l) => {
      const info = isJsonObject(l.linkinfo) ? l.linkinfo : {};
      const data = isJsonObject(info.info_data) ? info.info_data : {};
      return {
        name: str(l.ifname) ?? '',
        mtu: typeof l.mtu === 'number' ? l.mtu : 0,
        mac: (str(l.address) ?? '').toLowerCase(),
        up: arr(l.flags).includes('UP'),
        kind: str(info.info_kind),
        vni: typeof data.id === 'number' ? data.id : undefined,
        port: typeof data.port === 'number' ? data.port : undefined,
        local: str(data.local),
        uplink: str(data.link),
        learning: typeof data.learning === 'boolean' ? data.learning : undefined,
      };
    });
}

async function json(ip: IpRunner, command: 'ip' | 'bridge', args: string[]): Promise<unknown> {
  const out = (await ip.run(command, args)).trim();
  return out ? (JSON.parse(out) as unknown) : [];
}

export async function observe(ip: IpRunner, device: string): Promise<ObservedState> {
  const links = parseLinks(await json(ip, 'ip', ['-j', '-d', 'link', 'show']));
  const routes = arr(await json(ip, 'ip', ['-j', 'route', 'show']))
    .filter(isJsonObject)
    .map((r) => ({ dst: str(r.dst) ?? '', via: str(r.gateway), dev: str(r.dev) ?? '', onlink: arr(r.flags).includes('onlink'), protocol: str(r.protocol) }));
  if (!links.some((l) => l.name === device)) return { links, deviceAddresses: [], routes, neighbors: [], fdb: [] };
  const addrs = arr(await json(ip, 'ip', ['-j', 'addr', 'show', 'dev', device]))
    .filter(isJsonObject)
    .flatMap((l) => arr(l.addr_info).filter(isJsonObject))
    .filter((a) => a.family === 'inet')
    .map((a) => `${str(a.local)}/${String(a.prefixlen)}`);
  const neighbors = arr(await json(ip, 'ip', ['-j', 'neigh', 'show', 'dev', device]))
    .filter(isJsonObject)
    .map((n) => ({ ip: str(n.dst) ?? '', mac: str(n.lladdr)?.toLowerCase(), permanent: arr(n.state).includes('PERMANENT') }));
  const fdb = arr(await json(ip, 'bridge', ['-j', 'fdb', 'show', 'dev', device]))
    .filter(isJsonObject)
    .map((f) => ({ mac: (str(f.mac) ?? '').toLowerCase(), dst: str(f.dst) }));
  return { links, deviceAddresses: addrs, routes, neighbors, fdb };
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const num = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(num(ip) / size) === Math.floor(num(base) / size);
}

/** A route to another node's pod range: inside the cluster CIDR, not this node's, narrower than the cluster CIDR. */
function isPeerRoute(dst: string, clusterCidr: string, ownPodCidr: string | undefined): boolean {
  if (!dst.includes('/')) return false;
  const [ip, bits] = dst.split('/');
  return Number(bits) > Number(clusterCidr.split('/')[1]) && inCidr(ip, clusterCidr) && dst !== ownPodCidr;
}

/** The commands that bring `observed` to `plan` (each an argv for `ip` or `bridge`). */
export function overlayCommands(config: OverlayConfig, plan: OverlayPlan, observed: ObservedState, ownPodCidr: string | undefined): { command: 'ip' | 'bridge'; args: string[] }[] {
  const out: { command: 'ip' | 'bridge'; args: string[] }[] = [];
  const ip = (...args: string[]) => out.push({ command: 'ip', args });
  const device = config.device ?? 'flannel.1';
  const link = plan.link;
  const current = observed.links.find((l) => l.name === device);
  let fresh = false;
  if (link) {
    const matches = current && current.kind === 'vxlan' && current.vni === link.vni && current.port === link.port && current.local === link.local && current.uplink === link.uplink && current.mac === link.mac && current.learning === false;
    if (current && !matches) ip('link', 'del', device);
    if (!matches) {
      ip('link', 'add', device, 'address', link.mac, 'mtu', String(link.mtu), 'type', 'vxlan', 'id', String(link.vni), 'local', link.local, 'dev', link.uplink, 'dstport', String(link.port), 'nolearning');
      fresh = true;
    } else if (current.mtu !== link.mtu) ip('link', 'set', device, 'mtu', String(link.mtu));
    if (fresh || !current?.up) ip('link', 'set', device, 'up');
    const addresses = fresh ? [] : observed.deviceAddresses;
    if (!addresses.includes(link.address)) ip('addr', 'replace', link.address, 'dev', device);
    for (const a of addresses) if (a !== link.address) ip('addr', 'del', a, 'dev', device);
  } else if (current && config.backend === 'host-gw') {
    ip('link', 'del', device);
  }

  const deviceGone = !link && current !== undefined && config.backend === 'host-gw';
  const want = new Map(plan.routes.map((r) => [r.dst, r]));
  for (const r of observed.routes) {
    if (!isPeerRoute(r.dst, config.clusterCidr, ownPodCidr)) continue;
    if (r.dev !== device && r.dev !== config.uplink) continue;
    if (r.dev === device && (fresh || deviceGone)) continue; // went away with the device
    const w = want.get(r.dst);
    if (w && w.dev === r.dev && w.via === r.via && w.onlink === r.onlink) {
      want.delete(r.dst);
      continue;
    }
    if (!w || w.dev !== r.dev) ip('route', 'del', r.dst, 'dev', r.dev);
  }
  for (const r of want.values()) ip('route', 'replace', r.dst, 'via', r.via, 'dev', r.dev, ...(r.onlink ? ['onlink'] : []));

  if (link) {
    const neighbors = fresh ? [] : observed.neighbors;
    const wantNeigh = new Map(plan.neighbors.map((n) => [n.ip, n]));
    for (const n of neighbors) {
      const w = wantNeigh.get(n.ip);
      if (w && w.mac === n.mac && n.permanent) wantNeigh.delete(n.ip);
      else if (!w) ip('neigh', 'del', n.ip, 'dev', device);
    }
    for (const n of wantNeigh.values()) ip('neigh', 'replace', n.ip, 'lladdr', n.mac, 'dev', device, 'nud', 'permanent');

    const fdb = fresh ? [] : observed.fdb.filter((f) => f.dst !== undefined);
    const wantFdb = new Map(plan.fdb.map((f) => [`${f.mac} ${f.dst}`, f]));
    for (const f of fdb) {
      const key = `${f.mac} ${f.dst}`;
      if (wantFdb.has(key)) wantFdb.delete(key);
      else out.push({ command: 'bridge', args: ['fdb', 'del', f.mac, 'dev', device, 'dst', f.dst as string, 'self'] });
    }
    for (const f of wantFdb.values()) out.push({ command: 'bridge', args: ['fdb', 'replace', f.mac, 'dev', device, 'dst', f.dst, 'self', 'permanent'] });
  }
  return out;
}

const MASQ_JUMP = { table: 'nat', from: 'POSTROUTING', to: 'FLANNEL-POSTRTG', args: '-m comment --comment "flanneld masq"', comment: 'flanneld masq' } as const;
const FWD_JUMP = { table: 'filter', from: 'FORWARD', to: 'FLANNEL-FWD', args: '-m comment --comment "flanneld forward"', comment: 'flanneld forward' } as const;

/**
 * Where the jump goes: before Docker's rules (its FORWARD chain drops traffic into a bridge that
 * it did not publish), but after kube-proxy's jumps, which must see new connections first (a
 * Service without endpoints is REJECTed in filter KUBE-SERVICES; flannel's accept of the whole
 * cluster range would let the packet past to the default route). 1-based.
 */
export function jumpPosition(existing: readonly string[]): number {
  let last = -1;
  existing.forEach((l, i) => {
    if (/ -j KUBE-[A-Z-]+$/.test(l)) last = i;
  });
  return last + 2;
}

export interface OverlayReconcilerConfig {
  readonly ip: IpRunner;
  readonly iptables: IptablesRunner;
  readonly logger: Logger;
}

export class OverlayReconciler {
  readonly #c: OverlayReconcilerConfig;

  constructor(config: OverlayReconcilerConfig) {
    this.#c = config;
  }

  /** Brings the host to the plan; returns how many ip/bridge commands it ran. */
  async apply(config: OverlayConfig, plan: OverlayPlan, ownPodCidr: string | undefined): Promise<number> {
    const device = config.device ?? 'flannel.1';
    const observed = await observe(this.#c.ip, device);
    const commands = overlayCommands(config, plan, observed, ownPodCidr);
    for (const c of commands) await this.#c.ip.run(c.command, c.args);
    if (commands.length > 0) this.#c.logger.debug({ commands: commands.length }, 'overlay network programmed');
    await this.#masquerade(plan);
    return commands.length;
  }

  async #masquerade(plan: OverlayPlan): Promise<void> {
    if (plan.masquerade.nat.length === 0) return;
    const sections: string[] = [];
    for (const [table, rules, jump] of [
      ['nat', plan.masquerade.nat, MASQ_JUMP],
      ['filter', plan.masquerade.filter, FWD_JUMP],
    ] as const) {
      const save = await this.#c.iptables.save(table);
      const existing = rulesInSave(save, jump.from);
      const present = existing.some((l) => l.endsWith(` -j ${jump.to}`) && l.includes(jump.comment));
      const lines = [`*${table}`, `:${jump.to} - [0:0]`, ...rules];
      if (!present) lines.push(`-I ${jump.from} ${jumpPosition(existing)} ${jump.args} -j ${jump.to}`);
      lines.push('COMMIT', '');
      sections.push(lines.join('\n'));
    }
    await this.#c.iptables.restore(sections.join(''));
  }

  /** Removes the device, the peer routes and the masquerade chains. */
  async cleanup(config: OverlayConfig, ownPodCidr: string | undefined): Promise<void> {
    const device = config.device ?? 'flannel.1';
    const observed = await observe(this.#c.ip, device);
    if (observed.links.some((l) => l.name === device)) await this.#c.ip.run('ip', ['link', 'del', device]);
    for (const r of observed.routes) {
      if (r.dev === config.uplink && isPeerRoute(r.dst, config.clusterCidr, ownPodCidr)) await this.#c.ip.run('ip', ['route', 'del', r.dst, 'dev', r.dev]);
    }
    const sections: string[] = [];
    for (const jump of [MASQ_JUMP, FWD_JUMP]) {
      const save = await this.#c.iptables.save(jump.table);
      const jumps = rulesInSave(save, jump.from)
        .filter((l) => l.endsWith(` -j ${jump.to}`))
        .map((l) => `-D ${l.slice(3)}`);
      const exists = chainsInSave(save).has(jump.to);
      if (!exists && jumps.length === 0) continue;
      sections.push([`*${jump.table}`, ...(exists ? [`:${jump.to} - [0:0]`] : []), ...jumps, ...(exists ? [`-X ${jump.to}`] : []), 'COMMIT', ''].join('\n'));
    }
    if (sections.length > 0) await this.#c.iptables.restore(sections.join(''));
  }
}
