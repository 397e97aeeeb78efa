/**
 * A ResourceResolver over the API's own table of served resources, so quotas can count custom
 * resources (`count/widgets.example.com`) at their group's preferred version. The composition
 * root builds it from the registry.
 */
import type { ResourceResolver } from './resource-quota-controller.js';

/** The slice of the registry the resolver reads (Registry satisfies it). */
export interface ServedResources {
  groups(): readonly { readonly name: string; readonly versions: readonly string[] }[];
  get(group: string, version: string, plural: string): { readonly def: { readonly namespaced: boolean; readonly virtual?: boolean; readonly verbs: readonly string[] } } | undefined;
}

export function registryResourceResolver(served: ServedResources): ResourceResolver {
  return (gr) => {
    const info = served.groups().find((g) => g.name === gr.group);
    for (const version of info?.versions ?? []) {
      const r = served.get(gr.group, version, gr.resource);
      if (r && r.def.namespaced && !r.def.virtual && r.def.verbs.includes('watch')) return { group: gr.group, version, resource: gr.resource };
    }
    return undefined;
  };
}
