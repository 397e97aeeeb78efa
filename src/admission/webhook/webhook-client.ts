/**
 * Posts an AdmissionReview to a webhook over HTTPS, as kube-apiserver's webhook client does:
 * `POST <url>?timeout=<n>s` with a JSON body, the server certificate verified against the
 * webhook's caBundle (the system roots without one) for the URL's host — `<name>.<namespace>.svc`
 * for a Service — and the whole call bounded by the webhook's timeoutSeconds.
 *
 * A Service is reached at one of its ready endpoints through `dialService` (the API server's proxy
 * dialer: through the agent of the endpoint's node, as k3s' egress selector does), so the API
 * server needs no route to the pod network. Failures are WebhookCallErrors whose messages read as
 * upstream's (`Post "https://…?timeout=10s": dial tcp …: connect: connection refused`).
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { DialledHttpsAgent, describeDialFailure } from '../../apiserver/extensions/dialled-https-agent.js';
import { isIP } from 'node:net';
import type { Clock } from '../../util/clock.js';
import type { WebhookClientConfig } from './webhook-rules.js';

/** Opens a TCP connection to a ready endpoint of a Service port (throws with a readable message). */
export type ServiceDialer = (namespace: string, name: string, port: number, signal: AbortSignal) => Promise<Duplex>;

export class WebhookCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookCallError';
  }
}

/** Largest response body read from a webhook (upstream limits it too: 3 MiB request size class). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface WebhookPost {
  readonly clientConfig: WebhookClientConfig;
  readonly timeoutSeconds: number;
  readonly body: string;
  readonly signal?: AbortSignal;
}

/** What the admission plugin needs of a webhook client (tests stand in for it). */
export interface WebhookPoster {
  /** Posts the body; resolves with the body of a 2xx answer; throws WebhookCallError. */
  post(request: WebhookPost): Promise<string>;
}

export interface WebhookClientOptions {
  readonly clock: Clock;
  /** How Service webhooks are reached; without it they fail with a message saying so. */
  readonly dialService?: ServiceDialer;
}

/** The URL a webhook is called at, as upstream shows it in errors. */
export function webhookUrl(config: WebhookClientConfig, timeoutSeconds: number): URL {
  let url: URL;
  if ('url' in config) url = new URL(config.url);
  else {
    const s = config.service;
    url = new URL(`https://${s.name}.${s.namespace}.svc:${s.port}${s.path ?? ''}`);
  }
  url.searchParams.set('timeout', `${timeoutSeconds}s`);
  return url;
}

/** The URL as upstream prints it: a Service's port is always shown (WHATWG URLs drop :443). */
function shownUrl(config: WebhookClientConfig, url: URL): string {
  if ('url' in config) return url.toString();
  const s = config.service;
  return `https://${s.name}.${s.namespace}.svc:${s.port}${url.pathname === '/' && !s.path ? '' : url.pathname}${url.search}`;
}

function caOf(config: WebhookClientConfig): string | undefined {
  return config.caBundle ? Buffer.from(config.caBundle, 'base64').toString('utf8') : undefined;
}

/** Connections kept open per webhook endpoint, and how many endpoints keep some. */
const MAX_SOCKETS_PER_WEBHOOK = 32;
const MAX_KEPT_ENDPOINTS = 64;

export class WebhookClient implements WebhookPoster {
  readonly #clock: Clock;
  #dialService: ServiceDialer | undefined;
  /** Keep-alive agents by endpoint and CA bundle (upstream caches its webhook clients the same way). */
  readonly #agents = new Map<string, https.Agent>();

  constructor(options: WebhookClientOptions) {
    this.#clock = options.clock;
    this.#dialService = options.dialService;
  }

  /** Set once the API server's proxy dialer exists (it is built after the admission chain). */
  setServiceDialer(dial: ServiceDialer): void {
    this.#dialService = dial;
  }

  /** Posts the body; resolves with the response body of a 2xx answer. */
  async post(request: WebhookPost): Promise<string> {
    const url = webhookUrl(request.clientConfig, request.timeoutSeconds);
    const what = `Post ${JSON.stringify(shownUrl(request.clientConfig, url))}`;
    const deadline = new AbortController();
    const cancelTimer = this.#clock.setTimer(request.timeoutSeconds * 1000, () => deadline.abort(new WebhookCallError(`${what}: context deadline exceeded`)));
    const onCallerAbort = () => deadline.abort(new WebhookCallError(`${what}: context canceled`));
    if (request.signal?.aborted) onCallerAbort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await this.#send(url, request, deadline.signal, what);
    } catch (e) {
      if (deadline.signal.aborted) throw deadline.signal.reason as WebhookCallError;
      if (e instanceof WebhookCallError) throw e;
      throw new WebhookCallError(`${what}: ${describeDialFailure(e, `${url.hostname}:${url.port || 443}`)}`);
    } finally {
      cancelTimer();
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Closes every kept connection. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agentFor(config: WebhookClientConfig, url: URL, ca: string | undefined, servername: string | undefined, what: string): https.Agent {
    const endpoint = 'url' in config ? url.origin : `${config.service.namespace}/${config.service.name}:${config.service.port}`;
    const key = `${endpoint} ${config.caBundle ?? ''}`;
    const kept = this.#agents.get(key);
    if (kept) return kept;
    if (this.#agents.size >= MAX_KEPT_ENDPOINTS) this.close();
    let agent: https.Agent;
    if ('url' in config) agent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_WEBHOOK });
    else {
      const s = config.service;
      agent = new DialledHttpsAgent(
        async () => {
          if (!this.#dialService) throw new WebhookCallError(`${what}: the API server cannot reach services yet`);
          // Bounded by the dialer itself (its dial timeout), not by one request's deadline.
          try {
            return await this.#dialService(s.namespace, s.name, s.port, new AbortController().signal);
          } catch (e) {
            throw e instanceof WebhookCallError ? e : new WebhookCallError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
          }
        },
        { ...(servername ? { servername } : {}), ...(ca ? { ca } : {}), ALPNProtocols: ['http/1.1'] },
        MAX_SOCKETS_PER_WEBHOOK,
      );
    }
    this.#agents.set(key, agent);
    return agent;
  }

  async #send(url: URL, request: WebhookPost, signal: AbortSignal, what: string): Promise<string> {
    const ca = caOf(request.clientConfig);
    // SNI carries host names only (RFC 6066); an IP address is still checked against the certificate.
    const servername = isIP(url.hostname) ? undefined : url.hostname;
    const agent = this.#agentFor(request.clientConfig, url, ca, servername, what);
    const body = Buffer.from(request.body, 'utf8');
    return new Promise<string>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'content-length': String(body.length), 'user-agent': 'kube-apiserver-admission' },
          agent,
          signal,
          ...(ca ? { ca } : {}),
          ...(servername ? { servername } : {}),
        },
        (res) => {
          readBody(res).then((text) => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(text);
            else reject(new WebhookCallError(`${what}: ${httpFailure(status, text)}`));
          }, reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_RESPONSE_BYTES) {
      res.destroy();
      throw new WebhookCallError(`the webhook's response is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** How client-go describes a non-2xx answer: the message of a Status body, else the code. */
function httpFailure(status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { kind?: unknown; message?: unknown };
    if (parsed.kind === 'Status' && typeof parsed.message === 'string' && parsed.message) return parsed.message;
  } catch {
    // not JSON
  }
  const trimmed = text.trim();
  if (trimmed && trimmed.length <= 1024) return `an error on the server (${JSON.stringify(trimmed)}) has prevented the request from succeeding`;
  return `the server responded with the status code ${status} but did not return more information`;
}
