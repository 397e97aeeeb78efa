/**
 * Typed views of the batch/v1 and core/v1 objects the Job, CronJob and TTL-after-finished
 * controllers read. Objects reaching the controllers have passed the API's validation and
 * defaulting (parallelism, backoffLimit, completionMode, podReplacementPolicy … are set), so
 * these views describe the served shape; fields the controllers never read stay out.
 */
import type { KubeObject, ObjectMeta, ObjectReference } from '../../api/object.js';
import type { LabelSelectorObject } from '../../api/selectors/index.js';
import type { ResourceRef } from '../../client/client.js';

export const jobsResource: ResourceRef = { group: 'batch', version: 'v1', resource: 'jobs' };
export const cronJobsResource: ResourceRef = { group: 'batch', version: 'v1', resource: 'cronjobs' };
export const podsResource: ResourceRef = { group: '', version: 'v1', resource: 'pods' };

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface JobCondition {
  type: string;
  status: ConditionStatus;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string | null; operator: 'In' | 'NotIn'; values: number[] } | null;
  onPodConditions?: { type: string; status?: ConditionStatus }[] | null;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface Container {
  name: string;
  env?: EnvVar[];
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  nodeName?: string;
  hostname?: string;
  [key: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: Pick<ObjectMeta, 'labels' | 'annotations' | 'finalizers' | 'name' | 'namespace'>;
  spec: PodSpec;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number | null;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] } | null;
  successPolicy?: { rules: { succeededIndexes?: string | null; succeededCount?: number | null }[] } | null;
  backoffLimit?: number;
  backoffLimitPerIndex?: number | null;
  maxFailedIndexes?: number | null;
  selector?: LabelSelectorObject | null;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number | null;
  completionMode?: string;
  suspend?: boolean;
  podReplacementPolicy?: string;
  managedBy?: string | null;
}

export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  ready?: number;
}

export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

export interface PodCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: string | null;
}

export interface ContainerState {
  terminated?: { exitCode: number; finishedAt?: string | null; reason?: string } | null;
  running?: unknown;
  waiting?: unknown;
}

export interface ContainerStatus {
  name: string;
  restartCount?: number;
  ready?: boolean;
  state?: ContainerState;
}

export interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: PodStatus;
}

export interface JobTemplateSpec {
  metadata?: Pick<ObjectMeta, 'labels' | 'annotations'>;
  spec: JobSpec;
}

export interface CronJobSpec {
  schedule: string;
  timeZone?: string | null;
  startingDeadlineSeconds?: number | null;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number | null;
  failedJobsHistoryLimit?: number | null;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KubeObject {
  spec: CronJobSpec;
  status?: CronJobStatus;
}
