/**
 * PersistentVolume / PersistentVolumeClaim helpers shared by the PV controller, the local-path
 * provisioner, admission and the scheduler's VolumeBinding plugin (upstream
 * component-helpers/storage/volume and pkg/controller/volume/persistentvolume/util).
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { compareQuantity, parseQuantity, type Quantity } from '../../api/schema/quantity.js';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.js';
import type { ResourceRef } from '../../client/client.js';
import { NodeSelectorTerm } from '../../scheduler/framework/node-selector.js';

export const pvsResource: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumes' };
export const pvcsResource: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
export const storageClassesResource: ResourceRef = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };

/** The claim is fully bound (set by the PV controller). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** The binding (PV claimRef / PVC volumeName) was made by the controller, not the user. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** Which provisioner should provision the claim (set by the PV controller). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** The node the scheduler chose for a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a PV: the provisioner that created it. */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** The class, in its deprecated annotation form (takes precedence over spec.storageClassName). */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const ANN_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_STORAGE_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export const spec = (o: KubeObject): JsonObject => (isJsonObject(o.spec) ? o.spec : {});
export const status = (o: KubeObject): JsonObject => (isJsonObject(o.status) ? o.status : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function annotation(o: KubeObject, key: string): string | undefined {
  return o.metadata.annotations?.[key];
}

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else ''. */
export function claimClass(pvc: KubeObject): string {
  const a = annotation(pvc, ANN_BETA_STORAGE_CLASS);
  if (a !== undefined) return a;
  return str(spec(pvc).storageClassName);
}

/** GetPersistentVolumeClass. */
export function volumeClass(pv: KubeObject): string {
  const a = annotation(pv, ANN_BETA_STORAGE_CLASS);
  if (a !== undefined) return a;
  return str(spec(pv).storageClassName);
}

/** The claim names no class at all (nil storageClassName, no annotation): the default class applies. */
export function claimHasNoClass(pvc: KubeObject): boolean {
  return annotation(pvc, ANN_BETA_STORAGE_CLASS) === undefined && (spec(pvc).storageClassName === undefined || spec(pvc).storageClassName === null);
}

export function volumeName(pvc: KubeObject): string {
  return str(spec(pvc).volumeName);
}

export function phase(o: KubeObject): string {
  return str(status(o).phase);
}

export function accessModes(o: KubeObject): string[] {
  const m = spec(o).accessModes;
  return Array.isArray(m) ? m.filter((x): x is string => typeof x === 'string') : [];
}

export function volumeMode(o: KubeObject): string {
  return str(spec(o).volumeMode) || 'Filesystem';
}

export function deleting(o: KubeObject): boolean {
  return o.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;
}

function quantityOf(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(String(v));
  } catch {
    return undefined;
  }
}

/** The claim's spec.resources.requests.storage (0 when absent). */
export function requestedStorage(pvc: KubeObject): Quantity {
  const r = spec(pvc).resources;
  const req = isJsonObject(r) && isJsonObject(r.requests) ? r.requests.storage : undefined;
  return quantityOf(req) ?? parseQuantity('0');
}

export function requestedStorageText(pvc: KubeObject): string {
  const r = spec(pvc).resources;
  const req = isJsonObject(r) && isJsonObject(r.requests) ? r.requests.storage : undefined;
  return typeof req === 'string' || typeof req === 'number' ? String(req) : '0';
}

/** The volume's spec.capacity.storage (0 when absent). */
export function capacity(pv: KubeObject): Quantity {
  const c = spec(pv).capacity;
  return quantityOf(isJsonObject(c) ? c.storage : undefined) ?? parseQuantity('0');
}

export interface ClaimRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export function claimRefOf(pv: KubeObject): ClaimRef | undefined {
  const r = spec(pv).claimRef;
  if (!isJsonObject(r)) return undefined;
  return { namespace: str(r.namespace), name: str(r.name), uid: str(r.uid) };
}

/** IsVolumeBoundToClaim: claimRef names the claim (and its uid, when the ref has one). */
export function isVolumeBoundToClaim(pv: KubeObject, pvc: KubeObject): boolean {
  const ref = claimRefOf(pv);
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return ref.uid === '' || ref.uid === pvc.metadata.uid;
}

/** CheckVolumeModeMismatches. */
export function volumeModeMismatch(pvc: KubeObject, pv: KubeObject): boolean {
  return volumeMode(pvc) !== volumeMode(pv);
}

/** The volume's required node affinity as terms (undefined: any node). */
export function volumeNodeTerms(pv: KubeObject): NodeSelectorTerm[] | undefined {
  const na = spec(pv).nodeAffinity;
  const req = isJsonObject(na) && isJsonObject(na.required) ? na.required : undefined;
  if (!req) return undefined;
  const terms = Array.isArray(req.nodeSelectorTerms) ? req.nodeSelectorTerms : [];
  return terms.map((t) => new NodeSelectorTerm(t));
}

/** CheckNodeAffinity: the volume may be used on a node with these labels. */
export function volumeFitsNode(pv: KubeObject, labels: Readonly<Record<string, string>> | undefined, nodeName: string): boolean {
  const terms = volumeNodeTerms(pv);
  if (terms === undefined) return true;
  return terms.some((t) => t.matches(labels ?? {}, nodeName));
}

/** The PV's access modes contain every mode the claim asks for. */
export function accessModesContain(pv: KubeObject, wanted: readonly string[]): boolean {
  const have = new Set(accessModes(pv));
  return wanted.every((m) => have.has(m));
}

export interface MatchOptions {
  /** The node being considered (scheduler path); undefined in the controller. */
  readonly node?: { readonly name: string; readonly labels: Readonly<Record<string, string>> | undefined };
  /** Volume names not to pick (assumed for other claims). */
  readonly excluded?: ReadonlySet<string>;
  /** WaitForFirstConsumer without a node: only volumes pre-bound to the claim qualify. */
  readonly delayBinding?: boolean;
}

/**
 * findBestMatchForClaim: the smallest volume that satisfies the claim, looking first among
 * volumes with the fewest access modes that still contain the claim's (upstream's access-mode
 * index), or a volume pre-bound to the claim. Available status, class, selector, capacity and
 * volumeMode must match; node affinity only when a node is given.
 */
export function findBestMatchForClaim(pvc: KubeObject, volumes: readonly KubeObject[], options: MatchOptions = {}): KubeObject | undefined {
  const wanted = accessModes(pvc);
  const groups = new Map<number, KubeObject[]>();
  for (const pv of volumes) {
    if (!accessModesContain(pv, wanted)) continue;
    const n = new Set(accessModes(pv)).size;
    let g = groups.get(n);
    if (!g) groups.set(n, (g = []));
    g.push(pv);
  }
  for (const n of [...groups.keys()].sort((a, b) => a - b)) {
    const found = findMatchingVolume(pvc, groups.get(n) ?? [], options);
    if (found !== null) return found;
  }
  return undefined;
}

/** FindMatchingVolume over one access-mode group; null: none (undefined never returned). */
function findMatchingVolume(pvc: KubeObject, volumes: readonly KubeObject[], options: MatchOptions): KubeObject | null {
  const requested = requestedStorage(pvc);
  const cls = claimClass(pvc);
  const sel = spec(pvc).selector;
  const selector = isJsonObject(sel) ? labelSelectorFromObject(sel) : undefined;
  let smallest: KubeObject | null = null;
  for (const pv of volumes) {
    if (options.excluded?.has(pv.metadata.name ?? '')) continue;
    const bound = claimRefOf(pv) !== undefined;
    const boundToUs = isVolumeBoundToClaim(pv, pvc);
    if (bound && !boundToUs) continue;
    const qty = capacity(pv);
    if (compareQuantity(qty, requested) < 0) continue;
    if (volumeModeMismatch(pvc, pv)) continue;
    if (deleting(pv)) continue;
    const fits = options.node ? volumeFitsNode(pv, options.node.labels, options.node.name) : true;
    if (boundToUs) return fits ? pv : null;
    if (!options.node && options.delayBinding) continue;
    if (phase(pv) !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata.labels ?? {})) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!fits) continue;
    if (smallest === null || compareQuantity(capacity(smallest), qty) > 0) smallest = pv;
  }
  return smallest;
}

/** The pod's PVC names (persistentVolumeClaim volumes and generic ephemeral volumes). */
export function podClaimNames(pod: KubeObject): string[] {
  const vols = spec(pod).volumes;
  if (!Array.isArray(vols)) return [];
  const out: string[] = [];
  for (const v of vols) {
    if (!isJsonObject(v)) continue;
    if (isJsonObject(v.persistentVolumeClaim) && typeof v.persistentVolumeClaim.claimName === 'string') out.push(v.persistentVolumeClaim.claimName);
    else if (isJsonObject(v.ephemeral)) out.push(`${pod.metadata.name ?? ''}-${str(v.name)}`);
  }
  return out;
}

/** The default StorageClass (upstream GetDefaultClass: the newest of several, then by name). */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const c of classes) {
    const a = c.metadata.annotations ?? {};
    if (a[ANN_DEFAULT_STORAGE_CLASS] !== 'true' && a[ANN_BETA_DEFAULT_STORAGE_CLASS] !== 'true') continue;
    if (!best) {
      best = c;
      continue;
    }
    const tb = best.metadata.creationTimestamp ?? '';
    const tc = c.metadata.creationTimestamp ?? '';
    if (tc > tb || (tc === tb && (c.metadata.name ?? '') < (best.metadata.name ?? ''))) best = c;
  }
  return best;
}

/** IsDelayBindingMode: the class binds at the first consumer. */
export function isWaitForFirstConsumer(sc: KubeObject | undefined): boolean {
  return sc !== undefined && sc.volumeBindingMode === 'WaitForFirstConsumer';
}

export function provisionerOf(sc: KubeObject | undefined): string {
  return sc && typeof sc.provisioner === 'string' ? sc.provisioner : '';
}

/** kubernetes.io/no-provisioner: static volumes only. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
