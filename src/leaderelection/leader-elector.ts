/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection with a
 * LeaseLock: several `lite server` processes on one datastore run each control loop once.
 *
 * A candidate takes the lease when it is free or when its holder has not renewed it within
 * `leaseDurationMs` (measured on the candidate's own clock from when it last saw the lease
 * change, so clock skew between servers does not matter). The leader renews every `retryPeriodMs`;
 * if it cannot renew within `renewDeadlineMs` it steps down: the leader signal aborts and the
 * elector campaigns again.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject, rfc3339Micro, type KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import type { Clock } from '../util/clock.js';

export interface LeaderElectorConfig {
  readonly client: Client;
  readonly namespace: string;
  /** Lease name, e.g. `kube-controller-manager`. */
  readonly name: string;
  /** This candidate (unique per process). */
  readonly identity: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

interface Observed {
  holder: string;
  resourceVersion: string;
  /** When this candidate last saw the lease record change (its own clock). */
  at: number;
}

export class LeaderElector {
  readonly #c: Required<Omit<LeaderElectorConfig, 'logger' | 'client' | 'clock'>> & Pick<LeaderElectorConfig, 'logger' | 'client' | 'clock'>;
  #observed: Observed | undefined;
  #leading = false;

  constructor(config: LeaderElectorConfig) {
    this.#c = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...config };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until `signal` aborts. While leading, `lead(leaderSignal)` runs; the leader signal
   * aborts when leadership is lost or the elector stops. On stop the lease is released.
   */
  async run(signal: AbortSignal, lead: (leaderSignal: AbortSignal) => Promise<void> | void): Promise<void> {
    const { clock, logger } = this.#c;
    while (!signal.aborted) {
      if (!(await this.#tryAcquireOrRenew())) {
        await clock.sleep(this.#c.retryPeriodMs, signal).catch(() => undefined);
        continue;
      }
      // Stopped while the acquire was in flight: the 'abort' listener below would never fire
      // (the signal has already fired), so the leader loop would renew forever. Give the lease back.
      if (signal.aborted) {
        await this.#release();
        break;
      }
      logger.info({ lease: `${this.#c.namespace}/${this.#c.name}`, identity: this.#c.identity }, 'became leader');
      this.#leading = true;
      const leader = new AbortController();
      const onStop = () => leader.abort();
      signal.addEventListener('abort', onStop, { once: true });
      const work = Promise.resolve()
        .then(() => lead(leader.signal))
        .catch((e: unknown) => logger.error({ err: e }, 'leader work failed'));
      let lastRenew = clock.now();
      while (!leader.signal.aborted) {
        await clock.sleep(this.#c.retryPeriodMs, leader.signal).catch(() => undefined);
        if (leader.signal.aborted) break;
        if (await this.#tryAcquireOrRenew()) lastRenew = clock.now();
        else if (clock.now() - lastRenew >= this.#c.renewDeadlineMs) {
          logger.warn({ lease: this.#c.name }, 'could not renew the lease in time; stepping down');
          leader.abort();
        }
      }
      signal.removeEventListener('abort', onStop);
      this.#leading = false;
      await work;
      if (signal.aborted) await this.#release();
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, clock } = this.#c;
    const now = clock.now();
    const spec = (holder: string, acquire: string | undefined, transitions: number) => ({
      holderIdentity: holder,
      leaseDurationSeconds: Math.ceil(this.#c.leaseDurationMs / 1000),
      acquireTime: acquire ?? rfc3339Micro(now),
      renewTime: rfc3339Micro(now),
      leaseTransitions: transitions,
    });
    let lease: KubeObject;
    try {
      lease = await client.get(resources.leases, namespace, name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) return false;
      try {
        const created = await client.create(resources.leases, namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec(identity, undefined, 0) });
        this.#observed = { holder: identity, resourceVersion: created.metadata.resourceVersion ?? '', at: now };
        return true;
      } catch {
        return false;
      }
    }
    const s = isJsonObject(lease.spec) ? lease.spec : {};
    const holder = typeof s.holderIdentity === 'string' ? s.holderIdentity : '';
    const rv = lease.metadata.resourceVersion ?? '';
    if (!this.#observed || this.#observed.resourceVersion !== rv) this.#observed = { holder, resourceVersion: rv, at: now };
    const durationMs = (typeof s.leaseDurationSeconds === 'number' ? s.leaseDurationSeconds : 15) * 1000;
    if (holder !== '' && holder !== identity && now < this.#observed.at + durationMs) return false;
    const transitions = (typeof s.leaseTransitions === 'number' ? s.leaseTransitions : 0) + (holder === identity ? 0 : 1);
    const acquire = holder === identity && typeof s.acquireTime === 'string' ? s.acquireTime : undefined;
    try {
      const updated = await client.update(resources.leases, namespace, { ...lease, spec: spec(identity, acquire, transitions) });
      this.#observed = { holder: identity, resourceVersion: updated.metadata.resourceVersion ?? '', at: now };
      return true;
    } catch {
      return false;
    }
  }

  /** Gives the lease up so another candidate need not wait for it to expire. */
  async #release(): Promise<void> {
    const { client, namespace, name, identity } = this.#c;
    try {
      const lease = await client.get(resources.leases, namespace, name);
      const s = isJsonObject(lease.spec) ? lease.spec : {};
      if (s.holderIdentity !== identity) return;
      await client.update(resources.leases, namespace, { ...lease, spec: { ...s, holderIdentity: '', leaseDurationSeconds: 1 } });
    } catch (e) {
      this.#c.logger.debug({ err: e }, 'could not release the lease');
    }
  }
}
