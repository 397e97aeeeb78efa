/**
 * LimitRanger admission (upstream plugin/pkg/admission/limitranger): the LimitRanges of a
 * namespace give its new pods default resources and bound pods and claims.
 *
 *  - Pod create, mutating: every container and init container gets each `default` (limits) and
 *    `defaultRequest` (requests) of the namespace's `Container` limits that it does not set
 *    (LimitRange defaulting already filled `default` from `max` and `defaultRequest` from
 *    `default`/`min`), and the pod is annotated `kubernetes.io/limit-ranger: LimitRanger plugin
 *    set: cpu, memory request for container c; cpu limit for container c`.
 *  - Pod create, validating: `Container` min/max/maxLimitRequestRatio per container (and init
 *    container), `Pod` ones against the pod's effective requests and limits; PVC create and
 *    update: `PersistentVolumeClaim` min/max against the requested storage.
 *  - A violation is a 403 in upstream's words, several joined as Go's error aggregate does:
 *      pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2
 *    (a generateName create under its generated name, as upstream's validating admission sees it.)
 *  - Pod updates and subresources are not looked at (containers' resources are immutable).
 *
 * It runs before ResourceQuota, as in kube-apiserver's chain, so quotas see the defaults: a pod
 * without resources in a namespace whose quota requires limits is admitted when a LimitRange
 * supplies them.
 *
 * LimitRanges come from an informer; the common case (none in the namespace) is one index lookup.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { obj, objsAt } from '../api/json-access.js';
import { deepCopy, isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Client, ResourceRef } from '../client/client.js';
import { podQosClass } from '../api/pod-qos.js';
import { podResources } from '../controllers/resourcequota/quota-evaluators.js';
import { formatValue, parseResourceList, type QuotaQuantity, type ResourceList } from '../controllers/resourcequota/resource-list.js';
import { SharedInformer } from '../informer/shared-informer.js';
import type { Clock } from '../util/clock.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

export const LIMIT_RANGES: ResourceRef = { group: '', version: 'v1', resource: 'limitranges' };
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

export interface LimitRangerConfig {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A shared LimitRange informer; without one the plugin makes its own, run by `run()`. */
  readonly limitRanges?: SharedInformer;
}

const MILLI = 1_000_000n;

/** Quantity.MilliValue(): rounded up, as upstream's comparisons use it. */
function milli(q: QuotaQuantity | undefined): bigint {
  if (!q) return 0n;
  const n = q.nanos;
  return n >= 0n ? (n + MILLI - 1n) / MILLI : -(-n / MILLI);
}

function minConstraint(type: string, name: string, enforced: QuotaQuantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req) return `minimum ${name} usage per ${type} is ${formatValue(enforced)}.  No request is specified`;
  if (milli(req) < milli(enforced)) return `minimum ${name} usage per ${type} is ${formatValue(enforced)}, but request is ${formatValue(req)}`;
  if (lim && milli(lim) < milli(enforced)) return `minimum ${name} usage per ${type} is ${formatValue(enforced)}, but limit is ${formatValue(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: QuotaQuantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!lim) return `maximum ${name} usage per ${type} is ${formatValue(enforced)}.  No limit is specified`;
  if (milli(lim) > milli(enforced)) return `maximum ${name} usage per ${type} is ${formatValue(enforced)}, but limit is ${formatValue(lim)}`;
  if (req && milli(req) > milli(enforced)) return `maximum ${name} usage per ${type} is ${formatValue(enforced)}, but request is ${formatValue(req)}`;
  return undefined;
}

/** For claims only the request counts (a claim's limits are not user input upstream). */
function maxRequestConstraint(type: string, name: string, enforced: QuotaQuantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  if (!req) return `maximum ${name} usage per ${type} is ${formatValue(enforced)}.  No request is specified`;
  if (milli(req) > milli(enforced)) return `maximum ${name} usage per ${type} is ${formatValue(enforced)}, but request is ${formatValue(req)}`;
  return undefined;
}

/** Go's %f: six decimals. */
function ratioConstraint(type: string, name: string, enforced: QuotaQuantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = milli(requests.get(name));
  const lim = milli(limits.get(name));
  const shown = formatValue(enforced);
  if (req === 0n) return `${name} max limit to request ratio per ${type} is ${shown}, but no request is specified or request is 0`;
  if (lim === 0n) return `${name} max limit to request ratio per ${type} is ${shown}, but no limit is specified or limit is 0`;
  const ratio = Number(lim) / Number(req);
  if (ratio * 1000 > Number(milli(enforced))) return `${name} max limit to request ratio per ${type} is ${shown}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in brackets. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** Sorted-key iteration, so messages and annotations come out in a stable order. */
function entries(list: ResourceList): [string, QuotaQuantity][] {
  return [...list.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function containerLists(c: JsonObject): { requests: ResourceList; limits: ResourceList } {
  const resources = obj(c.resources);
  return { requests: parseResourceList(resources?.requests), limits: parseResourceList(resources?.limits) };
}

const PODS = { group: '', resource: 'pods' };
const PVCS = { group: '', resource: 'persistentvolumeclaims' };

export class LimitRangerPlugin implements AdmissionPlugin {
  readonly name = 'LimitRanger';
  readonly #informer: SharedInformer;
  readonly #ownInformer: boolean;

  constructor(config: LimitRangerConfig) {
    this.#ownInformer = config.limitRanges === undefined;
    this.#informer = config.limitRanges ?? new SharedInformer({ client: config.client, resource: LIMIT_RANGES, clock: config.clock, logger: config.logger });
  }

  /** Runs the plugin's own LimitRange informer until the signal aborts (no-op with a shared one). */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#ownInformer) await this.#informer.run(signal);
  }

  handles(def: ResourceDef): boolean {
    return def.group === '' && (def.kind === 'Pod' || def.kind === 'PersistentVolumeClaim');
  }

  admit(req: AdmissionRequest): void {
    const isPod = req.def.kind === 'Pod';
    if (isPod ? req.operation !== 'create' : req.operation !== 'create' && req.operation !== 'update') return;
    const namespace = req.object.metadata.namespace;
    if (!namespace) return;
    const ranges = this.#informer.lister.list(namespace);
    if (ranges.length === 0) return;
    const name = req.object.metadata.name || req.object.metadata.generateName || '';
    const errors: string[] = [];
    for (const lr of ranges) {
      if (isPod) {
        mutatePod(lr, req.object);
        errors.push(...validatePod(lr, req.object));
      } else {
        errors.push(...validateClaim(lr, req.object));
      }
    }
    if (errors.length) throw ApiError.forbidden(isPod ? PODS : PVCS, name, aggregate(errors));
  }
}

function limitItems(lr: KubeObject, type: string): JsonObject[] {
  return objsAt(obj(lr.spec), 'limits').filter((l) => l.type === type);
}

/** upstream mergePodResourceRequirements, with the defaults of one LimitRange. */
function mutatePod(lr: KubeObject, pod: KubeObject): void {
  const defaultLimits = new Map<string, unknown>();
  const defaultRequests = new Map<string, unknown>();
  for (const item of limitItems(lr, 'Container')) {
    for (const [k, v] of Object.entries(obj(item.defaultRequest) ?? {})) defaultRequests.set(k, v);
    for (const [k, v] of Object.entries(obj(item.default) ?? {})) defaultLimits.set(k, v);
  }
  if (defaultLimits.size === 0 && defaultRequests.size === 0) return;
  const spec = obj(pod.spec);
  const notes: string[] = [];
  const merge = (c: JsonObject, what: string) => {
    const resources = (isJsonObject(c.resources) ? c.resources : (c.resources = {})) as JsonObject;
    const limits = (isJsonObject(resources.limits) ? resources.limits : (resources.limits = {})) as JsonObject;
    const requests = (isJsonObject(resources.requests) ? resources.requests : (resources.requests = {})) as JsonObject;
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    for (const [k, v] of defaultLimits) {
      if (!(k in limits)) {
        limits[k] = deepCopy(v) as JsonObject[string];
        setLimits.push(k);
      }
    }
    for (const [k, v] of defaultRequests) {
      if (!(k in requests)) {
        requests[k] = deepCopy(v) as JsonObject[string];
        setRequests.push(k);
      }
    }
    if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${what} ${String(c.name ?? '')}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${what} ${String(c.name ?? '')}`);
  };
  for (const c of objsAt(spec, 'containers')) merge(c, 'container');
  for (const c of objsAt(spec, 'initContainers')) merge(c, 'init container');
  if (notes.length === 0) return;
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  // lite sets the initial status before admission; upstream computes the QoS class after it.
  if (isJsonObject(pod.status) && pod.status.qosClass !== undefined) pod.status.qosClass = podQosClass(pod);
}

/** upstream PodValidateLimitFunc for one LimitRange. */
function validatePod(lr: KubeObject, pod: KubeObject): string[] {
  const errors: string[] = [];
  const spec = obj(pod.spec);
  const check = (type: string, item: JsonObject, requests: ResourceList, limits: ResourceList) => {
    for (const [k, v] of entries(parseResourceList(item.min))) {
      const e = minConstraint(type, k, v, requests, limits);
      if (e) errors.push(e);
    }
    for (const [k, v] of entries(parseResourceList(item.max))) {
      const e = maxConstraint(type, k, v, requests, limits);
      if (e) errors.push(e);
    }
    for (const [k, v] of entries(parseResourceList(item.maxLimitRequestRatio))) {
      const e = ratioConstraint(type, k, v, requests, limits);
      if (e) errors.push(e);
    }
  };
  for (const item of objsAt(obj(lr.spec), 'limits')) {
    if (item.type === 'Container') {
      for (const c of [...objsAt(spec, 'containers'), ...objsAt(spec, 'initContainers')]) {
        const { requests, limits } = containerLists(c);
        check('Container', item, requests, limits);
      }
    } else if (item.type === 'Pod') {
      check('Pod', item, podResources(pod, 'requests'), podResources(pod, 'limits'));
    }
  }
  return errors;
}

/** upstream PersistentVolumeClaimValidateLimitFunc for one LimitRange. */
function validateClaim(lr: KubeObject, pvc: KubeObject): string[] {
  const errors: string[] = [];
  const requests = parseResourceList(obj(obj(pvc.spec)?.resources)?.requests);
  for (const item of limitItems(lr, 'PersistentVolumeClaim')) {
    for (const [k, v] of entries(parseResourceList(item.min))) {
      const e = minConstraint('PersistentVolumeClaim', k, v, requests, new Map());
      if (e) errors.push(e);
    }
    for (const [k, v] of entries(parseResourceList(item.max))) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, v, requests);
      if (e) errors.push(e);
    }
  }
  return errors;
}
