/**
 * Storage key layout, as kube-apiserver's etcd layout: `/registry/<group|core>/<resource>/<ns>/<name>`
 * for namespaced objects and `/registry/<group|core>/<resource>/<name>` for cluster-scoped ones.
 * Names and namespaces cannot contain '/', so prefixes never collide.
 */
export const REGISTRY_ROOT = '/registry/';

export interface StorageLocation {
  readonly group: string;
  readonly resource: string;
}

export function resourcePrefix(loc: StorageLocation): string {
  return `${REGISTRY_ROOT}${loc.group || 'core'}/${loc.resource}/`;
}

export function collectionPrefix(loc: StorageLocation, namespace: string | undefined): string {
  return namespace ? `${resourcePrefix(loc)}${namespace}/` : resourcePrefix(loc);
}

export function objectKey(loc: StorageLocation, namespace: string | undefined, name: string): string {
  return namespace ? `${resourcePrefix(loc)}${namespace}/${name}` : `${resourcePrefix(loc)}${name}`;
}
