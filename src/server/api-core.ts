/**
 * The API core of a control plane, without any network listener: storage backend → watch bus →
 * registry of built-in resources (with admission and CRD serving) → in-process client. The server
 * composition root puts HTTPS, bootstrap and controllers on top; controller tests use it alone
 * (memory storage, fake clock) to exercise the real API semantics in-process.
 */
import {
  prepareCertificateSigningRequestApproval,
  prepareCertificateSigningRequestCreate,
  prepareCertificateSigningRequestStatus,
  preserveCertificateSigningRequestOnUpdate,
} from '../api/validation/certificates.js';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { builtinGroupVersions, builtinResources } from '../api/builtin-resources.js';
import { coreToEventsV1, eventsV1ToCore } from '../api/conversion/event-conversion.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../api/conversion/hpa-conversion.js';
import { generateJobSelector } from '../api/defaults/index.js';
import { isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../api/object.js';
import { podQosClass } from '../api/pod-qos.js';
import type { ResourceDef } from '../api/resource.js';
import { LimitRangerPlugin } from '../admission/limit-ranger.js';
import type { AdmissionPlugin } from '../admission/admission.js';
import { NodeRestrictionPlugin } from '../admission/node-restriction.js';
import { RbacEscalationPlugin } from '../admission/rbac-escalation.js';
import { CertificatesPlugin } from '../admission/certificates.js';
import { rulesOf } from '../auth/rbac/policy-rule.js';
import { rbacResources } from '../auth/rbac/reconcile-policy.js';
import { DefaultTolerationSecondsPlugin } from '../admission/default-toleration-seconds.js';
import { TaintNodesByConditionPlugin } from '../admission/taint-nodes-by-condition.js';
import { PriorityClassCache, PriorityPlugin } from '../admission/priority.js';
import { ensureSystemPriorityClasses } from '../admission/pod-priority-bootstrap.js';
import { NamespaceCache } from '../admission/namespace-cache.js';
import { ResourceQuotaAdmission } from '../admission/resource-quota.js';
import { NamespaceLifecyclePlugin } from '../admission/namespace-lifecycle.js';
import { ServiceAllocator } from '../admission/service-allocator.js';
import { clientStorageClasses, DefaultStorageClassPlugin, StorageObjectInUseProtectionPlugin } from '../admission/storage.js';
import { ServiceAccountPlugin } from '../admission/service-account.js';
import { DefaultIngressClassPlugin } from '../admission/default-ingress-class.js';
import { WebhookAdmission } from '../admission/webhook/webhook-admission.js';
import { WebhookClient } from '../admission/webhook/webhook-client.js';
import { LocalClient } from '../client/local-client.js';
import type { TokenSigner } from '../serviceaccount/jwt.js';
import { registryBoundObjectGetter } from '../serviceaccount/registry-getter.js';
import { TokenRequestService } from '../serviceaccount/token-request.js';
import { SYSTEM_USER } from '../registry/context.js';
import { Registry } from '../registry/registry.js';
import type { ResourceStoreConfig } from '../registry/resource-store.js';
import type { Backend } from '../storage/backend.js';
import type { Clock } from '../util/clock.js';
import { WatchBus } from '../watch/watch-bus.js';
import { loadApiModules, type LoadedApiModules } from './api-modules.js';
import { CrdServing } from './crd-serving.js';
import { serveResources, type ResourceWiringConfig } from './resource-wiring.js';

export interface ApiCoreConfig {
  /** An unstarted backend; the core starts and closes it. */
  readonly backend: Backend;
  readonly serviceCidr: string;
  readonly nodePortRange: readonly [number, number];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Aborting stops the bus and the core's background loops. */
  readonly signal: AbortSignal;
  /** Watch bus window (recent events kept for replay). */
  readonly watchWindow?: number;
  /**
   * Service accounts: TokenRequest (with a signing key) and the ServiceAccount admission plugin.
   * Absent (controller tests): no tokens, and pods are admitted without a service account.
   */
  readonly serviceAccounts?: ServiceAccountsConfig;
}

export interface ServiceAccountsConfig {
  readonly signer: TokenSigner;
  /** `--service-account-issuer`. */
  readonly issuer: string;
  /** `--api-audiences`: the default audiences of requested tokens. */
  readonly audiences: readonly string[];
  /** `--service-account-max-token-expiration` in seconds (0: none). */
  readonly maxExpirationSeconds?: number;
  /** Run the ServiceAccount admission plugin (default true). */
  readonly admission?: boolean;
}

export interface ApiCore {
  readonly backend: Backend;
  readonly bus: WatchBus;
  readonly registry: Registry;
  readonly modules: LoadedApiModules;
  /** The control plane's in-process client (identity system:apiserver). */
  readonly client: LocalClient;
  /** RBAC escalation checks on role and binding writes; they start once an authorizer is set. */
  readonly rbacEscalation: RbacEscalationPlugin;
  /** CSR approval/signing checks; needs the authorizer, set once the API server exists. */
  readonly certificates: CertificatesPlugin;
  /** TokenRequest, when service accounts are configured. */
  readonly tokenRequests: TokenRequestService | undefined;
  /** Calls admission webhooks; reaches Service webhooks once given the proxy dialer. */
  readonly webhookClient: WebhookClient;
  /** The admission webhooks (also asked about CONNECT requests by the API server's handlers). */
  readonly webhooks: WebhookAdmission;
  /** Ends background loops and closes storage. */
  close(): Promise<void>;
}

export async function buildApiCore(config: ApiCoreConfig): Promise<ApiCore> {
  const { clock, backend } = config;
  const log = config.logger;
  await backend.start();
  const bus = new WatchBus({ backend, rootPrefix: '/registry/', windowSize: config.watchWindow ?? 10_000, progressIntervalMs: 30_000, logger: log, clock });
  try {
    await bus.start(config.signal);
    const modules = await loadApiModules({ nodePortRange: config.nodePortRange });
    const registry = new Registry();
    for (const gv of builtinGroupVersions) registry.setVersionOrder(gv.group, gv.versions);
    const allocator = new ServiceAllocator({ serviceCidr: config.serviceCidr, nodePortRange: config.nodePortRange, clock });
    const sa = config.serviceAccounts;
    const tokenRequests = sa
      ? new TokenRequestService({ signer: sa.signer, issuer: sa.issuer, audiences: sa.audiences, get: registryBoundObjectGetter(registry), clock, ...(sa.maxExpirationSeconds ? { maxExpirationSeconds: sa.maxExpirationSeconds } : {}) })
      : undefined;
    const client = new LocalClient({
      ...(tokenRequests ? { tokens: tokenRequests } : {}),
      registry,
      user: SYSTEM_USER,
      // Upstream's in-server writers (bootstrap objects, the apiextensions controllers) use the
      // loopback client of kube-apiserver, whose user agent names that manager.
      fieldManager: 'kube-apiserver',
      selectors: modules.selectors,
      podOperations: { registry, now: () => clock.now(), selectorFromObject: modules.labelSelectorFromObject },
    });
    const namespaceCache = new NamespaceCache({ client, clock, logger: log.child({ component: 'namespace-cache' }) });
    const quota = new ResourceQuotaAdmission({ client, clock, logger: log.child({ component: 'resource-quota' }) });
    // Order as kube-apiserver's: lifecycle first, ServiceAccount, mutating plugins, quota last (it charges usage).
    const priorityClasses = new PriorityClassCache({ client, clock, logger: log.child({ component: 'priority-classes' }) });
    const rbacEscalation = new RbacEscalationPlugin(async (kind, namespace, name) => {
      try {
        return rulesOf(await client.get(kind === 'Role' ? rbacResources.roles : rbacResources.clusterroles, namespace, name));
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    });
    const certificates = new CertificatesPlugin();
    const webhookClient = new WebhookClient({ clock });
    const webhooks = new WebhookAdmission({
      client,
      webhookClient,
      clock,
      logger: log.child({ component: 'admission-webhooks' }),
      namespaceLabels: (name) => namespaceCache.labels(name),
      servedVersions: (group, plural) => registry.versionsOf(group, plural),
      checkPatched: (def, obj) => {
        if (def.schema) modules.checkStructure(obj, def.schema, 'Ignore', [], { kind: def.kind, version: def.version });
      },
    });
    const limitRanger = new LimitRangerPlugin({ client, clock, logger: log.child({ component: 'limit-ranger' }) });
    const admission: AdmissionPlugin[] = [
      new NamespaceLifecyclePlugin(namespaceCache),
      limitRanger,
      ...(sa && sa.admission !== false ? [new ServiceAccountPlugin({ getServiceAccount: serviceAccountLookup(registry), clock })] : []),
      new NodeRestrictionPlugin(),
      new TaintNodesByConditionPlugin(),
      new PriorityPlugin(priorityClasses),
      new DefaultTolerationSecondsPlugin(),
      new DefaultStorageClassPlugin(clientStorageClasses(client)),
      new StorageObjectInUseProtectionPlugin(),
      new DefaultIngressClassPlugin(async () => (await client.list({ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' }, undefined)).items),
      // MutatingAdmissionWebhook after the built-in mutating plugins, as kube-apiserver orders
      // them; its validating half runs after validation (AdmissionPlugin.validate).
      webhooks,
      rbacEscalation,
      certificates,
      allocator,
    ];
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
      extraDefaults: builtinPrepareForCreate,
    };
    // CRD serving watches committed CRD writes, so it joins admission before resources are wired.
    const crds = new CrdServing({ registry, client, wiring, modules, logger: log.child({ component: 'crd-serving' }), clock });
    admission.push(crds, quota);
    const defs: ResourceDef[] = builtinResources.map((r) => ({ ...r, nameRule: modules.nameRuleFor(r.group, r.kind), strategy: modules.strategyFor(r.group, r.kind) }));
    serveResources(registry, defs, wiring);
    // Writes wait until the webhook configurations are listed, so follow them before any write.
    const webhookLoop = webhooks.run(config.signal);

    const services = registry.get('', 'v1', 'services');
    if (services) allocator.repair((await services.list(undefined, {})).items);
    await crds.start(config.signal);
    // system-node-critical and system-cluster-critical exist before any pod is admitted.
    await ensureSystemPriorityClasses(client);
    const loops = [webhookLoop, crds.run(config.signal), namespaceCache.run(config.signal), quota.run(config.signal), priorityClasses.run(config.signal), limitRanger.run(config.signal)];
    // Allocations made for creates that then failed are reclaimed by a periodic repair.
    const repair = setInterval(() => {
      if (services) void services.list(undefined, {}).then((l) => allocator.repair(l.items), () => undefined);
    }, 60_000);
    repair.unref();
    return {
      backend,
      bus,
      registry,
      modules,
      client,
      rbacEscalation,
      certificates,
      tokenRequests,
      webhookClient,
      webhooks,
      async close() {
        clearInterval(repair);
        await Promise.allSettled(loops);
        webhookClient.close();
        await backend.close();
      },
    };
  } catch (e) {
    await backend.close();
    throw e;
  }
}

function serviceAccountLookup(registry: Registry): (namespace: string, name: string) => Promise<KubeObject | undefined> {
  return async (namespace, name) => {
    const accounts = registry.get('', 'v1', 'serviceaccounts');
    if (!accounts) return undefined;
    try {
      return await accounts.get(namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
}

/**
 * Kind-specific steps upstream strategies take at create (PrepareForCreate) that need more than
 * defaulting: namespace finalizers and phase, the Job selector from its uid, a pod's initial
 * status (with PodScheduled=False/SchedulingGated when it has scheduling gates, as the pod
 * strategy's applySchedulingGatedCondition). They run after the uid and creationTimestamp are
 * assigned; on updates they are no-ops.
 */
function builtinPrepareForCreate(def: ResourceDef, obj: KubeObject): void {
  if (def.group === '' && def.kind === 'Namespace') defaultNamespace(obj);
  if (def.group === 'batch' && def.kind === 'Job' && obj.metadata.uid) generateJobSelector(obj as unknown as JsonObject, obj.metadata.uid);
  if (def.group === 'apps' && def.kind === 'DaemonSet') {
    const current = Number(obj.metadata.annotations?.[DAEMONSET_TEMPLATE_GENERATION]);
    if (!(Number.isInteger(current) && current >= 1)) setDaemonSetTemplateGeneration(obj, 1);
  }
  if (def.group === '' && def.kind === 'Pod' && !isJsonObject(obj.status)) {
    const status: JsonObject = { phase: 'Pending', qosClass: podQosClass(obj) };
    const gates = isJsonObject(obj.spec) ? obj.spec.schedulingGates : undefined;
    if (Array.isArray(gates) && gates.length > 0) {
      const now = obj.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }];
    }
    obj.status = status;
  }
}

/** Kind-specific storage behaviour of built-in resources. */
function builtinStoreOptions(def: ResourceDef): Partial<ResourceStoreConfig> {
  if (def.group === 'certificates.k8s.io' && def.kind === 'CertificateSigningRequest') {
    return {
      prepareCreate: (csr, ctx) => prepareCertificateSigningRequestCreate(csr, { username: ctx.user?.username ?? '', uid: ctx.user?.uid, groups: ctx.user?.groups, extra: ctx.user?.extra }),
      preserveOnUpdate: preserveCertificateSigningRequestOnUpdate,
      prepareStatusUpdate: prepareCertificateSigningRequestStatus,
      subresourceViews: { approval: prepareCertificateSigningRequestApproval },
    };
  }
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
      preserveOnUpdate: (next, old) => {
        const finalizers = isJsonObject(old.spec) ? old.spec.finalizers : undefined;
        const spec = isJsonObject(next.spec) ? next.spec : (next.spec = {});
        if (finalizers === undefined) delete spec.finalizers;
        else spec.finalizers = finalizers;
      },
    };
  }
  if (def.group === '' && def.kind === 'Node') return { keepStatusOnCreate: true };
  if (def.group === 'apps' && def.kind === 'DaemonSet') {
    return {
      // Upstream keeps spec.templateGeneration (served in apps/v1 as this annotation) out of
      // clients' hands and bumps it whenever the pod template changes (daemonSetStrategy.PrepareForUpdate).
      preserveOnUpdate: (next, old) => {
        const previous = Number(old.metadata.annotations?.[DAEMONSET_TEMPLATE_GENERATION]);
        const base = Number.isInteger(previous) && previous >= 1 ? previous : 1;
        const template = (o: KubeObject) => (isJsonObject(o.spec) ? o.spec.template : undefined);
        setDaemonSetTemplateGeneration(next, jsonEqual(template(next), template(old)) ? base : base + 1);
      },
    };
  }
  if ((def.group === '' && (def.kind === 'Endpoints' || def.kind === 'Event')) || (def.group === 'coordination.k8s.io' && def.kind === 'Lease')) {
    return { allowCreateOnUpdate: true };
  }
  return {};
}

/** apps/v1's rendering of the internal DaemonSet spec.templateGeneration. */
const DAEMONSET_TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

function setDaemonSetTemplateGeneration(ds: KubeObject, generation: number): void {
  ds.metadata.annotations = { ...ds.metadata.annotations, [DAEMONSET_TEMPLATE_GENERATION]: String(generation) };
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

