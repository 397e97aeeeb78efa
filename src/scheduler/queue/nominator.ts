/**
 * Pods nominated to nodes (upstream's nominator): a preemptor waits for its victims to leave
 * the node it was nominated to, and other pods must not take that room meanwhile — Filter
 * treats nominated pods of equal or higher priority as already on the node.
 *
 * A nomination comes from the pod's status.nominatedNodeName, or is set in memory by the
 * scheduler right after preemption (before the status patch comes back through the informer).
 */
import type { KubeObject } from '../../api/object.js';
import type { NominatedPods, NominatingInfo } from '../framework/interfaces.js';
import type { PodInfo } from '../framework/pod-info.js';

const NONE: readonly PodInfo[] = [];

export class Nominator implements NominatedPods {
  readonly #byNode = new Map<string, PodInfo[]>();
  readonly #podToNode = new Map<string, string>();
  readonly #currentPod: (namespace: string, name: string) => KubeObject | undefined;

  constructor(currentPod: (namespace: string, name: string) => KubeObject | undefined) {
    this.#currentPod = currentPod;
  }

  get size(): number {
    return this.#podToNode.size;
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    if (this.#byNode.size === 0) return NONE;
    return this.#byNode.get(nodeName) ?? NONE;
  }

  nominatedNodeOf(uid: string): string | undefined {
    return this.#podToNode.get(uid);
  }

  /** Records the pod's nomination: `override` sets it ('' clears), otherwise the pod's status decides. */
  add(p: PodInfo, nominating?: NominatingInfo): void {
    this.delete(p);
    const nodeName = nominating?.mode === 'override' ? nominating.nodeName : p.nominatedNodeName;
    if (nodeName === '') return;
    // A pod that is gone, or already bound, is nominated nowhere.
    const current = this.#currentPod(p.namespace, p.name);
    if (!current || current.metadata.uid !== p.uid) return;
    const spec = current.spec as { nodeName?: unknown } | undefined;
    if (typeof spec?.nodeName === 'string' && spec.nodeName !== '') return;
    this.#podToNode.set(p.uid, nodeName);
    let list = this.#byNode.get(nodeName);
    if (!list) this.#byNode.set(nodeName, (list = []));
    list.push(p);
  }

  /**
   * A pod changed. An update carrying no nomination right after the scheduler nominated the
   * pod in memory keeps the in-memory nomination (the status patch is still on its way).
   */
  update(old: PodInfo, next: PodInfo): void {
    let keep: NominatingInfo | undefined;
    if (old.nominatedNodeName === '' && next.nominatedNodeName === '') {
      const n = this.#podToNode.get(old.uid);
      if (n !== undefined) keep = { mode: 'override', nodeName: n };
    }
    this.delete(old);
    this.add(next, keep);
  }

  delete(p: PodInfo): void {
    const nodeName = this.#podToNode.get(p.uid);
    if (nodeName === undefined) return;
    this.#podToNode.delete(p.uid);
    const list = this.#byNode.get(nodeName);
    if (!list) return;
    const i = list.findIndex((x) => x.uid === p.uid);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#byNode.delete(nodeName);
  }
}
