/**
 * Pod, PodSpec, container and pod-template validation (pkg/apis/core/validation: ValidatePodSpec,
 * validateContainers, ValidatePodCreate/Update/StatusUpdate, ValidatePodTemplateSpec).
 * Feature gates are fixed at their Kubernetes 1.32 defaults: sidecar containers on, relaxed
 * environment-variable names on, zero-second sleep actions off.
 */
import type { FieldError } from '../errors.js';
import { deepCopy, jsonEqual, type KubeObject } from '../object.js';
import { child, duplicate, forbidden, index, invalid, IS_NOT_POSITIVE, key, nonNegative, notFound, notSupported, required } from './field-errors.js';
import {
  arrAt,
  boolAt,
  has,
  intOrStrAt,
  numAt,
  obj,
  objAt,
  objsAt,
  optBoolAt,
  optNumAt,
  optStrAt,
  strAt,
  strListAt,
  strMapAt,
  type JsonObject,
} from '../json-access.js';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isRelaxedEnvVarName,
  isValidGroupID,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isValidUserID,
  nameProblems,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateIP,
  validateQualifiedName,
} from './names.js';
import { validateAnnotations, validateImmutableField, validateLabelName, validateLabels, validateLabelSelector } from './object-meta.js';
import { validateResourceRequirements } from './resources.js';
import { ENV_FIELD_PATHS, validateLocalDescendingPath, validateObjectFieldSelector, validateResourceFieldSelector, validateVolumes, type VolumeMap } from './volumes.js';

export interface PodValidationOptions {
  /** The object is a Pod (not a template embedded in a workload): stricter host-port and image checks. */
  readonly resourceIsPod?: boolean;
  /** Keep accepting an invalid pod-deletion-cost annotation (the stored object already had it). */
  readonly allowInvalidPodDeletionCost?: boolean;
  /** Keep accepting invalid label values in affinity/spread selectors (stored object had them). */
  readonly allowInvalidLabelValueInSelector?: boolean;
  /** Strict env-var names (the RelaxedEnvironmentVariableValidation gate off). Default false. */
  readonly strictEnvVarNames?: boolean;
}

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const APPARMOR_CONTAINER_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const HTTP_SCHEMES = ['HTTP', 'HTTPS'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

// ---- small helpers -------------------------------------------------------------------------------

/** An IntOrString port: a valid number or an IANA service name. */
export function validatePortNumOrName(field: string, port: number | string | undefined): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m));
  const name = port ?? '';
  return isValidPortName(name).map((m) => invalid(field, name, m));
}

function imageWhitespace(field: string, image: string): FieldError[] {
  return image.length !== image.trim().length ? [invalid(field, image, 'must not have leading or trailing whitespace')] : [];
}

// ---- pod-specific annotations -----------------------------------------------------------------------

function validateSeccompProfileAnnotation(field: string, p: string): FieldError[] {
  if (p === 'runtime/default' || p === 'docker/default' || p === 'unconfined') return [];
  if (p.startsWith('localhost/')) return validateLocalDescendingPath(field, p.slice('localhost/'.length));
  return [invalid(field, p, 'must be a valid seccomp profile')];
}

function containerNames(spec: JsonObject): string[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((k) => objsAt(spec, k).map((c) => strAt(c, 'name')));
}

/** Annotations with pod-level meaning: mirror pods, deletion cost, seccomp and AppArmor. */
export function validatePodSpecificAnnotations(field: string, annotations: Readonly<Record<string, string>>, spec: JsonObject, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (MIRROR_POD_ANNOTATION in annotations && strAt(spec, 'nodeName') === '') {
    errs.push(invalid(key(field, MIRROR_POD_ANNOTATION), annotations[MIRROR_POD_ANNOTATION], 'must set spec.nodeName if mirror pod annotation is set'));
  }
  if (!opts.allowInvalidPodDeletionCost && POD_DELETION_COST_ANNOTATION in annotations) {
    const v = annotations[POD_DELETION_COST_ANNOTATION];
    const n = /^[+-]?[0-9]+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) errs.push(invalid(key(field, POD_DELETION_COST_ANNOTATION), v, 'must be a 32bit integer'));
  }
  if (SECCOMP_POD_ANNOTATION in annotations) errs.push(...validateSeccompProfileAnnotation(child(field, SECCOMP_POD_ANNOTATION), annotations[SECCOMP_POD_ANNOTATION]));
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith(SECCOMP_CONTAINER_PREFIX)) errs.push(...validateSeccompProfileAnnotation(child(field, k), v));
    if (k.startsWith(APPARMOR_CONTAINER_PREFIX)) {
      const name = k.slice(APPARMOR_CONTAINER_PREFIX.length);
      if (!containerNames(spec).includes(name)) errs.push(invalid(key(field, k), name, 'container not found'));
      if (v !== '' && v !== 'runtime/default' && v !== 'unconfined' && !v.startsWith('localhost/')) errs.push(invalid(key(field, k), v, `invalid AppArmor profile name: ${JSON.stringify(v)}`));
    }
  }
  return errs;
}

// ---- containers -----------------------------------------------------------------------------------

function validateContainerPorts(field: string, ports: readonly JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index(field, i);
    const name = strAt(port, 'name');
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(child(p, 'name'), name, m));
      else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
    const cp = numAt(port, 'containerPort');
    if (cp === 0) errs.push(required(child(p, 'containerPort')));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(child(p, 'containerPort'), cp, m));
    const hp = numAt(port, 'hostPort');
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(invalid(child(p, 'hostPort'), hp, m));
    const proto = strAt(port, 'protocol');
    if (proto === '') errs.push(required(child(p, 'protocol')));
    else if (!PORT_PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, 'protocol'), proto, PORT_PROTOCOLS));
  });
  return errs;
}

function envNameErrors(field: string, name: string, opts: PodValidationOptions): FieldError[] {
  return (opts.strictEnvVarNames ? isEnvVarName(name) : isRelaxedEnvVarName(name)).map((m) => invalid(field, name, m));
}

function validateKeySelector(field: string, sel: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = strAt(sel, 'name');
  for (const m of isDNS1123Subdomain(name)) errs.push(invalid(child(field, 'name'), name, m));
  const k = strAt(sel, 'key');
  if (k === '') errs.push(required(child(field, 'key')));
  else for (const m of isConfigMapKey(k)) errs.push(invalid(child(field, 'key'), k, m));
  return errs;
}

function validateEnv(field: string, vars: readonly JsonObject[], opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  vars.forEach((ev, i) => {
    const p = index(field, i);
    const name = strAt(ev, 'name');
    if (name === '') errs.push(required(child(p, 'name')));
    else errs.push(...envNameErrors(child(p, 'name'), name, opts));
    const from = objAt(ev, 'valueFrom');
    if (!from) return;
    const fp = child(p, 'valueFrom');
    let n = 0;
    const fieldRef = objAt(from, 'fieldRef');
    if (fieldRef) {
      n++;
      errs.push(...validateObjectFieldSelector(child(fp, 'fieldRef'), fieldRef, ENV_FIELD_PATHS));
    }
    const resourceFieldRef = objAt(from, 'resourceFieldRef');
    if (resourceFieldRef) {
      n++;
      errs.push(...validateResourceFieldSelector(child(fp, 'resourceFieldRef'), resourceFieldRef, false));
    }
    const cm = objAt(from, 'configMapKeyRef');
    if (cm) {
      n++;
      errs.push(...validateKeySelector(child(fp, 'configMapKeyRef'), cm));
    }
    const sec = objAt(from, 'secretKeyRef');
    if (sec) {
      n++;
      errs.push(...validateKeySelector(child(fp, 'secretKeyRef'), sec));
    }
    if (n === 0) errs.push(invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (strAt(ev, 'value') !== '') errs.push(invalid(fp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(invalid(fp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(field: string, sources: readonly JsonObject[], opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  sources.forEach((ev, i) => {
    const p = index(field, i);
    const prefix = strAt(ev, 'prefix');
    if (prefix !== '') errs.push(...envNameErrors(child(p, 'prefix'), prefix, opts));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = objAt(ev, kind);
      if (!ref) continue;
      n++;
      const name = strAt(ref, 'name');
      if (name === '') errs.push(required(child(p, kind, 'name')));
      else for (const m of nameProblems('subdomain', name, true)) errs.push(invalid(child(p, kind, 'name'), name, m));
    }
    if (n === 0) errs.push(invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

const MOUNT_PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const RECURSIVE_READ_ONLY = ['Disabled', 'IfPossible', 'Enabled'];

function validateVolumeMounts(field: string, ctr: JsonObject, volumes: VolumeMap, devicePaths: ReadonlyMap<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const privileged = boolAt(objAt(ctr, 'securityContext'), 'privileged');
  objsAt(ctr, 'volumeMounts').forEach((mnt, i) => {
    const p = index(field, i);
    const name = strAt(mnt, 'name');
    const mountPath = strAt(mnt, 'mountPath');
    if (name === '') errs.push(required(child(p, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    if (mountPath === '') errs.push(required(child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devicePaths.has(name)) errs.push(invalid(child(p, 'name'), name, 'must not already exist in volumeDevices'));
    if ([...devicePaths.values()].includes(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = strAt(mnt, 'subPath');
    const subPathExpr = strAt(mnt, 'subPathExpr');
    if (has(volumes.get(name), 'image')) {
      if (subPath !== '') errs.push(invalid(child(p, 'subPath'), subPath, 'not allowed in image volume sources'));
      if (subPathExpr !== '') errs.push(invalid(child(p, 'subPathExpr'), subPathExpr, 'not allowed in image volume sources'));
    }
    if (subPath !== '') errs.push(...validateLocalDescendingPath(child(field, 'subPath'), subPath));
    if (subPathExpr !== '') {
      if (subPath !== '') errs.push(invalid(child(p, 'subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(child(field, 'subPathExpr'), subPathExpr));
    }
    const prop = optStrAt(mnt, 'mountPropagation');
    if (prop !== undefined) {
      if (!MOUNT_PROPAGATIONS.includes(prop)) errs.push(notSupported(child(field, 'mountPropagation'), prop, MOUNT_PROPAGATIONS));
      if (prop === 'Bidirectional' && !privileged) errs.push(forbidden(child(field, 'mountPropagation'), 'Bidirectional mount propagation is available only to privileged containers'));
    }
    const rro = optStrAt(mnt, 'recursiveReadOnly');
    if (rro !== undefined) {
      const rp = child(field, 'recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (!boolAt(mnt, 'readOnly')) errs.push(forbidden(rp, 'may only be specified when readOnly is true'));
        if (prop !== undefined && prop !== 'None') errs.push(forbidden(rp, 'may only be specified when mountPropagation is None or not specified'));
      } else if (rro !== 'Disabled') {
        errs.push(notSupported(rp, rro, RECURSIVE_READ_ONLY));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(field: string, ctr: JsonObject, volumes: VolumeMap, mountPaths: ReadonlyMap<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  objsAt(ctr, 'volumeDevices').forEach((dev, i) => {
    const p = index(field, i);
    const name = strAt(dev, 'name');
    const devicePath = strAt(dev, 'devicePath');
    const vol = volumes.get(name);
    if (name === '') errs.push(required(child(p, 'name')));
    if (names.has(name)) errs.push(invalid(child(p, 'name'), name, 'must be unique'));
    if (vol && !has(vol, 'persistentVolumeClaim') && !has(vol, 'ephemeral')) {
      errs.push(invalid(child(p, 'name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!vol) errs.push(notFound(child(p, 'name'), name));
    if (devicePath === '') errs.push(required(child(p, 'devicePath')));
    if (paths.has(devicePath)) errs.push(invalid(child(p, 'devicePath'), devicePath, 'must be unique'));
    if (devicePath !== '' && devicePath.split('/').includes('..')) errs.push(invalid(child(p, 'devicePath'), devicePath, "can not contain backsteps ('..')"));
    else paths.add(devicePath);
    if (mountPaths.has(name)) errs.push(invalid(child(p, 'name'), name, 'must not already exist in volumeMounts'));
    if ([...mountPaths.values()].includes(devicePath)) errs.push(invalid(child(p, 'devicePath'), devicePath, 'must not already exist as a path in volumeMounts'));
    if (name !== '') names.add(name);
  });
  return errs;
}

// ---- probes and lifecycle handlers -----------------------------------------------------------------

function validateHandler(field: string, h: JsonObject, gracePeriod: number | undefined, allowSleep: boolean, allowGrpc: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds: Array<[string, boolean]> = [
    ['exec', true],
    ['httpGet', true],
    ['tcpSocket', true],
    ['grpc', allowGrpc],
    ['sleep', allowSleep],
  ];
  for (const [kind, allowed] of kinds) {
    const v = objAt(h, kind);
    if (!v || !allowed) continue;
    const p = child(field, kind);
    if (n > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    switch (kind) {
      case 'exec':
        if (strListAt(v, 'command').length === 0) errs.push(required(child(p, 'command')));
        break;
      case 'httpGet': {
        if (strAt(v, 'path') === '') errs.push(required(child(p, 'path')));
        errs.push(...validatePortNumOrName(child(p, 'port'), intOrStrAt(v, 'port')));
        const scheme = strAt(v, 'scheme');
        if (!HTTP_SCHEMES.includes(scheme)) errs.push(notSupported(child(p, 'scheme'), scheme, HTTP_SCHEMES));
        for (const hdr of objsAt(v, 'httpHeaders')) for (const m of isHTTPHeaderName(strAt(hdr, 'name'))) errs.push(invalid(child(p, 'httpHeaders'), strAt(hdr, 'name'), m));
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(child(p, 'port'), intOrStrAt(v, 'port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(child(p, 'port'), numAt(v, 'port')));
        break;
      case 'sleep': {
        const secs = numAt(v, 'seconds');
        if (gracePeriod !== undefined && (secs <= 0 || secs > gracePeriod)) {
          errs.push(invalid(p, secs, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`));
        }
        break;
      }
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(field: string, probe: JsonObject, gracePeriod: number | undefined): FieldError[] {
  const errs = validateHandler(field, probe, gracePeriod, false, true);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) errs.push(...nonNegative(child(field, f), numAt(probe, f)));
  const tgps = optNumAt(probe, 'terminationGracePeriodSeconds');
  if (tgps !== undefined && tgps <= 0) errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  return errs;
}

function validateProbes(p: string, ctr: JsonObject, gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const lifecycle = objAt(ctr, 'lifecycle');
  if (lifecycle) {
    for (const hook of ['postStart', 'preStop']) {
      const h = objAt(lifecycle, hook);
      if (h) errs.push(...validateHandler(child(p, 'lifecycle', hook), h, gracePeriod, true, false));
    }
  }
  const liveness = objAt(ctr, 'livenessProbe');
  if (liveness) {
    errs.push(...validateProbe(child(p, 'livenessProbe'), liveness, gracePeriod));
    if (numAt(liveness, 'successThreshold') !== 1) errs.push(invalid(child(p, 'livenessProbe', 'successThreshold'), numAt(liveness, 'successThreshold'), 'must be 1'));
  }
  const readiness = objAt(ctr, 'readinessProbe');
  if (readiness) {
    errs.push(...validateProbe(child(p, 'readinessProbe'), readiness, gracePeriod));
    if (has(readiness, 'terminationGracePeriodSeconds')) errs.push(invalid(child(p, 'readinessProbe', 'terminationGracePeriodSeconds'), readiness.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  const startup = objAt(ctr, 'startupProbe');
  if (startup) {
    errs.push(...validateProbe(child(p, 'startupProbe'), startup, gracePeriod));
    if (numAt(startup, 'successThreshold') !== 1) errs.push(invalid(child(p, 'startupProbe', 'successThreshold'), numAt(startup, 'successThreshold'), 'must be 1'));
  }
  return errs;
}

// ---- security contexts --------------------------------------------------------------------------------

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const APPARMOR_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function validateSeccompProfile(field: string, sp: JsonObject | undefined): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  const type = strAt(sp, 'type');
  if (type === '') errs.push(required(child(field, 'type'), 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(type)) errs.push(notSupported(child(field, 'type'), type, SECCOMP_TYPES));
  const local = optStrAt(sp, 'localhostProfile');
  if (type === 'Localhost') {
    if (local === undefined) errs.push(required(child(field, 'localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(child(field, 'localhostProfile'), local));
  } else if (local !== undefined) {
    errs.push(invalid(child(field, 'localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateAppArmorProfile(field: string, ap: JsonObject | undefined): FieldError[] {
  if (!ap) return [];
  const type = strAt(ap, 'type');
  const local = optStrAt(ap, 'localhostProfile');
  switch (type) {
    case 'Localhost': {
      if (local === undefined || local.trim() === '') {
        if (local !== undefined && local !== local.trim()) return [invalid(child(field, 'localhostProfile'), local, 'must not be padded with whitespace')];
        return [required(child(field, 'localhostProfile'), 'must be set when AppArmor type is Localhost')];
      }
      const errs: FieldError[] = [];
      if (local !== local.trim()) errs.push(invalid(child(field, 'localhostProfile'), local, 'must not be padded with whitespace'));
      if (local.length > 4095) errs.push({ type: 'FieldValueTooLong', field: child(field, 'localhostProfile'), detail: 'may not be more than 4095 bytes' });
      return errs;
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      return local !== undefined ? [invalid(child(field, 'localhostProfile'), local, 'can only be set when AppArmor type is Localhost')] : [];
    case '':
      return [required(child(field, 'type'), 'type is required when appArmorProfile is set')];
    default:
      return [notSupported(child(field, 'type'), type, APPARMOR_TYPES)];
  }
}

function validateContainerSecurityContext(field: string, sc: JsonObject | undefined, hostUsers: boolean): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  const runAsUser = optNumAt(sc, 'runAsUser');
  if (runAsUser !== undefined) for (const m of isValidUserID(runAsUser)) errs.push(invalid(child(field, 'runAsUser'), runAsUser, m));
  const runAsGroup = optNumAt(sc, 'runAsGroup');
  if (runAsGroup !== undefined) for (const m of isValidGroupID(runAsGroup)) errs.push(invalid(child(field, 'runAsGroup'), runAsGroup, m));
  const procMount = optStrAt(sc, 'procMount');
  if (procMount !== undefined) {
    if (procMount !== 'Default' && procMount !== 'Unmasked') errs.push(notSupported(child(field, 'procMount'), procMount, ['Default', 'Unmasked']));
    if (hostUsers && procMount === 'Unmasked') errs.push(invalid(child(field, 'procMount'), procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(child(field, 'seccompProfile'), objAt(sc, 'seccompProfile')));
  if (optBoolAt(sc, 'allowPrivilegeEscalation') === false) {
    if (optBoolAt(sc, 'privileged') === true) errs.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if (strListAt(objAt(sc, 'capabilities'), 'add').includes('CAP_SYS_ADMIN')) errs.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  errs.push(...validateAppArmorProfile(child(field, 'appArmorProfile'), objAt(sc, 'appArmorProfile')));
  return errs;
}

const FS_GROUP_POLICIES = ['Always', 'OnRootMismatch'];
const SUPPLEMENTAL_GROUPS_POLICIES = ['Merge', 'Strict'];
const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

function validatePodSecurityContext(specPath: string, spec: JsonObject): FieldError[] {
  const field = child(specPath, 'securityContext');
  const sc = objAt(spec, 'securityContext');
  if (!sc) return [];
  const errs: FieldError[] = [];
  const fsGroup = optNumAt(sc, 'fsGroup');
  if (fsGroup !== undefined) for (const m of isValidGroupID(fsGroup)) errs.push(invalid(child(field, 'fsGroup'), fsGroup, m));
  const runAsUser = optNumAt(sc, 'runAsUser');
  if (runAsUser !== undefined) for (const m of isValidUserID(runAsUser)) errs.push(invalid(child(field, 'runAsUser'), runAsUser, m));
  const runAsGroup = optNumAt(sc, 'runAsGroup');
  if (runAsGroup !== undefined) for (const m of isValidGroupID(runAsGroup)) errs.push(invalid(child(field, 'runAsGroup'), runAsGroup, m));
  arrAt(sc, 'supplementalGroups').forEach((g, i) => {
    if (typeof g === 'number') for (const m of isValidGroupID(g)) errs.push(invalid(index(child(field, 'supplementalGroups'), i), g, m));
  });
  if (optBoolAt(spec, 'shareProcessNamespace') === true && boolAt(spec, 'hostPID')) {
    errs.push(invalid(child(field, 'shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const seen = new Set<string>();
  objsAt(sc, 'sysctls').forEach((s, i) => {
    const p = child(index(child(field, 'sysctls'), i), 'name');
    const name = strAt(s, 'name');
    if (name === '') errs.push(required(p));
    else if (name.length > 253 || !SYSCTL_RE.test(name)) errs.push(invalid(p, name, `must have at most 253 characters and match regex ^${SYSCTL_RE.source.slice(1, -1)}$`));
    else if (seen.has(name)) errs.push(duplicate(p, name));
    if (boolAt(spec, 'hostNetwork') && (name.startsWith('net.') || name.startsWith('net/'))) errs.push(invalid(p, name, "may not be specified when 'hostNetwork' is true"));
    if (boolAt(spec, 'hostIPC') && (name.startsWith('kernel.shm') || name.startsWith('kernel.msg') || name.startsWith('kernel.sem') || name.startsWith('fs.mqueue.'))) {
      errs.push(invalid(p, name, "may not be specified when 'hostIPC' is true"));
    }
    seen.add(name);
  });
  const fsPolicy = optStrAt(sc, 'fsGroupChangePolicy');
  if (fsPolicy !== undefined && !FS_GROUP_POLICIES.includes(fsPolicy)) errs.push(notSupported(child(field, 'fsGroupChangePolicy'), fsPolicy, FS_GROUP_POLICIES));
  errs.push(...validateSeccompProfile(child(field, 'seccompProfile'), objAt(sc, 'seccompProfile')));
  errs.push(...validateAppArmorProfile(child(field, 'appArmorProfile'), objAt(sc, 'appArmorProfile')));
  const sgp = optStrAt(sc, 'supplementalGroupsPolicy');
  if (sgp !== undefined && !SUPPLEMENTAL_GROUPS_POLICIES.includes(sgp)) errs.push(notSupported(child(field, 'supplementalGroupsPolicy'), sgp, SUPPLEMENTAL_GROUPS_POLICIES));
  return errs;
}

// ---- container lists ------------------------------------------------------------------------------

const RESIZE_RESOURCES = ['cpu', 'memory'];
const RESIZE_POLICIES = ['NotRequired', 'RestartContainer'];

function validateResizePolicy(field: string, policies: readonly JsonObject[], podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  policies.forEach((pol, i) => {
    const name = strAt(pol, 'resourceName');
    const restart = strAt(pol, 'restartPolicy');
    if (seen.has(name)) errs.push(duplicate(index(field, i), name));
    seen.add(name);
    if (name === '') errs.push(required(field));
    else if (!RESIZE_RESOURCES.includes(name)) errs.push(notSupported(field, name, RESIZE_RESOURCES));
    if (restart === '') errs.push(required(field));
    else if (!RESIZE_POLICIES.includes(restart)) errs.push(notSupported(field, restart, RESIZE_POLICIES));
    if (podRestartPolicy === 'Never' && restart !== 'NotRequired') errs.push(invalid(field, restart, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
  });
  return errs;
}

interface ContainerContext {
  readonly volumes: VolumeMap;
  readonly podClaimNames: ReadonlySet<string>;
  readonly opts: PodValidationOptions;
  readonly podRestartPolicy: string;
  readonly hostUsers: boolean;
}

function validateContainerCommon(p: string, ctr: JsonObject, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = strAt(ctr, 'name');
  if (name === '') errs.push(required(child(p, 'name')));
  else errs.push(...validateDNS1123Label(child(p, 'name'), name));
  if (strAt(ctr, 'image') === '') errs.push(required(child(p, 'image')));
  const tmp = strAt(ctr, 'terminationMessagePolicy');
  if (tmp === '') errs.push(required(child(p, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') errs.push(notSupported(child(p, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  const mountPaths = new Map(objsAt(ctr, 'volumeMounts').map((m) => [strAt(m, 'name'), strAt(m, 'mountPath')] as const));
  const devicePaths = new Map(objsAt(ctr, 'volumeDevices').map((d) => [strAt(d, 'name'), strAt(d, 'devicePath')] as const));
  errs.push(...validateContainerPorts(child(p, 'ports'), objsAt(ctr, 'ports')));
  errs.push(...validateEnv(child(p, 'env'), objsAt(ctr, 'env'), ctx.opts));
  errs.push(...validateEnvFrom(child(p, 'envFrom'), objsAt(ctr, 'envFrom'), ctx.opts));
  errs.push(...validateVolumeMounts(child(p, 'volumeMounts'), ctr, ctx.volumes, devicePaths));
  errs.push(...validateVolumeDevices(child(p, 'volumeDevices'), ctr, ctx.volumes, mountPaths));
  const pull = strAt(ctr, 'imagePullPolicy');
  if (pull === '') errs.push(required(child(p, 'imagePullPolicy')));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(child(p, 'imagePullPolicy'), pull, PULL_POLICIES));
  errs.push(...validateResourceRequirements(child(p, 'resources'), objAt(ctr, 'resources'), ctx.podClaimNames));
  errs.push(...validateResizePolicy(child(p, 'resizePolicy'), objsAt(ctr, 'resizePolicy'), ctx.podRestartPolicy));
  errs.push(...validateContainerSecurityContext(child(p, 'securityContext'), objAt(ctr, 'securityContext'), ctx.hostUsers));
  return errs;
}

function hostPortKey(port: JsonObject): string {
  return `${strAt(port, 'protocol')}/${strAt(port, 'hostIP')}/${numAt(port, 'hostPort')}`;
}

function checkHostPortConflicts(field: string, containers: ReadonlyArray<readonly [number, JsonObject]>): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [ci, ctr] of containers) {
    objsAt(ctr, 'ports').forEach((port, pi) => {
      if (numAt(port, 'hostPort') === 0) return;
      const k = hostPortKey(port);
      if (seen.has(k)) errs.push(duplicate(child(index(child(index(field, ci), 'ports'), pi), 'hostPort'), k));
      else seen.add(k);
    });
  }
  return errs;
}

function validateContainers(field: string, containers: readonly JsonObject[], gracePeriod: number | undefined, ctx: ContainerContext): FieldError[] {
  if (containers.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = index(field, i);
    errs.push(...validateContainerCommon(p, ctr, ctx));
    const name = strAt(ctr, 'name');
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    errs.push(...validateProbes(p, ctr, gracePeriod));
    if (has(ctr, 'restartPolicy')) errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(field, containers.map((c, i) => [i, c] as const)));
  return errs;
}

function validateInitContainers(field: string, inits: readonly JsonObject[], regular: readonly JsonObject[], gracePeriod: number | undefined, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => strAt(c, 'name')));
  inits.forEach((ctr, i) => {
    const p = index(field, i);
    errs.push(...validateContainerCommon(p, ctr, ctx));
    const restart = optStrAt(ctr, 'restartPolicy');
    if (restart !== undefined && restart !== 'Always') errs.push(notSupported(child(p, 'restartPolicy'), restart, ['Always']));
    const name = strAt(ctr, 'name');
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else if (name !== '') names.add(name);
    errs.push(...checkHostPortConflicts(field, [[i, ctr]]));
    if (restart === 'Always') {
      errs.push(...validateProbes(p, ctr, gracePeriod));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (has(ctr, f)) errs.push(forbidden(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    if (objsAt(ctr, 'resizePolicy').length > 0) errs.push(invalid(child(p, 'resizePolicy'), ctr.resizePolicy, 'must not be set for init containers'));
  });
  return errs;
}

// ---- scheduling: affinity, tolerations, spread constraints -----------------------------------------------

function validateNodeSelectorRequirement(field: string, rq: JsonObject, allowInvalidValues: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const op = strAt(rq, 'operator');
  const values = strListAt(rq, 'values');
  switch (op) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(child(field, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(child(field, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(child(field, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(child(field, 'operator'), op, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(child(field, 'key'), strAt(rq, 'key')));
  if (!allowInvalidValues) values.forEach((v, i) => isValidLabelValue(v).forEach((m) => errs.push(invalid(index(child(field, 'values'), i), v, m))));
  return errs;
}

function validateNodeFieldSelectorRequirement(field: string, rq: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const op = strAt(rq, 'operator');
  const values = strListAt(rq, 'values');
  if (op === 'In' || op === 'NotIn') {
    if (values.length !== 1) errs.push(required(child(field, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(invalid(child(field, 'operator'), op, 'not a valid selector operator'));
  }
  const k = strAt(rq, 'key');
  if (k !== 'metadata.name') errs.push(invalid(child(field, 'key'), k, 'not a valid field selector key'));
  else values.forEach((v, i) => isDNS1123Subdomain(v).forEach((m) => errs.push(invalid(index(child(field, 'values'), i), v, m))));
  return errs;
}

function validateNodeSelectorTerm(field: string, term: JsonObject, allowInvalidValues: boolean): FieldError[] {
  return [
    ...objsAt(term, 'matchExpressions').flatMap((r, j) => validateNodeSelectorRequirement(index(child(field, 'matchExpressions'), j), r, allowInvalidValues)),
    ...objsAt(term, 'matchFields').flatMap((r, j) => validateNodeFieldSelectorRequirement(index(child(field, 'matchFields'), j), r)),
  ];
}

/** A NodeSelector (required node affinity, PV node affinity). */
export function validateNodeSelector(field: string, ns: JsonObject, allowInvalidValues = false): FieldError[] {
  const terms = objsAt(ns, 'nodeSelectorTerms');
  const tp = child(field, 'nodeSelectorTerms');
  if (terms.length === 0) return [required(tp, 'must have at least one node selector term')];
  return terms.flatMap((t, i) => validateNodeSelectorTerm(index(tp, i), t, allowInvalidValues));
}

function validateWeight(field: string, weight: number): FieldError[] {
  return weight <= 0 || weight > 100 ? [invalid(field, weight, 'must be in the range 1-100')] : [];
}

function validatePodAffinityTerm(field: string, term: JsonObject, opts: PodValidationOptions): FieldError[] {
  const selOpts = { allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector };
  const errs = [...validateLabelSelector(child(field, 'labelSelector'), objAt(term, 'labelSelector'), selOpts), ...validateLabelSelector(child(field, 'namespaceSelector'), objAt(term, 'namespaceSelector'), selOpts)];
  for (const ns of strListAt(term, 'namespaces')) for (const m of nameProblems('label', ns, false)) errs.push(invalid(child(field, 'namespace'), ns, m));
  const selector = objAt(term, 'labelSelector');
  const matchKeys = strListAt(term, 'matchLabelKeys');
  const mismatchKeys = strListAt(term, 'mismatchLabelKeys');
  for (const [name, keys] of [
    ['matchLabelKeys', matchKeys],
    ['mismatchLabelKeys', mismatchKeys],
  ] as const) {
    if (keys.length === 0) continue;
    if (!selector) errs.push(forbidden(child(field, name), 'must not be specified when labelSelector is not set'));
    else keys.forEach((k, i) => errs.push(...validateLabelName(index(child(field, name), i), k)));
  }
  matchKeys.forEach((k, i) => {
    if (mismatchKeys.includes(k)) errs.push(invalid(index(child(field, 'matchLabelKeys'), i), k, 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  const topologyKey = strAt(term, 'topologyKey');
  if (topologyKey === '') errs.push(required(child(field, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(child(field, 'topologyKey'), topologyKey));
  return errs;
}

function validateAffinity(field: string, affinity: JsonObject | undefined, opts: PodValidationOptions): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = objAt(affinity, 'nodeAffinity');
  if (na) {
    const p = child(field, 'nodeAffinity');
    const req = objAt(na, 'requiredDuringSchedulingIgnoredDuringExecution');
    if (req) errs.push(...validateNodeSelector(child(p, 'requiredDuringSchedulingIgnoredDuringExecution'), req));
    objsAt(na, 'preferredDuringSchedulingIgnoredDuringExecution').forEach((t, i) => {
      const tp = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateWeight(child(tp, 'weight'), numAt(t, 'weight')));
      errs.push(...validateNodeSelectorTerm(child(tp, 'preference'), objAt(t, 'preference') ?? {}, true));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = objAt(affinity, kind);
    if (!pa) continue;
    const p = child(field, kind);
    objsAt(pa, 'requiredDuringSchedulingIgnoredDuringExecution').forEach((t, i) => errs.push(...validatePodAffinityTerm(index(child(p, 'requiredDuringSchedulingIgnoredDuringExecution'), i), t, opts)));
    objsAt(pa, 'preferredDuringSchedulingIgnoredDuringExecution').forEach((t, i) => {
      const tp = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateWeight(child(tp, 'weight'), numAt(t, 'weight')));
      errs.push(...validatePodAffinityTerm(child(tp, 'podAffinityTerm'), objAt(t, 'podAffinityTerm') ?? {}, opts));
    });
  }
  return errs;
}

function validateTaintEffect(field: string, effect: string, allowEmpty: boolean): FieldError[] {
  if (!allowEmpty && effect === '') return [required(field)];
  return TAINT_EFFECTS.includes(effect) ? [] : [notSupported(field, effect, TAINT_EFFECTS)];
}

/** Pod tolerations. */
export function validateTolerations(field: string, tolerations: readonly JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const p = index(field, i);
    const k = strAt(t, 'key');
    const op = strAt(t, 'operator');
    const effect = strAt(t, 'effect');
    const value = strAt(t, 'value');
    if (k !== '') errs.push(...validateLabelName(child(p, 'key'), k));
    if (k === '' && op !== 'Exists') errs.push(invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (has(t, 'tolerationSeconds') && effect !== 'NoExecute') errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value !== '') errs.push(invalid(child(p, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect !== '') errs.push(...validateTaintEffect(child(p, 'effect'), effect, true));
  });
  return errs;
}

/** Node taints (upstream reports them under the metadata path it was handed). */
export function validateNodeTaints(field: string, taints: readonly JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  taints.forEach((t, i) => {
    const p = index(field, i);
    const k = strAt(t, 'key');
    const effect = strAt(t, 'effect');
    errs.push(...validateLabelName(child(p, 'key'), k));
    const vmsgs = isValidLabelValue(strAt(t, 'value'));
    if (vmsgs.length > 0) errs.push(invalid(child(p, 'value'), strAt(t, 'value'), vmsgs.join(';')));
    errs.push(...validateTaintEffect(child(p, 'effect'), effect, false));
    const keys = unique.get(effect) ?? new Set<string>();
    if (keys.has(k)) {
      errs.push({ type: 'FieldValueDuplicate', field: p, value: t, detail: 'taints must be unique by key and effect pair' });
      return;
    }
    keys.add(k);
    unique.set(effect, keys);
  });
  return errs;
}

function validateTopologySpreadConstraints(field: string, constraints: readonly JsonObject[], opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  constraints.forEach((c, i) => {
    const p = index(field, i);
    const maxSkew = numAt(c, 'maxSkew');
    if (maxSkew <= 0) errs.push(invalid(child(p, 'maxSkew'), maxSkew, IS_NOT_POSITIVE));
    const topologyKey = strAt(c, 'topologyKey');
    if (topologyKey === '') errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    const when = strAt(c, 'whenUnsatisfiable');
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') errs.push(notSupported(child(p, 'whenUnsatisfiable'), when, ['DoNotSchedule', 'ScheduleAnyway']));
    for (const rest of constraints.slice(i + 1)) {
      if (strAt(rest, 'topologyKey') === topologyKey && strAt(rest, 'whenUnsatisfiable') === when) {
        errs.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${topologyKey}, ${when}}`));
        break;
      }
    }
    const minDomains = optNumAt(c, 'minDomains');
    if (minDomains !== undefined) {
      if (minDomains <= 0) errs.push(invalid(child(p, 'minDomains'), minDomains, IS_NOT_POSITIVE));
      if (when !== 'DoNotSchedule') errs.push(invalid(child(p, 'minDomains'), minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
    }
    for (const pol of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      const v = optStrAt(c, pol);
      if (v !== undefined && v !== 'Honor' && v !== 'Ignore') errs.push(notSupported(child(p, pol), v, ['Honor', 'Ignore']));
    }
    const selector = objAt(c, 'labelSelector');
    const keys = strListAt(c, 'matchLabelKeys');
    if (keys.length > 0) {
      if (!selector) errs.push(forbidden(child(p, 'matchLabelKeys'), 'must not be specified when labelSelector is not set'));
      const selectorKeys = new Set([...Object.keys(strMapAt(selector, 'matchLabels')), ...objsAt(selector, 'matchExpressions').map((e) => strAt(e, 'key'))]);
      keys.forEach((k, j) => {
        errs.push(...validateLabelName(index(child(p, 'matchLabelKeys'), j), k));
        if (selectorKeys.has(k)) errs.push(invalid(index(child(p, 'matchLabelKeys'), j), k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    errs.push(...validateLabelSelector(child(p, 'labelSelector'), selector, { allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector }));
  });
  return errs;
}

function validateDNSConfig(field: string, cfg: JsonObject | undefined, dnsPolicy: string): FieldError[] {
  if (dnsPolicy === 'None') {
    if (!cfg) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (strListAt(cfg, 'nameservers').length === 0) return [required(child(field, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return [];
  const errs: FieldError[] = [];
  const ns = strListAt(cfg, 'nameservers');
  if (ns.length > 3) errs.push(invalid(child(field, 'nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => errs.push(...validateIP(index(child(field, 'nameservers'), i), n)));
  const searches = strListAt(cfg, 'searches');
  if (searches.length > 32) errs.push(invalid(child(field, 'searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) errs.push(invalid(child(field, 'searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  searches.forEach((s, i) => errs.push(...validateDNS1123Subdomain(index(child(field, 'searches'), i), s.endsWith('.') ? s.slice(0, -1) : s)));
  objsAt(cfg, 'options').forEach((o, i) => {
    if (strAt(o, 'name') === '') errs.push(required(index(child(field, 'options'), i), 'must not be empty'));
  });
  return errs;
}

// ---- PodSpec ------------------------------------------------------------------------------------------

/** ValidatePodSpec. `podName` is given for real pods only. */
export function validatePodSpec(field: string, spec: JsonObject, podName: string | undefined, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const gracePeriod = optNumAt(spec, 'terminationGracePeriodSeconds');
  if (gracePeriod === undefined) errs.push(required(child(field, 'terminationGracePeriodSeconds')));
  const sc = objAt(spec, 'securityContext');
  const hostUsers = optBoolAt(sc, 'hostUsers') !== false;
  const vol = validateVolumes(child(field, 'volumes'), objsAt(spec, 'volumes'), podName);
  errs.push(...vol.errors);
  const claims = objsAt(spec, 'resourceClaims');
  const podClaimNames = new Set(claims.map((c) => strAt(c, 'name')).filter((n) => n !== ''));
  const claimNames = new Set<string>();
  claims.forEach((c, i) => {
    const p = index(child(field, 'resourceClaims'), i);
    const name = strAt(c, 'name');
    if (name === '') errs.push(required(child(p, 'name')));
    else if (claimNames.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else {
      errs.push(...validateDNS1123Label(child(p, 'name'), name));
      claimNames.add(name);
    }
    const hasName = has(c, 'resourceClaimName');
    const hasTemplate = has(c, 'resourceClaimTemplateName');
    if (hasName && hasTemplate) errs.push(invalid(p, c, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
    if (!hasName && !hasTemplate) errs.push(invalid(p, c, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
  });
  const restartPolicy = strAt(spec, 'restartPolicy');
  const ctx: ContainerContext = { volumes: vol.volumes, podClaimNames, opts, podRestartPolicy: restartPolicy, hostUsers };
  const containers = objsAt(spec, 'containers');
  errs.push(...validateContainers(child(field, 'containers'), containers, gracePeriod, ctx));
  errs.push(...validateInitContainers(child(field, 'initContainers'), objsAt(spec, 'initContainers'), containers, gracePeriod, ctx));
  const ephemeral = objsAt(spec, 'ephemeralContainers');
  if (ephemeral.length > 0) {
    const others = new Set([...containers, ...objsAt(spec, 'initContainers')].map((c) => strAt(c, 'name')));
    const all = new Set(others);
    ephemeral.forEach((ec, i) => {
      const p = index(child(field, 'ephemeralContainers'), i);
      errs.push(...validateContainerCommon(p, ec, ctx));
      errs.push(...imageWhitespace(child(p, 'image'), strAt(ec, 'image')));
      const name = strAt(ec, 'name');
      if (all.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else all.add(name);
      const target = strAt(ec, 'targetContainerName');
      if (target !== '' && !others.has(target)) errs.push(notFound(child(p, 'targetContainerName'), target));
      for (const f of ['ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy']) {
        const v = ec[f];
        if (v !== undefined && v !== null && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) && !(Array.isArray(v) && v.length === 0)) {
          errs.push(forbidden(child(p, f), 'cannot be set for an Ephemeral Container'));
        }
      }
      objsAt(ec, 'volumeMounts').forEach((vm, j) => {
        if (strAt(vm, 'subPath') !== '') errs.push(forbidden(child(index(child(p, 'volumeMounts'), j), 'subPath'), 'cannot be set for an Ephemeral Container'));
        if (strAt(vm, 'subPathExpr') !== '') errs.push(forbidden(child(index(child(p, 'volumeMounts'), j), 'subPathExpr'), 'cannot be set for an Ephemeral Container'));
      });
    });
  }
  if (boolAt(spec, 'hostNetwork')) {
    containers.forEach((ctr, i) => {
      objsAt(ctr, 'ports').forEach((port, j) => {
        const hp = numAt(port, 'hostPort');
        const cp = numAt(port, 'containerPort');
        if ((opts.resourceIsPod || hp !== 0) && hp !== cp) {
          errs.push(invalid(child(index(child(index(child(field, 'containers'), i), 'ports'), j), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  if (restartPolicy === '') errs.push(required(child(field, 'restartPolicy')));
  else if (!RESTART_POLICIES.includes(restartPolicy)) errs.push(notSupported(child(field, 'restartPolicy'), restartPolicy, RESTART_POLICIES));
  const dnsPolicy = strAt(spec, 'dnsPolicy');
  if (dnsPolicy === '') errs.push(required(child(field, 'dnsPolicy')));
  else if (!DNS_POLICIES.includes(dnsPolicy)) errs.push(notSupported(child(field, 'dnsPolicy'), dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(child(field, 'nodeSelector'), strMapAt(spec, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(field, spec));
  errs.push(...validateAffinity(child(field, 'affinity'), objAt(spec, 'affinity'), opts));
  errs.push(...validateDNSConfig(child(field, 'dnsConfig'), objAt(spec, 'dnsConfig'), dnsPolicy));
  objsAt(spec, 'readinessGates').forEach((g, i) => errs.push(...validateQualifiedName(child(index(child(field, 'readinessGates'), i), 'conditionType'), strAt(g, 'conditionType'))));
  const gates = new Set<string>();
  objsAt(spec, 'schedulingGates').forEach((g, i) => {
    const p = index(child(field, 'schedulingGates'), i);
    const name = strAt(g, 'name');
    errs.push(...validateQualifiedName(p, name));
    if (gates.has(name)) errs.push(duplicate(p, name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(child(field, 'topologySpreadConstraints'), objsAt(spec, 'topologySpreadConstraints'), opts));
  if (!hostUsers) {
    if (boolAt(spec, 'hostNetwork')) errs.push(forbidden(child(field, 'hostNetwork'), 'when `pod.Spec.HostUsers` is false'));
    if (boolAt(spec, 'hostPID')) errs.push(forbidden(child(field, 'HostPID'), 'when `pod.Spec.HostUsers` is false'));
    if (boolAt(spec, 'hostIPC')) errs.push(forbidden(child(field, 'HostIPC'), 'when `pod.Spec.HostUsers` is false'));
  }
  const sa = strAt(spec, 'serviceAccountName');
  if (sa !== '') for (const m of isDNS1123Subdomain(sa)) errs.push(invalid(child(field, 'serviceAccountName'), sa, m));
  const nodeName = strAt(spec, 'nodeName');
  if (nodeName !== '') for (const m of isDNS1123Subdomain(nodeName)) errs.push(invalid(child(field, 'nodeName'), nodeName, m));
  const ads = optNumAt(spec, 'activeDeadlineSeconds');
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) errs.push(invalid(child(field, 'activeDeadlineSeconds'), ads, inclusiveRangeError(1, 2147483647)));
  const hostname = strAt(spec, 'hostname');
  if (hostname !== '') errs.push(...validateDNS1123Label(child(field, 'hostname'), hostname));
  const subdomain = strAt(spec, 'subdomain');
  if (subdomain !== '') errs.push(...validateDNS1123Label(child(field, 'subdomain'), subdomain));
  errs.push(...validateTolerations(child(field, 'tolerations'), objsAt(spec, 'tolerations')));
  objsAt(spec, 'hostAliases').forEach((ha, i) => {
    const p = index(child(field, 'hostAliases'), i);
    errs.push(...validateIP(child(p, 'ip'), strAt(ha, 'ip')));
    strListAt(ha, 'hostnames').forEach((h, j) => errs.push(...validateDNS1123Subdomain(index(child(p, 'hostnames'), j), h)));
  });
  const pc = strAt(spec, 'priorityClassName');
  if (pc !== '') for (const m of isDNS1123Subdomain(pc)) errs.push(invalid(child(field, 'priorityClassName'), pc, m));
  const rc = optStrAt(spec, 'runtimeClassName');
  if (rc !== undefined) for (const m of isDNS1123Subdomain(rc)) errs.push(invalid(child(field, 'runtimeClassName'), rc, m));
  const preemption = optStrAt(spec, 'preemptionPolicy');
  if (preemption !== undefined) errs.push(...validatePreemptionPolicy(child(field, 'preemptionPolicy'), preemption));
  const overhead = objAt(spec, 'overhead');
  if (overhead) errs.push(...validateResourceRequirements(child(field, 'overhead'), { limits: overhead }, new Set()));
  const os = objAt(spec, 'os');
  if (os) {
    const osName = strAt(os, 'name');
    if (osName === '') errs.push(required(child(field, 'os', 'name'), 'cannot be empty'));
    else if (osName !== 'linux' && osName !== 'windows') errs.push(notSupported(child(field, 'os'), osName, ['linux', 'windows']));
    else if (osName === 'linux') {
      if (has(sc, 'windowsOptions')) errs.push(forbidden(child(field, 'securityContext', 'windowsOptions'), 'windows options cannot be set for a linux pod'));
      forEachContainer(field, spec, (c, cp) => {
        if (has(objAt(c, 'securityContext'), 'windowsOptions')) errs.push(forbidden(child(cp, 'securityContext', 'windowsOptions'), 'windows options cannot be set for a linux pod'));
      });
    } else {
      for (const f of ['appArmorProfile', 'seLinuxOptions', 'seccompProfile', 'fsGroup', 'fsGroupChangePolicy', 'sysctls', 'runAsUser', 'runAsGroup', 'supplementalGroups', 'supplementalGroupsPolicy']) {
        if (has(sc, f) && !(Array.isArray(sc?.[f]) && (sc?.[f] as unknown[]).length === 0)) errs.push(forbidden(child(field, 'securityContext', f), 'cannot be set for a windows pod'));
      }
      for (const f of ['hostPID', 'hostIPC']) if (boolAt(spec, f)) errs.push(forbidden(child(field, f), 'cannot be set for a windows pod'));
      if (has(sc, 'hostUsers')) errs.push(forbidden(child(field, 'hostUsers'), 'cannot be set for a windows pod'));
      if (has(spec, 'shareProcessNamespace')) errs.push(forbidden(child(field, 'shareProcessNamespace'), 'cannot be set for a windows pod'));
      forEachContainer(field, spec, (c, cp) => {
        const csc = objAt(c, 'securityContext');
        for (const f of ['appArmorProfile', 'seLinuxOptions', 'seccompProfile', 'capabilities', 'readOnlyRootFilesystem', 'privileged', 'allowPrivilegeEscalation', 'procMount', 'runAsUser', 'runAsGroup']) {
          if (has(csc, f)) errs.push(forbidden(child(cp, 'securityContext', f), 'cannot be set for a windows pod'));
        }
      });
    }
  }
  return errs;
}

function forEachContainer(field: string, spec: JsonObject, fn: (c: JsonObject, path: string) => void): void {
  for (const k of ['initContainers', 'containers', 'ephemeralContainers']) objsAt(spec, k).forEach((c, i) => fn(c, index(child(field, k), i)));
}

export function validatePreemptionPolicy(field: string, policy: string): FieldError[] {
  if (policy === 'PreemptLowerPriority' || policy === 'Never') return [];
  if (policy === '') return [required(field)];
  return [notSupported(field, policy, ['PreemptLowerPriority', 'Never'])];
}

// ---- templates ----------------------------------------------------------------------------------------------

/** ValidatePodTemplateSpec: template labels/annotations and the pod spec. */
export function validatePodTemplateSpec(field: string, template: JsonObject | undefined, opts: PodValidationOptions): FieldError[] {
  const t = template ?? {};
  const meta = objAt(t, 'metadata');
  const spec = objAt(t, 'spec') ?? {};
  const annotations = strMapAt(meta, 'annotations');
  const errs = [
    ...validateLabels(child(field, 'labels'), strMapAt(meta, 'labels')),
    ...validateAnnotations(child(field, 'annotations'), annotations),
    ...validatePodSpecificAnnotations(child(field, 'annotations'), annotations, spec, opts),
    ...validatePodSpec(child(field, 'spec'), spec, undefined, opts),
  ];
  if (objsAt(spec, 'ephemeralContainers').length > 0) errs.push(forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  return errs;
}

/** Validation options for a template update: keep tolerating what the stored template already had. */
export function podTemplateOptions(oldTemplate: JsonObject | undefined): PodValidationOptions {
  if (!oldTemplate) return {};
  const annotations = strMapAt(objAt(oldTemplate, 'metadata'), 'annotations');
  const cost = annotations[POD_DELETION_COST_ANNOTATION];
  return { allowInvalidPodDeletionCost: cost !== undefined && !/^[+-]?[0-9]+$/.test(cost) };
}

// ---- Pod ----------------------------------------------------------------------------------------------------

function podParts(pod: KubeObject): { meta: JsonObject; spec: JsonObject; status: JsonObject } {
  return { meta: obj(pod.metadata) ?? {}, spec: obj(pod.spec) ?? {}, status: obj(pod.status) ?? {} };
}

function validatePodMetadataAndSpec(pod: KubeObject, opts: PodValidationOptions): FieldError[] {
  const { meta, spec } = podParts(pod);
  const errs = [...validatePodSpecificAnnotations('metadata.annotations', strMapAt(meta, 'annotations'), spec, opts), ...validatePodSpec('spec', spec, strAt(meta, 'name') || undefined, opts)];
  if (strAt(spec, 'serviceAccountName') === '') {
    objsAt(spec, 'volumes').forEach((v, i) => {
      objsAt(objAt(v, 'projected'), 'sources').forEach((s, j) => {
        if (has(s, 'serviceAccountToken')) {
          errs.push(forbidden(`spec.volumes[${i}].projected.sources[${j}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  for (const k of ['containers', 'initContainers']) objsAt(spec, k).forEach((c, i) => errs.push(...imageWhitespace(`spec.${k}[${i}].image`, strAt(c, 'image'))));
  return errs;
}

/** Pod create (metadata is validated generically by the API server). */
export function validatePodCreate(pod: KubeObject): FieldError[] {
  const opts: PodValidationOptions = { resourceIsPod: true };
  const { spec } = podParts(pod);
  const errs = validatePodMetadataAndSpec(pod, opts);
  if (objsAt(spec, 'ephemeralContainers').length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (strAt(spec, 'nodeName') !== '' && objsAt(spec, 'schedulingGates').length > 0) errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  return errs;
}

const UPDATABLE_POD_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerUpdates(field: string, next: readonly JsonObject[], prev: readonly JsonObject[]): { errs: FieldError[]; stop: boolean } {
  if (next.length !== prev.length) return { errs: [forbidden(field, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  next.forEach((c, i) => {
    const image = strAt(c, 'image');
    if (image === '') errs.push(required(child(index(field, i), 'image')));
    errs.push(...imageWhitespace(child(index(field, i), 'image'), image));
  });
  return { errs, stop: false };
}

/** Pod update: only images, activeDeadlineSeconds, tolerations (additions) and scheduling gates (removals) may change. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const n = podParts(pod);
  const o = podParts(old);
  const opts: PodValidationOptions = { resourceIsPod: true, ...podTemplateOptions({ metadata: o.meta }) };
  const errs = validatePodMetadataAndSpec(pod, opts);
  errs.push(...validatePodAnnotationUpdates(strMapAt(n.meta, 'annotations'), strMapAt(o.meta, 'annotations')));
  for (const k of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(`spec.${k}`, objsAt(n.spec, k), objsAt(o.spec, k));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const newAds = optNumAt(n.spec, 'activeDeadlineSeconds');
  const oldAds = optNumAt(o.spec, 'activeDeadlineSeconds');
  if (newAds !== undefined) {
    if (newAds < 0 || newAds > 2147483647) return [...errs, invalid('spec.activeDeadlineSeconds', newAds, inclusiveRangeError(0, 2147483647))];
    if (oldAds !== undefined && oldAds < newAds) return [...errs, invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value')];
  } else if (oldAds !== undefined) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const newTol = objsAt(n.spec, 'tolerations');
  const oldTol = objsAt(o.spec, 'tolerations');
  for (const ot of oldTol) {
    const found = newTol.some((nt) => jsonEqual({ ...ot, tolerationSeconds: nt.tolerationSeconds }, nt));
    if (!found) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  const oldGates = new Set(objsAt(o.spec, 'schedulingGates').map((g) => strAt(g, 'name')));
  objsAt(n.spec, 'schedulingGates').forEach((g, i) => {
    const name = strAt(g, 'name');
    if (!oldGates.has(name)) errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
  });
  if (jsonEqual(n.spec, o.spec)) return errs;
  // Mask the fields that may change, then require everything else to be equal.
  const munged: JsonObject = deepCopy(n.spec);
  for (const k of ['containers', 'initContainers']) {
    const oldCs = objsAt(o.spec, k);
    const cs = objsAt(munged, k);
    cs.forEach((c, i) => {
      if (oldCs[i] && has(oldCs[i], 'image')) c.image = oldCs[i].image;
      else delete c.image;
    });
  }
  setOrDelete(munged, 'activeDeadlineSeconds', o.spec.activeDeadlineSeconds);
  setOrDelete(munged, 'schedulingGates', o.spec.schedulingGates);
  setOrDelete(munged, 'tolerations', o.spec.tolerations);
  const oldGrace = optNumAt(o.spec, 'terminationGracePeriodSeconds');
  if (oldGrace !== undefined && oldGrace < 0 && optNumAt(munged, 'terminationGracePeriodSeconds') === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (oldGates.size > 0) {
    // Gated pods may gain node selector entries and node affinity terms.
    const oldSel = strMapAt(o.spec, 'nodeSelector');
    const newSel = strMapAt(munged, 'nodeSelector');
    if (!jsonEqual(oldSel, newSel)) {
      if (Object.entries(oldSel).some(([k, v]) => newSel[k] !== v)) errs.push(invalid('spec.nodeSelector', newSel, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
      setOrDelete(munged, 'nodeSelector', o.spec.nodeSelector);
    }
    const oldNA = objAt(objAt(o.spec, 'affinity'), 'nodeAffinity');
    const newNA = objAt(objAt(munged, 'affinity'), 'nodeAffinity');
    if (!jsonEqual(oldNA, newNA)) {
      const affinity = objAt(munged, 'affinity');
      if (affinity) setOrDelete(affinity, 'nodeAffinity', oldNA);
      if (affinity && Object.keys(affinity).length === 0 && !has(o.spec, 'affinity')) delete munged.affinity;
    }
  }
  if (!jsonEqual(munged, o.spec)) errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS.join(',')}`));
  return errs;
}

function setOrDelete(o: JsonObject, k: string, v: unknown): void {
  if (v === undefined || v === null) delete o[k];
  else o[k] = v as JsonObject[string];
}

function validatePodAnnotationUpdates(next: Readonly<Record<string, string>>, prev: Readonly<Record<string, string>>): FieldError[] {
  const errs: FieldError[] = [];
  const p = 'metadata.annotations';
  for (const [k, v] of Object.entries(prev)) {
    if (next[k] === v) continue;
    if (k.startsWith(APPARMOR_CONTAINER_PREFIX)) errs.push(forbidden(key(p, k), 'may not remove or update AppArmor annotations'));
    if (k === MIRROR_POD_ANNOTATION) errs.push(forbidden(key(p, k), 'may not remove or update mirror pod annotation'));
  }
  for (const k of Object.keys(next)) {
    if (k in prev) continue;
    if (k.startsWith(APPARMOR_CONTAINER_PREFIX)) errs.push(forbidden(key(p, k), 'may not add AppArmor annotations'));
    if (k === MIRROR_POD_ANNOTATION) errs.push(forbidden(key(p, k), 'may not add mirror pod annotation'));
  }
  return errs;
}

function validateIPList(field: string, list: readonly JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  list.forEach((e, i) => errs.push(...validateIP(index(field, i), strAt(e, 'ip'))));
  if (list.length > 1 && errs.length === 0) {
    const v4 = list.filter((e) => !strAt(e, 'ip').includes(':')).length;
    if (list.length > 2 || v4 !== 1) errs.push(invalid(field, list, 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    list.forEach((e, i) => {
      const ip = strAt(e, 'ip');
      if (seen.has(ip)) errs.push(duplicate(index(field, i), e));
      seen.add(ip);
    });
  }
  return errs;
}

function containerStateTransitions(field: string, next: readonly JsonObject[], prev: readonly JsonObject[], restartPolicy: string, restartable: ReadonlySet<string>): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  prev.forEach((os, i) => {
    const terminated = objAt(objAt(os, 'state'), 'terminated');
    if (!terminated) return;
    if (numAt(terminated, 'exitCode') !== 0 && restartPolicy === 'OnFailure') return;
    if (restartable.has(strAt(os, 'name'))) return;
    for (const ns of next) {
      if (strAt(ns, 'name') === strAt(os, 'name') && !objAt(objAt(ns, 'state'), 'terminated')) {
        errs.push(forbidden(child(index(field, i), 'state'), 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}

const SYSTEM_POD_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** Pod /status updates. */
/**
 * pods/ephemeralcontainers (upstream ValidatePodEphemeralContainersUpdate): the new pod is
 * validated as a whole (names unique among all containers, fields forbidden for ephemeral
 * containers); existing ephemeral containers may be neither removed nor changed; static (mirror)
 * pods take none. Upstream appends a Go cmp.Diff to the "may not be changed" message; ours lists
 * the changed fields as `-old` / `+new` lines.
 */
export function validatePodEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const n = podParts(pod);
  const o = podParts(old);
  const opts: PodValidationOptions = { resourceIsPod: true, ...podTemplateOptions({ metadata: o.meta }) };
  const errs = validatePodMetadataAndSpec(pod, opts);
  errs.push(...validatePodAnnotationUpdates(strMapAt(n.meta, 'annotations'), strMapAt(o.meta, 'annotations')));
  if (strMapAt(o.meta, 'annotations')[MIRROR_POD_ANNOTATION] !== undefined) return [forbidden('', 'static pods do not support ephemeral containers')];
  const byName = new Map(objsAt(n.spec, 'ephemeralContainers').map((c) => [strAt(c, 'name'), c] as const));
  for (const prev of objsAt(o.spec, 'ephemeralContainers')) {
    const name = strAt(prev, 'name');
    const cur = byName.get(name);
    if (!cur) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!jsonEqual(prev, cur)) errs.push(forbidden(key('spec.ephemeralContainers', name), `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${fieldDiff(prev, cur)}`));
  }
  return errs;
}

function fieldDiff(a: JsonObject, b: JsonObject): string {
  const lines: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (jsonEqual(a[k], b[k])) continue;
    if (a[k] !== undefined) lines.push(`- ${k}: ${JSON.stringify(a[k])}`);
    if (b[k] !== undefined) lines.push(`+ ${k}: ${JSON.stringify(b[k])}`);
  }
  return lines.join('\n');
}

export function validatePodStatusUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const n = podParts(pod);
  const o = podParts(old);
  const errs = [
    ...validatePodAnnotationUpdates(strMapAt(n.meta, 'annotations'), strMapAt(o.meta, 'annotations')),
    ...validatePodSpecificAnnotations('metadata.annotations', strMapAt(n.meta, 'annotations'), n.spec, { allowInvalidPodDeletionCost: true }),
  ];
  objsAt(n.status, 'conditions').forEach((c, i) => {
    const t = strAt(c, 'type');
    if (!SYSTEM_POD_CONDITIONS.has(t)) errs.push(...validateQualifiedName(`metadata.conditions[${i}].Type`, t));
  });
  if (strAt(n.spec, 'nodeName') !== strAt(o.spec, 'nodeName')) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const nominated = strAt(n.status, 'nominatedNodeName');
  if (nominated !== strAt(o.status, 'nominatedNodeName') && nominated !== '') {
    for (const m of isDNS1123Subdomain(nominated)) errs.push(invalid('status.nominatedNodeName', nominated, m));
  }
  errs.push(...validateImmutableField('status.qosClass', n.status.qosClass || undefined, o.status.qosClass || undefined));
  const restartPolicy = strAt(o.spec, 'restartPolicy');
  errs.push(...containerStateTransitions('status.containerStatuses', objsAt(n.status, 'containerStatuses'), objsAt(o.status, 'containerStatuses'), restartPolicy, new Set()));
  const restartableInits = new Set(objsAt(o.spec, 'initContainers').filter((c) => strAt(c, 'restartPolicy') === 'Always').map((c) => strAt(c, 'name')));
  errs.push(...containerStateTransitions('status.initContainerStatuses', objsAt(n.status, 'initContainerStatuses'), objsAt(o.status, 'initContainerStatuses'), restartPolicy, restartableInits));
  errs.push(...containerStateTransitions('status.ephemeralContainerStatuses', objsAt(n.status, 'ephemeralContainerStatuses'), objsAt(o.status, 'ephemeralContainerStatuses'), 'Never', new Set()));
  errs.push(...validateIPList('status.podIPs', objsAt(n.status, 'podIPs')));
  const hostIPs = objsAt(n.status, 'hostIPs');
  if (hostIPs.length > 0) {
    if (strAt(n.status, 'hostIP') !== strAt(hostIPs[0], 'ip')) errs.push(invalid('status.hostIPs[0].ip', strAt(hostIPs[0], 'ip'), 'must be equal to `hostIP`'));
    errs.push(...validateIPList('status.hostIPs', hostIPs));
  }
  return errs;
}


