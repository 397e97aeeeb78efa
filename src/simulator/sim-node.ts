/**
 * The Node objects and kubelet-posted node status of simulated nodes, and their address plan:
 *  - node n (1-based) has InternalIP 10.200.<n / 256>.<n % 256>;
 *  - its pods get addresses from the spec.podCIDR node IPAM assigned, or, while it has none, from
 *    10.<64 + n / 256>.<n % 256>.0/24 (.2 – .254; .1 is the bridge). The fallback ranges avoid
 *    k3s' pod (10.42/16) and service (10.43/16) defaults and each other, for up to MAX_SIM_NODES.
 */
import { createHash } from 'node:crypto';
import { type JsonObject, type KubeObject } from '../api/object.js';
import { nodeConditions } from '../kubelet/status/node-conditions.js';

export const MAX_SIM_NODES = 30_000;

export interface SimNodeTemplate {
  readonly capacity: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly taints: readonly JsonObject[];
  readonly os: string;
  readonly arch: string;
  readonly kubeletVersion: string;
  readonly containerRuntimeVersion: string;
  readonly kernelVersion: string;
  readonly osImage: string;
  /** Register with node.kubernetes.io/not-ready:NoSchedule, as the TaintNodesByCondition admission plugin adds it. */
  readonly registerWithNotReadyTaint: boolean;
}

export const DEFAULT_CAPACITY: Readonly<Record<string, string>> = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };

/** The simulated node's addresses. */
export interface NodeAddresses {
  readonly internalIp: string;
  /** First three octets of the pod /24, e.g. `10.64.1`. */
  readonly podNet: string;
  readonly podCidr: string;
}

export function nodeAddresses(index: number): NodeAddresses {
  const n = index + 1;
  const hi = n >> 8;
  const lo = n & 255;
  const podNet = `10.${64 + hi}.${lo}`;
  return { internalIp: `10.200.${hi}.${lo}`, podNet, podCidr: `${podNet}.0/24` };
}

export type KubeletReady = 'True' | 'False';

/**
 * The conditions a healthy kubelet posts (MemoryPressure, DiskPressure, PIDPressure, Ready), with
 * this heartbeat (shared with the real kubelet: src/kubelet/status/node-conditions.ts).
 */
export function kubeletConditions(ready: KubeletReady, now: number, current: KubeObject | undefined): JsonObject[] {
  return nodeConditions({ ready: ready === 'True', memoryPressure: false, diskPressure: false, pidPressure: false }, now, current);
}

function hex(seed: string, len: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, len);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The Node a simulated kubelet registers (spec, labels and a full first status). */
export function buildNode(name: string, index: number, t: SimNodeTemplate, now: number): KubeObject {
  const addr = nodeAddresses(index);
  const taints: JsonObject[] = [...t.taints];
  if (t.registerWithNotReadyTaint && !taints.some((x) => x.key === 'node.kubernetes.io/not-ready' && x.effect === 'NoSchedule')) {
    taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  }
  // The pod range is the node IPAM controller's to assign (spec.podCIDR), as for a real kubelet.
  const spec: JsonObject = {};
  if (taints.length > 0) spec.taints = taints;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': t.arch,
        'beta.kubernetes.io/os': t.os,
        'kubernetes.io/arch': t.arch,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': t.os,
        type: 'kwok',
        'lite.dev/simulated': 'true',
        ...t.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...t.annotations },
    },
    spec,
    status: {
      capacity: { ...t.capacity },
      allocatable: { ...t.capacity },
      conditions: kubeletConditions('True', now, undefined),
      addresses: [
        { type: 'InternalIP', address: addr.internalIp },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(`machine/${name}`, 32),
        systemUUID: uuid(`system/${name}`),
        bootID: uuid(`boot/${name}/${now}`),
        kernelVersion: t.kernelVersion,
        osImage: t.osImage,
        containerRuntimeVersion: t.containerRuntimeVersion,
        kubeletVersion: t.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: t.os,
        architecture: t.arch,
      },
    },
  };
}
