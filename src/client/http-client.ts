/**
 * The Client over HTTPS, used by agents (kubelet, proxy) to reach the API server. Same contract
 * as the in-process LocalClient: objects in, objects out, failures as ApiError carrying the
 * server's Status (code, reason, message), watches as async iterables that end when the server
 * closes the stream or the signal aborts.
 *
 * Connections are kept alive and shared; authentication is a client certificate (node identity)
 * or a bearer token.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError, type Status } from '../api/errors.js';
import type { KubeList, KubeObject } from '../api/object.js';
import type {
  Client,
  ClientDeleteOptions,
  ClientListOptions,
  ClientWatchEvent,
  ClientWatchOptions,
  PatchKind,
  ResourceRef,
  SubresourceCreateOptions,
  WriteOptions,
} from './client.js';

export interface HttpClientConfig {
  /** e.g. `https://10.0.0.1:6443` */
  readonly server: string;
  /** CA that signed the server's certificate (PEM). */
  readonly caPem: string;
  /** Client certificate credentials (PEM), or a bearer token. */
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly token?: string;
  /** Sent as User-Agent; the server derives default field managers from it. */
  readonly userAgent: string;
  /** Per-request timeout for non-watch calls (default 30 s). */
  readonly timeoutMs?: number;
}

const PATCH_TYPES: Readonly<Record<PatchKind, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class HttpClient implements Client {
  readonly #base: URL;
  readonly #agent: Agent;
  /**
   * Watches hold their connection for as long as they run (HTTP/1.1 has no multiplexing), and a
   * kubelet watches each Secret and ConfigMap of its pods on its own: they get a pool without a
   * socket limit, so that they can never starve the requests in the bounded pool.
   */
  readonly #watchAgent: Agent;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(config: HttpClientConfig) {
    this.#base = new URL(config.server);
    this.#agent = new Agent({ keepAlive: true, maxSockets: 64, ca: config.caPem, cert: config.certPem, key: config.keyPem });
    this.#watchAgent = new Agent({ keepAlive: true, ca: config.caPem, cert: config.certPem, key: config.keyPem });
    this.#headers = { 'User-Agent': config.userAgent, Accept: 'application/json' };
    if (config.token) this.#headers.Authorization = `Bearer ${config.token}`;
    this.#timeoutMs = config.timeoutMs ?? 30_000;
  }

  /** Closes pooled connections. */
  close(): void {
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }

  static path(ref: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
    const root = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
    let p = namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${ref.resource}` : `${root}/${ref.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  async get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return (await this.#json('GET', HttpClient.path(ref, namespace, name))) as KubeObject;
  }

  async list(ref: ResourceRef, namespace: string | undefined, options: ClientListOptions = {}): Promise<KubeList> {
    const q = new URLSearchParams();
    if (options.labelSelector) q.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) q.set('fieldSelector', options.fieldSelector);
    if (options.limit) q.set('limit', String(options.limit));
    if (options.continue) q.set('continue', options.continue);
    if (options.resourceVersion) q.set('resourceVersion', options.resourceVersion);
    return (await this.#json('GET', withQuery(HttpClient.path(ref, namespace), q))) as KubeList;
  }

  async create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return (await this.#json('POST', withQuery(HttpClient.path(ref, namespace), writeQuery(options)), obj)) as KubeObject;
  }

  async update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, options?: WriteOptions & { subresource?: 'status' | 'finalize' | 'ephemeralcontainers' | 'approval' }): Promise<KubeObject> {
    const name = obj.metadata.name;
    if (!name) throw ApiError.badRequest('update needs metadata.name');
    return (await this.#json('PUT', withQuery(HttpClient.path(ref, namespace, name, options?.subresource), writeQuery(options)), obj)) as KubeObject;
  }

  async patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    kind: PatchKind,
    body: unknown,
    options?: WriteOptions & { subresource?: 'status' | 'ephemeralcontainers'; force?: boolean },
  ): Promise<KubeObject> {
    const q = writeQuery(options);
    if (options?.force !== undefined) q.set('force', String(options.force));
    return (await this.#json('PATCH', withQuery(HttpClient.path(ref, namespace, name, options?.subresource), q), body, PATCH_TYPES[kind])) as KubeObject;
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, options: ClientDeleteOptions = {}): Promise<KubeObject | undefined> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...options };
    const res = (await this.#json('DELETE', HttpClient.path(ref, namespace, name), body)) as KubeObject | Status;
    if ((res as Status).kind === 'Status') return undefined;
    const obj = res as KubeObject;
    return obj.metadata?.deletionTimestamp ? obj : undefined;
  }

  async createSubresource(ref: ResourceRef, namespace: string | undefined, name: string, subresource: 'binding' | 'eviction', body: KubeObject, options?: SubresourceCreateOptions): Promise<void> {
    await this.#json('POST', withQuery(HttpClient.path(ref, namespace, name, subresource), writeQuery(options)), body);
  }

  async createToken(namespace: string, serviceAccount: string, request: KubeObject): Promise<KubeObject> {
    return (await this.#json('POST', HttpClient.path({ group: '', version: 'v1', resource: 'serviceaccounts' }, namespace, serviceAccount, 'token'), request)) as KubeObject;
  }

  async *watch(ref: ResourceRef, namespace: string | undefined, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent> {
    const q = new URLSearchParams({ watch: 'true' });
    if (options.labelSelector) q.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) q.set('fieldSelector', options.fieldSelector);
    if (options.resourceVersion) q.set('resourceVersion', options.resourceVersion);
    if (options.allowWatchBookmarks) q.set('allowWatchBookmarks', 'true');
    const res = await this.#send('GET', withQuery(HttpClient.path(ref, namespace), q), undefined, undefined, options.signal, 0, this.#watchAgent);
    if (res.statusCode !== 200) throw await errorFrom(res);
    let buffered = '';
    try {
      for await (const chunk of res) {
        buffered += (chunk as Buffer).toString('utf8');
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim() === '') continue;
          const ev = JSON.parse(line) as { type: string; object: KubeObject & Partial<Status> };
          if (ev.type === 'ERROR') {
            const s = ev.object as unknown as Status;
            yield { type: 'ERROR', error: new ApiError(s.code ?? 500, s.reason ?? 'InternalError', s.message ?? 'watch error', s.details) };
          } else if (ev.type === 'BOOKMARK') {
            yield { type: 'BOOKMARK', resourceVersion: ev.object.metadata?.resourceVersion ?? '' };
          } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') {
            yield { type: ev.type, object: ev.object };
          }
        }
      }
    } catch (e) {
      if (options.signal.aborted) return;
      throw e;
    } finally {
      res.destroy();
    }
  }

  async #json(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const res = await this.#send(method, path, body === undefined ? undefined : JSON.stringify(body), contentType, undefined, this.#timeoutMs);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 400) throw statusError(res.statusCode ?? 500, text);
    return text ? JSON.parse(text) : undefined;
  }

  #send(method: string, path: string, body: string | undefined, contentType: string | undefined, signal: AbortSignal | undefined, timeoutMs: number, agent: Agent = this.#agent): Promise<IncomingMessage> {
    const headers: Record<string, string | number> = { ...this.#headers };
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const opts: RequestOptions = { method, host: this.#base.hostname, port: this.#base.port || 443, path, agent, headers, signal };
    return new Promise((resolve, reject) => {
      const req = request(opts, resolve);
      req.on('error', (e) => reject(connectionError(this.#base, e)));
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${this.#base.host} within ${timeoutMs} ms`)));
      req.end(body);
    });
  }
}

function writeQuery(options: WriteOptions | undefined): URLSearchParams {
  const q = new URLSearchParams();
  if (options?.fieldManager) q.set('fieldManager', options.fieldManager);
  if (options?.dryRun) q.set('dryRun', 'All');
  return q;
}

function withQuery(path: string, q: URLSearchParams): string {
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function errorFrom(res: IncomingMessage): Promise<ApiError> {
  return statusError(res.statusCode ?? 500, await readAll(res));
}

function statusError(code: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as Partial<Status>;
    if (s.kind === 'Status') return new ApiError(s.code ?? code, s.reason ?? 'InternalError', s.message ?? text, s.details);
  } catch {
    // not a Status: fall through
  }
  return new ApiError(code, code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'InternalError', text.trim() || `HTTP ${code}`);
}

/** Network failures as 503 ApiErrors naming the server, so callers handle one error type. */
function connectionError(base: URL, e: Error): ApiError {
  const code = (e as NodeJS.ErrnoException).code;
  return new ApiError(503, 'ServiceUnavailable', `cannot reach the API server at ${base.host}: ${code ? `${code} ` : ''}${e.message}`, undefined, { cause: e });
}
