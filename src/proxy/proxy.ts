/**
 * kube-proxy (iptables mode) for one node: the seam the agent composes.
 *
 *   const proxy = await startProxy({ informers, nodeName, nodeIps, clusterCidr,
 *                                    iptables: new ExecIptablesRunner({ logger }), clock, logger }, signal);
 *   await proxy.synced;        // first rules in place
 *   await proxy.stopped;       // after signal aborts (rules stay, as kube-proxy leaves them)
 *   await proxy.cleanup();     // `lite agent --cleanup`: remove every rule and chain it added
 *
 * Level-based: every Service or EndpointSlice change enqueues one key; the reconcile recomputes
 * the whole ruleset from the informer caches (proxier-rules.ts) and applies what changed
 * (iptables-syncer.ts). Nothing is written before both informers have synced (a partial view
 * would drop rules). Every `resyncMs` (default 30 s, kube-proxy's --iptables-sync-period) a full
 * sync rewrites all our chains and jumps, repairing anything deleted by hand; a failed restore is
 * retried with the work queue's backoff and makes the next sync a full one.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import { newQueue, runReconcileLoop } from '../controllers/framework/controller.js';
import { InformerFactory } from '../informer/informer-factory.js';
import { BY_SERVICE_INDEX, byServiceIndexer, endpointSliceView, serviceView, type EndpointSliceView, type ServiceView } from '../network/service-views.js';
import type { Clock } from '../util/clock.js';
import type { IptablesRunner } from './iptables.js';
import { IptablesSyncer, type SyncKind } from './iptables-syncer.js';
import { computeRules, type Ruleset } from './proxier-rules.js';

export interface ProxyConfig {
  /** Shared informers of the process; or `client`, and the proxy runs informers of its own. */
  readonly informers?: InformerFactory;
  readonly client?: Client;
  readonly nodeName: string;
  readonly nodeIps: readonly string[];
  /** Pod network of the cluster (traffic from outside it to cluster IPs is masqueraded). */
  readonly clusterCidr?: string;
  /** Addresses NodePorts answer on (default: all local addresses, 127.0.0.0/8 included). */
  readonly nodePortAddresses?: readonly string[];
  readonly iptables: IptablesRunner;
  /** Full resync period (default 30 000 ms). */
  readonly resyncMs?: number;
  readonly masqueradeBit?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after every sync attempt that wrote or checked rules (bench, metrics). */
  readonly onSync?: (result: ProxySyncResult) => void;
}

export interface ProxySyncResult {
  readonly kind: SyncKind;
  readonly durationMs: number;
  readonly at: number;
}

export interface RunningProxy {
  /** Resolves after the first successful sync (or when the signal aborts first). */
  readonly synced: Promise<void>;
  /** Resolves when the loop has ended after the signal aborted. */
  readonly stopped: Promise<void>;
  /** The ruleset of the last sync (for status and tests). */
  lastRuleset(): Ruleset | undefined;
  /** Removes every rule and chain this proxy adds (call after `stopped`, or instead of starting). */
  cleanup(): Promise<void>;
}

const SYNC_KEY = 'sync';

export async function startProxy(config: ProxyConfig, signal: AbortSignal): Promise<RunningProxy> {
  const logger = config.logger.child({ component: 'proxy', node: config.nodeName });
  let informers = config.informers;
  let own = false;
  if (!informers) {
    if (!config.client) throw new Error('startProxy needs informers or a client');
    informers = new InformerFactory({ client: config.client, clock: config.clock, logger });
    own = true;
  }
  const services = informers.informer(resources.services);
  const slices = informers.informer(resources.endpointslices);
  slices.addIndexers({ [BY_SERVICE_INDEX]: byServiceIndexer });
  const syncer = new IptablesSyncer({ runner: config.iptables, logger });
  const queue = newQueue(config.clock, { baseDelayMs: 500, maxDelayMs: 30_000 });
  const views = new ViewCache();
  const resyncMs = config.resyncMs ?? 30_000;
  let needFull = true;
  let last: Ruleset | undefined;
  let resolveSynced: () => void = () => {};
  const synced = new Promise<void>((r) => (resolveSynced = r));
  signal.addEventListener('abort', () => resolveSynced(), { once: true });

  const enqueue = () => queue.add(SYNC_KEY);
  const handler = { onAdd: enqueue, onUpdate: (o: KubeObject, n: KubeObject) => o !== n && enqueue(), onDelete: enqueue };
  const unregister = [services.addEventHandler(handler), slices.addEventHandler(handler)];

  const reconcile = async (): Promise<void> => {
    const started = config.clock.now();
    const ruleset = computeRules({
      services: services.lister.list().map((o) => views.service(o)),
      endpointSlices: (ns, name) => slices.lister.byIndex(BY_SERVICE_INDEX, `${ns}/${name}`).map((o) => views.slice(o)),
      nodeName: config.nodeName,
      nodeIps: config.nodeIps,
      clusterCidr: config.clusterCidr,
      nodePortAddresses: config.nodePortAddresses,
      masqueradeBit: config.masqueradeBit,
    });
    const full = needFull;
    needFull = false;
    let kind: SyncKind;
    try {
      kind = await syncer.sync(ruleset, full);
    } catch (e) {
      needFull = true;
      throw e;
    }
    last = ruleset;
    const durationMs = config.clock.now() - started;
    if (kind !== 'unchanged') logger.debug({ kind, durationMs, natChains: ruleset.nat.size }, 'iptables rules synced');
    config.onSync?.({ kind, durationMs, at: config.clock.now() });
    resolveSynced();
  };

  let cancelResync = () => {};
  const scheduleResync = () => {
    cancelResync = config.clock.setTimer(resyncMs, () => {
      if (signal.aborted) return;
      needFull = true;
      enqueue();
      scheduleResync();
    });
  };

  if (own) informers.start(signal);
  const stopped = (async () => {
    try {
      await Promise.all([services.waitForSync(signal), slices.waitForSync(signal)]);
      if (signal.aborted) return;
      enqueue();
      scheduleResync();
      await runReconcileLoop({ name: 'proxy', queue, reconcile: () => reconcile(), workers: 1, logger }, signal);
    } finally {
      cancelResync();
      for (const u of unregister) u();
      if (own) await informers.stopped();
    }
  })();

  return {
    synced,
    stopped,
    lastRuleset: () => last,
    cleanup: () => syncer.cleanup(),
  };
}

/** Removes lite's proxy rules without running a proxy (`lite agent --cleanup`). */
export function cleanupProxyRules(iptables: IptablesRunner, logger: Logger): Promise<void> {
  return new IptablesSyncer({ runner: iptables, logger }).cleanup();
}

/** Views computed once per object version (informer objects are immutable and replaced on change). */
class ViewCache {
  readonly #services = new WeakMap<KubeObject, ServiceView>();
  readonly #slices = new WeakMap<KubeObject, EndpointSliceView>();

  service(o: KubeObject): ServiceView {
    let v = this.#services.get(o);
    if (!v) this.#services.set(o, (v = serviceView(o)));
    return v;
  }

  slice(o: KubeObject): EndpointSliceView {
    let v = this.#slices.get(o);
    if (!v) this.#slices.set(o, (v = endpointSliceView(o)));
    return v;
  }
}

