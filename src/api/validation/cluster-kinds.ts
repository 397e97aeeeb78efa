/**
 * The smaller API groups: policy (PodDisruptionBudget), rbac.authorization.k8s.io,
 * storage.k8s.io (StorageClass), scheduling.k8s.io (PriorityClass), coordination.k8s.io (Lease),
 * discovery.k8s.io (EndpointSlice) and autoscaling (HorizontalPodAutoscaler, stored as v2).
 */
import type { FieldError } from '../errors.js';
import { jsonEqual, type KubeObject } from '../object.js';
import { child, duplicate, forbidden, index, internalError, invalid, key, nonNegative, notSupported, required, tooLong, tooMany } from './field-errors.js';
import { has, intOrStrAt, numAt, obj, objAt, objsAt, optNumAt, optStrAt, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import {
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  validateDNS1123Label,
  validateFullyQualifiedDomainName,
  validateIPv4,
  validateIPv6,
  validateQualifiedName,
} from './names.js';
import { compileLabelSelector, labelSelectorHasInvalidLabelValue, validateImmutableField, validateLabels, validateLabelSelector } from './object-meta.js';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from './apps.js';
import { validatePreemptionPolicy } from './pod.js';
import { formatQuantity, quantitySign, readQuantity } from '../schema/quantity.js';
import { validateContainerResourceName } from './resources.js';
import { validateNonSpecialIP } from './service.js';

function o(x: KubeObject): JsonObject {
  return obj(x) ?? {};
}

// ---- PodDisruptionBudget ----------------------------------------------------------------------------

function validatePDBSpec(spec: JsonObject, allowInvalid: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const minAvailable = intOrStrAt(spec, 'minAvailable');
  const maxUnavailable = intOrStrAt(spec, 'maxUnavailable');
  if (minAvailable !== undefined && maxUnavailable !== undefined) errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  if (minAvailable !== undefined) errs.push(...validatePositiveIntOrPercent('spec.minAvailable', minAvailable), ...isNotMoreThan100Percent('spec.minAvailable', minAvailable));
  if (maxUnavailable !== undefined) errs.push(...validatePositiveIntOrPercent('spec.maxUnavailable', maxUnavailable), ...isNotMoreThan100Percent('spec.maxUnavailable', maxUnavailable));
  errs.push(...validateLabelSelector('spec.selector', objAt(spec, 'selector'), { allowInvalidLabelValueInSelector: allowInvalid }));
  const policy = optStrAt(spec, 'unhealthyPodEvictionPolicy');
  if (policy !== undefined && policy !== 'AlwaysAllow' && policy !== 'IfHealthyBudget') errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
  return errs;
}

export function validatePodDisruptionBudget(pdb: KubeObject): FieldError[] {
  return validatePDBSpec(objAt(o(pdb), 'spec') ?? {}, false);
}

export function validatePodDisruptionBudgetUpdate(pdb: KubeObject, old: KubeObject): FieldError[] {
  return validatePDBSpec(objAt(o(pdb), 'spec') ?? {}, labelSelectorHasInvalidLabelValue(objAt(objAt(o(old), 'spec'), 'selector')));
}

const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const CONDITION_REASON_FMT = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';

/** metav1.Condition lists (PDB status and others). */
export function validateConditions(field: string, conditions: readonly JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const p = index(field, i);
    const type = strAt(c, 'type');
    if (seen.has(type)) errs.push(duplicate(child(p, 'type'), type));
    seen.add(type);
    errs.push(...isQualifiedName(type).map((m) => invalid(child(p, 'type'), type, m)));
    const st = strAt(c, 'status');
    if (!CONDITION_STATUSES.includes(st)) errs.push(notSupported(child(p, 'status'), st, CONDITION_STATUSES));
    if (numAt(c, 'observedGeneration') < 0) errs.push(invalid(child(p, 'observedGeneration'), numAt(c, 'observedGeneration'), 'must be greater than or equal to zero'));
    if (strAt(c, 'lastTransitionTime') === '') errs.push(required(child(p, 'lastTransitionTime'), 'must be set'));
    const reason = strAt(c, 'reason');
    if (reason === '') errs.push(required(child(p, 'reason'), 'must be set'));
    else {
      if (!new RegExp(`^${CONDITION_REASON_FMT}$`).test(reason)) {
        errs.push(
          invalid(
            child(p, 'reason'),
            reason,
            `a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name', or 'MY_NAME', or 'MyName', or 'ReasonA,ReasonB', or 'ReasonA:ReasonB', regex used for validation is '${CONDITION_REASON_FMT}')`,
          ),
        );
      }
      if (reason.length > 1024) errs.push(tooLong(child(p, 'reason'), 1024));
    }
    if (strAt(c, 'message').length > 32 * 1024) errs.push(tooLong(child(p, 'message'), 32 * 1024));
  });
  return errs;
}

export function validatePodDisruptionBudgetStatus(pdb: KubeObject): FieldError[] {
  const st = objAt(o(pdb), 'status');
  const errs = validateConditions('status.conditions', objsAt(st, 'conditions'));
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) errs.push(...nonNegative(`status.${f}`, numAt(st, f)));
  return errs;
}

// ---- RBAC ---------------------------------------------------------------------------------------------

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validatePolicyRule(field: string, rule: JsonObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (strListAt(rule, 'verbs').length === 0) errs.push(required(child(field, 'verbs'), 'verbs must contain at least one value'));
  const urls = strListAt(rule, 'nonResourceURLs');
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(child(field, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (strListAt(rule, 'apiGroups').length > 0 || strListAt(rule, 'resources').length > 0 || strListAt(rule, 'resourceNames').length > 0) {
      errs.push(invalid(child(field, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strListAt(rule, 'apiGroups').length === 0) errs.push(required(child(field, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (strListAt(rule, 'resources').length === 0) errs.push(required(child(field, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(role: KubeObject): FieldError[] {
  return objsAt(o(role), 'rules').flatMap((r, i) => validatePolicyRule(index('rules', i), r, true));
}

export function validateClusterRole(role: KubeObject): FieldError[] {
  const errs = objsAt(o(role), 'rules').flatMap((r, i) => validatePolicyRule(index('rules', i), r, false));
  const agg = objAt(o(role), 'aggregationRule');
  if (agg) {
    const selectors = objsAt(agg, 'clusterRoleSelectors');
    if (selectors.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((s, i) => {
      const p = index('aggregationRule.clusterRoleSelectors', i);
      errs.push(...validateLabelSelector(p, s));
      if (!compileLabelSelector(s)) errs.push(invalid(p, s, 'invalid label selector.'));
    });
  }
  return errs;
}

function validateSubject(field: string, subject: JsonObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = strAt(subject, 'name');
  const kind = strAt(subject, 'kind');
  const group = strAt(subject, 'apiGroup');
  if (name === '') errs.push(required(child(field, 'name')));
  switch (kind) {
    case 'ServiceAccount':
      if (name !== '') for (const m of isDNS1123Subdomain(name)) errs.push(invalid(child(field, 'name'), name, m));
      if (group !== '') errs.push(notSupported(child(field, 'apiGroup'), group, ['']));
      if (!namespaced && strAt(subject, 'namespace') === '') errs.push(required(child(field, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (group !== RBAC_GROUP) errs.push(notSupported(child(field, 'apiGroup'), group, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(field, 'kind'), kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(binding: KubeObject, namespaced: boolean): FieldError[] {
  const b = o(binding);
  const roleRef = objAt(b, 'roleRef') ?? {};
  const errs: FieldError[] = [];
  const group = strAt(roleRef, 'apiGroup');
  if (group !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', group, [RBAC_GROUP]));
  const kind = strAt(roleRef, 'kind');
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
  const name = strAt(roleRef, 'name');
  if (name === '') errs.push(required('roleRef.name'));
  else for (const m of isValidPathSegmentName(name)) errs.push(invalid('roleRef.name', name, m));
  objsAt(b, 'subjects').forEach((s, i) => errs.push(...validateSubject(index('subjects', i), s, namespaced)));
  return errs;
}

export function validateRoleBinding(rb: KubeObject): FieldError[] {
  return validateBinding(rb, true);
}

export function validateClusterRoleBinding(crb: KubeObject): FieldError[] {
  return validateBinding(crb, false);
}

/** roleRef is immutable on both binding kinds. */
export function validateBindingUpdate(binding: KubeObject, old: KubeObject, namespaced: boolean): FieldError[] {
  const errs = validateBinding(binding, namespaced);
  const ref = objAt(o(binding), 'roleRef') ?? {};
  const oldRef = objAt(o(old), 'roleRef') ?? {};
  const fields = ['apiGroup', 'kind', 'name'];
  if (fields.some((f) => strAt(ref, f) !== strAt(oldRef, f))) errs.push(invalid('roleRef', ref, 'cannot change roleRef'));
  return errs;
}

// ---- StorageClass ----------------------------------------------------------------------------------------

const SC_RECLAIM = ['Delete', 'Retain'];
const SC_BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

export function validateStorageClass(sc: KubeObject): FieldError[] {
  const s = o(sc);
  const errs: FieldError[] = [];
  const provisioner = strAt(s, 'provisioner');
  if (provisioner === '') errs.push(required('provisioner'));
  else errs.push(...validateQualifiedName('provisioner', provisioner.toLowerCase()));
  const params = strMapAt(s, 'parameters');
  const keys = Object.keys(params);
  if (keys.length > 512) {
    errs.push(tooLong('parameters', 512));
  } else {
    let total = 0;
    for (const k of keys) {
      if (k.length < 1) errs.push(invalid('parameters', k, 'field can not be empty.'));
      total += Buffer.byteLength(k) + Buffer.byteLength(params[k]);
    }
    if (total > 256 * 1024) errs.push(tooLong('parameters', 256 * 1024));
  }
  const reclaim = optStrAt(s, 'reclaimPolicy');
  if (reclaim !== undefined && reclaim !== '' && !SC_RECLAIM.includes(reclaim)) errs.push(notSupported('reclaimPolicy', reclaim, SC_RECLAIM));
  const mode = optStrAt(s, 'volumeBindingMode');
  if (mode === undefined) errs.push(required('volumeBindingMode'));
  else if (!SC_BINDING_MODES.includes(mode)) errs.push(notSupported('volumeBindingMode', mode, SC_BINDING_MODES));
  const seenTerms: Array<Record<string, string[]>> = [];
  objsAt(s, 'allowedTopologies').forEach((term, i) => {
    const tp = index('allowedTopologies', i);
    const exprMap: Record<string, string[]> = {};
    objsAt(term, 'matchLabelExpressions').forEach((e, j) => {
      const ep = index(child(tp, 'matchLabelExpressions'), j);
      const values = strListAt(e, 'values');
      if (values.length === 0) errs.push(required(child(ep, 'values')));
      const seenValues = new Set<string>();
      values.forEach((v, k) => {
        if (seenValues.has(v)) errs.push(duplicate(index(child(ep, 'values'), k), v));
        seenValues.add(v);
      });
      const k = strAt(e, 'key');
      errs.push(...isQualifiedName(k).map((m) => invalid(child(ep, 'key'), k, m)));
      if (k in exprMap) errs.push(duplicate(child(ep, 'key'), k));
      exprMap[k] = [...seenValues].sort();
    });
    if (seenTerms.some((t) => jsonEqual(t, exprMap))) errs.push(duplicate(child(tp, 'matchLabelExpressions'), ''));
    seenTerms.push(exprMap);
  });
  return errs;
}

export function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const n = o(sc);
  const p = o(old);
  const errs: FieldError[] = [];
  if (!jsonEqual(n.parameters ?? {}, p.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (strAt(n, 'provisioner') !== strAt(p, 'provisioner')) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (strAt(n, 'reclaimPolicy') !== strAt(p, 'reclaimPolicy')) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutableField('volumeBindingMode', n.volumeBindingMode, p.volumeBindingMode));
  return errs;
}

// ---- PriorityClass ---------------------------------------------------------------------------------------

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = { 'system-cluster-critical': 2000000000, 'system-node-critical': 2000001000 };

export function validatePriorityClass(pc: KubeObject): FieldError[] {
  const s = o(pc);
  const errs: FieldError[] = [];
  const name = strAt(objAt(s, 'metadata'), 'name');
  const value = numAt(s, 'value');
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES[name];
    let problem: string | undefined;
    if (known === undefined) problem = `${name} is not a known system priority class`;
    else if (known !== value) problem = `value of ${name} PriorityClass must be ${known}`;
    else if (s.globalDefault === true) problem = `globalDefault of ${name} PriorityClass must be false`;
    if (problem) errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${problem}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const policy = optStrAt(s, 'preemptionPolicy');
  if (policy !== undefined) errs.push(...validatePreemptionPolicy('preemptionPolicy', policy));
  return errs;
}

export function validatePriorityClassUpdate(pc: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (numAt(o(pc), 'value') !== numAt(o(old), 'value')) errs.push(forbidden('value', 'may not be changed in an update.'));
  errs.push(...validateImmutableField('preemptionPolicy', o(pc).preemptionPolicy, o(old).preemptionPolicy));
  return errs;
}

// ---- Lease -----------------------------------------------------------------------------------------------

export function validateLease(lease: KubeObject): FieldError[] {
  const spec = objAt(o(lease), 'spec');
  const errs: FieldError[] = [];
  const duration = optNumAt(spec, 'leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) errs.push(invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = optNumAt(spec, 'leaseTransitions');
  if (transitions !== undefined && transitions < 0) errs.push(invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  const strategy = optStrAt(spec, 'strategy');
  if (strategy !== undefined) {
    if (!strategy.includes('/')) {
      if (strategy !== 'OldestEmulationVersion') errs.push(notSupported('spec.strategy.strategy', strategy, ['OldestEmulationVersion']));
    } else {
      errs.push(...validateQualifiedName('spec.strategy.strategy', strategy));
    }
  }
  const preferred = optStrAt(spec, 'preferredHolder');
  if (preferred !== undefined && preferred !== '' && (strategy === undefined || strategy === '')) errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

// ---- EndpointSlice --------------------------------------------------------------------------------------------

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const SLICE_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function validateEndpointSlice(slice: KubeObject): FieldError[] {
  const s = o(slice);
  const errs: FieldError[] = [];
  const addressType = strAt(s, 'addressType');
  if (addressType === '') errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported('addressType', addressType, ADDRESS_TYPES));
  const endpoints = objsAt(s, 'endpoints');
  if (endpoints.length > 1000) {
    errs.push(tooMany('endpoints', endpoints.length, 1000));
  } else {
    endpoints.forEach((ep, i) => {
      const p = index('endpoints', i);
      const addrs = strListAt(ep, 'addresses');
      if (addrs.length === 0) errs.push(required(child(p, 'addresses'), 'must contain at least 1 address'));
      else if (addrs.length > 100) errs.push(tooMany(child(p, 'addresses'), addrs.length, 100));
      addrs.forEach((a, j) => {
        const ap = index(child(p, 'addresses'), j);
        if (addressType === 'IPv4') errs.push(...validateIPv4(ap, a), ...validateNonSpecialIP(ap, a));
        else if (addressType === 'IPv6') errs.push(...validateIPv6(ap, a), ...validateNonSpecialIP(ap, a));
        else if (addressType === 'FQDN') errs.push(...validateFullyQualifiedDomainName(ap, a));
      });
      const nodeName = optStrAt(ep, 'nodeName');
      if (nodeName !== undefined) for (const m of isDNS1123Subdomain(nodeName)) errs.push(invalid(child(p, 'nodeName'), nodeName, m));
      const topology = strMapAt(ep, 'deprecatedTopology');
      if (Object.keys(topology).length > 16) errs.push(tooMany(child(p, 'deprecatedTopology'), Object.keys(topology).length, 16));
      errs.push(...validateLabels(child(p, 'deprecatedTopology'), topology));
      if ('topology.kubernetes.io/zone' in topology) errs.push(internalError(key(child(p, 'deprecatedTopology'), 'topology.kubernetes.io/zone'), 'reserved key was not removed in conversion'));
      const hostname = optStrAt(ep, 'hostname');
      if (hostname !== undefined) errs.push(...validateDNS1123Label(child(p, 'hostname'), hostname));
      const zones = objsAt(objAt(ep, 'hints'), 'forZones');
      if (zones.length > 8) errs.push(tooMany(child(p, 'hints', 'forZones'), zones.length, 8));
      else {
        const seen = new Set<string>();
        zones.forEach((z, j) => {
          const zp = child(index(child(p, 'hints', 'forZones'), j), 'name');
          const name = strAt(z, 'name');
          if (seen.has(name)) errs.push(duplicate(zp, name));
          seen.add(name);
          for (const m of isValidLabelValue(name)) errs.push(invalid(zp, name, m));
        });
      }
    });
  }
  const ports = objsAt(s, 'ports');
  if (ports.length > 20000) {
    errs.push(tooMany('ports', ports.length, 20000));
  } else {
    const names = new Set<string>();
    ports.forEach((port, i) => {
      const p = index('ports', i);
      const name = strAt(port, 'name');
      if (name !== '') errs.push(...validateDNS1123Label(child(p, 'name'), name));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
      const proto = optStrAt(port, 'protocol');
      if (proto === undefined) errs.push(required(child(p, 'protocol')));
      else if (!SLICE_PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, 'protocol'), proto, SLICE_PROTOCOLS));
      const app = optStrAt(port, 'appProtocol');
      if (app !== undefined) errs.push(...validateQualifiedName(child(p, 'appProtocol'), app));
    });
  }
  return errs;
}

export function validateEndpointSliceUpdate(slice: KubeObject, old: KubeObject): FieldError[] {
  return [...validateEndpointSlice(slice), ...validateImmutableField('addressType', o(slice).addressType, o(old).addressType)];
}

// ---- HorizontalPodAutoscaler (autoscaling/v2) --------------------------------------------------------------------

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const SCALING_POLICY_TYPES = ['Percent', 'Pods'];

function validateCrossVersionObjectReference(field: string, ref: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['kind', 'name']) {
    const v = strAt(ref, f);
    if (v === '') errs.push(required(child(field, f)));
    else for (const m of isValidPathSegmentName(v)) errs.push(invalid(child(field, f), v, m));
  }
  return errs;
}

function validateMetricTarget(field: string, t: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const type = strAt(t, 'type');
  if (type === '') errs.push(required(child(field, 'type'), 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') errs.push(invalid(child(field, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  for (const f of ['value', 'averageValue']) {
    if (!has(t, f)) continue;
    const q = readQuantity(t?.[f]);
    if (!q || quantitySign(q) !== 1) errs.push(invalid(child(field, f), q ? formatQuantity(q) : (t?.[f] ?? null), 'must be positive'));
  }
  const util = optNumAt(t, 'averageUtilization');
  if (util !== undefined && util < 1) errs.push(invalid(child(field, 'averageUtilization'), util, 'must be greater than 0'));
  return errs;
}

function validateMetricIdentifier(field: string, id: JsonObject | undefined): FieldError[] {
  const name = strAt(id, 'name');
  if (name === '') return [required(child(field, 'name'), 'must specify a metric name')];
  return isValidPathSegmentName(name).map((m) => invalid(child(field, 'name'), name, m));
}

function validateMetricSource(kind: string, src: JsonObject, p: string): FieldError[] {
  const target = objAt(src, 'target');
  const tp = child(p, 'target');
  const errs: FieldError[] = [];
  switch (kind) {
    case 'object':
      errs.push(...validateCrossVersionObjectReference(child(p, 'describedObject'), objAt(src, 'describedObject')), ...validateMetricIdentifier(child(p, 'metric'), objAt(src, 'metric')), ...validateMetricTarget(tp, target));
      if (!has(target, 'value') && !has(target, 'averageValue')) errs.push(required(child(tp, 'averageValue'), 'must set either a target value or averageValue'));
      break;
    case 'external':
      errs.push(...validateMetricIdentifier(child(p, 'metric'), objAt(src, 'metric')), ...validateMetricTarget(tp, target));
      if (!has(target, 'value') && !has(target, 'averageValue')) errs.push(required(child(tp, 'averageValue'), 'must set either a target value for metric or a per-pod target'));
      if (has(target, 'value') && has(target, 'averageValue')) errs.push(forbidden(child(tp, 'value'), 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      errs.push(...validateMetricIdentifier(child(p, 'metric'), objAt(src, 'metric')), ...validateMetricTarget(tp, target));
      if (!has(target, 'averageValue')) errs.push(required(child(tp, 'averageValue'), 'must specify a positive target averageValue'));
      break;
    case 'resource':
    case 'containerResource': {
      const name = strAt(src, 'name');
      if (name === '') errs.push(required(child(p, 'name'), 'must specify a resource name'));
      else if (kind === 'containerResource') errs.push(...validateContainerResourceName(child(p, 'name'), name));
      if (kind === 'containerResource') {
        const c = strAt(src, 'container');
        if (c === '') errs.push(required(child(p, 'container'), 'must specify a container'));
        else errs.push(...validateDNS1123Label(child(p, 'container'), c));
      }
      errs.push(...validateMetricTarget(tp, target));
      if (!has(target, 'averageUtilization') && !has(target, 'averageValue')) errs.push(required(child(tp, 'averageUtilization'), 'must set either a target raw value or a target utilization'));
      if (has(target, 'averageUtilization') && has(target, 'averageValue')) errs.push(forbidden(child(tp, 'averageValue'), 'may not set both a target raw value and a target utilization'));
      break;
    }
  }
  return errs;
}

const TYPE_MEMBER: Readonly<Record<string, string>> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

function validateMetricSpec(field: string, m: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = strAt(m, 'type');
  if (type === '') errs.push(required(child(field, 'type'), 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(notSupported(child(field, 'type'), type, METRIC_SOURCE_TYPES));
  const present: string[] = [];
  for (const member of ['object', 'external', 'pods', 'resource', 'containerResource']) {
    const src = objAt(m, member);
    if (!src) continue;
    present.push(member);
    if (present.length === 1) errs.push(...validateMetricSource(member, src, child(field, member)));
  }
  const expected = TYPE_MEMBER[type];
  if (expected) {
    if (!has(m, expected)) errs.push(required(child(field, expected), 'must populate information for the given metric source'));
  } else {
    errs.push(notSupported(child(field, 'type'), type, METRIC_SOURCE_TYPES));
  }
  if (present.length !== 1) for (const member of present.filter((x) => x !== expected)) errs.push(forbidden(child(field, member), 'must populate the given metric source only'));
  return errs;
}

function validateScalingRules(field: string, rules: JsonObject | undefined): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const window = optNumAt(rules, 'stabilizationWindowSeconds');
  if (window !== undefined && window < 0) errs.push(invalid(child(field, 'stabilizationWindowSeconds'), window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > 3600) errs.push(invalid(child(field, 'stabilizationWindowSeconds'), window, 'must be less than or equal to 3600'));
  const select = optStrAt(rules, 'selectPolicy');
  if (select !== undefined && !SELECT_POLICIES.includes(select)) errs.push(notSupported(child(field, 'selectPolicy'), select, SELECT_POLICIES));
  const policies = objsAt(rules, 'policies');
  if (policies.length === 0) errs.push(required(child(field, 'policies'), 'must specify at least one Policy'));
  policies.forEach((pol, i) => {
    const p = index(child(field, 'policies'), i);
    const type = strAt(pol, 'type');
    if (!SCALING_POLICY_TYPES.includes(type)) errs.push(notSupported(child(p, 'type'), type, SCALING_POLICY_TYPES));
    if (numAt(pol, 'value') <= 0) errs.push(invalid(child(p, 'value'), numAt(pol, 'value'), 'must be greater than zero'));
    const period = numAt(pol, 'periodSeconds');
    if (period <= 0) errs.push(invalid(child(p, 'periodSeconds'), period, 'must be greater than zero'));
    if (period > 1800) errs.push(invalid(child(p, 'periodSeconds'), period, 'must be less than or equal to 1800'));
  });
  return errs;
}

function validateHPASpec(spec: JsonObject, minReplicasLowerBound: number): FieldError[] {
  const errs: FieldError[] = [];
  const min = optNumAt(spec, 'minReplicas');
  const max = numAt(spec, 'maxReplicas');
  if (min !== undefined && min < minReplicasLowerBound) errs.push(invalid('spec.minReplicas', min, `must be greater than or equal to ${minReplicasLowerBound}`));
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference('spec.scaleTargetRef', objAt(spec, 'scaleTargetRef')));
  const metrics = objsAt(spec, 'metrics');
  metrics.forEach((m, i) => errs.push(...validateMetricSpec(index('spec.metrics', i), m)));
  if (min === 0 && !metrics.some((m) => ['Object', 'External'].includes(strAt(m, 'type')))) {
    errs.push(forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  const behavior = objAt(spec, 'behavior');
  if (behavior) errs.push(...validateScalingRules('spec.behavior.scaleUp', objAt(behavior, 'scaleUp')), ...validateScalingRules('spec.behavior.scaleDown', objAt(behavior, 'scaleDown')));
  return errs;
}

/** HPAScaleToZero is off by default in 1.32: minReplicas must be at least 1. */
export function validateHorizontalPodAutoscaler(hpa: KubeObject): FieldError[] {
  return validateHPASpec(objAt(o(hpa), 'spec') ?? {}, 1);
}

export function validateHorizontalPodAutoscalerUpdate(hpa: KubeObject, old: KubeObject): FieldError[] {
  const oldMin = optNumAt(objAt(o(old), 'spec'), 'minReplicas');
  return validateHPASpec(objAt(o(hpa), 'spec') ?? {}, oldMin === 0 ? 0 : 1);
}

export function validateHorizontalPodAutoscalerStatus(hpa: KubeObject): FieldError[] {
  const st = objAt(o(hpa), 'status');
  const errs: FieldError[] = [];
  for (const f of ['currentReplicas', 'desiredReplicas']) errs.push(...nonNegative(`status.${f}`, numAt(st, f)));
  return errs;
}
