/**
 * Taints and tolerations as the control plane reads them (k8s.io/api core/v1 toleration.go and
 * taint.go, pkg/apis/core/v1/helper GetMatchingTolerations). Read from loosely typed JSON with Go
 * zero-value semantics: an absent string is "".
 */
import { objsAt, optNumAt, strAt } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { toleratesTaint } from '../../api/taints.js';

export { toleratesTaint };

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
  readonly timeAdded?: string;
}

export interface Toleration {
  readonly key: string;
  readonly operator: string;
  readonly value: string;
  readonly effect: string;
  /** undefined: tolerate forever. */
  readonly tolerationSeconds: number | undefined;
}

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/** The taints of a node's spec. */
export function nodeTaints(node: KubeObject): Taint[] {
  const spec = isJsonObject(node.spec) ? node.spec : undefined;
  return objsAt(spec, 'taints').map((t) => {
    const timeAdded = strAt(t, 'timeAdded');
    return timeAdded ? { key: strAt(t, 'key'), value: strAt(t, 'value'), effect: strAt(t, 'effect'), timeAdded } : { key: strAt(t, 'key'), value: strAt(t, 'value'), effect: strAt(t, 'effect') };
  });
}

/** The NoExecute taints of a node's spec. */
export function noExecuteTaints(node: KubeObject): Taint[] {
  return nodeTaints(node).filter((t) => t.effect === 'NoExecute');
}

/** The tolerations of a pod's spec. */
export function podTolerations(pod: KubeObject): Toleration[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : undefined;
  return objsAt(spec, 'tolerations').map((t) => ({
    key: strAt(t, 'key'),
    operator: strAt(t, 'operator'),
    value: strAt(t, 'value'),
    effect: strAt(t, 'effect'),
    tolerationSeconds: optNumAt(t, 'tolerationSeconds'),
  }));
}

/** Taints are the same taint when key and effect match (Taint.MatchTaint). */
export function matchTaint(a: Taint, b: { key: string; effect: string }): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * Whether every taint is tolerated, and the first toleration used for each (upstream
 * GetMatchingTolerations).
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { allTolerated: boolean; used: Toleration[] } {
  if (taints.length === 0) return { allTolerated: true, used: [] };
  if (tolerations.length === 0) return { allTolerated: false, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/**
 * The shortest tolerationSeconds among the used tolerations in ms: 0 when there are none or one
 * is ≤ 0, -1 when all tolerate forever (upstream getMinTolerationTime).
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    if (t.tolerationSeconds < min) min = t.tolerationSeconds;
  }
  return min === Infinity ? -1 : min * 1000;
}
