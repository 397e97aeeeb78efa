/**
 * HTTPS to the Service behind an APIService, as kube-aggregator reaches it: one ready endpoint
 * of the Service port (endpoint routing, like `--enable-aggregator-routing`), dialled through the
 * API server's proxy dialer (so a pod on another node is reached through its agent); the server
 * certificate verified against spec.caBundle for `<service>.<namespace>.svc` (or not at all with
 * insecureSkipTLSVerify); the front proxy's client certificate (CN system:auth-proxy) presented.
 * Connections are kept alive per endpoint.
 */
import https from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { ApiError } from '../api/errors.js';
import { DialledHttpsAgent, tlsHandshake } from '../apiserver/extensions/dialled-https-agent.js';
import type { BackendDialer } from '../apiserver/extensions/backend-dialer.js';
import { serviceLocation, type ProxyObjects } from '../apiserver/extensions/proxy-location.js';
import type { ApiServiceView, ServiceReference } from './apiservice.js';

export interface BackendEndpoint {
  readonly host: string;
  readonly port: number;
  /** The node the endpoint is on, when its EndpointSlice says. */
  readonly node?: string;
}

export interface BackendClientConfig {
  readonly dialer: BackendDialer;
  readonly objects: ProxyObjects;
  /** The front proxy's client certificate and key (PEM). */
  readonly proxyClient: { readonly certPem: string; readonly keyPem: string };
}

/** Raised when the Service has no endpoint to send to (upstream answers 503 "service unavailable"). */
export class NoEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoEndpointError';
  }
}

const MAX_SOCKETS_PER_ENDPOINT = 32;
const MAX_KEPT_AGENTS = 64;

export class BackendClient {
  readonly #config: BackendClientConfig;
  readonly #agents = new Map<string, https.Agent>();

  constructor(config: BackendClientConfig) {
    this.#config = config;
  }

  /** A ready endpoint of the APIService's Service port, picked at random as upstream does. */
  async resolve(service: ServiceReference): Promise<BackendEndpoint> {
    try {
      const location = await serviceLocation(this.#config.objects, service.namespace, `${service.name}:${service.port}`);
      if (location.kind !== 'backend') throw new NoEndpointError(`service/${service.name} in "${service.namespace}" has no network endpoint`);
      return { host: location.host, port: location.port, ...(location.node ? { node: location.node } : {}) };
    } catch (e) {
      if (e instanceof ApiError) throw new NoEndpointError(e.message);
      throw e;
    }
  }

  /**
   * Starts a request to `pathAndQuery` on the endpoint; the caller writes the body and ends it.
   * The request fails (its 'error' event) with the dialer's Go-style messages.
   */
  request(view: ApiServiceView & { service: ServiceReference }, endpoint: BackendEndpoint, method: string, pathAndQuery: string, headers: OutgoingHttpHeaders, signal?: AbortSignal): ReturnType<typeof https.request> {
    return https.request({
      protocol: 'https:',
      host: endpoint.host,
      port: endpoint.port,
      method,
      path: pathAndQuery,
      headers,
      agent: this.#agentFor(view, endpoint),
      ...(signal ? { signal } : {}),
    });
  }

  /** A TLS connection to the endpoint, handshake done (for connection upgrades, which bypass the pool). */
  async connect(view: ApiServiceView & { service: ServiceReference }, endpoint: BackendEndpoint, signal: AbortSignal): Promise<Duplex> {
    const raw = await this.#config.dialer.dial({ host: endpoint.host, port: endpoint.port, ...(endpoint.node ? { node: endpoint.node } : {}) }, signal);
    return tlsHandshake(raw, this.#tlsOptions(view));
  }

  /** Closes every kept connection. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agentFor(view: ApiServiceView & { service: ServiceReference }, endpoint: BackendEndpoint): https.Agent {
    const s = view.service;
    const key = `${endpoint.host}:${endpoint.port} ${s.namespace}/${s.name} ${view.insecureSkipTLSVerify} ${view.caPem ?? ''}`;
    const kept = this.#agents.get(key);
    if (kept) return kept;
    if (this.#agents.size >= MAX_KEPT_AGENTS) this.close();
    const agent = new DialledHttpsAgent(
      () => this.#config.dialer.dial({ host: endpoint.host, port: endpoint.port, ...(endpoint.node ? { node: endpoint.node } : {}) }, new AbortController().signal),
      this.#tlsOptions(view),
      MAX_SOCKETS_PER_ENDPOINT,
    );
    this.#agents.set(key, agent);
    return agent;
  }

  #tlsOptions(view: ApiServiceView & { service: ServiceReference }): tls.ConnectionOptions {
    const s = view.service;
    return {
      servername: `${s.name}.${s.namespace}.svc`,
      ...(view.caPem ? { ca: view.caPem } : {}),
      rejectUnauthorized: !view.insecureSkipTLSVerify,
      cert: this.#config.proxyClient.certPem,
      key: this.#config.proxyClient.keyPem,
      ALPNProtocols: ['http/1.1'],
    };
  }
}

/** The front-proxy headers that carry the authenticated user to an extension API server. */
export function authProxyHeaders(user: { readonly username: string; readonly groups: readonly string[]; readonly extra?: Readonly<Record<string, readonly string[]>> }): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'x-remote-user': user.username };
  if (user.groups.length) headers['x-remote-group'] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {})) {
    // client-go escapes extra keys so that any string survives a header name (transport.headerKeyEscape).
    headers[`x-remote-extra-${encodeURIComponent(key.toLowerCase())}`] = [...values];
  }
  return headers;
}
