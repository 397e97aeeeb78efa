/**
 * Defaulting of the workload kinds (apps/v1, batch/v1, ReplicationController, PodTemplate),
 * following pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go and core's
 * SetDefaults_ReplicationController at Kubernetes 1.32 feature-gate defaults.
 *
 * apps/v1 kinds do NOT default spec.selector from the template labels (only the long-gone
 * extensions/v1beta1 and apps/v1beta1 did). Jobs get their selector from the server at create
 * time instead: see generateJobSelector.
 */
import { ensureObj, isNil, obj, setDefault, type JsonObject } from '../json-access.js';
import { defaultPersistentVolumeClaimSpec, defaultPodTemplateSpec, ensureTemplateMeta } from './pod.js';

function spec(o: JsonObject): JsonObject {
  return ensureObj(o, 'spec');
}

export function defaultDeployment(d: JsonObject): void {
  const s = spec(d);
  if (isNil(s.replicas)) s.replicas = 1;
  const strategy = ensureObj(s, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    if (isNil(ru.maxUnavailable)) ru.maxUnavailable = '25%';
    if (isNil(ru.maxSurge)) ru.maxSurge = '25%';
  }
  if (isNil(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  if (isNil(s.progressDeadlineSeconds)) s.progressDeadlineSeconds = 600;
  defaultPodTemplateSpec(ensureObj(s, 'template'));
}

export function defaultReplicaSet(rs: JsonObject): void {
  const s = spec(rs);
  if (isNil(s.replicas)) s.replicas = 1;
  defaultPodTemplateSpec(ensureObj(s, 'template'));
}

export function defaultDaemonSet(ds: JsonObject): void {
  const s = spec(ds);
  const strategy = ensureObj(s, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    if (isNil(ru.maxUnavailable)) ru.maxUnavailable = 1;
    if (isNil(ru.maxSurge)) ru.maxSurge = 0;
  }
  if (isNil(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  defaultPodTemplateSpec(ensureObj(s, 'template'));
}

export function defaultStatefulSet(sts: JsonObject): void {
  const s = spec(sts);
  setDefault(s, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureObj(s, 'updateStrategy');
  if (isNil(strategy.type) || strategy.type === '') {
    strategy.type = 'RollingUpdate';
    if (isNil(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  const ru = obj(strategy.rollingUpdate);
  if (strategy.type === 'RollingUpdate' && ru && isNil(ru.partition)) ru.partition = 0;
  const retention = ensureObj(s, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  if (isNil(s.replicas)) s.replicas = 1;
  if (isNil(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  defaultPodTemplateSpec(ensureObj(s, 'template'));
  const claims = Array.isArray(s.volumeClaimTemplates) ? s.volumeClaimTemplates : [];
  for (const raw of claims) {
    const claim = obj(raw);
    if (!claim) continue;
    // Served claim templates carry their own type meta, as a real API server returns them.
    setDefault(claim, 'apiVersion', 'v1');
    setDefault(claim, 'kind', 'PersistentVolumeClaim');
    ensureTemplateMeta(claim);
    defaultPersistentVolumeClaimSpec(ensureObj(claim, 'spec'));
    const status = ensureObj(claim, 'status');
    setDefault(status, 'phase', 'Pending');
  }
}

export function defaultControllerRevision(_cr: JsonObject): void {
  // No server-side defaults upstream.
}

/** SetDefaults_Job (JobPodReplacementPolicy on, as in 1.32). */
export function defaultJob(job: JsonObject): void {
  const s = spec(job);
  if (isNil(s.completions) && isNil(s.parallelism)) {
    s.completions = 1;
    s.parallelism = 1;
  }
  if (isNil(s.parallelism)) s.parallelism = 1;
  if (isNil(s.backoffLimit)) s.backoffLimit = isNil(s.backoffLimitPerIndex) ? 6 : 2147483647;
  const template = ensureObj(s, 'template');
  const templateLabels = obj(obj(template.metadata)?.labels);
  const meta = ensureObj(job, 'metadata');
  const labels = obj(meta.labels);
  if (templateLabels && (!labels || Object.keys(labels).length === 0)) meta.labels = { ...templateLabels };
  setDefault(s, 'completionMode', 'NonIndexed');
  if (isNil(s.suspend)) s.suspend = false;
  const failurePolicy = obj(s.podFailurePolicy);
  if (failurePolicy) {
    for (const rule of Array.isArray(failurePolicy.rules) ? failurePolicy.rules : []) {
      for (const pattern of Array.isArray(obj(rule)?.onPodConditions) ? (obj(rule)?.onPodConditions as unknown[]) : []) {
        const p = obj(pattern);
        if (p) setDefault(p, 'status', 'True');
      }
    }
  }
  if (isNil(s.podReplacementPolicy)) s.podReplacementPolicy = failurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (isNil(s.manualSelector)) s.manualSelector = false;
  defaultPodTemplateSpec(template);
}

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

/**
 * The Job strategy's PrepareForCreate step: unless spec.manualSelector is true, label the pod
 * template with the job's name and uid (legacy and `batch.kubernetes.io/` keys, keeping any the
 * user set — validation then rejects conflicts) and select on the uid label.
 *
 * The registry must call this on create, after assigning metadata.uid (and name) and before
 * validation. Upstream re-applies defaulting when it reads the stored object, which copies the
 * generated template labels onto an unlabelled Job; that copy is done here as well.
 */
export function generateJobSelector(job: JsonObject, uid: string): void {
  const s = spec(job);
  if (s.manualSelector === true) return;
  const meta = ensureObj(job, 'metadata');
  const name = typeof meta.name === 'string' ? meta.name : '';
  const template = ensureObj(s, 'template');
  const tmeta = ensureTemplateMeta(template);
  const labels = ensureObj(tmeta, 'labels');
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  const selector = ensureObj(s, 'selector');
  const matchLabels = ensureObj(selector, 'matchLabels');
  if (!(JOB_CONTROLLER_UID_LABEL in matchLabels)) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
  const jobLabels = obj(meta.labels);
  if (!jobLabels || Object.keys(jobLabels).length === 0) meta.labels = { ...labels };
}

/** SetDefaults_CronJob; the job template gets pod-spec defaults only (not SetDefaults_Job). */
export function defaultCronJob(cj: JsonObject): void {
  const s = spec(cj);
  setDefault(s, 'concurrencyPolicy', 'Allow');
  if (isNil(s.suspend)) s.suspend = false;
  if (isNil(s.successfulJobsHistoryLimit)) s.successfulJobsHistoryLimit = 3;
  if (isNil(s.failedJobsHistoryLimit)) s.failedJobsHistoryLimit = 1;
  const jobTemplate = ensureObj(s, 'jobTemplate');
  ensureTemplateMeta(jobTemplate);
  const jobSpec = ensureObj(jobTemplate, 'spec');
  const failurePolicy = obj(jobSpec.podFailurePolicy);
  for (const rule of Array.isArray(failurePolicy?.rules) ? failurePolicy.rules : []) {
    for (const pattern of Array.isArray(obj(rule)?.onPodConditions) ? (obj(rule)?.onPodConditions as unknown[]) : []) {
      const p = obj(pattern);
      if (p) setDefault(p, 'status', 'True');
    }
  }
  defaultPodTemplateSpec(ensureObj(jobSpec, 'template'));
}

/** SetDefaults_ReplicationController: selector and labels from the template, replicas 1. */
export function defaultReplicationController(rc: JsonObject): void {
  const s = spec(rc);
  const template = obj(s.template);
  const labels = obj(obj(template?.metadata)?.labels);
  if (labels) {
    const selector = obj(s.selector);
    if (!selector || Object.keys(selector).length === 0) s.selector = { ...labels };
    const meta = ensureObj(rc, 'metadata');
    const own = obj(meta.labels);
    if (!own || Object.keys(own).length === 0) meta.labels = { ...labels };
  }
  if (isNil(s.replicas)) s.replicas = 1;
  if (template) defaultPodTemplateSpec(template);
}

export function defaultPodTemplate(pt: JsonObject): void {
  defaultPodTemplateSpec(ensureObj(pt, 'template'));
}
