/**
 * The pod garbage collector (upstream pkg/controller/podgc): every 20 s it force-deletes pods
 * that no kubelet will ever finish:
 *  - orphaned pods, bound to a node that no longer exists. A node missing from the informer is
 *    quarantined for 40 s (it may just not have reached the cache), then looked up in the API;
 *    if it is gone, its pods are marked Failed with the condition DisruptionTarget=True
 *    (reason DeletionByPodGC, "PodGC: node no longer exists") and deleted with grace 0 — so
 *    `kubectl delete node` no longer leaves its pods Running forever, and their controllers
 *    replace them;
 *  - terminating pods on a node that is not Ready and tainted node.kubernetes.io/out-of-service
 *    (the non-graceful node shutdown);
 *  - terminating pods that were never scheduled;
 *  - terminated pods beyond `terminatedPodThreshold` (kube-controller-manager's
 *    --terminated-pod-gc-threshold, 12500), oldest first, evicted ones before the others.
 * Deletions carry the pod's uid as a precondition, so a new pod of the same name is never hit.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import type { Controller, ControllerContext } from '../framework/controller.js';
import { nodeCondition, parallelize } from '../node-lifecycle/node-util.js';

export interface PodGcControllerOptions {
  /** How often the collector runs (default 20 s, upstream's gcCheckPeriod). */
  readonly checkPeriodMs?: number;
  /** How long a node missing from the cache waits before the API is asked (default 40 s). */
  readonly quarantineMs?: number;
  /** Terminated pods kept before the oldest are deleted (default 12500; 0 turns it off). */
  readonly terminatedPodThreshold?: number;
}

const OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

function phaseOf(pod: KubeObject): string {
  return isJsonObject(pod.status) && typeof pod.status.phase === 'string' ? pod.status.phase : '';
}

function nodeNameOf(pod: KubeObject): string {
  return isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : '';
}

function isTerminated(pod: KubeObject): boolean {
  const phase = phaseOf(pod);
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

/** eviction.PodIsEvicted: Failed with reason Evicted. */
function isEvicted(pod: KubeObject): boolean {
  return phaseOf(pod) === 'Failed' && isJsonObject(pod.status) && pod.status.reason === 'Evicted';
}

/** byEvictionAndCreationTimestamp: evicted first, then oldest, then by name. */
function byEvictionAndAge(a: KubeObject, b: KubeObject): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

export class PodGcController implements Controller {
  readonly name = 'pod-garbage-collector';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #pods: SharedInformer;
  readonly #nodes: SharedInformer;
  readonly #checkPeriodMs: number;
  readonly #quarantineMs: number;
  readonly #threshold: number;
  /** Nodes missing from the cache, with the time they were first seen missing. */
  readonly #quarantine = new Map<string, number>();

  constructor(ctx: ControllerContext, options: PodGcControllerOptions = {}) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#pods = ctx.informers.informer(resources.pods);
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#checkPeriodMs = options.checkPeriodMs ?? 20_000;
    this.#quarantineMs = options.quarantineMs ?? 40_000;
    this.#threshold = options.terminatedPodThreshold ?? 12_500;
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#pods.waitForSync(signal), this.#nodes.waitForSync(signal)]);
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (e) {
        if (signal.aborted) return;
        this.#log.warn({ err: e instanceof Error ? e.message : String(e) }, 'pod garbage collection failed; trying again next period');
      }
      try {
        await this.#ctx.clock.sleep(this.#checkPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One pass (exposed for tests). */
  async gc(): Promise<void> {
    const pods = this.#pods.lister.list();
    if (this.#threshold > 0) await this.#gcTerminated(pods);
    await this.#gcTerminatingOutOfService(pods);
    await this.#gcOrphaned(pods);
    await this.#gcUnscheduledTerminating(pods);
  }

  async #gcTerminated(pods: readonly KubeObject[]): Promise<void> {
    const terminated = pods.filter(isTerminated);
    const excess = terminated.length - this.#threshold;
    if (excess <= 0) return;
    this.#log.info({ pods: excess }, 'garbage collecting terminated pods');
    await parallelize(terminated.sort(byEvictionAndAge).slice(0, excess), 16, (p) => this.#markFailedAndDelete(p));
  }

  async #gcTerminatingOutOfService(pods: readonly KubeObject[]): Promise<void> {
    const victims = pods.filter((p) => {
      if (!p.metadata.deletionTimestamp) return false;
      const node = this.#nodes.lister.getByKey(nodeNameOf(p));
      if (!node) return false;
      const taints = isJsonObject(node.spec) && Array.isArray(node.spec.taints) ? node.spec.taints : [];
      return nodeCondition(node, 'Ready')?.status !== 'True' && taints.some((t) => isJsonObject(t) && t.key === OUT_OF_SERVICE);
    });
    await parallelize(victims.sort(byEvictionAndAge), 16, (p) => this.#markFailedAndDelete(p));
  }

  async #gcOrphaned(pods: readonly KubeObject[]): Promise<void> {
    const now = this.#ctx.clock.now();
    const missing = new Set<string>();
    for (const p of pods) {
      const node = nodeNameOf(p);
      if (node && !this.#nodes.lister.getByKey(node)) missing.add(node);
    }
    for (const node of this.#quarantine.keys()) if (!missing.has(node)) this.#quarantine.delete(node);
    const gone = new Set<string>();
    for (const node of missing) {
      const since = this.#quarantine.get(node);
      if (since === undefined) {
        this.#quarantine.set(node, now);
        continue;
      }
      if (now - since < this.#quarantineMs) continue;
      try {
        await this.#ctx.client.get(resources.nodes, undefined, node);
        this.#quarantine.delete(node);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) gone.add(node);
        else this.#log.warn({ node, err: e instanceof Error ? e.message : String(e) }, 'cannot tell whether the node exists');
      }
    }
    if (gone.size === 0) return;
    const orphans = pods.filter((p) => gone.has(nodeNameOf(p)));
    await parallelize(orphans, 16, async (p) => {
      this.#log.info({ pod: `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`, node: nodeNameOf(p) }, 'found orphaned pod assigned to a deleted node; deleting');
      await this.#markFailedAndDelete(p, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
    });
    for (const node of gone) this.#quarantine.delete(node);
  }

  async #gcUnscheduledTerminating(pods: readonly KubeObject[]): Promise<void> {
    const victims = pods.filter((p) => p.metadata.deletionTimestamp && !nodeNameOf(p));
    await parallelize(victims, 16, (p) => this.#markFailedAndDelete(p));
  }

  /**
   * upstream markFailedAndDeletePodWithCondition: a pod not yet terminal is marked Failed (with
   * the condition, if any) — no kubelet will do it — then deleted with grace 0. A pod already
   * gone is not an error.
   */
  async #markFailedAndDelete(pod: KubeObject, condition?: { type: string; status: string; reason: string; message: string }): Promise<void> {
    const namespace = pod.metadata.namespace;
    const name = pod.metadata.name ?? '';
    try {
      const phase = phaseOf(pod);
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const status = isJsonObject(pod.status) ? pod.status : {};
        const patch: Record<string, unknown> = { phase: 'Failed' };
        if (condition) {
          const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => !(isJsonObject(c) && c.type === condition.type));
          conditions.push({ ...condition, lastProbeTime: null, lastTransitionTime: rfc3339(this.#ctx.clock.now()) });
          patch.conditions = conditions;
        }
        await this.#ctx.client.patch(resources.pods, namespace, name, 'merge', { metadata: { uid: pod.metadata.uid }, status: patch }, { subresource: 'status' });
      }
      await this.#ctx.client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
