/**
 * The remaining core/v1 kinds: ConfigMap, Secret, Namespace, Node, PersistentVolume(Claim),
 * LimitRange, ResourceQuota, ReplicationController, PodTemplate and Event
 * (pkg/apis/core/validation/validation.go and events.go).
 */
import { eventsV1ToCore } from '../conversion/event-conversion.js';
import type { FieldError } from '../errors.js';
import { deepCopy, jsonEqual, type KubeObject } from '../object.js';
import { child, duplicate, forbidden, index, invalid, key, nonNegative, notSupported, required, tooLong } from './field-errors.js';
import { byteLen, has, numAt, obj, objAt, objsAt, optBoolAt, optStrAt, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import { isDNS1123Subdomain, isQualifiedName, validateCIDR, validateQualifiedName } from './names.js';
import { parseCIDR } from './ip.js';
import { validateFinalizerName, validateImmutableField } from './object-meta.js';
import { validateNodeSelector, validateNodeTaints, validatePodTemplateSpec, podTemplateOptions } from './pod.js';
import { compareQuantity, formatQuantity, readQuantity } from '../schema/quantity.js';
import {
  isOvercommitAllowed,
  quantityAt,
  validateContainerResourceName,
  validatePositiveQuantity,
  validateResourceList,
  validateResourceName,
  validateResourceQuantityValue,
  validateResourceQuotaResourceName,
} from './resources.js';
import { ACCESS_MODES, configMapKeyErrors, validateAccessModes, validateCSIDriverName, validatePathNoBacksteps, validatePersistentVolumeClaimSpec, VOLUME_MODES } from './volumes.js';

/** Upper bound of a Secret's or ConfigMap's payload (1 MiB). */
export const MAX_SECRET_SIZE = 1024 * 1024;

function parts(o: KubeObject): JsonObject {
  return obj(o) ?? {};
}

/** Decodes a base64 []byte member; undefined when it is not valid base64. */
function decodeBase64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return undefined;
  return Buffer.from(v, 'base64');
}

// ---- ConfigMap & Secret ----------------------------------------------------------------------------

export function validateConfigMap(cm: KubeObject): FieldError[] {
  const o = parts(cm);
  const errs: FieldError[] = [];
  const data = strMapAt(o, 'data');
  const binary = objAt(o, 'binaryData') ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...configMapKeyErrors(key('data', k), k));
    if (k in binary) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += byteLen(v);
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...configMapKeyErrors(key('binaryData', k), k));
    total += decodeBase64(v)?.length ?? 0;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: KubeObject, old: KubeObject): FieldError[] {
  const n = parts(cm);
  const o = parts(old);
  const errs: FieldError[] = [];
  if (optBoolAt(o, 'immutable') === true) {
    if (optBoolAt(n, 'immutable') !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!jsonEqual(n.data ?? {}, o.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    if (!jsonEqual(n.binaryData ?? {}, o.binaryData ?? {})) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return [...errs, ...validateConfigMap(cm)];
}

/** Go's json.Unmarshal error for a non-JSON-object docker config, or undefined when valid. */
function dockerConfigError(raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  if (text.trim() === '') return 'unexpected end of JSON input';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const bad = text.trim()[0];
    return /[[{"\-0-9tfn]/.test(bad) ? 'unexpected end of JSON input' : `invalid character '${bad}' looking for beginning of value`;
  }
  if (v === null || (typeof v === 'object' && !Array.isArray(v))) return undefined;
  const t = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
  return `json: cannot unmarshal ${t} into Go value of type map[string]interface {}`;
}

export function validateSecret(secret: KubeObject): FieldError[] {
  const o = parts(secret);
  const errs: FieldError[] = [];
  const data = objAt(o, 'data') ?? {};
  const decoded = new Map<string, Buffer>();
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...configMapKeyErrors(key('data', k), k));
    const b = decodeBase64(v) ?? Buffer.alloc(0);
    decoded.set(k, b);
    total += b.length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const annotations = strMapAt(objAt(o, 'metadata'), 'annotations');
  switch (strAt(o, 'type')) {
    case 'kubernetes.io/service-account-token':
      if (!annotations['kubernetes.io/service-account.name']) errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      break;
    case 'kubernetes.io/dockercfg': {
      const b = decoded.get('.dockercfg');
      if (!b) errs.push(required(key('data', '.dockercfg')));
      else {
        const e = dockerConfigError(b);
        if (e) errs.push(invalid(key('data', '.dockercfg'), '<secret contents redacted>', e));
      }
      break;
    }
    case 'kubernetes.io/dockerconfigjson': {
      const b = decoded.get('.dockerconfigjson');
      if (!b) errs.push(required(key('data', '.dockerconfigjson')));
      else {
        const e = dockerConfigError(b);
        if (e) errs.push(invalid(key('data', '.dockerconfigjson'), '<secret contents redacted>', e));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!decoded.has('username') && !decoded.has('password')) errs.push(required(key('data', 'username')), required(key('data', 'password')));
      break;
    case 'kubernetes.io/ssh-auth':
      if ((decoded.get('ssh-privatekey')?.length ?? 0) === 0) errs.push(required(key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!decoded.has('tls.crt')) errs.push(required(key('data', 'tls.crt')));
      if (!decoded.has('tls.key')) errs.push(required(key('data', 'tls.key')));
      break;
  }
  return errs;
}

export function validateSecretUpdate(secret: KubeObject, old: KubeObject): FieldError[] {
  const n = parts(secret);
  const o = parts(old);
  const errs = validateImmutableField('type', n.type, o.type);
  if (optBoolAt(o, 'immutable') === true) {
    if (optBoolAt(n, 'immutable') !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!jsonEqual(n.data ?? {}, o.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  }
  return [...errs, ...validateSecret(secret)];
}

// ---- Namespace ---------------------------------------------------------------------------------------

export function validateNamespace(ns: KubeObject): FieldError[] {
  return strListAt(objAt(parts(ns), 'spec'), 'finalizers').flatMap((f) => validateFinalizerName('spec.finalizers', f, true));
}

export function validateNamespaceStatus(ns: KubeObject): FieldError[] {
  const o = parts(ns);
  const phase = strAt(objAt(o, 'status'), 'phase');
  const deleting = has(objAt(o, 'metadata'), 'deletionTimestamp');
  if (!deleting && phase !== 'Active') return [invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty")];
  if (deleting && phase !== 'Terminating') return [invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
  return [];
}

/** The /finalize subresource: spec.finalizers entries. */
export function validateNamespaceFinalize(ns: KubeObject): FieldError[] {
  return strListAt(objAt(parts(ns), 'spec'), 'finalizers').flatMap((f, i) => validateFinalizerName(index('spec.finalizers', i), f, true));
}

// ---- Node ------------------------------------------------------------------------------------------------

function validateNodeResources(o: JsonObject): FieldError[] {
  const status = objAt(o, 'status');
  const errs: FieldError[] = [];
  for (const kind of ['capacity', 'allocatable']) {
    for (const [k, raw] of Object.entries(objAt(status, kind) ?? {})) {
      const p = `status.${kind}.${k}`;
      const q = quantityAt(p, raw, errs);
      if (q) errs.push(...validateResourceQuantityValue(p, k, q));
    }
  }
  return errs;
}

function nodeAnnotationTaints(o: JsonObject): FieldError[] {
  const annotations = strMapAt(objAt(o, 'metadata'), 'annotations');
  const raw = annotations['scheduler.alpha.kubernetes.io/taints'];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? validateNodeTaints('metadata.annotations.scheduler.alpha.kubernetes.io/taints', parsed.map((t) => obj(t) ?? {})) : [];
  } catch (e) {
    return [invalid('metadata.annotations', 'scheduler.alpha.kubernetes.io/taints', (e as Error).message)];
  }
}

export function validateNode(node: KubeObject): FieldError[] {
  const o = parts(node);
  const spec = objAt(o, 'spec');
  const errs = nodeAnnotationTaints(o);
  const taints = objsAt(spec, 'taints');
  if (taints.length > 0) errs.push(...validateNodeTaints('metadata.taints', taints));
  errs.push(...validateNodeResources(o));
  const cidrs = strListAt(spec, 'podCIDRs');
  if (cidrs.length > 0) {
    cidrs.forEach((c, i) => errs.push(...validateCIDR(index('spec.podCIDRs', i), c)));
    if (cidrs.length > 1) {
      const parsed = cidrs.map((c) => parseCIDR(c));
      if (parsed.every((p) => p !== null) && (cidrs.length > 2 || parsed[0]?.v4 === parsed[1]?.v4)) {
        errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
      }
      const seen = new Set<string>();
      cidrs.forEach((c, i) => {
        if (seen.has(c)) errs.push(duplicate(index('spec.podCIDRs', i), c));
        seen.add(c);
      });
    }
  }
  return errs;
}

export function validateNodeUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const n = parts(node);
  const o = parts(old);
  const spec = objAt(n, 'spec');
  const oldSpec = objAt(o, 'spec');
  const errs = [...nodeAnnotationTaints(n), ...validateNodeResources(n)];
  const seen = new Set<string>();
  objsAt(objAt(n, 'status'), 'addresses').forEach((a, i) => {
    const k = `${strAt(a, 'type')}/${strAt(a, 'address')}`;
    if (seen.has(k)) errs.push(duplicate(index('status.addresses', i), a));
    seen.add(k);
  });
  const oldCIDRs = strListAt(oldSpec, 'podCIDRs');
  const newCIDRs = strListAt(spec, 'podCIDRs');
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')));
  }
  const oldProvider = strAt(oldSpec, 'providerID');
  if (oldProvider !== '' && oldProvider !== strAt(spec, 'providerID')) errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  const taints = objsAt(spec, 'taints');
  if (taints.length > 0) errs.push(...validateNodeTaints('metadata.taints', taints));
  if (strAt(spec, 'externalID') !== strAt(oldSpec, 'externalID')) errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

// ---- PersistentVolume & PersistentVolumeClaim ------------------------------------------------------------

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const PV_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
];

function validatePVSource(kind: string, src: JsonObject, p: string): FieldError[] {
  switch (kind) {
    case 'hostPath':
    case 'local': {
      const path = strAt(src, 'path');
      if (path === '') return [required(child(p, 'path'))];
      return validatePathNoBacksteps(child(p, 'path'), path);
    }
    case 'nfs': {
      const errs: FieldError[] = [];
      if (strAt(src, 'server') === '') errs.push(required(child(p, 'server')));
      const path = strAt(src, 'path');
      if (path === '') errs.push(required(child(p, 'path')));
      if (!path.startsWith('/')) errs.push(invalid(child(p, 'path'), path, 'must be an absolute path'));
      return errs;
    }
    case 'csi': {
      const errs = validateCSIDriverName(child(p, 'driver'), strAt(src, 'driver'));
      if (strAt(src, 'volumeHandle') === '') errs.push(required(child(p, 'volumeHandle')));
      return errs;
    }
    default:
      return [];
  }
}

export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  const spec = objAt(parts(pv), 'spec') ?? {};
  const errs: FieldError[] = [];
  const modes = strListAt(spec, 'accessModes');
  if (modes.length === 0) errs.push(required('spec.accessModes'));
  errs.push(...validateAccessModes('spec.accessModes', modes));
  const capacity = objAt(spec, 'capacity') ?? {};
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(notSupported('spec.capacity', capacity, ['storage']));
  for (const [k, raw] of Object.entries(capacity)) {
    const p = key('spec.capacity', k);
    const q = quantityAt(p, raw, errs);
    if (!q) continue;
    if (q.nanos < 0n) errs.push(invalid(p, formatQuantity(q), 'must be a valid resource quantity'));
    errs.push(...validatePositiveQuantity(p, q));
  }
  const reclaim = strAt(spec, 'persistentVolumeReclaimPolicy');
  if (reclaim !== '' && !RECLAIM_POLICIES.includes(reclaim)) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', reclaim, RECLAIM_POLICIES));
  const nodeAffinity = objAt(spec, 'nodeAffinity');
  if (nodeAffinity) {
    const req = objAt(nodeAffinity, 'required');
    if (req) errs.push(...validateNodeSelector('spec.nodeAffinity.required', req));
    else errs.push(required('spec.nodeAffinity.required', 'must specify required node constraints'));
  }
  let n = 0;
  for (const kind of PV_SOURCES) {
    const src = objAt(spec, kind);
    if (!src) continue;
    if (n > 0 && kind !== 'flexVolume') {
      errs.push(forbidden(`spec.${kind}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    errs.push(...validatePVSource(kind, src, `spec.${kind}`));
    if (kind === 'local' && !nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (n === 0) errs.push(required('spec', 'must specify a volume type'));
  const hostPath = strAt(objAt(spec, 'hostPath'), 'path');
  if (hostPath !== '' && hostPath.replace(/\/+$/, '') === '' && reclaim === 'Recycle') {
    errs.push(forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const sc = strAt(spec, 'storageClassName');
  if (sc !== '') for (const m of isDNS1123Subdomain(sc)) errs.push(invalid('spec.storageClassName', sc, m));
  const vm = optStrAt(spec, 'volumeMode');
  if (vm !== undefined && !VOLUME_MODES.includes(vm)) errs.push(notSupported('spec.volumeMode', vm, VOLUME_MODES));
  return errs;
}

function pvSource(spec: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const k of PV_SOURCES) if (spec && spec[k] !== undefined) out[k] = spec[k];
  return out;
}

export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const spec = objAt(parts(pv), 'spec');
  const oldSpec = objAt(parts(old), 'spec');
  const errs = validatePersistentVolume(pv);
  const newSrc = pvSource(spec);
  const oldSrc = pvSource(oldSpec);
  const newCSI = objAt(newSrc, 'csi');
  const oldCSI = objAt(oldSrc, 'csi');
  if (newCSI && oldCSI && !has(oldCSI, 'controllerExpandSecretRef')) {
    // Setting controllerExpandSecretRef for the first time is allowed.
    newSrc.csi = { ...newCSI, controllerExpandSecretRef: undefined };
  }
  if (!jsonEqual(newSrc, oldSrc)) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  errs.push(...validateImmutableField('volumeMode', spec?.volumeMode, oldSpec?.volumeMode));
  if (has(oldSpec, 'nodeAffinity') && !jsonEqual(spec?.nodeAffinity, oldSpec?.nodeAffinity)) {
    errs.push(invalid('nodeAffinity', spec?.nodeAffinity ?? null, 'field is immutable, except for updating from beta label to GA'));
  }
  return errs;
}

export function validatePersistentVolumeClaim(pvc: KubeObject): FieldError[] {
  return validatePersistentVolumeClaimSpec('spec', objAt(parts(pvc), 'spec') ?? {});
}

export function validatePersistentVolumeClaimUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const n = parts(pvc);
  const o = parts(old);
  const spec = deepCopy(objAt(n, 'spec') ?? {});
  const oldSpec = deepCopy(objAt(o, 'spec') ?? {});
  const errs = validatePersistentVolumeClaim(pvc);
  // volumeName may be set once (binding); storage requests may grow for bound claims.
  if (strAt(oldSpec, 'volumeName') === '') {
    if (spec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = spec.volumeName;
  }
  const betaAnnotation = 'volume.beta.kubernetes.io/storage-class';
  const oldAnn = strMapAt(objAt(o, 'metadata'), 'annotations');
  const newAnn = strMapAt(objAt(n, 'metadata'), 'annotations');
  const oldSc = optStrAt(oldSpec, 'storageClassName');
  const newSc = optStrAt(spec, 'storageClassName');
  const upgradeFromAnnotation = betaAnnotation in oldAnn && oldSc === undefined && newSc === oldAnn[betaAnnotation] && (!(betaAnnotation in newAnn) || newAnn[betaAnnotation] === oldAnn[betaAnnotation]);
  if (upgradeFromAnnotation) {
    delete spec.storageClassName;
  } else {
    if ((newAnn[betaAnnotation] ?? '') !== (oldAnn[betaAnnotation] ?? '')) errs.push(invalid(`metadata.annotations.${betaAnnotation}`, newAnn[betaAnnotation] ?? '', 'field is immutable'));
    if (newSc !== undefined && oldSc === undefined && (!(betaAnnotation in oldAnn) || newSc === oldAnn[betaAnnotation])) delete spec.storageClassName;
  }
  const bound = strAt(objAt(n, 'status'), 'phase') === 'Bound';
  const requests = objAt(objAt(spec, 'resources'), 'requests');
  const oldRequests = objAt(objAt(oldSpec, 'resources'), 'requests');
  if (bound && requests) requests.storage = oldRequests?.storage;
  if (bound && has(spec, 'volumeAttributesClassName')) spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (!jsonEqual(spec, oldSpec)) errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  const newSize = readQuantity(objAt(objAt(objAt(n, 'spec'), 'resources'), 'requests')?.storage);
  const oldSize = readQuantity(oldRequests?.storage);
  if (newSize && oldSize && compareQuantity(newSize, oldSize) < 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  errs.push(...validateImmutableField('volumeMode', objAt(n, 'spec')?.volumeMode, objAt(o, 'spec')?.volumeMode));
  return errs;
}

export function validatePersistentVolumeClaimStatus(pvc: KubeObject): FieldError[] {
  const o = parts(pvc);
  const errs: FieldError[] = [];
  if (strListAt(objAt(o, 'spec'), 'accessModes').length === 0) errs.push(required('Spec.accessModes'));
  for (const [k, raw] of Object.entries(objAt(objAt(o, 'status'), 'capacity') ?? {})) {
    const p = key('status.capacity', k);
    const q = quantityAt(p, raw, errs);
    if (q && q.nanos < 0n) errs.push(invalid(p, formatQuantity(q), 'must be a valid resource quantity'));
  }
  return errs;
}

export { ACCESS_MODES };

// ---- LimitRange & ResourceQuota -----------------------------------------------------------------------

const LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

export function validateLimitRange(lr: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const seenTypes = new Set<string>();
  objsAt(objAt(parts(lr), 'spec'), 'limits').forEach((limit, i) => {
    const p = index('spec.limits', i);
    const type = strAt(limit, 'type');
    const typeErrs = isQualifiedName(type).map((m) => invalid(child(p, 'type'), type, m));
    if (typeErrs.length === 0 && !type.includes('/') && !LIMIT_TYPES.has(type)) typeErrs.push(invalid(child(p, 'type'), type, 'must be a standard limit type or fully qualified'));
    errs.push(...typeErrs);
    if (seenTypes.has(type)) errs.push(duplicate(child(p, 'type'), type));
    seenTypes.add(type);
    const nameCheck = type === 'Pod' || type === 'Container' ? validateContainerResourceName : validateResourceName;
    const lists = new Map<string, Map<string, ReturnType<typeof readQuantity>>>();
    const keys = new Set<string>();
    const collect = (member: string): void => {
      const m = new Map<string, ReturnType<typeof readQuantity>>();
      for (const [k, raw] of Object.entries(objAt(limit, member) ?? {})) {
        errs.push(...nameCheck(key(child(p, member), k), k));
        keys.add(k);
        m.set(k, readQuantity(raw));
      }
      lists.set(member, m);
    };
    collect('max');
    collect('min');
    if (type === 'Pod') {
      if (Object.keys(objAt(limit, 'default') ?? {}).length > 0) errs.push(forbidden(child(p, 'default'), "may not be specified when `type` is 'Pod'"));
      if (Object.keys(objAt(limit, 'defaultRequest') ?? {}).length > 0) errs.push(forbidden(child(p, 'defaultRequest'), "may not be specified when `type` is 'Pod'"));
    } else {
      collect('default');
      collect('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !has(objAt(limit, 'min'), 'storage') && !has(objAt(limit, 'max'), 'storage')) {
      errs.push(required(child(p, 'limits'), 'either minimum or maximum storage value is required, but neither was provided'));
    }
    collect('maxLimitRequestRatio');
    for (const k of keys) {
      const min = lists.get('min')?.get(k);
      const max = lists.get('max')?.get(k);
      const def = lists.get('default')?.get(k);
      const defReq = lists.get('defaultRequest')?.get(k);
      const ratio = lists.get('maxLimitRequestRatio')?.get(k);
      const f = (q: NonNullable<typeof min>): string => formatQuantity(q);
      if (min && max && compareQuantity(min, max) > 0) errs.push(invalid(key(child(p, 'min'), k), f(min), `min value ${f(min)} is greater than max value ${f(max)}`));
      if (defReq && min && compareQuantity(min, defReq) > 0) errs.push(invalid(key(child(p, 'defaultRequest'), k), f(defReq), `min value ${f(min)} is greater than default request value ${f(defReq)}`));
      if (defReq && max && compareQuantity(defReq, max) > 0) errs.push(invalid(key(child(p, 'defaultRequest'), k), f(defReq), `default request value ${f(defReq)} is greater than max value ${f(max)}`));
      if (defReq && def && compareQuantity(defReq, def) > 0) errs.push(invalid(key(child(p, 'defaultRequest'), k), f(defReq), `default request value ${f(defReq)} is greater than default limit value ${f(def)}`));
      if (def && min && compareQuantity(min, def) > 0) errs.push(invalid(key(child(p, 'default'), k), f(min), `min value ${f(min)} is greater than default value ${f(def)}`));
      if (def && max && compareQuantity(def, max) > 0) errs.push(invalid(key(child(p, 'default'), k), f(max), `default value ${f(def)} is greater than max value ${f(max)}`));
      if (ratio && ratio.nanos < 1_000_000_000n) errs.push(invalid(key(child(p, 'maxLimitRequestRatio'), k), f(ratio), `ratio ${f(ratio)} is less than 1`));
      if (ratio && min && max && min.nanos > 0n) {
        const limitRatio = Number(max.nanos) / Number(min.nanos);
        if (Number(ratio.nanos) / 1e9 > limitRatio) errs.push(invalid(key(child(p, 'maxLimitRequestRatio'), k), f(ratio), `ratio ${f(ratio)} is greater than max/min = ${limitRatio.toFixed(6)}`));
      }
      if (!isOvercommitAllowed(k) && def && defReq && compareQuantity(def, defReq) !== 0) {
        errs.push(invalid(key(child(p, 'defaultRequest'), k), f(defReq), `default value ${f(def)} must equal to defaultRequest value ${f(defReq)} in ${k}`));
      }
    }
  });
  return errs;
}

const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'];
const POD_COMPUTE = ['pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage'];

function scopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
      return POD_COMPUTE.includes(resource);
    case 'BestEffort':
    case 'CrossNamespacePodAffinity':
      return resource === 'pods';
    case 'VolumeAttributesClass':
      return ['persistentvolumeclaims', 'requests.storage'].includes(resource);
    default:
      return true;
  }
}

function validateQuotaSpec(spec: JsonObject | undefined): FieldError[] {
  const errs = validateResourceList('spec.hard', objAt(spec, 'hard'), validateResourceQuotaResourceName);
  const hard = Object.keys(objAt(spec, 'hard') ?? {}).sort();
  const scopes = strListAt(spec, 'scopes');
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const r of hard) {
      if (!r.includes('/') && !scopeValidForResource(scope, r)) errs.push(invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
    }
  }
  const conflicts = (set: readonly string[]): boolean => (set.includes('BestEffort') && set.includes('NotBestEffort')) || (set.includes('Terminating') && set.includes('NotTerminating'));
  if (conflicts(scopes)) errs.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
  const selector = objAt(spec, 'scopeSelector');
  if (selector) {
    const p = 'spec.scopeSelector.matchExpressions';
    const names: string[] = [];
    for (const req of objsAt(selector, 'matchExpressions')) {
      const scope = strAt(req, 'scopeName');
      const op = strAt(req, 'operator');
      const values = strListAt(req, 'values');
      if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid(child(p, 'scopeName'), scope, 'unsupported scope'));
      for (const r of hard) if (!r.includes('/') && !scopeValidForResource(scope, r)) errs.push(invalid(p, selector, 'unsupported scope applied to resource'));
      if (['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'].includes(scope) && op !== 'Exists') {
        errs.push(
          invalid(
            child(p, 'operator'),
            op,
            'must be \'Exists\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity',
          ),
        );
      }
      if (op === 'In' || op === 'NotIn') {
        if (values.length === 0) errs.push(required(child(p, 'values'), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
      } else if (op === 'Exists' || op === 'DoesNotExist') {
        if (values.length !== 0) errs.push(invalid(child(p, 'values'), values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
      } else {
        errs.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
      }
      names.push(scope);
    }
    if (conflicts(names)) errs.push(invalid(p, scopes, 'conflicting scopes'));
  }
  return errs;
}

function validateQuotaStatus(status: JsonObject | undefined): FieldError[] {
  return [...validateResourceList('status.hard', objAt(status, 'hard'), validateResourceQuotaResourceName), ...validateResourceList('status.used', objAt(status, 'used'), validateResourceQuotaResourceName)];
}

export function validateResourceQuota(rq: KubeObject): FieldError[] {
  const o = parts(rq);
  return [...validateQuotaSpec(objAt(o, 'spec')), ...validateQuotaStatus(objAt(o, 'status'))];
}

export function validateResourceQuotaUpdate(rq: KubeObject, old: KubeObject): FieldError[] {
  const spec = objAt(parts(rq), 'spec');
  const errs = validateQuotaSpec(spec);
  const newScopes = new Set(strListAt(spec, 'scopes'));
  const oldScopes = new Set(strListAt(objAt(parts(old), 'spec'), 'scopes'));
  if (newScopes.size !== oldScopes.size || [...newScopes].some((s) => !oldScopes.has(s))) errs.push(invalid('spec.scopes', strListAt(spec, 'scopes'), 'field is immutable'));
  return errs;
}

export function validateResourceQuotaStatusUpdate(rq: KubeObject): FieldError[] {
  return validateQuotaStatus(objAt(parts(rq), 'status'));
}

// ---- ReplicationController & PodTemplate --------------------------------------------------------------

export function validateReplicationController(rc: KubeObject, old?: KubeObject): FieldError[] {
  const spec = objAt(parts(rc), 'spec') ?? {};
  const errs = [...nonNegative('spec.minReadySeconds', numAt(spec, 'minReadySeconds'))];
  const selector = strMapAt(spec, 'selector');
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...nonNegative('spec.replicas', numAt(spec, 'replicas')));
  const template = objAt(spec, 'template');
  if (!template) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = strMapAt(objAt(template, 'metadata'), 'labels');
  if (Object.keys(selector).length > 0 && Object.entries(selector).some(([k, v]) => labels[k] !== v)) {
    errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec('spec.template', template, podTemplateOptions(objAt(objAt(parts(old ?? { metadata: {} }), 'spec'), 'template'))));
  const restart = strAt(objAt(template, 'spec'), 'restartPolicy');
  if (restart !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  if (has(objAt(template, 'spec'), 'activeDeadlineSeconds')) errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  return errs;
}

/** Status of ReplicationControllers and ReplicaSets: non-negative counters and their ordering. */
export function validateReplicaCounts(status: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const n of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) errs.push(...nonNegative(`status.${n}`, numAt(status, n)));
  errs.push(...validateReplicaOrdering(status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']));
  return errs;
}

/** Each of `counters` at most status.replicas, then availableReplicas at most readyReplicas (RC, ReplicaSet, Deployment status). */
export function validateReplicaOrdering(status: JsonObject | undefined, counters: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const replicas = numAt(status, 'replicas');
  for (const n of counters) if (numAt(status, n) > replicas) errs.push(invalid(`status.${n}`, numAt(status, n), 'cannot be greater than status.replicas'));
  if (numAt(status, 'availableReplicas') > numAt(status, 'readyReplicas')) errs.push(invalid('status.availableReplicas', numAt(status, 'availableReplicas'), 'cannot be greater than readyReplicas'));
  return errs;
}

export function validatePodTemplate(pt: KubeObject, old?: KubeObject): FieldError[] {
  return validatePodTemplateSpec('template', objAt(parts(pt), 'template'), podTemplateOptions(old ? objAt(parts(old), 'template') : undefined));
}

// ---- Events ----------------------------------------------------------------------------------------------

const TIME_ZERO = new Set([undefined, null, '', '0001-01-01T00:00:00Z']);

function isZeroTime(v: unknown): boolean {
  return TIME_ZERO.has(v as string | null | undefined);
}

/** The shape the validation works on: core/v1 Event field names (events.k8s.io objects are converted first). */
interface EventView {
  readonly namespace: string;
  readonly involvedNamespace: string;
  readonly eventTime: unknown;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly action: string;
  readonly reason: string;
  readonly message: string;
  readonly type: string;
  readonly series: JsonObject | undefined;
  readonly firstTimestamp: unknown;
  readonly lastTimestamp: unknown;
  readonly count: number;
  readonly sourceSet: boolean;
}

function coreEventView(ev: KubeObject): EventView {
  const o = parts(ev);
  const source = objAt(o, 'source');
  return {
    namespace: strAt(objAt(o, 'metadata'), 'namespace'),
    involvedNamespace: strAt(objAt(o, 'involvedObject'), 'namespace'),
    eventTime: o.eventTime,
    reportingController: strAt(o, 'reportingComponent'),
    reportingInstance: strAt(o, 'reportingInstance'),
    action: strAt(o, 'action'),
    reason: strAt(o, 'reason'),
    message: strAt(o, 'message'),
    type: strAt(o, 'type'),
    series: objAt(o, 'series'),
    firstTimestamp: o.firstTimestamp,
    lastTimestamp: o.lastTimestamp,
    count: numAt(o, 'count'),
    sourceSet: strAt(source, 'component') !== '' || strAt(source, 'host') !== '',
  };
}

function legacyEventChecks(e: EventView, reportingField: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isZeroTime(e.eventTime)) {
    if (e.involvedNamespace === '') {
      if (e.namespace !== '' && e.namespace !== 'default') errs.push(invalid('involvedObject.namespace', e.involvedNamespace, 'does not match event.namespace'));
    } else if (e.namespace !== e.involvedNamespace) {
      errs.push(invalid('involvedObject.namespace', e.involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (e.involvedNamespace === '' && e.namespace !== 'default' && e.namespace !== 'kube-system') errs.push(invalid('involvedObject.namespace', e.involvedNamespace, 'does not match event.namespace'));
    if (e.reportingController === '') errs.push(required(reportingField));
    errs.push(...validateQualifiedName(reportingField, e.reportingController));
    if (e.reportingInstance === '') errs.push(required('reportingInstance'));
    if (e.reportingInstance.length > 128) errs.push(invalid('reportingInstance', '', 'can have at most 128 characters'));
    if (e.action === '') errs.push(required('action'));
    if (e.action.length > 128) errs.push(invalid('action', '', 'can have at most 128 characters'));
    if (e.reason === '') errs.push(required('reason'));
    if (e.reason.length > 128) errs.push(invalid('reason', '', 'can have at most 128 characters'));
    if (e.message.length > 1024) errs.push(invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const m of isDNS1123Subdomain(e.namespace)) errs.push(invalid('namespace', e.namespace, m));
  return errs;
}

function seriesChecks(e: EventView): FieldError[] {
  if (!e.series) return [];
  const errs: FieldError[] = [];
  if (numAt(e.series, 'count') < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
  if (isZeroTime(e.series.lastObservedTime)) errs.push(required('series.lastObservedTime'));
  return errs;
}

/** core/v1 Event create/update: the lenient legacy rules (upstream skips the strict ones for v1). */
export function validateCoreEvent(ev: KubeObject): FieldError[] {
  return legacyEventChecks(coreEventView(ev), 'reportingComponent');
}

/** events.k8s.io/v1 Event create: legacy rules plus the strict ones. */
export function validateEventsV1Event(ev: KubeObject): FieldError[] {
  const e = coreEventView(eventsV1ToCore(ev));
  const errs = [...legacyEventChecks(e, 'reportingController'), ...seriesChecks(e)];
  if (isZeroTime(e.eventTime)) errs.push(required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${e.type}`));
  if (!isZeroTime(e.firstTimestamp)) errs.push(invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isZeroTime(e.lastTimestamp)) errs.push(invalid('lastTimestamp', '', 'needs to be unset'));
  if (e.count !== 0) errs.push(invalid('count', '', 'needs to be unset'));
  if (e.sourceSet) errs.push(invalid('source', '', 'needs to be unset'));
  return errs;
}

/** events.k8s.io/v1 Event update: most fields are immutable. */
export function validateEventsV1EventUpdate(ev: KubeObject, old: KubeObject): FieldError[] {
  const n = parts(ev);
  const o = parts(old);
  const e = coreEventView(eventsV1ToCore(ev));
  const errs = legacyEventChecks(e, 'reportingController');
  if (!jsonEqual(n.series, o.series)) errs.push(...seriesChecks(e));
  const pairs: Array<[string, string]> = [
    ['involvedObject', 'regarding'],
    ['reason', 'reason'],
    ['message', 'note'],
    ['source', 'deprecatedSource'],
    ['firstTimestamp', 'deprecatedFirstTimestamp'],
    ['lastTimestamp', 'deprecatedLastTimestamp'],
    ['count', 'deprecatedCount'],
    ['type', 'type'],
    ['eventTime', 'eventTime'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingController', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [path, member] of pairs) {
    const nv = n[member];
    const ov = o[member];
    if (!jsonEqual(nv ?? null, ov ?? null)) errs.push(invalid(path, nv ?? null, 'field is immutable'));
  }
  return errs;
}

