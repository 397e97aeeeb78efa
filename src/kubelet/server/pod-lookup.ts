/**
 * What the kubelet's streaming API needs to know about a pod: which runtime container holds each
 * container's current and previous instance, its sandbox, and whether it uses the host network.
 * The kubelet implements `StreamingPodLookup` from its pod state (the container statuses it
 * reports: `state` → current, `lastState.terminated` → previous, `state.waiting.reason` →
 * waitingReason); `RuntimePodLookup` reads the same from runtime labels (tests, and a kubelet
 * before its first sync).
 */
import type { KubeObject } from '../../api/object.js';
import { LABELS, type ContainerRuntime, type ContainerStatus } from '../../runtime/container-runtime.js';

export interface StreamingContainerInstance {
  /** Runtime container id. */
  readonly id: string;
  readonly running: boolean;
  /** ms since epoch (stats). */
  readonly startedAt?: number;
}

export interface StreamingContainer {
  readonly name: string;
  /** The instance in `state`: running, or terminated and not yet restarted. Absent while waiting. */
  readonly current?: StreamingContainerInstance;
  /** The instance in `lastState.terminated`. */
  readonly previous?: { readonly id: string };
  /** `state.waiting.reason` when there is no current instance (ContainerCreating, CrashLoopBackOff, ErrImagePull …). */
  readonly waitingReason?: string;
}

export interface StreamingPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** pod.spec.hostNetwork: port-forward dials the host's loopback. */
  readonly hostNetwork: boolean;
  /** The pod's current sandbox (absent before it was created). */
  readonly sandboxId?: string;
  /** Init, sidecar and app containers the kubelet knows of. */
  readonly containers: readonly StreamingContainer[];
  /** ms since epoch (stats). */
  readonly startTime?: number;
}

export interface StreamingPodLookup {
  /** The pod as the kubelet knows it, or undefined if it runs no such pod. */
  getPod(namespace: string, name: string): Promise<StreamingPod | undefined>;
  /** Every pod of this node (for /stats/summary). */
  listPods(): Promise<StreamingPod[]>;
  /** The API's pods this kubelet runs, with the status it computed (for GET /pods); optional. */
  listPodObjects?(): Promise<KubeObject[]>;
}

/**
 * Pods read from the runtime's labels: the newest container of a name is its current instance
 * (waiting with `ContainerCreating` if created but never started), the one before it the
 * previous instance.
 */
export class RuntimePodLookup implements StreamingPodLookup {
  readonly #runtime: ContainerRuntime;

  constructor(runtime: ContainerRuntime) {
    this.#runtime = runtime;
  }

  async getPod(namespace: string, name: string): Promise<StreamingPod | undefined> {
    const labels = { [LABELS.podNamespace]: namespace, [LABELS.podName]: name };
    const sandboxes = (await this.#runtime.listPodSandboxes({ labels })).sort((a, b) => b.createdAt - a.createdAt);
    const containers = await this.#runtime.listContainers({ labels });
    if (sandboxes.length === 0 && containers.length === 0) return undefined;
    // The newest sandbox names the pod's current uid (a pod re-created under the same name).
    const uid = sandboxes[0]?.labels[LABELS.podUid] ?? containers.sort((a, b) => b.createdAt - a.createdAt)[0]?.labels[LABELS.podUid] ?? '';
    return this.#build(namespace, name, uid, sandboxes[0], containers);
  }

  async listPods(): Promise<StreamingPod[]> {
    const sandboxes = await this.#runtime.listPodSandboxes();
    const containers = await this.#runtime.listContainers();
    const byUid = new Map<string, { namespace: string; name: string; sandbox?: (typeof sandboxes)[number]; containers: ContainerStatus[] }>();
    for (const s of sandboxes.sort((a, b) => b.createdAt - a.createdAt)) {
      const uid = s.labels[LABELS.podUid];
      if (!uid || byUid.has(uid)) continue;
      byUid.set(uid, { namespace: s.labels[LABELS.podNamespace] ?? '', name: s.labels[LABELS.podName] ?? '', sandbox: s, containers: [] });
    }
    for (const c of containers) {
      const uid = c.labels[LABELS.podUid];
      if (!uid) continue;
      let entry = byUid.get(uid);
      if (!entry) byUid.set(uid, (entry = { namespace: c.labels[LABELS.podNamespace] ?? '', name: c.labels[LABELS.podName] ?? '', containers: [] }));
      entry.containers.push(c);
    }
    return [...byUid.entries()].map(([uid, e]) => this.#build(e.namespace, e.name, uid, e.sandbox, e.containers));
  }

  #build(namespace: string, name: string, uid: string, sandbox: { id: string; ip?: string; createdAt: number } | undefined, all: readonly ContainerStatus[]): StreamingPod {
    const byName = new Map<string, ContainerStatus[]>();
    for (const c of all) {
      if (c.labels[LABELS.podUid] !== uid) continue;
      const n = c.labels[LABELS.containerName] ?? c.name;
      byName.set(n, [...(byName.get(n) ?? []), c]);
    }
    const containers: StreamingContainer[] = [];
    for (const [cname, list] of byName) {
      list.sort((a, b) => b.createdAt - a.createdAt);
      const [latest, before] = list;
      const previous = before ? { previous: { id: before.id } } : {};
      if (latest.state === 'running' || latest.state === 'exited') {
        const startedAt = latest.startedAt !== undefined ? { startedAt: latest.startedAt } : {};
        containers.push({ name: cname, current: { id: latest.id, running: latest.state === 'running', ...startedAt }, ...previous });
      } else {
        containers.push({ name: cname, waitingReason: 'ContainerCreating', ...previous });
      }
    }
    return {
      namespace,
      name,
      uid,
      hostNetwork: sandbox !== undefined && sandbox.ip === undefined,
      ...(sandbox ? { sandboxId: sandbox.id, startTime: sandbox.createdAt } : {}),
      containers,
    };
  }
}
