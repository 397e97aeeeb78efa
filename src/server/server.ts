/**
 * The composition root of `lite server`: builds every control-plane component from one config
 * object, starts them in order behind readiness signals, and stops them in reverse.
 *
 *   storage backend → watch bus → registry (built-in resources) → API server (HTTPS)
 *   → bootstrap objects → controllers (namespace, CRD serving) → ready
 */
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { builtinGroupVersions, builtinResources } from '../api/builtin-resources.js';
import { coreToEventsV1, eventsV1ToCore } from '../api/conversion/event-conversion.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../api/conversion/hpa-conversion.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import { generateJobSelector } from '../api/defaults/index.js';
import { podQosClass } from '../api/pod-qos.js';
import type { ResourceDef } from '../api/resource.js';
import type { AdmissionPlugin } from '../admission/admission.js';
import { NamespaceCache } from '../admission/namespace-cache.js';
import { NamespaceLifecyclePlugin } from '../admission/namespace-lifecycle.js';
import { nthAddress, ServiceAllocator } from '../admission/service-allocator.js';
import { createApiApp, type HealthCheck } from '../apiserver/app.js';
import { ClientCertAuthenticator, StaticTokenAuthenticator, UnionAuthenticator } from '../apiserver/authn.js';
import { Discovery } from '../apiserver/discovery.js';
import { bindingCreateHandler, podSubresourceHandlers } from '../apiserver/extensions/pods.js';
import { reviewHandlers, tokenRequest } from '../apiserver/extensions/reviews.js';
import { OpenApi } from '../apiserver/openapi.js';
import { AllowAllAuthorizer } from '../auth/authorizer.js';
import { resources, type Client, type ResourceRef } from '../client/client.js';
import { LocalClient } from '../client/local-client.js';
import { NamespaceController } from '../controllers/namespace/namespace-controller.js';
import { SYSTEM_USER } from '../registry/context.js';
import { Registry } from '../registry/registry.js';
import type { ResourceStoreConfig } from '../registry/resource-store.js';
import type { Backend } from '../storage/backend.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { SqliteBackend } from '../storage/sqlite/sqlite-backend.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { KUBERNETES_MINOR, KUBERNETES_VERSION, LITE_VERSION } from '../version.js';
import { WatchBus } from '../watch/watch-bus.js';
import { loadApiModules } from './api-modules.js';
import { bootstrapCluster } from './bootstrap.js';
import { CrdServing } from './crd-serving.js';
import { serverPaths } from './data-dir.js';
import { listenHttps, type HttpsListener } from './https-listener.js';
import { ensureClusterPki } from './pki-setup.js';
import { serveResources, type ResourceWiringConfig } from './resource-wiring.js';

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
  readonly nodePortRange: readonly [number, number];
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** 'sqlite' (default, in the data dir) or 'memory' (tests). */
  readonly datastore?: 'sqlite' | 'memory';
  /** Background compaction of old revisions (default every 5 minutes, keeping 1000). */
  readonly compaction?: { readonly intervalMs: number; readonly retainRevisions: number };
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  /** CA certificate (PEM) clients should trust. */
  readonly caCertPem: string;
  readonly adminToken: string;
  readonly registry: Registry;
  readonly client: Client;
  stop(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = config.logger ?? silentLogger;
  const clock = config.clock ?? systemClock;
  const paths = serverPaths(config.dataDir);
  mkdirSync(dirname(paths.database), { recursive: true, mode: 0o700 });
  const stopping = new AbortController();
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

    // ---- storage and watch fan-out ----
    const backend: Backend =
      config.datastore === 'memory'
        ? new MemoryBackend({ logger: log, clock, ...(config.compaction ? { compaction: config.compaction } : {}) })
        : new SqliteBackend({ path: paths.database, logger: log, clock, ...(config.compaction ? { compaction: config.compaction } : {}) });
    await backend.start();
    cleanups.push(() => backend.close());
    const bus = new WatchBus({ backend, rootPrefix: '/registry/', windowSize: 10_000, progressIntervalMs: 30_000, logger: log, clock });
    await bus.start(stopping.signal);

    // ---- PKI (in parallel with nothing else: it is fast, EC keys) ----
    const pki = await ensureClusterPki({
      dir: paths.tls,
      hostnames: [...config.tlsSans.filter((s) => !isIp(s))],
      ips: [...config.tlsSans.filter(isIp), ...(config.advertiseAddress ? [config.advertiseAddress] : [])],
      serviceIp: kubernetesServiceIp,
      clock,
      logger: log,
    });

    // ---- registry ----
    const modules = await loadApiModules({ nodePortRange: config.nodePortRange });
    const registry = new Registry();
    for (const gv of builtinGroupVersions) registry.setVersionOrder(gv.group, gv.versions);
    const allocator = new ServiceAllocator({ serviceCidr: config.serviceCidr, nodePortRange: config.nodePortRange, clock });
    const client = new LocalClient({ registry, user: SYSTEM_USER, fieldManager: 'lite-server', selectors: modules.selectors });
    const namespaceCache = new NamespaceCache({ client, clock, logger: log.child({ component: 'namespace-cache' }) });
    const namespaceLifecycle = new NamespaceLifecyclePlugin(namespaceCache);
    const admission: AdmissionPlugin[] = [namespaceLifecycle, allocator];
    const wiring: ResourceWiringConfig = {
      backend,
      watches: bus,
      clock,
      logger: log,
      modules,
      admission,
      storeOptions: builtinStoreOptions,
      converterFor: (served) => {
        if (served.group === 'autoscaling' && served.version === 'v1') return { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 };
        if (served.group === 'events.k8s.io') return { toStorage: eventsV1ToCore, fromStorage: coreToEventsV1 };
        return undefined;
      },
      extraDefaults: (def, obj) => {
        if (def.group === '' && def.kind === 'Namespace') defaultNamespace(obj);
        // The Job strategy labels pods with the job's uid and selects on it (PrepareForCreate);
        // the uid is assigned before defaults run, and regenerating on update is a no-op.
        if (def.group === 'batch' && def.kind === 'Job' && obj.metadata.uid) generateJobSelector(obj as unknown as JsonObject, obj.metadata.uid);
        // Pod strategy PrepareForCreate: a new pod is Pending with its QoS class.
        if (def.group === '' && def.kind === 'Pod' && !isJsonObject(obj.status)) obj.status = { phase: 'Pending', qosClass: podQosClass(obj) };
      },
    };
    // CRD serving watches committed CRD writes, so it joins admission before resources are wired.
    const crds = new CrdServing({ registry, client, wiring, modules, logger: log.child({ component: 'crd-serving' }), clock });
    admission.push(crds);
    const defs: ResourceDef[] = builtinResources.map((r) => ({ ...r, nameRule: modules.nameRuleFor(r.group, r.kind), strategy: modules.strategyFor(r.group, r.kind) }));
    serveResources(registry, defs, wiring);

    const services = registry.get('', 'v1', 'services');
    if (services) allocator.repair((await services.list(undefined, {})).items);

    // ---- API server ----
    const authenticator = new UnionAuthenticator([new StaticTokenAuthenticator([{ token: pki.adminToken, user: { username: 'system:admin', groups: ['system:masters'] } }]), new ClientCertAuthenticator()]);
    const authorizer = new AllowAllAuthorizer();
    let ready = false;
    const readyChecks: HealthCheck[] = [
      { name: 'ping', check: () => true },
      { name: 'etcd', check: () => !stopping.signal.aborted },
      { name: 'bootstrap-objects', check: () => ready },
    ];
    const subresources = podSubresourceHandlers({ registry, now: () => clock.now(), selectorFromObject: modules.labelSelectorFromObject });
    const virtualCreate = reviewHandlers({ authorizer, authenticateToken: (t) => authenticator.authenticate(tokenRequest(t)) });
    virtualCreate.set('/bindings', bindingCreateHandler({ registry, now: () => clock.now(), selectorFromObject: modules.labelSelectorFromObject }));
    let listener: HttpsListener | undefined;
    const discovery = new Discovery({ registry, serverAddress: () => `${advertise}:${listener?.port ?? config.httpsPort}` });
    const openapi = new OpenApi({ registry, schemas: modules.schemas, kubernetesVersion: KUBERNETES_VERSION });
    const app = createApiApp({
      registry,
      authenticator,
      openapi,
      discovery,
      selectors: modules.selectors,
      decodeProtobuf: modules.decodeProtobuf,
      extensions: { subresources, virtualCreate },
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
    await crds.start(stopping.signal);
    const namespaces = new NamespaceController({
      client: client.withFieldManager('namespace-controller'),
      namespacedResources: () => namespacedStorageRefs(registry),
      clock,
      logger: log.child({ component: 'namespace-controller' }),
    });
    const controllers = [namespaces.run(stopping.signal), crds.run(stopping.signal), namespaceCache.run(stopping.signal)];
    cleanups.push(async () => {
      await Promise.allSettled(controllers);
    });
    const repairTimer = setInterval(() => {
      if (services) void services.list(undefined, {}).then((l) => allocator.repair(l.items), () => undefined);
    }, 60_000);
    repairTimer.unref();
    cleanups.push(() => clearInterval(repairTimer));
    ready = true;

    return { url, port, kubeconfigPath: config.kubeconfigPath, caCertPem: pki.caCertPem, adminToken: pki.adminToken, registry, client, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Kind-specific storage behaviour of built-in resources. */
function builtinStoreOptions(def: ResourceDef): Partial<ResourceStoreConfig> {
  if (def.group === '' && def.kind === 'Pod') {
    return {
      returnDeletedObject: true,
      // Unscheduled and finished pods go at once; running ones get their grace period so the
      // kubelet can stop them (notes §9.6).
      deletionGracePeriod: (pod, requested) => {
        const spec = isJsonObject(pod.spec) ? pod.spec : {};
        const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
        if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
        if (requested !== undefined) return requested;
        return typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
      },
    };
  }
  if (def.group === '' && def.kind === 'Namespace') {
    return {
      deletionBlocked: (ns) => {
        const spec = isJsonObject(ns.spec) ? ns.spec : {};
        return Array.isArray(spec.finalizers) && spec.finalizers.length > 0;
      },
      markDeleting: (ns) => {
        ns.status = { ...(isJsonObject(ns.status) ? ns.status : {}), phase: 'Terminating' };
      },
    };
  }
  if ((def.group === '' && (def.kind === 'Endpoints' || def.kind === 'Event')) || (def.group === 'coordination.k8s.io' && def.kind === 'Lease')) {
    return { allowCreateOnUpdate: true };
  }
  return {};
}

/** New namespaces carry the `kubernetes` finalizer and start Active (upstream namespace strategy). */
function defaultNamespace(ns: KubeObject): void {
  const spec = isJsonObject(ns.spec) ? ns.spec : (ns.spec = {});
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  const status = isJsonObject(ns.status) ? ns.status : (ns.status = {});
  if (status.phase === undefined) status.phase = ns.metadata.deletionTimestamp ? 'Terminating' : 'Active';
  const labels = (ns.metadata.labels ??= {});
  if (ns.metadata.name) labels['kubernetes.io/metadata.name'] = ns.metadata.name;
}

function namespacedStorageRefs(registry: Registry): ResourceRef[] {
  return registry
    .storageResources()
    .filter((r) => r.def.namespaced)
    .map((r) => ({ group: r.def.group, version: r.def.version, resource: r.def.plural }));
}

function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(a.address);
  return out;
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}

export { resources };
