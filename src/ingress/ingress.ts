/**
 * The ingress controller's seam: `startIngress` runs the controller (routes, status) and the
 * HTTP/HTTPS listeners of the server process. See ingress-controller.ts and ingress-proxy.ts.
 */
import type { Logger } from 'pino';
import type { BackendDialer } from '../apiserver/extensions/backend-dialer.js';
import type { KubeObject } from '../api/object.js';
import type { Client } from '../client/client.js';
import { ensureHostService, removeHostService } from '../network/host-service.js';
import type { InformerFactory } from '../informer/informer-factory.js';
import { issueCertificate } from '../pki/issue-certificate.js';
import type { Clock } from '../util/clock.js';
import { IngressController } from './ingress-controller.js';
import { startIngressProxy } from './ingress-proxy.js';

export interface IngressConfig {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly dialer: BackendDialer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bindAddress: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly httpsPort: number;
  /** The address Ingresses report in their status (the server node's). */
  readonly statusAddress: string;
  /** The server's own node (the embedded agent's), where the listeners are. */
  readonly nodeName?: string;
  /**
   * Publish the ingress on every node through its LoadBalancer Service (default true). Servers of
   * simulated nodes do not: those nodes forward nothing, and listing thousands of them as
   * load-balancer addresses would only cost.
   */
  readonly onEveryNode?: boolean;
}

/**
 * The ingress's LoadBalancer Service (k3s has kube-system/traefik): ServiceLB gives it every
 * Ready node's address and kube-proxy forwards ports 80 and 443 of each node to the listeners
 * here, so Ingresses answer on every node as with k3s. Its EndpointSlice points at this server.
 */
export const INGRESS_SERVICE = { namespace: 'kube-system', name: 'lite-ingress', slice: 'lite-ingress-lite', manager: 'lite-ingress-controller' } as const;

function ingressService(httpPort: number, httpsPort: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: INGRESS_SERVICE.name, namespace: INGRESS_SERVICE.namespace, labels: { 'app.kubernetes.io/name': 'lite-ingress', 'app.kubernetes.io/managed-by': 'lite' } },
    spec: {
      type: 'LoadBalancer',
      ports: [
        { name: 'web', port: 80, targetPort: httpPort, protocol: 'TCP' },
        { name: 'websecure', port: 443, targetPort: httpsPort, protocol: 'TCP' },
      ],
    },
  };
}

/** Listeners on a wildcard address are reachable at the node's address: only then can other nodes forward to them. */
function reachableFromNodes(bindAddress: string): boolean {
  return bindAddress === '0.0.0.0' || bindAddress === '::';
}

/** Removes the ingress's Service (when the ingress does not run, or listens only locally). */
export function removeIngressService(client: Client): Promise<void> {
  return removeHostService(client, INGRESS_SERVICE.namespace, INGRESS_SERVICE.name, INGRESS_SERVICE.slice, INGRESS_SERVICE.manager);
}

export interface RunningIngress {
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Resolves once the listeners are closed and the controller stopped (after the signal aborts). */
  readonly closed: Promise<void>;
}

/**
 * Starts the listeners, then the controller. A port that cannot be bound (in use, or privileged
 * for a non-root user) does not stop the server: the ingress controller then does not run, and
 * the reason is logged (undefined is returned).
 */
export async function startIngress(config: IngressConfig, signal: AbortSignal): Promise<RunningIngress | undefined> {
  const log = config.logger;
  const everyNode = config.onEveryNode !== false && reachableFromNodes(config.bindAddress);
  const controller = new IngressController({
    client: config.client,
    informers: config.informers,
    clock: config.clock,
    logger: log,
    statusAddress: config.statusAddress,
    ...(everyNode ? { loadBalancerService: { namespace: INGRESS_SERVICE.namespace, name: INGRESS_SERVICE.name } } : {}),
  });
  // Traefik, too, serves a self-signed default certificate made at start for hosts without a TLS Secret.
  const defaultCertificate = await issueCertificate({ usage: 'server', commonName: 'lite ingress default certificate', dnsNames: ['lite-ingress.invalid'], validDays: 365, clock: config.clock });
  let proxy: Awaited<ReturnType<typeof startIngressProxy>>;
  try {
    proxy = await startIngressProxy({
      route: (host, path) => controller.route(host, path),
      endpoints: (backend) => controller.endpoints(backend),
      dial: (target, s) => config.dialer.dial(target, s),
      secureContext: (name) => controller.secureContext(name),
      defaultCertificate,
      bindAddress: config.bindAddress,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      logger: log,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { port?: number };
    const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'needs root (a port below 1024)' : `cannot be used (${err.message})`;
    log.warn(
      { err: e },
      `the ingress controller does not run: port ${err.port ?? `${config.httpPort}/${config.httpsPort}`} on ${config.bindAddress} ${why}; Ingresses are not served (choose other ports with --ingress-http-port/--ingress-https-port, or --disable-ingress)`,
    );
    await removeIngressService(config.client).catch((err: unknown) => log.warn({ err }, 'could not remove the ingress Service'));
    return undefined;
  }
  if (everyNode) {
    await ensureHostService(config.client, {
      service: ingressService(proxy.httpPort, proxy.httpsPort),
      sliceName: INGRESS_SERVICE.slice,
      manager: INGRESS_SERVICE.manager,
      target: {
        addresses: [config.statusAddress],
        ports: [
          { name: 'web', port: proxy.httpPort, protocol: 'TCP' },
          { name: 'websecure', port: proxy.httpsPort, protocol: 'TCP' },
        ],
        ...(config.nodeName ? { nodeName: config.nodeName } : {}),
      },
    });
  } else {
    await removeIngressService(config.client);
  }
  const running = controller.run(signal).catch((e: unknown) => log.error({ err: e }, 'ingress controller stopped'));
  const closed = new Promise<void>((resolve) => {
    const stop = () => void Promise.all([proxy.close(), running]).then(() => resolve());
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  return { httpPort: proxy.httpPort, httpsPort: proxy.httpsPort, closed };
}
