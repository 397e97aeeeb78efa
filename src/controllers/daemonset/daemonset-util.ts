/**
 * DaemonSet pod templates and rollout arithmetic, after upstream pkg/controller/daemon/util:
 *  - daemon pods get the standard tolerations (not-ready and unreachable NoExecute; disk-,
 *    memory-, pid-pressure and unschedulable NoSchedule; network-unavailable NoSchedule for
 *    hostNetwork pods), the `controller-revision-hash` label and, when the DaemonSet carries the
 *    deprecated template-generation annotation, `pod-template-generation`;
 *  - each pod is pinned to its node by a required node affinity
 *    `matchFields metadata.name In [<node>]` (the scheduler then binds it);
 *  - maxSurge/maxUnavailable scale against the number of nodes that should run the pod.
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { at, intOrStrAt, objAt, objs, strAt } from '../../api/json-access.js';
import { POD_REVISION_LABEL } from '../history/controller-history.js';
import { scaledValueFromIntOrPercent } from '../history/workload-helpers.js';

/** extensions.DaemonSetTemplateGenerationKey */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** apps.DeprecatedTemplateGeneration */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const DEFAULT_TOLERATIONS: readonly JsonObject[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const NETWORK_UNAVAILABLE: JsonObject = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

export function dsSpec(ds: KubeObject): JsonObject {
  return isJsonObject(ds.spec) ? ds.spec : {};
}

export function dsStatus(ds: KubeObject): JsonObject {
  return isJsonObject(ds.status) ? ds.status : {};
}

export function templateSpec(ds: KubeObject): JsonObject | undefined {
  return objAt(objAt(dsSpec(ds), 'template'), 'spec');
}

/** Toleration.MatchToleration: same key, operator, value and effect. */
function sameToleration(a: JsonObject, b: JsonObject): boolean {
  return strAt(a, 'key') === strAt(b, 'key') && strAt(a, 'operator') === strAt(b, 'operator') && strAt(a, 'value') === strAt(b, 'value') && strAt(a, 'effect') === strAt(b, 'effect');
}

/**
 * AddOrUpdateDaemonPodTolerations: the spec's tolerations with the defaults added (a matching
 * toleration is replaced by the default, dropping e.g. its tolerationSeconds).
 */
export function daemonPodTolerations(podSpec: JsonObject | undefined): JsonObject[] {
  let out = objs(podSpec?.tolerations);
  const defaults = podSpec?.hostNetwork === true ? [...DEFAULT_TOLERATIONS, NETWORK_UNAVAILABLE] : DEFAULT_TOLERATIONS;
  for (const t of defaults) {
    const i = out.findIndex((x) => sameToleration(x, t));
    if (i < 0) out = [...out, { ...t }];
    else if (Object.keys(out[i]).some((k) => out[i][k] !== undefined && !(k in t))) out = out.map((x, j) => (j === i ? { ...t } : x));
  }
  return out;
}

/** GetTemplateGeneration: the deprecated annotation's value, if present and numeric. */
export function templateGeneration(ds: KubeObject): string | undefined {
  const v = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^-?\d+$/.test(v) ? String(Number(v)) : undefined;
}

/** CreatePodTemplate: the template with default tolerations and revision labels. */
export function createPodTemplate(ds: KubeObject, hash: string): JsonObject {
  const template = objAt(dsSpec(ds), 'template') ?? {};
  const meta = objAt(template, 'metadata') ?? {};
  const labels: Record<string, string> = { ...((isJsonObject(meta.labels) ? meta.labels : {}) as Record<string, string>) };
  const generation = templateGeneration(ds);
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = generation;
  if (hash) labels[POD_REVISION_LABEL] = hash;
  const spec = objAt(template, 'spec') ?? {};
  return { ...template, metadata: { ...meta, labels }, spec: { ...spec, tolerations: daemonPodTolerations(spec) } };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the affinity with its required node selector replaced
 * by `metadata.name In [node]` (other affinity parts kept).
 */
export function replaceNodeNameAffinity(affinity: unknown, nodeName: string): JsonObject {
  const selector: JsonObject = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const a = isJsonObject(affinity) ? affinity : {};
  const na = objAt(a, 'nodeAffinity') ?? {};
  const required = objAt(na, 'requiredDuringSchedulingIgnoredDuringExecution');
  return { ...a, nodeAffinity: { ...na, requiredDuringSchedulingIgnoredDuringExecution: required ? { ...required, ...selector } : selector } };
}

/**
 * GetTargetNodeName: spec.nodeName, or the node a pending daemon pod is pinned to by its
 * `metadata.name In [node]` field affinity; undefined when neither says.
 */
export function targetNodeName(pod: KubeObject): string | undefined {
  const nodeName = at(pod, 'spec', 'nodeName');
  if (typeof nodeName === 'string' && nodeName !== '') return nodeName;
  const terms = objs(at(pod, 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'));
  for (const term of terms) {
    for (const f of objs(term.matchFields)) {
      if (strAt(f, 'key') === 'metadata.name' && strAt(f, 'operator') === 'In') {
        const values = Array.isArray(f.values) ? f.values : [];
        return values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
      }
    }
  }
  return undefined;
}

/** IsPodUpdated: the pod carries the current hash (or the current template generation). */
export function isPodUpdated(pod: KubeObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels[POD_REVISION_LABEL] === hash) || (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation);
}

function rollingUpdate(ds: KubeObject): JsonObject | undefined {
  const strategy = objAt(dsSpec(ds), 'updateStrategy');
  return strAt(strategy, 'type') === 'RollingUpdate' ? objAt(strategy, 'rollingUpdate') : undefined;
}

export function isOnDelete(ds: KubeObject): boolean {
  return strAt(objAt(dsSpec(ds), 'updateStrategy'), 'type') === 'OnDelete';
}

/** SurgeCount: maxSurge scaled (rounded up); 0 without a rolling update or maxSurge. */
export function surgeCount(ds: KubeObject, numberToSchedule: number): number {
  const v = intOrStrAt(rollingUpdate(ds), 'maxSurge');
  return v === undefined ? 0 : scaledValueFromIntOrPercent(v, numberToSchedule, true, 0);
}

/** UnavailableCount: maxUnavailable scaled (rounded up); 0 without a rolling update. */
export function unavailableCount(ds: KubeObject, numberToSchedule: number): number {
  const ru = rollingUpdate(ds);
  if (!ru) return 0;
  return scaledValueFromIntOrPercent(intOrStrAt(ru, 'maxUnavailable'), numberToSchedule, true, 0);
}

/** AllowsSurge: more than one pod per node may exist during an update. */
export function allowsSurge(ds: KubeObject): boolean {
  try {
    return surgeCount(ds, 1) > 0;
  } catch {
    return false;
  }
}

/** The patch a DaemonSet revision records: its pod template, replacing the whole template. */
export function daemonSetRevisionPatch(ds: KubeObject): JsonObject {
  return { spec: { template: { ...(objAt(dsSpec(ds), 'template') ?? {}), $patch: 'replace' } } };
}
