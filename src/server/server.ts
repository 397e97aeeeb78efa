/**
 * The composition root of `lite server`: builds every control-plane component from one config
 * object, starts them in order behind readiness signals, and stops them in reverse.
 *
 *   service-account key → storage backend → watch bus → registry (built-in resources, TokenRequest,
 *   admission) → API server (HTTPS; client certificates, admin and service-account tokens)
 *   → bootstrap objects → controllers (namespace, CRD serving) → ready
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { nthAddress } from '../util/ipv4.js';
import { ApiServerMetrics } from '../apiserver/api-metrics.js';
import { ComponentLoop, componentStatusReader, type ComponentProbe } from '../apiserver/component-statuses.js';
import { nodeMetricsReader, podMetricsReader } from '../metrics-server/metrics-api.js';
import { kubeletSummarySource, MetricsScraper } from '../metrics-server/metrics-scraper.js';
import type { VirtualReader } from '../apiserver/resource-handler.js';
import { createApiApp, type HealthCheck } from '../apiserver/app.js';
import { ClientCertAuthenticator, StaticTokenAuthenticator, UnionAuthenticator, withAuthenticated } from '../apiserver/authn.js';
import { openIdDiscoveryRoutes } from '../apiserver/extensions/openid-discovery.js';
import { serviceAccountSubresourceHandlers } from '../apiserver/extensions/serviceaccounts.js';
import { DEFAULT_ISSUER } from '../serviceaccount/claims.js';
import { ServiceAccountTokenAuthenticator, TokenSigner } from '../serviceaccount/jwt.js';
import { registryBoundObjectGetter, tokenObjectGetter } from '../serviceaccount/registry-getter.js';
import { ensureServiceAccountKey } from '../serviceaccount/signing-key.js';
import { Discovery } from '../apiserver/discovery.js';
import { byNodeName, INDEX } from '../informer/indexers.js';
import { builtinGroupVersions } from '../api/builtin-resources.js';
import { AggregationProxy } from '../aggregator/aggregation-proxy.js';
import { publishAuthenticationTrust } from '../aggregator/authentication-configmap.js';
import { AvailabilityController } from '../aggregator/availability-controller.js';
import { BackendClient } from '../aggregator/backend-client.js';
import { LocalApiServiceRegistration } from '../aggregator/local-apiservices.js';
import { bindingCreateHandler, podSubresourceHandlers } from '../apiserver/extensions/pods.js';
import { podStreamHandlers } from '../apiserver/extensions/pod-streams.js';
import { AgentDialer } from '../apiserver/extensions/backend-dialer.js';
import { proxyHandlers } from '../apiserver/extensions/proxy.js';
import { serviceLocation, type ProxyObjects } from '../apiserver/extensions/proxy-location.js';
import { reviewHandlers, tokenRequest } from '../apiserver/extensions/reviews.js';
import { OpenApi } from '../apiserver/openapi.js';
import { OpenApiV2 } from '../apiserver/openapi-v2.js';
import { ClusterAuthorizer } from '../auth/cluster-authorizer.js';
import { informerRbacSource } from '../auth/rbac/informer-source.js';
import { RbacAuthorizer } from '../auth/rbac/rbac-authorizer.js';
import { reconcileBootstrapPolicy } from '../auth/rbac/reconcile-policy.js';
import { nodePassword } from '../agent/join.js';
import { superviseEmbeddedAgent, type EmbeddedAgentConfig, type EmbeddedAgentHandle, type RunningAgent } from '../agent/agent.js';
import { ApiError } from '../api/errors.js';
import { resources, type Client } from '../client/client.js';
import { ControllerManager, controllerContext } from '../controllers/controller-manager.js';
import { KUBE_CONTROLLER_MANAGER } from '../controllers/framework/controller.js';
import { InformerFactory } from '../informer/informer-factory.js';
import { Scheduler } from '../scheduler/index.js';
import { NodeSimulator, type NodeSimulatorConfig } from '../simulator/node-simulator.js';
import { Registry } from '../registry/registry.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { SqliteBackend } from '../storage/sqlite/sqlite-backend.js';
import { KubeletTunnels, tunnelRoute } from '../tunnel/kubelet-tunnels.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { KUBERNETES_MINOR, KUBERNETES_VERSION, LITE_VERSION } from '../version.js';
import { buildApiCore } from './api-core.js';
import { removeIngressService, startIngress } from '../ingress/ingress.js';
import { connectOptions } from '../admission/webhook/connect-options.js';
import { controllerSet } from './controllers.js';
import { joinRoutes } from './join/join-routes.js';
import { JoinTokens } from './join/join-token.js';
import { NodeIdentities } from './join/node-identity.js';
import { bootstrapCluster } from './bootstrap.js';
import { serverPaths } from './data-dir.js';
import { listenHttps, type HttpsListener } from './https-listener.js';
import { startClusterDns, type RunningClusterDns } from '../dns/cluster-dns.js';
import { ensureKubeDnsService } from '../dns/kube-dns-service.js';
import type { UpstreamAddress } from '../dns/upstream.js';
import { ensureClusterPki } from './pki-setup.js';

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

export interface ServerConfig {
  readonly dataDir: string;
  readonly bindAddress: string;
  /** 0 picks a free port (tests). */
  readonly httpsPort: number;
  readonly tlsSans: readonly string[];
  /** Address written into the kubeconfig and the kubernetes endpoints. */
  readonly advertiseAddress?: string;
  readonly kubeconfigPath: string;
  readonly kubeconfigMode?: number;
  readonly serviceCidr: string;
  /** Pod addresses, one /24 per node (default 10.42.0.0/16, as k3s). */
  readonly clusterCidr?: string;
  readonly nodePortRange: readonly [number, number];
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** 'sqlite' (default, in the data dir) or 'memory' (tests). */
  readonly datastore?: 'sqlite' | 'memory';
  /**
   * Where SQLite applies and fsyncs writes (default 'inline': the main thread). 'thread' hands
   * every group commit to a writer thread, so a slow fsync (network disks, HDDs) no longer stalls
   * the event loop, at ≈ 10% more CPU per write (thread hand-offs). On this project's 2-core bench
   * machine (fast local disk) it measured no throughput gain in alternating A/B runs of the
   * scheduler bench (557 vs 559 pods/s), hence the default (see SqliteBackendConfig.writer).
   */
  readonly datastoreWriter?: 'thread' | 'inline';
  /**
   * Called if the controller manager loses its lease after holding it (another server on the
   * same datastore took over); the CLI exits so the process restarts, as upstream components do.
   */
  readonly onLostLeadership?: () => void;
  /** Run without the controller manager / the scheduler (k3s --disable-controller-manager …). */
  readonly disableControllerManager?: boolean;
  readonly disableScheduler?: boolean;
  /**
   * Do not scrape the kubelets nor serve metrics.k8s.io (k3s --disable metrics-server): `kubectl top`
   * then says the Metrics API is not available.
   */
  readonly disableMetricsServer?: boolean;
  /** Time between scrapes of the kubelets' stats (default 15 s, as k3s' metrics-server). */
  readonly metricResolutionMs?: number;
  /** Time between two looks of the HPA controller at an autoscaler (default 15 s, --horizontal-pod-autoscaler-sync-period). */
  readonly hpaSyncPeriodMs?: number;
  /** Silence after which the node lifecycle controller marks a node Unknown (default 40 s). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** Simulated nodes (kwok-like kubelets without containers) registered at start. */
  readonly simulatedNodes?: SimulatedNodesConfig;
  /** Background compaction of old revisions (default every 5 minutes, keeping 1000). */
  readonly compaction?: { readonly intervalMs: number; readonly retainRevisions: number };
  /**
   * The embedded agent (a node on this host, as k3s runs one): absent = control plane only
   * (`--disable-agent`, simulated nodes, tests). Its node IP defaults to the advertise address.
   */
  readonly agent?: EmbeddedNodeConfig;
  /**
   * Cluster DNS in the server (as k3s deploys CoreDNS): listens on the embedded node's IP (else
   * the advertise address) at `port` (UDP and TCP), behind the kube-dns Service at the 10th
   * address of the service CIDR. Absent: no cluster DNS.
   */
  readonly clusterDns?: ClusterDnsSettings;
  /** Run ServiceLB in the controller manager (default true). */
  readonly serviceLb?: boolean;
  /**
   * The ingress controller (k3s bundles Traefik): serves Ingresses of the `lite` IngressClass on
   * these ports of the bind address (0: any free port). Absent: no ingress controller.
   */
  readonly ingress?: { readonly httpPort: number; readonly httpsPort: number };
  /**
   * Where the local-path provisioner creates volumes on the nodes (k3s
   * --default-local-storage-path; default `<dataDir>/storage`). The embedded agent cleans up there.
   */
  readonly localStoragePath?: string;
}

export interface ClusterDnsSettings {
  /** 0: any free port. If the port is taken, a free one is used (and published in the kube-dns EndpointSlice). */
  readonly port: number;
  readonly domain?: string;
  /** Upstream resolvers (default: the host's resolv.conf). */
  readonly upstreams?: readonly UpstreamAddress[];
}

export type EmbeddedNodeConfig = Omit<EmbeddedAgentConfig, 'client' | 'kubelets' | 'dataDir' | 'clock' | 'logger'> & {
  /** How often to retry while the container runtime is unreachable (default 5 s). */
  readonly retryMs?: number;
};

export type SimulatedNodesConfig = Pick<NodeSimulatorConfig, 'count' | 'capacity' | 'labels' | 'taints' | 'namePrefix' | 'podStartDelayMs'>;

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  /** CA certificate (PEM) clients should trust. */
  readonly caCertPem: string;
  readonly adminToken: string;
  /** The join token agents use (`lite agent --token`). */
  readonly joinToken: string;
  readonly registry: Registry;
  readonly client: Client;
  /**
   * Kubelet connections by node: agents' tunnels register here by themselves; the embedded
   * agent registers its in-process link with `kubelets.registerDirect(node, directConnection(handler))`.
   */
  readonly kubelets: KubeletTunnels;
  /** The embedded agent, when configured: running, or the reason it is not (yet). */
  readonly embeddedAgent?: { readonly agent: RunningAgent | undefined; readonly problem: string | undefined; whenRunning(signal?: AbortSignal): Promise<RunningAgent> };
  /** The ingress controller's listening ports, when it runs. */
  readonly ingress?: { readonly httpPort: number; readonly httpsPort: number };
  stop(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = config.logger ?? silentLogger;
  const clock = config.clock ?? systemClock;
  const paths = serverPaths(config.dataDir);
  const localStoragePath = config.localStoragePath ?? join(config.dataDir, 'storage');
  mkdirSync(dirname(paths.database), { recursive: true, mode: 0o700 });
  const stopping = new AbortController();
  // Every component and informer of the process listens on this one signal.
  setMaxListeners(0, stopping.signal);
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    stopping.abort();
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log.error({ err: e }, 'error while stopping');
      }
    }
  };

  try {
    const kubernetesServiceIp = nthAddress(config.serviceCidr, 1);
    const hostAddresses = localAddresses();
    const advertise = config.advertiseAddress ?? hostAddresses[0] ?? '127.0.0.1';

    // ---- service-account signing key (created once, like the other PKI) ----
    const saKey = ensureServiceAccountKey(paths.tls, log);
    if (saKey.generated) log.info({ dir: paths.tls }, 'service-account signing key created');
    const apiAudiences = [DEFAULT_ISSUER];
    const saSigner = new TokenSigner(saKey);

    // ---- storage, watch fan-out, registry ----
    const core = await buildApiCore({
      serviceAccounts: { signer: saSigner, issuer: DEFAULT_ISSUER, audiences: apiAudiences },
      backend:
        config.datastore === 'memory'
          ? new MemoryBackend({ logger: log, clock, ...(config.compaction ? { compaction: config.compaction } : {}) })
          : new SqliteBackend({
              path: paths.database,
              logger: log,
              clock,
              writer: config.datastoreWriter === 'thread' ? 'worker' : 'inline',
              ...(config.compaction ? { compaction: config.compaction } : {}),
            }),
      serviceCidr: config.serviceCidr,
      nodePortRange: config.nodePortRange,
      clock,
      logger: log,
      signal: stopping.signal,
    });
    cleanups.push(() => core.close());
    const { registry, client, modules } = core;

    // ---- PKI (fast: EC keys) ----
    const pki = await ensureClusterPki({
      dir: paths.tls,
      hostnames: [...config.tlsSans.filter((s) => !isIp(s))],
      ips: [...config.tlsSans.filter(isIp), ...(config.advertiseAddress ? [config.advertiseAddress] : [])],
      serviceIp: kubernetesServiceIp,
      clock,
      logger: log,
    });

    // ---- API server ----
    const staticTokens = new StaticTokenAuthenticator([{ token: pki.adminToken, user: { username: 'system:admin', groups: ['system:masters'] } }]);
    const serviceAccountTokens = new ServiceAccountTokenAuthenticator({
      publicKeyPems: [saKey.publicKeyPem],
      issuer: DEFAULT_ISSUER,
      audiences: apiAudiences,
      getter: tokenObjectGetter(registryBoundObjectGetter(registry)),
      clock,
      logger: log.child({ component: 'serviceaccount-tokens' }),
    });
    const authenticator = new UnionAuthenticator([staticTokens, serviceAccountTokens, new ClientCertAuthenticator()]);
    // One informer factory for the authorizer, the controllers, the scheduler and the simulated
    // kubelets: each resource is listed and watched once per process.
    const informers = new InformerFactory({ client, clock, logger: log.child({ component: 'informers' }) });
    informers.start(stopping.signal);
    const rbac = new RbacAuthorizer(informerRbacSource(informers));
    // The Node authorizer's graph: pods by the node they are bound to.
    const podInformerForNodes = informers.informer(resources.pods);
    podInformerForNodes.addIndexers({ [INDEX.nodeName]: byNodeName });
    const authorizer = new ClusterAuthorizer(rbac, { podsOn: (node) => podInformerForNodes.lister.byIndex(INDEX.nodeName, node) });
    core.rbacEscalation.setAuthorizer(authorizer);
    core.certificates.setAuthorizer(authorizer);
    let ready = false;
    let rbacPolicyReady = false;
    const readyChecks: HealthCheck[] = [
      { name: 'ping', check: () => true },
      { name: 'etcd', check: () => !stopping.signal.aborted },
      { name: 'bootstrap-objects', check: () => ready },
      { name: 'poststarthook/rbac/bootstrap-roles', check: () => rbacPolicyReady && rbac.synced },
    ];
    const subresources = podSubresourceHandlers({ registry, now: () => clock.now(), selectorFromObject: modules.labelSelectorFromObject });
    // pods/log, exec, attach, portforward reach kubelets through their tunnels (or the embedded link).
    const kubelets = new KubeletTunnels({ clock, logger: log });
    cleanups.push(() => kubelets.close());
    for (const [key, handler] of podStreamHandlers({ kubelets, logger: log.child({ component: 'apiserver' }) })) subresources.set(key, handler);
    // pods/proxy, services/proxy, nodes/proxy: backends are dialled by the agent of their node.
    const proxyDialer = new AgentDialer({
      kubelets,
      clock,
      ...(config.agent ? { localNode: config.agent.nodeName } : {}),
      nodes: {
        get: (name) => client.get(resources.nodes, undefined, name).catch((e: unknown) => (e instanceof ApiError && e.code === 404 ? undefined : Promise.reject(e))),
        list: async () => (await client.list(resources.nodes, undefined)).items,
      },
    });
    const proxyObjects: ProxyObjects = {
      getPod: (ns, name) => client.get(resources.pods, ns, name),
      getService: (ns, name) => client.get(resources.services, ns, name),
      getNode: (name) => client.get(resources.nodes, undefined, name),
      serviceSlices: async (ns, service) => (await client.list(resources.endpointslices, ns, { labelSelector: `kubernetes.io/service-name=${service}` })).items,
    };
    for (const [key, handler] of proxyHandlers({ objects: proxyObjects, dialer: proxyDialer, kubelets, logger: log.child({ component: 'apiserver' }) })) subresources.set(key, handler);
    // Admission webhooks behind a Service are reached as services/proxy reaches its backends.
    core.webhookClient.setServiceDialer(async (namespace, name, port, signal) => {
      const location = await serviceLocation(proxyObjects, namespace, `${name}:${port}`);
      if (location.kind !== 'backend') throw new Error(`service "${name}" has no network endpoint`);
      return proxyDialer.dial({ host: location.host, port: location.port, ...(location.node ? { node: location.node } : {}) }, signal);
    });
    for (const [key, handler] of serviceAccountSubresourceHandlers({ tokenRequests: core.tokenRequests, getPod: (ns, name) => client.get(resources.pods, ns, name).catch((e: unknown) => (e instanceof ApiError && e.code === 404 ? undefined : Promise.reject(e))) })) subresources.set(key, handler);
    // CONNECT requests and evictions go to the admission webhooks first, as kube-apiserver's
    // handlers ask its admission chain.
    for (const [key, handler] of subresources) {
      const [, resource = '', subresource = ''] = key.split('/');
      const isConnect = connectOptions(resource, subresource, new URLSearchParams(), []) !== undefined;
      if (!isConnect && key !== '/pods/eviction') continue;
      subresources.set(key, async (req) => {
        const base = { def: req.resource.def, namespace: req.namespace, name: req.name ?? '', subresource, ctx: req.ctx };
        if (isConnect) {
          const options = connectOptions(resource, subresource, req.query, req.subpath);
          if (options) await core.webhooks.subresourceRequest({ ...base, operation: 'CONNECT', object: options });
        } else if (req.method === 'POST') {
          const eviction = await req.body();
          await core.webhooks.subresourceRequest({ ...base, operation: 'CREATE', object: { ...eviction, apiVersion: eviction.apiVersion ?? 'policy/v1', kind: eviction.kind ?? 'Eviction' } });
        }
        return handler(req);
      });
    }
    const virtualCreate = reviewHandlers({
      authorizer,
      reviewToken: async (token, audiences) => {
        const wanted = audiences.length ? audiences : apiAudiences;
        const sa = await serviceAccountTokens.review(token, wanted);
        if (sa) return sa;
        const user = await staticTokens.authenticate(tokenRequest(token));
        // Static tokens are good for the API server's own audiences only.
        const auds = apiAudiences.filter((a) => wanted.includes(a));
        if (user && auds.length) return { authenticated: true, user: withAuthenticated(user), audiences: auds };
        return { authenticated: false, error: 'invalid bearer token' };
      },
    });
    virtualCreate.set('/bindings', bindingCreateHandler({ registry, now: () => clock.now(), selectorFromObject: modules.labelSelectorFromObject }));
    // kubectl get componentstatuses: the loops below report here once started.
    let schedulerLoop: ComponentLoop | undefined;
    let controllerManagerLoop: ComponentLoop | undefined;
    const loopProbe = (name: string, flag: string, loop: () => ComponentLoop | undefined, disabled: boolean): ComponentProbe => ({
      name,
      check: async () => {
        const l = loop();
        if (l) return l.health(name);
        return { status: 'Unknown', message: '', error: disabled ? `the ${name} does not run in this server (${flag})` : `the ${name} has not started yet` };
      },
    });
    const virtualRead = new Map<string, VirtualReader>([
      [
        '/componentstatuses',
        componentStatusReader([
          loopProbe('scheduler', '--disable-scheduler', () => schedulerLoop, config.disableScheduler === true),
          loopProbe('controller-manager', '--disable-controller-manager', () => controllerManagerLoop, config.disableControllerManager === true),
          {
            name: 'etcd-0',
            check: async () => {
              // The datastore answers a read (upstream: a get through the etcd client).
              await core.backend.get('/registry/health');
              return { status: 'True', message: 'ok' };
            },
          },
        ]),
      ],
    ]);
    // metrics.k8s.io (kubectl top): the built-in metrics-server scrapes every node's kubelet.
    let metricsScraper: MetricsScraper | undefined;
    if (config.disableMetricsServer) {
      registry.removeResource('metrics.k8s.io', 'nodes');
      registry.removeResource('metrics.k8s.io', 'pods');
    } else {
      const nodeLister = informers.informer(resources.nodes).lister;
      metricsScraper = new MetricsScraper({
        source: kubeletSummarySource(kubelets),
        nodeNames: () => nodeLister.list().map((n) => n.metadata.name ?? ''),
        clock,
        logger: log.child({ component: 'metrics-server' }),
        ...(config.metricResolutionMs !== undefined ? { resolutionMs: config.metricResolutionMs } : {}),
      });
      const metricsApi = { scraper: metricsScraper, nodes: nodeLister, pods: informers.informer(resources.pods).lister, selectors: modules.selectors, now: () => clock.now() };
      virtualRead.set('metrics.k8s.io/nodes', nodeMetricsReader(metricsApi));
      virtualRead.set('metrics.k8s.io/pods', podMetricsReader(metricsApi));
    }
    // API aggregation (kube-aggregator): APIServices naming a Service are proxied to it, the
    // others are this server's own group versions.
    const aggregatorLog = log.child({ component: 'aggregator' });
    const apiServiceBackends = new BackendClient({ dialer: proxyDialer, objects: proxyObjects, proxyClient: pki.proxyClient });
    cleanups.push(() => apiServiceBackends.close());
    const apiServiceAvailability = new AvailabilityController({ client, informers, backends: apiServiceBackends, clock, logger: aggregatorLog });
    const aggregation = new AggregationProxy({ routes: apiServiceAvailability, backends: apiServiceBackends, logger: aggregatorLog });
    let listener: HttpsListener | undefined;
    const discovery = new Discovery({ registry, serverAddress: () => `${advertise}:${listener?.port ?? config.httpsPort}`, remote: apiServiceAvailability });
    const openapi = new OpenApi({ registry, schemas: modules.schemas, kubernetesVersion: KUBERNETES_VERSION, remote: apiServiceAvailability });
    const openapiV2 = new OpenApiV2({ registry, schemas: modules.schemas, kubernetesVersion: KUBERNETES_VERSION, now: () => new Date(clock.now()) });
    const joinTokens = new JoinTokens({ client, clock, tokenFile: paths.token, caHash: pki.caHash });
    const identities = new NodeIdentities(client.withFieldManager('lite-join'));
    const app = createApiApp({
      extraRoutes: [
        ...joinRoutes({ caCertPem: pki.caCertPem, clientCa: pki.clientCa, tokens: joinTokens, identities, clock, logger: log.child({ component: 'join' }) }),
        tunnelRoute(kubelets, log.child({ component: 'kubelet-tunnels' })),
        ...openIdDiscoveryRoutes({ issuer: DEFAULT_ISSUER, keys: [saKey] }),
      ],
      registry,
      authenticator,
      authorizer,
      openapi,
      openapiV2,
      discovery,
      selectors: modules.selectors,
      decodeProtobuf: modules.decodeProtobuf,
      extensions: { subresources, virtualCreate, virtualRead },
      metrics: new ApiServerMetrics(),
      aggregation,
      now: () => clock.now(),
      version: {
        major: '1',
        minor: KUBERNETES_MINOR,
        gitVersion: `${KUBERNETES_VERSION}+lite`,
        gitCommit: `lite-${LITE_VERSION}`,
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: `node${process.versions.node}`,
        compiler: 'lite',
        platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      },
      liveChecks: readyChecks.slice(0, 2),
      readyChecks,
      logger: log.child({ component: 'apiserver' }),
    });
    listener = await listenHttps({
      fetch: app.fetch,
      host: config.bindAddress,
      port: config.httpsPort,
      certPem: pki.servingCertPem,
      keyPem: pki.servingKeyPem,
      clientCaPem: pki.clientCaPem,
      logger: log,
    });
    cleanups.push(() => listener?.close());
    const port = listener.port;
    const localHost = config.bindAddress === '0.0.0.0' || config.bindAddress === '::' ? '127.0.0.1' : config.bindAddress;
    const url = `https://${config.advertiseAddress ?? localHost}:${port}`;
    mkdirSync(dirname(config.kubeconfigPath), { recursive: true });
    pki.writeKubeconfig(config.kubeconfigPath, url, config.kubeconfigMode ?? 0o600);

    // ---- bootstrap and controllers ----
    await bootstrapCluster({ client, kubernetesServiceIp, endpointAddress: advertise, endpointPort: port });
    await reconcileBootstrapPolicy(client, log.child({ component: 'rbac-bootstrap' }));
    rbacPolicyReady = true;
    await publishAuthenticationTrust(client, { clientCaPem: pki.clientCaPem, requestHeaderCaPem: pki.requestHeaderCaPem });
    const loops: Promise<void>[] = [];
    cleanups.push(async () => {
      await Promise.allSettled(loops);
    });
    loops.push(apiServiceAvailability.run(stopping.signal));
    const localApiServices = new LocalApiServiceRegistration({ client, registry, informers, builtinGroups: new Set(builtinGroupVersions.map((g) => g.group)), clock, logger: aggregatorLog });
    loops.push(localApiServices.run(stopping.signal));
    readyChecks.push({ name: 'autoregister-completion', check: () => localApiServices.synced });
    if (!config.disableControllerManager) {
      const controllerManager = new ControllerManager({
        client: client.withFieldManager(KUBE_CONTROLLER_MANAGER),
        clock,
        informers,
        logger: log.child({ component: 'controller-manager' }),
        onLostLeadership: config.onLostLeadership,
        controllers: (ctx) => controllerSet(ctx, { registry, client, rootCaPem: pki.caCertPem, clientCa: pki.clientCa, serverCa: pki.serverCa, serviceAccountSigner: saSigner, nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs ?? 40_000, clusterCidr: config.clusterCidr ?? DEFAULT_CLUSTER_CIDR, serviceLb: config.serviceLb !== false, localStoragePath, metricsScraper, hpaSyncPeriodMs: config.hpaSyncPeriodMs }),
      });
      const run = controllerManager.run(stopping.signal);
      controllerManagerLoop = new ComponentLoop(run);
      loops.push(run);
    }
    if (metricsScraper) loops.push(metricsScraper.run(stopping.signal));
    if (!config.disableScheduler) {
      const schedulerContext = controllerContext({ client: client.withFieldManager('kube-scheduler'), informers, clock, logger: log.child({ component: 'scheduler' }) });
      const run = new Scheduler(schedulerContext).run(stopping.signal);
      schedulerLoop = new ComponentLoop(run);
      loops.push(run);
    }
    if (config.simulatedNodes && config.simulatedNodes.count !== undefined && config.simulatedNodes.count > 0) {
      const simulator = new NodeSimulator({ ...config.simulatedNodes, client: client.withFieldManager('kubelet'), clock, informers, kubelets, logger: log.child({ component: 'node-simulator' }) });
      loops.push(simulator.run(stopping.signal));
      await simulator.whenRegistered();
    }
    if (config.clusterDns) {
      const dnsAddress = config.agent?.nodeIp ?? advertise;
      const dns = await listenClusterDns(config.clusterDns, dnsAddress, informers, clock, log, stopping.signal);
      cleanups.push(() => dns.closed);
      const port = dns.addresses[0]?.port ?? config.clusterDns.port;
      await ensureKubeDnsService(client.withFieldManager('lite-cluster-dns'), nthAddress(config.serviceCidr, 10), { addresses: [dnsAddress], port, ...(config.agent ? { nodeName: config.agent.nodeName } : {}) });
    }
    let ingress: RunningServer['ingress'];
    if (config.ingress) {
      const running = await startIngress(
        {
          client: client.withFieldManager('lite-ingress-controller'),
          informers,
          dialer: proxyDialer,
          clock,
          logger: log.child({ component: 'ingress' }),
          bindAddress: config.bindAddress,
          httpPort: config.ingress.httpPort,
          httpsPort: config.ingress.httpsPort,
          statusAddress: config.agent?.nodeIp ?? advertise,
          ...(config.agent ? { nodeName: config.agent.nodeName } : {}),
          onEveryNode: !config.simulatedNodes?.count,
        },
        stopping.signal,
      );
      if (running) {
        cleanups.push(() => running.closed);
        ingress = { httpPort: running.httpPort, httpsPort: running.httpsPort };
      }
    } else {
      // Without the ingress, its Service (from a start with it) must not forward nodes' ports 80/443 to nothing.
      await removeIngressService(client.withFieldManager('lite-ingress-controller'));
    }
    let embeddedAgent: RunningServer['embeddedAgent'];
    if (config.agent) {
      const nodeName = config.agent.nodeName;
      // The server's own node has an identity like any agent's, so no other machine can join
      // under its name (k3s records the server node's password too).
      let refused: string | undefined;
      try {
        await identities.verifyOrRecord(nodeName, nodePassword(config.dataDir));
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
        refused = `the embedded agent cannot register node "${nodeName}": ${e.message}`;
        log.error({ node: nodeName }, refused);
      }
      if (refused !== undefined) {
        const problem = refused;
        embeddedAgent = { agent: undefined, problem, whenRunning: () => Promise.reject(new Error(problem)) };
      } else {
        const handle: EmbeddedAgentHandle = await superviseEmbeddedAgent(
          {
            ...config.agent,
            nodeIp: config.agent.nodeIp ?? advertise,
            dataDir: config.dataDir,
            localStoragePath,
            client: client.withUser({ username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] }, 'kubelet'),
            kubelets,
            clock,
            logger: log,
          },
          config.agent.retryMs,
        );
        cleanups.push(() => handle.stop());
        embeddedAgent = handle;
      }
    }
    // As upstream's autoregister-completion check: ready once every served group version has its
    // APIService. Bounded, so a failing write shows in /readyz instead of holding the start.
    const cancelWait = new AbortController();
    await Promise.race([localApiServices.whenSynced(), clock.sleep(10_000, cancelWait.signal).catch(() => undefined)]);
    cancelWait.abort();
    if (!localApiServices.synced) log.warn('the local APIServices are not all registered yet; /readyz says so until they are');
    ready = true;

    return { url, port, kubeconfigPath: config.kubeconfigPath, caCertPem: pki.caCertPem, adminToken: pki.adminToken, joinToken: joinTokens.serverToken, registry, client, kubelets, embeddedAgent, ...(ingress ? { ingress } : {}), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}


/** startClusterDns at `address:port`; a taken port falls back to a free one (with a warning). */
async function listenClusterDns(settings: ClusterDnsSettings, address: string, informers: InformerFactory, clock: Clock, log: Logger, signal: AbortSignal): Promise<RunningClusterDns> {
  const start = (port: number) =>
    startClusterDns(
      { informers, listen: [{ address, port }], ...(settings.domain ? { domain: settings.domain } : {}), ...(settings.upstreams ? { upstreams: settings.upstreams } : {}), clock, logger: log },
      signal,
    );
  try {
    return await start(settings.port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || settings.port === 0) throw e;
    log.warn(
      { address, port: settings.port },
      'the cluster DNS port is taken; listening on a free port instead (pods reach it through the kube-dns Service either way). If another lite server runs on this host, the two clusters overwrite each other\'s Service rules (kube-proxy\'s chains are per host)',
    );
    return start(0);
  }
}

function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(a.address);
  return out;
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}

