/**
 * batch/v1 Job and CronJob (pkg/apis/batch/validation), with the options the 1.32 strategies
 * pass: prefixed job labels required on create, elastic indexed jobs allowed, scheduling
 * directives of suspended, never-started jobs mutable.
 */
import type { FieldError } from '../errors.js';
import { deepCopy, jsonEqual, type KubeObject } from '../object.js';
import { child, duplicate, FIELD_IMMUTABLE, index, invalid, nonNegative, notSupported, required, tooLong, tooMany } from './field-errors.js';
import { arrAt, has, numAt, obj, objAt, objsAt, optBoolAt, optNumAt, optStrAt, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import { isDNS1123Label, validateDomainPrefixedPath, validateQualifiedName } from './names.js';
import { compileLabelSelector, validateImmutableField, validateLabelSelector } from './object-meta.js';
import { cronScheduleError, isKnownTimeZone } from './cron.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../defaults/workloads.js';
import { podTemplateOptions, validatePodTemplateSpec, type PodValidationOptions } from './pod.js';

const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES = 100000;
const COMPLETIONS_SOFT_LIMIT = 100000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS = 20;
const MAX_SUCCESS_POLICY_RULES = 20;
const FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

// ---- index intervals ("1,3-5") ---------------------------------------------------------------------------

class IndexError extends Error {}

function parseInterval(s: string, completions: number): [number, number] {
  const limits = s.split('-');
  if (limits.length > 2) throw new IndexError(`the fragment ${JSON.stringify(s)} violates the requirement that an index interval can have at most two parts separated by '-'`);
  const parse = (t: string): number => {
    if (!/^[+-]?[0-9]+$/.test(t)) throw new IndexError(`cannot convert string to integer for index: ${JSON.stringify(t)}`);
    const n = Number.parseInt(t, 10);
    if (n >= completions) throw new IndexError(`too large index: ${JSON.stringify(t)}`);
    return n;
  };
  const x = parse(limits[0]);
  if (limits.length === 1) return [x, x];
  const y = parse(limits[1]);
  if (x >= y) throw new IndexError(`non-increasing order, previous: ${x}, current: ${y}`);
  return [x, y];
}

/** Parses a compressed index list; returns the number of indexes or an error message. */
export function parseIndexes(s: string, completions: number): { total: number } | { error: string } {
  if (s === '') return { total: 0 };
  let last: number | undefined;
  let total = 0;
  try {
    for (const part of s.split(',')) {
      const [x, y] = parseInterval(part, completions);
      if (last !== undefined && last >= x) throw new IndexError(`non-increasing order, previous: ${last}, current: ${x}`);
      total += y - x + 1;
      last = y;
    }
  } catch (e) {
    if (e instanceof IndexError) return { error: e.message };
    throw e;
  }
  return { total };
}

// ---- JobSpec --------------------------------------------------------------------------------------------------

function validatePodFailurePolicy(field: string, spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const policy = objAt(spec, 'podFailurePolicy') ?? {};
  const rules = objsAt(policy, 'rules');
  const rulesPath = child(field, 'rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const tspec = objAt(objAt(spec, 'template'), 'spec');
  const names = new Set([...objsAt(tspec, 'containers'), ...objsAt(tspec, 'initContainers')].map((c) => strAt(c, 'name')));
  rules.forEach((rule, i) => {
    const rp = index(rulesPath, i);
    const action = strAt(rule, 'action');
    if (action === '') errs.push(required(child(rp, 'action'), `valid values: ${JSON.stringify(FAILURE_POLICY_ACTIONS).replace(/,/g, ' ')}`));
    else if (action === 'FailIndex') {
      if (!has(spec, 'backoffLimitPerIndex')) errs.push(invalid(child(rp, 'action'), action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!FAILURE_POLICY_ACTIONS.includes(action)) errs.push(notSupported(child(rp, 'action'), action, FAILURE_POLICY_ACTIONS));
    const onExit = objAt(rule, 'onExitCodes');
    const onConds = objsAt(rule, 'onPodConditions');
    if (onExit) {
      const ep = child(rp, 'onExitCodes');
      const op = strAt(onExit, 'operator');
      if (op === '') errs.push(required(child(ep, 'operator'), 'valid values: ["In" "NotIn"]'));
      else if (op !== 'In' && op !== 'NotIn') errs.push(notSupported(child(ep, 'operator'), op, ['In', 'NotIn']));
      const cn = optStrAt(onExit, 'containerName');
      if (cn !== undefined && !names.has(cn)) errs.push(invalid(child(ep, 'containerName'), cn, 'must be one of the container or initContainer names in the pod template'));
      const values = arrAt(onExit, 'values').filter((v): v is number => typeof v === 'number');
      const vp = child(ep, 'values');
      if (values.length === 0) errs.push(invalid(vp, values, 'at least one value is required'));
      else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(vp, values.length, MAX_ON_EXIT_CODES_VALUES));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, j) => {
        if (op === 'In' && v === 0) errs.push(invalid(index(vp, j), v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(duplicate(index(vp, j), v));
        seen.add(v);
        if (j > 0 && values[j - 1] > v) ordered = false;
      });
      if (!ordered) errs.push(invalid(vp, values, 'must be ordered'));
    }
    if (onConds.length > 0) {
      const cp = child(rp, 'onPodConditions');
      if (onConds.length > MAX_ON_POD_CONDITIONS) errs.push(tooMany(cp, onConds.length, MAX_ON_POD_CONDITIONS));
      onConds.forEach((c, j) => {
        const pp = index(cp, j);
        errs.push(...validateQualifiedName(child(pp, 'type'), strAt(c, 'type')));
        const st = strAt(c, 'status');
        if (st === '') errs.push(required(child(pp, 'status'), 'valid values: ["False" "True" "Unknown"]'));
        else if (!CONDITION_STATUSES.includes(st)) errs.push(notSupported(child(pp, 'status'), st, CONDITION_STATUSES));
      });
    }
    if (onExit && onConds.length > 0) errs.push({ type: 'FieldValueInvalid', field: rp, detail: 'specifying both OnExitCodes and OnPodConditions is not supported' });
    if (!onExit && onConds.length === 0) errs.push({ type: 'FieldValueInvalid', field: rp, detail: 'specifying one of OnExitCodes and OnPodConditions is required' });
  });
  return errs;
}

function validateSuccessPolicy(field: string, spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const rules = objsAt(objAt(spec, 'successPolicy'), 'rules');
  const rulesPath = child(field, 'rules');
  const completions = numAt(spec, 'completions');
  if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  rules.forEach((rule, i) => {
    const rp = index(rulesPath, i);
    const count = optNumAt(rule, 'succeededCount');
    const idx = optStrAt(rule, 'succeededIndexes');
    if (count === undefined && idx === undefined) errs.push(required(rp, 'at least one of succeededCount or succeededIndexes must be specified'));
    let total = 0;
    if (idx !== undefined) {
      const ip = child(rp, 'succeededIndexes');
      if (idx.length > 64 * 1024) errs.push(tooLong(ip, 64 * 1024));
      const r = parseIndexes(idx, completions);
      if ('error' in r) errs.push(invalid(ip, idx, `error parsing succeededIndexes: ${r.error}`));
      else total = r.total;
    }
    if (count !== undefined) {
      const cp = child(rp, 'succeededCount');
      errs.push(...nonNegative(cp, count));
      if (count > completions) errs.push(invalid(cp, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (idx !== undefined && count > total) errs.push(invalid(cp, count, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
    }
  });
  return errs;
}

/** validateJobSpec (shared by Job and CronJob's jobTemplate). */
function validateJobSpecCore(field: string, spec: JsonObject, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) errs.push(...nonNegative(child(field, f), optNumAt(spec, f)));
  const maxFailed = optNumAt(spec, 'maxFailedIndexes');
  const perIndex = optNumAt(spec, 'backoffLimitPerIndex');
  if (maxFailed !== undefined) {
    errs.push(...nonNegative(child(field, 'maxFailedIndexes'), maxFailed));
    if (perIndex === undefined) errs.push(required(child(field, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  const managedBy = optStrAt(spec, 'managedBy');
  if (managedBy !== undefined) {
    errs.push(...validateDomainPrefixedPath(child(field, 'managedBy'), managedBy));
    if (managedBy.length > 63) errs.push(tooLong(child(field, 'managedBy'), 63));
  }
  const mode = optStrAt(spec, 'completionMode');
  const completions = optNumAt(spec, 'completions');
  const parallelism = optNumAt(spec, 'parallelism');
  if (mode !== undefined) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(field, 'completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (completions === undefined) errs.push(required(child(field, 'completions'), 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(invalid(child(field, 'parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, 'must be less than or equal to completions'));
      if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES) errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
      if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && perIndex !== undefined) {
        if (maxFailed === undefined) errs.push(required(child(field, 'maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
          errs.push(invalid(child(field, 'parallelism'), parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`));
        }
        if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) {
          errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`));
        }
      }
    }
  }
  if (mode === undefined || mode === 'NonIndexed') {
    if (perIndex !== undefined) errs.push(invalid(child(field, 'backoffLimitPerIndex'), perIndex, 'requires indexed completion mode'));
    if (maxFailed !== undefined) errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailed, 'requires indexed completion mode'));
  }
  const hasFailurePolicy = has(spec, 'podFailurePolicy');
  if (hasFailurePolicy) errs.push(...validatePodFailurePolicy(child(field, 'podFailurePolicy'), spec));
  if (has(spec, 'successPolicy')) {
    if ((mode ?? 'NonIndexed') !== 'Indexed') errs.push(invalid(child(field, 'successPolicy'), spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(child(field, 'successPolicy'), spec));
  }
  const replacement = optStrAt(spec, 'podReplacementPolicy');
  if (replacement !== undefined) {
    if (hasFailurePolicy) {
      if (replacement !== 'Failed') errs.push(notSupported(child(field, 'podReplacementPolicy'), replacement, ['Failed']));
    } else if (replacement !== 'Failed' && replacement !== 'TerminatingOrFailed') {
      errs.push(notSupported(child(field, 'podReplacementPolicy'), replacement, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(child(field, 'template'), objAt(spec, 'template'), opts));
  const restart = strAt(objAt(objAt(spec, 'template'), 'spec'), 'restartPolicy');
  const rp = child(field, 'template', 'spec', 'restartPolicy');
  if (restart === 'Always' || restart === '') errs.push(required(rp, 'valid values: "OnFailure", "Never"'));
  else if (restart !== 'OnFailure' && restart !== 'Never') errs.push(notSupported(rp, restart, ['OnFailure', 'Never']));
  else if (hasFailurePolicy && restart !== 'Never') errs.push(invalid(rp, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

function validateJobSpec(spec: JsonObject, opts: PodValidationOptions): FieldError[] {
  const errs = validateJobSpecCore('spec', spec, opts);
  const selector = objAt(spec, 'selector');
  if (!selector) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector('spec.selector', selector, { allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector }));
  const compiled = compileLabelSelector(selector);
  const labels = strMapAt(objAt(objAt(spec, 'template'), 'metadata'), 'labels');
  if (compiled && !compiled.matches(labels)) errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  return errs;
}

function hasLabel(labels: Readonly<Record<string, string>>, k: string, expected: string): FieldError[] {
  const path = `spec.template.metadata.labels[${k}]`;
  if (!(k in labels)) return [required(path, `must be '${expected}'`)];
  if (labels[k] !== expected) return [invalid(path, labels, `must be '${expected}'`)];
  return [];
}

/** The selector/labels the server generates for jobs without manualSelector. */
function validateGeneratedSelector(job: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = obj(job.spec) ?? {};
  if (optBoolAt(spec, 'manualSelector') === true) return [];
  const selector = objAt(spec, 'selector');
  if (!selector) return [];
  const meta = obj(job.metadata) ?? {};
  const uid = strAt(meta, 'uid');
  const name = strAt(meta, 'name');
  const errs: FieldError[] = [];
  if (uid === '') errs.push(required('metadata.uid'));
  const labels = strMapAt(objAt(objAt(spec, 'template'), 'metadata'), 'labels');
  errs.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...hasLabel(labels, JOB_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, JOB_NAME_LABEL, name));
    expected[JOB_CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  const compiled = compileLabelSelector(selector);
  if (compiled && !compiled.matches(expected)) errs.push(invalid('spec.selector', selector, '`selector` not auto-generated'));
  return errs;
}

interface JobOptions {
  readonly pod: PodValidationOptions;
  readonly requirePrefixedLabels: boolean;
}

function validateJobWith(job: KubeObject, opts: JobOptions): FieldError[] {
  const spec = obj(job.spec) ?? {};
  const errs = [...validateGeneratedSelector(job, opts.requirePrefixedLabels), ...validateJobSpec(spec, opts.pod)];
  const completions = optNumAt(spec, 'completions');
  if (strAt(spec, 'completionMode') === 'Indexed' && completions !== undefined && completions > 0) {
    const name = strAt(obj(job.metadata), 'name');
    const hostname = `${name}-${completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) errs.push(invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`));
  }
  return errs;
}

export function validateJob(job: KubeObject): FieldError[] {
  return validateJobWith(job, { pod: {}, requirePrefixedLabels: true });
}

function withoutSchedulingDirectives(template: JsonObject | undefined, from: JsonObject | undefined): JsonObject {
  const t: JsonObject = deepCopy(template ?? {});
  const src = from ?? {};
  const tspec = objAt(t, 'spec') ?? {};
  const sspec = objAt(src, 'spec') ?? {};
  const affinity = objAt(tspec, 'affinity');
  const srcAffinity = objAt(sspec, 'affinity');
  if (!srcAffinity && affinity) {
    delete affinity.nodeAffinity;
    if (Object.keys(affinity).length === 0) delete tspec.affinity;
  } else if (srcAffinity && !affinity) {
    tspec.affinity = srcAffinity.nodeAffinity === undefined ? {} : { nodeAffinity: srcAffinity.nodeAffinity };
  } else if (srcAffinity && affinity) {
    if (srcAffinity.nodeAffinity === undefined) delete affinity.nodeAffinity;
    else affinity.nodeAffinity = srcAffinity.nodeAffinity;
  }
  for (const k of ['nodeSelector', 'tolerations', 'schedulingGates']) {
    if (sspec[k] === undefined) delete tspec[k];
    else tspec[k] = sspec[k];
  }
  const meta = objAt(t, 'metadata') ?? {};
  const srcMeta = objAt(src, 'metadata') ?? {};
  for (const k of ['labels', 'annotations']) {
    if (srcMeta[k] === undefined) delete meta[k];
    else meta[k] = srcMeta[k];
  }
  if (Object.keys(meta).length > 0 || t.metadata !== undefined) t.metadata = meta;
  t.spec = tspec;
  return t;
}

export function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj(job.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const oldLabels = strMapAt(objAt(objAt(oldSpec, 'template'), 'metadata'), 'labels');
  const opts: JobOptions = {
    pod: podTemplateOptions(objAt(oldSpec, 'template')),
    requirePrefixedLabels: JOB_NAME_LABEL in oldLabels && JOB_CONTROLLER_UID_LABEL in oldLabels,
  };
  const errs = validateJobWith(job, opts);
  // Completions are immutable, except for Indexed jobs changing them in tandem with parallelism.
  if (strAt(spec, 'completionMode') !== 'Indexed') {
    errs.push(...validateImmutableField('spec.completions', spec.completions, oldSpec.completions));
  } else if (!jsonEqual(spec.completions, oldSpec.completions) && optNumAt(spec, 'completions') !== undefined && optNumAt(spec, 'completions') !== optNumAt(spec, 'parallelism')) {
    errs.push(invalid('spec.completions', spec.completions ?? null, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...validateImmutableField('spec.selector', spec.selector, oldSpec.selector));
  const suspended = optBoolAt(oldSpec, 'suspend') === true;
  const notStarted = !has(obj(old.status), 'startTime');
  const oldTemplate = suspended && notStarted ? withoutSchedulingDirectives(objAt(oldSpec, 'template'), objAt(spec, 'template')) : objAt(oldSpec, 'template');
  if (!jsonEqual(objAt(spec, 'template') ?? {}, oldTemplate ?? {})) errs.push(invalid('spec.template', spec.template ?? null, FIELD_IMMUTABLE));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) errs.push(...validateImmutableField(`spec.${f}`, spec[f], oldSpec[f]));
  return errs;
}

function conditionTrue(status: JsonObject | undefined, type: string): boolean {
  return objsAt(status, 'conditions').some((c) => strAt(c, 'type') === type && strAt(c, 'status') === 'True');
}

/** Job /status updates: counters and the basic consistency rules of the 1.32 status validation. */
export function validateJobStatusUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const st = obj(job.status) ?? {};
  const oldSt = obj(old.status) ?? {};
  const spec = obj(job.spec) ?? {};
  const errs: FieldError[] = [];
  for (const f of ['active', 'succeeded', 'failed']) errs.push(...nonNegative(`status.${f}`, numAt(st, f)));
  for (const f of ['ready', 'terminating']) errs.push(...nonNegative(`status.${f}`, optNumAt(st, f)));
  const uncounted = objAt(st, 'uncountedTerminatedPods');
  if (uncounted) {
    const seen = new Set<string>();
    for (const kind of ['succeeded', 'failed']) {
      strListAt(uncounted, kind).forEach((uid, i) => {
        const p = index(`status.uncountedTerminatedPods.${kind}`, i);
        if (uid === '') errs.push(invalid(p, uid, 'must not be empty'));
        else if (seen.has(uid)) errs.push(duplicate(p, uid));
        else seen.add(uid);
      });
    }
  }
  const complete = conditionTrue(st, 'Complete');
  const failed = conditionTrue(st, 'Failed');
  if (complete && failed) errs.push({ type: 'FieldValueInvalid', field: 'status.conditions', detail: 'cannot set Complete=True and Failed=true conditions' });
  const completions = optNumAt(spec, 'completions');
  const completed = strAt(st, 'completedIndexes');
  if (completions !== undefined) {
    const r = parseIndexes(completed, completions);
    if ('error' in r) errs.push(invalid('status.completedIndexes', completed, `error parsing completedIndexes: ${r.error}`));
  }
  if (completed !== '' && strAt(spec, 'completionMode') !== 'Indexed') {
    errs.push(invalid('status.completedIndexes', completed, 'cannot set non-empty completedIndexes when non-indexed completion mode'));
  }
  const ready = optNumAt(st, 'ready');
  if (ready !== undefined && ready > numAt(st, 'active')) errs.push(invalid('status.ready', ready, 'cannot set more ready pods than active'));
  for (const t of ['Failed', 'Complete', 'FailureTarget']) {
    if (conditionTrue(oldSt, t) && !conditionTrue(st, t)) errs.push({ type: 'FieldValueInvalid', field: 'status.conditions', detail: `cannot disable the terminal ${t}=True condition` });
  }
  if (numAt(st, 'failed') < numAt(oldSt, 'failed')) errs.push(invalid('status.failed', numAt(st, 'failed'), 'cannot decrease the failed counter'));
  if (numAt(st, 'succeeded') < numAt(oldSt, 'succeeded')) errs.push(invalid('status.succeeded', numAt(st, 'succeeded'), 'cannot decrease the succeeded counter'));
  return errs;
}

// ---- CronJob --------------------------------------------------------------------------------------------------

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
const TZ_COMPONENT_RE = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone: an explicit IANA zone known to the time-zone database. */
export function validateTimeZone(field: string, tz: string | undefined): FieldError[] {
  if (tz === undefined) return [];
  if (tz.length === 0) return [invalid(field, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_COMPONENT_RE.test(part)) return [invalid(field, tz, `unknown time zone ${tz}`)];
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(invalid(field, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!isKnownTimeZone(tz)) errs.push(invalid(field, tz, `unknown time zone ${tz}`));
  return errs;
}

function validateCronJobSpec(spec: JsonObject, oldSpec: JsonObject | undefined, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = strAt(spec, 'schedule');
  const tz = optStrAt(spec, 'timeZone');
  if (schedule === '') {
    errs.push(required('spec.schedule'));
  } else {
    const allowTZ = oldSpec !== undefined && strAt(oldSpec, 'schedule').includes('TZ');
    const parseErr = cronScheduleError(schedule);
    if (parseErr) errs.push(invalid('spec.schedule', schedule, parseErr));
    if (allowTZ && schedule.includes('TZ') && tz !== undefined) errs.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    else if (!allowTZ && schedule.includes('TZ')) errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  errs.push(...nonNegative('spec.startingDeadlineSeconds', optNumAt(spec, 'startingDeadlineSeconds')));
  if (oldSpec === undefined || optStrAt(oldSpec, 'timeZone') !== tz) errs.push(...validateTimeZone('spec.timeZone', tz));
  const cp = strAt(spec, 'concurrencyPolicy');
  if (cp === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, CONCURRENCY_POLICIES));
  const jobSpec = objAt(objAt(spec, 'jobTemplate'), 'spec') ?? {};
  errs.push(...validateJobSpecCore('spec.jobTemplate.spec', jobSpec, opts));
  if (has(jobSpec, 'selector')) errs.push(invalid('spec.jobTemplate.spec.selector', jobSpec.selector ?? null, '`selector` will be auto-generated'));
  if (optBoolAt(jobSpec, 'manualSelector') === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', optNumAt(spec, 'successfulJobsHistoryLimit')));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', optNumAt(spec, 'failedJobsHistoryLimit')));
  return errs;
}

/** CronJob names leave room for the 11-character suffix of the Jobs they create. */
export const CRONJOB_MAX_NAME_LENGTH = 52;

export function validateCronJob(cj: KubeObject): FieldError[] {
  const errs = validateCronJobSpec(obj(cj.spec) ?? {}, undefined, {});
  const name = strAt(obj(cj.metadata), 'name');
  if (name.length > CRONJOB_MAX_NAME_LENGTH) errs.push(invalid('metadata.name', name, `must be no more than ${CRONJOB_MAX_NAME_LENGTH} characters`));
  return errs;
}

export function validateCronJobUpdate(cj: KubeObject, old: KubeObject): FieldError[] {
  const oldSpec = obj(old.spec) ?? {};
  return validateCronJobSpec(obj(cj.spec) ?? {}, oldSpec, podTemplateOptions(objAt(objAt(objAt(oldSpec, 'jobTemplate'), 'spec'), 'template')));
}
