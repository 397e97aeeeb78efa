/**
 * The ingress controller's seam: `startIngress` runs the controller (routes, status) and the
 * HTTP/HTTPS listeners of the server process. See ingress-controller.ts and ingress-proxy.ts.
 */
import type { Logger } from 'pino';
import type { BackendDialer } from '../apiserver/extensions/backend-dialer.js';
import type { Client } from '../client/client.js';
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
  const controller = new IngressController({ client: config.client, informers: config.informers, clock: config.clock, logger: log, statusAddress: config.statusAddress });
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
    return undefined;
  }
  const running = controller.run(signal).catch((e: unknown) => log.error({ err: e }, 'ingress controller stopped'));
  const closed = new Promise<void>((resolve) => {
    const stop = () => void Promise.all([proxy.close(), running]).then(() => resolve());
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  return { httpPort: proxy.httpPort, httpsPort: proxy.httpsPort, closed };
}
