/**
 * Records core/v1 Events about objects, as client-go's event recorder does for
 * kube-controller-manager, the scheduler and the kubelet (so `kubectl describe` shows them):
 *  - an identical event (same object, type, reason and message from the same source) within the
 *    aggregation window increments `count` and `lastTimestamp` of the existing Event instead of
 *    creating a new one;
 *  - recording never blocks or fails the caller: events are written in the background through a
 *    bounded queue, and dropped (with a debug log) if the queue is full.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { rfc3339, type KubeObject, type ObjectReference } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import type { Clock } from '../util/clock.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /**
   * Records an event about `obj` (any object with kind and metadata). `fieldPath` names a part of
   * it (involvedObject.fieldPath: `spec.containers{web}` for a pod's container, as the kubelet does).
   */
  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export interface EventRecorderConfig {
  readonly client: Client;
  /** source.component / reportingComponent, e.g. `deployment-controller`, `default-scheduler`, `kubelet`. */
  readonly component: string;
  /** source.host (kubelet events carry the node name). */
  readonly host?: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Most events waiting to be written. */
  readonly maxQueue?: number;
  /** How long identical events are folded into one (client-go: 10 minutes). */
  readonly aggregationWindowMs?: number;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

interface Pending {
  ref: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  at: number;
}

const MAX_MESSAGE = 1024;
/** Event writes in flight at once per recorder. */
const MAX_IN_FLIGHT = 16;

/** Events with the same key fold into one Event (count, lastTimestamp). */
function aggregationKey(p: Pending): string {
  return JSON.stringify([p.ref.kind, p.ref.namespace, p.ref.name, p.ref.uid, p.ref.fieldPath, p.type, p.reason, p.message]);
}
const MAX_AGGREGATES = 4096;

export class ClientEventRecorder implements EventRecorder {
  readonly #c: EventRecorderConfig;
  readonly #queue: Pending[] = [];
  readonly #recent = new Map<string, Aggregate>();
  #draining = false;

  constructor(config: EventRecorderConfig) {
    this.#c = config;
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    if (this.#queue.length >= (this.#c.maxQueue ?? 1000)) {
      this.#c.logger.debug({ reason }, 'event queue full; dropping event');
      return;
    }
    const ref: ObjectReference = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
      fieldPath,
    };
    this.#queue.push({ ref, type, reason, message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message, at: this.#c.clock.now() });
    if (!this.#draining) {
      this.#draining = true;
      void this.#drain();
    }
  }

  /** Resolves when every queued event has been written (for tests and orderly shutdown). */
  async flush(): Promise<void> {
    for (let i = 0; i < 1000 && (this.#draining || this.#queue.length > 0); i++) await new Promise((r) => setImmediate(r));
  }

  /**
   * Writes queued events, up to MAX_IN_FLIGHT at a time so that they share the storage's group
   * commits: one at a time, a busy server (whose commits come once per event-loop turn) wrote a
   * few dozen events a second and dropped the rest once the queue was full. Events that fold into
   * one another (same aggregation key) are never in flight together: the later waits its turn.
   */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch: { p: Pending; key: string }[] = [];
        const keys = new Set<string>();
        for (let i = 0; i < this.#queue.length && batch.length < MAX_IN_FLIGHT; ) {
          const p = this.#queue[i];
          const key = aggregationKey(p);
          if (keys.has(key)) {
            i++;
            continue;
          }
          keys.add(key);
          batch.push({ p, key });
          this.#queue.splice(i, 1);
        }
        await Promise.all(
          batch.map(({ p, key }) =>
            this.#write(p, key).catch((e: unknown) => this.#c.logger.debug({ err: e instanceof Error ? e.message : String(e), reason: p.reason }, 'could not record event')),
          ),
        );
      }
    } finally {
      this.#draining = false;
    }
  }

  async #write(p: Pending, key: string): Promise<void> {
    const { client, clock } = this.#c;
    // Events about cluster-scoped objects live in the default namespace, as upstream records them.
    const namespace = p.ref.namespace || 'default';
    const window = this.#c.aggregationWindowMs ?? 600_000;
    this.#expire(p.at - window);
    const now = rfc3339(p.at);
    const agg = this.#recent.get(key);
    if (agg && p.at - agg.lastSeen < window) {
      try {
        await client.patch(resources.events, agg.namespace, agg.name, 'merge', { count: agg.count + 1, lastTimestamp: now });
        agg.count++;
        agg.lastSeen = p.at;
        // Re-insert so the map stays ordered by lastSeen (oldest first) for #expire.
        this.#recent.delete(key);
        this.#recent.set(key, agg);
        return;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
        this.#recent.delete(key);
      }
    }
    // client-go names events <object>.<UnixNano in hex>; the clock has milliseconds, so random low bits stand in.
    const name = `${p.ref.name ?? 'unknown'}.${(BigInt(clock.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 65_536))).toString(16)}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: Object.fromEntries(Object.entries(p.ref).filter(([, v]) => v !== undefined && v !== '')),
      reason: p.reason,
      message: p.message,
      type: p.type,
      source: this.#c.host ? { component: this.#c.component, host: this.#c.host } : { component: this.#c.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.#c.component,
      reportingInstance: this.#c.host ?? '',
    };
    await client.create(resources.events, namespace, event);
    this.#recent.set(key, { name, namespace, count: 1, firstTimestamp: now, lastSeen: p.at });
  }

  /**
   * Drops aggregates last seen before `before`, and the oldest beyond MAX_AGGREGATES (upstream
   * keeps an LRU of 4096). The map is in lastSeen order, so the scan stops at the first entry it
   * keeps: O(expired) per event, not O(size).
   */
  #expire(before: number): void {
    for (const [k, v] of this.#recent) {
      if (v.lastSeen >= before && this.#recent.size <= MAX_AGGREGATES) break;
      this.#recent.delete(k);
    }
  }
}
