/**
 * The routing table of lite's ingress controller: which Service port a request goes to, from the
 * networking.k8s.io/v1 Ingresses of its class, with the matching rules the Ingress API documents:
 *
 *  - a rule's host matches the request's Host exactly, or as a wildcard (`*.example.com` matches
 *    `foo.example.com`, not `example.com` nor `a.b.example.com`); a rule without a host matches
 *    every host. Exact hosts are tried first, then wildcards, then host-less rules;
 *  - within them, an `Exact` path matches only itself; `Prefix` (and `ImplementationSpecific`,
 *    treated as Prefix as Traefik does) matches whole path elements (`/foo` matches `/foo`,
 *    `/foo/` and `/foo/bar`, not `/foobar`); Exact beats Prefix, the longest prefix wins, and
 *    between equal paths of different Ingresses the oldest Ingress wins;
 *  - with no rule matching, the `defaultBackend` of the oldest Ingress that has one answers.
 *
 * TLS: `spec.tls[].hosts` name the hosts a `kubernetes.io/tls` Secret (in the Ingress's
 * namespace) serves; the oldest Ingress naming a host wins. Resource backends are not supported
 * (such paths are skipped).
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';

export interface IngressBackend {
  readonly namespace: string;
  readonly service: string;
  /** The Service port: its number, or its name. */
  readonly port: number | string;
  /** The Ingress the route came from (`namespace/name`), for logs and errors. */
  readonly ingress: string;
}

export interface TlsSecretRef {
  readonly namespace: string;
  readonly name: string;
}

type PathType = 'Exact' | 'Prefix';

interface PathRoute {
  readonly type: PathType;
  /** Exact: the path; Prefix: the path without a trailing slash ('' for "/"). */
  readonly path: string;
  readonly backend: IngressBackend;
  /** Age order of the Ingress (smaller is older). */
  readonly rank: number;
}

function obj(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function list(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

/** The class an Ingress asks for: spec.ingressClassName, else the legacy annotation. */
export function ingressClassOf(ingress: KubeObject): string | undefined {
  const spec = obj(ingress.spec);
  if (typeof spec.ingressClassName === 'string' && spec.ingressClassName !== '') return spec.ingressClassName;
  const legacy = ingress.metadata.annotations?.['kubernetes.io/ingress.class'];
  return legacy || undefined;
}

function backendOf(namespace: string, ingress: string, b: unknown): IngressBackend | undefined {
  const service = obj(obj(b).service);
  if (typeof service.name !== 'string' || service.name === '') return undefined;
  const port = obj(service.port);
  const p = typeof port.number === 'number' && port.number > 0 ? port.number : typeof port.name === 'string' && port.name !== '' ? port.name : undefined;
  if (p === undefined) return undefined;
  return { namespace, service: service.name, port: p, ingress };
}

/** Oldest first; ties by namespace/name, so every replica of the table agrees. */
function byAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Element-wise prefix match: `/foo` matches `/foo`, `/foo/` and `/foo/bar`, not `/foobar`. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Lower-cased host without port. */
export function requestHost(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export class IngressRoutes {
  readonly #exactHosts = new Map<string, PathRoute[]>();
  /** `*.example.com` → routes, keyed by the suffix `example.com`. */
  readonly #wildcardHosts = new Map<string, PathRoute[]>();
  readonly #anyHost: PathRoute[] = [];
  #defaultBackend: IngressBackend | undefined;
  readonly #tlsExact = new Map<string, TlsSecretRef>();
  readonly #tlsWildcard = new Map<string, TlsSecretRef>();

  /** Builds the table from the Ingresses this controller serves. */
  constructor(ingresses: readonly KubeObject[]) {
    const sorted = [...ingresses].sort(byAge);
    sorted.forEach((ing, rank) => this.#add(ing, rank));
    for (const routes of [...this.#exactHosts.values(), ...this.#wildcardHosts.values(), this.#anyHost]) routes.sort(comparePathRoutes);
  }

  #add(ing: KubeObject, rank: number): void {
    const namespace = ing.metadata.namespace ?? '';
    const key = `${namespace}/${ing.metadata.name ?? ''}`;
    const spec = obj(ing.spec);
    const fallback = backendOf(namespace, key, spec.defaultBackend);
    if (fallback && !this.#defaultBackend) this.#defaultBackend = fallback;
    for (const rule of list(spec.rules)) {
      const host = typeof rule.host === 'string' ? rule.host.toLowerCase() : '';
      const target = host === '' ? this.#anyHost : host.startsWith('*.') ? getOrAdd(this.#wildcardHosts, host.slice(2)) : getOrAdd(this.#exactHosts, host);
      for (const p of list(obj(rule.http).paths)) {
        const backend = backendOf(namespace, key, p.backend);
        if (!backend) continue;
        const type: PathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path = typeof p.path === 'string' && p.path !== '' ? p.path : '/';
        target.push({ type, path: type === 'Exact' ? path : trimSlash(path), backend, rank });
      }
    }
    for (const tls of list(spec.tls)) {
      if (typeof tls.secretName !== 'string' || tls.secretName === '') continue;
      const ref = { namespace, name: tls.secretName };
      for (const h of Array.isArray(tls.hosts) ? tls.hosts : []) {
        if (typeof h !== 'string' || h === '') continue;
        const host = h.toLowerCase();
        const map = host.startsWith('*.') ? this.#tlsWildcard : this.#tlsExact;
        const k = host.startsWith('*.') ? host.slice(2) : host;
        if (!map.has(k)) map.set(k, ref);
      }
    }
  }

  /** The backend for a request, or undefined (404). */
  match(hostHeader: string | undefined, rawPath: string): IngressBackend | undefined {
    const host = requestHost(hostHeader);
    const q = rawPath.indexOf('?');
    const path = q >= 0 ? rawPath.slice(0, q) : rawPath;
    const groups = [this.#exactHosts.get(host), this.#wildcardHosts.get(wildcardSuffix(host)), this.#anyHost];
    for (const routes of groups) {
      if (!routes) continue;
      for (const r of routes) if (r.type === 'Exact' ? r.path === path : prefixMatches(r.path, path)) return r.backend;
    }
    return this.#defaultBackend;
  }

  /** The TLS Secret for an SNI host name, if an Ingress names one. */
  tlsSecretFor(serverName: string): TlsSecretRef | undefined {
    const host = serverName.toLowerCase();
    return this.#tlsExact.get(host) ?? this.#tlsWildcard.get(wildcardSuffix(host));
  }

  /** Every TLS Secret the table refers to. */
  tlsSecrets(): TlsSecretRef[] {
    const seen = new Map<string, TlsSecretRef>();
    for (const r of [...this.#tlsExact.values(), ...this.#tlsWildcard.values()]) seen.set(`${r.namespace}/${r.name}`, r);
    return [...seen.values()];
  }
}

function getOrAdd(map: Map<string, PathRoute[]>, key: string): PathRoute[] {
  let routes = map.get(key);
  if (!routes) map.set(key, (routes = []));
  return routes;
}

/** The suffix a single-label wildcard of this host would name (`a.example.com` → `example.com`). */
function wildcardSuffix(host: string): string {
  const dot = host.indexOf('.');
  return dot > 0 ? host.slice(dot + 1) : '';
}

/** Exact before Prefix; longer paths first; older Ingresses first. */
function comparePathRoutes(a: PathRoute, b: PathRoute): number {
  if (a.type !== b.type) return a.type === 'Exact' ? -1 : 1;
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  return a.rank - b.rank;
}
