/** Node and pod fixtures for scheduler tests (plain objects; no API needed). */
import type { JsonObject, KubeObject } from '../../api/object.js';

export interface NodeFixture {
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: string;
  readonly labels?: Record<string, string>;
  readonly taints?: { key: string; value?: string; effect: string }[];
  readonly unschedulable?: boolean;
  readonly extra?: Record<string, string>;
  readonly images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, f: NodeFixture = {}): KubeObject {
  const spec: JsonObject = {};
  if (f.taints) spec.taints = f.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  if (f.unschedulable) spec.unschedulable = true;
  const allocatable = { cpu: f.cpu ?? '4', memory: f.memory ?? '8Gi', pods: f.pods ?? '110', ...(f.extra ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...(f.labels ?? {}) } },
    spec,
    status: { capacity: allocatable, allocatable, ...(f.images ? { images: f.images } : {}) },
  };
}

export interface PodFixture {
  readonly namespace?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly labels?: Record<string, string>;
  readonly nodeName?: string;
  readonly priority?: number;
  readonly priorityClassName?: string;
  readonly preemptionPolicy?: string;
  readonly schedulerName?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: JsonObject;
  readonly tolerations?: JsonObject[];
  readonly topologySpreadConstraints?: JsonObject[];
  readonly hostPort?: number;
  readonly schedulingGates?: string[];
  readonly extra?: Record<string, string>;
  readonly image?: string;
  readonly uid?: string;
  readonly phase?: string;
  readonly deleting?: boolean;
  readonly startTime?: string;
  /** The controlling owner (ownerReferences[0] with controller: true). */
  readonly owner?: { readonly kind: string; readonly name: string; readonly apiVersion?: string };
}

export function makePod(name: string, f: PodFixture = {}): KubeObject {
  const requests: Record<string, string> = {};
  if (f.cpu) requests.cpu = f.cpu;
  if (f.memory) requests.memory = f.memory;
  Object.assign(requests, f.extra ?? {});
  const container: JsonObject = { name: 'c', image: f.image ?? 'registry.k8s.io/pause:3.10', resources: Object.keys(requests).length ? { requests } : {} };
  if (f.hostPort) container.ports = [{ containerPort: 80, hostPort: f.hostPort, protocol: 'TCP' }];
  const spec: JsonObject = { containers: [container] };
  if (f.nodeName) spec.nodeName = f.nodeName;
  if (f.priority !== undefined) spec.priority = f.priority;
  if (f.priorityClassName) spec.priorityClassName = f.priorityClassName;
  if (f.preemptionPolicy) spec.preemptionPolicy = f.preemptionPolicy;
  if (f.schedulerName) spec.schedulerName = f.schedulerName;
  if (f.nodeSelector) spec.nodeSelector = f.nodeSelector;
  if (f.affinity) spec.affinity = f.affinity;
  if (f.tolerations) spec.tolerations = f.tolerations;
  if (f.topologySpreadConstraints) spec.topologySpreadConstraints = f.topologySpreadConstraints;
  if (f.schedulingGates) spec.schedulingGates = f.schedulingGates.map((n) => ({ name: n }));
  const status: JsonObject = { phase: f.phase ?? 'Pending' };
  if (f.startTime) status.startTime = f.startTime;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: f.namespace ?? 'default',
      uid: f.uid ?? `uid-${name}`,
      labels: f.labels ?? {},
      creationTimestamp: '2025-01-01T00:00:00Z',
      ...(f.deleting ? { deletionTimestamp: '2025-01-01T00:00:10Z' } : {}),
      ...(f.owner
        ? { ownerReferences: [{ apiVersion: f.owner.apiVersion ?? (f.owner.kind === 'ReplicationController' ? 'v1' : 'apps/v1'), kind: f.owner.kind, name: f.owner.name, uid: `uid-${f.owner.name}`, controller: true }] }
        : {}),
    },
    spec,
    status,
  };
}

/** A required pod (anti-)affinity term selecting `labels` over `topologyKey`. */
export function podAffinityTerm(labels: Record<string, string>, topologyKey: string): JsonObject {
  return { labelSelector: { matchLabels: labels }, topologyKey };
}

/** A workload (ReplicaSet, StatefulSet: label selector; ReplicationController, Service: map selector). */
export function makeWorkload(kind: 'ReplicaSet' | 'StatefulSet' | 'ReplicationController' | 'Service', name: string, selector: JsonObject, namespace = 'default'): KubeObject {
  const apiVersion = kind === 'ReplicaSet' || kind === 'StatefulSet' ? 'apps/v1' : 'v1';
  return { apiVersion, kind, metadata: { name, namespace, uid: `uid-${name}` }, spec: { selector } };
}
