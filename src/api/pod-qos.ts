/**
 * A pod's quality-of-service class, as upstream's GetPodQOS (pkg/apis/core/helper/qos):
 * BestEffort without any cpu/memory requests or limits; Guaranteed when every container limits
 * both cpu and memory and the pod's requests equal its limits; Burstable otherwise.
 */
import { isJsonObject, type KubeObject } from './object.js';
import { readQuantity } from './schema/quantity.js';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

export type QosClass = 'BestEffort' | 'Burstable' | 'Guaranteed';

function nanos(v: unknown): bigint {
  return readQuantity(v)?.nanos ?? 0n;
}

export function podQosClass(pod: KubeObject): QosClass {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const c of containers) {
    const resources = isJsonObject(c) && isJsonObject(c.resources) ? c.resources : {};
    const req = isJsonObject(resources.requests) ? resources.requests : {};
    const lim = isJsonObject(resources.limits) ? resources.limits : {};
    const limitsFound = new Set<string>();
    for (const name of QOS_RESOURCES) {
      const r = nanos(req[name]);
      if (r > 0n) requests.set(name, (requests.get(name) ?? 0n) + r);
      const l = nanos(lim[name]);
      if (l > 0n) {
        limits.set(name, (limits.get(name) ?? 0n) + l);
        limitsFound.add(name);
      }
    }
    if (!QOS_RESOURCES.every((n) => limitsFound.has(n))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, r] of requests) if (limits.get(name) !== r) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
