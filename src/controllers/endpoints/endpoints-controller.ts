/**
 * The Endpoints controller (upstream pkg/controller/endpoint): for every Service with a selector,
 * a core/v1 Endpoints object of the same name whose subsets list the matching pods with an IP —
 * ready ones under `addresses`, the others under `notReadyAddresses` (all under `addresses` when
 * the Service publishes not-ready addresses) — grouped by the set of ports they serve. It carries
 * the Service's labels, `endpoints.kubernetes.io/last-change-trigger-time`, and is cut to 1000
 * addresses with `endpoints.kubernetes.io/over-capacity: truncated` beyond that.
 *
 * Services without a selector (and ExternalName ones) are left alone; the Endpoints of a deleted
 * Service are deleted; at start, Endpoints without a Service are removed (leader-election
 * records excepted), as upstream does.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, splitKey, type SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';
import {
  ANNOTATION_TRIGGER_TIME,
  LABEL_HEADLESS,
  TriggerTimeTracker,
  findPort,
  formatRfc3339Nano,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  podsForService,
  serviceSelector,
  servicePorts,
  watchServicesAndPods,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../endpointslice/endpoint-utils.js';
import { countAddresses, normalizeSubsets, repackSubsets, subsetsEqual, truncateSubsets, type Subset } from './endpoints-subsets.js';

export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** Endpoints holding a leader-election record have no Service and must survive the start-up sweep. */
export const ANNOTATION_LEADER = 'control-plane.alpha.kubernetes.io/leader';

export interface EndpointsControllerOptions {
  /** Services synced in parallel (upstream --concurrent-endpoint-syncs: 5). */
  readonly workers?: number;
  /** Most addresses in one Endpoints object (upstream: 1000). */
  readonly maxCapacity?: number;
  /**
   * Delay added to syncs triggered by pod changes, so bursts of pod updates make one write
   * (upstream --endpoint-updates-batch-period; default 0).
   */
  readonly batchPeriodMs?: number;
  /** Syncs of a Service whose cached Endpoints stays behind our write this many times trust the cache again. */
  readonly maxStaleSyncs?: number;
}

export class EndpointsController implements Controller {
  readonly name = 'endpoints-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #options: Required<EndpointsControllerOptions>;
  readonly #queue;
  readonly #services: SharedInformer;
  readonly #pods: SharedInformer;
  readonly #endpoints: SharedInformer;
  readonly #triggers = new TriggerTimeTracker();
  /** Service key → resourceVersion of the Endpoints we last wrote (to spot a lagging cache). */
  readonly #written = new Map<string, number>();
  /** Service key → consecutive syncs that found the cache behind our write. */
  readonly #stale = new Map<string, number>();

  constructor(ctx: ControllerContext, options: EndpointsControllerOptions = {}) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder('endpoint-controller');
    this.#options = { workers: 5, maxCapacity: 1000, maxStaleSyncs: 30, batchPeriodMs: 0, ...options };
    this.#queue = newQueue(ctx.clock);
    const q = this.#queue;

    ({ services: this.#services, pods: this.#pods } = watchServicesAndPods(ctx.informers, q, this.#options.batchPeriodMs));

    this.#endpoints = ctx.informers.informer(resources.endpoints);
    const caughtUp = (ep: KubeObject) => {
      if (this.#stale.has(objectKey(ep))) q.add(objectKey(ep));
    };
    this.#endpoints.addEventHandler({
      onAdd: caughtUp,
      onUpdate: (_o, ep) => caughtUp(ep),
      onDelete: (ep) => {
        this.#written.delete(objectKey(ep));
        q.add(objectKey(ep));
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#services, this.#pods, this.#endpoints].map((i) => i.waitForSync(signal)));
    // Endpoints whose Service went away while we were not running.
    for (const ep of this.#endpoints.lister.list()) {
      if (ep.metadata.annotations?.[ANNOTATION_LEADER] !== undefined) continue;
      this.#queue.add(objectKey(ep));
    }
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#syncService(key), workers: this.#options.workers, logger: this.#log }, signal);
  }

  async #syncService(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const svc = this.#services.lister.getByKey(key);
    if (!svc) {
      try {
        await this.#ctx.client.delete(resources.endpoints, namespace, name);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
      this.#triggers.delete(key);
      this.#written.delete(key);
      this.#stale.delete(key);
      return;
    }
    const spec = isJsonObject(svc.spec) ? svc.spec : {};
    if (spec.type === 'ExternalName') return;
    const selector = serviceSelector(svc);
    if (!selector) return;

    const pods = podsForService(this.#pods, namespace, selector);
    // Computed before any early return so the tracker's view stays current.
    const trigger = this.#triggers.compute(key, svc, pods);
    const publishNotReady = spec.publishNotReadyAddresses === true;
    const headless = !isServiceIPSet(svc);
    const ports = servicePorts(svc);
    const raw: Subset[] = [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const address = endpointAddress(svc, pod);
      if (!address) continue;
      const ready = publishNotReady || isPodReady(pod);
      const subset = (port: JsonObject | undefined): Subset => ({ ...(ready ? { addresses: [address] } : { notReadyAddresses: [address] }), ...(port ? { ports: [port] } : {}) });
      if (ports.length === 0) {
        // Only headless Services may have no ports.
        if (headless) raw.push(subset(undefined));
        continue;
      }
      for (const sp of ports) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const epp: JsonObject = {};
        if (typeof sp.name === 'string' && sp.name !== '') epp.name = sp.name;
        epp.port = port;
        epp.protocol = typeof sp.protocol === 'string' ? sp.protocol : 'TCP';
        if (typeof sp.appProtocol === 'string') epp.appProtocol = sp.appProtocol;
        raw.push(subset(epp));
      }
    }
    const subsets = repackSubsets(raw);

    const current = this.#endpoints.lister.getByKey(key);
    const written = this.#written.get(key);
    if (written !== undefined && (!current || Number(current.metadata.resourceVersion) < written)) {
      const n = (this.#stale.get(key) ?? 0) + 1;
      if (n < this.#options.maxStaleSyncs) {
        // Our last write has not reached the cache; its event re-queues this Service.
        this.#stale.set(key, n);
        return { requeueAfterMs: 1000 };
      }
      this.#log.warn({ service: key }, 'Endpoints cache stayed behind our write; trusting it again');
    }
    this.#stale.delete(key);
    this.#written.delete(key);

    const svcLabels = svc.metadata.labels ?? {};
    if (current) {
      const labels = { ...(current.metadata.labels ?? {}) };
      delete labels[LABEL_HEADLESS];
      const currentSubsets = normalizeSubsets(current.subsets);
      const annotations = current.metadata.annotations ?? {};
      const capacityOk = countAddresses(currentSubsets) <= this.#options.maxCapacity && annotations[ANNOTATION_OVER_CAPACITY] === undefined;
      if (subsetsEqual(currentSubsets, subsets) && jsonEqual(labels, svcLabels) && capacityOk) return;
    }

    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    if (trigger !== undefined) annotations[ANNOTATION_TRIGGER_TIME] = formatRfc3339Nano(trigger);
    else delete annotations[ANNOTATION_TRIGGER_TIME];
    if (truncateSubsets(subsets, this.#options.maxCapacity)) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
    else delete annotations[ANNOTATION_OVER_CAPACITY];
    const labels: Record<string, string> = { ...svcLabels };
    if (headless) labels[LABEL_HEADLESS] = '';
    else delete labels[LABEL_HEADLESS];

    const next: KubeObject = current
      ? { ...current, metadata: { ...current.metadata, labels, annotations } }
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels, annotations } };
    if (subsets.length > 0) next.subsets = subsets as unknown as JsonObject[];
    else delete next.subsets;

    try {
      const res = current
        ? await this.#ctx.client.update(resources.endpoints, namespace, next, { fieldManager: KUBE_CONTROLLER_MANAGER })
        : await this.#ctx.client.create(resources.endpoints, namespace, next, { fieldManager: KUBE_CONTROLLER_MANAGER });
      const rv = Number(res.metadata.resourceVersion);
      if (Number.isFinite(rv)) this.#written.set(key, rv);
    } catch (e) {
      // A terminating namespace refuses new content; nothing to do.
      if (!current && e instanceof ApiError && e.code === 403 && e.message.includes('is being terminated')) return;
      const msg = e instanceof Error ? e.message : String(e);
      if (current) this.#recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${msg}`);
      else this.#recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${msg}`);
      throw e;
    }
  }
}

/**
 * The pod's address in the Service's (first) IP family (upstream podToEndpointAddressForService);
 * headless Services without families go by the pod's primary IP.
 */
function endpointAddress(svc: KubeObject, pod: KubeObject): JsonObject | undefined {
  const spec = isJsonObject(svc.spec) ? svc.spec : {};
  const ips = podIPs(pod);
  let v6: boolean;
  if (Array.isArray(spec.ipFamilies) && typeof spec.ipFamilies[0] === 'string') v6 = spec.ipFamilies[0] === 'IPv6';
  else if (isServiceIPSet(svc)) v6 = isIPv6(String(spec.clusterIP));
  else v6 = isIPv6(ips[0] ?? '');
  const ip = ips.find((x) => isIPv6(x) === v6);
  if (!ip) return undefined;
  const podSpec = isJsonObject(pod.spec) ? pod.spec : {};
  const address: JsonObject = { ip };
  if (shouldSetHostname(pod, svc)) address.hostname = podSpec.hostname as string;
  address.nodeName = typeof podSpec.nodeName === 'string' ? podSpec.nodeName : '';
  address.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
  return address;
}
