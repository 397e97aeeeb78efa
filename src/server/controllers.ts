/**
 * The control loops of `lite server`'s controller manager (the equivalent of kube-controller-
 * manager's default controller set), built from one shared context.
 */
import type { Client, ResourceRef } from '../client/client.js';
import { CronJobController } from '../controllers/cronjob/cronjob-controller.js';
import { DaemonSetController } from '../controllers/daemonset/daemonset-controller.js';
import { DeploymentController } from '../controllers/deployment/deployment-controller.js';
import { DisruptionController } from '../controllers/disruption/disruption-controller.js';
import { registryScaleFinder } from '../controllers/disruption/registry-scale-finder.js';
import { EndpointsController } from '../controllers/endpoints/endpoints-controller.js';
import { EndpointSliceController } from '../controllers/endpointslice/endpointslice-controller.js';
import type { Controller, ControllerContext } from '../controllers/framework/controller.js';
import { HorizontalPodAutoscalerController } from '../controllers/horizontal-pod-autoscaler/hpa-controller.js';
import { scraperMetricsClient, unavailableMetricsClient } from '../controllers/horizontal-pod-autoscaler/metrics-client.js';
import { registryScaleTargets } from '../controllers/horizontal-pod-autoscaler/scale-targets.js';
import type { MetricsScraper } from '../metrics-server/metrics-scraper.js';
import { GarbageCollector } from '../controllers/garbage-collector/garbage-collector.js';
import { gcResourcesFromRegistry } from '../controllers/garbage-collector/registry-resources.js';
import { LocalPathProvisioner } from '../controllers/local-path-provisioner/local-path-provisioner.js';
import { PodGcController } from '../controllers/podgc/pod-gc-controller.js';
import { PersistentVolumeController } from '../controllers/persistentvolume/pv-controller.js';
import { PvcProtectionController, PvProtectionController } from '../controllers/volume-protection/volume-protection-controllers.js';
import { JobController } from '../controllers/job/job-controller.js';
import { NamespaceController } from '../controllers/namespace/namespace-controller.js';
import { NodeIpamController } from '../controllers/nodeipam/node-ipam-controller.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle/node-lifecycle-controller.js';
import { ReplicaSetController, ReplicationManager } from '../controllers/replicaset/replicaset-controller.js';
import { registryResourceResolver } from '../controllers/resourcequota/registry-resource-resolver.js';
import { ResourceQuotaController } from '../controllers/resourcequota/resource-quota-controller.js';
import { RootCaCertPublisher } from '../controllers/rootcacert/root-ca-cert-publisher.js';
import { ClusterRoleAggregationController } from '../controllers/clusterrole-aggregation/clusterrole-aggregation-controller.js';
import { ServiceAccountController } from '../controllers/serviceaccount/serviceaccount-controller.js';
import { TokensController } from '../controllers/serviceaccount/tokens-controller.js';
import type { TokenSigner } from '../serviceaccount/jwt.js';
import { StatefulSetController } from '../controllers/statefulset/statefulset-controller.js';
import { TaintEvictionController } from '../controllers/taint-eviction/taint-eviction-controller.js';
import { TtlAfterFinishedController } from '../controllers/ttl-after-finished/ttl-after-finished-controller.js';
import type { Registry } from '../registry/registry.js';
import { ServiceLbController } from '../network/servicelb/servicelb-controller.js';
import { CsrCleanerController } from '../controllers/certificates/csr-cleaner-controller.js';
import { CsrSigningController } from '../controllers/certificates/csr-signing-controller.js';
import type { CertificateAndKey } from '../pki/issue-certificate.js';

export interface ControllerSetConfig {
  readonly registry: Registry;
  /** The control plane's client (for the scale lookups of the disruption controller). */
  readonly client: Client;
  /** The CA clients in the cluster trust (published as kube-root-ca.crt). */
  readonly rootCaPem: string;
  /** Silence after which a node is marked Unknown (--node-monitor-grace-period). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** The pod address range split into per-node ranges (--cluster-cidr). */
  readonly clusterCidr: string;
  /** Run ServiceLB (LoadBalancer Services get node addresses as ingress; default true). */
  readonly serviceLb?: boolean;
  /** Where the local-path provisioner puts volumes on the nodes (--default-local-storage-path). */
  readonly localStoragePath: string;
  /** Signs legacy tokens of hand-made service-account token Secrets; absent: no tokens controller. */
  readonly serviceAccountSigner?: TokenSigner;
  /** The client CA with its key: approved CertificateSigningRequests for client signers are signed with it. */
  readonly clientCa?: CertificateAndKey;
  /** The server CA with its key: approved kubelet-serving requests are signed with it. */
  readonly serverCa?: CertificateAndKey;
  /**
   * The built-in metrics-server the HPA controller reads pod usage from; absent (--disable-metrics-
   * server): the HPA controller still runs and reports that the metrics API is not available.
   */
  readonly metricsScraper?: Pick<MetricsScraper, 'podUsage'>;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  readonly hpaSyncPeriodMs?: number;
}

/** Namespaced resources that hold content (one version per storage location). */
export function namespacedStorageRefs(registry: Registry): ResourceRef[] {
  return registry
    .storageResources()
    .filter((r) => r.def.namespaced)
    .map((r) => ({ group: r.def.group, version: r.def.version, resource: r.def.plural }));
}

export function controllerSet(ctx: ControllerContext, config: ControllerSetConfig): Controller[] {
  const { registry } = config;
  const gc = new GarbageCollector(ctx, { resources: () => gcResourcesFromRegistry(registry) });
  // New CRDs bring new resources whose objects may own or be owned.
  registry.onChange(() => gc.syncResources());
  return [
    new NamespaceController(ctx, { namespacedResources: () => namespacedStorageRefs(registry) }),
    gc,
    new ServiceAccountController(ctx),
    new ClusterRoleAggregationController(ctx),
    new RootCaCertPublisher(ctx, { rootCaPem: config.rootCaPem }),
    ...(config.clientCa ? [new CsrSigningController(ctx, { clientCa: config.clientCa, ...(config.serverCa ? { serverCa: config.serverCa } : {}) })] : []),
    new CsrCleanerController(ctx),
    ...(config.serviceAccountSigner ? [new TokensController(ctx, { signer: config.serviceAccountSigner, rootCaPem: config.rootCaPem })] : []),
    new DeploymentController(ctx),
    new ReplicaSetController(ctx),
    new ReplicationManager(ctx),
    new StatefulSetController(ctx),
    new DaemonSetController(ctx),
    new JobController(ctx),
    new CronJobController(ctx),
    new TtlAfterFinishedController(ctx),
    new EndpointSliceController(ctx),
    new EndpointsController(ctx),
    new DisruptionController(ctx, { scaleFinder: registryScaleFinder(registry, config.client) }),
    new HorizontalPodAutoscalerController(ctx, {
      metrics: config.metricsScraper ? scraperMetricsClient(config.metricsScraper) : unavailableMetricsClient,
      scaleTargets: registryScaleTargets(registry, config.client),
      ...(config.hpaSyncPeriodMs === undefined ? {} : { syncPeriodMs: config.hpaSyncPeriodMs }),
    }),
    new ResourceQuotaController(ctx, { resolveResource: registryResourceResolver(registry) }),
    new NodeLifecycleController(ctx, config.nodeMonitorGracePeriodMs === undefined ? {} : { nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs }),
    new TaintEvictionController(ctx),
    new PodGcController(ctx),
    new NodeIpamController(ctx, { clusterCidr: config.clusterCidr }),
    new PersistentVolumeController(ctx),
    new PvcProtectionController(ctx),
    new PvProtectionController(ctx),
    new LocalPathProvisioner(ctx, { storagePath: config.localStoragePath }),
    ...(config.serviceLb === false ? [] : [new ServiceLbController(ctx)]),
  ];
}
