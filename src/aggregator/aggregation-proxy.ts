/**
 * The proxy half of kube-aggregator (handler_proxy.go): a request under `/apis/<group>/<version>`
 * whose APIService names a Service is sent, after this server authenticated and authorized it,
 * to a ready endpoint of that Service. The user travels in the front-proxy headers
 * (X-Remote-User, X-Remote-Group, X-Remote-Extra-*) behind the client certificate
 * `system:auth-proxy`; the caller's own credentials (Authorization, Impersonate-*) and any
 * X-Remote-* headers it sent are dropped. Bodies stream both ways, so watches work.
 *
 * As upstream, an APIService that is not Available, or whose Service has no endpoint, answers
 * 503 "service unavailable" (kubectl: "the server is currently unable to handle the request"),
 * and a backend that cannot be reached answers 503 "error trying to reach service: …".
 * Connection upgrades (WebSocket or SPDY streams, e.g. KubeVirt's consoles) are relayed on a
 * connection of their own, the front-proxy headers sent with the upgrade request.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { describeDialFailure } from '../apiserver/extensions/dialled-https-agent.js';
import { forwardHeaders, relayUpgrade } from '../apiserver/extensions/proxy.js';
import { isUpgradeRequest } from '../apiserver/extensions/websocket-upgrade.js';
import type { UserInfo } from '../registry/context.js';
import type { ApiServiceView, ServiceReference } from './apiservice.js';
import { authProxyHeaders, NoEndpointError, type BackendClient } from './backend-client.js';

export interface ApiServiceRoutes {
  route(group: string, version: string): (ApiServiceView & { service: ServiceReference }) | undefined;
}

export interface AggregationProxyConfig {
  readonly routes: ApiServiceRoutes;
  readonly backends: BackendClient;
  readonly logger: Logger;
}

/** Hop-by-hop response headers (RFC 9110 §7.6.1): never passed back. */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export class AggregationProxy {
  readonly #config: AggregationProxyConfig;

  constructor(config: AggregationProxyConfig) {
    this.#config = config;
  }

  /** Whether requests for this group version go to a Service (then `serve` answers them). */
  handles(group: string, version: string): boolean {
    return this.#config.routes.route(group, version) !== undefined;
  }

  /** Proxies the request; resolves once the answer has been started (or refused). */
  async serve(group: string, version: string, incoming: IncomingMessage, outgoing: ServerResponse, user: UserInfo): Promise<void> {
    const view = this.#config.routes.route(group, version);
    if (!view || !view.available) return plainError(outgoing, 503, 'service unavailable');
    let endpoint;
    try {
      endpoint = await this.#config.backends.resolve(view.service);
    } catch (e) {
      if (!(e instanceof NoEndpointError)) throw e;
      this.#config.logger.warn({ apiService: view.name, err: e.message }, 'no endpoint for APIService');
      return plainError(outgoing, 503, 'service unavailable');
    }
    if (isUpgradeRequest(incoming)) {
      const headers = { ...forwardedHeaders(incoming, true), ...authProxyHeaders(user), host: `${endpoint.host}:${endpoint.port}` };
      let socket;
      try {
        socket = await this.#config.backends.connect(view, endpoint, new AbortController().signal);
      } catch (e) {
        return plainError(outgoing, 503, `error trying to reach service: ${describeDialFailure(e, `${endpoint.host}:${endpoint.port}`)}`);
      }
      relayUpgrade(this.#config.logger, incoming, socket, incoming.method ?? 'GET', incoming.url ?? '/', headers);
      return;
    }
    const headers = { ...forwardedHeaders(incoming, false), ...authProxyHeaders(user), host: `${endpoint.host}:${endpoint.port}` };
    const upstream = this.#config.backends.request(view, endpoint, incoming.method ?? 'GET', incoming.url ?? '/', headers);
    await new Promise<void>((resolve) => {
      upstream.on('response', (res) => {
        outgoing.writeHead(res.statusCode ?? 502, responseHeaders(res.headers));
        // A watch answers slowly: every chunk goes out as it arrives.
        outgoing.flushHeaders();
        res.pipe(outgoing);
        res.on('error', () => outgoing.destroy());
        resolve();
      });
      upstream.on('error', (e) => {
        if (!outgoing.headersSent) {
          this.#config.logger.warn({ apiService: view.name, err: e.message }, 'error reaching APIService backend');
          plainError(outgoing, 503, `error trying to reach service: ${describeDialFailure(e, `${endpoint.host}:${endpoint.port}`)}`);
        } else outgoing.destroy();
        resolve();
      });
      // The caller went away (a watch ended by kubectl): stop the backend's request too.
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) upstream.destroy();
      });
      incoming.pipe(upstream);
    });
  }
}

/**
 * The caller's headers as services/proxy forwards them (credentials and, unless upgrading,
 * hop-by-hop ones dropped), minus identity claims: only this server says who the user is.
 */
function forwardedHeaders(incoming: IncomingMessage, upgrade: boolean): OutgoingHttpHeaders {
  const out = forwardHeaders(incoming, upgrade);
  for (const name of Object.keys(out)) if (name === 'host' || name.startsWith('x-remote-')) delete out[name];
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

/** Go's http.Error: a text body ending in a newline, not a Status. */
function plainError(res: ServerResponse, code: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
