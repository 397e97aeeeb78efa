/**
 * NodeResourcesFit: the pod's requests must fit the node's allocatable minus what its pods
 * request (Filter; one "Insufficient <resource>" reason per short resource, "Too many pods" for
 * the pod count); LeastAllocated scoring on cpu and memory (weights 1), using the "non-zero"
 * requests so pods without requests still spread.
 *
 * A request larger than the node's whole allocatable cannot be helped by preemption, so that
 * node is UnschedulableAndUnresolvable.
 */
import { ActionType, MAX_NODE_SCORE, type SchedulerPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { isExtendedResourceName } from '../framework/resource.js';
import { Code, Status } from '../framework/status.js';
import { PluginName } from './names.js';

export interface NodeResourcesFitOptions {
  /** Extended resources the filter ignores (ignoredResources). */
  readonly ignoredResources?: readonly string[];
  /** Extended resource groups (the part before '/') the filter ignores. */
  readonly ignoredResourceGroups?: readonly string[];
}

export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly unresolvable: boolean;
}

/**
 * True when the pod fits the node's free resources: the allocation-free fast path of fitsRequest,
 * on the node info's own fields only (it runs for hundreds of nodes per pod).
 */
export function fitsNode(pod: PodInfo, node: NodeInfo): boolean {
  if (node.freePods < 1) return false;
  const req = pod.requests;
  if (req.milliCPU > 0 && req.milliCPU > node.allocatableMilliCPU - node.requestedMilliCPU) return false;
  if (req.memory > 0 && req.memory > node.allocatableMemory - node.requestedMemory) return false;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > node.freeEphemeralStorage) return false;
  return req.scalar === undefined || req.scalar.size === 0;
}

/** The pod would fit the node if it were empty. */
export function fitsAllocatable(pod: PodInfo, node: NodeInfo): boolean {
  const alloc = node.allocatable;
  const req = pod.requests;
  if (alloc.allowedPodNumber < 1 || req.milliCPU > alloc.milliCPU || req.memory > alloc.memory || req.ephemeralStorage > alloc.ephemeralStorage) return false;
  if (req.scalar) for (const [name, q] of req.scalar) if (q > alloc.getScalar(name)) return false;
  return true;
}

/** fitsRequest: every resource the pod cannot get on the node. */
export function fitsRequest(pod: PodInfo, node: NodeInfo, ignored: ReadonlySet<string> = new Set(), ignoredGroups: ReadonlySet<string> = new Set()): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.length + 1 > alloc.allowedPodNumber) out.push({ resourceName: 'pods', reason: 'Too many pods', unresolvable: false });
  const req = pod.requests;
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && (!req.scalar || req.scalar.size === 0)) return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', unresolvable: req.milliCPU > alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', unresolvable: req.memory > alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({ resourceName: 'ephemeral-storage', reason: 'Insufficient ephemeral-storage', unresolvable: req.ephemeralStorage > alloc.ephemeralStorage });
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      if (isExtendedResourceName(name) && (ignored.has(name) || ignoredGroups.has(name.slice(0, name.indexOf('/'))))) continue;
      const a = alloc.getScalar(name);
      if (q > a - used.getScalar(name)) out.push({ resourceName: name, reason: `Insufficient ${name}`, unresolvable: q > a });
    }
  }
  return out;
}

/** leastRequestedScore: the share of the resource left free, 0…100. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function nodeResourcesFitPlugin(options: NodeResourcesFitOptions = {}): SchedulerPlugin {
  const ignored = new Set(options.ignoredResources ?? []);
  const ignoredGroups = new Set(options.ignoredResourceGroups ?? []);
  return {
    name: PluginName.NodeResourcesFit,
    events: [
      { resource: 'AssignedPod', actions: ActionType.Delete },
      // isSchedulableAfterNodeChange: only a node whose allocatable could hold the pod helps.
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable, hint: (pod, ev) => !ev.node || fitsAllocatable(pod, ev.node) },
    ],
    filter(_state, pod, node) {
      if (fitsNode(pod, node)) return null;
      const insufficient = fitsRequest(pod, node, ignored, ignoredGroups);
      if (insufficient.length === 0) return null;
      const code = insufficient.some((r) => r.unresolvable) ? Code.UnschedulableAndUnresolvable : Code.Unschedulable;
      return new Status(
        code,
        insufficient.map((r) => r.reason),
      );
    },
    score(_state, pod, node) {
      // LeastAllocated over cpu and memory, weight 1 each; a resource the node lacks is skipped.
      let sum = 0;
      let weights = 0;
      const cpuCap = node.allocatableMilliCPU;
      if (cpuCap !== 0) {
        sum += leastRequested(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, cpuCap);
        weights++;
      }
      const memCap = node.allocatableMemory;
      if (memCap !== 0) {
        sum += leastRequested(node.nonZeroMemory + pod.nonZeroMemory, memCap);
        weights++;
      }
      return weights === 0 ? 0 : Math.trunc(sum / weights);
    },
  };
}
