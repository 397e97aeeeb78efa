/**
 * Typed views of the workload objects the Deployment, ReplicaSet and ReplicationController
 * controllers read and write. They cover only the fields these controllers touch; everything
 * else stays `unknown` (objects are plain JSON, validated by the API server before we see them).
 * Field names and omitempty behaviour follow k8s.io/api apps/v1 and core/v1 at 1.32.
 */
import type { JsonObject, KubeObject, ObjectMeta } from '../../api/object.js';
import type { LabelSelectorObject } from '../../api/selectors/index.js';

/** `pod-template-hash`: the label a Deployment adds to its ReplicaSets, their selectors and pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JsonObject;
  [key: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string | null;
  [key: string]: unknown;
}

export interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  [key: string]: unknown;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [key: string]: unknown };
  status?: { phase?: string; conditions?: PodCondition[]; containerStatuses?: ContainerStatus[]; [key: string]: unknown };
}

/** ReplicaSetCondition and ReplicationControllerCondition have the same shape. */
export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** ReplicaSetStatus / ReplicationControllerStatus (`replicas` is not omitempty, the rest are). */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  /** A metav1.LabelSelector for ReplicaSets; a plain label map for ReplicationControllers. */
  selector?: LabelSelectorObject | Record<string, string> | null;
  template?: PodTemplateSpec;
  [key: string]: unknown;
}

/** A ReplicaSet (apps/v1) or a ReplicationController (core/v1). */
export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** DeploymentStatus: every member is omitempty. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface DeploymentStrategy {
  type?: string;
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } | null;
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorObject | null;
  template?: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  [key: string]: unknown;
}

export interface Deployment extends KubeObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

/** spec.replicas with the API default (1) for an absent value. */
export function specReplicas(o: { spec?: { replicas?: number } }): number {
  return o.spec?.replicas ?? 1;
}

/** RFC 3339 time → epoch ms; 0 for absent or unparsable (Go's zero time). */
export function timeMs(t: string | null | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : 0;
}
