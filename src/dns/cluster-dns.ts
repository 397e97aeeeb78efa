/**
 * Cluster DNS: the seam the server composes (as k3s runs CoreDNS, but in-process).
 *
 *   const dns = await startClusterDns({ informers, listen: [{ address: '10.43.0.10', port: 53 }],
 *                                       clock, logger }, signal);
 *   dns.addresses  // bound addresses (ports resolved)
 *   await dns.closed  // after signal aborts
 *
 * Reads Services, EndpointSlices and Namespaces through shared informers (the process's
 * InformerFactory, or one of its own over `client`), answers the cluster zone (see
 * dns-records.ts) and forwards the rest to upstream resolvers (see upstream.ts). It listens as
 * soon as it is started; until the informers have synced, names it cannot find get SERVFAIL
 * rather than NXDOMAIN.
 *
 * Serving on the kube-dns Service IP (10.43.0.10) needs that address to reach this process: the
 * caller either binds it on a local interface or DNATs it to a listen address (lead's wiring).
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import { InformerFactory } from '../informer/informer-factory.js';
import type { SharedInformer } from '../informer/shared-informer.js';
import { BY_SERVICE_INDEX, byServiceIndexer, endpointSliceView, serviceView, type EndpointSliceView, type ServiceView } from '../network/service-views.js';
import type { Clock } from '../util/clock.js';
import { ClusterZone, type DnsData } from './dns-records.js';
import { DnsHandler } from './dns-handler.js';
import { startDnsServer } from './dns-server.js';
import { Forwarder, hostUpstreams, withoutSelf, type ListenAddress, type UpstreamAddress } from './upstream.js';

export interface ClusterDnsConfig {
  /** Shared informers of the process; or `client`, and the DNS runs informers of its own. */
  readonly informers?: InformerFactory;
  readonly client?: Client;
  readonly listen: readonly ListenAddress[];
  /** Cluster domain (default cluster.local). */
  readonly domain?: string;
  /** Upstream resolvers (default: the host's, see hostUpstreams). Self-references are dropped. */
  readonly upstreams?: readonly UpstreamAddress[];
  /** Per-upstream timeout (default 2000 ms). */
  readonly upstreamTimeoutMs?: number;
  /** Record TTL in seconds (default 5, as the CoreDNS kubernetes plugin). */
  readonly ttl?: number;
  /** The Service clients reach this DNS through; its cluster IPs are `ns.dns.<domain>` (default kube-system/kube-dns). */
  readonly dnsService?: { readonly namespace: string; readonly name: string };
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RunningClusterDns {
  readonly addresses: readonly ListenAddress[];
  readonly upstreams: readonly UpstreamAddress[];
  /** Resolves once the informers have listed everything (or the signal aborted). */
  readonly synced: Promise<void>;
  /** Resolves when the sockets are closed (and own informers stopped) after the signal aborted. */
  readonly closed: Promise<void>;
}

const BY_IP_INDEX = 'lite-dns-ip';
const BY_ADDRESS_INDEX = 'lite-dns-ready-address';

export async function startClusterDns(config: ClusterDnsConfig, signal: AbortSignal): Promise<RunningClusterDns> {
  const logger = config.logger.child({ component: 'cluster-dns' });
  let informers = config.informers;
  let ownInformers = false;
  if (!informers) {
    if (!config.client) throw new Error('startClusterDns needs informers or a client');
    informers = new InformerFactory({ client: config.client, clock: config.clock, logger });
    ownInformers = true;
  }
  const data = new InformerDnsData(informers, config.clock);
  const upstreams = withoutSelf(config.upstreams ?? hostUpstreams(), config.listen);
  if (upstreams.length === 0) logger.warn('no upstream resolvers: names outside the cluster get SERVFAIL');
  const forwarder = new Forwarder({ upstreams, timeoutMs: config.upstreamTimeoutMs, clock: config.clock, logger });
  const dnsService = config.dnsService ?? { namespace: 'kube-system', name: 'kube-dns' };
  let boundAddresses: readonly ListenAddress[] = [];
  const zone = new ClusterZone({
    domain: config.domain ?? 'cluster.local',
    data,
    ttl: config.ttl,
    nameservers: () => {
      const svc = data.service(dnsService.namespace, dnsService.name);
      if (svc && svc.clusterIPs.length > 0) return svc.clusterIPs;
      return boundAddresses.map((a) => a.address).filter((a) => a !== '0.0.0.0' && a !== '::');
    },
    lookupUpstream: (name, type) => forwarder.lookup(name, type, signal),
  });
  const handler = new DnsHandler({ zone, forwarder, logger });
  if (ownInformers) informers.start(signal);
  const server = await startDnsServer({ listen: config.listen, handler: (q, t, s) => handler.handle(q, t, s), clock: config.clock, logger }, signal);
  boundAddresses = server.addresses;
  const synced = data.waitForSync(signal);
  void synced.then(() => !signal.aborted && logger.debug('cluster DNS informers synced'));
  const closed = (async () => {
    await server.closed;
    if (ownInformers) await informers.stopped();
  })();
  return { addresses: server.addresses, upstreams, synced, closed };
}

/** DnsData over shared informers, with views cached per object. */
export class InformerDnsData implements DnsData {
  readonly #services: SharedInformer;
  readonly #slices: SharedInformer;
  readonly #namespaces: SharedInformer;
  readonly #svcViews = new WeakMap<KubeObject, ServiceView>();
  readonly #sliceViews = new WeakMap<KubeObject, EndpointSliceView>();
  readonly #clock: Clock;
  #serial: number;

  constructor(informers: InformerFactory, clock: Clock) {
    this.#clock = clock;
    this.#serial = Math.floor(clock.now() / 1000);
    this.#services = informers.informer(resources.services);
    this.#slices = informers.informer(resources.endpointslices);
    this.#namespaces = informers.informer(resources.namespaces);
    this.#services.addIndexers({
      [BY_IP_INDEX]: (o) => {
        const v = serviceView(o);
        return [...v.clusterIPs, ...v.externalIPs];
      },
    });
    this.#slices.addIndexers({
      [BY_SERVICE_INDEX]: byServiceIndexer,
      [BY_ADDRESS_INDEX]: (o) => endpointSliceView(o).endpoints.filter((e) => e.ready).flatMap((e) => e.addresses),
    });
    const touch = () => {
      this.#serial = Math.floor(this.#clock.now() / 1000);
    };
    for (const inf of [this.#services, this.#slices, this.#namespaces]) inf.addEventHandler({ onAdd: touch, onUpdate: (o, n) => o !== n && touch(), onDelete: touch });
  }

  waitForSync(signal: AbortSignal): Promise<void> {
    return Promise.all([this.#services.waitForSync(signal), this.#slices.waitForSync(signal), this.#namespaces.waitForSync(signal)]).then(() => undefined);
  }

  synced(): boolean {
    return this.#services.hasSynced() && this.#slices.hasSynced() && this.#namespaces.hasSynced();
  }

  namespaceExists(namespace: string): boolean {
    return this.#namespaces.lister.get(undefined, namespace) !== undefined;
  }

  service(namespace: string, name: string): ServiceView | undefined {
    const o = this.#services.lister.get(namespace, name);
    return o ? this.#svcView(o) : undefined;
  }

  endpointSlices(namespace: string, service: string): EndpointSliceView[] {
    return this.#slices.lister.byIndex(BY_SERVICE_INDEX, `${namespace}/${service}`).map((o) => this.#sliceView(o));
  }

  servicesByIp(ip: string): ServiceView[] {
    return this.#services.lister.byIndex(BY_IP_INDEX, ip).map((o) => this.#svcView(o));
  }

  endpointSlicesByAddress(ip: string): EndpointSliceView[] {
    return this.#slices.lister.byIndex(BY_ADDRESS_INDEX, ip).map((o) => this.#sliceView(o));
  }

  serial(): number {
    return this.#serial;
  }

  #svcView(o: KubeObject): ServiceView {
    let v = this.#svcViews.get(o);
    if (!v) this.#svcViews.set(o, (v = serviceView(o)));
    return v;
  }

  #sliceView(o: KubeObject): EndpointSliceView {
    let v = this.#sliceViews.get(o);
    if (!v) this.#sliceViews.set(o, (v = endpointSliceView(o)));
    return v;
  }
}
