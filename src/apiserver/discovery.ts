/**
 * Discovery documents, as kube-apiserver serves them (notes §2): legacy /api, /apis, /apis/<g>,
 * /api/v1, /apis/<g>/<v>, and aggregated discovery (apidiscovery.k8s.io v2 and v2beta1) for /api
 * and /apis. Documents are rebuilt only when the registry's served set changes.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../api/object.js';
import type { Registry } from '../registry/registry.js';
import type { ServedResource } from '../registry/served-resource.js';

export class Discovery {
  readonly #registry: Registry;
  readonly #serverAddress: () => string;
  #cacheGeneration = -1;
  #cache = new Map<string, string>();

  constructor(config: { registry: Registry; serverAddress: () => string }) {
    this.#registry = config.registry;
    this.#serverAddress = config.serverAddress;
  }

  /** Cached JSON text of a discovery document. */
  #cached(key: string, build: () => unknown): string {
    if (this.#cacheGeneration !== this.#registry.generation) {
      this.#cache = new Map();
      this.#cacheGeneration = this.#registry.generation;
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
      groups: this.#registry
        .groups()
        .filter((g) => g.name !== '')
        .map((g) => this.#apiGroup(g.name, g.versions)),
    }));
  }

  /** /apis/<group>, or undefined if the group is not served. */
  apiGroup(group: string): string | undefined {
    const info = this.#registry.groups().find((g) => g.name === group && group !== '');
    if (!info) return undefined;
    return this.#cached(`group/${group}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.#apiGroup(info.name, info.versions) }));
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
      const groups = this.#registry.groups().filter((g) => (which === 'api' ? g.name === '' : g.name !== ''));
      return {
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${version}`,
        metadata: {},
        items: groups.map((g) => ({
          metadata: { name: g.name, creationTimestamp: null },
          versions: g.versions.map((v) => ({
            version: v,
            resources: sortByName(this.#registry.resources(g.name, v) ?? []).map((r) => aggregatedResource(r, g.name, v)),
            freshness: 'Current',
          })),
        })),
      };
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

function sortByName(resources: readonly ServedResource[]): ServedResource[] {
  return [...resources].sort((a, b) => (a.def.plural < b.def.plural ? -1 : a.def.plural > b.def.plural ? 1 : 0));
}

/** As upstream: base64 of the first 8 bytes of sha256("<group>/<version>/<kind>"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

export const AGGREGATED_CONTENT_TYPE = (version: 'v2' | 'v2beta1') => `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
