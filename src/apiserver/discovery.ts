/**
 * Discovery documents, as kube-apiserver serves them (notes §2): legacy /api, /apis, /apis/<g>,
 * /api/v1, /apis/<g>/<v>, and aggregated discovery (apidiscovery.k8s.io v2 and v2beta1) for /api
 * and /apis. Documents are rebuilt only when the registry's served set changes.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../api/object.js';
import type { Registry } from '../registry/registry.js';
import type { ServedResource } from '../registry/served-resource.js';
import { compareKubeAwareVersions } from '../api/crd/index.js';

/** A group version another server serves behind an APIService (kube-aggregator). */
export interface RemoteGroupVersion {
  readonly group: string;
  readonly version: string;
  readonly groupPriorityMinimum: number;
  readonly versionPriority: number;
  readonly available: boolean;
  /** The backend's APIResourceList, once fetched. */
  readonly resourceList?: JsonObject;
  /** The backend's OpenAPI v3 document of this group version, once fetched. */
  readonly openApi?: { readonly text: string; readonly hash: string };
}

/** The aggregator's view of APIServices with a Service; `generation` changes with it. */
export interface RemoteApis {
  readonly generation: number;
  remoteGroupVersions(): readonly RemoteGroupVersion[];
}

interface MergedGroup {
  readonly name: string;
  /** Preferred first. */
  readonly versions: readonly { readonly version: string; readonly remote?: RemoteGroupVersion }[];
}

export class Discovery {
  readonly #registry: Registry;
  readonly #serverAddress: () => string;
  readonly #remote: RemoteApis | undefined;
  #cacheGeneration = '';
  #cache = new Map<string, string>();

  constructor(config: { registry: Registry; serverAddress: () => string; remote?: RemoteApis }) {
    this.#registry = config.registry;
    this.#serverAddress = config.serverAddress;
    this.#remote = config.remote;
  }

  /** Cached JSON text of a discovery document. */
  #cached(key: string, build: () => unknown): string {
    const generation = `${this.#registry.generation}/${this.#remote?.generation ?? 0}`;
    if (this.#cacheGeneration !== generation) {
      this.#cache = new Map();
      this.#cacheGeneration = generation;
    }
    let text = this.#cache.get(key);
    if (text === undefined) {
      text = JSON.stringify(build());
      this.#cache.set(key, text);
    }
    return text;
  }

  legacyApi(): string {
    return this.#cached('api', () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.#serverAddress() }],
    }));
  }

  legacyApis(): string {
    return this.#cached('apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.#groups()
        .filter((g) => g.name !== '')
        .map((g) => this.#apiGroup(g.name, g.versions.map((v) => v.version))),
    }));
  }

  /** /apis/<group>, or undefined if the group is not served. */
  apiGroup(group: string): string | undefined {
    const info = this.#groups().find((g) => g.name === group && group !== '');
    if (!info) return undefined;
    return this.#cached(`group/${group}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.#apiGroup(info.name, info.versions.map((v) => v.version)) }));
  }

  /**
   * The served groups: this server's, in registry order, with the group versions of APIServices
   * that name a Service in place of (or after) its own; then groups only APIServices serve, by
   * group priority as kube-aggregator orders them. Versions of APIServices come by version priority.
   */
  #groups(): MergedGroup[] {
    const remote = this.#remote?.remoteGroupVersions() ?? [];
    if (remote.length === 0) return this.#registry.groups().map((g) => ({ name: g.name, versions: g.versions.map((version) => ({ version })) }));
    const remoteByGroup = new Map<string, RemoteGroupVersion[]>();
    for (const r of remote) {
      const list = remoteByGroup.get(r.group) ?? [];
      list.push(r);
      remoteByGroup.set(r.group, list);
    }
    for (const list of remoteByGroup.values()) {
      list.sort((a, b) => b.versionPriority - a.versionPriority || compareKubeAwareVersions(b.version, a.version));
    }
    const merged: MergedGroup[] = [];
    for (const g of this.#registry.groups()) {
      const theirs = remoteByGroup.get(g.name) ?? [];
      remoteByGroup.delete(g.name);
      const taken = new Set(theirs.map((r) => r.version));
      merged.push({ name: g.name, versions: [...g.versions.filter((v) => !taken.has(v)).map((version) => ({ version })), ...theirs.map((r) => ({ version: r.version, remote: r }))] });
    }
    const remoteOnly = [...remoteByGroup.entries()].sort(
      ([a, av], [b, bv]) => Math.max(...bv.map((r) => r.groupPriorityMinimum)) - Math.max(...av.map((r) => r.groupPriorityMinimum)) || (a < b ? -1 : a > b ? 1 : 0),
    );
    for (const [name, versions] of remoteOnly) merged.push({ name, versions: versions.map((r) => ({ version: r.version, remote: r })) });
    return merged;
  }

  #apiGroup(name: string, versions: readonly string[]): JsonObject {
    const gv = (v: string) => ({ groupVersion: `${name}/${v}`, version: v });
    return { name, versions: versions.map(gv), preferredVersion: gv(versions[0]) };
  }

  /** /api/v1 or /apis/<g>/<v> (APIResourceList), or undefined if not served. */
  resourceList(group: string, version: string): string | undefined {
    const resources = this.#registry.resources(group, version);
    if (!resources) return undefined;
    return this.#cached(`rl/${group}/${version}`, () => {
      const list: JsonObject[] = [];
      for (const r of sortByName(resources)) {
        const d = r.def;
        const entry: JsonObject = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...d.verbs] };
        if (d.shortNames.length) entry.shortNames = [...d.shortNames];
        if (d.categories.length) entry.categories = [...d.categories];
        if (!d.virtual) entry.storageVersionHash = storageVersionHash(d.storage.group, d.storage.version, d.kind);
        list.push(entry);
        for (const s of d.subresources) {
          const sub: JsonObject = { name: `${d.plural}/${s.name}`, singularName: '', namespaced: d.namespaced, kind: s.kind?.kind ?? d.kind, verbs: [...s.verbs] };
          if (s.kind && (s.kind.group !== group || s.kind.version !== version)) {
            sub.group = s.kind.group;
            sub.version = s.kind.version;
          }
          list.push(sub);
        }
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
    });
  }

  /** Aggregated discovery for /api (core only) or /apis (named groups). */
  aggregated(which: 'api' | 'apis', version: 'v2' | 'v2beta1'): string {
    return this.#cached(`agg/${which}/${version}`, () => {
      const groups = this.#groups().filter((g) => (which === 'api' ? g.name === '' : g.name !== ''));
      const items: JsonObject[] = [];
      for (const g of groups) {
        const versions: JsonObject[] = [];
        for (const { version: v, remote } of g.versions) {
          if (!remote) {
            versions.push({ version: v, resources: sortByName(this.#registry.resources(g.name, v) ?? []).map((r) => aggregatedResource(r, g.name, v)), freshness: 'Current' });
          } else if (remote.resourceList) {
            // Upstream keeps a backend's last known resources, marked Stale while it is unavailable.
            versions.push({ version: v, resources: aggregatedFromResourceList(remote.resourceList, g.name, v), freshness: remote.available ? 'Current' : 'Stale' });
          }
        }
        if (versions.length) items.push({ metadata: { name: g.name, creationTimestamp: null }, versions });
      }
      return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
    });
  }
}

function aggregatedResource(r: ServedResource, group: string, version: string): JsonObject {
  const d = r.def;
  const out: JsonObject = {
    resource: d.plural,
    responseKind: { group, version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: [...d.verbs],
  };
  if (d.shortNames.length) out.shortNames = [...d.shortNames];
  if (d.categories.length) out.categories = [...d.categories];
  if (d.subresources.length) {
    out.subresources = d.subresources.map((s) => ({
      subresource: s.name,
      responseKind: s.kind ? { group: s.kind.group, version: s.kind.version, kind: s.kind.kind } : { group, version, kind: d.kind },
      verbs: [...s.verbs],
    }));
  }
  return out;
}

/** A backend's APIResourceList (legacy discovery) as aggregated discovery resources. */
function aggregatedFromResourceList(list: JsonObject, group: string, version: string): JsonObject[] {
  const entries = (Array.isArray(list.resources) ? list.resources : []).filter((r): r is JsonObject => typeof r === 'object' && r !== null && !Array.isArray(r) && typeof r.name === 'string');
  const out: JsonObject[] = [];
  const byName = new Map<string, JsonObject>();
  const kindOf = (e: JsonObject): JsonObject => ({ group: typeof e.group === 'string' ? e.group : group, version: typeof e.version === 'string' ? e.version : version, kind: typeof e.kind === 'string' ? e.kind : '' });
  for (const e of entries) {
    const name = e.name as string;
    if (name.includes('/')) continue;
    const r: JsonObject = { resource: name, responseKind: kindOf(e), scope: e.namespaced === true ? 'Namespaced' : 'Cluster', singularResource: typeof e.singularName === 'string' ? e.singularName : '', verbs: Array.isArray(e.verbs) ? e.verbs : [] };
    if (Array.isArray(e.shortNames) && e.shortNames.length) r.shortNames = e.shortNames;
    if (Array.isArray(e.categories) && e.categories.length) r.categories = e.categories;
    byName.set(name, r);
    out.push(r);
  }
  for (const e of entries) {
    const [parent, sub] = (e.name as string).split('/', 2);
    const r = sub ? byName.get(parent) : undefined;
    if (!r || !sub) continue;
    const subs = Array.isArray(r.subresources) ? r.subresources : (r.subresources = []);
    subs.push({ subresource: sub, responseKind: kindOf(e), verbs: Array.isArray(e.verbs) ? e.verbs : [] });
  }
  return out.sort((a, b) => ((a.resource as string) < (b.resource as string) ? -1 : (a.resource as string) > (b.resource as string) ? 1 : 0));
}

function sortByName(resources: readonly ServedResource[]): ServedResource[] {
  return [...resources].sort((a, b) => (a.def.plural < b.def.plural ? -1 : a.def.plural > b.def.plural ? 1 : 0));
}

/** As upstream: base64 of the first 8 bytes of sha256("<group>/<version>/<kind>"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

export const AGGREGATED_CONTENT_TYPE = (version: 'v2' | 'v2beta1') => `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
