/**
 * A scheduler framework over fixtures, without an API: a cache filled with nodes and bound
 * pods, the default (or a given) profile, and helpers that run one extension point the way the
 * scheduler does. For plugin unit tests.
 */
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder, EventType } from '../../events/event-recorder.js';
import { FakeClock } from '../../util/clock.js';
import { SchedulerCache } from '../cache/scheduler-cache.js';
import { Framework, type ProfileConfig } from '../framework/framework.js';
import { CycleState, NodeToStatus, type SchedulerPlugin, type WorkloadListers } from '../framework/interfaces.js';
import { newPodInfo, type Labels, type PodInfo } from '../framework/pod-info.js';
import type { Status } from '../framework/status.js';
import { defaultProfile } from '../plugins/default-profile.js';
import { Nominator } from '../queue/nominator.js';

export interface RecordedEvent {
  readonly object: KubeObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

export interface HarnessOptions {
  readonly profile?: ProfileConfig;
  readonly namespaces?: Readonly<Record<string, Labels>>;
  readonly pdbs?: readonly KubeObject[];
  /** Answers for the API calls plugins make (preemption); unused calls throw. */
  readonly client?: Partial<Client>;
  readonly random?: () => number;
  /** Services, ReplicationControllers, ReplicaSets and StatefulSets the listers know. */
  readonly workloads?: readonly KubeObject[];
}

/** Listers over fixture objects (by kind). */
export function fixtureWorkloads(objects: readonly KubeObject[]): WorkloadListers {
  const find = (kind: string, ns: string, name: string) => objects.find((o) => o.kind === kind && (o.metadata.namespace ?? 'default') === ns && o.metadata.name === name);
  return {
    services: (ns) => objects.filter((o) => o.kind === 'Service' && (o.metadata.namespace ?? 'default') === ns),
    replicationController: (ns, name) => find('ReplicationController', ns, name),
    replicaSet: (ns, name) => find('ReplicaSet', ns, name),
    statefulSet: (ns, name) => find('StatefulSet', ns, name),
  };
}

export class Harness {
  readonly cache: SchedulerCache;
  readonly fw: Framework;
  readonly clock = new FakeClock();
  readonly events: RecordedEvent[] = [];
  readonly nominator: Nominator;
  readonly #pods = new Map<string, KubeObject>();

  constructor(nodes: readonly KubeObject[], pods: readonly KubeObject[] = [], options: HarnessOptions = {}) {
    const namespaces = options.namespaces ?? {};
    this.cache = new SchedulerCache((ns) => namespaces[ns]);
    for (const n of nodes) this.cache.setNode(n);
    for (const p of pods) this.addPod(p);
    this.nominator = new Nominator((ns, name) => this.#pods.get(`${ns}/${name}`));
    const recorder: EventRecorder = { event: (object, type, reason, message) => void this.events.push({ object, type, reason, message }) };
    const client = new Proxy(options.client ?? {}, {
      get(target, prop) {
        const v = (target as Record<string | symbol, unknown>)[prop];
        if (v !== undefined) return v;
        return () => Promise.reject(new Error(`unexpected client call ${String(prop)}`));
      },
    }) as Client;
    this.fw = new Framework(
      {
        client,
        recorder,
        clock: this.clock,
        logger: pino({ level: 'silent' }),
        cluster: this.cache,
        nominated: this.nominator,
        schedulerName: 'default-scheduler',
        fieldManager: 'kube-scheduler',
        podDisruptionBudgets: () => options.pdbs ?? [],
        workloads: fixtureWorkloads(options.workloads ?? []),
        currentPod: (ns, name) => this.#pods.get(`${ns}/${name}`),
        random: options.random ?? (() => 0),
      },
      options.profile ?? defaultProfile(),
    );
  }

  /** A bound pod (spec.nodeName set) joins its node. */
  addPod(pod: KubeObject): PodInfo {
    const p = newPodInfo(pod);
    this.#pods.set(p.key, pod);
    this.cache.addPod(p);
    return p;
  }

  /** A pending pod known to the "informer" (for nominations). */
  pendingPod(pod: KubeObject): PodInfo {
    const p = newPodInfo(pod);
    this.#pods.set(p.key, pod);
    return p;
  }

  plugin(name: string): SchedulerPlugin {
    const p = this.fw.plugins.find((x) => x.name === name);
    if (!p) throw new Error(`no plugin ${name}`);
    return p;
  }

  /** PreFilter then Filter (with nominated pods) on every node: node → status (null = fits). */
  filter(pod: KubeObject | PodInfo): { state: CycleState; prefilter: Status | null; statuses: Map<string, Status | null> } {
    const p = 'pod' in pod && 'key' in pod ? (pod as PodInfo) : newPodInfo(pod as KubeObject);
    const state = new CycleState();
    const pre = this.fw.runPreFilter(state, p);
    const statuses = new Map<string, Status | null>();
    if (pre.status !== null) return { state, prefilter: pre.status, statuses };
    for (const n of this.cache.nodes()) {
      if (pre.nodeNames && !pre.nodeNames.has(n.name)) continue;
      statuses.set(n.name, this.fw.runFilterWithNominatedPods(state, p, n));
    }
    return { state, prefilter: null, statuses };
  }

  /** Names of the nodes the pod fits. */
  feasible(pod: KubeObject): string[] {
    return [...this.filter(pod).statuses].filter(([, s]) => s === null).map(([n]) => n);
  }

  /** Weighted total scores over the feasible nodes. */
  scores(pod: KubeObject): Record<string, number> {
    const p = newPodInfo(pod);
    const { state, statuses } = this.filter(p);
    const nodes = this.cache.nodes().filter((n) => statuses.get(n.name) === null);
    this.fw.runPreScore(state, p, nodes);
    const totals = this.fw.runScore(state, p, nodes);
    return Object.fromEntries(nodes.map((n, i) => [n.name, totals[i]]));
  }

  /** One plugin's normalized scores over the given nodes (all by default); Skip → undefined. */
  pluginScores(name: string, pod: KubeObject, nodeNames?: readonly string[]): Record<string, number> | undefined {
    const p = newPodInfo(pod);
    const plugin = this.plugin(name);
    const nodes = this.cache.nodes().filter((n) => !nodeNames || nodeNames.includes(n.name));
    const state = new CycleState();
    const pre = plugin.preScore?.(state, p, nodes) ?? null;
    if (pre !== null) return undefined;
    const scores = nodes.map((n) => plugin.score?.(state, p, n) ?? 0);
    plugin.normalizeScores?.(state, p, nodes, scores);
    return Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]]));
  }

  /** Filter, then PostFilter with the statuses of the rejected nodes. */
  async postFilter(pod: KubeObject): Promise<{ nominated: string | undefined; status: Status | null }> {
    const p = this.pendingPod(pod);
    const { state, prefilter, statuses } = this.filter(p);
    const m = new NodeToStatus();
    if (prefilter) m.absentNodesStatus = prefilter;
    for (const [n, s] of statuses) if (s) m.set(n, s);
    const r = await this.fw.runPostFilter(state, p, m, new AbortController().signal);
    return { nominated: r.nominating?.mode === 'override' ? r.nominating.nodeName : undefined, status: r.status };
  }
}
