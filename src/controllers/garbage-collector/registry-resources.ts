/**
 * What the composition root passes as the collector's `resources()`: every stored resource that
 * supports list, watch and delete (upstream GetDeletableResources over discovery), one version per
 * storage location, with its kind and scope so owner references can be resolved.
 */
import type { Registry } from '../../registry/registry.js';
import type { GcResource } from './garbage-collector.js';

export function gcResourcesFromRegistry(registry: Registry): GcResource[] {
  return registry
    .storageResources()
    .filter((r) => r.def.verbs.includes('list') && r.def.verbs.includes('watch') && r.def.verbs.includes('delete'))
    .map((r) => ({ group: r.def.group, version: r.def.version, resource: r.def.plural, kind: r.def.kind, namespaced: r.def.namespaced }));
}
