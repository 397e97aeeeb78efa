/**
 * Which nodes a DaemonSet's pod belongs on, after upstream's NodeShouldRunDaemonPod
 * (pkg/controller/daemon) and the scheduling helpers it uses (component-helpers nodeaffinity,
 * v1helper.FindMatchingUntoleratedTaint):
 *  - spec.nodeName, when set, names the only node;
 *  - spec.nodeSelector and the required node affinity must match the node;
 *  - every NoSchedule/NoExecute taint must be tolerated (the standard DaemonSet tolerations
 *    included) for a pod to be placed; an untolerated NoSchedule taint alone lets a running pod
 *    stay (shouldContinueRunning), an untolerated NoExecute taint does not.
 * Only node labels, taints and name are read, so a node heartbeat never changes the answer.
 */
import { jsonEqual, type JsonObject, type KubeObject } from '../../api/object.js';
import { arrAt, at, objAt, objs, obj, strAt, strListAt, strMap } from '../../api/json-access.js';
import { taintFrom, tolerationFrom, toleratesTaint } from '../../api/taints.js';

/** A compiled view of what a DaemonSet's pods require of a node (built once per sync). */
export interface DaemonPodPlacement {
  readonly nodeName: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Required node affinity terms (ORed); undefined when there is none. */
  readonly requiredTerms: readonly JsonObject[] | undefined;
  /** The pod's tolerations including the DaemonSet defaults. */
  readonly tolerations: readonly JsonObject[];
}

export interface ShouldRun {
  /** A daemon pod should be created on the node if it has none. */
  readonly shouldRun: boolean;
  /** A daemon pod already on the node may stay. */
  readonly shouldContinueRunning: boolean;
}

/** The placement constraints of a pod spec (the template's, with default tolerations added). */
export function placementOf(podSpec: JsonObject | undefined, tolerations: readonly JsonObject[]): DaemonPodPlacement {
  const required = objAt(objAt(objAt(podSpec, 'affinity'), 'nodeAffinity'), 'requiredDuringSchedulingIgnoredDuringExecution');
  return {
    nodeName: strAt(podSpec, 'nodeName'),
    nodeSelector: strMap(podSpec?.nodeSelector),
    requiredTerms: required ? objs(required.nodeSelectorTerms) : undefined,
    tolerations,
  };
}

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: KubeObject, p: DaemonPodPlacement): ShouldRun {
  const name = node.metadata.name ?? '';
  if (p.nodeName !== '' && p.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeSelector(node, p.nodeSelector) || !matchesRequiredTerms(node, p.requiredTerms)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = objs(at(node, 'spec', 'taints'));
  if (findUntoleratedTaint(taints, p.tolerations, (e) => e === 'NoSchedule' || e === 'NoExecute') === undefined) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: findUntoleratedTaint(taints, p.tolerations, (e) => e === 'NoExecute') === undefined };
}

function matchesNodeSelector(node: KubeObject, selector: Readonly<Record<string, string>>): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Required node affinity: no selector matches every node; otherwise any term must match. */
function matchesRequiredTerms(node: KubeObject, terms: readonly JsonObject[] | undefined): boolean {
  if (terms === undefined) return true;
  return terms.some((t) => termMatches(node, t));
}

/** A term ANDs its expressions and fields; a term with neither matches nothing. */
function termMatches(node: KubeObject, term: JsonObject): boolean {
  const exprs = objs(term.matchExpressions);
  const fields = objs(term.matchFields);
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) if (!requirementMatches(labels, e)) return false;
  const nodeFields: Record<string, string> = { 'metadata.name': node.metadata.name ?? '' };
  for (const f of fields) {
    const key = strAt(f, 'key');
    const op = strAt(f, 'operator');
    // Only metadata.name is a supported field, with In and NotIn.
    if (key !== 'metadata.name' || (op !== 'In' && op !== 'NotIn')) return false;
    if (!requirementMatches(nodeFields, f)) return false;
  }
  return true;
}

const INT_RE = /^[+-]?\d+$/;

function requirementMatches(labels: Readonly<Record<string, string>>, req: JsonObject): boolean {
  const key = strAt(req, 'key');
  const values = strListAt(req, 'values');
  const has = Object.prototype.hasOwnProperty.call(labels, key);
  switch (strAt(req, 'operator')) {
    case 'In':
      return has && values.includes(labels[key]);
    case 'NotIn':
      return !has || !values.includes(labels[key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !INT_RE.test(values[0]) || !INT_RE.test(labels[key])) return false;
      const have = BigInt(labels[key]);
      const want = BigInt(values[0]);
      return strAt(req, 'operator') === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** FindMatchingUntoleratedTaint: the first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly JsonObject[], tolerations: readonly JsonObject[], filter: (effect: string) => boolean): JsonObject | undefined {
  for (const taint of taints) {
    if (!filter(strAt(taint, 'effect'))) continue;
    if (!tolerations.some((t) => toleratesTaint(tolerationFrom(t), taintFrom(taint)))) return taint;
  }
  return undefined;
}

/** Whether two node versions differ in what placement reads (labels and taints). */
export function placementInputsChanged(oldNode: KubeObject, newNode: KubeObject): boolean {
  return !jsonEqual(oldNode.metadata.labels ?? {}, newNode.metadata.labels ?? {}) || !jsonEqual(arrAt(obj(oldNode.spec), 'taints'), arrAt(obj(newNode.spec), 'taints'));
}
