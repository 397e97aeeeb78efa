/**
 * Node IPAM (upstream's node-ipam-controller with the RangeAllocator): every Node gets a pod
 * range (`spec.podCIDR` and `spec.podCIDRs`) cut from the cluster CIDR (k3s: 10.42.0.0/16 in /24s),
 * from which its kubelet gives pods their IPs.
 *
 *  - At start, ranges already on Nodes are marked taken before anything is handed out.
 *  - A Node without a range gets the next free one, written by a patch of its spec; a Node that
 *    already has one keeps it (the API refuses to change a set podCIDR).
 *  - A deleted Node's range is released.
 *  - When the cluster CIDR is exhausted the Node is left without a range and gets the event
 *    `CIDRNotAvailable` ("Node <name> status is now: CIDRNotAvailable"), retried with backoff;
 *    a failed write gives `CIDRAssignmentFailed`, as upstream records them.
 */
import type { Logger } from 'pino';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';
import { CidrSet } from './cidr-set.js';

export interface NodeIpamOptions {
  /** The cluster's pod address range (upstream --cluster-cidr; k3s default 10.42.0.0/16). */
  readonly clusterCidr: string;
  /** Prefix length of each node's range (upstream --node-cidr-mask-size, 24). */
  readonly nodeCidrMaskSize?: number;
}

export class NodeIpamController implements Controller {
  readonly name = 'node-ipam-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #nodes: SharedInformer;
  readonly #cidrs: CidrSet;
  readonly #queue;
  /** Ranges this controller handed out, by node name, until the Node shows them. */
  readonly #assigned = new Map<string, string>();

  constructor(ctx: ControllerContext, options: NodeIpamOptions) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder('cidrAllocator');
    this.#cidrs = new CidrSet(options.clusterCidr, options.nodeCidrMaskSize ?? 24);
    this.#queue = newQueue(ctx.clock);
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#nodes.addEventHandler({
      onAdd: (n) => this.#queue.add(n.metadata.name ?? ''),
      onUpdate: (_o, n) => {
        if (podCidrs(n).length === 0) this.#queue.add(n.metadata.name ?? '');
      },
      onDelete: (n) => this.#released(n),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#nodes.waitForSync(signal);
    if (signal.aborted) return;
    // Ranges in use are known before the first allocation.
    for (const node of this.#nodes.lister.list()) for (const cidr of podCidrs(node)) this.#occupy(node, cidr);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (name) => this.#reconcile(name), workers: 4, logger: this.#ctx.logger }, signal);
  }

  #occupy(node: KubeObject, cidr: string): void {
    if (!cidr.includes('.')) return; // IPv6 ranges are not ours (IPv4-only cluster CIDR).
    try {
      this.#cidrs.occupy(cidr);
    } catch (e) {
      this.#log.warn({ node: node.metadata.name, cidr, err: e instanceof Error ? e.message : String(e) }, 'node has a pod CIDR outside the cluster CIDR');
    }
  }

  #released(node: KubeObject): void {
    const name = node.metadata.name ?? '';
    const cidrs = new Set([...podCidrs(node), ...(this.#assigned.has(name) ? [this.#assigned.get(name) as string] : [])]);
    this.#assigned.delete(name);
    for (const cidr of cidrs) this.#cidrs.release(cidr);
  }

  async #reconcile(name: string): Promise<void> {
    const node = this.#nodes.lister.get(undefined, name);
    if (!node || node.metadata.deletionTimestamp) return;
    const existing = podCidrs(node);
    if (existing.length > 0) {
      for (const cidr of existing) this.#occupy(node, cidr);
      this.#assigned.delete(name);
      return;
    }
    let cidr = this.#assigned.get(name);
    if (cidr === undefined) {
      cidr = this.#cidrs.allocateNext();
      if (cidr === undefined) {
        this.#recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw new Error(`failed to allocate cidr from cluster cidr at idx:0: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range`);
      }
      this.#assigned.set(name, cidr);
    }
    try {
      await this.#ctx.client.patch(resources.nodes, undefined, name, 'strategic', { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { fieldManager: KUBE_CONTROLLER_MANAGER });
      this.#log.debug({ node: name, cidr }, 'assigned pod CIDR');
    } catch (e) {
      // Release only if the range is still this node's (a delete seen meanwhile released it).
      if (this.#assigned.get(name) === cidr) {
        this.#assigned.delete(name);
        this.#cidrs.release(cidr);
      }
      this.#recorder.event(node, 'Normal', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed`);
      throw e;
    }
  }
}

function podCidrs(node: KubeObject): string[] {
  const spec = isJsonObject(node.spec) ? node.spec : {};
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 0) return spec.podCIDRs.filter((c): c is string => typeof c === 'string');
  return typeof spec.podCIDR === 'string' && spec.podCIDR ? [spec.podCIDR] : [];
}
