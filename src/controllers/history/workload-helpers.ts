/**
 * Small helpers shared by the StatefulSet and DaemonSet controllers, after upstream's
 * pkg/api/v1/pod (readiness), pkg/controller/controller_utils.go (pods from templates) and
 * apimachinery's intstr scaling. Pure functions over informer objects: they never mutate their
 * arguments.
 */
import { ApiError } from '../../api/errors.js';
import { deepCopy, isJsonObject, type JsonObject, type KubeObject, type OwnerReference } from '../../api/object.js';
import { at, objs, str } from '../../api/json-access.js';
import { isDNS1123Subdomain } from '../../api/selectors/index.js';

/** apiVersion and kind of an owner, as written into ownerReferences. */
export interface OwnerKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: KubeObject, kind: OwnerKind): OwnerReference {
  return { apiVersion: kind.apiVersion, kind: kind.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** metav1.GetControllerOf. */
export function controllerRefOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function podPhase(pod: KubeObject): string {
  return str(at(pod, 'status', 'phase'));
}

/** The pod's Ready condition, if it has one. */
export function podReadyCondition(pod: KubeObject): JsonObject | undefined {
  return objs(at(pod, 'status', 'conditions')).find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * podutil.IsPodAvailable: ready, and (with minReadySeconds > 0) ready since longer than
 * minReadySeconds before `nowMs`.
 */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = typeof c.lastTransitionTime === 'string' ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 < nowMs;
}

/**
 * controller.GetPodFromTemplate: a pod from a template (labels, annotations, finalizers and spec
 * copied), owned by `controllerRef`, with generateName `<owner>-` (the owner's name alone when
 * that is not a valid prefix).
 */
export function podFromTemplate(template: unknown, owner: KubeObject, controllerRef: OwnerReference | undefined): KubeObject {
  const tmeta = isJsonObject(at(template, 'metadata')) ? (at(template, 'metadata') as JsonObject) : {};
  const ownerName = owner.metadata.name ?? '';
  // NameIsDNSSubdomain(prefix, true) masks the trailing dash before checking.
  const prefix = isDNS1123Subdomain(`${ownerName}a`).length === 0 ? `${ownerName}-` : ownerName;
  const metadata: KubeObject['metadata'] = { generateName: prefix };
  if (isJsonObject(tmeta.labels)) metadata.labels = { ...(tmeta.labels as Record<string, string>) };
  if (isJsonObject(tmeta.annotations)) metadata.annotations = { ...(tmeta.annotations as Record<string, string>) };
  if (Array.isArray(tmeta.finalizers)) metadata.finalizers = (tmeta.finalizers as unknown[]).map(str);
  if (controllerRef) metadata.ownerReferences = [{ ...controllerRef }];
  const spec = at(template, 'spec');
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: isJsonObject(spec) ? deepCopy(spec) : {} };
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, or a percentage of `total` rounded up or
 * down. Throws on a malformed value.
 */
export function scaledValueFromIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean, fallback: number | string): number {
  const value = v ?? fallback;
  if (typeof value === 'number') return value;
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason !== 'AlreadyExists';
}

export function isInvalid(e: unknown): boolean {
  return e instanceof ApiError && e.code === 422;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** utilerrors.NewAggregate: undefined for none, the error for one, `[a, b]` for several. */
export function aggregate(errors: readonly unknown[]): Error | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) return errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  return new Error(`[${errors.map(errorMessage).join(', ')}]`, { cause: errors[0] });
}

/**
 * Runs `fn` over `count` items in batches of 1, 2, 4 … (upstream's slowStartBatch), stopping
 * after the first batch with a failure. Returns the number of successes and the errors.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: (index: number) => Promise<void>, maxBatchSize = 500): Promise<{ successes: number; errors: unknown[] }> {
  let successes = 0;
  let pos = 0;
  const errors: unknown[] = [];
  for (let batch = Math.min(count, initialBatchSize); batch > 0; batch = Math.min(2 * batch, count - pos, maxBatchSize)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, i) => fn(pos + i)));
    pos += batch;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else errors.push(r.reason);
    }
    if (errors.length > 0) break;
  }
  return { successes, errors };
}
