/**
 * ClusterIP and NodePort allocation for Services (upstream: the service REST storage's
 * allocators plus their repair loops). Allocations live in memory, rebuilt from the stored
 * Services at start and by `repair()`; an allocation made for a create that then failed is
 * reclaimed by the next repair after a grace period.
 */
import { ApiError, type FieldError } from '../api/errors.js';
import { isJsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Clock } from '../util/clock.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import type { WriteOperation } from '../registry/object-lifecycle.js';
import { formatIpv4, parseCidr, parseIpv4, type Ipv4Range } from '../util/ipv4.js';

export interface ServiceAllocatorConfig {
  /** IPv4 CIDR of the service network, e.g. 10.43.0.0/16. */
  readonly serviceCidr: string;
  readonly nodePortRange: readonly [number, number];
  readonly clock: Clock;
  /** Allocations younger than this are kept by repair even if no stored Service uses them. */
  readonly pendingGraceMs?: number;
}

const SERVICE_FIELD = 'spec.clusterIPs';

export class ServiceAllocator implements AdmissionPlugin {
  readonly name = 'ServiceAllocation';
  readonly #range: Ipv4Range;
  readonly #ports: readonly [number, number];
  readonly #clock: Clock;
  readonly #grace: number;
  /** address → time allocated (ms); committed allocations have time 0. */
  readonly #ips = new Map<number, number>();
  readonly #nodePorts = new Map<number, number>();

  constructor(config: ServiceAllocatorConfig) {
    this.#range = parseCidr(config.serviceCidr);
    this.#ports = config.nodePortRange;
    this.#clock = config.clock;
    this.#grace = config.pendingGraceMs ?? 60_000;
  }

  handles(def: ResourceDef): boolean {
    return def.group === '' && def.kind === 'Service';
  }

  /** Replaces the allocation state with what stored Services use (plus recent pending ones). */
  repair(services: readonly KubeObject[]): void {
    const now = this.#clock.now();
    const keep = (m: Map<number, number>) => {
      for (const [k, t] of m) if (t === 0 || now - t > this.#grace) m.delete(k);
    };
    keep(this.#ips);
    keep(this.#nodePorts);
    for (const svc of services) {
      for (const ip of clusterIps(svc)) {
        const n = parseIpv4(ip);
        if (n !== undefined) this.#ips.set(n, 0);
      }
      for (const p of nodePorts(svc)) this.#nodePorts.set(p, 0);
    }
  }

  admit(req: AdmissionRequest): void {
    if (req.operation === 'delete') return;
    const svc = req.object;
    const spec = ensureSpec(svc);
    const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
    const old = req.old;
    const oldSpec = old && isJsonObject(old.spec) ? old.spec : undefined;
    const errors: FieldError[] = [];

    if (type === 'ExternalName') {
      // An ExternalName service has no cluster IP (a leftover one is released after commit).
      if (oldSpec && (spec.clusterIP === oldSpec.clusterIP || spec.clusterIP === undefined)) {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
    } else {
      const requested = requestedIp(spec);
      if (requested === undefined && oldSpec && typeof oldSpec.clusterIP === 'string' && oldSpec.clusterIP !== '') {
        // Updates that omit the allocated address keep it (kubectl apply/replace of a manifest).
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = Array.isArray(oldSpec.clusterIPs) ? [...oldSpec.clusterIPs] : [oldSpec.clusterIP];
      } else if (requested === 'None') {
        spec.clusterIP = 'None';
        spec.clusterIPs = ['None'];
      } else if (requested === undefined) {
        const ip = this.#allocateIp();
        if (ip === undefined) throw ApiError.internal(`failed to allocate a serviceIP: range is full (${this.#range.text})`);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      } else if (!oldSpec || oldSpec.clusterIP !== requested) {
        const problem = this.#claimIp(requested);
        if (problem) errors.push({ type: 'FieldValueInvalid', field: SERVICE_FIELD, value: [requested], detail: `failed to allocate IP ${requested}: ${problem}` });
        spec.clusterIP = requested;
        spec.clusterIPs = [requested];
      }
      // Headless services get their families too (upstream: from the policy and the cluster's
      // service CIDRs; lite's service network is IPv4 only).
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }

    const wantsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    const oldPorts = oldSpec && Array.isArray(oldSpec.ports) ? oldSpec.ports : [];
    ports.forEach((p, i) => {
      if (!isJsonObject(p)) return;
      if (!wantsNodePorts) {
        // A type change away from NodePort drops the node ports it had (upstream
        // dropTypeDependentFields); a nodePort the user sets is left for validation to refuse.
        const previous = oldPorts.find((o) => isJsonObject(o) && o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (isJsonObject(previous) && previous.nodePort !== undefined && previous.nodePort === p.nodePort) delete p.nodePort;
        return;
      }
      const given = typeof p.nodePort === 'number' && p.nodePort !== 0 ? p.nodePort : undefined;
      const previous = oldPorts.find((o) => isJsonObject(o) && o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      const prevNodePort = isJsonObject(previous) && typeof previous.nodePort === 'number' ? previous.nodePort : undefined;
      if (given === undefined) {
        if (prevNodePort !== undefined) p.nodePort = prevNodePort;
        else {
          const port = this.#allocatePort();
          if (port === undefined) throw ApiError.internal(`failed to allocate a nodePort: range is full (${this.#ports[0]}-${this.#ports[1]})`);
          p.nodePort = port;
        }
      } else if (given !== prevNodePort && !oldPorts.some((o) => isJsonObject(o) && o.nodePort === given)) {
        const problem = this.#claimPort(given);
        if (problem) errors.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: given, detail: problem });
      }
    });
    if (errors.length) throw ApiError.invalid({ group: '', kind: 'Service' }, svc.metadata.name ?? '', errors);
  }

  committed(operation: WriteOperation, object: KubeObject, old: KubeObject | undefined): void {
    const nowIps = operation === 'delete' ? [] : clusterIps(object);
    const nowPorts = operation === 'delete' ? [] : nodePorts(object);
    for (const ip of nowIps) {
      const n = parseIpv4(ip);
      if (n !== undefined) this.#ips.set(n, 0);
    }
    for (const p of nowPorts) this.#nodePorts.set(p, 0);
    const before = operation === 'create' ? undefined : old ?? object;
    if (!before) return;
    for (const ip of clusterIps(before)) {
      const n = parseIpv4(ip);
      if (n !== undefined && !nowIps.includes(ip)) this.#ips.delete(n);
    }
    for (const p of nodePorts(before)) if (!nowPorts.includes(p)) this.#nodePorts.delete(p);
  }

  abandoned(_operation: WriteOperation, object: KubeObject, old: KubeObject | undefined): void {
    // Release what admission reserved for this write and the stored object does not hold.
    const keepIps = new Set(old ? clusterIps(old) : []);
    const keepPorts = new Set(old ? nodePorts(old) : []);
    for (const ip of clusterIps(object)) {
      const n = parseIpv4(ip);
      if (n !== undefined && !keepIps.has(ip) && (this.#ips.get(n) ?? 0) !== 0) this.#ips.delete(n);
    }
    for (const p of nodePorts(object)) if (!keepPorts.has(p) && (this.#nodePorts.get(p) ?? 0) !== 0) this.#nodePorts.delete(p);
  }

  #allocateIp(): string | undefined {
    // Random probing from the upper part of the range (the first 16 addresses are left for
    // well-known services such as .1 the API server and .10 DNS), then a full scan.
    const low = Math.min(16, this.#range.size - 2);
    const span = this.#range.size - 1 - low;
    for (let i = 0; i < 64; i++) {
      const n = this.#range.base + low + Math.floor(Math.random() * span);
      if (!this.#ips.has(n)) {
        this.#ips.set(n, this.#clock.now());
        return formatIpv4(n);
      }
    }
    for (let off = 1; off < this.#range.size - 1; off++) {
      const n = this.#range.base + off;
      if (!this.#ips.has(n)) {
        this.#ips.set(n, this.#clock.now());
        return formatIpv4(n);
      }
    }
    return undefined;
  }

  #claimIp(text: string): string | undefined {
    const n = parseIpv4(text);
    if (n === undefined) return 'provided IP is not a valid IPv4 address';
    if (n <= this.#range.base || n >= this.#range.base + this.#range.size - 1) return `provided IP is not in the valid range. The range of valid IPs is ${this.#range.text}`;
    if (this.#ips.has(n)) return 'provided IP is already allocated';
    this.#ips.set(n, this.#clock.now());
    return undefined;
  }

  #allocatePort(): number | undefined {
    const [lo, hi] = this.#ports;
    const span = hi - lo + 1;
    for (let i = 0; i < 64; i++) {
      const p = lo + Math.floor(Math.random() * span);
      if (!this.#nodePorts.has(p)) {
        this.#nodePorts.set(p, this.#clock.now());
        return p;
      }
    }
    for (let p = lo; p <= hi; p++) {
      if (!this.#nodePorts.has(p)) {
        this.#nodePorts.set(p, this.#clock.now());
        return p;
      }
    }
    return undefined;
  }

  #claimPort(port: number): string | undefined {
    const [lo, hi] = this.#ports;
    if (port < lo || port > hi) return `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`;
    if (this.#nodePorts.has(port)) return 'provided port is already allocated';
    this.#nodePorts.set(port, this.#clock.now());
    return undefined;
  }
}

function ensureSpec(svc: KubeObject): Record<string, unknown> & { ports?: unknown } {
  if (!isJsonObject(svc.spec)) svc.spec = {};
  return svc.spec as Record<string, unknown>;
}

function requestedIp(spec: Record<string, unknown>): string | undefined {
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '') return spec.clusterIP;
  if (Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string' && spec.clusterIPs[0] !== '') return spec.clusterIPs[0];
  return undefined;
}

function clusterIps(svc: KubeObject): string[] {
  const spec = isJsonObject(svc.spec) ? svc.spec : undefined;
  if (!spec) return [];
  const out = new Set<string>();
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None') out.add(spec.clusterIP);
  if (Array.isArray(spec.clusterIPs)) for (const ip of spec.clusterIPs) if (typeof ip === 'string' && ip !== 'None' && ip !== '') out.add(ip);
  return [...out];
}

function nodePorts(svc: KubeObject): number[] {
  const spec = isJsonObject(svc.spec) ? svc.spec : undefined;
  if (!spec || !Array.isArray(spec.ports)) return [];
  const out: number[] = [];
  for (const p of spec.ports) if (isJsonObject(p) && typeof p.nodePort === 'number' && p.nodePort > 0) out.push(p.nodePort);
  return out;
}
