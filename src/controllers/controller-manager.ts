/**
 * The controller manager: every control loop of the control plane, sharing one informer factory
 * (one list+watch per resource, for the whole process), run while this process holds the
 * `kube-controller-manager` Lease, so several servers on one datastore run each loop once.
 *
 * Losing the lease after having held it ends the term for good: like upstream components (and
 * k3s, which embeds them), the process is expected to exit and be restarted, which the
 * `onLostLeadership` callback arranges. Controllers are built once, at the first term.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Client } from '../client/client.js';
import { ClientEventRecorder, type EventRecorder } from '../events/event-recorder.js';
import { InformerFactory } from '../informer/informer-factory.js';
import { LeaderElector } from '../leaderelection/leader-elector.js';
import type { Clock } from '../util/clock.js';
import type { Controller, ControllerContext } from './framework/controller.js';

export interface ControllerManagerConfig {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Campaign for the kube-controller-manager Lease before running (default true). */
  readonly leaderElection?: boolean;
  /** Builds the controllers from the shared context (called once leadership is held). */
  readonly controllers: (ctx: ControllerContext) => readonly Controller[];
  /** Shared informer factory (the scheduler and simulator may share it); created if absent. */
  readonly informers?: InformerFactory;
  /** Called when leadership, once held, is lost while the manager still runs. */
  readonly onLostLeadership?: () => void;
}

/** The context every control loop gets: one client, the shared informers, events as `component`. */
export function controllerContext(config: { client: Client; informers: InformerFactory; clock: Clock; logger: Logger }): ControllerContext {
  const { client, informers, clock, logger } = config;
  return {
    client,
    informers,
    clock,
    logger,
    recorder: (component: string): EventRecorder => new ClientEventRecorder({ client, component, clock, logger: logger.child({ component: 'events' }) }),
  };
}

export class ControllerManager {
  readonly #c: ControllerManagerConfig;
  readonly #informers: InformerFactory;
  readonly #identity = `${hostname()}_${randomUUID()}`;

  constructor(config: ControllerManagerConfig) {
    this.#c = config;
    this.#informers = config.informers ?? new InformerFactory({ client: config.client, clock: config.clock, logger: config.logger.child({ component: 'informers' }) });
  }

  get informers(): InformerFactory {
    return this.#informers;
  }

  /** Runs until the signal aborts (or leadership is lost). */
  async run(signal: AbortSignal): Promise<void> {
    this.#informers.start(signal);
    if (this.#c.leaderElection === false) {
      await this.#lead(signal);
      return;
    }
    const elector = new LeaderElector({
      client: this.#c.client,
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      identity: this.#identity,
      clock: this.#c.clock,
      logger: this.#c.logger.child({ component: 'leader-election' }),
    });
    const term = new AbortController();
    const stopTerm = () => term.abort();
    signal.addEventListener('abort', stopTerm, { once: true });
    await elector.run(term.signal, async (leading) => {
      await this.#lead(leading);
      if (!signal.aborted) {
        this.#c.logger.error('lost the kube-controller-manager lease; controllers stopped');
        term.abort();
        this.#c.onLostLeadership?.();
      }
    });
    signal.removeEventListener('abort', stopTerm);
  }

  async #lead(signal: AbortSignal): Promise<void> {
    const { client, clock, logger } = this.#c;
    const ctx = controllerContext({ client, informers: this.#informers, clock, logger });
    // Every controller (and each of its informer waits) listens on the term's signal.
    setMaxListeners(0, signal);
    const controllers = this.#c.controllers(ctx);
    await Promise.all(
      controllers.map((c) =>
        c.run(signal).catch((e: unknown) => {
          if (!signal.aborted) logger.error({ err: e, controller: c.name }, 'controller stopped with an error');
        }),
      ),
    );
  }
}
