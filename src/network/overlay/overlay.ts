/**
 * The pod network of one node (flannel's job in k3s): the seam the agent composes.
 *
 *   const overlay = await startOverlay({ informers, nodeName, backend: 'vxlan', clusterCidr,
 *     uplink: 'eth0', ip: new ExecIpRunner({ logger }), iptables: new ExecIptablesRunner({ logger }),
 *     clock, logger }, signal);
 *   await overlay.stopped;            // after signal aborts (the network stays up)
 *   await overlay.cleanup();          // `lite agent --cleanup`
 *
 * Level-based: every Node change enqueues one key; the reconcile plans from all Nodes
 * (overlay-plan.ts) and brings the host there (overlay-reconciler.ts). Every `resyncMs`
 * (default 30 s) it looks again, which repairs a device, route or entry deleted by hand.
 * The uplink's MTU is read from the host on each reconcile.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { resources, type Client } from '../../client/client.js';
import { newQueue, runReconcileLoop } from '../../controllers/framework/controller.js';
import { InformerFactory } from '../../informer/informer-factory.js';
import type { IptablesRunner } from '../../proxy/iptables.js';
import type { Clock } from '../../util/clock.js';
import { overlayNode, planOverlay, type OverlayBackend, type OverlayConfig, type OverlayNode, type OverlayPlan } from './overlay-plan.js';
import { observe, OverlayReconciler, type IpRunner } from './overlay-reconciler.js';

export interface OverlayOptions {
  readonly informers?: InformerFactory;
  readonly client?: Client;
  readonly nodeName: string;
  readonly backend: OverlayBackend;
  readonly clusterCidr: string;
  readonly uplink: string;
  readonly vni?: number;
  readonly port?: number;
  readonly device?: string;
  readonly ip: IpRunner;
  readonly iptables: IptablesRunner;
  readonly resyncMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RunningOverlay {
  /** Resolves after the first reconcile that had this node's pod CIDR (or when the signal aborts). */
  readonly ready: Promise<void>;
  readonly stopped: Promise<void>;
  lastPlan(): OverlayPlan | undefined;
  cleanup(): Promise<void>;
}

const KEY = 'overlay';

export async function startOverlay(options: OverlayOptions, signal: AbortSignal): Promise<RunningOverlay> {
  const logger = options.logger.child({ component: 'overlay', node: options.nodeName, backend: options.backend });
  let informers = options.informers;
  let own = false;
  if (!informers) {
    if (!options.client) throw new Error('startOverlay needs informers or a client');
    informers = new InformerFactory({ client: options.client, clock: options.clock, logger });
    own = true;
  }
  const nodes = informers.informer(resources.nodes);
  const reconciler = new OverlayReconciler({ ip: options.ip, iptables: options.iptables, logger });
  const queue = newQueue(options.clock, { baseDelayMs: 500, maxDelayMs: 30_000 });
  const enqueue = () => queue.add(KEY);
  const unregister = nodes.addEventHandler({ onAdd: enqueue, onUpdate: (o: KubeObject, n: KubeObject) => o !== n && enqueue(), onDelete: enqueue });
  let last: OverlayPlan | undefined;
  let ownPodCidr: string | undefined;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => (resolveReady = r));
  signal.addEventListener('abort', () => resolveReady(), { once: true });

  const config = async (): Promise<OverlayConfig> => {
    const observed = await observe(options.ip, options.device ?? 'flannel.1');
    const uplink = observed.links.find((l) => l.name === options.uplink);
    if (!uplink) throw new Error(`uplink interface ${options.uplink} not found`);
    return { backend: options.backend, clusterCidr: options.clusterCidr, nodeName: options.nodeName, uplink: options.uplink, uplinkMtu: uplink.mtu, vni: options.vni, port: options.port, device: options.device };
  };

  const reconcile = async (): Promise<void> => {
    const infos = nodes.lister.list().map(overlayNode).filter((n): n is OverlayNode => n !== undefined);
    const self = infos.find((n) => n.name === options.nodeName);
    const cfg = await config();
    const plan = planOverlay(cfg, infos);
    if (!self) {
      logger.debug('this node has no pod CIDR or address yet; waiting');
      return;
    }
    ownPodCidr = self.podCidr;
    await reconciler.apply(cfg, plan, self.podCidr);
    last = plan;
    resolveReady();
  };

  let cancelResync = () => {};
  const scheduleResync = () => {
    cancelResync = options.clock.setTimer(options.resyncMs ?? 30_000, () => {
      if (signal.aborted) return;
      enqueue();
      scheduleResync();
    });
  };

  if (own) informers.start(signal);
  const stopped = (async () => {
    try {
      await nodes.waitForSync(signal);
      if (signal.aborted) return;
      enqueue();
      scheduleResync();
      await runReconcileLoop({ name: 'overlay', queue, reconcile: () => reconcile(), workers: 1, logger }, signal);
    } finally {
      cancelResync();
      unregister();
      if (own) await informers.stopped();
    }
  })();

  return {
    ready,
    stopped,
    lastPlan: () => last,
    cleanup: async () => reconciler.cleanup(await config(), ownPodCidr),
  };
}

/**
 * Removes the overlay device, peer routes (on `uplink`, host-gw) and flannel's masquerade chains
 * without running an overlay (`lite agent --cleanup`).
 */
export async function cleanupOverlay(options: { ip: IpRunner; iptables: IptablesRunner; clusterCidr: string; uplink?: string; device?: string; logger: Logger }): Promise<void> {
  const reconciler = new OverlayReconciler({ ip: options.ip, iptables: options.iptables, logger: options.logger });
  const config: OverlayConfig = { backend: 'vxlan', clusterCidr: options.clusterCidr, nodeName: '', uplink: options.uplink ?? '', ...(options.device ? { device: options.device } : {}) };
  await reconciler.cleanup(config, undefined);
}
