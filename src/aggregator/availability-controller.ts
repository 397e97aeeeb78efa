/**
 * kube-aggregator's AvailableConditionController, plus what the proxy and discovery need to know
 * about APIServices.
 *
 * For each APIService it sets the Available condition with upstream's reasons and messages:
 * Local (no service), ServiceNotFound, ServicePortError, EndpointsNotFound, MissingEndpoints,
 * FailedDiscoveryCheck, Passed. The discovery check GETs `/apis/<group>/<version>` (`/api/<v>`
 * for `v1.`) on a ready endpoint as `system:kube-aggregator` in `system:masters`, within 5 s;
 * any 2xx passes. The APIResourceList it returns is kept for discovery (lite's aggregated
 * discovery lists the backend's resources from it, so `kubectl get <resource>` finds them).
 *
 * An APIService is checked when it, its Service or the Service's EndpointSlices change, and
 * again every `recheckIntervalMs` (upstream re-checks on a tight resync so a dead backend is
 * noticed), and soon after a failed check.
 */
import { createHash } from 'node:crypto';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../api/object.js';
import { readyEndpoints } from '../apiserver/extensions/proxy-location.js';
import { describeDialFailure } from '../apiserver/extensions/dialled-https-agent.js';
import { resources, type Client } from '../client/client.js';
import { runReconcileLoop, newQueue, type ReconcileResult } from '../controllers/framework/controller.js';
import type { InformerFactory } from '../informer/informer-factory.js';
import type { SharedInformer } from '../informer/shared-informer.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from 'pino';
import type { RemoteApis, RemoteGroupVersion } from '../apiserver/discovery.js';
import { APISERVICES, readApiService, withAvailableCondition, type ApiServiceView, type AvailableCondition, type ServiceReference } from './apiservice.js';
import { BackendClient, NoEndpointError } from './backend-client.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SLICES_BY_SERVICE = 'aggregator:service';
const DISCOVERY_TIMEOUT_MS = 5_000;
const MAX_DISCOVERY_BYTES = 4 * 1024 * 1024;

export interface AvailabilityControllerConfig {
  /** Writes the status as the API server does (field manager kube-apiserver). */
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly backends: BackendClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often a Service-backed APIService is checked again (default 30 s). */
  readonly recheckIntervalMs?: number;
  /** How soon a failed check is repeated (default 5 s). */
  readonly retryAfterFailureMs?: number;
}

export class AvailabilityController implements RemoteApis {
  readonly name = 'apiservice-availability';
  readonly #config: AvailabilityControllerConfig;
  readonly #apiServices: SharedInformer;
  readonly #services: SharedInformer;
  readonly #slices: SharedInformer;
  readonly #queue;
  /** Service-backed APIServices by `<group>/<version>`. */
  #routes = new Map<string, ApiServiceView & { service: ServiceReference }>();
  /** Last good APIResourceList by APIService name. */
  readonly #discovered = new Map<string, JsonObject>();
  /** Last good OpenAPI v3 document by APIService name. */
  readonly #openApi = new Map<string, { text: string; hash: string }>();
  #generation = 0;

  constructor(config: AvailabilityControllerConfig) {
    this.#config = config;
    this.#queue = newQueue(config.clock);
    this.#apiServices = config.informers.informer(APISERVICES);
    this.#services = config.informers.informer(resources.services);
    this.#slices = config.informers.informer(resources.endpointslices);
    this.#slices.addIndexers({
      [SLICES_BY_SERVICE]: (s) => {
        const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
        return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
      },
    });
    const onApiService = (o: KubeObject) => {
      this.#rebuildRoutes();
      this.#queue.add(o.metadata.name ?? '');
    };
    this.#apiServices.addEventHandler({ onAdd: onApiService, onUpdate: (_o, n) => onApiService(n), onDelete: onApiService });
    const onServiceSide = (namespace: string | undefined, service: string | undefined) => {
      if (!service) return;
      for (const view of this.#routes.values()) {
        if (view.service.namespace === namespace && view.service.name === service) this.#queue.add(view.name);
      }
    };
    const onService = (s: KubeObject) => onServiceSide(s.metadata.namespace, s.metadata.name);
    this.#services.addEventHandler({ onAdd: onService, onUpdate: (_o, n) => onService(n), onDelete: onService });
    const onSlice = (s: KubeObject) => onServiceSide(s.metadata.namespace, s.metadata.labels?.[SERVICE_NAME_LABEL]);
    this.#slices.addEventHandler({ onAdd: onSlice, onUpdate: (_o, n) => onSlice(n), onDelete: onSlice });
  }

  /** Bumped whenever the routes or a backend's discovery change (discovery caches key on it). */
  get generation(): number {
    return this.#generation;
  }

  /** The Service-backed APIService for a group version, if any. */
  route(group: string, version: string): (ApiServiceView & { service: ServiceReference }) | undefined {
    return this.#routes.get(`${group}/${version}`);
  }

  /** Every Service-backed group version, for discovery. */
  remoteGroupVersions(): RemoteGroupVersion[] {
    return [...this.#routes.values()].map((v) => {
      const list = this.#discovered.get(v.name);
      const openApi = this.#openApi.get(v.name);
      return {
        group: v.group,
        version: v.version,
        groupPriorityMinimum: v.groupPriorityMinimum,
        versionPriority: v.versionPriority,
        available: v.available,
        ...(list ? { resourceList: list } : {}),
        ...(openApi ? { openApi } : {}),
      };
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#apiServices.waitForSync(signal), this.#services.waitForSync(signal), this.#slices.waitForSync(signal)]);
    this.#rebuildRoutes();
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (name) => this.#reconcile(name), workers: 2, logger: this.#config.logger, clock: this.#config.clock }, signal);
  }

  #rebuildRoutes(): void {
    const routes = new Map<string, ApiServiceView & { service: ServiceReference }>();
    const names = new Set<string>();
    for (const obj of this.#apiServices.lister.list()) {
      const view = readApiService(obj);
      names.add(view.name);
      if (view.service) routes.set(`${view.group}/${view.version}`, { ...view, service: view.service });
    }
    for (const name of this.#discovered.keys()) if (!names.has(name)) this.#discovered.delete(name);
    for (const name of this.#openApi.keys()) if (!names.has(name)) this.#openApi.delete(name);
    this.#routes = routes;
    this.#generation++;
  }

  async #reconcile(name: string): Promise<ReconcileResult> {
    const obj = this.#apiServices.lister.get(undefined, name);
    if (!obj) {
      this.#discovered.delete(name);
      this.#openApi.delete(name);
      return;
    }
    const view = readApiService(obj);
    const { condition, resourceList } = view.service ? await this.#check({ ...view, service: view.service }) : { condition: LOCAL, resourceList: undefined };
    if (resourceList) {
      this.#discovered.set(name, resourceList);
      this.#generation++;
      if (view.service) await this.#fetchOpenApi({ ...view, service: view.service });
    }
    const updated = withAvailableCondition(obj, condition, rfc3339(this.#config.clock.now()));
    if (updated) {
      if (condition.status !== (view.available ? 'True' : 'False')) {
        this.#config.logger.info({ apiService: name, status: condition.status, reason: condition.reason, message: condition.message }, 'changing APIService availability');
      }
      await this.#config.client.update(APISERVICES, undefined, updated, { subresource: 'status' });
    }
    if (!view.service) return;
    return { requeueAfterMs: condition.status === 'True' ? (this.#config.recheckIntervalMs ?? 30_000) : (this.#config.retryAfterFailureMs ?? 5_000) };
  }

  async #check(view: ApiServiceView & { service: ServiceReference }): Promise<{ condition: Condition; resourceList?: JsonObject }> {
    const { namespace, name, port } = view.service;
    const service = this.#services.lister.get(namespace, name);
    if (!service) return { condition: { status: 'False', reason: 'ServiceNotFound', message: `service/${name} in "${namespace}" is not present` } };
    const spec = isJsonObject(service.spec) ? service.spec : {};
    const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
    if (type === 'ClusterIP') {
      // As upstream: only a ClusterIP Service is checked for its port and endpoints.
      const ports = Array.isArray(spec.ports) ? spec.ports.filter(isJsonObject) : [];
      const found = ports.find((p) => p.port === port);
      if (!found) return { condition: { status: 'False', reason: 'ServicePortError', message: `service/${name} in "${namespace}" is not listening on port ${port}` } };
      const portName = typeof found.name === 'string' ? found.name : '';
      const slices = this.#slices.lister.byIndex(SLICES_BY_SERVICE, `${namespace}/${name}`);
      if (slices.length === 0) return { condition: { status: 'False', reason: 'EndpointsNotFound', message: `cannot find endpoints for service/${name} in "${namespace}"` } };
      if (readyEndpoints(slices, portName).endpoints.length === 0) {
        return { condition: { status: 'False', reason: 'MissingEndpoints', message: `endpoints for service/${name} in "${namespace}" have no addresses with port name "${portName}"` } };
      }
    }
    return this.#discoveryCheck(view);
  }

  /**
   * The backend's OpenAPI v3 document of the group version (kube-aggregator merges them into
   * /openapi/v3, so `kubectl explain` works for extension APIs); kept until a newer one comes.
   * A backend without one, or one that fails, only loses `kubectl explain`.
   */
  async #fetchOpenApi(view: ApiServiceView & { service: ServiceReference }): Promise<void> {
    const path = view.name === 'v1.' ? `/openapi/v3/api/${view.version}` : `/openapi/v3/apis/${view.group}/${view.version}`;
    try {
      const endpoint = await this.#config.backends.resolve(view.service);
      const { status, body } = await this.#get(view, endpoint, path);
      if (status < 200 || status >= 300) return;
      const parsed: unknown = JSON.parse(body);
      if (!isJsonObject(parsed) || !isJsonObject(parsed.paths)) return;
      const text = JSON.stringify(parsed);
      if (this.#openApi.get(view.name)?.text === text) return;
      this.#openApi.set(view.name, { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 64).toUpperCase() });
      this.#generation++;
    } catch (e) {
      this.#config.logger.debug({ apiService: view.name, err: e instanceof Error ? e.message : String(e) }, 'no OpenAPI v3 document from the APIService backend');
    }
  }

  async #discoveryCheck(view: ApiServiceView & { service: ServiceReference }): Promise<{ condition: Condition; resourceList?: JsonObject }> {
    const path = view.name === 'v1.' ? `/api/${view.version}` : `/apis/${view.group}/${view.version}`;
    let url = `https://${view.service.name}.${view.service.namespace}.svc:${view.service.port}${path}`;
    try {
      const endpoint = await this.#config.backends.resolve(view.service);
      url = `https://${endpoint.host}:${endpoint.port}${path}`;
      const { status, body } = await this.#get(view, endpoint, path);
      if (status < 200 || status >= 300) throw new Error(`bad status from ${url}: ${status}`);
      let resourceList: JsonObject | undefined;
      try {
        const parsed: unknown = JSON.parse(body);
        if (isJsonObject(parsed) && parsed.kind === 'APIResourceList' && Array.isArray(parsed.resources)) resourceList = parsed;
      } catch {
        // Upstream only asks for a 2xx here; a body that is no APIResourceList just lists no resources.
      }
      return { condition: { status: 'True', reason: 'Passed', message: 'all checks passed' }, ...(resourceList ? { resourceList } : {}) };
    } catch (e) {
      const message = e instanceof NoEndpointError ? e.message : e instanceof Error && e.message.startsWith('bad status') ? e.message : `Get "${url}": ${describeDialFailure(e, url.replace(/^https:\/\/([^/]+).*$/, '$1'))}`;
      return { condition: { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: ${message}` } };
    }
  }

  #get(view: ApiServiceView & { service: ServiceReference }, endpoint: { host: string; port: number; node?: string }, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const timeout = new AbortController();
      const cancel = this.#config.clock.setTimer(DISCOVERY_TIMEOUT_MS, () => timeout.abort(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
      const fail = (e: unknown) => {
        cancel();
        reject(timeout.signal.aborted ? (timeout.signal.reason as Error) : e);
      };
      const req = this.#config.backends.request(
        view,
        endpoint,
        'GET',
        path,
        // Upstream's check runs as system:kube-aggregator in system:masters, so it is always allowed.
        { accept: 'application/json', 'x-remote-user': 'system:kube-aggregator', 'x-remote-group': ['system:masters'], 'user-agent': 'kube-aggregator' },
        timeout.signal,
      );
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_DISCOVERY_BYTES) chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          cancel();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end();
    });
  }
}

type Condition = Omit<AvailableCondition, 'type' | 'lastTransitionTime'>;

const LOCAL: Condition = { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
