/**
 * The proxy subresources: pods/proxy, services/proxy and nodes/proxy (every HTTP method), as
 * kube-apiserver serves them (pkg/registry/core/{pod,service,node}/rest/proxy.go with
 * apimachinery's UpgradeAwareHandler and its rewriting proxy transport, util/proxy):
 *
 *  - `…/proxy` without a path answers GET and HEAD with `301` to `…/proxy/` (issue #4958);
 *  - the request goes to the location (proxy-location.ts) with the path after `proxy`, the
 *    query, and the client's headers less hop-by-hop ones and the credentials the API server
 *    consumed; `X-Forwarded-For` and `X-Forwarded-Uri` are added;
 *  - the answer streams back as it arrives (status and headers less hop-by-hop and CORS ones); a
 *    `Location` on the backend's host, or host-less, is rewritten under the proxy prefix, and so
 *    are the links of a `text/html` body (which upstream, too, reads whole to rewrite);
 *  - `Connection: Upgrade` requests (WebSockets …) are relayed byte for byte after the backend's
 *    answer, in both directions;
 *  - a backend that cannot be reached answers `503 ServiceUnavailable` "error trying to reach
 *    service: <Go's dial error>", after a bounded dial; the client going away aborts the backend
 *    request.
 *
 * Pods and Service endpoints are dialled through the agent of their node (backend-dialer.ts);
 * the kubelet of nodes/proxy is the kubelet API served over the node's agent connection.
 */
import { relayKubeletStream } from './relay.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import { tlsHandshake } from './dialled-https-agent.js';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ApiError } from '../../api/errors.js';
import type { KubeletConnections, KubeletMethod, KubeletRequest, KubeletStream } from '../../tunnel/kubelet-connection.js';
import { isKubeletMethod } from '../../tunnel/kubelet-connection.js';
import { silentLogger } from '../../util/log.js';
import type { HandlerResult, ResourceRequest } from '../resource-handler.js';
import { isSimulatedNode, type BackendDialer } from './backend-dialer.js';
import { relayWebSocket } from './pod-streams.js';
import { nodeLocation, podLocation, serviceLocation, type PickIndex, type ProxyLocation, type ProxyObjects } from './proxy-location.js';
import { acceptWebSocket, isUpgradeRequest, isWebSocketRequest, offeredProtocols } from './websocket-upgrade.js';

type Handler = (req: ResourceRequest) => Promise<HandlerResult>;

export interface ProxyDeps {
  readonly objects: ProxyObjects;
  readonly dialer: BackendDialer;
  readonly kubelets: KubeletConnections;
  readonly logger?: Logger;
  /** Endpoint choice (default random, as upstream). */
  readonly pick?: PickIndex;
  /** Largest text/html body rewritten (larger ones pass through unchanged; default 16 MiB). */
  readonly maxRewriteBytes?: number;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** RFC 7230 hop-by-hop headers (Go's httputil.ReverseProxy list), removed both ways. */
export const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
/** Removed from backend answers (upstream corsRemovingTransport). */
const CORS = ['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin'];

export function proxyHandlers(deps: ProxyDeps): Map<string, Handler> {
  const log = (deps.logger ?? silentLogger).child({ component: 'apiserver-proxy' });
  const m = new Map<string, Handler>();
  const serve = (locate: (req: ResourceRequest) => Promise<ProxyLocation>): Handler => async (req) => {
    if (!METHODS.has(req.method)) throw ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
    const location = await locate(req);
    const { requestPath, subpath, query } = proxyPaths(req);
    return proxyRequest(deps, log, req, location, { requestPath, subpath, query });
  };
  m.set('/pods/proxy', serve((req) => podLocation(deps.objects, req.namespace ?? '', req.name ?? '')));
  m.set('/services/proxy', serve((req) => serviceLocation(deps.objects, req.namespace ?? '', req.name ?? '', deps.pick)));
  m.set('/nodes/proxy', serve((req) => nodeLocation(deps.objects, req.name ?? '')));
  return m;
}

interface ProxyPaths {
  /** The request's path as the client sent it (still percent-encoded). */
  readonly requestPath: string;
  /** The path after `/proxy`: '' (none), '/' or '/a/b…' (raw, trailing slash kept). */
  readonly subpath: string;
  /** The raw query string, without '?'. */
  readonly query: string;
}

/** The raw path after the `proxy` segment: the decoded segments lose trailing slashes and encoding. */
export function proxyPaths(req: Pick<ResourceRequest, 'incoming' | 'namespace' | 'subpath'>): ProxyPaths {
  const raw = req.incoming.url ?? '';
  const q = raw.indexOf('?');
  const requestPath = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  const parts = requestPath.split('/');
  // '' api v1 [namespaces ns] <plural> <name> proxy …
  const k = req.namespace !== undefined ? 7 : 5;
  let subpath: string;
  if (parts[k] === 'proxy') subpath = parts.length > k + 1 ? `/${parts.slice(k + 1).join('/')}` : '';
  else subpath = req.subpath.length ? `/${req.subpath.map(encodeURIComponent).join('/')}` : '';
  return { requestPath, subpath, query };
}

/** Go's path.Join plus upstream's "keep the trailing slash". */
function joinKeepingSlash(a: string, b: string): string {
  const joined = posix.join(a || '/', b || '');
  return b.endsWith('/') && !joined.endsWith('/') ? `${joined}/` : joined;
}

async function proxyRequest(deps: ProxyDeps, log: Logger, req: ResourceRequest, location: ProxyLocation, paths: ProxyPaths): Promise<HandlerResult> {
  const { incoming } = req;
  let locPath = paths.subpath;
  if (!locPath.endsWith('/') && paths.requestPath.endsWith('/')) locPath += '/';
  const upgrade = isUpgradeRequest(incoming);
  if (!upgrade && locPath === '' && (req.method === 'GET' || req.method === 'HEAD')) {
    return { status: 301, body: '', headers: { Location: `${paths.requestPath}/${paths.query ? `?${paths.query}` : ''}`, 'Content-Type': 'text/plain; charset=utf-8' } };
  }
  // The prefix the backend's absolute links get (upstream defaultProxyTransport's PathPrepend).
  let suffix = locPath;
  if (paths.requestPath.endsWith('/') && !suffix.endsWith('/')) suffix += '/';
  const prefix = suffix && paths.requestPath.endsWith(suffix) ? paths.requestPath.slice(0, paths.requestPath.length - suffix.length) : paths.requestPath;
  const target = `${locPath || '/'}${paths.query ? `?${paths.query}` : ''}`;
  const headers = forwardHeaders(incoming, upgrade);
  headers['x-forwarded-uri'] = joinKeepingSlash(prefix, locPath);

  if (location.kind === 'kubelet') return proxyToKubelet(deps, log, req, location.node, target, headers, prefix);

  const abort = new AbortController();
  const onGone = () => abort.abort();
  incoming.socket.once('close', onGone);
  let socket: Duplex;
  try {
    socket = await deps.dialer.dial({ host: location.host, port: location.port, ...(location.node ? { node: location.node } : {}) }, abort.signal);
    if (location.scheme === 'https') socket = await startTls(socket, location.host);
  } catch (e) {
    incoming.socket.off('close', onGone);
    throw unreachable(e);
  }
  if (abort.signal.aborted) {
    socket.destroy();
    return 'sent';
  }
  incoming.socket.off('close', onGone);
  if (upgrade) {
    relayUpgrade(log, incoming, socket, req.method, target, headers);
    return 'sent';
  }
  return relayHttp(deps, log, req, socket, target, headers, { prefix, host: `${location.host}:${location.port}` });
}

function unreachable(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  let message = e instanceof Error ? e.message : String(e);
  // Node's "socket hang up" is Go's EOF: the backend closed without answering.
  if (message === 'socket hang up') message = 'EOF';
  return ApiError.serviceUnavailable(`error trying to reach service: ${message}`);
}

/** The caller's headers for a backend: without its credentials, hop-by-hop ones only for an upgrade, with X-Forwarded-For. */
export function forwardHeaders(incoming: IncomingMessage, upgrade: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = String(incoming.headers.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  for (const [k, v] of Object.entries(incoming.headers)) {
    if (v === undefined) continue;
    // The API server consumed the client's credentials (upstream's authentication filter removes them).
    if (k === 'authorization' || k.startsWith('impersonate-')) continue;
    if (!upgrade && (HOP_BY_HOP.includes(k) || connectionTokens.includes(k))) continue;
    out[k] = v;
  }
  const client = incoming.socket.remoteAddress;
  if (client) {
    const prior = incoming.headers['x-forwarded-for'];
    out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  }
  return out;
}

function startTls(socket: Duplex, host: string): Promise<Duplex> {
  // Upstream's proxy transport does not verify pod or node certificates (InsecureSkipVerify).
  return tlsHandshake(socket, { rejectUnauthorized: false, ...(/^[\d.]+$/.test(host) ? {} : { servername: host }) });
}

/** Lets http.request use a Duplex that is not a net.Socket. */
function asSocket(d: Duplex): Duplex {
  const s = d as Duplex & Record<string, unknown>;
  for (const name of ['setNoDelay', 'setKeepAlive', 'setTimeout', 'ref', 'unref']) {
    if (typeof s[name] !== 'function') s[name] = () => s;
  }
  return d;
}

function relayHttp(deps: ProxyDeps, log: Logger, req: ResourceRequest, socket: Duplex, target: string, headers: OutgoingHttpHeaders, rewrite: { prefix: string; host: string }): Promise<HandlerResult> {
  const { incoming, outgoing } = req;
  return new Promise<HandlerResult>((resolve, reject) => {
    let settled = false;
    const settle = (r: HandlerResult | ApiError) => {
      if (settled) return;
      settled = true;
      if (r instanceof ApiError) reject(r);
      else resolve(r);
    };
    const backend: ClientRequest = httpRequest({ method: req.method, path: target, headers, createConnection: () => asSocket(socket) as never });
    const clientGone = () => {
      if (!outgoing.writableFinished) backend.destroy(new Error('the client went away'));
    };
    outgoing.once('close', clientGone);
    backend.on('error', (err) => {
      socket.destroy();
      if (!outgoing.headersSent) return settle(unreachable(err));
      log.debug({ err: err.message }, 'backend failed mid-response');
      outgoing.destroy();
      settle('sent');
    });
    backend.on('response', (res) => {
      const out = responseHeaders(res.headers);
      const location = res.headers.location;
      if (typeof location === 'string' && location) out.location = rewriteUrl(location, rewrite.prefix, rewrite.host, incoming.headers.host);
      const contentType = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const finish = () => {
        outgoing.off('close', clientGone);
        socket.destroy();
        settle('sent');
      };
      if (!location && contentType === 'text/html' && req.method !== 'HEAD') {
        void relayHtml(deps, res, outgoing, out, rewrite, incoming.headers.host).then(finish, (e: unknown) => {
          log.debug({ err: e }, 'rewriting an HTML answer failed');
          const headersSent = outgoing.headersSent;
          if (headersSent) outgoing.destroy();
          outgoing.off('close', clientGone);
          socket.destroy();
          settle(headersSent ? 'sent' : unreachable(e));
        });
        return;
      }
      outgoing.writeHead(res.statusCode ?? 502, res.statusMessage, out);
      outgoing.flushHeaders();
      res.pipe(outgoing);
      res.once('end', finish);
      res.once('error', () => {
        outgoing.destroy();
        finish();
      });
      res.once('aborted', () => outgoing.destroy());
    });
    // The request body streams to the backend as it arrives.
    incoming.pipe(backend);
    incoming.once('error', () => backend.destroy());
  });
}

function responseHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const tokens = String(h.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.includes(k) || tokens.includes(k) || CORS.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * upstream Transport.rewriteURL: a URL on the backend's host (or on the host the client asked,
 * or host-less) with an absolute path moves under the proxy prefix; scheme and host are dropped
 * (the request URL of a Go server has neither), so the client keeps talking to the API server.
 */
export function rewriteUrl(target: string, prefix: string, backendHost: string, requestHost: string | undefined): string {
  let u: URL;
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target);
  const protocolRelative = target.startsWith('//');
  try {
    u = new URL(target, 'http://placeholder.invalid');
  } catch {
    return target;
  }
  const host = hasScheme || protocolRelative ? u.host : '';
  if (host !== '' && host !== backendHost && host !== requestHost) return target;
  // A relative reference keeps its meaning on the proxied page.
  if (!hasScheme && !protocolRelative && !target.startsWith('/')) return target;
  const path = u.pathname;
  const rest = `${u.search}${u.hash}`;
  if (prefix && path.startsWith(prefix)) return `${path}${rest}`;
  return `${joinKeepingSlash(prefix, path)}${rest}`;
}

/** Tags and attributes holding URLs (upstream atomsToAttrs). */
const URL_ATTRS: Record<string, readonly string[]> = {
  a: ['href'], applet: ['codebase'], area: ['href'], audio: ['src'], base: ['href'], blockquote: ['cite'], body: ['background'], button: ['formaction'],
  command: ['icon'], del: ['cite'], embed: ['src'], form: ['action'], frame: ['longdesc', 'src'], head: ['profile'], html: ['manifest'],
  iframe: ['longdesc', 'src'], img: ['longdesc', 'src', 'usemap'], input: ['src', 'usemap', 'formaction'], ins: ['cite'], link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'], q: ['cite'], script: ['src'], source: ['src'], video: ['poster', 'src'],
};

/** Rewrites the URL attributes of start tags; comments and the text of scripts and styles are left alone (as an HTML tokenizer would). */
export function rewriteHtml(html: string, rewrite: (url: string) => string): string {
  const tagRe = /<!--[\s\S]*?-->|<([a-zA-Z][a-zA-Z0-9]*)((?:\s[^<>]*?)?)(\/?)>/g;
  let out = '';
  let last = 0;
  for (let m = tagRe.exec(html); m; m = tagRe.exec(html)) {
    out += html.slice(last, m.index);
    last = tagRe.lastIndex;
    const [whole, tag, attrs, close] = m;
    if (!tag) {
      out += whole;
      continue;
    }
    const names = URL_ATTRS[tag.toLowerCase()];
    out += names && attrs ? `<${tag}${rewriteAttributes(attrs, names, rewrite)}${close}>` : whole;
    const lower = tag.toLowerCase();
    if ((lower === 'script' || lower === 'style') && !close) {
      const endTag = html.toLowerCase().indexOf(`</${lower}`, last);
      const stop = endTag < 0 ? html.length : endTag;
      out += html.slice(last, stop);
      last = stop;
      tagRe.lastIndex = stop;
    }
  }
  return out + html.slice(last);
}

function rewriteAttributes(attrs: string, names: readonly string[], rewrite: (url: string) => string): string {
  return attrs.replace(/(\s)([^\s"'=<>/]+)(\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g, (m, sp: string, name: string, eq: string, _v: string, dq?: string, sq?: string, bare?: string) => {
    if (!names.includes(name.toLowerCase())) return m;
    const next = rewrite(dq ?? sq ?? bare ?? '');
    if (dq !== undefined) return `${sp}${name}${eq}"${next}"`;
    if (sq !== undefined) return `${sp}${name}${eq}'${next}'`;
    return `${sp}${name}${eq}${next}`;
  });
}

async function relayHtml(deps: ProxyDeps, res: IncomingMessage, outgoing: ServerResponse, headers: OutgoingHttpHeaders, rewrite: { prefix: string; host: string }, requestHost: string | undefined): Promise<void> {
  const limit = deps.maxRewriteBytes ?? 16 * 1024 * 1024;
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = encoding !== '' && encoding !== 'gzip';
  if (!tooBig) {
    // Read with 'data' events: leaving a for-await loop early would destroy the response.
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        chunks.push(b);
        size += b.length;
        if (size <= limit) return;
        tooBig = true;
        res.pause();
        res.off('data', onData);
        res.off('end', resolve);
        res.off('error', reject);
        resolve();
      };
      res.on('data', onData);
      res.once('end', resolve);
      res.once('error', reject);
    });
  }
  if (tooBig) {
    // An encoding lite cannot read, or a page too large to hold: passed through unchanged.
    outgoing.writeHead(res.statusCode ?? 502, res.statusMessage, headers);
    for (const c of chunks) outgoing.write(c);
    res.pipe(outgoing);
    await new Promise<void>((resolve) => {
      res.once('end', resolve);
      res.once('error', () => resolve());
      outgoing.once('close', resolve);
    });
    return;
  }
  let body = Buffer.concat(chunks);
  const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
  const html = rewriteHtml(text, (u) => rewriteUrl(u, rewrite.prefix, rewrite.host, requestHost));
  body = encoding === 'gzip' ? gzipSync(Buffer.from(html, 'utf8')) : Buffer.from(html, 'utf8');
  const out = { ...headers, 'content-length': body.length };
  outgoing.writeHead(res.statusCode ?? 502, res.statusMessage, out);
  outgoing.end(body);
}

/** Raw relay of an upgrade: the request head, then bytes both ways until either side closes. */
/** Writes the upgrade request to the backend and joins the two connections (both ways, until either ends). */
export function relayUpgrade(log: Logger, incoming: IncomingMessage, backend: Duplex, method: string, target: string, headers: OutgoingHttpHeaders): void {
  const client = incoming.socket as Duplex;
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [String(v)]) lines.push(`${k}: ${one}`);
  }
  backend.write(`${lines.join('\r\n')}\r\n\r\n`);
  let done = false;
  const finish = (err?: Error) => {
    if (err) log.debug({ err: err.message }, 'upgraded connection failed');
    if (done) return;
    done = true;
    backend.destroy();
    client.destroy();
  };
  backend.on('error', finish);
  client.on('error', finish);
  backend.on('close', () => finish());
  client.on('close', () => finish());
  backend.pipe(client);
  client.pipe(backend);
}

// ---- nodes/proxy to the kubelet (served over the node's agent connection) ----

function kubeletHeaders(headers: OutgoingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

async function proxyToKubelet(deps: ProxyDeps, log: Logger, req: ResourceRequest, node: string, target: string, headers: OutgoingHttpHeaders, prefix: string): Promise<HandlerResult> {
  const { incoming, outgoing } = req;
  const connection = deps.kubelets.forNode(node);
  if (!connection) {
    let simulated = false;
    try {
      simulated = isSimulatedNode(await deps.objects.getNode(node));
    } catch {
      // gone meanwhile: say what we know
    }
    throw ApiError.serviceUnavailable(
      simulated
        ? `error trying to reach service: node "${node}" is a simulated node: it has no kubelet API to proxy to`
        : `error trying to reach service: node "${node}" has no connected agent (is "lite agent" running there and able to reach this server?)`,
    );
  }
  const q = target.indexOf('?');
  const method = req.method as KubeletMethod;
  if (!isKubeletMethod(method)) throw ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
  const websocket = isWebSocketRequest(incoming);
  const request: KubeletRequest = {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    headers: kubeletHeaders(headers),
    ...(websocket ? { websocket: { protocols: offeredProtocols(incoming) } } : {}),
  };
  const stream = connection.open(request);
  const onGone = () => stream.close('the client went away');
  incoming.socket.once('close', onGone);
  // A WebSocket's messages follow the 101 (relayWebSocket); a plain request's body streams now.
  if (!websocket) void sendBody(incoming, stream);
  let head;
  try {
    head = await stream.head;
  } catch (e) {
    incoming.socket.off('close', onGone);
    throw unreachable(e);
  }
  if (head.status === 101) {
    incoming.socket.off('close', onGone);
    if (!websocket) {
      stream.close('not a WebSocket request');
      throw ApiError.badRequest('Upgrade request required');
    }
    let ws: WebSocket;
    try {
      ws = await acceptWebSocket(incoming, head.protocol);
    } catch (e) {
      stream.close('the client went away');
      log.debug({ err: e }, 'WebSocket handshake with the client failed');
      return 'sent';
    }
    void relayWebSocket(ws, stream, log);
    return 'sent';
  }
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(head.headers)) {
    const key = k.toLowerCase();
    if (HOP_BY_HOP.includes(key) || CORS.includes(key)) continue;
    out[key] = v;
  }
  if (typeof out.location === 'string') out.location = rewriteUrl(out.location, prefix, '', incoming.headers.host);
  outgoing.writeHead(head.status, out);
  outgoing.flushHeaders();
  await relayKubeletStream(stream, outgoing, { discard: req.method === 'HEAD', onBroken: 'destroy' });
  incoming.socket.off('close', onGone);
  return 'sent';
}

async function sendBody(incoming: IncomingMessage, stream: KubeletStream): Promise<void> {
  try {
    for await (const chunk of incoming) {
      if (!stream.send(chunk as Buffer)) await stream.writable();
    }
  } catch {
    stream.close('the client went away');
    return;
  }
  stream.end();
}

