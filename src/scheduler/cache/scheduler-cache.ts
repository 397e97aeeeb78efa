/**
 * The scheduler cache (kube-scheduler internal/cache): a NodeInfo per node with the pods bound
 * or assumed to it, kept from the informers.
 *
 *  - assume: a pod the scheduler decided to place counts on its node at once, before the
 *    binding is written and comes back through the informer, so the next pod sees the room as
 *    taken; `forget` undoes that when binding fails;
 *  - the informer's ADD of the bound pod confirms the assumption (moving the pod if it was bound
 *    elsewhere); its DELETE (or the pod ending: Succeeded/Failed) frees the room;
 *  - pods may reference a node the cache does not know yet: they wait on a placeholder NodeInfo
 *    that is not listed until the Node arrives.
 * Everything is synchronous: the scheduling cycle reads the cache directly (there is no other
 * thread to snapshot against).
 */
import type { KubeObject } from '../../api/object.js';
import type { ClusterView } from '../framework/interfaces.js';
import { NodeInfo } from '../framework/node-info.js';
import type { NamespaceLabels, PodInfo } from '../framework/pod-info.js';

interface PodState {
  info: PodInfo;
  assumed: boolean;
  bindingFinished: boolean;
}

export class SchedulerCache implements ClusterView {
  readonly #nodes = new Map<string, NodeInfo>();
  /** Nodes with a Node object, in a stable order (the filter loop walks it round-robin). */
  readonly #list: NodeInfo[] = [];
  readonly #listIndex = new Map<string, number>();
  readonly #pods = new Map<string, PodState>();
  readonly #withAffinity = new Set<NodeInfo>();
  readonly #withRequiredAntiAffinity = new Set<NodeInfo>();
  readonly #imageNodes = new Map<string, number>();
  readonly namespaceLabels: NamespaceLabels;

  constructor(namespaceLabels: NamespaceLabels) {
    this.namespaceLabels = namespaceLabels;
  }

  // ---- ClusterView ----

  nodes(): readonly NodeInfo[] {
    return this.#list;
  }

  node(name: string): NodeInfo | undefined {
    const n = this.#nodes.get(name);
    return n && n.node ? n : undefined;
  }

  nodesWithPodsWithAffinity(): Iterable<NodeInfo> {
    return this.#withAffinity;
  }

  nodesWithPodsWithRequiredAntiAffinity(): Iterable<NodeInfo> {
    return this.#withRequiredAntiAffinity;
  }

  imageNodeCount(image: string): number {
    return this.#imageNodes.get(image) ?? 0;
  }

  get podCount(): number {
    return this.#pods.size;
  }

  get assumedCount(): number {
    let n = 0;
    for (const s of this.#pods.values()) if (s.assumed) n++;
    return n;
  }

  // ---- nodes ----

  /** A node was added or changed. */
  setNode(node: KubeObject): void {
    const name = node.metadata.name ?? '';
    let ni = this.#nodes.get(name);
    if (!ni) this.#nodes.set(name, (ni = new NodeInfo(name)));
    if (ni.node) this.#countImages(ni, -1);
    ni.setNode(node);
    this.#countImages(ni, 1);
    if (!this.#listIndex.has(name)) {
      this.#listIndex.set(name, this.#list.length);
      this.#list.push(ni);
    }
    this.#reindex(ni);
  }

  removeNode(name: string): void {
    const ni = this.#nodes.get(name);
    if (!ni) return;
    if (ni.node) this.#countImages(ni, -1);
    ni.node = undefined;
    const i = this.#listIndex.get(name);
    if (i !== undefined) {
      const last = this.#list.pop() as NodeInfo;
      if (i < this.#list.length) {
        this.#list[i] = last;
        this.#listIndex.set(last.name, i);
      }
      this.#listIndex.delete(name);
    }
    this.#withAffinity.delete(ni);
    this.#withRequiredAntiAffinity.delete(ni);
    // Pods still bound to the node keep a placeholder until they are gone.
    if (ni.pods.length === 0) this.#nodes.delete(name);
  }

  // ---- pods ----

  isAssumed(uid: string): boolean {
    return this.#pods.get(uid)?.assumed === true;
  }

  /** The pod (with `nodeName` set to the chosen node) counts on that node from now on. */
  assumePod(p: PodInfo): void {
    if (this.#pods.has(p.uid)) throw new Error(`pod ${p.key} (${p.uid}) is in the cache, so can't be assumed`);
    this.#addToNode(p);
    this.#pods.set(p.uid, { info: p, assumed: true, bindingFinished: false });
  }

  finishBinding(uid: string): void {
    const s = this.#pods.get(uid);
    if (s && s.assumed) s.bindingFinished = true;
  }

  /** Undoes an assumption (binding failed). */
  forgetPod(p: PodInfo): void {
    const s = this.#pods.get(p.uid);
    if (!s || !s.assumed) return;
    this.#removeFromNode(s.info);
    this.#pods.delete(p.uid);
  }

  /** A bound pod seen by the informer (confirms an assumed one). */
  addPod(p: PodInfo): void {
    const s = this.#pods.get(p.uid);
    if (s) {
      this.#removeFromNode(s.info);
      this.#addToNode(p);
      s.info = p;
      s.assumed = false;
      return;
    }
    this.#addToNode(p);
    this.#pods.set(p.uid, { info: p, assumed: false, bindingFinished: false });
  }

  updatePod(p: PodInfo): void {
    this.addPod(p);
  }

  removePod(p: PodInfo): void {
    const s = this.#pods.get(p.uid);
    if (!s) return;
    this.#removeFromNode(s.info);
    this.#pods.delete(p.uid);
  }

  /** The PodInfo the cache holds for a uid (bound or assumed). */
  pod(uid: string): PodInfo | undefined {
    return this.#pods.get(uid)?.info;
  }

  #addToNode(p: PodInfo): void {
    let ni = this.#nodes.get(p.nodeName);
    if (!ni) this.#nodes.set(p.nodeName, (ni = new NodeInfo(p.nodeName)));
    ni.addPod(p);
    this.#reindex(ni);
  }

  #removeFromNode(p: PodInfo): void {
    const ni = this.#nodes.get(p.nodeName);
    if (!ni) return;
    ni.removePod(p.uid);
    if (!ni.node && ni.pods.length === 0) this.#nodes.delete(p.nodeName);
    else this.#reindex(ni);
  }

  #reindex(ni: NodeInfo): void {
    const listed = ni.node !== undefined;
    if (listed && ni.podsWithAffinity.length > 0) this.#withAffinity.add(ni);
    else this.#withAffinity.delete(ni);
    if (listed && ni.podsWithRequiredAntiAffinity.length > 0) this.#withRequiredAntiAffinity.add(ni);
    else this.#withRequiredAntiAffinity.delete(ni);
  }

  #countImages(ni: NodeInfo, delta: number): void {
    for (const name of ni.images.keys()) {
      const n = (this.#imageNodes.get(name) ?? 0) + delta;
      if (n > 0) this.#imageNodes.set(name, n);
      else this.#imageNodes.delete(name);
    }
  }
}
