import { isJsonObject, type KubeObject } from '../../api/object.js';

/**
 * involvedObject.fieldPath of a container's events (upstream ref.GetReference's
 * `spec.containers{name}` / `spec.initContainers{name}`); absent when the pod spec does not name it
 * (a pod known only from runtime labels).
 */
export function containerFieldPath(pod: KubeObject, name: string): string | undefined {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const items = spec[list];
    if (Array.isArray(items) && items.some((c) => isJsonObject(c) && c.name === name)) return `spec.${list}{${name}}`;
  }
  return undefined;
}
