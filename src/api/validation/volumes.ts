/**
 * Pod volumes and the volume sources they hold (core validation's ValidateVolumes and
 * validateVolumeSource family), plus PersistentVolumeClaimSpec which generic ephemeral volumes
 * and StatefulSet claim templates embed. Paths and texts follow upstream, quirks included (the
 * duplicate-source error for downwardAPI is reported at `downwarAPI`, GCE disk fields under
 * `persistentDisk`).
 */
import type { FieldError } from '../errors.js';
import { child, duplicate, forbidden, index, invalid, key, notSupported, required } from './field-errors.js';
import { arrAt, has, numAt, objAt, objsAt, optNumAt, optStrAt, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  nameProblems,
  validateDNS1123Label,
  validateDNS1123Subdomain,
} from './names.js';
import { validateLabelSelector, validateTemplateObjectMeta } from './object-meta.js';
import { formatQuantity } from '../schema/quantity.js';
import { quantityAt, validatePositiveQuantity, validateResourceQuantityValue } from './resources.js';

export const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const PD_PARTITION_ERROR = inclusiveRangeError(1, 255);

// ---- path helpers ----------------------------------------------------------------------------------

/** Paths without `..` elements. */
export function validatePathNoBacksteps(field: string, target: string): FieldError[] {
  return target.split('/').includes('..') ? [invalid(field, target, "must not contain '..'")] : [];
}

/** Relative paths without `..` elements. */
export function validateLocalDescendingPath(field: string, target: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(invalid(field, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(field, target));
  return errs;
}

/** Relative, no `..` elements, and not starting with `..`. */
export function validateLocalNonReservedPath(field: string, target: string): FieldError[] {
  const errs = validateLocalDescendingPath(field, target);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(field, target, "must not start with '..'"));
  return errs;
}

function validateMode(field: string, mode: number | undefined): FieldError[] {
  return mode !== undefined && (mode > 0o777 || mode < 0) ? [invalid(field, mode, FILE_MODE_ERROR)] : [];
}

function validateKeyToPath(field: string, kp: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  if (strAt(kp, 'key') === '') errs.push(required(child(field, 'key')));
  const path = strAt(kp, 'path');
  if (path === '') errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(child(field, 'path'), path));
  errs.push(...validateMode(child(field, 'mode'), optNumAt(kp, 'mode')));
  return errs;
}

// ---- downward API ---------------------------------------------------------------------------------

const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
export const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const CONVERTIBLE_POD_FIELDS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** `metadata.labels['key']` → path and subscript. */
function splitSubscript(fieldPath: string): { path: string; subscript?: string } {
  const m = /^([^[]+)\['(.*)'\]$/.exec(fieldPath);
  return m ? { path: m[1], subscript: m[2] } : { path: fieldPath };
}

/** An ObjectFieldSelector (downward API `fieldRef`). */
export function validateObjectFieldSelector(field: string, fs: JsonObject, allowed: readonly string[]): FieldError[] {
  const apiVersion = strAt(fs, 'apiVersion');
  const fieldPath = strAt(fs, 'fieldPath');
  if (apiVersion === '') return [required(child(field, 'apiVersion'))];
  if (fieldPath === '') return [required(child(field, 'fieldPath'))];
  if (apiVersion !== 'v1') return [invalid(child(field, 'fieldPath'), fieldPath, `error converting fieldPath: unsupported pod version: ${apiVersion}`)];
  const { path, subscript } = splitSubscript(fieldPath);
  if (!CONVERTIBLE_POD_FIELDS.has(path) || (subscript !== undefined && path !== 'metadata.annotations' && path !== 'metadata.labels')) {
    return [invalid(child(field, 'fieldPath'), fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`)];
  }
  if (subscript !== undefined) {
    const name = path === 'metadata.annotations' ? subscript.toLowerCase() : subscript;
    return isQualifiedName(name).map((m) => invalid(field, name, m));
  }
  if (!allowed.includes(path)) return [notSupported(child(field, 'fieldPath'), path, allowed)];
  return [];
}

const CPU_DIVISORS = new Set(['1m', '1']);
const BYTE_DIVISORS = new Set(['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei']);

/** A ResourceFieldSelector (downward API `resourceFieldRef`). */
export function validateResourceFieldSelector(field: string, fs: JsonObject, volume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const resource = strAt(fs, 'resource');
  if (volume && strAt(fs, 'containerName') === '') errs.push(required(child(field, 'containerName')));
  else if (resource === '') errs.push(required(child(field, 'resource')));
  else if (!RESOURCE_FIELD_PATHS.includes(resource) && !resource.startsWith('requests.hugepages-') && !resource.startsWith('limits.hugepages-')) {
    errs.push(notSupported(child(field, 'resource'), resource, RESOURCE_FIELD_PATHS));
  }
  if (has(fs, 'divisor')) {
    const divErrs: FieldError[] = [];
    const q = quantityAt(child(field, 'divisor'), fs.divisor, divErrs);
    errs.push(...divErrs);
    if (q && q.nanos !== 0n) {
      const d = formatQuantity(q);
      if ((resource === 'limits.cpu' || resource === 'requests.cpu') && !CPU_DIVISORS.has(d)) {
        errs.push(invalid(child(field, 'divisor'), resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
      } else if ((resource === 'limits.memory' || resource === 'requests.memory') && !BYTE_DIVISORS.has(d)) {
        errs.push(invalid(child(field, 'divisor'), resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"));
      } else if ((resource === 'limits.ephemeral-storage' || resource === 'requests.ephemeral-storage') && !BYTE_DIVISORS.has(d)) {
        errs.push(invalid(child(field, 'divisor'), resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource"));
      } else if ((resource.startsWith('requests.hugepages-') || resource.startsWith('limits.hugepages-')) && !BYTE_DIVISORS.has(d)) {
        errs.push(invalid(child(field, 'divisor'), resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource"));
      }
    }
  }
  return errs;
}

function validateDownwardAPIFile(field: string, file: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const path = strAt(file, 'path');
  if (path === '') errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(child(field, 'path'), path));
  const fieldRef = objAt(file, 'fieldRef');
  const resourceFieldRef = objAt(file, 'resourceFieldRef');
  if (fieldRef) {
    errs.push(...validateObjectFieldSelector(child(field, 'fieldRef'), fieldRef, VOLUME_FIELD_PATHS));
    if (resourceFieldRef) errs.push(invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(child(field, 'resourceFieldRef'), resourceFieldRef, true));
  } else {
    errs.push(required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateMode(child(field, 'mode'), optNumAt(file, 'mode')));
  return errs;
}

// ---- volume sources --------------------------------------------------------------------------------

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function hostPath(src: JsonObject, p: string): FieldError[] {
  const path = strAt(src, 'path');
  if (path === '') return [required(child(p, 'path'))];
  const errs = validatePathNoBacksteps(child(p, 'path'), path);
  const type = optStrAt(src, 'type');
  if (type !== undefined && !HOST_PATH_TYPES.includes(type)) errs.push(notSupported(child(p, 'type'), type, HOST_PATH_TYPES));
  return errs;
}

function requireFields(src: JsonObject, p: string, ...names: string[]): FieldError[] {
  return names.filter((n) => strAt(src, n) === '' && arrAt(src, n).length === 0).map((n) => required(child(p, n)));
}

function partition(src: JsonObject, p: string): FieldError[] {
  const part = numAt(src, 'partition');
  return part < 0 || part > 255 ? [invalid(child(p, 'partition'), part, PD_PARTITION_ERROR)] : [];
}

function secretSource(src: JsonObject, p: string): FieldError[] {
  const errs = requireFields(src, p, 'secretName');
  errs.push(...validateMode(child(p, 'defaultMode'), optNumAt(src, 'defaultMode')));
  objsAt(src, 'items').forEach((kp, i) => errs.push(...validateKeyToPath(index(child(p, 'items'), i), kp)));
  return errs;
}

function configMapSource(src: JsonObject, p: string): FieldError[] {
  const errs = requireFields(src, p, 'name');
  errs.push(...validateMode(child(p, 'defaultMode'), optNumAt(src, 'defaultMode')));
  objsAt(src, 'items').forEach((kp, i) => errs.push(...validateKeyToPath(index(child(p, 'items'), i), kp)));
  return errs;
}

function nfsSource(src: JsonObject, p: string): FieldError[] {
  const errs = requireFields(src, p, 'server', 'path');
  const path = strAt(src, 'path');
  if (!path.startsWith('/')) errs.push(invalid(child(p, 'path'), path, 'must be an absolute path'));
  return errs;
}

function iscsiSource(src: JsonObject, p: string): FieldError[] {
  const errs = requireFields(src, p, 'targetPortal');
  const iqn = strAt(src, 'iqn');
  if (iqn === '') errs.push(required(child(p, 'iqn')));
  else if (!iqn.startsWith('iqn') && !iqn.startsWith('eui') && !iqn.startsWith('naa')) {
    errs.push(invalid(child(p, 'iqn'), iqn, 'must be valid format starting with iqn, eui, or naa'));
  }
  const lun = numAt(src, 'lun');
  if (lun < 0 || lun > 255) errs.push(invalid(child(p, 'lun'), lun, inclusiveRangeError(0, 255)));
  if ((src.chapAuthDiscovery === true || src.chapAuthSession === true) && !has(src, 'secretRef')) errs.push(required(child(p, 'secretRef')));
  return errs;
}

function flockerSource(src: JsonObject, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = strAt(src, 'datasetName');
  const uuid = strAt(src, 'datasetUUID');
  if (name === '' && uuid === '') errs.push(required(p, 'one of datasetName and datasetUUID is required'));
  if (name !== '' && uuid !== '') errs.push(invalid(p, 'resource', 'datasetName and datasetUUID can not be specified simultaneously'));
  if (name.includes('/')) errs.push(invalid(child(p, 'datasetName'), name, "must not contain '/'"));
  return errs;
}

function fcSource(src: JsonObject, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const wwns = strListAt(src, 'targetWWNs');
  const wwids = strListAt(src, 'wwids');
  if (wwns.length < 1 && wwids.length < 1) errs.push(required(child(p, 'targetWWNs'), 'must specify either targetWWNs or wwids, but not both'));
  if (wwns.length !== 0 && wwids.length !== 0) errs.push(invalid(child(p, 'targetWWNs'), wwns, 'targetWWNs and wwids can not be specified simultaneously'));
  if (wwns.length !== 0) {
    const lun = optNumAt(src, 'lun');
    if (lun === undefined) errs.push(required(child(p, 'lun'), 'lun is required if targetWWNs is specified'));
    else if (lun < 0 || lun > 255) errs.push(invalid(child(p, 'lun'), lun, inclusiveRangeError(0, 255)));
  }
  return errs;
}

function flexSource(src: JsonObject, p: string): FieldError[] {
  const errs = requireFields(src, p, 'driver');
  for (const k of Object.keys(strMapAt(src, 'options'))) {
    const ns = k.includes('/') ? k.slice(0, k.indexOf('/')) : k;
    const normalized = `.${ns.toLowerCase()}`;
    if (normalized.endsWith('.kubernetes.io') || normalized.endsWith('.k8s.io')) {
      errs.push(invalid(key(child(p, 'options'), k), k, 'kubernetes.io and k8s.io namespaces are reserved'));
    }
  }
  return errs;
}

const AZURE_CACHING = ['None', 'ReadOnly', 'ReadWrite'];
const AZURE_KINDS = ['Dedicated', 'Managed', 'Shared'];

function azureDiskSource(src: JsonObject, p: string): FieldError[] {
  const errs = requireFields(src, p, 'diskName', 'diskURI');
  const caching = optStrAt(src, 'cachingMode');
  if (caching !== undefined && !AZURE_CACHING.includes(caching)) errs.push(notSupported(child(p, 'cachingMode'), caching, AZURE_CACHING));
  const kind = optStrAt(src, 'kind');
  if (kind !== undefined && !AZURE_KINDS.includes(kind)) errs.push(notSupported(child(p, 'kind'), kind, AZURE_KINDS));
  const uri = strAt(src, 'diskURI');
  if (kind === 'Managed' && !uri.startsWith('/subscriptions/')) {
    errs.push(notSupported(child(p, 'diskURI'), uri, ['/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}']));
  }
  if (kind !== undefined && kind !== 'Managed' && !uri.startsWith('https://')) {
    errs.push(notSupported(child(p, 'diskURI'), uri, ['https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd']));
  }
  return errs;
}

function storageOSSource(src: JsonObject, p: string): FieldError[] {
  const name = strAt(src, 'volumeName');
  const errs = name === '' ? [required(child(p, 'volumeName'))] : validateDNS1123Label(child(p, 'volumeName'), name);
  const ns = strAt(src, 'volumeNamespace');
  if (ns !== '') errs.push(...validateDNS1123Label(child(p, 'volumeNamespace'), ns));
  const secretRef = objAt(src, 'secretRef');
  if (secretRef && strAt(secretRef, 'name') === '') errs.push(required(child(p, 'secretRef', 'name')));
  return errs;
}

/** CSI driver names: required, ≤ 63 characters, a (case-insensitive) DNS subdomain. */
export function validateCSIDriverName(field: string, driver: string): FieldError[] {
  const errs: FieldError[] = [];
  if (driver.length === 0) errs.push(required(field));
  if (driver.length > 63) errs.push({ type: 'FieldValueTooLong', field, detail: 'may not be more than 63 bytes' });
  for (const m of isDNS1123Subdomain(driver.toLowerCase())) errs.push(invalid(field, driver, m));
  return errs;
}

function csiSource(src: JsonObject, p: string): FieldError[] {
  const errs = validateCSIDriverName(child(p, 'driver'), strAt(src, 'driver'));
  const ref = objAt(src, 'nodePublishSecretRef');
  if (ref) {
    const name = strAt(ref, 'name');
    if (name === '') errs.push(required(child(p, 'nodePublishSecretRef', 'name')));
    else for (const m of isDNS1123Subdomain(name)) errs.push(invalid(child(p, 'name'), name, m));
  }
  return errs;
}

function projectedSource(src: JsonObject, p: string): FieldError[] {
  const errs = validateMode(child(p, 'defaultMode'), optNumAt(src, 'defaultMode'));
  const paths = new Set<string>();
  objsAt(src, 'sources').forEach((s, i) => {
    const sp = index(child(p, 'sources'), i);
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const proj = objAt(s, kind);
      if (!proj) continue;
      n++;
      const pp = child(sp, kind);
      if (strAt(proj, 'name') === '') errs.push(required(child(pp, 'name')));
      objsAt(proj, 'items').forEach((kp, j) => {
        errs.push(...validateKeyToPath(index(child(pp, 'items'), j), kp));
        const path = strAt(kp, 'path');
        if (path !== '') {
          if (paths.has(path)) errs.push(invalid(p, strAt(proj, 'name'), 'conflicting duplicate paths'));
          else paths.add(path);
        }
      });
    }
    const downward = objAt(s, 'downwardAPI');
    if (downward) {
      n++;
      for (const file of objsAt(downward, 'items')) {
        errs.push(...validateDownwardAPIFile(child(sp, 'downwardAPI'), file));
        const path = strAt(file, 'path');
        if (path !== '') {
          if (paths.has(path)) errs.push(invalid(p, path, 'conflicting duplicate paths'));
          else paths.add(path);
        }
      }
    }
    const token = objAt(s, 'serviceAccountToken');
    if (token) {
      n++;
      const exp = numAt(token, 'expirationSeconds');
      if (exp < 600) errs.push(invalid(child(sp, 'serviceAccountToken', 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) errs.push(invalid(child(sp, 'serviceAccountToken', 'expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      const path = strAt(token, 'path');
      if (path === '') errs.push(required(child(p, 'path')));
      else errs.push(...validateLocalNonReservedPath(child(p, 'path'), path));
    }
    const bundle = objAt(s, 'clusterTrustBundle');
    if (bundle) {
      n++;
      const bp = child(sp, 'clusterTrustBundle');
      const hasName = has(bundle, 'name');
      const hasSigner = has(bundle, 'signerName');
      if (hasName && hasSigner) errs.push(invalid(bp, bundle, 'only one of name and signerName may be used'));
      else if (!hasName && !hasSigner) errs.push(required(bp, 'either name or signerName must be specified'));
      const path = strAt(bundle, 'path');
      if (path === '') errs.push(required(child(bp, 'path')));
      errs.push(...validateLocalNonReservedPath(child(bp, 'path'), path));
      if (paths.has(path)) errs.push(invalid(p, path, 'conflicting duplicate paths'));
      else paths.add(path);
    }
    if (n > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function ephemeralSource(src: JsonObject, p: string): FieldError[] {
  const tmpl = objAt(src, 'volumeClaimTemplate');
  if (!tmpl) return [required(child(p, 'volumeClaimTemplate'))];
  const tp = child(p, 'volumeClaimTemplate');
  return [...validateTemplateObjectMeta(child(tp, 'metadata'), objAt(tmpl, 'metadata')), ...validatePersistentVolumeClaimSpec(child(tp, 'spec'), objAt(tmpl, 'spec') ?? {})];
}

type SourceCheck = (src: JsonObject, path: string) => FieldError[];

/** [JSON member, path used in the "more than 1 volume type" error, path for the checks, check]. */
const VOLUME_SOURCES: ReadonlyArray<readonly [string, string, string, SourceCheck]> = [
  [
    'emptyDir',
    'emptyDir',
    'emptyDir',
    (s, p) => {
      if (!has(s, 'sizeLimit')) return [];
      const errs: FieldError[] = [];
      const q = quantityAt(child(p, 'sizeLimit'), s.sizeLimit, errs);
      if (q && q.nanos < 0n) errs.push(forbidden(child(p, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      return errs;
    },
  ],
  ['hostPath', 'hostPath', 'hostPath', hostPath],
  ['gitRepo', 'gitRepo', 'gitRepo', (s, p) => [...requireFields(s, p, 'repository'), ...validateLocalDescendingPath(child(p, 'directory'), strAt(s, 'directory'))]],
  ['gcePersistentDisk', 'gcePersistentDisk', 'persistentDisk', (s, p) => [...requireFields(s, p, 'pdName'), ...partition(s, p)]],
  ['awsElasticBlockStore', 'awsElasticBlockStore', 'awsElasticBlockStore', (s, p) => [...requireFields(s, p, 'volumeID'), ...partition(s, p)]],
  ['secret', 'secret', 'secret', secretSource],
  ['nfs', 'nfs', 'nfs', nfsSource],
  ['iscsi', 'iscsi', 'iscsi', iscsiSource],
  ['glusterfs', 'glusterfs', 'glusterfs', (s, p) => requireFields(s, p, 'endpoints', 'path')],
  ['flocker', 'flocker', 'flocker', flockerSource],
  ['persistentVolumeClaim', 'persistentVolumeClaim', 'persistentVolumeClaim', (s, p) => requireFields(s, p, 'claimName')],
  ['rbd', 'rbd', 'rbd', (s, p) => requireFields(s, p, 'monitors', 'image')],
  [
    'cinder',
    'cinder',
    'cinder',
    (s, p) => {
      const errs = requireFields(s, p, 'volumeID');
      const ref = objAt(s, 'secretRef');
      if (ref && strAt(ref, 'name') === '') errs.push(required(child(p, 'secretRef', 'name')));
      return errs;
    },
  ],
  ['cephfs', 'cephFS', 'cephfs', (s, p) => requireFields(s, p, 'monitors')],
  ['quobyte', 'quobyte', 'quobyte', (s, p) => requireFields(s, p, 'registry', 'volume')],
  [
    'downwardAPI',
    'downwarAPI',
    'downwardAPI',
    (s, p) => [...validateMode(child(p, 'defaultMode'), optNumAt(s, 'defaultMode')), ...objsAt(s, 'items').flatMap((f) => validateDownwardAPIFile(p, f))],
  ],
  ['fc', 'fc', 'fc', fcSource],
  ['flexVolume', 'flexVolume', 'flexVolume', flexSource],
  ['configMap', 'configMap', 'configMap', configMapSource],
  ['azureFile', 'azureFile', 'azureFile', (s, p) => requireFields(s, p, 'secretName', 'shareName')],
  ['vsphereVolume', 'vsphereVolume', 'vsphereVolume', (s, p) => requireFields(s, p, 'volumePath')],
  ['photonPersistentDisk', 'photonPersistentDisk', 'photonPersistentDisk', (s, p) => requireFields(s, p, 'pdID')],
  ['portworxVolume', 'portworxVolume', 'portworxVolume', (s, p) => requireFields(s, p, 'volumeID')],
  ['azureDisk', 'azureDisk', 'azureDisk', azureDiskSource],
  ['storageos', 'storageos', 'storageos', storageOSSource],
  ['projected', 'projected', 'projected', projectedSource],
  ['scaleIO', 'scaleIO', 'scaleIO', (s, p) => requireFields(s, p, 'gateway', 'system', 'volumeName')],
  ['csi', 'csi', 'csi', csiSource],
  ['ephemeral', 'ephemeral', 'ephemeral', ephemeralSource],
  ['image', 'image', 'image', (s, p) => requireFields(s, p, 'reference')],
];

/** Validates one volume's source members: exactly one source, each checked. */
function validateVolumeSource(p: string, vol: JsonObject, volName: string, podName: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const [member, dupPath, checkPath, check] of VOLUME_SOURCES) {
    const src = objAt(vol, member);
    if (!src) continue;
    if (n > 0) {
      errs.push(forbidden(child(p, dupPath), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    errs.push(...check(src, child(p, checkPath)));
    if (member === 'iscsi' && has(src, 'initiatorName') && `${volName}:${strAt(src, 'targetPortal')}`.length > 64) {
      errs.push(invalid(child(p, 'name'), volName, 'Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.'));
    }
    if (member === 'ephemeral' && podName && volName) {
      const pvcName = `${podName}-${volName}`;
      for (const m of isDNS1123Subdomain(pvcName)) errs.push(invalid(child(p, 'name'), volName, `PVC name ${JSON.stringify(pvcName)}: ${m}`));
    }
  }
  if (n === 0) errs.push(required(p, 'must specify a volume type'));
  return errs;
}

/** The volumes that validated cleanly, by name (mounts may only reference these). */
export type VolumeMap = ReadonlyMap<string, JsonObject>;

/**
 * spec.volumes: names (DNS labels, unique) and sources. Returns the valid volumes by name.
 * `podName` is set only for real pods (generic ephemeral volume PVC names depend on it).
 */
export function validateVolumes(field: string, volumes: readonly JsonObject[], podName?: string): { volumes: VolumeMap; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const valid = new Map<string, JsonObject>();
  const names = new Set<string>();
  const createdPVCs = new Set<string>();
  if (podName) for (const v of volumes) if (has(v, 'ephemeral')) createdPVCs.add(`${podName}-${strAt(v, 'name')}`);
  volumes.forEach((vol, i) => {
    const p = index(field, i);
    const name = strAt(vol, 'name');
    const el = validateVolumeSource(p, vol, name, podName);
    if (name === '') el.push(required(child(p, 'name')));
    else el.push(...isDNS1123Label(name).map((m) => invalid(child(p, 'name'), name, m)));
    if (names.has(name)) el.push(duplicate(child(p, 'name'), name));
    if (el.length === 0) {
      names.add(name);
      valid.set(name, vol);
    } else {
      errors.push(...el);
    }
    const claim = strAt(objAt(vol, 'persistentVolumeClaim'), 'claimName');
    if (claim !== '' && createdPVCs.has(claim)) {
      errors.push(invalid(child(p, 'persistentVolumeClaim', 'claimName'), claim, 'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return { volumes: valid, errors };
}

// ---- PersistentVolumeClaimSpec ------------------------------------------------------------------

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** Access modes of a PV or PVC: supported values, and ReadWriteOncePod alone. */
export function validateAccessModes(field: string, modes: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!ACCESS_MODES.includes(m)) errs.push(notSupported(field, m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(m)) other = true;
  }
  if (rwop && other) errs.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateDataSource(field: string, ds: JsonObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (strAt(ds, 'name') === '') errs.push(required(child(field, 'name')));
  const kind = strAt(ds, 'kind');
  if (kind === '') errs.push(required(child(field, 'kind')));
  const group = strAt(ds, 'apiGroup');
  if (group === '' && kind !== 'PersistentVolumeClaim') errs.push(invalid(field, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group !== '') errs.push(...validateDNS1123Subdomain(child(field, 'apiGroup'), group));
  if (namespaced) {
    const ns = strAt(ds, 'namespace');
    if (ns !== '') for (const m of nameProblems('label', ns, false)) errs.push(invalid(child(field, 'namespace'), ns, m));
  }
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(field: string, spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const modes = strListAt(spec, 'accessModes');
  if (modes.length === 0) errs.push(required(child(field, 'accessModes'), 'at least 1 access mode is required'));
  const selector = objAt(spec, 'selector');
  if (selector) errs.push(...validateLabelSelector(child(field, 'selector'), selector));
  errs.push(...validateAccessModes(child(field, 'accessModes'), modes));
  const requests = objAt(objAt(spec, 'resources'), 'requests');
  const storagePath = key(child(field, 'resources'), 'storage');
  if (!requests || requests.storage === undefined) {
    errs.push(required(storagePath));
  } else {
    const q = quantityAt(storagePath, requests.storage, errs);
    if (q) {
      const positive = validatePositiveQuantity(storagePath, q);
      errs.push(...(positive.length > 0 ? positive : validateResourceQuantityValue(storagePath, 'storage', q)));
    }
  }
  const sc = optStrAt(spec, 'storageClassName');
  if (sc) errs.push(...isDNS1123Subdomain(sc).map((m) => invalid(child(field, 'storageClassName'), sc, m)));
  const vm = optStrAt(spec, 'volumeMode');
  if (vm !== undefined && !VOLUME_MODES.includes(vm)) errs.push(notSupported(child(field, 'volumeMode'), vm, VOLUME_MODES));
  const ds = objAt(spec, 'dataSource');
  const dsr = objAt(spec, 'dataSourceRef');
  if (ds) errs.push(...validateDataSource(child(field, 'dataSource'), ds, false));
  if (dsr) errs.push(...validateDataSource(child(field, 'dataSourceRef'), dsr, true));
  if (dsr && strAt(dsr, 'namespace') !== '') {
    if (ds) errs.push(invalid(field, child(field, 'dataSource'), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (ds && dsr) {
    if (strAt(ds, 'apiGroup') !== strAt(dsr, 'apiGroup') || strAt(ds, 'kind') !== strAt(dsr, 'kind') || strAt(ds, 'name') !== strAt(dsr, 'name')) {
      errs.push(invalid(field, child(field, 'dataSource'), 'must match dataSourceRef'));
    }
  }
  const vac = optStrAt(spec, 'volumeAttributesClassName');
  if (vac) errs.push(...isDNS1123Subdomain(vac).map((m) => invalid(child(field, 'volumeAttributesClassName'), vac, m)));
  return errs;
}

/** A map key helper reused by ConfigMap/Secret validation. */
export function configMapKeyErrors(field: string, k: string): FieldError[] {
  return isConfigMapKey(k).map((m) => invalid(field, k, m));
}

