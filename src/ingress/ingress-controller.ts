/**
 * lite's ingress controller (k3s bundles Traefik for this; lite has no image to run, so the
 * server process does it): it serves the Ingresses of the IngressClasses whose
 * `spec.controller` is `lite.dev/ingress-controller` — the `lite` class it creates at start,
 * marked default (`ingressclass.kubernetes.io/is-default-class`), so Ingresses without a class
 * are its too — on the server's HTTP and HTTPS ports (ingress-proxy.ts), and writes the
 * address they answer on into their `status.loadBalancer.ingress`, so `kubectl get ingress`
 * shows an ADDRESS.
 *
 * Everything is read from the shared informers (Ingresses, IngressClasses, Services,
 * EndpointSlices, Secrets): the routing table is rebuilt on the first request after an Ingress
 * or IngressClass changed, endpoints are looked up per request, TLS Secrets per handshake
 * (their parsed contexts cached by resourceVersion).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import { IS_DEFAULT_INGRESS_CLASS } from '../admission/default-ingress-class.js';
import { ApiError } from '../api/errors.js';
import { resources, type Client, type ResourceRef } from '../client/client.js';
import { readyEndpoints } from '../apiserver/extensions/proxy-location.js';
import { newQueue, runReconcileLoop } from '../controllers/framework/controller.js';
import type { InformerFactory } from '../informer/informer-factory.js';
import { objectKey, splitKey, type SharedInformer } from '../informer/shared-informer.js';
import { BY_SERVICE_INDEX, byServiceIndexer } from '../network/service-views.js';
import type { Clock } from '../util/clock.js';
import type { BackendEndpoints } from './ingress-proxy.js';
import { ingressClassOf, IngressRoutes, type IngressBackend } from './ingress-routes.js';

export const INGRESS_CONTROLLER_NAME = 'lite.dev/ingress-controller';
export const DEFAULT_INGRESS_CLASS = 'lite';
const FIELD_MANAGER = 'lite-ingress-controller';

export const ingressResources = {
  ingresses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  ingressclasses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
} as const satisfies Record<string, ResourceRef>;

export interface IngressControllerConfig {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The address written into served Ingresses' status (the server node's)… */
  readonly statusAddress: string;
  /**
   * …unless this LoadBalancer Service (the ingress's own, kube-system/lite-ingress) has ingress
   * IPs: then those, as k3s reports Traefik's Service addresses.
   */
  readonly loadBalancerService?: { readonly namespace: string; readonly name: string };
}

function obj(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function list(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

export class IngressController {
  readonly #config: IngressControllerConfig;
  readonly #log: Logger;
  readonly #ingresses: SharedInformer;
  readonly #classes: SharedInformer;
  readonly #services: SharedInformer;
  readonly #slices: SharedInformer;
  readonly #secrets: SharedInformer;
  readonly #queue;
  #routes: IngressRoutes | undefined;
  readonly #contexts = new Map<string, { resourceVersion: string; context: SecureContext | undefined }>();

  constructor(config: IngressControllerConfig) {
    this.#config = config;
    this.#log = config.logger;
    this.#queue = newQueue(config.clock);
    const { informers } = config;
    this.#ingresses = informers.informer(ingressResources.ingresses);
    this.#classes = informers.informer(ingressResources.ingressclasses);
    this.#services = informers.informer(resources.services);
    this.#slices = informers.informer(resources.endpointslices);
    this.#slices.addIndexers({ [BY_SERVICE_INDEX]: byServiceIndexer });
    this.#secrets = informers.informer(ingressResources.secrets);
    this.#ingresses.addEventHandler({
      onAdd: (i) => this.#changed(i),
      onUpdate: (_o, n) => this.#changed(n),
      onDelete: () => (this.#routes = undefined),
    });
    const onClass = () => {
      this.#routes = undefined;
      for (const i of this.#ingresses.lister.list()) this.#queue.add(objectKey(i));
    };
    this.#classes.addEventHandler({ onAdd: onClass, onUpdate: onClass, onDelete: onClass });
    const lb = config.loadBalancerService;
    if (lb) {
      const onService = (svc: KubeObject) => {
        if (svc.metadata.namespace !== lb.namespace || svc.metadata.name !== lb.name) return;
        for (const i of this.#ingresses.lister.list()) this.#queue.add(objectKey(i));
      };
      this.#services.addEventHandler({ onAdd: onService, onUpdate: (_o, n) => onService(n), onDelete: onService });
    }
  }

  /** The addresses served Ingresses report: the load balancer's IPs, else the server's address. */
  #addresses(): string[] {
    const lb = this.#config.loadBalancerService;
    const svc = lb ? this.#services.lister.get(lb.namespace, lb.name) : undefined;
    const ips = list(obj(obj(svc?.status).loadBalancer).ingress)
      .map((i) => i.ip)
      .filter((ip): ip is string => typeof ip === 'string' && ip !== '');
    return ips.length ? ips : [this.#config.statusAddress];
  }

  #changed(ingress: KubeObject): void {
    this.#routes = undefined;
    this.#queue.add(objectKey(ingress));
  }

  /** Creates the `lite` IngressClass if missing, then keeps served Ingresses' status until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.#ensureIngressClass();
    await Promise.all([this.#ingresses, this.#classes, this.#services, this.#slices, this.#secrets].map((i) => i.waitForSync(signal)));
    if (signal.aborted) return;
    await runReconcileLoop({ name: 'ingress-controller', queue: this.#queue, reconcile: (key) => this.#syncStatus(key), workers: 1, logger: this.#log }, signal);
  }

  async #ensureIngressClass(): Promise<void> {
    try {
      await this.#config.client.create(ingressResources.ingressclasses, undefined, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: DEFAULT_INGRESS_CLASS, annotations: { [IS_DEFAULT_INGRESS_CLASS]: 'true' }, labels: { 'app.kubernetes.io/managed-by': 'lite' } },
        spec: { controller: INGRESS_CONTROLLER_NAME },
      });
    } catch (e) {
      // Kept as the admin left it (removing the default mark, say).
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }

  /** The class names this controller serves, and whether it serves class-less Ingresses. */
  #servedClasses(): { names: Set<string>; classless: boolean } {
    const names = new Set<string>();
    let classless = false;
    for (const c of this.#classes.lister.list()) {
      if (obj(c.spec).controller !== INGRESS_CONTROLLER_NAME) continue;
      names.add(c.metadata.name ?? '');
      if (c.metadata.annotations?.[IS_DEFAULT_INGRESS_CLASS] === 'true') classless = true;
    }
    return { names, classless };
  }

  #serves(ingress: KubeObject, served: { names: Set<string>; classless: boolean }): boolean {
    const cls = ingressClassOf(ingress);
    return cls === undefined ? served.classless : served.names.has(cls);
  }

  /** The current routing table (rebuilt after Ingresses or classes changed). */
  routes(): IngressRoutes {
    if (!this.#routes) {
      const served = this.#servedClasses();
      this.#routes = new IngressRoutes(this.#ingresses.lister.list().filter((i) => !i.metadata.deletionTimestamp && this.#serves(i, served)));
    }
    return this.#routes;
  }

  route(host: string | undefined, path: string): IngressBackend | undefined {
    return this.routes().match(host, path);
  }

  /** The ready endpoints of a backend's Service port (upstream's EndpointSlice reading). */
  endpoints(backend: IngressBackend): BackendEndpoints {
    const svc = this.#services.lister.get(backend.namespace, backend.service);
    if (!svc) return { unavailable: `service ${backend.namespace}/${backend.service} not found` };
    const port = list(obj(svc.spec).ports).find((p) => (typeof backend.port === 'number' ? p.port === backend.port : p.name === backend.port));
    if (!port) return { unavailable: `service ${backend.namespace}/${backend.service} has no port ${backend.port}` };
    const slices = this.#slices.lister.byIndex(BY_SERVICE_INDEX, `${backend.namespace}/${backend.service}`);
    const ready = readyEndpoints(slices, typeof port.name === 'string' ? port.name : '').endpoints;
    return { endpoints: ready.map((e) => ({ host: e.ip, port: e.port, ...(e.node ? { node: e.node } : {}) })) };
  }

  /** The TLS context for an SNI name from the Secret an Ingress names (undefined: default certificate). */
  secureContext(serverName: string): SecureContext | undefined {
    const ref = this.routes().tlsSecretFor(serverName);
    if (!ref) return undefined;
    const secret = this.#secrets.lister.get(ref.namespace, ref.name);
    if (!secret) return undefined;
    const key = `${ref.namespace}/${ref.name}`;
    const rv = secret.metadata.resourceVersion ?? '';
    const cached = this.#contexts.get(key);
    if (cached && cached.resourceVersion === rv) return cached.context;
    const data = obj(secret.data);
    let context: SecureContext | undefined;
    try {
      const cert = Buffer.from(String(data['tls.crt'] ?? ''), 'base64').toString('utf8');
      const keyPem = Buffer.from(String(data['tls.key'] ?? ''), 'base64').toString('utf8');
      context = createSecureContext({ cert, key: keyPem });
    } catch (e) {
      this.#log.warn({ err: e, secret: key }, 'the TLS secret of an Ingress does not hold a usable certificate and key; serving the default certificate');
      context = undefined;
    }
    this.#contexts.set(key, { resourceVersion: rv, context });
    return context;
  }

  /** Writes the address into a served Ingress's status (level-based: only when it differs). */
  async #syncStatus(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ingress = this.#ingresses.lister.get(namespace, name);
    if (!ingress || ingress.metadata.deletionTimestamp || !this.#serves(ingress, this.#servedClasses())) return;
    const current = list(obj(obj(ingress.status).loadBalancer).ingress);
    const want = this.#addresses();
    if (current.length === want.length && current.every((c, i) => c.ip === want[i] && Object.keys(c).length === 1)) return;
    await this.#config.client.patch(ingressResources.ingresses, namespace, name, 'merge', { status: { loadBalancer: { ingress: want.map((ip) => ({ ip })) } } }, { subresource: 'status', fieldManager: FIELD_MANAGER });
    this.#log.debug({ ingress: key, address: want }, 'ingress status updated');
  }
}
