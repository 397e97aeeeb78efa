/**
 * The Node a kubelet registers and the status it posts (pkg/kubelet/kubelet_node_status.go
 * initialNode, pkg/kubelet/nodestatus/setters.go): well-known labels, the taints it registers
 * with, capacity and allocatable from the machine (allocatable = capacity − the hard eviction
 * thresholds, as without --kube-reserved/--system-reserved), InternalIP and Hostname addresses,
 * nodeInfo, the kubelet's conditions and the images present. Pure.
 */
import type { JsonObject, KubeObject } from '../../api/object.js';
import type { ImageInfo } from '../../runtime/container-runtime.js';
import { nodeConditions, type NodeConditionState } from '../status/node-conditions.js';
import type { HostFacts } from './host-info.js';
import type { EvictionThresholds } from './pressure.js';

export const KUBELET_PORT = 10250;
/** Upstream --max-pods default. */
export const DEFAULT_MAX_PODS = 110;
/** Upstream nodeStatusMaxImages. */
export const MAX_IMAGES_IN_STATUS = 50;

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface NodeSpecInput {
  readonly name: string;
  readonly facts: HostFacts;
  readonly nodeIp: string;
  /** --node-label (applied over the well-known labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** --node-taint (--register-with-taints). */
  readonly taints: readonly Taint[];
  /** A server's embedded agent: node-role labels for the control plane, as k3s sets them. */
  readonly controlPlane: boolean;
  readonly kubeletVersion: string;
  /** e.g. `docker://27.3.1`. */
  readonly containerRuntimeVersion: string;
  readonly maxPods?: number;
}

/** A byte count as the kubelet prints it (resource.NewQuantity(n, BinarySI)): Ki when whole. */
export function binaryQuantity(bytes: number): string {
  const n = Math.max(0, Math.floor(bytes));
  if (n === 0) return '0';
  for (const [suffix, unit] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    // Canonical form: the largest binary suffix that divides exactly.
    if (n % unit === 0) return `${n / unit}${suffix}`;
  }
  return String(n);
}

export function wellKnownLabels(input: Pick<NodeSpecInput, 'name' | 'facts' | 'controlPlane' | 'labels'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': input.facts.arch,
    'beta.kubernetes.io/os': input.facts.os,
    'kubernetes.io/arch': input.facts.arch,
    'kubernetes.io/hostname': input.name,
    'kubernetes.io/os': input.facts.os,
    'node.kubernetes.io/instance-type': 'lite',
    ...(input.controlPlane ? { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' } : {}),
    ...input.labels,
  };
}

export function capacityOf(facts: HostFacts, maxPods = DEFAULT_MAX_PODS): Record<string, string> {
  return {
    cpu: String(facts.cpus),
    'ephemeral-storage': binaryQuantity(facts.ephemeralStorageBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: binaryQuantity(facts.memoryBytes),
    pods: String(maxPods),
  };
}

/** Capacity minus the hard eviction thresholds (no kube/system reservations configured). */
export function allocatableOf(facts: HostFacts, thresholds: EvictionThresholds, maxPods = DEFAULT_MAX_PODS): Record<string, string> {
  const storage = Math.floor(facts.ephemeralStorageBytes * (1 - thresholds.nodefsAvailableFraction));
  return {
    cpu: String(facts.cpus),
    'ephemeral-storage': String(storage),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: binaryQuantity(Math.max(0, facts.memoryBytes - thresholds.memoryAvailableBytes)),
    pods: String(maxPods),
  };
}

export function nodeInfo(input: Pick<NodeSpecInput, 'facts' | 'kubeletVersion' | 'containerRuntimeVersion'>): JsonObject {
  const f = input.facts;
  return {
    machineID: f.machineID,
    systemUUID: f.systemUUID,
    bootID: f.bootID,
    kernelVersion: f.kernelVersion,
    osImage: f.osImage,
    containerRuntimeVersion: input.containerRuntimeVersion,
    kubeletVersion: input.kubeletVersion,
    kubeProxyVersion: '',
    operatingSystem: f.os,
    architecture: f.arch,
  };
}

export function nodeAddresses(name: string, nodeIp: string): JsonObject[] {
  return [
    { type: 'InternalIP', address: nodeIp },
    { type: 'Hostname', address: name },
  ];
}

/** node.status.images: newest-first by size as upstream (largest first), at most 50. */
export function imagesOf(images: readonly ImageInfo[]): JsonObject[] {
  return [...images]
    .filter((i) => i.repoTags.length > 0 || i.repoDigests.length > 0)
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, MAX_IMAGES_IN_STATUS)
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.sizeBytes }));
}

export interface NodeStatusInput {
  readonly name: string;
  readonly facts: HostFacts;
  readonly nodeIp: string;
  readonly kubeletVersion: string;
  readonly containerRuntimeVersion: string;
  readonly thresholds: EvictionThresholds;
  readonly maxPods?: number;
  readonly conditions: NodeConditionState;
  readonly images?: readonly ImageInfo[];
}

/** The whole status the kubelet owns, for `now`, keeping transition times from `current`. */
export function nodeStatus(input: NodeStatusInput, now: number, current: KubeObject | undefined): JsonObject {
  return {
    capacity: capacityOf(input.facts, input.maxPods),
    allocatable: allocatableOf(input.facts, input.thresholds, input.maxPods),
    conditions: nodeConditions(input.conditions, now, current),
    addresses: nodeAddresses(input.name, input.nodeIp),
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: nodeInfo(input),
    // An empty list is left out, as the API drops empty lists (omitempty).
    ...(input.images && imagesOf(input.images).length ? { images: imagesOf(input.images) } : {}),
  };
}

/** The Node to create at registration. */
export function initialNode(input: NodeSpecInput, status: JsonObject): KubeObject {
  const spec: JsonObject = {};
  if (input.taints.length) spec.taints = input.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: input.name,
      labels: wellKnownLabels(input),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        'lite.dev/hostname': input.facts.hostname,
        'lite.dev/internal-ip': input.nodeIp,
      },
    },
    spec,
    status,
  };
}

/** The status without heartbeat times, in a key-order-independent form (for "post on change"). */
export function statusFingerprint(status: JsonObject): string {
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.map((c) => (c && typeof c === 'object' && !Array.isArray(c) ? { type: c.type, status: c.status, reason: c.reason, message: c.message } : c))
    : [];
  return stableJson({ ...status, conditions });
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
