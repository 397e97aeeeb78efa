/**
 * The status kube-apiserver's CRD controllers maintain (apiextensions-apiserver
 * pkg/controller/status/naming_controller.go, establish/establishing_controller.go,
 * apiapproval/apiapproval_controller.go), computed in one step.
 *
 *  - acceptedNames: the requested names, except those already accepted by another CRD of the same
 *    group (plural/singular/short names share one namespace, kind/listKind another); a name a CRD
 *    already holds stays accepted;
 *  - NamesAccepted: True/NoConflicts "no conflicts found", or False with PluralConflict,
 *    SingularConflict, ShortNamesConflict, KindConflict or ListKindConflict and `"x" is already in use`;
 *  - Established: lite serves a CRD as soon as its names are accepted, so it goes straight to
 *    True/InitialNamesAccepted "the initial names have been accepted" (upstream passes through
 *    False/Installing for a moment); without accepted names it is False/NotAccepted "not all names
 *    are accepted"; once True it stays True;
 *  - KubernetesAPIApprovalPolicyConformant for *.k8s.io and *.kubernetes.io groups;
 *  - storedVersions: kept, with the current storage version added.
 *
 * lastTransitionTime changes only when a condition's status changes.
 */
import { optArrAt, strAt } from '../json-access.js';
import { isJsonObject, type JsonObject, type JsonValue, type KubeObject } from '../object.js';
import { apiApprovalState, isProtectedCommunityGroup, readNames, specOf, statusOf, storageVersionOf, type CrdNames } from './crd-validation.js';


export interface CrdCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly lastTransitionTime?: string;
  readonly reason: string;
  readonly message: string;
}

function acceptedNamesJson(n: CrdNames): JsonObject {
  const out: JsonObject = { plural: n.plural };
  if (n.singular) out.singular = n.singular;
  if (n.shortNames.length > 0) out.shortNames = [...n.shortNames];
  out.kind = n.kind;
  if (n.listKind) out.listKind = n.listKind;
  if (n.categories.length > 0) out.categories = [...n.categories];
  return out;
}

function conditionsOf(crd: KubeObject): JsonObject[] {
  return (optArrAt(statusOf(crd), 'conditions') ?? []).filter(isJsonObject);
}

function findCondition(crd: KubeObject, type: string): JsonObject | undefined {
  return conditionsOf(crd).find((c) => c.type === type);
}

/**
 * The names CRDs of `group` have been granted, resource names and kinds. Like upstream this
 * includes the CRD's own accepted names (taken from `self`, not from a possibly stale copy in
 * `others`): a name it already holds stays acceptable for the same field only.
 */
function namesInUse(group: string, self: KubeObject, others: readonly KubeObject[]): { resources: Set<string>; kinds: Set<string> } {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  const selfName = self.metadata?.name;
  for (const other of [self, ...others.filter((o) => o.metadata?.name !== selfName)]) {
    if (strAt(specOf(other), 'group') !== group) continue;
    const accepted = readNames(statusOf(other).acceptedNames);
    resources.add(accepted.plural);
    resources.add(accepted.singular);
    for (const s of accepted.shortNames) resources.add(s);
    kinds.add(accepted.kind);
    kinds.add(accepted.listKind);
  }
  return { resources, kinds };
}

function conflict(requested: string, accepted: string, used: Set<string>): string | undefined {
  if (requested === accepted || !used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The CRD's new status, given the other CRDs that exist (`others` may include `crd` itself) and
 * the current time as an RFC 3339 string. The input is not modified.
 */
export function computeCustomResourceDefinitionStatus(crd: KubeObject, others: readonly KubeObject[], now: string): JsonObject {
  const spec = specOf(crd);
  const group = strAt(spec, 'group');
  const requested = readNames(spec.names);
  const previous = readNames(statusOf(crd).acceptedNames);
  const { resources, kinds } = namesInUse(group, crd, others);

  let names: CrdNames = previous;
  let accepted: Omit<CrdCondition, 'lastTransitionTime'> = { type: 'NamesAccepted', status: 'Unknown', reason: '', message: '' };
  const fail = (reason: string, message: string): void => {
    accepted = { type: 'NamesAccepted', status: 'False', reason, message };
  };
  const plural = conflict(requested.plural, previous.plural, resources);
  if (plural) fail('PluralConflict', plural);
  else names = { ...names, plural: requested.plural };
  const singular = conflict(requested.singular, previous.singular, resources);
  if (singular) fail('SingularConflict', singular);
  else names = { ...names, singular: requested.singular };
  if (!sameList(requested.shortNames, previous.shortNames)) {
    const held = new Set(previous.shortNames);
    const errs = requested.shortNames.filter((s) => !held.has(s)).flatMap((s) => conflict(s, '', resources) ?? []);
    if (errs.length > 0) fail('ShortNamesConflict', errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    else names = { ...names, shortNames: requested.shortNames };
  }
  const kind = conflict(requested.kind, previous.kind, kinds);
  if (kind) fail('KindConflict', kind);
  else names = { ...names, kind: requested.kind };
  const listKind = conflict(requested.listKind, previous.listKind, kinds);
  if (listKind) fail('ListKindConflict', listKind);
  else names = { ...names, listKind: requested.listKind };
  names = { ...names, categories: requested.categories };
  if (accepted.status === 'Unknown') accepted = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };

  const oldEstablished = findCondition(crd, 'Established');
  let established: Omit<CrdCondition, 'lastTransitionTime'>;
  if (oldEstablished?.status === 'True' || accepted.status === 'True') {
    established =
      oldEstablished?.status === 'True'
        ? { type: 'Established', status: 'True', reason: strAt(oldEstablished, 'reason'), message: strAt(oldEstablished, 'message') }
        : { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  } else {
    established = { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  }

  const wanted: Omit<CrdCondition, 'lastTransitionTime'>[] = [accepted, established];
  if (isProtectedCommunityGroup(group)) {
    const { state, reason } = apiApprovalState(crd.metadata?.annotations);
    const byState = {
      Approved: ['True', 'ApprovedAnnotation'],
      Bypassed: ['False', 'UnapprovedAnnotation'],
      Missing: ['False', 'MissingAnnotation'],
      Invalid: ['False', 'InvalidAnnotation'],
    } as const;
    const [status, why] = byState[state];
    wanted.push({ type: 'KubernetesAPIApprovalPolicyConformant', status, reason: why, message: reason });
  }

  const conditions: JsonValue[] = conditionsOf(crd).map((c) => ({ ...c }));
  for (const w of wanted) {
    const i = conditions.findIndex((c) => isJsonObject(c) && c.type === w.type);
    const existing = i >= 0 ? (conditions[i] as JsonObject) : undefined;
    const time = existing && existing.status === w.status && typeof existing.lastTransitionTime === 'string' ? existing.lastTransitionTime : now;
    const next: JsonObject = { type: w.type, status: w.status, lastTransitionTime: time, reason: w.reason, message: w.message };
    if (i >= 0) conditions[i] = next;
    else conditions.push(next);
  }

  const stored = (optArrAt(statusOf(crd), 'storedVersions') ?? []).filter((v): v is string => typeof v === 'string');
  const storage = storageVersionOf(crd);
  const storedVersions = storage && !stored.includes(storage) ? [...stored, storage] : stored;
  return { conditions, acceptedNames: acceptedNamesJson(names), storedVersions };
}

/** Whether the CRD's resources may be served: its names were accepted (Established=True). */
export function isEstablished(crd: KubeObject): boolean {
  return findCondition(crd, 'Established')?.status === 'True';
}
