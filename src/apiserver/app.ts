/**
 * The API server's HTTP surface as a hono app: authentication, the non-resource endpoints
 * (version, health, discovery, OpenAPI) and the resource paths. Every error becomes a
 * Kubernetes Status here, in one place.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import type { Authorizer } from '../auth/authorizer.js';
import { isNodeUser, PRIVILEGED_GROUP } from '../auth/cluster-authorizer.js';
import { impersonate, wantsImpersonation } from '../auth/impersonation.js';
import { forbiddenError, requestAttributes, type RequestAttributes } from '../auth/request-attributes.js';
import { requestLabels, type ApiServerMetrics } from './api-metrics.js';
import type { UserInfo } from '../registry/context.js';
import type { Registry } from '../registry/registry.js';
import type { UnionAuthenticator } from './authn.js';
import { AGGREGATED_CONTENT_TYPE, Discovery } from './discovery.js';
import { negotiateDiscovery } from './media.js';
import { OpenApi } from './openapi.js';
import { openApiV2Response, type OpenApiV2 } from './openapi-v2.js';
import { handleResourceRequest, type HandlerResult, type ResourceHandlerDeps } from './resource-handler.js';

export interface VersionInfo {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly gitCommit: string;
  readonly gitTreeState: string;
  readonly buildDate: string;
  readonly goVersion: string;
  readonly compiler: string;
  readonly platform: string;
}

/** A named health check for /livez and /readyz (`[+]name ok` lines in verbose output). */
export interface HealthCheck {
  readonly name: string;
  check(): boolean;
}

/**
 * A route outside the Kubernetes API (k3s-style endpoints such as /cacerts and the agent join
 * endpoint). Public routes skip authentication and must authenticate by themselves.
 */
export interface ExtraRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly public: boolean;
  /** `'sent'`: the route answered on the socket itself (a WebSocket upgrade it accepted). */
  handle(req: IncomingMessage, user: UserInfo | undefined): Promise<{ status: number; body: string; contentType: string } | 'sent'>;
}

export interface ApiAppConfig extends Omit<ResourceHandlerDeps, 'registry'> {
  readonly extraRoutes?: readonly ExtraRoute[];
  readonly registry: Registry;
  readonly authenticator: UnionAuthenticator;
  /** Decides every authenticated request except public paths and extra routes (which check by themselves). */
  readonly authorizer: Authorizer;
  readonly openapi: OpenApi;
  readonly openapiV2: OpenApiV2;
  readonly discovery: Discovery;
  readonly version: VersionInfo;
  readonly liveChecks: readonly HealthCheck[];
  readonly readyChecks: readonly HealthCheck[];
  readonly logger: Logger;
  /** Request metrics, served at GET /metrics (system:monitoring); absent: no /metrics. */
  readonly metrics?: ApiServerMetrics;
  /** Group versions served by other servers behind APIServices (kube-aggregator's proxy). */
  readonly aggregation?: AggregatedApis;
}

/** What the app needs of the aggregator: which group versions it proxies, and the proxy. */
export interface AggregatedApis {
  handles(group: string, version: string): boolean;
  /** Answers the request on `outgoing` (the request was authenticated and authorized already). */
  serve(group: string, version: string, incoming: IncomingMessage, outgoing: ServerResponse, user: UserInfo): Promise<void>;
}

type Env = { Bindings: HttpBindings; Variables: { user: UserInfo; attrs: RequestAttributes } };

const JSON_TYPE = 'application/json';

export function createApiApp(config: ApiAppConfig): Hono<Env> {
  const app = new Hono<Env>();
  const log = config.logger;

  const publicPaths = new Set((config.extraRoutes ?? []).filter((r) => r.public).map((r) => r.path));
  const extraPaths = new Set((config.extraRoutes ?? []).map((r) => r.path));
  app.onError((err, c) => errorResponse(c, err, log));
  app.notFound((c) => statusResponse(ApiError.pathNotFound()));

  // Request log and authentication for everything. Health endpoints are public as upstream
  // (system:public-info-viewer), so load balancers and `lite` itself can poll them.
  // Request metrics (GET /metrics) around everything, refusals included, as upstream counts them.
  const metrics = config.metrics;
  if (metrics) {
    app.use('*', async (c, next) => {
      const { attrs, query } = parseAttributes(c);
      c.set('attrs', attrs);
      const finish = metrics.begin(requestLabels(c.req.method, c.req.path, attrs, query, c.req.header('content-type')));
      let code = 500;
      try {
        await next();
        const outgoing = c.env.outgoing as ServerResponse | undefined;
        code = outgoing?.headersSent ? outgoing.statusCode : c.res.status;
      } finally {
        finish(code);
      }
    });
  }

  app.use('*', async (c, next) => {
    const started = performance.now();
    const path = c.req.path;
    const isPublic =
      path === '/healthz' || path === '/livez' || path === '/readyz' || path === '/version' || path.startsWith('/livez/') || path.startsWith('/readyz/') || publicPaths.has(path);
    let user = await config.authenticator.authenticate(c.env.incoming);
    if (!user && !isPublic) {
      logRequest(log, c, 401, started, undefined);
      return statusResponse(ApiError.unauthorized());
    }
    if (user && !isPublic && !extraPaths.has(path)) {
      const incoming = c.env.incoming as IncomingMessage;
      if (wantsImpersonation(incoming.headers)) user = impersonate(user, incoming.headers, config.authorizer);
    }
    // The privileged group is allowed everything; skipping the request parse keeps the admin's
    // (and benchmarks') requests as cheap as before authorization existed.
    if (user && !isPublic && !extraPaths.has(path) && !user.groups.includes(PRIVILEGED_GROUP)) {
      const attrs = c.get('attrs') ?? parseAttributes(c).attrs;
      const decision = config.authorizer.authorize({ ...attrs, user });
      if (!decision.allowed) {
        // A kubelet denied is a lite bug (its rules are fixed in code), so it is worth a warning.
        if (isNodeUser(user)) log.warn({ user: user.username, method: c.req.method, path }, 'request from a node denied');
        logRequest(log, c, 403, started, user);
        return statusResponse(forbiddenError(user, attrs, decision.reason));
      }
    }
    if (user) c.set('user', user);
    await next();
    logRequest(log, c, c.res.status, started, user);
  });

  app.get('/version', () => jsonText(JSON.stringify(config.version)));
  for (const route of config.extraRoutes ?? []) {
    app.on(route.method, route.path, async (c) => {
      const res = await route.handle(c.env.incoming as IncomingMessage, c.get('user'));
      if (res === 'sent') return RESPONSE_ALREADY_SENT;
      return new Response(res.body, { status: res.status, headers: { 'Content-Type': res.contentType } });
    });
  }
  const health = (checks: readonly HealthCheck[], name: string) => (c: Context<Env>) => {
    const results = checks.map((h) => ({ name: h.name, ok: safeCheck(h) }));
    const ok = results.every((r) => r.ok);
    if (c.req.query('verbose') !== undefined) {
      const lines = results.map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : 'failed'}`);
      lines.push(ok ? `${name} check passed` : `${name} check failed`);
      return new Response(lines.join('\n') + '\n', { status: ok ? 200 : 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    return new Response(ok ? 'ok' : `${name} check failed`, { status: ok ? 200 : 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  };
  if (metrics) app.get('/metrics', async () => new Response(await metrics.text(), { status: 200, headers: { 'Content-Type': metrics.contentType } }));
  app.get('/healthz', health(config.liveChecks, 'healthz'));
  app.get('/livez', health(config.liveChecks, 'livez'));
  app.get('/readyz', health(config.readyChecks, 'readyz'));

  app.get('/api', (c) => discoveryRoot(c, config.discovery, 'api'));
  app.get('/apis', (c) => discoveryRoot(c, config.discovery, 'apis'));
  app.get('/api/', (c) => discoveryRoot(c, config.discovery, 'api'));
  app.get('/apis/', (c) => discoveryRoot(c, config.discovery, 'apis'));

  app.get('/openapi/v3', () => jsonText(config.openapi.index()));
  app.get('/openapi/v3/*', (c) => {
    const rest = c.req.path.slice('/openapi/v3/'.length).replace(/\/$/, '');
    const parts = rest.split('/');
    let doc: { text: string; hash: string } | undefined;
    if (parts[0] === 'api' && parts.length === 2) doc = config.openapi.document('', parts[1]);
    else if (parts[0] === 'apis' && parts.length === 3) doc = config.openapi.document(parts[1], parts[2]);
    if (!doc) throw ApiError.pathNotFound();
    const cache = c.req.query('hash') === doc.hash ? 'public, immutable' : 'no-cache, private';
    return new Response(doc.text, { status: 200, headers: { 'Content-Type': JSON_TYPE, Etag: `"${doc.hash}"`, 'Cache-Control': cache } });
  });
  app.get('/openapi/v2', (c) =>
    openApiV2Response(config.openapiV2, {
      method: c.req.method,
      accept: c.req.header('accept'),
      acceptEncoding: c.req.header('accept-encoding'),
      ifNoneMatch: c.req.header('if-none-match'),
      ifModifiedSince: c.req.header('if-modified-since'),
    }),
  );

  const aggregation = config.aggregation;
  const resources = (group: string, version: string, segments: string[]) => async (c: Context<Env>) => {
    const user = c.get('user');
    const incoming = c.env.incoming as IncomingMessage;
    if (aggregation?.handles(group, version)) {
      await aggregation.serve(group, version, incoming, c.env.outgoing as ServerResponse, user);
      return RESPONSE_ALREADY_SENT;
    }
    const rawUrl = incoming.url ?? '';
    const q = rawUrl.indexOf('?');
    const http = { method: c.req.method, query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)), incoming, outgoing: c.env.outgoing as ServerResponse, user };
    if (segments.length === 0 && c.req.method === 'GET') {
      const text = config.discovery.resourceList(group, version);
      if (text === undefined) throw ApiError.pathNotFound();
      return jsonText(text);
    }
    const result = await handleResourceRequest(config, http, group, version, segments);
    return sendResult(http.outgoing, result);
  };

  app.all('/api/:version/*', (c) => resources('', c.req.param('version'), segmentsAfter(c.req.path, 3))(c));
  app.all('/api/:version', (c) => resources('', c.req.param('version'), [])(c));
  app.all('/apis/:group/:version/*', (c) => resources(c.req.param('group'), c.req.param('version'), segmentsAfter(c.req.path, 4))(c));
  app.all('/apis/:group/:version', (c) => resources(c.req.param('group'), c.req.param('version'), [])(c));
  app.get('/apis/:group', (c) => {
    const text = config.discovery.apiGroup(c.req.param('group'));
    if (text === undefined) throw ApiError.pathNotFound();
    return jsonText(text);
  });
  return app;
}

function segmentsAfter(path: string, skip: number): string[] {
  const parts = path.split('/').slice(skip);
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    throw ApiError.badRequest('the request path is not valid: malformed percent-encoding');
  }
}

function discoveryRoot(c: Context<Env>, discovery: Discovery, which: 'api' | 'apis'): Response {
  const format = negotiateDiscovery(c.req.header('accept'));
  if (format.kind === 'discovery') {
    return new Response(discovery.aggregated(which, format.version), { status: 200, headers: { 'Content-Type': AGGREGATED_CONTENT_TYPE(format.version), Vary: 'Accept' } });
  }
  return new Response(which === 'api' ? discovery.legacyApi() : discovery.legacyApis(), { status: 200, headers: { 'Content-Type': JSON_TYPE, Vary: 'Accept' } });
}

function jsonText(text: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'Content-Type': JSON_TYPE, ...headers } });
}

/**
 * Writes a handler's result straight to the Node response: the hot path of every API call, so
 * it skips building a fetch Response (and its body stream) only for the adapter to take apart.
 */
function sendResult(res: ServerResponse, result: HandlerResult): Response {
  if (result === 'sent') return RESPONSE_ALREADY_SENT;
  const body = typeof result.body === 'string' || result.body instanceof Uint8Array ? result.body : JSON.stringify(result.body);
  const headers: Record<string, string | number> = { 'Content-Type': JSON_TYPE, 'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength, ...(result.headers ?? {}) };
  res.writeHead(result.status, headers);
  res.end(body);
  return RESPONSE_ALREADY_SENT;
}

function statusResponse(err: ApiError): Response {
  return jsonText(JSON.stringify(err.toStatus()), err.code, err.headers ?? {});
}

function errorResponse(c: Context<Env>, err: unknown, log: Logger): Response {
  if (err instanceof ApiError) {
    if (c.env?.outgoing?.headersSent) {
      c.env.outgoing.end();
      return RESPONSE_ALREADY_SENT;
    }
    return statusResponse(err);
  }
  log.error({ err, method: c.req.method, path: c.req.path }, 'internal error');
  if (c.env?.outgoing?.headersSent) {
    c.env.outgoing.end();
    return RESPONSE_ALREADY_SENT;
  }
  return statusResponse(ApiError.internal(err instanceof Error ? err.message : String(err), err));
}

function safeCheck(h: HealthCheck): boolean {
  try {
    return h.check();
  } catch {
    return false;
  }
}

/** The request's authorization attributes and query, from its raw URL. */
function parseAttributes(c: Context<Env>): { attrs: RequestAttributes; query: URLSearchParams } {
  const incoming = c.env.incoming as IncomingMessage;
  const rawUrl = incoming.url ?? '';
  const q = rawUrl.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  return { attrs: requestAttributes(c.req.method, c.req.path, query, incoming.headers.upgrade !== undefined), query };
}

function logRequest(log: Logger, c: Context<Env>, code: number, started: number, user: UserInfo | undefined): void {
  if (!log.isLevelEnabled('debug')) return;
  log.debug({ method: c.req.method, path: c.req.path, user: user?.username, code, ms: Math.round((performance.now() - started) * 100) / 100 }, 'request');
}
