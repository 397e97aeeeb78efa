/**
 * The scheduling queue (kube-scheduler's PriorityQueue):
 *  - activeQ: pods ready to be tried, highest priority first, then the oldest in the queue
 *    (then the oldest created);
 *  - backoffQ: pods that failed recently; a pod waits `initial × 2^(attempts−1)` (1 s … 10 s
 *    by default) from its last failure before going back to activeQ (checked every second);
 *  - unschedulable pods: rejected by some plugins; parked until a cluster event one of those
 *    plugins registered for happens (then back to activeQ, or backoffQ while backing off), or
 *    until they have waited `podMaxInUnschedulablePodsDuration` (5 min; checked every 30 s);
 *  - gated pods (PreEnqueue rejected them: scheduling gates) wait with the unschedulable ones
 *    until an update lets them in;
 *  - a pod rejected while a relevant event happened during its scheduling cycle, or that failed
 *    with an error rather than a rejection, goes to backoffQ rather than the unschedulable pool,
 *    so the event is not lost.
 * Keys are `namespace/name`. Time comes from the injected clock.
 */
import type { Logger } from 'pino';
import { jsonEqual, type KubeObject } from '../../api/object.js';
import type { Clock } from '../../util/clock.js';
import type { ClusterEvent, ClusterEventInterest, NominatedPods, NominatingInfo } from '../framework/interfaces.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Status } from '../framework/status.js';
import { KeyedHeap } from './keyed-heap.js';
import { Nominator } from './nominator.js';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod last entered a queue (ordering; start of its backoff). */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  initialAttemptTimestamp: number | undefined;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  gated: boolean;
  readonly seq: number;
}

export interface SchedulingQueueConfig {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly podInitialBackoffMs?: number;
  readonly podMaxBackoffMs?: number;
  readonly podMaxInUnschedulablePodsDurationMs?: number;
  /** PreEnqueue plugins: a non-null status keeps the pod out of activeQ (gated). */
  readonly preEnqueue: (pod: PodInfo) => Status | null;
  /** The events that may make pods a plugin rejected schedulable. */
  readonly pluginEvents: (plugin: string) => readonly ClusterEventInterest[] | undefined;
  /** The pod as the informer has it now (for nominations). */
  readonly currentPod: (namespace: string, name: string) => KubeObject | undefined;
}

export interface QueueCounts {
  readonly active: number;
  readonly backoff: number;
  readonly unschedulable: number;
  readonly gated: number;
  readonly inFlight: number;
}

export const UNSCHEDULABLE_TIMEOUT: ClusterEvent = { resource: 'Wildcard', actions: 0, label: 'UnschedulableTimeout' };

export class SchedulingQueue implements NominatedPods {
  readonly #c: SchedulingQueueConfig;
  readonly #initialBackoff: number;
  readonly #maxBackoff: number;
  readonly #maxUnschedulable: number;
  readonly #active: KeyedHeap<QueuedPodInfo>;
  readonly #backoff: KeyedHeap<QueuedPodInfo>;
  readonly #unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done, with the events seen meanwhile. */
  readonly #inFlight = new Map<string, { qpi: QueuedPodInfo; events: ClusterEvent[]; updated: boolean }>();
  /** Unschedulable (non-gated) pods per rejecting plugin, to skip scans no pod cares about. */
  readonly #pluginCounts = new Map<string, number>();
  #withoutPlugins = 0;
  readonly #nominator: Nominator;
  #waiters: (() => void)[] = [];
  #seq = 0;
  #cycle = 0;
  #closed = false;

  constructor(config: SchedulingQueueConfig) {
    this.#c = config;
    this.#initialBackoff = config.podInitialBackoffMs ?? 1000;
    this.#maxBackoff = config.podMaxBackoffMs ?? 10_000;
    this.#maxUnschedulable = config.podMaxInUnschedulablePodsDurationMs ?? 300_000;
    this.#nominator = new Nominator(config.currentPod);
    this.#active = new KeyedHeap<QueuedPodInfo>((q) => q.podInfo.key, activeLess);
    this.#backoff = new KeyedHeap<QueuedPodInfo>(
      (q) => q.podInfo.key,
      (a, b) => this.#backoffExpiry(a) < this.#backoffExpiry(b),
    );
  }

  get nominator(): Nominator {
    return this.#nominator;
  }

  /** The number of pops so far (the scheduling cycle). */
  get schedulingCycle(): number {
    return this.#cycle;
  }

  /** Pods in activeQ (cheap, unlike counts()). */
  get activeCount(): number {
    return this.#active.size;
  }

  counts(): QueueCounts {
    let gated = 0;
    for (const q of this.#unschedulable.values()) if (q.gated) gated++;
    return { active: this.#active.size, backoff: this.#backoff.size, unschedulable: this.#unschedulable.size - gated, gated, inFlight: this.#inFlight.size };
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.#nominator.nominatedPodsForNode(nodeName);
  }

  /** Flushes backoffQ every second and long-unschedulable pods every 30 s until the signal aborts. */
  run(signal: AbortSignal): void {
    const { clock } = this.#c;
    let cancelBackoff = () => {};
    let cancelLeftover = () => {};
    const backoffTick = () => {
      if (signal.aborted) return;
      this.flushBackoffCompleted();
      cancelBackoff = clock.setTimer(1000, backoffTick);
    };
    const leftoverTick = () => {
      if (signal.aborted) return;
      this.flushUnschedulableLeftover();
      cancelLeftover = clock.setTimer(30_000, leftoverTick);
    };
    cancelBackoff = clock.setTimer(1000, backoffTick);
    cancelLeftover = clock.setTimer(30_000, leftoverTick);
    signal.addEventListener(
      'abort',
      () => {
        cancelBackoff();
        cancelLeftover();
        this.#wake();
      },
      { once: true },
    );
  }

  /** Stops the queue: pending and later pops resolve undefined. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** A new pending pod. */
  add(pod: PodInfo): void {
    const now = this.#c.clock.now();
    const qpi: QueuedPodInfo = { podInfo: pod, timestamp: now, attempts: 0, initialAttemptTimestamp: undefined, unschedulablePlugins: new Set(), gated: false, seq: this.#seq++ };
    this.#removeEverywhere(pod.key);
    this.#nominator.add(pod);
    this.#toActiveOrGated(qpi);
  }

  /** A pending pod changed. */
  update(old: PodInfo, next: PodInfo): void {
    const key = next.key;
    this.#nominator.update(old, next);
    const flight = this.#inFlight.get(key);
    if (flight) {
      if (podChanged(old, next)) flight.updated = true;
      return;
    }
    const active = this.#active.get(key);
    if (active) {
      active.podInfo = next;
      this.#active.addOrUpdate(active);
      return;
    }
    const backoff = this.#backoff.get(key);
    if (backoff) {
      backoff.podInfo = next;
      this.#backoff.addOrUpdate(backoff);
      return;
    }
    const parked = this.#unschedulable.get(key);
    if (parked) {
      parked.podInfo = next;
      if (parked.gated) {
        if (this.#c.preEnqueue(next) === null) {
          this.#deleteUnschedulable(key);
          parked.gated = false;
          this.#pushActive(parked);
        }
        return;
      }
      if (podChanged(old, next)) {
        this.#deleteUnschedulable(key);
        if (this.#isBackingOff(parked)) this.#backoff.addOrUpdate(parked);
        else this.#pushActive(parked);
      }
      return;
    }
    this.add(next);
  }

  /** The pod is gone, bound, or no longer ours. */
  delete(pod: PodInfo): void {
    this.#nominator.delete(pod);
    this.#removeEverywhere(pod.key);
    const flight = this.#inFlight.get(pod.key);
    if (flight) flight.updated = true;
  }

  deleteNominatedPodIfExists(pod: PodInfo): void {
    this.#nominator.delete(pod);
  }

  addNominatedPod(pod: PodInfo, nominating: NominatingInfo | undefined): void {
    if (nominating && nominating.mode === 'noop') return;
    this.#nominator.add(pod, nominating);
  }

  /** The next pod to schedule; waits for one. Resolves undefined once closed or aborted. */
  async pop(signal: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.#closed || signal.aborted) return undefined;
      const qpi = this.#active.pop();
      if (qpi) {
        qpi.attempts++;
        qpi.initialAttemptTimestamp ??= this.#c.clock.now();
        this.#cycle++;
        this.#inFlight.set(qpi.podInfo.key, { qpi, events: [], updated: false });
        return qpi;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.#waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** The pod's scheduling attempt is over (bound, re-queued or dropped). */
  done(key: string): void {
    this.#inFlight.delete(key);
  }

  /**
   * Puts a pod that failed back: into backoffQ when it failed with an error, was changed, or a
   * cluster event that may help it happened during its attempt; otherwise into the
   * unschedulable pool until such an event.
   */
  addUnschedulableIfNotPresent(qpi: QueuedPodInfo): void {
    const key = qpi.podInfo.key;
    const flight = this.#inFlight.get(key);
    this.#inFlight.delete(key);
    if (this.#active.has(key) || this.#backoff.has(key) || this.#unschedulable.has(key)) return;
    qpi.timestamp = this.#c.clock.now();
    if (this.#c.preEnqueue(qpi.podInfo) !== null) {
      qpi.gated = true;
      this.#unschedulable.set(key, qpi);
      return;
    }
    const helped = flight !== undefined && (flight.updated || flight.events.some((e) => this.#worthRequeuing(qpi, e)));
    if (qpi.unschedulablePlugins.size === 0 || helped) {
      this.#backoff.addOrUpdate(qpi);
      return;
    }
    this.#addUnschedulable(qpi);
  }

  /**
   * A cluster event happened: pods in the unschedulable pool that one of their rejecting
   * plugins registered for move to activeQ (or backoffQ while backing off).
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, skip?: (p: PodInfo) => boolean): void {
    for (const f of this.#inFlight.values()) f.events.push(event);
    if (this.#unschedulable.size === 0 || !this.#anyInterested(event)) return;
    const moved: QueuedPodInfo[] = [];
    for (const q of this.#unschedulable.values()) {
      if (q.gated || (skip && skip(q.podInfo))) continue;
      if (this.#worthRequeuing(q, event)) moved.push(q);
    }
    for (const q of moved) this.#requeue(q);
  }

  /** Moves backoffQ pods whose backoff has expired to activeQ. */
  flushBackoffCompleted(): void {
    const now = this.#c.clock.now();
    for (;;) {
      const top = this.#backoff.peek();
      if (!top || this.#backoffExpiry(top) > now) return;
      this.#backoff.pop();
      this.#pushActive(top);
    }
  }

  /** Moves pods that stayed unschedulable longer than the limit (UnschedulableTimeout). */
  flushUnschedulableLeftover(): void {
    const now = this.#c.clock.now();
    const moved: QueuedPodInfo[] = [];
    for (const q of this.#unschedulable.values()) if (!q.gated && now - q.timestamp > this.#maxUnschedulable) moved.push(q);
    for (const q of moved) this.#requeue(q);
  }

  /** Backoff of a pod that failed `attempts` times: initial × 2^(attempts−1), at most max. */
  backoffDuration(attempts: number): number {
    let d = this.#initialBackoff;
    for (let i = 1; i < attempts; i++) {
      if (d > this.#maxBackoff - d) return this.#maxBackoff;
      d += d;
    }
    return Math.min(d, this.#maxBackoff);
  }

  #backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q.attempts);
  }

  #isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.#backoffExpiry(q) > this.#c.clock.now();
  }

  #requeue(q: QueuedPodInfo): void {
    this.#deleteUnschedulable(q.podInfo.key);
    if (this.#isBackingOff(q)) this.#backoff.addOrUpdate(q);
    else this.#pushActive(q);
  }

  #toActiveOrGated(q: QueuedPodInfo): void {
    if (this.#c.preEnqueue(q.podInfo) !== null) {
      q.gated = true;
      this.#unschedulable.set(q.podInfo.key, q);
      return;
    }
    q.gated = false;
    this.#pushActive(q);
  }

  #pushActive(q: QueuedPodInfo): void {
    this.#active.addOrUpdate(q);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #addUnschedulable(q: QueuedPodInfo): void {
    this.#unschedulable.set(q.podInfo.key, q);
    if (q.unschedulablePlugins.size === 0) this.#withoutPlugins++;
    for (const p of q.unschedulablePlugins) this.#pluginCounts.set(p, (this.#pluginCounts.get(p) ?? 0) + 1);
  }

  #deleteUnschedulable(key: string): void {
    const q = this.#unschedulable.get(key);
    if (!q) return;
    this.#unschedulable.delete(key);
    if (q.gated) return;
    if (q.unschedulablePlugins.size === 0) this.#withoutPlugins--;
    for (const p of q.unschedulablePlugins) {
      const n = (this.#pluginCounts.get(p) ?? 1) - 1;
      if (n > 0) this.#pluginCounts.set(p, n);
      else this.#pluginCounts.delete(p);
    }
  }

  #removeEverywhere(key: string): void {
    this.#active.delete(key);
    this.#backoff.delete(key);
    this.#deleteUnschedulable(key);
  }

  #anyInterested(event: ClusterEvent): boolean {
    if (event.resource === 'Wildcard' || this.#withoutPlugins > 0) return true;
    for (const plugin of this.#pluginCounts.keys()) if (interested(this.#c.pluginEvents(plugin), event)) return true;
    return false;
  }

  /** isPodWorthRequeuing without queueing hints: some rejecting plugin registered the event. */
  #worthRequeuing(q: QueuedPodInfo, event: ClusterEvent): boolean {
    if (event.resource === 'Wildcard' || q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) if (interested(this.#c.pluginEvents(plugin), event, q.podInfo)) return true;
    return false;
  }
}

/** Some interest matches the event (and its queueing hint, if any, says the pod may now fit). */
function interested(interests: readonly ClusterEventInterest[] | undefined, event: ClusterEvent, pod?: PodInfo): boolean {
  if (!interests) return false;
  for (const i of interests) {
    if (i.resource !== event.resource || (i.actions & event.actions) === 0) continue;
    if (!pod || !i.hint || i.hint(pod, event)) return true;
  }
  return false;
}

function activeLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const pa = a.podInfo.priority;
  const pb = b.podInfo.priority;
  if (pa !== pb) return pa > pb;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  if (a.podInfo.creationMs !== b.podInfo.creationMs) return a.podInfo.creationMs < b.podInfo.creationMs;
  return a.seq < b.seq;
}

/** isPodUpdated: anything but status and bookkeeping metadata changed. */
export function podChanged(old: PodInfo, next: PodInfo): boolean {
  const a = old.pod;
  const b = next.pod;
  if (a === b) return false;
  if (!jsonEqual(a.spec, b.spec)) return true;
  if (!jsonEqual(a.metadata.labels, b.metadata.labels)) return true;
  if (!jsonEqual(a.metadata.annotations, b.metadata.annotations)) return true;
  return a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp || a.metadata.finalizers?.length !== b.metadata.finalizers?.length;
}
