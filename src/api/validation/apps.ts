/**
 * apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision
 * (pkg/apis/apps/validation plus the selector immutability the apps/v1 strategies enforce).
 */
import type { FieldError } from '../errors.js';
import { jsonEqual, type KubeObject } from '../object.js';
import { forbidden, invalid, nonNegative, notSupported, required } from './field-errors.js';
import { has, intOrStrAt, numAt, obj, objAt, objsAt, optNumAt, strAt, strMapAt, type JsonObject } from '../json-access.js';
import { isValidPercent } from './names.js';
import { compileLabelSelector, labelSelectorHasInvalidLabelValue, validateAnnotations, validateImmutableField, validateLabels, validateLabelSelector } from './object-meta.js';
import { podTemplateOptions, validatePodSpecificAnnotations, validatePodTemplateSpec, type PodValidationOptions } from './pod.js';
import { validateReplicaCounts, validateReplicaOrdering } from './core.js';

function spec(o: KubeObject): JsonObject {
  return obj(o.spec) ?? {};
}

function status(o: KubeObject): JsonObject {
  return obj(o.status) ?? {};
}

// ---- int-or-percent helpers ------------------------------------------------------------------------

/** ValidatePositiveIntOrPercent: a non-negative integer or a `N%` string. */
export function validatePositiveIntOrPercent(field: string, v: number | string | undefined): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(field, v, m));
  if (typeof v === 'number') return nonNegative(field, v);
  return [];
}

function percentValue(v: number | string | undefined): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return Number.parseInt(v.slice(0, -1), 10);
}

/** The numeric part of an int-or-percent (0 for an unparsable string, as upstream). */
export function intOrPercentValue(v: number | string | undefined): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  return typeof v === 'number' ? v : 0;
}

/** IsNotMoreThan100Percent. */
export function isNotMoreThan100Percent(field: string, v: number | string | undefined): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [invalid(field, v, 'must not be greater than 100%')] : [];
}

// ---- shared template checks --------------------------------------------------------------------------

/** Selector validity, non-emptiness and the selector/template-labels match. */
function validateSelectorAndTemplate(specObj: JsonObject, kindName: string, opts: PodValidationOptions, fullTemplate: boolean, allowInvalidLabelValue = false): FieldError[] {
  const errs: FieldError[] = [];
  const selector = objAt(specObj, 'selector');
  if (!selector) {
    errs.push(required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector('spec.selector', selector, { allowInvalidLabelValueInSelector: allowInvalidLabelValue }));
    if (Object.keys(strMapAt(selector, 'matchLabels')).length + objsAt(selector, 'matchExpressions').length === 0) {
      errs.push(invalid('spec.selector', selector, `empty selector is invalid for ${kindName}`));
    }
  }
  const compiled = compileLabelSelector(selector);
  const template = objAt(specObj, 'template');
  if (!compiled) {
    errs.push(invalid('spec.selector', selector ?? null, kindName === 'statefulset' ? '' : 'invalid label selector'));
    return errs;
  }
  const labels = strMapAt(objAt(template, 'metadata'), 'labels');
  if (!compiled.empty && !compiled.matches(labels)) {
    errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  if (fullTemplate) {
    errs.push(...validatePodTemplateSpec('spec.template', template, opts));
  } else {
    const meta = objAt(template, 'metadata');
    const annotations = strMapAt(meta, 'annotations');
    errs.push(...validateLabels('spec.template.labels', strMapAt(meta, 'labels')));
    errs.push(...validateAnnotations('spec.template.annotations', annotations));
    errs.push(...validatePodSpecificAnnotations('spec.template.annotations', annotations, objAt(template, 'spec') ?? {}, opts));
  }
  return errs;
}

function restartAlwaysOnly(specObj: JsonObject, kindLabel: string): FieldError[] {
  const tspec = objAt(objAt(specObj, 'template'), 'spec');
  const errs: FieldError[] = [];
  const restart = strAt(tspec, 'restartPolicy');
  if (restart !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  if (has(tspec, 'activeDeadlineSeconds')) errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindLabel} is not Supported`));
  return errs;
}

function collisionCountDecrement(n: JsonObject, o: JsonObject): FieldError[] {
  const next = optNumAt(n, 'collisionCount');
  const prev = optNumAt(o, 'collisionCount');
  if ((next === undefined && prev !== undefined) || (next !== undefined && prev !== undefined && next < prev)) {
    return [invalid('status.collisionCount', next ?? 0, 'cannot be decremented')];
  }
  return [];
}

// ---- Deployment ----------------------------------------------------------------------------------------

function validateDeploymentStrategy(strategy: JsonObject | undefined): FieldError[] {
  const type = strAt(strategy, 'type');
  const ru = objAt(strategy, 'rollingUpdate');
  if (type === 'Recreate') {
    return ru ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type === 'RollingUpdate') {
    if (!ru) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
    const p = 'spec.strategy.rollingUpdate';
    const maxUnavailable = intOrStrAt(ru, 'maxUnavailable');
    const maxSurge = intOrStrAt(ru, 'maxSurge');
    const errs = [...validatePositiveIntOrPercent(`${p}.maxUnavailable`, maxUnavailable), ...validatePositiveIntOrPercent(`${p}.maxSurge`, maxSurge)];
    if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
      errs.push(invalid(`${p}.maxUnavailable`, maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
    errs.push(...isNotMoreThan100Percent(`${p}.maxUnavailable`, maxUnavailable));
    return errs;
  }
  return [notSupported('spec.strategy', strategy ?? {}, ['Recreate', 'RollingUpdate'])];
}

function validateDeploymentSpec(d: KubeObject, opts: PodValidationOptions): FieldError[] {
  const s = spec(d);
  const errs = [...nonNegative('spec.replicas', numAt(s, 'replicas')), ...validateSelectorAndTemplate(s, 'deployment', opts, true), ...restartAlwaysOnly(s, 'ReplicaSet')];
  errs.push(...validateDeploymentStrategy(objAt(s, 'strategy')));
  const minReady = numAt(s, 'minReadySeconds');
  errs.push(...nonNegative('spec.minReadySeconds', minReady));
  const rhl = optNumAt(s, 'revisionHistoryLimit');
  if (rhl !== undefined) errs.push(...nonNegative('spec.revisionHistoryLimit', rhl));
  const rollback = objAt(s, 'rollbackTo');
  if (rollback) errs.push(...nonNegative('spec.rollback.version', numAt(rollback, 'revision')));
  const pds = optNumAt(s, 'progressDeadlineSeconds');
  if (pds !== undefined) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', pds));
    if (pds <= minReady) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateDeployment(d: KubeObject): FieldError[] {
  return validateDeploymentSpec(d, {});
}

export function validateDeploymentUpdate(d: KubeObject, old: KubeObject): FieldError[] {
  return [...validateDeploymentSpec(d, podTemplateOptions(objAt(spec(old), 'template'))), ...validateImmutableField('spec.selector', spec(d).selector, spec(old).selector)];
}

export function validateDeploymentStatus(d: KubeObject, old: KubeObject): FieldError[] {
  const st = status(d);
  const errs: FieldError[] = [];
  for (const n of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) errs.push(...nonNegative(`status.${n}`, numAt(st, n)));
  const cc = optNumAt(st, 'collisionCount');
  if (cc !== undefined) errs.push(...nonNegative('status.collisionCount', cc));
  errs.push(...validateReplicaOrdering(st, ['updatedReplicas', 'readyReplicas', 'availableReplicas']));
  errs.push(...collisionCountDecrement(st, status(old)));
  return errs;
}

// ---- ReplicaSet -----------------------------------------------------------------------------------------

function validateReplicaSetSpec(rs: KubeObject, opts: PodValidationOptions): FieldError[] {
  const s = spec(rs);
  return [
    ...nonNegative('spec.replicas', numAt(s, 'replicas')),
    ...nonNegative('spec.minReadySeconds', numAt(s, 'minReadySeconds')),
    ...validateSelectorAndTemplate(s, 'deployment', opts, true),
    ...restartAlwaysOnly(s, 'ReplicaSet'),
  ];
}

export function validateReplicaSet(rs: KubeObject): FieldError[] {
  return validateReplicaSetSpec(rs, {});
}

export function validateReplicaSetUpdate(rs: KubeObject, old: KubeObject): FieldError[] {
  return [...validateReplicaSetSpec(rs, podTemplateOptions(objAt(spec(old), 'template'))), ...validateImmutableField('spec.selector', spec(rs).selector, spec(old).selector)];
}

export function validateReplicaSetStatus(rs: KubeObject): FieldError[] {
  return validateReplicaCounts(status(rs));
}

// ---- StatefulSet -----------------------------------------------------------------------------------------

function validateStatefulSetSpec(sts: KubeObject, opts: PodValidationOptions): FieldError[] {
  const s = spec(sts);
  const errs: FieldError[] = [];
  const pmp = strAt(s, 'podManagementPolicy');
  if (pmp === '') errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const strategy = objAt(s, 'updateStrategy');
  const type = strAt(strategy, 'type');
  const ru = objAt(strategy, 'rollingUpdate');
  if (type === '') {
    errs.push(required('spec.updateStrategy'));
  } else if (type === 'OnDelete') {
    if (ru) errs.push(invalid('spec.updateStrategy.rollingUpdate', ru, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    if (ru) {
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...nonNegative(`${p}.partition`, numAt(ru, 'partition')));
      const mu = intOrStrAt(ru, 'maxUnavailable');
      if (mu !== undefined) {
        errs.push(...validatePositiveIntOrPercent(`${p}.maxUnavailable`, mu));
        if (intOrPercentValue(mu) === 0) errs.push(invalid(`${p}.maxUnavailable`, mu, 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(`${p}.maxUnavailable`, mu));
      }
    }
  } else {
    errs.push(invalid('spec.updateStrategy', strategy ?? {}, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = objAt(s, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = strAt(retention, f);
      if (v !== 'Retain' && v !== 'Delete') errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
    }
  }
  errs.push(...nonNegative('spec.replicas', numAt(s, 'replicas')));
  errs.push(...nonNegative('spec.minReadySeconds', numAt(s, 'minReadySeconds')));
  const ordinals = objAt(s, 'ordinals');
  if (ordinals) errs.push(...nonNegative('spec.ordinals.start', numAt(ordinals, 'start')));
  errs.push(...validateSelectorAndTemplate(s, 'statefulset', opts, false));
  const tspec = objAt(objAt(s, 'template'), 'spec');
  const restart = strAt(tspec, 'restartPolicy');
  if (restart !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  if (has(tspec, 'activeDeadlineSeconds')) errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  return errs;
}

export function validateStatefulSet(sts: KubeObject): FieldError[] {
  return validateStatefulSetSpec(sts, {});
}

const STS_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

export function validateStatefulSetUpdate(sts: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStatefulSetSpec(sts, podTemplateOptions(objAt(spec(old), 'template')));
  const n: JsonObject = { ...spec(sts) };
  const o: JsonObject = { ...spec(old) };
  for (const f of STS_MUTABLE) {
    delete n[f];
    delete o[f];
  }
  if (!jsonEqual(n, o)) {
    errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errs;
}

export function validateStatefulSetStatus(sts: KubeObject, old: KubeObject): FieldError[] {
  const st = status(sts);
  const errs: FieldError[] = [];
  for (const n of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) errs.push(...nonNegative(`status.${n}`, numAt(st, n)));
  for (const n of ['observedGeneration', 'collisionCount']) {
    const v = optNumAt(st, n);
    if (v !== undefined) errs.push(...nonNegative(`status.${n}`, v));
  }
  const replicas = numAt(st, 'replicas');
  const msg = 'cannot be greater than status.replicas';
  for (const n of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) if (numAt(st, n) > replicas) errs.push(invalid(`status.${n}`, numAt(st, n), msg));
  if (numAt(st, 'availableReplicas') > numAt(st, 'readyReplicas')) errs.push(invalid('status.availableReplicas', numAt(st, 'availableReplicas'), 'cannot be greater than status.readyReplicas'));
  errs.push(...collisionCountDecrement(st, status(old)));
  return errs;
}

// ---- DaemonSet --------------------------------------------------------------------------------------------

function validateDaemonSetSpec(ds: KubeObject, opts: PodValidationOptions, allowInvalidLabelValue: boolean): FieldError[] {
  const s = spec(ds);
  const errs: FieldError[] = [];
  const selector = objAt(s, 'selector');
  errs.push(...validateLabelSelector('spec.selector', selector, { allowInvalidLabelValueInSelector: allowInvalidLabelValue }));
  const compiled = compileLabelSelector(selector);
  const labels = strMapAt(objAt(objAt(s, 'template'), 'metadata'), 'labels');
  if (compiled && !compiled.matches(labels)) errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  if (selector && Object.keys(strMapAt(selector, 'matchLabels')).length + objsAt(selector, 'matchExpressions').length === 0) {
    errs.push(invalid('spec.selector', selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec('spec.template', objAt(s, 'template'), opts));
  errs.push(...restartAlwaysOnly(s, 'DaemonSet'));
  errs.push(...nonNegative('spec.minReadySeconds', numAt(s, 'minReadySeconds')));
  errs.push(...nonNegative('spec.templateGeneration', numAt(s, 'templateGeneration')));
  const strategy = objAt(s, 'updateStrategy');
  const type = strAt(strategy, 'type');
  if (type === 'RollingUpdate') {
    const ru = objAt(strategy, 'rollingUpdate');
    if (!ru) {
      errs.push(required('spec.updateStrategy.rollingUpdate'));
    } else {
      const p = 'spec.updateStrategy.rollingUpdate';
      const mu = intOrStrAt(ru, 'maxUnavailable');
      const ms = intOrStrAt(ru, 'maxSurge');
      errs.push(...validatePositiveIntOrPercent(`${p}.maxUnavailable`, mu), ...validatePositiveIntOrPercent(`${p}.maxSurge`, ms));
      errs.push(...isNotMoreThan100Percent(`${p}.maxUnavailable`, mu), ...isNotMoreThan100Percent(`${p}.maxSurge`, ms));
      const hasUnavailable = intOrPercentValue(mu) !== 0;
      const hasSurge = intOrPercentValue(ms) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalid(`${p}.maxSurge`, ms ?? 0, 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (type !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy', strategy ?? {}, ['RollingUpdate', 'OnDelete']));
  }
  const rhl = optNumAt(s, 'revisionHistoryLimit');
  if (rhl !== undefined) errs.push(...nonNegative('spec.revisionHistoryLimit', rhl));
  return errs;
}

export function validateDaemonSet(ds: KubeObject): FieldError[] {
  return validateDaemonSetSpec(ds, {}, false);
}

export function validateDaemonSetUpdate(ds: KubeObject, old: KubeObject): FieldError[] {
  const allowInvalid = labelSelectorHasInvalidLabelValue(objAt(spec(old), 'selector'));
  return [...validateDaemonSetSpec(ds, podTemplateOptions(objAt(spec(old), 'template')), allowInvalid), ...validateImmutableField('spec.selector', spec(ds).selector, spec(old).selector)];
}

export function validateDaemonSetStatus(ds: KubeObject, old: KubeObject): FieldError[] {
  const st = status(ds);
  const errs: FieldError[] = [];
  for (const n of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) {
    errs.push(...nonNegative(`status.${n}`, numAt(st, n)));
  }
  const cc = optNumAt(st, 'collisionCount');
  if (cc !== undefined) errs.push(...nonNegative('status.collisionCount', cc));
  errs.push(...collisionCountDecrement(st, status(old)));
  return errs;
}

// ---- ControllerRevision ------------------------------------------------------------------------------------

export function validateControllerRevision(cr: KubeObject): FieldError[] {
  const o = obj(cr) ?? {};
  const errs: FieldError[] = [];
  if (o.data === undefined || o.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative('revision', numAt(o, 'revision')));
  return errs;
}

export function validateControllerRevisionUpdate(cr: KubeObject, old: KubeObject): FieldError[] {
  return [...validateControllerRevision(cr), ...validateImmutableField('data', (obj(cr) ?? {}).data, (obj(old) ?? {}).data)];
}


