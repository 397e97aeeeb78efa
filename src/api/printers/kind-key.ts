/**
 * The key under which per-kind tables (printers, selectable fields, field-label rules) are
 * registered: `Kind` for the core group, `Kind.group` otherwise, e.g. `Pod`,
 * `Deployment.apps`, `Event.events.k8s.io`. Versions share one key: a printer or selector set
 * must cope with every served version of its kind.
 */
export function kindKey(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}
