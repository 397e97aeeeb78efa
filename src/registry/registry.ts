/**
 * The table of everything the API server serves, by group/version/resource. Built-in resources
 * are added at start; CustomResourceDefinitions add and remove theirs at run time, and listeners
 * (discovery, OpenAPI) are told so they can refresh their caches.
 */
import { compareKubeAwareVersions } from '../api/crd/index.js';
import type { ResourceDef } from '../api/resource.js';
import type { ServedResource } from './served-resource.js';

export interface GroupInfo {
  readonly name: string;
  /** Versions, preferred first. */
  readonly versions: readonly string[];
}

export class Registry {
  readonly #byGvr = new Map<string, ServedResource>();
  /** group → version → resources in insertion order */
  readonly #groups = new Map<string, Map<string, ServedResource[]>>();
  /** Explicit version order per group (preferred first); groups without one sort by version priority. */
  readonly #versionOrder = new Map<string, readonly string[]>();
  readonly #listeners = new Set<() => void>();
  #generation = 0;

  /** Declares the version order of a group (preferred first). */
  setVersionOrder(group: string, versions: readonly string[]): void {
    this.#versionOrder.set(group, versions);
  }

  add(resource: ServedResource): void {
    const d = resource.def;
    const key = gvrKey(d.group, d.version, d.plural);
    if (this.#byGvr.has(key)) throw new Error(`registry: ${key} served twice`);
    this.#byGvr.set(key, resource);
    let versions = this.#groups.get(d.group);
    if (!versions) this.#groups.set(d.group, (versions = new Map()));
    let list = versions.get(d.version);
    if (!list) versions.set(d.version, (list = []));
    list.push(resource);
    this.#changed();
  }

  /** Removes every resource of a group/plural (all versions), e.g. when its CRD is deleted. */
  removeResource(group: string, plural: string): void {
    const versions = this.#groups.get(group);
    if (!versions) return;
    for (const [version, list] of versions) {
      const kept = list.filter((r) => r.def.plural !== plural);
      this.#byGvr.delete(gvrKey(group, version, plural));
      if (kept.length) versions.set(version, kept);
      else versions.delete(version);
    }
    if (versions.size === 0) {
      this.#groups.delete(group);
      this.#versionOrder.delete(group);
    }
    this.#changed();
  }

  get(group: string, version: string, plural: string): ServedResource | undefined {
    return this.#byGvr.get(gvrKey(group, version, plural));
  }

  /** The versions a group/plural is served in (e.g. for an admission webhook's matchPolicy Equivalent). */
  versionsOf(group: string, plural: string): string[] {
    const out: string[] = [];
    for (const [version, list] of this.#groups.get(group) ?? []) if (list.some((r) => r.def.plural === plural)) out.push(version);
    return out;
  }

  /** Resources of one group version (undefined if the group version is not served). */
  resources(group: string, version: string): readonly ServedResource[] | undefined {
    return this.#groups.get(group)?.get(version);
  }

  /** Every served group with its versions, preferred first; the core group '' first. */
  groups(): GroupInfo[] {
    const out: GroupInfo[] = [];
    for (const [name, versions] of this.#groups) {
      const order = this.#versionOrder.get(name);
      const served = [...versions.keys()];
      const sorted = order ? [...order.filter((v) => served.includes(v)), ...served.filter((v) => !order.includes(v)).sort(compareVersions)] : served.sort(compareVersions);
      out.push({ name, versions: sorted });
    }
    return out;
  }

  /** The served resource of the preferred version for a group/kind (for e.g. ownerReferences). */
  findByKind(group: string, kind: string): ServedResource | undefined {
    const info = this.groups().find((g) => g.name === group);
    for (const v of info?.versions ?? []) {
      const r = this.resources(group, v)?.find((x) => x.def.kind === kind);
      if (r) return r;
    }
    return undefined;
  }

  /** Every served resource (all versions). */
  all(): ServedResource[] {
    return [...this.#byGvr.values()];
  }

  /** Every distinct storage resource (one entry per storage location). */
  storageResources(): ServedResource[] {
    const seen = new Set<string>();
    const out: ServedResource[] = [];
    for (const r of this.#byGvr.values()) {
      const s = r.store.def.storage;
      const key = `${s.group}/${s.resource}`;
      if (seen.has(key) || r.def.virtual) continue;
      seen.add(key);
      out.push(r);
    }
    return out;
  }

  /** Increases whenever the served set changes (cache key for discovery and OpenAPI). */
  get generation(): number {
    return this.#generation;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    this.#generation++;
    for (const l of this.#listeners) l();
  }
}

function gvrKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/** Sort comparator putting the higher-priority Kubernetes version first (v2, v1, v1beta1, …). */
export function compareVersions(a: string, b: string): number {
  return -compareKubeAwareVersions(a, b);
}

export type { ResourceDef };
